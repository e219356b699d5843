#!/usr/bin/env bash
# test_gpu_cli.sh — the GPU backends as a user meets them: `attnscope backends` names every
# backend and why one cannot run; the CPU-only commands work where libcuda is absent; bench
# runs flash on OpenCL (when a device is there) with the same row as on the CPU, and an
# unavailable backend is one line on stderr.
# Usage: test_gpu_cli.sh PATH/TO/attnscope
set -u
BIN=$1
pass=0
fail=0
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

check() { # NAME CONDITION-RESULT
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else
        fail=$((fail + 1))
        echo "FAIL: $1"
        echo "  stdout: $(head -c 600 "$out")"
        echo "  stderr: $(head -c 600 "$err")"
    fi
}

"$BIN" backends >"$out" 2>"$err"
rc=$?
for name in cpu opencl cuda; do
    grep -qE "^$name +(available|unavailable: .+)$" "$out"
    check "backends lists $name" $((rc != 0 || $? != 0))
done
grep -qE '^cpu +available$' "$out"
check "cpu is always available" $?

cuda_absent=0
if ! ldconfig -p 2>/dev/null | grep -q 'libcuda\.so\.1'; then cuda_absent=1; fi
if [ $cuda_absent -eq 1 ]; then
    grep -qE '^cuda +unavailable: ' "$out"
    check "cuda says why without libcuda" $?
    "$BIN" kv llama-3-8b >"$out" 2>"$err"
    grep -q 'llama-3-8b' "$out"
    check "kv works without libcuda" $(($? != 0 || $(wc -c <"$err") != 0))
    "$BIN" bench --heads 2 --head-dim 32 --seq 16 --variant flash --backend cuda >"$out" 2>"$err"
    grep -q 'backend cuda unavailable: ' "$err"
    check "bench --backend cuda: one line why" $?
fi

"$BIN" bench --heads 2 --head-dim 32 --seq 16 --variant flash --backend cpu >"$out" 2>"$err"
grep -qE '^flash +cpu +prefill' "$out"
check "bench --backend cpu" $?

if "$BIN" backends | grep -qE '^opencl +available$'; then
    "$BIN" bench --heads 4 --kv-heads 2 --head-dim 32 --seq 33 --causal --variant flash \
        --backend all --repeat 2 --min-time 0 >"$out" 2>"$err"
    grep -qE '^flash +opencl +prefill +33 ' "$out" && grep -qE '^flash +cpu +prefill +33 ' "$out"
    check "bench --backend all: cpu and opencl rows" $?
    grep -qE '^flash +opencl +prefill +33 .* [0-9]\.[0-9]+e[-+][0-9]+  ' "$out"
    check "bench validates the opencl row (a relative error is printed)" $?
    "$BIN" bench --heads 4 --kv-heads 1 --head-dim 32 --seq 100 --phase decode --kv-store bf16 \
        --variant flash --backend opencl --device-index 0 --repeat 2 --min-time 0 >"$out" 2>"$err"
    grep -qE '^flash +opencl +decode +100 ' "$out"
    check "bench decode bf16 on opencl" $?
fi

"$BIN" bench --heads 2 --head-dim 32 --seq 16 --backend cpu --device-index -1 >"$out" 2>"$err"
check "--device-index -1 is a usage error" $(($? != 2))

echo "gpu cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
