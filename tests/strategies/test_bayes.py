"""Bayesian optimization: the Gaussian process, the acquisition functions, the strategy.

The shared battery (tests/strategies/test_conformance.py) covers the protocol
(conditional spaces, failing trials, pending candidates, seeds); these tests
check the model's mathematics and that the strategy actually optimizes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

import hpo
from hpo import Categorical, Float, Int, Space
from hpo.strategies import make_strategy
from hpo.strategies.acquisition import log_ei, lower_confidence_bound, probability_of_improvement
from hpo.strategies.bayes import BayesianOptimization, BayesianProposer, transform_losses
from hpo.strategies.gaussian_process import GaussianProcess
from hpo.trial import Trial

from ..common import make_mlp_space


def _gp(n: int = 25, seed: int = 0) -> tuple[GaussianProcess, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.random((n, 3))
    y = np.sin(3 * X[:, 0]) + X[:, 1] ** 2
    y = (y - y.mean()) / y.std()
    return GaussianProcess(np.array([0, 1, 1])).fit(X, y), X, y


# ----------------------------------------------------------------- the model
def test_the_marginal_likelihood_gradient_matches_finite_differences():
    gp, X, y = _gp()
    D = gp._group_distances(X)
    theta = gp.theta + np.array([0.3, -0.2, 0.1, 0.5])
    f, g = gp._neg_log_posterior(theta, D, y)
    eps = 1e-6
    numeric = [(gp._neg_log_posterior(theta + eps * e, D, y)[0] - f) / eps for e in np.eye(len(theta))]
    np.testing.assert_allclose(g, numeric, rtol=1e-4, atol=1e-4)


def test_the_predictive_gradients_match_finite_differences():
    gp, _, _ = _gp()
    Xq = np.random.default_rng(1).random((5, 3))
    mean, var, dmean, dvar = gp.predict_with_gradient(Xq)
    m0, v0 = gp.predict(Xq)
    np.testing.assert_allclose(mean, m0)
    np.testing.assert_allclose(var, v0)
    eps = 1e-6
    for c in range(3):
        E = Xq.copy()
        E[:, c] += eps
        m1, v1 = gp.predict(E)
        np.testing.assert_allclose(dmean[:, c], (m1 - m0) / eps, atol=1e-4)
        np.testing.assert_allclose(dvar[:, c], (v1 - v0) / eps, atol=1e-4)


def test_the_fit_interpolates_smooth_data_and_is_uncertain_away_from_it():
    gp, X, y = _gp(40)
    mean, var = gp.predict(X)
    assert np.abs(mean - y).max() < 0.1
    assert var.max() < 0.05
    _, far = gp.predict(np.full((1, 3), 3.0))
    assert far[0] > 10 * var.max()


def test_a_handful_of_points_gives_bounded_length_scales():
    gp = GaussianProcess(np.arange(4))
    X = np.array([[0.1, 0.2, 0.3, 0.4], [0.9, 0.8, 0.7, 0.6]])
    gp.fit(X, np.array([-1.0, 1.0]))
    lo, hi = np.exp(gp.bounds[0])
    assert np.all((gp.lengthscales >= lo) & (gp.lengthscales <= hi))
    assert np.all(np.isfinite(gp.predict(np.random.default_rng(0).random((10, 4)))[0]))


def test_the_length_scale_prior_pulls_toward_its_mode_not_its_median():
    # data that say nothing about length scales: the prior alone decides where they sit
    gp = GaussianProcess(np.arange(5))
    X = np.random.default_rng(0).random((2, 5))
    gp.fit(X, np.zeros(2))
    mode, median = math.exp(gp.lengthscale_mode), math.exp(gp._ls_mu)
    assert mode < 0.5 < 9.0 < median  # d = 5: the LogNormal's mode 0.46, its median 9.2
    np.testing.assert_allclose(gp.lengthscales, mode, rtol=0.15)  # the two points barely move it


def test_irrelevant_dimensions_get_long_length_scales():
    rng = np.random.default_rng(3)
    X = rng.random((60, 3))
    y = np.sin(6 * X[:, 0])
    gp = GaussianProcess(np.arange(3)).fit(X, (y - y.mean()) / y.std())
    assert gp.lengthscales[0] < gp.lengthscales[1] / 3
    assert gp.lengthscales[0] < gp.lengthscales[2] / 3


def test_capped_length_scales_make_a_humbler_model_and_are_restored():
    rng = np.random.default_rng(3)
    X = rng.random((40, 3)) * np.array([1.0, 1.0, 0.2])  # the third parameter only seen near 0
    y = np.sin(6 * X[:, 0])
    gp = GaussianProcess(np.arange(3)).fit(X, (y - y.mean()) / y.std())
    assert gp.lengthscales[2] > 0.3  # written off: it never changed the loss
    Xq = rng.random((20, 3))
    mean, var = gp.predict(Xq)
    theta = gp.theta.copy()
    with gp.capped_lengthscales(0.3) as humble:
        assert np.all(humble.lengthscales <= 0.3 + 1e-12)
        _, humble_var = humble.predict(Xq)
        assert np.all(humble_var >= var - 1e-9) and humble_var.mean() > 2 * var.mean()
    np.testing.assert_array_equal(gp.theta, theta)
    m2, v2 = gp.predict(Xq)
    np.testing.assert_array_equal(m2, mean)
    np.testing.assert_array_equal(v2, var)


# ----------------------------------------------------------- the acquisition
def test_log_ei_equals_the_closed_form_where_ei_is_representable():
    mu = np.array([0.0, 0.5, 1.0, -0.3])
    sigma = np.array([1.0, 0.3, 0.2, 0.05])
    best = 0.1
    z = (best - mu) / sigma
    ei = sigma * (z * norm.cdf(z) + norm.pdf(z))
    value, _, _ = log_ei(mu, sigma, best)
    np.testing.assert_allclose(value, np.log(ei), rtol=1e-10)


def test_log_ei_stays_finite_and_ordered_far_below_the_incumbent():
    # plain EI underflows to 0 here; log-EI must still rank the points
    mu = np.array([30.0, 40.0, 100.0, 1e9])
    value, d_mu, _ = log_ei(mu, np.ones(4), 0.0)
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(d_mu))
    assert np.all(np.diff(value) < 0)


@pytest.mark.parametrize("fn, extra", [(log_ei, 0.0), (log_ei, 0.1), (probability_of_improvement, 0.0),
                                       (lower_confidence_bound, 2.0)])
def test_acquisition_gradients_match_finite_differences(fn, extra):
    mu = np.array([0.3, -1.0, 2.0, 5.0])
    sigma = np.array([0.5, 0.2, 0.1, 0.3])
    value, d_mu, d_sigma = fn(mu, sigma, -0.5, extra)
    eps = 1e-7
    np.testing.assert_allclose(d_mu, (fn(mu + eps, sigma, -0.5, extra)[0] - value) / eps, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(d_sigma, (fn(mu, sigma + eps, -0.5, extra)[0] - value) / eps, rtol=1e-4, atol=1e-6)


def test_the_loss_transform_keeps_the_order_and_tames_an_outlier():
    losses = np.array([1.0, 1.1, 1.2, 1.5, 2.0, 1e6])
    z = transform_losses(losses)
    assert np.all(np.diff(z) > 0)
    # after a plain standardization the five ordinary losses would be within 0.001 of each other
    assert z[4] - z[0] > 0.1
    assert np.allclose(transform_losses(np.array([3.0, 3.0])), 0.0)


# --------------------------------------------------------------- the strategy
def _run(objective, space, n, seed, strategy="bayes", **options):
    return hpo.optimize(objective, space, strategy=strategy, n_trials=n, seed=seed, strategy_options=options)


def _quadratic(config):
    return (config["x"] - 0.3) ** 2 + (config["y"] + 1.2) ** 2


QUADRATIC = Space(x=Float(-2.0, 2.0), y=Float(-2.0, 2.0))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_it_finds_the_minimum_of_a_smooth_function_and_beats_random(seed):
    bayes = _run(_quadratic, QUADRATIC, 20, seed)
    random = _run(_quadratic, QUADRATIC, 20, seed, strategy="random")
    assert bayes.best_value < 1e-3
    assert bayes.best_value < random.best_value / 10


def test_mixed_spaces_get_integers_and_categoricals_right():
    space = Space(kind=Categorical(["a", "b", "c"]), n=Int(1, 20), x=Float(1e-3, 1.0, log=True))

    def objective(c):
        return {"a": 1.0, "b": 0.0, "c": 2.0}[c["kind"]] + abs(c["n"] - 7) / 5 + abs(math.log10(c["x"]) + 2)

    result = _run(objective, space, 40, 0)
    best = result.best_config
    assert best["kind"] == "b" and best["n"] == 7
    assert isinstance(best["n"], int)
    assert abs(math.log10(best["x"]) + 2) < 0.1


def test_conditional_space_proposals_are_valid_and_the_right_branch_wins():
    space = make_mlp_space()
    seen_layers = []

    def objective(c):
        space.validate(c)
        seen_layers.append(c["n_layers"])
        return abs(c["n_layers"] - 2) + abs(math.log10(c["alpha"]) + 3) / 3

    result = _run(objective, space, 35, 0)
    assert result.best_config["n_layers"] == 2
    # after the initial design the model concentrates on the right branch
    assert seen_layers[-15:].count(2) > 7


def test_failed_trials_push_proposals_away():
    space = Space(x=Float(0.0, 1.0), y=Float(0.0, 1.0))

    def objective(c):
        if c["x"] > 0.5:
            raise ValueError("diverged")
        return (c["x"] - 0.45) ** 2 + (c["y"] - 0.5) ** 2

    # the failure rate of one seed's 25 late proposals swings from 1 to 7; three seeds pool 75
    results = [_run(objective, space, 40, seed) for seed in range(3)]
    late = [t for result in results for t in result.trials[15:]]
    failed = sum(t.status == "failed" for t in late)
    assert failed <= 15, f"{failed} of {len(late)} late proposals failed (random would fail half)"
    assert all(result.best_value < 1e-3 for result in results)


def test_initial_configs_come_first_and_bad_ones_name_the_culprit():
    space = Space(x=Float(0.0, 1.0), n=Int(1, 5))
    first = [{"x": 0.25, "n": 2}, {"x": 0.75, "n": 4}]
    result = _run(lambda c: c["x"], space, 6, 0, initial_configs=first)
    assert [t.candidate.config for t in result.trials[:2]] == first
    with pytest.raises(ValueError, match=r"initial_configs\[1\].*n"):
        make_strategy("bayes", space, seed=0, options={"initial_configs": [{"x": 0.5, "n": 1}, {"x": 0.5, "n": 9}]})


@pytest.mark.parametrize("seed", range(8))
def test_an_initial_config_written_in_another_key_order_is_never_proposed_again(seed):
    space = Space(kernel=Categorical(["rbf", "poly"]), degree=Categorical([2, 3]))  # 4 configurations
    result = _run(lambda c: 0.0, space, 10, seed, initial_configs=[{"degree": 2, "kernel": "rbf"}])
    tried = [(t.config["kernel"], t.config["degree"]) for t in result.trials]
    assert sorted(tried) == [("poly", 2), ("poly", 3), ("rbf", 2), ("rbf", 3)], tried
    assert list(result.trials[0].config) == ["kernel", "degree"]  # given back in the space's order


@pytest.mark.parametrize("options, culprit", [
    ({"acquisition": "ucb"}, "acquisition"), ({"n_initial": 0}, "n_initial"), ({"patience": 0}, "patience"),
    ({"budget": -1}, "budget"), ({"fit_budget": "smallest"}, "fit_budget"), ({"n_candidates": 3}, "n_candidates"),
    ({"xi": -0.1}, "xi"), ({"kappa": float("nan")}, "kappa"), ({"explore_lengthscale": 0}, "explore_lengthscale"),
    ({"exploit_after": 0}, "exploit_after"), ({"exploit_after": float("inf")}, "exploit_after"),
    ({"exploit_after": "10"}, "exploit_after"),
])
def test_bad_options_are_errors_naming_the_option(options, culprit):
    with pytest.raises(ValueError, match=culprit):
        make_strategy("bayes", QUADRATIC, seed=0, options=options)


@pytest.mark.parametrize("acquisition", ["log_ei", "pi", "lcb"])
def test_every_acquisition_optimizes(acquisition):
    result = _run(_quadratic, QUADRATIC, 20, 0, acquisition=acquisition)
    random = _run(_quadratic, QUADRATIC, 20, 0, strategy="random")
    assert result.best_value < min(0.02, random.best_value / 3)


def test_probability_of_improvement_has_a_margin_so_it_does_not_creep():
    # with xi = 0, seeds 1 and 2 creep along a slope and end above 0.5 (random search: about 0.14)
    assert BayesianOptimization(QUADRATIC, acquisition="pi").proposer.xi == 0.1
    assert BayesianOptimization(QUADRATIC).proposer.xi == 0.0
    best = [_run(_quadratic, QUADRATIC, 20, seed, acquisition="pi").best_value for seed in range(5)]
    assert max(best) < 0.05, best


def _tell_all(strategy, candidates, objective):
    for c in candidates:
        value = objective(c.config)
        strategy.tell(Trial(number=c.id, candidate=c, status="ok", value=value, loss=value))


def test_a_batch_is_distinct_and_spread_out():
    strategy = BayesianOptimization(QUADRATIC, seed=0, n_initial=6)
    _tell_all(strategy, strategy.ask(6), _quadratic)
    batch = strategy.ask(6)
    assert len(batch) == 6
    U = QUADRATIC.encode([c.config for c in batch])
    gaps = [np.linalg.norm(U[i] - U[j]) for i in range(6) for j in range(i)]
    assert min(gaps) > 0.01
    assert strategy.n_model_proposals == 6


def test_pending_candidates_are_not_proposed_again():
    space = Space(a=Int(0, 4), b=Categorical(["x", "y"]))
    result = _run(lambda c: c["a"] + (c["b"] == "y"), space, 25, 0)
    keys = [tuple(sorted(t.candidate.config.items())) for t in result.trials]
    assert len(keys) == len(set(keys)) == 10  # the space holds 10 configurations; the search ends there


def test_the_model_learns_from_the_largest_budget_with_enough_results():
    strategy = BayesianOptimization(QUADRATIC, seed=0, n_initial=2, min_budget_points=3)
    configs = QUADRATIC.sample(8, seed=1)
    from hpo.trial import Candidate

    budgets = [1, 1, 1, 1, 9, 9, 9, 27]
    for i, (c, b) in enumerate(zip(configs, budgets)):
        cand = Candidate(c, b, i)
        strategy.pending[i] = cand
        strategy.tell(Trial(number=i, candidate=cand, status="ok", value=float(i), loss=float(i)))
    U, losses = strategy._observations()
    assert sorted(losses) == [4.0, 5.0, 6.0]  # budget 9: the largest with 3 results
    all_budgets = BayesianOptimization(QUADRATIC, seed=0, fit_budget="all")
    for t in strategy.trials:
        all_budgets.pending[t.candidate.id] = t.candidate
        all_budgets.tell(t)
    assert len(all_budgets._observations()[1]) == 8


def test_long_searches_fit_on_subsets():
    space = Space(x=Float(0.0, 1.0), y=Float(0.0, 1.0), z=Float(0.0, 1.0))
    proposer = BayesianProposer(space, max_fit_points=30, max_model_points=60)
    rng = np.random.default_rng(0)
    U = rng.random((400, 3))
    losses = ((U - 0.3) ** 2).sum(1)
    proposer.fit(U, losses, rng)
    assert len(proposer.gp.y) == 60
    best_u, _ = proposer.ranked(rng)
    assert ((best_u[0] - 0.3) ** 2).sum() < ((U[np.argmin(losses)] - 0.3) ** 2).sum() + 0.01


def test_after_a_proposal_that_did_not_improve_the_humbler_model_proposes_and_backs_off_if_it_does_not_pay(
        monkeypatch):
    strategy = BayesianOptimization(QUADRATIC, seed=0, n_initial=5)
    gp = strategy.proposer.gp
    capped = []
    real = type(gp).capped_lengthscales
    monkeypatch.setattr(type(gp), "capped_lengthscales",
                        lambda self, cap: (capped.append(cap), real(self, cap))[1])

    def step(loss):
        before = len(capped)
        _tell_all(strategy, strategy.ask(1), lambda c: loss)
        return len(capped) > before  # whether that proposal came from the humbler model

    _tell_all(strategy, strategy.ask(5), _quadratic)
    assert not step(-10.0)  # improves: the fitted model goes on
    assert not step(5.0)    # does not improve ...
    assert step(5.0)        # ... so the humbler model proposes; it does not pay either,
    assert not step(5.0)    # so the patience doubles: one more from the fitted model
    assert step(-20.0)      # then the humbler model again; this one improves,
    assert not step(5.0)    # which resets the patience to 1
    assert step(5.0)
    assert capped == [0.3] * 3


def _posterior_mean(strategy, U):
    proposer = strategy.proposer
    mean, _ = proposer.gp.predict(proposer.features(*QUADRATIC.snap(U)))
    return mean


def _grid(k=101):
    g = np.linspace(0.0, 1.0, k)
    return np.array(np.meshgrid(g, g)).reshape(2, -1).T


def _strategy_with(n_trials, **options):
    """A strategy on QUADRATIC told ``n_trials`` trials (a Sobol design, then its own proposals)."""
    strategy = BayesianOptimization(QUADRATIC, seed=0, n_initial=5, **options)
    _tell_all(strategy, strategy.ask(5), _quadratic)
    while len(strategy.trials) < n_trials:
        _tell_all(strategy, strategy.ask(1), _quadratic)
    return strategy


def test_after_an_improvement_with_ten_points_per_parameter_the_next_proposal_is_the_posterior_means_minimum():
    strategy = _strategy_with(20)  # 10 per parameter: the rule's threshold
    greedy = strategy.n_greedy_proposals
    _tell_all(strategy, strategy.ask(1), lambda c: -1.0)  # better than any loss so far
    (proposal,) = strategy.ask(1)
    assert strategy.n_greedy_proposals == greedy + 1
    at_proposal = _posterior_mean(strategy, QUADRATIC.encode([proposal.config]))[0]
    grid = _posterior_mean(strategy, _grid())
    assert at_proposal <= grid.min() + 1e-3 * grid.std()
    # a proposal that did not improve is not followed by a greedy step
    _tell_all(strategy, [proposal], lambda c: 50.0)
    (other,) = strategy.ask(1)
    assert strategy.n_greedy_proposals == greedy + 1
    assert _posterior_mean(strategy, QUADRATIC.encode([other.config]))[0] > grid.min() + 0.1 * grid.std()


@pytest.mark.parametrize("n_trials, options", [(12, {}), (20, {"exploit_after": None}), (20, {"exploit_after": 30})])
def test_no_greedy_step_before_the_model_has_its_points_or_when_switched_off(n_trials, options):
    strategy = _strategy_with(n_trials, **options)
    _tell_all(strategy, strategy.ask(1), lambda c: -1.0)
    strategy.ask(1)
    assert strategy.n_greedy_proposals == 0


def test_one_greedy_step_per_improvement_even_within_a_batch():
    strategy = _strategy_with(20)
    greedy = strategy.n_greedy_proposals
    _tell_all(strategy, strategy.ask(1), lambda c: -1.0)
    batch = strategy.ask(3)
    assert strategy.n_greedy_proposals == greedy + 1
    U = QUADRATIC.encode([c.config for c in batch])
    assert min(np.linalg.norm(U[i] - U[j]) for i in range(3) for j in range(i)) > 0.01


def test_a_ranking_explores_or_exploits_not_both():
    strategy = _strategy_with(8)
    with pytest.raises(ValueError, match="not both"):
        strategy.proposer.ranked(np.random.default_rng(0), explore=True, exploit=True)
    U, values = strategy.proposer.ranked(np.random.default_rng(0), exploit=True)
    assert np.all(np.diff(values) <= 0)
    assert np.allclose(values, -_posterior_mean(strategy, U))


def _hartmann6_face_trap(names: list[str]) -> list[dict]:
    """25 configurations that lead a model onto Hartmann-6's face x0 = 0, as natural runs get there.

    Hartmann-6 is a sum of four bumps. 10 uniform points; 10 in the second bump
    (centre P[1]) with x0 and x3 uniform, since there they barely matter
    (coefficients 0.05 and 0.1): the model learns to write x0 off; then 5 steps on
    the face x0 = 0 from that bump toward the third (the global basin, centre P[2]),
    whose best point on the face is -2.84 (the global minimum, -3.32, is at x0 = 0.2).
    Fixed points from numpy's PCG64 stream (the same on every platform).
    """
    rng = np.random.default_rng(0)
    second = np.array([0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991])
    third = np.array([0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.665])
    uniform = rng.random((10, 6))
    in_second = np.clip(second + rng.normal(0.0, 0.04, (10, 6)), 0.0, 1.0)
    in_second[:, [0, 3]] = rng.random((10, 2))
    step = np.linspace(0.2, 0.6, 5)[:, None]
    on_face = (1.0 - step) * second + step * third
    on_face[:, 0] = 0.0
    U = np.vstack([uniform, in_second, on_face])
    return [dict(zip(names, map(float, u))) for u in U]


@pytest.mark.slow
def test_exploring_with_the_humbler_model_leaves_hartmann6_boundary_optimum():
    """From a start that leads onto a face of the box, the fitted model alone refines the face's optimum
    for good; the exploring step (``patience=1``, length scales capped at 0.3) leaves it.

    Natural runs get there too (80 evaluations, seeds 0-119, OpenBLAS's Haswell kernel: the model alone
    ends above -3.0 on seeds 73 and 115 only, exploring on none), but too rarely to test on a few
    seeds, and how one seed ends depends on the BLAS kernel's rounding (seed 73 with exploring: -3.018
    with the Haswell kernel, -3.226 with the Sandybridge one; seed 41, stuck where it was chosen, is
    not stuck here). From the fixed start below, 40 model proposals, seeds 0-59: the model alone ends
    at the face's optimum, -2.841, on 60 of 60 (seeds 0-11: still after 80), exploring below -3.31 on
    60 of 60 (the slowest below -3.0 after 38); the same on seeds 0-29 with the Sandybridge and the
    Prescott kernels (OPENBLAS_CORETYPE), whose numbers differ in every run. A cap that caps nothing
    (``explore_lengthscale=100``) stays on the face on 60 of 60. Other draws of the same recipe trap
    the model alone less surely (``default_rng(1..5)``, seeds 0-9: 10, 0, 3, 9, 1 of 10 stuck), while
    exploring ends below -3.2 on 49 of 50: the draw kept is the one that traps, the claim holds on all.
    """
    from hpo.benchmarking import make_problem

    problem = make_problem("hartmann6")
    start = _hartmann6_face_trap(problem.space.names)
    assert min(problem.objective(c, None) for c in start) > -2.2  # the start is not in the global basin yet

    def best(seed, **options):
        result = hpo.optimize(lambda c: problem.objective(c, None), problem.space, "bayes",
                              n_trials=len(start) + 40, seed=seed,
                              strategy_options={"initial_configs": start, "n_initial": len(start), **options})
        return min(t.value for t in result.trials[len(start):])

    # on the seeds where the model alone stays on the face, exploring must leave it
    alone = {seed: best(seed, patience=None) for seed in range(8)}
    stuck = [seed for seed, value in alone.items() if value > -3.0]  # the face's optimum: -2.84
    assert len(stuck) >= 4, alone  # the start is a trap (measured: stuck on every seed)
    exploring = {seed: best(seed) for seed in stuck}
    escaped = [seed for seed, value in exploring.items() if value < -3.2]  # into the global basin
    assert len(escaped) >= 0.75 * len(stuck), exploring  # measured: every one


def test_inside_hyperband_it_learns_from_the_largest_budget_with_enough_results():
    """BOHB-style: hyperband draws its new configurations from "bayes", which learns from the largest budget with
    enough results among those that rank well (``MultiFidelity.ranks_well``: here every budget, once measured)."""
    strategy = make_strategy("hyperband", QUADRATIC, seed=0,
                             options={"min_budget": 1, "max_budget": 27, "sampler": "bayes",
                                      "sampler_options": {"n_initial": 5}})

    def objective(config, budget):
        return _quadratic(config) + 1.0 / budget

    result = hpo.optimize(objective, QUADRATIC, strategy=strategy, n_trials=120, seed=0)
    bayes = strategy.sampler
    assert bayes.n_model_proposals > 0
    budgets = {t.candidate.budget for t in bayes.trials + bayes._observed}
    assert len(budgets) > 1  # promotions reached the model through observe()
    _, losses = bayes._observations()
    counts = {}
    for t in bayes.trials + bayes._observed:
        if t.status == "ok":
            counts[t.candidate.budget] = counts.get(t.candidate.budget, 0) + 1
    largest = max(b for b, k in counts.items() if k >= bayes.min_budget_points and strategy.ranks_well(b))
    assert largest < 27, "a small budget that ranks as the full one steers the model"
    assert len(losses) == sum(1 for t in bayes.trials + bayes._observed if t.candidate.budget == largest)
    assert result.best_value < 1.0 / 27 + 0.05


def test_a_strategy_that_asked_pickles_and_goes_on():
    # the BLAS thread limiter holds C pointers; it must not stop a Tuner or a result from being pickled
    import pickle

    space = Space(x=Float(0.0, 1.0), y=Float(0.0, 1.0))
    strategy = BayesianOptimization(space, seed=0, n_initial=3)
    for i in range(5):
        (cand,) = strategy.ask(1)
        strategy.tell(Trial(number=i, candidate=cand, status="ok", value=cand.config["x"], loss=cand.config["x"]))
    copy = pickle.loads(pickle.dumps(strategy))
    assert copy.ask(1)[0].config == strategy.ask(1)[0].config
