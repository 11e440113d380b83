"""The worker side of :class:`hpo.executors.dask.DaskRunner` (imported only when a search runs on a Dask cluster).

A search's objective travels to the cluster as a worker plugin: Dask installs it
on every worker, and on every worker that joins later (one that a nanny
restarted after it died included), so that no evaluation waits for, or is lost
with, data that only some workers hold.
"""

from __future__ import annotations

from typing import Any, Callable

import cloudpickle
from distributed import WorkerPlugin, get_worker

__all__ = ["ObjectivePlugin", "evaluate_on_worker"]


class ObjectivePlugin(WorkerPlugin):
    """A search's objective, pickled once, unpickled on each worker when the plugin is set up there."""

    def __init__(self, name: str, objective: Callable) -> None:
        self.name = name
        self._data = cloudpickle.dumps(objective)
        self.objective: Callable | None = None

    def setup(self, worker: Any) -> None:
        self.objective = cloudpickle.loads(self._data)

    def teardown(self, worker: Any) -> None:
        self.objective = None


def evaluate_on_worker(name: str, evaluate: Callable, candidate: Any, pass_budget: Any, spec: Any) -> tuple:
    """A Dask task: evaluate ``candidate`` with the objective of plugin ``name`` of this worker."""
    plugin = get_worker().plugins.get(name)
    if plugin is None or plugin.objective is None:
        raise RuntimeError(f"this Dask worker holds no objective {name!r}: the search has ended, or the objective "
                           "could not be unpickled here (see the worker's log)")
    return evaluate(plugin.objective, candidate, pass_budget, spec)
