#!/bin/sh
# run.sh BUILD [REPLICATE] — bench/ml: each estimator in dsk and in
# scikit-learn 1.2 (one thread each), on the same data in one run, and the
# ratio (best of 3 runs, the SVC predict one run). REPLICATE copies of
# digits feed the SVC predict (1000 = 1.8 M rows).
set -eu
build=${1:-build}
replicate=${2:-1000}
data=${DSK_DATA_HOME:-../shared/data}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "bench/ml: data in $data, SVC predict on $replicate x digits; one thread each"
OPENBLAS_NUM_THREADS=1 "$build/bench_ml" --data-home "$data" --replicate "$replicate" > "$out/dsk.jsonl"
/usr/bin/python3 bench/ml/bench_sklearn.py --data-home "$data" --replicate "$replicate" > "$out/sk.jsonl"
/usr/bin/python3 - "$out/dsk.jsonl" "$out/sk.jsonl" <<'PY'
import json, sys
dsk = {}
for line in open(sys.argv[1]):
    r = json.loads(line); dsk[r["name"]] = r
sk = {}
for line in open(sys.argv[2]):
    r = json.loads(line); sk[r["name"]] = r
targets = {"count_vectorizer_bigrams": 20, "sgd_20class_fit": 5, "sgd_20class_fit_fast_ova": 5,
           "svc_fit_digits_C1": 1, "svc_fit_digits_C10": 1, "svc_predict": 10}
ref = {"sgd_20class_fit_fast_ova": "sgd_20class_fit"}
print("%-28s %10s %12s %8s %8s" % ("benchmark", "dsk s", "sklearn s", "ratio", "target"))
for name, r in dsk.items():
    s = sk.get(ref.get(name, name))
    if not s:
        continue
    ratio = s["seconds"] / r["seconds"] if r["seconds"] > 0 else float("inf")
    t = targets.get(name)
    mark = "" if t is None else ("ok" if ratio >= t else "BELOW")
    print("%-28s %10.3f %12.3f %7.1fx %6sx %s" % (name, r["seconds"], s["seconds"], ratio,
                                                  t if t is not None else "-", mark))
if "svc_predict" in dsk and "svc_predict" in sk:
    same = dsk["svc_predict"]["detail"]["counts"] == sk["svc_predict"]["detail"]["counts"]
    print("svc_predict class counts identical to scikit-learn's:", same)
PY
