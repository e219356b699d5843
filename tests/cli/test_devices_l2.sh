#!/usr/bin/env bash
# test_devices_l2.sh — the L2 ceiling through the CLI: `devices` shows a preset's cited L2
# read bandwidth and nothing ('-', JSON null) where none is cited, and the roofline chart,
# drawn by the real gnuplot, has an L2 roof for a preset with one (h200) and says it has none
# for a preset without (h100-sxm).
# Usage: test_devices_l2.sh PATH/TO/attnscope
set -u
BIN=$1
source "$(dirname "$0")/expect.sh"
export ATTNSCOPE_LOCAL_DEVICE="$scratch/none.json"

expect_ok "devices has an L2 column" 'L2 TB/s' devices
# h200: 9675.0 GB/s (gpu-benches h200.txt) prints as 9.68 TB/s; h100-sxm has none
[ "$(grep -cE '^h200 .* 9\.68$' "$out")" = 1 ]
check "devices: h200 L2 9.68" $?
[ "$(grep -cE '^h100-sxm .* -$' "$out")" = 1 ]
check "devices: h100-sxm L2 -" $?

expect_ok "devices json" '"l2_bandwidth_bytes_per_s"' devices --format json
python3 - "$out" <<'PY'
import json, sys
d = {x["name"]: x["l2_bandwidth_bytes_per_s"] for x in json.load(open(sys.argv[1]))}
assert d["h200"] == 9675.0e9 and d["b200"] == 16.8e12, d
assert d["h100-sxm"] is None and d["mi300x"] is None, d
PY
check "devices json: h200 and b200 cited, h100-sxm and mi300x null" $?

roof=(plot roofline llama-3-70b --causal --to 8192)
expect_ok "roofline h200" "" "${roof[@]}" --device h200 --out "$scratch/h200.svg"
grep -qF 'H200 L2 roof (9.675 TB/s)' "$scratch/h200.svg"
check "h200 chart draws the L2 roof" $?
grep -qF 'H200 DRAM roof (989.4 TFLOP/s, 4.8 TB/s)<' "$scratch/h200.svg"
check "h200 chart draws the DRAM roof, not saying it lacks an L2 one" $?
expect_ok "roofline h100-sxm" "" "${roof[@]}" --device h100-sxm --out "$scratch/h100.svg"
! grep -qF 'L2 roof (' "$scratch/h100.svg"
check "h100-sxm chart has no L2 roof" $?
grep -qF 'no cited L2 bandwidth, no L2 roof' "$scratch/h100.svg"
check "h100-sxm chart says why" $?

echo "devices l2: $pass passed, $fail failed"
exit $((fail > 0))
