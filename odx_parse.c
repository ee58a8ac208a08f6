// SPDX-License-Identifier: GPL-2.0
/*
 * odx: validation of DSM requests and token-offset arithmetic, and decoding of
 * the SCSI front's parameter lists. Builds in the kernel and in userspace (see
 * include/odx_parse.h); touches nothing but its arguments.
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

/*
 * SCSI: the parameter lists of POPULATE TOKEN, WRITE USING TOKEN and MODE
 * SELECT. Each decoder checks in the order the SCSI front reports, and on a
 * refusal fills in the sense to report.
 */

static u16 odx_be16(const u8 *p)
{
	return (u16)p[0] << 8 | p[1];
}

static u32 odx_be32(const u8 *p)
{
	return (u32)odx_be16(p) << 16 | odx_be16(p + 2);
}

static u64 odx_be64(const u8 *p)
{
	return (u64)odx_be32(p) << 32 | odx_be32(p + 4);
}

static int odx_fault(struct odx_scsi_fault *f, u16 asc, int field)
{
	f->key = ILLEGAL_REQUEST;
	f->asc = asc;
	f->in_cdb = false;
	f->field = field;
	f->bit = -1;
	return -EINVAL;
}

/*
 * The ROD types POPULATE TOKEN accepts: the one odx mints (point in time copy,
 * default) and "point in time copy - any", which lets odx pick it. Change
 * vulnerable (0x00800001) and persistent (0x00800002) tokens are not what odx
 * mints, so asking for them is an invalid field (byte 8), as FreeBSD's CTL
 * answers a ROD type it does not mint.
 */
static const u32 odx_rod_types[] = { ODX_TOKEN_TYPE_POINT_IN_TIME, 0x0080ffff };

/**
 * odx_scsi_parse_ranges() - decode block device range descriptors
 * @d: the descriptors
 * @len: their length in bytes (the RANGE DESCRIPTOR LIST LENGTH field)
 * @off: where @d sits in the parameter list (for field pointers)
 * @lim: the device's limits
 * @ranges: filled with the ranges in bytes
 * @nr: set to how many
 * @total: set to the sum of their lengths
 * @f: the sense to report on a refusal
 *
 * The caller guarantees @len bytes at @d (and, with @lim->ddpt_quirk, one
 * before it).
 *
 * Return: 0, or -EINVAL with @f set.
 */
int odx_scsi_parse_ranges(const u8 *d, u32 len, u32 off, const struct odx_scsi_limits *lim,
			  struct odx_data_set_range *ranges, u32 *nr, u64 *total,
			  struct odx_scsi_fault *f)
{
	struct odx_dsm_limits dlim = {
		.block_size = lim->block_size,
		.capacity = lim->nr_blocks * lim->block_size,
		.max_ranges = lim->max_ranges,
	};
	u32 i, n = len / ODX_RANGE_DESC;

	if (!len || len % ODX_RANGE_DESC)
		return odx_fault(f, ASC_PARAM, off - 2);
	if (n > lim->max_ranges || n > ODX_MAX_RANGES_LIMIT)
		return odx_fault(f, ASC_TOO_MANY_SEGS, -1);
	/*
	 * ddpt 0.97 (Debian 12) writes each descriptor one byte early, and then
	 * the list length over the first LBA's top byte: with ddpt_quirk, read
	 * them where it puts them (LBAs stay below 2^56).
	 */
	if (lim->ddpt_quirk)
		d--;
	for (i = 0; i < n; i++) {
		u64 lba = odx_be64(d + ODX_RANGE_DESC * i);
		u32 blocks = odx_be32(d + ODX_RANGE_DESC * i + 8);

		if (lim->ddpt_quirk)
			lba &= (1ULL << 56) - 1;
		if (!blocks)
			return odx_fault(f, ASC_PARAM, off + ODX_RANGE_DESC * i + 8);
		if (lba > lim->nr_blocks || blocks > lim->nr_blocks - lba)
			return odx_fault(f, ASC_LBA_RANGE, -1);
		ranges[i].starting_offset = lba * lim->block_size;
		ranges[i].length_in_bytes = (u64)blocks * lim->block_size;
	}
	if (odx_ranges_check(ranges, n, &dlim, total))
		return odx_fault(f, ASC_PARAM, off);
	*nr = n;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(odx_scsi_parse_ranges);

/**
 * odx_scsi_parse_populate() - decode a POPULATE TOKEN parameter list
 * @pl: the parameter list
 * @len: its length (at least ODX_PT_HDR + ODX_RANGE_DESC: the CDB check)
 * @lim: the device's limits
 * @c: filled with what it asks
 * @f: the sense to report on a refusal
 *
 * Return: 0, or -EINVAL with @f set.
 */
int odx_scsi_parse_populate(const u8 *pl, u32 len, const struct odx_scsi_limits *lim,
			    struct odx_scsi_copy *c, struct odx_scsi_fault *f)
{
	u32 i, rdl;

