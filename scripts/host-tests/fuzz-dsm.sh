#!/usr/bin/env bash
# Fuzz the DSM request parser (odx_parse.c built in userspace with ASan and UBSan)
# for a bounded time from the committed seed corpus; any crash or broken invariant
# fails. `make fuzz` runs it longer (FUZZ_SECONDS).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
make -s -C "$top/tests/fuzz" run T="${FUZZ_SECONDS:-30}" > "$top/build/fuzz.log" 2>&1 ||
	{ tail -n 40 "$top/build/fuzz.log"; exit 1; }
grep -E 'stat::number_of_executed_units' "$top/build/fuzz.log"
