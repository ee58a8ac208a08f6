#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the guest (scripts/odx-vm): the guest suites, each a KTAP
# subtest (indented four spaces, "# Subtest: NAME") of one KTAP document.
#   tests/run-guest.sh [SUITE...]          debug kernel: block device, token copy,
#                                          SCSI, LIO, hardening
#   tests/run-guest.sh --stock [SUITE...]  stock kernels: a block device subset, token
#                                          copy and LIO (both on the modules in
#                                          $ODX_DKMS_BUILD when set), odxctl (6.12),
#                                          SCSI (6.1)
# SUITE names pick some of them (make test runs the debug ones in three guests).
# A suite's line says whether it passed as a whole: exit 0, its plan kept.
top=$(cd "$(dirname "$0")/.." && pwd)

suites=()	# NAME:COMMAND (eval'd)
stock=0
[ "${1:-}" = --stock ] && { stock=1; shift; }
case $stock in
1)
	suites+=("block:\"\$top/tests/guest/run.sh\" rw-buffered rw-direct fio-verify create-remove")
	if [ -n "${ODX_DKMS_BUILD:-}" ]; then
		# The module as DKMS built it from the odx-dkms package (make test's deb step).
		suites+=("token-dkms:ODX_BUILD=\$ODX_DKMS_BUILD \"\$top/tests/token/run.sh\"")
	else
		suites+=("token:\"\$top/tests/token/run.sh\"")
	fi
	# odxctl is user space over the ioctls and configfs that the token and
	# lio suites test on every kernel: it runs on the newest one (3.5 min).
	# The SCSI front (SG_IO on /dev/odxN, odx's own code) runs on 6.1: the
	# debug kernel is the same 6.12 source as stock 6.12, with KASAN (5 min).
	case $(uname -r) in
	6.1.*) suites+=("scsi:\"\$top/tests/scsi/run.sh\"") ;;
	*) suites+=("odxctl:\"\$top/tests/odxctl/run.sh\"") ;;
	esac
	if [ -n "${ODX_DKMS_BUILD:-}" ]; then
		# odx.ko and odx_target.ko as DKMS built them, serving LUNs.
		suites+=("lio-dkms:ODX_BUILD=\$ODX_DKMS_BUILD \"\$top/tests/lio/run.sh\"")
	else
		suites+=("lio:\"\$top/tests/lio/run.sh\"")
	fi
	;;
*)
	suites+=("block:\"\$top/tests/guest/run.sh\"")
	suites+=("token:\"\$top/tests/token/run.sh\"")
	suites+=("scsi:\"\$top/tests/scsi/run.sh\"")
	suites+=("lio:\"\$top/tests/lio/run.sh\"")
	suites+=("hardening:\"\$top/tests/hardening/run.sh\"")
	;;
esac
if [ $# -gt 0 ]; then
	all=("${suites[@]}")
	suites=()
	for want in "$@"; do
		for s in "${all[@]}"; do
			case ${s%%:*} in "$want"|"$want"-*) suites+=("$s") ;; esac
		done
	done
	[ ${#suites[@]} = $# ] || { echo "run-guest.sh: no such suite among: ${all[*]%%:*}" >&2; exit 2; }
fi

echo "KTAP version 1"
echo "1..${#suites[@]}"
rc=0
i=0
for s in "${suites[@]}"; do
	i=$((i + 1))
	name=${s%%:*}
	echo "    # Subtest: $name"
	eval "${s#*:}" 2>&1 | awk -v out="/tmp/odx-suite-$i.count" '
		/^(KTAP|TAP) version / { print "    " $0; next }
		/^1\.\.[0-9]+$/ { plan = substr($0, 4) + 0; seen = 1 }
		/^(not )?ok [0-9]+ / { n++ }
		{ print "    " $0 }
		END { print (seen && plan == n) ? "ok" : "bad " plan + 0 " " n + 0 > out }'
	src=${PIPESTATUS[0]}
	plan=$(cat "/tmp/odx-suite-$i.count" 2>/dev/null)
	if [ "$src" = 0 ] && [ "$plan" = ok ]; then
		echo "ok $i $name"
	else
		[ "$plan" = ok ] || echo "# $name: no plan, or its plan and results disagree ($plan)"
		echo "not ok $i $name"
		rc=1
	fi
done
exit $rc
