"""Golden whole searches: scikit-learn's GridSearchCV / RandomizedSearchCV
cv_results_ for four dsk job files, for tests/cluster/check_search_parity.c
(the same jobs through a real cluster, compared key by key).

Each golden/searches_<name>.json holds the dsk job file itself ("job", the
test writes it out verbatim and submits it), what scikit-learn ran
("search"), the data's fingerprints (n, y_hash, for digits X_hash) and the
folds' (n_test per fold, folds_hash: FNV-1a of the test indices, int64
little-endian, fold after fold), and scikit-learn's answer: cv_results
(params, param_<name> with null where masked, split<k>_test_score,
mean_test_score, std_test_score, rank_test_score; floats as repr, so the C
side reads the same doubles back), best_index, best_score, best_params.
With refit=False scikit-learn has no best_index_; the file then holds what
it would set, rank_test_score.argmin() (its own rule), since dsk reports
one either way.

  seed_grid   examples/seed_grid.json on 2 newsgroups with SGDClassifier(
              random_state=0): exact (two-class SGD is bit-exact).
  news20      all 20 categories, ngram_range x alpha, random_state=0: dsk's
              joint one-vs-all pass is not scikit-learn's schedule, so the
              file also holds scikit-learn's scores for random_state 1..4
              ("by_seed") and, per candidate and per column, a tolerance of
              TOL_FACTOR x the spread (max - min) over random_state 0..4.
  random_svc  RandomizedSearchCV over lists only (ParameterSampler draws
              without replacement from the grid), SVC on digits: exact.
  digits_svc  examples/digits_svc.json as it is (cv=5, refit): exact,
              with best_index_, best_score_, best_params_ of the refit.

scikit-learn searches Pipelines with the job's step names, so its params
are dsk's (svc__C, not C). One file can be remade alone:

    /usr/bin/python3 -c 'import sys; sys.path[:0] = ["tests/parity"]; \
        import golden_searches as g; g.write("random_svc", \
        "../shared/data", "tests/parity/golden")'

The 20-category grid takes scikit-learn several minutes (five searches;
random_state 1..4 reuse the fitted vectorizers through Pipeline(memory=),
which returns the same fitted transformers, so the scores are unchanged).
"""
import copy
import json
import os
import shutil
import tempfile
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, check_cv
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from golden_common import sk_newsgroups
from make_golden import hexhash

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "..", "..", "examples")
CLASSES = {"CountVectorizer": CountVectorizer, "TfidfTransformer": TfidfTransformer,
           "SGDClassifier": SGDClassifier, "SVC": SVC}
SPREAD_SEEDS = [0, 1, 2, 3, 4]
TOL_FACTOR = 3


def _example(name):
    with open(os.path.join(EXAMPLES, name)) as f:
        return json.load(f)


def _seed_grid_job():
    """examples/seed_grid.json with SGDClassifier(random_state=0)."""
    job = _example("seed_grid.json")
    job["pipeline"][2][2]["random_state"] = 0
    return job


def _news20_job():
    job = _seed_grid_job()
    job["data"] = {"loader": "20newsgroups", "subset": "train"}
    job["search"]["param_grid"] = {"vect__ngram_range": [[1, 1], [1, 2]],
                                   "clf__alpha": [1e-5, 1e-6]}
    return job


def _random_svc_job():
    return {"data": {"loader": "digits"},
            "pipeline": [["svc", "SVC", {"random_state": 0}]],
            "search": {"kind": "random",
                       "param_distributions": {"svc__C": [0.1, 1.0, 10.0, 100.0],
                                               "svc__gamma": ["scale", 0.001, 0.01],
                                               "svc__kernel": ["rbf", "linear", "poly"]},
                       "n_iter": 8, "random_state": 0, "cv": 3, "scoring": "accuracy",
                       "refit": False}}


JOBS = {
    "seed_grid": _seed_grid_job,
    "news20": _news20_job,
    "random_svc": _random_svc_job,
    "digits_svc": lambda: _example("digits_svc.json"),
}


def _sk_value(v):
    """A job's JSON value as scikit-learn takes it: ngram_range [1, 2] is (1, 2)."""
    return tuple(v) if isinstance(v, list) else v


def _sk_params(params):
    return {k: _sk_value(v) for k, v in params.items()}


def _sk_grid(grid):
    return {k: [_sk_value(v) for v in values] for k, values in grid.items()}


