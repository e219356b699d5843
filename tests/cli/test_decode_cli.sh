#!/usr/bin/env bash
# test_decode_cli.sh — `attnscope bench` over serving caches (issue 19): --kv-dtype 8-bit
# stores, --kv-layout paged with --block-size, the new results columns (kv_layout,
# block_size, roofline_frac: empty without a saved local preset, a number with one), the
# model charging the block table (cnt/model 1.000 on an fp32 paged cache), and bad values
# ending in exit 2 with one line.
# Usage: test_decode_cli.sh PATH/TO/attnscope
set -u
BIN=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
export ATTNSCOPE_LOCAL_DEVICE="$work/none.json"

shape=(bench --variant flash --phase decode --heads 8 --kv-heads 2 --head-dim 64 --seq 40
       --repeat 1 --min-time 0 --threads 1)
"$BIN" "${shape[@]}" --kv-dtype fp32 --kv-layout paged --block-size 16 --out "$work/r.csv" \
    >"$work/out" 2>"$work/err" || bad "fp32 paged bench (rc $?): $(cat "$work/err")"
grep -q " 1.000 " "$work/out" || bad "fp32 paged: counted != model: $(tail -1 "$work/out")"
"$BIN" "${shape[@]}" --kv-dtype int8 --kv-layout paged --out "$work/r.csv" >/dev/null 2>&1 \
    || bad "int8 paged bench failed"
"$BIN" "${shape[@]}" --kv-dtype fp8 --out "$work/r.csv" >/dev/null 2>&1 || bad "fp8 bench failed"
python3 - "$work/r.csv" <<'PY' || bad "results columns"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r["kv_store"] for r in rows] == ["fp32", "int8", "fp8"], rows  # fp8 is e4m3
assert [r["kv_layout"] for r in rows] == ["paged", "paged", "contiguous"]
assert [r["block_size"] for r in rows] == ["16", "16", "0"]
assert all(r["roofline_frac"] == "" for r in rows)  # no local preset saved
assert all(r["validated"] == "yes" for r in rows)
# fp32 paged: read = kv 40 x 2 x 128 x 4 + q 8 x 64 x 4 + table 2 x 3 x 4 = 43032, o 2048
assert rows[0]["hbm_bytes_counted"] == rows[0]["hbm_bytes_model"] == "45080", rows[0]
PY
# a preset with roofs gives every row a roofline fraction
printf '{"name": "local", "probe": {"fma_flops": {"median": 1e11}, "read_bytes_per_s": {"median": 1e10}}}\n' \
    >"$work/local.json"
ATTNSCOPE_LOCAL_DEVICE="$work/local.json" "$BIN" "${shape[@]}" --kv-dtype fp16 \
    --out "$work/s.csv" >/dev/null 2>&1 || bad "bench with a local preset failed"
python3 -c "
import csv, sys
r = list(csv.DictReader(open('$work/s.csv')))[-1]
assert float(r['roofline_frac']) > 0, r['roofline_frac']
" || bad "roofline_frac missing with a local preset"

# a serving batch of mixed lengths: --seq-lens sets the batch and --seq (the longest); fp32
# paged, block 16, lengths 40, 1, 49: read = kv 90 x 2 x 128 x 4 = 92160 + table 2 x (3 + 1
# + 4) x 4 = 64 + q 3 x 2048 + lengths 3 x 4 = 98380, o 3 x 2048 = 6144 -> 104524
lens=(bench --variant flash --phase decode --heads 8 --kv-heads 2 --head-dim 64 --repeat 1
      --min-time 0 --threads 1 --kv-layout paged --seq-lens 40,1,49)
"$BIN" "${lens[@]}" --out "$work/m.csv" >"$work/out" 2>"$work/err" \
    || bad "--seq-lens bench (rc $?): $(cat "$work/err")"
python3 - "$work/m.csv" <<'PY' || bad "--seq-lens row"
import csv, sys
r = list(csv.DictReader(open(sys.argv[1])))[-1]
assert (r["batch"], r["seq"], r["validated"]) == ("3", "49", "yes"), r
assert r["hbm_bytes_counted"] == r["hbm_bytes_model"] == "104524", r
assert "3 sequences of mixed lengths" in r["note"] and "90 tokens" in r["note"], r["note"]
PY
# a kernel that decodes one length is skipped with its reason, as other unsupported cases are
"$BIN" "${lens[@]}" --variant standard >"$work/out" 2>"$work/err"
grep -q "skipped standard.*one length" "$work/err" || bad "--seq-lens on standard: $(cat "$work/err")"

for args in "--kv-layout blocked" "--kv-dtype fp4" "--block-size 0" "--seq-lens 40,0" \
    "--seq-lens 40,41" "--seq-lens 40,x" "--seq-lens 10,20 --batch 3"; do
    # shellcheck disable=SC2086
    "$BIN" "${shape[@]}" $args >"$work/out" 2>"$work/err"
    rc=$?
    lines=$(wc -l <"$work/err")
    [ $rc -eq 2 ] && [ "$lines" -eq 1 ] || bad "$args: rc $rc, $lines stderr lines: $(cat "$work/err")"
done
[ $fail -eq 0 ] && echo "decode cli: all passed"
exit $((fail > 0))
