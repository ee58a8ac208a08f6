/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libodx: a small C helper API for odx's ioctls, shared by odxctl and the tests.
 *
 *	struct odx_offload_read_output rd;
 *	struct odx_offload_write_output wr;
 *	struct odx_data_set_range src = { 0, 1 << 20 }, dst = { 8 << 20, 1 << 20 };
 *
 *	odx_offload_read(src_fd, &src, 1, 0, &rd);
 *	odx_offload_write(dst_fd, &rd.token, 0, &dst, 1, &wr);
 *
 * or simply odx_copy(src_fd, 0, dst_fd, 8 << 20, 1 << 20, NULL, NULL).
 * Every function returns 0 or a negative errno; none prints anything.
 */
#ifndef LIBODX_H
#define LIBODX_H

#include <stdint.h>
#include <linux/odx.h>

/* Offload read: mint a token for @nr ranges of @fd (open for reading). */
int odx_offload_read(int fd, const struct odx_data_set_range *ranges, unsigned int nr,
		     uint32_t ttl_ms, struct odx_offload_read_output *out);

/*
 * Offload write: copy the token's data from @token_offset into @nr ranges of @fd
 * (open for writing). On -EKEYREJECTED, out->offload_write_flags has
 * ODX_OFFLOAD_TOKEN_INVALID.
 */
int odx_offload_write(int fd, const struct odx_token *token, uint64_t token_offset,
		      const struct odx_data_set_range *ranges, unsigned int nr,
		      struct odx_offload_write_output *out);

/* End a token now. */
int odx_release(int fd, const struct odx_token *token);

/*
 * End every token minted on the device of @fd (open for writing) before the
 * call; *@revoked (if not NULL) is set to how many. 0 or -errno (-EBADF: @fd
 * is not open for writing).
 */
int odx_revoke(int fd, uint64_t *revoked);

/* The device's copy offload capabilities. */
int odx_get_caps(int fd, struct odx_caps *caps);

/* The well-known zero token: an offload write with it zero-fills. */
void odx_zero_token(struct odx_token *token);

/* Progress of odx_copy(): called after every offload write. */
typedef void (*odx_progress_fn)(uint64_t done, uint64_t total, void *arg);

/* What odx_copy() did. */
struct odx_copy_stats {
	uint64_t bytes;		/* bytes copied */
	unsigned int tokens;	/* offload reads */
	unsigned int writes;	/* offload writes */
};

/*
 * Copy @len bytes from @src_fd at @src_off to @dst_fd at @dst_off by token,
 * looping over the per-call limits and truncation, and releasing each token
 * when it is used up. @stats and @progress may be NULL.
 */
int odx_copy(int src_fd, uint64_t src_off, int dst_fd, uint64_t dst_off, uint64_t len,
	     struct odx_copy_stats *stats, odx_progress_fn progress, void *arg);

/*
 * odx_copy() with memmove() semantics: also right when @src_fd and @dst_fd are
 * the same device and the ranges overlap with @dst_off above @src_off. Then the
 * copy runs from the end backwards, in pieces of at most the device's maximum
 * token size (ODX_IOC_CAPS), so every piece is minted (snapshotted) before any
 * write can reach its source. In every other case it is odx_copy(). @stats
 * adds up the pieces; @progress sees the bytes done so far, whatever the order.
 * After an error in the backward case, the bytes copied are the last ones of
 * the range, not the first.
 */
int odx_move(int src_fd, uint64_t src_off, int dst_fd, uint64_t dst_off, uint64_t len,
	     struct odx_copy_stats *stats, odx_progress_fn progress, void *arg);

/* /dev/odx-control: create a device (index ODX_INDEX_ANY picks one); its index. */
int odx_ctl_add(uint64_t size_bytes, uint32_t block_size, uint32_t index,
		uint32_t *index_out);
/* /dev/odx-control: remove device @index. */
int odx_ctl_remove(uint32_t index);

#endif /* LIBODX_H */
