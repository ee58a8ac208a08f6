// SPDX-License-Identifier: GPL-2.0
/*
 * odx_rw: write known data to a block device at many offsets and sizes and
 * read it back.
 *
 *   odx_rw DEV [--direct]
 *
 * DEV must be fresh (never written, or fully discarded) and at most 256 MiB:
 * the program keeps a model of the whole device in memory, starting from
 * zeros, and compares every byte of the device with it after each phase.
 *
 * Data is derived from the absolute byte offset and a seed, so data that lands
 * at the wrong place, or stale data from an older write, never matches. Phases:
 *
 *  fresh      the device reads as zeros.
 *  scattered  writes of odd sizes at odd offsets with unwritten gaps between
 *	       them, each read back at once; then the whole device is compared
 *	       (gaps must still read as zeros).
 *  concurrent (--direct) four processes write interleaved blocks of a 2 MiB
 *	       area no one wrote before, at the same time, so writes to the same
 *	       page race, also to allocate it.
 *  overwrite  writes overlapping earlier ones and each other, each with its
 *	       own seed: the newest data must win everywhere.
 *  edges      the last bytes of the device, a write straddling the end (short
 *	       write), a write at the end (ENOSPC), a read at the end (EOF).
 *
 * Buffered mode (the default) uses arbitrary byte offsets and sizes; after
 * each write the data is synced and checked on the device itself through a
 * second, O_DIRECT descriptor, and each full comparison is done both through
 * O_DIRECT and through the page cache after dropping it (BLKFLSBUF).
 * With --direct, all I/O is O_DIRECT: offsets and sizes are multiples of the
 * logical block size (BLKSSZGET) and buffers are aligned, some of them to 512
 * bytes only so that bio segments start in the middle of a page.
 *
 * Prints the first 20 runs of wrong bytes (offset, expected and actual bytes)
 * and exits 1 if there was any, 2 on usage or setup errors. Also prints "pages-written: N",
 * the number of 4 KiB pages of the device it wrote to, which is what the
 * driver's store (/sys/block/odxN/odx/pages) must then hold.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#define KIB		1024ULL
#define MIB		(1024 * KIB)
#define PAGE		4096ULL
#define MAX_DEV_SIZE	(256 * MIB)
#define MAX_IO		(4 * MIB)
#define CHUNK		MIB
#define NR_RANDOM	300
#define NR_WORKERS	4
#define MAX_REPORTS	20
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct ctx {
	const char *path;
	bool direct;
	int fd;			/* the descriptor under test */
	int dfd;		/* O_DIRECT descriptor to look at the device itself */
	uint64_t size;
	unsigned int lbs;	/* logical block size */
	unsigned char *model;	/* what every byte of the device should hold */
	unsigned char *touched;	/* per 4 KiB page: was any byte of it written? */
	unsigned char *wbuf;	/* MAX_IO + PAGE, page aligned */
	unsigned char *rbuf;	/* CHUNK, page aligned */
	unsigned long mismatches;
	unsigned int reports;
	const char *phase;
};

static void __attribute__((format(printf, 1, 2), noreturn)) die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "odx_rw: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* splitmix64's finaliser: a good 64-bit mix. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* The data byte @seed puts at absolute offset @off, for @len bytes. */
static void pattern(unsigned char *dst, uint64_t off, size_t len, uint32_t seed)
{
	uint64_t word = 0;
	size_t i;

	for (i = 0; i < len; i++, off++) {
		if (i == 0 || !(off & 7))
			word = mix64((off >> 3) + (uint64_t)seed * 0x9e3779b97f4a7c15ULL);
		dst[i] = word >> ((off & 7) * 8);
	}
}

/* A small deterministic PRNG (xorshift64), so runs are reproducible. */
static uint64_t rng_state = 0x0dd0dd0dd0dd0ULL;

static uint64_t rnd(uint64_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? rng_state % n : 0;
}

static uint64_t round_down(uint64_t x, uint64_t a)
{
	return x / a * a;
}

static uint64_t round_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) / a * a;
}

/* Note that [off, off + len) was written: the driver now stores its pages. */
static void mark(struct ctx *c, uint64_t off, uint64_t len)
{
	uint64_t p;

	for (p = off / PAGE; p < (off + len + PAGE - 1) / PAGE; p++)
		c->touched[p] = 1;
}

static uint64_t pages_written(struct ctx *c)
{
	uint64_t p, n = 0;

	for (p = 0; p < c->size / PAGE; p++)
		n += c->touched[p];
	return n;
}

/*
 * Print the runs of differing bytes of one compared chunk. A run goes on over
 * up to 16 equal bytes, since random data sometimes matches by chance.
 */
