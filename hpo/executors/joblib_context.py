"""Where a joblib ``parallel_backend`` / ``parallel_config`` context asks a Tuner's trials to run.

scikit-learn's searches run their fits through joblib, so ``with
parallel_backend("dask"): search.fit(X, y)`` puts them on a Dask cluster and
``parallel_backend("loky", n_jobs=4)`` gives ``n_jobs=None`` four workers. The
Tuner follows the same contexts: joblib's Dask backend hands over its client
(the trials run on the cluster, as with ``executor=client``), and any other
backend its ``n_jobs`` (hpo's own worker processes, for a Tuner whose
``n_jobs`` is None). Outside a context nothing changes.
"""

from __future__ import annotations

from typing import Any

__all__ = ["joblib_context"]


def joblib_context() -> tuple[Any, int | None]:
    """``(client, n_jobs)`` of the joblib context this code runs in.

    ``client`` is the ``distributed.Client`` of joblib's Dask backend (None
    for any other backend); ``n_jobs`` is the context's (None outside one).

    Examples
    --------
    >>> from joblib import parallel_backend
    >>> from hpo.executors.joblib_context import joblib_context
    >>> joblib_context()
    (None, None)
    >>> with parallel_backend("loky", n_jobs=2):
    ...     joblib_context()
    (None, 2)
    """
    try:
        from joblib.parallel import get_active_backend
    except ImportError:  # pragma: no cover - joblib is a dependency of scikit-learn
        return None, None
    backend, n_jobs = get_active_backend()
    if type(backend).__name__ == "DaskDistributedBackend":
        return getattr(backend, "client", None), None
    return None, n_jobs
