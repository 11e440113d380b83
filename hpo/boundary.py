"""The evaluation boundary: :func:`evaluate` calls the objective on one candidate and catches every error.

Its :class:`Outcome` is what crosses back from the worker (a process, a
thread, a Dask worker) to the search; :func:`call_mode` says how the
objective is called, :func:`current_candidate` which candidate an objective
is running on.
"""

from __future__ import annotations

import copy
import inspect
import math
import numbers
import time
import traceback as traceback_module
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any, Callable, NamedTuple, Optional

import numpy as np

from ._scalars import unwrap_scalar
from .handle import TrialHandle, _Spec
from .trial import FAILED, OK, PRUNED, Candidate

__all__ = ["evaluate", "Outcome", "call_mode", "takes_budget", "current_candidate", "TrialPruned"]


class TrialPruned(Exception):
    """Raised inside an objective to end its trial as pruned (not failed).

    Examples
    --------
    >>> from hpo import optimize, Space, Int, TrialPruned
    >>> def objective(config):
    ...     if config["n"] == 0:
    ...         raise TrialPruned("n=0 is not worth training")
    ...     return config["n"]
    >>> result = optimize(objective, Space(n=Int(0, 3)), "grid")
    >>> sorted((t.config["n"], t.status) for t in result), result.n_pruned
    ([(0, 'pruned'), (1, 'ok'), (2, 'ok'), (3, 'ok')], 1)
    """


class Outcome(NamedTuple):
    """What one evaluation gives back, from whatever process or thread ran it.

    A named tuple (a tuple still: positional unpacking keeps working), so
    that it crosses process boundaries cheaply.

    Attributes
    ----------
    status : {"ok", "failed", "pruned"}
    value : float or None
        The objective's value as returned (None unless ok).
    error : str or None
        ``"ExceptionType: message"`` of a failed trial, why a pruned one stopped.
    traceback : str or None
        The traceback of the exception that failed the trial.
    started, finished : float
        Wall-clock times (seconds since the epoch) around the call.
    metrics : dict
        The objective's extra metrics (or an exception's ``hpo_metrics``).
    extra : dict or None
        None, or what a :class:`~hpo.TrialHandle` gathered: the reported
        ``curve``, a paused run's pickled ``state`` and its ``done`` step.
    """

    status: str
    value: Optional[float]
    error: Optional[str]
    traceback: Optional[str]
    started: float
    finished: float
    metrics: dict
    extra: Optional[dict]

    @classmethod
    def failed(cls, error: BaseException, at: float) -> "Outcome":
        """A failed outcome for an evaluation that never returned (its runner raised ``error`` at time ``at``)."""
        return cls(FAILED, None, f"{type(error).__name__}: {error}", None, at, at, {}, None)


#: Exact types that are plain real numbers: the common return values of an objective,
#: checked by ``type(out) in`` before the (slower) abstract-base-class checks.
_PLAIN_NUMBERS = frozenset({float, int, np.float64, np.float32})


def _parse_value(out: Any) -> tuple[float, dict]:
    """The objective's value and extra metrics from a number (a numpy or tensor scalar too) or a dict of metrics."""
    if type(out) in _PLAIN_NUMBERS:
        return float(out), {}
    out = unwrap_scalar(out)
    metrics: dict = {}
    if isinstance(out, Mapping):
        keys = [k for k in ("value", "loss") if k in out]
        if len(keys) != 1:
            raise ValueError(
                "an objective that returns a dict must put the value to optimize under "
                f"'value' (or 'loss'); got keys {sorted(map(str, out))}"
            )
        metrics = {k: _plain(v) for k, v in out.items() if k != keys[0]}
        out = unwrap_scalar(out[keys[0]])
    if isinstance(out, (bool, np.bool_)) or not isinstance(out, numbers.Real):
        raise TypeError(f"the objective must return a number or a dict of metrics, got {type(out).__name__} {out!r}")
    return float(out), metrics


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else unwrap_scalar(v) if hasattr(v, "shape") else v


#: What an objective reads from a trial handle (an AttributeError on one, given a budget, means a misnamed ``trial``).
_HANDLE_NAMES = frozenset({"report", "should_stop", "save", "load", "budget", "done", "number", "steps", "values"})

_IMMUTABLE = frozenset({str, int, float, bool, type(None), tuple, bytes, frozenset})


def _own_copy(config: Mapping[str, Any]) -> dict:
    """The configuration an evaluation hands its objective: a dict of its own, and a copy of each mutable
    value (an estimator among the choices), as a worker process gets by pickling."""
    return {k: v if type(v) in _IMMUTABLE or isinstance(v, type) else copy.deepcopy(v) for k, v in config.items()}


#: The candidate that :func:`evaluate` is running the objective on, in this thread (see :func:`current_candidate`).
_CURRENT: ContextVar[Candidate | None] = ContextVar("hpo_current_candidate", default=None)


