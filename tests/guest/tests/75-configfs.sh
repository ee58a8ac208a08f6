#!/usr/bin/env bash
# Devices made and set in configfs (/sys/kernel/config/odx): defaults from the
# module parameters, the shape fixed while powered, settings that apply to the
# next request and agree with /sys/block/odxN/odx/, errors as ODX_CTL_ADD's,
# removal by power=0 and by rmdir, a copy between a configfs device and odx0.
# shellcheck source=../lib.sh
. "$ODX_LIB"
need dd cmp blockdev mountpoint

M=$((1 << 20))
odxctl=$ODX_TOP/build/tools/odxctl
[ -x "$odxctl" ] || fatal "$odxctl is missing (make -C tools)"

if ! mountpoint -q /sys/kernel/config; then
	mount -t configfs none /sys/kernel/config || fatal "cannot mount configfs"
fi
C=/sys/kernel/config/odx
[ -d "$C" ] || fatal "$C is missing: odx has no configfs support here"

cleanup() {
	local d
	for d in "$C"/*/; do
		[ -d "$d" ] || continue
		echo 0 > "$d/power" 2>/dev/null
		rmdir "$d"
	done
}
trap cleanup EXIT

# cfs_write DIR ATTR VALUE: must succeed
cfs_write() {
	echo "$3" > "$1/$2" || fail "writing $3 to $1/$2 failed"
}

# cfs_refuse DIR ATTR VALUE: must fail
cfs_refuse() {
	if echo "$3" > "$1/$2" 2>/dev/null; then
		fail "writing $3 to $1/$2 succeeded, but it should have failed"
	fi
}

step "defaults come from the module parameters"
d=$C/small
check mkdir "$d"
check_file "$d/power" 0
check_file "$d/size_mb" 64
check_file "$d/block_size" 512
check_file "$d/index" -1
check_file "$d/share_pages" 1
check_file "$d/allow_cross_device" 1
check_file "$d/ddpt_quirk" 0
check_file "$d/max_ranges" "$(val /sys/module/odx/parameters/max_ranges)"
check_file "$d/max_transfer_bytes" "$(val /sys/module/odx/parameters/max_transfer_bytes)"

step "bad values are refused"
cfs_refuse "$d" max_ranges 0
cfs_refuse "$d" max_ranges 257
cfs_refuse "$d" max_transfer_bytes 4095
cfs_refuse "$d" max_transfer_bytes 0
cfs_refuse "$d" index 1024
cfs_refuse "$d" index -2
cfs_refuse "$d" share_pages maybe
check_file "$d/max_ranges" "$(val /sys/module/odx/parameters/max_ranges)"

step "power on: a 16 MiB, 4096-byte device at index 20 with a 64 KiB transfer limit"
cfs_write "$d" size_mb 16
cfs_write "$d" block_size 4096
cfs_write "$d" index 20
cfs_write "$d" max_transfer_bytes 65536
cfs_write "$d" max_ranges 8
cfs_write "$d" power 1
wait_node /dev/odx20 || fatal "no /dev/odx20"
check_file "$d/power" 1
check_file "$d/index" 20
check_eq "size" "$(blockdev --getsize64 /dev/odx20)" $((16 * M))
check_eq "logical block size" "$(blockdev --getss /dev/odx20)" 4096
check_file /sys/block/odx20/odx/maximum_transfer_size 65536
check_file /sys/block/odx20/odx/maximum_data_descriptors 8
check_file /sys/block/odx0/odx/maximum_transfer_size \
	"$(val /sys/module/odx/parameters/max_transfer_bytes)"
"$odxctl" list | grep -qw odx20 || fail "odxctl list does not show odx20"

step "the shape is fixed while powered"
cfs_refuse "$d" size_mb 32
cfs_refuse "$d" block_size 512
cfs_refuse "$d" index 21
check_file "$d/size_mb" 16

step "settings apply at once, and agree with sysfs both ways"
cfs_write "$d" share_pages 0
check_file /sys/block/odx20/odx/share_pages 0
echo 1 > /sys/block/odx20/odx/share_pages || fail "sysfs share_pages write failed"
check_file "$d/share_pages" 1
cfs_write "$d" token_bytes_max 1048576
check_file /sys/block/odx20/odx/token_bytes_max 1048576
# 1 MiB is too little for the 2 MiB tokens below: EDQUOT, nothing copied.
head -c $((2 * M)) /dev/urandom > /tmp/cfs-src
check dd if=/tmp/cfs-src of=/dev/odx20 bs=1M oflag=direct status=none
check_fails "$odxctl" copy /dev/odx20@0 /dev/odx20@8M --length 2M > /dev/null 2>&1
check_eq "tokens after a refused mint" "$(val /sys/block/odx20/odx/tokens_live)" 0
cfs_write "$d" token_bytes_max $((64 * M))
cfs_write "$d" max_transfer_bytes 131072
check_file /sys/block/odx20/odx/maximum_transfer_size 131072

step "copies follow the device's settings"
shared=$(val /sys/block/odx20/odx/bytes_shared)
cfs_write "$d" share_pages 0
check "$odxctl" copy /dev/odx20@0 /dev/odx20@8M --length 2M > /dev/null
check_eq "bytes shared with share_pages 0" "$(val /sys/block/odx20/odx/bytes_shared)" "$shared"
dd if=/dev/odx20 of=/tmp/cfs-dst bs=1M skip=8 count=2 iflag=direct status=none
show_diff /tmp/cfs-src /tmp/cfs-dst || fail "byte copy differs"
cfs_write "$d" share_pages 1
check "$odxctl" copy /dev/odx20@0 /dev/odx20@12M --length 2M > /dev/null
[ "$(val /sys/block/odx20/odx/bytes_shared)" -gt "$shared" ] ||
	fail "share_pages 1 shared nothing"
dd if=/dev/odx20 of=/tmp/cfs-dst bs=1M skip=12 count=2 iflag=direct status=none
show_diff /tmp/cfs-src /tmp/cfs-dst || fail "shared copy differs"

step "cross-device: a token of odx20 on odx0, refused where odx0 says so"
echo 0 > /sys/block/odx0/odx/allow_cross_device || fail "cannot set odx0 allow_cross_device"
check_fails "$odxctl" copy /dev/odx20@0 /dev/odx0@0 --length 64K > /dev/null 2>&1
echo 1 > /sys/block/odx0/odx/allow_cross_device
# Block sizes differ (4096 and 512): refused all the same.
check_fails "$odxctl" copy /dev/odx20@0 /dev/odx0@0 --length 64K > /dev/null 2>&1

step "errors as ODX_CTL_ADD's: index taken, bad block size"
e=$C/clash
check mkdir "$e"
cfs_write "$e" index 20
cfs_refuse "$e" power 1
check_file "$e/power" 0
cfs_write "$e" index -1
cfs_write "$e" block_size 1024
cfs_refuse "$e" power 1
cfs_write "$e" block_size 512
cfs_write "$e" size_mb 8
cfs_write "$e" power 1
idx=$(val "$e/index")
wait_node "/dev/odx$idx"
check_eq "block size of odx$idx" "$(blockdev --getss "/dev/odx$idx")" 512

step "power off removes the device; not while it is open"
exec 3</dev/odx20
cfs_refuse "$d" power 0
check_file "$d/power" 1
exec 3<&-
cfs_write "$d" power 0
wait_gone /dev/odx20
check_file "$d/power" 0
check_file "$d/index" -1
check rmdir "$d"

step "rmdir removes a powered device"
check rmdir "$e"
wait_gone "/dev/odx$idx"
check_eq "odx disks" "$(cd /sys/block && echo odx*)" "odx0 odx1"

step "a device removed behind configfs' back"
f=$C/behind
check mkdir "$f"
cfs_write "$f" size_mb 4
cfs_write "$f" power 1
idx=$(val "$f/index")
wait_node "/dev/odx$idx"
check "$ODX_CTL" remove "$idx"
wait_gone "/dev/odx$idx"
cfs_refuse "$f" share_pages 0
# Another device takes the index; the directory must leave it alone.
odx_add $((4 * M)) 512 "$idx" || fatal "cannot add odx$idx again"
cfs_refuse "$f" share_pages 0
check_file "/sys/block/odx$idx/odx/share_pages" 1
cfs_write "$f" power 0
check rmdir "$f"
[ -b "/dev/odx$idx" ] || fail "rmdir of a stale directory removed odx$idx"
odx_remove "$idx"
finish
