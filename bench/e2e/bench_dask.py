#!/usr/bin/python3
"""The reference side of bench/e2e: scikit-learn 1.2 + joblib + dask.distributed.

dsk has to beat what its users run today, so this script does the
bench/e2e workloads (README.md here) the way a Dask user does them on one machine:
Client(LocalCluster(n_workers=2, threads_per_worker=1, processes=True)),
searches through `joblib.parallel_backend('dask', scatter=[X, y])` and
GridSearchCV(n_jobs=-1), the batch predict through client.map over
scattered chunks. The same jobs for dsk are in examples/*.json.

Workloads (--only NAME[,NAME] runs a subset, in this order):

  seed_grid          20 newsgroups train, alt.atheism + talk.religion.misc;
                     CountVectorizer -> TfidfTransformer ->
                     SGDClassifier(max_iter=1000); vect__max_df x
                     vect__ngram_range, 6 candidates, cv=3, refit=False
  news20_grid16      all 20 categories, same pipeline, 16 candidates
                     (max_df, ngram_range, clf__alpha, clf__penalty)
  digits_svc_search  SVC(random_state=0) over C in (0.01, 1.0, 10), cv=5,
                     refit=True
  predict            the refitted best SVC on digits x --replicate rows,
                     cut into --chunk-rows chunks, scattered, predicted with
                     client.map, gathered in order
  noop               for each of --noop-workers (1,2,8) worker processes of
                     one thread, a LocalCluster of its own: --noop-tasks
                     trivial tasks (client.map of an identity function,
                     pure=False) submitted and gathered (throughput), then
                     --noop-latency tasks one at a time,
                     client.submit(identity, i, pure=False).result() (the
                     round trip of one task: p50, p99); one line per worker
                     count, noop_w1, noop_w2, noop_w8

Each prints one JSON line on stdout: {"name", "seconds", "detail"}.

What is timed (wall clock, time.perf_counter): for the searches, the whole
`with parallel_backend('dask', scatter=[X, y])` block, i.e. scattering X and
y to both workers plus GridSearchCV.fit (with refit=True, the refit on the
client is included); for predict, scattering the chunks, the predict tasks
and gathering the predictions back in order; for noop, submitting the
tasks until every result is gathered, and each one-at-a-time task from its
submission to its result.
Not timed: starting the cluster, importing scikit-learn on the workers (done
once by a warm-up client.run before any workload), loading the data (the 20
newsgroups through tests/parity/golden_common.py's sk_newsgroups, digits
through sklearn's load_digits, building the replicated predict input with
np.tile), when predict runs without digits_svc_search, the search that
gives it its model, and for noop, starting each cluster and a warm-up of
100 tasks mapped and 10 one at a time (bench/e2e/run.sh warms dsk's
cluster up the same way).

worker_peak_rss_bytes: a background thread polls psutil's RSS of the two
worker processes (the children of the nannies, found with client.run(
os.getpid)) every 50 ms while the workload runs; the value is the maximum
over those samples and over the workers. It is the resident size during the
workload, so it includes what a worker already held when it started
(imported modules, data kept from earlier workloads); ru_maxrss was not used
because it is a lifetime peak and cannot be split per workload.

SGDClassifier has no random_state in the seed job, so the text scores move
a little from run to run (the seed grid is about 0.93-0.95).
"""
import os

# one BLAS/OpenMP thread per process, set before numpy loads its BLAS; the
# workers get the same variables (inherited and passed to the nannies)
THREAD_ENV = {var: "1" for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                   "MKL_NUM_THREADS")}
os.environ.update(THREAD_ENV)

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import joblib  # noqa: E402
import numpy as np  # noqa: E402
import psutil  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer  # noqa: E402
from sklearn.linear_model import SGDClassifier  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "parity"))
from golden_common import sk_newsgroups  # noqa: E402


WORKLOADS = ("seed_grid", "news20_grid16", "digits_svc_search", "predict", "noop")
SEED_CATEGORIES = ["alt.atheism", "talk.religion.misc"]
SEED_GRID = {"vect__max_df": (0.5, 0.75, 1.0),
             "vect__ngram_range": ((1, 1), (1, 2))}
