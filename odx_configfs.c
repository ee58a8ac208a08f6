// SPDX-License-Identifier: GPL-2.0
/*
 * odx: devices made and configured in configfs, the null_blk way.
 *
 *   mkdir /sys/kernel/config/odx/NAME       a device description, defaults from
 *                                           the module parameters
 *   echo 128 > NAME/size_mb                 set it up (see Documentation/ABI/
 *   echo 1 > NAME/power                     testing/configfs-odx), then create
 *   cat NAME/index                          /dev/odxN
 *   echo 0 > NAME/power; rmdir NAME         remove it
 *
 * The shape of a device (size_mb, block_size, index) is fixed while it is
 * powered (EBUSY); its settings (request limits, page sharing, cross-device
 * policy, the ddpt quirk, token size and budgets) change at any time and apply to the
 * next request.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/configfs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "odx_configfs.h"
#include "odx_core.h"
#include "odx_parse.h"

/**
 * struct odx_cfs_dev - a device described in configfs
 * @group: its directory.
 * @lock: protects every field below; taken before odx_core.c's device mutex.
 * @size_mb: capacity in MiB.
 * @block_size: logical block size, 512 or 4096.
 * @index: the index asked for (ODX_INDEX_ANY: any), and once powered the one
 *	the device has.
 * @powered: the device exists.
 * @set: its settings.
 */
struct odx_cfs_dev {
	struct config_group group;
	struct mutex lock;	/* see the kernel-doc above */
	u64 size_mb;
	u32 block_size;
	u32 index;
	bool powered;
	struct odx_dev_settings set;
};

static struct odx_cfs_dev *to_odx_cfs_dev(struct config_item *item)
{
	return container_of(to_config_group(item), struct odx_cfs_dev, group);
}

/* How a value is kept: its size picks the parser and the format. */
enum odx_cfs_type { ODX_CFS_BOOL, ODX_CFS_U32, ODX_CFS_U64 };

/* Where an attribute's value is, and how it is kept. */
struct odx_cfs_field {
	size_t offset;
	enum odx_cfs_type type;
};

static ssize_t odx_cfs_show_value(char *page, const void *p, enum odx_cfs_type type)
{
	switch (type) {
	case ODX_CFS_BOOL:
		return sprintf(page, "%d\n", *(const bool *)p);
	case ODX_CFS_U32:
		return sprintf(page, "%u\n", *(const u32 *)p);
	case ODX_CFS_U64:
		return sprintf(page, "%llu\n", *(const u64 *)p);
	}
	return -EINVAL;
}

static int odx_cfs_parse_value(const char *page, void *p, enum odx_cfs_type type)
{
	u64 v;
	bool b;
	int err;

	if (type == ODX_CFS_BOOL) {
		err = kstrtobool(page, &b);
		if (!err)
			*(bool *)p = b;
		return err;
	}
	err = kstrtou64(page, 0, &v);
	if (err)
		return err;
	if (type == ODX_CFS_U32 && v > U32_MAX)
		return -EINVAL;
	if (type == ODX_CFS_U32)
		*(u32 *)p = v;
	else
		*(u64 *)p = v;
	return 0;
}

/* Shape (in struct odx_cfs_dev): fixed while powered. */
static ssize_t odx_cfs_show_shape(struct config_item *item, char *page,
				  const struct odx_cfs_field *f)
{
	struct odx_cfs_dev *d = to_odx_cfs_dev(item);
	ssize_t ret;

	mutex_lock(&d->lock);
	ret = odx_cfs_show_value(page, (void *)d + f->offset, f->type);
	mutex_unlock(&d->lock);
	return ret;
}

static ssize_t odx_cfs_store_shape(struct config_item *item, const char *page,
				   size_t count, const struct odx_cfs_field *f)
{
	struct odx_cfs_dev *d = to_odx_cfs_dev(item);
	int err;

	mutex_lock(&d->lock);
	if (d->powered)
		err = -EBUSY;
	else
		err = odx_cfs_parse_value(page, (void *)d + f->offset, f->type);
	mutex_unlock(&d->lock);
	return err ?: count;
}

/* Settings (in struct odx_dev_settings): any time. */
static ssize_t odx_cfs_show_setting(struct config_item *item, char *page,
				    const struct odx_cfs_field *f)
{
	struct odx_cfs_dev *d = to_odx_cfs_dev(item);
	ssize_t ret;

	mutex_lock(&d->lock);
	/* sysfs may have changed the device's settings: show those. */
	if (d->powered)
		odx_dev_get_settings(d->index, d, &d->set);
	ret = odx_cfs_show_value(page, (void *)&d->set + f->offset, f->type);
	mutex_unlock(&d->lock);
	return ret;
}

