#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The odx hardening suite. Runs INSIDE the guest of scripts/odx-vm, as root:
#
#   scripts/build-module.sh debug && make -C tests/hardening &&
#       scripts/odx-vm --kernel debug --timeout 1800 -- tests/hardening/run.sh
#
#   run.sh [--no-faults] [matrix|stress|lifetime|faults ...]
#
# Needs ODX_BUILD (odx.ko for the running kernel) and ODX_TOP (the project).
# The programs come from $ODX_TOP/build/tests/hardening (make -C tests/hardening
# on the host); when missing or older than their sources they are rebuilt in /tmp.
#
# Passes, each a fresh module load (every rmmod is a test):
#   default   insmod odx.ko nr_devices=2 size_mb=64
#             h_matrix   hostile-input matrix: one line per class of cases
#             h_stress   concurrency stress (H_STRESS_SECONDS, default 60)
#   lifetime  ... max_transfer_bytes=128 MiB max_token_bytes=128 MiB
#             h_lifetime lifetime races (removal, expiry, close, SIGKILL mid-copy);
#             the rmmod after it shows the module unloads after a killed copy
#   faults    nr_devices=2 size_mb=64
#             h_fault    fail-nth fault injection (debug kernel only)
# --no-faults skips the faults pass (stock kernels have no fault injection);
# without it, a kernel lacking failslab/fail_page_alloc makes it "not ok".
#
# Output: exactly one "ok - NAME" or "not ok - NAME" line per test; everything
# else is a "# " diagnostic, including "# cases: N" (matrix), "# stress
# operations: N" and "# faults injected: N". Exits 0 iff every test passed.
# The runner (scripts/odx-vm) also fails the run on any kernel splat or
# kmemleak report; kernel_log_clean checks the log here too, to name the pass.
#
# Known driver bugs the tests reproduce are reported as "# KNOWN DRIVER BUG ..."
# lines and do not fail their test; ODX_HARDENING_STRICT=1 makes them failures.
set -u -o pipefail
shopt -s lastpipe

MOD_ARGS=(nr_devices=2 size_mb=64)
LIFETIME_ARGS=(max_transfer_bytes=134217728 max_token_bytes=134217728)
PROGS=(h_matrix h_stress h_lifetime h_fault)

faults=1
want=()
for a in "$@"; do
	case "$a" in
	--no-faults) faults=0 ;;
	matrix|stress|lifetime|faults) want+=("$a") ;;
	-h|--help) sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown argument '$a' (see --help)" >&2; exit 2 ;;
	esac
