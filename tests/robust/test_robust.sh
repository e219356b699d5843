#!/usr/bin/env bash
# test_robust.sh — the `robust` suite: attnscope attacked as a user (or a full disk, a Ctrl-C,
# a second copy of itself) would. One group per run, named by the second argument; each group
# covers one defect of issue 16 and fails on the code before the fix.
# Usage: test_robust.sh PATH/TO/attnscope GROUP
# Exit 0 pass, 1 fail, 77 skip (meson's skip code; the reason is printed).
set -u
BIN=$(realpath "$1")
GROUP=$2
work=$(mktemp -d)
mounted=""
cleanup() {
    [ -n "$mounted" ] && umount "$mounted" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
pass=0
fail=0
# check MESSAGE STATUS (take the status into a variable first: a $(...) in MESSAGE resets $?)
check() { if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
finish() {
    echo "$GROUP: $pass passed, $fail failed"
    [ "$fail" -eq 0 ]
    exit $?
}
skip() { echo "SKIP $GROUP: $*"; exit 77; }
# No temporary of any kind (file.tmpXXXXXX, .dir.tmpXXXXXX, results.csv.new) under $1.
no_temporaries() { [ -z "$(find "$1" -name '*.tmp*' -o -name '*.new' -o -name '*.gone' 2>/dev/null)" ]; }
small_bench=(bench --heads 2 --head-dim 8 --repeat 1 --min-time 0)
# ASan reserves terabytes of address space and keeps a quarantine: no ulimit -v, no RSS bound.
sanitized() { ldd "$BIN" 2>/dev/null | grep -q libasan; }
variants() { "$BIN" variants | awk '/^[a-z]/ && $1 != "(head" {print $1}'; }

# The seconds between sending a signal and the process ending (its exit status in $status).
signal_and_time() {
    local pid=$1 sig=$2
    local t0
    t0=$(date +%s.%N)
    kill -"$sig" "$pid"
    wait "$pid"
    status=$?
    elapsed=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
}

case $GROUP in
oversize) # 1: element counts that wrap size_t: one line, exit 2, no crash, nothing allocated
    for v in $(variants); do
        for phase in prefill decode; do
            timeout 60 "$BIN" bench --batch 1048576 --heads 1024 --head-dim 65536 --seq 65536 \
                --variant "$v" --phase "$phase" >out 2>err
            rc=$?
            # a variant with no CPU kernel is skipped (exit 0), never run
            if grep -q 'skipped' err; then check "$v $phase skipped cleanly (rc=$rc)" "$rc"; continue; fi
            [ "$rc" -eq 2 ] && [ "$(wc -l <err)" -eq 1 ] && grep -q 'needs' err
            st=$?
            check "$v $phase: oversize shape refused with one line (rc=$rc: $(head -c 200 err))" $st
        done
    done
    ;;

preflight) # 12: bytes compared with memory before anything is allocated; threads clamped
    if sanitized; then
        echo "ulimit -v check left out: an ASan build cannot start under it"
    else
        (ulimit -v 1500000 && timeout 60 "$BIN" bench --heads 8 --head-dim 128 --seq 524288 \
            --variant flash >out 2>err)
        rc=$?
        [ "$rc" -eq 2 ] && grep -q 'ulimit -v' err && grep -q 'needs' err
        st=$?
        check "2.1 GB run under ulimit -v 1.5 GB refused before allocating (rc=$rc: $(head -c 300 err))" $st
    fi
    timeout 60 "$BIN" bench --batch 4096 --heads 64 --head-dim 128 --seq 65536 --variant flash \
        >out 2>err
    rc=$?
    [ "$rc" -eq 2 ] && grep -q 'MemAvailable' err
    st=$?
    check "a run larger than the machine's memory refused (rc=$rc: $(head -c 300 err))" $st
    cores=$(nproc)
    "$BIN" "${small_bench[@]}" --seq 16 --variant flash --threads 1000 --out t.csv >out 2>err
    rc=$?
    threads=$(python3 -c 'import csv,sys; print(next(csv.DictReader(open("t.csv")))["threads"])')
    [ "$rc" -eq 0 ] && [ "$threads" = "$cores" ] && grep -q "using $cores" err
    st=$?
    check "--threads 1000 clamped to the $cores cores (rc=$rc, row says $threads)" $st
    ;;

