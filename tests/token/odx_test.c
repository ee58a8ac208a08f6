// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for the odx token-copy guest tests; see odx_test.h.
 */
#include "odx_test.h"

#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Reporter */

int t_failures;
static const char *t_case_name = "";
static unsigned int t_seed_counter;

struct t_deferred {
	void (*fn)(void *);
	void *arg;
};
static struct t_deferred t_deferred[64];
static unsigned int t_nr_deferred;

void t_diag(const char *fmt, ...)
{
	char buf[2048], *line, *save = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("# %s\n", line);
	fflush(stdout);
}

bool t_check(bool ok, const char *file, int line, const char *expr, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (ok)
		return true;
	__atomic_add_fetch(&t_failures, 1, __ATOMIC_RELAXED);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t_diag("FAIL %s:%d: %s%s%s", file, line, expr, msg[0] ? ": " : "", msg);
	return false;
}

const char *t_errname(long ret)
{
	static char buf[32];

	switch (ret) {
	case 0: return "0";
	case -EINVAL: return "EINVAL";
	case -EKEYREJECTED: return "EKEYREJECTED";
	case -EXDEV: return "EXDEV";
	case -EPERM: return "EPERM";
	case -EBADF: return "EBADF";
	case -ENOTTY: return "ENOTTY";
	case -ENXIO: return "ENXIO";
	case -ERANGE: return "ERANGE";
	case -EOPNOTSUPP: return "EOPNOTSUPP";
	case -ENOSPC: return "ENOSPC";
	case -EDQUOT: return "EDQUOT";
	case -ENOMEM: return "ENOMEM";
	case -EFAULT: return "EFAULT";
	case -EBUSY: return "EBUSY";
	case -ENODEV: return "ENODEV";
	case -ENOENT: return "ENOENT";
	case -EACCES: return "EACCES";
	case -EROFS: return "EROFS";
	case -EIO: return "EIO";
	case -EINTR: return "EINTR";
	case -EEXIST: return "EEXIST";
	}
	snprintf(buf, sizeof(buf), "%ld", ret);
	return buf;
}

bool t_check_ret(long got, long want, const char *file, int line, const char *expr)
{
	char g[32];

	if (got == want)
		return true;
	snprintf(g, sizeof(g), "%s", t_errname(got));
	return t_check(false, file, line, expr, "returned %s, expected %s", g,
		       t_errname(want));
}

bool t_check_u64(const char *what, uint64_t got, uint64_t want, const char *file,
		 int line)
{
	if (got == want)
		return true;
	return t_check(false, file, line, what, "got %" PRIu64 " (0x%" PRIx64
		       "), expected %" PRIu64 " (0x%" PRIx64 ")", got, got, want, want);
}

void t_defer(void (*fn)(void *), void *arg)
{
	if (t_nr_deferred == sizeof(t_deferred) / sizeof(t_deferred[0])) {
		t_diag("too many deferred cleanups");
		abort();
	}
	t_deferred[t_nr_deferred++] = (struct t_deferred){ fn, arg };
}

static void t_run_deferred(void)
{
	while (t_nr_deferred) {
		t_nr_deferred--;
		t_deferred[t_nr_deferred].fn(t_deferred[t_nr_deferred].arg);
	}
}

/* The process and thread the case runs in, and how the harness aborts it. */
static pid_t t_case_pid;
static void (*t_case_bail)(void);
void (*t_case_setup_hook)(void);

void t_case_begin(const char *name, void (*bail)(void))
{
	t_case_name = name;
	t_case_pid = getpid();
	t_case_bail = bail;
	t_failures = 0;
	t_nr_deferred = 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (t_case_setup_hook)
		t_case_setup_hook();
}

int t_case_end(void)
{
	t_run_deferred();
	fflush(stdout);
	return __atomic_load_n(&t_failures, __ATOMIC_RELAXED);
}

