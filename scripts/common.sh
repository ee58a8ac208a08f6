# shellcheck shell=bash
# Shared paths and helpers for the odx scripts. Source it; do not run it.

ODX_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ODX_CACHE=${ODX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/odx}

# Debian package that provides the debug kernel's source.
ODX_SRC_PKG=linux-source-6.12

odx_log() { printf 'odx: %s\n' "$*" >&2; }
odx_die() { printf 'odx: error: %s\n' "$*" >&2; exit 1; }

# Installed version of a Debian package, or empty.
odx_pkg_version() {
	dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null |
		awk '$3 == "installed" { print $4 }'
}

# Cache directory of the debug kernel for the current source and fragment.
odx_debug_kernel_dir() {
	local ver key
	ver=$(odx_pkg_version "$ODX_SRC_PKG")
	[ -n "$ver" ] || odx_die "$ODX_SRC_PKG is not installed (run make setup)"
	key=$( { echo "$ver"; cat "$ODX_TOP/scripts/debug-kernel.config"; } |
		sha256sum | cut -c1-16)
	echo "$ODX_CACHE/kernel-debug-$key"
}

# "6.12.117+deb12" from linux-source-6.12's version "6.12.117-1~deb12u1".
odx_debian_612_abi() {
	local ver
	ver=$(odx_pkg_version "$ODX_SRC_PKG")
	[ -n "$ver" ] || ver=$(apt-cache policy "$ODX_SRC_PKG" | awk '/Candidate:/ { print $2 }')
	echo "$ver" | sed -E 's/^([0-9]+\.[0-9]+\.[0-9]+)-[0-9]+~(deb[0-9]+)u[0-9]+$/\1+\2/'
}

# "6.1.0-56" from the installed linux-headers-amd64 dependency.
odx_debian_61_abi() {
	apt-cache depends linux-headers-amd64 2>/dev/null |
		sed -nE 's/.*Depends: linux-headers-(6\.1\.0-[0-9]+)-amd64.*/\1/p' | head -n 1
}

# Kernel build directory (KDIR) for a kernel name: debug, debian-6.1, debian-6.12.
# For debug this builds the kernel when the cache has none.
odx_kdir() {
	case "$1" in
	debug) "$ODX_TOP/scripts/build-kernel.sh" ;;
	debian-6.1) echo "/usr/src/linux-headers-$(odx_debian_61_abi)-amd64" ;;
	debian-6.12) echo "/usr/src/linux-headers-$(odx_debian_612_abi)-amd64" ;;
	*) odx_die "unknown kernel '$1' (debug, debian-6.1, debian-6.12)" ;;
	esac
}

# Where the module built for a kernel name lives.
odx_build_dir() { echo "$ODX_TOP/build/$1"; }
