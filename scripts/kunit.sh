#!/usr/bin/env bash
# Run odx's KUnit suites: boot the debug kernel, load odx.ko and odx_kunit.ko, collect
# each suite's KTAP from debugfs and parse it with the kernel tree's kunit.py.
# Prints one line per test case (PASS/FAIL name) and exits non-zero on any failed or
# crashed case, or a kernel splat.
set -euo pipefail
. "$(dirname "$0")/common.sh"

kdir=$(odx_kdir debug)
build=$("$ODX_TOP/scripts/build-module.sh" debug)
[ -f "$build/kunit/odx_kunit.ko" ] || odx_die "odx_kunit.ko was not built"
src=$(sed -n 's/^MAKEARGS := -C \(.*\) -f.*/\1/p; s/^include \(.*\)\/Makefile$/\1/p' "$kdir/Makefile" | head -n 1)
[ -f "$src/tools/testing/kunit/kunit.py" ] || src=$(echo "$ODX_CACHE"/src-"$(odx_pkg_version "$ODX_SRC_PKG")")
kunit_py="$src/tools/testing/kunit/kunit.py"
[ -f "$kunit_py" ] || odx_die "kunit.py not found in $src"

out=$(mktemp -d /tmp/odx-kunit.XXXXXX)
trap 'rm -rf "$out"' EXIT
set +e
"$ODX_TOP/scripts/odx-vm" --kernel debug --out "$out" --timeout 900 -- sh -c '
	set -e
	insmod "$ODX_BUILD/odx.ko" nr_devices=0
	insmod "$ODX_BUILD/kunit/odx_kunit.ko"
	for d in /sys/kernel/debug/kunit/odx_*/; do
		s=$(basename "$d")
		cp "$d/results" "$ODX_VM_OUT/$s.ktap"
	done
	rmmod odx_kunit
	rmmod odx
'
vmrc=$?
set -e

rc=0
[ "$vmrc" = 0 ] || { echo "FAIL kunit-vm (odx-vm exited $vmrc)"; rc=1; }
found=0
for f in "$out"/*.ktap; do
	[ -e "$f" ] || continue
	found=1
	suite=$(basename "$f" .ktap)
	parsed=$(python3 "$kunit_py" parse "$f" 2>&1) || true
	# One line per case: kunit.py prints "[PASSED] name" / "[FAILED] name".
	echo "$parsed" | sed -E 's/\x1b\[[0-9;]*m//g' |
		sed -nE "s/^\[[0-9:]+\] \[(PASSED|FAILED|CRASHED|SKIPPED)\] (.*)$/\1 \2/p" |
		while read -r verdict name; do
			case "$verdict" in
			PASSED) echo "PASS kunit:$suite:$name" ;;
			*) echo "FAIL kunit:$suite:$name ($verdict)" ;;
			esac
		done
	if ! echo "$parsed" | grep -q "Testing complete.*failed: 0\|Testing complete. Ran [0-9]* tests: passed: [0-9]*$"; then
		echo "$parsed" | sed 's/^/# /' | tail -n 40
		rc=1
	fi
done
[ "$found" = 1 ] || { echo "FAIL kunit: no KTAP results collected"; rc=1; }
exit "$rc"
