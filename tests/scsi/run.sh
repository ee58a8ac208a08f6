#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest test suite for odx's SCSI front (SG_IO on /dev/odxN, odx_scsi.c): sg3_utils
# and ddpt against the devices, plus raw SG_IO cases (sg_odx, on the kselftest
# harness), on the one runner (tests/lib/check.sh). Runs INSIDE the guest, as root:
#
#   make -C tests/scsi && scripts/odx-vm -- tests/scsi/run.sh [PATTERN]
#
# Needs ODX_BUILD (the directory with odx.ko for the running kernel) and ODX_TOP
# (the project); sg3_utils and ddpt come from the host's root filesystem. sg_odx
# comes from $ODX_TOP/build/tests/scsi (make -C tests/scsi on the host) and odxctl
# from $ODX_TOP/build/tools; when missing or stale they are rebuilt into /tmp.
# PATTERN (a grep -E regex) runs only the matching cases (module loads and
# unloads, and the configfs devices, always run).
#
# One module load (nr_devices=2 size_mb=64) for the per-device settings, which
# devices made in configfs vary (tests/lib/check.sh: cfs_devs makes odx0 and
# odx1 again, so every case keeps its devices); a second load for the
# module-wide limits, module parameters read-only while odx is loaded:
#   default        the devices of the load: sg3_utils decoding, ddpt ODX copies
#                  (full, offsets, same device, overlapping, rtf= split,
#                  rtype=zero, tokens shared with odxctl both ways), ddpt
#                  pass-through copies, every sg_odx case but the limits ones,
#                  libiscsi's iscsi-test-cu (iscsi-test-cu.sh: iscsi.FAMILY cases)
#   limits         configfs devices with max_token_bytes=1M max_ranges=8: VPD 0x8F
#                  follows the settings, ddpt copies that need several tokens,
#                  too many ranges, truncation
#   bs4096         configfs devices with block_size=4096: READ CAPACITY, VPD,
#                  ddpt and sg_odx copies
#   module_limits  a load with max_tokens=8 default_ttl_ms=2000 max_ttl_ms=60000:
#                  VPD 0x8F follows them, max_tokens, the maximum inactivity
#                  timeout, default expiry
# Cases of the later passes are named PASS.NAME. sg_odx reads the settings of
# configfs-made devices from the directory $ODX_SG_SETTINGS names.
#
# Prints KTAP (tests/lib/check.sh): one result per case, a plan first. Exits 0
# iff every case passed. A case that cannot run is a failure.
. "$(dirname "$0")/../lib/check.sh"

BASE_ARGS=(nr_devices=2 size_mb=64)
# Per-device settings (configfs), and module-wide limits (module parameters).
LIMIT_SETTINGS=(max_token_bytes=1048576 max_ranges=8)
MODULE_LIMIT_ARGS=(max_tokens=8 default_ttl_ms=2000 max_ttl_ms=60000)
CMD_TIMEOUT=${ODX_SCSI_TIMEOUT:-300}
MiB=1048576
MAX_DXFER=$((8 * MiB))
src=${ODX_TOP:-}/tests/scsi

check_suite scsi "${1:-}"
W=$CHECK_W
check_programs scsi
check_odxctl

for tool in insmod rmmod blockdev timeout dd cmp sg_inq sg_vpd sg_readcap sg_turs \
	    sg_opcodes sg_modes sg_raw sg_wr_mode ddpt; do
	command -v "$tool" >/dev/null 2>&1 || diag "warning: $tool is missing"
done
diag "$(ddpt -V 2>&1 | head -n 1); sg3_utils $(sg_inq -V 2>&1 | head -n 1)"

# ---------------------------------------------------------------------------
# Helpers. A shell case is a function t_NAME returning 0 (pass) or 1 (fail,
# after saying why with diag).

# x CMD ARGS...: run a command; $rc is its status, $W/out and $W/err its output.
# (The helpers below read them with shell builtins: tests/lib/check.sh.)
x() {
	run_timeout "$CMD_TIMEOUT" "$@" >"$W/out" 2>"$W/err"
	rc=$?
	last="$*"
}

show() {
	diag "\$ $last  (exit $rc)"
	[ -s "$W/out" ] && diag "$(head -c 3000 "$W/out" | sed 's/^/stdout: /')"
	[ -s "$W/err" ] && diag "$(head -c 3000 "$W/err" | sed 's/^/stderr: /')"
	return 0
}

# What sg3_utils say when a response does not decode (sg_vpd itself prints
# "[invalid]" for a zero granularity alignment, so plain "invalid" is not one).
COMPLAIN='warning|error|bad |short|truncat|invalid (response|length|page|field|value)|unexpected|malformed|too long|too small|differ|problem|illegal|fail|unable|not found|mismatch'

