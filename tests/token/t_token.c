// SPDX-License-Identifier: GPL-2.0
/*
 * t_token: the life of a token: release, lifetime (expiry, re-arming, the
 * reaper), forgery, revocation on device removal, and the sysfs counters.
 * Runs with the module loaded as "nr_devices=2 size_mb=64".
 *
 * Every rejected use is checked for EKEYREJECTED, ODX_OFFLOAD_TOKEN_INVALID in
 * the output, LengthCopied 0 and an unchanged destination, next to a positive
 * control (the genuine token works).
 */
#include "odx_test.h"
#include "odx_harness.h"

#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define SRC	0ULL
#define DST	(8 * MiB)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* An offload write that must be refused as an invalid token. */
static bool write_rejected(int fd, const struct odx_token *tok, uint64_t toff,
			   const struct odx_data_set_range *dr, unsigned int nd,
			   const char *what)
{
	struct odx_offload_write_output wo;
	int ret = offload_write(fd, tok, toff, dr, nd, &wo);
	bool ok = true;

	if (!CHECK_RET(ret, -EKEYREJECTED)) {
		t_diag("  (%s)", what);
		return false;
	}
	ok &= CHECK_U64("offload_write_flags (TOKEN_INVALID)", wo.offload_write_flags,
			ODX_OFFLOAD_TOKEN_INVALID);
	ok &= CHECK_U64("length_copied", wo.length_copied, 0);
	if (!ok)
		t_diag("  (%s)", what);
	return ok;
}

/* An offload write that must copy everything it is asked. */
static void write_ok(int fd, const struct odx_token *tok, uint64_t toff,
		     const struct odx_data_set_range *dr, unsigned int nd, uint64_t want,
		     const char *what)
{
	struct odx_offload_write_output wo;
	int ret = offload_write(fd, tok, toff, dr, nd, &wo);

	if (!CHECK_RET(ret, 0)) {
		t_diag("  (%s)", what);
		return;
	}
	if (!CHECK_U64("length_copied", wo.length_copied, want))
		t_diag("  (%s)", what);
}

static void release_then_use(void)
{
	struct odx_data_set_range sr[] = { R(SRC + 4 * KiB, 64 * KiB) };
	struct odx_data_set_range dr[] = { R(DST + 512, 64 * KiB) };
	struct odx_data_set_range dr2[] = { R(DST + 128 * KiB, 16 * KiB) };
	long long rel0, live0, inv0, live1;
	struct odx_token tok;
	struct area s, d;
	int fd;

	area_init(&s, 0, SRC, 256 * KiB, t_seed());
	area_init(&d, 0, DST, 256 * KiB, t_seed());
	rel0 = odx_stat(0, "tokens_released");
	live0 = odx_stat(0, "tokens_live");
	inv0 = odx_stat(0, "invalid_token_uses");
	mint(0, sr, 1, 0, &tok);
	live1 = odx_stat(0, "tokens_live");
	CHECK_U64("tokens_live after minting", live1 - live0, 1);
	fd = dev_open(0, O_RDWR);
	/* Positive control: the token works before its release. */
	write_ok(fd, &tok, 0, dr2, 1, 16 * KiB, "before the release");
	model_copy(&s, sr, 1, 0, &d, dr2, 1, 0);

	CHECK_RET(odx_release(fd, &tok), 0);
	CHECK_U64("tokens_released increase", odx_stat(0, "tokens_released") - rel0, 1);
	CHECK_U64("tokens_live after the release", odx_stat(0, "tokens_live"), live0);
	write_rejected(fd, &tok, 0, dr, 1, "released token");
	write_rejected(fd, &tok, 32 * KiB, dr2, 1, "released token, other offset");
	CHECK_U64("invalid_token_uses increase", odx_stat(0, "invalid_token_uses") - inv0, 2);
	area_check(&d, "destination after uses of the released token");
	close(fd);
	area_free(&s);
	area_free(&d);
}

