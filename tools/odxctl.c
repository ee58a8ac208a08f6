// SPDX-License-Identifier: GPL-2.0
/*
 * odxctl: manage odx devices and copy by token from the command line.
 *
 *	odxctl create [--size SIZE] [--block-size 512|4096] [--index N]
 *	odxctl remove DEV
 *	odxctl list [--json]
 *	odxctl info DEV [--json]
 *	odxctl token DEV RANGE... [--ttl MS] [--out FILE] [--json]
 *	odxctl write DEV --token FILE|HEX [--token-offset N] RANGE... [--json]
 *	odxctl release DEV --token FILE|HEX
 *	odxctl zero DEV RANGE... [--json]
 *	odxctl copy SRC[@OFFSET] DST[@OFFSET] [--length N] [--json]
 *
 * DEV is /dev/odxN, odxN or N. A RANGE is OFFSET+LENGTH; sizes take binary
 * units (4K, 64M, 1G, 4KiB). See odxctl.8 for the whole story, including the
 * exit status. The ioctls go through libodx (tools/lib).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "libodx.h"

#ifndef ODX_VERSION
#error "ODX_VERSION must come from dkms.conf (see tools/Makefile)"
#endif

/* Exit status (documented in odxctl.8 and every --help). */
#define RC_OK			0	/* success */
#define RC_FAIL			1	/* the operation failed */
#define RC_USAGE		2	/* bad command line, size, range or token text */
#define RC_TOKEN		3	/* the kernel rejected the token (EKEYREJECTED) */
#define RC_NODEV		4	/* no such device, or the module is not loaded */

#define SYS_BLOCK		"/sys/block"
#define SYS_MODULE		"/sys/module/odx"
#define DEFAULT_CREATE_SIZE	(64ULL << 20)
#define MAX_ARG_RANGES		256	/* ODX_MAX_RANGES_LIMIT of the module */
#define MAX_TOKEN_FILE		8192

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define __printf(a, b)		__attribute__((format(printf, a, b)))

/* The subcommand running, for messages. */
static const char *cmd_name;

/* ----------------------------------------------------------------------------
 * Messages
 */

static void vmsg(const char *fmt, va_list ap)
{
	fputs("odxctl: ", stderr);
	if (cmd_name)
		fprintf(stderr, "%s: ", cmd_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* Print a message on stderr and return @rc. */
static __printf(2, 3) int fail_rc(int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	return rc;
}

/* A command line error: the message and where to read more. */
static __printf(1, 2) int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	if (cmd_name)
		fprintf(stderr, "odxctl: see 'odxctl %s --help'\n", cmd_name);
	else
		fprintf(stderr, "odxctl: see 'odxctl --help'\n");
	return RC_USAGE;
}

static const struct {
	int err;
	const char *name;
} errno_names[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINTR, "EINTR" }, { EIO, "EIO" },
	{ ENXIO, "ENXIO" }, { EBADF, "EBADF" }, { ENOMEM, "ENOMEM" },
	{ EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
	{ EEXIST, "EEXIST" }, { EXDEV, "EXDEV" }, { ENODEV, "ENODEV" },
	{ ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" }, { EINVAL, "EINVAL" },
	{ ENOTTY, "ENOTTY" }, { ENOSPC, "ENOSPC" }, { EROFS, "EROFS" },
	{ ERANGE, "ERANGE" }, { EOPNOTSUPP, "EOPNOTSUPP" }, { EDQUOT, "EDQUOT" },
	{ EKEYREJECTED, "EKEYREJECTED" }, { EKEYEXPIRED, "EKEYEXPIRED" },
	{ EOVERFLOW, "EOVERFLOW" }, { EAGAIN, "EAGAIN" }, { EFBIG, "EFBIG" },
};

static const char *errno_name(int err)
{
	static char buf[24];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errno_names); i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

/* What failed, for explain(). */
enum op {
	OP_OPEN_READ,	/* opening a device for reading */
	OP_OPEN_WRITE,	/* opening a device for writing */
	OP_CAPS,	/* ODX_IOC_CAPS */
	OP_READ,	/* offload read (minting a token) */
	OP_WRITE,	/* offload write with a token */
	OP_ZERO,	/* offload write with the zero token */
	OP_RELEASE,	/* ODX_IOC_RELEASE */
	OP_REVOKE,	/* ODX_IOC_REVOKE */
	OP_COPY,	/* odx_copy(): offload reads and writes */
	OP_ADD,		/* ODX_CTL_ADD */
	OP_REMOVE,	/* ODX_CTL_REMOVE */
};

/*
 * What @err (positive) means for @op on @dev, what to do about it, and the exit
 * status it maps to.
 */
static int explain(int err, enum op op, const char *dev, const char **meaning,
		   const char **hint)
{
	static char mbuf[256], hbuf[256];
	bool rw = op == OP_WRITE || op == OP_ZERO || op == OP_COPY;

	*meaning = strerror(err);
	*hint = NULL;
	switch (err) {
	case EKEYREJECTED:
		*meaning = "invalid token: unknown, altered, expired, released or revoked";
		*hint = "mint a new token with 'odxctl token' (a token dies when it is released or revoked, when its source device is removed, after its time to live without use or past the device's token_age_max_ms)";
		return RC_TOKEN;
	case EXDEV:
		snprintf(mbuf, sizeof(mbuf),
			 "the token cannot be used on %s: it comes from another odx device and cross-device use is off, or the two devices' logical block sizes differ",
			 dev);
		*meaning = mbuf;
		*hint = "copy between devices of the same block size, or turn cross-device use on: echo Y > /sys/module/odx/parameters/allow_cross_device";
		break;
	case ENXIO:
		if (op == OP_OPEN_READ || op == OP_OPEN_WRITE) {
			*meaning = "the device is being removed";
			break;
		}
		snprintf(mbuf, sizeof(mbuf), "a range ends past the end of %s", dev);
		*meaning = mbuf;
		snprintf(hbuf, sizeof(hbuf),
			 "keep the ranges inside the device ('odxctl info %s' shows its size)",
			 dev);
		*hint = hbuf;
		break;
	case EINVAL:
		*meaning = "the kernel refused the request as malformed";
		if (op == OP_WRITE) {
			*meaning = "the kernel refused the request; with ranges that passed odxctl's checks, the token offset is at or past the end of the token's data";
			*hint = "give a --token-offset below the token's LengthProtected";
		} else if (op == OP_ADD) {
			*meaning = "the kernel refused the device parameters";
			*hint = "the size must be a non-zero multiple of 4K up to 1T, the block size 512 or 4096 and the index below 1024 (the kernel log says which)";
		} else if (op == OP_READ || op == OP_ZERO || op == OP_COPY) {
			snprintf(hbuf, sizeof(hbuf),
				 "ranges must be non-empty, aligned to the logical block size and no more than maximum_data_descriptors ('odxctl info %s')",
				 dev);
			*hint = hbuf;
		}
		break;
	case ENOSPC:
		if (op == OP_ADD) {
			*meaning = "no free device index (1024 odx devices exist)";
			*hint = "remove a device with 'odxctl remove'";
		} else {
			*meaning = "too many live tokens (module parameter max_tokens)";
			*hint = "release tokens with 'odxctl release' or let them expire";
		}
		break;
	case EDQUOT:
		snprintf(mbuf, sizeof(mbuf),
			 "the tokens of %s would hold more memory than its budget (/sys/block/<dev>/odx/token_bytes_max), or pin more pages than the module allows (module parameter token_pages_max)",
			 dev);
		*meaning = mbuf;
		*hint = "mint tokens for less data, release tokens you no longer need, or raise the device's token_bytes_max";
		break;
	case EBADF:
		*meaning = op == OP_REVOKE ? "revoking needs the device open for writing" :
			   "the device is not open for reading (offload read) or writing (offload write)";
		break;
	case EPERM:
		if (op == OP_ADD || op == OP_REMOVE) {
			*meaning = "creating and removing odx devices needs CAP_SYS_ADMIN";
			*hint = "run odxctl as root";
		} else if (rw) {
			snprintf(mbuf, sizeof(mbuf), "%s is read-only", dev);
			*meaning = mbuf;
			snprintf(hbuf, sizeof(hbuf), "make it writable: blockdev --setrw %s", dev);
			*hint = hbuf;
		}
		break;
	case EACCES:
	case EROFS:
		*meaning = "permission denied";
		if (op == OP_OPEN_WRITE)
			snprintf(hbuf, sizeof(hbuf),
				 "run odxctl as root; if %s is read-only, make it writable: blockdev --setrw %s",
				 dev, dev);
		else
			snprintf(hbuf, sizeof(hbuf), "run odxctl as root");
		*hint = hbuf;
		break;
	case EEXIST:
		*meaning = "that device index is in use";
		*hint = "pick another --index, or leave --index out to get the lowest free one";
		break;
	case ENODEV:
		snprintf(mbuf, sizeof(mbuf), "no such device %s", dev);
		*meaning = mbuf;
		*hint = "'odxctl list' shows the devices";
		return RC_NODEV;
	case EBUSY:
		snprintf(mbuf, sizeof(mbuf), "%s is in use (open or mounted)", dev);
		*meaning = mbuf;
		*hint = "unmount it and stop every program using it, then retry";
		break;
	case ENOENT:
		if (op == OP_ADD || op == OP_REMOVE) {
			*meaning = "there is no /dev/" ODX_CONTROL_NAME;
			*hint = "load the odx module first (insmod odx.ko)";
		} else {
			snprintf(mbuf, sizeof(mbuf), "there is no device node %s", dev);
			*meaning = mbuf;
			*hint = "is devtmpfs mounted on /dev?";
		}
		return RC_NODEV;
	case ENOTTY:
		snprintf(mbuf, sizeof(mbuf), "%s does not know this ioctl", dev);
		*meaning = mbuf;
		*hint = "is it an odx device, and does the odx module match odxctl?";
		break;
	case EOPNOTSUPP:
		*meaning = "the device does not support this request";
		break;
	case ENOMEM:
		*meaning = "out of memory in the kernel";
		*hint = "free some memory, or work on less data at a time";
		break;
	case EINTR:
		*meaning = "interrupted by a signal before anything was copied";
		break;
	case EIO:
		if (rw) {
			*meaning = "an offload write made no progress";
			break;
		}
		break;
	case ERANGE:
	case EFAULT:
		*meaning = err == ERANGE ? "output buffer too small (a bug in odxctl)" :
					   "bad address (a bug in odxctl)";
		break;
	}
	return RC_FAIL;
}

/*
 * Report that @what failed with -@err during @op on @dev; return the exit
 * status. Prints "WHAT: MEANING (ENAME)" and, when there is one, the fix.
 */
static int fail_errno(int err, enum op op, const char *dev, const char *what)
{
	const char *meaning, *hint;
	int rc;

	if (err < 0)
		err = -err;
	rc = explain(err, op, dev, &meaning, &hint);
	fail_rc(rc, "%s: %s (%s)", what, meaning, errno_name(err));
	if (hint)
		fail_rc(rc, "to fix: %s", hint);
	return rc;
}

/* ----------------------------------------------------------------------------
 * Sizes and ranges
 */

static const struct {
	const char *name;
	unsigned int shift;
} units[] = {
	{ "", 0 }, { "b", 0 },
	{ "k", 10 }, { "kib", 10 }, { "m", 20 }, { "mib", 20 },
	{ "g", 30 }, { "gib", 30 }, { "t", 40 }, { "tib", 40 },
	{ "p", 50 }, { "pib", 50 }, { "e", 60 }, { "eib", 60 },
};

/*
 * Parse SIZE: a decimal number (or hexadecimal with 0x) and an optional unit
 * from units[], case-insensitive. On error, *@why says what is wrong.
 */
static int parse_size(const char *s, uint64_t *out, const char **why)
{
	static char wbuf[128];
	unsigned long long v;
	const char *p = s;
	char *end;
	size_t i;
	int base = 10;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (!isxdigit((unsigned char)*p)) {
			*why = "not a number";
			return -1;
		}
	} else if (!isdigit((unsigned char)*p)) {
		*why = *p ? "not a number" : "empty";
		return -1;
	}
	errno = 0;
	v = strtoull(p, &end, base);
	if (errno == ERANGE) {
		*why = "too large";
		return -1;
	}
	if (*end == '.' && isdigit((unsigned char)end[1])) {
		*why = "fractions are not supported (write 1536K rather than 1.5M)";
		return -1;
	}
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcasecmp(end, units[i].name))
			continue;
		if (units[i].shift && v > (UINT64_MAX >> units[i].shift)) {
			*why = "too large";
			return -1;
		}
		*out = (uint64_t)v << units[i].shift;
		return 0;
	}
	if (strlen(end) == 2 && strchr("kmgtpeKMGTPE", end[0]) && (end[1] == 'b' || end[1] == 'B'))
		snprintf(wbuf, sizeof(wbuf),
			 "ambiguous unit '%s': write %c or %ciB (units are powers of 1024)",
			 end, toupper((unsigned char)end[0]), toupper((unsigned char)end[0]));
	else
		snprintf(wbuf, sizeof(wbuf),
			 "unknown unit '%.16s' (use K, M, G, T or KiB, MiB, GiB, TiB: powers of 1024)",
			 end);
	*why = wbuf;
	return -1;
}

