// SPDX-License-Identifier: GPL-2.0
/*
 * odx KUnit suites: the backing store and device-parameter validation.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "odx_internal.h"

/* A store and two scratch buffers of 4 pages each. */
struct odx_store_ctx {
	struct odx_store store;
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
	test->priv = ctx;
	return 0;
}

static void odx_store_test_exit(struct kunit *test)
{
	struct odx_store_ctx *ctx = test->priv;

	odx_store_destroy(&ctx->store);
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
	KUNIT_EXPECT_EQ(test, 2, page_ref_count(held));

	/* A partial write and a partial zero go to a copy. */
	memset(ctx->buf, 0x5a, 100);
	KUNIT_ASSERT_EQ(test, 0, odx_store_write(&ctx->store, PAGE_SIZE + 10, ctx->buf,
						 100, GFP_KERNEL));
	now = odx_store_get_page(&ctx->store, 1);
	KUNIT_ASSERT_NOT_NULL(test, now);
	KUNIT_EXPECT_PTR_NE(test, held, now);
	put_page(now);
	/* The store drops its reference on the replaced page after a grace period. */
	odx_store_barrier();
	KUNIT_EXPECT_EQ(test, 1, page_ref_count(held));
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
	put_page(now);
	put_page(held);
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
	KUNIT_EXPECT_EQ(test, 1, page_ref_count(held));
	KUNIT_EXPECT_EQ(test, 0, memcmp(page_address(held), ctx->ref, PAGE_SIZE));
	KUNIT_ASSERT_EQ(test, 0, odx_store_read(&ctx->store, 0, ctx->buf, PAGE_SIZE));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(ctx->buf, 0, PAGE_SIZE));
	put_page(held);

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
	put_page(held);
}

static struct kunit_case odx_store_cases[] = {
	KUNIT_CASE(odx_store_sparse_read_test),
	KUNIT_CASE(odx_store_boundary_test),
	KUNIT_CASE(odx_store_zero_test),
	KUNIT_CASE(odx_store_cow_test),
	KUNIT_CASE(odx_store_cow_zero_test),
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
