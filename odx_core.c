// SPDX-License-Identifier: GPL-2.0
/*
 * odx: RAM-backed block devices for offloaded data transfer (ODX) token copy.
 *
 * This file holds the devices: their defaults (module parameters), creation
 * and removal, the gendisk, its bio-based data path onto the page store
 * (odx_store.c), its ioctls handed to the fronts, and its sysfs files.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/highmem.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "odx_compat.h"
#include "odx_core.h"
#include "odx_dev.h"
#include "odx_dsm.h"
#include "odx_parse.h"
#include "odx_scsi.h"
#include "odx_token.h"
#include "odx_xfer.h"

static unsigned int odx_block_size = 512;
module_param_named(block_size, odx_block_size, uint, 0444);
MODULE_PARM_DESC(block_size, "Default logical block size, 512 or 4096 (default 512)");

/* Defaults of new devices' settings (struct odx_dev_config). */
static unsigned int odx_max_ranges = 64;
module_param_named(max_ranges, odx_max_ranges, uint, 0444);
MODULE_PARM_DESC(max_ranges, "Default ranges per offload request, 1-256 (default 64)");

static u64 odx_max_transfer_bytes = 256ULL << 20;
module_param_named(max_transfer_bytes, odx_max_transfer_bytes, ullong, 0444);
MODULE_PARM_DESC(max_transfer_bytes, "Default bytes one offload write copies at most (default 256 MiB)");

static bool odx_allow_cross_device = true;
module_param_named(allow_cross_device, odx_allow_cross_device, bool, 0644);
MODULE_PARM_DESC(allow_cross_device, "Default: accept tokens minted on another odx device (default Y; per device in /sys/block/odxN/odx/allow_cross_device)");

static bool odx_share_pages = true;
module_param_named(share_pages, odx_share_pages, bool, 0644);
MODULE_PARM_DESC(share_pages, "Default: offload writes share whole pages copy-on-write instead of copying (default Y; per device in /sys/block/odxN/odx/share_pages)");

static bool odx_ddpt_quirk;
module_param_named(ddpt_quirk, odx_ddpt_quirk, bool, 0644);
MODULE_PARM_DESC(ddpt_quirk, "Default: SCSI reads block device range descriptors one byte early, as ddpt 0.97 writes them; not T10 (default N; per device in /sys/block/odxN/odx/ddpt_quirk)");

/* The block major all odx disks carry; minor N is /dev/odxN. */
static int odx_major;

/* Serialises device creation and removal; protects odx_devices. */
static DEFINE_MUTEX(odx_devices_lock);
/* index -> struct odx_dev *, for the devices that exist. */
static DEFINE_IDR(odx_devices);

/**
 * odx_validate_params() - check the parameters of a device to create
 * @p: the parameters, with block_size 0 already replaced by the default
 * @why: set to a human-readable reason when the parameters are refused
 *
 * Return: 0 if a device can be made from @p, -EINVAL otherwise.
 */
