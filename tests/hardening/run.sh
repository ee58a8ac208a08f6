#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The odx hardening suite, on the one runner (tests/lib/check.sh). Runs INSIDE
# the guest of scripts/odx-vm, as root:
#
#   scripts/build-module.sh debug && make -C tests/hardening &&
#       scripts/odx-vm --kernel debug --timeout 1800 -- tests/hardening/run.sh
#
#   run.sh [--no-faults] [matrix|stress|lifetime|faults ...]
#
# Needs ODX_BUILD (odx.ko for the running kernel) and ODX_TOP (the project).
# The programs (kselftest harness) come from $ODX_TOP/build/tests/hardening
# (make -C tests/hardening on the host); when missing or older than their
# sources they are rebuilt in /tmp.
#
# Passes, each a fresh module load (every rmmod is a case):
#   default   insmod odx.ko nr_devices=2 size_mb=64
#             h_matrix   hostile-input matrix: one case per class of inputs
#             h_stress   concurrency stress (H_STRESS_SECONDS, default 60)
#   lifetime  nr_devices=2 size_mb=64 (the default max_transfer_bytes and
#             max_token_bytes, 256 MiB, let one offload write copy the 64 MiB
#             h_lifetime needs)
#             h_lifetime lifetime races (removal, expiry, close, SIGKILL mid-copy);
#             the rmmod after it shows the module unloads after a killed copy
#   faults    nr_devices=2 size_mb=64
#             h_fault    fail-nth fault injection (debug kernel only)
# Each program runs once for all its cases (they share its setup).
# --no-faults leaves the faults pass out (stock kernels have no fault
# injection); without it, a kernel lacking failslab/fail_page_alloc fails it.
#
# Output: KTAP (tests/lib/check.sh), including "# cases: N" (matrix), "# stress
# operations: N" and "# faults injected: N" diagnostics. Exits 0 iff every case
# passed.
#
# Known driver bugs the tests reproduce are reported as "# KNOWN DRIVER BUG ..."
# lines and do not fail their case; ODX_HARDENING_STRICT=1 makes them failures.
. "$(dirname "$0")/../lib/check.sh"

MOD_ARGS=(nr_devices=2 size_mb=64)

faults=1
want=()
for a in "$@"; do
	case "$a" in
	--no-faults) faults=0 ;;
	matrix|stress|lifetime|faults) want+=("$a") ;;
	-h|--help) sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown argument '$a' (see --help)" >&2; exit 2 ;;
	esac
done
[ ${#want[@]} -gt 0 ] || want=(matrix stress lifetime faults)
wanted() {
	local w
	for w in "${want[@]}"; do [ "$w" = "$1" ] && return 0; done
	return 1
}

check_suite hardening
check_programs hardening

if wanted matrix || wanted stress; then
	pass_load module_load_default default "${MOD_ARGS[@]}"
	wanted matrix && t_harness_batch 300 h_matrix
	wanted stress && t_harness_batch $(( ${H_STRESS_SECONDS:-60} + 400 )) h_stress
	pass_unload module_unload_default
fi

if wanted lifetime; then
	pass_load module_load_lifetime lifetime "${MOD_ARGS[@]}"
	t_harness_batch 400 h_lifetime
	# The copy killed mid-way left nothing behind: the module unloads.
	pass_unload module_unload_after_lifetime
fi

if wanted faults; then
	if [ "$faults" = 0 ]; then
		diag "fault injection left out (--no-faults)"
	else
		pass_load module_load_faults faults "${MOD_ARGS[@]}"
		t_harness_batch 600 h_fault
		pass_unload module_unload
	fi
fi

check_run
