#!/usr/bin/env bash
# Test the Debian packages on the host, without loading anything and without
# touching the host's DKMS state (/var/lib/dkms, /usr/src, /lib/modules):
#
#  * odx-dkms: extracted into a scratch root (dpkg-deb -x), then `dkms add` and
#    `dkms build` against Debian's headers of each kernel, with --dkmstree,
#    --sourcetree and --installtree in the scratch directory (and a scratch
#    module-signing key). Both stock kernels have LIO, so exactly odx.ko and
#    odx_target.ko must be built (by make.log) and stored by DKMS; they are
#    copied, decompressed, to build/dkms/KERNEL/ (with DKMS's make.log), modinfo
#    must show the kernel's vermagic and dkms.conf's version, and odx_target.ko
#    must depend on odx and target_core_mod.
#  * `dkms install` into the scratch tree, then `dkms remove` with the kernel's
#    headers gone: both modules must be removed.
#  * a kernel without LIO: a copy of the first kernel's headers whose config
#    lacks CONFIG_TARGET_CORE; DKMS must build and store odx.ko alone.
#  * a git checkout: `dkms add DIR` (as a developer does with `dkms add .`) and a
#    build for the first kernel, in another scratch tree.
#  * odx-utils: extracted into a scratch root; every file must be there, odxctl
#    --help must run, and a program must compile and link against libodx.a with
#    the installed headers alone.
#  * with --dpkg: `dpkg -i` of both packages and `dpkg -r` again, as on a real
#    system (postinst: DKMS builds and installs for every kernel with headers;
#    prerm: dkms remove), inside a private mount namespace whose /usr, /var, /etc
#    are overlays on a scratch directory, so the host sees none of it.
#
# Every check prints PASS NAME or FAIL NAME; the exit status is 0 when all passed.
# Installs dkms (apt-get) when it is missing. To test the guest side afterwards:
#   flock /tmp/odx-qemu.lock scripts/odx-vm --kernel debian-6.1 --timeout 900 -- \
#       env ODX_BUILD=$PWD/build/dkms/debian-6.1 tests/token/run.sh
#
#   scripts/dkms-test.sh [--deb DIR] [--dpkg] [debian-6.1|debian-6.12]...
#     --deb DIR: test the packages in DIR instead of building them (scripts/mkdeb.sh)
#     kernels: default both
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$ODX_TOP"

debdir=
dpkg_test=0
kernels=()
while [ $# -gt 0 ]; do
	case "$1" in
	--deb) debdir=$2; shift 2 ;;
	--dpkg) dpkg_test=1; shift ;;
	debian-6.1|debian-6.12) kernels+=("$1"); shift ;;
	-h|--help) sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) odx_die "unknown argument '$1' (see --help)" ;;
	esac
