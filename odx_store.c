// SPDX-License-Identifier: GPL-2.0
/*
 * odx: the sparse, page-granular, copy-on-write backing store.
 *
 * See include/odx_store.h for the locking rules.
 */
#include <linux/bitmap.h>
#include <linux/highmem.h>
#include <linux/mempool.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "odx_compat.h"
#include "odx_store.h"

/* Pages changed at once under one stripe mutex (a batch on the stack). */
#define ODX_STORE_BATCH		64

static struct mutex *odx_stripe(struct odx_store *store, pgoff_t cidx)
{
	return &store->stripes[cidx % ODX_STORE_STRIPES];
}

static pgoff_t odx_cidx(pgoff_t index)
{
	return index >> ODX_CHUNK_SHIFT;
}

static unsigned int odx_slot(pgoff_t index)
{
	return index & (ODX_CHUNK_PAGES - 1);
}

/* Pages of a batch from @index on, at most @nr: within one chunk and one batch. */
static unsigned long odx_batch_left(pgoff_t index, unsigned long nr)
{
	return min(nr, ODX_STORE_BATCH - (index & (ODX_STORE_BATCH - 1)));
}

/* Pages and chunks kept back for copy-on-write (one per concurrent COW). */
#define ODX_COW_RESERVE		64
#define ODX_SPLIT_RESERVE	8

static mempool_t *odx_page_pool;	/* pages for copy-on-write */
static struct kmem_cache *odx_chunk_cache;
static mempool_t *odx_chunk_pool;	/* chunks for splitting shared ones */

/*
 * The share count and unshare cookie of a store page live in the page itself
 * (see odx_store.h): @private and @index of a page odx allocated and never lets
 * anyone else map. They change only through cmpxchg, so the count needs no
 * second cache line and no allocation of its own.
 */
static unsigned long *odx_share_count(struct page *page)
{
	return &page->private;
}

static unsigned long *odx_share_cookie(struct page *page)
{
	return &page->index;
}

/*
 * A new store page with one share (the caller's), or NULL. Copy-on-write
 * (@reserve) draws on the mempool and so never fails when it may sleep.
 */
static struct page *odx_page_alloc(gfp_t gfp, bool reserve)
{
	struct page *page;

	gfp |= __GFP_NOWARN;
	if (reserve)
		page = mempool_alloc(odx_page_pool, gfp);
	else
		page = alloc_page(gfp);
	if (!page)
		return NULL;
	*odx_share_cookie(page) = get_completed_synchronize_rcu();
	set_page_private(page, 1);
	return page;
}

/* A page nobody holds, freed once no reader can be copying from it. */
static void odx_page_free_rcu(struct rcu_head *head)
{
	struct page *page = container_of(head, struct page, rcu_head);

	set_page_private(page, 0);
	*odx_share_cookie(page) = 0;
	/* Refills the copy-on-write reserve first, if it ran low. */
	mempool_free(page, odx_page_pool);
}

/*
 * Take one more share of @page, unless it has ODX_SHARE_MAX holders already.
 * The caller knows the page has a holder that cannot go away meanwhile.
 */
static bool odx_page_share(struct page *page)
{
	unsigned long *count = odx_share_count(page);
	unsigned long old = READ_ONCE(*count);

	do {
		if (old >= ODX_SHARE_MAX)
			return false;
	} while (!try_cmpxchg_relaxed(count, &old, old + 1));
	return true;
}

/*
 * Take one more share of @page unless it has none left (the page left its
 * slot and waits for a grace period to be freed). For short-lived holders
 * found under RCU, which may go past ODX_SHARE_MAX: the count has room.
 */
static bool odx_page_share_live(struct page *page)
{
	unsigned long *count = odx_share_count(page);
	unsigned long old = READ_ONCE(*count);

	do {
		if (!old)
			return false;
	} while (!try_cmpxchg_relaxed(count, &old, old + 1));
	return true;
}

/* A private copy of @page, with one share, from the copy-on-write reserve. */
static struct page *odx_page_copy(struct page *page, gfp_t gfp)
{
	struct page *copy = odx_page_alloc(gfp, true);

	if (copy)
		copy_highpage(copy, page);
	return copy;
}

