// SPDX-License-Identifier: GPL-2.0
/*
 * odx: ioctl parsing and dispatch: the control device /dev/odx-control and the
 * offload ioctls of /dev/odxN.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>

#include "odx_internal.h"
#include "odx_parse.h"
#include "odx_token.h"

/* The Windows layouts, byte for byte (see include/uapi/linux/odx.h). */
static_assert(sizeof(struct odx_dsm_header) == 28);
static_assert(offsetof(struct odx_dsm_header, data_set_ranges_length) == 24);
static_assert(sizeof(struct odx_data_set_range) == 16);
static_assert(sizeof(struct odx_offload_read_params) == 16);
static_assert(offsetof(struct odx_offload_read_params, time_to_live) == 4);
static_assert(sizeof(struct odx_token) == 512);
static_assert(offsetof(struct odx_token, token_id_length) == 6);
static_assert(offsetof(struct odx_token, token) == 8);
static_assert(sizeof(struct odx_offload_write_params) == 528);
static_assert(offsetof(struct odx_offload_write_params, token_offset) == 8);
static_assert(offsetof(struct odx_offload_write_params, token) == 16);
static_assert(sizeof(struct odx_offload_read_output) == 536);
static_assert(offsetof(struct odx_offload_read_output, length_protected) == 8);
static_assert(offsetof(struct odx_offload_read_output, token_length) == 16);
static_assert(offsetof(struct odx_offload_read_output, token) == 20);
static_assert(offsetof(struct odx_offload_read_output, padding) == 532);
static_assert(sizeof(struct odx_offload_write_output) == 16);
static_assert(offsetof(struct odx_offload_write_output, length_copied) == 8);
static_assert(sizeof(struct odx_dsm_args) == 48);
static_assert(offsetof(struct odx_dsm_args, output_written) == 24);
static_assert(sizeof(struct odx_caps) == 96);
static_assert(offsetof(struct odx_caps, maximum_token_size) == 56);

static_assert(sizeof(struct odx_revoke_args) == 32);
static_assert(offsetof(struct odx_revoke_args, reserved0) == 4);
static_assert(offsetof(struct odx_revoke_args, revoked) == 8);
static_assert(offsetof(struct odx_revoke_args, reserved) == 16);

static_assert(sizeof(struct odx_device_params) == 40);
static_assert(offsetof(struct odx_device_params, block_size) == 8);
static_assert(offsetof(struct odx_device_params, index) == 12);
static_assert(offsetof(struct odx_device_params, flags) == 16);
static_assert(offsetof(struct odx_device_params, reserved) == 20);

/**
 * odx_sync_ranges() - write back dirty page cache of ranges
 * @bdev: the block device
 * @ranges: byte ranges
 * @nr: how many
 * @limit: only the first @limit bytes of @ranges
 *
 * So the store holds what readers of the page cache see.
 *
 * Return: 0 or the writeback's errno.
 */
int odx_sync_ranges(struct block_device *bdev, const struct odx_data_set_range *ranges,
		    u32 nr, u64 limit)
{
	u32 i;
	int err;

	for (i = 0; i < nr && limit; i++) {
		u64 len = min(ranges[i].length_in_bytes, limit);

		err = sync_blockdev_range(bdev, ranges[i].starting_offset,
					  ranges[i].starting_offset + len - 1);
		if (err)
			return err;
		limit -= len;
	}
	return 0;
}

/**
 * odx_invalidate_ranges() - drop cached pages the store changed under
 * @bdev: the block device
 * @ranges: byte ranges
 * @nr: how many
 * @done: only the first @done bytes of @ranges
 *
 * Every range is tried, even after one fails.
 *
 * Return: 0, or -EBUSY when a cached page could not be dropped: someone
 * dirtied it while the store changed under it, so buffered readers see it
 * instead of the store, and its writeback will overwrite the store's page.
 */
