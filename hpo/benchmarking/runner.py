"""Run contenders x problems x seeds, in parallel over runs, stored as they finish."""

from __future__ import annotations

import concurrent.futures as cf
import itertools
import json
import math
import os
import platform
import time
import traceback
from typing import Any, Callable, Sequence

import numpy as np

from .._constraints import N_TRIALS, check_options
from ..executors.cores import effective_n_jobs
from ..executors.process_pool import ProcessPool
from ..storage import environment_versions
from ..strategies.registry import available_strategies, get_strategy_class, register
from .contenders import Contender, StrategyContender, contender_factory, make_contender, register_contender
from .problem import Problem, available_problems, make_problem, problem_factory, register_problem
from .store import RunStore
from .suites import suite_problems

__all__ = ["run_benchmark", "REFERENCE_SAMPLES"]

#: Random configurations evaluated once per problem: their median loss is the
#: 0 of the normalized score ("the median single random evaluation").
REFERENCE_SAMPLES = 32


#: What run_benchmark's options accept: n_trials as everywhere (:data:`hpo._constraints.N_TRIALS`), but given.
_constraints = {"n_trials": [c for c in N_TRIALS if c is not None]}


def run_benchmark(
    out_dir: str,
    *,
    suite: str | None = None,
    problems: Sequence[str] | None = None,
    strategies: Sequence[str] = ("random", "sobol", "grid"),
    n_trials: int = 50,
    seeds: int | Sequence[int] = 10,
    n_jobs: int = 1,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
    storage: str | None = None,
    study: str | None = None,
) -> RunStore:
    """Run every strategy on every problem for every seed; skip runs already stored.

    Parameters
    ----------
    out_dir : str
        Where ``runs.db`` (the store) and the report go. Rerunning with the
        same directory resumes: finished runs are skipped.
    suite : str, optional
        A suite name (``quick``, ``synthetic``, ``sklearn``, ``multifidelity``).
    problems : list of str, optional
        Problem names, instead of or in addition to a suite.
    strategies : list of str
        hpo strategy names and peer names (``hpo.benchmarking.available_contenders()``).
    n_trials : int
        Evaluations per run.
    seeds : int or list of int
        How many seeds (0..k-1), or the seeds themselves.
    n_jobs : int
        Runs in parallel (hpo's worker processes; -1: all cores); each run
        evaluates serially. A run whose process dies is stored as failed.
    storage : str, optional
        An SQLite study storage (path or ``sqlite:///`` URL) where every run
        of an hpo strategy keeps its trials as they finish, as the study
        ``[STUDY/]PROBLEM/STRATEGY/seed=S/n=N``: a run cut short resumes
        from its last finished trial (``hpo studies``/``hpo show`` read them).
        Peers with a loop of their own run from the start again.
    study : str, optional
        A prefix for those study names.

    Returns
    -------
    RunStore
        The open store (close it, or use it as a context manager).

    Examples
    --------
    >>> from hpo.benchmarking import run_benchmark
    >>> with run_benchmark("bench", problems=["branin"], strategies=["random", "sobol"], n_trials=5, seeds=2) as store:
    ...     runs = sorted((run["contender"], run["seed"]) for run in store.runs())
    >>> runs
    [('random', 0), ('random', 1), ('sobol', 0), ('sobol', 1)]
    >>> run_benchmark("bench", problems=["branin"], strategies=["random", "sobol"], n_trials=5, seeds=2,
    ...               log=print).close()  # the same again: every run is stored already
    0 runs to do (4 stored already)
    """
    names = list(suite_problems(suite)) if suite is not None else []
    names = list(dict.fromkeys([*names, *(problems or [])]))  # a name given twice (or in the suite too) runs once
    if not names:
        raise ValueError("give a suite or problem names")
    made = {name: _made("problem", name, make_problem) for name in names}  # unknown names fail here, listing the known
    strategies = list(dict.fromkeys(strategies))
    contenders = {s: _made("strategy", s, make_contender) for s in strategies}  # unknown names, missing peers
    check_options(_constraints, n_trials=n_trials)
    n_trials = int(n_trials)
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(dict.fromkeys(int(s) for s in seeds))
    if not seed_list:
        raise ValueError("give at least one seed")
    say = log or (lambda msg: None)
    reasons = {(p, s): _why_unsupported(contenders[s], made[p]) for p in names for s in strategies}
    unsupported = [pair for pair, why in reasons.items() if why is not None]
    if len(unsupported) == len(reasons):
        raise ValueError("no strategy given can run a problem given:\n" + "\n".join(
            f"  {s} on {p}: {why}" for (p, s), why in reasons.items()))
    for p, s in unsupported:
        say(f"skipping {s} on {p}: {reasons[p, s]}")
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise ValueError(f"the output directory {out_dir!r} is a file")
    try:
        os.makedirs(out_dir, exist_ok=True)
        if not os.access(out_dir, os.W_OK):
            raise PermissionError("not writable")
    except OSError as exc:  # said before any run, not as a traceback after them
        raise ValueError(f"cannot write the results in the output directory {out_dir!r}: {exc}") from None
    store = RunStore(os.path.join(out_dir, "runs.db"))
    _check_definitions(store, {p: problem_definition(made[p]) for p in names},
                       {s: contender_definition(contenders[s]) for s in strategies}, say)
    store.set_meta("last_invocation", {
        "suite": suite, "problems": names, "strategies": list(strategies), "n_trials": n_trials,
        "seeds": seed_list, "n_jobs": n_jobs, "python": platform.python_version(),
        "machine": f"{os.cpu_count()} cores", "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "versions": environment_versions(),
    })

    for name in names:
        if store.reference(name) is None:
            problem = make_problem(name)
            say(f"reference: {REFERENCE_SAMPLES} random evaluations of {name}")
            store.set_reference(name, problem.kind, problem.optimum, _reference_losses(problem))

    store.set_meta("unsupported", unsupported)
    done = store.done()
    pairs = [(p, s) for p in names for s in strategies if (p, s) not in unsupported]
    jobs = [(p, s, seed) for p, s in pairs for seed in seed_list if (p, s, seed, n_trials) not in done]
    say(f"{len(jobs)} runs to do ({len(pairs) * len(seed_list) - len(jobs)} stored already)")
    if not jobs:
        return store
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(jobs), desc="hpo bench", unit="run")
    try:
        for row in _execute(jobs, n_trials, n_jobs, storage, study):
            store.add_run(row)
            if bar is not None:
                bar.update(1)
            if row.get("error"):
                say(f"run failed: {row['contender']} on {row['problem']} seed {row['seed']}: "
                    f"{row['error'].strip().splitlines()[-1]}")
    finally:
        if bar is not None:
            bar.close()
    return store


