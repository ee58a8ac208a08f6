#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Worst token lookup latency while a 1 GiB device holding 100,000 live tokens is
# removed (issue 12, item 6). Runs INSIDE the guest, as root:
#
#   scripts/odx-vm --kernel debian-6.12 -- tests/token/latency.sh
#
# Prints "baseline: ..." and "removal: ..." lines from odxbench latency
# ("ops median_us p999_us max_us at_s") and the time the removal took.
set -eu -o pipefail

B=${ODX_TOP:?}/build/tools
insmod "${ODX_BUILD:?}/odx.ko" nr_devices=1 size_mb=64
for _ in $(seq 50); do [ -b /dev/odx0 ] && [ -c /dev/odx-control ] && break; sleep 0.1; done
dev=$("$B/odxctl" create --size 1G)
for _ in $(seq 50); do [ -b "$dev" ] && break; sleep 0.1; done
dd if=/dev/zero of="$dev" bs=1M count=1024 oflag=direct status=none
echo "# $dev: $(cat /sys/block/${dev#/dev/}/odx/pages) pages"
"$B/odxbench" hold "$dev" 100000
echo "# $dev: $(cat /sys/block/${dev#/dev/}/odx/tokens_live) live tokens, $(cat /sys/block/${dev#/dev/}/odx/token_bytes 2>/dev/null || echo '?') bytes"
echo "baseline: $("$B/odxbench" latency /dev/odx0 1000 3)"
"$B/odxbench" latency /dev/odx0 1000 6 > /tmp/lat.out &
sleep 2
t0=$(date +%s.%N)
"$B/odxctl" remove "$dev"
t1=$(date +%s.%N)
wait
echo "removal: $(cat /tmp/lat.out) (removal started at 2 s, took $(echo "$t1 - $t0" | bc) s)"
rmmod odx
