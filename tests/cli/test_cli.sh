#!/usr/bin/env bash
# test_cli.sh — the attnscope program as a user runs it: real presets, real output formats,
# and every class of bad input from DESIGN.md ending in exit 2 with one line naming it.
# Usage: test_cli.sh PATH/TO/attnscope TESTDATA_DIR
set -u
BIN=$1
DATA=$2
source "$(dirname "$0")/expect.sh"

# --- answers on real presets ---------------------------------------------------------------
expect_ok "70B GQA fp16 8x1000" '"total_bytes": 2621440000' kv llama-3-70b --batch 8 --context 1000 --kv-dtype fp16 --format json
expect_ok "70B as MHA" '"total_bytes": 20971520000' kv llama-3-70b --batch 8 --context 1000 --kv-dtype fp16 --variant mha --format json
expect_ok "table shows exact bytes GB and GiB" 'KV cache     2,621,440,000 B = 2.621 GB = 2.441 GiB' kv llama-3-70b --batch 8 --context 1000 --kv-dtype fp16
expect_ok "DeepSeek-V3 per token" '"bytes_per_token": 70272' kv deepseek-v3 --kv-dtype bf16 --format json
expect_ok "MLA replicated under TP" 'replicated on every GPU' kv deepseek-v3 --tp 8 --context 4096
expect_ok "Mistral window" '"total_bytes": 536870912' kv mistral-7b-v0.1 --context 32K --format json
expect_ok "capacity fields" '"max_batch": 57' kv llama-3-8b --context 8192 --gpu h100-sxm --engine none --format json
expect_ok "capacity with --mem" '"fits": true' kv llama-3-8b --context 8192 --mem 80GiB --engine none --format json
expect_ok "does not fit" 'DOES NOT FIT' kv llama-3-70b --context 8192 --gpu h100-sxm --engine none
expect_ok "csv header has units" 'model,variant,kv_dtype,batch,context,layers,tp,params_total,params_active,bytes_per_token,total_bytes' kv llama-3-8b --format csv
expect_ok "per-layer gemma-2: odd layer global holds all 8192" ',1,0,8192,' kv gemma-2-9b --per-layer --format csv
expect_ok "directory with config.json" '"bytes_per_token": 131072' kv "$DATA/hf_dir" --format json
expect_ok "config.json path" '"layers": 32' kv "$DATA/hf_dir/config.json" --format json
expect_ok "models lists presets" 'deepseek-v3' models
expect_ok "devices lists presets" 'h100-sxm' devices
expect_ok "variants list" 'performer' variants
expect_ok "help" 'usage: attnscope kv' kv --help
expect_ok "cost --kv-dtype" 'fp32 cache' cost llama-3-8b --seq 1024 --kv-dtype fp32 --variant flash
expect_ok "bench --kv-dtype names a dtype" 'decode' bench --heads 2 --head-dim 16 --seq 64 --phase decode --kv-dtype bfloat16 --variant flash
expect_error "bench --kv-dtype the kernels cannot hold" "--kv-dtype 'int4'" bench --heads 2 --head-dim 16 --seq 64 --phase decode --kv-dtype int4 --variant flash
for cmd in kv cost bench plot check report models devices backends variants; do
    expect_ok "$cmd --help" "usage: attnscope $cmd" "$cmd" --help
done