static void release_twice(void)
{
	struct odx_data_set_range sr[] = { R(SRC + 4 * KiB, 8 * KiB) };
	long long rel0;
	struct odx_token tok, tok2;
	int fd0, fd1;

	dev_fill(0, SRC, 64 * KiB, t_seed());
	mint(0, sr, 1, 0, &tok);
	mint(0, sr, 1, 0, &tok2);
	CHECK(memcmp(&tok, &tok2, sizeof(tok)), "two mints gave the same token");
	rel0 = odx_stat(0, "tokens_released");
	/* Release works through any odx descriptor, even read-only, another device's. */
	fd1 = dev_open(1, O_RDONLY);
	fd0 = dev_open(0, O_RDWR);
	CHECK_RET(odx_release(fd1, &tok), 0);
	CHECK_RET(odx_release(fd1, &tok), -EKEYREJECTED);
	CHECK_RET(odx_release(fd0, &tok), -EKEYREJECTED);
	CHECK_U64("tokens_released increase", odx_stat(0, "tokens_released") - rel0, 1);
	/* The other token of the same ranges is untouched. */
	CHECK_RET(odx_release(fd0, &tok2), 0);
	CHECK_RET(odx_release(fd0, &tok2), -EKEYREJECTED);
	CHECK_U64("tokens_released increase", odx_stat(0, "tokens_released") - rel0, 2);
	close(fd0);
	close(fd1);
}

static void ttl_expiry(void)
{
	struct odx_data_set_range sr[] = { R(SRC + 4 * KiB, 16 * KiB) };
	struct odx_data_set_range dr[] = { R(DST + 512, 16 * KiB) };
	struct odx_data_set_range dr2[] = { R(DST + 64 * KiB, 4 * KiB) };
	long long exp0, live0;
	struct odx_token a, b;
	struct area s, d;
	double t0;
	int fd;

	area_init(&s, 0, SRC, 128 * KiB, t_seed());
	area_init(&d, 0, DST, 128 * KiB, t_seed());
	exp0 = odx_stat(0, "tokens_expired");
	live0 = odx_stat(0, "tokens_live");
	fd = dev_open(0, O_RDWR);
	t0 = now_s();
	mint(0, sr, 1, 300, &a);
	mint(0, sr, 1, 300, &b);
	/* Positive control: fine at once. */
	write_ok(fd, &a, 0, dr2, 1, 4 * KiB, "fresh 300 ms token");
	model_copy(&s, sr, 1, 0, &d, dr2, 1, 0);
	t_diag("mint and first use took %.0f ms", (now_s() - t0) * 1000);
	sleep_ms(1000);
	write_rejected(fd, &a, 0, dr, 1, "used once, then 1 s idle");
	write_rejected(fd, &b, 0, dr, 1, "never used, 1 s idle");
	area_check(&d, "destination after uses of expired tokens");
	CHECK_RET(odx_release(fd, &a), -EKEYREJECTED);
	CHECK_U64("tokens_expired increase", odx_stat(0, "tokens_expired") - exp0, 2);
	CHECK_U64("tokens_live", odx_stat(0, "tokens_live"), live0);
	close(fd);
	area_free(&s);
	area_free(&d);
}

static void ttl_rearm(void)
{
	struct odx_data_set_range sr[] = { R(SRC + 4 * KiB, 16 * KiB) };
	struct odx_data_set_range dr[] = { R(DST + 512, 16 * KiB) };
	struct odx_token tok;
	struct area s, d;
	double t0, t;
	int fd, uses = 0;

	area_init(&s, 0, SRC, 128 * KiB, t_seed());
	area_init(&d, 0, DST, 128 * KiB, t_seed());
	fd = dev_open(0, O_RDWR);
	mint(0, sr, 1, 1000, &tok);
	t0 = now_s();
	/* Each use re-arms the 1 s lifetime: 3 s of uses every 400 ms all work. */
	while ((t = now_s()) - t0 < 3.0) {
		struct odx_data_set_range one[] = {
			R(DST + 64 * KiB + uses * 4 * KiB, 512) };

		sleep_ms(400);
		write_ok(fd, &tok, (uses % 32) * 512, one, 1, 512, "re-armed token");
		model_copy(&s, sr, 1, (uses % 32) * 512, &d, one, 1, 0);
		uses++;
	}
	t_diag("%d uses in %.1f s", uses, now_s() - t0);
	CHECK(uses >= 6, "only %d uses", uses);
	write_ok(fd, &tok, 0, dr, 1, 16 * KiB, "last use");
	model_copy(&s, sr, 1, 0, &d, dr, 1, 0);
	area_check(&d, "destination after the re-armed uses");
	/* Positive control: left alone, it does expire. */
	sleep_ms(1500);
	write_rejected(fd, &tok, 0, dr, 1, "1.5 s after the last use");
	area_check(&d, "destination after the expired use");
	close(fd);
	area_free(&s);
	area_free(&d);
}

