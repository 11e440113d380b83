"""Where evaluations run: in this process, in threads, in hpo's worker processes, or on a Dask cluster.

An executor here is anything with ``submit(fn, *args) -> Future`` (the
``concurrent.futures`` protocol). :class:`ProcessPool` is hpo's own: each
worker process runs one evaluation at a time, so that a worker that dies
(a segfault, ``os._exit``, the out-of-memory killer) fails only the
evaluation it was running, and an evaluation that runs past its time limit is
stopped by killing its worker; a fresh worker takes its place either way.
(joblib's loky pool, used before, marks itself broken and fails every running
task when one worker dies.)

The engine does not talk to executors directly but through a *runner*
(:func:`make_runner`), which ships the objective to the workers once and
knows how to wait for the first of several evaluations, so that one loop
serves all of them.

Modules: :mod:`~hpo.executors.process_pool` (the pool), :mod:`~hpo.executors.runners`
(in process, threads, pool; ``make_runner``), :mod:`~hpo.executors.dask` (a Dask
cluster; :mod:`~hpo.executors.dask_worker` is its worker side),
:mod:`~hpo.executors.cores` (``n_jobs`` and thread limits), :mod:`~hpo.executors.protocol`
(:class:`Runner`, what every runner does).
"""

from .cores import _THREAD_VARS, effective_n_jobs  # noqa: F401  (_THREAD_VARS: read by tests)
from .dask import DaskRunner
from .protocol import ExecutorLostError, Runner
from .process_pool import IDLE_WORKER_SECONDS, ProcessPool, TrialTimeoutError, WorkerDiedError, reusable_pool
from .runners import (
    FuturesRunner,
    InlineExecutor,
    InlineRunner,
    PoolRunner,
    ThreadsRunner,
    is_dask_client,
    make_executor,
    make_runner,
)

__all__ = [
    "InlineExecutor", "ProcessPool", "WorkerDiedError", "TrialTimeoutError", "ExecutorLostError", "make_executor",
    "effective_n_jobs", "make_runner", "is_dask_client", "reusable_pool", "IDLE_WORKER_SECONDS",
    "Runner", "InlineRunner", "FuturesRunner", "ThreadsRunner", "PoolRunner", "DaskRunner",
]
