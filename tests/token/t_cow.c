// SPDX-License-Identifier: GPL-2.0
/*
 * t_cow: a randomized, seeded model test of the copy-on-write shared pages
 * behind offload writes.
 *
 * Two devices of its own (created through /dev/odx-control, removed at the
 * end) and a userspace model of both: every byte, and which pages the store
 * holds (a hole reads as zeros but is no page). Each round does one random
 * operation, applies it to the model, then reads back what it touched and
 * compares it with the model:
 *
 *   - offload copy: an offload read (1-4 source ranges, page-aligned or not)
 *     and an offload write (1-4 destination ranges, within or across devices,
 *     overlapping the source or not; sources often lie on earlier copies, so
 *     copies of copies of shared pages are common); a quarter of the tokens
 *     cover whole 2 MiB store chunks (from a chunk's start or from inside
 *     one), and most of their writes land chunk on chunk (shared whole) or a
 *     page off (shared page by page), so later writes, discards and copies
 *     split shared chunks at random places;
 *   - a write from an older token still in the pool (point in time);
 *   - pwrite of small (unaligned), page-sized or larger data, buffered or
 *     O_DIRECT, mostly where copies went or came from;
 *   - BLKDISCARD and BLKZEROOUT of block-aligned ranges; the zero token;
 *   - flipping share_pages between Y and N (every device);
 *   - releasing a pooled token.
 *
 * Each offload write must report LengthCopied as modelled and raise
 * bytes_copied and bytes_shared by exactly what the model says (whole
 * page-aligned pieces whose source page is present, when share_pages=Y).
 * Every CHECKPOINT rounds, and at the end, the whole of both devices is
 * compared, and the pages and token_pages counters are checked against the
 * model. At the end everything is discarded (pages 0 at once), the tokens still
 * in the pool are written once more (point in time after the discard), then
 * released: token_pages and tokens_live drop to 0, pages stays 0.
 *
 * cow_model runs 400 rounds on devices with 512-byte blocks (most pieces are
 * not page-aligned, so shared and byte-copied pieces mix); cow_model_4k runs
 * 200 on 4096-byte blocks (every piece whole pages: shared wherever the source
 * has a page).
 *
 * ODX_COW_SEED=N replays a run (the seed is printed first); ODX_COW_ROUNDS=N
 * sets the number of rounds; ODX_COW_VERBOSE=1 logs every operation. On a
 * mismatch the last operations are printed.
 */
#include "odx_test.h"
#include "odx_harness.h"

#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define COW_SIZE	(32 * MiB)		/* each device */
#define COW_PAGES	(COW_SIZE / PAGE)
#define COW_RANGES	4			/* ranges per request, at most */
#define COW_POOL	6			/* live tokens kept, at most */
#define COW_TTL_MS	600000			/* never expire during the run */
#define COW_ROUNDS	400
#define CHECKPOINT	50
#define MARGIN		(8 * KiB)		/* read back around what changed */
#define ZERO_CHUNK	(1 * MiB)		/* the zero token frees per chunk */
#define CHUNK		(2 * MiB)		/* the store's unit of sharing */
#define HISTORY		24

/* ------------------------------------------------------------------------ */
/* Random numbers: splitmix64, so a seed replays the run. */

