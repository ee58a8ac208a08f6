#!/usr/bin/env bash
# `make bench`: odx's benchmark, in the guest on the stock Debian 6.12 kernel (no
# debug options). Every figure is a ratio against a baseline measured in the same
# run. Writes results/bench.md, results/bench.png and results/bench.raw, and
# prints the table.
#   scripts/bench.sh [--short]   --short: a quick run that only checks the shared
#                                path was taken (used by make test)
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$ODX_TOP"

short=
[ "${1:-}" = --short ] && short=--short
"$ODX_TOP/scripts/build-module.sh" debian-6.12 >/dev/null
make -s -C tools
# The page-granular store before chunks (issue 15), for the mint and release
# comparison: odx.ko of that commit, built for the same kernel.
old_store=d2e0ca7
old_ko=
if [ -z "$short" ] && git -C "$ODX_TOP" cat-file -e "$old_store^{commit}" 2>/dev/null; then
	old_src=$ODX_TOP/build/bench-old
	rm -rf "$old_src"
	mkdir -p "$old_src"
	git -C "$ODX_TOP" archive "$old_store" Kbuild dkms.conf include 'odx_*.c' |
		tar -x -C "$old_src"
	make -s -C "$(odx_kdir debian-6.12)" M="$old_src" CONFIG_KUNIT= modules \
		>"$old_src/build.log" 2>&1 || odx_die "building the old store failed ($old_src/build.log)"
	old_ko=$old_src/odx.ko
else
	[ -n "$short" ] || odx_log "no git history with $old_store: no comparison with the old store"
fi
# The short run (make test) must not overwrite the published results.
out=$ODX_TOP/results
[ -z "$short" ] || out=$ODX_TOP/build/bench-short
mkdir -p "$out"
vmout=$(mktemp -d /tmp/odx-bench.XXXXXX)
trap 'rm -rf "$vmout"' EXIT
"$ODX_TOP/scripts/odx-vm" --kernel debian-6.12 --mem 3072 --timeout 3000 --out "$vmout" \
	-- env ODX_BENCH_OLD="$old_ko" tests/bench-guest.sh $short
cp "$vmout/bench.raw" "$out/bench.raw"
if [ -n "$short" ]; then
	shared=$(awk '$1 == "bytes_shared" { print $2 }' "$out/bench.raw")
	echo "bytes shared by offload writes: $shared"
	[ "${shared:-0}" -gt 0 ]
	exit
fi
python3 "$ODX_TOP/scripts/bench-report.py" "$out/bench.raw" "$out"
cat "$out/bench.md"
