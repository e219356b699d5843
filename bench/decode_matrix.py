#!/usr/bin/env python3
"""decode_matrix.py — every decode cache store x GQA group x memory level, at batch 1 and at a
batch of 32 sequences of mixed lengths, each against the roofline of the level it lives in.

Issue 19 asks decode to reach 0.7 of the local roofline for fp32, fp16, bf16, fp8 and int8
caches, GQA 1, 4 and 8, caches in L2, in L3 and far larger than L3, batch 1 and a batch of 32
of mixed lengths. peers_decode.py holds the issue's acceptance rows against their peers; this
script runs the whole matrix once (about 5 minutes on an idle 2-core VM):

  * the roofs come from `attnscope devices --probe` (into a private preset): the FMA loop's
    median, and the read medians of L2, L3 and DRAM (STREAM read), all vector loops;
  * a cell's roof is min(FMA peak, read bandwidth of its level x its counted intensity) and
    its fraction is the measured FLOP rate (median of the timed calls) over that roof. For
    the DRAM cells this is the results CSV's roofline_frac, printed beside it;
  * the cache sizes: L2 cells 256 KiB in all (half of one core's 512 KiB L2 per thread), L3
    cells 8 MiB (a quarter of the 32 MiB L3), DRAM cells 256 MiB (8x the L3);
  * batch 1 is contiguous; the batch of 32 is paged (block 16) as a server keeps it, with
    lengths drawn from a seeded uniform spread over [T/8, T], T chosen so the batch's cache
    is the DRAM size (bench --seq-lens).

  python3 bench/decode_matrix.py [--build DIR] [--threads 2] [--stores fp16,int8] [--levels dram]
"""
import argparse
import json
import os
import random
import shutil
import sys
import tempfile

from _peers import find_build, log, run
from peers_decode import HEAD_DIM, ours, probe

STORES = {"fp32": 4, "fp16": 2, "bf16": 2, "fp8": 1, "int8": 1}  # bytes per element
SHAPES = ((8, 8, "GQA 1"), (32, 8, "GQA 4"), (32, 4, "GQA 8"))
LEVELS = {"L2": 256 << 10, "L3": 8 << 20, "dram": 256 << 20}  # cache bytes in all
BATCH = 32


def token_bytes(kv_heads, store):
    """Cache bytes of one token: K and V of every KV head, int8's two fp32 scales per head."""
    return kv_heads * (2 * HEAD_DIM * STORES[store] + (8 if store == "int8" else 0))


def mixed_lengths(kv_heads, store, total_bytes):
    """BATCH lengths, uniform over [T/8, T] with a fixed seed, scaled to total_bytes in all."""
    rng = random.Random(19)
    shares = [rng.uniform(0.125, 1.0) for _ in range(BATCH)]
    tokens = total_bytes / token_bytes(kv_heads, store)
    return [max(1, int(tokens * s / sum(shares))) for s in shares]


def level_roofs(env):
    """Read bandwidth (B/s) of L2, L3 and DRAM from the private preset the probe saved."""
    preset = json.load(open(env["ATTNSCOPE_LOCAL_DEVICE"]))["probe"]
    roofs = {"dram": preset["read_bytes_per_s"]["median"]}
    for cache in preset.get("caches", []):
        if cache.get("level") in (2, 3) and "read_bytes_per_s" in cache:
            roofs["L%d" % cache["level"]] = cache["read_bytes_per_s"]["median"]
    return roofs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", help="meson build directory (default build-fast, build)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--stores", default=",".join(STORES))
    parser.add_argument("--levels", default=",".join(LEVELS))
    a = parser.parse_args()
    stores = a.stores.split(",")
    levels = a.levels.split(",")
    for name in stores + levels:
        if name not in STORES and name not in LEVELS:
            sys.exit("decode_matrix.py: unknown store or level '%s'" % name)
    build = find_build(a.build)
    run(["ninja", "-C", build, "attnscope"])
    work = tempfile.mkdtemp(prefix="attnscope-matrix-")
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads), OPENBLAS_NUM_THREADS=str(a.threads),
               ATTNSCOPE_LOCAL_DEVICE=os.path.join(work, "local.json"))
    fma, _, sgemm = probe(build, env)
    roofs = level_roofs(env)
    log("attnscope decode matrix: head dim 128, %d threads, build %s" % (a.threads, build))
    log("roofs (devices --probe, medians): FMA loop %.1f GFLOP/s; read %s"
        % (fma / 1e9, ", ".join("%s %.1f GB/s" % (k, v / 1e9) for k, v in sorted(roofs.items()))))
    # a core taken by another program while the probe ran halves the FMA roof and doubles every
    # compute-bound fraction (seen once: 116.8 GFLOP/s of 233): SGEMM has loads, the FMA loop
    # none, so the loop below SGEMM means the probe was disturbed
    log("check: OpenBLAS SGEMM %.1f GFLOP/s, FMA loop / SGEMM %.2f%s"
        % (sgemm / 1e9, fma / sgemm,
           "" if fma >= sgemm else " (below 1: the FMA roof is too low, every fraction too "
           "high; run again on an idle machine)"))
    log("\n%-6s %-6s %-5s %-9s %9s %10s %8s %9s %9s %7s %9s"
        % ("store", "group", "level", "batch", "tokens", "median ms", "GB/s", "GFLOP/s",
           "roof GF/s", "frac", "csv frac"))
    cells = []
    for store in stores:
        for heads, kv_heads, group in SHAPES:
            for level in levels:
                t = max(16, LEVELS[level] // token_bytes(kv_heads, store) // 16 * 16)
                runs = [("1", t, "contiguous", None)]
                if level == "dram":
                    lens = mixed_lengths(kv_heads, store, LEVELS[level])
                    runs.append(("%d mixed" % BATCH, max(lens), "paged", lens))
                for batch, seq, layout, lens in runs:
                    label = "%s-%d-%d-%s-%s" % (store, heads, kv_heads, level, batch[:2].strip())
                    row = ours(build, env, work, label, heads, kv_heads, seq, store, layout,
                               validate=level != "dram", seq_lens=lens)
                    seconds = float(row["time_s"])
                    flops, moved = float(row["flops_counted"]), float(row["hbm_bytes_counted"])
                    roof = min(fma, roofs[level] * flops / moved)
                    frac = flops / seconds / roof
                    cells.append((store, group, level, batch, frac))
                    log("%-6s %-6s %-5s %-9s %9d %10.3f %8.2f %9.2f %9.1f %7.3f %9s"
                        % (store, group, level, batch, sum(lens) if lens else seq,
                           seconds * 1e3, moved / seconds / 1e9, flops / seconds / 1e9,
                           roof / 1e9, frac, row["roofline_frac"] if level == "dram" else "-"))
    met = [c for c in cells if c[4] >= 0.7]
    log("\n%d of %d cells at >= 0.7 of their level's roofline" % (len(met), len(cells)))
    for store, group, level, batch, frac in cells:
        if frac < 0.7:
            log("  below: %s %s %s batch %s: %.3f" % (store, group, level, batch, frac))
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
