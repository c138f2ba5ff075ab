#!/bin/sh
# demo.sh BUILD — a local dsk cluster: one scheduler and two workers on
# loopback, the cluster's status, then a clean shutdown.
set -eu
build=${1:-build}
port=$((20000 + $$ % 20000))
ep="tcp://127.0.0.1:$port"
logs=$(mktemp -d /tmp/dsk-demo-XXXXXX)
pids=""
cleanup() {
    [ -n "$pids" ] && kill -TERM $pids 2>/dev/null || true
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

echo "== starting dskd-scheduler on $ep and 2 dskd-workers (logs in $logs)"
"$build/dskd-scheduler" --listen "$ep" 2>"$logs/scheduler.log" &
pids="$!"
for i in 1 2; do
    "$build/dskd-worker" --scheduler "$ep" --name "demo-worker-$i" --nthreads 1 \
        --memory-limit 2GB 2>"$logs/worker-$i.log" &
    pids="$pids $!"
done

tries=0
until [ "$("$build/dsk-submit" --scheduler "$ep" --timeout 1 status --json 2>/dev/null |
          grep -c '"name"')" = 2 ]; do
    tries=$((tries + 1))
    if [ $tries -gt 50 ]; then
        echo "demo: the workers did not register; logs:" >&2
        cat "$logs"/*.log >&2
        exit 1
    fi
    sleep 0.1
done

echo "== dsk-submit status"
"$build/dsk-submit" --scheduler "$ep" status
echo
echo "== dsk-submit status --json"
"$build/dsk-submit" --scheduler "$ep" status --json
echo
echo "== stopping the cluster (SIGTERM)"
cleanup
pids=""
echo "demo: done. The seed's search and the parallel predict join this demo when jobs"
echo "      run through the cluster (see README, Status)."
