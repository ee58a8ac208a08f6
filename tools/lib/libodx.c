// SPDX-License-Identifier: LGPL-2.1-or-later
/* libodx: see libodx.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libodx.h"

/* Lay out header, parameter block and ranges as Windows does; send it. */
static int odx_dsm(int fd, uint32_t action, const void *params, uint32_t plen,
		   const struct odx_data_set_range *ranges, unsigned int nr,
		   void *out, uint32_t outlen)
{
	struct odx_dsm_header h = {
		.size = sizeof(h),
		.action = action,
		.parameter_block_offset = sizeof(h),
		.parameter_block_length = plen,
		.data_set_ranges_offset = sizeof(h) + plen,
		.data_set_ranges_length = nr * sizeof(*ranges),
	};
	size_t len = sizeof(h) + plen + nr * sizeof(*ranges);
	struct odx_dsm_args args = { 0 };
	unsigned char *buf;
	int err = 0;

	if (len > ODX_DSM_MAX_INPUT)
		return -EINVAL;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), params, plen);
	memcpy(buf + sizeof(h) + plen, ranges, nr * sizeof(*ranges));
	args.input = (uintptr_t)buf;
	args.input_length = len;
	args.output = (uintptr_t)out;
	args.output_length = outlen;
	if (ioctl(fd, ODX_IOC_DSM, &args))
		err = -errno;
	free(buf);
	return err;
}

int odx_offload_read(int fd, const struct odx_data_set_range *ranges, unsigned int nr,
		     uint32_t ttl_ms, struct odx_offload_read_output *out)
{
	struct odx_offload_read_params p = { .time_to_live = ttl_ms };

	memset(out, 0, sizeof(*out));
	return odx_dsm(fd, ODX_DSM_ACTION_OFFLOAD_READ, &p, sizeof(p), ranges, nr,
		       out, sizeof(*out));
}

int odx_offload_write(int fd, const struct odx_token *token, uint64_t token_offset,
		      const struct odx_data_set_range *ranges, unsigned int nr,
		      struct odx_offload_write_output *out)
{
	struct odx_offload_write_params p = { .token_offset = token_offset };

	memcpy(&p.token, token, sizeof(p.token));
	memset(out, 0, sizeof(*out));
	return odx_dsm(fd, ODX_DSM_ACTION_OFFLOAD_WRITE, &p, sizeof(p), ranges, nr,
		       out, sizeof(*out));
}

int odx_release(int fd, const struct odx_token *token)
{
	return ioctl(fd, ODX_IOC_RELEASE, token) ? -errno : 0;
}

int odx_revoke(int fd, uint64_t *revoked)
{
	struct odx_revoke_args args;

	memset(&args, 0, sizeof(args));
	if (ioctl(fd, ODX_IOC_REVOKE, &args))
		return -errno;
	if (revoked)
		*revoked = args.revoked;
	return 0;
}

int odx_get_caps(int fd, struct odx_caps *caps)
{
	memset(caps, 0, sizeof(*caps));
	return ioctl(fd, ODX_IOC_CAPS, caps) ? -errno : 0;
}

void odx_zero_token(struct odx_token *token)
{
	memset(token, 0, sizeof(*token));
	token->token_type[0] = 0xff;
	token->token_type[1] = 0xff;
	token->token_type[2] = 0x00;
	token->token_type[3] = 0x01;
	token->token_id_length[0] = ODX_TOKEN_ID_LENGTH >> 8;
	token->token_id_length[1] = ODX_TOKEN_ID_LENGTH & 0xff;
}

int odx_copy(int src_fd, uint64_t src_off, int dst_fd, uint64_t dst_off, uint64_t len,
	     struct odx_copy_stats *stats, odx_progress_fn progress, void *arg)
{
	struct odx_copy_stats st = { 0 };
	int err = 0;

	while (st.bytes < len) {
		struct odx_data_set_range src = { src_off + st.bytes, len - st.bytes };
		struct odx_offload_read_output rd;
		uint64_t used = 0;

		err = odx_offload_read(src_fd, &src, 1, 0, &rd);
		if (err)
			break;
		st.tokens++;
		while (used < rd.length_protected) {
			struct odx_data_set_range dst = {
				dst_off + st.bytes + used, rd.length_protected - used,
			};
			struct odx_offload_write_output wr;

			err = odx_offload_write(dst_fd, &rd.token, used, &dst, 1, &wr);
			if (!err && !wr.length_copied)
				err = -EIO;
			if (err)
				break;
			st.writes++;
			used += wr.length_copied;
			if (progress)
				progress(st.bytes + used, len, arg);
		}
		odx_release(src_fd, &rd.token);
		st.bytes += used;
		if (err)
			break;
	}
	if (stats)
		*stats = st;
	return err;
}

/* odx_move(): progress of one backward piece, seen as progress of the whole. */
struct odx_move_progress {
	odx_progress_fn fn;
	void *arg;
	uint64_t base;
	uint64_t total;
};

static void odx_move_progress(uint64_t done, uint64_t total, void *arg)
{
	struct odx_move_progress *mp = arg;

	(void)total;
	mp->fn(mp->base + done, mp->total, mp->arg);
}

int odx_move(int src_fd, uint64_t src_off, int dst_fd, uint64_t dst_off, uint64_t len,
	     struct odx_copy_stats *stats, odx_progress_fn progress, void *arg)
{
	struct odx_copy_stats st = { 0 }, piece;
	struct odx_move_progress mp = { progress, arg, 0, len };
	struct stat ss, ds;
	struct odx_caps caps;
	uint64_t end = len, n;
	int err;

	if (fstat(src_fd, &ss) || fstat(dst_fd, &ds))
		return -errno;
	if (!S_ISBLK(ss.st_mode) || !S_ISBLK(ds.st_mode) || ss.st_rdev != ds.st_rdev ||
	    dst_off <= src_off || dst_off - src_off >= len)
		return odx_copy(src_fd, src_off, dst_fd, dst_off, len, stats, progress, arg);

	err = odx_get_caps(src_fd, &caps);
	if (!err && !caps.maximum_token_size)
		err = -EINVAL;
	while (!err && end) {
		n = end < caps.maximum_token_size ? end : caps.maximum_token_size;
		end -= n;
		mp.base = st.bytes;
		err = odx_copy(src_fd, src_off + end, dst_fd, dst_off + end, n, &piece,
			       progress ? odx_move_progress : NULL, &mp);
		st.bytes += piece.bytes;
		st.tokens += piece.tokens;
		st.writes += piece.writes;
	}
	if (stats)
		*stats = st;
	return err;
}

static int odx_ctl_ioctl(unsigned long cmd, void *arg)
{
	int fd = open("/dev/" ODX_CONTROL_NAME, O_RDWR | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, cmd, arg))
		err = -errno;
	close(fd);
	return err;
}

int odx_ctl_add(uint64_t size_bytes, uint32_t block_size, uint32_t index,
		uint32_t *index_out)
{
	struct odx_device_params p = {
		.size_bytes = size_bytes, .block_size = block_size, .index = index,
	};
	int err = odx_ctl_ioctl(ODX_CTL_ADD, &p);

	if (!err && index_out)
		*index_out = p.index;
	return err;
}

int odx_ctl_remove(uint32_t index)
{
	return odx_ctl_ioctl(ODX_CTL_REMOVE, &index);
}
