// SPDX-License-Identifier: GPL-2.0
/*
 * odx: SG_IO on /dev/odxN (sg v3, interface 'S'), a transport of the SCSI
 * command set (odx_scsi.c). It checks the sg_io_hdr and the access a command
 * needs exactly where the kernel's own sg_io() checks them for a real disk
 * (a malformed header fails the ioctl itself), maps the caller's buffer (one
 * buffer or iovecs) and hands the command to odx_scsi_exec().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cdrom.h>
#include <linux/compat.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_proto.h>
#include <scsi/sg.h>

#include "odx_dev.h"
#include "odx_scsi.h"

/* SG_GET_VERSION_NUM: what the block layer's own SG_IO reports. */
#define ODX_SG_VERSION		30527

static_assert(sizeof_field(struct scsi_cmnd, cmnd) == ODX_SCSI_MAX_CDB);

/* A command from SG_IO: the caller's buffer as an iov_iter. */
struct odx_sg_cmd {
	struct odx_scsi_cmd cmd;
	struct iov_iter data;
};

static int odx_sg_to_initiator(struct odx_scsi_cmd *cmd, const void *buf, u32 len)
{
	struct odx_sg_cmd *sc = container_of(cmd, struct odx_sg_cmd, cmd);

	return copy_to_iter(buf, len, &sc->data) == len ? 0 : -EFAULT;
}

static int odx_sg_from_initiator(struct odx_scsi_cmd *cmd, void *buf, u32 len)
{
	struct odx_sg_cmd *sc = container_of(cmd, struct odx_sg_cmd, cmd);

	return copy_from_iter(buf, len, &sc->data) == len ? 0 : -EFAULT;
}

static const struct odx_scsi_data_ops odx_sg_data_ops = {
	.to_initiator	= odx_sg_to_initiator,
	.from_initiator	= odx_sg_from_initiator,
};

/* Read the caller's sg_io_hdr (either ABI). */
static int odx_get_hdr(struct sg_io_hdr *hdr, const void __user *uarg)
{
#ifdef CONFIG_COMPAT
	if (in_compat_syscall()) {
		struct compat_sg_io_hdr c;

		if (copy_from_user(&c, uarg, sizeof(c)))
			return -EFAULT;
		*hdr = (struct sg_io_hdr) {
			.interface_id = c.interface_id,
			.dxfer_direction = c.dxfer_direction,
			.cmd_len = c.cmd_len,
			.mx_sb_len = c.mx_sb_len,
			.iovec_count = c.iovec_count,
			.dxfer_len = c.dxfer_len,
			.dxferp = compat_ptr(c.dxferp),
			.cmdp = compat_ptr(c.cmdp),
			.sbp = compat_ptr(c.sbp),
			.timeout = c.timeout,
			.flags = c.flags,
			.pack_id = c.pack_id,
			.usr_ptr = compat_ptr(c.usr_ptr),
		};
		return 0;
	}
#endif
	return copy_from_user(hdr, uarg, sizeof(*hdr)) ? -EFAULT : 0;
}

/* Write the caller's sg_io_hdr back (either ABI). */
static int odx_put_hdr(const struct sg_io_hdr *hdr, void __user *uarg)
{
#ifdef CONFIG_COMPAT
	if (in_compat_syscall()) {
		struct compat_sg_io_hdr c = {
			.interface_id = hdr->interface_id,
			.dxfer_direction = hdr->dxfer_direction,
			.cmd_len = hdr->cmd_len,
			.mx_sb_len = hdr->mx_sb_len,
			.iovec_count = hdr->iovec_count,
			.dxfer_len = hdr->dxfer_len,
			.dxferp = ptr_to_compat(hdr->dxferp),
			.cmdp = ptr_to_compat(hdr->cmdp),
			.sbp = ptr_to_compat(hdr->sbp),
			.timeout = hdr->timeout,
			.flags = hdr->flags,
			.pack_id = hdr->pack_id,
			.usr_ptr = ptr_to_compat(hdr->usr_ptr),
			.status = hdr->status,
			.masked_status = hdr->masked_status,
			.msg_status = hdr->msg_status,
			.sb_len_wr = hdr->sb_len_wr,
			.host_status = hdr->host_status,
			.driver_status = hdr->driver_status,
			.resid = hdr->resid,
			.duration = hdr->duration,
			.info = hdr->info,
		};

		return copy_to_user(uarg, &c, sizeof(c)) ? -EFAULT : 0;
	}
#endif
	return copy_to_user(uarg, hdr, sizeof(*hdr)) ? -EFAULT : 0;
}

