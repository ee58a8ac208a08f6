// SPDX-License-Identifier: GPL-2.0
/*
 * odxctl's output: messages, sizes for people and JSON through json-c.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"

/* ----------------------------------------------------------------------------
 * Messages
 */

static void vmsg(const char *fmt, va_list ap)
{
	fputs("odxctl: ", stderr);
	if (cmd_name)
		fprintf(stderr, "%s: ", cmd_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int fail_rc(int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	return rc;
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	if (cmd_name)
		fprintf(stderr, "odxctl: see 'odxctl %s --help'\n", cmd_name);
	else
		fprintf(stderr, "odxctl: see 'odxctl --help'\n");
	return RC_USAGE;
}

/* ----------------------------------------------------------------------------
 * Sizes and rates
 */

const char *human(uint64_t v, char *buf, size_t len)
{
	static const char *const names[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	int i = -1;

	while (i + 1 < (int)ARRAY_SIZE(names) && v >= (1ULL << (10 * (i + 2))))
		i++;
	if (i < 0)
		snprintf(buf, len, "%" PRIu64 " byte%s", v, v == 1 ? "" : "s");
	else if (!(v & ((1ULL << (10 * (i + 1))) - 1)))
		snprintf(buf, len, "%" PRIu64 " %s", v >> (10 * (i + 1)), names[i]);
	else
		snprintf(buf, len, "%.1f %s", (double)v / (double)(1ULL << (10 * (i + 1))),
			 names[i]);
	return buf;
}

const char *short_size(uint64_t v, char *buf, size_t len)
{
	static const char units_short[] = "KMGTPE";
	int i = 0;

	while (v && i < 6 && !(v & 1023)) {
		v >>= 10;
		i++;
	}
	if (i)
		snprintf(buf, len, "%" PRIu64 "%c", v, units_short[i - 1]);
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

const char *human_rate(double bps, char *buf, size_t len)
{
	static const char *const names[] = { "B/s", "KiB/s", "MiB/s", "GiB/s", "TiB/s" };
	unsigned int i = 0;

	while (i + 1 < ARRAY_SIZE(names) && bps >= 1024.0) {
		bps /= 1024.0;
		i++;
	}
	snprintf(buf, len, "%.1f %s", bps, names[i]);
	return buf;
}

void print_hex(FILE *f, const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		fprintf(f, "%02x", b[i]);
}

/* ----------------------------------------------------------------------------
 * JSON
 */

/* A value or member could not be made: js_print() must not print. */
static bool js_failed;

static struct json_object *js_made(struct json_object *o)
{
	if (!o)
		js_failed = true;
	return o;
}

struct json_object *js_object(void)
{
	return js_made(json_object_new_object());
}

struct json_object *js_array(void)
{
	return js_made(json_object_new_array());
}

struct json_object *js_u64(uint64_t v)
{
	return js_made(json_object_new_uint64(v));
}

struct json_object *js_str(const char *s)
{
	return js_made(json_object_new_string(s));
}

struct json_object *js_bool(bool v)
{
	return js_made(json_object_new_boolean(v));
}

struct json_object *js_double(double v)
{
	char buf[64];

	/* JSON has no inf or nan. */
	if (!isfinite(v))
		v = 0;
	snprintf(buf, sizeof(buf), "%.6f", v);
	return js_made(json_object_new_double_s(v, buf));
}

struct json_object *js_hex(const void *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *b = p;
	struct json_object *o;
	char *s;
	size_t i;

	s = malloc(2 * len + 1);
	if (!s)
		return js_made(NULL);
	for (i = 0; i < len; i++) {
		s[2 * i] = digits[b[i] >> 4];
		s[2 * i + 1] = digits[b[i] & 15];
	}
	s[2 * len] = '\0';
	o = json_object_new_string(s);
	free(s);
	return js_made(o);
}

struct json_object *js_ranges(const struct odx_data_set_range *r, int nr)
{
	struct json_object *a = js_array(), *e;
	int i;

	for (i = 0; i < nr; i++) {
		e = js_object();
		js_add(e, "offset", js_u64(r[i].starting_offset));
		js_add(e, "length", js_u64(r[i].length_in_bytes));
		js_add(a, NULL, e);
	}
	return a;
}

void js_add(struct json_object *parent, const char *key, struct json_object *v)
{
	int err = -1;

	if (parent && v) {
		if (json_object_is_type(parent, json_type_array))
			err = key ? -1 : json_object_array_add(parent, v);
		else if (json_object_is_type(parent, json_type_object) && key)
			err = json_object_object_add(parent, key, v);
	}
	if (err) {
		json_object_put(v);
		js_failed = true;
	}
}

int js_print(struct json_object *o)
{
	const char *s = NULL;
	int rc = RC_OK;

	/* Plain: one line, as before json-c; "/dev/odx0", not "\/dev\/odx0". */
	if (o && !js_failed)
		s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s) {
		rc = fail_rc(RC_FAIL, "out of memory building the JSON output");
	} else {
		fputs(s, stdout);
		fputc('\n', stdout);
		if (fflush(stdout) || ferror(stdout))
			rc = fail_rc(RC_FAIL, "cannot write to standard output: %s",
				     strerror(errno));
	}
	json_object_put(o);
	return rc;
}
