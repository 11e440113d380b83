"""The fronts of a search: :func:`optimize` and :func:`run_study` (a stored study), on :class:`SearchLoop`.

Every strategy is served by :class:`~hpo.loop.SearchLoop`; ``hpo.optimize``
and ``hpo.Tuner`` are thin fronts on it. Errors are caught at the evaluation
boundary (:func:`~hpo.boundary.evaluate`) and recorded on the trial.
The names of :mod:`hpo.boundary` and :mod:`hpo.loop` are importable from here too.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any, Callable, Iterable

import numpy as np

from ._constraints import Satisfies, check_options
from .boundary import (  # noqa: F401  (the evaluation boundary's names, importable from hpo.engine)
    Outcome,
    TrialPruned,
    call_mode,
    current_candidate,
    evaluate,
    takes_budget,
)
from .loop import SearchLoop
from .search_errors import AllTrialsFailedError, RepeatedFailureError, SearchInterrupted, StopSearch, TrialFailedError
from .result import Result
from .spaces import Space
from .spaces.space import as_space
from .states import check_max_states
from .storage import Study, StudyRecord, environment_versions, open_storage
from .strategies import Strategy, make_strategy, plan_options, strategy_class

__all__ = [
    "optimize", "run_study", "SearchLoop", "evaluate", "call_mode", "takes_budget", "current_candidate", "Outcome",
    "TrialPruned", "StopSearch", "SearchInterrupted",
    "AllTrialsFailedError", "TrialFailedError", "RepeatedFailureError",
]


#: What :func:`run_study` checks itself (the search's options are checked by :class:`SearchLoop`).
_constraints = {"study": [Satisfies(lambda v: isinstance(v, str) and v != "", "a non-empty str")]}


def optimize(
    objective: Callable,
    space: Space | Mapping,
    strategy: str | Strategy | type[Strategy] = "auto",
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
    strategy : str, Strategy class or instance, default "auto"
        A registered name (``hpo.strategies.available_strategies()``).
        ``"auto"`` is Bayesian optimization (``"bayes"``) with its cost
        guard: when the model's proposals cost more than a tenth of the
        evaluation time (a cheap objective, a long search), it proposes from
        the model only now and then and says so once
        (:class:`~hpo.strategies.AutoStrategy`). Pick ``"bayes"`` for exact
        replay whatever the timings, ``"random"`` or ``"sobol"`` for
        thousands of very cheap trials, ``"grid"`` to enumerate a finite
        space, ``"asha"``/``"hyperband"`` when the objective takes a budget.
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
        The limit counts from the evaluation's start in its worker: loading
        it there (unpickling: imports, data) is not counted, up to 120 s.
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
        the search at once and raises :class:`SearchInterrupted` (a
        ``KeyboardInterrupt``), whose ``.result`` holds the finished trials
        (``result.interrupted``); a stored study keeps them. If every trial fails,
        :class:`AllTrialsFailedError` says so with the first error. With
        ``storage``, the result holds the whole study (trials of earlier runs
        and of other processes included).

    Examples
    --------
    >>> from hpo import optimize, Space, Float, Int
    >>> space = Space(x=Float(-5.0, 5.0), n=Int(0, 4))
    >>> result = optimize(lambda c: (c["x"] - 1) ** 2 + c["n"], space, "grid", strategy_options={"resolution": 3})
    >>> result.best_config, result.best_value
    ({'x': 0.0, 'n': 0}, 1.0)
    >>> result = optimize(lambda c: (c["x"] - 1) ** 2 + c["n"], space, "random", n_trials=8, seed=0)
    >>> len(result), result.best_config in space
    (8, True)
    """
    space = as_space(space)
    _check_seed(seed)
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
    if isinstance(strategy, Strategy):
        raise TypeError(
            f"with storage=, give the strategy as a name or a class (not the instance {strategy!r}), so that "
            "the study can rebuild it from its seed when it resumes"
        )
    name = "default" if study is None else study
    check_options(_constraints, study=name)
    cls = strategy_class(strategy)
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2**63))
    _check_seed(seed)
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


def _check_seed(seed: Any) -> None:
    """A seed is None, a numpy Generator or a non-negative int; anything else is named here, not by numpy."""
    if seed is None or isinstance(seed, np.random.Generator):
        return
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool):
        raise TypeError(f"seed must be a non-negative int, a numpy Generator or None, got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative int, a numpy Generator or None, got {seed!r}")