/* Parse the value of option @opt (for messages) as a size. */
static int parse_size_opt(const char *opt, const char *s, uint64_t *out)
{
	const char *why;

	if (parse_size(s, out, &why))
		return usage_error("bad %s '%s': %s", opt, s, why);
	return 0;
}

/* Format @v bytes for people: "64 MiB", "1.5 KiB", "100 bytes". */
static const char *human(uint64_t v, char *buf, size_t len)
{
	static const char *const names[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	int i = -1;

	while (i + 1 < (int)ARRAY_SIZE(names) && v >= (1ULL << (10 * (i + 2))))
		i++;
	if (i < 0)
		snprintf(buf, len, "%" PRIu64 " byte%s", v, v == 1 ? "" : "s");
	else if (!(v & ((1ULL << (10 * (i + 1))) - 1)))
		snprintf(buf, len, "%" PRIu64 " %s", v >> (10 * (i + 1)), names[i]);
	else
		snprintf(buf, len, "%.1f %s", (double)v / (double)(1ULL << (10 * (i + 1))),
			 names[i]);
	return buf;
}

/* Format @v as odxctl reads it, in the largest unit that is exact: "1M", "1536K". */
static const char *short_size(uint64_t v, char *buf, size_t len)
{
	static const char units_short[] = "KMGTPE";
	int i = 0;

	while (v && i < 6 && !(v & 1023)) {
		v >>= 10;
		i++;
	}
	if (i)
		snprintf(buf, len, "%" PRIu64 "%c", v, units_short[i - 1]);
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

/* A rate in bytes per second, for people. */
static const char *human_rate(double bps, char *buf, size_t len)
{
	static const char *const names[] = { "B/s", "KiB/s", "MiB/s", "GiB/s", "TiB/s" };
	unsigned int i = 0;

	while (i + 1 < ARRAY_SIZE(names) && bps >= 1024.0) {
		bps /= 1024.0;
		i++;
	}
	snprintf(buf, len, "%.1f %s", bps, names[i]);
	return buf;
}

/* A device: /dev/odxN. */
struct dev {
	unsigned int index;
	char name[16];		/* odxN */
	char path[32];		/* /dev/odxN */
	uint64_t size;		/* bytes */
	unsigned int block_size;
};

/* Check a range of @d given as @text: non-empty, aligned, inside the device. */
static int check_range(const char *text, uint64_t off, uint64_t len, const struct dev *d)
{
	uint64_t bs = d->block_size;
	char a[32], b[32], c[32];

	if (!len)
		return usage_error("range %s is empty: give a length above 0", text);
	if (off % bs || len % bs) {
		bool off_bad = off % bs;

		return usage_error("range %s is not a multiple of the %" PRIu64 "-byte logical block size of %s (its %s, %" PRIu64 ", is not); round it, e.g. %s+%s",
				   text, bs, d->path, off_bad ? "offset" : "length",
				   off_bad ? off : len, short_size(off / bs * bs, a, sizeof(a)),
				   short_size((len + bs - 1) / bs * bs, b, sizeof(b)));
	}
	if (off >= d->size)
		return usage_error("range %s starts at or past the end of %s, which holds %s (%" PRIu64 " bytes)",
				   text, d->path, human(d->size, a, sizeof(a)), d->size);
	if (len > d->size - off)
		return usage_error("range %s ends past the end of %s, which holds %s (%" PRIu64 " bytes); the longest range from there is %s+%s",
				   text, d->path, human(d->size, a, sizeof(a)), d->size,
				   short_size(off, b, sizeof(b)), short_size(d->size - off, c, sizeof(c)));
	return 0;
}

/* Parse RANGE, OFFSET+LENGTH. */
static int parse_range(const char *text, struct odx_data_set_range *r)
{
	uint64_t off, len;
	char buf[128];
	const char *why;
	char *plus;

	if (snprintf(buf, sizeof(buf), "%s", text) >= (int)sizeof(buf))
		return usage_error("range '%.40s...' is too long", text);
	plus = strchr(buf, '+');
	if (!plus)
		return usage_error("range '%s' is not OFFSET+LENGTH (for example 1M+64K, or 0+4096)",
				   text);
	*plus = '\0';
	if (parse_size(buf, &off, &why))
		return usage_error("bad offset '%s' in range %s: %s", buf, text, why);
	if (parse_size(plus + 1, &len, &why))
		return usage_error("bad length '%s' in range %s: %s", plus + 1, text, why);
	r->starting_offset = off;
	r->length_in_bytes = len;
	return 0;
}

/*
 * Parse @nr RANGE arguments for device @d into @ranges and check them; *@total
 * gets their sum.
 */
static int parse_ranges(char **args, int nr, const struct dev *d,
			struct odx_data_set_range *ranges, uint64_t *total)
{
	int i, rc;

	*total = 0;
	if (nr <= 0)
		return usage_error("no RANGE given (OFFSET+LENGTH, for example 0+1M)");
	if (nr > MAX_ARG_RANGES)
		return usage_error("%d ranges: odx takes at most %d per request", nr,
				   MAX_ARG_RANGES);
	for (i = 0; i < nr; i++) {
		rc = parse_range(args[i], &ranges[i]);
		if (!rc)
			rc = check_range(args[i], ranges[i].starting_offset,
					 ranges[i].length_in_bytes, d);
		if (rc)
			return rc;
		*total += ranges[i].length_in_bytes;
	}
	return 0;
}

/* ----------------------------------------------------------------------------
 * sysfs and devices
 */

/* Read a sysfs file into @buf without the trailing newline. */
static int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

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
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

/* The loaded module's MODULE_VERSION into @buf, or "not loaded". */
static const char *module_version(char *buf, size_t len)
{
	if (read_file(SYS_MODULE "/version", buf, len))
		snprintf(buf, len, "%s", access(SYS_MODULE, F_OK) ? "not loaded" : "unknown");
	return buf;
}

static int read_u64(const char *path, uint64_t *v)
{
	char buf[64], *end;
	int err;

	err = read_file(path, buf, sizeof(buf));
	if (err)
		return err;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	if (errno || end == buf || *end)
		return -EINVAL;
	return 0;
}

/* /sys/block/odxN/@attr as a number. */
static int dev_attr(const struct dev *d, const char *attr, uint64_t *v)
{
	char path[128];

	snprintf(path, sizeof(path), SYS_BLOCK "/%s/%s", d->name, attr);
	return read_u64(path, v);
}

static bool module_loaded(void)
{
	return !access(SYS_MODULE, F_OK);
}

/* Parse a decimal index "N" (all of @s); -1 if it is not one. */
static long parse_index(const char *s)
{
	long v = 0;

	if (!*s || strlen(s) > 6)
		return -1;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* The index of DEV, given as /dev/odxN, odxN, N or any path to the node. */
static int dev_index(const char *arg, unsigned int *index)
{
	char path[128];
	struct stat st;
	uint64_t v;
	long n = -1;

	if (!strncmp(arg, "/dev/odx", 8))
		n = parse_index(arg + 8);
	else if (!strncmp(arg, "odx", 3))
		n = parse_index(arg + 3);
	else
		n = parse_index(arg);
	if (n >= 0) {
		if (n >= ODX_MAX_DEVICES)
			return usage_error("no device '%s': odx device numbers run from 0 to %d",
					   arg, ODX_MAX_DEVICES - 1);
		*index = n;
		return 0;
	}
	if (!strchr(arg, '/'))
		return usage_error("'%s' is not an odx device: give /dev/odxN, odxN or N", arg);
	if (stat(arg, &st))
		return fail_rc(RC_NODEV, "no device %s: %s (%s)", arg, strerror(errno),
			       errno_name(errno));
	if (!S_ISBLK(st.st_mode))
		return usage_error("%s is not a block device, let alone an odx device", arg);
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/odx/index",
		 major(st.st_rdev), minor(st.st_rdev));
	if (read_u64(path, &v) || v >= ODX_MAX_DEVICES)
		return usage_error("%s is a block device but not an odx device", arg);
	*index = v;
	return 0;
}

/* Fill @d for index @index from sysfs; fails when there is no such device. */
static int dev_load(unsigned int index, struct dev *d)
{
	uint64_t v;

	memset(d, 0, sizeof(*d));
	d->index = index;
	snprintf(d->name, sizeof(d->name), "odx%u", index);
	snprintf(d->path, sizeof(d->path), "/dev/odx%u", index);
	if (dev_attr(d, "size", &v)) {
		if (!module_loaded())
			return fail_rc(RC_NODEV, "no device %s: the odx module is not loaded (insmod odx.ko)",
				       d->path);
		return fail_rc(RC_NODEV, "no device %s: 'odxctl list' shows the devices, 'odxctl create' makes one",
			       d->path);
	}
	d->size = v << 9;
	if (dev_attr(d, "odx/block_size", &v) && dev_attr(d, "queue/logical_block_size", &v))
		return fail_rc(RC_FAIL, "cannot read the block size of %s from sysfs", d->path);
	d->block_size = v;
	if (d->block_size != 512 && d->block_size != 4096)
		return fail_rc(RC_FAIL, "%s has an unexpected block size %u", d->path,
			       d->block_size);
	return 0;
}

/* Resolve a DEV argument into @d. */
static int dev_lookup(const char *arg, struct dev *d)
{
	unsigned int index;
	int rc;

	rc = dev_index(arg, &index);
	if (rc)
		return rc;
	return dev_load(index, d);
}

/* Open @d for reading (offload read, caps, release) or writing too. */
static int dev_open(const struct dev *d, bool write, int *fd)
{
	char what[64];

	*fd = open(d->path, (write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (*fd >= 0)
		return 0;
	snprintf(what, sizeof(what), "cannot open %s", d->path);
	return fail_errno(errno, write ? OP_OPEN_WRITE : OP_OPEN_READ, d->path, what);
}

/* ----------------------------------------------------------------------------
 * Tokens
 */

/*
 * Parse @len bytes of hex text (whitespace allowed, an optional 0x in front)
 * into @t. *@ndigits gets the digit count; *@bad the first bad character or -1.
 */
static int parse_hex_token(const char *s, size_t len, struct odx_token *t, size_t *ndigits,
			   long *bad)
{
	unsigned char *out = (unsigned char *)t;
	size_t i = 0, n = 0;

	*bad = -1;
	while (i < len && isspace((unsigned char)s[i]))
		i++;
	if (i + 1 < len && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))
		i += 2;
	for (; i < len; i++) {
		int c = (unsigned char)s[i], v;

		if (isspace(c))
			continue;
		if (!isxdigit(c)) {
			*bad = i;
			break;
		}
		v = isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
		if (n < 2 * ODX_TOKEN_LENGTH)
			out[n / 2] = (n % 2) ? (out[n / 2] | v) : (v << 4);
		n++;
	}
	*ndigits = n;
	return *bad < 0 && n == 2 * ODX_TOKEN_LENGTH ? 0 : -1;
}

/* Read all of @fd, at most @max bytes; -EFBIG if there is more. */
static ssize_t read_all(int fd, char *buf, size_t max)
{
	size_t done = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, buf + done, max - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return done;
		done += n;
		if (done == max) {
			char c;

			n = read(fd, &c, 1);
			return n > 0 ? -EFBIG : (ssize_t)done;
		}
	}
}

/*
 * The --token argument: a file (or - for standard input) holding the raw 512
 * bytes or their hex, or the hex itself.
 */
static int load_token(const char *arg, struct odx_token *t)
{
	static char buf[MAX_TOKEN_FILE];
	size_t ndigits;
	struct stat st;
	ssize_t n;
	long bad;
	int fd;

	if (!strcmp(arg, "-") || !stat(arg, &st)) {
		const char *name = strcmp(arg, "-") ? arg : "standard input";

		if (strcmp(arg, "-") && S_ISDIR(st.st_mode))
			return usage_error("token file %s is a directory", arg);
		fd = strcmp(arg, "-") ? open(arg, O_RDONLY | O_CLOEXEC) : 0;
		if (fd < 0)
			return fail_rc(RC_USAGE, "cannot read token file %s: %s (%s)", arg,
				       strerror(errno), errno_name(errno));
		n = read_all(fd, buf, sizeof(buf));
		if (fd)
			close(fd);
		if (n == -EFBIG)
			return usage_error("token file %s is too large: a token is 512 raw bytes or 1024 hex digits",
					   name);
		if (n < 0)
			return fail_rc(RC_USAGE, "cannot read token file %s: %s (%s)", name,
				       strerror(-n), errno_name(-n));
		if (n == ODX_TOKEN_LENGTH) {
			memcpy(t, buf, ODX_TOKEN_LENGTH);
			return 0;
		}
		if (!parse_hex_token(buf, n, t, &ndigits, &bad))
			return 0;
		if (bad >= 0 || !ndigits)
			return usage_error("token file %s holds %zd bytes: not a token, which is 512 raw bytes (odxctl token --out FILE) or 1024 hex digits (odxctl token > FILE)",
					   name, n);
		return usage_error("token file %s holds %zu hex digits; a token is 1024 (512 bytes)",
				   name, ndigits);
	}
	if (!parse_hex_token(arg, strlen(arg), t, &ndigits, &bad))
		return 0;
	if (bad >= 0) {
		if (strchr(arg, '/') || strchr(arg, '.') || ndigits < 16)
			return usage_error("--token %.64s: no such file, and not a hex token (1024 hex digits)",
					   arg);
		return usage_error("--token: bad hex token: '%c' at position %ld is not a hex digit",
				   arg[bad], bad + 1);
	}
	return usage_error("--token: a hex token has 1024 hex digits (512 bytes), this one %zu",
			   ndigits);
}

static void print_hex(FILE *f, const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		fprintf(f, "%02x", b[i]);
}

/*
 * The number of bytes an odx token says it represents (the SPC-4 ROD token's
 * "number of bytes represented", bytes 48-63); 0 for other tokens. For
 * messages only: the kernel trusts nothing in a token.
 */
static uint64_t token_bytes(const struct odx_token *t)
{
	const unsigned char *b = (const unsigned char *)t + 56;
	uint64_t v = 0;
	int i;

	if (t->token_type[0] != 0x00 || t->token_type[1] != 0x80 ||
	    t->token_type[2] != 0x00 || t->token_type[3] != 0x00)
		return 0;
	for (i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

/* ----------------------------------------------------------------------------
 * JSON output: one object on standard output.
 */

struct json {
	int depth;
	bool comma[8];
};

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Start a member (@key, or an array element when NULL). */
static void json_key(struct json *j, const char *key)
{
	if (j->comma[j->depth])
		putchar(',');
	j->comma[j->depth] = true;
	if (key) {
		json_string(key);
		putchar(':');
	}
}

static void json_open(struct json *j, const char *key, char c)
{
	if (j->depth)
		json_key(j, key);
	putchar(c);
	j->depth++;
	j->comma[j->depth] = false;
}

static void json_close(struct json *j, char c)
{
	putchar(c);
	j->depth--;
	if (!j->depth && c == '}')
		putchar('\n');
}

static void json_u64(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	printf("%" PRIu64, v);
}

static void json_str(struct json *j, const char *key, const char *v)
{
	json_key(j, key);
	json_string(v);
}

static void json_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	fputs(v ? "true" : "false", stdout);
}

static void json_hex(struct json *j, const char *key, const void *p, size_t len)
{
	json_key(j, key);
	putchar('"');
	print_hex(stdout, p, len);
	putchar('"');
}

static void json_double(struct json *j, const char *key, double v)
{
	json_key(j, key);
	printf("%.6f", v);
}

static void json_ranges(struct json *j, const char *key,
			const struct odx_data_set_range *r, int nr)
{
	int i;

	json_open(j, key, '[');
	for (i = 0; i < nr; i++) {
		json_open(j, NULL, '{');
		json_u64(j, "offset", r[i].starting_offset);
		json_u64(j, "length", r[i].length_in_bytes);
		json_close(j, '}');
	}
	json_close(j, ']');
}

/* ----------------------------------------------------------------------------
 * Help
 */

#define EXIT_HELP \
	"Exit status: 0 success, 1 the operation failed, 2 usage error (bad option,\n" \
	"size, range, alignment or token text), 3 invalid token (EKEYREJECTED),\n" \
	"4 no such device or the odx module is not loaded.\n"

#define UNITS_HELP \
	"Sizes and offsets are bytes, with an optional unit: K, M, G, T (or KiB, MiB,\n" \
	"GiB, TiB; powers of 1024), e.g. 4096, 4K, 64M, 0x1000. A RANGE is\n" \
	"OFFSET+LENGTH, e.g. 1M+64K; both must be multiples of the logical block size.\n"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *help;
};

static const struct command *find_command(const char *name);

static int print_help(const char *name)
{
	const struct command *c = find_command(name);

	fputs(c->help, stdout);
	return RC_OK;
}

/* Report what getopt_long() refused: an unknown option or a missing argument. */
static int bad_option(int argc, char **argv, int opt)
{
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "?";

	if (opt == ':')
		return usage_error("option %s needs an argument", arg);
	if (!strncmp(arg, "--", 2))
		return usage_error(strchr(arg, '=') ? "unknown option %s, or it takes no argument" :
				   "unknown or ambiguous option %s", arg);
	return usage_error("unknown option -%c", optopt ? optopt : '?');
}

/* ----------------------------------------------------------------------------
 * create, remove, list
 */

static int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "block-size", required_argument, NULL, 'b' },
		{ "index", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	uint64_t size = DEFAULT_CREATE_SIZE, bs = 0;
	uint32_t index = ODX_INDEX_ANY, got;
	char path[32], what[64], h[32];
	long n;
	int opt, err, i;

	while ((opt = getopt_long(argc, argv, ":s:b:i:h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (parse_size_opt("--size", optarg, &size))
				return RC_USAGE;
			break;
		case 'b':
			if (parse_size_opt("--block-size", optarg, &bs))
				return RC_USAGE;
			if (bs != 512 && bs != 4096)
				return usage_error("bad --block-size %s: odx devices have 512- or 4096-byte logical blocks",
						   optarg);
			break;
		case 'i':
			n = parse_index(optarg);
			if (!strncmp(optarg, "odx", 3))
				n = parse_index(optarg + 3);
			if (n < 0 || n >= ODX_MAX_DEVICES)
				return usage_error("bad --index %s: a device number from 0 to %d",
						   optarg, ODX_MAX_DEVICES - 1);
			index = n;
			break;
		case 'h':
			return print_help("create");
		default:
			return bad_option(argc, argv, opt);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!size)
		return usage_error("bad --size 0: a device needs at least 4K");
	if (size % 4096)
		return usage_error("bad --size %" PRIu64 ": odx devices are made of whole 4K pages; use a multiple of 4096, e.g. %" PRIu64 "K",
				   size, (size + 4095) / 4096 * 4);
	if (size > ODX_MAX_DEVICE_BYTES)
		return usage_error("bad --size %s: odx devices hold at most 1T",
				   human(size, h, sizeof(h)));
	if (!module_loaded())
		return fail_rc(RC_NODEV, "the odx module is not loaded (insmod odx.ko)");

	err = odx_ctl_add(size, bs, index, &got);
	if (err) {
		if (index == ODX_INDEX_ANY)
			snprintf(what, sizeof(what), "cannot create a device");
		else
			snprintf(what, sizeof(what), "cannot create /dev/odx%u", index);
		snprintf(path, sizeof(path), "/dev/odx%u", index);
		return fail_errno(err, OP_ADD, path, what);
	}
	snprintf(path, sizeof(path), "/dev/odx%u", got);
	/* devtmpfs makes the node at once; give a udev-managed /dev a moment. */
	for (i = 0; i < 50 && access(path, F_OK); i++)
		usleep(20000);
	printf("%s\n", path);
	return RC_OK;
}

static int cmd_remove(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	char path[32], what[64];
	unsigned int index;
	int opt, err, rc;

	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (opt == 'h')
			return print_help("remove");
		return bad_option(argc, argv, opt);
	}
	if (optind >= argc)
		return usage_error("which device? give DEV (/dev/odxN, odxN or N)");
	if (optind + 1 < argc)
		return usage_error("one device at a time ('%s' is one too many)",
				   argv[optind + 1]);
	rc = dev_index(argv[optind], &index);
	if (rc)
		return rc;
	if (!module_loaded())
		return fail_rc(RC_NODEV, "no device %s: the odx module is not loaded",
			       argv[optind]);
	snprintf(path, sizeof(path), "/dev/odx%u", index);
	err = odx_ctl_remove(index);
	if (err) {
		snprintf(what, sizeof(what), "cannot remove %s", path);
		return fail_errno(err, OP_REMOVE, path, what);
	}
	return RC_OK;
}

static int index_cmp(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/* The indexes of the odx devices, sorted; their number, or -errno. */
static int list_indexes(unsigned int *idx, int max)
{
	struct dirent *e;
	int nr = 0;
	long n;
	DIR *dir;

	dir = opendir(SYS_BLOCK);
	if (!dir)
		return -errno;
	while ((e = readdir(dir)) && nr < max) {
		if (strncmp(e->d_name, "odx", 3))
			continue;
		n = parse_index(e->d_name + 3);
		if (n >= 0 && n < ODX_MAX_DEVICES)
			idx[nr++] = n;
	}
	closedir(dir);
	qsort(idx, nr, sizeof(*idx), index_cmp);
	return nr;
}

static int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	static unsigned int idx[ODX_MAX_DEVICES];
	struct json j = { 0 };
	bool json = false;
	int opt, nr, i;
	char h[32];

	while ((opt = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			return print_help("list");
		default:
			return bad_option(argc, argv, opt);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!module_loaded())
		return fail_rc(RC_NODEV, "the odx module is not loaded (insmod odx.ko)");
	nr = list_indexes(idx, ODX_MAX_DEVICES);
	if (nr < 0)
		return fail_rc(RC_FAIL, "cannot read " SYS_BLOCK ": %s", strerror(-nr));

	if (json) {
		json_open(&j, NULL, '{');
		json_open(&j, "devices", '[');
	} else {
		printf("%-12s %10s %6s %8s %7s\n", "DEVICE", "SIZE", "BLOCK", "PAGES", "TOKENS");
	}
	for (i = 0; i < nr; i++) {
		uint64_t pages = 0, live = 0, bs = 0;
		struct dev d;

		/* A device removed meanwhile is skipped, quietly. */
		memset(&d, 0, sizeof(d));
		snprintf(d.name, sizeof(d.name), "odx%u", idx[i]);
		if (dev_attr(&d, "size", &d.size))
			continue;
		d.size <<= 9;
		dev_attr(&d, "odx/block_size", &bs);
		d.block_size = bs;
		dev_attr(&d, "odx/pages", &pages);
		dev_attr(&d, "odx/tokens_live", &live);
		snprintf(d.path, sizeof(d.path), "/dev/odx%u", idx[i]);
		if (json) {
			json_open(&j, NULL, '{');
			json_str(&j, "device", d.path);
			json_str(&j, "name", d.name);
			json_u64(&j, "index", idx[i]);
			json_u64(&j, "size", d.size);
			json_u64(&j, "block_size", d.block_size);
			json_u64(&j, "pages", pages);
			json_u64(&j, "tokens_live", live);
			json_close(&j, '}');
		} else {
			printf("%-12s %10s %6u %8" PRIu64 " %7" PRIu64 "\n", d.path,
			       human(d.size, h, sizeof(h)), d.block_size, pages, live);
		}
	}
	if (json) {
		json_close(&j, ']');
		json_close(&j, '}');
	}
	return RC_OK;
}

/* ----------------------------------------------------------------------------
 * info
 */

/* Counters of /sys/block/odxN/odx, in this order; others found follow. */
static const char *const counters[] = {
	"pages", "token_pages", "tokens_minted", "tokens_live", "tokens_expired",
	"tokens_released", "tokens_revoked", "invalid_token_uses", "bytes_copied",
	"bytes_shared", "bytes_zeroed",
};

static bool skip_attr(const char *name)
{
	return !strcmp(name, "index") || !strcmp(name, "block_size") ||
	       !strcmp(name, "limits") || name[0] == '.';
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The numeric files of directory @dir as name/value pairs (names malloc'ed):
 * those of @first in that order, then the rest sorted. Their number.
 */
struct attr {
	char *name;
	char value[64];
};

static int read_attrs(const char *dir, const char *const *first, int nfirst,
		      struct attr *out, int max)
{
	char path[512], *names[128];
	struct dirent *e;
	int nr = 0, nn = 0, i, k;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d)) && nn < (int)ARRAY_SIZE(names)) {
		if (skip_attr(e->d_name))
			continue;
		names[nn] = strdup(e->d_name);
		if (names[nn])
			nn++;
	}
	closedir(d);
	qsort(names, nn, sizeof(names[0]), name_cmp);
	for (k = 0; k <= nfirst && nr < max; k++) {
		for (i = 0; i < nn && nr < max; i++) {
			bool listed = false;
			int f;

			if (!names[i])
				continue;
			for (f = 0; f < nfirst; f++)
				listed |= !strcmp(names[i], first[f]);
			if (k < nfirst ? strcmp(names[i], first[k]) : listed)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
			if (read_file(path, out[nr].value, sizeof(out[nr].value)))
				continue;
			out[nr].name = names[i];
			names[i] = NULL;
			nr++;
		}
	}
	for (i = 0; i < nn; i++)
		free(names[i]);
	return nr;
}

static bool is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static const struct {
	unsigned int bit;
	const char *name;
} features[] = {
	{ ODX_CAP_POINT_IN_TIME, "point_in_time" },
	{ ODX_CAP_ZERO_TOKEN, "zero_token" },
	{ ODX_CAP_CROSS_DEVICE, "cross_device" },
	{ ODX_CAP_RELEASE, "release" },
	{ ODX_CAP_REVOKE, "revoke" },
};

static int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct attr cnt[64], par[64];
	int opt, fd, err, rc, ncnt, npar, i;
	struct odx_caps c;
	struct json j = { 0 };
	bool json = false;
	uint64_t ro = 0;
	char dir[128], h[32], h2[32], ver[64];
	struct dev d;

	while ((opt = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			return print_help("info");
		default:
			return bad_option(argc, argv, opt);
		}
	}
	if (optind >= argc)
		return usage_error("which device? give DEV (/dev/odxN, odxN or N)");
	if (optind + 1 < argc)
		return usage_error("unexpected argument '%s'", argv[optind + 1]);
	rc = dev_lookup(argv[optind], &d);
	if (rc)
		return rc;
	rc = dev_open(&d, false, &fd);
	if (rc)
		return rc;
	err = odx_get_caps(fd, &c);
	close(fd);
	if (err)
		return fail_errno(err, OP_CAPS, d.path, "ODX_IOC_CAPS failed");
	dev_attr(&d, "ro", &ro);
	snprintf(dir, sizeof(dir), SYS_BLOCK "/%s/odx", d.name);
	ncnt = read_attrs(dir, counters, ARRAY_SIZE(counters), cnt, ARRAY_SIZE(cnt));
	npar = read_attrs(SYS_MODULE "/parameters", NULL, 0, par, ARRAY_SIZE(par));

	if (json) {
		json_open(&j, NULL, '{');
		json_str(&j, "device", d.path);
		json_str(&j, "name", d.name);
		json_u64(&j, "index", d.index);
		json_u64(&j, "size", d.size);
		json_u64(&j, "block_size", d.block_size);
		json_bool(&j, "read_only", ro);
		json_str(&j, "module_version", module_version(ver, sizeof(ver)));
		json_open(&j, "caps", '{');
		json_u64(&j, "version", c.version);
		json_u64(&j, "size", c.size);
		json_u64(&j, "maximum_token_lifetime", c.maximum_token_lifetime);
		json_u64(&j, "default_token_lifetime", c.default_token_lifetime);
		json_u64(&j, "maximum_transfer_size", c.maximum_transfer_size);
		json_u64(&j, "optimal_transfer_count", c.optimal_transfer_count);
		json_u64(&j, "maximum_data_descriptors", c.maximum_data_descriptors);
		json_u64(&j, "maximum_transfer_length_per_descriptor",
			 c.maximum_transfer_length_per_descriptor);
		json_u64(&j, "optimal_transfer_length_per_descriptor",
			 c.optimal_transfer_length_per_descriptor);
		json_u64(&j, "optimal_transfer_length_granularity",
			 c.optimal_transfer_length_granularity);
		json_u64(&j, "block_size", c.block_size);
		json_u64(&j, "maximum_token_size", c.maximum_token_size);
		json_u64(&j, "features", c.features);
		json_open(&j, "feature_names", '[');
		for (i = 0; i < (int)ARRAY_SIZE(features); i++)
			if (c.features & features[i].bit)
				json_str(&j, NULL, features[i].name);
		json_close(&j, ']');
		json_close(&j, '}');
		json_open(&j, "counters", '{');
		for (i = 0; i < ncnt; i++) {
			if (is_number(cnt[i].value))
				json_u64(&j, cnt[i].name, strtoull(cnt[i].value, NULL, 10));
			else
				json_str(&j, cnt[i].name, cnt[i].value);
		}
		json_close(&j, '}');
		json_open(&j, "parameters", '{');
		for (i = 0; i < npar; i++) {
			if (is_number(par[i].value))
				json_u64(&j, par[i].name, strtoull(par[i].value, NULL, 10));
			else
				json_str(&j, par[i].name, par[i].value);
		}
		json_close(&j, '}');
		json_close(&j, '}');
	} else {
		printf("device:     %s (index %u)%s\n", d.path, d.index, ro ? ", read-only" : "");
		printf("size:       %" PRIu64 " bytes (%s)\n", d.size, human(d.size, h, sizeof(h)));
		printf("block size: %u\n", d.block_size);
		printf("module:     odx %s\n", module_version(ver, sizeof(ver)));
		printf("capabilities (ODX_IOC_CAPS, version %u):\n", c.version);
		printf("  features:                               0x%x", c.features);
		for (i = 0; i < (int)ARRAY_SIZE(features); i++)
			if (c.features & features[i].bit)
				printf(" %s", features[i].name);
		printf("\n");
		printf("  maximum token lifetime:                 %u s\n", c.maximum_token_lifetime);
		printf("  default token lifetime:                 %u s\n", c.default_token_lifetime);
		printf("  maximum token size:                     %llu bytes (%s)\n",
		       (unsigned long long)c.maximum_token_size,
		       human(c.maximum_token_size, h, sizeof(h)));
		printf("  maximum transfer size:                  %llu bytes (%s)\n",
		       (unsigned long long)c.maximum_transfer_size,
		       human(c.maximum_transfer_size, h, sizeof(h)));
		printf("  optimal transfer count:                 %llu bytes (%s)\n",
		       (unsigned long long)c.optimal_transfer_count,
		       human(c.optimal_transfer_count, h, sizeof(h)));
		printf("  maximum data descriptors:               %u\n",
		       c.maximum_data_descriptors);
		printf("  maximum transfer length per descriptor: %u blocks (%s)\n",
		       c.maximum_transfer_length_per_descriptor,
		       human((uint64_t)c.maximum_transfer_length_per_descriptor * c.block_size,
			     h, sizeof(h)));
		printf("  optimal transfer length per descriptor: %u blocks (%s)\n",
		       c.optimal_transfer_length_per_descriptor,
		       human((uint64_t)c.optimal_transfer_length_per_descriptor * c.block_size,
			     h2, sizeof(h2)));
		printf("  optimal transfer length granularity:    %u blocks\n",
		       c.optimal_transfer_length_granularity);
		printf("counters (" SYS_BLOCK "/%s/odx):\n", d.name);
		for (i = 0; i < ncnt; i++)
			printf("  %-20s %s\n", cnt[i].name, cnt[i].value);
		printf("module parameters (" SYS_MODULE "/parameters):\n");
		for (i = 0; i < npar; i++)
			printf("  %-20s %s\n", par[i].name, par[i].value);
	}
	for (i = 0; i < ncnt; i++)
		free(cnt[i].name);
	for (i = 0; i < npar; i++)
		free(par[i].name);
	return RC_OK;
}

/* ----------------------------------------------------------------------------
 * token, write, release, zero
 */

/* Check the number of ranges against the device's limit. */
static int check_nr_ranges(int fd, const struct dev *d, int nr)
{
	struct odx_caps c;

	if (odx_get_caps(fd, &c))
		return 0;	/* the kernel will say */
	if (c.maximum_data_descriptors && (unsigned int)nr > c.maximum_data_descriptors)
		return usage_error("%d ranges: %s takes at most %u per request (module parameter max_ranges)",
				   nr, d->path, c.maximum_data_descriptors);
	return 0;
}

/* Parse --ttl: milliseconds, or with a unit ms, s, m, h. */
static int parse_ttl(const char *s, uint32_t *ttl)
{
	static const struct {
		const char *name;
		uint64_t ms;
	} tu[] = { { "", 1 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 } };
	unsigned long long v;
	char *end;
	size_t i;

	if (!isdigit((unsigned char)*s))
		return usage_error("bad --ttl '%s': milliseconds, or a number with ms, s, m or h",
				   s);
	errno = 0;
	v = strtoull(s, &end, 10);
	for (i = 0; i < ARRAY_SIZE(tu); i++) {
		if (strcmp(end, tu[i].name))
			continue;
		if (errno || v > UINT32_MAX / tu[i].ms)
			return usage_error("bad --ttl '%s': at most %u ms (the module clamps to max_ttl_ms anyway)",
					   s, UINT32_MAX);
		*ttl = v * tu[i].ms;
		return 0;
	}
	return usage_error("bad --ttl '%s': milliseconds, or a number with ms, s, m or h", s);
}

static int write_token_file(const char *path, const struct odx_token *t)
{
	ssize_t n;
	int fd;

	if (!strcmp(path, "-")) {
		n = fwrite(t, 1, sizeof(*t), stdout) == sizeof(*t) ? 0 : -EIO;
		if (!n && fflush(stdout))
			n = -errno;
	} else {
		/* A token is a bearer capability: keep it private. */
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			return fail_rc(RC_FAIL, "cannot write the token to %s: %s (%s)", path,
				       strerror(errno), errno_name(errno));
		n = write(fd, t, sizeof(*t));
		n = n == sizeof(*t) ? 0 : n < 0 ? -errno : -EIO;
		if (close(fd) && !n)
			n = -errno;
	}
	if (n)
		return fail_rc(RC_FAIL, "cannot write the token to %s: %s", path,
			       strerror((int)-n));
	return 0;
}

static int cmd_token(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ttl", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	static struct odx_data_set_range ranges[MAX_ARG_RANGES];
	struct odx_offload_read_output out;
	const char *outfile = NULL;
	int opt, fd, err, rc, nr;
	uint64_t total;
	uint32_t ttl = 0;
	struct json j = { 0 };
	bool json = false, trunc;
	char what[64], h[32], h2[32];
	struct dev d;
	FILE *f;

	while ((opt = getopt_long(argc, argv, ":t:o:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			if (parse_ttl(optarg, &ttl))
				return RC_USAGE;
			break;
		case 'o':
			outfile = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			return print_help("token");
		default:
			return bad_option(argc, argv, opt);
		}
	}
	if (optind >= argc)
		return usage_error("which device? give DEV and RANGE... (e.g. /dev/odx0 0+1M)");
	if (json && outfile && !strcmp(outfile, "-"))
		return usage_error("--json and --out - both want standard output");
	rc = dev_lookup(argv[optind], &d);
	if (rc)
		return rc;
	nr = argc - optind - 1;
	rc = parse_ranges(argv + optind + 1, nr, &d, ranges, &total);
	if (rc)
		return rc;
	rc = dev_open(&d, false, &fd);
	if (rc)
		return rc;
	rc = check_nr_ranges(fd, &d, nr);
	if (rc) {
		close(fd);
		return rc;
	}
	err = odx_offload_read(fd, ranges, nr, ttl, &out);
	close(fd);
	if (err) {
		snprintf(what, sizeof(what), "offload read on %s failed", d.path);
		return fail_errno(err, OP_READ, d.path, what);
	}
	trunc = out.offload_read_flags & ODX_OFFLOAD_READ_RANGE_TRUNCATED;
	if (outfile) {
		rc = write_token_file(outfile, &out.token);
		if (rc) {
			/* Nobody will use it: do not leave it pinning pages. */
			if (!dev_open(&d, false, &fd)) {
				odx_release(fd, &out.token);
				close(fd);
			}
			return rc;
		}
	}
	if (json) {
		json_open(&j, NULL, '{');
		json_str(&j, "device", d.path);
		json_ranges(&j, "ranges", ranges, nr);
		json_u64(&j, "requested", total);
		json_u64(&j, "length_protected", out.length_protected);
		json_bool(&j, "truncated", trunc);
		json_u64(&j, "flags", out.offload_read_flags);
		json_u64(&j, "ttl_ms", ttl);
		if (outfile)
			json_str(&j, "token_file", outfile);
		else
			json_hex(&j, "token", &out.token, sizeof(out.token));
		json_close(&j, '}');
		return RC_OK;
	}
	/* The hex alone on standard output, so that $(odxctl token ...) is the token. */
	if (!outfile) {
		print_hex(stdout, &out.token, sizeof(out.token));
		putchar('\n');
		fflush(stdout);
	}
	f = outfile && strcmp(outfile, "-") ? stdout : stderr;
	fprintf(f, "LengthProtected: %llu bytes (%s) of %" PRIu64 " requested\n",
		(unsigned long long)out.length_protected,
		human(out.length_protected, h, sizeof(h)), total);
	if (trunc)
		fprintf(f, "Truncated: yes, %s short (READ_RANGE_TRUNCATED): mint another token from %" PRIu64 " bytes into the ranges for the rest\n",
			human(total - out.length_protected, h2, sizeof(h2)),
			(uint64_t)out.length_protected);
	else
		fprintf(f, "Truncated: no\n");
	return RC_OK;
}

/* Parse --token-offset and check it against the block size. */
static int parse_token_offset(const char *s, const struct dev *d, uint64_t *off)
{
	if (parse_size_opt("--token-offset", s, off))
		return RC_USAGE;
	if (*off % d->block_size)
		return usage_error("--token-offset %s is not a multiple of the %u-byte logical block size of %s; use e.g. %" PRIu64,
				   s, d->block_size, d->path, *off / d->block_size * d->block_size);
	return 0;
}

static void print_write_flags(uint32_t flags)
{
	printf("Flags: 0x%x", flags);
	if (flags & ODX_OFFLOAD_WRITE_RANGE_TRUNCATED)
		printf(" WRITE_RANGE_TRUNCATED");
	if (flags & ODX_OFFLOAD_TOKEN_INVALID)
		printf(" TOKEN_INVALID");
	if (!flags)
		printf(" (none)");
	printf("\n");
}

static int cmd_write(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 't' },
		{ "token-offset", required_argument, NULL, 'O' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	static struct odx_data_set_range ranges[MAX_ARG_RANGES];
	const char *token_arg = NULL, *offset_arg = NULL;
	struct odx_offload_write_output out;
	int opt, fd, err, rc, nr;
	struct odx_token token;
	uint64_t total, toff = 0;
	struct json j = { 0 };
	bool json = false, trunc;
	char what[160], h[32];
	struct dev d;

	while ((opt = getopt_long(argc, argv, ":t:O:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			token_arg = optarg;
			break;
		case 'O':
			offset_arg = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			return print_help("write");
		default:
			return bad_option(argc, argv, opt);
		}
	}
	if (optind >= argc)
		return usage_error("which device? give DEV --token FILE|HEX RANGE...");
	if (!token_arg)
		return usage_error("no token: give --token FILE|HEX (from 'odxctl token')");
	rc = dev_lookup(argv[optind], &d);
	if (rc)
		return rc;
	if (offset_arg && parse_token_offset(offset_arg, &d, &toff))
		return RC_USAGE;
	nr = argc - optind - 1;
	rc = parse_ranges(argv + optind + 1, nr, &d, ranges, &total);
	if (rc)
		return rc;
	rc = load_token(token_arg, &token);
	if (rc)
		return rc;
	rc = dev_open(&d, true, &fd);
	if (rc)
		return rc;
	rc = check_nr_ranges(fd, &d, nr);
	if (rc) {
		close(fd);
		return rc;
	}
	err = odx_offload_write(fd, &token, toff, ranges, nr, &out);
	close(fd);
	if (err == -EINVAL && token_bytes(&token) && toff >= token_bytes(&token)) {
		snprintf(what, sizeof(what),
			 "offload write on %s failed: --token-offset %" PRIu64 " is not below the %" PRIu64 " bytes the token covers",
			 d.path, toff, token_bytes(&token));
		return fail_rc(RC_USAGE, "%s (EINVAL)", what);
	}
	if (err) {
		snprintf(what, sizeof(what), "offload write on %s failed", d.path);
		return fail_errno(err, OP_WRITE, d.path, what);
	}
	trunc = out.offload_write_flags & ODX_OFFLOAD_WRITE_RANGE_TRUNCATED;
	if (json) {
		json_open(&j, NULL, '{');
		json_str(&j, "device", d.path);
		json_ranges(&j, "ranges", ranges, nr);
		json_u64(&j, "token_offset", toff);
		json_u64(&j, "requested", total);
		json_u64(&j, "length_copied", out.length_copied);
		json_u64(&j, "flags", out.offload_write_flags);
		json_bool(&j, "truncated", trunc);
		json_bool(&j, "token_invalid",
			  out.offload_write_flags & ODX_OFFLOAD_TOKEN_INVALID);
		json_close(&j, '}');
		return RC_OK;
	}
	printf("LengthCopied: %llu bytes (%s) of %" PRIu64 " requested\n",
	       (unsigned long long)out.length_copied, human(out.length_copied, h, sizeof(h)),
	       total);
	print_write_flags(out.offload_write_flags);
	return RC_OK;
}

static int cmd_release(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *token_arg = NULL;
	struct odx_token token;
	int opt, fd, err, rc;
	char what[64];
	struct dev d;

	while ((opt = getopt_long(argc, argv, ":t:h", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			token_arg = optarg;
			break;
		case 'h':
			return print_help("release");
		default:
			return bad_option(argc, argv, opt);
		}
	}
	if (optind >= argc)
		return usage_error("which device? give DEV --token FILE|HEX");
	if (optind + 1 < argc)
		return usage_error("unexpected argument '%s'", argv[optind + 1]);
	if (!token_arg)
		return usage_error("no token: give --token FILE|HEX");
	rc = dev_lookup(argv[optind], &d);
	if (rc)
		return rc;
	rc = load_token(token_arg, &token);
	if (rc)
		return rc;
	rc = dev_open(&d, false, &fd);
	if (rc)
		return rc;
	err = odx_release(fd, &token);
	close(fd);
	if (err) {
		snprintf(what, sizeof(what), "cannot release the token");
		return fail_errno(err, OP_RELEASE, d.path, what);
	}
	printf("released\n");
	return RC_OK;
}

static int cmd_revoke(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	uint64_t revoked = 0;
	struct json j = { 0 };
	bool json = false;
	int opt, fd, err, rc;
	struct dev d;

	while ((opt = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			return print_help("revoke");
		default:
			return bad_option(argc, argv, opt);
		}
	}
	if (optind >= argc)
		return usage_error("which device? give DEV");
	if (optind + 1 < argc)
		return usage_error("unexpected argument '%s'", argv[optind + 1]);
	rc = dev_lookup(argv[optind], &d);
	if (rc)
		return rc;
	rc = dev_open(&d, true, &fd);
	if (rc)
		return rc;
	err = odx_revoke(fd, &revoked);
	close(fd);
	if (err)
		return fail_errno(err, OP_REVOKE, d.path, "cannot revoke the tokens");
	if (json) {
		json_open(&j, NULL, '{');
		json_str(&j, "device", d.path);
		json_u64(&j, "revoked", revoked);
		json_close(&j, '}');
		return RC_OK;
	}
	printf("revoked %" PRIu64 " token%s\n", revoked, revoked == 1 ? "" : "s");
	return RC_OK;
}

static int cmd_zero(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	static struct odx_data_set_range ranges[MAX_ARG_RANGES];
	struct odx_offload_write_output out;
	uint64_t total, done = 0;
	struct odx_token zero;
	unsigned int writes = 0;
	int opt, fd, err = 0, rc, nr, first = 0;
	struct json j = { 0 };
	bool json = false;
	char what[64], h[32];
	struct dev d;

	while ((opt = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			return print_help("zero");
		default:
			return bad_option(argc, argv, opt);
		}
	}
	if (optind >= argc)
		return usage_error("which device? give DEV RANGE... (e.g. /dev/odx0 0+1M)");
	rc = dev_lookup(argv[optind], &d);
	if (rc)
		return rc;
	nr = argc - optind - 1;
	rc = parse_ranges(argv + optind + 1, nr, &d, ranges, &total);
	if (rc)
		return rc;
	rc = dev_open(&d, true, &fd);
	if (rc)
		return rc;
	rc = check_nr_ranges(fd, &d, nr);
	if (rc) {
		close(fd);
		return rc;
	}
	odx_zero_token(&zero);
	/* One write may stop short (max_transfer_bytes): carry on from there. */
	while (first < nr) {
		uint64_t n;

		err = odx_offload_write(fd, &zero, 0, ranges + first, nr - first, &out);
		if (!err && !out.length_copied)
			err = -EIO;
		if (err)
			break;
		writes++;
		done += out.length_copied;
		for (n = out.length_copied; n && first < nr;) {
			struct odx_data_set_range *r = &ranges[first];
			uint64_t k = n < r->length_in_bytes ? n : r->length_in_bytes;

			r->starting_offset += k;
			r->length_in_bytes -= k;
			n -= k;
			if (!r->length_in_bytes)
				first++;
		}
	}
	close(fd);
	if (err) {
		snprintf(what, sizeof(what), "zeroing on %s failed after %" PRIu64 " bytes",
			 d.path, done);
		return fail_errno(err, OP_ZERO, d.path, what);
	}
	if (json) {
		json_open(&j, NULL, '{');
		json_str(&j, "device", d.path);
		json_u64(&j, "requested", total);
		json_u64(&j, "bytes_zeroed", done);
		json_u64(&j, "writes", writes);
		json_close(&j, '}');
		return RC_OK;
	}
	printf("zeroed %" PRIu64 " bytes (%s) in %u offload write%s\n", done,
	       human(done, h, sizeof(h)), writes, writes == 1 ? "" : "s");
	return RC_OK;
}

/* ----------------------------------------------------------------------------
 * copy
 */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct progress {
	bool enabled;		/* may draw */
	bool shown;		/* has drawn */
	double start, last;
	double delay;		/* seconds before the bar shows: short copies get none */
};

static void progress_draw(uint64_t done, uint64_t total, void *arg)
{
	struct progress *p = arg;
	double t = now(), el = t - p->start;
	char a[32], b[32], r[32], bar[31];
	int fill, i;

	if (!p->enabled || el < p->delay || (done < total && t - p->last < 0.1))
		return;
	p->last = t;
	p->shown = true;
	fill = total ? (int)(done * 30 / total) : 30;
	for (i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	fprintf(stderr, "\r[%s] %3d%% %s / %s, %s   ", bar,
		total ? (int)(done * 100 / total) : 100, human(done, a, sizeof(a)),
		human(total, b, sizeof(b)), human_rate(el > 0 ? done / el : 0, r, sizeof(r)));
	fflush(stderr);
}

/* Split SPEC into a device and an optional @OFFSET. */
static int parse_endpoint(const char *spec, const char *role, struct dev *d, uint64_t *off)
{
	char buf[256], *at;
	const char *why;
	int rc;

	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf))
		return usage_error("%s '%.40s...' is too long", role, spec);
	*off = 0;
	at = strrchr(buf, '@');
	if (at) {
		*at = '\0';
		if (parse_size(at + 1, off, &why))
			return usage_error("bad %s offset '%s' in %s: %s", role, at + 1, spec, why);
	}
	rc = dev_lookup(buf, d);
	if (rc)
		return rc;
	if (*off % d->block_size)
		return usage_error("%s offset %s (%" PRIu64 ") is not a multiple of the %u-byte logical block size of %s; use e.g. %s@%" PRIu64,
				   role, at + 1, *off, d->block_size, d->path, buf,
				   *off / d->block_size * d->block_size);
	if (*off > d->size)
		return usage_error("%s offset %s is past the end of %s (%" PRIu64 " bytes)",
				   role, at + 1, d->path, d->size);
	return 0;
}

static int cmd_copy(int argc, char **argv)
{
	enum { OPT_PROGRESS = 256, OPT_NO_PROGRESS };
	static const struct option opts[] = {
		{ "length", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct progress prog = { .delay = 1.0 };
	int opt, sfd, dfd, err, rc, want_progress = -1;
	struct odx_copy_stats st;
	uint64_t soff, doff, len = 0;
	bool json = false, have_len = false, backward;
	struct json j = { 0 };
	char what[192], h[32], r[32];
	const char *len_arg = NULL;
	struct dev s, d;
	double t0, el;

	while ((opt = getopt_long(argc, argv, ":l:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			if (parse_size_opt("--length", optarg, &len))
				return RC_USAGE;
			have_len = true;
			len_arg = optarg;
			break;
		case 'j':
			json = true;
			break;
		case OPT_PROGRESS:
			want_progress = 1;
			break;
		case OPT_NO_PROGRESS:
			want_progress = 0;
			break;
		case 'h':
			return print_help("copy");
		default:
			return bad_option(argc, argv, opt);
		}
	}
	if (argc - optind < 2)
		return usage_error("give SRC[@OFFSET] and DST[@OFFSET]");
	if (argc - optind > 2)
		return usage_error("unexpected argument '%s': give SRC[@OFFSET] DST[@OFFSET]",
				   argv[optind + 2]);
	rc = parse_endpoint(argv[optind], "source", &s, &soff);
	if (!rc)
		rc = parse_endpoint(argv[optind + 1], "destination", &d, &doff);
	if (rc)
		return rc;
	if (s.block_size != d.block_size)
		return usage_error("%s has %u-byte and %s %u-byte logical blocks: odx copies only between devices of the same block size (EXDEV)",
				   s.path, s.block_size, d.path, d.block_size);
	if (!have_len) {
		len = s.size - soff;
		if (!len)
			return usage_error("nothing to copy: the source offset is the end of %s",
					   s.path);
	} else if (!len) {
		return usage_error("bad --length 0: give a length above 0");
	}
	if (len % s.block_size)
		return usage_error("--length %s is not a multiple of the %u-byte logical block size; use e.g. %" PRIu64,
				   len_arg, s.block_size, (len + s.block_size - 1) / s.block_size * s.block_size);
	if (len > s.size - soff)
		return usage_error("%s bytes from offset %" PRIu64 " run past the end of %s (%" PRIu64 " bytes)",
				   have_len ? len_arg : "the copy's", soff, s.path, s.size);
	if (len > d.size - doff)
		return usage_error("%" PRIu64 " bytes (%s) do not fit on %s from offset %" PRIu64 " (%" PRIu64 " bytes left); give a smaller --length",
				   len, human(len, h, sizeof(h)), d.path, doff, d.size - doff);

	rc = dev_open(&s, false, &sfd);
	if (rc)
		return rc;
	rc = dev_open(&d, true, &dfd);
	if (rc) {
		close(sfd);
		return rc;
	}
	backward = s.index == d.index && doff > soff && doff - soff < len;
	prog.enabled = want_progress < 0 ? isatty(STDERR_FILENO) : want_progress;
	if (want_progress > 0)
		prog.delay = 0;
	t0 = now();
	prog.start = t0;
	prog.last = 0;
	err = odx_move(sfd, soff, dfd, doff, len, &st, progress_draw, &prog);
	el = now() - t0;
	close(sfd);
	close(dfd);
	if (prog.shown) {
		if (!err)
			progress_draw(len, len, &prog);
		fputc('\n', stderr);
	}
	if (err) {
		snprintf(what, sizeof(what),
			 "copy from %s@%" PRIu64 " to %s@%" PRIu64 " failed after %" PRIu64 " of %" PRIu64 " bytes",
			 s.path, soff, d.path, doff, st.bytes, len);
		return fail_errno(err, OP_COPY, err == -EPERM ? d.path : s.path, what);
	}
	if (json) {
		json_open(&j, NULL, '{');
		json_str(&j, "source", s.path);
		json_u64(&j, "source_offset", soff);
		json_str(&j, "destination", d.path);
		json_u64(&j, "destination_offset", doff);
		json_u64(&j, "length", len);
		json_u64(&j, "bytes_copied", st.bytes);
		json_double(&j, "seconds", el);
		json_u64(&j, "bytes_per_second", el > 0 ? (uint64_t)(st.bytes / el) : 0);
		json_u64(&j, "tokens", st.tokens);
		json_u64(&j, "writes", st.writes);
		json_bool(&j, "backward", backward);
		json_close(&j, '}');
		return RC_OK;
	}
	printf("copied %" PRIu64 " bytes (%s) in %.3f s, %s; %u token%s, %u write%s%s\n",
	       st.bytes, human(st.bytes, h, sizeof(h)), el,
	       human_rate(el > 0 ? st.bytes / el : 0, r, sizeof(r)),
	       st.tokens, st.tokens == 1 ? "" : "s", st.writes, st.writes == 1 ? "" : "s",
	       backward ? " (overlapping: copied backwards)" : "");
	return RC_OK;
}

/* ----------------------------------------------------------------------------
 * main
 */

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ "create", cmd_create, "create a device (/dev/odx-control)",
	  "Usage: odxctl create [--size SIZE] [--block-size 512|4096] [--index N]\n"
	  "\n"
	  "Create an odx device through /dev/odx-control and print its node, /dev/odxN.\n"
	  "\n"
	  "  -s, --size SIZE          capacity, a multiple of 4K up to 1T (default 64M)\n"
	  "  -b, --block-size BYTES   logical block size, 512 or 4096 (default: the\n"
	  "                           module's block_size parameter)\n"
	  "  -i, --index N            make /dev/odxN, N from 0 to 1023 (default: the\n"
	  "                           lowest free number)\n"
	  "  -h, --help               show this help\n"
	  "\n"
	  "Needs CAP_SYS_ADMIN. Sizes take units: 4K, 64M, 1G, 4KiB (powers of 1024).\n"
	  EXIT_HELP },
	{ "remove", cmd_remove, "remove a device",
	  "Usage: odxctl remove DEV\n"
	  "\n"
	  "Remove odx device DEV (/dev/odxN, odxN or N); its data is gone and its\n"
	  "tokens are revoked. Fails with EBUSY while anyone has it open.\n"
	  "\n"
	  "  -h, --help               show this help\n"
	  "\n"
	  "Needs CAP_SYS_ADMIN.\n"
	  EXIT_HELP },
	{ "list", cmd_list, "list the devices",
	  "Usage: odxctl list [--json]\n"
	  "\n"
	  "List the odx devices: node, size, logical block size, pages held and live\n"
	  "tokens minted on it (from /sys/block/odxN).\n"
	  "\n"
	  "  -j, --json               one JSON object: {\"devices\": [...]}\n"
	  "  -h, --help               show this help\n"
	  "\n"
	  EXIT_HELP },
	{ "info", cmd_info, "show a device's capabilities, limits and counters",
	  "Usage: odxctl info DEV [--json]\n"
	  "\n"
	  "Show DEV's copy offload capabilities (ODX_IOC_CAPS), its size and block\n"
	  "size, its counters (/sys/block/odxN/odx) and the module's parameters.\n"
	  "\n"
	  "  -j, --json               one JSON object\n"
	  "  -h, --help               show this help\n"
	  "\n"
	  EXIT_HELP },
	{ "token", cmd_token, "mint a token (offload read)",
	  "Usage: odxctl token DEV RANGE... [--ttl MS] [--out FILE] [--json]\n"
	  "\n"
	  "Offload read: mint a token for the data of RANGEs of DEV as they are now.\n"
	  "The token's 1024 hex digits go to standard output on a line of their own,\n"
	  "LengthProtected and whether the token was truncated to standard error\n"
	  "(standard output with --out FILE). A token is a bearer capability: whoever\n"
	  "has it can copy its data.\n"
	  "\n"
	  "  -t, --ttl MS             time to live after last use, in ms (or with a unit:\n"
	  "                           500ms, 30s, 5m, 1h); 0 = the default (30 s), longer\n"
	  "                           than max_ttl_ms is clamped\n"
	  "  -o, --out FILE           write the raw 512 bytes to FILE (mode 0600; - for\n"
	  "                           standard output) instead of the hex\n"
	  "  -j, --json               one JSON object with length_protected, truncated\n"
	  "                           and the token's hex (or token_file)\n"
	  "  -h, --help               show this help\n"
	  "\n"
	  UNITS_HELP
	  "A token covers at most max_token_bytes (see 'odxctl info'): past that it is\n"
	  "truncated and covers a prefix of the ranges.\n"
	  EXIT_HELP },
	{ "write", cmd_write, "copy a token's data into ranges (offload write)",
	  "Usage: odxctl write DEV --token FILE|HEX [--token-offset N] RANGE... [--json]\n"
	  "\n"
	  "Offload write: the kernel copies the token's data, from TokenOffset on, into\n"
	  "the RANGEs of DEV in order, until they are full, the token's data runs out\n"
	  "or max_transfer_bytes is reached. Prints LengthCopied and the flags\n"
	  "(WRITE_RANGE_TRUNCATED when fewer bytes were copied than the ranges hold).\n"
	  "\n"
	  "  -t, --token FILE|HEX     the token: a file with the raw 512 bytes or their\n"
	  "                           hex (- for standard input), or the hex itself\n"
	  "  -O, --token-offset N     start this many bytes into the token's data\n"
	  "                           (a multiple of the block size; default 0)\n"
	  "  -j, --json               one JSON object with length_copied and flags\n"
	  "  -h, --help               show this help\n"
	  "\n"
	  UNITS_HELP
	  EXIT_HELP },
	{ "release", cmd_release, "end a token now",
	  "Usage: odxctl release DEV --token FILE|HEX\n"
	  "\n"
	  "End the token now (ODX_IOC_RELEASE, SCSI's DEL_TKN), unpinning its pages.\n"
	  "DEV is any odx device; the token need not come from it.\n"
	  "\n"
	  "  -t, --token FILE|HEX     the token, as for 'odxctl write'\n"
	  "  -h, --help               show this help\n"
	  "\n"
	  EXIT_HELP },
	{ "revoke", cmd_revoke, "end every token of a device",
	  "Usage: odxctl revoke DEV [--json]\n"
	  "\n"
	  "End every token minted on DEV now (ODX_IOC_REVOKE): whoever holds one can no\n"
	  "longer use it, and the pages it pinned are let go. Copies in flight finish.\n"
	  "Needs DEV open for writing (the owner of the data, not any reader). Prints\n"
	  "how many tokens were revoked.\n"
	  "\n"
	  "  -j, --json               one JSON object with revoked\n"
	  "  -h, --help               show this help\n"
	  "\n"
	  EXIT_HELP },
	{ "zero", cmd_zero, "zero ranges with the zero token",
	  "Usage: odxctl zero DEV RANGE... [--json]\n"
	  "\n"
	  "Zero-fill the RANGEs of DEV with offload writes of the well-known zero token\n"
	  "(whole pages are freed), repeating until all of them are done.\n"
	  "\n"
	  "  -j, --json               one JSON object with bytes_zeroed\n"
	  "  -h, --help               show this help\n"
	  "\n"
	  UNITS_HELP
	  EXIT_HELP },
	{ "copy", cmd_copy, "copy by token, as much as it takes",
	  "Usage: odxctl copy SRC[@OFFSET] DST[@OFFSET] [--length N] [--json]\n"
	  "\n"
	  "Copy N bytes from SRC at OFFSET to DST at OFFSET by token, looping over\n"
	  "offload reads and writes as the module's limits require; then print the\n"
	  "bytes copied, the time and the throughput. Overlapping ranges on one device\n"
	  "are copied right (backwards when DST is above SRC).\n"
	  "\n"
	  "  -l, --length N           bytes to copy (default: the rest of SRC)\n"
	  "  -j, --json               one JSON object with bytes_copied, seconds, ...\n"
	  "      --progress           show a progress bar on standard error at once\n"
	  "      --no-progress        never show one (by default it shows when standard\n"
	  "                           error is a terminal and the copy takes over 1 s)\n"
	  "  -h, --help               show this help\n"
	  "\n"
	  "SRC and DST are /dev/odxN, odxN or N, with the same logical block size;\n"
	  "offsets and length are multiples of it and take units (e.g. odx0@1M).\n"
	  EXIT_HELP },
	{ "help", cmd_help, "show help for a command", NULL },
};

static const char main_help[] =
	"Usage: odxctl COMMAND [OPTION]... [ARG]...\n"
	"       odxctl COMMAND --help\n"
	"\n"
	"Manage odx devices and copy their data by ODX token.\n"
	"\n"
	"Commands:\n"
	"  create [--size SIZE] [--block-size 512|4096] [--index N]\n"
	"  remove DEV\n"
	"  list [--json]\n"
	"  info DEV [--json]\n"
	"  token DEV RANGE... [--ttl MS] [--out FILE] [--json]\n"
	"  write DEV --token FILE|HEX [--token-offset N] RANGE... [--json]\n"
	"  release DEV --token FILE|HEX\n"
	"  zero DEV RANGE... [--json]\n"
	"  copy SRC[@OFFSET] DST[@OFFSET] [--length N] [--json]\n"
	"  help [COMMAND]\n"
	"\n"
	"DEV is /dev/odxN, odxN or N.\n"
	UNITS_HELP
	EXIT_HELP
	"See odxctl(8).\n";

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2 || !strcmp(argv[1], "help")) {
		fputs(main_help, stdout);
		return RC_OK;
	}
	c = find_command(argv[1]);
	if (!c) {
		cmd_name = NULL;
		return usage_error("unknown command '%s'", argv[1]);
	}
	fputs(c->help, stdout);
	return RC_OK;
}

int main(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		fputs(main_help, stderr);
		return RC_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(main_help, stdout);
		return RC_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		char ver[64];

		printf("odxctl %s (caps version %d); odx module: %s\n", ODX_VERSION,
		       ODX_CAPS_VERSION, module_version(ver, sizeof(ver)));
		return RC_OK;
	}
	c = find_command(argv[1]);
	if (!c)
		return usage_error("unknown command '%s'", argv[1]);
	cmd_name = c->name;
	optind = 1;
	opterr = 0;
	return c->fn(argc - 1, argv + 1);
}
