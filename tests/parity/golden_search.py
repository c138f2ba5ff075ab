"""Golden answers for dsk's search space: folds, ParameterGrid order,
ParameterSampler draws, sample_without_replacement and the scorers.

Writes golden/search.json. Fold test indices are fingerprinted (FNV-1a of
the int64 little-endian array, one hash per fold); the label arrays they
were computed on are stored too, so the C side needs no loader.

Also golden/search_cv100.json (cv100): a whole GridSearchCV with cv=100
on load_digits(), more folds than the 64 the search once had room for.
Its cv_results_ columns are stored as scikit-learn gives them (floats as
repr, so the C side reads the same doubles back), with X, y and the folds'
test indices fingerprinted so a loader or fold mismatch is told apart from
a scoring one. It has a writer of its own so it can be regenerated without
rewriting search.json:

    /usr/bin/python3 -c 'import sys; sys.path[:0] = ["tests/parity"]; \
        import golden_search; golden_search.cv100("tests/parity/golden")'
"""
import json
import os

import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import (accuracy_score, balanced_accuracy_score, f1_score,
                             precision_score, recall_score, roc_auc_score)
from sklearn.model_selection import (GridSearchCV, KFold, ParameterGrid, ParameterSampler,
                                     StratifiedKFold)
from sklearn.svm import SVC
from sklearn.utils.random import sample_without_replacement

from golden_common import sk_newsgroups
from make_golden import hexhash

SEED_GRID = {"vect__max_df": [0.5, 0.75, 1.0], "vect__ngram_range": [(1, 1), (1, 2)]}
SCALED_GRID = {
    "vect__max_df": [0.5, 0.75, 1.0],
    "vect__ngram_range": [(1, 1), (1, 2)],
    "vect__max_features": [None, 5000, 10000, 50000],
    "tfidf__use_idf": [True, False],
    "tfidf__norm": ["l1", "l2"],
    "clf__alpha": [1e-5, 1e-6],
    "clf__penalty": ["l2", "elasticnet"],
    "clf__max_iter": [10, 50, 80],
}
CVS = [
    ("KFold(3)", KFold(3)),
    ("KFold(5)", KFold(5)),
    ("StratifiedKFold(3)", StratifiedKFold(3)),
    ("StratifiedKFold(5)", StratifiedKFold(5)),
    ("StratifiedKFold(5,shuffle,0)", StratifiedKFold(5, shuffle=True, random_state=0)),
    ("KFold(5,shuffle,0)", KFold(5, shuffle=True, random_state=0)),
]


def folds(y):
    out = {}
    for name, cv in CVS:
        out[name] = [hexhash(np.asarray(test, dtype="<i8").tobytes())
                     for _, test in cv.split(np.zeros((len(y), 1)), y)]
    return out


def grid_entry(grid):
    reprs = [repr(p) for p in ParameterGrid(grid)]
    return {"n": len(reprs), "hash": hexhash("\n".join(reprs).encode()),
            "first": reprs[:4], "last": reprs[-1]}


def scorer_cases():
    rng = np.random.RandomState(0)
    cases = []
    y_true = rng.randint(0, 4, 200)
    y_pred = np.where(rng.rand(200) < 0.6, y_true, rng.randint(0, 4, 200))
    cases.append(("multiclass", y_true, y_pred))
    # class 3 never predicted (precision 0/0), class 5 predicted but absent
    y_true = rng.randint(0, 4, 50)
    y_pred = np.where(rng.rand(50) < 0.5, y_true, 5)
    y_pred[y_pred == 3] = 0
    cases.append(("zero_division", y_true, y_pred))
    y_true = rng.randint(0, 2, 300) * 7 + 1  # labels 1 and 8
    y_pred = np.where(rng.rand(300) < 0.7, y_true, 9 - y_true)
    cases.append(("binary", y_true, y_pred))
    out = []
    for name, t, p in cases:
        out.append({
            "name": name, "y_true": t.tolist(), "y_pred": p.tolist(),
            "accuracy": accuracy_score(t, p),
            "balanced_accuracy": balanced_accuracy_score(t, p),
            "f1_macro": f1_score(t, p, average="macro"),
            "f1_micro": f1_score(t, p, average="micro"),
            "f1_weighted": f1_score(t, p, average="weighted"),
            "precision_macro": precision_score(t, p, average="macro"),
            "precision_micro": precision_score(t, p, average="micro"),
            "precision_weighted": precision_score(t, p, average="weighted"),
            "recall_macro": recall_score(t, p, average="macro"),
            "recall_micro": recall_score(t, p, average="micro"),
            "recall_weighted": recall_score(t, p, average="weighted"),
        })
    auc = []
    y = rng.randint(0, 2, 300) * 3 + 2  # labels 2 and 5
    for name, s in [("continuous", rng.randn(300) + (y == 5)),
                    ("ties", rng.randint(0, 12, 300) / 4.0 + (y == 5) * 0.5),
                    ("all_tied", np.zeros(300))]:
        auc.append({"name": name, "y_true": y.tolist(), "score": s.tolist(),
                    "roc_auc": roc_auc_score(y, s)})
    return out, auc


