// SPDX-License-Identifier: GPL-2.0
/*
 * odx: the SCSI command set. A small SPC-4/SBC-3 command set, with POPULATE
 * TOKEN, RECEIVE ROD TOKEN INFORMATION and WRITE USING TOKEN on the offload
 * engine (odx_xfer.c), so ddpt and sg3_utils drive odx unchanged and a token
 * minted here is the one the DSM ioctl takes. It knows no transport: a
 * transport (SG_IO on /dev/odxN: odx_sg.c) fills a struct odx_scsi_cmd, moves
 * the data through its struct odx_scsi_data_ops and delivers status and sense.
 *
 * Commands complete synchronously. SCSI errors come back as CHECK CONDITION
 * with sense data (fixed format, or descriptor format once the control mode
 * page's D_SENSE bit is set). The parameter lists are decoded by odx_parse.c
 * (plain C, fuzzed in userspace).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <scsi/scsi_proto.h>

#include "odx_dev.h"
#include "odx_parse.h"
#include "odx_scsi.h"
#include "odx_xfer.h"

/* RECEIVE ROD TOKEN INFORMATION: copy operation status. */
#define COPY_OK			0x01
#define COPY_FAILED		0x02
#define COPY_RESIDUAL		0x04
/* Transfer count units: logical blocks. */
#define UNITS_BLOCKS		0xf1

/*
 * CHECK CONDITION with sense @key/@asc. @field >= 0 adds a sense-key specific
 * field pointer: byte @field (and @bit if >= 0) of the CDB (@in_cdb) or of the
 * parameter list.
 */
static void odx_sense_field(struct odx_scsi_cmd *cmd, u8 key, u16 asc, bool in_cdb,
			    int field, int bit)
{
	u8 *s = cmd->sense, sks[3] = { 0 };

	if (field >= 0) {
		sks[0] = 0x80 | (in_cdb ? 0x40 : 0) | (bit >= 0 ? 0x08 | bit : 0);
		put_unaligned_be16(field, sks + 1);
	}
	memset(s, 0, sizeof(cmd->sense));
	cmd->status = SAM_STAT_CHECK_CONDITION;
	if (cmd->desc_sense) {
		s[0] = 0x72;
		s[1] = key;
		s[2] = asc >> 8;
		s[3] = asc & 0xff;
		if (field >= 0) {
			s[7] = 8;
			s[8] = 0x02;	/* sense-key specific descriptor */
			s[9] = 6;
			memcpy(s + 12, sks, 3);
		}
		cmd->sense_len = 8 + s[7];
	} else {
		s[0] = 0x70;
		s[2] = key;
		s[7] = 10;
		s[12] = asc >> 8;
		s[13] = asc & 0xff;
		memcpy(s + 15, sks, 3);
		cmd->sense_len = 18;
	}
}

static void odx_sense(struct odx_scsi_cmd *cmd, u8 key, u16 asc)
{
	odx_sense_field(cmd, key, asc, false, -1, -1);
}

static void odx_bad_cdb(struct odx_scsi_cmd *cmd, int field, int bit)
{
	odx_sense_field(cmd, ILLEGAL_REQUEST, ASC_CDB, true, field, bit);
}

static void odx_bad_param(struct odx_scsi_cmd *cmd, int field)
{
	odx_sense_field(cmd, ILLEGAL_REQUEST, ASC_PARAM, false, field, -1);
}

/* CHECK CONDITION for a refusal of a decoder. */
static void odx_fault_sense(struct odx_scsi_cmd *cmd, const struct odx_scsi_fault *f)
{
	odx_sense_field(cmd, f->key, f->asc, f->in_cdb, f->field, f->bit);
}

/* Data-in: hand @len bytes of @buf to the initiator, at most @alloc of them. */
static int odx_data_in(struct odx_scsi_cmd *cmd, const void *buf, u32 len, u32 alloc)
{
	u32 n = min3(len, alloc, cmd->dir == ODX_SCSI_DATA_IN ? cmd->data_len : 0);

	if (n && cmd->ops->to_initiator(cmd, buf, n))
		return -EFAULT;
	cmd->transferred = n;
	return 0;
}

/*
 * Data-out: the parameter list (@len bytes, from a CDB field at byte @field). A
 * buffer shorter than the CDB says is refused, never read past.
 * Return: a buffer to kvfree(), NULL with sense set, or an ERR_PTR.
 */
