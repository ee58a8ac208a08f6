// SPDX-License-Identifier: GPL-2.0
/*
 * h_fault: allocation failures injected into odx's paths (debug kernel:
 * CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, fault-injection debugfs).
 *
 * failslab and fail_page_alloc are set up so that every slab and page
 * allocation counts (ignore-gfp-wait=N, min-order=0, ...) and nothing is
 * printed (verbose=0); the probability stays 0, so only /proc/thread-self/
 * fail-nth injects: writing N to it makes the N-th allocation of this thread
 * fail. For N = 1, 2, ... each operation below runs with the N-th allocation
 * failing, until it completes without reaching the N-th allocation (the fault
 * was not injected: every allocation it makes has been failed once). Nothing
 * else runs in the thread between arming and the operation (the process is
 * mlockall()ed, its buffers touched, so no page fault allocates either).
 *
 * fault_mint         offload read of 3 ranges (partial pages, data, holes):
 *                    ENOMEM or success; on ENOMEM no token is left
 *                    (tokens_live, token_pages unchanged); on success the token
 *                    yields exactly the source data.
 * fault_copy_share_N offload write of that token (3 destination ranges, partial
 * fault_copy_share_Y and whole pages, holes) with share_pages=N and =Y: ENOMEM,
 *                    or success with LengthCopied <= the length (truncated when
 *                    a page could not be allocated midway); the destination
 *                    holds exactly the first LengthCopied bytes of the token's
 *                    data and its old data after them, nothing around it
 *                    changes, the token is unchanged and still live.
 * fault_cow_write    buffered writes (4 whole pages and a 512-byte piece of a
 *                    fifth) over pages a token shares, then fsync: the write
 *                    may be short or fail with ENOMEM, fsync may fail with EIO
 *                    (or ENOMEM, the block layer's BLK_STS_RESOURCE); the token
 *                    still yields the old data, byte for byte, and each sector
 *                    of the source holds either its old or its new data.
 * fault_cow_direct   O_DIRECT overwrites of the same (4 whole pages, 512 bytes of
 *                    a fifth): copy-on-write takes odx's reserve, so both
 *                    writes succeed whole whatever allocation fails, and land.
 * fault_ctl_add      ODX_CTL_ADD of a 4 MiB device: ENOMEM and no device left
 *                    behind, or a device that works (read, write, CAPS) and can
 *                    be removed.
 * Leaks are the runner's kmemleak scan's to find. Prints "# faults injected: N".
 */
#include "h_common.h"
#include "odx_harness.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/fs.h>

#define MAX_N		5000
#define SEED_SRC	0x7372630000ULL
#define SEED_DST	0x6473740000ULL

static int fnth = -1;

static void case_setup(void)
{
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		t_diag("mlockall: %s (page faults may take injected failures)", strerror(errno));
	fnth = failnth_open();
}

/* The sources on odx0: partial pages, whole pages, holes (never written). */
static const struct odx_data_set_range SR[] = {
	{ 1 * MiB + 512, 8 * KiB }, { 2 * MiB, 64 * KiB }, { 8 * MiB, 16 * KiB },
};
#define SR_LEN	(88 * KiB)
/* The destinations on odx1 (inside [16M, 19M)). */
static const struct odx_data_set_range DR[] = {
	{ 16 * MiB, 8 * KiB }, { 17 * MiB, 64 * KiB }, { 18 * MiB + 512, 16 * KiB },
};
#define DAREA_OFF	(16 * MiB)
#define DAREA_LEN	(3 * MiB)

static uint8_t expect_data[SR_LEN];	/* the token's data */

static void src_setup(void)
{
	dev_fill(0, 1 * MiB, 1 * MiB, SEED_SRC);
	dev_fill(0, 2 * MiB, 1 * MiB, SEED_SRC);
	/* 8M..: holes, unless an earlier case wrote there. */
	{
		int fd = dev_open(0, O_WRONLY);
		uint64_t r[2] = { 8 * MiB, 1 * MiB };

		REQUIRE(!ioctl(fd, BLKDISCARD, r), "BLKDISCARD: %s", strerror(errno));
		close(fd);
	}
	pat_fill(expect_data, 8 * KiB, SEED_SRC, 1 * MiB + 512);
	pat_fill(expect_data + 8 * KiB, 64 * KiB, SEED_SRC, 2 * MiB);
	memset(expect_data + 72 * KiB, 0, 16 * KiB);
}