int odx_validate_params(const struct odx_device_params *p, const char **why)
{
	unsigned int i;

	if (p->flags) {
		*why = "flags must be 0";
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(p->reserved); i++) {
		if (p->reserved[i]) {
			*why = "reserved fields must be 0";
			return -EINVAL;
		}
	}
	if (p->block_size != 512 && p->block_size != 4096) {
		*why = "block size must be 512 or 4096";
		return -EINVAL;
	}
	if (!p->size_bytes) {
		*why = "size must not be 0";
		return -EINVAL;
	}
	if (p->size_bytes % 4096) {
		*why = "size must be a multiple of 4096 bytes";
		return -EINVAL;
	}
	if (p->size_bytes > ODX_MAX_DEVICE_BYTES) {
		*why = "size must be at most 1 TiB";
		return -EINVAL;
	}
	if (p->index != ODX_INDEX_ANY && p->index >= ODX_MAX_DEVICES) {
		*why = "index must be below 1024";
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(odx_validate_params);

/*
 * The device's identification descriptor (28 bytes) into @desc: a 4-byte
 * designation descriptor header and a NAA IEEE Registered Extended designator,
 * stable for the device's index, then zero padding. Tokens carry it as their
 * creator; SCSI VPD 0x83 reports it.
 */
static void odx_dev_designator(const struct odx_dev *dev, u8 *desc)
{
	memset(desc, 0, ODX_DESIGNATOR_LEN);
	desc[0] = 0x01;		/* code set: binary */
	desc[1] = 0x03;		/* association: logical unit; type: NAA */
	desc[3] = 16;
	/* NAA 6, OUI 0, then "odx" and the index. */
	desc[4] = 0x60;
	desc[8] = 'o';
	desc[9] = 'd';
	desc[10] = 'x';
	put_unaligned_be32(dev->index, desc + 16);
}

static void odx_submit_bio(struct bio *bio)
{
	struct odx_dev *dev = bio->bi_bdev->bd_disk->private_data;
	u64 pos = (u64)bio->bi_iter.bi_sector << SECTOR_SHIFT;
	struct bvec_iter iter;
	struct bio_vec bv;
	int err = 0;

	switch (bio_op(bio)) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		bio_for_each_segment(bv, bio, iter) {
			void *p = bvec_kmap_local(&bv);

			if (bio_op(bio) == REQ_OP_WRITE)
				err = odx_store_write(&dev->store, pos, p, bv.bv_len,
						      GFP_NOIO);
			else
				err = odx_store_read(&dev->store, pos, p, bv.bv_len);
			kunmap_local(p);
			if (err)
				break;
			pos += bv.bv_len;
		}
		break;
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		err = odx_store_zero(&dev->store, pos, bio->bi_iter.bi_size, GFP_NOIO);
		break;
	case REQ_OP_FLUSH:
		/* RAM has no volatile cache to flush. */
		break;
	default:
		err = -EOPNOTSUPP;
		break;
	}
	/*
	 * Only filling a hole can run out of memory (copy-on-write draws on a
	 * reserve). Like brd: an I/O error, not BLK_STS_RESOURCE, which nobody
	 * retries for a bio-based driver.
	 */
	if (err == -ENOMEM)
		bio->bi_status = BLK_STS_IOERR;
	else if (err)
		bio->bi_status = errno_to_blk_status(err);
	bio_endio(bio);
}

static int odx_open_disk(struct gendisk *disk)
{
	struct odx_dev *dev = disk->private_data;

	lockdep_assert_held(&disk->open_mutex);
	return dev->removing ? -ENXIO : 0;
}

ODX_DEFINE_OPEN(odx_open, odx_open_disk)

static void odx_free_disk(struct gendisk *disk)
{
	struct odx_dev *dev = disk->private_data;

	odx_scsi_destroy(dev);
	odx_store_destroy(&dev->store);
	kfree(dev);
}

/* The fronts' ioctls: DSM (offload), then SCSI (SG_IO). */
static int odx_blk_ioctl(struct block_device *bdev, blk_mode_t mode, unsigned int cmd,
			 unsigned long arg)
{
	struct odx_dev *dev = bdev->bd_disk->private_data;
	void __user *uarg = (void __user *)arg;
	int err;

	err = odx_dsm_ioctl(dev, bdev, mode, cmd, uarg);
	if (err != -ENOTTY)
		return err;
	return odx_sg_ioctl(dev, bdev, mode, cmd, uarg);
}

static const struct block_device_operations odx_fops = {
	.owner		= THIS_MODULE,
	.submit_bio	= odx_submit_bio,
	.open		= odx_open,
	.ioctl		= odx_blk_ioctl,
	.compat_ioctl	= blkdev_compat_ptr_ioctl,
	.free_disk	= odx_free_disk,
};

static struct odx_dev *odx_dev_from_kobj(struct kobject *kobj)
{
	return dev_to_disk(kobj_to_dev(kobj))->private_data;
}

/*
 * A number in struct odx_dev shown as a sysfs file: a counter, or a setting
 * (writable with @store). One value per file.
 */
enum odx_num_type { ODX_NUM_A64, ODX_NUM_ALONG, ODX_NUM_ULONG, ODX_NUM_U32, ODX_NUM_BOOL };

struct odx_num_attr {
	struct device_attribute dattr;
	size_t offset;
	enum odx_num_type type;
};

static ssize_t odx_num_show(struct device *d, struct device_attribute *attr, char *buf)
{
	struct odx_num_attr *na = container_of(attr, struct odx_num_attr, dattr);
	void *p = (void *)odx_dev_from_kobj(&d->kobj) + na->offset;

	switch (na->type) {
	case ODX_NUM_A64:
		return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(p));
	case ODX_NUM_ALONG:
		return sysfs_emit(buf, "%ld\n", atomic_long_read(p));
	case ODX_NUM_ULONG:
		return sysfs_emit(buf, "%lu\n", READ_ONCE(*(unsigned long *)p));
	case ODX_NUM_U32:
		return sysfs_emit(buf, "%u\n", READ_ONCE(*(u32 *)p));
	case ODX_NUM_BOOL:
		return sysfs_emit(buf, "%d\n", READ_ONCE(*(bool *)p));
	}
	return -EINVAL;
}

