// SPDX-License-Identifier: GPL-2.0
/*
 * h_matrix: the hostile-input matrix of odx's ioctls.
 *
 * Every ioctl of /dev/odxN (ODX_IOC_DSM, ODX_IOC_CAPS, ODX_IOC_RELEASE) and of
 * /dev/odx-control (ODX_CTL_ADD, ODX_CTL_REMOVE) gets bad pointers, buffers cut
 * short at every byte, malformed headers, offsets and lengths outside the
 * buffer or overlapping, overflowing arithmetic, bad range counts and ranges,
 * flags and reserved fields set, unknown actions and ioctls, bad token offsets,
 * tokens of every invalid kind and too-small output buffers. Each case asserts
 * the exact errno the ABI header (include/uapi/linux/odx.h) gives it; each class
 * has valid requests next to the broken ones (positive controls: a driver that
 * refuses everything fails).
 *
 * Before the classes every device (odx0, odx1 and a 4096-byte-block device this
 * program creates) is filled with known data; every offload write the classes
 * expect to succeed is a self-copy (the token's own source ranges as
 * destination), the ones that must fail with EFAULT target other data (so a
 * copy made before the EFAULT would show), and after all of them every device
 * must still hold exactly its data, byte for byte, and no token may be left
 * live (tokens_live, token_pages back where they were).
 *
 * Output: "ok - CLASS" / "not ok - CLASS" per class with a "# CLASS: N cases"
 * line, then "# cases: N" in total. Needs the module loaded as
 * "nr_devices=2 size_mb=64" (any max_ranges).
 */
#include "h_common.h"
#include "odx_harness.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/fs.h>

/* The devices and the data they hold. */
struct dev {
	unsigned int idx;
	uint32_t bs;
	uint64_t size;
	uint64_t seed;
	uint64_t sum;		/* checksum after the fill */
};

enum { D0, D1, D4K, NR_DEVS };
static struct dev devs[NR_DEVS];
static uint32_t max_ranges;
static long long start_live, start_pages, start_dev_live[NR_DEVS],
	start_dev_pages[NR_DEVS], start_invalid[NR_DEVS];

/* Source area of the requests on each device: S .. S + 64 KiB. */
#define S_OFF	(1 * MiB)
#define S_LEN	(64 * KiB)

/* ------------------------------------------------------------------------ */
/* Requests */

#define MAX_RQ_RANGES	4200
#define TEMP_CAP	(ODX_DSM_MAX_INPUT + 64 * KiB)

struct rq {
	struct odx_dsm_header h;
	union {
		struct odx_offload_read_params rp;
		struct odx_offload_write_params wp;
	} p;
	uint32_t plen;		/* parameter bytes to lay out */
	uint32_t nr;		/* ranges to lay out */
	uint32_t len;		/* input_length */
	struct odx_data_set_range r[MAX_RQ_RANGES];
};

static struct rq Q;		/* the request being built */
static uint8_t temp[TEMP_CAP];

static bool is_write(const struct rq *q)
{
	return q->h.action == ODX_DSM_ACTION_OFFLOAD_WRITE;
}

/* Windows' layout: parameters at 28 (read) / 32 (write), ranges at 48 / 560. */
static void rq_read(struct rq *q, const struct odx_data_set_range *r, uint32_t nr)
{
	memset(q, 0, offsetof(struct rq, r));
	q->h = (struct odx_dsm_header){
		.size = sizeof(q->h), .action = ODX_DSM_ACTION_OFFLOAD_READ,
		.parameter_block_offset = DSM_READ_PARAM_OFF,
		.parameter_block_length = sizeof(q->p.rp),
		.data_set_ranges_offset = DSM_READ_RANGES_OFF,
		.data_set_ranges_length = nr * sizeof(*r),
	};
	q->plen = sizeof(q->p.rp);
	q->nr = nr;
	memcpy(q->r, r, nr * sizeof(*r));
	q->len = DSM_READ_RANGES_OFF + nr * sizeof(*r);
}

static void rq_write(struct rq *q, const struct odx_token *t, uint64_t toff,
		     const struct odx_data_set_range *r, uint32_t nr)
{
	memset(q, 0, offsetof(struct rq, r));
	q->h = (struct odx_dsm_header){
		.size = sizeof(q->h), .action = ODX_DSM_ACTION_OFFLOAD_WRITE,
		.parameter_block_offset = DSM_WRITE_PARAM_OFF,
		.parameter_block_length = sizeof(q->p.wp),
		.data_set_ranges_offset = DSM_WRITE_RANGES_OFF,
		.data_set_ranges_length = nr * sizeof(*r),
	};
	q->plen = sizeof(q->p.wp);
	q->p.wp.token_offset = toff;
	q->p.wp.token = *t;
	q->nr = nr;
	memcpy(q->r, r, nr * sizeof(*r));
	q->len = DSM_WRITE_RANGES_OFF + nr * sizeof(*r);
}

/* Lay the request out into temp (whatever its offsets say; what does not fit
 * in temp is left out). */
static void rq_layout(const struct rq *q)
{
	uint64_t po = q->h.parameter_block_offset, ro = q->h.data_set_ranges_offset;

	memset(temp, 0, sizeof(temp));
	memcpy(temp, &q->h, sizeof(q->h));
	if (po + q->plen <= TEMP_CAP && po >= sizeof(q->h))
		memcpy(temp + po, &q->p, q->plen);
	if (ro + (uint64_t)q->nr * 16 <= TEMP_CAP && ro >= sizeof(q->h))
		memcpy(temp + ro, q->r, q->nr * 16);
}

/* Outputs of the last request. */
static union {
	struct odx_offload_read_output rd;
	struct odx_offload_write_output wr;
	uint8_t raw[4096];
} last_out;
static uint32_t last_written, last_written_in;

static int fds[NR_DEVS];	/* O_RDWR descriptors, opened per class */

static void open_devs(void)
{
	int i;

	for (i = 0; i < NR_DEVS; i++)
		fds[i] = dev_open(devs[i].idx, O_RDWR);
}

static void close_devs(void)
{
	int i;

	for (i = 0; i < NR_DEVS; i++)
		close(fds[i]);
}

/*
 * Send a request with explicit args fields: the input is the first inlen bytes
 * of the laid-out request, placed so that it ends where an inaccessible page
 * begins; the output (outlen bytes) likewise.
 */
static int send_raw(int d, const struct rq *q, uint32_t inlen, uint32_t outlen,
		    struct odx_dsm_args *tmpl)
{
	uint32_t mapped = inlen <= TEMP_CAP ? inlen : TEMP_CAP;
	uint32_t omapped = outlen <= sizeof(last_out) ? outlen : sizeof(last_out);
	struct odx_dsm_args a = { 0 };
	uint8_t *in, *out;
	int ret;

	rq_layout(q);
	in = guard_tail(mapped);
	memcpy(in, temp, mapped);
	out = guard_tail2(omapped);
	memset(out, 0xa5, omapped);
	if (tmpl)
		a = *tmpl;
	a.input = (uintptr_t)in;
	a.output = (uintptr_t)out;
	a.input_length = inlen;
	a.output_length = outlen;
	last_written_in = a.output_written;
	ret = dsm_ioctl(fds[d], &a);
	last_written = a.output_written;
	memset(&last_out, 0, sizeof(last_out));
	memcpy(&last_out, out, omapped);
	return ret;
}

static void release_quiet(const struct odx_token *t)
{
	CHECK_RET(odx_release(fds[D0], t), 0);
}

/*
 * After a request: the output rules, and clean-up after a success (the token
 * a read minted is released).
 */
static void after(int d, const struct rq *q, int ret, uint32_t outlen, const char *desc)
{
	if (ret == -EKEYREJECTED) {
		h_sh->keyrej[devs[d].idx < H_MAX_DEVS ? devs[d].idx : 0]++;
		if (outlen >= sizeof(struct odx_offload_write_output)) {
			CHECK(last_written == 16, "%s: EKEYREJECTED with output_written %u",
			      desc, last_written);
			CHECK(last_out.wr.offload_write_flags & ODX_OFFLOAD_TOKEN_INVALID,
			      "%s: EKEYREJECTED without TOKEN_INVALID (flags 0x%x)", desc,
			      last_out.wr.offload_write_flags);
		}
	} else if (ret) {
		/* Untouched on failure (a refused request may carry a stale value). */
		CHECK(last_written == last_written_in, "%s: failed with %s but output_written %u",
		      desc, t_errname(ret), last_written);
	} else if (!is_write(q)) {
		CHECK(last_written == sizeof(struct odx_offload_read_output),
		      "%s: output_written %u", desc, last_written);
		release_quiet(&last_out.rd.token);
	} else {
		CHECK(last_written == sizeof(struct odx_offload_write_output),
		      "%s: output_written %u", desc, last_written);
	}
}

static int try_ex(int d, const struct rq *q, uint32_t inlen, uint32_t outlen,
		  struct odx_dsm_args *tmpl, long want, const char *fmt, va_list ap)
{
	char desc[400];
	int ret;

	vsnprintf(desc, sizeof(desc), fmt, ap);
	ret = send_raw(d, q, inlen, outlen, tmpl);
	expect(ret, want, "%s: %s", dev_path(devs[d].idx), desc);
	after(d, q, ret, outlen, desc);
	return ret;
}

/* Send Q (as laid out, standard output size) to device d, expect want. */
static int __attribute__((format(printf, 4, 5)))
try(int d, const struct rq *q, long want, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = try_ex(d, q, q->len, is_write(q) ? 16 : 536, NULL, want, fmt, ap);
	va_end(ap);
	return ret;
}

static int __attribute__((format(printf, 6, 7)))
try_len(int d, const struct rq *q, uint32_t inlen, uint32_t outlen, long want,
	const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = try_ex(d, q, inlen, outlen, NULL, want, fmt, ap);
	va_end(ap);
	return ret;
}