/*
 * Who may send what. For real disks the kernel's SG_IO filter,
 * scsi_cmd_allowed() (drivers/scsi/scsi_ioctl.c), lets any opener send the
 * commands on its read list, needs the device open for writing for those on its
 * write list (MODE SELECT among them), and CAP_SYS_RAWIO for anything else; it
 * lets CAP_SYS_RAWIO send anything. odx uses the same two lists and asks at
 * least as much, of every caller, root included:
 *  - read list: the device open for reading (the kernel asks only that it be
 *    open; odx's commands read the data itself, as read(2) would);
 *  - write list: the device open for writing;
 *  - POPULATE TOKEN and RECEIVE ROD TOKEN INFORMATION (on neither list): open
 *    for reading, as the DSM ioctl's offload read (a token reads the source);
 *  - WRITE USING TOKEN (on neither list): open for writing, as the offload
 *    write;
 *  - anything else (SYNCHRONIZE CACHE(16), other service actions of 0x83 and
 *    0x84, unknown operation codes): CAP_SYS_RAWIO, as the kernel.
 * A missing mode fails the ioctl with EBADF (as the DSM ioctl does), a missing
 * CAP_SYS_RAWIO with EPERM (as the kernel does).
 */
enum odx_access { ODX_NEEDS_READ, ODX_NEEDS_WRITE, ODX_NEEDS_RAWIO };

static enum odx_access odx_cmd_access(const u8 *cdb)
{
	u8 sa = cdb[1] & 0x1f;

	switch (cdb[0]) {
	case TPC_OUT:
		if (sa == SA_POPULATE_TOKEN)
			return ODX_NEEDS_READ;
		return sa == SA_WRITE_USING_TOKEN ? ODX_NEEDS_WRITE : ODX_NEEDS_RAWIO;
	case TPC_IN:
		return sa == SA_RRTI ? ODX_NEEDS_READ : ODX_NEEDS_RAWIO;
	/* scsi_cmd_allowed()'s read list */
	case TEST_UNIT_READY:
	case REQUEST_SENSE:
	case READ_6:
	case READ_10:
	case READ_12:
	case READ_16:
	case READ_BUFFER:
	case READ_DEFECT_DATA:
	case READ_CAPACITY:
	case READ_LONG:
	case INQUIRY:
	case MODE_SENSE:
	case MODE_SENSE_10:
	case LOG_SENSE:
	case START_STOP:
	case GPCMD_VERIFY_10:
	case VERIFY_16:
	case REPORT_LUNS:
	case SERVICE_ACTION_IN_16:
	case RECEIVE_DIAGNOSTIC:
	case MAINTENANCE_IN:
	case GPCMD_READ_BUFFER_CAPACITY:
	case GPCMD_PLAY_CD:
	case GPCMD_PLAY_AUDIO_10:
	case GPCMD_PLAY_AUDIO_MSF:
	case GPCMD_PLAY_AUDIO_TI:
	case GPCMD_PAUSE_RESUME:
	case GPCMD_READ_CD:
	case GPCMD_READ_CD_MSF:
	case GPCMD_READ_DISC_INFO:
	case GPCMD_READ_DVD_STRUCTURE:
	case GPCMD_READ_HEADER:
	case GPCMD_READ_TRACK_RZONE_INFO:
	case GPCMD_READ_SUBCHANNEL:
	case GPCMD_READ_TOC_PMA_ATIP:
	case GPCMD_REPORT_KEY:
	case GPCMD_SCAN:
	case GPCMD_GET_CONFIGURATION:
	case GPCMD_READ_FORMAT_CAPACITIES:
	case GPCMD_GET_EVENT_STATUS_NOTIFICATION:
	case GPCMD_GET_PERFORMANCE:
	case GPCMD_SEEK:
	case GPCMD_STOP_PLAY_SCAN:
	case ZBC_IN:
		return ODX_NEEDS_READ;
	/* scsi_cmd_allowed()'s write list */
	case WRITE_6:
	case WRITE_10:
	case WRITE_VERIFY:
	case WRITE_12:
	case WRITE_VERIFY_12:
	case WRITE_16:
	case WRITE_LONG:
	case WRITE_LONG_2:
	case WRITE_SAME:
	case WRITE_SAME_16:
	case WRITE_SAME_32:
	case ERASE:
	case GPCMD_MODE_SELECT_10:
	case MODE_SELECT:
	case LOG_SELECT:
	case GPCMD_BLANK:
	case GPCMD_CLOSE_TRACK:
	case GPCMD_FLUSH_CACHE:		/* SYNCHRONIZE CACHE(10) */
	case GPCMD_FORMAT_UNIT:
	case GPCMD_REPAIR_RZONE_TRACK:
	case GPCMD_RESERVE_RZONE_TRACK:
	case GPCMD_SEND_DVD_STRUCTURE:
	case GPCMD_SEND_EVENT:
	case GPCMD_SEND_OPC:
	case GPCMD_SEND_CUE_SHEET:
	case GPCMD_SET_SPEED:
	case GPCMD_PREVENT_ALLOW_MEDIUM_REMOVAL:
	case GPCMD_LOAD_UNLOAD:
	case GPCMD_SET_STREAMING:
	case GPCMD_SET_READ_AHEAD:
	case ZBC_OUT:
		return ODX_NEEDS_WRITE;
	default:
		return ODX_NEEDS_RAWIO;
	}
}