static int do_read(int fd, struct odx_offload_read_output *out, uint32_t *written)
{
	static uint8_t in[DSM_READ_RANGES_OFF + sizeof(SR)];

	dsm_build_read(in, sizeof(in), SR, NR(SR), 0);
	return odx_dsm(fd, in, sizeof(in), out, sizeof(*out), written);
}

static int do_write(int fd, const struct odx_token *t, struct odx_offload_write_output *out)
{
	static uint8_t in[DSM_WRITE_RANGES_OFF + sizeof(DR)];

	dsm_build_write(in, sizeof(in), t, 0, DR, NR(DR));
	return odx_dsm(fd, in, sizeof(in), out, sizeof(*out), NULL);
}

/* Copy the token to a scratch place on odx1 (no fault armed) and compare. */
static bool token_yields(int fd1, const struct odx_token *t, const char *what)
{
	struct odx_data_set_range r = R(40 * MiB, SR_LEN);
	struct odx_offload_write_output out;
	static uint8_t in[DSM_WRITE_RANGES_OFF + 16], got[SR_LEN];
	int ret;

	dsm_build_write(in, sizeof(in), t, 0, &r, 1);
	ret = odx_dsm(fd1, in, sizeof(in), &out, sizeof(out), NULL);
	if (!CHECK_RET(ret, 0) || !CHECK_U64("length_copied", out.length_copied, SR_LEN))
		return false;
	REQUIRE_RET(direct_read(1, got, SR_LEN, 40 * MiB), 0);
	return CHECK(buf_same(what, got, expect_data, SR_LEN, 0),
		     "%s: the token does not yield the source data", what);
}

static void report(const char *name, unsigned int n, long hits, long absorbed)
{
	t_diag("%s: %ld faults injected (%ld absorbed: the operation still succeeded); "
	       "N = %u completed without reaching a fault", name, hits, absorbed, n);
	__atomic_add_fetch(&h_sh->faults, hits, __ATOMIC_RELAXED);
}

static void fault_mint(void)
{
	struct odx_offload_read_output out;
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR), ret;
	long long live0, pages0;
	long hits = 0, absorbed = 0;
	uint32_t written;
	unsigned int n;
	bool hit;

	case_setup();
	src_setup();
	live0 = ctl_stat("tokens_live");
	pages0 = ctl_stat("token_pages");
	for (n = 1; n <= MAX_N; n++) {
		memset(&out, 0, sizeof(out));
		written = 0;
		REQUIRE_RET(failnth_arm(fnth, n), 0);
		ret = do_read(fd0, &out, &written);
		hit = failnth_hit(fnth);
		if (ret) {
			if (!CHECK(hit, "N=%u: %s without an injected fault", n, t_errname(ret)))
				break;
			CHECK(ret == -ENOMEM, "N=%u: offload read failed with %s, not ENOMEM", n,
			      t_errname(ret));
			CHECK_U64("output_written on failure", written, 0);
			CHECK_U64("tokens_live after a failed mint", ctl_stat("tokens_live"), live0);
			CHECK_U64("token_pages after a failed mint", ctl_stat("token_pages"),
				  pages0);
		} else {
			CHECK_U64("length_protected", out.length_protected, SR_LEN);
			token_yields(fd1, &out.token, "token minted under fault injection");
			CHECK_RET(odx_release(fd0, &out.token), 0);
			CHECK_U64("tokens_live after release", ctl_stat("tokens_live"), live0);
		}
		hits += hit;
		absorbed += hit && !ret;
		if (!hit)
			break;
	}
	CHECK(n <= MAX_N, "still failing at N=%u", MAX_N);
	report("fault_mint", n, hits, absorbed);
	close(fd0);
	close(fd1);
}

/* Append "N:errno-or-bytes" to a trace line. */
static void trace_add(char *t, size_t cap, unsigned int n, int ret, uint64_t done)
{
	size_t l = strlen(t);

	if (l + 32 < cap)
		snprintf(t + l, cap - l, "%s%u:%s", l ? " " : "", n,
			 ret ? t_errname(ret) : done == SR_LEN ? "ok" : "short");
	if (!ret && done < SR_LEN && l + 32 < cap)
		snprintf(t + strlen(t), cap - strlen(t), "(%" PRIu64 ")", done);
}