CV100_GRID = {"C": [0.01, 1.0, 10]}
CV100_SPLITS = 100


def cv100(out_dir):
    """GridSearchCV(SVC(random_state=0), C in CV100_GRID, cv=100) on digits."""
    X, y = load_digits(return_X_y=True)
    search = GridSearchCV(SVC(random_state=0), CV100_GRID, cv=CV100_SPLITS, refit=False,
                          scoring="accuracy").fit(X, y)
    res = search.cv_results_
    tests = [test for _, test in StratifiedKFold(CV100_SPLITS).split(X, y)]
    cols = {"params": res["params"]}
    for k in range(CV100_SPLITS):
        cols["split%d_test_score" % k] = [float(v) for v in res["split%d_test_score" % k]]
    for name in ("mean_test_score", "std_test_score"):
        cols[name] = [float(v) for v in res[name]]
    cols["rank_test_score"] = [int(v) for v in res["rank_test_score"]]
    golden = {
        "search": "GridSearchCV(SVC(random_state=0), %r, cv=%d, refit=False, "
                  "scoring='accuracy')" % (CV100_GRID, CV100_SPLITS),
        "n": int(X.shape[0]),
        "n_features": int(X.shape[1]),
        "X_hash": hexhash(np.ascontiguousarray(X, dtype="<f8").tobytes()),
        "y_hash": hexhash(np.asarray(y, dtype="<i4").tobytes()),
        "n_splits": CV100_SPLITS,
        "folds_hash": hexhash(np.concatenate(tests).astype("<i8").tobytes()),
        "cv_results": cols,
    }
    with open(os.path.join(out_dir, "search_cv100.json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")


def main(data_home, out_dir):
    y_digits = load_digits().target
    y_news = sk_newsgroups(data_home, subset="train",
                           categories=["alt.atheism", "talk.religion.misc"]).target
    labels, auc = scorer_cases()
    swr = []
    for n_pop, n_samp, seed in [(10, 5, 42), (1000, 5, 0), (2304, 10, 0), (200, 199, 3),
                                (300, 100, 7), (50, 50, 1), (1, 0, 0)]:
        swr.append({"n_population": n_pop, "n_samples": n_samp, "seed": seed,
                    "out": sample_without_replacement(n_pop, n_samp,
                                                      random_state=seed).tolist()})
    golden = {
        "y": {"digits": y_digits.tolist(), "newsgroups2": y_news.tolist()},
        "folds": {"digits": folds(y_digits), "newsgroups2": folds(y_news)},
        "grid": {"seed": grid_entry(SEED_GRID), "scaled": grid_entry(SCALED_GRID),
                 "list": grid_entry([{"kernel": ["linear"]},
                                     {"kernel": ["rbf"], "gamma": [1, 10]}, {}])},
        "sampler": [repr(p) for p in ParameterSampler(SCALED_GRID, n_iter=10,
                                                      random_state=0)],
        "sampler_seed_grid": [repr(p) for p in ParameterSampler(SEED_GRID, n_iter=4,
                                                                random_state=3)],
        "sample_without_replacement": swr,
        "labels": labels,
        "roc_auc": auc,
    }
    with open(os.path.join(out_dir, "search.json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"))
    cv100(out_dir)
