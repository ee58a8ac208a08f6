/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odxctl's output: messages on standard error, sizes and rates for people, and
 * the one JSON object --json prints (built with json-c).
 */
#ifndef ODXCTL_OUT_H
#define ODXCTL_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "libodx.h"
#include "odxctl.h"

/* "odxctl: CMD: MESSAGE" on standard error; returns @rc. */
__printf(2, 3) int fail_rc(int rc, const char *fmt, ...);

/* A command line error: the message and where to read more; returns RC_USAGE. */
__printf(1, 2) int usage_error(const char *fmt, ...);

/* @v bytes for people: "64 MiB", "1.5 KiB", "100 bytes". */
const char *human(uint64_t v, char *buf, size_t len);

/* @v as odxctl reads it, in the largest unit that is exact: "1M", "1536K". */
const char *short_size(uint64_t v, char *buf, size_t len);

/* A rate in bytes per second, for people: "1.5 GiB/s". */
const char *human_rate(double bps, char *buf, size_t len);

/* @len bytes as lowercase hex, no separators. */
void print_hex(FILE *f, const void *p, size_t len);

/*
 * JSON. Build the object with js_object(), js_array() and the value makers,
 * attach values with js_add() and print it with js_print(), which frees it.
 * A value that could not be made (out of memory) is remembered, and js_print()
 * then fails instead of printing a partial object.
 */
struct json_object *js_object(void);
struct json_object *js_array(void);
struct json_object *js_u64(uint64_t v);
struct json_object *js_str(const char *s);
struct json_object *js_bool(bool v);
struct json_object *js_double(double v);	/* printed as %.6f */
struct json_object *js_hex(const void *p, size_t len);
/* [{"offset": ..., "length": ...}, ...] */
struct json_object *js_ranges(const struct odx_data_set_range *r, int nr);

/* Add @v to object @parent as @key, or to the end of array @parent (@key NULL). */
void js_add(struct json_object *parent, const char *key, struct json_object *v);

/* Print @o on one line of standard output and free it; RC_OK or RC_FAIL. */
int js_print(struct json_object *o);

#endif /* ODXCTL_OUT_H */
