/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odx: the backing store of an odx device.
 *
 * A sparse, page-granular store: an xarray maps a page index to a struct page that
 * holds PAGE_SIZE bytes of the device. A missing page is a hole and reads as zeros.
 * Each page present holds one reference for the store; others (tokens, other stores)
 * may hold more, and then the page is shared and read-only: a writer copies it first.
 *
 * Concurrency:
 *  - readers copy from a page under rcu_read_lock() and take no lock and no
 *    reference: every reference on a store page is dropped with odx_page_put(),
 *    which frees the page only after a grace period, so a page is never freed
 *    under them. odx_store_get_page() takes a speculative reference under RCU
 *    and rechecks the slot (the page cache's protocol) for callers that keep a
 *    page longer;
 *  - every change of a slot, and every write into a page, happens under the stripe
 *    mutex of that page index, so a page a writer finds unshared stays unshared
 *    until the writer is done (anyone taking a reference from the store,
 *    odx_store_get_page_locked(), takes the same mutex).
 */
#ifndef _ODX_STORE_H
#define _ODX_STORE_H

#include <linux/bits.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>

#define ODX_STORE_STRIPES	64
/* Pages per stripe group: one xarray leaf node, and the unit of batched changes. */
#define ODX_STORE_GROUP_SHIFT	6
#define ODX_STORE_GROUP		BIT(ODX_STORE_GROUP_SHIFT)

/**
 * struct odx_store - sparse page store of one device
 * @pages: page index -> struct page *; a missing entry is a hole.
 * @nr_pages: pages present in @pages.
 * @stripes: stripe mutexes; stripes[(i >> ODX_STORE_GROUP_SHIFT) % ODX_STORE_STRIPES]
 *	serialises changes of slot i of @pages and writes into the page in slot i.
 *	Groups of ODX_STORE_GROUP consecutive pages share a stripe, so a batch of
 *	changes within a group takes one mutex.
 */
struct odx_store {
	struct xarray pages;
	atomic_long_t nr_pages;
	struct mutex stripes[ODX_STORE_STRIPES];	/* see the kernel-doc above */
};

void odx_store_init(struct odx_store *store);
void odx_store_destroy(struct odx_store *store);
int odx_store_read(struct odx_store *store, u64 pos, void *buf, size_t len);
int odx_store_write(struct odx_store *store, u64 pos, const void *buf, size_t len,
		    gfp_t gfp);
int odx_store_zero(struct odx_store *store, u64 pos, u64 len, gfp_t gfp);
int odx_store_share_page(struct odx_store *store, pgoff_t index, struct page *page);
int odx_store_share_pages(struct odx_store *store, pgoff_t first, struct page **pages,
			  unsigned long nr, unsigned long *done);
unsigned long odx_store_get_pages_locked(struct odx_store *store, pgoff_t first,
					 unsigned long nr, struct page **pages);
struct page *odx_store_get_page(struct odx_store *store, pgoff_t index);
struct page *odx_store_get_page_locked(struct odx_store *store, pgoff_t index);
unsigned long odx_store_nr_pages(struct odx_store *store);
void odx_page_put(struct page *page);
void odx_store_barrier(void);

#endif /* _ODX_STORE_H */