# clean: the last command exited 0, printed nothing on stderr and no complaint.
clean() {
	if [ "$rc" != 0 ]; then
		diag "expected exit status 0"
		show
		return 1
	fi
	if [ -s "$W/err" ]; then
		diag "expected nothing on stderr"
		show
		return 1
	fi
	if lines_match -i "$COMPLAIN" "$W/out"; then
		diag "output complains: $(grep -Ei -- "$COMPLAIN" "$W/out" | head -n 3)"
		show
		return 1
	fi
}

# has REGEX...: the last command's stdout matches every REGEX (grep -E).
has() {
	local re
	for re in "$@"; do
		if ! lines_match "$re" "$W/out"; then
			diag "output does not match /$re/"
			show
			return 1
		fi
	done
}

# hasi REGEX...: the same, ignoring case.
hasi() {
	local re
	for re in "$@"; do
		if ! lines_match -i "$re" "$W/out"; then
			diag "output does not match /$re/i"
			show
			return 1
		fi
	done
}

# hasi_any REGEX...: stdout or stderr matches every REGEX, ignoring case.
hasi_any() {
	local re
	for re in "$@"; do
		if ! lines_match -i "$re" "$W/out" "$W/err"; then
			diag "output does not match /$re/i"
			show
			return 1
		fi
	done
}

# field LABEL: $REPLY, the number after "LABEL:" in the last stdout (first
# match), or nothing.
field() {
	local line re="^ *$1: *([0-9]+)"
	REPLY=
	while IFS= read -r line; do
		if [[ $line =~ $re ]]; then
			REPLY=${BASH_REMATCH[1]}
			return 0
		fi
	done <"$W/out"
}

# eq WHAT GOT WANT
eq() {
	if [ "$2" != "$3" ]; then
		diag "$1: got '$2', want '$3'"
		show
		return 1
	fi
}

# These set $REPLY, and fail when the file cannot be read. A module parameter:
param() { REPLY=; read -r REPLY <"/sys/module/odx/parameters/$1"; }
# A per-device setting of odx0 and odx1: from their configfs directory when
# they were made there ($ODX_SG_SETTINGS, which sg_odx reads too), else the
# module parameter.
setting() { REPLY=; read -r REPLY <"${ODX_SG_SETTINGS:-/sys/module/odx/parameters}/$1"; }
live() { REPLY=; read -r REPLY </sys/class/misc/odx-control/tokens_live; }
minted() {
	local a b
	REPLY=
	read -r a </sys/block/odx0/odx/tokens_minted || return 1
	read -r b </sys/block/odx1/odx/tokens_minted || return 1
	REPLY=$((a + b))
}

rnd() { head -c "$2" /dev/urandom >"$1"; }

# put DEV OFFSET FILE: write FILE onto DEV at byte OFFSET (O_DIRECT).
put() {
	if ! dd if="$3" of="$1" bs=64K seek="$2" oflag=seek_bytes,direct \
			conv=notrunc,fsync status=none 2>"$W/dd.err"; then
		diag "dd to $1 at $2 failed: $(<"$W/dd.err")"
		return 1
	fi
}

# get DEV OFFSET LENGTH FILE: read LENGTH bytes of DEV at OFFSET into FILE (O_DIRECT).
get() {
	if ! dd if="$1" of="$4" bs=64K skip="$2" count="$3" \
			iflag=skip_bytes,count_bytes,direct status=none 2>"$W/dd.err"; then
		diag "dd from $1 at $2 failed: $(<"$W/dd.err")"
		return 1
	fi
}

# dev_size DEV: $REPLY, the size of block device DEV in bytes (sysfs: 512-byte
# sectors), as blockdev --getsize64 says.
dev_size() {
	REPLY=
	read -r REPLY <"/sys/class/block/${1##*/}/size" || return 1
	REPLY=$((REPLY * 512))
}

# window_save DEV OFFSET LENGTH: remember DEV around [OFFSET, OFFSET + LENGTH),
# 128 KiB of guard on each side, in $W/win ($WOFF, $WLEN).
window_save() {
	local size
	dev_size "$1" || return 1
	size=$REPLY
	WOFF=$(( $2 > 131072 ? $2 - 131072 : 0 ))
	WLEN=$(( $2 + $3 + 131072 < size ? $2 + $3 + 131072 - WOFF : size - WOFF ))
	get "$1" "$WOFF" "$WLEN" "$W/win"
}

