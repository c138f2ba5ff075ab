"""Golden answers for dsk's text features (tests/parity/check_text.c).

scikit-learn 1.2's CountVectorizer, TfidfTransformer and HashingVectorizer
on the 11,314 training documents of 20 newsgroups (offline, via
golden_common), fingerprinted the way check_text.c fingerprints dsk's:

- vocabulary: FNV-1a of the terms in column order joined by "\\n" (UTF-8);
- a matrix in canonical CSR (sorted indices): FNV-1a of indptr as int64 LE,
  indices as int32 LE, data as int64 LE (counts) or float64 LE;
- floating results (tf-idf, normalized hashing): values at %.17g of a fixed
  sample of entries and of row sums, plus the sum of all row sums.

Files: text.json (counts, max_features, split fit, hashing) and
text_tfidf_<norm>.json (the 24 TfidfTransformer combinations, by norm).
Run with --unit to print the small fixtures of tests/unit/check_ml_text.c.
"""
import itertools
import json
import os
import sys

import numpy as np
from sklearn.feature_extraction.text import (CountVectorizer, HashingVectorizer,
                                             TfidfTransformer)
from sklearn.model_selection import StratifiedKFold

from golden_common import sk_newsgroups
from make_golden import hexhash

TWO = ["alt.atheism", "talk.religion.misc"]

# name -> CountVectorizer kwargs; check_text.c has the same table.
CV_CASES = {
    "ng11": dict(),
    "ng11_maxdf": dict(max_df=0.5),
    "ng11_mindf": dict(min_df=2),
    "ng11_stop": dict(stop_words="english"),
    "ng11_binary": dict(binary=True),
    "ng12": dict(ngram_range=(1, 2)),
    "ng12_maxdf": dict(ngram_range=(1, 2), max_df=0.5),
    "ng12_mindf": dict(ngram_range=(1, 2), min_df=2),
    "ng12_stop": dict(ngram_range=(1, 2), stop_words="english"),
    "ng12_binary": dict(ngram_range=(1, 2), binary=True),
}
MF_CASES = {
    "ng11_mf": dict(max_features=10000),
    "ng12_mf": dict(ngram_range=(1, 2), max_features=10000),
}
SPLIT_CASES = {
    "split_a": dict(ngram_range=(1, 2), max_df=0.5),
    "split_b": dict(min_df=2, max_features=2000, binary=True),
}
HV_CASES = {
    "hv_default": dict(),
    "hv_l1": dict(ngram_range=(1, 2), n_features=2 ** 18, norm="l1"),
    "hv_raw": dict(norm=None, alternate_sign=False, n_features=2 ** 16),
    "hv_binary": dict(norm=None, binary=True, stop_words="english"),
}
N_ROW_SAMPLE, N_ENTRY_SAMPLE = 100, 2000


def _g(x):
    return float("%.17g" % x)


def _csr(X, counts):
    X = X.tocsr()
    X.sort_indices()
    data = X.data.astype("<i8") if counts else X.data.astype("<f8")
    return {
        "shape": list(X.shape),
        "nnz": int(X.nnz),
        "indptr": hexhash(X.indptr.astype("<i8").tobytes()),
        "indices": hexhash(X.indices.astype("<i4").tobytes()),
        "data": hexhash(data.tobytes()),
    }


def _vocab(cv):
    terms = cv.get_feature_names_out()
    return {"n_terms": len(terms), "vocab": hexhash("\n".join(terms).encode("utf-8"))}


def _float_sample(X, rows, entries):
    X = X.tocsr()
    X.sort_indices()
    sums = np.asarray(X.sum(axis=1)).ravel()
    return {
        "row_sum_total": _g(float(sums.sum())),
        "row_sums": [_g(sums[r]) for r in rows],
        "entries": [_g(X.data[k]) for k in entries],
    }


def _counts(docs):
    out = {}
    for name, kw in CV_CASES.items():
        cv = CountVectorizer(**kw)
        X = cv.fit_transform(docs)
        out[name] = dict(params=kw, **_vocab(cv), **_csr(X, True))
        print("  ", name, out[name]["n_terms"], flush=True)
    return out


def _max_features(docs):
    out = {}
    for name, kw in MF_CASES.items():
        cv = CountVectorizer(**kw)
        X = cv.fit_transform(docs)
        full = CountVectorizer(ngram_range=kw.get("ngram_range", (1, 1)))
        tfs = np.asarray(full.fit_transform(docs).sum(axis=0)).ravel()
        kept_tf = np.asarray(X.sum(axis=0)).ravel()
        cutoff = int(kept_tf.min())
        terms = full.get_feature_names_out()
        above = [t for t, f in zip(terms, tfs) if f > cutoff]
        out[name] = dict(params=kw, **_vocab(cv), **_csr(X, True), cutoff=cutoff,
                         n_above=len(above), n_tied=int((tfs == cutoff).sum()),
                         above=hexhash("\n".join(above).encode("utf-8")))
    return out


def _split(data_home):
    two = sk_newsgroups(data_home, subset="train", categories=TWO)
    folds = [test.tolist() for _, test in
             StratifiedKFold(n_splits=3).split(np.zeros(len(two.data)), two.target)]
    out = {"n_docs": len(two.data), "folds": folds, "cases": {}}
    for name, kw in SPLIT_CASES.items():
        res = []
        for test in folds:
            tset = set(test)
            train = [i for i in range(len(two.data)) if i not in tset]
            cv = CountVectorizer(**kw)
            Xtr = cv.fit_transform([two.data[i] for i in train])
            Xte = cv.transform([two.data[i] for i in test])
            res.append(dict(**_vocab(cv), train=_csr(Xtr, True), test=_csr(Xte, True)))
        out["cases"][name] = dict(params=kw, folds=res)
    return out