static int __attribute__((format(printf, 5, 6)))
try_args(int d, const struct rq *q, struct odx_dsm_args *tmpl, long want,
	 const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = try_ex(d, q, q->len, is_write(q) ? 16 : 536, tmpl, want, fmt, ap);
	va_end(ap);
	return ret;
}

/* Mint a token for ranges of device d (a valid request; REQUIRE()s). */
static void mint_on(int d, const struct odx_data_set_range *r, uint32_t nr, uint32_t ttl,
		    struct odx_token *t)
{
	static struct rq q;
	int ret;

	rq_read(&q, r, nr);
	q.p.rp.time_to_live = ttl;
	ret = send_raw(d, &q, q.len, 536, NULL);
	REQUIRE_RET(ret, 0);
	*t = last_out.rd.token;
}

static const struct odx_data_set_range S1 = { S_OFF, S_LEN };
/* A destination whose data differs from S's: a copy there shows. */
#define D_OFF	(S_OFF + 4 * MiB)
static const struct odx_data_set_range DST1 = { D_OFF, S_LEN };

/* Does [off, off + len) of device d still hold its fill pattern? */
static bool region_intact(int d, uint64_t off, uint64_t len, const char *what)
{
	uint8_t *got = malloc(len), *want = malloc(len);
	bool ok;

	REQUIRE(got && want, "malloc");
	REQUIRE_RET(direct_read(devs[d].idx, got, len, off), 0);
	pat_fill(want, len, devs[d].seed, off);
	ok = buf_same(what, got, want, len, off);
	free(got);
	free(want);
	return ok;
}

/* ------------------------------------------------------------------------ */
/* Classes */

/* NULL, inaccessible, kernel, non-canonical and short argument pointers. */
static void args_pointers(void)
{
	void *bad[] = { NULL, (void *)16, noaccess_page(), KERNEL_PTR, NONCANON_PTR };
	const char *badn[] = { "NULL", "0x10", "PROT_NONE page", "kernel address",
			       "non-canonical address" };
	struct odx_device_params p = { .size_bytes = 4 * MiB, .index = ODX_INDEX_ANY };
	uint64_t before[16], after_[16];
	struct odx_dsm_args a;
	struct odx_token tok;
	uint32_t u;
	size_t i;
	int ctl = ctl_open();
	uint8_t *ro;

	open_devs();
	odx_dev_list(before);
	for (i = 0; i < NR(bad); i++) {
		expect(xioctl(fds[D0], ODX_IOC_DSM, bad[i]), -EFAULT, "DSM args %s", badn[i]);
		expect(xioctl(fds[D0], ODX_IOC_CAPS, bad[i]), -EFAULT, "CAPS %s", badn[i]);
		expect(xioctl(fds[D0], ODX_IOC_RELEASE, bad[i]), -EFAULT, "RELEASE %s",
		       badn[i]);
		expect(xioctl(fds[D4K], ODX_IOC_CAPS, bad[i]), -EFAULT, "CAPS (4k) %s", badn[i]);
		expect(xioctl(ctl, ODX_CTL_ADD, bad[i]), -EFAULT, "CTL_ADD %s", badn[i]);
		expect(xioctl(ctl, ODX_CTL_REMOVE, bad[i]), -EFAULT, "CTL_REMOVE %s", badn[i]);
	}

	/* Structures whose last byte lies on an inaccessible page. */
	rq_read(&Q, &S1, 1);
	rq_layout(&Q);
	memset(&a, 0, sizeof(a));
	a.input = (uintptr_t)temp;
	a.input_length = Q.len;
	a.output = (uintptr_t)&last_out;
	a.output_length = 536;
	memcpy(guard_tail(sizeof(a) - 1), &a, sizeof(a) - 1);
	expect(xioctl(fds[D0], ODX_IOC_DSM, guard_tail(sizeof(a) - 1)), -EFAULT,
	       "DSM args, last byte unmapped");
	expect(xioctl(fds[D0], ODX_IOC_CAPS, guard_tail(sizeof(struct odx_caps) - 1)),
	       -EFAULT, "CAPS, last byte unmapped");
	mint_on(D0, &S1, 1, 0, &tok);
	memcpy(guard_tail(sizeof(tok) - 1), &tok, sizeof(tok) - 1);
	expect(xioctl(fds[D0], ODX_IOC_RELEASE, guard_tail(sizeof(tok) - 1)), -EFAULT,
	       "RELEASE of a live token, last byte unmapped");
	expect(odx_release(fds[D0], &tok), 0, "the token is still live: release it");
	memcpy(guard_tail(sizeof(p) - 1), &p, sizeof(p) - 1);
	expect(xioctl(ctl, ODX_CTL_ADD, guard_tail(sizeof(p) - 1)), -EFAULT,
	       "CTL_ADD, last byte unmapped");
	u = 1023;
	memcpy(guard_tail(sizeof(u) - 1), &u, sizeof(u) - 1);
	expect(xioctl(ctl, ODX_CTL_REMOVE, guard_tail(sizeof(u) - 1)), -EFAULT,
	       "CTL_REMOVE, last byte unmapped");

	/* Output structures on a read-only page. */
	expect(xioctl(fds[D0], ODX_IOC_CAPS, readonly_page()), -EFAULT, "CAPS read-only");
	/* Valid parameters the kernel cannot write back: the device must not stay. */
	ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(ro != MAP_FAILED, "mmap");
	memcpy(ro, &p, sizeof(p));
	REQUIRE(!mprotect(ro, PAGE, PROT_READ), "mprotect");
	expect(xioctl(ctl, ODX_CTL_ADD, ro), -EFAULT, "CTL_ADD params on a read-only page");
	odx_dev_list(after_);
	expect_true(!memcmp(before, after_, sizeof(before)),
		    "no device is left behind by the failed CTL_ADDs");
	munmap(ro, PAGE);
	close(ctl);
	close_devs();
	class_done("args_pointers");
}

/* Input and output buffer pointers of ODX_IOC_DSM. */
static void io_buffer_pointers(void)
{
	void *bad[] = { NULL, noaccess_page(), KERNEL_PTR, NONCANON_PTR };
	const char *badn[] = { "NULL", "PROT_NONE page", "kernel address",
			       "non-canonical address" };
	struct odx_dsm_args a;
	struct odx_token tok, inval;
	long long live = ctl_stat("tokens_live");
	size_t i;
	int w, ret;

	open_devs();
	mint_on(D0, &S1, 1, 0, &tok);
	live = ctl_stat("tokens_live");
	for (w = 0; w < 2; w++) {
		const char *what = w ? "write" : "read";
		uint32_t outlen = w ? 16 : 536;

		/* Writes go to D1 (other data than the token's): EFAULT must
		 * come before anything is copied. */
		if (w)
			rq_write(&Q, &tok, 0, &DST1, 1);
		else
			rq_read(&Q, &S1, 1);
		rq_layout(&Q);
		for (i = 0; i < NR(bad); i++) {
			a = (struct odx_dsm_args){ .input = (uintptr_t)bad[i],
				.input_length = Q.len, .output = (uintptr_t)&last_out,
				.output_length = outlen };
			expect(dsm_ioctl(fds[D0], &a), -EFAULT, "%s: input %s", what, badn[i]);
			expect_true(a.output_written == 0, "%s: input %s: nothing written",
				    what, badn[i]);
			a = (struct odx_dsm_args){ .input = (uintptr_t)temp,
				.input_length = Q.len, .output = (uintptr_t)bad[i],
				.output_length = outlen };
			expect(dsm_ioctl(fds[D0], &a), -EFAULT, "%s: output %s", what, badn[i]);
			expect_true(a.output_written == 0, "%s: output %s: output_written 0",
				    what, badn[i]);
			expect(ctl_stat("tokens_live"), live,
			       "%s: output %s: tokens_live unchanged", what, badn[i]);
		}
		/* Output on a read-only page, or only partly writable. */
		a = (struct odx_dsm_args){ .input = (uintptr_t)temp, .input_length = Q.len,
			.output = (uintptr_t)readonly_page(), .output_length = outlen };
		expect(dsm_ioctl(fds[D0], &a), -EFAULT, "%s: output read-only", what);
		expect(ctl_stat("tokens_live"), live, "%s: output read-only: tokens_live", what);
		a.output = (uintptr_t)guard_tail2(outlen - 1);
		expect(dsm_ioctl(fds[D0], &a), -EFAULT, "%s: output's last byte unmapped", what);
		expect(ctl_stat("tokens_live"), live, "%s: output's last byte: tokens_live",
		       what);
		a.output = (uintptr_t)guard_tail2(8);
		expect(dsm_ioctl(fds[D0], &a), -EFAULT, "%s: 8 writable output bytes", what);
		expect(ctl_stat("tokens_live"), live, "%s: 8 output bytes: tokens_live", what);
		if (w)
			expect_true(region_intact(D0, D_OFF, S_LEN, "EFAULT writes"),
				    "write: the EFAULT requests changed the destination");
	}

	/*
	 * An invalid token with an unwritable output: still EKEYREJECTED (the
	 * flags are carried only when they can be).
	 */
	memset(&inval, 0x5c, sizeof(inval));
	rq_write(&Q, &inval, 0, &S1, 1);
	rq_layout(&Q);
	a = (struct odx_dsm_args){ .input = (uintptr_t)temp, .input_length = Q.len,
		.output = 0, .output_length = 16 };
	ret = dsm_ioctl(fds[D0], &a);
	expect(ret, -EKEYREJECTED, "write: invalid token, NULL output");
	if (ret == -EKEYREJECTED)
		h_sh->keyrej[devs[D0].idx]++;
	expect_true(a.output_written == 0, "invalid token, NULL output: output_written %u",
		    a.output_written);

	/*
	 * args on a read-only page: the request can be read, but output_written
	 * cannot be stored. EFAULT, and nothing may have happened: no token left
	 * live (a read), no data copied (a write).
	 */
	{
		uint8_t *ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct odx_offload_read_output *o = (void *)&last_out;

		REQUIRE(ro != MAP_FAILED, "mmap");
		for (w = 0; w < 2; w++) {
			long long l0 = ctl_stat("tokens_live");

			if (w)
				rq_write(&Q, &tok, 0, &DST1, 1);
			else
				rq_read(&Q, &S1, 1);
			rq_layout(&Q);
			memset(o, 0, sizeof(*o));
			a = (struct odx_dsm_args){ .input = (uintptr_t)temp, .input_length = Q.len,
				.output = (uintptr_t)o, .output_length = w ? 16 : 536 };
			REQUIRE(!mprotect(ro, PAGE, PROT_READ | PROT_WRITE), "mprotect");
			memcpy(ro, &a, sizeof(a));
			REQUIRE(!mprotect(ro, PAGE, PROT_READ), "mprotect");
			expect(xioctl(fds[D0], ODX_IOC_DSM, ro), -EFAULT, "%s: args on a read-only page",
			       w ? "write" : "read");
			live = ctl_stat("tokens_live");
			if (!expect(live, l0, "%s: args read-only: no live token left", w ? "write" : "read")
			    && !w)
				t_diag("  releasing the token the failed ioctl handed out: %s",
				       t_errname(odx_release(fds[D0], &o->token)));
			if (w)
				expect_true(region_intact(D0, D_OFF, S_LEN, "args read-only"),
					    "write: args read-only: the destination changed");
		}
		munmap(ro, PAGE);
	}

	CHECK_RET(odx_release(fds[D0], &tok), 0);
	close_devs();
	class_done("io_buffer_pointers");
}