/**
 * odx_page_put() - drop a share of a store page
 * @page: a page that a store maps or mapped
 *
 * Every share of a store page (store slots, tokens, odx_store_get_page()
 * callers) is dropped here or, for a store slot that stops mapping the page,
 * by odx_page_unmap_put(). Readers copy from pages under rcu_read_lock()
 * without a share, so the last put frees the page a grace period later.
 * The decrement is fully ordered. Callable from any context.
 */
void odx_page_put(struct page *page)
{
	unsigned long *count = odx_share_count(page);
	unsigned long old = READ_ONCE(*count);

	do {
		if (WARN_ON_ONCE(!old))
			return;
	} while (!try_cmpxchg(count, &old, old - 1));
	if (old == 1)
		call_rcu(&page->rcu_head, odx_page_free_rcu);
}
EXPORT_SYMBOL_IF_KUNIT(odx_page_put);

/*
 * A store slot stops mapping @page: drop the slot's share. A lock-free reader
 * that found the page through that slot may still be copying from it, so the
 * grace period @now (get_state_synchronize_rcu(), taken after the slot
 * changed) goes into the page's unshare cookie first, and no other holder
 * writes the page in place before that grace period has passed.
 *
 * When the slot's share is the only one, nobody can write the page after us:
 * the slot no longer maps it, a lasting share is taken only from a slot or a
 * holder, and a speculative share (odx_store_get_page()) never writes. The
 * page is then freed a grace period after the put, and the cookie is moot.
 */
static void odx_page_unmap_put(struct page *page, unsigned long now)
{
	unsigned long *cookie = odx_share_cookie(page);
	unsigned long old;

	if (READ_ONCE(*odx_share_count(page)) != 1) {
		/* Forward only: a racing unmap may have recorded a later one. */
		old = READ_ONCE(*cookie);
		while (ULONG_CMP_LT(old, now) && !try_cmpxchg(cookie, &old, now))
			;
	}
	/* Fully ordered: whoever sees the lower count sees the cookie too. */
	odx_page_put(page);
}

/*
 * A new chunk, all holes, with one share (the caller's), or NULL. Splitting a
 * shared chunk (@reserve) draws on the mempool and so never fails when it may
 * sleep.
 */
static struct odx_chunk *odx_chunk_alloc(gfp_t gfp, bool reserve)
{
	struct odx_chunk *chunk;

	gfp |= __GFP_NOWARN;
	if (reserve)
		chunk = mempool_alloc(odx_chunk_pool, gfp);
	else
		chunk = kmem_cache_alloc(odx_chunk_cache, gfp);
	if (!chunk)
		return NULL;
	memset(chunk, 0, sizeof(*chunk));
	chunk->shares = 1;
	chunk->cookie = get_completed_synchronize_rcu();
	return chunk;
}

static void odx_chunk_free_rcu(struct rcu_head *head)
{
	/* Refills the split reserve first, if it ran low. */
	mempool_free(container_of(head, struct odx_chunk, rcu), odx_chunk_pool);
}

/* One more share of @chunk, unless it has ODX_SHARE_MAX holders already. */
static bool odx_chunk_share(struct odx_chunk *chunk)
{
	unsigned long old = READ_ONCE(chunk->shares);

	do {
		if (old >= ODX_SHARE_MAX)
			return false;
	} while (!try_cmpxchg_relaxed(&chunk->shares, &old, old + 1));
	return true;
}

/*
 * A copy of @chunk's slots into @new: the same pages, each with one more share
 * (a page with ODX_SHARE_MAX holders is copied). No data moves.
 */
static void odx_chunk_copy_slots(struct odx_chunk *new, struct odx_chunk *chunk)
{
	unsigned int k;

	for (k = 0; k < ODX_CHUNK_PAGES; k++) {
		struct page *page = chunk->slots[k];

		if (page && !odx_page_share(page))
			page = odx_page_copy(page, GFP_NOIO);
		new->slots[k] = page;
	}
	new->nr_pages = chunk->nr_pages;
}

/* A private copy of @chunk with one share: the same pages, shared. */
static struct odx_chunk *odx_chunk_copy(struct odx_chunk *chunk)
{
	struct odx_chunk *new = odx_chunk_alloc(GFP_NOIO, true);

