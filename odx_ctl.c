// SPDX-License-Identifier: GPL-2.0
/*
 * odx: the control device /dev/odx-control (ODX_CTL_ADD, ODX_CTL_REMOVE) and
 * the module-wide token counters in /sys/class/misc/odx-control/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>

#include "odx_core.h"
#include "odx_ctl.h"
#include "odx_token.h"

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
	/* The result must be deliverable before anything is created. */
	if (copy_to_user(uarg, &p, sizeof(p)))
		return -EFAULT;
	err = odx_dev_create(&p, NULL, NULL);
	if (err)
		return err;
	if (copy_to_user(uarg, &p, sizeof(p))) {
		/*
		 * The buffer went away meanwhile. Undo if nobody opened the new
		 * device yet; otherwise it stays, visible in /sys/block.
		 */
		odx_dev_remove(p.index, NULL);
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
		return odx_dev_remove(index, NULL);
	}
	return -ENOTTY;
}

static const struct file_operations odx_ctl_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= odx_ctl_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

/* Module-wide token counters, in /sys/class/misc/odx-control/. */
static ssize_t tokens_live_show(struct device *d, struct device_attribute *attr,
				char *buf)
{
	return sysfs_emit(buf, "%lu\n", odx_tokens_live());
}
static DEVICE_ATTR_RO(tokens_live);

static ssize_t token_pages_show(struct device *d, struct device_attribute *attr,
				char *buf)
{
	return sysfs_emit(buf, "%lu\n", odx_tokens_pinned_pages());
}
static DEVICE_ATTR_RO(token_pages);

static ssize_t tokens_revoked_show(struct device *d, struct device_attribute *attr,
				   char *buf)
{
	return sysfs_emit(buf, "%llu\n", odx_tokens_revoked());
}
static DEVICE_ATTR_RO(tokens_revoked);

static struct attribute *odx_ctl_attrs[] = {
	&dev_attr_tokens_live.attr,
	&dev_attr_token_pages.attr,
	&dev_attr_tokens_revoked.attr,
	NULL,
};
ATTRIBUTE_GROUPS(odx_ctl);

static struct miscdevice odx_ctl_dev = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= ODX_CONTROL_NAME,
	.fops		= &odx_ctl_fops,
	.mode		= 0600,
	.groups		= odx_ctl_groups,
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
