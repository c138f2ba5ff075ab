"""Model interchange with scikit-learn: .dskm files (ml/ml_model.h) to and from fitted
scikit-learn estimators, so a model fitted in either place predicts the same in the other.

    dsk.to_dskm(fitted_svc, "svc.dskm")     then dsk-submit predict / Client.predict
    svc = dsk.from_dskm("svc.dskm")         a real sklearn.svm.SVC: support_vectors_,
                                            dual_coef_, intercept_, ... and predict()

So far: SVC, SGDClassifier, CountVectorizer, TfidfTransformer, and a Pipeline
of them. Anything else (another estimator, a callable parameter, a fitted
dict) is refused with what is supported, not written wrong.
"""

import msgpack
import numpy as np

SUPPORTED = ("SVC", "SGDClassifier", "CountVectorizer", "TfidfTransformer", "Pipeline")

_SVC_PARAMS = ("C", "kernel", "degree", "gamma", "coef0", "shrinking", "probability", "tol",
               "cache_size", "class_weight", "verbose", "max_iter", "decision_function_shape",
               "break_ties", "random_state")


def _f64(a):
    return np.ascontiguousarray(a, dtype="<f8").tobytes()


def _param(v, est="", name=""):
    """A scikit-learn parameter value as a .dskm holds it (None, bool, int, float, str, and
    lists of them)."""
    if isinstance(v, (tuple, list)):
        return [_param(x, est, name) for x in v]
    if isinstance(v, type) and issubclass(v, np.generic):  # CountVectorizer's dtype
        return np.dtype(v).name
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v)
    if v is None or isinstance(v, str):
        return v
    raise ValueError("to_dskm: %s: parameter %r: a value dsk cannot hold: %r" % (est, name, v))


def _labels_record(classes):
    """The model's "labels": what codes 0..k-1 stand for (scikit-learn's classes_)."""
    classes = np.asarray(classes)
    if classes.dtype.kind in "iu":
        return {"kind": "numbers", "names": ["%d" % v for v in classes]}
    if classes.dtype.kind == "f":
        return {"kind": "numbers", "names": [repr(float(v)) for v in classes]}
    return {"kind": "texts", "names": [str(v) for v in classes]}


def _svc_step(svc):
    from scipy import sparse
    k = len(svc.classes_)
    sv = svc.support_vectors_
    sv = sv.toarray() if sparse.issparse(sv) else np.asarray(sv)
    params = svc.get_params()
    if not isinstance(params["class_weight"], (type(None), str)):
        raise ValueError("SVC: class_weight as a dict is not supported by dsk; use None or "
                         "'balanced'")
    # libsvm's rho is -intercept (scikit-learn keeps the libsvm signs in _intercept_ and
    # _dual_coef_, and flips the public ones for two classes)
    rho = np.where(svc._intercept_ == 0, 0.0, -svc._intercept_)
    state = {
        "classes": list(range(k)),
        "n_support": [int(v) for v in svc._n_support],
        "n_features": int(sv.shape[1]),
        "gamma": float(svc._gamma),
        "support": [int(v) for v in svc.support_],
        "support_vectors": _f64(sv),
        "dual_coef": _f64(svc._dual_coef_),
        "rho": _f64(rho),
    }
    if svc.probability:
        state["probA"] = _f64(svc._probA)
        state["probB"] = _f64(svc._probB)
    return {"estimator": "SVC", "params": _params(svc, _SVC_PARAMS), "state": state}


_SGD_PARAMS = ("loss", "penalty", "alpha", "l1_ratio", "fit_intercept", "max_iter", "tol",
               "shuffle", "verbose", "epsilon", "n_jobs", "random_state", "learning_rate", "eta0",
               "power_t", "early_stopping", "validation_fraction", "n_iter_no_change",
               "class_weight", "warm_start", "average")