	odx_chunk_copy_slots(new, chunk);
	return new;
}

/**
 * odx_chunk_put() - drop a share of a chunk
 * @chunk: a chunk the caller holds a share of
 *
 * The last put drops the chunk's share of each of its pages, and frees the
 * chunk a grace period later. A lock-free reader may have found those pages
 * through the chunk, so pages other holders keep get the grace-period cookie
 * (odx_page_unmap_put()). The decrement is fully ordered. May not be called
 * in interrupt context (it walks the chunk's slots).
 */
void odx_chunk_put(struct odx_chunk *chunk)
{
	unsigned long old = READ_ONCE(chunk->shares), now;
	unsigned int k;

	do {
		if (WARN_ON_ONCE(!old))
			return;
	} while (!try_cmpxchg(&chunk->shares, &old, old - 1));
	if (old != 1)
		return;
	if (chunk->nr_pages) {
		now = get_state_synchronize_rcu();
		for (k = 0; k < ODX_CHUNK_PAGES; k++)
			if (chunk->slots[k])
				odx_page_unmap_put(chunk->slots[k], now);
	}
	call_rcu(&chunk->rcu, odx_chunk_free_rcu);
}
EXPORT_SYMBOL_IF_KUNIT(odx_chunk_put);

/*
 * A store stops mapping @chunk: drop its share, after moving the chunk's
 * unshare cookie to @now (get_state_synchronize_rcu(), taken after the xarray
 * changed) when others keep the chunk, as odx_page_unmap_put() does for pages.
 */
static void odx_chunk_unmap_put(struct odx_chunk *chunk, unsigned long now)
{
	unsigned long old;

	if (READ_ONCE(chunk->shares) != 1) {
		old = READ_ONCE(chunk->cookie);
		while (ULONG_CMP_LT(old, now) && !try_cmpxchg(&chunk->cookie, &old, now))
			;
	}
	odx_chunk_put(chunk);
}

/* May the store that maps @chunk change its slots? Under its stripe mutex. */
static bool odx_chunk_exclusive(struct odx_chunk *chunk)
{
	/* Pairs with the fully ordered decrement in odx_chunk_put(). */
	if (smp_load_acquire(&chunk->shares) != 1)
		return false;
	return poll_state_synchronize_rcu(READ_ONCE(chunk->cookie));
}

/**
 * odx_chunk_shares() - how many holders a chunk has
 * @chunk: a chunk the caller holds or knows held
 *
 * Return: the share count (a snapshot).
 */
unsigned int odx_chunk_shares(struct odx_chunk *chunk)
{
	return READ_ONCE(chunk->shares);
}
EXPORT_SYMBOL_IF_KUNIT(odx_chunk_shares);

/**
 * odx_page_shares() - how many holders a store page has
 * @page: a store page the caller holds or knows held
 *
 * Return: the share count (a snapshot).
 */
unsigned int odx_page_shares(struct page *page)
{
	return READ_ONCE(*odx_share_count(page));
}
EXPORT_SYMBOL_IF_KUNIT(odx_page_shares);

/**
 * odx_page_exclusive() - may the one holder of a page write it in place?
 * @page: a page mapped in a store; the caller holds that slot's stripe mutex
 *
 * Return: true if the page has a single share and a grace period has passed
 * since another store slot last stopped mapping it, so no lock-free reader that
 * found the page through another store or slot can still be copying from it.
 */
bool odx_page_exclusive(struct page *page)
{
	/* Pairs with the fully ordered decrement in odx_page_put(). */
	if (smp_load_acquire(odx_share_count(page)) != 1)
		return false;
	return poll_state_synchronize_rcu(READ_ONCE(*odx_share_cookie(page)));
}
EXPORT_SYMBOL_IF_KUNIT(odx_page_exclusive);

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
 * odx_store_module_init() - set up the copy-on-write reserves
 *
 * Return: 0 or -ENOMEM.
 */
