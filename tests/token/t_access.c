// SPDX-License-Identifier: GPL-2.0
/*
 * t_access: capabilities, ioctl numbers, access checks (open mode, read-only
 * devices, cross-device use, block sizes) and the validation of DSM input.
 * Runs with the module loaded as "nr_devices=2 size_mb=64".
 *
 * Every rejection is checked together with an unchanged destination and a
 * positive control (the same request, made valid, succeeds), so a driver that
 * rejects everything fails too.
 */
#include "odx_test.h"
#include "odx_harness.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <unistd.h>

#define SRC	0ULL
#define DST	(8 * MiB)

static int get_caps(int fd, struct odx_caps *c)
{
	memset(c, 0xa5, sizeof(*c));
	return ioctl(fd, ODX_IOC_CAPS, c) ? -errno : 0;
}

static void caps(void)
{
	struct odx_caps c;
	unsigned int i;
	int fd = dev_open(0, O_RDONLY), bs = 0;

	REQUIRE_RET(get_caps(fd, &c), 0);
	REQUIRE(!ioctl(fd, BLKSSZGET, &bs), "BLKSSZGET: %s", strerror(errno));
	CHECK_U64("version", c.version, ODX_CAPS_VERSION);
	CHECK_U64("version is 1", c.version, 1);
	CHECK_U64("size", c.size, 96);
	CHECK_U64("maximum_data_descriptors", c.maximum_data_descriptors, 64);
	CHECK_U64("block_size", c.block_size, 512);
	CHECK_U64("block_size = BLKSSZGET", c.block_size, bs);
	CHECK_U64("maximum_token_size", c.maximum_token_size, 256 * MiB);
	CHECK_U64("maximum_transfer_size", c.maximum_transfer_size, 256 * MiB);
	CHECK_U64("optimal_transfer_count", c.optimal_transfer_count, 256 * MiB);
	CHECK_U64("default_token_lifetime (s)", c.default_token_lifetime, 30);
	CHECK_U64("maximum_token_lifetime (s)", c.maximum_token_lifetime, 3600);
	/* Per descriptor: the whole 64 MiB device, in 512-byte blocks. */
	CHECK_U64("maximum_transfer_length_per_descriptor",
		  c.maximum_transfer_length_per_descriptor, 64 * MiB / 512);
	CHECK_U64("optimal_transfer_length_granularity",
		  c.optimal_transfer_length_granularity, PAGE / 512);
	CHECK_U64("features", c.features, ODX_CAP_POINT_IN_TIME | ODX_CAP_ZERO_TOKEN |
		  ODX_CAP_CROSS_DEVICE | ODX_CAP_RELEASE | ODX_CAP_REVOKE);
	for (i = 0; i < 4; i++)
		CHECK_U64("reserved", c.reserved[i], 0);
	close(fd);

	/* Any open mode may ask; the other device says the same. */
	fd = dev_open(1, O_WRONLY);
	{
		struct odx_caps c1;

		REQUIRE_RET(get_caps(fd, &c1), 0);
		CHECK(!memcmp(&c, &c1, sizeof(c)), "odx1 (O_WRONLY) reports other caps");
	}
	close(fd);
}

static void unknown_ioctl_enotty(void)
{
	uint8_t buf[4096];
	struct odx_caps c;
	int fd = dev_open(0, O_RDWR), cfd;

	memset(buf, 0, sizeof(buf));
	CHECK_RET(ioctl(fd, _IO(ODX_IOC_MAGIC, 0x3f)) ? -errno : 0, -ENOTTY);
	CHECK_RET(ioctl(fd, _IOWR(ODX_IOC_MAGIC, 0x13, struct odx_dsm_args), buf) ? -errno : 0,
		  -ENOTTY);
	/* The right number with another size is another ioctl. */
	CHECK_RET(ioctl(fd, _IOWR(ODX_IOC_MAGIC, 0x11, struct odx_caps), buf) ? -errno : 0,
		  -ENOTTY);
	CHECK_RET(ioctl(fd, _IOR(ODX_IOC_MAGIC, 0x10, uint32_t), buf) ? -errno : 0, -ENOTTY);
	/* Control ioctls are not block device ioctls, and the reverse. */
	CHECK_RET(ioctl(fd, ODX_CTL_ADD, buf) ? -errno : 0, -ENOTTY);
	CHECK_RET(ioctl(fd, ODX_CTL_REMOVE, buf) ? -errno : 0, -ENOTTY);
	cfd = open("/dev/" ODX_CONTROL_NAME, O_RDWR | O_CLOEXEC);
	if (CHECK(cfd >= 0, "open /dev/odx-control: %s", strerror(errno))) {
		CHECK_RET(ioctl(cfd, ODX_IOC_DSM, buf) ? -errno : 0, -ENOTTY);
		CHECK_RET(ioctl(cfd, ODX_IOC_CAPS, buf) ? -errno : 0, -ENOTTY);
		CHECK_RET(ioctl(cfd, _IO(ODX_IOC_MAGIC, 0x3f)) ? -errno : 0, -ENOTTY);
		close(cfd);
	}
	/* Positive control: the known one works on the same descriptor. */
	CHECK_RET(get_caps(fd, &c), 0);
	close(fd);
}

