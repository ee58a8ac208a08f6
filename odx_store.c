// SPDX-License-Identifier: GPL-2.0
/*
 * odx: the sparse, page-granular, copy-on-write backing store.
 *
 * See include/odx_store.h for the locking rules.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "odx_compat.h"
#include "odx_store.h"

static struct mutex *odx_stripe(struct odx_store *store, pgoff_t index)
{
	return &store->stripes[(index >> ODX_STORE_GROUP_SHIFT) % ODX_STORE_STRIPES];
}

/* Pages in the stripe group of @index from @index on, at most @nr. */
static unsigned long odx_group_left(pgoff_t index, unsigned long nr)
{
	return min(nr, ODX_STORE_GROUP - (index & (ODX_STORE_GROUP - 1)));
}

/* A page nobody holds any more, freed once no reader can be copying from it. */
static void odx_page_free_rcu(struct rcu_head *head)
{
	struct page *page = container_of(head, struct page, rcu_head);

	/* Back from zero, for the page allocator's own put. */
	init_page_count(page);
	__free_page(page);
}

/**
 * odx_page_put() - drop a reference on a store page
 * @page: a page that a store maps or mapped
 *
 * Readers copy from pages under rcu_read_lock() without a reference of their
 * own, so the last put of a store page frees it only after a grace period. Every
 * reference on a store page (stores, tokens, odx_store_get_page() callers) is
 * dropped here, never with put_page(). Puts that are not the last cost one
 * atomic decrement; the last one needs no memory (the page's own rcu_head).
 * Callable from any context.
 */
void odx_page_put(struct page *page)
{
	if (put_page_testzero(page))
		call_rcu(&page->rcu_head, odx_page_free_rcu);
}
EXPORT_SYMBOL_IF_KUNIT(odx_page_put);

/**
 * odx_store_barrier() - wait until every deferred page release has happened
 *
 * For module unload: the RCU callbacks of odx_page_put() run module code.
 */
void odx_store_barrier(void)
{
	rcu_barrier();
}
EXPORT_SYMBOL_IF_KUNIT(odx_store_barrier);

/**
 * odx_store_init() - initialise an empty store
 * @store: the store
 */
void odx_store_init(struct odx_store *store)
{
	int i;

	xa_init(&store->pages);
	atomic_long_set(&store->nr_pages, 0);
	for (i = 0; i < ODX_STORE_STRIPES; i++)
		mutex_init(&store->stripes[i]);
}
EXPORT_SYMBOL_IF_KUNIT(odx_store_init);

/**
 * odx_store_destroy() - drop the store's reference on every page
 * @store: the store; no I/O may be in flight or start later
 *
 * Pages that others still hold (tokens, other stores) live on until they are put.
 */
void odx_store_destroy(struct odx_store *store)
{
	struct page *page;
	unsigned long index;
	int i;

	xa_for_each(&store->pages, index, page) {
		odx_page_put(page);
		cond_resched();
	}
	xa_destroy(&store->pages);
	atomic_long_set(&store->nr_pages, 0);
	for (i = 0; i < ODX_STORE_STRIPES; i++)
		mutex_destroy(&store->stripes[i]);
}
EXPORT_SYMBOL_IF_KUNIT(odx_store_destroy);

/**
 * odx_store_get_page() - look up a page and take a reference on it
 * @store: the store
 * @index: page index
 *
 * Lock-free: a speculative reference under RCU, then a recheck that the slot
 * still holds the page, as the page cache does. The caller reads the page and
 * puts it; it must not write to it.
 *
 * Return: the page with a reference the caller must put with odx_page_put(), or
 * NULL for a hole.
 */
struct page *odx_store_get_page(struct odx_store *store, pgoff_t index)
{
	struct page *page;

