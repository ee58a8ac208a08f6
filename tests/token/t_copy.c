// SPDX-License-Identifier: GPL-2.0
/*
 * t_copy: what an offload write puts on the device.
 *
 * Every case fills its areas with known data (a fresh seed each time), models
 * the expected result of each copy in userspace and compares the whole area,
 * guard bytes around the ranges included, byte for byte with the device
 * (O_DIRECT unless the case is about the page cache). Runs with the module
 * loaded as "nr_devices=2 size_mb=64" (max_ranges 64, no other limits).
 *
 * Areas: odx0 [0, 4 MiB) sources, odx0 [8 MiB, 12 MiB) destinations,
 * odx1 [0, 4 MiB) cross-device destinations.
 */
#include "odx_test.h"
#include "odx_harness.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define SRC	0ULL		/* source area on odx0 */
#define DST	(8 * MiB)	/* destination area on odx0 */

/*
 * Mint a token on src->idx for sr (TTL default), offload-write it to dst->idx
 * at dr from token_offset, check the output against the model, then the areas.
 */
static void copy_check(struct area *src, const struct odx_data_set_range *sr,
		       unsigned int ns, uint64_t token_offset, struct area *dst,
		       const struct odx_data_set_range *dr, unsigned int nd,
		       const char *what)
{
	struct odx_offload_write_output wo;
	struct odx_token tok;
	uint64_t want;
	int fd, ret;

	mint(src->idx, sr, ns, 0, &tok);
	want = model_copy(src, sr, ns, token_offset, dst, dr, nd, 0);
	fd = dev_open(dst->idx, O_RDWR);
	ret = offload_write(fd, &tok, token_offset, dr, nd, &wo);
	close(fd);
	if (CHECK_RET(ret, 0)) {
		CHECK_U64("length_copied", wo.length_copied, want);
		CHECK_U64("offload_write_flags", wo.offload_write_flags,
			  want < ranges_total(dr, nd) ? ODX_OFFLOAD_WRITE_RANGE_TRUNCATED : 0);
	}
	t_diag("%s: %u -> %u ranges, token offset %" PRIu64 ", %" PRIu64 " bytes",
	       what, ns, nd, token_offset, want);
	area_check(dst, what);
	if (src != dst)
		area_check(src, "source unchanged");
}

static void copy_single_range(void)
{
	struct area s, d, d1;
	struct odx_data_set_range sr[] = { R(SRC + 64 * KiB + 512, 300 * KiB) };
	struct odx_data_set_range dr[] = { R(DST + 128 * KiB + 1536, 300 * KiB) };
	struct odx_data_set_range pr[] = { R(SRC + 4 * KiB, 256 * KiB) };
	struct odx_data_set_range pd[] = { R(DST + 512 * KiB, 256 * KiB) };
	struct odx_data_set_range one[] = { R(SRC + 1 * MiB - 512, 512) };
	struct odx_data_set_range oned[] = { R(DST + 600 * KiB + 3584, 512) };

	area_init(&s, 0, SRC, 1 * MiB, t_seed());
	area_init(&d, 0, DST, 1 * MiB, t_seed());
	copy_check(&s, sr, 1, 0, &d, dr, 1, "unaligned to pages");
	copy_check(&s, pr, 1, 0, &d, pd, 1, "page aligned");
	copy_check(&s, one, 1, 0, &d, oned, 1, "one sector");
	/* The same token source into a device region that was never written. */
	area_init(&d1, 0, 12 * MiB, 1 * MiB, t_seed());
	copy_check(&s, sr, 1, 0, &d1, (struct odx_data_set_range[]){
		R(12 * MiB + 4 * KiB, 300 * KiB) }, 1, "second destination");
	area_free(&s);
	area_free(&d);
	area_free(&d1);
}

static void copy_two_ranges(void)
{
	struct area s, d;
	/* Out of device order, not page aligned; 128 KiB in all. */
	struct odx_data_set_range sr[] = {
		R(SRC + 512 * KiB, 96 * KiB + 512),
		R(SRC + 64 * KiB + 512, 32 * KiB - 512),
	};
	/* Three destination ranges whose boundaries fall elsewhere. */
	struct odx_data_set_range dr[] = {
		R(DST + 900 * KiB, 40 * KiB),
		R(DST + 100 * KiB + 512, 8 * KiB + 512),
		R(DST + 300 * KiB, 80 * KiB - 512),
	};
	struct odx_data_set_range d1[] = { R(DST + 600 * KiB + 1024, 128 * KiB) };

	area_init(&s, 0, SRC, 1 * MiB, t_seed());
	area_init(&d, 0, DST, 1 * MiB, t_seed());
	REQUIRE(ranges_total(sr, 2) == ranges_total(dr, 3), "test bug");
	copy_check(&s, sr, 2, 0, &d, dr, 3, "2 -> 3 ranges");
	copy_check(&s, sr, 2, 0, &d, d1, 1, "2 -> 1 range");
	/* A token minted in the destination area, written over the source ranges. */
	copy_check(&d, d1, 1, 0, &s, sr, 2, "1 -> 2 ranges");
	area_free(&s);
	area_free(&d);
}

