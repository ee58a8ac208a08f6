#!/usr/bin/env python3
"""Turn tests/bench-guest.sh's raw "key value..." lines into results/bench.md (ratios
against the baselines of the same run, with the targets) and results/bench.png."""
import os
import statistics
import subprocess
import sys

raw, outdir = sys.argv[1], sys.argv[2]
v = {}
for line in open(raw):
    parts = line.split()
    if len(parts) >= 2:
        v[parts[0]] = [float(x) for x in parts[1:]]


def g(k, i=0):
    return v[k][i] if k in v else float("nan")


sizes = sorted(int(k.split("_")[2]) for k in v if k.startswith("copy_shared_"))
md = ["# odx benchmark", "",
      "Stock Debian 6.12 kernel in QEMU (TCG, 2 vCPUs); medians of 5; every ratio is",
      "against a baseline measured in the same run.", "",
      "## Copies (milliseconds; speed-up of the offload copy over the baseline)", "",
      "| size | shared pages | byte copy | O_DIRECT pread/pwrite | dd | shared vs O_DIRECT | byte vs O_DIRECT | shared vs byte | mint |",
      "|---|---|---|---|---|---|---|---|---|"]
for s in sizes:
    sh, by, di, dd, mi = (g("copy_shared_%d" % s), g("copy_byte_%d" % s),
                          g("copy_direct_%d" % s), g("copy_dd_%d" % s), g("mint_%d" % s))
    md.append("| %d MiB | %.3f | %.1f | %.1f | %.1f | %.1fx | %.1fx | %.1fx | %.3f |"
              % (s, 1000 * sh, 1000 * by, 1000 * di, 1000 * dd, di / sh, di / by, by / sh,
                 1000 * mi))
md += ["", "## Live tokens (µs per operation)", "", "| live tokens | mint | lookup+4K write |", "|---|---|---|"]
ntoks = sorted(int(k.split("_")[1]) for k in v if k.startswith("tokens_") and k[7:].isdigit())
for n in ntoks:
    md.append("| %d | %.1f | %.1f |" % (n, g("tokens_%d" % n, 0), g("tokens_%d" % n, 1)))
md += ["", "## fio on odx against brd (same size, 4k psync, 1 job)", "",
       "| test | odx | brd | odx/brd |", "|---|---|---|---|"]
for t, unit, idx in (("randread", "IOPS", 0), ("randwrite", "IOPS", 0),
                     ("read1m", "MiB/s", 1), ("write1m", "MiB/s", 1)):
    o, b = g("fio_odx0_" + t, idx), g("fio_ram0_" + t, idx)
    md.append("| %s (%s) | %.0f | %.0f | %.2f |" % (t, unit, o, b, o / b))
pw, nw = g("fio_odx0_randwrite_pinned"), g("fio_odx0_randwrite")
md.append("| randwrite with %d live tokens pinning pages (IOPS) | %.0f | (odx without: %.0f) | %.2f of none |"
          % (g("tokens_live_pinned"), pw, nw, pw / nw))
ncopies = int(g("mem_ncopies"))
src = g("mem_source_kib")
md += ["", "## Memory: %d copies of a %d MiB source" % (ncopies, src / 1024), "",
       "| mode | memory used by the copies | vs one source | vs %d x source |" % ncopies, "|---|---|---|---|"]
for mode, name in (("Y", "shared pages"), ("N", "byte copy")):
    used = g("mem_%s_copies_kib" % mode)
    md.append("| %s | %.1f MiB | %.2fx | %.2f |" % (name, used / 1024, used / src, used / (ncopies * src)))


def rounds(prefix):
    """Values of PREFIX_1, PREFIX_2, ... (column 0 and 1), in round order."""
    out, r = [], 1
    while "%s_%d" % (prefix, r) in v:
        out.append(v["%s_%d" % (prefix, r)])
        r += 1
    return out


def spread(pairs):
    """Median and range of the per-round ratios a/b."""
    q = [a / b for a, b in pairs]
    return statistics.median(q), min(q), max(q), len(q)


lio_fio = [(t, unit, idx, rounds("lio_fio_odx_" + t), rounds("lio_fio_rd_" + t))
           for t, unit, idx in (("randread", "4k IOPS", 0), ("randwrite", "4k IOPS", 0),
                                ("read1m", "1M MiB/s", 1), ("write1m", "1M MiB/s", 1))]
