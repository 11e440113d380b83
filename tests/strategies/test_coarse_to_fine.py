"""Behaviour of the coarse-to-fine strategy (the shared battery is in test_conformance.py)."""

from __future__ import annotations

import math
import zlib
from itertools import count

import numpy as np
import pytest

from hpo import Categorical, Float, Int, Space, at_least, optimize, ref
from hpo.strategies import make_strategy
from hpo.strategies.base import config_key
from hpo.strategies.coarse_to_fine import CoarseToFine
from hpo.trial import FAILED, OK, Trial

from ..common import make_mlp_space


def smooth_space() -> Space:
    return Space(
        x=Float(-5.0, 5.0),
        lr=Float(1e-5, 1e-1, log=True),
        n=Int(1, 64, log=True),
        kind=Categorical(["a", "b", "c"]),
    )


def smooth_loss(config: dict) -> float:
    """Minimum 0 at x = 1.3, lr = 1e-3, n = 8, kind = "b"."""
    return ((config["x"] - 1.3) ** 2 / 10 + (math.log10(config["lr"]) + 3) ** 2 / 4
            + (math.log2(config["n"]) - 3) ** 2 / 36 + (config["kind"] != "b"))


def hashed_loss(config: dict) -> float:
    """A deterministic loss without structure (deceptive for any narrowing)."""
    return (zlib.crc32(repr(sorted(config.items(), key=lambda kv: kv[0])).encode()) % 10007) / 10007.0


def unit_width(space: Space, name: str, low: float, high: float) -> float:
    """The width of a numeric range on the dimension's own (log) unit scale."""
    dim = space[name]
    if dim.log:
        return (math.log(high) - math.log(low)) / (math.log(dim.high) - math.log(dim.low))
    return (high - low) / (dim.high - dim.low)


def run(strategy: CoarseToFine, objective, n_trials: int | None = None, **kw):
    return optimize(objective, strategy.space, strategy, n_trials=n_trials, **kw)


def tell(strategy, candidate, number: int, loss: float | None) -> None:
    status = OK if loss is not None else FAILED
    strategy.tell(Trial(number, candidate, status, value=loss, loss=loss, started=0.0, finished=0.0))


def in_ranges(space: Space, config: dict, ranges: dict, rel: float = 1e-9) -> bool:
    for name, value in config.items():
        r = ranges[name]
        if isinstance(space[name], Categorical):
            if value not in r:
                return False
        else:
            slack = rel * max(abs(r[0]), abs(r[1]), 1e-300)
            if not (r[0] - slack <= value <= r[1] + slack):
                return False
    return True


# ------------------------------------------------------------------ options
def test_options_reach_the_strategy_by_name():
    s = make_strategy("coarse_to_fine", smooth_space(), seed=0, options={"keep": 0.3, "margin": 0.0})
    assert isinstance(s, CoarseToFine) and s.keep == 0.3 and s.margin == 0.0


@pytest.mark.parametrize("options, message", [
    ({"keep": 0.0}, "keep .* got 0.0"), ({"keep": 1.5}, "keep .* got 1.5"), ({"keep": "half"}, "keep .* got 'half'"),
    ({"margin": -0.1}, "margin .* got -0.1"), ({"min_width": 0.0}, "min_width .* got 0.0"),
    ({"widen": 1.0}, "widen .* got 1.0"), ({"min_keep": 0}, "min_keep .* got 0"),
    ({"n_initial": 0}, "n_initial .* got 0"), ({"round_size": 2.5}, "round_size .* got 2.5"),
    ({"n_trials": 0}, "n_trials .* got 0"), ({"n_trials": True}, "n_trials .* got True"),
    ({"n_rounds": 3}, "n_rounds=3 needs n_trials"),
    ({"n_trials": 20, "n_rounds": 3, "round_size": 5}, "n_rounds or round_size, not both"),
    ({"n_trials": 10, "n_initial": 11}, "n_initial=11 is more than n_trials=10"),
    ({"n_trials": 12, "n_initial": 10, "n_rounds": 4}, "n_rounds=4 needs at least 3 trials after n_initial=10"),
    ({"sampler": "halton"}, "sampler .* got 'halton'"),
    ({"min_budget": 1}, "go together, got min_budget=1, max_budget=None"),
    ({"max_budget": 9}, "go together, got min_budget=None, max_budget=9"),
    ({"min_budget": 0, "max_budget": 9}, "min_budget .* got 0"),
    ({"min_budget": 9, "max_budget": 3}, "max_budget .* got 3"),
    ({"min_budget": 1, "max_budget": float("nan")}, "max_budget .* got nan"),
    ({"n_promote": 2}, "n_promote=2 needs min_budget and max_budget"),
    ({"min_budget": 1, "max_budget": 9, "n_promote": 0}, "n_promote .* got 0"),
])
def test_bad_options_are_errors_naming_the_option_and_value(options, message):
    with pytest.raises(ValueError, match=message):
        make_strategy("coarse_to_fine", smooth_space(), seed=0, options=options)


