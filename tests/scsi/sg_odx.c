// SPDX-License-Identifier: GPL-2.0
/*
 * Raw SG_IO tests of odx's SCSI front (odx_scsi.c), run in the guest by
 * tests/scsi/run.sh on /dev/odx0 and /dev/odx1: the devices of the module
 * load (nr_devices=2), or two made in configfs with settings of their own,
 * whose directory $ODX_SG_SETTINGS then names (setting_u64()).
 *
 *   sg_odx -l              the case names
 *   sg_odx [-t NAME]...    run the named cases (all without names)
 *
 * The cases run on the kernel's kselftest harness (a fork and a timeout per
 * case, KTAP out). Exit 0 iff every case that ran passed.
 *
 * What is checked, in short:
 *  - the SG_IO header rules (EINVAL, EFAULT, EBADF, SG_GET_VERSION_NUM) and
 *    that a rejected request changes nothing;
 *  - the SCSI answers byte by byte: status, driver_status, info, sense
 *    format (fixed 0x70, descriptor 0x72 after MODE SELECT sets D_SENSE),
 *    sense key / ASC / ASCQ, resid;
 *  - INQUIRY (standard and VPD 00, 80, 83, 8F, B0) against the devices'
 *    settings and the module parameters, READ CAPACITY, READ/WRITE(10/16),
 *    MODE SENSE/SELECT, REPORT SUPPORTED OPERATION CODES;
 *  - POPULATE TOKEN / RECEIVE ROD TOKEN INFORMATION / WRITE USING TOKEN:
 *    data copied byte for byte (with guards around every destination),
 *    offset into ROD, the zero ROD token, DEL_TKN, point in time, tokens
 *    shared with the DSM ioctl both ways, and every invalid-token state
 *    (unknown, wrong length, unsupported type, deleted, expired, revoked,
 *    cross-device refused);
 *  - every hostile CDB or parameter list answers its exact sense and
 *    leaves both devices (whole-device checksums) and the token counters
 *    unchanged.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/fs.h>
#include <scsi/sg.h>

#include <linux/odx.h>
#include "libodx.h"

#define KiB		1024ULL
#define MiB		(1024 * KiB)
#define SG_VERSION	30527
#define DRV_SENSE	0x08
#define MAX_DXFER	(8 * MiB)

/* ------------------------------------------------------------------------ */
/* Reporter */

static int t_failures;

static void t_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void t_diag(const char *fmt, ...)
{
	char buf[4096], *line, *save = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("# %s\n", line);
	fflush(stdout);
}

static bool t_check(bool ok, int line, const char *expr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static bool t_check(bool ok, int line, const char *expr, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (ok)
		return true;
	t_failures++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t_diag("FAIL line %d: %s%s%s", line, expr, msg[0] ? ": " : "", msg);
	return false;
}

#define CHECK(cond, ...) t_check(!!(cond), __LINE__, #cond, __VA_ARGS__)
#define REQUIRE(cond, ...)						\
	do {								\
		if (!CHECK(cond, __VA_ARGS__))				\
			t_fatal(__LINE__);				\
	} while (0)

struct t_deferred {
	void (*fn)(void *);
	void *arg;
};
static struct t_deferred t_deferred[256];
static unsigned int t_nr_deferred;

static void t_defer(void (*fn)(void *), void *arg)
{
	if (t_nr_deferred < sizeof(t_deferred) / sizeof(t_deferred[0]))
		t_deferred[t_nr_deferred++] = (struct t_deferred){ fn, arg };
}

static void t_run_deferred(void)
{
	while (t_nr_deferred) {
		t_nr_deferred--;
		t_deferred[t_nr_deferred].fn(t_deferred[t_nr_deferred].arg);
	}
}

/*
 * The cases run on the kernel's kselftest harness (tests/lib/odx_harness.h):
 * t_case_begin() starts a case in its process, t_case_end() (its teardown)
 * runs the deferred cleanups and says whether a check failed; a REQUIRE()
 * failure in the case's own thread aborts it through the harness.
 */
static pid_t t_case_pid;
static void (*t_case_bail)(void);

static void t_case_begin(const char *name, void (*bail)(void))
{
	(void)name;
	t_case_pid = getpid();
	t_case_bail = bail;
	t_failures = 0;
	t_nr_deferred = 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static int t_case_end(void)
{
	t_run_deferred();
	fflush(stdout);
	return t_failures;
}

static void __attribute__((noreturn)) t_fatal(int line)
{
	t_diag("line %d: cannot continue", line);
	if (t_case_bail && getpid() == t_case_pid && gettid() == t_case_pid)
		t_case_bail();
	t_run_deferred();
	exit(1);
}

#include "odx_harness.h"

/* ------------------------------------------------------------------------ */
/* Small helpers */

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); }
static void put64(uint8_t *p, uint64_t v) { put32(p, v >> 32); put32(p + 4, v); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)p[0] << 8 | p[1]; }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }
static uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p) << 32 | get32(p + 4); }

static void hexstr(char *out, size_t cap, const uint8_t *p, size_t n)
{
	size_t i, o = 0;

	out[0] = 0;
	for (i = 0; i < n && o + 4 < cap; i++)
		o += snprintf(out + o, cap - o, "%02x%s", p[i], i + 1 < n ? " " : "");
}

static void *xalloc(size_t len)
{
	void *p = NULL;

	if (posix_memalign(&p, 4096, len ? len : 1))
		p = NULL;
	REQUIRE(p, "posix_memalign(%zu)", len);
	memset(p, 0, len);
	return p;
}

static void free_ptr(void *p) { free(p); }

static void *xalloc_tmp(size_t len)
{
	void *p = xalloc(len);

	t_defer(free_ptr, p);
	return p;
}

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t seed_counter;
static uint64_t t_seed(void)
{
	return splitmix((uint64_t)getpid() << 32 ^ ++seed_counter ^ (uint64_t)time(NULL));
}

/* Pattern data: the bytes at absolute device offsets [off, off + len). */
static void pat_fill(void *buf, size_t len, uint64_t seed, uint64_t off)
{
	uint8_t *b = buf;
	size_t i;

	for (i = 0; i < len; i += 8) {
		uint64_t w = splitmix(seed ^ ((off + i) * 0x2545f4914f6cdd1dULL));
		size_t n = len - i < 8 ? len - i : 8;

		memcpy(b + i, &w, n);
	}
}

/* ------------------------------------------------------------------------ */
/* Devices, parameters, counters */

static unsigned int bs;		/* logical block size of odx0 and odx1 */
static uint64_t dev_bytes;	/* capacity of odx0 (odx1 is the same) */
static uint64_t nblocks;

static const char *dev_path(unsigned int idx)
{
	static char buf[4][32];
	static int n;

	n = (n + 1) % 4;
	snprintf(buf[n], sizeof(buf[n]), "/dev/odx%u", idx);
	return buf[n];
}

static void close_fd(void *arg) { close((int)(intptr_t)arg); }

static int dev_open(unsigned int idx, int flags)
{
	int fd = open(dev_path(idx), flags | O_CLOEXEC);

	REQUIRE(fd >= 0, "open %s: %s", dev_path(idx), strerror(errno));
	t_defer(close_fd, (void *)(intptr_t)fd);
	return fd;
}

static int read_file_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

static int write_file_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* A module parameter: the module-wide limits (max_tokens, the token lifetimes). */
static unsigned long long param_u64(const char *name)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), "/sys/module/odx/parameters/%s", name);
	REQUIRE(read_file_str(path, buf, sizeof(buf)) == 0, "read %s", path);
	return strtoull(buf, NULL, 0);
}

/*
 * A per-device setting of odx0 and odx1 (max_ranges, max_token_bytes,
 * max_transfer_bytes) as they were made: from the configfs directory
 * $ODX_SG_SETTINGS names (run.sh made them there with it), else the module
 * parameter, the setting of the devices made at load.
 */
static unsigned long long setting_u64(const char *name)
{
	const char *dir = getenv("ODX_SG_SETTINGS");
	char path[256], buf[64];

	if (!dir || !*dir)
		return param_u64(name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	REQUIRE(read_file_str(path, buf, sizeof(buf)) == 0, "read %s", path);
	return strtoull(buf, NULL, 0);
}

static long long odx_stat(unsigned int idx, const char *name)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), "/sys/block/odx%u/odx/%s", idx, name);
	REQUIRE(read_file_str(path, buf, sizeof(buf)) == 0, "read %s", path);
	return strtoll(buf, NULL, 0);
}

static long long ctl_stat(const char *name)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), "/sys/class/misc/odx-control/%s", name);
	REQUIRE(read_file_str(path, buf, sizeof(buf)) == 0, "read %s", path);
	return strtoll(buf, NULL, 0);
}

/* O_DIRECT I/O on /dev/odxN. */
static void dev_pwrite(unsigned int idx, const void *buf, size_t len, uint64_t off)
{
	int fd = open(dev_path(idx), O_WRONLY | O_DIRECT | O_CLOEXEC);
	ssize_t n;

	REQUIRE(fd >= 0, "open %s: %s", dev_path(idx), strerror(errno));
	n = pwrite(fd, buf, len, off);
	close(fd);
	REQUIRE(n == (ssize_t)len, "pwrite %s %zu@%" PRIu64 ": %zd (%s)",
		dev_path(idx), len, off, n, strerror(errno));
}

static void dev_pread(unsigned int idx, void *buf, size_t len, uint64_t off)
{
	int fd = open(dev_path(idx), O_RDONLY | O_DIRECT | O_CLOEXEC);
	ssize_t n;

	REQUIRE(fd >= 0, "open %s: %s", dev_path(idx), strerror(errno));
	n = pread(fd, buf, len, off);
	close(fd);
	REQUIRE(n == (ssize_t)len, "pread %s %zu@%" PRIu64 ": %zd (%s)",
		dev_path(idx), len, off, n, strerror(errno));
}

/* Fill blocks [lba, lba + n) of /dev/odxN with the pattern. */
static void blk_fill(unsigned int idx, uint64_t lba, uint64_t n, uint64_t seed)
{
	size_t len = n * bs;
	uint8_t *b = xalloc(len);

	pat_fill(b, len, seed, lba * bs);
	dev_pwrite(idx, b, len, lba * bs);
	free(b);
}

static bool buf_same(const char *what, const uint8_t *got, const uint8_t *want,
		     size_t len, uint64_t base)
{
	size_t i, nd = 0, first = 0;

	for (i = 0; i < len; i++) {
		if (got[i] != want[i]) {
			if (!nd)
				first = i;
			nd++;
		}
	}
	if (!nd)
		return true;
	t_failures++;
	t_diag("FAIL %s: %zu of %zu bytes differ; first at byte offset %" PRIu64
	       " (block %" PRIu64 "): want 0x%02x got 0x%02x", what, nd, len,
	       base + first, (base + first) / bs, want[first], got[first]);
	return false;
}

/* Whole-device checksum (O_DIRECT). */
static uint64_t dev_sum(unsigned int idx)
{
	const size_t chunk = 4 * MiB;
	uint64_t h = 0xcbf29ce484222325ULL, off;
	uint64_t *b = xalloc(chunk);
	int fd = open(dev_path(idx), O_RDONLY | O_DIRECT | O_CLOEXEC);

	REQUIRE(fd >= 0, "open %s: %s", dev_path(idx), strerror(errno));
	for (off = 0; off < dev_bytes; off += chunk) {
		size_t len = dev_bytes - off < chunk ? dev_bytes - off : chunk, i;
		ssize_t n = pread(fd, b, len, off);

		REQUIRE(n == (ssize_t)len, "checksum read of %s at %" PRIu64 ": %zd",
			dev_path(idx), off, n);
		for (i = 0; i < len / 8; i++)
			h = (h ^ b[i]) * 0x100000001b3ULL + (off + i);
	}
	close(fd);
	free(b);
	return h;
}

/* Both devices and the token counters: nothing may change across a rejected request. */
struct snap {
	uint64_t sum[2];
	long long minted, live, copied, zeroed, pages[2];
};

static void snap_take(struct snap *s)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		s->sum[i] = dev_sum(i);
		s->pages[i] = odx_stat(i, "pages");
	}
	s->minted = odx_stat(0, "tokens_minted") + odx_stat(1, "tokens_minted");
	s->live = ctl_stat("tokens_live");
	s->copied = odx_stat(0, "bytes_copied") + odx_stat(1, "bytes_copied");
	s->zeroed = odx_stat(0, "bytes_zeroed") + odx_stat(1, "bytes_zeroed");
}

static bool snap_same(const struct snap *a, const char *what)
{
	struct snap b;
	bool ok = true;
	unsigned int i;

	snap_take(&b);
	for (i = 0; i < 2; i++) {
		ok &= CHECK(a->sum[i] == b.sum[i], "%s: %s changed (checksum %016" PRIx64
			    " -> %016" PRIx64 ")", what, dev_path(i), a->sum[i], b.sum[i]);
		ok &= CHECK(a->pages[i] == b.pages[i], "%s: odx%u pages %lld -> %lld",
			    what, i, a->pages[i], b.pages[i]);
	}
	ok &= CHECK(a->minted == b.minted, "%s: tokens_minted %lld -> %lld", what,
		    a->minted, b.minted);
	/* expired tokens may be reaped meanwhile: tokens_live can only drop */
	ok &= CHECK(b.live <= a->live, "%s: tokens_live %lld -> %lld", what, a->live, b.live);
	ok &= CHECK(a->copied == b.copied, "%s: bytes_copied %lld -> %lld", what,
		    a->copied, b.copied);
	ok &= CHECK(a->zeroed == b.zeroed, "%s: bytes_zeroed %lld -> %lld", what,
		    a->zeroed, b.zeroed);
	return ok;
}

/* ------------------------------------------------------------------------ */
/* SG_IO */

struct sgr {
	int ret;		/* 0 or -errno of the ioctl */
	int status, masked, host, driver, info, resid, sb_len;
	uint8_t sense[96];
};

static void sg_run_hdr(int fd, struct sg_io_hdr *h, struct sgr *r)
{
	r->ret = ioctl(fd, SG_IO, h) < 0 ? -errno : 0;
	r->status = h->status;
	r->masked = h->masked_status;
	r->host = h->host_status;
	r->driver = h->driver_status;
	r->info = h->info;
	r->resid = h->resid;
	r->sb_len = h->sb_len_wr;
}

static void sg_init_hdr(struct sg_io_hdr *h, const uint8_t *cdb, int cdblen, int dir,
			void *buf, unsigned int len, struct sgr *r)
{
	memset(h, 0, sizeof(*h));
	memset(r, 0, sizeof(*r));
	memset(r->sense, 0xA5, sizeof(r->sense));
	h->interface_id = 'S';
	h->cmdp = (unsigned char *)cdb;
	h->cmd_len = cdblen;
	h->dxfer_direction = dir;
	h->dxferp = buf;
	h->dxfer_len = len;
	h->sbp = r->sense;
	h->mx_sb_len = sizeof(r->sense);
	h->timeout = 120000;
}

static void sg_cmd(int fd, const uint8_t *cdb, int cdblen, int dir, void *buf,
		   unsigned int len, struct sgr *r)
{
	struct sg_io_hdr h;

	sg_init_hdr(&h, cdb, cdblen, dir, buf, len, r);
	sg_run_hdr(fd, &h, r);
}

static const char *errname(int ret)
{
	static char b[32];

	switch (ret) {
	case 0: return "0";
	case -EINVAL: return "EINVAL";
	case -EFAULT: return "EFAULT";
	case -EBADF: return "EBADF";
	case -ENOTTY: return "ENOTTY";
	case -EPERM: return "EPERM";
	case -ENOMEM: return "ENOMEM";
	case -EIO: return "EIO";
	case -EKEYREJECTED: return "EKEYREJECTED";
	case -EXDEV: return "EXDEV";
	case -ENXIO: return "ENXIO";
	case -ENOSPC: return "ENOSPC";
	case -EOPNOTSUPP: return "EOPNOTSUPP";
	case -EACCES: return "EACCES";
	case -EMSGSIZE: return "EMSGSIZE";
	}
	snprintf(b, sizeof(b), "errno %d", -ret);
	return b;
}

static const char *sgr_str(const struct sgr *r)
{
	static char buf[512];
	char hex[300];
	int n = r->sb_len > 32 ? 32 : (r->sb_len < 0 ? 0 : r->sb_len);

	hexstr(hex, sizeof(hex), r->sense, n);
	snprintf(buf, sizeof(buf), "ioctl=%s status=0x%02x masked=0x%02x host=0x%x "
		 "driver=0x%x info=0x%x resid=%d sb_len_wr=%d sense=[%s]",
		 errname(r->ret), r->status, r->masked, r->host, r->driver, r->info,
		 r->resid, r->sb_len, hex);
	return buf;
}

struct sense {
	int code, key, asc, ascq, addl;
};

static struct sense sense_of(const struct sgr *r)
{
	const uint8_t *s = r->sense;
	struct sense x = { -1, -1, -1, -1, -1 };

	if (r->sb_len < 1)
		return x;
	x.code = s[0] & 0x7f;
	if (x.code == 0x72 || x.code == 0x73) {
		if (r->sb_len >= 8) {
			x.key = s[1] & 0xf;
			x.asc = s[2];
			x.ascq = s[3];
			x.addl = s[7];
		}
	} else if (r->sb_len >= 14) {
		x.key = s[2] & 0xf;
		x.asc = s[12];
		x.ascq = s[13];
		x.addl = s[7];
	}
	return x;
}

static bool chk_good(const struct sgr *r, const char *what)
{
	if (r->ret == 0 && r->status == 0 && r->host == 0 && r->driver == 0 &&
	    !(r->info & SG_INFO_CHECK))
		return true;
	t_failures++;
	t_diag("FAIL %s: expected GOOD, got %s", what, sgr_str(r));
	return false;
}

static bool chk_errno(const struct sgr *r, int err, const char *what)
{
	if (r->ret == -err)
		return true;
	t_failures++;
	t_diag("FAIL %s: expected the ioctl to fail with %s, got %s", what,
	       errname(-err), sgr_str(r));
	return false;
}

/*
 * CHECK CONDITION with the given sense key / ASC / ASCQ; desc: descriptor
 * format (0x72) expected, else fixed (0x70). asc or ascq < 0: any.
 */
static bool chk_sense_fmt(const struct sgr *r, int key, int asc, int ascq, bool desc,
			  const char *what)
{
	struct sense s = sense_of(r);
	char why[256] = "";
	int want_len;

	if (r->ret != 0)
		snprintf(why, sizeof(why), "the ioctl failed");
	else if (r->status != 0x02)
		snprintf(why, sizeof(why), "status is not CHECK CONDITION (0x02)");
	else if (r->masked != 0x01)
		snprintf(why, sizeof(why), "masked_status is not 0x01");
	else if ((r->driver & 0x0f) != DRV_SENSE)
		snprintf(why, sizeof(why), "driver_status lacks DRIVER_SENSE (0x08)");
	else if (!(r->info & SG_INFO_CHECK))
		snprintf(why, sizeof(why), "info lacks SG_INFO_CHECK");
	else if (s.code != (desc ? 0x72 : 0x70))
		snprintf(why, sizeof(why), "response code 0x%02x, want 0x%02x (%s format)",
			 s.code, desc ? 0x72 : 0x70, desc ? "descriptor" : "fixed");
	else if (s.key != key || (asc >= 0 && s.asc != asc) || (ascq >= 0 && s.ascq != ascq))
		snprintf(why, sizeof(why), "sense %02x/%02x/%02x", s.key, s.asc, s.ascq);
	else {
		want_len = 8 + s.addl;
		if (want_len > (int)sizeof(r->sense))
			want_len = sizeof(r->sense);
		if (!desc && s.addl < 10)
			snprintf(why, sizeof(why), "fixed sense with additional length %d < 10",
				 s.addl);
		else if (r->sb_len != want_len)
			snprintf(why, sizeof(why), "sb_len_wr %d, want 8 + additional length = %d",
				 r->sb_len, want_len);
	}
	if (!why[0])
		return true;
	t_failures++;
	t_diag("FAIL %s: expected CHECK CONDITION %02x/%02x/%02x (%s sense): %s; got %s",
	       what, key, asc < 0 ? 0 : asc, ascq < 0 ? 0 : ascq,
	       desc ? "descriptor" : "fixed", why, sgr_str(r));
	return false;
}

