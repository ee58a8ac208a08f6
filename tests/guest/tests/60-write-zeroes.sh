#!/usr/bin/env bash
# Write zeroes (blkdiscard -z, BLKZEROOUT): the same ranges as the discard test
# read back as zeros, data around them survives, the store never grows. See
# ../zero-ranges.sh.
# shellcheck source=../lib.sh
. "$ODX_LIB"
# shellcheck source=../zero-ranges.sh
. "$(dirname "$0")/../zero-ranges.sh"
zero_ranges zeroout
finish