/*
 * Settings change between requests: each request reads a setting once. A
 * lower token budget refuses new tokens until enough old ones end; it ends
 * none. A token age cap applies to tokens minted from then on.
 */
static ssize_t odx_num_store(struct device *d, struct device_attribute *attr,
			     const char *buf, size_t count)
{
	struct odx_num_attr *na = container_of(attr, struct odx_num_attr, dattr);
	void *p = (void *)odx_dev_from_kobj(&d->kobj) + na->offset;
	unsigned long ul;
	bool b;
	u32 v;
	int err;

	switch (na->type) {
	case ODX_NUM_ULONG:
		err = kstrtoul(buf, 0, &ul);
		if (!err && ul > LONG_MAX)
			err = -EINVAL;
		if (!err)
			WRITE_ONCE(*(unsigned long *)p, ul);
		break;
	case ODX_NUM_U32:
		err = kstrtou32(buf, 0, &v);
		if (!err)
			WRITE_ONCE(*(u32 *)p, v);
		break;
	case ODX_NUM_BOOL:
		err = kstrtobool(buf, &b);
		if (!err)
			WRITE_ONCE(*(bool *)p, b);
		break;
	default:
		err = -EINVAL;
		break;
	}
	return err ?: count;
}

#define ODX_NUM(_name, _field, _type) {						\
	.dattr = __ATTR(_name, 0444, odx_num_show, NULL),			\
	.offset = offsetof(struct odx_dev, _field),				\
	.type = _type,								\
}

#define ODX_SETTING(_name, _field, _type) {					\
	.dattr = __ATTR(_name, 0644, odx_num_show, odx_num_store),		\
	.offset = offsetof(struct odx_dev, _field),				\
	.type = _type,								\
}

static struct odx_num_attr odx_num_attrs[] = {
	ODX_NUM(index, index, ODX_NUM_U32),
	ODX_NUM(block_size, block_size, ODX_NUM_U32),
	/* The token table's counters. */
	ODX_NUM(tokens_minted, src.stats.tokens_minted, ODX_NUM_A64),
	ODX_NUM(tokens_live, src.stats.tokens_live, ODX_NUM_ULONG),
	ODX_NUM(tokens_expired, src.stats.tokens_expired, ODX_NUM_A64),
	ODX_NUM(tokens_released, src.stats.tokens_released, ODX_NUM_A64),
	ODX_NUM(tokens_revoked, src.stats.tokens_revoked, ODX_NUM_A64),
	ODX_NUM(token_pages, src.stats.token_pages, ODX_NUM_ULONG),
	/* Bytes the live tokens minted here hold, charged to token_bytes_max. */
	ODX_NUM(token_bytes, src.token_bytes, ODX_NUM_ALONG),
	/* The engine's counters. */
	ODX_NUM(invalid_token_uses, stats.invalid_token_uses, ODX_NUM_A64),
	ODX_NUM(bytes_copied, stats.bytes_copied, ODX_NUM_A64),
	ODX_NUM(bytes_shared, stats.bytes_shared, ODX_NUM_A64),
	ODX_NUM(bytes_zeroed, stats.bytes_zeroed, ODX_NUM_A64),
	/* Settings. */
	ODX_SETTING(token_bytes_max, src.token_bytes_max, ODX_NUM_ULONG),
	ODX_SETTING(token_age_max_ms, src.token_age_max_ms, ODX_NUM_U32),
	ODX_SETTING(share_pages, config.share_pages, ODX_NUM_BOOL),
	ODX_SETTING(allow_cross_device, config.allow_cross_device, ODX_NUM_BOOL),
	ODX_SETTING(ddpt_quirk, config.ddpt_quirk, ODX_NUM_BOOL),
};

