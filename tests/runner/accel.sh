#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The runner's accelerator choice (scripts/odx-vm), on the host. A "KVM" that starts
# machines which never print is simulated with ODX_VM_KVM_ARGS="... -S" (QEMU's CPUs
# stay stopped, as on hosts whose /dev/kvm opens but runs no guest); a working one
# with TCG standing in for KVM. Prints KTAP: a plan, one result per case.
#   tests/runner/accel.sh [KERNEL]   (default debian-6.1: the fastest boot)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
kernel=${1:-debian-6.1}
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
silent="-accel tcg -cpu max -S"
working="-accel tcg,thread=multi -cpu max"
failed=0
n=0

echo "KTAP version 1"
echo "1..5"
ok() {
	n=$((n + 1))
	if [ "$2" = 0 ]; then echo "ok $n $1"; else echo "not ok $n $1"; failed=1; fi
}

# vm ACCEL KVM-ARGS: runs a guest that prints its odx.accel=; sets out, err, rc, secs.
vm() {
	local t0=$SECONDS
	out=$(ODX_VM_ACCEL=$1 ODX_VM_KVM_ARGS=$2 ODX_VM_STATE=$state ODX_VM_KVM_WATCHDOG=10 \
		timeout 300 "$top/scripts/odx-vm" --kernel "$kernel" --timeout 240 -- \
		sh -c 'grep -o "odx\.accel=[a-z]*" /proc/cmdline' 2>"$state/err")
	rc=$?
	err=$(cat "$state/err")
	secs=$((SECONDS - t0))
	echo "# ODX_VM_ACCEL=$1 KVM='$2': exit $rc in ${secs}s, guest said '$out'"
	[ -z "$err" ] || echo "$err" | sed 's/^/#   stderr: /'
}
fallback_msgs() { grep -c "printed nothing in .*using TCG" <<< "$err"; }

vm auto "$silent"
ok "silent KVM: falls back to TCG, says so once, in under 2 minutes" \
	$([ "$rc" = 0 ] && [ "$out" = odx.accel=tcg ] && [ "$(fallback_msgs)" = 1 ] &&
	  [ "$secs" -lt 120 ]; echo $?)
vm auto "$silent"
ok "silent KVM: remembered, the next run goes straight to TCG" \
	$([ "$rc" = 0 ] && [ "$out" = odx.accel=tcg ] && [ "$(fallback_msgs)" = 0 ]; echo $?)
rm -f "$state"/kvm-silent-*
vm kvm "$silent"
ok "silent KVM with ODX_VM_ACCEL=kvm: fails (125) within the watchdog" \
	$([ "$rc" = 125 ] && [ "$secs" -lt 60 ] &&
	  grep -q "ODX_VM_ACCEL=kvm, but the guest printed nothing" <<< "$err"; echo $?)
vm tcg "$silent"
ok "ODX_VM_ACCEL=tcg: KVM never tried" \
	$([ "$rc" = 0 ] && [ "$out" = odx.accel=tcg ] && [ "$(fallback_msgs)" = 0 ]; echo $?)
vm auto "$working"
ok "working KVM: used" \
	$([ "$rc" = 0 ] && [ "$out" = odx.accel=kvm ] && [ "$(fallback_msgs)" = 0 ]; echo $?)
exit $failed
