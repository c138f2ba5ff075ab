#!/usr/bin/python3
"""Writes the fuzz targets' seed corpus (tests/fuzz/corpus/NAME/): a few small valid inputs
for each decoder, so that libFuzzer starts from the formats' real shapes. Run from the top of
the tree with Debian's python3-msgpack, python3-numpy, python3-scipy and python3-sklearn;
the output is committed, so `make fuzz` needs no Python. Inputs that once crashed a target
(regress_*) are kept beside what this writes.

    /usr/bin/python3 tests/fuzz/make_corpus.py
"""
import io
import json
import os
import sys
import tarfile

import msgpack
import numpy as np
import scipy.sparse as sp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, os.pardir, "python"))
from dsk import model  # noqa: E402
from dsk._data import pack_dataset, pack_labeled  # noqa: E402


def packb(o):
    return msgpack.packb(o, use_bin_type=True)


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def npy(a):
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def main():
    X = np.arange(12, dtype=float).reshape(4, 3)
    y = np.array([0, 1, 0, 1])
    docs = ["the cat sat", "a dog ran", "the dog sat", "cats and dogs"]

    # the wire's messages: ["DSK", 2, type, fields...]
    write("fuzz_msg", "status_req", packb(["DSK", 2, 5, 0]))
    write("fuzz_msg", "job_req", packb(["DSK", 2, 10, 3, 0]))
    write("fuzz_msg", "submit", packb(["DSK", 2, 8, 1, 0, "job", b"{}", pack_dataset(X)]))
    write("fuzz_msg", "chunk", packb(["DSK", 2, 15, 1, 0, pack_dataset(X)]))

    # job files
    for name in ("seed_grid.json", "digits_svc.json"):
        with open(os.path.join(HERE, os.pardir, os.pardir, "examples", name), "rb") as f:
            write("fuzz_job_file", name, f.read())
    write("fuzz_job_file", "predefined.json", json.dumps({
        "data": {"loader": "python"}, "pipeline": [["svc", "SVC", {"C": 2.0}]],
        "search": {"param_grid": [{"svc__C": [1.0]}, {"svc__gamma": ["scale", 0.1]}],
                   "cv": {"class": "PredefinedSplit", "test_fold": [0, 1, -1, 0, 1]},
                   "scoring": "f1_macro", "error_score": "nan",
                   "return_train_score": True}}).encode())
    write("fuzz_job_file", "random.json", json.dumps({
        "data": {"loader": "digits"}, "pipeline": [["clf", "SGDClassifier", {}]],
        "search": {"kind": "random", "param_distributions": {"clf__alpha": [1e-4, 1e-5]},
                   "n_iter": 2, "random_state": 0,
                   "cv": {"class": "KFold", "n_splits": 3, "shuffle": True,
                          "random_state": 1}}}).encode())

    # what daemons hand each other: the first byte picks the decoder
    write("fuzz_job_bytes", "dataset_dense", b"\0" + pack_labeled(X, y)[0])
    write("fuzz_job_bytes", "dataset_text", b"\0" + pack_labeled(docs, ["a", "b", "a", "b"])[0])
    csr = msgpack.unpackb(pack_dataset(sp.csr_matrix(X)), raw=False)["X"]
    write("fuzz_job_bytes", "data_csr", b"\1" + packb(csr))
    write("fuzz_job_bytes", "spec", b"\2" + packb({
        "dsk_task_job": 1, "steps": [["svc", "SVC", {"C": 1.0}]],
        "candidates": [{"svc__C": 1.0}, {"svc__C": 10}],
        "folds": np.array([0, 1, 0, -1], dtype="<i4").tobytes(), "scoring": "accuracy",
        "train_scores": True, "error_score": float("nan")}))
    write("fuzz_job_bytes", "score", b"\3" + packb([0.5, 0.01, 0.002, float("nan"), None]))
    write("fuzz_job_bytes", "score_failed", b"\3" + packb([0.0, 0.01, 0.0, 0.0, "SVC: failed"]))
    dense = {"kind": "dense", "rows": 2, "cols": 3, "data": X[:2].astype("<f8").tobytes()}
    write("fuzz_job_bytes", "split", b"\4" + packb({
        "Xtr": dense, "Xte": dense, "ytr": np.array([0, 1], "<i4").tobytes(),
        "yte": np.array([1, 0], "<i4").tobytes(), "fit_time": 0.1, "score_time": 0.01}))
    write("fuzz_job_bytes", "split_failed", b"\4" + packb({
        "error": "CountVectorizer: empty vocabulary", "fit_time": 0.1, "score_time": 0.0}))

    # models
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
    from sklearn.linear_model import SGDClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.svm import SVC
    write("fuzz_model", "svc.dskm", model.dskm_bytes(SVC(probability=False).fit(X, y)))
    text = Pipeline([("vect", CountVectorizer()), ("tfidf", TfidfTransformer()),
                     ("clf", SGDClassifier(random_state=0))]).fit(docs, ["x", "y", "x", "y"])
    write("fuzz_model", "text.dskm", model.dskm_bytes(text))

    # numbers in files: the first byte picks the reader and its options (fuzz_numeric.c)
    write("fuzz_numeric", "npy_1d", bytes([3]) + npy(np.arange(5.0)))
    write("fuzz_numeric", "npy_2d", bytes([0]) + npy(X))
    write("fuzz_numeric", "npy_int", bytes([0]) + npy(np.arange(6, dtype="<i4").reshape(2, 3)))
    write("fuzz_numeric", "csv", bytes([1]) + b"1,2,3\n4,5,6\n")
    write("fuzz_numeric", "csv_labels", bytes([4 + 6]) + b"a,b,label\n1,2,x\n3,4,y\n")
    write("fuzz_numeric", "svmlight", bytes([2]) + b"1 0:1.5 3:2\n-1 1:0.5\n")
    write("fuzz_numeric", "svmlight_one", bytes([5]) + b"2 1:1 2:2 # c\n0 4:1e3\n")

    # archives: a tar (gzip'd and plain) and an .npz (stored and deflated)
    for gz, name in ((True, "tar_gz"), (False, "tar")):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz" if gz else "w") as t:
            for member, body in (("20news-bydate-train/alt.atheism/1", b"From: a\n\nhi"),
                                 ("20news-bydate-test/sci.space/2", b"Subject: s\n\nspace")):
                info = tarfile.TarInfo(member)
                info.size = len(body)
                t.addfile(info, io.BytesIO(body))
        write("fuzz_archive", name, b"\0" + buf.getvalue())
    for compressed, name in ((False, "npz_stored"), (True, "npz_deflated")):
        buf = io.BytesIO()
        sp.save_npz(buf, sp.csr_matrix(X), compressed=compressed)
        write("fuzz_archive", name, b"\1" + buf.getvalue())


if __name__ == "__main__":
    main()
