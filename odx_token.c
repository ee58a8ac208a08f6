// SPDX-License-Identifier: GPL-2.0
/*
 * odx: the token table: minting, lookup, lifetime, release and revocation of
 * tokens over a struct odx_source (a device as far as tokens go).
 *
 * A token handed to userspace is 512 bytes laid out as an SPC-4 ROD token:
 *   0-3    ROD type (point in time copy, default)
 *   6-7    ROD token length, 0x1F8
 *   8-15   copy manager ROD token identifier: the lookup key (random, unique among
 *          live tokens, not secret; no counter, so it tells nobody how many
 *          tokens others minted)
 *   16-47  creator logical unit descriptor (identification descriptor, type 0xE4)
 *   48-63  number of bytes represented
 *   96-127 device type specific data: READ CAPACITY (16) data of the source
 *   128-511 384 random bytes from the kernel's RNG: the secret
 * Nothing in it is trusted: device, ranges, lifetime and state live in the kernel's
 * struct odx_tok, found by the identifier and accepted only when all 512 bytes
 * match, compared in constant time.
 *
 * The trust model: a token is a bearer capability. Whoever holds its 512 bytes
 * can copy the data it stands for to any odx device they can open for writing
 * (any device, unless allow_cross_device=N), for as long as it lives; odx does
 * not ask who minted it. Minting needs read access to the source, which is the
 * access the data itself needs, so handing a token on is like handing on a
 * copy of the data. What bounds a token:
 *  - its lifetime: an inactivity timeout (TimeToLive, the T10/Windows rule;
 *    each use re-arms it) and, where the device's owner sets token_age_max_ms,
 *    an absolute age past which it dies however it is used;
 *  - release (ODX_IOC_RELEASE, SCSI DEL_TKN) by whoever holds it;
 *  - revocation of every token of a device (ODX_IOC_REVOKE, which needs the
 *    device open for writing; removing the device does it too);
 *  - its cost: every byte a token holds (its structures and PAGE_SIZE per
 *    source page it pins; holes cost nothing) is charged to its source
 *    device's budget (token_bytes_max; past it, EDQUOT) and allocated with
 *    __GFP_ACCOUNT, in the minter's memory cgroup.
 * A token's bytes carry no secret about others: the identifier is random and
 * the rest is the source's identity, the length and 384 random bytes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/highmem.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/siphash.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "odx_compat.h"
#include "odx_store.h"
#include "odx_token.h"

#define ODX_TOKEN_HASH_BITS	14
#define ODX_TOKEN_SECRET_OFF	128
/* Source pages a mint pins between checks for rescheduling and fatal signals. */
#define ODX_MINT_BATCH		1024UL
/* Source pages a mint pins per call into the store (a batch of a chunk). */
#define ODX_MINT_STEP		64UL
/* Tokens unlinked (reaper, revocation) per hold of odx_tokens_lock. */
#define ODX_UNLINK_BATCH	256

struct odx_token_limits odx_token_limits = {
	.max_tokens = 131072,
	.max_pages = 262144,
	.max_token_bytes = 256ULL << 20,
	.default_ttl_ms = 30000,
	.max_ttl_ms = 3600000,
	.dev_bytes_max = 1UL << 30,
	.dev_age_max_ms = 0,
};
EXPORT_SYMBOL_IF_KUNIT(odx_token_limits);

module_param_named(max_tokens, odx_token_limits.max_tokens, ulong, 0444);
MODULE_PARM_DESC(max_tokens, "Live tokens at most, all devices together (default 131072)");
module_param_named(token_pages_max, odx_token_limits.max_pages, ulong, 0444);
MODULE_PARM_DESC(token_pages_max, "Pages all tokens together may pin (default 262144 = 1 GiB)");
module_param_named(max_token_bytes, odx_token_limits.max_token_bytes, ullong, 0444);
MODULE_PARM_DESC(max_token_bytes, "Default bytes one token covers at most (default 256 MiB; per device)");
module_param_named(default_ttl_ms, odx_token_limits.default_ttl_ms, uint, 0444);
MODULE_PARM_DESC(default_ttl_ms, "Token lifetime for TimeToLive 0, in ms (default 30000)");
module_param_named(max_ttl_ms, odx_token_limits.max_ttl_ms, uint, 0444);
MODULE_PARM_DESC(max_ttl_ms, "Longest token lifetime, in ms (default 3600000)");
module_param_named(token_bytes_max, odx_token_limits.dev_bytes_max, ulong, 0644);
MODULE_PARM_DESC(token_bytes_max, "Bytes the tokens of one device may hold, for devices created from now on (default 1 GiB; per device in /sys/block/odxN/odx/token_bytes_max)");
module_param_named(token_age_max_ms, odx_token_limits.dev_age_max_ms, uint, 0644);
MODULE_PARM_DESC(token_age_max_ms, "Absolute token lifetime, in ms, 0 = none, for devices created from now on (default 0; per device in /sys/block/odxN/odx/token_age_max_ms)");

/*
 * Protects the token table (odx_token_hash, odx_token_all, odx_tokens_nr),
 * each token's link state (hash, all, dev_node, src, expires) and every
 * device's token list and its tokens_live/token_pages. Held for O(1) work per
 * token and at most ODX_UNLINK_BATCH tokens at a time.
 */
