// SPDX-License-Identifier: GPL-2.0
/*
 * odx: RAM-backed block devices for offloaded data transfer (ODX) token copy.
 *
 * This file holds the devices: module parameters, creation and removal, the
 * gendisk and its bio-based data path onto the page store (odx_store.c).
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
#include "odx_internal.h"
#include "odx_parse.h"
#include "odx_token.h"

static unsigned int nr_devices = 1;
module_param(nr_devices, uint, 0444);
MODULE_PARM_DESC(nr_devices, "Devices to create at load (default 1)");

static unsigned long size_mb = 64;
module_param(size_mb, ulong, 0444);
MODULE_PARM_DESC(size_mb, "Size of each device created at load, in MiB (default 64)");

static unsigned int odx_block_size = 512;
module_param_named(block_size, odx_block_size, uint, 0444);
MODULE_PARM_DESC(block_size, "Default logical block size, 512 or 4096 (default 512)");

unsigned int odx_max_ranges = 64;
module_param_named(max_ranges, odx_max_ranges, uint, 0444);
MODULE_PARM_DESC(max_ranges, "Ranges per offload request, 1-256 (default 64)");

u64 odx_max_transfer_bytes = 256ULL << 20;
module_param_named(max_transfer_bytes, odx_max_transfer_bytes, ullong, 0444);
MODULE_PARM_DESC(max_transfer_bytes, "Bytes one offload write copies at most (default 256 MiB)");

bool odx_allow_cross_device = true;
module_param_named(allow_cross_device, odx_allow_cross_device, bool, 0644);
MODULE_PARM_DESC(allow_cross_device, "Accept tokens minted on another odx device (default Y)");

bool odx_share_pages = true;
EXPORT_SYMBOL_IF_KUNIT(odx_share_pages);
module_param_named(share_pages, odx_share_pages, bool, 0644);
MODULE_PARM_DESC(share_pages, "Offload writes share whole pages copy-on-write instead of copying (default Y)");

bool odx_ddpt_quirk;
module_param_named(ddpt_quirk, odx_ddpt_quirk, bool, 0644);
MODULE_PARM_DESC(ddpt_quirk, "SCSI: read block device range descriptors one byte early, as ddpt 0.97 writes them; not T10 (default N)");

module_param_named(max_tokens, odx_token_limits.max_tokens, ulong, 0444);
MODULE_PARM_DESC(max_tokens, "Live tokens at most, all devices together (default 131072)");
module_param_named(token_pages_max, odx_token_limits.max_pages, ulong, 0444);
MODULE_PARM_DESC(token_pages_max, "Pages all tokens together may pin (default 262144 = 1 GiB)");
module_param_named(max_token_bytes, odx_token_limits.max_token_bytes, ullong, 0444);
MODULE_PARM_DESC(max_token_bytes, "Bytes one token covers at most (default 256 MiB)");
module_param_named(default_ttl_ms, odx_token_limits.default_ttl_ms, uint, 0444);
MODULE_PARM_DESC(default_ttl_ms, "Token lifetime for TimeToLive 0, in ms (default 30000)");
module_param_named(max_ttl_ms, odx_token_limits.max_ttl_ms, uint, 0444);
MODULE_PARM_DESC(max_ttl_ms, "Longest token lifetime, in ms (default 3600000)");
module_param_named(token_bytes_max, odx_token_limits.dev_bytes_max, ulong, 0644);
MODULE_PARM_DESC(token_bytes_max, "Bytes the tokens of one device may hold, for devices created from now on (default 1 GiB; per device in /sys/block/odxN/odx/token_bytes_max)");
module_param_named(token_age_max_ms, odx_token_limits.dev_age_max_ms, uint, 0644);
MODULE_PARM_DESC(token_age_max_ms, "Absolute token lifetime, in ms, 0 = none, for devices created from now on (default 0; per device in /sys/block/odxN/odx/token_age_max_ms)");

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

/**
 * odx_dev_designator() - the device's identification descriptor (28 bytes)
 * @dev: the device
 * @desc: 28 bytes to fill: a 4-byte designation descriptor header and a NAA
 *	IEEE Registered Extended designator, stable for the device's index, then
 *	zero padding. Tokens carry it as their creator; SCSI VPD 0x83 reports it.
 */