/* An unused token is reaped when its lifetime ends: counters and pages go. */
static void ttl_reaped_without_use(void)
{
	struct odx_data_set_range sr[] = { R(SRC + 64 * KiB, 64 * KiB) };
	struct odx_data_set_range dr[] = { R(DST, 4 * KiB) };
	long long exp0, live0, tp0;
	struct odx_token tok;
	int fd;

	dev_fill(0, SRC, 256 * KiB, t_seed());
	exp0 = odx_stat(0, "tokens_expired");
	live0 = odx_stat(0, "tokens_live");
	tp0 = odx_stat(0, "token_pages");
	mint(0, sr, 1, 300, &tok);
	CHECK_U64("tokens_live after minting", odx_stat(0, "tokens_live") - live0, 1);
	CHECK_U64("token_pages after minting", odx_stat(0, "token_pages") - tp0, 16);
	sleep_ms(2500);
	CHECK_U64("tokens_expired increase (no use)", odx_stat(0, "tokens_expired") - exp0, 1);
	CHECK_U64("tokens_live 2.5 s later", odx_stat(0, "tokens_live"), live0);
	CHECK_U64("token_pages 2.5 s later", odx_stat(0, "token_pages"), tp0);
	fd = dev_open(0, O_RDWR);
	write_rejected(fd, &tok, 0, dr, 1, "reaped token");
	close(fd);
}

/*
 * The same, while other tokens keep being minted (and released at once) every
 * 250 ms: an expired token must still be reaped within a few seconds.
 */
static void ttl_reaped_while_minting(void)
{
	struct odx_data_set_range sr[] = { R(SRC + 64 * KiB, 64 * KiB) };
	struct odx_data_set_range other[] = { R(SRC + 512 * KiB, 4 * KiB) };
	long long exp0, live0, tp0, exp1, live1, tp1;
	struct odx_token tok, t2;
	double t0;
	int fd, n = 0;

	dev_fill(0, SRC, 1 * MiB, t_seed());
	fd = dev_open(0, O_RDWR);
	exp0 = odx_stat(0, "tokens_expired");
	live0 = odx_stat(0, "tokens_live");
	tp0 = odx_stat(0, "token_pages");
	mint(0, sr, 1, 300, &tok);
	t0 = now_s();
	while (now_s() - t0 < 4.0) {
		sleep_ms(250);
		mint(0, other, 1, 0, &t2);
		CHECK_RET(odx_release(fd, &t2), 0);
		n++;
	}
	exp1 = odx_stat(0, "tokens_expired");
	live1 = odx_stat(0, "tokens_live");
	tp1 = odx_stat(0, "token_pages");
	t_diag("%d other tokens minted and released in 4 s", n);
	CHECK_U64("tokens_expired increase, 4 s after a 300 ms token was minted",
		  exp1 - exp0, 1);
	CHECK_U64("tokens_live", live1, live0);
	CHECK_U64("token_pages", tp1, tp0);
	if (exp1 == exp0) {
		sleep_ms(2000);
		t_diag("after 2 s without minting: tokens_expired +%lld, tokens_live %lld "
		       "(was %lld)", odx_stat(0, "tokens_expired") - exp0,
		       odx_stat(0, "tokens_live"), live0);
	}
	close(fd);
}

