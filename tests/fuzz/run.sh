#!/bin/sh
# run.sh BUILD SECONDS — every fuzz target (BUILD/fuzz/fuzz_*) for SECONDS from its seed
# corpus (tests/fuzz/corpus/NAME/, copied into BUILD/fuzz/corpus-NAME/ where new inputs
# gather), two at a time. A crash, a leak, a time-out (10 s an input) or an input using
# over 1 GB fails; the reproducer is left in BUILD/fuzz/ and named. Each target's last
# line of statistics is printed.
set -eu
build=${1:-build}
seconds=${2:-60}
here=$(dirname "$0")
fail=0
run_one() {
    name=$1
    corpus="$build/fuzz/corpus-$name"
    mkdir -p "$corpus"
    cp "$here/corpus/$name"/* "$corpus/" 2>/dev/null || true
    log="$build/fuzz/$name.log"
    if "$build/fuzz/$name" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
        -rss_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$build/fuzz/$name-" \
        "$corpus" >"$log" 2>&1; then
        echo "fuzz: $name: $(awk '/^stat::number_of_executed_units/ {print $2}' "$log") inputs in ${seconds} s, no crash, no leak"
    else
        echo "fuzz: $name FAILED; the input: $(ls "$build/fuzz/$name-"* 2>/dev/null | head -1); the end of its log:"
        tail -30 "$log"
        return 1
    fi
}
set -- $(ls "$build"/fuzz/fuzz_* | grep -v '\.' | xargs -n1 basename)
while [ $# -gt 0 ]; do
    run_one "$1" & a=$!
    b=""
    if [ $# -gt 1 ]; then run_one "$2" & b=$!; fi
    wait $a || fail=1
    [ -z "$b" ] || wait $b || fail=1
    shift; [ $# -gt 0 ] && shift
done
exit $fail