_CV_PARAMS = ("input", "encoding", "decode_error", "strip_accents", "lowercase", "preprocessor",
              "tokenizer", "stop_words", "token_pattern", "ngram_range", "analyzer", "max_df",
              "min_df", "max_features", "vocabulary", "binary", "dtype")
_TT_PARAMS = ("norm", "use_idf", "smooth_idf", "sublinear_tf")


def _params(est, names):
    p = est.get_params(deep=False)
    return {n: _param(p[n], type(est).__name__, n) for n in names}


def _sgd_step(sgd):
    params = _params(sgd, _SGD_PARAMS)
    coef = np.asarray(sgd.coef_, dtype=np.float64)
    state = {"params": params, "classes": list(range(len(sgd.classes_))),
             "n_features": int(coef.shape[1]), "coef": [float(v) for v in coef.ravel()],
             "intercept": [float(v) for v in np.ravel(sgd.intercept_)],
             "n_iter": int(sgd.n_iter_)}
    return {"estimator": "SGDClassifier", "params": params, "state": state}


def _cv_step(cv):
    if not hasattr(cv, "vocabulary_"):
        raise ValueError("to_dskm: the CountVectorizer is not fitted")
    terms = [None] * len(cv.vocabulary_)
    for term, j in cv.vocabulary_.items():
        terms[j] = term
    return {"estimator": "CountVectorizer", "params": _params(cv, _CV_PARAMS),
            "state": {"vocabulary_": terms}}


def _tt_step(tt):
    idf = getattr(tt, "idf_", None) if tt.use_idf else None
    return {"estimator": "TfidfTransformer", "params": _params(tt, _TT_PARAMS),
            "state": {"n_features_in_": int(tt.n_features_in_),
                      "idf_": None if idf is None else [float(v) for v in idf]}}


_STEPS = {"SVC": _svc_step, "SGDClassifier": _sgd_step, "CountVectorizer": _cv_step,
          "TfidfTransformer": _tt_step}


def to_dskm(estimator, path):
    """Writes a fitted scikit-learn estimator (or Pipeline) as a .dskm model file."""
    blob = dskm_bytes(estimator)
    with open(path, "wb") as f:
        f.write(blob)


def dskm_bytes(estimator):
    """A fitted scikit-learn estimator (or Pipeline) as the bytes of a .dskm."""
    steps = (estimator.steps if type(estimator).__name__ == "Pipeline"
             else [(type(estimator).__name__.lower(), estimator)])
    pipeline = []
    for name, est in steps:
        kind = type(est).__name__
        if kind not in _STEPS:
            raise ValueError("to_dskm: %s is not supported yet; supported: %s"
                             % (kind, ", ".join(SUPPORTED)))
        if kind == "SVC" and not hasattr(est, "support_"):
            raise ValueError("to_dskm: the SVC is not fitted")
        pipeline.append(dict(name=name, **_STEPS[kind](est)))
    model = {"format": "dskm", "version": 1, "created_by": "dsk", "pipeline": pipeline}
    classes = getattr(steps[-1][1], "classes_", None)
    if classes is not None:
        model["labels"] = _labels_record(classes)
    return msgpack.packb(model, use_bin_type=True)


def _sgd_from(step, classes):
    from sklearn.linear_model import SGDClassifier
    st = step["state"]
    sgd = SGDClassifier(**step["params"])
    k, d = len(st["classes"]), int(st["n_features"])
    rows = 1 if k == 2 else k
    sgd.classes_ = classes
    sgd.coef_ = np.asarray(st["coef"], dtype=np.float64).reshape(rows, d)
    sgd.intercept_ = np.asarray(st["intercept"], dtype=np.float64)
    sgd.n_iter_ = int(st["n_iter"])
    sgd.n_features_in_ = d
    sgd.t_ = 1.0
    return sgd


