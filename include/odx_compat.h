/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odx: the block API differences between the kernels odx builds against (Debian's
 * 6.1 and 6.12). Written against the newest API; each shim names the kernel version
 * that changed it. Nothing outside this header tests LINUX_VERSION_CODE.
 */
#ifndef _ODX_COMPAT_H
#define _ODX_COMPAT_H

#include <linux/blkdev.h>
#include <linux/version.h>

/* 6.12 moved asm/unaligned.h to linux/unaligned.h. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* 6.10 gave the block device its own address_space pointer. */
static inline struct address_space *odx_bdev_mapping(struct block_device *bdev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
	return bdev->bd_mapping;
#else
	return bdev->bd_inode->i_mapping;
#endif
}

/*
 * 6.9 made blk_alloc_disk() take the queue limits and return an ERR_PTR; 6.11 moved
 * the queue feature flags into queue_limits.features. odx_alloc_disk() takes the
 * limits and the features the 6.11 way and returns an ERR_PTR everywhere.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0)
typedef unsigned int blk_features_t;
/* 6.1 has no synchronous-device hint. */
#define BLK_FEAT_SYNCHRONOUS	0u
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
static inline struct gendisk *odx_alloc_disk(struct queue_limits *lim,
					     blk_features_t features, int node)
{
	lim->features |= features;
	return blk_alloc_disk(lim, node);
}
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
#error "odx supports 6.1-6.8 and 6.11+; 6.9 and 6.10 need their own shim"
#else
static inline struct gendisk *odx_alloc_disk(struct queue_limits *lim,
					     blk_features_t features, int node)
{
	struct request_queue *q;
	struct gendisk *disk;

	disk = blk_alloc_disk(node);
	if (!disk)
		return ERR_PTR(-ENOMEM);
	q = disk->queue;
	blk_queue_logical_block_size(q, lim->logical_block_size);
	blk_queue_physical_block_size(q, lim->physical_block_size);
	blk_queue_io_min(q, lim->io_min);
	blk_queue_max_hw_sectors(q, lim->max_hw_sectors);
	blk_queue_max_discard_sectors(q, lim->max_hw_discard_sectors);
	blk_queue_max_write_zeroes_sectors(q, lim->max_write_zeroes_sectors);
	q->limits.discard_granularity = lim->discard_granularity;
	/* Before 6.11, non-rotational was a queue flag, not a missing feature. */
	blk_queue_flag_set(QUEUE_FLAG_NONROT, q);
	blk_queue_flag_clear(QUEUE_FLAG_ADD_RANDOM, q);
	return disk;
}
#endif

/* 6.5 replaced fmode_t with blk_mode_t in the block_device_operations. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
typedef fmode_t blk_mode_t;
#define BLK_OPEN_READ		FMODE_READ
#define BLK_OPEN_WRITE		FMODE_WRITE
#endif

/*
 * 6.5 changed ->open to take the gendisk and a blk_mode_t.
 * ODX_DEFINE_OPEN(name, fn) defines ->open @name calling int fn(struct gendisk *).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define ODX_DEFINE_OPEN(name, fn)					\
static int name(struct gendisk *disk, blk_mode_t mode)			\
{									\
	return fn(disk);						\
}
#else
#define ODX_DEFINE_OPEN(name, fn)					\
static int name(struct block_device *bdev, fmode_t mode)		\
{									\
	return fn(bdev->bd_disk);					\
}
#endif

/*
 * LIO's backend data-path operations: struct sbc_ops in 6.1, renamed struct
 * exec_cmd_ops by the PR pass-through work (6.9 or earlier; the kernels
 * between 6.1 and 6.11 are not built here). For odx_target.c only; include
 * this header before target_core_backend.h.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 9, 0)
#define exec_cmd_ops sbc_ops
#endif

/* 6.2 added kunit/visibility.h; before it, KUnit exports are simply absent. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#include <kunit/visibility.h>
#else
#define EXPORT_SYMBOL_IF_KUNIT(symbol)
#endif

#endif /* _ODX_COMPAT_H */
