"""Seed robustness: the best configurations re-scored under other seeds."""

from __future__ import annotations

import os

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import PredefinedSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

import hpo
from hpo import Categorical, Float, Int, Space
from hpo.analysis import SeedRobustness, seed_robustness
from hpo.analysis.robustness import _reseeded, _splits_for_seed


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def tree_tuner(iris):
    X, y = iris
    space = Space(max_depth=Categorical([1, 4]), min_samples_leaf=Int(1, 3))
    return hpo.Tuner(DecisionTreeClassifier(), space, "grid", None, random_state=0).fit(X, y)


def _line_result(direction: str = "minimize") -> hpo.Result:
    space = Space(x=Categorical([0, 1, 2, 3, 4, 5]))
    return hpo.optimize(lambda c: c["x"], space, "grid", seed=0, direction=direction)


def test_a_clear_winner_stays_the_winner(tree_tuner, iris):
    X, y = iris
    rob = seed_robustness(tree_tuner, X, y, n_seeds=4, top_k=6)
    assert isinstance(rob, SeedRobustness)
    assert rob.losses.shape == (6, 4) and np.isfinite(rob.losses).all()
    depth = [c["max_depth"] for c in rob.configs]
    assert depth[0] == 4 and depth[-1] == 1  # a stump is the worst whatever the seed
    assert rob.mean[-1] == pytest.approx(-2 / 3, abs=0.05)  # a stump gets 2 classes of 3 right
    assert rob.mean[:3].max() < rob.mean[-1] - 0.2
    assert rob.value_name == "validation score" and rob.sign == -1.0
    assert "validation split" in rob.what and "random_state" in rob.what
    assert len(rob.seeds) == 4 and tree_tuner.random_state not in rob.seeds
    records = rob.to_records()
    assert records[0]["mean"] == pytest.approx(-rob.mean[0]) and records[0]["mean"] > 0.85
    assert rob.to_markdown().startswith("| search rank | trial | configuration | search validation score |")


def test_a_winner_that_wins_on_its_own_seed_only_is_flagged():
    result = _line_result()  # the search's winner is x=0 ...
    rob = seed_robustness(result, objective=lambda c, seed: -c["x"] + 0.01 * seed % 1e-3, seeds=[1, 2, 3])
    # ... but under every other seed it is the worst of the five
    assert [c["x"] for c in rob.configs] == [0, 1, 2, 3, 4]
    assert list(rob.wins) == [0, 0, 0, 0, 3]
    assert rob.wins_once and not rob.winner_stays
    assert "wins on one seed only" in rob.warning and f"trial {rob.trial_numbers[4]}" in rob.warning
    assert "**Warning:**" in rob.to_markdown()


def test_winner_that_loses_on_the_mean_is_warned_about_too():
    result = _line_result()
    # x=0 wins seeds 1 and 2 narrowly, x=1 wins seed 3 by a lot: x=1 has the better mean
    table = {(0, 1): 0.0, (1, 1): 0.1, (0, 2): 0.0, (1, 2): 0.1, (0, 3): 5.0, (1, 3): 0.0}
    rob = seed_robustness(result, objective=lambda c, s: table[(c["x"], s)], seeds=[1, 2, 3], top_k=2)
    assert list(rob.wins) == [2, 1] and not rob.wins_once and not rob.winner_stays
    assert "lower mean" in rob.warning


def test_stable_winner_has_no_warning_and_maximize_is_respected():
    result = _line_result("maximize")  # the best is x=5
    rob = seed_robustness(result, objective=lambda c, s: c["x"] + 0.1 * np.sin(s), n_seeds=3, top_k=3)
    assert [c["x"] for c in rob.configs] == [5, 4, 3]
    assert rob.winner_stays and rob.warning is None and list(rob.wins) == [3, 0, 0]
    assert rob.sign == -1.0 and rob.to_records()[0]["search"] == 5.0
    assert rob.value_name == "value"


def test_a_winner_tied_on_the_mean_is_said_to_tie_not_to_stay_alone():
    result = _line_result()
    # x=0 and x=1 have the same loss on every new seed: neither is "the" winner
    rob = seed_robustness(result, objective=lambda c, s: 0.0 if c["x"] < 2 else 1.0, seeds=[1, 2], top_k=3)
    assert rob.winner_stays and rob.warning is None
    assert rob.verdict == f"The search's winner (trial {rob.trial_numbers[0]}) ties trial {rob.trial_numbers[1]} " \
        "for the lowest mean value over the seeds."
    assert rob.verdict in rob.to_markdown() and "stays the winner" not in rob.to_markdown()


