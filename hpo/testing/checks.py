"""The conformance checks every strategy passes, and :func:`check_strategy`, which runs them all.

Each check builds the strategy (a class and its options) afresh, drives it
through ``ask``/``tell`` or a whole ``hpo.optimize`` search, and raises
``AssertionError`` when the strategy breaks the protocol. Every loop is
bounded: a strategy that asks nothing while it is not finished and nothing
is pending fails at once (it would stall a search for ever), and no check
runs more than a few hundred trials.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine import TrialPruned, optimize
from ..spaces import Space
from ..strategies import Strategy, make_strategy
from ..strategies.base import config_key
from ..trial import FAILED, OK, PRUNED, Candidate, Trial
from .spaces import SPACES, loss_of

__all__ = ["Check", "CHECK_IDS", "strategy_checks", "check_strategy"]


@dataclass(frozen=True)
class Check:
    """One conformance check of one strategy: call it to run it (``AssertionError`` when it fails).

    Attributes
    ----------
    name : str
        The check's name (its function's, without ``check_``).
    space : str or None
        The name of the space it runs on (:data:`hpo.testing.SPACES`), or None for a check of its own.
    strategy : type
        The strategy class checked.
    options : dict
        The options it is built with.
    trials : float
        The factor on the check's numbers of trials (see :func:`strategy_checks`).

    Examples
    --------
    >>> import hpo
    >>> from hpo.testing import strategy_checks
    >>> class Centre(hpo.Strategy):  # the centre of the space, whatever the seed
    ...     def _ask(self, n):
    ...         return [self.space.decode([[0.5] * len(self.space)])[0] for _ in range(n)]
    >>> (check,) = strategy_checks(Centre, checks=["other_seed_other_candidates"])
    >>> check.id, check.space
    ('other_seed_other_candidates', None)
    >>> check()
    Traceback (most recent call last):
    ...
    AssertionError: Centre failed the check other_seed_other_candidates: seeds 7 and 8 gave the same candidates
    """

    name: str
    space: str | None
    strategy: type
    options: dict
    run: Callable[..., None]
    trials: float = 1.0

    @property
    def id(self) -> str:
        """``name`` or ``name[space]``."""
        return self.name if self.space is None else f"{self.name}[{self.space}]"

    def __call__(self) -> None:
        label = getattr(self.strategy, "__name__", repr(self.strategy))
        if not __debug__:  # the checks are assert statements: under -O each would pass whatever the strategy does
            raise RuntimeError(f"cannot check {label}: Python runs with -O (or PYTHONOPTIMIZE), which removes the "
                               "checks' assert statements, so every check would pass; run them without -O")
        try:
            args = () if self.space is None else (self.space,)
            self.run(self.strategy, dict(self.options), *args, trials=self.trials)
        except AssertionError as exc:
            raise AssertionError(f"{label} failed the check {self.id}: {exc}") from exc
        except Exception as exc:  # noqa: BLE001  (any error of the strategy fails the check, named)
            raise AssertionError(f"{label} failed the check {self.id}: {type(exc).__name__}: {exc}") from exc


# ----------------------------------------------------------------------------- driving a strategy
def _n(k: int, trials: float, least: int = 4) -> int:
    """``k`` trials scaled by the factor ``trials``, at least ``least``."""
    return max(least, int(round(k * trials)))


def _make(cls: type, options: dict, space: Space, seed: Any) -> Strategy:
    return make_strategy(cls, space, seed=seed, options=options)


def _search(objective: Callable, space: Space, cls: type, options: dict, n_trials: int, **kwargs: Any):
    with warnings.catch_warnings():  # more trials asked than a finite space holds: on purpose
        warnings.filterwarnings("ignore", message="The total space of parameters", category=UserWarning)
        return optimize(objective, space, cls, n_trials=n_trials, strategy_options=options or None, **kwargs)


def _tell_ok(strategy: Strategy, candidate: Candidate, number: int, loss: float) -> Trial:
    trial = Trial(number, candidate, OK, value=loss, loss=loss, started=0.0, finished=0.0)
    strategy.tell(trial)
    return trial


def _drive(strategy: Strategy, n: int, *, ask_size: int = 1,
           each: Callable[[Candidate], None] | None = None) -> list[Trial]:
    """Ask and tell at once until ``n`` trials, or the strategy is finished; never more than ``n + 1`` asks.

    An ``ask`` that returns nothing while no candidate is pending and the
    strategy is not finished fails: no trial could ever come to change its
    mind, so a search would wait for ever.
    """
    trials: list[Trial] = []
    for _ in range(n + 1):
        if len(trials) >= n or strategy.finished:
            break
        batch = strategy.ask(ask_size)
        if not batch:
            assert strategy.finished, (
                f"ask({ask_size}) returned no candidate while none was pending and finished is False "
                f"(after {len(trials)} trials): a search would wait for ever"
            )
            break
        assert len(batch) <= ask_size, f"ask({ask_size}) returned {len(batch)} candidates"
        for c in batch:
            if each is not None:
                each(c)
            trials.append(_tell_ok(strategy, c, len(trials), loss_of(c.config, c.budget)))
    return trials


def _run(cls: type, options: dict, space: Space, seed: Any, n: int = 25, ask_size: int = 1) -> list:
    strategy = _make(cls, options, space, seed)
    return [(t.config, t.candidate.budget) for t in _drive(strategy, n, ask_size=ask_size)]


def _check_candidate(space: Space, c: Candidate) -> None:
    space.validate(c.config)
    assert list(c.config) == [n for n in space.names if n in c.config], (
        f"the parameters of {c.config!r} are not in the space's declaration order")
    for v in c.config.values():
        assert not isinstance(v, np.generic), f"numpy scalar {v!r} in a configuration (plain Python values only)"
    assert c.budget is None or (isinstance(c.budget, (int, float)) and not isinstance(c.budget, bool)
                                and math.isfinite(c.budget) and c.budget > 0), f"budget {c.budget!r} is not > 0"


# ----------------------------------------------------------------------------- checks on each space
def check_candidates_are_valid(cls: type, options: dict, space_name: str, *, trials: float = 1.0) -> None:
    """Candidates hold valid configurations (plain values, declaration order) and positive budgets."""
    space = SPACES[space_name]()
    strategy = _make(cls, options, space, 0)
    told = _drive(strategy, _n(40, trials), ask_size=3, each=lambda c: _check_candidate(space, c))
    assert told, "the strategy proposed nothing at all"
    conditional = [n for n in space.names if space[n].conditions]
    if conditional and len(told) >= 12:
        active = {n: {n in t.config for t in told} for n in conditional}
        assert any(seen == {True, False} for seen in active.values()), (
            f"no conditional parameter was both active and inactive in {len(told)} trials")


def check_full_search_is_valid(cls: type, options: dict, space_name: str, *, trials: float = 1.0) -> None:
    """A whole search (``hpo.optimize``, 60 trials) evaluates only valid configurations, and ends at
    ``n_trials`` or when the strategy is finished."""
    space = SPACES[space_name]()
    seen = []

    def objective(config: dict, budget: float | None = None) -> float:
        space.validate(config)
        seen.append(config)
        return loss_of(config)

    n = _n(60, trials)
    result = _search(objective, space, cls, options, n, seed=1)
    assert len(result.trials) == len(seen) > 0
    assert len(result.trials) == n or result.strategy_instance.finished, (
        f"the search stopped after {len(result.trials)} of {n} trials with the strategy not finished")
    bad = next((t for t in result.trials if t.status != OK), None)
    assert bad is None, (f"trial {bad.number} of {bad.config!r} did not evaluate (the objective validates each "
                         f"configuration against the space): {bad.error}")
    assert result.best_config in space, f"the best configuration {result.best_config!r} is not in the space"


def check_same_seed_same_candidates(cls: type, options: dict, space_name: str, *, trials: float = 1.0) -> None:
    """The same seed gives the same candidates (configurations and budgets)."""
    space = SPACES[space_name]()
    n = _n(25, trials)
    first, second = _run(cls, options, space, 7, n), _run(cls, options, space, 7, n)
    assert first == second, "two runs with seed=7 proposed different candidates (randomness not from self.rng?)"


def check_finite_space_ends_the_search_cleanly(cls: type, options: dict, space_name: str, *, trials: float = 1.0) -> None:
    """On a finite space a search never repeats a configuration (at one budget) while unseen ones remain,
    and a strategy with a finite ``max_trials`` covers the space."""
    space = SPACES[space_name]()
    grid = {config_key(c) for c in space.grid()}
    result = _search(loss_of, space, cls, options, 50, seed=5)
    configs = [config_key(t.config) for t in result.trials]
    if any(t.budget is not None for t in result.trials):  # multi-fidelity: once per (configuration, budget)
        pairs = [(config_key(t.config), t.budget) for t in result.trials]
        assert len(pairs) == len(set(pairs)), "a configuration was repeated at the same budget"
        assert set(configs) == grid, "unseen configurations remained"
        return
    assert len(configs) == len(set(configs)), (
        "a configuration was repeated while unseen ones remained (a strategy that samples: set distinct = True "
        "and check self._is_seen / self._mark_seen, as hpo's random search does)")
    if _make(cls, options, space, 5).max_trials is not None:
        assert len(result.trials) == len(grid), f"{len(result.trials)} trials on a space of {len(grid)}"
        assert set(configs) == grid, "unseen configurations remained"


def check_ask_after_finished_returns_nothing(cls: type, options: dict, space_name: str, *, trials: float = 1.0) -> None:
    """Once finished, ``ask`` returns nothing."""
    space = SPACES[space_name]()
    strategy = _make(cls, options, space, 6)
    _drive(strategy, 200, ask_size=4)
    if strategy.finished:
        assert strategy.ask(3) == [], "ask returned candidates after finished"


# ----------------------------------------------------------------------------- checks of their own
def check_failed_nan_and_pruned_trials_do_not_stop_the_search(cls: type, options: dict, *, trials: float = 1.0) -> None:
    """Failing, NaN and pruned trials are recorded and the search goes on."""
    space = SPACES["mixed"]()
    calls = {"n": 0}

    def objective(config: dict, budget: float | None = None) -> float:
        calls["n"] += 1
        if calls["n"] % 3 == 0:
            raise RuntimeError("bad configuration")
        if calls["n"] % 3 == 1:
            return math.nan
        if calls["n"] % 6 == 5:
            raise TrialPruned("stopped")
        return loss_of(config)

    n = _n(30, trials, 9)
    result = _search(objective, space, cls, options, n, seed=2)
    # the search stops only at n_trials or when the strategy has nothing left (a planned multi-fidelity
    # search runs fewer trials when failed candidates are not promoted)
    assert len(result.trials) <= n and (len(result.trials) == n or result.strategy_instance.finished), (
        f"the search stopped after {len(result.trials)} of {n} trials with the strategy not finished")
    statuses = [t.status for t in result.trials]
    assert statuses.count(FAILED) >= 2 * len(statuses) // 3 - 1
    assert OK in statuses
    assert all(t.loss is not None for t in result.trials if t.status == OK)
    assert result.best_trial.status == OK


def check_failures_before_any_success(cls: type, options: dict, *, trials: float = 1.0) -> None:
    """A search whose first seven trials all fail goes on, and never repeats a candidate."""
    space = SPACES["continuous"]()
    calls = []

    def objective(config: dict, budget: float | None = None) -> float:
        calls.append(config)
        if len(calls) <= 7:
            raise RuntimeError("not yet")
        return loss_of(config)

    n = _n(15, trials, 10)
    result = _search(objective, space, cls, options, n, seed=0)
    statuses = [t.status for t in result.trials]
    assert statuses[:7] == [FAILED] * 7
    assert len(result.trials) == n or result.strategy_instance.finished, (
        f"the search stopped after {len(result.trials)} of {n} trials with the strategy not finished")
    assert statuses[7:] == [OK] * (len(statuses) - 7) and OK in statuses, "the trials after the failures"
    pairs = [(config_key(t.config), t.budget) for t in result.trials]
    assert len(set(pairs)) == len(pairs), "a candidate was repeated"


def check_failed_and_pruned_trials_can_be_told(cls: type, options: dict, *, trials: float = 1.0) -> None:
    """Failed and pruned trials can be told, and the strategy goes on proposing valid candidates."""
    space = SPACES["conditional"]()
    strategy = _make(cls, options, space, 3)
    batch = strategy.ask(3)
    assert len(batch) == 3, f"ask(3) at the start returned {len(batch)} candidates"
    a, b, c = batch
    strategy.tell(Trial(0, a, FAILED, error="RuntimeError: x"))
    strategy.tell(Trial(1, b, PRUNED))
    _tell_ok(strategy, c, 2, 0.5)
    for m in strategy.ask(2):
        _check_candidate(space, m)


def check_pending_candidates_are_distinct_and_told_in_any_order(cls: type, options: dict, *, trials: float = 1.0) -> None:
    """Candidates still running are distinct, are not proposed again, and can be told in any order."""
    space = SPACES["conditional"]()
    strategy = _make(cls, options, space, 4)
    batch = strategy.ask(4) + strategy.ask(4)
    assert len(batch) == 8, f"ask(4) twice at the start returned {len(batch)} candidates"
    assert len({c.id for c in batch}) == 8
    assert len({config_key(c.config) for c in batch}) == 8, "duplicate configurations among pending candidates"
    assert set(strategy.pending) == {c.id for c in batch}
    for number, c in reversed(list(enumerate(batch))):
        _tell_ok(strategy, c, number, loss_of(c.config))
    assert not strategy.pending
    try:
        _tell_ok(strategy, batch[0], 99, 0.0)
    except ValueError as exc:
        assert "did not ask or was told already" in str(exc), str(exc)
    else:
        raise AssertionError("a candidate told twice was accepted")
    # several running while new ones are asked
    told = 8
    first = strategy.ask(2)
    if strategy.finished:
        return
    assert first, "ask(2) returned nothing with nothing pending"
    _tell_ok(strategy, first[-1], told, loss_of(first[-1].config))
    told += 1
    running = [*first[:-1], *strategy.ask(2)]
    for c in running:
        _check_candidate(space, c)
    assert set(strategy.pending) == {c.id for c in running}
    for c in reversed(running):
        _tell_ok(strategy, c, told, loss_of(c.config))
        told += 1
    pairs = [(config_key(t.config), t.candidate.budget) for t in strategy.trials]
    assert len(set(pairs)) == len(pairs) == told, "a candidate was proposed again"


def check_other_seed_other_candidates(cls: type, options: dict, *, trials: float = 1.0) -> None:
    """Another seed gives other candidates."""
    space = SPACES["mixed"]()
    n = _n(25, trials)
    assert _run(cls, options, space, 7, n) != _run(cls, options, space, 8, n), "seeds 7 and 8 gave the same candidates"


def check_numpy_generator_seed_is_used(cls: type, options: dict, *, trials: float = 1.0) -> None:
    """A ``numpy.random.Generator`` as the seed: two equal generators give the same candidates."""
    space = SPACES["mixed"]()
    n = _n(25, trials)
    a = _run(cls, options, space, np.random.default_rng(11), n)
    b = _run(cls, options, space, np.random.default_rng(11), n)
    assert a == b, "two equal Generators as seeds gave different candidates"


def check_parallel_runs_are_reproducible(cls: type, options: dict, *, trials: float = 1.0) -> None:
    """Two searches with two workers (threads) and the same seed run the same trials."""
    space = SPACES["mixed"]()
    runs = [_search(loss_of, space, cls, options, _n(20, trials), seed=9, n_jobs=2, backend="threads")
            for _ in range(2)]
    assert all(t.status == OK for t in runs[0].trials)
    assert [t.config for t in runs[0].trials] == [t.config for t in runs[1].trials]
    assert [t.value for t in runs[0].trials] == [t.value for t in runs[1].trials]


def check_ask_rejects_a_bad_n(cls: type, options: dict, *, trials: float = 1.0) -> None:
    """``ask(n)`` needs a positive int."""
    strategy = _make(cls, options, SPACES["mixed"](), 0)
    for bad in (0, -1, 1.5, True):
        try:
            strategy.ask(bad)
        except ValueError as exc:
            assert "positive int" in str(exc), str(exc)
        else:
            raise AssertionError(f"ask({bad!r}) was accepted")


def check_distinct_strategy_never_repeats(cls: type, options: dict, *, trials: float = 1.0) -> None:
    """A strategy declared ``distinct`` never proposes a configuration twice."""
    strategy = _make(cls, options, SPACES["mixed"](), 12)
    keys = [config_key(t.config) for t in _drive(strategy, _n(40, trials), ask_size=2)]
    assert len(keys) == len(set(keys)), "a configuration was proposed twice"


# ----------------------------------------------------------------------------- strategies that take budgets
BUDGETS = {"min_budget": 2, "max_budget": 50}


def _with_budgets(options: dict) -> dict:
    return {**BUDGETS, **options} if "min_budget" not in options else dict(options)


def check_budgets_stay_in_range_and_promotions_climb(cls: type, options: dict, *, trials: float = 1.0) -> None:
    """With ``min_budget`` and ``max_budget``, budgets stay in the range (whole when both ends are), some
    configuration is promoted, a configuration's budgets only climb, and the best is at ``max_budget``."""
    space = SPACES["mixed"]()
    options = _with_budgets(options)
    low, high = options["min_budget"], options["max_budget"]

    def objective(config: dict, budget: float) -> float:
        return loss_of(config) + 1.0 / budget  # more budget, lower loss

    result = _search(objective, space, cls, options, 120, seed=0)
    budgets = [t.budget for t in result.trials]
    assert all(isinstance(b, int) and low <= b <= high for b in budgets), "whole budgets within the range"
    assert max(budgets) == high and min(budgets) < high
    first: dict = {}
    for t in result.trials:  # a configuration reaches a budget only after the budgets below it
        key = config_key(t.config)
        if key in first:
            assert t.budget > first[key][-1], f"{t.config!r} went from budget {first[key][-1]} to {t.budget}"
            first[key].append(t.budget)
        else:
            first[key] = [t.budget]
    assert any(len(v) > 1 for v in first.values()), "no configuration was promoted"
    assert result.best_trial.budget == high
    assert result.best_value == min(t.value for t in result.trials if t.budget == high)


