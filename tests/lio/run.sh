#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The LIO suite, on the one runner (tests/lib/check.sh): odx devices served as
# LUNs by the kernel's SCSI target through odx_target.ko, reached by the
# kernel's own SCSI stack over tcm_loop (/dev/sdX), and by real clients
# (sg3_utils, ddpt, mkfs/fsck, fio). Runs only inside the guest of
# scripts/odx-vm:
#
#   scripts/odx-vm --kernel debian-6.12 -- tests/lio/run.sh [PATTERN]
#
# On the debug kernel LIO is built in; on the stock kernels it comes from
# their own module packages ($ODX_MODROOT). The suite loads odx.ko with two
# devices, odx_target.ko, makes the backstores odx_0/lun0 and odx_1/lun0
# (odx_index=0 and 1) and a tcm_loop target with both as LUNs 0 and 1, and a
# second tcm_loop target (another I_T nexus) with odx0 as its LUN 0. ddpt 0.97
# writes its range descriptors one byte early, so the devices are loaded with
# ddpt_quirk=1; the cases that send T10's layout themselves turn it off.
#
# Over iSCSI on the guest's loopback (lo, 127.0.0.1:3260): an iSCSI target
# ($IQN) with odx0 and odx1 as LUNs 0 and 1, reached by libiscsi: its
# conformance suite iscsi-test-cu (iscsi-cu.sh: one iscsi_FAMILY case per
# family) and iscsi_odx (iscsi_odx.c), an initiator that mints and writes
# tokens itself. iscsi_target_mod is built into the debug kernel and loaded
# from $ODX_MODROOT on the stock ones.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/check.sh"
# shellcheck source=../lib/lio.sh
. "$here/../lib/lio.sh"

check_suite lio "${1:-}"
check_odxctl
# iscsi_odx, on libiscsi (libiscsi-dev): without it the iSCSI token cases skip.
if [ -f /usr/include/iscsi/iscsi.h ] || [ -x "$ODX_TOP/build/tests/lio/iscsi_odx" ]; then
	check_programs lio
fi

WWN1=naa.5001405000000a01	# tcm_loop target 1: odx0 (LUN 0), odx1 (LUN 1)
WWN2=naa.5001405000000a02	# tcm_loop target 2: odx0 (LUN 0), another nexus
MiB=$((1 << 20))
BS=512
SDA='' SDB='' SDC=''	# odx0 and odx1 through target 1, odx0 through target 2
W=$CHECK_W
IQN=iqn.2003-01.org.linux-iscsi.odx:lio	# iSCSI target: odx0 (LUN 0), odx1 (LUN 1)
PORTAL=127.0.0.1:3260
URL0=iscsi://$PORTAL/$IQN/0
URL1=iscsi://$PORTAL/$IQN/1

lio_setup() {
	local i t1 t2
	lio_modules || return 1
	# Persistent reservations: LIO writes every PR OUT's APTPL state under
	# its dbroot (/var/target: not in the guest, whose root is read-only;
	# PR OUT would be NOT READY, LOGICAL UNIT COMMUNICATION FAILURE). The
	# kernel threads that write it resolve the path from the initramfs
	# root, not from this chroot: a directory of init's (PID 1's) /tmp, by
	# a path both see. Settable only before the first device.
	local db=/proc/1/root/tmp/odx-lio-db
	mkdir -p "$db/pr" &&
	echo "$db" > "$LIO/dbroot" || diag "LIO's dbroot stays $(cat "$LIO/dbroot")"
	insmod "$ODX_BUILD/odx_target.ko" || return 1
	# Thin provisioning as LIO serves it (UNMAP, WRITE SAME with UNMAP),
	# off by default: odx_target has the unmap path.
	for i in 0 1; do
		lio_backstore "odx_$i/lun0" "$(printf '60014050000000%02d' "$i")" "odx_index=$i" \
			emulate_tpu=1 emulate_tpws=1 || return 1
	done
	lio_loop "$WWN1" odx_0/lun0 odx_1/lun0 && lio_loop "$WWN2" odx_0/lun0 &&
	t1=$(lio_disks "$WWN1" 2) && t2=$(lio_disks "$WWN2" 1) || return 1
	read -r SDA SDB <<<"$t1"
	SDC=$t2
	diag "odx0 = $SDA and $SDC, odx1 = $SDB"
}

