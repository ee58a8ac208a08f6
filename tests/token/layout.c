// SPDX-License-Identifier: GPL-2.0
/*
 * layout: the odx user ABI structures have the Windows layouts, byte for byte.
 * Checked at compile time (a wrong layout does not build), then the main ones
 * again at run time: a kselftest harness case (TEST(layout)) in the token
 * suite, a plain program without the harness on the host
 * (scripts/host-tests/abi-layout.sh).
 */
#include <assert.h>
#include <stddef.h>
#include <stdio.h>

#include <linux/odx.h>

#define OFF(type, field, off)	_Static_assert(offsetof(struct type, field) == (off), \
					       #type "." #field " must be at " #off)
#define SIZE(type, size)	_Static_assert(sizeof(struct type) == (size), \
					       "sizeof(struct " #type ") must be " #size)

/* DEVICE_MANAGE_DATA_SET_ATTRIBUTES */
SIZE(odx_dsm_header, 28);
OFF(odx_dsm_header, size, 0);
OFF(odx_dsm_header, action, 4);
OFF(odx_dsm_header, flags, 8);
OFF(odx_dsm_header, parameter_block_offset, 12);
OFF(odx_dsm_header, parameter_block_length, 16);
OFF(odx_dsm_header, data_set_ranges_offset, 20);
OFF(odx_dsm_header, data_set_ranges_length, 24);

/* DEVICE_DATA_SET_RANGE */
SIZE(odx_data_set_range, 16);
OFF(odx_data_set_range, starting_offset, 0);
OFF(odx_data_set_range, length_in_bytes, 8);

/* DEVICE_DSM_OFFLOAD_READ_PARAMETERS */
SIZE(odx_offload_read_params, 16);
OFF(odx_offload_read_params, flags, 0);
OFF(odx_offload_read_params, time_to_live, 4);
OFF(odx_offload_read_params, reserved, 8);
_Static_assert(_Alignof(struct odx_offload_read_params) == 4,
	       "read parameters align to 4 (Windows puts them at offset 28)");

/* STORAGE_OFFLOAD_TOKEN */
SIZE(odx_token, 512);
OFF(odx_token, token_type, 0);
OFF(odx_token, reserved, 4);
OFF(odx_token, token_id_length, 6);
OFF(odx_token, token, 8);
_Static_assert(sizeof(((struct odx_token *)0)->token) == ODX_TOKEN_ID_LENGTH,
	       "token id is 0x1F8 bytes");
_Static_assert(ODX_TOKEN_LENGTH == 512 && ODX_TOKEN_ID_LENGTH == 504, "token lengths");

/* DEVICE_DSM_OFFLOAD_WRITE_PARAMETERS */
SIZE(odx_offload_write_params, 528);
OFF(odx_offload_write_params, flags, 0);
OFF(odx_offload_write_params, reserved, 4);
OFF(odx_offload_write_params, token_offset, 8);
OFF(odx_offload_write_params, token, 16);
_Static_assert(_Alignof(struct odx_offload_write_params) == 8,
	       "write parameters align to 8 (Windows puts them at offset 32)");

/* STORAGE_OFFLOAD_READ_OUTPUT */
SIZE(odx_offload_read_output, 536);
OFF(odx_offload_read_output, offload_read_flags, 0);
OFF(odx_offload_read_output, reserved, 4);
OFF(odx_offload_read_output, length_protected, 8);
OFF(odx_offload_read_output, token_length, 16);
OFF(odx_offload_read_output, token, 20);
OFF(odx_offload_read_output, padding, 532);
_Static_assert(sizeof(((struct odx_offload_read_output *)0)->padding) == 4,
	       "explicit 4-byte tail padding");

/* STORAGE_OFFLOAD_WRITE_OUTPUT */
SIZE(odx_offload_write_output, 16);
OFF(odx_offload_write_output, offload_write_flags, 0);
OFF(odx_offload_write_output, reserved, 4);
OFF(odx_offload_write_output, length_copied, 8);

/* ODX_IOC_DSM argument */
SIZE(odx_dsm_args, 48);
OFF(odx_dsm_args, input, 0);
OFF(odx_dsm_args, output, 8);
OFF(odx_dsm_args, input_length, 16);
OFF(odx_dsm_args, output_length, 20);
OFF(odx_dsm_args, output_written, 24);
OFF(odx_dsm_args, flags, 28);
OFF(odx_dsm_args, reserved, 32);

/* ODX_IOC_CAPS */
SIZE(odx_caps, 96);
OFF(odx_caps, version, 0);
OFF(odx_caps, size, 4);
OFF(odx_caps, maximum_token_lifetime, 8);
OFF(odx_caps, default_token_lifetime, 12);
OFF(odx_caps, maximum_transfer_size, 16);
OFF(odx_caps, optimal_transfer_count, 24);
OFF(odx_caps, maximum_data_descriptors, 32);
OFF(odx_caps, maximum_transfer_length_per_descriptor, 36);
OFF(odx_caps, optimal_transfer_length_per_descriptor, 40);
OFF(odx_caps, optimal_transfer_length_granularity, 44);
OFF(odx_caps, block_size, 48);
OFF(odx_caps, features, 52);
OFF(odx_caps, maximum_token_size, 56);
OFF(odx_caps, reserved, 64);