def _execute(jobs: list, n_trials: int, n_jobs: int, storage: str | None = None, study: str | None = None):
    """Yield each job's row as it finishes: serially, or in hpo's worker processes.

    hpo's :class:`~hpo.executors.process_pool.ProcessPool` rather than
    joblib's: a run whose process dies (a peer's segfault, the out-of-memory
    killer) becomes that run's error row while the others go on, and the
    workers end with this process however it ends (Ctrl-C, SIGTERM, SIGKILL),
    with the processes their runs started. Jobs are handed out in order, a
    few ahead of the free workers, so a suite runs problem by problem.
    """
    workers = min(effective_n_jobs(n_jobs), len(jobs))
    if workers <= 1:
        for problem, strategy, seed in jobs:
            yield run_one(problem, strategy, seed, n_trials, storage, study)
        return
    waiting = iter(jobs)
    running: dict[cf.Future, tuple] = {}
    pool = ProcessPool(workers)
    try:
        while True:
            for job in itertools.islice(waiting, max(0, 2 * workers - len(running))):
                running[pool.submit(_run_registered, _registrations(*job[:2]), run_one, *job, n_trials, storage,
                                    study)] = job
            if not running:
                return
            finished, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for future in finished:
                problem, strategy, seed = running.pop(future)
                try:
                    row = future.result()
                except Exception as exc:  # the worker died: this run failed, the others go on
                    row = {"problem": problem, "contender": strategy, "seed": seed, "n_trials": n_trials,
                           "error": f"{type(exc).__name__}: {exc}"}
                yield row
    finally:
        pool.shutdown(wait=True, kill_workers=True)


def _registrations(problem: str, contender: str) -> tuple:
    """What a job needs registered by name: the problem's factory, the peer's factory, the strategy's class
    (sent with the job: a fresh worker process knows only what importing hpo registers)."""
    strategy = get_strategy_class(contender) if contender in available_strategies() else None
    return problem_factory(problem), contender_factory(contender), strategy


def _run_registered(registrations: tuple, run: Callable, problem: str, contender: str, *args: Any) -> dict:
    """In a worker: register what the search process had registered (a user's problem, peer or strategy), then
    ``run`` the job (:func:`run_one`)."""
    problem_maker, contender_maker, strategy = registrations
    if problem_maker is not None and problem not in available_problems():
        register_problem(problem, problem_maker)
    if contender_maker is not None and contender_factory(contender) is None:
        register_contender(contender, contender_maker)
    if strategy is not None and contender not in available_strategies():
        register(strategy)
    return run(problem, contender, *args)


def run_study_name(problem: str, contender: str, seed: int, n_trials: int, prefix: str | None = None) -> str:
    """The study that keeps the trials of one benchmark run in a study storage."""
    return f"{prefix + '/' if prefix else ''}{problem}/{contender}/seed={seed}/n={n_trials}"


def problem_definition(problem: Problem) -> dict:
    """What a stored run of ``problem`` depends on and a store can check: its space, optimum, kind and budgets
    (not its objective's code, which cannot be compared)."""
    try:
        space: Any = json.loads(json.dumps(problem.space.to_dict(), sort_keys=True, default=repr))
    except Exception:  # a space with values JSON cannot hold and to_dict refuses: its repr
        space = repr(problem.space)
    return {"space": space, "optimum": problem.optimum, "kind": problem.kind,
            "budgets": [problem.min_budget, problem.max_budget]}


