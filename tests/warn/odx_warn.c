// SPDX-License-Identifier: GPL-2.0
/*
 * A deliberately bad module: it logs a kernel WARNING when loaded. The test suite
 * loads it in the guest to prove that scripts/odx-vm fails a run whose kernel log
 * has a splat, whatever the command returned. Never part of odx.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init odx_warn_init(void)
{
	WARN(1, "odx_warn: deliberate warning for the runner's self-test\n");
	return 0;
}

static void __exit odx_warn_exit(void)
{
}

module_init(odx_warn_init);
module_exit(odx_warn_exit);
MODULE_DESCRIPTION("odx test: a module that warns on load");
MODULE_LICENSE("GPL");
