"""The battery every registered strategy passes: a new strategy inherits it by being registered."""

from __future__ import annotations

import math

import numpy as np
import pytest

import hpo
from hpo import Categorical, Float, Int, Pack, Space, at_least, one_of, optimize, ref
from hpo.strategies import available_strategies, make_strategy
from hpo.resources import strategy_takes_budgets
from hpo.strategies.base import config_key
from hpo.trial import FAILED, OK, PRUNED, Trial

STRATEGIES = available_strategies()


def mixed_space() -> Space:
    return Space(
        lr=Float(1e-5, 1e-1, log=True),
        frac=Float(0.0, 1.0),
        width=Int(1, 1024, log=True),
        depth=Int(1, 6),
        kind=Categorical(["a", 1, True, None, (2, 3)]),
    )


def conditional_space() -> Space:
    return Space(
        n_layers=Int(1, 4),
        units_0=Int(8, 512, log=True),
        units_1=Int(8, ref("units_0"), log=True).when(n_layers=at_least(2)),
        units_2=Int(8, ref("units_1"), log=True).when(n_layers=at_least(3)),
        units_3=Int(8, ref("units_2"), log=True).when(n_layers=at_least(4)),
        solver=Categorical(["adam", "sgd", "lbfgs"]),
        momentum=Float(0.0, 0.99).when(solver="sgd"),
        nesterov=Categorical([True, False]).when(momentum=at_least(0.5)),
        alpha=Float(1e-6, 1e-1, log=True),
        activation=Categorical(["relu", "tanh"]).when(solver=one_of("adam", "sgd")),
        to_params=Pack("hidden_layer_sizes", ["units_0", "units_1", "units_2", "units_3"], drop=["n_layers"]),
    )


def finite_space() -> Space:
    # 2 (linear branch) + 2 * 3 (rbf branch: shrinking x gamma) = 8 configurations
    return Space(
        kernel=Categorical(["linear", "rbf"]),
        shrinking=Categorical([True, False]),
        gamma=Int(1, 3).when(kernel="rbf"),
    )


SPACES = {"mixed": mixed_space, "conditional": conditional_space, "finite": finite_space}


def loss_of(config: dict, budget: float | None = None) -> float:
    """A deterministic loss defined on every space above (a budget, when a strategy gives one, is ignored)."""
    h = sum(hash(repr(item)) % 1000 for item in sorted(config.items(), key=lambda kv: kv[0]))
    return (h % 997) / 997.0


def tell_ok(strategy, candidate, number, loss) -> Trial:
    trial = Trial(number, candidate, OK, value=loss, loss=loss, started=0.0, finished=0.0)
    strategy.tell(trial)
    return trial


@pytest.fixture(params=STRATEGIES)
def strategy_name(request) -> str:
    return request.param


@pytest.mark.parametrize("space_name", list(SPACES))
def test_candidates_are_valid_and_budgets_sane(strategy_name, space_name):
    space = SPACES[space_name]()
    strategy = make_strategy(strategy_name, space, seed=0)
    number = 0
    while number < 40 and not strategy.finished:
        batch = strategy.ask(3)
        assert 1 <= len(batch) <= 3 or strategy.finished
        for c in batch:
            space.validate(c.config)
            assert c.budget is None or (isinstance(c.budget, (int, float)) and c.budget > 0)
            for v in c.config.values():
                assert not isinstance(v, np.generic), f"numpy scalar {v!r} in a configuration"
            tell_ok(strategy, c, number, loss_of(c.config))
            number += 1
    assert number > 0


@pytest.mark.parametrize("space_name", list(SPACES))
def test_full_search_never_proposes_an_invalid_configuration(strategy_name, space_name):
    space = SPACES[space_name]()
    seen = []

    def objective(config, budget=None):
        space.validate(config)
        seen.append(config)
        return loss_of(config)

    result = optimize(objective, space, strategy_name, n_trials=60, seed=1)
    assert len(result.trials) == len(seen) > 0
    assert all(t.status == OK for t in result.trials)
    assert result.best_config in space


def test_failing_and_nan_trials_do_not_stop_the_search(strategy_name):
    space = mixed_space()
    calls = {"n": 0}

    def objective(config, budget=None):
        calls["n"] += 1
        if calls["n"] % 3 == 0:
            raise RuntimeError("bad configuration")
        if calls["n"] % 3 == 1:
            return math.nan
        return loss_of(config)

    result = optimize(objective, space, strategy_name, n_trials=30, seed=2)
    # the search stops only at n_trials or when the strategy has nothing left (a planned multi-fidelity
    # search runs fewer trials when failed candidates are not promoted)
    assert len(result.trials) <= 30 and (len(result.trials) == 30 or result.strategy_instance.finished)
    statuses = [t.status for t in result.trials]
    assert statuses.count(FAILED) >= 2 * len(statuses) // 3 - 1
    assert OK in statuses
    assert all(t.loss is not None for t in result.trials if t.status == OK)
    assert result.best_trial.status == OK


def test_failed_and_pruned_trials_can_be_told(strategy_name):
    space = conditional_space()
    strategy = make_strategy(strategy_name, space, seed=3)
    a, b, c = strategy.ask(3)
    strategy.tell(Trial(0, a, FAILED, error="RuntimeError: x"))
    strategy.tell(Trial(1, b, PRUNED))
    tell_ok(strategy, c, 2, 0.5)
    more = strategy.ask(2)
    assert all(m.config in space for m in more)