# --- cost ---------------------------------------------------------------------------------
expect_ok "cost decode memory-bound" '"bound": "memory"' cost llama-3-70b --phase decode --seq 8192 --variant flash --format json
expect_ok "cost table lists every variant" 'mla-naive' cost deepseek-v3 --seq 4096 --causal
expect_ok "cost lowrank causal is n/a in all" 'n/a: low-rank' cost llama-3-8b --seq 1024 --causal
expect_ok "cost csv units" 'flops,other_flops,hbm_bytes,hbm_read_bytes,hbm_write_bytes,kv_bytes' cost llama-3-8b --seq 1024 --format csv
"$BIN" cost llama-3-8b --sweep 1024:8192:x2 --variant flash --format csv >"$out" 2>"$err"
if [ "$(grep -c '^llama-3-8b,flash,prefill,' "$out")" -eq 4 ]; then ok; else bad "sweep x2 gives 4 rows"; fi
"$BIN" cost llama-3-8b --sweep 256:131072:x2 --format json >"$out" 2>"$err"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d) == 7*10; assert all(r["flops"] > 0 for r in d if r["supported"])' "$out"; then ok; else bad "sweep json rows"; fi
expect_error "cost bad sweep" "--sweep '1024-8192'" cost llama-3-8b --sweep 1024-8192
expect_error "cost bad phase" "--phase 'training'" cost llama-3-8b --seq 10 --phase training
expect_error "cost lowrank causal asked directly" "no causal prefill" cost llama-3-8b --seq 1024 --causal --variant lowrank
expect_error "cost unknown device" "'tpu-v9'" cost llama-3-8b --seq 1024 --device tpu-v9
expect_error "cost zero sram" "--sram '0'" cost llama-3-8b --seq 1024 --sram 0
expect_error "cost no seq" "give --seq" cost llama-3-8b
expect_error "cost layer out of range" "--layer 99" cost llama-3-8b --seq 10 --layer 99
# cache-aware traffic (issue 17): L2 reuse makes H100 flash prefill compute-bound; a tiny L2
# brings the IO model back; closed-form tile counts answer 16M tokens with 1-byte SRAM
"$BIN" cost llama-3-70b --phase prefill --seq 8192 --causal --variant flash --format json >"$out" 2>"$err"
if python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))[0]; assert r["bound"] == "compute" and r["dram_bytes"] == 24243077120 and r["tiles"] == "fa3" and r["dram_bytes"] < r["hbm_bytes"]' "$out"; then ok; else bad "cost dram compute-bound on h100"; fi
expect_ok "cost --l2 tiny is memory-bound" '"bound": "memory"' cost llama-3-70b --seq 8192 --causal --variant flash --l2 1KiB --format json
expect_ok "cost 16M causal, 1 B sram" 'flash ' cost llama-3-70b --seq 16M --causal --sram 1B --variant flash
expect_error "cost bad tiles" "--tiles 'fa9'" cost llama-3-8b --seq 1024 --tiles fa9

# --- plots: every kind through the CLI, judged by the files written ------------------------
plots=$(mktemp -d)
expect_ok "plot kv" "" plot kv deepseek-v2-lite --gpu h100-sxm,h200 --out "$plots/kv.svg"
expect_ok "plot kv several models" "" plot kv llama-3-8b,mistral-7b-v0.1 --out "$plots/kvm.png"
expect_ok "plot capacity" "" plot capacity llama-3-8b --gpu l4 --out "$plots/cap.pdf"
expect_error "plot capacity when weights do not fit" "leave nothing of L4" plot capacity llama-3-70b --gpu l4 --out "$plots/none.pdf"
expect_ok "plot flops" "" plot flops llama-3-8b --causal --out "$plots/flops.svg"
expect_ok "plot traffic" "" plot traffic deepseek-v3 --out "$plots/traffic.svg"
expect_ok "plot roofline" "" plot roofline llama-3-70b --phase decode --to 8192 --out "$plots/roof.svg"
for f in kv.svg flops.svg traffic.svg roof.svg; do
    if grep -q '<g id="gnuplot_plot_1"' "$plots/$f"; then ok; else bad "plot $f has series"; fi
done
if head -c 4 "$plots/cap.pdf" | grep -q '%PDF' && head -c 8 "$plots/kvm.png" | grep -q PNG; then ok; else bad "pdf and png written"; fi
expect_error "plot unknown kind" "unknown kind 'pie'" plot pie llama-3-8b --out "$plots/x.png"
expect_error "plot unknown format" "unknown plot format" plot kv llama-3-8b --out "$plots/x.gif"
expect_error "plot time without results" "give --in" plot time --out "$plots/t.png"
ATTNSCOPE_GNUPLOT=/nonexistent/gnuplot "$BIN" plot kv llama-3-8b --out "$plots/none.png" >"$out" 2>"$err"
if [ $? -eq 2 ] && grep -q "gnuplot-nox" "$err" && [ ! -e "$plots/none.png" ]; then ok; else bad "gnuplot missing: exit 2, no file"; fi
rm -rf "$plots"