void t_fatal(const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	__atomic_add_fetch(&t_failures, 1, __ATOMIC_RELAXED);
	t_diag("FATAL %s:%d: %s", file, line, msg);
	/*
	 * In the case's own thread: back to the harness, which runs the teardown
	 * (the deferred cleanups) and fails the case. In a thread or a child
	 * process of the case: clean up and exit non-zero there, as before.
	 */
	if (t_case_bail && getpid() == t_case_pid && gettid() == t_case_pid)
		t_case_bail();
	t_run_deferred();
	fflush(stdout);
	_exit(1);
}

uint64_t t_seed(void)
{
	uint64_t h = 1469598103934665603ULL;
	const char *p;

	for (p = t_case_name; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ULL;
	h ^= (uint64_t)getpid() << 32;
	return h + 0x9e3779b97f4a7c15ULL * ++t_seed_counter;
}

/* ------------------------------------------------------------------------ */
/* Devices, sysfs, module parameters, shell */

const char *dev_path(unsigned int idx)
{
	static char buf[4][32];
	static unsigned int n;
	char *p = buf[n++ % 4];

	snprintf(p, 32, "/dev/odx%u", idx);
	return p;
}

int dev_try_open(unsigned int idx, int flags)
{
	int fd = open(dev_path(idx), flags | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int dev_open(unsigned int idx, int flags)
{
	int fd = dev_try_open(idx, flags);

	REQUIRE(fd >= 0, "open %s (flags 0x%x): %s", dev_path(idx), flags,
		t_errname(fd));
	return fd;
}

long long odx_stat(unsigned int idx, const char *name)
{
	char path[128], buf[64];
	long long v;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/block/odx%u/odx/%s", idx, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	REQUIRE(fd >= 0, "open %s: %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	REQUIRE(n > 0, "read %s: %s", path, n < 0 ? strerror(errno) : "empty");
	buf[n] = 0;
	REQUIRE(sscanf(buf, "%lld", &v) == 1, "%s holds '%s'", path, buf);
	return v;
}

static int write_str(const char *path, const char *val)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

int setting_write(const char *name, const char *val)
{
	char path[128];
	glob_t g;
	size_t i;
	int err;

	snprintf(path, sizeof(path), "/sys/module/odx/parameters/%s", name);
	err = write_str(path, val);
	if (err)
		return err;
	snprintf(path, sizeof(path), "/sys/block/odx*/odx/%s", name);
	if (glob(path, 0, NULL, &g))
		return 0;
	for (i = 0; i < g.gl_pathc && !err; i++)
		err = write_str(g.gl_pathv[i], val);
	globfree(&g);
	return err;
}

int param_read(const char *name, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/odx/parameters/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

int t_system(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st)) {
		t_diag("'%s' did not exit normally", cmd);
		return -1;
	}
	if (WEXITSTATUS(st))
		t_diag("'%s' exited with %d", cmd, WEXITSTATUS(st));
	return WEXITSTATUS(st);
}

bool wait_node(uint32_t index, bool present)
{
	struct stat st;
	int i;

	for (i = 0; i < 100; i++) {
		bool is = !stat(dev_path(index), &st) && S_ISBLK(st.st_mode);

		if (is == present)
			return true;
		usleep(50000);
	}
	return false;
}

static void ctl_remove_deferred(void *arg)
{
	uint32_t index = (uint32_t)(uintptr_t)arg;
	char path[64];
	int ret;

	snprintf(path, sizeof(path), "/sys/block/odx%u", index);
	if (access(path, F_OK))
		return;
	ret = odx_ctl_remove(index);
	if (ret)
		t_diag("cleanup: removing odx%u: %s", index, t_errname(ret));
}

uint32_t ctl_add_dev(uint64_t size_bytes, uint32_t block_size)
{
	uint32_t index;
	int ret = odx_ctl_add(size_bytes, block_size, ODX_INDEX_ANY, &index);

	REQUIRE_RET(ret, 0);
	t_defer(ctl_remove_deferred, (void *)(uintptr_t)index);
	REQUIRE(wait_node(index, true), "%s did not appear", dev_path(index));
	return index;
}

/* ------------------------------------------------------------------------ */
/* Data */

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t pat_word(uint64_t seed, uint64_t word_off)
{
	return mix64(seed ^ mix64(word_off));
}

uint8_t pat_byte(uint64_t seed, uint64_t off)
{
	return pat_word(seed, off & ~7ULL) >> ((off & 7) * 8);
}

void pat_fill(void *buf, size_t len, uint64_t seed, uint64_t off)
{
	uint8_t *p = buf;

	while (len && (off & 7)) {
		*p++ = pat_byte(seed, off++);
		len--;
	}
	while (len >= 8) {
		uint64_t w = pat_word(seed, off);

		memcpy(p, &w, 8);	/* little-endian: byte i = w >> 8i */
		p += 8;
		off += 8;
		len -= 8;
	}
	while (len) {
		*p++ = pat_byte(seed, off++);
		len--;
	}
}

void *xmalloc_aligned(size_t len)
{
	void *p = NULL;
	int err = posix_memalign(&p, PAGE, len ? len : 1);

	REQUIRE(!err, "posix_memalign(%zu): %s", len, strerror(err));
	return p;
}

int pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		buf = (const uint8_t *)buf + n;
		off += n;
		len -= n;
	}
	return 0;
}

