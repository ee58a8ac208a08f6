// SPDX-License-Identifier: GPL-2.0
/*
 * odxctl create, remove, list and info: the devices themselves.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libodx.h"
#include "advice.h"
#include "args.h"
#include "dev.h"
#include "out.h"

#define DEFAULT_CREATE_SIZE	(64ULL << 20)

/* ----------------------------------------------------------------------------
 * create, remove, list
 */

int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "block-size", required_argument, NULL, 'b' },
		{ "index", required_argument, NULL, 'i' },
		{ }
	};
	uint64_t size = DEFAULT_CREATE_SIZE, bs = 0;
	uint32_t index = ODX_INDEX_ANY, got;
	char path[32], what[64], h[32];
	struct cmdline cl;
	int opt, err, i;
	long n;

	cmd_init(&cl, "create", argc, argv, "s:b:i:", opts, 0);
	while ((opt = cmd_opt(&cl)) > 0) {
		switch (opt) {
		case 's':
			if (parse_size_opt("--size", optarg, &size))
				return RC_USAGE;
			break;
		case 'b':
			if (parse_size_opt("--block-size", optarg, &bs))
				return RC_USAGE;
			if (bs != 512 && bs != 4096)
				return usage_error("bad --block-size %s: odx devices have 512- or 4096-byte logical blocks",
						   optarg);
			break;
		case 'i':
			n = parse_index(optarg);
			if (!strncmp(optarg, "odx", 3))
				n = parse_index(optarg + 3);
			if (n < 0 || n >= ODX_MAX_DEVICES)
				return usage_error("bad --index %s: a device number from 0 to %d",
						   optarg, ODX_MAX_DEVICES - 1);
			index = n;
			break;
		}
	}
	if (opt < 0)
		return cl.rc;
	if (cmd_end(&cl))
		return RC_USAGE;
	if (!size)
		return usage_error("bad --size 0: a device needs at least 4K");
	if (size % 4096)
		return usage_error("bad --size %" PRIu64 ": odx devices are made of whole 4K pages; use a multiple of 4096, e.g. %" PRIu64 "K",
				   size, (size + 4095) / 4096 * 4);
	if (size > ODX_MAX_DEVICE_BYTES)
		return usage_error("bad --size %s: odx devices hold at most 1T",
				   human(size, h, sizeof(h)));
	if (!module_loaded())
		return fail_rc(RC_NODEV, "the odx module is not loaded (insmod odx.ko)");

	err = odx_ctl_add(size, bs, index, &got);
	if (err) {
		if (index == ODX_INDEX_ANY)
			snprintf(what, sizeof(what), "cannot create a device");
		else
			snprintf(what, sizeof(what), "cannot create /dev/odx%u", index);
		snprintf(path, sizeof(path), "/dev/odx%u", index);
		return fail_errno(err, OP_ADD, path, what);
	}
	snprintf(path, sizeof(path), "/dev/odx%u", got);
	/* devtmpfs makes the node at once; give a udev-managed /dev a moment. */
	for (i = 0; i < 50 && access(path, F_OK); i++)
		usleep(20000);
	printf("%s\n", path);
	return RC_OK;
}

int cmd_remove(int argc, char **argv)
{
	struct cmdline cl;
	char what[64];
	int err, rc;

	cmd_init(&cl, "remove", argc, argv, NULL, NULL, 0);
	if (cmd_opt(&cl) < 0)
		return cl.rc;
	rc = cmd_dev(&cl, "DEV (/dev/odxN, odxN or N)", CMD_INDEX);
	if (rc)
		return rc;
	if (!module_loaded())
		return fail_rc(RC_NODEV, "no device %s: the odx module is not loaded",
			       cl.argv[optind]);
	err = odx_ctl_remove(cl.dev.index);
	if (err) {
		snprintf(what, sizeof(what), "cannot remove %s", cl.dev.path);
		return fail_errno(err, OP_REMOVE, cl.dev.path, what);
	}
	return RC_OK;
}

