"""dsk from Python: scikit-learn jobs on a dsk cluster.

This release holds the client: ``dsk.Client`` connects to a scheduler, or
starts a local cluster with Dask's arguments, reports its workers and
jobs, and predicts with a fitted model (.dskm) on the workers, chunk by
chunk (``Client.predict``). The package speaks dsk's wire protocol itself (dsk._wire), so the
scheduler's answer is the one validation of what it sends.
"""

from ._wire import DskError, ProtocolError
from .client import Client
from .cluster import LocalCluster

__all__ = ["Client", "LocalCluster", "DskError", "ProtocolError"]
