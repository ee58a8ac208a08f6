#!/usr/bin/env bash
# Fetch and unpack a stock Debian kernel image package into the cache (never installs
# it on this machine). Prints the directory, which holds vmlinuz and lib/modules/.
#   scripts/stock-kernel.sh debian-6.1|debian-6.12
set -euo pipefail
. "$(dirname "$0")/common.sh"

case "${1:-}" in
debian-6.1) abi=$(odx_debian_61_abi) ;;
debian-6.12) abi=$(odx_debian_612_abi) ;;
*) odx_die "usage: $0 debian-6.1|debian-6.12" ;;
esac
[ -n "$abi" ] || odx_die "cannot tell the Debian ABI of $1 (run make setup)"
pkg="linux-image-$abi-amd64"
out="$ODX_CACHE/$pkg"
if [ ! -f "$out/.odx-done" ]; then
	odx_log "fetching $pkg"
	rm -rf "$out"
	mkdir -p "$out/deb"
	# The signed image can lag a day or more behind the source and headers
	# of the same version in Debian's security archive (seen: 6.12.118):
	# then its -unsigned twin, the same kernel and modules without the
	# Secure Boot signature, which a QEMU guest does not check.
	fetch() { (cd "$out/deb" && apt-get download -q "$pkg" >/dev/null 2>&1) ||
		  (cd "$out/deb" && apt-get download -q "$pkg-unsigned" >/dev/null 2>&1); }
	fetch || { apt-get update -qq && fetch; } ||
		odx_die "cannot download $pkg or $pkg-unsigned"
	dpkg-deb -x "$out"/deb/*.deb "$out/root"
	cp "$out"/root/boot/vmlinuz-* "$out/vmlinuz"
	# The package leaves modules.dep to depmod at install time.
	depmod -b "$out/root" "$(basename "$out"/root/lib/modules/*)"
	rm -rf "$out/deb"
	touch "$out/.odx-done"
fi
echo "$out"
