"""``hpo.Tuner`` where scikit-learn users rely on its searches' behaviour (issue 19, section 2).

Each test compares with what ``GridSearchCV`` does on the same data and
candidates, or states scikit-learn's rule directly.
"""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge, SGDClassifier
from sklearn.metrics import accuracy_score, balanced_accuracy_score, pairwise_distances
from sklearn.model_selection import GridSearchCV, StratifiedShuffleSplit
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC

from hpo import Categorical, Float, Space, Tuner

pytestmark = pytest.mark.filterwarnings("ignore:the validation holdout has only")


@pytest.fixture(scope="module")
def clf_data():
    return make_classification(n_samples=150, n_features=6, n_informative=4, random_state=0)


@pytest.fixture(scope="module")
def reg_data():
    return make_regression(n_samples=90, n_features=5, noise=5.0, random_state=0)


def _rows_by_params(results, keys):
    """cv_results_ rows keyed by their parameter values (hpo's grid and scikit-learn's list them in other orders)."""
    return {tuple(repr(p.get(k)) for k in keys): i for i, p in enumerate(results["params"])}


def assert_same_scores(tuner, search, keys, metrics=("score",)):
    ours, theirs = _rows_by_params(tuner.cv_results_, keys), _rows_by_params(search.cv_results_, keys)
    assert ours.keys() == theirs.keys()
    for metric in metrics:
        for params, i in ours.items():
            for col in (f"mean_test_{metric}", f"split0_test_{metric}"):
                assert tuner.cv_results_[col][i] == search.cv_results_[col][theirs[params]], (col, params)


# ------------------------------------------------------------------ 1. estimators as parameter values
def test_estimator_choices_are_cloned_never_fitted_nor_shared(reg_data):
    X, y = reg_data
    linear, ridge = LinearRegression(), Ridge()
    pipe = Pipeline([("scale", StandardScaler()), ("reg", Ridge())])
    tuner = Tuner(pipe, Space(reg=Categorical([linear, ridge])), "grid", None, validation=3).fit(X, y)
    assert not hasattr(linear, "coef_") and not hasattr(ridge, "coef_"), "a choice of the space was fitted"
    best = tuner.best_estimator_.named_steps["reg"]
    assert best is not linear and best is not ridge and hasattr(best, "coef_")
    assert type(best) is type(tuner.best_params_["reg"])
    assert tuner.best_params_["reg"] in (linear, ridge)  # best_params_ hold the choice itself, as scikit-learn


def test_a_chosen_step_keeps_its_own_parameters_unset(clf_data):
    X, y = clf_data
    svc = LinearSVC()
    pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    space = Space({"clf": Categorical([svc]), "clf__C": Float(1e-2, 1e1, log=True)})
    tuner = Tuner(pipe, space, n_trials=4, validation=3, random_state=0).fit(X, y)
    assert svc.C == 1.0 and not hasattr(svc, "coef_"), "set_params(clf__C=...) reached the space's LinearSVC"
    assert tuner.best_estimator_.named_steps["clf"].C == tuner.best_params_["clf__C"]


def test_estimator_choices_are_cloned_with_a_resource(reg_data):
    X, y = reg_data
    linear, ridge = LinearRegression(), Ridge()
    pipe = Pipeline([("scale", StandardScaler()), ("reg", Ridge())])
    tuner = Tuner(pipe, Space(reg=Categorical([linear, ridge])), "halving", None, resource="n_samples",
                  strategy_options={"n_candidates": 2, "eta": 2}, random_state=0).fit(X, y)
    assert len(tuner.trials_) >= 3
    assert not hasattr(linear, "coef_") and not hasattr(ridge, "coef_")
    assert tuner.best_estimator_.named_steps["reg"] not in (linear, ridge)


# ------------------------------------------------------------------ 2. pairwise input
PAIRWISE_C = Space(C=Categorical([0.01, 0.1, 1.0]))