static void forged_random(void)
{
	struct odx_data_set_range sr[] = { R(SRC + 4 * KiB, 16 * KiB) };
	struct odx_data_set_range dr[] = { R(DST + 512, 16 * KiB) };
	struct odx_token real, f;
	struct area s, d;
	long long inv0;
	int fd, i, n = 0;

	area_init(&s, 0, SRC, 64 * KiB, t_seed());
	area_init(&d, 0, DST, 64 * KiB, t_seed());
	mint(0, sr, 1, 0, &real);
	inv0 = odx_stat(0, "invalid_token_uses");
	fd = dev_open(0, O_RDWR);
	for (i = 0; i < 6; i++) {
		REQUIRE(getrandom(&f, sizeof(f), 0) == sizeof(f), "getrandom");
		if (i < 2) {
			f.token_type[0] &= 0x7f;	/* never the zero token */
		} else {
			/* Looks like one of ours. */
			memcpy(f.token_type, "\x00\x80\x00\x00", 4);
			f.reserved[0] = f.reserved[1] = 0;
			memcpy(f.token_id_length, "\x01\xf8", 2);
			if (i >= 4)	/* even the id of a live token */
				memcpy(f.token, real.token, 8);
			if (i == 5)	/* and all the header bytes */
				memcpy(f.token, real.token, 120);
		}
		write_rejected(fd, &f, 0, dr, 1, "random token");
		CHECK_RET(odx_release(fd, &f), -EKEYREJECTED);
		n++;
	}
	CHECK_U64("invalid_token_uses increase", odx_stat(0, "invalid_token_uses") - inv0, n);
	area_check(&d, "destination after forged tokens");
	/* Positive control: the real token still works. */
	write_ok(fd, &real, 0, dr, 1, 16 * KiB, "the real token");
	model_copy(&s, sr, 1, 0, &d, dr, 1, 0);
	area_check(&d, "destination after the real token");
	close(fd);
	area_free(&s);
	area_free(&d);
}

static void forged_bitflip(void)
{
	/* Type, reserved, id length, id (8-15), creator, length, capacity, secret, last. */
	static const unsigned int pos[] = {
		0, 1, 3, 4, 6, 7, 8, 9, 11, 14, 15, 16, 20, 56, 63, 96, 104,
		128, 129, 200, 300, 400, 500, 510, 511,
	};
	struct odx_data_set_range sr[] = { R(SRC + 4 * KiB, 16 * KiB) };
	struct odx_data_set_range dr[] = { R(DST + 512, 16 * KiB) };
	struct odx_token real, f;
	struct area s, d;
	long long inv0;
	unsigned int i, bit;
	int fd, n = 0;

	area_init(&s, 0, SRC, 64 * KiB, t_seed());
	area_init(&d, 0, DST, 64 * KiB, t_seed());
	mint(0, sr, 1, 0, &real);
	inv0 = odx_stat(0, "invalid_token_uses");
	fd = dev_open(0, O_RDWR);
	for (i = 0; i < NR(pos); i++) {
		for (bit = 0; bit < 8; bit += 7) {
			char what[64];

			f = real;
			((uint8_t *)&f)[pos[i]] ^= 1u << ((bit + i) % 8);
			snprintf(what, sizeof(what), "byte %u bit %u flipped", pos[i],
				 (bit + i) % 8);
			write_rejected(fd, &f, 0, dr, 1, what);
			/* Releasing the altered token must not release the real one. */
			if (!CHECK_RET(odx_release(fd, &f), -EKEYREJECTED))
				t_diag("  (release with %s)", what);
			n++;
		}
	}
	CHECK_U64("invalid_token_uses increase", odx_stat(0, "invalid_token_uses") - inv0, n);
	area_check(&d, "destination after altered tokens");
	write_ok(fd, &real, 0, dr, 1, 16 * KiB, "the real token");
	model_copy(&s, sr, 1, 0, &d, dr, 1, 0);
	area_check(&d, "destination after the real token");
	close(fd);
	area_free(&s);
	area_free(&d);
}