static DEFINE_SPINLOCK(odx_tokens_lock);
static DEFINE_HASHTABLE(odx_token_hash, ODX_TOKEN_HASH_BITS);
static LIST_HEAD(odx_token_all);
static unsigned long odx_tokens_nr;
/*
 * Serialises reapers (odx_tokens_reap()): only one walks odx_token_all at a
 * time, so its cursor is the only non-token entry in that list.
 */
static DEFINE_MUTEX(odx_reap_mutex);
/* Pages pinned by all tokens, linked or not yet freed. */
static atomic_long_t odx_token_pages = ATOMIC_LONG_INIT(0);
/* Tokens revoked since load (their devices' counters go with the devices). */
static atomic64_t odx_tokens_revoked_total = ATOMIC64_INIT(0);

/*
 * What became of recently ended tokens, so a later use can say expired, deleted
 * or revoked rather than unknown (SCSI reports the difference). Matched by the
 * identifier and a keyed hash of all 512 bytes, so only the holder of the whole
 * token learns its fate. Under odx_tokens_lock.
 */
#define ODX_TOMBSTONES		64
static struct odx_tombstone {
	u64 id;
	u64 hash;
	enum odx_token_fate fate;
} odx_tombstones[ODX_TOMBSTONES];
static unsigned int odx_tombstone_next;
static siphash_key_t odx_tombstone_key;

/*
 * No linked token expires before this, so the reaper need not walk the table
 * until then: a lower bound, as uses only postpone expiry. Under
 * odx_tokens_lock.
 */
static unsigned long odx_reap_after;

static void odx_token_reaper(struct work_struct *work);
static DECLARE_DELAYED_WORK(odx_token_reap_work, odx_token_reaper);

/**
 * odx_token_differs() - compare two tokens in constant time
 * @a: 512 bytes
 * @b: 512 bytes
 *
 * Return: true if any byte differs. The time taken does not depend on where.
 */
bool odx_token_differs(const u8 *a, const u8 *b)
{
	unsigned long diff = 0;
	unsigned int i;

	for (i = 0; i < ODX_TOKEN_LENGTH; i += sizeof(u64)) {
		diff |= get_unaligned((const u64 *)(a + i)) ^
			get_unaligned((const u64 *)(b + i));
		OPTIMIZER_HIDE_VAR(diff);
	}
	return diff != 0;
}
EXPORT_SYMBOL_IF_KUNIT(odx_token_differs);

/**
 * odx_token_is_zero() - is this the well-known zero token?
 * @token: a token from userspace
 *
 * Return: true for type ODX_TOKEN_TYPE_ZERO_DATA with the standard length.
 */
bool odx_token_is_zero(const struct odx_token *token)
{
	return get_unaligned_be32(token->token_type) == ODX_TOKEN_TYPE_ZERO_DATA &&
	       get_unaligned_be16(token->token_id_length) == ODX_TOKEN_ID_LENGTH;
}
EXPORT_SYMBOL_IF_KUNIT(odx_token_is_zero);

static void odx_token_free(struct kref *ref)
{
	struct odx_tok *tok = container_of(ref, struct odx_tok, ref);
	unsigned long i;

	for (i = 0; i < tok->pinned; i++) {
		odx_page_put(tok->pages[i]);
		if (!(i % 4096))
			cond_resched();
	}
	for (i = 0; i < tok->nr_exts; i++) {
		if (!tok->exts[i].chunk)
			continue;
		odx_chunk_put(tok->exts[i].chunk);
		if (!(i % 64))
			cond_resched();
	}
	atomic_long_sub(tok->held, &odx_token_pages);
	kvfree(tok->pages);
	kvfree(tok->exts);
	kfree(tok->ranges);
	kfree(tok);
}

/**
 * odx_token_put() - drop a reference taken by odx_token_get()
 * @tok: the token
 */
void odx_token_put(struct odx_tok *tok)
{
	kref_put(&tok->ref, odx_token_free);
}
EXPORT_SYMBOL_IF_KUNIT(odx_token_put);

/* Why a token leaves the table, for the source device's counters. */
enum odx_unlink_reason { ODX_EXPIRED, ODX_RELEASED, ODX_REVOKED };

/*
 * Take @tok out of the table; the caller then drops the table's reference (with
 * odx_token_put(), outside the lock).
 */
static void odx_token_unlink(struct odx_tok *tok, enum odx_unlink_reason why)
{
	struct odx_source *src = tok->src;

	lockdep_assert_held(&odx_tokens_lock);
	hash_del(&tok->hash);
	list_del_init(&tok->all);
	list_del_init(&tok->dev_node);
	odx_tokens_nr--;
	tok->src = NULL;
	odx_tombstones[odx_tombstone_next] = (struct odx_tombstone) {
		.id = tok->id,
		.hash = siphash(tok->bytes, ODX_TOKEN_LENGTH, &odx_tombstone_key),
		.fate = why == ODX_EXPIRED ? ODX_FATE_EXPIRED :
			why == ODX_RELEASED ? ODX_FATE_RELEASED : ODX_FATE_REVOKED,
	};
	odx_tombstone_next = (odx_tombstone_next + 1) % ODX_TOMBSTONES;
	WRITE_ONCE(src->stats.tokens_live, src->stats.tokens_live - 1);
	WRITE_ONCE(src->stats.token_pages, src->stats.token_pages - tok->held);
	/* Memory a user in flight still holds is theirs until they put it. */
	atomic_long_sub(tok->charge, &src->token_bytes);
	tok->charge = 0;
	switch (why) {
	case ODX_EXPIRED:
		atomic64_inc(&src->stats.tokens_expired);
		break;
	case ODX_RELEASED:
		atomic64_inc(&src->stats.tokens_released);
		break;
	case ODX_REVOKED:
		atomic64_inc(&src->stats.tokens_revoked);
		atomic64_inc(&odx_tokens_revoked_total);
		break;
	}
}

