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
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any, Callable, Iterable

import numpy as np

from .executors import effective_n_jobs, is_dask_client, make_runner
from .handle import TrialHandle, _Spec
from .progress import TrialLines
from .result import Result
from .spaces import Space
from .states import FolderStates, MemoryStates, check_max_states, states_folder
from .strategies import Strategy, get_strategy_class, make_strategy, plan_options
from .trial import FAILED, OK, PRUNED, Candidate, Trial

__all__ = [
    "optimize", "run_study", "SearchLoop", "evaluate", "call_mode", "takes_budget", "current_candidate", "Outcome",
    "TrialPruned", "StopSearch",
    "AllTrialsFailedError", "TrialFailedError", "RepeatedFailureError",
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


class RepeatedFailureError(TrialFailedError):
    """The first ``fail_fast`` trials of a search (or every trial of a shorter one) failed with one and
    the same error. ``.result`` holds the trials, ``.trial`` the last failed one, ``.count`` how many
    failed so, ``.every`` whether every trial of the search failed (else it stopped after ``fail_fast``)."""

    def __init__(self, message: str, result: Result, trial: Trial, every: bool = False, count: int = 0) -> None:
        super().__init__(message, result)
        self.trial = trial
        self.every = every
        self.count = count


Outcome = tuple
"""What one evaluation gives back: ``(status, value, error, traceback, started, finished, metrics, extra)``
(``extra``: None, or what a :class:`~hpo.TrialHandle` gathered: the reported curve, a paused run's state).

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
    with ``"median"``), whatever it returns. ``KeyboardInterrupt`` is not
    caught. An exception may carry metrics of the work done until it was
    raised (a dict in its ``hpo_metrics`` attribute, such as the fit times of
    :class:`hpo.evaluation.EstimatorObjective`): they are recorded on the
    failed trial. The outcome's last item is None, or (with a handle) a dict
    of the reported ``curve``, a paused run's pickled ``state`` and its ``done`` step.
    """
    started = time.time()
    token = _CURRENT.set(candidate)
    handle = None
    try:
        if pass_budget == "trial":
            handle = TrialHandle(candidate, spec)
            out = objective(candidate.config, handle)
            why = handle._pruned()
            if why is not None:
                return (PRUNED, None, why, None, started, time.time(), {}, handle._outcome())
        elif pass_budget:
            out = objective(candidate.config, candidate.budget)
        else:
            out = objective(candidate.config)
        value, metrics = _parse_value(out)
    except TrialPruned as exc:
        why = handle._pruned() if handle is not None else None
        return (PRUNED, None, why or (f"pruned: {exc}" if str(exc) else "pruned"), None, started, time.time(), {},
                _extra(handle))
    except Exception as exc:
        spent = getattr(exc, "hpo_metrics", None)
        return (FAILED, None, f"{type(exc).__name__}: {exc}", traceback_module.format_exc(),
                started, time.time(), {k: _plain(v) for k, v in spent.items()} if isinstance(spent, Mapping) else {},
                _extra(handle))
    finally:
        _CURRENT.reset(token)
    finished = time.time()
    if not math.isfinite(value):
        return (FAILED, None, f"the objective returned {value}", None, started, finished, metrics, _extra(handle))
    return (OK, value, None, None, started, finished, metrics, _extra(handle))


def _extra(handle: TrialHandle | None) -> dict | None:
    return None if handle is None else handle._outcome()


def takes_budget(objective: Callable) -> bool:
    """Whether ``objective`` accepts ``(config, budget)`` (or ``(config, trial)``) rather than ``(config)``."""
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


class _LocalLog:
    """The log of a search without storage: asks and tells go straight to the strategy."""

    def __init__(self, strategy: Strategy) -> None:
        self.strategy = strategy
        self.n = 0

    def claim(self, room: int, limit: int | None) -> tuple[list[tuple[int, Candidate]], str]:
        if limit is not None:
            room = min(room, limit - self.n)
            if room <= 0:
                return [], "limit"
        if self.strategy.finished:
            return [], "finished"
        candidates = self.strategy.ask(room)
        if not candidates:
            return [], "finished" if self.strategy.finished else "stuck"
        out = list(zip(range(self.n, self.n + len(candidates)), candidates))
        self.n += len(candidates)
        return out, ""

    def finish(self, trial: Trial) -> bool:
        self.strategy.tell(trial)
        return True

    def take_synced(self) -> list[Trial]:
        return []


class SearchLoop:
    """Runs a strategy against an objective: the ask-tell loop every search uses.

    Candidates are numbered in the order they are asked. By default
    (``tell_order="asked"``) their trials are told to the strategy in that
    order, whatever order workers finish in: so the same seed gives the same
    trials for the same ``n_jobs``, and for strategies that do not adapt to
    results (grid, random, sobol) for any ``n_jobs``. With
    ``tell_order="completed"`` (the default on a Dask cluster) a trial is told
    as soon as it finishes and a new candidate is asked for the free worker at
    once: no worker waits behind a slow trial, but an adaptive strategy's
    candidates then depend on the timing of the workers.

    Parameters
    ----------
    objective : callable
        ``objective(config)``, ``objective(config, budget)`` or ``objective(config, trial)``
        (a :class:`~hpo.TrialHandle`: see :func:`optimize`).
    strategy : Strategy
        A fresh strategy (with ``study``: built with the study's seed).
    n_trials, timeout : int, float or None
        Stop asking after this many candidates (for a stored study: in total)
        or seconds (running trials finish).
    n_jobs : int
    direction : {"minimize", "maximize"}
    callbacks : iterable of callables ``callback(result, trial)``
    progress : bool
        A progress bar (tqdm) with the best value so far.
    verbose : int, default 0
        2: one line per trial through the ``"hpo"`` logger (:mod:`hpo.progress`);
        3: with the traceback of each failure.
    value_name : str, default "value"
        What the value is called in those lines.
    on_error : {"record", "raise"}
    fail_fast : int, optional
        When the first ``fail_fast`` trials of this run all fail with one and
        the same exception (or a search that ends sooner fails every trial
        with one), stop with :class:`RepeatedFailureError`. None never stops.
    backend : {"processes", "threads"}
    executor : object with ``submit``, hpo.ProcessPool or Dask Client, optional
        Used instead of one made from ``n_jobs`` and ``backend``.
    trial_timeout : float, optional
        Seconds after which a running evaluation is stopped and its trial failed.
    tell_order : {"asked", "completed"}, optional
        Default "completed" with a Dask Client, else "asked".
    study : hpo.storage.Study, optional
        Store trials as they finish, resume the study, share it with other processes.
    on_submit : callable, optional
        ``on_submit(number, candidate)``, called in this process just before
        each evaluation is handed to its worker (the Tuner begins a halving
        rung's callback task there). Not called for the stored trials of a
        resumed study, which do not run again.
    max_states : int, default 32
        With ``objective(config, trial)``: how many states saved by paused runs
        (``trial.save``) are kept for their promotion at most (:mod:`hpo.states`).
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
        trial_timeout: float | None = None,
        tell_order: str | None = None,
        study: Any = None,
        verbose: int = 0,
        value_name: str = "value",
        fail_fast: int | None = None,
        on_submit: Callable[[int, Candidate], Any] | None = None,
        max_states: int = 32,
    ) -> None:
        if not callable(objective):
            raise TypeError(f"the objective must be callable, got {objective!r}")
        if direction not in ("minimize", "maximize"):
            raise ValueError(f"direction must be 'minimize' or 'maximize', got {direction!r}")
        if n_trials is not None and (not isinstance(n_trials, numbers.Integral) or isinstance(n_trials, bool) or n_trials < 1):
            raise ValueError(f"n_trials must be a positive int or None, got {n_trials!r}")
        if timeout is not None and (not isinstance(timeout, numbers.Real) or not timeout > 0):
            raise ValueError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
        if trial_timeout is not None and (
            not isinstance(trial_timeout, numbers.Real) or isinstance(trial_timeout, bool) or not trial_timeout > 0
        ):
            raise ValueError(f"trial_timeout must be a positive number of seconds or None, got {trial_timeout!r}")
        if n_trials is None and timeout is None and strategy.max_trials is None:
            raise ValueError(
                f"strategy {strategy.name!r} never runs out of candidates: give n_trials or timeout"
            )
        if on_error not in ("record", "raise"):
            raise ValueError(f"on_error must be 'record' or 'raise', got {on_error!r}")
        if fail_fast is not None and (
            not isinstance(fail_fast, numbers.Integral) or isinstance(fail_fast, bool) or fail_fast < 1
        ):
            raise ValueError(f"fail_fast must be a positive int or None, got {fail_fast!r}")
        if not isinstance(verbose, numbers.Integral) or verbose < 0:
            raise ValueError(f"verbose must be a non-negative int, got {verbose!r}")
        if tell_order is None:
            tell_order = "completed" if is_dask_client(executor) else "asked"
        if tell_order not in ("asked", "completed"):
            raise ValueError(f"tell_order must be 'asked' or 'completed', got {tell_order!r}")
        if backend not in ("processes", "threads"):
            raise ValueError(f"backend must be 'processes' or 'threads', got {backend!r}")
        callbacks = list(callbacks)
        for cb in callbacks:
            if not callable(cb):
                raise TypeError(f"callbacks must be callable, got {cb!r}")
        _warn_small_space(strategy, n_trials)
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
        self.trial_timeout = None if trial_timeout is None else float(trial_timeout)
        self.tell_order = tell_order
        self.study = study
        self.verbose = int(verbose)
        self.value_name = value_name
        self.fail_fast = None if fail_fast is None else int(fail_fast)
        if on_submit is not None and not callable(on_submit):
            raise TypeError(f"on_submit must be callable, got {on_submit!r}")
        self.on_submit = on_submit
        self.pass_budget = call_mode(objective)  # False, True or "trial"
        self.max_states = check_max_states(max_states)
        self.result = Result(strategy.space, direction=direction, strategy=strategy.name)
        self.result.strategy_instance = strategy

    # ---------------------------------------------------------------- run
    def run(self) -> Result:
        """Run the search to its end and return the result (also on Ctrl-C)."""
        runner = make_runner(self.executor, self.n_jobs, self.backend, self.trial_timeout)
        self.result.inner_threads = runner.inner_threads
        log: Any = self.study if self.study is not None else _LocalLog(self.strategy)
        soft_deadlines = self.trial_timeout is not None and not runner.hard_timeout
        # number -> [candidate, handle, deadline]; in-process evaluation needs no Future: the
        # handle is the outcome itself (the inline runner evaluates at submit and lets a
        # KeyboardInterrupt through).
        pending: dict[int, list] = {}
        late: list = []  # tasks past a soft trial_timeout that still occupy a worker (Dask cannot stop them)
        bar = None
        start = time.monotonic()
        stop = False
        interrupted = False
        idle = _Backoff()
        exhausted = False
        lines = TrialLines(self.verbose, self.value_name)
        streak: list[Trial] | None = [] if self.fail_fast is not None else None  # this run's first failures
        states = self._open_states()
        try:
            lines.__enter__()
            if self.study is not None:
                for trial in self.study.open(self.strategy):
                    self.result.add(trial)
            self._release(states)
            runner.start(evaluate, self.objective, self.pass_budget)
            bar = self._progress_bar()
            while True:
                why = ""
                if not stop and not self._timed_out(start):
                    late = [h for h in late if not h.done()]
                    slots = runner.slots() - len(late)
                    while len(pending) < slots:
                        batch, why = log.claim(slots - len(pending), self.n_trials)
                        exhausted = why in ("limit", "finished")
                        self._take_synced(log, bar)
                        self._release(states)
                        for number, candidate in batch:
                            pending[number] = [candidate, None, None]
                            self._check_budget(candidate)
                            pending[number][2] = time.monotonic() + self.trial_timeout if soft_deadlines else None
                            if self.on_submit is not None:
                                self.on_submit(number, candidate)
                            pending[number][1] = runner.submit(candidate, self._spec(number, candidate, states))
                        if why or not batch:
                            break
                if not pending:
                    if late and not exhausted and not stop and not self._timed_out(start):
                        runner.wait_any(late, 1.0)  # every worker is busy with a task past its time limit
                        continue
                    if why == "wait" and not stop and not self._timed_out(start):
                        idle.sleep()  # the strategy waits for trials that other processes run
                        continue
                    if why == "stuck" and not stop and not self._timed_out(start):
                        raise RuntimeError(
                            f"strategy {self.strategy.name!r} proposed nothing while no trial was "
                            "running and it is not finished"
                        )
                    break
                idle.reset()
                number, timed_out = self._next_done(runner, pending)
                candidate, handle, _ = pending[number]
                if timed_out:
                    late.append(handle)
                # still pending while its result is awaited (tell_order="asked" waits here): a Ctrl-C meanwhile
                # cancels it with the others (its worker killed before the search returns) and leaves it unfinished
                trial, extra = self._trial(number, candidate, handle, runner, timed_out)
                del pending[number]
                if not log.finish(trial):
                    continue  # another process stored this trial first (it took it over): drop ours
                self.result.add(trial)
                self._keep_state(states, trial, extra)
                lines.trial(trial, self.result)
                if bar is not None:
                    bar.update(1)
                    if self.result.n_ok:
                        bar.set_postfix(best=f"{self.result.best_value:.6g}", refresh=False)
                if trial.status == FAILED and self.on_error == "raise":
                    raise TrialFailedError(
                        f"trial {trial.number} failed with {trial.error}\n{trial.traceback or ''}", self.result
                    )
                if streak is not None:
                    streak = self._fail_fast(streak, trial)
                try:
                    for cb in self.callbacks:
                        cb(self.result, trial)
                except StopSearch:
                    stop = True
        except KeyboardInterrupt:
            interrupted = True
            self.result.interrupted = True
            warnings.warn(
                f"search interrupted: {len(self.result.trials)} finished trials kept", RuntimeWarning, stacklevel=3
            )
        finally:
            # a stop on an error or Ctrl-C: what has not started does not start, and a running evaluation
            # is stopped where the runner can (worker processes); Ctrl-C also kills a pool hpo made
            for _, handle, _ in pending.values():
                if handle is not None:
                    runner.cancel(handle)
            for handle in late:
                runner.cancel(handle)
            runner.close(interrupted=interrupted)
            if bar is not None:
                bar.close()
            lines.__exit__(None, None, None)
            if self.study is not None:
                reason = "interrupted" if interrupted else ("stopped" if pending else "finished")
                for trial in self.study.close(sorted(pending), reason):
                    self.result.add(trial)
            if states is not None:
                # a stored study's states stay while a resumed run may still promote (more n_trials)
                states.close(complete=self.study is None or (self.study.completed and self.strategy.finished))
        if self.result.trials and not self.result.n_ok and self.result.n_failed:
            if streak and len(streak) == self.result.n_failed == len(self.result.trials):
                raise self._repeated(streak, every=True)
            raise AllTrialsFailedError(self.result._no_best_reason() + self._first_traceback(), self.result)
        return self.result

    def _fail_fast(self, streak: list[Trial], trial: Trial) -> list[Trial] | None:
        """The first failures of this run, one more trial on; raises when ``fail_fast`` of them share one
        error; None once a trial did not fail with that error (the search goes on, unwatched)."""
        if trial.status != FAILED or trial.traceback is None or (streak and trial.error != streak[0].error):
            return None  # an ok or pruned trial, a failure that raised nothing, or another error
        streak.append(trial)
        if len(streak) >= self.fail_fast:  # type: ignore[operator]
            raise self._repeated(streak, every=False)
        return streak

    def _repeated(self, streak: list[Trial], every: bool) -> RepeatedFailureError:
        last = streak[-1]
        what = (f"all {len(streak)} trials of the search failed with the same error" if every else
                f"the first {len(streak)} trials failed with the same error, so the search stopped")
        return RepeatedFailureError(
            f"{what} (fail_fast={self.fail_fast}; fail_fast=None runs every trial):\n{last.error}\n"
            f"{last.traceback or ''}", self.result, last, every, len(streak),
        )

    def _timed_out(self, start: float) -> bool:
        return self.timeout is not None and time.monotonic() - start >= self.timeout

    def _take_synced(self, log: Any, bar: Any) -> None:
        """Add the trials other processes finished (a shared study) to this result."""
        for trial in log.take_synced():
            self.result.add(trial)
            if bar is not None:
                bar.update(1)

    def _next_done(self, runner: Any, pending: dict) -> tuple[int, bool]:
        """The number of the next trial to tell, and whether it ran past a (soft) ``trial_timeout``."""
        if self.tell_order == "asked":
            number = next(iter(pending))
            _, handle, deadline = pending[number]
            if deadline is None:
                return number, False  # wait in runner.result()
            while True:
                if runner.wait_any([handle], max(0.0, deadline - time.monotonic())):
                    return number, False
                if time.monotonic() >= deadline:
                    return number, True
        while True:
            numbers = list(pending)
            deadlines = [pending[n][2] for n in numbers if pending[n][2] is not None]
            wait = None if not deadlines else max(0.0, min(deadlines) - time.monotonic())
            done = runner.wait_any([pending[n][1] for n in numbers], wait)
            if done:
                done_ids = {id(h) for h in done}
                return next(n for n in numbers if id(pending[n][1]) in done_ids), False
            now = time.monotonic()
            late = [n for n in numbers if pending[n][2] is not None and now >= pending[n][2]]
            if late:
                return late[0], True

    def _check_budget(self, candidate: Candidate) -> None:
        if candidate.budget is not None and not self.pass_budget:
            raise TypeError(
                f"strategy {self.strategy.name!r} gives candidates a budget, but the objective "
                "takes only the configuration: define it as objective(config, budget)"
            )

    # ------------------------------------------------- objective(config, trial)
    def _open_states(self) -> Any:
        """Where paused runs' states wait for their promotion: None unless the objective takes a ``trial``."""
        if self.pass_budget != "trial":
            return None
        path = getattr(getattr(self.study, "storage", None), "path", ":memory:")
        if self.study is None or path == ":memory:":
            return MemoryStates(self.max_states)
        return FolderStates(states_folder(path, self.study.name), self.max_states)

    def _spec(self, number: int, candidate: Candidate, states: Any) -> _Spec | None:
        """What the evaluation of ``candidate`` needs besides it: the number, the sign, a state to continue from."""
        if states is None:
            return None
        sign = 1.0 if self.direction == "minimize" else -1.0
        saved = states.get(candidate.config)
        if saved is not None:
            state, meta = saved
            done = meta.get("done", 0)
            if candidate.budget is None or done < candidate.budget:
                return _Spec(number, sign, state, done)
        return _Spec(number, sign)

    def _keep_state(self, states: Any, trial: Trial, extra: dict | None) -> None:
        """After a trial: keep the state its run saved when it paused at its rung, else drop its configuration's."""
        if states is None:
            return
        states.observe(trial)
        state = None if extra is None else extra.get("state")
        if trial.status == OK and state is not None:
            meta = {"number": trial.number, "budget": trial.budget, "loss": trial.loss, "done": extra["done"]}  # type: ignore[index]
            states.put(trial.config, state, meta, lambda: self.result.trials)
        else:
            states.discard(trial.config)

    def _release(self, states: Any) -> None:
        """Drop the states of the configurations the strategy will not continue."""
        if states is not None:
            for config in self.strategy.take_released():
                states.discard(config)

    def _trial(self, number: int, candidate: Candidate, handle: Any, runner: Any,
               timed_out: bool = False) -> tuple[Trial, dict | None]:
        """The trial of a finished evaluation (``handle``: a Future, or the outcome tuple itself), and the
        outcome's ``extra`` (what a trial handle gathered)."""
        if timed_out:  # a soft limit: the task runs on, occupying its worker, and its result will be dropped
            now = time.time()
            status, value, error, tb, started, finished, metrics, extra = (
                FAILED, None, f"TrialTimeoutError: the evaluation ran past trial_timeout={self.trial_timeout:g} s "
                "and was recorded as failed; Dask cannot stop a running task, so its worker stays busy until it "
                "returns", None, now - (self.trial_timeout or 0.0), now, {}, None)
        else:
            try:
                outcome = handle if type(handle) is tuple else runner.result(handle)
                status, value, error, tb, started, finished, metrics, extra = outcome
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # the worker died or was stopped, or the executor failed
                now = time.time()
                status, value, error, tb, started, finished, metrics, extra = (
                    FAILED, None, f"{type(exc).__name__}: {exc}", None, now, now, {}, None)
        loss = None
        if status == OK:
            loss = value if self.direction == "minimize" else -value
        curve = [] if extra is None else [tuple(p) for p in extra.get("curve", ())]
        if extra is not None and extra.get("resumed_from") and "resumed_from" not in metrics:
            # a run that continued its saved state: its time is what it added (the strategies' cost measurements)
            metrics = {**metrics, "resumed_from": extra["resumed_from"]}
        return Trial(number, candidate, status, value, loss, error, tb, started, finished, metrics, curve), extra

    def _first_traceback(self) -> str:
        first = next((t for t in self.result.trials if t.status == FAILED), None)
        return f"\n{first.traceback}" if first is not None and first.traceback else ""

    def _progress_bar(self):
        if not self.progress:
            return None
        from tqdm.auto import tqdm

        total = self.n_trials if self.n_trials is not None else self.strategy.max_trials
        return tqdm(total=total, initial=len(self.result.trials), desc=f"hpo {self.strategy.name}", unit="trial")


def _warn_small_space(strategy: Strategy, n_trials: int | None) -> None:
    """Warn, in scikit-learn's words, when a strategy's finite space ends the search before ``n_trials``."""
    size, runs = strategy.space_size, strategy.max_trials
    if n_trials is None or size is None or runs is None or not (size < n_trials and runs < n_trials):
        return
    warnings.warn(
        f"The total space of parameters {size} is smaller than n_trials={n_trials}. Running {runs} trials "
        f"(strategy {strategy.name!r} never repeats a configuration). For exhaustive searches, use "
        "strategy='grid'.", UserWarning, stacklevel=4,
    )


class _Backoff:
    """Sleeps that grow from 20 ms to 1 s while a shared study gives this process nothing to run."""

    def __init__(self) -> None:
        self.delay = 0.02

    def sleep(self) -> None:
        time.sleep(self.delay)
        self.delay = min(self.delay * 1.5, 1.0)

    def reset(self) -> None:
        self.delay = 0.02


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
    verbose: int = 0,
    strategy_options: dict | None = None,
    on_error: str = "record",
    fail_fast: int | None = None,
    backend: str = "processes",
    executor: Any = None,
    trial_timeout: float | None = None,
    tell_order: str | None = None,
    storage: Any = None,
    study: str | None = None,
    on_mismatch: str = "error",
    max_states: int = 32,
) -> Result:
    """Search ``space`` for the configuration that optimizes ``objective``.

    Parameters
    ----------
    objective : callable
        ``objective(config)`` or ``objective(config, budget)`` returning a
        number or a dict of metrics with the value under ``"value"`` (or
        ``"loss"``). Raise :class:`TrialPruned` to end a trial as pruned.
        An objective whose second parameter is named ``trial``,
        ``objective(config, trial)``, gets a :class:`~hpo.TrialHandle`
        instead of the budget: ``trial.budget``, ``trial.report(step, value)``
        (the learning curve, in ``Trial.intermediate``), ``trial.should_stop()``
        (the strategy's rule: a rung of ``"halving"``, ``"hyperband"``,
        ``"asha"``, the median rule of ``"median"``; always False otherwise),
        and ``trial.save(state)`` / ``trial.load()`` / ``trial.done`` so that a
        promoted run continues from its paused state.
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
    verbose : int, default 0
        As a Tuner's: 1 shows the progress bar; 2 logs one line per trial
        (number, status, value and the best so far, time, parameters) to
        the ``"hpo"`` logger, visible without any logging setup (see
        :mod:`hpo.progress`); 3 adds the traceback of each failure.
    strategy_options : dict, optional
        Keyword options of the strategy (``{"resolution": 10}`` for grid).
        A strategy that plans to the trial limit (``"halving"``,
        ``"hyperband"``, ``"asha"``) is given ``n_trials`` unless these
        options set it (see :func:`hpo.strategies.plan_options`).
    on_error : {"record", "raise"}, default "record"
        A failing configuration is recorded and the search goes on, or the
        search stops with :class:`TrialFailedError`.
    fail_fast : int, optional
        Stop with :class:`RepeatedFailureError` (which quotes the error and
        its traceback) when the first ``fail_fast`` trials all raise one and
        the same error, or when a shorter search fails every trial with one:
        a bug, not a bad region of the space. Off by default here (an
        objective may fail over a large region); ``hpo.Tuner`` uses 5.
    backend : {"processes", "threads"}, default "processes"
        Where ``n_jobs > 1`` workers run: hpo's worker processes (a worker
        that dies fails only its trial) or threads (for objectives that
        release the GIL).
    executor : hpo.ProcessPool, Dask Client or concurrent.futures executor, optional
        Run the evaluations there instead of in workers made from ``n_jobs``.
        With a Dask ``distributed.Client`` trials run on the cluster's
        workers, as many at once as it has worker threads, and (by default)
        a new candidate is asked as soon as any of them is free.
    trial_timeout : float, optional
        Seconds after which a running evaluation is stopped and its trial
        recorded as failed (``TrialTimeoutError``); the search goes on. Only a
        separate process can be stopped, so evaluations then run in worker
        processes even with ``n_jobs=1``; threads cannot take a time limit.
        On a Dask cluster the limit is soft: the trial is failed and its task
        cancelled, but Dask lets a running task finish.
    tell_order : {"asked", "completed"}, optional
        "asked" (the default, except on Dask) tells trials to the strategy in
        the order they were asked: the same seed gives the same trials. With
        "completed" (the default on Dask) each trial is told as soon as it
        ends and a free worker gets a new candidate at once: faster when
        trial times vary, but an adaptive strategy's choices then depend on
        timing.
    storage : str or storage object, optional
        Make the search durable: ``"results.db"`` or ``"sqlite:///results.db"``
        (SQLite, created if missing) or an ``hpo.storage`` object. Each trial is
        stored as it finishes. Running the same ``study`` again resumes it:
        the finished trials are loaded, the strategy continues its stream,
        trials that were running when a process died run again, and
        ``n_trials`` counts the study's trials in total. Several processes
        may run the same study at once (on one machine).
    study : str, optional
        The study's name in ``storage`` (default ``"default"``).
    on_mismatch : {"error", "continue"}, default "error"
        Resuming a study with another space, direction, strategy, strategy
        options or seed is a :class:`hpo.storage.StudyMismatchError` naming
        what differs; "continue" goes on with the new settings (the stored
        trials are kept, counted and shown to the new strategy).
    max_states : int, default 32
        With ``objective(config, trial)``: the most states saved by paused runs
        that are kept for their promotion (in memory; with ``storage``, as files
        in ``<storage>-states/``). Beyond, the worst-ranked is dropped, and its
        run, if promoted, starts over (``trial.done == 0``).

    Returns
    -------
    Result
        With ``trials``, ``best_config``, ``best_value``, exports. Ctrl-C ends
        the search early and still returns the finished trials
        (``result.interrupted``). If every trial fails,
        :class:`AllTrialsFailedError` says so with the first error. With
        ``storage``, the result holds the whole study (trials of earlier runs
        and of other processes included).
    """
    if isinstance(space, Mapping):
        space = Space(space)
    if not isinstance(space, Space):
        raise TypeError(f"space must be a Space, got {type(space).__name__}")
    check_max_states(max_states)  # before a study's storage is touched
    strategy_options = plan_options(strategy, strategy_options, n_trials)
    loop_options = dict(
        n_trials=n_trials, timeout=timeout, n_jobs=n_jobs, direction=direction, callbacks=callbacks,
        progress=bool(progress) or verbose == 1, on_error=on_error, backend=backend, executor=executor,
        trial_timeout=trial_timeout, tell_order=tell_order, verbose=verbose, fail_fast=fail_fast,
        max_states=max_states,
    )
    if storage is None:
        if study is not None:
            raise ValueError(f"study={study!r} needs storage= (a path such as 'results.db')")
        strat = make_strategy(strategy, space, seed=seed, options=strategy_options)
        return SearchLoop(objective, strat, **loop_options).run()
    return run_study(
        objective, space, strategy, storage=storage, study=study, seed=seed, strategy_options=strategy_options,
        on_mismatch=on_mismatch, **loop_options,
    )


