"""``SearchLoop``: the ask-tell loop every search runs (fill the free workers, collect a result, finish).

It asks a :class:`~hpo.trial_log.TrialLog` for candidates, hands them to a
runner (:mod:`hpo.executors`) that evaluates them at the boundary
(:func:`hpo.boundary.evaluate`), and tells the log each trial as it ends.
"""

from __future__ import annotations

import numbers
import time
import warnings
from typing import Any, Callable, Iterable

from .boundary import call_mode, evaluate
from .executors import effective_n_jobs, is_dask_client, make_runner
from .handle import _Spec
from .progress import TrialLines
from .result import Result
from .states import FolderStates, MemoryStates, check_max_states, states_folder
from .strategies import Strategy
from .trial import FAILED, OK, Candidate, Trial
from .trial_log import LocalLog

__all__ = ["SearchLoop", "StopSearch", "AllTrialsFailedError", "TrialFailedError", "RepeatedFailureError"]


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
        log: Any = self.study if self.study is not None else LocalLog(self.strategy)
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