@pytest.mark.parametrize("validation", [0.3, 3])
def test_a_precomputed_kernel_is_split_on_both_axes(clf_data, validation):
    X, y = clf_data
    K = X @ X.T  # the linear kernel
    tuner = Tuner(SVC(kernel="precomputed"), PAIRWISE_C, "grid", None, validation=validation,
                  random_state=0).fit(K, y)
    cv = validation if isinstance(validation, int) else \
        StratifiedShuffleSplit(n_splits=1, test_size=validation, random_state=0)
    search = GridSearchCV(SVC(kernel="precomputed"), {"C": [0.01, 0.1, 1.0]}, cv=cv).fit(K, y)
    assert_same_scores(tuner, search, ["C"])
    linear = Tuner(SVC(kernel="linear"), PAIRWISE_C, "grid", None, validation=validation, random_state=0).fit(X, y)
    assert_allclose(tuner.cv_results_["mean_test_score"], linear.cv_results_["mean_test_score"])
    assert_array_equal(tuner.predict(K[:20]), search.predict(K[:20]))  # the refit used every row and column


def test_a_precomputed_distance_matrix_is_split_on_both_axes(clf_data):
    X, y = clf_data
    D = pairwise_distances(X)
    space = Space(n_neighbors=Categorical([1, 5, 15]))
    tuner = Tuner(KNeighborsClassifier(metric="precomputed"), space, "grid", None, validation=4).fit(D, y)
    search = GridSearchCV(KNeighborsClassifier(metric="precomputed"), {"n_neighbors": [1, 5, 15]}, cv=4).fit(D, y)
    assert_same_scores(tuner, search, ["n_neighbors"])


def test_a_precomputed_kernel_with_row_budgets_uses_the_subsample_as_columns(clf_data):
    # n_samples: a candidate fits on K[rows][:, rows] of its subsample and is scored on K[val][:, rows]
    X, y = clf_data
    options = dict(strategy="halving", n_trials=None, resource="n_samples", validation=0.3, random_state=0,
                   strategy_options={"n_candidates": 3, "eta": 2}, return_train_score=True)
    kernel = Tuner(SVC(kernel="precomputed"), PAIRWISE_C, **options).fit(X @ X.T, y)
    linear = Tuner(SVC(kernel="linear"), PAIRWISE_C, **options).fit(X, y)
    assert list(kernel.cv_results_["status"]) == ["ok"] * len(kernel.trials_)
    assert len(set(kernel.cv_results_["n_resources"])) > 1
    for key in ("mean_test_score", "mean_train_score", "n_resources"):
        assert_allclose(kernel.cv_results_[key], linear.cv_results_[key])


def test_a_non_square_precomputed_matrix_is_named():
    from hpo.resources import subset

    with pytest.raises(ValueError, match=r"SVC takes a precomputed kernel.*square.*\(6, 4\)"):
        subset(SVC(kernel="precomputed"), np.ones((6, 4)), None, np.arange(3))


# ------------------------------------------------------------------ 3. dtypes of param_ columns
def test_param_columns_have_the_native_dtype_as_in_grid_search(clf_data):
    X, y = clf_data
    space = Space(
        kernel=Categorical(["linear", "rbf"]),
        gamma=Categorical([0.01, 0.1]).when(kernel="rbf"),
        C=Categorical([0.1, 1.0]),
        max_iter=Categorical([5000, 10000]),
        shrinking=Categorical([True, False]),
    )
    tuner = Tuner(SVC(), space, "grid", None, validation=3).fit(X, y)
    grid = [{"kernel": ["linear"], "C": [0.1, 1.0], "max_iter": [5000, 10000], "shrinking": [True, False]},
            {"kernel": ["rbf"], "gamma": [0.01, 0.1], "C": [0.1, 1.0], "max_iter": [5000, 10000],
             "shrinking": [True, False]}]
    search = GridSearchCV(SVC(), grid, cv=3).fit(X, y)
    ours, theirs = tuner.cv_results_, search.cv_results_
    for name, dtype in (("C", np.float64), ("max_iter", np.int64), ("shrinking", np.bool_), ("gamma", np.float64),
                        ("kernel", object)):
        assert ours[f"param_{name}"].dtype == theirs[f"param_{name}"].dtype == dtype, name
    rbf = np.array([p["kernel"] == "rbf" for p in ours["params"]])
    assert_array_equal(ours["param_gamma"].mask, ~rbf)
    assert_array_equal(ours["param_gamma"][rbf].astype(float), [p["gamma"] for p in ours["params"] if "gamma" in p])
    assert_same_scores(tuner, search, ["kernel", "gamma", "C", "max_iter", "shrinking"])