lio_odx, lio_plain = rounds("lio_ddpt_odx"), rounds("lio_ddpt_plain")
if lio_fio[0][3] or lio_odx:
    md += ["", "## LIO LUNs (tcm_loop)", "",
           "odx LUNs (odx_target.ko) through tcm_loop on /dev/sdX, against LIO's own ramdisk",
           "backstore (rd_mcp, same size, 128 MiB) on the same tcm_loop target. Subject and",
           "baseline alternate (A B A B ...); the ratio is taken per round, then its median",
           "and its range (min-max) over the rounds of this run. fio: psync, 1 job, direct,",
           "%d s a run. ddpt: 64 MiB from one odx LUN to another; `ddpt --odx` (POPULATE" % g("lio_fio_secs"),
           "TOKEN + WRITE USING TOKEN) against ddpt's plain copy of the same range between",
           "the same LUNs (iflag=direct oflag=direct, bpt=2048: 1 MiB a transfer), ddpt's own",
           "time, the destination discarded before each copy.", "",
           "| test | odx (median) | baseline (median) | ratio, median | ratio, min-max | rounds |",
           "|---|---|---|---|---|---|"]
    for t, unit, idx, o, b in lio_fio:
        if not o or len(o) != len(b):
            continue
        med, lo, hi, n = spread([(x[idx], y[idx]) for x, y in zip(o, b)])
        md.append("| fio %s (%s) | %.0f | %.0f (rd_mcp) | odx/rd_mcp %.2f | %.2f-%.2f | %d |"
                  % (t, unit, statistics.median(x[idx] for x in o),
                     statistics.median(y[idx] for y in b), med, lo, hi, n))
    if lio_odx and len(lio_odx) == len(lio_plain):
        med, lo, hi, n = spread([(p[0], o[0]) for o, p in zip(lio_odx, lio_plain)])
        md.append("| 64 MiB ddpt copy LUN to LUN (ms) | %.1f (--odx) | %.1f (plain) | plain/odx %.1fx | %.1f-%.1fx | %d |"
                  % (1000 * statistics.median(o[0] for o in lio_odx),
                     1000 * statistics.median(p[0] for p in lio_plain), med, lo, hi, n))
        md += ["", "The first copy of each kind was compared byte for byte (%s); the offload copy"
               % ("cmp: equal" if g("lio_ddpt_verified") == 1 else "**not verified**"),
               "shared %d MiB of the destination's pages with the source (odx1's `bytes_shared`)."
               % g("lio_ddpt_odx_shared_mib")]

big64, big1g = rounds("big_copy_64"), rounds("big_copy_1024")
ph_new, ph_old = rounds("phases_new"), rounds("phases_old")
# Per-round ratios: 1 GiB copy / 64 MiB copy; page store / chunks (mint + release).
big = spread([(b[0], a[0]) for a, b in zip(big64, big1g)]) \
    if big64 and len(big64) == len(big1g) else None
mint = spread([(o[0] + o[2], w[0] + w[2]) for w, o in zip(ph_new, ph_old)]) \
    if ph_new and len(ph_new) == len(ph_old) else None
if big64 or ph_new or "cow" in v:
    md += ["", "## Chunks: a copy's cost by its ranges", "",
           "Whole 2 MiB chunks are shared by one count and one map update. Subject and",
           "baseline alternate (A B A B ...); the ratio is taken per round, then its median",
           "and range over the rounds. Mint + release: `odxbench phases` (offload read, then",
           "token release) of 256 MiB on this store against the page-granular store of",
           "before (issue 15's baseline, built from git by scripts/bench.sh). Split: one",
           "O_DIRECT 4 KiB write into a freshly shared 2 MiB chunk, against a 4 KiB write",
           "in place (the same page, right after), %d of each." % g("cow_reps"), "",
           "| test | subject (median) | baseline (median) | ratio, median | ratio, min-max | rounds |",
           "|---|---|---|---|---|---|"]
    if big:
        med, lo, hi, n = big
        md.append("| 1 GiB shared copy (ms) vs 64 MiB | %.2f (1 GiB) | %.2f (64 MiB) | 1 GiB/64 MiB %.2fx | %.2f-%.2fx | %d |"
                  % (1000 * statistics.median(b[0] for b in big1g),
                     1000 * statistics.median(a[0] for a in big64), med, lo, hi, n))
    if mint:
        med, lo, hi, n = mint
        md.append("| 256 MiB mint + release (ms) | %.3f (chunks) | %.3f (pages) | faster %.1fx | %.1f-%.1fx | %d |"
                  % (1000 * statistics.median(w[0] + w[2] for w in ph_new),
                     1000 * statistics.median(o[0] + o[2] for o in ph_old), med, lo, hi, n))
    if "cow" in v:
        md.append("| 4 KiB write splitting a shared chunk (µs) | %.1f (p99 %.1f, max %.1f) | %.1f (p99 %.1f, max %.1f) in place | split/plain %.1fx | p99/p99 %.1fx, worst/worst %.1fx, worst split / median plain %.1fx | %d |"
                  % (g("cow", 0), g("cow", 1), g("cow", 2), g("cow", 3), g("cow", 4), g("cow", 5),
                     g("cow", 0) / g("cow", 3), g("cow", 1) / g("cow", 4), g("cow", 2) / g("cow", 5),
                     g("cow", 2) / g("cow", 3), g("cow_reps")))