/*
 * Checked, kept, and applied to the device if it exists. Changing a setting
 * is safe at any time: each request reads it once.
 */
static ssize_t odx_cfs_store_setting(struct config_item *item, const char *page,
				     size_t count, const struct odx_cfs_field *f)
{
	struct odx_cfs_dev *d = to_odx_cfs_dev(item);
	struct odx_dev_settings set;
	int err;

	mutex_lock(&d->lock);
	if (d->powered)
		odx_dev_get_settings(d->index, d, &d->set);
	set = d->set;
	err = odx_cfs_parse_value(page, (void *)&set + f->offset, f->type);
	if (!err && (!set.config.max_ranges ||
		     set.config.max_ranges > ODX_MAX_RANGES_LIMIT ||
		     !set.config.max_transfer_bytes ||
		     set.config.max_transfer_bytes % 4096 ||
		     !set.max_token_bytes || set.max_token_bytes % 4096 ||
		     set.token_bytes_max > LONG_MAX))
		err = -EINVAL;
	if (!err && d->powered)
		err = odx_dev_configure(d->index, d, &set);
	if (!err)
		d->set = set;
	mutex_unlock(&d->lock);
	return err ?: count;
}

/* A configfs attribute @_name for the value at offset @_at of @_kind's struct. */
#define ODX_CFS_ATTR(_name, _kind, _at, _type)					\
static const struct odx_cfs_field odx_cfs_##_name##_field = { _at, _type };	\
static ssize_t odx_cfs_##_name##_show(struct config_item *item, char *page)	\
{										\
	return odx_cfs_show_##_kind(item, page, &odx_cfs_##_name##_field);	\
}										\
static ssize_t odx_cfs_##_name##_store(struct config_item *item,		\
				       const char *page, size_t count)		\
{										\
	return odx_cfs_store_##_kind(item, page, count, &odx_cfs_##_name##_field); \
}										\
CONFIGFS_ATTR(odx_cfs_, _name)

#define SHAPE(f)	offsetof(struct odx_cfs_dev, f)
#define SETTING(f)	offsetof(struct odx_dev_settings, f)

ODX_CFS_ATTR(size_mb, shape, SHAPE(size_mb), ODX_CFS_U64);
ODX_CFS_ATTR(block_size, shape, SHAPE(block_size), ODX_CFS_U32);
ODX_CFS_ATTR(max_ranges, setting, SETTING(config.max_ranges), ODX_CFS_U32);
ODX_CFS_ATTR(max_transfer_bytes, setting, SETTING(config.max_transfer_bytes), ODX_CFS_U64);
ODX_CFS_ATTR(share_pages, setting, SETTING(config.share_pages), ODX_CFS_BOOL);
ODX_CFS_ATTR(allow_cross_device, setting, SETTING(config.allow_cross_device), ODX_CFS_BOOL);
ODX_CFS_ATTR(ddpt_quirk, setting, SETTING(config.ddpt_quirk), ODX_CFS_BOOL);
ODX_CFS_ATTR(token_bytes_max, setting, SETTING(token_bytes_max), ODX_CFS_U64);
ODX_CFS_ATTR(token_age_max_ms, setting, SETTING(token_age_max_ms), ODX_CFS_U32);
ODX_CFS_ATTR(max_token_bytes, setting, SETTING(max_token_bytes), ODX_CFS_U64);

/* The index: -1 (any) or 0-1023 before power; the device's once powered. */
static ssize_t odx_cfs_index_show(struct config_item *item, char *page)
{
	struct odx_cfs_dev *d = to_odx_cfs_dev(item);
	ssize_t ret;

	mutex_lock(&d->lock);
	ret = d->index == ODX_INDEX_ANY ? sprintf(page, "-1\n") :
					  sprintf(page, "%u\n", d->index);
	mutex_unlock(&d->lock);
	return ret;
}

static ssize_t odx_cfs_index_store(struct config_item *item, const char *page,
				   size_t count)
{
	struct odx_cfs_dev *d = to_odx_cfs_dev(item);
	int v, err;

	err = kstrtoint(page, 0, &v);
	if (err)
		return err;
	if (v < -1 || v >= ODX_MAX_DEVICES)
		return -EINVAL;
	mutex_lock(&d->lock);
	if (d->powered)
		err = -EBUSY;
	else
		d->index = v < 0 ? ODX_INDEX_ANY : v;
	mutex_unlock(&d->lock);
	return err ?: count;
}
CONFIGFS_ATTR(odx_cfs_, index);