def test_param_columns_of_mixed_or_sequence_values_stay_objects():
    from hpo._tuner_results import param_column as _param_column

    assert _param_column([1, 2.5], [0, 1], 2).dtype == np.float64  # numpy's promotion, as scikit-learn's
    assert _param_column(["a", "b"], [0, 2], 3).dtype == object
    assert _param_column([None, 1.0], [0, 1], 2).dtype == object
    column = _param_column([(8, 8), (16, 8)], [0, 1], 3)
    assert column.dtype == object and column[1] == (16, 8) and column.mask.tolist() == [False, False, True]
    assert _param_column([(8,), (16, 8)], [0, 1], 2).dtype == object


# ------------------------------------------------------------------ 4. sample weights reach the scorers
@pytest.mark.parametrize("scoring, refit", [(None, True), ("accuracy", True),
                                            (["accuracy", "balanced_accuracy"], "balanced_accuracy")])
def test_sample_weight_weights_the_validation_scores_as_grid_search_cv(clf_data, scoring, refit):
    X, y = clf_data
    weights = np.random.default_rng(0).uniform(0.1, 3.0, size=len(y))
    Cs = [0.01, 0.1, 1.0]
    tuner = Tuner(LogisticRegression(), Space(C=Categorical(Cs)), "grid", None, validation=3, scoring=scoring,
                  refit=refit).fit(X, y, sample_weight=weights)
    search = GridSearchCV(LogisticRegression(), {"C": Cs}, cv=3, scoring=scoring, refit=refit).fit(
        X, y, sample_weight=weights)
    metrics = ["score"] if not isinstance(scoring, list) else scoring
    assert_same_scores(tuner, search, ["C"], metrics)
    unweighted = Tuner(LogisticRegression(), Space(C=Categorical(Cs)), "grid", None, validation=3, scoring=scoring,
                       refit=refit).fit(X, y)
    col = f"mean_test_{metrics[0]}"
    assert not np.allclose(unweighted.cv_results_[col], tuner.cv_results_[col]), "the weights should matter here"


def test_a_scorer_without_sample_weight_is_warned_about(clf_data):
    X, y = clf_data

    def plain_accuracy(estimator, X, y):
        return accuracy_score(y, estimator.predict(X))

    weights = np.ones(len(y))
    with pytest.warns(UserWarning, match="plain_accuracy.*does not support sample_weight"):
        Tuner(LogisticRegression(), Space(C=Float(0.1, 1.0)), n_trials=2, scoring=plain_accuracy,
              random_state=0).fit(X, y, sample_weight=weights)


# ------------------------------------------------------------------ 5. times of failed trials
class _Wraps(ClassifierMixin, BaseEstimator):
    """A test classifier around the model its ``fit`` keeps (``_keep``)."""

    def _keep(self, model):
        self.model_ = model
        self.classes_ = model.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)


class SlowToFail(_Wraps):
    """Spends ``pause`` seconds in fit, then raises for C above 0.5."""

    def __init__(self, C=1.0, pause=0.02):
        self.C = C
        self.pause = pause

    def fit(self, X, y):
        time.sleep(self.pause)
        if self.C > 0.5:
            raise ValueError(f"C={self.C} is too large")
        return self._keep(LogisticRegression(C=self.C).fit(X, y))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.FitFailedWarning")
def test_failed_trials_record_the_time_spent(clf_data):
    X, y = clf_data
    tuner = Tuner(SlowToFail(), Space(C=Float(0.0, 1.0)), n_trials=8, validation=3, random_state=0).fit(X, y)
    res = tuner.cv_results_
    failed = res["status"] == "failed"
    assert failed.any() and (~failed).any()
    assert np.all(res["mean_fit_time"][failed] >= 0.02), "the fit ran 0.02 s before it raised"
    assert np.all(res["mean_score_time"][failed] == 0.0)  # scikit-learn's: nothing was scored
    assert np.isfinite(res["std_fit_time"]).all() and np.isfinite(res["std_score_time"]).all()
    assert all(t.metrics["fit_times"] and len(t.metrics["fit_times"]) == 1 for t in tuner.trials_ if not t.ok)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.FitFailedWarning")