static uint64_t rng;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int pct)
{
	return below(100) < pct;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* ------------------------------------------------------------------------ */
/* The model */

struct dev_model {
	unsigned int idx;	/* /dev/odxN */
	int fd;			/* O_RDWR, buffered */
	uint8_t *img;		/* every byte */
	uint8_t *present;	/* per page: the store holds a page */
	uint64_t copied, shared, zeroed;	/* the counters, as modelled */
};

struct tok_model {
	bool live;
	unsigned int dev;	/* 0 or 1: the source */
	struct odx_token tok;
	struct odx_data_set_range r[COW_RANGES];
	unsigned int nr;
	unsigned long first_slot[COW_RANGES];
	uint64_t len;
	uint8_t *data;		/* the bytes it stands for */
	uint8_t *present;	/* per slot (page of a range): pinned, not a hole */
	unsigned long pinned;	/* distinct source pages pinned (overlaps once) */
	unsigned int id;	/* for the log */
	bool chunky;		/* ranges of whole store chunks (and their edges) */
};

/* A recently copied stretch: later operations like to land there. */
struct hot {
	unsigned int dev;
	uint64_t off, len;
};

static struct dev_model devs[2];
static struct tok_model pool[COW_POOL];
static struct hot hots[16];
static unsigned int nr_hots, next_hot, round_no, next_tok_id, nr_logged;
static bool share_on = true, verbose;
static uint64_t blk;		/* the devices' logical block size */
static char history[HISTORY][256];

/* Log an operation: kept for the failure report, printed when verbose. */
static void op_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void op_log(const char *fmt, ...)
{
	char *h = history[nr_logged++ % HISTORY];
	int n;
	va_list ap;

	n = snprintf(h, sizeof(history[0]), "round %u: ", round_no);
	va_start(ap, fmt);
	vsnprintf(h + n, sizeof(history[0]) - n, fmt, ap);
	va_end(ap);
	if (verbose)
		t_diag("%s", h);
}

static void print_history(void)
{
	unsigned int i = nr_logged > HISTORY ? nr_logged - HISTORY : 0;

	t_diag("the last operations:");
	for (; i < nr_logged; i++)
		t_diag("  %s", history[i % HISTORY]);
}

static void hot_add(unsigned int dev, uint64_t off, uint64_t len)
{
	hots[next_hot] = (struct hot){ dev, off, len };
	next_hot = (next_hot + 1) % (sizeof(hots) / sizeof(hots[0]));
	if (nr_hots < sizeof(hots) / sizeof(hots[0]))
		nr_hots++;
}

static unsigned int pages_present(const struct dev_model *d)
{
	unsigned int i, n = 0;

	for (i = 0; i < COW_PAGES; i++)
		n += d->present[i];
	return n;
}

/* Model odx_store_zero(): whole pages become holes, partial ones zeros. */
static void model_zero_range(struct dev_model *d, uint64_t off, uint64_t len)
{
	uint64_t p;

	memset(d->img + off, 0, len);
	for (p = (off + PAGE - 1) / PAGE; (p + 1) * PAGE <= off + len; p++)
		d->present[p] = 0;
}

static void model_write(struct dev_model *d, uint64_t off, const uint8_t *buf,
			uint64_t len)
{
	uint64_t p;

	memcpy(d->img + off, buf, len);
	for (p = off / PAGE; p * PAGE < off + len; p++)
		d->present[p] = 1;
}

/* ------------------------------------------------------------------------ */
/* Reading back */

static void fail_stop(const char *what)
{
	print_history();
	t_fatal(__FILE__, __LINE__, "%s: model and device differ (seed replay: see above)",
		what);
}

/* Compare [off, off + len) of a device, widened by MARGIN, with the model. */
static void check_window(unsigned int dev, uint64_t off, uint64_t len, const char *what)
{
	struct dev_model *d = &devs[dev];
	uint64_t start = off > MARGIN ? (off - MARGIN) & ~(PAGE - 1) : 0;
	uint64_t end = min64((off + len + MARGIN + PAGE - 1) & ~(PAGE - 1), COW_SIZE);
	bool buffered = chance(15);
	uint8_t *buf = malloc(end - start);
	char label[160];
	int ret;

	REQUIRE(buf, "malloc");
	if (buffered)
		ret = pread_all(d->fd, buf, end - start, start);
	else
		ret = direct_read(d->idx, buf, end - start, start);
	snprintf(label, sizeof(label), "round %u, %s, %s %" PRIu64 "+%" PRIu64 "%s", round_no,
		 what, dev_path(d->idx), start, end - start, buffered ? " (buffered)" : "");
	if (!CHECK(!ret, "%s: read: %s", label, t_errname(ret)) ||
	    !buf_same(label, buf, d->img + start, end - start, start)) {
		free(buf);
		fail_stop(label);
	}
	free(buf);
}

static void check_ranges(unsigned int dev, const struct odx_data_set_range *r,
			 unsigned int n, const char *what)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		check_window(dev, r[i].starting_offset, r[i].length_in_bytes, what);
}

/* The counters of both devices against the model (after writeback). */
static void check_counters(const char *when)
{
	unsigned int i, k, live[2] = { 0, 0 };
	unsigned long pinned[2] = { 0, 0 };

	for (i = 0; i < COW_POOL; i++) {
		if (pool[i].live) {
			live[pool[i].dev]++;
			pinned[pool[i].dev] += pool[i].pinned;
		}
	}
	for (k = 0; k < 2; k++) {
		struct dev_model *d = &devs[k];
		bool ok = true;

		REQUIRE(!fsync(d->fd), "fsync %s: %s", dev_path(d->idx), strerror(errno));
		ok &= CHECK_U64("pages", odx_stat(d->idx, "pages"), pages_present(d));
		ok &= CHECK_U64("token_pages", odx_stat(d->idx, "token_pages"), pinned[k]);
		ok &= CHECK_U64("tokens_live", odx_stat(d->idx, "tokens_live"), live[k]);
		ok &= CHECK_U64("bytes_copied", odx_stat(d->idx, "bytes_copied"), d->copied);
		ok &= CHECK_U64("bytes_shared", odx_stat(d->idx, "bytes_shared"), d->shared);
		ok &= CHECK_U64("bytes_zeroed", odx_stat(d->idx, "bytes_zeroed"), d->zeroed);
		if (!ok) {
			t_diag("%s: counters of %s differ from the model", when,
			       dev_path(d->idx));
			fail_stop(when);
		}
	}
}