static bool chk_sense(const struct sgr *r, int key, int asc, int ascq, const char *what)
{
	return chk_sense_fmt(r, key, asc, ascq, false, what);
}

#define ILLEGAL_REQUEST	0x05

/* The sense-key specific field pointer of a fixed-format sense: cd 1 = CDB, 0 = data. */
static bool chk_field(const struct sgr *r, int cd, int field, const char *what)
{
	const uint8_t *s = r->sense;

	if (r->sb_len >= 18 && s[0] == 0x70 && (s[15] & 0x80) && !!(s[15] & 0x40) == cd &&
	    get16(s + 16) == field)
		return true;
	t_failures++;
	t_diag("FAIL %s: expected a field pointer to %s byte %d (SKSV=1, C/D=%d), got %s", what,
	       cd ? "CDB" : "parameter list", field, cd, sgr_str(r));
	return false;
}

/* ------------------------------------------------------------------------ */
/* SCSI commands */

static void cdb_rw(uint8_t *c, int len, bool write, uint64_t lba, uint32_t n)
{
	memset(c, 0, 16);
	if (len == 10) {
		c[0] = write ? 0x2a : 0x28;
		put32(c + 2, (uint32_t)lba);
		put16(c + 7, (uint16_t)n);
	} else if (len == 12) {
		c[0] = write ? 0xaa : 0xa8;
		put32(c + 2, (uint32_t)lba);
		put32(c + 6, n);
	} else {
		c[0] = write ? 0x8a : 0x88;
		put64(c + 2, lba);
		put32(c + 10, n);
	}
}

static void scsi_rw(int fd, int len, bool write, uint64_t lba, uint32_t n, void *buf,
		    struct sgr *r)
{
	uint8_t c[16];

	cdb_rw(c, len, write, lba, n);
	sg_cmd(fd, c, len, write ? SG_DXFER_TO_DEV : SG_DXFER_FROM_DEV, buf, n * bs, r);
}

static void inquiry(int fd, bool evpd, uint8_t page, void *buf, uint16_t alloc,
		    struct sgr *r)
{
	uint8_t c[6] = { 0x12, evpd ? 1 : 0, page, 0, 0, 0 };

	put16(c + 3, alloc);
	sg_cmd(fd, c, 6, SG_DXFER_FROM_DEV, buf, alloc, r);
}

/* A VPD page into buf (4096 bytes); REQUIRE()s GOOD; returns its total length. */
static int vpd(int fd, uint8_t page, uint8_t *buf)
{
	struct sgr r;
	char what[64];
	int len;

	memset(buf, 0, 4096);
	snprintf(what, sizeof(what), "INQUIRY VPD 0x%02x", page);
	inquiry(fd, true, page, buf, 4096, &r);
	REQUIRE(chk_good(&r, what), " ");
	len = get16(buf + 2) + 4;
	CHECK(buf[1] == page, "%s: page code byte is 0x%02x", what, buf[1]);
	CHECK(r.resid == 4096 - len, "%s: resid %d, page length says %d bytes", what,
	      r.resid, len);
	REQUIRE(len <= 4096, "%s: page length %d", what, len);
	return len;
}

struct rng {
	uint64_t lba;
	uint32_t n;
};

static uint64_t rng_total(const struct rng *r, int n)
{
	uint64_t t = 0;
	int i;

	for (i = 0; i < n; i++)
		t += r[i].n;
	return t;
}

#define PT_IMMED	0x01
#define PT_RTV		0x02
#define WUT_IMMED	0x01
#define WUT_DEL_TKN	0x02
#define ROD_PIT_DEFAULT	0x00800000U
#define ROD_ZERO	0xFFFF0001U

static size_t pt_param(uint8_t *p, const struct rng *r, int n, uint32_t ito,
		       uint8_t flags, uint32_t rod_type)
{
	size_t len = 16 + 16 * (size_t)n;
	int i;

	memset(p, 0, len);
	put16(p, len - 2);
	p[2] = flags;
	put32(p + 4, ito);
	put32(p + 8, rod_type);
	put16(p + 14, 16 * n);
	for (i = 0; i < n; i++) {
		put64(p + 16 + 16 * i, r[i].lba);
		put32(p + 24 + 16 * i, r[i].n);
	}
	return len;
}

static void cdb_3pc(uint8_t *c, uint8_t op, uint8_t sa, uint32_t lid, uint32_t len)
{
	memset(c, 0, 16);
	c[0] = op;
	c[1] = sa;
	if (op == 0x83) {
		put32(c + 6, lid);
		put32(c + 10, len);
	} else {
		put32(c + 2, lid);
		put32(c + 10, len);
	}
}

static void pt_raw(int fd, uint32_t lid, const void *param, uint32_t plen, struct sgr *r)
{
	uint8_t c[16];

	cdb_3pc(c, 0x83, 0x10, lid, plen);
	sg_cmd(fd, c, 16, SG_DXFER_TO_DEV, (void *)param, plen, r);
}

static void pt_cmd(int fd, uint32_t lid, const struct rng *rg, int n, uint32_t ito,
		   uint8_t flags, uint32_t rod_type, struct sgr *r)
{
	uint8_t *p = xalloc(16 + 16 * (size_t)n);
	size_t len = pt_param(p, rg, n, ito, flags, rod_type);

	pt_raw(fd, lid, p, len, r);
	free(p);
}

static size_t wut_param(uint8_t *p, const uint8_t *tok, uint64_t oir, const struct rng *r,
			int n, uint8_t flags)
{
	size_t len = 536 + 16 * (size_t)n;
	int i;

	memset(p, 0, len);
	put16(p, len - 2);
	p[2] = flags;
	put64(p + 8, oir);
	memcpy(p + 16, tok, 512);
	put16(p + 534, 16 * n);
	for (i = 0; i < n; i++) {
		put64(p + 536 + 16 * i, r[i].lba);
		put32(p + 544 + 16 * i, r[i].n);
	}
	return len;
}

static void wut_raw(int fd, uint32_t lid, const void *param, uint32_t plen, struct sgr *r)
{
	uint8_t c[16];

	cdb_3pc(c, 0x83, 0x11, lid, plen);
	sg_cmd(fd, c, 16, SG_DXFER_TO_DEV, (void *)param, plen, r);
}

static void wut_cmd(int fd, uint32_t lid, const uint8_t *tok, uint64_t oir,
		    const struct rng *rg, int n, uint8_t flags, struct sgr *r)
{
	uint8_t *p = xalloc(536 + 16 * (size_t)n);
	size_t len = wut_param(p, tok, oir, rg, n, flags);

	wut_raw(fd, lid, p, len, r);
	free(p);
}

struct rrti {
	uint32_t avail;
	int sa, status, units, sdfl, sense_len;
	uint64_t tc;
	uint32_t rtdl;
	bool has_tok;
	uint8_t tok[512];
	uint8_t raw[2048];
};

static void rrti_cmd(int fd, uint32_t lid, struct rrti *o, struct sgr *r)
{
	uint8_t c[16];
	uint32_t total, off;

	memset(o, 0, sizeof(*o));
	cdb_3pc(c, 0x84, 0x07, lid, sizeof(o->raw));
	sg_cmd(fd, c, 16, SG_DXFER_FROM_DEV, o->raw, sizeof(o->raw), r);
	if (r->ret || r->status)
		return;
	o->avail = get32(o->raw);
	o->sa = o->raw[4] & 0x1f;
	o->status = o->raw[5] & 0x7f;
	o->sdfl = o->raw[13];
	o->sense_len = o->raw[14];
	o->units = o->raw[15];
	o->tc = get64(o->raw + 16);
	total = o->avail + 4;
	off = 32 + o->sdfl;
	if (total >= off + 4 && off + 4 <= sizeof(o->raw)) {
		o->rtdl = get32(o->raw + off);
		if (o->rtdl >= 514 && off + 6 + 512 <= sizeof(o->raw) && total >= off + 6 + 512) {
			memcpy(o->tok, o->raw + off + 6, 512);
			o->has_tok = true;
		}
	}
}

/*
 * RRTI after a successful PT/WUT: checks the fixed fields; returns the transfer
 * count. want: the blocks asked for (0: not known): all of them must say 0x01
 * (completed), fewer 0x03 or 0x04 (partial ROD token usage, residual data).
 */
static uint64_t rrti_want(int fd, uint32_t lid, int sa, uint64_t want, struct rrti *o,
			  const char *what)
{
	struct sgr r;
	char w[160];

	snprintf(w, sizeof(w), "%s: RRTI list id 0x%x", what, lid);
	rrti_cmd(fd, lid, o, &r);
	REQUIRE(chk_good(&r, w), " ");
	CHECK(o->sa == sa, "%s: response to service action 0x%02x, want 0x%02x", w, o->sa, sa);
	if (want && o->tc == want)
		CHECK(o->status == 0x01, "%s: copy operation status 0x%02x after a complete "
		      "operation (transfer count %" PRIu64 "), want 0x01", w, o->status, o->tc);
	else if (want)
		CHECK(o->status == 0x03 || o->status == 0x04, "%s: copy operation status 0x%02x "
		      "after a partial operation (%" PRIu64 " of %" PRIu64 " blocks), want 0x03 "
		      "or 0x04", w, o->status, o->tc, want);
	else
		CHECK(o->status == 0x01 || o->status == 0x03 || o->status == 0x04,
		      "%s: copy operation status 0x%02x", w, o->status);
	if (want)
		CHECK(o->tc <= want, "%s: transfer count %" PRIu64 " > %" PRIu64 " asked for", w,
		      o->tc, want);
	CHECK(o->units == 0xF1, "%s: transfer count units 0x%02x, want 0xF1 (logical blocks)",
	      w, o->units);
	CHECK(o->sense_len == 0, "%s: sense data length %d on success", w, o->sense_len);
	CHECK(o->avail + 4 <= sizeof(o->raw) && r.resid == (int)sizeof(o->raw) - (int)(o->avail + 4),
	      "%s: resid %d but available data %u", w, r.resid, o->avail);
	if (sa == 0x10) {
		CHECK(o->has_tok, "%s: no ROD token in the response (avail %u, rod token "
		      "descriptors length %u)", w, o->avail, o->rtdl);
		CHECK(o->rtdl == 514, "%s: ROD token descriptors length %u, want 514", w, o->rtdl);
	}
	return o->tc;
}

static uint64_t rrti_done(int fd, uint32_t lid, int sa, struct rrti *o, const char *what)
{
	return rrti_want(fd, lid, sa, 0, o, what);
}

/* Token bookkeeping: released at the end of the case (ODX_IOC_RELEASE, errors ignored). */
struct held_tok {
	unsigned int idx;
	uint8_t tok[512];
};

static void release_held(void *arg)
{
	struct held_tok *h = arg;
	int fd = open(dev_path(h->idx), O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		ioctl(fd, ODX_IOC_RELEASE, h->tok);
		close(fd);
	}
	free(h);
}

static void hold_token(unsigned int idx, const uint8_t *tok)
{
	struct held_tok *h = malloc(sizeof(*h));

	REQUIRE(h, "malloc");
	h->idx = idx;
	memcpy(h->tok, tok, 512);
	t_defer(release_held, h);
}

static uint32_t next_lid = 0x4000;

/* An inactivity timeout that outlives a few whole-device checksums. */
static uint32_t long_ito(void)
{
	unsigned long long max = param_u64("max_ttl_ms") / 1000;

	return max < 300 ? max : 300;
}

/* POPULATE TOKEN + RRTI on fd (device idx); REQUIRE()s success; returns the transfer count. */
static uint64_t scsi_mint(int fd, unsigned int idx, const struct rng *rg, int n,
			  uint32_t ito, uint8_t *tok)
{
	uint32_t lid = next_lid++;
	struct rrti o;
	struct sgr r;
	uint64_t tc;

	pt_cmd(fd, lid, rg, n, ito, 0, 0, &r);
	REQUIRE(chk_good(&r, "POPULATE TOKEN"), " ");
	tc = rrti_want(fd, lid, 0x10, rng_total(rg, n), &o, "POPULATE TOKEN");
	REQUIRE(o.has_tok, "no token");
	memcpy(tok, o.tok, 512);
	hold_token(idx, tok);
	return tc;
}

/* WRITE USING TOKEN expected to succeed; returns the RRTI transfer count. */
static uint64_t scsi_wut_ok(int fd, const uint8_t *tok, uint64_t oir, const struct rng *rg,
			    int n, uint8_t flags, const char *what)
{
	uint32_t lid = next_lid++;
	struct rrti o;
	struct sgr r;

	wut_cmd(fd, lid, tok, oir, rg, n, flags, &r);
	REQUIRE(chk_good(&r, what), " ");
	return rrti_want(fd, lid, 0x11, rng_total(rg, n), &o, what);
}

/* ------------------------------------------------------------------------ */
/* DSM ioctl (the same tokens), through libodx */

/* The block ranges @rg as byte ranges of odx0/odx1 (at most 64). */
static void dsm_ranges(const struct rng *rg, int n, struct odx_data_set_range *d)
{
	int i;

	REQUIRE(n <= 64, "%d ranges", n);
	for (i = 0; i < n; i++) {
		d[i].starting_offset = rg[i].lba * bs;
		d[i].length_in_bytes = (uint64_t)rg[i].n * bs;
	}
}

static int dsm_read(int fd, const struct rng *rg, int n, uint32_t ttl_ms, uint8_t *tok,
		    uint64_t *protected_len)
{
	struct odx_data_set_range d[64];
	struct odx_offload_read_output o;
	int ret;

	dsm_ranges(rg, n, d);
	ret = odx_offload_read(fd, d, n, ttl_ms, &o);
	if (ret)
		return ret;
	memcpy(tok, &o.token, 512);
	if (protected_len)
		*protected_len = o.length_protected;
	return 0;
}

static int dsm_write(int fd, const uint8_t *tok, uint64_t token_offset, const struct rng *rg,
		     int n, uint64_t *copied)
{
	struct odx_data_set_range d[64];
	struct odx_offload_write_output o;
	struct odx_token t;
	int ret;

	dsm_ranges(rg, n, d);
	memcpy(&t, tok, sizeof(t));
	ret = odx_offload_write(fd, &t, token_offset, d, n, &o);
	if (ret)
		return ret;
	if (copied)
		*copied = o.length_copied;
	return 0;
}

/* /dev/odx-control (libodx): a device of its own, removed at the end of the case unless gone. */
static void remove_dev(void *arg)
{
	odx_ctl_remove((uint32_t)(uintptr_t)arg);
}

static bool wait_node(uint32_t idx, bool present)
{
	struct stat st;
	int i;

	for (i = 0; i < 100; i++) {
		bool there = stat(dev_path(idx), &st) == 0;

		if (there == present)
			return true;
		usleep(50000);
	}
	return false;
}

static uint32_t ctl_add_dev(uint64_t size, uint32_t block_size)
{
	uint32_t idx;
	int ret = odx_ctl_add(size, block_size, ODX_INDEX_ANY, &idx);

	REQUIRE(ret == 0, "ODX_CTL_ADD: %s", strerror(-ret));
	t_defer(remove_dev, (void *)(uintptr_t)idx);
	REQUIRE(wait_node(idx, true), "%s did not appear", dev_path(idx));
	return idx;
}

static int ctl_remove(uint32_t idx)
{
	int i, ret = 0;

	/* udev-less guest: the node may still be busy for a moment after close */
	for (i = 0; i < 50; i++) {
		ret = odx_ctl_remove(idx);
		if (ret != -EBUSY)
			break;
		usleep(100000);
	}
	return ret;
}

/* ------------------------------------------------------------------------ */
/* Areas: a stretch of a device with its expected contents (guards included) */

struct area {
	unsigned int idx;
	uint64_t lba, n;	/* blocks */
	uint8_t *img;
};

static void area_init(struct area *a, unsigned int idx, uint64_t lba, uint64_t n)
{
	a->idx = idx;
	a->lba = lba;
	a->n = n;
	a->img = xalloc_tmp(n * bs);
	blk_fill(idx, lba, n, t_seed());
	dev_pread(idx, a->img, n * bs, lba * bs);
}

/* The model: blocks [lba, lba + n) of the area now hold data. */
static void area_put(struct area *a, uint64_t lba, uint64_t n, const uint8_t *data)
{
	REQUIRE(lba >= a->lba && lba + n <= a->lba + a->n, "model outside the area");
	memcpy(a->img + (lba - a->lba) * bs, data, n * bs);
}

static bool area_check(const struct area *a, const char *what)
{
	uint8_t *b = xalloc(a->n * bs);
	char w[200];
	bool ok;

	dev_pread(a->idx, b, a->n * bs, a->lba * bs);
	snprintf(w, sizeof(w), "%s (odx%u blocks %" PRIu64 "+%" PRIu64 ")", what, a->idx,
		 a->lba, a->n);
	ok = buf_same(w, b, a->img, a->n * bs, a->lba * bs);
	free(b);
	return ok;
}

/* Copy out of the model the concatenation of ranges (all inside a). */
static uint8_t *area_gather(const struct area *a, const struct rng *rg, int n)
{
	uint8_t *out = xalloc_tmp(rng_total(rg, n) * bs), *p = out;
	int i;

	for (i = 0; i < n; i++) {
		REQUIRE(rg[i].lba >= a->lba && rg[i].lba + rg[i].n <= a->lba + a->n,
			"gather outside the area");
		memcpy(p, a->img + (rg[i].lba - a->lba) * bs, (size_t)rg[i].n * bs);
		p += (size_t)rg[i].n * bs;
	}
	return out;
}

/* Model a write of len blocks of data into the concatenation of ranges. */
static void area_scatter(struct area *a, const struct rng *rg, int n, const uint8_t *data,
			 uint64_t len)
{
	int i;

	for (i = 0; i < n && len; i++) {
		uint64_t k = rg[i].n < len ? rg[i].n : len;

		area_put(a, rg[i].lba, k, data);
		data += k * bs;
		len -= k;
	}
}

/* ------------------------------------------------------------------------ */
/* Cases: the SG_IO header */

static void t_sgio_version(void)
{
	int fd = dev_open(0, O_RDWR), v = -1;

	CHECK(ioctl(fd, SG_GET_VERSION_NUM, &v) == 0, "SG_GET_VERSION_NUM: %s", strerror(errno));
	CHECK(v == SG_VERSION, "SG_GET_VERSION_NUM gave %d, want %d", v, SG_VERSION);
	fd = dev_open(0, O_RDONLY);
	v = -1;
	CHECK(ioctl(fd, SG_GET_VERSION_NUM, &v) == 0 && v == SG_VERSION,
	      "SG_GET_VERSION_NUM on an O_RDONLY fd: %d (%s)", v, strerror(errno));
}

static void t_sgio_interface_id(void)
{
	static const int ids[] = { 0, 'Q', 'T', 's', 0x53 + 256 };
	uint8_t tur[6] = { 0 };
	struct sg_io_hdr h;
	struct sgr r;
	char w[64];
	unsigned int i;
	int fd = dev_open(0, O_RDWR);

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		sg_init_hdr(&h, tur, 6, SG_DXFER_NONE, NULL, 0, &r);
		h.interface_id = ids[i];
		sg_run_hdr(fd, &h, &r);
		snprintf(w, sizeof(w), "TUR with interface_id %d", ids[i]);
		chk_errno(&r, EINVAL, w);
	}
	sg_cmd(fd, tur, 6, SG_DXFER_NONE, NULL, 0, &r);
	chk_good(&r, "TUR with interface_id 'S'");
}

/*
 * Scatter/gather through iovecs, as the kernel's sg_io() takes them
 * (import_iovec; the shorter of the iovecs and dxfer_len wins).
 */
