// SPDX-License-Identifier: GPL-2.0
/*
 * t_deliver: an offload write that wrote data always says so (issue 12, item 7).
 *
 *   unmap_race       a thread maps and unmaps the page holding the ioctl's
 *                    arguments and output while offload writes run: a write
 *                    that fails with EFAULT left the destination untouched,
 *                    and one that succeeds copied everything.
 *   invalidate_race  a thread keeps dirtying a cached, mmap()ed page of the
 *                    destination while offload writes run: when that page
 *                    cannot be dropped from the page cache the write reports
 *                    EBUSY (and how much it copied), never plain success.
 *                    Runs until that happened at least once (at most 10 s more:
 *                    the harness gives a test 30 s).
 *
 * Needs /dev/odx0 and /dev/odx1 of at least 64 MiB (the suite's default pass).
 * Built on the kernel's kselftest harness.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/odx.h>

#include "kselftest_harness.h"

#define MiB		(1024 * 1024ULL)
#define PAGE		4096ULL
#define COPY_LEN	(4 * MiB)
#define SRC_OFF		0
#define DST_OFF		(32 * MiB)
#define ROUNDS		40
#define BUSY_SECONDS	10

/* Windows layout offsets (see tests/token/odx_test.h). */
#define DSM_READ_PARAM_OFF	28
#define DSM_READ_RANGES_OFF	48
#define DSM_WRITE_PARAM_OFF	32
#define DSM_WRITE_RANGES_OFF	560

static uint8_t pat(uint64_t seed, uint64_t off)
{
	uint64_t x = (off >> 3) * 0x9e3779b97f4a7c15ULL ^ seed;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	return (uint8_t)(x >> (8 * (off & 7)));
}

/* Static buffers: nothing here may mmap() while a thread flips a page. */
static uint8_t iobuf[COPY_LEN] __attribute__((aligned(4096)));
static uint8_t zeros[COPY_LEN] __attribute__((aligned(4096)));
static uint8_t image[COPY_LEN] __attribute__((aligned(4096)));

/* Write the pattern of @seed (zeros for 0) to [off, off + COPY_LEN) of fd. */
static void fill(int fd, uint64_t off, uint64_t seed)
{
	uint64_t i;

	if (seed)
		for (i = 0; i < COPY_LEN; i++)
			image[i] = pat(seed, i);
	if (pwrite(fd, seed ? image : zeros, COPY_LEN, off) != (ssize_t)COPY_LEN)
		abort();
}

/* Does [off, off + len) of fd hold the image's first len bytes (zeros)? */
static bool holds(int fd, uint64_t off, uint64_t len, bool zero)
{
	if (pread(fd, iobuf, len, off) != (ssize_t)len)
		abort();
	return !memcmp(iobuf, zero ? zeros : image, len);
}

static int mint(int fd, uint64_t off, uint64_t len, struct odx_token *token)
{
	static uint8_t in[DSM_READ_RANGES_OFF + sizeof(struct odx_data_set_range)];
	struct odx_offload_read_output out;
	struct odx_dsm_header *h = (void *)in;
	struct odx_data_set_range r = { off, len };
	struct odx_dsm_args a = {
		.input = (uintptr_t)in, .output = (uintptr_t)&out,
		.input_length = sizeof(in), .output_length = sizeof(out),
	};

	memset(in, 0, sizeof(in));
	h->size = sizeof(*h);
	h->action = ODX_DSM_ACTION_OFFLOAD_READ;
	h->parameter_block_offset = DSM_READ_PARAM_OFF;
	h->parameter_block_length = sizeof(struct odx_offload_read_params);
	h->data_set_ranges_offset = DSM_READ_RANGES_OFF;
	h->data_set_ranges_length = sizeof(r);
	memcpy(in + DSM_READ_RANGES_OFF, &r, sizeof(r));
	if (ioctl(fd, ODX_IOC_DSM, &a))
		return -errno;
	*token = out.token;
	return 0;
}

static void build_write(uint8_t *in, const struct odx_token *token, uint64_t off,
			uint64_t len)
{
	struct odx_dsm_header *h = (void *)in;
	struct odx_offload_write_params *p = (void *)(in + DSM_WRITE_PARAM_OFF);
	struct odx_data_set_range r = { off, len };

	memset(in, 0, DSM_WRITE_RANGES_OFF + sizeof(r));
	h->size = sizeof(*h);
	h->action = ODX_DSM_ACTION_OFFLOAD_WRITE;
	h->parameter_block_offset = DSM_WRITE_PARAM_OFF;
	h->parameter_block_length = sizeof(*p);
	h->data_set_ranges_offset = DSM_WRITE_RANGES_OFF;
	h->data_set_ranges_length = sizeof(r);
	p->token = *token;
	memcpy(in + DSM_WRITE_RANGES_OFF, &r, sizeof(r));
}

/* ---- the racing threads ------------------------------------------------ */

static uint8_t *page_at;
static atomic_int stop;

/* Take the output page away and give it back, over and over. */
static void *flip(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		if (mprotect(page_at, PAGE, PROT_NONE))
			abort();
		usleep(100);
		if (mprotect(page_at, PAGE, PROT_READ | PROT_WRITE))
			abort();
		usleep(100);
	}
	return NULL;
}

/* Keep dirtying a cached page of the destination. */
/* Have @secs seconds passed since @t0? */
static bool expired(const struct timespec *t0, int secs)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec - t0->tv_sec + (t.tv_nsec - t0->tv_nsec) / 1e9 >= secs;
}