void odx_dev_designator(const struct odx_dev *dev, u8 *desc)
{
	memset(desc, 0, 28);
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

/**
 * odx_fill_caps() - the device's copy offload capabilities
 * @dev: the device
 * @caps: filled (all of it, reserved fields zeroed)
 */
void odx_fill_caps(const struct odx_dev *dev, struct odx_caps *caps)
{
	u64 per_desc = min_t(u64, dev->size_bytes, odx_token_limits.max_token_bytes);

	memset(caps, 0, sizeof(*caps));
	caps->version = ODX_CAPS_VERSION;
	caps->size = sizeof(*caps);
	caps->maximum_token_lifetime = odx_token_limits.max_ttl_ms / 1000;
	caps->default_token_lifetime = odx_token_limits.default_ttl_ms / 1000;
	caps->maximum_transfer_size = odx_max_transfer_bytes;
	caps->optimal_transfer_count = min(odx_max_transfer_bytes,
					   odx_token_limits.max_token_bytes);
	caps->maximum_data_descriptors = odx_max_ranges;
	caps->maximum_transfer_length_per_descriptor =
		min_t(u64, per_desc / dev->block_size, U32_MAX);
	caps->optimal_transfer_length_per_descriptor =
		caps->maximum_transfer_length_per_descriptor;
	caps->optimal_transfer_length_granularity = PAGE_SIZE / dev->block_size;
	caps->block_size = dev->block_size;
	caps->features = ODX_CAP_POINT_IN_TIME | ODX_CAP_ZERO_TOKEN | ODX_CAP_RELEASE |
			 ODX_CAP_REVOKE |
			 (READ_ONCE(odx_allow_cross_device) ? ODX_CAP_CROSS_DEVICE : 0);
	caps->maximum_token_size = odx_token_limits.max_token_bytes;
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

static ssize_t pages_show(struct device *d, struct device_attribute *attr, char *buf)
{
	struct odx_dev *dev = odx_dev_from_kobj(&d->kobj);

	return sysfs_emit(buf, "%lu\n", odx_store_nr_pages(&dev->store));
}
static DEVICE_ATTR_RO(pages);

static ssize_t index_show(struct device *d, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", odx_dev_from_kobj(&d->kobj)->index);
}
static DEVICE_ATTR_RO(index);

/* A counter of struct odx_dev_stats shown as a sysfs file. */
struct odx_stat_attr {
	struct device_attribute dattr;
	size_t offset;
	bool atomic;
};

static ssize_t odx_stat_show(struct device *d, struct device_attribute *attr,
			     char *buf)
{
	struct odx_stat_attr *sa = container_of(attr, struct odx_stat_attr, dattr);
	void *p = (void *)&odx_dev_from_kobj(&d->kobj)->stats + sa->offset;

	if (sa->atomic)
		return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(p));
	return sysfs_emit(buf, "%lu\n", READ_ONCE(*(unsigned long *)p));
}

#define ODX_STAT(_str, _field, _atomic) {					\
	.dattr = { .attr = { .name = _str, .mode = 0444 }, .show = odx_stat_show }, \
	.offset = offsetof(struct odx_dev_stats, _field),			\
	.atomic = _atomic,							\
}

static struct odx_stat_attr odx_stat_attrs[] = {
	ODX_STAT("tokens_minted", tokens_minted, true),
	ODX_STAT("tokens_live", tokens_live, false),
	ODX_STAT("tokens_expired", tokens_expired, true),
	ODX_STAT("tokens_released", tokens_released, true),
	ODX_STAT("tokens_revoked", tokens_revoked, true),
	ODX_STAT("invalid_token_uses", invalid_token_uses, true),
	ODX_STAT("bytes_copied", bytes_copied, true),
	ODX_STAT("bytes_shared", bytes_shared, true),
	ODX_STAT("bytes_zeroed", bytes_zeroed, true),
	ODX_STAT("token_pages", token_pages, false),
};

static ssize_t block_size_show(struct device *d, struct device_attribute *attr,
			       char *buf)
{
	return sysfs_emit(buf, "%u\n", odx_dev_from_kobj(&d->kobj)->block_size);
}
static DEVICE_ATTR_RO(block_size);