done
[ ${#want[@]} -gt 0 ] || want=(matrix stress lifetime faults)
wanted() {
	local w
	for w in "${want[@]}"; do [ "$w" = "$1" ] && return 0; done
	return 1
}

failed=0
total=0
nfail=0
failed_names=()

diag() {
	local line
	while IFS= read -r line; do
		printf '# %s\n' "$line"
	done <<< "$*"
}

result() {	# result NAME 0|1
	total=$((total + 1))
	if [ "$2" = 0 ]; then
		echo "ok - $1"
	else
		echo "not ok - $1"
		failed=1
		nfail=$((nfail + 1))
		failed_names+=("$1")
	fi
}

# Only inside the odx guest (scripts/guest-init boots with odx.out=).
if ! grep -q 'odx\.out=' /proc/cmdline 2>/dev/null; then
	diag "not inside the odx guest: run it through scripts/odx-vm"
	result setup 1
	exit 1
fi
src=${ODX_TOP:-}/tests/hardening
if [ -z "${ODX_TOP:-}" ] || [ ! -d "$src" ]; then
	diag "ODX_TOP is not set or has no tests/hardening"
	result setup 1
	exit 1
fi
if [ -z "${ODX_BUILD:-}" ] || [ ! -f "$ODX_BUILD/odx.ko" ]; then
	diag "no odx.ko in ODX_BUILD='${ODX_BUILD:-}'"
	result setup 1
	exit 1
fi

# The programs: prebuilt on the host, or built here when stale.
BIN=$ODX_TOP/build/tests/hardening
stale=0
if ! command -v make >/dev/null 2>&1; then
	for p in "${PROGS[@]}"; do
		[ -x "$BIN/$p" ] || stale=1
	done
elif ! make -q -C "$src" OUT="$BIN" >/dev/null 2>&1; then
	stale=1
fi
if [ "$stale" = 1 ]; then
	BIN=/tmp/odx-hardening-bin
	diag "test programs missing or stale in build/tests/hardening: building into $BIN"
	if ! out=$(make -s -C "$src" OUT="$BIN" 2>&1); then
		diag "$out"
		result build 1
		exit 1
	fi
fi
for tool in insmod rmmod fio jq timeout; do
	command -v "$tool" >/dev/null 2>&1 || diag "warning: $tool is missing"
done

splat='(BUG: |WARNING: |UBSAN: |KASAN: |kernel BUG at|Oops|general protection fault|Kernel panic|INFO: task .* blocked for more than|INFO: .*detected stall|cut here|refcount_t:|list_(add|del) corruption|kmemleak: .*new suspected)'
klog_lines() { dmesg 2>/dev/null | wc -l; }
splat_pass=""

# Kernel splats since line $1 of dmesg: name the pass that caused them.
klog_check() {	# klog_check FROM_LINE PASS
	local new
	new=$(dmesg 2>/dev/null | tail -n +"$(( $1 + 1 ))" | grep -E "$splat")
	if [ -n "$new" ]; then
		diag "kernel log after $2:"
		diag "$(printf '%s\n' "$new" | head -n 20)"
		[ -n "$splat_pass" ] || splat_pass=$2
	fi
}

loaded=0
pass_ok=0
load() {	# load PASS ARGS...
	local pass=$1 out
	shift
	pass_ok=0
	if ! out=$(insmod "$ODX_BUILD/odx.ko" "$@" 2>&1); then
		diag "insmod odx.ko $*: $out"
		dmesg 2>/dev/null | tail -n 5 | sed 's/^/# dmesg: /'
		result "module_load_$pass" 1
		return 1
	fi
	loaded=1
	for _ in $(seq 50); do
		[ -b /dev/odx0 ] && [ -b /dev/odx1 ] && [ -c /dev/odx-control ] && break
		sleep 0.1
	done
	if ! [ -b /dev/odx0 ] || ! [ -b /dev/odx1 ] || ! [ -c /dev/odx-control ]; then
		diag "device nodes did not appear after insmod $*"
		result "module_load_$pass" 1
		return 1
	fi
	diag "pass $pass: insmod odx.ko $*"
	pass_ok=1
	result "module_load_$pass" 0
}

unload() {	# unload NAME
	local out rc=1
	[ "$loaded" = 1 ] || return 0
	for _ in 1 2 3 4 5; do
		if out=$(rmmod odx 2>&1); then
			rc=0
			break
		fi
		sleep 1
	done
	pass_ok=0
	if [ "$rc" != 0 ]; then
		diag "rmmod odx: $out"
		lsmod 2>/dev/null | grep -w odx | sed 's/^/# /'
	else
		loaded=0
		[ ! -e /sys/module/odx ] || { diag "/sys/module/odx is still there"; rc=1; }
	fi
	result "$1" "$rc"
	return "$rc"
}

# Run PROG; pass its verdict lines through (one test each).
run_prog() {	# run_prog PROG TIMEOUT [ARGS...]
	local prog=$1 tmo=$2 line rc=255 nres=0 nbad=0 t0 from
	shift 2
	if [ "$pass_ok" != 1 ]; then
		diag "$prog: cannot run, the module did not load for this pass"
		result "$prog" 1
		return
	fi
	from=$(klog_lines)
	t0=$(date +%s)
	# The program's output, line by line, as it comes (lastpipe: this shell
	# reads; /dev/fd, for process substitution, may be missing in the guest).
	{ timeout -k 10 "$tmo" "$BIN/$prog" "$@" 2>&1; echo "__rc=$?"; } |
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) echo "$line"; total=$((total + 1)); nres=$((nres + 1)) ;;
		"not ok - "*)
			echo "$line"
			total=$((total + 1)); nres=$((nres + 1)); nbad=$((nbad + 1))
			nfail=$((nfail + 1)); failed=1; failed_names+=("${line#not ok - }") ;;
		"# "*) printf '%s\n' "$line" ;;
		"__rc="*) rc=${line#__rc=} ;;
		"") ;;
		*) printf '# %s\n' "$line" ;;
		esac
	done
	diag "$prog: exit $rc after $(( $(date +%s) - t0 )) s"
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		diag "$prog: timed out after ${tmo}s"
		result "${prog}_completed" 1
	elif [ "$rc" != 0 ] && [ "$nbad" = 0 ]; then
		diag "$prog exited with $rc without a failing test"
		result "${prog}_completed" 1
	elif [ "$nres" = 0 ]; then
		result "${prog}_completed" 1
	fi
	klog_check "$from" "$prog"
}

start=$(date +%s)
diag "odx hardening suite on $(uname -r) (ODX_KERNEL=${ODX_KERNEL:-?}), programs in $BIN"
if [ -d /sys/module/odx ]; then
	diag "odx was loaded before the suite: unloading it"
	rmmod odx || { result setup 1; exit 1; }
fi

if wanted matrix || wanted stress; then
	load default "${MOD_ARGS[@]}"
	wanted matrix && run_prog h_matrix 300
	wanted stress && run_prog h_stress $(( ${H_STRESS_SECONDS:-60} + 400 ))
	unload module_unload_default
fi

if wanted lifetime; then
	load lifetime "${MOD_ARGS[@]}" "${LIFETIME_ARGS[@]}"
	run_prog h_lifetime 400
	# The copy killed mid-way left nothing behind: the module unloads.
	unload module_unload_after_lifetime
fi

if wanted faults; then
	if [ "$faults" = 0 ]; then
		diag "fault injection skipped (--no-faults)"
	else
		load faults "${MOD_ARGS[@]}"
		run_prog h_fault 600
		unload module_unload
	fi
fi

# Nothing in the kernel log since the suite began.
if [ -n "$splat_pass" ]; then
	diag "the kernel logged a splat, first after $splat_pass (see above)"
	result kernel_log_clean 1
else
	result kernel_log_clean 0
fi

diag "$((total - nfail)) of $total passed in $(( $(date +%s) - start )) s"
if [ "$failed" != 0 ]; then
	diag "failed: ${failed_names[*]}"
fi
exit "$failed"
