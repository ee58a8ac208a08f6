#!/usr/bin/env bash
# Install what odx needs to build and test on a Debian 12 machine. Idempotent and quiet
# when everything is there already. Needs root (or sudo) for apt-get.
set -euo pipefail
. "$(dirname "$0")/common.sh"

pkgs=(build-essential flex bison bc libelf-dev libssl-dev cpio xz-utils kmod
	qemu-system-x86 busybox-static linux-source-6.12 linux-headers-amd64
	fio sparse e2fsprogs util-linux python3 gzip file perl clang libclang-rt-14-dev
	ddpt sg3-utils)

missing_pkgs() {
	local p abi
	for p in "${pkgs[@]}"; do
		[ -n "$(odx_pkg_version "$p")" ] || echo "$p"
	done
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