/* Fill the SPC-4 header fields of a new token; the secret comes later. */
static void odx_token_format(struct odx_tok *tok, struct odx_source *dev)
{
	u8 *b = tok->bytes;

	memset(b, 0, ODX_TOKEN_LENGTH);
	put_unaligned_be32(ODX_TOKEN_TYPE_POINT_IN_TIME, b);
	put_unaligned_be16(ODX_TOKEN_ID_LENGTH, b + 6);
	/* Creator logical unit descriptor: type 0xE4, 28 bytes of designator. */
	b[16] = 0xe4;
	put_unaligned_be16(0x1c, b + 18);
	memcpy(b + 20, dev->designator, ODX_DESIGNATOR_LEN);
	/* Number of bytes represented: a 16-byte big-endian integer. */
	put_unaligned_be64(tok->length, b + 56);
	/* READ CAPACITY (16) data: last LBA, then the logical block length. */
	put_unaligned_be64(dev->size_bytes / dev->block_size - 1, b + 96);
	put_unaligned_be32(dev->block_size, b + 104);
	get_random_bytes(b + ODX_TOKEN_SECRET_OFF,
			 ODX_TOKEN_LENGTH - ODX_TOKEN_SECRET_OFF);
}

/* What an allocation of @size bytes really takes (slab or page rounding). */
static unsigned long odx_alloc_cost(size_t size)
{
	return kmalloc_size_roundup(size);
}

/* Try to charge @bytes to @dev's token budget for @tok. */
static int odx_tok_charge(struct odx_source *dev, struct odx_tok *tok, unsigned long bytes)
{
	if (atomic_long_add_return(bytes, &dev->token_bytes) >
	    READ_ONCE(dev->token_bytes_max)) {
		atomic_long_sub(bytes, &dev->token_bytes);
		return -EDQUOT;
	}
	tok->charge += bytes;
	return 0;
}

static void odx_tok_uncharge(struct odx_source *dev, struct odx_tok *tok,
			     unsigned long bytes)
{
	atomic_long_sub(bytes, &dev->token_bytes);
	tok->charge -= bytes;
}

/*
 * Move the @used entries of @size bytes in *@arr (of capacity *@cap) to a new
 * array of @ncap entries (none: NULL), the new one charged to @dev first.
 */
static int odx_tok_resize(struct odx_source *dev, struct odx_tok *tok, void **arr,
			  unsigned long *cap, unsigned long used, unsigned long ncap,
			  size_t size)
{
	void *narr = NULL;
	int err;

	if (ncap > ULONG_MAX / size)
		return -EDQUOT;
	if (ncap) {
		err = odx_tok_charge(dev, tok, odx_alloc_cost(ncap * size));
		if (err)
			return err;
		narr = kvmalloc_array(ncap, size, GFP_KERNEL_ACCOUNT);
		if (!narr) {
			odx_tok_uncharge(dev, tok, odx_alloc_cost(ncap * size));
			return -ENOMEM;
		}
		if (used)
			memcpy(narr, *arr, used * size);
	}
	kvfree(*arr);
	if (*cap)
		odx_tok_uncharge(dev, tok, odx_alloc_cost(*cap * size));
	*arr = narr;
	*cap = ncap;
	return 0;
}

/* Make room for @need entries in *@arr: grow to max(@need, 2 * *@cap). */
static int odx_tok_grow(struct odx_source *dev, struct odx_tok *tok, void **arr,
			unsigned long *cap, unsigned long used, unsigned long need,
			size_t size)
{
	if (need <= *cap)
		return 0;
	return odx_tok_resize(dev, tok, arr, cap, used, max(need, 2 * *cap), size);
}

/*
 * Give back a quarter or more of *@arr left unused (the token costs what it
 * holds). Best effort: without memory or budget for the smaller copy, the
 * token keeps (and stays charged for) the array it has.
 */
static void odx_tok_trim(struct odx_source *dev, struct odx_tok *tok, void **arr,
			 unsigned long *cap, unsigned long used, size_t size)
{
	if (*cap - used < *cap / 4 || *cap - used < PAGE_SIZE / size)
		return;
	odx_tok_resize(dev, tok, arr, cap, used, used, size);
}

/* The pages a token's data spans on the source: [first, last], inclusive. */
struct odx_span {
	pgoff_t first;
	pgoff_t last;
};

