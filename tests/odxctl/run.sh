#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest tests of odxctl, the odx command-line tool, on the one runner
# (tests/lib/check.sh). Runs INSIDE the guest, as root:
#
#   make -C tools && scripts/odx-vm --kernel debian-6.12 -- tests/odxctl/run.sh [PATTERN]
#
# Needs ODX_BUILD (the directory with odx.ko for the running kernel) and ODX_TOP
# (the project). odxctl comes from $ODX_TOP/build/tools/odxctl (make -C tools on
# the host); when it is missing or older than its sources and the guest has make
# and gcc, it is rebuilt into the suite's directory. ODXCTL_TEST_BIN=PATH tests
# that binary instead (as is: no rebuild). PATTERN (a grep -E regex) runs only
# the matching tests (module loads and unloads, and the configfs devices, always
# run).
#
# no_module first, without odx; then one module load (nr_devices=2 size_mb=64):
#   default   odx0 and odx1 of the load: every subcommand, data checks, errors,
#             JSON
#   lio       (in the default pass) LIO's modules from $ODX_MODROOT and
#             odx_target.ko: export over tcm_loop (data both ways) and iSCSI
#             (configfs), exports, unexport, errors; all undone before limits
#   limits    odx0 and odx1 made again in configfs (tests/lib/check.sh:
#             cfs_devs) with max_token_bytes=1048576 max_transfer_bytes=262144:
#             copies that need several tokens and writes, truncation,
#             overlapping copies
#
# Prints KTAP (tests/lib/check.sh): one result per test, a plan first. Exits 0
# iff every test passed.
. "$(dirname "$0")/../lib/check.sh"

BASE_ARGS=(nr_devices=2 size_mb=64)
LIMIT_SETTINGS=(max_token_bytes=1048576 max_transfer_bytes=262144)
CMD_TIMEOUT=${ODXCTL_TEST_TIMEOUT:-300}
MiB=1048576

check_suite odxctl "${1:-}"
[ -f "$ODX_TOP/tools/odxctl/main.c" ] || check_abort setup "$ODX_TOP has no tools/odxctl/main.c"
W=$CHECK_W
check_odxctl
for tool in insmod rmmod blockdev python3 cmp dd timeout; do
	command -v "$tool" >/dev/null 2>&1 || diag "warning: $tool is missing"
done

# ---------------------------------------------------------------------------
# Helpers. A test is a function t_NAME returning 0 (pass) or 1 (fail, after
# saying why with diag).

# x ARGS...: run odxctl; $rc is its status, $W/out and $W/err its output.
x() {
	timeout -k 5 "$CMD_TIMEOUT" "$ODXCTL" "$@" >"$W/out" 2>"$W/err"
	rc=$?
	last="odxctl $*"
}

show() {
	diag "\$ $last  (exit $rc)"
	[ -s "$W/out" ] && diag "$(head -c 2000 "$W/out" | sed 's/^/stdout: /')"
	[ -s "$W/err" ] && diag "$(head -c 2000 "$W/err" | sed 's/^/stderr: /')"
	return 0
}

# expect RC [REGEX [REGEX...]]: the last odxctl exited RC and its stdout or
# stderr match every REGEX (grep -E).
expect() {
	local want=$1 re
	shift
	if [ "$rc" != "$want" ]; then
		diag "expected exit status $want"
		show
		return 1
	fi
	for re in "$@"; do
		if ! cat "$W/out" "$W/err" | grep -Eq -- "$re"; then
			diag "output does not match /$re/"
			show
			return 1
		fi
	done
	return 0
}

# stdout_has REGEX / stderr_has REGEX: the last odxctl's stdout (stderr) matches.
stdout_has() {
	grep -Eq -- "$1" "$W/out" && return 0
	diag "stdout does not match /$1/"
	show
	return 1
}

stderr_has() {
	grep -Eq -- "$1" "$W/err" && return 0
	diag "stderr does not match /$1/"
	show
	return 1
}

# json_ok [PYTHON-EXPR...]: the last stdout is one valid JSON object (python3
# -m json.tool) and each expression over it, d, is true.
json_ok() {
	local e
	if ! python3 -m json.tool "$W/out" >"$W/json.out" 2>"$W/json.err"; then
		diag "stdout is not valid JSON: $(cat "$W/json.err")"
		show
		return 1
	fi
	for e in "$@"; do
		if ! python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert isinstance(d, dict), "not an object"
sys.exit(0 if eval(sys.argv[2]) else 1)' "$W/out" "$e" 2>"$W/json.err"; then
			diag "JSON check failed: $e $(cat "$W/json.err")"
			show
			return 1
		fi
	done
	return 0
}

# json_line: the last odxctl succeeded and its stdout is one JSON object on one
# line, as python3 -m json.tool reads it, with nothing on stderr (odxctl.8, JSON
# OUTPUT).
json_line() {
	if [ "$rc" != 0 ]; then
		diag "expected exit status 0"
		show
		return 1
	fi
	if ! python3 -m json.tool "$W/out" >"$W/json.out" 2>"$W/json.err"; then
		diag "stdout is not valid JSON (python3 -m json.tool): $(cat "$W/json.err")"
		show
		return 1
	fi
	if [ "$(wc -l <"$W/out")" != 1 ] || [ "$(head -c 1 "$W/out")" != "{" ]; then
		diag "stdout is not one JSON object on one line"
		show
		return 1
	fi
	if [ -s "$W/err" ]; then
		diag "--json wrote to stderr"
		show
		return 1
	fi
}

# json_error RC: the last odxctl (given --json) failed with RC and printed no
# JSON, nothing at all, on stdout: errors go to stderr.
json_error() {
	expect "$1" || return 1
	if [ -s "$W/out" ]; then
		diag "a failing --json command wrote to stdout"
		show
		return 1
	fi
}

# Random data file: rnd FILE BYTES
rnd() {
	head -c "$2" /dev/urandom >"$1"
}

# put DEV OFFSET FILE: write FILE onto DEV at byte OFFSET (O_DIRECT).
put() {
	local out
	if ! out=$(dd if="$3" of="$1" bs=64K seek="$2" oflag=seek_bytes,direct \
			conv=notrunc,fsync status=none 2>&1); then
		diag "dd to $1 at $2 failed: $out"
		return 1
	fi
}

# get DEV OFFSET LENGTH FILE: read LENGTH bytes of DEV at OFFSET into FILE.
get() {
	local out
	if ! out=$(dd if="$1" of="$4" bs=64K skip="$2" count="$3" \
			iflag=skip_bytes,count_bytes,direct status=none 2>&1); then
		diag "dd from $1 at $2 failed: $out"
		return 1
	fi
}