static void report(struct ctx *c, const char *how, uint64_t off,
		   const unsigned char *want, const unsigned char *got, size_t len)
{
	size_t i = 0, j, last, bad;

	while (i < len) {
		if (want[i] == got[i]) {
			i++;
			continue;
		}
		bad = 0;
		for (j = last = i; j < len && j - last <= 16; j++) {
			if (want[j] != got[j]) {
				last = j;
				bad++;
			}
		}
		c->mismatches += bad;
		if (c->reports++ < MAX_REPORTS) {
			printf("MISMATCH [%s, %s read] %s: offset %" PRIu64 " (0x%" PRIx64
			       "), %zu bytes (%zu differ): expected %02x", c->phase, how,
			       c->path, off + i, off + i, last + 1 - i, bad, want[i]);
			if (last > i)
				printf(" %02x", want[i + 1]);
			printf(", got %02x", got[i]);
			if (last > i)
				printf(" %02x", got[i + 1]);
			printf("%s\n", want[i] ? "" : " (expected zeros: bytes never written)");
		} else if (c->reports == MAX_REPORTS + 1) {
			printf("(further mismatches not shown)\n");
		}
		i = last + 1;
	}
}

static void full_pread(int fd, void *buf, size_t len, uint64_t off, const char *what)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done, off + done);
		if (n < 0)
			die("%s: pread of %zu bytes at %" PRIu64 ": %s", what, len - done,
			    off + done, strerror(errno));
		if (n == 0)
			die("%s: unexpected EOF at %" PRIu64, what, off + done);
		done += n;
	}
}

static void full_pwrite(int fd, const void *buf, size_t len, uint64_t off,
			const char *what)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pwrite(fd, (const char *)buf + done, len - done, off + done);
		if (n < 0)
			die("%s: pwrite of %zu bytes at %" PRIu64 ": %s", what, len - done,
			    off + done, strerror(errno));
		if (n == 0)
			die("%s: pwrite wrote nothing at %" PRIu64, what, off + done);
		done += n;
	}
}

/*
 * Compare [off, off + len) of the device with the model. Through @fd when
 * @direct is false (any offsets); through the O_DIRECT descriptor otherwise,
 * widened to whole pages.
 */
static void check_range(struct ctx *c, bool direct, uint64_t off, uint64_t len)
{
	uint64_t end = off + len;
	int fd = direct ? c->dfd : c->fd;

	if (direct) {
		off = round_down(off, PAGE);
		end = round_up(end, PAGE);
	}
	while (off < end) {
		size_t n = end - off < CHUNK ? end - off : CHUNK;

		full_pread(fd, c->rbuf, n, off, c->path);
		if (memcmp(c->rbuf, c->model + off, n))
			report(c, direct ? "direct" : "buffered", off, c->model + off,
			       c->rbuf, n);
		off += n;
	}
}

/* Make what was written reach the device and forget the page cache. */
static void sync_and_drop(struct ctx *c)
{
	if (fsync(c->fd))
		die("%s: fsync: %s", c->path, strerror(errno));
	if (ioctl(c->fd, BLKFLSBUF, 0))
		die("%s: BLKFLSBUF: %s", c->path, strerror(errno));
}

/* Compare the whole device with the model, by every means the mode has. */
static void check_all(struct ctx *c)
{
	if (c->direct) {
		check_range(c, true, 0, c->size);
		return;
	}
	sync_and_drop(c);
	check_range(c, true, 0, c->size);
	check_range(c, false, 0, c->size);
}

/*
 * Write @len bytes of @seed's pattern at @off from @memoff bytes into the
 * write buffer, update the model and read the range back.
 */
static void write_one(struct ctx *c, uint64_t off, size_t len, uint32_t seed,
		      size_t memoff)
{
	unsigned char *p = c->wbuf + memoff;

	if (len > MAX_IO || off + len > c->size)
		die("internal error: write of %zu at %" PRIu64 " does not fit", len, off);
	pattern(p, off, len, seed);
	full_pwrite(c->fd, p, len, off, c->path);
	memcpy(c->model + off, p, len);
	mark(c, off, len);

	check_range(c, c->direct, off, len);
	if (!c->direct) {
		/* What the page cache wrote back must be on the device. */
		if (fsync(c->fd))
			die("%s: fsync: %s", c->path, strerror(errno));
		check_range(c, true, off, len);
	}
}

/* Buffered: any byte offset and size. Direct: whole logical blocks. */
static void fit(struct ctx *c, uint64_t *off, uint64_t *len)
{
	if (!c->direct)
		return;
	*off = round_down(*off, c->lbs);
	*len = round_up(*len ? *len : 1, c->lbs);
}

/*
 * Memory offset of an I/O buffer in the page-aligned write buffer: with
 * O_DIRECT, page aligned or only 512-byte aligned; buffered, anything.
 */
