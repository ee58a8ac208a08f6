// SPDX-License-Identifier: GPL-2.0
/*
 * odxctl's command line: sizes, ranges, indexes, times to live, the options
 * getopt_long() refused, and the command line every handler shares.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "args.h"
#include "out.h"

/* ----------------------------------------------------------------------------
 * Sizes
 */

static const struct {
	const char *name;
	unsigned int shift;
} units[] = {
	{ "", 0 }, { "b", 0 },
	{ "k", 10 }, { "kib", 10 }, { "m", 20 }, { "mib", 20 },
	{ "g", 30 }, { "gib", 30 }, { "t", 40 }, { "tib", 40 },
	{ "p", 50 }, { "pib", 50 }, { "e", 60 }, { "eib", 60 },
};

/*
 * SIZE: a decimal number (or hexadecimal with 0x) and an optional unit from
 * units[], case-insensitive. On error, *@why says what is wrong.
 */
int parse_size(const char *s, uint64_t *out, const char **why)
{
	static char wbuf[128];
	unsigned long long v;
	const char *p = s;
	char *end;
	size_t i;
	int base = 10;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (!isxdigit((unsigned char)*p)) {
			*why = "not a number";
			return -1;
		}
	} else if (!isdigit((unsigned char)*p)) {
		*why = *p ? "not a number" : "empty";
		return -1;
	}
	errno = 0;
	v = strtoull(p, &end, base);
	if (errno == ERANGE) {
		*why = "too large";
		return -1;
	}
	if (*end == '.' && isdigit((unsigned char)end[1])) {
		*why = "fractions are not supported (write 1536K rather than 1.5M)";
		return -1;
	}
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcasecmp(end, units[i].name))
			continue;
		if (units[i].shift && v > (UINT64_MAX >> units[i].shift)) {
			*why = "too large";
			return -1;
		}
		*out = (uint64_t)v << units[i].shift;
		return 0;
	}
	if (strlen(end) == 2 && strchr("kmgtpeKMGTPE", end[0]) && (end[1] == 'b' || end[1] == 'B'))
		snprintf(wbuf, sizeof(wbuf),
			 "ambiguous unit '%s': write %c or %ciB (units are powers of 1024)",
			 end, toupper((unsigned char)end[0]), toupper((unsigned char)end[0]));
	else
		snprintf(wbuf, sizeof(wbuf),
			 "unknown unit '%.16s' (use K, M, G, T or KiB, MiB, GiB, TiB: powers of 1024)",
			 end);
	*why = wbuf;
	return -1;
}

/* Parse the value of option @opt (for messages) as a size. */
int parse_size_opt(const char *opt, const char *s, uint64_t *out)
{
	const char *why;

	if (parse_size(s, out, &why))
		return usage_error("bad %s '%s': %s", opt, s, why);
	return 0;
}