static void offload_read_wronly_ebadf(void)
{
	struct odx_data_set_range sr[] = { R(SRC + 4 * KiB, 64 * KiB) };
	struct odx_offload_read_output ro;
	long long m0, m1;
	struct area s;
	int fd;

	area_init(&s, 0, SRC, 256 * KiB, t_seed());
	m0 = odx_stat(0, "tokens_minted");
	fd = dev_open(0, O_WRONLY);
	CHECK_RET(offload_read(fd, sr, 1, 0, &ro), -EBADF);
	close(fd);
	m1 = odx_stat(0, "tokens_minted");
	CHECK_U64("tokens minted by the O_WRONLY read", m1 - m0, 0);
	/* Positive controls. */
	fd = dev_open(0, O_RDONLY);
	CHECK_RET(offload_read(fd, sr, 1, 0, &ro), 0);
	close(fd);
	fd = dev_open(0, O_RDWR);
	CHECK_RET(offload_read(fd, sr, 1, 0, &ro), 0);
	close(fd);
	CHECK_U64("tokens minted by the good reads", odx_stat(0, "tokens_minted") - m1, 2);
	area_free(&s);
}

static void offload_write_rdonly_ebadf(void)
{
	struct odx_data_set_range sr[] = { R(SRC + 4 * KiB, 64 * KiB) };
	struct odx_data_set_range dr[] = { R(DST + 8 * KiB + 512, 64 * KiB) };
	struct odx_offload_write_output wo;
	struct odx_token tok, zt;
	struct area s, d;
	int fd;

	area_init(&s, 0, SRC, 256 * KiB, t_seed());
	area_init(&d, 0, DST, 256 * KiB, t_seed());
	mint(0, sr, 1, 0, &tok);
	zero_token(&zt, 0);
	fd = dev_open(0, O_RDONLY);
	CHECK_RET(offload_write(fd, &tok, 0, dr, 1, &wo), -EBADF);
	CHECK_RET(offload_write(fd, &zt, 0, dr, 1, &wo), -EBADF);
	close(fd);
	area_check(&d, "destination after O_RDONLY writes");
	/* Positive control: O_WRONLY is enough. */
	fd = dev_open(0, O_WRONLY);
	if (CHECK_RET(offload_write(fd, &tok, 0, dr, 1, &wo), 0))
		CHECK_U64("length_copied", wo.length_copied, 64 * KiB);
	close(fd);
	model_copy(&s, sr, 1, 0, &d, dr, 1, 0);
	area_check(&d, "destination after the O_WRONLY write");
	area_free(&s);
	area_free(&d);
}

static void setrw_odx1(void *arg)
{
	(void)arg;
	t_system("blockdev --setrw /dev/odx1");
}