static void t_sgio_iovec_count(void)
{
	int fd = dev_open(0, O_RDWR);
	uint8_t *buf = xalloc_tmp(8 * bs), *got = xalloc_tmp(8 * bs + 64), cdb[16];
	uint8_t *std = xalloc_tmp(96);
	struct sg_iovec iov[3];
	struct sg_io_hdr h;
	struct area a;
	struct snap s;
	struct sgr r;
	uint8_t inq[6] = { 0x12, 0, 0, 0, 96, 0 }, tur[6] = { 0 };
	const long pg = sysconf(_SC_PAGESIZE);
	void *none = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	REQUIRE(none != MAP_FAILED, "mmap");
	area_init(&a, 0, 190, 30);
	/* INQUIRY into two iovecs: the same bytes as into one buffer */
	inquiry(fd, false, 0, std, 96, &r);
	REQUIRE(chk_good(&r, "INQUIRY"), " ");
	memset(got, 0xEE, 96);
	iov[0] = (struct sg_iovec){ got, 10 };
	iov[1] = (struct sg_iovec){ got + 40, 86 };
	sg_init_hdr(&h, inq, 6, SG_DXFER_FROM_DEV, iov, 96, &r);
	h.iovec_count = 2;
	sg_run_hdr(fd, &h, &r);
	if (chk_good(&r, "INQUIRY into 2 iovecs")) {
		CHECK(!memcmp(got, std, 10) && !memcmp(got + 40, std + 10, 86),
		      "INQUIRY data through iovecs differs");
		CHECK(got[10] == 0xEE && got[39] == 0xEE, "INQUIRY wrote between the iovecs");
		CHECK(r.resid == 96 - (std[4] + 5), "INQUIRY through iovecs: resid %d", r.resid);
	}

	/* WRITE(10) of 8 blocks from 3 uneven iovecs, read back */
	pat_fill(buf, 8 * bs, t_seed(), 200ULL * bs);
	iov[0] = (struct sg_iovec){ buf, 100 };
	iov[1] = (struct sg_iovec){ buf + 100, 3 * bs - 100 };
	iov[2] = (struct sg_iovec){ buf + 3 * bs, 5 * bs };
	cdb_rw(cdb, 10, true, 200, 8);
	sg_init_hdr(&h, cdb, 10, SG_DXFER_TO_DEV, iov, 8 * bs, &r);
	h.iovec_count = 3;
	sg_run_hdr(fd, &h, &r);
	if (chk_good(&r, "WRITE(10) from 3 iovecs"))
		area_put(&a, 200, 8, buf);
	CHECK(r.resid == 0, "WRITE(10) from iovecs: resid %d", r.resid);
	area_check(&a, "after WRITE(10) from 3 iovecs");

	/* READ(16) into 2 iovecs whose total exceeds dxfer_len: dxfer_len wins */
	memset(got, 0xEE, 8 * bs + 64);
	iov[0] = (struct sg_iovec){ got, 5 * bs };
	iov[1] = (struct sg_iovec){ got + 5 * bs, 3 * bs + 64 };
	cdb_rw(cdb, 16, false, 200, 8);
	sg_init_hdr(&h, cdb, 16, SG_DXFER_FROM_DEV, iov, 8 * bs, &r);
	h.iovec_count = 2;
	sg_run_hdr(fd, &h, &r);
	if (chk_good(&r, "READ(16) into 2 iovecs")) {
		buf_same("READ(16) through iovecs", got, buf, 8 * bs, 200ULL * bs);
		CHECK(got[8 * bs] == 0xEE, "READ(16) wrote past dxfer_len into the iovec");
	}
	/* iovecs shorter than dxfer_len: the iovecs win, the READ does not fit */
	iov[0] = (struct sg_iovec){ got, bs };
	sg_init_hdr(&h, cdb, 16, SG_DXFER_FROM_DEV, iov, 8 * bs, &r);
	h.iovec_count = 1;
	sg_run_hdr(fd, &h, &r);
	CHECK(r.ret != 0 || r.status != 0, "READ(16) of 8 blocks into a 1-block iovec claims "
	      "success: %s", sgr_str(&r));

	/* iovec_count with dxfer_len 0: no data, the iovecs are not looked at */
	sg_init_hdr(&h, tur, 6, SG_DXFER_NONE, none, 0, &r);
	h.iovec_count = 5;
	sg_run_hdr(fd, &h, &r);
	chk_good(&r, "TUR with iovec_count 5 and dxfer_len 0");

	snap_take(&s);
	/* an iovec array the caller cannot read, or an iovec pointing nowhere */
	cdb_rw(cdb, 10, true, 300, 1);
	sg_init_hdr(&h, cdb, 10, SG_DXFER_TO_DEV, none, bs, &r);
	h.iovec_count = 1;
	sg_run_hdr(fd, &h, &r);
	chk_errno(&r, EFAULT, "WRITE(10) with an unmapped iovec array");
	iov[0] = (struct sg_iovec){ none, bs };
	sg_init_hdr(&h, cdb, 10, SG_DXFER_TO_DEV, iov, bs, &r);
	h.iovec_count = 1;
	sg_run_hdr(fd, &h, &r);
	chk_errno(&r, EFAULT, "WRITE(10) from an unmapped iovec");
	/* more iovecs than UIO_MAXIOV (1024) */
	{
		struct sg_iovec *many = xalloc_tmp(1025 * sizeof(*many));
		int i;

		for (i = 0; i < 1025; i++)
			many[i] = (struct sg_iovec){ buf, 1 };
		sg_init_hdr(&h, cdb, 10, SG_DXFER_TO_DEV, many, bs, &r);
		h.iovec_count = 1025;
		sg_run_hdr(fd, &h, &r);
		chk_errno(&r, EINVAL, "WRITE(10) with 1025 iovecs");
	}
	snap_same(&s, "after the bad iovec requests");
	munmap(none, pg);
}

static void t_sgio_cmd_len(void)
{
	/* as the kernel's sg_io(): below 6 EMSGSIZE, above 32 EINVAL, 6-32 run */
	static const int small[] = { 0, 1, 5 }, big[] = { 33, 64, 255 }, ok[] = { 6, 16, 17, 32 };
	uint8_t cdb[260] = { 0 };
	struct sgr r;
	char w[64];
	unsigned int i;
	int fd = dev_open(0, O_RDWR);

	for (i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		sg_cmd(fd, cdb, small[i], SG_DXFER_NONE, NULL, 0, &r);
		snprintf(w, sizeof(w), "TUR with cmd_len %d", small[i]);
		chk_errno(&r, EMSGSIZE, w);
	}
	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		sg_cmd(fd, cdb, big[i], SG_DXFER_NONE, NULL, 0, &r);
		snprintf(w, sizeof(w), "TUR with cmd_len %d", big[i]);
		chk_errno(&r, EINVAL, w);
	}
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		sg_cmd(fd, cdb, ok[i], SG_DXFER_NONE, NULL, 0, &r);
		snprintf(w, sizeof(w), "TUR with cmd_len %d", ok[i]);
		chk_good(&r, w);
	}
	{
		uint8_t *b = xalloc_tmp(bs);

		cdb_rw(cdb, 16, false, 0, 1);
		sg_cmd(fd, cdb, 16, SG_DXFER_FROM_DEV, b, bs, &r);
		chk_good(&r, "READ(16) with cmd_len 16");
	}
}

static void t_sgio_dxfer_direction(void)
{
	static const int bad[] = { -5, -6, -7, 0, 1, 2, 100, INT_MIN, INT_MAX };
	uint8_t cdb[16], *buf = xalloc_tmp(4 * bs), *want = xalloc_tmp(4 * bs);
	struct snap s;
	struct sgr r;
	char w[80];
	unsigned int i;
	int fd = dev_open(0, O_RDWR);

	blk_fill(0, 200, 4, t_seed());
	dev_pread(0, want, 4 * bs, 200ULL * bs);
	snap_take(&s);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cdb_rw(cdb, 10, false, 200, 4);
		sg_cmd(fd, cdb, 10, bad[i], buf, 4 * bs, &r);
		snprintf(w, sizeof(w), "READ(10) with dxfer_direction %d", bad[i]);
		chk_errno(&r, EINVAL, w);
		cdb_rw(cdb, 10, true, 300, 4);
		sg_cmd(fd, cdb, 10, bad[i], buf, 4 * bs, &r);
		snprintf(w, sizeof(w), "WRITE(10) with dxfer_direction %d", bad[i]);
		chk_errno(&r, EINVAL, w);
	}
	/* SG_DXFER_NONE with a length is no direction either */
	cdb_rw(cdb, 10, true, 300, 4);
	sg_cmd(fd, cdb, 10, SG_DXFER_NONE, buf, 4 * bs, &r);
	chk_errno(&r, EINVAL, "WRITE(10) with SG_DXFER_NONE and dxfer_len 4 blocks");
	snap_same(&s, "after the bad dxfer_direction requests");

	/* with dxfer_len 0 any direction goes, as in the kernel's sg_io() */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t tur[6] = { 0 };

		sg_cmd(fd, tur, 6, bad[i], NULL, 0, &r);
		snprintf(w, sizeof(w), "TUR with dxfer_direction %d and dxfer_len 0", bad[i]);
		chk_good(&r, w);
		sg_cmd(fd, tur, 6, SG_DXFER_FROM_DEV, NULL, 0, &r);
		chk_good(&r, "TUR with SG_DXFER_FROM_DEV and dxfer_len 0");
	}

	/* SG_DXFER_TO_FROM_DEV is valid: a read fills the buffer. */
	memset(buf, 0x5a, 4 * bs);
	cdb_rw(cdb, 10, false, 200, 4);
	sg_cmd(fd, cdb, 10, SG_DXFER_TO_FROM_DEV, buf, 4 * bs, &r);
	if (chk_good(&r, "READ(10) with SG_DXFER_TO_FROM_DEV"))
		buf_same("READ(10) SG_DXFER_TO_FROM_DEV data", buf, want, 4 * bs, 200ULL * bs);
}

static void t_sgio_dxfer_len(void)
{
	uint8_t cdb[16], *buf = xalloc_tmp(MAX_DXFER + 4096), *want = xalloc_tmp(MAX_DXFER);
	uint8_t *v = xalloc_tmp(4096);
	uint32_t nb = MAX_DXFER / bs, mtl;
	struct snap s;
	struct sgr r;
	int fd = dev_open(0, O_RDWR);

	vpd(fd, 0xB0, v);
	mtl = get32(v + 8);
	if (mtl && mtl < nb) {
		/* the device's own limit is below 8 MiB: one block more is refused */
		t_diag("Block Limits maximum transfer length %u blocks < 8 MiB", mtl);
		nb = mtl;
		cdb_rw(cdb, 16, false, 0, mtl + 1);
		sg_cmd(fd, cdb, 16, SG_DXFER_FROM_DEV, buf, (mtl + 1) * bs, &r);
		chk_sense(&r, ILLEGAL_REQUEST, 0x24, 0x00, "READ(16) of maximum transfer length + 1");
	}
	/* the largest transfer works */
	blk_fill(0, 0, nb, t_seed());
	dev_pread(0, want, (size_t)nb * bs, 0);
	cdb_rw(cdb, 16, false, 0, nb);
	sg_cmd(fd, cdb, 16, SG_DXFER_FROM_DEV, buf, nb * bs, &r);
	if (chk_good(&r, "READ(16) of the largest transfer"))
		buf_same("READ(16) of the largest transfer", buf, want, (size_t)nb * bs, 0);
	CHECK(r.resid == 0, "resid %d after a full %u-block read", r.resid, nb);

	/* one byte more is refused, whatever the CDB */
	snap_take(&s);
	cdb_rw(cdb, 16, false, 0, 1);
	sg_cmd(fd, cdb, 16, SG_DXFER_FROM_DEV, buf, MAX_DXFER + 1, &r);
	chk_errno(&r, EIO, "READ(16) of 1 block with dxfer_len 8 MiB + 1");
	cdb_rw(cdb, 16, false, 0, nb + 1);
	sg_cmd(fd, cdb, 16, SG_DXFER_FROM_DEV, buf, MAX_DXFER + bs, &r);
	chk_errno(&r, EIO, "READ(16) of 8 MiB + 1 block");
	cdb_rw(cdb, 16, true, 0, nb + 1);
	sg_cmd(fd, cdb, 16, SG_DXFER_TO_DEV, buf, MAX_DXFER + bs, &r);
	chk_errno(&r, EIO, "WRITE(16) of 8 MiB + 1 block");
	cdb_rw(cdb, 16, true, 0, 1);
	sg_cmd(fd, cdb, 16, SG_DXFER_TO_DEV, buf, 0xffffffffU, &r);
	chk_errno(&r, EIO, "WRITE(16) with dxfer_len 4 GiB - 1");
	snap_same(&s, "after the oversized requests");
}

/* A buffer's direction or size disagrees with its CDB: no overrun, no half-truth. */
static void t_sgio_dxfer_mismatch(void)
{
	uint8_t cdb[16], *buf = xalloc_tmp(8 * bs + 4096);
	struct snap s;
	struct sgr r;
	size_t i;
	int fd = dev_open(0, O_RDWR);

	snap_take(&s);
	/* WRITE(10) of one block with no data. */
	cdb_rw(cdb, 10, true, 400, 1);
	sg_cmd(fd, cdb, 10, SG_DXFER_NONE, NULL, 0, &r);
	CHECK(r.ret != 0 || r.status != 0, "WRITE(10) of 1 block with no data buffer "
	      "(SG_DXFER_NONE) claims success: %s", sgr_str(&r));
	/* WRITE(10) of 8 blocks with a 1-block buffer. */
	cdb_rw(cdb, 10, true, 400, 8);
	sg_cmd(fd, cdb, 10, SG_DXFER_TO_DEV, buf, bs, &r);
	CHECK(r.ret != 0 || r.status != 0, "WRITE(10) of 8 blocks with a %u-byte buffer "
	      "claims success: %s", bs, sgr_str(&r));
	snap_same(&s, "after the WRITEs without data");

	/* READ(10) of 8 blocks into a 1-block buffer: nothing past it is touched. */
	memset(buf, 0xC3, 8 * bs + 4096);
	cdb_rw(cdb, 10, false, 400, 8);
	sg_cmd(fd, cdb, 10, SG_DXFER_FROM_DEV, buf, bs, &r);
	for (i = bs; i < 8 * bs + 4096; i++)
		if (buf[i] != 0xC3)
			break;
	CHECK(i == 8 * bs + 4096, "READ(10) of 8 blocks into a %u-byte buffer wrote past "
	      "dxfer_len (byte %zu changed)", bs, i);
	t_diag("READ(10) of 8 blocks into a 1-block buffer: %s", sgr_str(&r));
}