static void copy_64_ranges(void)
{
	struct odx_data_set_range sr[64], dr[64], one[1];
	struct area s, d;
	uint64_t total = 0;
	unsigned int i;

	for (i = 0; i < 64; i++) {
		uint64_t len = 512 * (1 + (i * 37) % 40);

		/* Scattered, in a shuffled device order. */
		sr[i] = R(SRC + ((i * 29) % 64) * 48 * KiB + (i % 7) * 512, len);
		total += len;
	}
	for (i = 0; i < 64; i++) {
		/* The lengths in reverse order: boundaries fall elsewhere. */
		dr[i] = R(DST + ((i * 13) % 64) * 24 * KiB + (i % 5) * 512,
			  sr[63 - i].length_in_bytes);
	}
	one[0] = R(DST + 2 * MiB + 512, total);
	area_init(&s, 0, SRC, 4 * MiB, t_seed());
	area_init(&d, 0, DST, 4 * MiB, t_seed());
	copy_check(&s, sr, 64, 0, &d, dr, 64, "64 -> 64 ranges");
	copy_check(&s, sr, 64, 0, &d, one, 1, "64 -> 1 range");
	copy_check(&d, one, 1, 0, &s, sr, 64, "1 -> 64 ranges");
	copy_check(&s, sr, 64, 4096, &d, dr, 64, "64 -> 64 ranges from offset 4096");
	area_free(&s);
	area_free(&d);
}

static void ranges_65_einval(void)
{
	struct odx_data_set_range r65[65], dr[65];
	struct odx_offload_read_output ro;
	struct odx_offload_write_output wo;
	struct odx_token tok;
	struct area s, d;
	unsigned int i;
	int fd;

	for (i = 0; i < 65; i++) {
		r65[i] = R(SRC + i * 8 * KiB, 4 * KiB);
		dr[i] = R(DST + i * 8 * KiB + 512, 4 * KiB);
	}
	area_init(&s, 0, SRC, 1 * MiB, t_seed());
	area_init(&d, 0, DST, 1 * MiB, t_seed());
	fd = dev_open(0, O_RDWR);
	CHECK_RET(offload_read(fd, r65, 65, 0, &ro), -EINVAL);
	/* 64 of them are fine (positive control). */
	CHECK_RET(offload_read(fd, r65, 64, 0, &ro), 0);
	tok = ro.token;
	CHECK_RET(offload_write(fd, &tok, 0, dr, 65, &wo), -EINVAL);
	area_check(&d, "destination after a 65-range write");
	CHECK_RET(offload_write(fd, &tok, 0, dr, 64, &wo), 0);
	CHECK_U64("length_copied", wo.length_copied, 64 * 4 * KiB);
	model_copy(&s, r65, 64, 0, &d, dr, 64, 0);
	area_check(&d, "destination after a 64-range write");
	close(fd);
	area_free(&s);
	area_free(&d);
}

/* A token over three ranges: A 64 KiB, B 128 KiB, C 32 KiB (224 KiB). */
static const struct odx_data_set_range tok3[] = {
	R(SRC + 4 * KiB + 512, 64 * KiB),
	R(SRC + 512 * KiB + 512, 128 * KiB),
	R(SRC + 256 * KiB, 32 * KiB),
};
#define TOK3_LEN	(224 * KiB)

/* Write the 3-range token from token_offset to dr, check output and data. */
static void tok3_write(struct area *s, struct area *d, const struct odx_token *tok,
		       uint64_t toff, const struct odx_data_set_range *dr,
		       unsigned int nd, const char *what)
{
	struct odx_offload_write_output wo;
	uint64_t want;
	int fd = dev_open(0, O_RDWR), ret;

	ret = offload_write(fd, tok, toff, dr, nd, &wo);
	close(fd);
	want = model_copy(s, tok3, 3, toff, d, dr, nd, 0);
	if (CHECK_RET(ret, 0)) {
		CHECK_U64("length_copied", wo.length_copied, want);
		CHECK_U64("offload_write_flags", wo.offload_write_flags,
			  want < ranges_total(dr, nd) ? ODX_OFFLOAD_WRITE_RANGE_TRUNCATED : 0);
	}
	t_diag("%s: token offset %" PRIu64 ", %" PRIu64 " bytes", what, toff, want);
	area_check(d, what);
}

static void tok3_setup(struct area *s, struct area *d, struct odx_token *tok)
{
	area_init(s, 0, SRC, 1 * MiB, t_seed());
	area_init(d, 0, DST, 1 * MiB, t_seed());
	mint(0, tok3, 3, 0, tok);
}

static void token_offset_first_range(void)
{
	struct odx_token tok;
	struct area s, d;

	tok3_setup(&s, &d, &tok);
	tok3_write(&s, &d, &tok, 16 * KiB + 512, (struct odx_data_set_range[]){
		R(DST + 4 * KiB, TOK3_LEN - 16 * KiB - 512) }, 1, "rest of the token");
	tok3_write(&s, &d, &tok, 512, (struct odx_data_set_range[]){
		R(DST + 512 * KiB, 8 * KiB) }, 1, "8 KiB inside the first range");
	tok3_write(&s, &d, &tok, 60 * KiB, (struct odx_data_set_range[]){
		R(DST + 700 * KiB + 512, 8 * KiB), R(DST + 600 * KiB, 1 * KiB) }, 2,
		"across the first boundary");
	area_free(&s);
	area_free(&d);
}

static void token_offset_range_boundary(void)
{
	struct odx_token tok;
	struct area s, d;

	tok3_setup(&s, &d, &tok);
	tok3_write(&s, &d, &tok, 64 * KiB, (struct odx_data_set_range[]){
		R(DST + 4 * KiB, 160 * KiB) }, 1, "from the start of B");
	tok3_write(&s, &d, &tok, 192 * KiB, (struct odx_data_set_range[]){
		R(DST + 512 * KiB + 512, 32 * KiB) }, 1, "from the start of C");
	area_free(&s);
	area_free(&d);
}

