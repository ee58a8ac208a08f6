// SPDX-License-Identifier: GPL-2.0
/*
 * odx: RAM-backed block devices for offloaded data transfer (ODX) token copy.
 *
 * The module: it sets up the store's reserves, the token table, the devices
 * (with nr_devices of them made at load), the control device and configfs,
 * and takes them down in reverse.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>

#include "odx_configfs.h"
#include "odx_core.h"
#include "odx_ctl.h"
#include "odx_store.h"
#include "odx_token.h"

static unsigned int nr_devices = 1;
module_param(nr_devices, uint, 0444);
MODULE_PARM_DESC(nr_devices, "Devices to create at load (default 1)");

static unsigned long size_mb = 64;
module_param(size_mb, ulong, 0444);
MODULE_PARM_DESC(size_mb, "Size of each device created at load, in MiB (default 64)");

static int __init odx_init(void)
{
	struct odx_device_params p;
	unsigned int i;
	int err;

	if (nr_devices > ODX_MAX_DEVICES) {
		pr_err("nr_devices must be at most %u\n", ODX_MAX_DEVICES);
		return -EINVAL;
	}
	if (size_mb > ODX_MAX_DEVICE_BYTES >> 20) {
		pr_err("size_mb must be at most %llu\n", ODX_MAX_DEVICE_BYTES >> 20);
		return -EINVAL;
	}

	err = odx_store_module_init();
	if (err)
		return err;
	err = odx_tokens_init();
	if (err)
		goto out_exit_store;
	err = odx_devices_init();
	if (err)
		goto out_exit_tokens;
	err = odx_ctl_init();
	if (err)
		goto out_exit_devices;
	err = odx_configfs_init();
	if (err)
		goto out_exit_ctl;

	for (i = 0; i < nr_devices; i++) {
		p = (struct odx_device_params) {
			.size_bytes = (u64)size_mb << 20,
			.index = i,
		};
		err = odx_dev_create(&p, NULL, NULL);
		if (err) {
			pr_err("cannot create odx%u: %d\n", i, err);
			goto out_exit_configfs;
		}
	}
	return 0;

out_exit_configfs:
	odx_configfs_exit();
out_exit_ctl:
	odx_ctl_exit();
out_exit_devices:
	/* Removes the devices made so far. */
	odx_devices_exit();
out_exit_tokens:
	odx_tokens_exit();
out_exit_store:
	/* Waits for the deferred page frees, which run module code. */
	odx_store_module_exit();
	return err;
}

static void __exit odx_exit(void)
{
	odx_configfs_exit();
	odx_ctl_exit();
	odx_devices_exit();
	odx_tokens_exit();
	/* Waits for the deferred page frees, which run module code. */
	odx_store_module_exit();
}

module_init(odx_init);
module_exit(odx_exit);
MODULE_DESCRIPTION("odx: RAM block devices with ODX token copy");
MODULE_LICENSE("GPL");
MODULE_VERSION(ODX_VERSION);
