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

/*
 * ---------------------------------------------------------------------------
 * Offloaded data transfer on /dev/odxN.
 *
 * The structures below are byte-for-byte the Windows ODX structures (ntddstor.h),
 * with Linux names; each names its Windows twin. Multi-byte integers are in host
 * (little-endian) order except the token's TokenType and TokenIdLength, which are
 * big-endian byte arrays as in Windows.
 * ---------------------------------------------------------------------------
 */

/* DeviceDsmAction_OffloadRead: 3 with the non-destructive bit (0x80000000). */
#define ODX_DSM_ACTION_OFFLOAD_READ	0x80000003U
/* DeviceDsmAction_OffloadWrite. */
#define ODX_DSM_ACTION_OFFLOAD_WRITE	0x00000004U

/* STORAGE_OFFLOAD_MAX_TOKEN_LENGTH and STORAGE_OFFLOAD_TOKEN_ID_LENGTH. */
#define ODX_TOKEN_LENGTH		512
#define ODX_TOKEN_ID_LENGTH		0x1F8

/* STORAGE_OFFLOAD_TOKEN_TYPE_ZERO_DATA (the SCSI block device zero ROD token). */
#define ODX_TOKEN_TYPE_ZERO_DATA	0xFFFF0001U
/* The ROD type odx mints: point in time copy, default (SPC-4). */
#define ODX_TOKEN_TYPE_POINT_IN_TIME	0x00800000U

/* STORAGE_OFFLOAD_READ_RANGE_TRUNCATED: the token covers a prefix of the ranges. */
#define ODX_OFFLOAD_READ_RANGE_TRUNCATED	0x00000001U
/* STORAGE_OFFLOAD_WRITE_RANGE_TRUNCATED: fewer bytes copied than asked. */
#define ODX_OFFLOAD_WRITE_RANGE_TRUNCATED	0x00000001U
/* STORAGE_OFFLOAD_TOKEN_INVALID: the token is unknown, expired or revoked. */
#define ODX_OFFLOAD_TOKEN_INVALID		0x00000002U

/**
 * struct odx_dsm_header - DEVICE_MANAGE_DATA_SET_ATTRIBUTES (28 bytes)
 * @size: sizeof(struct odx_dsm_header), 28.
 * @action: ODX_DSM_ACTION_OFFLOAD_READ or ODX_DSM_ACTION_OFFLOAD_WRITE.
 * @flags: must be 0.
 * @parameter_block_offset: offset of the parameter block from the start of
 *	this header.
 * @parameter_block_length: its length: 16 for offload read, 528 for offload write.
 * @data_set_ranges_offset: offset of the array of struct odx_data_set_range.
 * @data_set_ranges_length: its length in bytes, a multiple of 16.
 */
struct odx_dsm_header {
	__u32 size;
	__u32 action;
	__u32 flags;
	__u32 parameter_block_offset;
	__u32 parameter_block_length;
	__u32 data_set_ranges_offset;
	__u32 data_set_ranges_length;
};

/**
 * struct odx_data_set_range - DEVICE_DATA_SET_RANGE (16 bytes)
 * @starting_offset: byte offset on the device (Windows' LONGLONG: values with
 *	bit 63 set are negative and rejected).
 * @length_in_bytes: byte count.
 */
struct odx_data_set_range {
	__u64 starting_offset;
	__u64 length_in_bytes;
};

/**
 * struct odx_offload_read_params - DEVICE_DSM_OFFLOAD_READ_PARAMETERS (16 bytes)
 * @flags: must be 0.
 * @time_to_live: token lifetime in milliseconds after its last use; 0 = the
 *	default, values above the maximum are clamped (see struct odx_caps).
 * @reserved: must be 0.
 */
struct odx_offload_read_params {
	__u32 flags;
	__u32 time_to_live;
	__u32 reserved[2];
};

/**
 * struct odx_token - STORAGE_OFFLOAD_TOKEN (512 bytes)
 * @token_type: big-endian ROD type.
 * @reserved: 0.
 * @token_id_length: big-endian, ODX_TOKEN_ID_LENGTH.
 * @token: opaque.
 */
struct odx_token {
	__u8 token_type[4];
	__u8 reserved[2];
	__u8 token_id_length[2];
	__u8 token[ODX_TOKEN_ID_LENGTH];
};

