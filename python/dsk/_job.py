"""scikit-learn objects as a dsk job (docs/job-files.md): an estimator or a Pipeline as the
job's "pipeline", scikit-learn's candidates as explicit ones, its splits as a PredefinedSplit
and its scorer by name.

Only what dsk runs is translated; anything else raises Unsupported naming the step, the
parameter or the object and listing what is supported, before anything is sent. The
parameters' values are checked by the scheduler when it parses the job (the one validation),
so an out-of-range value fails there with the job path in the message.
"""

import numpy as np

# the classes dsk's workers implement (ml/ml_registry.c)
ESTIMATORS = ("CountVectorizer", "HashingVectorizer", "TfidfTransformer", "TfidfVectorizer",
              "SGDClassifier", "SVC")
# scorer names dsk computes (ml/select/ml_scorer.c); None is the estimator's own score
SCORERS = ("accuracy", "balanced_accuracy", "f1_macro", "f1_micro", "f1_weighted",
           "precision_macro", "precision_micro", "precision_weighted", "recall_macro",
           "recall_micro", "recall_weighted", "roc_auc")
_SINGLE_STEP = "estimator"  # the step name of a job made from a bare estimator


class Unsupported(ValueError):
    """A search dsk cannot run: what, and what is supported instead."""


def _is_wrapper(est):
    # dsk.wrappers.ParallelPostFit, or dask-ml's: the search fits the wrapped estimator
    return type(est).__name__ in ("ParallelPostFit", "Incremental") and hasattr(est, "estimator")


def _value(v, where):
    """A parameter value as JSON (None, bool, int, float, str and lists of them)."""
    if isinstance(v, (tuple, list)):
        return [_value(x, where) for x in v]
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            raise Unsupported("%s: %r is not a value dsk takes" % (where, v))
        return float(v)
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, type) and issubclass(v, np.generic):  # CountVectorizer's dtype
        return np.dtype(v).name
    what = "a Python callable" if callable(v) else "a %s" % type(v).__name__
    raise Unsupported("%s: %s (%r) cannot run on the cluster: dsk takes numbers, strings, "
                      "booleans, None and lists of them" % (where, what, v))


def _same(a, b):
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    try:
        return type(a) == type(b) and bool(a == b)
    except Exception:
        return a is b


def _step_params(est, name):
    """The parameters est sets away from its class's defaults: what the job must say."""
    cls = type(est).__name__
    if cls not in ESTIMATORS:
        raise Unsupported("step %r: %s is not an estimator dsk runs (supported: %s, and a "
                          "Pipeline of them)" % (name, cls, ", ".join(ESTIMATORS)))
    mine = est.get_params(deep=False)
    defaults = type(est)().get_params(deep=False)
    return {k: _value(v, "%s (%s) parameter %r" % (name, cls, k))
            for k, v in sorted(mine.items()) if k not in defaults or not _same(v, defaults[k])}


class Translation:
    """An estimator as dsk's steps, and how its parameter names read in the job."""

    def __init__(self, estimator):
        est, self.prefix = estimator, ""
        while _is_wrapper(est):
            est, self.prefix = est.estimator, self.prefix + "estimator__"
        if type(est).__name__ == "Pipeline":
            if est.memory is not None:
                raise Unsupported("Pipeline(memory=...): dsk shares prefixes itself; leave "
                                  "memory=None")
            self.single = False
            named = est.steps
        else:
            self.single = True
            named = [(_SINGLE_STEP, est)]
        for name, step in named:
            if step is None or step == "passthrough":
                raise Unsupported("step %r is 'passthrough': dsk runs every step it is given; "
                                  "leave the step out" % name)
        self.steps = [[name, type(step).__name__, _step_params(step, name)]
                      for name, step in named]
        if not named or type(named[-1][1]).__name__ not in ("SGDClassifier", "SVC"):
            raise Unsupported("a search on dsk ends in a classifier (SGDClassifier or SVC), "
                              "got %s" % (type(named[-1][1]).__name__ if named else "nothing"))
        self.names = {name for name, _ in named}

    def key(self, k):
        """A search parameter's name as the job says it."""
        if not k.startswith(self.prefix):
            raise Unsupported("parameter %r: dsk searches the wrapped estimator's parameters "
                              "(%s...)" % (k, self.prefix))
        k = k[len(self.prefix):]
        if self.single:
            if "__" in k:
                raise Unsupported("parameter %r: a nested parameter of an estimator dsk runs "
                                  "whole" % k)
            return "%s__%s" % (_SINGLE_STEP, k)
        step = k.split("__", 1)[0]
        if "__" not in k or step not in self.names:
            raise Unsupported("parameter %r: dsk searches step parameters (step__param) of "
                              "the steps %s; Pipeline's own parameters are not searched"
                              % (k, ", ".join(sorted(self.names))))
        return k

    def candidate(self, params):
        """A candidate's {name: value} as the job's one-value grid."""
        return {self.key(k): [_value(v, "search parameter %r" % k)]
                for k, v in sorted(params.items())}


def scorer_name(scorer, estimator=None):
    """The name dsk knows a scikit-learn scorer by (a search's scoring); estimator's own
    score when the scorer defers to it (a wrapper's scoring, else a classifier's accuracy)."""
    from sklearn.metrics import get_scorer
    from sklearn.metrics import _scorer
    if scorer is getattr(_scorer, "_passthrough_scorer", None):
        own = getattr(estimator, "scoring", None) if _is_wrapper(estimator) else None
        if own is None:
            return "accuracy"  # a classifier's score
        if isinstance(own, str) and own in SCORERS:
            return own
        raise Unsupported("%s(scoring=%r): dsk computes %s" % (type(estimator).__name__, own,
                                                                ", ".join(SCORERS)))
    for name in SCORERS:
        ref = get_scorer(name)
        if (type(ref) is type(scorer) and
                getattr(ref, "_score_func", None) is getattr(scorer, "_score_func", 0) and
                getattr(ref, "_sign", None) == getattr(scorer, "_sign", 0) and
                getattr(ref, "_kwargs", None) == getattr(scorer, "_kwargs", 0)):
            return name
    raise Unsupported("scoring %r: dsk computes %s" % (scorer, ", ".join(SCORERS)))


def test_fold(splits, n):
    """scikit-learn's (train, test) splits as each sample's test fold (-1: never tested), or
    Unsupported when they are not of that shape (every split trains on all the others)."""
    fold = np.full(n, -1, dtype=np.int64)
    for k, (_, test) in enumerate(splits):
        test = np.asarray(test)
        if np.any(fold[test] != -1):
            raise Unsupported("cv: test sets that overlap (as ShuffleSplit's may); dsk runs "
                              "splits where each sample is tested at most once (KFold, "
                              "StratifiedKFold, GroupKFold, PredefinedSplit ...)")
        fold[test] = k
    for k, (train, _) in enumerate(splits):
        if not np.array_equal(np.asarray(train), np.flatnonzero(fold != k)):
            raise Unsupported("cv: split %d does not train on every sample it does not test "
                              "(in order); dsk runs KFold-shaped splits" % k)
    return fold
