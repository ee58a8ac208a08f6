// SPDX-License-Identifier: GPL-2.0
/*
 * odx: the DSM front: the offload ioctls of /dev/odxN (ODX_IOC_CAPS, ODX_IOC_DSM,
 * ODX_IOC_RELEASE, ODX_IOC_REVOKE). It decodes Windows' layouts (odx_parse.c),
 * calls the engine (odx_xfer.c) and answers with an errno from one table.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "odx_dev.h"
#include "odx_dsm.h"
#include "odx_parse.h"
#include "odx_xfer.h"

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

/* The engine's statuses as DSM errnos (include/uapi/linux/odx.h). */
static const int odx_dsm_errno[ODX_XFER_NR_STATUS] = {
	[ODX_XFER_OK]			= 0,
	[ODX_XFER_TOKEN_UNKNOWN]	= -EKEYREJECTED,
	[ODX_XFER_TOKEN_EXPIRED]	= -EKEYREJECTED,
	[ODX_XFER_TOKEN_RELEASED]	= -EKEYREJECTED,
	[ODX_XFER_TOKEN_REVOKED]	= -EKEYREJECTED,
	[ODX_XFER_TOKEN_TYPE]		= -EKEYREJECTED,
	[ODX_XFER_REMOTE]		= -EXDEV,
	[ODX_XFER_BAD_OFFSET]		= -EINVAL,
	[ODX_XFER_TOO_MANY_TOKENS]	= -ENOSPC,
	[ODX_XFER_OVER_BUDGET]		= -EDQUOT,
	[ODX_XFER_NO_MEMORY]		= -ENOMEM,
	[ODX_XFER_INTERRUPTED]		= -EINTR,
	[ODX_XFER_IO_ERROR]		= -EIO,
	[ODX_XFER_CACHE_KEPT]		= -EBUSY,
};

static int odx_dsm_err(const struct odx_xfer_result *res)
{
	if (res->status == ODX_XFER_IO_ERROR && res->err)
		return res->err;
	return odx_dsm_errno[res->status];
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
	struct odx_xfer_result res;

	if (!(mode & BLK_OPEN_READ))
		return -EBADF;
	if (args->output_length < sizeof(out))
		return -ERANGE;
	if (clear_user(u64_to_user_ptr(args->output), sizeof(out)))
		return -EFAULT;
	memset(&out, 0, sizeof(out));
	odx_xfer_read(dev, bdev, req->ranges, req->nr_ranges, req->read.time_to_live,
		      &out.token, &res);
	if (res.status != ODX_XFER_OK)
		return odx_dsm_err(&res);
	out.length_protected = res.bytes;
	out.token_length = ODX_TOKEN_LENGTH;
	out.offload_read_flags = res.truncated ? ODX_OFFLOAD_READ_RANGE_TRUNCATED : 0;
	if (copy_to_user(u64_to_user_ptr(args->output), &out, sizeof(out))) {
		/* Nobody can use a token the caller never saw. */
		odx_xfer_release(&out.token);
		return -EFAULT;
	}
	args->output_written = sizeof(out);
	*minted = out.token;
	return 0;
}

/* Is @status one of the engine's "the token is invalid" answers? */
static bool odx_dsm_token_invalid(enum odx_xfer_status status)
{
	return odx_dsm_errno[status] == -EKEYREJECTED;
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
	struct odx_offload_write_output out;
	struct odx_uout uout, uwritten;
	struct odx_xfer_result res;
	u32 written = sizeof(out);
	int err;

	if (!(mode & BLK_OPEN_WRITE))
		return -EBADF;
	if (bdev_read_only(bdev))
		return -EPERM;
	if (args->output_length < sizeof(out))
		return -ERANGE;

	memset(&out, 0, sizeof(out));
	err = odx_uout_pin(&uout, args->output, sizeof(out));
	if (err)
		goto out_check_token;
	err = odx_uout_pin(&uwritten, (unsigned long)&uargs->output_written,
			   sizeof(written));
	if (err)
		goto out_unpin_output;
	odx_xfer_write(dev, bdev, &req->write.token, req->write.token_offset, false,
		       req->ranges, req->nr_ranges, req->total_bytes, &res);
	switch (res.status) {
	case ODX_XFER_OK:
	case ODX_XFER_CACHE_KEPT:
		/* Data was written (or none was asked for): say how much. */
		out.length_copied = res.bytes;
		if (res.truncated)
			out.offload_write_flags |= ODX_OFFLOAD_WRITE_RANGE_TRUNCATED;
		break;
	default:
		if (!odx_dsm_token_invalid(res.status)) {
			written = 0;
			break;
		}
		pr_debug_ratelimited("odx%u: offload write with an invalid token\n",
				     dev->index);
		out.offload_write_flags = ODX_OFFLOAD_TOKEN_INVALID;
		break;
	}
	/* Nothing written and nothing to say: the output reads as zeros. */
	odx_uout_deliver(&uout, &out);
	if (written)
		odx_uout_deliver(&uwritten, &written);
	else
		odx_uout_unpin(&uwritten);
	return odx_dsm_err(&res);

out_unpin_output:
	odx_uout_unpin(&uout);
out_check_token:
	/* The token's faults come first, as before any buffer is touched. */
	odx_xfer_write_check(dev, &req->write.token, req->write.token_offset, &res);
	return res.status == ODX_XFER_OK ? err : odx_dsm_err(&res);
}

static int odx_ioctl_dsm(struct odx_dev *dev, struct block_device *bdev,
			 blk_mode_t mode, struct odx_dsm_args __user *uargs)
{
	struct odx_dsm_limits lim = {
		.block_size = dev->block_size,
		.capacity = dev->size_bytes,
		.max_ranges = READ_ONCE(dev->config.max_ranges),
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
			odx_xfer_release(token);
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
	args.revoked = odx_xfer_revoke(dev);
	return put_user(args.revoked, &uargs->revoked) ? -EFAULT : 0;
}

/**
 * odx_dsm_ioctl() - the offload ioctls of /dev/odxN
 * @dev: the device
 * @bdev: its block device
 * @mode: how the caller opened it
 * @cmd: ioctl number
 * @uarg: argument
 *
 * Return: 0 or a negative errno (see include/uapi/linux/odx.h); -ENOTTY for an
 * unknown @cmd.
 */
int odx_dsm_ioctl(struct odx_dev *dev, struct block_device *bdev, blk_mode_t mode,
		  unsigned int cmd, void __user *uarg)
{
	struct odx_token token;
	struct odx_caps caps;

	switch (cmd) {
	case ODX_IOC_CAPS:
		odx_xfer_caps(dev, &caps);
		return copy_to_user(uarg, &caps, sizeof(caps)) ? -EFAULT : 0;
	case ODX_IOC_DSM:
		return odx_ioctl_dsm(dev, bdev, mode, uarg);
	case ODX_IOC_RELEASE:
		if (copy_from_user(&token, uarg, sizeof(token)))
			return -EFAULT;
		return odx_xfer_release(&token);
	case ODX_IOC_REVOKE:
		return odx_ioctl_revoke(dev, mode, uarg);
	default:
		return -ENOTTY;
	}
}