static void t_sgio_efault(void)
{
	const long pg = sysconf(_SC_PAGESIZE);
	uint8_t *none = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *ro = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *two = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
	uint8_t cdb[16], tur[6] = { 0 }, bad_op[16] = { 0xC0 }, *buf = xalloc_tmp(2 * bs);
	uint8_t param[48];
	struct rng rg = { 500, 4 };
	struct sg_io_hdr h, *hp;
	struct snap s;
	struct sgr r;
	int fd = dev_open(0, O_RDWR), ret;

	REQUIRE(none != MAP_FAILED && ro != MAP_FAILED && two != MAP_FAILED, "mmap");
	REQUIRE(mprotect(two + pg, pg, PROT_NONE) == 0, "mprotect");
	snap_take(&s);

	ret = ioctl(fd, SG_IO, NULL) < 0 ? -errno : 0;
	CHECK(ret == -EFAULT, "SG_IO with a NULL header: %s", errname(ret));
	ret = ioctl(fd, SG_IO, none) < 0 ? -errno : 0;
	CHECK(ret == -EFAULT, "SG_IO with an unmapped header: %s", errname(ret));
	/* a header that runs into an unmapped page */
	hp = (struct sg_io_hdr *)(two + pg - 24);
	memset(hp, 0, 24);
	hp->interface_id = 'S';
	ret = ioctl(fd, SG_IO, hp) < 0 ? -errno : 0;
	CHECK(ret == -EFAULT, "SG_IO with a header straddling into an unmapped page: %s",
	      errname(ret));
	/* a header in read-only memory (the results cannot be written back) */
	sg_init_hdr(&h, tur, 6, SG_DXFER_NONE, NULL, 0, &r);
	h.sbp = NULL;
	h.mx_sb_len = 0;
	{
		uint8_t *rohdr = mmap(NULL, pg, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		REQUIRE(rohdr != MAP_FAILED, "mmap");
		memcpy(rohdr, &h, sizeof(h));
		REQUIRE(mprotect(rohdr, pg, PROT_READ) == 0, "mprotect");
		ret = ioctl(fd, SG_IO, rohdr) < 0 ? -errno : 0;
		CHECK(ret == -EFAULT, "SG_IO (TUR) with a read-only header: %s", errname(ret));
		munmap(rohdr, pg);
	}

	/* cmdp */
	sg_init_hdr(&h, (uint8_t *)none, 6, SG_DXFER_NONE, NULL, 0, &r);
	sg_run_hdr(fd, &h, &r);
	chk_errno(&r, EFAULT, "TUR with an unmapped cmdp");
	sg_init_hdr(&h, (uint8_t *)1, 6, SG_DXFER_NONE, NULL, 0, &r);
	sg_run_hdr(fd, &h, &r);
	chk_errno(&r, EFAULT, "TUR with cmdp = 1");
	sg_init_hdr(&h, two + pg - 4, 10, SG_DXFER_NONE, NULL, 0, &r);
	sg_run_hdr(fd, &h, &r);
	chk_errno(&r, EFAULT, "a 10-byte CDB straddling into an unmapped page");

	/* dxferp, data in */
	cdb_rw(cdb, 10, false, 0, 1);
	sg_cmd(fd, cdb, 10, SG_DXFER_FROM_DEV, none, bs, &r);
	chk_errno(&r, EFAULT, "READ(10) into an unmapped buffer");
	sg_cmd(fd, cdb, 10, SG_DXFER_FROM_DEV, ro, bs, &r);
	chk_errno(&r, EFAULT, "READ(10) into a read-only buffer");
	cdb_rw(cdb, 10, false, 0, 2);
	sg_cmd(fd, cdb, 10, SG_DXFER_FROM_DEV, two + pg - bs, 2 * bs, &r);
	chk_errno(&r, EFAULT, "READ(10) into a buffer running into an unmapped page");
	{
		uint8_t inq[6] = { 0x12, 0, 0, 0, 96, 0 };

		sg_cmd(fd, inq, 6, SG_DXFER_FROM_DEV, (void *)8, 96, &r);
		chk_errno(&r, EFAULT, "INQUIRY into dxferp = 8");
	}

	/* dxferp, data out */
	cdb_rw(cdb, 10, true, 500, 1);
	sg_cmd(fd, cdb, 10, SG_DXFER_TO_DEV, none, bs, &r);
	chk_errno(&r, EFAULT, "WRITE(10) from an unmapped buffer");
	cdb_rw(cdb, 16, true, 500, 2);
	memset(two + pg - bs, 0x77, bs);
	sg_cmd(fd, cdb, 16, SG_DXFER_TO_DEV, two + pg - bs, 2 * bs, &r);
	chk_errno(&r, EFAULT, "WRITE(16) from a buffer running into an unmapped page");
	pt_param(param, &rg, 1, 0, 0, 0);
	pt_raw(fd, 0x77, none, sizeof(param), &r);
	chk_errno(&r, EFAULT, "POPULATE TOKEN with an unmapped parameter list");
	memcpy(two + pg - 20, param, 20);
	pt_raw(fd, 0x78, two + pg - 20, sizeof(param), &r);
	chk_errno(&r, EFAULT, "POPULATE TOKEN with a parameter list running into an unmapped page");
	{
		uint8_t c[16];

		cdb_3pc(c, 0x83, 0x11, 0x79, 552);
		sg_cmd(fd, c, 16, SG_DXFER_TO_DEV, none, 552, &r);
		chk_errno(&r, EFAULT, "WRITE USING TOKEN with an unmapped parameter list");
	}

	/* sbp: sense cannot be delivered */
	sg_init_hdr(&h, bad_op, 16, SG_DXFER_NONE, NULL, 0, &r);
	h.sbp = none;
	h.mx_sb_len = 32;
	sg_run_hdr(fd, &h, &r);
	chk_errno(&r, EFAULT, "unknown opcode with an unmapped sense buffer");
	sg_init_hdr(&h, bad_op, 16, SG_DXFER_NONE, NULL, 0, &r);
	h.sbp = ro;
	h.mx_sb_len = 32;
	sg_run_hdr(fd, &h, &r);
	chk_errno(&r, EFAULT, "unknown opcode with a read-only sense buffer");

	snap_same(&s, "after the EFAULT requests");
	/* the descriptor still works */
	cdb_rw(cdb, 10, false, 0, 1);
	sg_cmd(fd, cdb, 10, SG_DXFER_FROM_DEV, buf, bs, &r);
	chk_good(&r, "READ(10) after the EFAULT requests");
	munmap(none, pg);
	munmap(ro, pg);
	munmap(two, 2 * pg);
}

static int mode_sense(int fd, int len, int pc, int page, uint8_t *b, struct sgr *r);
static void set_dsense(int fd, int len, bool on, struct sgr *r);
static void dsense_off(void *arg);

static void t_sgio_ebadf(void)
{
	int rd = dev_open(0, O_RDONLY), wr = dev_open(0, O_WRONLY);
	uint8_t *buf = xalloc_tmp(8 * bs), tok[512];
	struct rng src = { 600, 8 }, dst = { 700, 8 };
	struct snap s;
	struct sgr r;
	struct rrti o;
	int rw = dev_open(0, O_RDWR);

	blk_fill(0, 600, 8, t_seed());
	/* a token to try WRITE USING TOKEN with */
	scsi_mint(rw, 0, &src, 1, long_ito(), tok);

	/* a list id with a token in it, for RRTI on the O_WRONLY fd below */
	pt_cmd(rw, 0x506, &src, 1, long_ito(), 0, 0, &r);
	REQUIRE(chk_good(&r, "POPULATE TOKEN on an O_RDWR fd"), " ");
	rrti_done(rw, 0x506, 0x10, &o, "RRTI on the O_RDWR fd");
	if (o.has_tok)
		hold_token(0, o.tok);

	snap_take(&s);
	memset(buf, 0x11, 8 * bs);
	scsi_rw(rd, 10, true, 700, 8, buf, &r);
	chk_errno(&r, EBADF, "WRITE(10) on an O_RDONLY fd");
	scsi_rw(rd, 16, true, 700, 8, buf, &r);
	chk_errno(&r, EBADF, "WRITE(16) on an O_RDONLY fd");
	wut_cmd(rd, 0x501, tok, 0, &dst, 1, 0, &r);
	chk_errno(&r, EBADF, "WRITE USING TOKEN on an O_RDONLY fd");
	wut_cmd(rd, 0x502, tok, 0, &dst, 1, WUT_DEL_TKN, &r);
	chk_errno(&r, EBADF, "WRITE USING TOKEN (DEL_TKN) on an O_RDONLY fd");
	scsi_rw(wr, 10, false, 600, 8, buf, &r);
	chk_errno(&r, EBADF, "READ(10) on an O_WRONLY fd");
	scsi_rw(wr, 16, false, 600, 8, buf, &r);
	chk_errno(&r, EBADF, "READ(16) on an O_WRONLY fd");
	pt_cmd(wr, 0x503, &src, 1, 0, 0, 0, &r);
	chk_errno(&r, EBADF, "POPULATE TOKEN on an O_WRONLY fd");
	/* RRTI reads a token: read access, like POPULATE TOKEN */
	rrti_cmd(wr, 0x506, &o, &r);
	chk_errno(&r, EBADF, "RECEIVE ROD TOKEN INFORMATION on an O_WRONLY fd");
	{
		/* the kernel's read list needs read access, its write list write access */
		uint8_t tur[6] = { 0 }, b[512], *m = xalloc_tmp(512);
		int off;

		sg_cmd(wr, tur, 6, SG_DXFER_NONE, NULL, 0, &r);
		chk_errno(&r, EBADF, "TEST UNIT READY on an O_WRONLY fd");
		inquiry(wr, false, 0, b, 96, &r);
		chk_errno(&r, EBADF, "INQUIRY on an O_WRONLY fd");
		set_dsense(rd, 10, true, &r);
		chk_errno(&r, EBADF, "MODE SELECT(10) D_SENSE=1 on an O_RDONLY fd");
		set_dsense(rd, 6, true, &r);
		chk_errno(&r, EBADF, "MODE SELECT(6) D_SENSE=1 on an O_RDONLY fd");
		off = mode_sense(rd, 10, 0, 0x0A, m, &r);
		if (chk_good(&r, "MODE SENSE(10) on an O_RDONLY fd"))
			CHECK(!(m[off + 2] & 0x04), "D_SENSE set by a MODE SELECT on an O_RDONLY fd");
		t_defer(dsense_off, (void *)0);
	}
	snap_same(&s, "after the EBADF requests");

	/* the allowed directions work */
	scsi_rw(rd, 10, false, 600, 8, buf, &r);
	chk_good(&r, "READ(10) on an O_RDONLY fd");
	pt_cmd(rd, 0x504, &src, 1, 0, 0, 0, &r);
	if (chk_good(&r, "POPULATE TOKEN on an O_RDONLY fd")) {
		rrti_done(rd, 0x504, 0x10, &o, "POPULATE TOKEN on an O_RDONLY fd");
		if (o.has_tok)
			hold_token(0, o.tok);
	}
	scsi_rw(wr, 10, true, 700, 8, buf, &r);
	chk_good(&r, "WRITE(10) on an O_WRONLY fd");
	wut_cmd(wr, 0x505, tok, 0, &dst, 1, 0, &r);
	chk_good(&r, "WRITE USING TOKEN on an O_WRONLY fd");
}

static void t_sgio_sense_len(void)
{
	uint8_t bad_op[16] = { 0xC0 };
	struct sg_io_hdr h;
	struct sgr r;
	int fd = dev_open(0, O_RDWR), i;

	sg_init_hdr(&h, bad_op, 16, SG_DXFER_NONE, NULL, 0, &r);
	h.mx_sb_len = 8;
	sg_run_hdr(fd, &h, &r);
	CHECK(r.ret == 0 && r.status == 0x02, "unknown opcode, mx_sb_len 8: %s", sgr_str(&r));
	CHECK(r.sb_len == 8, "mx_sb_len 8: sb_len_wr %d", r.sb_len);
	CHECK(r.sense[0] == 0x70, "mx_sb_len 8: response code 0x%02x", r.sense[0]);
	for (i = 8; i < (int)sizeof(r.sense); i++)
		if (r.sense[i] != 0xA5)
			break;
	CHECK(i == (int)sizeof(r.sense), "mx_sb_len 8: sense byte %d written", i);

	sg_init_hdr(&h, bad_op, 16, SG_DXFER_NONE, NULL, 0, &r);
	h.mx_sb_len = 0;
	h.sbp = NULL;
	sg_run_hdr(fd, &h, &r);
	CHECK(r.ret == 0 && r.status == 0x02 && r.sb_len == 0,
	      "unknown opcode, no sense buffer: %s", sgr_str(&r));
	/* mx_sb_len with a NULL sbp is no error: the kernel writes no sense */
	sg_init_hdr(&h, bad_op, 16, SG_DXFER_NONE, NULL, 0, &r);
	h.mx_sb_len = 32;
	h.sbp = NULL;
	sg_run_hdr(fd, &h, &r);
	CHECK(r.ret == 0 && r.status == 0x02 && r.sb_len == 0 && (r.driver & 0x0f) == DRV_SENSE,
	      "unknown opcode, mx_sb_len 32 and a NULL sense pointer: %s", sgr_str(&r));

	sg_init_hdr(&h, bad_op, 16, SG_DXFER_NONE, NULL, 0, &r);
	h.mx_sb_len = 255;	/* larger than the buffer the driver has: still bounded by it */
	{
		uint8_t big[255];

		memset(big, 0xA5, sizeof(big));
		h.sbp = big;
		sg_run_hdr(fd, &h, &r);
		memcpy(r.sense, big, sizeof(r.sense));
		CHECK(r.ret == 0 && r.status == 0x02 && r.sb_len >= 18 && r.sb_len <= 252,
		      "unknown opcode, mx_sb_len 255: %s", sgr_str(&r));
		CHECK(r.sb_len == 8 + big[7], "mx_sb_len 255: sb_len_wr %d but additional "
		      "length %d", r.sb_len, big[7]);
	}
}

static void t_sgio_resid(void)
{
	uint8_t *buf = xalloc_tmp(4096), rc10[10] = { 0x25 };
	struct sgr r;
	int fd = dev_open(0, O_RDWR), n;

	inquiry(fd, false, 0, buf, 255, &r);
	if (chk_good(&r, "INQUIRY, allocation length 255")) {
		n = buf[4] + 5;
		CHECK(r.resid == 255 - n, "INQUIRY: resid %d, additional length says %d bytes",
		      r.resid, n);
	}
	inquiry(fd, false, 0, buf, 4, &r);
	if (chk_good(&r, "INQUIRY, allocation length 4"))
		CHECK(r.resid == 0, "INQUIRY alloc 4: resid %d", r.resid);
	sg_cmd(fd, rc10, 10, SG_DXFER_FROM_DEV, buf, 64, &r);
	if (chk_good(&r, "READ CAPACITY(10) into 64 bytes"))
		CHECK(r.resid == 56, "READ CAPACITY(10): resid %d, want 56", r.resid);
}

/* ------------------------------------------------------------------------ */
/* Cases: plain SCSI commands */

static void t_tur(void)
{
	uint8_t tur[6] = { 0 };
	struct sgr r;

	sg_cmd(dev_open(0, O_RDWR), tur, 6, SG_DXFER_NONE, NULL, 0, &r);
	chk_good(&r, "TEST UNIT READY on odx0");
	sg_cmd(dev_open(1, O_RDONLY), tur, 6, SG_DXFER_NONE, NULL, 0, &r);
	chk_good(&r, "TEST UNIT READY on odx1 (O_RDONLY)");
}

static void t_inquiry_std(void)
{
	uint8_t *b = xalloc_tmp(256);
	struct sgr r;
	int fd = dev_open(0, O_RDWR), i;

	inquiry(fd, false, 0, b, 255, &r);
	REQUIRE(chk_good(&r, "standard INQUIRY"), " ");
	CHECK(b[0] == 0x00, "peripheral qualifier/device type 0x%02x, want 0", b[0]);
	CHECK(b[5] & 0x08, "3PC bit (byte 5 bit 3) not set: byte 5 = 0x%02x", b[5]);
	CHECK((b[3] & 0x0f) == 2, "response data format %d, want 2", b[3] & 0x0f);
	CHECK(b[4] >= 31, "additional length %d < 31", b[4]);
	CHECK(!memcmp(b + 8, "LINUX   ", 8), "vendor '%.8s', want 'LINUX   '", b + 8);
	CHECK(!memcmp(b + 16, "odx             ", 16), "product '%.16s', want 'odx' "
	      "padded with spaces", b + 16);
	for (i = 32; i < 36; i++)
		CHECK(b[i] >= 0x20 && b[i] < 0x7f, "revision byte %d is 0x%02x", i, b[i]);
	CHECK(b[2] >= 5, "version 0x%02x: want SPC-3 (5) or later", b[2]);
	t_diag("INQUIRY: version 0x%02x, byte 5 0x%02x, revision '%.4s'", b[2], b[5], b + 32);

	/* the same on odx1 */
	inquiry(dev_open(1, O_RDONLY), false, 0, b, 36, &r);
	if (chk_good(&r, "standard INQUIRY on odx1"))
		CHECK(b[5] & 0x08, "odx1: 3PC not set");
	/* short allocation length */
	memset(b, 0xEE, 256);
	inquiry(fd, false, 0, b, 5, &r);
	if (chk_good(&r, "INQUIRY, allocation length 5"))
		CHECK(b[5] == 0xEE, "INQUIRY alloc 5 wrote byte 5");
}

static void t_inquiry_bad(void)
{
	uint8_t *b = xalloc_tmp(4096);
	struct sgr r;
	int fd = dev_open(0, O_RDWR);

	inquiry(fd, false, 0x80, b, 255, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x24, 0x00, "INQUIRY EVPD=0 with page code 0x80");
	inquiry(fd, true, 0x99, b, 255, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x24, 0x00, "INQUIRY VPD page 0x99");
	inquiry(fd, true, 0xC7, b, 255, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x24, 0x00, "INQUIRY VPD page 0xC7");
}

static void t_inquiry_vpd00(void)
{
	static const uint8_t need[] = { 0x00, 0x80, 0x83, 0x8F, 0xB0 };
	uint8_t *b = xalloc_tmp(4096), *p = xalloc_tmp(4096);
	int fd = dev_open(0, O_RDWR), len, i, j;

	len = vpd(fd, 0x00, b);
	for (i = 0; i < (int)sizeof(need); i++) {
		for (j = 4; j < len; j++)
			if (b[j] == need[i])
				break;
		CHECK(j < len, "VPD 0x00 does not list page 0x%02x", need[i]);
	}
	for (j = 5; j < len; j++)
		CHECK(b[j] > b[j - 1], "VPD 0x00 not in ascending order at byte %d", j);
	/* every listed page answers */
	for (j = 4; j < len; j++)
		vpd(fd, b[j], p);
}

static void t_inquiry_vpd80(void)
{
	uint8_t *a = xalloc_tmp(4096), *b = xalloc_tmp(4096), *c = xalloc_tmp(4096);
	int la, lb, lc, i;

	la = vpd(dev_open(0, O_RDWR), 0x80, a);
	lb = vpd(dev_open(0, O_RDONLY), 0x80, b);
	lc = vpd(dev_open(1, O_RDWR), 0x80, c);
	CHECK(la > 4, "unit serial number is empty");
	for (i = 4; i < la; i++)
		CHECK(a[i] >= 0x20 && a[i] < 0x7f, "serial byte %d is 0x%02x (not ASCII)", i, a[i]);
	CHECK(la == lb && !memcmp(a, b, la), "odx0's serial number changed between calls");
	CHECK(la != lc || memcmp(a + 4, c + 4, la - 4), "odx0 and odx1 have the same serial "
	      "number '%.*s'", la - 4, a + 4);
	t_diag("serials: odx0 '%.*s', odx1 '%.*s'", la - 4, a + 4, lc - 4, c + 4);
}

/* The NAA logical-unit designator of a VPD 0x83 page; NULL if none. */
static const uint8_t *find_naa(const uint8_t *b, int len, int *dlen)
{
	int off = 4;

	while (off + 4 <= len) {
		int l = b[off + 3];

		if (off + 4 + l > len)
			return NULL;
		if ((b[off + 1] & 0x0f) == 3 && ((b[off + 1] >> 4) & 3) == 0) {
			*dlen = l;
			return b + off;
		}
		off += 4 + l;
	}
	return NULL;
}

static void t_inquiry_vpd83(void)
{
	uint8_t *a = xalloc_tmp(4096), *b = xalloc_tmp(4096), *c = xalloc_tmp(4096);
	const uint8_t *na, *nb, *nc;
	int la, lb, lc, da = 0, db = 0, dc = 0, off, naa;
	char h1[100], h2[100];

	la = vpd(dev_open(0, O_RDWR), 0x83, a);
	lb = vpd(dev_open(0, O_RDONLY), 0x83, b);
	lc = vpd(dev_open(1, O_RDWR), 0x83, c);
	/* descriptors tile the page exactly */
	for (off = 4; off + 4 <= la; off += 4 + a[off + 3])
		;
	CHECK(off == la, "VPD 0x83: designation descriptors do not end at the page end "
	      "(%d vs %d)", off, la);
	na = find_naa(a, la, &da);
	nb = find_naa(b, lb, &db);
	nc = find_naa(c, lc, &dc);
	REQUIRE(na && nc, "no NAA logical unit designator (type 3, association 0)");
	CHECK((na[0] & 0x0f) == 1, "NAA designator code set %d, want 1 (binary)", na[0] & 0x0f);
	naa = na[4] >> 4;
	CHECK((naa == 2 && da == 8) || (naa == 3 && da == 8) || (naa == 5 && da == 8) ||
	      (naa == 6 && da == 16), "NAA type %d with designator length %d", naa, da);
	hexstr(h1, sizeof(h1), na + 4, da);
	hexstr(h2, sizeof(h2), nc + 4, dc);
	t_diag("NAA: odx0 %s, odx1 %s", h1, h2);
	CHECK(nb && db == da && !memcmp(na, nb, 4 + da), "odx0's NAA changed between calls");
	CHECK(dc != da || memcmp(na + 4, nc + 4, da), "odx0 and odx1 have the same NAA %s", h1);
}

static void t_inquiry_vpd8f(void)
{
	uint8_t *b = xalloc_tmp(4096);
	int fd = dev_open(0, O_RDWR), len, off, first = -1, i;
	bool seen1 = false, seen106 = false, seen108 = false, seen8001 = false;
	bool pt = false, wut = false, rrti = false, pit = false;
	unsigned long long max_ranges = setting_u64("max_ranges");
	unsigned long long max_ttl = param_u64("max_ttl_ms");
	unsigned long long def_ttl = param_u64("default_ttl_ms");
	unsigned long long mtb = setting_u64("max_token_bytes");
	unsigned long long mxb = setting_u64("max_transfer_bytes");
	unsigned long long lim = (mtb < mxb ? mtb : mxb) / bs;
	uint32_t max_ito = 0;

	len = vpd(fd, 0x8F, b);
	CHECK(b[0] == 0x00, "VPD 0x8F byte 0 0x%02x", b[0]);
	for (off = 4; off + 4 <= len; off += 4 + get16(b + off + 2)) {
		int type = get16(b + off), dl = get16(b + off + 2);
		const uint8_t *d = b + off;

		if (first < 0)
			first = type;
		CHECK(off + 4 + dl <= len, "descriptor 0x%04x at %d runs past the page", type, off);
		if (off + 4 + dl > len)
			break;
		CHECK((4 + dl) % 4 == 0, "descriptor 0x%04x length %d: not a multiple of 4", type,
		      4 + dl);
		switch (type) {
		case 0x0000:
			CHECK(dl == 0x20, "Block Device ROD Token Limits length 0x%x, want 0x20", dl);
			max_ito = get32(d + 12);
			CHECK(get16(d + 10) == max_ranges, "maximum range descriptors %u, "
			      "max_ranges %llu", get16(d + 10), max_ranges);
			CHECK(max_ito == max_ttl / 1000, "maximum inactivity timeout %u s, "
			      "max_ttl_ms %llu", max_ito, max_ttl);
			CHECK(get32(d + 16) == def_ttl / 1000, "default inactivity timeout %u s, "
			      "default_ttl_ms %llu", get32(d + 16), def_ttl);
			CHECK(get64(d + 20) == lim, "maximum token transfer size %" PRIu64
			      " blocks, want min(max_token_bytes %llu, max_transfer_bytes %llu) / %u"
			      " = %llu", get64(d + 20), mtb, mxb, bs, lim);
			CHECK(get64(d + 28) && get64(d + 28) <= get64(d + 20), "optimal transfer "
			      "count %" PRIu64 " (maximum %" PRIu64 ")", get64(d + 28), get64(d + 20));
			t_diag("ROD token limits: ranges %u, max ITO %u s, default ITO %u s, max "
			       "transfer %" PRIu64 " blocks, optimal %" PRIu64 " blocks",
			       get16(d + 10), max_ito, get32(d + 16), get64(d + 20), get64(d + 28));
			break;
		case 0x0001: {
			int l = d[4], j = 0;

			seen1 = true;
			CHECK(l < dl, "supported commands list length %d >= descriptor length %d",
			      l, dl);
			while (j + 2 <= l && 5 + j + 2 <= 4 + dl) {
				int op = d[5 + j], n = d[6 + j], k;

				for (k = 0; k < n && 7 + j + k < 4 + dl; k++) {
					pt |= op == 0x83 && d[7 + j + k] == 0x10;
					wut |= op == 0x83 && d[7 + j + k] == 0x11;
					rrti |= op == 0x84 && d[7 + j + k] == 0x07;
				}
				j += 2 + n;
			}
			CHECK(j == l, "supported commands list does not end at its length "
			      "(%d vs %d)", j, l);
			break;
		}
		case 0x0106:
			seen106 = true;
			CHECK(dl >= 44, "ROD token features length %d", dl);
			if (dl >= 24)
				t_diag("ROD token features: remote tokens %d, min lifetime %u, max "
				       "lifetime %u, max inactivity %u", d[4] & 0x0f, get32(d + 16),
				       get32(d + 20), get32(d + 24));
			if (dl >= 24 && max_ito)
				CHECK(get32(d + 24) == max_ito, "ROD token features: maximum token "
				      "inactivity timeout %u, Block Device ROD Token Limits says %u",
				      get32(d + 24), max_ito);
			break;
		case 0x0108: {
			int l = get16(d + 6), j;

			seen108 = true;
			CHECK(8 + l <= 4 + dl && l % 64 == 0, "supported ROD types list length %d "
			      "(descriptor length %d)", l, dl);
			for (j = 0; j + 64 <= l && 8 + j + 64 <= 4 + dl; j += 64) {
				uint32_t t = get32(d + 8 + j);

				t_diag("supported ROD type 0x%08x flags 0x%02x", t, d[8 + j + 4]);
				if (t == ROD_PIT_DEFAULT) {
					pit = true;
					CHECK((d[8 + j + 4] & 3) == 3, "ROD type 0x00800000: TOKEN_IN/"
					      "TOKEN_OUT flags 0x%02x, want both", d[8 + j + 4]);
				}
			}
			break;
		}
		case 0x8001:
			seen8001 = true;
			CHECK(dl == 0x20, "General Copy Operations length 0x%x, want 0x20", dl);
			break;
		default:
			t_diag("descriptor type 0x%04x length %d", type, dl);
			break;
		}
	}
	CHECK(off == len, "descriptors end at %d, page at %d", off, len);
	CHECK(first == 0x0000, "first descriptor is 0x%04x, Windows wants Block Device ROD "
	      "Token Limits (0x0000) first", first);
	CHECK(seen1, "no Supported Commands descriptor (0x0001)");
	CHECK(seen106, "no ROD Token Features descriptor (0x0106)");
	CHECK(seen108, "no Supported ROD Types descriptor (0x0108)");
	CHECK(seen8001, "no General Copy Operations descriptor (0x8001)");
	CHECK(pt && wut && rrti, "Supported Commands lacks PT %d / WUT %d / RRTI %d", pt, wut,
	      rrti);
	CHECK(pit, "Supported ROD Types lacks 0x00800000 (point in time, default)");
	i = vpd(dev_open(1, O_RDONLY), 0x8F, b);
	CHECK(i == len, "odx1's VPD 0x8F is %d bytes, odx0's %d", i, len);
}

static void t_inquiry_vpdb0(void)
{
	uint8_t *b = xalloc_tmp(4096);
	int len = vpd(dev_open(0, O_RDWR), 0xB0, b);
	uint32_t mtl;

	CHECK(len == 0x40, "Block Limits page length %d, want 0x40 (SBC-3)", len);
	mtl = get32(b + 8);
	CHECK(mtl != 0 && (uint64_t)mtl * bs <= MAX_DXFER, "maximum transfer length %u blocks: "
	      "want non-zero and at most the 8 MiB SG_IO limit (%llu blocks)", mtl,
	      MAX_DXFER / bs);
	CHECK(get32(b + 12) <= mtl, "optimal transfer length %u > maximum %u", get32(b + 12), mtl);
	t_diag("block limits: OTLG %u, max transfer %u, optimal transfer %u blocks", get16(b + 6),
	       mtl, get32(b + 12));
}

static void t_readcap(void)
{
	uint8_t rc10[10] = { 0x25 }, rc16[16] = { 0x9E, 0x10 }, *b = xalloc_tmp(64);
	struct sgr r;
	unsigned int idx;

	put32(rc16 + 10, 32);
	for (idx = 0; idx < 2; idx++) {
		int fd = dev_open(idx, O_RDONLY);

		sg_cmd(fd, rc10, 10, SG_DXFER_FROM_DEV, b, 8, &r);
		if (chk_good(&r, "READ CAPACITY(10)")) {
			CHECK(get32(b) == nblocks - 1, "odx%u READ CAPACITY(10) last LBA %u, want %"
			      PRIu64, idx, get32(b), nblocks - 1);
			CHECK(get32(b + 4) == bs, "READ CAPACITY(10) block length %u, want %u",
			      get32(b + 4), bs);
		}
		memset(b, 0xEE, 64);
		sg_cmd(fd, rc16, 16, SG_DXFER_FROM_DEV, b, 32, &r);
		if (chk_good(&r, "READ CAPACITY(16)")) {
			CHECK(get64(b) == nblocks - 1, "odx%u READ CAPACITY(16) last LBA %" PRIu64
			      ", want %" PRIu64, idx, get64(b), nblocks - 1);
			CHECK(get32(b + 8) == bs, "READ CAPACITY(16) block length %u", get32(b + 8));
			CHECK((b[12] & 1) == 0, "PROT_EN set");
			t_diag("READ CAPACITY(16): LBPPBE %d, byte 14 0x%02x", b[13] & 0x0f, b[14]);
		}
	}
}

static void t_read_write(void)
{
	const uint32_t n = 24;
	int fd = dev_open(0, O_RDWR);
	uint8_t *w = xalloc_tmp(n * bs), *g = xalloc_tmp(n * bs), cdb[16];
	struct area a;
	struct sgr r;
	int len;

	area_init(&a, 0, 1000, 200);
	for (len = 10; len <= 16; len += 2) {
		uint64_t lba = len == 10 ? 1010 : len == 12 ? 1040 : 1100;
		char wn[32], rn[32];

		if (len == 14)
			continue;
		snprintf(wn, sizeof(wn), "WRITE(%d)", len);
		snprintf(rn, sizeof(rn), "READ(%d)", len);
		pat_fill(w, n * bs, t_seed(), lba * bs);
		scsi_rw(fd, len, true, lba, n, w, &r);
		if (chk_good(&r, wn))
			area_put(&a, lba, n, w);
		area_check(&a, wn);
		/* and read it back through SCSI */
		scsi_rw(fd, len, false, lba, n, g, &r);
		if (chk_good(&r, rn))
			buf_same(rn, g, w, n * bs, lba * bs);
		CHECK(r.resid == 0, "READ resid %d", r.resid);
	}
	/* data written with pwrite, read with READ(16) */
	blk_fill(0, 1150, n, t_seed());
	dev_pread(0, w, n * bs, 1150ULL * bs);
	area_put(&a, 1150, n, w);
	scsi_rw(fd, 16, false, 1150, n, g, &r);
	if (chk_good(&r, "READ(16) of pwrite data"))
		buf_same("READ(16) of pwrite data", g, w, n * bs, 1150ULL * bs);
	/* transfer length 0 writes nothing */
	cdb_rw(cdb, 10, true, 1020, 0);
	sg_cmd(fd, cdb, 10, SG_DXFER_NONE, NULL, 0, &r);
	chk_good(&r, "WRITE(10) of 0 blocks");
	area_check(&a, "after WRITE(10) of 0 blocks");
	/* FUA is accepted */
	pat_fill(w, bs, t_seed(), 1050ULL * bs);
	cdb_rw(cdb, 10, true, 1050, 1);
	cdb[1] |= 0x08;
	sg_cmd(fd, cdb, 10, SG_DXFER_TO_DEV, w, bs, &r);
	if (chk_good(&r, "WRITE(10) FUA"))
		area_put(&a, 1050, 1, w);
	area_check(&a, "after WRITE(10) FUA");
	/* RDPROTECT / WRPROTECT: no protection information, an invalid field */
	cdb_rw(cdb, 10, false, 1050, 1);
	cdb[1] |= 0x20;
	sg_cmd(fd, cdb, 10, SG_DXFER_FROM_DEV, g, bs, &r);
	if (chk_sense(&r, ILLEGAL_REQUEST, 0x24, 0x00, "READ(10) with RDPROTECT 1"))
		chk_field(&r, 1, 1, "READ(10) with RDPROTECT 1");
	cdb_rw(cdb, 16, true, 1050, 1);
	cdb[1] |= 0x60;
	sg_cmd(fd, cdb, 16, SG_DXFER_TO_DEV, w, bs, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x24, 0x00, "WRITE(16) with WRPROTECT 3");
	area_check(&a, "after WRITE(16) with WRPROTECT 3");
	/* the last block */
	pat_fill(w, bs, t_seed(), (nblocks - 1) * bs);
	scsi_rw(fd, 16, true, nblocks - 1, 1, w, &r);
	chk_good(&r, "WRITE(16) of the last block");
	scsi_rw(fd, 10, false, nblocks - 1, 1, g, &r);
	if (chk_good(&r, "READ(10) of the last block"))
		buf_same("last block", g, w, bs, (nblocks - 1) * bs);
	/* on odx1 too */
	pat_fill(w, n * bs, t_seed(), 0);
	scsi_rw(dev_open(1, O_RDWR), 10, true, 0, n, w, &r);
	chk_good(&r, "WRITE(10) on odx1");
	dev_pread(1, g, n * bs, 0);
	buf_same("odx1 after WRITE(10)", g, w, n * bs, 0);
}

static void t_rw_lba_out_of_range(void)
{
	int fd = dev_open(0, O_RDWR), len;
	uint8_t *b = xalloc_tmp(2 * bs);
	struct snap s;
	struct sgr r;
	char w[100];

	snap_take(&s);
	for (len = 10; len <= 16; len += 6) {
		const uint64_t lbas[] = { nblocks - 1, nblocks, nblocks + 1000, len == 10 ?
					  0xffffffffULL : ~0ULL };
		unsigned int i;

		for (i = 0; i < 4; i++) {
			scsi_rw(fd, len, false, lbas[i], 2, b, &r);
			snprintf(w, sizeof(w), "READ(%d) of 2 blocks at LBA %" PRIu64, len, lbas[i]);
			chk_sense(&r, ILLEGAL_REQUEST, 0x21, 0x00, w);
			memset(b, 0x99, 2 * bs);
			scsi_rw(fd, len, true, lbas[i], 2, b, &r);
			snprintf(w, sizeof(w), "WRITE(%d) of 2 blocks at LBA %" PRIu64, len, lbas[i]);
			chk_sense(&r, ILLEGAL_REQUEST, 0x21, 0x00, w);
		}
	}
	snap_same(&s, "after the out-of-range READs and WRITEs");
}

/* MODE SENSE: the control page of a device; returns the offset of the page in b. */
static int mode_sense(int fd, int len, int pc, int page, uint8_t *b, struct sgr *r)
{
	uint8_t c[10] = { 0 };

	memset(b, 0, 512);
	if (len == 6) {
		c[0] = 0x1A;
		c[2] = pc << 6 | page;
		c[4] = 255;
		sg_cmd(fd, c, 6, SG_DXFER_FROM_DEV, b, 255, r);
		if (r->ret || r->status)
			return -1;
		CHECK(b[0] + 1 + r->resid == 255, "MODE SENSE(6): mode data length %d, resid %d",
		      b[0], r->resid);
		return 4 + b[3];
	}
	c[0] = 0x5A;
	c[2] = pc << 6 | page;
	put16(c + 7, 512);
	sg_cmd(fd, c, 10, SG_DXFER_FROM_DEV, b, 512, r);
	if (r->ret || r->status)
		return -1;
	CHECK(get16(b) + 2 + r->resid == 512, "MODE SENSE(10): mode data length %d, resid %d",
	      get16(b), r->resid);
	return 8 + get16(b + 6);
}

static void t_mode_sense_control(void)
{
	uint8_t *b = xalloc_tmp(512);
	int fd = dev_open(0, O_RDWR), len, off, pc;
	struct sgr r;
	char w[80];

	for (len = 6; len <= 10; len += 4) {
		for (pc = 0; pc < 3; pc++) {
			snprintf(w, sizeof(w), "MODE SENSE(%d) control page, PC %d", len, pc);
			off = mode_sense(fd, len, pc, 0x0A, b, &r);
			if (!chk_good(&r, w))
				continue;
			CHECK((b[off] & 0x3f) == 0x0A && b[off + 1] == 0x0A, "%s: page 0x%02x "
			      "length 0x%02x", w, b[off] & 0x3f, b[off + 1]);
			if (pc == 1)
				CHECK(b[off + 2] & 0x04, "%s: D_SENSE is not changeable", w);
			else
				CHECK(!(b[off + 2] & 0x04), "%s: D_SENSE set by default", w);
		}
	}
	/* all pages includes the control page */
	off = mode_sense(fd, 10, 0, 0x3F, b, &r);
	if (chk_good(&r, "MODE SENSE(10) all pages")) {
		int end = get16(b) + 2, found = 0;

		while (off + 2 <= end) {
			if ((b[off] & 0x3f) == 0x0A)
				found = 1;
			off += 2 + b[off + 1];
		}
		CHECK(found, "MODE SENSE(10) page 0x3F lacks the control page");
	}
}

/* MODE SELECT of the control page with D_SENSE = on. */
static void set_dsense(int fd, int len, bool on, struct sgr *r)
{
	uint8_t b[512], p[64] = { 0 }, c[10] = { 0 };
	struct sgr rs;
	int off = mode_sense(fd, 10, 0, 0x0A, b, &rs), hl = len == 6 ? 4 : 8;

	REQUIRE(chk_good(&rs, "MODE SENSE(10) before MODE SELECT"), " ");
	memcpy(p + hl, b + off, 12);
	p[hl] &= 0x3f;		/* PS is reserved in MODE SELECT */
	p[hl + 2] = (p[hl + 2] & ~0x04) | (on ? 0x04 : 0);
	if (len == 6) {
		c[0] = 0x15;
		c[1] = 0x10;	/* PF */
		c[4] = hl + 12;
		sg_cmd(fd, c, 6, SG_DXFER_TO_DEV, p, hl + 12, r);
	} else {
		c[0] = 0x55;
		c[1] = 0x10;
		put16(c + 7, hl + 12);
		sg_cmd(fd, c, 10, SG_DXFER_TO_DEV, p, hl + 12, r);
	}
}

static void dsense_off(void *arg)
{
	int fd = open(dev_path((unsigned int)(uintptr_t)arg), O_RDWR | O_CLOEXEC);
	struct sgr r;

	if (fd >= 0) {
		set_dsense(fd, 10, false, &r);
		close(fd);
	}
}

static void t_mode_select_dsense(void)
{
	uint8_t *b = xalloc_tmp(512), bad_op[16] = { 0xC0 }, tok[512];
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR), off;
	struct rng src = { 800, 8 }, dst = { 900, 8 }, past = { nblocks - 4, 8 };
	struct snap s;
	struct sgr r;

	t_defer(dsense_off, (void *)0);
	scsi_mint(fd0, 0, &src, 1, long_ito(), tok);
	set_dsense(fd0, 10, true, &r);
	REQUIRE(chk_good(&r, "MODE SELECT(10) D_SENSE=1"), " ");
	off = mode_sense(fd0, 6, 0, 0x0A, b, &r);
	if (chk_good(&r, "MODE SENSE(6) after D_SENSE=1"))
		CHECK(b[off + 2] & 0x04, "MODE SENSE does not show D_SENSE=1");

	snap_take(&s);
	sg_cmd(fd0, bad_op, 16, SG_DXFER_NONE, NULL, 0, &r);
	chk_sense_fmt(&r, ILLEGAL_REQUEST, 0x20, 0x00, true, "unknown opcode, D_SENSE=1");
	pt_cmd(fd0, 0x601, &past, 1, 0, 0, 0, &r);
	chk_sense_fmt(&r, ILLEGAL_REQUEST, 0x21, 0x00, true, "POPULATE TOKEN past capacity, "
		      "D_SENSE=1");
	tok[300] ^= 0x40;
	wut_cmd(fd0, 0x602, tok, 0, &dst, 1, 0, &r);
	chk_sense_fmt(&r, ILLEGAL_REQUEST, 0x23, 0x04, true, "WRITE USING TOKEN with an "
		      "altered token, D_SENSE=1");
	tok[300] ^= 0x40;
	{
		uint8_t rr[16];

		cdb_3pc(rr, 0x84, 0x07, 0x7fff0001, 1024);
		sg_cmd(fd0, rr, 16, SG_DXFER_FROM_DEV, b, 512, &r);
		chk_sense_fmt(&r, ILLEGAL_REQUEST, 0x24, 0x00, true, "RRTI unknown list id, "
			      "D_SENSE=1");
	}
	/* per device: odx1 still answers fixed format */
	sg_cmd(fd1, bad_op, 16, SG_DXFER_NONE, NULL, 0, &r);
	chk_sense_fmt(&r, ILLEGAL_REQUEST, 0x20, 0x00, false, "unknown opcode on odx1 while "
		      "odx0 has D_SENSE=1");
	snap_same(&s, "after the descriptor-sense errors");

	/* MODE SELECT(6) turns it off again */
	set_dsense(fd0, 6, false, &r);
	chk_good(&r, "MODE SELECT(6) D_SENSE=0");
	sg_cmd(fd0, bad_op, 16, SG_DXFER_NONE, NULL, 0, &r);
	chk_sense_fmt(&r, ILLEGAL_REQUEST, 0x20, 0x00, false, "unknown opcode after D_SENSE=0");
	/* and MODE SELECT(6) on works too */
	set_dsense(fd1, 6, true, &r);
	t_defer(dsense_off, (void *)1);
	if (chk_good(&r, "MODE SELECT(6) D_SENSE=1 on odx1")) {
		sg_cmd(fd1, bad_op, 16, SG_DXFER_NONE, NULL, 0, &r);
		chk_sense_fmt(&r, ILLEGAL_REQUEST, 0x20, 0x00, true, "unknown opcode on odx1 "
			      "after MODE SELECT(6) D_SENSE=1");
	}
}

