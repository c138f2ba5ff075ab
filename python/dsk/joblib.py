"""The joblib backend "dsk": scikit-learn's own searches, fitted on a dsk cluster.

    import dsk
    client = dsk.Client(n_workers=2, threads_per_worker=1)
    with joblib.parallel_backend("dsk", scatter=[X, y]):
        GridSearchCV(pipeline, grid, cv=3).fit(X, y)

GridSearchCV and RandomizedSearchCV hand joblib one ``_fit_and_score`` call per candidate
and split. Run one by one, each call would tokenize the documents and fit every step again;
this backend instead waits until the search has handed over all of them (it asks joblib to
dispatch everything first), recognises the calls, and sends them to the cluster as one dsk
job: the estimator as the job's pipeline, the candidates as explicit ones, scikit-learn's
own splits as a PredefinedSplit. The cluster then shares the tokenization and the fitted
prefixes between candidates as it does for a job file. Each call gets back the dict
``_fit_and_score`` would have returned (score, times, test size), so cv_results_,
best_params_, best_index_ and the refit (done locally by scikit-learn, as with Dask) are
scikit-learn's.

Multi-metric scoring runs one job a metric (the fits repeat). What dsk does not run
(another estimator, a callable parameter or scorer, fit parameters, return_estimator,
splits that test a sample twice) raises
dsk._job.Unsupported naming it, before any data is sent; with
``parallel_backend("dsk", fallback="local")`` those calls run here instead, with a warning.
Calls that are not a search's fits (a user's own ``Parallel``) run here, one after another.

The client is the ``client=`` given to parallel_backend, else the dsk.Client made last.
"""

import inspect
import sys
import time
import warnings

from joblib import register_parallel_backend
from joblib._parallel_backends import ParallelBackendBase, SequentialBackend

from . import _data, _job
from ._wire import DskError
from .client import DskJobError, default_client

__all__ = ["DskBackend"]


def _fit_and_score_function():
    from sklearn.model_selection import _validation
    return _validation._fit_and_score


class _Call:
    """One function call of a joblib batch, with its arguments by name when it is a fit."""

    def __init__(self, func, args, kwargs):
        self.func, self.args, self.kwargs = func, args, kwargs
        self.fit = None
        target = _fit_and_score_function()
        if getattr(func, "function", func) is target:
            bound = inspect.signature(target).bind(*args, **kwargs)
            bound.apply_defaults()
            self.fit = bound.arguments

    def run_here(self):
        return self.func(*self.args, **self.kwargs)


class _Future:
    """What apply_async returns: its batch's results once the backend has run them."""

    def __init__(self, backend, batch, callback):
        self.backend, self.batch, self.callback = backend, batch, callback
        self.calls = [_Call(f, a, k) for f, a, k in batch.items]
        self.results = [None] * len(self.calls)
        self.done = False
        self.error = None

    def get(self, timeout=None):
        if not self.done:
            self.backend.run_pending()
        if self.error is not None:
            raise self.error
        return self.results

    def finish(self, error=None):
        self.done, self.error = True, error
        if error is None and self.callback is not None:
            self.callback(self.results)


def _end_line(f, out, total_time):
    """scikit-learn's verbose "[CV k/n; c/m] END params; score=... total time=..." line
    (_fit_and_score's, for verbose > 1)."""
    progress = ""
    if f["verbose"] > 2 and f["split_progress"] is not None:
        progress = " %d/%d" % (f["split_progress"][0] + 1, f["split_progress"][1])
    if f["verbose"] > 9 and f["candidate_progress"]:
        progress += "; %d/%d" % (f["candidate_progress"][0] + 1, f["candidate_progress"][1])
    params = f["parameters"] or {}
    msg = ", ".join("%s=%s" % (k, params[k]) for k in sorted(params))
    msg += ";" if msg else ""
    test, train = out["test_scores"], out.get("train_scores")
    if f["verbose"] > 2 and isinstance(test, dict):
        for name in sorted(test):
            msg += " %s: (" % name
            if train is not None:
                msg += "train=%.3f, " % train[name]
            msg += "test=%.3f)" % test[name]
    elif f["verbose"] > 2:
        msg += ", score="
        msg += ("(train=%.3f, test=%.3f)" % (train, test) if train is not None
                else "%.3f" % test)
    from joblib import logger
    msg += " total time=%s" % logger.short_format_time(total_time)
    head = "[CV%s] END " % progress
    return head + "." * (80 - len(head) - len(msg)) + msg