static ssize_t odx_cfs_power_show(struct config_item *item, char *page)
{
	struct odx_cfs_dev *d = to_odx_cfs_dev(item);
	ssize_t ret;

	mutex_lock(&d->lock);
	ret = sprintf(page, "%d\n", d->powered);
	mutex_unlock(&d->lock);
	return ret;
}

/* 1 creates the device (errors as ODX_CTL_ADD), 0 removes it (EBUSY if open). */
static ssize_t odx_cfs_power_store(struct config_item *item, const char *page,
				   size_t count)
{
	struct odx_cfs_dev *d = to_odx_cfs_dev(item);
	struct odx_device_params p = { };
	bool on;
	int err;

	err = kstrtobool(page, &on);
	if (err)
		return err;
	mutex_lock(&d->lock);
	if (on == d->powered)
		goto out_unlock;
	if (!on) {
		err = odx_dev_remove(d->index, d);
		/* Removed behind configfs' back (ODX_CTL_REMOVE): gone all the same. */
		if (!err || err == -ENODEV) {
			err = 0;
			d->powered = false;
			d->index = ODX_INDEX_ANY;
		}
		goto out_unlock;
	}
	if (d->size_mb > ODX_MAX_DEVICE_BYTES >> 20) {
		err = -EINVAL;
		goto out_unlock;
	}
	p.size_bytes = d->size_mb << 20;
	p.block_size = d->block_size;
	p.index = d->index;
	err = odx_dev_create(&p, &d->set, d);
	if (!err) {
		d->index = p.index;
		d->powered = true;
	}
out_unlock:
	mutex_unlock(&d->lock);
	return err ?: count;
}
CONFIGFS_ATTR(odx_cfs_, power);

static struct configfs_attribute *odx_cfs_attrs[] = {
	&odx_cfs_attr_size_mb,
	&odx_cfs_attr_block_size,
	&odx_cfs_attr_index,
	&odx_cfs_attr_max_ranges,
	&odx_cfs_attr_max_transfer_bytes,
	&odx_cfs_attr_share_pages,
	&odx_cfs_attr_allow_cross_device,
	&odx_cfs_attr_ddpt_quirk,
	&odx_cfs_attr_token_bytes_max,
	&odx_cfs_attr_token_age_max_ms,
	&odx_cfs_attr_max_token_bytes,
	&odx_cfs_attr_power,
	NULL,
};

/* rmdir: a powered device goes with its directory if it can. */
static void odx_cfs_release(struct config_item *item)
{
	struct odx_cfs_dev *d = to_odx_cfs_dev(item);

	if (d->powered && odx_dev_remove(d->index, d) == -EBUSY)
		pr_warn_ratelimited("odx%u stays: it is open (remove it with odxctl)\n",
				    d->index);
	mutex_destroy(&d->lock);
	kfree(d);
}

static struct configfs_item_operations odx_cfs_item_ops = {
	.release	= odx_cfs_release,
};

static const struct config_item_type odx_cfs_dev_type = {
	.ct_item_ops	= &odx_cfs_item_ops,
	.ct_attrs	= odx_cfs_attrs,
	.ct_owner	= THIS_MODULE,
};

static struct config_group *odx_cfs_make(struct config_group *group, const char *name)
{
	struct odx_cfs_dev *d;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return ERR_PTR(-ENOMEM);
	mutex_init(&d->lock);
	d->size_mb = 64;
	d->block_size = 512;
	d->index = ODX_INDEX_ANY;
	odx_dev_default_settings(&d->set);
	config_group_init_type_name(&d->group, name, &odx_cfs_dev_type);
	return &d->group;
}

static struct configfs_group_operations odx_cfs_group_ops = {
	.make_group	= odx_cfs_make,
};

static const struct config_item_type odx_cfs_subsys_type = {
	.ct_group_ops	= &odx_cfs_group_ops,
	.ct_owner	= THIS_MODULE,
};

static struct configfs_subsystem odx_cfs_subsys = {
	.su_group = {
		.cg_item = {
			.ci_namebuf	= "odx",
			.ci_type	= &odx_cfs_subsys_type,
		},
	},
};

/**
 * odx_configfs_init() - register /sys/kernel/config/odx
 *
 * Return: 0 or configfs_register_subsystem()'s error.
 */
int odx_configfs_init(void)
{
	config_group_init(&odx_cfs_subsys.su_group);
	mutex_init(&odx_cfs_subsys.su_mutex);
	return configfs_register_subsystem(&odx_cfs_subsys);
}

/**
 * odx_configfs_exit() - unregister it (configfs holds the module while a
 *	directory exists, so none is left)
 */
void odx_configfs_exit(void)
{
	configfs_unregister_subsystem(&odx_cfs_subsys);
}
