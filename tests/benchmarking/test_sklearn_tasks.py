"""The ``sklearn`` suite: fixed splits, CV losses, test losses, and a test split no objective sees."""

from __future__ import annotations

import functools
import inspect
import math
import pickle
from contextlib import contextmanager

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import cross_val_score
from threadpoolctl import threadpool_limits

from hpo.benchmarking import available_problems, make_problem
from hpo.benchmarking import sklearn_tasks as st

#: One cheap problem per model family (and every data set), for the default run.
CHEAP = ["knn_iris", "svm_wine", "dt_wine", "rf_breast_cancer", "lasso_diabetes", "linear_diabetes",
         "knn_diabetes", "mlp_iris", "dt_digits"]

_WATCHED = ("fit", "partial_fit", "predict", "predict_proba", "predict_log_proba", "decision_function",
            "score")


def row_set(X) -> set:
    """The rows of ``X`` as bytes (so that rows compare exactly, whatever their position).

    Rows are compared in float32, as some estimators (forests) pass them on to
    their own methods once cast to float32.
    """
    X = np.ascontiguousarray(np.asarray(X, dtype=np.float32))
    return {row.tobytes() for row in X}


class RowRecorder:
    """Records every row that reaches the methods of watched estimator classes, by phase."""

    def __init__(self, monkeypatch) -> None:
        self.monkeypatch = monkeypatch
        self.phase: str | None = None
        self.seen: dict[str, set] = {}
        self.calls: list[tuple[str, str, np.ndarray]] = []  # (phase, method, X) in call order

    def watch(self, cls: type) -> None:
        for name in _WATCHED:
            attr = inspect.getattr_static(cls, name, None)
            if inspect.isfunction(attr):
                self.monkeypatch.setattr(cls, name, self._wrap(attr, name))
            elif attr is not None and hasattr(attr, "fn") and hasattr(attr, "check"):
                # scikit-learn's available_if descriptor: keep its availability check.
                self.monkeypatch.setattr(
                    cls, name, type(attr)(self._wrap(attr.fn, name), attr.check, attribute_name=attr.attribute_name)
                )

    def _wrap(self, fn, name):
        recorder = self

        @functools.wraps(fn)
        def wrapper(est, X, *args, **kwargs):
            if recorder.phase is None:
                raise AssertionError(f"{name} called outside a recorded phase")
            recorder.seen.setdefault(recorder.phase, set()).update(row_set(X))
            recorder.calls.append((recorder.phase, name, np.array(X, dtype=float, copy=True)))
            return fn(est, X, *args, **kwargs)

        return wrapper

    @contextmanager
    def during(self, phase: str):
        self.phase = phase
        try:
            yield
        finally:
            self.phase = None


def estimator_classes(estimator) -> list[type]:
    """The estimator's class and that of any estimator it wraps."""
    out = [type(estimator)]
    inner = getattr(estimator, "estimator", None)
    if inner is not None and hasattr(inner, "fit"):
        out += estimator_classes(inner)
    return out


def check_test_rows_stay_out(problem, split, monkeypatch, budgets=(None,)) -> None:
    """No objective evaluation sees a held-back test row; ``test_loss`` does."""
    recorder = RowRecorder(monkeypatch)
    for cls in estimator_classes(problem.tags["estimator"]):
        recorder.watch(cls)
    train, test = row_set(split.X_train), row_set(split.X_test)
    test_only = test - train  # a test row equal to a training row cannot be told apart
    assert len(test_only) >= 0.9 * len(split.X_test)
    configs = problem.space.sample(2, seed=0)
    with recorder.during("objective"):
        for config in configs:
            for budget in budgets:
                assert math.isfinite(problem.objective(config, budget))
    with recorder.during("test"):
        assert math.isfinite(problem.test_loss(configs[0]))
    seen = recorder.seen["objective"]
    assert seen, "the recorder saw no call"
    assert not seen & test_only, "an objective evaluation saw a held-back test row"
    assert seen <= train
    assert seen == train  # every training row is used (CV folds, or fitting part + validation part)
    assert test_only <= recorder.seen["test"]
    assert recorder.seen["test"] <= train | test