int odx_invalidate_ranges(struct block_device *bdev,
			  const struct odx_data_set_range *ranges, u32 nr, u64 done)
{
	struct address_space *mapping = odx_bdev_mapping(bdev);
	int ret = 0;
	u32 i;

	for (i = 0; i < nr && done; i++) {
		u64 start = ranges[i].starting_offset;
		u64 len = min(ranges[i].length_in_bytes, done);
		int err;

		err = invalidate_inode_pages2_range(mapping, start >> PAGE_SHIFT,
						    (start + len - 1) >> PAGE_SHIFT);
		if (err && !ret)
			ret = err;
		done -= len;
	}
	if (ret)
		pr_warn_ratelimited("%pg: cached pages dirtied during an offload write were kept\n",
				    bdev);
	return ret;
}

/**
 * odx_offload_mint() - offload read: write back cached data, then mint a token
 * @dev: source device
 * @bdev: its block device
 * @ranges: validated source ranges
 * @nr: how many
 * @ttl_ms: inactivity lifetime in ms, 0 for the default
 * @out: the result
 *
 * Shared by the DSM ioctl and SCSI POPULATE TOKEN. The caller checked that the
 * device is open for reading.
 *
 * Return: 0 or a negative errno from odx_token_mint() or the writeback.
 */
int odx_offload_mint(struct odx_dev *dev, struct block_device *bdev,
		     const struct odx_data_set_range *ranges, u32 nr, u32 ttl_ms,
		     struct odx_offload_read_output *out)
{
	int err;

	err = odx_sync_ranges(bdev, ranges, nr, odx_token_limits.max_token_bytes);
	if (err)
		return err;
	return odx_token_mint(dev, ranges, nr, ttl_ms, out);
}

/**
 * odx_offload_copy() - offload write: copy a token's data into ranges
 * @dev: destination device
 * @bdev: its block device
 * @tok: the token (odx_token_get()), or NULL for the zero token
 * @token_offset: bytes into the token's data, below its length (the caller
 *	checked, to report it its own way)
 * @ranges: validated destination ranges
 * @nr: how many
 * @total: bytes @ranges cover
 * @copied: set to the bytes written, from the start of @ranges
 *
 * Shared by the DSM ioctl and SCSI WRITE USING TOKEN. Writes back cached data
 * of the destination first and drops it after, and counts the bytes in the
 * device's counters. The caller checked that the device is open for writing.
 *
 * Return: 0; an errno from the writeback or odx_copy() when nothing was
 * written; or -EBUSY when the data was written (*@copied says how much) but
 * cached pages of the destination dirtied meanwhile could not be dropped.
 */
int odx_offload_copy(struct odx_dev *dev, struct block_device *bdev,
		     struct odx_tok *tok, u64 token_offset,
		     const struct odx_data_set_range *ranges, u32 nr, u64 total,
		     u64 *copied)
{
	u64 max = min(total, odx_max_transfer_bytes), shared = 0;
	int err;

	*copied = 0;
	if (tok)
		max = min(max, tok->length - token_offset);
	/* Dirty cached data of the destination must not land on the copy later. */
	err = odx_sync_ranges(bdev, ranges, nr, max);
	if (err)
		return err;
	err = odx_copy(tok, token_offset, dev, ranges, nr, max, copied, &shared);
	if (err)
		return err;
	atomic64_add(*copied, tok ? &dev->stats.bytes_copied : &dev->stats.bytes_zeroed);
	atomic64_add(shared, &dev->stats.bytes_shared);
	return odx_invalidate_ranges(bdev, ranges, nr, *copied);
}

/*
 * A small user buffer pinned before a copy, so that the copy's result can be
 * delivered whatever the caller does to its mappings meanwhile: an offload
 * write never fails with EFAULT after it wrote data.
 */
struct odx_uout {
	struct page *pages[2];
	unsigned long addr;
	size_t len;
	int nr;
};

static int odx_uout_pin(struct odx_uout *o, unsigned long addr, size_t len)
{
	int got;

	if (!len || len > PAGE_SIZE || !access_ok((void __user *)addr, len))
		return -EFAULT;
	o->addr = addr;
	o->len = len;
	o->nr = ((addr + len - 1) >> PAGE_SHIFT) - (addr >> PAGE_SHIFT) + 1;
	got = pin_user_pages_fast(addr & PAGE_MASK, o->nr, FOLL_WRITE, o->pages);
	if (got == o->nr)
		return 0;
	if (got > 0)
		unpin_user_pages(o->pages, got);
	return -EFAULT;
}