# same DEV OFFSET FILE [SKIP]: DEV at OFFSET holds FILE (from byte SKIP of it).
same() {
	local len
	len=$(stat -c %s "$3")
	get "$1" "$2" "$len" "$W/readback" || return 1
	if ! cmp -s "$W/readback" "$3"; then
		diag "$1 at $2: data differs from $3: $(cmp "$W/readback" "$3" 2>&1 | head -n 1)"
		return 1
	fi
}

# zeros DEV OFFSET LENGTH: that part of DEV reads as zeros.
zeros() {
	head -c "$3" /dev/zero >"$W/zeros"
	same "$1" "$2" "$W/zeros"
}

cnt() {	# cnt odxN COUNTER
	cat "/sys/block/$1/odx/$2"
}

# ---------------------------------------------------------------------------
# Tests on the devices of the load: /dev/odx0 and /dev/odx1, 64 MiB, 512-byte blocks.

t_help() {
	local c
	x --help && expect 0 '^Usage: odxctl COMMAND' 'Exit status' || return 1
	for c in create remove list info token write release revoke zero copy export unexport exports; do
		x "$c" --help
		expect 0 "^Usage: odxctl $c" 'Exit status: 0 success' || return 1
		[ ! -s "$W/err" ] || { diag "$c --help wrote to stderr"; show; return 1; }
	done
	x help copy && expect 0 '^Usage: odxctl copy SRC' || return 1
	x --version && expect 0 '^odxctl [0-9]' || return 1
}

t_usage_errors() {
	x && expect 2 'Usage:' || return 1
	x frobnicate && expect 2 "unknown command 'frobnicate'" || return 1
	x list --bogus && expect 2 'unknown or ambiguous option --bogus' "see 'odxctl list --help'" ||
		return 1
	x list --json=yes && expect 2 'unknown option --json=yes, or it takes no argument' || return 1
	x info -x 0 && expect 2 'unknown option -x' || return 1
	x copy 0 1 2 && expect 2 "unexpected argument '2'" || return 1
	x copy /dev/odx0 && expect 2 'give SRC\[@OFFSET\] and DST' || return 1
	x copy 0 1 --length && expect 2 'option --length needs an argument' || return 1
	x write /dev/odx1 0+4K && expect 2 'no token: give --token' || return 1
	x token /dev/odx0 && expect 2 'no RANGE given' || return 1
	x token /dev/odx0 0+4K --ttl soon && expect 2 "bad --ttl 'soon'" || return 1
	x remove && expect 2 'which device' || return 1
}

t_list() {
	x list && expect 0 '^DEVICE +SIZE +BLOCK +PAGES +TOKENS' \
		'^/dev/odx0 +64 MiB +512 ' '^/dev/odx1 +64 MiB +512 ' || return 1
	x list --json && json_ok \
		'[e["device"] for e in d["devices"]] == ["/dev/odx0", "/dev/odx1"]' \
		'all(e["size"] == 64 << 20 and e["block_size"] == 512 for e in d["devices"])' \
		'all("pages" in e and "tokens_live" in e for e in d["devices"])'
}

t_info() {
	local f
	for f in /dev/odx0 odx0 0; do
		x info "$f" && expect 0 '^device: +/dev/odx0 \(index 0\)' \
			'^size: +67108864 bytes \(64 MiB\)' '^block size: +512' \
			'features: +0x[0-9a-f]+ point_in_time zero_token' \
			'maximum token size: +268435456 bytes' 'maximum data descriptors: +64' \
			'^  tokens_minted +[0-9]+' '^  bytes_copied +[0-9]+' \
			'^settings \(/sys/block/odx0/odx, writable\):$' '^  share_pages +1$' \
			'^  token_bytes_max +[0-9]+$' '^  max_tokens +131072' || return 1
		# The settings in their own group, not among the counters.
		if sed -n '/^counters/,/^settings/p' "$W/out" | grep -Eq 'share_pages|_max'; then
			diag "a setting is listed among the counters"
			show
			return 1
		fi
	done
	x info /dev/odx1 --json && json_ok 'd["device"] == "/dev/odx1"' 'd["index"] == 1' \
		'd["size"] == 64 << 20' 'd["block_size"] == 512' 'd["read_only"] is False' \
		'd["caps"]["version"] == 1' 'd["caps"]["block_size"] == 512' \
		'd["caps"]["maximum_data_descriptors"] == 64' \
		'd["caps"]["maximum_token_size"] == 256 << 20' \
		'"zero_token" in d["caps"]["feature_names"]' \
		'd["counters"]["tokens_live"] >= 0' 'd["counters"]["bytes_zeroed"] >= 0' \
		'd["counters"]["token_bytes"] >= 0' \
		'{"share_pages", "allow_cross_device", "ddpt_quirk", "token_bytes_max", "token_age_max_ms"} <= set(d["settings"])' \
		'd["settings"]["share_pages"] == 1 and d["settings"]["ddpt_quirk"] == 0' \
		'not set(d["settings"]) & set(d["counters"])' \
		'd["parameters"]["max_ranges"] == 64'
}

# Offload read to a file, offload write from it, compare.
t_token_write_file() {
	local minted
	rnd "$W/a" $MiB && put /dev/odx0 0 "$W/a" || return 1
	minted=$(cnt odx0 tokens_minted)
	x token /dev/odx0 0+1M --out "$W/tok" --ttl 10m
	expect 0 '^LengthProtected: 1048576 bytes \(1 MiB\) of 1048576 requested' \
		'^Truncated: no' || return 1
	[ "$(stat -c %s "$W/tok")" = 512 ] || { diag "token file is not 512 bytes"; return 1; }
	[ "$(stat -c %a "$W/tok")" = 600 ] || { diag "token file mode is not 600"; return 1; }
	[ "$(cnt odx0 tokens_minted)" = $((minted + 1)) ] ||
		{ diag "tokens_minted did not move by 1"; return 1; }
	x write /dev/odx1 --token "$W/tok" 2M+1M
	expect 0 '^LengthCopied: 1048576 bytes \(1 MiB\) of 1048576 requested' \
		'^Flags: 0x0 \(none\)' || return 1
	same /dev/odx1 $((2 * MiB)) "$W/a"
}