# window_check DEV OFFSET LENGTH DATA: DEV around [OFFSET, OFFSET + LENGTH) holds
# the saved window with DATA (a file, or "zero") in the middle: the copy went
# where it should and nowhere else.
window_check() {
	local out
	cp "$W/win" "$W/want"
	if [ "$4" = zero ]; then
		head -c "$3" /dev/zero >"$W/zeros"
		set -- "$1" "$2" "$3" "$W/zeros"
	fi
	if ! out=$(dd if="$4" of="$W/want" bs=64K seek=$(( $2 - WOFF )) oflag=seek_bytes \
			conv=notrunc status=none 2>&1); then
		diag "building the expected window: $out"
		return 1
	fi
	get "$1" "$WOFF" "$WLEN" "$W/got" || return 1
	if ! cmp -s "$W/got" "$W/want"; then
		out=$(cmp "$W/got" "$W/want" 2>&1 | head -n 1)
		diag "$1: data differs in [$WOFF, $((WOFF + WLEN))) (copy target [$2, $(($2 + $3)))): $out"
		diag "differing bytes: $(cmp -l "$W/got" "$W/want" 2>/dev/null | wc -l)"
		return 1
	fi
}

# tokens_back BEFORE: tokens_live is back to BEFORE (ddpt ends each token with DEL_TKN).
tokens_back() {
	local now
	live || return 1
	now=$REPLY
	if [ "$now" != "$1" ]; then
		diag "tokens_live is $now after the copy, was $1 before (DEL_TKN not honoured?)"
		return 1
	fi
}

# ddpt_ok ARGS...: ddpt exits 0 and reports no problem. (status=none: ddpt 0.97
# prints uninitialised counters after an ODX copy, e.g. "140724069454976+0 records
# in ... 115 unrecovered write errors".)
ddpt_ok() {
	x ddpt status=none "$@"
	if [ "$rc" != 0 ]; then
		diag "ddpt failed"
		show
		return 1
	fi
	if lines_match -i 'differs|warn|error|fail|problem|unable|illegal|sense|abort|short' \
			"$W/err" "$W/out"; then
		diag "ddpt complains"
		show
		return 1
	fi
	return 0
}

# copy_case SRC SKIP DST SEEK COUNT [DDPT ARGS...]: an ODX full copy of COUNT blocks
# with random source data, checked byte for byte with guards.
copy_case() {
	local s=$1 sk=$2 d=$3 se=$4 n=$5 l0
	shift 5
	rnd "$W/src" $((n * BS))
	put "$s" $((sk * BS)) "$W/src" || return 1
	window_save "$d" $((se * BS)) $((n * BS)) || return 1
	live || return 1
	l0=$REPLY
	ddpt_ok --odx if="$s" of="$d" bs="$BS" skip="$sk,$n" seek="$se,$n" count="$n" "$@" ||
		return 1
	window_check "$d" $((se * BS)) $((n * BS)) "$W/src" || return 1
	tokens_back "$l0"
}

# ---------------------------------------------------------------------------
# sg3_utils: everything decodes without complaint and shows the real values.

t_sg_turs() {
	x sg_turs /dev/odx0
	clean || return 1
	x sg_turs /dev/odx1
	clean
}

t_sg_inq() {
	x sg_inq /dev/odx0
	clean || return 1
	has 'Vendor identification: LINUX *$' 'Product identification: odx *$' \
	    'PQual=0 +(Device_type|PDT)=0' '3PC=1'
}

t_sg_vpd_supported() {
	x sg_vpd -p sv /dev/odx0
	clean || return 1
	hasi 'unit serial number' 'Device identification' 'Third party copy' 'Block limits'
}

# serial_line: $REPLY, the last stdout's "Unit serial number:" lines.
serial_line() {
	local line
	REPLY=
	while IFS= read -r line; do
		[[ $line != *"Unit serial number:"* ]] || REPLY+=$line$'\n'
	done <"$W/out"
}

t_sg_vpd_sn() {
	local a b
	x sg_vpd -p sn /dev/odx0
	clean || return 1
	has 'Unit serial number: [[:graph:]]' || return 1
	serial_line
	a=$REPLY
	x sg_vpd -p sn /dev/odx1
	clean || return 1
	serial_line
	b=$REPLY
	if [ "$a" = "$b" ]; then
		diag "odx0 and odx1 report the same serial: $a"
		return 1
	fi
}

t_sg_vpd_di() {
	local -a d0 d0b d1
	x sg_vpd -p di /dev/odx0
	clean || return 1
	has 'NAA' || return 1
	mapfile -t d0 <"$W/out"
	x sg_vpd -p di /dev/odx0
	clean || return 1
	mapfile -t d0b <"$W/out"
	x sg_vpd -p di /dev/odx1
	clean || return 1
	mapfile -t d1 <"$W/out"
	if [ "${d0[*]}" != "${d0b[*]}" ]; then
		diag "odx0's designators changed between two calls"
		return 1
	fi
	# (the first line names the device)
	if [ "${d0[*]:1}" = "${d1[*]:1}" ]; then
		diag "odx0 and odx1 report the same designators"
		return 1
	fi
	x sg_inq -p di /dev/odx0
	clean
}

