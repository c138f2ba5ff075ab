"""dsk.Client over CurveZMQ against real daemons on loopback: a scheduler with its key and
allow-lists, two workers with theirs, made by dsk-keygen. The right keys run a search through
the joblib backend; a client without keys, or with a key the scheduler does not list, gets no
answer; one client cannot fetch another's job; a secret key others may read is refused."""

import os
import socket
import subprocess
import time

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.svm import SVC
from joblib import parallel_backend

import dsk
from dsk.cluster import find_program


def _port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def curve_cluster(tmp_path):
    keygen = find_program("dsk-keygen")
    for where, name in [(".", "scheduler"), ("workers", "w1"), ("workers", "w2"),
                        ("clients", "alice"), ("clients", "bob")]:
        (tmp_path / where).mkdir(exist_ok=True)
        subprocess.run([keygen, "--dir", str(tmp_path / where), name], check=True,
                       stdout=subprocess.DEVNULL)
    address = "tcp://127.0.0.1:%d" % _port()
    procs = [subprocess.Popen([find_program("dskd-scheduler"), "--config", "/dev/null",
                               "--listen", address, "--key", str(tmp_path / "scheduler.key"),
                               "--worker-keys", str(tmp_path / "workers"),
                               "--client-keys", str(tmp_path / "clients"),
                               "--log-level", "warn"])]
    for w in ("w1", "w2"):
        procs.append(subprocess.Popen([find_program("dskd-worker"), "--config", "/dev/null",
                                       "--scheduler", address, "--name", w, "--nthreads", "1",
                                       "--key", str(tmp_path / "workers" / (w + ".key")),
                                       "--scheduler-key", str(tmp_path / "scheduler.pub"),
                                       "--log-level", "warn"]))
    yield address, tmp_path
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(10)


def _client(address, keys, who, **kw):
    return dsk.Client(address, key=str(keys / "clients" / (who + ".key")),
                      scheduler_key=str(keys / "scheduler.pub"), **kw)


def test_search_over_curve(curve_cluster):
    address, keys = curve_cluster
    X, y = load_digits(return_X_y=True)
    X, y = X[:600], y[:600]
    with _client(address, keys, "alice") as c:
        c.wait_for_workers(2)
        assert c.status()["security"]["curve"] is True
        search = GridSearchCV(SVC(), {"C": [0.1, 1.0, 10.0]}, cv=3)
        with parallel_backend("dsk", client=c):
            search.fit(X, y)
        local = GridSearchCV(SVC(), {"C": [0.1, 1.0, 10.0]}, cv=3).fit(X, y)
        np.testing.assert_array_equal(search.cv_results_["mean_test_score"],
                                      local.cv_results_["mean_test_score"])
        mine = c.jobs()
        assert mine, "alice does not see her own job"
        job_id = mine[0]["job_id"]
    with _client(address, keys, "bob") as bob:
        assert bob.jobs() == []
        with pytest.raises(dsk.DskError, match="belongs to another client key"):
            bob.cancel(job_id)


def test_strangers_get_no_answer(curve_cluster, tmp_path):
    address, keys = curve_cluster
    with pytest.raises(TimeoutError, match="With CURVE"):
        dsk.Client(address, timeout=1).status()
    subprocess.run([find_program("dsk-keygen"), "--dir", str(tmp_path), "mallory"], check=True,
                   stdout=subprocess.DEVNULL)
    with pytest.raises(TimeoutError):
        dsk.Client(address, timeout=1, key=str(tmp_path / "mallory.key"),
                   scheduler_key=str(keys / "scheduler.pub")).status()
    with _client(address, keys, "alice") as c:
        st = c.status()["security"]
        assert st["refused_handshakes"] >= 1 and st["refused_keys"] >= 1


def test_readable_secret_key_refused(curve_cluster):
    address, keys = curve_cluster
    key = keys / "clients" / "alice.key"
    os.chmod(key, 0o644)
    with pytest.raises(PermissionError, match="chmod 600"):
        _client(address, keys, "alice")
    with pytest.raises(ValueError, match="both keys"):
        dsk.Client(address, key=str(key))