static int odx_cmd_allowed(const u8 *cdb, blk_mode_t mode)
{
	switch (odx_cmd_access(cdb)) {
	case ODX_NEEDS_READ:
		return mode & BLK_OPEN_READ ? 0 : -EBADF;
	case ODX_NEEDS_WRITE:
		return mode & BLK_OPEN_WRITE ? 0 : -EBADF;
	default:
		return capable(CAP_SYS_RAWIO) ? 0 : -EPERM;
	}
}

/*
 * The data buffer, as the kernel's sg_io() maps it (blk_rq_map_user_io()):
 * nothing when dxfer_len is 0, whatever the direction; else iovec_count iovecs
 * at dxferp (native or compat, import_iovec()), of which the first dxfer_len
 * bytes count, or dxfer_len bytes at dxferp. SG_DXFER_TO_FROM_DEV is a read.
 * @iov: the fast iovec array on entry; what to kfree() after.
 */
static int odx_map_data(struct odx_sg_cmd *sc, const struct sg_io_hdr *hdr,
			struct iovec **iov)
{
	int rw = hdr->dxfer_direction == SG_DXFER_TO_DEV ? ITER_SOURCE : ITER_DEST;
	ssize_t ret;

	if (!hdr->dxfer_len) {
		*iov = NULL;
		sc->cmd.dir = ODX_SCSI_DATA_NONE;
		return 0;
	}
	if (hdr->iovec_count) {
		ret = import_iovec(rw, hdr->dxferp, hdr->iovec_count, UIO_FASTIOV, iov,
				   &sc->data);
		if (ret < 0)
			return ret;
		/* The SG_IO howto: the shorter of the two wins. */
		iov_iter_truncate(&sc->data, hdr->dxfer_len);
	} else {
		if (!access_ok(hdr->dxferp, hdr->dxfer_len)) {
			*iov = NULL;
			return -EFAULT;
		}
		(*iov)->iov_base = hdr->dxferp;
		(*iov)->iov_len = hdr->dxfer_len;
		iov_iter_init(&sc->data, rw, *iov, 1, hdr->dxfer_len);
		*iov = NULL;
	}
	sc->cmd.data_len = iov_iter_count(&sc->data);
	sc->cmd.dir = rw == ITER_SOURCE ? ODX_SCSI_DATA_OUT : ODX_SCSI_DATA_IN;
	return 0;
}

/*
 * SG_IO. The header is checked as the kernel's sg_io() checks it for a real
 * disk, in its order: interface 'S' (EINVAL); dxfer_len at most 8 MiB (EIO);
 * with data, a direction (EINVAL); cmd_len at most 32 (EINVAL) and at least 6
 * (EMSGSIZE); the access the command needs (EBADF, EPERM); the data buffer
 * (EFAULT, EINVAL). Results go back as the kernel's do: sense only when sbp is
 * set (mx_sb_len with a NULL sbp is not an error), resid = mapped length -
 * bytes transferred.
 */