	memset(c, 0, offsetof(struct odx_scsi_copy, ranges));
	if ((u32)odx_be16(pl) + 2 > len)
		return odx_fault(f, ASC_PARAM, 0);
	c->immed = pl[2] & 0x01;
	c->ito = odx_be32(pl + 4);
	if (c->ito > lim->max_ito)
		return odx_fault(f, ASC_PARAM, 4);
	if (pl[2] & 0x02) {	/* RTV: the ROD TYPE field is valid */
		c->rod_type = odx_be32(pl + 8);
		for (i = 0; i < ARRAY_SIZE(odx_rod_types); i++)
			if (odx_rod_types[i] == c->rod_type)
				break;
		if (i == ARRAY_SIZE(odx_rod_types))
			return odx_fault(f, ASC_PARAM, 8);
	}
	rdl = odx_be16(pl + 14);
	if (ODX_PT_HDR + rdl > len)
		return odx_fault(f, ASC_PARAM_LEN, -1);
	return odx_scsi_parse_ranges(pl + ODX_PT_HDR, rdl, ODX_PT_HDR, lim, c->ranges,
				     &c->nr_ranges, &c->total_bytes, f);
}
EXPORT_SYMBOL_IF_KUNIT(odx_scsi_parse_populate);

/**
 * odx_scsi_parse_wut() - decode a WRITE USING TOKEN parameter list
 * @pl: the parameter list
 * @len: its length (at least ODX_WUT_HDR + ODX_RANGE_DESC: the CDB check)
 * @lim: the device's limits
 * @c: filled with what it asks (@c->token points into @pl)
 * @f: the sense to report on a refusal
 *
 * Checks the lengths, the ranges and the token's length field; what the token
 * is worth is the token engine's to say.
 *
 * Return: 0, or -EINVAL with @f set.
 */
int odx_scsi_parse_wut(const u8 *pl, u32 len, const struct odx_scsi_limits *lim,
		       struct odx_scsi_copy *c, struct odx_scsi_fault *f)
{
	u32 rdl;
	int err;

	memset(c, 0, offsetof(struct odx_scsi_copy, ranges));
	if ((u32)odx_be16(pl) + 2 > len)
		return odx_fault(f, ASC_PARAM, 0);
	c->immed = pl[2] & 0x01;
	c->del_tkn = pl[2] & 0x02;
	c->offset_into_rod = odx_be64(pl + 8);
	c->token = (const struct odx_token *)(pl + 16);
	rdl = odx_be16(pl + 534);
	if (ODX_WUT_HDR + rdl > len)
		return odx_fault(f, ASC_PARAM_LEN, -1);
	err = odx_scsi_parse_ranges(pl + ODX_WUT_HDR, rdl, ODX_WUT_HDR, lim, c->ranges,
				    &c->nr_ranges, &c->total_bytes, f);
	if (err)
		return err;
	if (odx_be16(c->token->token_id_length) != ODX_TOKEN_ID_LENGTH)
		return odx_fault(f, ASC_TOKEN(TOK_LENGTH), -1);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(odx_scsi_parse_wut);

/**
 * odx_scsi_parse_mode_select() - decode a MODE SELECT parameter list
 * @pl: the parameter list
 * @len: its length (not 0)
 * @is10: MODE SELECT(10), else (6)
 * @block_size: the device's logical block size
 * @cur: the current control mode page (12 bytes)
 * @d_sense: set to the D_SENSE asked for, when the list carries the control page
 * @f: the sense to report on a refusal
 *
 * Only the control mode page's D_SENSE bit can change; a block descriptor must
 * name the device's block length.
 *
 * Return: 1 when the list sets @d_sense, 0 when it carries no page, or -EINVAL
 * with @f set.
 */
int odx_scsi_parse_mode_select(const u8 *pl, u32 len, bool is10, u32 block_size,
			       const u8 *cur, bool *d_sense, struct odx_scsi_fault *f)
{
	u32 hdr = is10 ? 8 : 4, bdl, off;
	const u8 *p;

	if (len < hdr)
		return odx_fault(f, ASC_PARAM_LEN, -1);
	bdl = is10 ? odx_be16(pl + 6) : pl[3];
	off = hdr + bdl;
	if (bdl && (bdl != 8 || len < off || odx_be32(pl + hdr + 4) != block_size))
		return odx_fault(f, ASC_PARAM, is10 ? 6 : 3);
	if (len == off)
		return 0;
	p = pl + off;
	if (len < off + 12 || (p[0] & 0x3f) != 0x0a || p[1] != 10)
		return odx_fault(f, ASC_PARAM, off);
	/* Anything but D_SENSE must stay as it is. */
	if (((p[2] ^ cur[2]) & ~0x04) || memcmp(p + 3, cur + 3, 9))
		return odx_fault(f, ASC_PARAM, off + 2);
	if (len > off + 12)
		return odx_fault(f, ASC_PARAM, off + 12);
	*d_sense = p[2] & 0x04;
	return 1;
}
EXPORT_SYMBOL_IF_KUNIT(odx_scsi_parse_mode_select);
