"""The ``Runner`` protocol: what a search needs of the place its evaluations run (in process, threads, pool, Dask)."""

from __future__ import annotations

from typing import Any, Callable, Optional, Protocol, Sequence, runtime_checkable

__all__ = ["Runner", "ExecutorLostError"]


class ExecutorLostError(RuntimeError):
    """The place the evaluations run is gone (a closed Dask client, a cluster without workers): no trial can
    run there, so the search stops, as on an error, rather than record every remaining trial as failed. The
    trials that were running are not failures of their configurations: a stored study runs them on resume."""


@runtime_checkable
class Runner(Protocol):
    """Runs the evaluations of one search; :class:`hpo.loop.SearchLoop` talks to nothing else.

    The built-in runners (:func:`hpo.executors.make_runner` picks one):
    :class:`~hpo.executors.runners.InlineRunner` (this process, one at a
    time), :class:`~hpo.executors.runners.FuturesRunner` (a
    ``concurrent.futures`` executor), :class:`~hpo.executors.runners.ThreadsRunner`
    (a thread pool of its own), :class:`~hpo.executors.runners.PoolRunner`
    (hpo's :class:`~hpo.executors.ProcessPool`) and
    :class:`~hpo.executors.dask.DaskRunner` (a Dask cluster).

    A search calls :meth:`start` once, then :meth:`slots`, :meth:`submit`,
    :meth:`wait_any`, :meth:`result` and :meth:`cancel` as trials run, and
    :meth:`close` once at the end (also after an error or Ctrl-C). A
    *handle* is whatever :meth:`submit` returns: a ``Future``, or (in
    process) the outcome itself.

    Attributes
    ----------
    hard_timeout : bool
        Whether a ``trial_timeout`` stops a running evaluation (its worker
        process is killed). False: the search records the trial as failed
        at its deadline, but the evaluation runs on (threads, Dask).
    owned : bool
        Whether the runner made its executor (and shuts it down at :meth:`close`).
    inner_threads : int or None
        The OpenMP and BLAS threads each parallel worker is limited to; None
        when the runner sets no limit (``Result.inner_threads``).
    """

    hard_timeout: bool
    owned: bool
    inner_threads: Optional[int]

    def start(self, evaluate: Callable, objective: Callable, pass_budget: bool | str) -> None:
        """Get ready to run ``evaluate(objective, candidate, pass_budget, spec)`` (send the objective to the workers once)."""
        ...

    def slots(self) -> int:
        """How many evaluations may run at once now (asked before each fill; a Dask cluster may grow or shrink)."""
        ...

    def submit(self, candidate: Any, spec: Any = None) -> Any:
        """Start evaluating ``candidate`` (``spec``: a :class:`hpo.handle._Spec` or None); return its handle."""
        ...

    def result(self, handle: Any) -> tuple:
        """The evaluation's outcome (:class:`hpo.boundary.Outcome`), waiting for it; raises when its worker failed
        (:class:`~hpo.executors.WorkerDiedError`, :class:`~hpo.executors.TrialTimeoutError`: the trial fails),
        or :class:`ExecutorLostError` when the executor itself is gone (the search stops)."""
        ...

    def wait_any(self, handles: Sequence, timeout: float | None) -> list:
        """Wait up to ``timeout`` seconds (None: no limit) until one of ``handles`` is done; return those done."""
        ...

    def cancel(self, handle: Any) -> None:
        """Drop an evaluation: one not started does not start; a running one is stopped where the runner can."""
        ...

    def close(self, interrupted: bool = False) -> None:
        """End the search's use of the runner (``interrupted``: by Ctrl-C, so an owned pool's workers are killed)."""
        ...
