#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# libiscsi's SCSI conformance suite (iscsi-test-cu, Debian package libiscsi-bin)
# against an odx device through SG_IO. Runs INSIDE the guest, as root, with odx
# loaded (tests/scsi/run.sh calls it in its default pass):
#
#   tests/scsi/iscsi-test-cu.sh [DEVICE]          (default /dev/odx0; destroys its data)
#   tests/scsi/iscsi-test-cu.sh --list            the names of its cases
#
# Runs each family (ALL.<Family>) on its own. The families odx claims to support
# each print one "ok - iscsi.FAMILY" or "not ok - iscsi.FAMILY" line: every test
# in them must pass (a test may skip itself only where odx lacks an optional
# feature, e.g. DPO/FUA bits or protection information). Every other family
# must not fail either: odx refuses what it does not do with INVALID OPERATION
# CODE and the suite skips it; those are listed as "# " diagnostics and counted
# in one "ok - iscsi.unsupported_families" line. Exits 0 iff every line is ok.
set -u -o pipefail

DEV=${1:-/dev/odx0}
SUPPORTED=(TestUnitReady Inquiry ReadCapacity10 ReadCapacity16 Read10 Read12 Read16
	   Write10 Write12 Write16 ModeSense6 ReportSupportedOpcodes)
failed=0

if [ "$DEV" = --list ]; then
	printf 'iscsi.%s\n' "${SUPPORTED[@]}" unsupported_families
	exit 0
fi
if ! command -v iscsi-test-cu >/dev/null 2>&1; then
	echo "# iscsi-test-cu is missing (apt-get install libiscsi-bin)"
	echo "not ok - iscsi.setup"
	exit 1
fi
W=$(mktemp -d /tmp/odx-iscsi.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1

families=$(iscsi-test-cu --list 2>/dev/null | sed -n 's/^ALL\.\([^.]*\)$/\1/p')
if [ -z "$families" ]; then
	echo "# iscsi-test-cu --list gave no families"
	echo "not ok - iscsi.setup"
	exit 1
fi

tot_all=0 pass_all=0 fail_all=0 other_fail=0 other_n=0
start=$(date +%s)
for fam in $families; do
	timeout -k 5 600 iscsi-test-cu --dataloss -n -t "ALL.$fam" "$DEV" >"$W/out" 2>&1
	rc=$?
	# CUnit's run summary: "tests TOTAL RAN PASSED FAILED INACTIVE"
	summary=$(sed -n 's/^ *tests *\([0-9]*\) *\([0-9]*\) *\([0-9]*\) *\([0-9]*\).*/\1 \2 \3 \4/p' \
		"$W/out" | head -n 1)
	tot= pass= fail=
	[ -n "$summary" ] && read -r tot _ pass fail <<<"$summary"
	skips=$(grep -c '\[SKIPPED\]' "$W/out")
	if [ -z "${tot:-}" ]; then
		tot=0 pass=0 fail=1
		echo "# $fam: no run summary (exit $rc)"
		head -c 1500 "$W/out" | sed 's/^/# /'
	fi
	tot_all=$((tot_all + tot))
	pass_all=$((pass_all + pass))
	fail_all=$((fail_all + fail))
	supported=0
	for s in "${SUPPORTED[@]}"; do
		[ "$s" = "$fam" ] && supported=1
	done
	echo "# $fam: $tot tests, $pass passed, $fail failed, $skips skip messages$([ "$supported" = 1 ] && echo ' (supported)')"
	if [ "$fail" != 0 ]; then
		grep -E '\[FAILED\]|had failures|^ +[0-9]+\. ' "$W/out" | head -n 12 | sed 's/^/#   /'
	fi
	if [ "$supported" = 1 ]; then
		if [ "$fail" = 0 ] && [ "$tot" -gt 0 ]; then
			echo "ok - iscsi.$fam"
		else
			echo "not ok - iscsi.$fam"
			failed=1
		fi
	else
		other_n=$((other_n + 1))
		[ "$fail" = 0 ] || other_fail=$((other_fail + 1))
	fi
done
echo "# iscsi-test-cu: $pass_all of $tot_all tests passed, $fail_all failed ($(( $(date +%s) - start )) s)"
echo "# $other_fail of $other_n families odx does not claim had failures"
if [ "$other_fail" = 0 ]; then
	echo "ok - iscsi.unsupported_families"
else
	echo "not ok - iscsi.unsupported_families"
	failed=1
fi
exit "$failed"
