// SPDX-License-Identifier: GPL-2.0
/*
 * odx KUnit suites: the backing store and device-parameter validation.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "odx_core.h"
#include "odx_dev.h"

/*
 * A store, a second store for the sharing cases (the destination of an offload
 * write; @store is then the source) and two scratch buffers of 4 pages each.
 * A case that destroys a store itself clears its *_live flag.
 */
struct odx_store_ctx {
	struct odx_store store;
	struct odx_store peer;
	bool store_live;
	bool peer_live;
	u8 *buf;
	u8 *ref;
};

#define CTX_BYTES	(4 * PAGE_SIZE)

static int odx_store_test_init(struct kunit *test)
{
	struct odx_store_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->buf = kunit_kzalloc(test, CTX_BYTES, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->buf);
	ctx->ref = kunit_kzalloc(test, CTX_BYTES, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->ref);
	odx_store_init(&ctx->store);
	odx_store_init(&ctx->peer);
	ctx->store_live = true;
	ctx->peer_live = true;
	test->priv = ctx;
	return 0;
}

static void odx_store_test_exit(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;

	if (ctx->store_live)
		odx_store_destroy(&ctx->store);
	if (ctx->peer_live)
		odx_store_destroy(&ctx->peer);
}

static void fill_pattern(u8 *p, size_t len, u8 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (u8)(seed + i * 7 + (i >> 9));
}

static void odx_store_sparse_read_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;

	memset(ctx->buf, 0xaa, CTX_BYTES);
	KUNIT_ASSERT_EQ(test, 0, odx_store_read(&ctx->store, 12345 * PAGE_SIZE + 17,
						ctx->buf, CTX_BYTES - 17));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(ctx->buf, 0, CTX_BYTES - 17));
	KUNIT_EXPECT_EQ(test, 0UL, odx_store_nr_pages(&ctx->store));
}

static void odx_store_boundary_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;
	/* Offsets and lengths straddling page boundaries. */
	static const struct { u64 pos; size_t len; } cases[] = {
		{ 0, 512 }, { PAGE_SIZE - 512, 1024 }, { PAGE_SIZE - 1, 2 },
		{ 3 * PAGE_SIZE - 7, PAGE_SIZE + 14 }, { 5 * PAGE_SIZE, 3 * PAGE_SIZE },
		{ 9 * PAGE_SIZE + 100, 2 * PAGE_SIZE },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		fill_pattern(ctx->ref, cases[i].len, i + 1);
		KUNIT_ASSERT_EQ(test, 0, odx_store_write(&ctx->store, cases[i].pos,
							 ctx->ref, cases[i].len,
							 GFP_KERNEL));
		memset(ctx->buf, 0, CTX_BYTES);
		KUNIT_ASSERT_EQ(test, 0, odx_store_read(&ctx->store, cases[i].pos,
							ctx->buf, cases[i].len));
		KUNIT_EXPECT_EQ_MSG(test, 0, memcmp(ctx->buf, ctx->ref, cases[i].len),
				    "case %u", i);
	}
	/* The bytes around the last write stay zero. */
	KUNIT_ASSERT_EQ(test, 0, odx_store_read(&ctx->store, 9 * PAGE_SIZE, ctx->buf, 100));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(ctx->buf, 0, 100));
	KUNIT_ASSERT_EQ(test, 0, odx_store_read(&ctx->store, 11 * PAGE_SIZE + 100,
						ctx->buf, PAGE_SIZE - 100));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(ctx->buf, 0, PAGE_SIZE - 100));
	/* Pages 0-7 and 9-11: page 8 was never written. */
	KUNIT_EXPECT_EQ(test, 11UL, odx_store_nr_pages(&ctx->store));
}

static void odx_store_zero_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;

	fill_pattern(ctx->ref, CTX_BYTES, 3);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(&ctx->store, 0, ctx->ref, CTX_BYTES,
						 GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, 4UL, odx_store_nr_pages(&ctx->store));

	/* From 512 bytes into page 0 to 512 bytes into page 3. */
	KUNIT_ASSERT_EQ(test, 0, odx_store_zero(&ctx->store, 512, 3 * PAGE_SIZE,
						GFP_KERNEL));
	memset(ctx->ref + 512, 0, 3 * PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, 0, odx_store_read(&ctx->store, 0, ctx->buf, CTX_BYTES));
	KUNIT_EXPECT_EQ(test, 0, memcmp(ctx->buf, ctx->ref, CTX_BYTES));
	/* Whole pages 1 and 2 were freed; partial pages 0 and 3 were zeroed. */
	KUNIT_EXPECT_EQ(test, 2UL, odx_store_nr_pages(&ctx->store));

	/* Zeroing a hole allocates nothing. */
	KUNIT_ASSERT_EQ(test, 0, odx_store_zero(&ctx->store, PAGE_SIZE + 8, 16,
						GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, 2UL, odx_store_nr_pages(&ctx->store));
}

static void odx_store_cow_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;
	struct page *held, *now;

	fill_pattern(ctx->ref, PAGE_SIZE, 5);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(&ctx->store, PAGE_SIZE, ctx->ref,
						 PAGE_SIZE, GFP_KERNEL));
	/* Another holder (a token, another device) takes the page. */
	held = odx_store_get_page_locked(&ctx->store, 1);
	KUNIT_ASSERT_NOT_NULL(test, held);
	KUNIT_EXPECT_EQ(test, 2, odx_page_shares(held));

	/* A partial write and a partial zero go to a copy. */
	memset(ctx->buf, 0x5a, 100);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(&ctx->store, PAGE_SIZE + 10, ctx->buf,
						 100, GFP_KERNEL));
	now = odx_store_get_page(&ctx->store, 1);
	KUNIT_ASSERT_NOT_NULL(test, now);
	KUNIT_EXPECT_PTR_NE(test, held, now);
	odx_page_put(now);
	/* The store drops its reference on the replaced page after a grace period. */
	odx_store_barrier();
	KUNIT_EXPECT_EQ(test, 1, odx_page_shares(held));
	KUNIT_EXPECT_EQ(test, 0, memcmp(page_address(held), ctx->ref, PAGE_SIZE));

	KUNIT_ASSERT_EQ(test, 0, odx_store_read(&ctx->store, PAGE_SIZE, ctx->buf,
						PAGE_SIZE));
	memset(ctx->ref + 10, 0x5a, 100);
	KUNIT_EXPECT_EQ(test, 0, memcmp(ctx->buf, ctx->ref, PAGE_SIZE));

	/* The copy is the store's alone: the next write goes in place. */
	now = odx_store_get_page(&ctx->store, 1);
	KUNIT_ASSERT_NOT_NULL(test, now);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(&ctx->store, PAGE_SIZE, ctx->buf, 8,
						 GFP_KERNEL));
	odx_page_put(now);
	odx_page_put(held);
	KUNIT_EXPECT_EQ(test, 1UL, odx_store_nr_pages(&ctx->store));
}

static void odx_store_cow_zero_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;
	struct page *held;

	fill_pattern(ctx->ref, 2 * PAGE_SIZE, 9);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(&ctx->store, 0, ctx->ref,
						 2 * PAGE_SIZE, GFP_KERNEL));
	held = odx_store_get_page_locked(&ctx->store, 0);
	KUNIT_ASSERT_NOT_NULL(test, held);

	/* Discarding the whole shared page drops only the store's reference. */
	KUNIT_ASSERT_EQ(test, 0, odx_store_zero(&ctx->store, 0, PAGE_SIZE, GFP_KERNEL));
	odx_store_barrier();
	KUNIT_EXPECT_EQ(test, 1, odx_page_shares(held));
	KUNIT_EXPECT_EQ(test, 0, memcmp(page_address(held), ctx->ref, PAGE_SIZE));
	KUNIT_ASSERT_EQ(test, 0, odx_store_read(&ctx->store, 0, ctx->buf, PAGE_SIZE));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(ctx->buf, 0, PAGE_SIZE));
	odx_page_put(held);

	/* Zeroing part of a shared page copies it first. */
	held = odx_store_get_page_locked(&ctx->store, 1);
	KUNIT_ASSERT_NOT_NULL(test, held);
	KUNIT_ASSERT_EQ(test, 0, odx_store_zero(&ctx->store, PAGE_SIZE + 1024, 512,
						GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, 0, memcmp(page_address(held), ctx->ref + PAGE_SIZE,
					PAGE_SIZE));
	KUNIT_ASSERT_EQ(test, 0, odx_store_read(&ctx->store, PAGE_SIZE, ctx->buf,
						PAGE_SIZE));
	memset(ctx->ref + PAGE_SIZE + 1024, 0, 512);
	KUNIT_EXPECT_EQ(test, 0, memcmp(ctx->buf, ctx->ref + PAGE_SIZE, PAGE_SIZE));
	odx_page_put(held);
}

/* ---- Shared pages: copy-on-write between two stores -------------------- */

/*
 * The sharing cases model an offload write: @store is the source device, a page
 * reference taken with odx_store_get_page_locked() stands for the token, and
 * odx_store_share_page() maps the token's page into @peer, the destination.
 */

/* A page of known data: every (seed, idx) gives different bytes. */
static void page_pattern(u8 *p, u8 seed, unsigned long idx)
{
	u32 h = hash_32(seed * 65537U + (u32)idx, 32);
	size_t i;

	for (i = 0; i < PAGE_SIZE; i++)
		p[i] = (u8)(h >> ((i & 3) * 8)) ^ (u8)(i * 7 + (i >> 8));
}

