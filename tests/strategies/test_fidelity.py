"""When small budgets do not pay: the measurements (FidelityMonitor) and the adaptation of ASHA and Hyperband.

Every test drives the strategies with synthetic losses and, where costs are measured, synthetic trial times
(``started``/``finished``), so that they are deterministic and fast.
"""

from __future__ import annotations

import logging
import math
import warnings
import zlib
from collections import Counter

import numpy as np
import pytest

from hpo import Float, Space, optimize
from hpo.strategies import make_strategy
from hpo.strategies.fidelity import FidelityMonitor, SmallBudgetWarning
from hpo.strategies.halving import ASHA, Hyperband, SuccessiveHalving
from hpo.trial import OK, Candidate, Trial


def space() -> Space:
    return Space(x=Float(0.0, 1.0), z=Float(0.0, 1.0))


def truth(config: dict) -> float:
    """The loss at the full budget."""
    return (config["x"] - 0.3) ** 2


def honest(config: dict, budget: float) -> float:
    """Small budgets rank as the full one does (a learning curve that only shifts)."""
    return truth(config) + 1.0 / budget


def misleading(config: dict, budget: float, max_budget: float = 81) -> float:
    """Below the full budget, the loss is noise drawn anew at each budget (a hash of ``z`` and the budget): it has
    nothing to do with the full budget's ranks, nor with the next budget's."""
    if budget >= max_budget:
        return truth(config)
    return zlib.crc32(repr((config["z"], budget)).encode()) / 2**32 + 1.0 / budget


def misleading_at_the_top(config: dict, budget: float, max_budget: float = 81) -> float:
    """Below the full budget, the loss ranks by ``z`` at every budget: consecutive small budgets agree perfectly, only
    the full budget disagrees (seen only once configurations reach it)."""
    return truth(config) if budget >= max_budget else config["z"] + 1.0 / budget


def drive(strategy, loss, cost=lambda budget: float(budget), n: int = 400, resumed=lambda c: 0) -> list[Trial]:
    """Ask one, tell one, ``n`` times, with synthetic times: a trial at ``budget`` takes ``cost(budget)`` seconds."""
    clock, trials = 1000.0, []
    for number in range(n):
        if strategy.finished:
            break
        (c,) = strategy.ask(1)
        value = loss(c.config, c.budget)
        duration = cost(c.budget)
        trial = Trial(number, c, OK, value, value, started=clock, finished=clock + duration,
                      metrics={"resumed_from": resumed(c)})
        clock += duration
        strategy.tell(trial)
        trials.append(trial)
    return trials


def quiet(cls, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallBudgetWarning)
        return cls(space(), **options)


# ----------------------------------------------------------------- the measurements
def _trial(number: int, budget: float, loss: float | None, seconds: float = 1.0, resumed: int = 0) -> Trial:
    status = OK if loss is not None else "failed"
    return Trial(number, Candidate({}, budget, number), status, loss, loss, started=0.0, finished=seconds,
                 metrics={"resumed_from": resumed})


def test_rank_correlation_of_promoted_pairs_is_corrected_for_their_restricted_range():
    rng = np.random.default_rng(0)
    for rho in (0.0, 0.6, 0.9):
        monitor = FidelityMonitor([1, 3, 9], 3)
        x = rng.normal(size=600)
        y = rho * x + math.sqrt(1 - rho * rho) * rng.normal(size=600)
        for i in range(600):
            monitor.record(i, _trial(i, 1, float(x[i])))
        for i in np.argsort(x)[:200]:  # the best third is promoted
            monitor.record(int(i), _trial(int(i), 3, float(y[i])))
        raw, corrected, n_pairs = monitor.rank_correlation(0)
        assert n_pairs == 200
        assert abs(corrected - rho) < 0.12, (rho, raw, corrected)
        if rho > 0:
            assert raw < corrected - 0.1, "the promoted range alone understates the correlation"
    assert monitor.rank_correlation(1) is None  # nothing at rung 2


