#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The odx block device suite, on the one runner (tests/lib/check.sh). It loads
# and unloads the odx module, so it runs only inside the QEMU guest of
# scripts/odx-vm:
#
#   make -C tests && scripts/odx-vm --kernel debian-6.12 -- tests/guest/run.sh [TEST...]
#
# TEST is a name such as rw-direct (tests/guest/tests/NN-rw-direct.sh); the
# default is all of them, always in file order. It loads
# `odx.ko nr_devices=2 size_mb=64` from $ODX_BUILD (case module-load), runs
# each test (a test may reload the module with other parameters but leaves it
# loaded as it found it) and unloads the module at the end (module-unload).
# Output: KTAP, one result per test. A test fails when it exits non-zero, times
# out (ODX_TEST_TIMEOUT seconds, default 900), leaves odx unloaded, or when the
# kernel logs a splat while it runs. Exit status 0 iff all tests passed.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/check.sh"

export ODX_MODARGS="nr_devices=2 size_mb=64"
export ODX_TEST_TIMEOUT=${ODX_TEST_TIMEOUT:-900}
export ODX_LIB=$here/lib.sh

# Which tests: names, as a pattern for the runner.
all=("$here"/tests/[0-9][0-9]-*.sh)
pattern=
for want in "$@"; do
	ls "$here"/tests/[0-9][0-9]-"$want".sh >/dev/null 2>&1 ||
		{ echo "run.sh: no test named '$want'" >&2; exit 2; }
	pattern="$pattern|$want"
done
[ -z "$pattern" ] || pattern="^(${pattern#|})\$"

check_suite block "$pattern"

# The test programs: build/tests/ when it is up to date, else built here.
bin=$ODX_TOP/build/tests
if ! make -s -q -C "$ODX_TOP/tests" >/dev/null 2>&1; then
	bin=/tmp/odx-tests
	diag "build/tests is missing or stale; building the test programs in $bin"
	make -s -C "$ODX_TOP/tests" OUT="$bin" 2>&1 | sed 's/^/# /'
fi
export ODX_RW=$bin/odx_rw ODX_CTL=$bin/odx_ctl

odx_loaded() {
	[ -d /sys/module/odx ]
}

# One test script, in /tmp, with its timeout; odx must still be loaded after it.
guest_case() {	# guest_case FILE
	local rc
	(cd /tmp && timeout -k 10 "$ODX_TEST_TIMEOUT" bash "$1") 2>&1 | sed -u 's/^/# /'
	rc=${PIPESTATUS[0]}
	[ "$rc" = 124 ] && diag "timed out after ${ODX_TEST_TIMEOUT}s"
	if ! odx_loaded; then
		diag "$(basename "$1" .sh) left odx unloaded; loading it again"
		# shellcheck disable=SC2086
		insmod "$ODX_BUILD/odx.ko" $ODX_MODARGS 2>&1 | sed 's/^/# /'
		rc=1
	fi
	return "$rc"
}

# shellcheck disable=SC2086
pass_load module-load default $ODX_MODARGS
for t in "${all[@]}"; do
	name=$(basename "$t" .sh)
	t_sh "${name#[0-9][0-9]-}" guest_case "$t"
done
pass_unload module-unload

check_run
