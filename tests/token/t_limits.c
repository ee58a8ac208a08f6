// SPDX-License-Identifier: GPL-2.0
/*
 * t_limits: truncation by a device's limits. Each case runs on /dev/odxN, N
 * from $ODX_LIMITS_DEV (default 0), a 64 MiB device with a setting of its own
 * (run.sh makes one in configfs for each), and checks first, through
 * ODX_IOC_CAPS, that the setting is in effect:
 *
 *   trunc_read_*   max_token_bytes 1048576
 *   trunc_write_*  max_transfer_bytes 65536
 */
#include "odx_test.h"
#include "odx_harness.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>

#define SRC	0ULL
#define DST	(8 * MiB)

/* The device the cases run on. */
static unsigned int ldev(void)
{
	const char *e = getenv("ODX_LIMITS_DEV");

	return e ? (unsigned int)strtoul(e, NULL, 10) : 0;
}

static void require_caps(uint64_t max_token, uint64_t max_transfer)
{
	struct odx_caps c;
	int fd = dev_open(ldev(), O_RDONLY);

	REQUIRE_RET(odx_get_caps(fd, &c), 0);
	close(fd);
	REQUIRE(c.maximum_token_size == max_token && c.maximum_transfer_size == max_transfer,
		"device without the limits this case needs: maximum_token_size "
		"%" PRIu64 " (want %" PRIu64 "), maximum_transfer_size %" PRIu64
		" (want %" PRIu64 ")", (uint64_t)c.maximum_token_size, max_token,
		(uint64_t)c.maximum_transfer_size, max_transfer);
	CHECK_U64("optimal_transfer_count", c.optimal_transfer_count,
		  max_token < max_transfer ? max_token : max_transfer);
}

/*
 * Offload read of sr must protect exactly 'prot' bytes (the prefix in pr,
 * np ranges) with the truncation flag; then the token is written from toff
 * into dr, which must copy 'want' bytes.
 */
static void trunc_read(struct area *s, struct area *d,
		       const struct odx_data_set_range *sr, unsigned int ns,
		       const struct odx_data_set_range *pr, unsigned int np,
		       uint64_t toff, const struct odx_data_set_range *dr,
		       unsigned int nd, const char *what)
{
	struct odx_offload_read_output ro;
	struct odx_offload_write_output wo;
	uint64_t prot = ranges_total(pr, np), want;
	int fd = dev_open(ldev(), O_RDWR), ret;

	t_diag("%s", what);
	ret = offload_read(fd, sr, ns, 0, &ro);
	REQUIRE_RET(ret, 0);
	CHECK_U64("length_protected", ro.length_protected, prot);
	CHECK_U64("offload_read_flags", ro.offload_read_flags,
		  prot < ranges_total(sr, ns) ? ODX_OFFLOAD_READ_RANGE_TRUNCATED : 0);
	want = model_copy(s, pr, np, toff, d, dr, nd, 0);
	ret = offload_write(fd, &ro.token, toff, dr, nd, &wo);
	if (CHECK_RET(ret, 0)) {
		CHECK_U64("length_copied", wo.length_copied, want);
		CHECK_U64("offload_write_flags", wo.offload_write_flags,
			  want < ranges_total(dr, nd) ? ODX_OFFLOAD_WRITE_RANGE_TRUNCATED : 0);
	}
	/* The token ends where the protection ends. */
	CHECK_RET(offload_write(fd, &ro.token, prot, dr, nd, &wo), -EINVAL);
	close(fd);
	area_check(d, what);
}

static void trunc_read_single_range(void)
{
	struct area s, d;

	require_caps(1 * MiB, 256 * MiB);
	area_init(&s, ldev(), SRC, 4 * MiB, t_seed());
	area_init(&d, ldev(), DST, 4 * MiB, t_seed());
	trunc_read(&s, &d, (struct odx_data_set_range[]){ R(SRC + 4 * KiB, 2 * MiB) }, 1,
		   (struct odx_data_set_range[]){ R(SRC + 4 * KiB, 1 * MiB) }, 1, 0,
		   (struct odx_data_set_range[]){ R(DST + 512, 2 * MiB) }, 1,
		   "2 MiB read, 1 MiB token, 2 MiB write");
	/* Positive control: exactly the limit is not truncated. */
	trunc_read(&s, &d, (struct odx_data_set_range[]){ R(SRC + 2 * MiB + 512, 1 * MiB) }, 1,
		   (struct odx_data_set_range[]){ R(SRC + 2 * MiB + 512, 1 * MiB) }, 1, 0,
		   (struct odx_data_set_range[]){ R(DST + 2 * MiB + 4 * KiB, 1 * MiB) }, 1,
		   "1 MiB read, not truncated");
	area_free(&s);
	area_free(&d);
}

