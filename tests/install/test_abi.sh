#!/usr/bin/env bash
# test_abi.sh LIB HEADER — the functions libattnscope.so exports are exactly those the public
# header marks ATTN_API: no internal function or global leaks, none of the header's is missing.
set -euo pipefail
lib=$1 header=$2
exported=$(nm -D --defined-only "$lib" | awk '{print $3}' | sort)
declared=$(grep -E '^ATTN_API ' "$header" | grep -oE '[A-Za-z_][A-Za-z0-9_]*\(' | head -c -0 |
           awk -F'(' '!seen[$1]++ {print $1}' | sort)
[ -n "$declared" ] || { echo "no ATTN_API declarations found in $header" >&2; exit 1; }
if [ "$exported" != "$declared" ]; then
    echo "exported by $lib but not declared ATTN_API in $header:" >&2
    comm -23 <(echo "$exported") <(echo "$declared") >&2
    echo "declared ATTN_API in $header but not exported by $lib:" >&2
    comm -13 <(echo "$exported") <(echo "$declared") >&2
    exit 1
fi
echo "$(echo "$exported" | wc -l) functions exported, all declared in $(basename "$header")"