/* Write pattern (seed, index) into pages [first, first + nr) of @s. */
static void store_fill(struct kunit *test, struct odx_store *s, pgoff_t first,
		       unsigned long nr, u8 seed)
{
	struct odx_store_ctx *ctx = test->priv;
	unsigned long i;

	for (i = 0; i < nr; i++) {
		page_pattern(ctx->ref, seed, first + i);
		KUNIT_ASSERT_EQ(test, 0, odx_store_write(s, (u64)(first + i) << PAGE_SHIFT,
							 ctx->ref, PAGE_SIZE, GFP_KERNEL));
	}
}

/* Does page @index of @s hold pattern (seed, pat)? */
static bool page_is(struct kunit *test, struct odx_store *s, pgoff_t index, u8 seed,
		    unsigned long pat)
{
	struct odx_store_ctx *ctx = test->priv;

	page_pattern(ctx->ref, seed, pat);
	odx_store_read(s, (u64)index << PAGE_SHIFT, ctx->buf, PAGE_SIZE);
	return !memcmp(ctx->buf, ctx->ref, PAGE_SIZE);
}

/* Does page @index of @s read as zeros? */
static bool page_is_zero(struct kunit *test, struct odx_store *s, pgoff_t index)
{
	struct odx_store_ctx *ctx = test->priv;

	memset(ctx->buf, 0xaa, PAGE_SIZE);
	odx_store_read(s, (u64)index << PAGE_SHIFT, ctx->buf, PAGE_SIZE);
	return !memchr_inv(ctx->buf, 0, PAGE_SIZE);
}

/* Do the @len bytes of @s at @pos equal @want? (@len at most 2 pages.) */
static bool store_holds(struct kunit *test, struct odx_store *s, u64 pos,
			const u8 *want, size_t len)
{
	struct odx_store_ctx *ctx = test->priv;

	odx_store_read(s, pos, ctx->buf, len);
	return !memcmp(ctx->buf, want, len);
}

/* The page in slot @index of @s (NULL for a hole); for comparisons only. */
static struct page *slot_page(struct odx_store *s, pgoff_t index)
{
	struct page *page = odx_store_get_page(s, index);

	if (page)
		odx_page_put(page);
	return page;
}

/*
 * References on the page in slot @index of @s (after odx_store_barrier(), so
 * that no release is pending), besides the one this takes; 0 for a hole.
 */
static int slot_refs(struct odx_store *s, pgoff_t index)
{
	struct page *page;
	int refs;

	odx_store_barrier();
	page = odx_store_get_page(s, index);
	if (!page)
		return 0;
	refs = odx_page_shares(page) - 1;
	odx_page_put(page);
	return refs;
}

/*
 * An offload write of whole pages: take the source pages [sfirst, sfirst + nr)
 * as a token does, map them into @dst from @dfirst, drop the token.
 */
static void share_range(struct kunit *test, struct odx_store *src, pgoff_t sfirst,
			struct odx_store *dst, pgoff_t dfirst, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		struct page *page = odx_store_get_page_locked(src, sfirst + i);

		KUNIT_ASSERT_NOT_NULL(test, page);
		KUNIT_EXPECT_EQ(test, 0, odx_store_share_page(dst, dfirst + i, page));
		odx_page_put(page);
	}
}

/* Both stores read a shared page and count it; it is one page with two holders. */
static void odx_store_share_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;
	struct odx_store *src = &ctx->store, *dst = &ctx->peer;
	u8 *want = ctx->ref + 2 * PAGE_SIZE;
	unsigned long i;

	store_fill(test, src, 0, 3, 1);
	share_range(test, src, 0, dst, 10, 3);
	KUNIT_EXPECT_EQ(test, 3UL, odx_store_nr_pages(src));
	KUNIT_EXPECT_EQ(test, 3UL, odx_store_nr_pages(dst));
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_TRUE_MSG(test, page_is(test, src, i, 1, i), "source page %lu", i);
		KUNIT_EXPECT_TRUE_MSG(test, page_is(test, dst, 10 + i, 1, i),
				      "destination page %lu", 10 + i);
		KUNIT_EXPECT_PTR_EQ(test, slot_page(src, i), slot_page(dst, 10 + i));
		KUNIT_EXPECT_EQ(test, 2, slot_refs(src, i));
	}
	KUNIT_EXPECT_NULL(test, slot_page(dst, 9));
	KUNIT_EXPECT_NULL(test, slot_page(dst, 13));
	KUNIT_EXPECT_TRUE(test, page_is_zero(test, dst, 9));
	KUNIT_EXPECT_TRUE(test, page_is_zero(test, dst, 13));

	/* Shared within one store, at another index (a copy within a device). */
	share_range(test, src, 0, src, 5, 1);
	KUNIT_EXPECT_EQ(test, 4UL, odx_store_nr_pages(src));
	KUNIT_EXPECT_TRUE(test, page_is(test, src, 5, 1, 0));
	KUNIT_EXPECT_EQ(test, 3, slot_refs(src, 0));

	/* A write through one of the three mappings changes only that one. */
	page_pattern(want, 1, 0);
	memset(want + 100, 0x77, 10);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(src, 5 * PAGE_SIZE + 100, want + 100, 10,
						 GFP_KERNEL));
	KUNIT_EXPECT_TRUE(test, store_holds(test, src, 5 * PAGE_SIZE, want, PAGE_SIZE));
	KUNIT_EXPECT_TRUE(test, page_is(test, src, 0, 1, 0));
	KUNIT_EXPECT_TRUE(test, page_is(test, dst, 10, 1, 0));
	KUNIT_EXPECT_EQ(test, 2, slot_refs(src, 0));
	KUNIT_EXPECT_EQ(test, 1, slot_refs(src, 5));
	KUNIT_EXPECT_EQ(test, 4UL, odx_store_nr_pages(src));
	KUNIT_EXPECT_EQ(test, 3UL, odx_store_nr_pages(dst));
}

/* Writes to the source go to copies; the destination keeps the old data. */
static void odx_store_share_write_source_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;
	struct odx_store *src = &ctx->store, *dst = &ctx->peer;
	u8 *want = ctx->ref + 2 * PAGE_SIZE, *data = ctx->buf + 2 * PAGE_SIZE;
	struct page *page;

	store_fill(test, src, 0, 2, 2);
	share_range(test, src, 0, dst, 0, 2);

	/* All of page 0, 100 bytes inside page 1. */
	memset(data, 0xc3, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(src, 0, data, PAGE_SIZE, GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(src, PAGE_SIZE + 1000, data, 100,
						 GFP_KERNEL));
	KUNIT_EXPECT_TRUE(test, page_is(test, dst, 0, 2, 0));
	KUNIT_EXPECT_TRUE(test, page_is(test, dst, 1, 2, 1));
	memset(want, 0xc3, PAGE_SIZE);
	page_pattern(want + PAGE_SIZE, 2, 1);
	memset(want + PAGE_SIZE + 1000, 0xc3, 100);
	KUNIT_EXPECT_TRUE(test, store_holds(test, src, 0, want, 2 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, 2UL, odx_store_nr_pages(src));
	KUNIT_EXPECT_EQ(test, 2UL, odx_store_nr_pages(dst));

	/* Each store now holds its own pages, and only it. */
	KUNIT_EXPECT_PTR_NE(test, slot_page(src, 0), slot_page(dst, 0));
	KUNIT_EXPECT_PTR_NE(test, slot_page(src, 1), slot_page(dst, 1));
	KUNIT_EXPECT_EQ(test, 1, slot_refs(src, 0));
	KUNIT_EXPECT_EQ(test, 1, slot_refs(src, 1));
	KUNIT_EXPECT_EQ(test, 1, slot_refs(dst, 0));
	KUNIT_EXPECT_EQ(test, 1, slot_refs(dst, 1));

	/*
	 * So, once no reader of the source can still be copying from them, the
	 * destination's next write goes in place.
	 */
	synchronize_rcu();
	page = slot_page(dst, 1);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(dst, PAGE_SIZE + 5, data, 1, GFP_KERNEL));
	KUNIT_EXPECT_PTR_EQ(test, page, slot_page(dst, 1));
	page_pattern(want + PAGE_SIZE, 2, 1);
	want[PAGE_SIZE + 5] = 0xc3;
	KUNIT_EXPECT_TRUE(test, store_holds(test, dst, PAGE_SIZE, want + PAGE_SIZE, PAGE_SIZE));
}

/* Writes to the destination go to copies; the source keeps its data. */
static void odx_store_share_write_dest_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;
	struct odx_store *src = &ctx->store, *dst = &ctx->peer;
	u8 *want = ctx->ref + 2 * PAGE_SIZE, *data = ctx->buf + 2 * PAGE_SIZE;
	struct page *page;

	store_fill(test, src, 0, 2, 3);
	share_range(test, src, 0, dst, 0, 2);

	/* The last 50 bytes of page 0, all of page 1. */
	memset(data, 0x3c, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(dst, PAGE_SIZE - 50, data, 50, GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(dst, PAGE_SIZE, data, PAGE_SIZE,
						 GFP_KERNEL));
	KUNIT_EXPECT_TRUE(test, page_is(test, src, 0, 3, 0));
	KUNIT_EXPECT_TRUE(test, page_is(test, src, 1, 3, 1));
	page_pattern(want, 3, 0);
	memset(want + PAGE_SIZE - 50, 0x3c, 50 + PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, store_holds(test, dst, 0, want, 2 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, 2UL, odx_store_nr_pages(src));
	KUNIT_EXPECT_EQ(test, 2UL, odx_store_nr_pages(dst));
	KUNIT_EXPECT_EQ(test, 1, slot_refs(src, 0));
	KUNIT_EXPECT_EQ(test, 1, slot_refs(src, 1));
	KUNIT_EXPECT_EQ(test, 1, slot_refs(dst, 0));

	/* The source's pages are its own again: after a grace period, written in place. */
	synchronize_rcu();
	page = slot_page(src, 0);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(src, 7, data, 3, GFP_KERNEL));
	KUNIT_EXPECT_PTR_EQ(test, page, slot_page(src, 0));
	KUNIT_EXPECT_TRUE(test, store_holds(test, dst, 0, want, 2 * PAGE_SIZE));
}

