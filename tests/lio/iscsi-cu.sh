#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# libiscsi's SCSI conformance suite (iscsi-test-cu, Debian package libiscsi-bin)
# against an odx LUN served by LIO over iSCSI (tests/lio/run.sh sets the
# target up and runs this as one batch). The parsing is tests/scsi/iscsi-test-cu.sh's.
#
#   tests/lio/iscsi-cu.sh URL [MPATH_URL]   run the families; destroys the LUN's data
#   tests/lio/iscsi-cu.sh --list            the case names, one a line
#
# One KTAP "ok N iscsi_FAMILY" / "not ok N iscsi_FAMILY" line per family
# (ALL.FAMILY, one iscsi-test-cu run each, FAMILIES below), with a diagnostic
# saying how many of its tests ran, passed, failed and skipped themselves. A
# family passes when every test that failed is one of KNOWN's (LIO's own
# behaviour, not odx's: the reason is printed with it); a family whose tests
# all skipped themselves is a KTAP SKIP with their reason. Exits 0 iff no
# family failed.
set -u -o pipefail

# The families odx and LIO serve, in run order (measured: all of them take
# about 120 s on a stock 6.12 TCG guest, about 600 s on the debug kernel).
FAMILIES=(TestUnitReady Inquiry Mandatory ReadCapacity10 ReadCapacity16
	  Read6 Read10 Read12 Read16 Write10 Write12 Write16
	  WriteVerify10 WriteVerify12 WriteVerify16 Verify10 Verify12 Verify16
	  WriteSame10 WriteSame16 Unmap CompareAndWrite GetLBAStatus
	  Prefetch10 Prefetch16 OrWrite WriteAtomic16
	  ModeSense6 ReportSupportedOpcodes PreventAllow StartStopUnit
	  ExtendedCopy ReceiveCopyResults
	  PrinReadKeys PrinServiceactionRange PrinReportCapabilities ProutRegister
	  ProutReserve ProutClear ProutPreempt Reserve6
	  iSCSIcmdsn iSCSIdatasn iSCSIResiduals iSCSITMF MultipathIO)

# On the debug kernel (KASAN, lockdep: about 5x slower) and on 6.1, a core of
# them; every family runs on stock 6.12, which keeps make test within its time.
# The core is the families that reach odx_target's own code rather than LIO's
# (reservations, mode pages, opcode tables, TMFs, COMPARE AND WRITE's
# emulation, the iSCSI layer: the same on any backstore, and covered on 6.12):
# Inquiry (standard INQUIRY's 3PC, VPD 0x00 and 0x8F are odx's, Block Limits
# its unmap limits), ReadCapacity16 (the capacity odx reports, LBPME),
# Write10 (the data path: 1-256 blocks, zero-length and past-the-end
# transfers against odx's capacity, 1000 commands in flight in Async), Unmap
# (the unmap path: 256 blocks written, unmapped 1-256 at a time and read back
# with READ(10) each time: the data path's reads), and ExtendedCopy and
# ReceiveCopyResults (third-party copy: odx_target takes TPC_OUT's and
# TPC_IN's token service actions and leaves these to LIO, whose copy engine
# reads and writes through odx_target's data path; skipped on the debug
# kernel, whose ODEBUG trips on LIO's EXTENDED COPY, as their SKIP says).
# WRITE SAME is tests/lio/run.sh's write_same_through_lun on every kernel.
# Measured on the debug kernel: the 14 families of the core before took 210 s
# (Read10 36 s, Write10 26 s, WriteSame16 47 s, CompareAndWrite 34 s, Unmap
# 16 s); these about 50 s.
CORE=(Inquiry ReadCapacity16 Write10 Unmap ExtendedCopy ReceiveCopyResults)
if [ "${ODX_KERNEL:-}" != debian-6.12 ]; then
	FAMILIES=("${CORE[@]}")
fi

# Tests that fail through LIO's behaviour, not odx's: "Family.Suite.Test reason".
vfy="LIO answers VERIFY with GOOD unseen (sbc_parse_cdb: sbc_emulate_noop): no VRPROTECT or DPO check, no BYTCHK compare"
res="LIO refuses a WRITE whose iSCSI expected data transfer length is not the CDB's (target_cmd_size_check: Rejecting underflow/overflow for WRITE data CDB, INVALID FIELD IN COMMAND IU); libiscsi wants GOOD with a residual"
caw="LIO refuses COMPARE AND WRITE of more than its one block with 0x05/0x0E03 (INVALID FIELD IN COMMAND IU) where libiscsi wants INVALID FIELD IN CDB; LIO's own rd_mcp ramdisk backstore answers the same (measured on stock 6.12 over the same iSCSI set-up)"
KNOWN=(
	"Verify10.Verify10.VerifyProtect $vfy"
	"Verify10.Verify10.Dpo $vfy"
	"Verify10.Verify10.Mismatch $vfy"
	"Verify16.Verify16.VerifyProtect $vfy"
	"Verify16.Verify16.Dpo $vfy"
	"Verify16.Verify16.Mismatch $vfy"
	"ReceiveCopyResults.ReceiveCopyResults.CopyStatus LIO's RECEIVE COPY RESULTS has OPERATING PARAMETERS only (target_core_xcopy.c): COPY STATUS is INVALID FIELD IN CDB"
	"iSCSIResiduals.iSCSIResiduals.Write10Residuals $res"
	"iSCSIResiduals.iSCSIResiduals.Write12Residuals $res"
	"iSCSIResiduals.iSCSIResiduals.Write16Residuals $res"
	"iSCSIResiduals.iSCSIResiduals.WriteVerify10Residuals $res"
	"iSCSIResiduals.iSCSIResiduals.WriteVerify16Residuals $res"
	"iSCSIdatasn.iSCSIdatasn.iSCSIDataSnInvalid LIO at ERL 0 drops the connection on a wrong DataSN (kernel: Unable to perform within-command recovery while ERL=0); libiscsi logs in again and replays the command, which succeeds, where the test wants it to fail"
	"Reserve6.Reserve6.ITNexusLoss LIO's iSCSI target refuses TARGET COLD RESET (kernel: TMR Opcode TARGET_COLD_RESET authorization failed for Initiator Node), which the test uses to end the nexus"
	"CompareAndWrite.CompareAndWrite.Simple $caw"
	"CompareAndWrite.CompareAndWrite.Miscompare $caw"
	"MultipathIO.MultipathIO.CompareAndWrite $caw"
	"MultipathIO.MultipathIO.CompareAndWriteAsync $caw"
	"Reserve6.Reserve6.Logout LIO keeps an SPC-2 RESERVE(6) after its holder logs out (target_core_pr.c; odx_target has no reservation code): the second initiator's RESERVE(6) still conflicts"
)

