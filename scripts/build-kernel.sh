#!/usr/bin/env bash
# Build (or reuse) the odx debug test kernel from Debian's linux-source-6.12 with
# scripts/debug-kernel.config merged onto x86_64 tinyconfig. The result lives in the
# cache, keyed by the source package version and the fragment; a second call is instant.
# Prints the kernel build directory (usable as KDIR; bzImage at arch/x86/boot/bzImage).
#   scripts/build-kernel.sh [--extract]   --extract: only unpack the source (what
#                                         checkpatch needs) and print its directory
set -euo pipefail
. "$(dirname "$0")/common.sh"

extract=0
[ "${1:-}" = --extract ] && extract=1
out=$(odx_debug_kernel_dir)
if [ $extract = 0 ] && [ -f "$out/.odx-done" ]; then
	echo "$out"
	exit 0
fi
# One build at a time: a second caller waits for the first instead of wiping its
# half-built tree, then finds it done.
mkdir -p "$ODX_CACHE"
exec 9>"$ODX_CACHE/kernel-build.lock"
flock 9
if [ $extract = 0 ] && [ -f "$out/.odx-done" ]; then
	echo "$out"
	exit 0
fi

ver=$(odx_pkg_version "$ODX_SRC_PKG")
src="$ODX_CACHE/src-$ver"
tarball=/usr/src/linux-source-6.12.tar.xz
[ -f "$tarball" ] || odx_die "$tarball missing (run make setup)"

if [ ! -f "$src/.odx-extracted" ]; then
	odx_log "extracting $tarball"
	rm -rf "$src"
	mkdir -p "$src"
	tar -xf "$tarball" -C "$src" --strip-components=1
	touch "$src/.odx-extracted"
fi
if [ $extract = 1 ]; then
	echo "$src"
	exit 0
fi

odx_log "building the debug kernel in $out (about 10-20 minutes on 2 cores)"
rm -rf "$out"
mkdir -p "$out"
jobs=$(nproc)
kmake() { make -C "$src" O="$out" ARCH=x86_64 -j"$jobs" "$@"; }
kmake -s tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
	"$ODX_TOP/scripts/debug-kernel.config" >/dev/null
kmake -s olddefconfig >/dev/null

# Every option the fragment asks for must have survived olddefconfig.
bad=0
while IFS= read -r line; do
	case "$line" in CONFIG_*) ;; *) continue ;; esac
	opt=${line%%=*}
	val=${line#*=}
	if [ "$val" = n ]; then
		if grep -q "^$opt=" "$out/.config"; then
			odx_log "config: $opt should be unset"; bad=1
		fi
	elif ! grep -qx "$line" "$out/.config"; then
		odx_log "config: wanted $line, got $(grep "^$opt=" "$out/.config" || echo unset)"
		bad=1
	fi
done < "$ODX_TOP/scripts/debug-kernel.config"
[ "$bad" = 0 ] || odx_die "config fragment did not apply; fix scripts/debug-kernel.config"

log="$out/build.log"
if ! kmake bzImage modules >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	odx_die "kernel build failed; full log in $log"
fi
touch "$out/.odx-done"
echo "$out"