/* A write that covers parts of two shared pages copies both, keeping the rest. */
static void odx_store_share_partial_write_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;
	struct odx_store *src = &ctx->store, *dst = &ctx->peer;
	u8 *want = ctx->ref + 2 * PAGE_SIZE, *data = ctx->buf + 2 * PAGE_SIZE;

	store_fill(test, src, 0, 2, 4);
	share_range(test, src, 0, dst, 0, 2);

	/* 200 bytes across the boundary, in the destination. */
	memset(data, 0x99, 200);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(dst, PAGE_SIZE - 100, data, 200,
						 GFP_KERNEL));
	page_pattern(want, 4, 0);
	page_pattern(want + PAGE_SIZE, 4, 1);
	KUNIT_EXPECT_TRUE(test, store_holds(test, src, 0, want, 2 * PAGE_SIZE));
	memset(want + PAGE_SIZE - 100, 0x99, 200);
	KUNIT_EXPECT_TRUE(test, store_holds(test, dst, 0, want, 2 * PAGE_SIZE));

	/* The first and the last byte, in the source: one byte each is enough. */
	data[0] = 0x11;
	data[1] = 0x22;
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(src, 0, data, 1, GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(src, 2 * PAGE_SIZE - 1, data + 1, 1,
						 GFP_KERNEL));
	KUNIT_EXPECT_TRUE(test, store_holds(test, dst, 0, want, 2 * PAGE_SIZE));
	page_pattern(want, 4, 0);
	page_pattern(want + PAGE_SIZE, 4, 1);
	want[0] = 0x11;
	want[2 * PAGE_SIZE - 1] = 0x22;
	KUNIT_EXPECT_TRUE(test, store_holds(test, src, 0, want, 2 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, 2UL, odx_store_nr_pages(src));
	KUNIT_EXPECT_EQ(test, 2UL, odx_store_nr_pages(dst));
	KUNIT_EXPECT_EQ(test, 1, slot_refs(src, 0));
	KUNIT_EXPECT_EQ(test, 1, slot_refs(src, 1));
	KUNIT_EXPECT_EQ(test, 1, slot_refs(dst, 0));
	KUNIT_EXPECT_EQ(test, 1, slot_refs(dst, 1));
}

/*
 * Discard on side @x of four shared pages (same indices on both sides): a whole
 * page, part of a page, a range across a page boundary, then everything. The
 * other side @y keeps all its data and pages.
 */
static void share_zero(struct kunit *test, struct odx_store *x, struct odx_store *y)
{
	struct odx_store_ctx *ctx = test->priv;
	struct odx_store *src = &ctx->store;
	u8 *want = ctx->ref + 2 * PAGE_SIZE;
	unsigned long i;

	store_fill(test, src, 0, 4, 5);
	share_range(test, src, 0, &ctx->peer, 0, 4);

	KUNIT_ASSERT_EQ(test, 0, odx_store_zero(x, 0, PAGE_SIZE, GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, 0, odx_store_zero(x, PAGE_SIZE + 1000, 1500, GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, 0, odx_store_zero(x, 3 * PAGE_SIZE - 300, 600, GFP_KERNEL));

	KUNIT_EXPECT_NULL(test, slot_page(x, 0));
	KUNIT_EXPECT_TRUE(test, page_is_zero(test, x, 0));
	page_pattern(want, 5, 1);
	memset(want + 1000, 0, 1500);
	KUNIT_EXPECT_TRUE(test, store_holds(test, x, PAGE_SIZE, want, PAGE_SIZE));
	page_pattern(want, 5, 2);
	page_pattern(want + PAGE_SIZE, 5, 3);
	memset(want + PAGE_SIZE - 300, 0, 600);
	KUNIT_EXPECT_TRUE(test, store_holds(test, x, 2 * PAGE_SIZE, want, 2 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, 3UL, odx_store_nr_pages(x));
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_TRUE_MSG(test, page_is(test, y, i, 5, i), "other side, page %lu", i);
		KUNIT_EXPECT_EQ_MSG(test, 1, slot_refs(y, i), "other side, page %lu", i);
	}
	KUNIT_EXPECT_EQ(test, 4UL, odx_store_nr_pages(y));

	/* The whole range: x holds nothing any more, y everything. */
	KUNIT_ASSERT_EQ(test, 0, odx_store_zero(x, 0, 4 * PAGE_SIZE, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, 0UL, odx_store_nr_pages(x));
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_TRUE(test, page_is_zero(test, x, i));
		KUNIT_EXPECT_TRUE_MSG(test, page_is(test, y, i, 5, i), "other side, page %lu", i);
	}
	KUNIT_EXPECT_EQ(test, 4UL, odx_store_nr_pages(y));
}

static void odx_store_share_zero_source_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;

	share_zero(test, &ctx->store, &ctx->peer);
}

static void odx_store_share_zero_dest_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;

	share_zero(test, &ctx->peer, &ctx->store);
}

/* The token goes away while both stores share its pages: still copy-on-write. */
static void odx_store_share_holder_put_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;
	struct odx_store *src = &ctx->store, *dst = &ctx->peer;
	u8 *want = ctx->ref + 2 * PAGE_SIZE, *data = ctx->buf + 2 * PAGE_SIZE;
	struct page *tok[2];

	store_fill(test, src, 0, 2, 6);
	tok[0] = odx_store_get_page_locked(src, 0);
	tok[1] = odx_store_get_page_locked(src, 1);
	KUNIT_ASSERT_NOT_NULL(test, tok[0]);
	KUNIT_ASSERT_NOT_NULL(test, tok[1]);
	KUNIT_EXPECT_EQ(test, 0, odx_store_share_page(dst, 4, tok[0]));
	KUNIT_EXPECT_EQ(test, 0, odx_store_share_page(dst, 5, tok[1]));
	KUNIT_EXPECT_EQ(test, 3, slot_refs(src, 0));

	odx_page_put(tok[0]);
	odx_page_put(tok[1]);
	KUNIT_EXPECT_EQ(test, 2, slot_refs(src, 0));
	KUNIT_EXPECT_EQ(test, 2, slot_refs(dst, 5));
	KUNIT_EXPECT_PTR_EQ(test, slot_page(src, 0), slot_page(dst, 4));
	KUNIT_EXPECT_TRUE(test, page_is(test, dst, 4, 6, 0));
	KUNIT_EXPECT_TRUE(test, page_is(test, dst, 5, 6, 1));

	/* Neither store may write in place: the other one still maps the page. */
	memset(data, 0x5e, 20);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(src, 10, data, 20, GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(dst, 6 * PAGE_SIZE - 1, data, 1, GFP_KERNEL));
	KUNIT_EXPECT_TRUE(test, page_is(test, dst, 4, 6, 0));
	KUNIT_EXPECT_TRUE(test, page_is(test, src, 1, 6, 1));
	page_pattern(want, 6, 0);
	memset(want + 10, 0x5e, 20);
	KUNIT_EXPECT_TRUE(test, store_holds(test, src, 0, want, PAGE_SIZE));
	page_pattern(want, 6, 1);
	want[PAGE_SIZE - 1] = 0x5e;
	KUNIT_EXPECT_TRUE(test, store_holds(test, dst, 5 * PAGE_SIZE, want, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, 1, slot_refs(src, 0));
	KUNIT_EXPECT_EQ(test, 1, slot_refs(src, 1));
	KUNIT_EXPECT_EQ(test, 1, slot_refs(dst, 4));
	KUNIT_EXPECT_EQ(test, 1, slot_refs(dst, 5));
	KUNIT_EXPECT_EQ(test, 2UL, odx_store_nr_pages(src));
	KUNIT_EXPECT_EQ(test, 2UL, odx_store_nr_pages(dst));
}

/*
 * Destroy store @gone, which shares pages 0-3 with @kept (and holds one page of
 * its own), while a token still holds page 3: @kept keeps its data and becomes
 * the pages' only store.
 */
static void share_destroy(struct kunit *test, struct odx_store *gone, bool *gone_live,
			  struct odx_store *kept)
{
	struct odx_store_ctx *ctx = test->priv;
	struct page *tok, *page;
	unsigned long i;

	store_fill(test, &ctx->store, 0, 4, 7);
	share_range(test, &ctx->store, 0, &ctx->peer, 0, 4);
	store_fill(test, gone, 8, 1, 8);
	tok = odx_store_get_page_locked(&ctx->store, 3);
	KUNIT_ASSERT_NOT_NULL(test, tok);
	KUNIT_EXPECT_EQ(test, 5UL, odx_store_nr_pages(gone));

