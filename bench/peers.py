#!/usr/bin/env python3
"""peers.py — our CPU flash prefill and decode beside the practical peaks and the peers.

One run measures, on identical shapes and thread counts:
  * our kernels, through `attnscope bench` (results CSV: median, min and max time);
  * OpenBLAS SGEMM GFLOP/s, the practical compute peak (bench/peaks.c, the OpenBLAS that
    libattnscope links), and a STREAM-style read bandwidth (the same program), both over a
    buffer far larger than the last-level cache (DRAM) and over one the size of the decode
    cache (where repeated decode calls find it);
  * numpy attention (pip numpy; threadpoolctl says which OpenBLAS kernel it runs) and PyTorch's
    scaled_dot_product_attention on the CPU (pip torch; skipped with a message if it cannot be
    installed);
checks on the same seeded inputs that ours (bench/peer_check.c), numpy and PyTorch agree with a
float64 reference, and prints the ratios the issue asks for. It installs its Python packages
with pip itself; no test depends on it.

  python3 bench/peers.py [--build DIR] [--threads 2] [--seq 4096] [--decode-seq 32768]
"""
import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile

from _peers import find_build, log, run, timed

HEADS, HEAD_DIM, DECODE_KV_HEADS = 8, 128, 1
# the kernel tests' tolerance: |got - ref| <= ATOL + RTOL·|ref|
ATOL, RTOL = 1e-5, 1e-4


def ensure_packages():
    """numpy and threadpoolctl are needed; torch is optional."""
    missing = []
    for module, package in (("numpy", "numpy"), ("threadpoolctl", "threadpoolctl")):
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    if missing:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q"] + missing, check=True)
    try:
        import torch  # noqa: F401
    except ImportError:
        log("installing torch from PyPI (python3 -m pip install torch) ...")
        done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "torch"])
        if done.returncode != 0:
            log("torch: pip install failed; the PyTorch columns are skipped")


def peer_env(threads):
    """numpy's own OpenBLAS runs its best kernel only without the machine's overrides."""
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    return env


# ---- the peers, run in a child process with peer_env ---------------------------------------