/* ODX_IOC_REVOKE */
SIZE(odx_revoke_args, 32);
OFF(odx_revoke_args, flags, 0);
OFF(odx_revoke_args, reserved0, 4);
OFF(odx_revoke_args, revoked, 8);
OFF(odx_revoke_args, reserved, 16);

/* ODX_CTL_ADD */
SIZE(odx_device_params, 40);
OFF(odx_device_params, size_bytes, 0);
OFF(odx_device_params, block_size, 8);
OFF(odx_device_params, index, 12);
OFF(odx_device_params, flags, 16);
OFF(odx_device_params, reserved, 20);

/* Constants that are Windows' or SPC-4's numbers. */
_Static_assert(ODX_DSM_ACTION_OFFLOAD_READ == 0x80000003U, "DeviceDsmAction_OffloadRead");
_Static_assert(ODX_DSM_ACTION_OFFLOAD_WRITE == 4, "DeviceDsmAction_OffloadWrite");
_Static_assert(ODX_TOKEN_TYPE_ZERO_DATA == 0xFFFF0001U, "zero ROD token type");
_Static_assert(ODX_OFFLOAD_READ_RANGE_TRUNCATED == 1, "READ_RANGE_TRUNCATED");
_Static_assert(ODX_OFFLOAD_WRITE_RANGE_TRUNCATED == 1, "WRITE_RANGE_TRUNCATED");
_Static_assert(ODX_OFFLOAD_TOKEN_INVALID == 2, "TOKEN_INVALID");

/* ioctl numbers: magic 0xD0, the argument sizes above. */
_Static_assert(ODX_IOC_DSM == _IOWR(0xD0, 0x11, struct odx_dsm_args), "ODX_IOC_DSM");
_Static_assert(ODX_IOC_CAPS == _IOR(0xD0, 0x10, struct odx_caps), "ODX_IOC_CAPS");
_Static_assert(ODX_IOC_RELEASE == _IOW(0xD0, 0x12, struct odx_token), "ODX_IOC_RELEASE");
_Static_assert(ODX_IOC_REVOKE == _IOWR(0xD0, 0x13, struct odx_revoke_args), "ODX_IOC_REVOKE");
_Static_assert(_IOC_SIZE(ODX_IOC_DSM) == 48 && _IOC_SIZE(ODX_IOC_CAPS) == 96 &&
	       _IOC_SIZE(ODX_IOC_RELEASE) == 512 && _IOC_SIZE(ODX_IOC_REVOKE) == 32,
	       "ioctl sizes");
_Static_assert(ODX_CAP_REVOKE == 16, "ODX_CAP_REVOKE");

/*
 * The main layouts again at run time: offsets and sizes taken from a buffer
 * the way userspace lays the structures out (volatile, so the compiler
 * computes nothing ahead), against Windows' numbers. Returns the mismatches.
 */
static volatile char buf[1024];
static int bad;

static void rt_check(const char *what, size_t got, size_t want)
{
	if (got == want)
		return;
	printf("# %s: %zu, expected %zu\n", what, got, want);
	bad++;
}

#define RT_OFF(type, field, off) \
	rt_check(#type "." #field, (size_t)((volatile char *)&((struct type *)buf)->field - buf), (off))
#define RT_SIZE(type, size)	rt_check("sizeof(struct " #type ")", sizeof(struct type), (size))

static int layout_check(void)
{
	bad = 0;
	RT_SIZE(odx_dsm_header, 28);
	RT_OFF(odx_dsm_header, data_set_ranges_length, 24);
	RT_SIZE(odx_data_set_range, 16);
	RT_SIZE(odx_offload_read_params, 16);
	RT_SIZE(odx_offload_write_params, 528);
	RT_OFF(odx_offload_write_params, token_offset, 8);
	RT_OFF(odx_offload_write_params, token, 16);
	RT_SIZE(odx_token, 512);
	RT_SIZE(odx_offload_read_output, 536);
	RT_OFF(odx_offload_read_output, token, 20);
	RT_SIZE(odx_offload_write_output, 16);
	RT_OFF(odx_offload_write_output, length_copied, 8);
	rt_check("ODX_DSM_ACTION_OFFLOAD_READ", ODX_DSM_ACTION_OFFLOAD_READ, 0x80000003U);
	rt_check("ODX_DSM_ACTION_OFFLOAD_WRITE", ODX_DSM_ACTION_OFFLOAD_WRITE, 4);
	return bad;
}

#if __has_include("kselftest_harness.h")
/* The guest suite: a case of the kselftest harness. */
#include "kselftest_harness.h"

TEST(layout)
{
	EXPECT_EQ(0, layout_check());
}

TEST_HARNESS_MAIN
#else
/* Without the harness (scripts/host-tests/abi-layout.sh, -m32): plain. */
int main(void)
{
	int n = layout_check();

	printf("%s - layout\n", n ? "not ok" : "ok");
	return !!n;
}
#endif