# The default output: hex on stdout alone; the hex as --token, and on stdin.
t_token_write_hex() {
	local tok
	rnd "$W/b" $((256 * 1024)) && put /dev/odx0 $((4 * MiB)) "$W/b" || return 1
	x token odx0 4M+256K --ttl 600000 && expect 0 || return 1
	stderr_has '^LengthProtected: 262144 bytes' || return 1
	stderr_has '^Truncated: no' || return 1
	if ! grep -Eqx '[0-9a-f]{1024}' "$W/out" || [ "$(wc -l <"$W/out")" != 1 ]; then
		diag "stdout is not one line of 1024 hex digits"
		show
		return 1
	fi
	tok=$(cat "$W/out")
	x write 1 --token "$tok" 8M+256K && expect 0 '^LengthCopied: 262144 ' || return 1
	same /dev/odx1 $((8 * MiB)) "$W/b" || return 1
	# A hex token file, as 'odxctl token > FILE' writes it, and standard input.
	printf '%s\n' "$tok" >"$W/tok.hex"
	x write /dev/odx1 --token "$W/tok.hex" 9M+256K && expect 0 '^LengthCopied: 262144 ' ||
		return 1
	same /dev/odx1 $((9 * MiB)) "$W/b" || return 1
	timeout -k 5 "$CMD_TIMEOUT" "$ODXCTL" write /dev/odx1 --token - 10M+256K \
		<"$W/tok.hex" >"$W/out" 2>"$W/err"
	rc=$?
	last="odxctl write /dev/odx1 --token - 10M+256K < tok.hex"
	expect 0 '^LengthCopied: 262144 ' && same /dev/odx1 $((10 * MiB)) "$W/b" || return 1
	# Through a pipe, as odxctl.8 shows.
	timeout -k 5 "$CMD_TIMEOUT" bash -c '"$1" token odx0 4M+256K | "$1" write odx1 --token - 11M+256K' \
		_ "$ODXCTL" >"$W/out" 2>"$W/err"
	rc=$?
	last="odxctl token odx0 4M+256K | odxctl write odx1 --token - 11M+256K"
	expect 0 '^LengthProtected: 262144 ' '^LengthCopied: 262144 ' &&
		same /dev/odx1 $((11 * MiB)) "$W/b"
}

# Several source ranges into one destination range; --token-offset; truncation.
t_token_ranges() {
	rnd "$W/c1" $((512 * 1024)) && rnd "$W/c2" $((512 * 1024)) || return 1
	put /dev/odx0 $((12 * MiB)) "$W/c1" && put /dev/odx0 $((14 * MiB)) "$W/c2" || return 1
	cat "$W/c1" "$W/c2" >"$W/c12"
	x token /dev/odx0 12M+512K 14M+512K --out "$W/tok" --ttl 10m &&
		expect 0 '^LengthProtected: 1048576 ' || return 1
	x write /dev/odx1 --token "$W/tok" 16M+1M && expect 0 '^LengthCopied: 1048576 ' ||
		return 1
	same /dev/odx1 $((16 * MiB)) "$W/c12" || return 1
	# From 512K into the token's data: the second range.
	x write /dev/odx1 --token "$W/tok" --token-offset 512K 18M+512K &&
		expect 0 '^LengthCopied: 524288 ' '^Flags: 0x0' || return 1
	same /dev/odx1 $((18 * MiB)) "$W/c2" || return 1
	# Two destination ranges.
	x write /dev/odx1 --token "$W/tok" 20M+256K 21M+768K && expect 0 '^LengthCopied: 1048576 ' ||
		return 1
	head -c $((256 * 1024)) "$W/c12" >"$W/c12a"
	tail -c $((768 * 1024)) "$W/c12" >"$W/c12b"
	same /dev/odx1 $((20 * MiB)) "$W/c12a" && same /dev/odx1 $((21 * MiB)) "$W/c12b" ||
		return 1
	# Destination larger than the token: short, WRITE_RANGE_TRUNCATED, still 0.
	x write /dev/odx1 --token "$W/tok" 24M+2M &&
		expect 0 '^LengthCopied: 1048576 ' '^Flags: 0x1 WRITE_RANGE_TRUNCATED' || return 1
	x write /dev/odx1 --token "$W/tok" --token-offset 512K 26M+1M --json &&
		json_ok 'd["length_copied"] == 524288' 'd["truncated"] is True' \
			'd["flags"] == 1' 'd["token_offset"] == 524288' \
			'd["ranges"] == [{"offset": 26 << 20, "length": 1 << 20}]' || return 1
	same /dev/odx1 $((26 * MiB)) "$W/c2"
}

# A token keeps the data as it was when minted.
t_token_point_in_time() {
	rnd "$W/old" $MiB && rnd "$W/new" $MiB || return 1
	put /dev/odx0 $((30 * MiB)) "$W/old" || return 1
	x token /dev/odx0 30M+1M --out "$W/tok" --ttl 10m && expect 0 || return 1
	put /dev/odx0 $((30 * MiB)) "$W/new" || return 1
	x write /dev/odx1 --token "$W/tok" 30M+1M && expect 0 '^LengthCopied: 1048576 ' || return 1
	same /dev/odx1 $((30 * MiB)) "$W/old" && same /dev/odx0 $((30 * MiB)) "$W/new"
}

t_token_json() {
	x token /dev/odx0 0+64K 1M+64K --ttl 5s --json && json_ok \
		'd["device"] == "/dev/odx0"' 'd["length_protected"] == 128 << 10' \
		'd["requested"] == 128 << 10' 'd["truncated"] is False' 'd["ttl_ms"] == 5000' \
		'len(d["token"]) == 1024 and int(d["token"], 16) >= 0' \
		'len(d["ranges"]) == 2' || return 1
	[ ! -s "$W/err" ] || { diag "token --json wrote to stderr"; show; return 1; }
	x token /dev/odx0 0+64K --out "$W/tok" --json &&
		json_ok "d[\"token_file\"] == \"$W/tok\"" '"token" not in d'
}

t_release() {
	local rel
	x token /dev/odx0 0+1M --out "$W/tok" --ttl 10m && expect 0 || return 1
	rel=$(cnt odx0 tokens_released)
	x release /dev/odx0 --token "$W/tok" && expect 0 '^released' || return 1
	[ "$(cnt odx0 tokens_released)" = $((rel + 1)) ] ||
		{ diag "tokens_released did not move"; return 1; }
	x write /dev/odx1 --token "$W/tok" 0+1M
	expect 3 'invalid token' 'EKEYREJECTED' 'odxctl token' || return 1
	x release odx1 --token "$W/tok" && expect 3 'EKEYREJECTED' || return 1
}

t_revoke() {
	x revoke /dev/odx0 && expect 0 '^revoked [0-9]+ tokens?$' || return 1
	x token /dev/odx0 0+1M --out "$W/tok" --ttl 10m && expect 0 || return 1
	x token /dev/odx0 1M+1M --out "$W/tok2" --ttl 10m && expect 0 || return 1
	x token /dev/odx1 0+1M --out "$W/tok3" --ttl 10m && expect 0 || return 1
	x revoke odx0 && expect 0 '^revoked 2 tokens$' || return 1
	x write /dev/odx1 --token "$W/tok" 2M+1M && expect 3 'EKEYREJECTED' || return 1
	x write /dev/odx0 --token "$W/tok3" 2M+1M && expect 0 'LengthCopied: 1048576' || return 1
	x revoke 0 --json && json_ok 'd["device"] == "/dev/odx0"' 'd["revoked"] == 0' || return 1
	x revoke && expect 2 'which device' || return 1
	x release odx1 --token "$W/tok3" && expect 0 '^released' || return 1
}