def test_costs_tell_fits_from_scratch_and_continuations_apart():
    monitor = FidelityMonitor([1, 3, 9], 3)
    for i, seconds in enumerate([1.0, 2.0, 3.0]):
        monitor.record(i, _trial(i, 1, 0.5, seconds))
    monitor.record(0, _trial(3, 3, 0.4, 5.0, resumed=1))  # a continuation adds 5 s
    monitor.record(1, _trial(4, 3, 0.4, 6.0, resumed=1))
    assert monitor.cost(0) == (2.0, None)
    assert monitor.cost(1) == (None, 5.5)
    assert monitor._scratch_cost(1) == 7.5  # from scratch: the rung below's fit plus what a continuation adds
    ranks_only = FidelityMonitor([1, 3, 9], 3, times=False)
    ranks_only.record(0, _trial(0, 3, 0.4, 99.0))
    assert ranks_only.cost(1) == (3.0, None), "without times, the budget is the cost"
    units = _trial(1, 3, 0.4, 99.0)
    units.metrics["resource_units"] = 2
    ranks_only.record(1, units)
    assert ranks_only.cost(1) == (2.5, None)
    fast = FidelityMonitor([1, 3, 9], 3)  # trials of microseconds time hpo and the clock, not the budget
    for i in range(3):
        fast.record(i, _trial(i, 3, 0.4, 1e-5 * (i + 1)))
    assert not fast.uses_times and fast.cost(1) == (3.0, None)
    assert monitor.uses_times and monitor.summary()["times"]


def test_failed_trials_make_no_pairs():
    monitor = FidelityMonitor([1, 3], 3)
    assert monitor.record(0, _trial(0, 1, 0.5)) is False
    assert monitor.record(0, _trial(1, 3, None)) is False
    assert monitor.record(1, _trial(2, 1, 0.2)) is False
    assert monitor.record(1, _trial(3, 3, 0.1)) is True
    assert monitor.pairs(0) == [(0.2, 0.1)]


@pytest.mark.parametrize("rho, seconds, pays", [
    (0.95, lambda budget: budget / 27, True),   # good ranks, cost in proportion to the budget
    (0.0, lambda budget: budget / 27, False),   # the small rung's ranks say nothing
    (0.95, lambda budget: 1.0, False),          # good ranks, but a fit costs the same whatever its budget
])
def test_the_verdict_weighs_ranks_against_costs(rho, seconds, pays):
    rng = np.random.default_rng(1)
    budgets = [1, 3, 9, 27]
    monitor = FidelityMonitor(budgets, 3, confidence=0.0)
    x = rng.normal(size=300)
    y = rho * x + math.sqrt(1 - rho * rho) * rng.normal(size=300)
    for i in range(300):
        monitor.record(i, _trial(i, 1, float(x[i]), seconds=seconds(1)))
    for i in np.argsort(x)[:100]:
        monitor.record(int(i), _trial(int(i), 3, float(y[i]), seconds=seconds(3)))
    for level in (2, 3):  # costs only: configurations of their own, no pairs
        for i in range(3):
            monitor.record(1000 * level + i, _trial(0, budgets[level], 0.0, seconds=seconds(budgets[level])))
    verdict = monitor.verdict(0)
    assert verdict is not None and verdict.pays is pays, verdict
    assert verdict.best_level == 0 if pays else verdict.best_level > 0
    assert monitor.verdict(1) is None, "no verdict without pairs"


def test_no_verdict_before_min_pairs():
    monitor = FidelityMonitor([1, 3, 9], 3, min_pairs=6)
    for i in range(5):
        monitor.record(i, _trial(i, 1, float(i)))
        monitor.record(i, _trial(10 + i, 3, float(-i)))  # perfectly reversed, but only 5 pairs
    assert monitor.rank_correlation(0)[0] == pytest.approx(-1.0) and monitor.verdict(0) is None


# ----------------------------------------------------------------- ASHA
def test_asha_gives_up_small_budgets_that_mislead_and_samples_at_the_full_budget():
    strategy = quiet(ASHA, seed=0, adapt="ranks")
    with pytest.warns(SmallBudgetWarning, match="does not pay") as caught:
        trials = drive(strategy, misleading, n=600)
    assert len(caught) == 1, "warned once"
    d = strategy.adaptations[0]
    ranks = (f"rank configurations about {d['rho']:.2f} as the full budget does" if d["rho"] > 0.005 else
             "do not rank configurations as the full budget does (estimated rank correlation 0 or below)")
    assert f"its results {ranks}" in str(caught[0].message)
    assert (f"{d['value_here']:.2f} standard deviations better than a random configuration, against "
            f"{d['value_next']:.2f} starting higher (more is better)") in str(caught[0].message)
    assert strategy.start_budget == 81
    levels = [d["from_budget"] for d in strategy.adaptations]
    assert levels == sorted(levels) and levels[0] == 1, "the start only goes up, from the smallest budget"
    assert strategy.adaptations[-1]["full_budget_only"] and strategy.adaptations[-1]["to_budget"] == 81
    for d in strategy.adaptations:
        assert not d["value_here"] >= d["value_next"] and 0 < d["told"] <= len(trials)
    last = strategy.adaptations[-1]["told"]
    fresh = [t for t in trials[last:] if t.candidate.info["entry"] not in {u.candidate.info["entry"] for u in trials[:last]}]
    assert fresh and {t.budget for t in fresh} == {81}, "after the fall back, new configurations run at the full budget"
    assert sum(t.budget == 81 for t in trials) > 100