def _hashing(docs, rows, rng):
    out = {}
    for name, kw in HV_CASES.items():
        X = HashingVectorizer(**kw).fit_transform(docs)
        X.sort_indices()
        entries = sorted(rng.choice(X.nnz, N_ENTRY_SAMPLE, replace=False).tolist())
        out[name] = dict(params=kw, entry_positions=entries, **_csr(X, False),
                         **_float_sample(X, rows, entries))
    return out


def _tfidf(docs, rows, rng, out_dir):
    counts = CountVectorizer(ngram_range=(1, 2)).fit_transform(docs)
    counts.sort_indices()
    entries = sorted(rng.choice(counts.nnz, N_ENTRY_SAMPLE, replace=False).tolist())
    for norm in ("l2", "l1", None):
        combos = []
        for use_idf, smooth_idf, sublinear_tf in itertools.product([True, False], repeat=3):
            kw = dict(norm=norm, use_idf=use_idf, smooth_idf=smooth_idf,
                      sublinear_tf=sublinear_tf)
            X = TfidfTransformer(**kw).fit_transform(counts)
            combos.append(dict(params=kw, **_float_sample(X, rows, entries)))
        g = {"rows": rows, "entry_positions": entries, "combos": combos}
        with open(os.path.join(out_dir, "text_tfidf_%s.json" % (norm or "none")), "w") as f:
            json.dump(g, f, indent=0)


def main(data_home, out_dir):
    docs = sk_newsgroups(data_home, subset="train").data
    rng = np.random.RandomState(0)
    rows = sorted(rng.choice(len(docs), N_ROW_SAMPLE, replace=False).tolist())
    g = {
        "n_docs": len(docs),
        "counts": _counts(docs),
        "max_features": _max_features(docs),
        "split": _split(data_home),
        "hashing": _hashing(docs, rows, rng),
        "rows": rows,
    }
    with open(os.path.join(out_dir, "text.json"), "w") as f:
        json.dump(g, f, indent=0)
    _tfidf(docs, rows, rng, out_dir)


def unit_fixtures():
    """Prints the C fixtures of tests/unit/check_ml_text.c (small, synthetic)."""
    docs = ["The quick brown fox; the LAZY dog.", "ΣΟΦΟΣ σοφός İstanbul naïve café x_y 12 ² a",
            "dog dog dog fox", "", "ΑΣ. ΟΔΥΣΣΕΥΣ: Σ x", "the the fox jumps over the dog"]
    def cesc(s):
        out = ''
        for c in s:
            if 32 <= ord(c) < 127 and c not in '"\\?': out += c
            else: out += ''.join('\\x%02x' % b for b in c.encode()) + '" "'
        return '"' + out + '"'
    print("static const char *const s_docs[] = {" + ", ".join(cesc(d) for d in docs) + "};")
    print("static const char *const s_lowered[] = {" + ", ".join(cesc(d.lower()) for d in docs) + "};")
    cfgs = [dict(), dict(ngram_range=(1,2)), dict(stop_words='english', binary=True), dict(ngram_range=(2,3), min_df=1, max_df=0.2),
            dict(max_features=5), dict(max_features=9, ngram_range=(1,2)), dict(token_pattern=r"(?u)\b(\w)\w*\b"), dict(lowercase=False, token_pattern=r"\S+"), dict(token_pattern=r"\S+", ngram_range=(1, 2)),
            dict(token_pattern=r"\w*")]
    print("static const s_case_t s_cases[] = {")
    for c in cfgs:
        cv = CountVectorizer(**c); X = cv.fit_transform(docs); X.sort_indices()
        terms = cv.get_feature_names_out()
        ng = c.get('ngram_range', (1,1))
        print("    {%d, %d, %d, %d, %d, %s, %d, %s, %s,\n     {%s}, {%s}, {%s}, %d}," % (
            ng[0], ng[1], c.get('stop_words') == 'english', c.get('binary', False), c.get('max_features') or 0,
            repr(float(c.get('max_df', 1.0))), int(c.get('lowercase', True)), cesc(c.get('token_pattern', r"(?u)\b\w\w+\b")),
            cesc("|".join(terms)), ", ".join(map(str, X.indptr)), ", ".join(map(str, X.indices)), ", ".join(map(str, X.data)), X.nnz))
    print("};")
    rng = np.random.RandomState(3)
    v = rng.randint(0, 6, size=60)
    print("static const int64_t s_as_v[60] = {%s};" % ", ".join(map(str, v)))
    print("static const int64_t s_as_want[60] = {%s};" % ", ".join(map(str, np.argsort(v))))
    v = rng.randint(0, 3, size=300)
    print("/* RandomState(3): randint(0,6,60) then randint(0,3,300) */")
    print("static const int64_t s_as2_want[40] = {%s};" % ", ".join(map(str, np.argsort(v)[:40])))
    print("static const int64_t s_as2_v[300] = {%s};" % ", ".join(map(str, v)))


if __name__ == "__main__" and "--unit" in sys.argv:
    unit_fixtures()
