#!/usr/bin/env bash
# Build odx.ko (and odx_kunit.ko where the kernel has KUnit) for one kernel, with W=1,
# in build/KERNEL/ so builds for different kernels do not clobber each other.
# Fails on any compiler warning.
#   scripts/build-module.sh [debug|debian-6.1|debian-6.12] [extra make args...]
# KDIR=... overrides the kernel tree (the output then goes to build/custom).
set -euo pipefail
. "$(dirname "$0")/common.sh"

kernel=${1:-debug}
[ $# -gt 0 ] && shift
if [ -n "${KDIR:-}" ]; then
	kdir=$KDIR
	kernel=custom
else
	kdir=$(odx_kdir "$kernel")
fi
[ -d "$kdir" ] || odx_die "no kernel tree at $kdir (run make setup)"

out=$(odx_build_dir "$kernel")
mkdir -p "$out"
# Mirror the sources; make only rebuilds what changed.
for f in Kbuild dkms.conf odx_*.c include kunit; do
	cp -a --no-preserve=ownership -u "$ODX_TOP/$f" "$out/" 2>/dev/null ||
		cp -a "$ODX_TOP/$f" "$out/"
done
# Sources removed from the tree must not linger in the mirror.
for f in "$out"/odx_*.c "$out"/kunit/*.c; do
	[ -e "$ODX_TOP/${f#"$out"/}" ] || rm -f "$f"
done

log="$out/build.log"
if ! make -C "$kdir" M="$out" W=1 "$@" modules >"$log" 2>&1; then
	cat "$log" >&2
	odx_die "module build failed for $kernel"
fi
if grep -E 'warning:|error:' "$log" >&2; then
	odx_die "module build for $kernel has warnings"
fi
echo "$out"
