"""dsk from Python: scikit-learn jobs on a dsk cluster.

This release holds the client: ``dsk.Client`` connects to a scheduler, or
starts a local cluster with Dask's arguments, reports its workers and
jobs, and predicts with a fitted model (.dskm) on the workers, chunk by
chunk (``Client.predict``); ``to_dskm`` and ``from_dskm`` carry fitted
models (SVC, SGDClassifier, CountVectorizer, TfidfTransformer and
pipelines of them) between scikit-learn and dsk. The package speaks dsk's wire protocol itself (dsk._wire), so the
scheduler's answer is the one validation of what it sends.
"""

from ._wire import DskError, ProtocolError
from .client import Client
from .cluster import LocalCluster
from .model import from_dskm, to_dskm

__all__ = ["Client", "LocalCluster", "DskError", "ProtocolError", "to_dskm", "from_dskm"]