def test_unknown_option_is_rejected_by_the_registry():
    with pytest.raises(ValueError, match="has no option 'kep'"):
        make_strategy("coarse_to_fine", smooth_space(), options={"kep": 0.2})


# ------------------------------------------------------------------ narrowing
def test_ranges_shrink_around_the_best():
    space = smooth_space()
    s = CoarseToFine(space, seed=0)
    result = run(s, smooth_loss, 120)
    first, last = s.ranges_[0], s.ranges_[-1]
    assert first == {"x": (-5.0, 5.0), "lr": (1e-5, 1e-1), "n": (1, 64), "kind": ["a", "b", "c"]}
    assert len(s.ranges_) == len(s.rounds_) == 1 + math.ceil((120 - s.n_initial) / s.round_size)
    best = result.best_config
    assert in_ranges(space, best, last)
    narrowed = [r for r, info in zip(s.ranges_, s.rounds_) if info["action"] == "narrow"]
    assert narrowed[-1]["kind"] == ["b"]   # (a widening round gives every choice back)
    # the box closed in on the optimum (x = 1.3, lr = 1e-3, kind = "b") on every numeric scale
    assert unit_width(space, "x", *last["x"]) < 0.25
    assert unit_width(space, "lr", *last["lr"]) < 0.25
    assert last["x"][0] <= 1.3 <= last["x"][1] and last["lr"][0] <= 1e-3 <= last["lr"][1]
    assert result.best_value < 0.02
    # and far better than random search with the same trials
    random_best = [optimize(smooth_loss, space, "random", n_trials=120, seed=k).best_value for k in range(5)]
    assert result.best_value < min(random_best)


def test_widths_are_the_rounds_ranges_as_fractions_of_the_whole_space():
    space = smooth_space()
    s = CoarseToFine(space, seed=0)
    run(s, smooth_loss, 120)
    assert len(s.widths_) == len(s.ranges_)
    assert s.widths_[0] == {"x": 1.0, "lr": 1.0, "n": 1.0, "kind": 1.0}
    for ranges, widths in zip(s.ranges_, s.widths_):
        assert widths["x"] == pytest.approx(unit_width(space, "x", *ranges["x"]))
        assert widths["lr"] == pytest.approx(unit_width(space, "lr", *ranges["lr"]))  # on the log scale
        assert widths["kind"] == pytest.approx(len(ranges["kind"]) / 3)
        assert 0.0 < widths["n"] <= 1.0
    assert max(s.widths_[-1]["x"], s.widths_[-1]["lr"]) < 0.25


def test_numeric_ranges_span_the_kept_fraction_on_the_log_scale_with_the_margin():
    space = Space(lr=Float(1e-5, 1e-1, log=True), x=Float(0.0, 10.0))
    s = CoarseToFine(space, seed=1, n_initial=10, keep=0.3, min_keep=3, margin=0.5)
    batch = s.ask(10)
    losses = [abs(math.log10(c.config["lr"]) + 3) for c in batch]
    for i, (c, loss) in enumerate(zip(batch, losses)):
        tell(s, c, i, loss)
    s.ask(1)  # starts round 1
    elite = [batch[i].config for i in np.argsort(losses)[:3]]
    a = min(math.log10(c["lr"]) for c in elite)
    b = max(math.log10(c["lr"]) for c in elite)
    low, high = max(-5.0, a - 0.5 * (b - a)), min(-1.0, b + 0.5 * (b - a))
    got = s.ranges_[1]["lr"]
    assert math.log10(got[0]) == pytest.approx(low, abs=1e-9)
    assert math.log10(got[1]) == pytest.approx(high, abs=1e-9)
    xs = [c["x"] for c in elite]
    span = max(xs) - min(xs)
    assert s.ranges_[1]["x"] == pytest.approx((max(0.0, min(xs) - 0.5 * span), min(10.0, max(xs) + 0.5 * span)))
    assert s.rounds_[1]["action"] == "narrow"


