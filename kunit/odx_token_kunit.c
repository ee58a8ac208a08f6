// SPDX-License-Identifier: GPL-2.0
/*
 * odx KUnit suites: DSM request validation, TokenOffset arithmetic, the token
 * table and point-in-time copies.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "odx_dev.h"
#include "odx_xfer.h"
#include "odx_parse.h"
#include "odx_token.h"

/* ---- DSM request validation ------------------------------------------- */

#define REQ_BUF	1024

/* A valid offload write request: header, params at 28, 2 ranges at 560. */
struct dsm_buf {
	u8 b[REQ_BUF];
	size_t len;
};

static struct odx_dsm_header *hdr(struct dsm_buf *d)
{
	return (struct odx_dsm_header *)d->b;
}

static struct odx_data_set_range *rng(struct dsm_buf *d)
{
	return (struct odx_data_set_range *)(d->b + hdr(d)->data_set_ranges_offset);
}

static void build_req(struct dsm_buf *d, u32 action)
{
	struct odx_dsm_header *h = hdr(d);
	u32 plen = action == ODX_DSM_ACTION_OFFLOAD_READ ?
		sizeof(struct odx_offload_read_params) :
		sizeof(struct odx_offload_write_params);

	memset(d, 0, sizeof(*d));
	h->size = sizeof(*h);
	h->action = action;
	h->parameter_block_offset = 28;
	h->parameter_block_length = plen;
	h->data_set_ranges_offset = 560;
	h->data_set_ranges_length = 2 * sizeof(struct odx_data_set_range);
	rng(d)[0].starting_offset = 4096;
	rng(d)[0].length_in_bytes = 8192;
	rng(d)[1].starting_offset = 512;
	rng(d)[1].length_in_bytes = 512;
	d->len = 560 + 32;
}

static const struct odx_dsm_limits test_lim = {
	.block_size = 512, .capacity = 1 << 20, .max_ranges = 64,
};

struct parse_case {
	const char *name;
	u32 action;
	void (*mutate)(struct dsm_buf *d);
	int err;
};

static void m_none(struct dsm_buf *d)
{
}

static void m_short(struct dsm_buf *d)
{
	d->len = 27;
}

static void m_cut_ranges(struct dsm_buf *d)
{
	d->len -= 1;
}

static void m_size(struct dsm_buf *d)
{
	hdr(d)->size = 32;
}

static void m_flags(struct dsm_buf *d)
{
	hdr(d)->flags = 1;
}

static void m_action(struct dsm_buf *d)
{
	hdr(d)->action = 3;
}

static void m_plen(struct dsm_buf *d)
{
	hdr(d)->parameter_block_length -= 8;
}

static void m_poff_hdr(struct dsm_buf *d)
{
	hdr(d)->parameter_block_offset = 20;
}

static void m_poff_out(struct dsm_buf *d)
{
	hdr(d)->parameter_block_offset = REQ_BUF;
}

static void m_poff_wrap(struct dsm_buf *d)
{
	hdr(d)->parameter_block_offset = 0xfffffff0;
}

static void m_roff_wrap(struct dsm_buf *d)
{
	hdr(d)->data_set_ranges_offset = 0xfffffff0;
}

static void m_overlap(struct dsm_buf *d)
{
	hdr(d)->data_set_ranges_offset = 40;
	d->len = REQ_BUF;
}

static void m_rlen_odd(struct dsm_buf *d)
{
	hdr(d)->data_set_ranges_length = 24;
}

static void m_rlen_zero(struct dsm_buf *d)
{
	hdr(d)->data_set_ranges_length = 0;
}

static void m_65_ranges(struct dsm_buf *d)
{
	hdr(d)->data_set_ranges_offset = 28 + hdr(d)->parameter_block_length;
	hdr(d)->data_set_ranges_length = 65 * 16;
	d->len = REQ_BUF;
}

static void m_pflags(struct dsm_buf *d)
{
	*(u32 *)(d->b + 28) = 1;
}

static void m_preserved(struct dsm_buf *d)
{
	*(u32 *)(d->b + 32) = 1;
}

static void m_toff_unaligned(struct dsm_buf *d)
{
	*(u64 *)(d->b + 36) = 100;
}

static void m_toff_aligned(struct dsm_buf *d)
{
	*(u64 *)(d->b + 36) = 1024;
}

static void m_rzero(struct dsm_buf *d)
{
	rng(d)[1].length_in_bytes = 0;
}

static void m_runaligned(struct dsm_buf *d)
{
	rng(d)[0].starting_offset = 4097;
}

static void m_runaligned_len(struct dsm_buf *d)
{
	rng(d)[0].length_in_bytes = 1000;
}

static void m_rnegative(struct dsm_buf *d)
{
	rng(d)[0].starting_offset = -512LL;
}

static void m_rpast(struct dsm_buf *d)
{
	rng(d)[1].starting_offset = 1 << 20;
}

static void m_rend(struct dsm_buf *d)
{
	rng(d)[1].starting_offset = (1 << 20) - 512;
	rng(d)[1].length_in_bytes = 1024;
}

static void m_rwrap(struct dsm_buf *d)
{
	rng(d)[1].starting_offset = 0x7ffffffffffffe00ULL;
	rng(d)[1].length_in_bytes = 0x8000000000000200ULL;
}

static void m_rexact(struct dsm_buf *d)
{
	rng(d)[1].starting_offset = (1 << 20) - 512;
}

#define R ODX_DSM_ACTION_OFFLOAD_READ
#define W ODX_DSM_ACTION_OFFLOAD_WRITE
static const struct parse_case parse_cases[] = {
	{ "read ok", R, m_none, 0 },
	{ "write ok", W, m_none, 0 },
	{ "buffer shorter than header", W, m_short, -EINVAL },
	{ "ranges cut short", W, m_cut_ranges, -EINVAL },
	{ "header size", W, m_size, -EINVAL },
	{ "header flags", W, m_flags, -EINVAL },
	{ "unknown action", W, m_action, -EOPNOTSUPP },
	{ "parameter length", W, m_plen, -EINVAL },
	{ "parameters inside header", W, m_poff_hdr, -EINVAL },
	{ "parameters outside buffer", W, m_poff_out, -EINVAL },
	{ "parameter offset wraps", W, m_poff_wrap, -EINVAL },
	{ "range offset wraps", W, m_roff_wrap, -EINVAL },
	{ "ranges overlap parameters", W, m_overlap, -EINVAL },
	{ "ranges length not multiple of 16", W, m_rlen_odd, -EINVAL },
	{ "no ranges", W, m_rlen_zero, -EINVAL },
	{ "65 ranges", R, m_65_ranges, -EINVAL },
	{ "parameter flags", R, m_pflags, -EINVAL },
	{ "parameter reserved", W, m_preserved, -EINVAL },
	{ "read reserved", R, m_toff_aligned, -EINVAL },
	{ "token offset unaligned", W, m_toff_unaligned, -EINVAL },
	{ "token offset aligned", W, m_toff_aligned, 0 },
	{ "zero-length range", R, m_rzero, -EINVAL },
	{ "unaligned start", R, m_runaligned, -EINVAL },
	{ "unaligned length", W, m_runaligned_len, -EINVAL },
	{ "negative start", R, m_rnegative, -EINVAL },
	{ "range past capacity", R, m_rpast, -ENXIO },
	{ "range ends past capacity", W, m_rend, -ENXIO },
	{ "range end overflows", R, m_rwrap, -ENXIO },
	{ "range ends at capacity", R, m_rexact, 0 },
};

