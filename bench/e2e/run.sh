#!/bin/sh
# run.sh BUILD [REPLICATE] — bench/e2e: the seed's workloads on dsk (a
# scheduler and 2 single-thread workers on loopback, fresh for each
# workload so each worker's peak RSS is that workload's; the digits search
# and its predict share one, as in bench_dask.py) and on
# scikit-learn + dask.distributed (bench_dask.py: 2 single-thread worker
# processes), in one run on this machine; prints wall times, ratios
# against the targets, whether the answers agree, and the workers' peak
# memory. The 20-category grid also runs on 4 workers (more than this
# machine's cores: its time says nothing) and must give the 2-worker run's
# scores exactly. The no-op tasks run on 1, 2 and 8 workers of one thread
# on each side, a fresh cluster each: N tasks at once with every result
# back (throughput), then M one at a time (the round trip of one task).
#
# dsk's time is the client's "job" time: from submitting (sending the data)
# to the last result back, as bench_dask.py times scattering + fit; loading
# the data and starting the cluster are left out on both sides.
#
# compare.py prints the tables and fails (exit 1, after everything is
# printed, the failing rows listed) when a score is outside its tolerance
# (the 20-category grid 0.01, every other search identical), an answer
# differs, a result is missing, or a ratio is under its target.
# BENCH_E2E_OUT=DIR keeps every output there (python3 bench/e2e/compare.py
# DIR prints the tables again); BENCH_NOOP_TASKS (20000) and
# BENCH_NOOP_LATENCY (500) set N and M.
set -eu
build=${1:-build}
replicate=${2:-1000}
noop_tasks=${BENCH_NOOP_TASKS:-20000}
noop_latency=${BENCH_NOOP_LATENCY:-500}
noop_workers="1 2 8"
noop_list=$(echo $noop_workers | tr ' ' ,)
data=${DSK_DATA_HOME:-../shared/data}
export DSK_DATA_HOME="$data"
if [ -n "${BENCH_E2E_OUT:-}" ]; then
    out=$BENCH_E2E_OUT
    mkdir -p "$out"
    rm -f "$out/dsk_failed"
    keep=1
else
    out=$(mktemp -d)
    keep=0
fi
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    [ "$keep" = 1 ] || rm -rf "$out"
}
trap cleanup EXIT INT TERM

port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# failed WHAT STATUS: a dsk step that failed, for compare.py to report
failed() {
    echo "bench/e2e: dsk's $1 exited $2" >&2
    echo "$1 exited $2" >> "$out/dsk_failed"
}

# start [N]: a fresh scheduler and N workers (2); sets $ep and $wpids
start() {
    nw=${1:-2}
    ep="tcp://127.0.0.1:$(port)"
    "$build/dskd-scheduler" --config /dev/null --insecure --listen "$ep" --log-level warn 2>>"$out/daemons.log" &
    pids="$pids $!"
    wpids=""
    for i in $(seq "$nw"); do
        OPENBLAS_NUM_THREADS=1 "$build/dskd-worker" --config /dev/null --insecure --scheduler "$ep" \
            --nthreads 1 --name "w$i" --log-level warn 2>>"$out/daemons.log" &
        wpids="$wpids $!"
        pids="$pids $!"
    done
    for _ in $(seq 100); do
        n=$("$build/dsk-submit" --scheduler "$ep" status --json 2>/dev/null |
            /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["workers"]))' \
            2>/dev/null || echo 0)
        [ "$n" = "$nw" ] && return 0
        sleep 0.1
    done
    echo "bench/e2e: the dsk cluster did not start" >&2
    exit 1
}

# stop: the workers' peak RSS (VmHWM, bytes, the larger) into $1, then SIGTERM all
stop() {
    peak=0
    for p in $wpids; do
        kb=$(awk '/VmHWM/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
        [ "$kb" -gt "$peak" ] && peak=$kb
    done
    echo $((peak * 1024)) > "$1"
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    pids=""
}

echo "bench/e2e: dsk (2 workers x 1 thread) vs scikit-learn + dask.distributed (2 x 1); data in $data"
# the text jobs with SGDClassifier(random_state=0) on both sides, so that each
# candidate's score is compared with the same draw's (two-class SGD is
# bit-exact with scikit-learn's; 20 classes take dsk's joint pass)
for w in seed_grid news20_grid16; do
    /usr/bin/python3 -c 'import json, sys
j = json.load(open(sys.argv[1])); j["pipeline"][2][2]["random_state"] = 0
json.dump(j, open(sys.argv[2], "w"))' "examples/$w.json" "$out/$w.job.json"
    start
    "$build/dsk-submit" --scheduler "$ep" search "$out/$w.job.json" --out "$out/$w.json" \
        --quiet || failed "search $w" $?
    stop "$out/$w.rss"
done
# the 20-category grid on 4 workers: the same scores, to the last bit (compare.py)
start 4
"$build/dsk-submit" --scheduler "$ep" search "$out/news20_grid16.job.json" \
    --out "$out/news20_grid16_4w.json" --quiet || failed "search news20_grid16 on 4 workers" $?
stop "$out/news20_grid16_4w.rss"
# the ParallelPostFit workflow on one cluster, as bench_dask.py runs it: the
# search with refit, then its model predicting the digits x REPLICATE
printf '{"loader": "digits", "repeat": %s}\n' "$replicate" > "$out/digits.json"
start
"$build/dsk-submit" --scheduler "$ep" search examples/digits_svc.json --out "$out/digits_svc.json" \
    --model-out "$out/svc.dskm" --quiet || failed "search digits_svc" $?
"$build/dsk-submit" --scheduler "$ep" predict --model "$out/svc.dskm" --input "$out/digits.json" \
    --out "$out/pred.npy" --chunk-rows 10000 2>"$out/predict.err" || failed predict $?
stop "$out/digits_svc.rss"
cp "$out/digits_svc.rss" "$out/predict.rss"
# the no-op tasks on 1, 2 and 8 workers: N at once (every result back), then M
# one at a time, after a warm-up of 100 and 10 (as bench_dask.py warms up)
for nw in $noop_workers; do
    start "$nw"
    { "$build/dsk-submit" --scheduler "$ep" noop 100 >/dev/null &&
        "$build/dsk-submit" --scheduler "$ep" noop 10 --one-at-a-time >/dev/null; } ||
        failed "noop warm-up on $nw workers" $?
    "$build/dsk-submit" --scheduler "$ep" noop "$noop_tasks" --json > "$out/noop_w$nw.json" ||
        failed "noop $noop_tasks on $nw workers" $?
    "$build/dsk-submit" --scheduler "$ep" noop "$noop_latency" --one-at-a-time --json \
        > "$out/noop_lat_w$nw.json" || failed "noop $noop_latency --one-at-a-time on $nw workers" $?
    stop "$out/noop_w$nw.rss"
done

OMP_NUM_THREADS=1 /usr/bin/python3 bench/e2e/bench_dask.py --data-home "$data" \
    --replicate "$replicate" --sgd-random-state 0 --noop-tasks "$noop_tasks" \
    --noop-latency "$noop_latency" --noop-workers "$noop_list" > "$out/ref.jsonl" ||
    echo "bench/e2e: bench_dask.py exited $?" >&2

/usr/bin/python3 bench/e2e/compare.py "$out" --noop-workers "$noop_list"