/* Write @src (o->len bytes) to the pinned buffer and unpin it. */
static void odx_uout_deliver(struct odx_uout *o, const void *src)
{
	size_t off = offset_in_page(o->addr), done = 0;
	int i;

	for (i = 0; i < o->nr; i++) {
		size_t n = min_t(size_t, o->len - done, PAGE_SIZE - off);

		memcpy_to_page(o->pages[i], off, src + done, n);
		done += n;
		off = 0;
	}
	unpin_user_pages_dirty_lock(o->pages, o->nr, true);
}

static void odx_uout_unpin(struct odx_uout *o)
{
	unpin_user_pages(o->pages, o->nr);
}

static int odx_offload_read(struct odx_dev *dev, struct block_device *bdev,
			    blk_mode_t mode, const struct odx_dsm_req *req,
			    struct odx_dsm_args *args, struct odx_token *minted)
{
	struct odx_offload_read_output out;
	int err;

	if (!(mode & BLK_OPEN_READ))
		return -EBADF;
	if (args->output_length < sizeof(out))
		return -ERANGE;
	if (clear_user(u64_to_user_ptr(args->output), sizeof(out)))
		return -EFAULT;
	memset(&out, 0, sizeof(out));
	err = odx_offload_mint(dev, bdev, req->ranges, req->nr_ranges,
			       req->read.time_to_live, &out);
	if (err)
		return err;
	if (copy_to_user(u64_to_user_ptr(args->output), &out, sizeof(out))) {
		/* Nobody can use a token the caller never saw. */
		odx_token_release(&out.token);
		return -EFAULT;
	}
	args->output_written = sizeof(out);
	*minted = out.token;
	return 0;
}

/*
 * The result goes to buffers pinned before the copy, so once data is written
 * the caller always learns how much: the output and @uargs->output_written
 * are written here, and args->output_written stays 0 for the caller.
 */
static int odx_offload_write(struct odx_dev *dev, struct block_device *bdev,
			     blk_mode_t mode, const struct odx_dsm_req *req,
			     struct odx_dsm_args *args, struct odx_dsm_args __user *uargs)
{
	const struct odx_token *token = &req->write.token;
	struct odx_offload_write_output out;
	struct odx_uout uout, uwritten;
	struct odx_tok *tok = NULL;
	u32 written = sizeof(out);
	u64 copied = 0;
	int err;

	if (!(mode & BLK_OPEN_WRITE))
		return -EBADF;
	if (bdev_read_only(bdev))
		return -EPERM;
	if (args->output_length < sizeof(out))
		return -ERANGE;

	memset(&out, 0, sizeof(out));
	if (!odx_token_is_zero(token)) {
		err = odx_token_get(token, dev, READ_ONCE(odx_allow_cross_device), &tok);
		if (err == -EKEYREJECTED) {
			atomic64_inc(&dev->stats.invalid_token_uses);
			pr_debug_ratelimited("odx%u: offload write with an invalid token\n",
					     dev->index);
			out.offload_write_flags = ODX_OFFLOAD_TOKEN_INVALID;
			if (!copy_to_user(u64_to_user_ptr(args->output), &out, sizeof(out)))
				args->output_written = sizeof(out);
		}
		if (err)
			return err;
		if (req->write.token_offset >= tok->length) {
			err = -EINVAL;
			goto out_put;
		}
	}

	err = odx_uout_pin(&uout, args->output, sizeof(out));
	if (err)
		goto out_put;
	err = odx_uout_pin(&uwritten, (unsigned long)&uargs->output_written,
			   sizeof(written));
	if (err)
		goto out_unpin_output;
	err = odx_offload_copy(dev, bdev, tok, req->write.token_offset, req->ranges,
			       req->nr_ranges, req->total_bytes, &copied);
	if (err && err != -EBUSY)
		goto out_unpin_written;

