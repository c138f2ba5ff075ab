"""Golden probabilities for dsk's predict_proba (tests/parity/check_proba.c).

The seed's pipeline (CountVectorizer, TfidfTransformer) with
SGDClassifier(loss=LOSS, random_state=0) for log_loss and modified_huber,
fitted on the 2-category train subset (alt.atheism, talk.religion.misc)
and asked predict_proba and predict_log_proba on the test subset: the
first 500 rows' probabilities (both columns, row-major) at %.17g, and
their sums over all rows.

SVC(probability=True, random_state=0) fitted on load_digits(): each
pair's Platt sigmoid (probA_, probB_) and predict_proba on the first
1,000 rows; and the same on the digits 0, 1 and 2 alone (a small case
that tells a shuffle mismatch from a coupling one).
"""
import json
import os

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.linear_model import SGDClassifier
from sklearn.datasets import load_digits
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from golden_common import sk_newsgroups

CATS = ["alt.atheism", "talk.religion.misc"]
ROWS = 500


def main(data_home, out_dir):
    train = sk_newsgroups(data_home, subset="train", categories=CATS)
    test = sk_newsgroups(data_home, subset="test", categories=CATS)
    out = {"categories": CATS, "rows": ROWS, "n_test": len(test.data), "losses": {}}
    for loss in ("log_loss", "modified_huber"):
        p = Pipeline([("vect", CountVectorizer()), ("tfidf", TfidfTransformer()),
                      ("clf", SGDClassifier(loss=loss, random_state=0))])
        p.fit(train.data, train.target)
        proba = p.predict_proba(test.data)
        entry = {"proba": [float(v) for v in proba[:ROWS].ravel()],
                 "proba_sum": float(proba.sum())}
        if loss == "log_loss":
            logp = p.predict_log_proba(test.data)
            entry["log_proba"] = [float(v) for v in logp[:ROWS].ravel()]
        out["losses"][loss] = entry
    X, y = load_digits(return_X_y=True)
    out["svc"] = {}
    for name, keep in (("digits", slice(None)), ("digits012", y < 3)):
        Xs, ys = X[keep], y[keep]
        svc = SVC(probability=True, random_state=0).fit(Xs, ys)
        out["svc"][name] = {"probA": [float(v) for v in svc.probA_],
                            "probB": [float(v) for v in svc.probB_],
                            "rows": 1000,
                            "proba": [float(v) for v in svc.predict_proba(Xs[:1000]).ravel()]}
    with open(os.path.join(out_dir, "proba.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