# --- claims ---------------------------------------------------------------------------------
CLAIMS=$(dirname "$DATA")/../claims/published.csv
expect_ok "published: 20.97 GB reproduced by MHA" 'MHA instead of' check "$CLAIMS"
expect_ok "published: V3 per-token holds" 'deepseek-v3-kv-per-token       HOLDS' check "$CLAIMS"
expect_ok "claims as json" '"verdict": "FAILS"' check "$CLAIMS" --format json
expect_ok "claims as markdown" '| id | verdict |' check "$CLAIMS" --format md
"$BIN" check "$DATA/claims_known.csv" >"$out" 2>"$err"
rc=$?
if [ $rc -eq 2 ] && [ "$(grep -c UNCHECKABLE "$out")" -eq 4 ] && grep -q 'claims_known.csv:8: column' "$err" \
   && grep -q '^holds-v3 .*HOLDS' "$out"; then ok; else bad "malformed claims rows: exit 2, named, others checked"; fi
expect_error "claims file missing" "no-such-claims.csv" check "$DATA/no-such-claims.csv"

# --- Ctrl-C during a long bench keeps every finished row and says what was not run ---------
results=$(mktemp -u).csv
"$BIN" bench --heads 2 --head-dim 16 --sweep 64:1M:x2 --variant standard --repeat 1 --min-time 0 \
    --out "$results" >/dev/null 2>"$err" &
pid=$!
for _ in $(seq 1 100); do
    [ -f "$results" ] && [ "$(wc -l <"$results")" -ge 3 ] && break
    sleep 0.1
done
kill -INT "$pid"
wait "$pid"
rc=$?
if [ $rc -eq 130 ] && grep -q "interrupted (SIGINT): not run: standard on cpu from n=" "$err" \
   && python3 -c 'import csv,sys; rows=list(csv.DictReader(open(sys.argv[1]))); assert len(rows) >= 2 and all(r["time_s"] for r in rows)' "$results"; then
    ok
else
    bad "SIGINT keeps rows (rc=$rc)"
fi
rm -f "$results"

# JSON output parses and holds no NaN
"$BIN" kv gemma-3-27b --context 131072 --gpu h200 --format json >"$out" 2>"$err"
if python3 -c 'import json,sys,math; d=json.load(open(sys.argv[1])); assert all(not (isinstance(v,float) and math.isnan(v)) for v in d.values())' "$out"; then ok; else bad "json parses"; fi

# --- bad input: one line, exit 2, names file, field and value -------------------------------
expect_error "malformed JSON" "truncated.json:5:" kv "$DATA/bad/truncated.json"
expect_error "empty file" "empty.json" kv "$DATA/bad/empty.json"
expect_error "zero heads" "'num_attention_heads' = 0" kv "$DATA/bad/zero_heads.json"
expect_error "negative layers" "'num_hidden_layers' = -2" kv "$DATA/bad/negative_layers.json"
expect_error "kv heads not dividing" "'num_key_value_heads' = 6 does not divide" kv "$DATA/bad/kv_heads_not_dividing.json"
expect_error "wrong type" "'num_hidden_layers' = \"thirty-two\"" kv "$DATA/bad/wrong_type.json"
expect_error "huge number" "'num_hidden_layers' = 1e30" kv "$DATA/bad/huge_number.json"
expect_error "absurd size" "'hidden_size' = 99999999999" kv "$DATA/bad/absurd_hidden.json"
expect_error "unknown dtype in config" "float12" kv "$DATA/bad/unknown_dtype.json"
expect_error "missing field" "'num_hidden_layers' is missing" kv "$DATA/bad/missing_layers.json"
expect_error "non-UTF-8" "non_utf8.json" kv "$DATA/bad/non_utf8.json"
expect_error "deep nesting" "deep_nesting.json" kv "$DATA/bad/deep_nesting.json"
expect_error "directory without config.json" "no config.json" kv "$DATA/no_config_dir"
expect_error "no such model" "'nope-13b': no such file, directory or model preset" kv nope-13b
expect_error "unknown precision flag" "--kv-dtype 'fp7'" kv llama-3-8b --kv-dtype fp7
expect_error "unknown variant" "variant 'sparse'" kv llama-3-8b --variant sparse
expect_error "gqa without groups" "give --kv-heads" kv llama-2-7b --variant gqa
expect_error "unknown gpu" "'b300'" kv llama-3-8b --gpu b300
expect_error "bad size" "--mem '80 parsecs'" kv llama-3-8b --mem "80 parsecs"
expect_error "batch zero" "--batch '0'" kv llama-3-8b --batch 0
expect_error "batch not a number" "--batch '8x'" kv llama-3-8b --batch 8x
expect_error "negative context" "--context '-5'" kv llama-3-8b --context -5
expect_error "mem-util out of range" "--mem-util '1.5'" kv llama-3-8b --mem 80GB --mem-util 1.5
expect_error "tp not dividing" "--tp 3" kv llama-3-8b --tp 3
expect_error "overflow reported, not wrapped" "does not fit in 64 bits" kv llama-3.1-405b --variant mha --kv-dtype fp32 --batch 1048576 --context 16M
expect_error "unknown option" "--frobnicate" kv llama-3-8b --frobnicate
expect_error "no model" "expected exactly one MODEL" kv
expect_error "unknown command" "unknown command 'size'" size llama-3-8b