#undef R
#undef W

static void parse_case_desc(const struct parse_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(parse, parse_cases, parse_case_desc);

static void odx_parse_test(struct kunit *test)
{
	const struct parse_case *c = test->param_value;
	struct odx_dsm_req *req;
	struct dsm_buf *d;
	int err;

	d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_ASSERT_NOT_NULL(test, req);
	build_req(d, c->action);
	c->mutate(d);
	err = odx_dsm_parse(d->b, d->len, &test_lim, req);
	KUNIT_EXPECT_EQ(test, c->err, err);
	if (!err) {
		KUNIT_EXPECT_EQ(test, c->action, req->action);
		KUNIT_EXPECT_EQ(test, 2U, req->nr_ranges);
		KUNIT_EXPECT_EQ(test, 8192ULL + 512, req->total_bytes);
	}
}

/* ---- TokenOffset arithmetic --------------------------------------------- */

static void odx_locate_test(struct kunit *test)
{
	static const struct odx_data_set_range r[] = {
		{ 0, 4096 }, { 1 << 20, 512 }, { 8192, 12288 },
	};
	static const struct {
		u64 offset;
		bool found;
		u32 index;
		u64 within;
	} cases[] = {
		{ 0, true, 0, 0 },		/* start of the first */
		{ 1024, true, 0, 1024 },	/* inside the first */
		{ 4096, true, 1, 0 },		/* at a range boundary */
		{ 4096 + 511, true, 1, 511 },
		{ 4608, true, 2, 0 },
		{ 4608 + 12287, true, 2, 12287 },	/* inside the last */
		{ 4608 + 12288, false, 0, 0 },	/* at the end */
		{ ~0ULL, false, 0, 0 },		/* far past the end */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u32 index = 99;
		u64 within = 99;
		bool found = odx_ranges_locate(r, ARRAY_SIZE(r), cases[i].offset,
					       &index, &within);

		KUNIT_EXPECT_EQ_MSG(test, cases[i].found, found, "case %u", i);
		if (found && cases[i].found) {
			KUNIT_EXPECT_EQ_MSG(test, cases[i].index, index, "case %u", i);
			KUNIT_EXPECT_EQ_MSG(test, cases[i].within, within, "case %u", i);
		}
	}
	/* One range: everything below its length is inside it. */
	KUNIT_EXPECT_TRUE(test, odx_ranges_locate(r, 1, 4095, &(u32){0}, &(u64){0}));
	KUNIT_EXPECT_FALSE(test, odx_ranges_locate(r, 0, 0, &(u32){0}, &(u64){0}));
}

static struct kunit_case odx_parse_cases[] = {
	KUNIT_CASE_PARAM(odx_parse_test, parse_gen_params),
	KUNIT_CASE(odx_locate_test),
	{}
};

static struct kunit_suite odx_parse_suite = {
	.name = "odx_parse",
	.test_cases = odx_parse_cases,
};

/* ---- the token table and point-in-time copies ---------------------------- */

/* A device as the token table and the copy see it. */
struct fake_dev {
	struct odx_store store;
	struct odx_source s;
};

struct tok_ctx {
	struct fake_dev src, dst;
	struct odx_token_limits saved;
	u8 *buf, *ref;
};

#define TOK_DEV_BYTES	SZ_8M

static void fake_dev(struct fake_dev *dev, u32 index)
{
	odx_store_init(&dev->store);
	odx_source_init(&dev->s, &dev->store, 512, TOK_DEV_BYTES);
	memset(dev->s.designator, 0, ODX_DESIGNATOR_LEN);
	dev->s.designator[0] = index & 0xff;
	dev->s.designator[1] = index >> 8;
}

static int odx_tok_init(struct kunit *test)
{
	struct tok_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->buf = kunit_kzalloc(test, 64 * 1024, GFP_KERNEL);
	ctx->ref = kunit_kzalloc(test, 64 * 1024, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->buf);
	KUNIT_ASSERT_NOT_NULL(test, ctx->ref);
	fake_dev(&ctx->src, 900);
	fake_dev(&ctx->dst, 901);
	ctx->saved = odx_token_limits;
	test->priv = ctx;
	return 0;
}

static void odx_tok_exit(struct kunit *test)
{
	struct tok_ctx *ctx = test->priv;

	odx_tokens_revoke(&ctx->src.s);
	odx_tokens_revoke(&ctx->dst.s);
	odx_store_destroy(&ctx->src.store);
	odx_store_destroy(&ctx->dst.store);
	odx_token_limits = ctx->saved;
}

static void pattern(u8 *p, size_t len, u8 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (u8)(seed ^ (i * 13) ^ (i >> 8));
}

static int mint(struct tok_ctx *ctx, const struct odx_data_set_range *r, u32 nr,
		u32 ttl, struct odx_offload_read_output *out)
{
	memset(out, 0, sizeof(*out));
	return odx_token_mint(&ctx->src.s, r, nr, ttl, out);
}

static void odx_tok_mint_lookup_test(struct kunit *test)
{
	struct tok_ctx *ctx = test->priv;
	struct odx_data_set_range r = { 0, 8192 };
	struct odx_offload_read_output out;
	struct odx_token bad;
	struct odx_tok *tok;
	unsigned int bit;

	KUNIT_ASSERT_EQ(test, 0, mint(ctx, &r, 1, 0, &out));
	KUNIT_EXPECT_EQ(test, 8192ULL, out.length_protected);
	KUNIT_EXPECT_EQ(test, 0U, out.offload_read_flags);
	KUNIT_EXPECT_EQ(test, 512U, out.token_length);
	KUNIT_EXPECT_EQ(test, ODX_TOKEN_TYPE_POINT_IN_TIME,
			get_unaligned_be32(out.token.token_type));
	KUNIT_EXPECT_EQ(test, ODX_TOKEN_ID_LENGTH,
			get_unaligned_be16(out.token.token_id_length));
	KUNIT_EXPECT_EQ(test, 8192ULL, get_unaligned_be64(out.token.token + 48));
	KUNIT_EXPECT_EQ(test, 1UL, READ_ONCE(ctx->src.s.stats.tokens_live));

	KUNIT_ASSERT_EQ(test, 0, odx_token_get(&out.token, &ctx->src.s, false, &tok));
	KUNIT_EXPECT_EQ(test, 8192ULL, tok->length);
	odx_token_put(tok);
	/* Cross-device: refused when switched off, accepted when on. */
	KUNIT_EXPECT_EQ(test, -EXDEV, odx_token_get(&out.token, &ctx->dst.s, false, &tok));
	KUNIT_ASSERT_EQ(test, 0, odx_token_get(&out.token, &ctx->dst.s, true, &tok));
	odx_token_put(tok);

	/* Any single flipped bit makes it a different, unknown token. */
	for (bit = 0; bit < ODX_TOKEN_LENGTH * 8; bit += 37) {
		bad = out.token;
		((u8 *)&bad)[bit / 8] ^= 1 << (bit % 8);
		KUNIT_EXPECT_TRUE(test, odx_token_differs((u8 *)&bad, (u8 *)&out.token));
		KUNIT_EXPECT_EQ_MSG(test, -EKEYREJECTED,
				    odx_token_get(&bad, &ctx->src.s, true, &tok), "bit %u", bit);
	}
	KUNIT_EXPECT_FALSE(test, odx_token_differs((u8 *)&out.token, (u8 *)&out.token));

	/* Two tokens for the same data differ in their secret. */
	memcpy(&bad, &out.token, sizeof(bad));
	KUNIT_ASSERT_EQ(test, 0, mint(ctx, &r, 1, 0, &out));
	KUNIT_EXPECT_TRUE(test, odx_token_differs((u8 *)&bad, (u8 *)&out.token));
	KUNIT_EXPECT_NE(test, 0, memcmp(bad.token + 120, out.token.token + 120, 32));
}

static void odx_tok_release_revoke_test(struct kunit *test)
{
	struct tok_ctx *ctx = test->priv;
	struct odx_data_set_range r = { 4096, 4096 };
	struct odx_offload_read_output a, b;
	struct odx_tok *tok;

	KUNIT_ASSERT_EQ(test, 0, mint(ctx, &r, 1, 0, &a));
	KUNIT_ASSERT_EQ(test, 0, mint(ctx, &r, 1, 0, &b));
	KUNIT_EXPECT_EQ(test, 0, odx_token_release(&a.token));
	KUNIT_EXPECT_EQ(test, -EKEYREJECTED, odx_token_release(&a.token));
	KUNIT_EXPECT_EQ(test, -EKEYREJECTED, odx_token_get(&a.token, &ctx->src.s, true, &tok));
	KUNIT_EXPECT_EQ(test, 1LL, atomic64_read(&ctx->src.s.stats.tokens_released));

	/* A token in use survives its revocation until it is put. */
	KUNIT_ASSERT_EQ(test, 0, odx_token_get(&b.token, &ctx->src.s, true, &tok));
	odx_tokens_revoke(&ctx->src.s);
	KUNIT_EXPECT_EQ(test, 1LL, atomic64_read(&ctx->src.s.stats.tokens_revoked));
	KUNIT_EXPECT_EQ(test, 0UL, READ_ONCE(ctx->src.s.stats.tokens_live));
	KUNIT_EXPECT_EQ(test, 4096ULL, tok->length);
	odx_token_put(tok);
	KUNIT_EXPECT_EQ(test, -EKEYREJECTED, odx_token_get(&b.token, &ctx->src.s, true, &tok));

	/* What became of them, for SCSI's sense codes; altered bytes learn nothing. */
	KUNIT_EXPECT_EQ(test, ODX_FATE_RELEASED, odx_token_fate(&a.token));
	KUNIT_EXPECT_EQ(test, ODX_FATE_REVOKED, odx_token_fate(&b.token));
	b.token.token[300] ^= 1;
	KUNIT_EXPECT_EQ(test, ODX_FATE_UNKNOWN, odx_token_fate(&b.token));
}

static void odx_tok_expiry_test(struct kunit *test)
{
	struct tok_ctx *ctx = test->priv;
	struct odx_data_set_range r = { 0, 512 };
	struct odx_offload_read_output out;
	struct odx_tok *tok;
	int i;

	/* Each use re-arms the inactivity timer. */
	KUNIT_ASSERT_EQ(test, 0, mint(ctx, &r, 1, 600, &out));
	for (i = 0; i < 5; i++) {
		msleep(200);
		KUNIT_ASSERT_EQ(test, 0, odx_token_get(&out.token, &ctx->src.s, true, &tok));
		odx_token_put(tok);
	}
	msleep(1500);
	KUNIT_EXPECT_EQ(test, -EKEYREJECTED, odx_token_get(&out.token, &ctx->src.s, true, &tok));
	KUNIT_EXPECT_EQ(test, 1LL, atomic64_read(&ctx->src.s.stats.tokens_expired));
	KUNIT_EXPECT_EQ(test, ODX_FATE_EXPIRED, odx_token_fate(&out.token));

	/* The reaper frees expired tokens nobody looks up. */
	KUNIT_ASSERT_EQ(test, 0, mint(ctx, &r, 1, 1, &out));
	msleep(20);
	odx_tokens_reap(false);
	KUNIT_EXPECT_EQ(test, 0UL, READ_ONCE(ctx->src.s.stats.tokens_live));
	KUNIT_EXPECT_EQ(test, 2LL, atomic64_read(&ctx->src.s.stats.tokens_expired));

	/* TimeToLive above the maximum is clamped. */
	odx_token_limits.max_ttl_ms = 50;
	KUNIT_ASSERT_EQ(test, 0, mint(ctx, &r, 1, 100000, &out));
	msleep(200);
	KUNIT_EXPECT_EQ(test, -EKEYREJECTED, odx_token_get(&out.token, &ctx->src.s, true, &tok));
}

static void odx_tok_limits_test(struct kunit *test)
{
	struct tok_ctx *ctx = test->priv;
	struct odx_data_set_range r[2] = { { 0, 16384 }, { 65536, 16384 } };
	unsigned long live = odx_tokens_live();
	struct odx_offload_read_output out;

	/* Live-token limit. */
	odx_token_limits.max_tokens = live + 2;
	KUNIT_EXPECT_EQ(test, 0, mint(ctx, r, 1, 0, &out));
	KUNIT_EXPECT_EQ(test, 0, mint(ctx, r, 1, 0, &out));
	KUNIT_EXPECT_EQ(test, -ENOSPC, mint(ctx, r, 1, 0, &out));
	odx_tokens_revoke(&ctx->src.s);
	odx_token_limits = ctx->saved;

	/* Truncation at the maximum token size. */
	ctx->src.s.max_token_bytes = 20480;
	KUNIT_ASSERT_EQ(test, 0, mint(ctx, r, 2, 0, &out));
	KUNIT_EXPECT_EQ(test, 20480ULL, out.length_protected);
	KUNIT_EXPECT_EQ(test, ODX_OFFLOAD_READ_RANGE_TRUNCATED, out.offload_read_flags);
	odx_token_limits = ctx->saved;

	/* Page budget: written pages count, holes do not. */
	pattern(ctx->buf, 16384, 1);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(&ctx->src.store, 0, ctx->buf, 16384,
						 GFP_KERNEL));
	odx_token_limits.max_pages = odx_tokens_pinned_pages() + 6;
	KUNIT_EXPECT_EQ(test, 0, mint(ctx, &r[1], 1, 0, &out));	/* holes */
	KUNIT_EXPECT_EQ(test, 0, mint(ctx, r, 1, 0, &out));	/* 4 pages */
	KUNIT_EXPECT_EQ(test, 4UL, READ_ONCE(ctx->src.s.stats.token_pages));
	KUNIT_EXPECT_EQ(test, -EDQUOT, mint(ctx, r, 1, 0, &out));
	KUNIT_EXPECT_EQ(test, 4UL, READ_ONCE(ctx->src.s.stats.token_pages));
}