def check_a_budget_needs_an_objective_that_takes_one(cls: type, options: dict, *, trials: float = 1.0) -> None:
    """Budgets for an objective without a ``budget`` parameter are a clear ``TypeError``."""
    try:
        _search(lambda config: loss_of(config), SPACES["mixed"](), cls, _with_budgets(options), 30, seed=0)
    except TypeError as exc:
        assert "objective(config, budget)" in str(exc), str(exc)
    else:
        raise AssertionError("budgets were given to an objective(config)")


def check_bad_budget_options_are_errors(cls: type, options: dict, *, trials: float = 1.0) -> None:
    """A bad ``eta``, ``min_budget`` or ``max_budget`` is a ``ValueError`` naming it."""
    for bad in ({"eta": 1}, {"min_budget": 0}, {"min_budget": 9, "max_budget": 3}, {"max_budget": float("nan")}):
        try:
            _make(cls, {**_with_budgets(options), **bad}, SPACES["mixed"](), 0)
        except ValueError as exc:
            assert any(name in str(exc) for name in bad), f"{bad}: {exc}"
        else:
            raise AssertionError(f"the options {bad} were accepted")


# ----------------------------------------------------------------------------- the battery
_ON_EACH_SPACE = [check_candidates_are_valid, check_full_search_is_valid, check_same_seed_same_candidates]
_ON_FINITE = [check_finite_space_ends_the_search_cleanly, check_ask_after_finished_returns_nothing]
_OF_THEIR_OWN = [
    check_failed_nan_and_pruned_trials_do_not_stop_the_search, check_failures_before_any_success,
    check_failed_and_pruned_trials_can_be_told, check_pending_candidates_are_distinct_and_told_in_any_order,
    check_other_seed_other_candidates, check_numpy_generator_seed_is_used, check_parallel_runs_are_reproducible,
    check_ask_rejects_a_bad_n,
]
_FOR_DISTINCT = [check_distinct_strategy_never_repeats]
_FOR_BUDGETS = [check_budgets_stay_in_range_and_promotions_climb, check_a_budget_needs_an_objective_that_takes_one,
                check_bad_budget_options_are_errors]