def numpy_attention(np, q, k, v, causal):
    """Per head: S = QK^T/sqrt(d), softmax, PV (the obvious numpy, fp32 or fp64)."""
    out = np.empty((q.shape[0], q.shape[1], v.shape[2]), dtype=q.dtype)
    group = q.shape[0] // k.shape[0]
    scale = q.dtype.type(1.0 / np.sqrt(q.shape[2]))
    for h in range(q.shape[0]):
        s = (q[h] @ k[h // group].T) * scale
        if causal:
            n_q, n_kv = s.shape
            s[np.triu(np.ones((n_q, n_kv), dtype=bool), k=n_kv - n_q + 1)] = -np.inf
        s -= s.max(axis=1, keepdims=True)
        np.exp(s, out=s)
        s /= s.sum(axis=1, keepdims=True)
        out[h] = s @ v[h // group]
    return out


def peer_child(spec):
    """Times numpy and torch on spec's shapes and writes their outputs on the check inputs."""
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits
    threads = spec["threads"]
    threadpool_limits(threads)
    report = {"numpy": np.__version__,
              "blas": [{k: i.get(k) for k in ("internal_api", "version", "architecture",
                                               "num_threads")}
                       for i in threadpool_info() if i.get("user_api") == "blas"]}
    try:
        import torch
        import torch.nn.functional as F
        torch.set_num_threads(threads)
        report["torch"] = torch.__version__
    except ImportError:
        torch = None
    rng = np.random.default_rng(1)

    def uniform(*shape):
        return rng.uniform(-1, 1, size=shape).astype(np.float32)

    def sdpa(q, k, v, causal):
        group = q.shape[0] // k.shape[0]
        extra = {"enable_gqa": True} if group > 1 else {}
        return F.scaled_dot_product_attention(q[None], k[None], v[None], is_causal=causal,
                                              **extra)[0]

    n, t = spec["seq"], spec["decode_seq"]
    for causal in (False, True):
        q, k, v = uniform(HEADS, n, HEAD_DIM), uniform(HEADS, n, HEAD_DIM), uniform(HEADS, n, HEAD_DIM)
        name = "prefill_causal" if causal else "prefill"
        report[name] = {"numpy": timed(lambda: numpy_attention(np, q, k, v, causal), 3, 1.0)}
        if torch:
            tq, tk, tv = (torch.from_numpy(x) for x in (q, k, v))
            with torch.inference_mode():
                report[name]["torch"] = timed(lambda: sdpa(tq, tk, tv, causal), 3, 1.0)
    q1 = uniform(HEADS, 1, HEAD_DIM)
    kc, vc = uniform(DECODE_KV_HEADS, t, HEAD_DIM), uniform(DECODE_KV_HEADS, t, HEAD_DIM)
    report["decode"] = {"numpy_fp32": timed(lambda: numpy_attention(np, q1, kc, vc, False))}
    if torch:
        with torch.inference_mode():
            for dtype, label in ((torch.float16, "torch_fp16"), (torch.float32, "torch_fp32")):
                tq, tk, tv = (torch.from_numpy(x).to(dtype) for x in (q1, kc, vc))
                report["decode"][label] = timed(lambda: sdpa(tq, tk, tv, False))

    # agreement: the check inputs come from the parent (raw fp32 files)
    for case in spec["checks"]:
        x = np.fromfile(case["input"], dtype=np.float32)
        h, hkv, nq, nkv, d = case["heads"], case["kv_heads"], case["n_q"], case["n_kv"], HEAD_DIM
        q = x[:h * nq * d].reshape(h, nq, d)
        k = x[h * nq * d:h * nq * d + hkv * nkv * d].reshape(hkv, nkv, d)
        v = x[h * nq * d + hkv * nkv * d:].reshape(hkv, nkv, d)
        if case["store"] == "fp16":  # what our fp16 cache holds (round to nearest even)
            k, v = k.astype(np.float16).astype(np.float32), v.astype(np.float16).astype(np.float32)
        ref = numpy_attention(np, q.astype(np.float64), k.astype(np.float64),
                              v.astype(np.float64), case["causal"])
        ref.tofile(case["input"] + ".ref")
        numpy_attention(np, q, k, v, case["causal"]).tofile(case["input"] + ".numpy")
        if torch:
            with torch.inference_mode():
                sdpa(*(torch.from_numpy(np.ascontiguousarray(a)) for a in (q, k, v)),
                     case["causal"]).numpy().tofile(case["input"] + ".torch")
    json.dump(report, sys.stdout)


# ---- the parent: build, run, compare, print -------------------------------------------------

def peaks(build, threads, what, *args):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    line = run([os.path.join(build, "bench", "peaks"), what] + [str(a) for a in args], env)
    fields = line.strip().split(",")
    return float(fields[2]), float(fields[3])  # median, best


def ours(build, threads, workdir, label, *args):
    out = os.path.join(workdir, label + ".csv")
    run([os.path.join(build, "attnscope"), "bench", "--variant", "flash", "--threads",
         str(threads), "--out", out] + list(args))
    row = list(csv.DictReader(open(out)))[-1]
    return float(row["time_s"]), float(row["time_min_s"]), float(row["time_max_s"])


def write_check_input(np, path, heads, kv_heads, n_q, n_kv, seed):
    rng = np.random.default_rng(seed)
    sizes = heads * n_q * HEAD_DIM + 2 * kv_heads * n_kv * HEAD_DIM
    rng.uniform(-1, 1, size=sizes).astype(np.float32).tofile(path)


def compare(np, name, got_path, ref, what):
    if not os.path.exists(got_path):
        return "%-28s %-6s skipped" % (name, what), True
    got = np.fromfile(got_path, dtype=np.float32).reshape(ref.shape)
    err = np.abs(got.astype(np.float64) - ref)
    ok = bool(np.all(np.isfinite(got)) and np.all(err <= ATOL + RTOL * np.abs(ref)))
    return ("%-28s %-6s max abs err %.2e  %s"
            % (name, what, err.max(), "ok" if ok else "DISAGREES")), ok


def fmt(t):
    return "%8.2f ms (%.2f-%.2f)" % (t[0] * 1e3, t[1] * 1e3, t[2] * 1e3)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", help="meson build directory (default build-fast, build)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seq", type=int, default=4096)
    parser.add_argument("--decode-seq", type=int, default=32768)
    parser.add_argument("--peer-child", help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.peer_child:
        return peer_child(json.load(open(a.peer_child)))

    ensure_packages()
    import numpy as np
    build = find_build(a.build)
    run(["ninja", "-C", build, "attnscope", "bench/peaks", "bench/peer_check"])
    work = tempfile.mkdtemp(prefix="attnscope-peers-")
    n, t, th = a.seq, a.decode_seq, a.threads
    log("attnscope peers: %d heads, d = %d, prefill n = %d, decode t = %d (GQA %d:1), %d threads, "
        "build %s" % (HEADS, HEAD_DIM, n, t, HEADS // DECODE_KV_HEADS, th, build))

    # same-input checks: a small and the full prefill (both masks), and the fp16 decode
    checks = []
    for n_check in sorted({256, n}):
        for causal in (False, True):
            checks.append({"name": "prefill n=%d%s" % (n_check, " causal" if causal else ""),
                           "heads": HEADS, "kv_heads": HEADS, "n_q": n_check, "n_kv": n_check,
                           "causal": causal, "store": "fp32"})
    checks.append({"name": "decode t=%d fp16" % t, "heads": HEADS, "kv_heads": DECODE_KV_HEADS,
                   "n_q": 1, "n_kv": t, "causal": False, "store": "fp16"})
    for i, case in enumerate(checks):
        case["input"] = os.path.join(work, "check%d.f32" % i)
        write_check_input(np, case["input"], case["heads"], case["kv_heads"], case["n_q"],
                          case["n_kv"], 100 + i)
        checker = os.path.join(build, "bench", "peer_check")
        if case["n_q"] == 1:
            cmd = [checker, "decode", HEADS, DECODE_KV_HEADS, t, HEAD_DIM, "fp16"]
        else:
            cmd = [checker, "prefill", HEADS, case["n_q"], HEAD_DIM, int(case["causal"])]
        run([str(c) for c in cmd] + [case["input"], case["input"] + ".ours"],
            dict(os.environ, OMP_NUM_THREADS=str(th)))

    # the peaks
    sgemm = peaks(build, th, "sgemm", 2048, 2048, 2048, 7)
    cache_bytes = 2 * DECODE_KV_HEADS * t * HEAD_DIM * 2  # K and V in fp16
    dram = peaks(build, th, "read", 1 << 30, 7)
    near = peaks(build, th, "read", cache_bytes, 51)
    block_gemm = [peaks(build, 1, "sgemm", *shape, 51) for shape in ((512, 128, 128), (128, 128, 512))]

    # ours
    shape = ["--heads", str(HEADS), "--kv-heads", str(HEADS), "--head-dim", str(HEAD_DIM),
             "--seq", str(n)]
    prefill = ours(build, th, work, "prefill", *shape)
    prefill_causal = ours(build, th, work, "prefill_causal", *shape, "--causal")
    decode = {}
    for store in ("fp16", "fp32", "bf16"):
        decode[store] = ours(build, th, work, "decode_" + store, "--phase", "decode", "--heads",
                             str(HEADS), "--kv-heads", str(DECODE_KV_HEADS), "--head-dim",
                             str(HEAD_DIM), "--seq", str(t), "--kv-dtype", store)

    # the peers, in a child without the OpenBLAS overrides
    spec_path = os.path.join(work, "spec.json")
    json.dump({"threads": th, "seq": n, "decode_seq": t, "checks": checks}, open(spec_path, "w"))
    report = json.loads(run([sys.executable, os.path.abspath(__file__), "--peer-child",
                             spec_path], peer_env(th)))

    flops = 4.0 * HEADS * HEAD_DIM * n * n
    flops_causal = 4.0 * HEADS * HEAD_DIM * n * (n + 1) / 2

    log("\npeaks")
    log("  OpenBLAS SGEMM 2048^3, %d threads   %7.1f GFLOP/s (best %.1f)" % (th, *sgemm))
    for (m_, n_, k_), g in zip(((512, 128, 128), (128, 128, 512)), block_gemm):
        log("  OpenBLAS SGEMM %dx%dx%d, 1 thread %7.1f GFLOP/s (best %.1f)  [flash block shapes]"
            % (m_, n_, k_, *g))
    log("  read 1 GiB (DRAM), %d threads        %7.1f GB/s (best %.1f)" % (th, *dram))
    log("  read %d MiB (decode cache), %d thr  %7.1f GB/s (best %.1f)"
        % (cache_bytes >> 20, th, *near))
    log("  numpy %s, BLAS %s; torch %s" % (report["numpy"], report["blas"],
                                            report.get("torch", "not available")))

    log("\nprefill (time: median (min-max) over the repeats)")
    for label, mine, fl in (("prefill", prefill, flops), ("prefill_causal", prefill_causal,
                                                           flops_causal)):
        peers = report[label]
        log("  %-15s ours  %s  %6.1f GFLOP/s" % (label, fmt(mine), fl / mine[0] / 1e9))
        for peer in ("numpy", "torch"):
            if peer in peers:
                log("  %-15s %-5s %s  %6.1f GFLOP/s" % ("", peer, fmt(peers[peer]),
                                                      fl / peers[peer][0] / 1e9))
    log("\ndecode (t = %d, 8 query heads on 1 KV head)" % t)
    for store in ("fp16", "fp32", "bf16"):
        mine = decode[store]
        size = 2 * DECODE_KV_HEADS * t * HEAD_DIM * (4 if store == "fp32" else 2)
        log("  ours %-5s %s  %6.1f GB/s of cache" % (store, fmt(mine), size / mine[0] / 1e9))
    for peer, result in report["decode"].items():
        log("  %-10s %s" % (peer, fmt(result)))

    log("\nagreement with a float64 reference (|err| <= %g + %g·|ref|)" % (ATOL, RTOL))
    all_ok = True
    for case in checks:
        shape_out = (case["heads"], case["n_q"], HEAD_DIM)
        ref = np.fromfile(case["input"] + ".ref", dtype=np.float64).reshape(shape_out)
        for what in ("ours", "numpy", "torch"):
            line, ok = compare(np, case["name"], case["input"] + "." + what, ref, what)
            all_ok &= ok
            log("  " + line)

    log("\nratios (from this run)")
    sg = flops / prefill[0] / 1e9
    log("  flash prefill vs SGEMM peak      %5.2f   (target >= 0.60)" % (sg / sgemm[0]))
    for label, mine in (("prefill", prefill), ("prefill_causal", prefill_causal)):
        peers = report[label]
        log("  %-15s vs numpy          %5.2fx  (target >= 1.5)" % (label, peers["numpy"][0] / mine[0]))
        if "torch" in peers:
            log("  %-15s vs PyTorch SDPA   %5.2fx  (target >= 1.0)" % (label, peers["torch"][0] / mine[0]))
    gbps = cache_bytes / decode["fp16"][0] / 1e9
    log("  decode fp16 vs DRAM read bandwidth            %5.2f   (target >= 0.70)" % (gbps / dram[0]))
    log("  decode fp16 vs read bandwidth at its own size %5.2f" % (gbps / near[0]))
    if "torch_fp16" in report["decode"]:
        log("  decode fp16 vs PyTorch SDPA fp16 cache        %5.2fx (target >= 1.0)"
            % (report["decode"]["torch_fp16"][0] / decode["fp16"][0]))
        log("  decode fp16 vs PyTorch SDPA fp32 cache        %5.2fx"
            % (report["decode"]["torch_fp32"][0] / decode["fp16"][0]))
    shutil.rmtree(work)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
