#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest test suite for odx token copy. Runs INSIDE the guest, as root:
#
#   scripts/odx-vm --kernel debian-6.12 -- tests/token/run.sh [PATTERN]
#
# Needs ODX_BUILD (the directory with odx.ko for the running kernel) and ODX_TOP
# (the project). The programs come from $ODX_TOP/build/tests/token (make -C
# tests/token on the host); when they are missing or older than their sources
# they are rebuilt into /tmp. PATTERN (a grep -E regex) runs only the matching
# test cases (module loads and unloads always run).
#
# Passes, each a fresh module load (rmmod must succeed between them):
#   default             nr_devices=2 size_mb=64: layout, t_copy, t_access, t_token,
#                       t_cow, t_race, t_revoke, t_budget
#   max_token_bytes     ... max_token_bytes=1048576: t_limits trunc_read_*
#   max_transfer_bytes  ... max_transfer_bytes=65536: t_limits trunc_write_*
#
# Prints exactly one "ok - NAME" or "not ok - NAME" line per test case; everything
# else is a "# " diagnostic. Exits 0 iff every case passed. A case that cannot
# run is a failure.
set -u -o pipefail

BASE_ARGS=(nr_devices=2 size_mb=64)
CASE_TIMEOUT=${ODX_TOKEN_TIMEOUT:-300}
PATTERN=${1:-}

failed=0
total=0
nfail=0
failed_names=()

diag() {
	local line
	while IFS= read -r line; do
		printf '# %s\n' "$line"
	done <<< "$*"
}

result() {	# result NAME 0|1
	total=$((total + 1))
	if [ "$2" = 0 ]; then
		echo "ok - $1"
	else
		echo "not ok - $1"
		failed=1
		nfail=$((nfail + 1))
		failed_names+=("$1")
	fi
}

# Never load modules outside the odx guest (scripts/guest-init boots with odx.out=).
if ! grep -q 'odx\.out=' /proc/cmdline 2>/dev/null; then
	diag "not inside the odx guest: run it through scripts/odx-vm"
	result setup 1
	exit 1
fi

src=${ODX_TOP:-}/tests/token
if [ -z "${ODX_TOP:-}" ] || [ ! -d "$src" ]; then
	diag "ODX_TOP is not set or has no tests/token"
	result setup 1
	exit 1
fi
if [ -z "${ODX_BUILD:-}" ] || [ ! -f "$ODX_BUILD/odx.ko" ]; then
	diag "no odx.ko in ODX_BUILD='${ODX_BUILD:-}'"
	result setup 1
	exit 1
fi

# The programs: prebuilt on the host, or built here when stale.
BIN=$ODX_TOP/build/tests/token
stale=0
if ! command -v make >/dev/null 2>&1; then
	for p in layout t_copy t_access t_token t_limits t_cow t_race t_budget t_revoke; do
		[ -x "$BIN/$p" ] || stale=1
	done
elif ! make -q -C "$src" OUT="$BIN" >/dev/null 2>&1; then
	stale=1
fi
if [ "$stale" = 1 ]; then
	BIN=/tmp/odx-token-bin
	diag "test programs missing or stale in build/tests/token: building into $BIN"
	if ! out=$(make -s -C "$src" OUT="$BIN" 2>&1); then
		diag "$out"
		result build 1
		exit 1
	fi
fi

for tool in insmod rmmod blockdev blkdiscard timeout; do
	command -v "$tool" >/dev/null 2>&1 || diag "warning: $tool is missing"
done

# Run one case of a program; print its verdict line.
run_case() {	# run_case PROG CASE
	local prog=$1 name=$2 out rc line verdict=""

	if [ "$pass_ok" != 1 ]; then
		diag "$name: cannot run, the module did not load for this pass"
		result "$name" 1
		return
	fi
	out=$(timeout -k 5 "$CASE_TIMEOUT" "$BIN/$prog" "$name" 2>&1)
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		"ok - $name") verdict=ok ;;
		"not ok - $name") verdict="not ok" ;;
		"# "*) printf '%s\n' "$line" ;;
		"") ;;
		*) printf '# %s\n' "$line" ;;
		esac
	done <<< "$out"
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		diag "$prog $name: timed out after ${CASE_TIMEOUT}s"
	elif [ "$rc" != 0 ] && [ "$verdict" = ok ]; then
		diag "$prog $name: said ok but exited with $rc"
	fi
	if [ "$rc" = 0 ] && [ "$verdict" = ok ]; then
		result "$name" 0
	else
		[ -n "$verdict" ] || diag "$prog $name: no verdict (exit $rc)"
		dmesg 2>/dev/null | tail -n 5 | sed 's/^/# dmesg: /'
		result "$name" 1
	fi
}

