"""The ``bayesmark`` suite: its fixed task list, Bayesmark's families and spaces, the metric each task says,
finite losses, and a test split no objective sees."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error
from sklearn.model_selection import cross_val_score
from threadpoolctl import threadpool_limits

from hpo.benchmarking import SUITE_DEFAULTS, SUITES, available_problems, available_suites, make_problem
from hpo.benchmarking import bayesmark_tasks as bt
from hpo.benchmarking import sklearn_tasks as st

from .test_sklearn_tasks import check_test_rows_stay_out

#: The task list as fixed on 2026-12-07, before any strategy ran on it: a change to SUITE must be deliberate.
FIXED = [
    "bm_knn_wine_error", "bm_knn_breast_cancer_error", "bm_knn_synth_reg_mse",
    "bm_svm_digits_error", "bm_svm_breast_cancer_log_loss", "bm_svm_diabetes_mse",
    "bm_dt_iris_error", "bm_dt_synth_clf_error", "bm_dt_diabetes_mse",
    "bm_rf_wine_log_loss", "bm_rf_breast_cancer_error", "bm_rf_diabetes_mse",
    "bm_mlp_adam_wine_log_loss", "bm_mlp_adam_synth_clf_error", "bm_mlp_adam_synth_reg_mse",
    "bm_mlp_sgd_iris_log_loss", "bm_mlp_sgd_breast_cancer_error", "bm_mlp_sgd_diabetes_mse",
    "bm_ada_iris_error", "bm_ada_wine_log_loss", "bm_ada_diabetes_mse",
    "bm_lasso_wine_error", "bm_lasso_synth_clf_log_loss", "bm_lasso_diabetes_mse",
    "bm_linear_breast_cancer_log_loss", "bm_linear_digits_log_loss", "bm_linear_synth_reg_mse",
]

#: One suite task per family, on every kind of estimator wrapping (calibrated SVC, one-vs-rest, boosting).
ONE_PER_FAMILY = ["bm_knn_wine_error", "bm_svm_breast_cancer_log_loss", "bm_dt_synth_clf_error",
                  "bm_rf_diabetes_mse", "bm_mlp_adam_wine_log_loss", "bm_mlp_sgd_iris_log_loss",
                  "bm_ada_iris_error", "bm_lasso_synth_clf_log_loss", "bm_linear_synth_reg_mse"]


def centre(space) -> dict:
    """The default configuration: the centre of the space's unit box."""
    return space.decode(np.full((1, len(space)), 0.5))[0]


# ---------------------------------------------------------------------------- the task list
def test_the_suite_is_the_fixed_list_of_27_tasks():
    assert bt.SUITE == FIXED
    assert len(set(bt.SUITE)) == len(bt.SUITE) == 27 >= 20
    assert "bayesmark" in available_suites() and SUITES["bayesmark"] == FIXED
    assert set(SUITE_DEFAULTS["bayesmark"]) == {"strategies", "trials", "seeds"}
    assert set(bt.SUITE) <= set(available_problems())


def test_families_data_sets_and_losses_are_as_declared():
    assert list(bt.FAMILIES) == ["knn", "svm", "dt", "rf", "mlp_adam", "mlp_sgd", "ada", "lasso", "linear"]
    tags = [make_problem(name).tags for name in bt.SUITE]
    families = [t["model"] for t in tags]
    assert {f: families.count(f) for f in bt.FAMILIES} == {f: 3 for f in bt.FAMILIES}
    for family in bt.FAMILIES:  # every family on a regression task and a classification task
        tasks = {t["task"] for t in tags if t["model"] == family}
        assert tasks == {"classification", "regression"}, family
    losses = [t["loss"] for t in tags]
    assert (losses.count("error"), losses.count("log_loss"), losses.count("mse")) == (10, 8, 9)
    datasets = [t["dataset"] for t in tags]
    assert min(datasets.count(d) for d in bt.DATASET_TASKS) >= 2
    assert set(datasets) == set(bt.DATASET_TASKS) == {
        "iris", "wine", "breast_cancer", "digits", "diabetes", "synth_clf", "synth_reg"}
    # log-loss only where the model's probabilities are not all 0 or 1
    assert not any(t["loss"] == "log_loss" and t["model"] in ("knn", "dt") for t in tags)


