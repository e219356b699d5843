#!/usr/bin/env bash
# python_test.sh — the Python package as a user gets it: a fresh virtual environment,
# `pip install ./python` (which builds the C program with meson-python), then pytest.
# Debian 12's pip refuses system installs (PEP 668), hence the venv; it sees Debian's
# python3-mesonpy and python3-pytest (scripts/setup.sh installs them), so nothing is
# downloaded. Usage: python_test.sh [REFERENCE_CLI] (default build/attnscope).
set -euo pipefail
reference=$(realpath "${1:-$(dirname "$0")/../build/attnscope}")
cd "$(dirname "$0")/.."
root=$PWD
export ATTNSCOPE_CLI=$reference
# The package must find its own installed presets, not the test harness's.
unset ATTNSCOPE_DATA_DIR ATTNSCOPE_BIN
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 -m venv --system-site-packages "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet --no-index --no-build-isolation "$root/python" \
    >"$tmp/pip.log" 2>&1 || { tail -30 "$tmp/pip.log"; exit 1; }
export PYTHONDONTWRITEBYTECODE=1
cd "$tmp" # import the installed package, never python/attnscope from the tree
"$tmp/venv/bin/python" -m pytest -q -p no:cacheprovider "$root/python/tests"