# Run the cases of PROG whose names match FILTER (a grep -E regex).
run_prog() {	# run_prog PROG [FILTER]
	local prog=$1 filter=${2:-.} names n

	if ! names=$("$BIN/$prog" --list 2>&1); then
		diag "$prog --list failed: $names"
		result "$prog" 1
		return
	fi
	for n in $names; do
		echo "$n" | grep -Eq -- "$filter" || continue
		[ -z "$PATTERN" ] || echo "$n" | grep -Eq -- "$PATTERN" || continue
		run_case "$prog" "$n"
	done
}

loaded=0
pass_ok=0
load() {	# load PASS ARGS...
	local pass=$1 out
	shift
	pass_ok=0
	if ! out=$(insmod "$ODX_BUILD/odx.ko" "$@" 2>&1); then
		diag "insmod odx.ko $*: $out"
		dmesg 2>/dev/null | tail -n 5 | sed 's/^/# dmesg: /'
		result "module_load_$pass" 1
		return 1
	fi
	loaded=1
	# The devices' nodes (devtmpfs) and the control device.
	for _ in $(seq 50); do
		[ -b /dev/odx0 ] && [ -b /dev/odx1 ] && [ -c /dev/odx-control ] && break
		sleep 0.1
	done
	if ! [ -b /dev/odx0 ] || ! [ -b /dev/odx1 ] || ! [ -c /dev/odx-control ]; then
		diag "device nodes did not appear after insmod $*"
		result "module_load_$pass" 1
		return 1
	fi
	diag "pass $pass: insmod odx.ko $*"
	pass_ok=1
	result "module_load_$pass" 0
}

unload() {	# unload PASS
	local out rc=1
	[ "$loaded" = 1 ] || return 0
	for _ in 1 2 3 4 5; do
		if out=$(rmmod odx 2>&1); then
			rc=0
			break
		fi
		sleep 1
	done
	pass_ok=0
	if [ "$rc" != 0 ]; then
		diag "rmmod odx: $out"
		lsmod 2>/dev/null | grep -w odx | sed 's/^/# /'
	else
		loaded=0
	fi
	result "module_unload_$1" "$rc"
	return "$rc"
}

start=$(date +%s)
diag "odx token tests on $(uname -r) (ODX_KERNEL=${ODX_KERNEL:-?}), programs in $BIN"
if [ -d /sys/module/odx ]; then
	diag "odx was loaded before the suite: unloading it"
	rmmod odx || { result setup 1; exit 1; }
fi

# Pass 1: defaults.
load default "${BASE_ARGS[@]}"
if [ -z "$PATTERN" ] || echo layout | grep -Eq -- "$PATTERN"; then
	run_case layout layout
fi
run_prog t_copy
run_prog t_access
run_prog t_token
run_prog t_cow
run_prog t_race
run_prog t_revoke
run_prog t_budget
unload default

# Pass 2: a token covers at most 1 MiB.
load max_token_bytes "${BASE_ARGS[@]}" max_token_bytes=1048576
run_prog t_limits '^trunc_read_'
unload max_token_bytes

# Pass 3: one offload write copies at most 64 KiB.
load max_transfer_bytes "${BASE_ARGS[@]}" max_transfer_bytes=65536
run_prog t_limits '^trunc_write_'
unload max_transfer_bytes

diag "$((total - nfail)) of $total passed in $(( $(date +%s) - start )) s"
if [ "$failed" != 0 ]; then
	diag "failed: ${failed_names[*]}"
fi
exit "$failed"
