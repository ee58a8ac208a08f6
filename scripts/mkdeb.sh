#!/usr/bin/env bash
# Build odx's two Debian packages into build/deb/ with plain dpkg-deb (`make deb`):
#
#   odx-dkms_VERSION_all.deb     the modules' source in /usr/src/odx-VERSION; DKMS
#                                builds and installs odx.ko, and odx_target.ko where
#                                the kernel has LIO, for the installed kernels
#                                (postinst and prerm as dh_dkms writes them)
#   odx-utils_VERSION_ARCH.deb   odxctl and odxctl.8, libodx.a with libodx.h
#                                (/usr/include/odx/) and the UAPI header
#                                (/usr/include/linux/odx.h), the udev rule 60-odx.rules
#
# VERSION is dkms.conf's PACKAGE_VERSION. The packages are reproducible: file times
# are SOURCE_DATE_EPOCH (default: the last commit's time), owners root, modes fixed.
# It prints the paths of the two packages.
#
#   scripts/mkdeb.sh [--lintian]   --lintian: also run lintian on both (installs it
#                                  if missing) and fail on errors or warnings
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$ODX_TOP"

run_lintian=0
case "${1:-}" in
--lintian) run_lintian=1 ;;
"") ;;
*) odx_die "usage: scripts/mkdeb.sh [--lintian]" ;;
esac

MAINTAINER=${ODX_DEB_MAINTAINER:-"odx maintainers <maintainers@users.noreply.b-seed-2ff196ba.example>"}

# Tools: all but dpkg-dev (dpkg-buildflags) come with any Debian that builds modules.
need=()
for t in gcc:gcc make:make ar:binutils strip:binutils dpkg-buildflags:dpkg-dev; do
	command -v "${t%%:*}" >/dev/null || need+=("${t#*:}")
done
if [ "$run_lintian" = 1 ] && ! command -v lintian >/dev/null; then
	need+=(lintian)
