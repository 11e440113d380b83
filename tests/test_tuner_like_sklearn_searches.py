"""``hpo.Tuner`` where scikit-learn's own search tests (``tests/sklearn_parity``) found it differing, beyond
what the ported tests pin: one scorer with a refit name, splitters that miscount, finite spaces, NaN scores,
metadata routing, halving's iteration attributes, a parameter resource in ``params``, empty data.

Each test compares with what ``GridSearchCV`` and its kin do on the same data, or states their rule.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import FitFailedWarning, UnsetMetadataPassedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, make_scorer, recall_score
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import hpo
from hpo import Categorical, Float, Space, Tuner
from hpo.trial import FAILED

pytestmark = pytest.mark.filterwarnings("ignore:the validation holdout has only")

C_GRID = [0.1, 1.0, 10.0]


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=90, n_features=5, random_state=0)


def grid_tuner(estimator, **kwargs):
    """``GridSearchCV(estimator, {"C": C_GRID}, cv=3)`` as a Tuner (rows in the grid's order)."""
    kwargs.setdefault("validation", 3)
    return Tuner(estimator, Space(C=Categorical(C_GRID)), "grid", None, strategy_options={"order": "declared"},
                 **kwargs)


def nan_scorer(estimator, X, y):
    return np.nan


# ------------------------------------------------------------------ 1. refit="<name>" with one scorer
def test_a_refit_name_with_one_scorer_refits_by_it_as_grid_search_cv(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*names a metric")  # refit names scoring's metric: no word
        tuner = grid_tuner(LogisticRegression(), scoring="recall", refit="recall").fit(X, y)
    search = GridSearchCV(LogisticRegression(), {"C": C_GRID}, cv=3, scoring="recall", refit="recall").fit(X, y)
    assert not tuner.multimetric_ and "mean_test_score" in tuner.cv_results_
    assert tuner.best_index_ == search.best_index_ and tuner.best_params_ == search.best_params_
    assert tuner.best_score_ == pytest.approx(search.best_score_)
    assert tuner.score(X, y) == pytest.approx(search.score(X, y)) == pytest.approx(recall_score(y, tuner.predict(X)))


def test_a_refit_name_with_a_callable_scorer_of_one_number(data):
    X, y = data

    def recall(estimator, X, y):
        return recall_score(y, estimator.predict(X))

    tuner = grid_tuner(LogisticRegression(), scoring=recall, refit="recall").fit(X, y)
    search = GridSearchCV(LogisticRegression(), {"C": C_GRID}, cv=3, scoring=recall, refit="recall").fit(X, y)
    assert not tuner.multimetric_ and not search.multimetric_
    assert_allclose(tuner.cv_results_["mean_test_score"], search.cv_results_["mean_test_score"])
    assert tuner.best_index_ == search.best_index_
    assert tuner.score(X, y) == pytest.approx(search.score(X, y))


# ------------------------------------------------------------------ 2. get_n_splits against split
class _Recorder(ClassifierMixin, BaseEstimator):
    """A constant classifier that counts its fits in a class attribute (clones share it)."""

    fits = 0

    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X, y):
        type(self).fits += 1
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def test_a_splitter_whose_get_n_splits_disagrees_is_scikit_learns_error_before_any_fit(data):
    X, y = data

    class OneSplitKFold(KFold):
        def get_n_splits(self, *args, **kwargs):
            return 1

    with pytest.raises(ValueError) as theirs:
        GridSearchCV(LogisticRegression(), {"C": C_GRID}, cv=OneSplitKFold(3)).fit(X, y)
    _Recorder.fits = 0
    with pytest.raises(ValueError) as ours:
        grid_tuner(_Recorder(), validation=OneSplitKFold(3)).fit(X, y)
    assert str(ours.value).startswith(str(theirs.value))  # "cv.split and cv.get_n_splits return inconsistent ..."
    assert "OneSplitKFold" in str(ours.value), "the message names the splitter"
    assert _Recorder.fits == 0


# ------------------------------------------------------------------ 3. a finite space smaller than n_trials
SIX = Space(a=Categorical([0, 1]), b=Categorical(["x", "y", "z"]))


def _space_warnings(caught):
    return [str(w.message) for w in caught if "total space of parameters" in str(w.message)]


def test_random_search_over_a_finite_space_warns_in_scikit_learns_words(data):
    X, y = data
    space = Space(C=Categorical(C_GRID), fit_intercept=Categorical([True, False]))
    with pytest.warns(UserWarning, match=r"^The total space of parameters 6 is smaller than n_iter=9\. Running 6 "):
        sklearn.model_selection.RandomizedSearchCV(
            LogisticRegression(), {"C": C_GRID, "fit_intercept": [True, False]}, n_iter=9, cv=3).fit(X, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tuner = Tuner(LogisticRegression(), space, "random", 9, validation=3, random_state=0).fit(X, y)
    assert len(tuner.trials_) == 6
    assert _space_warnings(caught) == [
        "The total space of parameters 6 is smaller than n_trials=9. Running 6 trials (strategy 'random' never "
        "repeats a configuration). For exhaustive searches, use strategy='grid'."
    ]


@pytest.mark.parametrize("strategy", ["random", "sobol", "bayes", "coarse_to_fine"])
def test_optimize_warns_once_when_a_finite_space_ends_the_search_early(strategy):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = hpo.optimize(lambda c: c["a"] + len(c["b"]), SIX, strategy, n_trials=10, seed=0)
    assert len(result.trials) == 6
    assert len(_space_warnings(caught)) == 1
    assert "The total space of parameters 6 is smaller than n_trials=10. Running 6 trials" in _space_warnings(caught)[0]


@pytest.mark.parametrize("strategy, n_trials", [("grid", 10), ("random", 6), ("random", 3)])
def test_no_space_warning_for_a_grid_or_a_search_the_space_can_fill(strategy, n_trials):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hpo.optimize(lambda c: c["a"], SIX, strategy, n_trials=n_trials, seed=0)
    assert _space_warnings(caught) == []


# ------------------------------------------------------------------ 4. NaN scores
@pytest.mark.parametrize("error_score", [np.nan, "raise"])
def test_every_score_nan_completes_as_grid_search_cv(data, error_score):
    X, y = data
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tuner = grid_tuner(LogisticRegression(), scoring=nan_scorer, error_score=error_score).fit(X, y)
    search = GridSearchCV(LogisticRegression(), {"C": C_GRID}, cv=3, scoring=nan_scorer,
                          error_score=error_score).fit(X, y)
    assert tuner.best_index_ == search.best_index_ == 0
    assert tuner.best_params_ == search.best_params_ == {"C": 0.1}
    assert np.isnan(tuner.best_score_) and np.isnan(search.best_score_)
    assert tuner.best_estimator_.C == 0.1 and hasattr(tuner.best_estimator_, "coef_")
    assert_array_equal(tuner.cv_results_["rank_test_score"], search.cv_results_["rank_test_score"])
    assert np.isnan(tuner.cv_results_["split2_test_score"]).all()
    assert (tuner.cv_results_["mean_fit_time"] > 0).all(), "the fits succeeded: their times are kept"
    assert not any(issubclass(w.category, FitFailedWarning) for w in caught), "no fit failed"
    assert any("One or more of the test scores are non-finite" in str(w.message) for w in caught)
    # hpo's trial log (and so the strategy) has them as failed: a NaN value is a failed trial in hpo
    assert all(t.status == FAILED and t.loss is None for t in tuner.trials_)
    assert all(t.status == FAILED for t in tuner.strategy_.trials)


class _FailsAtTen(LogisticRegression):
    def fit(self, X, y, sample_weight=None):
        if self.C == 10.0:
            raise ArithmeticError("C=10 fails")
        return super().fit(X, y, sample_weight=sample_weight)


def test_nan_scores_rank_last_keep_their_splits_and_are_no_fit_failures(data):
    X, y = data

    def nan_at_one(estimator, X, y):
        return np.nan if estimator.C == 1.0 else accuracy_score(y, estimator.predict(X))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tuner = grid_tuner(_FailsAtTen(), scoring=nan_at_one, error_score=-1.0).fit(X, y)
    res = tuner.cv_results_
    assert_array_equal(res["rank_test_score"], [1, 2, 2])
    assert np.isnan(res["split0_test_score"][1]), "the NaN a scorer gave, not error_score"
    assert res["split0_test_score"][2] == -1.0, "a fit that raised is scored error_score"
    assert res["mean_fit_time"][1] > 0
    assert tuner.best_params_ == {"C": 0.1} and np.isfinite(tuner.best_score_)
    failures = [str(w.message) for w in caught if issubclass(w.category, FitFailedWarning)]
    assert len(failures) == 1 and failures[0].startswith("\n3 fits failed out of a total of 9 (1 of 3 trials")
    search = GridSearchCV(_FailsAtTen(), {"C": C_GRID}, cv=3, scoring=nan_at_one, error_score=-1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    assert np.isnan(search.cv_results_["split0_test_score"][1]) and search.cv_results_["split0_test_score"][2] == -1


def test_error_score_raise_stops_at_a_fit_that_raises_not_at_a_nan(data):
    X, y = data
    with pytest.raises(ArithmeticError, match="C=10 fails"):
        grid_tuner(_FailsAtTen(), scoring=nan_scorer, error_score="raise").fit(X, y)


def test_fail_fast_is_not_tripped_by_nan_scores(data):
    X, y = data
    space = Space(C=Float(1e-2, 1e2, log=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        tuner = Tuner(LogisticRegression(), space, "random", 8, validation=3, scoring=nan_scorer, fail_fast=2,
                      random_state=0).fit(X, y)
    assert len(tuner.trials_) == 8 and tuner.best_index_ == 0


# ------------------------------------------------------------------ 5. metadata routing
@pytest.fixture
def routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


def _weights_and_groups(n):
    return np.random.RandomState(0).rand(n), np.arange(n) % 6


def test_routing_reaches_fit_split_and_scorers_as_in_grid_search_cv(data, routing):
    X, y = data
    w, groups = _weights_and_groups(len(X))
    estimator = LogisticRegression().set_fit_request(sample_weight=True)
    scorer = make_scorer(accuracy_score).set_score_request(sample_weight=True)
    tuner = grid_tuner(estimator, validation=GroupKFold(3), scoring=scorer).fit(X, y, sample_weight=w, groups=groups)
    search = GridSearchCV(estimator, {"C": C_GRID}, cv=GroupKFold(3), scoring=scorer).fit(X, y, sample_weight=w,
                                                                                           groups=groups)
    for key in ("mean_test_score", "split0_test_score", "split2_test_score"):
        assert_allclose(tuner.cv_results_[key], search.cv_results_[key])
    assert_allclose(tuner.best_estimator_.coef_, search.best_estimator_.coef_)
    assert tuner.score(X, y, sample_weight=w) == pytest.approx(search.score(X, y, sample_weight=w))
    assert tuner.score(X, y, sample_weight=w) != pytest.approx(tuner.score(X, y))


def test_routing_unrequested_metadata_is_scikit_learns_error(data, routing):
    X, y = data
    w, _ = _weights_and_groups(len(X))
    with pytest.raises(UnsetMetadataPassedError, match=r"\[sample_weight\].*LogisticRegression\.fit.*Tuner\.fit"):
        grid_tuner(LogisticRegression()).fit(X, y, sample_weight=w)
    with pytest.raises(UnsetMetadataPassedError, match=r"\[sample_weight\].*GridSearchCV\.fit"):
        GridSearchCV(LogisticRegression(), {"C": C_GRID}, cv=3).fit(X, y, sample_weight=w)


class _GroupAware(ClassifierMixin, BaseEstimator):
    """Remembers the groups (column 0 of X) it was fitted on; the scorer below checks the validation's differ."""

    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X, y):
        self.groups_ = set(X[:, 0])
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def _groups_apart(estimator, X, y):
    return float(not estimator.groups_ & set(X[:, 0]))


@pytest.mark.parametrize("validation", [0.25, 3])
def test_routing_gives_groups_to_a_numeric_validation(data, routing, validation):
    X, y = data
    _, groups = _weights_and_groups(len(X))
    X = np.column_stack([groups, X])
    tuner = grid_tuner(_GroupAware(), validation=validation, scoring=_groups_apart).fit(X, y, groups=groups)
    assert (tuner.cv_results_["mean_test_score"] == 1.0).all(), "no group on both sides of a split"


@pytest.mark.slow
def test_routing_reaches_worker_processes(data, routing):
    # the scikit-learn configuration of fit is in force in the workers: a Pipeline routes there too
    X, y = data
    w, _ = _weights_and_groups(len(X))
    pipe = make_pipeline(StandardScaler().set_fit_request(sample_weight=True),
                         LogisticRegression().set_fit_request(sample_weight=True).set_score_request(sample_weight=True))
    space = Space(logisticregression__C=Categorical(C_GRID))
    results = [Tuner(pipe, space, "grid", None, validation=3, n_jobs=n_jobs, strategy_options={"order": "declared"})
               .fit(X, y, sample_weight=w).cv_results_ for n_jobs in (1, 2)]
    assert list(results[1]["status"]) == ["ok"] * 3
    assert_allclose(results[0]["mean_test_score"], results[1]["mean_test_score"])


def test_without_routing_score_takes_no_params(data):
    X, y = data
    tuner = grid_tuner(LogisticRegression()).fit(X, y)
    with pytest.raises(ValueError, match=re.escape("Passing extra keyword arguments to Tuner.score is only "
                                                   "supported if enable_metadata_routing=True")):
        tuner.score(X, y, sample_weight=np.ones(len(X)))


# ------------------------------------------------------------------ 6. halving's iteration attributes
def test_halving_iteration_attributes_count_possible_rungs_from_min_resources_():
    # the exhaust/600 row of test_min_max_resources with hpo's default min_resource (scikit-learn's
    # "exhaust" would raise min_resources_ to 200 and count 2 possible rungs: see tests/sklearn_parity)
    X, y = make_classification(n_samples=1250, random_state=0)
    space = Space(C=Categorical([0.01, 0.1, 1.0, 10.0, 100.0, 1000.0]))
    tuner = Tuner(_Recorder(), space, "halving", None, validation=5, max_resource=600, random_state=0,
                  strategy_options={"n_candidates": 6}).fit(X, y)
    assert tuner.min_resources_ == 20 and tuner.n_resources_ == [200, 600]  # the top 2 of 22, 67, 200, 600
    assert (tuner.n_iterations_, tuner.n_required_iterations_, tuner.n_possible_iterations_) == (2, 2, 4)
    assert tuner.n_iterations_ == min(tuner.n_possible_iterations_, tuner.n_required_iterations_)
    assert tuner.n_remaining_candidates_ == 1 == -(-tuner.n_candidates_[-1] // 3)


@pytest.mark.parametrize("strategy", ["hyperband", "asha"])
def test_hyperband_and_asha_leave_the_halving_attributes_unset(data, strategy):
    X, y = data
    tuner = Tuner(_Recorder(), Space(C=Float(0.01, 10.0, log=True)), strategy, 12, validation=3, random_state=0,
                  resource="n_samples", max_resource=27, min_resource=3).fit(X, y)
    assert tuner.n_resources_[-1] == 27
    for attr in ("n_iterations_", "n_required_iterations_", "n_possible_iterations_", "n_remaining_candidates_"):
        assert not hasattr(tuner, attr)


# ------------------------------------------------------------------ 7. a parameter resource in params
HGB = HistGradientBoostingClassifier(max_iter=9, early_stopping=False, max_leaf_nodes=4, random_state=0)


def test_a_parameter_resource_is_in_params_and_best_params_rebuild_best_estimator(data):
    X, y = data
    tuner = Tuner(HGB, Space(learning_rate=Float(0.05, 0.5, log=True)), "halving", None, validation=3,
                  resource="max_iter", random_state=0).fit(X, y)
    res = tuner.cv_results_
    assert_array_equal([p["max_iter"] for p in res["params"]], res["n_resources"])
    assert_array_equal(res["param_max_iter"], res["n_resources"]) and res["param_max_iter"].dtype.kind == "i"
    assert tuner.best_params_ == res["params"][tuner.best_index_] and tuner.best_params_["max_iter"] == 9
    rebuilt = clone(HGB).set_params(**tuner.best_params_).fit(X, y)
    assert tuner.best_estimator_.max_iter == 9
    assert_allclose(rebuilt.predict_proba(X), tuner.best_estimator_.predict_proba(X))


def test_a_search_without_budgets_trains_and_lists_the_resource_at_max(data):
    X, y = data
    tuner = Tuner(HGB, Space(learning_rate=Float(0.05, 0.5, log=True)), "random", 3, validation=3,
                  resource="max_iter", max_resource=5, random_state=0).fit(X, y)
    assert [p["max_iter"] for p in tuner.cv_results_["params"]] == [5, 5, 5] and tuner.best_estimator_.max_iter == 5


def test_the_best_from_a_smaller_amount_is_refitted_with_it(data):
    X, y = data

    def first_rung(cv_results):  # a callable refit that picks the first row, trained with the smallest amount
        return 0

    tuner = Tuner(HGB, Space(learning_rate=Float(0.05, 0.5, log=True)), "halving", None, validation=3,
                  resource="max_iter", refit=first_rung, random_state=0).fit(X, y)
    amount = tuner.cv_results_["n_resources"][0]
    assert amount < 9 and tuner.best_params_["max_iter"] == amount == tuner.best_estimator_.n_iter_


# ------------------------------------------------------------------ 8. an X without rows
@pytest.mark.parametrize("X, y", [(np.empty((0, 3)), np.empty(0)), ([], [])], ids=["array", "list"])
@pytest.mark.parametrize("estimator", [LogisticRegression(), Ridge()], ids=["classifier", "regressor"])
def test_an_empty_X_is_a_clear_error_before_any_fit(X, y, estimator):
    with pytest.raises(ValueError, match=r"^Found array with 0 sample\(s\).*X is empty \(n_samples=0\)"):
        Tuner(estimator, Space(alpha=Float(0.1, 1.0)) if isinstance(estimator, Ridge) else
              Space(C=Float(0.1, 1.0)), n_trials=2).fit(X, y)


def test_n_jobs_none_takes_a_joblib_contexts_n_jobs_as_scikit_learns_searches_do(data):
    # GridSearchCV(n_jobs=None) inside `parallel_backend("loky", n_jobs=2)` fits in two workers; a Tuner fitted here
    import os

    from joblib import parallel_backend

    X, y = data
    here = os.getpid()

    def elsewhere(estimator, X, y):
        return float(os.getpid() != here)

    def tuner(**kw):
        return Tuner(LogisticRegression(), {"C": Categorical(C_GRID)}, "grid", n_trials=None, validation=3,
                     scoring=elsewhere, **kw)

    with parallel_backend("loky", n_jobs=2):
        in_workers = tuner().fit(X, y)
        own = tuner(n_jobs=1).fit(X, y)  # the Tuner's own n_jobs wins
    assert list(in_workers.cv_results_["mean_test_score"]) == [1.0] * 3
    assert list(own.cv_results_["mean_test_score"]) == [0.0] * 3
    assert list(tuner().fit(X, y).cv_results_["mean_test_score"]) == [0.0] * 3  # no context: n_jobs None is 1
