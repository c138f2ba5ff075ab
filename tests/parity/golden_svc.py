"""Golden answers for dsk's SVC (tests/parity/check_svc.c).

The seed's "ParallelPostFit" search: SVC(random_state=0) with C in
(0.01, 1.0, 10) under StratifiedKFold(5) on load_digits(). For each C and
fold: the number of correct test predictions, n_support_ per class, the sum
of decision_function (shape 'ovr', n_test x 10) and 200 of its values
(flattened row-major, at np.linspace(0, size - 1, 200) rounded down), and
per C the CV mean accuracy. The folds' test indices are stored so the C
side trains on exactly the same rows (train = the rest, ascending, as
scikit-learn's). X and y are fingerprinted (float64 LE, int32 LE) so a
loader mismatch is told apart from a solver mismatch. Also the resolved
gamma ('scale': 1 / (n_features * X.var())) at %.17g.
"""
import json
import os

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import SVC

from make_golden import hexhash

CS = (0.01, 1.0, 10.0)

# Other kernels and options, fitted and evaluated on the first n rows of
# digits whose label is < k: (n, k, params). check_svc.c has the same table.
CASES = [
    (600, 10, dict(kernel="linear")),
    (600, 10, dict(kernel="poly")),
    (600, 10, dict(kernel="sigmoid", gamma=0.0005)),
    (600, 10, dict(gamma="auto", C=2.0, class_weight="balanced",
                   decision_function_shape="ovo")),
    (400, 2, dict()),
    (600, 3, dict(gamma=0.01, C=0.5, class_weight="balanced", break_ties=True)),
    (900, 10, dict(C=0.3, break_ties=True, shrinking=False)),
    (300, 2, dict(kernel="poly", gamma=0.001, C=5.0, degree=2, coef0=1.0)),
]
N_SAMPLE = 200


def _g(x):
    return float("%.17g" % x)


def main(data_home, out_dir):
    X, y = load_digits(return_X_y=True)
    folds = list(StratifiedKFold(5).split(X, y))
    out = {
        "n": int(X.shape[0]),
        "n_features": int(X.shape[1]),
        "X_hash": hexhash(np.ascontiguousarray(X, dtype="<f8").tobytes()),
        "y_hash": hexhash(np.asarray(y, dtype="<i4").tobytes()),
        "gamma_scale": _g(1.0 / (X.shape[1] * X.var())),
        "folds": [[int(i) for i in test] for _, test in folds],
        "n_sample": N_SAMPLE,
        "runs": [],
    }
    for C in CS:
        run = {"C": C, "folds": []}
        accs = []
        for train, test in folds:
            clf = SVC(C=C, random_state=0).fit(X[train], y[train])
            dec = clf.decision_function(X[test])
            flat = dec.ravel()
            idx = np.linspace(0, flat.size - 1, N_SAMPLE).astype(np.int64)
            correct = int((clf.predict(X[test]) == y[test]).sum())
            accs.append(correct / len(test))
            run["folds"].append({
                "n_test": int(len(test)),
                "correct": correct,
                "n_support": [int(v) for v in clf.n_support_],
                "dec_shape": [int(v) for v in dec.shape],
                "dec_sum": _g(dec.sum()),
                "dec_index": [int(i) for i in idx],
                "dec_sample": [_g(flat[i]) for i in idx],
                "intercept_sum": _g(clf.intercept_.sum()),
            })
        run["mean_test_score"] = _g(np.mean(accs))
        out["runs"].append(run)
    out["cases"] = []
    for n, k, params in CASES:
        rows = np.flatnonzero(y < k)[:n]
        clf = SVC(**params).fit(X[rows], y[rows])
        flat = clf.decision_function(X[rows]).ravel()
        idx = np.linspace(0, flat.size - 1, 50).astype(np.int64)
        out["cases"].append({
            "n": int(len(rows)), "k": k, "params": params,
            "n_support": [int(v) for v in clf.n_support_],
            "dec_size": int(flat.size),
            "dec_sum": _g(flat.sum()),
            "dec_index": [int(i) for i in idx],
            "dec_sample": [_g(flat[i]) for i in idx],
            "pred_hash": hexhash(np.asarray(clf.predict(X[rows]), dtype="<i4").tobytes()),
        })
    with open(os.path.join(out_dir, "svc.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
