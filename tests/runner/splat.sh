#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The guest runner's self-test (scripts/test.sh, step runner): in the debug
# guest, a case that loads the deliberately warning module (tests/warn/) must
# fail, and so must kernel_log_clean; the cases before and after it pass.
#   scripts/build-warn-module.sh && scripts/odx-vm --kernel debug -- tests/runner/splat.sh
. "$(dirname "$0")/../lib/check.sh"

check_suite runner-splat

before() { true; }
warn() { insmod "$ODX_TOP/build/debug/warn/odx_warn.ko"; }
after() { [ ! -d /sys/module/odx_warn ] || rmmod odx_warn; }

t_sh before before
t_sh warn warn
t_sh after after

check_run