/* model: base with the first done bytes of the token's data in DR. */
static void build_model(uint8_t *model, const uint8_t *base, uint64_t done)
{
	uint64_t pos = 0;
	unsigned int i;

	memcpy(model, base, DAREA_LEN);
	for (i = 0; i < NR(DR) && pos < done; i++) {
		uint64_t l = DR[i].length_in_bytes < done - pos ? DR[i].length_in_bytes : done - pos;

		memcpy(model + DR[i].starting_offset - DAREA_OFF, expect_data + pos, l);
		pos += l;
	}
}

/* Holes punched in the destination area before each copy. */
static const struct odx_data_set_range HOLES[] = {
	{ 17 * MiB + 32 * KiB, 32 * KiB }, { 18 * MiB, 64 * KiB },
};

static void fault_copy(const char *share)
{
	static uint8_t base[DAREA_LEN], model[DAREA_LEN], got[DAREA_LEN], pin_data[8 * KiB];
	char trace[1024] = "";
	struct odx_offload_read_output rd, pin;
	struct odx_offload_write_output out;
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR), ret;
	long long live0, pages0;
	long hits = 0, absorbed = 0, truncated = 0;
	char name[32], old[8];
	unsigned int n, i;
	bool hit;

	case_setup();
	REQUIRE(!param_read("share_pages", old, sizeof(old)), "share_pages");
	REQUIRE_RET(setting_write("share_pages", share), 0);
	snprintf(name, sizeof(name), "fault_copy_share_%s", share);
	src_setup();
	REQUIRE_RET(do_read(fd0, &rd, NULL), 0);
	live0 = ctl_stat("tokens_live");
	pages0 = ctl_stat("token_pages");
	for (n = 1; n <= MAX_N; n++) {
		uint64_t done;

		/*
		 * The destination area: old data, with holes (pages to allocate)
		 * in the second half of DR[1] and under DR[2], and DR[0]'s pages
		 * shared with another token (pages to copy before writing).
		 */
		dev_fill(1, DAREA_OFF, DAREA_LEN, SEED_DST + n);
		pat_fill(base, DAREA_LEN, SEED_DST + n, DAREA_OFF);
		for (i = 0; i < NR(HOLES); i++) {
			uint64_t h[2] = { HOLES[i].starting_offset, HOLES[i].length_in_bytes };

			REQUIRE(!ioctl(fd1, BLKDISCARD, h), "BLKDISCARD: %s", strerror(errno));
			memset(base + h[0] - DAREA_OFF, 0, h[1]);
		}
		{
			uint8_t in[DSM_READ_RANGES_OFF + 16];

			dsm_build_read(in, sizeof(in), &DR[0], 1, 0);
			REQUIRE_RET(odx_dsm(fd1, in, sizeof(in), &pin, sizeof(pin), NULL), 0);
			memcpy(pin_data, base + DR[0].starting_offset - DAREA_OFF, sizeof(pin_data));
		}
		memset(&out, 0xa5, sizeof(out));
		REQUIRE_RET(failnth_arm(fnth, n), 0);
		ret = do_write(fd1, &rd.token, &out);
		hit = failnth_hit(fnth);
		if (ret) {
			if (!CHECK(hit, "N=%u: %s without an injected fault", n, t_errname(ret)))
				break;
			CHECK(ret == -ENOMEM, "N=%u: offload write failed with %s, not ENOMEM", n,
			      t_errname(ret));
			done = 0;
		} else {
			done = out.length_copied;
			CHECK(done <= SR_LEN, "N=%u: length_copied %" PRIu64, n, done);
			if (done < SR_LEN) {
				truncated++;
				CHECK(hit, "N=%u: truncated (%" PRIu64 ") without a fault", n, done);
				CHECK(out.offload_write_flags == ODX_OFFLOAD_WRITE_RANGE_TRUNCATED,
				      "N=%u: truncated copy with flags %#x", n,
				      out.offload_write_flags);
			} else {
				CHECK_U64("offload_write_flags", out.offload_write_flags, 0);
			}
		}
		if (hit)
			trace_add(trace, sizeof(trace), n, ret, done);
		/* The destination: the first done bytes of the token's data, in
		 * order, the old data everywhere else. */
		REQUIRE_RET(direct_read(1, got, DAREA_LEN, DAREA_OFF), 0);
		build_model(model, base, done);
		if (memcmp(got, model, DAREA_LEN)) {
			uint64_t more;

			/*
			 * Known bug: a piece of the copy that spans two destination
			 * pages is written up to the page whose allocation failed,
			 * but not counted: the destination holds (correct) token
			 * data past LengthCopied.
			 */
			for (more = 512; more <= PAGE && done + more <= SR_LEN; more += 512) {
				build_model(model, base, done + more);
				if (!memcmp(got, model, DAREA_LEN))
					break;
			}
			if (more <= PAGE && done + more <= SR_LEN) {
				known_bug(false, "copy-underreports",
					  "N=%u: LengthCopied %" PRIu64 " but the destination holds "
					  "the token's first %" PRIu64 " bytes", n, done, done + more);
			} else {
				build_model(model, base, done);
				buf_same(name, got, model, DAREA_LEN, DAREA_OFF);
				CHECK(0, "N=%u (%s, %" PRIu64 " copied): destination area differs", n,
				      t_errname(ret), done);
				break;
			}
		}
		/* The other token kept DR[0]'s old data. */
		{
			struct odx_data_set_range sr = R(40 * MiB, sizeof(pin_data));
			struct odx_offload_write_output wo;
			uint8_t in[DSM_WRITE_RANGES_OFF + 16];

			dsm_build_write(in, sizeof(in), &pin.token, 0, &sr, 1);
			CHECK_RET(odx_dsm(fd1, in, sizeof(in), &wo, sizeof(wo), NULL), 0);
			REQUIRE_RET(direct_read(1, got, sizeof(pin_data), 40 * MiB), 0);
			CHECK(buf_same("pinned destination pages", got, pin_data, sizeof(pin_data),
				       DR[0].starting_offset),
			      "N=%u: a token's data changed under the copy", n);
			CHECK_RET(odx_release(fd1, &pin.token), 0);
		}
		CHECK_U64("tokens_live", ctl_stat("tokens_live"), live0);
		CHECK_U64("token_pages", ctl_stat("token_pages"), pages0);
		hits += hit;
		absorbed += hit && !ret && done == SR_LEN;
		if (!hit)
			break;
	}
	CHECK(n <= MAX_N, "still failing at N=%u", MAX_N);
	token_yields(fd1, &rd.token, "token after the injected copies");
	CHECK_RET(odx_release(fd0, &rd.token), 0);
	t_diag("%s: %ld copies were cut short by a fault (LengthCopied < length)", name,
	       truncated);
	t_diag("%s: N:result: %s", name, trace);
	report(name, n, hits, absorbed);
	setting_write("share_pages", old);
	close(fd0);
	close(fd1);
}

