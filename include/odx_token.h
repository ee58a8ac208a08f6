/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odx: the token table. A token stands for the data of a list of source ranges
 * as it was when minted: it holds references on the source pages (holes stay
 * holes), so writes to the source copy those pages first and never reach it.
 */
#ifndef _ODX_TOKEN_H
#define _ODX_TOKEN_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/types.h>
#include <linux/odx.h>

struct odx_store;

/* Bytes of a device's identification descriptor (SCSI VPD 0x83, tokens). */
#define ODX_DESIGNATOR_LEN	28

/**
 * struct odx_token_stats - what the token table counts per device
 * @tokens_minted: tokens minted.
 * @tokens_expired: tokens that ended by their lifetime.
 * @tokens_released: tokens released (ODX_IOC_RELEASE, DEL_TKN).
 * @tokens_revoked: tokens revoked (ODX_IOC_REVOKE, removal).
 * @tokens_live: tokens linked now (under odx_tokens_lock).
 * @token_pages: pages those tokens pin (under odx_tokens_lock).
 */
struct odx_token_stats {
	atomic64_t tokens_minted;
	atomic64_t tokens_expired;
	atomic64_t tokens_released;
	atomic64_t tokens_revoked;
	unsigned long tokens_live;
	unsigned long token_pages;
};

/**
 * struct odx_source - a device, as far as the token table knows it
 * @store: its pages.
 * @block_size: its logical block size.
 * @size_bytes: its capacity.
 * @designator: its identification descriptor, which tokens carry as their
 *	creator (filled in by the device's owner).
 * @tokens: live tokens minted on it (under odx_tokens_lock).
 * @token_bytes: bytes those tokens hold, charged against @token_bytes_max.
 * @token_bytes_max: the budget of @token_bytes (READ_ONCE; writable).
 * @token_age_max_ms: absolute lifetime of tokens minted from now on, 0 = none
 *	(READ_ONCE; writable).
 * @max_token_bytes: bytes one token covers at most; longer offload reads are
 *	truncated (READ_ONCE; writable).
 * @stats: counters.
 */
struct odx_source {
	struct odx_store *store;
	u32 block_size;
	u64 size_bytes;
	u8 designator[ODX_DESIGNATOR_LEN];
	struct list_head tokens;
	atomic_long_t token_bytes;
	unsigned long token_bytes_max;
	u32 token_age_max_ms;
	u64 max_token_bytes;
	struct odx_token_stats stats;
};

/**
 * struct odx_tok_range - one source range of a token
 * @pos: byte offset on the source device.
 * @len: bytes.
 */
struct odx_tok_range {
	u64 pos;
	u64 len;
};

/**
 * struct odx_tok_ext - a run of source pages a token holds
 * @index: page index on the source device of the first page.
 * @nr: pages in the run: all present (holes are not stored), or for a chunk
 *	ODX_CHUNK_PAGES slots, holes among them.
 * @first: index in odx_tok.pages of the first page (not for a chunk).
 * @chunk: the whole chunk the run is, with a share, or NULL for a run of
 *	odx_tok.pages.
 */
struct odx_tok_ext {
	pgoff_t index;
	unsigned long nr;
	unsigned long first;
	struct odx_chunk *chunk;
};

/**
 * struct odx_tok - a live token (kernel memory only; userspace sees @bytes)
 * @ref: references: one for the table while linked, one per user in flight.
 * @hash: in the token table's hash, by @id; under odx_tokens_lock.
 * @all: in the table's list of all linked tokens; under odx_tokens_lock.
 * @dev_node: in the source device's token list; under odx_tokens_lock.
 * @src: the source device while linked, NULL after; under odx_tokens_lock.
 * @expires: jiffies when it expires unless used again, never after @deadline;
 *	under odx_tokens_lock.
 * @deadline: jiffies when it expires however it is used (the source's
 *	token_age_max_ms at minting), if @capped.
 * @capped: @deadline applies.
 * @ttl: inactivity lifetime in jiffies.
 * @id: lookup key, also bytes 8-15 of @bytes: random, unique among live tokens.
 * @charge: bytes charged to the source's budget (odx_dev.token_bytes): this
 *	structure, @ranges, @exts and @pages (as allocated) and PAGE_SIZE per
 *	page held (@held). Given back when the token leaves the table.
 * @bytes: the token as handed out.
 * @block_size: the source's logical block size.
 * @length: bytes the token stands for (LengthProtected).
 * @nr_ranges: entries in @ranges.
 * @ranges: the source ranges, in order.
 * @nr_exts: entries in @exts.
 * @exts: the runs of present source pages and the whole chunks, sorted by
 *	index, disjoint: overlapping ranges share them, holes take no memory.
 * @pinned: entries in @pages.
 * @pages: the source pages of the runs of @exts that are not chunks, each
 *	with a share.
 * @held: pages the token holds: @pinned and the pages of its chunks.
 */
