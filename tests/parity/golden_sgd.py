"""Golden answers for dsk's SGDClassifier (tests/parity/check_sgd.c).

scikit-learn 1.2's SGDClassifier(max_iter=1000, random_state=seed) after
CountVectorizer -> TfidfTransformer, on 20 newsgroups. Floats are "%.17g"
strings, so the C side reads the same doubles back and compares with ==.

Two kinds of TF-IDF feed it:

- "pipeline": scikit-learn's own Pipeline, as a user runs it.
- "as dsk": the same counts and formula, with the two roundings dsk does
  differently: idf = log(n / df) + 1 with the C library's log (math.log;
  NumPy's AVX-512 log differs from it by an ulp for ~5% of the terms on
  such CPUs), and the l2 row norm summed in column order (scikit-learn sums
  in CountVectorizer's unsorted order, and its SGD then reads the rows in
  that order too). dsk's TF-IDF equals this one bit for bit; the pipeline's
  differs by an ulp or two in most entries (check_text.c holds TF-IDF to
  1e-12). Coefficients can only be compared bit for bit on equal input, so
  the exact checks use it; the solver is scikit-learn's own either way.

Sections of golden/sgd.json:

- "grid" (pipeline TF-IDF): the seed grid (examples/seed_grid.json). The 2-category
  train set (alt.atheism, talk.religion.misc; 857 documents), 3-fold
  StratifiedKFold (no shuffle, as GridSearchCV(cv=3)), vect__max_df (0.5,
  0.75, 1.0) x vect__ngram_range ((1, 1), (1, 2)) in ParameterGrid order;
  per candidate and random_state 0..4, the accuracy on each test fold
  (split_scores_by_seed). The test folds are stored as index lists.
- "exact" (as dsk): the whole 2-category train set, default vectorizers,
  random_state=0: n_iter_, intercept_, FNV-1a of coef_ (float64 LE), and
  the 10 largest |coef_| by vocabulary term.
- "all20" (pipeline TF-IDF): all 20 categories, fit on train, accuracy on
  test, for random_state 0..9, for unigrams and bigrams, l2 and
  elasticnet. check_sgd.c derives its tolerance from the spread of these
  accuracies.
- "all20_exact" (as dsk): random_state=0, the same four settings: test
  accuracy, n_iter_, the 20 intercepts, FNV-1a of each coef_ row and the 5
  largest |coef_| of each row by vocabulary term (100 coefficients).

About 10 minutes on one core (the bigram elasticnet fits take ~30 s each).
"""
import json
import math
import os

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import ParameterGrid, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import normalize

from golden_common import sk_newsgroups
from make_golden import hexhash

TWO = ["alt.atheism", "talk.religion.misc"]
GRID_SEEDS = [0, 1, 2, 3, 4]
GRID = {"vect__max_df": [0.5, 0.75, 1.0], "vect__ngram_range": [(1, 1), (1, 2)]}
ALL20_SEEDS = list(range(10))
ALL20_SETTINGS = [((1, 1), "l2"), ((1, 1), "elasticnet"), ((1, 2), "l2"), ((1, 2), "elasticnet")]
TERMS_PER_ROW = {1: 10, 20: 5}  # coef_ rows -> largest |coef_| stored per row


def _g(x):
    return "%.17g" % x


def _pipe(seed, **params):
    p = Pipeline([("vect", CountVectorizer()), ("tfidf", TfidfTransformer()),
                  ("clf", SGDClassifier(max_iter=1000, random_state=seed))])
    p.set_params(**params)
    return p


def _tfidf_as_dsk(fit_counts):
    """TfidfTransformer's defaults, rounded as dsk rounds: returns transform(counts)."""
    n = fit_counts.shape[0] + 1
    df = np.bincount(fit_counts.indices, minlength=fit_counts.shape[1]) + 1
    idf = np.array([math.log(n / float(d)) + 1.0 for d in df])

    def transform(counts):
        X = sp.csr_matrix(counts, dtype=np.float64, copy=True)
        X.data = X.data * idf[X.indices]
        X.sort_indices()
        return normalize(X, norm="l2", copy=False)
    return transform