/* The limits, as ODX_IOC_CAPS reports them, one "name value" per line. */
static ssize_t limits_show(struct device *d, struct device_attribute *attr, char *buf)
{
	struct odx_caps c;

	odx_fill_caps(odx_dev_from_kobj(&d->kobj), &c);
	return sysfs_emit(buf,
			  "maximum_token_lifetime %u\ndefault_token_lifetime %u\n"
			  "maximum_transfer_size %llu\noptimal_transfer_count %llu\n"
			  "maximum_data_descriptors %u\n"
			  "maximum_transfer_length_per_descriptor %u\n"
			  "optimal_transfer_length_per_descriptor %u\n"
			  "optimal_transfer_length_granularity %u\n"
			  "maximum_token_size %llu\nfeatures 0x%x\n",
			  c.maximum_token_lifetime, c.default_token_lifetime,
			  c.maximum_transfer_size, c.optimal_transfer_count,
			  c.maximum_data_descriptors,
			  c.maximum_transfer_length_per_descriptor,
			  c.optimal_transfer_length_per_descriptor,
			  c.optimal_transfer_length_granularity,
			  c.maximum_token_size, c.features);
}
static DEVICE_ATTR_RO(limits);

static_assert(ARRAY_SIZE(odx_stat_attrs) == 10);

/* Bytes the live tokens of this device hold (charged to token_bytes_max). */
static ssize_t token_bytes_show(struct device *d, struct device_attribute *attr,
				char *buf)
{
	struct odx_dev *dev = odx_dev_from_kobj(&d->kobj);

	return sysfs_emit(buf, "%ld\n", atomic_long_read(&dev->token_bytes));
}
static DEVICE_ATTR_RO(token_bytes);

/*
 * The budget of token_bytes. Lowering it below what is held refuses new tokens
 * until enough of the old ones end; it ends none.
 */
static ssize_t token_bytes_max_show(struct device *d, struct device_attribute *attr,
				    char *buf)
{
	struct odx_dev *dev = odx_dev_from_kobj(&d->kobj);

	return sysfs_emit(buf, "%lu\n", READ_ONCE(dev->token_bytes_max));
}

static ssize_t token_bytes_max_store(struct device *d, struct device_attribute *attr,
				     const char *buf, size_t count)
{
	struct odx_dev *dev = odx_dev_from_kobj(&d->kobj);
	unsigned long v;
	int err;

	err = kstrtoul(buf, 0, &v);
	if (err)
		return err;
	if (v > LONG_MAX)
		return -EINVAL;
	WRITE_ONCE(dev->token_bytes_max, v);
	return count;
}
static DEVICE_ATTR_RW(token_bytes_max);

/* Absolute lifetime, in ms, of tokens minted from now on; 0 = none. */
static ssize_t token_age_max_ms_show(struct device *d, struct device_attribute *attr,
				     char *buf)
{
	struct odx_dev *dev = odx_dev_from_kobj(&d->kobj);

	return sysfs_emit(buf, "%u\n", READ_ONCE(dev->token_age_max_ms));
}

static ssize_t token_age_max_ms_store(struct device *d, struct device_attribute *attr,
				      const char *buf, size_t count)
{
	struct odx_dev *dev = odx_dev_from_kobj(&d->kobj);
	u32 v;
	int err;

	err = kstrtou32(buf, 0, &v);
	if (err)
		return err;
	WRITE_ONCE(dev->token_age_max_ms, v);
	return count;
}
static DEVICE_ATTR_RW(token_age_max_ms);

static struct attribute *odx_disk_attrs[] = {
	&dev_attr_pages.attr,
	&dev_attr_index.attr,
	&dev_attr_block_size.attr,
	&dev_attr_limits.attr,
	&dev_attr_token_bytes.attr,
	&dev_attr_token_bytes_max.attr,
	&dev_attr_token_age_max_ms.attr,
	&odx_stat_attrs[0].dattr.attr,
	&odx_stat_attrs[1].dattr.attr,
	&odx_stat_attrs[2].dattr.attr,
	&odx_stat_attrs[3].dattr.attr,
	&odx_stat_attrs[4].dattr.attr,
	&odx_stat_attrs[5].dattr.attr,
	&odx_stat_attrs[6].dattr.attr,
	&odx_stat_attrs[7].dattr.attr,
	&odx_stat_attrs[8].dattr.attr,
	&odx_stat_attrs[9].dattr.attr,
	NULL,
};