def test_asha_keeps_small_budgets_that_rank_well():
    strategy = ASHA(space(), seed=0, adapt="ranks")
    with warnings.catch_warnings():
        warnings.simplefilter("error", SmallBudgetWarning)
        trials = drive(strategy, honest, n=600)
    assert strategy.adaptations == [] and strategy.start_budget == 1
    assert Counter(t.budget for t in trials)[1] > 300
    summary = strategy.fidelity.summary()["rungs"]
    assert summary[0]["corrected_next"] > 0.9 and summary[0]["pairs_next"] > 50


def test_measured_costs_give_up_a_rung_that_costs_as_much_as_the_next():
    # the ranks are perfect, but every trial takes about 1 s whatever its budget (fixed costs dominate)
    flat = lambda budget: 1.0 + budget / 1000
    timed = quiet(ASHA, seed=0, adapt=True)
    drive(timed, honest, cost=flat, n=300)
    assert timed.adaptations and timed.adaptations[0]["from_budget"] == 1
    assert timed.adaptations[0]["cost_ratio"] > 0.9
    ranks = ASHA(space(), seed=0, adapt="ranks")  # costs in proportion to the budget: keeps the rung
    drive(ranks, honest, cost=flat, n=300)
    assert ranks.adaptations == []


def test_adapt_false_never_adapts_but_still_measures():
    strategy = ASHA(space(), seed=0, adapt=False)
    trials = drive(strategy, misleading, n=400)
    assert strategy.adaptations == [] and strategy.start_budget == 1
    assert strategy.fidelity.summary()["rungs"][0]["pairs_next"] > 10
    assert Counter(t.budget for t in trials)[1] > 200


def test_same_seed_same_trials_when_adapting_on_ranks():
    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallBudgetWarning)
            result = optimize(misleading, space(), "asha", n_trials=300, seed=3,
                              strategy_options={"adapt": "ranks"})
        return [(t.config, t.budget) for t in result.trials], result.strategy_instance.adaptations

    (a, decisions_a), (b, decisions_b) = run(), run()
    assert a == b and decisions_a == decisions_b and decisions_a


def test_same_synthetic_times_same_trials():
    runs = []
    for _ in range(2):
        strategy = quiet(ASHA, seed=4, adapt=True)
        runs.append([(t.config, t.budget) for t in drive(strategy, honest, cost=lambda b: 1.0 + b / 1000, n=200)])
    assert runs[0] == runs[1]


def test_each_decision_is_logged(caplog):
    strategy = quiet(ASHA, seed=0, adapt="ranks")
    with caplog.at_level(logging.INFO, logger="hpo"), warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallBudgetWarning)
        drive(strategy, misleading, n=600)
    lines = [r.getMessage() for r in caplog.records if "does not pay" in r.getMessage()]
    assert len(lines) == len(strategy.adaptations) >= 1
    assert "samples at the full budget only" in lines[-1]


def test_asha_still_ends_at_the_full_budget_within_n_trials():
    for n_trials in (20, 60, 200):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallBudgetWarning)
            result = optimize(misleading, space(), "asha", n_trials=n_trials, seed=n_trials,
                              strategy_options={"adapt": "ranks"})
        assert len(result.trials) == n_trials and result.best_trial.budget == 81


# ----------------------------------------------------------------- Hyperband
def test_hyperband_skips_the_brackets_that_start_below_a_rung_given_up():
    strategy = quiet(Hyperband, seed=0, adapt="ranks")
    trials = drive(strategy, misleading, n=1500)
    assert strategy.start_budget == 81 and strategy.adaptations
    first = strategy.adaptations[0]["told"]
    opened_after = {t.candidate.info["bracket"] for t in trials[first:]} - {t.candidate.info["bracket"] for t in trials[:first]}
    for b in opened_after:  # a bracket opened after a decision starts at the start budget in force when it opened
        start = min(t.budget for t in trials if t.candidate.info["bracket"] == b)
        assert start > 1
    last = strategy.adaptations[-1]["told"]
    late = {t.candidate.info["bracket"] for t in trials[last:]} - {t.candidate.info["bracket"] for t in trials[:last]}
    assert late and all({t.budget for t in trials if t.candidate.info["bracket"] == b} == {81} for b in late), \
        "at the end, only the bracket of full-budget random search"


