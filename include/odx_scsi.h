/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odx: the SCSI front: the command set (odx_scsi.c), which knows no transport,
 * and SG_IO on /dev/odxN (odx_sg.c), its first transport.
 */
#ifndef _ODX_SCSI_H
#define _ODX_SCSI_H

#include <linux/blkdev.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/odx.h>

#include "odx_compat.h"

struct odx_dev;

/*
 * Operation codes, status and sense keys are <scsi/scsi_proto.h>'s; SPC-4 calls
 * 0x83 and 0x84 THIRD-PARTY COPY OUT and IN (the kernel: EXTENDED_COPY and
 * RECEIVE_COPY_RESULTS, their LID1 service actions).
 */
#define TPC_OUT			EXTENDED_COPY
#define  SA_POPULATE_TOKEN	0x10
#define  SA_WRITE_USING_TOKEN	0x11
#define TPC_IN			RECEIVE_COPY_RESULTS
#define  SA_RRTI		0x07

/*
 * SCSI front (odx_scsi.c): copy operation outcomes remembered per device and per
 * opener (the oldest is reused past either cap), sense bytes kept.
 */
#define ODX_SCSI_LISTS		64
#define ODX_SCSI_OPENER_LISTS	16
#define ODX_SCSI_SENSE		18

struct pid;

/**
 * struct odx_scsi_list - a copy operation's outcome, for RECEIVE ROD TOKEN
 *	INFORMATION
 * @used: the slot holds an outcome.
 * @owner: the process it belongs to, for SG_IO (a thread group; holds a
 *	reference); NULL for a transport with nexuses.
 * @nexus: the I_T nexus it belongs to (odx_scsi_cmd.nexus), or 0.
 * @list_id: the LIST IDENTIFIER of the command.
 * @stamp: when it was recorded (odx_scsi.stamp), to reuse the oldest slot.
 * @sa: POPULATE TOKEN or WRITE USING TOKEN service action.
 * @copy_status: COPY OPERATION STATUS.
 * @cmd_status: the SCSI status the operation ended with.
 * @sense_len: bytes in @sense.
 * @sense: the sense data of a failed operation.
 * @has_token: @token holds the ROD token POPULATE TOKEN created.
 * @transfer_count: logical blocks.
 * @token: the token.
 */
struct odx_scsi_list {
	bool used;
	struct pid *owner;
	u64 nexus;
	u32 list_id;
	u64 stamp;
	u8 sa;
	u8 copy_status;
	u8 cmd_status;
	u8 sense_len;
	u8 sense[ODX_SCSI_SENSE];
	bool has_token;
	u64 transfer_count;
	struct odx_token token;
};

/**
 * struct odx_scsi - per-device state of the SCSI front
 * @lock: protects @stamp and @lists.
 * @d_sense: descriptor format sense (control mode page D_SENSE); READ_ONCE.
 * @stamp: counts recorded outcomes.
 * @lists: ODX_SCSI_LISTS outcomes by opener and list identifier, allocated by
 *	the first copy operation (NULL before).
 */
struct odx_scsi {
	struct mutex lock;	/* see the kernel-doc above */
	bool d_sense;
	u64 stamp;
	struct odx_scsi_list *lists;
};

/* Largest data transfer of one command (VPD 0xB0 says so). */
#define ODX_SCSI_MAX_DATA	SZ_8M
/* Response buffer: the largest response (RECEIVE ROD TOKEN INFORMATION) fits. */
#define ODX_SCSI_RESP		1024
/* Largest CDB: the size of the kernel's scsi_cmnd.cmnd (sg_io() takes no more). */
#define ODX_SCSI_MAX_CDB	32

/* Which way a command's data goes. */
enum odx_scsi_dir {
	ODX_SCSI_DATA_NONE,
	ODX_SCSI_DATA_OUT,	/* initiator to device: a parameter list, WRITE data */
	ODX_SCSI_DATA_IN,	/* device to initiator */
};

struct odx_scsi_cmd;

/**
 * struct odx_scsi_data_ops - how a transport moves a command's data
 * @to_initiator: copy @len bytes of @buf to the data-in buffer; 0 or -EFAULT.
 * @from_initiator: copy @len bytes of the data-out buffer to @buf; 0 or -EFAULT.
 *
 * Each is called at most once per command, with @len at most
 * struct odx_scsi_cmd.data_len.
 */
struct odx_scsi_data_ops {
	int (*to_initiator)(struct odx_scsi_cmd *cmd, const void *buf, u32 len);
	int (*from_initiator)(struct odx_scsi_cmd *cmd, void *buf, u32 len);
};

/**
 * struct odx_scsi_cmd - a command being served
 * @dev: the device.
 * @bdev: its block device (its page cache is written back and dropped around
 *	reads and writes).
 * @mode: how the initiator opened it.
 * @nexus: the I_T nexus, for a transport that has them (LIO: the initiator
 *	port and target port); 0: the calling process is the initiator (SG_IO).
 * @desc_sense: report sense data in descriptor format (D_SENSE).
 * @cdb: the CDB.
 * @cdb_len: its length.
 * @dir: which way the data goes.
 * @data_len: bytes of data the transport offers (data-out) or takes (data-in).
 * @ops: the transport's data movers.
 * @transferred: set by the command: bytes moved.
 * @status: set by the command: SAM status.
 * @sense_len: set by the command: bytes in @sense.
 * @sense: set by the command: sense data of a CHECK CONDITION.
 * @resp: ODX_SCSI_RESP bytes for building responses, from the transport.
 */
struct odx_scsi_cmd {
	struct odx_dev *dev;
	struct block_device *bdev;
	blk_mode_t mode;
	u64 nexus;
	bool desc_sense;
	u8 cdb[ODX_SCSI_MAX_CDB];
	unsigned int cdb_len;
	enum odx_scsi_dir dir;
	u32 data_len;
	const struct odx_scsi_data_ops *ops;
	u32 transferred;
	u8 status;
	u8 sense_len;
	u8 sense[ODX_SCSI_SENSE];
	u8 *resp;
};

int odx_scsi_init(struct odx_dev *dev);
void odx_scsi_destroy(struct odx_dev *dev);
int odx_scsi_exec(struct odx_scsi_cmd *cmd);

/* SG_IO (odx_sg.c) */
int odx_sg_ioctl(struct odx_dev *dev, struct block_device *bdev, blk_mode_t mode,
		 unsigned int cmd, void __user *uarg);

#endif /* _ODX_SCSI_H */