GRID16 = {"vect__max_df": (0.5, 1.0),
          "vect__ngram_range": ((1, 1), (1, 2)),
          "clf__alpha": (1e-5, 1e-6),
          "clf__penalty": ("l2", "elasticnet")}
SVC_GRID = {"C": (0.01, 1.0, 10)}
POLL_SECONDS = 0.05


def emit(name, seconds, detail):
    print(json.dumps({"name": name, "seconds": round(seconds, 4), "detail": detail}),
          flush=True)


def identity(x):
    return x


def predict_chunk(model, chunk):
    return model.predict(chunk)


def warm_up():
    """Import on a worker what the tasks will need (not part of any timing)."""
    import sklearn.feature_extraction.text  # noqa: F401
    import sklearn.linear_model  # noqa: F401
    import sklearn.model_selection  # noqa: F401
    import sklearn.pipeline  # noqa: F401
    import sklearn.svm  # noqa: F401
    return os.getpid()


class RssPoller:
    """Peak RSS of the given processes, sampled every POLL_SECONDS."""

    def __init__(self, pids):
        self.procs = [psutil.Process(pid) for pid in pids]
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self):
        for proc in self.procs:
            try:
                self.peak = max(self.peak, proc.memory_info().rss)
            except psutil.Error:
                pass  # a worker that died or restarted: its samples so far count

    def _run(self):
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(POLL_SECONDS)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample()


# --sgd-random-state: None (the Dask example) or a seed; the same seed on
# both sides makes the scores comparable candidate by candidate
SGD_RANDOM_STATE = None


def text_pipeline():
    return Pipeline([("vect", CountVectorizer()),
                     ("tfidf", TfidfTransformer()),
                     ("clf", SGDClassifier(max_iter=1000, random_state=SGD_RANDOM_STATE))])


def search(X, y, estimator, grid, **kwargs):
    """GridSearchCV through the dask joblib backend; returns (search, seconds)."""
    gs = GridSearchCV(estimator, grid, n_jobs=-1, **kwargs)
    t0 = time.perf_counter()
    with joblib.parallel_backend("dask", scatter=[X, y]):
        gs.fit(X, y)
    return gs, time.perf_counter() - t0


def search_detail(gs):
    res = gs.cv_results_
    return {"n_candidates": len(res["params"]),
            "mean_test_score": [float(s) for s in res["mean_test_score"]],
            "params": [str(p) for p in res["params"]]}


def run_text_search(name, data_home, grid, categories, worker_pids):
    train = sk_newsgroups(data_home, subset="train", categories=categories)
    X, y = train.data, train.target
    with RssPoller(worker_pids) as rss:
        gs, sec = search(X, y, text_pipeline(), grid, cv=3, scoring="accuracy",
                         refit=False)
    detail = search_detail(gs)
    detail["docs"] = len(X)
    detail["worker_peak_rss_bytes"] = rss.peak
    emit(name, sec, detail)


def run_digits_search(worker_pids, report):
    X, y = load_digits(return_X_y=True)
    with RssPoller(worker_pids) as rss:
        gs, sec = search(X, y, SVC(random_state=0), SVC_GRID, cv=5, refit=True)
    if report:
        emit("digits_svc_search", sec, {
            "mean_test_score": [float(s) for s in gs.cv_results_["mean_test_score"]],
            "params": [str(p) for p in gs.cv_results_["params"]],
            "best_params": {k: float(v) for k, v in gs.best_params_.items()},
            "worker_peak_rss_bytes": rss.peak})
    return gs.best_estimator_


def run_predict(client, model, replicate, chunk_rows, worker_pids):
    X, _ = load_digits(return_X_y=True)
    big = np.tile(X, (replicate, 1))
    chunks = [big[i:i + chunk_rows] for i in range(0, big.shape[0], chunk_rows)]
    with RssPoller(worker_pids) as rss:
        t0 = time.perf_counter()
        model_f = client.scatter(model, broadcast=True)
        chunk_fs = client.scatter(chunks)
        t_scatter = time.perf_counter() - t0
        pred_fs = client.map(predict_chunk, [model_f] * len(chunk_fs), chunk_fs)
        pred = np.concatenate(client.gather(pred_fs))
        sec = time.perf_counter() - t0
    del model_f, chunk_fs, pred_fs
    emit("predict", sec, {"rows": int(pred.shape[0]), "chunks": len(chunks),
                          "chunk_rows": chunk_rows,
                          "scatter_seconds": round(t_scatter, 4),
                          "counts": np.bincount(pred, minlength=10).tolist(),
                          "worker_peak_rss_bytes": rss.peak})


