#!/bin/sh
# run.sh BUILD [GRID [RATES]] — bench/netns: the same searches on loopback and over
# links of a given speed. A scheduler and 2 single-thread workers in three
# network namespaces on a bridge (tests/netns/lib.sh: set up with
# docs/deploy.md's commands, CURVE on), each link shaped in both directions
# with `tc qdisc add dev LINK root tbf rate RATE burst 256kb latency 50ms`
# (this kernel has no netem: bandwidth only, no added delay), against the
# same daemons on loopback (127.0.0.1, CURVE on as well, keys from
# dsk-keygen). Each row is a fresh cluster.
#
# Jobs, both with SGDClassifier(random_state=0) so that every row's scores
# can be compared with loopback's: the seed's search (best of 3) and GRID,
#   full    examples/news20_full_grid.json (1,152 candidates x 3 folds;
#           10+ minutes a run on 2 cores)
#   subset  the full grid with vect__max_df 1.0, tfidf__use_idf true and
#           clf__max_iter 10 only (64 candidates x 3 folds; the default)
# RATES (default "none 1gbit 100mbit") are the rows over the
# namespaces: "none" is the bare veth links, anything else a tbf rate;
# RATE/INTERVAL adds `heartbeat-interval INTERVAL` to the head's
# dskd-scheduler.conf (a worker is dead after 3 silent intervals; the
# default is 1s). A row whose job fails says so in the table.
# Prints a table of wall times (from `dsk-submit search` to its result,
# loading the data included), the bytes the head's link carried and how
# many times the scheduler dropped a worker (declared dead: 3 heartbeat
# intervals silent).
# Needs root and iproute2 (tc). Exits 1 when a row's scores differ.
set -eu
build=${1:-build}
grid=${2:-subset}
rates=${3:-none 1gbit 100mbit}
NET_NAME=bench-netns
say() { echo "bench/netns: $*" >&2; }
fail() { say "$*"; exit 1; }
[ "$(id -u)" = 0 ] || { say "skipped: needs root (network namespaces, tc)"; exit 0; }
command -v tc >/dev/null 2>&1 || fail "tc not found (install iproute2: make deps)"

TOP=$(pwd)
. "$TOP/tests/netns/lib.sh"
net_prepare bn
# On failure the daemons' logs are kept (their directory is printed).
s_exit() {
    rc=$?
    if [ $rc != 0 ] && ls "$NET_ROOT"/*/*.log >/dev/null 2>&1; then
        keep=$(mktemp -d "${TMPDIR:-/tmp}/bench-netns-logs.XXXXXX")
        for f in "$NET_ROOT"/*/*.log; do cp "$f" "$keep/$(basename "$(dirname "$f")")-$(basename "$f")"; done
        say "the daemons' logs are in $keep"
    fi
    net_down
    rm -rf "$NET_ROOT"
}
trap s_exit EXIT
trap 'exit 1' INT TERM HUP
make -s install DESTDIR="$DEST" PREFIX=/usr BUILD="$build" >/dev/null

# The two jobs, random_state 0 (and GRID's reduction).
python3 - "$grid" "$NET_ROOT" <<'EOF'
import json, sys
grid, root = sys.argv[1:3]
def rs0(path):
    job = json.load(open(path))
    [clf] = [s for s in job["pipeline"] if s[1] == "SGDClassifier"]
    clf[2]["random_state"] = 0
    return job
json.dump(rs0("examples/seed_grid.json"), open(root + "/seed.json", "w"))
job = rs0("examples/news20_full_grid.json")
if grid == "subset":
    g = job["search"]["param_grid"]
    g["vect__max_df"], g["tfidf__use_idf"], g["clf__max_iter"] = [1.0], [True], [10]
elif grid != "full":
    sys.exit("bench/netns: GRID is full or subset, not %r" % grid)
json.dump(job, open(root + "/grid.json", "w"))
EOF

# s_time OUT CMD... — CMD's wall time in seconds, printed; its output in OUT.log.
s_time() {
    out=$1
    shift
    t0=$(date +%s.%N)
    "$@" >"$out.log" 2>&1 || { cat "$out.log" >&2; fail "failed: $*"; }
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}'
}

# s_same A B — the results' best_score and every test score are equal.
s_same() {
    python3 - "$1" "$2" <<'EOF'
import json, re, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
same = a["best_score"] == b["best_score"] and all(
    a["cv_results"][k] == b["cv_results"][k] for k in a["cv_results"]
    if re.fullmatch(r"(split\d+|mean)_test_score", k))
print("identical" if same else "DIFFER")
EOF
}

# s_best3 NAME CMD... — the best of 3 wall times.
s_best3() {
    name=$1
    shift
    best=""
    for i in 1 2 3; do
        t=$(s_time "$NET_ROOT/$name.$i" "$@")
        best=$(echo "$best $t" | awk '{m = $1; for (i = 2; i <= NF; i++) if ($i < m) m = $i; print m}')
    done
    echo "$best"
}

# s_shape RATE — tbf on both ends of every link ("" for none).
s_shape() {
    [ -n "$1" ] || return 0
    for m in head w1 w2; do
        tc qdisc add dev "$(net_link $m)" root tbf rate "$1" burst 256kb latency 50ms
        tc -n "$(net_ns $m)" qdisc add dev "$(net_peer $m)" root tbf rate "$1" burst 256kb latency 50ms
    done
}

