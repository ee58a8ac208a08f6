/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel types, helpers and constants odx_parse.c needs, for userspace builds. */
#ifndef _ODX_USER_H
#define _ODX_USER_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint64_t u64;

#define ARRAY_SIZE(a)			(sizeof(a) / sizeof((a)[0]))
#define ILLEGAL_REQUEST			0x05

#define check_add_overflow(a, b, d)	__builtin_add_overflow(a, b, d)
#define EXPORT_SYMBOL_IF_KUNIT(sym)

#endif /* _ODX_USER_H */