	/* Data was written (or none was asked for): say how much, whatever err. */
	out.length_copied = copied;
	if (copied < req->total_bytes)
		out.offload_write_flags |= ODX_OFFLOAD_WRITE_RANGE_TRUNCATED;
	odx_uout_deliver(&uout, &out);
	odx_uout_deliver(&uwritten, &written);
	goto out_put;

out_unpin_written:
	odx_uout_unpin(&uwritten);
out_unpin_output:
	/* Nothing was written: the output reads as zeros. */
	odx_uout_deliver(&uout, &out);
out_put:
	if (tok)
		odx_token_put(tok);
	return err;
}

static int odx_ioctl_dsm(struct odx_dev *dev, struct block_device *bdev,
			 blk_mode_t mode, struct odx_dsm_args __user *uargs)
{
	struct odx_dsm_limits lim = {
		.block_size = dev->block_size,
		.capacity = dev->size_bytes,
		.max_ranges = odx_max_ranges,
	};
	struct odx_dsm_args args;
	struct odx_token *token;
	struct odx_dsm_req *req;
	void *buf;
	int err;

	if (copy_from_user(&args, uargs, sizeof(args)))
		return -EFAULT;
	if (args.flags || memchr_inv(args.reserved, 0, sizeof(args.reserved)) ||
	    args.output_written)
		return -EINVAL;
	if (args.input_length < sizeof(struct odx_dsm_header) ||
	    args.input_length > ODX_DSM_MAX_INPUT)
		return -EINVAL;
	/*
	 * Results must be deliverable before anything happens: a request that
	 * fails with EFAULT has minted no token and copied nothing. (The output
	 * buffer is probed by each action once its size is known to be right.)
	 */
	if (put_user(0, &uargs->output_written))
		return -EFAULT;

	buf = memdup_user(u64_to_user_ptr(args.input), args.input_length);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	req = kmalloc(sizeof(*req), GFP_KERNEL);
	if (!req) {
		err = -ENOMEM;
		goto out_free_buf;
	}
	token = kmalloc(sizeof(*token), GFP_KERNEL);
	if (!token) {
		err = -ENOMEM;
		goto out_free_req;
	}
	err = odx_dsm_parse(buf, args.input_length, &lim, req);
	if (err) {
		pr_debug_ratelimited("odx%u: DSM request rejected: %d\n", dev->index, err);
		goto out_free_token;
	}

	if (req->action == ODX_DSM_ACTION_OFFLOAD_READ)
		err = odx_offload_read(dev, bdev, mode, req, &args, token);
	else
		err = odx_offload_write(dev, bdev, mode, req, &args, uargs);
	if (args.output_written &&
	    put_user(args.output_written, &uargs->output_written) && !err) {
		/* The caller unmapped its arguments meanwhile; take the token back. */
		if (req->action == ODX_DSM_ACTION_OFFLOAD_READ)
			odx_token_release(token);
		err = -EFAULT;
	}

out_free_token:
	kfree(token);
out_free_req:
	kfree(req);
out_free_buf:
	kfree(buf);
	return err;
}

/* ODX_IOC_REVOKE: the source's owner ends every token of the device. */
static int odx_ioctl_revoke(struct odx_dev *dev, blk_mode_t mode,
			    struct odx_revoke_args __user *uargs)
{
	struct odx_revoke_args args;

	if (!(mode & BLK_OPEN_WRITE))
		return -EBADF;
	if (copy_from_user(&args, uargs, sizeof(args)))
		return -EFAULT;
	if (args.flags || args.reserved0 || args.revoked ||
	    memchr_inv(args.reserved, 0, sizeof(args.reserved)))
		return -EINVAL;
	/* Deliverable before anything happens. */
	if (put_user(0, &uargs->revoked))
		return -EFAULT;
	args.revoked = odx_token_revoke_dev(dev);
	return put_user(args.revoked, &uargs->revoked) ? -EFAULT : 0;
}

/**
 * odx_blk_ioctl() - ioctls of /dev/odxN
 * @bdev: the block device
 * @mode: how the caller opened it
 * @cmd: ioctl number
 * @arg: argument
 *
 * Return: 0 or a negative errno (see include/uapi/linux/odx.h); -ENOTTY for an
 * unknown @cmd.
 */
