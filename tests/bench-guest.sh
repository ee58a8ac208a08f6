#!/bin/bash
# The guest half of `make bench` (scripts/bench.sh): runs on the stock Debian 6.12
# kernel and writes raw results as "key value" lines to $ODX_VM_OUT/bench.raw.
#   tests/bench-guest.sh [--short|--lio]   --short: small sizes, one repetition
#                                          (make test); --lio: only the LIO part
set -euo pipefail
short=0 lio_only=0
[ "${1:-}" = --short ] && short=1
[ "${1:-}" = --lio ] && lio_only=1
B=$ODX_TOP/build/tools/odxbench
raw=$ODX_VM_OUT/bench.raw
: > "$raw"
rec() { echo "$*" | tee -a "$raw"; }
# Wait up to 5 s for block devices (a module just loaded makes them).
wait_devs() {	# wait_devs NAME...
	local i d
	for i in $(seq 50); do
		for d in "$@"; do [ -b "/dev/$d" ] || break; done
		[ -b "/dev/$d" ] && return 0
		sleep 0.1
	done
	echo "bench: /dev/$d did not appear" >&2
	return 1
}

fio_iops() {	# fio_iops DEV RW BS [SECONDS]
	fio --name=b --filename="$1" --direct=1 --rw="$2" --bs="$3" --size=128M \
		--ioengine=psync --time_based --runtime="${4:-$fio_time}" --numjobs=1 \
		--output-format=json | python3 -c '
import json, sys
j = json.load(sys.stdin)["jobs"][0]
r = j["read"]["iops"] + j["write"]["iops"]
bw = (j["read"]["bw"] + j["write"]["bw"]) / 1024
print("%.0f %.1f" % (r, bw))'
}

if [ $short = 1 ]; then
	sizes="1 4"; reps=1; fio_time=2; ntok="10 1000"; ncopies=3; csize=4
else
	sizes="1 4 16 64 256"; reps=5; fio_time=8; ntok="10 1000 100000"; ncopies=8; csize=64
fi
mib=$((1 << 20))

# --- LIO: odx LUNs against LIO's ramdisk (rd_mcp) through tcm_loop ------------------
# One tcm_loop target: LUN 0 = odx0, LUN 1 = odx1, LUN 2 = rd_mcp (all 128 MiB,
# 512-byte blocks), set up with tests/lib/lio.sh, as tests/lio/run.sh's are.
# Subject and baseline alternate (A B A B ...), so drift in the guest hits
# both; bench-report.py takes the ratio per round, then the median and the
# range of the ratios.
LIO_WWN=naa.5001405000000b01
lio_rounds=3 lio_fio_time=4 lio_ddpt_rounds=5
# shellcheck source=lib/lio.sh
. "$ODX_TOP/tests/lib/lio.sh"

# ddpt_time KEY ARG...: run ddpt ARG... and record its own time for the copy
# ("time to transfer data: S secs"), without its start-up.
ddpt_time() {
	local key=$1 out s
	shift
	out=$(ddpt "$@" 2>&1) || { echo "ddpt $*: $out" >&2; return 1; }
	s=$(echo "$out" | awk '/time to transfer/ {
		for (i = 1; i <= NF; i++) if ($i == "secs") { print $(i - 1); exit } }')
	[ -n "$s" ] || { echo "ddpt $*: no time in: $out" >&2; return 1; }
	rec "$key $s"
}

