/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odx: the backing store of an odx device.
 *
 * A sparse, page-granular store: an xarray maps a page index to a struct page that
 * holds PAGE_SIZE bytes of the device. A missing page is a hole and reads as zeros.
 *
 * Sharing. Who holds a store page is counted by odx itself, never by the page's
 * own refcount (which stays at the allocator's 1, so a foreign get_page() or
 * put_page() can neither free a page early nor make one look shared). Store
 * pages are odx's alone (allocated here, never in a page cache, never mapped
 * to user space), so the count lives in the page: page->private holds the
 * share count and page->index the unshare cookie, both changed only by
 * cmpxchg, and the deferred free goes through page->rcu_head. Keeping them in
 * struct page costs no allocation and no second cache line per page, which a
 * token pinning 65,536 pages or releasing them would pay for (measured: a
 * separate struct per page made a 256 MiB mint 3x slower). Runs of pages
 * shared at once get a count of their own when the store shares chunks.
 *
 * Each store slot mapping the page holds one share, each token pinning it one,
 * each odx_store_get_page() caller one. A page with one share may still be
 * under a lock-free reader of a store that unmapped it a moment ago, so a page
 * is written in place only when it has one share AND a grace period has passed
 * since a store slot last stopped mapping it (the unshare cookie, an RCU
 * grace-period state); otherwise a writer copies it first. The count saturates
 * at ODX_SHARE_MAX: past it a holder gets a private copy instead of a share.
 *
 * Concurrency:
 *  - readers copy from a page under rcu_read_lock() and take no lock and no
 *    share: a page is freed only after a grace period following the last
 *    put, and no other holder writes into a page while a reader that found
 *    it through a store can still be copying (above).
 *    odx_store_get_page() takes a speculative share under RCU and rechecks the
 *    slot (the page cache's protocol) for callers that keep a page longer;
 *  - every change of a slot, and every write into a page, happens under the stripe
 *    mutex of that page index, so a page a writer finds exclusive stays
 *    exclusive until the writer is done (anyone taking a share from the store,
 *    odx_store_get_page_locked(), takes the same mutex).
 *  - copy-on-write takes its page from a reserve (a mempool), so an overwrite
 *    of a shared page does not fail for lack of memory: at worst it waits for
 *    memory. Filling a hole allocates normally and may fail.
 */
#ifndef _ODX_STORE_H
#define _ODX_STORE_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/mm_types.h>
#include <linux/rcupdate.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>

#define ODX_STORE_STRIPES	64
/* Pages per stripe group: one xarray leaf node, and the unit of batched changes. */
#define ODX_STORE_GROUP_SHIFT	6
#define ODX_STORE_GROUP		BIT(ODX_STORE_GROUP_SHIFT)

/* Holders of one page at most; past it, holders get private copies. */
#define ODX_SHARE_MAX		0x40000000	/* 2^30 */

/**
 * struct odx_store - sparse page store of one device
 * @pages: page index -> struct page *; a missing entry is a hole.
 * @nr_pages: pages present in @pages.
 * @stripes: stripe mutexes; stripes[(i >> ODX_STORE_GROUP_SHIFT) % ODX_STORE_STRIPES]
 *	serialises changes of slot i of @pages and writes into the page in slot i.
 *	Lock order: a stripe mutex, then the xarray's lock; no two stripes at once.
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
					 unsigned long nr, struct page **pages,
					 unsigned long *present);
struct page *odx_store_get_page(struct odx_store *store, pgoff_t index);
struct page *odx_store_get_page_locked(struct odx_store *store, pgoff_t index);
unsigned long odx_store_nr_pages(struct odx_store *store);
void odx_page_put(struct page *page);
unsigned int odx_page_shares(struct page *page);
bool odx_page_exclusive(struct page *page);
void odx_store_barrier(void);
int odx_store_module_init(void);
void odx_store_module_exit(void);

#endif /* _ODX_STORE_H */
