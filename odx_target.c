// SPDX-License-Identifier: GPL-2.0
/*
 * odx_target: odx devices as a LIO backstore, so any LIO fabric (iSCSI,
 * tcm_loop, vhost-scsi, FC) serves ODX-capable LUNs.
 *
 * A module of its own (odx.ko still loads where LIO is absent). A storage
 * object stands for an odx device: an existing one, "odx_index=N" in the
 * object's control file, or one made with it, "size_mb=N[,block_size=B]"
 * (removed with it). The device cannot be removed while the object exists
 * (odx_dev_claim()). Ordinary SBC commands go through LIO's own
 * sbc_parse_cdb(), with the data path on the odx store, as target_core_rd.c
 * serves its ramdisk. odx adds what LIO lacks: VPD page 0x8F (and lists it in
 * page 0x00), POPULATE TOKEN, WRITE USING TOKEN and RECEIVE ROD TOKEN
 * INFORMATION, all from odx's SCSI command set (odx_scsi_exec()) on the one
 * token engine, so a token minted by an initiator here is the token odxctl
 * and the DSM ioctl take, and back. LIO's own EXTENDED COPY (LID1) reads and
 * writes through the same data path.
 *
 * List identifiers belong to the I_T nexus, as SPC-4 says: the initiator port
 * and the target port, through one LIO session (odxt_nexus()).
 *
 * Sense data: LIO's sense_reason_t where LIO has one for what went wrong
 * (resources, write protection); otherwise the precise ASC/ASCQ odx's command
 * set chose, passed through as the command's sense data.
 */
#include <linux/blkdev.h>
#include <linux/configfs.h>
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/parser.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <scsi/scsi_common.h>
#include <scsi/scsi_proto.h>

/* First: it names LIO's 6.1 sbc_ops for target_core_backend.h. */
#include "odx_compat.h"

#include <target/target_core_base.h>
#include <target/target_core_backend.h>

#include "odx_core.h"
#include "odx_dev.h"
#include "odx_scsi.h"
#include "odx_store.h"
#include "odx_xfer.h"

#define ODXT_MAX_SECTORS_BYTES	SZ_8M
#define ODXT_QUEUE_DEPTH	128

/**
 * struct odxt_dev - a LIO storage object backed by an odx device
 * @se: LIO's device.
 * @odx: the odx device, claimed while the object is configured; NULL before.
 * @index: the odx device's index, from "odx_index=N".
 * @has_index: @index was given.
 * @size_mb: "size_mb=N": make a device of N MiB for this object.
 * @block_size: "block_size=B" for it (0: odx's default).
 * @made: the object made its device (and removes it).
 */
struct odxt_dev {
	struct se_device se;
	struct odx_dev *odx;
	u32 index;
	bool has_index;
	u64 size_mb;
	u32 block_size;
	bool made;
};

static struct odxt_dev *odxt(struct se_device *se)
{
	return container_of(se, struct odxt_dev, se);
}

/* Keys the nexus hash; random, so a hash says nothing across boots. */
static siphash_key_t odxt_nexus_key;

static int odxt_attach_hba(struct se_hba *hba, u32 host_id)
{
	return 0;
}

static void odxt_detach_hba(struct se_hba *hba)
{
}

static struct se_device *odxt_alloc_device(struct se_hba *hba, const char *name)
{
	struct odxt_dev *d = kzalloc(sizeof(*d), GFP_KERNEL);

	return d ? &d->se : NULL;
}

/* Make the device "size_mb=" asks for; its index goes to @d->index. */
static int odxt_make(struct odxt_dev *d)
{
	struct odx_device_params p = {
		.size_bytes = d->size_mb << 20,
		.block_size = d->block_size,
		.index = ODX_INDEX_ANY,
	};
	int err;

	if (!d->size_mb || d->size_mb > (U64_MAX >> 20))
		return -EINVAL;
	err = odx_dev_create(&p, NULL, d);
	if (err)
		return err;
	d->index = p.index;
	d->made = true;
	return 0;
}