@pytest.mark.parametrize("space_factory", [smooth_space, make_mlp_space])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_best_is_never_narrowed_away_and_candidates_stay_in_their_round_ranges(space_factory, seed):
    space = space_factory()
    s = CoarseToFine(space, seed=seed, n_initial=10, round_size=6)
    result = run(s, hashed_loss, 90)
    trials = result.trials
    assert len(s.ranges_) > 8
    for r in range(1, len(s.ranges_)):
        before = [t for t in trials if t.candidate.info["round"] < r]
        best = min(before, key=lambda t: (t.loss, t.number))
        assert in_ranges(space, best.config, s.ranges_[r]), f"round {r} lost the best {best.config}"
    for t in trials:  # every candidate lies inside the ranges of its round (dependent ranges included)
        assert in_ranges(space, t.config, s.ranges_[t.candidate.info["round"]]), t.config


def test_categoricals_keep_the_choices_among_the_best():
    space = Space(x=Float(0.0, 1.0), kind=Categorical(["a", "b", "c", "d"]))
    s = CoarseToFine(space, seed=3, n_initial=16, keep=0.25, min_keep=3)
    run(s, lambda c: {"a": 3, "b": 0, "c": 1, "d": 2}[c["kind"]] + c["x"] / 10, 17)
    assert s.ranges_[1]["kind"] == ["b"]   # the 4 best of 16 are all "b"
    s = CoarseToFine(space, seed=3, n_initial=16, keep=0.5, min_keep=3)
    run(s, lambda c: {"a": 3, "b": 0, "c": 1, "d": 2}[c["kind"]] + c["x"] / 10, 17)
    assert s.ranges_[1]["kind"] == ["b", "c"]  # the 8 best: "b" and "c"


def test_conditional_children_narrow_only_from_configurations_where_they_were_active():
    space = Space(solver=Categorical(["adam", "sgd"]), momentum=Float(0.0, 1.0).when(solver="sgd"),
                  x=Float(0.0, 1.0))

    def loss(config):  # adam always wins; among sgd runs, momentum 0.95 is best
        if config["solver"] == "adam":
            return config["x"] / 1000
        return 1.0 + (config["momentum"] - 0.95) ** 2 + config["x"] / 1000

    s = CoarseToFine(space, seed=0, n_initial=20, keep=0.1, min_keep=3)
    run(s, loss, 21)
    low, high = s.ranges_[1]["momentum"]
    # the inactive entries of the adam runs (the encoding's neutral 0.5) never drag the range down
    assert 0.6 < low < high and high > 0.85
    assert s.ranges_[1]["solver"] == ["adam"]


def test_a_child_never_active_keeps_its_range():
    space = Space(solver=Categorical(["adam", "sgd"]), momentum=Float(0.0, 1.0).when(solver="sgd"),
                  x=Float(0.0, 1.0))
    s = CoarseToFine(space, seed=0, n_initial=10)
    batch = s.ask(10)
    for i, c in enumerate(batch):
        tell(s, c, i, None if c.config["solver"] == "sgd" else c.config["x"])  # every sgd run fails
    s.ask(1)
    assert s.ranges_[1]["momentum"] == (0.0, 1.0)
    assert s.ranges_[1]["x"][1] < 1.0


