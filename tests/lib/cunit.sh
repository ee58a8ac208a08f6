# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# libiscsi's iscsi-test-cu output (CUnit's basic mode), read with shell
# builtins, for tests/scsi/iscsi-test-cu.sh and tests/lio/iscsi-cu.sh.
# Sourced.

# cu_parse FILE: iscsi-test-cu's output read by the shell (a program costs up
# to a second on the debug kernel under TCG): $tot $ran $pass $fail from
# CUnit's run summary ("tests TOTAL RAN PASSED FAILED INACTIVE"; empty without
# one), $skips, the [SKIPPED] lines counted in $skip_lines (first seen first),
# the failed tests ("Suite S, Test T had failures:") in $failures ("S T").
# shellcheck disable=SC2034  # its results are the callers'
cu_parse() {
	local line re='^ *tests +([0-9]+) +([0-9]+) +([0-9]+) +([0-9]+)'
	local fre='^ *Suite ([^,]*), Test (.*) had failures:' k
	local -A seen=()
	tot='' ran='' pass='' fail='' skips=0 skip_lines=() failures=()
	while IFS= read -r line; do
		if [ -z "$tot" ] && [[ $line =~ $re ]]; then
			tot=${BASH_REMATCH[1]} ran=${BASH_REMATCH[2]}
			pass=${BASH_REMATCH[3]} fail=${BASH_REMATCH[4]}
		elif [[ $line =~ $fre ]]; then
			failures+=("${BASH_REMATCH[1]} ${BASH_REMATCH[2]}")
		elif [[ $line == *"[SKIPPED]"* ]]; then
			skips=$((skips + 1))
			k=${line#"${line%%[! ]*}"}
			[ -n "${seen[$k]:-}" ] || skip_lines+=("$k")
			seen[$k]=$(( ${seen[$k]:-0} + 1 ))
		fi
	done <"$1"
	for k in "${!skip_lines[@]}"; do
		skip_lines[k]="${seen[${skip_lines[k]}]} ${skip_lines[k]}"
	done
}