static ssize_t pages_show(struct device *d, struct device_attribute *attr, char *buf)
{
	struct odx_dev *dev = odx_dev_from_kobj(&d->kobj);

	return sysfs_emit(buf, "%lu\n", odx_store_nr_pages(&dev->store));
}
static DEVICE_ATTR_RO(pages);

/* A field of struct odx_caps (what ODX_IOC_CAPS reports) as a sysfs file. */
struct odx_caps_attr {
	struct device_attribute dattr;
	size_t offset;
	unsigned int size;
};

static ssize_t odx_caps_show(struct device *d, struct device_attribute *attr, char *buf)
{
	struct odx_caps_attr *ca = container_of(attr, struct odx_caps_attr, dattr);
	struct odx_caps c;
	void *p = (void *)&c + ca->offset;

	odx_xfer_caps(odx_dev_from_kobj(&d->kobj), &c);
	if (ca->size == sizeof(u64))
		return sysfs_emit(buf, "%llu\n", *(u64 *)p);
	return sysfs_emit(buf, "%u\n", *(u32 *)p);
}

#define ODX_CAPS(_str, _field, _size) {					\
	.dattr = { .attr = { .name = _str, .mode = 0444 }, .show = odx_caps_show }, \
	.offset = offsetof(struct odx_caps, _field),				\
	.size = _size,								\
}

static struct odx_caps_attr odx_caps_attrs[] = {
	ODX_CAPS("maximum_token_lifetime", maximum_token_lifetime, 4),
	ODX_CAPS("default_token_lifetime", default_token_lifetime, 4),
	ODX_CAPS("maximum_transfer_size", maximum_transfer_size, 8),
	ODX_CAPS("optimal_transfer_count", optimal_transfer_count, 8),
	ODX_CAPS("maximum_data_descriptors", maximum_data_descriptors, 4),
	ODX_CAPS("maximum_transfer_length_per_descriptor",
		 maximum_transfer_length_per_descriptor, 4),
	ODX_CAPS("optimal_transfer_length_per_descriptor",
		 optimal_transfer_length_per_descriptor, 4),
	ODX_CAPS("optimal_transfer_length_granularity",
		 optimal_transfer_length_granularity, 4),
	ODX_CAPS("maximum_token_size", maximum_token_size, 8),
	ODX_CAPS("features", features, 4),
};

static struct attribute *odx_disk_attrs[1 + ARRAY_SIZE(odx_num_attrs) +
					ARRAY_SIZE(odx_caps_attrs) + 1];

static void odx_disk_attrs_init(void)
{
	unsigned int i, n = 0;

	odx_disk_attrs[n++] = &dev_attr_pages.attr;
	for (i = 0; i < ARRAY_SIZE(odx_num_attrs); i++)
		odx_disk_attrs[n++] = &odx_num_attrs[i].dattr.attr;
	for (i = 0; i < ARRAY_SIZE(odx_caps_attrs); i++)
		odx_disk_attrs[n++] = &odx_caps_attrs[i].dattr.attr;
	odx_disk_attrs[n] = NULL;
}

static const struct attribute_group odx_disk_group = {
	.name	= "odx",
	.attrs	= odx_disk_attrs,
};

static const struct attribute_group *odx_disk_groups[] = {
	&odx_disk_group,
	NULL,
};

