/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * odx: Windows-style offloaded data transfer (ODX) token copy for Linux.
 *
 * This is the user ABI of the odx module. Every structure has a fixed layout made
 * of __u32/__u64 fields with explicit padding; reserved fields must be zero and
 * unknown flags are rejected with -EINVAL. Unknown ioctl numbers fail with -ENOTTY.
 *
 * ioctl numbers: magic 0xD0, numbers 0x00-0x3F (free in
 * Documentation/userspace-api/ioctl/ioctl-number.rst).
 */
#ifndef _UAPI_LINUX_ODX_H
#define _UAPI_LINUX_ODX_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define ODX_IOC_MAGIC		0xD0

/* Name of the control device: /dev/odx-control. */
#define ODX_CONTROL_NAME	"odx-control"

/* Pass as odx_device_params.index to let the module pick the lowest free index. */
#define ODX_INDEX_ANY		0xffffffffU

/* Largest device: 1 TiB (the store is sparse; memory is used only for written data). */
#define ODX_MAX_DEVICE_BYTES	(1ULL << 40)

/* Largest device index, so device nodes run from /dev/odx0 to /dev/odx1023. */
#define ODX_MAX_DEVICES		1024

/**
 * struct odx_device_params - parameters of a device to create (ODX_CTL_ADD)
 * @size_bytes: in: capacity in bytes; a non-zero multiple of 4096, at most
 *	ODX_MAX_DEVICE_BYTES.
 * @block_size: in: logical block size, 512 or 4096; 0 means the module's
 *	block_size parameter.
 * @index: in: wanted index N of /dev/odxN, or ODX_INDEX_ANY;
 *	out: the index given.
 * @flags: in: must be 0.
 * @reserved: must be zero.
 */
struct odx_device_params {
	__u64 size_bytes;
	__u32 block_size;
	__u32 index;
	__u32 flags;
	__u32 reserved[5];
};

/*
 * Control device ioctls (/dev/odx-control, needs CAP_SYS_ADMIN).
 *
 * ODX_CTL_ADD: create a device. Errors: EINVAL (bad size, block size, flags,
 *	reserved field or index), EEXIST (index in use), ENOSPC (no free index),
 *	ENOMEM, EFAULT, EPERM.
 * ODX_CTL_REMOVE: remove device N (argument: pointer to a __u32 index).
 *	Errors: ENODEV (no such device), EBUSY (device open), EFAULT, EPERM.
 */
#define ODX_CTL_ADD		_IOWR(ODX_IOC_MAGIC, 0x00, struct odx_device_params)
#define ODX_CTL_REMOVE		_IOW(ODX_IOC_MAGIC, 0x01, __u32)

#endif /* _UAPI_LINUX_ODX_H */
