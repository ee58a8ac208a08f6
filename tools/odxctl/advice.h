/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What an errno means for the operation that got it, what to do about it and
 * the exit status it maps to.
 */
#ifndef ODXCTL_ADVICE_H
#define ODXCTL_ADVICE_H

/* What failed, for the advice. */
enum op {
	OP_OPEN_READ,	/* opening a device for reading */
	OP_OPEN_WRITE,	/* opening a device for writing */
	OP_CAPS,	/* ODX_IOC_CAPS */
	OP_READ,	/* offload read (minting a token) */
	OP_WRITE,	/* offload write with a token */
	OP_ZERO,	/* offload write with the zero token */
	OP_RELEASE,	/* ODX_IOC_RELEASE */
	OP_REVOKE,	/* ODX_IOC_REVOKE */
	OP_COPY,	/* odx_copy(): offload reads and writes */
	OP_ADD,		/* ODX_CTL_ADD */
	OP_REMOVE,	/* ODX_CTL_REMOVE */
};

/* "EKEYREJECTED", or "errno N" for one odxctl has no name for. */
const char *errno_name(int err);

/*
 * Report that @what failed with @err (positive or negative) during @op on
 * device @dev: "WHAT: MEANING (ENAME)" and, when there is one, "to fix: ...".
 * Returns the exit status.
 */
int fail_errno(int err, enum op op, const char *dev, const char *what);

#endif /* ODXCTL_ADVICE_H */
