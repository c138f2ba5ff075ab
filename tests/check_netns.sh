#!/bin/sh
# check_netns.sh BUILD — dsk on three "machines": network namespaces on one
# bridge (tests/netns/lib.sh), set up with docs/deploy.md's own commands,
# CURVE on. The scheduler (10.87.0.1) and two workers (.2, .3) run the
# seed's search, which must give the scores of a run on loopback; then a
# 20-category search (tests/netns/news20_24.json) during which one worker's
# cable is pulled (`ip link set LINK down`): the job still completes with
# the loopback run's scores, and when the cable is back the worker rejoins
# (`dsk-submit status` lists 2 workers again).
#
# Needs root (namespaces, links) and iproute2; skipped, saying so, when not
# root. Everything it makes (namespaces, links, processes, files) goes at
# exit, on failure too.
set -eu
build=${1:-build}
NET_NAME=check-netns
fail() { echo "check-netns: $*" >&2; echo "0 passed, 1 failed"; exit 1; }
say() { echo "check-netns: $*"; }

if [ "$(id -u)" != 0 ]; then
    say "skipped: needs root (network namespaces, veth links, a bridge)"
    exit 0
fi
command -v ip >/dev/null 2>&1 || fail "ip not found (install iproute2: make deps)"
command -v python3 >/dev/null 2>&1 || fail "python3 not found (make deps)"

TOP=$(pwd)
. "$TOP/tests/netns/lib.sh"
net_prepare dn
passed=0
client=""
cleanup() {
    [ -z "$client" ] || kill "$client" 2>/dev/null || true
    net_down
    rm -rf "$NET_ROOT"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# s_same A B WHAT — the two results have the same best_score, best_index
# and every candidate's test scores (each split's and the mean), exactly.
s_same() {
    python3 "$TOP/tests/netns/results.py" same "$1" "$2" "check-netns: $3" "on loopback" ||
        fail "$3: the scores differ from the loopback run's"
    passed=$((passed + 1))
}

# The tasks worker NAME is running (0 when it is not listed).
s_running() {
    net_status --json 2>/dev/null | python3 -c '
import json, sys
w = [w for w in json.load(sys.stdin)["workers"] if w["name"] == sys.argv[1]]
print(w[0]["tasks_running"] if w else 0)' "$1" 2>/dev/null || echo 0
}

make -s install DESTDIR="$DEST" PREFIX=/usr BUILD="$build" >/dev/null
cut_job="$TOP/tests/netns/news20_24.json"
# The seed's search with SGDClassifier(random_state=0): with the seed's
# random_state=None each run draws its own shuffles (as scikit-learn's
# does), and two runs could not be compared score for score.
seed_job="$NET_ROOT/head/home/examples/seed_grid.json"
mkdir -p "$NET_ROOT/head/home/examples"
python3 - examples/seed_grid.json "$seed_job" <<'EOF'
import json, sys
job = json.load(open(sys.argv[1]))
[clf] = [step for step in job["pipeline"] if step[1] == "SGDClassifier"]
clf[2]["random_state"] = 0
json.dump(job, open(sys.argv[2], "w"), indent=1)
EOF

# The loopback answers to compare with.
say "loopback: the seed's search and $(basename "$cut_job") on --local 2"
"$build/dsk-submit" --local 2 search "$seed_job" --out "$NET_ROOT/seed.lo.json" \
    >/dev/null 2>"$NET_ROOT/lo.err" || { cat "$NET_ROOT/lo.err" >&2; fail "the loopback seed run failed"; }
start=$(date +%s)
"$build/dsk-submit" --local 2 search "$cut_job" --out "$NET_ROOT/cut.lo.json" \
    >/dev/null 2>"$NET_ROOT/lo.err" || { cat "$NET_ROOT/lo.err" >&2; fail "the loopback 20-category run failed"; }
lo_secs=$(($(date +%s) - start))

ip netns add "$NET_TAG-probe" 2>/dev/null && ip netns del "$NET_TAG-probe" ||
    fail "root, but cannot make a network namespace (a container without CAP_SYS_ADMIN?)"
net_up
net_cluster || fail "docs/deploy.md's commands did not give a cluster of 2 workers (logs: see above)"
say "scheduler on $(net_addr head), workers w1-1 on $(net_addr w1) and w2-1 on $(net_addr w2), CURVE on"
passed=$((passed + 1))

# The seed's search, as the doc's user runs it.
net_doc head \
    "export DSK_KEY=\$PWD/alice.key DSK_SCHEDULER_KEY=\$PWD/scheduler.pub" \
    "dsk-submit --scheduler tcp://head.example:8786 search examples/seed_grid.json --out seed.json" \
    >"$NET_ROOT/seed.out" 2>&1 || { cat "$NET_ROOT/seed.out" >&2; fail "the seed's search across the namespaces failed"; }
s_same "$NET_ROOT/seed.lo.json" "$NET_ROOT/head/home/seed.json" "the seed's search over the bridge"

# The 20-category search; w2's cable is pulled once w2 is running tasks.
say "$(basename "$cut_job") (${lo_secs} s on loopback), pulling w2's link mid-job"
net_client search "$cut_job" --out "$NET_ROOT/cut.net.json" >"$NET_ROOT/cut.out" 2>&1 &
client=$!
deadline=$(($(date +%s) + 60))
until [ "$(s_running w2-1)" -gt 0 ]; do
    kill -0 $client 2>/dev/null || fail "the job ended before w2 ran a task: $(cat "$NET_ROOT/cut.out")"
    [ "$(date +%s)" -le $deadline ] || fail "w2 ran no task of the 20-category search within 60 s"
    sleep 0.2
done
ip link set "$(net_link w2)" down
say "w2's link down ($(net_link w2)) while it runs $(s_running w2-1) task(s)"
net_wait_workers 1 20 || fail "the scheduler still lists w2 20 s after its link went down"
kill -0 $client 2>/dev/null || fail "the job was over when w2 was dropped; the job is too short for this test"
say "the scheduler dropped w2; its tasks go to w1"
passed=$((passed + 1))
sleep 3
ip link set "$(net_link w2)" up
net_wait_workers 2 60 || fail "w2 did not rejoin within 60 s of its link coming back"
say "w2's link up again: dsk-submit status lists 2 workers"
net_status | sed -n '1p;/^NAME/,$p' | sed 's/^/    /'
passed=$((passed + 1))
wait $client || { cat "$NET_ROOT/cut.out" >&2; fail "the 20-category search failed after the link was cut"; }
s_same "$NET_ROOT/cut.lo.json" "$NET_ROOT/cut.net.json" "$(basename "$cut_job") with w2's link cut"
echo "$passed passed, 0 failed"
