"""Golden answers for dsk's SGDClassifier (tests/parity/check_sgd.c).

scikit-learn 1.2's SGDClassifier in the seed's pipeline
CountVectorizer -> TfidfTransformer -> SGDClassifier(max_iter=1000):

- "grid": the 2-category newsgroups train set (alt.atheism,
  talk.religion.misc; 857 documents), 3-fold StratifiedKFold (no shuffle,
  as GridSearchCV(cv=3) uses), over vect__max_df (0.5, 0.75, 1.0) x
  vect__ngram_range ((1,1), (1,2)) in ParameterGrid order; for each
  candidate the mean CV accuracy for random_state 0..4, their mean and std.
  The test folds are stored (index lists) so dsk scores the same splits.
- "all20": all 20 categories, fit on train, accuracy on test, for
  random_state 0..4, their mean and std (vectorizer defaults).
- "exact": the whole 2-category train set, default vectorizers,
  random_state=0: coef_ fingerprints (sum, sum of |.|, a few entries by
  vocabulary term) and intercept_, for a near-exact comparison when dsk's
  TF-IDF equals scikit-learn's.
"""
import json
import os
import time

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import ParameterGrid, StratifiedKFold
from sklearn.pipeline import Pipeline

from golden_common import sk_newsgroups

TWO = ["alt.atheism", "talk.religion.misc"]
SEEDS = [0, 1, 2, 3, 4]
GRID = {"vect__max_df": [0.5, 0.75, 1.0], "vect__ngram_range": [(1, 1), (1, 2)]}


def _pipe(seed, **params):
    p = Pipeline([("vect", CountVectorizer()), ("tfidf", TfidfTransformer()),
                  ("clf", SGDClassifier(max_iter=1000, random_state=seed))])
    p.set_params(**params)
    return p


def _grid(data_home):
    b = sk_newsgroups(data_home, subset="train", categories=TWO)
    docs, y = np.asarray(b.data, dtype=object), np.asarray(b.target)
    folds = list(StratifiedKFold(3).split(docs, y))
    cands = []
    for params in ParameterGrid(GRID):
        per_seed = []
        for seed in SEEDS:
            accs = []
            for tr, te in folds:
                p = _pipe(seed, **params).fit(docs[tr], y[tr])
                accs.append(float(np.mean(p.predict(docs[te]) == y[te])))
            per_seed.append(float(np.mean(accs)))
        cands.append({"max_df": params["vect__max_df"],
                      "ngram_range": list(params["vect__ngram_range"]),
                      "mean_test_score_by_seed": ["%.17g" % s for s in per_seed],
                      "mean": "%.17g" % np.mean(per_seed),
                      "std": "%.17g" % np.std(per_seed)})
        print("  grid", params, "%.4f" % np.mean(per_seed), flush=True)
    return {"n": int(len(y)), "seeds": SEEDS,
            "test_folds": [te.tolist() for _, te in folds], "candidates": cands}


def _all20(data_home, **params):
    tr = sk_newsgroups(data_home, subset="train")
    te = sk_newsgroups(data_home, subset="test")
    accs, fit_s = [], []
    for seed in SEEDS:
        p = _pipe(seed, **params)
        p[:2].fit(tr.data)
        Xtr = p[:2].transform(tr.data)
        t0 = time.perf_counter()
        p[2].fit(Xtr, tr.target)
        fit_s.append(time.perf_counter() - t0)
        accs.append(float(np.mean(p.predict(te.data) == te.target)))
        print("  all20 seed", seed, "%.4f" % accs[-1], "fit %.2fs" % fit_s[-1], flush=True)
    return {"seeds": SEEDS, "accuracy_by_seed": ["%.17g" % a for a in accs],
            "mean": "%.17g" % np.mean(accs), "std": "%.17g" % np.std(accs),
            "sklearn_fit_seconds": ["%.3f" % s for s in fit_s]}


def _exact(data_home):
    b = sk_newsgroups(data_home, subset="train", categories=TWO)
    p = _pipe(0).fit(b.data, b.target)
    clf, vocab = p[2], p[0].vocabulary_
    coef = clf.coef_.ravel()
    terms = sorted(vocab, key=lambda t: -abs(coef[vocab[t]]))[:10]
    return {"n_features": int(coef.shape[0]), "n_iter": int(clf.n_iter_),
            "intercept": "%.17g" % clf.intercept_[0],
            "coef_sum": "%.17g" % coef.sum(), "coef_abs_sum": "%.17g" % np.abs(coef).sum(),
            "coef_by_term": {t: "%.17g" % coef[vocab[t]] for t in terms}}


def main(data_home, out_dir):
    golden = {"exact": _exact(data_home), "grid": _grid(data_home), "all20": _all20(data_home),
              "all20_elasticnet": _all20(data_home, clf__penalty="elasticnet")}
    with open(os.path.join(out_dir, "sgd.json"), "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