fi
if [ ${#need[@]} -gt 0 ]; then
	odx_log "installing ${need[*]}"
	apt-get update -qq
	apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends \
		"${need[@]}" >/dev/null
fi

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"/\1/p' dkms.conf)
{ [ -n "$version" ] && [ "$name" = odx ]; } || odx_die "dkms.conf has no PACKAGE_NAME=\"odx\" / PACKAGE_VERSION"
arch=$(dpkg --print-architecture)
multiarch=$(gcc -print-multiarch)
[ -n "$multiarch" ] || odx_die "gcc -print-multiarch printed nothing"

if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || stat -c %Y dkms.conf)
fi
export SOURCE_DATE_EPOCH
changelog_date=$(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")
last_year=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y)
first_year=$(git log --max-parents=0 --format=%ad --date=format:%Y HEAD 2>/dev/null |
	sort | sed -n 1p) || first_year=
years=${first_year:-$last_year}
[ "$years" = "$last_year" ] || years=$years-$last_year

out=$ODX_TOP/build/deb
stage=$out/stage
rm -rf "$stage" "$out/tools"
mkdir -p "$stage"
rm -f "$out"/odx-dkms_*.deb "$out"/odx-utils_*.deb

# doc_files PKG ROOT COPYRIGHT-BODY: /usr/share/doc/PKG/{copyright,changelog.gz}
doc_files() {
	local pkg=$1 root=$2 doc
	doc=$root/usr/share/doc/$pkg
	mkdir -p "$doc"
	{
		echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
		echo "Upstream-Name: odx"
		echo
		printf '%s\n' "$3"
	} > "$doc/copyright"
	# A native package (no Debian revision): changelog.gz, in Debian's format.
	{
		echo "$pkg ($version) unstable; urgency=medium"
		echo
		echo "  * odx $version, built from the odx source tree by scripts/mkdeb.sh."
		echo
		echo " -- $MAINTAINER  $changelog_date"
	} | gzip -9n > "$doc/changelog.gz"
}

# build_deb ROOT: md5sums, Installed-Size, normalized modes and times, dpkg-deb.
build_deb() {
	local root=$1 pkg size
	pkg=$(sed -n 's/^Package: //p' "$root/DEBIAN/control")
	find "$root" -type d -exec chmod 0755 {} +
	find "$root" -type f ! -perm /111 -exec chmod 0644 {} +
	find "$root" -type f -perm /111 -exec chmod 0755 {} +
	(cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | LC_ALL=C sort -z |
		xargs -0r md5sum) > "$root/DEBIAN/md5sums"
	chmod 0644 "$root/DEBIAN/md5sums"
	size=$(du -sk --apparent-size --exclude=DEBIAN "$root" | cut -f1)
	sed -i "s/^Installed-Size: .*/Installed-Size: $size/" "$root/DEBIAN/control"
	find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	dpkg-deb --build --root-owner-group -Zxz "$root" "$out" >/dev/null
	ls "$out/${pkg}_${version}_"*.deb
}

gpl2='License: GPL-2
 This program is free software; you can redistribute it and/or modify it
 under the terms of the GNU General Public License version 2 as published by
 the Free Software Foundation.
 .
 On Debian systems, the complete text of the GNU General Public License
 version 2 can be found in "/usr/share/common-licenses/GPL-2".'
lgpl21='License: LGPL-2.1+
 This library is free software; you can redistribute it and/or modify it
 under the terms of the GNU Lesser General Public License as published by the
 Free Software Foundation; either version 2.1 of the License, or (at your
 option) any later version.
 .
 On Debian systems, the complete text of the GNU Lesser General Public License
 version 2.1 can be found in "/usr/share/common-licenses/LGPL-2.1".'

### odx-dkms
root=$stage/odx-dkms
src=$root/usr/src/odx-$version
mkdir -p "$src" "$root/DEBIAN"
# The modules' Kbuild tree: what `make -C KDIR M=DIR` needs (odx_*.c is both
# odx.ko and odx_target.ko). kunit/ rides along because Kbuild names it
# (obj-$(CONFIG_KUNIT)) and `make clean` visits it; the dkms.conf build sets
# CONFIG_KUNIT= so the KUnit module is not built.
cp -r dkms.conf Kbuild odx_*.c include kunit "$src/"
find "$src" \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' -o -name '.*.cmd' \
	-o -name '*.order' -o -name '*.symvers' \) -delete
doc_files odx-dkms "$root" "Files: *
Copyright: $years odx maintainers
License: GPL-2
Comment: include/uapi/linux/odx.h is GPL-2.0 WITH Linux-syscall-note.

$gpl2"
cat > "$root/DEBIAN/control" <<EOF
Package: odx-dkms
Version: $version
Architecture: all
Maintainer: $MAINTAINER
Installed-Size: 0
Depends: dkms (>= 2.1.0.0)
Recommends: odx-utils
Section: kernel
Priority: optional
Description: ODX token copy for Linux: RAM block devices (DKMS module source)
 odx is a block-layer module that brings Windows-style ODX (Offloaded Data
 Transfer) token copy to Linux: RAM-backed block devices /dev/odxN whose
 ioctls mint 512-byte point-in-time tokens and copy data by token inside the
 kernel, plus a SCSI front (SG_IO: POPULATE TOKEN, WRITE USING TOKEN).
 odx_target, a backstore for LIO (the kernel's SCSI target), serves odx
 devices as ODX-capable LUNs through any LIO fabric (iSCSI, tcm_loop).
 .
 This package provides the source of both modules; DKMS builds and installs
 odx.ko, and odx_target.ko where the kernel has LIO (CONFIG_TARGET_CORE), for
 each installed kernel that has its headers (linux-headers-*).
EOF
# As dh_dkms writes them (Debian's dkms: /usr/lib/dkms/common.postinst).
cat > "$root/DEBIAN/postinst" <<EOF
#!/bin/sh
set -e

DKMS_NAME=$name
DKMS_PACKAGE_NAME=\$DKMS_NAME-dkms
DKMS_VERSION=$version

postinst_found=0

case "\$1" in
	configure)
		for DKMS_POSTINST in /usr/lib/dkms/common.postinst /usr/share/\$DKMS_PACKAGE_NAME/postinst; do
			if [ -f \$DKMS_POSTINST ]; then
				\$DKMS_POSTINST \$DKMS_NAME \$DKMS_VERSION /usr/share/\$DKMS_PACKAGE_NAME "" \$2
				postinst_found=1
				break
			fi
		done
		if [ "\$postinst_found" -eq 0 ]; then
			echo "ERROR: DKMS version is too old and \$DKMS_PACKAGE_NAME was not"
			echo "built with legacy DKMS support."
			echo "You must either rebuild \$DKMS_PACKAGE_NAME with legacy postinst"
			echo "support or upgrade DKMS to a more current version."
			exit 1
		fi
	;;
esac

exit 0
EOF
cat > "$root/DEBIAN/prerm" <<EOF
#!/bin/sh
set -e

DKMS_NAME=$name
DKMS_VERSION=$version

case "\$1" in
	remove|upgrade|deconfigure)
		if [ "\$(dkms status -m \$DKMS_NAME -v \$DKMS_VERSION)" ]; then
			dkms remove -m \$DKMS_NAME -v \$DKMS_VERSION --all
		fi
	;;
