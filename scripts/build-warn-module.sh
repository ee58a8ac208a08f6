#!/usr/bin/env bash
# Build tests/warn/odx_warn.ko (a module that WARNs on load) for the debug kernel,
# into build/debug/warn/. Used to prove that scripts/odx-vm fails on kernel splats.
set -euo pipefail
. "$(dirname "$0")/common.sh"
out=$(odx_build_dir debug)/warn
mkdir -p "$out"
cp "$ODX_TOP"/tests/warn/Kbuild "$ODX_TOP"/tests/warn/odx_warn.c "$out/"
make -C "$(odx_kdir debug)" M="$out" modules >"$out/build.log" 2>&1 ||
	{ cat "$out/build.log"; exit 1; }
echo "$out/odx_warn.ko"
