/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odxctl's command line: sizes, ranges, indexes, times to live and the
 * options getopt_long() refused. The parsers that take a whole argument
 * report what is wrong themselves and return the exit status (0 when good).
 */
#ifndef ODXCTL_ARGS_H
#define ODXCTL_ARGS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "libodx.h"
#include "dev.h"

#define MAX_ARG_RANGES		256	/* ODX_MAX_RANGES_LIMIT of the module */

/*
 * SIZE: a decimal number (or hexadecimal with 0x) and an optional binary unit
 * (K, M, G, T, P, E or KiB ... EiB, case-insensitive). Returns 0, or -1 with
 * *@why saying what is wrong (no message printed).
 */
int parse_size(const char *s, uint64_t *out, const char **why);

/* The value @s of option @opt (for messages) as a size. */
int parse_size_opt(const char *opt, const char *s, uint64_t *out);

/* A decimal index "N" (all of @s); -1 if it is not one. */
long parse_index(const char *s);

/*
 * @nr RANGE arguments (OFFSET+LENGTH) for device @d into @ranges, each
 * non-empty, aligned and inside the device; *@total gets their sum.
 */
int parse_ranges(char **args, int nr, const struct dev *d,
		 struct odx_data_set_range *ranges, uint64_t *total);

/* --ttl: milliseconds, or with a unit ms, s, m, h. */
int parse_ttl(const char *s, uint32_t *ttl);

/* --token-offset, a multiple of @d's block size. */
int parse_token_offset(const char *s, const struct dev *d, uint64_t *off);

/* Report what getopt_long() refused: an unknown option or a missing argument. */
int bad_option(int argc, char **argv, int opt);

/*
 * A command's command line, the part every handler shares: getopt_long()
 * with --help and, for the commands that have it, --json; then DEV and, for
 * some, RANGE... after it; then DEV opened. A handler states its own options
 * and what its arguments are:
 *
 *	struct cmdline cl;
 *
 *	cmd_init(&cl, "token", argc, argv, "t:o:", token_opts, CMD_JSON);
 *	while ((opt = cmd_opt(&cl)) > 0)
 *		...its own options...
 *	if (opt < 0)
 *		return cl.rc;
 *	rc = cmd_dev(&cl, "DEV and RANGE...", CMD_RANGES);
 *	if (!rc)
 *		rc = cmd_open(&cl, false);
 *	if (rc)
 *		return rc;
 *	...cl.dev, cl.ranges, cl.nr, cl.total, cl.fd; cmd_close(&cl)...
 */
#define CMD_JSON		0x1	/* cmd_init(): the command takes --json */
#define CMD_RANGES		0x2	/* cmd_dev(): RANGE... follow DEV */
#define CMD_INDEX		0x4	/* cmd_dev(): DEV's index alone, no device needed */

struct cmdline {
	const char *name;	/* the command, for its --help */
	int argc;
	char **argv;
	char shortopts[32];	/* getopt_long()'s: the command's, then j and h */
	struct option opts[12];	/* the command's, then --json and --help */
	bool json;		/* --json was given */
	int rc;			/* the exit status when cmd_opt() returned -1 */
	struct dev dev;		/* DEV, after cmd_dev() */
	struct odx_data_set_range ranges[MAX_ARG_RANGES];	/* RANGE..., after cmd_dev() */
	int nr;
	uint64_t total;		/* the bytes of the ranges */
	int fd;			/* DEV open, after cmd_open(); -1 before */
};

/* Set @cl up for command @name: its own options @shortopts and @opts ({ } ended). */
void cmd_init(struct cmdline *cl, const char *name, int argc, char **argv,
	      const char *shortopts, const struct option *opts, unsigned int flags);

/*
 * The next of the command's own options, with optarg as getopt_long() sets
 * it; 0 when there are none left; -1 when the command is done, with cl->rc
 * its exit status: --help printed, or a bad option reported.
 */
int cmd_opt(struct cmdline *cl);

/* No arguments are left after the options; else the usage error. */
int cmd_end(struct cmdline *cl);

/*
 * DEV, the first argument after the options, into cl->dev ("which device?
 * give @usage" when there is none), and with CMD_RANGES the arguments after it
 * as RANGEs of it; without, any argument after DEV is a usage error. 0, or
 * the exit status after saying what is wrong.
 */
int cmd_dev(struct cmdline *cl, const char *usage, unsigned int flags);

/*
 * Open cl->dev, for writing too with @write, into cl->fd; with ranges, their
 * number is checked against the device's maximum (its max_ranges). 0, or the
 * exit status after saying what is wrong (and nothing left open).
 */
int cmd_open(struct cmdline *cl, bool write);

void cmd_close(struct cmdline *cl);

#endif /* ODXCTL_ARGS_H */