def contender_definition(contender: Contender) -> dict:
    """What a stored run of ``contender`` depends on and a store can check: its class, strategy and options."""
    strategy = getattr(contender, "strategy", None)
    if isinstance(strategy, type):
        strategy = f"{strategy.__module__}.{strategy.__qualname__}"
    elif strategy is not None and not isinstance(strategy, str):
        strategy = f"{type(strategy).__module__}.{type(strategy).__qualname__} instance"
    options = json.loads(json.dumps(getattr(contender, "options", None), sort_keys=True, default=repr))
    return {"class": f"{type(contender).__module__}.{type(contender).__qualname__}", "strategy": strategy,
            "options": options}


def _check_definitions(store: RunStore, problems: dict, contenders: dict, say: Callable[[str], None]) -> None:
    """Refuse to add runs of a problem or contender whose definition differs from the one the store's runs
    were made with (its runs would be mixed silently with the new ones, and scored on the old reference);
    record the definitions otherwise. A store from before this check cannot be checked: its runs are said to
    be of unknown making (an earlier hpo's strategies may differ) and the store remembers it."""
    meta = store.meta()
    stored = meta.get("definitions")
    unchecked = meta.get("unchecked_runs")
    if stored is None:
        stored = {"problems": {}, "contenders": {}}
        unchecked = len(store.done())
        if unchecked:
            store.set_meta("unchecked_runs", unchecked)
    if unchecked:
        say(f"note: {store.path} holds runs stored before it recorded what made them (an earlier hpo): if hpo, "
            "a peer or a problem changed since, the report mixes their runs with new ones; a new --out keeps "
            "them apart")
    for what, given in (("problems", problems), ("contenders", contenders)):
        for name, definition in given.items():
            before = stored[what].get(name)
            if before is not None and before != definition:
                keys = [k for k in sorted(set(before) | set(definition)) if before.get(k) != definition.get(k)]
                noun = "problem" if what == "problems" else "strategy"
                changes = ", ".join(f"{k}: {before.get(k)!r} then, {definition.get(k)!r} now" for k in keys)
                raise ValueError(
                    f"{noun} {name!r} is not the one whose runs {store.path} holds: its {' and '.join(keys)} "
                    f"changed ({changes}). Runs of both would be mixed: give another output directory, or rename it"
                )
            stored[what][name] = definition
    store.set_meta("definitions", stored)


def _made(what: str, name: str, make: Callable[[str], Any]) -> Any:
    """``make(name)``, its error naming ``name`` (a user's factory or constructor that raises does not)."""
    try:
        return make(name)
    except ImportError:  # a missing peer: its message names the package to install
        raise
    except Exception as exc:
        if repr(name) in str(exc):
            raise
        raise ValueError(f"{what} {name!r} could not be made: {type(exc).__name__}: {exc}") from exc


def run_one(problem_name: str, contender_name: str, seed: int, n_trials: int, storage: str | None = None,
            study: str | None = None) -> dict:
    """One search, as a row for the store; an exception becomes the row's ``error``.

    With ``storage``, an hpo strategy's trials are kept as they finish (see
    :func:`run_benchmark`), and a run found there half done resumes.
    """
    row: dict = {"problem": problem_name, "contender": contender_name, "seed": seed, "n_trials": n_trials}
    try:
        problem = make_problem(problem_name, seed=seed)  # a factory taking a seed gets the run's
        contender = make_contender(contender_name)
        if not contender.supports(problem):
            row["error"] = f"{contender_name} does not support problem {problem_name}"
            return row
        if storage is not None and isinstance(contender, StrategyContender):
            trace = contender.run(problem, n_trials, seed, storage=storage,
                                  study=run_study_name(problem_name, contender_name, seed, n_trials, study))
        else:
            trace = contender.run(problem, n_trials, seed)
        row.update(
            losses=[None if v is None or not math.isfinite(v) else float(v) for v in trace.losses],
            budgets=trace.budgets, eval_seconds=[float(v) for v in trace.eval_seconds],
            wall_seconds=float(trace.wall_seconds), best_config=trace.best_config,
        )
        if trace.rounds is not None:
            row["rounds"] = trace.rounds
        if problem.test_loss is not None and trace.best_config is not None:
            row["test_loss"] = float(problem.test_loss(trace.best_config))
    except Exception:
        row["error"] = traceback.format_exc()
    return row


def _reference_losses(problem) -> list:
    rng = np.random.default_rng(12345)
    out = []
    for config in problem.space.sample(REFERENCE_SAMPLES, seed=rng):
        try:
            loss = float(problem.objective(config, None))
        except Exception:
            loss = math.nan
        out.append(loss if math.isfinite(loss) else None)
    return out


def _why_unsupported(contender: Any, problem: Any) -> str | None:
    """Why ``contender`` cannot run ``problem`` (its ``why_unsupported``, or a ``supports`` that says no)."""
    why = contender.why_unsupported(problem)
    if why is None and not contender.supports(problem):
        why = "its supports() says it cannot run this problem"
    return why
