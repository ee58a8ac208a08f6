#!/usr/bin/env bash
# scripts/stock-kernel.sh against a stand-in apt-get: it takes the signed image
# when the archive has it, its -unsigned twin when only that is there (as
# Debian's security archive had for 6.12.118 while the signed one lagged), and
# fails with both named when neither is. Nothing is installed; the cache is a
# temporary directory.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
abi=6.1.0-99
mkdir -p "$w/bin"
# apt-cache: only what odx_debian_61_abi reads. apt-get: "download PKG" makes
# a small image package if PKG is in $w/have; "update" does nothing.
cat >"$w/bin/apt-cache" <<EOF
#!/bin/sh
echo "  Depends: linux-headers-$abi-amd64"
EOF
cat >"$w/bin/apt-get" <<'EOF'
#!/bin/bash
[ "$1" = update ] && exit 0
[ "$1" = download ] || exit 64
pkg=${!#}
grep -qx "$pkg" "$W/have" || { echo "E: Can't select candidate version from package $pkg" >&2; exit 100; }
d=$(mktemp -d)
mkdir -p "$d/DEBIAN" "$d/boot" "$d/lib/modules/$ABI"
printf 'Package: %s\nVersion: 1\nArchitecture: amd64\nMaintainer: t <t@t>\nDescription: t\n' \
	"$pkg" >"$d/DEBIAN/control"
echo "$pkg" >"$d/boot/vmlinuz-$ABI"
dpkg-deb -b "$d" "${pkg}_1_amd64.deb" >/dev/null
rm -rf "$d"
EOF
chmod +x "$w/bin/apt-cache" "$w/bin/apt-get"

fail=0
run() {	# run NAME HAVE... : fetch with the archive holding HAVE
	local name=$1
	shift
	rm -rf "$w/cache"
	printf '%s\n' "$@" >"$w/have"
	out=$(PATH="$w/bin:$PATH" W=$w ABI=$abi ODX_CACHE=$w/cache \
		"$top/scripts/stock-kernel.sh" debian-6.1 2>&1) && rc=0 || rc=$?
	echo "$out" | grep -v "depmod: WARNING" | sed "s/^/# $name: /"
}
sig=linux-image-$abi-amd64
dir=$w/cache/$sig

run signed "$sig" "$sig-unsigned"
if [ "$rc" = 0 ] && [ "$(cat "$dir/vmlinuz")" = "$sig" ] && [ -f "$dir/.odx-done" ]; then
	echo "ok 1 the signed image when the archive has it"
else
	echo "not ok 1 the signed image when the archive has it"; fail=1
fi
run unsigned "$sig-unsigned"
if [ "$rc" = 0 ] && [ "$(cat "$dir/vmlinuz")" = "$sig-unsigned" ] &&
   [ -f "$dir/root/lib/modules/$abi/modules.dep" ]; then
	echo "ok 2 its -unsigned twin when only that is there"
else
	echo "not ok 2 its -unsigned twin when only that is there"; fail=1
fi
run neither
if [ "$rc" != 0 ] && echo "$out" | grep -q "cannot download $sig or $sig-unsigned" &&
   [ ! -f "$dir/.odx-done" ]; then
	echo "ok 3 neither: an error naming both"
else
	echo "not ok 3 neither: an error naming both"; fail=1
fi
exit "$fail"
