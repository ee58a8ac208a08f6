#!/usr/bin/env bash
# odx_rw with O_DIRECT on /dev/odx1 (512-byte blocks, fresh) and on a fresh
# device with 4096-byte blocks.
# shellcheck source=../lib.sh
. "$ODX_LIB"

run_odx_rw /dev/odx1 --direct
if odx_add $((48 << 20)) 4096; then
	check_eq "$ODX_DEV logical block size" "$(blockdev --getss "$ODX_DEV")" 4096
	run_odx_rw "$ODX_DEV" --direct
	odx_remove "$ODX_IDX"
fi
finish
