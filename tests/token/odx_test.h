/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the odx token-copy guest tests (tests/token/).
 *
 * - DSM input buffers laid out exactly as Windows' DeviceDsmInitializeInput()
 *   and DeviceDsmAddDataSetRange() (ntddstor.h) lay them out: the 28-byte
 *   header, the parameter block at the header size rounded up to the block's
 *   alignment (4 for offload read: offset 28; 8 for offload write: offset 32),
 *   then the ranges at the end of the parameter block rounded up to 8.
 * - offload_read() / offload_write(): the DSM ioctl with those buffers,
 *   checking what the kernel writes back, returning 0 or -errno. The plain
 *   calls come from libodx (tools/lib/libodx.h, compiled in): odx_release(),
 *   odx_revoke(), odx_get_caps(), odx_ctl_add(), odx_ctl_remove().
 * - Known data: every byte is a function of a seed and its absolute device
 *   offset, so data copied from the wrong place, or not copied, never matches.
 * - struct area: a stretch of a device together with the bytes it must hold
 *   (the model). Copies are modelled in userspace (model_copy()) and the whole
 *   area, guards included, is compared byte for byte with the device.
 * - CHECK()/REQUIRE(): checks with diagnostics ("# " lines) that fail the
 *   running kselftest harness case (tests/lib/odx_harness.h runs the cases).
 */
#ifndef ODX_TEST_H
#define ODX_TEST_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <linux/odx.h>
#include "libodx.h"

#define KiB	1024ULL
#define MiB	(1024 * KiB)
#define PAGE	4096ULL
#define SECTOR	512ULL

/* Devices the suite's module load creates (nr_devices=2 size_mb=64). */
#define ODX_DEV_SIZE	(64 * MiB)

/* ------------------------------------------------------------------------ */
/* Reporter */

extern int t_failures;