int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pread(fd, buf, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		buf = (uint8_t *)buf + n;
		off += n;
		len -= n;
	}
	return 0;
}

/* O_DIRECT I/O through a bounce buffer (the caller's need not be aligned). */
static int direct_io(unsigned int idx, void *buf, size_t len, uint64_t off, bool wr)
{
	size_t chunk = 1 * MiB;
	uint8_t *bounce;
	int fd, ret = 0;

	fd = dev_try_open(idx, (wr ? O_WRONLY : O_RDONLY) | O_DIRECT);
	if (fd < 0)
		return fd;
	bounce = xmalloc_aligned(chunk);
	while (len && !ret) {
		size_t n = len < chunk ? len : chunk;

		if (wr) {
			memcpy(bounce, buf, n);
			ret = pwrite_all(fd, bounce, n, off);
		} else {
			ret = pread_all(fd, bounce, n, off);
			memcpy(buf, bounce, n);
		}
		buf = (uint8_t *)buf + n;
		off += n;
		len -= n;
	}
	free(bounce);
	close(fd);
	return ret;
}

int direct_write(unsigned int idx, const void *buf, size_t len, uint64_t off)
{
	return direct_io(idx, (void *)buf, len, off, true);
}

int direct_read(unsigned int idx, void *buf, size_t len, uint64_t off)
{
	return direct_io(idx, buf, len, off, false);
}

void dev_fill(unsigned int idx, uint64_t off, uint64_t len, uint64_t seed)
{
	uint8_t *buf = malloc(len);
	int ret;

	REQUIRE(buf, "malloc");
	pat_fill(buf, len, seed, off);
	ret = direct_write(idx, buf, len, off);
	free(buf);
	REQUIRE(!ret, "filling %s at %" PRIu64 "+%" PRIu64 ": %s", dev_path(idx), off,
		len, t_errname(ret));
}

bool buf_same(const char *what, const void *got, const void *want, size_t len,
	      uint64_t base)
{
	const uint8_t *g = got, *w = want;
	size_t i, bad = 0, first = 0, last = 0;

	if (!memcmp(got, want, len))
		return true;
	for (i = 0; i < len; i++) {
		if (g[i] == w[i])
			continue;
		if (!bad)
			first = i;
		last = i;
		if (bad < 6)
			t_diag("  %s: offset %" PRIu64 ": expected %02x, got %02x", what,
			       base + i, w[i], g[i]);
		bad++;
	}
	t_diag("  %s: %zu of %zu bytes differ (first at %" PRIu64 ", last at %" PRIu64 ")",
	       what, bad, len, base + first, base + last);
	return false;
}