esac

exit 0
EOF
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm"
build_deb "$root"

### odx-utils
root=$stage/odx-utils
mkdir -p "$root/DEBIAN"
# Debian's hardening flags (bindnow too); paths inside the binary relative to the tree.
cflags=$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CFLAGS)
cppflags=$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CPPFLAGS)
ldflags=$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get LDFLAGS)
make -s -C tools OUT="$out/tools" CFLAGS="$cflags" CPPFLAGS="$cppflags" LDFLAGS="$ldflags" \
	"$out/tools/odxctl" "$out/tools/libodx.a"
make -s -C tools OUT="$out/tools" DESTDIR="$root" PREFIX=/usr \
	LIBDIR="/usr/lib/$multiarch" UDEVRULESDIR=/usr/lib/udev/rules.d install >/dev/null
# What dh_strip does.
strip --remove-section=.comment --remove-section=.note --strip-unneeded "$root/usr/sbin/odxctl"
strip --strip-debug --remove-section=.comment --remove-section=.note \
	--enable-deterministic-archives "$root/usr/lib/$multiarch/libodx.a"
gzip -9n "$root/usr/share/man/man8/odxctl.8"
for f in usr/sbin/odxctl usr/share/man/man8/odxctl.8.gz "usr/lib/$multiarch/libodx.a" \
	usr/include/odx/libodx.h usr/include/linux/odx.h usr/lib/udev/rules.d/60-odx.rules; do
	[ -f "$root/$f" ] || odx_die "make -C tools install did not install /$f"
done
# libc6 (>= the newest GLIBC_ symbol version odxctl uses), as dpkg-shlibdeps would say.
glibc=$(objdump -T "$root/usr/sbin/odxctl" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' |
	sort -V | tail -n 1)
[ -n "$glibc" ] || odx_die "odxctl uses no GLIBC_ symbols?"
doc_files odx-utils "$root" "Files: *
Copyright: $years odx maintainers
License: GPL-2

Files: usr/lib/*/libodx.a usr/include/odx/libodx.h
Copyright: $years odx maintainers
License: LGPL-2.1+

Files: usr/include/linux/odx.h
Copyright: $years odx maintainers
License: GPL-2
Comment: GPL-2.0 WITH Linux-syscall-note: programs that use this header are
 not derived works of the kernel.

$gpl2

$lgpl21"
cat > "$root/DEBIAN/control" <<EOF
Package: odx-utils
Version: $version
Architecture: $arch
Maintainer: $MAINTAINER
Installed-Size: 0
Depends: libc6 (>= $glibc), libjson-c5 (>= 0.15)
Recommends: odx-dkms
Section: admin
Priority: optional
Description: ODX token copy for Linux: odxctl, libodx and udev rules
 odx is a block-layer module that brings Windows-style ODX (Offloaded Data
 Transfer) token copy to Linux: RAM-backed block devices /dev/odxN whose
 ioctls mint 512-byte point-in-time tokens and copy data by token inside the
 kernel (the modules, odx and odx_target, are in odx-dkms).
 .
 This package provides odxctl, which creates and removes odx devices, mints,
 writes and releases tokens and copies by token; libodx, the small static C
 library odxctl is built on, with its header and the UAPI header; and a udev
 rule that gives /dev/odxN and /dev/odx-control to group disk.
EOF
# udev reloads its rules by itself; devices that exist already get the new modes now.
cat > "$root/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e

if [ "$1" = configure ] && [ -d /run/udev ] && command -v udevadm >/dev/null; then
	udevadm control --reload-rules || true
	udevadm trigger --action=change --sysname-match='odx*' || true
fi

exit 0
EOF
chmod 0755 "$root/DEBIAN/postinst"
build_deb "$root"

if [ "$run_lintian" = 1 ]; then
	# --fail-on error,warning: the exit status says whether any E: or W: is left.
	lintian --fail-on error,warning --tag-display-limit 0 "$out/odx-dkms_${version}_all.deb" \
		"$out/odx-utils_${version}_${arch}.deb"
fi
