#!/bin/bash
# The guest half of `make bench` (scripts/bench.sh): runs on the stock Debian 6.12
# kernel and writes raw results as "key value" lines to $ODX_VM_OUT/bench.raw.
#   tests/bench-guest.sh [--short]   --short: small sizes, one repetition (make test)
set -euo pipefail
short=0
[ "${1:-}" = --short ] && short=1
B=$ODX_TOP/build/tools/odxbench
raw=$ODX_VM_OUT/bench.raw
: > "$raw"
rec() { echo "$*" | tee -a "$raw"; }

if [ $short = 1 ]; then
	sizes="1 4"; reps=1; fio_time=2; ntok="10 1000"; ncopies=3; csize=4
else
	sizes="1 4 16 64 256"; reps=5; fio_time=8; ntok="10 1000 100000"; ncopies=8; csize=64
fi
mib=$((1 << 20))

insmod "$ODX_BUILD/odx.ko" nr_devices=1 size_mb=1024 max_tokens=200000
for i in $(seq 50); do [ -b /dev/odx0 ] && break; sleep 0.1; done
share=/sys/block/odx0/odx/share_pages

# --- copies: offload (shared pages, byte copy) against O_DIRECT and dd ------------
maxs=${sizes##* }
dd if=/dev/urandom of=/dev/odx0 bs=1M count="$maxs" oflag=direct status=none
for s in $sizes; do
	len=$((s * mib))
	echo Y > $share
	rec "copy_shared_${s} $($B copy /dev/odx0 0 $((512 * mib)) $len offload $reps)"
	echo N > $share
	rec "copy_byte_${s} $($B copy /dev/odx0 0 $((512 * mib)) $len offload $reps)"
	echo Y > $share
	rec "copy_direct_${s} $($B copy /dev/odx0 0 $((512 * mib)) $len direct $reps)"
	t=()
	for r in $(seq $reps); do
		# dd's own timing, without its start-up.
		t+=("$(dd if=/dev/odx0 of=/dev/odx0 bs=1M count="$s" seek=512 iflag=direct \
			oflag=direct 2>&1 | awk '/copied/ { for (i = 2; i <= NF; i++)
				if ($i ~ /^s,?$/) { print $(i - 1); exit } }')")
	done
	rec "copy_dd_${s} $(printf '%s\n' "${t[@]}" | sort -g | sed -n "$(( (reps + 1) / 2 ))p")"
	rec "mint_${s} $($B mint /dev/odx0 0 $len $reps)"
done
# The shared path must have been taken.
rec "bytes_shared $(cat /sys/block/odx0/odx/bytes_shared)"

# --- minting and lookup with many live tokens --------------------------------------
for n in $ntok; do
	rec "tokens_${n} $($B tokens /dev/odx0 "$n" 1000)"
done

# --- memory: N copies of one source -------------------------------------------------
rmmod odx
insmod "$ODX_BUILD/odx.ko" nr_devices=1 size_mb=1024
for i in $(seq 50); do [ -b /dev/odx0 ] && break; sleep 0.1; done
dd if=/dev/urandom of=/dev/odx0 bs=1M count=$csize oflag=direct status=none
memfree() { sync; echo 3 > /proc/sys/vm/drop_caches; awk '/^MemFree/ { print $2 }' /proc/meminfo; }
for mode in Y N; do
	echo $mode > $share
	before=$(memfree)
	for c in $(seq $ncopies); do
		"$ODX_TOP/build/tools/odxctl" copy /dev/odx0@0 "/dev/odx0@$((c * 80))M" \
			--length ${csize}M > /dev/null
	done
	after=$(memfree)
	rec "mem_${mode}_copies_kib $((before - after))"
	rec "mem_${mode}_store_pages $(cat /sys/block/odx0/odx/pages)"
	blkdiscard -o $((80 * mib)) /dev/odx0
done
rec "mem_source_kib $((csize * 1024))"
rec "mem_ncopies $ncopies"
rmmod odx

# --- fio: odx against brd -----------------------------------------------------------
fio_iops() {	# fio_iops DEV RW BS
	fio --name=b --filename="$1" --direct=1 --rw="$2" --bs="$3" --size=128M \
		--ioengine=psync --time_based --runtime=$fio_time --numjobs=1 \
		--output-format=json | python3 -c '
import json, sys
j = json.load(sys.stdin)["jobs"][0]
r = j["read"]["iops"] + j["write"]["iops"]
bw = (j["read"]["bw"] + j["write"]["bw"]) / 1024
print("%.0f %.1f" % (r, bw))'
}
modprobe -d "$ODX_MODROOT" brd rd_nr=1 rd_size=$((256 * 1024)) max_part=0
insmod "$ODX_BUILD/odx.ko" nr_devices=1 size_mb=256
for i in $(seq 50); do [ -b /dev/odx0 ] && [ -b /dev/ram0 ] && break; sleep 0.1; done
for d in odx0 ram0; do
	dd if=/dev/zero of=/dev/$d bs=1M count=128 oflag=direct status=none
	dd if=/dev/urandom of=/dev/$d bs=1M count=128 oflag=direct status=none
	rec "fio_${d}_randread $(fio_iops /dev/$d randread 4k)"
	rec "fio_${d}_randwrite $(fio_iops /dev/$d randwrite 4k)"
	rec "fio_${d}_read1m $(fio_iops /dev/$d read 1M)"
	rec "fio_${d}_write1m $(fio_iops /dev/$d write 1M)"
done
"$B" pin /dev/odx0 1000 > /tmp/pin.out &
pin=$!
for i in $(seq 100); do grep -q pinned /tmp/pin.out 2>/dev/null && break; sleep 0.2; done
rec "fio_odx0_randwrite_pinned $(fio_iops /dev/odx0 randwrite 4k)"
rec "tokens_live_pinned $(cat /sys/block/odx0/odx/tokens_live)"
kill $pin
wait $pin 2>/dev/null || true
rmmod odx
rmmod brd