static void t_mode_bad(void)
{
	uint8_t *b = xalloc_tmp(512), *m = xalloc_tmp(512), p[64] = { 0 }, c[10] = { 0 };
	uint8_t orig[12];
	int fd = dev_open(0, O_RDWR), off, moff, i, bit = -1;
	struct snap s;
	struct sgr r;

	off = mode_sense(fd, 10, 0, 0x08, b, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x24, 0x00, "MODE SENSE(10) of page 0x08");
	off = mode_sense(fd, 6, 0, 0x1C, b, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x24, 0x00, "MODE SENSE(6) of page 0x1C");

	snap_take(&s);
	/* MODE SELECT of page 0x08 */
	p[8] = 0x08;
	p[9] = 0x12;
	c[0] = 0x55;
	c[1] = 0x10;
	put16(c + 7, 8 + 20);
	sg_cmd(fd, c, 10, SG_DXFER_TO_DEV, p, 8 + 20, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x26, 0x00, "MODE SELECT(10) of page 0x08");
	/* the control page with a wrong page length */
	off = mode_sense(fd, 10, 0, 0x0A, b, &r);
	REQUIRE(chk_good(&r, "MODE SENSE(10) control page"), " ");
	memcpy(orig, b + off, 12);
	memset(p, 0, sizeof(p));
	memcpy(p + 8, b + off, 12);
	p[8] &= 0x3f;
	p[9] = 0x0B;
	put16(c + 7, 8 + 13);
	sg_cmd(fd, c, 10, SG_DXFER_TO_DEV, p, 8 + 13, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x26, 0x00, "MODE SELECT(10) control page with page "
		  "length 0x0B");
	/* a bit the changeable mask says is not changeable */
	moff = mode_sense(fd, 10, 1, 0x0A, m, &r);
	REQUIRE(chk_good(&r, "MODE SENSE(10) changeable control page"), " ");
	for (i = 2 * 8; i < 12 * 8 && bit < 0; i++)
		if (!(m[moff + i / 8] & (0x80 >> (i % 8))))
			bit = i;
	if (bit >= 0) {
		memcpy(p + 8, b + off, 12);
		p[8] &= 0x3f;
		p[8 + bit / 8] ^= 0x80 >> (bit % 8);
		put16(c + 7, 8 + 12);
		sg_cmd(fd, c, 10, SG_DXFER_TO_DEV, p, 8 + 12, &r);
		chk_sense(&r, ILLEGAL_REQUEST, 0x26, 0x00, "MODE SELECT(10) changing a bit the "
			  "changeable mask does not allow");
		t_diag("flipped control page byte %d bit %d", bit / 8, 7 - bit % 8);
	}
	/* and the page is as it was */
	off = mode_sense(fd, 10, 0, 0x0A, m, &r);
	if (chk_good(&r, "MODE SENSE(10) after the bad MODE SELECTs"))
		CHECK(!memcmp(m + off, orig, 12), "control page changed");
	snap_same(&s, "after the bad MODE SELECTs");
}