static void odx_tok_point_in_time_test(struct kunit *test)
{
	struct tok_ctx *ctx = test->priv;
	/* Two source ranges; the second straddles a page boundary and a hole. */
	struct odx_data_set_range src[2] = { { 512, 7680 }, { 12288 + 3584, 8704 } };
	struct odx_data_set_range dst[2] = { { 65536 + 1024, 10240 }, { 200704, 6144 } };
	struct odx_offload_read_output out;
	u64 total = 7680 + 8704, copied, shared;
	struct odx_tok *tok;

	pattern(ctx->buf, 16384, 7);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(&ctx->src.store, 0, ctx->buf, 16384,
						 GFP_KERNEL));
	/* Expected data: the concatenation of the ranges now; 16384+ is a hole. */
	memcpy(ctx->ref, ctx->buf + 512, 7680);
	memset(ctx->ref + 7680, 0, 8704);
	memcpy(ctx->ref + 7680, ctx->buf + 12288 + 3584, 16384 - 12288 - 3584);

	KUNIT_ASSERT_EQ(test, 0, mint(ctx, src, 2, 0, &out));
	KUNIT_EXPECT_EQ(test, total, out.length_protected);

	/* The source changes: overwritten, discarded, partly zeroed, hole filled. */
	memset(ctx->buf, 0xee, 16384);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(&ctx->src.store, 0, ctx->buf, 8192,
						 GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, 0, odx_store_zero(&ctx->src.store, 8192, 8192, GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(&ctx->src.store, 16384, ctx->buf, 8192,
						 GFP_KERNEL));

	/* Copy from TokenOffset 1024 into two destination ranges. */
	KUNIT_ASSERT_EQ(test, 0, odx_token_get(&out.token, &ctx->dst.s, true, &tok));
	KUNIT_ASSERT_EQ(test, 0, odx_copy(tok, 1024, &ctx->dst.store, true, dst, 2, U64_MAX,
					  &copied, &shared));
	KUNIT_EXPECT_EQ(test, total - 1024, copied);
	KUNIT_ASSERT_EQ(test, 0, odx_store_read(&ctx->dst.store, dst[0].starting_offset,
						ctx->buf, 10240));
	KUNIT_ASSERT_EQ(test, 0, odx_store_read(&ctx->dst.store, dst[1].starting_offset,
						ctx->buf + 10240, 6144));
	KUNIT_EXPECT_EQ(test, 0, memcmp(ctx->buf, ctx->ref + 1024, total - 1024));

	/* A per-call maximum cuts the copy short. */
	KUNIT_ASSERT_EQ(test, 0, odx_copy(tok, 0, &ctx->dst.store, true, dst, 2, 4096, &copied,
					  &shared));
	KUNIT_EXPECT_EQ(test, 4096ULL, copied);
	odx_token_put(tok);

	/* The zero token zero-fills and frees whole pages. */
	KUNIT_ASSERT_EQ(test, 0, odx_copy(NULL, 0, &ctx->dst.store, true, dst, 2, U64_MAX, &copied,
					  &shared));
	KUNIT_EXPECT_EQ(test, 16384ULL, copied);
	KUNIT_ASSERT_EQ(test, 0, odx_store_read(&ctx->dst.store, dst[0].starting_offset,
						ctx->buf, 10240));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(ctx->buf, 0, 10240));
}

