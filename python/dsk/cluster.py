"""A local dsk cluster: dskd-scheduler and dskd-worker started as child processes.

``Client(n_workers=2, threads_per_worker=1, memory_limit="2GB")`` starts one,
as Dask's ``Client()`` starts a LocalCluster. The programs are found in
``$DSK_BIN``, then in the repository's ``build/`` beside this package (an
in-tree checkout), then on ``$PATH`` (``make install``).
"""

import os
import shutil
import signal
import socket
import subprocess
import time

_HERE = os.path.dirname(os.path.abspath(__file__))


def find_program(name):
    """The path of a dsk program, or FileNotFoundError saying where it was looked for."""
    places = []
    if os.environ.get("DSK_BIN"):
        places.append(os.environ["DSK_BIN"])
    places.append(os.path.join(_HERE, os.pardir, os.pardir, "build"))
    for d in places:
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return os.path.abspath(p)
    p = shutil.which(name)
    if p:
        return p
    raise FileNotFoundError("%s not found in $DSK_BIN, the repository's build/ or $PATH: build "
                            "dsk (make) or install it (make install)" % name)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _size_text(memory_limit):
    """Dask's memory_limit ("2GB", "1.5GiB", bytes, None, 0, "auto") as a worker's option."""
    if memory_limit in (None, 0, "0", "auto"):
        return None
    if isinstance(memory_limit, (int, float)):
        return "%d" % int(memory_limit)
    return str(memory_limit).replace(" ", "")


class LocalCluster:
    """A scheduler on a free loopback port and n_workers workers, stopped by close()."""

    def __init__(self, n_workers=None, threads_per_worker=None, memory_limit="auto",
                 processes=True, log_dir=None):
        cores = os.cpu_count() or 1
        if n_workers is None:
            n_workers = cores if processes else 1
        if threads_per_worker is None:
            threads_per_worker = max(1, cores // max(1, n_workers)) if processes else cores
        if not processes:
            # dsk's workers are processes: one worker with every thread stands for Dask's
            # in-process threads
            threads_per_worker, n_workers = n_workers * threads_per_worker, 1
        if n_workers < 1 or threads_per_worker < 1:
            raise ValueError("n_workers and threads_per_worker must be at least 1")
        self.address = "tcp://127.0.0.1:%d" % _free_port()
        self.n_workers = n_workers
        self.threads_per_worker = threads_per_worker
        self._procs = []
        self._logs = []
        self.log_dir = log_dir
        try:
            self._start("dskd-scheduler", ["--listen", self.address])
            size = _size_text(memory_limit)
            for i in range(n_workers):
                args = ["--scheduler", self.address, "--name", "local-%d" % (i + 1),
                        "--nthreads", str(threads_per_worker)]
                if size:
                    args += ["--memory-limit", size]
                self._start("dskd-worker", args)
        except BaseException:
            self.close()
            raise

    def _start(self, program, args):
        log = subprocess.DEVNULL
        if self.log_dir:
            log = open(os.path.join(self.log_dir, "%s-%d.log" % (program, len(self._procs))), "ab")
            self._logs.append(log)
        # a private cluster on loopback, gone with this object: no keys to make
        cmd = [find_program(program), "--config", "/dev/null", "--insecure",
               "--log-level", "warn"] + args
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                             start_new_session=True)
        self._procs.append(p)
        time.sleep(0.05)
        if p.poll() is not None:
            raise RuntimeError("%s exited at start (code %d): %s" % (program, p.returncode,
                                                                   " ".join(cmd)))

    def alive(self):
        return bool(self._procs) and all(p.poll() is None for p in self._procs)

    def close(self, timeout=5.0):
        """Stops the workers, then the scheduler (SIGTERM, then SIGKILL after timeout)."""
        procs, self._procs = self._procs[::-1], []
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for p in procs:
            try:
                p.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for f in self._logs:
            f.close()
        self._logs = []
