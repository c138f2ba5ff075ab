#!/usr/bin/python3
"""bench/notebook: the seed notebook's searches as its user runs them, through joblib's
"dsk" backend (dsk.Client(n_workers=2, threads_per_worker=1): a scheduler and two
single-thread worker processes) and through joblib's "dask" backend
(distributed.Client(n_workers=2, threads_per_worker=1, processes=True)), in one run on this
machine; prints each side's time, the ratio against the target (10x) and whether the
scores agree.

Workloads, each scikit-learn's own GridSearchCV inside
``with joblib.parallel_backend(BACKEND, scatter=[X, y])``:

  seed_grid      the seed's grid: 20 newsgroups train, alt.atheism + talk.religion.misc,
                 CountVectorizer -> TfidfTransformer -> SGDClassifier(max_iter=1000,
                 random_state=0), vect__max_df x vect__ngram_range, cv=3, n_jobs=-1,
                 refit=False
  news20_grid    the same on all 20 categories (the seed's "Scale Up")
  digits_ppf     GridSearchCV(ParallelPostFit(SVC(random_state=0)), estimator__C in
                 (0.01, 1.0, 10)), refit, then predict on a dask array of the digits x 10
                 (dsk: dsk.wrappers.ParallelPostFit; dask: its own estimator's predict
                 mapped over the dask array's blocks, as dask-ml's ParallelPostFit does)

What is timed (wall clock, the median of --repeat runs after one untimed warm-up run of each
side): the whole ``with`` block, scattering included, as the notebook's cell time shows it
(and for digits_ppf the predict). Not timed: starting either cluster, loading the data.

Exit 1 when a score differs beyond its tolerance (exact for two classes and digits, 0.01 for
twenty classes: SGD's multi-class fit is not bit-exact) or the seed grid's ratio is under
the target.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import joblib  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer  # noqa: E402
from sklearn.linear_model import SGDClassifier  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "parity"))
import dsk  # noqa: E402
from dsk.wrappers import ParallelPostFit  # noqa: E402
from golden_common import sk_newsgroups  # noqa: E402

SEED_GRID = {"vect__max_df": (0.5, 0.75, 1.0), "vect__ngram_range": ((1, 1), (1, 2))}
TARGET = 10.0


def _pipeline():
    return Pipeline([("vect", CountVectorizer()), ("tfidf", TfidfTransformer()),
                     ("clf", SGDClassifier(max_iter=1000, random_state=0))])


def _backend(name, X, y):
    """parallel_backend(name, scatter=[X, y]), without dsk's progress bar in the bench's
    output."""
    extra = {"progress": False} if name == "dsk" else {}
    return joblib.parallel_backend(name, scatter=[X, y], **extra)


def _text_search(backend, X, y):
    search = GridSearchCV(_pipeline(), SEED_GRID, n_jobs=-1, cv=3, refit=False)
    with _backend(backend, X, y):
        search.fit(X, y)
    return search.cv_results_["mean_test_score"]


def _digits_ppf(backend, X, y):
    import dask.array as da
    big = da.concatenate([da.from_array(X, chunks=X.shape) for _ in range(10)])
    if backend == "dsk":
        search = GridSearchCV(ParallelPostFit(SVC(random_state=0)),
                              {"estimator__C": [0.01, 1.0, 10]})
        with _backend(backend, X, y):
            search.fit(X, y)
        predicted = np.asarray(search.predict(big))
    else:
        search = GridSearchCV(SVC(random_state=0), {"C": [0.01, 1.0, 10]})
        with _backend(backend, X, y):
            search.fit(X, y)
        best = search.best_estimator_
        predicted = big.map_blocks(best.predict, drop_axis=1, dtype=int).compute()
    return np.concatenate([search.cv_results_["mean_test_score"], predicted])


def _timed(fn, repeat):
    fn()  # warm-up: workers import scikit-learn, caches fill
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-home", default=os.environ.get("DSK_DATA_HOME", "../shared/data"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", default="seed_grid,news20_grid,digits_ppf")
    args = ap.parse_args()
    only = args.only.split(",")

    from distributed import Client as DaskClient
    warnings.simplefilter("ignore")
    data = {}
    if "seed_grid" in only:
        d = sk_newsgroups(args.data_home, subset="train",
                          categories=["alt.atheism", "talk.religion.misc"])
        data["seed_grid"] = (_text_search, d.data, d.target, 0.0)
    if "news20_grid" in only:
        d = sk_newsgroups(args.data_home, subset="train")
        data["news20_grid"] = (_text_search, d.data, d.target, 0.01)
    if "digits_ppf" in only:
        X, y = load_digits(return_X_y=True)
        data["digits_ppf"] = (_digits_ppf, X, y, 0.0)

    rows, failed = [], []
    dsk_client = dsk.Client(n_workers=2, threads_per_worker=1)
    dask_client = DaskClient(n_workers=2, threads_per_worker=1, processes=True)
    try:
        for name in only:
            fn, X, y, tol = data[name]
            t_dsk, a = _timed(lambda: fn("dsk", X, y), args.repeat)
            t_dask, b = _timed(lambda: fn("dask", X, y), args.repeat)
            diff = float(np.max(np.abs(np.asarray(a, float) - np.asarray(b, float))))
            ratio = t_dask / t_dsk
            ok = diff <= tol
            rows.append((name, t_dsk, t_dask, ratio, diff, ok))
            if not ok:
                failed.append("%s: answers differ by %g (tolerance %g)" % (name, diff, tol))
            if name == "seed_grid" and ratio < TARGET:
                failed.append("seed_grid: %.1fx, under the %.0fx target" % (ratio, TARGET))
    finally:
        dsk_client.close()
        dask_client.close()

    print("bench/notebook: joblib backend 'dsk' (2 workers x 1 thread) vs 'dask' "
          "(2 worker processes x 1 thread), median of %d" % args.repeat)
    print("%-12s %10s %10s %8s %12s" % ("workload", "dsk s", "dask s", "ratio", "answers"))
    for name, t_dsk, t_dask, ratio, diff, ok in rows:
        print("%-12s %10.3f %10.3f %7.1fx %12s" % (name, t_dsk, t_dask, ratio,
                                                  "same" if diff == 0 else
                                                  ("%.4f" % diff) + ("" if ok else " BAD")))
    for f in failed:
        print("bench/notebook: FAILED " + f)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