/**
 * struct odx_offload_write_params - DEVICE_DSM_OFFLOAD_WRITE_PARAMETERS (528 bytes)
 * @flags: must be 0.
 * @reserved: must be 0.
 * @token_offset: byte offset into the token's data (the concatenation of its
 *	ranges), a multiple of the logical block size.
 * @token: the token.
 */
struct odx_offload_write_params {
	__u32 flags;
	__u32 reserved;
	__u64 token_offset;
	struct odx_token token;
};

/**
 * struct odx_offload_read_output - STORAGE_OFFLOAD_READ_OUTPUT (536 bytes)
 * @offload_read_flags: ODX_OFFLOAD_READ_RANGE_TRUNCATED.
 * @reserved: 0.
 * @length_protected: bytes the token covers, from the start of the ranges.
 * @token_length: ODX_TOKEN_LENGTH.
 * @token: the token.
 * @padding: 0 (Windows' implicit tail padding, made explicit).
 */
struct odx_offload_read_output {
	__u32 offload_read_flags;
	__u32 reserved;
	__u64 length_protected;
	__u32 token_length;
	struct odx_token token;
	__u32 padding;
};

/**
 * struct odx_offload_write_output - STORAGE_OFFLOAD_WRITE_OUTPUT (16 bytes)
 * @offload_write_flags: ODX_OFFLOAD_WRITE_RANGE_TRUNCATED, ODX_OFFLOAD_TOKEN_INVALID.
 * @reserved: 0.
 * @length_copied: bytes written to the destination ranges, from their start.
 */
struct odx_offload_write_output {
	__u32 offload_write_flags;
	__u32 reserved;
	__u64 length_copied;
};

/**
 * struct odx_dsm_args - argument of ODX_IOC_DSM
 * @input: user address of the input buffer: a struct odx_dsm_header with the
 *	parameter block and the ranges at the offsets it names, exactly as Windows
 *	lays out IOCTL_STORAGE_MANAGE_DATA_SET_ATTRIBUTES input.
 * @output: user address of the output buffer. odx writes the
 *	STORAGE_OFFLOAD_*_OUTPUT structure at offset 0, as Windows' classpnp does
 *	(not behind a DEVICE_DSM_OUTPUT header).
 * @input_length: bytes at @input.
 * @output_length: bytes at @output: at least 536 for offload read, 16 for write.
 * @output_written: in: must be 0; out: bytes written at @output.
 * @flags: must be 0.
 * @reserved: must be 0.
 */
struct odx_dsm_args {
	__u64 input;
	__u64 output;
	__u32 input_length;
	__u32 output_length;
	__u32 output_written;
	__u32 flags;
	__u32 reserved[4];
};

/* Largest input buffer ODX_IOC_DSM accepts. */
#define ODX_DSM_MAX_INPUT	65536

#define ODX_CAPS_VERSION	1

/* struct odx_caps.features */
#define ODX_CAP_POINT_IN_TIME	(1U << 0)	/* tokens copy the data as of minting */
#define ODX_CAP_ZERO_TOKEN	(1U << 1)	/* ODX_TOKEN_TYPE_ZERO_DATA accepted */
#define ODX_CAP_CROSS_DEVICE	(1U << 2)	/* tokens work on other odx devices */
#define ODX_CAP_RELEASE		(1U << 3)	/* ODX_IOC_RELEASE */
#define ODX_CAP_REVOKE		(1U << 4)	/* ODX_IOC_REVOKE */

/**
 * struct odx_caps - copy offload capabilities, after DEVICE_COPY_OFFLOAD_DESCRIPTOR
 * @version: ODX_CAPS_VERSION.
 * @size: sizeof(struct odx_caps).
 * @maximum_token_lifetime: seconds (TimeToLive is clamped to it).
 * @default_token_lifetime: seconds (TimeToLive 0).
 * @maximum_transfer_size: bytes one offload write copies at most.
 * @optimal_transfer_count: bytes; a good size for one offload write.
 * @maximum_data_descriptors: ranges per request.
 * @maximum_transfer_length_per_descriptor: logical blocks per range.
 * @optimal_transfer_length_per_descriptor: logical blocks per range.
 * @optimal_transfer_length_granularity: logical blocks.
 * @block_size: logical block size in bytes.
 * @features: ODX_CAP_*.
 * @maximum_token_size: bytes one token covers at most (LengthProtected).
 * @reserved: 0.
 */
