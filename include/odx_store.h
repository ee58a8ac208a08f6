/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odx: the backing store of an odx device.
 *
 * A sparse, two-level store. An xarray maps a chunk index to a chunk: the page
 * slots of ODX_CHUNK_PAGES consecutive pages (2 MiB with 4 KiB pages), each a
 * struct page holding PAGE_SIZE bytes of the device or NULL for a hole. A
 * missing chunk is ODX_CHUNK_PAGES holes; a chunk whose last page goes is
 * removed, so holes cost nothing.
 *
 * Sharing happens at two levels, so that a copy costs what its ranges cost and
 * not what its pages do:
 *  - a whole chunk is shared by one count on the chunk and one xarray store: a
 *    token minted over it and every store mapping it hold a share of the chunk,
 *    and the chunk holds one share of each of its pages;
 *  - single pages (the edges of ranges that do not cover a whole chunk, and
 *    ranges at different offsets within a chunk) are shared one by one, as the
 *    slots of a chunk of the destination.
 * A shared chunk never changes. A write into one first splits it lazily: the
 * store gets a chunk of its own with the same page pointers and one more share
 * of each page (page pointers copied, no data), and then copies the one page it
 * writes, as any shared page.
 *
 * Who holds a chunk or a store page is counted by odx itself. For pages that is
 * never the page's own refcount (which stays at the allocator's 1, so a foreign
 * get_page() or put_page() can neither free a page early nor make one look
 * shared). Store pages are odx's alone (allocated here, never in a page cache,
 * never mapped to user space), so the count lives in the page: page->private
 * holds the share count and page->index the unshare cookie, both changed only by
 * cmpxchg, and the deferred free goes through page->rcu_head (measured: a
 * separate struct per page made a 256 MiB mint 3x slower). A chunk has the same
 * two words of its own.
 *
 * A chunk or a page with one share may still be under a lock-free reader of a
 * store that unmapped it a moment ago, so it is changed in place only when it
 * has one share AND a grace period has passed since a store last stopped
 * mapping it (the unshare cookie, an RCU grace-period state); otherwise a writer
 * splits (a chunk) or copies (a page) first. A page is written in place only
 * when both it and its chunk may be. Counts saturate at ODX_SHARE_MAX: past it
 * a holder gets a private copy instead of a share.
 *
 * Concurrency:
 *  - readers copy from a page under rcu_read_lock() and take no lock and no
 *    share: chunks and pages are freed only after a grace period following the
 *    last put, and nobody changes a chunk's slots or writes into a page while a
 *    reader that found it through a store can still be copying (above).
 *    odx_store_get_page() takes a speculative share under RCU and rechecks the
 *    slot (the page cache's protocol) for callers that keep a page longer;
 *  - every change of a chunk's slots or of the xarray, and every write into a
 *    page, happens under the stripe mutex of that chunk, so a chunk or page a
 *    writer finds exclusive stays exclusive until the writer is done (anyone
 *    taking a share from the store takes the same mutex).
 *  - copy-on-write takes its pages and split chunks from reserves (mempools),
 *    so an overwrite of shared data does not fail for lack of memory: at worst
 *    it waits for memory. Filling a hole allocates normally and may fail.
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
/* Pages of a chunk: the unit of sharing, of the xarray and of the stripe locks. */
#define ODX_CHUNK_SHIFT		9
#define ODX_CHUNK_PAGES		BIT(ODX_CHUNK_SHIFT)
#define ODX_CHUNK_BYTES		(ODX_CHUNK_PAGES * PAGE_SIZE)

/* Holders of one page or chunk at most; past it, holders get private copies. */
#define ODX_SHARE_MAX		0x40000000	/* 2^30 */

/**
 * struct odx_chunk - the page slots of ODX_CHUNK_PAGES consecutive pages
 * @shares: holders: stores mapping it, tokens, callers; cmpxchg only.
 * @cookie: the unshare cookie: an RCU grace-period state after which no
 *	lock-free reader of a store that stopped mapping the chunk can be in it.
 * @nr_pages: slots that hold a page.
 * @rcu: the deferred free.
 * @slots: the pages, NULL for holes; each holds one share of its page.
 *
 * A chunk with more than one share, or whose cookie has not passed, never
 * changes (@nr_pages and @slots); an exclusive one changes under its store's
 * stripe mutex, slots published with release semantics for lock-free readers.
 */
struct odx_chunk {
	unsigned long shares;
	unsigned long cookie;
	unsigned int nr_pages;
	struct rcu_head rcu;
	struct page *slots[ODX_CHUNK_PAGES];
};

/**
 * struct odx_store - sparse page store of one device
 * @chunks: chunk index -> struct odx_chunk *; a missing entry is all holes.
 * @nr_pages: pages present in the store's chunks.
 * @stripes: stripe mutexes; stripes[chunk index % ODX_STORE_STRIPES] serialises
 *	changes of that entry of @chunks, of the slots of the chunk there, and
 *	writes into its pages. Lock order: a stripe mutex, then the xarray's lock;
 *	no two stripes at once.
 */
struct odx_store {
	struct xarray chunks;
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
struct odx_chunk *odx_store_get_chunk_locked(struct odx_store *store, pgoff_t cidx,
					     unsigned int *nr_pages);
int odx_store_share_chunk(struct odx_store *store, pgoff_t cidx, struct odx_chunk *chunk);
void odx_chunk_put(struct odx_chunk *chunk);
unsigned int odx_chunk_shares(struct odx_chunk *chunk);
void odx_page_put(struct page *page);
unsigned int odx_page_shares(struct page *page);
bool odx_page_exclusive(struct page *page);
void odx_store_barrier(void);
int odx_store_module_init(void);
void odx_store_module_exit(void);

#endif /* _ODX_STORE_H */