lio_bench() {
	local i d rw so1 so2 rd disks t r n=$((64 * mib / 512)) sh0
	lio_modules
	insmod "$ODX_BUILD/odx.ko" nr_devices=2 size_mb=128
	wait_devs odx1
	# ddpt 0.97 writes its range descriptors one byte early.
	echo 1 > /sys/block/odx0/odx/ddpt_quirk
	echo 1 > /sys/block/odx1/odx/ddpt_quirk
	insmod "$ODX_BUILD/odx_target.ko"
	for i in 0 1; do
		lio_backstore "odx_$i/lun0" "60014050000000b$i" "odx_index=$i"
	done
	lio_backstore rd_mcp_0/rd0 60014050000000b9 "rd_pages=$((128 * mib / 4096))"
	lio_loop "$LIO_WWN" odx_0/lun0 odx_1/lun0 rd_mcp_0/rd0
	disks=$(lio_disks "$LIO_WWN" 3)
	read -r so1 so2 rd <<<"$disks"
	echo "LIO: odx0 = $so1, odx1 = $so2, rd_mcp = $rd ($(cat /sys/block/${so1#/dev/}/queue/scheduler))"
	rec "lio_rounds $lio_rounds"
	rec "lio_fio_secs $lio_fio_time"

	# fio on the odx LUN against the rd_mcp LUN, both full of random data.
	for d in "$so1" "$rd"; do
		dd if=/dev/urandom of="$d" bs=1M count=128 oflag=direct status=none
	done
	for r in $(seq $lio_rounds); do
		for t in randread:4k randwrite:4k read1m:1M write1m:1M; do
			rw=${t%%:*}
			case $rw in read1m) rw=read ;; write1m) rw=write ;; esac
			rec "lio_fio_odx_${t%%:*}_$r $(fio_iops "$so1" "$rw" "${t#*:}" $lio_fio_time)"
			rec "lio_fio_rd_${t%%:*}_$r $(fio_iops "$rd" "$rw" "${t#*:}" $lio_fio_time)"
		done
	done

	# 64 MiB from LUN 0 (odx0) to LUN 1 (odx1): ddpt --odx (POPULATE TOKEN,
	# WRITE USING TOKEN through SG_IO) against ddpt's plain copy (READ and
	# WRITE through the block layer, O_DIRECT, 1 MiB at a time). The
	# destination is discarded before each copy, so both write into the same
	# empty store. The first copy of each kind is checked byte for byte.
	dd if=/dev/urandom of="$so1" bs=1M count=64 oflag=direct status=none
	rec "lio_ddpt_mib 64"
	for r in $(seq $lio_ddpt_rounds); do
		blkdiscard -f /dev/odx1 2>/dev/null
		sh0=$(cat /sys/block/odx1/odx/bytes_shared)
		ddpt_time lio_ddpt_odx_$r --odx if="$so1" of="$so2" bs=512 skip="0,$n" \
			seek="0,$n" count="$n"
		if [ "$r" = 1 ]; then
			blockdev --flushbufs /dev/odx0 /dev/odx1 "$so1" "$so2"
			cmp -n $((64 * mib)) /dev/odx0 /dev/odx1
			cmp -n $((64 * mib)) "$so1" "$so2"
			rec "lio_ddpt_odx_shared_mib $((($(cat /sys/block/odx1/odx/bytes_shared) - sh0) / mib))"
		fi
		blkdiscard -f /dev/odx1 2>/dev/null
		ddpt_time lio_ddpt_plain_$r if="$so1" of="$so2" bs=512 bpt=2048 count="$n" \
			iflag=direct oflag=direct
		if [ "$r" = 1 ]; then
			blockdev --flushbufs /dev/odx1 "$so2"
			cmp -n $((64 * mib)) /dev/odx0 /dev/odx1
			cmp -n $((64 * mib)) "$so1" "$so2"
			rec "lio_ddpt_verified 1"
		fi
	done

	lio_loop_remove "$LIO_WWN"
	lio_backstore_remove odx_0/lun0 odx_1/lun0 rd_mcp_0/rd0
	rmmod odx_target
	rmmod odx
}
# --- chunks: a copy's cost by its ranges; mint and release; copy-on-write splits ---
# Three rounds, 64 MiB and 1 GiB copies in turn (A B), medians of $reps each;
# then the latency of the 4 KiB write that splits a shared 2 MiB chunk against
# a plain 4 KiB write (300 of each); then a 256 MiB offload read and release on this store
# against the page-granular store of before (ODX_BENCH_OLD, scripts/bench.sh),
# also in turn.
chunk_bench() {
	local r which ko
	insmod "$ODX_BUILD/odx.ko" nr_devices=1 size_mb=2048
	wait_devs odx0
	dd if=/dev/urandom of=/dev/odx0 bs=1M count=1024 oflag=direct status=none
	for r in 1 2 3; do
		rec "big_copy_64_$r $($B copy /dev/odx0 0 $((1024 * mib)) $((64 * mib)) offload $reps)"
		rec "big_copy_1024_$r $($B copy /dev/odx0 0 $((1024 * mib)) $((1024 * mib)) offload $reps)"
	done
	cmp -n $((1024 * mib)) /dev/odx0 /dev/odx0 --ignore-initial=0:$((1024 * mib))
	rec "big_copy_verified 1"
	rec "cow_reps 300"
	rec "cow $($B cow /dev/odx0 0 $((1024 * mib)) 300)"
	rmmod odx
	[ -n "${ODX_BENCH_OLD:-}" ] || return 0
	for r in 1 2 3; do
		for which in new old; do
			ko=$ODX_BUILD/odx.ko
			[ $which = new ] || ko=$ODX_BENCH_OLD
			insmod "$ko" nr_devices=1 size_mb=512
			wait_devs odx0
			dd if=/dev/urandom of=/dev/odx0 bs=1M count=256 oflag=direct status=none
			rec "phases_${which}_$r $($B phases /dev/odx0 0 $((256 * mib)) $((256 * mib)) $reps)"
			rmmod odx
		done
	done
}
if [ $lio_only = 1 ]; then
	lio_bench
	exit
fi

insmod "$ODX_BUILD/odx.ko" nr_devices=1 size_mb=1024 max_tokens=200000
wait_devs odx0
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
wait_devs odx0
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
modprobe -d "$ODX_MODROOT" brd rd_nr=1 rd_size=$((256 * 1024)) max_part=0
insmod "$ODX_BUILD/odx.ko" nr_devices=1 size_mb=256
wait_devs odx0 ram0
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

if [ $short = 0 ]; then
	chunk_bench
	lio_bench
fi
