// SPDX-License-Identifier: GPL-2.0
/*
 * odx: ioctl parsing and dispatch: the control device /dev/odx-control.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/uaccess.h>

#include "odx_internal.h"

static_assert(sizeof(struct odx_device_params) == 40);
static_assert(offsetof(struct odx_device_params, block_size) == 8);
static_assert(offsetof(struct odx_device_params, index) == 12);
static_assert(offsetof(struct odx_device_params, flags) == 16);
static_assert(offsetof(struct odx_device_params, reserved) == 20);

static long odx_ctl_add(struct odx_device_params __user *uarg)
{
	struct odx_device_params p;
	int err;

	if (copy_from_user(&p, uarg, sizeof(p)))
		return -EFAULT;
	err = odx_dev_create(&p);
	if (err)
		return err;
	if (copy_to_user(uarg, &p, sizeof(p))) {
		/* The caller cannot learn the index: undo, so nothing is left behind. */
		WARN_ON_ONCE(odx_dev_remove(p.index));
		return -EFAULT;
	}
	return 0;
}

static long odx_ctl_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	u32 index;

	switch (cmd) {
	case ODX_CTL_ADD:
	case ODX_CTL_REMOVE:
		break;
	default:
		return -ENOTTY;
	}
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

	switch (cmd) {
	case ODX_CTL_ADD:
		return odx_ctl_add(uarg);
	case ODX_CTL_REMOVE:
		if (get_user(index, (u32 __user *)uarg))
			return -EFAULT;
		return odx_dev_remove(index);
	}
	return -ENOTTY;
}

static const struct file_operations odx_ctl_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= odx_ctl_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice odx_ctl_dev = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= ODX_CONTROL_NAME,
	.fops		= &odx_ctl_fops,
	.mode		= 0600,
};

/**
 * odx_ctl_init() - register the control device
 *
 * Return: 0 or the error from misc_register().
 */
int odx_ctl_init(void)
{
	return misc_register(&odx_ctl_dev);
}

/**
 * odx_ctl_exit() - unregister the control device
 */
void odx_ctl_exit(void)
{
	misc_deregister(&odx_ctl_dev);
}