struct odx_caps {
	__u32 version;
	__u32 size;
	__u32 maximum_token_lifetime;
	__u32 default_token_lifetime;
	__u64 maximum_transfer_size;
	__u64 optimal_transfer_count;
	__u32 maximum_data_descriptors;
	__u32 maximum_transfer_length_per_descriptor;
	__u32 optimal_transfer_length_per_descriptor;
	__u32 optimal_transfer_length_granularity;
	__u32 block_size;
	__u32 features;
	__u64 maximum_token_size;
	__u64 reserved[4];
};

/**
 * struct odx_revoke_args - argument of ODX_IOC_REVOKE
 * @flags: 0.
 * @reserved0: 0.
 * @revoked: out: how many tokens the call revoked (must be 0 on input).
 * @reserved: 0.
 */
struct odx_revoke_args {
	__u32 flags;
	__u32 reserved0;
	__u64 revoked;
	__u64 reserved[2];
};

/*
 * Device ioctls (/dev/odxN).
 *
 * ODX_IOC_CAPS: fill struct odx_caps. Errors: EFAULT.
 * ODX_IOC_DSM: one offload read or offload write. Errors:
 *	EINVAL	malformed request: args flags/reserved, header size, flags,
 *		offsets or lengths outside the buffer or overlapping, wrong
 *		parameter block length, parameter flags/reserved, 0 or more than
 *		the maximum ranges, a range of length 0, not aligned to the
 *		logical block size or with a negative starting offset, an
 *		unaligned TokenOffset or one at or past the token's end, input
 *		longer than ODX_DSM_MAX_INPUT;
 *	EOPNOTSUPP unknown action;
 *	ENXIO	a range ends past the device's capacity (or past 2^64);
 *	ERANGE	output buffer too small;
 *	EBADF	offload read on an fd not open for reading, offload write on
 *		one not open for writing;
 *	EPERM	offload write to a read-only device (BLKROSET);
 *	EKEYREJECTED the token is invalid: unknown, altered, expired, released,
 *		revoked, of an unknown type or length (output flags carry
 *		ODX_OFFLOAD_TOKEN_INVALID when the output buffer is large enough);
 *	EXDEV	the token's source is another device and cross-device use is
 *		off (module parameter allow_cross_device), or the devices' logical
 *		block sizes differ;
 *	ENOSPC	the live-token limit (module parameter max_tokens) is reached;
 *	EDQUOT	the token would take the memory its source device's tokens hold
 *		past the device's budget (/sys/block/odxN/odx/token_bytes_max),
 *		or pin more pages than token_pages_max allows (all devices);
 *	EBUSY	offload write: the data was copied (the output says how much,
 *		output_written is 16) but a cached page of the destination that
 *		someone dirtied during the copy could not be dropped, so buffered
 *		readers see that page, and its writeback overwrites the copy there;
 *	ENOMEM, EFAULT; EINTR a fatal signal arrived before anything was copied
 *		(after some data, the write returns what was copied). An offload
 *		write that wrote data never fails with EFAULT: its output buffer
 *		and output_written are held before the copy starts.
 * ODX_IOC_RELEASE: end a token now (SCSI DEL_TKN). Errors: EKEYREJECTED (no
 *	live token matches, an expired one included), EFAULT.
 * ODX_IOC_REVOKE: end every token minted on this device before the call (copies
 *	in flight finish); says how many. Needs the fd open for writing. Errors:
 *	EBADF (not open for writing), EINVAL (flags, reserved or revoked set),
 *	EFAULT.
 */
#define ODX_IOC_CAPS		_IOR(ODX_IOC_MAGIC, 0x10, struct odx_caps)
#define ODX_IOC_DSM		_IOWR(ODX_IOC_MAGIC, 0x11, struct odx_dsm_args)
#define ODX_IOC_RELEASE		_IOW(ODX_IOC_MAGIC, 0x12, struct odx_token)
#define ODX_IOC_REVOKE		_IOWR(ODX_IOC_MAGIC, 0x13, struct odx_revoke_args)

#endif /* _UAPI_LINUX_ODX_H */
