# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# The kernel splat pattern: the one definition in the tree. Sourced by the
# guest runner (tests/lib/check.sh: the kernel log around every case) and by
# the VM runner (scripts/odx-vm: the guest's whole console). An extended
# regular expression for grep -E and bash's =~: a line that matches is a kernel
# report that fails what was running: BUG, WARNING, UBSAN, KASAN, oops, general
# protection fault, panic, hung task, RCU and other stalls, the "cut here" line
# every WARN and BUG starts with, refcount_t and list corruption reports, and a
# kmemleak scan that found new leaks. Lockdep reports begin with "WARNING:".

# shellcheck disable=SC2034 # used by the files that source this one
ODX_SPLAT='(BUG: |WARNING: |UBSAN: |KASAN: |kernel BUG at|Oops|general protection fault|Kernel panic|INFO: task .* blocked for more than|INFO: .*detected stall|cut here|refcount_t:|list_(add|del) corruption|kmemleak: .*new suspected)'
