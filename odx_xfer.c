// SPDX-License-Identifier: GPL-2.0
/*
 * odx: the offload engine. An offload read writes back cached data of the
 * source ranges and mints a token; an offload write checks the token against
 * the destination (zero token, cross-device policy, block size, token
 * offset), writes back and later drops cached data of the destination, copies
 * (sharing whole pages copy-on-write where the device allows) and counts. The
 * fronts (odx_dsm.c, odx_scsi.c) decode requests, call here, and turn the
 * status into their own answer; nothing here knows an errno or sense code a
 * front returns.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>

#include "odx_dev.h"
#include "odx_xfer.h"

/* Copy this many bytes between checks for rescheduling and fatal signals. */
#define ODX_COPY_CHUNK		SZ_1M

/**
 * odx_xfer_sync() - write back dirty page cache of ranges
 * @bdev: the block device
 * @ranges: byte ranges
 * @nr: how many
 * @limit: only the first @limit bytes of @ranges
 *
 * So the store holds what readers of the page cache see.
 *
 * Return: 0 or the writeback's errno.
 */
int odx_xfer_sync(struct block_device *bdev, const struct odx_data_set_range *ranges,
		  u32 nr, u64 limit)
{
	u32 i;
	int err;

	for (i = 0; i < nr && limit; i++) {
		u64 len = min(ranges[i].length_in_bytes, limit);

		err = sync_blockdev_range(bdev, ranges[i].starting_offset,
					  ranges[i].starting_offset + len - 1);
		if (err)
			return err;
		limit -= len;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(odx_xfer_sync);

/**
 * odx_xfer_invalidate() - drop cached pages the store changed under
 * @bdev: the block device
 * @ranges: byte ranges
 * @nr: how many
 * @done: only the first @done bytes of @ranges
 *
 * Every range is tried, even after one fails.
 *
 * Return: 0, or -EBUSY when a cached page could not be dropped: someone
 * dirtied it while the store changed under it, so buffered readers see it
 * instead of the store, and its writeback will overwrite the store's page.
 */
int odx_xfer_invalidate(struct block_device *bdev,
			const struct odx_data_set_range *ranges, u32 nr, u64 done)
{
	struct address_space *mapping = odx_bdev_mapping(bdev);
	int ret = 0;
	u32 i;

	for (i = 0; i < nr && done; i++) {
		u64 start = ranges[i].starting_offset;
		u64 len = min(ranges[i].length_in_bytes, done);
		int err;

		err = invalidate_inode_pages2_range(mapping, start >> PAGE_SHIFT,
						    (start + len - 1) >> PAGE_SHIFT);
		if (err && !ret)
			ret = err;
		done -= len;
	}
	if (ret)
		pr_warn_ratelimited("%pg: cached pages dirtied during an offload write were kept\n",
				    bdev);
	return ret;
}
EXPORT_SYMBOL_GPL(odx_xfer_invalidate);

/*
 * Copy @n bytes (within one source page and one destination page) from @page at
 * @off (a hole if NULL) to @dst at @pos. Whole pages that can be shared do not
 * come here (odx_store_share_pages()).
 */
static int odx_copy_piece(struct odx_store *dst, u64 pos, struct page *page,
			  unsigned int off, unsigned int n)
{
	void *src;
	int err;

	/*
	 * GFP_NOIO: the store's stripe mutexes are also taken by I/O that memory
	 * reclaim may issue to this very device.
	 */
	if (!page)
		return odx_store_zero(dst, pos, n, GFP_NOIO);
	src = kmap_local_page(page);
	err = odx_store_write(dst, pos, src + off, n, GFP_NOIO);
	kunmap_local(src);
	return err;
}

/* Pages of @run[0..@nr) that are not holes: a chunk's slots may be NULL. */
static unsigned long odx_pages_present(struct page **run, unsigned long nr,
				       struct odx_chunk *chunk)
{
	unsigned long i, present = 0;

	if (!chunk)
		return nr;
	for (i = 0; i < nr; i++)
		present += !!run[i];
	return present;
}

/**
 * odx_copy() - offload write: copy token data into a device's ranges
 * @tok: the token (with a reference), or NULL for the zero token
 * @token_offset: byte offset into the token's data, below its length
 * @dst: destination device's store
 * @share: share whole pages copy-on-write rather than copy them
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
 * destination shares the token's page, copy-on-write, if @share; where a whole
 * chunk the token holds lands on a whole chunk of the destination, the
 * destination shares the chunk (one share, one map update for 2 MiB).
 *
 * Return: 0 (even when a fatal signal cut the copy short after some data);
 * -EINTR when a fatal signal arrived before any data; -ENOMEM.
 */
int odx_copy(struct odx_tok *tok, u64 token_offset, struct odx_store *dst, bool share,
	     const struct odx_data_set_range *ranges, u32 nr, u64 max, u64 *copied,
	     u64 *shared)
{
	u64 done = 0, since_check = 0, within = 0, d_within = 0, nshared = 0;
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
			struct odx_chunk *chunk;
			struct page **run = odx_tok_lookup(tok, spos >> PAGE_SHIFT, &k,
							   &chunk);

			n = min(n, tr->len - within);
			if (share && chunk && n >= ODX_CHUNK_BYTES &&
			    !(spos & (ODX_CHUNK_BYTES - 1)) &&
			    !(dpos & (ODX_CHUNK_BYTES - 1))) {
				/* A whole chunk at a chunk's place: one share, one map update. */
				err = odx_store_share_chunk(dst, dpos / ODX_CHUNK_BYTES, chunk);
				if (err)
					break;
				n = ODX_CHUNK_BYTES;
				nshared += (u64)chunk->nr_pages << PAGE_SHIFT;
				goto advance;
			}
			if (share && n >= PAGE_SIZE && !offset_in_page(spos) &&
			    !offset_in_page(dpos)) {
				/* Whole pages at the same offset: a run at once. */
				j = min_t(u64, min_t(u64, n, ODX_COPY_CHUNK) >> PAGE_SHIFT, k);
				if (run) {
					err = odx_store_share_pages(dst,
								    dpos >> PAGE_SHIFT,
								    run, j, &k);
					nshared += (u64)odx_pages_present(run, k, chunk)
						   << PAGE_SHIFT;
				} else {
					/* Holes: whole pages become holes, no memory. */
					err = odx_store_zero(dst, dpos,
							     (u64)j << PAGE_SHIFT, GFP_NOIO);
					k = err ? 0 : j;
				}
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
			page = run ? *run : NULL;
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

/* The status for an errno of the token table or the writeback. */
static enum odx_xfer_status odx_xfer_errno(int err, struct odx_xfer_result *res)
{
	switch (err) {
	case 0:
		return ODX_XFER_OK;
	case -ENOSPC:
		return ODX_XFER_TOO_MANY_TOKENS;
	case -EDQUOT:
		return ODX_XFER_OVER_BUDGET;
	case -ENOMEM:
		return ODX_XFER_NO_MEMORY;
	case -EINTR:
		return ODX_XFER_INTERRUPTED;
	case -EBUSY:
		return ODX_XFER_CACHE_KEPT;
	default:
		res->err = err;
		return ODX_XFER_IO_ERROR;
	}
}

/**
 * odx_xfer_read() - offload read: write back cached data, then mint a token
 * @dev: source device (the front checked it is open for reading)
 * @bdev: its block device
 * @ranges: validated source ranges
 * @nr: how many
 * @ttl_ms: inactivity lifetime in ms, 0 for the default
 * @token: set to the new token on ODX_XFER_OK
 * @res: the result; @res->bytes is LengthProtected
 */
void odx_xfer_read(struct odx_dev *dev, struct block_device *bdev,
		   const struct odx_data_set_range *ranges, u32 nr, u32 ttl_ms,
		   struct odx_token *token, struct odx_xfer_result *res)
{
	struct odx_offload_read_output out;
	int err;

	memset(res, 0, sizeof(*res));
	err = odx_xfer_sync(bdev, ranges, nr, READ_ONCE(dev->src.max_token_bytes));
	if (!err)
		err = odx_token_mint(&dev->src, ranges, nr, ttl_ms, &out);
	res->status = odx_xfer_errno(err, res);
	if (err)
		return;
	*token = out.token;
	res->bytes = out.length_protected;
	res->truncated = out.offload_read_flags & ODX_OFFLOAD_READ_RANGE_TRUNCATED;
}

/* Why odx_token_get() refused @token. */
static enum odx_xfer_status odx_xfer_token_status(const struct odx_token *token, int err)
{
	static const enum odx_xfer_status fate[] = {
		[ODX_FATE_UNKNOWN] = ODX_XFER_TOKEN_UNKNOWN,
		[ODX_FATE_EXPIRED] = ODX_XFER_TOKEN_EXPIRED,
		[ODX_FATE_RELEASED] = ODX_XFER_TOKEN_RELEASED,
		[ODX_FATE_REVOKED] = ODX_XFER_TOKEN_REVOKED,
	};

	if (err == -EXDEV)
		return ODX_XFER_REMOTE;
	return fate[odx_token_fate(token)];
}

/*
 * The token of an offload write to @dev: the zero token (*@tokp NULL), or a
 * live token this device takes, with a reference, and @token_offset inside
 * it. False with @res->status set otherwise; an invalid token counts as an
 * invalid use. Only a @use (a write that goes ahead) re-arms the token's
 * inactivity timer.
 */
static bool odx_xfer_token(struct odx_dev *dev, const struct odx_token *token,
			   u64 token_offset, bool use, struct odx_tok **tokp,
			   struct odx_xfer_result *res)
{
	bool cross = READ_ONCE(dev->config.allow_cross_device);
	struct odx_tok *tok;
	int err;

	*tokp = NULL;
	if (odx_token_is_zero(token))
		return true;
	if (get_unaligned_be32(token->token_type) != ODX_TOKEN_TYPE_POINT_IN_TIME) {
		atomic64_inc(&dev->stats.invalid_token_uses);
		res->status = ODX_XFER_TOKEN_TYPE;
		return false;
	}
	if (use)
		err = odx_token_get(token, &dev->src, cross, &tok);
	else
		err = odx_token_peek(token, &dev->src, cross, &tok);
	if (err) {
		if (err == -EKEYREJECTED)
			atomic64_inc(&dev->stats.invalid_token_uses);
		res->status = odx_xfer_token_status(token, err);
		return false;
	}
	if (token_offset >= tok->length) {
		odx_token_put(tok);
		res->status = ODX_XFER_BAD_OFFSET;
		return false;
	}
	*tokp = tok;
	return true;
}

/**
 * odx_xfer_write_check() - what an offload write would say of its token
 * @dev: destination device
 * @token: the 512 bytes
 * @token_offset: bytes into the token's data
 * @res: the result: ODX_XFER_OK, or why the token or offset is refused
 *
 * For a front that cannot go on (its caller's buffers are gone) but answers
 * the token's faults first, as the write itself would. Copies nothing.
 */
void odx_xfer_write_check(struct odx_dev *dev, const struct odx_token *token,
			  u64 token_offset, struct odx_xfer_result *res)
{
	struct odx_tok *tok;

	memset(res, 0, sizeof(*res));
	if (odx_xfer_token(dev, token, token_offset, false, &tok, res) && tok)
		odx_token_put(tok);
}

/**
 * odx_xfer_write() - offload write: copy a token's data into ranges
 * @dev: destination device (the front checked it is open for writing and
 *	not read-only)
 * @bdev: its block device
 * @token: the 512 bytes the caller gave; the zero token writes zeros and
 *	ignores @token_offset and @release
 * @token_offset: bytes into the token's data
 * @release: end the token after the copy (SCSI DEL_TKN)
 * @ranges: validated destination ranges
 * @nr: how many
 * @total: bytes @ranges cover
 * @res: the result; @res->bytes is LengthCopied, also for
 *	ODX_XFER_CACHE_KEPT
 *
 * Writes back cached data of the destination first and drops it after, and
 * counts the bytes in the device's counters; an invalid token counts as an
 * invalid use. Copies at most the device's max_transfer_bytes.
 */
void odx_xfer_write(struct odx_dev *dev, struct block_device *bdev,
		    const struct odx_token *token, u64 token_offset, bool release,
		    const struct odx_data_set_range *ranges, u32 nr, u64 total,
		    struct odx_xfer_result *res)
{
	u64 max = min(total, READ_ONCE(dev->config.max_transfer_bytes));
	u64 copied = 0, shared = 0;
	struct odx_tok *tok;
	int err;

	memset(res, 0, sizeof(*res));
	if (!odx_xfer_token(dev, token, token_offset, true, &tok, res))
		return;
	if (tok) {
		max = min(max, tok->length - token_offset);
	} else {
		/* Zeros without end: no offset into them, nothing to release. */
		token_offset = 0;
		release = false;
	}

	/* Dirty cached data of the destination must not land on the copy later. */
	err = odx_xfer_sync(bdev, ranges, nr, max);
	if (!err)
		err = odx_copy(tok, token_offset, &dev->store,
			       READ_ONCE(dev->config.share_pages), ranges, nr, max,
			       &copied, &shared);
	if (err) {
		res->status = odx_xfer_errno(err, res);
		goto out_put;
	}
	atomic64_add(copied, tok ? &dev->stats.bytes_copied : &dev->stats.bytes_zeroed);
	atomic64_add(shared, &dev->stats.bytes_shared);
	res->bytes = copied;
	res->truncated = copied < total;
	res->status = odx_xfer_errno(odx_xfer_invalidate(bdev, ranges, nr, copied), res);
	if (release)
		odx_token_release(token);
out_put:
	if (tok)
		odx_token_put(tok);
}

/**
 * odx_xfer_release() - end a token now (ODX_IOC_RELEASE)
 * @token: the 512 bytes
 *
 * Return: 0, or -EKEYREJECTED when no live token matches.
 */
int odx_xfer_release(const struct odx_token *token)
{
	return odx_token_release(token);
}

/**
 * odx_xfer_revoke() - revoke every token minted on a device
 * @dev: the device
 *
 * Return: how many tokens ended.
 */
unsigned long odx_xfer_revoke(struct odx_dev *dev)
{
	return odx_tokens_revoke(&dev->src);
}

/**
 * odx_xfer_max_ttl_s() - the longest token lifetime
 *
 * Return: seconds.
 */
u32 odx_xfer_max_ttl_s(void)
{
	return odx_token_limits.max_ttl_ms / 1000;
}

/**
 * odx_xfer_caps() - the device's copy offload capabilities
 * @dev: the device
 * @caps: filled (all of it, reserved fields zeroed)
 */
void odx_xfer_caps(const struct odx_dev *dev, struct odx_caps *caps)
{
	u64 max_token = READ_ONCE(dev->src.max_token_bytes);
	u64 per_desc = min_t(u64, dev->size_bytes, max_token);
	u64 max_transfer = READ_ONCE(dev->config.max_transfer_bytes);

	memset(caps, 0, sizeof(*caps));
	caps->version = ODX_CAPS_VERSION;
	caps->size = sizeof(*caps);
	caps->maximum_token_lifetime = odx_token_limits.max_ttl_ms / 1000;
	caps->default_token_lifetime = odx_token_limits.default_ttl_ms / 1000;
	caps->maximum_transfer_size = max_transfer;
	caps->optimal_transfer_count = min(max_transfer, max_token);
	caps->maximum_data_descriptors = READ_ONCE(dev->config.max_ranges);
	caps->maximum_transfer_length_per_descriptor =
		min_t(u64, per_desc / dev->block_size, U32_MAX);
	caps->optimal_transfer_length_per_descriptor =
		caps->maximum_transfer_length_per_descriptor;
	caps->optimal_transfer_length_granularity = PAGE_SIZE / dev->block_size;
	caps->block_size = dev->block_size;
	caps->features = ODX_CAP_POINT_IN_TIME | ODX_CAP_ZERO_TOKEN | ODX_CAP_RELEASE |
			 ODX_CAP_REVOKE |
			 (READ_ONCE(dev->config.allow_cross_device) ? ODX_CAP_CROSS_DEVICE : 0);
	caps->maximum_token_size = max_token;
}