static void check_all(const char *when)
{
	check_window(0, 0, COW_SIZE, when);
	check_window(1, 0, COW_SIZE, when);
	check_counters(when);
}

/* ------------------------------------------------------------------------ */
/* Choosing ranges */

/* A length: mostly small, sometimes up to 2 MiB; a multiple of unit. */
static uint64_t rand_len(uint64_t unit, uint64_t cap)
{
	static const uint64_t caps[] = { 16 * KiB, 128 * KiB, 512 * KiB, 2 * MiB };
	uint64_t max = min64(caps[below(4)], cap);

	return unit * (1 + below(max / unit));
}

/* An offset for len bytes, a multiple of unit; often inside a hot stretch. */
static uint64_t rand_off(unsigned int *dev, uint64_t len, uint64_t unit, bool pick_dev)
{
	if (nr_hots && chance(75)) {
		const struct hot *h = &hots[below(nr_hots)];
		uint64_t off = h->off + below(h->len);

		if (pick_dev)
			*dev = h->dev;
		if (h->dev == *dev) {
			off -= off % unit;
			if (chance(50) && off >= len / 2)
				off -= (len / 2) - (len / 2) % unit;
			if (off + len <= COW_SIZE)
				return off;
		}
	}
	if (pick_dev)
		*dev = below(2);
	return unit * below((COW_SIZE - len) / unit + 1);
}

static bool overlaps(const struct odx_data_set_range *a, const struct odx_data_set_range *b)
{
	return a->starting_offset < b->starting_offset + b->length_in_bytes &&
	       b->starting_offset < a->starting_offset + a->length_in_bytes;
}

/*
 * n ranges on dev adding up to total bytes, not overlapping each other. near,
 * if not NULL, is a range the first one starts close to (an overlapping copy).
 * Returns how many ranges it made (fewer when the device is crowded).
 */
static unsigned int rand_dst_ranges(unsigned int dev, uint64_t total, unsigned int n,
				    bool aligned, const struct odx_data_set_range *near,
				    struct odx_data_set_range *r)
{
	unsigned int i, j, tries;
	uint64_t left = total;

	for (i = 0; i < n && left; i++) {
		uint64_t unit = aligned ? PAGE : blk;
		uint64_t len = left;

		/* Page multiples keep the later ranges aligned too. */
		if (i < n - 1)
			len = left >= unit ? unit * (1 + below(left / unit)) :
				blk * (1 + below(left / blk));
		for (tries = 0; tries < 50; tries++) {
			uint64_t off;

			if (i == 0 && near) {
				int64_t delta = (int64_t)(unit * below(64 * KiB / unit)) *
						(chance(50) ? 1 : -1);
				int64_t o = (int64_t)near->starting_offset + delta;

				if (o < 0)
					o = 0;
				off = (uint64_t)o;
			} else {
				off = rand_off(&dev, len, unit, false);
			}
			if (off + len > COW_SIZE)
				off = COW_SIZE - len;
			off -= off % blk;
			r[i] = R(off, len);
			for (j = 0; j < i && !overlaps(&r[i], &r[j]); j++)
				;
			if (j == i)
				break;
		}
		if (tries == 50)
			break;
		left -= len;
	}
	return i;
}

/* ------------------------------------------------------------------------ */
/* Tokens */

static void tok_drop(struct tok_model *t)
{
	free(t->data);
	free(t->present);
	t->data = NULL;
	t->present = NULL;
	t->live = false;
}

static void tok_release(struct tok_model *t)
{
	int fd = dev_open(devs[t->dev].idx, O_RDONLY), ret;

	ret = odx_release(fd, &t->tok);
	close(fd);
	op_log("release token %u", t->id);
	CHECK_RET(ret, 0);
	tok_drop(t);
}

/* A pool slot for a new token: a free one, or release a random one. */
static struct tok_model *tok_slot(void)
{
	unsigned int i;