t_zero() {
	rnd "$W/z" $((4 * MiB)) && put /dev/odx1 $((32 * MiB)) "$W/z" || return 1
	x zero /dev/odx1 33M+64K 34M+4K 35M+512 && expect 0 '^zeroed 70144 bytes' || return 1
	cp "$W/z" "$W/zexp"
	dd if=/dev/zero of="$W/zexp" bs=1K seek=1024 count=64 conv=notrunc status=none
	dd if=/dev/zero of="$W/zexp" bs=1K seek=2048 count=4 conv=notrunc status=none
	dd if=/dev/zero of="$W/zexp" bs=512 seek=6144 count=1 conv=notrunc status=none
	same /dev/odx1 $((32 * MiB)) "$W/zexp" || return 1
	x zero odx1 32M+4M --json && json_ok 'd["bytes_zeroed"] == 4 << 20' \
		'd["requested"] == 4 << 20' 'd["writes"] >= 1' || return 1
	zeros /dev/odx1 $((32 * MiB)) $((4 * MiB))
}

t_copy() {
	local out
	rnd "$W/d" $((4 * MiB)) && put /dev/odx0 $((40 * MiB)) "$W/d" || return 1
	x copy /dev/odx0@40M /dev/odx1@44M --length 4M
	expect 0 '^copied 4194304 bytes \(4 MiB\) in [0-9.]+ s, [0-9.]+ [KMGT]?i?B/s; 1 token, 1 write$' ||
		return 1
	same /dev/odx1 $((44 * MiB)) "$W/d" || return 1
	# The default length is the rest of the source.
	rnd "$W/e" $((2 * MiB)) && put /dev/odx0 $((62 * MiB)) "$W/e" || return 1
	x copy odx0@62M 1@48M --json && json_ok 'd["bytes_copied"] == 2 << 20' \
		'd["length"] == 2 << 20' 'd["source"] == "/dev/odx0"' \
		'd["destination"] == "/dev/odx1"' 'd["source_offset"] == 62 << 20' \
		'd["destination_offset"] == 48 << 20' 'd["seconds"] >= 0' \
		'd["bytes_per_second"] >= 0' 'd["tokens"] == 1' 'd["writes"] == 1' \
		'd["backward"] is False' || return 1
	same /dev/odx1 $((48 * MiB)) "$W/e" || return 1
	# Within one device.
	x copy 0@40M 0@56M --length 1M && expect 0 '^copied 1048576 ' || return 1
	head -c $MiB "$W/d" >"$W/d1"
	same /dev/odx0 $((56 * MiB)) "$W/d1" || return 1
	# --progress draws on stderr even when it is no terminal.
	x copy 0@40M 1@44M --length 4M --progress && expect 0 && stderr_has '100%'
}

t_range_errors() {
	x token /dev/odx0 1M && expect 2 "range '1M' is not OFFSET\+LENGTH" || return 1
	x token /dev/odx0 1M+100 &&
		expect 2 'range 1M\+100 is not a multiple of the 512-byte logical block size of /dev/odx0' \
			'length, 100' 'e\.g\. 1M\+512' || return 1
	x zero /dev/odx0 100+512 && expect 2 'range 100\+512 is not a multiple of the 512-byte' \
		'offset, 100' || return 1
	x token /dev/odx0 63M+2M && expect 2 'range 63M\+2M ends past the end of /dev/odx0' \
		'63M\+1M' || return 1
	x token /dev/odx0 64M+4K && expect 2 'starts at or past the end' || return 1
	x token /dev/odx0 4K+0 && expect 2 'range 4K\+0 is empty' || return 1
	x token /dev/odx0 1X+4K && expect 2 "bad offset '1X' in range 1X\+4K: unknown unit 'X'" ||
		return 1
	x zero /dev/odx0 0+4KB && expect 2 "ambiguous unit 'KB'" || return 1
	x token /dev/odx0 0+abc && expect 2 "bad length 'abc'" 'not a number' || return 1
	x token /dev/odx0 0+4KiB && expect 0 '^[0-9a-f]{1024}$' || return 1
	x token /dev/odx0 0x1000+0x1000 && expect 0 || return 1
	x write /dev/odx1 --token "$(printf '0%.0s' $(seq 1024))" --token-offset 100 0+4K &&
		expect 2 '--token-offset 100 is not a multiple of the 512-byte' || return 1
	x copy /dev/odx0@100 /dev/odx1 && expect 2 'source offset 100 .* is not a multiple' ||
		return 1
	x copy /dev/odx0@1M /dev/odx1 --length 1000 && expect 2 '--length 1000 is not a multiple' ||
		return 1
	x copy /dev/odx0@63M /dev/odx1 --length 2M && expect 2 'run past the end of /dev/odx0' ||
		return 1
	x copy /dev/odx0 /dev/odx1@1M && expect 2 'do not fit on /dev/odx1' || return 1
	x copy /dev/odx0 /dev/odx1@65M && expect 2 'past the end of /dev/odx1' || return 1
	# More ranges than the module takes (max_ranges 64).
	# shellcheck disable=SC2046 # one word per range
	x token /dev/odx0 $(for i in $(seq 0 64); do printf '%dK+4K ' $((i * 8)); done) &&
		expect 2 '65 ranges: /dev/odx0 takes at most 64' || return 1
}

t_device_errors() {
	x info /dev/odx7 && expect 4 'no device /dev/odx7' "odxctl list" || return 1
	x token odx9 0+4K && expect 4 'no device /dev/odx9' || return 1
	x info 5000 && expect 2 'odx device numbers run from 0 to 1023' || return 1
	x info sda && expect 2 "'sda' is not an odx device" || return 1
	x info /dev/null && expect 2 '/dev/null is not a block device' || return 1
	x info /nonexistent/odx && expect 4 'no device /nonexistent/odx' || return 1
	x remove /dev/odx7 && expect 4 'cannot remove /dev/odx7: no such device' 'ENODEV' ||
		return 1
	x copy /dev/odx0 /dev/odx8 && expect 4 'no device /dev/odx8' || return 1
}

