"""Behaviour specific to grid, random and sobol, and the registry."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from hpo import Categorical, Float, Int, Space, at_least, ref
from hpo.strategies import (
    GridSearch,
    RandomSearch,
    SobolSearch,
    Strategy,
    available_strategies,
    get_strategy_class,
    make_strategy,
    register,
)
from hpo.strategies.base import config_key


def test_registry_knows_the_builtin_strategies():
    assert {"grid", "random", "sobol"} <= set(available_strategies())
    assert get_strategy_class("grid") is GridSearch


def test_unknown_strategy_lists_known_ones():
    with pytest.raises(ValueError, match=r"unknown strategy 'nope'; known: \[.*'grid'.*'random'.*'sobol'"):
        make_strategy("nope", Space(x=Float(0, 1)))


def test_unknown_option_lists_the_options():
    with pytest.raises(ValueError, match=r"strategy 'grid' has no option 'resolutoin'; its options: .*resolution"):
        make_strategy("grid", Space(x=Float(0, 1)), options={"resolutoin": 3})


def test_instances_and_classes_are_accepted():
    space = Space(x=Float(0, 1))
    instance = RandomSearch(space, seed=0)
    assert make_strategy(instance, space) is instance
    assert isinstance(make_strategy(SobolSearch, space, seed=0), SobolSearch)
    with pytest.raises(ValueError, match="another space"):
        make_strategy(instance, Space(y=Float(0, 1)))


def test_register_rejects_a_clash_and_a_non_strategy():
    class Other(Strategy):
        name = "random"

    with pytest.raises(ValueError, match="registered already"):
        register(Other)
    with pytest.raises(TypeError):
        register(dict)  # type: ignore[arg-type]


def test_grid_covers_the_grid_once_in_a_seeded_order():
    space = Space(a=Float(0, 1), b=Categorical(["x", "y", "z"]))
    s1 = GridSearch(space, seed=0, resolution=4)
    s2 = GridSearch(space, seed=0, resolution=4)
    s3 = GridSearch(space, seed=1, resolution=4)
    c1 = [c.config for c in s1.ask(100)]
    assert len(c1) == 12 and s1.finished and s1.max_trials == 12
    assert c1 == [c.config for c in s2.ask(100)]
    assert c1 != [c.config for c in s3.ask(100)]
    assert sorted(map(config_key, c1)) == sorted(map(config_key, space.grid(resolution=4)))


def test_grid_declared_order_and_explicit_values():
    space = Space(a=Float(0, 1), b=Int(1, 3))
    s = GridSearch(space, order="declared", values={"a": [0.25, 0.75]})
    assert [c.config for c in s.ask(10)] == list(space.grid(values={"a": [0.25, 0.75]}))
    with pytest.raises(ValueError, match="order must be"):
        GridSearch(space, order="random")


def test_grid_too_large_is_a_clear_error():
    space = Space(**{f"x{i}": Float(0, 1) for i in range(10)})
    with pytest.raises(ValueError, match="over max_size"):
        GridSearch(space, resolution=10)


def test_random_search_is_log_uniform_on_log_dimensions():
    space = Space(lr=Float(1e-6, 1.0, log=True))
    s = RandomSearch(space, seed=0)
    values = np.array([c.config["lr"] for c in s.ask(2000)])
    u = (np.log(values) - np.log(1e-6)) / (np.log(1.0) - np.log(1e-6))
    assert stats.kstest(u, "uniform").pvalue > 0.01


def test_random_stream_does_not_depend_on_batch_sizes():
    space = Space(x=Float(0, 1), k=Int(1, 100))
    a = RandomSearch(space, seed=3)
    b = RandomSearch(space, seed=3)
    one_by_one = [a.ask(1)[0].config for _ in range(150)]
    batched = [c.config for n in (7, 64, 79) for c in b.ask(n)]
    assert one_by_one == batched


def test_sobol_fills_the_box_more_evenly_than_random():
    space = Space(x=Float(0, 1), y=Float(0, 1))
    n = 256
    sob = SobolSearch(space, seed=0).ask(n)
    rnd = RandomSearch(space, seed=0).ask(n)
    from scipy.stats import qmc

    disc_sobol = qmc.discrepancy(np.array([[c.config["x"], c.config["y"]] for c in sob]))
    disc_random = qmc.discrepancy(np.array([[c.config["x"], c.config["y"]] for c in rnd]))
    assert disc_sobol < disc_random / 3


def test_random_exhausts_a_finite_space_without_repeats():
    space = Space(a=Int(1, 5), b=Categorical([True, False, None]))
    s = RandomSearch(space, seed=0)
    configs = [c.config for c in s.ask(1000)]
    assert len(configs) == 15 and s.finished and s.max_trials == 15
    assert len(set(map(config_key, configs))) == 15


def test_mostly_finite_conditional_space_keeps_going_on_the_open_branch():
    space = Space(kernel=Categorical(["linear", "rbf"]), gamma=Float(1e-3, 1.0, log=True).when(kernel="rbf"))
    s = RandomSearch(space, seed=0)
    configs = [c.config for c in s.ask(50)]
    assert configs.count({"kernel": "linear"}) == 1
    assert len(configs) == 50 and not s.finished


@pytest.mark.parametrize("strategy", ["random", "sobol", "bayes", "auto", "coarse_to_fine"])
def test_true_and_1_are_two_configurations_to_every_strategy_that_never_repeats(strategy):
    import hpo

    space = Space(flag=Categorical([1, True, 0, False]), k=Categorical(["x", "y"]))
    with pytest.warns(UserWarning, match="Running 8 trials"):
        result = hpo.optimize(lambda c: 0.0, space, strategy, n_trials=20, seed=0)
    tried = {(type(t.config["flag"]), t.config["flag"], t.config["k"]) for t in result.trials}
    assert len(result) == 8 and len(tried) == 8
    assert config_key({"a": 1, "b": "x"}) == config_key({"b": "x", "a": 1})  # the names' order does not matter
    assert config_key({"flag": True}) != config_key({"flag": 1})
    assert config_key({"flag": np.bool_(False)}) == config_key({"flag": False}) != config_key({"flag": 0})
    # a stored study's packed values come back as lists and dicts (the analysis and `hpo show` key them too)
    assert config_key({"w": [1, {"b": 2, "a": True}]}) == config_key({"w": [1, {"a": True, "b": 2}]})
    assert config_key({"w": [1, True]}) != config_key({"w": [1, 1]}) != config_key({"w": (1, 1)})


def test_tell_refuses_an_ok_trial_without_a_loss_and_an_unknown_status():
    from hpo import Trial

    strategy = RandomSearch(Space(x=Float(0, 1)), seed=0)
    first, second = strategy.ask(2)
    with pytest.raises(ValueError, match=r"trial 0 is ok but its loss is None: .*Trial\(\.\.\., loss=value\)"):
        strategy.tell(Trial(0, first, "ok", value=0.5))
    with pytest.raises(ValueError, match=r"trial 1: status must be one of \['ok', 'failed', 'pruned'\], got 'done'"):
        strategy.tell(Trial(1, second, "done", value=0.5, loss=0.5))
    assert strategy.trials == [] and len(strategy.pending) == 2  # nothing recorded: both can still be told
    strategy.tell(Trial(0, first, "ok", value=0.5, loss=0.5))
    strategy.tell(Trial(1, second, "failed", error="ValueError: x"))
    assert [t.status for t in strategy.trials] == ["ok", "failed"]


def test_a_finite_space_is_counted_up_to_the_limit_only_and_a_larger_one_is_sampled_as_unbounded():
    from hpo.strategies.base import COUNT_LIMIT

    small = Space(a=Int(1, 50), b=Categorical(["x", "y"]))
    assert make_strategy("random", small, seed=0).space_size == 100
    # linked by ref() and conditions: counting means enumerating; past the limit the count is not needed
    big = Space(n=Int(1, 3), u0=Int(8, 512, log=True), u1=Int(8, ref("u0"), log=True).when(n=at_least(2)),
                u2=Int(8, ref("u1"), log=True).when(n=at_least(3)))
    strategy = make_strategy("random", big, seed=0)
    assert strategy.space_size is None and big.cardinality(max_size=COUNT_LIMIT) is None
    configs = [c.config for c in strategy.ask(30)]
    assert len({config_key(c) for c in configs}) == 30