t_sg_vpd_tpc() {
	local bsz mtb mxb lim want lines
	bsz=$BS
	setting max_token_bytes || return 1
	mtb=$REPLY
	setting max_transfer_bytes || return 1
	mxb=$REPLY
	lim=$(( (mtb < mxb ? mtb : mxb) / bsz ))
	x sg_vpd -p tpc /dev/odx0
	clean || return 1
	has 'Block Device ROD Token Limits' || return 1
	setting max_ranges || return 1
	want=$REPLY
	field 'Maximum range descriptors'
	eq "maximum range descriptors" "$REPLY" "$want" || return 1
	param max_ttl_ms || return 1
	want=$((REPLY / 1000))
	field 'Maximum inactivity timeout'
	eq "maximum inactivity timeout" "$REPLY" "$want" || return 1
	param default_ttl_ms || return 1
	want=$((REPLY / 1000))
	field 'Default inactivity timeout'
	eq "default inactivity timeout" "$REPLY" "$want" || return 1
	field 'Maximum token transfer size'
	eq "maximum token transfer size" "$REPLY" "$lim" || return 1
	hasi 'supported commands' 'ROD token features' 'general copy operations' \
	    '0x800000' || return 1
	# the first descriptor is Block Device ROD Token Limits (Windows needs it)
	mapfile -t -n 3 lines <"$W/out"
	if [[ "${lines[1]:-}${lines[2]:-}" != *"Block Device ROD Token Limits"* ]]; then
		diag "Block Device ROD Token Limits is not the first descriptor"
		show
		return 1
	fi
	x sg_vpd -p tpc /dev/odx1
	clean
}

t_sg_vpd_bl() {
	local mtl
	x sg_vpd -p bl /dev/odx0
	clean || return 1
	field 'Maximum transfer length'
	mtl=$REPLY
	if [ -z "$mtl" ] || [ "$mtl" = 0 ] || [ $((mtl * BS)) -gt $MAX_DXFER ]; then
		diag "maximum transfer length '$mtl' blocks: want non-zero and at most 8 MiB"
		show
		return 1
	fi
}

t_sg_readcap() {
	local size n
	dev_size /dev/odx0 || return 1
	size=$REPLY
	n=$((size / BS))
	x sg_readcap /dev/odx0
	clean || return 1
	has "Last LBA=$((n - 1)) " "Number of logical blocks=$n\$" \
	    "Logical block length=$BS bytes" || return 1
	x sg_readcap -l /dev/odx1
	clean || return 1
	has "Last LBA=$((n - 1)) " "Number of logical blocks=$n\$" \
	    "Logical block length=$BS bytes" 'Protection: prot_en=0'
}

t_sg_opcodes() {
	x sg_opcodes /dev/odx0
	clean || return 1
	hasi 'Populate token' 'Write using token' 'Receive ROD token information' \
	    'Read capacity\(16\)' 'Inquiry' || return 1
	x sg_opcodes -o 0x83 -s 0x10 /dev/odx0
	clean || return 1
	x sg_opcodes -o 0x28 /dev/odx0
	clean
}

t_sg_modes() {
	x sg_modes -p 0x0a /dev/odx0
	clean || return 1
	hasi 'control' || return 1
	x sg_modes -6 -p 0x0a /dev/odx0
	clean || return 1
	x sg_modes -a /dev/odx0
	clean
}

# Sense data as sg3_utils decode it: fixed, then descriptor after D_SENSE=1
# (set with sg_wr_mode, the sdparm-less way), on a device of its own.
t_sg_raw_sense() {
	local dev r
	x "$ODXCTL" create --size 8M
	dev=
	read -r dev <"$W/out"
	if [ "$rc" != 0 ] || ! [ -b "$dev" ]; then
		diag "odxctl create"
		show
		return 1
	fi
	sg_raw_sense_on "$dev"
	r=$?
	x "$ODXCTL" remove "$dev"
	if [ "$rc" != 0 ]; then
		diag "odxctl remove"
		show
		r=1
	fi
	return $r
}