int odx_store_module_init(void)
{
	odx_page_pool = mempool_create_page_pool(ODX_COW_RESERVE, 0);
	if (!odx_page_pool)
		return -ENOMEM;
	odx_chunk_cache = KMEM_CACHE(odx_chunk, 0);
	if (!odx_chunk_cache)
		goto out_destroy_page_pool;
	odx_chunk_pool = mempool_create_slab_pool(ODX_SPLIT_RESERVE, odx_chunk_cache);
	if (!odx_chunk_pool)
		goto out_destroy_chunk_cache;
	return 0;

out_destroy_chunk_cache:
	kmem_cache_destroy(odx_chunk_cache);
out_destroy_page_pool:
	mempool_destroy(odx_page_pool);
	return -ENOMEM;
}

/**
 * odx_store_module_exit() - wait for deferred frees, then free the reserves
 *
 * Every store must have been destroyed and every token freed.
 */
void odx_store_module_exit(void)
{
	odx_store_barrier();
	mempool_destroy(odx_chunk_pool);
	kmem_cache_destroy(odx_chunk_cache);
	mempool_destroy(odx_page_pool);
}

/**
 * odx_store_init() - initialise an empty store
 * @store: the store
 */
void odx_store_init(struct odx_store *store)
{
	int i;

	xa_init(&store->chunks);
	atomic_long_set(&store->nr_pages, 0);
	for (i = 0; i < ODX_STORE_STRIPES; i++)
		mutex_init(&store->stripes[i]);
}
EXPORT_SYMBOL_IF_KUNIT(odx_store_init);

/**
 * odx_store_destroy() - drop the store's share of every chunk
 * @store: the store; no I/O may be in flight or start later
 *
 * Chunks and pages that others still hold (tokens, other stores) live on until
 * they are put.
 */
void odx_store_destroy(struct odx_store *store)
{
	struct odx_chunk *chunk;
	unsigned long cidx;
	int i;

	/* No I/O in flight: no reader of this store to wait for. */
	xa_for_each(&store->chunks, cidx, chunk) {
		odx_chunk_put(chunk);
		cond_resched();
	}
	xa_destroy(&store->chunks);
	atomic_long_set(&store->nr_pages, 0);
	for (i = 0; i < ODX_STORE_STRIPES; i++)
		mutex_destroy(&store->stripes[i]);
}
EXPORT_SYMBOL_IF_KUNIT(odx_store_destroy);

/* The page in slot @index, or NULL; under RCU or the stripe mutex. */
static struct page *odx_store_load(struct odx_store *store, pgoff_t index)
{
	struct odx_chunk *chunk = xa_load(&store->chunks, odx_cidx(index));

	/* Pairs with the release that published the slot. */
	return chunk ? READ_ONCE(chunk->slots[odx_slot(index)]) : NULL;
}

/**
 * odx_store_get_page() - look up a page and take a share of it
 * @store: the store
 * @index: page index
 *
 * Lock-free: a speculative share under RCU, then a recheck that the slot
 * still holds the page, as the page cache does. The caller reads the page and
 * puts it; it must not write to it.
 *
 * Return: the page with a share the caller must put with odx_page_put(), or
 * NULL for a hole.
 */
struct page *odx_store_get_page(struct odx_store *store, pgoff_t index)
{
	struct page *page;

	rcu_read_lock();
repeat:
	page = odx_store_load(store, index);
	if (page) {
		/*
		 * Zero: the page left the slot and is being freed. A short-lived
		 * caller may take a share past ODX_SHARE_MAX (the bound of lasting
		 * holders): the count has room for another 2^30.
		 */
		if (!odx_page_share_live(page))
			goto repeat;
		if (unlikely(page != odx_store_load(store, index))) {
			odx_page_put(page);
			goto repeat;
		}
	}
	rcu_read_unlock();
	return page;
}
EXPORT_SYMBOL_IF_KUNIT(odx_store_get_page);

/**
 * odx_store_get_page_locked() - take a lasting share of a page
 * @store: the store
 * @index: page index
 *
 * Like odx_store_get_page(), but serialised against writers of the page, so once
 * it returns, the page's contents never change again: any later write to that
 * index sees the page shared and copies it first. For holders that keep the page
 * (tokens, other stores). A page with ODX_SHARE_MAX holders yields a private
 * copy with one share instead.
 *
 * Return: the page with a share the caller must put, or NULL for a hole.
 */
