# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# odx's one guest test runner, in the spirit of blktests' `check`. A suite
# (tests/SUITE/run.sh) sources this file, registers its cases in order, and
# calls check_run, which prints KTAP:
#
#   KTAP version 1
#   1..N                          every registered case, counted before any runs
#   # diagnostics
#   ok 1 NAME
#   not ok 2 NAME
#   ok 3 NAME # SKIP reason       (a skip always says why)
#
# Around every case the kernel log is checked: a splat (ODX_SPLAT, from
# tests/lib/splat.sh, the one pattern scripts/odx-vm uses too: BUG, WARNING,
# KASAN, UBSAN, oops, hung tasks, stalls, refcount and list corruption, kmemleak
# reports) fails the case it happened in. Every suite ends with two cases of its own: kernel_log_clean (nothing in
# the kernel log since the suite began, between cases included) and kmemleak
# (a scan after the last unload; a SKIP with the reason on kernels without
# kmemleak). Exit status 0 iff no case failed.
#
# Registration (in run order):
#   check_suite NAME [PATTERN]        the suite; PATTERN (grep -E) selects cases
#                                     (module loads and unloads always run)
#   check_programs DIR                the C programs of tests/DIR: build/tests/DIR
#                                     when up to date, else rebuilt in /tmp
#   check_abort NAME MESSAGE          the suite cannot run: one failed case
#   pass_load CASE PASS ARGS...       a case: load odx for pass PASS (check_load)
#   pass_unload CASE                  a case: unload it (check_unload)
#   pass_sh CASE CMD...               a case that sets the pass up (e.g. cfs_devs):
#                                     runs whatever PATTERN says, like a load;
#                                     the cases after it run only if it passed
#   case_prefix PREFIX                names of the following cases start with it
#   t_sh NAME CMD...                  a case: CMD in this shell; 0 ok, 4 skip
#                                     (after `skip REASON`), else not ok
#   t_harness PROG [FILTER]           every kselftest-harness case of PROG
#                                     (matching FILTER), in one run of PROG
#   t_harness_only PROG NAME...       those cases of PROG, in one run of it
#                                     (the harness forks a child per case and
#                                     times it; a run of PROG per case would
#                                     cost each case seconds on the debug kernel)
#   t_batch TIMEOUT NAMES CMD...      the cases NAMES (a list), all reported by
#                                     one run of CMD (KTAP "ok N [FIXTURE.]NAME"
#                                     or "ok - NAME" lines); CMD gets
#                                     $CHECK_SELECTED (the selected names)
#   t_harness_batch TIMEOUT PROG [ENV...]
#                                     every case of PROG, one run of PROG for
#                                     all (programs with a shared setup)
#   t_do CMD...                       a step between cases, not a case
#
# The pass hook: check_load PASS ARGS... / check_unload load and unload the
# module (insmod with ARGS; rmmod, retried). A suite may redefine them, or
# define check_after_load, which runs after every successful load.
#
# In the suites' shell cases: diag TEXT (a "# " line per line), skip REASON,
# and, without starting a program (each costs up to a second on the debug
# kernel under TCG, and a case may run dozens):
#   lines_match [-i] REGEX FILE...    a line of FILE... matches REGEX (an
#                                     extended regex: grep -Eq [-i]'s answer)
#   run_timeout SECONDS CMD...        CMD, killed after SECONDS (137), without
#                                     timeout(1) (CMD's stdin is /dev/null)
#
# Devices with settings of their own, made in configfs (the null_blk way), so
# that a suite varies a per-device setting without reloading the module:
#   cfs_dev NAME INDEX [ATTR=VALUE...]   /dev/odxINDEX from /sys/kernel/config/odx/NAME
#   cfs_devs NAME N [ATTR=VALUE...]      /dev/odx0 ... odx(N-1) so made (NAME-0 ...),
#                                        in place of the devices there were
#   cfs_dev_remove NAME...               power off, rmdir
#   check_odxctl                         $ODXCTL: odxctl for the suite (cfs_devs
#                                        uses it to remove module-made devices)
#
# List mode: ODX_CHECK_LIST=1 prints the plan's case names, one a line, and runs
# nothing (outside the guest too).

set -u -o pipefail

