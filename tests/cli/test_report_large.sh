#!/usr/bin/env bash
# test_report_large.sh — `attnscope report --quick` for models too large for one GPU: the
# report picks, per GPU preset, the smallest TP that vLLM starts with, and never fails.
# Usage: test_report_large.sh PATH/TO/attnscope
set -u
BIN=$1
source "$(dirname "$0")/expect.sh"
dir=$scratch

for model in qwen2.5-72b deepseek-v3; do
    out="$dir/$model"
    "$BIN" report "$model" --out "$out" --quick >/dev/null 2>"$dir/err"
    check "report $model exits 0 ($(tail -1 "$dir/err"))" $?
    [ -s "$out/memory.svg" ] && grep -q 'smallest tensor-parallel size' "$out/report.md"
    check "report $model has the per-GPU capacity and memory breakdown" $?
done
grep -q '| H100-SXM | 79.2 | 4 |' "$dir/qwen2.5-72b/report.md"
check "qwen2.5-72b needs TP 4 on an H100" $?
grep -q '| H100-SXM | 79.2 | > 8 |' "$dir/deepseek-v3/report.md"
check "deepseek-v3 does not fit eight H100s, and says so" $?
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
