#!/bin/sh
# run.sh BUILD [REPLICATE] — bench/ml: each estimator in dsk and in
# scikit-learn 1.2 (one thread each), on the same data in one run, and the
# ratio (best of 3 runs, the SVC predict one run). REPLICATE copies of
# digits feed the SVC predict (1000 = 1.8 M rows). compare.py prints the
# table: the SGD twice, dsk's exact per-class one-vs-all (scikit-learn's
# algorithm) and dsk's default joint pass, each against scikit-learn's fit;
# an entry without its counterpart, or models that disagree, is an ERROR
# and the exit status 1, after everything is printed. BENCH_ML_OUT=DIR
# keeps both sides' JSON lines there (dsk.jsonl, sklearn.jsonl).
set -eu
build=${1:-build}
replicate=${2:-1000}
data=${DSK_DATA_HOME:-../shared/data}
if [ -n "${BENCH_ML_OUT:-}" ]; then
    out=$BENCH_ML_OUT
    mkdir -p "$out"
else
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
fi
echo "bench/ml: data in $data, SVC predict on $replicate x digits; one thread each"
status=0
OPENBLAS_NUM_THREADS=1 "$build/bench_ml" --data-home "$data" --replicate "$replicate" \
    > "$out/dsk.jsonl" || { echo "bench/ml: ERROR: bench_ml exited $?" >&2; status=1; }
/usr/bin/python3 bench/ml/bench_sklearn.py --data-home "$data" --replicate "$replicate" \
    > "$out/sklearn.jsonl" || { echo "bench/ml: ERROR: bench_sklearn.py exited $?" >&2; status=1; }
/usr/bin/python3 bench/ml/compare.py "$out/dsk.jsonl" "$out/sklearn.jsonl" || status=1
exit $status
