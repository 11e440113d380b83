"""Contenders: what a benchmark compares (hpo's strategies and peers from other libraries).

A contender runs one search on one problem for one seed and returns a
:class:`RunTrace`. hpo's strategies, and peers that speak ask/tell (Optuna,
scikit-optimize), run through ``hpo.optimize`` so that every contender is timed
by the same loop; peers with a loop of their own (Hyperopt's ``fmin``,
scikit-learn's searches) implement :meth:`Contender.run` directly.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

from ..engine import optimize
from ..search_errors import AllTrialsFailedError
from ..resources import strategy_takes_budgets
from ..strategies import Strategy, available_strategies
from ..trial import OK
from .problem import Problem

__all__ = ["RunTrace", "Contender", "StrategyContender", "register_contender", "make_contender",
           "available_contenders"]


@dataclass
class RunTrace:
    """The record of one search: per-trial losses in order, and costs.

    Attributes
    ----------
    losses : list of float or None
        The loss of each trial in the order they were evaluated (None: failed).
    budgets : list of float or None
        Each trial's budget (None: the full budget).
    eval_seconds : list of float
        Time spent inside the objective, per trial.
    wall_seconds : float
        The whole search; ``wall_seconds - sum(eval_seconds)`` is the
        optimizer's own overhead.
    best_config : dict or None
        The final best (at the full budget), to score on the test split.
    rounds : list of dict or None
        For a strategy that narrows ranges (coarse-to-fine): per round, its
        ``ranges`` (the strategy's ``ranges_``) and ``widths`` (its
        ``widths_``, fractions of the whole space). None otherwise.

    Examples
    --------
    >>> from hpo.benchmarking import RunTrace
    >>> trace = RunTrace(losses=[0.5, None, 0.2], budgets=[None, None, None], eval_seconds=[0.1, 0.1, 0.2],
    ...                  wall_seconds=0.5, best_config={"x": 0.3})
    >>> round(trace.overhead_seconds, 2)  # the optimizer's own time
    0.1
    """

    losses: list
    budgets: list
    eval_seconds: list
    wall_seconds: float
    best_config: dict | None
    extra: dict = field(default_factory=dict)
    rounds: list | None = None

    @property
    def overhead_seconds(self) -> float:
        return max(0.0, self.wall_seconds - sum(self.eval_seconds))


class Contender:
    """Something that searches a problem: a name, and ``run(problem, n_trials, seed)``.

    Examples
    --------
    >>> from hpo.benchmarking import Contender, RunTrace, make_problem
    >>> class OneRandom(Contender):  # a baseline: one random configuration
    ...     name = "one_random"
    ...     def run(self, problem, n_trials, seed):
    ...         config = problem.space.sample(1, seed=seed)[0]
    ...         return RunTrace(losses=[problem(config)], budgets=[None], eval_seconds=[0.0],
    ...                         wall_seconds=0.0, best_config=config)
    >>> trace = OneRandom().run(make_problem("branin"), n_trials=1, seed=0)
    >>> len(trace.losses), sorted(trace.best_config)
    (1, ['x0', 'x1'])
    """

    name: str = ""

    def supports(self, problem: Problem) -> bool:
        """Whether this contender can run this problem (a peer may not handle conditions)."""
        return self.why_unsupported(problem) is None

    def why_unsupported(self, problem: Problem) -> str | None:
        """Why this contender cannot run ``problem``, in words; None when it can."""
        return None

    def run(self, problem: Problem, n_trials: int, seed: int) -> RunTrace:
        raise NotImplementedError


class StrategyContender(Contender):
    """A strategy (an hpo one or a peer wrapped as an hpo Strategy) run through ``hpo.optimize``.

    Examples
    --------
    >>> from hpo.benchmarking import StrategyContender, make_problem
    >>> contender = StrategyContender("bayes_lcb", "bayes", {"acquisition": "lcb"})  # name, strategy, options
    >>> trace = contender.run(make_problem("branin"), n_trials=4, seed=0)
    >>> len(trace.losses), sorted(trace.best_config)
    (4, ['x0', 'x1'])
    """

    def __init__(self, name: str, strategy: Any = None, options: dict | None = None) -> None:
        self.name = name
        self.strategy = strategy if strategy is not None else name
        self.options = options or {}

    def run(self, problem: Problem, n_trials: int, seed: int, *, storage: Any = None,
            study: str | None = None) -> RunTrace:
        """One search; with ``storage`` (and a strategy given by name or class) its trials are kept as the
        study ``study``, and a half-done one resumes."""
        if isinstance(self.strategy, Strategy):  # an instance cannot be rebuilt from a stored study
            storage = study = None
        options = dict(self.options)
        if problem.max_budget is not None and strategy_takes_budgets(self.strategy):
            # a multi-fidelity strategy spends the problem's own budget range
            options.setdefault("min_budget", _whole(problem.min_budget or 1))
            options.setdefault("max_budget", _whole(problem.max_budget))
        start, started_at = time.perf_counter(), time.time()
        try:
            with warnings.catch_warnings():
                # a benchmark compares strategies at n_trials on purpose: a grid runs its first n_trials points
                warnings.filterwarnings("ignore", message=r"n_trials=\d+ runs \d+ of the \w+'s \d+ configurations")
                result = optimize(
                    problem.objective, problem.space, self.strategy, n_trials=n_trials, seed=seed,
                    strategy_options=options or None, storage=storage, study=study,
                )
        except AllTrialsFailedError as exc:  # a run that found nothing: ranked last, as a peer's would be
            result = exc.result
        wall = time.perf_counter() - start
        trials = result.trials
        stored = [t for t in trials if t.finished is not None and t.started is not None and t.finished < started_at]
        if stored:  # resumed or replayed from storage: the stored part took as long as it did then
            wall += max(t.finished for t in stored) - min(t.started for t in stored)
        best = result.best_config if result.n_ok else None
        return RunTrace(
            losses=[t.loss if t.status == OK else None for t in trials],
            budgets=[t.budget for t in trials],
            eval_seconds=[t.duration or 0.0 for t in trials],
            wall_seconds=wall,
            best_config=best,
            rounds=_rounds_of(result.strategy_instance),
        )


def _rounds_of(strategy: Any) -> list | None:
    """The per-round ranges and widths of a range-narrowing strategy (coarse-to-fine), else None."""
    ranges, widths = getattr(strategy, "ranges_", None), getattr(strategy, "widths_", None)
    if ranges is None or widths is None:
        return None
    return [{"ranges": r, "widths": w} for r, w in zip(ranges, widths)]


def _whole(x: float) -> float | int:
    return int(x) if float(x).is_integer() else float(x)


_CONTENDERS: dict[str, Callable[[], Contender]] = {}


def register_contender(name: str, factory: Callable[[], Contender]) -> None:
    """Register a peer by name (its factory may raise ImportError when the peer is not installed).

    Examples
    --------
    >>> from hpo.benchmarking import StrategyContender, register_contender, make_contender
    >>> register_contender("bayes_lcb", lambda: StrategyContender("bayes_lcb", "bayes", {"acquisition": "lcb"}))
    >>> make_contender("bayes_lcb").options
    {'acquisition': 'lcb'}
    """
    if name in available_strategies():
        raise ValueError(f"{name!r} is the name of an hpo strategy; register the contender under another name")
    if name in _CONTENDERS and _CONTENDERS[name] is not factory:
        raise ValueError(f"a contender named {name!r} is registered already")
    _CONTENDERS[name] = factory


def contender_factory(name: str) -> Callable[[], Contender] | None:
    """The factory of the peer registered as ``name`` (None: none, or an hpo strategy)."""
    return _CONTENDERS.get(name)


def available_contenders() -> list[str]:
    """hpo's strategies plus the registered peers (installed or not).

    The peers register when ``hpo.benchmarking`` is imported (its ``__init__``
    imports :mod:`hpo.benchmarking.peers`), which any import of this module does first.

    Examples
    --------
    >>> from hpo.benchmarking import available_contenders
    >>> {"random", "bayes", "optuna_tpe"} <= set(available_contenders())  # optuna_tpe: a peer
    True
    """
    return sorted(set(available_strategies()) | set(_CONTENDERS))


def make_contender(name: str) -> Contender:
    """A contender by name: a registered peer, else an hpo strategy; unknown names list the known ones.

    Examples
    --------
    >>> from hpo.benchmarking import make_contender
    >>> contender = make_contender("random")
    >>> type(contender).__name__, contender.name
    ('StrategyContender', 'random')
    """
    if name in _CONTENDERS:
        if name in available_strategies():  # hpo.register took a peer's name after the peers registered
            raise ValueError(f"{name!r} names both a peer and a strategy registered with hpo.register: rename the "
                             "strategy (the benchmark would not know which to run)")
        return _CONTENDERS[name]()
    if name in available_strategies():
        return StrategyContender(name)
    raise ValueError(f"unknown strategy or peer {name!r}; known: {available_contenders()}. A strategy of your own: "
                     "register it (@hpo.register, or hpo.benchmarking.register_contender) in a module, and pass "
                     "--import MODULE to hpo bench (or call hpo.benchmarking.run_benchmark from your script)")

