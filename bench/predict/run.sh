#!/bin/sh
# run.sh BUILD — bench/predict: ParallelPostFit out of core. An .npy of
# BENCH_BIG_ROWS rows (20,000,000 x 64 float64 = 10 GB: the digits over
# and over, written here) is predicted by the SVC of the digits search on
# a scheduler and 2 single-thread workers, streamed from disk by the
# client a chunk at a time. Prints rows/s next to the in-memory run on the
# digits x 1000 (1.8 M rows, a data spec the client loads whole), the
# client's and the scheduler's peak RSS (each must stay under 300 MB) and
# whether the class counts are those of predicting the same rows in
# memory (the digits' own predictions times their copies). Then the same
# file with --input-on-workers: each worker reads its chunks' rows itself,
# and what goes through the client and the scheduler must stay under
# 1 MiB. Exits 1 when a bound or the counts fail. BENCH_BIG_DIR (default /tmp) holds the file
# while it runs; it is removed after. Skipped, with a note, when there is
# not room for it.
set -eu
build=${1:-build}
rows=${BENCH_BIG_ROWS:-20000000}
dir=${BENCH_BIG_DIR:-/tmp}
data=${DSK_DATA_HOME:-../shared/data}
export DSK_DATA_HOME="$data"
limit_mb=300
need_kb=$((rows * 64 * 8 / 1024 + 1048576))
free_kb=$(df -Pk "$dir" | awk 'NR == 2 {print $4}')
if [ "$free_kb" -lt "$need_kb" ]; then
    echo "bench/predict: skipped: $dir has $((free_kb / 1048576)) GiB free, the input needs $((need_kb / 1048576))"
    exit 0
fi
out=$(mktemp -d "$dir/dsk-bench-predict-XXXXXX")
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    rm -rf "$out"
}
trap cleanup EXIT INT TERM
py=/usr/bin/python3

ep="tcp://127.0.0.1:$($py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$build/dskd-scheduler" --config /dev/null --insecure --listen "$ep" --log-level warn 2>>"$out/daemons.log" &
sched=$!
pids="$sched"
for i in 1 2; do
    OPENBLAS_NUM_THREADS=1 "$build/dskd-worker" --config /dev/null --insecure --scheduler "$ep" \
        --nthreads 1 --name "w$i" --log-level warn 2>>"$out/daemons.log" &
    pids="$pids $!"
done
for _ in $(seq 100); do
    "$build/dsk-submit" --scheduler "$ep" status >/dev/null 2>&1 && break
    sleep 0.1
done
sleep 0.5

echo "bench/predict: $rows rows x 64 float64 ($((rows * 512 / 1000000000)) GB) in $dir, 2 workers x 1 thread"
"$build/dsk-submit" --scheduler "$ep" search examples/digits_svc.json --model-out "$out/svc.dskm" \
    --quiet >/dev/null
# the digits' own predictions, in memory: the reference for the counts
printf '{"loader": "digits"}\n' > "$out/digits.json"
"$build/dsk-submit" --scheduler "$ep" predict --model "$out/svc.dskm" --input "$out/digits.json" \
    --out "$out/digits_pred.npy" --quiet
# the in-memory run: 1.8 M rows loaded whole by the client
printf '{"loader": "digits", "repeat": 1000}\n' > "$out/x1000.json"
"$build/dsk-submit" --scheduler "$ep" predict --model "$out/svc.dskm" --input "$out/x1000.json" \
    --aggregate counts --chunk-rows 20000 --quiet > "$out/mem.json"
# the big input, written a block at a time
t0=$(date +%s.%N)
$py - "$data" "$out/big.npy" "$rows" <<'PY'
import gzip, sys
import numpy as np
X = np.loadtxt(gzip.open(f"{sys.argv[1]}/digits.csv.gz"), delimiter=",")[:, :-1]
rows = int(sys.argv[3])
big = np.lib.format.open_memmap(sys.argv[2], mode="w+", dtype=np.float64, shape=(rows, 64))
block = np.tile(X, (557, 1))  # 1,000,929 rows, whole copies of the digits
for at in range(0, rows, len(block)):
    n = min(len(block), rows - at)
    big[at:at + n] = block[:n]
    big.flush()