static void odx_tok_overlap_test(struct kunit *test)
{
	struct tok_ctx *ctx = test->priv;
	struct odx_data_set_range src = { 0, 16384 }, dst = { 4096, 16384 };
	struct odx_offload_read_output out;
	struct odx_tok *tok;
	u64 copied, shared;

	/* Copy a range onto itself shifted by a page, on one device. */
	pattern(ctx->ref, 16384, 3);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(&ctx->src.store, 0, ctx->ref, 16384,
						 GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, 0, mint(ctx, &src, 1, 0, &out));
	KUNIT_ASSERT_EQ(test, 0, odx_token_get(&out.token, &ctx->src.s, false, &tok));
	KUNIT_ASSERT_EQ(test, 0, odx_copy(tok, 0, &ctx->src.store, true, &dst, 1, U64_MAX, &copied,
					  &shared));
	odx_token_put(tok);
	KUNIT_EXPECT_EQ(test, 16384ULL, copied);
	KUNIT_ASSERT_EQ(test, 0, odx_store_read(&ctx->src.store, 4096, ctx->buf, 16384));
	KUNIT_EXPECT_EQ(test, 0, memcmp(ctx->buf, ctx->ref, 16384));
}

static void odx_tok_share_test(struct kunit *test)
{
	struct tok_ctx *ctx = test->priv;
	struct odx_data_set_range src = { 0, 16384 }, dst = { 65536, 16384 };
	struct odx_data_set_range odd = { 131072 + 512, 16384 };
	struct odx_offload_read_output out;
	struct page *a, *b;
	struct odx_tok *tok;
	u64 copied, shared;

	pattern(ctx->ref, 16384, 11);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(&ctx->src.store, 0, ctx->ref, 16384,
						 GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, 0, mint(ctx, &src, 1, 0, &out));
	KUNIT_ASSERT_EQ(test, 0, odx_token_get(&out.token, &ctx->dst.s, true, &tok));

	/* Page-aligned on both sides: the destination shares the pages. */
	KUNIT_ASSERT_EQ(test, 0, odx_copy(tok, 0, &ctx->dst.store, true, &dst, 1, U64_MAX, &copied,
					  &shared));
	KUNIT_EXPECT_EQ(test, 16384ULL, copied);
	KUNIT_EXPECT_EQ(test, 16384ULL, shared);
	a = odx_store_get_page(&ctx->src.store, 1);
	b = odx_store_get_page(&ctx->dst.store, 17);
	KUNIT_EXPECT_PTR_EQ(test, a, b);
	odx_page_put(a);
	odx_page_put(b);

	/* Misaligned destination: bytes are copied. */
	KUNIT_ASSERT_EQ(test, 0, odx_copy(tok, 0, &ctx->dst.store, true, &odd, 1, U64_MAX, &copied,
					  &shared));
	KUNIT_EXPECT_EQ(test, 16384ULL, copied);
	KUNIT_EXPECT_EQ(test, 0ULL, shared);
	odx_token_put(tok);

	/* Overwrite the source, then the destination; discard one page of each. */
	memset(ctx->buf, 0x11, 4096);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(&ctx->src.store, 0, ctx->buf, 4096,
						 GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(&ctx->dst.store, 65536 + 4096, ctx->buf,
						 100, GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, 0, odx_store_zero(&ctx->src.store, 8192, 4096, GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, 0, odx_store_zero(&ctx->dst.store, 65536 + 12288, 4096,
						GFP_KERNEL));
	/* Releasing the token leaves both stores with their own view. */
	KUNIT_ASSERT_EQ(test, 0, odx_token_release(&out.token));

	KUNIT_ASSERT_EQ(test, 0, odx_store_read(&ctx->src.store, 0, ctx->buf, 16384));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(ctx->buf, 0x11, 4096));
	KUNIT_EXPECT_EQ(test, 0, memcmp(ctx->buf + 4096, ctx->ref + 4096, 4096));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(ctx->buf + 8192, 0, 4096));
	KUNIT_EXPECT_EQ(test, 0, memcmp(ctx->buf + 12288, ctx->ref + 12288, 4096));

	KUNIT_ASSERT_EQ(test, 0, odx_store_read(&ctx->dst.store, 65536, ctx->buf, 16384));
	KUNIT_EXPECT_EQ(test, 0, memcmp(ctx->buf, ctx->ref, 4096));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(ctx->buf + 4096, 0x11, 100));
	KUNIT_EXPECT_EQ(test, 0, memcmp(ctx->buf + 4196, ctx->ref + 4196, 8192 - 100));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(ctx->buf + 12288, 0, 4096));

	/* The destination goes away (device removal); the source is untouched. */
	odx_store_destroy(&ctx->dst.store);
	odx_store_init(&ctx->dst.store);
	KUNIT_ASSERT_EQ(test, 0, odx_store_read(&ctx->src.store, 4096, ctx->buf, 4096));
	KUNIT_EXPECT_EQ(test, 0, memcmp(ctx->buf, ctx->ref + 4096, 4096));
}

