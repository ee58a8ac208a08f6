#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest test suite for odx token copy, on the one runner (tests/lib/check.sh).
# Runs INSIDE the guest, as root:
#
#   scripts/odx-vm --kernel debian-6.12 -- tests/token/run.sh [PATTERN]
#
# Needs ODX_BUILD (the directory with odx.ko for the running kernel) and ODX_TOP
# (the project). The programs (kselftest harness) come from
# $ODX_TOP/build/tests/token (make -C tests/token on the host); when they are
# missing or older than their sources they are rebuilt into /tmp. PATTERN (a
# grep -E regex) runs only the matching cases (module loads and unloads, and
# the configfs devices, always run).
#
# One module load (nr_devices=2 size_mb=64): layout, t_copy, t_access,
# t_token, t_cow, t_race, t_revoke, t_budget, t_deliver on odx0 and odx1; then
# t_limits on devices made in configfs with the setting each needs:
#   limits_token     odx2, max_token_bytes 1048576: t_limits trunc_read_*
#   limits_transfer  odx2, max_transfer_bytes 65536: t_limits trunc_write_*
#
# Prints KTAP (tests/lib/check.sh): one result per case, a plan first. Exits 0
# iff every case passed.
. "$(dirname "$0")/../lib/check.sh"

BASE_ARGS=(nr_devices=2 size_mb=64)
# The harness times each case (180 s, or its own); this is the safety net.
export ODX_CASE_TIMEOUT=${ODX_TOKEN_TIMEOUT:-1000}

check_suite token "${1:-}"
check_programs token

pass_load module_load_default default "${BASE_ARGS[@]}"
t_harness layout
for p in t_copy t_access t_token t_cow t_race t_revoke t_budget t_deliver; do
	t_harness "$p"
done

# t_limits on /dev/odx2, made in configfs (tests/lib/check.sh: cfs_dev) with
# the one setting the cases need.
export ODX_LIMITS_DEV=2

# A token covers at most 1 MiB.
pass_sh limits_token_device cfs_dev limits_token 2 max_token_bytes=1048576
t_harness t_limits '^trunc_read_'
pass_sh limits_token_device_removed cfs_dev_remove limits_token

# One offload write copies at most 64 KiB.
pass_sh limits_transfer_device cfs_dev limits_transfer 2 max_transfer_bytes=65536
t_harness t_limits '^trunc_write_'
pass_sh limits_transfer_device_removed cfs_dev_remove limits_transfer
pass_unload module_unload_default

check_run