# The iSCSI target $IQN on the loopback portal, odx0 and odx1 as LUNs 0 and 1,
# open to any initiator (no ACLs, no CHAP), read-write.
iscsi_setup() {
	local t=$LIO/iscsi/$IQN/tpgt_1 a out
	ip link set lo up || { diag "ip link set lo up failed"; return 1; }
	# Logins allocate a crc32c hash (digests) even when none is negotiated:
	# a module on the stock kernels, which the kernel's own request cannot
	# find under $ODX_MODROOT.
	modprobe -d "${ODX_MODROOT:-/}" crc32c_generic 2>/dev/null ||
		modprobe crc32c_generic 2>/dev/null || true
	# Built in (the debug kernel), the fabric's directory appears on mkdir.
	if [ ! -d "$LIO/iscsi" ] && ! out=$(modprobe -d "${ODX_MODROOT:-/}" iscsi_target_mod 2>&1) &&
	   ! out=$(modprobe iscsi_target_mod 2>&1) && ! mkdir "$LIO/iscsi" 2>/dev/null; then
		diag "no iSCSI target: modprobe iscsi_target_mod: $out"
		return 1
	fi
	mkdir -p "$t" && lio_luns "$t" odx_0/lun0 odx_1/lun0 || return 1
	for a in generate_node_acls=1 cache_dynamic_acls=1 demo_mode_write_protect=0 \
		 authentication=0; do
		echo "${a#*=}" > "$t/attrib/${a%%=*}" || { diag "$t: cannot set $a"; return 1; }
	done
	mkdir "$t/np/$PORTAL" || { diag "no portal $PORTAL"; return 1; }
	echo 1 > "$t/enable" || return 1
	if command -v iscsi-inq >/dev/null && ! out=$(iscsi-inq "$URL0" 2>&1); then
		diag "iscsi-inq $URL0: $out"
		return 1
	fi
	diag "iSCSI target $IQN on $PORTAL: odx0 = LUN 0, odx1 = LUN 1"
}

iscsi_teardown() {
	local t=$LIO/iscsi/$IQN/tpgt_1
	[ -d "$t" ] || return 0
	echo 0 > "$t/enable" 2>/dev/null
	rmdir "$t/np/$PORTAL" 2>/dev/null
	lio_luns_remove "$t" &&
	rmdir "$t" "$LIO/iscsi/$IQN"
}

lio_teardown() {
	iscsi_teardown || diag "the iSCSI target did not go"
	lio_loop_remove "$WWN1" && lio_loop_remove "$WWN2" &&
	lio_backstore_remove odx_0/lun0 odx_1/lun0 &&
	rmmod odx_target
}

# x CMD...: run CMD, output in $W/out and $W/err, status in $rc.
x() {
	"$@" >"$W/out" 2>"$W/err"
	rc=$?
}

show() { sed 's/^/  /' "$W/out" "$W/err" | head -n 40 | while IFS= read -r l; do diag "$l"; done; }

rnd() { head -c "$2" /dev/urandom > "$1"; }

# put DEV OFFSET FILE: write FILE at OFFSET (bytes) of DEV, O_DIRECT, 1 MiB a
# write (not a block a write: 16384 commands for 8 MiB took 40 s on the debug
# kernel); dd writes a short last piece through the page cache, hence fsync.
put() {
	dd if="$3" of="$1" bs=1M seek="$2"B oflag=direct conv=notrunc,fsync status=none
}

# same DEV OFFSET FILE: DEV holds FILE at OFFSET.
same() {
	cmp -s -n "$(stat -c %s "$3")" -i "$2:0" "$1" "$3" ||
		{ diag "$1 at $2 does not hold $3"; return 1; }
}

