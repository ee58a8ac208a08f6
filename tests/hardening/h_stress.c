// SPDX-License-Identifier: GPL-2.0
/*
 * h_stress: bounded concurrency stress of odx (H_STRESS_SECONDS, default 60).
 *
 * On odx0 and odx1 (64 MiB each), at the same time:
 *   [0, 16M)   fio --verify=crc32c (libaio, O_DIRECT, random 4-64 KiB writes
 *              with verify_backlog), one job per device, in the background;
 *   [16M, 32M) token sources: 4096 blocks of 4 KiB per device, each stamped
 *              with (device, offset, generation) and a body derived from them.
 *              Two threads keep overwriting random blocks with the next
 *              generation: even blocks with O_DIRECT, odd blocks buffered (the
 *              offload read must write those back before minting);
 *   [32M, 64M) destinations: slots of 1 MiB, each owned by one copier thread,
 *              with an in-memory image of what it must hold.
 * Copier threads mint tokens for 1-3 random block-aligned source ranges
 * (remembering, per block, the last generation completed before the mint and
 * the last one started after it), copy them with a random TokenOffset into 1-3
 * sector-aligned destination ranges of their own slots (often on the other
 * device), read the slot back and check every copied source block: its stamp
 * must be untorn and its generation inside that window (point in time: data
 * written after the mint must never show), and the rest of the slot unchanged.
 * Copier 0 publishes some of its tokens; the others copy the same token too,
 * concurrently; all copies of one token must agree block by block. Owners
 * release their tokens (sometimes while others still use them: the others then
 * get EKEYREJECTED and their slot must be unchanged); some tokens get a 40 ms
 * TimeToLive and are left to expire.
 * A churn thread creates a device through /dev/odx-control, writes it, mints a
 * token on it, checks that ODX_CTL_REMOVE says EBUSY for it and for odx0/odx1
 * (open), copies the token to odx1, closes and removes the device, and checks
 * that the token is then refused (revoked).
 * A thread tries to unload the module (delete_module(O_NONBLOCK)) every 2 s:
 * it must fail with EAGAIN/EWOULDBLOCK or EBUSY (the devices are held open).
 *
 * Afterwards: every slot and every source block is read back and checked, fio
 * must have passed its verification, tokens_live and token_pages (module-wide
 * and per device) must be back to 0, each device's tokens_minted must equal
 * released + expired, bytes_copied must equal the bytes the copies reported,
 * and tokens_revoked must have grown by the devices removed with a live token.
 * Prints "# stress operations: N".
 *
 * Threads open devices only through h_common.c's hdev_*() helpers: the token
 * suite's dev_path() returns one of four static buffers and is not
 * thread-safe (two threads could open each other's device).
 */
#include "h_common.h"
#include "odx_harness.h"

#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NDEV		2
#define FIO_LEN		(16 * MiB)
#define SRC_OFF		(16 * MiB)
#define NBLK		4096			/* source blocks per device */
#define BLK		4096ULL
#define DST_OFF		(32 * MiB)
#define NCOPIERS	3
#define NSLOTS		4			/* per copier and device */
#define SLOT		(1 * MiB)
#define CHURN_SLOT	(DST_OFF + 24 * MiB)	/* on odx1 */
#define MAX_SR		3
#define MAX_BLKS	(MAX_SR * 16)
#define NPUB		4

static volatile int stop;
static unsigned int duration;

/* Generation started / completed per source block: [dev][block]. */
static uint32_t started[NDEV][NBLK], completed[NDEV][NBLK];

/* What the test tracks per device (indexed by odx index 0/1). */
struct dev_count {
	long minted, released, copied_bytes;
};
static struct dev_count cnt[NDEV];
static long ops, verified_copies, shared_uses, keyrej_ok, expired_left, churn_revoked,
	busy_seen, rmmod_refused, fail_reports;

#define ADD(var, n)	__atomic_add_fetch(&(var), (n), __ATOMIC_RELAXED)

/* A failure diagnostic, at most 20 of them. */
#define FAILF(...)							\
	do {								\
		if (ADD(fail_reports, 1) <= 20)				\
			CHECK(0, __VA_ARGS__);				\
		else							\
			__atomic_add_fetch(&t_failures, 1, __ATOMIC_RELAXED); \
	} while (0)

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t mix3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t x = a * 0x9e3779b97f4a7c15ULL ^ b * 0xc2b2ae3d27d4eb4fULL ^ c;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 29);
}

