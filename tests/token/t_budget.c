// SPDX-License-Identifier: GPL-2.0
/*
 * t_budget: a token costs what it holds, within a per-device budget.
 *
 * A reader (an fd open read-only) mints tokens in a loop; each covers 64
 * overlapping 1 MiB ranges. It must be refused with EDQUOT before the device's
 * token memory (/sys/block/odxN/odx/token_bytes) passes the device's budget
 * (token_bytes_max), and the guest's MemAvailable must never drop by more than
 * the budget and some slack. Before this budget existed, each such token over
 * an empty device took about 128 KiB (a slot per page of its length) and
 * nothing refused them until max_tokens (131072): the cases stop themselves
 * (and fail) when MemAvailable drops past the budget, so they fail safely on
 * such a module.
 *
 * Needs the default pass (nr_devices=2 size_mb=64).
 */
#include "odx_test.h"
#include "odx_harness.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>

#define BUDGET		(8 * MiB)
/* What else moves MemAvailable meanwhile (page cache, the test itself). */
#define SLACK		(8 * MiB)
/* Give up after this many tokens without a refusal. */
#define MAX_MINTS	200000

/* /sys/block/odxN/odx/NAME := val; 0 or -errno. */
static int attr_write(unsigned int idx, const char *name, const char *val)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/block/odx%u/odx/%s", idx, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

struct saved_attr {
	unsigned int idx;
	const char *name;
	char val[32];
};

static void attr_restore(void *arg)
{
	struct saved_attr *s = arg;

	attr_write(s->idx, s->name, s->val);
	free(s);
}