static void revoke_on_device_removal(void)
{
	struct odx_data_set_range sr[] = { R(4 * KiB, 64 * KiB) };
	struct odx_data_set_range dr[] = { R(DST + 512, 64 * KiB) };
	struct odx_data_set_range dr2[] = { R(DST + 128 * KiB, 64 * KiB) };
	struct odx_token tok;
	struct area s, d;
	long long inv0;
	uint32_t idx;
	int fd, fd0;

	idx = ctl_add_dev(4 * MiB, 0);
	area_init(&s, idx, 0, 256 * KiB, t_seed());
	area_init(&d, 0, DST, 256 * KiB, t_seed());
	mint(idx, sr, 1, 0, &tok);
	CHECK_U64("tokens_live on the new device", odx_stat(idx, "tokens_live"), 1);
	fd0 = dev_open(0, O_RDWR);
	/* Positive control: the token works on odx0 while its device exists. */
	write_ok(fd0, &tok, 0, dr2, 1, 64 * KiB, "before the removal");
	model_copy(&s, sr, 1, 0, &d, dr2, 1, 0);

	fd = dev_open(idx, O_RDONLY);
	CHECK_RET(odx_ctl_remove(idx), -EBUSY);
	close(fd);
	inv0 = odx_stat(0, "invalid_token_uses");
	REQUIRE_RET(odx_ctl_remove(idx), 0);
	CHECK(wait_node(idx, false), "%s still exists after the removal", dev_path(idx));
	CHECK_RET(odx_ctl_remove(idx), -ENODEV);

	write_rejected(fd0, &tok, 0, dr, 1, "token of a removed device");
	CHECK_RET(odx_release(fd0, &tok), -EKEYREJECTED);
	CHECK_U64("invalid_token_uses increase on odx0",
		  odx_stat(0, "invalid_token_uses") - inv0, 1);
	area_check(&d, "destination after the revoked token");
	close(fd0);
	area_free(&s);
	area_free(&d);
}

/* Read a module-wide counter of /sys/class/misc/odx-control/. */
static long long ctl_stat(const char *name)
{
	char path[128], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/misc/odx-control/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return atoll(buf);
}

/*
 * Revocations are counted module-wide (a removed device's own counters go away
 * with it): removing a device with 2 live tokens adds 2 to
 * /sys/class/misc/odx-control/tokens_revoked and takes 2 from tokens_live.
 */
static void revoke_counter(void)
{
	struct odx_data_set_range sr[] = { R(4 * KiB, 16 * KiB) };
	long long rev0, live0;
	struct odx_token t1, t2;
	uint32_t idx;

	idx = ctl_add_dev(4 * MiB, 0);
	dev_fill(idx, 0, 64 * KiB, t_seed());
	rev0 = ctl_stat("tokens_revoked");
	REQUIRE(rev0 >= 0, "cannot read /sys/class/misc/odx-control/tokens_revoked");
	mint(idx, sr, 1, 0, &t1);
	mint(idx, sr, 1, 0, &t2);
	CHECK_U64("tokens_live", odx_stat(idx, "tokens_live"), 2);
	live0 = ctl_stat("tokens_live");
	REQUIRE_RET(odx_ctl_remove(idx), 0);
	CHECK(ctl_stat("tokens_revoked") == rev0 + 2,
	      "module-wide tokens_revoked moved by %lld, expected 2",
	      ctl_stat("tokens_revoked") - rev0);
	CHECK(ctl_stat("tokens_live") == live0 - 2,
	      "module-wide tokens_live moved by %lld, expected -2",
	      ctl_stat("tokens_live") - live0);
}