static void fault_copy_share_N(void)
{
	fault_copy("N");
}

static void fault_copy_share_Y(void)
{
	fault_copy("Y");
}

#define COW_OFF		(4 * MiB)
#define COW_LEN		(20 * KiB)	/* 5 pages in the token */
#define COW_PIECE	(COW_OFF + 16 * KiB + 1024)	/* 512 bytes in the 5th page */

/*
 * Copy the COW cases' token to a scratch place on odx1 (no fault armed): does it
 * still yield @old, the data it was minted over?
 */
static bool cow_token_yields(int fd1, const struct odx_token *t, const uint8_t *old,
			     unsigned int n)
{
	static uint8_t win[DSM_WRITE_RANGES_OFF + 16], got[COW_LEN];
	struct odx_data_set_range dr = R(40 * MiB, COW_LEN);
	struct odx_offload_write_output wo;

	dsm_build_write(win, sizeof(win), t, 0, &dr, 1);
	REQUIRE_RET(odx_dsm(fd1, win, sizeof(win), &wo, sizeof(wo), NULL), 0);
	REQUIRE_RET(direct_read(1, got, COW_LEN, 40 * MiB), 0);
	return CHECK(buf_same("token data", got, old, COW_LEN, COW_OFF),
		     "N=%u: the token's data changed", n);
}

