#!/usr/bin/env bash
# run.sh — set up (scripts/setup.sh) and run the main job: the one-folder report for a model
# (default: Llama-3-8B, quick sweep) in ./report. With arguments, runs `attnscope ARGS...`
# instead, e.g. `bash scripts/run.sh kv llama-3-70b --batch 8 --gpu h100-sxm --tp 2`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ $# -eq 0 ]; then
    set -- report llama-3-8b --out report --quick
fi
exec build/attnscope "$@"