# The kernel splat pattern, ODX_SPLAT: one definition, shared with scripts/odx-vm.
# shellcheck source=splat.sh
. "${BASH_SOURCE[0]%/*}/splat.sh"
# (List mode runs anywhere: the project is where this file is.)
if [ "${ODX_CHECK_LIST:-}" = 1 ] && [ -z "${ODX_TOP:-}" ]; then
	ODX_TOP=$(cd "${BASH_SOURCE[0]%/*}/../.." && pwd)
fi

_c_kind=() _c_name=() _c_args=()
_c_prefix=
_c_batches=0
CHECK_SUITE=
CHECK_PATTERN=
CHECK_W=

diag() {
	local line
	while IFS= read -r line; do
		printf '# %s\n' "$line"
	done <<< "$*"
}

skip() {	# skip REASON: say why, then `return 4` from the case
	CHECK_SKIP_REASON=$*
}

# The case's args, quoted, for eval.
_c_add() {	# _c_add KIND NAME ARGS...
	local kind=$1 name=$2 q
	shift 2
	printf -v q '%q ' "$@"
	_c_kind+=("$kind")
	_c_name+=("$name")
	_c_args+=("$q")
}

_c_selected() {	# _c_selected NAME: PATTERN allows it
	[ -z "$CHECK_PATTERN" ] || [[ $1 =~ $CHECK_PATTERN ]]
}