/**
 * odx_dev_default_settings() - the settings of a new device
 * @set: filled from the module parameters
 */
void odx_dev_default_settings(struct odx_dev_settings *set)
{
	*set = (struct odx_dev_settings) {
		.config = {
			.max_ranges = odx_max_ranges,
			.max_transfer_bytes = odx_max_transfer_bytes,
			.allow_cross_device = READ_ONCE(odx_allow_cross_device),
			.share_pages = READ_ONCE(odx_share_pages),
			.ddpt_quirk = READ_ONCE(odx_ddpt_quirk),
		},
		.token_bytes_max = READ_ONCE(odx_token_limits.dev_bytes_max),
		.token_age_max_ms = READ_ONCE(odx_token_limits.dev_age_max_ms),
		.max_token_bytes = odx_token_limits.max_token_bytes,
	};
}

/* Apply @set to @dev; requests in flight see the old or the new values. */
static void odx_dev_apply(struct odx_dev *dev, const struct odx_dev_settings *set)
{
	WRITE_ONCE(dev->config.max_ranges, set->config.max_ranges);
	WRITE_ONCE(dev->config.max_transfer_bytes, set->config.max_transfer_bytes);
	WRITE_ONCE(dev->config.allow_cross_device, set->config.allow_cross_device);
	WRITE_ONCE(dev->config.share_pages, set->config.share_pages);
	WRITE_ONCE(dev->config.ddpt_quirk, set->config.ddpt_quirk);
	WRITE_ONCE(dev->src.token_bytes_max, set->token_bytes_max);
	WRITE_ONCE(dev->src.token_age_max_ms, set->token_age_max_ms);
	WRITE_ONCE(dev->src.max_token_bytes, set->max_token_bytes);
}

/*
 * The device at @index if @owner made it (any device for a NULL @owner): an
 * index a configfs directory once had may belong to another device by now.
 * Needs odx_devices_lock.
 */
static struct odx_dev *odx_dev_find(u32 index, const void *owner)
{
	struct odx_dev *dev;

	lockdep_assert_held(&odx_devices_lock);
	dev = idr_find(&odx_devices, index);
	return dev && (!owner || dev->owner == owner) ? dev : NULL;
}

/**
 * odx_dev_get_settings() - a device's settings now
 * @index: the device
 * @owner: who made it (NULL: anyone)
 * @set: filled
 *
 * Return: 0 or -ENODEV.
 */
int odx_dev_get_settings(u32 index, const void *owner, struct odx_dev_settings *set)
{
	struct odx_dev *dev;

	mutex_lock(&odx_devices_lock);
	dev = odx_dev_find(index, owner);
	if (dev) {
		set->config.max_ranges = READ_ONCE(dev->config.max_ranges);
		set->config.max_transfer_bytes = READ_ONCE(dev->config.max_transfer_bytes);
		set->config.allow_cross_device = READ_ONCE(dev->config.allow_cross_device);
		set->config.share_pages = READ_ONCE(dev->config.share_pages);
		set->config.ddpt_quirk = READ_ONCE(dev->config.ddpt_quirk);
		set->token_bytes_max = READ_ONCE(dev->src.token_bytes_max);
		set->token_age_max_ms = READ_ONCE(dev->src.token_age_max_ms);
		set->max_token_bytes = READ_ONCE(dev->src.max_token_bytes);
	}
	mutex_unlock(&odx_devices_lock);
	return dev ? 0 : -ENODEV;
}

/**
 * odx_dev_configure() - change a device's settings
 * @index: the device
 * @owner: who made it (NULL: anyone)
 * @set: the new settings (checked by the caller: see odx_dev_check_settings())
 *
 * Return: 0 or -ENODEV.
 */
int odx_dev_configure(u32 index, const void *owner, const struct odx_dev_settings *set)
{
	struct odx_dev *dev;

	mutex_lock(&odx_devices_lock);
	dev = odx_dev_find(index, owner);
	if (dev)
		odx_dev_apply(dev, set);
	mutex_unlock(&odx_devices_lock);
	return dev ? 0 : -ENODEV;
}

