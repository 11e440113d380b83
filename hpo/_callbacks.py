"""scikit-learn's fit callbacks on a :class:`~hpo.Tuner` (``sklearn.callback``, scikit-learn >= 1.9).

``Tuner.set_callbacks(*callbacks)`` takes scikit-learn's callbacks
(``ProgressBar``, ``ScoringMonitor``, any ``FitCallback``) and calls their
hooks on the Tuner's task tree, named as scikit-learn's searches name theirs::

    fit                                    the Tuner's root task (X, y, sample_weight)
    ├── search                             task 0
    │   └── candidate-split-evaluation     one per trial x split
    └── refit-with-best-params             task 1 (with refit)

A split's ``task_id`` is ``candidate id * n_splits + split``: the candidate
id is the position at which the strategy asked it, the trial's number and
``cv_results_`` row (except in a study shared by several processes). With
``strategy="halving"`` a ``halving-iteration`` task per rung (``task_id`` the
rung, as ``cv_results_["iter"]``) sits between the search and its
evaluations, as in scikit-learn's halving searches.

* Every hook gets the Tuner as ``estimator``; the split and refit tasks get
  the rows fitted (``X``, ``y``) and ``metadata={"sample_weight": ...}`` when
  ``fit`` was given one.
* Auto-propagated callbacks (``max_propagation_depth``) reach the estimator
  fitted for each split and the refit (its own tasks hang below the split's
  task); an estimator's own callbacks see the Tuner's tree above theirs.
* In worker processes (``n_jobs > 1``, ``trial_timeout``) each worker gets a
  copy of the callbacks with the objective, and the trial x split tasks run
  there: scikit-learn's callbacks send what they record back to the search
  process (``sklearn.callback._transport``), so a ``ProgressBar`` or a
  ``ScoringMonitor`` shows every trial. A callback of your own that only
  changes its own attributes records, in the search process, only what ran
  there. A callback that does not pickle is a ``TypeError`` naming it,
  before any fit.
* A trial stops at its first failing fit: its later splits get a
  ``candidate-split-skipped`` task, begun and ended at once, so that every
  task of the tree begins and ends.
* A resumed study's stored trials are not fitted again: they get no task.
  A trial whose worker dies or runs past ``trial_timeout`` does not end the
  task it was in.

Without callbacks (on the Tuner, on its estimator, or from an enclosing
meta-estimator) none of this runs.
"""

from __future__ import annotations

import functools
import os
import types
from contextlib import contextmanager, nullcontext
from typing import Any, Callable, Mapping

from .boundary import current_candidate
from .executors import effective_n_jobs
from .strategies.halving import SuccessiveHalving

try:
    from sklearn.callback import CallbackSupportMixin, with_callbacks
except ImportError:  # scikit-learn < 1.9 has no callbacks
    class CallbackSupportMixin:  # type: ignore[no-redef]
        """scikit-learn < 1.9: no callbacks."""

        def set_callbacks(self, *callbacks: Any) -> Any:
            raise ImportError("set_callbacks needs scikit-learn >= 1.9 (sklearn.callback)")

    def with_callbacks(method: Callable) -> Callable:  # type: ignore[no-redef]
        return method

    _SUPPORTED = False
else:
    _SUPPORTED = True

__all__ = ["CallbackSupportMixin", "fit_with_callbacks", "start", "TunerTasks", "NO_TRIAL", "NO_TASK"]

EVALUATION = "candidate-split-evaluation"
SKIPPED = "candidate-split-skipped"


def _watched(tuner: Any) -> bool:
    """Whether a callback can see ``tuner``'s fit: set on the Tuner, propagated from an enclosing
    meta-estimator, or set on the Tuner's estimator (whose tasks then hang below the Tuner's)."""
    return _SUPPORTED and bool(getattr(tuner, "_skl_callbacks", None) or hasattr(tuner, "_parent_callback_ctx")
                               or getattr(tuner.estimator, "_skl_callbacks", None))


class fit_with_callbacks:
    """Decorate ``Tuner.fit``: the callbacks' ``teardown`` however the fit ends (scikit-learn's ``with_callbacks``).

    The teardown wrapper is used only when a callback watches the fit: a fit
    without callbacks runs as written, with no frame added, so that its
    warnings still point at the caller's line (with callbacks they point at
    scikit-learn's wrapper).
    """

    def __init__(self, fit: Callable) -> None:
        self.fit = fit
        self.managed = with_callbacks(fit)
        functools.update_wrapper(self, fit)

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self.fit
        return types.MethodType(self.managed if _watched(obj) else self.fit, obj)


