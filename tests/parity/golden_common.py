"""What the golden scripts share: scikit-learn's own 20 newsgroups, offline.

fetch_20newsgroups downloads the archive when its cache is missing, and this
machine has no network. sk_newsgroups builds that cache exactly as
sklearn.datasets._twenty_newsgroups._download_20newsgroups does (extract the
archive, load_files on the train and test folders with latin-1, a zlib'd
pickle at data_home/20news-bydate_py3.pkz), once, in a private data home,
then lets fetch_20newsgroups do everything else with its own code.
"""
import codecs
import os
import pickle
import tarfile
import tempfile

from sklearn.datasets import fetch_20newsgroups, load_files

_SK_HOME = os.path.join(tempfile.gettempdir(), "dsk-golden-sklearn-home")


def sk_data_home(data_home):
    """A scikit-learn data home holding the 20 newsgroups cache (built once)."""
    cache = os.path.join(_SK_HOME, "20news-bydate_py3.pkz")
    if not os.path.exists(cache):
        os.makedirs(_SK_HOME, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            with tarfile.open(os.path.join(data_home, "20news-bydate.tar.gz"), "r:gz") as tar:
                tar.extractall(path=tmp)
            content = dict(
                train=load_files(os.path.join(tmp, "20news-bydate-train"), encoding="latin1"),
                test=load_files(os.path.join(tmp, "20news-bydate-test"), encoding="latin1"),
            )
        with open(cache + ".tmp", "wb") as f:
            f.write(codecs.encode(pickle.dumps(content), "zlib_codec"))
        os.replace(cache + ".tmp", cache)
    return _SK_HOME


def sk_newsgroups(data_home, **kwargs):
    """fetch_20newsgroups(**kwargs) on the archive in data_home, without a network."""
    return fetch_20newsgroups(data_home=sk_data_home(data_home),
                              download_if_missing=False, **kwargs)