/* Four source ranges of the read requests (inside S). */
static const struct odx_data_set_range R4[] = {
	{ S_OFF, 4 * KiB }, { S_OFF + 8 * KiB, 4 * KiB },
	{ S_OFF + 16 * KiB, 8 * KiB }, { S_OFF + 32 * KiB, 4 * KiB },
};

/* Every input_length from 0 to the full request. */
static void truncated_input(void)
{
	struct odx_token tok;
	uint32_t len;

	open_devs();
	rq_read(&Q, R4, 4);
	for (len = 0; len <= Q.len; len++)
		try_len(D0, &Q, len, 536, len == Q.len ? 0 : -EINVAL,
			"read (4 ranges, %u bytes) cut to %u bytes", Q.len, len);
	mint_on(D0, R4, 2, 0, &tok);
	rq_write(&Q, &tok, 0, R4, 2);
	for (len = 0; len <= Q.len; len++)
		try_len(D0, &Q, len, 16, len == Q.len ? 0 : -EINVAL,
			"write (2 ranges, %u bytes) cut to %u bytes", Q.len, len);
	release_quiet(&tok);
	/* The same on the 4096-byte-block device. */
	mint_on(D4K, &S1, 1, 0, &tok);
	rq_write(&Q, &tok, 0, &S1, 1);
	for (len = 0; len <= Q.len; len += (len < 40 || len > Q.len - 40) ? 1 : 8)
		try_len(D4K, &Q, len, 16, len == Q.len ? 0 : -EINVAL,
			"write (4k device) cut to %u bytes", len);
	release_quiet(&tok);
	close_devs();
	class_done("truncated_input");
}

/* The full input_length, but the buffer's mapping ends early: EFAULT. */
static void truncated_mapping(void)
{
	struct odx_dsm_args a;
	struct odx_token tok;
	uint32_t k;
	int w;

	open_devs();
	mint_on(D0, R4, 2, 0, &tok);
	for (w = 0; w < 2; w++) {
		if (w)
			rq_write(&Q, &tok, 0, R4, 2);
		else
			rq_read(&Q, R4, 4);
		rq_layout(&Q);
		for (k = 0; k < Q.len; k++) {
			uint8_t *in = guard_tail(k);

			memcpy(in, temp, k);
			a = (struct odx_dsm_args){ .input = (uintptr_t)in,
				.input_length = Q.len, .output = (uintptr_t)&last_out,
				.output_length = w ? 16 : 536 };
			expect(dsm_ioctl(fds[D0], &a), -EFAULT,
			       "%s of %u bytes with only %u mapped", w ? "write" : "read",
			       Q.len, k);
		}
	}
	release_quiet(&tok);
	close_devs();
	class_done("truncated_mapping");
}

static void header_fields(void)
{
	static const uint32_t sizes[] = { 0, 1, 24, 27, 29, 32, 48, 56, 0x1c00, 0x1c000000,
					  0xffffffff };
	static const uint32_t rplens[] = { 0, 1, 8, 15, 17, 32, 528, 0x10000010, 0xffffffff };
	static const uint32_t wplens[] = { 0, 16, 520, 527, 529, 536, 1056, 0xffffffff };
	static const uint32_t rlens[] = { 1, 8, 15, 17, 24, 31, 33, 63 };
	struct odx_token tok;
	size_t i;
	int bit, w;

	open_devs();
	mint_on(D0, R4, 4, 0, &tok);
	for (w = 0; w < 2; w++) {
		const char *what = w ? "write" : "read";
		struct rq base;

		if (w)
			rq_write(&base, &tok, 0, R4, 4);
		else
			rq_read(&base, R4, 4);
		try(D0, &base, 0, "%s: valid", what);
		for (i = 0; i < NR(sizes); i++) {
			Q = base;
			Q.h.size = sizes[i];
			try(D0, &Q, -EINVAL, "%s: header size %u", what, sizes[i]);
		}
		for (bit = 0; bit < 32; bit++) {
			Q = base;
			Q.h.flags = 1U << bit;
			try(D0, &Q, -EINVAL, "%s: header flags 0x%x", what, 1U << bit);
		}
		Q = base;
		Q.h.flags = ~0U;
		try(D0, &Q, -EINVAL, "%s: header flags 0xffffffff", what);
		for (i = 0; i < (w ? NR(wplens) : NR(rplens)); i++) {
			Q = base;
			Q.h.parameter_block_length = w ? wplens[i] : rplens[i];
			try(D0, &Q, -EINVAL, "%s: parameter block length %u", what,
			    Q.h.parameter_block_length);
		}
		Q = base;
		Q.h.data_set_ranges_length = 0;
		try(D0, &Q, -EINVAL, "%s: ranges length 0", what);
		for (i = 0; i < NR(rlens); i++) {
			Q = base;
			Q.h.data_set_ranges_length = rlens[i];
			try(D0, &Q, -EINVAL, "%s: ranges length %u (not a multiple of 16)",
			    what, rlens[i]);
		}
		/* Fewer ranges than the buffer holds is fine. */
		Q = base;
		Q.h.data_set_ranges_length = 32;
		if (w) {
			/* Two destination ranges: the token's first 8 KiB back to them. */
			try(D0, &Q, 0, "%s: ranges length 32 of 64", what);
			CHECK_U64("length_copied", last_out.wr.length_copied, 8 * KiB);
		} else {
			try(D0, &Q, 0, "%s: ranges length 32 of 64", what);
		}
	}
	release_quiet(&tok);
	close_devs();
	class_done("header_fields");
}

/* Offsets and lengths outside the buffer, into the header, into each other. */
static void block_offsets(void)
{
	struct odx_token tok;
	struct rq base;
	uint32_t v;
	size_t i;

	open_devs();
	/* Read: parameters 28..44, ranges 48..112, buffer 112 bytes. */
	rq_read(&base, R4, 4);
	{
		static const uint32_t po[] = { 0, 4, 12, 24, 27, 97, 100, 112, 113, 0xffff,
					       0xfffffff0, 0xfffffff8, 0xffffffff,
					       48, 56, 104, 40, 33 };
		static const uint32_t ro[] = { 0, 16, 20, 27, 36, 40, 43, 49, 64, 112,
					       0xffffffc0, 0xfffffff0, 0xffffffff };

		for (i = 0; i < NR(po); i++) {
			Q = base;
			Q.h.parameter_block_offset = po[i];
			try(D0, &Q, -EINVAL, "read: parameter block at %u (ranges 48..112)", po[i]);
		}
		for (i = 0; i < NR(ro); i++) {
			Q = base;
			Q.h.data_set_ranges_offset = ro[i];
			try(D0, &Q, -EINVAL, "read: ranges at %u (parameters 28..44)", ro[i]);
		}
	}
	/* Lengths running past the end or wrapping 32 bits. */
	for (v = 80; v < 0xf0000000; v = v < 0x10000 ? v * 4 : v + 0x10000000) {
		Q = base;
		Q.h.data_set_ranges_length = v & ~15U;
		try(D0, &Q, -EINVAL, "read: ranges length %u at 48", Q.h.data_set_ranges_length);
	}
	Q = base;
	Q.h.data_set_ranges_length = 0xfffffff0;
	try(D0, &Q, -EINVAL, "read: ranges length 0xfffffff0 (offset + length wraps 32 bits)");
	Q = base;
	Q.h.data_set_ranges_offset = 0xffffffd0;
	Q.h.data_set_ranges_length = 0x40;
	try(D0, &Q, -EINVAL, "read: ranges at 0xffffffd0 + 0x40 (wraps 32 bits)");
	Q = base;
	Q.h.parameter_block_offset = 0xfffffff8;
	try(D0, &Q, -EINVAL, "read: parameters at 0xfffffff8 + 16 (wraps 32 bits)");
	Q = base;
	Q.h.parameter_block_offset = 48;
	Q.h.data_set_ranges_offset = 48;
	try(D0, &Q, -EINVAL, "read: parameters and ranges at the same offset");

	/* Positive controls: other layouts. */
	Q = base;
	Q.h.data_set_ranges_offset = 32;
	Q.h.parameter_block_offset = 96;
	try(D0, &Q, 0, "read: ranges 32..96, parameters 96..112");
	Q = base;
	Q.h.data_set_ranges_offset = 44;
	Q.len = 108;
	try(D0, &Q, 0, "read: parameters 28..44 and ranges 44..108, adjacent");
	Q = base;
	Q.h.parameter_block_offset = 200;
	Q.h.data_set_ranges_offset = 1000;
	Q.len = 2000;
	try(D0, &Q, 0, "read: parameters at 200, ranges at 1000, in 2000 bytes");

	/* Write: parameters 32..560, ranges 560..624 (4 ranges). */
	mint_on(D0, R4, 4, 0, &tok);
	rq_write(&base, &tok, 0, R4, 4);
	{
		static const uint32_t po[] = { 0, 8, 27, 97, 100, 104, 560, 600, 0xfffffdf0,
					       0xfffffff0, 0xffffffff };
		static const uint32_t ro[] = { 0, 20, 27, 32, 100, 544, 559, 561, 624,
					       0xffffffc0, 0xffffffff };

		for (i = 0; i < NR(po); i++) {
			Q = base;
			Q.h.parameter_block_offset = po[i];
			try(D0, &Q, -EINVAL, "write: parameter block at %u (ranges 560..624)",
			    po[i]);
		}
		for (i = 0; i < NR(ro); i++) {
			Q = base;
			Q.h.data_set_ranges_offset = ro[i];
			try(D0, &Q, -EINVAL, "write: ranges at %u (parameters 32..560)", ro[i]);
		}
	}
	Q = base;
	Q.h.data_set_ranges_length = 0xfffffff0;
	try(D0, &Q, -EINVAL, "write: ranges length 0xfffffff0");
	Q = base;
	Q.h.parameter_block_offset = 96;
	Q.h.data_set_ranges_offset = 32;
	try(D0, &Q, 0, "write: ranges 32..96, parameters 96..624");
	CHECK_U64("length_copied", last_out.wr.length_copied, 20 * KiB);
	release_quiet(&tok);
	close_devs();
	class_done("block_offsets");
}

