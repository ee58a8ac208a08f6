// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the SCSI front's parameter list decoders (odx_parse.c,
 * built here in userspace): POPULATE TOKEN, WRITE USING TOKEN, block device
 * range descriptors and MODE SELECT. The first 16 bytes choose the decoder and
 * the device's limits; the rest is the parameter list. Whatever a decoder
 * accepts must satisfy every rule odx_scsi.c relies on afterwards, and every
 * refusal must name a sense the SCSI front can report; a violation aborts (a
 * crash for libFuzzer). The decoders may read only the bytes they are given.
 */
#include <stdio.h>
#include <stdlib.h>

#include "odx_parse.h"

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "invariant failed: %s\n", #cond);	\
			abort();					\
		}							\
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_fault(const struct odx_scsi_fault *f, size_t len)
{
	CHECK(f->key == ILLEGAL_REQUEST);
	CHECK(f->asc == ASC_PARAM || f->asc == ASC_PARAM_LEN || f->asc == ASC_LBA_RANGE ||
	      f->asc == ASC_TOO_MANY_SEGS || f->asc == ASC_TOKEN(TOK_LENGTH));
	CHECK(!f->in_cdb);
	CHECK(f->field >= -1 && (f->field < 0 || (size_t)f->field < len + 2));
	CHECK(f->asc == ASC_PARAM || f->field == -1);
}

static void check_ranges(const struct odx_scsi_copy *c, const struct odx_scsi_limits *lim)
{
	uint64_t sum = 0, cap = lim->nr_blocks * lim->block_size;
	uint32_t i;

	CHECK(c->nr_ranges >= 1 && c->nr_ranges <= lim->max_ranges);
	for (i = 0; i < c->nr_ranges; i++) {
		const struct odx_data_set_range *r = &c->ranges[i];

		CHECK(r->length_in_bytes > 0);
		CHECK(r->starting_offset % lim->block_size == 0);
		CHECK(r->length_in_bytes % lim->block_size == 0);
		CHECK(r->starting_offset < cap);
		CHECK(r->length_in_bytes <= cap - r->starting_offset);
		sum += r->length_in_bytes;
	}
	CHECK(sum == c->total_bytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct odx_scsi_copy c;
	struct odx_scsi_limits lim;
	struct odx_scsi_fault f;
	uint8_t *pl, cur[12] = { 0x0a, 10 };
	uint64_t blocks;
	bool d_sense = false;
	int what, err;

	if (size < 16)
		return 0;
	what = data[0] % 4;
	lim.block_size = (data[1] & 1) ? 4096 : 512;
	lim.max_ranges = 1 + data[2] % ODX_MAX_RANGES_LIMIT;
	lim.ddpt_quirk = data[3] & 1;
	memcpy(&lim.max_ito, data + 4, 4);
	memcpy(&blocks, data + 8, 8);
	/* a device of up to 1 TiB, at least one page */
	lim.nr_blocks = (blocks % ((1ULL << 40) / lim.block_size)) | (4096 / lim.block_size);
	lim.nr_blocks &= ~(uint64_t)(4096 / lim.block_size - 1);
	data += 16;
	size -= 16;
	if (size > 65536)
		return 0;
	/* an exact-size copy with a guard byte before it (ddpt_quirk reads it) */
	pl = malloc(size + 1);
	if (!pl)
		return 0;
	pl[0] = 0;
	memcpy(pl + 1, data, size);
	memset(&f, 0xa5, sizeof(f));

	switch (what) {
	case 0:
		if (size < ODX_PT_HDR + ODX_RANGE_DESC)
			break;
		err = odx_scsi_parse_populate(pl + 1, size, &lim, &c, &f);
		CHECK(err == 0 || err == -EINVAL);
		if (err) {
			check_fault(&f, size);
			break;
		}
		check_ranges(&c, &lim);
		CHECK(c.ito <= lim.max_ito);
		CHECK(c.rod_type == 0 || c.rod_type == ODX_TOKEN_TYPE_POINT_IN_TIME ||
		      c.rod_type == 0x0080ffff);
		break;
	case 1:
		if (size < ODX_WUT_HDR + ODX_RANGE_DESC)
			break;
		err = odx_scsi_parse_wut(pl + 1, size, &lim, &c, &f);
		CHECK(err == 0 || err == -EINVAL);
		if (err) {
			check_fault(&f, size);
			break;
		}
		check_ranges(&c, &lim);
		CHECK((const uint8_t *)c.token == pl + 1 + 16);
		CHECK(c.token->token_id_length[0] == 0x01 && c.token->token_id_length[1] == 0xf8);
		break;
	case 2:
		if (!size)
			break;
		err = odx_scsi_parse_ranges(pl + 1, size - size % 2, 16, &lim, c.ranges,
					    &c.nr_ranges, &c.total_bytes, &f);
		CHECK(err == 0 || err == -EINVAL);
		if (err)
			check_fault(&f, size + 16);
		else
			check_ranges(&c, &lim);
		break;
	default:
		if (!size)
			break;
		cur[2] = data[0] & 0x04;
		err = odx_scsi_parse_mode_select(pl + 1, size, size & 1, lim.block_size, cur,
						 &d_sense, &f);
		CHECK(err == 0 || err == 1 || err == -EINVAL);
		if (err < 0)
			check_fault(&f, size);
		break;
	}
	free(pl);
	return 0;
}