check_suite() {	# check_suite NAME [PATTERN]
	CHECK_SUITE=$1
	CHECK_PATTERN=${2:-}
	CHECK_W=$(mktemp -d "/tmp/odx-$1.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$CHECK_W'" EXIT
	_c_setup_err=
	# Never load modules outside the odx guest (scripts/guest-init boots with odx.out=).
	if [ "${ODX_CHECK_LIST:-}" = 1 ]; then
		diag() { :; }
	elif ! grep -q 'odx\.out=' /proc/cmdline 2>/dev/null; then
		_c_setup_err="not inside the odx guest: run it through scripts/odx-vm"
	elif [ -z "${ODX_TOP:-}" ] || [ ! -d "$ODX_TOP/tests" ]; then
		_c_setup_err="ODX_TOP is not set or has no tests/"
	elif [ -z "${ODX_BUILD:-}" ] || [ ! -f "$ODX_BUILD/odx.ko" ]; then
		_c_setup_err="no odx.ko in ODX_BUILD='${ODX_BUILD:-}'"
	fi
	[ -z "$_c_setup_err" ] || check_abort setup "$_c_setup_err"
}

# The suite cannot run at all: one failed case NAME, saying why.
check_abort() {	# check_abort NAME MESSAGE
	echo "KTAP version 1"
	echo "1..1"
	diag "$2"
	echo "not ok 1 $1"
	exit 1
}

# The C programs of tests/DIR: BIN is where they are.
check_programs() {	# check_programs DIR
	local dir=$1 src=$ODX_TOP/tests/$1 out ksft=()
	BIN=$ODX_TOP/build/tests/$dir
	command -v make >/dev/null 2>&1 || return 0
	make -s -q -C "$src" OUT="$BIN" >/dev/null 2>&1 && return 0
	BIN=/tmp/odx-$dir-bin
	# The harness headers: from the host's build/, or extracted here.
	[ -f "$ODX_TOP/build/kselftest/kselftest_harness.h" ] || ksft=(KSFT_DIR=/tmp/odx-kselftest)
	diag "test programs missing or stale in build/tests/$dir: building into $BIN"
	out=$(make -s -C "$src" OUT="$BIN" "${ksft[@]}" 2>&1) || check_abort build "$out"
}

case_prefix() { _c_prefix=$1; }

pass_load() {	# pass_load CASE PASS ARGS...
	local name=$1
	shift
	_c_add load "$name" "$@"
}

pass_unload() { _c_add unload "$1"; }

pass_sh() {	# pass_sh CASE CMD...
	local name=$1
	shift
	_c_add pass "$name" "$@"
}

t_do() { _c_add "do" "-" "$@"; }

# A kselftest-harness program whose cases share its setup: one run for all the
# selected ones (-t NAME each), ENV (NAME=VALUE...) in its environment.
t_harness_batch() {	# t_harness_batch TIMEOUT PROG [ENV...]
	local tmo=$1 prog=$2 names
	shift 2
	if ! names=$(harness_list "$BIN/$prog") || [ -z "$names" ]; then
		_c_add fail "$_c_prefix$prog" "$prog -l listed no cases: $names"
		return
	fi
	t_batch "$tmo" "$names" _c_harness_selected "$prog" "$@"
}

_c_harness_selected() {	# _c_harness_selected PROG [ENV...]: PROG -t NAME... ($CHECK_SELECTED)
	local prog=$1 n args=()
	shift
	for n in $CHECK_SELECTED; do
		args+=(-t "$n")
	done
	env "$@" "$BIN/$prog" "${args[@]}"
}

t_sh() {	# t_sh NAME CMD...
	local name=$_c_prefix$1
	shift
	_c_selected "$name" || return 0
	_c_add sh "$name" "$@"
}

# The case names of a kselftest-harness program (its -l table).
harness_list() {	# harness_list PROG
	# (-l exits with KSFT_SKIP, 4)
	{ "$1" -l 2>&1 || true; } | awk 'NR > 1 && !/^----/ && length($0) > 47 { print substr($0, 48) }'
}

t_harness() {	# t_harness PROG [FILTER]
	local prog=$1 filter=${2:-.} n names sel=()
	if ! names=$(harness_list "$BIN/$prog") || [ -z "$names" ]; then
		_c_add fail "$_c_prefix$prog" "$prog -l listed no cases: $names"
		return
	fi
	for n in $names; do
		[[ $n =~ $filter ]] && sel+=("$n")
	done
	t_harness_only "$prog" "${sel[@]}"
}

# The run's time limit is a net under the harness's own per-case ones:
# ODX_CASE_TIMEOUT (600) and a minute, for each case.
t_harness_only() {	# t_harness_only PROG NAME...
	local prog=$1
	shift
	[ $# -gt 0 ] || return 0
	t_batch $(( (${ODX_CASE_TIMEOUT:-600} + 60) * $# )) "$*" _c_harness_selected "$prog"
}

t_batch() {	# t_batch TIMEOUT NAMES CMD...
	local tmo=$1 names=$2 n any=0
	shift 2
	_c_batches=$((_c_batches + 1))
	for n in $names; do
		_c_selected "$_c_prefix$n" || continue
		_c_add batch "$_c_prefix$n" "$_c_batches" "$n" "$tmo" "$@"
		any=1
	done
	[ "$any" = 1 ] || return 0
}

# ---------------------------------------------------------------------------
# The module, for a pass. Suites may redefine these.

CHECK_LOADED=0
CHECK_PASS_OK=1	# cases before any pass_load run; after one, only when it loaded

check_nodes() {	# the devices' nodes (devtmpfs) and the control device
	for _ in $(seq 50); do
		[ -b /dev/odx0 ] && [ -b /dev/odx1 ] && [ -c /dev/odx-control ] && return 0
		_c_nap 0.1
	done
	[ -b /dev/odx0 ] && [ -b /dev/odx1 ] && [ -c /dev/odx-control ]
}

check_load() {	# check_load PASS ARGS...: 0 when loaded with ARGS
	local pass=$1 out
	shift
	if ! out=$(insmod "$ODX_BUILD/odx.ko" "$@" 2>&1); then
		diag "insmod odx.ko $*: $out"
		return 1
	fi
	CHECK_LOADED=1
	if ! check_nodes; then
		diag "device nodes did not appear after insmod $*"
		return 1
	fi
	diag "pass $pass: insmod odx.ko $*"
}

check_unload() {	# 0 when odx is gone
	local out rc=1
	for _ in 1 2 3 4 5; do
		if out=$(rmmod odx 2>&1); then
			rc=0
			break
		fi
		sleep 1
	done
	if [ "$rc" != 0 ]; then
		diag "rmmod odx: $out"
		lsmod 2>/dev/null | grep -w odx | sed 's/^/# /'
		return 1
	fi
	CHECK_LOADED=0
	local f
	for f in /sys/module/odx /dev/odx-control /dev/odx0 /sys/block/odx0; do
		if [ -e "$f" ]; then
			diag "$f still exists after rmmod"
			rc=1
		fi
	done
	return "$rc"
}

# ---------------------------------------------------------------------------
# odxctl, and devices made in configfs.

# ODXCTL: $ODXCTL_TEST_BIN when set (as it is), else build/tools/odxctl when it
# is up to date, else odxctl built into the suite's directory.
check_odxctl() {
	local out
	ODXCTL=$ODX_TOP/build/tools/odxctl
	if [ -n "${ODXCTL_TEST_BIN:-}" ]; then
		ODXCTL=$ODXCTL_TEST_BIN
	elif [ "${ODX_CHECK_LIST:-}" != 1 ] && command -v make >/dev/null 2>&1 &&
	     command -v gcc >/dev/null 2>&1 && ! make -q -C "$ODX_TOP/tools" >/dev/null 2>&1; then
		diag "odxctl missing or stale in build/tools: building into $CHECK_W/tools"
		out=$(make -s -C "$ODX_TOP/tools" OUT="$CHECK_W/tools" 2>&1) ||
			check_abort build "$out"
		ODXCTL=$CHECK_W/tools/odxctl
	fi
	[ -x "$ODXCTL" ] || check_abort build "no odxctl at $ODXCTL (run make -C tools on the host)"
}

CHECK_CFS=/sys/kernel/config/odx

_c_wait_node() {	# _c_wait_node PATH 1|0: PATH is a block device (1) or gone (0)
	local i
	for ((i = 0; i < 50; i++)); do
		if [ -b "$1" ]; then [ "$2" = 1 ] && return 0; else [ "$2" = 0 ] && return 0; fi
		_c_nap 0.1
	done
	return 1
}

# /dev/odxINDEX from configfs directory NAME: 64 MiB unless size_mb= says
# otherwise, the attributes written in order before power=1 (README, configfs).
cfs_dev() {	# cfs_dev NAME INDEX [ATTR=VALUE...]
	local name=$1 d=$CHECK_CFS/$1 idx=$2 a err
	shift 2
	if [ ! -d "$CHECK_CFS" ]; then
		diag "no $CHECK_CFS: configfs is not mounted, or odx has no configfs support"
		return 1
	fi
	if ! err=$(mkdir "$d" 2>&1); then
		diag "mkdir $d: $err"
		return 1
	fi
	for a in size_mb=64 index="$idx" "$@" power=1; do
		if ! err=$( { echo "${a#*=}" >"$d/${a%%=*}"; } 2>&1); then
			diag "$d: cannot write ${a#*=} to ${a%%=*}: $err"
			rmdir "$d"
			return 1
		fi
	done
	if ! _c_wait_node "/dev/odx$idx" 1; then
		diag "/dev/odx$idx did not appear after power=1 in $d"
		return 1
	fi
	diag "configfs $name: /dev/odx$idx${*:+ with $*}"
}

cfs_dev_remove() {	# cfs_dev_remove NAME...
	local d idx err rc=0
	for d in "$@"; do
		d=$CHECK_CFS/$d
		if [ ! -d "$d" ]; then
			diag "no $d"
			rc=1
			continue
		fi
		idx=$(<"$d/index")
		if ! err=$( { echo 0 >"$d/power"; } 2>&1) || ! err=$(rmdir "$d" 2>&1); then
			diag "removing $d: $err"
			rc=1
		elif ! _c_wait_node "/dev/odx$idx" 0; then
			diag "/dev/odx$idx is still there after power=0 and rmdir $d"
			rc=1
		fi
	done
	return "$rc"
}

# The devices at 0 ... N-1 go (a configfs one through its directory, any other
# through /dev/odx-control with odxctl remove); configfs makes new ones there.
cfs_devs() {	# cfs_devs NAME N [ATTR=VALUE...]
	local name=$1 n=$2 i d out
	shift 2
	for ((i = 0; i < n; i++)); do
		for d in "$CHECK_CFS"/*/; do
			d=${d%/}
			[ -d "$d" ] && [ "$(<"$d/power")" = 1 ] && [ "$(<"$d/index")" = "$i" ] &&
				{ cfs_dev_remove "${d##*/}" || return 1; }
		done
		if [ -e "/sys/block/odx$i" ] && [ -z "${ODXCTL:-}" ]; then
			diag "cfs_devs: odx$i is there and no odxctl to remove it (check_odxctl)"
			return 1
		elif [ -e "/sys/block/odx$i" ] && ! out=$("$ODXCTL" remove "$i" 2>&1); then
			diag "odxctl remove $i: $out"
			return 1
		fi
		cfs_dev "$name-$i" "$i" "$@" || return 1
	done
}

# ---------------------------------------------------------------------------
# Running

_c_num=0
_c_failed=0
_c_nfail=0
_c_failed_names=()
_c_splat_first=

# The kernel log since the last call (read and cleared) in $_c_klog_new, and
# kept in the suite's log. (Few processes per case: each costs under TCG.)
#
# How, without running a program per case (every exec costs about a second
# under TCG): one `cat /dev/kmsg` for the suite fills $CHECK_W/kmsg; to take
# the log, the runner writes a marker to /dev/kmsg (level 7: not on the
# console) and reads the file up to it with shell builtins.
declare -A _c_klog_v=()
_c_kline=0
_c_kseq=0
_c_kpid=

_c_klog_start() {
	local f=/proc/sys/kernel/printk_devkmsg
	# Writes to /dev/kmsg are rate-limited by default: not the markers.
	if [ -w "$f" ]; then
		read -r _c_devkmsg_old <"$f"
		echo on >"$f"
	fi
	mkfifo "$CHECK_W/tick" && exec {_c_tick}<>"$CHECK_W/tick"
	: >"$CHECK_W/kmsg"
	cat /dev/kmsg >>"$CHECK_W/kmsg" 2>/dev/null &
	_c_kpid=$!
	_c_klog_take	# everything before the suite: not ours
}

_c_klog_stop() {
	[ -z "$_c_kpid" ] || kill "$_c_kpid" 2>/dev/null
	[ -z "${_c_devkmsg_old:-}" ] || echo "$_c_devkmsg_old" >/proc/sys/kernel/printk_devkmsg
}

# A short wait without a program (read times out on a FIFO nobody writes).
_c_nap() { read -r -t "$1" -u "$_c_tick" _ 2>/dev/null; }

_c_kmsg_ok=1
_c_klog_take() {
	local m j i n=0 rec
	local -a _c_kl=()
	if [ "$_c_kmsg_ok" != 1 ]; then
		# Markers do not come back here: dmesg (a program per call).
		_c_klog_new=$(dmesg -c 2>/dev/null)
		[ -z "$_c_klog_new" ] || printf '%s\n' "$_c_klog_new" >>"$CHECK_W/klog"
		return
	fi
	_c_kseq=$((_c_kseq + 1))
	m="odx-check: $CHECK_SUITE $$ mark $_c_kseq"
	echo "<7>$m" >/dev/kmsg 2>/dev/null
	_c_klog_new=
	for ((i = 0; i < 250; i++)); do
		mapfile -s "$_c_kline" -t _c_kl <"$CHECK_W/kmsg"
		n=${#_c_kl[@]}
		for ((j = 0; j < n; j++)); do
			rec=${_c_kl[j]}
			if [[ $rec == *";$m" ]]; then
				_c_kline=$((_c_kline + j + 1))
				[ -z "$_c_klog_new" ] || printf '%s\n' "$_c_klog_new" >>"$CHECK_W/klog"
				return
			fi
			# "PRIO,SEQ,USEC,FLAGS;TEXT"; continuation lines (" KEY=VALUE") skipped
			[[ $rec == " "* ]] || _c_klog_new+=${_c_klog_new:+$'\n'}${rec#*;}
		done
		_c_klog_new=
		_c_nap 0.02
	done
	# The marker never came back (no /dev/kmsg? rate-limited?): what there
	# is, and dmesg from now on.
	diag "warning: /dev/kmsg markers do not come back: reading the kernel log with dmesg -c"
	_c_kmsg_ok=0
	dmesg -c >/dev/null 2>&1
	_c_kline=$((_c_kline + n))
	for ((j = 0; j < n; j++)); do
		rec=${_c_kl[j]}
		[[ $rec == " "* ]] || _c_klog_new+=${_c_klog_new:+$'\n'}${rec#*;}
	done
	[ -z "$_c_klog_new" ] || printf '%s\n' "$_c_klog_new" >>"$CHECK_W/klog"
}

# COMMAND under a time limit, without timeout(1): 137 when it was killed.
run_timeout() {	# run_timeout SECONDS CMD...
	local tmo=$1 pid w rc
	shift
	"$@" &
	pid=$!
	( _c_nap "$tmo"; kill -KILL "$pid" 2>/dev/null ) &
	w=$!
	wait "$pid"
	rc=$?
	kill "$w" 2>/dev/null
	wait "$w" 2>/dev/null
	return "$rc"
}

lines_match() {	# lines_match [-i] REGEX FILE...
	local re line f rc=1 nocase=0
	if [ "$1" = -i ]; then
		shift
		shopt -q nocasematch || nocase=1
	fi
	re=$1
	shift
	[ "$nocase" = 0 ] || shopt -s nocasematch
	for f in "$@"; do
		while IFS= read -r line || [ -n "$line" ]; do
			if [[ $line =~ $re ]]; then
				rc=0
				break 2
			fi
		done <"$f"
	done
	[ "$nocase" = 0 ] || shopt -u nocasematch
	return "$rc"
}

_c_klog_splat() {	# _c_klog_splat NAME [CASE]: 1 (and diagnostics) if the kernel splatted
	local text
	_c_klog_take
	# A program's case: the kernel log up to its verdict, taken as it came.
	text=${_c_klog_v[${2:-.}]:-}
	text=${text:+$text$'\n'}$_c_klog_new
	[[ $text =~ $ODX_SPLAT ]] || return 0
	diag "the kernel logged a splat during $1:"
	printf '%s\n' "$text" | grep -E -A 30 "$ODX_SPLAT" | head -n 60 | sed 's/^/# /'
	[ -n "$_c_splat_first" ] || _c_splat_first=$1
	return 1
}

_c_result() {	# _c_result NAME 0|1|4 [SKIP REASON]; _c_last: that verdict
	_c_num=$((_c_num + 1))
	_c_last=$2
	case "$2" in
	0) echo "ok $_c_num $1" ;;
	4) echo "ok $_c_num $1 # SKIP $3" ;;
	*)
		echo "not ok $_c_num $1"
		_c_failed=1
		_c_nfail=$((_c_nfail + 1))
		_c_failed_names+=("$1")
		;;
	esac
}

# One result for a case: the kernel log decides too.
_c_finish() {	# _c_finish NAME RC [SKIP REASON [PROGRAM'S CASE]]
	local rc=$2
	[ "$rc" = 0 ] || [ "$rc" = 4 ] || dmesg 2>/dev/null | tail -n 5 | sed 's/^/# dmesg: /'
	if ! _c_klog_splat "$1" "${4:-}"; then
		rc=1
	fi
	_c_result "$1" "$rc" "${3:-}"
}

# A kselftest-harness program's KTAP, or "ok - NAME" lines: the verdicts, as
# "NAME 0|1|4 [reason]" lines in $CHECK_W/verdicts; the rest passed through as
# diagnostics. Sets _c_prog_rc.
_c_run_prog() {	# _c_run_prog TIMEOUT CMD...
	local tmo=$1 line name v
	shift
	: >"$CHECK_W/verdicts"
	_c_prog_rc=255
	_c_klog_v=()
	if declare -F "$1" >/dev/null; then
		# A function of the suite's (with what it uses exported), under timeout.
		export -f "${1?}" diag
		export BIN CHECK_SELECTED CHECK_W
		set -- bash -c '"$@"' "$1" "$@"
	fi
	# Read as it comes (lastpipe: this shell reads; /dev/fd, for process
	# substitution, may be missing in the guest), so that each verdict takes
	# the kernel log up to it (_c_klog_v[NAME]).
	shopt -s lastpipe
	{ run_timeout "$tmo" "$@" 2>&1; echo "__rc=$?"; } |
	while IFS= read -r line; do
		v=
		case "$line" in
		"ok - "*) name=${line#ok - } v=0 ;;
		"not ok - "*) name=${line#not ok - } v=1 ;;
		"ok "[0-9]*" # SKIP"*|"ok "[0-9]*" # skip"*)
			name=${line#ok * } name=${name%% # *}
			v="4 ${line#* # [Ss][Kk][Ii][Pp] }" ;;
		"ok "[0-9]*) name=${line#ok * } v=0 ;;
		"not ok "[0-9]*) name=${line#not ok * } name=${name%% # *} v=1 ;;
		"__rc="*) _c_prog_rc=${line#__rc=}; continue ;;
		"TAP version "*|"KTAP version "*|1..[0-9]*|"") continue ;;
		"# Starting "*|"#  RUN "*|"#            OK  "*|"# PASSED: "*|"# Totals: "*) continue ;;
		"# "*) printf '%s\n' "$line"; continue ;;
		*) printf '# %s\n' "$line"; continue ;;
		esac
		# Harness names are FIXTURE[.VARIANT].NAME: the case is NAME.
		case "$line" in "ok - "*|"not ok - "*) ;; *) name=${name##*.} ;; esac
		echo "$name $v" >>"$CHECK_W/verdicts"
		_c_klog_take
		_c_klog_v[$name]=$_c_klog_new
	done
	if [ "$_c_prog_rc" = 124 ] || [ "$_c_prog_rc" = 137 ]; then
		diag "$1: timed out after ${tmo}s"
	fi
}