static void token_offset_last_range(void)
{
	struct odx_token tok;
	struct area s, d;

	tok3_setup(&s, &d, &tok);
	tok3_write(&s, &d, &tok, 200 * KiB, (struct odx_data_set_range[]){
		R(DST + 4 * KiB, 24 * KiB) }, 1, "rest of C");
	/* Destination longer than what is left: truncated to 24 KiB. */
	tok3_write(&s, &d, &tok, 200 * KiB, (struct odx_data_set_range[]){
		R(DST + 256 * KiB, 16 * KiB), R(DST + 512 * KiB, 48 * KiB) }, 2,
		"rest of C into 64 KiB");
	/* The very last sector. */
	tok3_write(&s, &d, &tok, TOK3_LEN - 512, (struct odx_data_set_range[]){
		R(DST + 800 * KiB + 512, 512) }, 1, "last sector");
	area_free(&s);
	area_free(&d);
}

static void token_offset_end_einval(void)
{
	static const uint64_t bad[] = {
		TOK3_LEN, TOK3_LEN + 512, TOK3_LEN + 64 * KiB, 1ULL << 40,
		(1ULL << 63) - 512, ~0ULL - 511,
	};
	struct odx_offload_write_output wo;
	struct odx_data_set_range dr[] = { R(DST + 4 * KiB, 64 * KiB) };
	struct odx_token tok;
	struct area s, d;
	unsigned int i;
	int fd;

	tok3_setup(&s, &d, &tok);
	fd = dev_open(0, O_RDWR);
	for (i = 0; i < NR(bad); i++) {
		if (!CHECK_RET(offload_write(fd, &tok, bad[i], dr, 1, &wo), -EINVAL))
			t_diag("token offset %" PRIu64 " (token length %llu)", bad[i],
			       TOK3_LEN);
	}
	close(fd);
	area_check(&d, "destination after rejected writes");
	/* The token is still good, and the last sector is reachable. */
	tok3_write(&s, &d, &tok, TOK3_LEN - 512, dr, 1, "last sector");
	area_free(&s);
	area_free(&d);
}

static void token_offset_unaligned_einval(void)
{
	static const uint64_t bad[] = { 1, 256, 511, 513, 4097, 64 * KiB + 100,
					TOK3_LEN - 1 };
	struct odx_offload_write_output wo;
	struct odx_data_set_range dr[] = { R(DST + 4 * KiB, 64 * KiB) };
	struct odx_token tok;
	struct area s, d;
	unsigned int i;
	int fd;

	tok3_setup(&s, &d, &tok);
	fd = dev_open(0, O_RDWR);
	for (i = 0; i < NR(bad); i++) {
		if (!CHECK_RET(offload_write(fd, &tok, bad[i], dr, 1, &wo), -EINVAL))
			t_diag("token offset %" PRIu64, bad[i]);
	}
	close(fd);
	area_check(&d, "destination after rejected writes");
	tok3_write(&s, &d, &tok, 512, dr, 1, "token offset 512");
	area_free(&s);
	area_free(&d);
}

static void copy_cross_device(void)
{
	struct area s0, d1, s1, d0;
	struct odx_data_set_range sr[] = {
		R(SRC + 12 * KiB, 100 * KiB), R(SRC + 300 * KiB + 512, 60 * KiB + 512),
	};
	struct odx_data_set_range dr[] = {
		R(512 * KiB + 1024, 64 * KiB), R(64 * KiB, 96 * KiB + 512),
	};
	struct odx_data_set_range sr1[] = { R(128 * KiB + 512, 200 * KiB) };
	struct odx_data_set_range dr0[] = { R(DST + 3584, 200 * KiB) };

	area_init(&s0, 0, SRC, 1 * MiB, t_seed());
	area_init(&d1, 1, 0, 1 * MiB, t_seed());
	copy_check(&s0, sr, 2, 0, &d1, dr, 2, "odx0 -> odx1");
	copy_check(&s0, sr, 2, 48 * KiB, &d1, sr1, 1, "odx0 -> odx1 from 48 KiB");
	/* And back: a token minted on odx1, written to odx0. */
	area_init(&s1, 1, 2 * MiB, 1 * MiB, t_seed());
	area_init(&d0, 0, DST, 1 * MiB, t_seed());
	sr1[0].starting_offset += 2 * MiB;
	copy_check(&s1, sr1, 1, 0, &d0, dr0, 1, "odx1 -> odx0");
	area_free(&s0);
	area_free(&d1);
	area_free(&s1);
	area_free(&d0);
}

