#!/usr/bin/env bash
# Install what odx needs to build and test on a Debian 12 machine. Idempotent and quiet
# when everything is there already. Needs root (or sudo) for apt-get.
set -euo pipefail
. "$(dirname "$0")/common.sh"

pkgs=(build-essential flex bison bc libelf-dev libssl-dev cpio xz-utils kmod
	qemu-system-x86 busybox-static linux-source-6.12 linux-headers-amd64
	fio sparse e2fsprogs python3 gzip)

missing=()
for p in "${pkgs[@]}"; do
	[ -n "$(odx_pkg_version "$p")" ] || missing+=("$p")
done
abi612=$(odx_debian_612_abi)
[ -n "$(odx_pkg_version "linux-headers-$abi612-amd64")" ] || missing+=("linux-headers-$abi612-amd64")

if [ ${#missing[@]} -gt 0 ]; then
	sudo=
	[ "$(id -u)" = 0 ] || sudo=sudo
	odx_log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	# Recompute: the 6.12 ABI may only be known after apt-get update.
	abi612=$(odx_debian_612_abi)
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" \
		"linux-headers-$abi612-amd64" >/dev/null
fi