static void readonly_device_eperm(void)
{
	struct odx_data_set_range sr[] = { R(SRC + 4 * KiB, 64 * KiB) };
	struct odx_data_set_range dr[] = { R(64 * KiB + 512, 64 * KiB) };
	struct odx_offload_write_output wo;
	struct odx_offload_read_output ro;
	struct odx_token tok, zt;
	struct area s, d;
	int fd, fd2, ro_flag = 0;

	area_init(&s, 0, SRC, 256 * KiB, t_seed());
	area_init(&d, 1, 0, 256 * KiB, t_seed());
	mint(0, sr, 1, 0, &tok);
	zero_token(&zt, 0);
	fd = dev_open(1, O_RDWR);	/* opened for writing before it turns read-only */

	t_defer(setrw_odx1, NULL);
	REQUIRE(t_system("blockdev --setro /dev/odx1") == 0, "blockdev --setro failed");
	REQUIRE(!ioctl(fd, BLKROGET, &ro_flag), "BLKROGET: %s", strerror(errno));
	CHECK(ro_flag == 1, "BLKROGET says %d after --setro", ro_flag);

	CHECK_RET(offload_write(fd, &tok, 0, dr, 1, &wo), -EPERM);
	CHECK_RET(offload_write(fd, &zt, 0, dr, 1, &wo), -EPERM);
	fd2 = dev_try_open(1, O_RDWR);
	if (fd2 >= 0) {
		CHECK_RET(offload_write(fd2, &tok, 0, dr, 1, &wo), -EPERM);
		close(fd2);
	} else {
		t_diag("opening read-only odx1 for writing: %s", t_errname(fd2));
	}
	area_check(&d, "read-only destination");
	/* Reading a read-only device is fine. */
	CHECK_RET(offload_read(fd, dr, 1, 0, &ro), 0);

	REQUIRE(t_system("blockdev --setrw /dev/odx1") == 0, "blockdev --setrw failed");
	if (CHECK_RET(offload_write(fd, &tok, 0, dr, 1, &wo), 0))
		CHECK_U64("length_copied", wo.length_copied, 64 * KiB);
	close(fd);
	model_copy(&s, sr, 1, 0, &d, dr, 1, 0);
	area_check(&d, "destination after --setrw");
	area_free(&s);
	area_free(&d);
}

static void allow_cross_restore(void *arg)
{
	int ret = setting_write("allow_cross_device", "Y");

	(void)arg;
	if (ret)
		t_diag("cleanup: cannot set allow_cross_device=Y: %s", t_errname(ret));
}

static void cross_device_switch_exdev(void)
{
	struct odx_data_set_range sr[] = { R(SRC + 4 * KiB, 64 * KiB) };
	struct odx_data_set_range dr[] = { R(64 * KiB + 512, 64 * KiB) };
	struct odx_data_set_range dr0[] = { R(DST + 64 * KiB, 64 * KiB) };
	struct odx_data_set_range sr1[] = { R(128 * KiB, 32 * KiB) };
	struct odx_offload_write_output wo;
	struct odx_token tok, tok1, zt;
	struct area s, d, d0;
	struct odx_caps c;
	char val[16];
	int fd0, fd1;

	area_init(&s, 0, SRC, 256 * KiB, t_seed());
	area_init(&d, 1, 0, 256 * KiB, t_seed());
	area_init(&d0, 0, DST, 256 * KiB, t_seed());
	mint(0, sr, 1, 0, &tok);
	mint(1, sr1, 1, 0, &tok1);
	zero_token(&zt, 0);
	fd0 = dev_open(0, O_RDWR);
	fd1 = dev_open(1, O_RDWR);

	t_defer(allow_cross_restore, NULL);
	REQUIRE_RET(setting_write("allow_cross_device", "N"), 0);
	REQUIRE_RET(param_read("allow_cross_device", val, sizeof(val)), 0);
	CHECK(!strcmp(val, "N"), "allow_cross_device reads '%s'", val);
	REQUIRE_RET(get_caps(fd1, &c), 0);
	CHECK(!(c.features & ODX_CAP_CROSS_DEVICE), "caps still say cross-device (0x%x)",
	      c.features);

	CHECK_RET(offload_write(fd1, &tok, 0, dr, 1, &wo), -EXDEV);
	CHECK_RET(offload_write(fd0, &tok1, 0, dr0, 1, &wo), -EXDEV);
	area_check(&d, "odx1 after the refused cross-device write");
	area_check(&d0, "odx0 after the refused cross-device write");
	/* Same device: still fine. The zero token has no source device. */
	if (CHECK_RET(offload_write(fd0, &tok, 0, dr0, 1, &wo), 0))
		CHECK_U64("length_copied", wo.length_copied, 64 * KiB);
	model_copy(&s, sr, 1, 0, &d0, dr0, 1, 0);
	area_check(&d0, "odx0 after a same-device write");
	CHECK_RET(offload_write(fd1, &zt, 0, sr1, 1, &wo), 0);
	model_zero(&d, sr1, 1, 0);
	area_check(&d, "odx1 after a zero-token write");

	REQUIRE_RET(setting_write("allow_cross_device", "Y"), 0);
	REQUIRE_RET(get_caps(fd1, &c), 0);
	CHECK(c.features & ODX_CAP_CROSS_DEVICE, "caps lack cross-device after Y (0x%x)",
	      c.features);
	/* The token survived the refusal. */
	if (CHECK_RET(offload_write(fd1, &tok, 0, dr, 1, &wo), 0))
		CHECK_U64("length_copied", wo.length_copied, 64 * KiB);
	model_copy(&s, sr, 1, 0, &d, dr, 1, 0);
	area_check(&d, "odx1 after cross-device is allowed again");
	close(fd0);
	close(fd1);
	area_free(&s);
	area_free(&d);
	area_free(&d0);
}