fulldisk) # 2 and 10: a full disk is an error, never a truncated success
    mkdir mnt
    if ! mount -t tmpfs -o size=256k tmpfs mnt 2>mount.err; then
        skip "cannot mount a tmpfs here ($(head -c 200 mount.err)); needs root or CAP_SYS_ADMIN"
    fi
    mounted=$work/mnt
    "$BIN" "${small_bench[@]}" --seq 16 --variant flash --out mnt/r.csv >/dev/null 2>&1
    cp mnt/r.csv r.before
    # 8 KiB left: room to start a chart, not to finish it (a truncated file is the danger)
    avail=$(df -k --output=avail mnt | tail -1)
    dd if=/dev/zero of=mnt/fill bs=1k count=$((avail - 8)) >/dev/null 2>&1
    for ext in png svg pdf; do
        "$BIN" plot kv gpt2 --out "mnt/k.$ext" >out 2>err
        rc=$?
        [ "$rc" -ne 0 ] && [ ! -e "mnt/k.$ext" ] && grep -q "k.$ext" err
        st=$?
        check "plot .$ext on a full disk fails and leaves no file (rc=$rc: $(head -c 200 err))" $st
    done
    dd if=/dev/zero of=mnt/fill2 bs=4k >/dev/null 2>&1 # now until the disk is full
    "$BIN" report gpt2 --out mnt/rep --no-measure >out 2>err
    rc=$?
    [ "$rc" -ne 0 ] && [ ! -e mnt/rep ] && grep -q 'not written' err
    st=$?
    check "report on a full disk fails and leaves no folder (rc=$rc: $(head -c 200 err))" $st
    "$BIN" "${small_bench[@]}" --seq 32 --variant flash --out mnt/r.csv >out 2>err
    rc=$?
    [ "$rc" -ne 0 ] && cmp -s r.before mnt/r.csv
    st=$?
    check "bench append on a full disk fails and keeps the file as it was (rc=$rc)" $st
    "$BIN" kv llama-3-8b --per-layer --format json >mnt/out.json 2>err
    rc=$?
    [ "$rc" -ne 0 ] && grep -q 'cannot write the output' err
    st=$?
    check "kv --format json onto a full disk is an error (rc=$rc)" $st
    no_temporaries mnt
    st=$?
    check "no temporaries left on the full disk: $(ls -A mnt | tr '\n' ' ')" $st
    ;;

report_folder) # 3: a user's folder is never overwritten; a report folder is replaced whole
    mkdir user
    echo "my own bench rows" >user/results.csv
    echo "<p>mine</p>" >user/index.html
    "$BIN" report gpt2 --out user --no-measure >out 2>err
    rc=$?
    [ "$rc" -eq 2 ] && grep -q 'refusing' err && [ "$(cat user/results.csv)" = "my own bench rows" ] &&
        [ "$(cat user/index.html)" = "<p>mine</p>" ] && [ "$(ls -A user | wc -l)" -eq 2 ]
    st=$?
    check "non-empty non-report folder refused, its files untouched (rc=$rc)" $st
    no_temporaries .
    st=$?
    check "no temporary sibling after the refusal" $st
    "$BIN" report gpt2 --out rep --no-measure >out 2>err
    st=$?
    check "report into a new folder (rc=$st)" $st
    [ -f rep/.attnscope-report ] && [ -s rep/index.html ] && [ -s rep/report.md ]
    st=$?
    check "the report folder carries the marker" $st
    before=$(md5sum rep/index.html)
    ATTNSCOPE_GNUPLOT=false "$BIN" report llama-3-8b --out rep --no-measure >out 2>err
    rc=$?
    [ "$rc" -ne 0 ] && [ "$(md5sum rep/index.html)" = "$before" ] && grep -q 'intact' err
    st=$?
    check "a report that fails half-way keeps the previous one (rc=$rc)" $st
    "$BIN" report llama-3-8b --out rep --no-measure >out 2>err
    st=$?
    check "a marked report folder is replaced (rc=$st)" $st
    grep -q 'llama-3-8b' rep/report.md && ! grep -q 'gpt2' rep/report.md && [ -f rep/.attnscope-report ]
    st=$?
    check "the replaced folder holds only the new report" $st
    mkdir empty
    "$BIN" report gpt2 --out empty --no-measure >out 2>err
    st=$?
    check "an empty folder is accepted (rc=$st)" $st
    "$BIN" report no-such-model --out fresh --no-measure >out 2>err
    rc=$?
    [ "$rc" -eq 2 ] && [ ! -e fresh ]
    st=$?
    check "a bad model leaves no --out folder behind (rc=$rc)" $st
    no_temporaries .
    st=$?
    check "no temporaries left" $st
    ;;

