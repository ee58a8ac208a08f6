#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The odx guest test suite. It loads and unloads the odx module, so it runs
# only inside the QEMU guest of scripts/odx-vm:
#
#   make -C tests && scripts/odx-vm --kernel debian-6.12 -- tests/guest/run.sh [TEST...]
#
# TEST is a name such as rw-direct (tests/guest/tests/NN-rw-direct.sh); the
# default is all of them, always in file order. It loads
# `odx.ko nr_devices=2 size_mb=64` from $ODX_BUILD, runs each test (a test may
# reload the module with other parameters but leaves it loaded as it found it)
# and unloads the module at the end. Output: one line per test, `ok - NAME` or
# `not ok - NAME`, diagnostics on lines starting with `# `. A test fails when
# it exits non-zero, times out (ODX_TEST_TIMEOUT seconds, default 900) or when
# the kernel logs a splat while it runs. Exit status 0 iff all tests passed.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=${ODX_TOP:-$(cd "$here/../.." && pwd)}

if ! grep -q 'odx\.out=' /proc/cmdline || [ -z "${ODX_BUILD:-}" ]; then
	echo "run.sh: not inside the odx QEMU guest; use scripts/odx-vm -- tests/guest/run.sh" >&2
	exit 2
fi

export ODX_MODARGS="nr_devices=2 size_mb=64"
export ODX_TEST_TIMEOUT=${ODX_TEST_TIMEOUT:-900}
export ODX_LIB=$here/lib.sh

failed=0
result() {
	if [ "$1" = 0 ]; then
		echo "ok - $2"
	else
		echo "not ok - $2"
		failed=1
	fi
}
diag() {
	sed -u 's/^/# /'
}

splat='(BUG: |WARNING: |UBSAN: |KASAN: |kernel BUG at|Oops|general protection fault|Kernel panic|INFO: task .* blocked for more than|INFO: .*detected stall|cut here|refcount_t:|list_(add|del) corruption)'

# The test programs: build/tests/ when it is up to date, else built here.
bin=$top/build/tests
if ! make -s -q -C "$top/tests" >/dev/null 2>&1; then
	bin=/tmp/odx-tests
	echo "build/tests is missing or stale; building the test programs in $bin" | diag
	make -s -C "$top/tests" OUT="$bin" 2>&1 | diag
fi
export ODX_RW=$bin/odx_rw ODX_CTL=$bin/odx_ctl

# Which tests.
all=("$here"/tests/[0-9][0-9]-*.sh)
tests=()
if [ $# -eq 0 ]; then
	tests=("${all[@]}")
else
	for t in "${all[@]}"; do
		name=$(basename "$t" .sh)
		name=${name#[0-9][0-9]-}
		for want in "$@"; do
			[ "$want" = "$name" ] && tests+=("$t")
		done
	done
	for want in "$@"; do
		ls "$here"/tests/[0-9][0-9]-"$want".sh >/dev/null 2>&1 ||
			{ echo "run.sh: no test named '$want'" >&2; exit 2; }
	done
fi

echo "odx guest tests on $(uname -r) (${ODX_KERNEL:-?}), module $ODX_BUILD/odx.ko" | diag
start=$SECONDS

odx_loaded() {
	[ -d /sys/module/odx ]
}

if odx_loaded; then
	echo "odx is already loaded; unloading it first" | diag
	rmmod odx 2>&1 | diag
fi
dmesg -C
# shellcheck disable=SC2086
insmod "$ODX_BUILD/odx.ko" $ODX_MODARGS 2>&1 | diag
rc=$?
[ "$rc" = 0 ] && ! odx_loaded && rc=1
result "$rc" module-load
if [ "$rc" != 0 ]; then
	dmesg | tail -n 20 | diag
	exit 1
fi

for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	name=${name#[0-9][0-9]-}
	t0=$SECONDS
	dmesg -C
	(cd /tmp && timeout -k 10 "$ODX_TEST_TIMEOUT" bash "$t") 2>&1 | diag
	rc=${PIPESTATUS[0]}
	[ "$rc" = 124 ] && echo "timed out after ${ODX_TEST_TIMEOUT}s" | diag
	if dmesg | grep -Eq "$splat"; then
		echo "the kernel logged a splat during $name:" | diag
		dmesg | grep -E -A 30 "$splat" | head -n 60 | diag
		rc=1
	fi
	if ! odx_loaded; then
		echo "$name left odx unloaded; loading it again" | diag
		# shellcheck disable=SC2086
		insmod "$ODX_BUILD/odx.ko" $ODX_MODARGS 2>&1 | diag
		rc=1
	fi
	echo "$name: $((SECONDS - t0))s" | diag
	result "$rc" "$name"
done

dmesg -C
rmmod odx 2>&1 | diag
rc=$?
if [ "$rc" = 0 ]; then
	for f in /sys/module/odx /dev/odx-control /dev/odx0 /sys/block/odx0; do
		if [ -e "$f" ]; then
			echo "$f still exists after rmmod" | diag
			rc=1
		fi
	done
fi
if dmesg | grep -Eq "$splat"; then
	dmesg | grep -E -A 30 "$splat" | head -n 60 | diag
	rc=1
fi
result "$rc" module-unload

echo "total: $((SECONDS - start))s" | diag
exit "$failed"