def test_failed_trials_record_the_time_spent_in_worker_processes(clf_data):
    X, y = clf_data
    tuner = Tuner(SlowToFail(), Space(C=Float(0.0, 1.0)), n_trials=8, validation=3, random_state=0,
                  n_jobs=2).fit(X, y)
    failed = tuner.cv_results_["status"] == "failed"
    assert failed.any() and np.all(tuner.cv_results_["mean_fit_time"][failed] >= 0.02)


# ------------------------------------------------------------------ 6. a callable scorer with several metrics
def two_metrics(estimator, X, y):
    pred = estimator.predict(X)
    return {"acc": accuracy_score(y, pred), "ba": balanced_accuracy_score(y, pred)}


def test_a_callable_scorer_may_return_several_metrics(clf_data):
    X, y = clf_data
    X, y = X[:110], np.where(np.arange(110) % 4 == 0, 1, y[:110])  # imbalanced: the two metrics disagree
    Cs = [0.001, 0.01, 0.1, 1.0]
    tuner = Tuner(LogisticRegression(), Space(C=Categorical(Cs)), "grid", None, validation=3,
                  scoring=two_metrics, refit="ba").fit(X, y)
    search = GridSearchCV(LogisticRegression(), {"C": Cs}, cv=3, scoring=two_metrics, refit="ba").fit(X, y)
    assert_same_scores(tuner, search, ["C"], ["acc", "ba"])
    assert tuner.multimetric_ and search.multimetric_
    assert tuner.scorer_ is two_metrics
    assert tuner.best_params_ == search.best_params_ and tuner.best_score_ == search.best_score_
    assert_array_equal(tuner.cv_results_["rank_test_ba"][np.argsort([p["C"] for p in tuner.cv_results_["params"]])],
                       search.cv_results_["rank_test_ba"])
    assert tuner.score(X, y) == two_metrics(tuner.best_estimator_, X, y)["ba"]
    assert tuner.result_.best_value == tuner.best_score_  # the search maximized "ba"


def test_a_callable_scorer_with_several_metrics_and_refit_false(clf_data):
    X, y = clf_data
    tuner = Tuner(LogisticRegression(), Space(C=Float(0.01, 1.0)), n_trials=3, validation=3, random_state=0,
                  scoring=two_metrics, refit=False).fit(X, y)
    assert {"mean_test_acc", "rank_test_acc", "mean_test_ba", "split2_test_ba"} <= set(tuner.cv_results_)
    assert "mean_test_score" not in tuner.cv_results_
    assert not hasattr(tuner, "best_index_") and not hasattr(tuner, "best_estimator_")


@pytest.mark.parametrize("refit, message", [(True, r"several metrics \['acc', 'ba'\]: refit must name"),
                                            ("f1", r"refit='f1' is not one of the metrics .*\['acc', 'ba'\]")])
def test_a_callable_scorer_with_several_metrics_needs_refit_to_name_one(clf_data, refit, message):
    X, y = clf_data
    tuner = Tuner(LogisticRegression(), Space(C=Float(0.01, 1.0)), n_trials=3, random_state=0,
                  scoring=two_metrics, refit=refit)
    with pytest.raises(ValueError, match=message):
        tuner.fit(X, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.FitFailedWarning")
def test_a_failed_trial_gets_error_score_for_every_named_metric(clf_data):
    X, y = clf_data
    tuner = Tuner(SlowToFail(pause=0.0), Space(C=Float(0.0, 1.0)), n_trials=8, validation=3, random_state=0,
                  scoring=["accuracy", "balanced_accuracy"], refit="accuracy", error_score=-1.0).fit(X, y)
    failed = tuner.cv_results_["status"] == "failed"
    assert failed.any()
    for name in ("accuracy", "balanced_accuracy"):
        for key in (f"split0_test_{name}", f"split2_test_{name}", f"mean_test_{name}"):
            assert np.all(tuner.cv_results_[key][failed] == -1.0), key  # not NaN: the error_score asked for


# ------------------------------------------------------------------ 7. fit returning None
class ReturnsNone(_Wraps):
    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X, y):
        self._keep(LogisticRegression(C=self.C).fit(X, y))
        self.n_features_in_ = X.shape[1]  # and no ``return self``