def test_every_combination_is_registered_and_builds():
    names = bt.problem_names()
    assert len(names) == len(bt.FAMILIES) * (5 * 2 + 2 * 1) == 108
    assert set(names) <= set(available_problems())
    for name in names:
        problem = make_problem(name)
        family, dataset, loss = problem.tags["model"], problem.tags["dataset"], problem.tags["loss"]
        assert name == f"bm_{family}_{dataset}_{loss}"
        assert problem.kind == "sklearn" and problem.optimum is None and not problem.multifidelity
        assert problem.test_loss is not None and len(problem.tags["cv"]) == st.N_FOLDS
        assert problem.tags["task"] == bt.DATASET_TASKS[dataset]
        assert problem.tags["scoring"] == st.LOSSES[loss][0]
        assert st.LOSSES[loss][2] in problem.description
        assert family in bt.FAMILIES and problem.tags["suite"] == "bayesmark"


def test_unknown_names_are_errors():
    with pytest.raises(ValueError, match="unknown model family 'xgb'"):
        bt.make_bayesmark_problem("xgb", "iris", "error")
    with pytest.raises(ValueError, match="unknown data set 'mnist'"):
        bt.make_bayesmark_problem("knn", "mnist", "error")
    with pytest.raises(ValueError, match="loss 'mse' does not fit classification data set 'iris'"):
        bt.make_bayesmark_problem("knn", "iris", "mse")
    with pytest.raises(ValueError, match="unknown data set 'mnist'"):
        bt.load_data("mnist")


# ---------------------------------------------------------------------------- Bayesmark's spaces
def _range(dim) -> tuple:
    return dim.low, dim.high, dim.log


def test_spaces_follow_bayesmark():
    svm = make_problem("bm_svm_diabetes_mse").space
    assert (_range(svm["C"]), _range(svm["gamma"]), _range(svm["tol"])) == (
        (1.0, 1e3, True), (1e-4, 1e-3, True), (1e-5, 1e-1, True))
    knn = make_problem("bm_knn_wine_error").space
    assert (_range(knn["n_neighbors"]), _range(knn["p"])) == ((1, 25, False), (1, 4, False))
    tree = make_problem("bm_rf_wine_log_loss").space
    assert tree.names == ["max_depth", "min_samples_split", "min_samples_leaf", "min_weight_fraction_leaf",
                          "max_features", "min_impurity_decrease"]
    assert _range(tree["min_samples_leaf"]) == (0.01, 0.49, False)
    adam = make_problem("bm_mlp_adam_wine_log_loss")
    assert len(adam.space) == 9 and _range(adam.space["hidden_layer_sizes"]) == (50, 200, False)
    assert _range(adam.space["alpha"]) == (1e-5, 1e1, True) and _range(adam.space["epsilon"]) == (1e-9, 1e-6, True)
    assert adam.tags["estimator"].get_params()["solver"] == "adam"
    assert adam.tags["estimator"].get_params()["early_stopping"] is True
    assert adam.tags["estimator"].get_params()["max_iter"] == bt.MLP_MAX_ITER
    sgd = make_problem("bm_mlp_sgd_diabetes_mse")
    assert len(sgd.space) == 8 and {"power_t", "momentum"} <= set(sgd.space.names)
    params = sgd.tags["estimator"].get_params()
    assert (params["solver"], params["learning_rate"], params["activation"]) == ("sgd", "invscaling", "tanh")
    ada = make_problem("bm_ada_iris_error").space
    assert (_range(ada["n_estimators"]), _range(ada["learning_rate"])) == ((10, 100, False), (1e-4, 1e1, True))
    lasso = make_problem("bm_lasso_diabetes_mse").space
    assert lasso.names == ["alpha", "fit_intercept", "max_iter", "tol", "positive"]
    assert _range(lasso["max_iter"]) == (10, 5000, True)


def test_logistic_models_are_liblinear_one_vs_rest():
    for name, l1_ratio in [("bm_lasso_synth_clf_log_loss", 1.0), ("bm_linear_digits_log_loss", 0.0)]:
        problem = make_problem(name)
        inner = problem.tags["estimator"].estimator
        assert (inner.solver, inner.l1_ratio) == ("liblinear", l1_ratio)
        assert problem.space.names == ["C", "intercept_scaling"]
        assert problem.space.to_params({"C": 2.0, "intercept_scaling": 0.5}) == {
            "estimator__C": 2.0, "estimator__intercept_scaling": 0.5}