/* /sys/block/odxN/odx/NAME as a number, or -1 when it cannot be read. */
static long long attr_read(unsigned int idx, const char *name)
{
	char path[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/block/odx%u/odx/%s", idx, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/*
 * Set an attribute for the rest of the case. A module without it fails the
 * check, but the case goes on, so it shows what happens without a budget.
 */
static void attr_set(unsigned int idx, const char *name, uint64_t v)
{
	struct saved_attr *s = calloc(1, sizeof(*s));
	char buf[32];

	REQUIRE(s, "calloc");
	s->idx = idx;
	s->name = name;
	snprintf(s->val, sizeof(s->val), "%lld", attr_read(idx, name));
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	if (!CHECK_RET(attr_write(idx, name, buf), 0)) {
		free(s);
		return;
	}
	t_defer(attr_restore, s);
}

static uint64_t mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	unsigned long long kb = 0;

	REQUIRE(f, "/proc/meminfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(f);
	REQUIRE(kb, "no MemAvailable in /proc/meminfo");
	return kb * KiB;
}

/* End every token of device idx (ODX_IOC_REVOKE, libodx). */
static void revoke_all(unsigned int idx)
{
	int fd = dev_open(idx, O_RDWR);

	CHECK_RET(odx_revoke(fd, NULL), 0);
	close(fd);
}

static void revoke_all_deferred(void *arg)
{
	int fd = dev_try_open((unsigned int)(uintptr_t)arg, O_RDWR);

	if (fd >= 0) {
		odx_revoke(fd, NULL);
		close(fd);
	}
}

/*
 * Mint on idx, read-only, 64 overlapping 1 MiB ranges from base, until
 * refused. Returns the tokens minted; *err the refusal.
 */
static unsigned int mint_until_refused(unsigned int idx, uint64_t base, uint64_t budget,
				       int *err)
{
	struct odx_data_set_range r[64];
	struct odx_offload_read_output out;
	uint64_t avail0 = mem_available(), allowed = budget + SLACK;
	unsigned int i, n = 0;
	int fd = dev_open(idx, O_RDONLY);

	/*
	 * The debug kernel adds memory per allocation that no budget sees
	 * (kmemleak's object, KASAN's shadow, redzones and quarantine): allow
	 * three times the budget there.
	 */
	if (!access("/sys/kernel/debug/kmemleak", F_OK)) {
		allowed = 3 * budget + SLACK;
		t_diag("debug kernel (kmemleak): MemAvailable may drop by 3 x the budget + slack");
	}

	for (i = 0; i < 64; i++)
		r[i] = R(base + i * 4 * KiB, 1 * MiB);
	*err = 0;
	while (n < MAX_MINTS) {
		*err = offload_read(fd, r, 64, 600000, &out);
		if (*err)
			break;
		n++;
		if (n % 64 == 0) {
			uint64_t avail = mem_available();
			long long held = attr_read(idx, "token_bytes");

			/* -1: no such attribute (the MemAvailable check still holds). */
			if (held >= 0 && !CHECK((uint64_t)held <= budget,
				   "after %u tokens the device's tokens hold %lld bytes, past the budget %" PRIu64,
				   n, held, budget))
				break;
			if (!CHECK(avail + allowed >= avail0,
				   "after %u tokens MemAvailable dropped by %" PRIu64 " KiB, more than %" PRIu64 " KiB (budget %" PRIu64 " KiB)",
				   n, (uint64_t)((avail0 - avail) / KiB), (uint64_t)(allowed / KiB),
				   (uint64_t)(budget / KiB)))
				break;
		}
	}
	close(fd);
	t_diag("odx%u: %u tokens minted, then %s; the tokens hold %lld bytes (budget %" PRIu64 "), MemAvailable dropped by %lld KiB",
	       idx, n, t_errname(*err), attr_read(idx, "token_bytes"), budget,
	       ((long long)avail0 - (long long)mem_available()) / 1024);
	return n;
}

/* Over an empty device: holes cost no per-page memory, and the budget holds. */
static void budget_holes(void)
{
	int err;
	unsigned int n;

	t_defer(revoke_all_deferred, (void *)(uintptr_t)0);
	REQUIRE_RET(t_system("blkdiscard /dev/odx0"), 0);
	attr_set(0, "token_bytes_max", BUDGET);
	n = mint_until_refused(0, 0, BUDGET, &err);
	CHECK_RET(err, -EDQUOT);
	/* A token of 64 x 1 MiB of holes costs a few KiB, not 128 KiB. */
	CHECK(n > BUDGET / (16 * KiB), "only %u tokens of holes fit in %llu bytes", n, BUDGET);
	CHECK_U64("token_pages (holes pin nothing)", odx_stat(0, "token_pages"), 0);
	revoke_all(0);
	CHECK_U64("token_bytes after revoking them all", odx_stat(0, "token_bytes"), 0);
}

/* Over written data: overlapping ranges pin each page once; refused in budget. */
static void budget_written(void)
{
	int err;
	unsigned int n;

	t_defer(revoke_all_deferred, (void *)(uintptr_t)0);
	dev_fill(0, 0, 2 * MiB, t_seed());
	attr_set(0, "token_bytes_max", BUDGET);
	n = mint_until_refused(0, 0, BUDGET, &err);
	CHECK_RET(err, -EDQUOT);
	/* Each token pins 1 MiB + 252 KiB of distinct pages (the union), once. */
	CHECK(n >= 4 && n <= BUDGET / MiB, "%u tokens of 1.25 MiB each fit in %llu bytes", n,
	      BUDGET);
	CHECK_U64("token_pages", odx_stat(0, "token_pages"), (uint64_t)n * 319);
	revoke_all(0);
	CHECK_U64("token_bytes after revoking them all", odx_stat(0, "token_bytes"), 0);
	CHECK_U64("token_pages after revoking them all", odx_stat(0, "token_pages"), 0);
}

/* One device's exhausted budget does not stop minting on another. */
static void budget_per_device(void)
{
	struct odx_data_set_range r[] = { R(0, 64 * KiB) };
	struct odx_offload_read_output out;
	int err, fd;

	t_defer(revoke_all_deferred, (void *)(uintptr_t)0);
	t_defer(revoke_all_deferred, (void *)(uintptr_t)1);
	REQUIRE_RET(t_system("blkdiscard /dev/odx0"), 0);
	attr_set(0, "token_bytes_max", 1 * MiB);
	mint_until_refused(0, 0, 1 * MiB, &err);
	CHECK_RET(err, -EDQUOT);

	fd = dev_open(1, O_RDONLY);
	CHECK_RET(offload_read(fd, r, 1, 0, &out), 0);
	close(fd);
	fd = dev_open(0, O_RDONLY);
	CHECK_RET(offload_read(fd, r, 1, 0, &out), -EDQUOT);
	/* Raising the budget lets minting go on; lowering it refuses again. */
	REQUIRE_RET(attr_write(0, "token_bytes_max", "2097152"), 0);
	CHECK_RET(offload_read(fd, r, 1, 0, &out), 0);
	REQUIRE_RET(attr_write(0, "token_bytes_max", "0"), 0);
	CHECK_RET(offload_read(fd, r, 1, 0, &out), -EDQUOT);
	close(fd);
	revoke_all(0);
	CHECK_U64("token_bytes of odx0 after revoking", odx_stat(0, "token_bytes"), 0);
	CHECK(odx_stat(1, "token_bytes") > 0, "odx1's token holds nothing?");
}

/* The attributes: what they accept, and token_bytes follows the tokens. */
static void budget_attrs(void)
{
	struct odx_data_set_range r[] = { R(0, 8 * KiB), R(4 * KiB, 8 * KiB) };
	struct odx_offload_read_output out;
	long long b0;
	int fd;

	CHECK(odx_stat(0, "token_bytes_max") > 0, "token_bytes_max is 0 by default");
	CHECK_RET(attr_write(0, "token_bytes_max", "lots"), -EINVAL);
	CHECK_RET(attr_write(0, "token_bytes_max", "-1"), -EINVAL);
	CHECK_RET(attr_write(0, "token_bytes", "0"), -EACCES);
	dev_fill(0, 0, 16 * KiB, t_seed());
	b0 = odx_stat(0, "token_bytes");
	fd = dev_open(0, O_RDONLY);
	REQUIRE_RET(offload_read(fd, r, 2, 0, &out), 0);
	/* Three distinct pages (the ranges overlap), each charged once. */
	CHECK_U64("token_pages", odx_stat(0, "token_pages"), 3);
	CHECK(odx_stat(0, "token_bytes") - b0 >= (long long)(3 * PAGE) &&
	      odx_stat(0, "token_bytes") - b0 < (long long)(3 * PAGE + 4 * KiB),
	      "a token of 3 pages holds %lld bytes", odx_stat(0, "token_bytes") - b0);
	CHECK_RET(odx_release(fd, &out.token), 0);
	close(fd);
	CHECK_U64("token_bytes after the release", odx_stat(0, "token_bytes"), b0);
}

/* The cases, in the order they run (kselftest harness: tests/lib/odx_harness.h). */
ODX_CASE(budget_holes, 600)
ODX_CASE(budget_written, 0)
ODX_CASE(budget_per_device, 0)
ODX_CASE(budget_attrs, 0)

ODX_HARNESS_MAIN