counter() { cat "/sys/block/$1/odx/$2"; }

t_inquiry_3pc() {
	x sg_inq "$SDA"
	grep -q '3PC=1' "$W/out" || { show; return 1; }
	grep -q 'ODX' "$W/out" || { diag "product is not ODX"; show; return 1; }
}

t_vpd_supported_lists_8f() {
	x sg_vpd -p sv "$SDA"
	[ "$rc" = 0 ] && grep -qi 'Third party copy \[tpc\]' "$W/out" || { show; return 1; }
}

t_vpd_tpc_limits() {
	local ranges
	x sg_vpd -p tpc "$SDA"
	[ "$rc" = 0 ] || { show; return 1; }
	ranges=$(cat /sys/block/odx0/odx/maximum_data_descriptors)
	grep -qi 'Block device ROD' "$W/out" || { diag "no Block Device ROD Token Limits descriptor"; show; return 1; }
	grep -Eqi "range descriptors: *$ranges\$" "$W/out" ||
		{ diag "maximum range descriptors is not odx0's ($ranges)"; show; return 1; }
	local tok xfer
	tok=$(cat /sys/block/odx0/odx/maximum_token_size)
	xfer=$(cat /sys/block/odx0/odx/maximum_transfer_size)
	[ "$xfer" -lt "$tok" ] && tok=$xfer
	grep -Eqi "Maximum token transfer size: *$((tok / BS))\$" "$W/out" ||
		{ diag "maximum token transfer size is not odx0's ($((tok / BS)) blocks)"; show; return 1; }
}

t_read_write_through_lun() {
	rnd "$W/a" $((3 * MiB + 4096))
	put "$SDA" $((5 * MiB)) "$W/a" || return 1
	same /dev/odx0 $((5 * MiB)) "$W/a" || return 1
	rnd "$W/b" $((2 * MiB))
	put /dev/odx1 $((7 * MiB)) "$W/b" || return 1
	same "$SDB" $((7 * MiB)) "$W/b"
}

# WRITE SAME through the LUN, odx_target's own three ways: a block of data
# repeated block by block; zeros, which become holes (odx0's pages drop); and
# the UNMAP bit, LIO's call of odx_target's unmap.
t_write_same_through_lun() {
	local n=512 lba=$((100 * MiB / BS)) blk p
	local half=$((n / 2)) half_pages=$((n / 2 * BS / 4096))
	# A block of base64 (no % in it, a printf format), and n of it.
	blk=$(head -c $((BS * 3 / 4)) /dev/urandom | base64 -w 0)
	printf '%s' "$blk" > "$W/blk"
	# shellcheck disable=SC2046,SC2059
	printf "$blk%.0s" $(seq $n) > "$W/ws"
	x sg_write_same --in="$W/blk" --lba="$lba" --num="$n" "$SDA"
	[ "$rc" = 0 ] || { diag "WRITE SAME of a block of data"; show; return 1; }
	same /dev/odx0 $((lba * BS)) "$W/ws" || return 1
	head -c $((half * BS)) /dev/zero > "$W/zero"
	p=$(counter odx0 pages)
	x sg_write_same --lba="$lba" --num="$half" "$SDA"
	[ "$rc" = 0 ] || { diag "WRITE SAME of zeros"; show; return 1; }
	same /dev/odx0 $((lba * BS)) "$W/zero" || return 1
	[ "$(counter odx0 pages)" -le $((p - half_pages)) ] ||
		{ diag "WRITE SAME of zeros left odx0's pages at $(counter odx0 pages) (from $p)"; return 1; }
	p=$(counter odx0 pages)
	x sg_write_same --unmap --lba=$((lba + half)) --num="$half" "$SDA"
	[ "$rc" = 0 ] || { diag "WRITE SAME with UNMAP"; show; return 1; }
	same /dev/odx0 $(((lba + half) * BS)) "$W/zero" || return 1
	[ "$(counter odx0 pages)" -le $((p - half_pages)) ] ||
		{ diag "WRITE SAME with UNMAP left odx0's pages at $(counter odx0 pages) (from $p)"; return 1; }
}