	odx_store_destroy(gone);
	*gone_live = false;
	KUNIT_EXPECT_EQ(test, 4UL, odx_store_nr_pages(kept));
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_TRUE_MSG(test, page_is(test, kept, i, 7, i), "page %lu", i);
		KUNIT_EXPECT_EQ_MSG(test, i == 3 ? 2 : 1, slot_refs(kept, i), "page %lu", i);
	}
	page_pattern(ctx->ref, 7, 3);
	KUNIT_EXPECT_TRUE(test, !memcmp(page_address(tok), ctx->ref, PAGE_SIZE));
	odx_page_put(tok);
	KUNIT_EXPECT_EQ(test, 1, slot_refs(kept, 3));

	/* Nobody else holds them now: writes go in place. */
	page = slot_page(kept, 2);
	memset(ctx->buf + 2 * PAGE_SIZE, 0xee, 8);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(kept, 2 * PAGE_SIZE + 8,
						 ctx->buf + 2 * PAGE_SIZE, 8, GFP_KERNEL));
	KUNIT_EXPECT_PTR_EQ(test, page, slot_page(kept, 2));
}

static void odx_store_share_destroy_dest_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;

	share_destroy(test, &ctx->peer, &ctx->peer_live, &ctx->store);
}

static void odx_store_share_destroy_source_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;

	share_destroy(test, &ctx->store, &ctx->store_live, &ctx->peer);
}

/*
 * Sharing into a slot that holds a page replaces it: the store's reference on
 * the old page goes (an unshared page is freed). Sharing the page a slot
 * already holds changes nothing.
 */
static void odx_store_share_replace_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;
	struct odx_store *src = &ctx->store, *dst = &ctx->peer;
	struct page *old;

	store_fill(test, src, 0, 2, 9);
	store_fill(test, dst, 0, 2, 10);
	old = odx_store_get_page_locked(dst, 0);
	KUNIT_ASSERT_NOT_NULL(test, old);

	share_range(test, src, 0, dst, 0, 2);
	KUNIT_EXPECT_TRUE(test, page_is(test, dst, 0, 9, 0));
	KUNIT_EXPECT_TRUE(test, page_is(test, dst, 1, 9, 1));
	KUNIT_EXPECT_EQ(test, 2UL, odx_store_nr_pages(dst));
	odx_store_barrier();
	KUNIT_EXPECT_EQ(test, 1, odx_page_shares(old));
	page_pattern(ctx->ref, 10, 0);
	KUNIT_EXPECT_TRUE(test, !memcmp(page_address(old), ctx->ref, PAGE_SIZE));
	odx_page_put(old);

	/* Again, and into the source's own slot: nothing changes. */
	share_range(test, src, 0, dst, 0, 2);
	share_range(test, src, 1, src, 1, 1);
	KUNIT_EXPECT_EQ(test, 2, slot_refs(src, 0));
	KUNIT_EXPECT_EQ(test, 2, slot_refs(src, 1));
	KUNIT_EXPECT_EQ(test, 2UL, odx_store_nr_pages(src));
	KUNIT_EXPECT_EQ(test, 2UL, odx_store_nr_pages(dst));
	KUNIT_EXPECT_TRUE(test, page_is(test, src, 1, 9, 1));
	KUNIT_EXPECT_TRUE(test, page_is(test, dst, 1, 9, 1));

	/* Over a shared slot, another shared page: the old one loses one holder. */
	share_range(test, src, 1, dst, 0, 1);
	KUNIT_EXPECT_TRUE(test, page_is(test, dst, 0, 9, 1));
	KUNIT_EXPECT_TRUE(test, page_is(test, src, 0, 9, 0));
	KUNIT_EXPECT_EQ(test, 1, slot_refs(src, 0));
	KUNIT_EXPECT_EQ(test, 3, slot_refs(src, 1));
	KUNIT_EXPECT_EQ(test, 2UL, odx_store_nr_pages(dst));
}

/* ---- odx_store_share_pages(): runs of shared pages ---------------------- */

/* References on pages [first, first + nr) of @s, as a token takes them. */
static struct page **pin_range(struct kunit *test, struct odx_store *s, pgoff_t first,
			       unsigned long nr)
{
	struct page **pages = kunit_kcalloc(test, nr, sizeof(*pages), GFP_KERNEL);
	unsigned long i;

	KUNIT_ASSERT_NOT_NULL(test, pages);
	for (i = 0; i < nr; i++)
		pages[i] = odx_store_get_page_locked(s, first + i);
	return pages;
}

static void unpin(struct page **pages, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		if (pages[i])
			odx_page_put(pages[i]);
}

/* Is slot @index of @s exactly @page, holding pattern (seed, pat), with @refs holders? */
static void expect_slot(struct kunit *test, struct odx_store *s, pgoff_t index,
			struct page *page, u8 seed, unsigned long pat, int refs)
{
	KUNIT_EXPECT_PTR_EQ_MSG(test, page, slot_page(s, index), "slot %lu", index);
	KUNIT_EXPECT_TRUE_MSG(test, page_is(test, s, index, seed, pat), "slot %lu", index);
	KUNIT_EXPECT_EQ_MSG(test, refs, slot_refs(s, index), "slot %lu", index);
}

/* A long run across group boundaries (64 pages), and short ones across one. */
static void odx_store_share_pages_run_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;
	struct odx_store *src = &ctx->store, *dst = &ctx->peer;
	unsigned long i, done;
	struct page **pages;

	store_fill(test, src, 0, 200, 11);
	pages = pin_range(test, src, 30, 150);

	/* Slots 40-189: across 64 and 128, starting and ending inside a group. */
	done = 12345;
	KUNIT_EXPECT_EQ(test, 0, odx_store_share_pages(dst, 40, pages, 150, &done));
	KUNIT_EXPECT_EQ(test, 150UL, done);
	KUNIT_EXPECT_EQ(test, 150UL, odx_store_nr_pages(dst));
	KUNIT_EXPECT_EQ(test, 200UL, odx_store_nr_pages(src));
	for (i = 0; i < 150; i++)
		expect_slot(test, dst, 40 + i, pages[i], 11, 30 + i, 3);
	KUNIT_EXPECT_NULL(test, slot_page(dst, 39));
	KUNIT_EXPECT_NULL(test, slot_page(dst, 190));

	/* Two pages across 256; exactly one group (320-383); one group and one page. */
	KUNIT_EXPECT_EQ(test, 0, odx_store_share_pages(dst, 255, pages, 2, &done));
	KUNIT_EXPECT_EQ(test, 2UL, done);
	KUNIT_EXPECT_EQ(test, 0, odx_store_share_pages(dst, 320, pages, 64, &done));
	KUNIT_EXPECT_EQ(test, 64UL, done);
	KUNIT_EXPECT_EQ(test, 0, odx_store_share_pages(dst, 448, pages, 65, &done));
	KUNIT_EXPECT_EQ(test, 65UL, done);
	KUNIT_EXPECT_EQ(test, 150UL + 2 + 64 + 65, odx_store_nr_pages(dst));
	KUNIT_EXPECT_TRUE(test, page_is(test, dst, 255, 11, 30));
	KUNIT_EXPECT_TRUE(test, page_is(test, dst, 256, 11, 31));
	KUNIT_EXPECT_TRUE(test, page_is(test, dst, 320, 11, 30));
	KUNIT_EXPECT_TRUE(test, page_is(test, dst, 383, 11, 93));
	KUNIT_EXPECT_TRUE(test, page_is(test, dst, 512, 11, 94));
	KUNIT_EXPECT_NULL(test, slot_page(dst, 254));
	KUNIT_EXPECT_NULL(test, slot_page(dst, 257));
	KUNIT_EXPECT_NULL(test, slot_page(dst, 319));
	KUNIT_EXPECT_NULL(test, slot_page(dst, 384));
	KUNIT_EXPECT_NULL(test, slot_page(dst, 447));
	KUNIT_EXPECT_NULL(test, slot_page(dst, 513));

	/* The token goes: the stores still share; writes still copy first. */
	unpin(pages, 150);
	KUNIT_EXPECT_EQ(test, 5, slot_refs(src, 30));	/* src, dst 40, 255, 320, 448 */
	KUNIT_EXPECT_EQ(test, 2, slot_refs(src, 179));	/* src, dst 189 */
	memset(ctx->buf + 2 * PAGE_SIZE, 0xab, 16);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(dst, 64 * PAGE_SIZE - 8,
						 ctx->buf + 2 * PAGE_SIZE, 16, GFP_KERNEL));
	KUNIT_EXPECT_TRUE(test, page_is(test, src, 53, 11, 53));
	KUNIT_EXPECT_TRUE(test, page_is(test, src, 54, 11, 54));
	KUNIT_EXPECT_TRUE(test, page_is(test, dst, 62, 11, 52));
	KUNIT_EXPECT_TRUE(test, page_is(test, dst, 65, 11, 55));
	KUNIT_EXPECT_EQ(test, 3, slot_refs(src, 53));	/* src, dst 343, 471 */
	KUNIT_EXPECT_EQ(test, 1, slot_refs(dst, 63));
}

