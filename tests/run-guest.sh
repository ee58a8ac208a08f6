#!/bin/sh
# Runs inside the guest (scripts/odx-vm). Each suite prints "ok - NAME" /
# "not ok - NAME" per test.
#   tests/run-guest.sh           debug kernel: block device, token copy, hardening
#   tests/run-guest.sh --stock   stock kernels: a block device subset, token copy, odxctl
top=$(cd "$(dirname "$0")/.." && pwd)
rc=0
case "${1:-}" in
--stock)
	"$top/tests/guest/run.sh" rw-buffered rw-direct fio-verify create-remove || rc=1
	"$top/tests/token/run.sh" || rc=1
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