struct page *odx_store_get_page_locked(struct odx_store *store, pgoff_t index)
{
	unsigned long present;
	struct page *page;

	if (!odx_store_get_pages_locked(store, index, 1, &page, &present))
		return NULL;
	return page;
}
EXPORT_SYMBOL_IF_KUNIT(odx_store_get_page_locked);

/**
 * odx_store_get_pages_locked() - take lasting shares of the pages of a run
 * @store: the store
 * @first: index of the first slot
 * @nr: how many slots, at most BITS_PER_LONG
 * @pages: filled with the pages present, in index order, holes left out; each
 *	has a share the caller must put
 * @present: a bitmap of @nr bits: bit k is set if slot @first + k held a page
 *
 * odx_store_get_page_locked() for @nr consecutive slots, one stripe mutex per
 * chunk rather than one per slot (a token pinning the edges of its ranges).
 *
 * Return: how many pages were stored in @pages.
 */
unsigned long odx_store_get_pages_locked(struct odx_store *store, pgoff_t first,
					 unsigned long nr, struct page **pages,
					 unsigned long *present)
{
	unsigned long i = 0, got = 0;

	bitmap_zero(present, nr);
	while (i < nr) {
		pgoff_t index = first + i;
		unsigned long n = odx_batch_left(index, nr - i), k, from = got;
		struct mutex *lock = odx_stripe(store, odx_cidx(index));
		struct odx_chunk *chunk;
		u64 saturated = 0;

		mutex_lock(lock);
		/* The mutex keeps the chunk and its slots. */
		chunk = xa_load(&store->chunks, odx_cidx(index));
		for (k = 0; chunk && k < n; k++) {
			struct page *page = chunk->slots[odx_slot(index + k)];

			if (!page)
				continue;
			if (!odx_page_share(page))
				saturated |= BIT_ULL(got - from);
			__set_bit(i + k, present);
			pages[got++] = page;
		}
		/* Pages with ODX_SHARE_MAX holders: a private copy (the slot keeps them). */
		while (saturated) {
			k = from + __ffs64(saturated);
			saturated &= saturated - 1;
			pages[k] = odx_page_copy(pages[k], GFP_NOIO);
		}
		mutex_unlock(lock);
		i += n;
	}
	return got;
}
EXPORT_SYMBOL_IF_KUNIT(odx_store_get_pages_locked);

/**
 * odx_store_get_chunk_locked() - take a lasting share of a whole chunk
 * @store: the store
 * @cidx: chunk index (page index >> ODX_CHUNK_SHIFT)
 * @nr_pages: set to the pages the chunk holds
 *
 * For a token over the whole chunk: one share, whatever the chunk holds. Once
 * it returns, the chunk never changes: a later write to it splits it first. A
 * chunk with ODX_SHARE_MAX holders yields a private copy instead.
 *
 * Return: the chunk with a share the caller must put with odx_chunk_put(), or
 * NULL when the whole chunk is a hole.
 */
struct odx_chunk *odx_store_get_chunk_locked(struct odx_store *store, pgoff_t cidx,
					     unsigned int *nr_pages)
{
	struct mutex *lock = odx_stripe(store, cidx);
	struct odx_chunk *chunk;

	mutex_lock(lock);
	chunk = xa_load(&store->chunks, cidx);
	if (chunk && !odx_chunk_share(chunk))
		chunk = odx_chunk_copy(chunk);
	*nr_pages = chunk ? chunk->nr_pages : 0;
	mutex_unlock(lock);
	return chunk;
}
EXPORT_SYMBOL_IF_KUNIT(odx_store_get_chunk_locked);

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

		/* No share: a page leaves the store only after a grace period. */
		rcu_read_lock();
		page = odx_store_load(store, pos >> PAGE_SHIFT);
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
EXPORT_SYMBOL_GPL(odx_store_read);

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
 * The chunk @cidx of @store, made exclusive so its slots may change: a shared
 * chunk is split (a chunk of the store's own with the same pages, each shared
 * once more, from the reserve: it does not fail), and a missing one is made if
 * @create (it may fail). Under the chunk's stripe mutex.
 *
 * Return: the chunk; NULL if there was none and !@create; an ERR_PTR.
 */