def start(tuner: Any, X: Any, y: Any, fit_params: Mapping[str, Any]) -> "TunerTasks | None":
    """Begin the root task of ``tuner.fit`` (after its callbacks' ``setup``); None when no callback watches it."""
    return TunerTasks(tuner, X, y, fit_params) if _watched(tuner) else None


class TunerTasks:
    """The callback tasks of one ``Tuner.fit``.

    Made in the search process, which begins and ends the root, search,
    rung and refit tasks; the objective carries it to wherever trials run
    (a copy in each worker process), where :meth:`trial` gives the running
    trial's split tasks.
    """

    def __init__(self, tuner: Any, X: Any, y: Any, fit_params: Mapping[str, Any]) -> None:
        if tuner.trial_timeout is not None or effective_n_jobs(tuner.n_jobs) > 1:
            _check_picklable(tuner)  # the worker processes that run the trials get a copy of the callbacks
        self.tuner = tuner
        self.data = (X, y, fit_params)
        # the scikit-learn API for an estimator's root task (calls the callbacks' setup)
        self.root = tuner._init_callback_context(task_name="fit", max_subtasks=1 + (tuner.refit is not False))
        self.root.call_on_fit_task_begin(estimator=tuner, X=X, y=y, metadata=_metadata(fit_params))
        self.search_ctx: Any = None
        self.n_splits = 0
        self.rung_sizes: list[int] | None = None  # planned candidates per rung: halving's rung tasks
        self.rungs: dict[int, Any] = {}  # rung -> its context (a worker makes its own copies)
        self.open_rung: int | None = None
        self.pid = os.getpid()

    # ------------------------------------------------------------ the search process
    def search(self, objective: Any, strategy: Any, n_splits: int) -> Callable:
        """Begin the search task and give ``objective`` the split tasks; returns the search loop's ``on_submit``."""
        n_trials = self.tuner.n_trials
        self.n_splits = n_splits
        if isinstance(strategy, SuccessiveHalving):  # synchronous rungs: one task each
            self.rung_sizes = list(strategy.sizes)
            size = len(self.rung_sizes)
        else:
            plan = min((n for n in (n_trials, strategy.max_trials) if n is not None), default=0)
            size = plan * n_splits or None  # None: not known in advance
        self.search_ctx = self.root.subcontext(task_name="search", max_subtasks=size, sequential_subtasks=False)
        self.search_ctx.call_on_fit_task_begin(estimator=self.tuner)
        objective.tasks = self
        return self.submitted

    def submitted(self, number: int, candidate: Any) -> None:
        """A candidate goes to its worker: the first of a new rung ends the rung before and begins its own."""
        if self.rung_sizes is None:
            return
        rung = int(candidate.info.get("rung", 0))
        if rung == self.open_rung or rung in self.rungs:
            return
        self._end_rung()
        self.open_rung = rung
        self._rung(rung).call_on_fit_task_begin(estimator=self.tuner)

    def end_search(self) -> None:
        self._end_rung()
        self.search_ctx.call_on_fit_task_end(estimator=self.tuner)

    def refit(self) -> "_Task":
        """The refit's task (its ``fitting`` begins it)."""
        return _Task(self.tuner, self.root.subcontext(task_name="refit-with-best-params"))

    def end(self) -> None:
        X, y, fit_params = self.data
        self.root.call_on_fit_task_end(estimator=self.tuner, X=X, y=y, metadata=_metadata(fit_params))

    def _end_rung(self) -> None:
        if self.open_rung is not None:
            self.rungs[self.open_rung].call_on_fit_task_end(estimator=self.tuner)
            self.open_rung = None

    def _rung(self, rung: int) -> Any:
        ctx = self.rungs.get(rung)
        if ctx is None:
            sizes = self.rung_sizes or []
            ctx = self.rungs[rung] = self.search_ctx.subcontext(
                task_name="halving-iteration", task_id=rung, sequential_subtasks=False,
                max_subtasks=sizes[rung] * self.n_splits if rung < len(sizes) else None,
            )
        return ctx

    # ------------------------------------------------------------ where trials run
    def trial(self) -> "_TrialTasks | _NoTrial":
        """The split tasks of the trial being evaluated (none when the objective runs outside a search)."""
        candidate = current_candidate()
        if candidate is None or candidate.id < 0:  # the Tuner re-raising an error; another process's trial
            return NO_TRIAL
        parent = self.search_ctx if self.rung_sizes is None else self._rung(int(candidate.info.get("rung", 0)))
        return _TrialTasks(self.tuner, parent, candidate.id * self.n_splits, self.n_splits,
                           detach=os.getpid() != self.pid)