static void copy_overlap_same_device(void)
{
	struct area a;

	area_init(&a, 0, SRC, 1 * MiB, t_seed());
	/* The destination starts inside the source (a naive forward copy
	 * would read what it already wrote). */
	copy_check(&a, (struct odx_data_set_range[]){ R(128 * KiB, 256 * KiB) }, 1, 0,
		   &a, (struct odx_data_set_range[]){ R(192 * KiB, 256 * KiB) }, 1,
		   "forward overlap");
	/* The destination ends inside the source. */
	copy_check(&a, (struct odx_data_set_range[]){ R(512 * KiB, 256 * KiB) }, 1, 0,
		   &a, (struct odx_data_set_range[]){ R(448 * KiB, 256 * KiB) }, 1,
		   "backward overlap");
	/* Shifted by one sector: every page is both token data and destination. */
	copy_check(&a, (struct odx_data_set_range[]){ R(900 * KiB + 512, 16 * KiB) }, 1, 0,
		   &a, (struct odx_data_set_range[]){ R(900 * KiB + 1024, 16 * KiB) }, 1,
		   "one-sector shift");
	/* Two source ranges, two destination ranges overlapping both. */
	copy_check(&a, (struct odx_data_set_range[]){
			R(600 * KiB, 64 * KiB), R(700 * KiB, 64 * KiB) }, 2, 0,
		   &a, (struct odx_data_set_range[]){
			R(620 * KiB, 70 * KiB), R(720 * KiB + 512, 58 * KiB) }, 2,
		   "2 ranges over 2 ranges");
	/* Exactly onto itself. */
	copy_check(&a, (struct odx_data_set_range[]){ R(40 * KiB, 24 * KiB) }, 1, 0,
		   &a, (struct odx_data_set_range[]){ R(40 * KiB, 24 * KiB) }, 1,
		   "onto itself");
	area_free(&a);
}

static void copy_dest_longer_truncated(void)
{
	struct area s, d;

	area_init(&s, 0, SRC, 1 * MiB, t_seed());
	area_init(&d, 0, DST, 1 * MiB, t_seed());
	/* 96 KiB of token into 160 KiB of ranges: 96 KiB copied, truncated. */
	copy_check(&s, (struct odx_data_set_range[]){ R(32 * KiB + 512, 96 * KiB) }, 1, 0,
		   &d, (struct odx_data_set_range[]){
			R(DST + 4 * KiB, 64 * KiB), R(DST + 128 * KiB + 512, 96 * KiB) }, 2,
		   "96 KiB into 160 KiB");
	/* The token runs out inside the first destination range. */
	copy_check(&s, (struct odx_data_set_range[]){ R(32 * KiB, 8 * KiB) }, 1, 0,
		   &d, (struct odx_data_set_range[]){
			R(DST + 512 * KiB, 64 * KiB), R(DST + 700 * KiB, 4 * KiB) }, 2,
		   "8 KiB into 68 KiB");
	/* From a token offset: 64 KiB - 16 KiB left, 80 KiB asked. */
	copy_check(&s, (struct odx_data_set_range[]){ R(300 * KiB, 64 * KiB) }, 1, 16 * KiB,
		   &d, (struct odx_data_set_range[]){ R(DST + 800 * KiB, 80 * KiB) }, 1,
		   "48 KiB left into 80 KiB");
	area_free(&s);
	area_free(&d);
}

/* How point_in_time() overwrites the source after minting. */
enum pit_kind { PIT_BUFFERED, PIT_DIRECT, PIT_DISCARD, PIT_ZEROOUT };

static void point_in_time(enum pit_kind kind)
{
	struct odx_data_set_range sr[] = {
		R(SRC + 64 * KiB, 256 * KiB), R(SRC + 512 * KiB + 512, 100 * KiB),
		R(SRC + 900 * KiB + 1024, 2 * KiB),
	};
	struct odx_data_set_range dr[] = { R(DST + 4 * KiB + 512, 358 * KiB) };
	struct odx_offload_write_output wo;
	uint64_t want, seed = t_seed(), off;
	struct odx_token tok;
	struct area s, d;
	uint8_t *buf;
	int fd, ret;

	area_init(&s, 0, SRC, 1 * MiB, t_seed());
	area_init(&d, 0, DST, 1 * MiB, t_seed());
	mint(0, sr, NR(sr), 0, &tok);
	/* The expected result is the data as of now. */
	want = model_copy(&s, sr, NR(sr), 0, &d, dr, NR(dr), 0);

	switch (kind) {
	case PIT_BUFFERED:
		fd = dev_open(0, O_RDWR);
		buf = malloc(s.len);
		REQUIRE(buf, "malloc");
		pat_fill(buf, s.len, seed, s.off);
		REQUIRE_RET(pwrite_all(fd, buf, s.len, s.off), 0);
		/* And some single sectors, partial pages. */
		for (off = SRC + 64 * KiB + 1536; off < SRC + 1 * MiB; off += 36 * KiB + 512) {
			pat_fill(buf, 512, seed + 1, off);
			REQUIRE_RET(pwrite_all(fd, buf, 512, off), 0);
		}
		REQUIRE(!fsync(fd), "fsync: %s", strerror(errno));
		free(buf);
		close(fd);
		area_model_pattern(&s, s.off, s.len, seed);
		for (off = SRC + 64 * KiB + 1536; off < SRC + 1 * MiB; off += 36 * KiB + 512)
			area_model_pattern(&s, off, 512, seed + 1);
		break;
	case PIT_DIRECT:
		dev_fill(0, s.off, s.len, seed);
		area_model_pattern(&s, s.off, s.len, seed);
		for (off = SRC + 64 * KiB + 1536; off < SRC + 1 * MiB; off += 36 * KiB + 512) {
			dev_fill(0, off, 512, seed + 1);
			area_model_pattern(&s, off, 512, seed + 1);
		}
		break;
	case PIT_DISCARD:
		REQUIRE(t_system("blkdiscard -f -o %llu -l %llu /dev/odx0", SRC, 1 * MiB) == 0,
			"blkdiscard failed");
		area_model_zero(&s, s.off, s.len);
		break;
	case PIT_ZEROOUT:
		/*
		 * Starts and ends inside pages the token holds (in its 1st and
		 * 3rd range): those pages are partly zeroed, whole ones dropped.
		 */
		off = SRC + 64 * KiB + 1536;
		REQUIRE(t_system("blkdiscard -f -z -o %" PRIu64 " -l %" PRIu64 " /dev/odx0",
				 off, (uint64_t)(SRC + 901 * KiB + 512 - off)) == 0,
			"blkdiscard -z failed");
		area_model_zero(&s, off, SRC + 901 * KiB + 512 - off);
		break;
	}
	/* The overwrite really reached the device (positive control). */
	area_check(&s, "source after the overwrite");

	fd = dev_open(0, O_RDWR);
	ret = offload_write(fd, &tok, 0, dr, NR(dr), &wo);
	close(fd);
	if (CHECK_RET(ret, 0)) {
		CHECK_U64("length_copied", wo.length_copied, want);
		CHECK_U64("offload_write_flags", wo.offload_write_flags, 0);
	}
	area_check(&d, "destination: the data as of minting");
	area_free(&s);
	area_free(&d);
}

