"""Budgets as resources: n_samples subsamples, warm-started parameters, epochs of partial_fit, paused models."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_digits, make_classification
from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from threadpoolctl import threadpool_limits

from hpo import Float, Int, Space, Tuner
from hpo.evaluation import EstimatorObjective, make_scorers, make_splits
from hpo.resources import (
    EstimatorParam, Epochs, PausedModels, nested_order, resolve_resource, strategy_needs_budgets,
    strategy_takes_budgets,
)
from hpo.strategies import RandomSearch
from hpo.trial import Candidate
from hpo.strategies.base import config_key

FITS: list = []  # what the recording estimators saw (cleared by the fixture)


@pytest.fixture(autouse=True)
def clear_log():
    FITS.clear()
    with threadpool_limits(1):  # histogram gradient boosting's OpenMP crawls on a busy machine
        yield
    FITS.clear()


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:400], y[:400]


@pytest.fixture(scope="module")
def binary():
    return make_classification(n_samples=240, n_features=8, random_state=0)


class CountingSGD(SGDClassifier):
    def fit(self, *args, **kwargs):
        FITS.append("fit")
        return super().fit(*args, **kwargs)

    def partial_fit(self, *args, **kwargs):
        FITS.append("partial_fit")
        return super().partial_fit(*args, **kwargs)


class CountingSVC(SVC):
    def fit(self, *args, **kwargs):
        FITS.append("fit")
        return super().fit(*args, **kwargs)


class RowRecorder(ClassifierMixin, BaseEstimator):
    """Column 0 of X is the row number: records the rows it is fitted on and those it predicts."""

    def __init__(self, c: float = 1.0):
        self.c = c

    def fit(self, X, y):
        FITS.append(("fit", X[:, 0].astype(int).copy(), np.asarray(y).copy()))
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        FITS.append(("predict", X[:, 0].astype(int).copy()))
        return np.full(len(X), self.classes_[0])


def objective_for(estimator, space, X, y, resource, validation=0.25, min_resource=None, max_resource=None,
                  random_state=0, scoring=None):
    splits = make_splits(validation, X, y, classifier=True, random_state=0)
    res, low, high, _ = resolve_resource(estimator, space, "random", None, resource, min_resource, max_resource,
                                         X, y, splits, True)
    scorers, _ = make_scorers(estimator, scoring)
    return EstimatorObjective(estimator, space, X, y, splits, scorers, "score", resource=res, min_resource=low,
                              max_resource=high, random_state=random_state)


SGD_SPACE = Space(alpha=Float(1e-5, 1e-1, log=True))


# ----------------------------------------------------------------- bad resources
@pytest.mark.parametrize("estimator, kwargs, match", [
    (CountingSGD(), {"resource": "max_iterations"}, "neither 'n_samples', 'epochs' nor a parameter.*max_iter"),
    (CountingSGD(), {"resource": "alpha"}, "'alpha' is not an integer parameter"),
    (CountingSGD(), {"resource": "learning_rate"}, "'learning_rate' is not an integer parameter"),
    (CountingSVC(), {"resource": "epochs", "max_resource": 5}, "partial_fit; CountingSVC has none"),
    (CountingSGD(), {"resource": "epochs"}, "needs max_resource"),
    (CountingSGD(), {"resource": "max_iter", "min_resource": 10, "max_resource": 5}, "min_resource=10 is larger"),
    (CountingSGD(), {"resource": "epochs", "min_resource": 1.5, "max_resource": 5}, "min_resource must be a positive"),
    (CountingSGD(), {"resource": "epochs", "max_resource": 0}, "max_resource must be a positive"),
    (CountingSGD(), {"resource": "n_samples", "max_resource": 10_000}, "more than the 320 training rows"),
    (CountingSGD(), {"resource": 3}, "resource must be"),
    (CountingSGD(), {"strategy": "random", "min_resource": 3}, "no resource"),
    (CountingSGD(), {"resource": "max_iter", "strategy_options": {"max_budget": 7}}, "disagrees"),
])
def test_a_bad_resource_is_an_error_before_any_fit(digits, estimator, kwargs, match):
    X, y = digits
    kwargs = {"strategy": "halving", "n_trials": None, **kwargs}
    with pytest.raises((ValueError, TypeError), match=match):
        Tuner(estimator, SGD_SPACE if not isinstance(estimator, SVC) else Space(C=Float(0.1, 10.0)),
              **kwargs).fit(X, y)
    assert FITS == []


def test_the_resource_cannot_also_be_searched(digits):
    X, y = digits
    space = Space(alpha=Float(1e-5, 1e-1, log=True), max_iter=Int(5, 50))
    with pytest.raises(ValueError, match="'max_iter' is also a parameter of the search space"):
        Tuner(CountingSGD(), space, strategy="halving", resource="max_iter").fit(X, y)
    assert FITS == []


def test_forcing_warm_start_needs_the_parameter(digits):
    X, y = digits
    with pytest.raises(ValueError, match="SVC has no warm_start"):
        Tuner(CountingSVC(), Space(C=Float(0.1, 10.0)), strategy="halving",
              resource=EstimatorParam("max_iter", warm_start=True), max_resource=50).fit(X, y)
    assert FITS == []


# ----------------------------------------------------------------- n_samples
def test_nested_order_prefixes_are_stratified_and_nested():
    y = np.repeat([0, 1, 2], [60, 30, 10])
    order = nested_order(y, np.random.default_rng(0))
    assert sorted(order) == list(range(100))
    for b in (10, 20, 50):
        counts = np.bincount(y[order[:b]], minlength=3)
        assert np.all(np.abs(counts - b * np.array([0.6, 0.3, 0.1])) <= 1)
    assert_array_equal(order, nested_order(y, np.random.default_rng(0)))
    assert not np.array_equal(order, nested_order(y, np.random.default_rng(1)))


def test_n_samples_subsamples_the_training_part_only(binary):
    X, y = binary
    X = np.column_stack([np.arange(len(y)), X])
    objective = objective_for(RowRecorder(), Space(c=Float(0.1, 1.0)), X, y, "n_samples", random_state=3)
    (train, val), = objective.splits
    assert (objective.min_resource, objective.max_resource) == (4, len(train))  # 2 per class
    fitted = {}
    for b in (20, 60, 180):
        FITS.clear()
        out = objective({"c": 0.5}, b)
        (_, rows, labels), (_, scored) = FITS
        assert len(rows) == b == out["n_resources"] == out["resource_units"]
        assert set(rows) <= set(train)
        assert abs(np.mean(labels) - np.mean(y[train])) <= 1 / b + 1e-9, "stratified"
        assert_array_equal(np.sort(scored), np.sort(val)), "the validation part never shrinks"
        fitted[b] = set(rows)
    assert fitted[20] <= fitted[60] <= fitted[180], "nested"
    twin = objective_for(RowRecorder(), Space(c=Float(0.1, 1.0)), X, y, "n_samples", random_state=3)
    other = objective_for(RowRecorder(), Space(c=Float(0.1, 1.0)), X, y, "n_samples", random_state=4)
    FITS.clear()
    twin({"c": 0.5}, 20)
    other({"c": 0.5}, 20)
    assert set(FITS[0][1]) == fitted[20], "seeded"
    assert set(FITS[2][1]) != fitted[20]
    FITS.clear()
    objective({"c": 0.5}, None)
    assert len(FITS[0][1]) == len(train)


def test_a_budget_out_of_range_or_without_resource_fails_clearly(binary):
    X, y = binary
    objective = objective_for(SGDClassifier(random_state=0), SGD_SPACE, X, y, "epochs", max_resource=5)
    with pytest.raises(ValueError, match=r"outside the resource range \[1, 5\]"):
        objective({"alpha": 1e-3}, 9)
    plain = EstimatorObjective(SGDClassifier(), SGD_SPACE, X, y, make_splits(0.25, X, y, random_state=0),
                               make_scorers(SGDClassifier(), None)[0], "score")
    with pytest.raises(ValueError, match="no resource"):
        plain({"alpha": 1e-3}, 3)


# ----------------------------------------------------------------- warm start
@pytest.mark.parametrize("est, param", [
    (HistGradientBoostingClassifier(max_iter=40, early_stopping=True, n_iter_no_change=2, random_state=0), "max_iter"),
    (GradientBoostingClassifier(n_estimators=40, n_iter_no_change=2, random_state=0), "n_estimators"),
])
def test_an_estimator_that_stops_early_on_its_own_is_refitted_not_continued(binary, est, param):
    X, y = binary
    space = Space(learning_rate=Float(0.01, 1.0, log=True))
    objective = objective_for(est, space, X, y, param, validation=2)
    config = {"learning_rate": 0.5}
    objective(config, 10)
    second = objective(config, 30)
    scratch = objective_for(est, space, X, y, param, validation=2)(config, 30)
    assert second["resumed_from"] == 0 and second["value"] == scratch["value"]  # as a fresh fit scores it
    assert objective.paused.peek(config_key(config)) is None


def test_hist_gradient_boosting_continues_from_its_paused_model(binary):
    X, y = binary
    space = Space(learning_rate=Float(0.01, 1.0, log=True))
    est = HistGradientBoostingClassifier(max_iter=40, early_stopping=False, random_state=0)
    objective = objective_for(est, space, X, y, "max_iter", validation=2)
    assert objective.resource.continues and (objective.min_resource, objective.max_resource) == (1, 40)
    config = {"learning_rate": 0.2}
    first = objective(config, 10)
    assert first["resumed_from"] == 0 and first["resource_units"] == 20  # 10 per split, 2 splits
    done, models = objective.paused.peek(config_key(config))
    assert done == 10 and len(models) == 2
    early = [list(m._predictors) for m in models]
    second = objective(config, 30)
    assert second["resumed_from"] == 10 and second["resource_units"] == 40, "only the 20 extra iterations"
    done, again = objective.paused.peek(config_key(config))
    assert done == 30
    for m, before in zip(again, early):
        assert m.n_iter_ == 30 and len(m._predictors) == 30
        assert all(a is b for a, b in zip(m._predictors[:10], before)), "the first 10 trees are kept, not refit"
    scratch = objective_for(est, space, X, y, "max_iter", validation=2)(config, 30)
    assert second["value"] == scratch["value"] and scratch["resumed_from"] == 0
    full = objective(config, None)
    assert full["n_resources"] == 40 and full["resumed_from"] == 30
    assert objective.paused.peek(config_key(config)) is None, "a model at the full budget is not kept"


def test_forest_continues_by_adding_trees(binary):
    X, y = binary
    space = Space(max_depth=Int(2, 8))
    objective = objective_for(RandomForestClassifier(n_estimators=30, random_state=0), space, X, y, "n_estimators")
    config = {"max_depth": 4}
    objective(config, 5)
    (m5,) = objective.paused.peek(config_key(config))[1]
    trees = list(m5.estimators_)
    out = objective(config, 15)
    (m15,) = objective.paused.peek(config_key(config))[1]
    assert out["resource_units"] == 10 and len(m15.estimators_) == 15
    assert all(a is b for a, b in zip(m15.estimators_[:5], trees))
    scratch = objective_for(RandomForestClassifier(n_estimators=30, random_state=0), space, X, y, "n_estimators")
    assert out["value"] == scratch(config, 15)["value"]


def test_a_step_parameter_of_a_pipeline_continues_too(binary):
    X, y = binary
    pipe = make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=20, random_state=0))
    space = Space(randomforestclassifier__max_depth=Int(2, 8))
    objective = objective_for(pipe, space, X, y, "randomforestclassifier__n_estimators")
    assert objective.resource.continues and objective.max_resource == 20
    config = {"randomforestclassifier__max_depth": 3}
    objective(config, 4)
    out = objective(config, 12)
    (model,) = objective.paused.peek(config_key(config))[1]
    assert out["resumed_from"] == 4 and out["resource_units"] == 8 and len(model[-1].estimators_) == 12
    scratch = objective_for(pipe, space, X, y, "randomforestclassifier__n_estimators")(config, 12)
    assert out["value"] == scratch["value"]


def test_a_parameter_whose_warm_start_restarts_is_fitted_from_scratch(binary):
    X, y = binary
    objective = objective_for(MLPClassifier(max_iter=20, random_state=0), Space(alpha=Float(1e-5, 1e-1, log=True)),
                              X, y, "max_iter")
    assert not objective.resource.continues
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        objective({"alpha": 1e-3}, 5)
        out = objective({"alpha": 1e-3}, 10)
    assert out["resumed_from"] == 0 and out["resource_units"] == 10 and len(objective.paused) == 0


# ----------------------------------------------------------------- epochs
def sgd_after(epochs, X, y, alpha):
    est = SGDClassifier(random_state=0, alpha=alpha)
    for _ in range(epochs):
        est.partial_fit(X, y, classes=np.unique(y))
    return est


def test_epochs_continue_partial_fit_from_the_paused_state(digits):
    X, y = digits
    objective = objective_for(SGDClassifier(random_state=0), SGD_SPACE, X, y, "epochs", max_resource=9)
    (train, _), = objective.splits
    config = {"alpha": 1e-3}
    objective(config, 2)
    (m2,) = objective.paused.peek(config_key(config))[1]
    out = objective(config, 5)
    assert out["resumed_from"] == 2 and out["resource_units"] == 3
    (m5,) = objective.paused.peek(config_key(config))[1]
    assert m5 is m2, "the same model trained further"
    want = sgd_after(5, X[train], y[train], 1e-3)
    assert m5.t_ == want.t_ == 5 * len(train) + 1
    assert_allclose(m5.coef_, want.coef_)


def test_mlp_epochs_count_up_in_n_iter(digits):
    X, y = digits
    space = Space(alpha=Float(1e-5, 1e-1, log=True))
    objective = objective_for(MLPClassifier(hidden_layer_sizes=(16,), random_state=0), space, X, y, "epochs",
                              max_resource=10)
    config = {"alpha": 1e-4}
    objective(config, 2)
    out = objective(config, 6)
    (m,) = objective.paused.peek(config_key(config))[1]
    assert out["resumed_from"] == 2 and m.t_ == 6 * len(objective.splits[0][0]), "6 epochs of samples seen"
    scratch = objective_for(MLPClassifier(hidden_layer_sizes=(16,), random_state=0), space, X, y, "epochs",
                            max_resource=10)(config, 6)
    assert out["value"] == scratch["value"]


def test_epochs_of_a_pipeline_fit_the_preprocessing_once(digits):
    X, y = digits
    pipe = make_pipeline(StandardScaler(), SGDClassifier(random_state=0))
    space = Space(sgdclassifier__alpha=Float(1e-5, 1e-1, log=True))
    objective = objective_for(pipe, space, X, y, "epochs", max_resource=6)
    (train, val), = objective.splits
    config = {"sgdclassifier__alpha": 1e-3}
    objective(config, 1)
    out = objective(config, 4)
    scaler = StandardScaler().fit(X[train])
    want = sgd_after(4, scaler.transform(X[train]), y[train], 1e-3)
    assert out["value"] == pytest.approx(want.score(scaler.transform(X[val]), y[val]))


def test_paused_memory_is_bounded_and_keeps_the_best_ranked(digits):
    X, y = digits
    objective = objective_for(SGDClassifier(random_state=0), SGD_SPACE, X, y, Epochs(max_paused=2), max_resource=9)
    configs = [{"alpha": a} for a in (1e-5, 1e-4, 1e-3, 1e-2, 1e-1)]
    scores = {}
    for c in configs:
        scores[config_key(c)] = objective(c, 1)["value"]
        assert len(objective.paused) <= 2
    kept = set(objective.paused.amounts())
    best_two = set(sorted(scores, key=scores.get, reverse=True)[:2])  # the earliest among equal scores
    assert kept == best_two and objective.paused.dropped == 3
    assert objective.paused.nbytes() > 0
    dropped = next(c for c in configs if config_key(c) not in kept)
    out = objective(dropped, 3)
    assert out["resumed_from"] == 0 and out["resource_units"] == 3, "a dropped candidate is fitted from scratch"
    twin = objective_for(SGDClassifier(random_state=0), SGD_SPACE, X, y, "epochs", max_resource=9)
    twin(dropped, 1)
    assert twin(dropped, 3)["value"] == out["value"], "same score either way"
    off = objective_for(SGDClassifier(random_state=0), SGD_SPACE, X, y, Epochs(max_paused=0), max_resource=9)
    off(configs[0], 1)
    assert len(off.paused) == 0 and off(configs[0], 3)["resumed_from"] == 0


def test_a_pickled_objective_starts_with_no_paused_model(digits):
    X, y = digits
    objective = objective_for(SGDClassifier(random_state=0), SGD_SPACE, X, y, "epochs", max_resource=9)
    objective({"alpha": 1e-3}, 2)
    twin = pickle.loads(pickle.dumps(objective))
    assert len(objective.paused) == 1 and len(twin.paused) == 0 and twin.paused.max_paused == 32
    a, b = objective({"alpha": 1e-3}, 4), twin({"alpha": 1e-3}, 4)
    assert (a["resumed_from"], b["resumed_from"]) == (2, 0) and a["value"] == b["value"]


def test_paused_models_drop_the_worst_ranked_at_its_own_amount():
    paused = PausedModels(2)
    for amount, score in [(1, 0.5), (1, 0.6), (1, 0.7), (3, 0.4), (3, 0.9)]:
        paused.note(amount, score)
    paused.put("a", 1, ["m"], 0.7)   # the best at amount 1
    paused.put("b", 3, ["m"], 0.4)   # the worst at amount 3
    paused.put("c", 1, ["m"], 0.6)   # middling at amount 1
    assert set(paused.amounts()) == {"a", "c"}
    assert paused.take("a", 0) is None, "a paused model never goes back to a smaller amount"
    assert paused.take("a", 5) == (1, ["m"]) and "a" not in paused


# ----------------------------------------------------------------- the Tuner
def test_tuner_halving_by_epochs_reports_rungs_like_scikit_learn(digits):
    X, y = digits
    tuner = Tuner(SGDClassifier(random_state=0), SGD_SPACE, strategy="halving", n_trials=None, resource="epochs",
                  max_resource=9, random_state=0).fit(X, y)
    res = tuner.cv_results_
    assert_array_equal(res["iter"], [0] * 9 + [1] * 3 + [2])
    assert_array_equal(res["n_resources"], [1] * 9 + [3] * 3 + [9])
    assert tuner.n_resources_ == [1, 3, 9] and tuner.n_candidates_ == [9, 3, 1]
    assert (tuner.min_resources_, tuner.max_resources_) == (1, 9) and tuner.resource_.name == "epochs"
    assert tuner.best_index_ == 12 and res["rank_test_score"][12] == 1
    assert min(res["rank_test_score"][:12]) == 2, "smaller budgets rank after the largest"
    promoted = {config_key(t.config) for t in tuner.trials_[9:12]}
    best3 = sorted(range(9), key=lambda i: -res["mean_test_score"][i])[:3]
    assert promoted == {config_key(tuner.trials_[i].config) for i in best3}
    units = [t.metrics["resource_units"] for t in tuner.trials_]
    assert units == [1] * 9 + [2] * 3 + [6], "promoted candidates continue"
    want = sgd_after(9, X, y, tuner.best_params_["alpha"])
    assert tuner.best_estimator_.t_ == want.t_
    assert_allclose(tuner.best_estimator_.coef_, want.coef_)


def test_tuner_halving_defaults_to_n_samples(digits):
    X, y = digits
    tuner = Tuner(SVC(), Space(C=Float(0.1, 100.0, log=True), gamma=Float(1e-4, 1e-1, log=True)),
                  strategy="halving", n_trials=None, random_state=0).fit(X, y)
    assert tuner.resource_.name == "n_samples"
    assert (tuner.min_resources_, tuner.max_resources_) == (20, 320)  # 2 per class; the 80% training part
    assert tuner.n_resources_ == [36, 107, 320] and tuner.n_candidates_ == [9, 3, 1]
    assert tuner.cv_results_["n_resources"][tuner.best_index_] == 320
    assert tuner.best_estimator_.support_vectors_.shape[0] > 0


def test_tuner_random_with_a_resource_runs_everything_at_max(binary):
    X, y = binary
    tuner = Tuner(HistGradientBoostingClassifier(max_iter=15, early_stopping=False, random_state=0),
                  Space(learning_rate=Float(0.01, 1.0, log=True)), n_trials=4, resource="max_iter",
                  random_state=0).fit(X, y)
    assert_array_equal(tuner.cv_results_["n_resources"], [15] * 4)
    assert_array_equal(tuner.cv_results_["iter"], [0] * 4)
    assert tuner.best_estimator_.n_iter_ == 15


def test_tuner_hyperband_by_trees_spends_less_than_its_budgets(binary):
    X, y = binary
    tuner = Tuner(HistGradientBoostingClassifier(max_iter=27, early_stopping=False, random_state=0),
                  Space(learning_rate=Float(0.01, 1.0, log=True), max_leaf_nodes=Int(4, 32)), strategy="hyperband",
                  n_trials=40, resource="max_iter", random_state=0).fit(X, y)
    spent = sum(t.metrics["resource_units"] for t in tuner.trials_)
    nominal = int(np.sum(tuner.cv_results_["n_resources"]))
    assert spent < nominal
    assert tuner.cv_results_["n_resources"][tuner.best_index_] == 27
    # several brackets: per amount (per iter paired amounts with counts of trials that never used them)
    amounts = tuner.cv_results_["n_resources"]
    assert tuner.n_resources_ == sorted(set(amounts.tolist())) and tuner.n_resources_[-1] == 27
    assert tuner.n_candidates_ == [int(np.sum(amounts == a)) for a in tuner.n_resources_]
    assert sum(tuner.n_candidates_) == len(tuner.trials_)


def test_tuner_sizes_the_halving_plan_to_n_trials(digits):
    X, y = digits
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*stops strategy")  # the plan fits: no warning that n_trials cuts it
        tuner = Tuner(SGDClassifier(random_state=0), SGD_SPACE, strategy="halving", n_trials=5, resource="epochs",
                      max_resource=9, random_state=0).fit(X, y)
    assert len(tuner.trials_) <= 5 and tuner.n_resources_[-1] == 9
    assert tuner.cv_results_["n_resources"][tuner.best_index_] == 9, "the best is trained with the full budget"


def test_tuner_warns_when_n_trials_cuts_a_plan_the_user_fixed(digits):
    X, y = digits
    with pytest.warns(UserWarning) as record:
        tuner = Tuner(SGDClassifier(random_state=0), SGD_SPACE, strategy="halving", n_trials=5, resource="epochs",
                      max_resource=9, random_state=0, strategy_options={"n_candidates": 9}).fit(X, y)
    messages = [str(w.message) for w in record]
    assert any("n_trials=5 stops strategy 'halving'" in m for m in messages)
    assert any("no candidate reached the full budget (epochs=9)" in m and "trained with 1" in m for m in messages)
    assert len(tuner.trials_) == 5 and tuner.cv_results_["n_resources"][tuner.best_index_] == 1


@pytest.mark.slow
def test_tuner_two_worker_processes_give_the_same_trials(digits):
    X, y = digits
    kwargs = dict(strategy="halving", n_trials=None, resource="epochs", max_resource=9, random_state=0)
    one = Tuner(SGDClassifier(random_state=0), SGD_SPACE, **kwargs).fit(X, y)
    two = Tuner(SGDClassifier(random_state=0), SGD_SPACE, n_jobs=2, **kwargs).fit(X, y)
    assert [t.config for t in one.trials_] == [t.config for t in two.trials_]
    assert_array_equal(one.cv_results_["mean_test_score"], two.cv_results_["mean_test_score"])
    units = [t.metrics["resource_units"] for t in two.trials_]
    assert units[:9] == [1] * 9 and units[-1] in (6, 9), "continued in the same worker, or fitted from scratch"


class OptionalBudgets(RandomSearch):
    """A strategy whose budgets are an option (as coarse-to-fine's): the full budget unless asked."""

    name = "optional-budgets-test"
    takes_budget = True  # declared, as every strategy that takes min_budget/max_budget does

    def __init__(self, space, *, seed=None, min_budget=None, max_budget=None):
        super().__init__(space, seed=seed)
        self.min_budget, self.max_budget = min_budget, max_budget

    def _ask(self, n):
        return [Candidate(c, self.min_budget) for c in super()._ask(n)]


def test_only_strategies_that_give_budgets_by_default_get_a_default_resource(digits):
    X, y = digits
    assert strategy_needs_budgets("halving") and strategy_needs_budgets("asha")
    assert strategy_takes_budgets(OptionalBudgets) and not strategy_needs_budgets(OptionalBudgets)
    assert not strategy_takes_budgets("random")
    plain = Tuner(SGDClassifier(random_state=0), SGD_SPACE, strategy=OptionalBudgets, n_trials=3,
                  random_state=0).fit(X, y)
    assert plain.resource_ is None and "n_resources" not in plain.cv_results_
    budgeted = Tuner(SGDClassifier(random_state=0), SGD_SPACE, strategy=OptionalBudgets, n_trials=3,
                     resource="epochs", min_resource=2, max_resource=5, random_state=0).fit(X, y)
    assert_array_equal(budgeted.cv_results_["n_resources"], [2, 2, 2])


def test_a_whole_number_amount_is_taken_as_an_int():
    """min_resource and max_resource: a positive int, or a float with a whole value (from a computation)."""
    assert Epochs().limits(None, None, None, [], False, 2.0, 5.0) == (2, 5)
    for bad in (1.5, True, 0, float("nan"), "3"):
        with pytest.raises(ValueError, match=f"min_resource must be a positive int, .* got {bad!r}"):
            Epochs().limits(None, None, None, [], False, bad, 5)