static struct odx_chunk *odx_chunk_writable(struct odx_store *store, pgoff_t cidx,
					    bool create, gfp_t gfp)
{
	struct odx_chunk *chunk, *new;
	void *old;

	lockdep_assert_held(odx_stripe(store, cidx));
	chunk = xa_load(&store->chunks, cidx);
	if (chunk && odx_chunk_exclusive(chunk))
		return chunk;
	if (!chunk && !create)
		return NULL;
	new = odx_chunk_alloc(gfp, chunk);
	if (!new)
		return ERR_PTR(-ENOMEM);
	if (chunk)
		odx_chunk_copy_slots(new, chunk);
	/* Replacing an entry allocates nothing; only a new one may fail. */
	old = xa_store(&store->chunks, cidx, new, gfp);
	if (xa_is_err(old)) {
		odx_chunk_put(new);
		return ERR_PTR(xa_err(old));
	}
	if (chunk)
		odx_chunk_unmap_put(chunk, get_state_synchronize_rcu());
	return new;
}

/* Make slot @slot of @chunk hold @page (published for lock-free readers). */
static void odx_chunk_set(struct odx_chunk *chunk, unsigned int slot, struct page *page)
{
	/* Pairs with READ_ONCE() in odx_store_load(): the page's data first. */
	smp_store_release(&chunk->slots[slot], page);
}

/* @chunk, exclusive and mapped at @cidx, lost its last page: drop it. */
static void odx_chunk_remove(struct odx_store *store, pgoff_t cidx,
			     struct odx_chunk *chunk)
{
	xa_erase(&store->chunks, cidx);
	odx_chunk_unmap_put(chunk, get_state_synchronize_rcu());
}

/*
 * Write @n bytes (zeros if @src is NULL) at @off of page @index, within one page.
 * A page only the store holds, in a chunk only the store holds, is written in
 * place; a shared chunk is split and a shared page copied first (the copy
 * replaces it in the chunk); a hole gets a new page (zeroing a hole does
 * nothing).
 */
static int odx_store_write_page(struct odx_store *store, pgoff_t index,
				unsigned int off, const void *src, unsigned int n,
				gfp_t gfp)
{
	pgoff_t cidx = odx_cidx(index);
	unsigned int slot = odx_slot(index);
	struct mutex *lock = odx_stripe(store, cidx);
	struct odx_chunk *chunk;
	struct page *page, *new;
	int err = 0;

	mutex_lock(lock);
	chunk = xa_load(&store->chunks, cidx);
	page = chunk ? chunk->slots[slot] : NULL;
	if (page && odx_chunk_exclusive(chunk) && odx_page_exclusive(page)) {
		/* Nobody else holds it or can still be reading it. */
		odx_fill(page, off, src, n);
		goto out_unlock;
	}
	if (!page && !src)
		goto out_unlock;

	if (page) {
		/* Copy-on-write: from the reserves, so an overwrite cannot fail. */
		chunk = odx_chunk_writable(store, cidx, false, gfp);
		if (IS_ERR(chunk)) {
			err = PTR_ERR(chunk);
			goto out_unlock;
		}
		new = odx_page_alloc(gfp, true);
		if (!new) {
			err = -ENOMEM;
			goto out_unlock;
		}
		if (n < PAGE_SIZE)
			copy_highpage(new, page);
	} else {
		new = odx_page_alloc(gfp | (n < PAGE_SIZE ? __GFP_ZERO : 0), false);
		if (!new) {
			err = -ENOMEM;
			goto out_unlock;
		}
		chunk = odx_chunk_writable(store, cidx, true, gfp);
		if (IS_ERR(chunk)) {
			err = PTR_ERR(chunk);
			goto out_put_new;
		}
	}
	odx_fill(new, off, src, n);
	odx_chunk_set(chunk, slot, new);
	if (!page) {
		chunk->nr_pages++;
		atomic_long_inc(&store->nr_pages);
	}
	mutex_unlock(lock);
	/* Drop the chunk's share of the page it no longer maps; others keep it. */
	if (page)
		odx_page_unmap_put(page, get_state_synchronize_rcu());
	return 0;

out_put_new:
	odx_page_put(new);
out_unlock:
	mutex_unlock(lock);
	return err;
}