_c_verdict() {	# _c_verdict NAME: _v, its "0|1|4 [reason]" from the last run, or empty
	local n rest
	_v=
	while read -r n rest; do
		if [ "$n" = "$1" ]; then
			_v=$rest
			return
		fi
	done <"$CHECK_W/verdicts"
}

# A batch runs once, at its first case; its other cases take their verdicts.
_c_batch_ran=
_c_run_batch() {	# _c_run_batch NAME BATCH CASE TIMEOUT CMD...
	local name=$1 batch=$2 c=$3 tmo=$4 v rc i sel='' reason=''
	shift 4
	if [ "$_c_batch_ran" != "$batch" ]; then
		_c_batch_ran=$batch
		for i in "${!_c_kind[@]}"; do
			[ "${_c_kind[$i]}" = batch ] || continue
			eval "set -- ${_c_args[$i]}"
			[ "$1" = "$batch" ] && sel="$sel $2"
		done
		eval "set -- ${_c_args[$_c_i]}"
		shift 3
		local t0=$SECONDS
		CHECK_SELECTED=${sel# } _c_run_prog "$tmo" "$@"
		diag "${*:1:2}: exit $_c_prog_rc after $((SECONDS - t0)) s"
		_c_batch_rc=$_c_prog_rc
		_c_batch_left=0
		for i in $sel; do _c_batch_left=$((_c_batch_left + 1)); done
		_c_batch_bad=0
	fi
	_c_batch_left=$((_c_batch_left - 1))
	_c_verdict "$c"
	v=$_v
	rc=${v%% *}
	[ "$rc" != 1 ] || _c_batch_bad=1
	if [ -z "$v" ]; then
		diag "$c: no verdict (exit $_c_batch_rc)"
		rc=1
	elif [ "$_c_batch_left" = 0 ] && [ "$rc" = 0 ] && [ "$_c_batch_rc" != 0 ] &&
	     [ "$_c_batch_bad" = 0 ]; then
		diag "the run ended with exit $_c_batch_rc after all its cases passed"
		rc=1
	fi
	[ "$rc" = 4 ] && reason=${v#4 }
	_c_finish "$name" "$rc" "$reason" "$c"
}

_c_run_sh() {	# _c_run_sh NAME CMD...
	local name=$1 rc
	shift
	CHECK_SKIP_REASON=
	"$@"
	rc=$?
	if [ "$rc" = 4 ]; then
		if [ -z "$CHECK_SKIP_REASON" ]; then
			diag "$name: skipped without a reason"
			rc=1
		fi
	elif [ "$rc" != 0 ]; then
		rc=1
	fi
	_c_finish "$name" "$rc" "$CHECK_SKIP_REASON"
}

# Processes created since boot (/proc/stat), in $_c_nproc: the cost of a
# case under the debug kernel is mostly the programs it starts.
_c_procs() {
	local k v
	_c_nproc=0
	while read -r k v _; do
		[ "$k" = processes ] && { _c_nproc=$v; return 0; }
	done </proc/stat
}

# The suite's last two cases.
_c_end_cases() {
	local kml=/sys/kernel/debug/kmemleak
	_c_klog_take
	if [ -n "$_c_splat_first" ] || grep -Eq "$ODX_SPLAT" "$CHECK_W/klog"; then
		diag "the kernel logged a splat${_c_splat_first:+, first during $_c_splat_first}"
		grep -E -A 10 "$ODX_SPLAT" "$CHECK_W/klog" | head -n 30 | sed 's/^/# /'
		_c_result kernel_log_clean 1
	else
		_c_result kernel_log_clean 0
	fi
	if [ ! -w "$kml" ]; then
		_c_result kmemleak 4 "no $kml: this kernel has no kmemleak (CONFIG_DEBUG_KMEMLEAK)"
		return
	fi
	# kmemleak reports objects at least 5 s old.
	_c_nap 6
	echo scan >"$kml"
	# (debugfs says size 0: read it.)
	local -a leaks=()
	mapfile -t leaks <"$kml"
	if [ ${#leaks[@]} -gt 0 ]; then
		diag "kmemleak:"
		printf '# %s\n' "${leaks[@]:0:60}"
		echo clear >"$kml"
		_c_result kmemleak 1
	else
		_c_result kmemleak 0
	fi
}

check_run() {
	local i kind name start=$SECONDS t0 p0 pstart
	if [ "${ODX_CHECK_LIST:-}" = 1 ]; then
		for i in "${!_c_kind[@]}"; do
			[ "${_c_kind[$i]}" = "do" ] || echo "${_c_name[$i]}"
		done
		printf '%s\n' kernel_log_clean kmemleak
		return 0
	fi
	echo "KTAP version 1"
	local n=0
	for i in "${!_c_kind[@]}"; do
		[ "${_c_kind[$i]}" = "do" ] || n=$((n + 1))
	done
	echo "1..$((n + 2))"
	diag "odx $CHECK_SUITE suite on $(uname -r) (ODX_KERNEL=${ODX_KERNEL:-?}), module $ODX_BUILD/odx.ko${BIN:+, programs in $BIN}"
	if [ -d /sys/module/odx ]; then
		diag "odx was loaded before the suite: unloading it"
		rmmod odx 2>&1 | sed 's/^/# /'
	fi
	local kml=/sys/kernel/debug/kmemleak
	[ -w "$kml" ] && { echo scan >"$kml"; echo clear >"$kml"; } 2>/dev/null
	_c_klog_start
	: >"$CHECK_W/klog"
	_c_procs
	pstart=$_c_nproc
	for _c_i in "${!_c_kind[@]}"; do
		i=$_c_i
		kind=${_c_kind[$i]}
		name=${_c_name[$i]}
		eval "set -- ${_c_args[$i]}"
		t0=$SECONDS
		_c_procs
		p0=$_c_nproc
		case "$kind" in
		do) "$@"; continue ;;
		load)
			CHECK_PASS_OK=0
			if check_load "$@" && { ! declare -F check_after_load >/dev/null || check_after_load; }; then
				CHECK_PASS_OK=1
				_c_finish "$name" 0
			else
				_c_finish "$name" 1
			fi
			continue
			;;
		pass)
			CHECK_PASS_OK=0
			_c_run_sh "$name" "$@"
			[ "$_c_last" != 0 ] || CHECK_PASS_OK=1
			continue
			;;
		unload)
			CHECK_PASS_OK=0
			if [ "$CHECK_LOADED" = 0 ]; then
				diag "$name: odx was not loaded"
				_c_finish "$name" 1
			elif check_unload; then
				_c_finish "$name" 0
			else
				_c_finish "$name" 1
			fi
			continue
			;;
		fail)
			diag "$1"
			_c_finish "$name" 1
			continue
			;;
		esac
		if [ "$CHECK_PASS_OK" != 1 ]; then
			diag "$name: cannot run, the module did not load for this pass"
			_c_finish "$name" 1
			continue
		fi
		case "$kind" in
		sh) _c_run_sh "$name" "$@" ;;
		batch) _c_run_batch "$name" "$@" ;;
		esac
		_c_procs
		[ $((SECONDS - t0)) -lt 5 ] ||
			diag "$name: $((SECONDS - t0)) s, $((_c_nproc - p0)) processes"
	done
	_c_end_cases
	_c_klog_stop
	_c_procs
	diag "$CHECK_SUITE: $((_c_num - _c_nfail)) of $_c_num passed in $((SECONDS - start)) s ($((_c_nproc - pstart)) processes)"
	[ "$_c_failed" = 0 ] || diag "failed: ${_c_failed_names[*]}"
	return "$_c_failed"
}
