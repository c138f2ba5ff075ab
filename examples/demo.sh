#!/bin/sh
# demo.sh BUILD — the seed's jobs on a local cluster (dsk-submit --local 2:
# a scheduler and two workers on loopback, started and stopped by each
# command): the grid search of the text pipeline on two newsgroups, the
# digits SVC search with refit, and the parallel predict of its model on
# the digits replicated 10x and 1000x.
#
# Data: $DSK_DATA_HOME (default ../shared/data, else ~/dsk_data) holds
# 20news-bydate.tar.gz; digits.csv.gz comes from there or from the copy in
# examples/data (see examples/data/README.md).
set -eu
build=${1:-build}
submit="$build/dsk-submit"
if [ -z "${DSK_DATA_HOME:-}" ]; then
    if [ -d ../shared/data ]; then DSK_DATA_HOME=$(cd ../shared/data && pwd); else DSK_DATA_HOME=$HOME/dsk_data; fi
fi
export DSK_DATA_HOME
out=$(mktemp -d /tmp/dsk-demo-XXXXXX)
echo "== data in $DSK_DATA_HOME; results in $out"
echo

if [ -f "$DSK_DATA_HOME/20news-bydate.tar.gz" ] || [ -d "$DSK_DATA_HOME/20news-bydate-train" ]; then
    echo "== the seed's grid search: 2 newsgroups, CountVectorizer -> TfidfTransformer -> SGDClassifier"
    echo "   dsk-submit --local 2 search examples/seed_grid.json --out $out/seed.json"
    "$submit" --local 2 search examples/seed_grid.json --out "$out/seed.json" --cv-results "$out/seed.csv"
    grep -o '"tokenized": [0-9]*' "$out/seed.json" | sed 's/^/   stats: /'
    echo
else
    echo "== skipping the text search: put 20news-bydate.tar.gz in $DSK_DATA_HOME (or set DSK_DATA_HOME)"
    echo
fi

digits_home=$DSK_DATA_HOME
[ -f "$digits_home/digits.csv.gz" ] || digits_home=$(pwd)/examples/data
echo "== the digits SVC search (C in 0.01, 1, 10; 5 folds; refit)"
echo "   dsk-submit --local 2 search examples/digits_svc.json --model-out $out/svc.dskm"
DSK_DATA_HOME=$digits_home "$submit" --local 2 search examples/digits_svc.json \
    --out "$out/svc.json" --model-out "$out/svc.dskm"
echo
echo "== ParallelPostFit: the refitted SVC on the digits x 10, predictions to $out/pred_x10.npy"
DSK_DATA_HOME=$digits_home "$submit" --local 2 predict --model "$out/svc.dskm" \
    --input examples/digits_x10.json --out "$out/pred_x10.npy" --chunk-rows 2000
echo
echo "== the same on the digits x 1000 (1.8 M rows), class counts gathered"
DSK_DATA_HOME=$digits_home "$submit" --local 2 predict --model "$out/svc.dskm" \
    --input examples/digits_x1000.json --aggregate counts
echo
echo "demo: done. Result JSON, cv_results CSV, model and predictions are in $out"