struct odx_tok {
	struct kref ref;
	struct hlist_node hash;
	struct list_head all;
	struct list_head dev_node;
	struct odx_source *src;
	unsigned long expires;
	unsigned long deadline;
	bool capped;
	unsigned long ttl;
	u64 id;
	unsigned long charge;
	u8 bytes[ODX_TOKEN_LENGTH];
	u32 block_size;
	u64 length;
	u32 nr_ranges;
	struct odx_tok_range *ranges;
	unsigned long nr_exts;
	struct odx_tok_ext *exts;
	unsigned long pinned;
	struct page **pages;
	unsigned long held;
};

/**
 * enum odx_token_fate - why a token is not live (odx_token_fate())
 * @ODX_FATE_UNKNOWN: never minted, altered, or ended too long ago to tell.
 * @ODX_FATE_EXPIRED: its inactivity timeout passed.
 * @ODX_FATE_RELEASED: released (ODX_IOC_RELEASE, DEL_TKN).
 * @ODX_FATE_REVOKED: revoked (ODX_IOC_REVOKE) or its source device was removed.
 */
enum odx_token_fate {
	ODX_FATE_UNKNOWN,
	ODX_FATE_EXPIRED,
	ODX_FATE_RELEASED,
	ODX_FATE_REVOKED,
};

/**
 * struct odx_token_limits - the token engine's limits (module parameters)
 * @max_tokens: live tokens at most.
 * @max_pages: pages all tokens together may pin.
 * @max_token_bytes: bytes one token covers at most.
 * @default_ttl_ms: lifetime for TimeToLive 0.
 * @max_ttl_ms: TimeToLive is clamped to this.
 * @dev_bytes_max: default budget of a new device's tokens (token_bytes_max).
 * @dev_age_max_ms: default absolute token lifetime of a new device, 0 = none.
 */
struct odx_token_limits {
	unsigned long max_tokens;
	unsigned long max_pages;
	u64 max_token_bytes;
	u32 default_ttl_ms;
	u32 max_ttl_ms;
	unsigned long dev_bytes_max;
	u32 dev_age_max_ms;
};

extern struct odx_token_limits odx_token_limits;

int odx_tokens_init(void);
void odx_tokens_exit(void);
int odx_token_mint(struct odx_source *src, const struct odx_data_set_range *ranges,
		   u32 nr, u32 ttl_ms, struct odx_offload_read_output *out);
int odx_token_get(const struct odx_token *token, struct odx_source *dst,
		  bool allow_cross, struct odx_tok **tokp);
int odx_token_peek(const struct odx_token *token, struct odx_source *dst,
		   bool allow_cross, struct odx_tok **tokp);
void odx_token_put(struct odx_tok *tok);
int odx_token_release(const struct odx_token *token);
unsigned long odx_tokens_revoke(struct odx_source *src);
void odx_source_init(struct odx_source *src, struct odx_store *store, u32 block_size,
		     u64 size_bytes);
struct page **odx_tok_lookup(const struct odx_tok *tok, pgoff_t index,
			     unsigned long *nr, struct odx_chunk **chunk);
bool odx_token_is_zero(const struct odx_token *token);
enum odx_token_fate odx_token_fate(const struct odx_token *token);
bool odx_token_differs(const u8 *a, const u8 *b);
unsigned long odx_tokens_live(void);
unsigned long odx_tokens_pinned_pages(void);
u64 odx_tokens_revoked(void);
void odx_tokens_reap(bool all);

#endif /* _ODX_TOKEN_H */
