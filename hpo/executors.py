"""Where evaluations run: in this process, in threads, or in joblib's (loky) worker processes.

An executor here is anything with ``submit(fn, *args) -> Future`` (the
``concurrent.futures`` protocol, which a Dask ``Client`` also speaks).
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

__all__ = ["InlineExecutor", "make_executor", "effective_n_jobs"]

#: How long idle worker processes are kept for the next search.
IDLE_WORKER_SECONDS = 300

_BLAS_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                     "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


class InlineExecutor:
    """Runs each call at once in this process (``n_jobs=1``): no pickling, no overhead."""

    def submit(self, fn: Callable, *args: Any) -> Future:
        future: Future = Future()
        future.set_result(fn(*args))
        return future

    def shutdown(self, wait: bool = True, **_: Any) -> None:
        pass


def effective_n_jobs(n_jobs: int | None) -> int:
    """``n_jobs`` as scikit-learn reads it: None is 1, -1 all cores, -2 all but one."""
    if n_jobs is None:
        return 1
    if not isinstance(n_jobs, int) or isinstance(n_jobs, bool) or n_jobs == 0:
        raise ValueError(f"n_jobs must be a non-zero int or None, got {n_jobs!r}")
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return n_jobs


def make_executor(n_jobs: int, backend: str = "processes") -> Any:
    """An executor for ``n_jobs`` workers.

    ``backend="processes"`` uses joblib's reusable loky pool with memory-mapped
    large arrays (robust to a worker that dies; each worker's BLAS threads are limited so that workers
    do not oversubscribe the cores); ``"threads"`` a thread pool, for
    objectives that release the GIL.
    """
    if backend not in ("processes", "threads"):
        raise ValueError(f"backend must be 'processes' or 'threads', got {backend!r}")
    if n_jobs == 1:
        return InlineExecutor()
    if backend == "threads":
        return ThreadPoolExecutor(max_workers=n_jobs)
    from joblib.executor import get_memmapping_executor

    threads = str(max(1, (os.cpu_count() or 1) // n_jobs))
    env = {var: os.environ.get(var, threads) for var in _BLAS_THREAD_VARS}
    # joblib's own executor (the one joblib.Parallel reuses, so the two coexist): large
    # numpy arrays reach workers as memory maps instead of being pickled into every task,
    # and idle workers stay up for IDLE_WORKER_SECONDS so that back-to-back searches
    # do not pay the start-up again.
    return get_memmapping_executor(n_jobs, timeout=IDLE_WORKER_SECONDS, env=env)
