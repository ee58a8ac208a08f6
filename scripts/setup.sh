#!/usr/bin/env bash
# Install what odx needs on a Debian 12 machine: the one setup step. `make setup`,
# `make test` and `make bench` run it whole; `make run` runs only its demo part.
# Nothing else calls apt-get: `make module`, `make tests`, `make kunit`, ... report a
# missing package and name this script. Idempotent and quiet when everything is
# there already. Needs root (or sudo) for apt-get.
#   scripts/setup.sh [--demo] [--bench]
#     (none)   everything: the debug kernel's source, both kernels' headers, test tools
#     --demo   only what `make run` uses: a compiler, QEMU, busybox, the 6.1 headers
#     --bench  also gnuplot, for `make bench`'s plot
set -euo pipefail
. "$(dirname "$0")/common.sh"

demo_pkgs=(build-essential kmod cpio xz-utils qemu-system-x86 busybox-static
	linux-headers-amd64 gzip file python3 libjson-c-dev pkgconf)
full_pkgs=(flex bison bc libelf-dev libssl-dev linux-source-6.12 fio sparse
	e2fsprogs util-linux perl clang libclang-rt-14-dev ddpt sg3-utils libiscsi-bin
	libiscsi-dev dkms lintian)
profile=full
bench=0
for arg in "$@"; do
	case "$arg" in
	--demo) profile=demo ;;
	--bench) bench=1 ;;
	*) odx_die "usage: $0 [--demo] [--bench]" ;;
	esac
done
pkgs=("${demo_pkgs[@]}")
[ "$profile" = demo ] || pkgs+=("${full_pkgs[@]}")
[ "$bench" = 0 ] || pkgs+=(gnuplot-nox)

missing_pkgs() {
	local p abi
	for p in "${pkgs[@]}"; do
		[ -n "$(odx_pkg_version "$p")" ] || echo "$p"
	done
	[ "$profile" = full ] || return 0
	# Debian's 6.12 headers of the same version as linux-source-6.12.
	abi=$(odx_debian_612_abi)
	if [ -z "$abi" ]; then
		echo "?"
	elif [ -z "$(odx_pkg_version "linux-headers-$abi-amd64")" ]; then
		echo "linux-headers-$abi-amd64"
	fi
}

missing=$(missing_pkgs)
[ -n "$missing" ] || exit 0

sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
odx_log "installing packages (apt-get update first)"
$sudo apt-get update -qq
missing=$(missing_pkgs)
case "$missing" in *"?"*) odx_die "cannot tell the version of linux-source-6.12" ;; esac
odx_log "installing: $(echo $missing)"
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
