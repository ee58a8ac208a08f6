// SPDX-License-Identifier: GPL-2.0
/*
 * Shared helpers of the odx hardening suite; see h_common.h.
 */
#include "h_common.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

struct h_shared *h_sh;

void h_shared_init(void)
{
	void *p = mmap(NULL, sizeof(*h_sh), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	REQUIRE(p != MAP_FAILED, "mmap shared: %s", strerror(errno));
	h_sh = p;
	memset(h_sh, 0, sizeof(*h_sh));
}

const char *h_err(long ret, char *buf, size_t len)
{
	snprintf(buf, len, "%s", t_errname(ret));
	return buf;
}

bool h_expect(const char *file, int line, long got, long want, const char *fmt, ...)
{
	char desc[512], g[32], w[32];
	va_list ap;

	__atomic_add_fetch(&h_sh->cases, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&h_sh->class_cases, 1, __ATOMIC_RELAXED);
	if (got == want)
		return true;
	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	return t_check(false, file, line, "expect", "%s: got %s, expected %s", desc,
		       h_err(got, g, sizeof(g)), h_err(want, w, sizeof(w)));
}

bool h_expect_true(const char *file, int line, bool ok, const char *fmt, ...)
{
	char desc[512];
	va_list ap;

	__atomic_add_fetch(&h_sh->cases, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&h_sh->class_cases, 1, __ATOMIC_RELAXED);
	if (ok)
		return true;
	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	return t_check(false, file, line, "expect", "%s", desc);
}

bool h_known_bug(const char *file, int line, bool ok, const char *id, const char *fmt, ...)
{
	const char *strict = getenv("ODX_HARDENING_STRICT");
	char desc[512];
	va_list ap;

	__atomic_add_fetch(&h_sh->cases, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&h_sh->class_cases, 1, __ATOMIC_RELAXED);
	if (ok)
		return true;
	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	__atomic_add_fetch(&h_sh->known_bugs, 1, __ATOMIC_RELAXED);
	if (strict && !strcmp(strict, "1"))
		return t_check(false, file, line, id, "%s", desc);
	t_diag("KNOWN DRIVER BUG %s (%s:%d): %s", id, file, line, desc);
	return false;
}

void class_done(const char *name)
{
	t_diag("%s: %ld cases", name, h_sh->class_cases);
}

/* ------------------------------------------------------------------------ */
/* Memory the kernel must fault on */

static void *map_pages(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	REQUIRE(p != MAP_FAILED, "mmap: %s", strerror(errno));
	return p;
}

void *noaccess_page(void)
{
	static void *p;

	if (!p)
		p = map_pages(PAGE, PROT_NONE);
	return p;
}

void *readonly_page(void)
{
	static void *p;

	if (!p) {
		p = map_pages(PAGE, PROT_READ | PROT_WRITE);
		memset(p, 0, PAGE);
		REQUIRE(!mprotect(p, PAGE, PROT_READ), "mprotect: %s", strerror(errno));
	}
	return p;
}

#define GUARD_SPAN	(256 * KiB)

static void *guard_region(void **base)
{
	if (!*base) {
		uint8_t *p = map_pages(GUARD_SPAN + PAGE, PROT_READ | PROT_WRITE);

		REQUIRE(!mprotect(p + GUARD_SPAN, PAGE, PROT_NONE), "mprotect: %s",
			strerror(errno));
		*base = p;
	}
	return (uint8_t *)*base + GUARD_SPAN;
}

void *guard_tail(size_t len)
{
	static void *base;

	REQUIRE(len <= GUARD_SPAN, "guard_tail(%zu)", len);
	return (uint8_t *)guard_region(&base) - len;
}

void *guard_tail2(size_t len)
{
	static void *base;

	REQUIRE(len <= GUARD_SPAN, "guard_tail2(%zu)", len);
	return (uint8_t *)guard_region(&base) - len;
}

/* ------------------------------------------------------------------------ */
/* Thread-safe device access */

int hdev_try_open(unsigned int idx, int flags)
{
	char path[32];
	int fd;

	snprintf(path, sizeof(path), "/dev/odx%u", idx);
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int hdev_open(unsigned int idx, int flags)
{
	int fd = hdev_try_open(idx, flags);
	struct stat st;

	REQUIRE(fd >= 0, "open /dev/odx%u (flags %#x): %s", idx, flags, strerror(-fd));
	/* /dev/odxN is minor N: make sure this is the device meant. */
	REQUIRE(!fstat(fd, &st) && S_ISBLK(st.st_mode) && minor(st.st_rdev) == idx,
		"/dev/odx%u opened a device with minor %u", idx, minor(st.st_rdev));
	return fd;
}

static int hdev_direct_io(unsigned int idx, void *buf, size_t len, uint64_t off, bool wr)
{
	size_t chunk = 1 * MiB;
	uint8_t *bounce;
	int fd, ret = 0;

	fd = hdev_try_open(idx, (wr ? O_WRONLY : O_RDONLY) | O_DIRECT);
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

int hdev_direct_write(unsigned int idx, const void *buf, size_t len, uint64_t off)
{
	return hdev_direct_io(idx, (void *)buf, len, off, true);
}

int hdev_direct_read(unsigned int idx, void *buf, size_t len, uint64_t off)
{
	return hdev_direct_io(idx, buf, len, off, false);
}

bool hwait_node(unsigned int idx, bool present)
{
	char path[32];
	struct stat st;
	int i;

	snprintf(path, sizeof(path), "/dev/odx%u", idx);
	for (i = 0; i < 100; i++) {
		bool is = !stat(path, &st) && S_ISBLK(st.st_mode);

		if (is == present)
			return true;
		usleep(50000);
	}
	return false;
}

/* ------------------------------------------------------------------------ */
/* ioctls */

int dsm_ioctl(int fd, struct odx_dsm_args *a)
{
	return ioctl(fd, ODX_IOC_DSM, a) ? -errno : 0;
}

int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

int ctl_open(void)
{
	int fd = open("/dev/" ODX_CONTROL_NAME, O_RDWR | O_CLOEXEC);

	REQUIRE(fd >= 0, "open /dev/%s: %s", ODX_CONTROL_NAME, strerror(errno));
	return fd;
}

static long long read_num(const char *path, bool must)
{
	char buf[64];
	long long v;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (must)
			REQUIRE(0, "open %s: %s", path, strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		if (must)
			REQUIRE(0, "read %s: %s", path, n < 0 ? strerror(errno) : "empty");
		return -1;
	}
	buf[n] = 0;
	if (sscanf(buf, "%lld", &v) != 1) {
		if (must)
			REQUIRE(0, "%s holds '%s'", path, buf);
		return -1;
	}
	return v;
}

long long ctl_stat(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/misc/%s/%s", ODX_CONTROL_NAME, name);
	return read_num(path, true);
}

long long odx_stat_try(unsigned int idx, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/block/odx%u/odx/%s", idx, name);
	return read_num(path, false);
}

void odx_dev_list(uint64_t map[16])
{
	struct dirent *de;
	DIR *d = opendir("/sys/block");
	unsigned int n;

	memset(map, 0, 16 * sizeof(uint64_t));
	REQUIRE(d, "opendir /sys/block: %s", strerror(errno));
	while ((de = readdir(d))) {
		if (sscanf(de->d_name, "odx%u", &n) == 1 && n < 1024)
			map[n / 64] |= 1ULL << (n % 64);
	}
	closedir(d);
}

uint64_t h_hash(const void *buf, size_t len, uint64_t h)
{
	const uint8_t *p = buf;
	size_t i;

	/* FNV-1a over 8-byte words: fast enough for 64 MiB, and order-sensitive. */
	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		h = (h ^ w) * 1099511628211ULL;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

#define FILL_CHUNK	(1 * MiB)

int dev_fill_all(unsigned int idx, uint64_t size, uint64_t seed)
{
	uint8_t *buf = xmalloc_aligned(FILL_CHUNK);
	int fd = dev_try_open(idx, O_WRONLY | O_DIRECT), ret = 0;
	uint64_t off;

	if (fd < 0) {
		free(buf);
		return fd;
	}
	for (off = 0; off < size && !ret; off += FILL_CHUNK) {
		size_t n = size - off < FILL_CHUNK ? size - off : FILL_CHUNK;

		pat_fill(buf, n, seed, off);
		ret = pwrite_all(fd, buf, n, off);
	}
	close(fd);
	free(buf);
	return ret;
}

long long dev_verify_all(unsigned int idx, uint64_t size, uint64_t seed,
			 uint64_t *checksum)
{
	uint8_t *buf = xmalloc_aligned(FILL_CHUNK), *want = malloc(FILL_CHUNK);
	int fd = dev_try_open(idx, O_RDONLY | O_DIRECT), ret = 0;
	uint64_t off, h = 1469598103934665603ULL;
	long long bad = 0;

	REQUIRE(want, "malloc");
	REQUIRE(fd >= 0, "open %s: %s", dev_path(idx), t_errname(fd));
	for (off = 0; off < size; off += FILL_CHUNK) {
		size_t n = size - off < FILL_CHUNK ? size - off : FILL_CHUNK, i;

		ret = pread_all(fd, buf, n, off);
		REQUIRE(!ret, "reading %s at %" PRIu64 ": %s", dev_path(idx), off,
			t_errname(ret));
		h = h_hash(buf, n, h);
		if (seed == 0)
			continue;	/* checksum only */
		pat_fill(want, n, seed, off);
		if (memcmp(buf, want, n)) {
			for (i = 0; i < n; i++) {
				if (buf[i] == want[i])
					continue;
				if (bad < 4)
					t_diag("  %s: offset %" PRIu64 ": expected %02x, got %02x",
					       dev_path(idx), off + i, want[i], buf[i]);
				bad++;
			}
		}
	}
	close(fd);
	free(buf);
	free(want);
	if (checksum)
		*checksum = h;
	return bad;
}

/* ------------------------------------------------------------------------ */
/* Fault injection */

#define DBG	"/sys/kernel/debug/"

struct knob {
	const char *path, *val;
	char old[64];
	bool saved;
};

static struct knob knobs[] = {
	{ .path = DBG "failslab/probability", .val = "0" },
	{ .path = DBG "failslab/verbose", .val = "0" },
	{ .path = DBG "failslab/ignore-gfp-wait", .val = "N" },
	{ .path = DBG "failslab/task-filter", .val = "N" },
	{ .path = DBG "failslab/cache-filter", .val = "N" },
	{ .path = DBG "failslab/times", .val = "-1" },
	{ .path = DBG "fail_page_alloc/probability", .val = "0" },
	{ .path = DBG "fail_page_alloc/verbose", .val = "0" },
	{ .path = DBG "fail_page_alloc/ignore-gfp-wait", .val = "N" },
	{ .path = DBG "fail_page_alloc/ignore-gfp-highmem", .val = "N" },
	{ .path = DBG "fail_page_alloc/min-order", .val = "0" },
	{ .path = DBG "fail_page_alloc/task-filter", .val = "N" },
	{ .path = DBG "fail_page_alloc/times", .val = "-1" },
};

bool fault_available(void)
{
	return !access(DBG "failslab", F_OK) && !access(DBG "fail_page_alloc", F_OK) &&
	       !access("/proc/thread-self/fail-nth", F_OK);
}

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int fault_setup(void)
{
	size_t i;
	int ret;

	for (i = 0; i < NR(knobs); i++) {
		int fd = open(knobs[i].path, O_RDONLY | O_CLOEXEC);
		ssize_t n;

		if (fd < 0)
			return -errno;
		n = read(fd, knobs[i].old, sizeof(knobs[i].old) - 1);
		close(fd);
		if (n < 0)
			return -errno;
		knobs[i].old[n] = 0;
		while (n > 0 && knobs[i].old[n - 1] == '\n')
			knobs[i].old[--n] = 0;
		knobs[i].saved = true;
		ret = write_str(knobs[i].path, knobs[i].val);
		if (ret) {
			t_diag("writing %s to %s: %s", knobs[i].val, knobs[i].path,
			       t_errname(ret));
			return ret;
		}
	}
	return 0;
}

void fault_restore(void)
{
	size_t i;

	for (i = NR(knobs); i-- > 0;) {
		if (knobs[i].saved)
			write_str(knobs[i].path, knobs[i].old);
		knobs[i].saved = false;
	}
}

int failnth_open(void)
{
	int fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);

	REQUIRE(fd >= 0, "open /proc/thread-self/fail-nth: %s", strerror(errno));
	return fd;
}

int failnth_arm(int fd, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(fd, buf, len, 0) == len ? 0 : -errno;
}

bool failnth_hit(int fd)
{
	char buf[16] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long left;

	REQUIRE(n > 0, "read fail-nth: %s", n < 0 ? strerror(errno) : "empty");
	buf[n] = 0;
	left = strtol(buf, NULL, 10);
	/* Disarm whatever is left. */
	REQUIRE(pwrite(fd, "0", 1, 0) == 1, "disarm fail-nth: %s", strerror(errno));
	return left == 0;
}

/* ------------------------------------------------------------------------ */
/* Misc */

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

pid_t spawn(char *const argv[], const char *outfile)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	REQUIRE(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (outfile) {
			int fd = open(outfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);

			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
				close(fd);
			}
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

int dev_flush_cache(int fd)
{
	return ioctl(fd, BLKFLSBUF, 0) ? -errno : 0;
}
