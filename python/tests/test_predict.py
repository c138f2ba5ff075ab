"""Client.predict (ParallelPostFit on the cluster) against real daemons: the rows dsk-submit
predict gives for the same model and rows, from a NumPy array, a SciPy sparse matrix and a
list of documents, in order; labels as the model was fitted with them; a clear error for
what is not a model."""

import os

import numpy as np
import pytest
import scipy.sparse as sp

import dsk

from helpers import client, digits, fit_model, submit  # noqa: F401 (client: a fixture)


def test_matrices(client, tmp_path):
    model = fit_model(client, tmp_path, "svc", {"loader": "digits"},
                 [["svc", "SVC", {"C": 10, "random_state": 0}]])
    X, _ = digits()
    np.save(tmp_path / "X.npy", X)
    submit(client, "predict", "--model", str(model), "--input", str(tmp_path / "X.npy"),
            "--out", str(tmp_path / "want.npy"), "--quiet")
    want = np.load(tmp_path / "want.npy")
    got = client.predict(model, X, chunk_rows=250)
    assert got.dtype == np.int64 and np.array_equal(got, want)
    assert np.array_equal(client.predict(str(model), sp.csr_matrix(X), chunk_rows=333), want)
    scores = client.predict(model, X[:100], method="decision_function", chunk_rows=30)
    assert scores.shape == (100, 10) and np.array_equal(scores.argmax(axis=1), want[:100])


def test_labels_as_fitted(client, tmp_path):
    X, y = digits()
    keep = y < 2
    np.save(tmp_path / "X01.npy", X[keep])
    np.save(tmp_path / "ypm.npy", np.where(y[keep] == 1, 1.0, -1.0))
    model = fit_model(client, tmp_path, "pm", {"loader": "npy", "path": str(tmp_path / "X01.npy"),
                                          "labels_path": str(tmp_path / "ypm.npy")},
                 [["svc", "SVC", {"C": 0.001}]])
    got = client.predict(model, X[keep], chunk_rows=100)
    submit(client, "predict", "--model", str(model), "--input", str(tmp_path / "X01.npy"),
            "--out", str(tmp_path / "want.npy"), "--quiet")
    assert set(np.unique(got)) <= {-1, 1} and np.array_equal(got, np.load(tmp_path /
                                                                           "want.npy"))


def test_documents(client, tmp_path):
    model = fit_model(client, tmp_path, "sgd",
                 {"loader": "20newsgroups", "subset": "train",
                  "categories": ["alt.atheism", "talk.religion.misc"]},
                 [["vect", "CountVectorizer", {}], ["tfidf", "TfidfTransformer", {}],
                  ["clf", "SGDClassifier", {"random_state": 0}]])
    docs = ["god is %s and the %s" % (w, v) for w in ("great", "not", "a myth")
            for v in ("church", "bible", "science", "evidence")] * 5
    (tmp_path / "docs.txt").write_text("".join(d + "\n" for d in docs))
    submit(client, "predict", "--model", str(model), "--input", str(tmp_path / "docs.txt"),
            "--out", str(tmp_path / "want.npy"), "--quiet")
    assert np.array_equal(client.predict(model, docs, chunk_rows=7),
                          np.load(tmp_path / "want.npy"))


def test_not_a_model(client):
    with pytest.raises(dsk.DskError, match="not a dsk model"):
        client.predict(b"\x81\xa1a\x01", np.zeros((2, 2)))
    with pytest.raises(ValueError, match="method"):
        client.predict(b"", np.zeros((2, 2)), method="fit")


def test_ctrl_c_cancels_the_job(client, tmp_path):
    import signal
    import threading
    import time
    model = fit_model(client, tmp_path, "svc", {"loader": "digits"}, [["svc", "SVC", {}]])
    X, _ = digits()
    big = np.tile(X, (200, 1))
    threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    with pytest.raises(KeyboardInterrupt):
        client.predict(model, big, chunk_rows=2000)
        time.sleep(5)  # (not reached when the interrupt came in time)
    last = max(client.jobs(), key=lambda j: j["job_id"])
    assert last["kind"] == "predict" and last["state"] == "cancelled", last
