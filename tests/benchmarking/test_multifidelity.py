"""The ``multifidelity`` suite: budgets, fixed validation rows, and a test split no objective sees."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import cross_val_score
from threadpoolctl import threadpool_limits
from sklearn.svm import SVC

from hpo.benchmarking import available_problems, make_problem
from hpo.benchmarking import multifidelity as mf
from hpo.benchmarking import sklearn_tasks as st

from .test_sklearn_tasks import RowRecorder, check_test_rows_stay_out, row_set

#: A good configuration per problem (what a practitioner would try first).
GOOD = {
    "sgd_digits_epochs": {"loss": "hinge", "penalty": "l2", "alpha": 1e-4, "learning_rate": "optimal"},
    "mlp_digits_epochs": {"n_layers": 1, "units_0": 64, "activation": "relu", "solver": "adam", "alpha": 1e-4,
                          "learning_rate_init": 1e-3},
    "hgb_breast_cancer_iters": {"learning_rate": 0.1, "max_leaf_nodes": 15, "min_samples_leaf": 10,
                                "l2_regularization": 1e-3, "max_features": 1.0},
    "svm_digits_samples": {"C": 10.0, "gamma": 0.01, "tol": 1e-3},
}


@pytest.fixture(scope="module")
def problems():
    return {name: make_problem(name) for name in mf.problem_names()}


def test_registered_with_budgets(problems):
    assert set(mf.SUITE) == set(GOOD)
    # the suite, and the issue-20 tasks registered beside it (not in the suite)
    assert set(mf.problem_names()) == set(mf.SUITE) | set(mf.EXTRA) and not set(mf.SUITE) & set(mf.EXTRA)
    assert set(mf.problem_names()) <= set(available_problems())
    expected = {  # (unit, min, max)
        "sgd_digits_epochs": ("epochs", 1, 50),
        "mlp_digits_epochs": ("epochs", 1, 30),
        "hgb_breast_cancer_iters": ("max_iter", 5, 200),
        "svm_digits_samples": ("n_samples", 100, None),
        "hgb_synth_samples": ("n_samples", 400, 12800),
        "sgd_synth_epochs": ("epochs", 1, 27),
        "gb_synth_trees": ("n_estimators", 3, 81),
    }
    for name, problem in problems.items():
        unit, low, high = expected[name]
        assert problem.name == name
        assert problem.kind == "multifidelity" and problem.multifidelity
        assert problem.optimum is None and problem.test_loss is not None
        assert problem.budget_unit == unit and problem.min_budget == low
        if high is not None:
            assert problem.max_budget == high
        assert problem.min_budget < problem.max_budget
        assert unit in problem.description
        if name in GOOD:
            problem.space.validate(GOOD[name])
    # the sample budget is every row of the fitting part (75% of the training 80%)
    svm = problems["svm_digits_samples"]
    fit_rows, _ = svm.tags["cv"][0]
    assert svm.max_budget == len(fit_rows)


@pytest.mark.parametrize("name", sorted(GOOD))
def test_more_budget_lowers_the_loss_and_none_is_the_full_budget(name, problems):
    problem = problems[name]
    config = GOOD[name]
    low = problem.objective(config, problem.min_budget)
    high = problem.objective(config, problem.max_budget)
    assert high < low
    assert problem.objective(config, None) == high  # budget=None is max_budget, exactly
    assert math.isfinite(problem.test_loss(config))


def test_objective_is_deterministic_and_picklable(problems):
    problem = problems["hgb_breast_cancer_iters"]
    config = problem.space.sample(1, seed=2)[0]
    value = problem.objective(config, 20)
    assert problem.objective(config, 20) == value
    assert make_problem(problem.name).objective(config, 20) == value
    assert pickle.loads(pickle.dumps(problem.objective))(config, 20) == value
    assert problem.objective(config, 20.2) == value  # a fractional budget rounds to the nearest whole


def test_bad_budgets_are_errors(problems):
    problem = problems["svm_digits_samples"]
    config = GOOD["svm_digits_samples"]
    for budget in [0, 99, problem.max_budget + 1, float("nan"), float("inf")]:
        with pytest.raises(ValueError, match="budget"):
            problem.objective(config, budget)
    with pytest.raises(TypeError, match="budget"):
        problem.objective(config, "full")


def test_epoch_budgets_share_the_rows(problems, monkeypatch):
    problem = problems["sgd_digits_epochs"]
    recorder = RowRecorder(monkeypatch)
    recorder.watch(SGDClassifier)
    fit_rows, val_rows = problem.tags["cv"][0]
    X = problem.tags["X_train"]
    for budget in [1, 3]:
        with recorder.during(f"b{budget}"):
            problem.objective(GOOD[problem.name], budget)
        fits = [Xc for phase, method, Xc in recorder.calls if phase == f"b{budget}" and method == "partial_fit"]
        assert len(fits) == budget  # one partial_fit per epoch, from scratch
        for Xc in fits:
            assert_array_equal(Xc, X[fit_rows])
        preds = [Xc for phase, method, Xc in recorder.calls if phase == f"b{budget}" and method == "predict"]
        assert len(preds) == 1
        assert_array_equal(preds[0], X[val_rows])


def test_sample_budgets_nest_and_keep_the_validation_rows(problems, monkeypatch):
    problem = problems["svm_digits_samples"]
    recorder = RowRecorder(monkeypatch)
    recorder.watch(SVC)
    X, y = problem.tags["X_train"], problem.tags["y_train"]
    fit_rows, val_rows = problem.tags["cv"][0]
    assert not set(fit_rows) & set(val_rows)
    previous: set = set()
    for budget in [100, 250, 600, None]:
        recorder.calls.clear()
        with recorder.during("objective"):
            problem.objective(GOOD[problem.name], budget)
        (fitted,) = [Xc for _, method, Xc in recorder.calls if method == "fit"]
        (predicted,) = [Xc for _, method, Xc in recorder.calls if method == "predict"]
        assert_array_equal(predicted, X[val_rows])  # the validation part never shrinks
        n = problem.max_budget if budget is None else budget
        assert len(fitted) == n
        rows = row_set(fitted)
        assert rows <= row_set(X[fit_rows])
        assert previous <= rows  # nested: a larger budget keeps the rows of a smaller one
        previous = rows
    # every prefix of the subsample order is stratified (within one row per class)
    order = problem.tags["subsample_order"]
    classes, totals = np.unique(y[fit_rows], return_counts=True)
    for b in [100, 250, 600]:
        _, counts = np.unique(y[order[:b]], return_counts=True)
        assert np.all(np.abs(counts - b * totals / totals.sum()) <= 1.0)


def test_stratified_order():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    order = mf.stratified_order(y, seed=0)
    assert_array_equal(np.sort(order), np.arange(100))
    for b in range(1, 101):
        counts = np.bincount(y[order[:b]], minlength=3)
        assert np.all(np.abs(counts - b * np.array([0.5, 0.3, 0.2])) <= 1.0)
    assert_array_equal(order, mf.stratified_order(y, seed=0))
    assert not np.array_equal(order, mf.stratified_order(y, seed=1))


def test_partial_fit_epochs_wrapper():
    X, y = st.load_split("iris").X_train, st.load_split("iris").y_train
    wrapper = mf.PartialFitEpochs(SGDClassifier(random_state=0), epochs=3, classes=np.unique(y))
    wrapper = clone(wrapper).set_params(alpha=1e-3, epochs=4)  # unknown names go to the wrapped estimator
    assert wrapper.estimator.alpha == 1e-3 and wrapper.epochs == 4
    wrapper.fit(X, y)
    manual = SGDClassifier(random_state=0, alpha=1e-3)
    for _ in range(4):
        manual.partial_fit(X, y, classes=np.unique(y))
    assert_array_equal(wrapper.predict(X), manual.predict(X))
    assert_array_equal(wrapper.decision_function(X), manual.decision_function(X))
    assert_array_equal(wrapper.classes_, manual.classes_)
    with pytest.raises(ValueError, match="epochs"):
        mf.PartialFitEpochs(SGDClassifier(), epochs=0).fit(X, y)


@pytest.mark.parametrize("name", ["hgb_breast_cancer_iters", "sgd_digits_epochs"])
def test_tags_let_a_peer_reproduce_the_full_budget_loss(name, problems):
    problem = problems[name]
    tags = problem.tags
    config = GOOD[name]
    estimator = clone(tags["estimator"]).set_params(**problem.space.to_params(config))
    with threadpool_limits(1):  # as the objective runs (one thread; OpenMP crawls on a busy machine)
        scores = cross_val_score(estimator, tags["X_train"], tags["y_train"], scoring=tags["scoring"],
                                 cv=tags["cv"])
    assert tags["loss_offset"] - scores.mean() == pytest.approx(problem.objective(config, None), abs=1e-12)


@pytest.mark.parametrize("name", sorted(GOOD))
def test_test_rows_never_reach_an_objective(name, problems, monkeypatch):
    problem = problems[name]
    # epochs: a few stand in for all of them (the same path; the full budget is the dearest evaluation)
    budgets = (problem.min_budget, 3) if problem.budget_unit == "epochs" else (problem.min_budget, None)
    check_test_rows_stay_out(problem, st.load_split(problem.tags["dataset"]), monkeypatch, budgets=budgets)


@pytest.mark.slow
def test_every_problem_evaluates_sampled_configs(problems):
    for problem in problems.values():
        for config in problem.space.sample(2, seed=0):
            for budget in [problem.min_budget, None]:
                assert math.isfinite(problem.objective(config, budget))
        assert math.isfinite(problem.test_loss(config))
