"""Golden answers for dsk's loaders (tests/parity/check_loaders.c).

scikit-learn 1.2's fetch_20newsgroups (offline, via golden_common) and
load_digits, fingerprinted the way check_loaders.c fingerprints dsk's:
the number of documents, FNV-1a of the targets as int32 LE, of the
"category/filename" sequence joined by "\\n" (the last two path components:
scikit-learn's paths are absolute temporary paths), of every document's
UTF-8 bytes each followed by a NUL; for digits, of X as float64 LE and y as
int32 LE.
"""
import json
import os
import tarfile
import tempfile

import numpy as np
from sklearn.datasets import load_digits, load_files

from golden_common import sk_newsgroups
from make_golden import hexhash

TWO = ["alt.atheism", "talk.religion.misc"]

# name -> (folder of the extracted archive, load_files keyword arguments), for
# dsk's "files" loader (check_loaders.c extracts the archive the same way).
FILES_CASES = {
    "files_train_latin1": ("20news-bydate-train", dict(encoding="latin-1")),
    "files_test_utf8_replace": ("20news-bydate-test",
                                dict(encoding="utf-8", decode_error="replace",
                                     random_state=3)),
}

# name -> fetch_20newsgroups keyword arguments; check_loaders.c reads them from here.
CASES = {
    "train": dict(subset="train"),
    "test": dict(subset="test"),
    "all": dict(subset="all"),
    "train_2cat": dict(subset="train", categories=TWO),
    "test_2cat": dict(subset="test", categories=TWO),
    "all_2cat": dict(subset="all", categories=TWO),
    "train_2cat_remove": dict(subset="train", categories=TWO,
                              remove=("headers", "footers", "quotes")),
    "all_remove": dict(subset="all", remove=("headers", "footers", "quotes")),
    "test_footers_noshuffle": dict(subset="test", remove=("footers",), shuffle=False),
    "test_3cat_rs0": dict(subset="test", random_state=0,
                          categories=["sci.space", "comp.graphics", "alt.atheism"]),
}


def _fingerprint(bunch):
    names = "\n".join("/".join(f.replace(os.sep, "/").split("/")[-2:])
                      for f in bunch.filenames)
    docs = b"".join(d.encode("utf-8") + b"\0" for d in bunch.data)
    return {
        "n": len(bunch.data),
        "target_names": list(bunch.target_names),
        "target": hexhash(np.asarray(bunch.target, dtype="<i4").tobytes()),
        "filenames": hexhash(names.encode("utf-8")),
        "docs": hexhash(docs),
        "docs_bytes": len(docs),
        "first_filename": "/".join(bunch.filenames[0].split("/")[-2:]),
    }


def main(data_home, out_dir):
    golden = {}
    for name, kwargs in CASES.items():
        golden[name] = dict(kwargs=kwargs, **_fingerprint(sk_newsgroups(data_home, **kwargs)))
        print("  20newsgroups", name, golden[name]["n"], flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(os.path.join(data_home, "20news-bydate.tar.gz"), "r:gz") as tar:
            tar.extractall(path=tmp)
        for name, (folder, kwargs) in FILES_CASES.items():
            bunch = load_files(os.path.join(tmp, folder), **kwargs)
            golden[name] = dict(folder=folder, kwargs=kwargs, **_fingerprint(bunch))
            print("  files", name, golden[name]["n"], flush=True)
    d = load_digits()
    golden["digits"] = {
        "n": int(d.data.shape[0]),
        "X": hexhash(np.ascontiguousarray(d.data, dtype="<f8").tobytes()),
        "y": hexhash(np.asarray(d.target, dtype="<i4").tobytes()),
        "X_sum": "%.17g" % float(d.data.sum()),
    }
    with open(os.path.join(out_dir, "loaders.json"), "w") as f:
        json.dump(golden, f, indent=1, sort_keys=True)
        f.write("\n")