sg_raw_sense_on() {
	local dev=$1 ok=0
	x sg_raw "$dev" c0 00 00 00 00 00
	if [ "$rc" = 0 ]; then
		diag "sg_raw of opcode 0xc0 succeeded"
		show
		return 1
	fi
	hasi_any 'fixed format' 'illegal request' 'invalid command operation code' || return 1
	x sg_wr_mode -p 0x0a -c 0a,0a,04 -m 00,00,04 "$dev"
	clean || return 1
	x sg_raw "$dev" c0 00 00 00 00 00
	hasi_any 'descriptor format' 'illegal request' 'invalid command operation code' ||
		ok=1
	x sg_raw /dev/odx1 c0 00 00 00 00 00
	hasi_any 'fixed format' || ok=1
	x sg_wr_mode -p 0x0a -c 0a,0a,00 -m 00,00,04 "$dev"
	clean || ok=1
	x sg_raw "$dev" c0 00 00 00 00 00
	hasi_any 'fixed format' || ok=1
	return $ok
}

# ---------------------------------------------------------------------------
# ddpt: ODX copies through POPULATE TOKEN / RRTI / WRITE USING TOKEN.

t_ddpt_odx_1m() {
	copy_case /dev/odx0 0 /dev/odx1 0 $((MiB / BS))
}

# 7 MiB and 13 blocks, odd offsets on both sides.
t_ddpt_odx_odd() {
	copy_case /dev/odx0 3 /dev/odx1 1001 $((7 * MiB / BS + 13))
}

t_ddpt_odx_same_device() {
	copy_case /dev/odx0 $((MiB / BS + 7)) /dev/odx0 $((20 * MiB / BS + 1)) \
		$((2 * MiB / BS + 5))
}

# Source and destination overlap: the copy is of the data as it was (point in time).
t_ddpt_odx_overlap() {
	copy_case /dev/odx1 $((30 * MiB / BS)) /dev/odx1 $((31 * MiB / BS)) $((2 * MiB / BS))
}

# Gather and scatter lists: several range descriptors on both sides.
t_ddpt_odx_sgl() {
	local a=$((MiB / BS + 1)) na=100 b=$((3 * MiB / BS + 5)) nb=37 c=$((6 * MiB / BS)) nc=300
	local d=$((25 * MiB / BS + 3)) nd=200 e=$((25 * MiB / BS + 400)) ne=237 l0 out
	for seg in "$a $na" "$b $nb" "$c $nc"; do
		set -- $seg
		rnd "$W/seg" $(($2 * BS))
		put /dev/odx0 $(($1 * BS)) "$W/seg" || return 1
	done
	: >"$W/src"
	for seg in "$a $na" "$b $nb" "$c $nc"; do
		set -- $seg
		get /dev/odx0 $(($1 * BS)) $(($2 * BS)) "$W/seg" || return 1
		cat "$W/seg" >>"$W/src"
	done
	window_save /dev/odx1 $((d * BS)) $(((e + ne - d) * BS)) || return 1
	live || return 1
	l0=$REPLY
	ddpt_ok --odx if=/dev/odx0 of=/dev/odx1 bs="$BS" skip="$a,$na,$b,$nb,$c,$nc" \
		seek="$d,$nd,$e,$ne" count=$((na + nb + nc)) || return 1
	# expected: the window with the concatenation scattered over d and e
	if ! out=$( { dd if="$W/src" of="$W/win" bs="$BS" count="$nd" seek=$((d * BS - WOFF)) \
			oflag=seek_bytes conv=notrunc status=none &&
		dd if="$W/src" of="$W/win" bs="$BS" skip="$nd" seek=$((e * BS - WOFF)) \
			oflag=seek_bytes conv=notrunc status=none; } 2>&1); then
		diag "building the expected window: $out"
		return 1
	fi
	: >"$W/empty"
	window_check /dev/odx1 $((d * BS)) 0 "$W/empty" || return 1
	tokens_back "$l0"
}

# devsum DEV: $REPLY, the checksum of the whole device (O_DIRECT)
devsum() {
	REPLY=
	dd if="$1" bs=1M iflag=direct status=none | md5sum >"$W/sum" || return 1
	read -r REPLY _ <"$W/sum"
}

# Without ddpt_quirk, ddpt 0.97's descriptors (one byte early) decode as LBA * 256
# and count * 256: the copy must be refused and change nothing.
t_ddpt_no_quirk() {
	local n=2048 sk=$((MiB / BS)) se=$((2 * MiB / BS)) s0 s1 t0 t1 l0 m0 m1 msg
	rnd "$W/src" $((n * BS))
	put /dev/odx0 $((sk * BS)) "$W/src" || return 1
	devsum /dev/odx0 || return 1
	s0=$REPLY
	devsum /dev/odx1 || return 1
	t0=$REPLY
	live || return 1
	l0=$REPLY
	minted || return 1
	m0=$REPLY
	ddpt_quirk N
	x ddpt status=none --odx if=/dev/odx0 of=/dev/odx1 bs="$BS" skip="$sk,$n" seek="$se,$n" \
		count="$n"
	ddpt_quirk Y
	if [ "$rc" = 0 ]; then
		diag "ddpt without ddpt_quirk succeeded"
		show
		return 1
	fi
	if ! lines_match -i 'LBA out of range|illegal request' "$W/err"; then
		diag "ddpt without ddpt_quirk did not fail with LBA OUT OF RANGE"
		show
		return 1
	fi
	devsum /dev/odx0 || return 1
	s1=$REPLY
	devsum /dev/odx1 || return 1
	t1=$REPLY
	if [ "$s0" != "$s1" ] || [ "$t0" != "$t1" ]; then
		diag "a device changed: odx0 $s0 -> $s1, odx1 $t0 -> $t1"
		return 1
	fi
	minted || return 1
	m1=$REPLY
	live || return 1
	if [ "$m1" != "$m0" ] || [ "$REPLY" != "$l0" ]; then
		diag "tokens minted $m0 -> $m1, live $l0 -> $REPLY"
		return 1
	fi
	mapfile -t -n 2 msg <"$W/err"
	diag "ddpt without the quirk (exit $rc): ${msg[*]}"
}

