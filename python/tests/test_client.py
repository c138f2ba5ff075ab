"""dsk.Client against real daemons on loopback: local clusters of several shapes, an
existing cluster by address and by $DSK_SCHEDULER, jobs and cancel, and what a user sees when
the scheduler is not there. Run by `make check` (check-python) with DSK_BIN set."""

import gc
import os
import subprocess
import sys
import time

import pytest

import dsk
from dsk.cluster import LocalCluster, find_program

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by a parent that is gone) counts as gone
    with open("/proc/%d/stat" % pid) as f:
        return f.read().split(")")[-1].split()[0] != "Z"


@pytest.mark.parametrize("n_workers", [1, 3])
def test_local_cluster(n_workers):
    with dsk.Client(n_workers=n_workers, threads_per_worker=1, memory_limit="1GB") as c:
        st = c.status()
        assert len(st["workers"]) == n_workers
        assert {w["name"] for w in st["workers"]} == {"local-%d" % (i + 1)
                                                      for i in range(n_workers)}
        assert all(w["nthreads"] == 1 and w["memory_limit"] == 10 ** 9 for w in st["workers"])
        text = repr(c)
        assert "processes=%d threads=%d" % (n_workers, n_workers) in text
        assert c.address in text
        page = c._repr_html_()
        assert all("local-%d" % (i + 1) in page for i in range(n_workers))
        pids = [p.pid for p in c.cluster._procs]
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids), "the local cluster outlived close()"
    assert "closed" in repr(c)


def test_threads_not_processes():
    # Dask's processes=False: one worker holding every thread
    with dsk.Client(n_workers=2, threads_per_worker=2, processes=False) as c:
        workers = c.status()["workers"]
        assert [w["nthreads"] for w in workers] == [4]


def test_collected_client_stops_its_cluster():
    c = dsk.Client(n_workers=1, threads_per_worker=1)
    pids = [p.pid for p in c.cluster._procs]
    del c
    gc.collect()
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids)


@pytest.fixture
def cluster():
    lc = LocalCluster(n_workers=2, threads_per_worker=1)
    yield lc
    lc.close()


def test_existing_cluster_jobs_and_cancel(cluster, monkeypatch):
    monkeypatch.setenv("DSK_SCHEDULER", cluster.address)
    with dsk.Client() as c:  # from $DSK_SCHEDULER
        assert c.cluster is None and c.address == cluster.address
        c.wait_for_workers(2)
        assert c.jobs() == []
        submit = find_program("dsk-submit")
        done = subprocess.run([submit, "--scheduler", cluster.address, "noop", "200"],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        jobs = c.jobs()
        assert len(jobs) == 1 and jobs[0]["state"] == "done"
        # a search that runs a while: cancelled from Python, seen cancelled
        env = dict(os.environ, DSK_DATA_HOME=os.environ.get(
            "DSK_DATA_HOME", os.path.join(REPO, os.pardir, "shared", "data")))
        search = subprocess.Popen([submit, "--scheduler", cluster.address, "search",
                                   os.path.join(REPO, "examples", "news20_grid16.json"),
                                   "--quiet"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, env=env)
        running = None
        deadline = time.monotonic() + 30
        while running is None and time.monotonic() < deadline:
            running = next((j for j in c.jobs() if j["state"] in ("accepted", "running")),
                           None)
            time.sleep(0.05)
        assert running is not None, "the search did not start"
        c.cancel(running["job_id"])
        assert search.wait(30) != 0
        states = {j["job_id"]: j["state"] for j in c.jobs()}
        assert states[running["job_id"]] == "cancelled"
        with pytest.raises(dsk.DskError) as e:
            c.cancel(987654)
        assert "987654" in str(e.value)


def test_no_scheduler_is_a_clear_error():
    with dsk.Client("tcp://127.0.0.1:9", timeout=0.5) as c:
        with pytest.raises(TimeoutError, match="tcp://127.0.0.1:9"):
            c.status()
        assert "tcp://127.0.0.1:9" in repr(c)


def test_address_or_local_arguments_not_both():
    with pytest.raises(ValueError):
        dsk.Client("tcp://127.0.0.1:9", n_workers=2)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