# --- deployment engines (vLLM, SGLang): every term, logs beside the prediction --------------
LOGS="$DATA/vllm_logs"
expect_ok "engine is vllm with a GPU" '"engine": "vllm"' kv llama-3-8b --gpu h100-sxm --format json
expect_ok "engine blocks as derived in test_engine" '"gpu_blocks": 28483' kv llama-3-8b --mem 80GiB --max-model-len 8192 --format json
expect_ok "engine terms in json" '"activation_peak_bytes": 2964848640' kv llama-3-8b --mem 80GiB --max-model-len 8192 --format json
expect_ok "sglang" '"engine": "sglang"' kv llama-3-8b --gpu h100-sxm --engine sglang --format json
expect_ok "table shows each rule" 'gpu_memory_utilization 0.92: weights, activations, non-torch, KV' kv qwen2.5-72b --gpu h100-sxm --tp 4
expect_ok "pipeline parallel" '"pp": 2' kv llama-3-70b --gpu h100-sxm --tp 2 --pp 2 --format json
expect_ok "weights-quant fp8" 'as loaded (fp8' kv llama-3-70b --gpu h100-sxm --tp 2 --weights-quant fp8
expect_ok "expert parallel" 'whole experts per GPU' kv mixtral-8x7b --gpu h100-sxm --tp 4 --expert-parallel
expect_ok "measured overhead" '"non_torch_bytes": 1073741824' kv llama-3-8b --gpu h100-sxm --overhead 1GiB --format json
expect_ok "refusal with the engine's reason" '"fits_max_model_len": false' kv llama-3-70b --gpu h100-sxm --format json
expect_ok "vLLM V0 log" 'V0 format' kv llama-3-8b --vllm-log "$LOGS/v0_llama3_8b.log"
expect_ok "vLLM v0.7 log" 'available KV cache            54.90 GiB' kv llama-3-8b --vllm-log "$LOGS/v07_llama3_8b.log"
expect_ok "vLLM V1 log" '433456' kv qwen2.5-72b --vllm-log "$LOGS/v1_qwen25_72b_tp4.log"
expect_ok "vLLM log in json" '"kv_cache_tokens": 433456' kv qwen2.5-72b --vllm-log "$LOGS/v1_qwen25_72b_tp4.log" --format json
expect_ok "no room in the log, none predicted" '"gpu_blocks": 0' kv llama-3-70b --gpu a100-80g --mem-util 0.83 --vllm-log "$LOGS/v1_no_room.log" --format json
expect_ok "devices shows exposed memory" 'exposed' devices
expect_error "not a vLLM log" "not a vLLM startup log" kv llama-3-8b --vllm-log "$LOGS/not_vllm.log"
expect_error "unknown --weights-quant" "--weights-quant 'int3'" kv llama-3-8b --gpu h100-sxm --weights-quant int3
expect_error "unknown quant method in config" "'quantization_config.quant_method' = \"quanto_magic\"" kv "$DATA/bad/unknown_quant.json"
expect_error "unknown engine" "--engine 'tgi'" kv llama-3-8b --gpu h100-sxm --engine tgi
expect_error "tp not dividing the KV heads" "--tp 4 and the 6 KV heads" kv "$DATA/kv6_heads48.json" --gpu h100-sxm --tp 4
expect_error "pp beyond the layers" "--pp 8 exceeds the 4 layers" kv "$DATA/kv6_heads48.json" --gpu h100-sxm --pp 8

