// SPDX-License-Identifier: GPL-2.0
/*
 * odxctl's errno advice: what an errno means for the operation that got it,
 * what to do about it and the exit status it maps to.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "libodx.h"
#include "advice.h"
#include "out.h"

static const struct {
	int err;
	const char *name;
} errno_names[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINTR, "EINTR" }, { EIO, "EIO" },
	{ ENXIO, "ENXIO" }, { EBADF, "EBADF" }, { ENOMEM, "ENOMEM" },
	{ EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
	{ EEXIST, "EEXIST" }, { EXDEV, "EXDEV" }, { ENODEV, "ENODEV" },
	{ ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" }, { EINVAL, "EINVAL" },
	{ ENOTTY, "ENOTTY" }, { ENOSPC, "ENOSPC" }, { EROFS, "EROFS" },
	{ ERANGE, "ERANGE" }, { EOPNOTSUPP, "EOPNOTSUPP" }, { EDQUOT, "EDQUOT" },
	{ EKEYREJECTED, "EKEYREJECTED" }, { EKEYEXPIRED, "EKEYEXPIRED" },
	{ EOVERFLOW, "EOVERFLOW" }, { EAGAIN, "EAGAIN" }, { EFBIG, "EFBIG" },
	{ EADDRINUSE, "EADDRINUSE" }, { EADDRNOTAVAIL, "EADDRNOTAVAIL" },
	{ ENOTEMPTY, "ENOTEMPTY" }, { ENAMETOOLONG, "ENAMETOOLONG" },
};

const char *errno_name(int err)
{
	static char buf[24];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errno_names); i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

/*
 * What @err (positive) means for @op on @dev, what to do about it, and the exit
 * status it maps to.
 */