void area_init(struct area *a, unsigned int idx, uint64_t off, uint64_t len,
	       uint64_t seed)
{
	int ret;

	a->idx = idx;
	a->off = off;
	a->len = len;
	a->img = malloc(len);
	REQUIRE(a->img, "malloc(%" PRIu64 ")", len);
	pat_fill(a->img, len, seed, off);
	ret = direct_write(idx, a->img, len, off);
	REQUIRE(!ret, "filling %s at %" PRIu64 "+%" PRIu64 ": %s", dev_path(idx), off,
		len, t_errname(ret));
}

static uint8_t *area_ptr(const struct area *a, uint64_t off, uint64_t len)
{
	REQUIRE(off >= a->off && off + len <= a->off + a->len,
		"%" PRIu64 "+%" PRIu64 " is outside the area %" PRIu64 "+%" PRIu64,
		off, len, a->off, a->len);
	return a->img + (off - a->off);
}

void area_model_pattern(struct area *a, uint64_t off, uint64_t len, uint64_t seed)
{
	pat_fill(area_ptr(a, off, len), len, seed, off);
}

void area_model_zero(struct area *a, uint64_t off, uint64_t len)
{
	memset(area_ptr(a, off, len), 0, len);
}

bool area_check(const struct area *a, const char *what)
{
	uint8_t *buf = malloc(a->len);
	bool same;
	int ret;

	REQUIRE(buf, "malloc");
	ret = direct_read(a->idx, buf, a->len, a->off);
	if (!CHECK(!ret, "%s: O_DIRECT read of %s: %s", what, dev_path(a->idx),
		   t_errname(ret))) {
		free(buf);
		return false;
	}
	same = buf_same(what, buf, a->img, a->len, a->off);
	free(buf);
	return CHECK(same, "%s: %s %" PRIu64 "+%" PRIu64 " differs from the model",
		     what, dev_path(a->idx), a->off, a->len);
}

bool area_check_fd(const struct area *a, int fd, const char *what)
{
	uint8_t *buf = malloc(a->len);
	bool same;
	int ret;

	REQUIRE(buf, "malloc");
	ret = pread_all(fd, buf, a->len, a->off);
	if (!CHECK(!ret, "%s: read: %s", what, t_errname(ret))) {
		free(buf);
		return false;
	}
	same = buf_same(what, buf, a->img, a->len, a->off);
	free(buf);
	return CHECK(same, "%s: %s %" PRIu64 "+%" PRIu64 " (buffered) differs from the model",
		     what, dev_path(a->idx), a->off, a->len);
}

void area_free(struct area *a)
{
	free(a->img);
	a->img = NULL;
}

uint64_t ranges_total(const struct odx_data_set_range *r, unsigned int n)
{
	uint64_t t = 0;

	while (n--)
		t += r[n].length_in_bytes;
	return t;
}

void area_gather(const struct area *a, const struct odx_data_set_range *r,
		 unsigned int n, uint8_t *out)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		memcpy(out, area_ptr(a, r[i].starting_offset, r[i].length_in_bytes),
		       r[i].length_in_bytes);
		out += r[i].length_in_bytes;
	}
}

void area_scatter(struct area *a, const struct odx_data_set_range *r,
		  unsigned int n, const uint8_t *data, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < n && len; i++) {
		uint64_t l = r[i].length_in_bytes < len ? r[i].length_in_bytes : len;

		if (data) {
			memcpy(area_ptr(a, r[i].starting_offset, l), data, l);
			data += l;
		} else {
			memset(area_ptr(a, r[i].starting_offset, l), 0, l);
		}
		len -= l;
	}
}

uint64_t model_copy(const struct area *src, const struct odx_data_set_range *src_r,
		    unsigned int ns, uint64_t token_offset, struct area *dst,
		    const struct odx_data_set_range *dst_r, unsigned int nd,
		    uint64_t max)
{
	uint64_t tlen = ranges_total(src_r, ns), dlen = ranges_total(dst_r, nd), n;
	uint8_t *data;

	REQUIRE(token_offset < tlen, "model: token offset past the token");
	data = malloc(tlen);
	REQUIRE(data, "malloc");
	/* Gather everything first: src and dst may be the same area. */
	area_gather(src, src_r, ns, data);
	n = tlen - token_offset;
	if (dlen < n)
		n = dlen;
	if (max && max < n)
		n = max;
	area_scatter(dst, dst_r, nd, data + token_offset, n);
	free(data);
	return n;
}

