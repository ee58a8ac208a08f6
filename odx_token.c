// SPDX-License-Identifier: GPL-2.0
/*
 * odx: the token engine: minting, lookup, lifetime, release, revocation, and
 * the copy from a token's pages into a device.
 *
 * A token handed to userspace is 512 bytes laid out as an SPC-4 ROD token:
 *   0-3    ROD type (point in time copy, default)
 *   6-7    ROD token length, 0x1F8
 *   8-15   copy manager ROD token identifier: the lookup key (unique, not secret)
 *   16-47  creator logical unit descriptor (identification descriptor, type 0xE4)
 *   48-63  number of bytes represented
 *   96-127 device type specific data: READ CAPACITY (16) data of the source
 *   128-511 384 random bytes from the kernel's RNG: the secret
 * Nothing in it is trusted: device, ranges, lifetime and state live in the kernel's
 * struct odx_tok, found by the identifier and accepted only when all 512 bytes
 * match, compared in constant time.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/highmem.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/siphash.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "odx_compat.h"
#include "odx_internal.h"
#include "odx_token.h"

#define ODX_TOKEN_HASH_BITS	14
#define ODX_TOKEN_SECRET_OFF	128
/* Copy this many bytes between checks for rescheduling and fatal signals. */
#define ODX_COPY_CHUNK		SZ_1M
/* Source pages a mint pins between checks for rescheduling and fatal signals. */
#define ODX_MINT_BATCH		1024UL

struct odx_token_limits odx_token_limits = {
	.max_tokens = 131072,
	.max_pages = 262144,
	.max_token_bytes = 256ULL << 20,
	.default_ttl_ms = 30000,
	.max_ttl_ms = 3600000,
};
EXPORT_SYMBOL_IF_KUNIT(odx_token_limits);

/*
 * Protects the token table (odx_token_hash, odx_token_all, odx_tokens_nr,
 * odx_token_next_id), each token's link state (hash, all, dev_node, src,
 * expires) and every device's token list and its tokens_live/token_pages.
 */
static DEFINE_SPINLOCK(odx_tokens_lock);
static DEFINE_HASHTABLE(odx_token_hash, ODX_TOKEN_HASH_BITS);
static LIST_HEAD(odx_token_all);
static unsigned long odx_tokens_nr;
static u64 odx_token_next_id;
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

	for (i = 0; i < tok->nr_slots; i++) {
		if (tok->pages[i])
			odx_page_put(tok->pages[i]);
		if (!(i % 4096))
			cond_resched();
	}
	atomic_long_sub(tok->pinned, &odx_token_pages);
	kvfree(tok->pages);
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
	struct odx_dev *src = tok->src;

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
	WRITE_ONCE(src->stats.token_pages, src->stats.token_pages - tok->pinned);
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
static void odx_token_format(struct odx_tok *tok, struct odx_dev *dev)
{
	u8 *b = tok->bytes;

	memset(b, 0, ODX_TOKEN_LENGTH);
	put_unaligned_be32(ODX_TOKEN_TYPE_POINT_IN_TIME, b);
	put_unaligned_be16(ODX_TOKEN_ID_LENGTH, b + 6);
	/* Creator logical unit descriptor: type 0xE4, 28 bytes of designator. */
	b[16] = 0xe4;
	put_unaligned_be16(0x1c, b + 18);
	odx_dev_designator(dev, b + 20);
	/* Number of bytes represented: a 16-byte big-endian integer. */
	put_unaligned_be64(tok->length, b + 56);
	/* READ CAPACITY (16) data: last LBA, then the logical block length. */
	put_unaligned_be64(dev->size_bytes / dev->block_size - 1, b + 96);
	put_unaligned_be32(dev->block_size, b + 104);
	get_random_bytes(b + ODX_TOKEN_SECRET_OFF,
			 ODX_TOKEN_LENGTH - ODX_TOKEN_SECRET_OFF);
}

