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
#include <scsi/scsi_proto.h>
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

/*
 * SCSI: the CDB fields and parameter lists of the SCSI front's copy commands
 * (odx_scsi.c), decoded here so that userspace can fuzz them too.
 */

/* Additional sense codes (ASC << 8 | ASCQ). */
#define ASC_PARAM_LEN		0x1a00	/* parameter list length error */
#define ASC_BAD_OPCODE		0x2000	/* invalid command operation code */
#define ASC_LBA_RANGE		0x2100	/* logical block address out of range */
#define ASC_TOKEN(q)		(0x2300 | (q))	/* invalid token operation */
#define  TOK_UNSUPPORTED	0x01
#define  TOK_REMOTE		0x02
#define  TOK_UNKNOWN		0x04
#define  TOK_REVOKED		0x06
#define  TOK_EXPIRED		0x07
#define  TOK_DELETED		0x09
#define  TOK_LENGTH		0x0a
#define ASC_CDB			0x2400	/* invalid field in CDB */
#define ASC_PARAM		0x2600	/* invalid field in parameter list */
#define ASC_TOO_MANY_SEGS	0x2608	/* too many segment descriptors */
#define ASC_WRITE_PROTECTED	0x2700
#define ASC_NO_SAVING		0x3900	/* saving parameters not supported */
#define ASC_RESOURCES		0x5503	/* insufficient resources */
#define ASC_NO_ROD_TOKEN	0x550d	/* insufficient resources to create ROD token */
#define ASC_INTERNAL		0x4400	/* internal target failure */

/* Parameter list layouts (SBC-4): headers and the 16-byte range descriptors. */
#define ODX_PT_HDR		16
#define ODX_WUT_HDR		536
#define ODX_RANGE_DESC		16

/**
 * struct odx_scsi_limits - what the device allows, for the SCSI decoders
 * @block_size: logical block size in bytes.
 * @nr_blocks: capacity in logical blocks.
 * @max_ranges: most range descriptors (1..ODX_MAX_RANGES_LIMIT).
 * @max_ito: largest INACTIVITY TIMEOUT, seconds.
 * @ddpt_quirk: read range descriptors one byte early (ddpt 0.97).
 */
struct odx_scsi_limits {
	u32 block_size;
	u64 nr_blocks;
	u32 max_ranges;
	u32 max_ito;
	bool ddpt_quirk;
};

/**
 * struct odx_scsi_fault - why a command is refused: the sense to report
 * @key: sense key.
 * @asc: additional sense code and qualifier (ASC << 8 | ASCQ).
 * @in_cdb: @field points into the CDB, else into the parameter list.
 * @field: byte of the field pointer, or -1 for none.
 * @bit: bit of the field pointer, or -1.
 */
struct odx_scsi_fault {
	u8 key;
	u16 asc;
	bool in_cdb;
	int field;
	int bit;
};

/**
 * struct odx_scsi_copy - a decoded POPULATE TOKEN or WRITE USING TOKEN
 *	parameter list
 * @immed: IMMED.
 * @del_tkn: DEL_TKN (WRITE USING TOKEN).
 * @ito: INACTIVITY TIMEOUT, seconds (POPULATE TOKEN).
 * @rod_type: ROD TYPE if RTV is set, else 0 (POPULATE TOKEN).
 * @offset_into_rod: OFFSET INTO ROD, logical blocks (WRITE USING TOKEN).
 * @token: the ROD token, inside the parameter list (WRITE USING TOKEN).
 * @nr_ranges: entries in @ranges.
 * @ranges: the ranges in bytes.
 * @total_bytes: their sum.
 */
struct odx_scsi_copy {
	bool immed;
	bool del_tkn;
	u32 ito;
	u32 rod_type;
	u64 offset_into_rod;
	const struct odx_token *token;
	u32 nr_ranges;
	struct odx_data_set_range ranges[ODX_MAX_RANGES_LIMIT];
	u64 total_bytes;
};

int odx_scsi_parse_ranges(const u8 *d, u32 len, u32 off, const struct odx_scsi_limits *lim,
			  struct odx_data_set_range *ranges, u32 *nr, u64 *total,
			  struct odx_scsi_fault *f);
int odx_scsi_parse_populate(const u8 *pl, u32 len, const struct odx_scsi_limits *lim,
			    struct odx_scsi_copy *c, struct odx_scsi_fault *f);
int odx_scsi_parse_wut(const u8 *pl, u32 len, const struct odx_scsi_limits *lim,
		       struct odx_scsi_copy *c, struct odx_scsi_fault *f);
int odx_scsi_parse_mode_select(const u8 *pl, u32 len, bool is10, u32 block_size,
			       const u8 *cur, bool *d_sense, struct odx_scsi_fault *f);

#endif /* _ODX_PARSE_H */