def _grid(data_home):
    b = sk_newsgroups(data_home, subset="train", categories=TWO)
    docs, y = np.asarray(b.data, dtype=object), np.asarray(b.target)
    folds = list(StratifiedKFold(3).split(docs, y))
    cands = []
    for params in ParameterGrid(GRID):
        by_seed = []
        for seed in GRID_SEEDS:
            accs = []
            for tr, te in folds:
                p = _pipe(seed, **params).fit(docs[tr], y[tr])
                accs.append(float(np.mean(p.predict(docs[te]) == y[te])))
            by_seed.append(accs)
        cands.append({"max_df": params["vect__max_df"],
                      "ngram_range": list(params["vect__ngram_range"]),
                      "split_scores_by_seed": [[_g(a) for a in s] for s in by_seed],
                      "mean": _g(np.mean(by_seed))})
        print("  grid", params, "%.4f" % np.mean(by_seed), flush=True)
    return {"n": int(len(y)), "seeds": GRID_SEEDS,
            "test_folds": [te.tolist() for _, te in folds], "candidates": cands}


def _coef_terms(coef, terms, per_row):
    """[term, row, value] for the per_row largest |coef_| of each row."""
    out = []
    for r in range(coef.shape[0]):
        for j in np.argsort(-np.abs(coef[r]), kind="stable")[:per_row]:
            out.append([str(terms[j]), r, _g(coef[r, j])])
    return out


def _fingerprint(clf, terms):
    coef = np.ascontiguousarray(clf.coef_, dtype="<f8")
    return {"n_features": int(coef.shape[1]), "n_iter": int(clf.n_iter_),
            "intercept": [_g(v) for v in clf.intercept_],
            "coef_row_hashes": [hexhash(row.tobytes()) for row in coef],
            "coef_by_term": _coef_terms(coef, terms, TERMS_PER_ROW[coef.shape[0]])}


def _exact(data_home):
    b = sk_newsgroups(data_home, subset="train", categories=TWO)
    cv = CountVectorizer()
    counts = cv.fit_transform(b.data)
    clf = SGDClassifier(max_iter=1000, random_state=0)
    clf.fit(_tfidf_as_dsk(counts)(counts), b.target)
    return _fingerprint(clf, cv.get_feature_names_out())


def _all20(data_home):
    tr = sk_newsgroups(data_home, subset="train")
    te = sk_newsgroups(data_home, subset="test")
    settings, exact = [], []
    for ngram, penalty in ALL20_SETTINGS:
        cv = CountVectorizer(ngram_range=ngram)
        ctr, cte = cv.fit_transform(tr.data), cv.transform(te.data)
        tt = TfidfTransformer().fit(ctr)
        xtr, xte = tt.transform(ctr), tt.transform(cte)
        accs = []
        for seed in ALL20_SEEDS:
            clf = SGDClassifier(max_iter=1000, random_state=seed, penalty=penalty)
            clf.fit(xtr, tr.target)
            accs.append(float(np.mean(clf.predict(xte) == te.target)))
            print("  all20", ngram, penalty, "seed", seed, "%.4f" % accs[-1], flush=True)
        settings.append({"ngram_range": list(ngram), "penalty": penalty,
                         "n_features": int(ctr.shape[1]),
                         "accuracy_by_seed": [_g(a) for a in accs]})
        as_dsk = _tfidf_as_dsk(ctr)
        clf = SGDClassifier(max_iter=1000, random_state=0, penalty=penalty)
        clf.fit(as_dsk(ctr), tr.target)
        acc = float(np.mean(clf.predict(as_dsk(cte)) == te.target))
        exact.append(dict(ngram_range=list(ngram), penalty=penalty, seed=0, accuracy=_g(acc),
                          **_fingerprint(clf, cv.get_feature_names_out())))
        print("  all20 exact", ngram, penalty, "%.4f" % acc, flush=True)
    return {"seeds": ALL20_SEEDS, "n_train": len(tr.data), "n_test": len(te.data),
            "settings": settings}, exact


def main(data_home, out_dir):
    all20, all20_exact = _all20(data_home)
    golden = {"exact": _exact(data_home), "grid": _grid(data_home), "all20": all20,
              "all20_exact": all20_exact}
    with open(os.path.join(out_dir, "sgd.json"), "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