def test_pending_candidates_are_distinct_and_can_be_told_in_any_order(strategy_name):
    space = conditional_space()
    strategy = make_strategy(strategy_name, space, seed=4)
    first = strategy.ask(4)
    second = strategy.ask(4)
    batch = first + second
    assert len(batch) == 8
    assert len({c.id for c in batch}) == 8
    assert len({config_key(c.config) for c in batch}) == 8, "duplicate configurations among pending candidates"
    assert set(strategy.pending) == {c.id for c in batch}
    for number, c in reversed(list(enumerate(batch))):
        tell_ok(strategy, c, number, loss_of(c.config))
    assert not strategy.pending
    with pytest.raises(ValueError, match="did not ask or was told already"):
        tell_ok(strategy, batch[0], 99, 0.0)


def _run(strategy_name, space, seed, n=25, ask_size=1):
    strategy = make_strategy(strategy_name, space, seed=seed)
    configs, number = [], 0
    while number < n and not strategy.finished:
        for c in strategy.ask(ask_size):
            configs.append(c.config)
            tell_ok(strategy, c, number, loss_of(c.config))
            number += 1
    return configs


@pytest.mark.parametrize("space_name", list(SPACES))
def test_same_seed_same_candidates(strategy_name, space_name):
    space = SPACES[space_name]()
    assert _run(strategy_name, space, seed=7) == _run(strategy_name, space, seed=7)


def test_other_seed_other_candidates(strategy_name):
    space = mixed_space()
    assert _run(strategy_name, space, seed=7) != _run(strategy_name, space, seed=8)


def test_numpy_generator_seed_is_used(strategy_name):
    space = mixed_space()
    a = _run(strategy_name, space, seed=np.random.default_rng(11))
    b = _run(strategy_name, space, seed=np.random.default_rng(11))
    assert a == b


def test_finite_space_ends_the_search_cleanly(strategy_name):
    space = finite_space()
    size = len(space.grid())
    assert size == 8
    result = optimize(loss_of, space, strategy_name, n_trials=50, seed=5)
    configs = [config_key(t.config) for t in result.trials]
    strategy = make_strategy(strategy_name, space, seed=5)
    if any(t.budget is not None for t in result.trials):  # multi-fidelity: once per (configuration, budget)
        pairs = [(config_key(t.config), t.budget) for t in result.trials]
        assert len(pairs) == len(set(pairs)), "a configuration was repeated at the same budget"
        assert set(configs) == {config_key(c) for c in space.grid()}, "unseen configurations remained"
        return
    assert len(configs) == len(set(configs)), "a configuration was repeated while unseen ones remained"
    if strategy.max_trials is not None:
        assert len(result.trials) == size
        assert {config_key(c) for c in space.grid()} == set(configs)


def test_ask_after_finished_returns_nothing(strategy_name):
    space = finite_space()
    strategy = make_strategy(strategy_name, space, seed=6)
    number = 0
    for _ in range(100):
        batch = strategy.ask(4)
        for c in batch:
            tell_ok(strategy, c, number, 0.0)
            number += 1
        if strategy.finished:
            break
    if strategy.finished:
        assert strategy.ask(3) == []


def test_parallel_runs_are_reproducible(strategy_name):
    space = mixed_space()
    runs = [
        optimize(loss_of, space, strategy_name, n_trials=20, seed=9, n_jobs=2, backend="threads")
        for _ in range(2)
    ]
    assert [t.config for t in runs[0].trials] == [t.config for t in runs[1].trials]
    assert [t.value for t in runs[0].trials] == [t.value for t in runs[1].trials]


def test_ask_rejects_a_bad_n(strategy_name):
    strategy = make_strategy(strategy_name, mixed_space(), seed=0)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="positive int"):
            strategy.ask(bad)


def test_strategy_is_reachable_from_the_public_api(strategy_name):
    assert strategy_name in hpo.available_strategies()


# ------------------------------------------------------------------ strategies that give budgets
BUDGETED = [name for name in STRATEGIES if strategy_takes_budgets(name)]


@pytest.fixture(params=BUDGETED)
def budgeted_name(request) -> str:
    return request.param


def test_budgets_stay_in_range_and_promotions_climb_the_rungs(budgeted_name):
    space = mixed_space()
    options = {"min_budget": 2, "max_budget": 50}

    def objective(config, budget):
        return loss_of(config) + 1.0 / budget  # more budget, lower loss

    result = optimize(objective, space, budgeted_name, n_trials=120, seed=0, strategy_options=options)
    budgets = [t.budget for t in result.trials]
    assert all(isinstance(b, int) and 2 <= b <= 50 for b in budgets), "whole budgets within the range"
    assert max(budgets) == 50 and min(budgets) < 50
    first = {}
    for t in result.trials:  # a configuration reaches a budget only after the budgets below it
        key = config_key(t.config)
        if key in first:
            assert t.budget > first[key][-1]
            first[key].append(t.budget)
        else:
            first[key] = [t.budget]
    assert any(len(v) > 1 for v in first.values()), "some configuration was promoted"
    assert result.best_trial.budget == 50
    assert result.best_value == min(t.value for t in result.trials if t.budget == 50)


def test_a_budget_for_an_objective_without_one_is_a_clear_error(budgeted_name):
    with pytest.raises(TypeError, match="objective\\(config, budget\\)"):
        optimize(lambda config: loss_of(config), mixed_space(), budgeted_name, n_trials=30, seed=0,
                 strategy_options={"min_budget": 1, "max_budget": 9})


@pytest.mark.parametrize("bad", [{"eta": 1}, {"min_budget": 0}, {"min_budget": 9, "max_budget": 3},
                                 {"max_budget": float("nan")}])
def test_a_bad_budget_option_is_an_error(budgeted_name, bad):
    with pytest.raises(ValueError, match="eta|min_budget|max_budget"):
        make_strategy(budgeted_name, mixed_space(), seed=0, options=bad)
