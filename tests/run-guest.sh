#!/bin/bash
# Runs inside the guest (scripts/odx-vm). Each suite prints "ok - NAME" /
# "not ok - NAME" per test.
#   tests/run-guest.sh           debug kernel: block device, token copy, hardening
#   tests/run-guest.sh --stock   stock kernels: a block device subset, token copy, odxctl
#                                (the token suite on $ODX_DKMS_BUILD/odx.ko when set)
top=$(cd "$(dirname "$0")/.." && pwd)
rc=0
case "${1:-}" in
--stock)
	"$top/tests/guest/run.sh" rw-buffered rw-direct fio-verify create-remove || rc=1
	if [ -n "${ODX_DKMS_BUILD:-}" ]; then
		# The module as DKMS built it from the odx-dkms package (make test's deb step).
		echo "# token suite on the DKMS-built $ODX_DKMS_BUILD/odx.ko"
		ODX_BUILD=$ODX_DKMS_BUILD "$top/tests/token/run.sh" |
			sed -e 's/^ok - /ok - dkms:/' -e 's/^not ok - /not ok - dkms:/'
		[ "${PIPESTATUS[0]}" = 0 ] || rc=1
	else
		"$top/tests/token/run.sh" || rc=1
	fi
	"$top/tests/odxctl/run.sh" || rc=1
	"$top/tests/scsi/run.sh" || rc=1
	;;
*)
	"$top/tests/guest/run.sh" || rc=1
	"$top/tests/token/run.sh" || rc=1
	"$top/tests/scsi/run.sh" || rc=1
	if [ -x "$top/tests/hardening/run.sh" ]; then
		"$top/tests/hardening/run.sh" || rc=1
	fi
	;;
esac
exit $rc