# Larger than max_token_bytes (limits pass): several tokens.
t_ddpt_odx_multi_token() {
	local m0 m1 n want mtb
	setting max_token_bytes || return 1
	mtb=$REPLY
	n=$((5 * MiB / BS + 7))
	want=$(( (n * BS + mtb - 1) / mtb ))
	minted || return 1
	m0=$REPLY
	copy_case /dev/odx0 11 /dev/odx1 $((MiB / BS + 3)) "$n" || return 1
	minted || return 1
	m1=$REPLY
	if [ $((m1 - m0)) != "$want" ]; then
		diag "ddpt minted $((m1 - m0)) tokens for $((n * BS)) bytes, want $want" \
		     "(max_token_bytes $mtb)"
		return 1
	fi
	diag "$((m1 - m0)) tokens for $((n * BS)) bytes"
}

# rtf= split: populate to a file, then write from it in a second ddpt.
t_ddpt_rtf_split() {
	local n sk se l0 ntok mtb size
	setting max_token_bytes || return 1
	mtb=$REPLY
	n=$((3 * MiB / BS + MiB / 2 / BS + 1))
	sk=$((4 * MiB / BS + 1))
	se=$((9 * MiB / BS + 17))
	ntok=$(( (n * BS + mtb - 1) / mtb ))
	rnd "$W/src" $((n * BS))
	put /dev/odx0 $((sk * BS)) "$W/src" || return 1
	window_save /dev/odx1 $((se * BS)) $((n * BS)) || return 1
	live || return 1
	l0=$REPLY
	rm -f "$W/t.rtf"
	ddpt_ok if=/dev/odx0 bs="$BS" skip="$sk,$n" count="$n" rtf="$W/t.rtf" ito=50 || return 1
	size=$(stat -c %s "$W/t.rtf")
	if [ "$size" != $((512 * ntok)) ]; then
		diag "rtf file is $size bytes, want $ntok tokens of 512"
		return 1
	fi
	live || return 1
	if [ "$REPLY" != $((l0 + ntok)) ]; then
		diag "tokens_live $REPLY after populating, want $((l0 + ntok))"
		return 1
	fi
	ddpt_ok rtf="$W/t.rtf" of=/dev/odx1 bs="$BS" seek="$se,$n" count="$n" || return 1
	window_check /dev/odx1 $((se * BS)) $((n * BS)) "$W/src" || return 1
	tokens_back "$l0"
}

t_ddpt_rtype_zero() {
	local n se
	n=$((MiB / BS + 9))
	se=$((12 * MiB / BS + 3))
	rnd "$W/fill" $((n * BS + 2 * 131072))
	put /dev/odx1 $((se * BS - 131072)) "$W/fill" || return 1
	window_save /dev/odx1 $((se * BS)) $((n * BS)) || return 1
	ddpt_ok if=/dev/null rtype=zero bs="$BS" of=/dev/odx1 seek="$se,$n" count="$n" || return 1
	window_check /dev/odx1 $((se * BS)) $((n * BS)) zero
}

# A ddpt-minted token (rtf file) written with odxctl (the DSM ioctl), then released.
t_ddpt_token_to_odxctl() {
	local n sk off l0
	n=$((MiB / BS + 3))
	sk=$((2 * MiB / BS + 5))
	off=$((14 * MiB))
	rnd "$W/src" $((n * BS))
	put /dev/odx0 $((sk * BS)) "$W/src" || return 1
	window_save /dev/odx1 "$off" $((n * BS)) || return 1
	live || return 1
	l0=$REPLY
	rm -f "$W/a.rtf"
	ddpt_ok if=/dev/odx0 bs="$BS" skip="$sk,$n" count="$n" rtf="$W/a.rtf" ito=50 || return 1
	x "$ODXCTL" write odx1 --token "$W/a.rtf" "$off+$((n * BS))"
	if [ "$rc" != 0 ] || ! lines_match "LengthCopied: $((n * BS)) " "$W/out"; then
		diag "odxctl write with the ddpt token"
		show
		return 1
	fi
	window_check /dev/odx1 "$off" $((n * BS)) "$W/src" || return 1
	x "$ODXCTL" release odx0 --token "$W/a.rtf"
	if [ "$rc" != 0 ]; then
		diag "odxctl release of the ddpt token"
		show
		return 1
	fi
	tokens_back "$l0"
}