static void counters(void)
{
	struct odx_data_set_range r1[] = { R(0, 64 * KiB) };			/* 16 pages */
	struct odx_data_set_range r2[] = { R(64 * KiB + 512, 8 * KiB) };	/* 3 pages */
	struct odx_data_set_range r3[] = { R(512 * KiB, 4 * KiB) };		/* 1 page */
	struct odx_data_set_range d1[] = { R(256 * KiB, 64 * KiB) };
	struct odx_data_set_range dz[] = { R(768 * KiB, 32 * KiB) };
	struct odx_data_set_range d0[] = { R(DST + 512, 8 * KiB) };
	static const char *const names[] = {
		"tokens_minted", "tokens_live", "tokens_expired", "tokens_released",
		"tokens_revoked", "invalid_token_uses", "bytes_copied", "bytes_zeroed",
		"token_pages", "pages",
	};
	struct odx_token t1, t2, t3, zt, f;
	long long c0_0;
	uint32_t x;
	unsigned int i;
	int fx, f0;

	x = ctl_add_dev(4 * MiB, 0);
	for (i = 0; i < NR(names); i++)
		CHECK_U64(names[i], odx_stat(x, names[i]), 0);
	dev_fill(x, 0, 1 * MiB, t_seed());
	CHECK_U64("pages after writing 1 MiB", odx_stat(x, "pages"), 256);
	dev_fill(0, DST, 64 * KiB, t_seed());

	mint(x, r1, 1, 0, &t1);
	mint(x, r2, 1, 0, &t2);
	mint(x, r3, 1, 300, &t3);
	CHECK_U64("tokens_minted", odx_stat(x, "tokens_minted"), 3);
	CHECK_U64("tokens_live", odx_stat(x, "tokens_live"), 3);
	CHECK_U64("token_pages", odx_stat(x, "token_pages"), 20);

	fx = dev_open(x, O_RDWR);
	f0 = dev_open(0, O_RDWR);
	c0_0 = odx_stat(0, "bytes_copied");
	write_ok(fx, &t1, 0, d1, 1, 64 * KiB, "t1 within the device");
	CHECK_U64("bytes_copied", odx_stat(x, "bytes_copied"), 64 * KiB);
	write_ok(f0, &t2, 0, d0, 1, 8 * KiB, "t2 to odx0");
	CHECK_U64("bytes_copied (destination odx0 counts)",
		  odx_stat(0, "bytes_copied") - c0_0, 8 * KiB);
	CHECK_U64("bytes_copied of the source unchanged", odx_stat(x, "bytes_copied"),
		  64 * KiB);
	zero_token(&zt, 0);
	write_ok(fx, &zt, 0, dz, 1, 32 * KiB, "zero token");
	CHECK_U64("bytes_zeroed", odx_stat(x, "bytes_zeroed"), 32 * KiB);
	CHECK_U64("bytes_copied after the zero token", odx_stat(x, "bytes_copied"), 64 * KiB);
	CHECK_U64("pages after zeroing 8 whole pages", odx_stat(x, "pages"), 248);

	f = t1;
	f.token[300] ^= 4;
	write_rejected(fx, &f, 0, d1, 1, "altered t1");
	CHECK_U64("invalid_token_uses", odx_stat(x, "invalid_token_uses"), 1);
	/* Other errors are not invalid-token uses. */
	CHECK_RET(offload_write(fx, &t2, 8 * KiB, d1, 1,
				&(struct odx_offload_write_output){ 0 }), -EINVAL);
	CHECK_U64("invalid_token_uses after EINVAL", odx_stat(x, "invalid_token_uses"), 1);
	CHECK_U64("tokens_minted (writes mint nothing)", odx_stat(x, "tokens_minted"), 3);

	CHECK_RET(odx_release(fx, &t1), 0);
	CHECK_U64("tokens_released", odx_stat(x, "tokens_released"), 1);
	CHECK_U64("tokens_live after a release", odx_stat(x, "tokens_live"), 2);
	CHECK_U64("token_pages after a release", odx_stat(x, "token_pages"), 4);

	sleep_ms(2500);		/* t3 (300 ms) expires and is reaped */
	CHECK_U64("tokens_expired", odx_stat(x, "tokens_expired"), 1);
	CHECK_U64("tokens_live after the expiry", odx_stat(x, "tokens_live"), 1);
	CHECK_U64("token_pages after the expiry", odx_stat(x, "token_pages"), 3);

	CHECK_RET(odx_release(f0, &t2), 0);
	CHECK_U64("tokens_released", odx_stat(x, "tokens_released"), 2);
	CHECK_U64("tokens_live", odx_stat(x, "tokens_live"), 0);
	CHECK_U64("token_pages", odx_stat(x, "token_pages"), 0);
	CHECK_U64("tokens_minted", odx_stat(x, "tokens_minted"), 3);
	CHECK_U64("tokens_revoked", odx_stat(x, "tokens_revoked"), 0);
	CHECK_U64("tokens_expired", odx_stat(x, "tokens_expired"), 1);
	(void)t3;
	close(fx);
	close(f0);
}