def _error_score(value):
    """A search's error_score as the job says it: "raise", "nan" or a number."""
    if isinstance(value, str):
        return value
    return "nan" if value != value else float(value)


def _number(v):
    return float("nan") if v is None else v  # a failed fit's "nan" comes back as null


def _fit_error(text):
    """A failed fit's error as _fit_and_score keeps it (a traceback's text), or None."""
    return None if text is None else "dsk: the fit failed on the cluster:\n%s\n" % text


def _job_name(call):
    """What the job is called in the scheduler's messages and job list."""
    return "%s search" % type(call["estimator"]).__name__


class _Progress:
    """A bar while a job runs (tqdm when installed), else nothing."""

    def __init__(self, enabled):
        self.bar = None
        self.enabled = enabled

    def __call__(self, done, total, text):
        if not self.enabled or not total:
            return
        if self.bar is None:
            import importlib.util
            try:  # a notebook's widget bar needs ipywidgets; without it, the text bar
                if importlib.util.find_spec("ipywidgets"):
                    from tqdm.auto import tqdm
                else:
                    from tqdm import tqdm
            except ImportError:
                self.enabled = False
                return
            self.bar = tqdm(total=total, unit="fit", desc="dsk")
        self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self):
        if self.bar is not None:
            self.bar.close()


