#!/usr/bin/env bash
# Build the guest initramfs for a kernel: busybox, scripts/guest-init and, for the
# stock Debian kernels, the modules 9p, virtio and configfs need (with their dependencies).
#   scripts/mkinitramfs.sh debug|debian-6.1|debian-6.12 OUTPUT.cpio.gz
set -euo pipefail
. "$(dirname "$0")/common.sh"

kernel=$1
output=$2
bb=/bin/busybox
[ -x "$bb" ] && "$bb" --list >/dev/null 2>&1 || odx_die "busybox-static missing (run make setup)"
file -L "$bb" 2>/dev/null | grep -q 'statically linked' ||
	odx_die "$bb is not static (install busybox-static)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,dev,proc,sys,tmp,modules,newroot}
cp "$bb" "$tmp/bin/busybox"
cp "$ODX_TOP/scripts/guest-init" "$tmp/init"
chmod 755 "$tmp/init"

case "$kernel" in
debug) ;;
debian-*)
	root=$("$ODX_TOP/scripts/stock-kernel.sh" "$kernel")/root
	moddir=$(echo "$root"/lib/modules/*)
	# Dependencies first: modules.dep lists "path: dep dep ...".
	declare -A seen=()
	order=()
	add() {
		local path=$1 dep
		[ -n "${seen[$path]:-}" ] && return
		seen[$path]=1
		for dep in $(awk -F': *' -v p="$path" '$1 == p { print $2 }' "$moddir/modules.dep"); do
			add "$dep"
		done
		order+=("$path")
	}
	# configfs: loaded and mounted at boot, as systemd does on Debian (odx.ko
	# needs it for /sys/kernel/config/odx).
	for name in virtio_pci 9pnet_virtio 9p configfs; do
		path=$(awk -F: -v n="$name" '{ f = $1; sub(/.*\//, "", f); sub(/\.ko.*/, "", f);
			if (f == n) { print $1; exit } }' "$moddir/modules.dep")
		[ -n "$path" ] || continue	# built in
		add "$path"
	done
	for path in "${order[@]}"; do
		base=$(basename "$path")
		case "$base" in
		*.ko.xz) xz -dc "$moddir/$path" > "$tmp/modules/${base%.xz}"; base=${base%.xz} ;;
		*.ko.zst) zstd -qdc "$moddir/$path" > "$tmp/modules/${base%.zst}"; base=${base%.zst} ;;
		*) cp "$moddir/$path" "$tmp/modules/" ;;
		esac
		echo "$base" >> "$tmp/modules.list"
	done
	;;
*) odx_die "unknown kernel '$kernel'" ;;
esac

(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) > "$output"