	for (i = 0; i < COW_POOL; i++)
		if (!pool[i].live)
			return &pool[i];
	i = below(COW_POOL);
	tok_release(&pool[i]);
	return &pool[i];
}

static struct tok_model *tok_pick(void)
{
	unsigned int i, n = 0, live[COW_POOL];

	for (i = 0; i < COW_POOL; i++)
		if (pool[i].live)
			live[n++] = i;
	return n ? &pool[live[below(n)]] : NULL;
}

/* Offload read of random ranges on a random device; into the pool. */
static struct tok_model *op_mint(void)
{
	struct odx_offload_read_output out;
	struct tok_model *t = tok_slot();
	bool aligned = chance(60);
	uint64_t unit = aligned ? PAGE : blk, total = 0, pos = 0;
	unsigned int i, dev = below(2), n = 1 + below(COW_RANGES);
	unsigned long slots = 0, s, k;
	uint8_t *seen = calloc(1, COW_PAGES);
	char desc[200];
	int fd, ret, len = 0;

	/*
	 * Sometimes ranges of whole chunks, from a chunk's start or from inside
	 * one (a partial chunk, then whole ones): the store shares those whole.
	 */
	t->chunky = chance(25);
	if (t->chunky)
		n = 1 + below(2);
	for (i = 0; i < n; i++) {
		uint64_t l, off;

		if (t->chunky) {
			l = CHUNK * (1 + below(2)) + (chance(50) ? PAGE * below(CHUNK / PAGE) : 0);
			if (total + l > 6 * MiB)
				break;
			off = CHUNK * below((COW_SIZE - l) / CHUNK + 1);
			if (chance(40))
				off -= min64(off, PAGE * below(CHUNK / PAGE));
			t->r[i] = R(off, l);
			total += l;
			goto described;
		}
		l = rand_len(unit, 4 * MiB - total);
		if (total + l > 4 * MiB)
			break;
		t->r[i] = R(rand_off(&dev, l, unit, i == 0), l);
		total += l;
described:
		slots += (t->r[i].starting_offset + l - 1) / PAGE - t->r[i].starting_offset / PAGE + 1;
		len += snprintf(desc + len, sizeof(desc) - len, " %" PRIu64 "+%" PRIu64,
				(uint64_t)t->r[i].starting_offset, l);
		if (len >= (int)sizeof(desc))
			len = sizeof(desc) - 1;
	}
	t->nr = i;
	t->dev = dev;
	t->len = total;
	t->data = malloc(total);
	t->present = malloc(slots);
	REQUIRE(t->data && t->present && seen, "malloc");
	t->pinned = 0;
	for (i = 0, s = 0; i < t->nr; i++) {
		uint64_t first = t->r[i].starting_offset / PAGE;
		uint64_t last = (t->r[i].starting_offset + t->r[i].length_in_bytes - 1) / PAGE;

		t->first_slot[i] = s;
		for (k = first; k <= last; k++, s++) {
			t->present[s] = devs[dev].present[k];
			/* A page the ranges share is pinned (and counted) once. */
			t->pinned += t->present[s] && !seen[k];
			seen[k] = 1;
		}
		memcpy(t->data + pos, devs[dev].img + t->r[i].starting_offset,
		       t->r[i].length_in_bytes);
		pos += t->r[i].length_in_bytes;
	}
	free(seen);
	t->id = next_tok_id++;
	op_log("mint token %u on %s:%s (%u ranges, %" PRIu64 " bytes)", t->id,
	       dev_path(devs[dev].idx), desc, t->nr, total);

	fd = dev_open(devs[dev].idx, O_RDONLY);
	ret = offload_read(fd, t->r, t->nr, COW_TTL_MS, &out);
	close(fd);
	if (!CHECK_RET(ret, 0) ||
	    !CHECK_U64("length_protected", out.length_protected, total) ||
	    !CHECK_U64("offload_read_flags", out.offload_read_flags, 0)) {
		tok_drop(t);
		fail_stop("offload read");
	}
	t->tok = out.token;
	t->live = true;
	for (i = 0; i < t->nr; i++)
		hot_add(dev, t->r[i].starting_offset, t->r[i].length_in_bytes);
	return t;
}

/*
 * Model an offload write of t from toff into dr on d, piece by piece as the
 * kernel splits it: a piece lies within one source page and one destination
 * page, or is a whole page at page offset 0 on both sides (shared, or a hole).
 * Returns the bytes written; *shared gets the bytes that share token pages.
 */