	rcu_read_lock();
repeat:
	page = xa_load(&store->pages, index);
	if (page) {
		if (!get_page_unless_zero(page))
			goto repeat;
		if (unlikely(page != xa_load(&store->pages, index))) {
			odx_page_put(page);
			goto repeat;
		}
	}
	rcu_read_unlock();
	return page;
}
EXPORT_SYMBOL_IF_KUNIT(odx_store_get_page);

/**
 * odx_store_get_page_locked() - take a lasting reference on a page
 * @store: the store
 * @index: page index
 *
 * Like odx_store_get_page(), but serialised against writers of the page, so once
 * it returns, the page's contents never change again: any later write to that
 * index sees the page shared and copies it first. For holders that keep the page
 * (tokens, other stores).
 *
 * Return: the page with a reference the caller must put, or NULL for a hole.
 */
struct page *odx_store_get_page_locked(struct odx_store *store, pgoff_t index)
{
	struct page *page;

	odx_store_get_pages_locked(store, index, 1, &page);
	return page;
}
EXPORT_SYMBOL_IF_KUNIT(odx_store_get_page_locked);

/**
 * odx_store_get_pages_locked() - take lasting references on a run of pages
 * @store: the store
 * @first: index of the first page
 * @nr: how many
 * @pages: filled with the pages, NULL for holes; each page has a reference the
 *	caller must put
 *
 * odx_store_get_page_locked() for @nr consecutive pages, one stripe mutex per
 * group of pages rather than one per page (a token pinning its source).
 *
 * Return: how many of the entries are pages (not holes).
 */
unsigned long odx_store_get_pages_locked(struct odx_store *store, pgoff_t first,
					 unsigned long nr, struct page **pages)
{
	XA_STATE(xas, &store->pages, first);
	unsigned long i = 0, pinned = 0;

	while (i < nr) {
		pgoff_t index = first + i;
		unsigned long n = odx_group_left(index, nr - i), k;
		struct mutex *lock = odx_stripe(store, index);

		mutex_lock(lock);
		/* The mutex keeps these slots; RCU keeps the nodes of other groups. */
		rcu_read_lock();
		xas_set(&xas, index);
		for (k = 0; k < n; k++) {
			struct page *page = k ? xas_next(&xas) : xas_load(&xas);

			while (xas_retry(&xas, page)) {
				xas_set(&xas, index + k);
				page = xas_load(&xas);
			}
			if (page) {
				get_page(page);
				pinned++;
			}
			pages[i + k] = page;
		}
		rcu_read_unlock();
		mutex_unlock(lock);
		i += n;
	}
	return pinned;
}
EXPORT_SYMBOL_IF_KUNIT(odx_store_get_pages_locked);

/**
 * odx_store_read() - copy bytes out of the store
 * @store: the store
 * @pos: byte offset
 * @buf: destination
 * @len: bytes to copy
 *
 * Holes read as zeros.
 *
 * Return: 0.
 */