report_signals) # 4: SIGINT and SIGTERM at several points of a report
    "$BIN" report gpt2 --out rep --no-measure >/dev/null 2>&1
    before=$(md5sum rep/index.html)
    for point in 0.2 1 3 6; do
        for sig in INT TERM; do
            "$BIN" report llama-3-8b --out rep --quick >out 2>err &
            pid=$!
            sleep "$point"
            signal_and_time "$pid" "$sig"
            want=$([ "$sig" = INT ] && echo 130 || echo 143)
            [ "$status" = "$want" ] && grep -q "interrupted (SIG$sig)" err &&
                grep -q 'was not written' err
            st=$?
            check "report SIG$sig after ${point}s: exit $want with what was not done (status $status: $(head -c 200 err))" $st
            awk -v e="$elapsed" 'BEGIN { exit !(e < 1.5) }'
            st=$?
            check "report SIG$sig after ${point}s honoured within a second (took ${elapsed}s)" $st
            [ "$(md5sum rep/index.html)" = "$before" ] && [ -f rep/.attnscope-report ]
            st=$?
            check "report SIG$sig after ${point}s: the previous report is intact" $st
            no_temporaries .
            st=$?
            check "report SIG$sig after ${point}s: no temporaries ($(find . -name '*.tmp*' | head -3))" $st
        done
    done
    ;;

bench_signals) # 7: signals in bench, inside a long kernel call too
    for sig in INT TERM; do
        for point in 0.5 2; do # seconds after the first row is written
            rm -f s.csv
            # n = 256 is done at once; one call at n = 8192 is ~1.4e11 FLOPs, seconds long
            "$BIN" bench --heads 8 --head-dim 64 --sweep 256:8192:x32 --variant flash \
                --repeat 1 --min-time 0 --out s.csv >out 2>err &
            pid=$!
            for _ in $(seq 1 600); do
                [ -f s.csv ] && [ "$(wc -l <s.csv)" -ge 2 ] && break
                sleep 0.1
            done
            sleep "$point"
            signal_and_time "$pid" "$sig"
            want=$([ "$sig" = INT ] && echo 130 || echo 143)
            [ "$status" = "$want" ] && grep -q 'not run: flash on cpu from n=8192' err
            st=$?
            check "bench SIG$sig after ${point}s: exit $want saying what was not run (status $status: $(head -c 200 err))" $st
            awk -v e="$elapsed" 'BEGIN { exit !(e < 1.5) }'
            st=$?
            check "bench SIG$sig after ${point}s honoured within a second (took ${elapsed}s)" $st
            no_temporaries .
            st=$?
            check "bench SIG$sig after ${point}s: no temporaries ($(ls -A | tr '\n' ' '))" $st
            python3 -c 'import csv; rows = list(csv.DictReader(open("s.csv"))); assert [r["seq"] for r in rows] == ["256"] and rows[0]["note"] is not None'
            st=$?
            check "bench SIG$sig after ${point}s: the row that finished is kept whole" $st
        done
    done
    ;;