@pytest.mark.parametrize("resource", [None, "n_samples"])
def test_an_estimator_whose_fit_returns_none_is_refitted(clf_data, resource):
    X, y = clf_data
    options = {"strategy": "halving", "n_trials": None, "strategy_options": {"n_candidates": 2}} if resource else {}
    tuner = Tuner(ReturnsNone(), Space(C=Float(0.01, 1.0)), validation=3, random_state=0, resource=resource,
                  **({"n_trials": 3} | options)).fit(X, y)
    assert list(tuner.cv_results_["status"]) == ["ok"] * len(tuner.trials_)
    assert isinstance(tuner.best_estimator_, ReturnsNone) and tuner.best_estimator_.C == tuner.best_params_["C"]
    assert_array_equal(tuner.predict(X), tuner.best_estimator_.predict(X))


# ------------------------------------------------------------------ 8. a step and its own parameters
@pytest.mark.parametrize("initial", ["passthrough", LogisticRegression()])
def test_a_step_chosen_by_the_space_takes_its_own_parameters(clf_data, initial):
    X, y = clf_data
    pipe = Pipeline([("scale", "passthrough"), ("clf", initial)])
    space = Space({
        "scale": Categorical(["passthrough", StandardScaler()]),
        "clf": Categorical([LinearSVC(), LogisticRegression(max_iter=500)]),
        "clf__C": Float(1e-2, 1e1, log=True),
    })
    tuner = Tuner(pipe, space, n_trials=6, validation=3, random_state=0, scoring="accuracy").fit(X, y)
    assert list(tuner.cv_results_["status"]) == ["ok"] * 6
    best = tuner.best_estimator_
    assert best.named_steps["clf"].C == tuner.best_params_["clf__C"]
    assert type(best.named_steps["clf"]) is type(tuner.best_params_["clf"])


def test_a_parameter_no_chosen_step_takes_is_named_before_any_fit(clf_data):
    X, y = clf_data
    pipe = Pipeline([("scale", StandardScaler()), ("clf", "passthrough")])
    space = Space({"clf": Categorical([LinearSVC(), KNeighborsClassifier()]), "clf__C": Float(0.1, 1.0)})
    with pytest.raises(ValueError, match=r"'clf__C' is not a parameter of Pipeline with clf=KNeighborsClassifier\(\)"):
        Tuner(pipe, space, n_trials=4).fit(X, y)


# ------------------------------------------------------------------ 9. HTML repr
def test_the_html_repr_shows_the_best_estimator_once_fitted(clf_data):
    X, y = clf_data
    tuner = Tuner(LogisticRegression(), Space(C=Float(0.1, 1.0)), n_trials=2, random_state=0)
    labels = re.compile(r"<label[^>]*>.*?</label>")
    before = " ".join(labels.findall(tuner._repr_html_()))
    assert "estimator: LogisticRegression" in before and "best_estimator_" not in before
    tuner.fit(X, y)
    html = tuner._repr_html_()
    assert "best_estimator_: LogisticRegression" in " ".join(labels.findall(html))
    assert f"C={tuner.best_params_['C']!r}" in html  # the fitted estimator's parameters, not the given ones


# ------------------------------------------------------------------ 10. no_validation parameters as a resource
class Iterations(_Wraps):
    """An SGD classifier whose ``n_iter`` is declared ``"no_validation"``."""

    _parameter_constraints = {"n_iter": "no_validation"}

    def __init__(self, n_iter=20, alpha=1e-4):
        self.n_iter = n_iter
        self.alpha = alpha

    def fit(self, X, y):
        return self._keep(SGDClassifier(max_iter=self.n_iter, tol=None, alpha=self.alpha, random_state=0).fit(X, y))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_no_validation_parameter_is_a_resource_by_its_value(clf_data):
    X, y = clf_data
    tuner = Tuner(Iterations(n_iter=20), Space(alpha=Float(1e-5, 1e-1, log=True)), "halving", None,
                  resource="n_iter", strategy_options={"n_candidates": 4}, random_state=0).fit(X, y)
    assert tuner.max_resources_ == 20 and tuner.n_resources_[-1] == 20
    assert tuner.best_estimator_.n_iter == 20


