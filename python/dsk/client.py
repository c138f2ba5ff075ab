"""dsk.Client: a connection to a dsk scheduler, as dask.distributed's Client is to Dask's.

    Client("tcp://head:8786")      an existing cluster
    Client()                       $DSK_SCHEDULER, else a local cluster
    Client(n_workers=2, threads_per_worker=1, memory_limit="2GB")
                                   a local cluster (dsk.cluster.LocalCluster)
    Client("tcp://head:8786", key="alice.key", scheduler_key="scheduler.pub")
                                   a scheduler with CURVE ($DSK_KEY, $DSK_SCHEDULER_KEY)

A local cluster's processes stop with close(), at the end of a ``with``
block, when the client is collected, and at exit.
"""

import atexit
import html
import json
import os
import time
import weakref

import msgpack
import numpy as np
import zmq

from . import _data, _wire, keys
from .cluster import LocalCluster

_TIMEOUT_S = 10.0
_SILENCE_S = 60.0    # no word at all for this long while a job runs: the scheduler is lost
_ASK_S = 3.0         # silent this long (a restarting scheduler?): ask about the job again


def _token():
    """A SUBMIT's number: sent again after a lost answer, it finds the job it started."""
    return int.from_bytes(os.urandom(8), "little") or 1
_METHODS = ("predict", "decision_function", "predict_proba", "predict_log_proba", "transform")


def _model_labels(blob):
    """What a model's class codes stand for (its "labels": ml/ml_model.h), as an array to
    index by code, or None when the codes are the labels."""
    try:
        labels = msgpack.unpackb(blob, raw=False, strict_map_key=False).get("labels")
    except Exception:
        return None
    if not labels or labels.get("kind") not in ("numbers", "texts"):
        return None
    names = labels["names"]
    if labels["kind"] == "texts":
        return np.array(names)
    values = np.array([float(v) for v in names])
    whole = np.all(values == np.floor(values)) and np.all(np.abs(values) < 9e15)
    return values.astype(np.int64) if whole else values


class DskJobError(RuntimeError):
    """A job that failed or was cancelled on the cluster: what failed, where, and why."""

    def __init__(self, job_id, state, text):
        super().__init__("dsk job %d %s: %s" % (job_id, state, text))
        self.job_id, self.state, self.text = job_id, state, text


def _bytes_text(n):
    for unit, size in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return "%.2f %s" % (n / size, unit)
    return "%d B" % n


def _close_at_exit(ref):
    client = ref()
    if client is not None:
        client.close()


_made = []  # weakrefs to the Clients made, oldest first: the newest open one is the default


def default_client():
    """The dsk.Client made last that is still open (as dask.distributed's default client),
    or None."""
    for ref in reversed(_made):
        c = ref()
        if c is not None and c._sock is not None:
            return c
    return None