class _Task:
    """One fit task: begun while the estimator fits (lent the task's context), ended after its scoring."""

    def __init__(self, tuner: Any, ctx: Any) -> None:
        self.tuner = tuner
        self.ctx = ctx
        self.data: Any = None

    @contextmanager
    def fitting(self, estimator: Any, data: Any):
        """Begin the task and propagate its context (and auto-propagated callbacks) to ``estimator`` while it fits.

        ``data`` is ``(X, y, fit_params)`` of the fit, or a function that gives
        them (called only if a hook asks for them).
        """
        self.data = data
        with self.ctx.propagate_callback_context(estimator):
            self.ctx.call_on_fit_task_begin(estimator=self.tuner, **self._hook_args())
            yield

    def end(self) -> None:
        self.ctx.call_on_fit_task_end(estimator=self.tuner, **self._hook_args())

    def _hook_args(self) -> dict:
        data = self.data
        if not callable(data):
            X, y, fit_params = data
            return {"X": X, "y": y, "metadata": _metadata(fit_params)}
        cache: list = []

        def part(i: int) -> Callable:
            def get() -> Any:
                if not cache:
                    X, y, fit_params = data()
                    cache.extend([X, y, _metadata(fit_params)])
                return cache[i]
            return get

        return {"X": part(0), "y": part(1), "metadata": part(2)}  # the hooks call what they ask for


class _TrialTasks:
    """The split tasks of one trial, begun and ended where it runs."""

    def __init__(self, tuner: Any, parent: Any, first_id: int, n_splits: int, detach: bool) -> None:
        self.tuner = tuner
        self.parent = parent
        self.first_id = first_id
        self.n_splits = n_splits
        self.detach = detach
        self.task: _Task | None = None  # the split task begun and not ended
        self.next = 0  # the first split not begun
        self.ids: list[int] = []

    def fitting(self, split: int, estimator: Any, data: Any):
        """Begin split ``split``'s task while ``estimator`` fits (see :meth:`_Task.fitting`)."""
        self.task = _Task(self.tuner, self._context(EVALUATION, split))
        self.next = split + 1
        return self.task.fitting(estimator, data)

    def end_split(self) -> None:
        """The split is fitted and scored."""
        task, self.task = self.task, None
        if task is not None:
            task.end()
        if self.next == self.n_splits:
            self._detach()

    def fail(self) -> None:
        """The trial failed: end the task of the split that raised; the splits it did not reach are skipped."""
        try:
            self.end_split()
            for split in range(self.next, self.n_splits):
                ctx = self._context(SKIPPED, split)
                ctx.call_on_fit_task_begin(estimator=self.tuner)
                ctx.call_on_fit_task_end(estimator=self.tuner)
        finally:
            self.next = self.n_splits
            self._detach()

    def _context(self, name: str, split: int) -> Any:
        task_id = self.first_id + split
        self.ids.append(task_id)
        return self.parent.subcontext(task_name=name, task_id=task_id)

    def _detach(self) -> None:
        """In a worker process, drop the trial's tasks from the worker's copy of the tree once they ended,
        so that it does not grow with every trial the worker runs (the search process keeps its tree whole)."""
        if self.detach:
            children = getattr(self.parent, "_children_map", {})
            for task_id in self.ids:
                children.pop(task_id, None)
            self.ids = []


class _NoTrial:
    """No callbacks: the split hooks do nothing."""

    def fitting(self, split: int, estimator: Any, data: Any):
        return nullcontext()

    def end_split(self) -> None:
        pass

    def fail(self) -> None:
        pass


class _NoTask:
    """No callbacks: the refit hooks do nothing."""

    def fitting(self, estimator: Any, data: Any):
        return nullcontext()

    def end(self) -> None:
        pass


NO_TRIAL = _NoTrial()
NO_TASK = _NoTask()


def _check_picklable(tuner: Any) -> None:
    """Each callback of the Tuner and of its estimator pickles, or a ``TypeError`` names it."""
    import cloudpickle

    for owner in (tuner, tuner.estimator):
        for callback in getattr(owner, "_skl_callbacks", []):
            try:
                cloudpickle.dumps(callback)
            except Exception as exc:
                raise TypeError(
                    f"the callback {callback!r} of {type(owner).__name__} cannot be sent to hpo's worker processes "
                    f"(n_jobs > 1 or trial_timeout), which run the trials: {type(exc).__name__}: {exc}"
                ) from exc


def _metadata(fit_params: Mapping[str, Any]) -> dict | None:
    """The metadata scikit-learn's searches give the hooks: the sample weights, if any."""
    weights = fit_params.get("sample_weight") if fit_params else None
    return None if weights is None else {"sample_weight": weights}