t_token_errors() {
	local bad inv
	# Files that are no token.
	head -c 100 /dev/urandom >"$W/short"
	x write /dev/odx1 --token "$W/short" 0+4K && expect 2 "token file $W/short holds 100 bytes" ||
		return 1
	: >"$W/empty"
	x release /dev/odx1 --token "$W/empty" && expect 2 'holds 0 bytes' || return 1
	head -c 10000 /dev/zero >"$W/big"
	x write /dev/odx1 --token "$W/big" 0+4K && expect 2 'is too large' || return 1
	x write /dev/odx1 --token /tmp/no/such/token 0+4K &&
		expect 2 'no such file, and not a hex token' || return 1
	x write /dev/odx1 --token "$W" 0+4K && expect 2 'is a directory' || return 1
	# Garbage hex.
	bad=$(printf 'a%.0s' $(seq 1023))z
	x write /dev/odx1 --token "$bad" 0+4K && expect 2 "'z' at position 1024 is not a hex digit" ||
		return 1
	x write /dev/odx1 --token abcdef 0+4K && expect 2 'a hex token has 1024 hex digits.* 6' ||
		return 1
	printf '%s\n' "$(printf 'ab%.0s' $(seq 100))" >"$W/shorthex"
	x write /dev/odx1 --token "$W/shorthex" 0+4K && expect 2 'holds 200 hex digits' || return 1
	# Well-formed but unknown: the kernel rejects it (EKEYREJECTED, exit 3).
	head -c 512 /dev/urandom >"$W/random.tok"
	inv=$(cnt odx1 invalid_token_uses)
	x write /dev/odx1 --token "$W/random.tok" 0+4K
	expect 3 'offload write on /dev/odx1 failed: invalid token: unknown, altered, expired, released or revoked \(EKEYREJECTED\)' \
		'to fix: mint a new token' || return 1
	[ "$(cnt odx1 invalid_token_uses)" = $((inv + 1)) ] ||
		{ diag "invalid_token_uses did not move"; return 1; }
	x write /dev/odx1 --token "$(printf '0%.0s' $(seq 1024))" 0+4K && expect 3 'EKEYREJECTED' ||
		return 1
	# A token offset past the token's data.
	x token /dev/odx0 0+64K --out "$W/tok" --ttl 10m && expect 0 || return 1
	x write /dev/odx1 --token "$W/tok" --token-offset 64K 0+4K &&
		expect 2 '--token-offset 65536 is not below the 65536 bytes the token covers' || return 1
	x write /dev/odx1 --token "$W/tok" --json 0+4K &&
		json_ok 'd["length_copied"] == 4096' 'd["truncated"] is False' || return 1
}