static int odx_span_cmp(const void *a, const void *b)
{
	const struct odx_span *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* Sort @spans and merge overlapping or adjacent ones; return how many are left. */
static u32 odx_spans_merge(struct odx_span *spans, u32 nr)
{
	u32 i, out = 0;

	sort(spans, nr, sizeof(*spans), odx_span_cmp, NULL);
	for (i = 0; i < nr; i++) {
		if (out && spans[i].first <= spans[out - 1].last + 1)
			spans[out - 1].last = max(spans[out - 1].last, spans[i].last);
		else
			spans[out++] = spans[i];
	}
	return out;
}

/* Mint state: capacities of the token's growing arrays. */
struct odx_mint {
	unsigned long pages_cap;
	unsigned long exts_cap;
};

/*
 * Pin the present pages of @first..@first + @n - 1 (at most ODX_MINT_STEP) into
 * @tok, appending to its runs. Each pinned page is charged before it is kept.
 */
static int odx_tok_pin_step(struct odx_source *dev, struct odx_tok *tok,
			    struct odx_mint *m, pgoff_t first, unsigned long n)
{
	unsigned long got, present, starts, rest, len, k, at;
	struct page *step[ODX_MINT_STEP];
	struct odx_tok_ext *e;
	int err;

	BUILD_BUG_ON(ODX_MINT_STEP > BITS_PER_LONG);
	got = odx_store_get_pages_locked(dev->store, first, n, step, &present);
	if (!got)
		return 0;
	if (atomic_long_add_return(got, &odx_token_pages) > odx_token_limits.max_pages) {
		atomic_long_sub(got, &odx_token_pages);
		err = -EDQUOT;
		goto out_put;
	}
	err = odx_tok_charge(dev, tok, got * PAGE_SIZE);
	if (err)
		goto out_unreserve;
	err = odx_tok_grow(dev, tok, (void **)&tok->pages, &m->pages_cap, tok->pinned,
			   tok->pinned + got, sizeof(*tok->pages));
	if (err)
		goto out_uncharge;
	/* A run starts at a present page after a hole, or after the last run's end. */
	starts = present & ~(present << 1);
	e = tok->nr_exts ? &tok->exts[tok->nr_exts - 1] : NULL;
	if (e && !e->chunk && e->index + e->nr == first)
		starts &= ~1UL;
	err = odx_tok_grow(dev, tok, (void **)&tok->exts, &m->exts_cap, tok->nr_exts,
			   tok->nr_exts + hweight_long(starts), sizeof(*tok->exts));
	if (err)
		goto out_uncharge;

	memcpy(tok->pages + tok->pinned, step, got * sizeof(*step));
	for (k = 0, at = tok->pinned; k < n; k += len) {
		rest = present >> k;
		if (!(rest & 1)) {
			/* A hole up to the next present page, or to the end. */
			len = rest ? __ffs(rest) : n - k;
			continue;
		}
		/* Bits past @n are clear, so ~rest has a set bit by then. */
		len = __ffs(~rest);
		if (starts & BIT(k)) {
			e = &tok->exts[tok->nr_exts++];
			e->index = first + k;
			e->nr = 0;
			e->first = at;
			e->chunk = NULL;
		} else {
			e = &tok->exts[tok->nr_exts - 1];
		}
		e->nr += len;
		at += len;
	}
	tok->pinned += got;
	tok->held += got;
	return 0;

out_uncharge:
	odx_tok_uncharge(dev, tok, got * PAGE_SIZE);
out_unreserve:
	atomic_long_sub(got, &odx_token_pages);
out_put:
	for (k = 0; k < got; k++)
		odx_page_put(step[k]);
	return err;
}

/* Take a share of the whole chunk @cidx into @tok, charged for its pages. */
static int odx_tok_pin_chunk(struct odx_source *dev, struct odx_tok *tok,
			     struct odx_mint *m, pgoff_t cidx)
{
	struct odx_chunk *chunk;
	struct odx_tok_ext *e;
	unsigned int got;
	int err;

	chunk = odx_store_get_chunk_locked(dev->store, cidx, &got);
	if (!chunk)
		return 0;
	if (atomic_long_add_return(got, &odx_token_pages) > odx_token_limits.max_pages) {
		err = -EDQUOT;
		goto out_unreserve;
	}
	err = odx_tok_charge(dev, tok, (unsigned long)got * PAGE_SIZE);
	if (err)
		goto out_unreserve;
	err = odx_tok_grow(dev, tok, (void **)&tok->exts, &m->exts_cap, tok->nr_exts,
			   tok->nr_exts + 1, sizeof(*tok->exts));
	if (err)
		goto out_uncharge;
	e = &tok->exts[tok->nr_exts++];
	e->index = cidx << ODX_CHUNK_SHIFT;
	e->nr = ODX_CHUNK_PAGES;
	e->first = 0;
	e->chunk = chunk;
	tok->held += got;
	return 0;

out_uncharge:
	odx_tok_uncharge(dev, tok, (unsigned long)got * PAGE_SIZE);
out_unreserve:
	atomic_long_sub(got, &odx_token_pages);
	odx_chunk_put(chunk);
	return err;
}

/* Pages of [@first, @last] outside the whole chunks in it. */
static unsigned long odx_span_edge_pages(pgoff_t first, pgoff_t last)
{
	pgoff_t from = round_up(first, ODX_CHUNK_PAGES);
	pgoff_t to = round_down(last + 1, ODX_CHUNK_PAGES);

	if (to <= from)
		return last - first + 1;
	return (from - first) + (last + 1 - to);
}

/*
 * Pin the merged @spans into @tok: each whole chunk by one share of the
 * chunk, the pages at the edges one by one.
 */
static int odx_tok_pin(struct odx_source *dev, struct odx_tok *tok,
		       const struct odx_span *spans, u32 nr)
{
	unsigned long since = 0, edge_pages = 0, n;
	struct odx_mint m = { };
	pgoff_t index;
	u32 i;
	int err;

	/*
	 * Size the page array once for what the token can pin page by page at
	 * most: the pages at the edges of its spans, and no more than the store
	 * holds (holes cost nothing). Pages written meanwhile grow it; what is
	 * left unused is given back at the end.
	 */
	for (i = 0; i < nr; i++)
		edge_pages += odx_span_edge_pages(spans[i].first, spans[i].last);
	err = odx_tok_grow(dev, tok, (void **)&tok->pages, &m.pages_cap, 0,
			   min(edge_pages, odx_store_nr_pages(dev->store)),
			   sizeof(*tok->pages));
	if (err)
		return err;

	for (i = 0; i < nr; i++) {
		for (index = spans[i].first; index <= spans[i].last; index += n) {
			n = spans[i].last - index + 1;
			if (!(index & (ODX_CHUNK_PAGES - 1)) && n >= ODX_CHUNK_PAGES) {
				n = ODX_CHUNK_PAGES;
				err = odx_tok_pin_chunk(dev, tok, &m,
							index >> ODX_CHUNK_SHIFT);
				/* O(1): counts as one step. */
				since += ODX_MINT_STEP;
			} else {
				n = min3(n, ODX_MINT_STEP,
					 ODX_CHUNK_PAGES - (index & (ODX_CHUNK_PAGES - 1)));
				err = odx_tok_pin_step(dev, tok, &m, index, n);
				since += n;
			}
			if (err)
				return err;
			if (since >= ODX_MINT_BATCH) {
				since = 0;
				cond_resched();
				if (fatal_signal_pending(current))
					return -EINTR;
			}
		}
	}
	odx_tok_trim(dev, tok, (void **)&tok->pages, &m.pages_cap, tok->pinned,
		     sizeof(*tok->pages));
	odx_tok_trim(dev, tok, (void **)&tok->exts, &m.exts_cap, tok->nr_exts,
		     sizeof(*tok->exts));
	return 0;
}

/**
 * odx_tok_lookup() - a token's pages for a source page index
 * @tok: the token
 * @index: page index on the source device (inside the token's ranges)
 * @nr: set to how many pages from @index on are consecutive in the returned
 *	array, or, for a hole, how many pages from @index on are holes
 *	(ULONG_MAX when no page follows)
 * @chunk: set to the chunk the token holds @index in, NULL if it holds the
 *	page on its own or not at all
 *
 * Binary search of the token's runs: O(log runs), no lock (the runs never
 * change after minting, nor do the chunks a token holds).
 *
 * Return: the pages from @index on (within a chunk, holes among them are
 * NULL), or NULL for a hole.
 */
struct page **odx_tok_lookup(const struct odx_tok *tok, pgoff_t index,
			     unsigned long *nr, struct odx_chunk **chunk)
{
	unsigned long lo = 0, hi = tok->nr_exts;
	const struct odx_tok_ext *e;

	/* The first run ending after @index. */
	while (lo < hi) {
		unsigned long mid = lo + (hi - lo) / 2;

		e = &tok->exts[mid];
		if (e->index + e->nr <= index)
			lo = mid + 1;
		else
			hi = mid;
	}
	*chunk = NULL;
	if (lo == tok->nr_exts) {
		*nr = ULONG_MAX;
		return NULL;
	}
	e = &tok->exts[lo];
	if (e->index > index) {
		*nr = e->index - index;
		return NULL;
	}
	*nr = e->index + e->nr - index;
	if (e->chunk) {
		*chunk = e->chunk;
		return e->chunk->slots + (index - e->index);
	}
	return tok->pages + e->first + (index - e->index);
}
EXPORT_SYMBOL_IF_KUNIT(odx_tok_lookup);

/* Is @id the identifier of a linked token? Needs odx_tokens_lock. */
static bool odx_token_id_used(u64 id)
{
	struct odx_tok *tok;

	lockdep_assert_held(&odx_tokens_lock);
	hash_for_each_possible(odx_token_hash, tok, hash, id)
		if (tok->id == id)
			return true;
	return false;
}

/* Arm @tok's inactivity timer from @now, never past its absolute deadline. */
static void odx_token_arm(struct odx_tok *tok, unsigned long now)
{
	tok->expires = now + tok->ttl;
	if (tok->capped && time_after(tok->expires, tok->deadline))
		tok->expires = tok->deadline;
}

/**
 * odx_token_mint() - offload read: mint a token for a list of ranges
 * @dev: source device
 * @ranges: validated ranges (see odx_ranges_check())
 * @nr: how many
 * @ttl_ms: TimeToLive; 0 = default, clamped to the maximum
 * @out: filled with the token, LengthProtected and the truncation flag
 *
 * The token covers the concatenation of the ranges, or its first
 * @dev's max_token_bytes. It references the pages as they are now:
 * each source page once, however many ranges cover it; holes take no memory.
 * Everything it holds is charged to @dev's budget before it is allocated or
 * pinned, and allocated in the caller's memory cgroup.
 *
 * Return: 0, -ENOSPC (too many live tokens), -EDQUOT (@dev's token budget or
 * the module's page budget), -ENOMEM or -EINTR (fatal signal).
 */
int odx_token_mint(struct odx_source *dev, const struct odx_data_set_range *ranges,
		   u32 nr, u32 ttl_ms, struct odx_offload_read_output *out)
{
	u64 left = READ_ONCE(dev->max_token_bytes), length = 0, requested = 0;
	u32 age_ms = READ_ONCE(dev->token_age_max_ms);
	unsigned long now;
	struct odx_span *spans;
	struct odx_tok *tok;
	u32 used = 0, r, nspans;
	int err;

	for (r = 0; r < nr; r++)
		requested += ranges[r].length_in_bytes;
	/* Which ranges (and how much of the last) fit in one token. */
	for (r = 0; r < nr && left; r++) {
		u64 len = min(ranges[r].length_in_bytes, left);

		length += len;
		left -= len;
		used++;
	}

	tok = kzalloc(sizeof(*tok), GFP_KERNEL_ACCOUNT);
	if (!tok)
		return -ENOMEM;
	kref_init(&tok->ref);
	INIT_HLIST_NODE(&tok->hash);
	INIT_LIST_HEAD(&tok->all);
	INIT_LIST_HEAD(&tok->dev_node);
	err = odx_tok_charge(dev, tok, odx_alloc_cost(sizeof(*tok)) +
			     odx_alloc_cost(used * sizeof(*tok->ranges)));
	if (err)
		goto out_free_token;
	tok->ranges = kcalloc(used, sizeof(*tok->ranges), GFP_KERNEL_ACCOUNT);
	/* Transient: the pages the ranges span, merged. */
	spans = kcalloc(used, sizeof(*spans), GFP_KERNEL_ACCOUNT);
	if (!tok->ranges || !spans) {
		err = -ENOMEM;
		goto out_free_spans;
	}
	tok->block_size = dev->block_size;
	tok->length = length;
	tok->nr_ranges = used;
	left = length;
	for (r = 0; r < used; r++) {
		struct odx_tok_range *tr = &tok->ranges[r];

		tr->pos = ranges[r].starting_offset;
		tr->len = min(ranges[r].length_in_bytes, left);
		left -= tr->len;
		spans[r].first = tr->pos >> PAGE_SHIFT;
		spans[r].last = (tr->pos + tr->len - 1) >> PAGE_SHIFT;
	}
	nspans = odx_spans_merge(spans, used);

	/* Pin the pages; from here on the data cannot change under the token. */
	err = odx_tok_pin(dev, tok, spans, nspans);
	if (err)
		goto out_free_spans;
	kfree(spans);

	if (!ttl_ms)
		ttl_ms = odx_token_limits.default_ttl_ms;
	ttl_ms = min(ttl_ms, odx_token_limits.max_ttl_ms);
	tok->ttl = max(msecs_to_jiffies(ttl_ms), 1UL);
	odx_token_format(tok, dev);

	spin_lock(&odx_tokens_lock);
	if (odx_tokens_nr >= odx_token_limits.max_tokens) {
		spin_unlock(&odx_tokens_lock);
		err = -ENOSPC;
		goto out_uncharge;
	}
	/* Random, so it says nothing about other tokens; unique among live ones. */
	do {
		tok->id = get_random_u64();
	} while (odx_token_id_used(tok->id));
	put_unaligned_be64(tok->id, tok->bytes + 8);
	tok->src = dev;
	now = jiffies;
	tok->capped = age_ms;
	tok->deadline = now + max(msecs_to_jiffies(age_ms), 1UL);
	odx_token_arm(tok, now);
	if (time_before(tok->expires, odx_reap_after))
		odx_reap_after = tok->expires;
	hash_add(odx_token_hash, &tok->hash, tok->id);
	list_add_tail(&tok->all, &odx_token_all);
	list_add_tail(&tok->dev_node, &dev->tokens);
	odx_tokens_nr++;
	WRITE_ONCE(dev->stats.tokens_live, dev->stats.tokens_live + 1);
	WRITE_ONCE(dev->stats.token_pages, dev->stats.token_pages + tok->held);
	memcpy(&out->token, tok->bytes, ODX_TOKEN_LENGTH);
	spin_unlock(&odx_tokens_lock);

	atomic64_inc(&dev->stats.tokens_minted);
	out->length_protected = length;
	out->token_length = ODX_TOKEN_LENGTH;
	out->offload_read_flags = length < requested ? ODX_OFFLOAD_READ_RANGE_TRUNCATED : 0;
	/* Only if not pending: re-queueing would postpone it with every mint. */
	queue_delayed_work(system_wq, &odx_token_reap_work, HZ);
	return 0;

out_free_spans:
	kfree(spans);
out_uncharge:
	odx_tok_uncharge(dev, tok, tok->charge);
out_free_token:
	/* odx_token_free() puts the pinned pages and gives back their pages' count. */
	odx_token_free(&tok->ref);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(odx_token_mint);

/* Find a linked token matching all 512 bytes. Needs odx_tokens_lock. */
static struct odx_tok *odx_token_find(const struct odx_token *token)
{
	u64 id = get_unaligned_be64((const u8 *)token + 8);
	struct odx_tok *tok;

	lockdep_assert_held(&odx_tokens_lock);
	hash_for_each_possible(odx_token_hash, tok, hash, id) {
		if (tok->id == id && !odx_token_differs(tok->bytes, (const u8 *)token))
			return tok;
	}
	return NULL;
}

static int odx_token_lookup(const struct odx_token *token, struct odx_source *dst,
			    bool allow_cross, bool use, struct odx_tok **tokp)
{
	struct odx_tok *tok;
	int err = 0;

	spin_lock(&odx_tokens_lock);
	tok = odx_token_find(token);
	if (!tok) {
		err = -EKEYREJECTED;
	} else if (time_after_eq(jiffies, tok->expires)) {
		/* Expired, the reaper just has not run yet. */
		odx_token_unlink(tok, ODX_EXPIRED);
		spin_unlock(&odx_tokens_lock);
		odx_token_put(tok);
		return -EKEYREJECTED;
	} else if ((tok->src != dst && !allow_cross) ||
		   tok->block_size != dst->block_size) {
		err = -EXDEV;
	} else {
		if (use)
			odx_token_arm(tok, jiffies);
		kref_get(&tok->ref);
		*tokp = tok;
	}
	spin_unlock(&odx_tokens_lock);
	return err;
}

/**
 * odx_token_get() - look up a token for an offload write and re-arm its timer
 * @token: the 512 bytes from userspace
 * @dst: the device the data will be written to
 * @allow_cross: whether a token minted on another device may be used
 * @tokp: set to the token, with a reference for the caller
 *
 * Return: 0; -EKEYREJECTED when no live token matches all 512 bytes (unknown,
 * altered, expired, released or revoked); -EXDEV when the token comes from
 * another device and @allow_cross is false, or the block sizes differ.
 */
int odx_token_get(const struct odx_token *token, struct odx_source *dst,
		  bool allow_cross, struct odx_tok **tokp)
{
	return odx_token_lookup(token, dst, allow_cross, true, tokp);
}
EXPORT_SYMBOL_IF_KUNIT(odx_token_get);

/**
 * odx_token_peek() - odx_token_get() that is not a use of the token
 * @token: the 512 bytes from userspace
 * @dst: the device the data would be written to
 * @allow_cross: whether a token minted on another device may be used
 * @tokp: set to the token, with a reference for the caller
 *
 * For a write that will not happen but must answer as it would: the token's
 * inactivity timer is left alone.
 *
 * Return: as odx_token_get().
 */
int odx_token_peek(const struct odx_token *token, struct odx_source *dst,
		   bool allow_cross, struct odx_tok **tokp)
{
	return odx_token_lookup(token, dst, allow_cross, false, tokp);
}
EXPORT_SYMBOL_IF_KUNIT(odx_token_peek);

/**
 * odx_token_fate() - why a token is not live
 * @token: 512 bytes that odx_token_get() rejected
 *
 * Return: ODX_FATE_EXPIRED, ODX_FATE_RELEASED or ODX_FATE_REVOKED for one of the
 * last ODX_TOMBSTONES tokens to end, ODX_FATE_UNKNOWN otherwise (never minted,
 * altered, or ended long ago).
 */
enum odx_token_fate odx_token_fate(const struct odx_token *token)
{
	u64 id = get_unaligned_be64((const u8 *)token + 8);
	u64 hash = siphash(token, ODX_TOKEN_LENGTH, &odx_tombstone_key);
	enum odx_token_fate fate = ODX_FATE_UNKNOWN;
	unsigned int i;

	spin_lock(&odx_tokens_lock);
	for (i = 0; i < ODX_TOMBSTONES; i++)
		if (odx_tombstones[i].fate && odx_tombstones[i].id == id &&
		    odx_tombstones[i].hash == hash)
			fate = odx_tombstones[i].fate;
	spin_unlock(&odx_tokens_lock);
	return fate;
}
EXPORT_SYMBOL_IF_KUNIT(odx_token_fate);

/**
 * odx_token_release() - end a token now (DEL_TKN)
 * @token: the 512 bytes from userspace
 *
 * Copies in flight finish; new uses fail. A token that has expired but is
 * not reaped yet is invalid like any expired one: it ends as expired, and the
 * caller hears so.
 *
 * Return: 0, or -EKEYREJECTED when no live token matches (expired ones
 * included).
 */
int odx_token_release(const struct odx_token *token)
{
	struct odx_tok *tok;
	int err = 0;

	spin_lock(&odx_tokens_lock);
	tok = odx_token_find(token);
	if (tok && time_after_eq(jiffies, tok->expires)) {
		odx_token_unlink(tok, ODX_EXPIRED);
		err = -EKEYREJECTED;
	} else if (tok) {
		odx_token_unlink(tok, ODX_RELEASED);
	}
	spin_unlock(&odx_tokens_lock);
	if (!tok)
		return -EKEYREJECTED;
	odx_token_put(tok);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(odx_token_release);

/* Put the tokens on @dead (linked by their @all), rescheduling as needed. */
static void odx_token_put_list(struct list_head *dead)
{
	struct odx_tok *tok, *next;

	list_for_each_entry_safe(tok, next, dead, all) {
		list_del_init(&tok->all);
		odx_token_put(tok);
	}
	cond_resched();
}

/**
 * odx_tokens_revoke() - revoke every token minted on a device
 * @dev: the device (ODX_IOC_REVOKE, or its removal)
 *
 * Tokens minted before the call end now; copies in flight finish. The device's
 * list is taken whole in O(1), then unlinked ODX_UNLINK_BATCH tokens per hold
 * of the token lock, so lookups never wait behind the whole list. Tokens minted
 * meanwhile are not revoked.
 *
 * Return: how many tokens it revoked.
 */
unsigned long odx_tokens_revoke(struct odx_source *dev)
{
	unsigned long revoked = 0;
	LIST_HEAD(todo);
	LIST_HEAD(dead);

	spin_lock(&odx_tokens_lock);
	/* Still under the lock when touched: others may unlink from @todo. */
	list_splice_init(&dev->tokens, &todo);
	while (!list_empty(&todo)) {
		int n;

		for (n = 0; n < ODX_UNLINK_BATCH && !list_empty(&todo); n++) {
			struct odx_tok *tok = list_first_entry(&todo, struct odx_tok,
							       dev_node);

			odx_token_unlink(tok, ODX_REVOKED);
			list_add_tail(&tok->all, &dead);
			revoked++;
		}
		spin_unlock(&odx_tokens_lock);
		odx_token_put_list(&dead);
		spin_lock(&odx_tokens_lock);
	}
	spin_unlock(&odx_tokens_lock);
	return revoked;
}
EXPORT_SYMBOL_IF_KUNIT(odx_tokens_revoke);

/**
 * odx_source_init() - token state of a new device
 * @src: the device as the token table sees it: no tokens, budgets from the
 *	module's defaults; the caller fills in the designator
 * @store: the device's pages
 * @block_size: its logical block size
 * @size_bytes: its capacity
 */
void odx_source_init(struct odx_source *src, struct odx_store *store, u32 block_size,
		     u64 size_bytes)
{
	memset(src, 0, sizeof(*src));
	src->store = store;
	src->block_size = block_size;
	src->size_bytes = size_bytes;
	INIT_LIST_HEAD(&src->tokens);
	atomic_long_set(&src->token_bytes, 0);
	src->token_bytes_max = odx_token_limits.dev_bytes_max;
	src->token_age_max_ms = odx_token_limits.dev_age_max_ms;
	src->max_token_bytes = odx_token_limits.max_token_bytes;
}
EXPORT_SYMBOL_IF_KUNIT(odx_source_init);

/**
 * odx_tokens_reap() - drop expired tokens
 * @all: drop every token, expired or not (module unload)
 *
 * Walks the table with a cursor, ODX_UNLINK_BATCH tokens per hold of the token
 * lock, so lookups wait behind one batch at most.
 */
void odx_tokens_reap(bool all)
{
	unsigned long now = jiffies, earliest = now + MAX_JIFFY_OFFSET;
	struct list_head cursor;
	struct odx_tok *tok;
	bool more;
	LIST_HEAD(dead);
	int n = 0;

	mutex_lock(&odx_reap_mutex);
	spin_lock(&odx_tokens_lock);
	/* Nothing can have expired yet: no walk over a large table. */
	if (!all && time_before(now, odx_reap_after))
		goto out_unlock;
	list_add(&cursor, &odx_token_all);
	while (cursor.next != &odx_token_all) {
		tok = list_entry(cursor.next, struct odx_tok, all);
		/* Step over it first: unlinking takes it out of the list. */
		list_move(&cursor, &tok->all);
		if (all || time_after_eq(now, tok->expires)) {
			odx_token_unlink(tok, all ? ODX_REVOKED : ODX_EXPIRED);
			list_add_tail(&tok->all, &dead);
		} else if (time_before(tok->expires, earliest)) {
			earliest = tok->expires;
		}
		if (++n % ODX_UNLINK_BATCH == 0) {
			spin_unlock(&odx_tokens_lock);
			odx_token_put_list(&dead);
			spin_lock(&odx_tokens_lock);
		}
	}
	list_del(&cursor);
	/* Tokens minted during the walk were added behind the cursor: seen too. */
	odx_reap_after = earliest;
out_unlock:
	more = odx_tokens_nr;
	spin_unlock(&odx_tokens_lock);
	mutex_unlock(&odx_reap_mutex);
	odx_token_put_list(&dead);
	if (more && !all)
		queue_delayed_work(system_wq, &odx_token_reap_work, HZ);
}
EXPORT_SYMBOL_IF_KUNIT(odx_tokens_reap);

static void odx_token_reaper(struct work_struct *work)
{
	odx_tokens_reap(false);
}

/**
 * odx_tokens_live() - tokens in the table
 *
 * Return: the number of live tokens, all devices together.
 */
unsigned long odx_tokens_live(void)
{
	return READ_ONCE(odx_tokens_nr);
}
EXPORT_SYMBOL_IF_KUNIT(odx_tokens_live);

/**
 * odx_tokens_revoked() - tokens revoked since the module was loaded
 *
 * Return: the count, all devices together (removed ones included).
 */
u64 odx_tokens_revoked(void)
{
	return atomic64_read(&odx_tokens_revoked_total);
}

/**
 * odx_tokens_pinned_pages() - pages held by tokens
 *
 * Return: pages all tokens (live or still in use) hold.
 */
unsigned long odx_tokens_pinned_pages(void)
{
	return atomic_long_read(&odx_token_pages);
}
EXPORT_SYMBOL_IF_KUNIT(odx_tokens_pinned_pages);

/**
 * odx_tokens_init() - check the token limits and set up the token table
 *
 * Return: 0, or -EINVAL for a bad module parameter.
 */
int odx_tokens_init(void)
{
	if (!odx_token_limits.max_token_bytes || odx_token_limits.max_token_bytes % 4096) {
		pr_err("max_token_bytes must be a non-zero multiple of 4096\n");
		return -EINVAL;
	}
	if (!odx_token_limits.max_ttl_ms ||
	    odx_token_limits.default_ttl_ms > odx_token_limits.max_ttl_ms) {
		pr_err("default_ttl_ms must not exceed max_ttl_ms, which must not be 0\n");
		return -EINVAL;
	}
	odx_reap_after = jiffies;
	get_random_bytes(&odx_tombstone_key, sizeof(odx_tombstone_key));
	return 0;
}

/**
 * odx_tokens_exit() - free every token (module unload; no device is left)
 */
void odx_tokens_exit(void)
{
	cancel_delayed_work_sync(&odx_token_reap_work);
	odx_tokens_reap(true);
	WARN_ON(atomic_long_read(&odx_token_pages));
}