/* 0, max_ranges + 1, ... ranges; max_ranges is fine. */
static void range_count(void)
{
	static struct odx_data_set_range many[4096];
	static const uint32_t bad[] = { 0, 1, 2, 65, 255, 256, 257, 1000, 4093 };
	struct odx_token tok;
	uint32_t i, n;

	open_devs();
	for (i = 0; i < NR(many); i++)
		many[i] = R(S_OFF + (i % 16) * 4 * KiB, 512);
	for (i = 0; i < NR(bad); i++) {
		n = bad[i] == 0 ? 0 : bad[i] == 1 ? max_ranges + 1 : bad[i] == 2 ?
			max_ranges + 2 : bad[i];
		if (n && n <= max_ranges)
			continue;
		rq_read(&Q, many, n);
		try(D0, &Q, -EINVAL, "read: %u ranges (max %u)", n, max_ranges);
	}
	rq_read(&Q, many, max_ranges);
	try(D0, &Q, 0, "read: %u ranges (the maximum)", max_ranges);
	if (!CHECK_U64("length_protected", last_out.rd.length_protected, max_ranges * 512ULL))
		t_diag("  for %u ranges", max_ranges);

	/* Writes: the token covers max_ranges sectors; written back where they were. */
	mint_on(D0, many, max_ranges, 0, &tok);
	for (i = 0; i < 4; i++) {
		n = i == 0 ? 0 : i == 1 ? max_ranges + 1 : i == 2 ? 256 : 257;
		if (n == 256 && max_ranges >= 256)
			continue;
		rq_write(&Q, &tok, 0, many, n);
		try(D0, &Q, -EINVAL, "write: %u ranges (max %u)", n, max_ranges);
	}
	rq_write(&Q, &tok, 0, many, max_ranges);
	try(D0, &Q, 0, "write: %u ranges (the maximum)", max_ranges);
	CHECK_U64("length_copied", last_out.wr.length_copied, max_ranges * 512ULL);
	release_quiet(&tok);
	close_devs();
	class_done("range_count");
}

/* Zero-length, unaligned, negative, past-capacity and wrapping ranges. */
static void range_values(void)
{
	int dd[] = { D0, D4K };
	size_t k, i;

	open_devs();
	for (k = 0; k < NR(dd); k++) {
		int d = dd[k];
		uint64_t bs = devs[d].bs, cap = devs[d].size;
		struct odx_token tok, tend;
		const struct odx_data_set_range ok1 = R(S_OFF, bs), okend = R(cap - bs, bs);
		struct {
			struct odx_data_set_range r;
			long want;
			const char *what;
		} c[] = {
			{ R(S_OFF, 0), -EINVAL, "length 0" },
			{ R(0, 0), -EINVAL, "start 0 length 0" },
			{ R(cap, 0), -EINVAL, "length 0 at the capacity" },
			{ R(S_OFF + 1, bs), -EINVAL, "start +1" },
			{ R(S_OFF + bs / 2, bs), -EINVAL, "start +bs/2" },
			{ R(S_OFF + bs - 1, bs), -EINVAL, "start +bs-1" },
			{ R(S_OFF + 256, bs), -EINVAL, "start +256" },
			{ R(S_OFF, 1), -EINVAL, "length 1" },
			{ R(S_OFF, bs - 1), -EINVAL, "length bs-1" },
			{ R(S_OFF, bs + 1), -EINVAL, "length bs+1" },
			{ R(S_OFF, bs + 256), -EINVAL, "length bs+256" },
			{ R(S_OFF, ~0ULL), -EINVAL, "length 2^64-1" },
			{ R(1ULL << 63, bs), -EINVAL, "start 2^63 (negative)" },
			{ R(~0ULL - bs + 1, bs), -EINVAL, "start -bs (negative)" },
			{ R((1ULL << 63) | S_OFF, bs), -EINVAL, "start 2^63 + S (negative)" },
			{ R(~0ULL - bs + 1, 0), -EINVAL, "negative start, length 0" },
			{ R(cap, bs), -ENXIO, "start at the capacity" },
			{ R(cap - bs, 2 * bs), -ENXIO, "ends one block past the capacity" },
			{ R(0, cap + bs), -ENXIO, "length capacity + bs" },
			{ R(cap + 1024 * bs, bs), -ENXIO, "far past the capacity" },
			{ R(1ULL << 62, bs), -ENXIO, "start 2^62" },
			{ R((1ULL << 63) - bs, bs), -ENXIO, "ends at 2^63" },
			{ R(0, 1ULL << 63), -ENXIO, "length 2^63" },
			{ R(0x7ffffffffffff000ULL, 0xfffffffffffff000ULL), -ENXIO,
			  "end wraps 64 bits (2^63-4096 + 2^64-4096)" },
			{ R(cap - bs, ~0ULL - bs + 1), -ENXIO, "end wraps 64 bits (cap-bs + 2^64-bs)" },
			{ R(bs, ~0ULL - bs + 1), -ENXIO, "end wraps to 0 exactly" },
		};

		mint_on(d, &ok1, 1, 0, &tok);
		mint_on(d, &okend, 1, 0, &tend);
		for (i = 0; i < NR(c); i++) {
			struct odx_data_set_range two[2] = { ok1, c[i].r };
			struct odx_data_set_range two_b[2] = { c[i].r, ok1 };

			rq_read(&Q, &c[i].r, 1);
			try(d, &Q, c[i].want, "read: %s (%#" PRIx64 "+%#" PRIx64 ")", c[i].what,
			    (uint64_t)c[i].r.starting_offset, (uint64_t)c[i].r.length_in_bytes);
			rq_read(&Q, two, 2);
			try(d, &Q, c[i].want, "read: second range: %s", c[i].what);
			rq_read(&Q, two_b, 2);
			try(d, &Q, c[i].want, "read: first of two: %s", c[i].what);
			rq_write(&Q, &tok, 0, &c[i].r, 1);
			try(d, &Q, c[i].want, "write: %s", c[i].what);
			rq_write(&Q, &tok, 0, two, 2);
			try(d, &Q, c[i].want, "write: second range: %s", c[i].what);
		}
		if (bs == 4096) {
			static const uint64_t offs[] = { 512, 1024, 2048, 3584 };

			for (i = 0; i < NR(offs); i++) {
				struct odx_data_set_range r = R(S_OFF + offs[i], 4096);

				rq_read(&Q, &r, 1);
				try(d, &Q, -EINVAL, "read: 4k device, start +%" PRIu64, offs[i]);
				r = R(S_OFF, 4096 + offs[i]);
				rq_read(&Q, &r, 1);
				try(d, &Q, -EINVAL, "read: 4k device, length 4096+%" PRIu64, offs[i]);
				rq_write(&Q, &tok, 0, &r, 1);
				try(d, &Q, -EINVAL, "write: 4k device, length 4096+%" PRIu64,
				    offs[i]);
			}
		}
		/* Positive controls: the last block, and the first. */
		rq_read(&Q, &okend, 1);
		try(d, &Q, 0, "read: the last block");
		rq_write(&Q, &tend, 0, &okend, 1);
		try(d, &Q, 0, "write: the last block (self-copy)");
		CHECK_U64("length_copied", last_out.wr.length_copied, bs);
		rq_write(&Q, &tok, 0, &ok1, 1);
		try(d, &Q, 0, "write: one block (self-copy)");
		release_quiet(&tok);
		release_quiet(&tend);
	}
	close_devs();
	class_done("range_values");
}