int odx_blk_ioctl(struct block_device *bdev, blk_mode_t mode, unsigned int cmd,
		  unsigned long arg)
{
	struct odx_dev *dev = bdev->bd_disk->private_data;
	void __user *uarg = (void __user *)arg;
	struct odx_token token;
	struct odx_caps caps;

	switch (cmd) {
	case ODX_IOC_CAPS:
		odx_fill_caps(dev, &caps);
		return copy_to_user(uarg, &caps, sizeof(caps)) ? -EFAULT : 0;
	case ODX_IOC_DSM:
		return odx_ioctl_dsm(dev, bdev, mode, uarg);
	case ODX_IOC_RELEASE:
		if (copy_from_user(&token, uarg, sizeof(token)))
			return -EFAULT;
		return odx_token_release(&token);
	case ODX_IOC_REVOKE:
		return odx_ioctl_revoke(dev, mode, uarg);
	default:
		return odx_scsi_ioctl(dev, bdev, mode, cmd, uarg);
	}
}

static long odx_ctl_add(struct odx_device_params __user *uarg)
{
	struct odx_device_params p;
	int err;

	if (copy_from_user(&p, uarg, sizeof(p)))
		return -EFAULT;
	/* The result must be deliverable before anything is created. */
	if (copy_to_user(uarg, &p, sizeof(p)))
		return -EFAULT;
	err = odx_dev_create(&p);
	if (err)
		return err;
	if (copy_to_user(uarg, &p, sizeof(p))) {
		/*
		 * The buffer went away meanwhile. Undo if nobody opened the new
		 * device yet; otherwise it stays, visible in /sys/block.
		 */
		odx_dev_remove(p.index);
		return -EFAULT;
	}
	return 0;
}

static long odx_ctl_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	u32 index;

	switch (cmd) {
	case ODX_CTL_ADD:
	case ODX_CTL_REMOVE:
		break;
	default:
		return -ENOTTY;
	}
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

	switch (cmd) {
	case ODX_CTL_ADD:
		return odx_ctl_add(uarg);
	case ODX_CTL_REMOVE:
		if (get_user(index, (u32 __user *)uarg))
			return -EFAULT;
		return odx_dev_remove(index);
	}
	return -ENOTTY;
}

static const struct file_operations odx_ctl_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= odx_ctl_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

/* Module-wide token counters, in /sys/class/misc/odx-control/. */
static ssize_t tokens_live_show(struct device *d, struct device_attribute *attr,
				char *buf)
{
	return sysfs_emit(buf, "%lu\n", odx_tokens_live());
}
static DEVICE_ATTR_RO(tokens_live);

static ssize_t token_pages_show(struct device *d, struct device_attribute *attr,
				char *buf)
{
	return sysfs_emit(buf, "%lu\n", odx_tokens_pinned_pages());
}
static DEVICE_ATTR_RO(token_pages);

static ssize_t tokens_revoked_show(struct device *d, struct device_attribute *attr,
				   char *buf)
{
	return sysfs_emit(buf, "%llu\n", odx_tokens_revoked());
}
static DEVICE_ATTR_RO(tokens_revoked);

static struct attribute *odx_ctl_attrs[] = {
	&dev_attr_tokens_live.attr,
	&dev_attr_token_pages.attr,
	&dev_attr_tokens_revoked.attr,
	NULL,
};
ATTRIBUTE_GROUPS(odx_ctl);

static struct miscdevice odx_ctl_dev = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= ODX_CONTROL_NAME,
	.fops		= &odx_ctl_fops,
	.mode		= 0600,
	.groups		= odx_ctl_groups,
};

/**
 * odx_ctl_init() - register the control device
 *
 * Return: 0 or the error from misc_register().
 */
int odx_ctl_init(void)
{
	return misc_register(&odx_ctl_dev);
}

/**
 * odx_ctl_exit() - unregister the control device
 */
void odx_ctl_exit(void)
{
	misc_deregister(&odx_ctl_dev);
}