def test_hyperband_keeps_its_brackets_where_small_budgets_rank_well():
    strategy = Hyperband(space(), seed=0, adapt="ranks")
    with warnings.catch_warnings():
        warnings.simplefilter("error", SmallBudgetWarning)
        trials = drive(strategy, honest, n=700)
    assert strategy.adaptations == []
    assert {t.candidate.info["bracket"] for t in trials} >= {0, 1, 2, 3, 4}


@pytest.mark.parametrize("n_trials", [30, 150, 400])
def test_hyperband_adapting_still_ends_at_the_full_budget_within_n_trials(n_trials):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallBudgetWarning)
        result = optimize(misleading, space(), "hyperband", n_trials=n_trials, seed=1,
                          strategy_options={"adapt": "ranks"})
    assert len(result.trials) <= n_trials and result.best_trial.budget == 81


def test_hyperband_adapting_stays_within_max_trials_with_n_brackets():
    strategy = quiet(Hyperband, seed=2, adapt="ranks", n_brackets=12)
    trials = drive(strategy, misleading, n=10_000)
    assert strategy.finished and strategy.adaptations
    assert len({t.candidate.info["bracket"] for t in trials}) == 12
    assert len(trials) <= strategy.max_trials


# ----------------------------------------------------------------- options
def test_halving_measures_but_has_no_adapt_option():
    strategy = SuccessiveHalving(space(), seed=0, n_candidates=81)
    drive(strategy, misleading, n=1000)
    assert strategy.adaptations == [] and strategy.fidelity.summary()["rungs"][0]["pairs_next"] == 27
    with pytest.raises(ValueError, match="adapt"):
        make_strategy("halving", space(), options={"adapt": True})


@pytest.mark.parametrize("bad", ["yes", 1, None, "times"])
def test_a_bad_adapt_is_an_error(bad):
    for cls in (ASHA, Hyperband):
        with pytest.raises(ValueError, match="adapt"):
            cls(space(), adapt=bad)