static int odxt_configure_device(struct se_device *se)
{
	struct odxt_dev *d = odxt(se);
	struct odx_dev *odx;
	int err;

	if (d->has_index == !!d->size_mb) {
		pr_err("odx_target: give odx_index=N or size_mb=N\n");
		return -EINVAL;
	}
	if (d->size_mb) {
		err = odxt_make(d);
		if (err)
			return err;
	}
	odx = odx_dev_claim(d->index);
	if (IS_ERR(odx)) {
		pr_err("odx_target: no odx device with index %u\n", d->index);
		err = PTR_ERR(odx);
		goto out_remove;
	}
	d->odx = odx;
	se->dev_attrib.hw_block_size = odx->block_size;
	se->dev_attrib.hw_max_sectors = ODXT_MAX_SECTORS_BYTES / odx->block_size;
	se->dev_attrib.hw_queue_depth = ODXT_QUEUE_DEPTH;
	se->dev_attrib.is_nonrot = 1;
	/* As iblock and fileio: WRITE SAME of up to 0xFFFF blocks. */
	se->dev_attrib.max_write_same_len = 0xFFFF;
	return 0;

out_remove:
	if (d->made) {
		odx_dev_remove(d->index, d);
		d->made = false;
	}
	return err;
}

static void odxt_destroy_device(struct se_device *se)
{
	struct odxt_dev *d = odxt(se);

	if (d->odx) {
		odx_dev_unclaim(d->odx);
		d->odx = NULL;
	}
	if (d->made) {
		/* Nobody else may have it open: then it stays, and says why. */
		if (odx_dev_remove(d->index, d))
			pr_warn("odx_target: odx%u is in use and stays\n", d->index);
		d->made = false;
	}
}

static void odxt_free_rcu(struct rcu_head *head)
{
	kfree(container_of(head, struct odxt_dev, se.rcu_head));
}

static void odxt_free_device(struct se_device *se)
{
	call_rcu(&se->rcu_head, odxt_free_rcu);
}

static bool odxt_configure_unmap(struct se_device *se)
{
	return target_configure_unmap_from_queue(&se->dev_attrib,
						 odxt(se)->odx->disk->part0);
}

enum { ODXT_OPT_INDEX, ODXT_OPT_SIZE_MB, ODXT_OPT_BLOCK_SIZE, ODXT_OPT_ERR };

static const match_table_t odxt_tokens = {
	{ ODXT_OPT_INDEX, "odx_index=%u" },
	{ ODXT_OPT_SIZE_MB, "size_mb=%u" },
	{ ODXT_OPT_BLOCK_SIZE, "block_size=%u" },
	{ ODXT_OPT_ERR, NULL },
};

static ssize_t odxt_set_params(struct se_device *se, const char *page, ssize_t count)
{
	struct odxt_dev *d = odxt(se);
	substring_t args[MAX_OPT_ARGS];
	char *orig, *opts, *p;
	unsigned int arg;
	int ret = 0;

	opts = kstrdup(page, GFP_KERNEL);
	if (!opts)
		return -ENOMEM;
	orig = opts;
	while ((p = strsep(&opts, ",\n")) != NULL) {
		if (!*p)
			continue;
		if (d->odx) {
			pr_err("odx_target: parameters cannot change once enabled\n");
			ret = -EEXIST;
			break;
		}
		switch (match_token(p, odxt_tokens, args)) {
		case ODXT_OPT_INDEX:
			ret = match_uint(args, &arg);
			d->index = arg;
			d->has_index = true;
			break;
		case ODXT_OPT_SIZE_MB:
			ret = match_uint(args, &arg);
			d->size_mb = arg;
			break;
		case ODXT_OPT_BLOCK_SIZE:
			ret = match_uint(args, &arg);
			d->block_size = arg;
			break;
		default:
			pr_err("odx_target: unknown parameter '%s'\n", p);
			ret = -EINVAL;
			break;
		}
		if (ret)
			break;
	}
	kfree(orig);
	return ret ?: count;
}

