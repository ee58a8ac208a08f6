/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odx: the SCSI front (odx_scsi.c): SCSI commands through SG_IO on /dev/odxN.
 */
#ifndef _ODX_SCSI_H
#define _ODX_SCSI_H

#include <linux/blkdev.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/odx.h>

#include "odx_compat.h"

struct odx_dev;

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
 * @owner: the opener it belongs to (a thread group; holds a reference).
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

int odx_scsi_init(struct odx_dev *dev);
void odx_scsi_destroy(struct odx_dev *dev);
int odx_scsi_ioctl(struct odx_dev *dev, struct block_device *bdev, blk_mode_t mode,
		   unsigned int cmd, void __user *uarg);

#endif /* _ODX_SCSI_H */
