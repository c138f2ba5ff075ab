"""What the Python suites share: the data, a module's cluster, fitting with dsk-submit."""

import gzip
import json
import os
import subprocess
import tarfile

import numpy as np
import pytest

import dsk
from dsk.cluster import find_program

DATA = os.environ.get("DSK_DATA_HOME", os.path.join(os.path.dirname(__file__), os.pardir,
                                                    os.pardir, os.pardir, "shared", "data"))


@pytest.fixture(scope="module")
def client():
    with dsk.Client(n_workers=3, threads_per_worker=1) as c:
        yield c


def submit(client, *args):
    env = dict(os.environ, DSK_DATA_HOME=DATA)
    r = subprocess.run([find_program("dsk-submit"), "--scheduler", client.address, *args],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stdout


def fit_model(client, tmp_path, name, data, pipeline):
    job = tmp_path / (name + ".json")
    job.write_text(json.dumps({"data": data, "pipeline": pipeline}))
    model = tmp_path / (name + ".dskm")
    submit(client, "fit", str(job), "--model-out", str(model), "--quiet")
    return model


def digits():
    with gzip.open(os.path.join(DATA, "digits.csv.gz"), "rt") as f:
        a = np.loadtxt(f, delimiter=",")
    return a[:, :-1], a[:, -1].astype(int)


def news(subset, categories):
    """The 20 newsgroups documents of a few categories, read from the archive as
    fetch_20newsgroups decodes them (latin-1), with their category names."""
    docs, labels = [], []
    with tarfile.open(os.path.join(DATA, "20news-bydate.tar.gz")) as tar:
        for m in tar:
            parts = m.name.split("/")
            if m.isfile() and len(parts) == 3 and parts[0] == "20news-bydate-" + subset and \
                    parts[1] in categories:
                docs.append(tar.extractfile(m).read().decode("latin-1"))
                labels.append(parts[1])
    return docs, np.array(labels)


CATEGORIES = ["alt.atheism", "talk.religion.misc"]
ALL_CATEGORIES = [
    "alt.atheism", "comp.graphics", "comp.os.ms-windows.misc", "comp.sys.ibm.pc.hardware",
    "comp.sys.mac.hardware", "comp.windows.x", "misc.forsale", "rec.autos", "rec.motorcycles",
    "rec.sport.baseball", "rec.sport.hockey", "sci.crypt", "sci.electronics", "sci.med",
    "sci.space", "soc.religion.christian", "talk.politics.guns", "talk.politics.mideast",
    "talk.politics.misc", "talk.religion.misc"]