/* A thread doing offload writes of one token until told to stop. */
struct user {
	pthread_t th;
	unsigned int dev;
	const struct odx_token *tok;
	struct odx_data_set_range dr;
	int *ended, *stop;		/* set by the main thread */
	int ok, rejected, other, ok_after_end;
	long other_err;
};

static void *user_fn(void *arg)
{
	struct user *u = arg;
	int fd = dev_try_open(u->dev, O_RDWR);

	if (fd < 0) {
		u->other++;
		u->other_err = fd;
		return NULL;
	}
	while (!__atomic_load_n(u->stop, __ATOMIC_ACQUIRE)) {
		struct odx_offload_write_output wo;
		int ended = __atomic_load_n(u->ended, __ATOMIC_ACQUIRE);
		int ret = offload_write(fd, u->tok, 0, &u->dr, 1, &wo);

		if (!ret && wo.length_copied == u->dr.length_in_bytes) {
			u->ok++;
			u->ok_after_end += ended;
		} else if (ret == -EKEYREJECTED) {
			/* Enough to see it stays rejected. */
			if (++u->rejected >= 200 && ended)
				break;
		} else {
			u->other++;
			u->other_err = ret ? ret : (long)wo.length_copied;
		}
	}
	close(fd);
	return NULL;
}

static void users_start(struct user *u, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		REQUIRE(!pthread_create(&u[i].th, NULL, user_fn, &u[i]), "pthread_create");
}

static void users_check(struct user *u, unsigned int n, const char *ending)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		pthread_join(u[i].th, NULL);
		t_diag("user %u: %d copies, %d rejected, %d other", i, u[i].ok,
		       u[i].rejected, u[i].other);
		CHECK(u[i].ok > 0, "user %u never copied (before the %s)", i, ending);
		CHECK(u[i].rejected > 0, "user %u was never rejected (after the %s)", i, ending);
		CHECK(u[i].ok_after_end == 0, "user %u copied %d times after the %s", i,
		      u[i].ok_after_end, ending);
		CHECK(u[i].other == 0, "user %u: %d unexpected results (last %s)", i,
		      u[i].other, t_errname(u[i].other_err));
	}
}

/* Four threads use a token while the source is overwritten, then it is released. */
static void concurrent_use_and_release(void)
{
	struct odx_data_set_range sr[] = { R(SRC + 4 * KiB + 512, 32 * KiB) };
	struct user u[4];
	int ended = 0, stop = 0, fd, n;
	struct odx_token tok;
	struct area s, d;
	unsigned int i;
	double t0;

	area_init(&s, 0, SRC, 256 * KiB, t_seed());
	area_init(&d, 1, 0, 1 * MiB, t_seed());
	mint(0, sr, 1, 0, &tok);
	memset(u, 0, sizeof(u));
	for (i = 0; i < 4; i++) {
		u[i] = (struct user){ .dev = 1, .tok = &tok, .ended = &ended, .stop = &stop,
				      .dr = R(i * 128 * KiB + i * 512, 32 * KiB) };
		model_copy(&s, sr, 1, 0, &d, &u[i].dr, 1, 0);
	}
	users_start(u, 4);
	/* Meanwhile, overwrite the source again and again. */
	t0 = now_s();
	for (n = 0; now_s() - t0 < 0.5; n++)
		dev_fill(0, SRC, 64 * KiB, t_seed());
	fd = dev_open(0, O_RDONLY);
	CHECK_RET(odx_release(fd, &tok), 0);
	close(fd);
	__atomic_store_n(&ended, 1, __ATOMIC_RELEASE);
	sleep_ms(300);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	t_diag("%d source overwrites", n);
	users_check(u, 4, "release");
	area_check(&d, "destinations: the data as of minting");
	area_free(&s);
	area_free(&d);
}