def run_study(
    objective: Callable,
    space: Space,
    strategy: str | type[Strategy],
    *,
    storage: Any,
    study: str | None,
    seed: int | np.random.Generator | None,
    strategy_options: dict | None,
    on_mismatch: str = "error",
    data: dict | None = None,
    **loop_options: Any,
) -> Result:
    """Run (or resume) the stored study ``study`` of ``storage``: ``optimize`` and the Tuner with ``storage=``.

    ``data`` is a fingerprint of the data (``hpo.storage.data_fingerprint``),
    recorded with the study and checked on resume.
    """
    from .storage import Study, StudyRecord, environment_versions, open_storage

    if isinstance(strategy, Strategy):
        raise TypeError(
            f"with storage=, give the strategy as a name or a class (not the instance {strategy!r}), so that "
            "the study can rebuild it from its seed when it resumes"
        )
    name = "default" if study is None else study
    if not isinstance(name, str) or not name:
        raise ValueError(f"study must be a non-empty str, got {study!r}")
    cls = strategy if isinstance(strategy, type) and issubclass(strategy, Strategy) else get_strategy_class(strategy)  # type: ignore[arg-type]
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2**63))
    if seed is not None and (not isinstance(seed, numbers.Integral) or isinstance(seed, bool)):
        raise TypeError(f"seed must be an int, a numpy Generator or None, got {seed!r}")
    make_strategy(cls, space, seed=0, options=strategy_options)  # bad options fail here, before the storage is touched
    store, owned = open_storage(storage)
    try:
        record = StudyRecord(
            name=name, direction=loop_options.get("direction", "minimize"), space=space.to_dict(),
            strategy=cls.name, strategy_options=dict(strategy_options or {}),
            seed=None if seed is None else int(seed), versions=environment_versions(), data=data,
        )
        session = Study(store, record, on_mismatch=on_mismatch)
        session.prepare()
        strat = make_strategy(cls, space, seed=session.record.seed, options=strategy_options)
        return SearchLoop(objective, strat, study=session, **loop_options).run()
    finally:
        if owned:
            store.close()