static ssize_t odxt_show_params(struct se_device *se, char *b)
{
	struct odxt_dev *d = odxt(se);

	if (!d->odx)
		return sprintf(b, "odx device: %s\n", d->has_index ? "not enabled" : "none");
	return sprintf(b, "odx device: odx%u  bytes: %llu  block size: %u  made here: %s\n",
		       d->odx->index, d->odx->size_bytes, d->odx->block_size,
		       d->made ? "yes" : "no");
}

static sector_t odxt_get_blocks(struct se_device *se)
{
	struct odx_dev *odx = odxt(se)->odx;

	return div_u64(odx->size_bytes, odx->block_size) - 1;
}

static struct block_device *odxt_bdev(struct se_cmd *cmd)
{
	return odxt(cmd->se_dev)->odx->disk->part0;
}

static sense_reason_t odxt_sense_of(int err)
{
	return err == -ENOMEM ? TCM_OUT_OF_RESOURCES : TCM_LOGICAL_UNIT_COMMUNICATION_FAILURE;
}

/* Move @len bytes at @pos between the store and @sgl. */
static int odxt_rw_sg(struct odx_dev *odx, u64 pos, u64 len, struct scatterlist *sgl,
		      u32 nents, bool write)
{
	struct scatterlist *sg;
	int i, err = 0;

	for_each_sg(sgl, sg, nents, i) {
		unsigned int done = 0;

		while (done < sg->length && len) {
			unsigned int off = sg->offset + done;
			struct page *page = nth_page(sg_page(sg), off >> PAGE_SHIFT);
			u64 n = min3(sg->length - done, PAGE_SIZE - offset_in_page(off), len);
			void *p = kmap_local_page(page);

			if (write)
				err = odx_store_write(&odx->store, pos, p + offset_in_page(off), n,
						      GFP_NOIO);
			else
				err = odx_store_read(&odx->store, pos, p + offset_in_page(off), n);
			kunmap_local(p);
			if (err)
				return err;
			done += n;
			pos += n;
			len -= n;
		}
		if (!len)
			break;
	}
	return 0;
}

static sense_reason_t odxt_execute_rw(struct se_cmd *cmd, struct scatterlist *sgl,
				      u32 nents, enum dma_data_direction dir)
{
	struct odx_dev *odx = odxt(cmd->se_dev)->odx;
	struct odx_data_set_range r = {
		.starting_offset = cmd->t_task_lba * odx->block_size,
		.length_in_bytes = cmd->data_length,
	};
	bool write = dir == DMA_TO_DEVICE;
	int err;

	if (!r.length_in_bytes) {
		target_complete_cmd(cmd, SAM_STAT_GOOD);
		return TCM_NO_SENSE;
	}
	/* The store holds what the host's page cache of /dev/odxN shows. */
	if (!write) {
		err = odx_xfer_sync(odxt_bdev(cmd), &r, 1, r.length_in_bytes);
		if (err)
			return odxt_sense_of(err);
	}
	err = odxt_rw_sg(odx, r.starting_offset, r.length_in_bytes, sgl, nents, write);
	if (write)
		/* As for a real disk's SG_IO writes: a dirty cached page is kept. */
		odx_xfer_invalidate(odxt_bdev(cmd), &r, 1, r.length_in_bytes);
	if (err)
		return odxt_sense_of(err);
	target_complete_cmd(cmd, SAM_STAT_GOOD);
	return TCM_NO_SENSE;
}

static sense_reason_t odxt_zero(struct se_cmd *cmd, sector_t lba, sector_t nolb)
{
	struct odx_dev *odx = odxt(cmd->se_dev)->odx;
	struct odx_data_set_range r = {
		.starting_offset = lba * odx->block_size,
		.length_in_bytes = nolb * odx->block_size,
	};
	int err;

	err = odx_store_zero(&odx->store, r.starting_offset, r.length_in_bytes, GFP_NOIO);
	odx_xfer_invalidate(odxt_bdev(cmd), &r, 1, r.length_in_bytes);
	return err ? odxt_sense_of(err) : TCM_NO_SENSE;
}

