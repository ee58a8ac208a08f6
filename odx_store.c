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
	return &store->stripes[index % ODX_STORE_STRIPES];
}

/* A store's reference on a page it no longer maps, dropped after a grace period. */
struct odx_deferred_put {
	struct rcu_head rcu;
	struct page *page;
};

static void odx_deferred_put_fn(struct rcu_head *rcu)
{
	struct odx_deferred_put *d = container_of(rcu, struct odx_deferred_put, rcu);

	put_page(d->page);
	kfree(d);
}

/*
 * Drop the store's reference on a page just removed from its slot. Readers copy
 * from pages under rcu_read_lock() without a reference of their own, so the put
 * waits for a grace period.
 */
static void odx_store_put_rcu(struct page *page)
{
	struct odx_deferred_put *d = kmalloc(sizeof(*d), GFP_NOIO | __GFP_NOWARN);

	if (!d) {
		synchronize_rcu();
		put_page(page);
		return;
	}
	d->page = page;
	call_rcu(&d->rcu, odx_deferred_put_fn);
}

/**
 * odx_store_barrier() - wait until every deferred page release has happened
 *
 * For module unload: the RCU callbacks run module code.
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
		put_page(page);
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
 * Return: the page with a reference the caller must put, or NULL for a hole.
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
			put_page(page);
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
	struct mutex *lock = odx_stripe(store, index);
	struct page *page;

	mutex_lock(lock);
	page = xa_load(&store->pages, index);
	if (page)
		get_page(page);
	mutex_unlock(lock);
	return page;
}
EXPORT_SYMBOL_IF_KUNIT(odx_store_get_page_locked);

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
		odx_store_put_rcu(page);
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
		odx_store_put_rcu(page);
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
	struct mutex *lock = odx_stripe(store, index);
	struct page *old;

	get_page(page);
	mutex_lock(lock);
	/* GFP_NOIO: reclaim may write to this device, which takes @lock. */
	old = xa_store(&store->pages, index, page, GFP_NOIO);
	if (xa_is_err(old)) {
		mutex_unlock(lock);
		put_page(page);
		return xa_err(old);
	}
	if (!old)
		atomic_long_inc(&store->nr_pages);
	mutex_unlock(lock);
	if (old)
		odx_store_put_rcu(old);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(odx_store_share_page);

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