def run_noop(nworkers, n, m):
    """n tasks mapped and gathered, then m one at a time, on nworkers of one thread."""
    cluster = LocalCluster(n_workers=nworkers, threads_per_worker=1, processes=True,
                           dashboard_address=None, env=dict(THREAD_ENV))
    client = Client(cluster)
    try:
        worker_pids = list(client.run(os.getpid).values())
        assert client.gather(client.map(identity, range(100), pure=False)) == list(range(100))
        for i in range(10):
            assert client.submit(identity, i, pure=False).result() == i
        with RssPoller(worker_pids) as rss:
            t0 = time.perf_counter()
            futures = client.map(identity, range(n), pure=False)
            results = client.gather(futures)
            sec = time.perf_counter() - t0
        assert results == list(range(n))
        received = len(results)
        del futures, results
        lat = []
        for i in range(m):
            t0 = time.perf_counter()
            r = client.submit(identity, i, pure=False).result()
            lat.append(time.perf_counter() - t0)
            assert r == i
        lat_ms = np.array(lat) * 1e3
        emit("noop_w%d" % nworkers, sec, {
            "workers": nworkers, "tasks": n, "received": received,
            "tasks_per_second": round(n / sec, 1),
            "latency_tasks": m,
            "latency_ms": {"p50": float(np.percentile(lat_ms, 50)),
                           "p99": float(np.percentile(lat_ms, 99)),
                           "min": float(lat_ms.min()), "max": float(lat_ms.max())},
            "worker_peak_rss_bytes": rss.peak})
    finally:
        client.close()
        cluster.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-home", default=os.environ.get("DSK_DATA_HOME", "../shared/data"))
    ap.add_argument("--replicate", type=int, default=1000,
                    help="copies of digits to predict (1000 = 1.8 M rows)")
    ap.add_argument("--chunk-rows", type=int, default=100000)
    ap.add_argument("--noop-tasks", type=int, default=20000)
    ap.add_argument("--noop-latency", type=int, default=500,
                    help="tasks run one at a time for the round-trip latency")
    ap.add_argument("--noop-workers", default="1,2,8",
                    help="comma-separated worker counts for noop, a cluster each")
    ap.add_argument("--sgd-random-state", type=int, default=None,
                    help="random_state of the text pipelines' SGDClassifier (default None)")
    ap.add_argument("--only", default=",".join(WORKLOADS),
                    help="comma-separated subset of: " + ", ".join(WORKLOADS))
    args = ap.parse_args()
    global SGD_RANDOM_STATE
    SGD_RANDOM_STATE = args.sgd_random_state
    only = [w for w in args.only.split(",") if w]
    unknown = sorted(set(only) - set(WORKLOADS))
    if unknown:
        ap.error("unknown workload(s): " + ", ".join(unknown))

    if any(w != "noop" for w in only):
        run_on_two_workers(args, only)
    if "noop" in only:
        for k in (int(w) for w in args.noop_workers.split(",") if w):
            run_noop(k, args.noop_tasks, args.noop_latency)


def run_on_two_workers(args, only):
    """Every workload but noop, on one 2-worker cluster."""
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None, env=dict(THREAD_ENV))
    client = Client(cluster)
    try:
        worker_pids = list(client.run(warm_up).values())
        if "seed_grid" in only:
            run_text_search("seed_grid", args.data_home, SEED_GRID, SEED_CATEGORIES,
                            worker_pids)
        if "news20_grid16" in only:
            run_text_search("news20_grid16", args.data_home, GRID16, None, worker_pids)
        model = None
        if "digits_svc_search" in only or "predict" in only:
            model = run_digits_search(worker_pids, "digits_svc_search" in only)
        if "predict" in only:
            run_predict(client, model, args.replicate, args.chunk_rows, worker_pids)
    finally:
        client.close()
        cluster.close()


if __name__ == "__main__":
    main()