static sense_reason_t odxt_execute_unmap(struct se_cmd *cmd, sector_t lba, sector_t nolb)
{
	return odxt_zero(cmd, lba, nolb);
}

/* WRITE SAME: zeros become holes; other data is written block by block. */
static sense_reason_t odxt_execute_write_same(struct se_cmd *cmd)
{
	struct odx_dev *odx = odxt(cmd->se_dev)->odx;
	sector_t nolb = sbc_get_write_same_sectors(cmd), i;
	u32 bs = odx->block_size;
	sense_reason_t ret;
	u8 *block;
	int err = 0;

	if (cmd->prot_op || cmd->t_data_nents != 1 || cmd->t_data_sg->length < bs)
		return TCM_INVALID_CDB_FIELD;
	block = kmalloc(bs, GFP_KERNEL);
	if (!block)
		return TCM_OUT_OF_RESOURCES;
	sg_copy_to_buffer(cmd->t_data_sg, cmd->t_data_nents, block, bs);
	if (!memchr_inv(block, 0, bs)) {
		kfree(block);
		ret = odxt_zero(cmd, cmd->t_task_lba, nolb);
		if (ret)
			return ret;
		target_complete_cmd(cmd, SAM_STAT_GOOD);
		return TCM_NO_SENSE;
	}
	for (i = 0; i < nolb && !err; i++) {
		err = odx_store_write(&odx->store, (cmd->t_task_lba + i) * bs, block, bs,
				      GFP_NOIO);
		if (!(i % 256))
			cond_resched();
	}
	kfree(block);
	odx_xfer_invalidate(odxt_bdev(cmd),
			    &(struct odx_data_set_range){ cmd->t_task_lba * bs, nolb * bs },
			    1, nolb * bs);
	if (err)
		return odxt_sense_of(err);
	target_complete_cmd(cmd, SAM_STAT_GOOD);
	return TCM_NO_SENSE;
}

static struct exec_cmd_ops odxt_exec_ops = {
	.execute_rw		= odxt_execute_rw,
	.execute_unmap		= odxt_execute_unmap,
	.execute_write_same	= odxt_execute_write_same,
};

/*
 * The I_T nexus of @cmd: the initiator port and the target port, hashed. LIO
 * keeps only part of an iSCSI initiator port's ISID in the session
 * (sess_bin_isid: its first four bytes, not the qualifier), and the whole one
 * is behind the fabric's ops, whose header the distributions' kernel headers
 * lack; so the session itself is part of the key: two sessions are two
 * nexuses even when their ISIDs differ only in the qualifier. (A nexus that
 * logs in again is then a new one, which SPC-4 allows to lose its list
 * identifiers.) Commands LIO makes itself (EXTENDED COPY's reads and writes)
 * have no session and share one key.
 */
static u64 odxt_nexus(struct se_cmd *cmd)
{
	struct se_session *sess = cmd->se_sess;
	struct se_portal_group *tpg;
	struct {
		char initiator[TRANSPORT_IQN_LEN];
		char target[TRANSPORT_IQN_LEN];
		char tpg[32];
		u64 isid;
		unsigned long session;
	} id = { };

	if (!sess || !sess->se_node_acl || !sess->se_tpg)
		return 1;
	tpg = sess->se_tpg;
	strscpy(id.initiator, sess->se_node_acl->initiatorname, sizeof(id.initiator));
	if (tpg->se_tpg_wwn)
		strscpy(id.target, config_item_name(&tpg->se_tpg_wwn->wwn_group.cg_item),
			sizeof(id.target));
	strscpy(id.tpg, config_item_name(&tpg->tpg_group.cg_item), sizeof(id.tpg));
	id.isid = sess->sess_bin_isid;
	id.session = (unsigned long)sess;
	return siphash(&id, sizeof(id), &odxt_nexus_key) ?: 1;
}

