#!/usr/bin/env bash
# `make run`: a first look at odx. Boots the stock Debian 6.1 kernel in QEMU (no
# kernel build needed), loads odx, shows the devices, runs a short fio verify, mints
# a token and copies with it, and prints a summary.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$ODX_TOP"

"$ODX_TOP/scripts/build-module.sh" debian-6.1 >/dev/null
make -s -C tests >/dev/null
exec "$ODX_TOP/scripts/odx-vm" --kernel debian-6.1 --timeout 600 -- \
	"$ODX_TOP/tests/demo-guest.sh"
