#!/usr/bin/env bash
# Run odx's KUnit suites: boot the debug kernel, load odx.ko and odx_kunit.ko, collect
# each suite's KTAP from debugfs and parse it with the kernel tree's
# `kunit.py parse --json`. Prints KTAP: each suite a subtest, one result per
# case, and a last case kunit-vm (the guest run: odx-vm's exit status, which
# includes kernel splats and kmemleak). Exits non-zero on any failed, crashed or
# missing case, or a kernel splat.
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

# Each suite's KTAP through `kunit.py parse --json`, then one KTAP document:
# the suites as subtests, their cases (parameters flattened) as results.
rc=0
files=("$out"/*.ktap)
[ -e "${files[0]}" ] || files=()
echo "KTAP version 1"
echo "1..$(( ${#files[@]} + 1 ))"
i=0
for f in "${files[@]}"; do
	i=$((i + 1))
	suite=$(basename "$f" .ktap)
	if ! python3 "$kunit_py" parse --json="$out/$suite.json" "$f" >"$out/$suite.txt" 2>&1; then
		sed 's/\x1b\[[0-9;]*m//g; s/^/# /' "$out/$suite.txt" | tail -n 40
	fi
	if ! python3 - "$out/$suite.json" "$suite" <<'PY'
import json, sys
try:
    top = json.load(open(sys.argv[1]))
except (OSError, ValueError) as e:
    print("    # Subtest: %s\n    # no JSON from kunit.py parse: %s" % (sys.argv[2], e))
    sys.exit(1)
cases = []
def walk(g):
    for c in g.get("test_cases", []):
        cases.append((c["name"], c["status"]))
    for sg in g.get("sub_groups", []):
        walk(sg)
walk(top)
print("    KTAP version 1\n    # Subtest: %s\n    1..%d" % (sys.argv[2], len(cases)))
bad = 0
for n, (name, status) in enumerate(cases, 1):
    if status == "PASS":
        print("    ok %d %s" % (n, name))
    elif status == "SKIP":
        print("    ok %d %s # SKIP (kunit)" % (n, name))
    else:
        print("    not ok %d %s # %s" % (n, name, status))
        bad = 1
sys.exit(1 if bad or not cases else 0)
PY
	then
		echo "not ok $i $suite"
		rc=1
	else
		echo "ok $i $suite"
	fi
done
i=$((i + 1))
if [ "$vmrc" != 0 ]; then
	echo "# odx-vm exited $vmrc"
	echo "not ok $i kunit-vm"
	rc=1
elif [ ${#files[@]} = 0 ]; then
	echo "# no KTAP results collected"
	echo "not ok $i kunit-vm"
	rc=1
else
	echo "ok $i kunit-vm"
fi
exit "$rc"
