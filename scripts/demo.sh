#!/usr/bin/env bash
# `make run`: odx in a minute. Boots the stock Debian 6.1 kernel in QEMU (no kernel
# build needed), loads odx, creates two devices, copies by token within and across
# them with odxctl, verifies every byte, shows point-in-time behaviour, and times
# the offload copy against a userspace copy (tests/demo-guest.sh).
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$ODX_TOP"

"$ODX_TOP/scripts/build-module.sh" debian-6.1 >/dev/null
make -s -C tools
exec "$ODX_TOP/scripts/odx-vm" --kernel debian-6.1 --timeout 900 -- \
	"$ODX_TOP/tests/demo-guest.sh"