# ---------------------------------------------------------------------------- data
@pytest.mark.parametrize("name", sorted(bt.GENERATED))
def test_generated_data_sets_are_fixed_and_split_like_the_bundled_ones(name):
    a, b = bt.load_data(name), bt.load_data(name)
    assert_array_equal(a.X_train, b.X_train)
    assert_array_equal(a.y_test, b.y_test)
    assert a.task == bt.GENERATED[name][0]
    assert (len(a.y_train), len(a.y_test)) == (480, 120)
    assert not set(a.train_index) & set(a.test_index)
    np.testing.assert_allclose(a.X_train.mean(axis=0), 0.0, atol=1e-9)
    if a.task == "regression":
        assert abs(a.y_train.mean()) < 1e-9 and abs(a.y_train.std() - 1) < 1e-9
    else:
        assert len(np.unique(a.y_train)) == 3


def test_bundled_data_sets_are_the_sklearn_suites_splits():
    a, b = bt.load_data("wine"), st.load_split("wine")
    assert_array_equal(a.X_train, b.X_train) and assert_array_equal(a.test_index, b.test_index)


# ---------------------------------------------------------------------------- evaluation
@pytest.mark.filterwarnings("error::FutureWarning")  # no deprecated option (SVC(probability=True)...)
@pytest.mark.parametrize("name", FIXED)
def test_a_default_configuration_gives_a_finite_loss(name):
    problem = make_problem(name)
    loss = problem.objective(centre(problem.space), None)
    assert math.isfinite(loss)
    if problem.tags["loss"] == "error":
        assert 0.0 <= loss <= 1.0
    else:
        assert loss >= 0.0


@pytest.mark.slow
def test_the_registered_tasks_outside_the_suite_give_finite_losses():
    # (digits, the dearest data set, is left out: its suite tasks run above)
    names = [n for n in bt.problem_names() if n not in bt.SUITE and "_digits_" not in n]
    assert len(names) == 108 - 27 - 16
    for name in names:
        problem = make_problem(name)
        assert math.isfinite(problem.objective(centre(problem.space), None)), name


def test_objective_is_deterministic_across_builds_and_pickling():
    a, b = make_problem("bm_svm_breast_cancer_log_loss"), make_problem("bm_svm_breast_cancer_log_loss")
    config = a.space.sample(1, seed=2)[0]
    value = a.objective(config, None)
    assert b.objective(config, None) == value
    assert pickle.loads(pickle.dumps(a.objective))(config, None) == value


def _manual_cv_loss(problem, config) -> float:
    """The task's loss computed by hand: fit on each fold, score with scikit-learn's metric function."""
    tags = problem.tags
    X, y = tags["X_train"], tags["y_train"]
    losses = []
    for train, val in tags["cv"]:
        est = clone(tags["estimator"]).set_params(**problem.space.to_params(config)).fit(X[train], y[train])
        if tags["loss"] == "error":
            losses.append(1.0 - accuracy_score(y[val], est.predict(X[val])))
        elif tags["loss"] == "log_loss":
            losses.append(log_loss(y[val], est.predict_proba(X[val]), labels=np.unique(y)))
        else:
            losses.append(mean_squared_error(y[val], est.predict(X[val])))
    return float(np.mean(losses))


@pytest.mark.parametrize("name", ["bm_knn_wine_error", "bm_lasso_synth_clf_log_loss", "bm_svm_diabetes_mse",
                                  "bm_svm_breast_cancer_log_loss"])
def test_the_metric_is_what_the_task_says(name):
    problem = make_problem(name)
    assert name.endswith("_" + problem.tags["loss"])
    config = problem.space.sample(1, seed=4)[0]
    with threadpool_limits(1):  # as the objective runs
        expected = _manual_cv_loss(problem, config)
    assert problem.objective(config, None) == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("name", ["bm_lasso_wine_error", "bm_mlp_sgd_iris_log_loss"])
def test_tags_let_a_peer_reproduce_the_loss(name):
    problem = make_problem(name)
    tags = problem.tags
    config = problem.space.sample(1, seed=1)[0]
    estimator = clone(tags["estimator"]).set_params(**problem.space.to_params(config))
    with threadpool_limits(1):
        scores = cross_val_score(estimator, tags["X_train"], tags["y_train"], scoring=tags["scoring"], cv=tags["cv"])
    assert tags["loss_offset"] - scores.mean() == pytest.approx(problem.objective(config, None), abs=1e-12)


@pytest.mark.parametrize("name", ONE_PER_FAMILY)
def test_test_rows_never_reach_an_objective(name, monkeypatch):
    problem = make_problem(name)
    check_test_rows_stay_out(problem, bt.load_data(problem.tags["dataset"]), monkeypatch)