class Client:
    """A dsk cluster to send jobs to: status(), jobs(), cancel(); closes what it started."""

    def __init__(self, address=None, n_workers=None, threads_per_worker=None,
                 memory_limit="auto", processes=True, timeout=_TIMEOUT_S, key=None,
                 scheduler_key=None):
        self.cluster = None
        self._ctx = self._sock = None
        self.timeout = float(timeout)
        self._curve = None
        local_args = (n_workers, threads_per_worker) != (None, None)
        if not local_args:
            # a scheduler with CURVE: this client's .key and the scheduler's .pub
            key = key or os.environ.get("DSK_KEY") or None
            scheduler_key = scheduler_key or os.environ.get("DSK_SCHEDULER_KEY") or None
            if (key is None) != (scheduler_key is None):
                raise ValueError("CURVE needs both keys: key= (this client's .key file) and "
                                 "scheduler_key= (the scheduler's .pub file)")
            if key is not None:
                public, secret = keys.read_secret(key)
                self._curve = (public, secret, keys.read_public(scheduler_key))
        if address is None and not local_args:
            address = os.environ.get("DSK_SCHEDULER") or None
        if address is not None and local_args:
            raise ValueError("give a scheduler's address or a local cluster's n_workers and "
                             "threads_per_worker, not both")
        if address is None:
            self.cluster = LocalCluster(n_workers, threads_per_worker, memory_limit, processes)
            address = self.cluster.address
        self.address = address
        self._ctx = zmq.Context()
        self._connect()
        atexit.register(_close_at_exit, weakref.ref(self))
        _made[:] = [r for r in _made if r() is not None] + [weakref.ref(self)]
        if self.cluster is not None:
            self.wait_for_workers(self.cluster.n_workers)

    def _connect(self):
        self._sock = self._ctx.socket(zmq.DEALER)
        self._sock.setsockopt(zmq.LINGER, 0)
        if self._curve is not None:
            public, secret, server = self._curve
            self._sock.curve_publickey = public
            self._sock.curve_secretkey = secret
            self._sock.curve_serverkey = server
        self._sock.connect(self.address)

    # ---- requests ----------------------------------------------------------

    def _request(self, frame, want, job_id=None):
        """Sends one request and waits for its answer (a message of type want, about job_id
        when given), or raises the scheduler's ERROR."""
        if self._sock is None:
            raise RuntimeError("this client is closed")
        self._sock.send(frame)
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not self._sock.poll(int(left * 1000)):
                # a request without an answer leaves the socket's stream unknown: start over
                self._sock.close(0)
                self._connect()
                raise TimeoutError("no answer from the dsk scheduler at %s in %.0f s (is it "
                                   "running? With CURVE: is this key in its client-keys, "
                                   "and scheduler_key its public key?)"
                                   % (self.address, self.timeout))
            mtype, fields = _wire.unpack(self._sock.recv())
            if mtype == _wire.ERROR:
                raise _wire.DskError(fields["code"], fields["message"])
            if mtype == want and (job_id is None or fields.get("job_id") == job_id):
                return fields
            # anything else is news about a job this client watches (a result that came after
            # an interrupted predict, a job's progress): not the answer

    def status(self):
        """The scheduler's view: uptime, tasks, jobs, and each worker's threads, memory, tasks."""
        f = self._request(_wire.pack(_wire.STATUS_REQ, 0), _wire.STATUS_REP)
        return {
            "address": self.address,
            "uptime_s": f["uptime_ms"] / 1000.0,
            "tasks_running": f["tasks_running"],
            "tasks_queued": f["tasks_queued"],
            "jobs": f["jobs"],
            "workers": f["workers"],
            "security": {k: (bool(f[k]) if k == "curve" else f[k])
                         for k in ("curve", "messages_handled", "refused_handshakes",
                                   "refused_keys", "refused_messages")},
        }

    def _job_req(self, op, job_id):
        # a list is answered with job_id 0; a job's state names the job
        return self._request(_wire.pack(_wire.JOB_REQ, op, int(job_id)), _wire.JOB_STATE,
                             job_id=int(job_id))

    def jobs(self):
        """The scheduler's jobs (running, and finished ones it keeps), each a dict."""
        f = self._job_req(_wire.JOBREQ_LIST, 0)
        listed = json.loads(f["result"] or b"[]")
        for j in listed:
            j["state"] = _wire.JOB_STATES.get(j.get("state"), j.get("state"))
        return listed

    def cancel(self, job_id):
        """Cancels a job; returns the scheduler's line about it."""
        return self._job_req(_wire.JOBREQ_CANCEL, job_id)["text"]

    def predict(self, model, X, method="predict", chunk_rows=20000, window=16):
        """dask-ml's ParallelPostFit on the cluster: a fitted model (a .dskm path, or its
        bytes) on the rows of X (a 2-D NumPy array, a SciPy sparse matrix or a list of
        documents), cut into chunks of chunk_rows that go out at most window ahead of their
        results; the model goes once to each worker. Returns NumPy: the predicted labels (as
        the model was fitted with them), or one row of scores per row of X. Ctrl-C cancels
        the job on the cluster."""
        if method not in _METHODS:
            raise ValueError("method: one of %s, got %r" % (", ".join(_METHODS), method))
        if isinstance(model, (str, os.PathLike)):
            name = os.path.basename(os.fspath(model))[:64]
            with open(model, "rb") as f:
                blob = f.read()
        else:
            name, blob = "model", bytes(model)
        n = _data.rows(X)
        nchunks = max(1, -(-n // chunk_rows))
        job = json.dumps({"method": method, "aggregate": False, "rows": n, "chunks": nchunks,
                          "chunk_rows": chunk_rows}).encode()
        st = self._submit(_wire.pack(_wire.SUBMIT, _wire.JOB_PREDICT, 0, name, job, blob,
                                     _token()))
        job_id = st["job_id"]
        try:
            parts = self._drive_chunks(job_id, st["scheduler"], X, n, nchunks, chunk_rows,
                                       window)
        except BaseException:
            try:  # the job must not wait for chunks that will never come
                self._job_req(_wire.JOBREQ_CANCEL, job_id)
            except Exception:
                pass
            raise
        out = np.concatenate(parts) if parts else np.zeros(0)
        if method != "predict":
            return out
        labels = _model_labels(blob)
        return labels[out] if labels is not None else out.astype(np.int64)

    def search(self, job, dataset, name="search", progress=None):
        """Runs a search job (a job file's document, as a dict) over a packed dataset
        (dsk._data.pack_labeled) and returns its result (docs/job-files.md, "The result").
        progress(done, total, text) is called as fits finish. Ctrl-C cancels the job on the
        cluster; a failed job raises DskJobError with what failed."""
        return json.loads(self._run(_wire.JOB_SEARCH, job, dataset, name, progress)["result"])

    def check(self, job, kind="search", name="job"):
        """Has the scheduler check a job (a search's or a fit's document) without its data
        and run nothing: returns when it is valid, raises DskError with the job path when not.
        """
        kinds = {"search": _wire.JOB_SEARCH, "fit": _wire.JOB_FIT}
        self._request(_wire.pack(_wire.SUBMIT, kinds[kind], _wire.SUBMIT_CHECK_ONLY, name[:64],
                                 json.dumps(job).encode(), b"", 0), _wire.JOB_STATE, job_id=0)

    def fit(self, job, dataset, name="fit", progress=None):
        """Runs a fit job (a job file's document without "search") and returns the fitted
        model's .dskm bytes."""
        return self._run(_wire.JOB_FIT, job, dataset, name, progress)["model"]

    def _run(self, kind, job, dataset, name, progress):
        body = json.dumps(job).encode()
        st = self._submit(_wire.pack(_wire.SUBMIT, kind, 0, name[:64], body, dataset,
                                     _token()))
        job_id = st["job_id"]
        try:
            while True:
                state = _wire.JOB_STATES.get(st["state"])
                if progress is not None:
                    progress(st["done"], st["total"], st["text"])
                if state == "done":
                    return st
                if state in ("failed", "cancelled"):
                    raise DskJobError(job_id, state, st["text"])
                st = self._next_state(job_id)
        except BaseException as e:
            if not isinstance(e, DskJobError):
                try:  # Ctrl-C, or a lost scheduler: the cluster must not go on with the job
                    self._job_req(_wire.JOBREQ_CANCEL, job_id)
                except Exception:
                    pass
            raise

    def _submit(self, frame):
        """Sends a SUBMIT until the scheduler answers (its token makes a repeat find the job
        the first one started, so a scheduler that restarted runs it once)."""
        deadline = time.monotonic() + _SILENCE_S
        while True:
            try:
                return self._request(frame, _wire.JOB_STATE)
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise

    def _next_message(self, job_id):
        """The next message while job_id runs; an ERROR is raised. The scheduler reports
        every second: after _ASK_S of silence the job is asked about again (a scheduler that
        restarted from its journal knows it by id, not who waits on it). _SILENCE_S of
        silence is a lost scheduler."""
        start = time.monotonic()
        while not self._sock.poll(int(_ASK_S * 1000)):
            if time.monotonic() - start > _SILENCE_S:
                raise TimeoutError("job %d: no word from the scheduler in %.0f s"
                                   % (job_id, _SILENCE_S))
            self._sock.send(_wire.pack(_wire.JOB_REQ, _wire.JOBREQ_WATCH, int(job_id)))
        mtype, f = _wire.unpack(self._sock.recv())
        if mtype == _wire.ERROR:
            raise _wire.DskError(f["code"], f["message"])
        return mtype, f

    def _next_state(self, job_id):
        """The next JOB_STATE about job_id (the scheduler sends one a fit, and every second)."""
        while True:
            mtype, f = self._next_message(job_id)
            if mtype == _wire.JOB_STATE and f["job_id"] == job_id:
                return f

    def _drive_chunks(self, job_id, scheduler, X, n, nchunks, chunk_rows, window):
        parts = [None] * nchunks
        sent = got = 0
        done = False

        def send(i, empty=False):
            lo = i * chunk_rows
            chunk = b"" if empty else _data.pack_dataset(_data.take(X, lo, min(n, lo + chunk_rows)))
            self._sock.send(_wire.pack(_wire.CHUNK, job_id, i, chunk))

        while not done or got < nchunks:
            while sent < nchunks and sent - got < window:
                send(sent)
                sent += 1
            mtype, f = self._next_message(job_id)
            if mtype == _wire.CHUNK_DONE and f["job_id"] == job_id:
                if not 0 <= f["index"] < nchunks:
                    raise _wire.ProtocolError("a result for chunk %r, which was not expected"
                                              % (f["index"],))
                if parts[f["index"]] is None:  # after a restart a result may come twice
                    parts[f["index"]] = _data.unpack_result(f["data"])
                    got += 1
            elif mtype == _wire.JOB_STATE and f["job_id"] == job_id:
                if f["scheduler"] and scheduler and f["scheduler"] != scheduler:
                    # restarted from its journal: it has the job, none of its chunks; each
                    # goes again, empty when its result is here (counted done there)
                    for i in range(sent):
                        send(i, empty=parts[i] is not None)
                scheduler = f["scheduler"] or scheduler
                state = _wire.JOB_STATES.get(f["state"])
                if state in ("failed", "cancelled"):
                    raise DskJobError(job_id, state, f["text"])
                done = state == "done"
                if done and got < nchunks:
                    # results come before DONE on one connection: these were lost with a
                    # scheduler that finished the job and died before they left
                    raise DskJobError(job_id, "failed", "the job finished just before its "
                                      "scheduler restarted, and %d chunk results were lost on "
                                      "the way (results are not journaled): run the predict "
                                      "again" % (nchunks - got))
        return parts

    def wait_for_workers(self, n_workers=1, timeout=None):
        """Waits until at least n_workers workers have registered."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            have = len(self.status()["workers"])
            if have >= n_workers:
                return
            if self.cluster is not None and not self.cluster.alive():
                raise RuntimeError("a process of the local cluster exited")
            if time.monotonic() > deadline:
                raise TimeoutError("%d of %d workers registered at %s" % (have, n_workers,
                                                                           self.address))
            time.sleep(0.05)

    # ---- life --------------------------------------------------------------

    def close(self):
        """Disconnects, and stops the local cluster this client started."""
        if self._sock is not None:
            self._sock.close(0)
            self._sock = None
        if self._ctx is not None:
            self._ctx.term()
            self._ctx = None
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    # ---- repr --------------------------------------------------------------

    def _summary(self):
        try:
            workers = self.status()["workers"]
        except Exception as e:  # the repr of a client whose scheduler is gone says so
            return None, str(e)
        return workers, None

    def __repr__(self):
        if self._sock is None:
            return "<Client: %r closed>" % self.address
        workers, problem = self._summary()
        if workers is None:
            return "<Client: %r: %s>" % (self.address, problem)
        return "<Client: %r processes=%d threads=%d, memory=%s>" % (
            self.address, len(workers), sum(w["nthreads"] for w in workers),
            _bytes_text(sum(w["memory_limit"] for w in workers)))

    def _repr_html_(self):
        workers, problem = (None, "closed") if self._sock is None else self._summary()
        head = "<h3>dsk.Client</h3><p>Scheduler: <code>%s</code>%s</p>" % (
            html.escape(self.address), " (a local cluster)" if self.cluster else "")
        if workers is None:
            return head + "<p>%s</p>" % html.escape(problem)
        rows = "".join(
            "<tr><td>%s</td><td>%s</td><td>%d</td><td>%s / %s</td><td>%d</td><td>%d</td></tr>"
            % (html.escape(w["name"]), html.escape(w["host"]), w["nthreads"],
               _bytes_text(w["memory_used"]),
               _bytes_text(w["memory_limit"]) if w["memory_limit"] else "no limit",
               w["tasks_running"], w["tasks_queued"]) for w in workers)
        return (head + "<p>Workers: %d, threads: %d</p><table><tr><th>worker</th><th>host</th>"
                "<th>threads</th><th>memory used / limit</th><th>running</th><th>queued</th>"
                "</tr>%s</table>" % (len(workers), sum(w["nthreads"] for w in workers), rows))
