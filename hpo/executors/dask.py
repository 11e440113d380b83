"""``DaskRunner``: evaluations on a Dask cluster (Dask is imported only when a search runs on one)."""

from __future__ import annotations

import concurrent.futures as cf
import time
import uuid
import warnings
from typing import Any, Callable, Sequence

from .process_pool import WorkerDiedError
from .protocol import ExecutorLostError

__all__ = ["DaskRunner"]


class DaskRunner:
    """Evaluations on a Dask cluster: the objective is sent once, as a worker plugin of the cluster.

    As many evaluations run at once as the cluster's live workers have
    threads (asked of the scheduler each time a trial ends, so a cluster
    that grows is used, and one that lost a worker does not queue
    evaluations behind a busy thread).
    A time limit is *soft* here: Dask cannot stop a running task, so a trial
    past ``trial_timeout`` is recorded as failed and its task cancelled, but
    the worker thread runs it to its end.

    Workers that die: Dask runs their evaluations again on other workers,
    up to the cluster's ``distributed.scheduler.allowed-failures`` times
    (default 3); a trial whose evaluation killed that many workers fails
    with :class:`WorkerDiedError`, and the search goes on.

    A cluster left without workers (a LocalCluster stops restarting workers
    that keep dying) is warned about after ``NO_WORKERS_WARN`` seconds, once;
    the search waits for workers (an adaptive cluster may take minutes to
    get some). A closed client, and Dask's ``no-workers-timeout`` running
    out, stop the search with :class:`ExecutorLostError`: the running
    trials are left to a resume, not recorded as failed configurations.

    The objective is a worker plugin (``hpo.executors.dask_worker.ObjectivePlugin``): Dask
    installs it on every worker, and on every worker that joins later (one
    that a nanny restarted included), and the plugin is removed when the
    search ends. Scattered data would die with the workers that held it,
    and every later evaluation with it ("lost dependencies"); and an
    evaluation that depended on data would run only on the workers that
    hold it, while the others idle.
    """

    hard_timeout = False
    owned = False
    inner_threads = None  # the cluster's own settings (its workers' environment and nthreads) are left alone

    #: Seconds without a worker in the cluster before the search warns (once) that it is waiting for some.
    NO_WORKERS_WARN = 30.0

    def __init__(self, client: Any) -> None:
        self.client = client
        self._plugin: str | None = None
        self._empty_since: float | None = None
        self._warned_empty = False

    def start(self, evaluate: Callable, objective: Callable, pass_budget: bool | str) -> None:
        from .dask_worker import ObjectivePlugin

        self._evaluate, self._pass_budget = evaluate, pass_budget
        name = f"hpo-objective-{uuid.uuid4().hex}"
        try:
            plugin = ObjectivePlugin(name, objective)
        except Exception as exc:  # cloudpickle could not pickle it (a lock, a connection, an open file)
            raise TypeError(
                f"the objective cannot be sent to the Dask cluster: {type(exc).__name__}: {exc}. Create what "
                "cannot be pickled (a lock, a connection, an open file) inside the objective, or run the search "
                "with n_jobs=1 and no executor") from exc
        self._plugin = name
        self.client.register_plugin(plugin, name=self._plugin)

    def slots(self) -> int:
        # The threads of the workers alive now, asked of the scheduler before each fill (one round trip per
        # finished trial): counted a few seconds late, a dead worker's threads would send the evaluations of
        # the search to queue on the workers left, and each one queued on a worker that dies next is counted
        # by Dask as a suspect of that death (allowed-failures) although it never ran.
        return max(1, self._threads())

    def _threads(self) -> int:
        """The threads of the cluster's live workers; a closed client is an :class:`ExecutorLostError`."""
        if getattr(self.client, "status", "running") in ("closing", "closed"):
            raise ExecutorLostError("the Dask client was closed during the search" + _RESUME)
        try:
            threads = sum(self.client.nthreads().values())
        except Exception as exc:  # the client lost its scheduler while being asked
            raise ExecutorLostError(f"the Dask scheduler cannot be reached ({type(exc).__name__}: {exc})"
                                    + _RESUME) from exc
        if threads:
            self._empty_since = None
        elif self._empty_since is None:
            self._empty_since = time.monotonic()
        elif not self._warned_empty and time.monotonic() - self._empty_since >= self.NO_WORKERS_WARN:
            self._warned_empty = True
            warnings.warn(
                f"the Dask cluster has had no workers for {self.NO_WORKERS_WARN:g} s: the search waits for some. "
                "A LocalCluster stops restarting workers that keep dying (an objective that crashes them: "
                "distributed.scheduler.allowed-failures 0 and worker-saturation 1.0 fail only its trial); "
                "distributed.scheduler.no-workers-timeout ends such a search (a stored study resumes), as Ctrl-C "
                "does", RuntimeWarning, stacklevel=2)
        return threads

    def submit(self, candidate: Any, spec: Any = None) -> Any:
        from .dask_worker import evaluate_on_worker

        return self.client.submit(evaluate_on_worker, self._plugin, self._evaluate, candidate, self._pass_budget,
                                  spec, pure=False)

    def result(self, handle: Any) -> tuple:
        from distributed import KilledWorker

        try:
            return handle.result()
        except KilledWorker as exc:
            raise WorkerDiedError(
                f"the Dask worker running this evaluation died, on each of the {exc.allowed_failures + 1} workers "
                f"that tried it (the last: {exc.last_worker.address}; distributed.scheduler.allowed-failures="
                f"{exc.allowed_failures})") from None
        except Exception as exc:
            lost = _lost(exc, self.client)
            if lost is None:
                raise
            raise ExecutorLostError(lost + _RESUME) from exc
        finally:
            # let go of the result at once: while this client holds a finished evaluation's future, the worker
            # keeps its result, and if that worker dies Dask runs the evaluation again ("recomputed elsewhere"),
            # counting it a suspect of the next death
            handle.release()

    def wait_any(self, handles: Sequence, timeout: float | None) -> list:
        from distributed import wait

        end = None if timeout is None else time.monotonic() + timeout
        while True:  # in slices, to notice a cluster without workers or a closed client while waiting
            step = 5.0 if end is None else max(0.0, min(5.0, end - time.monotonic()))
            try:
                wait(list(handles), timeout=step, return_when="FIRST_COMPLETED")
            except (TimeoutError, cf.TimeoutError):
                pass
            except cf.CancelledError:  # some were cancelled (their result is an error): done, all the same
                pass
            done = [h for h in handles if h.done()]
            if done or (end is not None and time.monotonic() >= end):
                return done
            self._threads()

    def cancel(self, handle: Any) -> None:
        try:
            handle.cancel()
        except Exception:  # a closed client cannot send the cancellation: there is nothing left to stop
            pass

    def close(self, interrupted: bool = False) -> None:
        if self._plugin is None:
            return
        try:
            self.client.unregister_worker_plugin(self._plugin)  # the workers let go of the objective
        except Exception:  # pragma: no cover - the client or the cluster is closing
            pass


_RESUME = ("; the search stops: its running trials did not fail and a stored study runs them on resume (connect a "
           "client to a cluster with workers, and run the search again)")


def _lost(exc: BaseException, client: Any) -> str | None:
    """What an exception from a Dask future says of the executor, when it says the executor is gone (not the
    evaluation's fault): a closed client, a cancelled future, no workers within ``no-workers-timeout``."""
    name = type(exc).__name__
    if getattr(client, "status", "running") in ("closing", "closed"):
        return "the Dask client was closed during the search"
    if name == "NoWorkerError":
        return f"the Dask cluster had no worker to run an evaluation ({exc})"
    if isinstance(exc, cf.CancelledError) or name in ("FutureCancelledError", "CancelledError"):
        return f"Dask cancelled a running evaluation ({name}: {exc}; the cluster restarted, or the client lost it)"
    return None