/* NULL entries: holes stay holes, present slots become holes. */
static void odx_store_share_pages_holes_test(struct kunit *test)
{
	static const unsigned long holes[] = { 0, 5, 6, 7, 63, 64, 100, 127, 128, 129 };
	struct odx_store_ctx *ctx = test->priv;
	struct odx_store *src = &ctx->store, *dst = &ctx->peer;
	struct page **pages, *gone, *replaced;
	unsigned long i, done, nr = 130;
	bool hole[130] = {};

	store_fill(test, src, 0, nr, 12);
	pages = pin_range(test, src, 0, nr);
	for (i = 0; i < ARRAY_SIZE(holes); i++) {
		hole[holes[i]] = true;
		odx_page_put(pages[holes[i]]);
		pages[holes[i]] = NULL;
	}

	/* Into slots that hold nothing: only the pages count. */
	KUNIT_EXPECT_EQ(test, 0, odx_store_share_pages(dst, 0, pages, nr, &done));
	KUNIT_EXPECT_EQ(test, nr, done);
	KUNIT_EXPECT_EQ(test, nr - ARRAY_SIZE(holes), odx_store_nr_pages(dst));
	for (i = 0; i < nr; i++) {
		if (hole[i]) {
			KUNIT_EXPECT_NULL_MSG(test, slot_page(dst, i), "slot %lu", i);
			KUNIT_EXPECT_TRUE_MSG(test, page_is_zero(test, dst, i), "slot %lu", i);
		} else {
			expect_slot(test, dst, i, pages[i], 12, i, 3);
		}
	}

	/* Over slots that all hold pages of their own: the NULL entries discard. */
	store_fill(test, dst, 1000, nr, 13);
	gone = odx_store_get_page_locked(dst, 1005);
	replaced = odx_store_get_page_locked(dst, 1010);
	KUNIT_ASSERT_NOT_NULL(test, gone);
	KUNIT_ASSERT_NOT_NULL(test, replaced);
	KUNIT_EXPECT_EQ(test, 0, odx_store_share_pages(dst, 1000, pages, nr, &done));
	KUNIT_EXPECT_EQ(test, nr, done);
	KUNIT_EXPECT_EQ(test, 2 * (nr - ARRAY_SIZE(holes)), odx_store_nr_pages(dst));
	for (i = 0; i < nr; i++) {
		if (hole[i]) {
			KUNIT_EXPECT_NULL_MSG(test, slot_page(dst, 1000 + i), "slot %lu", 1000 + i);
			KUNIT_EXPECT_TRUE_MSG(test, page_is_zero(test, dst, 1000 + i), "slot %lu",
					      1000 + i);
		} else {
			expect_slot(test, dst, 1000 + i, pages[i], 12, i, 4);
		}
	}
	/* The store let go of the pages it unmapped. */
	odx_store_barrier();
	KUNIT_EXPECT_EQ(test, 1, odx_page_shares(gone));
	KUNIT_EXPECT_EQ(test, 1, odx_page_shares(replaced));
	odx_page_put(gone);
	odx_page_put(replaced);

	/* No entries; nothing but holes, over holes: nothing changes. */
	KUNIT_EXPECT_EQ(test, 0, odx_store_share_pages(dst, 5000, pages + 1, 0, &done));
	KUNIT_EXPECT_EQ(test, 0UL, done);
	KUNIT_EXPECT_EQ(test, 0, odx_store_share_pages(dst, 4000, pages, 1, &done));
	KUNIT_EXPECT_EQ(test, 1UL, done);
	KUNIT_EXPECT_NULL(test, slot_page(dst, 4000));
	KUNIT_EXPECT_EQ(test, 0, odx_store_share_pages(dst, 4060, pages + 5, 3, &done));
	KUNIT_EXPECT_EQ(test, 3UL, done);
	KUNIT_EXPECT_EQ(test, 2 * (nr - ARRAY_SIZE(holes)), odx_store_nr_pages(dst));
	unpin(pages, nr);
	KUNIT_EXPECT_EQ(test, 3, slot_refs(src, 1));
}

/*
 * Over slots that hold other pages: pages of the store's own, pages shared with
 * a third holder, and the very pages being mapped. The old pages lose the
 * store's reference; the count of pages does not change.
 */
static void odx_store_share_pages_overwrite_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;
	struct odx_store *src = &ctx->store, *dst = &ctx->peer;
	unsigned long i, done, nr = 70;
	struct page **pages, *own;

	store_fill(test, src, 0, nr, 14);
	store_fill(test, src, 100, 20, 14);
	pages = pin_range(test, src, 0, nr);
	/* dst 60-79: its own; 80-99: src 100-119; 100-129: src 40-69, as below. */
	store_fill(test, dst, 60, 20, 15);
	share_range(test, src, 100, dst, 80, 20);
	share_range(test, src, 40, dst, 100, 30);
	own = odx_store_get_page_locked(dst, 61);
	KUNIT_ASSERT_NOT_NULL(test, own);
	KUNIT_EXPECT_EQ(test, 70UL, odx_store_nr_pages(dst));

	KUNIT_EXPECT_EQ(test, 0, odx_store_share_pages(dst, 60, pages, nr, &done));
	KUNIT_EXPECT_EQ(test, nr, done);
	KUNIT_EXPECT_EQ(test, 70UL, odx_store_nr_pages(dst));
	KUNIT_EXPECT_EQ(test, 90UL, odx_store_nr_pages(src));
	for (i = 0; i < nr; i++)
		expect_slot(test, dst, 60 + i, pages[i], 14, i, 3);
	for (i = 100; i < 120; i++) {
		KUNIT_EXPECT_TRUE_MSG(test, page_is(test, src, i, 14, i), "slot %lu", i);
		KUNIT_EXPECT_EQ_MSG(test, 1, slot_refs(src, i), "slot %lu", i);
	}
	odx_store_barrier();
	KUNIT_EXPECT_EQ(test, 1, odx_page_shares(own));
	page_pattern(ctx->ref, 15, 61);
	KUNIT_EXPECT_TRUE(test, !memcmp(page_address(own), ctx->ref, PAGE_SIZE));
	odx_page_put(own);
	unpin(pages, nr);
	KUNIT_EXPECT_EQ(test, 2, slot_refs(dst, 60));
	KUNIT_EXPECT_EQ(test, 2, slot_refs(dst, 129));
}

/*
 * A copy within one store onto an overlapping range, as an offload write from
 * a token over slots 0-99 to slots 30-129 does: the run replaces pages that
 * later entries of the same run still hold.
 */
static void odx_store_share_pages_overlap_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;
	struct odx_store *s = &ctx->store;
	unsigned long i, done, nr = 100;
	struct page **pages;

	store_fill(test, s, 0, nr, 16);
	pages = pin_range(test, s, 0, nr);
	KUNIT_EXPECT_EQ(test, 0, odx_store_share_pages(s, 30, pages, nr, &done));
	KUNIT_EXPECT_EQ(test, nr, done);
	KUNIT_EXPECT_EQ(test, 130UL, odx_store_nr_pages(s));
	for (i = 0; i < 30; i++)
		expect_slot(test, s, i, pages[i], 16, i, 3);
	for (i = 30; i < 130; i++)
		expect_slot(test, s, i, pages[i - 30], 16, i - 30, i < 60 ? 3 : 2);
	unpin(pages, nr);

	/* Copy-on-write between two slots of one store. */
	memset(ctx->buf + 2 * PAGE_SIZE, 0x42, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(s, 35 * PAGE_SIZE, ctx->buf + 2 * PAGE_SIZE,
						 PAGE_SIZE, GFP_KERNEL));
	KUNIT_EXPECT_TRUE(test, page_is(test, s, 5, 16, 5));
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(s, 10 * PAGE_SIZE + 1,
						 ctx->buf + 2 * PAGE_SIZE, 1, GFP_KERNEL));
	KUNIT_EXPECT_TRUE(test, page_is(test, s, 40, 16, 10));
	KUNIT_EXPECT_EQ(test, 1, slot_refs(s, 10));
	KUNIT_EXPECT_EQ(test, 1, slot_refs(s, 40));
	KUNIT_EXPECT_EQ(test, 130UL, odx_store_nr_pages(s));
}

/* odx_store_get_pages_locked(): a token's pin of a run, holes left out. */
static void odx_store_get_pages_locked_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;
	struct odx_store *s = &ctx->store;
	unsigned long i, got = 0, nr = 140;
	DECLARE_BITMAP(present, 160);
	struct page **pages;

	store_fill(test, s, 10, nr, 17);
	KUNIT_ASSERT_EQ(test, 0, odx_store_zero(s, 60 * PAGE_SIZE, 10 * PAGE_SIZE,
						GFP_KERNEL));
	pages = kunit_kcalloc(test, nr + 20, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	bitmap_fill(present, 160);
	/* Slots 0-159: holes 0-9, 60-69 and 150-159; starts inside a group. */
	KUNIT_EXPECT_EQ(test, nr - 10,
			odx_store_get_pages_locked(s, 0, nr + 20, pages, present));
	for (i = 0; i < nr + 20; i++) {
		if (i < 10 || (i >= 60 && i < 70) || i >= 150) {
			KUNIT_EXPECT_FALSE_MSG(test, test_bit(i, present), "slot %lu", i);
			continue;
		}
		KUNIT_EXPECT_TRUE_MSG(test, test_bit(i, present), "slot %lu", i);
		KUNIT_EXPECT_PTR_EQ_MSG(test, pages[got], slot_page(s, i), "slot %lu", i);
		KUNIT_EXPECT_EQ_MSG(test, 2, slot_refs(s, i), "slot %lu", i);
		got++;
	}
	KUNIT_EXPECT_EQ(test, nr - 10, got);
	/* Pinned like a token: a write copies first (slot 59 is entry 49). */
	memset(ctx->buf + 2 * PAGE_SIZE, 0x24, 4);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(s, 60 * PAGE_SIZE - 2,
						 ctx->buf + 2 * PAGE_SIZE, 4, GFP_KERNEL));
	page_pattern(ctx->ref, 17, 59);
	KUNIT_EXPECT_TRUE(test, !memcmp(page_address(pages[49]), ctx->ref, PAGE_SIZE));
	memset(ctx->ref + PAGE_SIZE - 2, 0x24, 2);
	KUNIT_EXPECT_TRUE(test, store_holds(test, s, 59 * PAGE_SIZE, ctx->ref, PAGE_SIZE));
	KUNIT_EXPECT_PTR_NE(test, pages[49], slot_page(s, 59));
	unpin(pages, got);
	KUNIT_EXPECT_EQ(test, 1, slot_refs(s, 100));
	KUNIT_EXPECT_EQ(test, nr - 10 + 1, odx_store_nr_pages(s));

	/* A run of holes only: nothing, and every bit clear. */
	bitmap_fill(present, 160);
	KUNIT_EXPECT_EQ(test, 0UL, odx_store_get_pages_locked(s, 1000, 100, pages, present));
	KUNIT_EXPECT_TRUE(test, bitmap_empty(present, 100));
}