t = []
if 64 in sizes:
    t.append(("64 MiB shared copy >= 10x O_DIRECT", g("copy_direct_64") / g("copy_shared_64") >= 10))
    t.append(("64 MiB byte copy >= 1.5x O_DIRECT", g("copy_direct_64") / g("copy_byte_64") >= 1.5))
if 256 in sizes:
    t.append(("256 MiB shared copy >= 10x byte copy", g("copy_byte_256") / g("copy_shared_256") >= 10))
if ntoks:
    lo, hi = ntoks[0], ntoks[-1]
    t.append(("mint at %d tokens within 1.5x of %d" % (hi, lo), g("tokens_%d" % hi) <= 1.5 * g("tokens_%d" % lo)))
    t.append(("lookup at %d tokens within 1.5x of %d" % (hi, lo), g("tokens_%d" % hi, 1) <= 1.5 * g("tokens_%d" % lo, 1)))
if 256 in sizes:
    t.append(("256 MiB shared copy >= 50x share_pages off", g("copy_byte_256") / g("copy_shared_256") >= 50))
    t.append(("256 MiB shared copy >= 100x O_DIRECT", g("copy_direct_256") / g("copy_shared_256") >= 100))
if big:
    t.append(("1 GiB shared copy within 4x of 64 MiB (median of rounds)", big[0] <= 4))
if mint:
    t.append(("256 MiB mint + release >= 20x faster than the page store (median of rounds)",
              mint[0] >= 20))
if "cow" in v:
    # Like with like: the machine's stalls (TCG) hit plain writes too, so the
    # worst split is held against the worst plain write, and p99 against p99.
    t.append(("chunk split < 10x a plain 4 KiB write (worst vs worst, p99 vs p99)",
              g("cow", 2) < 10 * g("cow", 5) and g("cow", 1) < 10 * g("cow", 4)))
t.append(("4k randread within 10% of brd", g("fio_odx0_randread") >= 0.9 * g("fio_ram0_randread")))
t.append(("4k randwrite within 10% of brd", g("fio_odx0_randwrite") >= 0.9 * g("fio_ram0_randwrite")))
t.append(("randwrite with 1000 tokens within 15% of none", pw >= 0.85 * nw))
t.append(("%d copies hold <= 1.1x the pages of one" % ncopies, g("mem_Y_copies_kib") <= 1.1 * src))
md += ["", "## Targets", "", "| target | met |", "|---|---|"]
md += ["| %s | %s |" % (name, "yes" if ok else "**no**") for name, ok in t]
open(os.path.join(outdir, "bench.md"), "w").write("\n".join(md) + "\n")

dat = os.path.join(outdir, "bench.dat")
with open(dat, "w") as f:
    for s in sizes:
        f.write("%d %f %f %f %f\n" % (s, g("copy_shared_%d" % s), g("copy_byte_%d" % s),
                                      g("copy_direct_%d" % s), g("copy_dd_%d" % s)))
plot = """set terminal png size 900,600
set output '%s'
set title 'odx: time to copy (lower is better)'
set xlabel 'MiB'; set ylabel 'seconds'
set logscale xy; set key left top; set grid
plot '%s' u 1:2 w lp t 'offload, shared pages', '' u 1:3 w lp t 'offload, byte copy', \\
     '' u 1:4 w lp t 'O_DIRECT pread/pwrite', '' u 1:5 w lp t 'dd'
""" % (os.path.join(outdir, "bench.png"), dat)
try:
    subprocess.run(["gnuplot"], input=plot.encode(), check=True)
except (OSError, subprocess.CalledProcessError) as e:
    print("no chart: %s" % e, file=sys.stderr)