static void point_in_time_pwrite_buffered(void) { point_in_time(PIT_BUFFERED); }
static void point_in_time_pwrite_direct(void) { point_in_time(PIT_DIRECT); }
static void point_in_time_blkdiscard(void) { point_in_time(PIT_DISCARD); }
static void point_in_time_blkdiscard_zeroout(void) { point_in_time(PIT_ZEROOUT); }

static void hole_copies_zeros(void)
{
	struct odx_data_set_range sr[] = {
		R(SRC + 64 * KiB, 256 * KiB),		/* data, hole, data */
		R(SRC + 128 * KiB + 512, 8 * KiB),	/* inside the hole, unaligned */
	};
	struct odx_data_set_range dr[] = { R(DST + 4 * KiB, 264 * KiB) };
	long long pages0, pages1, tp0, tp1;
	struct odx_token tok;
	struct area s, d;

	area_init(&s, 0, SRC, 512 * KiB, t_seed());
	area_init(&d, 0, DST, 512 * KiB, t_seed());
	pages0 = odx_stat(0, "pages");
	REQUIRE(t_system("blkdiscard -f -o %llu -l %llu /dev/odx0", SRC + 128 * KiB,
			 128 * KiB) == 0, "blkdiscard failed");
	area_model_zero(&s, SRC + 128 * KiB, 128 * KiB);
	pages1 = odx_stat(0, "pages");
	/* The discard made a hole of 32 pages (so this tests a hole, not zeros). */
	CHECK_U64("store pages freed by the discard", pages0 - pages1, 32);
	area_check(&s, "source with a hole");

	tp0 = odx_stat(0, "token_pages");
	mint(0, sr, NR(sr), 0, &tok);
	tp1 = odx_stat(0, "token_pages");
	/* Holes pin nothing: 16 + 16 data pages, none for the 2nd range. */
	CHECK_U64("token_pages pinned by the token", tp1 - tp0, 32);
	copy_check(&s, sr, NR(sr), 0, &d, dr, NR(dr), "hole -> zeros");
	area_free(&s);
	area_free(&d);
}

static void zero_token_fills_zeros(void)
{
	struct odx_data_set_range dr[] = {
		R(DST + 512, 64 * KiB), R(DST + 128 * KiB + 1024, 100 * KiB + 512),
		R(DST + 400 * KiB, 4 * KiB),
	};
	struct odx_data_set_range dr1[] = { R(64 * KiB + 1536, 24 * KiB) };
	struct odx_offload_write_output wo;
	long long z0, c0, z1, c1;
	struct odx_token zt;
	struct area d, d1;
	uint64_t total = ranges_total(dr, NR(dr));
	int fd, ret;

	area_init(&d, 0, DST, 512 * KiB, t_seed());
	z0 = odx_stat(0, "bytes_zeroed");
	c0 = odx_stat(0, "bytes_copied");
	zero_token(&zt, 0);
	fd = dev_open(0, O_RDWR);
	ret = offload_write(fd, &zt, 0, dr, NR(dr), &wo);
	if (CHECK_RET(ret, 0)) {
		CHECK_U64("length_copied", wo.length_copied, total);
		CHECK_U64("offload_write_flags", wo.offload_write_flags, 0);
	}
	close(fd);
	model_zero(&d, dr, NR(dr), 0);
	area_check(&d, "zero token, 3 ranges");
	z1 = odx_stat(0, "bytes_zeroed");
	c1 = odx_stat(0, "bytes_copied");
	CHECK_U64("bytes_zeroed increase", z1 - z0, total);
	CHECK_U64("bytes_copied increase", c1 - c0, 0);

	/* Only the type and the id length make the zero token. */
	area_init(&d1, 1, 0, 256 * KiB, t_seed());
	zero_token(&zt, 0x5a);
	fd = dev_open(1, O_RDWR);
	ret = offload_write(fd, &zt, 0, dr1, NR(dr1), &wo);
	if (CHECK_RET(ret, 0))
		CHECK_U64("length_copied", wo.length_copied, 24 * KiB);
	close(fd);
	model_zero(&d1, dr1, NR(dr1), 0);
	area_check(&d1, "zero token with other bytes set, odx1");
	area_free(&d);
	area_free(&d1);
}