int cmd_list(int argc, char **argv)
{
	static unsigned int idx[ODX_MAX_DEVICES];
	struct json_object *top = NULL, *devs = NULL;
	struct cmdline cl;
	bool json;
	int nr, i;
	char h[32];

	cmd_init(&cl, "list", argc, argv, NULL, NULL, CMD_JSON);
	if (cmd_opt(&cl) < 0)
		return cl.rc;
	if (cmd_end(&cl))
		return RC_USAGE;
	json = cl.json;
	if (!module_loaded())
		return fail_rc(RC_NODEV, "the odx module is not loaded (insmod odx.ko)");
	nr = dev_list(idx, ODX_MAX_DEVICES);
	if (nr < 0)
		return fail_rc(RC_FAIL, "cannot read " SYS_BLOCK ": %s", strerror(-nr));

	if (json) {
		top = js_object();
		devs = js_array();
		js_add(top, "devices", devs);
	} else {
		printf("%-12s %10s %6s %8s %7s\n", "DEVICE", "SIZE", "BLOCK", "PAGES", "TOKENS");
	}
	for (i = 0; i < nr; i++) {
		uint64_t pages = 0, live = 0, bs = 0;
		struct dev d;

		/* A device removed meanwhile is skipped, quietly. */
		memset(&d, 0, sizeof(d));
		snprintf(d.name, sizeof(d.name), "odx%u", idx[i]);
		if (dev_attr(&d, "size", &d.size))
			continue;
		d.size <<= 9;
		dev_attr(&d, "odx/block_size", &bs);
		d.block_size = bs;
		dev_attr(&d, "odx/pages", &pages);
		dev_attr(&d, "odx/tokens_live", &live);
		snprintf(d.path, sizeof(d.path), "/dev/odx%u", idx[i]);
		if (json) {
			struct json_object *e = js_object();

			js_add(e, "device", js_str(d.path));
			js_add(e, "name", js_str(d.name));
			js_add(e, "index", js_u64(idx[i]));
			js_add(e, "size", js_u64(d.size));
			js_add(e, "block_size", js_u64(d.block_size));
			js_add(e, "pages", js_u64(pages));
			js_add(e, "tokens_live", js_u64(live));
			js_add(devs, NULL, e);
		} else {
			printf("%-12s %10s %6u %8" PRIu64 " %7" PRIu64 "\n", d.path,
			       human(d.size, h, sizeof(h)), d.block_size, pages, live);
		}
	}
	if (json)
		return js_print(top);
	return RC_OK;
}

/* ----------------------------------------------------------------------------
 * info
 */

/* Counters of /sys/block/odxN/odx (its read-only files), in this order; others found follow. */
static const char *const counters[] = {
	"pages", "token_pages", "token_bytes", "tokens_minted", "tokens_live",
	"tokens_expired", "tokens_released", "tokens_revoked", "invalid_token_uses",
	"bytes_copied", "bytes_shared", "bytes_zeroed",
};

/* Settings of /sys/block/odxN/odx (its writable files), in this order; others found follow. */
static const char *const settings[] = {
	"share_pages", "allow_cross_device", "ddpt_quirk", "token_bytes_max",
	"token_age_max_ms",
};

static bool is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static const struct {
	unsigned int bit;
	const char *name;
} features[] = {
	{ ODX_CAP_POINT_IN_TIME, "point_in_time" },
	{ ODX_CAP_ZERO_TOKEN, "zero_token" },
	{ ODX_CAP_CROSS_DEVICE, "cross_device" },
	{ ODX_CAP_RELEASE, "release" },
	{ ODX_CAP_REVOKE, "revoke" },
};

/* What info shows: the device, its caps, counters and settings, the module's parameters. */
struct info {
	struct dev d;
	struct odx_caps c;
	bool ro;
	struct attr cnt[64], set[32], par[64];
	int ncnt, nset, npar;
};

/* Name/value pairs as a JSON object; numbers as numbers. */
static struct json_object *js_attrs(const struct attr *a, int nr)
{
	struct json_object *o = js_object();
	int i;

	for (i = 0; i < nr; i++)
		js_add(o, a[i].name, is_number(a[i].value) ?
			  js_u64(strtoull(a[i].value, NULL, 10)) : js_str(a[i].value));
	return o;
}

static int info_json(const struct info *in)
{
	const struct odx_caps *c = &in->c;
	struct json_object *o = js_object(), *caps = js_object(), *names = js_array();
	char ver[64];
	size_t i;

	js_add(o, "device", js_str(in->d.path));
	js_add(o, "name", js_str(in->d.name));
	js_add(o, "index", js_u64(in->d.index));
	js_add(o, "size", js_u64(in->d.size));
	js_add(o, "block_size", js_u64(in->d.block_size));
	js_add(o, "read_only", js_bool(in->ro));
	js_add(o, "module_version", js_str(module_version(ver, sizeof(ver))));
	js_add(caps, "version", js_u64(c->version));
	js_add(caps, "size", js_u64(c->size));
	js_add(caps, "maximum_token_lifetime", js_u64(c->maximum_token_lifetime));
	js_add(caps, "default_token_lifetime", js_u64(c->default_token_lifetime));
	js_add(caps, "maximum_transfer_size", js_u64(c->maximum_transfer_size));
	js_add(caps, "optimal_transfer_count", js_u64(c->optimal_transfer_count));
	js_add(caps, "maximum_data_descriptors", js_u64(c->maximum_data_descriptors));
	js_add(caps, "maximum_transfer_length_per_descriptor",
	       js_u64(c->maximum_transfer_length_per_descriptor));
	js_add(caps, "optimal_transfer_length_per_descriptor",
	       js_u64(c->optimal_transfer_length_per_descriptor));
	js_add(caps, "optimal_transfer_length_granularity",
	       js_u64(c->optimal_transfer_length_granularity));
	js_add(caps, "block_size", js_u64(c->block_size));
	js_add(caps, "maximum_token_size", js_u64(c->maximum_token_size));
	js_add(caps, "features", js_u64(c->features));
	for (i = 0; i < ARRAY_SIZE(features); i++)
		if (c->features & features[i].bit)
			js_add(names, NULL, js_str(features[i].name));
	js_add(caps, "feature_names", names);
	js_add(o, "caps", caps);
	js_add(o, "counters", js_attrs(in->cnt, in->ncnt));
	js_add(o, "settings", js_attrs(in->set, in->nset));
	js_add(o, "parameters", js_attrs(in->par, in->npar));
	return js_print(o);
}