/* ---- Who may write a page in place: odx's share count and grace periods --- */

/*
 * A lock-free reader in the middle of a copy: a kthread on another CPU that sits
 * in an RCU read-side critical section, so no grace period can end until it is
 * stopped (at most 5 s, well inside the RCU stall timeout).
 */
struct rcu_reader {
	struct task_struct *task;
	struct completion inside;
	atomic_t stop;
};

static int rcu_reader_fn(void *arg)
{
	struct rcu_reader *r = arg;
	unsigned long end = jiffies + 5 * HZ;

	rcu_read_lock();
	complete(&r->inside);
	while (!atomic_read(&r->stop) && time_before(jiffies, end))
		cpu_relax();
	rcu_read_unlock();
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

static void rcu_reader_start(struct kunit *test, struct rcu_reader *r)
{
	unsigned int cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());

	/* The reader spins: it needs a CPU of its own. */
	KUNIT_ASSERT_LT_MSG(test, cpu, nr_cpu_ids, "needs two online CPUs");
	init_completion(&r->inside);
	atomic_set(&r->stop, 0);
	r->task = kthread_create(rcu_reader_fn, r, "odx_rcu_reader");
	KUNIT_ASSERT_FALSE(test, IS_ERR(r->task));
	kthread_bind(r->task, cpu);
	wake_up_process(r->task);
	wait_for_completion(&r->inside);
}

static void rcu_reader_stop(struct rcu_reader *r)
{
	atomic_set(&r->stop, 1);
	kthread_stop(r->task);
}

/*
 * Page P is shared by @a[ai] and @b[bi], the token that carried it released. A
 * reader of @a may still be copying from P when @a[ai] is overwritten; then
 * @b[bi] is overwritten. The second write must not go into P: the reader would
 * return bytes that only @b was given.
 */
static void unshare_under_reader(struct kunit *test, struct odx_store *a, pgoff_t ai,
				 struct odx_store *b, pgoff_t bi)
{
	struct odx_store_ctx *ctx = test->priv;
	struct rcu_reader reader;
	struct page *p;

	store_fill(test, a, ai, 1, 21);
	share_range(test, a, ai, b, bi, 1);
	p = slot_page(a, ai);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_PTR_EQ(test, p, slot_page(b, bi));
	KUNIT_EXPECT_EQ(test, 2, odx_page_shares(p));

	rcu_reader_start(test, &reader);
	store_fill(test, a, ai, 1, 22);
	/* One holder left, but a reader that found P through @a may be copying. */
	KUNIT_EXPECT_EQ(test, 1, odx_page_shares(p));
	KUNIT_EXPECT_FALSE(test, odx_page_exclusive(p));
	store_fill(test, b, bi, 1, 23);
	/* P is not freed yet either: the reader holds off the grace period. */
	page_pattern(ctx->ref, 21, ai);
	KUNIT_EXPECT_EQ_MSG(test, 0, memcmp(page_address(p), ctx->ref, PAGE_SIZE),
			    "a page a reader may be copying from was written in place");
	rcu_reader_stop(&reader);

	KUNIT_EXPECT_TRUE(test, page_is(test, a, ai, 22, ai));
	KUNIT_EXPECT_TRUE(test, page_is(test, b, bi, 23, bi));
	KUNIT_EXPECT_PTR_NE(test, p, slot_page(b, bi));
}

/* Across devices: odx0[x] and odx1[x]. */
static void odx_store_unshare_reader_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;

	unshare_under_reader(test, &ctx->store, 5, &ctx->peer, 5);
}

/* The other order: the destination is overwritten first. */
static void odx_store_unshare_reader_dest_first_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;

	unshare_under_reader(test, &ctx->peer, 7, &ctx->store, 3);
}

/* Within one device: two slots of one store share the page. */
static void odx_store_unshare_reader_same_store_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;

	unshare_under_reader(test, &ctx->store, 2, &ctx->store, 9);
}

/* Once a grace period has passed, the last holder writes in place again. */
static void odx_store_unshare_grace_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;
	struct odx_store *a = &ctx->store, *b = &ctx->peer;
	struct page *p;

	store_fill(test, a, 0, 1, 31);
	share_range(test, a, 0, b, 0, 1);
	p = slot_page(b, 0);
	store_fill(test, a, 0, 1, 32);
	synchronize_rcu();
	KUNIT_EXPECT_TRUE(test, odx_page_exclusive(p));
	store_fill(test, b, 0, 1, 33);
	KUNIT_EXPECT_PTR_EQ(test, p, slot_page(b, 0));
	KUNIT_EXPECT_TRUE(test, page_is(test, b, 0, 33, 0));
	KUNIT_EXPECT_TRUE(test, page_is(test, a, 0, 32, 0));
}

/*
 * The page's own refcount decides nothing: a foreign get_page() neither makes
 * the page look shared nor, with its put_page(), frees it.
 */
static void odx_store_foreign_ref_test(struct kunit *test)
{
	struct odx_store *s = &((struct odx_store_ctx *)test->priv)->store;
	struct page *p;

	store_fill(test, s, 4, 1, 41);
	p = slot_page(s, 4);
	KUNIT_ASSERT_NOT_NULL(test, p);
	get_page(p);
	store_fill(test, s, 4, 1, 42);
	KUNIT_EXPECT_PTR_EQ(test, p, slot_page(s, 4));
	put_page(p);
	KUNIT_EXPECT_EQ(test, 1, page_ref_count(p));
	KUNIT_EXPECT_EQ(test, 1, odx_page_shares(p));
	KUNIT_EXPECT_TRUE(test, page_is(test, s, 4, 42, 4));
}

/* At ODX_SHARE_MAX holders a page is copied, not shared, whoever asks. */
static void odx_store_share_saturated_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;
	struct odx_store *a = &ctx->store, *b = &ctx->peer;
	struct page *p, *pin;

	store_fill(test, a, 6, 1, 51);
	p = slot_page(a, 6);
	KUNIT_ASSERT_NOT_NULL(test, p);
	/* The share count lives in page->private (odx_store.h). */
	set_page_private(p, ODX_SHARE_MAX);

	/* An offload write gets a copy of the bytes. */
	KUNIT_EXPECT_EQ(test, 0, odx_store_share_page(b, 6, p));
	KUNIT_EXPECT_PTR_NE(test, p, slot_page(b, 6));
	KUNIT_EXPECT_TRUE(test, page_is(test, b, 6, 51, 6));
	/* A token pinning the page gets a private copy. */
	pin = odx_store_get_page_locked(a, 6);
	KUNIT_ASSERT_NOT_NULL(test, pin);
	KUNIT_EXPECT_PTR_NE(test, p, pin);
	KUNIT_EXPECT_EQ(test, 1, odx_page_shares(pin));
	page_pattern(ctx->ref, 51, 6);
	KUNIT_EXPECT_EQ(test, 0, memcmp(page_address(pin), ctx->ref, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, ODX_SHARE_MAX, odx_page_shares(p));

	set_page_private(p, 1);
	odx_page_put(pin);
	KUNIT_EXPECT_EQ(test, 1, slot_refs(a, 6));
}

/* ---- chunks: whole 2 MiB runs shared by one count ----------------------- */

#define CP	ODX_CHUNK_PAGES

/* The chunk at @cidx of @s (no share taken; for comparisons). */
static struct odx_chunk *chunk_at(struct odx_store *s, pgoff_t cidx)
{
	return xa_load(&s->chunks, cidx);
}

/* A token's share of chunk @cidx of @src, mapped into @dst at @dcidx, then dropped. */
static struct odx_chunk *share_chunk(struct kunit *test, struct odx_store *src,
				     pgoff_t cidx, struct odx_store *dst, pgoff_t dcidx)
{
	struct odx_chunk *c;
	unsigned int nr;

	c = odx_store_get_chunk_locked(src, cidx, &nr);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_EQ(test, 0, odx_store_share_chunk(dst, dcidx, c));
	odx_chunk_put(c);
	return c;
}

/*
 * A whole chunk shared into another store and into another place of its own:
 * one count on the chunk, none on its pages; all read the same bytes.
 */