/* A command of odx's SCSI command set, its data in the se_cmd's scatterlist. */
struct odxt_cmd {
	struct odx_scsi_cmd cmd;
	struct se_cmd *se;
	u8 resp[ODX_SCSI_RESP];
};

static int odxt_to_initiator(struct odx_scsi_cmd *cmd, const void *buf, u32 len)
{
	struct se_cmd *se = container_of(cmd, struct odxt_cmd, cmd)->se;

	return sg_copy_from_buffer(se->t_data_sg, se->t_data_nents, buf, len) == len ?
	       0 : -EFAULT;
}

static int odxt_from_initiator(struct odx_scsi_cmd *cmd, void *buf, u32 len)
{
	struct se_cmd *se = container_of(cmd, struct odxt_cmd, cmd)->se;

	return sg_copy_to_buffer(se->t_data_sg, se->t_data_nents, buf, len) == len ?
	       0 : -EFAULT;
}

static const struct odx_scsi_data_ops odxt_data_ops = {
	.to_initiator	= odxt_to_initiator,
	.from_initiator	= odxt_from_initiator,
};

/* POPULATE TOKEN, WRITE USING TOKEN, RRTI and VPD 0x8F, by odx's command set. */
static sense_reason_t odxt_execute_odx(struct se_cmd *se)
{
	struct odx_dev *odx = odxt(se->se_dev)->odx;
	u8 sense[TRANSPORT_SENSE_BUFFER] = { };
	struct odx_scsi_cmd *cmd;
	struct odxt_cmd *oc;
	int err;

	if (se->t_task_cdb[0] == TPC_OUT && (se->t_task_cdb[1] & 0x1f) == SA_WRITE_USING_TOKEN &&
	    target_lun_is_rdonly(se))
		return TCM_WRITE_PROTECTED;
	oc = kzalloc(sizeof(*oc), GFP_KERNEL);
	if (!oc)
		return TCM_OUT_OF_RESOURCES;
	oc->se = se;
	cmd = &oc->cmd;
	cmd->dev = odx;
	cmd->bdev = odx->disk->part0;
	cmd->mode = BLK_OPEN_READ | (target_lun_is_rdonly(se) ? 0 : BLK_OPEN_WRITE);
	cmd->nexus = odxt_nexus(se);
	/* LIO's own choice of sense format (target_sense_desc_format()). */
	cmd->desc_sense = odxt_get_blocks(se->se_dev) > U32_MAX;
	cmd->cdb_len = min_t(unsigned int, scsi_command_size(se->t_task_cdb),
			     ODX_SCSI_MAX_CDB);
	memcpy(cmd->cdb, se->t_task_cdb, cmd->cdb_len);
	switch (se->data_direction) {
	case DMA_TO_DEVICE:
		cmd->dir = ODX_SCSI_DATA_OUT;
		break;
	case DMA_FROM_DEVICE:
		cmd->dir = ODX_SCSI_DATA_IN;
		break;
	default:
		cmd->dir = ODX_SCSI_DATA_NONE;
		break;
	}
	cmd->data_len = cmd->dir == ODX_SCSI_DATA_NONE ? 0 : se->data_length;
	cmd->ops = &odxt_data_ops;
	cmd->resp = oc->resp;

	err = odx_scsi_exec(cmd);
	if (err) {
		kfree(oc);
		return odxt_sense_of(err);
	}
	if (cmd->status == SAM_STAT_GOOD) {
		if (cmd->dir == ODX_SCSI_DATA_IN)
			target_complete_cmd_with_length(se, SAM_STAT_GOOD, cmd->transferred);
		else
			target_complete_cmd(se, SAM_STAT_GOOD);
	} else {
		memcpy(sense, cmd->sense, cmd->sense_len);
		transport_copy_sense_to_cmd(se, sense);
		target_complete_cmd(se, cmd->status);
	}
	kfree(oc);
	return TCM_NO_SENSE;
}