static int explain(int err, enum op op, const char *dev, const char **meaning,
		   const char **hint)
{
	static char mbuf[256], hbuf[256];
	bool rw = op == OP_WRITE || op == OP_ZERO || op == OP_COPY;

	*meaning = strerror(err);
	*hint = NULL;
	switch (err) {
	case EKEYREJECTED:
		*meaning = "invalid token: unknown, altered, expired, released or revoked";
		*hint = "mint a new token with 'odxctl token' (a token dies when it is released or revoked, when its source device is removed, after its time to live without use or past the device's token_age_max_ms)";
		return RC_TOKEN;
	case EXDEV:
		snprintf(mbuf, sizeof(mbuf),
			 "the token cannot be used on %s: it comes from another odx device and cross-device use is off, or the two devices' logical block sizes differ",
			 dev);
		*meaning = mbuf;
		snprintf(hbuf, sizeof(hbuf),
			 "copy between devices of the same block size, or let %s take tokens of other devices: echo 1 > /sys/block/%s/odx/allow_cross_device",
			 dev, strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev);
		*hint = hbuf;
		break;
	case ENXIO:
		if (op == OP_OPEN_READ || op == OP_OPEN_WRITE) {
			*meaning = "the device is being removed";
			break;
		}
		snprintf(mbuf, sizeof(mbuf), "a range ends past the end of %s", dev);
		*meaning = mbuf;
		snprintf(hbuf, sizeof(hbuf),
			 "keep the ranges inside the device ('odxctl info %s' shows its size)",
			 dev);
		*hint = hbuf;
		break;
	case EINVAL:
		*meaning = "the kernel refused the request as malformed";
		if (op == OP_WRITE) {
			*meaning = "the kernel refused the request; with ranges that passed odxctl's checks, the token offset is at or past the end of the token's data";
			*hint = "give a --token-offset below the token's LengthProtected";
		} else if (op == OP_ADD) {
			*meaning = "the kernel refused the device parameters";
			*hint = "the size must be a non-zero multiple of 4K up to 1T, the block size 512 or 4096 and the index below 1024 (the kernel log says which)";
		} else if (op == OP_READ || op == OP_ZERO || op == OP_COPY) {
			snprintf(hbuf, sizeof(hbuf),
				 "ranges must be non-empty, aligned to the logical block size and no more than maximum_data_descriptors ('odxctl info %s')",
				 dev);
			*hint = hbuf;
		}
		break;
	case ENOSPC:
		if (op == OP_ADD) {
			*meaning = "no free device index (1024 odx devices exist)";
			*hint = "remove a device with 'odxctl remove'";
		} else {
			*meaning = "too many live tokens (module parameter max_tokens)";
			*hint = "release tokens with 'odxctl release' or let them expire";
		}
		break;
	case EDQUOT:
		snprintf(mbuf, sizeof(mbuf),
			 "the tokens of %s would hold more memory than its budget (/sys/block/<dev>/odx/token_bytes_max), or pin more pages than the module allows (module parameter token_pages_max)",
			 dev);
		*meaning = mbuf;
		*hint = "mint tokens for less data, release tokens you no longer need, or raise the device's token_bytes_max";
		break;
	case EBADF:
		*meaning = op == OP_REVOKE ? "revoking needs the device open for writing" :
			   "the device is not open for reading (offload read) or writing (offload write)";
		break;
	case EPERM:
		if (op == OP_ADD || op == OP_REMOVE) {
			*meaning = "creating and removing odx devices needs CAP_SYS_ADMIN";
			*hint = "run odxctl as root";
		} else if (rw) {
			snprintf(mbuf, sizeof(mbuf), "%s is read-only", dev);
			*meaning = mbuf;
			snprintf(hbuf, sizeof(hbuf), "make it writable: blockdev --setrw %s", dev);
			*hint = hbuf;
		}
		break;
	case EACCES:
	case EROFS:
		*meaning = "permission denied";
		if (op == OP_OPEN_WRITE)
			snprintf(hbuf, sizeof(hbuf),
				 "run odxctl as root; if %s is read-only, make it writable: blockdev --setrw %s",
				 dev, dev);
		else
			snprintf(hbuf, sizeof(hbuf), "run odxctl as root");
		*hint = hbuf;
		break;
	case EEXIST:
		*meaning = "that device index is in use";
		*hint = "pick another --index, or leave --index out to get the lowest free one";
		break;
	case ENODEV:
		snprintf(mbuf, sizeof(mbuf), "no such device %s", dev);
		*meaning = mbuf;
		*hint = "'odxctl list' shows the devices";
		return RC_NODEV;
	case EBUSY:
		snprintf(mbuf, sizeof(mbuf), "%s is in use (open or mounted)", dev);
		*meaning = mbuf;
		*hint = "unmount it and stop every program using it, then retry";
		break;
	case ENOENT:
		if (op == OP_ADD || op == OP_REMOVE) {
			*meaning = "there is no /dev/" ODX_CONTROL_NAME;
			*hint = "load the odx module first (insmod odx.ko)";
		} else {
			snprintf(mbuf, sizeof(mbuf), "there is no device node %s", dev);
			*meaning = mbuf;
			*hint = "is devtmpfs mounted on /dev?";
		}
		return RC_NODEV;
	case ENOTTY:
		snprintf(mbuf, sizeof(mbuf), "%s does not know this ioctl", dev);
		*meaning = mbuf;
		*hint = "is it an odx device, and does the odx module match odxctl?";
		break;
	case EOPNOTSUPP:
		*meaning = "the device does not support this request";
		break;
	case ENOMEM:
		*meaning = "out of memory in the kernel";
		*hint = "free some memory, or work on less data at a time";
		break;
	case EINTR:
		*meaning = "interrupted by a signal before anything was copied";
		break;
	case EIO:
		if (rw) {
			*meaning = "an offload write made no progress";
			break;
		}
		break;
	case ERANGE:
	case EFAULT:
		*meaning = err == ERANGE ? "output buffer too small (a bug in odxctl)" :
					   "bad address (a bug in odxctl)";
		break;
	}
	return RC_FAIL;
}

/*
 * Report that @what failed with -@err during @op on @dev; return the exit
 * status. Prints "WHAT: MEANING (ENAME)" and, when there is one, the fix.
 */
int fail_errno(int err, enum op op, const char *dev, const char *what)
{
	const char *meaning, *hint;
	int rc;

	if (err < 0)
		err = -err;
	rc = explain(err, op, dev, &meaning, &hint);
	fail_rc(rc, "%s: %s (%s)", what, meaning, errno_name(err));
	if (hint)
		fail_rc(rc, "to fix: %s", hint);
	return rc;
}
