"""Bayesian optimization on noisy losses: repeats merged, the noise estimated and reported, the incumbent from the model."""

from __future__ import annotations

import numpy as np
import pytest

import hpo
from hpo import Float, Space
from hpo.strategies.bayes import BayesianOptimization, BayesianProposer
from hpo.strategies.bayes_model import NOISY, merge_repeats
from hpo.trial import Candidate, Trial

LINE = Space(x=Float(0.0, 1.0))


def _smooth(x):
    return np.sin(6.0 * x) + 0.5 * x


def _fitted(x, losses, seed=0):
    return BayesianProposer(LINE).fit(np.asarray(x)[:, None], np.asarray(losses), np.random.default_rng(seed))


def test_merge_repeats_keeps_first_occurrences_in_order_at_their_mean_loss():
    U = np.array([[0.7], [0.2], [0.7], [0.5], [0.2], [0.7]])
    A = np.ones((6, 1), dtype=bool)
    U2, A2, y2 = merge_repeats(U, A, np.array([1.0, 2.0, 3.0, 4.0, 6.0, 5.0]))
    assert U2.ravel().tolist() == [0.7, 0.2, 0.5]
    assert y2.tolist() == [3.0, 4.0, 4.0]
    assert A2.shape == (3, 1)
    U3, _, y3 = merge_repeats(U[:2], A[:2], np.array([1.0, 2.0]))
    assert np.array_equal(U3, U[:2]) and y3.tolist() == [1.0, 2.0]


def test_a_noiseless_fit_reports_little_noise_and_improves_on_the_lowest_loss():
    x = np.linspace(0.0, 1.0, 30)
    proposer = _fitted(x, _smooth(x))
    assert proposer.noise_share < NOISY
    assert proposer.noise_sd < 0.01
    assert proposer.incumbent == pytest.approx(float(proposer.gp.y.min()))


@pytest.mark.parametrize("sd", [0.2, 0.4])
def test_a_noisy_fit_reports_the_noise_and_improves_on_the_models_best_mean(sd):
    rng = np.random.default_rng(3)
    x = rng.random(60)
    losses = _smooth(x) + rng.normal(0.0, sd, len(x))
    proposer = _fitted(x, losses)
    assert proposer.noise_share >= NOISY
    assert sd / 2.5 < proposer.noise_sd < sd * 2.5  # the loss's own units, roughly
    mean, _ = proposer.gp.predict(proposer.gp.X)
    assert proposer.incumbent == pytest.approx(float(mean.min()))
    # the lowest loss is partly luck: the model believes less of it
    assert proposer.incumbent > float(proposer.gp.y.min()) + 0.1


def test_a_configuration_told_again_enters_the_model_once_at_its_mean_loss():
    """A repeated configuration with different losses must not read as noise of the whole function."""
    x = np.linspace(0.0, 1.0, 12)
    repeats = np.full(8, x[5])
    losses = np.concatenate([_smooth(x), _smooth(x[5]) + np.linspace(-0.4, 0.4, 8)])
    proposer = _fitted(np.concatenate([x, repeats]), losses)
    assert len(proposer.gp.y) == 12
    assert proposer.noise_share < NOISY


def _trial(strategy, candidate, loss):
    return Trial(number=candidate.id, candidate=candidate, status="ok", value=loss, loss=loss)


def test_the_strategy_reports_the_noise_estimate_of_its_model():
    strategy = BayesianOptimization(LINE, seed=0, n_initial=5)
    assert strategy.noise_share is None and strategy.noise_sd is None
    rng = np.random.default_rng(0)
    for _ in range(30):
        (c,) = strategy.ask(1)
        strategy.tell(_trial(strategy, c, float(_smooth(c.config["x"]) + rng.normal(0.0, 0.3))))
    strategy.ask(1)
    assert strategy.noise_share == strategy.proposer.noise_share >= NOISY
    assert 0.3 / 3 < strategy.noise_sd < 0.3 * 3


def test_observed_repeats_of_one_configuration_are_merged_in_the_strategy():
    """``observe`` (promotions, fit_budget="all") can bring a configuration many times."""
    strategy = BayesianOptimization(LINE, seed=0, n_initial=5, fit_budget="all")
    for c in strategy.ask(5):
        strategy.tell(_trial(strategy, c, float(_smooth(c.config["x"]))))
    first = strategy.trials[0].candidate
    for k, delta in enumerate(np.linspace(-0.5, 0.5, 6)):
        again = Candidate(first.config, None, first.id, {})
        strategy.observe(Trial(number=100 + k, candidate=again, status="ok", value=0.0,
                               loss=float(_smooth(first.config["x"]) + delta)))
    strategy.ask(1)
    assert len(strategy.proposer.gp.y) == 5 + 1  # five configurations, and the proposal just made (a fantasy)


def test_a_noisy_objective_is_still_optimized():
    rng = np.random.default_rng(1)
    result = hpo.optimize(lambda c: (c["x"] - 0.3) ** 2 + rng.normal(0.0, 0.05), LINE, "bayes", n_trials=30, seed=0)
    assert abs(result.best_config["x"] - 0.3) < 0.15
    assert result.strategy_instance.noise_share >= NOISY
