# expect.sh — the CLI test scripts' shared checks; source it after setting BIN.
# Defines ok, bad, check, expect_ok and expect_error, counting into $pass and $fail; $out and
# $err hold the last run's stdout and stderr; $scratch is an empty folder, removed at exit.
pass=0
fail=0
out=$(mktemp) err=$(mktemp) scratch=$(mktemp -d)
trap 'rm -rf "$out" "$err" "$scratch"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; echo "  stdout: $(head -c 400 "$out")"; echo "  stderr: $(head -c 400 "$err")"; }
# check NAME STATUS : counts a condition's exit status (0: it holds)
check() { if [ "$2" -eq 0 ]; then ok; else fail=$((fail + 1)); echo "FAIL: $1"; fi; }

# expect_ok NAME NEEDLE ARGS... : exit 0 and NEEDLE on stdout
expect_ok() {
    local name=$1 needle=$2
    shift 2
    "$BIN" "$@" >"$out" 2>"$err"
    local rc=$?
    if [ $rc -eq 0 ] && { [ -z "$needle" ] || grep -qF -- "$needle" "$out"; }; then ok; else bad "$name (rc=$rc, wanted '$needle')"; fi
}

# expect_error NAME NEEDLE ARGS... : exit 2, exactly one line on stderr containing NEEDLE, no stdout
expect_error() {
    local name=$1 needle=$2
    shift 2
    "$BIN" "$@" >"$out" 2>"$err"
    local rc=$?
    local lines
    lines=$(wc -l <"$err")
    if [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && grep -qF -- "$needle" "$err" && [ ! -s "$out" ]; then
        ok
    else
        bad "$name (rc=$rc, $lines stderr lines, wanted '$needle')"
    fi
}

