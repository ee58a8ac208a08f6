#!/bin/sh
# Runs inside the guest (scripts/odx-vm): the block device suite, then the token
# copy suite. Each prints "ok - NAME" / "not ok - NAME" per test.
#   tests/run-guest.sh           everything (debug kernel)
#   tests/run-guest.sh --smoke   the stock-kernel smoke subset
top=$(cd "$(dirname "$0")/.." && pwd)
rc=0
if [ "${1:-}" = --smoke ]; then
	"$top/tests/guest/run.sh" rw-buffered rw-direct fio-verify create-remove || rc=1
	"$top/tests/token/run.sh" --smoke || rc=1
else
	"$top/tests/guest/run.sh" || rc=1
	"$top/tests/token/run.sh" || rc=1
fi
exit $rc
