"""dsk from Python: scikit-learn jobs on a dsk cluster.

``dsk.Client`` connects to a scheduler, or starts a local cluster with Dask's arguments, and
reports its workers and jobs. Inside ``joblib.parallel_backend("dsk")`` scikit-learn's own
GridSearchCV and RandomizedSearchCV fit on the cluster, all of a search's fits as one dsk
job (dsk.joblib). ``dsk.wrappers.ParallelPostFit`` predicts on the cluster as dask-ml's
does; ``Client.predict`` predicts with a .dskm model; ``to_dskm`` and ``from_dskm`` carry
fitted models (SVC, SGDClassifier, CountVectorizer, TfidfTransformer and pipelines of them)
between scikit-learn and dsk. The package speaks dsk's wire protocol itself (dsk._wire), so
the scheduler's answer is the one validation of what it sends.
"""

from ._wire import DskError, ProtocolError
from .client import Client, DskJobError, default_client
from .cluster import LocalCluster
from .model import from_dskm, to_dskm
from . import joblib  # registers joblib's backend "dsk"
from . import wrappers

__all__ = ["Client", "LocalCluster", "DskError", "DskJobError", "ProtocolError", "to_dskm",
           "from_dskm", "default_client", "joblib", "wrappers"]