static size_t memoff(struct ctx *c, unsigned int i)
{
	static const size_t direct_offs[] = { 0, 512, 0, 3584, 1024 };
	static const size_t buffered_offs[] = { 0, 1, 511, 4095, 100 };

	if (c->direct)
		return direct_offs[i % 5];
	return buffered_offs[i % 5];
}

struct region {
	uint64_t off, len;
};

static struct region regions[512];
static unsigned int nr_regions;

static void phase_scattered(struct ctx *c)
{
	static const uint64_t lens[] = {
		1, 2, 511, 512, 513, 1000, 4095, 4096, 4097, 8191, 12345,
		65535, 65537, MIB + 3, 2 * MIB + 4097,	/* > 1 MiB: split bios */
	};
	static const uint64_t starts[] = { 0, 1, 511, 4095, 2049, 512, 3584 };
	/* The last 4 MiB are for the concurrent phase and the edges. */
	uint64_t cursor = 2 * PAGE, limit = c->size - 4 * MIB;
	uint64_t off, len;
	unsigned int i, k = 0;

	c->phase = "scattered";
	for (i = 0; i < ARRAY_SIZE(lens) * 5; i++) {
		len = lens[i % ARRAY_SIZE(lens)];
		off = round_up(cursor, PAGE) + starts[i % ARRAY_SIZE(starts)];
		fit(c, &off, &len);
		if (off < cursor)
			off += c->lbs;
		if (off + len > limit)
			continue;	/* small device: skip what does not fit */
		write_one(c, off, len, 1, memoff(c, k++));
		regions[nr_regions++] = (struct region){ off, len };
		/* Leave an unwritten gap of varying size, often inside a page. */
		cursor = off + len + 1 + (i * 977) % 9000;
		if (c->direct)
			cursor = round_up(cursor, c->lbs);
	}

	/* The first and the last bytes (or blocks) of the device. */
	off = 0;
	len = 1;
	fit(c, &off, &len);
	write_one(c, off, len, 1, memoff(c, k++));
	off = c->size - 4097;
	len = 4097;
	fit(c, &off, &len);
	write_one(c, off, len, 1, memoff(c, k++));

	check_all(c);
	printf("scattered: %u writes with gaps between them\n", k);
}

static void phase_overwrite(struct ctx *c)
{
	uint32_t seed = 100;
	unsigned int i, n = 0;

	c->phase = "overwrite";
	/* Straddle the end of each earlier region into its gap, and its start. */
	for (i = 0; i < nr_regions; i++) {
		uint64_t off = regions[i].off + regions[i].len / 2;
		uint64_t len = regions[i].len;

		if (len > MAX_IO / 2)
			len = MAX_IO / 2;
		fit(c, &off, &len);
		if (off + len <= c->size)
			write_one(c, off, len, seed++, memoff(c, n++));
		off = regions[i].off > 777 ? regions[i].off - 777 : 0;
		len = 777 + regions[i].len / 3;
		fit(c, &off, &len);
		if (off + len <= c->size)
			write_one(c, off, len, seed++, memoff(c, n++));
	}
	/* Random writes all over the device, overlapping each other. */
	for (i = 0; i < NR_RANDOM; i++) {
		uint64_t len = 1 + rnd(i % 10 ? 20000 : 300000);
		uint64_t off = rnd(c->size - len + 1);

		fit(c, &off, &len);
		if (off + len > c->size)
			off = c->size - len;
		write_one(c, off, len, seed++, memoff(c, n++));
	}
	check_all(c);
	printf("overwrite: %u overlapping writes\n", n);
}

/*
 * NR_WORKERS processes write the blocks of one area, worker k taking every
 * block b with b % NR_WORKERS == k, in ascending order: with 512-byte blocks,
 * the workers race for the same pages, and the area was a hole, so they race
 * to allocate them too.
 */
static void phase_concurrent(struct ctx *c)
{
	uint64_t area = 2 * MIB, base = c->size - 3 * MIB;
	uint64_t nr = area / c->lbs, b;
	const uint32_t seed = 7777;
	unsigned int k;
	int status;

	c->phase = "concurrent";
	for (k = 0; k < NR_WORKERS; k++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (pid == 0) {
			for (b = k; b < nr; b += NR_WORKERS) {
				uint64_t off = base + b * c->lbs;
				unsigned char *p = c->wbuf + (b & 1) * 512;

				pattern(p, off, c->lbs, seed);
				full_pwrite(c->fd, p, c->lbs, off, c->path);
			}
			_exit(0);
		}
	}
	for (k = 0; k < NR_WORKERS; k++) {
		if (wait(&status) < 0)
			die("wait: %s", strerror(errno));
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			die("a concurrent writer failed");
	}
	pattern(c->model + base, base, area, seed);
	mark(c, base, area);
	check_all(c);
	printf("concurrent: %d writers, %" PRIu64 " blocks of %u bytes\n", NR_WORKERS,
	       nr, c->lbs);
}

