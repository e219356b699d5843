#!/usr/bin/env bash
# sanitize.sh — build attnscope with AddressSanitizer + UndefinedBehaviorSanitizer in
# build-asan/ and run the whole `meson test` suite there, but for `sim`: valgrind cannot run
# an ASan-instrumented binary (the sim suite runs in the normal build). Any ASan, LSan or
# UBSan report aborts the test that hit it, so the run fails. Extra arguments go to
# `meson test`.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

# GCC leaves float-cast-overflow out of "undefined"; it is how a huge size would wrap.
if [ ! -f build-asan/build.ninja ]; then
    meson setup build-asan -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false \
        "-Dc_args=['-fno-sanitize-recover=all','-fsanitize=float-cast-overflow']" \
        >/dev/null || exit 1
fi
ninja -C build-asan >/dev/null || exit 1

export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:print_stacktrace=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=suppressions=$PWD/scripts/lsan.supp:print_suppressions=0
# Sanitized code runs several times slower: stretch meson's per-test timeouts.
meson test -C build-asan --print-errorlogs --num-processes 2 --timeout-multiplier 4 \
    --no-suite sim --no-suite python "$@"