static void fault_cow_write(void)
{
	static uint8_t d0[COW_LEN], d1[COW_LEN], got[COW_LEN], piece[512];
	int fd0 = dev_open(0, O_RDWR), fd1 = dev_open(1, O_RDWR);
	long hits = 0, absorbed = 0, short_w = 0, w_err = 0, s_err = 0;
	struct odx_data_set_range r = R(COW_OFF, COW_LEN);
	unsigned int n, s;
	bool hit;

	case_setup();
	pat_fill(d0, COW_LEN, SEED_SRC + 1, COW_OFF);
	pat_fill(d1, COW_LEN, SEED_DST + 1, COW_OFF);
	memcpy(piece, d1 + (COW_PIECE - COW_OFF), sizeof(piece));
	for (n = 1; n <= MAX_N; n++) {
		struct odx_offload_read_output rd;
		uint8_t in[DSM_READ_RANGES_OFF + 16];
		ssize_t w1, w2 = 0;
		int sret, e = 0;

		/* Old data, in the store and nowhere in the page cache; a token
		 * shares its pages. */
		REQUIRE_RET(direct_write(0, d0, COW_LEN, COW_OFF), 0);
		dev_flush_cache(fd0);
		dsm_build_read(in, sizeof(in), &r, 1, 0);
		REQUIRE_RET(odx_dsm(fd0, in, sizeof(in), &rd, sizeof(rd), NULL), 0);

		REQUIRE_RET(failnth_arm(fnth, n), 0);
		w1 = pwrite(fd0, d1, 16 * KiB, COW_OFF);
		if (w1 < 0)
			e = errno;
		if (w1 == 16 * KiB) {
			w2 = pwrite(fd0, piece, sizeof(piece), COW_PIECE);
			if (w2 < 0)
				e = errno;
		}
		sret = fsync(fd0) ? -errno : 0;
		hit = failnth_hit(fnth);

		if (w1 < 0 || w2 < 0) {
			w_err++;
			CHECK(hit, "N=%u: write failed (%s) without an injected fault", n,
			      strerror(e));
			CHECK(e == ENOMEM, "N=%u: write failed with %s, not ENOMEM", n, strerror(e));
		} else if (w1 != 16 * KiB || w2 != (ssize_t)sizeof(piece)) {
			short_w++;
			CHECK(hit, "N=%u: short write without an injected fault", n);
		}
		if (sret) {
			if (!s_err++)
				t_diag("N=%u: fsync failed with %s", n, t_errname(sret));
			CHECK(hit, "N=%u: fsync: %s without an injected fault", n, t_errname(sret));
			CHECK(sret == -EIO || sret == -ENOMEM, "N=%u: fsync failed with %s", n,
			      t_errname(sret));
		}
		/* The token still holds the old data. */
		if (!cow_token_yields(fd1, &rd.token, d0, n))
			break;
		/* Each sector of the source: old or new data, never anything else. */
		dev_flush_cache(fd0);
		REQUIRE_RET(direct_read(0, got, COW_LEN, COW_OFF), 0);
		for (s = 0; s < COW_LEN; s += 512) {
			bool is_new_area = s < 16 * KiB ||
					   (s >= COW_PIECE - COW_OFF &&
					    s < COW_PIECE - COW_OFF + 512);

			if (!memcmp(got + s, d0 + s, 512))
				continue;
			if (is_new_area && !memcmp(got + s, d1 + s, 512))
				continue;
			CHECK(0, "N=%u: source sector at %#" PRIx64 " holds neither old nor new "
			      "data", n, (uint64_t)(COW_OFF + s));
			break;
		}
		if (!hit) {
			CHECK(!memcmp(got, d1, 16 * KiB) &&
			      !memcmp(got + (COW_PIECE - COW_OFF), piece, 512),
			      "N=%u: the writes succeeded but the source lacks them", n);
		}
		CHECK_RET(odx_release(fd0, &rd.token), 0);
		hits += hit;
		absorbed += hit && w1 == 16 * KiB && w2 == 512 && !sret;
		if (!hit)
			break;
	}
	CHECK(n <= MAX_N, "still failing at N=%u", MAX_N);
	t_diag("fault_cow_write: %ld failed writes, %ld short writes, %ld failed fsyncs",
	       w_err, short_w, s_err);
	report("fault_cow_write", n, hits, absorbed);
	close(fd0);
	close(fd1);
}

/*
 * O_DIRECT overwrites of pages a token shares (4 whole pages, then 512 bytes of
 * a fifth): copy-on-write draws on odx's reserve, so whatever allocation fails,
 * both writes succeed whole and land; the token keeps the old data.
 */
