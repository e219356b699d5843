#!/usr/bin/env bash
# test_variant_names.sh SOURCE_ROOT ATTNSCOPE — the registry owns every variant: no .c file
# outside analyzer/variants/ and tests/ spells a variant's or a head layout's name as a string
# literal, so adding a variant never means finding the lists that name the others.
set -euo pipefail
root=$1 bin=$2
names=$("$bin" variants | awk '!/^\(/ {print $1}')
aliases=$("$bin" variants | grep '^(head layouts' | grep -oE '[a-z0-9-]+ =' | tr -d ' =')
[ -n "$names" ] && [ -n "$aliases" ] || { echo "attnscope variants listed nothing" >&2; exit 1; }
cd "$root"
found=0
for name in $names $aliases; do
    if find core models kernels analyzer reports cli bench -name '*.c' \
        -not -path 'analyzer/variants/*' -print0 | xargs -0 grep -nF "\"$name\"" >&2; then
        found=1
    fi
done
[ "$found" -eq 0 ] || { echo "variant names spelled outside the registry (above)" >&2; exit 1; }
echo "no variant name outside analyzer/variants/ and tests/ ($(echo $names $aliases | wc -w) names)"