def test_a_rung_that_agrees_with_the_next_but_not_with_the_full_budget_does_not_pay():
    # rungs 0, 1, 2 rank alike; the full budget (rung 3) has nothing to do with them: the product of the chain
    rng = np.random.default_rng(3)
    monitor = FidelityMonitor([1, 3, 9, 27], 3)
    x, truth_ = rng.normal(size=2700), rng.normal(size=2700)
    alive = np.arange(2700)
    for level, budget in enumerate([1, 3, 9, 27]):
        for i in alive:
            monitor.record(int(i), _trial(int(i), budget, float(truth_[i] if level == 3 else x[i]), seconds=budget))
        alive = alive[np.argsort(x[alive])[: len(alive) // 3]]
    assert monitor.rank_correlation(0)[0] > 0.99 and monitor.rank_correlation(1)[0] > 0.99
    verdict = monitor.verdict(0)
    assert not verdict.pays and verdict.best_level == 3 and verdict.rho < 0.5, verdict
    before_the_top = FidelityMonitor([1, 3, 9, 27], 3)  # the same, without the full budget's results
    for level in range(3):
        for e, loss in monitor.losses[level].items():
            before_the_top.record(e, _trial(e, [1, 3, 9][level], loss, seconds=[1, 3, 9][level]))
    assert before_the_top.verdict(0).pays, "until the full budget is seen, the small rungs get the benefit of the doubt"


def test_a_user_who_picks_asha_or_hyperband_gets_the_adaptation():
    for name in ("asha", "hyperband"):
        assert make_strategy(name, space()).adapt is True
        assert make_strategy(name, space(), options={"adapt": False}).adapt is False
    assert optimize(honest, space(), "asha", n_trials=5, seed=0).strategy_instance.adapt is True


# ----------------------------------------------------------------- what a model-based sampler learns from
def _first_model_proposal(strategy, loss, n: int = 400) -> tuple[int, int]:
    """Drive ``strategy`` (ask one, tell one) until its sampler first proposes from its model: (trials told, ok
    results at the full budget) at that moment; (n, -1) if it never did."""
    sampler, top = strategy.sampler, strategy.budgets[-1]
    trials: list[Trial] = []
    for number in range(n):
        (c,) = strategy.ask(1)
        if sampler.n_model_proposals:
            return len(trials), sum(t.budget == top for t in trials)
        value = loss(c.config, c.budget)
        trial = Trial(number, c, OK, value, value, started=0.0, finished=float(c.budget))
        strategy.tell(trial)
        trials.append(trial)
    return n, -1


def test_a_model_sampler_learns_from_small_budgets_only_where_they_rank_well():
    """BOHB fits its model on the largest budget with enough results; where small budgets rank like a coin toss that
    model steers to configurations that only look good there. hpo's fits only on budgets whose measured ranks agree
    with the next rung's (and with every measured pair above): where small budgets mislead, the full budget once it
    has 10 results (a coin toss can look like agreement by chance: 2 of these 10 seeds)."""
    def early(loss, filtered=True):
        runs = []
        for seed in range(10):
            strategy = quiet(ASHA, seed=seed, min_budget=1, max_budget=81, sampler="bayes", adapt=False)
            if not filtered:
                strategy.sampler.budget_filter = None  # BOHB's rule
            runs.append(_first_model_proposal(strategy, loss, n=150))
        return sum(0 <= at_top < 10 for _, at_top in runs)

    assert early(misleading, filtered=False) == 10
    assert early(misleading) <= 3
    assert early(honest) == 10


@pytest.mark.parametrize("loss, early", [(misleading, False), (honest, True)])
def test_hyperbands_sampler_follows_the_same_rule(loss, early):
    strategy = quiet(Hyperband, seed=0, min_budget=1, max_budget=81, sampler="bayes", adapt=False)
    _, at_top = _first_model_proposal(strategy, loss, n=300)
    assert (0 <= at_top < strategy.sampler.min_budget_points) is early, at_top
    assert strategy.ranks_well(1) is early


def test_a_rung_steers_the_model_once_its_promotions_agree_and_no_measured_pair_above_disagrees():
    strategy = quiet(ASHA, seed=0, min_budget=1, max_budget=27, sampler="bayes")  # rungs 1, 3, 9, 27
    monitor, rng = strategy.fidelity, np.random.default_rng(0)
    assert [strategy.ranks_well(b) for b in strategy.budgets] == [False, False, False, True]  # nothing measured
    for i in range(60):  # budgets 1 and 3 agree (20 promoted)
        monitor.record(i, _trial(i, 1, i / 60))
    for i in range(5):
        monitor.record(i, _trial(i, 3, i / 60 + 0.01))
    assert not strategy.ranks_well(1), "5 pairs: fewer than min_pairs"
    for i in range(5, 20):
        monitor.record(i, _trial(i, 3, i / 60 + 0.01))
    assert [strategy.ranks_well(b) for b in strategy.budgets] == [True, False, False, True]  # 9 and 27: unmeasured
    for i in range(8):  # budgets 3 and 9 rank as a coin: 8 pairs of noise
        monitor.record(i, _trial(i, 9, float(rng.random())))
    assert monitor.agreement(1) is not None
    assert not strategy.ranks_well(3), "8 noisy pairs are no evidence of agreement"
    assert strategy.ranks_well(1) is (monitor.agreement(1) >= 0.5), "a measured pair above disagrees: 1 is distrusted"
    for i in range(8):  # budgets 9 and 27 rank opposite ways
        monitor.record(i, _trial(i, 27, 1.0 - i / 60))
    assert [strategy.ranks_well(b) for b in strategy.budgets] == [False, False, False, True]


def test_the_lower_bound_keeps_a_noisy_rung_out():
    """A coin-toss rung measured on few pairs can show a high correlation by chance (and the correction for the
    promoted range inflates it): two standard errors below must still agree."""
    rng = np.random.default_rng(1)
    trusted = 0
    for seed in range(200):
        strategy = quiet(ASHA, seed=0, min_budget=1, max_budget=9, sampler="bayes")
        monitor = strategy.fidelity
        x = rng.random(18)
        for i in range(18):
            monitor.record(i, _trial(i, 1, float(x[i])))
        for i in np.argsort(x)[:6]:
            monitor.record(int(i), _trial(int(i), 3, float(rng.random())))
        trusted += strategy.ranks_well(1)
    assert trusted <= 200 * 0.05, trusted
