"""``SearchLoop``: the ask-tell loop every search runs (fill the free workers, collect a result, finish).

It asks a :class:`~hpo.trial_log.TrialLog` for candidates, hands them to a
runner (:mod:`hpo.executors`) that evaluates them at the boundary
(:func:`hpo.boundary.evaluate`), and tells the log each trial as it ends.
"""

from __future__ import annotations

import math
import time
import warnings
from typing import Any, Callable, Iterable

from ._constraints import N_TRIALS, Interval, Options, Satisfies, check_options
from .boundary import Outcome, call_mode, evaluate
from .executors import ExecutorLostError, Runner, effective_n_jobs, is_dask_client, make_runner
from .executors.cores import BACKEND
from .handle import _Spec
from .progress import TrialLines
from .result import Result
from .search_errors import AllTrialsFailedError, RepeatedFailureError, SearchInterrupted, StopSearch, TrialFailedError
from .states import FolderStates, MemoryStates, check_max_states, states_folder
from .strategies import Strategy
from .strategies.base import user_defined
from .trial import DIRECTIONS, FAILED, OK, Candidate, Trial, loss_sign
from .trial_log import LocalLog, TrialLog

__all__ = ["SearchLoop"]

#: ``direction``: the words of :func:`hpo.trial.loss_sign`'s refusal.
DIRECTION = [Satisfies(lambda v: isinstance(v, str) and v in DIRECTIONS, "'minimize' or 'maximize'")]
#: A time limit (``timeout``, ``trial_timeout``): seconds, ``math.inf`` or None for none.
SECONDS = [Interval(float, 0, closed="neither", unit="seconds"), Options((math.inf,)), None]


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

    #: What each option accepts (checked with :func:`hpo._constraints.check_options`); n_jobs is checked by
    #: :func:`hpo.executors.effective_n_jobs`, max_states by :func:`hpo.states.check_max_states`.
    _constraints = {
        "direction": DIRECTION,
        "n_trials": N_TRIALS,
        "timeout": SECONDS,
        "trial_timeout": SECONDS,
        "on_error": [Options(("record", "raise"))],
        "fail_fast": [Interval(int, 1), None],
        "verbose": [Interval(int, 0), bool],
        "tell_order": [Options(("asked", "completed"))],
        "backend": BACKEND,
    }

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
        check_options(self._constraints, direction=direction, n_trials=n_trials, timeout=timeout,
                      trial_timeout=trial_timeout)
        if n_trials is None and timeout is None and not strategy.ends_by_itself:
            raise ValueError(
                f"strategy {strategy.name!r} never runs out of candidates: give n_trials or timeout"
            )
        check_options(self._constraints, on_error=on_error, fail_fast=fail_fast, verbose=verbose)
        if tell_order is None:
            tell_order = "completed" if is_dask_client(executor) else "asked"
        check_options(self._constraints, tell_order=tell_order, backend=backend)
        callbacks = list(callbacks)
        for cb in callbacks:
            if not callable(cb):
                raise TypeError(f"callbacks must be callable, got {cb!r}")
        _warn_small_space(strategy, n_trials)
        self.objective = objective
        self.strategy = strategy
        self.n_trials = None if n_trials is None else int(n_trials)
        # a user's strategy ends at its max_trials even if its `finished` forgets to (hpo's own agree)
        cap = strategy.max_trials if user_defined(strategy) else None
        self._limit = self.n_trials if cap is None else cap if self.n_trials is None else min(cap, self.n_trials)
        self.timeout = timeout
        self.n_jobs = effective_n_jobs(n_jobs)
        self.direction = direction
        self.sign = loss_sign(direction)  # loss = sign * value
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
        """Run the search to its end and return the result (Ctrl-C: :class:`SearchInterrupted`, holding it).

        Each round :meth:`_fill` starts evaluations on the free workers,
        :meth:`_collect` waits for the next one to end and records its trial,
        until nothing runs and nothing more may start (:meth:`_go_on`);
        :meth:`_finish` then stops what still runs and closes the runner, the
        trial log and the states, whatever ended the search.
        """
        runner = make_runner(self.executor, self.n_jobs, self.backend, self.trial_timeout)
        self.result.inner_threads = runner.inner_threads
        log: TrialLog = self.study if self.study is not None else LocalLog(self.strategy)
        run = _Run(runner, log, self.trial_timeout is not None and not runner.hard_timeout,
                   TrialLines(self.verbose, self.value_name), [] if self.fail_fast is not None else None,
                   self._open_states())
        interrupted = error = False
        try:
            run.lines.__enter__()
            for trial in log.open(self.strategy):
                self.result.add(trial)
            self._release(run.states)
            runner.start(evaluate, self.objective, self.pass_budget)
            run.bar = self._progress_bar()
            while True:
                why = self._fill(run)
                if not run.pending:
                    if self._go_on(run, why):
                        continue
                    break
                run.idle.reset()
                self._collect(run)
        except KeyboardInterrupt:
            interrupted = True
            self.result.interrupted = True
        except BaseException:
            error = True
            raise
        finally:
            self._finish(run, interrupted, error)
        if interrupted:  # the interrupt goes on (a script stops), holding what finished
            stored = " (the study keeps them: run it again to resume)" if self.study is not None else ""
            raise SearchInterrupted(f"search interrupted: {len(self.result.trials)} finished trials kept in this "
                                    f"exception's .result{stored}", self.result) from None
        if self.result.trials and not self.result.n_ok and self.result.n_failed:
            if run.streak and len(run.streak) == self.result.n_failed == len(self.result.trials):
                raise self._repeated(run.streak, every=True)
            raise AllTrialsFailedError(self.result.no_best_reason() + self._first_traceback(), self.result)
        return self.result

    def _fill(self, run: _Run) -> str:
        """Start evaluations on the free workers, with candidates claimed from the trial log.

        Returns why the log gave fewer than asked (:meth:`TrialLog.claim`'s
        reason: ``"limit"``, ``"finished"``, ``"wait"``, ``"stuck"``), or
        ``""``; nothing starts once the search is stopped or timed out.
        """
        why = ""
        if run.stop or self._timed_out(run.start):
            return why
        run.late = [h for h in run.late if not h.done()]
        slots = run.runner.slots() - len(run.late)
        pending = run.pending
        while len(pending) < slots:
            batch, why = run.log.claim(slots - len(pending), self._limit)
            run.exhausted = why in ("limit", "finished")
            self._take_synced(run.log, run.bar)
            self._release(run.states)
            for number, candidate in batch:
                pending[number] = [candidate, None, None]
                self._check_budget(candidate)
                pending[number][2] = time.monotonic() + self.trial_timeout if run.soft_deadlines else None  # type: ignore[operator]
                if self.on_submit is not None:
                    self.on_submit(number, candidate)
                pending[number][1] = run.runner.submit(candidate, self._spec(number, candidate, run.states))
            if why or not batch:
                break
        return why

    def _go_on(self, run: _Run, why: str) -> bool:
        """Nothing runs: whether the search goes on (after a wait) or ends; a strategy stuck raises.

        It goes on when every worker is busy with a task past its (soft)
        time limit, or while a shared study's strategy waits for trials that
        other processes run.
        """
        active = not run.stop and not self._timed_out(run.start)
        if run.late and not run.exhausted and active:
            run.runner.wait_any(run.late, 1.0)  # every worker is busy with a task past its time limit
            return True
        if why == "wait" and active:
            run.idle.sleep()  # the strategy waits for trials that other processes run
            return True
        if why == "stuck" and active:
            raise RuntimeError(
                f"strategy {self.strategy.name!r} proposed nothing while no trial was "
                "running and it is not finished"
            )
        n_trials, done = self.n_trials, len(self.result.trials)
        if (why == "finished" and n_trials is not None and done < n_trials and self.strategy.space_size is None
                and not self.strategy.enumerates and self.strategy.space.is_finite):  # a finite space ended a strategy not warned about up front
            warnings.warn(f"strategy {self.strategy.name!r} finished after {done} of n_trials={n_trials} trials: "
                          "its space is finite, and it has nothing more to run", UserWarning, stacklevel=4)
        return False

    def _collect(self, run: _Run) -> None:
        """Wait for the next trial to end (in ``tell_order``), record it in the log and the result, call back.

        Raises :class:`TrialFailedError` (``on_error="raise"``) or
        :class:`RepeatedFailureError` (``fail_fast``); a callback's
        :class:`StopSearch` stops the search from starting more trials.
        """
        pending = run.pending
        number, timed_out = self._next_done(run.runner, pending)
        candidate, handle, _ = pending[number]
        if timed_out:
            run.late.append(handle)
        # still pending while its result is awaited (tell_order="asked" waits here): a Ctrl-C meanwhile
        # cancels it with the others (its worker killed before the search returns) and leaves it unfinished
        trial, extra = self._trial(number, candidate, handle, run.runner, timed_out)
        stored = run.log.finish(trial)  # a Ctrl-C while it is written leaves it pending: the study abandons it
        del pending[number]
        if not stored:
            return  # another process stored this trial first (it took it over): drop ours
        self.result.add(trial)
        self._keep_state(run.states, trial, extra)
        self._check_pausing(run, trial, extra)
        run.lines.trial(trial, self.result)
        if run.bar is not None:
            run.bar.update(1)
            if self.result.n_ok:
                run.bar.set_postfix(best=f"{self.result.best_value:.6g}", refresh=False)
        if trial.status == FAILED and self.on_error == "raise":
            raise TrialFailedError(
                f"trial {trial.number} failed with {trial.error}\n{trial.traceback or ''}", self.result
            )
        if run.streak is not None:
            run.streak = self._fail_fast(run.streak, trial)
        try:
            for cb in self.callbacks:
                cb(self.result, trial)
        except StopSearch:
            run.stop = True

    def _finish(self, run: _Run, interrupted: bool, error: bool = False) -> None:
        """End the search, however it ended: stop what runs, close the runner, the bar, the log and the states.

        A stop on an error or Ctrl-C: what has not started does not start, and
        a running evaluation is stopped where the runner can (worker
        processes); Ctrl-C also kills a pool hpo made. A stored study's
        unfinished trials are marked abandoned (the next process runs them).
        """
        runner = run.runner
        try:
            for handle in [h for _, h, _ in run.pending.values() if h is not None] + list(run.late):
                try:
                    runner.cancel(handle)
                except Exception:  # an executor that is gone (a closed client) has nothing left to stop
                    pass
            runner.close(interrupted=interrupted)
        finally:  # whatever the runner did, the log is closed: unfinished trials are abandoned, not lost
            if run.bar is not None:
                run.bar.close()
            run.lines.__exit__(None, None, None)
            reason = "interrupted" if interrupted else "error" if error else "stopped" if run.pending else "finished"
            for trial in run.log.close(sorted(run.pending), reason):
                self.result.add(trial)
        if run.states is not None:
            # a stored study's states stay while a resumed run may still promote (more n_trials)
            run.states.close(complete=self.study is None or (self.study.completed and self.strategy.finished))

    def _fail_fast(self, streak: list[Trial], trial: Trial) -> list[Trial] | None:
        """The first failures of this run, one more trial on; raises when ``fail_fast`` of them share one
        error (``Trial.error_kind``); None once another trial did not (the search goes on, unwatched)."""
        if trial.status != FAILED or trial.traceback is None or (streak and trial.error_kind != streak[0].error_kind):
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
        storage = getattr(self.study, "storage", None)
        path = getattr(storage, "file", getattr(storage, "path", ":memory:"))  # the file, wherever the search runs
        if self.study is None or path == ":memory:":
            return MemoryStates(self.max_states)
        return FolderStates(states_folder(path, self.study.name), self.max_states)

    def _spec(self, number: int, candidate: Candidate, states: Any) -> _Spec | None:
        """What the evaluation of ``candidate`` needs besides it: the number, the sign, a state to continue from."""
        if states is None:
            return None
        saved = states.get(candidate.config)
        if saved is not None:
            state, meta = saved
            done = meta.get("done", 0)
            if candidate.budget is None or done < candidate.budget:
                return _Spec(number, self.sign, state, done)
        return _Spec(number, self.sign)

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

    def _check_pausing(self, run: "_Run", trial: Trial, extra: dict | None) -> None:
        """Warn once when a run at a rung never reached its budget's step (steps counted from 0), paused past it
        (steps in other units), or trained past it (a loop that ignores the budget): its promotion starts over."""
        rule = trial.candidate.stop_rule
        if run.pause_warned or trial.status != OK or not extra or not extra.get("curve") or not getattr(rule, "pauses", 0):
            return
        last, done, budget = extra["curve"][-1][0], extra.get("done") or 0, rule.budget
        if last < budget:
            what = (f"reported steps up to {last:g} and returned before step {budget:g}, its budget, so it did not "
                    "pause there (a loop counting epochs from 0 never does: should_stop() is True once a reported "
                    "step reaches the budget; report(epoch + 1, ...))")
        elif done > budget:
            what = (f"paused at step {done:g}, past its budget {budget:g}: a saved state continues only a promotion "
                    f"to a budget above the step it was saved at; report at steps no larger than the budgets")
        elif last > budget and not done:
            what = (f"reported steps up to {last:g}, past its budget {budget:g}, without pausing: it trained past "
                    "its budget, so the small budgets saved nothing (train to trial.budget, or stop once "
                    "trial.should_stop() is True, and trial.save(state) to continue at the next rung)")
        else:
            return
        run.pause_warned = True
        warnings.warn(f"trial {trial.number} (budget {trial.budget:g}) {what}; its promotions start over",
                      RuntimeWarning, stacklevel=2)

    def _release(self, states: Any) -> None:
        """Drop the states of the configurations the strategy will not continue."""
        if states is not None:
            for config in self.strategy.take_released():
                states.discard(config)

    def _trial(self, number: int, candidate: Candidate, handle: Any, runner: Runner,
               timed_out: bool = False) -> tuple[Trial, dict | None]:
        """The trial of a finished evaluation (``handle``: a Future, or the :class:`Outcome` itself), and the
        outcome's ``extra`` (what a trial handle gathered)."""
        if timed_out:  # a soft limit: the task runs on, occupying its worker, and its result will be dropped
            now = time.time()
            outcome = Outcome(
                FAILED, None, f"TrialTimeoutError: the evaluation ran past trial_timeout={self.trial_timeout:g} s "
                "and was recorded as failed; Dask cannot stop a running task, so its worker stays busy until it "
                "returns", None, now - (self.trial_timeout or 0.0), now, {}, None)
        else:
            try:
                outcome = handle if isinstance(handle, Outcome) else runner.result(handle)
            except (KeyboardInterrupt, ExecutorLostError):  # the search stops; the trial did not fail
                raise
            except BaseException as exc:  # the worker died or was stopped
                now = time.time()
                outcome = Outcome.failed(exc, now)
        loss = None
        if outcome.status == OK:
            loss = self.sign * outcome.value  # type: ignore[operator]
        extra, metrics = outcome.extra, outcome.metrics
        curve = [] if extra is None else [tuple(p) for p in extra.get("curve", ())]
        if extra is not None and extra.get("resumed_from") and "resumed_from" not in metrics:
            # a run that continued its saved state: its time is what it added (the strategies' cost measurements)
            metrics = {**metrics, "resumed_from": extra["resumed_from"]}
        return Trial(number, candidate, outcome.status, outcome.value, loss, outcome.error, outcome.traceback,
                     outcome.started, outcome.finished, metrics, curve), extra

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
    if strategy.enumerates and n_trials is not None and runs is not None and n_trials < runs:
        warnings.warn(f"n_trials={n_trials} runs {n_trials} of the {strategy.name}'s {runs} configurations (in the "
                      f"{strategy.name}'s order); pass n_trials=None to run the whole {strategy.name}", UserWarning,
                      stacklevel=4)
    if n_trials is None or size is None or runs is None or not (size < n_trials and runs < n_trials):
        return
    warnings.warn(
        f"The total space of parameters {size} is smaller than n_trials={n_trials}. Running {runs} trials "
        f"(strategy {strategy.name!r} never repeats a configuration). For exhaustive searches, use "
        "strategy='grid'.", UserWarning, stacklevel=4,
    )


