# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# LIO (the kernel's SCSI target) set up in configfs for the guest scripts that
# serve odx devices as LUNs: the LIO suite (tests/lio/run.sh) and the LIO part
# of the benchmark (tests/bench-guest.sh). Sourced, in the guest of
# scripts/odx-vm only. Every helper returns non-zero when a step fails (with
# or without set -e) and says why through diag (tests/lib/check.sh) where the
# script has it, else on stderr.
#
#   lio_modules                   LIO's modules (target_core_mod, tcm_loop, sd_mod,
#                                 sg: built into the debug kernel, from
#                                 $ODX_MODROOT on the stock ones) and configfs
#   lio_backstore HBA/DEV SERIAL CONTROL [ATTR=VALUE...]
#                                 a storage object core/HBA/DEV: CONTROL
#                                 (odx_index=N, rd_pages=N), VPD unit serial
#                                 SERIAL, enabled, then attrib/ATTR set
#   lio_luns TPG HBA/DEV...       LUNs 0, 1, ... of the portal group TPG (its
#                                 configfs path), one a storage object
#   lio_loop WWN HBA/DEV...       a tcm_loop target (an I_T nexus of its own)
#                                 with those LUNs
#   lio_disks WWN N               the disks (/dev/sdX) of LUNs 0 .. N-1 of
#                                 tcm_loop target WWN on one line, once all
#                                 appeared (20 s at most)
#   lio_luns_remove TPG           the LUNs of portal group TPG go
#   lio_loop_remove WWN           the tcm_loop target goes (with its LUNs)
#   lio_backstore_remove HBA/DEV...  the storage objects go, and their HBAs
#
# odx_target.ko (insmod after odx.ko; rmmod after lio_backstore_remove) is the
# callers': the suite sets LIO's dbroot between the modules and the backstore.
LIO=/sys/kernel/config/target

_lio_say() {
	if declare -F diag >/dev/null; then
		diag "$*"
	else
		echo "$*" >&2
	fi
}

lio_modules() {
	local m
	for m in target_core_mod tcm_loop sd_mod sg; do
		modprobe -d "${ODX_MODROOT:-/}" "$m" 2>/dev/null ||
			modprobe "$m" 2>/dev/null || true
	done
	mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config ||
		{ _lio_say "cannot mount configfs"; return 1; }
	[ -d "$LIO" ] || { _lio_say "no LIO: $LIO is missing"; return 1; }
}

lio_backstore() {	# lio_backstore HBA/DEV SERIAL CONTROL [ATTR=VALUE...]
	local d=$LIO/core/$1 serial=$2 control=$3 a
	shift 3
	mkdir -p "$d" &&
	echo "$control" > "$d/control" &&
	echo "$serial" > "$d/wwn/vpd_unit_serial" &&
	echo 1 > "$d/enable" || { _lio_say "backstore $d: not made"; return 1; }
	for a in "$@"; do
		echo "${a#*=}" > "$d/attrib/${a%%=*}" ||
			{ _lio_say "backstore $d: cannot set $a"; return 1; }
	done
}

lio_luns() {	# lio_luns TPG HBA/DEV...
	local tpg=$1 lun=0 d
	shift
	for d in "$@"; do
		mkdir -p "$tpg/lun/lun_$lun" &&
		ln -s "$LIO/core/$d" "$tpg/lun/lun_$lun/${d%%/*}" ||
			{ _lio_say "$tpg: no LUN $lun for $d"; return 1; }
		lun=$((lun + 1))
	done
}

lio_loop() {	# lio_loop WWN HBA/DEV...
	local t=$LIO/loopback/$1/tpgt_1
	mkdir -p "$t" &&
	echo "${1%?}f" > "$t/nexus" || { _lio_say "no tcm_loop target $1"; return 1; }
	shift
	lio_luns "$t" "$@"
}

# The sd disk of tcm_loop target WWN, LUN N: tcm_loop names the SCSI address
# of its target in tpgt_1/address ("H:0:T").
lio_disk() {	# lio_disk WWN LUN
	local d addr
	addr=$(cat "$LIO/loopback/$1/tpgt_1/address" 2>/dev/null) || return 1
	for d in /sys/block/sd*; do
		[ -e "$d/device" ] || continue
		[ "$(basename "$(readlink -f "$d/device")")" = "$addr:$2" ] &&
			{ echo "/dev/${d##*/}"; return 0; }
	done
	return 1
}

lio_disks() {	# lio_disks WWN N
	local i l d disks
	for i in $(seq 100); do
		disks=
		for ((l = 0; l < $2; l++)); do
			d=$(lio_disk "$1" "$l") && [ -b "$d" ] || break
			disks+=" $d"
		done
		[ "$l" = "$2" ] && { echo "${disks# }"; return 0; }
		sleep 0.2
	done
	_lio_say "tcm_loop target $1: LUNs 0 to $(($2 - 1)) have no disks: $(ls /sys/block)"
	return 1
}

lio_luns_remove() {	# lio_luns_remove TPG
	local l f
	for l in "$1"/lun/lun_*; do
		[ -d "$l" ] || continue
		for f in "$l"/*; do
			[ -L "$f" ] && { rm "$f" || return 1; }
		done
		rmdir "$l" || return 1
	done
}

lio_loop_remove() {	# lio_loop_remove WWN
	local w=$LIO/loopback/$1
	[ -d "$w" ] || return 0
	lio_luns_remove "$w/tpgt_1" &&
	rmdir "$w/tpgt_1" "$w" || { _lio_say "tcm_loop target $1 did not go"; return 1; }
}

lio_backstore_remove() {	# lio_backstore_remove HBA/DEV...
	local d
	for d in "$@"; do
		[ -d "$LIO/core/$d" ] || continue
		rmdir "$LIO/core/$d" "$LIO/core/${d%%/*}" ||
			{ _lio_say "backstore $d did not go"; return 1; }
	done
}