def test_multifidelity_top_k_takes_the_largest_budgets_first():
    from .conftest import halving_result

    result = halving_result()  # 18 configurations at budget 1, 6 at 3, 2 at 9
    rob = seed_robustness(result, objective=lambda c, s: c["depth"], seeds=[1], top_k=4)
    assert rob.trial_numbers[0] == result.best_trial.number
    assert rob.search_budget == [9.0, 9.0, 3.0, 3.0]
    assert len({tuple(sorted(c.items())) for c in rob.configs}) == 4  # distinct configurations
    assert "(budget 9)" in rob.to_markdown()


def test_failed_evaluations_are_recorded_not_raised():
    result = _line_result()

    def objective(config, seed):
        if config["x"] == 1 and seed == 2:
            raise RuntimeError("diverged")
        return config["x"]

    rob = seed_robustness(result, objective=objective, seeds=[1, 2], top_k=3)
    assert np.isnan(rob.losses[1, 1]) and rob.losses[1, 0] == 1
    assert rob.errors == [f"trial {rob.trial_numbers[1]}, seed 2: RuntimeError: diverged"]
    assert rob.mean[1] == 1


def test_seeds_are_reproducible():
    result = _line_result()
    a = seed_robustness(result, objective=_noisy, n_seeds=3, top_k=3, random_state=7)
    b = seed_robustness(result, objective=_noisy, n_seeds=3, top_k=3, random_state=7)
    c = seed_robustness(result, objective=_noisy, n_seeds=3, top_k=3, random_state=8)
    assert a.seeds == b.seeds and np.array_equal(a.losses, b.losses)
    assert a.seeds != c.seeds


@pytest.mark.slow
def test_parallel_gives_the_same_numbers():
    result = _line_result()
    a = seed_robustness(result, objective=_noisy, n_seeds=3, top_k=3, random_state=7)
    b = seed_robustness(result, objective=_noisy, n_seeds=3, top_k=3, random_state=7, n_jobs=2)
    assert a.seeds == b.seeds and np.array_equal(a.losses, b.losses)


def test_an_objective_is_read_as_a_search_reads_it():
    """Evaluations go through the search's boundary (hpo.engine.evaluate): what a search records as
    failed (a value that is no number, an infinite value, a pruned run) is recorded as failed here too."""
    result = _line_result()

    def objective(config, seed):
        x = config["x"]
        if x == 3:
            raise hpo.TrialPruned("not worth it")
        return {0: "0.5", 1: {"value": 1.0, "extra": 3}, 2: float("inf")}[x]

    rob = seed_robustness(result, objective=objective, seeds=[1], top_k=4)
    assert np.isnan(rob.losses[[0, 2, 3], 0]).all() and rob.losses[1, 0] == 1.0
    trial = rob.trial_numbers
    assert rob.errors[0].startswith(f"trial {trial[0]}, seed 1: TypeError: the objective must return a number")
    assert rob.errors[1:] == [f"trial {trial[2]}, seed 1: the objective returned inf",
                              f"trial {trial[3]}, seed 1: pruned: not worth it"]


def _dies_at_one(config, seed):
    if config["x"] == 1:
        os._exit(3)  # a crash that takes the worker process with it
    return config["x"] + seed


@pytest.mark.slow
def test_a_worker_that_dies_fails_its_evaluations_only():
    """With n_jobs, evaluations run in hpo's worker processes, as a search's: a dead worker fails its
    evaluation, recorded as an error, and every other evaluation is scored."""
    result = _line_result()
    rob = seed_robustness(result, objective=_dies_at_one, seeds=[1, 2], top_k=3, n_jobs=2)
    assert [c["x"] for c in rob.configs] == [0, 1, 2]
    assert np.isnan(rob.losses[1]).all() and rob.losses[[0, 2]].tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert len(rob.errors) == 2 and all("WorkerDiedError" in e for e in rob.errors)


def _noisy(config, seed):
    return config["x"] + np.random.default_rng(seed).normal()


def test_clear_errors(tree_tuner, iris):
    result = _line_result()
    with pytest.raises(TypeError, match="objective="):
        seed_robustness(result)
    with pytest.raises(TypeError, match="training data"):
        seed_robustness(tree_tuner)
    with pytest.raises(ValueError, match="top_k"):
        seed_robustness(result, objective=_noisy, top_k=0)
    with pytest.raises(ValueError, match="n_seeds"):
        seed_robustness(result, objective=_noisy, n_seeds=0)
    with pytest.raises(TypeError, match="not fitted"):
        seed_robustness(hpo.Tuner(DecisionTreeClassifier(), Space(max_depth=Int(1, 3))), *iris)


