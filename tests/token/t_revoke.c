// SPDX-License-Identifier: GPL-2.0
/*
 * t_revoke: lifetime and revocation.
 *
 *   revoke_*        ODX_IOC_REVOKE ends every token of one device, needs the fd
 *                   open for writing (EBADF otherwise, like offload write),
 *                   refuses flags and reserved fields (EINVAL).
 *   release_expired releasing a token whose time to live has passed, before
 *                   the reaper saw it, reports it invalid (EKEYREJECTED).
 *   age_cap         /sys/block/odxN/odx/token_age_max_ms ends tokens that many
 *                   ms after minting however often they are used.
 *   id_random       token identifiers (bytes 8-15) are no sequence number.
 *
 * Needs the default pass (nr_devices=2 size_mb=64).
 */
#include "odx_test.h"
#include "odx_harness.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int do_revoke(int fd, struct odx_revoke_args *a)
{
	return ioctl(fd, ODX_IOC_REVOKE, a) ? -errno : 0;
}

/* Is the token usable? An offload write of its first 4 KiB into odx1. */
static int use(const struct odx_token *t)
{
	struct odx_data_set_range dr[] = { R(32 * MiB, 4 * KiB) };
	struct odx_offload_write_output wo;
	int fd = dev_open(1, O_RDWR), ret;

	ret = offload_write(fd, t, 0, dr, 1, &wo);
	close(fd);
	return ret;
}

static void revoke_device(void)
{
	struct odx_data_set_range r[] = { R(0, 64 * KiB) };
	struct odx_revoke_args a;
	struct odx_token t0[3], t1;
	long long rev0 = odx_stat(0, "tokens_revoked"), live1;
	int fd, i;

	dev_fill(0, 0, 64 * KiB, t_seed());
	fd = dev_open(0, O_RDWR);
	/* Tokens of earlier cases may still live: start from none. */
	memset(&a, 0, sizeof(a));
	REQUIRE_RET(do_revoke(fd, &a), 0);
	rev0 = odx_stat(0, "tokens_revoked");
	for (i = 0; i < 3; i++)
		mint(0, r, 1, 0, &t0[i]);
	mint(1, r, 1, 0, &t1);
	live1 = odx_stat(1, "tokens_live");

	memset(&a, 0, sizeof(a));
	REQUIRE_RET(do_revoke(fd, &a), 0);
	CHECK_U64("revoked", a.revoked, 3);
	for (i = 0; i < 3; i++)
		CHECK_RET(use(&t0[i]), -EKEYREJECTED);
	CHECK_U64("tokens_revoked of odx0", odx_stat(0, "tokens_revoked") - rev0, 3);
	CHECK_U64("tokens_live of odx0", odx_stat(0, "tokens_live"), 0);
	CHECK_U64("token_pages of odx0", odx_stat(0, "token_pages"), 0);
	CHECK_U64("token_bytes of odx0", odx_stat(0, "token_bytes"), 0);
	/* The other device's token lives on. */
	CHECK_RET(use(&t1), 0);
	CHECK_U64("tokens_live of odx1", odx_stat(1, "tokens_live"), live1);
	/* Nothing left: a second call revokes nothing; new tokens work. */
	memset(&a, 0, sizeof(a));
	CHECK_RET(do_revoke(fd, &a), 0);
	CHECK_U64("revoked by the second call", a.revoked, 0);
	close(fd);
	mint(0, r, 1, 0, &t0[0]);
	CHECK_RET(use(&t0[0]), 0);
}

static void revoke_needs_write(void)
{
	struct odx_data_set_range r[] = { R(0, 4 * KiB) };
	struct odx_revoke_args a;
	struct odx_token t;
	int fd;

	mint(0, r, 1, 0, &t);
	fd = dev_open(0, O_RDONLY);
	memset(&a, 0, sizeof(a));
	CHECK_RET(do_revoke(fd, &a), -EBADF);
	close(fd);
	CHECK_RET(use(&t), 0);

	fd = dev_open(0, O_RDWR);
	memset(&a, 0, sizeof(a));
	a.flags = 1;
	CHECK_RET(do_revoke(fd, &a), -EINVAL);
	memset(&a, 0, sizeof(a));
	a.reserved0 = 1;
	CHECK_RET(do_revoke(fd, &a), -EINVAL);
	memset(&a, 0, sizeof(a));
	a.reserved[1] = 1;
	CHECK_RET(do_revoke(fd, &a), -EINVAL);
	memset(&a, 0, sizeof(a));
	a.revoked = 5;
	CHECK_RET(do_revoke(fd, &a), -EINVAL);
	CHECK_RET(use(&t), 0);
	/* A bad pointer: EFAULT, nothing revoked. */
	CHECK_RET(ioctl(fd, ODX_IOC_REVOKE, (void *)16) ? -errno : 0, -EFAULT);
	CHECK_RET(use(&t), 0);
	close(fd);

	/* Write-only is enough (like offload write). */
	fd = dev_open(0, O_WRONLY);
	memset(&a, 0, sizeof(a));
	CHECK_RET(do_revoke(fd, &a), 0);
	CHECK(a.revoked >= 1, "revoked %" PRIu64, (uint64_t)a.revoked);
	close(fd);
	CHECK_RET(use(&t), -EKEYREJECTED);

	/* An unknown ioctl number next to it is still ENOTTY. */
	fd = dev_open(0, O_RDWR);
	CHECK_RET(ioctl(fd, _IOWR(ODX_IOC_MAGIC, 0x1f, struct odx_revoke_args), &a) ?
		  -errno : 0, -ENOTTY);
	close(fd);
}