/* Bytes a token of @nr ranges and no pages is charged. */
static unsigned long bare_cost(u32 nr)
{
	return kmalloc_size_roundup(sizeof(struct odx_tok)) +
	       kmalloc_size_roundup(nr * sizeof(struct odx_tok_range));
}

static void odx_tok_account_test(struct kunit *test)
{
	struct tok_ctx *ctx = test->priv;
	struct odx_data_set_range *r, w[2] = { { 0, 16384 }, { 4096, 16384 } };
	struct odx_offload_read_output out, keep;
	unsigned long pinned = odx_tokens_pinned_pages(), held;
	struct odx_tok *tok;
	int i;

	r = kunit_kcalloc(test, 64, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	/* 64 overlapping 64 KiB ranges over holes: no memory per page. */
	for (i = 0; i < 64; i++) {
		r[i].starting_offset = i * 4096;
		r[i].length_in_bytes = SZ_64K;
	}
	KUNIT_ASSERT_EQ(test, 0, mint(ctx, r, 64, 0, &out));
	KUNIT_EXPECT_EQ(test, bare_cost(64), atomic_long_read(&ctx->src.s.token_bytes));
	KUNIT_ASSERT_EQ(test, 0, odx_token_get(&out.token, &ctx->src.s, false, &tok));
	KUNIT_EXPECT_EQ(test, 0UL, tok->nr_exts);
	KUNIT_EXPECT_EQ(test, 0UL, tok->pinned);
	KUNIT_EXPECT_NULL(test, tok->pages);
	KUNIT_EXPECT_EQ(test, (u64)SZ_4M, tok->length);
	odx_token_put(tok);
	KUNIT_ASSERT_EQ(test, 0, odx_token_release(&out.token));
	KUNIT_EXPECT_EQ(test, 0L, atomic_long_read(&ctx->src.s.token_bytes));

	/* Overlapping ranges over data: each page pinned and charged once. */
	pattern(ctx->buf, 16384, 3);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(&ctx->src.store, 0, ctx->buf, 16384,
						 GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, 0, mint(ctx, w, 2, 0, &out));
	KUNIT_ASSERT_EQ(test, 0, odx_token_get(&out.token, &ctx->src.s, false, &tok));
	KUNIT_EXPECT_EQ(test, 4UL, tok->pinned);	/* page 4 is a hole */
	KUNIT_EXPECT_EQ(test, 1UL, tok->nr_exts);
	KUNIT_EXPECT_EQ(test, 4UL, READ_ONCE(ctx->src.s.stats.token_pages));
	KUNIT_EXPECT_EQ(test, pinned + 4, odx_tokens_pinned_pages());
	held = atomic_long_read(&ctx->src.s.token_bytes);
	KUNIT_EXPECT_EQ(test, tok->charge, held);
	KUNIT_EXPECT_GE(test, held, bare_cost(2) + 4 * PAGE_SIZE + 4 * sizeof(void *) +
			sizeof(struct odx_tok_ext));
	KUNIT_EXPECT_LE(test, held, bare_cost(2) + 4 * PAGE_SIZE + 1024);
	odx_token_put(tok);

	/* The budget: refused with EDQUOT, nothing kept, another device unaffected. */
	ctx->src.s.token_bytes_max = held + bare_cost(2) + PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, -EDQUOT, mint(ctx, w, 2, 0, &keep));
	KUNIT_EXPECT_EQ(test, held, atomic_long_read(&ctx->src.s.token_bytes));
	KUNIT_EXPECT_EQ(test, pinned + 4, odx_tokens_pinned_pages());
	KUNIT_EXPECT_EQ(test, 1UL, READ_ONCE(ctx->src.s.stats.tokens_live));
	/* Holes still fit. */
	KUNIT_EXPECT_EQ(test, 0, mint(ctx, &r[16], 1, 0, &keep));
	memset(&keep, 0, sizeof(keep));
	KUNIT_EXPECT_EQ(test, 0, odx_token_mint(&ctx->dst.s, w, 2, 0, &keep));
	KUNIT_EXPECT_GT(test, atomic_long_read(&ctx->dst.s.token_bytes), 0L);
	ctx->src.s.token_bytes_max = 0;
	KUNIT_EXPECT_EQ(test, -EDQUOT, mint(ctx, &r[16], 1, 0, &keep));

	/* Everything comes back when the tokens end. */
	KUNIT_EXPECT_EQ(test, 2UL, odx_tokens_revoke(&ctx->src.s));
	KUNIT_EXPECT_EQ(test, 0L, atomic_long_read(&ctx->src.s.token_bytes));
	KUNIT_EXPECT_EQ(test, 0UL, READ_ONCE(ctx->src.s.stats.token_pages));
	KUNIT_EXPECT_EQ(test, 1UL, odx_tokens_revoke(&ctx->dst.s));
	KUNIT_EXPECT_EQ(test, 0L, atomic_long_read(&ctx->dst.s.token_bytes));
	KUNIT_EXPECT_EQ(test, pinned, odx_tokens_pinned_pages());
}