/* Block content: 16-byte stamp (offset, device, generation), then the body. */
static void stamp_fill(uint8_t *b, unsigned int dev, uint64_t off, uint32_t gen)
{
	uint32_t d = dev;

	memcpy(b, &off, 8);
	memcpy(b + 8, &d, 4);
	memcpy(b + 12, &gen, 4);
	pat_fill(b + 16, BLK - 16, mix3(dev, off, gen), off + 16);
}

static uint64_t blk_off(unsigned int b)
{
	return SRC_OFF + b * BLK;
}

/* ------------------------------------------------------------------------ */
/* Overwriters */

static void *overwriter(void *arg)
{
	bool buffered = (uintptr_t)arg;
	uint64_t s = 0x1234567 + (uintptr_t)arg;
	uint8_t *buf = xmalloc_aligned(BLK);
	int fd[NDEV], d;
	long n = 0;

	for (d = 0; d < NDEV; d++)
		fd[d] = hdev_open(d, O_RDWR | (buffered ? 0 : O_DIRECT));
	while (!stop) {
		unsigned int b = (rnd(&s) % (NBLK / 2)) * 2 + buffered;
		uint32_t g;
		int ret;

		d = rnd(&s) % NDEV;
		g = __atomic_add_fetch(&started[d][b], 1, __ATOMIC_SEQ_CST);
		stamp_fill(buf, d, blk_off(b), g);
		ret = pwrite_all(fd[d], buf, BLK, blk_off(b));
		if (ret)
			FAILF("overwrite odx%d block %u: %s", d, b, t_errname(ret));
		__atomic_store_n(&completed[d][b], g, __ATOMIC_SEQ_CST);
		ADD(ops, 1);
		if (buffered && !(++n % 64))
			fsync(fd[d]);
		usleep(500);
	}
	for (d = 0; d < NDEV; d++) {
		if (buffered)
			fsync(fd[d]);
		close(fd[d]);
	}
	free(buf);
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* Tokens and their checks */

struct tok {
	struct odx_token t;
	unsigned int dev;			/* source device */
	unsigned int nr;
	struct odx_data_set_range r[MAX_SR];
	uint64_t len;
	unsigned int nblk;
	unsigned int blk[MAX_BLKS];		/* source block of each 4 KiB of the stream */
	uint32_t lo[MAX_BLKS], hi[MAX_BLKS];	/* generation window per block */
	int32_t seen[MAX_BLKS];			/* generation a copy found (-1: none yet) */
	int users;				/* copies in flight (published tokens) */
	bool released;
};

static struct tok *pub[NPUB];
static pthread_mutex_t pub_lock = PTHREAD_MUTEX_INITIALIZER;

/* Mint a token for nr random block-aligned ranges of device d. */
static int mint_tok(int fd, unsigned int d, uint64_t *s, uint32_t ttl, struct tok *k)
{
	struct odx_offload_read_output out;
	unsigned int i, j;
	uint32_t written = 0;
	uint8_t in[DSM_READ_RANGES_OFF + MAX_SR * 16];
	int ret;

	memset(k, 0, sizeof(*k));
	k->dev = d;
	k->nr = 1 + rnd(s) % MAX_SR;
	for (i = 0; i < k->nr; i++) {
		unsigned int n = 1 + rnd(s) % 16, b = rnd(s) % (NBLK - n);

		k->r[i] = R(blk_off(b), n * BLK);
		for (j = 0; j < n; j++)
			k->blk[k->nblk++] = b + j;
		k->len += n * BLK;
	}
	for (i = 0; i < k->nblk; i++) {
		k->lo[i] = __atomic_load_n(&completed[d][k->blk[i]], __ATOMIC_SEQ_CST);
		k->seen[i] = -1;
	}
	dsm_build_read(in, sizeof(in), k->r, k->nr, ttl);
	ret = odx_dsm(fd, in, DSM_READ_RANGES_OFF + k->nr * 16, &out, sizeof(out), &written);
	for (i = 0; i < k->nblk; i++)
		k->hi[i] = __atomic_load_n(&started[d][k->blk[i]], __ATOMIC_SEQ_CST);
	ADD(ops, 1);
	if (ret)
		return ret;
	ADD(cnt[d].minted, 1);
	if (out.length_protected != k->len || out.offload_read_flags)
		FAILF("mint: length_protected %llu flags %#x, expected %" PRIu64,
		      (unsigned long long)out.length_protected, out.offload_read_flags, k->len);
	k->t = out.token;
	return 0;
}

static int release_tok(int fd, struct tok *k)
{
	int ret = odx_release(fd, &k->t);

	ADD(ops, 1);
	if (!ret)
		ADD(cnt[k->dev].released, 1);
	return ret;
}

/*
 * Check a copied stream: data[i] is byte toff + i of the token's data. Each
 * source block it touches must be one generation in the block's window, whole.
 */
static bool check_stream(struct tok *k, uint64_t toff, const uint8_t *data, uint64_t n,
			 const char *what)
{
	uint8_t want[BLK];
	uint64_t pos = toff, end = toff + n;
	bool ok = true;

	while (pos < end) {
		unsigned int bi = pos / BLK, b = k->blk[bi];
		uint64_t in = pos % BLK, m = BLK - in < end - pos ? BLK - in : end - pos;
		const uint8_t *got = data + (pos - toff);
		int32_t g, found = -1;

		for (g = k->lo[bi]; g <= (int32_t)k->hi[bi]; g++) {
			stamp_fill(want, k->dev, blk_off(b), g);
			if (!memcmp(got, want + in, m)) {
				found = g;
				break;
			}
		}
		if (found < 0) {
			uint64_t off;
			uint32_t dd, gg;

			if (in == 0 && m >= 16) {
				memcpy(&off, got, 8);
				memcpy(&dd, got + 8, 4);
				memcpy(&gg, got + 12, 4);
				FAILF("%s: odx%u block %u (token byte %" PRIu64 "): stamp says "
				      "offset %#" PRIx64 " dev %u gen %u; window [%u, %u]", what,
				      k->dev, b, pos, off, dd, gg, k->lo[bi], k->hi[bi]);
			} else {
				FAILF("%s: odx%u block %u (token byte %" PRIu64 ", %" PRIu64
				      " bytes from +%" PRIu64 "): no generation in [%u, %u] matches",
				      what, k->dev, b, pos, m, in, k->lo[bi], k->hi[bi]);
			}
			ok = false;
		} else {
			/* All copies of one token agree. */
			int32_t prev = -1;

			if (!__atomic_compare_exchange_n(&k->seen[bi], &prev, found, false,
							 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST) &&
			    prev != found) {
				FAILF("%s: odx%u block %u: generation %d, another copy of the "
				      "same token had %d", what, k->dev, b, found, prev);
				ok = false;
			}
		}
		pos += m;
	}
	return ok;
}

/* A copier's slot: where it is and what it must hold. */
struct slot {
	unsigned int dev;
	uint64_t off;
	uint8_t *img;
};

static bool check_slot(int fd, struct slot *sl, uint8_t *buf, const char *what)
{
	int ret = pread_all(fd, buf, SLOT, sl->off);

	if (ret) {
		FAILF("%s: read odx%u slot %#" PRIx64 ": %s", what, sl->dev, sl->off,
		      t_errname(ret));
		return false;
	}
	if (!memcmp(buf, sl->img, SLOT))
		return true;
	if (ADD(fail_reports, 1) <= 20) {
		buf_same(what, buf, sl->img, SLOT, sl->off);
		CHECK(0, "%s: odx%u slot %#" PRIx64 " differs from its image", what, sl->dev,
		      sl->off);
	} else {
		__atomic_add_fetch(&t_failures, 1, __ATOMIC_RELAXED);
	}
	return false;
}

/*
 * Offload write of token k at toff into 1-3 random ranges of the slot; check
 * the result. Returns the errno of the write.
 */
static int copy_and_check(int fd, int dfd, struct slot *sl, struct tok *k, uint64_t *s,
			  uint8_t *buf, const char *who)
{
	struct odx_data_set_range r[MAX_SR];
	struct odx_offload_write_output out;
	uint8_t in[DSM_WRITE_RANGES_OFF + MAX_SR * 16];
	uint64_t toff = 0, dlen = 0, want, pos = 0, i;
	unsigned int nr = 1 + rnd(s) % MAX_SR, j;
	uint32_t written = 0;
	uint8_t *stream;
	char what[96];
	int ret;

	if (rnd(s) % 3 == 0)
		toff = (rnd(s) % (k->len / 512)) * 512;
	/* Sector-aligned ranges inside the slot, in order, not overlapping. */
	for (j = 0; j < nr; j++) {
		uint64_t room = SLOT - pos, l, gap;

		if (room < 2 * 512)
			break;
		gap = (rnd(s) % 16) * 512;
		if (gap >= room - 512)
			gap = 0;
		l = 512 * (1 + rnd(s) % ((k->len / 512) < 256 ? (k->len / 512) : 256));
		if (l > room - gap)
			l = (room - gap) / 512 * 512;
		r[j] = R(sl->off + pos + gap, l);
		pos += gap + l;
		dlen += l;
	}
	nr = j;
	want = k->len - toff < dlen ? k->len - toff : dlen;
	dsm_build_write(in, sizeof(in), &k->t, toff, r, nr);
	memset(&out, 0xa5, sizeof(out));
	ret = odx_dsm(fd, in, DSM_WRITE_RANGES_OFF + nr * 16, &out, sizeof(out), &written);
	ADD(ops, 1);
	snprintf(what, sizeof(what), "%s: odx%u token -> odx%u+%#" PRIx64 " toff %" PRIu64,
		 who, k->dev, sl->dev, sl->off, toff);
	if (ret == -EKEYREJECTED) {
		ADD(keyrej_ok, 1);
		if (!(out.offload_write_flags & ODX_OFFLOAD_TOKEN_INVALID) || written != 16)
			FAILF("%s: EKEYREJECTED without TOKEN_INVALID", what);
		check_slot(dfd, sl, buf, what);
		return ret;
	}
	if (ret) {
		FAILF("%s: offload write: %s", what, t_errname(ret));
		return ret;
	}
	if (out.length_copied != want ||
	    out.offload_write_flags != (want < dlen ? ODX_OFFLOAD_WRITE_RANGE_TRUNCATED : 0)) {
		FAILF("%s: length_copied %llu flags %#x, expected %" PRIu64 " of %" PRIu64, what,
		      (unsigned long long)out.length_copied, out.offload_write_flags, want, dlen);
		return -EIO;
	}
	ADD(cnt[sl->dev].copied_bytes, want);
	/* Read the slot, take the copied stream out, check it, update the image. */
	ret = pread_all(dfd, buf, SLOT, sl->off);
	if (ret) {
		FAILF("%s: read back: %s", what, t_errname(ret));
		return ret;
	}
	stream = malloc(want);
	REQUIRE(stream, "malloc");
	for (j = 0, pos = 0; j < nr && pos < want; j++) {
		uint64_t l = r[j].length_in_bytes < want - pos ? r[j].length_in_bytes : want - pos;
		uint64_t o = r[j].starting_offset - sl->off;

		memcpy(stream + pos, buf + o, l);
		memcpy(sl->img + o, buf + o, l);
		pos += l;
	}
	if (check_stream(k, toff, stream, want, what))
		ADD(verified_copies, 1);
	free(stream);
	/* Nothing else in the slot changed. */
	for (i = 0; i < SLOT; i += BLK) {
		if (memcmp(buf + i, sl->img + i, BLK)) {
			buf_same(what, buf + i, sl->img + i, BLK, sl->off + i);
			FAILF("%s: bytes outside the destination ranges changed", what);
			memcpy(sl->img, buf, SLOT);
			break;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Copiers */

static struct slot slots[NCOPIERS][NDEV][NSLOTS];

static void *copier(void *arg)
{
	unsigned int id = (uintptr_t)arg, d;
	uint64_t s = 0xabcdef12345ULL * (id + 1);
	uint8_t *buf = xmalloc_aligned(SLOT);
	int fd[NDEV], dfd[NDEV];
	char who[16];

	snprintf(who, sizeof(who), "copier%u", id);
	for (d = 0; d < NDEV; d++) {
		fd[d] = hdev_open(d, O_RDWR);
		dfd[d] = hdev_open(d, O_RDONLY | O_DIRECT);
	}
	while (!stop) {
		struct slot *sl;
		struct tok *k;
		unsigned int sd = rnd(&s) % NDEV, dd = rnd(&s) % NDEV, p;
		bool short_ttl = rnd(&s) % 8 == 0;
		int ret;

		sl = &slots[id][dd][rnd(&s) % NSLOTS];
		if (id != 0 && rnd(&s) % 2) {
			/* Use a token copier 0 published. */
			pthread_mutex_lock(&pub_lock);
			p = rnd(&s) % NPUB;
			k = pub[p];
			if (k)
				k->users++;
			pthread_mutex_unlock(&pub_lock);
			if (k) {
				ADD(shared_uses, 1);
				copy_and_check(fd[dd], dfd[dd], sl, k, &s, buf, who);
				pthread_mutex_lock(&pub_lock);
				if (!--k->users && k->released && pub[p] != k)
					free(k);
				pthread_mutex_unlock(&pub_lock);
				continue;
			}
		}
		k = malloc(sizeof(*k));
		REQUIRE(k, "malloc");
		ret = mint_tok(fd[sd], sd, &s, short_ttl ? 40 : 0, k);
		if (ret) {
			FAILF("%s: mint on odx%u: %s", who, sd, t_errname(ret));
			free(k);
			continue;
		}
		if (short_ttl && rnd(&s) % 2)
			msleep(60);	/* let it expire: the copy must be refused */
		ret = copy_and_check(fd[dd], dfd[dd], sl, k, &s, buf, who);
		if (ret && ret != -EKEYREJECTED) {
			release_tok(fd[sd], k);
			free(k);
			continue;
		}
		if (short_ttl) {
			/* Left to expire (or already gone). */
			ADD(expired_left, 1);
			free(k);
			continue;
		}
		if (id == 0 && rnd(&s) % 2) {
			struct tok *old;

			/* Publish; retire the token it replaces (released while others
			 * may still be copying it). */
			p = rnd(&s) % NPUB;
			pthread_mutex_lock(&pub_lock);
			old = pub[p];
			pub[p] = k;
			pthread_mutex_unlock(&pub_lock);
			if (old) {
				/* EKEYREJECTED if nobody used it for its whole lifetime. */
				ret = release_tok(fd[old->dev], old);
				if (ret && ret != -EKEYREJECTED)
					FAILF("%s: release of a published token: %s", who,
					      t_errname(ret));
				pthread_mutex_lock(&pub_lock);
				old->released = true;
				if (!old->users)
					free(old);
				pthread_mutex_unlock(&pub_lock);
			}
			continue;
		}
		ret = release_tok(fd[rnd(&s) % NDEV], k);
		if (ret)
			FAILF("%s: release: %s", who, t_errname(ret));
		/* A second release is refused. */
		if (rnd(&s) % 4 == 0) {
			ret = odx_release(fd[sd], &k->t);
			ADD(ops, 1);
			if (ret != -EKEYREJECTED)
				FAILF("%s: second release: %s", who, t_errname(ret));
		}
		free(k);
	}
	for (d = 0; d < NDEV; d++) {
		close(fd[d]);
		close(dfd[d]);
	}
	free(buf);
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* Device churn and unload attempts */

static struct slot churn_slot;

static void *churn(void *arg)
{
	uint8_t *buf = xmalloc_aligned(SLOT), *data = xmalloc_aligned(256 * KiB);
	uint64_t s = 0x5555;
	int ctl = ctl_open(), fd1 = hdev_open(1, O_RDWR), dfd1 = hdev_open(1, O_RDONLY | O_DIRECT);
	long it = 0;

	(void)arg;
	while (!stop) {
		uint32_t idx = ODX_INDEX_ANY, u;
		uint64_t len = (1 + rnd(&s) % 64) * 4 * KiB, seed = rnd(&s);
		struct odx_data_set_range sr = R(0, len), dr;
		struct odx_offload_read_output ro;
		struct odx_offload_write_output wo;
		uint8_t in[DSM_WRITE_RANGES_OFF + 16];
		int fd, ret;

		ret = odx_ctl_add(4 * MiB, 512, ODX_INDEX_ANY, &idx);
		ADD(ops, 1);
		if (ret) {
			FAILF("churn: CTL_ADD: %s", t_errname(ret));
			break;
		}
		if (!hwait_node(idx, true)) {
			FAILF("churn: /dev/odx%u did not appear", idx);
			break;
		}
		fd = hdev_open(idx, O_RDWR);
		pat_fill(data, len, seed, 0);
		ret = hdev_direct_write(idx, data, len, 0);
		if (ret)
			FAILF("churn: write odx%u: %s", idx, t_errname(ret));
		dsm_build_read(in, sizeof(in), &sr, 1, 0);
		ret = odx_dsm(fd, in, DSM_READ_RANGES_OFF + 16, &ro, sizeof(ro), NULL);
		ADD(ops, 1);
		if (ret)
			FAILF("churn: mint on odx%u: %s", idx, t_errname(ret));
		/* Busy: the new device (open here) and odx0/odx1 (open by all). */
		u = idx;
		ret = xioctl(ctl, ODX_CTL_REMOVE, &u);
		ADD(ops, 1);
		if (ret != -EBUSY)
			FAILF("churn: CTL_REMOVE odx%u while open: %s", idx, t_errname(ret));
		else
			ADD(busy_seen, 1);
		u = it % 2;
		ret = xioctl(ctl, ODX_CTL_REMOVE, &u);
		ADD(ops, 1);
		if (ret != -EBUSY)
			FAILF("churn: CTL_REMOVE odx%u while in use: %s", u, t_errname(ret));
		else
			ADD(busy_seen, 1);
		/* Cross-device copy into the churn slot on odx1. */
		dr = R(churn_slot.off + (rnd(&s) % 64) * 512, len);
		dsm_build_write(in, sizeof(in), &ro.token, 0, &dr, 1);
		ret = odx_dsm(fd1, in, DSM_WRITE_RANGES_OFF + 16, &wo, sizeof(wo), NULL);
		ADD(ops, 1);
		if (ret || wo.length_copied != len) {
			FAILF("churn: copy odx%u -> odx1: %s, %llu bytes", idx, t_errname(ret),
			      (unsigned long long)wo.length_copied);
		} else {
			ADD(cnt[1].copied_bytes, len);
			memcpy(churn_slot.img + (dr.starting_offset - churn_slot.off), data, len);
			check_slot(dfd1, &churn_slot, buf, "churn copy");
		}
		close(fd);
		u = idx;
		ret = xioctl(ctl, ODX_CTL_REMOVE, &u);
		ADD(ops, 1);
		if (ret) {
			FAILF("churn: CTL_REMOVE odx%u once closed: %s", idx, t_errname(ret));
			break;
		}
		ADD(churn_revoked, 1);
		hwait_node(idx, false);
		/* The token died with its device. */
		ret = odx_dsm(fd1, in, DSM_WRITE_RANGES_OFF + 16, &wo, sizeof(wo), NULL);
		ADD(ops, 1);
		if (ret != -EKEYREJECTED)
			FAILF("churn: token of the removed odx%u: %s", idx, t_errname(ret));
		else
			ADD(keyrej_ok, 1);
		check_slot(dfd1, &churn_slot, buf, "churn slot after a revoked token");
		it++;
		msleep(100);
	}
	close(ctl);
	close(fd1);
	close(dfd1);
	free(buf);
	free(data);
	return NULL;
}

static void *unloader(void *arg)
{
	(void)arg;
	while (!stop) {
		long ret = syscall(SYS_delete_module, "odx", O_NONBLOCK);
		int e = errno;

		ADD(ops, 1);
		if (ret == 0) {
			FAILF("delete_module(odx) succeeded while the devices are in use");
			stop = 1;
			break;
		}
		if (e != EAGAIN && e != EWOULDBLOCK && e != EBUSY)
			FAILF("delete_module(odx) while busy: %s", strerror(e));
		else
			ADD(rmmod_refused, 1);
		msleep(2000);
	}
	return NULL;
}

/* ------------------------------------------------------------------------ */

static long long dstat(unsigned int d, const char *n)
{
	return odx_stat(d, n);
}

static void stress(void)
{
	static const char *names[] = { "tokens_minted", "tokens_released", "tokens_expired",
				       "tokens_revoked", "bytes_copied" };
	long long before[NDEV][5], after_[NDEV][5], live_before[NDEV], revoked0;
	pthread_t ow[2], cp[NCOPIERS], ch, ul;
	char rt[32], *fio_argv[64];
	const char *fio_json = "/tmp/h_stress_fio.json";
	int hold[NDEV], d, i, st, n = 0;
	uint8_t *buf;
	bool fio_done = false;
	pid_t fio;
	double t0, ts;
	unsigned int b, c, k;

	ts = now_s();
	buf = xmalloc_aligned(SLOT);
	for (d = 0; d < NDEV; d++)
		hold[d] = hdev_open(d, O_RDONLY);	/* keeps the module busy throughout */

	/* Initial contents: generation 0 of every source block; slot patterns. */
	for (d = 0; d < NDEV; d++) {
		uint8_t *src = malloc(NBLK * BLK);

		REQUIRE(src, "malloc");
		for (b = 0; b < NBLK; b++)
			stamp_fill(src + b * BLK, d, blk_off(b), 0);
		REQUIRE_RET(hdev_direct_write(d, src, NBLK * BLK, SRC_OFF), 0);
		free(src);
	}
	for (c = 0; c < NCOPIERS; c++)
		for (d = 0; d < NDEV; d++)
			for (k = 0; k < NSLOTS; k++) {
				struct slot *sl = &slots[c][d][k];

				sl->dev = d;
				sl->off = DST_OFF + ((c * NSLOTS + k) * SLOT);
				sl->img = malloc(SLOT);
				REQUIRE(sl->img, "malloc");
				pat_fill(sl->img, SLOT, t_seed(), sl->off);
				REQUIRE_RET(hdev_direct_write(d, sl->img, SLOT, sl->off), 0);
			}
	churn_slot.dev = 1;
	churn_slot.off = CHURN_SLOT;
	churn_slot.img = malloc(SLOT);
	REQUIRE(churn_slot.img, "malloc");
	pat_fill(churn_slot.img, SLOT, t_seed(), CHURN_SLOT);
	REQUIRE_RET(hdev_direct_write(1, churn_slot.img, SLOT, CHURN_SLOT), 0);

	for (d = 0; d < NDEV; d++) {
		for (i = 0; i < 5; i++)
			before[d][i] = dstat(d, names[i]);
		/* Tokens an earlier program left live may end during the stress. */
		live_before[d] = dstat(d, "tokens_live");
	}
	revoked0 = ctl_stat("tokens_revoked");

	/* An unload attempt through rmmod itself, too. */
	CHECK(t_system("rmmod odx 2>/dev/null") != 0, "rmmod odx succeeded while in use");
	ADD(ops, 1);

	snprintf(rt, sizeof(rt), "--runtime=%u", duration + 3);
#define A(x) (fio_argv[n++] = (char *)(x))
	A("fio"); A("--output-format=json"); A("--output=/tmp/h_stress_fio.json");
	A("--direct=1"); A("--ioengine=libaio"); A("--iodepth=4"); A("--rw=randwrite");
	A("--bsrange=4k-64k"); A("--verify=crc32c"); A("--verify_fatal=1");
	A("--verify_backlog=16"); A("--do_verify=1"); A("--time_based"); A(rt);
	A("--size=16m"); A("--offset=0"); A("--randrepeat=0"); A("--verify_state_save=0");
	A("--name=fio-odx0"); A("--filename=/dev/odx0");
	A("--name=fio-odx1"); A("--filename=/dev/odx1");
	A(NULL);
#undef A
	t_diag("setup took %.1f s", now_s() - ts);
	/*
	 * fio first: its start-up is slow under emulation (and slower still
	 * against busy threads); the threads start once it writes to both.
	 */
	{
		long long p0, p1;

		/* fio's regions become holes: pages appear as it writes. */
		for (d = 0; d < NDEV; d++) {
			int fd = hdev_open(d, O_WRONLY);
			uint64_t r[2] = { 0, FIO_LEN };

			REQUIRE(!ioctl(fd, BLKDISCARD, r), "BLKDISCARD: %s", strerror(errno));
			close(fd);
		}
		p0 = dstat(0, "pages");
		p1 = dstat(1, "pages");
		ts = now_s();
		fio = spawn(fio_argv, "/tmp/h_stress_fio.log");
		while (now_s() - ts < 120 && (dstat(0, "pages") == p0 || dstat(1, "pages") == p1)) {
			if (waitpid(fio, &st, WNOHANG) == fio) {
				fio_done = true;
				CHECK(0, "fio ended before it wrote (status %#x)", st);
				break;
			}
			msleep(100);
		}
		t_diag("fio started writing after %.1f s", now_s() - ts);
	}

	t0 = now_s();
	for (i = 0; i < 2; i++)
		pthread_create(&ow[i], NULL, overwriter, (void *)(uintptr_t)i);
	for (i = 0; i < NCOPIERS; i++)
		pthread_create(&cp[i], NULL, copier, (void *)(uintptr_t)i);
	pthread_create(&ch, NULL, churn, NULL);
	pthread_create(&ul, NULL, unloader, NULL);
	while (!stop && now_s() - t0 < duration)
		msleep(200);
	stop = 1;
	for (i = 0; i < 2; i++)
		pthread_join(ow[i], NULL);
	for (i = 0; i < NCOPIERS; i++)
		pthread_join(cp[i], NULL);
	pthread_join(ch, NULL);
	pthread_join(ul, NULL);
	t_diag("threads ran %.1f s", now_s() - t0);

	/* Published tokens still live: release them. */
	for (i = 0; i < NPUB; i++) {
		if (!pub[i])
			continue;
		int ret = release_tok(hold[0], pub[i]);

		CHECK(!ret || ret == -EKEYREJECTED, "release of a published token: %s",
		      t_errname(ret));
		free(pub[i]);
		pub[i] = NULL;
	}

	/* fio. */
	if (!fio_done)
		REQUIRE(waitpid(fio, &st, 0) == fio, "waitpid fio");
	t_diag("fio done %.1f s after the start", now_s() - t0);
	if (!CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "fio exited with %#x", st))
		t_system("sed 's/^/# fio: /' /tmp/h_stress_fio.log | tail -n 20");
	CHECK(t_system("jq -e '[.jobs[] | select(.error != 0 or .read.io_bytes == 0 or "
		       ".write.io_bytes == 0)] | length == 0' %s >/dev/null", fio_json) == 0,
	      "fio: a job failed or did not verify");
	t_system("jq -r '.jobs[] | \"# fio \\(.jobname): error \\(.error), wrote \\(.write.io_bytes) B, "
		 "verified \\(.read.io_bytes) B, ran \\(.job_runtime) ms of \\(.elapsed) s\"' %s",
		 fio_json);

	/* Every slot and source block, now that nothing moves. */
	for (c = 0; c < NCOPIERS; c++)
		for (d = 0; d < NDEV; d++)
			for (k = 0; k < NSLOTS; k++) {
				int fd = hdev_open(d, O_RDONLY | O_DIRECT);

				check_slot(fd, &slots[c][d][k], buf, "final slot check");
				close(fd);
				free(slots[c][d][k].img);
			}
	{
		int fd = hdev_open(1, O_RDONLY | O_DIRECT);

		check_slot(fd, &churn_slot, buf, "final churn slot check");
		close(fd);
	}
	for (d = 0; d < NDEV; d++) {
		uint8_t *src = xmalloc_aligned(NBLK * BLK), want[BLK];
		int fd = hdev_open(d, O_RDWR);
		long bad = 0;

		fsync(fd);
		close(fd);
		REQUIRE_RET(hdev_direct_read(d, src, NBLK * BLK, SRC_OFF), 0);
		for (b = 0; b < NBLK; b++) {
			stamp_fill(want, d, blk_off(b), completed[d][b]);
			if (memcmp(src + b * BLK, want, BLK) && bad++ < 3)
				CHECK(0, "odx%u source block %u: not generation %u", d, b,
				      completed[d][b]);
		}
		CHECK(!bad, "odx%u: %ld source blocks differ from their last write", d, bad);
		free(src);
	}

	t_diag("final data checks done %.1f s after the start", now_s() - t0);
	/* Counters. */
	for (i = 0; i < 50 && ctl_stat("tokens_live"); i++)
		msleep(100);
	CHECK_U64("tokens_live (module)", ctl_stat("tokens_live"), 0);
	CHECK_U64("token_pages (module)", ctl_stat("token_pages"), 0);
	for (d = 0; d < NDEV; d++) {
		long long mi, re, ex, rv, by;

		CHECK_U64("tokens_live", dstat(d, "tokens_live"), 0);
		CHECK_U64("token_pages", dstat(d, "token_pages"), 0);
		for (i = 0; i < 5; i++)
			after_[d][i] = dstat(d, names[i]) - before[d][i];
		mi = after_[d][0];
		re = after_[d][1];
		ex = after_[d][2];
		rv = after_[d][3];
		by = after_[d][4];
		t_diag("odx%u: minted %lld, released %lld, expired %lld, revoked %lld, "
		       "bytes_copied %lld", d, mi, re, ex, rv, by);
		CHECK_U64("tokens_minted = the mints that succeeded", mi, cnt[d].minted);
		CHECK_U64("tokens_released = the releases that succeeded", re, cnt[d].released);
		CHECK(ex >= 0 && ex <= mi + live_before[d], "tokens_expired %lld", ex);
		CHECK_U64("tokens live before + minted = released + expired + revoked",
			  live_before[d] + mi, re + ex + rv);
		if (live_before[d])
			t_diag("odx%u: %lld tokens were live before the stress", d, live_before[d]);
		CHECK_U64("tokens_revoked", rv, 0);
		CHECK_U64("bytes_copied = the bytes the copies reported", by,
			  cnt[d].copied_bytes);
	}
	CHECK_U64("tokens_revoked (module) = devices removed with a live token",
		  ctl_stat("tokens_revoked") - revoked0, churn_revoked);

	t_diag("copies verified %ld (%ld of published tokens), refused tokens %ld, "
	       "left to expire %ld, devices churned %ld, EBUSY removes %ld, refused unloads %ld",
	       verified_copies, shared_uses, keyrej_ok, expired_left, churn_revoked, busy_seen,
	       rmmod_refused);
	CHECK(verified_copies > 0 && churn_revoked > 0 && rmmod_refused > 0,
	      "the stress did not get going");
	h_sh->ops = ops;
	t_diag("stress operations: %ld", ops);
	free(buf);
	for (d = 0; d < NDEV; d++)
		close(hold[d]);
}

/* The case (kselftest harness: tests/lib/odx_harness.h); its timeout is set in main(). */
ODX_CASE(stress, 0)

int main(int argc, char **argv)
{
	const char *e = getenv("H_STRESS_SECONDS");

	duration = e ? strtoul(e, NULL, 10) : 60;
	if (!duration)
		duration = 60;
	/* The harness's registration of the case (TEST_F's object): its timeout. */
	_odxtest_stress_object->timeout = duration + 300;
	h_shared_init();
	return odx_harness_run(argc, argv);
}
