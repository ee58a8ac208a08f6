#!/usr/bin/env bash
# Devices made and removed at run time through /dev/odx-control, and every
# error the control device documents.
# shellcheck source=../lib.sh
. "$ODX_LIB"
need dd cmp setpriv blockdev

ctl=$ODX_CTL
M=$((1 << 20))

expect() {
	check "$ctl" expect-errno "$@"
}

# Nothing but the devices made at load.
only_default_devices() {
	check_eq "odx disks ($1)" "$(cd /sys/block && echo odx*)" "odx0 odx1"
}

# write_read DEV: 8 KiB of random data at 1 MiB + 4 KiB must read back.
write_read() {
	head -c 8192 /dev/urandom > /tmp/odx-wr
	check dd if=/tmp/odx-wr of="$1" bs=4096 seek=257 oflag=direct conv=notrunc \
		status=none
	dd if="$1" of=/tmp/odx-rd bs=4096 skip=257 count=2 iflag=direct status=none
	show_diff /tmp/odx-wr /tmp/odx-rd || fail "$1: data did not read back"
}

step "invalid parameters: EINVAL, and no device left behind"
expect EINVAL add 0
expect EINVAL add 512
expect EINVAL add 4095
expect EINVAL add 4097
expect EINVAL add $((M + 512))
expect EINVAL add $M 1024
expect EINVAL add $M 2048
expect EINVAL add $M 8192
expect EINVAL add $M 1
expect EINVAL add --flags=1 $M
expect EINVAL add --flags=0x80000000 $M
expect EINVAL add --reserved=1 $M
expect EINVAL add $(((1 << 40) + 4096))
expect EINVAL add $((1 << 41))
expect EINVAL add $M 512 1024
expect EINVAL add $M 512 0xfffffffe
only_default_devices "after invalid adds"

step "indexes in use: EEXIST"
expect EEXIST add $M 512 0
expect EEXIST add $M 4096 1
only_default_devices "after duplicate adds"

step "unknown devices: ENODEV"
expect ENODEV remove 2
expect ENODEV remove 1023
expect ENODEV remove 1024
expect ENODEV remove 0xffffffff

step "unknown ioctls: ENOTTY"
expect ENOTTY raw-ioctl 0x02
expect ENOTTY raw-ioctl 0x3f
expect ENOTTY raw-ioctl 0xff
# ODX_CTL_ADD's number with the wrong size, another magic, a tty ioctl (TCGETS).
expect ENOTTY raw-ioctl 0xc004d000
expect ENOTTY raw-ioctl 0x0000d100
expect ENOTTY raw-ioctl 0x5401

step "bad pointers: EFAULT"
expect EFAULT null-add
expect EFAULT null-remove
only_default_devices "after EFAULT"

step "without CAP_SYS_ADMIN: EPERM"
check setpriv --bounding-set=-sys_admin "$ctl" expect-errno EPERM add $M
check setpriv --bounding-set=-sys_admin "$ctl" expect-errno EPERM remove 1
# Unknown ioctls are ENOTTY before any permission check.
check setpriv --bounding-set=-sys_admin "$ctl" expect-errno ENOTTY raw-ioctl 0x3f
only_default_devices "after EPERM"

step "add with ODX_INDEX_ANY takes the lowest free index"
odx_add $((8 * M))
check_eq "first free index" "$ODX_IDX" 2
a=$ODX_IDX
odx_add $((8 * M)) 4096 7
check_eq "asked-for index" "$ODX_IDX" 7
check_eq "/dev/odx7 logical block size" "$(blockdev --getss /dev/odx7)" 4096
check_eq "/dev/odx7 size" "$(blockdev --getsize64 /dev/odx7)" $((8 * M))
check_eq "/sys/block/odx7/odx/index" "$(cat /sys/block/odx7/odx/index)" 7
odx_add $((8 * M)) 0
check_eq "next free index" "$ODX_IDX" 3
check_eq "block size 0 takes the default" "$(blockdev --getss "$ODX_DEV")" 512
odx_remove 3
write_read "/dev/odx$a"
write_read /dev/odx7

step "removing an open device: EBUSY, and the device keeps working"
exec 3<>"/dev/odx$a"
expect EBUSY remove "$a"
check test -b "/dev/odx$a"
write_read "/dev/odx$a"
expect EBUSY remove "$a"
exec 3>&-
odx_remove "$a"
check test ! -e "/sys/block/odx$a"
expect ENODEV remove "$a"
check_fails dd if="/dev/odx$a" of=/dev/null bs=512 count=1 status=none 2>/dev/null

step "the index is free again, and the new device is empty"
odx_add $((8 * M)) 512 "$a"
check_eq "re-added index" "$ODX_IDX" "$a"
check_eq "pages of the new device" "$(odx_pages "$a")" 0
dd if="/dev/odx$a" of=/tmp/odx-rd bs=4096 skip=257 count=2 iflag=direct status=none
head -c 8192 /dev/zero > /tmp/odx-zero
show_diff /tmp/odx-zero /tmp/odx-rd || fail "old data showed up in a new device"
odx_remove "$a"
odx_remove 7

step "the largest device: 1 TiB, sparse"
if odx_add $((1 << 40)) 4096; then
	check_eq "size" "$(blockdev --getsize64 "$ODX_DEV")" $((1 << 40))
	head -c 8192 /dev/urandom > /tmp/odx-wr
	check dd if=/tmp/odx-wr of="$ODX_DEV" bs=4096 seek=$(((1 << 28) - 2)) \
		oflag=direct conv=notrunc status=none
	dd if="$ODX_DEV" of=/tmp/odx-rd bs=4096 skip=$(((1 << 28) - 2)) iflag=direct \
		status=none
	show_diff /tmp/odx-wr /tmp/odx-rd || fail "the end of a 1 TiB device"
	check_eq "pages of the 1 TiB device" "$(odx_pages "$ODX_IDX")" 2
	odx_remove "$ODX_IDX"
fi

step "removal racing with opens"
odx_add $((4 * M))
b=$ODX_IDX
# Open and close the device until it is gone, while it is being removed.
(
	for _ in $(seq 100); do
		dd if="/dev/odx$b" of=/dev/null bs=4096 count=1 status=none 2>/dev/null ||
			break
	done
) &
opener=$!
sleep 0.2
removed=0
for _ in $(seq 100); do
	if "$ctl" remove "$b" 2>/dev/null; then
		removed=1
		break
	fi
done
wait "$opener"
check_eq "removed while being opened" "$removed" 1
wait_gone "/dev/odx$b"

step "parallel adds and removes"
for _ in 1 2 3; do
	(
		for _ in $(seq 8); do
			idx=$("$ctl" add $((4 * M))) || exit 1
			dd if=/dev/zero of="/dev/odx$idx" bs=4096 count=1 oflag=direct \
				status=none 2>/dev/null
			"$ctl" remove "$idx" || exit 1
		done
	) &
done
bad=0
for _ in 1 2 3; do
	wait -n || bad=1
done
check_eq "parallel add/remove workers that failed" "$bad" 0

only_default_devices "at the end"
finish
