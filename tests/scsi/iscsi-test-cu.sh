#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# libiscsi's SCSI conformance suite (iscsi-test-cu, Debian package libiscsi-bin)
# against an odx device through SG_IO. Runs INSIDE the guest, as root, with odx
# loaded (tests/scsi/run.sh calls it in its default pass):
#
#   tests/scsi/iscsi-test-cu.sh [DEVICE]          (default /dev/odx0; destroys its data)
#   tests/scsi/iscsi-test-cu.sh --list            the names of its cases
#
# The families odx claims to support run one at a time (ALL.<Family>), each
# printing one "ok - iscsi.FAMILY" or "not ok - iscsi.FAMILY" line: every test
# in them must pass (a test may skip itself only where odx lacks an optional
# feature, e.g. DPO/FUA bits or protection information). Every other family
# must not fail either: odx refuses what it does not do with INVALID OPERATION
# CODE and the suite skips it; they run together in one iscsi-test-cu run
# (-t ALL.A,ALL.B,...), with one "ok - iscsi.unsupported_families" line.
# Exits 0 iff every line is ok.
set -u -o pipefail
# shellcheck source=SCRIPTDIR/../lib/cunit.sh
. "$(dirname "$0")/../lib/cunit.sh"

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

# cu_run NAME SPEC: iscsi-test-cu -t SPEC (ALL.FAMILY[,ALL.FAMILY...]) on
# $DEV; $tot $pass $fail $skips from its output (tests/lib/cunit.sh), $fail 1
# when it has no run summary.
cu_run() {
	local rc
	timeout -k 5 600 iscsi-test-cu --dataloss -n -t "$2" "$DEV" >"$W/out" 2>&1
	rc=$?
	cu_parse "$W/out"
	if [ -z "$tot" ]; then
		tot=0 pass=0 fail=1
		echo "# $1: no run summary (exit $rc)"
		head -c 1500 "$W/out" | sed 's/^/# /'
	fi
	tot_all=$((tot_all + tot))
	pass_all=$((pass_all + pass))
	fail_all=$((fail_all + fail))
	echo "# $1: $tot tests, $pass passed, $fail failed, $skips skip messages"
	if [ "$fail" != 0 ]; then
		grep -E '\[FAILED\]|had failures|^ +[0-9]+\. ' "$W/out" | head -n 12 | sed 's/^/#   /'
	fi
}

tot_all=0 pass_all=0 fail_all=0 others=()
start=$SECONDS
# Each family odx supports in a run of its own: every test in it must pass.
for fam in $families; do
	supported=0
	for s in "${SUPPORTED[@]}"; do
		[ "$s" = "$fam" ] && supported=1
	done
	if [ "$supported" = 0 ]; then
		others+=("$fam")
		continue
	fi
	cu_run "$fam (supported)" "ALL.$fam"
	if [ "$fail" = 0 ] && [ "$tot" -gt 0 ]; then
		echo "ok - iscsi.$fam"
	else
		echo "not ok - iscsi.$fam"
		failed=1
	fi
done
# The families it does not claim, all in one run: no test of theirs may fail.
# (With a run each the script took 176 s on the debug kernel, alone; with
# this, 19 s.)
spec=$(printf ',ALL.%s' "${others[@]}")
cu_run "the ${#others[@]} families odx does not claim (${others[*]})" "${spec#,}"
echo "# iscsi-test-cu: $pass_all of $tot_all tests passed, $fail_all failed ($((SECONDS - start)) s)"
if [ "$fail" = 0 ] && [ "${#others[@]}" -gt 0 ]; then
	echo "ok - iscsi.unsupported_families"
else
	echo "not ok - iscsi.unsupported_families"
	failed=1
fi
exit "$failed"