static uint64_t model_offload_write(const struct tok_model *t, uint64_t toff,
				    struct dev_model *d, const struct odx_data_set_range *dr,
				    unsigned int nd, uint64_t *shared)
{
	uint64_t want = min64(t->len - toff, ranges_total(dr, nd)), done = 0;
	uint64_t within = toff, dwithin = 0;
	unsigned int ti = 0, di = 0;

	*shared = 0;
	while (within >= t->r[ti].length_in_bytes)
		within -= t->r[ti++].length_in_bytes;
	while (done < want) {
		const struct odx_data_set_range *sr = &t->r[ti];
		uint64_t spos = sr->starting_offset + within;
		uint64_t dpos = dr[di].starting_offset + dwithin;
		uint64_t n = min64(min64(dr[di].length_in_bytes - dwithin,
					 sr->length_in_bytes - within), want - done);
		unsigned long slot = t->first_slot[ti] + spos / PAGE -
				     sr->starting_offset / PAGE;
		bool src_page = t->present[slot];

		if (!(spos % PAGE) && !(dpos % PAGE) && n >= PAGE) {
			n = PAGE;
			if (share_on && src_page)
				*shared += PAGE;
			d->present[dpos / PAGE] = src_page;
		} else {
			n = min64(n, PAGE - spos % PAGE);
			n = min64(n, PAGE - dpos % PAGE);
			if (src_page)
				d->present[dpos / PAGE] = 1;
		}
		memcpy(d->img + dpos, t->data + toff + done, n);
		done += n;
		within += n;
		dwithin += n;
		if (within == sr->length_in_bytes) {
			ti++;
			within = 0;
		}
		if (dwithin == dr[di].length_in_bytes) {
			di++;
			dwithin = 0;
		}
	}
	return want;
}

/* Offload-write t (from a random offset) to random ranges; check everything. */
static void op_write_token(struct tok_model *t)
{
	struct odx_data_set_range dr[COW_RANGES];
	struct odx_offload_write_output wo;
	unsigned int dev = chance(50) ? t->dev : below(2), nd, i;
	bool aligned = chance(70);
	uint64_t toff = 0, avail, total, want, shared, c0, s0;
	struct dev_model *d;
	char desc[200];
	int fd, ret, len = 0;

	if (chance(50)) {
		uint64_t unit = chance(75) ? PAGE : blk;

		toff = unit * below((t->len - 1) / unit + 1);
		if (toff >= t->len)
			toff = 0;
	}
	avail = t->len - toff;
	/* Sometimes more room than data: the write is truncated. */
	if (chance(10))
		total = avail + blk * (1 + below(16));
	else if (aligned && avail >= PAGE && chance(70))
		total = PAGE * (1 + below(avail / PAGE));
	else
		total = blk * (1 + below(avail / blk));
	if (total > COW_SIZE / 4)
		total = COW_SIZE / 4;
	if (t->chunky && chance(70)) {
		/*
		 * The token's chunks land on chunks of the destination (shared
		 * whole), or a page off (their pages shared one by one).
		 */
		uint64_t skew = t->r[0].starting_offset % CHUNK, off;

		toff = 0;
		total = min64(t->len, COW_SIZE / 4);
		off = CHUNK * below((COW_SIZE - total - skew) / CHUNK + 1) + skew;
		if (chance(20) && off + total + PAGE <= COW_SIZE)
			off += PAGE;
		dr[0] = R(off, total);
		nd = 1;
	} else {
		nd = rand_dst_ranges(dev, total, 1 + below(COW_RANGES), aligned,
				     dev == t->dev && chance(40) ? &t->r[below(t->nr)] : NULL,
				     dr);
	}
	if (!nd) {
		op_log("token %u: no room for the destination, skipped", t->id);
		return;
	}
	for (i = 0; i < nd; i++) {
		len += snprintf(desc + len, sizeof(desc) - len, " %" PRIu64 "+%" PRIu64,
				(uint64_t)dr[i].starting_offset,
				(uint64_t)dr[i].length_in_bytes);
		if (len >= (int)sizeof(desc))
			len = sizeof(desc) - 1;
	}
	d = &devs[dev];
	op_log("write token %u (from %s) at offset %" PRIu64 " to %s:%s, share_pages=%c",
	       t->id, dev_path(devs[t->dev].idx), toff, dev_path(d->idx), desc,
	       share_on ? 'Y' : 'N');

	c0 = odx_stat(d->idx, "bytes_copied");
	s0 = odx_stat(d->idx, "bytes_shared");
	fd = dev_open(d->idx, O_RDWR);
	ret = offload_write(fd, &t->tok, toff, dr, nd, &wo);
	close(fd);
	want = model_offload_write(t, toff, d, dr, nd, &shared);
	d->copied += want;
	d->shared += shared;
	if (!CHECK_RET(ret, 0) ||
	    !CHECK_U64("length_copied", wo.length_copied, want) ||
	    !CHECK_U64("offload_write_flags", wo.offload_write_flags,
		       want < ranges_total(dr, nd) ? ODX_OFFLOAD_WRITE_RANGE_TRUNCATED : 0) ||
	    !CHECK_U64("bytes_copied increase", odx_stat(d->idx, "bytes_copied") - c0, want) ||
	    !CHECK_U64("bytes_shared increase", odx_stat(d->idx, "bytes_shared") - s0, shared))
		fail_stop("offload write");
	for (i = 0; i < nd; i++)
		hot_add(dev, dr[i].starting_offset, dr[i].length_in_bytes);
	check_ranges(dev, dr, nd, "offload write destination");
	check_ranges(t->dev, t->r, t->nr, "token source after the write");
}