static void phase_edges(struct ctx *c)
{
	unsigned char *p = c->wbuf;
	uint64_t off;
	ssize_t n;

	c->phase = "edges";
	/* A write straddling the end is cut short at the end. */
	off = c->size - (c->direct ? c->lbs : 100);
	pattern(p, off, 2 * PAGE, 4242);
	n = pwrite(c->fd, p, c->direct ? 2 * c->lbs : 200, off);
	if (n != (ssize_t)(c->size - off)) {
		printf("FAIL [edges] write across the end at %" PRIu64 " returned %zd (%s), "
		       "expected %" PRIu64 "\n", off, n, n < 0 ? strerror(errno) : "short",
		       c->size - off);
		c->mismatches++;
	}
	memcpy(c->model + off, p, c->size - off);
	mark(c, off, c->size - off);

	/* Nothing can be written at the end; reading there is EOF. */
	n = pwrite(c->fd, p, c->direct ? c->lbs : 1, c->size);
	if (n >= 0 || errno != ENOSPC) {
		printf("FAIL [edges] write at the end returned %zd (%s), expected ENOSPC\n",
		       n, n < 0 ? strerror(errno) : "success");
		c->mismatches++;
	}
	n = pread(c->fd, c->rbuf, c->direct ? c->lbs : 1, c->size);
	if (n != 0) {
		printf("FAIL [edges] read at the end returned %zd, expected 0 (EOF)\n", n);
		c->mismatches++;
	}
	/* O_DIRECT I/O not aligned to the logical block size is refused. */
	if (c->direct && c->lbs > 512) {
		n = pwrite(c->fd, p, c->lbs, 512);
		if (n >= 0 || errno != EINVAL) {
			printf("FAIL [edges] O_DIRECT write at offset 512 with %u-byte "
			       "blocks returned %zd (%s), expected EINVAL\n", c->lbs, n,
			       n < 0 ? strerror(errno) : "success");
			c->mismatches++;
		}
	}
	check_all(c);
}

int main(int argc, char **argv)
{
	struct ctx c = { .phase = "fresh" };
	int i, flags = O_RDWR | O_CLOEXEC;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--direct"))
			c.direct = true;
		else if (argv[i][0] != '-' && !c.path)
			c.path = argv[i];
		else
			die("usage: odx_rw DEV [--direct]");
	}
	if (!c.path)
		die("usage: odx_rw DEV [--direct]");

	c.fd = open(c.path, flags | (c.direct ? O_DIRECT : 0));
	if (c.fd < 0)
		die("%s: %s", c.path, strerror(errno));
	c.dfd = c.direct ? c.fd : open(c.path, flags | O_DIRECT);
	if (c.dfd < 0)
		die("%s: O_DIRECT: %s", c.path, strerror(errno));
	if (ioctl(c.fd, BLKGETSIZE64, &c.size))
		die("%s: BLKGETSIZE64: %s", c.path, strerror(errno));
	if (ioctl(c.fd, BLKSSZGET, &c.lbs))
		die("%s: BLKSSZGET: %s", c.path, strerror(errno));
	if (c.size % PAGE || c.size < 16 * MIB || c.size > MAX_DEV_SIZE)
		die("%s: size %" PRIu64 " is not a multiple of 4 KiB from 16 to 256 MiB",
		    c.path, c.size);
	if (c.lbs != 512 && c.lbs != 4096)
		die("%s: unexpected logical block size %u", c.path, c.lbs);
	printf("%s: %" PRIu64 " bytes, %u-byte blocks, %s I/O\n", c.path, c.size,
	       c.lbs, c.direct ? "O_DIRECT" : "buffered");

	c.model = calloc(1, c.size);
	c.touched = calloc(1, c.size / PAGE);
	if (!c.model || !c.touched || posix_memalign((void **)&c.wbuf, PAGE, MAX_IO + PAGE) ||
	    posix_memalign((void **)&c.rbuf, PAGE, CHUNK))
		die("out of memory");

	check_all(&c);
	if (c.mismatches)
		printf("the device did not read as zeros: was it fresh?\n");
	phase_scattered(&c);
	if (c.direct)
		phase_concurrent(&c);
	phase_overwrite(&c);
	phase_edges(&c);

	/* For the caller to compare with /sys/block/odxN/odx/pages. */
	printf("pages-written: %" PRIu64 "\n", pages_written(&c));
	if (c.mismatches) {
		printf("FAILED: %lu bad bytes on %s\n", c.mismatches, c.path);
		return 1;
	}
	printf("all data read back correctly\n");
	return 0;
}