static void fault_cow_direct(void)
{
	static uint8_t d0[COW_LEN], d1[COW_LEN], got[COW_LEN], piece[512];
	int fd0 = hdev_open(0, O_RDWR | O_DIRECT), fd1 = dev_open(1, O_RDWR);
	struct odx_data_set_range r = R(COW_OFF, COW_LEN);
	uint8_t *buf = xmalloc_aligned(16 * KiB), *pbuf = xmalloc_aligned(512);
	long hits = 0, absorbed = 0;
	unsigned int n;
	bool hit;

	case_setup();
	pat_fill(d0, COW_LEN, SEED_SRC + 2, COW_OFF);
	pat_fill(d1, COW_LEN, SEED_DST + 2, COW_OFF);
	memcpy(buf, d1, 16 * KiB);
	memcpy(piece, d1 + (COW_PIECE - COW_OFF), sizeof(piece));
	memcpy(pbuf, piece, sizeof(piece));
	for (n = 1; n <= MAX_N; n++) {
		struct odx_offload_read_output rd;
		uint8_t in[DSM_READ_RANGES_OFF + 16];
		ssize_t w1, w2;
		int e1, e2;

		REQUIRE_RET(direct_write(0, d0, COW_LEN, COW_OFF), 0);
		dsm_build_read(in, sizeof(in), &r, 1, 0);
		REQUIRE_RET(odx_dsm(fd0, in, sizeof(in), &rd, sizeof(rd), NULL), 0);

		REQUIRE_RET(failnth_arm(fnth, n), 0);
		w1 = pwrite(fd0, buf, 16 * KiB, COW_OFF);
		e1 = errno;
		w2 = pwrite(fd0, pbuf, 512, COW_PIECE);
		e2 = errno;
		hit = failnth_hit(fnth);

		CHECK(w1 == 16 * KiB, "N=%u: overwrite of 4 shared pages returned %zd (%s)", n,
		      w1, w1 < 0 ? strerror(e1) : "short");
		CHECK(w2 == 512, "N=%u: overwrite of part of a shared page returned %zd (%s)", n,
		      w2, w2 < 0 ? strerror(e2) : "short");
		REQUIRE_RET(direct_read(0, got, COW_LEN, COW_OFF), 0);
		CHECK(!memcmp(got, d1, 16 * KiB) &&
		      !memcmp(got + (COW_PIECE - COW_OFF), piece, 512) &&
		      !memcmp(got + 16 * KiB, d0 + 16 * KiB, COW_PIECE - COW_OFF - 16 * KiB) &&
		      !memcmp(got + (COW_PIECE - COW_OFF) + 512, d0 + (COW_PIECE - COW_OFF) + 512,
			      COW_LEN - (COW_PIECE - COW_OFF) - 512),
		      "N=%u: the source does not hold what was written", n);
		/* The token still holds the old data. */
		if (!cow_token_yields(fd1, &rd.token, d0, n))
			break;
		CHECK_RET(odx_release(fd0, &rd.token), 0);
		hits += hit;
		absorbed += hit && w1 == 16 * KiB && w2 == 512;
		if (!hit)
			break;
	}
	CHECK(n <= MAX_N, "still failing at N=%u", MAX_N);
	CHECK(hits > 0, "no fault was injected");
	report("fault_cow_direct", n, hits, absorbed);
	free(buf);
	free(pbuf);
	close(fd0);
	close(fd1);
}

/* Open device idx (through /dev, or a node of our own if devtmpfs has none). */
static int open_any(uint32_t idx, int flags)
{
	char path[64], buf[32];
	unsigned int ma, mi;
	FILE *f;
	int fd;

	fd = dev_try_open(idx, flags);
	if (fd >= 0)
		return fd;
	snprintf(path, sizeof(path), "/sys/block/odx%u/dev", idx);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f) || sscanf(buf, "%u:%u", &ma, &mi) != 2) {
		fclose(f);
		return -EINVAL;
	}
	fclose(f);
	snprintf(path, sizeof(path), "/tmp/h_fault_odx%u", idx);
	unlink(path);
	if (mknod(path, S_IFBLK | 0600, makedev(ma, mi)))
		return -errno;
	fd = open(path, flags | O_CLOEXEC);
	unlink(path);
	return fd < 0 ? -errno : fd;
}