static int odx_sg_io(struct odx_dev *dev, struct block_device *bdev, blk_mode_t mode,
		     void __user *uarg)
{
	struct iovec fast_iov[UIO_FASTIOV], *iov = fast_iov;
	unsigned long start = jiffies;
	struct odx_scsi_cmd *cmd;
	struct odx_sg_cmd *sc;
	struct sg_io_hdr hdr;
	int err;

	err = odx_get_hdr(&hdr, uarg);
	if (err)
		return err;
	if (hdr.interface_id != 'S')
		return -EINVAL;
	if (hdr.dxfer_len > ODX_SCSI_MAX_DATA)
		return -EIO;
	if (hdr.dxfer_len && hdr.dxfer_direction != SG_DXFER_TO_DEV &&
	    hdr.dxfer_direction != SG_DXFER_FROM_DEV &&
	    hdr.dxfer_direction != SG_DXFER_TO_FROM_DEV)
		return -EINVAL;
	if (hdr.cmd_len > ODX_SCSI_MAX_CDB)
		return -EINVAL;
	if (hdr.cmd_len < 6)
		return -EMSGSIZE;
	/* The header must be writable before the command runs. */
	err = odx_put_hdr(&hdr, uarg);
	if (err)
		return err;

	sc = kzalloc(sizeof(*sc), GFP_KERNEL);
	if (!sc)
		return -ENOMEM;
	cmd = &sc->cmd;
	cmd->ops = &odx_sg_data_ops;
	cmd->resp = kzalloc(ODX_SCSI_RESP, GFP_KERNEL);
	if (!cmd->resp) {
		err = -ENOMEM;
		goto out_free_cmd;
	}
	cmd->dev = dev;
	cmd->bdev = bdev;
	cmd->mode = mode;
	/* List identifiers belong to the calling process (see odx_scsi.c). */
	cmd->nexus = 0;
	cmd->desc_sense = READ_ONCE(dev->scsi->d_sense);
	cmd->cdb_len = hdr.cmd_len;
	if (copy_from_user(cmd->cdb, hdr.cmdp, hdr.cmd_len)) {
		err = -EFAULT;
		goto out_free_resp;
	}
	err = odx_cmd_allowed(cmd->cdb, mode);
	if (err)
		goto out_free_resp;
	err = odx_map_data(sc, &hdr, &iov);
	if (err)
		goto out_free_resp;

	err = odx_scsi_exec(cmd);
	if (err)
		goto out_free_iov;

	hdr.status = cmd->status;
	hdr.masked_status = cmd->status >> 1;
	hdr.msg_status = 0;
	hdr.host_status = 0;
	hdr.driver_status = cmd->sense_len ? DRIVER_SENSE : 0;
	hdr.sb_len_wr = 0;
	hdr.resid = cmd->data_len - cmd->transferred;
	hdr.duration = jiffies_to_msecs(jiffies - start);
	hdr.info = cmd->status ? SG_INFO_CHECK : 0;
	if (cmd->sense_len && hdr.sbp) {
		hdr.sb_len_wr = min_t(u8, hdr.mx_sb_len, cmd->sense_len);
		if (copy_to_user(hdr.sbp, cmd->sense, hdr.sb_len_wr))
			err = -EFAULT;
	}
	if (!err)
		err = odx_put_hdr(&hdr, uarg);
	if (cmd->status)
		pr_debug_ratelimited("odx%u: SCSI 0x%02x: sense %02x/%02x/%02x\n",
				     dev->index, cmd->cdb[0],
				     cmd->sense[0] == 0x72 ? cmd->sense[1] : cmd->sense[2],
				     cmd->sense[0] == 0x72 ? cmd->sense[2] : cmd->sense[12],
				     cmd->sense[0] == 0x72 ? cmd->sense[3] : cmd->sense[13]);
out_free_iov:
	kfree(iov);
out_free_resp:
	kfree(cmd->resp);
out_free_cmd:
	kfree(sc);
	return err;
}

/**
 * odx_sg_ioctl() - the SCSI generic ioctls of /dev/odxN
 * @dev: the device
 * @bdev: its block device
 * @mode: how the caller opened it
 * @cmd: ioctl number
 * @uarg: argument
 *
 * SG_IO runs a SCSI command (see the file comment); SG_GET_VERSION_NUM,
 * SG_GET_TIMEOUT, SG_SET_TIMEOUT, SG_GET_RESERVED_SIZE, SG_SET_RESERVED_SIZE
 * and SG_EMULATED_HOST answer as the block layer's SG_IO support does.
 *
 * Return: 0 (SCSI errors are in the sg_io_hdr), a negative errno as the
 * kernel's sg_io() gives for a real disk: -EINVAL (interface other than 'S', a
 * transfer without a direction, cmd_len over 32, more than UIO_MAXIOV iovecs),
 * -EIO (dxfer_len over 8 MiB), -EMSGSIZE (cmd_len under 6), -EFAULT; -EBADF
 * when the device is not open for what the command needs, -EPERM for a
 * command that needs CAP_SYS_RAWIO (see odx_cmd_access()), -ENOMEM, -EINTR;
 * -ENOTTY for other ioctls.
 */
int odx_sg_ioctl(struct odx_dev *dev, struct block_device *bdev, blk_mode_t mode,
		 unsigned int cmd, void __user *uarg)
{
	int val;

	switch (cmd) {
	case SG_IO:
		return odx_sg_io(dev, bdev, mode, uarg);
	case SG_GET_VERSION_NUM:
		return put_user(ODX_SG_VERSION, (int __user *)uarg);
	case SG_GET_TIMEOUT:
		return jiffies_to_clock_t(60 * HZ);
	case SG_SET_TIMEOUT:
		return get_user(val, (int __user *)uarg) ?: (val < 0 ? -EIO : 0);
	case SG_GET_RESERVED_SIZE:
		return put_user(ODX_SCSI_MAX_DATA, (int __user *)uarg);
	case SG_SET_RESERVED_SIZE:
		return get_user(val, (int __user *)uarg) ?: (val < 0 ? -EINVAL : 0);
	case SG_EMULATED_HOST:
		return put_user(0, (int __user *)uarg);
	default:
		return -ENOTTY;
	}
}
