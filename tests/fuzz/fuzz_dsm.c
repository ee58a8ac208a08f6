// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for odx's DSM request parser (odx_parse.c, built here in
 * userspace). The first 12 bytes choose the device's limits; the rest is the DSM
 * input buffer. Whatever the parser accepts must satisfy every rule the kernel
 * relies on afterwards; a violation aborts (a crash for libFuzzer).
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct odx_dsm_req req;
	struct odx_dsm_limits lim;
	uint64_t sum = 0, cap;
	uint32_t i, index;
	uint64_t within;
	int err;

	if (size < 12)
		return 0;
	lim.block_size = (data[0] & 1) ? 4096 : 512;
	lim.max_ranges = 1 + data[1] % ODX_MAX_RANGES_LIMIT;
	memcpy(&cap, data + 4, 8);
	lim.capacity = cap & ~(uint64_t)4095 & ((1ULL << 41) - 1);
	data += 12;
	size -= 12;

	err = odx_dsm_parse(data, size, &lim, &req);
	CHECK(err == 0 || err == -EINVAL || err == -EOPNOTSUPP || err == -ENXIO);
	if (err)
		return 0;

	CHECK(req.action == ODX_DSM_ACTION_OFFLOAD_READ ||
	      req.action == ODX_DSM_ACTION_OFFLOAD_WRITE);
	CHECK(req.nr_ranges >= 1 && req.nr_ranges <= lim.max_ranges);
	for (i = 0; i < req.nr_ranges; i++) {
		const struct odx_data_set_range *r = &req.ranges[i];

		CHECK(r->length_in_bytes > 0);
		CHECK(r->starting_offset % lim.block_size == 0);
		CHECK(r->length_in_bytes % lim.block_size == 0);
		CHECK(r->starting_offset < lim.capacity);
		CHECK(r->length_in_bytes <= lim.capacity - r->starting_offset);
		sum += r->length_in_bytes;
	}
	CHECK(sum == req.total_bytes);
	if (req.action == ODX_DSM_ACTION_OFFLOAD_WRITE)
		CHECK(req.write.token_offset % lim.block_size == 0);
	else
		CHECK(!req.read.flags && !req.read.reserved[0] && !req.read.reserved[1]);

	/* Every offset inside the ranges locates; the end does not. */
	CHECK(odx_ranges_locate(req.ranges, req.nr_ranges, 0, &index, &within));
	CHECK(index == 0 && within == 0);
	CHECK(odx_ranges_locate(req.ranges, req.nr_ranges, sum - 1, &index, &within));
	CHECK(index == req.nr_ranges - 1 ||
	      req.ranges[req.nr_ranges - 1].length_in_bytes == 0);
	CHECK(within < req.ranges[index].length_in_bytes);
	CHECK(!odx_ranges_locate(req.ranges, req.nr_ranges, sum, &index, &within));
	return 0;
}
