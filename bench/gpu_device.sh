#!/usr/bin/env bash
# gpu_device.sh — the GPU path on a machine with an NVIDIA GPU, in one go: the gpu suite's
# CUDA (and, where the driver ships an OpenCL ICD, OpenCL) tests against the CPU reference,
# `attnscope backends`, bench rows for every variant on cuda with counted and hw (CUPTI)
# traffic, and Nsight Compute's DRAM bytes for the same kernels as an outside check of hw.
# Nothing in the test suite depends on it: CI has no GPU.
#
# Usage: [SKIP_TESTS=1] bench/gpu_device.sh BUILD_DIR OUT_DIR
#   BUILD_DIR was configured with -Dcuda=enabled; LD_LIBRARY_PATH must find its libraries
#   (on a machine without them, copy them beside it: GSL, jansson, libcsv, OpenBLAS...).
# Output in OUT_DIR: tests.log, backends.txt, results.csv (bench rows), ncu.csv, env.txt.
set -u
BUILD=$(cd "$1" && pwd)
OUT=$(mkdir -p "$2" && cd "$2" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$BUILD/attnscope"
export ATTNSCOPE_DATA_DIR="$ROOT/models" ATTNSCOPE_TEST_DATA="$ROOT/tests/data"

{
    nvidia-smi -L
    nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,clocks.max.mem --format=csv
    ls /etc/OpenCL/vendors 2>&1
    find / -xdev \( -name 'libcupti.so*' -o -name 'libnvperf_host.so*' \) 2>/dev/null | head
} >"$OUT/env.txt" 2>&1

[ "${SKIP_TESTS:-0}" = 1 ] || {
    for t in "$BUILD"/tests/gpu/test_cuda_* "$BUILD"/tests/gpu/test_opencl_* "$BUILD"/tests/gpu/test_nvrtc; do
        [ -f "$t" ] && [ -x "$t" ] || continue
        echo "== $(basename "$t")"
        start=$(date +%s%N)
        "$t" 2>&1
        echo "== $(basename "$t") exit $? in $((($(date +%s%N) - start) / 1000000)) ms"
    done
} >"$OUT/tests.log" 2>&1

"$BIN" backends >"$OUT/backends.txt" 2>&1

CSV="$OUT/results.csv"
bench() { echo "== attnscope bench $*"; "$BIN" bench "$@" --traffic counted,hw --out "$CSV"; }
{
    bench --heads 32 --kv-heads 8 --head-dim 128 --seq 4096 --variant flash,standard,performer,lowrank --backend cuda
    bench --heads 32 --kv-heads 8 --head-dim 128 --seq 4096 --causal --variant flash,standard,performer --backend cuda
    bench llama-3-8b --phase decode --seq 32768 --batch 8 --kv-dtype fp16 --variant flash,standard,performer,lowrank --backend cuda
    bench llama-3-8b --phase decode --seq 32768 --batch 8 --kv-dtype bf16 --variant flash --backend cuda
    bench deepseek-v3 --phase decode --seq 4096 --batch 16 --variant mla,mla-naive --backend cuda
    bench deepseek-v3 --seq 1024 --variant mla,mla-naive --backend cuda
    if [ -e /etc/OpenCL/vendors/nvidia.icd ]; then
        bench --heads 32 --kv-heads 8 --head-dim 128 --seq 4096 --variant flash --backend opencl
    fi
} >"$OUT/bench.log" 2>&1

NCU=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
if [ -n "$NCU" ]; then
    "$NCU" --csv --metrics dram__bytes_read.sum,dram__bytes_write.sum,gpu__time_duration.sum \
        --launch-count 1 \
        "$BIN" bench --heads 32 --kv-heads 8 --head-dim 128 --seq 4096 --variant flash \
        --backend cuda --repeat 1 --min-time 0 >"$OUT/ncu.csv" 2>&1
    "$NCU" --csv --metrics dram__bytes_read.sum,dram__bytes_write.sum,gpu__time_duration.sum \
        --launch-skip 2 --launch-count 2 \
        "$BIN" bench llama-3-8b --phase decode --seq 32768 --batch 8 --kv-dtype fp16 \
        --variant flash --backend cuda --repeat 1 --min-time 0 >>"$OUT/ncu.csv" 2>&1
fi
echo done
