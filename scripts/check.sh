#!/usr/bin/env bash
# Static checks of the kernel sources.
#   scripts/check.sh checkpatch   checkpatch.pl --strict on every kernel source file
#   scripts/check.sh sparse       a sparse (C=2) build against the debug kernel
# The compat header is the one place allowed to test LINUX_VERSION_CODE; the
# checkpatch types that follows from that are ignored there alone.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$ODX_TOP"

# The unpacked kernel source (for checkpatch.pl), without building the kernel.
src=$ODX_CACHE/src-$(odx_pkg_version "$ODX_SRC_PKG")
[ -f "$src/.odx-extracted" ] || src=$("$ODX_TOP/scripts/build-kernel.sh" --extract)

case "${1:-}" in
checkpatch)
	cp=("$src/scripts/checkpatch.pl" --strict --no-tree --terse --show-types
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG)
	files=$(ls odx_*.c include/odx_*.h include/uapi/linux/odx.h kunit/*.c tests/warn/*.c |
		grep -v odx_compat.h)
	rc=0
	"${cp[@]}" -f $files || rc=1
	"${cp[@]}" --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON,NEW_TYPEDEFS,MACRO_WITH_FLOW_CONTROL,MACRO_ARG_UNUSED \
		-f include/odx_compat.h || rc=1
	exit "$rc"
	;;
sparse)
	command -v sparse >/dev/null || odx_die "sparse missing (run make setup)"
	out=$(odx_build_dir debug)
	"$ODX_TOP/scripts/build-module.sh" debug >/dev/null
	log=$(make -C "$(odx_kdir debug)" M="$out" C=2 modules 2>&1) || { echo "$log"; exit 1; }
	if echo "$log" | grep -E 'warning:|error:'; then
		exit 1
	fi
	;;
*) odx_die "usage: $0 checkpatch|sparse" ;;
esac