# ddpt --odx from LUN 0 to LUN 1: POPULATE TOKEN, WRITE USING TOKEN over tcm_loop.
t_ddpt_odx_between_luns() {
	local n=$((8 * MiB / BS)) sk=$((MiB / BS)) se=$((20 * MiB / BS)) shared
	rnd "$W/src" $((n * BS))
	put "$SDA" $((sk * BS)) "$W/src" || return 1
	shared=$(counter odx1 bytes_shared)
	x ddpt status=none --odx if="$SDA" of="$SDB" bs=$BS skip="$sk,$n" seek="$se,$n" count="$n"
	[ "$rc" = 0 ] || { diag "ddpt exit $rc"; show; return 1; }
	same /dev/odx1 $((se * BS)) "$W/src" || return 1
	same "$SDB" $((se * BS)) "$W/src" || return 1
	[ "$(counter odx1 bytes_shared)" -gt "$shared" ] ||
		{ diag "odx1's bytes_shared did not grow: not an offload copy"; return 1; }
}

# The sg node of a disk (sg_xcopy wants those).
sg_of() { echo "/dev/$(ls "/sys/block/${1#/dev/}/device/scsi_generic")"; }

# LIO's own EXTENDED COPY (LID1) between the two odx LUNs. Not on the debug
# kernel: LIO's target_xcopy_read_source() (6.12) initialises the work item of
# an se_cmd on its stack with INIT_WORK(), not INIT_WORK_ONSTACK(), and
# CONFIG_DEBUG_OBJECTS_WORK reports that (a LIO defect; the stock kernels,
# which run this case, lack the debug option).
t_sg_xcopy_between_luns() {
	local n=$((4 * MiB / BS)) sk=$((30 * MiB / BS)) se=$((40 * MiB / BS))
	[ "${ODX_KERNEL:-}" = debug ] &&
		{ skip "LIO's xcopy puts an unannotated work item on the stack (ODEBUG splat on the debug kernel)"; return 4; }
	rnd "$W/src" $((n * BS))
	put "$SDA" $((sk * BS)) "$W/src" || return 1
	x sg_xcopy if="$(sg_of "$SDA")" of="$(sg_of "$SDB")" bs=$BS skip="$sk" seek="$se" count="$n"
	[ "$rc" = 0 ] || { diag "sg_xcopy exit $rc"; show; return 1; }
	same /dev/odx1 $((se * BS)) "$W/src"
}

# A token minted over tcm_loop (ddpt rtf=) written with odxctl on the target
# side (the DSM ioctl), and one minted by odxctl written over tcm_loop.
t_token_lun_to_odxctl_and_back() {
	local n=$((MiB / BS)) sk=$((50 * MiB / BS)) se=$((60 * MiB / BS))
	rnd "$W/src" $((n * BS))
	put "$SDA" $((sk * BS)) "$W/src" || return 1
	rm -f "$W/t.rtf"
	x ddpt status=none if="$SDA" bs=$BS skip="$sk,$n" count="$n" rtf="$W/t.rtf"
	[ "$rc" = 0 ] && [ "$(stat -c %s "$W/t.rtf")" = 512 ] || { diag "ddpt rtf"; show; return 1; }
	x "$ODXCTL" write /dev/odx1 --token "$W/t.rtf" "$((se * BS))+$((n * BS))"
	[ "$rc" = 0 ] || { diag "odxctl write"; show; return 1; }
	same /dev/odx1 $((se * BS)) "$W/src" || return 1

	rnd "$W/src2" $((n * BS))
	put /dev/odx0 $((sk * BS)) "$W/src2" || return 1
	x "$ODXCTL" token /dev/odx0 "$((sk * BS))+$((n * BS))" --out "$W/t2.tok"
	[ "$rc" = 0 ] || { diag "odxctl token"; show; return 1; }
	x ddpt status=none rtf="$W/t2.tok" of="$SDB" bs=$BS seek="$((se + n)),$n" count="$n"
	[ "$rc" = 0 ] || { diag "ddpt write with odxctl's token"; show; return 1; }
	same /dev/odx1 $(((se + n) * BS)) "$W/src2"
}

# List identifiers belong to the I_T nexus: POPULATE TOKEN with a list
# identifier through target 1 is found by RRTI there, not through target 2
# (another nexus to the same odx device). Sent with sg_raw.
t_list_ids_per_nexus() {
	echo 0 > /sys/block/odx0/odx/ddpt_quirk
	list_ids_per_nexus
	rc=$?
	echo 1 > /sys/block/odx0/odx/ddpt_quirk
	return $rc
}

list_ids_per_nexus() {
	# POPULATE TOKEN, list identifier 77: 8 blocks at LBA 0, default lifetime.
	printf '\x00\x1e\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10' > "$W/pt"
	printf '\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x08\x00\x00\x00\x00' >> "$W/pt"
	x sg_raw -s 32 -i "$W/pt" "$SDA" 83 10 00 00 00 00 00 00 00 4d 00 00 00 20 00 00
	[ "$rc" = 0 ] || { diag "POPULATE TOKEN through $SDA"; show; return 1; }
	x sg_raw -r 600 "$SDA" 84 07 00 00 00 4d 00 00 00 00 00 00 02 58 00 00
	[ "$rc" = 0 ] || { diag "RRTI 77 through $SDA (same nexus)"; show; return 1; }
	x sg_raw -r 600 "$SDC" 84 07 00 00 00 4d 00 00 00 00 00 00 02 58 00 00
	[ "$rc" != 0 ] && grep -qi 'illegal request' "$W/out" "$W/err" ||
		{ diag "RRTI 77 through $SDC (another nexus) should be refused"; show; return 1; }
	# The token goes with DEL_TKN-less expiry; release it through the DSM side.
	"$ODXCTL" revoke /dev/odx0 >/dev/null 2>&1 || true
}

# CMD with odx0 and odx1 reading T10's range descriptors (ddpt_quirk=0).
t10() {	# t10 CMD...
	local r
	echo 0 > /sys/block/odx0/odx/ddpt_quirk
	echo 0 > /sys/block/odx1/odx/ddpt_quirk
	"$@"
	r=$?
	echo 1 > /sys/block/odx0/odx/ddpt_quirk
	echo 1 > /sys/block/odx1/odx/ddpt_quirk
	return $r
}

iscsi_odx_ready() {
	[ -x "${BIN:-}/iscsi_odx" ] || { skip "no iscsi_odx: libiscsi-dev is missing (scripts/setup.sh)"; return 4; }
}

# A token minted by an iSCSI initiator (POPULATE TOKEN and RRTI on LUN 0, odx0)
# written by odxctl on the target side (the DSM ioctl) into odx1; the copy
# read back over iSCSI too.
t_iscsi_token_to_odxctl() {
	iscsi_odx_ready || return
	t10 iscsi_token_to_odxctl
}

iscsi_token_to_odxctl() {
	local n=$((MiB / BS)) sk=$((80 * MiB / BS)) se=$((90 * MiB / BS))
	rnd "$W/src" $((n * BS))
	put /dev/odx0 $((sk * BS)) "$W/src" || return 1
	x "$BIN/iscsi_odx" populate "$URL0" "$sk" "$n" "$W/i.tok"
	[ "$rc" = 0 ] || { diag "iscsi_odx populate"; show; return 1; }
	x "$ODXCTL" write /dev/odx1 --token "$W/i.tok" "$((se * BS))+$((n * BS))"
	[ "$rc" = 0 ] || { diag "odxctl write with the iSCSI initiator's token"; show; return 1; }
	same /dev/odx1 $((se * BS)) "$W/src" || return 1
	x "$BIN/iscsi_odx" read "$URL1" "$se" "$n" "$W/back"
	[ "$rc" = 0 ] && cmp -s "$W/back" "$W/src" ||
		{ diag "LUN 1 over iSCSI does not hold the copy"; show; return 1; }
}

# A token minted by odxctl on the target side written over iSCSI with WRITE
# USING TOKEN into LUN 1 (odx1).
t_odxctl_token_over_iscsi() {
	iscsi_odx_ready || return
	t10 odxctl_token_over_iscsi
}

odxctl_token_over_iscsi() {
	local n=$((MiB / BS)) sk=$((82 * MiB / BS)) se=$((92 * MiB / BS))
	rnd "$W/src" $((n * BS))
	put /dev/odx0 $((sk * BS)) "$W/src" || return 1
	x "$ODXCTL" token /dev/odx0 "$((sk * BS))+$((n * BS))" --out "$W/o.tok"
	[ "$rc" = 0 ] || { diag "odxctl token"; show; return 1; }
	x "$BIN/iscsi_odx" write "$URL1" "$W/o.tok" "$se" "$n"
	[ "$rc" = 0 ] || { diag "iscsi_odx write with odxctl's token"; show; return 1; }
	same /dev/odx1 $((se * BS)) "$W/src" || return 1
	x "$BIN/iscsi_odx" read "$URL1" "$se" "$n" "$W/back"
	[ "$rc" = 0 ] && cmp -s "$W/back" "$W/src" ||
		{ diag "LUN 1 over iSCSI does not hold the copy"; show; return 1; }
}

# Two iSCSI sessions (two ISIDs, one initiator name) are two I_T nexuses: RRTI
# of one's list identifier is ILLEGAL REQUEST on the other, and both use the
# same list identifier for tokens of their own.
t_iscsi_list_ids_per_session() {
	iscsi_odx_ready || return
	t10 x "$BIN/iscsi_odx" nexus "$URL0" $((84 * MiB / BS)) 64
	show
	[ "$rc" = 0 ]
}

t_mkfs_fsck_on_lun() {
	x mkfs.ext4 -q -F "$SDB"
	[ "$rc" = 0 ] || { show; return 1; }
	x fsck.ext4 -fn "$SDB"
	[ "$rc" = 0 ] || { show; return 1; }
}

t_fio_verify_on_lun() {
	command -v fio >/dev/null || { skip "fio is not installed"; return 4; }
	x fio --name=lio --filename="$SDB" --direct=1 --rw=randwrite --bs=4k --size=8M \
		--offset=64M --verify=crc32c --do_verify=1 --iodepth=4 --ioengine=psync \
		--randrepeat=0 --output-format=terse
	[ "$rc" = 0 ] || { show; return 1; }
}

# The odx device cannot go while a backstore serves it.
t_claimed_device_stays() {
	x "$ODXCTL" remove 1
	[ "$rc" != 0 ] && [ -e /sys/block/odx1 ] || { diag "odx1 was removed under LIO"; show; return 1; }
}

pass_load module-load default nr_devices=2 size_mb=128 ddpt_quirk=1
pass_sh lio-setup lio_setup
for t in inquiry_3pc vpd_supported_lists_8f vpd_tpc_limits read_write_through_lun \
	 write_same_through_lun ddpt_odx_between_luns sg_xcopy_between_luns token_lun_to_odxctl_and_back \
	 list_ids_per_nexus mkfs_fsck_on_lun fio_verify_on_lun claimed_device_stays; do
	t_sh "$t" "t_$t"
done
pass_sh iscsi-setup iscsi_setup
for t in iscsi_token_to_odxctl odxctl_token_over_iscsi iscsi_list_ids_per_session; do
	t_sh "$t" "t_$t"
done
# libiscsi's conformance suite, a family a case, against LUN 0 (odx0: its data
# goes), MultipathIO with a second session to the same LUN.
t_batch 1500 "$("$here/iscsi-cu.sh" --list)" "$here/iscsi-cu.sh" "$URL0" "$URL0"
pass_sh lio-teardown lio_teardown
pass_unload module-unload
check_run
