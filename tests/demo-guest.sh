#!/bin/bash
# The guest half of `make run` (scripts/demo.sh).
set -euo pipefail
say() { printf '\n== %s\n' "$*"; }

say "kernel $(uname -r); loading odx (2 devices of 64 MiB)"
insmod "$ODX_BUILD/odx.ko" nr_devices=2 size_mb=64
for i in 1 2 3 4 5; do [ -b /dev/odx1 ] && break; sleep 0.2; done
lsblk -o NAME,SIZE,LOG-SEC,PHY-SEC,ROTA,DISC-GRAN /dev/odx0 /dev/odx1
echo "copy offload limits of /dev/odx0:"
sed 's/^/  /' /sys/block/odx0/odx/limits

say "fio: 8 MiB random writes with crc32c verify on /dev/odx0"
fio --name=demo --filename=/dev/odx0 --direct=1 --rw=randwrite --bs=4k --size=8M \
	--ioengine=psync --verify=crc32c --do_verify=1 --output-format=terse \
	--terse-version=3 > /tmp/fio.out
awk -F';' '{ printf "  write: %s KiB/s, %s IOPS; errors: %s\n", $48, $49, $5 }' /tmp/fio.out

say "offload copy: 4 MiB from odx0 to odx1, by token"
dd if=/dev/urandom of=/tmp/src bs=1M count=4 status=none
dd if=/tmp/src of=/dev/odx0 bs=1M seek=16 oflag=direct status=none
"$ODX_TOP/build/tests/odx_democopy" /dev/odx0 $((16 << 20)) /dev/odx1 0 $((4 << 20))
dd if=/dev/odx1 bs=1M count=4 iflag=direct status=none | cmp - /tmp/src
echo "  /dev/odx1 now holds the same 4 MiB as /dev/odx0: $(sha256sum < /tmp/src | cut -c1-16)"

say "counters"
for f in tokens_minted tokens_live bytes_copied pages; do
	printf '  odx0 %-14s %s    odx1 %-14s %s\n' "$f" "$(cat /sys/block/odx0/odx/$f)" \
		"$f" "$(cat /sys/block/odx1/odx/$f)"
done
rmmod odx
say "done: odx loaded, verified with fio, copied by token, unloaded cleanly"
