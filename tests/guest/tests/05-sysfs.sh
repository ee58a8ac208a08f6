#!/usr/bin/env bash
# The devices made at load (nr_devices=2 size_mb=64) and the control device:
# nodes, sizes, queue limits, the odx sysfs attributes.
# shellcheck source=../lib.sh
. "$ODX_LIB"
need blockdev stat

ctl=/dev/odx-control
if [ -c "$ctl" ]; then
	check_eq "$ctl mode" "$(stat -c %a "$ctl")" 600
else
	fail "$ctl is missing or not a character device"
fi

major=
for i in 0 1; do
	dev="/dev/odx$i"
	sys="/sys/block/odx$i"
	wait_node "$dev" || continue
	check_eq "$dev size (bytes)" "$(blockdev --getsize64 "$dev")" $((64 << 20))
	check_file "$sys/size" $((64 << 11))
	read -r maj min <<< "$(stat -c '%t %T' "$dev")"
	check_eq "$dev minor" "$((0x$min))" "$i"
	check_file "$sys/dev" "$((0x$maj)):$i"
	[ -z "$major" ] && major=$maj
	check_eq "$dev major" "$maj" "$major"
	check_file "$sys/odx/index" "$i"
	check_file "$sys/odx/pages" 0
	check_eq "$dev BLKSSZGET" "$(blockdev --getss "$dev")" 512
	q=$sys/queue
	check_file "$q/logical_block_size" 512
	check_file "$q/physical_block_size" 4096
	check_file "$q/minimum_io_size" 4096
	check_file "$q/max_hw_sectors_kb" 1024
	check_file "$q/discard_granularity" 4096
	check_file "$q/rotational" 0
	for f in discard_max_hw_bytes write_zeroes_max_bytes; do
		[ "$(val "$q/$f")" -ge $((64 << 20)) ] || fail "$q/$f is $(val "$q/$f")"
	done
	check_file "$sys/ro" 0
	# One value a file (Documentation/ABI/testing/sysfs-block-odx).
	# (read by the shell: a cat each costs up to a second on the debug kernel)
	for f in "$sys"/odx/*; do
		mapfile -t v <"$f"
		[ "${#v[@]}" = 1 ] && [[ "${v[0]}" =~ ^[0-9]+$ ]] ||
			fail "$f holds '${v[*]}', not one number"
	done
	[ ! -e "$sys/odx/limits" ] || fail "$sys/odx/limits: one file for ten values"
	check_file "$sys/odx/maximum_data_descriptors" 64
	check_file "$sys/odx/maximum_transfer_size" $((256 << 20))
	check_file "$sys/odx/optimal_transfer_length_granularity" 8
	check_file "$sys/odx/share_pages" 1
	check_file "$sys/odx/allow_cross_device" 1
	check_file "$sys/odx/ddpt_quirk" 0
done
# Exactly the two devices asked for.
check_eq "odx disks" "$(cd /sys/block && echo odx*)" "odx0 odx1"
check_file /sys/module/odx/parameters/nr_devices 2
check_file /sys/module/odx/parameters/size_mb 64
check_file /sys/module/odx/parameters/block_size 512
finish
