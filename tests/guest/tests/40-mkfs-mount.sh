#!/usr/bin/env bash
# ext4 on odx devices: with 1 KiB file system blocks on a 512-byte device (I/O
# smaller than a page) and with 4 KiB blocks on a 4096-byte device. Make the file
# system, write files with known content, unmount, drop every cache, remount and
# compare checksums, delete a large file and fstrim (the store must shrink), and
# fsck.ext4 -n -f must find the file system clean after each unmount.
# shellcheck source=../lib.sh
. "$ODX_LIB"
need mkfs.ext4 fsck.ext4 mount umount mountpoint fstrim sha256sum blockdev split
step "the ext4 file system (a module on stock kernels)"
need_fs ext4

src=/tmp/odx-src
sums=/tmp/odx-sums

# Files of known content, made once: text, odd sizes, a few MiB, many small
# files, a sparse file, a symlink.
step "making the files"
rm -rf "$src"
mkdir -p "$src/dir/sub" || fatal "cannot make $src"
echo "odx mkfs-mount test" > "$src/hello.txt"
head -c 12345 /dev/urandom > "$src/odd.bin"
head -c $((3 << 20)) /dev/urandom > "$src/big.bin"
head -c $(((1 << 20) + 4097)) /dev/urandom > "$src/dir/mid.bin"
# 64 files of 1531 bytes and a shorter last one.
head -c $((64 * 1531 + 100)) /dev/urandom | (cd "$src/dir/sub" && split -a 2 -b 1531 - f)
truncate -s $((10 << 20)) "$src/sparse.bin"
head -c 4096 /dev/urandom | dd of="$src/sparse.bin" bs=4096 seek=1280 conv=notrunc \
	status=none
ln -s dir/mid.bin "$src/link"
(cd "$src" && find . -type f -print0 | sort -z | xargs -0 sha256sum) > "$sums" ||
	fatal "cannot checksum $src"

fsck_clean() {
	local out rc

	out=$(fsck.ext4 -n -f "$1" 2>&1)
	rc=$?
	if [ "$rc" != 0 ]; then
		fail "fsck.ext4 -n -f $1 ($2) exited with $rc"
		echo "$out" | tail -n 20
	fi
}

verify_files() {
	local out

	out=$(cd "$ODX_MNT" && sha256sum --quiet -c "$sums" 2>&1) ||
		{ fail "checksums differ ($1):"; echo "$out" | head -n 20; }
	check_eq "symlink ($1)" "$(readlink "$ODX_MNT/link")" dir/mid.bin
}

# Forget every cached block of the device, so the next reads reach the driver.
drop_caches() {
	sync
	blockdev --flushbufs "$1"
	echo 3 > /proc/sys/vm/drop_caches
}

# one_pass DEVICE_BLOCK_SIZE FS_BLOCK_SIZE
one_pass() {
	local lbs=$1 fsbs=$2 dev idx before after

	step "ext4 with $fsbs-byte blocks on a $lbs-byte device"
	odx_add $((64 << 20)) "$lbs" || return
	dev=$ODX_DEV
	idx=$ODX_IDX
	check mkfs.ext4 -q -F -b "$fsbs" -E lazy_itable_init=0,lazy_journal_init=0 "$dev" ||
		return
	drop_caches "$dev"
	fsck_clean "$dev" "after mkfs"

	mkdir -p "$ODX_MNT"
	check mount -t ext4 "$dev" "$ODX_MNT" || return
	check cp -a "$src/." "$ODX_MNT/"
	sync
	verify_files "after writing"
	check umount "$ODX_MNT" || return
	drop_caches "$dev"
	fsck_clean "$dev" "after writing the files"

	check mount -t ext4 "$dev" "$ODX_MNT" || return
	verify_files "after remounting"

	# Freeing 3 MiB and trimming must return at least most of its pages.
	check rm "$ODX_MNT/big.bin"
	sync
	before=$(odx_pages "$idx")
	check fstrim "$ODX_MNT"
	after=$(odx_pages "$idx")
	echo "store pages: $before before fstrim, $after after"
	[ $((before - after)) -ge 700 ] ||
		fail "fstrim after deleting 3 MiB freed only $((before - after)) pages"
	check umount "$ODX_MNT" || return
	drop_caches "$dev"
	fsck_clean "$dev" "after deleting and trimming"

	# The rest is still intact.
	grep -v ' ./big.bin$' "$sums" > "$sums.rest"
	check mount -t ext4 -o ro "$dev" "$ODX_MNT" || return
	(cd "$ODX_MNT" && sha256sum --quiet -c "$sums.rest") ||
		fail "checksums differ after trimming"
	[ -e "$ODX_MNT/big.bin" ] && fail "big.bin came back"
	check umount "$ODX_MNT"
	odx_remove "$idx"
}

one_pass 512 1024
one_pass 4096 4096
finish
