// SPDX-License-Identifier: GPL-2.0
/*
 * odx devices: DEV arguments, /sys/block/odxN and /sys/module/odx.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "libodx.h"
#include "advice.h"
#include "args.h"
#include "dev.h"
#include "out.h"

/* ----------------------------------------------------------------------------
 * sysfs
 */

int sysfs_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

/* The loaded module's MODULE_VERSION into @buf, or "not loaded". */
const char *module_version(char *buf, size_t len)
{
	if (sysfs_read(SYS_MODULE "/version", buf, len))
		snprintf(buf, len, "%s", access(SYS_MODULE, F_OK) ? "not loaded" : "unknown");
	return buf;
}

int sysfs_read_u64(const char *path, uint64_t *v)
{
	char buf[64], *end;
	int err;

	err = sysfs_read(path, buf, sizeof(buf));
	if (err)
		return err;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	if (errno || end == buf || *end)
		return -EINVAL;
	return 0;
}

/* /sys/block/odxN/@attr as a number. */
int dev_attr(const struct dev *d, const char *attr, uint64_t *v)
{
	char path[128];

	snprintf(path, sizeof(path), SYS_BLOCK "/%s/%s", d->name, attr);
	return sysfs_read_u64(path, v);
}

bool module_loaded(void)
{
	return !access(SYS_MODULE, F_OK);
}

/* Shown elsewhere: the identity, and the limits (ODX_IOC_CAPS reports them). */
static bool skip_attr(const char *name)
{
	return !strcmp(name, "index") || !strcmp(name, "block_size") ||
	       !strncmp(name, "maximum_", 8) || !strncmp(name, "optimal_", 8) ||
	       !strcmp(name, "default_token_lifetime") || !strcmp(name, "features") ||
	       name[0] == '.';
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether file @name of the directory open at @dirfd is one of @which. */
static bool attr_is(int dirfd, const char *name, enum attrs_which which)
{
	struct stat st;

	if (which == ATTRS_ALL)
		return true;
	if (fstatat(dirfd, name, &st, 0))
		return false;
	return !!(st.st_mode & 0200) == (which == ATTRS_WRITABLE);
}

int dev_read_attrs(const char *dir, enum attrs_which which, const char *const *first,
		   int nfirst, struct attr *out, int max)
{
	char path[512], *names[128];
	struct dirent *e;
	int nr = 0, nn = 0, i, k;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d)) && nn < (int)ARRAY_SIZE(names)) {
		if (skip_attr(e->d_name) || !attr_is(dirfd(d), e->d_name, which))
			continue;
		names[nn] = strdup(e->d_name);
		if (names[nn])
			nn++;
	}
	closedir(d);
	qsort(names, nn, sizeof(names[0]), name_cmp);
	for (k = 0; k <= nfirst && nr < max; k++) {
		for (i = 0; i < nn && nr < max; i++) {
			bool listed = false;
			int f;

			if (!names[i])
				continue;
			for (f = 0; f < nfirst; f++)
				listed |= !strcmp(names[i], first[f]);
			if (k < nfirst ? strcmp(names[i], first[k]) : listed)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
			if (sysfs_read(path, out[nr].value, sizeof(out[nr].value)))
				continue;
			out[nr].name = names[i];
			names[i] = NULL;
			nr++;
		}
	}
	for (i = 0; i < nn; i++)
		free(names[i]);
	return nr;
}

/* ----------------------------------------------------------------------------
 * Devices
 */

/* The index of DEV, given as /dev/odxN, odxN, N or any path to the node. */
int dev_index(const char *arg, unsigned int *index)
{
	char path[128];
	struct stat st;
	uint64_t v;
	long n = -1;

	if (!strncmp(arg, "/dev/odx", 8))
		n = parse_index(arg + 8);
	else if (!strncmp(arg, "odx", 3))
		n = parse_index(arg + 3);
	else
		n = parse_index(arg);
	if (n >= 0) {
		if (n >= ODX_MAX_DEVICES)
			return usage_error("no device '%s': odx device numbers run from 0 to %d",
					   arg, ODX_MAX_DEVICES - 1);
		*index = n;
		return 0;
	}
	if (!strchr(arg, '/'))
		return usage_error("'%s' is not an odx device: give /dev/odxN, odxN or N", arg);
	if (stat(arg, &st))
		return fail_rc(RC_NODEV, "no device %s: %s (%s)", arg, strerror(errno),
			       errno_name(errno));
	if (!S_ISBLK(st.st_mode))
		return usage_error("%s is not a block device, let alone an odx device", arg);
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/odx/index",
		 major(st.st_rdev), minor(st.st_rdev));
	if (sysfs_read_u64(path, &v) || v >= ODX_MAX_DEVICES)
		return usage_error("%s is a block device but not an odx device", arg);
	*index = v;
	return 0;
}

/* Fill @d for index @index from sysfs; fails when there is no such device. */
int dev_load(unsigned int index, struct dev *d)
{
	uint64_t v;

	memset(d, 0, sizeof(*d));
	d->index = index;
	snprintf(d->name, sizeof(d->name), "odx%u", index);
	snprintf(d->path, sizeof(d->path), "/dev/odx%u", index);
	if (dev_attr(d, "size", &v)) {
		if (!module_loaded())
			return fail_rc(RC_NODEV, "no device %s: the odx module is not loaded (insmod odx.ko)",
				       d->path);
		return fail_rc(RC_NODEV, "no device %s: 'odxctl list' shows the devices, 'odxctl create' makes one",
			       d->path);
	}
	d->size = v << 9;
	if (dev_attr(d, "odx/block_size", &v) && dev_attr(d, "queue/logical_block_size", &v))
		return fail_rc(RC_FAIL, "cannot read the block size of %s from sysfs", d->path);
	d->block_size = v;
	if (d->block_size != 512 && d->block_size != 4096)
		return fail_rc(RC_FAIL, "%s has an unexpected block size %u", d->path,
			       d->block_size);
	return 0;
}

/* Resolve a DEV argument into @d. */
int dev_lookup(const char *arg, struct dev *d)
{
	unsigned int index;
	int rc;

	rc = dev_index(arg, &index);
	if (rc)
		return rc;
	return dev_load(index, d);
}

/* Open @d for reading (offload read, caps, release) or writing too. */
int dev_open(const struct dev *d, bool write, int *fd)
{
	char what[64];

	*fd = open(d->path, (write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (*fd >= 0)
		return 0;
	snprintf(what, sizeof(what), "cannot open %s", d->path);
	return fail_errno(errno, write ? OP_OPEN_WRITE : OP_OPEN_READ, d->path, what);
}

static int index_cmp(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

int dev_list(unsigned int *idx, int max)
{
	struct dirent *e;
	int nr = 0;
	long n;
	DIR *dir;

	dir = opendir(SYS_BLOCK);
	if (!dir)
		return -errno;
	while ((e = readdir(dir)) && nr < max) {
		if (strncmp(e->d_name, "odx", 3))
			continue;
		n = parse_index(e->d_name + 3);
		if (n >= 0 && n < ODX_MAX_DEVICES)
			idx[nr++] = n;
	}
	closedir(dir);
	qsort(idx, nr, sizeof(*idx), index_cmp);
	return nr;
}