/**
 * odx_dev_create() - create and register a device
 * @p: parameters; block_size 0 takes the default; on success p->index is set
 * @set: its settings, or NULL for the defaults (odx_dev_default_settings())
 * @owner: who makes it (see struct odx_dev), or NULL
 *
 * Return: 0, or -EINVAL (bad parameters), -EEXIST (index in use), -ENOSPC (no
 * free index), -ENOMEM, or what add_disk() returned.
 */
int odx_dev_create(struct odx_device_params *p, const struct odx_dev_settings *set,
		   const void *owner)
{
	struct odx_dev_settings defaults;
	struct queue_limits lim = { };
	struct odx_dev *dev;
	struct gendisk *disk;
	const char *why;
	int index, err;

	if (!p->block_size)
		p->block_size = odx_block_size;
	err = odx_validate_params(p, &why);
	if (err) {
		pr_warn_ratelimited("refusing to create a device: %s\n", why);
		return err;
	}

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	dev->block_size = p->block_size;
	dev->size_bytes = p->size_bytes;
	dev->owner = owner;
	odx_store_init(&dev->store);
	odx_source_init(&dev->src, &dev->store, dev->block_size, dev->size_bytes);
	if (!set) {
		odx_dev_default_settings(&defaults);
		set = &defaults;
	}
	odx_dev_apply(dev, set);
	err = odx_scsi_init(dev);
	if (err)
		goto out_free_dev;

	mutex_lock(&odx_devices_lock);
	if (p->index == ODX_INDEX_ANY)
		index = idr_alloc(&odx_devices, dev, 0, ODX_MAX_DEVICES, GFP_KERNEL);
	else
		index = idr_alloc(&odx_devices, dev, p->index, p->index + 1, GFP_KERNEL);
	if (index < 0) {
		err = index == -ENOSPC && p->index != ODX_INDEX_ANY ? -EEXIST : index;
		goto out_unlock;
	}
	dev->index = index;
	odx_dev_designator(dev, dev->src.designator);

	lim.logical_block_size = dev->block_size;
	lim.physical_block_size = PAGE_SIZE;
	lim.io_min = PAGE_SIZE;
	lim.max_hw_sectors = ODX_MAX_HW_SECTORS;
	lim.max_hw_discard_sectors = UINT_MAX;
	lim.max_write_zeroes_sectors = UINT_MAX;
	lim.discard_granularity = PAGE_SIZE;
	disk = odx_alloc_disk(&lim, BLK_FEAT_SYNCHRONOUS, NUMA_NO_NODE);
	if (IS_ERR(disk)) {
		err = PTR_ERR(disk);
		goto out_remove_index;
	}
	dev->disk = disk;
	disk->major = odx_major;
	disk->first_minor = index;
	disk->minors = 1;
	disk->flags |= GENHD_FL_NO_PART;
	disk->fops = &odx_fops;
	disk->private_data = dev;
	snprintf(disk->disk_name, DISK_NAME_LEN, "odx%d", index);
	set_capacity(disk, dev->size_bytes >> SECTOR_SHIFT);

	err = device_add_disk(NULL, disk, odx_disk_groups);
	if (err)
		goto out_put_disk;
	mutex_unlock(&odx_devices_lock);
	p->index = index;
	return 0;

out_put_disk:
	put_disk(disk);
out_remove_index:
	idr_remove(&odx_devices, index);
out_unlock:
	mutex_unlock(&odx_devices_lock);
	odx_scsi_destroy(dev);
out_free_dev:
	odx_store_destroy(&dev->store);
	kfree(dev);
	return err;
}
EXPORT_SYMBOL_GPL(odx_dev_create);

/*
 * Unregister @dev. Needs odx_devices_lock; the caller then drops the lock and
 * calls put_disk(), whose ->free_disk frees the store: a large store is not
 * freed under the global mutex.
 */
static void odx_dev_unregister(struct odx_dev *dev)
{
	lockdep_assert_held(&odx_devices_lock);
	idr_remove(&odx_devices, dev->index);
	/* Nobody has the device open: no offload request is in flight. */
	odx_xfer_revoke(dev);
	del_gendisk(dev->disk);
}

