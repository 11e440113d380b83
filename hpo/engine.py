"""The one evaluation path: ask, evaluate (in this process or in workers), tell, record.

Every strategy is served by :class:`SearchLoop`; ``hpo.optimize`` and
``hpo.Tuner`` are thin fronts on it. Errors are caught at the evaluation
boundary (:func:`evaluate`) and recorded on the trial.
"""

from __future__ import annotations

import inspect
import math
import numbers
import time
import traceback as traceback_module
import warnings
from collections import deque
from collections.abc import Mapping
from typing import Any, Callable, Iterable

import numpy as np

from .executors import InlineExecutor, effective_n_jobs, make_executor
from .result import Result
from .spaces import Space
from .strategies import Strategy, make_strategy
from .trial import FAILED, OK, PRUNED, Candidate, Trial

__all__ = [
    "optimize", "SearchLoop", "evaluate", "Outcome", "TrialPruned", "StopSearch",
    "AllTrialsFailedError", "TrialFailedError",
]


class TrialPruned(Exception):
    """Raised inside an objective to end its trial as pruned (not failed)."""


class StopSearch(Exception):
    """Raised by a callback to end the search after the running trials finish."""


class AllTrialsFailedError(ValueError):
    """Every trial of a search failed (a ValueError, as in scikit-learn). ``.result`` holds the trials."""

    def __init__(self, message: str, result: Result) -> None:
        super().__init__(message)
        self.result = result


class TrialFailedError(RuntimeError):
    """A trial failed and the search was asked to raise (``on_error="raise"``). ``.result`` holds the trials."""

    def __init__(self, message: str, result: Result) -> None:
        super().__init__(message)
        self.result = result


Outcome = tuple
"""What one evaluation gives back: ``(status, value, error, traceback, started, finished, metrics)``.

A plain tuple, so that it crosses process boundaries cheaply."""


#: Exact types that are plain real numbers: the common return values of an objective,
#: checked by ``type(out) in`` before the (slower) abstract-base-class checks.
_PLAIN_NUMBERS = frozenset({float, int, np.float64, np.float32})


def _parse_value(out: Any) -> tuple[float, dict]:
    """The objective's value and extra metrics from a number or a dict of metrics."""
    if type(out) in _PLAIN_NUMBERS:
        return float(out), {}
    metrics: dict = {}
    if isinstance(out, Mapping):
        keys = [k for k in ("value", "loss") if k in out]
        if len(keys) != 1:
            raise ValueError(
                "an objective that returns a dict must put the value to optimize under "
                f"'value' (or 'loss'); got keys {sorted(map(str, out))}"
            )
        metrics = {k: _plain(v) for k, v in out.items() if k != keys[0]}
        out = out[keys[0]]
    if isinstance(out, (bool, np.bool_)) or not isinstance(out, numbers.Real):
        raise TypeError(f"the objective must return a number or a dict of metrics, got {type(out).__name__} {out!r}")
    return float(out), metrics


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def evaluate(objective: Callable, candidate: Candidate, pass_budget: bool) -> Outcome:
    """Call the objective on one candidate, catching every error (the evaluation boundary).

    A raised exception, a non-number, NaN or an infinite value make the trial
    failed; :class:`TrialPruned` makes it pruned. ``KeyboardInterrupt`` is
    not caught.
    """
    started = time.time()
    try:
        if pass_budget:
            out = objective(candidate.config, candidate.budget)
        else:
            out = objective(candidate.config)
        value, metrics = _parse_value(out)
    except TrialPruned as exc:
        return (PRUNED, None, f"pruned: {exc}" if str(exc) else "pruned", None, started, time.time(), {})
    except Exception as exc:
        return (FAILED, None, f"{type(exc).__name__}: {exc}", traceback_module.format_exc(),
                started, time.time(), {})
    finished = time.time()
    if not math.isfinite(value):
        return (FAILED, None, f"the objective returned {value}", None, started, finished, metrics)
    return (OK, value, None, None, started, finished, metrics)