static void *odx_data_out(struct odx_scsi_cmd *cmd, u32 len, int field)
{
	void *buf;

	if (cmd->dir != ODX_SCSI_DATA_OUT || cmd->data_len < len) {
		odx_bad_cdb(cmd, field, -1);
		return NULL;
	}
	buf = kvmalloc(len, GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	if (cmd->ops->from_initiator(cmd, buf, len)) {
		kvfree(buf);
		return ERR_PTR(-EFAULT);
	}
	cmd->transferred = len;
	return buf;
}

static u64 odx_nr_blocks(const struct odx_dev *dev)
{
	return dev->size_bytes / dev->block_size;
}

static const u8 odx_vpd_pages[] = { 0x00, 0x80, 0x83, 0x8f, 0xb0 };
/* Supported Commands descriptor body: list length, then opcode, SA count, SAs. */
static const u8 odx_tpc_commands[] = {
	7, TPC_OUT, 2, SA_POPULATE_TOKEN, SA_WRITE_USING_TOKEN, TPC_IN, 1, SA_RRTI,
};

/* Standard INQUIRY data and the VPD pages. */
static int odx_inquiry(struct odx_scsi_cmd *cmd)
{
	struct odx_dev *dev = cmd->dev;
	u32 alloc = get_unaligned_be16(cmd->cdb + 3), len;
	u8 *r = cmd->resp, *d;
	struct odx_caps caps;

	if (cmd->cdb[1] & 0xfe) {
		odx_bad_cdb(cmd, 1, -1);
		return 0;
	}
	if (!(cmd->cdb[1] & 0x01)) {
		if (cmd->cdb[2]) {
			odx_bad_cdb(cmd, 2, -1);
			return 0;
		}
		r[0] = 0x00;		/* connected direct-access block device */
		r[2] = 0x06;		/* SPC-4 */
		r[3] = 0x12;		/* HISUP, response data format 2 */
		r[4] = 74 - 5;
		r[5] = 0x08;		/* 3PC: third-party copy */
		r[7] = 0x02;		/* CMDQUE */
		memcpy(r + 8, "LINUX   ", 8);
		memcpy(r + 16, "odx             ", 16);
		memcpy(r + 32, "0001", 4);
		put_unaligned_be16(0x00c0, r + 58);	/* SAM-4 */
		put_unaligned_be16(0x0460, r + 60);	/* SPC-4 */
		put_unaligned_be16(0x04c0, r + 62);	/* SBC-3 */
		return odx_data_in(cmd, r, 74, alloc);
	}

	odx_xfer_caps(dev, &caps);
	r[1] = cmd->cdb[2];
	switch (cmd->cdb[2]) {
	case 0x00:		/* supported VPD pages */
		memcpy(r + 4, odx_vpd_pages, sizeof(odx_vpd_pages));
		len = 4 + sizeof(odx_vpd_pages);
		break;
	case 0x80:		/* unit serial number */
		len = 4 + snprintf(r + 4, 32, "ODX%08X", dev->index);
		break;
	case 0x83:		/* device identification */
		d = r + 4;
		/* NAA designator, the token's creator descriptor (20 bytes). */
		memcpy(d, dev->src.designator, ODX_DESIGNATOR_LEN);
		memset(d + 20, 0, 8);
		d += 20;
		/* T10 vendor ID designator: vendor, product, index. */
		d[0] = 0x02;	/* ASCII */
		d[1] = 0x01;	/* logical unit, T10 vendor ID */
		d[3] = 8 + 12;
		snprintf(d + 4, 8 + 12 + 1, "LINUX   odx%09u", dev->index);
		d += 4 + d[3];
		len = d - r;
		break;
	case 0x8f:		/* third-party copy */
		d = r + 4;
		/* Block Device ROD Token Limits: first, as Windows requires. */
		put_unaligned_be16(0x0000, d);
		put_unaligned_be16(0x20, d + 2);
		put_unaligned_be16(caps.maximum_data_descriptors, d + 10);
		put_unaligned_be32(caps.maximum_token_lifetime, d + 12);
		put_unaligned_be32(caps.default_token_lifetime, d + 16);
		/*
		 * Maximum token transfer size: the most one POPULATE TOKEN or WRITE
		 * USING TOKEN takes whole (SBC-4), the smaller of the token and the
		 * transfer limits; then the optimal transfer count.
		 */
		put_unaligned_be64(div_u64(min(caps.maximum_token_size,
					       caps.maximum_transfer_size),
					   dev->block_size), d + 20);
		put_unaligned_be64(div_u64(caps.optimal_transfer_count, dev->block_size),
				   d + 28);
		d += 36;
		/* Supported Commands: POPULATE TOKEN, WRITE USING TOKEN, RRTI. */
		put_unaligned_be16(0x0001, d);
		put_unaligned_be16(8, d + 2);
		memcpy(d + 4, odx_tpc_commands, sizeof(odx_tpc_commands));
		d += 12;
		/* ROD Token Features, with the block device specific descriptor. */
		put_unaligned_be16(0x0106, d);
		put_unaligned_be16(44 + 48, d + 2);
		d[4] = 0x00;	/* no remote tokens */
		put_unaligned_be32(1, d + 16);
		put_unaligned_be32(caps.maximum_token_lifetime, d + 20);
		put_unaligned_be32(caps.maximum_token_lifetime, d + 24);
		put_unaligned_be16(48, d + 46);
		d[48] = 0x00;	/* direct-access block device */
		put_unaligned_be16(44, d + 50);
		put_unaligned_be16(caps.optimal_transfer_length_granularity, d + 54);
		put_unaligned_be64(caps.maximum_token_size, d + 56);
		put_unaligned_be64(caps.optimal_transfer_count, d + 64);
		put_unaligned_be64(caps.optimal_transfer_count, d + 72);
		put_unaligned_be64(caps.optimal_transfer_count, d + 80);
		d += 4 + 44 + 48;
		/* Supported ROD Types: point in time (in and out), block zero (in). */
		put_unaligned_be16(0x0108, d);
		put_unaligned_be16(4 + 2 * 64, d + 2);
		put_unaligned_be16(2 * 64, d + 6);
		put_unaligned_be32(ODX_TOKEN_TYPE_POINT_IN_TIME, d + 8);
		d[8 + 4] = 0x03;
		put_unaligned_be32(ODX_TOKEN_TYPE_ZERO_DATA, d + 8 + 64);
		d[8 + 64 + 4] = 0x02;
		d += 4 + 4 + 2 * 64;
		/* General Copy Operations: one copy at a time per command. */
		put_unaligned_be16(0x8001, d);
		put_unaligned_be16(0x20, d + 2);
		put_unaligned_be32(ODX_SCSI_LISTS, d + 4);
		put_unaligned_be32(ODX_SCSI_OPENER_LISTS, d + 8);
		put_unaligned_be32(min_t(u64, caps.maximum_transfer_size, U32_MAX), d + 12);
		d[16] = ilog2(dev->block_size);
		d += 36;
		len = d - r;
		break;
	case 0xb0:		/* block limits */
		len = 64;
		put_unaligned_be16(caps.optimal_transfer_length_granularity, r + 6);
		put_unaligned_be32(ODX_SCSI_MAX_DATA / dev->block_size, r + 8);
		put_unaligned_be32(ODX_SCSI_MAX_DATA / dev->block_size, r + 12);
		break;
	default:
		odx_bad_cdb(cmd, 2, -1);
		return 0;
	}
	put_unaligned_be16(len - 4, r + 2);
	return odx_data_in(cmd, r, len, alloc);
}

static int odx_read_capacity(struct odx_scsi_cmd *cmd, bool is16)
{
	u64 last = odx_nr_blocks(cmd->dev) - 1;
	u8 *r = cmd->resp;

	if (!is16) {
		put_unaligned_be32(min_t(u64, last, U32_MAX), r);
		put_unaligned_be32(cmd->dev->block_size, r + 4);
		return odx_data_in(cmd, r, 8, 8);
	}
	put_unaligned_be64(last, r);
	put_unaligned_be32(cmd->dev->block_size, r + 8);
	/* Logical blocks per physical block exponent: pages are the unit. */
	r[13] = ilog2(PAGE_SIZE / cmd->dev->block_size);
	return odx_data_in(cmd, r, 32, get_unaligned_be32(cmd->cdb + 10));
}

/* Write back cached pages of a byte range, and drop them after a write. */
static int odx_rw_sync(struct odx_scsi_cmd *cmd, u64 pos, u64 len)
{
	struct odx_data_set_range r = { pos, len };

	return odx_xfer_sync(cmd->bdev, &r, 1, len);
}

/* READ and WRITE (10/12/16): data through the caller's buffer, like O_DIRECT. */
static int odx_rw(struct odx_scsi_cmd *cmd, bool write, unsigned int cdb_len)
{
	struct odx_dev *dev = cmd->dev;
	bool is16 = cdb_len == 16;
	u64 lba = is16 ? get_unaligned_be64(cmd->cdb + 2) : get_unaligned_be32(cmd->cdb + 2);
	int nr_at = is16 ? 10 : cdb_len == 12 ? 6 : 7;
	u32 nr = cdb_len == 10 ? get_unaligned_be16(cmd->cdb + 7) :
		 get_unaligned_be32(cmd->cdb + nr_at);
	u64 pos, len = (u64)nr * dev->block_size;
	void *buf;
	int err;

	/* RDPROTECT/WRPROTECT: odx keeps no protection information (SBC-4). */
	if (cmd->cdb[1] & 0xe0) {
		odx_bad_cdb(cmd, 1, 7);
		return 0;
	}
	if (lba > odx_nr_blocks(dev) || nr > odx_nr_blocks(dev) - lba) {
		odx_sense(cmd, ILLEGAL_REQUEST, ASC_LBA_RANGE);
		return 0;
	}
	if (write && bdev_read_only(cmd->bdev)) {
		odx_sense(cmd, DATA_PROTECT, ASC_WRITE_PROTECTED);
		return 0;
	}
	if (!nr)
		return 0;
	if (len > cmd->data_len ||
	    cmd->dir != (write ? ODX_SCSI_DATA_OUT : ODX_SCSI_DATA_IN)) {
		odx_bad_cdb(cmd, nr_at, -1);
		return 0;
	}
	pos = lba * dev->block_size;

	if (write) {
		buf = odx_data_out(cmd, len, nr_at);
		if (IS_ERR_OR_NULL(buf))
			return PTR_ERR_OR_ZERO(buf);
		err = odx_rw_sync(cmd, pos, len);
		if (!err)
			err = odx_store_write(&dev->store, pos, buf, len, GFP_NOIO);
		/*
		 * A courtesy to buffered readers: SG_IO writes to a real disk
		 * leave the host's page cache alone, so a page another writer
		 * dirtied meanwhile is not this command's error.
		 */
		odx_xfer_invalidate(cmd->bdev, &(struct odx_data_set_range){ pos, len },
				    1, len);
	} else {
		buf = kvmalloc(len, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
		err = odx_rw_sync(cmd, pos, len);
		if (!err)
			err = odx_store_read(&dev->store, pos, buf, len);
		if (!err)
			err = odx_data_in(cmd, buf, len, len);
	}
	kvfree(buf);
	if (err == -ENOMEM) {
		odx_sense(cmd, ABORTED_COMMAND, ASC_RESOURCES);
		err = 0;
	}
	return err;
}

/* The control mode page (0x0A), as current, changeable or default values. */
static unsigned int odx_control_page(struct odx_scsi_cmd *cmd, u8 *p, u8 pc)
{
	memset(p, 0, 12);
	p[0] = 0x0a;
	p[1] = 10;
	if (pc == 1)
		p[2] = 0x04;	/* only D_SENSE can change */
	else if (pc == 0)
		p[2] = cmd->desc_sense ? 0x04 : 0;
	if (pc != 1)
		put_unaligned_be16(0xffff, p + 8);	/* busy timeout: unlimited */
	return 12;
}

static int odx_mode_sense(struct odx_scsi_cmd *cmd, bool is10)
{
	struct odx_dev *dev = cmd->dev;
	bool dbd = cmd->cdb[1] & 0x08;
	u8 pc = cmd->cdb[2] >> 6, page = cmd->cdb[2] & 0x3f, *r = cmd->resp, *p;
	unsigned int hdr = is10 ? 8 : 4, len;
	u32 alloc = is10 ? get_unaligned_be16(cmd->cdb + 7) : cmd->cdb[4];
	u8 dsp;

	if (pc == 3) {
		odx_sense_field(cmd, ILLEGAL_REQUEST, ASC_NO_SAVING, true, 2, 7);
		return 0;
	}
	if ((page != 0x0a && page != 0x3f) || cmd->cdb[3]) {
		odx_bad_cdb(cmd, page != 0x0a && page != 0x3f ? 2 : 3, -1);
		return 0;
	}
	p = r + hdr;
	if (!dbd) {
		/* One short block descriptor: blocks (capped) and block length. */
		put_unaligned_be32(min_t(u64, odx_nr_blocks(dev), U32_MAX), p);
		put_unaligned_be32(dev->block_size, p + 4);
		p += 8;
	}
	p += odx_control_page(cmd, p, pc);
	len = p - r;
	/* Device-specific parameter: WP, and DPOFUA (DPO and FUA are honoured: RAM). */
	dsp = (bdev_read_only(cmd->bdev) ? 0x80 : 0) | 0x10;
	if (is10) {
		put_unaligned_be16(len - 2, r);
		r[3] = dsp;
		put_unaligned_be16(dbd ? 0 : 8, r + 6);
	} else {
		r[0] = len - 1;
		r[2] = dsp;
		r[3] = dbd ? 0 : 8;
	}
	return odx_data_in(cmd, r, len, alloc);
}

/* MODE SELECT: only the control page's D_SENSE bit can change. */
static int odx_mode_select(struct odx_scsi_cmd *cmd, bool is10)
{
	u32 len = is10 ? get_unaligned_be16(cmd->cdb + 7) : cmd->cdb[4];
	struct odx_scsi_fault f;
	u8 cur[12], *pl;
	bool d_sense;
	int ret;

	if (!(cmd->cdb[1] & 0x10)) {
		odx_bad_cdb(cmd, 1, 4);		/* PF must be set */
		return 0;
	}
	if (cmd->cdb[1] & 0x01) {
		odx_bad_cdb(cmd, 1, 0);		/* SP: nothing can be saved */
		return 0;
	}
	if (!len)
		return 0;
	pl = odx_data_out(cmd, len, is10 ? 7 : 4);
	if (IS_ERR_OR_NULL(pl))
		return PTR_ERR_OR_ZERO(pl);
	odx_control_page(cmd, cur, 0);
	ret = odx_scsi_parse_mode_select(pl, len, is10, cmd->dev->block_size, cur, &d_sense,
					 &f);
	if (ret < 0)
		odx_fault_sense(cmd, &f);
	else if (ret)
		WRITE_ONCE(cmd->dev->scsi->d_sense, d_sense);
	kvfree(pl);
	return 0;
}

/* The commands REPORT SUPPORTED OPERATION CODES lists. */
static const struct odx_opcode {
	u8 op;
	u8 sa;
	bool has_sa;
	u8 len;
} odx_opcodes[] = {
	{ TEST_UNIT_READY, 0, false, 6 },
	{ REQUEST_SENSE, 0, false, 6 },
	{ INQUIRY, 0, false, 6 },
	{ MODE_SELECT, 0, false, 6 },
	{ MODE_SENSE, 0, false, 6 },
	{ READ_CAPACITY, 0, false, 10 },
	{ READ_10, 0, false, 10 },
	{ WRITE_10, 0, false, 10 },
	{ SYNCHRONIZE_CACHE, 0, false, 10 },
	{ MODE_SELECT_10, 0, false, 10 },
	{ MODE_SENSE_10, 0, false, 10 },
	{ TPC_OUT, SA_POPULATE_TOKEN, true, 16 },
	{ TPC_OUT, SA_WRITE_USING_TOKEN, true, 16 },
	{ TPC_IN, SA_RRTI, true, 16 },
	{ READ_12, 0, false, 12 },
	{ WRITE_12, 0, false, 12 },
	{ READ_16, 0, false, 16 },
	{ WRITE_16, 0, false, 16 },
	{ SYNCHRONIZE_CACHE_16, 0, false, 16 },
	{ SERVICE_ACTION_IN_16, SAI_READ_CAPACITY_16, true, 16 },
	{ MAINTENANCE_IN, MI_REPORT_SUPPORTED_OPERATION_CODES, true, 12 },
};

static int odx_rsoc(struct odx_scsi_cmd *cmd)
{
	u8 ro = cmd->cdb[2] & 0x07, op = cmd->cdb[3], *r = cmd->resp, *d;
	bool rctd = cmd->cdb[2] & 0x80, op_has_sa = false, found = false;
	u16 sa = get_unaligned_be16(cmd->cdb + 4);
	u32 alloc = get_unaligned_be32(cmd->cdb + 6);
	const struct odx_opcode *o = NULL;
	unsigned int i, len;

	if (ro == 0) {
		d = r + 4;
		for (i = 0; i < ARRAY_SIZE(odx_opcodes); i++) {
			o = &odx_opcodes[i];
			d[0] = o->op;
			put_unaligned_be16(o->sa, d + 2);
			d[5] = (o->has_sa ? 0x01 : 0) | (rctd ? 0x02 : 0);
			put_unaligned_be16(o->len, d + 6);
			d += 8;
			if (rctd) {
				/* Command timeouts descriptor: none given. */
				put_unaligned_be16(10, d);
				d += 12;
			}
		}
		len = d - r;
		put_unaligned_be32(len - 4, r);
		return odx_data_in(cmd, r, len, alloc);
	}
	if (ro > 3) {
		odx_bad_cdb(cmd, 2, 0);
		return 0;
	}
	/*
	 * One command: RO 1 names one without service actions, RO 2 one with,
	 * RO 3 either. Naming the wrong kind is an invalid field.
	 */
	for (i = 0; i < ARRAY_SIZE(odx_opcodes); i++) {
		if (odx_opcodes[i].op != op)
			continue;
		op_has_sa = odx_opcodes[i].has_sa;
		if (!op_has_sa || odx_opcodes[i].sa == sa) {
			o = &odx_opcodes[i];
			found = true;
			break;
		}
	}
	if (i < ARRAY_SIZE(odx_opcodes) || op_has_sa) {
		if ((ro == 1 && op_has_sa) || (ro == 2 && !op_has_sa)) {
			odx_bad_cdb(cmd, 2, 0);
			return 0;
		}
	}
	len = 4;
	if (found) {
		r[1] = 0x03 | (rctd ? 0x80 : 0);	/* supported as the standard says */
		put_unaligned_be16(o->len, r + 2);
		memset(r + 4, 0xff, o->len);
		r[4] = o->op;
		if (o->has_sa)
			r[5] = o->sa;
		len += o->len;
		if (rctd) {
			put_unaligned_be16(10, r + len);
			len += 12;
		}
	} else {
		r[1] = 0x01;	/* not supported */
	}
	return odx_data_in(cmd, r, len, alloc);
}

/*
 * List identifiers belong to the I_T nexus (SPC-4): an initiator sees only its
 * own copy operations, and two initiators may use the same list identifier. A
 * transport that has nexuses (LIO) names one in odx_scsi_cmd.nexus. SG_IO on
 * /dev/odxN has none: a block device ioctl is given no struct file (6.5+
 * passes the gendisk and a blk_mode_t), so the nearest thing to an initiator
 * it can name is the calling process: odx keys its outcomes by the caller's
 * thread group (task_tgid(), its struct pid). Threads of one process, which
 * share their descriptors, share their list identifiers; any other process, a
 * forked child included, is another initiator and neither sees nor replaces
 * them. An outcome holds a reference on its struct pid, so a new process can
 * never take over an exited one's identity. Memory is bounded: ODX_SCSI_LISTS
 * outcomes per device, at most ODX_SCSI_OPENER_LISTS of them per initiator;
 * past either cap the oldest (the initiator's own first) is reused.
 */
struct odx_initiator {
	struct pid *pid;
	u64 nexus;
};

static struct odx_initiator odx_initiator(const struct odx_scsi_cmd *cmd)
{
	if (cmd->nexus)
		return (struct odx_initiator){ .nexus = cmd->nexus };
	return (struct odx_initiator){ .pid = task_tgid(current) };
}

static bool odx_list_mine(const struct odx_scsi_list *l, struct odx_initiator who)
{
	return l->owner == who.pid && l->nexus == who.nexus;
}

/* The device's outcome table, allocated by its first copy operation. */
static int odx_lists_alloc(struct odx_scsi *s)
{
	struct odx_scsi_list *lists;

	mutex_lock(&s->lock);
	lists = s->lists;
	mutex_unlock(&s->lock);
	if (lists)
		return 0;
	lists = kvcalloc(ODX_SCSI_LISTS, sizeof(*lists), GFP_KERNEL_ACCOUNT);
	if (!lists)
		return -ENOMEM;
	mutex_lock(&s->lock);
	if (!s->lists)
		swap(s->lists, lists);
	mutex_unlock(&s->lock);
	kvfree(lists);
	return 0;
}

/* @who's outcome for @list_id, or NULL. */
static struct odx_scsi_list *odx_list_find(struct odx_scsi *s, struct odx_initiator who,
					   u32 list_id)
{
	struct odx_scsi_list *l;

	lockdep_assert_held(&s->lock);
	if (!s->lists)
		return NULL;
	for (l = s->lists; l < s->lists + ODX_SCSI_LISTS; l++)
		if (l->used && odx_list_mine(l, who) && l->list_id == list_id)
			return l;
	return NULL;
}

/*
 * The slot for @who's @list_id: the one holding it; else @who's oldest once
 * it has ODX_SCSI_OPENER_LISTS; else a free slot, or the device's oldest.
 */
static struct odx_scsi_list *odx_list_slot(struct odx_scsi *s, struct odx_initiator who,
					   u32 list_id)
{
	struct odx_scsi_list *l, *mine_oldest = NULL, *oldest = NULL, *unused = NULL;
	unsigned int mine = 0;

	lockdep_assert_held(&s->lock);
	for (l = s->lists; l < s->lists + ODX_SCSI_LISTS; l++) {
		if (!l->used) {
			unused = unused ?: l;
			continue;
		}
		if (odx_list_mine(l, who)) {
			if (l->list_id == list_id)
				return l;
			mine++;
			if (!mine_oldest || l->stamp < mine_oldest->stamp)
				mine_oldest = l;
		}
		if (!oldest || l->stamp < oldest->stamp)
			oldest = l;
	}
	if (mine >= ODX_SCSI_OPENER_LISTS)
		return mine_oldest;
	return unused ?: oldest;
}

/*
 * Record a copy operation's outcome for RECEIVE ROD TOKEN INFORMATION (the
 * table exists: the operation called odx_lists_alloc() first).
 */
static void odx_list_record(struct odx_scsi_cmd *cmd, u32 list_id, u8 sa, u8 copy_status,
			    u64 count, const struct odx_token *token)
{
	struct odx_initiator who = odx_initiator(cmd);
	struct odx_scsi *s = cmd->dev->scsi;
	struct odx_scsi_list *l;

	mutex_lock(&s->lock);
	l = odx_list_slot(s, who, list_id);
	if (l->used)
		put_pid(l->owner);
	memset(l, 0, sizeof(*l));
	l->used = true;
	l->owner = get_pid(who.pid);
	l->nexus = who.nexus;
	l->list_id = list_id;
	l->stamp = ++s->stamp;
	l->sa = sa;
	l->copy_status = copy_status;
	l->transfer_count = count;
	if (cmd->status) {
		l->cmd_status = cmd->status;
		l->sense_len = cmd->sense_len;
		memcpy(l->sense, cmd->sense, cmd->sense_len);
	}
	if (token) {
		l->has_token = true;
		l->token = *token;
	}
	mutex_unlock(&s->lock);
}

/* The device's limits, for the parameter list decoders (odx_parse.c). */
static void odx_scsi_limits(const struct odx_dev *dev, struct odx_scsi_limits *lim)
{
	lim->block_size = dev->block_size;
	lim->nr_blocks = odx_nr_blocks(dev);
	lim->max_ranges = READ_ONCE(dev->config.max_ranges);
	lim->max_ito = odx_xfer_max_ttl_s();
	lim->ddpt_quirk = READ_ONCE(dev->config.ddpt_quirk);
}

/* The engine's statuses as SCSI answers. */
static const struct odx_scsi_answer {
	u8 key;
	u16 asc;
	bool op_failed;		/* a failed copy operation, kept for RRTI */
} odx_scsi_answers[ODX_XFER_NR_STATUS] = {
	[ODX_XFER_TOKEN_UNKNOWN]	= { ILLEGAL_REQUEST, ASC_TOKEN(TOK_UNKNOWN) },
	[ODX_XFER_TOKEN_EXPIRED]	= { ILLEGAL_REQUEST, ASC_TOKEN(TOK_EXPIRED) },
	[ODX_XFER_TOKEN_RELEASED]	= { ILLEGAL_REQUEST, ASC_TOKEN(TOK_DELETED) },
	[ODX_XFER_TOKEN_REVOKED]	= { ILLEGAL_REQUEST, ASC_TOKEN(TOK_REVOKED) },
	[ODX_XFER_TOKEN_TYPE]		= { ILLEGAL_REQUEST, ASC_TOKEN(TOK_UNSUPPORTED) },
	[ODX_XFER_REMOTE]		= { ILLEGAL_REQUEST, ASC_TOKEN(TOK_REMOTE) },
	[ODX_XFER_TOO_MANY_TOKENS]	= { ILLEGAL_REQUEST, ASC_NO_ROD_TOKEN, true },
	[ODX_XFER_OVER_BUDGET]		= { ILLEGAL_REQUEST, ASC_NO_ROD_TOKEN, true },
	[ODX_XFER_NO_MEMORY]		= { ABORTED_COMMAND, ASC_RESOURCES, true },
	[ODX_XFER_IO_ERROR]		= { ABORTED_COMMAND, ASC_INTERNAL, true },
};

/*
 * Answer a copy operation the engine did not do: CHECK CONDITION. A failure
 * of the operation itself (not of its token) is kept for RECEIVE ROD TOKEN
 * INFORMATION; with IMMED the command was accepted (GOOD) and the failure is
 * RRTI's to tell.
 */
static void odx_xfer_failed(struct odx_scsi_cmd *cmd, u32 list_id, u8 sa, bool immed,
			    enum odx_xfer_status status)
{
	const struct odx_scsi_answer *a = &odx_scsi_answers[status];

	odx_sense(cmd, a->key, a->asc);
	if (!a->op_failed)
		return;
	odx_list_record(cmd, list_id, sa, COPY_FAILED, 0, NULL);
	if (immed) {
		cmd->status = SAM_STAT_GOOD;
		cmd->sense_len = 0;
	}
}

/* POPULATE TOKEN with its parameter list @pl (@len bytes) in hand. */
static int odx_do_populate(struct odx_scsi_cmd *cmd, const u8 *pl, u32 len,
			   struct odx_scsi_copy *c, struct odx_token *token)
{
	u32 list_id = get_unaligned_be32(cmd->cdb + 6);
	struct odx_xfer_result res;
	struct odx_scsi_limits lim;
	struct odx_scsi_fault f;

	odx_scsi_limits(cmd->dev, &lim);
	if (odx_scsi_parse_populate(pl, len, &lim, c, &f)) {
		odx_fault_sense(cmd, &f);
		return 0;
	}
	odx_xfer_read(cmd->dev, cmd->bdev, c->ranges, c->nr_ranges, c->ito * 1000, token,
		      &res);
	if (res.status == ODX_XFER_INTERRUPTED)
		return -EINTR;
	if (res.status != ODX_XFER_OK) {
		odx_xfer_failed(cmd, list_id, SA_POPULATE_TOKEN, c->immed, res.status);
		return 0;
	}
	odx_list_record(cmd, list_id, SA_POPULATE_TOKEN,
			res.truncated ? COPY_RESIDUAL : COPY_OK,
			div_u64(res.bytes, cmd->dev->block_size), token);
	return 0;
}

static int odx_populate_token(struct odx_scsi_cmd *cmd)
{
	u32 len = get_unaligned_be32(cmd->cdb + 10);
	struct odx_scsi_copy *c;
	struct odx_token *token;
	u8 *pl;
	int err;

	if (!len)
		return 0;
	if (len < ODX_PT_HDR + ODX_RANGE_DESC ||
	    len > ODX_PT_HDR + ODX_RANGE_DESC * ODX_MAX_RANGES_LIMIT) {
		odx_sense(cmd, ILLEGAL_REQUEST, ASC_PARAM_LEN);
		return 0;
	}
	if (odx_lists_alloc(cmd->dev->scsi)) {
		odx_sense(cmd, ABORTED_COMMAND, ASC_RESOURCES);
		return 0;
	}
	pl = odx_data_out(cmd, len, 10);
	if (IS_ERR_OR_NULL(pl))
		return PTR_ERR_OR_ZERO(pl);
	c = kmalloc(sizeof(*c), GFP_KERNEL);
	if (!c) {
		err = -ENOMEM;
		goto out_free_pl;
	}
	token = kzalloc(sizeof(*token), GFP_KERNEL);
	if (!token) {
		err = -ENOMEM;
		goto out_free_c;
	}
	err = odx_do_populate(cmd, pl, len, c, token);
	kfree(token);
out_free_c:
	kfree(c);
out_free_pl:
	kvfree(pl);
	return err;
}

/* WRITE USING TOKEN with its parameter list @pl (@len bytes) in hand. */
static int odx_do_wut(struct odx_scsi_cmd *cmd, const u8 *pl, u32 len,
		      struct odx_scsi_copy *c)
{
	u32 list_id = get_unaligned_be32(cmd->cdb + 6);
	struct odx_dev *dev = cmd->dev;
	struct odx_xfer_result res;
	struct odx_scsi_limits lim;
	struct odx_scsi_fault f;
	u64 offset;

	odx_scsi_limits(dev, &lim);
	if (odx_scsi_parse_wut(pl, len, &lim, c, &f)) {
		odx_fault_sense(cmd, &f);
		return 0;
	}
	/*
	 * OFFSET INTO ROD counts the destination's logical blocks. The engine
	 * ignores it for the zero token, which stands for zeros without end (as
	 * FreeBSD's CTL does, and the DSM ioctl for TokenOffset).
	 */
	if (check_mul_overflow(c->offset_into_rod, (u64)dev->block_size, &offset))
		offset = U64_MAX;
	odx_xfer_write(dev, cmd->bdev, c->token, offset, c->del_tkn, c->ranges,
		       c->nr_ranges, c->total_bytes, &res);
	switch (res.status) {
	case ODX_XFER_OK:
	/* The data is written; the host's page cache is no SCSI matter (odx_rw()). */
	case ODX_XFER_CACHE_KEPT:
		break;
	case ODX_XFER_INTERRUPTED:
		return -EINTR;
	case ODX_XFER_BAD_OFFSET:
		odx_bad_param(cmd, 8);
		return 0;
	default:
		odx_xfer_failed(cmd, list_id, SA_WRITE_USING_TOKEN, c->immed, res.status);
		return 0;
	}
	odx_list_record(cmd, list_id, SA_WRITE_USING_TOKEN,
			res.truncated ? COPY_RESIDUAL : COPY_OK,
			div_u64(res.bytes, dev->block_size), NULL);
	return 0;
}

static int odx_write_using_token(struct odx_scsi_cmd *cmd)
{
	u32 len = get_unaligned_be32(cmd->cdb + 10);
	struct odx_scsi_copy *c;
	u8 *pl;
	int err;

	if (!len)
		return 0;
	if (len < ODX_WUT_HDR + ODX_RANGE_DESC ||
	    len > ODX_WUT_HDR + ODX_RANGE_DESC * ODX_MAX_RANGES_LIMIT) {
		odx_sense(cmd, ILLEGAL_REQUEST, ASC_PARAM_LEN);
		return 0;
	}
	if (bdev_read_only(cmd->bdev)) {
		odx_sense(cmd, DATA_PROTECT, ASC_WRITE_PROTECTED);
		return 0;
	}
	if (odx_lists_alloc(cmd->dev->scsi)) {
		odx_sense(cmd, ABORTED_COMMAND, ASC_RESOURCES);
		return 0;
	}
	pl = odx_data_out(cmd, len, 10);
	if (IS_ERR_OR_NULL(pl))
		return PTR_ERR_OR_ZERO(pl);
	c = kmalloc(sizeof(*c), GFP_KERNEL);
	if (!c) {
		err = -ENOMEM;
		goto out_free_pl;
	}
	err = odx_do_wut(cmd, pl, len, c);
	kfree(c);
out_free_pl:
	kvfree(pl);
	return err;
}

/* RECEIVE ROD TOKEN INFORMATION: what became of a list identifier. */
static int odx_rrti(struct odx_scsi_cmd *cmd)
{
	u32 list_id = get_unaligned_be32(cmd->cdb + 2);
	u32 alloc = get_unaligned_be32(cmd->cdb + 10);
	struct odx_scsi *s = cmd->dev->scsi;
	struct odx_scsi_list *l;
	u8 *r = cmd->resp, *d;
	unsigned int len;

	mutex_lock(&s->lock);
	l = odx_list_find(s, odx_initiator(cmd), list_id);
	if (!l) {
		mutex_unlock(&s->lock);
		odx_bad_cdb(cmd, 2, -1);
		return 0;
	}
	r[4] = l->sa;
	r[5] = l->copy_status;
	r[12] = l->cmd_status;
	r[13] = l->sense_len;	/* length of the sense data field */
	r[14] = l->sense_len;
	r[15] = UNITS_BLOCKS;
	put_unaligned_be64(l->transfer_count, r + 16);
	memcpy(r + 32, l->sense, l->sense_len);
	d = r + 32 + l->sense_len;
	if (l->has_token) {
		put_unaligned_be32(2 + ODX_TOKEN_LENGTH, d);
		memcpy(d + 6, &l->token, ODX_TOKEN_LENGTH);
		d += 6 + ODX_TOKEN_LENGTH;
	} else {
		d += 4;
	}
	mutex_unlock(&s->lock);
	len = d - r;
	put_unaligned_be32(len - 4, r);
	return odx_data_in(cmd, r, len, alloc);
}

/**
 * odx_scsi_exec() - run one SCSI command
 * @cmd: the command, filled by its transport (with @cmd->resp, ODX_SCSI_RESP
 *	bytes, for the response)
 *
 * SCSI errors are CHECK CONDITION with sense data in @cmd.
 *
 * Return: 0, or an errno for the transport: -EFAULT (the data could not be
 * moved), -ENOMEM, -EINTR (a fatal signal before the command did anything).
 */
int odx_scsi_exec(struct odx_scsi_cmd *cmd)
{
	const u8 *cdb = cmd->cdb;
	u8 sa = cdb[1] & 0x1f;

	switch (cdb[0]) {
	case TEST_UNIT_READY:
	case SYNCHRONIZE_CACHE:
	case SYNCHRONIZE_CACHE_16:
		return 0;
	case REQUEST_SENSE:
		/* Sense is reported with each command: nothing is pending. */
		memset(cmd->resp, 0, 18);
		cmd->resp[0] = cmd->desc_sense ? 0x72 : 0x70;
		if (cmd->resp[0] == 0x70)
			cmd->resp[7] = 10;
		return odx_data_in(cmd, cmd->resp, cmd->resp[0] == 0x70 ? 18 : 8, cdb[4]);
	case INQUIRY:
		return odx_inquiry(cmd);
	case READ_CAPACITY:
		return odx_read_capacity(cmd, false);
	case SERVICE_ACTION_IN_16:
		if (sa != SAI_READ_CAPACITY_16)
			break;
		return odx_read_capacity(cmd, true);
	case READ_10:
		return odx_rw(cmd, false, 10);
	case READ_12:
		return odx_rw(cmd, false, 12);
	case READ_16:
		return odx_rw(cmd, false, 16);
	case WRITE_10:
		return odx_rw(cmd, true, 10);
	case WRITE_12:
		return odx_rw(cmd, true, 12);
	case WRITE_16:
		return odx_rw(cmd, true, 16);
	case MODE_SENSE:
	case MODE_SENSE_10:
		return odx_mode_sense(cmd, cdb[0] == MODE_SENSE_10);
	case MODE_SELECT:
	case MODE_SELECT_10:
		return odx_mode_select(cmd, cdb[0] == MODE_SELECT_10);
	case MAINTENANCE_IN:
		if (sa != MI_REPORT_SUPPORTED_OPERATION_CODES)
			break;
		return odx_rsoc(cmd);
	case TPC_OUT:
		if (sa == SA_POPULATE_TOKEN)
			return odx_populate_token(cmd);
		if (sa == SA_WRITE_USING_TOKEN)
			return odx_write_using_token(cmd);
		break;
	case TPC_IN:
		if (sa != SA_RRTI)
			break;
		return odx_rrti(cmd);
	default:
		odx_sense(cmd, ILLEGAL_REQUEST, ASC_BAD_OPCODE);
		return 0;
	}
	/*
	 * A service action odx does not serve (EXTENDED COPY, RECEIVE COPY
	 * RESULTS, GET LBA STATUS, ...): INVALID COMMAND OPERATION CODE, as LIO
	 * answers (TCM_UNSUPPORTED_SCSI_OPCODE), so that initiators and
	 * conformance suites take the command as not implemented.
	 */
	odx_sense(cmd, ILLEGAL_REQUEST, ASC_BAD_OPCODE);
	return 0;
}
EXPORT_SYMBOL_GPL(odx_scsi_exec);

/**
 * odx_scsi_init() - set up a device's SCSI state
 * @dev: the new device
 *
 * Return: 0 or -ENOMEM.
 */
int odx_scsi_init(struct odx_dev *dev)
{
	dev->scsi = kzalloc(sizeof(*dev->scsi), GFP_KERNEL);
	if (!dev->scsi)
		return -ENOMEM;
	mutex_init(&dev->scsi->lock);
	return 0;
}

/**
 * odx_scsi_destroy() - tear down a device's SCSI state
 * @dev: the device being freed
 */
void odx_scsi_destroy(struct odx_dev *dev)
{
	struct odx_scsi *s = dev->scsi;
	struct odx_scsi_list *l;

	if (!s)
		return;
	if (s->lists) {
		for (l = s->lists; l < s->lists + ODX_SCSI_LISTS; l++)
			if (l->used)
				put_pid(l->owner);
		kvfree(s->lists);
	}
	mutex_destroy(&s->lock);
	kfree(s);
	dev->scsi = NULL;
}