/* ------------------------------------------------------------------------ */
/* Other operations */

static void op_pwrite(void)
{
	unsigned int dev = 0, kind = below(4);
	uint64_t len, off;
	bool direct = false;
	uint8_t *buf;
	int ret;

	switch (kind) {
	case 0:		/* a few bytes anywhere */
		len = 1 + below(600);
		off = rand_off(&dev, len, 1, true);
		break;
	case 1:		/* one page, page-aligned */
		len = PAGE;
		off = rand_off(&dev, len, PAGE, true);
		break;
	case 2:		/* a page's worth, anywhere */
		len = PAGE;
		off = rand_off(&dev, len, 1, true);
		break;
	default:	/* up to 64 KiB of blocks, O_DIRECT half of the time */
		len = blk * (1 + below(64 * KiB / blk));
		off = rand_off(&dev, len, blk, true);
		direct = chance(50);
		break;
	}
	buf = malloc(len);
	REQUIRE(buf, "malloc");
	pat_fill(buf, len, rnd(), off);
	op_log("pwrite %s %" PRIu64 "+%" PRIu64 "%s", dev_path(devs[dev].idx), off, len,
	       direct ? " O_DIRECT" : "");
	if (direct)
		ret = direct_write(devs[dev].idx, buf, len, off);
	else
		ret = pwrite_all(devs[dev].fd, buf, len, off);
	REQUIRE(!ret, "pwrite %s %" PRIu64 "+%" PRIu64 ": %s", dev_path(devs[dev].idx), off,
		len, t_errname(ret));
	model_write(&devs[dev], off, buf, len);
	free(buf);
	check_window(dev, off, len, "pwrite");
}

/* BLKDISCARD or BLKZEROOUT of a random block-aligned range. */
static void op_zero_ioctl(bool discard)
{
	unsigned int dev = 0;
	uint64_t len = rand_len(chance(50) ? PAGE : blk, 1 * MiB);
	uint64_t r[2];
	int ret;

	r[0] = rand_off(&dev, len, blk, true);
	r[1] = len;
	op_log("%s %s %" PRIu64 "+%" PRIu64, discard ? "BLKDISCARD" : "BLKZEROOUT",
	       dev_path(devs[dev].idx), r[0], len);
	ret = ioctl(devs[dev].fd, discard ? BLKDISCARD : BLKZEROOUT, r) ? -errno : 0;
	REQUIRE(!ret, "%s: %s", discard ? "BLKDISCARD" : "BLKZEROOUT", t_errname(ret));
	model_zero_range(&devs[dev], r[0], len);
	check_window(dev, r[0], len, discard ? "BLKDISCARD" : "BLKZEROOUT");
}