static void *dirty(void *arg)
{
	unsigned int i = 0;

	(void)arg;
	while (!atomic_load(&stop))
		page_at[(i++ * 64) % PAGE]++;
	return NULL;
}

TEST(unmap_race)
{
	static uint8_t in[DSM_WRITE_RANGES_OFF + sizeof(struct odx_data_set_range)];
	int src = open("/dev/odx0", O_RDWR | O_DIRECT);
	int dst = open("/dev/odx1", O_RDWR | O_DIRECT);
	uint64_t seed = 0x5eed0001ULL ^ (uint64_t)getpid();
	int ok = 0, efault = 0, round;
	struct odx_token token;
	pthread_t t;

	ASSERT_LE(0, src);
	ASSERT_LE(0, dst);
	fill(src, SRC_OFF, seed);
	ASSERT_EQ(0, mint(src, SRC_OFF, COPY_LEN, &token));
	build_write(in, &token, DST_OFF, COPY_LEN);
	/* The output, and only the output, sits in the page the thread flips. */
	page_at = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page_at);
	atomic_store(&stop, 0);
	ASSERT_EQ(0, pthread_create(&t, NULL, flip, NULL));

	for (round = 0; round < ROUNDS; round++) {
		struct odx_dsm_args args = {
			.input = (uintptr_t)in,
			.output = (uintptr_t)(page_at + 1024),
			.input_length = sizeof(in),
			.output_length = sizeof(struct odx_offload_write_output),
		};
		int ret;

		fill(dst, DST_OFF, 0);
		ret = ioctl(dst, ODX_IOC_DSM, &args) ? -errno : 0;
		if (ret == -EFAULT) {
			/* Refused: nothing may have changed. */
			EXPECT_TRUE(holds(dst, DST_OFF, COPY_LEN, true))
				TH_LOG("round %d: EFAULT, yet data was written", round);
			EXPECT_EQ(0U, args.output_written);
			efault++;
			continue;
		}
		ASSERT_EQ(0, ret) TH_LOG("round %d: %s", round, strerror(-ret));
		EXPECT_EQ(sizeof(struct odx_offload_write_output), args.output_written);
		EXPECT_TRUE(holds(dst, DST_OFF, COPY_LEN, false))
			TH_LOG("round %d: the copy differs from its source", round);
		ok++;
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	TH_LOG("%d rounds refused with EFAULT, %d copied", efault, ok);
	munmap(page_at, PAGE);
	close(src);
	close(dst);
}

TEST(invalidate_race)
{
	static uint8_t in[DSM_WRITE_RANGES_OFF + sizeof(struct odx_data_set_range)];
	int src = open("/dev/odx0", O_RDWR | O_DIRECT);
	int dst = open("/dev/odx1", O_RDWR | O_DIRECT);
	int cached = open("/dev/odx1", O_RDWR);
	uint64_t seed = 0x5eed0002ULL ^ (uint64_t)getpid();
	struct odx_offload_write_output out;
	int ok = 0, busy = 0, round;
	struct odx_token token;
	struct timespec t0;
	pthread_t t;

	ASSERT_LE(0, src);
	ASSERT_LE(0, dst);
	ASSERT_LE(0, cached);
	fill(src, SRC_OFF, seed);
	ASSERT_EQ(0, mint(src, SRC_OFF, COPY_LEN, &token));
	build_write(in, &token, DST_OFF, COPY_LEN);
	/* A page in the middle of the destination, cached and mapped shared. */
	page_at = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, cached,
		       DST_OFF + COPY_LEN / 2);
	ASSERT_NE(MAP_FAILED, page_at);
	atomic_store(&stop, 0);
	ASSERT_EQ(0, pthread_create(&t, NULL, dirty, NULL));

	/*
	 * The page stays dirty only when the thread writes it inside the page
	 * cache's own invalidation, a window of a few instructions: after the
	 * first ROUNDS / 2, go on until that happened, for at most
	 * BUSY_SECONDS (a copy of whole chunks is a few microseconds, so what
	 * catches the window is the number of rounds, not their length).
	 */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (round = 0; round < ROUNDS / 2 || (!busy && !expired(&t0, BUSY_SECONDS)); round++) {
		struct odx_dsm_args args = {
			.input = (uintptr_t)in,
			.output = (uintptr_t)&out,
			.input_length = sizeof(in),
			.output_length = sizeof(out),
		};
		int ret;

		memset(&out, 0xa5, sizeof(out));
		ret = ioctl(dst, ODX_IOC_DSM, &args) ? -errno : 0;
		if (ret == -EBUSY) {
			busy++;
		} else {
			ASSERT_EQ(0, ret) TH_LOG("round %d: %s", round, strerror(-ret));
			ok++;
		}
		/* Copied either way, and the output says so. */
		EXPECT_EQ(sizeof(out), args.output_written);
		EXPECT_EQ(COPY_LEN, out.length_copied);
		EXPECT_EQ(0U, out.offload_write_flags);
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	TH_LOG("%d rounds reported EBUSY, %d plain success", busy, ok);
	/* The writer dirtied the page all along: at least once it stayed dirty. */
	EXPECT_LT(0, busy);
	munmap(page_at, PAGE);
	/* The rest of the destination is the copy. */
	EXPECT_TRUE(holds(dst, DST_OFF, COPY_LEN / 2, false));
	close(cached);
	close(src);
	close(dst);
}

TEST_HARNESS_MAIN
