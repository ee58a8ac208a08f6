#!/bin/bash
# The guest half of `make run` (scripts/demo.sh): odx on a stock Debian kernel.
set -euo pipefail
ODXCTL=$ODX_TOP/build/tools/odxctl
say() { printf '\n== %s\n' "$*"; }
sum() { dd if="$1" bs=1M skip="$2" count="$3" iflag=direct status=none | sha256sum | cut -c1-16; }
MB=16

say "kernel $(uname -r): loading odx"
insmod "$ODX_BUILD/odx.ko" nr_devices=1 size_mb=128
for i in $(seq 50); do [ -b /dev/odx0 ] && break; sleep 0.1; done
"$ODXCTL" create --size 128M > /dev/null
for i in $(seq 50); do [ -b /dev/odx1 ] && break; sleep 0.1; done
"$ODXCTL" list

say "filling ${MB} MiB of /dev/odx0 with random data"
dd if=/dev/urandom of=/dev/odx0 bs=1M count=$MB oflag=direct status=none
src=$(sum /dev/odx0 0 $MB)
echo "  source checksum: $src"

say "offload copy within /dev/odx0 (to offset 64M) and across devices (to /dev/odx1)"
"$ODXCTL" copy /dev/odx0@0 /dev/odx0@64M --length ${MB}M
"$ODXCTL" copy /dev/odx0@0 /dev/odx1@0 --length ${MB}M
within=$(sum /dev/odx0 64 $MB)
across=$(sum /dev/odx1 0 $MB)
echo "  copy within: $within   copy across: $across"
[ "$within" = "$src" ] && [ "$across" = "$src" ] || { echo "MISMATCH"; exit 1; }
echo "  both copies match the source byte for byte"

say "point in time: mint a token, overwrite the source, then write with the token"
"$ODXCTL" token /dev/odx0 0+${MB}M --out /tmp/token 2>/dev/null
dd if=/dev/urandom of=/dev/odx0 bs=1M count=$MB oflag=direct status=none
echo "  source now: $(sum /dev/odx0 0 $MB) (overwritten)"
"$ODXCTL" write /dev/odx1 --token /tmp/token 32M+${MB}M
late=$(sum /dev/odx1 32 $MB)
echo "  copy made after the overwrite: $late"
[ "$late" = "$src" ] || { echo "MISMATCH: the token did not keep the old data"; exit 1; }
echo "  it holds the data as it was when the token was minted"
"$ODXCTL" release /dev/odx0 --token /tmp/token

say "timing: offload copy against a userspace copy of the same ${MB} MiB"
off=$("$ODXCTL" copy /dev/odx0@0 /dev/odx1@64M --length ${MB}M --json |
	python3 -c 'import json, sys; print("%.1f" % (json.load(sys.stdin)["seconds"] * 1000))')
usr=$(dd if=/dev/odx0 of=/dev/odx1 bs=1M count=$MB seek=64 iflag=direct oflag=direct 2>&1 |
	awk '/copied/ { for (i = 1; i <= NF; i++) if ($i == "s," || $i == "s") { print $(i - 1) * 1000; exit } }')
echo "  offload copy (odxctl copy, shared pages): ${off} ms"
echo "  userspace copy (dd bs=1M, O_DIRECT):      ${usr} ms"
echo "  (both as timed by the copying program itself, in this guest)"

say "counters"
for f in tokens_minted tokens_live tokens_released bytes_copied bytes_shared pages; do
	printf '  %-16s odx0 %-12s odx1 %s\n' "$f" "$(cat /sys/block/odx0/odx/$f)" \
		"$(cat /sys/block/odx1/odx/$f)"
done
"$ODXCTL" remove /dev/odx1
rmmod odx
say "done: two devices, three offload copies verified, point in time shown, unloaded cleanly"
