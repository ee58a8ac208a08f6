#!/usr/bin/env bash
# odx's whole test suite: `make test` runs this. It sets the machine up, builds the
# module for every kernel, checks style, packages, runs the stock Debian kernels'
# guest suites, the KUnit suites and the guest tests on the debug kernel (built
# first on a fresh machine), and proves the runner catches kernel splats. Every
# check prints PASS or FAIL, every step its time ("# step NAME: N s"); the last
# line is "N passed, N failed".
#
#   scripts/test.sh [STEP...]   steps: build style host deb kunit runner demo bench guest stock
#
# Given no steps it runs them all in two lanes, one per core: a TCG guest keeps 1.2
# to 1.4 of the two cores busy, so one guest alone leaves part of the machine idle,
# and two side by side (or one and the debug kernel's build) use all of it. The stock lane runs the steps that need no debug kernel (build,
# style, host, deb, demo, bench); the debug lane builds the kernel when the cache
# has none, then the debug module, KUnit and the runner's checks. Then each lane
# takes the next guest run no lane took yet: the debug guest suites in three guests
# (the debug lane runs the two-CPU one itself, before the runner's checks), and
# the two stock kernels'. Each run's output is printed whole when it ends.
# ODX_TEST_LANES=1 runs one step after another (the stock kernels' steps first,
# the debug kernel building beside them at nice 19); given steps, that is the
# default and ODX_TEST_LANES=2 runs those in lanes.
set -uo pipefail
# Parsed whole before it runs ({ ... }), so editing this file cannot break a run.
{
. "$(dirname "$0")/common.sh"
cd "$ODX_TOP"

steps=("$@")
lanes=${ODX_TEST_LANES:-1}
if [ ${#steps[@]} = 0 ]; then
	steps=(build style host deb kunit runner demo bench guest stock)
	lanes=${ODX_TEST_LANES:-2}
fi
log=$ODX_TOP/build/test.log
mkdir -p build
: > "$log"
passed=0
failed=0
start=$(date +%s)

result() {	# result PASS|FAIL NAME
	echo "$1 $2" | tee -a "$log"
	if [ "$1" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

check() {	# check NAME CMD...: PASS if CMD succeeds; its output on failure
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		result PASS "$name"
	else
		echo "$out" | tail -n 40 | sed 's/^/# /'
		result FAIL "$name"
	fi
}

# Run CMD, echo its output, and count its results. Every suite prints KTAP
# ("KTAP version 1", a plan "1..N", "ok N NAME", "not ok N NAME",
# "ok N NAME # SKIP reason"), with subtests indented by four spaces after a
# "# Subtest: NAME" line: each leaf result is one PASS/FAIL/SKIP line named
# PREFIX:SUBTEST...:NAME. A subtest whose plan and results disagree is a FAIL,
# and so is a "not ok" subtest none of whose cases failed. Scripts that are not
# suites may still print "ok - NAME" / "not ok - NAME" and "PASS NAME" /
# "FAIL NAME" lines. Sets collect_rc to CMD's exit status.
skipped=0
collect() {	# collect PREFIX CMD...
	local prefix=$1 line body d name path verdict reason i
	# Per depth: subtest name, plan, results seen, failures seen.
	local -a sub=() plan=() seen=() bad=()
	shift
	collect_rc=125
	plan[0]=-1 seen[0]=0 bad[0]=0
	while IFS= read -r line; do
		body=${line#"${line%%[! ]*}"}
		d=$(( (${#line} - ${#body}) / 4 ))
		case "$body" in
		"ODX-TEST-RC="*) collect_rc=${body#ODX-TEST-RC=}; continue ;;
		"KTAP version "*|"TAP version "*)
			plan[d]=-1 seen[d]=0 bad[d]=0
			[ "$d" = 0 ] || sub[d]=${sub[d]:-?}
			continue ;;
		"# Subtest: "*) sub[d]=${body#\# Subtest: }; plan[d]=${plan[d]:--1} seen[d]=${seen[d]:-0} bad[d]=${bad[d]:-0}; continue ;;
		1..[0-9]*) plan[d]=${body#1..}; continue ;;
		"ok - "*) result PASS "$prefix:${body#ok - }"; continue ;;
		"not ok - "*) result FAIL "$prefix:${body#not ok - }"; continue ;;
		PASS\ *) [ "$d" = 0 ] && { result PASS "${body#PASS }"; continue; } ;;
		FAIL\ *) [ "$d" = 0 ] && { result FAIL "${body#FAIL }"; continue; } ;;
		"ok "[0-9]*|"not ok "[0-9]*)
			verdict=PASS
			case "$body" in "not ok "*) verdict=FAIL ;; esac
			name=${body#*ok }
			name=${name#* }
			reason=
			case "$name" in
			*" # SKIP"*|*" # skip"*)
				reason=${name#* # [Ss][Kk][Ii][Pp]}
				reason=${reason# }
				[ "$verdict" = PASS ] && verdict=SKIP ;;
			esac
			name=${name%% # *}
			path=$prefix
			for ((i = 1; i <= d; i++)); do path="$path:${sub[i]:-?}"; done
			seen[d]=$(( ${seen[d]:-0} + 1 ))
			if [ -n "${seen[d + 1]:-}" ]; then
				# The end of subtest $name: its plan, and its own verdict.
				if [ "${plan[d + 1]}" != "${seen[d + 1]}" ]; then
					echo "# $path:$name: plan 1..${plan[d + 1]}, ${seen[d + 1]} results"
					result FAIL "$path:$name (plan ${plan[d + 1]}, ${seen[d + 1]} results)"
					bad[d]=$(( ${bad[d]:-0} + 1 ))
				elif [ "$verdict" = FAIL ] && [ "${bad[d + 1]}" = 0 ]; then
					result FAIL "$path:$name"
				fi
				[ "${bad[d + 1]}" = 0 ] || bad[d]=$(( ${bad[d]:-0} + 1 ))
				unset "sub[d + 1]" "plan[d + 1]" "seen[d + 1]" "bad[d + 1]"
				continue
			fi
			case "$verdict" in
			SKIP) echo "SKIP $path:$name ($reason)" | tee -a "$log"; skipped=$((skipped + 1)) ;;
			FAIL) result FAIL "$path:$name"; bad[d]=$(( ${bad[d]:-0} + 1 )) ;;
			*) result PASS "$path:$name" ;;
			esac
			continue ;;
		esac
		echo "$line"
		# Numbers for the reliability summary.
		case "$body" in
		"# cases: "*) rel_cases=${body#\# cases: } ;;
		"# stress operations: "*) rel_stress=${body#\# stress operations: } ;;
		"# faults injected: "*) rel_faults=${body#\# faults injected: } ;;
		esac
	done < <("$@" 2>&1; echo "ODX-TEST-RC=$?")
	# The top level's plan, when it had one.
	if [ "${plan[0]}" != -1 ] && [ "${plan[0]}" != "${seen[0]}" ]; then
		result FAIL "$prefix (plan 1..${plan[0]}, ${seen[0]} results)"
	fi
}

has_step() { local s; for s in "${steps[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }

"$ODX_TOP/scripts/setup.sh" || { echo "setup failed"; exit 1; }

vm_result() {	# vm_result NAME RC: the guest run as a whole (splats, leaks, crashes)
	case "$2" in
	100) result FAIL "$1 (kernel splat or kmemleak report)" ;;
	124) result FAIL "$1 (timed out)" ;;
	125) result FAIL "$1 (guest did not finish)" ;;
	*) result PASS "$1" ;;
	esac
}

run_vm() {	# run_vm NAME PREFIX VM-ARGS... -- CMD...: counts test lines and the VM itself
	local name=$1 prefix=$2
	shift 2
	collect "$prefix" "$ODX_TOP/scripts/odx-vm" "$@"
	vm_result "$name" "$collect_rc"
}

# A step, timed: "# step NAME: N s".
step() {	# step NAME FUNCTION
	local t0=$SECONDS
	has_step "$1" || return 0
	"$2"
	echo "# step $1: $((SECONDS - t0)) s"
}

step_build_stock() {
	for k in debian-6.1 debian-6.12; do
		check "build:$k (W=1, no warnings)" scripts/build-module.sh "$k"
	done
	check "build:tests and tools" make -s tests
}
step_build_debug() {
	check "build:debug (W=1, no warnings)" scripts/build-module.sh debug
	check "build:sparse (C=2, debug kernel)" scripts/check.sh sparse
}
step_style() {
	check "style:checkpatch --strict" scripts/check.sh checkpatch
}
step_host() {
	for t in scripts/host-tests/*.sh; do
		[ -e "$t" ] || continue
		check "host:$(basename "$t" .sh)" "$t"
	done
}
step_deb() {
	# The packages, and DKMS builds of odx-dkms for both stock kernels; the stock
	# step below runs the token and LIO suites on those DKMS-built modules.
	check "deb:make deb, lintian clean (odx-dkms, odx-utils)" scripts/mkdeb.sh --lintian
	before=$failed
	collect deb scripts/dkms-test.sh --deb build/deb --dpkg
	[ "$collect_rc" = 0 ] || [ "$failed" -gt "$before" ] ||
		result FAIL "deb:scripts/dkms-test.sh exited $collect_rc"
}
step_kunit() {
	collect kunit scripts/kunit.sh
	vm_result "kunit:debug kernel run" "$collect_rc"
}
step_runner() {
	check "runner:exit status passes through" sh -c \
		'out=$(scripts/odx-vm --quiet --kernel debug -- sh -c "echo hi; exit 3"); rc=$?;
		 [ "$rc" = 3 ] && [ "$out" = hi ]'
	# One guest for both: the warning module loaded in a case of the guest
	# runner (tests/runner/splat.sh): odx-vm fails the run, and the runner
	# fails that case and kernel_log_clean, not the cases around it.
	check "runner:kernel WARNING fails the run" sh -c \
		'scripts/build-warn-module.sh >/dev/null &&
		 scripts/odx-vm --quiet --kernel debug -- tests/runner/splat.sh >build/warn.ktap 2>build/warn.out;
		 rc=$?; [ "$rc" = 100 ] && grep -q "deliberate warning" build/warn.out'
	check "runner:kernel WARNING fails the case it happened in (tests/lib/check.sh)" sh -c \
		'cat build/warn.ktap; grep -qx "ok 1 before" build/warn.ktap &&
		 grep -qx "not ok 2 warn" build/warn.ktap && grep -qx "ok 3 after" build/warn.ktap &&
		 grep -qx "not ok 4 kernel_log_clean" build/warn.ktap'
	collect runner tests/runner/accel.sh
}
step_demo() {
	check "demo:make run (stock 6.1)" make -s run
}
step_bench() {
	# The benchmark's short mode: the shared-page path must be taken (counters),
	# not any timing.
	check "bench:short run takes the shared-page path (stock 6.12)" scripts/bench.sh --short
}
# A guest's hard timeout is a hang's net, not a schedule: well over what
# the run takes beside another guest (CI's machine ran stock 6.12 past a
# 1500 s one that was 7% over this machine's time).
step_guest() {
	run_vm guest:debug guest --kernel debug --timeout 3600 -- tests/run-guest.sh
}
# The debug guest suites in three guests (the lanes' way; tests/run-guest.sh
# SUITE...). The suites whose threads race each other on purpose (token,
# hardening) get two virtual CPUs; the others one, as the stock guests do:
# two two-CPU guests side by side took as long as one after the other
# (a fresh run on 2026-12-02: 1,841 and 1,669 s side by side, about 900 and 730
# alone), each waiting on a vCPU the other's held off the cores.
guest_part() {	# guest_part SMP SUITE...
	local smp=$1
	shift
	run_vm "guest:debug ($*)" guest --kernel debug --smp "$smp" --timeout 3000 -- \
		tests/run-guest.sh "$@"
}
guest_1() { guest_part 2 token hardening; }
guest_2() { guest_part 1 scsi lio; }
guest_3() { guest_part 1 block; }
stock_one() {	# stock_one KERNEL
	local dkms=
	# The token and LIO suites run on the DKMS-built modules where the deb
	# step made them.
	[ -f "build/dkms/$1/odx.ko" ] && has_step deb && dkms=$ODX_TOP/build/dkms/$1
	# One virtual CPU: beside another guest, two-CPU guests share two cores
	# four ways and wait on each other (the odxctl suite beside the debug
	# guest, two interleaved pairs: 503 and 649 s wall, 483 and 617 s of
	# QEMU's CPU with two; 219 and 221 s, 194 and 195 s with one).
	# Concurrency is the debug guests' (two CPUs, lockdep, KASAN).
	run_vm "stock:$1" "$1" --kernel "$1" --smp 1 --timeout 2700 -- \
		env ODX_DKMS_BUILD="$dkms" tests/run-guest.sh --stock
}
step_stock() {
	stock_one debian-6.1
	stock_one debian-6.12
}

kernel_needed=0
if { has_step build || has_step kunit || has_step runner || has_step guest; } &&
   [ ! -f "$(odx_debug_kernel_dir)/.odx-done" ]; then
	kernel_needed=1
	# Unpacked first, in the foreground: checkpatch (the style step) reads
	# the source, and must not find it half written or wait for the build.
	scripts/build-kernel.sh --extract >/dev/null
fi

if [ "$lanes" = 1 ]; then
	# The debug kernel takes 10-20 minutes to build on a fresh machine (then it
	# is cached): in the background, at the lowest priority, while the steps
	# that do not need it run. The debug kernel's steps run last.
	kernel_pid=
	if [ "$kernel_needed" = 1 ]; then
		echo "# building the debug kernel in the background (build/kernel-build.out)"
		nice -n 19 scripts/build-kernel.sh >build/kernel-build.out 2>&1 &
		kernel_pid=$!
	fi
	step build step_build_stock
	step style step_style
	step host step_host
	step deb step_deb
	step demo step_demo
	step bench step_bench
	step stock step_stock
	if [ -n "$kernel_pid" ]; then
		t0=$SECONDS
		wait "$kernel_pid" || { tail -n 40 build/kernel-build.out | sed 's/^/# /'; }
		echo "# waited $((SECONDS - t0)) s for the debug kernel"
	fi
	step build step_build_debug
	step kunit step_kunit
	step runner step_runner
	step guest step_guest
else
	# Two lanes. A job runs in a lane with its output in $lanes_dir/NAME.out,
	# printed whole when it ends; its counts go to NAME.counts (read below).
	# Guest runs are taken from a queue (mkdir claims them), each once, when
	# what they need (NAME.counts of other jobs) has finished.
	lanes_dir=$ODX_TOP/build/lanes
	rm -rf "$lanes_dir"
	mkdir -p "$lanes_dir"

	job() {	# job NAME FUNCTION [ARG...]
		local name=$1 t0=$SECONDS
		shift
		passed=0 failed=0 skipped=0 rel_cases='' rel_stress='' rel_faults=''
		"$@" >"$lanes_dir/$name.out" 2>&1
		echo "# step $name: $((SECONDS - t0)) s" >>"$lanes_dir/$name.out"
		{
			echo "job_passed=$passed job_failed=$failed job_skipped=$skipped"
			for v in rel_cases rel_stress rel_faults; do
				[ -z "${!v}" ] || printf '%s=%q\n' "$v" "${!v}"
			done
		} >"$lanes_dir/$name.counts"
		flock "$lanes_dir/print.lock" cat "$lanes_dir/$name.out"
	}
	# after JOB...: wait until every JOB that runs has ended (or its lane has).
	after() {
		local j
		for j in "$@"; do
			while [ -e "$lanes_dir/want-$j" ] && [ ! -e "$lanes_dir/$j.counts" ] &&
			      [ ! -e "$lanes_dir/ended-$(cat "$lanes_dir/want-$j")" ]; do
				sleep 2
			done
		done
	}
	want() {	# want LANE JOB...: JOB runs, in LANE (queue: either)
		local lane=$1 j
		shift
		for j in "$@"; do echo "$lane" >"$lanes_dir/want-$j"; done
	}
	kernel_job() {
		echo "# building the debug kernel (build/kernel-build.out)"
		scripts/build-kernel.sh >build/kernel-build.out 2>&1 ||
			tail -n 40 build/kernel-build.out | sed 's/^/# /'
	}
	# queue JOB...: take and run, in this order, each guest run no lane took yet.
	queue() {
		local j
		for j in "$@"; do
			[ -e "$lanes_dir/want-$j" ] || continue
			mkdir "$lanes_dir/claim-$j" 2>/dev/null || continue
			case "$j" in
			guest-*) after build build-debug kunit; job "$j" "guest_${j#guest-}" ;;
			stock-*) after build deb; job "$j" stock_one "debian-${j#stock-}" ;;
			esac
		done
	}

	# Every job that will run is wanted before either lane starts.
	has_step build && want stock build && want debug build-debug
	for s in style host deb demo bench; do has_step "$s" && want stock "$s"; done
	for s in kunit runner; do has_step "$s" && want debug "$s"; done
	has_step guest && want debug guest-1 && want queue guest-2 guest-3
	has_step stock && want queue stock-6.1 stock-6.12
	[ "$kernel_needed" = 1 ] && want debug kernel

	(
		trap ': >"$lanes_dir/ended-stock"' EXIT
		has_step build && job build step_build_stock
		for s in style host deb demo bench; do has_step "$s" && job "$s" "step_$s"; done
		queue stock-6.1 stock-6.12 guest-2 guest-3
	) &
	stock_lane=$!
	(
		trap ': >"$lanes_dir/ended-debug"' EXIT
		[ "$kernel_needed" = 1 ] && job kernel kernel_job
		has_step build && job build-debug step_build_debug
		after build
		has_step kunit && job kunit step_kunit
		# The two-CPU guest early, beside a one-CPU stock guest, while
		# the other lane still has those to run.
		has_step guest && job guest-1 guest_1
		has_step runner && job runner step_runner
		queue guest-3 guest-2 stock-6.12 stock-6.1
	) &
	debug_lane=$!
	wait "$stock_lane" "$debug_lane"
	# The jobs' counts, and the reliability numbers of those that have them.
	for f in "$lanes_dir"/*.counts; do
		[ -e "$f" ] || continue
		. "$f"
		passed=$((passed + job_passed))
		failed=$((failed + job_failed))
		skipped=$((skipped + job_skipped))
	done
	# A lane that died leaves jobs it owned without counts.
	for w in "$lanes_dir"/want-*; do
		j=${w##*/want-}
		[ -e "$lanes_dir/$j.counts" ] || result FAIL "$j (did not run to its end)"
	done
fi

if [ -f build/fuzz.log ]; then
	rel_fuzz=$(sed -n 's/.*stat::number_of_executed_units: *//p' build/fuzz.log | tail -n 1)
fi
echo "# reliability summary:"
echo "#   hostile-input cases tried:   ${rel_cases:-not run}"
echo "#   parser fuzz executions:      ${rel_fuzz:-not run}"
echo "#   stress operations:           ${rel_stress:-not run}"
echo "#   faults injected:             ${rel_faults:-not run}"
echo "#   kernels the token suite ran on: $(grep -c '^PASS .*:copy_single_range$' "$log") (debug, 6.1, 6.12; on the stock kernels the DKMS-built module)"
echo "# log: $log; $(( $(date +%s) - start )) s"
[ "$skipped" = 0 ] || echo "# $skipped skipped (SKIP lines above, each with its reason)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
exit
}
