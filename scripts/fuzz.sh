#!/usr/bin/env bash
# fuzz.sh — build the libFuzzer harnesses (tests/fuzz/fuzz_*.c) with clang in build-fuzz/,
# the whole library instrumented with ASan + UBSan, and run each for FUZZ_SECONDS (default
# 60). Any crash, leak, UB report or timeout fails the run; the input that caused it is
# kept in build-fuzz/crashes/NAME/. Minimise it with `build-fuzz/tests/fuzz/fuzz_NAME
# -minimize_crash=1 FILE` and add it to tests/fuzz/regressions/.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
seconds=${FUZZ_SECONDS:-60}

if [ ! -f build-fuzz/build.ninja ]; then
    CC=clang-14 meson setup build-fuzz -Dfuzz=enabled -Dbuildtype=debugoptimized \
        -Db_sanitize=address,undefined -Db_lundef=false \
        "-Dc_args=['-fsanitize=fuzzer-no-link','-fno-sanitize-recover=all']" >/dev/null || exit 1
fi
names=()
for harness in tests/fuzz/fuzz_*.c; do
    name=$(basename "$harness" .c)
    names+=("${name#fuzz_}")
done
ninja -C build-fuzz "${names[@]/#/tests/fuzz/fuzz_}" >build-fuzz/harnesses.log 2>&1 ||
    { echo "fuzz: building the harnesses failed:" >&2; grep -m5 -B2 -A3 'error' build-fuzz/harnesses.log >&2; exit 1; }

# Real files the readers exist for, besides each harness's own seeds in tests/fuzz/corpus/.
declare -A seeds=([config]="models/presets tests/data/bad tests/data/hf_dir" [table]="claims tests/data")
# fuzz_claims reads its inputs as rows under the claims header; fuzz_cli as arguments, one a line.

export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:print_stacktrace=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
for name in "${names[@]}"; do
    corpus=build-fuzz/corpus/$name crashes=build-fuzz/crashes/$name
    mkdir -p "$corpus" "$crashes"
    # shellcheck disable=SC2086 # seeds[] holds a list of directories
    if build-fuzz/tests/fuzz/fuzz_"$name" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes/" \
        "$corpus" "tests/fuzz/corpus/$name" ${seeds[$name]:-} >"$crashes.log" 2>&1; then
        echo "fuzz $name: ok, $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$crashes.log" |
            grep -o '[0-9]*$') runs in ${seconds}s"
    else
        echo "fuzz $name: FAILED; input in $crashes/, log $crashes.log" >&2
        grep -m1 -A12 'ERROR\|runtime error\|==.*deadly' "$crashes.log" >&2
        status=1
    fi
done
exit $status
