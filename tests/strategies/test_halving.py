"""Successive halving, Hyperband and ASHA: rungs, promotions, brackets, asynchrony, the sampler hook."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np
import pytest

from hpo import Categorical, Float, Int, Space, optimize
from hpo.strategies import RandomSearch, make_strategy
from hpo.strategies.base import config_key
from hpo.strategies.halving import ASHA, Hyperband, SuccessiveHalving, rung_budgets
from hpo.trial import FAILED, OK, Trial


def space() -> Space:
    return Space(x=Float(0.0, 1.0), y=Float(1e-3, 1.0, log=True), k=Categorical(["a", "b", "c"]))


def base_loss(config: dict) -> float:
    return (config["x"] - 0.3) ** 2 + abs(math.log10(config["y"]) + 1.5) / 10 + {"a": 0, "b": 0.05, "c": 0.1}[config["k"]]


def tell(strategy, candidate, number, loss=None, status=OK) -> Trial:
    if loss is None and status == OK:
        loss = base_loss(candidate.config)
    trial = Trial(number, candidate, status, value=loss, loss=loss if status == OK else None)
    strategy.tell(trial)
    return trial


def run_sequential(strategy, loss=lambda c, b: base_loss(c), limit=10_000):
    """Ask one, tell one: the trials in order, as (config, budget, info, loss)."""
    out = []
    while not strategy.finished and len(out) < limit:
        (c,) = strategy.ask(1)
        value = loss(c.config, c.budget)
        tell(strategy, c, len(out), value)
        out.append((c.config, c.budget, dict(c.info), value))
    return out


# ----------------------------------------------------------------- rung budgets
@pytest.mark.parametrize("low, high, eta, want", [
    (1, 81, 3, [1, 3, 9, 27, 81]),
    (1, 80, 3, [3, 9, 27, 80]),           # anchored at the top: 80/81 < 1, so 4 rungs
    (5, 200, 3, [7, 22, 67, 200]),
    (1, 50, 3, [2, 6, 17, 50]),
    (2, 32, 2, [2, 4, 8, 16, 32]),
    (7, 7, 3, [7]),
    (1, 2, 3, [2]),
])
def test_rung_budgets_are_anchored_at_max_budget(low, high, eta, want):
    assert rung_budgets(low, high, eta) == want
    assert all(type(b) is int for b in want)


def test_rung_budgets_of_floats():
    got = rung_budgets(0.1, 1.0, 3)
    assert got[-1] == 1.0 and all(isinstance(b, float) for b in got)
    assert np.allclose(got, [1 / 9, 1 / 3, 1.0])


@pytest.mark.parametrize("bad, match", [((0, 9, 3), "min_budget"), ((1, 9, 1), "eta"), ((9, 1, 3), "larger"),
                                        ((1, math.inf, 3), "max_budget"), ((1, 9, True), "eta")])
def test_rung_budgets_reject_bad_ranges(bad, match):
    with pytest.raises(ValueError, match=match):
        rung_budgets(*bad)


# ----------------------------------------------------------------- successive halving
def test_halving_rungs_follow_eta_and_promote_the_top_third():
    strategy = SuccessiveHalving(space(), seed=0)  # budgets 1..81, eta 3
    assert strategy.rungs == [1, 3, 9, 27, 81] and strategy.sizes == [81, 27, 9, 3, 1]
    assert strategy.max_trials == 121
    trials = run_sequential(strategy)
    assert strategy.finished and len(trials) == 121 and strategy.ask(1) == []
    by_rung = defaultdict(list)
    for config, budget, info, loss in trials:
        by_rung[info["rung"]].append((loss, config_key(config), budget))
    assert [len(by_rung[r]) for r in range(5)] == [81, 27, 9, 3, 1]
    for r in range(5):
        assert {b for _, _, b in by_rung[r]} == {[1, 3, 9, 27, 81][r]}
    for r in range(4):  # the next rung holds exactly the best ceil(n/3) of this one
        best = sorted(by_rung[r])[: math.ceil(len(by_rung[r]) / 3)]
        assert {k for _, k, _ in best} == {k for _, k, _ in by_rung[r + 1]}
    assert len({k for _, k, _ in by_rung[0]}) == 81


def test_halving_best_is_chosen_only_at_the_largest_budget():
    def loss(config, budget):  # a small budget flatters: every budget-9 loss beats every budget-81 one
        return base_loss(config) - (10.0 if budget == 9 else 0.0)

    result = optimize(loss, space(), "halving", seed=1, strategy_options={"n_candidates": 9})
    assert len(result.trials) == 9 + 3 + 1
    assert min(t.loss for t in result.trials) < -5
    assert result.best_trial.budget == 81 and result.best_value > 0


def test_halving_with_fewer_candidates_starts_at_a_larger_budget():
    strategy = SuccessiveHalving(space(), seed=0, n_candidates=9)
    assert strategy.rungs == [9, 27, 81] and strategy.sizes == [9, 3, 1]


def test_halving_with_more_candidates_keeps_several_at_the_top_or_eliminates_aggressively():
    plain = SuccessiveHalving(space(), seed=0, min_budget=1, max_budget=27, n_candidates=200)
    assert plain.rungs == [1, 3, 9, 27] and plain.sizes == [200, 67, 23, 8]
    aggressive = SuccessiveHalving(space(), seed=0, min_budget=1, max_budget=27, n_candidates=200, aggressive=True)
    assert aggressive.rungs == [1, 1, 3, 9, 27] and aggressive.sizes == [200, 67, 23, 8, 3]
    trials = run_sequential(aggressive)
    assert Counter(info["rung"] for _, _, info, _ in trials) == {0: 200, 1: 67, 2: 23, 3: 8, 4: 3}
    assert [b for _, b, info, _ in trials if info["rung"] == 1] == [1] * 67


def test_halving_waits_for_its_rung_and_is_told_in_any_order():
    strategy = SuccessiveHalving(space(), seed=2, n_candidates=9)
    first = strategy.ask(20)
    assert len(first) == 9 and {c.budget for c in first} == {9}
    assert strategy.ask(3) == [], "a synchronous rung waits for its last trial"
    for number, c in reversed(list(enumerate(first))):
        tell(strategy, c, number)
    second = strategy.ask(5)
    best = sorted(first, key=lambda c: base_loss(c.config))[:3]
    assert [c.config for c in second] == [c.config for c in best], "promoted in order of loss"
    assert {c.budget for c in second} == {27}


def test_failed_candidates_are_never_promoted():
    strategy = SuccessiveHalving(space(), seed=3, n_candidates=9)
    first = strategy.ask(9)
    for number, c in enumerate(first):  # only two succeed: ceil(9/3) = 3 places, 2 promoted
        tell(strategy, c, number, status=OK if number in (4, 7) else FAILED)
    second = strategy.ask(9)
    assert [c.config for c in second] == sorted([first[4].config, first[7].config], key=base_loss)
    for number, c in enumerate(second):
        tell(strategy, c, 9 + number, status=FAILED)
    assert strategy.finished and strategy.ask(1) == []


def test_halving_on_a_finite_space_plans_with_what_there_is():
    finite = Space(k=Categorical(list("abcde")), j=Int(1, 2))  # 10 configurations
    strategy = SuccessiveHalving(finite, seed=0)
    assert strategy.sizes[0] == 10 and strategy.max_trials == sum(strategy.sizes)
    trials = run_sequential(strategy, loss=lambda c, b: "abcde".index(c["k"]) + c["j"] / 10)
    assert len({config_key(c) for c, _, info, _ in trials if info["rung"] == 0}) == 10
    assert len(trials) == strategy.max_trials and trials[-1][1] == 81


# ----------------------------------------------------------------- hyperband
def test_hyperband_brackets_trade_many_small_against_few_large():
    strategy = Hyperband(space(), seed=0, n_brackets=5)
    plans = [strategy.bracket_plan(i) for i in range(6)]
    assert plans[:5] == [([1, 3, 9, 27, 81], 81), ([3, 9, 27, 81], 34), ([9, 27, 81], 15), ([27, 81], 8), ([81], 5)]
    assert plans[5] == plans[0], "brackets cycle"
    trials = run_sequential(strategy)
    assert strategy.finished
    sizes = defaultdict(Counter)
    for _, budget, info, _ in trials:
        sizes[info["bracket"]][budget] += 1
    assert sizes[0] == {1: 81, 3: 27, 9: 9, 27: 3, 81: 1}
    assert sizes[1] == {3: 34, 9: 11, 27: 3, 81: 1}
    assert sizes[2] == {9: 15, 27: 5, 81: 1}
    assert sizes[3] == {27: 8, 81: 2}
    assert sizes[4] == {81: 5}
    assert len(trials) == strategy.max_trials == 121 + 49 + 21 + 10 + 5
    configs = [config_key(c) for c, _, info, _ in trials if info["rung"] == 0]
    assert len(configs) == len(set(configs)) == 81 + 34 + 15 + 8 + 5, "fresh configurations in every bracket"


def test_hyperband_starts_the_next_bracket_instead_of_waiting():
    strategy = Hyperband(space(), seed=0)
    first = strategy.ask(81)
    for number, c in enumerate(first[:-1]):
        tell(strategy, c, number)
    more = strategy.ask(4)  # bracket 0 waits for its last rung-0 trial: bracket 1 starts
    assert len(more) == 4 and {c.budget for c in more} == {3} and {c.info["bracket"] for c in more} == {1}
    tell(strategy, first[-1], 80)
    promoted = strategy.ask(2)
    assert {c.info["bracket"] for c in promoted} == {0} and {c.budget for c in promoted} == {3}


def test_hyperband_cycles_until_stopped():
    result = optimize(lambda c, b: base_loss(c), space(), "hyperband", n_trials=300, seed=4)
    assert len(result.trials) == 300
    assert {t.candidate.info["bracket"] for t in result.trials} == {0, 1, 2, 3, 4, 5}  # 206 trials a cycle
    assert result.best_trial.budget == 81


# ----------------------------------------------------------------- ASHA
def test_asha_promotes_the_top_of_finished_trials_without_waiting():
    strategy = ASHA(space(), seed=0)
    finished = defaultdict(list)  # rung -> [(loss, key)]
    promoted = defaultdict(set)
    for number in range(400):
        (c,) = strategy.ask(1)
        rung, key = c.info["rung"], config_key(c.config)
        if rung > 0:  # a promotion: among the top floor(n/eta) finished at the rung below, not promoted before
            below = sorted(finished[rung - 1])
            top = {k for _, k in below[: len(below) // 3]}
            assert key in top and key not in promoted[rung - 1]
            promoted[rung - 1].add(key)
        loss = base_loss(c.config) + 1.0 / c.budget
        tell(strategy, c, number, loss)
        finished[rung].append((loss, key))
    counts = {r: len(v) for r, v in finished.items()}
    assert set(counts) == {0, 1, 2, 3, 4}
    assert counts[0] > counts[1] > counts[2] > counts[3] >= counts[4] >= 1
    # (ASHA may promote more than n/eta in all: a promoted configuration can later drop out of the top)


def test_asha_always_has_work_for_a_free_worker():
    strategy = ASHA(space(), seed=1)
    running = strategy.ask(8)
    number = 0
    for _ in range(200):  # eight workers; one finishes, a new candidate is ready at once
        c = running.pop(0)
        tell(strategy, c, number)
        number += 1
        nxt = strategy.ask(1)
        assert len(nxt) == 1
        running += nxt
    assert max(t.candidate.info["rung"] for t in strategy.trials) >= 2, "promotions happened while busy"


@pytest.mark.parametrize("sampler", ["auto", "random"])
@pytest.mark.parametrize("seed", [0, 2])
def test_asha_with_max_candidates_ends(sampler, seed):
    """27 configurations start; before the end the top third of every rung has gone up (ASHA promotes a
    configuration that is in the top third of its rung *so far*, so a sampler whose proposals improve,
    as the default model-based one, promotes more than a third)."""
    strategy = ASHA(space(), seed=seed, max_candidates=27, min_budget=1, max_budget=27, sampler=sampler)
    assert strategy.max_trials == 27 * 4
    trials = run_sequential(strategy)
    assert strategy.finished and strategy.ask(1) == []
    rungs = Counter(info["rung"] for _, _, info, _ in trials)
    assert rungs[0] == 27 and rungs[3] >= 1
    for k in range(3):
        assert rungs[k] // 3 <= rungs[k + 1] <= rungs[k], rungs
    if (sampler, seed) == ("random", 2):  # random draws whose results arrive in an order that promotes exactly a third
        assert [rungs[k] for k in range(4)] == [27, 9, 3, 1]


@pytest.mark.parametrize("n_trials", [2, 5, 11, 60])
@pytest.mark.parametrize("choices", [["only"], ["a", "b", "c"], ["a", "b", "c", "d", "e", "f"]])
def test_asha_on_a_finite_space_still_ends_at_the_full_budget(choices, n_trials):
    """With no configuration left to start and no rung full enough for the rule, ASHA takes the best one
    up rung by rung (as its n_trials promises), rather than ending with a low-budget best."""
    result = optimize(lambda c, budget: 1.0 / budget + 0.01 * choices.index(c["c"]), Space(c=Categorical(choices)),
                      "asha", n_trials=n_trials, seed=0, strategy_options={"min_budget": 1, "max_budget": 27})
    assert result.best_trial.budget == 27, [t.budget for t in result.trials]
    assert len(result) <= n_trials
    if n_trials >= 3 * len(choices):  # room to start every configuration: the best is the full-budget one
        assert result.best_trial.config == {"c": choices[0]}


def test_asha_with_max_candidates_that_the_rule_leaves_below_the_top_still_reaches_it():
    strategy = ASHA(space(), seed=0, max_candidates=2, min_budget=1, max_budget=27)
    trials = run_sequential(strategy)  # two configurations: floor(2 / 3) = 0 promotions by the rule
    assert strategy.finished and [info["rung"] for _, _, info, _ in trials] == [0, 0, 1, 2, 3]


def test_same_seed_same_trials_with_two_threads():
    runs = [optimize(lambda c, b: base_loss(c) + 1 / b, space(), name, n_trials=60, seed=5, n_jobs=2,
                     backend="threads") for name in ("asha", "asha")]
    assert [(t.config, t.budget) for t in runs[0].trials] == [(t.config, t.budget) for t in runs[1].trials]


def test_halving_gives_the_same_trials_for_any_batch_size():
    def trials_of(batch):
        strategy = SuccessiveHalving(space(), seed=6, n_candidates=27)
        out, number = [], 0
        while not strategy.finished:
            got = strategy.ask(batch)
            for c in got:
                tell(strategy, c, number)
                number += 1
                out.append((config_key(c.config), c.budget))
        return out

    assert trials_of(1) == trials_of(4) == trials_of(50)


# ----------------------------------------------------------------- the sampler hook
class RecordingSampler(RandomSearch):
    """A random sampler that records what it is told and observes (a budget-aware sampler's hooks)."""

    name = "recording"

    def __init__(self, space, *, seed=None):
        super().__init__(space, seed=seed)
        self.told, self.observed = [], []

    def _tell(self, trial):
        self.told.append((config_key(trial.config), trial.budget))

    def observe(self, trial):
        assert trial.candidate.id not in self.pending
        self.observed.append((config_key(trial.config), trial.budget))


@pytest.mark.parametrize("cls", [SuccessiveHalving, Hyperband, ASHA])
def test_the_sampler_is_told_each_first_trial_and_observes_the_promotions(cls):
    strategy = cls(space(), seed=0, min_budget=1, max_budget=9, sampler=RecordingSampler)
    trials = run_sequential(strategy, limit=60)
    sampler = strategy.sampler
    assert not sampler.pending, "every configuration's first trial was told"
    firsts, laters = {}, []
    for config, budget, _, _ in trials:
        key = config_key(config)
        if key in firsts:
            laters.append((key, budget))
        else:
            firsts[key] = budget
    assert sampler.told == list(firsts.items())
    assert sampler.observed == laters and laters


def test_the_sampler_can_be_any_registered_strategy():
    a = optimize(lambda c, b: base_loss(c), space(), "hyperband", n_trials=40, seed=0,
                 strategy_options={"sampler": "sobol"})
    b = optimize(lambda c, b: base_loss(c), space(), "hyperband", n_trials=40, seed=0)
    assert [t.config for t in a.trials] != [t.config for t in b.trials]
    with pytest.raises(ValueError, match="unknown strategy"):
        make_strategy("halving", space(), options={"sampler": "nope"})


# ----------------------------------------------------------------- plans sized to n_trials
@pytest.mark.parametrize("n_trials", [1, 2, 3, 4, 5, 7, 10, 13, 25, 40, 41, 60, 121, 200])
def test_halving_sizes_its_plan_to_end_at_max_budget_within_n_trials(n_trials):
    strategy = SuccessiveHalving(space(), seed=0, n_trials=n_trials)  # budgets 1..81
    assert strategy.rungs[-1] == 81 and sum(strategy.sizes) == strategy.max_trials <= n_trials
    assert strategy.sizes[-1] >= 1
    trials = run_sequential(strategy)
    assert len(trials) <= n_trials and trials[-1][1] == 81
    if n_trials >= 121:
        assert strategy.sizes == [81, 27, 9, 3, 1], "a plan that fits is left as it is"


@pytest.mark.parametrize("name", ["hyperband", "asha"])
@pytest.mark.parametrize("n_trials", [1, 2, 3, 4, 5, 6, 9, 17, 30, 50, 121, 150])
@pytest.mark.parametrize("n_jobs", [1, 3])
def test_the_search_reaches_max_budget_within_n_trials(name, n_trials, n_jobs):
    result = optimize(lambda c, b: base_loss(c) + 1 / b, space(), name, n_trials=n_trials, seed=n_trials,
                      n_jobs=n_jobs, backend="threads")
    assert len(result.trials) <= n_trials
    assert result.best_trial.budget == 81
    if name == "asha":
        assert len(result.trials) == n_trials, "asha uses every trial"


def test_asha_reaches_max_budget_although_its_first_climber_fails():
    fails = set()

    def objective(config, budget):
        if budget == 27 and not fails:  # the first configuration to reach rung 3 fails there
            fails.add(config_key(config))
        if config_key(config) in fails:
            raise RuntimeError("out of memory")
        return base_loss(config) + 1 / budget

    result = optimize(objective, space(), "asha", n_trials=40, seed=0)
    assert any(t.status == FAILED for t in result.trials) and result.best_trial.budget == 81


def test_hyperband_opens_only_brackets_that_fit():
    strategy = Hyperband(space(), seed=0, n_trials=150)  # the first bracket (81 at budget 1) costs 121
    trials = run_sequential(strategy)
    assert strategy.finished and len(trials) <= 150
    brackets = Counter(info["bracket"] for _, _, info, _ in trials)
    assert brackets[0] == 121 and set(brackets) == {0, 1}
    last = [budget for _, budget, info, _ in trials if info["bracket"] == 1]
    assert last[-1] == 81


def test_the_search_tells_only_strategies_that_plan_their_n_trials():
    from hpo.strategies import plan_options

    assert plan_options("asha", None, 30) == {"n_trials": 30}
    assert plan_options("halving", {"n_trials": 10, "eta": 2}, 30) == {"n_trials": 10, "eta": 2}
    assert plan_options("random", {"x": 1}, 30) == {"x": 1}
    assert plan_options("hyperband", None, None) is None
    result = optimize(lambda c, b: base_loss(c), space(), "halving", n_trials=25, seed=0)
    assert result.strategy_instance.n_trials == 25 and result.best_trial.budget == 81


def test_bad_options_are_errors():
    with pytest.raises(ValueError, match="n_candidates"):
        SuccessiveHalving(space(), n_candidates=0)
    with pytest.raises(ValueError, match="aggressive"):
        SuccessiveHalving(space(), aggressive="yes")
    with pytest.raises(ValueError, match="n_brackets"):
        Hyperband(space(), n_brackets=0)
    with pytest.raises(ValueError, match="max_candidates"):
        ASHA(space(), max_candidates=-1)
    for cls in (SuccessiveHalving, Hyperband, ASHA):
        with pytest.raises(ValueError, match="n_trials"):
            cls(space(), n_trials=0)


def test_benchmark_contenders_spend_the_problems_budget_range():
    from hpo.benchmarking import make_contender
    from hpo.benchmarking.problem import Problem

    seen = []

    def objective(config, budget=None):
        seen.append(budget)
        return base_loss(config) + (0.0 if budget is None else 1.0 / budget)

    problem = Problem(name="toy", space=space(), objective=objective, min_budget=2.0, max_budget=50.0,
                      kind="multifidelity")
    trace = make_contender("hyperband").run(problem, 60, seed=0)
    assert len(trace.budgets) == 60 and set(trace.budgets) <= {2, 6, 17, 50} and 50 in trace.budgets
    assert seen == trace.budgets
    plain = make_contender("random").run(problem, 5, seed=0)
    assert plain.budgets == [None] * 5


@pytest.mark.parametrize("name", ["halving", "hyperband", "asha"])
def test_a_multifidelity_strategy_and_its_result_pickle(name):
    import pickle

    result = optimize(lambda c, b: base_loss(c) + 1 / b, space(), name, n_trials=12, seed=0)
    again = pickle.loads(pickle.dumps(result))
    assert [t.config for t in again.trials] == [t.config for t in result.trials]
    strategy = pickle.loads(pickle.dumps(make_strategy(name, space(), seed=0)))
    assert len(strategy.ask(2)) == 2


@pytest.mark.parametrize("name", ["halving", "hyperband", "asha"])
def test_a_finite_space_that_ends_a_multifidelity_search_early_is_warned_about(name):
    small = Space(a=Categorical(["x", "y"]), b=Categorical([1, 2, 3, 4]))
    with pytest.warns(UserWarning, match=rf"strategy '{name}' finished after \d+ of n_trials=40 trials: its space is "
                                         "finite"):
        result = optimize(lambda c, b: 1 / b, small, name, n_trials=40, seed=0,
                          strategy_options={"min_budget": 1, "max_budget": 9})
    assert len(result) < 40 and result.best_trial.budget == 9


@pytest.mark.parametrize("strategy", ["hyperband", "asha", "median", "coarse_to_fine"])
def test_a_strategy_without_end_needs_n_trials_or_timeout(strategy):
    # hyperband and asha (and coarse_to_fine's open-ended rounds) were let run with n_trials=None: for ever
    ran = []
    options = {"min_budget": 1, "max_budget": 9} if strategy in ("hyperband", "asha") else None
    with pytest.raises(ValueError, match=f"strategy '{strategy}' never runs out of candidates"):
        optimize(lambda c, budget=None: ran.append(c) or c["x"], Space(x=Float(0, 1)), strategy, n_trials=None,
                 seed=0, strategy_options=options)
    assert ran == []


@pytest.mark.parametrize("strategy, options", [("hyperband", {"n_brackets": 2}), ("asha", {"max_candidates": 5}),
                                               ("halving", {})])
def test_a_finite_plan_or_space_runs_without_n_trials(strategy, options):
    plan = {"min_budget": 1, "max_budget": 9, **options}
    result = optimize(lambda c, budget: c["x"] + 1 / budget, Space(x=Float(0, 1)), strategy, n_trials=None, seed=0,
                      strategy_options=plan)
    assert result.best_trial.budget == 9
    finite = optimize(lambda c, budget: c["k"] + 1 / budget, Space(k=Int(0, 3)), strategy, n_trials=None, seed=0,
                      strategy_options={"min_budget": 1, "max_budget": 9})
    assert {t.config["k"] for t in finite.trials} <= {0, 1, 2, 3} and finite.best_trial.budget == 9


class FiveThenDone(RandomSearch):
    """A user's sampler that says when it is done (its own ``finished``), with no known ``max_trials``."""

    drawn = 0

    def _ask(self, n):
        out = super()._ask(min(n, 5 - self.drawn))
        self.drawn += len(out)
        return out

    @property
    def finished(self) -> bool:
        return self.drawn >= 5


@pytest.mark.parametrize("strategy", ["hyperband", "asha", "median"])
def test_a_sampler_that_ends_by_itself_ends_the_search_without_n_trials(strategy):
    # multi-fidelity strategies asked the sampler's max_trials (None here): "never runs out of candidates"
    options = {"sampler": FiveThenDone, "max_budget": 9, **({} if strategy == "median" else {"min_budget": 1})}
    result = optimize(lambda c, budget: c["x"] + 1 / budget, Space(x=Float(0, 1)), strategy, n_trials=None, seed=0,
                      strategy_options=options)
    assert len({config_key(t.config) for t in result.trials}) == 5


def test_a_search_failing_at_its_small_budgets_says_so():
    import hpo

    with pytest.raises(hpo.AllTrialsFailedError, match="every trial ran at budget 1: a multi-fidelity search starts "
                                                        "small"):
        optimize(lambda c, budget: math.nan if budget < 9 else c["x"], Space(x=Float(0, 1)), "halving",
                 n_trials=None, seed=0, strategy_options={"min_budget": 1, "max_budget": 9})


@pytest.mark.parametrize("name", ["halving", "asha"])
@pytest.mark.parametrize("low", [9, 5])
def test_a_budget_range_with_one_rung_is_warned_about(name, low):
    # min_budget 5 and max_budget 9 with eta 3 leave one rung (9): halving ran one candidate, silently
    with pytest.warns(UserWarning, match=f"'{name}': min_budget={low} and max_budget=9 .* with eta=3 leave one "
                                         r"budget, 9: every candidate trains at it.*at most max_budget / eta \(3\)"):
        optimize(lambda c, budget: c["x"], Space(x=Float(0, 1)), name, n_trials=4, seed=0,
                     strategy_options={"min_budget": low, "max_budget": 9})


def test_the_one_rung_warning_names_the_tuners_words_too():
    # a Tuner user gave min_resource and max_resource, never min_budget: the warning names both
    from sklearn.datasets import load_iris
    from sklearn.linear_model import SGDClassifier

    from hpo import Tuner

    X, y = load_iris(return_X_y=True)
    tuner = Tuner(SGDClassifier(random_state=0), {"alpha": Float(1e-4, 1e-1, log=True)}, strategy="halving",
                  resource="max_iter", min_resource=20, max_resource=40, n_trials=3, random_state=0, validation=3)
    with pytest.warns(UserWarning, match=r"min_budget=20 and max_budget=40 \(a Tuner's min_resource and "
                                         r"max_resource\).*min_budget \(min_resource\) of at most"):
        tuner.fit(X, y)
