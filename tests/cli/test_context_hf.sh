#!/usr/bin/env bash
# test_context_hf.sh — context limits told, not hidden (max_position_embeddings, rope_scaling,
# max_context capped), and Hugging Face ids resolved from a fake hub cache, never the network.
# Usage: test_context_hf.sh PATH/TO/attnscope PRESETS_DIR
set -u
BIN=$1
PRESETS=$2
source "$(dirname "$0")/expect.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$out" "$err"' EXIT

# --- context beyond the model ---------------------------------------------------------------
# Llama-3-8B: max_position_embeddings 8192 and no rope_scaling, so 128K is beyond it.
expect_ok "llama-3 128K beyond" '"context_beyond_model": true' kv llama-3-8b --context 128K --batch 4 --format json
if [ "$(grep -c 'warning: context 131,072 is beyond llama-3-8b' "$err")" -eq 1 ] && [ "$(wc -l <"$err")" -eq 1 ]; then ok; else bad "one warning line on stderr"; fi
expect_ok "limit in json" '"model_context_limit": 8192' kv llama-3-8b --context 128K --format json
expect_ok "table warns too" 'WARNING: context 131,072 is beyond' kv llama-3-8b --context 128K
expect_ok "within limit: no warning" '"context_beyond_model": false' kv llama-3-8b --context 8192 --format json
if [ ! -s "$err" ]; then ok; else bad "no stderr within the limit"; fi
# Llama-3.1: rope_scaling llama3 factor 8 over 8192; max_position_embeddings 131072 already counts it.
expect_ok "llama-3.1 128K fine" '"context_beyond_model": false' kv llama-3.1-405b --context 128K --format json
expect_ok "llama3 rope shown" '"type": "llama3"' kv llama-3.1-405b --context 128K --format json
expect_ok "llama3 rope table" 'rope_scaling llama3, factor 8, original_max_position_embeddings 8192' kv llama-3.1-405b --context 128K
# DeepSeek-V3: yarn, original 4096 x factor 40 = 163840.
expect_ok "yarn limit" 'original_max_position_embeddings 4096 x yarn factor 40 = 163840' kv deepseek-v3 --context 4096 --format json
# linear and dynamic multiply max_position_embeddings (vLLM's rule): 4096 x 4 and 4096 x 2.
sed -e 's/"max_position_embeddings": 8192/"max_position_embeddings": 4096/' \
    -e 's/"rope_scaling": null/"rope_scaling": {"type": "linear", "factor": 4.0}/' \
    "$PRESETS/llama-3-8b.json" >"$tmp/linear.json"
sed -e 's/"max_position_embeddings": 8192/"max_position_embeddings": 4096/' \
    -e 's/"rope_scaling": null/"rope_scaling": {"rope_type": "dynamic", "factor": 2}/' \
    "$PRESETS/llama-3-8b.json" >"$tmp/dynamic.json"
sed 's/"rope_scaling": null/"rope_scaling": "big"/' "$PRESETS/llama-3-8b.json" >"$tmp/badrope.json"
expect_ok "linear limit 16384" '"model_context_limit": 16384' kv "$tmp/linear.json" --context 16384 --format json
expect_ok "linear beyond at 16385" '"context_beyond_model": true' kv "$tmp/linear.json" --context 16385 --format json
expect_ok "dynamic limit 8192" '"model_context_limit": 8192' kv "$tmp/dynamic.json" --context 1024 --format json
expect_error "rope_scaling not an object" "field 'rope_scaling' = \"big\": expected an object" kv "$tmp/badrope.json"

"$BIN" cost llama-3-8b --sweep 1024:32768:x2 --variant flash --format csv >"$out" 2>"$err"
if [ $? -eq 0 ] && [ "$(wc -l <"$err")" -eq 1 ] && grep -q "warning: context 32,768 is beyond llama-3-8b's limit of 8,192" "$err" \
   && [ "$(grep -c '^llama-3-8b,flash,' "$out")" -eq 6 ]; then ok; else bad "cost warns once for a sweep beyond the limit"; fi

