// SPDX-License-Identifier: GPL-2.0
/*
 * h_lifetime: lifetime races around a long offload write.
 *
 * A 64 MiB source device (filled once) is copied by token, in one offload
 * write, into the middle of a fresh 96 MiB destination device ([16M, 80M), with
 * 16 MiB of known data before and after it), with share_pages=N so the copy
 * really moves every page and takes a while. A copy counts as "in progress"
 * once the destination holds some but not all of its pages
 * (/sys/block/odxN/odx/pages), and the racing action is taken then; each case
 * also checks afterwards that the copy was still running when the action
 * returned (else the race was not exercised and the case fails). Needs
 * max_transfer_bytes and max_token_bytes >= 64 MiB on the devices it makes
 * (the module parameters' defaults, 256 MiB, are).
 * A first, timed copy calibrates: when it takes under 2 s (fast enough to end
 * before a poll sees it), the racing copies run throttled (SCHED_IDLE against
 * busy threads): robust against the host descheduling a vCPU, too.
 *
 * Cases and their documented results:
 *
 * remove_busy_device: ODX_CTL_REMOVE of the destination and of the source
 *   while the write runs (this process holds both open) says EBUSY; the copy
 *   then completes: LengthCopied 64 MiB, data equal to the source, the data
 *   around it unchanged; once closed, both can be removed.
 *
 * remove_source_during_copy: the source is a device nobody holds open (the
 *   token was minted and the fd closed); ODX_CTL_REMOVE of it while the write
 *   runs succeeds and revokes the token. The copy in flight holds its own
 *   reference on the token's pages: it completes with all 64 MiB, byte-exact.
 *   The token is refused (EKEYREJECTED) afterwards; tokens_revoked grows by 1.
 *
 * token_expires_during_copy: a token with a 100 ms TimeToLive (500 ms when
 *   throttled) is used for the copy; while the copy runs its lifetime passes,
 *   and another offload write with it is refused (EKEYREJECTED: expired, and
 *   it is unlinked then). The
 *   copy in flight completes with all 64 MiB, byte-exact; tokens_expired of the
 *   source grows by 1, tokens_live and token_pages go back.
 *
 * close_fd_during_copy: another thread closes the descriptor the copy runs on
 *   (close() returns 0 at once). The ioctl holds its own reference to the file:
 *   the copy completes with all 64 MiB, byte-exact; afterwards the device is
 *   not open any more (ODX_CTL_REMOVE succeeds).
 *
 * sigkill_during_copy: a child process doing the copy is killed with SIGKILL.
 *   The copy stops at its next check for fatal signals (every 1 MiB): the
 *   destination holds a byte-exact prefix of the source followed by zeros
 *   (never-written holes), shorter than 64 MiB; everything outside the
 *   destination range is unchanged; the child's token is still live until
 *   released; the device is not left open (ODX_CTL_REMOVE succeeds) and the
 *   module unloads afterwards (run.sh's next rmmod).
 *
 * source_unchanged: the source device still holds its data, byte for byte.
 */
#include "h_common.h"
#include "odx_harness.h"

#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define SRC_SIZE	(64 * MiB)
#define DST_SIZE	(96 * MiB)
#define DST_OFF		(16 * MiB)
#define COPY_LEN	(64 * MiB)
#define COPY_PAGES	(COPY_LEN / PAGE)
#define GUARD_SEED	0x6775617264ULL

static uint32_t src_idx;
static uint64_t src_seed = 0x6c69666574696d65ULL;
static char old_share[8];

/* The copy a thread runs. */
struct job {
	int fd;				/* destination, O_RDWR */
	struct odx_token token;
	uint64_t toff, dst_off, len;
	int ret;
	struct odx_offload_write_output out;
	volatile int done;
	double t0, t1;
	bool idle;			/* run the copy as SCHED_IDLE (throttled) */
	long long base;			/* the destination's pages before the copy */
};

/*
 * On a fast kernel a 64 MiB copy takes a few tens of milliseconds: too short to
 * land an action inside it reliably. Then (calibrated in main()) the copying
 * thread runs as SCHED_IDLE against one busy thread per CPU until the action
 * is taken, which stretches the copy to seconds without changing what it does.
 */
static bool throttle;
static volatile int hogs_stop;
static pthread_t hog_th[16];
static int nr_hogs;

static void *hog(void *arg)
{
	(void)arg;
	while (!hogs_stop)
		;
	return NULL;
}

