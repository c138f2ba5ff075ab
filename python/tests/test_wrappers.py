"""dsk.wrappers.ParallelPostFit against real daemons: every input kind gives scikit-learn's
predictions, probabilities and scores, in the input's kind; a fit inside the dsk backend
runs on the cluster and predicts as scikit-learn's fit; an estimator dsk does not run, or no
client, predicts here."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

import joblib

from dsk.wrappers import ParallelPostFit

from helpers import CATEGORIES, client, digits, news  # noqa: F401


@pytest.fixture(scope="module")
def svc(client):
    X, y = digits()
    return ParallelPostFit(SVC(random_state=0, probability=True), client=client).fit(X, y), X, y


def test_array_kinds(svc, tmp_path):
    clf, X, y = svc
    want = clf.estimator_.predict(X)
    assert np.array_equal(clf.predict(X), want)
    assert np.array_equal(clf.predict(sp.csr_matrix(X)), want)
    np.save(tmp_path / "X.npy", X)
    assert np.array_equal(clf.predict(np.load(tmp_path / "X.npy", mmap_mode="r")), want)
    assert np.array_equal(clf.predict(str(tmp_path / "X.npy")), want)
    assert np.array_equal(clf.predict(tmp_path / "X.npy"), want)
    proba = clf.predict_proba(X[:200])
    assert np.abs(proba - clf.estimator_.predict_proba(X[:200])).max() < 1e-9
    assert np.abs(clf.predict_log_proba(X[:50]) -
                  clf.estimator_.predict_log_proba(X[:50])).max() < 1e-9
    dec = clf.decision_function(X[:100])
    assert np.abs(dec - clf.estimator_.decision_function(X[:100])).max() < 1e-9
    assert clf.score(X, y) == clf.estimator_.score(X, y)
    assert clf.classes_.tolist() == list(range(10))


def test_pandas_and_dask(svc):
    pd = pytest.importorskip("pandas")
    da = pytest.importorskip("dask.array")
    clf, X, _ = svc
    want = clf.estimator_.predict(X)
    assert np.array_equal(clf.predict(pd.DataFrame(X)), want)
    big = da.from_array(np.concatenate([X] * 3), chunks=(1000, 64))  # chunks across copies
    out = clf.predict_proba(big)
    assert isinstance(out, da.Array) and out.chunks[0] == big.chunks[0]
    assert np.abs(out.compute() - clf.estimator_.predict_proba(np.concatenate([X] * 3))).max() \
        < 1e-9


def test_documents_fit_on_the_cluster(client):
    pd = pytest.importorskip("pandas")
    docs, names = news("train", CATEGORIES)
    test, _ = news("test", CATEGORIES)
    pipe = Pipeline([("vect", CountVectorizer()), ("tfidf", TfidfTransformer()),
                     ("clf", SGDClassifier(random_state=0))])
    ref = Pipeline(pipe.steps).fit(docs, names)
    clf = ParallelPostFit(pipe)
    before = len(client.jobs())
    with joblib.parallel_backend("dsk", client=client):
        clf.fit(docs, names)  # on the cluster: a fit job, read back as scikit-learn objects
    assert len(client.jobs()) == before + 1
    assert type(clf.estimator_).__name__ == "Pipeline"
    assert clf.classes_.tolist() == sorted(CATEGORIES)
    want = ref.predict(test)
    assert np.array_equal(clf.predict(test), want)
    assert np.array_equal(clf.predict(pd.Series(test)), want)
    assert np.array_equal(clf.predict(np.array(test, dtype=object)), want)
    assert np.array_equal(clf.estimator_.predict(test), want)  # the cluster's fit, here


def test_local_without_dsk(client):
    X, y = digits()
    clf = ParallelPostFit(LogisticRegression(max_iter=200)).fit(X[:500], y[:500])
    before = len(client.jobs())
    assert np.array_equal(clf.predict(X), clf.estimator_.predict(X))  # dsk does not run it
    assert len(client.jobs()) == before
