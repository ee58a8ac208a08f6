# shellcheck shell=bash
# Shared by the discard and write-zeroes tests: zero_ranges MODE, with MODE
# "discard" (blkdiscard) or "zeroout" (blkdiscard -z). Source lib.sh first.
#
# On a fresh device, fill the first 4 MiB and the last 8 KiB with random data,
# zero ranges that are whole pages, parts of one page (512-byte aligned, not
# 4 KiB aligned), and both, and read everything back with O_DIRECT: zeros
# inside the ranges, the data intact outside. The store must drop exactly the
# whole pages (discard) or at least never grow (write zeroes), and zeroing
# holes must not allocate anything.

need blkdiscard dd cmp

# blkdiscard -f ARGS...: -f skips the signature probe and the exclusive open
# check; drop the warning it prints about that.
blkdiscard_q() {
	local out rc

	out=$(blkdiscard -f "$@" 2>&1)
	rc=$?
	[ -z "$out" ] || sed '/Operation forced/d' <<< "$out"
	[ "$rc" = 0 ] || fail "'blkdiscard -f $*' exited with $rc"
	return "$rc"
}

# zero_one DEV EXPECTED OFF LEN: zero a range on the device and in the file
# holding what the device should contain.
zero_one() {
	local dev=$1 exp=$2 off=$3 len=$4

	blkdiscard_q "${zflag[@]}" -o "$off" -l "$len" "$dev" || return
	dd if=/dev/zero of="$exp" bs=512 seek=$((off / 512)) count=$((len / 512)) \
		conv=notrunc status=none
}

# compare DEV EXPECTED OFF LEN WHAT
compare() {
	local dev=$1 exp=$2 off=$3 len=$4 got=/tmp/odx-got

	dd if="$dev" of="$got" bs=4096 skip=$((off / 4096)) count=$((len / 4096)) \
		iflag=direct status=none || { fail "cannot read $dev"; return; }
	dd if="$exp" of="$got.exp" bs=4096 skip=$((off / 4096)) count=$((len / 4096)) \
		status=none
	show_diff "$got.exp" "$got" || fail "$5: wrong data at offset $off + the offsets above"
}

zflag=()

zero_ranges() {
	local size=$((16 << 20)) dev idx exp=/tmp/odx-expected pages

	case "$1" in
	discard) zflag=() ;;
	zeroout) zflag=(-z) ;;
	*) fatal "zero_ranges: bad mode $1" ;;
	esac

	# --- 512-byte device.
	odx_add "$size" 512 || return
	dev=$ODX_DEV
	idx=$ODX_IDX
	head -c $((4 << 20)) /dev/urandom > /tmp/odx-pattern
	cp /tmp/odx-pattern "$exp"
	truncate -s "$size" "$exp"
	head -c 8192 /dev/urandom | dd of="$exp" bs=4096 seek=$((size / 4096 - 2)) \
		conv=notrunc status=none
	check dd if="$exp" of="$dev" bs=1M count=4 oflag=direct status=none
	check dd if="$exp" of="$dev" bs=4096 skip=$((size / 4096 - 2)) \
		seek=$((size / 4096 - 2)) count=2 oflag=direct status=none
	check_eq "pages after writing" "$(odx_pages "$idx")" 1026
	compare "$dev" "$exp" 0 "$size" "before zeroing"

	# OFF LEN pairs; whole pages inside: 1 + 2 + 16 + 0.
	set -- \
		$((2 * 4096 + 512)) 1536 \
		$((5 * 4096)) 4096 \
		$((8 * 4096 + 3584)) 512 \
		$((12 * 4096 + 1024)) $((2 * 4096 + 3072)) \
		$((20 * 4096)) $((64 << 10)) \
		$((1 << 20)) 512 \
		$(((4 << 20) - 4096 - 512)) 1024 \
		$((size - 1536)) 1536
	while [ $# -ge 2 ]; do
		echo "zeroing $2 bytes at $1"
		zero_one "$dev" "$exp" "$1" "$2"
		shift 2
	done
	pages=$(odx_pages "$idx")
	if [ ${#zflag[@]} -gt 0 ]; then
		[ "$pages" -le 1026 ] || fail "write zeroes grew the store: $pages pages"
	else
		check_eq "pages after discarding 19 whole pages" "$pages" 1007
	fi
	compare "$dev" "$exp" 0 "$size" "after zeroing"

	# Zeroing a hole allocates nothing and reads as zeros.
	zero_one "$dev" "$exp" $((8 << 20)) $((1 << 20))
	zero_one "$dev" "$exp" $((9 << 20)) 1536
	check_eq "pages after zeroing holes" "$(odx_pages "$idx")" "$pages"
	compare "$dev" "$exp" $((8 << 20)) $((2 << 20)) "holes after zeroing"

	# The whole device.
	blkdiscard_q "${zflag[@]}" "$dev"
	dd if=/dev/zero of="$exp" bs=1M count=16 conv=notrunc status=none
	compare "$dev" "$exp" 0 "$size" "after zeroing the whole device"
	if [ ${#zflag[@]} -gt 0 ]; then
		[ "$(odx_pages "$idx")" -le "$pages" ] ||
			fail "write zeroes grew the store: $(odx_pages "$idx") pages"
	else
		check_eq "pages after discarding the whole device" "$(odx_pages "$idx")" 0
	fi
	odx_remove "$idx"

	# --- 4096-byte device: whole blocks only.
	odx_add "$size" 4096 || return
	dev=$ODX_DEV
	idx=$ODX_IDX
	cp /tmp/odx-pattern "$exp"
	truncate -s "$size" "$exp"
	check dd if="$exp" of="$dev" bs=1M count=4 oflag=direct status=none
	zero_one "$dev" "$exp" $((3 * 4096)) 4096
	zero_one "$dev" "$exp" $((100 * 4096)) $((37 * 4096))
	# Not whole 4096-byte blocks: refused.
	check_fails blkdiscard -f "${zflag[@]}" -o 512 -l 4096 "$dev" 2>/dev/null
	check_fails blkdiscard -f "${zflag[@]}" -o 4096 -l 512 "$dev" 2>/dev/null
	compare "$dev" "$exp" 0 "$size" "4096-byte device after zeroing"
	pages=$(odx_pages "$idx")
	if [ ${#zflag[@]} -gt 0 ]; then
		[ "$pages" -le 1024 ] || fail "write zeroes grew the store: $pages pages"
	else
		check_eq "pages after discarding 38 blocks" "$pages" $((1024 - 38))
	fi
	odx_remove "$idx"
}