def test_dependent_ranges_narrow_relative_to_their_parent_and_stay_valid():
    space = Space(
        n_layers=Int(1, 3),
        units_0=Int(8, 512, log=True),
        units_1=Int(8, ref("units_0"), log=True).when(n_layers=at_least(2)),
        units_2=Int(8, ref("units_1"), log=True).when(n_layers=at_least(3)),
    )

    def loss(config):  # two layers, units_1 as large as its parent allows, a middling units_0
        out = (math.log2(config["units_0"]) - 6) ** 2 + 10 * (config["n_layers"] != 2)
        if "units_1" in config:
            out += 4 * (math.log2(config["units_0"]) - math.log2(config["units_1"]))
        return out

    s = CoarseToFine(space, seed=0)
    result = run(s, loss, 100)
    for t in result.trials:
        space.validate(t.config)
    last = s.ranges_[-1]
    assert last["units_1"][1] <= last["units_0"][1]       # never above what its parent can be
    late = [t.config for t in result.trials[-30:] if "units_1" in t.config]
    assert late, "the last rounds still explore two or more layers"
    # narrowed on the relative scale: units_1 stays close to whatever units_0 is
    assert np.median([c["units_1"] / c["units_0"] for c in late]) > 0.8
    assert len({c["units_0"] for c in late}) > 1


# ------------------------------------------------------------------ widening
def test_a_round_without_improvement_widens_and_the_whole_space_narrows_again():
    space = smooth_space()
    calls = count()
    s = CoarseToFine(space, seed=0, n_initial=10, round_size=10, widen=2.0)
    run(s, lambda c: float(next(calls)), 150)   # every trial is worse than the first: nothing improves
    actions = [r["action"] for r in s.rounds_]
    assert actions[:3] == ["initial", "narrow", "widen"]
    for r in range(2, len(s.rounds_)):
        prev, cur = s.ranges_[r - 1], s.ranges_[r]
        if s.rounds_[r]["action"] == "widen":
            for name in ("x", "lr"):
                w0, w1 = unit_width(space, name, *prev[name]), unit_width(space, name, *cur[name])
                assert cur[name][0] <= prev[name][0] and cur[name][1] >= prev[name][1]
                assert w1 == pytest.approx(min(1.0, 2 * w0), rel=1e-6)
            assert cur["kind"] == ["a", "b", "c"]
        else:  # a stagnant round narrows only when the ranges were the whole space already
            assert prev == s.ranges_[0]
    assert "narrow" in actions[3:], "once widened to the whole space, the next stagnant round narrows"


def test_rounds_that_improve_keep_narrowing():
    calls = count()
    s = CoarseToFine(smooth_space(), seed=0, n_initial=10, round_size=10)
    run(s, lambda c: -float(next(calls)), 60)   # every trial beats the ones before
    assert [r["action"] for r in s.rounds_] == ["initial"] + ["narrow"] * 5


def test_a_round_of_failures_widens():
    s = CoarseToFine(smooth_space(), seed=0, n_initial=10, round_size=5)
    number = 0
    for c in s.ask(10):
        tell(s, c, number, smooth_loss(c.config))
        number += 1
    for c in s.ask(5):
        tell(s, c, number, None)
        number += 1
    s.ask(1)
    assert [r["action"] for r in s.rounds_] == ["initial", "narrow", "widen"]


def test_ranges_never_get_narrower_than_min_width():
    space = Space(x=Float(0.0, 100.0), y=Float(1e-6, 1.0, log=True))
    s = CoarseToFine(space, seed=0, min_width=0.05)
    run(s, lambda c: (c["x"] - 0.0) ** 2 + abs(math.log10(c["y"])), 100)
    for ranges in s.ranges_:
        assert unit_width(space, "x", *ranges["x"]) >= 0.05 - 1e-9
        assert unit_width(space, "y", *ranges["y"]) >= 0.05 - 1e-6
    assert s.ranges_[-1]["x"][0] == 0.0   # at the edge: shifted inside the space, not cut


