"""The runners of a search: evaluations in this process, in threads, in a ``ProcessPool``, or on Dask (``make_runner``).

An executor here is anything with ``submit(fn, *args) -> Future`` (the
``concurrent.futures`` protocol). The engine does not talk to executors
directly but through a *runner* (:class:`~hpo.executors.protocol.Runner`),
which ships the objective to the workers once and knows how to wait for the
first of several evaluations, so that one loop serves all of them.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import warnings
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Sequence

from .._constraints import check_options
from .cores import BACKEND, _inner_threads, _limit_openmp, limit_threads
from .dask import DaskRunner
from .pool_worker import Shared
from .process_pool import ProcessPool, reusable_pool
from .protocol import Runner

__all__ = [
    "InlineExecutor", "make_executor", "is_dask_client", "make_runner",
    "InlineRunner", "FuturesRunner", "ThreadsRunner", "PoolRunner",
]

#: What :func:`make_executor` and :func:`make_runner` check themselves.
_constraints = {"backend": BACKEND}


class InlineExecutor:
    """Runs each call at once in this process (``n_jobs=1``): no pickling, no overhead."""

    def submit(self, fn: Callable, *args: Any) -> Future:
        future: Future = Future()
        future.set_result(fn(*args))
        return future

    def shutdown(self, wait: bool = True, **_: Any) -> None:
        pass



def make_executor(n_jobs: int, backend: str = "processes") -> Any:
    """An executor for ``n_jobs`` workers.

    ``backend="processes"``: the :func:`reusable_pool` of ``n_jobs`` workers
    (each worker's BLAS threads limited so that the workers do not
    oversubscribe the cores; shut it down only to stop its workers early);
    ``"threads"``: a thread pool, for objectives that release the GIL (each
    thread's OpenMP threads limited alike).
    """
    check_options(_constraints, backend=backend)
    if n_jobs == 1:
        return InlineExecutor()
    if backend == "threads":
        return ThreadPoolExecutor(max_workers=n_jobs, initializer=_limit_openmp, initargs=(_inner_threads(n_jobs),))
    return reusable_pool(n_jobs)



def is_dask_client(obj: Any) -> bool:
    """Whether ``obj`` is a Dask distributed ``Client`` (without importing Dask)."""
    return type(obj).__module__.split(".")[0] == "distributed" and hasattr(obj, "scatter") and hasattr(obj, "submit")


class InlineRunner:
    """Evaluations in this process, one at a time: the handle is the outcome itself."""

    hard_timeout = True
    owned = True
    inner_threads = None  # no limit: one evaluation at a time has the machine

    def start(self, evaluate: Callable, objective: Callable, pass_budget: bool | str) -> None:
        self._evaluate, self._objective, self._pass_budget = evaluate, objective, pass_budget

    def slots(self) -> int:
        return 1

    def submit(self, candidate: Any, spec: Any = None) -> Any:
        return self._evaluate(self._objective, candidate, self._pass_budget, spec)

    def result(self, handle: Any) -> tuple:
        return handle

    def wait_any(self, handles: Sequence, timeout: float | None) -> list:
        return list(handles)

    def cancel(self, handle: Any) -> None:
        pass

    def close(self, interrupted: bool = False) -> None:
        pass


class FuturesRunner:
    """Evaluations through a ``concurrent.futures`` executor (threads, a user's executor).

    ``cancel`` drops an evaluation that has not started; a running one cannot
    be stopped in a thread: it runs to its end, unread (and the interpreter
    waits for a thread pool's running evaluations at exit). The threads of
    a user's executor are not limited (``inner_threads`` None).
    """

    hard_timeout = False
    inner_threads: int | None = None

    def __init__(self, executor: Any, n_slots: int, owned: bool) -> None:
        self.executor = executor
        self.n_slots = n_slots
        self.owned = owned

    def start(self, evaluate: Callable, objective: Callable, pass_budget: bool | str) -> None:
        self._evaluate, self._objective, self._pass_budget = evaluate, objective, pass_budget

    def slots(self) -> int:
        return self.n_slots

    def submit(self, candidate: Any, spec: Any = None) -> Any:
        return self.executor.submit(self._evaluate, self._objective, candidate, self._pass_budget, spec)

    def result(self, handle: Any) -> tuple:
        return handle.result()

    def wait_any(self, handles: Sequence, timeout: float | None) -> list:
        done, _ = cf.wait(handles, timeout=timeout, return_when=cf.FIRST_COMPLETED)
        return [h for h in handles if h in done]

    def cancel(self, handle: Any) -> None:
        handle.cancel()

    def close(self, interrupted: bool = False) -> None:
        if not self.owned:
            return
        if isinstance(self.executor, ProcessPool):
            self.executor.shutdown(wait=not interrupted, kill_workers=interrupted)
        else:
            self.executor.shutdown(wait=False)


class ThreadsRunner(FuturesRunner):
    """Evaluations in a thread pool of its own (``backend="threads"``), each thread's inner threads limited.

    ``inner_threads`` (``cores // n_jobs``, at least 1, unless the user set
    ``OMP_NUM_THREADS``) is the OpenMP
    limit of each pool thread (OpenMP's limit is per thread) and the BLAS
    limit of the process while the search runs (BLAS's limit is process-wide;
    the previous limits come back at :meth:`close`). Libraries with thread
    pools of their own (PyTorch's ``torch.set_num_threads``) are not limited.
    """

    def __init__(self, n_jobs: int) -> None:
        super().__init__(make_executor(n_jobs, "threads"), n_jobs, owned=True)
        self.inner_threads = _inner_threads(n_jobs)
        self._blas_limits: Any = None

    def start(self, evaluate: Callable, objective: Callable, pass_budget: bool) -> None:
        super().start(evaluate, objective, pass_budget)
        self._blas_limits = limit_threads(self.inner_threads, "blas")

    def close(self, interrupted: bool = False) -> None:
        if self._blas_limits is not None:
            self._blas_limits.restore_original_limits()
            self._blas_limits = None
        super().close(interrupted)


class PoolRunner(FuturesRunner):
    """Evaluations in a :class:`ProcessPool`: the objective is sent to each worker once; time limits are hard.

    ``owned``: the pool is shut down at the end. ``kill_on_interrupt``: a
    Ctrl-C kills its workers (the running evaluations stop at once).
    """

    hard_timeout = True

    def __init__(self, pool: ProcessPool, owned: bool, trial_timeout: float | None,
                 kill_on_interrupt: bool = False) -> None:
        super().__init__(pool, pool.n_workers, owned)
        self.inner_threads = pool.inner_threads
        self.trial_timeout = trial_timeout
        self.kill_on_interrupt = kill_on_interrupt
        self._shared: Shared | None = None

    def start(self, evaluate: Callable, objective: Callable, pass_budget: bool | str) -> None:
        super().start(evaluate, objective, pass_budget)
        self._filters = list(warnings.filters)  # the user's filters hold in the workers too, as in scikit-learn's
        try:
            self._shared = self.executor.share(objective)
        except Exception as exc:  # a lock, a connection, an open file in the objective's closure
            raise TypeError(
                f"the objective cannot be sent to hpo's worker processes (n_jobs > 1 and trial_timeout run it "
                f"there): {type(exc).__name__}: {exc}. Run it with n_jobs=1 (no trial_timeout), or "
                "backend='threads' for an objective that releases the GIL, or create what cannot be pickled "
                "inside the objective") from exc

    def submit(self, candidate: Any, spec: Any = None) -> Any:
        return self.executor.submit_with_timeout(
            self.trial_timeout, _with_warning_filters, self._filters, self._evaluate, self._shared, candidate,
            self._pass_budget, spec)

    def cancel(self, handle: Any) -> None:
        self.executor.cancel(handle)  # a running evaluation is stopped: its worker is killed

    def close(self, interrupted: bool = False) -> None:
        if self._shared is not None and not self.owned:
            self.executor.unshare(self._shared)
        if interrupted and self.kill_on_interrupt:
            self.executor.shutdown(wait=False, kill_workers=True)
        super().close(interrupted)


def _with_warning_filters(filters: list, fn: Callable, *args: Any) -> Any:
    """In a worker: run ``fn(*args)`` under the search process's warning filters (as scikit-learn's joblib workers
    do since 1.7), so that a warning silenced there is silent here too."""
    with warnings.catch_warnings():
        warnings.filters = list(filters)  # type: ignore[misc]  # restored on exit, as catch_warnings saved it
        return fn(*args)


def make_runner(executor: Any, n_jobs: int, backend: str, trial_timeout: float | None) -> Runner:
    """The runner for a search: from the ``executor`` given, else from ``n_jobs`` and ``backend``.

    A ``trial_timeout`` needs evaluations that can be stopped: they run in
    worker processes (a :class:`ProcessPool`, of one worker when ``n_jobs=1``);
    with threads it is an error; on a Dask cluster it is soft (see
    :class:`DaskRunner`).
    """
    if executor is not None:
        if is_dask_client(executor):
            if n_jobs != 1:
                warnings.warn(f"n_jobs={n_jobs} does not apply to a Dask cluster: as many trials run at once as its "
                              "workers have threads", UserWarning, stacklevel=4)
            return DaskRunner(executor)
        if isinstance(executor, ProcessPool):
            return PoolRunner(executor, owned=False, trial_timeout=trial_timeout)
        if isinstance(executor, InlineExecutor):
            if trial_timeout is not None:
                raise ValueError("trial_timeout needs evaluations in worker processes, not an InlineExecutor")
            return InlineRunner()
        if not callable(getattr(executor, "submit", None)):
            raise TypeError(f"executor must have a submit method (concurrent.futures) or be a Dask Client, "
                            f"got {executor!r}")
        if trial_timeout is not None:
            raise ValueError(
                f"trial_timeout cannot stop an evaluation running in {type(executor).__name__}: use "
                "executor=hpo.ProcessPool(n), n_jobs with backend='processes', or a Dask Client")
        slots = getattr(executor, "_max_workers", None) or n_jobs
        return FuturesRunner(executor, int(slots), owned=False)
    check_options(_constraints, backend=backend)
    if trial_timeout is not None and backend == "threads":  # n_jobs=1 too: it would run in a process unasked
        raise ValueError("trial_timeout cannot stop a thread: use backend='processes' (the default)")
    if n_jobs == 1 and trial_timeout is None:
        return InlineRunner()
    if backend == "threads" and n_jobs > 1:
        return ThreadsRunner(n_jobs)
    if multiprocessing.current_process().daemon:  # a multiprocessing.Pool's worker: no children allowed
        if trial_timeout is not None:
            raise ValueError("trial_timeout needs worker processes, and this search runs in a daemonic process "
                             "(a multiprocessing.Pool's worker), which cannot start any: run it elsewhere or "
                             "without trial_timeout")
        warnings.warn(f"this search runs in a daemonic process (a multiprocessing.Pool's worker), which cannot "
                      f"start worker processes: n_jobs={n_jobs} runs its trials one at a time here, as "
                      "scikit-learn's searches do (backend='threads' runs them in threads)", UserWarning, stacklevel=4)
        return InlineRunner()
    return PoolRunner(reusable_pool(n_jobs), owned=False, trial_timeout=trial_timeout, kill_on_interrupt=True)