static void odx_tok_runs_test(struct kunit *test)
{
	struct tok_ctx *ctx = test->priv;
	/* Pages 0-1, 3 and 5-7 written; 2 and 4 holes; 8 on, holes. */
	static const u8 present[] = { 1, 1, 0, 1, 0, 1, 1, 1, 0, 0 };
	static const unsigned long run[] = { 2, 1, 1, 1, 1, 3, 2, 1, ULONG_MAX, ULONG_MAX };
	struct odx_data_set_range r[2] = { { 5 * 4096, 5 * 4096 }, { 0, 6 * 4096 } };
	struct odx_offload_read_output out;
	struct odx_chunk *chunk;
	struct odx_tok *tok;
	struct page **p;
	unsigned long nr;
	pgoff_t i;

	for (i = 0; i < ARRAY_SIZE(present); i++) {
		if (!present[i])
			continue;
		pattern(ctx->buf, 4096, i);
		KUNIT_ASSERT_EQ(test, 0, odx_store_write(&ctx->src.store, i * 4096,
							 ctx->buf, 4096, GFP_KERNEL));
	}
	KUNIT_ASSERT_EQ(test, 0, mint(ctx, r, 2, 0, &out));
	KUNIT_ASSERT_EQ(test, 0, odx_token_get(&out.token, &ctx->src.s, false, &tok));
	KUNIT_EXPECT_EQ(test, 3UL, tok->nr_exts);
	KUNIT_EXPECT_EQ(test, 6UL, tok->pinned);
	for (i = 0; i < ARRAY_SIZE(present); i++) {
		p = odx_tok_lookup(tok, i, &nr, &chunk);
		KUNIT_EXPECT_EQ_MSG(test, (bool)present[i], !!p, "page %lu", i);
		KUNIT_EXPECT_EQ_MSG(test, run[i], nr, "page %lu", i);
		if (p) {
			pattern(ctx->ref, 4096, i);
			KUNIT_EXPECT_EQ_MSG(test, 0, memcmp(page_address(*p), ctx->ref, 4096),
					    "page %lu", i);
		}
	}
	odx_token_put(tok);
}

/* Which pages odx_tok_runs_steps_test() writes: runs across steps and groups. */
static bool runs_present(pgoff_t i)
{
	return i != 63 && i != 130 && i != 191 && i != 192 && (i < 200 || i >= 240) &&
	       i != 250;
}

/*
 * A token's runs where the mint's 64-page steps and the store's groups end: a
 * run across several steps, holes at a step's first and last page, a run of
 * holes longer than a step. Each page is looked up against a model.
 */
static void odx_tok_runs_steps_test(struct kunit *test)
{
	struct tok_ctx *ctx = test->priv;
	struct odx_data_set_range r = { 1 * 4096, 252 * 4096 };	/* pages 1-252 */
	struct odx_offload_read_output out;
	unsigned long nr, want, pinned = 0;
	struct odx_chunk *chunk;
	struct odx_tok *tok;
	struct page **p;
	pgoff_t i, j;

	for (i = 0; i < 256; i++) {
		if (!runs_present(i))
			continue;
		pattern(ctx->buf, 4096, i);
		KUNIT_ASSERT_EQ(test, 0, odx_store_write(&ctx->src.store, i * 4096,
							 ctx->buf, 4096, GFP_KERNEL));
	}
	KUNIT_ASSERT_EQ(test, 0, mint(ctx, &r, 1, 0, &out));
	KUNIT_ASSERT_EQ(test, 0, odx_token_get(&out.token, &ctx->src.s, false, &tok));
	/* Runs 1-62, 64-129, 131-190, 193-199, 240-249, 251-252. */
	KUNIT_EXPECT_EQ(test, 6UL, tok->nr_exts);
	for (i = 1; i <= 252; i++) {
		pinned += runs_present(i);
		/* The model: pages of the same kind from i on, within the token. */
		for (j = i; j <= 252 && runs_present(j) == runs_present(i); j++)
			;
		want = !runs_present(i) && j > 252 ? ULONG_MAX : j - i;
		p = odx_tok_lookup(tok, i, &nr, &chunk);
		KUNIT_EXPECT_EQ_MSG(test, runs_present(i), !!p, "page %lu", i);
		KUNIT_EXPECT_EQ_MSG(test, want, nr, "page %lu", i);
		if (p) {
			pattern(ctx->ref, 4096, i);
			KUNIT_EXPECT_EQ_MSG(test, 0, memcmp(page_address(*p), ctx->ref, 4096),
					    "page %lu", i);
		}
	}
	KUNIT_EXPECT_EQ(test, pinned, tok->pinned);
	odx_token_put(tok);
}

/* Which source pages odx_tok_chunks_test() writes: holes inside chunks too. */
static bool chunks_present(pgoff_t i)
{
	return i % 5 != 3;
}

/*
 * Do the @npages pages of @store from byte @pos hold source pages @first on
 * (chunks_present(), pattern by index)?
 */
static bool holds_source(struct kunit *test, struct odx_store *store, u64 pos,
			 pgoff_t first, unsigned long npages)
{
	struct tok_ctx *ctx = test->priv;
	unsigned long i;

	for (i = 0; i < npages; i++) {
		if (chunks_present(first + i))
			pattern(ctx->ref, PAGE_SIZE, (first + i) * 3);
		else
			memset(ctx->ref, 0, PAGE_SIZE);
		odx_store_read(store, pos + i * PAGE_SIZE, ctx->buf, PAGE_SIZE);
		if (memcmp(ctx->buf, ctx->ref, PAGE_SIZE)) {
			kunit_info(test, "page %lu of the copy (source page %lu) differs",
				   i, first + i);
			return false;
		}
	}
	return true;
}