uint64_t model_zero(struct area *dst, const struct odx_data_set_range *dst_r,
		    unsigned int nd, uint64_t max)
{
	uint64_t n = ranges_total(dst_r, nd);

	if (max && max < n)
		n = max;
	area_scatter(dst, dst_r, nd, NULL, n);
	return n;
}

/* ------------------------------------------------------------------------ */
/* DSM */

size_t dsm_build_read(void *buf, size_t cap, const struct odx_data_set_range *r,
		      unsigned int n, uint32_t ttl_ms)
{
	struct odx_dsm_header h = {
		.size = sizeof(h),
		.action = ODX_DSM_ACTION_OFFLOAD_READ,
		.parameter_block_offset = DSM_READ_PARAM_OFF,
		.parameter_block_length = sizeof(struct odx_offload_read_params),
		.data_set_ranges_offset = DSM_READ_RANGES_OFF,
		.data_set_ranges_length = n * sizeof(*r),
	};
	struct odx_offload_read_params p = { .time_to_live = ttl_ms };
	size_t len = DSM_READ_RANGES_OFF + n * sizeof(*r);

	REQUIRE(len <= cap, "DSM buffer too small");
	memset(buf, 0, len);
	memcpy(buf, &h, sizeof(h));
	memcpy((uint8_t *)buf + DSM_READ_PARAM_OFF, &p, sizeof(p));
	memcpy((uint8_t *)buf + DSM_READ_RANGES_OFF, r, n * sizeof(*r));
	return len;
}

size_t dsm_build_write(void *buf, size_t cap, const struct odx_token *token,
		       uint64_t token_offset, const struct odx_data_set_range *r,
		       unsigned int n)
{
	struct odx_dsm_header h = {
		.size = sizeof(h),
		.action = ODX_DSM_ACTION_OFFLOAD_WRITE,
		.parameter_block_offset = DSM_WRITE_PARAM_OFF,
		.parameter_block_length = sizeof(struct odx_offload_write_params),
		.data_set_ranges_offset = DSM_WRITE_RANGES_OFF,
		.data_set_ranges_length = n * sizeof(*r),
	};
	struct odx_offload_write_params p = { .token_offset = token_offset };
	size_t len = DSM_WRITE_RANGES_OFF + n * sizeof(*r);

	REQUIRE(len <= cap, "DSM buffer too small");
	memcpy(&p.token, token, sizeof(p.token));
	memset(buf, 0, len);
	memcpy(buf, &h, sizeof(h));
	memcpy((uint8_t *)buf + DSM_WRITE_PARAM_OFF, &p, sizeof(p));
	memcpy((uint8_t *)buf + DSM_WRITE_RANGES_OFF, r, n * sizeof(*r));
	return len;
}

int odx_dsm(int fd, const void *in, uint32_t inlen, void *out, uint32_t outlen,
	    uint32_t *written)
{
	struct odx_dsm_args args = {
		.input = (uintptr_t)in,
		.output = (uintptr_t)out,
		.input_length = inlen,
		.output_length = outlen,
	};
	int ret = ioctl(fd, ODX_IOC_DSM, &args) ? -errno : 0;

	if (written)
		*written = args.output_written;
	return ret;
}

/* Tokens minted by the case, released when it ends. */
static struct odx_token *t_tokens;
static unsigned int t_nr_tokens, t_cap_tokens;