/* Pages of [off, off + len) of fd's page cache that are resident. */
static long resident_pages(int fd, uint64_t off, uint64_t len)
{
	unsigned char vec[1024];
	long n = 0, i, pages = len / PAGE;
	void *p;

	REQUIRE(pages <= 1024 && !(off % PAGE) && !(len % PAGE), "test bug");
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, off);
	if (p == MAP_FAILED) {
		t_diag("mmap: %s", strerror(errno));
		return -1;
	}
	if (mincore(p, len, vec)) {
		t_diag("mincore: %s", strerror(errno));
		munmap(p, len);
		return -1;
	}
	for (i = 0; i < pages; i++)
		n += vec[i] & 1;
	munmap(p, len);
	return n;
}

static void coherency_buffered_reader(void)
{
	struct odx_data_set_range sr[] = { R(SRC + 32 * KiB + 512, 128 * KiB) };
	struct odx_data_set_range dr[] = { R(64 * KiB + 512, 128 * KiB) };
	struct odx_data_set_range dr2[] = { R(300 * KiB, 8 * KiB), R(400 * KiB + 3584, 1 * KiB) };
	struct odx_offload_write_output wo;
	struct odx_token tok;
	struct area s, d;
	long res;
	int bfd, fd, ret;

	area_init(&s, 0, SRC, 512 * KiB, t_seed());
	area_init(&d, 1, 0, 512 * KiB, t_seed());
	/* Read the destination through the page cache: now it is cached. */
	bfd = dev_open(1, O_RDWR);
	area_check_fd(&d, bfd, "buffered read before the copy");
	res = resident_pages(bfd, 0, 512 * KiB);
	CHECK(res == 128, "%ld of 128 destination pages are in the page cache", res);

	mint(0, sr, NR(sr), 0, &tok);
	fd = dev_open(1, O_RDWR);
	ret = offload_write(fd, &tok, 0, dr, NR(dr), &wo);
	close(fd);
	if (CHECK_RET(ret, 0))
		CHECK_U64("length_copied", wo.length_copied, 128 * KiB);
	model_copy(&s, sr, NR(sr), 0, &d, dr, NR(dr), 0);
	area_check_fd(&d, bfd, "buffered read after the copy (other fd)");
	area_check(&d, "O_DIRECT read after the copy");

	/* Again with the ioctl on the buffered reader's own descriptor. */
	area_check_fd(&d, bfd, "buffered read before the 2nd copy");
	ret = offload_write(bfd, &tok, 64 * KiB, dr2, NR(dr2), &wo);
	if (CHECK_RET(ret, 0))
		CHECK_U64("length_copied", wo.length_copied, 9 * KiB);
	model_copy(&s, sr, NR(sr), 64 * KiB, &d, dr2, NR(dr2), 0);
	area_check_fd(&d, bfd, "buffered read after the copy (same fd)");
	close(bfd);
	area_free(&s);
	area_free(&d);
}

/* Dirty pages in /proc/meminfo, in KiB (-1 if unknown). */
static long meminfo_dirty_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Dirty: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static void dirty_source_captured(void)
{
	struct odx_data_set_range sr[] = {
		R(SRC + 64 * KiB, 200 * KiB), R(SRC + 300 * KiB, 8 * KiB),
	};
	struct odx_data_set_range dr[] = { R(128 * KiB + 512, 208 * KiB) };
	uint64_t seed = t_seed();
	struct odx_token tok;
	struct area s, d;
	uint8_t *buf;
	int bfd;

	area_init(&s, 0, SRC, 512 * KiB, t_seed());
	area_init(&d, 1, 0, 512 * KiB, t_seed());
	/* Buffered writes, not synced: the new data is only in the page cache. */
	bfd = dev_open(0, O_RDWR);
	buf = malloc(200 * KiB);
	REQUIRE(buf, "malloc");
	pat_fill(buf, 200 * KiB, seed, SRC + 64 * KiB);
	REQUIRE_RET(pwrite_all(bfd, buf, 200 * KiB, SRC + 64 * KiB), 0);
	area_model_pattern(&s, SRC + 64 * KiB, 200 * KiB, seed);
	/* One sector in the middle of a page of the second range. */
	pat_fill(buf, 512, seed + 1, SRC + 300 * KiB + 1536);
	REQUIRE_RET(pwrite_all(bfd, buf, 512, SRC + 300 * KiB + 1536), 0);
	area_model_pattern(&s, SRC + 300 * KiB + 1536, 512, seed + 1);
	free(buf);
	t_diag("Dirty in /proc/meminfo before the offload read: %ld kB",
	       meminfo_dirty_kib());

	/* Mint without syncing: the token must hold the new data. */
	mint(0, sr, NR(sr), 0, &tok);
	close(bfd);
	{
		struct odx_offload_write_output wo;
		int fd = dev_open(1, O_RDWR), ret;

		ret = offload_write(fd, &tok, 0, dr, NR(dr), &wo);
		close(fd);
		if (CHECK_RET(ret, 0))
			CHECK_U64("length_copied", wo.length_copied, 208 * KiB);
	}
	model_copy(&s, sr, NR(sr), 0, &d, dr, NR(dr), 0);
	area_check(&d, "destination: the dirty source data");
	area_check(&s, "source");
	area_free(&s);
	area_free(&d);
}