void t_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool t_check(bool ok, const char *file, int line, const char *expr,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void t_fatal(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

/* CHECK(cond, fmt, ...): record a failure (with a diagnostic) if !cond. */
#define CHECK(cond, ...) t_check(!!(cond), __FILE__, __LINE__, #cond, __VA_ARGS__)
/* REQUIRE(cond, fmt, ...): like CHECK, but the case cannot go on. */
#define REQUIRE(cond, ...)						\
	do {								\
		if (!CHECK(cond, __VA_ARGS__))				\
			t_fatal(__FILE__, __LINE__, "cannot continue");	\
	} while (0)
/* CHECK_RET(got, want): compare a 0/-errno result. */
#define CHECK_RET(got, want)	t_check_ret((got), (want), __FILE__, __LINE__, #got)
#define REQUIRE_RET(got, want)						\
	do {								\
		if (!CHECK_RET(got, want))				\
			t_fatal(__FILE__, __LINE__, "cannot continue");	\
	} while (0)
#define CHECK_U64(what, got, want)					\
	t_check_u64((what), (uint64_t)(got), (uint64_t)(want), __FILE__, __LINE__)

bool t_check_ret(long got, long want, const char *file, int line, const char *expr);
bool t_check_u64(const char *what, uint64_t got, uint64_t want, const char *file,
		 int line);
/* "EINVAL", "0", ... for -errno values. */
const char *t_errname(long ret);

/* Run fn(arg) when the case ends (normally or through REQUIRE). LIFO. */
void t_defer(void (*fn)(void *), void *arg);

/*
 * The case runner is the kernel's kselftest harness (tests/lib/odx_harness.h:
 * one TEST_F per case, a fork per case, KTAP out). These connect the helpers'
 * CHECK/REQUIRE to it: t_case_begin() when a case starts (in its process),
 * with the harness's way to abort the case (a longjmp to its teardown);
 * t_case_end() in its teardown runs the deferred cleanups and returns the
 * number of failed checks (the case fails when it is not 0).
 * t_case_setup_hook, when set, runs in t_case_begin().
 */
void t_case_begin(const char *name, void (*bail)(void));
int t_case_end(void);
extern void (*t_case_setup_hook)(void);

/* A seed unique to this case and call (so no two fills look alike). */
uint64_t t_seed(void);

/* ------------------------------------------------------------------------ */
/* Devices, sysfs, module parameters, shell */

/* Open /dev/odxN (with O_CLOEXEC); REQUIRE()s success. */
int dev_open(unsigned int idx, int flags);
/* Like dev_open() but returns -errno on failure. */
int dev_try_open(unsigned int idx, int flags);
const char *dev_path(unsigned int idx);

/* /sys/block/odxN/odx/NAME as a number; REQUIRE()s that it can be read. */
long long odx_stat(unsigned int idx, const char *name);
/*
 * A per-device setting everywhere: the module's default for devices made
 * later (/sys/module/odx/parameters/NAME) and /sys/block/odxN/odx/NAME of
 * every device there is; 0 or -errno.
 */
int setting_write(const char *name, const char *val);
/* Read it (trailing newline stripped) into buf; 0 or -errno. */
int param_read(const char *name, char *buf, size_t len);

/* Run a shell command; returns its exit status (-1 if it did not exit). */
int t_system(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* /dev/odx-control (libodx: odx_ctl_add(), odx_ctl_remove()) */
/* Create a device (removed at the end of the case unless removed before),
 * wait for its node. REQUIRE()s success; returns the index. */
uint32_t ctl_add_dev(uint64_t size_bytes, uint32_t block_size);
/* Wait up to 5 s for /dev/odxN to appear (present) or vanish (!present). */
bool wait_node(uint32_t index, bool present);

/* ------------------------------------------------------------------------ */
/* Data */

uint8_t pat_byte(uint64_t seed, uint64_t off);
/* buf holds the bytes at absolute offsets [off, off + len). */
void pat_fill(void *buf, size_t len, uint64_t seed, uint64_t off);

void *xmalloc_aligned(size_t len);	/* 4096-aligned; REQUIRE()s success */

/* Whole-buffer I/O at an offset; 0 or -errno (short transfers are -EIO). */
int pwrite_all(int fd, const void *buf, size_t len, uint64_t off);
int pread_all(int fd, void *buf, size_t len, uint64_t off);
/* Through an O_DIRECT descriptor of /dev/odxN opened for the call. */
int direct_write(unsigned int idx, const void *buf, size_t len, uint64_t off);
int direct_read(unsigned int idx, void *buf, size_t len, uint64_t off);
/* Fill [off, off + len) of /dev/odxN with the pattern, O_DIRECT. REQUIRE()s. */
void dev_fill(unsigned int idx, uint64_t off, uint64_t len, uint64_t seed);

/*
 * Compare got with want ([len] bytes standing for device offsets base..);
 * on a difference print the first few (offset, want, got) and the count.
 * Returns true when equal. 'what' names the comparison.
 */
bool buf_same(const char *what, const void *got, const void *want, size_t len,
	      uint64_t base);

/* A stretch of a device and the bytes it must hold. */
struct area {
	unsigned int idx;	/* /dev/odxN */
	uint64_t off, len;
	uint8_t *img;		/* expected contents */
};

/* Fill the device and the model with the pattern (O_DIRECT). */
void area_init(struct area *a, unsigned int idx, uint64_t off, uint64_t len,
	       uint64_t seed);
/* The model now says [off, off + len) holds the pattern (device untouched). */
void area_model_pattern(struct area *a, uint64_t off, uint64_t len, uint64_t seed);
/* The model now says [off, off + len) holds zeros. */
void area_model_zero(struct area *a, uint64_t off, uint64_t len);
/* Read the whole area with O_DIRECT and compare it with the model. */
bool area_check(const struct area *a, const char *what);
/* Same, through a buffered (page cache) read on fd. */
bool area_check_fd(const struct area *a, int fd, const char *what);
void area_free(struct area *a);

/* Copy the concatenation of ranges (all inside a) into out. */
void area_gather(const struct area *a, const struct odx_data_set_range *r,
		 unsigned int n, uint8_t *out);
/* Write len bytes of data into the concatenation of ranges (inside a). */
void area_scatter(struct area *a, const struct odx_data_set_range *r,
		  unsigned int n, const uint8_t *data, uint64_t len);

/*
 * Model an offload write: the token's data is the concatenation of src_r in
 * src (as it is in the model now, i.e. at minting); bytes from token_offset go
 * to the concatenation of dst_r in dst, at most max bytes (0: no limit).
 * src and dst may be the same area. Returns the bytes modelled.
 */
uint64_t model_copy(const struct area *src, const struct odx_data_set_range *src_r,
		    unsigned int ns, uint64_t token_offset, struct area *dst,
		    const struct odx_data_set_range *dst_r, unsigned int nd,
		    uint64_t max);
/* Model a zero-token write of at most max bytes (0: no limit). */
uint64_t model_zero(struct area *dst, const struct odx_data_set_range *dst_r,
		    unsigned int nd, uint64_t max);

uint64_t ranges_total(const struct odx_data_set_range *r, unsigned int n);

/* ------------------------------------------------------------------------ */
/* DSM */

/* Windows layout offsets. */
#define DSM_READ_PARAM_OFF	28	/* round_up(28, alignof(read params) = 4) */
#define DSM_WRITE_PARAM_OFF	32	/* round_up(28, alignof(write params) = 8) */
#define DSM_READ_RANGES_OFF	48	/* round_up(28 + 16, 8) */
#define DSM_WRITE_RANGES_OFF	560	/* round_up(32 + 528, 8) */

size_t dsm_build_read(void *buf, size_t cap, const struct odx_data_set_range *r,
		      unsigned int n, uint32_t ttl_ms);
size_t dsm_build_write(void *buf, size_t cap, const struct odx_token *token,
		       uint64_t token_offset, const struct odx_data_set_range *r,
		       unsigned int n);

/* ODX_IOC_DSM; 0 or -errno. written: output_written (may be NULL). */
int odx_dsm(int fd, const void *in, uint32_t inlen, void *out, uint32_t outlen,
	    uint32_t *written);

/*
 * Offload read: out is poisoned before the call; on success the token is
 * remembered and released when the case ends, and the fixed output fields
 * are checked (output_written 536, token_length 512, reserved and padding 0,
 * token type 00 80 00 00 and id length 01 F8). 0 or -errno.
 */
int offload_read(int fd, const struct odx_data_set_range *r, unsigned int n,
		 uint32_t ttl_ms, struct odx_offload_read_output *out);
/* Offload write; out is poisoned before the call. On success (and on
 * EKEYREJECTED) output_written must be 16. 0 or -errno. */
int offload_write(int fd, const struct odx_token *token, uint64_t token_offset,
		  const struct odx_data_set_range *r, unsigned int n,
		  struct odx_offload_write_output *out);
/* The well-known zero token (rest of the bytes: fill). */
void zero_token(struct odx_token *t, uint8_t fill);

/* Mint on /dev/odxN a token for the ranges; REQUIRE()s success and that it
 * covers all of them. */
void mint(unsigned int idx, const struct odx_data_set_range *r, unsigned int n,
	  uint32_t ttl_ms, struct odx_token *token);

#define R(o, l)	((struct odx_data_set_range){ .starting_offset = (o), .length_in_bytes = (l) })
#define NR(a)	(sizeof(a) / sizeof((a)[0]))

#endif /* ODX_TEST_H */
