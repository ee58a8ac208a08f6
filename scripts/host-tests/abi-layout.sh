#!/usr/bin/env bash
# The ABI's sizes and offsets as a userspace compiler sees them (tests/token/layout.c
# asserts them at compile time and at run time).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
gcc -O2 -Wall -Wextra -Werror -I"$top/include/uapi" -o "$out/layout" "$top/tests/token/layout.c"
"$out/layout"
gcc -m32 -fsyntax-only -I"$top/include/uapi" "$top/tests/token/layout.c" 2>/dev/null ||
	echo "# 32-bit check skipped: no multilib compiler"
