// SPDX-License-Identifier: GPL-2.0
/*
 * odx guest tests: a shared page must never show a reader of one device (or one
 * place) bytes that only another was given (issue: "cross-device exposure
 * through a shared page").
 *
 * Each round: N pages at A are filled with words tagged "A, round r"; an offload
 * copy shares them into B (the token released at once, so the pages have
 * exactly two holders, A's slot and B's); then, while reader threads loop
 * O_DIRECT reads of A, A is overwritten ("A, round r, second write") and then B
 * ("B, round r"). Every 8-byte word a reader of A sees must be one that A was
 * given at that offset: a word tagged B is the defect. Orders: A then B across
 * devices, B then A (the reader on the destination), and A and B two places of
 * one device; then A then B and B then A again with a whole 2 MiB store chunk
 * (shared by one count, split by the first write into it).
 *
 * Word layout: bits 63-56 tag (0xA1 first write to A, 0xA2 second write to A,
 * 0xB1 write to B), 55-24 round, 23-0 word index within the page run.
 */
#include "odx_test.h"
#include "odx_harness.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define RACE_PAGES	64
#define RACE_ROUNDS	2000
/* A whole store chunk: shared by one count, split by the first write. */
#define CHUNK_PAGES	512
#define CHUNK_ROUNDS	150
#define RACE_READERS	2
#define TAG_A1		0xA1ULL
#define TAG_A2		0xA2ULL
#define TAG_B		0xB1ULL

struct race {
	unsigned int a_dev, b_dev;
	uint64_t a_off, b_off;
	uint64_t bytes;		/* of the run of pages */
	_Atomic int stop;
	_Atomic unsigned long reads, foreign, misplaced;
	_Atomic uint64_t first_bad;	/* the first foreign word seen, or 0 */
};

static uint64_t word(uint64_t tag, uint64_t round, uint64_t i)
{
	return tag << 56 | (round & 0xffffffffULL) << 24 | i;
}

static void fill(uint64_t *buf, uint64_t bytes, uint64_t tag, uint64_t round)
{
	uint64_t i;

	for (i = 0; i < bytes / 8; i++)
		buf[i] = word(tag, round, i);
}

/* Loop O_DIRECT reads of A; count words A was never given. */
static void *reader(void *arg)
{
	struct race *r = arg;
	uint64_t *buf = xmalloc_aligned(r->bytes), i;
	int fd = dev_open(r->a_dev, O_RDONLY | O_DIRECT);

	while (!atomic_load(&r->stop)) {
		if (pread_all(fd, buf, r->bytes, r->a_off))
			break;
		for (i = 0; i < r->bytes / 8; i++) {
			uint64_t w = buf[i], tag = w >> 56;

			if (tag != TAG_A1 && tag != TAG_A2) {
				uint64_t none = 0;

				atomic_fetch_add(&r->foreign, 1);
				atomic_compare_exchange_strong(&r->first_bad, &none, w);
			} else if ((w & 0xffffff) != i) {
				atomic_fetch_add(&r->misplaced, 1);
			}
		}
		atomic_fetch_add(&r->reads, 1);
	}
	close(fd);
	free(buf);
	return NULL;
}

/*
 * The pattern, @rounds times, on @pages pages. @a_is_dst: A is the offload
 * copy's destination (the first write goes to B and is copied into A), else its
 * source.
 */