concurrent) # 5 and 6: two reports into one folder, three bench appends into one CSV
    for round in 1 2 3; do
        "$BIN" report gpt2 --out rep --no-measure >out1 2>err1 &
        p1=$!
        "$BIN" report llama-3-8b --out rep --no-measure >out2 2>err2 &
        p2=$!
        wait $p1
        r1=$?
        wait $p2
        r2=$?
        [ "$r1" -eq 0 ] && [ "$r2" -eq 0 ]
        st=$?
        check "round $round: both reports succeed one after the other (rc $r1 $r2: $(cat err1 err2 | head -c 200))" $st
        title_md=$(head -1 rep/report.md)
        title_html=$(grep -o '<title>[^<]*' rep/index.html)
        { [[ $title_md == *gpt2* ]] && [[ $title_html == *gpt2* ]]; } ||
            { [[ $title_md == *llama-3-8b* ]] && [[ $title_html == *llama-3-8b* ]]; }
        st=$?
        check "round $round: the folder holds one model's report, not a mix ($title_md / $title_html)" $st
        no_temporaries .
        st=$?
        check "round $round: no temporaries" $st
    done
    for i in 1 2 3; do
        "$BIN" "${small_bench[@]}" --variant flash,standard --sweep 16:256:x2 --out all.csv \
            >"b$i.out" 2>"b$i.err" &
    done
    wait
    printed=$(cat b1.out b2.out b3.out | grep -cE '^(flash|standard) ')
    kept=$(($(wc -l <all.csv) - 1))
    [ "$printed" -eq 30 ] && [ "$kept" -eq "$printed" ]
    st=$?
    check "three concurrent appends keep every row ($printed printed, $kept kept)" $st
    touch real.csv
    chmod 600 real.csv
    ln -s real.csv link.csv
    "$BIN" "${small_bench[@]}" --seq 16 --variant flash --out link.csv >/dev/null 2>&1
    [ -L link.csv ] && [ "$(stat -c %a real.csv)" = 600 ] && [ "$(wc -l <real.csv)" -eq 2 ]
    st=$?
    check "an append through a symlink keeps the link and the file's mode 0600" $st
    ;;

claims) # 8, 9 and the claims items: no infinite HOLDS, no dropped JSON row, bad rows UNCHECKABLE
    header=id,text,source,metric,model,settings,claimed,tolerance
    {
        echo "$header"
        echo "inf-value,x,y,kv_bytes,llama-3-70b,batch=8;context=1000,1e4925 TiB,"
        echo "inf-tolerance,x,y,kv_bytes,llama-3-70b,batch=8;context=1000,21 GB,1e999%"
        echo "inf-abs-tolerance,x,y,kv_bytes,llama-3-70b,batch=8;context=1000,21 GB,1e4925 TiB"
        echo "good,x,y,kv_bytes,llama-3-70b,batch=8;context=1000;kv_dtype=fp16,2.62144 GB,"
    } >inf.csv
    "$BIN" check inf.csv --format json >out 2>err
    rc=$?
    python3 - out <<'PY'
import json, sys
rows = {r["id"]: r["verdict"] for r in json.load(open(sys.argv[1]))}
assert rows == {"inf-value": "UNCHECKABLE", "inf-tolerance": "UNCHECKABLE",
                "inf-abs-tolerance": "UNCHECKABLE", "good": "HOLDS"}, rows
PY
    st=$?
    check "infinite values and tolerances are UNCHECKABLE, never HOLDS (rc=$rc)" $st
    [ "$rc" -eq 2 ]
    st=$?
    check "a file with uncheckable rows exits 2 (rc=$rc)" $st
    long=$(python3 -c 'print("é" * 200)')
    {
        echo "$header"
        printf '\xff\xfe-not-utf8,x,y,kv_bytes,llama-3-70b,batch=8;context=1000,2.62144 GB,\n'
        echo "id-$(python3 -c 'print("é" * 40)'),$long,$long,kv_bytes,llama-3-70b,batch=8;context=1000,2.62144 GB,"
        echo "short,only three"
        echo "batch-zero,x,y,kv_bytes,llama-3-70b,batch=0;context=1000,2.62144 GB,"
        echo "last,x,y,kv_bytes,llama-3-70b,batch=8;context=1000;kv_dtype=fp16,2.62144 GB,"
    } >utf8.csv
    "$BIN" check utf8.csv --format json >out 2>err
    rc=$?
    python3 - out <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 5, len(rows)