# ---------------------------------------------------------------------------- registry and suites
def test_every_combination_is_registered_and_builds():
    names = st.problem_names()
    assert len(names) == len(st.MODELS) * len(st.DATASETS) == 35
    assert set(names) <= set(available_problems())
    for name in names:
        problem = make_problem(name)
        assert problem.name == name
        assert problem.kind == "sklearn"
        assert problem.optimum is None
        assert not problem.multifidelity and problem.min_budget is None
        assert problem.test_loss is not None
        tags = problem.tags
        assert {"estimator", "X_train", "y_train", "scoring", "cv", "loss_offset"} <= set(tags)
        assert len(tags["cv"]) == st.N_FOLDS
        text = st.LOSSES[tags["loss"]][2]
        assert text in problem.description


def test_example_names_exist():
    for name in ["knn_iris", "svm_wine", "dt_breast_cancer", "rf_digits", "linear_diabetes", "mlp_digits",
                 "lasso_wine"]:
        assert name in available_problems()


def test_suite_covers_every_family_and_data_set():
    assert 8 <= len(st.SUITE) <= 10
    assert len(set(st.SUITE)) == len(st.SUITE)
    assert set(st.SUITE) <= set(available_problems())
    families = {make_problem(n).tags["model"] for n in st.SUITE}
    data_sets = {make_problem(n).tags["dataset"] for n in st.SUITE}
    assert families == set(st.MODELS)
    assert data_sets == set(st.DATASETS)
    assert 1 <= len(st.QUICK) <= 2
    assert set(st.QUICK) <= set(st.SUITE)


def test_loss_per_task():
    assert make_problem("knn_iris").tags["loss"] == "error"
    assert make_problem("linear_digits").tags["loss"] == "log_loss"
    assert make_problem("mlp_wine").tags["loss"] == "log_loss"
    for model in st.MODELS:
        assert make_problem(f"{model}_diabetes").tags["loss"] == "mse"


def test_spaces_use_log_scales_where_they_belong():
    svm = make_problem("svm_wine").space
    assert svm["C"].log and svm["gamma"].log and svm["tol"].log
    knn = make_problem("knn_iris").space
    assert (knn["n_neighbors"].low, knn["n_neighbors"].high) == (1, 25)
    assert (knn["p"].low, knn["p"].high) == (1, 4)
    mlp = make_problem("mlp_digits").space
    assert mlp.conditional and mlp["alpha"].log and mlp["learning_rate_init"].log
    params = mlp.to_params({"n_layers": 2, "units_0": 64, "units_1": 32, "activation": "relu",
                            "solver": "sgd", "momentum": 0.9, "alpha": 1e-4, "learning_rate_init": 1e-3})
    assert params["hidden_layer_sizes"] == (64, 32) and "n_layers" not in params


# ---------------------------------------------------------------------------- data
@pytest.mark.parametrize("name", sorted(st.DATASETS))
def test_split_is_fixed_80_20_and_disjoint(name):
    a, b = st.load_split(name), st.load_split(name)
    assert_array_equal(a.X_train, b.X_train)
    assert_array_equal(a.y_test, b.y_test)
    n = len(a.train_index) + len(a.test_index)
    assert len(a.test_index) == math.ceil(0.2 * n)
    assert not set(a.train_index) & set(a.test_index)
    assert_array_equal(np.sort(np.concatenate([a.train_index, a.test_index])), np.arange(n))
    # features standardized with the training rows only
    np.testing.assert_allclose(a.X_train.mean(axis=0), 0.0, atol=1e-9)
    if a.classification:  # stratified: class shares agree within a row
        labels, train_counts = np.unique(a.y_train, return_counts=True)
        _, test_counts = np.unique(a.y_test, return_counts=True)
        total = train_counts + test_counts
        assert np.all(np.abs(test_counts - 0.2 * total) <= 1)
    else:
        assert abs(a.y_train.mean()) < 1e-9 and abs(a.y_train.std() - 1) < 1e-9


def test_unknown_names_are_errors():
    with pytest.raises(ValueError, match="unknown data set"):
        st.load_split("mnist")
    with pytest.raises(ValueError, match="unknown model"):
        st.make_sklearn_problem("xgb", "iris")


# ---------------------------------------------------------------------------- evaluation
def _check_evaluates(name: str, repeat: bool = True) -> None:
    problem = make_problem(name)
    configs = problem.space.sample(2, seed=0)
    losses = [problem.objective(c, None) for c in configs]
    assert all(math.isfinite(v) for v in losses), losses
    if repeat:
        assert problem.objective(configs[0], None) == losses[0]  # deterministic
    test = problem.test_loss(configs[0])
    assert math.isfinite(test)
    if problem.tags["loss"] == "error":
        assert all(0.0 <= v <= 1.0 for v in [*losses, test])
    else:
        assert all(v >= 0.0 for v in [*losses, test])


