/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odx: the offload engine (odx_xfer.c), the one place where an offload read or
 * write happens, whichever front (DSM ioctl, SCSI) decoded it. It answers with
 * a status of its own; each front turns that into its answer through one
 * table (an errno and ODX_OFFLOAD_TOKEN_INVALID for DSM, sense data for SCSI).
 */
#ifndef _ODX_XFER_H
#define _ODX_XFER_H

#include <linux/blkdev.h>
#include <linux/types.h>
#include <linux/odx.h>

#include "odx_compat.h"

struct odx_dev;
struct odx_store;
struct odx_tok;

/**
 * enum odx_xfer_status - how an offload request ended
 * @ODX_XFER_OK: done (possibly truncated: see struct odx_xfer_result).
 * @ODX_XFER_TOKEN_UNKNOWN: no live token matches all 512 bytes (never minted,
 *	altered, or ended too long ago to say how).
 * @ODX_XFER_TOKEN_EXPIRED: the token's lifetime ended.
 * @ODX_XFER_TOKEN_RELEASED: the token was released (ODX_IOC_RELEASE, DEL_TKN).
 * @ODX_XFER_TOKEN_REVOKED: the token was revoked (ODX_IOC_REVOKE, removal).
 * @ODX_XFER_TOKEN_TYPE: a ROD type odx neither mints nor knows.
 * @ODX_XFER_REMOTE: the token's source is another device and this device does
 *	not accept those, or the logical block sizes differ.
 * @ODX_XFER_BAD_OFFSET: the token offset is at or past the token's end.
 * @ODX_XFER_TOO_MANY_TOKENS: the live-token limit is reached.
 * @ODX_XFER_OVER_BUDGET: the token would pass its source's memory budget or
 *	the module's page budget.
 * @ODX_XFER_NO_MEMORY: an allocation failed; nothing happened.
 * @ODX_XFER_INTERRUPTED: a fatal signal arrived before anything happened.
 * @ODX_XFER_IO_ERROR: writing back cached pages failed; nothing happened.
 * @ODX_XFER_CACHE_KEPT: the data was written, but cached pages of the
 *	destination that someone dirtied meanwhile could not be dropped.
 */
enum odx_xfer_status {
	ODX_XFER_OK,
	ODX_XFER_TOKEN_UNKNOWN,
	ODX_XFER_TOKEN_EXPIRED,
	ODX_XFER_TOKEN_RELEASED,
	ODX_XFER_TOKEN_REVOKED,
	ODX_XFER_TOKEN_TYPE,
	ODX_XFER_REMOTE,
	ODX_XFER_BAD_OFFSET,
	ODX_XFER_TOO_MANY_TOKENS,
	ODX_XFER_OVER_BUDGET,
	ODX_XFER_NO_MEMORY,
	ODX_XFER_INTERRUPTED,
	ODX_XFER_IO_ERROR,
	ODX_XFER_CACHE_KEPT,
	ODX_XFER_NR_STATUS
};

/**
 * struct odx_xfer_result - what an offload request did
 * @status: how it ended.
 * @bytes: offload read: bytes the token stands for (LengthProtected); offload
 *	write: bytes written from the start of the destination ranges.
 * @truncated: @bytes is less than the ranges asked for.
 * @err: for ODX_XFER_IO_ERROR, the writeback's errno (for messages).
 */
struct odx_xfer_result {
	enum odx_xfer_status status;
	u64 bytes;
	bool truncated;
	int err;
};

void odx_xfer_read(struct odx_dev *dev, struct block_device *bdev,
		   const struct odx_data_set_range *ranges, u32 nr, u32 ttl_ms,
		   struct odx_token *token, struct odx_xfer_result *res);
void odx_xfer_write(struct odx_dev *dev, struct block_device *bdev,
		    const struct odx_token *token, u64 token_offset, bool release,
		    const struct odx_data_set_range *ranges, u32 nr, u64 total,
		    struct odx_xfer_result *res);
void odx_xfer_write_check(struct odx_dev *dev, const struct odx_token *token,
			  u64 token_offset, struct odx_xfer_result *res);
int odx_xfer_release(const struct odx_token *token);
unsigned long odx_xfer_revoke(struct odx_dev *dev);
void odx_xfer_caps(const struct odx_dev *dev, struct odx_caps *caps);
u32 odx_xfer_max_ttl_s(void);

int odx_xfer_sync(struct block_device *bdev, const struct odx_data_set_range *ranges,
		  u32 nr, u64 limit);
int odx_xfer_invalidate(struct block_device *bdev,
			const struct odx_data_set_range *ranges, u32 nr, u64 done);

int odx_copy(struct odx_tok *tok, u64 token_offset, struct odx_store *dst, bool share,
	     const struct odx_data_set_range *ranges, u32 nr, u64 max, u64 *copied,
	     u64 *shared);

#endif /* _ODX_XFER_H */
