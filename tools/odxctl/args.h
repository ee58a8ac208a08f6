/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odxctl's command line: sizes, ranges, indexes, times to live and the
 * options getopt_long() refused. The parsers that take a whole argument
 * report what is wrong themselves and return the exit status (0 when good).
 */
#ifndef ODXCTL_ARGS_H
#define ODXCTL_ARGS_H

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

#endif /* ODXCTL_ARGS_H */
