#!/usr/bin/env bash
# test_install.sh — `meson install` into a temporary root puts in place what a user of the
# C program needs, none of it Python: the program and library, the header, the presets, the
# bash and zsh completion and the man page; and each of them works from there.
# Usage: test_install.sh BUILD_DIR
set -u
BUILD=$1
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

if meson install -C "$BUILD" --no-rebuild --quiet --destdir "$root" >"$root.log" 2>&1; then ok; else bad "meson install: $(tail -3 "$root.log")"; fi
rm -f "$root.log"
prefix=$(meson introspect "$BUILD" --buildoptions | python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
inst=$root$prefix
bin=$inst/bin/attnscope
libdir=$(dirname "$(find "$inst" -name 'libattnscope.so*' -print -quit)")

[ -x "$bin" ] && ok || bad "bin/attnscope installed"
[ -f "$inst/include/attnscope.h" ] && ok || bad "attnscope.h installed"
[ -f "$inst/share/attnscope/models/presets/llama-3-8b.json" ] && ok || bad "presets installed"

# The installed program answers from the installed presets, with no Python anywhere.
if LD_LIBRARY_PATH=$libdir ATTNSCOPE_DATA_DIR=$inst/share/attnscope/models \
   PATH=/nonexistent "$bin" kv llama-3-8b --context 8192 --format json | grep -q '"bytes_per_token": 131072'; then ok; else bad "installed program runs"; fi

# bash completion: sourced, it completes sub-commands, flags from the parser's table, values.
comp=$inst/share/bash-completion/completions/attnscope
complete_words() { bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _attnscope; echo "${COMPREPLY[*]}"' _ "$comp" "$@"; }
[ -f "$comp" ] && bash -n "$comp" && ok || bad "bash completion installed and valid"
[ "$(complete_words attnscope co)" = "cost completion" ] && ok || bad "bash: sub-commands ($(complete_words attnscope co))"
[ "$(complete_words attnscope kv --kv-d)" = "--kv-dtype" ] && ok || bad "bash: kv flags"
[ "$(complete_words attnscope kv --kv-dtype b)" = "bf16" ] && ok || bad "bash: dtype values"
[ "$(complete_words attnscope cost --device h1)" = "h100-pcie h100-sxm" ] && ok || bad "bash: device presets"
[ "$(complete_words attnscope report --qu)" = "--quick" ] && ok || bad "bash: report flags"
case " $(complete_words attnscope kv llama-3) " in *" llama-3-8b "*) ok ;; *) bad "bash: model presets" ;; esac
# Every long option of kv's parser is offered (the table, not a copy of it).
offered=" $(complete_words attnscope kv --) " missing=
for flag in $("$BUILD/attnscope" kv --help | grep -o -- '--[a-z-]*' | sort -u); do
    case $offered in *" $flag "*) ;; *) missing="$missing $flag" ;; esac
done
[ -z "$missing" ] && ok || bad "bash: kv flags not offered:$missing"

# zsh completion: a #compdef file naming every command with its flags.
zcomp=$inst/share/zsh/site-functions/_attnscope
if [ -f "$zcomp" ] && head -1 "$zcomp" | grep -qx '#compdef attnscope' && grep -q "'--kv-dtype:kv-dtype:(fp32 fp16 bf16 fp8 int8 int4 fp8-e5m2)'" "$zcomp" \
   && grep -q "^    report) _arguments -s '--out:out:_files' '--quick'" "$zcomp"; then ok; else bad "zsh completion"; fi
if command -v zsh >/dev/null; then zsh -n "$zcomp" && ok || bad "zsh -n"; fi

# man page: renders without a groff warning and carries every command's usage.
man1=$inst/share/man/man1/attnscope.1
if [ -f "$man1" ] && [ -z "$(groff -man -Tutf8 -ww -z "$man1" 2>&1)" ]; then ok; else bad "man page renders cleanly"; fi
text=$(groff -man -Tascii -P-cbou "$man1" 2>/dev/null) missing=
for cmd in kv cost bench plot check report models devices backends variants completion manpage; do
    grep -q "usage: attnscope $cmd" <<<"$text" || missing="$missing $cmd"
done
[ -z "$missing" ] && ok || bad "man page lacks:$missing"
grep -q -- "--kv-dtype D" <<<"$text" && grep -q "HF_HUB_CACHE" <<<"$text" && ok || bad "man page content"

# pkg-config: checked when the build installs one (the library's pkg-config file).
pc=$(find "$inst" -name attnscope.pc -print -quit)
if [ -n "$pc" ]; then
    PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --exists attnscope && ok || bad "pkg-config attnscope"
else
    echo "note: no attnscope.pc installed by this build"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