/* Flags and reserved fields: parameter blocks and struct odx_dsm_args. */
static void param_fields(void)
{
	struct odx_dsm_args t;
	struct odx_token tok;
	struct rq base;
	int bit, i;

	open_devs();
	rq_read(&base, &S1, 1);
	for (bit = 0; bit < 32; bit++) {
		Q = base;
		Q.p.rp.flags = 1U << bit;
		try(D0, &Q, -EINVAL, "read parameters: flags 0x%x", 1U << bit);
	}
	for (i = 0; i < 2; i++) {
		Q = base;
		Q.p.rp.reserved[i] = 1;
		try(D0, &Q, -EINVAL, "read parameters: reserved[%d] = 1", i);
		Q.p.rp.reserved[i] = 0x80000000;
		try(D0, &Q, -EINVAL, "read parameters: reserved[%d] = 0x80000000", i);
	}
	Q = base;
	Q.p.rp.time_to_live = ~0U;
	try(D0, &Q, 0, "read parameters: TimeToLive 0xffffffff (clamped)");

	mint_on(D0, &S1, 1, 0, &tok);
	rq_write(&base, &tok, 0, &S1, 1);
	for (bit = 0; bit < 32; bit++) {
		Q = base;
		Q.p.wp.flags = 1U << bit;
		try(D0, &Q, -EINVAL, "write parameters: flags 0x%x", 1U << bit);
		Q = base;
		Q.p.wp.reserved = 1U << bit;
		try(D0, &Q, -EINVAL, "write parameters: reserved 0x%x", 1U << bit);
	}
	/* The token's own reserved bytes belong to the token: altered token. */
	Q = base;
	Q.p.wp.token.reserved[1] = 1;
	try(D0, &Q, -EKEYREJECTED, "write: token reserved byte set");

	for (i = 0; i < 2; i++) {
		struct rq *b = i ? &base : NULL;
		static struct rq rb;

		if (!b) {
			rq_read(&rb, &S1, 1);
			b = &rb;
		}
		for (bit = 0; bit < 32; bit++) {
			t = (struct odx_dsm_args){ .flags = 1U << bit };
			try_args(D0, b, &t, -EINVAL, "%s: args flags 0x%x", i ? "write" : "read",
				 1U << bit);
		}
		for (bit = 0; bit < 4; bit++) {
			t = (struct odx_dsm_args){ 0 };
			t.reserved[bit] = 1;
			try_args(D0, b, &t, -EINVAL, "%s: args reserved[%d] = 1",
				 i ? "write" : "read", bit);
			t.reserved[bit] = 0x80000000;
			try_args(D0, b, &t, -EINVAL, "%s: args reserved[%d] = 0x80000000",
				 i ? "write" : "read", bit);
		}
		/* output_written is output only; a stale value is refused (as the
		 * token suite expects; the header does not say so). */
		t = (struct odx_dsm_args){ .output_written = i ? 16 : 536 };
		try_args(D0, b, &t, -EINVAL, "%s: args output_written %u on input",
			 i ? "write" : "read", t.output_written);
		try(D0, b, 0, "%s: valid", i ? "write" : "read");
	}
	release_quiet(&tok);
	close_devs();
	class_done("param_fields");
}

static void unknown_action(void)
{
	static const uint32_t acts[] = { 0, 1, 2, 3, 5, 6, 7, 0x10, 0x80000000, 0x80000001,
					 0x80000002, 0x80000004, 0x80000005, 0x40000003,
					 0x7fffffff, 0xfffffffe, 0xffffffff, 0x00000003 | 0x100 };
	struct odx_token tok;
	struct rq base;
	size_t i;
	int w;

	open_devs();
	mint_on(D0, &S1, 1, 0, &tok);
	for (w = 0; w < 2; w++) {
		if (w)
			rq_write(&base, &tok, 0, &S1, 1);
		else
			rq_read(&base, &S1, 1);
		for (i = 0; i < NR(acts); i++) {
			Q = base;
			Q.h.action = acts[i];
			try(D0, &Q, -EOPNOTSUPP, "action 0x%x (%s layout)", acts[i],
			    w ? "write" : "read");
		}
		Q = base;
		Q.h.action = ODX_DSM_ACTION_OFFLOAD_WRITE + 1;
		try(D4K, &Q, -EOPNOTSUPP, "4k device: action 5");
	}
	release_quiet(&tok);
	close_devs();
	class_done("unknown_action");
}

static void token_offset(void)
{
	static const uint64_t bad512[] = { 1, 100, 256, 511, 513, 1000, S_LEN - 1 };
	static const uint64_t past[] = { S_LEN, S_LEN + 512, S_LEN + 4096, 1ULL << 32,
					 1ULL << 40, 1ULL << 63, ~0ULL - 511, ~0ULL - 4095 };
	static const uint64_t bad4k[] = { 512, 1024, 2048, 4095, 4097, S_LEN - 512 };
	struct odx_token tok;
	struct odx_data_set_range r;
	size_t i;

	open_devs();
	mint_on(D0, &S1, 1, 0, &tok);
	for (i = 0; i < NR(bad512); i++) {
		rq_write(&Q, &tok, bad512[i], &S1, 1);
		try(D0, &Q, -EINVAL, "TokenOffset %" PRIu64 " (unaligned)", bad512[i]);
	}
	for (i = 0; i < NR(past); i++) {
		rq_write(&Q, &tok, past[i], &S1, 1);
		try(D0, &Q, -EINVAL, "TokenOffset %#" PRIx64 " (token is %llu bytes)", past[i],
		    S_LEN);
	}
	/* The zero token too must have an aligned TokenOffset. */
	{
		struct odx_token z;

		zero_token(&z, 0);
		rq_write(&Q, &z, 1, &S1, 1);
		try(D0, &Q, -EINVAL, "zero token, TokenOffset 1");
	}
	/* Positive controls: the token's last block and its second half. */
	r = R(S_OFF + S_LEN - 512, 512);
	rq_write(&Q, &tok, S_LEN - 512, &r, 1);
	try(D0, &Q, 0, "TokenOffset = length - 512");
	CHECK_U64("length_copied", last_out.wr.length_copied, 512);
	r = R(S_OFF + S_LEN / 2, S_LEN);	/* longer than what is left */
	r.length_in_bytes = S_LEN / 2;
	rq_write(&Q, &tok, S_LEN / 2, &r, 1);
	try(D0, &Q, 0, "TokenOffset = length / 2");
	CHECK_U64("length_copied", last_out.wr.length_copied, S_LEN / 2);
	release_quiet(&tok);

	mint_on(D4K, &S1, 1, 0, &tok);
	for (i = 0; i < NR(bad4k); i++) {
		rq_write(&Q, &tok, bad4k[i], &S1, 1);
		try(D4K, &Q, -EINVAL, "4k device: TokenOffset %" PRIu64, bad4k[i]);
	}
	rq_write(&Q, &tok, S_LEN, &S1, 1);
	try(D4K, &Q, -EINVAL, "4k device: TokenOffset = length");
	r = R(S_OFF + 4096, S_LEN - 4096);
	rq_write(&Q, &tok, 4096, &r, 1);
	try(D4K, &Q, 0, "4k device: TokenOffset 4096");
	CHECK_U64("length_copied", last_out.wr.length_copied, S_LEN - 4096);
	release_quiet(&tok);
	close_devs();
	class_done("token_offset");
}