# ------------------------------------------------------------------ rounds, n_trials, seeds
def test_n_trials_plans_the_rounds_and_ends_the_search():
    s = CoarseToFine(smooth_space(), seed=0, n_trials=37)
    assert s.max_trials == 37 and s.n_initial == 10 and s.n_rounds == 4
    result = run(s, smooth_loss)                      # the engine needs no n_trials of its own
    assert len(result.trials) == 37 and s.finished and s.ask(2) == []
    assert [r["size"] for r in s.rounds_] == [10, 9, 9, 9]
    rounds = [t.candidate.info["round"] for t in result.trials]
    assert rounds == sorted(rounds) and [rounds.count(r) for r in range(4)] == [10, 9, 9, 9]
    # the engine's own n_trials still stops it earlier
    assert len(run(CoarseToFine(smooth_space(), seed=0, n_trials=37), smooth_loss, 20).trials) == 20


def test_by_name_under_optimize_the_rounds_end_at_the_searchs_n_trials():
    result = optimize(smooth_loss, smooth_space(), "coarse_to_fine", n_trials=37, seed=0)
    s = result.strategy_instance
    assert s.n_trials == 37 and s.max_trials == 37 and s.finished
    assert [r["size"] for r in s.rounds_] == [10, 9, 9, 9]           # the last round ends at trial 37
    assert len(result.trials) == 37 and result.trials[-1].candidate.info["round"] == 3 == s.n_rounds - 1
    # with budgets, the planned last round runs at max_budget, so the chosen best is scored there
    budgeted = optimize(budget_loss, smooth_space(), "coarse_to_fine", n_trials=40, seed=0,
                        strategy_options={"min_budget": 3, "max_budget": 27})
    assert budgeted.strategy_instance.n_trials == 40 and len(budgeted.trials) == 40
    assert budgeted.trials[-1].budget == 27 and budgeted.best_trial.budget == 27


def test_explicit_options_win_over_the_searchs_n_trials():
    own = optimize(smooth_loss, smooth_space(), "coarse_to_fine", n_trials=37, seed=0,
                   strategy_options={"n_trials": 20})
    assert own.strategy_instance.n_trials == 20 and len(own.trials) == 20
    rounds = optimize(smooth_loss, smooth_space(), "coarse_to_fine", n_trials=30, seed=0,
                      strategy_options={"n_rounds": 5})
    assert [r["size"] for r in rounds.strategy_instance.rounds_] == [10, 5, 5, 5, 5]
    # an n_initial larger than the search: rounds without plan (as before), cut by the search's n_trials
    big_start = optimize(smooth_loss, smooth_space(), "coarse_to_fine", n_trials=8, seed=0,
                         strategy_options={"n_initial": 12})
    assert big_start.strategy_instance.n_trials is None and len(big_start.trials) == 8
    # an instance is used as built
    instance = CoarseToFine(smooth_space(), seed=0)
    assert optimize(smooth_loss, instance.space, instance, n_trials=15).strategy_instance.n_trials is None


def test_planned_and_open_ended_searches_agree_on_their_common_prefix():
    planned = run(CoarseToFine(smooth_space(), seed=5, n_trials=60), smooth_loss)
    open_ended = run(CoarseToFine(smooth_space(), seed=5), smooth_loss, 60)
    assert [t.config for t in planned.trials] == [t.config for t in open_ended.trials]


def test_same_seed_same_trials_with_one_worker_or_two():
    space = smooth_space()
    one = run(CoarseToFine(space, seed=4), smooth_loss, 45)
    two = run(CoarseToFine(space, seed=4), smooth_loss, 45, n_jobs=2, backend="threads")
    assert [t.config for t in one.trials] == [t.config for t in two.trials]
    other = run(CoarseToFine(space, seed=5), smooth_loss, 45)
    assert [t.config for t in one.trials] != [t.config for t in other.trials]


def test_a_round_waits_for_its_pending_candidates():
    s = CoarseToFine(smooth_space(), seed=0, n_initial=10, round_size=10)
    first = s.ask(8)
    rest = s.ask(8)
    assert len(first) == 8 and len(rest) == 2      # round 0 holds 10
    assert s.ask(3) == []                           # round 1 needs round 0's results
    for i, c in enumerate(first + rest):
        if i < 9:
            tell(s, c, i, smooth_loss(c.config))
    assert s.ask(3) == []
    tell(s, rest[-1], 9, 0.5)
    nxt = s.ask(3)
    assert len(nxt) == 3 and all(c.info["round"] == 1 for c in nxt)