def test_every_random_state_of_a_pipeline_is_set():
    pipe = make_pipeline(StandardScaler(), LogisticRegression(random_state=None))
    est, changed = _reseeded(pipe, 11)
    assert changed and est.get_params()["logisticregression__random_state"] == 11
    assert pipe.get_params()["logisticregression__random_state"] is None  # the original is untouched
    _, changed = _reseeded(StandardScaler(), 11)
    assert not changed


def test_splits_change_with_the_seed(iris):
    X, y = iris
    a, moved = _splits_for_seed(0.2, X, y, None, True, 1)
    b, _ = _splits_for_seed(0.2, X, y, None, True, 2)
    assert moved and not np.array_equal(a[0][1], b[0][1])
    folds1, _ = _splits_for_seed(3, X, y, None, True, 1)
    folds2, _ = _splits_for_seed(3, X, y, None, True, 2)
    assert len(folds1) == 3 and not np.array_equal(folds1[0][1], folds2[0][1])  # shuffled folds
    groups = np.arange(len(y)) % 10
    g1, _ = _splits_for_seed(5, X, y, groups, True, 1)
    assert all(set(groups[tr]).isdisjoint(groups[va]) for tr, va in g1)
    fixed = PredefinedSplit(np.where(np.arange(len(y)) % 5 == 0, 0, -1))
    f1, moved = _splits_for_seed(fixed, X, y, None, True, 1)
    f2, _ = _splits_for_seed(fixed, X, y, None, True, 2)
    assert not moved and np.array_equal(f1[0][1], f2[0][1])


def test_deterministic_estimator_with_a_fixed_split_is_refused(iris):
    X, y = iris
    from sklearn.neighbors import KNeighborsClassifier

    fixed = PredefinedSplit(np.where(np.arange(len(y)) % 5 == 0, 0, -1))
    tuner = hpo.Tuner(KNeighborsClassifier(), Space(n_neighbors=Int(1, 5)), n_trials=3, validation=fixed,
                      random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="nothing to vary"):
        seed_robustness(tuner, X, y, n_seeds=2)


def test_tuner_with_cv_folds_and_a_float_space(iris):
    X, y = iris
    tuner = hpo.Tuner(DecisionTreeClassifier(), Space(ccp_alpha=Float(1e-4, 1e-1, log=True)), n_trials=6,
                      validation=3, random_state=0).fit(X, y)
    rob = seed_robustness(tuner, X, y, n_seeds=2, top_k=2)
    assert rob.losses.shape == (2, 2) and np.isfinite(rob.losses).all()
    assert rob.what.startswith("the validation split")


def test_a_multifidelity_tuner_is_rescored_at_its_max_resource(iris):
    import inspect

    if "resource" not in inspect.signature(hpo.Tuner).parameters or "halving" not in hpo.available_strategies():
        pytest.skip("needs the Tuner's resource and the halving strategy")
    X, y = iris
    tuner = hpo.Tuner(DecisionTreeClassifier(), Space(max_depth=Int(1, 8)), "halving", None,
                      resource="n_samples", random_state=0).fit(X, y)
    rob = seed_robustness(tuner, X, y, n_seeds=2, top_k=3)
    assert rob.trial_numbers[0] == tuner.result_.best_trial.number
    assert len(rob.configs) == 3 and np.isfinite(rob.losses).all()
    assert rob.search_budget[0] == max(b for b in rob.search_budget)


def test_when_every_rescoring_fails_nothing_is_said_about_the_winner():
    # it said "the winner stays" and warned that the winner "has the lowest mean loss" but loses, to itself
    result = _line_result()

    def broken(config, seed):
        raise RuntimeError("data missing")

    rob = seed_robustness(result, objective=broken, seeds=[1, 2, 3], top_k=3)
    assert not rob.measured and not rob.winner_stays and not rob.wins_once
    assert rob.verdict.startswith("No configuration could be scored on the new seeds")
    assert "data missing" in rob.warning


def test_a_maximized_search_is_said_to_have_the_highest_mean():
    result = _line_result("maximize")  # the best is x=5; under new seeds x=4 is better
    rob = seed_robustness(result, objective=lambda c, s: -abs(c["x"] - 4), seeds=[1, 2], top_k=3)
    assert not rob.winner_stays and "where trial 3 has the highest mean value" in rob.warning
