/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odx: internal declarations shared by the module's source files and its KUnit
 * tests.
 */
#ifndef _ODX_INTERNAL_H
#define _ODX_INTERNAL_H

#include <linux/blkdev.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/odx.h>

#include "odx_compat.h"
#include "odx_store.h"

/* Largest bio the block layer sends us: 1 MiB. */
#define ODX_MAX_HW_SECTORS	2048

/**
 * struct odx_dev_stats - per-device counters, shown in /sys/block/odxN/odx/
 * @tokens_minted: tokens minted from this device.
 * @tokens_expired: of those, ended by their lifetime.
 * @tokens_released: ended by ODX_IOC_RELEASE.
 * @tokens_revoked: ended by the device's removal (or module unload).
 * @invalid_token_uses: offload writes to this device with an invalid token.
 * @bytes_copied: bytes offload writes copied to this device.
 * @bytes_shared: of those, bytes that now share the token's pages (no copy).
 * @bytes_zeroed: bytes the zero token wrote to this device.
 * @tokens_live: tokens from this device now live; under odx_tokens_lock.
 * @token_pages: pages of this device live tokens pin; under odx_tokens_lock.
 */
struct odx_dev_stats {
	atomic64_t tokens_minted;
	atomic64_t tokens_expired;
	atomic64_t tokens_released;
	atomic64_t tokens_revoked;
	atomic64_t invalid_token_uses;
	atomic64_t bytes_copied;
	atomic64_t bytes_shared;
	atomic64_t bytes_zeroed;
	unsigned long tokens_live;
	unsigned long token_pages;
};

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

/**
 * struct odx_dev - one odx block device, /dev/odxN
 * @index: N.
 * @block_size: logical block size in bytes (512 or 4096).
 * @size_bytes: capacity in bytes.
 * @disk: the gendisk; @disk->private_data points back here.
 * @store: the device's data.
 * @removing: set under @disk->open_mutex once removal has begun; ->open fails
 *	from then on.
 * @tokens: live tokens minted here (struct odx_tok.dev_node); under
 *	odx_tokens_lock.
 * @token_bytes: bytes the live tokens minted here hold (struct odx_tok.charge
 *	summed): charged before each allocation or pin, so it never passes
 *	@token_bytes_max; atomic, no lock.
 * @token_bytes_max: the budget of @token_bytes (sysfs token_bytes_max; module
 *	parameter token_bytes_max by default); READ_ONCE/WRITE_ONCE.
 * @token_age_max_ms: absolute lifetime of tokens minted here, whatever their
 *	use, in ms; 0 = none (sysfs token_age_max_ms); READ_ONCE/WRITE_ONCE.
 * @stats: counters.
 * @scsi: the SCSI front's state.
 *
 * Lifetime: created by odx_dev_create(), unregistered by odx_dev_remove(); freed
 * by the gendisk's ->free_disk once the last reference to the disk is gone.
 */
struct odx_dev {
	u32 index;
	u32 block_size;
	u64 size_bytes;
	struct gendisk *disk;
	struct odx_store store;
	bool removing;
	struct list_head tokens;
	atomic_long_t token_bytes;
	unsigned long token_bytes_max;
	u32 token_age_max_ms;
	struct odx_dev_stats stats;
	struct odx_scsi scsi;
};

/* Module parameters shared by the source files (see odx_core.c). */
extern unsigned int odx_max_ranges;
extern u64 odx_max_transfer_bytes;
extern bool odx_allow_cross_device;
extern bool odx_share_pages;
extern bool odx_ddpt_quirk;

int odx_validate_params(const struct odx_device_params *p, const char **why);
int odx_dev_create(struct odx_device_params *p);
int odx_dev_remove(u32 index);

void odx_dev_designator(const struct odx_dev *dev, u8 *desc);
void odx_fill_caps(const struct odx_dev *dev, struct odx_caps *caps);
int odx_blk_ioctl(struct block_device *bdev, blk_mode_t mode, unsigned int cmd,
		  unsigned long arg);

struct odx_tok;
int odx_sync_ranges(struct block_device *bdev, const struct odx_data_set_range *ranges,
		    u32 nr, u64 limit);
int odx_invalidate_ranges(struct block_device *bdev,
			  const struct odx_data_set_range *ranges, u32 nr, u64 done);
int odx_offload_mint(struct odx_dev *dev, struct block_device *bdev,
		     const struct odx_data_set_range *ranges, u32 nr, u32 ttl_ms,
		     struct odx_offload_read_output *out);
int odx_offload_copy(struct odx_dev *dev, struct block_device *bdev,
		     struct odx_tok *tok, u64 token_offset,
		     const struct odx_data_set_range *ranges, u32 nr, u64 total,
		     u64 *copied);

void odx_scsi_init(struct odx_dev *dev);
void odx_scsi_destroy(struct odx_dev *dev);
int odx_scsi_ioctl(struct odx_dev *dev, struct block_device *bdev, blk_mode_t mode,
		   unsigned int cmd, void __user *uarg);

int odx_ctl_init(void);
void odx_ctl_exit(void);

#endif /* _ODX_INTERNAL_H */