static const struct attribute_group odx_disk_group = {
	.name	= "odx",
	.attrs	= odx_disk_attrs,
};

static const struct attribute_group *odx_disk_groups[] = {
	&odx_disk_group,
	NULL,
};

/**
 * odx_dev_create() - create and register a device
 * @p: parameters; block_size 0 takes the default; on success p->index is set
 *
 * Return: 0, or -EINVAL (bad parameters), -EEXIST (index in use), -ENOSPC (no
 * free index), -ENOMEM, or what add_disk() returned.
 */
int odx_dev_create(struct odx_device_params *p)
{
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
	odx_token_dev_init(dev);
	odx_scsi_init(dev);
	odx_store_init(&dev->store);

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
	odx_store_destroy(&dev->store);
	kfree(dev);
	return err;
}

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
	odx_token_revoke_dev(dev);
	del_gendisk(dev->disk);
}

/**
 * odx_dev_remove() - remove a device that nobody has open
 * @index: the device's index
 *
 * Return: 0, -ENODEV (no such device) or -EBUSY (the device is open).
 */
int odx_dev_remove(u32 index)
{
	struct odx_dev *dev;
	int err = 0;

	mutex_lock(&odx_devices_lock);
	dev = idr_find(&odx_devices, index);
	if (!dev) {
		err = -ENODEV;
		goto out_unlock;
	}
	mutex_lock(&dev->disk->open_mutex);
	if (disk_openers(dev->disk))
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

static int __init odx_init(void)
{
	struct odx_device_params p = { };
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
	if (odx_block_size != 512 && odx_block_size != 4096) {
		pr_err("block_size must be 512 or 4096\n");
		return -EINVAL;
	}

	if (!odx_max_ranges || odx_max_ranges > ODX_MAX_RANGES_LIMIT) {
		pr_err("max_ranges must be 1-%u\n", ODX_MAX_RANGES_LIMIT);
		return -EINVAL;
	}
	if (!odx_max_transfer_bytes || odx_max_transfer_bytes % 4096 ||
	    !odx_token_limits.max_token_bytes || odx_token_limits.max_token_bytes % 4096) {
		pr_err("max_transfer_bytes and max_token_bytes must be non-zero multiples of 4096\n");
		return -EINVAL;
	}
	if (!odx_token_limits.max_ttl_ms ||
	    odx_token_limits.default_ttl_ms > odx_token_limits.max_ttl_ms) {
		pr_err("default_ttl_ms must not exceed max_ttl_ms, which must not be 0\n");
		return -EINVAL;
	}

	err = odx_store_module_init();
	if (err)
		return err;

	err = odx_tokens_init();
	if (err)
		goto out_exit_store;

	odx_major = register_blkdev(0, "odx");
	if (odx_major < 0) {
		err = odx_major;
		goto out_exit_tokens;
	}

	err = odx_ctl_init();
	if (err)
		goto out_unregister_blkdev;

	for (i = 0; i < nr_devices; i++) {
		p = (struct odx_device_params) {
			.size_bytes = (u64)size_mb << 20,
			.index = i,
		};
		err = odx_dev_create(&p);
		if (err) {
			pr_err("cannot create odx%u: %d\n", i, err);
			goto out_remove_all;
		}
	}
	return 0;

out_remove_all:
	odx_remove_all();
	odx_ctl_exit();
out_unregister_blkdev:
	unregister_blkdev(odx_major, "odx");
out_exit_tokens:
	odx_tokens_exit();
out_exit_store:
	/* Waits for the deferred page frees, which run module code. */
	odx_store_module_exit();
	return err;
}

static void __exit odx_exit(void)
{
	odx_ctl_exit();
	odx_remove_all();
	unregister_blkdev(odx_major, "odx");
	odx_tokens_exit();
	/* Waits for the deferred page frees, which run module code. */
	odx_store_module_exit();
}

module_init(odx_init);
module_exit(odx_exit);
MODULE_DESCRIPTION("odx: RAM block devices with ODX token copy");
MODULE_LICENSE("GPL");
MODULE_VERSION(ODX_VERSION);
