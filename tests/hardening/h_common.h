/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the odx hardening suite (tests/hardening/), on top of the
 * token suite's helpers (tests/token/odx_test.h, compiled in, not changed).
 *
 * - h_sh: a page shared by the program and the forked children t_main() runs
 *   each case in, so cases can hand counters (cases, operations, faults) back.
 * - expect(): one hostile-input case: counts it and checks the exact result.
 * - Guard pages: buffers that end exactly where an inaccessible page begins,
 *   a read-only page, an inaccessible page, addresses the kernel must refuse.
 * - Module-wide counters in /sys/class/misc/odx-control/.
 * - Fault injection through /proc/thread-self/fail-nth.
 */
#ifndef H_COMMON_H
#define H_COMMON_H

#include "odx_test.h"

#include <stdarg.h>

#define H_MAX_DEVS	8

struct h_shared {
	long cases;		/* hostile-input cases run (all classes) */
	long class_cases;	/* in the class now running */
	long ops;		/* stress operations */
	long faults;		/* faults injected */
	long keyrej[H_MAX_DEVS];	/* offload writes answered EKEYREJECTED, per device */
	long known_bugs;	/* known driver bugs reproduced (see known_bug()) */
	long misc[16];		/* per-program use */
};

extern struct h_shared *h_sh;

/* Map h_sh (MAP_SHARED, zeroed). Call before t_main(). */
void h_shared_init(void);

/* errno name of a 0/-errno value, into a caller's buffer. */
const char *h_err(long ret, char *buf, size_t len);

/*
 * One case: count it and check got == want. desc is printf-style. Returns
 * true when it matched.
 */
bool h_expect(const char *file, int line, long got, long want, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
#define expect(got, want, ...) h_expect(__FILE__, __LINE__, (got), (want), __VA_ARGS__)
/* Count a case whose check is a condition. */
bool h_expect_true(const char *file, int line, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
#define expect_true(ok, ...) h_expect_true(__FILE__, __LINE__, !!(ok), __VA_ARGS__)
/*
 * A case that checks behaviour a known, reported driver bug breaks: counted;
 * when !ok it prints "# KNOWN DRIVER BUG ID: ..." and is not a failure, unless
 * ODX_HARDENING_STRICT=1 is set (then it fails like any case). Returns ok.
 */
bool h_known_bug(const char *file, int line, bool ok, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
#define known_bug(ok, id, ...) h_known_bug(__FILE__, __LINE__, !!(ok), (id), __VA_ARGS__)
/* Print "# NAME: N cases" for the class that ran in this child. */
void class_done(const char *name);

/* ------------------------------------------------------------------------ */
/* Memory the kernel must fault on */

/* An inaccessible (PROT_NONE) page. */
void *noaccess_page(void);
/* A read-only page (zeroed). */
void *readonly_page(void);
/* A pointer p such that [p, p + len) is writable and p + len is the start of
 * an inaccessible page. len up to 256 KiB. Each call reuses the same region. */
void *guard_tail(size_t len);
/* A second, independent region (so input and output can both be guarded). */
void *guard_tail2(size_t len);
/* A kernel address and a non-canonical one. */
#define KERNEL_PTR	((void *)0xffff888000000000ULL)
#define NONCANON_PTR	((void *)0x0000800000000000ULL)

/* ------------------------------------------------------------------------ */
/* Thread-safe device access (odx_test.c's dev_path() shares a static buffer) */

/* Open /dev/odxN; -errno on failure. */
int hdev_try_open(unsigned int idx, int flags);
/* The same, REQUIRE()ing success. */
int hdev_open(unsigned int idx, int flags);
/* Whole-buffer O_DIRECT write / read through a descriptor opened for the call. */
int hdev_direct_write(unsigned int idx, const void *buf, size_t len, uint64_t off);
int hdev_direct_read(unsigned int idx, void *buf, size_t len, uint64_t off);
/* Wait up to 5 s for /dev/odxN to appear (present) or vanish. */
bool hwait_node(unsigned int idx, bool present);

/* ------------------------------------------------------------------------ */
/* ioctls */

/* ODX_IOC_DSM with an explicit args struct (0 or -errno). */
int dsm_ioctl(int fd, struct odx_dsm_args *a);
/* Any ioctl, 0 or -errno. */
int xioctl(int fd, unsigned long cmd, void *arg);
/* /dev/odx-control, opened O_RDWR (REQUIRE()s). */
int ctl_open(void);

/* /sys/class/misc/odx-control/NAME (tokens_live, token_pages, tokens_revoked). */
long long ctl_stat(const char *name);
/* /sys/block/odxN/odx/NAME, or -1 if the device does not exist. */
long long odx_stat_try(unsigned int idx, const char *name);
/* A bitmap of the odx devices that exist (bit N: /sys/block/odxN), N < 1024. */
void odx_dev_list(uint64_t map[16]);

/* Whole-device fill with the test pattern and byte-exact comparison. */
int dev_fill_all(unsigned int idx, uint64_t size, uint64_t seed);
/* 0 if the device holds pattern(seed) exactly; else the count of bad bytes
 * (diagnostics printed). Also returns a checksum of the contents. */
long long dev_verify_all(unsigned int idx, uint64_t size, uint64_t seed,
			 uint64_t *checksum);
uint64_t h_hash(const void *buf, size_t len, uint64_t h);

/* ------------------------------------------------------------------------ */
/* Fault injection (debug kernel) */

/* true if /sys/kernel/debug/failslab exists. */
bool fault_available(void);
/* Configure failslab and fail_page_alloc for fail-nth use (every allocation
 * of this task counts, nothing is printed), saving the old settings. */
int fault_setup(void);
void fault_restore(void);
/* Per-thread fail-nth file, opened once. */
int failnth_open(void);
/* Arm: the n-th allocation of this thread from now fails. */
int failnth_arm(int fd, unsigned int n);
/* After the operation: true if the fault was injected (the counter ran out),
 * and disarm. */
bool failnth_hit(int fd);

/* ------------------------------------------------------------------------ */
/* Misc */

double now_s(void);
void msleep(unsigned int ms);
/* Run argv (execvp) with stdout/stderr to a file (or inherited if NULL);
 * returns the pid. */
pid_t spawn(char *const argv[], const char *outfile);
/* Drop the page cache of a block device (BLKFLSBUF). */
int dev_flush_cache(int fd);

#endif /* H_COMMON_H */
