"""dsk.wrappers.ParallelPostFit: dask-ml's meta-estimator, predicting on a dsk cluster.

    clf = ParallelPostFit(SVC(random_state=0))
    GridSearchCV(clf, {"estimator__C": [0.01, 1.0, 10]}).fit(X, y)   # small data, local fits
    clf.predict(big_X)                                              # the cluster predicts

Fitting is local, as in dask-ml, except inside ``joblib.parallel_backend("dsk")``, where a
fit of an estimator dsk runs goes to the cluster (so a search's refit does too). predict,
predict_proba, predict_log_proba, decision_function, transform and score run on the cluster
of the ``client`` given, else the dsk.Client made last, for NumPy arrays, np.memmap, SciPy
sparse matrices, lists of documents, pandas DataFrames and Series, dask arrays (read chunk
by chunk, out of core) and file paths (.npy, .npz, .txt); the fitted model goes to each
worker once a call. The result has the input's kind: NumPy for NumPy, a dask array for a
dask array. Without a client, or for an estimator dsk does not run, they run here.
"""

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin

from . import _data, _job, model
from ._wire import DskError
from .client import default_client

__all__ = ["ParallelPostFit"]


def _is_dask_array(X):
    return type(X).__module__.startswith("dask.array")


def _open_path(path):
    """A file path's rows: a .npy memory-mapped, a .npz as a SciPy sparse matrix, a .txt's
    lines as documents."""
    import os
    path = os.fspath(path)
    if path.endswith(".npy"):
        return np.load(path, mmap_mode="r")
    if path.endswith(".npz"):
        from scipy import sparse
        return sparse.load_npz(path)
    if path.endswith(".txt"):
        with open(path, encoding="utf-8") as f:
            return [line.rstrip("\n") for line in f]
    raise ValueError("%s: ParallelPostFit reads .npy, .npz (a SciPy sparse matrix) and .txt "
                     "(a document a line); for other files use dsk-submit predict" % path)


class ParallelPostFit(MetaEstimatorMixin, BaseEstimator):
    """A fitted estimator whose predictions run on a dsk cluster (see the module)."""

    def __init__(self, estimator=None, scoring=None, client=None):
        self.estimator = estimator
        self.scoring = scoring
        self.client = client

    @property
    def _estimator_type(self):
        return getattr(self.estimator, "_estimator_type", None)

    def _more_tags(self):
        return {"X_types": ["2darray", "string", "sparse"]}

    # ---- fitting ------------------------------------------------------------

    def fit(self, X, y=None, **fit_params):
        fitted = None
        if not fit_params and y is not None and self._in_dsk_backend():
            fitted = self._fit_on_cluster(X, y)
        if fitted is None:
            from sklearn.base import clone
            fitted = clone(self.estimator).fit(X, y, **fit_params)
        self.estimator_ = fitted
        self._blob = None
        for k, v in vars(fitted).items():  # classes_, n_features_in_ ... as dask-ml copies them
            if k.endswith("_") and not k.startswith("_"):
                setattr(self, k, v)
        if hasattr(fitted, "classes_"):  # a Pipeline's is its last step's
            self.classes_ = fitted.classes_
        return self

    @staticmethod
    def _in_dsk_backend():
        from joblib.parallel import get_active_backend
        from .joblib import DskBackend
        return isinstance(get_active_backend()[0], DskBackend)

    def _fit_on_cluster(self, X, y):
        from joblib.parallel import get_active_backend
        client = get_active_backend()[0].client or self.client or default_client()
        try:
            tr = _job.Translation(self.estimator)
        except _job.Unsupported:
            return None  # not an estimator dsk fits: fitted here
        if client is None:
            return None
        job = {"data": {"loader": "python"}, "pipeline": tr.steps}
        name = "%s fit" % type(self.estimator).__name__
        try:  # a parameter dsk does not take: fitted here, as scikit-learn would
            client.check(job, "fit", name)
        except DskError:
            return None
        blob = client.fit(job, _data.pack_labeled(X, y)[0], name=name)
        est = model.from_dskm_bytes(blob)
        self._blob = blob
        return est

    # ---- on the cluster -----------------------------------------------------

    def _check_fitted(self):
        if not hasattr(self, "estimator_"):
            from sklearn.exceptions import NotFittedError
            raise NotFittedError("This ParallelPostFit instance is not fitted yet. Call "
                                 "'fit' with appropriate arguments before using this "
                                 "estimator.")

    def _model_blob(self):
        blob = getattr(self, "_blob", None)
        if blob is None:
            try:
                blob = model.dskm_bytes(self.estimator_)
            except ValueError:
                blob = b""  # an estimator dsk does not run: predicted here
            self._blob = blob
        return blob

    def _run(self, method, X):
        self._check_fitted()
        if isinstance(X, (str, bytes)) or hasattr(X, "__fspath__"):
            X = _open_path(X)
        client = self.client or default_client()
        blob = self._model_blob() if client is not None else b""
        if not blob:
            local = X.compute() if _is_dask_array(X) else X
            return getattr(self.estimator_, method)(local)
        dask = _is_dask_array(X)
        if hasattr(X, "to_numpy") and not dask:  # pandas
            X = X.to_numpy()
            if X.ndim == 1:
                X = [str(d) for d in X]
        elif isinstance(X, np.ndarray) and X.ndim == 1 and X.dtype.kind in "OUS":
            X = [d if isinstance(d, (str, bytes)) else str(d) for d in X]
        chunk_rows = 20000
        if dask and len(set(X.chunks[0][:-1])) <= 1:
            chunk_rows = X.chunks[0][0]  # one dsk chunk a dask chunk: each read once
        out = client.predict(blob, X, method=method, chunk_rows=chunk_rows)
        if dask:
            import dask.array as da
            return da.from_array(out, chunks=(X.chunks[0],) + tuple((d,) for d in
                                                                     out.shape[1:]))
        return out

    def predict(self, X):
        return self._run("predict", X)

    def predict_proba(self, X):
        return self._run("predict_proba", X)

    def predict_log_proba(self, X):
        return self._run("predict_log_proba", X)

    def decision_function(self, X):
        return self._run("decision_function", X)

    def transform(self, X):
        return self._run("transform", X)

    def score(self, X, y):
        """The scoring given, else the estimator's own score (accuracy for a classifier),
        from predictions made on the cluster."""
        if self.scoring is not None:
            from sklearn.metrics import get_scorer
            return get_scorer(self.scoring)(self, X, y)
        if self._estimator_type == "classifier":
            from sklearn.metrics import accuracy_score
            return accuracy_score(np.asarray(y), np.asarray(self.predict(X)))
        self._check_fitted()
        return self.estimator_.score(X, y)