def _json_value(v):
    if isinstance(v, tuple):
        return [_json_value(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    return v


def _data(job, data_home):
    spec = job["data"]
    if spec["loader"] == "digits":
        return load_digits(return_X_y=True)
    assert spec["loader"] == "20newsgroups", spec
    kw = {"subset": spec.get("subset", "train")}
    if "categories" in spec:
        kw["categories"] = spec["categories"]
    b = sk_newsgroups(data_home, **kw)
    return b.data, b.target


def _pipeline(job, memory=None):
    return Pipeline([(name, CLASSES[cls](**_sk_params(params)))
                     for name, cls, params in job["pipeline"]], memory=memory)


def _search(job, pipe, n_jobs):
    s = job["search"]
    common = dict(cv=s.get("cv", 5), scoring=s.get("scoring"), refit=s.get("refit", True),
                  n_jobs=n_jobs)
    if s.get("kind", "grid") == "random":
        return RandomizedSearchCV(pipe, _sk_grid(s["param_distributions"]),
                                  n_iter=s["n_iter"], random_state=s["random_state"],
                                  **common)
    return GridSearchCV(pipe, _sk_grid(s["param_grid"]), **common)


def _columns(search):
    """cv_results_ as JSON: the columns dsk's result has, floats as scikit-learn's doubles."""
    res = search.cv_results_
    cols = {"params": [{k: _json_value(v) for k, v in p.items()} for p in res["params"]]}
    for key in res:
        if key.startswith("param_"):
            mask = np.ma.getmaskarray(res[key])
            cols[key] = [None if m else _json_value(v) for v, m in zip(res[key].data, mask)]
    for k in range(search.n_splits_):
        cols["split%d_test_score" % k] = [float(v) for v in res["split%d_test_score" % k]]
    for name in ("mean_test_score", "std_test_score"):
        cols[name] = [float(v) for v in res[name]]
    cols["rank_test_score"] = [int(v) for v in res["rank_test_score"]]
    return cols


def _fingerprints(job, X, y):
    y = np.asarray(y)
    tests = [test for _, test in check_cv(job["search"].get("cv", 5), y,
                                          classifier=True).split(np.zeros((len(y), 1)), y)]
    out = {"n": int(len(y)), "y_hash": hexhash(np.asarray(y, dtype="<i4").tobytes()),
           "n_test": [int(len(t)) for t in tests],
           "folds_hash": hexhash(np.concatenate(tests).astype("<i8").tobytes())}
    if isinstance(X, np.ndarray):
        out["n_features"] = int(X.shape[1])
        out["X_hash"] = hexhash(np.ascontiguousarray(X, dtype="<f8").tobytes())
    return out


def _describe(search):
    return "%s(%r, %s=%r, cv=%r, scoring=%r, refit=%r%s)" % (
        type(search).__name__, search.estimator,
        "param_distributions" if isinstance(search, RandomizedSearchCV) else "param_grid",
        getattr(search, "param_distributions", getattr(search, "param_grid", None)),
        search.cv, search.scoring, search.refit,
        ", n_iter=%d, random_state=%r" % (search.n_iter, search.random_state)
        if isinstance(search, RandomizedSearchCV) else "")


def _golden(name, job, data_home, n_jobs):
    X, y = _data(job, data_home)
    t0 = time.perf_counter()
    search = _search(job, _pipeline(job), n_jobs).fit(X, y)
    secs = time.perf_counter() - t0
    cols = _columns(search)
    g = {"name": name, "job": job, "search": _describe(search), "exact": name != "news20"}
    g.update(_fingerprints(job, X, y))
    g["n_splits"] = int(search.n_splits_)
    g["n_candidates"] = len(cols["params"])
    g["cv_results"] = cols
    if search.refit:
        g["best_index"] = int(search.best_index_)
        g["best_score"] = float(search.best_score_)
        g["best_params"] = {k: _json_value(v) for k, v in search.best_params_.items()}
    else:
        best = int(np.asarray(cols["rank_test_score"]).argmin())
        g["best_index"] = best
        g["best_score"] = cols["mean_test_score"][best]
        g["best_params"] = cols["params"][best]
        g["best_index_from"] = "rank_test_score.argmin() (refit=False)"
    print("  searches %s: %d candidates x %d splits in %.1f s" %
          (name, g["n_candidates"], g["n_splits"], secs), flush=True)
    return g, X, y


def _spread(g, job, X, y, n_jobs):
    """scikit-learn's answer for every random_state of SPREAD_SEEDS, and TOL_FACTOR x its range."""
    score_cols = ["split%d_test_score" % k for k in range(g["n_splits"])]
    score_cols += ["mean_test_score", "std_test_score"]
    by_seed = [{"random_state": 0, **{c: g["cv_results"][c] for c in score_cols}}]
    cache = tempfile.mkdtemp(prefix="dsk-golden-searches-")
    try:
        for seed in SPREAD_SEEDS[1:]:
            j = copy.deepcopy(job)
            j["pipeline"][-1][2]["random_state"] = seed
            t0 = time.perf_counter()
            search = _search(j, _pipeline(j, memory=cache), n_jobs).fit(X, y)
            cols = _columns(search)
            assert cols["params"] == g["cv_results"]["params"]
            by_seed.append({"random_state": seed, **{c: cols[c] for c in score_cols}})
            print("  searches %s random_state %d: %.1f s, means %s" %
                  (g["name"], seed, time.perf_counter() - t0,
                   " ".join("%.4f" % m for m in cols["mean_test_score"])), flush=True)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    tol = {"factor": TOL_FACTOR, "of": "max - min over by_seed, per candidate"}
    for c in score_cols:
        v = np.array([s[c] for s in by_seed])
        tol[c] = [float(TOL_FACTOR * (hi - lo)) for lo, hi in zip(v.min(0), v.max(0))]
    g["by_seed"] = by_seed
    g["tolerance"] = tol


def write(name, data_home, out_dir, n_jobs=2):
    """Runs search `name` in scikit-learn and writes golden/searches_<name>.json."""
    job = JOBS[name]()
    g, X, y = _golden(name, job, data_home, n_jobs)
    if not g["exact"]:
        _spread(g, job, X, y, n_jobs)
    with open(os.path.join(out_dir, "searches_%s.json" % name), "w") as f:
        json.dump(g, f, separators=(",", ":"))
        f.write("\n")


def main(data_home, out_dir):
    for name in JOBS:
        write(name, data_home, out_dir)