static void trunc_read_multi_range(void)
{
	struct area s, d;

	require_caps(1 * MiB, 256 * MiB);
	area_init(&s, ldev(), SRC, 4 * MiB, t_seed());
	area_init(&d, ldev(), DST, 4 * MiB, t_seed());
	/* Three 512 KiB ranges: the token covers the first two. */
	trunc_read(&s, &d, (struct odx_data_set_range[]){
			R(SRC + 2 * MiB, 512 * KiB), R(SRC + 512, 512 * KiB),
			R(SRC + 1 * MiB, 512 * KiB) }, 3,
		   (struct odx_data_set_range[]){
			R(SRC + 2 * MiB, 512 * KiB), R(SRC + 512, 512 * KiB) }, 2,
		   768 * KiB,
		   (struct odx_data_set_range[]){ R(DST + 4 * KiB, 512 * KiB) }, 1,
		   "3 x 512 KiB: token of 2, write from 768 KiB");
	/* Two 768 KiB ranges: the token ends inside the second. */
	trunc_read(&s, &d, (struct odx_data_set_range[]){
			R(SRC + 3 * MiB, 768 * KiB), R(SRC + 1 * MiB + 4 * KiB, 768 * KiB) }, 2,
		   (struct odx_data_set_range[]){
			R(SRC + 3 * MiB, 768 * KiB), R(SRC + 1 * MiB + 4 * KiB, 256 * KiB) }, 2,
		   512 * KiB,
		   (struct odx_data_set_range[]){
			R(DST + 1 * MiB, 300 * KiB), R(DST + 2 * MiB + 512, 700 * KiB) }, 2,
		   "2 x 768 KiB: token ends inside the 2nd, write from 512 KiB");
	area_free(&s);
	area_free(&d);
}

static void trunc_write_max_transfer(void)
{
	struct odx_data_set_range sr[] = { R(SRC + 4 * KiB, 256 * KiB) };
	struct odx_offload_write_output wo;
	struct odx_token tok;
	struct area s, d;
	uint64_t done = 0, c0;
	int fd, ret, calls = 0;

	require_caps(256 * MiB, 64 * KiB);
	area_init(&s, ldev(), SRC, 1 * MiB, t_seed());
	area_init(&d, ldev(), DST, 1 * MiB, t_seed());
	mint(ldev(), sr, 1, 0, &tok);
	c0 = odx_stat(ldev(), "bytes_copied");
	fd = dev_open(ldev(), O_RDWR);
	/* Copy 256 KiB the way Windows does: loop on LengthCopied. */
	while (done < 256 * KiB && calls < 16) {
		struct odx_data_set_range dr[] = { R(DST + 512 + done, 256 * KiB - done) };
		uint64_t want;

		ret = offload_write(fd, &tok, done, dr, 1, &wo);
		calls++;
		if (!CHECK_RET(ret, 0))
			break;
		want = model_copy(&s, sr, 1, done, &d, dr, 1, 64 * KiB);
		CHECK_U64("length_copied", wo.length_copied, want);
		CHECK_U64("offload_write_flags", wo.offload_write_flags,
			  want < dr[0].length_in_bytes ? ODX_OFFLOAD_WRITE_RANGE_TRUNCATED : 0);
		if (!wo.length_copied || wo.length_copied > 64 * KiB)
			break;
		done += wo.length_copied;
	}
	CHECK_U64("offload writes needed for 256 KiB", calls, 4);
	CHECK_U64("bytes_copied increase", odx_stat(ldev(), "bytes_copied") - c0, 256 * KiB);
	area_check(&d, "256 KiB in 64 KiB steps");

	/* The cap falls inside the second of three destination ranges. */
	{
		struct odx_data_set_range dr[] = {
			R(DST + 512 * KiB, 40 * KiB), R(DST + 600 * KiB + 512, 40 * KiB),
			R(DST + 700 * KiB, 40 * KiB),
		};
		uint64_t want;

		ret = offload_write(fd, &tok, 8 * KiB, dr, 3, &wo);
		want = model_copy(&s, sr, 1, 8 * KiB, &d, dr, 3, 64 * KiB);
		CHECK_U64("model", want, 64 * KiB);
		if (CHECK_RET(ret, 0)) {
			CHECK_U64("length_copied", wo.length_copied, 64 * KiB);
			CHECK_U64("offload_write_flags", wo.offload_write_flags,
				  ODX_OFFLOAD_WRITE_RANGE_TRUNCATED);
		}
		area_check(&d, "3 ranges, capped inside the 2nd");
	}
	close(fd);
	area_free(&s);
	area_free(&d);
}

static void trunc_write_zero_token(void)
{
	struct odx_data_set_range dr[] = { R(DST + 4 * KiB + 512, 256 * KiB) };
	struct odx_offload_write_output wo;
	struct odx_token zt;
	struct area d;
	uint64_t z0;
	int fd, ret;

	require_caps(256 * MiB, 64 * KiB);
	area_init(&d, ldev(), DST, 1 * MiB, t_seed());
	zero_token(&zt, 0);
	z0 = odx_stat(ldev(), "bytes_zeroed");
	fd = dev_open(ldev(), O_RDWR);
	ret = offload_write(fd, &zt, 0, dr, 1, &wo);
	close(fd);
	if (CHECK_RET(ret, 0)) {
		CHECK_U64("length_copied", wo.length_copied, 64 * KiB);
		CHECK_U64("offload_write_flags", wo.offload_write_flags,
			  ODX_OFFLOAD_WRITE_RANGE_TRUNCATED);
	}
	model_zero(&d, dr, 1, 64 * KiB);
	CHECK_U64("bytes_zeroed increase", odx_stat(ldev(), "bytes_zeroed") - z0, 64 * KiB);
	area_check(&d, "zero token capped at 64 KiB");
	area_free(&d);
}

/* The cases, in the order they run (kselftest harness: tests/lib/odx_harness.h). */
ODX_CASE(trunc_read_single_range, 0)
ODX_CASE(trunc_read_multi_range, 0)
ODX_CASE(trunc_write_max_transfer, 0)
ODX_CASE(trunc_write_zero_token, 0)

ODX_HARNESS_MAIN