static void set_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* Tokens of every invalid kind, in offload writes. */
static void invalid_tokens(void)
{
	static const uint32_t types[] = { 0, 1, 0x00800001, 0x00800000 ^ 0x80000000,
					  0xffff0000, 0xffff0002, 0xffffffff };
	static const uint16_t idlens[] = { 0, 1, 0x1f7, 0x1f9, 0x200, 0xf801, 0xffff };
	struct odx_token tok, t, other;
	long long revoked0;
	uint32_t idx = ODX_INDEX_ANY;
	size_t i;
	int pos, fd;

	open_devs();
	mint_on(D0, &S1, 1, 0, &tok);
	/* Every byte of a live token altered. */
	for (pos = 0; pos < ODX_TOKEN_LENGTH; pos++) {
		t = tok;
		((uint8_t *)&t)[pos] ^= 0x01;
		rq_write(&Q, &t, 0, &S1, 1);
		try(D0, &Q, -EKEYREJECTED, "token byte %d ^ 0x01", pos);
	}
	for (pos = 0; pos < ODX_TOKEN_LENGTH; pos += 37) {
		t = tok;
		((uint8_t *)&t)[pos] ^= 0x80;
		rq_write(&Q, &t, 0, &S1, 1);
		try(D0, &Q, -EKEYREJECTED, "token byte %d ^ 0x80", pos);
	}
	/* Made-up tokens. */
	memset(&t, 0, sizeof(t));
	rq_write(&Q, &t, 0, &S1, 1);
	try(D0, &Q, -EKEYREJECTED, "all-zero token");
	memset(&t, 0xff, sizeof(t));
	rq_write(&Q, &t, 0, &S1, 1);
	try(D0, &Q, -EKEYREJECTED, "all-0xff token");
	for (i = 0; i < 8; i++) {
		pat_fill(&t, sizeof(t), t_seed(), 0);
		rq_write(&Q, &t, 0, &S1, 1);
		try(D0, &Q, -EKEYREJECTED, "random token %zu", i);
	}
	/* A live token's body with another ROD type or id length. */
	for (i = 0; i < NR(types); i++) {
		t = tok;
		set_be32(t.token_type, types[i]);
		rq_write(&Q, &t, 0, &S1, 1);
		try(D0, &Q, -EKEYREJECTED, "token type %#x", types[i]);
	}
	for (i = 0; i < NR(idlens); i++) {
		t = tok;
		t.token_id_length[0] = idlens[i] >> 8;
		t.token_id_length[1] = idlens[i];
		rq_write(&Q, &t, 0, &S1, 1);
		try(D0, &Q, -EKEYREJECTED, "token id length %#x", idlens[i]);
		/* The zero token's type with a wrong length is not the zero token. */
		zero_token(&t, 0);
		t.token_id_length[0] = idlens[i] >> 8;
		t.token_id_length[1] = idlens[i];
		rq_write(&Q, &t, 0, &S1, 1);
		try(D0, &Q, -EKEYREJECTED, "zero token type, id length %#x", idlens[i]);
	}
	/* Expired. */
	mint_on(D0, &S1, 1, 1, &t);
	msleep(60);
	rq_write(&Q, &t, 0, &S1, 1);
	try(D0, &Q, -EKEYREJECTED, "expired token (TimeToLive 1 ms, 60 ms ago)");
	expect(odx_release(fds[D0], &t), -EKEYREJECTED, "release of the expired token");
	/* Released. */
	mint_on(D0, &S1, 1, 0, &t);
	expect(odx_release(fds[D0], &t), 0, "release");
	rq_write(&Q, &t, 0, &S1, 1);
	try(D0, &Q, -EKEYREJECTED, "released token");
	rq_write(&Q, &t, 0, &S1, 1);
	try(D1, &Q, -EKEYREJECTED, "released token, on another device");
	/* Released on another device than minted. */
	mint_on(D1, &S1, 1, 0, &other);
	expect(odx_release(fds[D0], &other), 0, "release (odx1's token through odx0)");
	rq_write(&Q, &other, 0, &S1, 1);
	try(D1, &Q, -EKEYREJECTED, "released token of odx1, on odx1");
	/* Revoked: its device was removed. */
	revoked0 = ctl_stat("tokens_revoked");
	REQUIRE_RET(odx_ctl_add(4 * MiB, 512, ODX_INDEX_ANY, &idx), 0);
	REQUIRE(wait_node(idx, true), "odx%u did not appear", idx);
	fd = dev_open(idx, O_RDWR);
	{
		struct odx_data_set_range r = R(0, 64 * KiB);
		struct odx_offload_read_output o;

		REQUIRE_RET(direct_write(idx, temp, 64 * KiB, 0), 0);
		rq_read(&Q, &r, 1);
		rq_layout(&Q);
		REQUIRE_RET(odx_dsm(fd, temp, Q.len, &o, sizeof(o), NULL), 0);
		t = o.token;
	}
	close(fd);
	expect(odx_ctl_remove(idx), 0, "remove the token's device");
	expect(ctl_stat("tokens_revoked") - revoked0, 1, "tokens_revoked + 1");
	rq_write(&Q, &t, 0, &S1, 1);
	try(D0, &Q, -EKEYREJECTED, "revoked token (its device was removed)");
	/* The 4k device too. */
	memset(&t, 0x33, sizeof(t));
	rq_write(&Q, &t, 0, &S1, 1);
	try(D4K, &Q, -EKEYREJECTED, "4k device: made-up token");
	/* Larger output buffers carry the flags too. */
	t = tok;
	t.token[100] ^= 0xff;
	rq_write(&Q, &t, 0, &S1, 1);
	try_len(D0, &Q, Q.len, 536, -EKEYREJECTED, "altered token, 536-byte output");
	/* The original token is intact through all that. */
	rq_write(&Q, &tok, 0, &S1, 1);
	try(D0, &Q, 0, "the original token still works");
	CHECK_U64("length_copied", last_out.wr.length_copied, S_LEN);
	release_quiet(&tok);
	close_devs();
	class_done("invalid_tokens");
}

/* ODX_IOC_RELEASE of tokens that are not live. */
static void release_tokens(void)
{
	struct odx_token tok, t;
	int pos;

	open_devs();
	mint_on(D0, &S1, 1, 0, &tok);
	zero_token(&t, 0);
	expect(odx_release(fds[D0], &t), -EKEYREJECTED, "release the zero token");
	memset(&t, 0, sizeof(t));
	expect(odx_release(fds[D0], &t), -EKEYREJECTED, "release an all-zero token");
	pat_fill(&t, sizeof(t), t_seed(), 0);
	expect(odx_release(fds[D0], &t), -EKEYREJECTED, "release a random token");
	for (pos = 0; pos < ODX_TOKEN_LENGTH; pos += 7) {
		t = tok;
		((uint8_t *)&t)[pos] ^= 0x40;
		expect(odx_release(fds[D0], &t), -EKEYREJECTED, "release, byte %d altered", pos);
	}
	/* None of that touched the real token. */
	rq_write(&Q, &tok, 0, &S1, 1);
	try(D0, &Q, 0, "the token still works");
	expect(odx_release(fds[D4K], &tok), 0, "release (through the 4k device)");
	expect(odx_release(fds[D0], &tok), -EKEYREJECTED, "release twice");
	expect(odx_release(fds[D1], &tok), -EKEYREJECTED, "release twice, through odx1");
	close_devs();
	class_done("release_tokens");
}

/* Output buffers too small: ERANGE before anything happens. */
static void output_size(void)
{
	static const uint32_t rsmall[] = { 0, 1, 8, 16, 20, 512, 532, 535 };
	static const uint32_t wsmall[] = { 0, 1, 4, 8, 12, 15 };
	struct odx_token tok, t;
	long long live, inv0;
	size_t i;

	open_devs();
	live = ctl_stat("tokens_live");
	rq_read(&Q, &S1, 1);
	for (i = 0; i < NR(rsmall); i++) {
		try_len(D0, &Q, Q.len, rsmall[i], -ERANGE, "read: output of %u bytes", rsmall[i]);
		expect(ctl_stat("tokens_live"), live, "read: output %u: no token", rsmall[i]);
	}
	{
		struct odx_dsm_args a;

		rq_layout(&Q);
		a = (struct odx_dsm_args){ .input = (uintptr_t)temp, .input_length = Q.len,
			.output = 0, .output_length = 535 };
		expect(dsm_ioctl(fds[D0], &a), -ERANGE, "read: NULL output of 535 bytes");
	}
	try_len(D0, &Q, Q.len, 536, 0, "read: output of 536 bytes");
	try_len(D0, &Q, Q.len, 537, 0, "read: output of 537 bytes");
	try_len(D0, &Q, Q.len, 4096, 0, "read: output of 4096 bytes");

	mint_on(D0, &S1, 1, 0, &tok);
	rq_write(&Q, &tok, 0, &S1, 1);
	for (i = 0; i < NR(wsmall); i++)
		try_len(D0, &Q, Q.len, wsmall[i], -ERANGE, "write: output of %u bytes",
			wsmall[i]);
	/* An invalid token with a small output: ERANGE comes first. */
	inv0 = odx_stat(devs[D0].idx, "invalid_token_uses");
	t = tok;
	t.token[200] ^= 1;
	rq_write(&Q, &t, 0, &S1, 1);
	try_len(D0, &Q, Q.len, 15, -ERANGE, "write: invalid token, output of 15 bytes");
	expect(odx_stat(devs[D0].idx, "invalid_token_uses"), inv0,
	       "ERANGE before the token is looked at: invalid_token_uses unchanged");
	rq_write(&Q, &tok, 0, &S1, 1);
	try_len(D0, &Q, Q.len, 16, 0, "write: output of 16 bytes");
	try_len(D0, &Q, Q.len, 17, 0, "write: output of 17 bytes");
	try_len(D0, &Q, Q.len, 536, 0, "write: output of 536 bytes");
	release_quiet(&tok);
	close_devs();
	class_done("output_size");
}

/* input_length above ODX_DSM_MAX_INPUT; exactly the maximum is fine. */
static void input_length(void)
{
	static const uint32_t big[] = { ODX_DSM_MAX_INPUT + 1, ODX_DSM_MAX_INPUT + 8,
					ODX_DSM_MAX_INPUT + 16, 2 * ODX_DSM_MAX_INPUT,
					TEMP_CAP, 1U << 20, 0x7fffffff, 0x80000000, 0xffffffff };
	struct odx_token tok;
	struct rq base;
	size_t i;
	int w;

	open_devs();
	mint_on(D0, &S1, 1, 0, &tok);
	for (w = 0; w < 2; w++) {
		if (w)
			rq_write(&base, &tok, 0, &S1, 1);
		else
			rq_read(&base, &S1, 1);
		for (i = 0; i < NR(big); i++) {
			Q = base;
			Q.len = big[i];
			/* Only the first 128 KiB are mapped; the kernel must refuse by
			 * the length alone. */
			try_len(D0, &Q, big[i], w ? 16 : 536, -EINVAL,
				"%s: input_length %u", w ? "write" : "read", big[i]);
		}
		/* Exactly the maximum: the ranges at its very end. */
		Q = base;
		Q.len = ODX_DSM_MAX_INPUT;
		Q.h.data_set_ranges_offset = ODX_DSM_MAX_INPUT - 16;
		try_len(D0, &Q, Q.len, w ? 16 : 536, 0, "%s: input_length 65536, ranges at the end",
			w ? "write" : "read");
		Q.h.data_set_ranges_offset = ODX_DSM_MAX_INPUT - 8;
		try_len(D0, &Q, Q.len, w ? 16 : 536, -EINVAL,
			"%s: input_length 65536, ranges 8 bytes past the end", w ? "write" : "read");
	}
	release_quiet(&tok);
	close_devs();
	class_done("input_length");
}

#define IOC(dir, nr, size) _IOC(dir, ODX_IOC_MAGIC, nr, size)

