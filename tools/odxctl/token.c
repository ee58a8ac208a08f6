// SPDX-License-Identifier: GPL-2.0
/*
 * Tokens as odxctl takes and gives them: raw or hex, files, standard input
 * and output, the command line.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "advice.h"
#include "out.h"
#include "token.h"

#define MAX_TOKEN_FILE		8192

/*
 * Parse @len bytes of hex text (whitespace allowed, an optional 0x in front)
 * into @t. *@ndigits gets the digit count; *@bad the first bad character or -1.
 */
static int parse_hex_token(const char *s, size_t len, struct odx_token *t, size_t *ndigits,
			   long *bad)
{
	unsigned char *out = (unsigned char *)t;
	size_t i = 0, n = 0;

	*bad = -1;
	while (i < len && isspace((unsigned char)s[i]))
		i++;
	if (i + 1 < len && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))
		i += 2;
	for (; i < len; i++) {
		int c = (unsigned char)s[i], v;

		if (isspace(c))
			continue;
		if (!isxdigit(c)) {
			*bad = i;
			break;
		}
		v = isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
		if (n < 2 * ODX_TOKEN_LENGTH)
			out[n / 2] = (n % 2) ? (out[n / 2] | v) : (v << 4);
		n++;
	}
	*ndigits = n;
	return *bad < 0 && n == 2 * ODX_TOKEN_LENGTH ? 0 : -1;
}

/* Read all of @fd, at most @max bytes; -EFBIG if there is more. */
static ssize_t read_all(int fd, char *buf, size_t max)
{
	size_t done = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, buf + done, max - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return done;
		done += n;
		if (done == max) {
			char c;

			n = read(fd, &c, 1);
			return n > 0 ? -EFBIG : (ssize_t)done;
		}
	}
}

/*
 * The --token argument: a file (or - for standard input) holding the raw 512
 * bytes or their hex, or the hex itself.
 */
int load_token(const char *arg, struct odx_token *t)
{
	static char buf[MAX_TOKEN_FILE];
	size_t ndigits;
	struct stat st;
	ssize_t n;
	long bad;
	int fd;

	if (!strcmp(arg, "-") || !stat(arg, &st)) {
		const char *name = strcmp(arg, "-") ? arg : "standard input";

		if (strcmp(arg, "-") && S_ISDIR(st.st_mode))
			return usage_error("token file %s is a directory", arg);
		fd = strcmp(arg, "-") ? open(arg, O_RDONLY | O_CLOEXEC) : 0;
		if (fd < 0)
			return fail_rc(RC_USAGE, "cannot read token file %s: %s (%s)", arg,
				       strerror(errno), errno_name(errno));
		n = read_all(fd, buf, sizeof(buf));
		if (fd)
			close(fd);
		if (n == -EFBIG)
			return usage_error("token file %s is too large: a token is 512 raw bytes or 1024 hex digits",
					   name);
		if (n < 0)
			return fail_rc(RC_USAGE, "cannot read token file %s: %s (%s)", name,
				       strerror(-n), errno_name(-n));
		if (n == ODX_TOKEN_LENGTH) {
			memcpy(t, buf, ODX_TOKEN_LENGTH);
			return 0;
		}
		if (!parse_hex_token(buf, n, t, &ndigits, &bad))
			return 0;
		if (bad >= 0 || !ndigits)
			return usage_error("token file %s holds %zd bytes: not a token, which is 512 raw bytes (odxctl token --out FILE) or 1024 hex digits (odxctl token > FILE)",
					   name, n);
		return usage_error("token file %s holds %zu hex digits; a token is 1024 (512 bytes)",
				   name, ndigits);
	}
	if (!parse_hex_token(arg, strlen(arg), t, &ndigits, &bad))
		return 0;
	if (bad >= 0) {
		if (strchr(arg, '/') || strchr(arg, '.') || ndigits < 16)
			return usage_error("--token %.64s: no such file, and not a hex token (1024 hex digits)",
					   arg);
		return usage_error("--token: bad hex token: '%c' at position %ld is not a hex digit",
				   arg[bad], bad + 1);
	}
	return usage_error("--token: a hex token has 1024 hex digits (512 bytes), this one %zu",
			   ndigits);
}

/*
 * The number of bytes an odx token says it represents (the SPC-4 ROD token's
 * "number of bytes represented", bytes 48-63); 0 for other tokens. For
 * messages only: the kernel trusts nothing in a token.
 */
uint64_t token_bytes(const struct odx_token *t)
{
	const unsigned char *b = (const unsigned char *)t + 56;
	uint64_t v = 0;
	int i;

	if (t->token_type[0] != 0x00 || t->token_type[1] != 0x80 ||
	    t->token_type[2] != 0x00 || t->token_type[3] != 0x00)
		return 0;
	for (i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

int write_token_file(const char *path, const struct odx_token *t)
{
	ssize_t n;
	int fd;

	if (!strcmp(path, "-")) {
		n = fwrite(t, 1, sizeof(*t), stdout) == sizeof(*t) ? 0 : -EIO;
		if (!n && fflush(stdout))
			n = -errno;
	} else {
		/* A token is a bearer capability: keep it private. */
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			return fail_rc(RC_FAIL, "cannot write the token to %s: %s (%s)", path,
				       strerror(errno), errno_name(errno));
		n = write(fd, t, sizeof(*t));
		n = n == sizeof(*t) ? 0 : n < 0 ? -errno : -EIO;
		if (close(fd) && !n)
			n = -errno;
	}
	if (n)
		return fail_rc(RC_FAIL, "cannot write the token to %s: %s", path,
			       strerror((int)-n));
	return 0;
}
