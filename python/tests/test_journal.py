"""dsk.Client through a scheduler restart: a scheduler run with --journal is killed (-9)
while a search and a predict wait on it, and started again on the same journal; both calls
return what an uninterrupted run returns."""

import os
import signal
import socket
import subprocess
import threading
import time

import numpy as np
from sklearn.datasets import load_digits

import dsk
from dsk import _data
from dsk.cluster import find_program


def _port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _scheduler(address, journal):
    return subprocess.Popen([find_program("dskd-scheduler"), "--config", "/dev/null",
                             "--insecure", "--listen", address, "--journal", str(journal),
                             "--log-level", os.environ.get("DSK_TEST_LOG", "warn")])


def test_search_and_predict_survive_kill9(tmp_path):
    address = "tcp://127.0.0.1:%d" % _port()
    sched = _scheduler(address, tmp_path / "journal")
    workers = [subprocess.Popen([find_program("dskd-worker"), "--config", "/dev/null",
                                 "--insecure", "--scheduler", address, "--name", "w%d" % i,
                                 "--nthreads", "1", "--log-level", os.environ.get("DSK_TEST_LOG", "warn")]) for i in (1, 2)]
    X, y = load_digits(return_X_y=True)
    job = {"data": {"loader": "python"}, "pipeline": [["svc", "SVC", {"random_state": 0}]],
           "search": {"param_grid": {"svc__C": [0.1, 1.0, 10.0, 100.0]}, "cv": 5,
                      "refit": True}}
    try:
        with dsk.Client(address) as c:
            c.wait_for_workers(2)
            want = c.search(job, _data.pack_labeled(X, y)[0])
            model = c.fit({"data": job["data"], "pipeline": job["pipeline"]}, _data.pack_labeled(X, y)[0])
            Xbig = np.tile(X, (20, 1))
            want_pred = c.predict(model, Xbig, chunk_rows=500, window=4)
            got = {}

            def run_search():
                with dsk.Client(address) as c2:
                    got["search"] = c2.search(job, _data.pack_labeled(X, y)[0])

            def run_predict():
                with dsk.Client(address) as c3:
                    got["predict"] = c3.predict(model, Xbig, chunk_rows=500, window=4)

            threads = [threading.Thread(target=run_search), threading.Thread(target=run_predict)]
            for t in threads:
                t.start()
            deadline = time.monotonic() + 20
            while len(c.jobs()) < 5 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert len(c.jobs()) == 5, "the two jobs were not accepted"
            sched.send_signal(signal.SIGKILL)
            sched.wait(10)
            sched = _scheduler(address, tmp_path / "journal")
            for t in threads:
                t.join(120)
            assert not any(t.is_alive() for t in threads), "a client never got its result"
            assert got["search"]["cv_results"]["mean_test_score"] == \
                want["cv_results"]["mean_test_score"]
            np.testing.assert_array_equal(got["predict"], want_pred)
            assert len(c.jobs()) == 5, "a job ran twice: %r" % c.jobs()
    finally:
        for p in [sched] + workers:
            p.terminate()
        for p in [sched] + workers:
            p.wait(10)
