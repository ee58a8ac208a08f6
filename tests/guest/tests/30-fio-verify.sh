#!/usr/bin/env bash
# fio verify jobs with O_DIRECT: random writes and mixed random reads and writes,
# verified with crc32c both during the run (verify_backlog) and after it, with
# libaio and io_uring, four jobs on disjoint 4 MiB regions per section. Then a
# verify-only replay must pass on the data left on the device, and must fail
# once a block of it is overwritten (so the verification really looks).
# shellcheck source=../lib.sh
. "$ODX_LIB"
need fio jq dd

cd /tmp || fatal "no /tmp"

jobfile=/tmp/odx-fio.job
cat > "$jobfile" <<'JOB'
[global]
filename=${ODX_FIO_DEV}
direct=1
iodepth=16
numjobs=4
size=4m
offset_increment=4m
bsrange=${ODX_FIO_BS}
randrepeat=1
verify=crc32c
verify_fatal=1
verify_backlog=64
verify_state_save=0
do_verify=1
group_reporting=0
thread=0

[randwrite-libaio]
ioengine=libaio
rw=randwrite
offset=0

[randrw-libaio]
stonewall
ioengine=libaio
rw=randrw
rwmixread=40
offset=16m

[randwrite-io_uring]
stonewall
ioengine=io_uring
rw=randwrite
offset=32m

[randrw-io_uring]
stonewall
ioengine=io_uring
rw=randrw
rwmixread=40
offset=48m
JOB

# fio puts its warnings before the JSON in the output file; keep the JSON.
fio_json() {
	sed -n '/^{/,$p' "$1" > "$1.tmp" && mv "$1.tmp" "$1"
}

# run_fio WHAT ARGS... NJOBS: run fio with JSON output; all NJOBS jobs must have
# done I/O (writes, unless verify-only, and verifying reads) with no error.
run_fio() {
	local what=$1 json=/tmp/odx-fio.json rc bad njobs=${*: -1}

	shift
	fio --output-format=json --output="$json" "${@:1:$#-1}" "$jobfile"
	rc=$?
	fio_json "$json"
	jq -r '.jobs[] | "\(.jobname): error \(.error), wrote \(.write.io_bytes) B, read \(.read.io_bytes) B"' \
		"$json" 2>/dev/null
	if [ "$rc" != 0 ]; then
		fail "$what: fio exited with $rc"
		tail -n 30 "$json"
		return 1
	fi
	bad=$(jq '[.jobs[] | select(.error != 0 or .read.io_bytes == 0)] | length' "$json")
	check_eq "$what: jobs with errors or no reads" "$bad" 0 || return 1
	if [ "${ODX_FIO_VERIFY_ONLY:-0}" = 0 ]; then
		bad=$(jq '[.jobs[] | select(.write.io_bytes == 0)] | length' "$json")
		check_eq "$what: jobs that wrote nothing" "$bad" 0 || return 1
	fi
	check_eq "$what: jobs run" "$(jq '.jobs | length' "$json")" "$njobs"
}

# 512-byte device: blocks from 512 bytes to 64 KiB.
odx_add $((64 << 20)) 512 || finish
export ODX_FIO_DEV=$ODX_DEV ODX_FIO_BS=512-64k
run_fio "512-byte blocks" 16 || true
[ "$(odx_pages "$ODX_IDX")" -gt 0 ] || fail "fio wrote, but the store holds no pages"

# The data of the first section is still there: a verify-only replay passes...
ODX_FIO_VERIFY_ONLY=1 run_fio "verify-only replay" --section=randwrite-libaio \
	--verify_only 4 || true
# ...and fails once 4 KiB of one job's region are overwritten with other data.
check dd if=/dev/urandom of="$ODX_DEV" bs=4096 seek=$((1024 + 17)) count=1 \
	oflag=direct conv=notrunc status=none
if fio --output-format=json --output=/tmp/odx-fio-bad.json --section=randwrite-libaio \
	--verify_only "$jobfile" >/dev/null; then
	fail "fio verify-only passed over data overwritten behind its back"
else
	echo "verify-only replay over corrupted data failed, as it must:"
	fio_json /tmp/odx-fio-bad.json
	jq -r '.jobs[] | "  \(.jobname): error \(.error)"' /tmp/odx-fio-bad.json 2>/dev/null
fi

# 4096-byte device: blocks from 4 KiB to 128 KiB.
odx_add $((64 << 20)) 4096 || finish
export ODX_FIO_DEV=$ODX_DEV ODX_FIO_BS=4k-128k
run_fio "4096-byte blocks" 16 || true
finish
