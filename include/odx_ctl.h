/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odx: the control device (odx_ctl.c), /dev/odx-control.
 */
#ifndef _ODX_CTL_H
#define _ODX_CTL_H

int odx_ctl_init(void);
void odx_ctl_exit(void);

#endif /* _ODX_CTL_H */
