/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odx: the device (odx_core.c) as the engine and the fronts see it.
 *
 * Layering, calls going one way only:
 *   odx_main.c (module) -> odx_configfs.c, odx_ctl.c -> odx_core.c (devices)
 *   odx_core.c -> fronts: odx_dsm.c (ioctls), odx_scsi.c (SG_IO)
 *   fronts -> odx_xfer.c (the offload engine) -> odx_token.c (token table)
 *   -> odx_store.c (pages); odx_parse.c decodes for the fronts and calls nothing.
 */
#ifndef _ODX_DEV_H
#define _ODX_DEV_H

#include <linux/blkdev.h>
#include <linux/types.h>
#include <linux/odx.h>

#include "odx_compat.h"
#include "odx_store.h"
#include "odx_token.h"

/* Largest bio the block layer sends us: 1 MiB. */
#define ODX_MAX_HW_SECTORS	2048

/**
 * struct odx_dev_stats - the engine's per-device counters, in /sys/block/odxN/odx/
 * @invalid_token_uses: offload writes to this device with an invalid token.
 * @bytes_copied: bytes offload writes copied to this device.
 * @bytes_shared: of those, bytes that now share the token's pages (no copy).
 * @bytes_zeroed: bytes the zero token wrote to this device.
 *
 * The token counters (minted, live, ...) are the token table's, in
 * struct odx_source.
 */
struct odx_dev_stats {
	atomic64_t invalid_token_uses;
	atomic64_t bytes_copied;
	atomic64_t bytes_shared;
	atomic64_t bytes_zeroed;
};

/**
 * struct odx_dev_config - a device's settings (configfs; module parameters are
 *	the defaults of new devices)
 * @max_ranges: ranges one offload request may carry (1-ODX_MAX_RANGES_LIMIT).
 * @max_transfer_bytes: bytes one offload write copies at most.
 * @allow_cross_device: offload writes here accept tokens of other devices.
 * @share_pages: offload writes share whole pages copy-on-write.
 * @ddpt_quirk: SCSI: read block device range descriptors one byte early.
 *
 * Each field is read with READ_ONCE() per request and may change between
 * requests (WRITE_ONCE()); a request sees one value throughout.
 */
struct odx_dev_config {
	u32 max_ranges;
	u64 max_transfer_bytes;
	bool allow_cross_device;
	bool share_pages;
	bool ddpt_quirk;
};

struct odx_scsi;

/**
 * struct odx_dev - one odx block device, /dev/odxN
 * @index: N.
 * @block_size: logical block size in bytes (512 or 4096).
 * @size_bytes: capacity in bytes.
 * @disk: the gendisk; @disk->private_data points back here.
 * @store: the device's data.
 * @removing: set under @disk->open_mutex once removal has begun; ->open fails
 *	from then on.
 * @owner: who made it, for removal and settings by index: its configfs
 *	directory, or NULL (module load, /dev/odx-control).
 * @claims: fronts serving the device without opening it (a LIO backstore,
 *	odx_dev_claim()); the device is not removed while there are any.
 *	Protected by odx_devices_lock.
 * @src: the device as the token table knows it (its tokens, their budget and
 *	counters).
 * @config: its settings.
 * @stats: the engine's counters.
 * @scsi: the SCSI front's state (odx_scsi_init()).
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
	const void *owner;
	unsigned int claims;
	struct odx_source src;
	struct odx_dev_config config;
	struct odx_dev_stats stats;
	struct odx_scsi *scsi;
};

#endif /* _ODX_DEV_H */