@pytest.mark.parametrize("name", CHEAP)
def test_cheap_problems_evaluate(name):
    _check_evaluates(name)


@pytest.mark.slow
def test_every_problem_evaluates():
    for name in st.problem_names():
        _check_evaluates(name, repeat=name in CHEAP)


def test_objective_is_deterministic_across_builds_and_pickling():
    a, b = make_problem("rf_iris"), make_problem("rf_iris")
    config = a.space.sample(1, seed=3)[0]
    value = a.objective(config, None)
    assert b.objective(config, None) == value
    assert pickle.loads(pickle.dumps(a.objective))(config, None) == value
    assert pickle.loads(pickle.dumps(a.test_loss))(config) == a.test_loss(config)


def test_budget_is_ignored():
    problem = make_problem("knn_iris")
    config = problem.space.sample(1, seed=0)[0]
    assert problem.objective(config, None) == problem.objective(config, 3) == problem(config)


def test_known_configurations_score_as_expected():
    problem = make_problem("svm_wine")
    good = problem.objective({"C": 10.0, "gamma": 0.01, "tol": 1e-3})
    bad = problem.objective({"C": 0.01, "gamma": 10.0, "tol": 1e-3})
    assert good < 0.05 < 0.3 < bad  # wine is easy for a tuned SVM, and C=0.01 predicts one class


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("name", ["knn_iris", "linear_diabetes", "mlp_iris"])
def test_tags_let_a_peer_reproduce_the_loss(name):
    problem = make_problem(name)
    tags = problem.tags
    config = problem.space.sample(1, seed=1)[0]
    estimator = clone(tags["estimator"]).set_params(**problem.space.to_params(config))
    with threadpool_limits(1):  # as the objective runs (one thread; OpenMP crawls on a busy machine)
        scores = cross_val_score(estimator, tags["X_train"], tags["y_train"], scoring=tags["scoring"],
                                 cv=tags["cv"])
    assert tags["loss_offset"] - scores.mean() == pytest.approx(problem.objective(config, None), abs=1e-12)


def test_cv_folds_are_fixed_across_calls(monkeypatch):
    problem = make_problem("knn_wine")
    recorder = RowRecorder(monkeypatch)
    recorder.watch(type(problem.tags["estimator"]))
    config = problem.space.sample(1, seed=0)[0]
    fits = []
    for _ in range(2):
        with recorder.during("objective"):
            problem.objective(config, None)
        fits.append([X for _, method, X in recorder.calls if method == "fit"])
        recorder.calls.clear()
    X = problem.tags["X_train"]
    expected = [X[train] for train, _ in problem.tags["cv"]]
    for run in fits:
        assert len(run) == st.N_FOLDS
        for got, want in zip(run, expected):
            assert_array_equal(got, want)
    again = make_problem("knn_wine").tags["cv"]
    for (t1, v1), (t2, v2) in zip(problem.tags["cv"], again):
        assert_array_equal(t1, t2) and assert_array_equal(v1, v2)
    # the folds partition the training rows, shuffled and stratified
    vals = np.concatenate([v for _, v in problem.tags["cv"]])
    assert_array_equal(np.sort(vals), np.arange(len(X)))
    assert not np.array_equal(problem.tags["cv"][0][1], np.arange(len(problem.tags["cv"][0][1])))


@pytest.mark.parametrize("name", ["knn_iris", "svm_wine", "rf_breast_cancer", "linear_diabetes", "dt_digits",
                                  "lasso_wine"])
def test_test_rows_never_reach_an_objective(name, monkeypatch):
    problem = make_problem(name)
    check_test_rows_stay_out(problem, st.load_split(problem.tags["dataset"]), monkeypatch)


def test_the_recorder_would_catch_a_leak(monkeypatch):
    # The check is not vacuous: an objective that fits on the test rows fails it.
    problem = make_problem("knn_iris")
    split = st.load_split("iris")
    leaky = problem.test_loss
    problem.objective = lambda config, budget=None: leaky(config)
    with pytest.raises(AssertionError, match="test row"):
        check_test_rows_stay_out(problem, split, monkeypatch)


def test_measure_eval_seconds():
    times = st.measure_eval_seconds(["dt_iris"], n_configs=2)
    assert set(times) == {"dt_iris"} and 0.0 < times["dt_iris"] < 10.0