static unsigned long odx_span_pages(u64 pos, u64 len)
{
	return ((pos + len - 1) >> PAGE_SHIFT) - (pos >> PAGE_SHIFT) + 1;
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
 * odx_token_limits.max_token_bytes. It references the pages as they are now.
 *
 * Return: 0, -ENOSPC (too many live tokens), -EDQUOT (page budget), -ENOMEM or
 * -EINTR (fatal signal).
 */
int odx_token_mint(struct odx_dev *dev, const struct odx_data_set_range *ranges,
		   u32 nr, u32 ttl_ms, struct odx_offload_read_output *out)
{
	u64 left = odx_token_limits.max_token_bytes, length = 0, requested = 0;
	unsigned long nr_slots = 0, slot = 0, span, i, n;
	struct odx_tok *tok;
	u32 used = 0, r;
	int err;

	for (r = 0; r < nr; r++)
		requested += ranges[r].length_in_bytes;
	/* Which ranges (and how much of the last) fit in one token. */
	for (r = 0; r < nr && left; r++) {
		u64 len = min(ranges[r].length_in_bytes, left);

		nr_slots += odx_span_pages(ranges[r].starting_offset, len);
		length += len;
		left -= len;
		used++;
	}

	if (atomic_long_add_return(nr_slots, &odx_token_pages) >
	    odx_token_limits.max_pages) {
		err = -EDQUOT;
		goto out_unreserve;
	}

	tok = kzalloc(sizeof(*tok), GFP_KERNEL);
	if (!tok) {
		err = -ENOMEM;
		goto out_unreserve;
	}
	tok->ranges = kcalloc(used, sizeof(*tok->ranges), GFP_KERNEL);
	if (!tok->ranges) {
		err = -ENOMEM;
		goto out_free_tok;
	}
	tok->pages = kvcalloc(nr_slots, sizeof(*tok->pages), GFP_KERNEL);
	if (!tok->pages) {
		err = -ENOMEM;
		goto out_free_ranges;
	}
	kref_init(&tok->ref);
	INIT_HLIST_NODE(&tok->hash);
	INIT_LIST_HEAD(&tok->all);
	INIT_LIST_HEAD(&tok->dev_node);
	tok->block_size = dev->block_size;
	tok->length = length;
	tok->nr_ranges = used;

	/* Pin the pages; from here on the data cannot change under the token. */
	left = length;
	for (r = 0; r < used; r++) {
		struct odx_tok_range *tr = &tok->ranges[r];
		pgoff_t first;

		tr->pos = ranges[r].starting_offset;
		tr->len = min(ranges[r].length_in_bytes, left);
		tr->first_slot = slot;
		left -= tr->len;
		first = tr->pos >> PAGE_SHIFT;
		span = odx_span_pages(tr->pos, tr->len);
		for (i = 0; i < span; i += n) {
			n = min(span - i, ODX_MINT_BATCH);
			tok->pinned += odx_store_get_pages_locked(&dev->store, first + i, n,
								  tok->pages + slot);
			slot += n;
			cond_resched();
			if (fatal_signal_pending(current)) {
				err = -EINTR;
				goto out_put_pages;
			}
		}
	}
	tok->nr_slots = nr_slots;
	/* Holes pin nothing: give back their share of the reservation. */
	atomic_long_sub(nr_slots - tok->pinned, &odx_token_pages);

	if (!ttl_ms)
		ttl_ms = odx_token_limits.default_ttl_ms;
	ttl_ms = min(ttl_ms, odx_token_limits.max_ttl_ms);
	tok->ttl = max(msecs_to_jiffies(ttl_ms), 1UL);
	odx_token_format(tok, dev);

	spin_lock(&odx_tokens_lock);
	if (odx_tokens_nr >= odx_token_limits.max_tokens) {
		spin_unlock(&odx_tokens_lock);
		err = -ENOSPC;
		goto out_free_token;
	}
	tok->id = odx_token_next_id++;
	put_unaligned_be64(tok->id, tok->bytes + 8);
	tok->src = dev;
	tok->expires = jiffies + tok->ttl;
	if (time_before(tok->expires, odx_reap_after))
		odx_reap_after = tok->expires;
	hash_add(odx_token_hash, &tok->hash, tok->id);
	list_add_tail(&tok->all, &odx_token_all);
	list_add_tail(&tok->dev_node, &dev->tokens);
	odx_tokens_nr++;
	WRITE_ONCE(dev->stats.tokens_live, dev->stats.tokens_live + 1);
	WRITE_ONCE(dev->stats.token_pages, dev->stats.token_pages + tok->pinned);
	memcpy(&out->token, tok->bytes, ODX_TOKEN_LENGTH);
	spin_unlock(&odx_tokens_lock);

	atomic64_inc(&dev->stats.tokens_minted);
	out->length_protected = length;
	out->token_length = ODX_TOKEN_LENGTH;
	out->offload_read_flags = length < requested ? ODX_OFFLOAD_READ_RANGE_TRUNCATED : 0;
	/* Only if not pending: re-queueing would postpone it with every mint. */
	queue_delayed_work(system_wq, &odx_token_reap_work, HZ);
	return 0;

out_put_pages:
	tok->nr_slots = slot;
	atomic_long_sub(nr_slots - tok->pinned, &odx_token_pages);
out_free_token:
	/* odx_token_free() returns the pinned pages and their reservation. */
	odx_token_free(&tok->ref);
	return err;

out_free_ranges:
	kfree(tok->ranges);
out_free_tok:
	kfree(tok);
out_unreserve:
	atomic_long_sub(nr_slots, &odx_token_pages);
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
int odx_token_get(const struct odx_token *token, struct odx_dev *dst,
		  bool allow_cross, struct odx_tok **tokp)
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
		tok->expires = jiffies + tok->ttl;
		kref_get(&tok->ref);
		*tokp = tok;
	}
	spin_unlock(&odx_tokens_lock);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(odx_token_get);

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
 * Copies in flight finish; new uses fail.
 *
 * Return: 0, or -EKEYREJECTED when no live token matches.
 */
int odx_token_release(const struct odx_token *token)
{
	struct odx_tok *tok;

	spin_lock(&odx_tokens_lock);
	tok = odx_token_find(token);
	if (tok)
		odx_token_unlink(tok, ODX_RELEASED);
	spin_unlock(&odx_tokens_lock);
	if (!tok)
		return -EKEYREJECTED;
	odx_token_put(tok);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(odx_token_release);

/**
 * odx_token_revoke_dev() - revoke every token minted on a device
 * @dev: the device being removed
 */
void odx_token_revoke_dev(struct odx_dev *dev)
{
	struct odx_tok *tok, *next;
	LIST_HEAD(dead);

	spin_lock(&odx_tokens_lock);
	list_for_each_entry_safe(tok, next, &dev->tokens, dev_node) {
		odx_token_unlink(tok, ODX_REVOKED);
		list_add_tail(&tok->all, &dead);
	}
	spin_unlock(&odx_tokens_lock);
	list_for_each_entry_safe(tok, next, &dead, all) {
		list_del_init(&tok->all);
		odx_token_put(tok);
	}
}
EXPORT_SYMBOL_IF_KUNIT(odx_token_revoke_dev);

/**
 * odx_tokens_reap() - drop expired tokens
 * @all: drop every token, expired or not (module unload)
 */
void odx_tokens_reap(bool all)
{
	unsigned long now = jiffies, earliest = now + MAX_JIFFY_OFFSET;
	struct odx_tok *tok, *next;
	bool more;
	LIST_HEAD(dead);

	spin_lock(&odx_tokens_lock);
	/* Nothing can have expired yet: no walk over a large table. */
	if (!all && time_before(now, odx_reap_after))
		goto out_unlock;
	list_for_each_entry_safe(tok, next, &odx_token_all, all) {
		if (all || time_after_eq(now, tok->expires)) {
			odx_token_unlink(tok, all ? ODX_REVOKED : ODX_EXPIRED);
			list_add_tail(&tok->all, &dead);
		} else if (time_before(tok->expires, earliest)) {
			earliest = tok->expires;
		}
	}
	odx_reap_after = earliest;
out_unlock:
	more = odx_tokens_nr;
	spin_unlock(&odx_tokens_lock);
	list_for_each_entry_safe(tok, next, &dead, all) {
		list_del_init(&tok->all);
		odx_token_put(tok);
	}
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

/*
 * Copy @n bytes (within one source page and one destination page) from @page at
 * @off (a hole if NULL) to @dst at @pos. Whole pages that can be shared do not
 * come here (odx_store_share_pages()).
 */
static int odx_copy_piece(struct odx_dev *dst, u64 pos, struct page *page,
			  unsigned int off, unsigned int n)
{
	void *src;
	int err;

	/*
	 * GFP_NOIO: the store's stripe mutexes are also taken by I/O that memory
	 * reclaim may issue to this very device.
	 */
	if (!page)
		return odx_store_zero(&dst->store, pos, n, GFP_NOIO);
	src = kmap_local_page(page);
	err = odx_store_write(&dst->store, pos, src + off, n, GFP_NOIO);
	kunmap_local(src);
	return err;
}

/**
 * odx_copy() - offload write: copy token data into a device's ranges
 * @tok: the token (with a reference), or NULL for the zero token
 * @token_offset: byte offset into the token's data, below its length
 * @dst: destination device
 * @ranges: validated destination ranges
 * @nr: how many
 * @max: copy at most this many bytes
 * @copied: set to the bytes copied, from the start of @ranges
 * @shared: set to how many of those were shared pages rather than copied
 *
 * Stops when the ranges are full, the token's data runs out or @max is
 * reached. Works in pieces of at most a page, outside any spinlock, and checks
 * for rescheduling and fatal signals every ODX_COPY_CHUNK bytes. Where a source
 * page and its destination sit at the same offset in a page (whole pages), the
 * destination shares the token's page, copy-on-write, unless odx_share_pages
 * is off.
 *
 * Return: 0 (even when a fatal signal cut the copy short after some data);
 * -EINTR when a fatal signal arrived before any data; -ENOMEM.
 */
int odx_copy(struct odx_tok *tok, u64 token_offset, struct odx_dev *dst,
	     const struct odx_data_set_range *ranges, u32 nr, u64 max, u64 *copied,
	     u64 *shared)
{
	u64 done = 0, since_check = 0, within = 0, d_within = 0, nshared = 0;
	bool share = READ_ONCE(odx_share_pages);
	unsigned long k, j;
	u32 ti = 0, di = 0;
	int err = 0;

	if (tok) {
		/* Find token_offset in the token's own ranges. */
		within = token_offset;
		while (ti < tok->nr_ranges && within >= tok->ranges[ti].len)
			within -= tok->ranges[ti++].len;
		if (ti == tok->nr_ranges) {
			*copied = 0;
			*shared = 0;
			return 0;
		}
	}

	while (di < nr && done < max) {
		u64 dpos = ranges[di].starting_offset + d_within;
		u64 n = min(ranges[di].length_in_bytes - d_within, max - done);
		struct page *page = NULL;
		unsigned int off = 0;

		if (tok) {
			const struct odx_tok_range *tr = &tok->ranges[ti];
			u64 spos = tr->pos + within;
			struct page **run = tok->pages + tr->first_slot +
					    (spos >> PAGE_SHIFT) - (tr->pos >> PAGE_SHIFT);

			n = min(n, tr->len - within);
			if (share && n >= PAGE_SIZE && !offset_in_page(spos) &&
			    !offset_in_page(dpos)) {
				/* Whole pages at the same offset: share a run at once. */
				err = odx_store_share_pages(&dst->store, dpos >> PAGE_SHIFT, run,
							    min_t(u64, n, ODX_COPY_CHUNK) >>
							    PAGE_SHIFT, &k);
				for (j = 0; j < k; j++)
					if (run[j])
						nshared += PAGE_SIZE;
				n = (u64)k << PAGE_SHIFT;
				if (!n)
					break;
				goto advance;
			}
			off = offset_in_page(spos);
			n = min_t(u64, n, PAGE_SIZE - off);
			/*
			 * One destination page per piece too, so a piece either
			 * happens whole or not at all and LengthCopied is exact.
			 */
			n = min_t(u64, n, PAGE_SIZE - offset_in_page(dpos));
			page = *run;
		} else {
			/* The zero token: whole pages at once are freed. */
			n = min_t(u64, n, ODX_COPY_CHUNK);
		}

		err = odx_copy_piece(dst, dpos, page, off, n);
		if (err)
			break;
advance:
		done += n;
		since_check += n;
		d_within += n;
		if (d_within == ranges[di].length_in_bytes) {
			di++;
			d_within = 0;
		}
		if (tok) {
			within += n;
			if (within == tok->ranges[ti].len) {
				ti++;
				within = 0;
				if (ti == tok->nr_ranges)
					break;
			}
		}
		if (err)
			break;
		if (since_check >= ODX_COPY_CHUNK) {
			since_check = 0;
			cond_resched();
			if (fatal_signal_pending(current)) {
				if (!done)
					err = -EINTR;
				break;
			}
		}
	}
	*copied = done;
	*shared = nshared;
	if (err && done)
		err = 0;
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(odx_copy);

/**
 * odx_tokens_init() - set up the token table
 *
 * Return: 0.
 */
int odx_tokens_init(void)
{
	odx_token_next_id = get_random_u64();
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