static int info_text(const struct info *in)
{
	const struct odx_caps *c = &in->c;
	const struct dev *d = &in->d;
	char h[32], h2[32], ver[64];
	int i;

	printf("device:     %s (index %u)%s\n", d->path, d->index, in->ro ? ", read-only" : "");
	printf("size:       %" PRIu64 " bytes (%s)\n", d->size, human(d->size, h, sizeof(h)));
	printf("block size: %u\n", d->block_size);
	printf("module:     odx %s\n", module_version(ver, sizeof(ver)));
	printf("capabilities (ODX_IOC_CAPS, version %u):\n", c->version);
	printf("  features:                               0x%x", c->features);
	for (i = 0; i < (int)ARRAY_SIZE(features); i++)
		if (c->features & features[i].bit)
			printf(" %s", features[i].name);
	printf("\n");
	printf("  maximum token lifetime:                 %u s\n", c->maximum_token_lifetime);
	printf("  default token lifetime:                 %u s\n", c->default_token_lifetime);
	printf("  maximum token size:                     %llu bytes (%s)\n",
	       (unsigned long long)c->maximum_token_size,
	       human(c->maximum_token_size, h, sizeof(h)));
	printf("  maximum transfer size:                  %llu bytes (%s)\n",
	       (unsigned long long)c->maximum_transfer_size,
	       human(c->maximum_transfer_size, h, sizeof(h)));
	printf("  optimal transfer count:                 %llu bytes (%s)\n",
	       (unsigned long long)c->optimal_transfer_count,
	       human(c->optimal_transfer_count, h, sizeof(h)));
	printf("  maximum data descriptors:               %u\n",
	       c->maximum_data_descriptors);
	printf("  maximum transfer length per descriptor: %u blocks (%s)\n",
	       c->maximum_transfer_length_per_descriptor,
	       human((uint64_t)c->maximum_transfer_length_per_descriptor * c->block_size,
		     h, sizeof(h)));
	printf("  optimal transfer length per descriptor: %u blocks (%s)\n",
	       c->optimal_transfer_length_per_descriptor,
	       human((uint64_t)c->optimal_transfer_length_per_descriptor * c->block_size,
		     h2, sizeof(h2)));
	printf("  optimal transfer length granularity:    %u blocks\n",
	       c->optimal_transfer_length_granularity);
	printf("counters (" SYS_BLOCK "/%s/odx):\n", d->name);
	for (i = 0; i < in->ncnt; i++)
		printf("  %-20s %s\n", in->cnt[i].name, in->cnt[i].value);
	printf("settings (" SYS_BLOCK "/%s/odx, writable):\n", d->name);
	for (i = 0; i < in->nset; i++)
		printf("  %-20s %s\n", in->set[i].name, in->set[i].value);
	printf("module parameters (" SYS_MODULE "/parameters):\n");
	for (i = 0; i < in->npar; i++)
		printf("  %-20s %s\n", in->par[i].name, in->par[i].value);
	return RC_OK;
}

int cmd_info(int argc, char **argv)
{
	struct cmdline cl;
	static struct info in;
	uint64_t ro = 0;
	char dir[128];
	int err, rc, i;

	cmd_init(&cl, "info", argc, argv, NULL, NULL, CMD_JSON);
	if (cmd_opt(&cl) < 0)
		return cl.rc;
	rc = cmd_dev(&cl, "DEV (/dev/odxN, odxN or N)", 0);
	if (!rc)
		rc = cmd_open(&cl, false);
	if (rc)
		return rc;
	in.d = cl.dev;
	err = odx_get_caps(cl.fd, &in.c);
	cmd_close(&cl);
	if (err)
		return fail_errno(err, OP_CAPS, in.d.path, "ODX_IOC_CAPS failed");
	dev_attr(&in.d, "ro", &ro);
	in.ro = ro;
	snprintf(dir, sizeof(dir), SYS_BLOCK "/%s/odx", in.d.name);
	in.ncnt = dev_read_attrs(dir, ATTRS_READ_ONLY, counters, ARRAY_SIZE(counters),
				 in.cnt, ARRAY_SIZE(in.cnt));
	in.nset = dev_read_attrs(dir, ATTRS_WRITABLE, settings, ARRAY_SIZE(settings),
				 in.set, ARRAY_SIZE(in.set));
	in.npar = dev_read_attrs(SYS_MODULE "/parameters", ATTRS_ALL, NULL, 0, in.par,
				 ARRAY_SIZE(in.par));

	rc = cl.json ? info_json(&in) : info_text(&in);
	for (i = 0; i < in.ncnt; i++)
		free(in.cnt[i].name);
	for (i = 0; i < in.nset; i++)
		free(in.set[i].name);
	for (i = 0; i < in.npar; i++)
		free(in.par[i].name);
	return rc;
}