static void t_report_opcodes(void)
{
	static const struct { uint8_t op; int sa; int cdblen; } need[] = {
		{ 0x00, -1, 6 }, { 0x12, -1, 6 }, { 0x25, -1, 10 }, { 0x9E, 0x10, 16 },
		{ 0x28, -1, 10 }, { 0x88, -1, 16 }, { 0x2A, -1, 10 }, { 0x8A, -1, 16 },
		{ 0xA8, -1, 12 }, { 0xAA, -1, 12 },
		{ 0x1A, -1, 6 }, { 0x5A, -1, 10 }, { 0x15, -1, 6 }, { 0x55, -1, 10 },
		{ 0x83, 0x10, 16 }, { 0x83, 0x11, 16 }, { 0x84, 0x07, 16 }, { 0xA3, 0x0C, 12 },
	};
	uint8_t *b = xalloc_tmp(8192), c[12] = { 0xA3, 0x0C };
	int fd = dev_open(0, O_RDWR);
	unsigned int i;
	uint32_t len, off;
	struct sgr r;

	put32(c + 6, 8192);
	sg_cmd(fd, c, 12, SG_DXFER_FROM_DEV, b, 8192, &r);
	REQUIRE(chk_good(&r, "REPORT SUPPORTED OPERATION CODES (all)"), " ");
	len = get32(b) + 4;
	CHECK(len <= 8192 && r.resid == (int)(8192 - len), "command data length %u, resid %d",
	      len - 4, r.resid);
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		bool found = false;

		for (off = 4; off + 8 <= len; off += 8 + ((b[off + 5] & 2) ? 12 : 0)) {
			bool servactv = b[off + 5] & 1;

			if (b[off] != need[i].op)
				continue;
			if (need[i].sa >= 0 && (!servactv || get16(b + off + 2) != need[i].sa))
				continue;
			found = true;
			CHECK(get16(b + off + 6) == need[i].cdblen, "opcode 0x%02x/0x%02x: CDB "
			      "length %u, want %d", need[i].op, need[i].sa < 0 ? 0 : need[i].sa,
			      get16(b + off + 6), need[i].cdblen);
		}
		CHECK(found, "opcode 0x%02x service action 0x%02x not reported", need[i].op,
		      need[i].sa < 0 ? 0 : need[i].sa);
	}
	/* one command: POPULATE TOKEN */
	memset(c, 0, sizeof(c));
	c[0] = 0xA3;
	c[1] = 0x0C;
	c[2] = 0x02;
	c[3] = 0x83;
	put16(c + 4, 0x10);
	put32(c + 6, 512);
	sg_cmd(fd, c, 12, SG_DXFER_FROM_DEV, b, 512, &r);
	if (chk_good(&r, "REPORT SUPPORTED OPERATION CODES 0x83/0x10")) {
		CHECK((b[1] & 7) == 3, "0x83/0x10 SUPPORT field %d, want 3", b[1] & 7);
		CHECK(get16(b + 2) == 16 && b[4] == 0x83, "0x83/0x10: CDB size %u, usage[0] "
		      "0x%02x", get16(b + 2), b[4]);
	}
	put16(c + 4, 0x1F);
	sg_cmd(fd, c, 12, SG_DXFER_FROM_DEV, b, 512, &r);
	if (chk_good(&r, "REPORT SUPPORTED OPERATION CODES 0x83/0x1F"))
		CHECK((b[1] & 7) == 1, "0x83/0x1F SUPPORT field %d, want 1 (not supported)",
		      b[1] & 7);
	/* one command without service action: READ(10) */
	c[2] = 0x01;
	c[3] = 0x28;
	put16(c + 4, 0);
	sg_cmd(fd, c, 12, SG_DXFER_FROM_DEV, b, 512, &r);
	if (chk_good(&r, "REPORT SUPPORTED OPERATION CODES 0x28"))
		CHECK((b[1] & 7) == 3 && get16(b + 2) == 10, "0x28: SUPPORT %d, CDB size %u",
		      b[1] & 7, get16(b + 2));
}

static void t_unknown_opcode(void)
{
	static const uint8_t ops[] = { 0xC0, 0xE5, 0xFF, 0x02, 0xA9 };
	static const uint8_t sas[][2] = { { 0x83, 0x1F }, { 0x84, 0x1F }, { 0x83, 0x00 },
					  { 0x9E, 0x1F }, { 0xA3, 0x1F } };
	int fd = dev_open(0, O_RDWR);
	uint8_t c[16], *b = xalloc_tmp(512);
	struct snap s;
	struct sgr r;
	unsigned int i;
	char w[80];

	snap_take(&s);
	for (i = 0; i < sizeof(ops); i++) {
		memset(c, 0, sizeof(c));
		c[0] = ops[i];
		sg_cmd(fd, c, 16, SG_DXFER_NONE, NULL, 0, &r);
		snprintf(w, sizeof(w), "opcode 0x%02x", ops[i]);
		chk_sense(&r, ILLEGAL_REQUEST, 0x20, 0x00, w);
		sg_cmd(fd, c, 10, SG_DXFER_FROM_DEV, b, 512, &r);
		snprintf(w, sizeof(w), "opcode 0x%02x (10 bytes, data in)", ops[i]);
		chk_sense(&r, ILLEGAL_REQUEST, 0x20, 0x00, w);
	}
	for (i = 0; i < sizeof(sas) / sizeof(sas[0]); i++) {
		memset(c, 0, sizeof(c));
		c[0] = sas[i][0];
		c[1] = sas[i][1];
		put32(c + 10, 64);
		sg_cmd(fd, c, sas[i][0] == 0xA3 ? 12 : 16, SG_DXFER_NONE, NULL, 0, &r);
		snprintf(w, sizeof(w), "opcode 0x%02x service action 0x%02x", sas[i][0], sas[i][1]);
		/* a service action odx does not serve: not implemented, as LIO says */
		chk_sense(&r, ILLEGAL_REQUEST, 0x20, 0x00, w);
	}
	snap_same(&s, "after the unknown opcodes");
}

/* ------------------------------------------------------------------------ */
/* Cases: token copy */

static void t_pt_rrti_wut(void)
{
	const struct rng src[] = { { 100, 64 }, { 3000, 8 }, { 9001, 200 } };
	const struct rng dst1[] = { { 12000, 100 }, { 13000, 172 } };
	const struct rng dst0[] = { { 9500, 272 } };
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR);
	struct area a0s, a0d, a1;
	uint8_t tok[512], *data;
	long long live0 = ctl_stat("tokens_live");
	uint64_t tc;
	struct rrti o;

	area_init(&a0s, 0, 100, 9101);
	area_init(&a0d, 0, 9490, 300);
	area_init(&a1, 1, 11990, 1200);
	data = area_gather(&a0s, src, 3);

	tc = scsi_mint(fd0, 0, src, 3, 0, tok);
	CHECK(tc == 272, "POPULATE TOKEN transfer count %" PRIu64 ", want 272", tc);
	CHECK(get32(tok) == ROD_PIT_DEFAULT, "ROD type 0x%08x", get32(tok));
	CHECK(get16(tok + 6) == 0x1F8, "ROD token length 0x%x", get16(tok + 6));
	CHECK(ctl_stat("tokens_live") == live0 + 1, "tokens_live %lld, want %lld",
	      ctl_stat("tokens_live"), live0 + 1);
	/* RRTI can be asked again */
	rrti_done(fd0, next_lid - 1, 0x10, &o, "second RRTI");
	CHECK(o.has_tok && !memcmp(o.tok, tok, 512), "second RRTI returned another token");

	tc = scsi_wut_ok(fd1, tok, 0, dst1, 2, 0, "WRITE USING TOKEN to odx1");
	CHECK(tc == 272, "WUT transfer count %" PRIu64 ", want 272", tc);
	area_scatter(&a1, dst1, 2, data, 272);
	area_check(&a1, "odx1 after WRITE USING TOKEN");

	tc = scsi_wut_ok(fd0, tok, 0, dst0, 1, 0, "WRITE USING TOKEN within odx0");
	CHECK(tc == 272, "WUT transfer count %" PRIu64 ", want 272", tc);
	area_scatter(&a0d, dst0, 1, data, 272);
	area_check(&a0d, "odx0 after WRITE USING TOKEN");
	area_check(&a0s, "the source after the copies");
}

static void t_wut_offset_into_rod(void)
{
	const struct rng src = { 2000, 256 };
	const struct rng d1[] = { { 6000, 30 }, { 6100, 20 } };
	const struct rng d2 = { 6200, 56 };
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR);
	struct area s, d;
	uint8_t tok[512], *data;
	uint64_t tc;

	area_init(&s, 0, 2000, 256);
	area_init(&d, 1, 5990, 300);
	data = area_gather(&s, &src, 1);
	scsi_mint(fd0, 0, &src, 1, long_ito(), tok);

	tc = scsi_wut_ok(fd1, tok, 100, d1, 2, 0, "WUT offset into ROD 100");
	CHECK(tc == 50, "transfer count %" PRIu64 ", want 50", tc);
	area_scatter(&d, d1, 2, data + 100 * bs, 50);
	tc = scsi_wut_ok(fd1, tok, 200, &d2, 1, 0, "WUT offset into ROD 200 (to the end)");
	CHECK(tc == 56, "transfer count %" PRIu64 ", want 56", tc);
	area_scatter(&d, &d2, 1, data + 200 * bs, 56);
	area_check(&d, "after the offset WUTs");
}

/* The token runs out before the destination is full. */
static void t_wut_short_token(void)
{
	const struct rng src = { 2500, 40 }, dst = { 7000, 100 };
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR);
	uint32_t lid = next_lid++;
	struct area s, d;
	uint8_t tok[512];
	struct rrti o;
	struct sgr r;

	area_init(&s, 0, 2500, 40);
	area_init(&d, 1, 6990, 120);
	scsi_mint(fd0, 0, &src, 1, long_ito(), tok);
	wut_cmd(fd1, lid, tok, 8, &dst, 1, 0, &r);
	t_diag("WUT of 100 blocks from a 40-block token at offset 8: %s", sgr_str(&r));
	if (r.ret == 0 && r.status == 0) {
		rrti_cmd(fd1, lid, &o, &r);
		if (chk_good(&r, "RRTI after the short WUT")) {
			t_diag("RRTI: copy operation status 0x%02x, transfer count %" PRIu64,
			       o.status, o.tc);
			CHECK(o.tc == 32, "transfer count %" PRIu64 ", want the 32 blocks the token "
			      "still had", o.tc);
			CHECK(o.status == 0x03 || o.status == 0x04, "copy operation status "
			      "0x%02x after a short copy, want 0x03 or 0x04", o.status);
		}
		area_scatter(&d, &dst, 1, area_gather(&s, &src, 1) + 8 * bs, 32);
	} else {
		chk_sense(&r, ILLEGAL_REQUEST, -1, -1, "the short WUT, if refused");
	}
	area_check(&d, "after the short WUT");
}

static void t_rod_token_format(void)
{
	const struct rng src[] = { { 300, 16 }, { 700, 9 } };
	int fd0 = dev_open(0, O_RDWR), dlen = 0;
	uint8_t stok[512], dtok[512], *v = xalloc_tmp(4096), bytes[16] = { 0 };
	const uint8_t *naa;
	char h1[200], h2[200];
	int vlen;

	blk_fill(0, 300, 16, t_seed());
	blk_fill(0, 700, 9, t_seed());
	scsi_mint(fd0, 0, src, 2, long_ito(), stok);
	REQUIRE(dsm_read(fd0, src, 2, 0, dtok, NULL) == 0, "DSM offload read: %s",
		strerror(errno));
	hold_token(0, dtok);

	CHECK(get32(stok) == ROD_PIT_DEFAULT, "ROD type 0x%08x", get32(stok));
	CHECK(get16(stok + 4) == 0, "reserved bytes 4-5 0x%04x", get16(stok + 4));
	CHECK(get16(stok + 6) == 0x1F8, "ROD token length 0x%x", get16(stok + 6));
	put64(bytes + 8, 25ULL * bs);
	hexstr(h1, sizeof(h1), stok + 48, 16);
	CHECK(!memcmp(stok + 48, bytes, 16), "number of bytes represented: %s, want %llu",
	      h1, 25ULL * bs);
	CHECK(stok[16] == 0xE4, "creator logical unit descriptor type 0x%02x, want 0xE4",
	      stok[16]);
	vlen = vpd(fd0, 0x83, v);
	naa = find_naa(v, vlen, &dlen);
	if (naa) {
		hexstr(h1, sizeof(h1), stok + 20, 4 + dlen);
		hexstr(h2, sizeof(h2), naa, 4 + dlen);
		CHECK(!memcmp(stok + 20, naa, 4 + dlen), "creator designation descriptor %s, VPD "
		      "0x83 NAA descriptor %s", h1, h2);
	}
	hexstr(h1, sizeof(h1), stok + 16, 32);
	hexstr(h2, sizeof(h2), dtok + 16, 32);
	CHECK(!memcmp(stok + 16, dtok + 16, 32), "creator descriptor differs from the DSM "
	      "token's: SCSI %s, DSM %s", h1, h2);
	hexstr(h1, sizeof(h1), stok + 96, 32);
	hexstr(h2, sizeof(h2), dtok + 96, 32);
	CHECK(!memcmp(stok + 96, dtok + 96, 32), "device type specific data differs from the "
	      "DSM token's: SCSI %s, DSM %s", h1, h2);
	CHECK(memcmp(stok + 128, dtok + 128, 384), "SCSI and DSM tokens share their random part");
	CHECK(memcmp(stok + 8, dtok + 8, 8), "SCSI and DSM tokens have the same identifier");
	t_diag("device type specific data: %s", h1);
	{
		uint8_t rc16[16] = { 0x9E, 0x10 }, *rc = xalloc_tmp(32);
		struct sgr r;

		put32(rc16 + 10, 32);
		sg_cmd(fd0, rc16, 16, SG_DXFER_FROM_DEV, rc, 32, &r);
		if (chk_good(&r, "READ CAPACITY(16)")) {
			hexstr(h2, sizeof(h2), rc, 12);
			CHECK(!memcmp(stok + 96, rc, 12), "device type specific data does not "
			      "start with the READ CAPACITY(16) data %s", h2);
		}
	}
}

static void t_pt_immed(void)
{
	const struct rng src = { 1200, 32 }, dst = { 8000, 32 };
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR);
	uint32_t lid = next_lid++;
	struct area s, d;
	struct rrti o;
	struct sgr r;

	area_init(&s, 0, 1200, 32);
	area_init(&d, 1, 7990, 60);
	pt_cmd(fd0, lid, &src, 1, 0, PT_IMMED, 0, &r);
	REQUIRE(chk_good(&r, "POPULATE TOKEN with IMMED"), " ");
	rrti_cmd(fd0, lid, &o, &r);
	REQUIRE(chk_good(&r, "RRTI right after PT IMMED"), " ");
	CHECK(o.status == 0x01, "copy operation status 0x%02x right after PT IMMED, want 0x01 "
	      "(synchronous)", o.status);
	CHECK(o.tc == 32 && o.has_tok, "transfer count %" PRIu64 ", token %d", o.tc, o.has_tok);
	if (!o.has_tok)
		return;
	hold_token(0, o.tok);
	lid = next_lid++;
	wut_cmd(fd1, lid, o.tok, 0, &dst, 1, WUT_IMMED, &r);
	REQUIRE(chk_good(&r, "WRITE USING TOKEN with IMMED"), " ");
	area_scatter(&d, &dst, 1, area_gather(&s, &src, 1), 32);
	area_check(&d, "right after WUT IMMED");
	rrti_cmd(fd1, lid, &o, &r);
	if (chk_good(&r, "RRTI after WUT IMMED"))
		CHECK(o.status == 0x01 && o.tc == 32 && o.sa == 0x11, "after WUT IMMED: status "
		      "0x%02x, tc %" PRIu64 ", sa 0x%02x", o.status, o.tc, o.sa);
}

static void t_wut_zero_token(void)
{
	const struct rng dst[] = { { 3000, 17 }, { 3100, 64 } };
	int fd1 = dev_open(1, O_RDWR);
	uint8_t tok[512] = { 0 }, *z = xalloc_tmp(81 * bs);
	long long zeroed = odx_stat(1, "bytes_zeroed");
	struct area d;
	uint64_t tc;

	area_init(&d, 1, 2990, 200);
	put32(tok, ROD_ZERO);
	put16(tok + 6, 0x1F8);
	tc = scsi_wut_ok(fd1, tok, 0, dst, 2, 0, "WRITE USING TOKEN with the zero ROD token");
	CHECK(tc == 81, "transfer count %" PRIu64 ", want 81", tc);
	area_scatter(&d, dst, 2, z, 81);
	area_check(&d, "after the zero-token WUT");
	CHECK(odx_stat(1, "bytes_zeroed") == zeroed + 81LL * bs, "bytes_zeroed %lld -> %lld",
	      zeroed, odx_stat(1, "bytes_zeroed"));
	/* OFFSET INTO ROD means nothing for zeros without end: ignored, as the DSM
	 * ioctl ignores TokenOffset for the zero token */
	{
		const struct rng d2 = { 3170, 9 };
		uint64_t copied = 0;
		int ret;

		blk_fill(1, 3170, 9, t_seed());
		tc = scsi_wut_ok(fd1, tok, 1000, &d2, 1, 0, "WUT with the zero ROD token and "
				 "OFFSET INTO ROD 1000");
		CHECK(tc == 9, "transfer count %" PRIu64 ", want 9", tc);
		area_scatter(&d, &d2, 1, z, 9);
		area_check(&d, "after the zero-token WUT with an offset");
		blk_fill(1, 3170, 9, t_seed());
		ret = dsm_write(fd1, tok, 1000ULL * bs, &d2, 1, &copied);
		CHECK(ret == 0 && copied == 9ULL * bs, "DSM write of the zero token with "
		      "TokenOffset %llu: %s, LengthCopied %" PRIu64, 1000ULL * bs, errname(ret),
		      copied);
		area_check(&d, "after the zero-token DSM write with an offset");
	}
}

static void t_wut_del_tkn(void)
{
	const struct rng src = { 1300, 16 }, d1 = { 9000, 16 }, d2 = { 9100, 16 };
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR);
	long long live;
	struct area s, d;
	uint8_t tok[512];
	struct snap sn;
	struct sgr r;

	area_init(&s, 0, 1300, 16);
	area_init(&d, 1, 8990, 150);
	scsi_mint(fd0, 0, &src, 1, long_ito(), tok);
	live = ctl_stat("tokens_live");
	scsi_wut_ok(fd1, tok, 0, &d1, 1, WUT_DEL_TKN, "WRITE USING TOKEN with DEL_TKN");
	area_scatter(&d, &d1, 1, area_gather(&s, &src, 1), 16);
	area_check(&d, "after the DEL_TKN WUT");
	CHECK(ctl_stat("tokens_live") == live - 1, "tokens_live %lld after DEL_TKN, want %lld",
	      ctl_stat("tokens_live"), live - 1);
	snap_take(&sn);
	wut_cmd(fd1, next_lid++, tok, 0, &d2, 1, 0, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x23, 0x09, "WUT with a token deleted by DEL_TKN");
	wut_cmd(fd0, next_lid++, tok, 0, &d2, 1, 0, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x23, 0x09, "WUT with a token deleted by DEL_TKN, "
		  "same device");
	snap_same(&sn, "after using a deleted token");
}

