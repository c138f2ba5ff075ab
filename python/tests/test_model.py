"""Model interchange against real daemons: a scikit-learn SVC, or a CountVectorizer, TF-IDF
and SGDClassifier pipeline, written with to_dskm predicts on the cluster as scikit-learn does
(numbers, text labels, probabilities), and a dsk-fitted model read with from_dskm predicts in
scikit-learn as on the cluster."""

import numpy as np
import pytest
from sklearn.linear_model import SGDClassifier
from sklearn.svm import SVC

import dsk

from helpers import (ALL_CATEGORIES, CATEGORIES, client, digits, fit_model,  # noqa: F401
                     news)


@pytest.mark.parametrize("params", [{"C": 10}, {"kernel": "linear", "C": 0.1},
                                    {"kernel": "poly", "degree": 2, "gamma": 0.01}])
def test_sklearn_svc_on_the_cluster(client, tmp_path, params):
    X, y = digits()
    svc = SVC(**params).fit(X, y)
    path = tmp_path / "sk.dskm"
    dsk.to_dskm(svc, path)
    assert np.array_equal(client.predict(path, X, chunk_rows=400), svc.predict(X))
    got = client.predict(path, X[:300], method="decision_function", chunk_rows=100)
    assert np.max(np.abs(got - svc.decision_function(X[:300]))) < 1e-9


def test_labels_and_probabilities(client, tmp_path):
    X, y = digits()
    names = np.array(["zero", "one", "two"])
    keep = y < 3
    svc = SVC(probability=True, random_state=0).fit(X[keep], names[y[keep]])
    path = tmp_path / "named.dskm"
    dsk.to_dskm(svc, path)
    assert np.array_equal(client.predict(path, X[keep]), svc.predict(X[keep]))
    proba = client.predict(path, X[keep], method="predict_proba")
    assert np.max(np.abs(proba - svc.predict_proba(X[keep]))) < 1e-9


def test_dsk_svc_in_sklearn(client, tmp_path):
    X, y = digits()
    model = fit_model(client, tmp_path, "svc", {"loader": "digits"},
                      [["svc", "SVC", {"C": 10, "random_state": 0}]])
    svc = dsk.from_dskm(model)
    assert isinstance(svc, SVC) and svc.support_vectors_.shape[1] == 64
    assert np.array_equal(svc.predict(X), client.predict(model, X))
    # and back: the same file's worth of model
    dsk.to_dskm(svc, tmp_path / "again.dskm")
    assert np.array_equal(client.predict(tmp_path / "again.dskm", X), svc.predict(X))


def test_not_supported_yet(tmp_path):
    from sklearn.linear_model import LogisticRegression
    with pytest.raises(ValueError, match="LogisticRegression is not supported yet; supported: "
                                         "SVC, SGDClassifier"):
        dsk.to_dskm(LogisticRegression(), tmp_path / "lr.dskm")


def test_text_pipeline_both_ways(client, tmp_path):
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
    from sklearn.pipeline import Pipeline
    # scikit-learn's pipeline on all 20 categories, predicted by dsk on the whole test set
    train, y = news("train", ALL_CATEGORIES)
    test, _ = news("test", ALL_CATEGORIES)
    assert (len(train), len(test)) == (11314, 7532)
    pipe = Pipeline([("vect", CountVectorizer()), ("tfidf", TfidfTransformer()),
                     ("clf", SGDClassifier(random_state=0))]).fit(train, y)
    path = tmp_path / "news.dskm"
    dsk.to_dskm(pipe, path)
    assert np.array_equal(client.predict(path, test, chunk_rows=2000), pipe.predict(test))
    # bigrams, two categories, text labels
    train, y = news("train", CATEGORIES)
    test, _ = news("test", CATEGORIES)
    pipe = Pipeline([("vect", CountVectorizer(ngram_range=(1, 2))), ("tfidf", TfidfTransformer()),
                     ("clf", SGDClassifier(random_state=0))]).fit(train, y)
    dsk.to_dskm(pipe, path)
    assert np.array_equal(client.predict(path, test, chunk_rows=200), pipe.predict(test))
    # a dsk-fitted pipeline in scikit-learn
    model = fit_model(client, tmp_path, "sgd",
                      {"loader": "20newsgroups", "subset": "train", "categories": CATEGORIES},
                      [["vect", "CountVectorizer", {}], ["tfidf", "TfidfTransformer", {}],
                       ["clf", "SGDClassifier", {"random_state": 0}]])
    sk = dsk.from_dskm(model)
    assert [type(s).__name__ for _, s in sk.steps] == ["CountVectorizer", "TfidfTransformer",
                                                       "SGDClassifier"]
    assert np.array_equal(sk.predict(test), client.predict(model, test, chunk_rows=200))
