"""examples/distributed-scikit-learn-on-dsk.ipynb, the seed notebook with its Dask lines
swapped for dsk's, executed headless in a real Jupyter kernel (nbclient, ipykernel): every
cell runs, the grid's scores are the seed's, the prediction covers the digits x 10."""

import os
import sys

import pytest

from helpers import DATA

HERE = os.path.dirname(os.path.abspath(__file__))
NOTEBOOK = os.path.join(HERE, os.pardir, os.pardir, "examples",
                        "distributed-scikit-learn-on-dsk.ipynb")


def _text(cell):
    out = []
    for o in cell.get("outputs", []):
        out.append(o.get("text", "") or o.get("data", {}).get("text/plain", ""))
    return "".join(out)


def test_seed_notebook_runs_on_dsk(monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    sys.path.insert(0, os.path.join(HERE, os.pardir, os.pardir, "tests", "parity"))
    from golden_common import sk_data_home
    # fetch_20newsgroups reads scikit-learn's cache there: this machine has no network
    monkeypatch.setenv("SCIKIT_LEARN_DATA", sk_data_home(DATA))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [os.path.join(HERE, os.pardir)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": HERE}}).execute()
    cells = [(c.source, _text(c)) for c in nb.cells if c.cell_type == "code"]

    def output_of(fragment):
        return next(out for src, out in cells if fragment in src)
    client = output_of("dsk.Client(")
    assert "<Client: 'tcp://127.0.0.1:" in client and "processes=2 threads=2" in client
    loaded = output_of("fetch_20newsgroups(subset")
    assert "857 documents" in loaded and "2 categories" in loaded
    fit = output_of("grid_search.fit(data.data")
    assert "Fitting 3 folds for each of 6 candidates, totalling 18 fits" in fit
    assert "array([0.9" in output_of("['mean_test_score']")
    big = output_of("predicted = grid_search.predict(big_X)")
    assert "dask.array" in big and "(17970,)" in big
