// SPDX-License-Identifier: GPL-2.0
/*
 * odx: validation of DSM requests and token-offset arithmetic. Builds in the
 * kernel and in userspace (see include/odx_parse.h); touches nothing but its
 * arguments.
 */
#include "odx_parse.h"
#ifndef ODX_USERSPACE
#include "odx_compat.h"
#endif

#define ODX_RANGE_SIZE	sizeof(struct odx_data_set_range)

/* Is [off, off + len) inside a buffer of @size bytes, behind the header? */
static bool odx_span_ok(u32 off, u32 len, size_t size, u64 *end)
{
	if (off < sizeof(struct odx_dsm_header))
		return false;
	if (check_add_overflow((u64)off, (u64)len, end))
		return false;
	return *end <= size;
}

/**
 * odx_ranges_check() - validate ranges against a device
 * @ranges: the ranges
 * @nr: how many
 * @lim: the device's limits
 * @total: set to the sum of the lengths
 *
 * Return: 0; -EINVAL for a count of 0 or above the maximum, a zero length, a
 * negative starting offset or one not aligned to the block size; -ENXIO for a
 * range ending past the capacity (or past 2^64).
 */
int odx_ranges_check(const struct odx_data_set_range *ranges, u32 nr,
		     const struct odx_dsm_limits *lim, u64 *total)
{
	u64 sum = 0, end;
	u32 i;

	if (!nr || nr > lim->max_ranges || nr > ODX_MAX_RANGES_LIMIT)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		u64 start = ranges[i].starting_offset;
		u64 len = ranges[i].length_in_bytes;

		if (start >> 63 || !len)
			return -EINVAL;
		if ((start | len) & (lim->block_size - 1))
			return -EINVAL;
	}
	for (i = 0; i < nr; i++) {
		if (check_add_overflow(ranges[i].starting_offset,
				       ranges[i].length_in_bytes, &end) ||
		    end > lim->capacity)
			return -ENXIO;
		/* Cannot overflow: each length is below the capacity (< 2^63). */
		sum += ranges[i].length_in_bytes;
	}
	*total = sum;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(odx_ranges_check);

/**
 * odx_dsm_parse() - validate a DSM input buffer and copy out what it says
 * @buf: the input buffer (kernel copy)
 * @len: its length
 * @lim: the target device's limits
 * @req: filled on success
 *
 * Everything is checked before anything is acted on: header, offsets and
 * lengths (inside the buffer, behind the header, not overlapping each other),
 * flags and reserved fields, the action, the parameter block and every range.
 *
 * Return: 0, -EINVAL, -EOPNOTSUPP (unknown action) or -ENXIO (see
 * odx_ranges_check()).
 */
int odx_dsm_parse(const void *buf, size_t len, const struct odx_dsm_limits *lim,
		  struct odx_dsm_req *req)
{
	struct odx_dsm_header hdr;
	u64 pend, rend;
	u32 plen;

	if (len < sizeof(hdr))
		return -EINVAL;
	memcpy(&hdr, buf, sizeof(hdr));
	if (hdr.size != sizeof(hdr) || hdr.flags)
		return -EINVAL;

	switch (hdr.action) {
	case ODX_DSM_ACTION_OFFLOAD_READ:
		plen = sizeof(req->read);
		break;
	case ODX_DSM_ACTION_OFFLOAD_WRITE:
		plen = sizeof(req->write);
		break;
	default:
		return -EOPNOTSUPP;
	}
	req->action = hdr.action;

	if (hdr.parameter_block_length != plen ||
	    !odx_span_ok(hdr.parameter_block_offset, plen, len, &pend))
		return -EINVAL;
	if (!hdr.data_set_ranges_length || hdr.data_set_ranges_length % ODX_RANGE_SIZE ||
	    !odx_span_ok(hdr.data_set_ranges_offset, hdr.data_set_ranges_length, len,
			 &rend))
		return -EINVAL;
	/* The parameter block and the ranges must not overlap. */
	if (hdr.parameter_block_offset < rend && hdr.data_set_ranges_offset < pend)
		return -EINVAL;

	req->nr_ranges = hdr.data_set_ranges_length / ODX_RANGE_SIZE;
	if (req->nr_ranges > lim->max_ranges || req->nr_ranges > ODX_MAX_RANGES_LIMIT)
		return -EINVAL;

	memcpy(&req->write, (const u8 *)buf + hdr.parameter_block_offset, plen);
	if (hdr.action == ODX_DSM_ACTION_OFFLOAD_READ) {
		if (req->read.flags || req->read.reserved[0] || req->read.reserved[1])
			return -EINVAL;
	} else {
		if (req->write.flags || req->write.reserved ||
		    req->write.token_offset & (lim->block_size - 1))
			return -EINVAL;
	}

	memcpy(req->ranges, (const u8 *)buf + hdr.data_set_ranges_offset,
	       hdr.data_set_ranges_length);
	return odx_ranges_check(req->ranges, req->nr_ranges, lim, &req->total_bytes);
}
EXPORT_SYMBOL_IF_KUNIT(odx_dsm_parse);

/**
 * odx_ranges_locate() - find where a byte offset into concatenated ranges falls
 * @ranges: the ranges, in order
 * @nr: how many
 * @offset: byte offset into their concatenation
 * @index: set to the range holding @offset
 * @within: set to the offset inside that range
 *
 * Return: true, or false when @offset is at or past the end of the ranges.
 */
bool odx_ranges_locate(const struct odx_data_set_range *ranges, u32 nr, u64 offset,
		       u32 *index, u64 *within)
{
	u32 i;

	for (i = 0; i < nr; i++) {
		if (offset < ranges[i].length_in_bytes) {
			*index = i;
			*within = offset;
			return true;
		}
		offset -= ranges[i].length_in_bytes;
	}
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(odx_ranges_locate);

