/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odx: devices made and configured in configfs (odx_configfs.c),
 * /sys/kernel/config/odx/.
 */
#ifndef _ODX_CONFIGFS_H
#define _ODX_CONFIGFS_H

#include <linux/kconfig.h>

#if IS_ENABLED(CONFIG_CONFIGFS_FS)
int odx_configfs_init(void);
void odx_configfs_exit(void);
#else
static inline int odx_configfs_init(void)
{
	return 0;
}

static inline void odx_configfs_exit(void)
{
}
#endif

#endif /* _ODX_CONFIGFS_H */