static void fault_ctl_add(void)
{
	uint64_t before[16], after_[16];
	long hits = 0, absorbed = 0;
	int ctl = ctl_open(), ret;
	unsigned int n;
	bool hit;

	case_setup();
	odx_dev_list(before);
	for (n = 1; n <= MAX_N; n++) {
		struct odx_device_params p = { .size_bytes = 4 * MiB, .block_size = 512,
					       .index = ODX_INDEX_ANY };

		REQUIRE_RET(failnth_arm(fnth, n), 0);
		ret = xioctl(ctl, ODX_CTL_ADD, &p);
		hit = failnth_hit(fnth);
		if (ret) {
			if (!CHECK(hit, "N=%u: CTL_ADD %s without an injected fault", n,
				   t_errname(ret)))
				break;
			/*
			 * ENOMEM; or EINVAL, documented for CTL_ADD: the block core
			 * ignores a failure of dev_set_name() in device_add_disk()
			 * (block/genhd.c) and device_add() then refuses the nameless
			 * device with EINVAL.
			 */
			CHECK(ret == -ENOMEM || ret == -EINVAL,
			      "N=%u: CTL_ADD failed with %s, not ENOMEM", n, t_errname(ret));
			if (ret == -EINVAL)
				t_diag("N=%u: CTL_ADD failed with EINVAL (a nameless disk: the block "
				       "core ignores dev_set_name()'s error)", n);
			odx_dev_list(after_);
			if (!CHECK(!memcmp(before, after_, sizeof(before)),
				   "N=%u: a failed CTL_ADD left a device behind", n))
				memcpy(before, after_, sizeof(before));
		} else {
			uint8_t *b = xmalloc_aligned(4096);
			struct odx_caps c;
			uint32_t u = p.index;
			int fd;

			wait_node(p.index, true);
			fd = open_any(p.index, O_RDWR | O_DIRECT);
			if (CHECK(fd >= 0, "N=%u: open the new odx%u: %s", n, p.index,
				  t_errname(fd))) {
				memset(b, 0x5a, 4096);
				CHECK(pwrite(fd, b, 4096, 8192) == 4096, "N=%u: write", n);
				memset(b, 0, 4096);
				CHECK(pread(fd, b, 4096, 8192) == 4096 && b[0] == 0x5a &&
				      b[4095] == 0x5a, "N=%u: read back", n);
				CHECK_RET(xioctl(fd, ODX_IOC_CAPS, &c), 0);
				close(fd);
			}
			free(b);
			CHECK_RET(xioctl(ctl, ODX_CTL_REMOVE, &u), 0);
			wait_node(u, false);
		}
		hits += hit;
		absorbed += hit && !ret;
		if (!hit)
			break;
	}
	CHECK(n <= MAX_N, "still failing at N=%u", MAX_N);
	report("fault_ctl_add", n, hits, absorbed);
	close(ctl);
}

/* The cases, in the order they run (kselftest harness: tests/lib/odx_harness.h). */
ODX_CASE(fault_mint, 0)
ODX_CASE(fault_copy_share_N, 0)
ODX_CASE(fault_copy_share_Y, 0)
ODX_CASE(fault_cow_write, 0)
ODX_CASE(fault_cow_direct, 0)
ODX_CASE(fault_ctl_add, 300)

static void fault_end(void)
{
	fault_restore();
	t_diag("faults injected: %ld", h_sh->faults);
	if (h_sh->known_bugs)
		t_diag("known driver bugs reproduced: %ld", h_sh->known_bugs);
}

/* A program-level failure, as KTAP: the one case that could not run. */
static int setup_failed(const char *name)
{
	ksft_print_header();
	ksft_set_plan(1);
	ksft_test_result_fail("%s\n", name);
	ksft_exit_fail();
	return 1;
}

int main(int argc, char **argv)
{
	int ret;

	if (odx_harness_listing(argc, argv))
		return odx_harness_run(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	h_shared_init();
	if (!fault_available()) {
		t_diag("no fault injection here (/sys/kernel/debug/failslab, fail_page_alloc, "
		       "/proc/thread-self/fail-nth): a debug kernel is needed");
		return setup_failed("fault_injection_available");
	}
	ret = fault_setup();
	if (ret) {
		t_diag("setting up fault injection: %s", t_errname(ret));
		fault_restore();
		return setup_failed("fault_injection_setup");
	}
	atexit(fault_end);
	return odx_harness_run(argc, argv);
}