if [ "${1:-}" = --list ]; then
	printf 'iscsi_%s\n' "${FAMILIES[@]}"
	exit 0
fi
URL=${1:?usage: $0 URL [MPATH_URL] | --list}
MPATH=${2:-}
if ! command -v iscsi-test-cu >/dev/null 2>&1; then
	echo "# iscsi-test-cu is missing (apt-get install libiscsi-bin)"
	n=0
	for f in "${FAMILIES[@]}"; do n=$((n + 1)); echo "not ok $n iscsi_$f"; done
	exit 1
fi
W=$(mktemp -d /tmp/odx-iscsi-cu.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1

known_reason() {	# known_reason Family.Suite.Test: KNOWN's reason, or nothing
	local k
	for k in "${KNOWN[@]}"; do
		[ "${k%% *}" = "$1" ] && { echo "${k#* }"; return 0; }
	done
	return 1
}

# shellcheck source=SCRIPTDIR/../lib/cunit.sh
. "$(dirname "$0")/../lib/cunit.sh"

sel=" ${CHECK_SELECTED:-} "
n=0 failed=0 tot_all=0 pass_all=0 fail_all=0
start=$SECONDS
for fam in "${FAMILIES[@]}"; do
	[ "$sel" = "  " ] || [[ $sel == *" iscsi_$fam "* ]] || continue
	n=$((n + 1))
	if [[ $fam == @(ExtendedCopy|ReceiveCopyResults) ]] && [ "${ODX_KERNEL:-}" = debug ]; then
		# As tests/lio/run.sh's sg_xcopy case: LIO's own defect.
		echo "ok $n iscsi_$fam # SKIP LIO's xcopy puts an unannotated work item on the stack (ODEBUG splat on the debug kernel)"
		continue
	fi
	t0=$SECONDS
	# (MultipathIO wants the second URL; the others ignore it.)
	timeout -k 5 300 iscsi-test-cu --dataloss -n -t "ALL.$fam" "$URL" ${MPATH:+"$MPATH"} \
		>"$W/out" 2>&1
	rc=$?
	cu_parse "$W/out"
	if [ -z "$tot" ]; then
		echo "# $fam: no run summary (exit $rc)"
		head -c 1500 "$W/out" | sed 's/^/#   /'
		echo "not ok $n iscsi_$fam"
		failed=1
		continue
	fi
	tot_all=$((tot_all + tot)) pass_all=$((pass_all + pass)) fail_all=$((fail_all + fail))
	echo "# $fam: $tot tests, $ran ran, $pass passed, $fail failed, $skips skip messages ($((SECONDS - t0)) s)"
	# Which tests failed: "Suite S, Test T had failures:".
	unknown=0
	for f in "${failures[@]}"; do
		suite=${f%% *} test=${f#* }
		if reason=$(known_reason "$fam.$suite.$test"); then
			echo "#   $suite.$test: fails, LIO's behaviour: $reason"
		else
			echo "#   $suite.$test: FAILS"
			unknown=1
		fi
	done
	if [ "$fail" != 0 ]; then
		# The target's own words, if it logged any.
		dmesg 2>/dev/null | grep -v 'odx-check:' | tail -n 3 | sed 's/^/#     kernel: /'
	fi
	if [ "$unknown" = 1 ] || { [ "$fail" != 0 ] && [ ${#failures[@]} = 0 ]; }; then
		grep -E '^ +[0-9]+\. |\[FAILED\]' "$W/out" | sort | uniq -c | head -n 12 | sed 's/^/#     /'
		echo "not ok $n iscsi_$fam"
		failed=1
	elif [ "$tot" -gt 0 ] && [ "$pass" = 0 ] && [ "$fail" = 0 ]; then
		why=${skip_lines[0]:-}
		why=${why#* }
		why=${why#\[SKIPPED\]}
		why=${why#"${why%%[! ]*}"}
		echo "ok $n iscsi_$fam # SKIP every test skipped itself: ${why:-no reason given}"
	elif [ "$tot" = 0 ]; then
		echo "# $fam: no tests"
		echo "not ok $n iscsi_$fam"
		failed=1
	else
		for k in "${skip_lines[@]:0:5}"; do
			echo "#   $k"
		done
		echo "ok $n iscsi_$fam"
	fi
done
echo "# iscsi-test-cu: $pass_all of $tot_all tests passed, $fail_all failed ($((SECONDS - start)) s)"
exit "$failed"