/* The supported VPD pages: LIO's, and 0x8F. */
static sense_reason_t odxt_evpd_00(struct se_cmd *se)
{
	static const u8 pages[] = { 0x00, 0x80, 0x83, 0x86, 0x8f, 0xb0, 0xb1, 0xb2, 0xb3 };
	u8 buf[4 + sizeof(pages)] = { };
	u32 len = 4;

	buf[0] = se->se_dev->transport->get_device_type(se->se_dev);
	/* As LIO: pages only once the unit serial number is set. */
	if (se->se_dev->dev_flags & DF_EMULATED_VPD_UNIT_SERIAL) {
		buf[3] = sizeof(pages);
		memcpy(buf + 4, pages, sizeof(pages));
		len += sizeof(pages);
	}
	len = min(len, se->data_length);
	sg_copy_from_buffer(se->t_data_sg, se->t_data_nents, buf, len);
	target_complete_cmd_with_length(se, SAM_STAT_GOOD, len);
	return TCM_NO_SENSE;
}

static sense_reason_t odxt_parse_cdb(struct se_cmd *se)
{
	const u8 *cdb = se->t_task_cdb;
	struct odx_dev *odx = odxt(se->se_dev)->odx;
	sense_reason_t ret;

	if (se->se_dev->dev_attrib.block_size != odx->block_size) {
		pr_err_ratelimited("odx_target: block_size %u differs from odx%u's %u\n",
				   se->se_dev->dev_attrib.block_size, odx->index,
				   odx->block_size);
		return TCM_LOGICAL_UNIT_COMMUNICATION_FAILURE;
	}
	/* LIO checks the CDB's transfer length (bytes 10-13 for all three). */
	ret = sbc_parse_cdb(se, &odxt_exec_ops);
	if (ret)
		return ret;
	switch (cdb[0]) {
	case TPC_OUT:
		if ((cdb[1] & 0x1f) == SA_POPULATE_TOKEN ||
		    (cdb[1] & 0x1f) == SA_WRITE_USING_TOKEN)
			se->execute_cmd = odxt_execute_odx;
		break;
	case TPC_IN:
		if ((cdb[1] & 0x1f) == SA_RRTI)
			se->execute_cmd = odxt_execute_odx;
		break;
	case INQUIRY:
		if (!(cdb[1] & 0x01))
			break;
		if (cdb[2] == 0x00)
			se->execute_cmd = odxt_evpd_00;
		else if (cdb[2] == 0x8f)
			se->execute_cmd = odxt_execute_odx;
		break;
	}
	return TCM_NO_SENSE;
}

static const struct target_backend_ops odxt_ops = {
	.name			= "odx",
	.inquiry_prod		= "ODX",
	.inquiry_rev		= "1.1",
	.owner			= THIS_MODULE,
	.attach_hba		= odxt_attach_hba,
	.detach_hba		= odxt_detach_hba,
	.alloc_device		= odxt_alloc_device,
	.configure_device	= odxt_configure_device,
	.destroy_device		= odxt_destroy_device,
	.free_device		= odxt_free_device,
	.configure_unmap	= odxt_configure_unmap,
	.parse_cdb		= odxt_parse_cdb,
	.set_configfs_dev_params = odxt_set_params,
	.show_configfs_dev_params = odxt_show_params,
	.get_device_type	= sbc_get_device_type,
	.get_blocks		= odxt_get_blocks,
	.tb_dev_attrib_attrs	= sbc_attrib_attrs,
};

static int __init odxt_init(void)
{
	get_random_bytes(&odxt_nexus_key, sizeof(odxt_nexus_key));
	return transport_backend_register(&odxt_ops);
}

static void __exit odxt_exit(void)
{
	target_backend_unregister(&odxt_ops);
	/* odxt_free_rcu() is module code. */
	rcu_barrier();
}

module_init(odxt_init);
module_exit(odxt_exit);
MODULE_DESCRIPTION("odx devices as a LIO (target_core_mod) backstore");
MODULE_LICENSE("GPL");
MODULE_VERSION(ODX_VERSION);
