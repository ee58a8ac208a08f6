// SPDX-License-Identifier: GPL-2.0
/*
 * odxctl copy: any amount of data by token, with a progress bar.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libodx.h"
#include "advice.h"
#include "args.h"
#include "dev.h"
#include "out.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct progress {
	bool enabled;		/* may draw */
	bool shown;		/* has drawn */
	double start, last;
	double delay;		/* seconds before the bar shows: short copies get none */
};

static void progress_draw(uint64_t done, uint64_t total, void *arg)
{
	struct progress *p = arg;
	double t = now(), el = t - p->start;
	char a[32], b[32], r[32], bar[31];
	int fill, i;

	if (!p->enabled || el < p->delay || (done < total && t - p->last < 0.1))
		return;
	p->last = t;
	p->shown = true;
	fill = total ? (int)(done * 30 / total) : 30;
	for (i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	fprintf(stderr, "\r[%s] %3d%% %s / %s, %s   ", bar,
		total ? (int)(done * 100 / total) : 100, human(done, a, sizeof(a)),
		human(total, b, sizeof(b)), human_rate(el > 0 ? done / el : 0, r, sizeof(r)));
	fflush(stderr);
}

/* Split SPEC into a device and an optional @OFFSET. */
static int parse_endpoint(const char *spec, const char *role, struct dev *d, uint64_t *off)
{
	char buf[256], *at;
	const char *why;
	int rc;

	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf))
		return usage_error("%s '%.40s...' is too long", role, spec);
	*off = 0;
	at = strrchr(buf, '@');
	if (at) {
		*at = '\0';
		if (parse_size(at + 1, off, &why))
			return usage_error("bad %s offset '%s' in %s: %s", role, at + 1, spec, why);
	}
	rc = dev_lookup(buf, d);
	if (rc)
		return rc;
	if (*off % d->block_size)
		return usage_error("%s offset %s (%" PRIu64 ") is not a multiple of the %u-byte logical block size of %s; use e.g. %s@%" PRIu64,
				   role, at + 1, *off, d->block_size, d->path, buf,
				   *off / d->block_size * d->block_size);
	if (*off > d->size)
		return usage_error("%s offset %s is past the end of %s (%" PRIu64 " bytes)",
				   role, at + 1, d->path, d->size);
	return 0;
}

int cmd_copy(int argc, char **argv)
{
	enum { OPT_PROGRESS = 256, OPT_NO_PROGRESS };
	static const struct option opts[] = {
		{ "length", required_argument, NULL, 'l' },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
		{ }
	};
	struct progress prog = { .delay = 1.0 };
	int opt, sfd, dfd, err, rc, want_progress = -1;
	struct odx_copy_stats st;
	uint64_t soff, doff, len = 0;
	bool have_len = false, backward;
	struct json_object *o;
	char what[192], h[32], r[32];
	const char *len_arg = NULL;
	struct cmdline cl;
	struct dev s, d;
	double t0, el;

	cmd_init(&cl, "copy", argc, argv, "l:", opts, CMD_JSON);
	while ((opt = cmd_opt(&cl)) > 0) {
		switch (opt) {
		case 'l':
			if (parse_size_opt("--length", optarg, &len))
				return RC_USAGE;
			have_len = true;
			len_arg = optarg;
			break;
		case OPT_PROGRESS:
			want_progress = 1;
			break;
		case OPT_NO_PROGRESS:
			want_progress = 0;
			break;
		}
	}
	if (opt < 0)
		return cl.rc;
	if (argc - optind < 2)
		return usage_error("give SRC[@OFFSET] and DST[@OFFSET]");
	if (argc - optind > 2)
		return usage_error("unexpected argument '%s': give SRC[@OFFSET] DST[@OFFSET]",
				   argv[optind + 2]);
	rc = parse_endpoint(argv[optind], "source", &s, &soff);
	if (!rc)
		rc = parse_endpoint(argv[optind + 1], "destination", &d, &doff);
	if (rc)
		return rc;
	if (s.block_size != d.block_size)
		return usage_error("%s has %u-byte and %s %u-byte logical blocks: odx copies only between devices of the same block size (EXDEV)",
				   s.path, s.block_size, d.path, d.block_size);
	if (!have_len) {
		len = s.size - soff;
		if (!len)
			return usage_error("nothing to copy: the source offset is the end of %s",
					   s.path);
	} else if (!len) {
		return usage_error("bad --length 0: give a length above 0");
	}
	if (len % s.block_size)
		return usage_error("--length %s is not a multiple of the %u-byte logical block size; use e.g. %" PRIu64,
				   len_arg, s.block_size, (len + s.block_size - 1) / s.block_size * s.block_size);
	if (len > s.size - soff)
		return usage_error("%s bytes from offset %" PRIu64 " run past the end of %s (%" PRIu64 " bytes)",
				   have_len ? len_arg : "the copy's", soff, s.path, s.size);
	if (len > d.size - doff)
		return usage_error("%" PRIu64 " bytes (%s) do not fit on %s from offset %" PRIu64 " (%" PRIu64 " bytes left); give a smaller --length",
				   len, human(len, h, sizeof(h)), d.path, doff, d.size - doff);

	rc = dev_open(&s, false, &sfd);
	if (rc)
		return rc;
	rc = dev_open(&d, true, &dfd);
	if (rc) {
		close(sfd);
		return rc;
	}
	backward = s.index == d.index && doff > soff && doff - soff < len;
	prog.enabled = want_progress < 0 ? isatty(STDERR_FILENO) : want_progress;
	if (want_progress > 0)
		prog.delay = 0;
	t0 = now();
	prog.start = t0;
	prog.last = 0;
	err = odx_move(sfd, soff, dfd, doff, len, &st, progress_draw, &prog);
	el = now() - t0;
	close(sfd);
	close(dfd);
	if (prog.shown) {
		if (!err)
			progress_draw(len, len, &prog);
		fputc('\n', stderr);
	}
	if (err) {
		snprintf(what, sizeof(what),
			 "copy from %s@%" PRIu64 " to %s@%" PRIu64 " failed after %" PRIu64 " of %" PRIu64 " bytes",
			 s.path, soff, d.path, doff, st.bytes, len);
		return fail_errno(err, OP_COPY, err == -EPERM ? d.path : s.path, what);
	}
	if (cl.json) {
		o = js_object();
		js_add(o, "source", js_str(s.path));
		js_add(o, "source_offset", js_u64(soff));
		js_add(o, "destination", js_str(d.path));
		js_add(o, "destination_offset", js_u64(doff));
		js_add(o, "length", js_u64(len));
		js_add(o, "bytes_copied", js_u64(st.bytes));
		js_add(o, "seconds", js_double(el));
		js_add(o, "bytes_per_second", js_u64(el > 0 ? (uint64_t)(st.bytes / el) : 0));
		js_add(o, "tokens", js_u64(st.tokens));
		js_add(o, "writes", js_u64(st.writes));
		js_add(o, "backward", js_bool(backward));
		return js_print(o);
	}
	printf("copied %" PRIu64 " bytes (%s) in %.3f s, %s; %u token%s, %u write%s%s\n",
	       st.bytes, human(st.bytes, h, sizeof(h)), el,
	       human_rate(el > 0 ? st.bytes / el : 0, r, sizeof(r)),
	       st.tokens, st.tokens == 1 ? "" : "s", st.writes, st.writes == 1 ? "" : "s",
	       backward ? " (overlapping: copied backwards)" : "");
	return RC_OK;
}