del big
PY
t1=$(date +%s.%N)
# the streamed run: the client's peak RSS from its own accounting, the scheduler's from /proc
$py - "$build/dsk-submit" "$ep" "$out" > "$out/big_client.json" <<'PY'
import json, resource, subprocess, sys
b, ep, out = sys.argv[1:]
r = subprocess.run([b, "--scheduler", ep, "predict", "--model", f"{out}/svc.dskm", "--input",
                    f"{out}/big.npy", "--aggregate", "counts", "--chunk-rows", "20000", "--quiet"],
                   stdout=subprocess.PIPE)
res = json.loads(r.stdout) if r.returncode == 0 else {}
res["exit"] = r.returncode
res["client_peak_kib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps(res))
PY
sched_kib=$(awk '/VmHWM/ {print $2}' "/proc/$sched/status")
# the same file read by the workers themselves (the path is on storage they share with the client)
"$build/dsk-submit" --scheduler "$ep" predict --model "$out/svc.dskm" --input "$out/big.npy" \
    --input-on-workers --aggregate counts --chunk-rows 20000 --quiet > "$out/big_workers.json" ||
    echo '{}' > "$out/big_workers.json"
$py - "$out" "$rows" "$sched_kib" "$limit_mb" "$t0" "$t1" <<'PY'
import json, sys
import numpy as np
out, rows, sched_kib, limit, t0, t1 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
big = json.load(open(f"{out}/big_client.json"))
mem = json.load(open(f"{out}/mem.json"))
pred = np.load(f"{out}/digits_pred.npy")
n = len(pred)
copies, rest = divmod(rows, n)
want = np.bincount(pred, minlength=10) * copies + np.bincount(pred[:rest], minlength=10)
got = np.zeros(10, dtype=np.int64)
for k, v in big.get("counts", {}).items():
    got[int(k)] = v
ok = True
if big["exit"] != 0:
    print(f"bench/predict: ERROR: the streamed predict exited {big['exit']}")
    ok = False
mem_rate = mem["rows"] / mem["client_seconds"]["job"]
big_s = big.get("client_seconds", {}).get("job", float("nan"))
print(f"{'run':34s} {'rows':>11s} {'seconds':>8s} {'rows/s':>11s}")
print(f"{'in memory (digits x 1000, loaded)':34s} {mem['rows']:11d} {mem['client_seconds']['job']:8.2f} {mem_rate:11.0f}")
print(f"{f'streamed from a {rows * 512 / 1e9:.1f} GB .npy':34s} {big.get('rows', 0):11d} {big_s:8.2f} {big.get('rows', 0) / big_s:11.0f}")
print(f"(writing the .npy took {t1 - t0:.0f} s)")
client_mb, sched_mb = big["client_peak_kib"] / 1024, sched_kib / 1024
for who, mb in (("client", client_mb), ("scheduler", sched_mb)):
    verdict = "ok" if mb < limit else "ERROR"
    ok &= mb < limit
    print(f"peak RSS of the {who}: {mb:.0f} MiB (bound {limit} MiB) {verdict}")
same = bool((got == want).all()) and big.get("rows") == rows
ok &= same
print(f"class counts equal to predicting the same rows in memory: {same}")
if not same:
    print(f"  streamed {got.tolist()}\n  in memory {want.tolist()}")
# --input-on-workers: what went through the client and the scheduler (the model to each
# worker, the chunks' row references, their counts back)
w = json.load(open(f"{out}/big_workers.json"))
st = w.get("stats", {})
moved = st.get("bytes_scattered", 0) + st.get("bytes_in", 0) + st.get("bytes_out", 0)
wgot = np.zeros(10, dtype=np.int64)
for k, v in w.get("counts", {}).items():
    wgot[int(k)] = v
wsame = bool((wgot == want).all()) and w.get("rows") == rows
ws = w.get("client_seconds", {}).get("job", float("nan"))
print(f"{'read by the workers (--input-on-workers)':34s} {w.get('rows', 0):11d} {ws:8.2f} {w.get('rows', 0) / ws:11.0f}")
verdict = "ok" if moved < 1 << 20 and wsame else "ERROR"
ok &= moved < 1 << 20 and wsame
print(f"  bytes through the client and the scheduler: {moved} (the model {st.get('bytes_scattered', 0)}, "
      f"chunks {st.get('bytes_in', 0)}, results {st.get('bytes_out', 0)}; bound 1 MiB); "
      f"class counts equal: {wsame} {verdict}")
sys.exit(0 if ok else 1)
PY