# Every command that takes --json (its usage says so): the output is one JSON
# object python3 -m json.tool reads, with a file name that needs escaping too;
# its errors print no JSON.
t_json_commands() {
	# (export, listed once a usage line, and exports: their --json is checked
	# in the LIO cases, export_reuse_backstore, export_iscsi and exports_list.)
	local c cmds=() json_cmds=() name
	local tested="list info token write revoke zero copy export export exports"
	x --help && expect 0 '^Commands:' || return 1
	sed -n '/^Commands:/,/^$/s/^  \([a-z]\{1,\}\).*/\1/p' "$W/out" >"$W/cmds"
	mapfile -t cmds <"$W/cmds"
	[ ${#cmds[@]} -ge 10 ] ||
		{ diag "odxctl --help lists ${#cmds[@]} commands: ${cmds[*]}"; show; return 1; }
	for c in "${cmds[@]}"; do
		x "$c" --help && expect 0 || return 1
		grep -Eq -- "^Usage: odxctl $c .*\[--json\]" "$W/out" && json_cmds+=("$c")
	done
	diag "commands with --json: ${json_cmds[*]}"
	# A command that gains (or loses) --json needs a check here.
	[ "${json_cmds[*]}" = "$tested" ] ||
		{ diag "this test runs --json on: $tested"; return 1; }

	rnd "$W/j" $((64 * 1024)) && put /dev/odx0 $((6 * MiB)) "$W/j" || return 1
	x list --json && json_line || return 1
	x info odx0 --json && json_line || return 1
	x info /dev/odx1 --json && json_line || return 1
	x token odx0 6M+64K --ttl 10m --json && json_line || return 1
	x token odx0 6M+64K 0+4K --ttl 10m --out "$W/j.tok" --json && json_line || return 1
	x write odx1 --token "$W/j.tok" 6M+64K 7M+4K --json && json_line || return 1
	x write odx1 --token "$W/j.tok" --token-offset 4K 8M+1M --json && json_line || return 1
	x zero odx1 8M+64K 9M+4K --json && json_line || return 1
	x copy odx0@6M odx1@10M --length 64K --json && json_line || return 1
	x revoke odx0 --json && json_line || return 1
	x revoke odx1 --json && json_line || return 1
	# A token file whose name has a quote, a backslash, a tab and a newline.
	name=$W/$'tok "q" \\ \t\n.bin'
	x token odx0 6M+64K --out "$name" --json && json_line || return 1
	if ! python3 -c 'import json, sys
sys.exit(json.load(open(sys.argv[1]))["token_file"] != sys.argv[2])' "$W/out" "$name"; then
		diag "token_file does not give the file name back"
		show
		return 1
	fi
	x release odx0 --token "$name" && expect 0 '^released' || return 1

	# Errors: exit status, message on stderr, no JSON.
	x list --json --bogus && json_error 2 || return 1
	x info /dev/odx7 --json && json_error 4 || return 1
	x token odx0 1M+100 --json && json_error 2 || return 1
	x token odx0 0+4K --json --out - && json_error 2 || return 1
	x write odx1 --token "$(printf '0%.0s' $(seq 1024))" 0+4K --json && json_error 3 || return 1
	x zero odx1 63M+2M --json && json_error 2 || return 1
	x copy odx0 odx9 --json && json_error 4 || return 1
	x copy odx0@6M odx1@10M+ --json && json_error 2 || return 1
	x revoke odx7 --json && json_error 4
}

t_read_only() {
	local out
	rnd "$W/ro" 4096 && put /dev/odx1 0 "$W/ro" || return 1
	if ! out=$(blockdev --setro /dev/odx1 2>&1); then
		diag "blockdev --setro: $out"
		return 1
	fi
	x zero /dev/odx1 0+4K
	blockdev --setrw /dev/odx1
	expect 1 'read-only|permission denied' 'blockdev --setrw /dev/odx1' || return 1
	same /dev/odx1 0 "$W/ro" || return 1
	x info /dev/odx1 --json && json_ok 'd["read_only"] is False'
}

t_create_remove() {
	local dev
	x create --size 8M --block-size 4096 && expect 0 '^/dev/odx2$' || return 1
	dev=$(cat "$W/out")
	[ -b "$dev" ] || { diag "$dev is no block device"; return 1; }
	x list && expect 0 '^/dev/odx2 +8 MiB +4096 ' || return 1
	x list --json && json_ok 'len(d["devices"]) == 3' \
		'd["devices"][2] == {"device": "/dev/odx2", "name": "odx2", "index": 2, "size": 8 << 20, "block_size": 4096, "pages": 0, "tokens_live": 0}' ||
		return 1
	x info odx2 --json && json_ok 'd["block_size"] == 4096' 'd["caps"]["block_size"] == 4096' \
		'd["size"] == 8 << 20' || return 1
	# Data on it, and its 4096-byte alignment.
	rnd "$W/f" $((64 * 1024)) && put /dev/odx2 0 "$W/f" || return 1
	x copy odx2 odx2@1M --length 64K && expect 0 '^copied 65536 ' || return 1
	same /dev/odx2 $MiB "$W/f" || return 1
	x token odx2 0+512 && expect 2 'not a multiple of the 4096-byte logical block size of /dev/odx2' ||
		return 1
	x copy odx0 odx2 --length 4K &&
		expect 2 'odx copies only between devices of the same block size' || return 1
	x token odx2 0+4K --out "$W/tok2" --ttl 10m && expect 0 || return 1
	x write odx0 --token "$W/tok2" 0+4K &&
		expect 1 "the token cannot be used on /dev/odx0: .*block sizes differ \(EXDEV\)" || return 1
	# Taken index, busy device, remove, remove again.
	x create --index 2 && expect 1 'cannot create /dev/odx2: that device index is in use \(EEXIST\)' \
		'pick another --index' || return 1
	exec 3<"$dev"
	x remove "$dev"
	exec 3<&-
	expect 1 'cannot remove /dev/odx2: /dev/odx2 is in use \(open or mounted\) \(EBUSY\)' || return 1
	x remove "$dev" && expect 0 || return 1
	[ ! -e /sys/block/odx2 ] || { diag "odx2 still in sysfs"; return 1; }
	x list && expect 0 && ! grep -q odx2 "$W/out" || { diag "list still shows odx2"; return 1; }
	x remove 2 && expect 4 'no such device' || return 1
	# Explicit index, the default size, the odxN form.
	x create --index 5 && expect 0 '^/dev/odx5$' || return 1
	x list && expect 0 '^/dev/odx5 +64 MiB +512 ' || return 1
	# Removing a device revokes its tokens.
	x token odx5 0+64K --out "$W/tok5" --ttl 10m && expect 0 || return 1
	x list --json && json_ok 'd["devices"][-1]["tokens_live"] == 1' || return 1
	x remove odx5 && expect 0 || return 1
	x write odx0 --token "$W/tok5" 0+64K && expect 3 'EKEYREJECTED' || return 1
	# Refused parameters.
	x create --size 1000 && expect 2 'multiple of 4096' || return 1
	x create --size 2T && expect 2 'at most 1T' || return 1
	x create --size 0 && expect 2 'at least 4K' || return 1
	x create --block-size 2048 && expect 2 '512- or 4096-byte' || return 1
	x create --index 1024 && expect 2 'from 0 to 1023' || return 1
}

# ---------------------------------------------------------------------------
# Tests on the limits devices: a token covers 1 MiB at most, a write copies 256 KiB.

t_copy_multi_token() {
	local minted
	rnd "$W/g" $((3 * MiB)) && put /dev/odx0 $MiB "$W/g" || return 1
	minted=$(cnt odx0 tokens_minted)
	x copy /dev/odx0@1M /dev/odx1@8M --length 3M --json
	json_ok 'd["bytes_copied"] == 3 << 20' 'd["tokens"] >= 3' 'd["writes"] >= 12' || return 1
	if [ $(($(cnt odx0 tokens_minted) - minted)) -lt 3 ]; then
		diag "tokens_minted moved by $(($(cnt odx0 tokens_minted) - minted)), expected >= 3"
		return 1
	fi
	same /dev/odx1 $((8 * MiB)) "$W/g" || return 1
	x copy 0@1M 1@16M --length 3M && expect 0 '^copied 3145728 bytes \(3 MiB\) .*; 3 tokens, 12 writes$' ||
		return 1
	same /dev/odx1 $((16 * MiB)) "$W/g"
}

t_limits_truncation() {
	x token /dev/odx0 0+3M && expect 0 || return 1
	stderr_has '^LengthProtected: 1048576 bytes \(1 MiB\) of 3145728 requested' || return 1
	stderr_has '^Truncated: yes, 2 MiB short' || return 1
	x token /dev/odx0 0+2M 4M+1M --json && json_ok 'd["length_protected"] == 1 << 20' \
		'd["truncated"] is True' 'd["flags"] == 1' 'd["requested"] == 3 << 20' || return 1
	x info /dev/odx0 --json && json_ok 'd["caps"]["maximum_token_size"] == 1 << 20' \
		'd["caps"]["maximum_transfer_size"] == 256 << 10' || return 1
	rnd "$W/h" $MiB && put /dev/odx0 $((20 * MiB)) "$W/h" || return 1
	x token /dev/odx0 20M+1M --out "$W/tok" --ttl 10m && expect 0 || return 1
	x write /dev/odx1 --token "$W/tok" 20M+1M &&
		expect 0 '^LengthCopied: 262144 ' 'WRITE_RANGE_TRUNCATED' || return 1
	head -c $((256 * 1024)) "$W/h" >"$W/h1"
	same /dev/odx1 $((20 * MiB)) "$W/h1" || return 1
	# zero loops over the short writes.
	rnd "$W/i" $MiB && put /dev/odx1 $((24 * MiB)) "$W/i" || return 1
	x zero /dev/odx1 24M+1M --json && json_ok 'd["bytes_zeroed"] == 1 << 20' 'd["writes"] == 4' ||
		return 1
	zeros /dev/odx1 $((24 * MiB)) $MiB
}

# Overlapping copies on one device give memmove()'s result, both directions.
t_copy_overlap() {
	rnd "$W/o" $((4 * MiB)) && put /dev/odx0 $((32 * MiB)) "$W/o" || return 1
	cp "$W/o" "$W/oexp"
	dd if="$W/o" of="$W/oexp" bs=512K seek=1 count=6 conv=notrunc status=none
	x copy odx0@32M odx0@32M+512K --length 3M
	# "32M+512K" is no size: the offset is one number.
	expect 2 "bad destination offset '32M\+512K'" || return 1
	x copy odx0@32M odx0@33280K --length 3M --json
	json_ok 'd["backward"] is True' 'd["bytes_copied"] == 3 << 20' 'd["tokens"] >= 3' || return 1
	same /dev/odx0 $((32 * MiB)) "$W/oexp" || return 1
	# Downwards: forward order is right.
	put /dev/odx0 $((32 * MiB)) "$W/o" || return 1
	cp "$W/o" "$W/oexp2"
	dd if="$W/o" of="$W/oexp2" bs=1M skip=1 count=3 conv=notrunc status=none
	x copy odx0@33M odx0@32M --length 3M && expect 0 '^copied 3145728 ' || return 1
	grep -q backwards "$W/out" && { diag "a downward copy went backwards"; return 1; }
	same /dev/odx0 $((32 * MiB)) "$W/oexp2"
}

# ---------------------------------------------------------------------------
# export, unexport, exports: odx0 and odx1 as LUNs of LIO through
# odx_target.ko, over tcm_loop (a local /dev/sdX) and iSCSI (configfs only; a
# login is tests/scsi's). The stock kernels' LIO comes from $ODX_MODROOT,
# which odxctl's own modprobe does not know: the pass loads it first.

C=/sys/kernel/config/target
LOOP0=naa.50014050dd000000	# odxctl's default tcm_loop WWN of odx0
IQN0=iqn.2026-12.org.odx:odx0	# its default IQN
IQN1=iqn.2026-12.org.odx:custom
SD0='' SD1=''

lio_setup() {
	local m
	for m in target_core_mod tcm_loop iscsi_target_mod sd_mod sg; do
		modprobe -d "${ODX_MODROOT:-/}" "$m" 2>/dev/null || modprobe "$m" 2>/dev/null || true
	done
	[ -d "$C" ] || { diag "no LIO: $C is missing after modprobe target_core_mod"; return 1; }
	[ -f "$ODX_BUILD/odx_target.ko" ] || { diag "no $ODX_BUILD/odx_target.ko"; return 1; }
	# Without odx_target.ko: the error names it (odxctl's modprobe cannot find it here).
	x export 0 --loop && expect 4 'odx_target.ko is not loaded' 'insmod odx_target.ko' || return 1
	[ -z "$(ls -d "$C"/core/odx_* 2>/dev/null)" ] ||
		{ diag "a failed export left $(ls -d "$C"/core/odx_*)"; return 1; }
	insmod "$ODX_BUILD/odx_target.ko" || { diag "insmod odx_target.ko failed"; return 1; }
}

lio_teardown() {
	"$ODXCTL" unexport 0 >/dev/null 2>&1
	"$ODXCTL" unexport 1 >/dev/null 2>&1
	rmmod odx_target || { diag "rmmod odx_target: $(ls -R "$C" 2>&1 | head -n 20)"; return 1; }
}

# The odx backstores of odx device N, one path a line.
backstores_of() {
	local d
	for d in "$C"/core/odx_*/*; do
		[ -d "$d" ] && grep -q "odx device: odx$1 " "$d/info" 2>/dev/null && echo "$d"
	done
}

t_export_errors() {
	x export 7 --loop && expect 4 'no device /dev/odx7' || return 1
	x unexport 0 && expect 1 '/dev/odx0 is not exported' || return 1
	x unexport 7 && expect 4 'no device /dev/odx7' || return 1
	x export 0 && expect 2 'give --loop' || return 1
	x export 0 --loop --iscsi && expect 2 'one of --loop and --iscsi' || return 1
	x export 0 --loop --iqn "$IQN0" && expect 2 '--iqn and --portal are for --iscsi' || return 1
	x export 0 --loop --wwn naa.123 && expect 2 "bad --wwn 'naa.123'" || return 1
	x export 0 --iscsi --iqn Target && expect 2 "bad --iqn 'Target'" || return 1
	x export 0 --iscsi --portal 1.2.3:3260 && expect 2 "bad --portal" || return 1
	x export 0 --iscsi --portal 0.0.0.0:70000 && expect 2 'port is a number' || return 1
	x exports extra && expect 2 "unexpected argument 'extra'" || return 1
	[ -z "$(backstores_of 0)" ] || { diag "an error made a backstore"; return 1; }
}

t_export_loop() {
	local bs
	x export /dev/odx0 --loop && expect 0 || return 1
	SD0=$(cat "$W/out")
	[[ $SD0 =~ ^/dev/sd[a-z]+$ ]] && [ -b "$SD0" ] || { diag "not a disk: '$SD0'"; show; return 1; }
	diag "odx0 = $SD0"
	bs=$(backstores_of 0)
	[ "$(echo "$bs" | wc -l)" = 1 ] && [ -n "$bs" ] || { diag "backstores of odx0: '$bs'"; return 1; }
	[ "$(cat "$bs/enable")" = 1 ] || { diag "$bs is not enabled"; return 1; }
	grep -q '[0-9a-f]' "$bs/wwn/vpd_unit_serial" || { diag "$bs has no unit serial"; return 1; }
	[ "$(readlink -f "$C/loopback/$LOOP0/tpgt_1/lun/lun_0/odx0")" = "$(readlink -f "$bs")" ] ||
		{ diag "loopback/$LOOP0/tpgt_1/lun/lun_0 does not link to $bs"; diag "$(ls -lR "$C/loopback")"; return 1; }
	[ "$(cat /sys/block/"${SD0#/dev/}"/size)" = "$(cat /sys/block/odx0/size)" ] ||
		{ diag "$SD0 and odx0 differ in size"; return 1; }
}

t_export_loop_data() {
	[ -b "$SD0" ] || { diag "no disk from export_loop"; return 1; }
	rnd "$W/l1" $((3 * MiB + 4096))
	put "$SD0" $((MiB)) "$W/l1" && same /dev/odx0 $((MiB)) "$W/l1" || return 1
	rnd "$W/l2" $((2 * MiB))
	put /dev/odx0 $((9 * MiB)) "$W/l2" && same "$SD0" $((9 * MiB)) "$W/l2"
}

t_export_twice() {
	x export 0 --loop && expect 1 'is exported over loopback already' "unexport odx0" || return 1
	x export 0 --loop --wwn naa.5001405000000b01 && expect 1 'already' || return 1
	[ ! -e "$C/loopback/naa.5001405000000b01" ] || { diag "a refused export made a target"; return 1; }
}

# odx1 through a backstore made by hand (as tests/lio does): export reuses it.
t_export_reuse_backstore() {
	local d=$C/core/odx_77/byhand
	mkdir -p "$d" && echo odx_index=1 > "$d/control" && echo 1 > "$d/enable" ||
		{ diag "cannot make $d"; return 1; }
	x export odx1 --loop --json && json_line && json_ok \
		'd["device"] == "/dev/odx1" and d["backstore"] == "odx_77/byhand"' \
		'd["backstore_made"] is False and d["fabric"] == "loopback"' \
		'd["target"] == "naa.50014050dd000001" and d["tpg"] == 1 and d["lun"] == 0' \
		'd["disk"].startswith("/dev/sd")' || return 1
	SD1=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["disk"])' "$W/out")
	[ -b "$SD1" ] && [ "$SD1" != "$SD0" ] || { diag "bad disk $SD1"; return 1; }
	[ "$(backstores_of 1)" = "$d" ] || { diag "another backstore was made: $(backstores_of 1)"; return 1; }
}

t_export_iscsi() {
	local tpg=$C/iscsi/$IQN0/tpgt_1 a
	x export 0 --iscsi && expect 0 "^target: $IQN0\$" '^portal: 0\.0\.0\.0:3260$' '^lun: +0$' \
		"^url: +iscsi://127\.0\.0\.1:3260/$IQN0/0\$" || return 1
	diag "$(sed 's/^/export --iscsi: /' "$W/out")"
	[ -d "$tpg/np/0.0.0.0:3260" ] || { diag "no portal $tpg/np/0.0.0.0:3260"; return 1; }
	[ "$(readlink -f "$tpg/lun/lun_0/odx0")" = "$(readlink -f "$(backstores_of 0)")" ] ||
		{ diag "iSCSI LUN 0 does not link to odx0's one backstore ($(backstores_of 0))"; return 1; }
	for a in generate_node_acls=1 cache_dynamic_acls=1 demo_mode_write_protect=0 authentication=0; do
		[ "$(cat "$tpg/attrib/${a%=*}")" = "${a#*=}" ] ||
			{ diag "attrib/${a%=*} is $(cat "$tpg/attrib/${a%=*}"), not ${a#*=}"; return 1; }
	done
	[ "$(cat "$tpg/enable")" = 1 ] || { diag "$tpg is not enabled"; return 1; }
	x export 0 --iscsi && expect 1 'is exported over iscsi already' || return 1
	x export 1 --iscsi --iqn "$IQN1" --portal 0.0.0.0:3261 --json && json_line && json_ok \
		'd["fabric"] == "iscsi" and d["target"] == "iqn.2026-12.org.odx:custom"' \
		'd["portal"] == "0.0.0.0:3261" and d["lun"] == 0 and d["backstore"] == "odx_77/byhand"' \
		'd["url"] == "iscsi://127.0.0.1:3261/iqn.2026-12.org.odx:custom/0"' || return 1
	[ -d "$C/iscsi/$IQN1/tpgt_1/np/0.0.0.0:3261" ] && [ "$(cat "$C/iscsi/$IQN1/tpgt_1/enable")" = 1 ] ||
		{ diag "$IQN1: no portal 0.0.0.0:3261 or not enabled"; return 1; }
}

t_exports_list() {
	x exports && expect 0 '^DEVICE +BACKSTORE +FABRIC +TARGET +TPG +LUN +ACCESS' \
		"^/dev/odx0 +odx_[0-9]+/odx0 +iscsi +$IQN0 +1 +0 +0\.0\.0\.0:3260\$" \
		"^/dev/odx0 +odx_[0-9]+/odx0 +loopback +$LOOP0 +1 +0 +$SD0\$" \
		"^/dev/odx1 +odx_77/byhand +iscsi +$IQN1 +1 +0 +0\.0\.0\.0:3261\$" \
		"^/dev/odx1 +odx_77/byhand +loopback +naa\.50014050dd000001 +1 +0 +$SD1\$" || return 1
	diag "$(sed 's/^/exports: /' "$W/out")"
	x exports --json && json_line && json_ok \
		'[b["device"] for b in d["backstores"]] == ["/dev/odx0", "/dev/odx1"]' \
		'all(b["enabled"] and not b["made_device"] for b in d["backstores"])' \
		'[(l["fabric"], l["lun"]) for l in d["backstores"][0]["luns"]] == [("iscsi", 0), ("loopback", 0)]' \
		"d['backstores'][0]['luns'][1]['disk'] == '$SD0'" \
		"d['backstores'][0]['luns'][0]['urls'] == ['iscsi://127.0.0.1:3260/$IQN0/0']" \
		"d['backstores'][1]['luns'][0]['portals'] == ['0.0.0.0:3261']"
}

t_unexport() {
	x unexport /dev/odx0 && expect 0 || return 1
	[ -z "$(backstores_of 0)" ] || { diag "odx0's backstore stays: $(backstores_of 0)"; return 1; }
	[ ! -e "$C/loopback/$LOOP0" ] && [ ! -e "$C/iscsi/$IQN0" ] ||
		{ diag "odx0's targets stay: $(ls "$C/loopback" "$C/iscsi")"; return 1; }
	[ ! -e "/sys/block/${SD0#/dev/}" ] || { diag "$SD0 stays"; return 1; }
	[ -b /dev/odx0 ] && same /dev/odx0 $((MiB)) "$W/l1" ||
		{ diag "/dev/odx0 or its data did not stay"; return 1; }
	x exports && expect 0 || return 1
	grep -q odx0 "$W/out" && { diag "exports lists odx0 still"; show; return 1; }
	x unexport 0 && expect 1 '/dev/odx0 is not exported' || return 1
	# odx1: the hand-made backstore goes too, and its empty HBA.
	x unexport odx1 && expect 0 || return 1
	[ ! -e "$C/core/odx_77" ] && [ ! -e "$C/loopback/naa.50014050dd000001" ] &&
		[ ! -e "$C/iscsi/$IQN1" ] || { diag "odx1's export stays: $(ls -R "$C" | head -n 30)"; return 1; }
	[ -z "$(ls -d "$C"/core/odx_* 2>/dev/null)" ] || { diag "left: $(ls -d "$C"/core/odx_*)"; return 1; }
	[ -b /dev/odx1 ] || { diag "/dev/odx1 is gone"; return 1; }
	x exports --json && json_line && json_ok 'd["backstores"] == []'
}

# A target odxctl did not make stays when its LUN goes.
t_unexport_keeps_foreign_target() {
	local wwn=naa.5001405000000c01
	mkdir -p "$C/loopback/$wwn/tpgt_1" && echo naa.5001405000000c0f > "$C/loopback/$wwn/tpgt_1/nexus" ||
		{ diag "cannot make $wwn"; return 1; }
	x export 0 --loop --wwn "$wwn" --json && json_line && json_ok \
		'd["target"] == "naa.5001405000000c01" and d["target_made"] is False' || return 1
	x unexport 0 && expect 0 || return 1
	[ -d "$C/loopback/$wwn/tpgt_1" ] && [ -z "$(ls "$C/loopback/$wwn/tpgt_1/lun")" ] ||
		{ diag "the foreign target did not stay, empty"; return 1; }
	rmdir "$C/loopback/$wwn/tpgt_1" "$C/loopback/$wwn"
}

# ---------------------------------------------------------------------------
# Without the module.

run_nomod() {
	x list && expect 4 'the odx module is not loaded' || return 1
	x list --json && json_error 4 || return 1
	x info /dev/odx0 && expect 4 'no device /dev/odx0: the odx module is not loaded' || return 1
	x create && expect 4 'the odx module is not loaded'
}

tests() {	# tests NAME...: shell cases t_NAME
	local n
	for n in "$@"; do
		t_sh "$n" "t_$n"
	done
}

t_sh no_module run_nomod
pass_load module_load_default default "${BASE_ARGS[@]}"
tests help usage_errors list info token_write_file token_write_hex token_ranges \
	token_point_in_time token_json release revoke zero copy range_errors device_errors \
	token_errors json_commands read_only create_remove
pass_sh lio_setup lio_setup
tests export_errors export_loop export_loop_data export_twice export_reuse_backstore \
	export_iscsi exports_list unexport unexport_keeps_foreign_target
pass_sh lio_teardown lio_teardown
pass_sh limits_devices cfs_devs limits 2 "${LIMIT_SETTINGS[@]}"
tests copy_multi_token limits_truncation copy_overlap
pass_sh limits_devices_removed cfs_dev_remove limits-0 limits-1
pass_unload module_unload_default

check_run