/*
 * Make slots @index..@index + @nr - 1 (within one batch) of @store hold @pages
 * (NULL for a hole), each with a share the caller gave. The chunk's stripe
 * mutex is held. Pages the slots held are put with one grace-period cookie.
 *
 * Return: 0, or -ENOMEM when a chunk had to be made and could not be (nothing
 * changed; the caller still owns its shares).
 */
static int odx_store_set_batch(struct odx_store *store, pgoff_t index,
			       struct page *const *pages, unsigned long nr, gfp_t gfp)
{
	pgoff_t cidx = odx_cidx(index);
	struct page *gone[ODX_STORE_BATCH];
	unsigned int slot = odx_slot(index);
	unsigned long k, nr_gone = 0, now;
	struct odx_chunk *chunk;
	bool create = false;
	long added = 0;

	for (k = 0; k < nr; k++)
		create |= !!pages[k];
	chunk = xa_load(&store->chunks, cidx);
	if (!chunk && !create)
		return 0;
	if (chunk && !create) {
		/* Only holes to make: nothing to do where there are no pages. */
		for (k = 0; k < nr && !chunk->slots[slot + k]; k++)
			;
		if (k == nr)
			return 0;
	}
	chunk = odx_chunk_writable(store, cidx, create, gfp);
	if (IS_ERR(chunk))
		return PTR_ERR(chunk);
	for (k = 0; k < nr; k++) {
		struct page *old = chunk->slots[slot + k];

		if (old == pages[k]) {
			/* The same page again: its new share is one too many. */
			if (old)
				gone[nr_gone++] = old;
			continue;
		}
		odx_chunk_set(chunk, slot + k, pages[k]);
		added += !!pages[k] - !!old;
		if (old)
			gone[nr_gone++] = old;
	}
	chunk->nr_pages += added;
	atomic_long_add(added, &store->nr_pages);
	if (!chunk->nr_pages)
		odx_chunk_remove(store, cidx, chunk);
	/* One grace-period cookie for every page these slots stopped mapping. */
	if (nr_gone) {
		now = get_state_synchronize_rcu();
		for (k = 0; k < nr_gone; k++)
			odx_page_unmap_put(gone[k], now);
	}
	return 0;
}

/*
 * Remove pages @index..@index + @nr - 1 (within one chunk) from the store (a
 * whole-page discard): a whole chunk at once, else in batches.
 */