def _cv_from(step):
    from sklearn.feature_extraction.text import CountVectorizer
    params = dict(step["params"])
    params["ngram_range"] = tuple(params["ngram_range"])
    params["dtype"] = np.dtype(params["dtype"]).type
    cv = CountVectorizer(**params)
    cv.vocabulary_ = {t: j for j, t in enumerate(step["state"]["vocabulary_"])}
    cv.fixed_vocabulary_ = False
    cv.stop_words_ = set()
    return cv


def _tt_from(step):
    from sklearn.feature_extraction.text import TfidfTransformer
    tt = TfidfTransformer(**step["params"])
    st = step["state"]
    tt.n_features_in_ = int(st["n_features_in_"])
    if st["idf_"] is not None:
        tt.idf_ = np.asarray(st["idf_"], dtype=np.float64)
    return tt


def _classes(model, k):
    labels = model.get("labels")
    if not labels:
        return np.arange(k)
    names = labels["names"]
    if labels["kind"] == "texts":
        return np.array(names)
    values = np.array([float(v) for v in names])
    return values.astype(np.int64) if np.all(values == np.floor(values)) else values


def _svc_from(step, classes):
    from sklearn.svm import SVC
    st = step["state"]
    svc = SVC(**step["params"])
    k, d = len(st["classes"]), int(st["n_features"])
    n_sv = len(st["support"])
    svc.classes_ = classes
    svc._sparse = False
    svc.shape_fit_ = (n_sv, d)
    svc.n_features_in_ = d
    svc.support_ = np.asarray(st["support"], dtype=np.int32)
    svc.support_vectors_ = np.frombuffer(st["support_vectors"], dtype="<f8").reshape(n_sv, d)
    svc._n_support = np.asarray(st["n_support"], dtype=np.int32)
    svc._dual_coef_ = np.frombuffer(st["dual_coef"], dtype="<f8").reshape(k - 1, n_sv)
    rho = np.frombuffer(st["rho"], dtype="<f8")
    svc._intercept_ = np.where(rho == 0, 0.0, -rho)
    svc.dual_coef_ = -svc._dual_coef_ if k == 2 else svc._dual_coef_.copy()
    svc.intercept_ = -svc._intercept_ if k == 2 else svc._intercept_.copy()
    svc._gamma = float(st["gamma"])
    svc._probA = np.frombuffer(st["probA"], dtype="<f8") if "probA" in st else np.empty(0)
    svc._probB = np.frombuffer(st["probB"], dtype="<f8") if "probB" in st else np.empty(0)
    svc.class_weight_ = np.ones(k)
    svc.fit_status_ = 0
    svc.n_iter_ = np.zeros(k * (k - 1) // 2, dtype=np.int32)
    return svc


def from_dskm(path):
    """A .dskm model file as a fitted scikit-learn estimator."""
    with open(path, "rb") as f:
        return from_dskm_bytes(f.read(), path)


def from_dskm_bytes(blob, what="the model"):
    """A .dskm's bytes as a fitted scikit-learn estimator."""
    model = msgpack.unpackb(blob, raw=False, strict_map_key=False)
    if not isinstance(model, dict) or model.get("format") != "dskm":
        raise ValueError("%s is not a dsk model (no \"format\": \"dskm\")" % what)
    out = []
    for step in model["pipeline"]:
        kind = step["estimator"]
        if kind in ("SVC", "SGDClassifier"):
            classes = _classes(model, len(step["state"]["classes"]))
            est = _svc_from(step, classes) if kind == "SVC" else _sgd_from(step, classes)
        elif kind == "CountVectorizer":
            est = _cv_from(step)
        elif kind == "TfidfTransformer":
            est = _tt_from(step)
        else:
            raise ValueError("from_dskm: %s is not supported yet; supported: %s"
                             % (kind, ", ".join(SUPPORTED)))
        out.append((step["name"], est))
    if len(out) == 1:
        return out[0][1]
    from sklearn.pipeline import Pipeline
    return Pipeline(out)