static void release_expired(void)
{
	struct odx_data_set_range r[] = { R(0, 4 * KiB) };
	struct odx_offload_read_output out;
	long long exp0 = odx_stat(0, "tokens_expired"), rel0 = odx_stat(0, "tokens_released");
	int fd = dev_open(0, O_RDONLY), i, bad = 0;

	/* The reaper runs once a second at most: catch it before it, 5 times. */
	for (i = 0; i < 5; i++) {
		REQUIRE_RET(offload_read(fd, r, 1, 50, &out), 0);
		sleep_ms(150);
		if (!CHECK_RET(odx_release(fd, &out.token), -EKEYREJECTED))
			bad++;
	}
	close(fd);
	CHECK_U64("tokens_released", odx_stat(0, "tokens_released") - rel0, 0);
	CHECK_U64("tokens_expired", odx_stat(0, "tokens_expired") - exp0, 5);
	t_diag("%d of 5 expired tokens released with success", bad);
}

static void age_cap_restore(void *arg)
{
	(void)arg;
	t_system("echo 0 > /sys/block/odx0/odx/token_age_max_ms");
}

static void age_cap(void)
{
	struct odx_data_set_range r[] = { R(0, 4 * KiB) };
	struct odx_token t;
	struct timespec a, b;
	long ms = 0;
	int ret = 0;

	t_defer(age_cap_restore, NULL);
	REQUIRE_RET(t_system("echo 600 > /sys/block/odx0/odx/token_age_max_ms"), 0);
	CHECK_U64("token_age_max_ms", odx_stat(0, "token_age_max_ms"), 600);
	clock_gettime(CLOCK_MONOTONIC, &a);
	mint(0, r, 1, 60000, &t);
	/* Used every 100 ms: the inactivity timeout never runs out, the age does. */
	while (ms < 3000) {
		ret = use(&t);
		clock_gettime(CLOCK_MONOTONIC, &b);
		ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
		if (ret)
			break;
		sleep_ms(100);
	}
	CHECK_RET(ret, -EKEYREJECTED);
	CHECK(ms >= 550 && ms < 2000, "the token died after %ld ms (cap 600 ms)", ms);
	t_diag("token with a 600 ms age cap died after %ld ms of use every 100 ms", ms);

	/* 0 switches it off: a token lives past the old cap while used. */
	REQUIRE_RET(t_system("echo 0 > /sys/block/odx0/odx/token_age_max_ms"), 0);
	mint(0, r, 1, 60000, &t);
	sleep_ms(800);
	CHECK_RET(use(&t), 0);
}

static void id_random(void)
{
	struct odx_data_set_range r[] = { R(0, 4 * KiB) };
	struct odx_offload_read_output out;
	uint64_t id[32];
	int fd = dev_open(0, O_RDONLY), i, j, seq = 0;

	for (i = 0; i < 32; i++) {
		REQUIRE_RET(offload_read(fd, r, 1, 0, &out), 0);
		memcpy(&id[i], out.token.token, 8);	/* bytes 8-15 */
		CHECK_RET(odx_release(fd, &out.token), 0);
	}
	close(fd);
	for (i = 1; i < 32; i++) {
		uint64_t a = __builtin_bswap64(id[i - 1]), b = __builtin_bswap64(id[i]);

		if (b - a < 1024 || a - b < 1024)
			seq++;
		for (j = 0; j < i; j++)
			CHECK(id[i] != id[j], "tokens %d and %d have the same identifier", j, i);
	}
	CHECK(seq == 0, "%d of 31 consecutive identifiers are within 1024 of each other: a counter",
	      seq);
}

/* The cases, in the order they run (kselftest harness: tests/lib/odx_harness.h). */
ODX_CASE(revoke_device, 0)
ODX_CASE(revoke_needs_write, 0)
ODX_CASE(release_expired, 0)
ODX_CASE(age_cap, 0)
ODX_CASE(id_random, 0)

ODX_HARNESS_MAIN
