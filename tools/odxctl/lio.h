/* SPDX-License-Identifier: GPL-2.0 */
/*
 * LIO, the kernel's SCSI target, through its configfs tree, the way targetcli
 * (rtslib) writes it: odx backstores (odx_target.ko's "odx" backend), the
 * fabric LUNs that link to them, the modules behind them, and the targets
 * odxctl made (so that unexport removes those, and only those).
 */
#ifndef ODXCTL_LIO_H
#define ODXCTL_LIO_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "odxctl.h"

#define LIO_ROOT		"/sys/kernel/config/target"
#define LIO_CONFIGFS		"/sys/kernel/config"
/* The targets odxctl made, one configfs path (below LIO_ROOT) a line. */
#define LIO_MADE_DIR		"/run/odxctl"
#define LIO_MADE_FILE		LIO_MADE_DIR "/made-targets"

#define LIO_MAX_LUNS		64	/* fabric LUNs one backstore shows */
#define LIO_MAX_SOS		256	/* odx backstores listed */

/* A fabric LUN that links to a backstore. */
struct lio_lun {
	char fabric[32];	/* "loopback", "iscsi", ... */
	char target[224];	/* the target's WWN or IQN */
	unsigned int tpgt;
	unsigned int lun;
	char path[PATH_MAX];	/* LIO_ROOT/FABRIC/TARGET/tpgt_T/lun/lun_L */
	char link[256];		/* the symlink in it */
	char disk[32];		/* loopback: /dev/sdX, or "" */
};

/* A storage object of the odx backend: LIO_ROOT/core/odx_H/NAME. */
struct lio_so {
	char hba[64];		/* odx_H */
	char name[128];
	char path[PATH_MAX];
	int index;		/* the odx device it serves; -1: not enabled */
	bool made_device;	/* it made its device (size_mb=) and removes it */
	struct lio_lun luns[LIO_MAX_LUNS];
	int nluns;
};

/*
 * snprintf() for configfs paths and names, which may be cut at @len (an open
 * of a cut path fails, and says so); returns what vsnprintf() returns.
 */
__printf(3, 4) int strfmt(char *buf, size_t len, const char *fmt, ...);

/* Write @val to configfs file @path; 0 or -errno. */
int lio_write(const char *path, const char *val);

/* mkdir @path (0755); 0, 1 when it existed, or -errno. */
int lio_mkdir(const char *path);

/* Run "modprobe -q MODULE"; whether it succeeded. */
bool lio_modprobe(const char *module);

/*
 * LIO's configfs root, loading target_core_mod when it is missing. 0, or the
 * exit status after saying what is missing and how to get it. With @quiet,
 * no modprobe and no message: -1 when LIO is absent.
 */
int lio_core_ready(bool quiet);

/*
 * The fabric directory LIO_ROOT/@fabric ("loopback", "iscsi"), made as
 * targetcli makes it (LIO loads the fabric's module itself; if that fails,
 * odxctl runs modprobe @module). 0, or the exit status after a message.
 */
int lio_fabric_ready(const char *fabric, const char *module);

/*
 * The odx storage objects (sorted by HBA index, then name), each with the
 * fabric LUNs that link to it. Their number (0 without LIO); -errno.
 */
int lio_scan(struct lio_so *sos, int max);

/* loopback: the /dev/sdX of tpgt @tpgt, LUN @lun of target @wwn into @disk; 0 or -1. */
int lio_loop_disk(const char *wwn, unsigned int tpgt, unsigned int lun, char *disk,
		  size_t len);

/* The portals (np/ADDR:PORT) of iSCSI target @iqn's tpgt @tpgt, ", "-joined. */
int lio_portals(const char *iqn, unsigned int tpgt, char *buf, size_t len);

/* The lowest HBA index no core/PLUGIN_N directory uses (rtslib's way). */
int lio_free_hba(void);

/* Whether odxctl made target @rel (FABRIC/WWN), and record or forget that. */
bool lio_made(const char *rel);
void lio_made_add(const char *rel);
void lio_made_del(const char *rel);

/*
 * Report that @what failed with @err on configfs path @path, with advice;
 * returns the exit status.
 */
int lio_fail(int err, const char *what, const char *path);

#endif /* ODXCTL_LIO_H */
