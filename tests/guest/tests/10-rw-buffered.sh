#!/usr/bin/env bash
# odx_rw through the page cache on /dev/odx0 (512-byte blocks, fresh), then on a
# fresh device with 4096-byte blocks. The store must hold exactly the pages that
# were written.
# shellcheck source=../lib.sh
. "$ODX_LIB"

run_odx_rw /dev/odx0
odx_add $((32 << 20)) 4096 && run_odx_rw "$ODX_DEV"
finish
