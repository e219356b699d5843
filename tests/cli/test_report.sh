#!/usr/bin/env bash
# test_report.sh — `attnscope report --quick` end to end, judged by the folder it writes:
# the page with its charts inlined, the Markdown, and the measured results behind them.
# Usage: test_report.sh PATH/TO/attnscope
set -u
BIN=$1
source "$(dirname "$0")/expect.sh"
dir=$scratch

"$BIN" report gpt2 --out "$dir" --quick >/dev/null 2>"$err"
check "report exits 0 ($(tail -1 "$err"))" $?
for f in index.html report.md results.csv fits.csv kv.svg capacity.svg flops.svg traffic.svg \
         roofline.svg traffic_measured.svg time.svg time_decode.svg error.svg; do
    [ -s "$dir/$f" ]
    check "report wrote $f" $?
done
[ "$(grep -c '<svg' "$dir/index.html")" -ge 9 ]
check "index.html inlines every chart" $?
! grep -q 'figure missing' "$dir/index.html"
check "no figure missing" $?
grep -q '^## KV cache' "$dir/report.md" && grep -q '^## Published claims' "$dir/report.md" &&
    grep -q '^## Measured on this machine' "$dir/report.md"
check "report.md has its sections" $?
python3 - "$dir/results.csv" <<'PY'
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) >= 20, len(rows)
assert {r["variant"] for r in rows} >= {"standard", "flash", "mla", "performer", "lowrank"}
assert all(float(r["time_s"]) > 0 and not math.isnan(float(r["time_s"])) for r in rows)
assert all(r["validated"] == "yes" for r in rows if r["phase"] == "prefill" and int(r["seq"]) <= 256)
PY
check "results.csv rows are measured and validated" $?
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