static void t_release_tokens(void *arg)
{
	unsigned int i;
	int fd;

	(void)arg;
	fd = open("/dev/odx0", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	for (i = 0; i < t_nr_tokens; i++)
		ioctl(fd, ODX_IOC_RELEASE, &t_tokens[i]);
	close(fd);
	t_nr_tokens = 0;
}

static void t_track_token(const struct odx_token *t)
{
	if (!t_cap_tokens)
		t_defer(t_release_tokens, NULL);
	if (t_nr_tokens == t_cap_tokens) {
		t_cap_tokens = t_cap_tokens ? 2 * t_cap_tokens : 64;
		t_tokens = realloc(t_tokens, t_cap_tokens * sizeof(*t_tokens));
		REQUIRE(t_tokens, "realloc");
	}
	t_tokens[t_nr_tokens++] = *t;
}

int offload_read(int fd, const struct odx_data_set_range *r, unsigned int n,
		 uint32_t ttl_ms, struct odx_offload_read_output *out)
{
	size_t cap = DSM_READ_RANGES_OFF + (n + 1) * sizeof(*r);
	uint8_t *in = malloc(cap);
	uint32_t written = 0;
	size_t len;
	int ret;

	REQUIRE(in, "malloc");
	len = dsm_build_read(in, cap, r, n, ttl_ms);
	memset(out, 0xa5, sizeof(*out));
	ret = odx_dsm(fd, in, len, out, sizeof(*out), &written);
	free(in);
	if (ret) {
		CHECK(written == 0, "failed offload read reported output_written %u", written);
		return ret;
	}
	t_track_token(&out->token);
	CHECK_U64("offload read output_written", written, sizeof(*out));
	CHECK_U64("offload read token_length", out->token_length, ODX_TOKEN_LENGTH);
	CHECK_U64("offload read reserved", out->reserved, 0);
	CHECK_U64("offload read padding", out->padding, 0);
	CHECK(!memcmp(out->token.token_type, "\x00\x80\x00\x00", 4),
	      "token type %02x %02x %02x %02x, expected 00 80 00 00",
	      out->token.token_type[0], out->token.token_type[1],
	      out->token.token_type[2], out->token.token_type[3]);
	CHECK(!memcmp(out->token.token_id_length, "\x01\xf8", 2),
	      "token id length %02x %02x, expected 01 f8",
	      out->token.token_id_length[0], out->token.token_id_length[1]);
	CHECK(!(out->offload_read_flags & ~ODX_OFFLOAD_READ_RANGE_TRUNCATED),
	      "unknown offload read flags 0x%x", out->offload_read_flags);
	return 0;
}

int offload_write(int fd, const struct odx_token *token, uint64_t token_offset,
		  const struct odx_data_set_range *r, unsigned int n,
		  struct odx_offload_write_output *out)
{
	size_t cap = DSM_WRITE_RANGES_OFF + (n + 1) * sizeof(*r);
	uint8_t *in = malloc(cap);
	uint32_t written = 0;
	size_t len;
	int ret;

	REQUIRE(in, "malloc");
	len = dsm_build_write(in, cap, token, token_offset, r, n);
	memset(out, 0xa5, sizeof(*out));
	ret = odx_dsm(fd, in, len, out, sizeof(*out), &written);
	free(in);
	if (!ret || ret == -EKEYREJECTED) {
		CHECK_U64("offload write output_written", written, sizeof(*out));
		if (written == sizeof(*out))
			CHECK_U64("offload write reserved", out->reserved, 0);
	} else {
		CHECK(written == 0, "offload write failing with %s reported output_written %u",
		      t_errname(ret), written);
	}
	return ret;
}

void zero_token(struct odx_token *t, uint8_t fill)
{
	memset(t, fill, sizeof(*t));
	memcpy(t->token_type, "\xff\xff\x00\x01", 4);
	t->reserved[0] = t->reserved[1] = 0;
	memcpy(t->token_id_length, "\x01\xf8", 2);
}

void mint(unsigned int idx, const struct odx_data_set_range *r, unsigned int n,
	  uint32_t ttl_ms, struct odx_token *token)
{
	struct odx_offload_read_output out;
	int fd = dev_open(idx, O_RDONLY), ret;

	ret = offload_read(fd, r, n, ttl_ms, &out);
	close(fd);
	REQUIRE_RET(ret, 0);
	CHECK_U64("length_protected", out.length_protected, ranges_total(r, n));
	CHECK_U64("offload_read_flags", out.offload_read_flags, 0);
	*token = out.token;
}