/**
 * odx_dev_remove() - remove a device that nobody has open
 * @index: the device's index
 * @owner: who made it (NULL: anyone)
 *
 * Return: 0, -ENODEV (no such device) or -EBUSY (the device is open or
 * claimed).
 */
int odx_dev_remove(u32 index, const void *owner)
{
	struct odx_dev *dev;
	int err = 0;

	mutex_lock(&odx_devices_lock);
	dev = odx_dev_find(index, owner);
	if (!dev) {
		err = -ENODEV;
		goto out_unlock;
	}
	mutex_lock(&dev->disk->open_mutex);
	if (disk_openers(dev->disk) || dev->claims)
		err = -EBUSY;
	else
		dev->removing = true;
	mutex_unlock(&dev->disk->open_mutex);
	if (err)
		goto out_unlock;
	odx_dev_unregister(dev);
	mutex_unlock(&odx_devices_lock);
	/* The last reference, most likely: frees the store, outside the mutex. */
	put_disk(dev->disk);
	return 0;

out_unlock:
	mutex_unlock(&odx_devices_lock);
	return err;
}
EXPORT_SYMBOL_GPL(odx_dev_remove);

/**
 * odx_dev_claim() - hold a device for a front that serves it without opening it
 * @index: the device's index
 *
 * For the LIO backstore: the device stays (odx_dev_remove() says -EBUSY) until
 * odx_dev_unclaim(). The caller reaches the device's block device through
 * dev->disk->part0, for its page cache only.
 *
 * Return: the device, or ERR_PTR(-ENODEV).
 */
struct odx_dev *odx_dev_claim(u32 index)
{
	struct odx_dev *dev;

	mutex_lock(&odx_devices_lock);
	/* A device being removed has left the index already. */
	dev = odx_dev_find(index, NULL);
	if (dev)
		dev->claims++;
	else
		dev = ERR_PTR(-ENODEV);
	mutex_unlock(&odx_devices_lock);
	return dev;
}
EXPORT_SYMBOL_GPL(odx_dev_claim);

/**
 * odx_dev_unclaim() - let a claimed device go
 * @dev: a device from odx_dev_claim()
 */
void odx_dev_unclaim(struct odx_dev *dev)
{
	mutex_lock(&odx_devices_lock);
	WARN_ON_ONCE(!dev->claims);
	dev->claims--;
	mutex_unlock(&odx_devices_lock);
}
EXPORT_SYMBOL_GPL(odx_dev_unclaim);

static void odx_remove_all(void)
{
	struct odx_dev *dev;
	int index;

	for (;;) {
		index = 0;
		mutex_lock(&odx_devices_lock);
		dev = idr_get_next(&odx_devices, &index);
		if (dev)
			odx_dev_unregister(dev);
		mutex_unlock(&odx_devices_lock);
		if (!dev)
			break;
		put_disk(dev->disk);
	}
}

/**
 * odx_devices_init() - check the defaults and register the block major
 *
 * Return: 0, -EINVAL for a bad default, or register_blkdev()'s error.
 */
int odx_devices_init(void)
{
	if (odx_block_size != 512 && odx_block_size != 4096) {
		pr_err("block_size must be 512 or 4096\n");
		return -EINVAL;
	}
	if (!odx_max_ranges || odx_max_ranges > ODX_MAX_RANGES_LIMIT) {
		pr_err("max_ranges must be 1-%u\n", ODX_MAX_RANGES_LIMIT);
		return -EINVAL;
	}
	if (!odx_max_transfer_bytes || odx_max_transfer_bytes % 4096) {
		pr_err("max_transfer_bytes must be a non-zero multiple of 4096\n");
		return -EINVAL;
	}
	odx_disk_attrs_init();
	odx_major = register_blkdev(0, "odx");
	return odx_major < 0 ? odx_major : 0;
}

/**
 * odx_devices_exit() - remove every device and release the block major
 */
void odx_devices_exit(void)
{
	odx_remove_all();
	unregister_blkdev(odx_major, "odx");
}
