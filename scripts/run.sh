#!/usr/bin/env bash
# run.sh — set up (scripts/setup.sh) and run the main job: the KV-cache report for a model
# (default: Llama-3-70B serving 8 sequences of 8K tokens on two H100s). Arguments, if any,
# are passed to `attnscope kv` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ $# -eq 0 ]; then
    set -- llama-3-70b --batch 8 --context 8192 --gpu h100-sxm --tp 2
fi
exec build/attnscope kv "$@"