static void race(unsigned int a_dev, uint64_t a_off, unsigned int b_dev, uint64_t b_off,
		 bool a_is_dst, unsigned int pages, unsigned int rounds)
{
	const uint64_t bytes = (uint64_t)pages * PAGE;
	struct race r = { .a_dev = a_dev, .b_dev = b_dev, .a_off = a_off, .b_off = b_off,
			  .bytes = bytes };
	uint64_t *buf = xmalloc_aligned(bytes);
	int a_fd = dev_open(a_dev, O_RDWR | O_DIRECT);
	int b_fd = dev_open(b_dev, O_RDWR | O_DIRECT);
	struct odx_data_set_range ar = R(a_off, bytes), br = R(b_off, bytes);
	int src_fd = a_is_dst ? b_fd : a_fd, dst_fd = a_is_dst ? a_fd : b_fd;
	unsigned int dst_dev = a_is_dst ? a_dev : b_dev;
	long long shared0 = odx_stat(dst_dev, "bytes_shared");
	pthread_t th[RACE_READERS];
	struct timespec t0, t1;
	unsigned int round, i;

	/* What earlier cases left in A is not A's to judge: round 0 first. */
	fill(buf, bytes, TAG_A1, 0);
	REQUIRE_RET(pwrite_all(a_fd, buf, bytes, a_off), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < RACE_READERS; i++)
		REQUIRE(!pthread_create(&th[i], NULL, reader, &r), "pthread_create");
	for (round = 1; round <= rounds; round++) {
		struct odx_offload_read_output rd;
		struct odx_offload_write_output wr;

		fill(buf, bytes, TAG_A1, round);
		REQUIRE_RET(pwrite_all(src_fd, buf, bytes, a_is_dst ? b_off : a_off), 0);
		REQUIRE_RET(offload_read(src_fd, a_is_dst ? &br : &ar, 1, 0, &rd), 0);
		REQUIRE_RET(offload_write(dst_fd, &rd.token, 0, a_is_dst ? &ar : &br, 1, &wr), 0);
		REQUIRE(wr.length_copied == bytes, "copied %llu",
			(unsigned long long)wr.length_copied);
		REQUIRE_RET(odx_release(src_fd, &rd.token), 0);
		/* A's slots and B's now hold the same pages, and nothing else does. */
		fill(buf, bytes, TAG_A2, round);
		REQUIRE_RET(pwrite_all(a_fd, buf, bytes, a_off), 0);
		fill(buf, bytes, TAG_B, round);
		REQUIRE_RET(pwrite_all(b_fd, buf, bytes, b_off), 0);
	}
	atomic_store(&r.stop, 1);
	for (i = 0; i < RACE_READERS; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	t_diag("%u rounds of %u shared pages in %.1f s; %lu reads of A, %lu words A was never given, %lu misplaced",
	       rounds, pages,
	       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       atomic_load(&r.reads), atomic_load(&r.foreign), atomic_load(&r.misplaced));
	/* The pages really were shared, not copied: the race was there to lose. */
	CHECK(odx_stat(dst_dev, "bytes_shared") - shared0 == (long long)rounds * (long long)bytes,
	      "bytes_shared grew by %lld", odx_stat(dst_dev, "bytes_shared") - shared0);
	CHECK(atomic_load(&r.reads) >= rounds / 10, "only %lu reads",
	      atomic_load(&r.reads));
	CHECK(!atomic_load(&r.foreign), "a reader of A saw %lu words only B was given (first %#llx)",
	      atomic_load(&r.foreign), (unsigned long long)atomic_load(&r.first_bad));
	CHECK(!atomic_load(&r.misplaced), "%lu words from the wrong offset",
	      atomic_load(&r.misplaced));
	close(a_fd);
	close(b_fd);
	free(buf);
}

/* Reader on the copy's source device, the source overwritten first. */
static void share_race_src_first(void)
{
	race(0, 8 * MiB, 1, 16 * MiB, false, RACE_PAGES, RACE_ROUNDS);
}

/* Reader on the copy's destination device, the destination overwritten first. */
static void share_race_dst_first(void)
{
	race(1, 24 * MiB, 0, 32 * MiB, true, RACE_PAGES, RACE_ROUNDS);
}

/* Two places of one device share the pages. */
static void share_race_same_device(void)
{
	race(0, 40 * MiB, 0, 48 * MiB, false, RACE_PAGES, RACE_ROUNDS);
}

/*
 * Whole chunks: A's chunk and B's are one chunk with two holders, and the
 * first write into either splits it. The source overwritten first, then the
 * destination with the reader on it.
 */
static void share_race_chunk_src_first(void)
{
	race(0, 8 * MiB, 1, 16 * MiB, false, CHUNK_PAGES, CHUNK_ROUNDS);
}

static void share_race_chunk_dst_first(void)
{
	race(1, 24 * MiB, 0, 32 * MiB, true, CHUNK_PAGES, CHUNK_ROUNDS);
}

/* The cases, in the order they run (kselftest harness: tests/lib/odx_harness.h). */
ODX_CASE(share_race_src_first, 600)
ODX_CASE(share_race_dst_first, 600)
ODX_CASE(share_race_same_device, 600)
ODX_CASE(share_race_chunk_src_first, 600)
ODX_CASE(share_race_chunk_dst_first, 600)

ODX_HARNESS_MAIN