static int odx_store_drop_pages(struct odx_store *store, pgoff_t index,
				unsigned long nr, gfp_t gfp)
{
	static struct page *const holes[ODX_STORE_BATCH];
	pgoff_t cidx = odx_cidx(index);
	struct mutex *lock = odx_stripe(store, cidx);
	struct odx_chunk *chunk;
	unsigned long n;
	int err = 0;

	mutex_lock(lock);
	if (nr == ODX_CHUNK_PAGES) {
		chunk = xa_erase(&store->chunks, cidx);
		if (chunk) {
			atomic_long_sub(chunk->nr_pages, &store->nr_pages);
			odx_chunk_unmap_put(chunk, get_state_synchronize_rcu());
		}
		goto out_unlock;
	}
	for (; nr && !err; index += n, nr -= n) {
		n = odx_batch_left(index, nr);
		err = odx_store_set_batch(store, index, holes, n, gfp);
	}
out_unlock:
	mutex_unlock(lock);
	return err;
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

/* odx_store_share_pages() within one batch: one mutex for the whole run. */
static int odx_store_share_batch(struct odx_store *store, pgoff_t index,
				 struct page **pages, unsigned long n)
{
	struct mutex *lock = odx_stripe(store, odx_cidx(index));
	struct page *ins[ODX_STORE_BATCH];
	unsigned long k;
	int err;

	mutex_lock(lock);
	/* The slots' shares first; a page with ODX_SHARE_MAX holders is copied. */
	for (k = 0; k < n; k++) {
		ins[k] = pages[k];
		if (ins[k] && !odx_page_share(ins[k]))
			ins[k] = odx_page_copy(pages[k], GFP_NOIO);
	}
	/* GFP_NOIO: reclaim may write to this device, which takes @lock. */
	err = odx_store_set_batch(store, index, ins, n, GFP_NOIO);
	mutex_unlock(lock);
	if (err)
		for (k = 0; k < n; k++)
			if (ins[k])
				odx_page_put(ins[k]);
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
 * odx_store_share_page() for @nr consecutive slots, batched; a NULL entry makes
 * its slot a hole. The same rule holds: nobody may write to the pages again.
 *
 * Return: 0, or -ENOMEM (*@done says how far it got).
 */
int odx_store_share_pages(struct odx_store *store, pgoff_t first, struct page **pages,
			  unsigned long nr, unsigned long *done)
{
	unsigned long i = 0;
	int err = 0;

	while (i < nr) {
		unsigned long n = odx_batch_left(first + i, nr - i);

		err = odx_store_share_batch(store, first + i, pages + i, n);
		if (err)
			break;
		i += n;
	}
	*done = i;
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(odx_store_share_pages);

/**
 * odx_store_share_chunk() - map a whole chunk into the store, shared
 * @store: the store
 * @cidx: chunk index in @store
 * @chunk: the chunk; the caller keeps its own share
 *
 * One share and one xarray store for ODX_CHUNK_PAGES pages: the store's chunk
 * there, if any, is dropped. Nobody may change @chunk again: it is shared, so
 * every store mapping it splits it before a write. A chunk with ODX_SHARE_MAX
 * holders is mapped as a private copy (its pages shared).
 *
 * Return: 0, or -ENOMEM.
 */
int odx_store_share_chunk(struct odx_store *store, pgoff_t cidx, struct odx_chunk *chunk)
{
	struct mutex *lock = odx_stripe(store, cidx);
	XA_STATE(xas, &store->chunks, cidx);
	struct odx_chunk *old;
	int err;

	if (!odx_chunk_share(chunk))
		chunk = odx_chunk_copy(chunk);
	mutex_lock(lock);
	/* GFP_NOIO: reclaim may write to this device, which takes @lock. */
	do {
		xas_lock(&xas);
		old = xas_store(&xas, chunk);
		xas_unlock(&xas);
	} while (xas_nomem(&xas, GFP_NOIO));
	err = xas_error(&xas);
	if (err) {
		mutex_unlock(lock);
		odx_chunk_put(chunk);
		return err;
	}
	atomic_long_add((long)chunk->nr_pages - (old ? old->nr_pages : 0),
			&store->nr_pages);
	mutex_unlock(lock);
	if (old)
		odx_chunk_unmap_put(old, get_state_synchronize_rcu());
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(odx_store_share_chunk);

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
EXPORT_SYMBOL_GPL(odx_store_write);

/**
 * odx_store_zero() - make a byte range read as zeros
 * @store: the store
 * @pos: byte offset
 * @len: bytes
 * @gfp: allocation flags, for copying a shared page that is partly zeroed
 *
 * Whole pages are freed (the range becomes a hole), whole chunks at once;
 * partial pages are zeroed.
 *
 * Return: 0, or -ENOMEM.
 */
int odx_store_zero(struct odx_store *store, u64 pos, u64 len, gfp_t gfp)
{
	u64 end = pos + len;
	struct odx_chunk *chunk;
	unsigned long cidx;
	pgoff_t first, last;
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
	/* Whole pages: visit only chunks present, so a discard of a sparse area is cheap. */
	first = pos >> PAGE_SHIFT;
	last = (end >> PAGE_SHIFT) - 1;
	xa_for_each_range(&store->chunks, cidx, chunk, odx_cidx(first), odx_cidx(last)) {
		pgoff_t from = max_t(pgoff_t, first, cidx << ODX_CHUNK_SHIFT);
		pgoff_t to = min_t(pgoff_t, last, ((cidx + 1) << ODX_CHUNK_SHIFT) - 1);

		err = odx_store_drop_pages(store, from, to - from + 1, gfp);
		if (err)
			return err;
		cond_resched();
	}
	return 0;
}
EXPORT_SYMBOL_GPL(odx_store_zero);

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
