#!/usr/bin/env python3
"""Write the fuzzer's seed corpus: valid offload read and write requests (12 bytes
of limits, then the DSM buffer laid out as Windows does). Run from tests/fuzz/."""
import os
import struct

os.makedirs("corpus", exist_ok=True)


def limits(bs4k=False, max_ranges=63, cap=64 << 20):
    return bytes([1 if bs4k else 0, max_ranges, 0, 0]) + struct.pack("<Q", cap)


def request(action, params, ranges, gap=0):
    hdr_len = 28
    poff = hdr_len + gap
    roff = poff + len(params)
    rb = b"".join(struct.pack("<QQ", s, l) for s, l in ranges)
    hdr = struct.pack("<7I", 28, action, 0, poff, len(params), roff, len(rb))
    return hdr + bytes(gap) + params + rb


READ, WRITE = 0x80000003, 4
rp = struct.pack("<IIII", 0, 1000, 0, 0)
wp = struct.pack("<IIQ", 0, 0, 4096) + bytes([0, 0x80, 0, 0, 0, 0, 1, 0xF8]) + bytes(504)
seeds = {
    "read-1": limits() + request(READ, rp, [(0, 4096)]),
    "read-3": limits() + request(READ, rp, [(0, 512), (8192, 4096), (1 << 20, 65536)]),
    "read-4k": limits(True) + request(READ, rp, [(4096, 8192)], gap=4),
    "write-2": limits() + request(WRITE, wp, [(65536, 4096), (0, 512)]),
    "write-64": limits() + request(WRITE, wp, [(i * 4096, 4096) for i in range(64)]),
    "read-end": limits() + request(READ, rp, [((64 << 20) - 512, 512)]),
}
for name, data in seeds.items():
    with open(os.path.join("corpus", name), "wb") as f:
        f.write(data)
