#!/usr/bin/env bash
# test_installed.sh BUILD_DIR PROGRAM.c CC SANITIZE — install into a scratch prefix and build
# PROGRAM.c against it with pkg-config alone, as a user (or the Python binding) would.
set -euo pipefail
build=$1 program=$2 cc=$3 sanitize=$4
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --no-rebuild --quiet --destdir "$dest" >/dev/null
pc=$(find "$dest" -name attnscope.pc -print -quit)
[ -n "$pc" ] || { echo "meson install wrote no attnscope.pc under $dest" >&2; exit 1; }
export PKG_CONFIG_PATH=${pc%/*} PKG_CONFIG_SYSROOT_DIR=$dest
flags=$(pkg-config --cflags --libs attnscope)
echo "pkg-config --cflags --libs attnscope: $flags"
extra=()
[ "$sanitize" = none ] || extra=("-fsanitize=$sanitize")
# shellcheck disable=SC2086 # flags is pkg-config's word list
"$cc" -std=c99 -Wall -Wextra -Werror "${extra[@]}" "$program" $flags -o "$dest/use_library"
libdir=$(pkg-config --libs-only-L attnscope | sed 's/^ *-L//; s/ *$//')
models=$(find "$dest" -type d -path '*/attnscope/models' -print -quit)
[ -f "$models/presets/llama-3-8b.json" ] || { echo "presets not installed under $dest" >&2; exit 1; }
LD_LIBRARY_PATH=$libdir ATTNSCOPE_DATA_DIR=$models "$dest/use_library"