static void t_point_in_time(void)
{
	const struct rng src = { 1400, 64 }, dst = { 10000, 64 };
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR);
	uint8_t tok[512], *old, *nw = xalloc_tmp(64 * bs);
	struct area s, d;
	struct sgr r;

	area_init(&s, 0, 1400, 64);
	area_init(&d, 1, 9990, 90);
	old = area_gather(&s, &src, 1);
	scsi_mint(fd0, 0, &src, 1, long_ito(), tok);
	/* overwrite the source through SCSI and through the block device */
	pat_fill(nw, 32 * bs, t_seed(), 1400ULL * bs);
	scsi_rw(fd0, 10, true, 1400, 32, nw, &r);
	chk_good(&r, "WRITE(10) over the token's source");
	blk_fill(0, 1432, 32, t_seed());
	scsi_wut_ok(fd1, tok, 0, &dst, 1, 0, "WUT after the source changed");
	area_scatter(&d, &dst, 1, old, 64);
	area_check(&d, "the copy holds the data as of POPULATE TOKEN");
}

static void t_wut_page_cache(void)
{
	const struct rng src = { 1500, 16 }, dst = { 10500, 16 };
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR);
	int bfd = dev_open(1, O_RDONLY);	/* buffered */
	uint8_t tok[512], *b = xalloc_tmp(16 * bs), *want = xalloc_tmp(16 * bs);

	blk_fill(0, 1500, 16, t_seed());
	dev_pread(0, want, 16 * bs, 1500ULL * bs);
	blk_fill(1, 10500, 16, t_seed());
	CHECK(pread(bfd, b, 16 * bs, 10500ULL * bs) == (ssize_t)(16 * bs), "buffered read");
	scsi_mint(fd0, 0, &src, 1, long_ito(), tok);
	scsi_wut_ok(fd1, tok, 0, &dst, 1, 0, "WUT under a cached destination");
	CHECK(pread(bfd, b, 16 * bs, 10500ULL * bs) == (ssize_t)(16 * bs), "buffered read");
	buf_same("buffered read after WUT (page cache dropped?)", b, want, 16 * bs,
		 10500ULL * bs);
}

static void t_rrti_list_ids(void)
{
	const struct rng s1 = { 100, 8 }, s2 = { 200, 8 };
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR);
	struct rrti a, b;
	struct sgr r;

	blk_fill(0, 100, 8, t_seed());
	blk_fill(0, 200, 8, t_seed());
	rrti_cmd(fd0, 0x7ffffff1, &a, &r);
	if (chk_sense(&r, ILLEGAL_REQUEST, 0x24, 0x00, "RRTI for a list id never used"))
		chk_field(&r, 1, 2, "RRTI for a list id never used");
	rrti_cmd(fd0, 0xffffffff, &a, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x24, 0x00, "RRTI for list id 0xffffffff");

	pt_cmd(fd0, 0x7ffffff2, &s1, 1, 0, 0, 0, &r);
	REQUIRE(chk_good(&r, "PT list id 0x7ffffff2"), " ");
	pt_cmd(fd0, 0x7ffffff3, &s2, 1, 0, 0, 0, &r);
	REQUIRE(chk_good(&r, "PT list id 0x7ffffff3"), " ");
	rrti_done(fd0, 0x7ffffff2, 0x10, &a, "list id 0x7ffffff2");
	rrti_done(fd0, 0x7ffffff3, 0x10, &b, "list id 0x7ffffff3");
	if (a.has_tok)
		hold_token(0, a.tok);
	if (b.has_tok)
		hold_token(0, b.tok);
	CHECK(a.has_tok && b.has_tok && memcmp(a.tok, b.tok, 512), "two list ids gave the same "
	      "token");
	/* per device: odx1 never saw these list ids */
	rrti_cmd(fd1, 0x7ffffff2, &a, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x24, 0x00, "RRTI on odx1 for a list id used on odx0");
}

/*
 * List identifiers belong to the opener (the process), as SPC-4 scopes them to
 * the I_T nexus: another process neither reads another's token through RRTI
 * nor replaces its entry by reusing the list id; and one process's many list
 * ids evict only its own oldest.
 */
static void t_rrti_scope(void)
{
	const struct rng s1 = { 100, 8 }, s2 = { 300, 8 };
	int fd0 = dev_open(0, O_RDWR), status = 0, i;
	struct rrti a, b;
	struct sgr r;
	pid_t pid;

	blk_fill(0, 100, 8, t_seed());
	blk_fill(0, 300, 8, t_seed());
	pt_cmd(fd0, 0x6ff00001, &s1, 1, 0, 0, 0, &r);
	REQUIRE(chk_good(&r, "PT list id 0x6ff00001"), " ");
	rrti_done(fd0, 0x6ff00001, 0x10, &a, "list id 0x6ff00001");
	REQUIRE(a.has_tok, "no token");
	hold_token(0, a.tok);

	fflush(stdout);
	pid = fork();
	REQUIRE(pid >= 0, "fork");
	if (!pid) {
		/* another opener: its own fd, the same list ids */
		int fd = open(dev_path(0), O_RDWR | O_CLOEXEC), n;
		uint8_t toks[40][512];
		int ntok = 0;

		t_failures = 0;
		t_nr_deferred = 0;
		if (fd < 0)
			_exit(2);
		rrti_cmd(fd, 0x6ff00001, &b, &r);
		if (chk_sense(&r, ILLEGAL_REQUEST, 0x24, 0x00, "RRTI from another process for "
			      "a list id it never used"))
			chk_field(&r, 1, 2, "RRTI from another process");
		CHECK(!b.has_tok, "another process read the token of list id 0x6ff00001");
		pt_cmd(fd, 0x6ff00001, &s2, 1, 0, 0, 0, &r);
		if (chk_good(&r, "PT from another process with the same list id")) {
			rrti_done(fd, 0x6ff00001, 0x10, &b, "the other process's list id");
			if (b.has_tok)
				memcpy(toks[ntok++], b.tok, 512);
		}
		/* many list ids: this opener keeps its newest 16, no more */
		for (n = 0; n < 32; n++) {
			pt_cmd(fd, 0x6ff10000 + n, &s2, 1, 0, 0, 0, &r);
			if (!chk_good(&r, "PT with one of 32 list ids"))
				break;
			rrti_cmd(fd, 0x6ff10000 + n, &b, &r);
			if (b.has_tok && ntok < 40)
				memcpy(toks[ntok++], b.tok, 512);
		}
		rrti_cmd(fd, 0x6ff10000 + 31, &b, &r);
		chk_good(&r, "RRTI for the newest of 32 list ids");
		rrti_cmd(fd, 0x6ff10000 + 31 - 16, &b, &r);
		chk_sense(&r, ILLEGAL_REQUEST, 0x24, 0x00, "RRTI for the 17th newest of 32 list "
			  "ids (per-opener cap 16)");
		for (n = 0; n < ntok; n++)
			ioctl(fd, ODX_IOC_RELEASE, toks[n]);
		fflush(stdout);
		_exit(t_failures ? 1 : 0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the other process's checks "
	      "failed (status 0x%x)", status);
	/* ours is untouched, after the other process's 33 list ids */
	rrti_done(fd0, 0x6ff00001, 0x10, &b, "list id 0x6ff00001 after the other process");
	CHECK(b.has_tok && !memcmp(b.tok, a.tok, 512), "another process's POPULATE TOKEN "
	      "replaced this process's list id 0x6ff00001");
	/* threads of one process share: a second fd of this process sees it */
	i = dev_open(0, O_RDONLY);
	rrti_done(i, 0x6ff00001, 0x10, &b, "list id 0x6ff00001 through a second fd");
}

static void t_interop_scsi_to_dsm(void)
{
	const struct rng src[] = { { 400, 24 }, { 500, 40 } }, dst = { 11000, 64 };
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR);
	uint8_t tok[512];
	struct area s, d;
	uint64_t copied = 0;
	int ret;

	area_init(&s, 0, 400, 140);
	area_init(&d, 1, 10990, 90);
	scsi_mint(fd0, 0, src, 2, long_ito(), tok);
	ret = dsm_write(fd1, tok, 0, &dst, 1, &copied);
	CHECK(ret == 0, "DSM offload write with a SCSI token: %s", errname(ret));
	CHECK(copied == 64ULL * bs, "LengthCopied %" PRIu64, copied);
	area_scatter(&d, &dst, 1, area_gather(&s, src, 2), 64);
	area_check(&d, "after the DSM write of a SCSI token");
}

static void t_interop_dsm_to_scsi(void)
{
	const struct rng src[] = { { 600, 24 }, { 650, 40 } }, dst = { 11500, 64 };
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR), ret;
	uint8_t tok[512];
	struct area s, d;
	uint64_t prot = 0, tc;

	area_init(&s, 0, 600, 100);
	area_init(&d, 1, 11490, 90);
	ret = dsm_read(fd0, src, 2, 0, tok, &prot);
	REQUIRE(ret == 0, "DSM offload read: %s", errname(ret));
	hold_token(0, tok);
	CHECK(prot == 64ULL * bs, "LengthProtected %" PRIu64, prot);
	tc = scsi_wut_ok(fd1, tok, 0, &dst, 1, 0, "WUT with a DSM token");
	CHECK(tc == 64, "transfer count %" PRIu64, tc);
	area_scatter(&d, &dst, 1, area_gather(&s, src, 2), 64);
	area_check(&d, "after the WUT of a DSM token");
	/* and the other way round, DEL_TKN ends the DSM token for the DSM path too */
	scsi_wut_ok(fd1, tok, 0, &dst, 1, WUT_DEL_TKN, "WUT DEL_TKN with a DSM token");
	ret = dsm_write(fd1, tok, 0, &dst, 1, NULL);
	CHECK(ret == -EKEYREJECTED, "DSM write after DEL_TKN: %s, want EKEYREJECTED",
	      errname(ret));
}

static void t_release_ioctl(void)
{
	const struct rng src = { 800, 8 }, dst = { 12500, 8 };
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR);
	uint8_t tok[512];
	struct snap s;
	struct sgr r;

	blk_fill(0, 800, 8, t_seed());
	scsi_mint(fd0, 0, &src, 1, long_ito(), tok);
	CHECK(ioctl(fd0, ODX_IOC_RELEASE, tok) == 0, "ODX_IOC_RELEASE of a SCSI token: %s",
	      strerror(errno));
	snap_take(&s);
	wut_cmd(fd1, next_lid++, tok, 0, &dst, 1, 0, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x23, 0x09, "WUT with a token released by ODX_IOC_RELEASE");
	snap_same(&s, "after using a released token");
}

/* ---- hostile POPULATE TOKEN ---- */

static void t_pt_lba_out_of_range(void)
{
	const struct rng cases[][2] = {
		{ { nblocks - 7, 8 }, { 0, 0 } },
		{ { nblocks, 1 }, { 0, 0 } },
		{ { 0, 8 }, { nblocks - 1, 2 } },
		{ { ~0ULL - 15, 32 }, { 0, 0 } },
	};
	int fd = dev_open(0, O_RDWR);
	struct snap s;
	struct sgr r;
	unsigned int i;
	char w[120];

	snap_take(&s);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = cases[i][1].n ? 2 : 1;

		pt_cmd(fd, 0x700 + i, cases[i], n, 0, 0, 0, &r);
		snprintf(w, sizeof(w), "POPULATE TOKEN range %" PRIu64 "+%u%s", cases[i][n - 1].lba,
			 cases[i][n - 1].n, n == 2 ? " (second range)" : "");
		chk_sense(&r, ILLEGAL_REQUEST, 0x21, 0x00, w);
	}
	snap_same(&s, "after the out-of-range POPULATE TOKENs");
}

static void t_pt_too_many_ranges(void)
{
	unsigned int max = setting_u64("max_ranges"), i;
	struct rng *rg = xalloc_tmp((max + 2) * sizeof(*rg));
	int fd = dev_open(0, O_RDWR);
	struct snap s;
	struct sgr r;
	struct rrti o;

	for (i = 0; i < max + 1; i++)
		rg[i] = (struct rng){ 2 * i, 1 };
	snap_take(&s);
	pt_cmd(fd, 0x801, rg, max + 1, 0, 0, 0, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x26, 0x08, "POPULATE TOKEN with max_ranges + 1 ranges "
		  "(TOO MANY SEGMENT DESCRIPTORS)");
	snap_same(&s, "after too many ranges");
	pt_cmd(fd, 0x802, rg, max, 0, 0, 0, &r);
	if (chk_good(&r, "POPULATE TOKEN with max_ranges ranges")) {
		rrti_done(fd, 0x802, 0x10, &o, "max_ranges ranges");
		CHECK(o.tc == max, "transfer count %" PRIu64 ", want %u", o.tc, max);
		if (o.has_tok)
			hold_token(0, o.tok);
	}
}

static void t_pt_range_len_not_multiple(void)
{
	const struct rng rg[2] = { { 10, 4 }, { 20, 4 } };
	uint8_t p[64];
	int fd = dev_open(0, O_RDWR);
	struct snap s;
	struct sgr r;

	snap_take(&s);
	pt_param(p, rg, 2, 0, 0, 0);
	put16(p + 14, 24);
	put16(p, 16 + 24 - 2);
	pt_raw(fd, 0x901, p, 16 + 24, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x26, 0x00, "POPULATE TOKEN with range descriptor "
		  "list length 24");
	pt_param(p, rg, 2, 0, 0, 0);
	put16(p + 14, 17);
	pt_raw(fd, 0x902, p, 48, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x26, 0x00, "POPULATE TOKEN with range descriptor "
		  "list length 17");
	pt_param(p, rg, 1, 0, 0, 0);
	put16(p + 14, 0);
	pt_raw(fd, 0x903, p, 32, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x26, 0x00, "POPULATE TOKEN with no range descriptor");
	{
		const struct rng z[2] = { { 10, 4 }, { 20, 0 } };

		pt_param(p, z, 2, 0, 0, 0);
		pt_raw(fd, 0x904, p, 48, &r);
		if (chk_sense(&r, ILLEGAL_REQUEST, 0x26, 0x00, "POPULATE TOKEN with a 0-block range"))
			chk_field(&r, 0, 40, "POPULATE TOKEN with a 0-block range (its count)");
	}
	snap_same(&s, "after the bad range descriptor list lengths");
}

static void t_pt_param_list_too_short(void)
{
	const struct rng rg[2] = { { 10, 4 }, { 20, 4 } };
	uint8_t p[64];
	int fd = dev_open(0, O_RDWR);
	struct snap s;
	struct sgr r;

	snap_take(&s);
	pt_param(p, rg, 1, 0, 0, 0);
	pt_raw(fd, 0xA01, p, 8, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x1A, 0x00, "POPULATE TOKEN with parameter list "
		  "length 8 (shorter than the header)");
	pt_raw(fd, 0xA02, p, 16, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x1A, 0x00, "POPULATE TOKEN with parameter list "
		  "length 16 and one range descriptor");
	/* SPC-4: a parameter list length that truncates a descriptor is a
	 * PARAMETER LIST LENGTH ERROR */
	pt_param(p, rg, 2, 0, 0, 0);
	put16(p, 32 - 2);	/* data length consistent with what is sent */
	pt_raw(fd, 0xA03, p, 32, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x1A, 0x00, "POPULATE TOKEN whose range descriptor "
		  "list (32 bytes) runs past the parameter list length (32, data length 30)");
	/* a DATA LENGTH field that disagrees with the parameter list length is
	 * an invalid field (the sense-key specific pointer names byte 0) */
	pt_param(p, rg, 2, 0, 0, 0);	/* data length 46 */
	pt_raw(fd, 0xA04, p, 32, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x26, 0x00, "POPULATE TOKEN whose data length (46) "
		  "runs past the parameter list length (32)");
	snap_same(&s, "after the short parameter lists");
}

static void t_pt_ito_too_large(void)
{
	uint32_t max = param_u64("max_ttl_ms") / 1000;
	const struct rng rg = { 30, 4 };
	int fd = dev_open(0, O_RDWR);
	struct snap s;
	struct sgr r;
	struct rrti o;

	snap_take(&s);
	pt_cmd(fd, 0xB01, &rg, 1, max + 1, 0, 0, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x26, 0x00, "POPULATE TOKEN with inactivity timeout "
		  "max + 1");
	pt_cmd(fd, 0xB02, &rg, 1, 0xffffffff, 0, 0, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x26, 0x00, "POPULATE TOKEN with inactivity timeout "
		  "0xffffffff");
	snap_same(&s, "after the inactivity timeouts past the maximum");
	pt_cmd(fd, 0xB03, &rg, 1, max, 0, 0, &r);
	if (chk_good(&r, "POPULATE TOKEN with inactivity timeout = maximum")) {
		rrti_done(fd, 0xB03, 0x10, &o, "ITO max");
		if (o.has_tok)
			hold_token(0, o.tok);
	}
}

static void t_pt_unsupported_rod_type(void)
{
	/* odx mints point in time, default; change vulnerable and persistent it does not */
	static const uint32_t bad[] = { 0x00010000, 0x00800001, 0x00800002, 0x12345678, ROD_ZERO,
					0xFFFFFFFF };
	const struct rng rg = { 40, 4 };
	int fd = dev_open(0, O_RDWR);
	struct snap s;
	struct sgr r;
	struct rrti o;
	unsigned int i;
	char w[80];

	snap_take(&s);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pt_cmd(fd, 0xC01 + i, &rg, 1, 0, PT_RTV, bad[i], &r);
		snprintf(w, sizeof(w), "POPULATE TOKEN with RTV and ROD type 0x%08x", bad[i]);
		if (chk_sense(&r, ILLEGAL_REQUEST, 0x26, 0x00, w))
			chk_field(&r, 0, 8, w);
	}
	snap_same(&s, "after the unsupported ROD types");
	pt_cmd(fd, 0xC10, &rg, 1, 0, PT_RTV, ROD_PIT_DEFAULT, &r);
	if (chk_good(&r, "POPULATE TOKEN with RTV and ROD type 0x00800000")) {
		rrti_done(fd, 0xC10, 0x10, &o, "RTV 0x00800000");
		if (o.has_tok) {
			hold_token(0, o.tok);
			CHECK(get32(o.tok) == ROD_PIT_DEFAULT, "ROD type 0x%08x", get32(o.tok));
		}
	}
	/* point in time - any: odx picks its own */
	pt_cmd(fd, 0xC11, &rg, 1, 0, PT_RTV, 0x0080FFFF, &r);
	if (chk_good(&r, "POPULATE TOKEN with RTV and ROD type 0x0080FFFF")) {
		rrti_done(fd, 0xC11, 0x10, &o, "RTV 0x0080FFFF");
		if (o.has_tok) {
			hold_token(0, o.tok);
			CHECK(get32(o.tok) == ROD_PIT_DEFAULT, "ROD type 0x%08x for 0x0080FFFF",
			      get32(o.tok));
		}
	}
}

/* ---- hostile WRITE USING TOKEN ---- */

/* A fresh token of 16 blocks at LBA 1600 of odx0. */
static void fresh_token(int fd0, uint8_t *tok)
{
	const struct rng src = { 1600, 16 };

	blk_fill(0, 1600, 16, t_seed());
	scsi_mint(fd0, 0, &src, 1, long_ito(), tok);
}

static void t_wut_corrupt_token(void)
{
	static const int at[] = { 8, 15, 20, 40, 55, 63, 100, 127, 128, 300, 511 };
	const struct rng dst = { 13500, 16 };
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR);
	uint8_t tok[512];
	struct snap s;
	struct sgr r;
	unsigned int i;
	char w[80];

	fresh_token(fd0, tok);
	snap_take(&s);
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		tok[at[i]] ^= 0x01;
		wut_cmd(fd1, next_lid++, tok, 0, &dst, 1, 0, &r);
		tok[at[i]] ^= 0x01;
		snprintf(w, sizeof(w), "WUT with token byte %d altered", at[i]);
		chk_sense(&r, ILLEGAL_REQUEST, 0x23, 0x04, w);
	}
	{
		uint8_t t2[512];

		memcpy(t2, tok, 8);
		memset(t2 + 8, 0, 504);
		wut_cmd(fd1, next_lid++, t2, 0, &dst, 1, 0, &r);
		chk_sense(&r, ILLEGAL_REQUEST, 0x23, 0x04, "WUT with a token of zeros (valid header)");
	}
	snap_same(&s, "after the altered tokens");
	/* the real one still works */
	scsi_wut_ok(fd1, tok, 0, &dst, 1, 0, "WUT with the unaltered token");
}