static void odx_store_chunk_share_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;
	struct odx_store *a = &ctx->store, *b = &ctx->peer;
	struct odx_chunk *c, *old;
	unsigned int nr;
	pgoff_t i;

	store_fill(test, a, CP, CP, 61);
	KUNIT_EXPECT_NULL(test, odx_store_get_chunk_locked(a, 0, &nr));
	c = odx_store_get_chunk_locked(a, 1, &nr);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_EQ(test, (unsigned int)CP, nr);
	KUNIT_EXPECT_EQ(test, 2U, odx_chunk_shares(c));
	KUNIT_EXPECT_EQ(test, 0, odx_store_share_chunk(b, 3, c));
	KUNIT_EXPECT_EQ(test, 0, odx_store_share_chunk(a, 4, c));
	KUNIT_EXPECT_EQ(test, 4U, odx_chunk_shares(c));
	odx_chunk_put(c);
	KUNIT_EXPECT_PTR_EQ(test, c, chunk_at(b, 3));
	KUNIT_EXPECT_PTR_EQ(test, c, chunk_at(a, 4));
	KUNIT_EXPECT_EQ(test, 2 * CP, odx_store_nr_pages(a));
	KUNIT_EXPECT_EQ(test, CP, odx_store_nr_pages(b));
	/* The pages keep the chunk's one share. */
	KUNIT_EXPECT_EQ(test, 1, slot_refs(b, 3 * CP + 7));
	for (i = 0; i < CP; i += 17) {
		KUNIT_EXPECT_TRUE_MSG(test, page_is(test, b, 3 * CP + i, 61, CP + i), "%lu", i);
		KUNIT_EXPECT_TRUE_MSG(test, page_is(test, a, 4 * CP + i, 61, CP + i), "%lu", i);
	}
	/* Sharing over a chunk the store has drops that one. */
	store_fill(test, b, 5 * CP + 2, 2, 62);
	old = chunk_at(b, 5);
	KUNIT_ASSERT_NOT_NULL(test, old);
	KUNIT_EXPECT_EQ(test, 0, odx_store_share_chunk(b, 5, c));
	KUNIT_EXPECT_PTR_EQ(test, c, chunk_at(b, 5));
	KUNIT_EXPECT_EQ(test, 2 * CP, odx_store_nr_pages(b));
	KUNIT_EXPECT_TRUE(test, page_is(test, b, 5 * CP + 2, 61, CP + 2));
	KUNIT_EXPECT_EQ(test, 4U, odx_chunk_shares(c));
}

static const unsigned int split_slots[] = { 0, 1, 63, 64, 255, 256, 510, 511 };

static void split_slot_desc(const unsigned int *slot, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "slot %u", *slot);
}

KUNIT_ARRAY_PARAM(split_slot, split_slots, split_slot_desc);

/*
 * One page written into a chunk two stores share splits it in the store
 * written, at every boundary of the chunk and of its batches: the page pointers
 * are copied (each page shared once more), only the page written is new, and
 * the other store keeps every byte. Then the other store writes the same page.
 */
static void odx_store_chunk_split_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;
	struct odx_store *a = &ctx->store, *b = &ctx->peer;
	unsigned int slot = *(const unsigned int *)test->param_value;
	struct odx_chunk *c, *split;
	unsigned long moved = 0;
	pgoff_t i;

	store_fill(test, a, 0, CP, 71);
	c = share_chunk(test, a, 0, b, 2);
	KUNIT_ASSERT_EQ(test, 2U, odx_chunk_shares(c));

	store_fill(test, b, 2 * CP + slot, 1, 72);
	split = chunk_at(b, 2);
	KUNIT_EXPECT_PTR_EQ(test, c, chunk_at(a, 0));
	KUNIT_ASSERT_PTR_NE(test, c, split);
	KUNIT_EXPECT_EQ(test, 1U, odx_chunk_shares(c));
	for (i = 0; i < CP; i++)
		moved += i != slot && split->slots[i] != c->slots[i];
	KUNIT_EXPECT_EQ_MSG(test, 0UL, moved, "pages copied by a split");
	KUNIT_EXPECT_PTR_NE(test, c->slots[slot], split->slots[slot]);
	KUNIT_EXPECT_EQ(test, 2U, odx_page_shares(c->slots[slot ^ 1]));
	for (i = 0; i < CP; i++) {
		KUNIT_EXPECT_TRUE_MSG(test, page_is(test, a, i, 71, i), "a %lu", i);
		if (i == slot)
			KUNIT_EXPECT_TRUE(test, page_is(test, b, 2 * CP + i, 72, 2 * CP + i));
		else
			KUNIT_EXPECT_TRUE_MSG(test, page_is(test, b, 2 * CP + i, 71, i),
					      "b %lu", i);
	}
	/* Now b's own page: a partial write goes in place. */
	memset(ctx->buf, 0x5a, 100);
	KUNIT_EXPECT_EQ(test, 0, odx_store_write(b, ((u64)(2 * CP + slot) << PAGE_SHIFT) +
						 PAGE_SIZE - 100, ctx->buf, 100, GFP_KERNEL));
	KUNIT_EXPECT_PTR_EQ(test, split, chunk_at(b, 2));
	/* The source writes the same page: its copy, not b's or the shared one. */
	store_fill(test, a, slot, 1, 73);
	KUNIT_EXPECT_TRUE(test, page_is(test, a, slot, 73, slot));
	KUNIT_EXPECT_TRUE(test, page_is(test, a, slot ^ 1, 71, slot ^ 1));
	KUNIT_EXPECT_TRUE(test, page_is(test, b, 2 * CP + (slot ^ 1), 71, slot ^ 1));
	odx_store_read(b, ((u64)(2 * CP + slot) << PAGE_SHIFT) + PAGE_SIZE - 100, ctx->buf,
		       100);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(ctx->buf, 0x5a, 100));
	KUNIT_EXPECT_EQ(test, CP, odx_store_nr_pages(a));
	KUNIT_EXPECT_EQ(test, CP, odx_store_nr_pages(b));
}

/*
 * Holes inside a shared chunk read as zeros and cost nothing; a write into
 * one splits the chunk, zeroing one changes nothing, a discard of pages splits
 * it and a discard of all of it drops it.
 */