# ------------------------------------------------------------------ 11. set_params is the judge of names
class OnlyGivenParams(_Wraps):
    """Like CatBoost: ``get_params`` lists only the arguments given; ``set_params`` takes any known one."""

    KNOWN = ("iterations", "learning_rate", "depth")

    def __init__(self, **params):
        self._given = dict(params)

    def get_params(self, deep=True):
        return dict(self._given)

    def set_params(self, **params):
        for key in params:
            if key not in self.KNOWN:
                raise ValueError(f"Invalid parameter {key!r}")
        self._given.update(params)
        return self

    def fit(self, X, y):
        return self._keep(LogisticRegression(C=self._given.get("learning_rate", 1.0)).fit(X, y))


def test_a_parameter_missing_from_get_params_is_tuned_when_set_params_takes_it(clf_data):
    X, y = clf_data
    est = OnlyGivenParams(iterations=10)
    tuner = Tuner(est, Space(learning_rate=Float(0.01, 1.0, log=True)), n_trials=3, validation=3,
                  random_state=0).fit(X, y)
    assert tuner.best_estimator_.get_params()["learning_rate"] == tuner.best_params_["learning_rate"]
    assert est.get_params() == {"iterations": 10}  # the given estimator is untouched
    with pytest.raises(ValueError, match=r"space parameter 'learnin_rate' is not a parameter of OnlyGivenParams: "
                                         r"set_params refused it \(ValueError: Invalid parameter 'learnin_rate'\)"):
        Tuner(est, Space(learnin_rate=Float(0.01, 1.0)), n_trials=3).fit(X, y)


# ------------------------------------------------------------------ refit as a callable; refit=False
def test_refit_as_a_callable_chooses_best_index_from_cv_results(clf_data):
    X, y = clf_data

    def simplest_within_a_point(results):  # the smallest C scoring within 0.01 of the best
        scores = results["mean_test_score"]
        ok = np.flatnonzero(scores >= np.nanmax(scores) - 0.01)
        return int(ok[np.argmin(np.asarray(results["param_C"])[ok])])

    Cs = [0.001, 0.01, 0.1, 1.0, 10.0]
    tuner = Tuner(LogisticRegression(), Space(C=Categorical(Cs)), "grid", None, validation=3,
                  refit=simplest_within_a_point).fit(X, y)
    search = GridSearchCV(LogisticRegression(), {"C": Cs}, cv=3, refit=simplest_within_a_point).fit(X, y)
    assert tuner.best_index_ == simplest_within_a_point(tuner.cv_results_)
    assert tuner.best_params_ == search.best_params_ == tuner.cv_results_["params"][tuner.best_index_]
    assert tuner.best_estimator_.C == search.best_estimator_.C
    assert not hasattr(tuner, "best_score_") and not hasattr(search, "best_score_")


@pytest.mark.parametrize("refit, error, message", [(lambda r: 1.5, TypeError, "best_index_ .* not an integer: 1.5"),
                                                   (lambda r: 99, IndexError, "best_index_ index out of range"),
                                                   (lambda r: -1, IndexError, "best_index_ index out of range")])
def test_refit_callable_must_return_an_index(clf_data, refit, error, message):
    X, y = clf_data
    with pytest.raises(error, match=message):
        Tuner(LogisticRegression(), Space(C=Float(0.1, 1.0)), n_trials=2, refit=refit).fit(X, y)


def test_prediction_methods_are_absent_with_refit_false(clf_data):
    X, y = clf_data
    tuner = Tuner(SVC(probability=True), Space(C=Float(0.1, 1.0)), n_trials=2, random_state=0, refit=False)
    methods = ("predict", "predict_proba", "predict_log_proba", "decision_function")
    assert not any(hasattr(tuner, m) for m in methods)  # before fit too, as scikit-learn's searches
    tuner.fit(X, y)
    assert not any(hasattr(tuner, m) for m in methods)
    with pytest.raises(AttributeError, match="has no attribute 'predict'") as info:
        tuner.predict(X)
    assert isinstance(info.value.__cause__, AttributeError) and "`refit=False`" in str(info.value.__cause__)
    assert hasattr(tuner.set_params(refit=True), "predict")
    with pytest.raises(NotFittedError):
        Tuner(SVC(), Space(C=Float(0.1, 1.0))).predict(X)