static void hogs_start(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (!throttle)
		return;
	hogs_stop = 0;
	for (nr_hogs = 0; nr_hogs < n && nr_hogs < 16; nr_hogs++)
		pthread_create(&hog_th[nr_hogs], NULL, hog, NULL);
}

static void hogs_end(void)
{
	hogs_stop = 1;
	while (nr_hogs > 0)
		pthread_join(hog_th[--nr_hogs], NULL);
}

static void be_idle(void)
{
	struct sched_param sp = { 0 };

	if (sched_setscheduler(0, SCHED_IDLE, &sp))
		t_diag("SCHED_IDLE: %s", strerror(errno));
}

static void *copy_thread(void *arg)
{
	struct job *j = arg;
	struct odx_data_set_range r = R(j->dst_off, j->len);
	uint8_t in[DSM_WRITE_RANGES_OFF + 16];

	dsm_build_write(in, sizeof(in), &j->token, j->toff, &r, 1);
	if (j->idle)
		be_idle();
	j->t0 = now_s();
	j->ret = odx_dsm(j->fd, in, sizeof(in), &j->out, sizeof(j->out), NULL);
	j->t1 = now_s();
	__atomic_store_n(&j->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Wait until the copy into fresh device idx is under way (some pages, not
 * all). False if it finished (or never started) first. */
static bool wait_progress(unsigned int idx, struct job *j)
{
	double t0 = now_s();

	while (now_s() - t0 < 60) {
		long long p = odx_stat(idx, "pages") - j->base;

		if (p >= 256 && p < (long long)COPY_PAGES * 3 / 4 && !j->done)
			return true;
		if (j->done || p >= (long long)COPY_PAGES * 3 / 4)
			return false;
		usleep(500);
	}
	return false;
}

/* Start the copy thread (throttled if need be), the destination being idx. */
static void start_copy(struct job *j, unsigned int idx, pthread_t *th)
{
	j->base = odx_stat(idx, "pages");
	j->idle = throttle;
	hogs_start();
	pthread_create(th, NULL, copy_thread, j);
}

static uint32_t new_dst(void)
{
	uint32_t idx = ctl_add_dev(DST_SIZE, 512);

	dev_fill(idx, 0, DST_OFF, GUARD_SEED);
	dev_fill(idx, DST_OFF + COPY_LEN, DST_SIZE - DST_OFF - COPY_LEN, GUARD_SEED);
	return idx;
}

/* The destination: guards intact, [DST_OFF, +len) the source's [0, len),
 * the rest of the copy range zeros. */
static bool check_dst(uint32_t idx, uint64_t len, const char *what)
{
	uint8_t *buf = malloc(1 * MiB), *want = malloc(1 * MiB), zero[4096] = { 0 };
	int fd = dev_open(idx, O_RDONLY | O_DIRECT);
	uint64_t off;
	bool ok = true;

	REQUIRE(buf && want, "malloc");
	close(fd);
	for (off = 0; off < DST_SIZE && ok; off += 1 * MiB) {
		REQUIRE_RET(direct_read(idx, buf, 1 * MiB, off), 0);
		if (off < DST_OFF || off >= DST_OFF + COPY_LEN) {
			pat_fill(want, 1 * MiB, GUARD_SEED, off);
			ok = buf_same(what, buf, want, 1 * MiB, off);
		} else if (off - DST_OFF < len) {
			pat_fill(want, 1 * MiB, src_seed, off - DST_OFF);
			ok = buf_same(what, buf, want, 1 * MiB, off);
		} else {
			size_t i;

			for (i = 0; i < 1 * MiB && ok; i += sizeof(zero))
				ok = !memcmp(buf + i, zero, sizeof(zero));
			if (!ok)
				t_diag("  %s: non-zero data at %#" PRIx64 " past the copied %" PRIu64
				       " bytes", what, off + i, len);
		}
	}
	free(buf);
	free(want);
	return CHECK(ok, "%s: odx%u does not hold what it must", what, idx);
}

static void mint_src(int fd, uint32_t ttl, struct odx_token *t)
{
	struct odx_data_set_range r = R(0, COPY_LEN);
	struct odx_offload_read_output out;
	uint8_t in[DSM_READ_RANGES_OFF + 16];

	dsm_build_read(in, sizeof(in), &r, 1, ttl);
	REQUIRE_RET(odx_dsm(fd, in, sizeof(in), &out, sizeof(out), NULL), 0);
	REQUIRE(out.length_protected == COPY_LEN, "token covers %llu bytes (max_token_bytes?)",
		(unsigned long long)out.length_protected);
	*t = out.token;
}

static void finish_job(struct job *j, pthread_t th, const char *what)
{
	hogs_end();
	pthread_join(th, NULL);
	CHECK_RET(j->ret, 0);
	CHECK_U64("length_copied", j->out.length_copied, COPY_LEN);
	CHECK_U64("offload_write_flags", j->out.offload_write_flags, 0);
	t_diag("%s: the 64 MiB copy took %.2f s", what, j->t1 - j->t0);
}

static void remove_busy_device(void)
{
	uint32_t dst = new_dst(), u;
	int sfd = dev_open(src_idx, O_RDONLY), ctl = ctl_open();
	struct job j = { 0 };
	pthread_t th;
	int r1, r2;

	j.fd = dev_open(dst, O_RDWR);
	j.dst_off = DST_OFF;
	j.len = COPY_LEN;
	mint_src(sfd, 0, &j.token);
	start_copy(&j, dst, &th);
	REQUIRE(wait_progress(dst, &j), "the copy was not seen in progress");
	u = dst;
	r1 = xioctl(ctl, ODX_CTL_REMOVE, &u);
	u = src_idx;
	r2 = xioctl(ctl, ODX_CTL_REMOVE, &u);
	CHECK(!j.done, "the copy ended before the removes returned: race not exercised");
	CHECK_RET(r1, -EBUSY);
	CHECK_RET(r2, -EBUSY);
	finish_job(&j, th, "remove_busy_device");
	check_dst(dst, COPY_LEN, "after the copy");
	CHECK_RET(odx_release(sfd, &j.token), 0);
	close(j.fd);
	close(sfd);
	u = dst;
	CHECK_RET(xioctl(ctl, ODX_CTL_REMOVE, &u), 0);
	close(ctl);
}

static void remove_source_during_copy(void)
{
	uint32_t dst = new_dst(), s2 = ctl_add_dev(COPY_LEN, 512), u;
	int ctl = ctl_open(), fd;
	long long rev0 = ctl_stat("tokens_revoked"), live0 = ctl_stat("tokens_live");
	struct job j = { 0 };
	struct odx_data_set_range r = R(DST_OFF, 1 * MiB);
	struct odx_offload_write_output wo;
	uint8_t in[DSM_WRITE_RANGES_OFF + 16];
	pthread_t th;
	int rr;

	dev_fill(s2, 0, COPY_LEN, src_seed);	/* the same data as the source */
	fd = dev_open(s2, O_RDONLY);
	mint_src(fd, 0, &j.token);
	close(fd);
	j.fd = dev_open(dst, O_RDWR);
	j.dst_off = DST_OFF;
	j.len = COPY_LEN;
	start_copy(&j, dst, &th);
	REQUIRE(wait_progress(dst, &j), "the copy was not seen in progress");
	u = s2;
	/* The removal revokes the token first thing; tearing the disk down
	 * takes a while longer, and the copy may end meanwhile. */
	CHECK(!j.done, "the copy ended before the remove began: race not exercised");
	rr = xioctl(ctl, ODX_CTL_REMOVE, &u);
	if (j.done)
		t_diag("remove_source_during_copy: the copy ended before the remove returned");
	CHECK_RET(rr, 0);
	finish_job(&j, th, "remove_source_during_copy");
	check_dst(dst, COPY_LEN, "after the copy from a removed device");
	CHECK_U64("tokens_revoked", ctl_stat("tokens_revoked") - rev0, 1);
	CHECK_U64("tokens_live", ctl_stat("tokens_live"), live0);
	dsm_build_write(in, sizeof(in), &j.token, 0, &r, 1);
	CHECK_RET(odx_dsm(j.fd, in, sizeof(in), &wo, sizeof(wo), NULL), -EKEYREJECTED);
	close(j.fd);
	u = dst;
	CHECK_RET(xioctl(ctl, ODX_CTL_REMOVE, &u), 0);
	close(ctl);
}

static void token_expires_during_copy(void)
{
	uint32_t dst = new_dst(), u;
	int sfd = dev_open(src_idx, O_RDONLY), ctl = ctl_open();
	long long exp0 = odx_stat(src_idx, "tokens_expired"), live0 = ctl_stat("tokens_live"),
		pages0 = ctl_stat("token_pages");
	struct job j = { 0 };
	struct odx_data_set_range r = R(0, 4096);
	struct odx_offload_write_output wo;
	uint8_t in[DSM_WRITE_RANGES_OFF + 16];
	uint32_t ttl = throttle ? 500 : 100;
	pthread_t th;
	double t0;
	int rr;

	j.fd = dev_open(dst, O_RDWR);
	j.dst_off = DST_OFF;
	j.len = COPY_LEN;
	mint_src(sfd, ttl, &j.token);
	start_copy(&j, dst, &th);
	REQUIRE(wait_progress(dst, &j), "the copy was not seen in progress");
	/* The copy looked the token up (re-arming its lifetime) before t0. */
	t0 = now_s();
	while (now_s() - t0 < ttl / 1000.0 + 0.05 && !j.done)
		usleep(2000);
	/* Another use of the token, elsewhere (into the guard before the range). */
	dsm_build_write(in, sizeof(in), &j.token, 0, &r, 1);
	memset(&wo, 0, sizeof(wo));
	rr = odx_dsm(j.fd, in, sizeof(in), &wo, sizeof(wo), NULL);
	CHECK(!j.done, "the copy ended before the second use: race not exercised");
	CHECK_RET(rr, -EKEYREJECTED);
	CHECK(wo.offload_write_flags & ODX_OFFLOAD_TOKEN_INVALID, "no TOKEN_INVALID flag");
	finish_job(&j, th, "token_expires_during_copy");
	check_dst(dst, COPY_LEN, "after the copy with an expired token");
	CHECK_U64("tokens_expired", odx_stat(src_idx, "tokens_expired") - exp0, 1);
	CHECK_U64("tokens_live", ctl_stat("tokens_live"), live0);
	CHECK_U64("token_pages", ctl_stat("token_pages"), pages0);
	CHECK_RET(odx_release(sfd, &j.token), -EKEYREJECTED);
	close(j.fd);
	close(sfd);
	u = dst;
	CHECK_RET(xioctl(ctl, ODX_CTL_REMOVE, &u), 0);
	close(ctl);
}

static void close_fd_during_copy(void)
{
	uint32_t dst = new_dst(), u;
	int sfd = dev_open(src_idx, O_RDONLY), ctl = ctl_open(), rc;
	struct job j = { 0 };
	pthread_t th;

	j.fd = dev_open(dst, O_RDWR);
	j.dst_off = DST_OFF;
	j.len = COPY_LEN;
	mint_src(sfd, 0, &j.token);
	start_copy(&j, dst, &th);
	REQUIRE(wait_progress(dst, &j), "the copy was not seen in progress");
	rc = close(j.fd) ? -errno : 0;
	CHECK(!j.done, "the copy ended before close() returned: race not exercised");
	CHECK_RET(rc, 0);
	finish_job(&j, th, "close_fd_during_copy");
	check_dst(dst, COPY_LEN, "after the copy on a closed fd");
	CHECK_RET(odx_release(sfd, &j.token), 0);
	close(sfd);
	u = dst;
	CHECK_RET(xioctl(ctl, ODX_CTL_REMOVE, &u), 0);
	close(ctl);
}

static void sigkill_during_copy(void)
{
	uint32_t dst = new_dst(), u;
	struct odx_token *shared_tok;
	volatile int *ready;
	long long live0 = ctl_stat("tokens_live");
	int ctl = ctl_open(), st;
	uint8_t *buf;
	uint64_t prefix = 0, off;
	long long base;
	bool in_progress;
	pid_t pid;

	shared_tok = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	REQUIRE(shared_tok != MAP_FAILED, "mmap");
	ready = (volatile int *)(shared_tok + 1);
	*ready = 0;
	base = odx_stat(dst, "pages");
	fflush(stdout);
	pid = fork();
	REQUIRE(pid >= 0, "fork");
	if (pid == 0) {
		struct job j = { 0 };
		int sfd = dev_open(src_idx, O_RDONLY);

		j.fd = dev_open(dst, O_RDWR);
		j.dst_off = DST_OFF;
		j.len = COPY_LEN;
		j.idle = throttle;
		mint_src(sfd, 0, &j.token);
		*shared_tok = j.token;
		*ready = 1;
		copy_thread(&j);
		_exit(100);	/* the copy finished: the kill came too late */
	}
	{
		struct job pj = { .base = base };	/* only for wait_progress */
		double t0 = now_s();

		while (!*ready && now_s() - t0 < 60)
			usleep(1000);
		REQUIRE(*ready, "the child did not mint");
		hogs_start();
		in_progress = wait_progress(dst, &pj);
	}
	kill(pid, SIGKILL);
	hogs_end();
	REQUIRE(waitpid(pid, &st, 0) == pid, "waitpid");
	CHECK(in_progress, "the copy was not seen in progress");
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	      "the child was not killed mid-copy (status %#x)", st);

	/* The prefix copied: source data, then zeros. */
	buf = malloc(1 * MiB);
	REQUIRE(buf, "malloc");
	for (off = 0; off < COPY_LEN; off += 1 * MiB) {
		uint8_t *want = malloc(1 * MiB);
		size_t i;

		REQUIRE(want, "malloc");
		REQUIRE_RET(direct_read(dst, buf, 1 * MiB, DST_OFF + off), 0);
		pat_fill(want, 1 * MiB, src_seed, off);
		for (i = 0; i < 1 * MiB; i += 4096)
			if (memcmp(buf + i, want + i, 4096))
				break;
		free(want);
		prefix = off + i;
		if (i < 1 * MiB)
			break;
	}
	t_diag("sigkill_during_copy: %" PRIu64 " of %llu bytes copied before the kill "
	       "took effect", prefix, COPY_LEN);
	CHECK(prefix < COPY_LEN, "the whole copy was done: the kill did not interrupt it");
	check_dst(dst, prefix, "after SIGKILL");
	free(buf);

	/* The child's token outlived it; release it. */
	CHECK_U64("tokens_live (the killed child's token)", ctl_stat("tokens_live"), live0 + 1);
	{
		int sfd = dev_open(src_idx, O_RDONLY);

		CHECK_RET(odx_release(sfd, shared_tok), 0);
		close(sfd);
	}
	CHECK_U64("tokens_live", ctl_stat("tokens_live"), live0);
	u = dst;
	CHECK_RET(xioctl(ctl, ODX_CTL_REMOVE, &u), 0);
	close(ctl);
	munmap(shared_tok, PAGE);
}

static void source_unchanged(void)
{
	uint64_t sum;

	CHECK_U64("source bytes changed", dev_verify_all(src_idx, SRC_SIZE, src_seed, &sum), 0);
	CHECK_U64("tokens_live", ctl_stat("tokens_live"), 0);
	CHECK_U64("token_pages", ctl_stat("token_pages"), 0);
}

/* The cases, in the order they run (kselftest harness: tests/lib/odx_harness.h). */
ODX_CASE(remove_busy_device, 0)
ODX_CASE(remove_source_during_copy, 0)
ODX_CASE(token_expires_during_copy, 0)
ODX_CASE(close_fd_during_copy, 0)
ODX_CASE(sigkill_during_copy, 0)
ODX_CASE(source_unchanged, 0)

static void lifetime_end(void)
{
	if (odx_ctl_remove(src_idx))
		t_diag("removing the source odx%u failed", src_idx);
	setting_write("share_pages", old_share);
}

int main(int argc, char **argv)
{
	if (odx_harness_listing(argc, argv))
		return odx_harness_run(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	h_shared_init();
	REQUIRE(!param_read("share_pages", old_share, sizeof(old_share)), "module loaded?");
	REQUIRE_RET(setting_write("share_pages", "N"), 0);
	src_idx = ODX_INDEX_ANY;
	REQUIRE_RET(odx_ctl_add(SRC_SIZE, 512, ODX_INDEX_ANY, &src_idx), 0);
	REQUIRE(wait_node(src_idx, true), "odx%u did not appear", src_idx);
	REQUIRE_RET(dev_fill_all(src_idx, SRC_SIZE, src_seed), 0);
	{
		/* Calibration: one untroubled 64 MiB copy into a fresh device. */
		uint32_t cal = ODX_INDEX_ANY;
		struct job j = { 0 };
		int sfd;

		REQUIRE_RET(odx_ctl_add(COPY_LEN, 512, ODX_INDEX_ANY, &cal), 0);
		REQUIRE(wait_node(cal, true), "odx%u did not appear", cal);
		sfd = dev_open(src_idx, O_RDONLY);
		j.fd = dev_open(cal, O_RDWR);
		j.len = COPY_LEN;
		mint_src(sfd, 0, &j.token);
		copy_thread(&j);
		REQUIRE_RET(j.ret, 0);
		odx_release(sfd, &j.token);
		close(sfd);
		close(j.fd);
		REQUIRE_RET(odx_ctl_remove(cal), 0);
		throttle = j.t1 - j.t0 < 2.0;
		t_diag("calibration: a 64 MiB copy (share_pages=N) takes %.2f s: %s", j.t1 - j.t0,
		       throttle ? "racing copies run throttled" : "no throttling");
	}

	atexit(lifetime_end);
	return odx_harness_run(argc, argv);
}