done
[ ${#kernels[@]} -gt 0 ] || kernels=(debian-6.1 debian-6.12)

# The kernel release (uname -r) of a header tree: what its modules' vermagic says.
kernel_release() {	# kernel_release KDIR
	sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$1/include/generated/utsrelease.h" 2>/dev/null
}

failed=0
pass() { echo "PASS $1"; }
fail() {	# fail NAME [WHY...]
	local name=$1
	shift
	[ $# -eq 0 ] || printf '# %s\n' "$@"
	echo "FAIL $name"
	failed=$((failed + 1))
}

if ! command -v dkms >/dev/null; then
	odx_log "installing dkms"
	apt-get update -qq
	apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends dkms >/dev/null
fi

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
[ -n "$version" ] || odx_die "no PACKAGE_VERSION in dkms.conf"
arch=$(dpkg --print-architecture)

if [ -z "$debdir" ]; then
	if debs=$(scripts/mkdeb.sh 2>&1); then
		pass "deb:build (scripts/mkdeb.sh)"
	else
		fail "deb:build (scripts/mkdeb.sh)" "$debs"
		exit 1
	fi
	debdir=build/deb
fi
dkms_deb=$debdir/odx-dkms_${version}_all.deb
utils_deb=$debdir/odx-utils_${version}_${arch}.deb
{ [ -f "$dkms_deb" ] && [ -f "$utils_deb" ]; } || odx_die "no $dkms_deb or $utils_deb"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/odx-dkms-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# Run dkms on a scratch tree T (dkms, src, lib/modules below it), signing with a
# scratch key (the host's /var/lib/dkms/mok.key is never made or used).
sdkms() {	# sdkms T DKMS-ARGS...
	local t=$1
	shift
	mok_signing_key=$t/mok.key mok_certificate=$t/mok.pub \
		dkms --dkmstree "$t/dkms" --sourcetree "$t/src" --installtree "$t/lib/modules" "$@"
}

# Copy the modules DKMS built for KVER out of tree T to DIR/NAME.ko,
# decompressed (any other *.ko in DIR is removed first), with DKMS's make.log.
take_module() {	# take_module T KVER DIR
	local t=$1 kver=$2 dir=$3 base m ko
	base=$t/dkms/odx/$version/$kver/$(uname -m)
	mkdir -p "$dir"
	rm -f "$dir"/*.ko
	cp "$base/log/make.log" "$dir/make.log"
	for m in "$base"/module/*.ko*; do
		[ -f "$m" ] || continue
		ko=$(basename "$m")
		ko=$dir/${ko%%.ko*}.ko
		case "$m" in
		*.ko) cp "$m" "$ko" ;;
		*.ko.xz) xz -dc "$m" > "$ko" ;;
		*.ko.gz) gzip -dc "$m" > "$ko" ;;
		*.ko.zst) zstd -qdc "$m" > "$ko" ;;
		esac
		echo "# DKMS stored $(basename "$m")"
	done
	[ -s "$dir/odx.ko" ]
}

# The modules Kbuild linked (make.log's "LD [M]" lines) and the ones DKMS
# stored (DIR/*.ko), as one sorted line each.
linked_modules() {	# linked_modules MAKELOG
	sed -n 's/^ *LD \[M\] *\(.*\/\)\{0,1\}\([^/ ]*\.ko\)$/\2/p' "$1" | LC_ALL=C sort | xargs
}
stored_modules() {	# stored_modules DIR
	(cd "$1" && ls -- *.ko 2>/dev/null) | LC_ALL=C sort | xargs
}

# Exactly the modules WANT (a sorted list) were built and stored, each for
# KVER and with dkms.conf's version.
check_modules() {	# check_modules NAME DIR KVER WANT
	local name=$1 dir=$2 kver=$3 want=$4 linked stored ko vermagic ver signer why=
	linked=$(linked_modules "$dir/make.log")
	stored=$(stored_modules "$dir")
	echo "# make.log linked '$linked'; DKMS stored '$stored'"
	[ "$linked" = "$want" ] || why="make.log linked '$linked', not '$want'"
	[ "$stored" = "$want" ] || why="DKMS stored '$stored', not '$want'"
	for ko in $stored; do
		[ -z "$why" ] || break
		vermagic=$(modinfo -F vermagic "$dir/$ko")
		ver=$(modinfo -F version "$dir/$ko")
		signer=$(modinfo -F signer "$dir/$ko")
		echo "# $dir/$ko: vermagic '$vermagic', version '$ver', signer '${signer:-none}'"
		if [ "${vermagic%% *}" != "$kver" ]; then
			why="$ko: vermagic '$vermagic' is not for $kver"
		elif [ "$ver" != "$version" ]; then
			why="$ko: modinfo version '$ver' is not dkms.conf's $version"
		fi
	done
	if [ -n "$why" ]; then
		fail "$name" "$why"
	else
		pass "$name"
	fi
}

# KO's modinfo depends (a comma-separated list) names every module MOD.
check_depends() {	# check_depends NAME KO MOD...
	local name=$1 ko=$2 deps m missing=
	shift 2
	deps=$(modinfo -F depends "$ko" 2>&1) || deps=
	echo "# $ko: depends '$deps'"
	for m in "$@"; do
		case ",$deps," in
		*",$m,"*) ;;
		*) missing="$missing $m" ;;
		esac
	done
	if [ -z "$missing" ]; then
		pass "$name"
	else
		fail "$name" "depends '$deps' lacks$missing"
	fi
}

### odx-dkms from the package
t=$scratch/pkg
mkdir -p "$t/root" "$t/dkms" "$t/lib/modules"
dpkg-deb -x "$dkms_deb" "$t/root"
ln -s root/usr/src "$t/src"
if out=$(sdkms "$t" add -m odx -v "$version" 2>&1); then
	pass "dkms:add (odx-dkms package)"
else
	fail "dkms:add (odx-dkms package)" "$out"
	exit 1
fi
for k in "${kernels[@]}"; do
	kdir=$(odx_kdir "$k")
	kver=$(kernel_release "$kdir")
	if [ -z "$kver" ]; then
		fail "dkms:build $k" "no kernel headers at $kdir (run make setup)"
		continue
	fi
	start=$(date +%s)
	if out=$(sdkms "$t" build -m odx -v "$version" -k "$kver" --kernelsourcedir "$kdir" \
		--no-depmod 2>&1) && take_module "$t" "$kver" "build/dkms/$k"; then
		echo "# dkms build for $kver: $(( $(date +%s) - start )) s"
		pass "dkms:build $k"
		check_modules "dkms:modinfo $k (odx.ko and odx_target.ko only, vermagic $kver, version $version)" \
			"build/dkms/$k" "$kver" "odx.ko odx_target.ko"
		check_depends "dkms:odx_target.ko on $k depends on odx and target_core_mod" \
			"build/dkms/$k/odx_target.ko" odx target_core_mod
	else
		log=$(find "$t/dkms/odx/$version" -name make.log | head -n 1)
		fail "dkms:build $k" "$out" "${log:+$(tail -n 30 "$log")}"
	fi
done

# Older kernels are skipped (exit 77, as the postinst expects), not failed.
set +e
out=$(sdkms "$t" build -m odx -v "$version" -k 5.10.0-99-amd64 \
	--kernelsourcedir "$(odx_kdir "${kernels[0]}")" 2>&1)
rc=$?
set -e
if [ "$rc" = 77 ]; then
	pass "dkms:a 5.10 kernel is skipped (BUILD_EXCLUSIVE_KERNEL, exit 77)"
else
	fail "dkms:a 5.10 kernel is skipped (BUILD_EXCLUSIVE_KERNEL, exit 77)" "exit $rc" "$out"
fi

### dkms install, then dkms remove after the kernel's headers have gone
# (dkms.conf must still list odx_target.ko, by the copy DKMS built, or
# remove would leave it installed). The install is into the scratch tree
# with --no-depmod; a framework.conf with modprobe_on_install would make
# dkms load modules on the host, so then the check fails without trying.
k=${kernels[0]}
kdir=$(odx_kdir "$k")
kver=$(kernel_release "$kdir")
name="dkms:install, then remove without the kernel's headers ($k): both modules gone"
dest=$t/lib/modules/$kver/updates/dkms
if grep -qs '^[[:space:]]*modprobe_on_install=' /etc/dkms/framework.conf \
	/etc/dkms/framework.conf.d/*.conf; then
	fail "$name" "/etc/dkms/framework.conf sets modprobe_on_install: not running dkms install"
elif ! out=$(mkdir -p "$t/lib/modules/$kver" && sdkms "$t" install -m odx -v "$version" \
	-k "$kver" --kernelsourcedir "$kdir" --no-depmod 2>&1); then
	fail "$name" "dkms install failed:" "$out"
elif [ "$(stored_modules "$dest")" != "odx.ko odx_target.ko" ]; then
	fail "$name" "dkms install put '$(stored_modules "$dest")' into $dest"
elif ! out=$(sdkms "$t" remove -m odx -v "$version" -k "$kver" \
	--kernelsourcedir "$scratch/no-headers" --no-depmod 2>&1); then
	fail "$name" "dkms remove failed:" "$out"
elif left=$(find "$dest" -mindepth 1 -printf '%f ' 2>/dev/null) && [ -n "$left" ]; then
	fail "$name" "dkms remove left $left in $dest" "$out"
else
	pass "$name"
fi

### a kernel without LIO: the first kernel's headers with CONFIG_TARGET_CORE
# taken out of its configuration (Kbuild reads include/config/auto.conf)
t=$scratch/nolio
kdir=$t/linux-headers
mkdir -p "$t/dkms" "$t/lib/modules"
ln -s ../pkg/root/usr/src "$t/src"
name="dkms:build without LIO ($k headers, no CONFIG_TARGET_CORE): odx.ko only"
start=$(date +%s)
# Debian's links (scripts, tools) are relative to /usr/src: made absolute.
if ! out=$(cp -a "$(odx_kdir "$k")" "$kdir" 2>&1 &&
	(cd "$kdir" && find . -type l) | while IFS= read -r l; do
		ln -sfn "$(readlink -f "$(odx_kdir "$k")/$l")" "$kdir/$l" || exit
	done &&
	sed -i 's/^CONFIG_TARGET_CORE=.*/# CONFIG_TARGET_CORE is not set/' "$kdir/.config" &&
	sed -i '/^CONFIG_TARGET_CORE=/d' "$kdir/include/config/auto.conf" 2>&1); then
	fail "$name" "no copy of $(odx_kdir "$k") without CONFIG_TARGET_CORE:" "$out"
elif out=$(sdkms "$t" add -m odx -v "$version" 2>&1 &&
	sdkms "$t" build -m odx -v "$version" -k "$kver" --kernelsourcedir "$kdir" \
		--no-depmod 2>&1) && take_module "$t" "$kver" "$t/module" >/dev/null; then
	echo "# dkms build without LIO for $kver: $(( $(date +%s) - start )) s"
	check_modules "$name" "$t/module" "$kver" "odx.ko"
else
	log=$(find "$t/dkms/odx/$version" -name make.log | head -n 1)
	fail "$name" "$out" "${log:+$(tail -n 30 "$log")}"
fi

### a git checkout, as with `dkms add .`
t=$scratch/checkout
mkdir -p "$t/src" "$t/dkms" "$t/lib/modules"
k=${kernels[0]}
kdir=$(odx_kdir "$k")
kver=$(kernel_release "$kdir")
start=$(date +%s)
if out=$(sdkms "$t" add "$ODX_TOP" 2>&1 &&
	sdkms "$t" build -m odx -v "$version" -k "$kver" --kernelsourcedir "$kdir" --no-depmod 2>&1) &&
	take_module "$t" "$kver" "$scratch/checkout-module" >/dev/null; then
	echo "# dkms add + build from the checkout for $kver: $(( $(date +%s) - start )) s"
	pass "dkms:add and build from a git checkout ($k)"
else
	fail "dkms:add and build from a git checkout ($k)" "$out"
fi

### odx-utils
t=$scratch/utils
mkdir -p "$t"
dpkg-deb -x "$utils_deb" "$t"
multiarch=$(gcc -print-multiarch)
missing=
for f in usr/sbin/odxctl usr/share/man/man8/odxctl.8.gz "usr/lib/$multiarch/libodx.a" \
	usr/include/odx/libodx.h usr/include/linux/odx.h usr/lib/udev/rules.d/60-odx.rules; do
	[ -f "$t/$f" ] || missing="$missing /$f"
done
if [ -z "$missing" ]; then
	pass "utils:files"
else
	fail "utils:files" "missing:$missing"
fi
if out=$("$t/usr/sbin/odxctl" --help 2>&1) && grep -q 'odxctl' <<<"$out"; then
	pass "utils:odxctl --help runs"
else
	fail "utils:odxctl --help runs" "$out"
fi
if out=$(zcat "$t/usr/share/man/man8/odxctl.8.gz" |
	LC_ALL=C.UTF-8 MANWIDTH=80 groff -man -Tutf8 -ww -z 2>&1) && [ -z "$out" ]; then
	pass "utils:man page formats"
else
	fail "utils:man page formats" "$out"
fi
# The installed headers and library alone: no -I into the source tree.
cat > "$t/prog.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include <odx/libodx.h>

int main(void)
{
	struct odx_token tok;
	unsigned char zero[sizeof(tok)];

	odx_zero_token(&tok);
	memset(zero, 0, sizeof(zero));
	printf("%zu %d\n", sizeof(tok), memcmp(&tok, zero, sizeof(tok)) != 0);
	return 0;
}
EOF
if out=$(gcc -Wall -Werror -nostdinc -isystem "$t/usr/include" \
	-isystem "$(gcc -print-file-name=include)" -isystem "/usr/include/$multiarch" \
	-isystem /usr/include -o "$t/prog" "$t/prog.c" "$t/usr/lib/$multiarch/libodx.a" 2>&1) &&
	out=$("$t/prog" 2>&1) && [ "$out" = "512 1" ]; then
	pass "utils:a program builds with libodx.a and the installed headers"
else
	fail "utils:a program builds with libodx.a and the installed headers" "$out"
fi

### dpkg -i / dpkg -r in a private mount namespace
if [ "$dpkg_test" = 1 ]; then
	t=$scratch/dpkg
	for d in usr var etc; do mkdir -p "$t/$d.upper" "$t/$d.work"; done
	cp "$dkms_deb" "$utils_deb" "$t/"
	# Inside the namespace: overlays over /usr (/lib/modules, /usr/src), /var
	# (/var/lib/dkms, dpkg's database) and /etc, and an empty /run (no host udev).
	cat > "$t/inside.sh" <<'EOF'
set -euo pipefail
t=$1 version=$2
shift 2
for d in usr var etc; do
	mount -t overlay overlay -o "lowerdir=/$d,upperdir=$t/$d.upper,workdir=$t/$d.work" "/$d"
done
mount -t tmpfs tmpfs /run
failed=0
check() {	# check NAME CMD...
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then echo "PASS $name"; else
		printf '# %s\n' "$out" | tail -n 40; echo "FAIL $name"; failed=1; fi
}
start=$(date +%s)
check "dkms:dpkg -i odx-dkms odx-utils (postinst builds and installs)" \
	dpkg -i "$t"/odx-dkms_*.deb "$t"/odx-utils_*.deb
echo "# dpkg -i: $(( $(date +%s) - start )) s"
dkms status -m odx -v "$version" 2>/dev/null | sed 's/^/# /'
for kver in "$@"; do
	check "dkms:dpkg installed odx and odx_target for $kver" sh -c "
		dkms status -m odx -v $version -k $kver 2>/dev/null | grep -q ': installed' &&
		for m in odx odx_target; do
			ko=\$(ls /lib/modules/$kver/updates/dkms/\$m.ko*) &&
			modinfo -F vermagic \$ko | grep -q '^$kver ' &&
			echo \$ko || exit 1
		done"
done
check "dkms:dpkg -r odx-dkms odx-utils (prerm removes)" sh -c "
	dpkg -r odx-dkms odx-utils &&
	[ -z \"\$(dkms status -m odx 2>/dev/null)\" ] &&
	! ls /lib/modules/*/updates/dkms/odx.ko* /lib/modules/*/updates/dkms/odx_target.ko* 2>/dev/null &&
	[ ! -e /usr/sbin/odxctl ] && [ ! -e /usr/src/odx-$version ]"
exit "$failed"
EOF
	kvers=()
	for k in "${kernels[@]}"; do
		kvers+=("$(kernel_release "$(odx_kdir "$k")")")
	done
	# The postinst builds for every kernel in /lib/modules that has headers.
	if ! unshare -m --propagation private bash "$t/inside.sh" "$t" "$version" "${kvers[@]}"; then
		failed=$((failed + 1))
	fi
fi

[ "$failed" = 0 ]
