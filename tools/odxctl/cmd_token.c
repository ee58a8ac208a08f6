// SPDX-License-Identifier: GPL-2.0
/*
 * odxctl token, write, release, revoke and zero: one token at a time.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "libodx.h"
#include "advice.h"
#include "args.h"
#include "dev.h"
#include "out.h"
#include "token.h"

int cmd_token(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ttl", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ }
	};
	struct odx_offload_read_output out;
	const char *outfile = NULL;
	const struct dev *d;
	struct json_object *o;
	char what[64], h[32], h2[32];
	struct cmdline cl;
	int opt, fd, err, rc;
	uint32_t ttl = 0;
	bool trunc;
	FILE *f;

	cmd_init(&cl, "token", argc, argv, "t:o:", opts, CMD_JSON);
	while ((opt = cmd_opt(&cl)) > 0) {
		switch (opt) {
		case 't':
			if (parse_ttl(optarg, &ttl))
				return RC_USAGE;
			break;
		case 'o':
			outfile = optarg;
			break;
		}
	}
	if (opt < 0)
		return cl.rc;
	if (cl.json && outfile && !strcmp(outfile, "-"))
		return usage_error("--json and --out - both want standard output");
	rc = cmd_dev(&cl, "DEV and RANGE... (e.g. /dev/odx0 0+1M)", CMD_RANGES);
	if (!rc)
		rc = cmd_open(&cl, false);
	if (rc)
		return rc;
	d = &cl.dev;
	err = odx_offload_read(cl.fd, cl.ranges, cl.nr, ttl, &out);
	cmd_close(&cl);
	if (err) {
		snprintf(what, sizeof(what), "offload read on %s failed", d->path);
		return fail_errno(err, OP_READ, d->path, what);
	}
	trunc = out.offload_read_flags & ODX_OFFLOAD_READ_RANGE_TRUNCATED;
	if (outfile) {
		rc = write_token_file(outfile, &out.token);
		if (rc) {
			/* Nobody will use it: do not leave it pinning pages. */
			if (!dev_open(d, false, &fd)) {
				odx_release(fd, &out.token);
				close(fd);
			}
			return rc;
		}
	}
	if (cl.json) {
		o = js_object();
		js_add(o, "device", js_str(d->path));
		js_add(o, "ranges", js_ranges(cl.ranges, cl.nr));
		js_add(o, "requested", js_u64(cl.total));
		js_add(o, "length_protected", js_u64(out.length_protected));
		js_add(o, "truncated", js_bool(trunc));
		js_add(o, "flags", js_u64(out.offload_read_flags));
		js_add(o, "ttl_ms", js_u64(ttl));
		if (outfile)
			js_add(o, "token_file", js_str(outfile));
		else
			js_add(o, "token", js_hex(&out.token, sizeof(out.token)));
		return js_print(o);
	}
	/* The hex alone on standard output, so that $(odxctl token ...) is the token. */
	if (!outfile) {
		print_hex(stdout, &out.token, sizeof(out.token));
		putchar('\n');
		fflush(stdout);
	}
	f = outfile && strcmp(outfile, "-") ? stdout : stderr;
	fprintf(f, "LengthProtected: %llu bytes (%s) of %" PRIu64 " requested\n",
		(unsigned long long)out.length_protected,
		human(out.length_protected, h, sizeof(h)), cl.total);
	if (trunc)
		fprintf(f, "Truncated: yes, %s short (READ_RANGE_TRUNCATED): mint another token from %" PRIu64 " bytes into the ranges for the rest\n",
			human(cl.total - out.length_protected, h2, sizeof(h2)),
			(uint64_t)out.length_protected);
	else
		fprintf(f, "Truncated: no\n");
	return RC_OK;
}

static void print_write_flags(uint32_t flags)
{
	printf("Flags: 0x%x", flags);
	if (flags & ODX_OFFLOAD_WRITE_RANGE_TRUNCATED)
		printf(" WRITE_RANGE_TRUNCATED");
	if (flags & ODX_OFFLOAD_TOKEN_INVALID)
		printf(" TOKEN_INVALID");
	if (!flags)
		printf(" (none)");
	printf("\n");
}

int cmd_write(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 't' },
		{ "token-offset", required_argument, NULL, 'O' },
		{ }
	};
	const char *token_arg = NULL, *offset_arg = NULL;
	struct odx_offload_write_output out;
	struct odx_token token;
	uint64_t toff = 0;
	struct json_object *o;
	char what[160], h[32];
	struct cmdline cl;
	int opt, err, rc;
	bool trunc;

	cmd_init(&cl, "write", argc, argv, "t:O:", opts, CMD_JSON);
	while ((opt = cmd_opt(&cl)) > 0) {
		switch (opt) {
		case 't':
			token_arg = optarg;
			break;
		case 'O':
			offset_arg = optarg;
			break;
		}
	}
	if (opt < 0)
		return cl.rc;
	if (!token_arg)
		return usage_error("no token: give --token FILE|HEX (from 'odxctl token')");
	rc = cmd_dev(&cl, "DEV --token FILE|HEX RANGE...", CMD_RANGES);
	if (!rc && offset_arg && parse_token_offset(offset_arg, &cl.dev, &toff))
		rc = RC_USAGE;
	if (!rc)
		rc = load_token(token_arg, &token);
	if (!rc)
		rc = cmd_open(&cl, true);
	if (rc)
		return rc;
	err = odx_offload_write(cl.fd, &token, toff, cl.ranges, cl.nr, &out);
	cmd_close(&cl);
	if (err == -EINVAL && token_bytes(&token) && toff >= token_bytes(&token)) {
		snprintf(what, sizeof(what),
			 "offload write on %s failed: --token-offset %" PRIu64 " is not below the %" PRIu64 " bytes the token covers",
			 cl.dev.path, toff, token_bytes(&token));
		return fail_rc(RC_USAGE, "%s (EINVAL)", what);
	}
	if (err) {
		snprintf(what, sizeof(what), "offload write on %s failed", cl.dev.path);
		return fail_errno(err, OP_WRITE, cl.dev.path, what);
	}
	trunc = out.offload_write_flags & ODX_OFFLOAD_WRITE_RANGE_TRUNCATED;
	if (cl.json) {
		o = js_object();
		js_add(o, "device", js_str(cl.dev.path));
		js_add(o, "ranges", js_ranges(cl.ranges, cl.nr));
		js_add(o, "token_offset", js_u64(toff));
		js_add(o, "requested", js_u64(cl.total));
		js_add(o, "length_copied", js_u64(out.length_copied));
		js_add(o, "flags", js_u64(out.offload_write_flags));
		js_add(o, "truncated", js_bool(trunc));
		js_add(o, "token_invalid",
		       js_bool(out.offload_write_flags & ODX_OFFLOAD_TOKEN_INVALID));
		return js_print(o);
	}
	printf("LengthCopied: %llu bytes (%s) of %" PRIu64 " requested\n",
	       (unsigned long long)out.length_copied, human(out.length_copied, h, sizeof(h)),
	       cl.total);
	print_write_flags(out.offload_write_flags);
	return RC_OK;
}

