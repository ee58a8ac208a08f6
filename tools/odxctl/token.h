/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tokens as odxctl takes and gives them: 512 raw bytes or 1024 hex digits, in
 * a file, on standard input or standard output, or on the command line.
 */
#ifndef ODXCTL_TOKEN_H
#define ODXCTL_TOKEN_H

#include <stdint.h>

#include "libodx.h"

/*
 * The --token argument into @t: a file (or - for standard input) holding the
 * raw 512 bytes or their hex, or the hex itself. 0, or the exit status after
 * saying what is wrong.
 */
int load_token(const char *arg, struct odx_token *t);

/* Write the raw token to @path (mode 0600) or, for -, standard output. */
int write_token_file(const char *path, const struct odx_token *t);

/*
 * The number of bytes an odx token says it represents; 0 for other tokens.
 * For messages only: the kernel trusts nothing in a token.
 */
uint64_t token_bytes(const struct odx_token *t);

#endif /* ODXCTL_TOKEN_H */