static void unknown_ioctl(void)
{
	static uint8_t arg[4096];
	const unsigned long dev_cmds[] = {
		_IO(ODX_IOC_MAGIC, 0x13), _IO(ODX_IOC_MAGIC, 0x3f), _IO(ODX_IOC_MAGIC, 0x0f),
		_IO(ODX_IOC_MAGIC, 0x10), _IO(ODX_IOC_MAGIC, 0x11), _IO(ODX_IOC_MAGIC, 0x12),
		IOC(_IOC_READ | _IOC_WRITE, 0x11, sizeof(struct odx_dsm_args) - 1),
		IOC(_IOC_READ | _IOC_WRITE, 0x11, sizeof(struct odx_dsm_args) + 1),
		IOC(_IOC_READ, 0x11, sizeof(struct odx_dsm_args)),
		IOC(_IOC_WRITE, 0x11, sizeof(struct odx_dsm_args)),
		IOC(_IOC_READ, 0x10, sizeof(struct odx_caps) - 1),
		IOC(_IOC_WRITE, 0x10, sizeof(struct odx_caps)),
		IOC(_IOC_WRITE, 0x12, sizeof(struct odx_token) - 1),
		IOC(_IOC_READ | _IOC_WRITE, 0x12, sizeof(struct odx_token)),
		ODX_CTL_ADD, ODX_CTL_REMOVE,
		_IOWR(0xd1, 0x11, struct odx_dsm_args), _IOWR(0xcf, 0x11, struct odx_dsm_args),
	};
	const unsigned long ctl_cmds[] = {
		ODX_IOC_DSM, ODX_IOC_CAPS, ODX_IOC_RELEASE, _IO(ODX_IOC_MAGIC, 0x00),
		_IO(ODX_IOC_MAGIC, 0x01), _IO(ODX_IOC_MAGIC, 0x02), _IO(ODX_IOC_MAGIC, 0x3f),
		IOC(_IOC_READ | _IOC_WRITE, 0x00, sizeof(struct odx_device_params) - 1),
		IOC(_IOC_READ | _IOC_WRITE, 0x00, sizeof(struct odx_device_params) + 8),
		IOC(_IOC_WRITE, 0x00, sizeof(struct odx_device_params)),
		IOC(_IOC_WRITE, 0x01, 8), IOC(_IOC_READ, 0x01, 4),
		BLKGETSIZE64, BLKSSZGET, _IOWR(0xd1, 0x00, struct odx_device_params),
	};
	size_t i;
	int ctl = ctl_open();

	open_devs();
	for (i = 0; i < NR(dev_cmds); i++) {
		memset(arg, 0, sizeof(arg));
		expect(xioctl(fds[D0], dev_cmds[i], arg), -ENOTTY, "odx0: ioctl %#lx",
		       dev_cmds[i]);
		expect(xioctl(fds[D4K], dev_cmds[i], NULL), -ENOTTY, "4k: ioctl %#lx (NULL)",
		       dev_cmds[i]);
	}
	for (i = 0; i < NR(ctl_cmds); i++) {
		memset(arg, 0, sizeof(arg));
		expect(xioctl(ctl, ctl_cmds[i], arg), -ENOTTY, "odx-control: ioctl %#lx",
		       ctl_cmds[i]);
	}
	close(ctl);
	close_devs();
	class_done("unknown_ioctl");
}

static int add_raw(int ctl, struct odx_device_params *p)
{
	int ret = xioctl(ctl, ODX_CTL_ADD, p);

	if (!ret) {
		uint32_t idx = p->index;

		wait_node(idx, true);
		CHECK_RET(xioctl(ctl, ODX_CTL_REMOVE, &idx), 0);
		wait_node(idx, false);
	}
	return ret;
}

static void ctl_add_params(void)
{
	static const uint64_t sizes[] = { 0, 1, 512, 2048, 4095, 4097, 8191, 4 * MiB + 512,
					  (1ULL << 40) + 4096, 1ULL << 41, 1ULL << 63,
					  ~0ULL, ~0ULL - 4095 };
	static const uint32_t bss[] = { 1, 256, 511, 513, 1024, 2048, 4095, 4097, 8192,
					65536, 0x80000200, 0xffffffff };
	static const uint32_t idxs[] = { ODX_MAX_DEVICES, ODX_MAX_DEVICES + 1, 4096,
					 0x80000000, ODX_INDEX_ANY - 1 };
	struct odx_device_params p;
	uint64_t before[16], after_[16];
	int ctl = ctl_open(), bit;
	size_t i;

	odx_dev_list(before);
#define P0 ((struct odx_device_params){ .size_bytes = 4 * MiB, .block_size = 512, \
					.index = ODX_INDEX_ANY })
	for (i = 0; i < NR(sizes); i++) {
		p = P0;
		p.size_bytes = sizes[i];
		expect(add_raw(ctl, &p), -EINVAL, "CTL_ADD size %#" PRIx64, sizes[i]);
	}
	for (i = 0; i < NR(bss); i++) {
		p = P0;
		p.block_size = bss[i];
		expect(add_raw(ctl, &p), -EINVAL, "CTL_ADD block size %u", bss[i]);
	}
	for (bit = 0; bit < 32; bit++) {
		p = P0;
		p.flags = 1U << bit;
		expect(add_raw(ctl, &p), -EINVAL, "CTL_ADD flags %#x", 1U << bit);
	}
	for (i = 0; i < 5; i++) {
		p = P0;
		p.reserved[i] = 1;
		expect(add_raw(ctl, &p), -EINVAL, "CTL_ADD reserved[%zu] = 1", i);
		p.reserved[i] = 0x80000000;
		expect(add_raw(ctl, &p), -EINVAL, "CTL_ADD reserved[%zu] = 0x80000000", i);
	}
	for (i = 0; i < NR(idxs); i++) {
		p = P0;
		p.index = idxs[i];
		expect(add_raw(ctl, &p), -EINVAL, "CTL_ADD index %u", idxs[i]);
	}
	for (i = 0; i < NR_DEVS; i++) {
		p = P0;
		p.index = devs[i].idx;
		expect(add_raw(ctl, &p), -EEXIST, "CTL_ADD index %u (taken)", devs[i].idx);
	}
	/* Positive controls: the limits themselves. */
	p = P0;
	p.size_bytes = 1ULL << 40;
	expect(add_raw(ctl, &p), 0, "CTL_ADD 1 TiB (the maximum)");
	p = P0;
	p.size_bytes = 4096;
	p.block_size = 4096;
	expect(add_raw(ctl, &p), 0, "CTL_ADD 4096 bytes, 4096-byte blocks");
	p = P0;
	p.block_size = 0;
	p.index = ODX_MAX_DEVICES - 1;
	expect(add_raw(ctl, &p), 0, "CTL_ADD index 1023, default block size");
	expect(p.index, ODX_MAX_DEVICES - 1, "CTL_ADD returns the index asked for");
	odx_dev_list(after_);
	expect_true(!memcmp(before, after_, sizeof(before)),
		    "no device is left behind by the refused CTL_ADDs");
#undef P0
	close(ctl);
	class_done("ctl_add_params");
}

static void ctl_remove_cases(void)
{
	static const uint32_t absent[] = { ODX_MAX_DEVICES - 1, ODX_MAX_DEVICES, 4096,
					   0x7fffffff, 0xfffffffe, ODX_INDEX_ANY };
	int ctl = ctl_open(), fd;
	uint32_t idx = ODX_INDEX_ANY, u;
	size_t i;

	for (i = 0; i < NR(absent); i++) {
		u = absent[i];
		expect(xioctl(ctl, ODX_CTL_REMOVE, &u), -ENODEV, "CTL_REMOVE %u (no such device)",
		       absent[i]);
	}
	open_devs();
	for (i = 0; i < NR_DEVS; i++) {
		u = devs[i].idx;
		expect(xioctl(ctl, ODX_CTL_REMOVE, &u), -EBUSY, "CTL_REMOVE odx%u (open)", u);
	}
	close_devs();
	REQUIRE_RET(odx_ctl_add(4 * MiB, 512, ODX_INDEX_ANY, &idx), 0);
	REQUIRE(wait_node(idx, true), "node");
	fd = dev_open(idx, O_RDONLY);
	u = idx;
	expect(xioctl(ctl, ODX_CTL_REMOVE, &u), -EBUSY, "CTL_REMOVE odx%u (open O_RDONLY)", u);
	close(fd);
	fd = dev_open(idx, O_WRONLY | O_DIRECT);
	expect(xioctl(ctl, ODX_CTL_REMOVE, &u), -EBUSY, "CTL_REMOVE odx%u (open O_WRONLY)", u);
	close(fd);
	expect(xioctl(ctl, ODX_CTL_REMOVE, &u), 0, "CTL_REMOVE odx%u (closed)", u);
	expect(xioctl(ctl, ODX_CTL_REMOVE, &u), -ENODEV, "CTL_REMOVE odx%u again", u);
	expect_true(wait_node(idx, false), "/dev/odx%u is gone", idx);
	expect(dev_try_open(idx, O_RDONLY), -ENOENT, "open the removed odx%u", idx);
	close(ctl);
	class_done("ctl_remove");
}