# --- training step and serving throughput (issue 21) ---------------------------------------
expect_ok "cost --phase train" 'standard   train' cost gpt2-medium --phase train --seq 1024 --batch 64 --per-layer --sram 192KiB --dropout 0.1
expect_ok "train: mla says why not" 'a training step is variant mla-naive' cost deepseek-v2-lite --phase train --seq 512
expect_ok "train as json" '"phase": "train"' cost gpt2-medium --phase train --seq 512 --variant flash1 --format json
expect_error "dropout without train" "--dropout applies to --phase train" cost gpt2-medium --seq 64 --dropout 0.1
expect_error "dropout out of range" "--dropout '1.5'" cost gpt2-medium --seq 64 --phase train --dropout 1.5
expect_error "unknown mask" "--mask 'sideways'" cost gpt2-medium --seq 64 --phase train --mask sideways
expect_error "no backward kernels" "no backward kernels" bench gpt2-medium --phase train --seq 64
expect_ok "serve: largest batch" 'largest batch that fits: 114' serve llama-3-8b --gpu h100-sxm --context 4096
expect_ok "serve json" '"max_batch": 114' serve llama-3-8b --format json
expect_ok "serve moe experts" 'experts' serve deepseek-v2 --gpu h800 --tp 8 --context 2048 --weights-dtype fp8 --kv-bits 6
expect_error "serve: bad engine" "--engine 'tgi'" serve llama-3-8b --engine tgi
expect_error "serve: tp not dividing" "--tp 3" serve llama-3-8b --tp 3
"$BIN" serve llama-3.1-405b --gpu l4 >"$out" 2>"$err"
if [ $? -eq 1 ] && grep -qF "not room for one sequence" "$err" && [ ! -s "$out" ]; then ok; else bad "serve: nothing fits"; fi
if command -v gnuplot >/dev/null; then
    chart=$(mktemp -d)
    expect_ok "serve --plot" 'largest batch' serve llama-3-8b --plot "$chart/serve.svg"
    if grep -qF "capacity: 114 sequences" "$chart/serve.svg"; then ok; else bad "serve chart marks the capacity"; fi
    rm -rf "$chart"
fi
# The plot's lines take their SRAM from --device/--sram (or the local preset), never from the
# results' sram_bytes column: two results files differing only there draw the same chart.
if command -v gnuplot >/dev/null; then
    chart=$(mktemp -d)
    "$BIN" bench --heads 2 --head-dim 16 --seq 64 --variant flash --repeat 1 --min-time 0 \
        --out "$chart/a.csv" >/dev/null 2>&1
    python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); [x.update(sram_bytes="1024") for x in r]; w=csv.DictWriter(open(sys.argv[2],"w",newline=""),fieldnames=list(r[0])); w.writeheader(); w.writerows(r)' "$chart/a.csv" "$chart/b.csv"
    for f in a b; do "$BIN" plot traffic gpt2 --in "$chart/$f.csv" --device h100-sxm --out "$chart/$f.svg" 2>"$err"; done
    if [ -s "$chart/a.svg" ] && cmp -s "$chart/a.svg" "$chart/b.svg"; then ok; else bad "plot --in ignores the results' sram_bytes"; fi
    rm -rf "$chart"
fi
expect_ok "check: 405B per 1k needs three assumptions" 'a fp32 cache + binary units printed as decimal (GiB as GB) + 1024 tokens' check "$CLAIMS"
expect_ok "check json counts combinations" '"combinations_tried"' check "$CLAIMS" --format json

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