# The bytes the head's link carried to and from the head.
s_head_bytes() {
    ip -n "$(net_ns head)" -s link show "$(net_peer head)" |
        awk '/RX:/ {getline; rx = $1} /TX:/ {getline; tx = $1} END {printf "%.1f MB in, %.1f MB out", rx / 1e6, tx / 1e6}'
}

# The loopback cluster: a scheduler and 2 workers of one thread on
# 127.0.0.1, CURVE on, as the namespaces' (their keys in lo/).
s_loopback() {
    lo="$NET_ROOT/lo"
    mkdir -p "$lo/workers" "$lo/clients"
    for k in scheduler w1 w2 alice; do "$build/dsk-keygen" --dir "$lo" $k >/dev/null; done
    cp "$lo/w1.pub" "$lo/w2.pub" "$lo/workers/"
    cp "$lo/alice.pub" "$lo/clients/"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    lo_addr="tcp://127.0.0.1:$port"
    "$build/dskd-scheduler" --config /dev/null --listen "$lo_addr" --key "$lo/scheduler.key" \
        --worker-keys "$lo/workers" --client-keys "$lo/clients" >>"$lo/daemons.log" 2>&1 &
    NET_PIDS="$NET_PIDS $!"
    for w in w1 w2; do
        "$build/dskd-worker" --config /dev/null --scheduler "$lo_addr" --key "$lo/$w.key" \
            --scheduler-key "$lo/scheduler.pub" --nthreads 1 --name "lo-$w" >>"$lo/daemons.log" 2>&1 &
        NET_PIDS="$NET_PIDS $!"
    done
}
s_lo_client() {
    DSK_KEY="$NET_ROOT/lo/alice.key" DSK_SCHEDULER_KEY="$NET_ROOT/lo/scheduler.pub" \
        "$build/dsk-submit" --scheduler "$lo_addr" "$@"
}

rows=""
say "loopback: a scheduler and 2 workers on 127.0.0.1"
s_loopback
i=0
until [ "$(s_lo_client --timeout 2 --reconnect 0 status --json 2>/dev/null |
          python3 -c 'import json,sys; print(len(json.load(sys.stdin)["workers"]))' 2>/dev/null)" = 2 ]; do
    [ $i -lt 100 ] || fail "the loopback cluster did not come up: $(cat "$NET_ROOT/lo/daemons.log")"
    sleep 0.2
    i=$((i + 1))
done
seed_lo=$(s_best3 seed.lo s_lo_client search "$NET_ROOT/seed.json" --out "$NET_ROOT/seed.lo.json")
grid_lo=$(s_time "$NET_ROOT/grid.lo" s_lo_client search "$NET_ROOT/grid.json" --out "$NET_ROOT/grid.lo.json")
net_down
drops=$(grep -c 'declared dead\|dropped:' "$NET_ROOT/lo/daemons.log" || true)
rows="| loopback (127.0.0.1) | $seed_lo s | $grid_lo s | | $drops | |"
say "$rows"

for row in $rates; do
    rate=${row%/*} hb=""
    [ "$row" = "$rate" ] || hb=${row#*/}
    name=$(echo "$row" | tr / -)
    say "namespaces, links: $rate${hb:+, heartbeat-interval $hb}"
    net_up
    [ "$rate" = none ] || s_shape "$rate"
    [ -z "$hb" ] || echo "heartbeat-interval $hb" >>"$NET_ROOT/head/etc/dsk/dskd-scheduler.conf"
    net_cluster || fail "no cluster (docs/deploy.md's commands)"
    seed=$(s_best3 "seed.$name" net_client search "$NET_ROOT/seed.json" --out "$NET_ROOT/seed.$name.json")
    if gridt=$(s_time "$NET_ROOT/grid.$name" net_client search "$NET_ROOT/grid.json" --out "$NET_ROOT/grid.$name.json"); then
        gridt="$gridt s"
        same="seed $(s_same "$NET_ROOT/seed.lo.json" "$NET_ROOT/seed.$name.json"), grid $(s_same "$NET_ROOT/grid.lo.json" "$NET_ROOT/grid.$name.json")"
    else
        gridt="FAILED: $( (grep -o 'KilledWorker.*' "$NET_ROOT/grid.$name.log" ||
            tail -n 1 "$NET_ROOT/grid.$name.log") | head -1)"
        same="seed $(s_same "$NET_ROOT/seed.lo.json" "$NET_ROOT/seed.$name.json")"
        grep -h 'declared dead' "$NET_ROOT/head/"*.log | head -3 >&2 || true
    fi
    bytes=$(s_head_bytes)
    drops=$(grep -c 'declared dead\|dropped:' "$NET_ROOT/head/dskd-scheduler.log" || true)
    label="namespaces, unshaped veth"
    [ "$rate" = none ] || label="namespaces, tbf $rate"
    [ -z "$hb" ] || label="$label, heartbeat-interval $hb"
    rows="$rows
| $label | $seed s | $gridt | $bytes | $drops | $same |"
    say "| $label | $seed s | $gridt | $bytes | $drops | $same |"
    net_down
done

cand=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["n_candidates"])' "$NET_ROOT/grid.lo.json")
echo "bench/netns: $(date -u '+%Y-%m-%d %H:%M UTC'), grid $grid ($cand candidates x 3 folds), 2 workers of one thread"
echo "| link | seed grid (best of 3) | 20-category grid | head's link carried (whole run) | workers dropped | scores vs loopback |"
echo "|---|---|---|---|---|---|"
echo "$rows"
case $rows in *DIFFER*|*FAILED*) fail "a row failed or its scores differ from loopback's" ;; esac
