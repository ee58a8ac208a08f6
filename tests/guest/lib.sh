# shellcheck shell=bash
# Helpers for the guest tests (tests/guest/tests/*.sh). Source it; run.sh sets
# ODX_RW, ODX_CTL, ODX_BUILD and ODX_MODARGS.
#
# A test calls `fail MESSAGE` (or the check helpers, which call it) for every
# wrong result it sees, keeps going where that makes sense, and ends with
# `finish`, which exits 1 if anything failed. Devices made with odx_add are
# removed when the test exits.

set -u -o pipefail

ODX_FAILED=0
ODX_CREATED=()
# Set by odx_add, for the tests.
# shellcheck disable=SC2034
ODX_IDX='' ODX_DEV=
ODX_MNT=/tmp/odx-mnt

fail() {
	echo "FAIL: $*"
	ODX_FAILED=1
}

# A test that cannot go on.
fatal() {
	echo "FAIL: $*"
	ODX_FAILED=1
	exit 1
}

finish() {
	[ "$ODX_FAILED" = 0 ] || exit 1
	exit 0
}

# Run a command; a non-zero exit is a failure.
check() {
	local rc

	"$@"
	rc=$?
	[ "$rc" = 0 ] || fail "'$*' exited with $rc"
	return "$rc"
}

# Run a command; exit 0 is a failure.
check_fails() {
	if "$@"; then
		fail "'$*' succeeded, but it should have failed"
		return 1
	fi
	return 0
}

# check_eq WHAT GOT WANT
check_eq() {
	if [ "$2" != "$3" ]; then
		fail "$1: got '$2', expected '$3'"
		return 1
	fi
	return 0
}

# Tools the test needs; a missing one is a failure, not a skip.
need() {
	local t

	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || fatal "needed tool '$t' is missing"
	done
}

# wait_for TEST... : wait up to 5 s for `test TEST...` to hold.
wait_for() {
	for _ in $(seq 50); do
		test "$@" && return 0
		sleep 0.1
	done
	test "$@"
}

wait_node() {
	wait_for -b "$1" || { fail "$1 did not appear"; return 1; }
}

wait_gone() {
	wait_for ! -e "$1" || { fail "$1 did not disappear"; return 1; }
}

# The first line of a (sysfs) file, without forking.
val() {
	local v=

	read -r v < "$1"
	echo "$v"
}

# check_file FILE WANT: the first line of FILE must be WANT.
check_file() {
	local v=

	read -r v < "$1" || { fail "cannot read $1"; return 1; }
	check_eq "$1" "$v" "$2"
}

# Store pages of device N (/sys/block/odxN/odx/pages).
odx_pages() {
	val "/sys/block/odx$1/odx/pages"
}

# Start a step of a test: its name and the seconds since the test began.
step() {
	echo "--- [${SECONDS}s] $*"
}

# odx_add SIZE_BYTES [BLOCK_SIZE [INDEX]]: create a device, wait for its node,
# set ODX_IDX and ODX_DEV. The device is removed when the test exits.
odx_add() {
	local idx

	ODX_IDX=
	ODX_DEV=
	idx=$("$ODX_CTL" add "$@") || { fail "odx_ctl add $*"; return 1; }
	ODX_CREATED+=("$idx")
	# shellcheck disable=SC2034
	ODX_IDX=$idx
	ODX_DEV="/dev/odx$idx"
	wait_node "$ODX_DEV"
}

# odx_remove N: remove a device made by odx_add (it must succeed).
odx_remove() {
	check "$ODX_CTL" remove "$1" || return 1
	wait_gone "/dev/odx$1"
}

# run_odx_rw DEV [--direct]: odx_rw must pass on DEV (fresh), and the store
# must then hold exactly the pages odx_rw wrote to.
run_odx_rw() {
	local dev=$1 out rc

	out=$("$ODX_RW" "$@")
	rc=$?
	echo "$out"
	[ "$rc" = 0 ] || fail "odx_rw $* exited with $rc"
	check_eq "$dev pages in the store" "$(odx_pages "${dev#/dev/odx}")" \
		"$(sed -n 's/^pages-written: //p' <<< "$out")"
}

odx_cleanup() {
	local idx

	if mountpoint -q "$ODX_MNT" 2>/dev/null; then
		umount "$ODX_MNT" 2>/dev/null || umount -l "$ODX_MNT" 2>/dev/null
	fi
	for idx in "${ODX_CREATED[@]}"; do
		[ -e "/sys/block/odx$idx" ] && "$ODX_CTL" remove "$idx" 2>/dev/null
	done
	return 0
}
trap odx_cleanup EXIT

mib() {
	echo $(($1 << 20))
}

# Print the first differences of two files (cmp -l), with decimal offsets and
# hex bytes. Returns cmp's status.
show_diff() {
	local rc

	cmp -s "$1" "$2"
	rc=$?
	[ "$rc" = 0 ] && return 0
	cmp -l "$1" "$2" 2>&1 | head -n 8 | awk '
		function oct(s,	n, i) {
			for (i = 1; i <= length(s); i++)
				n = n * 8 + substr(s, i, 1)
			return n
		}
		NF == 3 { printf "  offset %d: expected %02x, got %02x\n", $1 - 1,
			  oct($2), oct($3); next }
		{ print "  " $0 }'
	echo "  ($(cmp -l "$1" "$2" 2>/dev/null | wc -l) bytes differ)"
	return "$rc"
}

# Is the odx module loaded?
odx_loaded() {
	[ -d /sys/module/odx ]
}

# Load odx with the suite's default parameters (or the ones given).
odx_load() {
	local args=("$@")

	[ $# -gt 0 ] || read -r -a args <<< "$ODX_MODARGS"
	insmod "$ODX_BUILD/odx.ko" "${args[@]}"
}

# Stock kernels have ext4 and friends as modules under $ODX_MODROOT.
need_fs() {
	grep -qw "$1" /proc/filesystems && return 0
	if [ -n "${ODX_MODROOT:-}" ]; then
		modprobe -d "$ODX_MODROOT" "$1" || fatal "modprobe $1 failed"
	fi
	grep -qw "$1" /proc/filesystems || fatal "the kernel has no $1 filesystem"
}