int odx_store_read(struct odx_store *store, u64 pos, void *buf, size_t len)
{
	while (len) {
		unsigned int off = offset_in_page(pos);
		size_t n = min_t(size_t, len, PAGE_SIZE - off);
		struct page *page;

		/* No reference: a page leaves the store only after a grace period. */
		rcu_read_lock();
		page = xa_load(&store->pages, pos >> PAGE_SHIFT);
		if (page)
			memcpy_from_page(buf, page, off, n);
		else
			memset(buf, 0, n);
		rcu_read_unlock();
		buf += n;
		pos += n;
		len -= n;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(odx_store_read);

/* Write @n bytes of @src (zeros if NULL) at @off of @page. */
static void odx_fill(struct page *page, unsigned int off, const void *src,
		     unsigned int n)
{
	if (src)
		memcpy_to_page(page, off, src, n);
	else
		memzero_page(page, off, n);
}

/*
 * Write @n bytes (zeros if @src is NULL) at @off of page @index, within one page.
 * A page only the store holds is written in place; a shared page is copied first
 * and the copy replaces it in the store; a hole gets a new page (zeroing a hole
 * does nothing).
 */
static int odx_store_write_page(struct odx_store *store, pgoff_t index,
				unsigned int off, const void *src, unsigned int n,
				gfp_t gfp)
{
	struct mutex *lock = odx_stripe(store, index);
	struct page *page, *new;
	void *old;
	int err = 0;

	mutex_lock(lock);
	page = xa_load(&store->pages, index);
	if (page && page_ref_count(page) == 1) {
		/* The store's reference is the only one: nobody else sees it. */
		odx_fill(page, off, src, n);
		goto out_unlock;
	}
	if (!page && !src)
		goto out_unlock;

	new = alloc_page(gfp | __GFP_NOWARN |
			 (!page && n < PAGE_SIZE ? __GFP_ZERO : 0));
	if (!new) {
		err = -ENOMEM;
		goto out_unlock;
	}
	if (page && n < PAGE_SIZE)
		copy_highpage(new, page);
	odx_fill(new, off, src, n);
	old = xa_store(&store->pages, index, new, gfp);
	if (xa_is_err(old)) {
		err = xa_err(old);
		goto out_free_new;
	}
	if (!page)
		atomic_long_inc(&store->nr_pages);
	mutex_unlock(lock);
	/* Drop the store's reference on the shared page; other holders keep it. */
	if (page)
		odx_page_put(page);
	return 0;

out_free_new:
	__free_page(new);
out_unlock:
	mutex_unlock(lock);
	return err;
}

/* Remove page @index from the store (a whole-page discard). */
static void odx_store_drop_page(struct odx_store *store, pgoff_t index)
{
	struct mutex *lock = odx_stripe(store, index);
	struct page *page;

	mutex_lock(lock);
	page = xa_erase(&store->pages, index);
	if (page)
		atomic_long_dec(&store->nr_pages);
	mutex_unlock(lock);
	if (page)
		odx_page_put(page);
}

/**
 * odx_store_share_page() - make a page of the store share another holder's page
 * @store: the store
 * @index: page index
 * @page: the page to share; the caller keeps its own reference
 *
 * The store takes a reference on @page and maps it at @index, dropping the page
 * that was there. @page must never be written again by anyone: it is shared, so
 * every store holding it copies it before a write.
 *
 * Return: 0, or -ENOMEM.
 */
int odx_store_share_page(struct odx_store *store, pgoff_t index, struct page *page)
{
	unsigned long done;

	return odx_store_share_pages(store, index, &page, 1, &done);
}
EXPORT_SYMBOL_IF_KUNIT(odx_store_share_page);

/*
 * odx_store_share_pages() within one stripe group: one mutex and one xarray
 * lock for the whole run.
 */
static int odx_store_share_group(struct odx_store *store, pgoff_t index,
				 struct page **pages, unsigned long n, unsigned long *done)
{
	struct mutex *lock = odx_stripe(store, index);
	XA_STATE(xas, &store->pages, index);
	unsigned long i = 0;
	long added = 0;
	int err;

	mutex_lock(lock);
	/* GFP_NOIO: reclaim may write to this device, which takes @lock. */
	do {
		xas_lock(&xas);
		for (; i < n; i++) {
			struct page *old = xas_store(&xas, pages[i]);

			if (xas_error(&xas))
				break;
			if (pages[i]) {
				/* Readers need no reference: taking it now is soon enough. */
				get_page(pages[i]);
				added++;
				xas_next(&xas);
			} else {
				/* Erasing may free nodes: walk again from the top. */
				xas_set(&xas, index + i + 1);
			}
			if (old) {
				added--;
				odx_page_put(old);
			}
		}
		xas_unlock(&xas);
	} while (xas_nomem(&xas, GFP_NOIO));
	err = xas_error(&xas);
	atomic_long_add(added, &store->nr_pages);
	mutex_unlock(lock);

	*done = i;
	return err;
}

/**
 * odx_store_share_pages() - map a run of pages into the store, shared
 * @store: the store
 * @first: index of the first slot
 * @pages: the pages, NULL for a hole; the caller keeps its own references
 * @nr: how many
 * @done: set to how many entries were mapped, from the first
 *
 * odx_store_share_page() for @nr consecutive slots, batched per stripe group; a
 * NULL entry makes its slot a hole. The same rule holds: nobody may write to the
 * pages again.
 *
 * Return: 0, or -ENOMEM (*@done says how far it got).
 */
int odx_store_share_pages(struct odx_store *store, pgoff_t first, struct page **pages,
			  unsigned long nr, unsigned long *done)
{
	unsigned long i = 0;
	int err = 0;

	while (i < nr) {
		unsigned long n = odx_group_left(first + i, nr - i), k;

		err = odx_store_share_group(store, first + i, pages + i, n, &k);
		i += k;
		if (err)
			break;
	}
	*done = i;
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(odx_store_share_pages);

/**
 * odx_store_write() - copy bytes into the store
 * @store: the store
 * @pos: byte offset
 * @buf: source
 * @len: bytes to copy
 * @gfp: allocation flags for new pages (GFP_NOIO in the I/O path)
 *
 * Shared pages are copied before they change, so other holders keep their data.
 *
 * Return: 0, or -ENOMEM when a page could not be allocated (bytes before that
 * point have been written).
 */
int odx_store_write(struct odx_store *store, u64 pos, const void *buf, size_t len,
		    gfp_t gfp)
{
	while (len) {
		unsigned int off = offset_in_page(pos);
		unsigned int n = min_t(size_t, len, PAGE_SIZE - off);
		int err;

		err = odx_store_write_page(store, pos >> PAGE_SHIFT, off, buf, n, gfp);
		if (err)
			return err;
		buf += n;
		pos += n;
		len -= n;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(odx_store_write);

/**
 * odx_store_zero() - make a byte range read as zeros
 * @store: the store
 * @pos: byte offset
 * @len: bytes
 * @gfp: allocation flags, for copying a shared page that is partly zeroed
 *
 * Whole pages are freed (the range becomes a hole); partial pages are zeroed.
 *
 * Return: 0, or -ENOMEM.
 */
int odx_store_zero(struct odx_store *store, u64 pos, u64 len, gfp_t gfp)
{
	u64 end = pos + len;
	pgoff_t first, last, index;
	struct page *page;
	int err;

	/* The partial page at the start (or the whole range, within one page). */
	if (offset_in_page(pos) || len < PAGE_SIZE) {
		unsigned int n = min_t(u64, len, PAGE_SIZE - offset_in_page(pos));

		err = odx_store_write_page(store, pos >> PAGE_SHIFT, offset_in_page(pos),
					   NULL, n, gfp);
		if (err)
			return err;
		pos += n;
	}
	/* The partial page at the end. */
	if (end > pos && offset_in_page(end)) {
		err = odx_store_write_page(store, end >> PAGE_SHIFT, 0, NULL,
					   offset_in_page(end), gfp);
		if (err)
			return err;
		end -= offset_in_page(end);
	}
	if (end <= pos)
		return 0;
	/* Whole pages: visit only those present, so a discard of a sparse area is cheap. */
	first = pos >> PAGE_SHIFT;
	last = (end >> PAGE_SHIFT) - 1;
	xa_for_each_range(&store->pages, index, page, first, last) {
		odx_store_drop_page(store, index);
		cond_resched();
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(odx_store_zero);

/**
 * odx_store_nr_pages() - pages the store holds
 * @store: the store
 *
 * Return: the number of pages present (shared or not).
 */
unsigned long odx_store_nr_pages(struct odx_store *store)
{
	return atomic_long_read(&store->nr_pages);
}
EXPORT_SYMBOL_IF_KUNIT(odx_store_nr_pages);
