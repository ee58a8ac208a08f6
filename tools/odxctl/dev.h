/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odx devices: finding them from a DEV argument, and what sysfs says of them
 * and of the module.
 */
#ifndef ODXCTL_DEV_H
#define ODXCTL_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SYS_BLOCK		"/sys/block"
#define SYS_MODULE		"/sys/module/odx"

/* A device: /dev/odxN. */
struct dev {
	unsigned int index;
	char name[16];		/* odxN */
	char path[32];		/* /dev/odxN */
	uint64_t size;		/* bytes */
	unsigned int block_size;
};

/* A sysfs file, name and value (dev_read_attrs()). */
struct attr {
	char *name;		/* malloc'ed */
	char value[64];
};

/* Read sysfs file @path into @buf without the trailing newline; 0 or -errno. */
int sysfs_read(const char *path, char *buf, size_t len);

/* Sysfs file @path as a decimal number; 0 or -errno. */
int sysfs_read_u64(const char *path, uint64_t *v);

/* /sys/block/odxN/@attr of @d as a number; 0 or -errno. */
int dev_attr(const struct dev *d, const char *attr, uint64_t *v);

/* Whether the odx module is loaded. */
bool module_loaded(void);

/* The loaded module's MODULE_VERSION into @buf, or "not loaded". */
const char *module_version(char *buf, size_t len);

/*
 * The index of DEV, given as /dev/odxN, odxN, N or any path to the node.
 * Returns 0, or the exit status after saying what is wrong.
 */
int dev_index(const char *arg, unsigned int *index);

/* Fill @d for index @index from sysfs; 0, or the exit status after a message. */
int dev_load(unsigned int index, struct dev *d);

/* Resolve a DEV argument into @d: dev_index() and dev_load(). */
int dev_lookup(const char *arg, struct dev *d);

/* Open @d for reading (offload read, caps, release) or writing too. */
int dev_open(const struct dev *d, bool write, int *fd);

/* The indexes of the odx devices, sorted; their number, or -errno. */
int dev_list(unsigned int *idx, int max);

/* Which files dev_read_attrs() reads. */
enum attrs_which {
	ATTRS_ALL,
	ATTRS_READ_ONLY,	/* a device's counters */
	ATTRS_WRITABLE,		/* a device's settings */
};

/*
 * The files of sysfs directory @dir (@which of them) as name/value pairs:
 * those named in @first in that order, then the rest sorted (index,
 * block_size and limits left out). Their number; free each name.
 */
int dev_read_attrs(const char *dir, enum attrs_which which, const char *const *first,
		   int nfirst, struct attr *out, int max);

#endif /* ODXCTL_DEV_H */