# An odxctl-minted token (the DSM ioctl) written with ddpt rtf=.
t_odxctl_token_to_ddpt() {
	local n off se l0
	n=$((2 * MiB / BS + 1))
	off=$((3 * MiB))
	se=$((16 * MiB / BS + 9))
	rnd "$W/src" $((n * BS))
	put /dev/odx0 "$off" "$W/src" || return 1
	window_save /dev/odx1 $((se * BS)) $((n * BS)) || return 1
	live || return 1
	l0=$REPLY
	x "$ODXCTL" token odx0 "$off+$((n * BS))" --out "$W/b.tok"
	if [ "$rc" != 0 ]; then
		diag "odxctl token"
		show
		return 1
	fi
	ddpt_ok rtf="$W/b.tok" of=/dev/odx1 bs="$BS" seek="$se,$n" count="$n" || return 1
	window_check /dev/odx1 $((se * BS)) $((n * BS)) "$W/src" || return 1
	tokens_back "$l0"
}

# ddpt pass-through: READ/WRITE through SG_IO.
t_ddpt_pt_copy() {
	local n sk se
	n=$((3 * MiB / BS + 5))
	sk=$((5 * MiB / BS + 1))
	se=$((18 * MiB / BS + 3))
	rnd "$W/src" $((n * BS))
	put /dev/odx0 $((sk * BS)) "$W/src" || return 1
	window_save /dev/odx1 $((se * BS)) $((n * BS)) || return 1
	ddpt_ok if=/dev/odx0 iflag=pt of=/dev/odx1 oflag=pt bs="$BS" skip="$sk" seek="$se" \
		count="$n" || return 1
	window_check /dev/odx1 $((se * BS)) $((n * BS)) "$W/src"
}

# 16-byte CDBs and the largest transfers the device allows (up to 8 MiB).
t_ddpt_pt_copy16() {
	local n sk se bpt mtl
	x sg_vpd -p bl /dev/odx0
	field 'Maximum transfer length'
	mtl=$REPLY
	bpt=$((MAX_DXFER / BS))
	if [ -n "$mtl" ] && [ "$mtl" -gt 0 ] && [ "$mtl" -lt "$bpt" ]; then
		bpt=$mtl
	fi
	n=$((9 * MiB / BS + 3))
	sk=$((22 * MiB / BS))
	se=$((33 * MiB / BS + 1))
	rnd "$W/src" $((n * BS))
	put /dev/odx0 $((sk * BS)) "$W/src" || return 1
	window_save /dev/odx1 $((se * BS)) $((n * BS)) || return 1
	ddpt_ok if=/dev/odx0 iflag=pt of=/dev/odx1 oflag=pt cdbsz=16 bs="$BS" bpt="$bpt" \
		skip="$sk" seek="$se" count="$n" || return 1
	window_check /dev/odx1 $((se * BS)) $((n * BS)) "$W/src"
}

# pass-through to and from a regular file
t_ddpt_pt_file() {
	local n sk se
	n=$((MiB / BS + 11))
	sk=$((7 * MiB / BS + 2))
	se=$((44 * MiB / BS + 5))
	rnd "$W/src" $((n * BS))
	put /dev/odx0 $((sk * BS)) "$W/src" || return 1
	window_save /dev/odx1 $((se * BS)) $((n * BS)) || return 1
	rm -f "$W/pt.img"
	ddpt_ok if=/dev/odx0 iflag=pt of="$W/pt.img" bs="$BS" skip="$sk" count="$n" || return 1
	if ! cmp -s "$W/pt.img" "$W/src"; then
		diag "pass-through read into a file: data differs: $(cmp "$W/pt.img" "$W/src" 2>&1)"
		return 1
	fi
	ddpt_ok if="$W/pt.img" of=/dev/odx1 oflag=pt bs="$BS" seek="$se" count="$n" || return 1
	window_check /dev/odx1 $((se * BS)) $((n * BS)) "$W/src"
}