/* Parse a decimal index "N" (all of @s); -1 if it is not one. */
long parse_index(const char *s)
{
	long v = 0;

	if (!*s || strlen(s) > 6)
		return -1;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* ----------------------------------------------------------------------------
 * Ranges
 */

/* Check a range of @d given as @text: non-empty, aligned, inside the device. */
static int check_range(const char *text, uint64_t off, uint64_t len, const struct dev *d)
{
	uint64_t bs = d->block_size;
	char a[32], b[32], c[32];

	if (!len)
		return usage_error("range %s is empty: give a length above 0", text);
	if (off % bs || len % bs) {
		bool off_bad = off % bs;

		return usage_error("range %s is not a multiple of the %" PRIu64 "-byte logical block size of %s (its %s, %" PRIu64 ", is not); round it, e.g. %s+%s",
				   text, bs, d->path, off_bad ? "offset" : "length",
				   off_bad ? off : len, short_size(off / bs * bs, a, sizeof(a)),
				   short_size((len + bs - 1) / bs * bs, b, sizeof(b)));
	}
	if (off >= d->size)
		return usage_error("range %s starts at or past the end of %s, which holds %s (%" PRIu64 " bytes)",
				   text, d->path, human(d->size, a, sizeof(a)), d->size);
	if (len > d->size - off)
		return usage_error("range %s ends past the end of %s, which holds %s (%" PRIu64 " bytes); the longest range from there is %s+%s",
				   text, d->path, human(d->size, a, sizeof(a)), d->size,
				   short_size(off, b, sizeof(b)), short_size(d->size - off, c, sizeof(c)));
	return 0;
}

/* Parse RANGE, OFFSET+LENGTH. */
static int parse_range(const char *text, struct odx_data_set_range *r)
{
	uint64_t off, len;
	char buf[128];
	const char *why;
	char *plus;

	if (snprintf(buf, sizeof(buf), "%s", text) >= (int)sizeof(buf))
		return usage_error("range '%.40s...' is too long", text);
	plus = strchr(buf, '+');
	if (!plus)
		return usage_error("range '%s' is not OFFSET+LENGTH (for example 1M+64K, or 0+4096)",
				   text);
	*plus = '\0';
	if (parse_size(buf, &off, &why))
		return usage_error("bad offset '%s' in range %s: %s", buf, text, why);
	if (parse_size(plus + 1, &len, &why))
		return usage_error("bad length '%s' in range %s: %s", plus + 1, text, why);
	r->starting_offset = off;
	r->length_in_bytes = len;
	return 0;
}

/*
 * Parse @nr RANGE arguments for device @d into @ranges and check them; *@total
 * gets their sum.
 */
int parse_ranges(char **args, int nr, const struct dev *d,
			struct odx_data_set_range *ranges, uint64_t *total)
{
	int i, rc;

	*total = 0;
	if (nr <= 0)
		return usage_error("no RANGE given (OFFSET+LENGTH, for example 0+1M)");
	if (nr > MAX_ARG_RANGES)
		return usage_error("%d ranges: odx takes at most %d per request", nr,
				   MAX_ARG_RANGES);
	for (i = 0; i < nr; i++) {
		rc = parse_range(args[i], &ranges[i]);
		if (!rc)
			rc = check_range(args[i], ranges[i].starting_offset,
					 ranges[i].length_in_bytes, d);
		if (rc)
			return rc;
		*total += ranges[i].length_in_bytes;
	}
	return 0;
}

/* ----------------------------------------------------------------------------
 * Options
 */

/* Parse --ttl: milliseconds, or with a unit ms, s, m, h. */
int parse_ttl(const char *s, uint32_t *ttl)
{
	static const struct {
		const char *name;
		uint64_t ms;
	} tu[] = { { "", 1 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 } };
	unsigned long long v;
	char *end;
	size_t i;

	if (!isdigit((unsigned char)*s))
		return usage_error("bad --ttl '%s': milliseconds, or a number with ms, s, m or h",
				   s);
	errno = 0;
	v = strtoull(s, &end, 10);
	for (i = 0; i < ARRAY_SIZE(tu); i++) {
		if (strcmp(end, tu[i].name))
			continue;
		if (errno || v > UINT32_MAX / tu[i].ms)
			return usage_error("bad --ttl '%s': at most %u ms (the module clamps to max_ttl_ms anyway)",
					   s, UINT32_MAX);
		*ttl = v * tu[i].ms;
		return 0;
	}
	return usage_error("bad --ttl '%s': milliseconds, or a number with ms, s, m or h", s);
}

/* Parse --token-offset and check it against the block size. */
int parse_token_offset(const char *s, const struct dev *d, uint64_t *off)
{
	if (parse_size_opt("--token-offset", s, off))
		return RC_USAGE;
	if (*off % d->block_size)
		return usage_error("--token-offset %s is not a multiple of the %u-byte logical block size of %s; use e.g. %" PRIu64,
				   s, d->block_size, d->path, *off / d->block_size * d->block_size);
	return 0;
}

/* Report what getopt_long() refused: an unknown option or a missing argument. */
int bad_option(int argc, char **argv, int opt)
{
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "?";

	if (opt == ':')
		return usage_error("option %s needs an argument", arg);
	if (!strncmp(arg, "--", 2))
		return usage_error(strchr(arg, '=') ? "unknown option %s, or it takes no argument" :
				   "unknown or ambiguous option %s", arg);
	return usage_error("unknown option -%c", optopt ? optopt : '?');
}

/* ----------------------------------------------------------------------------
 * A command's command line
 */

void cmd_init(struct cmdline *cl, const char *name, int argc, char **argv,
	      const char *shortopts, const struct option *opts, unsigned int flags)
{
	static const struct option json = { "json", no_argument, NULL, 'j' };
	static const struct option help = { "help", no_argument, NULL, 'h' };
	size_t n = 0;

	memset(cl, 0, sizeof(*cl));
	cl->name = name;
	cl->argc = argc;
	cl->argv = argv;
	cl->fd = -1;
	for (; opts && opts[n].name; n++)
		cl->opts[n] = opts[n];
	if (flags & CMD_JSON)
		cl->opts[n++] = json;
	cl->opts[n] = help;
	snprintf(cl->shortopts, sizeof(cl->shortopts), ":%s%sh", shortopts ? shortopts : "",
		 flags & CMD_JSON ? "j" : "");
}

int cmd_opt(struct cmdline *cl)
{
	int opt;

	while ((opt = getopt_long(cl->argc, cl->argv, cl->shortopts, cl->opts, NULL)) == 'j')
		cl->json = true;
	switch (opt) {
	case -1:
		return 0;
	case 'h':
		cl->rc = print_help(cl->name);
		return -1;
	case ':':
	case '?':
		cl->rc = bad_option(cl->argc, cl->argv, opt);
		return -1;
	}
	return opt;
}

int cmd_end(struct cmdline *cl)
{
	if (optind < cl->argc)
		return usage_error("unexpected argument '%s'", cl->argv[optind]);
	return 0;
}

int cmd_dev(struct cmdline *cl, const char *usage, unsigned int flags)
{
	struct dev *d = &cl->dev;
	int rc;

	if (optind >= cl->argc)
		return usage_error("which device? give %s", usage);
	if (!(flags & CMD_RANGES) && optind + 1 < cl->argc)
		return usage_error("unexpected argument '%s'", cl->argv[optind + 1]);
	if (flags & CMD_INDEX) {
		memset(d, 0, sizeof(*d));
		rc = dev_index(cl->argv[optind], &d->index);
		snprintf(d->name, sizeof(d->name), "odx%u", d->index);
		snprintf(d->path, sizeof(d->path), "/dev/odx%u", d->index);
	} else {
		rc = dev_lookup(cl->argv[optind], d);
	}
	if (rc || !(flags & CMD_RANGES))
		return rc;
	cl->nr = cl->argc - optind - 1;
	return parse_ranges(cl->argv + optind + 1, cl->nr, d, cl->ranges, &cl->total);
}

int cmd_open(struct cmdline *cl, bool write)
{
	struct odx_caps c;
	int rc;

	rc = dev_open(&cl->dev, write, &cl->fd);
	if (rc || !cl->nr || odx_get_caps(cl->fd, &c))
		return rc;	/* (without caps, the kernel will say) */
	if (c.maximum_data_descriptors && (unsigned int)cl->nr > c.maximum_data_descriptors) {
		cmd_close(cl);
		return usage_error("%d ranges: %s takes at most %u per request (max_ranges)",
				   cl->nr, cl->dev.path, c.maximum_data_descriptors);
	}
	return 0;
}

void cmd_close(struct cmdline *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	cl->fd = -1;
}
