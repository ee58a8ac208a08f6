#!/usr/bin/env bash
# Module life cycle and parameters: rmmod refuses while a device or the control
# device is open and succeeds with data in several devices; bad parameters make
# insmod fail; block_size=4096 and nr_devices=0 loads behave. Leaves odx loaded
# with the suite's parameters.
# shellcheck source=../lib.sh
. "$ODX_LIB"
need insmod rmmod blockdev dd

odx_loaded || fatal "odx is not loaded"

step "rmmod while something is open fails"
exec 3</dev/odx0
check_fails rmmod odx 2>/dev/null
exec 3<&-
exec 3<>/dev/odx-control
check_fails rmmod odx 2>/dev/null
exec 3>&-
odx_loaded || fatal "rmmod unloaded odx while it was in use"

step "rmmod with data in several devices"
for i in 1 2 3; do
	idx=$("$ODX_CTL" add $((8 << 20)) 0 $((10 + i))) || fail "cannot add odx$((10 + i))"
	wait_node "/dev/odx$idx" &&
		check dd if=/dev/urandom of="/dev/odx$idx" bs=64k count=16 oflag=direct \
			status=none
done
check dd if=/dev/urandom of=/dev/odx0 bs=64k count=16 oflag=direct status=none
check rmmod odx || fatal "cannot unload odx"
for f in /sys/module/odx /dev/odx-control /dev/odx0 /dev/odx1 /dev/odx11 /dev/odx13; do
	wait_for ! -e "$f" || fail "$f still exists after rmmod"
done

step "bad parameters make insmod fail"
for args in block_size=1024 block_size=0 nr_devices=1025 size_mb=1048577; do
	if odx_load $args 2>/dev/null; then
		fail "insmod odx.ko $args succeeded"
		rmmod odx
	fi
done
odx_loaded && fatal "odx loaded with bad parameters"

step "block_size=4096 nr_devices=1 size_mb=16"
if check odx_load nr_devices=1 size_mb=16 block_size=4096; then
	wait_node /dev/odx0
	check_eq "odx disks" "$(cd /sys/block && echo odx*)" odx0
	check_eq "odx0 logical block size" "$(blockdev --getss /dev/odx0)" 4096
	check_eq "odx0 size" "$(blockdev --getsize64 /dev/odx0)" $((16 << 20))
	check_eq "block_size parameter" "$(cat /sys/module/odx/parameters/block_size)" 4096
	check_eq "odx0 pages after reload" "$(odx_pages 0)" 0
	run_odx_rw /dev/odx0 --direct
	# Block size 0 means the module's default, here 4096.
	if odx_add $((8 << 20)) 0; then
		check_eq "default block size" "$(blockdev --getss "$ODX_DEV")" 4096
		check_eq "index" "$ODX_IDX" 1
		odx_remove "$ODX_IDX"
	fi
	if odx_add $((8 << 20)) 512; then
		check_eq "explicit block size" "$(blockdev --getss "$ODX_DEV")" 512
		odx_remove "$ODX_IDX"
	fi
	check rmmod odx
fi

step "nr_devices=0"
if check odx_load nr_devices=0; then
	wait_for -c /dev/odx-control || fail "/dev/odx-control did not appear"
	check_eq "odx disks" "$(cd /sys/block && echo odx*)" "odx*"
	if odx_add $((4 << 20)); then
		check_eq "first index" "$ODX_IDX" 0
		check_eq "size" "$(blockdev --getsize64 "$ODX_DEV")" $((4 << 20))
		odx_remove "$ODX_IDX"
	fi
	check rmmod odx
fi

step "back to the suite's parameters ($ODX_MODARGS)"
check odx_load || fatal "cannot load odx again"
wait_node /dev/odx1
finish
