"""``DaskRunner``: evaluations on a Dask cluster (Dask is imported only when a search runs on one)."""

from __future__ import annotations

import concurrent.futures as cf
import uuid
from typing import Any, Callable, Sequence

from .process_pool import WorkerDiedError

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

    def __init__(self, client: Any) -> None:
        self.client = client
        self._plugin: str | None = None

    def start(self, evaluate: Callable, objective: Callable, pass_budget: bool | str) -> None:
        from .dask_worker import ObjectivePlugin

        self._evaluate, self._pass_budget = evaluate, pass_budget
        self._plugin = f"hpo-objective-{uuid.uuid4().hex}"
        self.client.register_plugin(ObjectivePlugin(self._plugin, objective), name=self._plugin)

    def slots(self) -> int:
        # The threads of the workers alive now, asked of the scheduler before each fill (one round trip per
        # finished trial): counted a few seconds late, a dead worker's threads would send the evaluations of
        # the search to queue on the workers left, and each one queued on a worker that dies next is counted
        # by Dask as a suspect of that death (allowed-failures) although it never ran.
        return max(1, sum(self.client.nthreads().values()))

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
        finally:
            # let go of the result at once: while this client holds a finished evaluation's future, the worker
            # keeps its result, and if that worker dies Dask runs the evaluation again ("recomputed elsewhere"),
            # counting it a suspect of the next death
            handle.release()

    def wait_any(self, handles: Sequence, timeout: float | None) -> list:
        from distributed import wait

        try:
            wait(list(handles), timeout=timeout, return_when="FIRST_COMPLETED")
        except (TimeoutError, cf.TimeoutError):
            pass
        except cf.CancelledError:  # some were cancelled (their result is an error): done, all the same
            pass
        return [h for h in handles if h.done()]

    def cancel(self, handle: Any) -> None:
        handle.cancel()

    def close(self, interrupted: bool = False) -> None:
        if self._plugin is None:
            return
        try:
            self.client.unregister_worker_plugin(self._plugin)  # the workers let go of the objective
        except Exception:  # pragma: no cover - the client or the cluster is closing
            pass