static void block_size_mismatch_exdev(void)
{
	struct odx_data_set_range sr[] = { R(SRC + 4 * KiB, 64 * KiB) };
	struct odx_data_set_range dr4[] = { R(64 * KiB, 64 * KiB) };
	struct odx_data_set_range sr4[] = { R(512 * KiB, 32 * KiB), R(8 * KiB, 8 * KiB) };
	struct odx_data_set_range dr0[] = { R(DST + 4 * KiB, 40 * KiB) };
	struct odx_offload_write_output wo;
	struct odx_offload_read_output ro;
	struct odx_token tok, tok4;
	struct area s, d4, d0;
	struct odx_caps c;
	uint32_t idx;
	int fd4, fd0;

	idx = ctl_add_dev(4 * MiB, 4096);
	area_init(&s, 0, SRC, 256 * KiB, t_seed());
	area_init(&d4, idx, 0, 1 * MiB, t_seed());
	area_init(&d0, 0, DST, 256 * KiB, t_seed());
	mint(0, sr, 1, 0, &tok);
	fd4 = dev_open(idx, O_RDWR);
	fd0 = dev_open(0, O_RDWR);
	REQUIRE_RET(get_caps(fd4, &c), 0);
	CHECK_U64("block_size of the 4096 device", c.block_size, 4096);
	/* 512-byte granularity is not enough on a 4096 device. */
	CHECK_RET(offload_read(fd4, (struct odx_data_set_range[]){ R(512, 4096) }, 1, 0, &ro),
		  -EINVAL);
	CHECK_RET(offload_read(fd4, (struct odx_data_set_range[]){ R(4096, 512) }, 1, 0, &ro),
		  -EINVAL);
	CHECK_RET(offload_read(fd4, sr4, 2, 0, &ro), 0);
	tok4 = ro.token;

	CHECK_RET(offload_write(fd4, &tok, 0, dr4, 1, &wo), -EXDEV);
	CHECK_RET(offload_write(fd0, &tok4, 0, dr0, 1, &wo), -EXDEV);
	area_check(&d4, "4096 device after the refused write");
	area_check(&d0, "odx0 after the refused write");

	/* Within the 4096 device: offsets must be multiples of 4096. */
	CHECK_RET(offload_write(fd4, &tok4, 512, dr4, 1, &wo), -EINVAL);
	if (CHECK_RET(offload_write(fd4, &tok4, 4096, dr4, 1, &wo), 0))
		CHECK_U64("length_copied", wo.length_copied, 36 * KiB);
	model_copy(&d4, sr4, 2, 4096, &d4, dr4, 1, 0);
	area_check(&d4, "4096 device after a copy");
	close(fd4);
	close(fd0);
	area_free(&s);
	area_free(&d4);
	area_free(&d0);
}

/* A valid 1-range offload read input and ways to break it. */
struct read_in {
	struct odx_dsm_header h;
	struct odx_offload_read_params p;
	uint32_t pad;
	struct odx_data_set_range r[2];
};

static void read_in_init(struct read_in *in)
{
	size_t len;

	memset(in, 0, sizeof(*in));
	len = dsm_build_read(in, sizeof(*in), (struct odx_data_set_range[]){
		R(SRC + 4 * KiB, 8 * KiB) }, 1, 0);
	REQUIRE(len == offsetof(struct read_in, r[1]), "test bug: layout %zu", len);
}