def test_random_sampler_works_and_differs_from_sobol():
    space = smooth_space()
    a = run(CoarseToFine(space, seed=0, sampler="random"), smooth_loss, 40)
    b = run(CoarseToFine(space, seed=0), smooth_loss, 40)
    assert [t.config for t in a.trials] != [t.config for t in b.trials]
    assert a.best_value < 1.5


def test_a_finite_space_is_covered_once_even_when_the_box_runs_dry():
    space = Space(k=Int(1, 5), kind=Categorical(["a", "b", "c"]))
    s = CoarseToFine(space, seed=0, n_initial=4, round_size=3)
    assert s.max_trials == 15
    result = run(s, lambda c: c["k"] + (c["kind"] != "a"), 100)
    keys = [config_key(t.config) for t in result.trials]
    assert len(keys) == len(set(keys)) == 15 and s.finished


# ------------------------------------------------------------------ budgets
def test_without_budget_options_every_candidate_has_the_full_budget():
    result = run(CoarseToFine(smooth_space(), seed=0), smooth_loss, 30)   # objective takes no budget
    assert all(t.budget is None for t in result.trials)


def budget_loss(config: dict, budget: int) -> float:
    """Lower with more budget; the low budget ranks configurations like the full one (plus noise)."""
    noise = (zlib.crc32(repr(sorted(config.items())).encode()) % 1000) / 1000 * 0.05  # not hash(): seeded per process
    return smooth_loss(config) + 1.0 / budget + noise


def test_planned_budgets_reduced_rounds_promotions_and_a_full_final_round():
    space = smooth_space()
    s = CoarseToFine(space, seed=0, n_trials=60, min_budget=3, max_budget=27, n_promote=2)
    result = run(s, budget_loss)
    trials = result.trials
    assert len(trials) == 60
    assert all(type(t.budget) is int and t.budget in (3, 27) for t in trials)
    final = len(s.rounds_) - 1
    for t in trials:
        r, promoted = t.candidate.info["round"], t.candidate.info.get("promoted", False)
        assert t.budget == (27 if promoted or r == final else 3)
    assert all(t.budget == 27 for t in trials if t.candidate.info["round"] == final)
    assert sum(t.candidate.info["round"] == final and not t.candidate.info.get("promoted") for t in trials) > 0
    # a configuration reaches the full budget only after it was scored at the reduced one, and only once
    seen: dict = {}
    for t in trials:
        seen.setdefault(config_key(t.config), []).append(t.budget)
    assert all(b == sorted(set(b)) for b in seen.values())
    promoted = [t for t in trials if t.candidate.info.get("promoted")]
    assert promoted and all(seen[config_key(t.config)][0] == 3 for t in promoted)
    # the best at the reduced budget was re-scored at the full budget; the chosen best is at the full budget
    best_low = min((t for t in trials if t.budget == 3), key=lambda t: t.loss)
    assert 27 in seen[config_key(best_low.config)]
    assert result.best_trial.budget == 27
    assert result.best_value == min(t.value for t in trials if t.budget == 27)


def test_open_ended_budgets_promote_each_rounds_new_best_before_the_next_round():
    space = smooth_space()
    s = CoarseToFine(space, seed=1, min_budget=1, max_budget=10, n_promote=1)
    result = run(s, budget_loss, 70)
    trials = result.trials
    rounds = [t.candidate.info["round"] for t in trials]
    assert rounds == sorted(rounds)
    assert all(t.budget == (10 if t.candidate.info.get("promoted") else 1) for t in trials)
    for r in range(len(s.rounds_) - 1):
        low = [t for t in trials if t.budget == 1 and t.candidate.info["round"] <= r]
        best = min(low, key=lambda t: (t.loss, t.number))
        full = [t for t in trials if t.budget == 10 and t.candidate.info["round"] <= r]
        assert config_key(best.config) in {config_key(t.config) for t in full}, f"round {r}"
    assert result.best_trial.budget == 10
    # ranges narrow from the reduced-budget results only: the full-budget losses (all lower) count not
    assert s.best_loss_ == min(t.loss for t in trials if t.budget == 1)