def current_candidate() -> Candidate | None:
    """The candidate being evaluated, when called from inside an objective that :func:`evaluate` runs; else None.

    It holds the candidate's ``id`` (its position in the strategy's asks)
    and the strategy's ``info`` (a halving rung): what an objective that
    reports on its own work needs to say which trial it is (the Tuner's
    scikit-learn callbacks name their tasks by it). Set in whatever
    process or thread runs the evaluation.
    """
    return _CURRENT.get()


def evaluate(objective: Callable, candidate: Candidate, pass_budget: bool | str, spec: _Spec | None = None) -> Outcome:
    """Call the objective on one candidate, catching every error (the evaluation boundary).

    ``pass_budget``: False calls ``objective(config)``, True
    ``objective(config, budget)``, ``"trial"`` ``objective(config, trial)``
    with a :class:`~hpo.TrialHandle` (``spec``: the trial's number, the
    search's sign and a state to continue from; see :func:`call_mode`).

    A raised exception, a non-number, NaN or an infinite value make the trial
    failed; :class:`TrialPruned` makes it pruned, and so does a run whose
    handle's prune rule said stop at its last report (``trial.should_stop()``
    with ``"median"``), whatever it returns. A run a rung strategy paused
    (``should_stop()`` True at its budget) that raises :class:`TrialPruned`
    there is ok, valued at its last report, as if it had returned it. ``KeyboardInterrupt`` is not
    caught. An exception may carry metrics of the work done until it was
    raised (a dict in its ``hpo_metrics`` attribute, such as the fit times of
    :class:`hpo.evaluation.EstimatorObjective`): they are recorded on the
    failed trial. The outcome's ``extra`` is None, or (with a handle) a dict
    of the reported ``curve``, a paused run's pickled ``state`` and its ``done`` step.
    """
    started = time.time()
    token = _CURRENT.set(candidate)
    handle = None
    try:
        config = _own_copy(candidate.config)  # the objective may change its dict: the trial's stays as asked
        if pass_budget == "trial":
            handle = TrialHandle(candidate, spec)
            out = objective(config, handle)
            why = handle._pruned()
            if why is not None:
                return Outcome(PRUNED, None, why, None, started, time.time(), {}, handle._outcome())
        elif pass_budget:
            out = objective(config, candidate.budget)
        else:
            out = objective(config)
        value, metrics = _parse_value(out)
    except TrialPruned as exc:
        paused = handle._paused_value() if handle is not None else None
        if paused is None:
            why = handle._pruned() if handle is not None else None
            return Outcome(PRUNED, None, why or (f"pruned: {exc}" if str(exc) else "pruned"), None, started,
                           time.time(), {}, _extra(handle))
        value, metrics = paused, {}  # Optuna's idiom at a rung: the run pauses there, ok at its last report
    except (Exception, SystemExit) as exc:  # sys.exit() in an objective fails its trial, as in a worker process
        spent = getattr(exc, "hpo_metrics", None)
        hint = ""
        if pass_budget is True and isinstance(exc, AttributeError) and getattr(exc, "name", None) in _HANDLE_NAMES:
            hint = (" (the objective's second parameter gets the budget, a number: name it `trial` to get the "
                    "trial handle with report, should_stop, save and load)")
        return Outcome(FAILED, None, f"{type(exc).__name__}: {exc}{hint}", traceback_module.format_exc(), started,
                       time.time(), {k: _plain(v) for k, v in spent.items()} if isinstance(spent, Mapping) else {},
                       _extra(handle))
    finally:
        _CURRENT.reset(token)
    finished = time.time()
    if not math.isfinite(value):
        return Outcome(FAILED, None, f"the objective returned {value}", None, started, finished, metrics,
                       _extra(handle))
    return Outcome(OK, value, None, None, started, finished, metrics, _extra(handle))


def _extra(handle: TrialHandle | None) -> dict | None:
    return None if handle is None else handle._outcome()


def takes_budget(objective: Callable) -> bool:
    """Whether ``objective`` accepts ``(config, budget)`` (or ``(config, trial)``) rather than ``(config)``."""
    try:
        params = list(inspect.signature(objective).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p.name for p in params if p.default is p.empty and (
        p.kind is p.KEYWORD_ONLY or (p.kind is not p.VAR_KEYWORD and p in positional[2:]))]
    if required:  # found now, not after every trial has failed with a TypeError
        raise TypeError(f"the objective {objective!r} requires the arguments {', '.join(required)}, which hpo "
                        "never passes (it calls objective(config), objective(config, budget) or objective(config, "
                        "trial)): give them defaults, or bind them (functools.partial)")
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return True
    if len(positional) >= 2:
        return True
    if not positional:
        raise TypeError(f"the objective {objective!r} must take the configuration as its first argument")
    return False


def call_mode(objective: Callable) -> bool | str:
    """How :func:`evaluate` calls ``objective``: ``"trial"`` when its second parameter is named ``trial``
    (``objective(config, trial)``, a :class:`~hpo.TrialHandle`), True for ``objective(config, budget)``,
    False for ``objective(config)``."""
    if not takes_budget(objective):
        return False
    try:
        params = [p for p in inspect.signature(objective).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):  # pragma: no cover - takes_budget said False already
        return True
    return "trial" if len(params) >= 2 and params[1].name == "trial" else True