def takes_budget(objective: Callable) -> bool:
    """Whether ``objective`` accepts ``(config, budget)`` rather than ``(config)``."""
    try:
        params = list(inspect.signature(objective).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return True
    if len(positional) >= 2:
        return True
    if not positional:
        raise TypeError(f"the objective {objective!r} must take the configuration as its first argument")
    return False


class SearchLoop:
    """Runs a strategy against an objective: the ask-tell loop every search uses.

    Candidates are numbered in the order they are asked and their trials are
    told to the strategy in that order, whatever order workers finish in:
    so the same seed gives the same trials for the same ``n_jobs``, and for
    strategies that do not adapt to results (grid, random, sobol) for any
    ``n_jobs``.

    Parameters
    ----------
    objective : callable
        ``objective(config)`` or ``objective(config, budget)``.
    strategy : Strategy
    n_trials, timeout : int, float or None
        Stop asking after this many candidates or seconds (running trials finish).
    n_jobs : int
    direction : {"minimize", "maximize"}
    callbacks : iterable of callables ``callback(result, trial)``
    progress : bool
    on_error : {"record", "raise"}
    backend : {"processes", "threads"}
    executor : object with ``submit``, optional
        Used instead of one made from ``n_jobs`` and ``backend``.
    """

    def __init__(
        self,
        objective: Callable,
        strategy: Strategy,
        *,
        n_trials: int | None = None,
        timeout: float | None = None,
        n_jobs: int | None = 1,
        direction: str = "minimize",
        callbacks: Iterable[Callable] = (),
        progress: bool = False,
        on_error: str = "record",
        backend: str = "processes",
        executor: Any = None,
    ) -> None:
        if not callable(objective):
            raise TypeError(f"the objective must be callable, got {objective!r}")
        if direction not in ("minimize", "maximize"):
            raise ValueError(f"direction must be 'minimize' or 'maximize', got {direction!r}")
        if n_trials is not None and (not isinstance(n_trials, numbers.Integral) or isinstance(n_trials, bool) or n_trials < 1):
            raise ValueError(f"n_trials must be a positive int or None, got {n_trials!r}")
        if timeout is not None and (not isinstance(timeout, numbers.Real) or not timeout > 0):
            raise ValueError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
        if n_trials is None and timeout is None and strategy.max_trials is None:
            raise ValueError(
                f"strategy {strategy.name!r} never runs out of candidates: give n_trials or timeout"
            )
        if on_error not in ("record", "raise"):
            raise ValueError(f"on_error must be 'record' or 'raise', got {on_error!r}")
        callbacks = list(callbacks)
        for cb in callbacks:
            if not callable(cb):
                raise TypeError(f"callbacks must be callable, got {cb!r}")
        self.objective = objective
        self.strategy = strategy
        self.n_trials = None if n_trials is None else int(n_trials)
        self.timeout = timeout
        self.n_jobs = effective_n_jobs(n_jobs)
        self.direction = direction
        self.callbacks = callbacks
        self.progress = progress
        self.on_error = on_error
        self.backend = backend
        self.executor = executor
        self.pass_budget = takes_budget(objective)
        self.result = Result(strategy.space, direction=direction, strategy=strategy.name)

    # ---------------------------------------------------------------- run
    def run(self) -> Result:
        """Run the search to its end and return the result (also on Ctrl-C)."""
        executor = self.executor if self.executor is not None else make_executor(self.n_jobs, self.backend)
        workers = self.n_jobs if self.executor is None else max(self.n_jobs, 1)
        # In-process evaluation needs no Future: the outcome itself waits in ``pending``
        # (same order, same errors: the inline executor also calls at once and lets a
        # KeyboardInterrupt through), which saves a Future and its lock per trial.
        inline = type(executor) is InlineExecutor
        bar = self._progress_bar()
        pending: deque = deque()
        number = len(self.result.trials)
        start = time.monotonic()
        stop = False
        try:
            while True:
                while not stop and len(pending) < workers and self._may_ask(number, start):
                    room = workers - len(pending)
                    if self.n_trials is not None:
                        room = min(room, self.n_trials - number)
                    candidates = self.strategy.ask(room)
                    if not candidates:
                        break
                    for candidate in candidates:
                        self._check_budget(candidate)
                        if inline:
                            future = evaluate(self.objective, candidate, self.pass_budget)
                        else:
                            future = executor.submit(evaluate, self.objective, candidate, self.pass_budget)
                        pending.append((number, candidate, future))
                        number += 1
                if not pending:
                    if not stop and self._may_ask(number, start):
                        raise RuntimeError(
                            f"strategy {self.strategy.name!r} proposed nothing while no trial was "
                            "running and it is not finished"
                        )
                    break
                trial_number, candidate, future = pending.popleft()
                trial = self._trial(trial_number, candidate, future)
                self.strategy.tell(trial)
                self.result.add(trial)
                if bar is not None:
                    bar.update(1)
                    if self.result.n_ok:
                        bar.set_postfix(best=f"{self.result.best_value:.6g}", refresh=False)
                if trial.status == FAILED and self.on_error == "raise":
                    raise TrialFailedError(
                        f"trial {trial.number} failed with {trial.error}\n{trial.traceback or ''}", self.result
                    )
                try:
                    for cb in self.callbacks:
                        cb(self.result, trial)
                except StopSearch:
                    stop = True
        except KeyboardInterrupt:
            self.result.interrupted = True
            for _, _, future in pending:
                if not isinstance(future, tuple):
                    future.cancel()
            if self.executor is None and self.n_jobs > 1:
                executor.shutdown(wait=False, **({"kill_workers": True} if self.backend == "processes" else {}))
            warnings.warn(
                f"search interrupted: {len(self.result.trials)} finished trials kept", RuntimeWarning, stacklevel=3
            )
        finally:
            for _, _, future in pending:  # a stop on an error: drop what has not started
                if not isinstance(future, tuple):
                    future.cancel()
            if bar is not None:
                bar.close()
            if self.executor is None and self.backend == "threads" and self.n_jobs > 1:
                executor.shutdown(wait=False)
        if self.result.trials and not self.result.n_ok and self.result.n_failed:
            raise AllTrialsFailedError(self.result._no_best_reason() + self._first_traceback(), self.result)
        return self.result

    def _may_ask(self, number: int, start: float) -> bool:
        if self.n_trials is not None and number >= self.n_trials:
            return False
        if self.timeout is not None and time.monotonic() - start >= self.timeout:
            return False
        return not self.strategy.finished

    def _check_budget(self, candidate: Candidate) -> None:
        if candidate.budget is not None and not self.pass_budget:
            raise TypeError(
                f"strategy {self.strategy.name!r} gives candidates a budget, but the objective "
                "takes only the configuration: define it as objective(config, budget)"
            )

    def _trial(self, number: int, candidate: Candidate, future: Any) -> Trial:
        """The trial of a finished evaluation (``future``: a Future, or the outcome tuple itself)."""
        try:
            outcome = future if type(future) is tuple else future.result()
            status, value, error, tb, started, finished, metrics = outcome
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # the worker died, or the executor failed
            now = time.time()
            status, value, error, tb, started, finished, metrics = (
                FAILED, None, f"{type(exc).__name__}: {exc}", None, now, now, {})
        loss = None
        if status == OK:
            loss = value if self.direction == "minimize" else -value
        return Trial(number, candidate, status, value, loss, error, tb, started, finished, metrics)

    def _first_traceback(self) -> str:
        first = next((t for t in self.result.trials if t.status == FAILED), None)
        return f"\n{first.traceback}" if first is not None and first.traceback else ""

    def _progress_bar(self):
        if not self.progress:
            return None
        from tqdm.auto import tqdm

        total = self.n_trials if self.n_trials is not None else self.strategy.max_trials
        return tqdm(total=total, desc=f"hpo {self.strategy.name}", unit="trial")


def optimize(
    objective: Callable,
    space: Space | Mapping,
    strategy: str | Strategy | type[Strategy] = "random",
    *,
    n_trials: int | None = None,
    timeout: float | None = None,
    n_jobs: int | None = 1,
    seed: int | np.random.Generator | None = None,
    direction: str = "minimize",
    callbacks: Iterable[Callable] = (),
    progress: bool = False,
    strategy_options: dict | None = None,
    on_error: str = "record",
    backend: str = "processes",
) -> Result:
    """Search ``space`` for the configuration that optimizes ``objective``.

    Parameters
    ----------
    objective : callable
        ``objective(config)`` or ``objective(config, budget)`` returning a
        number or a dict of metrics with the value under ``"value"`` (or
        ``"loss"``). Raise :class:`TrialPruned` to end a trial as pruned.
    space : Space or mapping of name to dimension
    strategy : str, Strategy class or instance, default "random"
        A registered name (``hpo.strategies.available_strategies()``).
    n_trials : int, optional
        How many trials at most. Needed unless ``timeout`` is given or the
        strategy runs out by itself (grid).
    timeout : float, optional
        Seconds after which no new trial starts (running ones finish).
    n_jobs : int, default 1
        Parallel workers (``-1``: all cores); processes by default.
    seed : int or numpy Generator, optional
        Seeds the strategy: the same seed gives the same trials.
    direction : {"minimize", "maximize"}, default "minimize"
    callbacks : iterable of callables
        Each called as ``callback(result, trial)`` after every trial; raise
        :class:`StopSearch` in one to end the search.
    progress : bool, default False
        Show a progress bar (tqdm) with the best value so far.
    strategy_options : dict, optional
        Keyword options of the strategy (``{"resolution": 10}`` for grid).
    on_error : {"record", "raise"}, default "record"
        A failing configuration is recorded and the search goes on, or the
        search stops with :class:`TrialFailedError`.
    backend : {"processes", "threads"}, default "processes"

    Returns
    -------
    Result
        With ``trials``, ``best_config``, ``best_value``, exports. Ctrl-C ends
        the search early and still returns the finished trials
        (``result.interrupted``). If every trial fails,
        :class:`AllTrialsFailedError` says so with the first error.
    """
    if isinstance(space, Mapping):
        space = Space(space)
    if not isinstance(space, Space):
        raise TypeError(f"space must be a Space, got {type(space).__name__}")
    strat = make_strategy(strategy, space, seed=seed, options=strategy_options)
    loop = SearchLoop(
        objective, strat, n_trials=n_trials, timeout=timeout, n_jobs=n_jobs, direction=direction,
        callbacks=callbacks, progress=progress, on_error=on_error, backend=backend,
    )
    return loop.run()