def _name(fn: Callable) -> str:
    return fn.__name__.removeprefix("check_")


#: The id of every check (``name`` or ``name[space]``), whether or not it applies to a given strategy.
CHECK_IDS: list[str] = (
    [f"{_name(fn)}[{space}]" for fn in _ON_EACH_SPACE for space in SPACES]
    + [f"{_name(fn)}[finite]" for fn in _ON_FINITE]
    + [_name(fn) for fn in _OF_THEIR_OWN + _FOR_DISTINCT + _FOR_BUDGETS]
)


def strategy_checks(strategy: type, /, *, checks: Iterable[str] | None = None, trials: float = 1.0,
                    **options: Any) -> Iterator[Check]:
    """Every conformance check that applies to ``strategy`` (a :class:`~hpo.strategies.Strategy` subclass).

    The stall check comes first (candidates on each space, driven with
    ``ask``/``tell``), whole searches after. Strategies that declare
    :attr:`~hpo.strategies.Strategy.distinct` or
    :attr:`~hpo.strategies.Strategy.takes_budget` get the checks of those
    promises too.

    Parameters
    ----------
    strategy : type
        The strategy class.
    checks : iterable of str, optional
        Only these checks (ids, ``name[space]``, or names: every space); default all that apply.
    trials : float, default 1.0
        A factor on the checks' numbers of trials, for a strategy too slow for them (a peer library fitting a
        Gaussian process on every trial): 0.3 runs about a third (each check keeps the few it needs). The
        checks of finite spaces and of budgets keep theirs.
    **options
        Its options (keyword arguments other than ``space`` and ``seed``; so an option named ``checks`` or
        ``trials`` cannot be given here).

    Yields
    ------
    Check
        Call one to run it.

    Examples
    --------
    >>> from hpo.strategies import RandomSearch
    >>> from hpo.testing import strategy_checks
    >>> checks = list(strategy_checks(RandomSearch, checks=["same_seed_same_candidates"]))
    >>> [check.id for check in checks]  # one per space
    ['same_seed_same_candidates[continuous]', 'same_seed_same_candidates[mixed]',
     'same_seed_same_candidates[conditional]', 'same_seed_same_candidates[finite]']
    >>> for check in checks:
    ...     check()  # nothing when it passes; an AssertionError naming the check when it fails
    """
    if not (isinstance(strategy, type) and issubclass(strategy, Strategy)):
        raise TypeError(f"check_strategy takes a Strategy subclass, got {strategy!r}")
    if not (isinstance(trials, (int, float)) and not isinstance(trials, bool) and 0 < trials <= 1):
        raise ValueError(f"trials must be a number in (0, 1], got {trials!r}")
    wanted = None if checks is None else set([checks] if isinstance(checks, str) else checks)
    unknown = set() if wanted is None else wanted - set(CHECK_IDS) - {i.split("[")[0] for i in CHECK_IDS}
    if unknown:
        raise ValueError(f"unknown checks {sorted(unknown)}; the checks: {CHECK_IDS}")
    found = []
    for fn in _ON_EACH_SPACE:
        found += [Check(_name(fn), space, strategy, options, fn, trials) for space in SPACES]
    found += [Check(_name(fn), "finite", strategy, options, fn, trials) for fn in _ON_FINITE]
    own = _OF_THEIR_OWN + (_FOR_DISTINCT if strategy.distinct else []) + (_FOR_BUDGETS if strategy.takes_budget else [])
    found += [Check(_name(fn), None, strategy, options, fn, trials) for fn in own]
    for check in found:
        if wanted is None or check.id in wanted or check.name in wanted:
            yield check


def check_strategy(strategy: type, /, **options: Any) -> None:
    """Run every conformance check on ``strategy``; the first that fails raises ``AssertionError`` naming it.

    The checks run the strategy on a continuous, a mixed, a conditional and a
    finite space (:data:`hpo.testing.SPACES`), through ``ask``/``tell`` and
    through whole ``hpo.optimize`` searches, and check the protocol of
    :class:`~hpo.strategies.Strategy`: valid candidates, the same seed gives
    the same candidates, failed/pruned/NaN trials, candidates still running,
    finite spaces, parallel workers; and the budgets of a strategy that takes
    them. It takes seconds for a cheap strategy (a model-based one: a minute).

    Parameters
    ----------
    strategy : type
        The strategy class (a :class:`~hpo.strategies.Strategy` subclass).
    **options
        Its options.

    Raises
    ------
    AssertionError
        ``"<Strategy> failed the check <name>[<space>]: <what went wrong>"``.

    Examples
    --------
    >>> from hpo.strategies import RandomSearch
    >>> from hpo.testing import check_strategy
    >>> check_strategy(RandomSearch)
    """
    for check in strategy_checks(strategy, **options):
        check()
