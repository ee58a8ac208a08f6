/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odx: the DSM front (odx_dsm.c): the offload ioctls of /dev/odxN.
 */
#ifndef _ODX_DSM_H
#define _ODX_DSM_H

#include <linux/blkdev.h>
#include <linux/types.h>

#include "odx_compat.h"

struct odx_dev;

int odx_dsm_ioctl(struct odx_dev *dev, struct block_device *bdev, blk_mode_t mode,
		  unsigned int cmd, void __user *uarg);

#endif /* _ODX_DSM_H */
