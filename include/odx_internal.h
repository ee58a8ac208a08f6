/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odx: internal declarations shared by the module's source files and its KUnit
 * tests.
 */
#ifndef _ODX_INTERNAL_H
#define _ODX_INTERNAL_H

#include <linux/blkdev.h>
#include <linux/types.h>
#include <linux/odx.h>

#include "odx_store.h"

/* Largest bio the block layer sends us: 1 MiB. */
#define ODX_MAX_HW_SECTORS	2048

/**
 * struct odx_dev - one odx block device, /dev/odxN
 * @index: N.
 * @block_size: logical block size in bytes (512 or 4096).
 * @size_bytes: capacity in bytes.
 * @disk: the gendisk; @disk->private_data points back here.
 * @store: the device's data.
 * @removing: set under @disk->open_mutex once removal has begun; ->open fails
 *	from then on.
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
};

int odx_validate_params(const struct odx_device_params *p, const char **why);
int odx_dev_create(struct odx_device_params *p);
int odx_dev_remove(u32 index);

int odx_ctl_init(void);
void odx_ctl_exit(void);

#endif /* _ODX_INTERNAL_H */
