/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odx: validation of DSM requests and token-offset arithmetic.
 *
 * Plain C with no kernel state, so the same code builds in the module and in
 * userspace (the fuzzer and host tests define ODX_USERSPACE).
 */
#ifndef _ODX_PARSE_H
#define _ODX_PARSE_H

#ifdef ODX_USERSPACE
/* Kernel types and helpers for userspace builds (tests/fuzz/). */
#include "odx_user.h"
#else
#include <linux/errno.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <linux/types.h>
#endif

#include <linux/odx.h>

/* Most ranges a request may carry, whatever the module parameter says. */
#define ODX_MAX_RANGES_LIMIT	256

/**
 * struct odx_dsm_limits - what the target device allows
 * @block_size: logical block size in bytes (a power of two).
 * @capacity: device size in bytes.
 * @max_ranges: most ranges in one request (1..ODX_MAX_RANGES_LIMIT).
 */
struct odx_dsm_limits {
	u32 block_size;
	u64 capacity;
	u32 max_ranges;
};

/**
 * struct odx_dsm_req - a validated DSM request
 * @action: ODX_DSM_ACTION_OFFLOAD_READ or ODX_DSM_ACTION_OFFLOAD_WRITE.
 * @read: the parameters, for an offload read.
 * @write: the parameters, for an offload write.
 * @nr_ranges: entries in @ranges.
 * @ranges: the ranges, copied out of the buffer.
 * @total_bytes: sum of the ranges' lengths.
 */
struct odx_dsm_req {
	u32 action;
	union {
		struct odx_offload_read_params read;
		struct odx_offload_write_params write;
	};
	u32 nr_ranges;
	struct odx_data_set_range ranges[ODX_MAX_RANGES_LIMIT];
	u64 total_bytes;
};

int odx_dsm_parse(const void *buf, size_t len, const struct odx_dsm_limits *lim,
		  struct odx_dsm_req *req);
int odx_ranges_check(const struct odx_data_set_range *ranges, u32 nr,
		     const struct odx_dsm_limits *lim, u64 *total);
bool odx_ranges_locate(const struct odx_data_set_range *ranges, u32 nr, u64 offset,
		       u32 *index, u64 *within);

#endif /* _ODX_PARSE_H */
