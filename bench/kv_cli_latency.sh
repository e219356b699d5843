#!/usr/bin/env bash
# kv_cli_latency.sh — wall time of one `attnscope kv` answer, as a user sees it (process
# start, reading the preset, output). Median of N runs. Usage: bench/kv_cli_latency.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-50}
python3 - "$n" <<'PY'
import statistics, subprocess, sys, time
n = int(sys.argv[1])
cmd = ["build/attnscope", "kv", "llama-3-70b", "--batch", "8", "--context", "8192",
       "--gpu", "h100-sxm", "--format", "json"]
times = []
for _ in range(n):
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    times.append(time.perf_counter() - t0)
print(f"attnscope kv: median {statistics.median(times)*1e3:.2f} ms, "
      f"min {min(times)*1e3:.2f} ms, max {max(times)*1e3:.2f} ms over {n} runs")
PY
