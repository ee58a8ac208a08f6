#!/usr/bin/env bash
# Fuzz the SCSI front's parameter list decoders (odx_parse.c built in userspace
# with ASan and UBSan: POPULATE TOKEN, WRITE USING TOKEN, range descriptors, MODE
# SELECT) for a bounded time; any crash or broken invariant fails.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
make -s -C "$top/tests/fuzz" run-scsi T="${FUZZ_SECONDS:-30}" > "$top/build/fuzz-scsi.log" 2>&1 ||
	{ tail -n 40 "$top/build/fuzz-scsi.log"; exit 1; }
grep -E 'stat::number_of_executed_units' "$top/build/fuzz-scsi.log"