/* Without CAP_SYS_ADMIN (an fd opened before dropping it): EPERM. */
static void ctl_eperm(void)
{
	int ctl = ctl_open(), st;
	pid_t pid;

	pid = fork();
	REQUIRE(pid >= 0, "fork");
	if (pid == 0) {
		struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct data[2];
		struct odx_device_params p = { .size_bytes = 4 * MiB, .index = ODX_INDEX_ANY };
		uint32_t u = devs[D0].idx;
		struct odx_caps c;
		int fd = dev_open(devs[D0].idx, O_RDONLY);

		if (syscall(SYS_capget, &hdr, data))
			_exit(2);
		data[0].effective &= ~(1U << CAP_SYS_ADMIN);
		if (syscall(SYS_capset, &hdr, data))
			_exit(3);
		expect(xioctl(ctl, ODX_CTL_ADD, &p), -EPERM, "CTL_ADD without CAP_SYS_ADMIN");
		expect(xioctl(ctl, ODX_CTL_ADD, NULL), -EPERM,
		       "CTL_ADD (NULL) without CAP_SYS_ADMIN");
		expect(xioctl(ctl, ODX_CTL_REMOVE, &u), -EPERM, "CTL_REMOVE without CAP_SYS_ADMIN");
		expect(xioctl(ctl, ODX_IOC_CAPS, &c), -ENOTTY,
		       "unknown ioctl without CAP_SYS_ADMIN: still ENOTTY");
		/* The block device ioctls need no capability. */
		expect(xioctl(fd, ODX_IOC_CAPS, &c), 0, "CAPS without CAP_SYS_ADMIN");
		close(fd);
		_exit(t_failures ? 1 : 0);
	}
	REQUIRE(waitpid(pid, &st, 0) == pid, "waitpid");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the unprivileged child failed (%#x)", st);
	close(ctl);
	class_done("ctl_eperm");
}

/* Open modes, read-only devices, block-size mismatch (EBADF, EPERM, EXDEV). */
static void access_modes(void)
{
	struct odx_token tok, t4;
	int ro, wo, on = 1, off = 0;

	open_devs();
	mint_on(D0, &S1, 1, 0, &tok);
	mint_on(D4K, &S1, 1, 0, &t4);
	ro = dev_open(devs[D0].idx, O_RDONLY);
	wo = dev_open(devs[D0].idx, O_WRONLY);
	rq_read(&Q, &S1, 1);
	rq_layout(&Q);
	{
		struct odx_offload_read_output o;
		struct odx_offload_write_output wr;

		expect(odx_dsm(wo, temp, Q.len, &o, sizeof(o), NULL), -EBADF,
		       "offload read on an O_WRONLY fd");
		rq_write(&Q, &tok, 0, &S1, 1);
		rq_layout(&Q);
		expect(odx_dsm(ro, temp, Q.len, &wr, sizeof(wr), NULL), -EBADF,
		       "offload write on an O_RDONLY fd");
		expect(odx_dsm(wo, temp, Q.len, &wr, sizeof(wr), NULL), 0,
		       "offload write on an O_WRONLY fd (self-copy)");
		REQUIRE(!ioctl(fds[D1], BLKROSET, &on), "BLKROSET: %s", strerror(errno));
		rq_write(&Q, &tok, 0, &S1, 1);
		try(D1, &Q, -EPERM, "offload write to a read-only device");
		REQUIRE(!ioctl(fds[D1], BLKROSET, &off), "BLKROSET 0: %s", strerror(errno));
		rq_write(&Q, &t4, 0, &S1, 1);
		try(D0, &Q, -EXDEV, "token of a 4096-byte-block device on a 512 one");
		rq_write(&Q, &tok, 0, &S1, 1);
		try(D4K, &Q, -EXDEV, "token of a 512-byte-block device on a 4096 one");
	}
	close(ro);
	close(wo);
	release_quiet(&tok);
	release_quiet(&t4);
	close_devs();
	class_done("access_modes");
}

static void caps(void)
{
	struct odx_caps c;
	int i;

	open_devs();
	for (i = 0; i < NR_DEVS; i++) {
		memset(&c, 0xa5, sizeof(c));
		expect(xioctl(fds[i], ODX_IOC_CAPS, &c), 0, "CAPS on odx%u", devs[i].idx);
		expect(c.version, ODX_CAPS_VERSION, "caps version");
		expect(c.size, sizeof(c), "caps size");
		expect(c.block_size, devs[i].bs, "caps block size");
		expect(c.maximum_data_descriptors, max_ranges, "caps max ranges");
		expect_true(!c.reserved[0] && !c.reserved[1] && !c.reserved[2] && !c.reserved[3],
			    "caps reserved zero");
	}
	close_devs();
	class_done("caps");
}

/* ------------------------------------------------------------------------ */
/* After all classes */

static void devices_unchanged(void)
{
	int i;

	for (i = 0; i < NR_DEVS; i++) {
		uint64_t sum;
		long long bad = dev_verify_all(devs[i].idx, devs[i].size, devs[i].seed, &sum);

		expect(bad, 0, "odx%u: bytes changed", devs[i].idx);
		expect_true(sum == devs[i].sum, "odx%u: checksum %#" PRIx64 ", before %#" PRIx64,
			    devs[i].idx, sum, devs[i].sum);
		t_diag("odx%u: %" PRIu64 " bytes, checksum %#" PRIx64 " before and %#" PRIx64
		       " after", devs[i].idx, devs[i].size, devs[i].sum, sum);
	}
	class_done("devices_unchanged");
}

static void tokens_not_leaked(void)
{
	int i;

	/* Tokens a class left expired but unreaped go within ~1 s (the reaper). */
	for (i = 0; i < 50 && ctl_stat("tokens_live") != start_live; i++)
		msleep(100);
	expect(ctl_stat("tokens_live"), start_live, "tokens_live (all devices)");
	expect(ctl_stat("token_pages"), start_pages, "token_pages (all devices)");
	for (i = 0; i < NR_DEVS; i++) {
		unsigned int idx = devs[i].idx;

		expect(odx_stat(idx, "tokens_live"), start_dev_live[i], "odx%u tokens_live", idx);
		expect(odx_stat(idx, "token_pages"), start_dev_pages[i], "odx%u token_pages", idx);
		expect(odx_stat(idx, "invalid_token_uses") - start_invalid[i],
		       h_sh->keyrej[idx < H_MAX_DEVS ? idx : 0],
		       "odx%u invalid_token_uses = the EKEYREJECTED offload writes sent", idx);
	}
	class_done("tokens_not_leaked");
}

/* The cases, in the order they run (kselftest harness: tests/lib/odx_harness.h). */
ODX_CASE(args_pointers, 0)
ODX_CASE(io_buffer_pointers, 0)
ODX_CASE(truncated_input, 0)
ODX_CASE(truncated_mapping, 0)
ODX_CASE(header_fields, 0)
ODX_CASE(block_offsets, 0)
ODX_CASE(range_count, 0)
ODX_CASE(range_values, 0)
ODX_CASE(param_fields, 0)
ODX_CASE(unknown_action, 0)
ODX_CASE(token_offset, 0)
ODX_CASE(invalid_tokens, 0)
ODX_CASE(release_tokens, 0)
ODX_CASE(output_size, 0)
ODX_CASE(input_length, 0)
ODX_CASE(unknown_ioctl, 0)
ODX_CASE(ctl_add_params, 0)
ODX_CASE_FN(ctl_remove, ctl_remove_cases, 0)
ODX_CASE(ctl_eperm, 0)
ODX_CASE(access_modes, 0)
ODX_CASE(caps, 0)
ODX_CASE(devices_unchanged, 0)
ODX_CASE(tokens_not_leaked, 0)

static uint64_t dev_size(unsigned int idx)
{
	char path[64], buf[64];
	unsigned long long sectors = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/block/odx%u/size", idx);
	f = fopen(path, "r");
	REQUIRE(f, "open %s", path);
	if (fgets(buf, sizeof(buf), f))
		sectors = strtoull(buf, NULL, 10);
	fclose(f);
	return sectors * 512;
}

static uint32_t idx4k = ODX_INDEX_ANY;

/* Each class counts its own cases. */
static void class_begin(void)
{
	h_sh->class_cases = 0;
}

static void matrix_end(void)
{
	t_diag("cases: %ld", h_sh->cases);
	if (h_sh->known_bugs)
		t_diag("known driver bugs reproduced: %ld", h_sh->known_bugs);
	if (odx_ctl_remove(idx4k))
		t_diag("removing odx%u failed", idx4k);
}

/*
 * Set up (devices filled, counters noted), then run each class as a case of
 * the harness (a child of its own), printing its case count; the totals and
 * the cleanup at exit.
 */
int main(int argc, char **argv)
{
	char buf[32];
	int i;

	if (odx_harness_listing(argc, argv))
		return odx_harness_run(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	h_shared_init();
	REQUIRE(!param_read("max_ranges", buf, sizeof(buf)), "module not loaded?");
	max_ranges = strtoul(buf, NULL, 10);

	REQUIRE_RET(odx_ctl_add(16 * MiB, 4096, ODX_INDEX_ANY, &idx4k), 0);
	REQUIRE(wait_node(idx4k, true), "odx%u did not appear", idx4k);
	devs[D0] = (struct dev){ .idx = 0, .bs = 512 };
	devs[D1] = (struct dev){ .idx = 1, .bs = 512 };
	devs[D4K] = (struct dev){ .idx = idx4k, .bs = 4096 };
	for (i = 0; i < NR_DEVS; i++) {
		devs[i].size = dev_size(devs[i].idx);
		devs[i].seed = 0x6d617472697800ULL + i * 0x1234567ULL;
		REQUIRE_RET(dev_fill_all(devs[i].idx, devs[i].size, devs[i].seed), 0);
		REQUIRE(dev_verify_all(devs[i].idx, devs[i].size, devs[i].seed,
				       &devs[i].sum) == 0, "odx%u: fill did not stick",
			devs[i].idx);
		t_diag("odx%u: %" PRIu64 " MiB, %u-byte blocks, filled, checksum %#" PRIx64,
		       devs[i].idx, devs[i].size >> 20, devs[i].bs, devs[i].sum);
		start_dev_live[i] = odx_stat(devs[i].idx, "tokens_live");
		start_dev_pages[i] = odx_stat(devs[i].idx, "token_pages");
		start_invalid[i] = odx_stat(devs[i].idx, "invalid_token_uses");
	}
	start_live = ctl_stat("tokens_live");
	start_pages = ctl_stat("token_pages");

	t_case_setup_hook = class_begin;
	atexit(matrix_end);
	return odx_harness_run(argc, argv);
}
