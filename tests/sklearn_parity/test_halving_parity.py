"""scikit-learn's ``model_selection/tests/test_successive_halving.py`` (1.9), adapted to ``hpo.Tuner``.

``HalvingGridSearchCV`` / ``HalvingRandomSearchCV`` are ``strategy="halving"``
(grid or random sampler; see ``_support.halving``), ``factor`` is ``eta``,
``min_resources``/``max_resources`` are ``min_resource``/``max_resource``.

Two deliberate differences shape the setups (README, "scikit-learn's searches
and hpo"):

* ``resource="n_samples"`` counts the *training* rows of each split (the
  validation part never shrinks), where scikit-learn counts the rows handed
  to the splitter. A scikit-learn test on 1000 rows with 5 folds and
  ``max_resources=1000`` is here 1250 rows, so that each training part
  holds 1000.
* hpo's rungs end at ``max_resource`` itself: ``max, max/eta, max/eta**2``...
  (scikit-learn's ``min_resources="exhaust"``, but exact at the top), where
  scikit-learn's rungs are ``min * factor**i`` and may stop below the maximum.
  Rows whose numbers depend on that are either given a ``max_resource``
  where both rules give the same rungs (999, 9) or listed in PARITY.md.

The tests of the plan alone (rungs, candidate counts) score with a plain
numpy accuracy (``_accuracy``): the plan does not depend on the scores, and
``accuracy_score``'s input checks cost more than these tiny fits.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import randint
from sklearn.datasets import make_classification
from sklearn.model_selection import (
    GroupKFold,
    GroupShuffleSplit,
    KFold,
    LeaveOneGroupOut,
    LeavePGroupsOut,
    StratifiedKFold,
    StratifiedShuffleSplit,
)
from sklearn.svm import SVC, LinearSVC

from hpo import Float, Space

from ._support import (
    RBF_OR_POLY_PARAM_KEYS,
    RBF_OR_POLY_RANDOM,
    SCORE_KEYS_3_FOLDS,
    FastClassifier,
    SometimesFailClassifier,
    check_cv_results_array_types,
    check_cv_results_keys,
    check_rbf_or_poly_masks,
    halving,
)

SAMPLERS = pytest.mark.parametrize("grid", [True, False], ids=["grid", "random"])


def _accuracy(estimator, X, y):
    return float(np.mean(estimator.predict(X) == y))


# ====================================================================== failures
@SAMPLERS
@pytest.mark.parametrize("fail_at", ["fit", "predict"])
def test_nan_handling(grid, fail_at):
    # test_nan_handling: failed candidates score NaN, rank last together, and never win
    X, y = make_classification(n_samples=1000, random_state=0)
    tuner = halving(SometimesFailClassifier(), {f"fail_{fail_at}": [False, True], "a": list(range(3))}, grid=grid,
                    factor=2, resource="n_estimators", max_resource=6, min_resource=1)
    tuner.fit(X, y)
    assert not tuner.best_params_[f"fail_{fail_at}"]
    scores = tuner.cv_results_["mean_test_score"]
    ranks = tuner.cv_results_["rank_test_score"]
    assert np.isnan(scores).any()
    nan_ranks = np.unique(ranks[np.isnan(scores)])
    assert nan_ranks.shape[0] == 1
    assert (nan_ranks[0] >= ranks).all()


# ====================================================================== the plan: rungs and candidates
def _letters_classification(n_rows, random_state=0):
    return make_classification(n_samples=n_rows, random_state=random_state)


@SAMPLERS
@pytest.mark.parametrize(
    "aggressive, max_resource, expected_n_candidates, expected_n_resources",
    [
        # more candidates than the rungs halve to one: aggressive elimination loops at the smallest budget
        (True, 180, [60, 20, 7, 3], [20, 20, 60, 180]),
        (False, 180, [60, 20, 7], [20, 60, 180]),
        # enough resource: aggressive changes nothing. scikit-learn's "all the rows" (max_resources=1000)
        # exhausts to [37, 111, 333, 999]; hpo's last rung is max_resource itself, so 999 here
        (True, 999, [60, 20, 7, 3], [37, 111, 333, 999]),
        (False, 999, [60, 20, 7, 3], [37, 111, 333, 999]),
    ],
)
def test_aggressive_elimination(grid, aggressive, max_resource, expected_n_candidates, expected_n_resources):
    # test_aggressive_elimination (n_iterations_ & co.: test_iteration_attributes). Two folds of 1000
    # training rows and min_resource=20 (scikit-learn's "smallest" with its 5 folds): the same plan, faster
    X, y = _letters_classification(2000)
    tuner = halving(FastClassifier(), {"a": ["l1", "l2"], "b": list(range(30))}, grid=grid, factor=3,
                    aggressive=aggressive, min_resource=20, max_resource=max_resource, n_candidates=60,
                    validation=2, scoring=_accuracy)
    tuner.fit(X, y)
    assert len(tuner.n_resources_) == len(expected_n_resources)  # n_iterations_
    assert tuner.n_resources_ == expected_n_resources
    assert tuner.n_candidates_ == expected_n_candidates


@SAMPLERS
@pytest.mark.parametrize(
    "max_resource, expected_n_iterations, expected_n_resources",
    [  # scikit-learn's rows with min_resources="exhaust" whose rungs hpo's rule reproduces exactly
        (999, 2, [333, 999]),
        (600, 2, [200, 600]),
        (300, 2, [100, 300]),
        (60, 2, [20, 60]),
        (20, 1, [20]),
    ],
)
def test_min_max_resources(grid, max_resource, expected_n_iterations, expected_n_resources):
    # test_min_max_resources: 6 candidates, factor 3 (n_possible_iterations_ & co.: test_iteration_attributes)
    X, y = _letters_classification(1250)
    tuner = halving(FastClassifier(), {"a": [1, 2], "b": [1, 2, 3]}, grid=grid, factor=3, max_resource=max_resource,
                    n_candidates=6, scoring=_accuracy)
    tuner.fit(X, y)
    assert len(tuner.n_resources_) == expected_n_iterations
    assert tuner.n_resources_ == expected_n_resources


@pytest.mark.parametrize(
    "min_resource, max_resource, expected_n_resources, sklearn_n_resources",
    [
        (None, None, [333, 1000], "exhaust/auto: [333, 999]; smallest/auto: [20, 60]"),
        (None, 599, [200, 599], "exhaust/599: [199, 597]"),
        (None, 50, [50], "exhaust/50: [20]"),
        (50, None, [333, 1000], "50/auto: [50, 150]"),
        (None, 30, [30], "smallest/30: [20]"),
    ],
)
def test_min_max_resources_last_rung_is_max_resource(min_resource, max_resource, expected_n_resources,
                                                     sklearn_n_resources):
    # Not a scikit-learn test: the rows of test_min_max_resources where the two rules differ, with hpo's
    # numbers. The last rung always trains with max_resource (default: every training row).
    X, y = _letters_classification(1250)
    tuner = halving(FastClassifier(), {"a": [1, 2], "b": [1, 2, 3]}, factor=3, min_resource=min_resource,
                    max_resource=max_resource, n_candidates=6, scoring=_accuracy)
    tuner.fit(X, y)
    assert tuner.n_resources_ == expected_n_resources
    assert tuner.n_resources_[-1] == tuner.max_resources_


@SAMPLERS
@pytest.mark.parametrize(
    "max_resource, n_iterations",
    [(None, 5), (1024, 5), (700, 5), (512, 5), (511, 5), (32, 4), (31, 3), (16, 3), (4, 1)],
)
def test_n_iterations(grid, max_resource, n_iterations):
    # test_n_iterations: 20 candidates, factor 2, min 4 (n_possible_iterations_: test_iteration_attributes)
    X, y = make_classification(n_samples=2048, random_state=1)  # 2 folds: training parts of 1024 rows
    tuner = halving(FastClassifier(), {"a": [1, 2], "b": list(range(10))}, grid=grid, validation=2, factor=2,
                    max_resource=max_resource, min_resource=4, n_candidates=20, scoring=_accuracy)
    tuner.fit(X, y)
    assert len(tuner.n_resources_) == n_iterations


@pytest.mark.parametrize(
    "rows, validation, space, options, expected",
    [
        # test_aggressive_elimination, limited, aggressive: iterations, required, possible, remaining
        (1250, 5, {"a": ["l1", "l2"], "b": list(range(30))},
         dict(factor=3, aggressive=True, max_resource=180, n_candidates=60), (4, 4, 3, 1)),
        # test_min_max_resources, exhaust/600: the rungs exhaust the resource. scikit-learn's
        # min_resources="exhaust" sets min_resources_ = max(smallest, 600 // 3) = 200, and counts the possible
        # iterations from it; hpo has no "exhaust" for min_resource (its rungs always end at max_resource, and
        # min_resources_ stays the floor, "smallest" = 20 by default: 4 rungs possible), so it is given here
        (1250, 5, {"a": [1, 2], "b": [1, 2, 3]}, dict(factor=3, max_resource=600, min_resource=200, n_candidates=6),
         (2, 2, 2, None)),
        # test_n_iterations, 511
        (2048, 2, {"a": [1, 2], "b": list(range(10))},
         dict(factor=2, max_resource=511, min_resource=4, n_candidates=20), (5, 5, 7, None)),
    ],
)
def test_iteration_attributes(rows, validation, space, options, expected):
    # The n_iterations_, n_required_iterations_, n_possible_iterations_ and n_remaining_candidates_
    # assertions of test_aggressive_elimination, test_min_max_resources and test_n_iterations (one row each)
    X, y = make_classification(n_samples=rows, random_state=0)
    tuner = halving(FastClassifier(), space, validation=validation, scoring=_accuracy, **options).fit(X, y)
    n_iterations, n_required, n_possible, n_remaining = expected
    assert tuner.n_iterations_ == n_iterations
    assert tuner.n_required_iterations_ == n_required
    assert tuner.n_possible_iterations_ == n_possible
    if n_remaining is not None:
        assert tuner.n_remaining_candidates_ == n_remaining
        assert math.ceil(tuner.n_candidates_[-1] / options["factor"]) == tuner.n_remaining_candidates_
    if n_possible == n_iterations:
        assert tuner.n_possible_iterations_ == tuner.n_iterations_ == len(tuner.n_resources_)


# ====================================================================== the resource
@SAMPLERS
def test_resource_parameter(grid):
    # test_resource_parameter: an estimator parameter as the resource (scikit-learn's max_resources=10
    # gives the rungs 1, 3, 9; hpo's last rung is max_resource itself, so 9 here)
    X, y = make_classification(n_samples=1000, random_state=0)
    tuner = halving(FastClassifier(), {"a": [1, 2], "b": list(range(10))}, grid=grid, validation=2,
                    resource="c", max_resource=9, factor=3, n_candidates=20)
    tuner.fit(X, y)
    assert set(tuner.n_resources_) == {1, 3, 9}
    for r_i, params, param_c in zip(tuner.cv_results_["n_resources"], tuner.cv_results_["params"],
                                    tuner.cv_results_["param_c"]):
        assert r_i == params["c"] == param_c


def test_resource_parameter_unknown():
    # test_resource_parameter: a resource that is no parameter (message: hpo's)
    X, y = make_classification(n_samples=1000, random_state=0)
    tuner = halving(FastClassifier(), {"a": [1, 2], "b": list(range(10))}, grid=True, validation=2,
                    resource="1234", max_resource=10)
    with pytest.raises(ValueError, match="'1234'"):
        tuner.fit(X, y)


def test_resource_parameter_searched():
    # test_resource_parameter: the resource cannot be a searched parameter too (message: hpo's)
    X, y = make_classification(n_samples=1000, random_state=0)
    tuner = halving(FastClassifier(), {"a": [1, 2], "b": [1, 2], "c": [1, 3]}, grid=True, validation=2,
                    resource="c", max_resource=10)
    with pytest.raises(ValueError, match="resource 'c' is also a parameter of the search space"):
        tuner.fit(X, y)


@pytest.mark.parametrize(
    "max_resource, n_candidates, expected_n_candidates",
    [(512, "exhaust", 128), (32, "exhaust", 8), (32, 8, 8), (32, 7, 7), (32, 9, 9)],
)
def test_random_search(max_resource, n_candidates, expected_n_candidates):
    # test_random_search: how many candidates the first rung gets
    X, y = make_classification(n_samples=1024, random_state=0)  # 2 folds: training parts of 512 rows
    space = Space(a=Float(-3, 3), b=Float(-3, 3))  # scikit-learn: norm, norm
    tuner = halving(FastClassifier(), space, n_candidates=n_candidates, validation=2, max_resource=max_resource,
                    factor=2, min_resource=4, scoring=_accuracy)
    tuner.fit(X, y)
    assert tuner.n_candidates_[0] == expected_n_candidates
    if n_candidates == "exhaust":
        assert tuner.n_resources_[-1] == max_resource


@pytest.mark.parametrize("space", [{"a": [1, 2]}, {"a": randint(1, 3)}])
def test_random_search_discrete_distributions(space):
    # test_random_search_discrete_distributions: a finite space gives what it has. scikit-learn expects
    # 10 candidates for {"a": randint(1, 3)} (drawn with replacement); hpo never repeats a configuration,
    # and randint(1, 3) is Int(1, 2), which holds two: see PARITY.md.
    X, y = make_classification(n_samples=1024, random_state=0)
    tuner = halving(FastClassifier(), space, n_candidates=10, scoring=_accuracy).fit(X, y)
    assert tuner.n_candidates_[0] == 2


@SAMPLERS
@pytest.mark.parametrize(
    "params, match",
    [
        ({"resource": "not_a_parameter"}, "'not_a_parameter'"),
        pytest.param({"resource": "a", "max_resource": 100}, "resource 'a' is also a parameter of the search space"),
        pytest.param({"resource": "b"}, "resource='b' needs max_resource"),
        ({"min_resource": 15, "max_resource": 14}, "min_resource=15 is larger than max_resource=14"),
    ],
)
def test_input_errors(grid, params, match):
    # test_input_errors (messages: hpo's; the rows about splitters that shuffle do not apply: hpo splits once)
    X, y = make_classification(100, random_state=0)
    tuner = halving(FastClassifier(), {"a": [1]}, grid=grid, **params)
    with pytest.raises(ValueError, match=match):
        tuner.fit(X, y)


# ====================================================================== subsamples
class _RowRecorder(FastClassifier):
    """Logs the first column of every X it is fitted on or predicts."""

    log: list = []

    def fit(self, X, y):
        _RowRecorder.log.append(("fit", tuple(X[:, 0])))
        return super().fit(X, y)

    def predict(self, X):
        _RowRecorder.log.append(("predict", tuple(X[:, 0])))
        return super().predict(X)


@pytest.mark.parametrize("fraction, expected_train_size, expected_test_size", [(0.5, 40, 20), (0.2, 16, 20)])
def test_subsample_splitter_shapes(fraction, expected_train_size, expected_test_size):
    # test_subsample_splitter_shapes, the rows with subsample_test=False (hpo never shrinks the validation
    # part): a budget of fraction * 80 rows fits on that many training rows and validates on the whole fold
    n_samples = 100
    X, y = make_classification(n_samples, random_state=0)
    X = np.column_stack([np.arange(n_samples), X])
    _RowRecorder.log = []
    halving(_RowRecorder(), {"a": list(range(5))}, validation=KFold(5), factor=round(1 / fraction),
            min_resource=expected_train_size, max_resource=80).fit(X, y)
    fitted = [len(rows) for kind, rows in _RowRecorder.log if kind == "fit"]
    predicted = [len(rows) for kind, rows in _RowRecorder.log if kind == "predict"]
    assert expected_train_size in fitted
    assert set(fitted) == {expected_train_size, 80, n_samples}  # the rungs, and the refit on every row
    assert set(predicted) == {expected_test_size}  # every validation is a whole fold
    assert expected_test_size == n_samples // 5


def test_subsample_splitter_determinism():
    # test_subsample_splitter_determinism, subsample_test=False: the validation rows are the same at every
    # rung (hpo's training subsamples are seeded and nested, so they do not differ either: see PARITY.md)
    n_samples = 100
    X, y = make_classification(n_samples, random_state=0)
    X = np.column_stack([np.arange(n_samples), X])
    _RowRecorder.log = []
    tuner = halving(_RowRecorder(), {"a": list(range(9))}, validation=KFold(5), refit=False, factor=3,
                    min_resource=8, max_resource=80)
    tuner.fit(X, y)
    assert len(tuner.n_resources_) == 3
    validated = {rows for kind, rows in _RowRecorder.log if kind == "predict"}
    folds = {tuple(X[test, 0]) for _, test in KFold(5).split(X)}
    assert validated == folds


# ====================================================================== the tournament in cv_results_
@SAMPLERS
def test_cv_results(grid):
    # test_cv_results: the candidates of each rung are the best of the one before; the best is chosen
    # at the last rung only, even with higher scores earlier
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    X, y = make_classification(n_samples=1000, random_state=0)

    def scorer(est, X, y):  # random scores: no ties
        return rng.rand()

    tuner = halving(FastClassifier(), {"a": ["l1", "l2"], "b": list(range(30))}, grid=grid, factor=2,
                    scoring=scorer, n_candidates=60)
    tuner.fit(X, y)
    assert isinstance(tuner.cv_results_["iter"], np.ndarray)
    assert isinstance(tuner.cv_results_["n_resources"], np.ndarray)
    df = pd.DataFrame(tuner.cv_results_)
    assert len(df["mean_test_score"].unique()) == len(df)

    df["params_str"] = df["params"].apply(str)
    table = df.pivot(index="params_str", columns="iter", values="mean_test_score")
    nan_mask = pd.isna(table)
    n_iterations = len(tuner.n_resources_)
    for it in range(n_iterations - 1):
        already_discarded = nan_mask[it]
        assert (already_discarded & nan_mask[it + 1] == already_discarded).all()
        discarded_now = ~already_discarded & nan_mask[it + 1]
        kept = ~already_discarded & ~discarded_now
        assert kept.sum() == tuner.n_candidates_[it + 1]
        assert table[it].where(discarded_now).max() < table[it].where(kept).min()

    last_iter = df["iter"].max()
    best_last = df[df["iter"] == last_iter]["mean_test_score"].idxmax()
    best_all = df["mean_test_score"].idxmax()
    assert tuner.best_params_ == df.iloc[best_last]["params"]
    assert df.iloc[best_last]["mean_test_score"] < df.iloc[best_all]["mean_test_score"]
    assert df.iloc[best_last]["params"] != df.iloc[best_all]["params"]


@SAMPLERS
def test_base_estimator_inputs(grid):
    # test_base_estimator_inputs: each fit gets the candidate's parameters and its budget of rows. hpo's
    # budget counts the training rows (scikit-learn's counts training and test rows together)
    pd = pytest.importorskip("pandas")
    fitted, predicted, params_set = [], [], []

    class BookKeeping(FastClassifier):
        def fit(self, X, y):
            fitted.append(X.shape[0])
            return super().fit(X, y)

        def predict(self, X):
            predicted.append(X.shape[0])
            return super().predict(X)

        def set_params(self, **params):
            params_set.append(params)
            return super().set_params(**params)

    n_splits = 2
    X, y = make_classification(n_samples=1024, random_state=0)
    tuner = halving(BookKeeping(), {"a": ["l1", "l2"], "b": list(range(30))}, grid=grid, factor=2,
                    validation=n_splits, return_train_score=False, refit=False, n_candidates=60)
    tuner.fit(X, y)
    assert len(fitted) == len(predicted)
    per_trial_rows = fitted[::n_splits]
    per_trial_params = params_set[::n_splits]
    df = pd.DataFrame(tuner.cv_results_)
    assert len(per_trial_params) == len(per_trial_rows) == len(df)
    uniques, counts = np.unique(per_trial_rows, return_counts=True)
    assert (tuner.n_resources_ == uniques).all()
    assert (tuner.n_candidates_ == counts).all()
    assert (df["params"] == per_trial_params).all()
    assert (df["n_resources"] == per_trial_rows).all()


@SAMPLERS
def test_groups_support(grid):
    # test_groups_support
    rng = np.random.RandomState(0)
    X, y = make_classification(n_samples=50, n_classes=2, random_state=0)
    groups = rng.randint(0, 3, 50)
    clf = LinearSVC(random_state=0)
    for cv in [LeaveOneGroupOut(), LeavePGroupsOut(2), GroupKFold(n_splits=3), GroupShuffleSplit(random_state=0)]:
        tuner = halving(clf, {"C": [1]}, grid=grid, validation=cv, random_state=0)
        with pytest.raises(ValueError, match="The 'groups' parameter should not be None."):
            tuner.fit(X, y)
        tuner.fit(X, y, groups=groups)
    for cv in [StratifiedKFold(), StratifiedShuffleSplit(random_state=0)]:
        halving(clf, {"C": [1]}, grid=grid, validation=cv).fit(X, y)


@SAMPLERS
def test_min_resources_null(grid):
    # test_min_resources_null: an empty X is an error that says so (message: hpo's)
    tuner = halving(FastClassifier(), {"a": [1]}, grid=grid)
    with pytest.raises(ValueError, match=r"\b0 sample|n_samples=0"):
        tuner.fit(np.empty(0).reshape(0, 3), [])


def _halving_rbf_poly():
    X, y = make_classification(n_samples=150, n_features=4, random_state=42)
    return halving(SVC(), RBF_OR_POLY_RANDOM, validation=3, return_train_score=True, random_state=0).fit(X, y)


def test_halving_random_search_list_of_dicts():
    # test_halving_random_search_list_of_dicts (all but the param_ dtypes: next test)
    tuner = _halving_rbf_poly()
    cv_results = tuner.cv_results_
    n_candidates = sum(tuner.n_candidates_)
    check_cv_results_keys(cv_results, RBF_OR_POLY_PARAM_KEYS, SCORE_KEYS_3_FOLDS, n_candidates, ("n_resources", "iter"))
    check_cv_results_array_types(tuner, RBF_OR_POLY_PARAM_KEYS, SCORE_KEYS_3_FOLDS, None)
    check_rbf_or_poly_masks(cv_results, n_candidates)


def test_halving_random_search_list_of_dicts_param_dtypes():
    # test_halving_random_search_list_of_dicts (the param_ dtypes)
    check_cv_results_array_types(_halving_rbf_poly(), RBF_OR_POLY_PARAM_KEYS, SCORE_KEYS_3_FOLDS,
                                 {"param_C": "f", "param_degree": "i", "param_gamma": "f", "param_kernel": "O"})