static void t_wut_bad_token_length(void)
{
	static const uint16_t lens[] = { 0x1F7, 0x1F9, 0x0000, 0x0200, 0xFFFF };
	const struct rng dst = { 13600, 16 };
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR);
	uint8_t tok[512];
	struct snap s;
	struct sgr r;
	unsigned int i;
	char w[80];

	fresh_token(fd0, tok);
	snap_take(&s);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		put16(tok + 6, lens[i]);
		wut_cmd(fd1, next_lid++, tok, 0, &dst, 1, 0, &r);
		snprintf(w, sizeof(w), "WUT with ROD token length 0x%04x", lens[i]);
		chk_sense(&r, ILLEGAL_REQUEST, 0x23, 0x0A, w);
	}
	put16(tok + 6, 0x1F8);
	{	/* the zero token with a bad length too */
		uint8_t z[512] = { 0 };

		put32(z, ROD_ZERO);
		put16(z + 6, 0x1F0);
		wut_cmd(fd1, next_lid++, z, 0, &dst, 1, 0, &r);
		chk_sense(&r, ILLEGAL_REQUEST, 0x23, 0x0A, "WUT with the zero ROD token, length "
			  "0x01F0");
	}
	snap_same(&s, "after the bad token lengths");
}

static void t_wut_unsupported_token_type(void)
{
	static const uint32_t types[] = { 0x00010000, 0x00800001, 0x12345678, 0xFFFFFFFF,
					  0x00000000 };
	const struct rng dst = { 13700, 16 };
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR);
	uint8_t tok[512];
	struct snap s;
	struct sgr r;
	unsigned int i;
	char w[80];

	fresh_token(fd0, tok);
	snap_take(&s);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		put32(tok, types[i]);
		wut_cmd(fd1, next_lid++, tok, 0, &dst, 1, 0, &r);
		snprintf(w, sizeof(w), "WUT with ROD type 0x%08x", types[i]);
		chk_sense(&r, ILLEGAL_REQUEST, 0x23, 0x01, w);
	}
	snap_same(&s, "after the unsupported token types");
}

static void t_wut_expired_token(void)
{
	const struct rng src = { 1700, 8 }, dst = { 13800, 8 };
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR);
	uint8_t tok[512];
	struct snap s;
	struct sgr r;

	blk_fill(0, 1700, 8, t_seed());
	scsi_mint(fd0, 0, &src, 1, 1, tok);	/* inactivity timeout 1 s */
	usleep(3500 * 1000);
	snap_take(&s);
	wut_cmd(fd1, next_lid++, tok, 0, &dst, 1, 0, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x23, 0x07, "WUT with a token 3.5 s past its 1 s "
		  "inactivity timeout");
	snap_same(&s, "after using an expired token");
}

/* The default inactivity timeout (module_limits pass: default_ttl_ms is short). */
static void t_wut_expired_default(void)
{
	const struct rng src = { 1750, 8 }, dst = { 13850, 8 };
	unsigned long long def = param_u64("default_ttl_ms");
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR);
	uint8_t tok[512];
	struct snap s;
	struct sgr r;

	REQUIRE(def <= 10000, "default_ttl_ms %llu: this case wants a short one", def);
	blk_fill(0, 1750, 8, t_seed());
	scsi_mint(fd0, 0, &src, 1, 0, tok);
	usleep((def + 1500) * 1000);
	snap_take(&s);
	wut_cmd(fd1, next_lid++, tok, 0, &dst, 1, 0, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x23, 0x07, "WUT with a token past the default "
		  "inactivity timeout");
	snap_same(&s, "after using an expired token");
}

static void t_wut_revoked_token(void)
{
	const struct rng src = { 10, 16 }, dst = { 13900, 16 };
	uint32_t idx = ctl_add_dev(8 * MiB, bs);
	int fd1 = dev_open(1, O_RDWR), fd, ret;
	uint8_t tok[512];
	struct snap s;
	struct sgr r;
	struct rrti o;

	blk_fill(idx, 10, 16, t_seed());
	fd = open(dev_path(idx), O_RDWR | O_CLOEXEC);
	REQUIRE(fd >= 0, "open %s", dev_path(idx));
	pt_cmd(fd, 0xD01, &src, 1, 0, 0, 0, &r);
	REQUIRE(chk_good(&r, "POPULATE TOKEN on the new device"), " ");
	rrti_done(fd, 0xD01, 0x10, &o, "PT on the new device");
	close(fd);
	REQUIRE(o.has_tok, "no token");
	memcpy(tok, o.tok, 512);
	ret = ctl_remove(idx);
	REQUIRE(ret == 0, "ODX_CTL_REMOVE %u: %s", idx, errname(ret));
	wait_node(idx, false);
	snap_take(&s);
	wut_cmd(fd1, next_lid++, tok, 0, &dst, 1, 0, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x23, 0x06, "WUT with a token whose source device was "
		  "removed");
	snap_same(&s, "after using a revoked token");
}

static void t_wut_offset_beyond_rod(void)
{
	static const uint64_t oirs[] = { 16, 17, 1000, 1ULL << 40, ~0ULL };
	const struct rng dst = { 14000, 4 };
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR);
	uint8_t tok[512];
	struct snap s;
	struct sgr r;
	unsigned int i;
	char w[80];

	fresh_token(fd0, tok);	/* 16 blocks */
	snap_take(&s);
	for (i = 0; i < sizeof(oirs) / sizeof(oirs[0]); i++) {
		wut_cmd(fd1, next_lid++, tok, oirs[i], &dst, 1, 0, &r);
		snprintf(w, sizeof(w), "WUT with offset into ROD %" PRIu64 " (token: 16 blocks)",
			 oirs[i]);
		if (chk_sense(&r, ILLEGAL_REQUEST, 0x26, 0x00, w))
			chk_field(&r, 0, 8, w);
	}
	snap_same(&s, "after the offsets beyond the ROD");
	scsi_wut_ok(fd1, tok, 15, &dst, 1, 0, "WUT with offset into ROD 15 (the last block)");
}

static void t_wut_lba_out_of_range(void)
{
	const struct rng cases[][2] = {
		{ { nblocks - 10, 16 }, { 0, 0 } },
		{ { nblocks, 1 }, { 0, 0 } },
		{ { 14100, 4 }, { nblocks - 2, 4 } },
		{ { ~0ULL - 3, 8 }, { 0, 0 } },
	};
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR);
	uint8_t tok[512];
	struct snap s;
	struct sgr r;
	unsigned int i;
	char w[120];

	fresh_token(fd0, tok);
	snap_take(&s);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = cases[i][1].n ? 2 : 1;

		wut_cmd(fd1, next_lid++, tok, 0, cases[i], n, 0, &r);
		snprintf(w, sizeof(w), "WUT to %" PRIu64 "+%u%s", cases[i][n - 1].lba,
			 cases[i][n - 1].n, n == 2 ? " (second range)" : "");
		chk_sense(&r, ILLEGAL_REQUEST, 0x21, 0x00, w);
		wut_cmd(fd0, next_lid++, tok, 0, cases[i], n, 0, &r);
		snprintf(w, sizeof(w), "WUT on odx0 to %" PRIu64 "+%u", cases[i][n - 1].lba,
			 cases[i][n - 1].n);
		chk_sense(&r, ILLEGAL_REQUEST, 0x21, 0x00, w);
	}
	{
		uint8_t z[512] = { 0 };

		put32(z, ROD_ZERO);
		put16(z + 6, 0x1F8);
		wut_cmd(fd1, next_lid++, z, 0, cases[0], 1, 0, &r);
		chk_sense(&r, ILLEGAL_REQUEST, 0x21, 0x00, "zero-token WUT past capacity");
	}
	snap_same(&s, "after the out-of-range WUTs");
}

static void t_wut_too_many_ranges(void)
{
	unsigned int max = setting_u64("max_ranges"), i;
	struct rng *rg = xalloc_tmp((max + 2) * sizeof(*rg));
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR);
	uint8_t tok[512];
	struct snap s;
	struct sgr r;

	fresh_token(fd0, tok);
	for (i = 0; i < max + 1; i++)
		rg[i] = (struct rng){ 3 * i, 1 };
	snap_take(&s);
	wut_cmd(fd1, next_lid++, tok, 0, rg, max + 1, 0, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x26, 0x08, "WUT with max_ranges + 1 ranges "
		  "(TOO MANY SEGMENT DESCRIPTORS)");
	snap_same(&s, "after too many ranges");
}

static void t_wut_bad_param_list(void)
{
	const struct rng rg[2] = { { 14200, 4 }, { 14300, 4 } };
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR);
	uint8_t tok[512], p[600];
	struct snap s;
	struct sgr r;

	fresh_token(fd0, tok);
	snap_take(&s);
	wut_param(p, tok, 0, rg, 1, 0);
	wut_raw(fd1, next_lid++, p, 530, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x1A, 0x00, "WUT with parameter list length 530 "
		  "(header is 536)");
	wut_raw(fd1, next_lid++, p, 16, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x1A, 0x00, "WUT with parameter list length 16");
	wut_param(p, tok, 0, rg, 2, 0);
	put16(p, 552 - 2);
	wut_raw(fd1, next_lid++, p, 552, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x1A, 0x00, "WUT whose range descriptor list (32) runs "
		  "past the parameter list length (552, data length 550)");
	wut_param(p, tok, 0, rg, 2, 0);
	wut_raw(fd1, next_lid++, p, 552, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x26, 0x00, "WUT whose data length (566) runs past "
		  "the parameter list length (552)");
	wut_param(p, tok, 0, rg, 2, 0);
	put16(p + 534, 24);
	put16(p, 536 + 24 - 2);
	wut_raw(fd1, next_lid++, p, 536 + 24, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x26, 0x00, "WUT with range descriptor list length 24");
	wut_param(p, tok, 0, rg, 1, 0);
	put16(p + 534, 0);
	wut_raw(fd1, next_lid++, p, 552, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x26, 0x00, "WUT with no range descriptor");
	{
		const struct rng z[2] = { { 14200, 4 }, { 14300, 0 } };

		wut_param(p, tok, 0, z, 2, 0);
		wut_raw(fd1, next_lid++, p, 568, &r);
		if (chk_sense(&r, ILLEGAL_REQUEST, 0x26, 0x00, "WUT with a 0-block range"))
			chk_field(&r, 0, 560, "WUT with a 0-block range (its count)");
	}
	snap_same(&s, "after the bad WUT parameter lists");
}

static void cross_on(void *arg)
{
	(void)arg;
	write_file_str("/sys/block/odx1/odx/allow_cross_device", "Y");
}

static void t_wut_cross_device_disabled(void)
{
	const struct rng dst = { 14400, 16 }, dst0 = { 3400, 16 };
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR), ret;
	uint8_t tok[512];
	struct snap s;
	struct sgr r;

	fresh_token(fd0, tok);
	t_defer(cross_on, NULL);
	ret = write_file_str("/sys/block/odx1/odx/allow_cross_device", "N");
	REQUIRE(ret == 0, "allow_cross_device=N: %s", errname(ret));
	snap_take(&s);
	wut_cmd(fd1, next_lid++, tok, 0, &dst, 1, 0, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x23, 0x02, "WUT on odx1 with an odx0 token, "
		  "allow_cross_device=N");
	snap_same(&s, "after the refused cross-device WUT");
	scsi_wut_ok(fd0, tok, 0, &dst0, 1, 0, "same-device WUT with allow_cross_device=N");
	ret = write_file_str("/sys/block/odx1/odx/allow_cross_device", "Y");
	REQUIRE(ret == 0, "allow_cross_device=Y: %s", errname(ret));
	scsi_wut_ok(fd1, tok, 0, &dst, 1, 0, "cross-device WUT after allow_cross_device=Y");
}

static void t_wut_cross_block_size(void)
{
	uint32_t other = bs == 512 ? 4096 : 512;
	uint32_t idx = ctl_add_dev(8 * MiB, other);
	const struct rng src = { 1800, 16 };
	const struct rng dst = { 16, 16 * bs / other ? 16 * bs / other : 1 };
	int fd0 = dev_open(0, O_RDWR), fdx = dev_open(idx, O_RDWR);
	uint8_t tok[512];
	uint64_t s0, s1;
	struct sgr r;

	blk_fill(0, 1800, 16, t_seed());
	scsi_mint(fd0, 0, &src, 1, long_ito(), tok);
	{
		uint8_t *b = xalloc_tmp(MiB);

		dev_pread(idx, b, MiB, 0);
		s0 = 0;
		for (size_t i = 0; i < MiB; i++)
			s0 = s0 * 31 + b[i];
		wut_cmd(fdx, next_lid++, tok, 0, &dst, 1, 0, &r);
		t_diag("WUT of a %u-byte-block token onto a %u-byte-block device: %s", bs, other,
		       sgr_str(&r));
		chk_sense(&r, ILLEGAL_REQUEST, -1, -1, "WUT across block sizes");
		dev_pread(idx, b, MiB, 0);
		s1 = 0;
		for (size_t i = 0; i < MiB; i++)
			s1 = s1 * 31 + b[i];
		CHECK(s0 == s1, "the %u-byte-block device changed", other);
	}
}

static void t_max_tokens(void)
{
	unsigned long long max = param_u64("max_tokens");
	const struct rng src = { 1900, 1 };
	int fd0 = dev_open(0, O_RDWR);
	long long live = ctl_stat("tokens_live");
	uint8_t (*toks)[512];
	unsigned long long i, n;
	struct snap s;
	struct sgr r;
	struct rrti o;

	REQUIRE(max <= 64, "max_tokens %llu: this case wants a small one", max);
	REQUIRE(live <= (long long)max, "tokens_live %lld", live);
	toks = xalloc_tmp(max * 512);
	blk_fill(0, 1900, 1, t_seed());
	for (i = 0, n = max - live; i < n; i++) {
		pt_cmd(fd0, 0xE00 + i, &src, 1, long_ito(), 0, 0, &r);
		REQUIRE(chk_good(&r, "POPULATE TOKEN below max_tokens"), " ");
		rrti_done(fd0, 0xE00 + i, 0x10, &o, "PT below max_tokens");
		memcpy(toks[i], o.tok, 512);
		hold_token(0, o.tok);
	}
	snap_take(&s);
	pt_cmd(fd0, 0xEFF, &src, 1, long_ito(), 0, 0, &r);
	chk_sense(&r, ILLEGAL_REQUEST, 0x55, 0x0D, "POPULATE TOKEN past max_tokens "
		  "(INSUFFICIENT RESOURCES TO CREATE ROD TOKEN)");
	snap_same(&s, "after the refused POPULATE TOKEN");
	if (n) {
		int ret = ioctl(fd0, ODX_IOC_RELEASE, toks[0]) < 0 ? -errno : 0;

		CHECK(ret == 0, "release: %s", errname(ret));
		pt_cmd(fd0, 0xEFE, &src, 1, long_ito(), 0, 0, &r);
		if (chk_good(&r, "POPULATE TOKEN after a release")) {
			rrti_done(fd0, 0xEFE, 0x10, &o, "PT after a release");
			hold_token(0, o.tok);
		}
	}
}

/* A POPULATE TOKEN asking for more than max_token_bytes (limits devices). */
static void t_pt_truncated(void)
{
	unsigned long long mtb = setting_u64("max_token_bytes");
	uint32_t want = mtb / bs * 2 + 8, lim = mtb / bs;
	const struct rng src = { 0, want }, dst = { 0, want };
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR);
	uint32_t lid = next_lid++;
	struct area s, d;
	struct rrti o;
	struct sgr r;

	REQUIRE(want < nblocks / 2, "max_token_bytes %llu: this case wants a small one", mtb);
	area_init(&s, 0, 0, want);
	area_init(&d, 1, 0, want);
	pt_cmd(fd0, lid, &src, 1, long_ito(), 0, 0, &r);
	t_diag("POPULATE TOKEN of %u blocks, max_token_bytes = %u blocks: %s", want, lim,
	       sgr_str(&r));
	if (r.ret || r.status) {
		/* refusing is one way to honour the advertised maximum */
		chk_sense(&r, ILLEGAL_REQUEST, 0x26, 0x00, "PT past the maximum token transfer size");
		return;
	}
	rrti_cmd(fd0, lid, &o, &r);
	REQUIRE(chk_good(&r, "RRTI after the long PT") && o.has_tok, "no token");
	hold_token(0, o.tok);
	t_diag("RRTI: status 0x%02x, transfer count %" PRIu64, o.status, o.tc);
	CHECK(o.tc == lim, "transfer count %" PRIu64 ", want %u (the token is truncated)", o.tc,
	      lim);
	CHECK(get64(o.tok + 56) == (uint64_t)lim * bs && get64(o.tok + 48) == 0,
	      "bytes represented %" PRIu64 ", want %llu", get64(o.tok + 56), mtb);
	scsi_wut_ok(fd1, o.tok, 0, &dst, 1, 0, "WUT of the truncated token");
	area_scatter(&d, &dst, 1, area_gather(&s, &src, 1), lim);
	area_check(&d, "after the WUT of the truncated token");
}

/* ------------------------------------------------------------------------ */

/* The cases, in the order they run (kselftest harness), 600 s each. */
#define C(n) ODX_CASE_FN(n, t_##n, 600)
C(sgio_version)
C(sgio_interface_id)
C(sgio_iovec_count)
C(sgio_cmd_len)
C(sgio_dxfer_direction)
C(sgio_dxfer_len)
C(sgio_dxfer_mismatch)
C(sgio_efault)
C(sgio_ebadf)
C(sgio_sense_len)
C(sgio_resid)
C(tur)
C(inquiry_std)
C(inquiry_bad)
C(inquiry_vpd00)
C(inquiry_vpd80)
C(inquiry_vpd83)
C(inquiry_vpd8f)
C(inquiry_vpdb0)
C(readcap)
C(read_write)
C(rw_lba_out_of_range)
C(mode_sense_control)
C(mode_select_dsense)
C(mode_bad)
C(report_opcodes)
C(unknown_opcode)
C(pt_rrti_wut)
C(wut_offset_into_rod)
C(wut_short_token)
C(rod_token_format)
C(pt_immed)
C(wut_zero_token)
C(wut_del_tkn)
C(point_in_time)
C(wut_page_cache)
C(rrti_list_ids)
C(rrti_scope)
C(interop_scsi_to_dsm)
C(interop_dsm_to_scsi)
C(release_ioctl)
C(pt_lba_out_of_range)
C(pt_too_many_ranges)
C(pt_range_len_not_multiple)
C(pt_param_list_too_short)
C(pt_ito_too_large)
C(pt_unsupported_rod_type)
C(wut_corrupt_token)
C(wut_bad_token_length)
C(wut_unsupported_token_type)
C(wut_expired_token)
C(wut_revoked_token)
C(wut_offset_beyond_rod)
C(wut_lba_out_of_range)
C(wut_too_many_ranges)
C(wut_bad_param_list)
C(wut_cross_device_disabled)
C(wut_cross_block_size)
/* for the module_limits pass (max_tokens, the default lifetime) */
C(max_tokens)
C(wut_expired_default)
/* for the limits devices (max_token_bytes) */
C(pt_truncated)

static int setup(void)
{
	char buf[64];
	uint64_t b = 0;
	int fd;

	if (read_file_str("/sys/block/odx0/queue/logical_block_size", buf, sizeof(buf))) {
		t_diag("cannot read odx0's logical block size: is odx loaded with 2 devices?");
		return -1;
	}
	bs = strtoul(buf, NULL, 0);
	fd = open("/dev/odx0", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &b) < 0) {
		t_diag("cannot size /dev/odx0: %s", strerror(errno));
		return -1;
	}
	close(fd);
	dev_bytes = b;
	nblocks = b / bs;
	return 0;
}

int main(int argc, char **argv)
{
	if (odx_harness_listing(argc, argv))
		return odx_harness_run(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (setup()) {
		ksft_print_header();
		ksft_set_plan(1);
		ksft_test_result_fail("setup\n");
		ksft_exit_fail();
	}
	return odx_harness_run(argc, argv);
}