static void dirty_dest_not_clobbering(void)
{
	struct odx_data_set_range sr[] = { R(SRC + 4 * KiB, 64 * KiB) };
	struct odx_data_set_range dr[] = { R(64 * KiB + 512, 64 * KiB) };
	struct odx_offload_write_output wo;
	uint64_t seed = t_seed();
	struct odx_token tok;
	struct area s, d;
	uint8_t *buf;
	int bfd, fd, ret;

	area_init(&s, 0, SRC, 256 * KiB, t_seed());
	area_init(&d, 1, 0, 256 * KiB, t_seed());
	/* Dirty the destination (and around it) in the page cache. */
	bfd = dev_open(1, O_RDWR);
	buf = malloc(128 * KiB);
	REQUIRE(buf, "malloc");
	pat_fill(buf, 128 * KiB, seed, 32 * KiB);
	REQUIRE_RET(pwrite_all(bfd, buf, 128 * KiB, 32 * KiB), 0);
	free(buf);
	area_model_pattern(&d, 32 * KiB, 128 * KiB, seed);

	mint(0, sr, NR(sr), 0, &tok);
	fd = dev_open(1, O_RDWR);
	ret = offload_write(fd, &tok, 0, dr, NR(dr), &wo);
	close(fd);
	if (CHECK_RET(ret, 0))
		CHECK_U64("length_copied", wo.length_copied, 64 * KiB);
	model_copy(&s, sr, NR(sr), 0, &d, dr, NR(dr), 0);
	/* Now write back whatever is still dirty: it must not land on the copy. */
	CHECK(!fsync(bfd), "fsync: %s", strerror(errno));
	area_check_fd(&d, bfd, "buffered read after the copy");
	close(bfd);
	area_check(&d, "O_DIRECT read after fsync");
	area_free(&s);
	area_free(&d);
}

/* Write the token into dr on dst; check LengthCopied and the bytes_shared increase. */
static void share_write(struct area *src, const struct odx_data_set_range *sr,
			unsigned int ns, const struct odx_token *tok, struct area *dst,
			const struct odx_data_set_range *dr, unsigned int nd,
			uint64_t want_shared, const char *what)
{
	struct odx_offload_write_output wo;
	long long sh0 = odx_stat(dst->idx, "bytes_shared");
	uint64_t want;
	int fd = dev_open(dst->idx, O_RDWR), ret;

	ret = offload_write(fd, tok, 0, dr, nd, &wo);
	close(fd);
	want = model_copy(src, sr, ns, 0, dst, dr, nd, 0);
	if (CHECK_RET(ret, 0))
		CHECK_U64("length_copied", wo.length_copied, want);
	if (!CHECK_U64("bytes_shared increase", odx_stat(dst->idx, "bytes_shared") - sh0,
		       want_shared))
		t_diag("  (%s)", what);
	area_check(dst, what);
}

/*
 * Whole, page-aligned pieces are shared with the token (share_pages=Y): the
 * source, the token and every destination must still change independently.
 */
static void shared_pages_cow(void)
{
	struct odx_data_set_range sr[] = { R(SRC + 64 * KiB, 256 * KiB) };
	struct odx_data_set_range d1r[] = { R(128 * KiB, 256 * KiB) };		/* odx1 */
	struct odx_data_set_range d0r[] = { R(DST + 64 * KiB, 256 * KiB) };	/* odx0 */
	struct odx_data_set_range d3r[] = { R(DST + 512 * KiB, 256 * KiB) };	/* odx0 */
	struct area s, d1, d0, snap;
	struct odx_token tok;
	char val[8];
	uint8_t *buf;
	int fd;

	REQUIRE_RET(param_read("share_pages", val, sizeof(val)), 0);
	REQUIRE(!strcmp(val, "Y"), "share_pages is %s, this case needs Y", val);
	area_init(&s, 0, SRC, 1 * MiB, t_seed());
	area_init(&d1, 1, 0, 1 * MiB, t_seed());
	area_init(&d0, 0, DST, 1 * MiB, t_seed());
	/* What the token holds, for later checks. */
	snap = s;
	snap.img = malloc(s.len);
	REQUIRE(snap.img, "malloc");
	memcpy(snap.img, s.img, s.len);

	mint(0, sr, 1, 0, &tok);
	share_write(&snap, sr, 1, &tok, &d1, d1r, 1, 256 * KiB, "shared into odx1");
	share_write(&snap, sr, 1, &tok, &d0, d0r, 1, 256 * KiB, "shared within odx0");

	/* Overwrite the source: whole pages, one sector, buffered + fsync. */
	area_free(&s);
	area_init(&s, 0, SRC, 1 * MiB, t_seed());
	dev_fill(0, SRC + 200 * KiB + 1536, 512, 7);
	area_model_pattern(&s, SRC + 200 * KiB + 1536, 512, 7);
	fd = dev_open(0, O_RDWR);
	buf = malloc(8 * KiB);
	REQUIRE(buf, "malloc");
	pat_fill(buf, 8 * KiB, 8, SRC + 300 * KiB);
	REQUIRE_RET(pwrite_all(fd, buf, 8 * KiB, SRC + 300 * KiB), 0);
	REQUIRE(!fsync(fd), "fsync");
	close(fd);
	area_model_pattern(&s, SRC + 300 * KiB, 8 * KiB, 8);
	area_check(&s, "source after its overwrite");
	area_check(&d1, "odx1 copy after the source changed");
	area_check(&d0, "odx0 copy after the source changed");

	/* Overwrite the copies: one sector, whole pages, a discard, a zeroout. */
	dev_fill(1, 128 * KiB + 4096 + 512, 512, 9);
	area_model_pattern(&d1, 128 * KiB + 4096 + 512, 512, 9);
	dev_fill(1, 256 * KiB, 16 * KiB, 10);
	area_model_pattern(&d1, 256 * KiB, 16 * KiB, 10);
	REQUIRE(t_system("blkdiscard -f -o %llu -l %llu /dev/odx0", DST + 128 * KiB,
			 32 * KiB) == 0, "blkdiscard failed");
	area_model_zero(&d0, DST + 128 * KiB, 32 * KiB);
	REQUIRE(t_system("blkdiscard -f -z -o %llu -l %llu /dev/odx0", DST + 200 * KiB + 512,
			 8 * KiB) == 0, "blkdiscard -z failed");
	area_model_zero(&d0, DST + 200 * KiB + 512, 8 * KiB);
	area_check(&d1, "odx1 copy after its overwrite");
	area_check(&d0, "odx0 copy after its overwrite");
	area_check(&s, "source after the copies changed");

	/* The token still holds the data as of minting. */
	share_write(&snap, sr, 1, &tok, &d0, d3r, 1, 256 * KiB, "token used again");

	/* Without the token, the copies still do not affect each other. */
	fd = dev_open(0, O_RDONLY);
	CHECK_RET(odx_release(fd, &tok), 0);
	close(fd);
	dev_fill(0, DST + 512 * KiB + 8 * KiB, 4 * KiB, 11);
	area_model_pattern(&d0, DST + 512 * KiB + 8 * KiB, 4 * KiB, 11);
	dev_fill(1, 128 * KiB + 12 * KiB + 1024, 1024, 12);
	area_model_pattern(&d1, 128 * KiB + 12 * KiB + 1024, 1024, 12);
	area_check(&d0, "odx0 copies after the release and a write");
	area_check(&d1, "odx1 copy after the release and a write");
	area_check(&s, "source at the end");
	free(buf);
	area_free(&s);
	area_free(&snap);
	area_free(&d1);
	area_free(&d0);
}