static void dsm_input_validation(void)
{
	uint8_t out[1024], *big;
	struct read_in in;
	struct odx_dsm_args args;
	struct odx_offload_write_output wo;
	long long m0, m1;
	uint32_t written;
	unsigned int good = 0;
	int fd = dev_open(0, O_RDWR), ret;
	uint32_t len = offsetof(struct read_in, r[1]);
	struct area s;

#define TRY_READ(want, what, ...)					\
	do {								\
		read_in_init(&in);					\
		__VA_ARGS__;						\
		ret = odx_dsm(fd, &in, len, out, 536, &written);	\
		if (!CHECK_RET(ret, want))				\
			t_diag("  case: %s", what);			\
		else if (!(want))					\
			good++;						\
		if (!ret)						\
			odx_release(fd, &((struct odx_offload_read_output *)out)->token); \
		if ((want) && written)					\
			CHECK(0, "%s: output_written %u on failure", what, written); \
	} while (0)

	area_init(&s, 0, SRC, 64 * KiB, t_seed());
	m0 = odx_stat(0, "tokens_minted");
	TRY_READ(0, "valid (Windows layout)");
	TRY_READ(-EINVAL, "header size 27", in.h.size = 27);
	TRY_READ(-EINVAL, "header size 32", in.h.size = 32);
	TRY_READ(-EINVAL, "header flags 1", in.h.flags = 1);
	TRY_READ(-EINVAL, "header flags 0x80000000", in.h.flags = 0x80000000);
	TRY_READ(-EOPNOTSUPP, "action 3 without the non-destructive bit", in.h.action = 3);
	TRY_READ(-EOPNOTSUPP, "action 5", in.h.action = 5);
	TRY_READ(-EOPNOTSUPP, "action 0", in.h.action = 0);
	TRY_READ(-EINVAL, "parameter block length 15", in.h.parameter_block_length = 15);
	TRY_READ(-EINVAL, "parameter block length 17", in.h.parameter_block_length = 17);
	TRY_READ(-EINVAL, "parameter block length 528 (write's)",
		 in.h.parameter_block_length = 528);
	TRY_READ(-EINVAL, "parameter block inside the header", in.h.parameter_block_offset = 20);
	TRY_READ(-EINVAL, "parameter block past the end", in.h.parameter_block_offset = 60);
	TRY_READ(-EINVAL, "parameter block offset huge",
		 in.h.parameter_block_offset = 0xfffffff8);
	TRY_READ(-EINVAL, "ranges length 0", in.h.data_set_ranges_length = 0);
	TRY_READ(-EINVAL, "ranges length 24", in.h.data_set_ranges_length = 24);
	TRY_READ(-EINVAL, "ranges past the end", in.h.data_set_ranges_length = 32);
	TRY_READ(-EINVAL, "ranges offset huge", in.h.data_set_ranges_offset = 0xfffffff0);
	TRY_READ(-EINVAL, "ranges overlap the parameter block",
		 in.h.data_set_ranges_offset = 36);
	TRY_READ(-EINVAL, "ranges inside the header", in.h.data_set_ranges_offset = 16);
	TRY_READ(-EINVAL, "read flags 1", in.p.flags = 1);
	TRY_READ(-EINVAL, "read reserved[0]", in.p.reserved[0] = 1);
	TRY_READ(-EINVAL, "read reserved[1]", in.p.reserved[1] = 0x80000000);
	TRY_READ(-EINVAL, "range length 0", in.r[0].length_in_bytes = 0);
	TRY_READ(-EINVAL, "range start unaligned", in.r[0].starting_offset = 4 * KiB + 100);
	TRY_READ(-EINVAL, "range length unaligned", in.r[0].length_in_bytes = 1000);
	TRY_READ(-EINVAL, "negative start", in.r[0].starting_offset = 1ULL << 63);
	TRY_READ(-EINVAL, "negative start -512", in.r[0].starting_offset = ~0ULL - 511);
	TRY_READ(-ENXIO, "range ends past the capacity",
		 in.r[0].starting_offset = ODX_DEV_SIZE - 512, in.r[0].length_in_bytes = 1024);
	TRY_READ(-ENXIO, "range starts at the capacity",
		 in.r[0].starting_offset = ODX_DEV_SIZE);
	TRY_READ(-ENXIO, "start + length overflows",
		 in.r[0].starting_offset = 1ULL << 62, in.r[0].length_in_bytes = ~0ULL - 511);
	TRY_READ(0, "range ending exactly at the capacity",
		 in.r[0].starting_offset = ODX_DEV_SIZE - 4096, in.r[0].length_in_bytes = 4096);
	TRY_READ(0, "TimeToLive above the maximum is clamped", in.p.time_to_live = ~0U);
	m1 = odx_stat(0, "tokens_minted");
	CHECK_U64("tokens minted (only by the valid requests)", m1 - m0, good);

	/* struct odx_dsm_args and buffer sizes. */
	read_in_init(&in);
	CHECK_RET(odx_dsm(fd, &in, 27, out, 536, NULL), -EINVAL);
	CHECK_RET(odx_dsm(fd, &in, 0, out, 536, NULL), -EINVAL);
	CHECK_RET(odx_dsm(fd, &in, len - 1, out, 536, NULL), -EINVAL);
	CHECK_RET(odx_dsm(fd, &in, len, out, 535, NULL), -ERANGE);
	CHECK_RET(odx_dsm(fd, &in, len, out, 0, NULL), -ERANGE);
	CHECK_RET(odx_dsm(fd, NULL, len, out, 536, NULL), -EFAULT);
	CHECK_RET(odx_dsm(fd, &in, len, NULL, 536, NULL), -EFAULT);
	big = calloc(1, ODX_DSM_MAX_INPUT + 512);
	REQUIRE(big, "calloc");
	memcpy(big, &in, len);
	CHECK_RET(odx_dsm(fd, big, ODX_DSM_MAX_INPUT + 1, out, 536, NULL), -EINVAL);
	/* Trailing bytes up to the limit are fine. */
	CHECK_RET(odx_dsm(fd, big, ODX_DSM_MAX_INPUT, out, 536, &written), 0);
	CHECK_U64("output_written", written, 536);
	odx_release(fd, &((struct odx_offload_read_output *)out)->token);
	free(big);
	/* A larger output buffer: the output is still 536 bytes at offset 0. */
	memset(out, 0x5a, sizeof(out));
	CHECK_RET(odx_dsm(fd, &in, len, out, sizeof(out), &written), 0);
	CHECK_U64("output_written (1024-byte buffer)", written, 536);
	CHECK(out[536] == 0x5a && out[1023] == 0x5a, "bytes past the output were written");
	{
		struct odx_offload_read_output *ro = (void *)out;

		CHECK_U64("length_protected", ro->length_protected, 8 * KiB);
		CHECK_U64("token_length", ro->token_length, 512);
		odx_release(fd, &ro->token);
	}

	memset(&args, 0, sizeof(args));
	args.input = (uintptr_t)&in;
	args.output = (uintptr_t)out;
	args.input_length = len;
	args.output_length = 536;
	args.flags = 1;
	CHECK_RET(ioctl(fd, ODX_IOC_DSM, &args) ? -errno : 0, -EINVAL);
	args.flags = 0;
	args.reserved[3] = 1;
	CHECK_RET(ioctl(fd, ODX_IOC_DSM, &args) ? -errno : 0, -EINVAL);
	args.reserved[3] = 0;
	args.output_written = 7;
	CHECK_RET(ioctl(fd, ODX_IOC_DSM, &args) ? -errno : 0, -EINVAL);
	args.output_written = 0;
	CHECK_RET(ioctl(fd, ODX_IOC_DSM, &args) ? -errno : 0, 0);
	CHECK_RET(ioctl(fd, ODX_IOC_DSM, NULL) ? -errno : 0, -EFAULT);

	/* Offload write parameters. */
	{
		struct odx_offload_read_output *ro = (void *)out;
		struct odx_token tok = ro->token;
		uint8_t win[DSM_WRITE_RANGES_OFF + 16];
		struct odx_offload_write_params *wp = (void *)(win + DSM_WRITE_PARAM_OFF);
		struct odx_dsm_header *h = (void *)win;
		struct odx_data_set_range dr[] = { R(DST + 4 * KiB, 8 * KiB) };
		struct area d;

		area_init(&d, 0, DST, 64 * KiB, t_seed());
		dsm_build_write(win, sizeof(win), &tok, 0, dr, 1);
		wp->flags = 1;
		CHECK_RET(odx_dsm(fd, win, sizeof(win), &wo, 16, NULL), -EINVAL);
		wp->flags = 0;
		wp->reserved = 1;
		CHECK_RET(odx_dsm(fd, win, sizeof(win), &wo, 16, NULL), -EINVAL);
		wp->reserved = 0;
		h->parameter_block_length = 16;
		CHECK_RET(odx_dsm(fd, win, sizeof(win), &wo, 16, NULL), -EINVAL);
		h->parameter_block_length = 528;
		CHECK_RET(odx_dsm(fd, win, sizeof(win), &wo, 15, NULL), -ERANGE);
		area_check(&d, "destination after rejected writes");
		CHECK_RET(odx_dsm(fd, win, sizeof(win), &wo, 16, &written), 0);
		CHECK_U64("length_copied", wo.length_copied, 8 * KiB);
		CHECK_U64("output_written", written, 16);
		odx_release(fd, &tok);
		area_free(&d);
	}
	close(fd);
	area_free(&s);
#undef TRY_READ
}