class _Run:
    """The state of one run of a search: what :meth:`SearchLoop._fill`, ``_collect`` and ``_finish`` share."""

    def __init__(self, runner: Runner, log: TrialLog, soft_deadlines: bool, lines: TrialLines,
                 streak: list[Trial] | None, states: Any) -> None:
        self.runner = runner
        self.log = log
        self.soft_deadlines = soft_deadlines  # a trial_timeout the runner cannot enforce (Dask): the loop keeps it
        self.lines = lines
        self.streak = streak  # this run's first failures (fail_fast), None once one trial did not fail so
        self.states = states
        # number -> [candidate, handle, deadline]; in-process evaluation needs no Future: the
        # handle is the outcome itself (the inline runner evaluates at submit and lets a
        # KeyboardInterrupt through).
        self.pending: dict[int, list] = {}
        self.late: list = []  # tasks past a soft trial_timeout that still occupy a worker (Dask cannot stop them)
        self.bar: Any = None
        self.start = time.monotonic()
        self.stop = False  # a callback raised StopSearch: no new trial starts
        self.exhausted = False  # the log said "limit" or "finished"
        self.pause_warned = False  # a run at a rung never paused at its budget, or paused past it: warned once
        self.idle = _Backoff()


class _Backoff:
    """Sleeps that grow from 20 ms to 1 s while a shared study gives this process nothing to run."""

    def __init__(self) -> None:
        self.delay = 0.02

    def sleep(self) -> None:
        time.sleep(self.delay)
        self.delay = min(self.delay * 1.5, 1.0)

    def reset(self) -> None:
        self.delay = 0.02