static void odx_store_chunk_holes_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;
	struct odx_store *a = &ctx->store, *b = &ctx->peer;
	unsigned long present = (CP + 2) / 3;
	struct odx_chunk *c;
	pgoff_t i;

	for (i = 0; i < CP; i += 3)
		store_fill(test, a, i, 1, 81);
	c = share_chunk(test, a, 0, b, 1);
	KUNIT_EXPECT_EQ(test, present, odx_store_nr_pages(b));
	for (i = 0; i < CP; i++) {
		if (i % 3)
			KUNIT_EXPECT_TRUE_MSG(test, page_is_zero(test, b, CP + i), "%lu", i);
		else
			KUNIT_EXPECT_TRUE_MSG(test, page_is(test, b, CP + i, 81, i), "%lu", i);
	}
	/* Zeroing a hole of a shared chunk: nothing changes, nothing splits. */
	KUNIT_EXPECT_EQ(test, 0, odx_store_zero(b, (u64)(CP + 1) << PAGE_SHIFT, PAGE_SIZE,
						GFP_KERNEL));
	KUNIT_EXPECT_PTR_EQ(test, c, chunk_at(b, 1));
	/* Writing into a hole splits; the source's hole stays a hole. */
	store_fill(test, b, CP + 1, 1, 82);
	KUNIT_EXPECT_PTR_NE(test, c, chunk_at(b, 1));
	KUNIT_EXPECT_TRUE(test, page_is_zero(test, a, 1));
	KUNIT_EXPECT_TRUE(test, page_is(test, b, CP + 1, 82, CP + 1));
	KUNIT_EXPECT_EQ(test, present + 1, odx_store_nr_pages(b));
	KUNIT_EXPECT_EQ(test, present, odx_store_nr_pages(a));

	/* Discarding pages of a shared chunk splits it. */
	c = share_chunk(test, a, 0, b, 3);
	KUNIT_EXPECT_EQ(test, 0, odx_store_zero(b, (u64)3 * CP << PAGE_SHIFT, 3 * PAGE_SIZE,
						GFP_KERNEL));
	KUNIT_EXPECT_PTR_NE(test, c, chunk_at(b, 3));
	KUNIT_EXPECT_TRUE(test, page_is_zero(test, b, 3 * CP));
	KUNIT_EXPECT_TRUE(test, page_is(test, b, 3 * CP + 3, 81, 3));
	KUNIT_EXPECT_TRUE(test, page_is(test, a, 0, 81, 0));
	KUNIT_EXPECT_EQ(test, 2 * present, odx_store_nr_pages(b));
	/* A chunk whose last page goes is dropped, in pieces or at once. */
	KUNIT_EXPECT_EQ(test, 0, odx_store_zero(b, (u64)3 * CP << PAGE_SHIFT,
						ODX_CHUNK_BYTES / 2, GFP_KERNEL));
	KUNIT_EXPECT_NOT_NULL(test, chunk_at(b, 3));
	KUNIT_EXPECT_EQ(test, 0, odx_store_zero(b, ((u64)3 * CP << PAGE_SHIFT) +
						ODX_CHUNK_BYTES / 2,
						ODX_CHUNK_BYTES / 2, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, chunk_at(b, 3));
	KUNIT_EXPECT_EQ(test, 0, odx_store_zero(b, 0, 4 * ODX_CHUNK_BYTES, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, chunk_at(b, 1));
	KUNIT_EXPECT_EQ(test, 0UL, odx_store_nr_pages(b));
	KUNIT_EXPECT_EQ(test, present, odx_store_nr_pages(a));
	KUNIT_EXPECT_TRUE(test, page_is(test, a, 3, 81, 3));
}

/*
 * Chunk C is mapped by @a and @b, the token that carried it released; @a drops
 * C whole while a reader of @a may still be copying from its pages. C then has
 * one holder, and so does each of its pages, but @b must not write into C:
 * it splits (and copies the page), or the reader would see bytes only @b had.
 * Once a grace period has passed, @b owns C and writes in place.
 */
static void odx_store_chunk_unshare_reader_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;
	struct odx_store *a = &ctx->store, *b = &ctx->peer;
	struct rcu_reader reader;
	struct odx_chunk *c;
	struct page *p;

	store_fill(test, a, 0, 4, 91);
	c = share_chunk(test, a, 0, b, 0);
	p = c->slots[2];
	odx_store_barrier();
	KUNIT_EXPECT_EQ(test, 1U, odx_page_shares(p));

	rcu_reader_start(test, &reader);
	KUNIT_EXPECT_EQ(test, 0, odx_store_zero(a, 0, ODX_CHUNK_BYTES, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, 1U, odx_chunk_shares(c));
	KUNIT_EXPECT_PTR_EQ(test, c, chunk_at(b, 0));
	store_fill(test, b, 2, 1, 92);
	KUNIT_EXPECT_PTR_NE(test, c, chunk_at(b, 0));
	page_pattern(ctx->ref, 91, 2);
	KUNIT_EXPECT_EQ_MSG(test, 0, memcmp(page_address(p), ctx->ref, PAGE_SIZE),
			    "a page a reader may be copying from was written in place");
	rcu_reader_stop(&reader);
	KUNIT_EXPECT_TRUE(test, page_is(test, b, 2, 92, 2));
	KUNIT_EXPECT_TRUE(test, page_is(test, b, 1, 91, 1));
	KUNIT_EXPECT_TRUE(test, page_is_zero(test, a, 2));

	/* The grace period passed: the one holder writes in place. */
	store_fill(test, a, CP, 4, 93);
	c = share_chunk(test, a, 1, b, 1);
	KUNIT_EXPECT_EQ(test, 0, odx_store_zero(a, ODX_CHUNK_BYTES, ODX_CHUNK_BYTES,
						GFP_KERNEL));
	synchronize_rcu();
	p = c->slots[2];
	store_fill(test, b, CP + 2, 1, 94);
	KUNIT_EXPECT_PTR_EQ(test, c, chunk_at(b, 1));
	KUNIT_EXPECT_PTR_EQ(test, p, c->slots[2]);
	KUNIT_EXPECT_TRUE(test, page_is(test, b, CP + 2, 94, CP + 2));
}

/* At ODX_SHARE_MAX holders a chunk is copied (its pages shared), not shared. */
static void odx_store_chunk_saturated_test(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;
	struct odx_store *a = &ctx->store, *b = &ctx->peer;
	struct odx_chunk *c, *pin;
	unsigned int nr;

	store_fill(test, a, 0, 3, 95);
	c = chunk_at(a, 0);
	KUNIT_ASSERT_NOT_NULL(test, c);
	c->shares = ODX_SHARE_MAX;
	pin = odx_store_get_chunk_locked(a, 0, &nr);
	KUNIT_ASSERT_NOT_NULL(test, pin);
	KUNIT_EXPECT_PTR_NE(test, c, pin);
	KUNIT_EXPECT_EQ(test, 3U, nr);
	KUNIT_EXPECT_PTR_EQ(test, c->slots[1], pin->slots[1]);
	KUNIT_EXPECT_EQ(test, 0, odx_store_share_chunk(b, 0, c));
	KUNIT_EXPECT_PTR_NE(test, c, chunk_at(b, 0));
	KUNIT_EXPECT_TRUE(test, page_is(test, b, 1, 95, 1));
	c->shares = 1;
	odx_chunk_put(pin);
	KUNIT_EXPECT_EQ(test, 2, slot_refs(a, 1));
}

static struct kunit_case odx_store_cases[] = {
	KUNIT_CASE(odx_store_sparse_read_test),
	KUNIT_CASE(odx_store_boundary_test),
	KUNIT_CASE(odx_store_zero_test),
	KUNIT_CASE(odx_store_cow_test),
	KUNIT_CASE(odx_store_cow_zero_test),
	KUNIT_CASE(odx_store_share_test),
	KUNIT_CASE(odx_store_share_write_source_test),
	KUNIT_CASE(odx_store_share_write_dest_test),
	KUNIT_CASE(odx_store_share_partial_write_test),
	KUNIT_CASE(odx_store_share_zero_source_test),
	KUNIT_CASE(odx_store_share_zero_dest_test),
	KUNIT_CASE(odx_store_share_holder_put_test),
	KUNIT_CASE(odx_store_share_destroy_dest_test),
	KUNIT_CASE(odx_store_share_destroy_source_test),
	KUNIT_CASE(odx_store_share_replace_test),
	KUNIT_CASE(odx_store_share_pages_run_test),
	KUNIT_CASE(odx_store_share_pages_holes_test),
	KUNIT_CASE(odx_store_share_pages_overwrite_test),
	KUNIT_CASE(odx_store_share_pages_overlap_test),
	KUNIT_CASE(odx_store_get_pages_locked_test),
	KUNIT_CASE(odx_store_unshare_reader_test),
	KUNIT_CASE(odx_store_unshare_reader_dest_first_test),
	KUNIT_CASE(odx_store_unshare_reader_same_store_test),
	KUNIT_CASE(odx_store_unshare_grace_test),
	KUNIT_CASE(odx_store_foreign_ref_test),
	KUNIT_CASE(odx_store_share_saturated_test),
	KUNIT_CASE(odx_store_chunk_share_test),
	KUNIT_CASE_PARAM(odx_store_chunk_split_test, split_slot_gen_params),
	KUNIT_CASE(odx_store_chunk_holes_test),
	KUNIT_CASE(odx_store_chunk_unshare_reader_test),
	KUNIT_CASE(odx_store_chunk_saturated_test),
	{}
};

static struct kunit_suite odx_store_suite = {
	.name = "odx_store",
	.init = odx_store_test_init,
	.exit = odx_store_test_exit,
	.test_cases = odx_store_cases,
};

struct odx_params_case {
	const char *name;
	struct odx_device_params p;
	int err;
};

static const struct odx_params_case odx_params_cases[] = {
	{ "64M/512", { .size_bytes = 64 << 20, .block_size = 512, .index = ODX_INDEX_ANY }, 0 },
	{ "4K/4096", { .size_bytes = 4096, .block_size = 4096, .index = 0 }, 0 },
	{ "1T", { .size_bytes = ODX_MAX_DEVICE_BYTES, .block_size = 512, .index = 1023 }, 0 },
	{ "size 0", { .size_bytes = 0, .block_size = 512, .index = ODX_INDEX_ANY }, -EINVAL },
	{ "size 512", { .size_bytes = 512, .block_size = 512, .index = ODX_INDEX_ANY }, -EINVAL },
	{ "size 1T+4K", { .size_bytes = ODX_MAX_DEVICE_BYTES + 4096,
			  .block_size = 512, .index = ODX_INDEX_ANY }, -EINVAL },
	{ "size ~0", { .size_bytes = ~0ULL, .block_size = 512, .index = ODX_INDEX_ANY }, -EINVAL },
	{ "bs 0", { .size_bytes = 1 << 20, .block_size = 0, .index = ODX_INDEX_ANY }, -EINVAL },
	{ "bs 1024", { .size_bytes = 1 << 20, .block_size = 1024,
		       .index = ODX_INDEX_ANY }, -EINVAL },
	{ "bs 8192", { .size_bytes = 1 << 20, .block_size = 8192,
		       .index = ODX_INDEX_ANY }, -EINVAL },
	{ "index 1024", { .size_bytes = 1 << 20, .block_size = 512, .index = 1024 }, -EINVAL },
	{ "flags", { .size_bytes = 1 << 20, .block_size = 512, .index = ODX_INDEX_ANY,
		     .flags = 1 }, -EINVAL },
	{ "reserved[0]", { .size_bytes = 1 << 20, .block_size = 512,
			   .index = ODX_INDEX_ANY, .reserved = { 1 } }, -EINVAL },
	{ "reserved[4]", { .size_bytes = 1 << 20, .block_size = 512,
			   .index = ODX_INDEX_ANY,
			   .reserved = { 0, 0, 0, 0, 0x80000000 } }, -EINVAL },
};

static void odx_params_case_desc(const struct odx_params_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(odx_params, odx_params_cases, odx_params_case_desc);

static void odx_params_validate_test(struct kunit *test)
{
	const struct odx_params_case *c = test->param_value;
	const char *why = NULL;
	int err;

	err = odx_validate_params(&c->p, &why);
	KUNIT_EXPECT_EQ(test, c->err, err);
	if (err)
		KUNIT_EXPECT_NOT_NULL(test, why);
}

static struct kunit_case odx_params_test_cases[] = {
	KUNIT_CASE_PARAM(odx_params_validate_test, odx_params_gen_params),
	{}
};

static struct kunit_suite odx_params_suite = {
	.name = "odx_params",
	.test_cases = odx_params_test_cases,
};

kunit_test_suites(&odx_store_suite, &odx_params_suite);
