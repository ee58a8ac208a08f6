// SPDX-License-Identifier: GPL-2.0
/*
 * odx_democopy SRC SRC_OFFSET DST DST_OFFSET LENGTH
 *
 * Copies LENGTH bytes by token: offload read on SRC, offload write on DST,
 * looping over truncation. Used by `make run`; odxctl will do this for users.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/odx.h>

/* Lay out header, parameter block and one range as Windows does, and send it. */
static int dsm(int fd, uint32_t action, const void *params, size_t plen,
	       uint64_t start, uint64_t length, void *out, size_t outlen)
{
	struct odx_data_set_range r = { start, length };
	struct odx_dsm_header h = {
		.size = sizeof(h), .action = action,
		.parameter_block_offset = sizeof(h), .parameter_block_length = plen,
		.data_set_ranges_offset = sizeof(h) + plen,
		.data_set_ranges_length = sizeof(r),
	};
	unsigned char buf[sizeof(h) + sizeof(struct odx_offload_write_params) + sizeof(r)];
	struct odx_dsm_args a = {
		.input = (uintptr_t)buf, .input_length = sizeof(h) + plen + sizeof(r),
		.output = (uintptr_t)out, .output_length = outlen,
	};

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), params, plen);
	memcpy(buf + sizeof(h) + plen, &r, sizeof(r));
	return ioctl(fd, ODX_IOC_DSM, &a) ? -errno : 0;
}

int main(int argc, char **argv)
{
	struct odx_offload_write_output wo;
	struct odx_offload_read_output ro;
	uint64_t so, dof, len, done = 0;
	struct timespec t0, t1;
	struct odx_offload_write_params wp;
	struct odx_offload_read_params rp;
	int s, d, err;

	if (argc != 6) {
		fprintf(stderr, "usage: %s SRC SRC_OFFSET DST DST_OFFSET LENGTH\n", argv[0]);
		return 2;
	}
	so = strtoull(argv[2], NULL, 0);
	dof = strtoull(argv[4], NULL, 0);
	len = strtoull(argv[5], NULL, 0);
	s = open(argv[1], O_RDONLY);
	d = open(argv[3], O_RDWR);
	if (s < 0 || d < 0) {
		perror("open");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (done < len) {
		uint64_t tok_len, used = 0;

		memset(&rp, 0, sizeof(rp));
		err = dsm(s, ODX_DSM_ACTION_OFFLOAD_READ, &rp, sizeof(rp), so + done,
			  len - done, &ro, sizeof(ro));
		if (err) {
			fprintf(stderr, "offload read: %s\n", strerror(-err));
			return 1;
		}
		tok_len = ro.length_protected;
		while (used < tok_len) {
			memset(&wp, 0, sizeof(wp));
			wp.token_offset = used;
			memcpy(&wp.token, &ro.token, sizeof(ro.token));
			err = dsm(d, ODX_DSM_ACTION_OFFLOAD_WRITE, &wp, sizeof(wp),
				  dof + done + used, tok_len - used, &wo, sizeof(wo));
			if (err || !wo.length_copied) {
				fprintf(stderr, "offload write: %s\n", strerror(err ? -err : EIO));
				return 1;
			}
			used += wo.length_copied;
		}
		ioctl(s, ODX_IOC_RELEASE, &ro.token);
		done += tok_len;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("  copied %llu bytes by token in %.3f ms\n", (unsigned long long)done,
	       (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	return 0;
}