# ddpt 0.97 (Debian 12) writes its block device range descriptors one byte early
# (ddpt_xcopy.c starts them at offset 15 of the POPULATE TOKEN parameter list and
# 535 of WRITE USING TOKEN's); odx reads them there only with ddpt_quirk=Y, which
# the ddpt cases turn on for themselves. Everything else runs with the T10 layout.
ddpt_quirk() {	# ddpt_quirk Y|N: on every odx device
	local f
	for f in /sys/block/odx*/odx/ddpt_quirk; do
		echo "$1" >"$f" || return 1
	done
}

# ---------------------------------------------------------------------------
# The cases

# Every load: the logical block size the cases use.
check_after_load() {
	read -r BS </sys/block/odx0/queue/logical_block_size || return 1
	diag "logical block size $BS"
}

# odx0 and odx1 made again in configfs (directories NAME-0 and NAME-1) with
# settings of their own, the settings sg_odx and setting() read.
devices() {	# devices NAME ATTR=VALUE...
	local name=$1
	shift
	cfs_devs "$name" 2 "$@" || return 1
	export ODX_SG_SETTINGS=$CHECK_CFS/$name-0
	check_after_load
}

devices_removed() {	# devices_removed NAME
	unset ODX_SG_SETTINGS
	cfs_dev_remove "$1-0" "$1-1"
}

sh_cases() {	# sh_cases NAME...: shell cases t_NAME
	local n
	for n in "$@"; do
		t_sh "$n" "t_$n"
	done
}

# Pass 1: defaults.
pass_load module_load_default default "${BASE_ARGS[@]}"
sh_cases sg_turs sg_inq sg_vpd_supported sg_vpd_sn sg_vpd_di sg_vpd_tpc sg_vpd_bl \
	sg_readcap sg_opcodes sg_modes
t_do ddpt_quirk Y
sh_cases ddpt_odx_1m ddpt_odx_odd ddpt_odx_same_device ddpt_odx_overlap ddpt_odx_sgl \
	ddpt_rtf_split ddpt_rtype_zero ddpt_no_quirk ddpt_token_to_odxctl odxctl_token_to_ddpt \
	ddpt_pt_copy ddpt_pt_copy16 ddpt_pt_file
t_do ddpt_quirk N
# All sg_odx cases but those of the limits devices and the module_limits pass.
# One run of sg_odx for them all (its harness forks a child per case).
c_names=()
for n in $(harness_list "$BIN/sg_odx"); do
	case $n in max_tokens|pt_truncated|wut_expired_default|mode_select_dsense) ;;
	*) c_names+=("$n") ;;
	esac
done
t_harness_only sg_odx "${c_names[@]}"
# Last: D_SENSE changes the sense format of everything after it on odx0/odx1.
sh_cases sg_raw_sense
t_harness_only sg_odx mode_select_dsense
# Last: it writes all over odx0. libiscsi's conformance suite: one case per
# family odx supports, one for the rest.
t_batch 1800 "$("$src/iscsi-test-cu.sh" --list)" "$src/iscsi-test-cu.sh" /dev/odx0

# Small per-device limits.
case_prefix limits.
pass_sh limits_devices devices limits "${LIMIT_SETTINGS[@]}"
sh_cases sg_vpd_tpc
t_do ddpt_quirk Y
sh_cases ddpt_odx_multi_token ddpt_rtf_split ddpt_odx_1m
t_do ddpt_quirk N
t_harness_only sg_odx inquiry_vpd8f pt_too_many_ranges wut_too_many_ranges pt_truncated
pass_sh limits_devices_removed devices_removed limits

# 4096-byte logical blocks.
case_prefix bs4096.
pass_sh bs4096_devices devices bs4096 block_size=4096
sh_cases sg_readcap sg_vpd_tpc sg_vpd_bl
t_do ddpt_quirk Y
sh_cases ddpt_odx_1m ddpt_odx_odd ddpt_odx_same_device ddpt_rtf_split ddpt_pt_copy \
	ddpt_pt_copy16
t_do ddpt_quirk N
t_harness_only sg_odx readcap inquiry_vpd8f inquiry_vpdb0 sgio_dxfer_len read_write \
	rw_lba_out_of_range pt_rrti_wut wut_offset_into_rod rod_token_format pt_lba_out_of_range \
	wut_lba_out_of_range wut_zero_token interop_dsm_to_scsi wut_cross_block_size
pass_sh bs4096_devices_removed devices_removed bs4096
pass_unload module_unload_default

# The module-wide limits: module parameters, fixed while odx is loaded.
case_prefix module_limits.
pass_load module_load_module_limits module_limits "${BASE_ARGS[@]}" "${MODULE_LIMIT_ARGS[@]}"
sh_cases sg_vpd_tpc
t_harness_only sg_odx inquiry_vpd8f pt_ito_too_large max_tokens wut_expired_default
pass_unload module_unload_module_limits

check_run