/* The zero token: odx_copy() zeroes each range in chunks of up to 1 MiB. */
static void op_zero_token(void)
{
	struct odx_data_set_range dr[COW_RANGES];
	struct odx_offload_write_output wo;
	unsigned int dev = below(2), nd, i;
	uint64_t total = rand_len(blk, 1 * MiB), z0, c0, s0;
	struct dev_model *d = &devs[dev];
	struct odx_token zt;
	int fd, ret;

	nd = rand_dst_ranges(dev, total, 1 + below(COW_RANGES), chance(50), NULL, dr);
	if (!nd)
		return;
	total = ranges_total(dr, nd);
	op_log("zero token to %s: %u ranges from %" PRIu64 "+%" PRIu64 ", %" PRIu64 " bytes",
	       dev_path(d->idx), nd, (uint64_t)dr[0].starting_offset,
	       (uint64_t)dr[0].length_in_bytes, total);
	zero_token(&zt, (uint8_t)rnd());
	z0 = odx_stat(d->idx, "bytes_zeroed");
	c0 = odx_stat(d->idx, "bytes_copied");
	s0 = odx_stat(d->idx, "bytes_shared");
	fd = dev_open(d->idx, O_RDWR);
	ret = offload_write(fd, &zt, 0, dr, nd, &wo);
	close(fd);
	for (i = 0; i < nd; i++) {
		uint64_t off = dr[i].starting_offset, left = dr[i].length_in_bytes;

		while (left) {
			uint64_t n = min64(left, ZERO_CHUNK);

			model_zero_range(d, off, n);
			off += n;
			left -= n;
		}
	}
	d->zeroed += total;
	if (!CHECK_RET(ret, 0) ||
	    !CHECK_U64("length_copied", wo.length_copied, total) ||
	    !CHECK_U64("bytes_zeroed increase", odx_stat(d->idx, "bytes_zeroed") - z0, total) ||
	    !CHECK_U64("bytes_copied increase", odx_stat(d->idx, "bytes_copied") - c0, 0) ||
	    !CHECK_U64("bytes_shared increase", odx_stat(d->idx, "bytes_shared") - s0, 0))
		fail_stop("zero token");
	check_ranges(dev, dr, nd, "zero token");
}

static void op_flip_share(void)
{
	share_on = !share_on;
	op_log("share_pages=%c", share_on ? 'Y' : 'N');
	REQUIRE_RET(setting_write("share_pages", share_on ? "Y" : "N"), 0);
}

/* ------------------------------------------------------------------------ */

static void share_pages_restore(void *arg)
{
	(void)arg;
	if (setting_write("share_pages", "Y"))
		t_diag("cleanup: cannot set share_pages=Y");
}

