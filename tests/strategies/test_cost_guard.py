"""The default strategy ("auto"): Bayesian optimization whose cost guard keeps model proposals to a share of the time."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import hpo
from hpo import Float, Space
from hpo.strategies import AutoStrategy, BayesianOptimization, CostGuard, SlowSuggestionWarning
from hpo.strategies.cost_guard import FIRST_CHECK, MAX_EVERY
from hpo.trial import Trial

SPACE = Space(x=Float(0.0, 1.0), y=Float(0.0, 1.0))


def _loss(config):
    return (config["x"] - 0.3) ** 2 + (config["y"] - 0.6) ** 2


def _run(strategy, n_trials, seconds_per_evaluation):
    """Drive the strategy with evaluations that 'took' the given time (stamped, not slept)."""
    for number in range(n_trials):
        (c,) = strategy.ask(1)
        strategy.tell(Trial(number=number, candidate=c, status="ok", value=_loss(c.config), loss=_loss(c.config),
                            started=1000.0, finished=1000.0 + seconds_per_evaluation))
    return strategy


# ------------------------------------------------------------------ the guard
def test_the_guard_judges_at_fixed_counts_and_keeps_the_model_to_its_share():
    guard = CostGuard(0.1, first_check=8)
    for _ in range(7):
        guard.record_proposal(0.02)
        guard.record_evaluation(0.01)
    assert guard.every == 1  # not judged before the first check
    guard.record_proposal(0.02)
    with pytest.warns(SlowSuggestionWarning, match="one proposal in 32 comes from the model"):
        guard.record_evaluation(0.01)
    # 0.02 s of model per 0.01 s evaluation: 1 in 20 would keep it to a tenth; the next power of two is 32
    assert guard.every == 32 and guard.next_check == 16
    turns = [guard.model_turn() for _ in range(64)]
    assert turns.index(True) == 31


def test_a_search_shorter_than_the_first_check_never_switches():
    guard = CostGuard(0.1)
    for _ in range(FIRST_CHECK - 1):
        guard.record_proposal(1.0)
        guard.record_evaluation(1e-6)
    assert guard.every == 1 and guard.changes == []


def test_the_guard_goes_back_to_the_model_when_evaluations_grow_slow_and_records_each_change():
    guard = CostGuard(0.1, first_check=4)
    with pytest.warns(SlowSuggestionWarning, match="one proposal in 16 comes from the model"):
        for _ in range(4):
            guard.record_proposal(0.1)
            guard.record_evaluation(0.1)  # 0.1 s per proposal: 1 in 10 would be 0.01 s per 0.1 s trial
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once only
        for _ in range(60):
            guard.record_evaluation(100.0)
    assert guard.every == 1
    assert [c["every"] for c in guard.changes] == [16, 1]
    assert [c["told"] for c in guard.changes] == [4, 8]  # judged at 4, 8, 16, 32, 64
    for _ in range(64):
        guard.record_evaluation(0.0)  # even an evaluation the clock cannot see
    assert guard.every == MAX_EVERY  # backs off at most this far


def test_untimed_evaluations_do_not_count():
    guard = CostGuard(0.1, first_check=4)
    for _ in range(10):
        guard.record_proposal(1.0)
        guard.record_evaluation(None)
    assert guard.every == 1


# ------------------------------------------------------------ in the strategy
def test_a_cheap_objective_sends_most_proposals_to_the_sobol_stream():
    strategy = AutoStrategy(SPACE, seed=0, n_initial=5)
    strategy.cost_guard.first_check = 20
    with pytest.warns(SlowSuggestionWarning):
        _run(strategy, 60, 1e-7)
    assert strategy.cost_guard.every == MAX_EVERY
    assert strategy.n_model_proposals == 15  # the 15 after the design, before the check at 20; then none in 40
    assert len({tuple(t.config.values()) for t in strategy.trials}) == 60


def test_an_expensive_objective_keeps_every_proposal_from_the_model():
    strategy = AutoStrategy(SPACE, seed=0, n_initial=5)
    strategy.cost_guard.first_check = 8
    with warnings.catch_warnings():
        warnings.simplefilter("error", SlowSuggestionWarning)
        _run(strategy, 30, 1000.0)
    assert strategy.cost_guard.every == 1
    assert strategy.n_model_proposals == 25
    explicit = _run(BayesianOptimization(SPACE, seed=0, n_initial=5), 30, 1000.0)
    assert [t.config for t in strategy.trials] == [t.config for t in explicit.trials]


def test_bayes_given_explicitly_has_no_guard():
    strategy = _run(BayesianOptimization(SPACE, seed=0, n_initial=5), 40, 1e-9)
    assert strategy.cost_guard is None
    assert strategy.n_model_proposals == 35


def test_the_default_strategy_of_optimize_and_the_tuner_is_auto():
    result = hpo.optimize(_loss, SPACE, n_trials=12, seed=0)
    assert result.strategy == "auto"
    assert isinstance(result.strategy_instance, AutoStrategy)
    assert result.strategy_instance.n_model_proposals > 0
    assert hpo.Tuner(estimator=None, space=SPACE).strategy == "auto"
    assert result.strategy_instance.cost_guard.share == 0.1


@pytest.mark.parametrize("bad", [0, -0.1, "x", True])
def test_a_bad_cost_guard_is_refused_by_name(bad):
    with pytest.raises((ValueError, TypeError), match="cost_guard"):
        BayesianOptimization(SPACE, cost_guard=bad)


def test_auto_takes_every_option_of_bayes():
    strategy = AutoStrategy(SPACE, seed=0, n_initial=3, acquisition="lcb", cost_guard=None)
    assert strategy.n_initial == 3 and strategy.proposer.acquisition == "lcb" and strategy.cost_guard is None
    assert np.isfinite(_loss(strategy.ask(1)[0].config))
