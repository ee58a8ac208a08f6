// SPDX-License-Identifier: GPL-2.0
/*
 * odx KUnit test module: the suites live in odx_kunit.c (store, device
 * parameters) and odx_token_kunit.c (validation, token table, copies).
 */
#include <linux/module.h>

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_DESCRIPTION("KUnit tests for odx");
MODULE_LICENSE("GPL");
