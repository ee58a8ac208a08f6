// SPDX-License-Identifier: GPL-2.0
/*
 * odxbench: timing for `make bench` (runs in the guest).
 *
 *   odxbench copy DEV SRC_OFF DST_OFF LEN MODE REPS
 *	MODE: offload | direct (pread/pwrite O_DIRECT, 1 MiB buffer).
 *	Prints the median seconds of REPS copies.
 *   odxbench mint DEV OFF LEN REPS
 *	Median seconds of one offload read of LEN bytes (token released after).
 *   odxbench phases DEV SRC_OFF DST_OFF LEN REPS
 *	Median seconds of each phase of one offload copy of LEN bytes: offload
 *	read, offload write, token release; prints "read write release".
 *   odxbench cow DEV SRC_OFF DST_OFF REPS
 *	Copy-on-write of a shared 2 MiB chunk: REPS times, offload-copies the 2
 *	MiB at SRC_OFF (data, chunk-aligned) to DST_OFF (chunk-aligned), then
 *	times one O_DIRECT 4 KiB write into the copy (the write that splits the
 *	shared chunk; at its first, last and a middle page in turn) and one into
 *	the page that write made (a plain write in place). REPS at most 1000.
 *	Prints the median, 99th percentile and worst of each in microseconds
 *	("split_med split_p99 split_max plain_med plain_p99 plain_max").
 *   odxbench tokens DEV N OPS
 *	Mints N live tokens (4 KiB each), then times OPS mints and OPS lookups
 *	(an offload write of one 4 KiB block with a live token); prints
 *	"mint_us lookup_us" per operation. Releases everything after.
 *   odxbench pin DEV N
 *	Mints N tokens over the first N*64 KiB of DEV and sleeps until killed
 *	(pins pages while fio runs).
 *   odxbench hold DEV N
 *	Mints N live tokens of 4 KiB each, at successive pages of DEV (wrapping
 *	at its end), with the longest lifetime, closes DEV and exits: the tokens
 *	stay live until revoked (or the device is removed).
 *   odxbench latency DEV N SECONDS
 *	Mints N live tokens on DEV, then for SECONDS looks them up (an offload
 *	write of one 4 KiB block each) back to back; prints the operations and
 *	the median, 99.9th percentile and worst latency in microseconds, and the
 *	worst one's time since the start ("ops median_us p999_us max_us at_s").
 *	Releases its tokens after.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libodx.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "odxbench: %s: %s\n", what, strerror(err));
	exit(1);
}

static int copy_direct(int fd, uint64_t so, uint64_t dof, uint64_t len)
{
	size_t bs = 1 << 20;
	uint64_t done;
	void *buf;

	if (posix_memalign(&buf, 4096, bs))
		return -ENOMEM;
	for (done = 0; done < len; done += bs) {
		size_t n = len - done < bs ? len - done : bs;

		if (pread(fd, buf, n, so + done) != (ssize_t)n ||
		    pwrite(fd, buf, n, dof + done) != (ssize_t)n) {
			free(buf);
			return -errno;
		}
	}
	free(buf);
	return 0;
}

static int cmd_copy(char **argv)
{
	uint64_t so = strtoull(argv[1], NULL, 0), dof = strtoull(argv[2], NULL, 0);
	uint64_t len = strtoull(argv[3], NULL, 0);
	int reps = atoi(argv[5]), i, err, fd;
	int direct = !strcmp(argv[4], "direct");
	double t[64];

	fd = open(argv[0], O_RDWR | (direct ? O_DIRECT : 0));
	if (fd < 0)
		die("open", errno);
	for (i = 0; i < reps && i < 64; i++) {
		double t0 = now();

		err = direct ? copy_direct(fd, so, dof, len) :
			odx_copy(fd, so, fd, dof, len, NULL, NULL, NULL);
		if (err)
			die("copy", -err);
		t[i] = now() - t0;
	}
	printf("%.6f\n", median(t, i));
	return 0;
}

static int cmd_mint(char **argv)
{
	struct odx_data_set_range r = { strtoull(argv[1], NULL, 0), strtoull(argv[2], NULL, 0) };
	int reps = atoi(argv[3]), i, err, fd;
	struct odx_offload_read_output out;
	double t[64];

	fd = open(argv[0], O_RDWR);
	if (fd < 0)
		die("open", errno);
	for (i = 0; i < reps && i < 64; i++) {
		double t0 = now();

		err = odx_offload_read(fd, &r, 1, 0, &out);
		t[i] = now() - t0;
		if (err)
			die("offload read", -err);
		odx_release(fd, &out.token);
	}
	printf("%.6f\n", median(t, i));
	return 0;
}

static int cmd_phases(char **argv)
{
	struct odx_data_set_range r = { strtoull(argv[1], NULL, 0), strtoull(argv[3], NULL, 0) };
	struct odx_data_set_range d = { strtoull(argv[2], NULL, 0), r.length_in_bytes };
	int reps = atoi(argv[4]), i, err, fd;
	struct odx_offload_write_output wo;
	struct odx_offload_read_output out;
	double t[3][64], t0, t1, t2;

	fd = open(argv[0], O_RDWR);
	if (fd < 0)
		die("open", errno);
	for (i = 0; i < reps && i < 64; i++) {
		t0 = now();
		err = odx_offload_read(fd, &r, 1, 0, &out);
		t1 = now();
		if (err)
			die("offload read", -err);
		err = odx_offload_write(fd, &out.token, 0, &d, 1, &wo);
		t2 = now();
		if (err)
			die("offload write", -err);
		odx_release(fd, &out.token);
		t[0][i] = t1 - t0;
		t[1][i] = t2 - t1;
		t[2][i] = now() - t2;
	}
	printf("%.6f %.6f %.6f\n", median(t[0], i), median(t[1], i), median(t[2], i));
	return 0;
}

#define COW_MAX_REPS	1000

/* The @pct-th percentile of @v (@n values, sorted). */
static double pctile(const double *v, int n, double pct)
{
	int i = (int)(pct / 100 * (n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

static int cmd_cow(char **argv)
{
	uint64_t so = strtoull(argv[1], NULL, 0), dof = strtoull(argv[2], NULL, 0);
	const uint64_t chunk = 2 << 20, pages[3] = { 0, 511, 200 };
	int reps = atoi(argv[3]), i, err, fd;
	double *split, *plain, t0;
	void *buf;

	if (reps < 1 || reps > COW_MAX_REPS)
		die("reps", EINVAL);
	split = calloc(reps, sizeof(*split));
	plain = calloc(reps, sizeof(*plain));
	fd = open(argv[0], O_RDWR | O_DIRECT);
	if (fd < 0)
		die("open", errno);
	if (!split || !plain || posix_memalign(&buf, 4096, 4096))
		die("buffer", ENOMEM);
	memset(buf, 0x5a, 4096);
	for (i = 0; i < reps; i++) {
		uint64_t at = dof + pages[i % 3] * 4096;

		err = odx_copy(fd, so, fd, dof, chunk, NULL, NULL, NULL);
		if (err)
			die("copy", -err);
		t0 = now();
		if (pwrite(fd, buf, 4096, at) != 4096)
			die("pwrite", errno);
		split[i] = (now() - t0) * 1e6;
		t0 = now();
		if (pwrite(fd, buf, 4096, at) != 4096)
			die("pwrite", errno);
		plain[i] = (now() - t0) * 1e6;
	}
	qsort(split, reps, sizeof(*split), cmp_double);
	qsort(plain, reps, sizeof(*plain), cmp_double);
	printf("%.1f %.1f %.1f %.1f %.1f %.1f\n", pctile(split, reps, 50),
	       pctile(split, reps, 99), split[reps - 1], pctile(plain, reps, 50),
	       pctile(plain, reps, 99), plain[reps - 1]);
	free(buf);
	free(split);
	free(plain);
	return 0;
}

static int cmd_tokens(char **argv)
{
	long n = atol(argv[1]), ops = atol(argv[2]), i;
	struct odx_offload_read_output *toks, out;
	struct odx_offload_write_output wo;
	struct odx_data_set_range r = { 0, 4096 }, d = { 1 << 20, 4096 };
	double t0, tm, tl;
	int fd, err;

	fd = open(argv[0], O_RDWR);
	if (fd < 0)
		die("open", errno);
	toks = calloc(n + ops, sizeof(*toks));
	if (!toks)
		die("calloc", ENOMEM);
	for (i = 0; i < n; i++) {
		err = odx_offload_read(fd, &r, 1, 3600000, &toks[i]);
		if (err)
			die("offload read", -err);
	}
	t0 = now();
	for (i = 0; i < ops; i++) {
		err = odx_offload_read(fd, &r, 1, 3600000, &toks[n + i]);
		if (err)
			die("offload read", -err);
	}
	tm = (now() - t0) / ops;
	t0 = now();
	for (i = 0; i < ops; i++) {
		err = odx_offload_write(fd, &toks[(i * 7919) % (n + ops)].token, 0, &d, 1, &wo);
		if (err)
			die("offload write", -err);
	}
	tl = (now() - t0) / ops;
	for (i = 0; i < n + ops; i++)
		odx_release(fd, &toks[i].token);
	printf("%.3f %.3f\n", tm * 1e6, tl * 1e6);
	free(toks);
	(void)out;
	return 0;
}

static int cmd_pin(char **argv)
{
	long n = atol(argv[1]), i;
	struct odx_offload_read_output out;
	int fd = open(argv[0], O_RDWR), err;

	if (fd < 0)
		die("open", errno);
	for (i = 0; i < n; i++) {
		struct odx_data_set_range r = { i * 65536, 65536 };

		err = odx_offload_read(fd, &r, 1, 3600000, &out);
		if (err)
			die("offload read", -err);
	}
	printf("pinned\n");
	fflush(stdout);
	pause();
	return 0;
}

static int cmd_hold(char **argv)
{
	long n = atol(argv[1]), i;
	struct odx_offload_read_output out;
	uint64_t size;
	int fd = open(argv[0], O_RDWR), err;
	off_t end;

	if (fd < 0)
		die("open", errno);
	end = lseek(fd, 0, SEEK_END);
	if (end <= 0)
		die("lseek", errno);
	size = end;
	for (i = 0; i < n; i++) {
		struct odx_data_set_range r = { ((uint64_t)i * 4096) % size, 4096 };

		err = odx_offload_read(fd, &r, 1, 3600000, &out);
		if (err)
			die("offload read", -err);
	}
	close(fd);
	printf("holding %ld tokens\n", n);
	return 0;
}

static int cmd_latency(char **argv)
{
	long n = atol(argv[1]), i, ops = 0, cap = 1 << 20;
	double secs = atof(argv[2]), t0, t, worst = 0, worst_at = 0, *lat;
	struct odx_offload_read_output *toks;
	struct odx_offload_write_output wo;
	struct odx_data_set_range r = { 0, 4096 }, d = { 1 << 20, 4096 };
	int fd, err;

	fd = open(argv[0], O_RDWR);
	if (fd < 0)
		die("open", errno);
	toks = calloc(n, sizeof(*toks));
	lat = calloc(cap, sizeof(*lat));
	if (!toks || !lat)
		die("calloc", ENOMEM);
	for (i = 0; i < n; i++) {
		err = odx_offload_read(fd, &r, 1, 3600000, &toks[i]);
		if (err)
			die("offload read", -err);
	}
	t0 = now();
	while ((t = now()) - t0 < secs && ops < cap) {
		double l;

		err = odx_offload_write(fd, &toks[(ops * 7919) % n].token, 0, &d, 1, &wo);
		if (err)
			die("offload write", -err);
		l = now() - t;
		lat[ops++] = l;
		if (l > worst) {
			worst = l;
			worst_at = t - t0;
		}
	}
	for (i = 0; i < n; i++)
		odx_release(fd, &toks[i].token);
	qsort(lat, ops, sizeof(*lat), cmp_double);
	printf("%ld %.1f %.1f %.1f %.3f\n", ops, lat[ops / 2] * 1e6,
	       lat[(ops * 999) / 1000] * 1e6, worst * 1e6, worst_at);
	free(lat);
	free(toks);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 7 && !strcmp(argv[1], "copy"))
		return cmd_copy(argv + 2);
	if (argc >= 6 && !strcmp(argv[1], "mint"))
		return cmd_mint(argv + 2);
	if (argc >= 7 && !strcmp(argv[1], "phases"))
		return cmd_phases(argv + 2);
	if (argc >= 6 && !strcmp(argv[1], "cow"))
		return cmd_cow(argv + 2);
	if (argc >= 5 && !strcmp(argv[1], "tokens"))
		return cmd_tokens(argv + 2);
	if (argc >= 4 && !strcmp(argv[1], "pin"))
		return cmd_pin(argv + 2);
	if (argc >= 4 && !strcmp(argv[1], "hold"))
		return cmd_hold(argv + 2);
	if (argc >= 5 && !strcmp(argv[1], "latency"))
		return cmd_latency(argv + 2);
	fprintf(stderr, "usage: see the comment at the top of tools/bench/odxbench.c\n");
	return 2;
}
