"""Data as dsk sends it (jobs/job_data.h): a dataset is one msgpack map,

    {"dsk_dataset": 1, "X": <data>, "y": bin int32 LE | nil, "n_classes": int,
     "target_names": [str, ...] | nil, "filenames": nil, "labels_kind": int}

with X {"kind": "dense", "rows", "cols", "data": bin float64 LE},
{"kind": "csr", "rows", "cols", "indptr": bin int64 LE, "indices": bin int32 LE,
"data": bin float64 LE} or {"kind": "text", "n", "docs": [bin, ...]}. The
scheduler and the workers check every field when they unpack it, so what is
packed here is checked where it is read.
"""

import msgpack
import numpy as np


def _pack_X(X):
    if isinstance(X, np.ndarray) and X.ndim == 1 and X.dtype.kind in "OUS":
        X = list(X)  # documents in an array (a pandas Series' values, np.array(docs))
    if isinstance(X, (list, tuple)) and all(isinstance(d, (str, bytes)) for d in X):
        docs = [d.encode("utf-8") if isinstance(d, str) else bytes(d) for d in X]
        return {"kind": "text", "n": len(docs), "docs": docs}
    if hasattr(X, "tocsr"):  # a SciPy sparse matrix
        m = X.tocsr()
        m.sort_indices()
        return {"kind": "csr", "rows": int(m.shape[0]), "cols": int(m.shape[1]),
                "indptr": np.ascontiguousarray(m.indptr, dtype="<i8").tobytes(),
                "indices": np.ascontiguousarray(m.indices, dtype="<i4").tobytes(),
                "data": np.ascontiguousarray(m.data, dtype="<f8").tobytes()}
    a = np.asarray(X)
    if a.ndim != 2:
        raise ValueError("expected a 2-D array, a SciPy sparse matrix or a list of documents; "
                         "got an array of shape %r" % (a.shape,))
    if a.dtype.kind not in "fiub":
        raise ValueError("expected numbers, got an array of dtype %s" % a.dtype)
    return {"kind": "dense", "rows": int(a.shape[0]), "cols": int(a.shape[1]),
            "data": np.ascontiguousarray(a, dtype="<f8").tobytes()}


def rows(X):
    """How many rows (documents) X holds."""
    if isinstance(X, (list, tuple)):
        return len(X)
    return int(X.shape[0])


def take(X, lo, hi):
    """Rows [lo, hi) of X, of X's kind."""
    return X[lo:hi]


def pack_dataset(X):
    """X (without labels) as the bytes of a packed dataset."""
    return msgpack.packb({"dsk_dataset": 1, "X": _pack_X(X), "y": None, "n_classes": 0,
                          "target_names": None, "filenames": None, "labels_kind": 0},
                         use_bin_type=True)


def pack_labeled(X, y):
    """X with its labels y as the bytes of a packed dataset, and the distinct labels in
    order (the codes 0..k-1 stand for them, as scikit-learn's classes_)."""
    classes, codes = np.unique(np.asarray(y), return_inverse=True)
    if classes.dtype.kind in "iub":
        kind, names = 1, ["%d" % v for v in classes]
    elif classes.dtype.kind == "f":
        kind, names = 1, [repr(float(v)) for v in classes]
    else:
        kind, names = 2, [str(v) for v in classes]
    buf = msgpack.packb({"dsk_dataset": 1, "X": _pack_X(X),
                         "y": np.ascontiguousarray(codes, dtype="<i4").tobytes(),
                         "n_classes": len(classes), "target_names": names, "filenames": None,
                         "labels_kind": kind}, use_bin_type=True)
    return buf, classes


def unpack_result(buf):
    """A predict chunk's result (jobs/job_predict.h) as a NumPy array: labels as int32 codes,
    scores as float64 rows."""
    r = msgpack.unpackb(buf, raw=False, strict_map_key=False)
    n = r["rows"]
    if "labels" in r:
        return np.frombuffer(r["labels"], dtype="<i4", count=n).copy()
    if "data" in r:
        d = r["data"]
        if d["kind"] != "dense":
            raise ValueError("a sparse chunk output: predict it with dsk-submit to .svmlight")
        dtype = {"f8": "<f8", "f4": "<f4", "u1": "u1"}[d.get("dtype", "f8")]
        return np.frombuffer(d["data"], dtype=dtype).astype(np.float64).reshape(d["rows"],
                                                                               d["cols"])
    raise ValueError("a chunk result without labels or data: %r" % sorted(r))