# --- max_context capped at the model's limit ------------------------------------------------
# H100-SXM, the plain formula (--engine none): 80 GiB x 0.9 - 16,060,522,496 B of bf16 weights = 61,248,888,832 B free;
# / 131,072 B per token = 467,291.9, so 467,291 tokens by memory, capped to the model's 8,192.
expect_ok "capped max_context" '"max_context": 8192' kv llama-3-8b --context 8192 --gpu h100-sxm --engine none --format json
expect_ok "says capped" '"max_context_capped_by_model": true' kv llama-3-8b --context 8192 --gpu h100-sxm --engine none --format json
expect_ok "memory value kept" '"max_context_memory": 467291' kv llama-3-8b --context 8192 --gpu h100-sxm --engine none --format json
expect_ok "table says capped" "capped at the model's limit; memory alone allows 467,291 tokens" kv llama-3-8b --context 8192 --gpu h100-sxm --engine none
expect_ok "csv max_context capped" ',8192' kv llama-3-8b --context 8192 --gpu h100-sxm --engine none --format csv

# --- Hugging Face ids from a fake hub cache --------------------------------------------------
main=0123456789abcdef0123456789abcdef01234567
old=89abcdef0123456789abcdef0123456789abcdef
repo=$tmp/home/hub/models--meta-llama--Llama-3.1-8B
mkdir -p "$repo/refs" "$repo/snapshots/$main" "$repo/snapshots/$old" "$repo/blobs"
cp "$PRESETS/llama-3.1-405b.json" "$repo/blobs/aaa"
ln -s ../../blobs/aaa "$repo/snapshots/$main/config.json" # the hub's layout: snapshot -> blob
cp "$PRESETS/llama-3-8b.json" "$repo/snapshots/$old/config.json"
printf '%s' "$main" >"$repo/refs/main"
printf '%s\n' "$old" >"$repo/refs/v1"
export HF_HOME=$tmp/home
unset HF_HUB_CACHE HUGGINGFACE_HUB_CACHE
expect_ok "hf id via refs/main" '"layers": 126' kv meta-llama/Llama-3.1-8B --context 1024 --format json
expect_ok "says which file" "\"config\": \"$repo/snapshots/$main/config.json\"" kv meta-llama/Llama-3.1-8B --context 1024 --format json
expect_ok "table names the file" "snapshots/$main/config.json" kv meta-llama/Llama-3.1-8B --context 1024
expect_ok "revision via refs/v1" '"layers": 32' kv meta-llama/Llama-3.1-8B@v1 --format json
expect_ok "revision as a commit" '"layers": 32' kv "meta-llama/Llama-3.1-8B@$old" --format json
expect_error "not cached: exact download command" '`huggingface-cli download meta-llama/Llama-3-8B config.json`' kv meta-llama/Llama-3-8B
expect_error "unknown revision" '`huggingface-cli download meta-llama/Llama-3.1-8B config.json --revision v9`' kv meta-llama/Llama-3.1-8B@v9
rm "$repo/snapshots/$old/config.json"
expect_error "snapshot without config" "no config.json in the cached snapshot" kv meta-llama/Llama-3.1-8B@v1
expect_error "not an id, not a file" "no such file, directory or model preset" kv meta-llama/..
# HF_HUB_CACHE wins over HF_HOME.
mkdir -p "$tmp/other"
HF_HUB_CACHE=$tmp/other "$BIN" kv meta-llama/Llama-3.1-8B >"$out" 2>"$err"
if [ $? -eq 2 ] && grep -qF "not in the Hugging Face cache $tmp/other" "$err"; then ok; else bad "HF_HUB_CACHE wins"; fi
HF_HUB_CACHE=$tmp/home/hub HF_HOME=/nonexistent "$BIN" kv meta-llama/Llama-3.1-8B --context 1024 >"$out" 2>"$err"
if [ $? -eq 0 ] && grep -qF "snapshots/$main" "$out"; then ok; else bad "HF_HUB_CACHE used"; fi
# ~/.cache/huggingface/hub when nothing is set.
unset HF_HOME
mkdir -p "$tmp/user/.cache/huggingface"
mv "$tmp/home/hub" "$tmp/user/.cache/huggingface/hub"
HOME=$tmp/user XDG_CACHE_HOME= "$BIN" kv meta-llama/Llama-3.1-8B --context 1024 >"$out" 2>"$err"
if [ $? -eq 0 ] && grep -qF ".cache/huggingface/hub/models--meta-llama--Llama-3.1-8B" "$out"; then ok; else bad "default cache dir"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