/* Other layouts Windows' validation accepts work too. */
static void dsm_other_layouts(void)
{
	struct odx_data_set_range sr[] = { R(SRC + 8 * KiB, 16 * KiB), R(SRC + 64 * KiB, 8 * KiB) };
	struct odx_data_set_range dr[] = { R(DST + 12 * KiB + 512, 24 * KiB) };
	struct odx_offload_read_output ro;
	struct odx_offload_write_output wo;
	struct odx_dsm_header h;
	struct area s, d;
	uint8_t buf[2048];
	uint32_t written;
	int fd = dev_open(0, O_RDWR);

	area_init(&s, 0, SRC, 256 * KiB, t_seed());
	area_init(&d, 0, DST, 256 * KiB, t_seed());
	/* Read: ranges first (at 32), the parameter block after them. */
	memset(buf, 0, sizeof(buf));
	h = (struct odx_dsm_header){
		.size = 28, .action = ODX_DSM_ACTION_OFFLOAD_READ,
		.parameter_block_offset = 64, .parameter_block_length = 16,
		.data_set_ranges_offset = 32, .data_set_ranges_length = 32,
	};
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + 32, sr, sizeof(sr));
	memset(&ro, 0, sizeof(ro));
	REQUIRE_RET(odx_dsm(fd, buf, 80, &ro, sizeof(ro), &written), 0);
	CHECK_U64("output_written", written, 536);
	CHECK_U64("length_protected", ro.length_protected, 24 * KiB);

	/* Write: ranges at 40, parameter block at 256, gaps and a tail. */
	memset(buf, 0xee, sizeof(buf));
	h = (struct odx_dsm_header){
		.size = 28, .action = ODX_DSM_ACTION_OFFLOAD_WRITE,
		.parameter_block_offset = 256, .parameter_block_length = 528,
		.data_set_ranges_offset = 40, .data_set_ranges_length = 16,
	};
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + 40, dr, sizeof(dr));
	{
		struct odx_offload_write_params p = { .token_offset = 0 };

		p.token = ro.token;
		memcpy(buf + 256, &p, sizeof(p));
	}
	REQUIRE_RET(odx_dsm(fd, buf, 1024, &wo, sizeof(wo), &written), 0);
	CHECK_U64("output_written", written, 16);
	CHECK_U64("length_copied", wo.length_copied, 24 * KiB);
	model_copy(&s, sr, 2, 0, &d, dr, 1, 0);
	area_check(&d, "destination");
	CHECK_RET(odx_release(fd, &ro.token), 0);
	close(fd);
	area_free(&s);
	area_free(&d);
}

/* The cases, in the order they run (kselftest harness: tests/lib/odx_harness.h). */
ODX_CASE(caps, 0)
ODX_CASE(unknown_ioctl_enotty, 0)
ODX_CASE(offload_read_wronly_ebadf, 0)
ODX_CASE(offload_write_rdonly_ebadf, 0)
ODX_CASE(readonly_device_eperm, 0)
ODX_CASE(cross_device_switch_exdev, 0)
ODX_CASE(block_size_mismatch_exdev, 0)
ODX_CASE(dsm_input_validation, 0)
ODX_CASE(dsm_other_layouts, 0)

ODX_HARNESS_MAIN
