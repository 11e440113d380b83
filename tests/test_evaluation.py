"""``hpo.evaluation``: validation splits, scorers, fit parameters, the estimator objective."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, get_scorer
from sklearn.model_selection import (
    GroupKFold,
    GroupShuffleSplit,
    KFold,
    LeaveOneGroupOut,
    ShuffleSplit,
    StratifiedKFold,
    StratifiedShuffleSplit,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from hpo import Float, Space
from hpo.evaluation import (
    EstimatorObjective,
    classifier_like,
    make_scorers,
    make_splits,
    primary_metric,
)
from hpo.resources import fit_params_for


@pytest.fixture(scope="module")
def data():
    X, _ = make_classification(n_samples=90, n_features=4, random_state=0)
    y = np.random.default_rng(0).permutation(np.repeat([0, 1, 2], [45, 30, 15]))
    return X, y


def as_pairs(splitter, X, y=None, groups=None):
    return [(tr, va) for tr, va in splitter.split(X, y, groups)]


def assert_same_splits(got, want):
    assert len(got) == len(want)
    for (gt, gv), (wt, wv) in zip(got, want):
        assert_array_equal(gt, wt)
        assert_array_equal(gv, wv)


# ----------------------------------------------------------------- make_splits
def test_fraction_for_a_classifier_is_a_stratified_holdout(data):
    X, y = data
    splits = make_splits(0.2, X, y, classifier=True, random_state=4)
    assert_same_splits(splits, as_pairs(StratifiedShuffleSplit(1, test_size=0.2, random_state=4), X, y))
    (train, val), = splits
    assert_array_equal(np.bincount(y[val]), [9, 6, 3])


def test_fraction_for_a_regressor_is_a_plain_holdout(data):
    X, y = data
    splits = make_splits(0.2, X, y.astype(float), classifier=False, random_state=4)
    assert_same_splits(splits, as_pairs(ShuffleSplit(1, test_size=0.2, random_state=4), X))


def test_fraction_with_groups_is_a_group_holdout(data):
    X, y = data
    groups = np.repeat(np.arange(18), 5)
    (train, val), = make_splits(0.25, X, y, groups, classifier=True, random_state=1)
    assert not set(groups[train]) & set(groups[val])
    assert_same_splits([(train, val)], as_pairs(GroupShuffleSplit(1, test_size=0.25, random_state=1), X, y, groups))


def test_a_column_vector_y_is_stratified_like_its_ravel(data):
    X, y = data
    assert_same_splits(make_splits(0.2, X, y[:, None], classifier=True, random_state=2),
                       make_splits(0.2, X, y, classifier=True, random_state=2))


def test_a_class_too_small_to_stratify_warns_and_falls_back(data):
    X, y = data
    y = y.copy()
    y[0] = 7  # a class with one member
    with pytest.warns(UserWarning, match="cannot be stratified"):
        splits = make_splits(0.2, X, y, classifier=True, random_state=0)
    assert_same_splits(splits, as_pairs(ShuffleSplit(1, test_size=0.2, random_state=0), X))


def test_same_seed_same_holdout(data):
    X, y = data
    a = make_splits(0.3, X, y, classifier=True, random_state=5)
    b = make_splits(0.3, X, y, classifier=True, random_state=5)
    c = make_splits(0.3, X, y, classifier=True, random_state=6)
    assert_same_splits(a, b)
    assert not np.array_equal(np.sort(a[0][1]), np.sort(c[0][1]))


def test_int_is_kfold_stratified_for_classifiers_group_kfold_with_groups(data):
    X, y = data
    assert_same_splits(make_splits(4, X, y, classifier=True), as_pairs(StratifiedKFold(4), X, y))
    assert_same_splits(make_splits(4, X, y.astype(float), classifier=False), as_pairs(KFold(4), X))
    groups = np.repeat(np.arange(9), 10)
    assert_same_splits(make_splits(3, X, y, groups, classifier=True), as_pairs(GroupKFold(3), X, y, groups))


def test_splitters_and_iterables_are_used_as_given(data):
    X, y = data
    groups = np.repeat(np.arange(3), 30)
    assert_same_splits(make_splits(LeaveOneGroupOut(), X, y, groups, classifier=True),
                       as_pairs(LeaveOneGroupOut(), X, y, groups))
    splitter = KFold(3, shuffle=True, random_state=0)
    assert_same_splits(make_splits(splitter, X, y, classifier=True), as_pairs(splitter, X, y))
    pairs = [(np.arange(60), np.arange(60, 90))]
    assert_same_splits(make_splits(pairs, X, y, classifier=True), pairs)


@pytest.mark.parametrize("validation", [0.0, 1.0, 1.5, -0.1, 0, 1, -3])
def test_bad_validation_is_a_value_error(data, validation):
    X, y = data
    with pytest.raises(ValueError, match="validation"):
        make_splits(validation, X, y)


@pytest.mark.parametrize("validation", ["0.2", None, object()])
def test_a_validation_of_the_wrong_type_is_a_type_error(data, validation):
    X, y = data
    with pytest.raises(TypeError, match="validation must be"):
        make_splits(validation, X, y)


def test_a_split_without_rows_on_one_side_is_an_error(data):
    X, y = data
    with pytest.raises(ValueError, match="no training or no validation rows"):
        make_splits([(np.arange(90), np.array([], dtype=int))], X, y)


# ---------------------------------------------------------------- make_scorers
def test_scorers_single_and_several():
    est = LogisticRegression()
    scorers, multi = make_scorers(est, None)
    assert list(scorers) == ["score"] and not multi
    scorers, multi = make_scorers(est, "accuracy")
    assert list(scorers) == ["score"] and not multi
    scorers, multi = make_scorers(est, ["accuracy", "f1_macro"])
    assert list(scorers) == ["accuracy", "f1_macro"] and multi
    scorers, multi = make_scorers(est, {"a": "accuracy", "b": get_scorer("balanced_accuracy")})
    assert list(scorers) == ["a", "b"] and multi


@pytest.mark.parametrize("scoring, error", [
    ([], ValueError), (["accuracy", "accuracy"], ValueError), ({}, ValueError), (3, TypeError),
    ("no_such_metric", ValueError),
])
def test_bad_scoring(scoring, error):
    with pytest.raises(error):
        make_scorers(LogisticRegression(), scoring)


def test_classifier_like():
    assert classifier_like(LogisticRegression())
    assert classifier_like(make_pipeline(StandardScaler(), LogisticRegression()))
    assert not classifier_like(Ridge())


# ------------------------------------------------------------- fit parameters
def test_fit_params_cut_sample_aligned_arrays_only():
    idx = np.array([0, 2, 4])
    params = {
        "sample_weight": np.arange(6.0),
        "as_list": [10, 11, 12, 13, 14, 15],
        "other_length": np.arange(3),
        "scalar": 0.5,
        "text": "abcdef",  # six characters, but a string is never cut
        "none": None,
    }
    out = fit_params_for(params, idx, 6)
    assert_array_equal(out["sample_weight"], [0.0, 2.0, 4.0])
    assert list(out["as_list"]) == [10, 12, 14]
    assert_array_equal(out["other_length"], np.arange(3))
    assert out["scalar"] == 0.5 and out["text"] == "abcdef" and out["none"] is None


# --------------------------------------------------------- EstimatorObjective
class Boom(ClassifierMixin, BaseEstimator):
    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X, y):
        raise ArithmeticError(f"boom at C={self.C}")


def test_objective_scores_each_split_and_returns_the_mean(data):
    X, y = data
    space = Space(C=Float(0.1, 10.0))
    splits = make_splits(3, X, y, classifier=True)
    scorers, _ = make_scorers(LogisticRegression(), ["accuracy", "neg_log_loss"])
    objective = EstimatorObjective(LogisticRegression(), space, X, y, splits, scorers, "neg_log_loss",
                                   return_train_score=True)
    out = objective({"C": 2.0})
    want = []
    for k, (train, val) in enumerate(splits):
        est = LogisticRegression(C=2.0).fit(X[train], y[train])
        assert out[f"split{k}_test_accuracy"] == pytest.approx(accuracy_score(y[val], est.predict(X[val])))
        assert out[f"split{k}_test_neg_log_loss"] == pytest.approx(scorers["neg_log_loss"](est, X[val], y[val]))
        assert out[f"split{k}_train_accuracy"] == pytest.approx(est.score(X[train], y[train]))
        want.append(out[f"split{k}_test_neg_log_loss"])
    assert out["value"] == pytest.approx(np.mean(want))  # the score as it is: the Tuner maximizes
    assert len(out["fit_times"]) == len(out["score_times"]) == 3
    assert out["fit_time"] == pytest.approx(np.mean(out["fit_times"]))


def test_objective_keeps_the_last_error_and_reraises(data):
    X, y = data
    objective = EstimatorObjective(Boom(), Space(C=Float(0.1, 1.0)), X, y, make_splits(0.2, X, y, random_state=0),
                                   make_scorers(Boom(), "accuracy")[0], "score")
    assert objective.last_error is None
    with pytest.raises(ArithmeticError, match="boom at C=0.5"):
        objective({"C": 0.5})
    assert isinstance(objective.last_error, ArithmeticError)


def test_objective_is_picklable(data):
    X, y = data
    splits = make_splits(0.25, X, y, classifier=True, random_state=0)
    objective = EstimatorObjective(LogisticRegression(), Space(C=Float(0.1, 1.0)), X, y, splits,
                                   make_scorers(LogisticRegression(), None)[0], "score")
    twin = pickle.loads(pickle.dumps(objective))
    a, b = objective({"C": 0.3}), twin({"C": 0.3})
    assert a["value"] == b["value"]
    assert_allclose(a["split0_test_score"], b["split0_test_score"])


def test_primary_metric_reads_scoring_and_refit_as_the_tuner_does():
    """The metric a search optimizes, public (seed_robustness re-scores a Tuner's configurations with it)."""
    several = ["accuracy", "f1_macro"]
    scorers, multimetric = make_scorers(LogisticRegression(), several)
    assert primary_metric(several, "f1_macro", scorers, multimetric) == "f1_macro"
    assert primary_metric(several, False, scorers, multimetric) == "accuracy"
    with pytest.raises(ValueError, match="refit must name the one that chooses the best"):
        primary_metric(several, True, scorers, multimetric)
    with pytest.raises(ValueError, match="refit='recall' is not one of the scorers"):
        primary_metric(several, "recall", scorers, multimetric)
    scorers, multimetric = make_scorers(LogisticRegression(), None)
    assert primary_metric(None, True, scorers, multimetric) == "score"
    scorers, multimetric = make_scorers(LogisticRegression(), lambda est, X, y: {"a": 1.0, "b": 2.0})
    assert primary_metric(scorers["score"], False, scorers, multimetric) is None  # the first it returns


@pytest.mark.parametrize("wrap", [np.asarray, lambda v: np.array([v]), lambda v: np.float32(v)])
def test_a_scorer_returning_a_0d_or_1_element_array_is_unwrapped_as_scikit_learn_does(data, wrap):
    X, y = data
    splits = make_splits(3, X, y, classifier=True)

    def scorer(est, X_, y_):
        return wrap(accuracy_score(y_, est.predict(X_)))

    objective = EstimatorObjective(LogisticRegression(), Space(C=Float(0.1, 10.0)), X, y, splits, {"score": scorer},
                                   "score")
    plain = EstimatorObjective(LogisticRegression(), Space(C=Float(0.1, 10.0)), X, y, splits,
                               make_scorers(LogisticRegression(), "accuracy")[0], "score")
    assert objective({"C": 2.0})["value"] == pytest.approx(plain({"C": 2.0})["value"])


def test_a_scorer_returning_several_numbers_is_refused_by_name(data):
    X, y = data
    splits = make_splits(3, X, y, classifier=True)
    objective = EstimatorObjective(LogisticRegression(), Space(C=Float(0.1, 10.0)), X, y, splits,
                                   {"score": lambda est, X_, y_: np.array([0.5, 0.6])}, "score")
    with pytest.raises(TypeError, match=r"returned ndarray array\(\[0\.5, 0\.6\]\), not a number"):
        objective({"C": 2.0})