static void share_pages_restore(void *arg)
{
	(void)arg;
	if (setting_write("share_pages", "Y"))
		t_diag("cleanup: cannot set share_pages=Y");
}

/* Which pieces are shared: only whole pages at the same page offset, and none
 * with share_pages=N (the data is the same either way). */
static void share_pages_switch(void)
{
	struct odx_data_set_range sr[] = { R(SRC + 64 * KiB, 64 * KiB) };
	struct odx_token tok;
	struct area s, d;

	area_init(&s, 0, SRC, 512 * KiB, t_seed());
	area_init(&d, 1, 0, 1 * MiB, t_seed());
	mint(0, sr, 1, 0, &tok);
	share_write(&s, sr, 1, &tok, &d, (struct odx_data_set_range[]){
		R(64 * KiB, 64 * KiB) }, 1, 64 * KiB, "page congruent");
	share_write(&s, sr, 1, &tok, &d, (struct odx_data_set_range[]){
		R(256 * KiB + 512, 64 * KiB) }, 1, 0, "one sector off");
	/* 4 KiB + 60 KiB: the second range is page aligned again. */
	share_write(&s, sr, 1, &tok, &d, (struct odx_data_set_range[]){
		R(400 * KiB, 4 * KiB), R(512 * KiB, 60 * KiB) }, 2, 64 * KiB, "two ranges");
	t_defer(share_pages_restore, NULL);
	REQUIRE_RET(setting_write("share_pages", "N"), 0);
	share_write(&s, sr, 1, &tok, &d, (struct odx_data_set_range[]){
		R(640 * KiB, 64 * KiB) }, 1, 0, "share_pages=N");
	dev_fill(0, SRC + 64 * KiB, 64 * KiB, t_seed());
	area_check(&d, "copies after the source changed");
	REQUIRE_RET(setting_write("share_pages", "Y"), 0);
	area_free(&s);
	area_free(&d);
}

/* The cases, in the order they run (kselftest harness: tests/lib/odx_harness.h). */
ODX_CASE(copy_single_range, 0)
ODX_CASE(copy_two_ranges, 0)
ODX_CASE(copy_64_ranges, 0)
ODX_CASE(ranges_65_einval, 0)
ODX_CASE(token_offset_first_range, 0)
ODX_CASE(token_offset_range_boundary, 0)
ODX_CASE(token_offset_last_range, 0)
ODX_CASE(token_offset_end_einval, 0)
ODX_CASE(token_offset_unaligned_einval, 0)
ODX_CASE(copy_cross_device, 0)
ODX_CASE(copy_overlap_same_device, 0)
ODX_CASE(copy_dest_longer_truncated, 0)
ODX_CASE(point_in_time_pwrite_buffered, 0)
ODX_CASE(point_in_time_pwrite_direct, 0)
ODX_CASE(point_in_time_blkdiscard, 0)
ODX_CASE(point_in_time_blkdiscard_zeroout, 0)
ODX_CASE(hole_copies_zeros, 0)
ODX_CASE(zero_token_fills_zeros, 0)
ODX_CASE(coherency_buffered_reader, 0)
ODX_CASE(dirty_source_captured, 0)
ODX_CASE(dirty_dest_not_clobbering, 0)
ODX_CASE(shared_pages_cow, 0)
ODX_CASE(share_pages_switch, 0)

ODX_HARNESS_MAIN