assert rows[0]["id"].endswith("-not-utf8"), rows[0]["id"]
assert rows[1]["text"].endswith("é") and rows[1]["id"].startswith("id-é"), rows[1]
verdicts = [r["verdict"] for r in rows]
assert verdicts[2:] == ["UNCHECKABLE", "UNCHECKABLE", "HOLDS"], verdicts
assert "2 fields" in rows[2]["explanation"], rows[2]
PY
    st=$?
    check "JSON keeps every row: invalid UTF-8, text cut at a character, a short row (rc=$rc)" $st
    printf '\xef\xbb\xbf' >bom.csv
    echo "$header" >>bom.csv
    echo "bom,x,y,kv_bytes,llama-3-70b,batch=8;context=1000;kv_dtype=fp16,2.62144 GB," >>bom.csv
    "$BIN" check bom.csv >out 2>err
    st=$?
    check "a claims CSV with a UTF-8 BOM (as Excel writes) is read (rc=$st)" $st
    {
        echo "$header"
        printf 'pipe|and\x1b[31mesc,"two\nlines",y,kv_bytes,llama-3-70b,batch=8;context=1000;kv_dtype=fp16,2.62144 GB,\n'
    } >esc.csv
    "$BIN" check esc.csv --format md >out 2>err
    ! grep -q $'\x1b' out && grep -qF 'pipe\|and\x1b' out && [ "$(grep -c '^|' out)" -eq 3 ]
    st=$?
    check "| and ESC from a claims file are escaped in Markdown" $st
    "$BIN" check esc.csv >out 2>err
    ! grep -q $'\x1b' out
    st=$?
    check "ESC from a claims file is escaped in the table" $st
    ;;

devfull) # 10: every command's output into /dev/full is an error
    [ -w /dev/full ] || skip "no /dev/full on this system"
    "$BIN" report gpt2 --out rep --no-measure >/dev/null 2>&1
    i=0
    while IFS= read -r line; do
        i=$((i + 1))
        read -ra args <<<"$line"
        "$BIN" "${args[@]}" >/dev/full 2>err
        rc=$?
        [ "$rc" -ne 0 ] && grep -q 'cannot write' err
        st=$?
        check "attnscope $line > /dev/full is an error (rc=$rc: $(head -c 200 err))" $st
    done <<EOF
kv gpt2
kv gpt2 --format json
kv gpt2 --format csv
kv llama-3-8b --per-layer --format json
cost gpt2 --seq 1024
cost gpt2 --seq 1024 --format csv
cost gpt2 --seq 1024 --format json
check $ATTNSCOPE_DATA_DIR/../claims/published.csv
bench --heads 2 --head-dim 8 --repeat 1 --min-time 0 --seq 16 --variant flash
models
variants
devices
backends
report gpt2 --out rep --no-measure
plot --help
--help
--version
kv --help
EOF
    ;;

causal_bound) # 11: the causal tile count has a closed form, so any n answers quickly
    # (analyzer/cost_tiles.c counts causal tiles in closed form, not one by one)
    timeout 10 "$BIN" cost gpt2 --variant flash --causal --seq 1099511627776 --sram 1B >out 2>err
    rc=$?
    [ "$rc" -eq 0 ]
    st=$?
    check "causal cost at n = 2^40 with a 1-byte SRAM answers within 10 s (rc=$rc)" $st
    echo "id,text,source,metric,model,settings,claimed,tolerance" >bound.csv
    echo "huge,x,y,hbm_bytes,gpt2,seq=9e15;causal=true;sram=1B;variant=flash,1 TB," >>bound.csv
    timeout 10 "$BIN" check bound.csv >out 2>err
    rc=$?
    [ "$rc" -ne 124 ]
    st=$?
    check "a claims row at seq = 9e15 answers within 10 s (rc=$rc)" $st
    ;;