/*
 * Copy all of @tok (source pages @first on, @npages, @held of them present) to
 * an emptied destination at byte @pos: all copied, every present page shared,
 * the source read back, the destination holding exactly those pages.
 */
static void copy_whole(struct kunit *test, struct odx_tok *tok, u64 pos, pgoff_t first,
		       unsigned long npages, unsigned long held)
{
	struct tok_ctx *ctx = test->priv;
	struct odx_data_set_range d = { pos, npages * PAGE_SIZE };
	u64 copied, shared;

	KUNIT_ASSERT_EQ(test, 0, odx_store_zero(&ctx->dst.store, 0, TOK_DEV_BYTES, GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, 0, odx_copy(tok, 0, &ctx->dst.store, true, &d, 1, U64_MAX,
					  &copied, &shared));
	KUNIT_EXPECT_EQ(test, d.length_in_bytes, copied);
	KUNIT_EXPECT_EQ(test, (u64)held * PAGE_SIZE, shared);
	KUNIT_EXPECT_TRUE(test, holds_source(test, &ctx->dst.store, pos, first, npages));
	KUNIT_EXPECT_EQ(test, held, odx_store_nr_pages(&ctx->dst.store));
}

/*
 * A token over partial chunks: the pages at its edges one by one, the whole
 * chunks between by one share each. Copies to a place where chunks meet chunks
 * map them whole; copies a page or 512 bytes off share pages or copy bytes.
 * Every copy reads back the source, holes inside chunks included.
 */
static void odx_tok_chunks_test(struct kunit *test)
{
	struct tok_ctx *ctx = test->priv;
	const pgoff_t first = 100, last = 3 * ODX_CHUNK_PAGES + 20;
	const unsigned long npages = last - first + 1;
	struct odx_data_set_range r = { first * PAGE_SIZE, npages * PAGE_SIZE };
	struct odx_data_set_range d = r;
	unsigned long nr, held = 0, edges = 0;
	struct odx_offload_read_output out;
	struct odx_chunk *chunk;
	struct odx_tok *tok;
	u64 copied, shared;
	pgoff_t i;

	for (i = 0; i < 4 * ODX_CHUNK_PAGES; i++) {
		if (!chunks_present(i))
			continue;
		pattern(ctx->buf, PAGE_SIZE, i * 3);
		KUNIT_ASSERT_EQ(test, 0, odx_store_write(&ctx->src.store, i * PAGE_SIZE,
							 ctx->buf, PAGE_SIZE, GFP_KERNEL));
	}
	for (i = first; i <= last; i++) {
		held += chunks_present(i);
		/* Pages outside chunks 1 and 2 are pinned one by one. */
		if (i < ODX_CHUNK_PAGES || i >= 3 * ODX_CHUNK_PAGES)
			edges += chunks_present(i);
	}
	KUNIT_ASSERT_EQ(test, 0, mint(ctx, &r, 1, 0, &out));
	KUNIT_ASSERT_EQ(test, 0, odx_token_get(&out.token, &ctx->dst.s, true, &tok));
	KUNIT_EXPECT_EQ(test, held, tok->held);
	KUNIT_EXPECT_EQ(test, edges, tok->pinned);
	for (i = first; i <= last; i++) {
		odx_tok_lookup(tok, i, &nr, &chunk);
		KUNIT_EXPECT_EQ_MSG(test, i >= ODX_CHUNK_PAGES && i < 3 * ODX_CHUNK_PAGES,
				    !!chunk, "page %lu", i);
		if (chunk)
			KUNIT_EXPECT_PTR_EQ_MSG(test, chunk,
						xa_load(&ctx->src.store.chunks,
							i >> ODX_CHUNK_SHIFT), "page %lu", i);
	}

	/* Chunks meet chunks: mapped whole, and read back. */
	copy_whole(test, tok, d.starting_offset, first, npages, held);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&ctx->src.store.chunks, 1),
			    xa_load(&ctx->dst.store.chunks, 1));
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&ctx->src.store.chunks, 2),
			    xa_load(&ctx->dst.store.chunks, 2));

	/* A page off: pages shared one by one, holes kept. */
	copy_whole(test, tok, (first + 1) * PAGE_SIZE, first, npages, held);
	KUNIT_EXPECT_PTR_NE(test, xa_load(&ctx->src.store.chunks, 1),
			    xa_load(&ctx->dst.store.chunks, 1));

	/* 512 bytes off, from a token offset inside a chunk: bytes copied. */
	KUNIT_ASSERT_EQ(test, 0, odx_store_zero(&ctx->dst.store, 0, TOK_DEV_BYTES, GFP_KERNEL));
	d.starting_offset = 512;
	d.length_in_bytes = 64 * PAGE_SIZE;
	KUNIT_ASSERT_EQ(test, 0, odx_copy(tok, (ODX_CHUNK_PAGES - first + 7) * PAGE_SIZE,
					  &ctx->dst.store, true, &d, 1, U64_MAX, &copied,
					  &shared));
	KUNIT_EXPECT_EQ(test, d.length_in_bytes, copied);
	KUNIT_EXPECT_EQ(test, 0ULL, shared);
	KUNIT_EXPECT_TRUE(test, holds_source(test, &ctx->dst.store, 512,
					     ODX_CHUNK_PAGES + 7, 64));

	/* The source changes under the token: every copy keeps the minted data. */
	memset(ctx->buf, 0xee, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(&ctx->src.store, ODX_CHUNK_BYTES + PAGE_SIZE,
						 ctx->buf, PAGE_SIZE, GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, 0, odx_store_zero(&ctx->src.store, 2 * ODX_CHUNK_BYTES,
						ODX_CHUNK_BYTES, GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, 0, odx_store_zero(&ctx->dst.store, 0, TOK_DEV_BYTES, GFP_KERNEL));
	d = r;
	KUNIT_ASSERT_EQ(test, 0, odx_copy(tok, 0, &ctx->dst.store, true, &d, 1, U64_MAX,
					  &copied, &shared));
	KUNIT_EXPECT_TRUE(test, holds_source(test, &ctx->dst.store, d.starting_offset,
					     first, npages));
	odx_token_put(tok);
	KUNIT_ASSERT_EQ(test, 0, odx_token_release(&out.token));
	KUNIT_EXPECT_TRUE(test, holds_source(test, &ctx->dst.store, d.starting_offset,
					     first, npages));
}

/* A peek (a write that will not happen) leaves the inactivity timer alone. */
static void odx_tok_peek_test(struct kunit *test)
{
	struct tok_ctx *ctx = test->priv;
	struct odx_data_set_range r = { 0, 512 };
	struct odx_offload_read_output a, b;
	struct odx_tok *tok;

	KUNIT_ASSERT_EQ(test, 0, mint(ctx, &r, 1, 1000, &a));
	KUNIT_ASSERT_EQ(test, 0, mint(ctx, &r, 1, 1000, &b));
	msleep(600);
	/* Both still live; a is used, b only looked at. */
	KUNIT_ASSERT_EQ(test, 0, odx_token_get(&a.token, &ctx->src.s, false, &tok));
	odx_token_put(tok);
	KUNIT_ASSERT_EQ(test, 0, odx_token_peek(&b.token, &ctx->src.s, false, &tok));
	odx_token_put(tok);
	/* Other refusals are the same as a use's. */
	KUNIT_EXPECT_EQ(test, -EXDEV, odx_token_peek(&b.token, &ctx->dst.s, false, &tok));
	msleep(600);
	/* 1.2 s after minting: b's 1 s ran out, a's was renewed at 0.6 s (slack: 0.4 s). */
	KUNIT_EXPECT_EQ(test, -EKEYREJECTED, odx_token_peek(&b.token, &ctx->src.s, false, &tok));
	KUNIT_ASSERT_EQ(test, 0, odx_token_peek(&a.token, &ctx->src.s, false, &tok));
	odx_token_put(tok);
}

static void odx_tok_lifetime_test(struct kunit *test)
{
	struct tok_ctx *ctx = test->priv;
	struct odx_data_set_range r = { 0, 512 };
	struct odx_offload_read_output a, b;
	struct odx_tok *tok;
	int i, seq = 0;

	/* Releasing an expired token that is not reaped yet: invalid. */
	KUNIT_ASSERT_EQ(test, 0, mint(ctx, &r, 1, 20, &a));
	msleep(60);
	KUNIT_EXPECT_EQ(test, -EKEYREJECTED, odx_token_release(&a.token));
	KUNIT_EXPECT_EQ(test, ODX_FATE_EXPIRED, odx_token_fate(&a.token));
	KUNIT_EXPECT_EQ(test, 0LL, atomic64_read(&ctx->src.s.stats.tokens_released));
	KUNIT_EXPECT_EQ(test, 1LL, atomic64_read(&ctx->src.s.stats.tokens_expired));

	/* The age cap ends a token however often it is used. */
	ctx->src.s.token_age_max_ms = 200;
	KUNIT_ASSERT_EQ(test, 0, mint(ctx, &r, 1, 60000, &a));
	ctx->src.s.token_age_max_ms = 0;
	KUNIT_ASSERT_EQ(test, 0, mint(ctx, &r, 1, 60000, &b));
	for (i = 0; i < 5; i++) {
		msleep(30);
		KUNIT_ASSERT_EQ(test, 0, odx_token_get(&a.token, &ctx->src.s, false, &tok));
		odx_token_put(tok);
	}
	msleep(200);
	KUNIT_EXPECT_EQ(test, -EKEYREJECTED, odx_token_get(&a.token, &ctx->src.s, false, &tok));
	KUNIT_EXPECT_EQ(test, ODX_FATE_EXPIRED, odx_token_fate(&a.token));
	KUNIT_ASSERT_EQ(test, 0, odx_token_get(&b.token, &ctx->src.s, false, &tok));
	odx_token_put(tok);

	/* Revocation says how many; identifiers are no counter. */
	for (i = 0; i < 16; i++) {
		u64 prev = get_unaligned_be64(b.token.token);

		KUNIT_ASSERT_EQ(test, 0, mint(ctx, &r, 1, 0, &b));
		if (get_unaligned_be64(b.token.token) - prev < 1024)
			seq++;
	}
	KUNIT_EXPECT_EQ(test, 0, seq);
	KUNIT_EXPECT_EQ(test, 17UL, odx_tokens_revoke(&ctx->src.s));
	KUNIT_EXPECT_EQ(test, 0UL, odx_tokens_revoke(&ctx->src.s));
	KUNIT_EXPECT_EQ(test, ODX_FATE_REVOKED, odx_token_fate(&b.token));
}

/* The reaper and revocation work in batches, dropping the lock between them. */
static void odx_tok_batches_test(struct kunit *test)
{
	struct tok_ctx *ctx = test->priv;
	struct odx_data_set_range r = { 0, 512 };
	struct odx_offload_read_output out;
	s64 expired = atomic64_read(&ctx->src.s.stats.tokens_expired);
	int i;

	/* More than a batch (256) of each kind, interleaved. */
	for (i = 0; i < 700; i++)
		KUNIT_ASSERT_EQ(test, 0, mint(ctx, &r, 1, i % 2 ? 60000 : 1, &out));
	msleep(20);
	odx_tokens_reap(false);
	KUNIT_EXPECT_EQ(test, 350LL, atomic64_read(&ctx->src.s.stats.tokens_expired) - expired);
	KUNIT_EXPECT_EQ(test, 350UL, READ_ONCE(ctx->src.s.stats.tokens_live));
	/* A second walk finds nothing more to do. */
	odx_tokens_reap(false);
	KUNIT_EXPECT_EQ(test, 350UL, READ_ONCE(ctx->src.s.stats.tokens_live));
	KUNIT_EXPECT_EQ(test, 350UL, odx_tokens_revoke(&ctx->src.s));
	KUNIT_EXPECT_EQ(test, 0UL, READ_ONCE(ctx->src.s.stats.tokens_live));
	KUNIT_EXPECT_EQ(test, 0L, atomic_long_read(&ctx->src.s.token_bytes));
}

static struct kunit_case odx_token_cases[] = {
	KUNIT_CASE(odx_tok_mint_lookup_test),
	KUNIT_CASE(odx_tok_release_revoke_test),
	KUNIT_CASE_SLOW(odx_tok_expiry_test),
	KUNIT_CASE(odx_tok_limits_test),
	KUNIT_CASE(odx_tok_point_in_time_test),
	KUNIT_CASE(odx_tok_overlap_test),
	KUNIT_CASE(odx_tok_share_test),
	KUNIT_CASE(odx_tok_account_test),
	KUNIT_CASE(odx_tok_runs_test),
	KUNIT_CASE(odx_tok_runs_steps_test),
	KUNIT_CASE(odx_tok_chunks_test),
	KUNIT_CASE(odx_tok_peek_test),
	KUNIT_CASE_SLOW(odx_tok_lifetime_test),
	KUNIT_CASE(odx_tok_batches_test),
	{}
};

static struct kunit_suite odx_token_suite = {
	.name = "odx_token",
	.init = odx_tok_init,
	.exit = odx_tok_exit,
	.test_cases = odx_token_cases,
};

kunit_test_suites(&odx_parse_suite, &odx_token_suite);
