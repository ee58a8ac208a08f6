#!/usr/bin/env bash
# Discard (blkdiscard): whole and partial pages read back as zeros, data around
# them survives, whole pages leave the store. See ../zero-ranges.sh.
# shellcheck source=../lib.sh
. "$ODX_LIB"
# shellcheck source=../zero-ranges.sh
. "$(dirname "$0")/../zero-ranges.sh"
zero_ranges discard
finish