minor) # the smaller items of issue 16
    mkfifo fifo.json fifo.csv
    timeout 10 "$BIN" kv ./fifo.json >out 2>err
    rc=$?
    [ "$rc" -eq 2 ] && grep -q 'FIFO' err
    st=$?
    check "a FIFO as config is refused at once (rc=$rc)" $st
    timeout 10 "$BIN" check fifo.csv >out 2>err
    rc=$?
    [ "$rc" -eq 2 ] && grep -q 'FIFO' err
    st=$?
    check "a FIFO as claims file is refused at once (rc=$rc)" $st
    timeout 10 "$BIN" "${small_bench[@]}" --seq 16 --variant flash --out fifo.csv >out 2>err
    rc=$?
    [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ -p fifo.csv ]
    st=$?
    check "a FIFO as bench --out is refused at once (rc=$rc)" $st
    ln -s loop1 loop2
    ln -s loop2 loop1
    "$BIN" kv ./loop1 >out 2>err
    grep -q 'symbolic links' err
    st=$?
    check "a symlink loop says so, not 'no such file': $(cat err)" $st
    printf '\xef\xbb\xbf' >bom.json
    cat "$ATTNSCOPE_TEST_DATA/hf_dir/config.json" >>bom.json
    "$BIN" kv ./bom.json --format json >out 2>err
    st=$?
    check "config.json with a UTF-8 BOM is read (rc=$st)" $st
    "$BIN" kv gpt2 --context 0 >out 2>err
    st=$?
    check "--context 0 is refused, not 'max batch 9,223,...' (rc=$st)" $(($st != 2))
    "$BIN" kv gpt2 --mem 18000000000000000000B >out 2>err
    ! grep -q unbounded out
    st=$?
    check "a huge --mem does not call a growing cache unbounded" $st
    "$BIN" "${small_bench[@]}" --seq 0 --variant flash >out 2>err
    st=$?
    check "bench --seq 0 exits 2" $(($st != 2))
    "$BIN" "${small_bench[@]}" --seq 16 --variant no-such >out 2>err
    st=$?
    check "bench with an unknown variant exits 2" $(($st != 2))
    "$BIN" "${small_bench[@]}" --seq 16 --variant "$(echo flash{,,,,,,,,,,,,,,,,} | tr ' ' ,)" >out 2>err
    st=$?
    check "more than 16 variants is an error, not a silent cut" $(($st != 2))
    if ! "$BIN" backends 2>/dev/null | grep -q '^cuda *yes'; then
        "$BIN" "${small_bench[@]}" --seq 16 --variant flash --backend cuda >out 2>err
        st=$?
        check "--backend cuda without a driver is not a silent success" $(($st == 0))
    fi
    mkdir "tab	dir"
    "$BIN" plot kv gpt2 --out "tab	dir/k.png" >out 2>err
    rc=$?
    [ "$rc" -eq 0 ] && [ -s "tab	dir/k.png" ]
    st=$?
    check "a tab in the --out path (rc=$rc: $(head -c 200 err))" $st
    sed 's/"num_hidden_layers"/"text_config": 5, "num_hidden_layers"/' \
        "$ATTNSCOPE_TEST_DATA/hf_dir/config.json" >text_config.json
    "$BIN" kv ./text_config.json >out 2>err
    st=$?
    check "a text_config that is not an object is an error" $(($st != 2))
    sed 's/"num_hidden_layers"/"quantization_config": "fp8", "num_hidden_layers"/' \
        "$ATTNSCOPE_TEST_DATA/hf_dir/config.json" >quant.json
    "$BIN" kv ./quant.json >out 2>err
    st=$?
    check "a quantization_config that is not an object is an error" $(($st != 2))
    cp "$ATTNSCOPE_TEST_DATA/hf_dir/config.json" "=HYPERLINK.json"
    "$BIN" kv "=HYPERLINK.json" --format csv >out 2>err
    tail -1 out | grep -q "^'=HYPERLINK"
    st=$?
    check "a model name starting with = is not a spreadsheet formula: $(tail -1 out | head -c 40)" $st
    python3 - >many.csv <<'PY'
print("id,text,source,metric,model,settings,claimed,tolerance")
for i in range(200000):
    print(f"c{i},x,y,kv_bytes,llama-3-70b,batch=8;context=1000;kv_dtype=fp16,2.62144 GB,")
PY
    /usr/bin/env time -f '%M' -o rss "$BIN" check many.csv --format json >/dev/null 2>err ||
        python3 -c 'import resource,subprocess,sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' \
            "$BIN" check many.csv --format json >rss
    kib=$(tail -1 rss)
    [ "$kib" -lt 100000 ] || sanitized
    st=$?
    check "200,000 claims rows checked in flat memory (${kib} KiB peak)" $st
    ;;

*)
    echo "unknown group $GROUP"
    exit 1
    ;;
esac
finish