/* Two threads use a token on odx0 while its source device is removed. */
static void concurrent_use_and_revoke(void)
{
	struct odx_data_set_range sr[] = { R(8 * KiB, 32 * KiB) };
	struct user u[2];
	int ended = 0, stop = 0;
	struct odx_token tok;
	struct area s, d;
	unsigned int i;
	uint32_t idx;

	idx = ctl_add_dev(4 * MiB, 0);
	area_init(&s, idx, 0, 256 * KiB, t_seed());
	area_init(&d, 0, DST, 1 * MiB, t_seed());
	mint(idx, sr, 1, 0, &tok);
	memset(u, 0, sizeof(u));
	for (i = 0; i < 2; i++) {
		u[i] = (struct user){ .dev = 0, .tok = &tok, .ended = &ended, .stop = &stop,
				      .dr = R(DST + i * 256 * KiB + 1024, 32 * KiB) };
		model_copy(&s, sr, 1, 0, &d, &u[i].dr, 1, 0);
	}
	users_start(u, 2);
	sleep_ms(400);
	CHECK_RET(odx_ctl_remove(idx), 0);
	__atomic_store_n(&ended, 1, __ATOMIC_RELEASE);
	sleep_ms(300);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	users_check(u, 2, "removal of the source device");
	area_check(&d, "destinations");
	area_free(&s);
	area_free(&d);
}

/* Mint without remembering the token (so it is not released at the end). */
static void raw_mint(unsigned int idx, const struct odx_data_set_range *r, unsigned int n,
		     uint32_t ttl_ms)
{
	struct odx_offload_read_output out;
	uint8_t in[256];
	size_t len = dsm_build_read(in, sizeof(in), r, n, ttl_ms);
	int fd = dev_open(idx, O_RDONLY);

	REQUIRE_RET(odx_dsm(fd, in, len, &out, sizeof(out), NULL), 0);
	close(fd);
}

/*
 * Leave tokens live for the module unload that ends the pass (run.sh checks
 * that rmmod succeeds; the debug kernel checks for leaks and warnings): one
 * holding pages its store has replaced, one over a hole, one on each device.
 */
static void tokens_live_at_unload(void)
{
	struct odx_data_set_range a[] = { R(SRC + 4 * KiB, 64 * KiB) };
	struct odx_data_set_range b[] = { R(60 * MiB, 64 * KiB) };
	struct odx_data_set_range c[] = { R(DST + 512, 12 * KiB), R(SRC + 128 * KiB, 8 * KiB) };
	long long l0 = odx_stat(0, "tokens_live"), l1 = odx_stat(1, "tokens_live");

	dev_fill(0, SRC, 256 * KiB, t_seed());
	raw_mint(0, a, 1, ~0U);
	dev_fill(0, SRC, 256 * KiB, t_seed());		/* the token keeps the old pages */
	REQUIRE(t_system("blkdiscard -f -o %llu -l %llu /dev/odx1", 60 * MiB, 64 * KiB) == 0,
		"blkdiscard failed");
	raw_mint(1, b, 1, ~0U);
	raw_mint(0, c, 2, 0);
	CHECK_U64("tokens_live on odx0", odx_stat(0, "tokens_live") - l0, 2);
	CHECK_U64("tokens_live on odx1", odx_stat(1, "tokens_live") - l1, 1);
	CHECK_U64("token_pages on odx1 (a hole)", odx_stat(1, "token_pages"), 0);
}

/* The cases, in the order they run (kselftest harness: tests/lib/odx_harness.h). */
ODX_CASE(release_then_use, 0)
ODX_CASE(release_twice, 0)
ODX_CASE(ttl_expiry, 0)
ODX_CASE(ttl_rearm, 0)
ODX_CASE(ttl_reaped_without_use, 0)
ODX_CASE(ttl_reaped_while_minting, 0)
ODX_CASE(forged_random, 0)
ODX_CASE(forged_bitflip, 0)
ODX_CASE(revoke_on_device_removal, 0)
ODX_CASE(revoke_counter, 0)
ODX_CASE(counters, 0)
ODX_CASE(concurrent_use_and_release, 0)
ODX_CASE(concurrent_use_and_revoke, 0)
ODX_CASE(tokens_live_at_unload, 0)

ODX_HARNESS_MAIN
