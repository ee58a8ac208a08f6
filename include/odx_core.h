/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odx: creating and removing devices (odx_core.c), for the module's set-up
 * (odx_main.c), the control device (odx_ctl.c), configfs (odx_configfs.c) and
 * the LIO backstore (odx_target.c, a module of its own).
 */
#ifndef _ODX_CORE_H
#define _ODX_CORE_H

#include <linux/types.h>
#include <linux/odx.h>

#include "odx_dev.h"

/**
 * struct odx_dev_settings - what configfs sets of a device
 * @config: the engine's and fronts' settings.
 * @token_bytes_max: the budget of the bytes its tokens hold.
 * @token_age_max_ms: absolute lifetime of its tokens, 0 = none.
 * @max_token_bytes: bytes one token covers at most.
 */
struct odx_dev_settings {
	struct odx_dev_config config;
	unsigned long token_bytes_max;
	u32 token_age_max_ms;
	u64 max_token_bytes;
};

int odx_validate_params(const struct odx_device_params *p, const char **why);
int odx_dev_create(struct odx_device_params *p, const struct odx_dev_settings *set,
		   const void *owner);
int odx_dev_remove(u32 index, const void *owner);
int odx_dev_configure(u32 index, const void *owner, const struct odx_dev_settings *set);
int odx_dev_get_settings(u32 index, const void *owner, struct odx_dev_settings *set);
void odx_dev_default_settings(struct odx_dev_settings *set);
struct odx_dev *odx_dev_claim(u32 index);
void odx_dev_unclaim(struct odx_dev *dev);
int odx_devices_init(void);
void odx_devices_exit(void);

#endif /* _ODX_CORE_H */
