// SPDX-License-Identifier: GPL-2.0
/*
 * odxctl token, write, release, revoke and zero: one token at a time.
 */
#include <errno.h>
#include <getopt.h>
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

/* Check the number of ranges against the device's limit. */
static int check_nr_ranges(int fd, const struct dev *d, int nr)
{
	struct odx_caps c;

	if (odx_get_caps(fd, &c))
		return 0;	/* the kernel will say */
	if (c.maximum_data_descriptors && (unsigned int)nr > c.maximum_data_descriptors)
		return usage_error("%d ranges: %s takes at most %u per request (module parameter max_ranges)",
				   nr, d->path, c.maximum_data_descriptors);
	return 0;
}

int cmd_token(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ttl", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	static struct odx_data_set_range ranges[MAX_ARG_RANGES];
	struct odx_offload_read_output out;
	const char *outfile = NULL;
	int opt, fd, err, rc, nr;
	uint64_t total;
	uint32_t ttl = 0;
	struct json_object *o;
	bool json = false, trunc;
	char what[64], h[32], h2[32];
	struct dev d;
	FILE *f;

	while ((opt = getopt_long(argc, argv, ":t:o:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			if (parse_ttl(optarg, &ttl))
				return RC_USAGE;
			break;
		case 'o':
			outfile = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			return print_help("token");
		default:
			return bad_option(argc, argv, opt);
		}
	}
	if (optind >= argc)
		return usage_error("which device? give DEV and RANGE... (e.g. /dev/odx0 0+1M)");
	if (json && outfile && !strcmp(outfile, "-"))
		return usage_error("--json and --out - both want standard output");
	rc = dev_lookup(argv[optind], &d);
	if (rc)
		return rc;
	nr = argc - optind - 1;
	rc = parse_ranges(argv + optind + 1, nr, &d, ranges, &total);
	if (rc)
		return rc;
	rc = dev_open(&d, false, &fd);
	if (rc)
		return rc;
	rc = check_nr_ranges(fd, &d, nr);
	if (rc) {
		close(fd);
		return rc;
	}
	err = odx_offload_read(fd, ranges, nr, ttl, &out);
	close(fd);
	if (err) {
		snprintf(what, sizeof(what), "offload read on %s failed", d.path);
		return fail_errno(err, OP_READ, d.path, what);
	}
	trunc = out.offload_read_flags & ODX_OFFLOAD_READ_RANGE_TRUNCATED;
	if (outfile) {
		rc = write_token_file(outfile, &out.token);
		if (rc) {
			/* Nobody will use it: do not leave it pinning pages. */
			if (!dev_open(&d, false, &fd)) {
				odx_release(fd, &out.token);
				close(fd);
			}
			return rc;
		}
	}
	if (json) {
		o = js_object();
		js_add(o, "device", js_str(d.path));
		js_add(o, "ranges", js_ranges(ranges, nr));
		js_add(o, "requested", js_u64(total));
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
		human(out.length_protected, h, sizeof(h)), total);
	if (trunc)
		fprintf(f, "Truncated: yes, %s short (READ_RANGE_TRUNCATED): mint another token from %" PRIu64 " bytes into the ranges for the rest\n",
			human(total - out.length_protected, h2, sizeof(h2)),
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
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	static struct odx_data_set_range ranges[MAX_ARG_RANGES];
	const char *token_arg = NULL, *offset_arg = NULL;
	struct odx_offload_write_output out;
	int opt, fd, err, rc, nr;
	struct odx_token token;
	uint64_t total, toff = 0;
	struct json_object *o;
	bool json = false, trunc;
	char what[160], h[32];
	struct dev d;

	while ((opt = getopt_long(argc, argv, ":t:O:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			token_arg = optarg;
			break;
		case 'O':
			offset_arg = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			return print_help("write");
		default:
			return bad_option(argc, argv, opt);
		}
	}
	if (optind >= argc)
		return usage_error("which device? give DEV --token FILE|HEX RANGE...");
	if (!token_arg)
		return usage_error("no token: give --token FILE|HEX (from 'odxctl token')");
	rc = dev_lookup(argv[optind], &d);
	if (rc)
		return rc;
	if (offset_arg && parse_token_offset(offset_arg, &d, &toff))
		return RC_USAGE;
	nr = argc - optind - 1;
	rc = parse_ranges(argv + optind + 1, nr, &d, ranges, &total);
	if (rc)
		return rc;
	rc = load_token(token_arg, &token);
	if (rc)
		return rc;
	rc = dev_open(&d, true, &fd);
	if (rc)
		return rc;
	rc = check_nr_ranges(fd, &d, nr);
	if (rc) {
		close(fd);
		return rc;
	}
	err = odx_offload_write(fd, &token, toff, ranges, nr, &out);
	close(fd);
	if (err == -EINVAL && token_bytes(&token) && toff >= token_bytes(&token)) {
		snprintf(what, sizeof(what),
			 "offload write on %s failed: --token-offset %" PRIu64 " is not below the %" PRIu64 " bytes the token covers",
			 d.path, toff, token_bytes(&token));
		return fail_rc(RC_USAGE, "%s (EINVAL)", what);
	}
	if (err) {
		snprintf(what, sizeof(what), "offload write on %s failed", d.path);
		return fail_errno(err, OP_WRITE, d.path, what);
	}
	trunc = out.offload_write_flags & ODX_OFFLOAD_WRITE_RANGE_TRUNCATED;
	if (json) {
		o = js_object();
		js_add(o, "device", js_str(d.path));
		js_add(o, "ranges", js_ranges(ranges, nr));
		js_add(o, "token_offset", js_u64(toff));
		js_add(o, "requested", js_u64(total));
		js_add(o, "length_copied", js_u64(out.length_copied));
		js_add(o, "flags", js_u64(out.offload_write_flags));
		js_add(o, "truncated", js_bool(trunc));
		js_add(o, "token_invalid",
		       js_bool(out.offload_write_flags & ODX_OFFLOAD_TOKEN_INVALID));
		return js_print(o);
	}
	printf("LengthCopied: %llu bytes (%s) of %" PRIu64 " requested\n",
	       (unsigned long long)out.length_copied, human(out.length_copied, h, sizeof(h)),
	       total);
	print_write_flags(out.offload_write_flags);
	return RC_OK;
}

int cmd_release(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *token_arg = NULL;
	struct odx_token token;
	int opt, fd, err, rc;
	char what[64];
	struct dev d;

	while ((opt = getopt_long(argc, argv, ":t:h", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			token_arg = optarg;
			break;
		case 'h':
			return print_help("release");
		default:
			return bad_option(argc, argv, opt);
		}
	}
	if (optind >= argc)
		return usage_error("which device? give DEV --token FILE|HEX");
	if (optind + 1 < argc)
		return usage_error("unexpected argument '%s'", argv[optind + 1]);
	if (!token_arg)
		return usage_error("no token: give --token FILE|HEX");
	rc = dev_lookup(argv[optind], &d);
	if (rc)
		return rc;
	rc = load_token(token_arg, &token);
	if (rc)
		return rc;
	rc = dev_open(&d, false, &fd);
	if (rc)
		return rc;
	err = odx_release(fd, &token);
	close(fd);
	if (err) {
		snprintf(what, sizeof(what), "cannot release the token");
		return fail_errno(err, OP_RELEASE, d.path, what);
	}
	printf("released\n");
	return RC_OK;
}

int cmd_revoke(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	uint64_t revoked = 0;
	struct json_object *o;
	bool json = false;
	int opt, fd, err, rc;
	struct dev d;

	while ((opt = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			return print_help("revoke");
		default:
			return bad_option(argc, argv, opt);
		}
	}
	if (optind >= argc)
		return usage_error("which device? give DEV");
	if (optind + 1 < argc)
		return usage_error("unexpected argument '%s'", argv[optind + 1]);
	rc = dev_lookup(argv[optind], &d);
	if (rc)
		return rc;
	rc = dev_open(&d, true, &fd);
	if (rc)
		return rc;
	err = odx_revoke(fd, &revoked);
	close(fd);
	if (err)
		return fail_errno(err, OP_REVOKE, d.path, "cannot revoke the tokens");
	if (json) {
		o = js_object();
		js_add(o, "device", js_str(d.path));
		js_add(o, "revoked", js_u64(revoked));
		return js_print(o);
	}
	printf("revoked %" PRIu64 " token%s\n", revoked, revoked == 1 ? "" : "s");
	return RC_OK;
}

int cmd_zero(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	static struct odx_data_set_range ranges[MAX_ARG_RANGES];
	struct odx_offload_write_output out;
	uint64_t total, done = 0;
	struct odx_token zero;
	unsigned int writes = 0;
	int opt, fd, err = 0, rc, nr, first = 0;
	struct json_object *o;
	bool json = false;
	char what[64], h[32];
	struct dev d;

	while ((opt = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			return print_help("zero");
		default:
			return bad_option(argc, argv, opt);
		}
	}
	if (optind >= argc)
		return usage_error("which device? give DEV RANGE... (e.g. /dev/odx0 0+1M)");
	rc = dev_lookup(argv[optind], &d);
	if (rc)
		return rc;
	nr = argc - optind - 1;
	rc = parse_ranges(argv + optind + 1, nr, &d, ranges, &total);
	if (rc)
		return rc;
	rc = dev_open(&d, true, &fd);
	if (rc)
		return rc;
	rc = check_nr_ranges(fd, &d, nr);
	if (rc) {
		close(fd);
		return rc;
	}
	odx_zero_token(&zero);
	/* One write may stop short (max_transfer_bytes): carry on from there. */
	while (first < nr) {
		uint64_t n;

		err = odx_offload_write(fd, &zero, 0, ranges + first, nr - first, &out);
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
	close(fd);
	if (err) {
		snprintf(what, sizeof(what), "zeroing on %s failed after %" PRIu64 " bytes",
			 d.path, done);
		return fail_errno(err, OP_ZERO, d.path, what);
	}
	if (json) {
		o = js_object();
		js_add(o, "device", js_str(d.path));
		js_add(o, "requested", js_u64(total));
		js_add(o, "bytes_zeroed", js_u64(done));
		js_add(o, "writes", js_u64(writes));
		return js_print(o);
	}
	printf("zeroed %" PRIu64 " bytes (%s) in %u offload write%s\n", done,
	       human(done, h, sizeof(h)), writes, writes == 1 ? "" : "s");
	return RC_OK;
}