static void cow_cleanup(void *arg)
{
	unsigned int i;

	(void)arg;
	for (i = 0; i < COW_POOL; i++)
		if (pool[i].live)
			tok_drop(&pool[i]);
	for (i = 0; i < 2; i++) {
		if (devs[i].fd >= 0)
			close(devs[i].fd);
		free(devs[i].img);
		free(devs[i].present);
	}
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

static void cow_run(uint32_t block_size, unsigned int default_rounds)
{
	uint64_t seed = env_u64("ODX_COW_SEED", (uint64_t)time(NULL) * 2654435761ULL ^
						(uint64_t)getpid() << 32);
	unsigned int rounds = env_u64("ODX_COW_ROUNDS", default_rounds);
	uint64_t shared_total = 0, r[2];
	unsigned int i, k, ops[9] = { 0 };
	char val[8];
	time_t t0 = time(NULL);

	rng = seed;
	blk = block_size;
	verbose = env_u64("ODX_COW_VERBOSE", 0);
	t_diag("seed %" PRIu64 " (replay: ODX_COW_SEED=%" PRIu64 "), %u rounds", seed, seed,
	       rounds);
	REQUIRE_RET(param_read("share_pages", val, sizeof(val)), 0);
	REQUIRE(!strcmp(val, "Y"), "share_pages is %s at the start, expected Y", val);
	t_defer(share_pages_restore, NULL);

	for (k = 0; k < 2; k++) {
		devs[k].fd = -1;
		devs[k].idx = ctl_add_dev(COW_SIZE, block_size);
	}
	t_defer(cow_cleanup, NULL);
	for (k = 0; k < 2; k++) {
		devs[k].fd = dev_open(devs[k].idx, O_RDWR);
		devs[k].img = calloc(1, COW_SIZE);
		devs[k].present = calloc(1, COW_PAGES);
		REQUIRE(devs[k].img && devs[k].present, "malloc");
	}
	t_diag("devices %s and %s, %" PRIu64 " MiB each, %u-byte blocks",
	       dev_path(devs[0].idx), dev_path(devs[1].idx), (uint64_t)(COW_SIZE / MiB),
	       block_size);
	/* Some data to start from, where the first operations will go. */
	for (k = 0; k < 2; k++) {
		for (i = 0; i < 8; i++) {
			uint64_t len = 1 * MiB, off = PAGE * below((COW_SIZE - len) / PAGE);
			uint8_t *buf = malloc(len);

			REQUIRE(buf, "malloc");
			pat_fill(buf, len, rnd(), off);
			REQUIRE_RET(direct_write(devs[k].idx, buf, len, off), 0);
			model_write(&devs[k], off, buf, len);
			hot_add(k, off, len);
			free(buf);
		}
	}
	check_all("start");

	for (round_no = 1; round_no <= rounds; round_no++) {
		unsigned int p = below(100), op;
		struct tok_model *t;

		if (!share_on && chance(20))
			op = 6;		/* mostly Y: N comes for a few rounds */
		else if (p < 36)
			op = 0;		/* mint and write */
		else if (p < 45)
			op = 1;		/* write an older token */
		else if (p < 70)
			op = 2;		/* pwrite */
		else if (p < 78)
			op = 3;		/* BLKDISCARD */
		else if (p < 85)
			op = 4;		/* BLKZEROOUT */
		else if (p < 94)
			op = 5;		/* zero token */
		else if (p < 96)
			op = 6;		/* share_pages */
		else
			op = 7;		/* release */
		if ((op == 1 || op == 7) && !tok_pick())
			op = 0;
		ops[op]++;
		switch (op) {
		case 0:
			t = op_mint();
			op_write_token(t);
			break;
		case 1:
			op_write_token(tok_pick());
			break;
		case 2:
			op_pwrite();
			break;
		case 3:
		case 4:
			op_zero_ioctl(op == 3);
			break;
		case 5:
			op_zero_token();
			break;
		case 6:
			op_flip_share();
			break;
		default:
			tok_release(tok_pick());
			break;
		}
		if (!(round_no % CHECKPOINT))
			check_all("checkpoint");
	}
	round_no = rounds;
	check_all("after the rounds");
	for (k = 0; k < 2; k++)
		shared_total += devs[k].shared;
	t_diag("%u rounds in %ld s: %u copies, %u older-token writes, %u pwrites, "
	       "%u discards, %u zeroouts, %u zero tokens, %u share_pages flips, "
	       "%u releases; %" PRIu64 " bytes shared, %" PRIu64 " + %" PRIu64
	       " bytes copied", rounds, (long)(time(NULL) - t0), ops[0], ops[1], ops[2],
	       ops[3], ops[4], ops[5], ops[6], ops[7], shared_total, devs[0].copied,
	       devs[1].copied);
	/* The shared path was taken (the counters equal the model, checked above). */
	CHECK(odx_stat(devs[0].idx, "bytes_shared") + odx_stat(devs[1].idx, "bytes_shared") > 0,
	      "no offload write took the shared path");

	/* Discard everything: no page is left, though tokens still pin some. */
	round_no++;
	if (!share_on)
		op_flip_share();
	for (k = 0; k < 2; k++) {
		r[0] = 0;
		r[1] = COW_SIZE;
		op_log("BLKDISCARD all of %s", dev_path(devs[k].idx));
		REQUIRE(!ioctl(devs[k].fd, BLKDISCARD, r), "BLKDISCARD: %s", strerror(errno));
		model_zero_range(&devs[k], 0, COW_SIZE);
	}
	check_all("after discarding everything");
	/* The pooled tokens still hold their data: write each once more. */
	for (i = 0; i < COW_POOL; i++) {
		if (pool[i].live) {
			round_no++;
			op_write_token(&pool[i]);
		}
	}
	round_no++;
	for (k = 0; k < 2; k++) {
		REQUIRE(!ioctl(devs[k].fd, BLKDISCARD, r), "BLKDISCARD: %s", strerror(errno));
		model_zero_range(&devs[k], 0, COW_SIZE);
	}
	for (i = 0; i < COW_POOL; i++)
		if (pool[i].live)
			tok_release(&pool[i]);
	check_all("after releasing every token");
	for (k = 0; k < 2; k++) {
		CHECK_U64("pages", odx_stat(devs[k].idx, "pages"), 0);
		CHECK_U64("token_pages", odx_stat(devs[k].idx, "token_pages"), 0);
		CHECK_U64("tokens_live", odx_stat(devs[k].idx, "tokens_live"), 0);
	}
	t_diag("done in %ld s", (long)(time(NULL) - t0));
}

/* 512-byte blocks: most pieces are not page-aligned, some are. */
static void cow_model(void)
{
	cow_run(512, COW_ROUNDS);
}

/* 4096-byte blocks: every piece is whole pages, shared where the source has one. */
static void cow_model_4k(void)
{
	cow_run(4096, COW_ROUNDS / 2);
}

/* The cases, in the order they run (kselftest harness: tests/lib/odx_harness.h). */
ODX_CASE(cow_model, 900)
ODX_CASE(cow_model_4k, 900)

ODX_HARNESS_MAIN
