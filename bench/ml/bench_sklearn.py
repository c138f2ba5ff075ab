#!/usr/bin/python3
"""The reference side of bench/ml: scikit-learn 1.2, one thread, same work.

Quick benchmarks report the best of 3 runs, the SVC predict one run.
Prints one JSON object per line: {"name": ..., "seconds": ..., "detail": ...}.
bench/ml/run.sh runs this and dsk's bench_ml on the same data and prints
the ratios (compare.py). Each fit's detail also says what the fitted model
predicts on its training data (rows per class, rows right; not timed), so
the comparison can show both sides fitted the same data, and, where dsk
runs scikit-learn's algorithm, the same model. sgd_20class_fit is the one
scikit-learn fit both of dsk's SGD modes are compared with. --replicate N
sets how many copies of digits the SVC predict benchmark uses (1000 ->
1.8 M rows, the bench/e2e predict workload).
"""
import os

# one thread everywhere, set before numpy loads its BLAS
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer  # noqa: E402
from sklearn.linear_model import SGDClassifier  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "parity"))
from golden_common import sk_newsgroups  # noqa: E402


REPEATS = 3  # quick benchmarks report the best of this many runs (as bench_ml.c)


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def best_of(fn):
    runs = [timed(fn) for _ in range(REPEATS)]
    return runs[-1][0], min(sec for _, sec in runs)


def emit(name, seconds, **detail):
    print(json.dumps({"name": name, "seconds": round(seconds, 4), "detail": detail}),
          flush=True)


def answers(clf, X, y, k):
    """What a fitted classifier predicts on X (not timed): rows per class, rows right."""
    pred = clf.predict(X)
    return {"pred_counts": np.bincount(pred, minlength=k).tolist(),
            "train_correct": int(np.sum(pred == y)),
            "train_accuracy": float(np.mean(pred == y))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-home", default=os.environ.get("DSK_DATA_HOME", "../shared/data"))
    ap.add_argument("--replicate", type=int, default=1000)
    args = ap.parse_args()

    train = sk_newsgroups(args.data_home, subset="train")
    counts, sec = best_of(lambda: CountVectorizer(ngram_range=(1, 2)).fit_transform(train.data))
    emit("count_vectorizer_bigrams", sec, docs=len(train.data), terms=counts.shape[1],
         nnz=int(counts.nnz))

    tfidf = TfidfTransformer().fit_transform(counts)
    clf, sec = best_of(lambda: SGDClassifier(random_state=0).fit(tfidf, train.target))
    emit("sgd_20class_fit", sec, n_iter=int(clf.n_iter_), classes=len(clf.classes_),
         docs=tfidf.shape[0], **answers(clf, tfidf, train.target, len(clf.classes_)))

    X, y = load_digits(return_X_y=True)
    for C in (1.0, 10.0):
        svc, sec = best_of(lambda: SVC(C=C, random_state=0).fit(X, y))
        emit("svc_fit_digits_C%g" % C, sec, n_support=int(svc.n_support_.sum()),
             **answers(svc, X, y, 10))

    big = np.tile(X, (args.replicate, 1))
    pred, sec = timed(lambda: svc.predict(big))
    emit("svc_predict", sec, rows=big.shape[0], C=10.0,
         counts=np.bincount(pred, minlength=10).tolist())


if __name__ == "__main__":
    main()