int cmd_release(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 't' },
		{ }
	};
	const char *token_arg = NULL;
	struct odx_token token;
	struct cmdline cl;
	int opt, err, rc;

	cmd_init(&cl, "release", argc, argv, "t:", opts, 0);
	while ((opt = cmd_opt(&cl)) > 0)
		token_arg = optarg;	/* --token */
	if (opt < 0)
		return cl.rc;
	if (!token_arg)
		return usage_error("no token: give --token FILE|HEX");
	rc = cmd_dev(&cl, "DEV --token FILE|HEX", 0);
	if (!rc)
		rc = load_token(token_arg, &token);
	if (!rc)
		rc = cmd_open(&cl, false);
	if (rc)
		return rc;
	err = odx_release(cl.fd, &token);
	cmd_close(&cl);
	if (err)
		return fail_errno(err, OP_RELEASE, cl.dev.path, "cannot release the token");
	printf("released\n");
	return RC_OK;
}

int cmd_revoke(int argc, char **argv)
{
	uint64_t revoked = 0;
	struct json_object *o;
	struct cmdline cl;
	int err, rc;

	cmd_init(&cl, "revoke", argc, argv, NULL, NULL, CMD_JSON);
	if (cmd_opt(&cl) < 0)
		return cl.rc;
	rc = cmd_dev(&cl, "DEV", 0);
	if (!rc)
		rc = cmd_open(&cl, true);
	if (rc)
		return rc;
	err = odx_revoke(cl.fd, &revoked);
	cmd_close(&cl);
	if (err)
		return fail_errno(err, OP_REVOKE, cl.dev.path, "cannot revoke the tokens");
	if (cl.json) {
		o = js_object();
		js_add(o, "device", js_str(cl.dev.path));
		js_add(o, "revoked", js_u64(revoked));
		return js_print(o);
	}
	printf("revoked %" PRIu64 " token%s\n", revoked, revoked == 1 ? "" : "s");
	return RC_OK;
}

int cmd_zero(int argc, char **argv)
{
	struct odx_offload_write_output out;
	struct odx_data_set_range *ranges;
	uint64_t done = 0;
	struct odx_token zero;
	unsigned int writes = 0;
	int err = 0, rc, nr, first = 0;
	struct json_object *o;
	char what[64], h[32];
	struct cmdline cl;

	cmd_init(&cl, "zero", argc, argv, NULL, NULL, CMD_JSON);
	if (cmd_opt(&cl) < 0)
		return cl.rc;
	rc = cmd_dev(&cl, "DEV RANGE... (e.g. /dev/odx0 0+1M)", CMD_RANGES);
	if (!rc)
		rc = cmd_open(&cl, true);
	if (rc)
		return rc;
	ranges = cl.ranges;
	nr = cl.nr;
	odx_zero_token(&zero);
	/* One write may stop short (max_transfer_bytes): carry on from there. */
	while (first < nr) {
		uint64_t n;

		err = odx_offload_write(cl.fd, &zero, 0, ranges + first, nr - first, &out);
		if (!err && !out.length_copied)
			err = -EIO;
		if (err)
			break;
		writes++;
		done += out.length_copied;
		for (n = out.length_copied; n && first < nr;) {
			struct odx_data_set_range *r = &ranges[first];
			uint64_t k = n < r->length_in_bytes ? n : r->length_in_bytes;

			r->starting_offset += k;
			r->length_in_bytes -= k;
			n -= k;
			if (!r->length_in_bytes)
				first++;
		}
	}
	cmd_close(&cl);
	if (err) {
		snprintf(what, sizeof(what), "zeroing on %s failed after %" PRIu64 " bytes",
			 cl.dev.path, done);
		return fail_errno(err, OP_ZERO, cl.dev.path, what);
	}
	if (cl.json) {
		o = js_object();
		js_add(o, "device", js_str(cl.dev.path));
		js_add(o, "requested", js_u64(cl.total));
		js_add(o, "bytes_zeroed", js_u64(done));
		js_add(o, "writes", js_u64(writes));
		return js_print(o);
	}
	printf("zeroed %" PRIu64 " bytes (%s) in %u offload write%s\n", done,
	       human(done, h, sizeof(h)), writes, writes == 1 ? "" : "s");
	return RC_OK;
}