class DskBackend(ParallelBackendBase):
    """joblib's backend "dsk" (see the module's text). parallel_backend's keywords:
    client (a dsk.Client), scatter (accepted as Dask's: the search's data is sent once per
    job anyway), fallback ("raise" or "local"), progress (a bar while a job runs)."""

    supports_timeout = False

    def __init__(self, client=None, scatter=None, fallback="raise", progress=True,
                 nesting_level=None, inner_max_num_threads=None, **kwargs):
        super().__init__(nesting_level=nesting_level,
                         inner_max_num_threads=inner_max_num_threads)
        if fallback not in ("raise", "local"):
            raise ValueError("fallback: 'raise' or 'local', got %r" % (fallback,))
        self.client = client
        self.fallback = fallback
        self.progress = progress
        self.pending = []
        self.parallel = None
        self._packed = {}  # (id(X), id(y)) -> (X, y, bytes): one packing per data, kept alive

    def _client(self):
        c = self.client or default_client()
        if c is None:
            raise RuntimeError("the dsk joblib backend has no cluster: make a dsk.Client "
                               "first (dsk.Client('tcp://head:8786') or dsk.Client("
                               "n_workers=2)), or pass client= to parallel_backend")
        return c

    # ---- joblib's backend interface -----------------------------------------

    def effective_n_jobs(self, n_jobs):
        try:
            threads = sum(w["nthreads"] for w in self._client().status()["workers"])
        except Exception:
            threads = 0
        return max(1, threads)

    def configure(self, n_jobs=1, parallel=None, **backend_args):
        # All of a search's calls must be here before the first result is asked for, so
        # they can go out as one job: joblib dispatches everything up front with "all".
        self.parallel = parallel
        if parallel is not None:
            parallel.pre_dispatch = "all"
        return self.effective_n_jobs(n_jobs)

    def apply_async(self, func, callback=None):
        fut = _Future(self, func, callback)
        self.pending.append(fut)
        return fut

    def get_nested_backend(self):
        return SequentialBackend(nesting_level=(self.nesting_level or 0) + 1), None

    def abort_everything(self, ensure_ready=True):
        for fut in self.pending:
            fut.done = True
        self.pending = []

    # ---- running what was dispatched ----------------------------------------

    def run_pending(self):
        """Runs every call dispatched so far: the search's fits as dsk jobs, the rest here."""
        futures, self.pending = self.pending, []
        groups, local = {}, []
        for fi, fut in enumerate(futures):
            for ci, call in enumerate(fut.calls):
                if call.fit is None:
                    local.append((fut, ci))
                    continue
                f = call.fit
                key = (id(f["X"]), id(f["y"]), id(f["scorer"]), type(f["estimator"]))
                groups.setdefault(key, []).append((fut, ci))
        try:
            for members in groups.values():
                try:
                    self._run_search(members)
                except _job.Unsupported as e:
                    if self.fallback != "local":
                        raise
                    warnings.warn("dsk cannot run these fits (%s); they run here" % e,
                                  stacklevel=2)
                    local.extend(members)
            for fut, ci in local:
                fut.results[ci] = fut.calls[ci].run_here()
        except BaseException as e:
            for fut in futures:
                if not fut.done:
                    fut.finish(e)
            raise
        for fut in futures:
            if not fut.done:
                fut.finish()

    def _dataset(self, X, y):
        key = (id(X), id(y))
        if key not in self._packed:
            self._packed[key] = (X, y, _data.pack_labeled(X, y)[0])
        return self._packed[key][2]

    def _run_search(self, members):
        calls = [fut.calls[ci].fit for fut, ci in members]
        first = calls[0]
        for f in calls:
            if f["return_estimator"]:
                raise _job.Unsupported("return_estimator=True: dsk keeps the fits on the "
                                       "cluster")
            if f["fit_params"]:
                raise _job.Unsupported("fit parameters (%s): dsk's fits take none"
                                       % ", ".join(sorted(f["fit_params"])))
            if f["y"] is None:
                raise _job.Unsupported("a search without labels: dsk's searches score "
                                       "classifiers")
        tr = _job.Translation(first["estimator"])
        scorer = first["scorer"]
        # multi-metric scoring: one job a metric (a job has one scorer; its fits repeat)
        metrics = ([(key, _job.scorer_name(sc, first["estimator"]))
                    for key, sc in scorer.items()] if isinstance(scorer, dict)
                   else [(None, _job.scorer_name(scorer, first["estimator"]))])
        n_cands = (first["candidate_progress"] or (0, 1))[1]
        n_splits = (first["split_progress"] or (0, 1))[1]
        params = [None] * n_cands
        splits = [None] * n_splits
        cell = {}
        for i, f in enumerate(calls):
            c = (f["candidate_progress"] or (0, 1))[0]
            k = (f["split_progress"] or (0, 1))[0]
            if (c, k) in cell or not (0 <= c < n_cands and 0 <= k < n_splits):
                raise _job.Unsupported("calls that are not one search's candidates x splits")
            cell[(c, k)] = i
            params[c] = f["parameters"] or {}
            splits[k] = (f["train"], f["test"])
        if len(cell) != n_cands * n_splits:
            raise _job.Unsupported("a search whose fits did not all arrive together")
        fold = _job.test_fold(splits, _data.rows(first["X"]))
        search = {"kind": "grid", "param_grid": [tr.candidate(p) for p in params],
                  "cv": {"class": "PredefinedSplit", "test_fold": fold.tolist()},
                  "refit": False, "return_train_score": bool(first["return_train_score"])}
        search["error_score"] = _error_score(first["error_score"])
        jobs = {key: {"data": {"loader": "python"}, "pipeline": tr.steps,
                      "search": dict(search, scoring=name)} for key, name in metrics}
        client = self._client()
        for job in jobs.values():
            try:  # the scheduler's checks of every parameter, before the data goes
                client.check(job, "search", _job_name(first))
            except DskError as e:
                raise _job.Unsupported(e.message) from None
        results = {key: self._submit(client, first, job) for key, job in jobs.items()}

        def scores(which, c, k):
            got = {key: _number(r["cv_results"]["split%d_%s" % (k, which)][c])
                   for key, r in results.items()}
            return got[None] if None in got else got
        timing = results[metrics[0][0]]
        for (c, k), i in sorted(cell.items()):
            f = calls[i]
            failed = timing.get("fit_errors", [[None] * n_splits] * n_cands)[c][k]
            out = {"fit_error": _fit_error(failed), "test_scores": scores("test_score", c, k)}
            if f["return_train_score"]:
                out["train_scores"] = scores("train_score", c, k)
            if f["return_n_test_samples"]:
                out["n_test_samples"] = len(splits[k][1])
            fit_time, score_time = timing["fit_times"][c][k], timing["score_times"][c][k]
            if f["return_times"]:
                out["fit_time"], out["score_time"] = fit_time, score_time
            if f["return_parameters"]:
                out["parameters"] = f["parameters"]
            if f["verbose"] > 1:
                print(_end_line(f, out, fit_time + score_time))
            fut, ci = members[i]
            fut.results[ci] = out
        sys.stdout.flush()

    def _submit(self, client, first, job):
        """One dsk job of the search; its result (docs/job-files.md)."""
        bar = _Progress(self.progress)
        try:
            return client.search(job, self._dataset(first["X"], first["y"]),
                                 name=_job_name(first), progress=bar)
        except DskJobError as e:
            raise RuntimeError("%s (the fits ran on the cluster at %s)" % (e, client.address)) \
                from None
        finally:
            bar.close()


register_parallel_backend("dsk", DskBackend)
