"""Model interchange with scikit-learn: .dskm files (ml/ml_model.h) to and from fitted
scikit-learn estimators, so a model fitted in either place predicts the same in the other.

    dsk.to_dskm(fitted_svc, "svc.dskm")     then dsk-submit predict / Client.predict
    svc = dsk.from_dskm("svc.dskm")         a real sklearn.svm.SVC: support_vectors_,
                                            dual_coef_, intercept_, ... and predict()

So far: SVC. The other estimators dsk runs (CountVectorizer, TfidfTransformer,
SGDClassifier, Pipeline) are refused with that list, not written wrong.
"""

import msgpack
import numpy as np

SUPPORTED = ("SVC",)

_SVC_PARAMS = ("C", "kernel", "degree", "gamma", "coef0", "shrinking", "probability", "tol",
               "cache_size", "class_weight", "verbose", "max_iter", "decision_function_shape",
               "break_ties", "random_state")


def _f64(a):
    return np.ascontiguousarray(a, dtype="<f8").tobytes()


def _param(v):
    """A scikit-learn parameter value as a .dskm holds it (None, bool, int, float, str)."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v)
    if v is None or isinstance(v, str):
        return v
    raise ValueError("a parameter value dsk cannot hold: %r" % (v,))


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
    return {"estimator": "SVC", "params": {p: _param(params[p]) for p in _SVC_PARAMS},
            "state": state}


def to_dskm(estimator, path):
    """Writes a fitted scikit-learn estimator as a .dskm model file."""
    name = type(estimator).__name__
    if name != "SVC":
        raise ValueError("to_dskm: %s is not supported yet; supported: %s"
                         % (name, ", ".join(SUPPORTED)))
    if not hasattr(estimator, "support_"):
        raise ValueError("to_dskm: the SVC is not fitted")
    step = dict(name="svc", **_svc_step(estimator))
    model = {"format": "dskm", "version": 1, "created_by": "dsk", "pipeline": [step],
             "labels": _labels_record(estimator.classes_)}
    with open(path, "wb") as f:
        f.write(msgpack.packb(model, use_bin_type=True))


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
        model = msgpack.unpackb(f.read(), raw=False, strict_map_key=False)
    if not isinstance(model, dict) or model.get("format") != "dskm":
        raise ValueError("%s is not a dsk model (no \"format\": \"dskm\")" % path)
    steps = model["pipeline"]
    names = [s["estimator"] for s in steps]
    if names != ["SVC"]:
        raise ValueError("from_dskm: a pipeline of %s is not supported yet; supported: %s"
                         % (", ".join(names), ", ".join(SUPPORTED)))
    k = len(steps[0]["state"]["classes"])
    return _svc_from(steps[0], _classes(model, k))
