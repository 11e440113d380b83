"""scikit-learn's ``model_selection/tests/test_search.py`` (1.9), adapted to ``hpo.Tuner``.

Each test names the scikit-learn test it adapts. The assertions are
scikit-learn's; the setup speaks hpo (see ``_support``): ``GridSearchCV`` is
``strategy="grid"`` over Categorical dimensions in declared order,
``RandomizedSearchCV`` is ``strategy="random"``, ``cv=`` is ``validation=``.
An expected failure names the issue-19 defect that makes it fail today.
"""

from __future__ import annotations

import logging
import pickle
import re
import warnings
from collections.abc import Iterable, Sized
from itertools import product
from types import GeneratorType

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_almost_equal, assert_array_equal
from scipy.stats import bernoulli, uniform
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin, clone, is_classifier
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_blobs, make_classification, make_multilabel_classification
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import FitFailedWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge, SGDClassifier
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    make_scorer,
    r2_score,
    recall_score,
    roc_auc_score,
)
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.model_selection import (
    GroupKFold,
    GroupShuffleSplit,
    KFold,
    LeaveOneGroupOut,
    LeavePGroupsOut,
    StratifiedKFold,
    StratifiedShuffleSplit,
    train_test_split,
)
from sklearn.naive_bayes import ComplementNB
from sklearn.neighbors import KernelDensity, KNeighborsClassifier, LocalOutlierFactor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, SplineTransformer, StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils._mocking import CheckingClassifier, MockDataFrame
from sklearn.utils._testing import MinimalClassifier, MinimalRegressor, MinimalTransformer
from sklearn.utils.fixes import CSR_CONTAINERS

from hpo import Categorical, Float, Space, Strategy, Tuner, one_of
from hpo.strategies import make_strategy

from ._support import (
    RBF_OR_POLY,
    RBF_OR_POLY_PARAM_KEYS,
    RBF_OR_POLY_RANDOM,
    SCORE_KEYS_3_FOLDS,
    SEARCHES,
    BrokenClassifier,
    FailingClassifier,
    FastClassifier,
    LinearSVCNoScore,
    MockClassifier,
    X4,
    check_cv_results_array_types,
    check_cv_results_keys,
    check_rbf_or_poly_masks,
    fixed_candidates,
    grid,
    halving,
    randomized,
    y4,
)

X, y = X4, y4

# ---------------------------------------------------------------- issue 19's items and the defects this
# port found are fixed: no xfail is left.


def _rows_by(tuner: Tuner, name: str, values: list) -> list[int]:
    """The cv_results_ rows of ``name`` = each of ``values`` (random search rows come in its own order).

    Read from ``params``, which hold the values as given (1 and 1.0 and True stay apart there; a
    ``param_<name>`` column has the values' shared numpy dtype, as scikit-learn's)."""
    column = [p.get(name, _ABSENT) for p in tuner.cv_results_["params"]]
    return [next(i for i, v in enumerate(column) if v == value and type(v) is type(value)) for value in values]


_ABSENT = object()


# ====================================================================== ParameterGrid / ParameterSampler
@pytest.mark.parametrize("search", ["grid", "random"])
@pytest.mark.parametrize("space, match", [
    (0, r"space must be a Space or a dict"),
    ([{"foo_param": [0]}, 0], r"space must be a Space or a dict"),
    ({"foo_param": 0}, r"foo_param"),
])
def test_validate_parameter_input(search, space, match):
    # test_validate_parameter_input: a space that is not a dict of dimensions is a TypeError naming the culprit
    tuner = Tuner(MockClassifier(), space, strategy=search, validation=2)
    with pytest.raises(TypeError, match=match):
        tuner.fit(X, y)


def test_parameter_grid():
    # test_parameter_grid: the grid behind strategy="grid" (Space.grid) is sized, indexable, the full product
    grid1 = Space(foo=Categorical([1, 2, 3])).grid()
    assert isinstance(grid1, Iterable)
    assert isinstance(grid1, Sized)
    assert len(grid1) == 3
    assert list(grid1) == [grid1[i] for i in range(len(grid1))]

    params2 = {"foo": [4, 2], "bar": ["ham", "spam", "eggs"]}
    grid2 = Space({k: Categorical(v) for k, v in params2.items()}).grid()
    assert len(grid2) == 6
    for _ in range(2):  # iterable more than once
        points = {tuple(sorted(p.items())) for p in grid2}
        assert points == {(("bar", b), ("foo", f)) for b, f in product(params2["bar"], params2["foo"])}
    assert list(grid2) == [grid2[i] for i in range(len(grid2))]
    # an index past the end is an IndexError (scikit-learn checks it on its empty grid; a Space is never empty)
    with pytest.raises(IndexError):
        grid1[3]


def test_grid_order_is_declared_order_last_fastest():
    # Not a scikit-learn test: documents the grid order the parity tests rely on. ParameterGrid sorts the
    # names and runs the alphabetically last fastest; hpo runs the last *declared* one fastest.
    from sklearn.model_selection import ParameterGrid

    params = {"foo": [4, 2], "bar": ["ham", "spam", "eggs"]}
    declared = list(Space({k: Categorical(v) for k, v in params.items()}).grid())
    assert declared == [{"foo": f, "bar": b} for f, b in product(params["foo"], params["bar"])]
    alphabetical = list(Space({k: Categorical(params[k]) for k in sorted(params)}).grid())
    assert alphabetical == list(ParameterGrid(params))


def test_param_sampler():
    # test_param_sampler: random candidates lie in the space; the same seed gives the same candidates
    space = Space(kernel=Categorical(["rbf", "linear"]), C=Float(0, 1))
    samples = [c.config for c in make_strategy("random", space, seed=0).ask(10)]
    assert len(samples) == 10
    for sample in samples:
        assert sample["kernel"] in ["rbf", "linear"]
        assert 0 <= sample["C"] <= 1

    for space, n in ((Space(C=Categorical(list(range(11)))), 3), (Space(C=Float(0, 1)), 10)):
        def draw(space=space, n=n):
            return [c.config for c in make_strategy("random", space, seed=0).ask(n)]

        assert draw() == draw()
    # and through the Tuner: the same random_state, the same candidates
    tuner = randomized(DummyClassifier(), Space(strategy=Categorical(["prior", "uniform", "stratified"])), n_iter=2,
                       validation=2, random_state=0)
    assert tuner.fit(X, y).cv_results_["params"] == clone(tuner).fit(X, y).cv_results_["params"]


# ====================================================================== GridSearchCV basics
def test_grid_search(capsys):
    # test_grid_search
    tuner = grid(MockClassifier(), {"foo_param": [1, 2, 3]}, validation=2, verbose=3)
    tuner.fit(X, y)
    capsys.readouterr()
    # ties go to the first candidate
    assert tuner.best_estimator_.foo_param == 2
    assert_array_equal(tuner.cv_results_["param_foo_param"].data, [1, 2, 3])
    tuner.score(X, y)
    tuner.predict_proba(X)
    tuner.decision_function(X)
    tuner.transform(X)
    tuner.scoring = "sklearn"
    with pytest.raises(ValueError):
        tuner.fit(X, y)


def test_grid_search_pipeline_steps():
    # test_grid_search_pipeline_steps: estimators given as choices are cloned before fitting
    pipe = Pipeline([("regressor", LinearRegression())])
    choices = [LinearRegression(), Ridge()]
    tuner = grid(pipe, {"regressor": choices}, validation=2)
    tuner.fit(X, y)
    regressors = tuner.cv_results_["param_regressor"]
    assert isinstance(regressors[0], LinearRegression)
    assert isinstance(regressors[1], Ridge)
    assert not hasattr(regressors[0], "coef_")
    assert not hasattr(regressors[1], "coef_")
    assert regressors[0] is not tuner.best_estimator_
    assert regressors[1] is not tuner.best_estimator_
    # the choices given are untouched
    assert not hasattr(choices[0], "coef_")
    assert not hasattr(choices[1], "coef_")


@pytest.mark.parametrize("search", ["grid", "random"])
def test_SearchCV_with_fit_params(search):
    # test_SearchCV_with_fit_params
    X_ = np.arange(100).reshape(10, 10)
    y_ = np.array([0] * 5 + [1] * 5)
    clf = CheckingClassifier(expected_fit_params=["spam", "eggs"])
    tuner = SEARCHES[search](clf, {"foo_param": [1, 2, 3]}, validation=2, error_score="raise")
    with pytest.raises(AssertionError, match=r"Expected fit parameter\(s\) \['eggs'\] not seen."):
        tuner.fit(X_, y_, spam=np.ones(10))
    with pytest.raises(AssertionError, match="Fit parameter spam has length 1; expected"):
        tuner.fit(X_, y_, spam=np.ones(1), eggs=np.zeros(10))
    tuner.fit(X_, y_, spam=np.ones(10), eggs=np.zeros(10))


def test_grid_search_no_score():
    # test_grid_search_no_score
    X_, y_ = make_blobs(random_state=0, centers=2)
    Cs = [0.1, 1, 10]
    with_score = grid(LinearSVC(random_state=0), {"C": Cs}, scoring="accuracy").fit(X_, y_)
    without_score = grid(LinearSVCNoScore(random_state=0), {"C": Cs}, scoring="accuracy").fit(X_, y_)
    assert without_score.best_params_ == with_score.best_params_
    assert with_score.score(X_, y_) == without_score.score(X_, y_)
    # no scoring and no score method
    with pytest.raises(TypeError, match="no scoring"):
        grid(LinearSVCNoScore(random_state=0), {"C": Cs}).fit([[1]])


def test_grid_search_score_method():
    # test_grid_search_score_method
    X_, y_ = make_classification(n_samples=100, n_classes=2, flip_y=0.2, random_state=0)
    clf = LinearSVC(random_state=0)
    params = {"C": [0.1]}
    no_scoring = grid(clf, params, scoring=None).fit(X_, y_)
    accuracy = grid(clf, params, scoring="accuracy").fit(X_, y_)
    no_score_auc = grid(LinearSVCNoScore(), params, scoring="roc_auc").fit(X_, y_)
    auc = grid(clf, params, scoring="roc_auc").fit(X_, y_)

    score_no_scoring = no_scoring.score(X_, y_)
    score_accuracy = accuracy.score(X_, y_)
    score_no_score_auc = no_score_auc.score(X_, y_)
    score_auc = auc.score(X_, y_)
    assert score_auc < 1.0
    assert score_accuracy < 1.0
    assert score_auc != score_accuracy
    assert score_accuracy == pytest.approx(score_no_scoring)
    assert score_auc == pytest.approx(score_no_score_auc)


def test_grid_search_groups():
    # test_grid_search_groups: a group splitter without groups is the splitter's ValueError; groups reach it
    rng = np.random.RandomState(0)
    X_, y_ = make_classification(n_samples=15, n_classes=2, random_state=0)
    groups = rng.randint(0, 3, 15)
    clf = LinearSVC(random_state=0)
    for cv in [LeaveOneGroupOut(), LeavePGroupsOut(2), GroupKFold(n_splits=3), GroupShuffleSplit()]:
        tuner = grid(clf, {"C": [1]}, validation=cv)
        with pytest.raises(ValueError, match="The 'groups' parameter should not be None."):
            tuner.fit(X_, y_)
        tuner.fit(X_, y_, groups=groups)
    for cv in [StratifiedKFold(), StratifiedShuffleSplit()]:
        grid(clf, {"C": [1]}, validation=cv).fit(X_, y_)


def test_classes__property():
    # test_classes__property
    X_ = np.arange(100).reshape(10, 10)
    y_ = np.array([0] * 5 + [1] * 5)
    Cs = [0.1, 1, 10]
    tuner = grid(LinearSVC(random_state=0), {"C": Cs}).fit(X_, y_)
    assert_array_equal(tuner.best_estimator_.classes_, tuner.classes_)
    # regressors have none
    assert not hasattr(grid(Ridge(), {"alpha": [1.0, 2.0]}).fit(X_, y_), "classes_")
    # nor an unfitted search
    assert not hasattr(grid(LinearSVC(random_state=0), {"C": Cs}), "classes_")
    # nor one without refit
    assert not hasattr(grid(LinearSVC(random_state=0), {"C": Cs}, refit=False).fit(X_, y_), "classes_")


def test_trivial_cv_results_attr():
    # test_trivial_cv_results_attr: a search over one point
    assert hasattr(grid(MockClassifier(), {"foo_param": [1]}, validation=2).fit(X, y), "cv_results_")
    assert hasattr(randomized(MockClassifier(), {"foo_param": [0]}, n_iter=1, validation=2).fit(X, y),
                   "cv_results_")


def test_no_refit():
    # test_no_refit (first part; scikit-learn loops over two scorings but passes neither: one metric both times)
    tuner = grid(MockClassifier(), {"foo_param": [1, 2, 3]}, refit=False, validation=2).fit(X, y)
    assert not hasattr(tuner, "best_estimator_")
    assert hasattr(tuner, "best_index_")
    assert hasattr(tuner, "best_params_")


def test_no_refit_methods_are_absent():
    # test_no_refit (second part): without refit, predict & co. are absent, and say why
    tuner = grid(MockClassifier(), {"foo_param": [1, 2, 3]}, refit=False, validation=2).fit(X, y)
    for name in ("predict", "predict_proba", "predict_log_proba", "transform", "inverse_transform"):
        with pytest.raises(AttributeError, match=f"has no attribute '{name}'") as info:
            getattr(tuner, name)(X)
        assert isinstance(info.value.__cause__, AttributeError)
        assert "refit=False" in str(info.value.__cause__)
        assert name in str(info.value.__cause__)


@pytest.mark.parametrize("refit", [True, "recall", "accuracy"])
def test_no_refit_invalid_refit_for_multimetric(refit):
    # test_no_refit (third part): with several scorers, refit must be one of their names (message: hpo's)
    tuner = grid(MockClassifier(), {"foo_param": [1]}, refit=refit, scoring={"acc": "accuracy", "prec": "precision"})
    with pytest.raises(ValueError, match=r"refit.*\['acc', 'prec'\]"):
        tuner.fit(X, y)


def test_grid_search_error():
    # test_grid_search_error: X and y of different lengths
    X_, y_ = make_classification(n_samples=200, n_features=100, random_state=0)
    with pytest.raises(ValueError):
        grid(LinearSVC(), {"C": [0.1, 1.0]}).fit(X_[:180], y_)


def test_grid_search_one_grid_point():
    # test_grid_search_one_grid_point
    X_, y_ = make_classification(n_samples=200, n_features=100, random_state=0)
    tuner = grid(SVC(gamma="auto"), {"C": [1.0], "kernel": ["rbf"], "gamma": [0.1]}).fit(X_, y_)
    clf = SVC(C=1.0, kernel="rbf", gamma=0.1).fit(X_, y_)
    assert_array_equal(clf.dual_coef_, tuner.best_estimator_.dual_coef_)


def test_grid_search_when_param_grid_includes_range():
    # test_grid_search_when_param_grid_includes_range
    tuner = grid(MockClassifier(), {"foo_param": range(1, 4)}, validation=2).fit(X, y)
    assert tuner.best_estimator_.foo_param == 2


def test_grid_search_bad_param_grid():
    # test_grid_search_bad_param_grid: a value that is no list of choices is an error naming the parameter
    X_, y_ = make_classification(n_samples=10, n_features=5, random_state=0)
    for value in (1, "1,2,3"):
        with pytest.raises(TypeError, match="'?C'?"):
            Tuner(SVC(gamma="auto"), {"C": value}, strategy="grid").fit(X_, y_)
    # no choice, 2-d choices: a ValueError naming the parameter, as scikit-learn's
    for value in ([], np.ones((3, 2))):
        with pytest.raises(ValueError, match=r"\bC\b"):
            Tuner(SVC(gamma="auto"), {"C": value}, strategy="grid").fit(X_, y_)
    # as Categorical choices: a single value or a string, no choice, 2-d choices
    for value, error in ((1, TypeError), ("1,2,3", TypeError)):
        with pytest.raises(error):
            Categorical(value)
    for value in ([], np.ones((3, 2))):
        with pytest.raises(ValueError, match=r"\bC\b"):
            Space(C=Categorical(value))


@pytest.mark.parametrize("csr_container", CSR_CONTAINERS)
def test_grid_search_sparse(csr_container):
    # test_grid_search_sparse
    X_, y_ = make_classification(n_samples=200, n_features=100, random_state=0)
    tuner = grid(LinearSVC(), {"C": [0.1, 1.0]}).fit(X_[:180], y_[:180])
    y_pred = tuner.predict(X_[180:])
    C = tuner.best_estimator_.C

    X_ = csr_container(X_)
    tuner = grid(LinearSVC(), {"C": [0.1, 1.0]}).fit(X_[:180].tocoo(), y_[:180])
    y_pred2 = tuner.predict(X_[180:])
    C2 = tuner.best_estimator_.C
    assert np.mean(y_pred == y_pred2) >= 0.9
    assert C == C2


@pytest.mark.parametrize("csr_container", CSR_CONTAINERS)
def test_grid_search_sparse_scoring(csr_container):
    # test_grid_search_sparse_scoring
    X_, y_ = make_classification(n_samples=200, n_features=100, random_state=0)
    tuner = grid(LinearSVC(), {"C": [0.1, 1.0]}, scoring="f1").fit(X_[:180], y_[:180])
    y_pred = tuner.predict(X_[180:])
    C = tuner.best_estimator_.C

    X_ = csr_container(X_)
    tuner = grid(LinearSVC(), {"C": [0.1, 1.0]}, scoring="f1").fit(X_[:180], y_[:180])
    y_pred2 = tuner.predict(X_[180:])
    C2 = tuner.best_estimator_.C
    assert_array_equal(y_pred, y_pred2)
    assert C == C2

    def f1_loss(y_true, y_pred):
        return -f1_score(y_true, y_pred)

    loss = make_scorer(f1_loss, greater_is_better=False)
    tuner = grid(LinearSVC(), {"C": [0.1, 1.0]}, scoring=loss).fit(X_[:180], y_[:180])
    assert tuner.best_estimator_.C == C
    assert_array_equal(y_pred, tuner.predict(X_[180:]))


def test_grid_search_precomputed_kernel():
    # test_grid_search_precomputed_kernel
    X_, y_ = make_classification(n_samples=200, n_features=100, random_state=0)
    K_train = np.dot(X_[:180], X_[:180].T)
    y_train = y_[:180]
    tuner = grid(SVC(kernel="precomputed"), {"C": [0.1, 1.0]}).fit(K_train, y_train)
    assert tuner.best_score_ >= 0
    K_test = np.dot(X_[180:], X_[:180].T)
    y_pred = tuner.predict(K_test)
    # (scikit-learn asserts accuracy >= 0, which cannot fail) the refit is a plain fit on the precomputed kernel
    plain = SVC(kernel="precomputed", C=tuner.best_params_["C"]).fit(K_train, y_train)
    assert_array_equal(y_pred, plain.predict(K_test))
    assert np.mean(y_pred == y_[180:]) > 0.5
    # a kernel that is no array
    with pytest.raises(ValueError):
        tuner.fit(K_train.tolist(), y_train)


def test_grid_search_precomputed_kernel_error_nonsquare():
    # test_grid_search_precomputed_kernel_error_nonsquare
    with pytest.raises(ValueError):
        grid(SVC(kernel="precomputed"), {"C": [0.1, 1.0]}).fit(np.zeros((10, 20)), np.ones((10,)))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")
def test_refit():
    # test_refit: an estimator that cannot be fitted twice is refitted on a fresh clone
    X_ = np.arange(100).reshape(10, 10)
    y_ = np.array([0] * 5 + [1] * 5)
    grid(BrokenClassifier(), {"parameter": [0, 1]}, scoring="precision", refit=True).fit(X_, y_)


def _linear_svc_precision_search(**kwargs):
    X_, y_ = make_classification(n_samples=100, n_features=4, random_state=42)
    return grid(LinearSVC(random_state=42), {"C": [0.01, 0.1, 1]}, **kwargs), X_, y_


def test_refit_callable():
    # test_refit_callable
    def refit_callable(cv_results):
        reference, X_, y_ = _linear_svc_precision_search(scoring="precision", refit=True)
        reference.fit(X_, y_)
        assert reference.best_index_ != 0
        for key in reference.cv_results_:
            assert key in cv_results
        return cv_results["mean_test_score"].argmin()

    tuner, X_, y_ = _linear_svc_precision_search(scoring="precision", refit=refit_callable)
    tuner.fit(X_, y_)
    assert tuner.best_index_ == 0
    assert not hasattr(tuner, "best_score_")


def test_refit_callable_invalid_type():
    # test_refit_callable_invalid_type
    tuner, X_, y_ = _linear_svc_precision_search(scoring="precision", refit=lambda cv_results: None)
    with pytest.raises(TypeError, match="best_index_ .*not an integer"):
        tuner.fit(X_, y_)


@pytest.mark.parametrize("out_bound_value", [-1, 2])
@pytest.mark.parametrize("search", ["random", "grid"])
def test_refit_callable_out_bound(out_bound_value, search):
    # test_refit_callable_out_bound
    X_, y_ = make_classification(n_samples=100, n_features=4, random_state=42)
    tuner = SEARCHES[search](LinearSVC(random_state=42), {"C": [0.1, 1]}, scoring="precision",
                             refit=lambda cv_results: out_bound_value)
    with pytest.raises(IndexError, match="best_index_ .*out of range"):
        tuner.fit(X_, y_)


def test_refit_callable_multi_metric():
    # test_refit_callable_multi_metric
    def refit_callable(cv_results):
        assert "mean_test_prec" in cv_results
        return cv_results["mean_test_prec"].argmin()

    scoring = {"Accuracy": make_scorer(accuracy_score), "prec": "precision"}
    tuner, X_, y_ = _linear_svc_precision_search(scoring=scoring, refit=refit_callable)
    tuner.fit(X_, y_)
    assert tuner.best_index_ == 0
    assert not hasattr(tuner, "best_score_")


def test_gridsearch_nd():
    # test_gridsearch_nd: X and y of more than two dimensions pass through untouched
    X_4d = np.arange(10 * 5 * 3 * 2).reshape(10, 5, 3, 2)
    y_3d = np.arange(10 * 7 * 11).reshape(10, 7, 11)
    clf = CheckingClassifier(check_X=lambda x: x.shape[1:] == (5, 3, 2), check_y=lambda x: x.shape[1:] == (7, 11),
                             methods_to_check=["fit"])
    tuner = grid(clf, {"foo_param": [1, 2, 3]})
    tuner.fit(X_4d, y_3d).score(X, y)
    assert hasattr(tuner, "cv_results_")


def _search_with_list_input(list_X, list_y):
    X_ = np.arange(100).reshape(10, 10)
    y_ = np.array([0] * 5 + [1] * 5)
    check = {"check_X": lambda x: isinstance(x, list)} if list_X else {"check_y": lambda x: isinstance(x, list)}
    tuner = grid(CheckingClassifier(methods_to_check=["fit"], **check), {"foo_param": [1, 2, 3]},
                 validation=KFold(n_splits=3))
    tuner.fit(X_.tolist() if list_X else X_, y_.tolist() if list_y else y_).score(X_, y_)
    assert hasattr(tuner, "cv_results_")


def test_X_as_list():
    # test_X_as_list: X reaches the estimator as a list
    _search_with_list_input(list_X=True, list_y=False)


def test_y_as_list():
    # test_y_as_list: y reaches the estimator as a list
    _search_with_list_input(list_X=False, list_y=True)


def test_pandas_input():
    # test_pandas_input: data frames reach the estimator as data frames
    types = [(MockDataFrame, MockDataFrame)]
    try:
        from pandas import DataFrame, Series

        types.append((DataFrame, Series))
    except ImportError:  # pragma: no cover
        pass
    X_ = np.arange(100).reshape(10, 10)
    y_ = np.array([0] * 5 + [1] * 5)
    for frame, series in types:
        X_df, y_ser = frame(X_), series(y_)
        clf = CheckingClassifier(check_X=lambda x, frame=frame: isinstance(x, frame),
                                 check_y=lambda x, series=series: isinstance(x, series))
        tuner = grid(clf, {"foo_param": [1, 2, 3]})
        tuner.fit(X_df, y_ser).score(X_df, y_ser)
        tuner.predict(X_df)
        assert hasattr(tuner, "cv_results_")


def test_unsupervised_grid_search():
    # test_unsupervised_grid_search
    X_, y_ = make_blobs(n_samples=50, random_state=0)
    km = KMeans(random_state=0, init="random", n_init=1)
    scoring = ["adjusted_rand_score", "fowlkes_mallows_score"]
    for refit in scoring:
        tuner = grid(km, {"n_clusters": [2, 3, 4]}, scoring=scoring, refit=refit).fit(X_, y_)
        assert tuner.best_params_["n_clusters"] == 3
    tuner = grid(km, {"n_clusters": [2, 3, 4]}, scoring="fowlkes_mallows_score").fit(X_, y_)
    assert tuner.best_params_["n_clusters"] == 3
    # no scoring and no y: KMeans' own score
    tuner = grid(km, {"n_clusters": [2, 3, 4]}).fit(X_)
    assert tuner.best_params_["n_clusters"] == 4


def test_gridsearch_no_predict():
    # test_gridsearch_no_predict: an estimator without predict, scored by a callable
    def custom_scoring(estimator, X):
        return 42 if estimator.bandwidth == 0.1 else 0

    X_, _ = make_blobs(cluster_std=0.1, random_state=1, centers=[[0, 1], [1, 0], [0, 0]])
    tuner = grid(KernelDensity(), {"bandwidth": [0.01, 0.1, 1]}, scoring=custom_scoring).fit(X_)
    assert tuner.best_params_["bandwidth"] == 0.1
    assert tuner.best_score_ == 42


# ====================================================================== cv_results_
def _grid_rbf_poly():
    X_, y_ = make_classification(n_samples=50, n_features=4, random_state=42)
    return grid(SVC(), RBF_OR_POLY, validation=3, return_train_score=True).fit(X_, y_)


def test_grid_search_cv_results():
    # test_grid_search_cv_results (all but the param_ dtypes: see the next test)
    tuner = _grid_rbf_poly()
    cv_results = tuner.cv_results_
    n_candidates = 6
    assert all(cv_results["rank_test_score"] >= 1)
    assert all(np.all(cv_results[k] >= 0) for k in SCORE_KEYS_3_FOLDS if k != "rank_test_score")
    assert all(np.all(cv_results[k] <= 1) for k in SCORE_KEYS_3_FOLDS if "time" not in k and k != "rank_test_score")
    check_cv_results_array_types(tuner, RBF_OR_POLY_PARAM_KEYS, SCORE_KEYS_3_FOLDS, None)
    check_cv_results_keys(cv_results, RBF_OR_POLY_PARAM_KEYS, SCORE_KEYS_3_FOLDS, n_candidates)
    check_rbf_or_poly_masks(cv_results, n_candidates, n_poly=2, n_rbf=4)


def test_grid_search_cv_results_param_dtypes():
    # test_grid_search_cv_results (the param_ dtypes)
    tuner = _grid_rbf_poly()
    check_cv_results_array_types(tuner, RBF_OR_POLY_PARAM_KEYS, SCORE_KEYS_3_FOLDS,
                                 {"param_C": "i", "param_degree": "i", "param_gamma": "f", "param_kernel": "O"})


def _random_rbf_poly():
    X_, y_ = make_classification(n_samples=50, n_features=4, random_state=42)
    return randomized(SVC(), RBF_OR_POLY_RANDOM, n_iter=30, validation=3, return_train_score=True,
                      random_state=0).fit(X_, y_)


def test_random_search_cv_results():
    # test_random_search_cv_results (all but the param_ dtypes: see the next test)
    tuner = _random_rbf_poly()
    check_cv_results_array_types(tuner, RBF_OR_POLY_PARAM_KEYS, SCORE_KEYS_3_FOLDS, None)
    check_cv_results_keys(tuner.cv_results_, RBF_OR_POLY_PARAM_KEYS, SCORE_KEYS_3_FOLDS, 30)
    check_rbf_or_poly_masks(tuner.cv_results_, 30)


def test_random_search_cv_results_param_dtypes():
    # test_random_search_cv_results (the param_ dtypes)
    check_cv_results_array_types(_random_rbf_poly(), RBF_OR_POLY_PARAM_KEYS, SCORE_KEYS_3_FOLDS,
                                 {"param_C": "f", "param_degree": "i", "param_gamma": "f", "param_kernel": "O"})


@pytest.mark.parametrize("search", ["grid", "random"])
def test_search_default_iid(search):
    # test_search_default_iid: the mean and std over splits are unweighted
    X_, y_ = make_blobs(centers=[[0, 0], [1, 0], [0, 1], [1, 1]], random_state=0, cluster_std=0.1,
                        shuffle=False, n_samples=80)
    mask = np.ones(X_.shape[0], dtype=bool)
    mask[np.where(y_ == 1)[0][::2]] = 0
    mask[np.where(y_ == 2)[0][::2]] = 0
    cv = [[mask, ~mask], [~mask, mask]]
    tuner = SEARCHES[search](SVC(), {"C": [1, 10]}, validation=cv, return_train_score=True,
                             **({"n_iter": 2} if search == "random" else {}))
    tuner.fit(X_, y_)
    row = _rows_by(tuner, "C", [1])[0]  # the random search's first row may be C=10
    results = tuner.cv_results_
    test_scores = np.array([results[f"split{s}_test_score"][row] for s in range(tuner.n_splits_)])
    train_scores = np.array([results[f"split{s}_train_score"][row] for s in range(tuner.n_splits_)])
    assert results["param_C"][row] == 1
    assert_allclose(test_scores, [1, 1.0 / 3.0])
    assert_allclose(train_scores, [1, 1])
    assert results["mean_test_score"][row] == pytest.approx(np.mean(test_scores))
    assert results["std_test_score"][row] == pytest.approx(np.std(test_scores))
    assert results["mean_train_score"][row] == pytest.approx(1)
    assert results["std_train_score"][row] == pytest.approx(0)


def _compare_cv_results_multimetric_with_single(multi, acc, rec):
    """The multi-metric cv_results_ equals the two single-metric ones side by side (times aside)."""
    assert multi.multimetric_
    assert_array_equal(sorted(multi.scorer_), ("accuracy", "recall"))
    merged = {re.sub("_score$", "_accuracy", k): v for k, v in acc.cv_results_.items()}
    merged.update({re.sub("_score$", "_recall", k): v for k, v in rec.cv_results_.items()})
    assert all(np.all(multi.cv_results_[k] <= 1)
               for k in ("mean_score_time", "std_score_time", "mean_fit_time", "std_fit_time"))
    np.testing.assert_equal({k: v for k, v in multi.cv_results_.items() if not k.endswith("_time")},
                            {k: v for k, v in merged.items() if not k.endswith("_time")})


def _compare_refit_methods_when_refit_with_acc(multi, acc, refit):
    assert acc.refit == refit
    if refit:
        assert multi.refit == "accuracy"
    else:
        assert not multi.refit
        return
    X_, y_ = make_blobs(n_samples=100, n_features=4, random_state=42)
    for method in ("predict", "predict_proba", "predict_log_proba"):
        assert_allclose(getattr(multi, method)(X_), getattr(acc, method)(X_))
    assert multi.score(X_, y_) == pytest.approx(acc.score(X_, y_))
    for key in ("best_index_", "best_score_", "best_params_"):
        assert getattr(multi, key) == getattr(acc, key)


def test_grid_search_cv_results_multimetric():
    # test_grid_search_cv_results_multimetric
    X_, y_ = make_classification(n_samples=50, n_features=4, random_state=42)
    searches = []
    for scoring in ({"accuracy": make_scorer(accuracy_score), "recall": make_scorer(recall_score)},
                    "accuracy", "recall"):
        searches.append(grid(SVC(), RBF_OR_POLY, validation=3, scoring=scoring, refit=False).fit(X_, y_))
    _compare_cv_results_multimetric_with_single(*searches)


@pytest.mark.parametrize("refit", [
    True, False,
])
def test_random_search_cv_results_multimetric(refit):
    # test_random_search_cv_results_multimetric (scikit-learn loops over refit; here a parameter)
    X_, y_ = make_classification(n_samples=50, n_features=4, random_state=42)
    searches = []
    for scoring in (("accuracy", "recall"), "accuracy", "recall"):
        if refit and isinstance(scoring, tuple):
            refit = "accuracy"  # as scikit-learn's test: the single-metric searches get refit="accuracy" too
        searches.append(randomized(LogisticRegression(random_state=42), {"C": np.logspace(-4, 1, 3)}, n_iter=30,
                                   validation=3, scoring=scoring, refit=refit, random_state=0).fit(X_, y_))
    _compare_cv_results_multimetric_with_single(*searches)
    _compare_refit_methods_when_refit_with_acc(searches[0], searches[1], refit)


@pytest.mark.parametrize("search", ["random", "grid"])
def test_search_cv_score_samples_error(search):
    # test_search_cv_score_samples_error
    X_, y_ = make_blobs(n_samples=100, n_features=4, random_state=42)
    tuner = SEARCHES[search](DecisionTreeClassifier(), {"max_depth": [5, 10]}).fit(X_, y_)
    with pytest.raises(AttributeError, match="'Tuner' has no attribute 'score_samples'") as info:
        tuner.score_samples(X_)
    assert isinstance(info.value.__cause__, AttributeError)
    assert str(info.value.__cause__) == "'DecisionTreeClassifier' object has no attribute 'score_samples'"


def test_unsupported_sample_weight_scorer():
    # test_unsupported_sample_weight_scorer: a scorer that cannot take sample_weight is warned about
    def fake_score_func(y_true, y_pred):
        return 0.5

    def fake_scorer_function(estimator, X, y):  # scikit-learn passes fake_score_func itself as scoring
        return 0.5

    X_, y_ = make_classification(n_samples=10, n_features=4, random_state=42)
    sw = np.ones_like(y_)
    tuner = grid(LogisticRegression(), {"C": [1, 10]})
    tuner.set_params(scoring=fake_scorer_function)
    with pytest.warns(UserWarning, match="does not support sample_weight"):
        tuner.fit(X_, y_, sample_weight=sw)
    tuner.set_params(scoring=make_scorer(fake_score_func))
    with pytest.warns(UserWarning, match="does not support sample_weight"):
        tuner.fit(X_, y_, sample_weight=sw)
    tuner.set_params(scoring=dict(fake=make_scorer(fake_score_func), accuracy="accuracy"), refit=False)
    with pytest.warns(UserWarning, match=r"fake=.* does not support sample_weight"):
        tuner.fit(X_, y_, sample_weight=sw)


@pytest.mark.parametrize("make", [
    lambda: grid(LogisticRegression(), {"C": [1, 10, 100]}),
    lambda: randomized(Ridge(), {"alpha": [1, 0.1, 0.01]}),
], ids=["grid-logistic", "random-ridge"])
def test_search_cv_sample_weight_equivalence(make):
    # test_search_cv_sample_weight_equivalence: weights are the same as repeated rows
    rng = np.random.RandomState(42)
    n_samples = 4 * 30
    X_ = rng.rand(n_samples, 10)  # scikit-learn: n_samples * 2 features (slow to fit, the same fact)
    y_ = rng.randint(0, 3, size=n_samples)
    sw = rng.randint(0, 5, size=n_samples)
    groups = np.tile(np.arange(4), 30)  # LeaveOneGroupOut: the same splits in both data sets

    weighted = make().set_params(random_state=0, validation=list(LeaveOneGroupOut().split(X_, groups=groups)))
    X_rep, y_rep, groups_rep = X_.repeat(sw, axis=0), y_.repeat(sw), groups.repeat(sw)
    repeated = make().set_params(random_state=0, validation=list(LeaveOneGroupOut().split(X_rep, groups=groups_rep)))
    repeated.fit(X_rep, y_rep, sample_weight=None)
    weighted.fit(X_, y_, sample_weight=sw)

    for key in [k for k in repeated.cv_results_ if k.endswith("score")]:
        assert_allclose(repeated.cv_results_[key], weighted.cv_results_[key], err_msg=key)
    for key in ["best_score_", "best_index_"]:
        assert getattr(repeated, key) == pytest.approx(getattr(weighted, key))
    for method in ["predict_proba", "decision_function", "predict", "transform"]:
        if hasattr(repeated, method):
            assert_allclose(getattr(repeated, method)(X_), getattr(weighted, method)(X_))


@pytest.mark.parametrize("search", ["random", "grid"])
def test_search_cv_score_samples_method(search):
    # test_search_cv_score_samples_method
    rng = np.random.RandomState(42)
    n_samples, n_outliers = 300, 45
    X_ = make_blobs(n_samples=n_samples - n_outliers, n_features=2, centers=[[0, 0], [0, 0]], cluster_std=0.5,
                    random_state=0)[0]
    X_ = np.concatenate([X_, rng.uniform(low=-6, high=6, size=(n_outliers, 2))], axis=0)
    y_true = np.array([1] * n_samples)
    y_true[-n_outliers:] = -1
    tuner = SEARCHES[search](LocalOutlierFactor(novelty=True), {"n_neighbors": [5, 10]}, scoring="precision")
    tuner.fit(X_, y_true)
    assert_allclose(tuner.score_samples(X_), tuner.best_estimator_.score_samples(X_))


def test_search_cv_results_rank_tie_breaking():
    # test_search_cv_results_rank_tie_breaking: ties share the smallest rank
    X_, y_ = make_blobs(n_samples=50, random_state=42)
    Cs = [1, 1.001, 0.001]
    for tuner in (grid(SVC(), {"C": Cs}, return_train_score=True),
                  randomized(SVC(), {"C": Cs}, n_iter=3, return_train_score=True)):
        tuner.fit(X_, y_)
        rows = _rows_by(tuner, "C", Cs)  # the random search's rows come in its own order
        results = {k: np.asarray(v)[rows] for k, v in tuner.cv_results_.items() if k != "params"}
        assert results["mean_test_score"][0] == pytest.approx(results["mean_test_score"][1])
        assert results["mean_train_score"][0] == pytest.approx(results["mean_train_score"][1])
        assert not np.allclose(results["mean_test_score"][1], results["mean_test_score"][2])
        assert not np.allclose(results["mean_train_score"][1], results["mean_train_score"][2])
        assert_array_equal(results["rank_test_score"], [1, 1, 3])


@pytest.mark.parametrize("est", [
    DecisionTreeRegressor(),
    DecisionTreeClassifier(),
], ids=["regressor", "classifier"])
def test_search_cv_results_none_param(est):
    # test_search_cv_results_none_param (scikit-learn loops over the two estimators). The regressor's R^2 on
    # the one-row folds of KFold() is NaN for every candidate.
    X_, y_ = [[1], [2], [3], [4], [5]], [0, 0, 0, 0, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # UndefinedMetricWarning: R^2 of one sample
        tuner = grid(est, {"random_state": [0, None]}, validation=KFold()).fit(X_, y_)
    assert_array_equal(tuner.cv_results_["param_random_state"], [0, None])


def test_search_cv_timing():
    # test_search_cv_timing: LinearSVC(C=0) fails to fit; its times are real, its score time 0
    X_ = [[1], [2], [3], [4]]
    y_ = [0, 1, 1, 0]
    for tuner in (grid(LinearSVC(random_state=0), {"C": [0, 1]}, validation=2, error_score=0),
                  randomized(LinearSVC(random_state=0), {"C": [0, 1]}, n_iter=2, validation=2, error_score=0)):
        tuner.fit(X_, y_)
        failed = _rows_by(tuner, "C", [0])[0]
        ok = 1 - failed
        for key in ["mean_fit_time", "std_fit_time"]:
            assert np.all(tuner.cv_results_[key] >= 0)
            assert np.all(tuner.cv_results_[key] < 1)
        for key in ["mean_score_time", "std_score_time"]:
            assert tuner.cv_results_[key][ok] >= 0
            assert tuner.cv_results_[key][failed] == 0.0
            assert np.all(tuner.cv_results_[key] < 1)
        assert isinstance(tuner.refit_time_, float)
        assert tuner.refit_time_ >= 0


def test_grid_search_correct_score_results():
    # test_grid_search_correct_score_results: the split scores are those of the splitter's folds
    n_splits = 3
    clf = LinearSVC(random_state=0)
    X_, y_ = make_blobs(random_state=0, centers=2)
    Cs = [0.1, 1, 10]
    for score in ["f1", "roc_auc"]:
        tuner = grid(clf, {"C": Cs}, scoring=score, validation=n_splits).fit(X_, y_)
        keys = ("mean_test_score", "rank_test_score") + tuple(f"split{i}_test_score" for i in range(n_splits))
        assert all(np.isin(keys, list(tuner.cv_results_)))
        for candidate, C in enumerate(Cs):
            clf.set_params(C=C)
            scores = [tuner.cv_results_[f"split{s}_test_score"][candidate] for s in range(tuner.n_splits_)]
            for i, (train, test) in enumerate(StratifiedKFold(n_splits=n_splits).split(X_, y_)):
                clf.fit(X_[train], y_[train])
                if score == "f1":
                    correct = f1_score(y_[test], clf.predict(X_[test]))
                else:
                    correct = roc_auc_score(y_[test], clf.decision_function(X_[test]))
                assert correct == pytest.approx(scores[i])


def test_pickle():
    # test_pickle: a fitted search pickles
    for tuner in (grid(MockClassifier(), {"foo_param": [1, 2, 3]}, refit=True, validation=2),
                  randomized(MockClassifier(), {"foo_param": [1, 2, 3]}, refit=True, n_iter=3, validation=2)):
        tuner.fit(X, y)
        assert_array_almost_equal(tuner.predict(X), pickle.loads(pickle.dumps(tuner)).predict(X))


def test_grid_search_with_multioutput_data():
    # test_grid_search_with_multioutput_data
    X_, y_ = make_multilabel_classification(return_indicator=True, random_state=0)
    cv = KFold()
    for est in (DecisionTreeRegressor(random_state=0), DecisionTreeClassifier(random_state=0)):
        for tuner in (grid(est, {"max_depth": [1, 2, 3, 4]}, validation=cv),
                      randomized(est, {"max_depth": [1, 2, 3, 4]}, n_iter=3, validation=cv)):
            tuner.fit(X_, y_)
            for i_candidate, params in enumerate(tuner.cv_results_["params"]):
                est.set_params(**params)
                for i, (train, test) in enumerate(cv.split(X_, y_)):
                    est.fit(X_[train], y_[train])
                    assert est.score(X_[test], y_[test]) == pytest.approx(
                        tuner.cv_results_[f"split{i}_test_score"][i_candidate])


def test_predict_proba_disabled():
    # test_predict_proba_disabled (scikit-learn searches the empty grid {}; a Space needs a parameter)
    X_ = np.arange(20).reshape(5, -1)
    y_ = [0, 0, 1, 1, 1]
    tuner = grid(SVC(), {"C": [1.0]}, validation=2).fit(X_, y_)
    assert not hasattr(tuner, "predict_proba")


def test_grid_search_allows_nans():
    # test_grid_search_allows_nans
    X_ = np.arange(20, dtype=np.float64).reshape(5, -1)
    X_[2, :] = np.nan
    y_ = [0, 0, 1, 1, 1]
    pipe = Pipeline([("imputer", SimpleImputer(strategy="mean", missing_values=np.nan)),
                     ("classifier", MockClassifier())])
    grid(pipe, {"classifier__foo_param": [1, 2, 3]}, validation=2).fit(X_, y_)


# ====================================================================== failures
def _failing_search(error_score):
    return grid(FailingClassifier(), {"parameter": [0, 1, 2]}, scoring="accuracy", refit=False,
                error_score=error_score)


def _scores_of(tuner, i):
    return np.array([tuner.cv_results_[f"split{s}_test_score"][i] for s in range(tuner.n_splits_)])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.FitFailedWarning")
def test_grid_search_failing_classifier():
    # test_grid_search_failing_classifier (the scores and ranks; the warning: next test)
    X_, y_ = make_classification(n_samples=20, n_features=10, random_state=0)
    tuner = _failing_search(0.0).fit(X_, y_)
    failing = FailingClassifier.FAILING_PARAMETER
    n_candidates = len(tuner.cv_results_["params"])
    assert all(np.all(_scores_of(tuner, i) == 0.0) for i in range(n_candidates)
               if tuner.cv_results_["param_parameter"][i] == failing)

    tuner = _failing_search(float("nan")).fit(X_, y_)
    assert all(np.all(np.isnan(_scores_of(tuner, i))) for i in range(n_candidates)
               if tuner.cv_results_["param_parameter"][i] == failing)
    ranks = tuner.cv_results_["rank_test_score"]
    assert ranks[0] <= 2 and ranks[1] <= 2
    assert ranks[failing] == 3
    assert tuner.best_index_ != failing


def test_grid_search_failing_classifier_warns():
    # test_grid_search_failing_classifier (the FitFailedWarning)
    X_, y_ = make_classification(n_samples=20, n_features=10, random_state=0)
    for error_score, shown in ((0.0, r"0\.0"), (float("nan"), "nan")):
        message = re.compile(
            "5 fits failed.+total of 15.+The score on these train-test partitions for these parameters will be set"
            rf" to {shown}.+5 fits failed with the following error.+ValueError.+Failing classifier failed as required",
            flags=re.DOTALL,
        )
        with pytest.warns(FitFailedWarning, match=message):
            _failing_search(error_score).fit(X_, y_)


def test_grid_search_classifier_all_fits_fail():
    # test_grid_search_classifier_all_fits_fail (scikit-learn repeats the failing value three times; a
    # Categorical holds distinct choices, so here every value fails)
    X_, y_ = make_classification(n_samples=20, n_features=10, random_state=0)
    tuner = grid(FailingClassifier(failing=(0, 1, 2)), {"parameter": [0, 1, 2]}, error_score=0.0)
    message = re.compile("All the 15 fits failed.+15 fits failed with the following error.+ValueError.+"
                         "Failing classifier failed as required", flags=re.DOTALL)
    with pytest.raises(ValueError, match=message):
        tuner.fit(X_, y_)


def test_grid_search_failing_classifier_raise():
    # test_grid_search_failing_classifier_raise
    X_, y_ = make_classification(n_samples=20, n_features=10, random_state=0)
    with pytest.raises(ValueError):
        _failing_search("raise").fit(X_, y_)


# ====================================================================== sampling without replacement
_TWO_BRANCHES = Space(  # scikit-learn's [{"first": [0, 1], "second": ["a", "b", "c"]}, {"third": ["two", "values"]}]
    z=Categorical(["first-and-second", "third"]),
    a=Categorical([0, 1]).when(z="first-and-second"),
    b=Categorical(["a", "b", "c"]).when(z="first-and-second"),
    c=Categorical(["two", "values"]).when(z="third"),
)


def _fast():
    return FastClassifier()


def _keys(params):
    return [tuple(sorted(p.items())) for p in params]


def test_parameters_sampler_replacement():
    # test_parameters_sampler_replacement (all but the warning: next test)
    X_, y_ = make_classification(n_samples=40, random_state=0)
    # n_iter equal to the space's size is the whole grid
    tuner = randomized(_fast(), _TWO_BRANCHES, n_iter=8, validation=2).fit(X_, y_)
    samples = _keys(tuner.cv_results_["params"])
    assert len(samples) == 8
    for point in _keys(list(_TWO_BRANCHES.grid())):
        assert point in samples
    assert len(randomized(_fast(), _TWO_BRANCHES, n_iter=1000, validation=2).fit(X_, y_).cv_results_["params"]) == 8
    # without replacement in a large grid
    large = Space(a=Categorical(list(range(10))), b=Categorical(list(range(10))), c=Categorical(list(range(10))))
    tuner = randomized(_fast(), large, n_iter=99, validation=2, random_state=42).fit(X_, y_)
    assert len(tuner.cv_results_["params"]) == 99
    assert len(set(_keys(tuner.cv_results_["params"]))) == 99
    # no endless loop. Deliberate difference: scikit-learn samples with replacement as soon as one
    # parameter is a distribution (bernoulli) and returns 7; hpo never repeats a configuration, and
    # bernoulli(0.5) is Int(0, 1): the 6 configurations there are.
    space = {"a": bernoulli(0.5), "b": ["a", "b", "c"]}
    assert len(randomized(_fast(), space, n_iter=7, validation=2).fit(X_, y_).cv_results_["params"]) == 6


def test_parameters_sampler_replacement_warns():
    # test_parameters_sampler_replacement (the warning: n_iter is larger than the space)
    X_, y_ = make_classification(n_samples=40, random_state=0)
    with pytest.warns(UserWarning, match=r"\b8\b.*n_trials=9|n_trials=9.*\b8\b"):
        randomized(_fast(), _TWO_BRANCHES, n_iter=9, validation=2).fit(X_, y_)


def test_stochastic_gradient_loss_param():
    # test_stochastic_gradient_loss_param: predict_proba follows the best estimator's loss
    X_ = np.arange(24).reshape(6, -1)
    y_ = [0, 0, 0, 1, 1, 1]
    tuner = grid(SGDClassifier(loss="hinge"), {"loss": ["log_loss"]}, validation=3)
    assert not hasattr(tuner, "predict_proba")
    tuner.fit(X_, y_)
    tuner.predict_proba(X_)
    tuner.predict_log_proba(X_)

    tuner = grid(SGDClassifier(loss="hinge"), {"loss": ["hinge"]}, validation=3)
    assert not hasattr(tuner, "predict_proba")
    tuner.fit(X_, y_)
    assert not hasattr(tuner, "predict_proba")


def test_search_train_scores_set_to_false():
    # test_search_train_scores_set_to_false
    X_ = np.arange(6).reshape(6, -1)
    y_ = [0, 0, 0, 1, 1, 1]
    grid(LinearSVC(random_state=0), {"C": [0.1, 0.2]}, validation=3).fit(X_, y_)


class _OneTimeSplitter:
    """Yields its KFold splits on the first call of ``split`` only (a non-re-entrant splitter)."""

    def __init__(self, n_splits, n_samples):
        self.n_splits = n_splits
        self._splits = iter(KFold(n_splits=n_splits).split(np.ones(n_samples)))

    def split(self, X=None, y=None, groups=None):
        yield from self._splits

    def get_n_splits(self, X=None, y=None, groups=None):
        return self.n_splits


def _without_times(cv_results):
    return {k: v for k, v in cv_results.items() if not k.endswith("_time")}


def test_grid_search_cv_splits_consistency():
    # test_grid_search_cv_splits_consistency: the splitter is split once; every candidate sees the same folds
    n_samples, n_splits = 100, 5
    X_, y_ = make_classification(n_samples=n_samples, random_state=0)
    params = {"C": [0.1, 0.2, 0.3]}

    def search(cv):
        return grid(LinearSVC(random_state=0), params, validation=cv, return_train_score=True).fit(X_, y_)

    once = search(_OneTimeSplitter(n_splits=n_splits, n_samples=n_samples))
    kfold = search(KFold(n_splits=n_splits))
    generator = KFold(n_splits=n_splits, shuffle=True, random_state=0).split(X_, y_)
    assert isinstance(generator, GeneratorType)
    from_generator = search(generator)
    shuffled = search(KFold(n_splits=n_splits, shuffle=True, random_state=0))
    np.testing.assert_equal(_without_times(from_generator.cv_results_), _without_times(shuffled.cv_results_))
    np.testing.assert_equal(_without_times(once.cv_results_), _without_times(kfold.cv_results_))

    # scikit-learn repeats C=0.1 and C=0.2; a Categorical holds distinct choices, so here the twins are
    # max_iter=1000 and 1001, the same model (LinearSVC converges in fewer iterations)
    twins = grid(LinearSVC(random_state=0), {"C": [0.1, 0.2], "max_iter": [1000, 1001]},
                 validation=KFold(n_splits=n_splits, shuffle=True), return_train_score=True).fit(X_, y_)
    assert [p["C"] for p in twins.cv_results_["params"]] == [0.1, 0.1, 0.2, 0.2]
    for kind in ("train", "test"):
        per_param = [[twins.cv_results_[f"split{s}_{kind}_score"][i] for s in range(n_splits)] for i in range(4)]
        assert_array_almost_equal(per_param[0], per_param[1])
        assert_array_almost_equal(per_param[2], per_param[3])


def test_transform_inverse_transform_round_trip(capsys):
    # test_transform_inverse_transform_round_trip
    tuner = grid(MockClassifier(), {"foo_param": [1, 2, 3]}, validation=2, verbose=3).fit(X, y)
    assert_array_equal(X, tuner.inverse_transform(tuner.transform(X)))


# ====================================================================== custom searches (strategies)
def _drop_branch(config):
    return {k: v for k, v in config.items() if k != "branch"}


_DEPTH_OR_SPLIT = Space(  # scikit-learn's [{"max_depth": [1, 2]}, {"min_samples_split": [5, 10]}]
    branch=Categorical(["depth", "split"]),
    max_depth=Categorical([1, 2]).when(branch="depth"),
    min_samples_split=Categorical([5, 10]).when(branch="split"),
    to_params=_drop_branch,
)


def test_custom_run_search():
    # test_custom_run_search: hpo's hook is a Strategy; one asking two batches by hand equals the grid
    def check_results(results, expected):
        assert sorted(results) == sorted(expected)
        for k in results:
            if not k.endswith("_time"):
                got, want = np.asanyarray(results[k]), np.asanyarray(expected[k])
                if got.dtype.kind == "O":
                    assert_array_equal(want, got, err_msg=k)
                else:
                    assert_allclose(want, got, err_msg=k)

    X_, y_ = make_classification(n_samples=100, n_informative=4, random_state=0)
    clf = DecisionTreeRegressor(random_state=0)  # a regressor: every score differs
    batches = ([{"branch": "depth", "max_depth": 1}, {"branch": "depth", "max_depth": 2}],
               [{"branch": "split", "min_samples_split": 5}, {"branch": "split", "min_samples_split": 10}])
    custom = Tuner(clf, _DEPTH_OR_SPLIT, strategy=fixed_candidates(*batches), n_trials=None, validation=5,
                   return_train_score=True).fit(X_, y_)
    reference = grid(clf, _DEPTH_OR_SPLIT, return_train_score=True).fit(X_, y_)
    check_results(custom.cv_results_, reference.cv_results_)
    skip = {"cv_results_", "best_estimator_", "refit_time_", "classes_", "scorer_",
            "result_", "trials_", "strategy_"}  # the last three hold hpo's trial records, with their times
    for attr in dir(reference):
        if attr[0].islower() and attr.endswith("_") and attr not in skip:
            assert getattr(reference, attr) == getattr(custom, attr), attr


def test__custom_fit_no_run_search():
    # test__custom_fit_no_run_search: a subclass with its own fit needs no strategy; a strategy without
    # its hook (_ask) is a NotImplementedError
    class NoSearchTuner(Tuner):
        def fit(self, X, y=None, **fit_params):
            return self

    NoSearchTuner(SVC(), {"C": Categorical([1.0])}).fit(X, y)

    class BadStrategy(Strategy):
        name = "bad"

    with pytest.raises(NotImplementedError):
        Tuner(SVC(), {"C": Categorical([1.0])}, strategy=BadStrategy, validation=KFold(n_splits=2)).fit(X, y)


def test_empty_cv_iterator_error():
    # test_empty_cv_iterator_error: a spent iterator of splits is an error before any fit (message: hpo's)
    cv = KFold(n_splits=3).split(X)
    [u for u in cv]
    tuner = randomized(Ridge(), {"alpha": [1e-3, 1e-2, 1e-1]}, validation=cv, n_jobs=2)
    with pytest.raises(ValueError, match="gave no split"):
        tuner.fit(X[:100], y[:100])


def test_random_search_bad_cv():
    # test_random_search_bad_cv
    class BrokenKFold(KFold):
        def get_n_splits(self, *args, **kw):
            return 1

    tuner = randomized(Ridge(), {"alpha": [1e-3, 1e-2, 1e-1]}, validation=BrokenKFold(n_splits=3))
    with pytest.raises(ValueError, match=r"get_n_splits.*inconsistent|inconsistent.*get_n_splits"):
        tuner.fit(X[:100], y[:100])


class _SometimesNaNScorer:
    """Every fifth call scores NaN."""

    def __init__(self):
        self.n_counts = 0

    def __call__(self, estimator, X, y):
        self.n_counts += 1
        return np.nan if self.n_counts % 5 == 0 else 1


def _non_finite_search(search, return_train_score):
    kwargs = {"n_iter": 4} if search == "random" else {}
    return SEARCHES[search](DecisionTreeClassifier(), {"max_depth": [2, 3, 5, 8]}, scoring=_SometimesNaNScorer(),
                            validation=3, return_train_score=return_train_score, **kwargs)


@pytest.mark.parametrize("return_train_score", [False, True])
@pytest.mark.parametrize("search", ["grid", "random"])
def test_searchcv_raise_warning_with_non_finite_score(search, return_train_score):
    # test_searchcv_raise_warning_with_non_finite_score (the ranks; the warnings: next test)
    X_, y_ = make_classification(n_classes=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tuner = _non_finite_search(search, return_train_score).fit(X_, y_)
    ranks = tuner.cv_results_["rank_test_score"]
    last_rank = ranks.max()
    non_finite = np.isnan(tuner.cv_results_["mean_test_score"])
    assert_array_equal(ranks[non_finite], last_rank)
    assert np.all(ranks[~non_finite] < last_rank)


@pytest.mark.parametrize("return_train_score", [False, True])
@pytest.mark.parametrize("search", ["grid", "random"])
def test_searchcv_raise_warning_with_non_finite_score_warns(search, return_train_score):
    # test_searchcv_raise_warning_with_non_finite_score (one UserWarning per kind of score)
    X_, y_ = make_classification(n_classes=2, random_state=0)
    with pytest.warns(UserWarning) as record:
        _non_finite_search(search, return_train_score).fit(X_, y_)
    kinds = ["test", "train"] if return_train_score else ["test"]
    assert len(record) == len(kinds)
    for message, kind in zip(record, kinds):
        assert f"One or more of the {kind} scores are non-finite" in str(message.message)


# ====================================================================== callable scorers
def test_callable_multimetric_confusion_matrix():
    # test_callable_multimetric_confusion_matrix
    def custom_scorer(clf, X, y):
        cm = confusion_matrix(y, clf.predict(X))
        return {"tn": cm[0, 0], "fp": cm[0, 1], "fn": cm[1, 0], "tp": cm[1, 1]}

    X_, y_ = make_classification(n_samples=40, n_features=4, random_state=42)
    tuner = grid(LinearSVC(random_state=42), {"C": [0.1, 1]}, scoring=custom_scorer, refit="fp").fit(X_, y_)
    for name in ["tn", "fp", "fn", "tp"]:
        assert f"mean_test_{name}" in tuner.cv_results_
    cm = confusion_matrix(y_, tuner.predict(X_))
    assert tuner.score(X_, y_) == pytest.approx(cm[0, 1])


def test_callable_multimetric_same_as_list_of_strings():
    # test_callable_multimetric_same_as_list_of_strings
    def custom_scorer(est, X, y):
        y_pred = est.predict(X)
        return {"recall": recall_score(y, y_pred), "accuracy": accuracy_score(y, y_pred)}

    X_, y_ = make_classification(n_samples=40, n_features=4, random_state=42)
    est = LinearSVC(random_state=42)
    by_callable = grid(est, {"C": [0.1, 1]}, scoring=custom_scorer, refit="recall").fit(X_, y_)
    by_names = grid(est, {"C": [0.1, 1]}, scoring=["recall", "accuracy"], refit="recall").fit(X_, y_)
    assert by_callable.best_score_ == pytest.approx(by_names.best_score_)
    assert by_callable.best_index_ == by_names.best_index_
    assert by_callable.score(X_, y_) == pytest.approx(by_names.score(X_, y_))


def test_callable_single_metric_same_as_single_string():
    # test_callable_single_metric_same_as_single_string
    def custom_scorer(est, X, y):
        return recall_score(y, est.predict(X))

    X_, y_ = make_classification(n_samples=40, n_features=4, random_state=42)
    est = LinearSVC(random_state=42)
    by_callable = grid(est, {"C": [0.1, 1]}, scoring=custom_scorer, refit=True).fit(X_, y_)
    by_name = grid(est, {"C": [0.1, 1]}, scoring="recall", refit="recall").fit(X_, y_)
    by_list = grid(est, {"C": [0.1, 1]}, scoring=["recall"], refit="recall").fit(X_, y_)
    for other in (by_callable, by_list):
        assert other.best_score_ == pytest.approx(by_name.best_score_)
        assert other.best_index_ == by_name.best_index_
        assert other.score(X_, y_) == pytest.approx(by_name.score(X_, y_))


def test_callable_multimetric_error_on_invalid_key():
    # test_callable_multimetric_error_on_invalid_key: refit names no metric of the scorer (message: hpo's)
    def bad_scorer(est, X, y):
        return {"bad_name": 1}

    X_, y_ = make_classification(n_samples=40, n_features=4, random_state=42)
    tuner = grid(LinearSVC(random_state=42), {"C": [0.1, 1]}, scoring=bad_scorer, refit="good_name")
    with pytest.raises(ValueError, match="refit='good_name'"):
        tuner.fit(X_, y_)


def test_callable_multimetric_error_failing_clf():
    # test_callable_multimetric_error_failing_clf
    def custom_scorer(est, X, y):
        return {"acc": 1}

    X_, y_ = make_classification(n_samples=20, n_features=10, random_state=0)
    tuner = grid(FailingClassifier(), {"parameter": [0, 1, 2]}, scoring=custom_scorer, refit=False, error_score=0.1)
    message = re.compile("5 fits failed.+total of 15.+The score on these train-test partitions for these "
                         r"parameters will be set to 0\.1", flags=re.DOTALL)
    with pytest.warns(FitFailedWarning, match=message):
        tuner.fit(X_, y_)
    assert_allclose(tuner.cv_results_["mean_test_acc"], [1, 1, 0.1])


def test_callable_multimetric_clf_all_fits_fail():
    # test_callable_multimetric_clf_all_fits_fail (every value fails, as in test_grid_search_classifier_all_fits_fail)
    def custom_scorer(est, X, y):
        return {"acc": 1}

    X_, y_ = make_classification(n_samples=20, n_features=10, random_state=0)
    tuner = grid(FailingClassifier(failing=(0, 1, 2)), {"parameter": [0, 1, 2]}, scoring=custom_scorer,
                 refit=False, error_score=0.1)
    message = re.compile("All the 15 fits failed.+your model is misconfigured.+"
                         "ValueError: Failing classifier failed as required", flags=re.DOTALL)
    with pytest.raises(ValueError, match=message):
        tuner.fit(X_, y_)


# ====================================================================== delegation, tags, fit params
def test_n_features_in():
    # test_n_features_in
    n_features = 4
    X_, y_ = make_classification(n_features=n_features, random_state=0)
    gbdt = HistGradientBoostingClassifier()
    by_grid = grid(gbdt, {"max_iter": [3, 4]})
    by_random = randomized(gbdt, {"max_iter": [3, 4]}, n_iter=1)
    assert not hasattr(by_grid, "n_features_in_")
    assert not hasattr(by_random, "n_features_in_")
    by_grid.fit(X_, y_)
    by_random.fit(X_, y_)
    assert by_grid.n_features_in_ == n_features
    assert by_random.n_features_in_ == n_features


@pytest.mark.parametrize("pairwise", [True, False])
def test_search_cv_pairwise_property_delegated_to_base_estimator(pairwise):
    # test_search_cv_pairwise_property_delegated_to_base_estimator
    class TestEstimator(BaseEstimator):
        def __sklearn_tags__(self):
            tags = super().__sklearn_tags__()
            tags.input_tags.pairwise = pairwise
            return tags

    tuner = grid(TestEstimator(), {"n_neighbors": [10]})
    assert pairwise == tuner.__sklearn_tags__().input_tags.pairwise


def test_search_cv__pairwise_property_delegated_to_base_estimator():
    # test_search_cv__pairwise_property_delegated_to_base_estimator
    class EstimatorPairwise(BaseEstimator):
        def __init__(self, pairwise=True):
            self.pairwise = pairwise

        def __sklearn_tags__(self):
            tags = super().__sklearn_tags__()
            tags.input_tags.pairwise = self.pairwise
            return tags

    est = EstimatorPairwise()
    for setting in [True, False]:
        est.set_params(pairwise=setting)
        assert setting == grid(est, {"n_neighbors": [10]}).__sklearn_tags__().input_tags.pairwise


def test_search_cv_pairwise_property_equivalence_of_precomputed():
    # test_search_cv_pairwise_property_equivalence_of_precomputed
    X_, y_ = make_classification(n_samples=50, random_state=0)
    tuner = grid(KNeighborsClassifier(), {"n_neighbors": [10]}, validation=2).fit(X_, y_)
    original = tuner.predict(X_)
    X_precomputed = euclidean_distances(X_)
    tuner = grid(KNeighborsClassifier(metric="precomputed"), {"n_neighbors": [10]}, validation=2)
    precomputed = tuner.fit(X_precomputed, y_).predict(X_precomputed)
    assert (original == precomputed).all()


class _ScalarFitParamEstimator(ClassifierMixin, BaseEstimator):
    def __init__(self, a=None):
        self.a = a

    def fit(self, X, y, r=None):  # returns None, as scikit-learn's test estimator
        self.r_ = r

    def predict(self, X):
        return np.zeros(shape=(len(X)))


@pytest.mark.parametrize("search, space", [
    ("grid", {"a": [0.1, 0.01]}),
    ("random", {"a": uniform(1, 3)}),
])
def test_scalar_fit_param(search, space):
    # test_scalar_fit_param: a scalar fit parameter reaches every fit, the refit too
    X_, y_ = make_classification(random_state=42)
    tuner = SEARCHES[search](_ScalarFitParamEstimator(), space).fit(X_, y_, r=42)
    assert tuner.best_estimator_.r_ == 42


class _FitParamClassifier(SGDClassifier):
    def fit(self, X, y, sample_weight=None, tuple_of_arrays=None, scalar_param=None, callable_param=None):
        super().fit(X, y, sample_weight=sample_weight)
        assert scalar_param > 0
        assert callable(callable_param)
        assert isinstance(tuple_of_arrays, tuple)
        assert tuple_of_arrays[0].ndim == 2
        assert tuple_of_arrays[1].ndim == 1
        return self


@pytest.mark.parametrize("search, space", [
    ("grid", {"alpha": [0.1, 0.01]}),
    ("random", {"alpha": uniform(0.01, 0.1)}),
])
def test_scalar_fit_param_compat(search, space):
    # test_scalar_fit_param_compat: tuples of arrays, callables and scalars pass through as they are
    X_train, X_valid, y_train, y_valid = train_test_split(*make_classification(random_state=42), random_state=42)
    fit_params = {"tuple_of_arrays": (X_valid, y_valid), "callable_param": lambda: None, "scalar_param": 42}
    SEARCHES[search](_FitParamClassifier(), space).fit(X_train, y_train, **fit_params)


@pytest.mark.filterwarnings("ignore:The total space of parameters 4 is")
@pytest.mark.parametrize("search", ["grid", "random"])
@pytest.mark.parametrize("Predictor", [MinimalRegressor, MinimalClassifier])
def test_search_cv_using_minimal_compatible_estimator(search, Predictor):
    # test_search_cv_using_minimal_compatible_estimator: estimators that do not inherit BaseEstimator.
    # scikit-learn tunes "predictor__parama", which MinimalClassifier's get_params() does not list
    # (it lists "param") but its set_params accepts.
    rng = np.random.RandomState(0)
    X_, y_ = rng.randn(25, 2), np.array([0] * 5 + [1] * 20)
    model = Pipeline([("transformer", MinimalTransformer()), ("predictor", Predictor())])
    params = {"transformer__param": [1, 10], "predictor__parama": [1, 10]}
    tuner = SEARCHES[search](model, params, error_score="raise").fit(X_, y_)
    assert tuner.best_params_.keys() == params.keys()
    y_pred = tuner.predict(X_)
    if is_classifier(tuner):
        assert_array_equal(y_pred, 1)
        assert tuner.score(X_, y_) == pytest.approx(accuracy_score(y_, y_pred))
    else:
        assert_allclose(y_pred, y_.mean())
        assert tuner.score(X_, y_) == pytest.approx(r2_score(y_, y_pred))


@pytest.mark.parametrize("return_train_score", [True, False])
def test_search_cv_verbose_3(caplog, capsys, return_train_score):
    # test_search_cv_verbose_3: verbose shows each candidate's score. Deliberate difference (issue 19 §3):
    # hpo logs one line per trial to the logger "hpo", where scikit-learn prints one line per fit (3 here)
    X_, y_ = make_classification(n_samples=100, n_classes=2, flip_y=0.2, random_state=0)
    with caplog.at_level(logging.DEBUG, logger="hpo"):
        tuner = grid(LinearSVC(random_state=0), {"C": [0.1]}, scoring="accuracy", verbose=3, validation=3,
                     return_train_score=return_train_score).fit(X_, y_)
    capsys.readouterr()
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("hpo") and "0.1" in r.getMessage()]
    lines = [line for line in lines if "score" in line]
    assert len(lines) == len(tuner.cv_results_["params"]) == 1
    if return_train_score:
        assert "train" in lines[0]


@pytest.mark.parametrize("search", ["grid", "random", "halving-grid"])
def test_search_estimator_param(search):
    # test_search_estimator_param: a step given with its own parameter; the choice object is untouched
    X_, y_ = make_classification(random_state=42)
    choice = LinearSVC()
    orig_C = choice.C
    params = {"clf": [choice], "clf__C": [0.01]}
    pipe = Pipeline([("trs", MinimalTransformer()), ("clf", None)])
    if search == "halving-grid":
        tuner = halving(pipe, params, grid=True, refit=True, validation=2, scoring="accuracy")
    else:
        tuner = SEARCHES[search](pipe, params, refit=True, validation=2, scoring="accuracy")
    tuner.fit(X_, y_)
    assert choice.C == orig_C
    assert tuner.best_estimator_.named_steps["clf"].C == 0.01


def test_search_with_2d_array():
    # test_search_with_2d_array: tuple values stay tuples in a 1-d object column. scikit-learn's expected
    # values come from its own random draws; here they are the rows' own parameters.
    space = {"vect__ngram_range": [(1, 1), (1, 2)], "vect__norm": ["l1", "l2"]}
    pipe = Pipeline([("vect", TfidfVectorizer()), ("clf", ComplementNB())])
    # scikit-learn runs n_jobs=2; worker processes take seconds to start and carry the same tuples
    # (tests/test_tuner.py checks that two workers give the same trials as one)
    tuner = randomized(pipe, space, n_iter=3, random_state=0, verbose=1, validation=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the least populated class has 2 members, under 3 folds
        tuner.fit(["one", "two", "three", "four", "five"], [0, 0, 1, 0, 1])
    result = tuner.cv_results_["param_vect__ngram_range"]
    expected = np.empty(3, dtype=object)
    expected[:] = [p["vect__ngram_range"] for p in tuner.cv_results_["params"]]
    assert result.shape == (3,)
    assert all(isinstance(v, tuple) for v in result.data)
    np.testing.assert_array_equal(result.data, expected)


def test_search_html_repr():
    # test_search_html_repr
    X_, y_ = make_classification(random_state=42)
    pipeline = Pipeline([("scale", StandardScaler()), ("clf", DummyClassifier())])
    params = {"clf": [DummyClassifier(), LogisticRegression()]}
    tuner = grid(pipeline, params, refit=False)
    with config_context(display="diagram"):
        assert "<div>DummyClassifier</div>" in tuner._repr_html_()
    tuner.fit(X_, y_)
    with config_context(display="diagram"):
        assert "<div>DummyClassifier</div>" in tuner._repr_html_()
    tuner = grid(pipeline, params, refit=True).fit(X_, y_)
    with config_context(display="diagram"):
        html = tuner._repr_html_()
        assert "<div>DummyClassifier</div>" not in html
        assert "<div>LogisticRegression</div>" in html


# ====================================================================== metadata routing
@pytest.mark.parametrize("search", ["grid", "random"])
@config_context(enable_metadata_routing=True)
def test_multi_metric_search_forwards_metadata(search):
    # test_multi_metric_search_forwards_metadata
    from sklearn.tests.metadata_routing_common import ConsumingScorer, _Registry, check_recorded_metadata

    X_, y_ = make_classification(random_state=42)
    rng = np.random.RandomState(0)
    score_weights = rng.rand(len(X_))
    score_metadata = rng.rand(len(X_))
    registry = _Registry()
    scorer = ConsumingScorer(registry=registry).set_score_request(sample_weight="score_weights",
                                                                   metadata="score_metadata")
    tuner = SEARCHES[search](LinearSVC(), {"C": [1]}, refit="accuracy", validation=2,
                             scoring=dict(my_scorer=scorer, accuracy="accuracy"))
    tuner.fit(X_, y_, score_weights=score_weights, score_metadata=score_metadata)
    assert len(registry)
    for recorded in registry:
        check_recorded_metadata(obj=recorded, method="consuming_metric", parent="fit",
                                split_params=("sample_weight", "metadata"), sample_weight=score_weights,
                                metadata=score_metadata)


@pytest.mark.parametrize("search", ["grid", "random", "halving-grid"])
def test_score_rejects_params_with_no_routing_enabled(search):
    # test_score_rejects_params_with_no_routing_enabled
    X_, y_ = make_classification(random_state=42)
    if search == "halving-grid":
        tuner = halving(LinearSVC(), {"C": [1]}, grid=True, validation=2)
    else:
        tuner = SEARCHES[search](LinearSVC(), {"C": [1]}, validation=2)
    tuner.fit(X_, y_)
    with pytest.raises(ValueError, match="is only supported if"):
        tuner.score(X_, y_, metadata=1)


# ====================================================================== param_ column dtypes
class _MetaEstimator(ClassifierMixin, BaseEstimator):
    def __init__(self, base_clf, parameter1=None, parameter2=None, parameter3=None, parameter4=None):
        self.base_clf = base_clf
        self.parameter1 = parameter1
        self.parameter2 = parameter2
        self.parameter3 = parameter3
        self.parameter4 = parameter4

    def fit(self, X, y=None):
        self.base_clf.fit(X, y)
        return self

    def score(self, X, y):
        return self.base_clf.score(X, y)


def test_cv_results_dtype_issue_29074():
    # test_cv_results_dtype_issue_29074: columns of mixed values are object dtype. scikit-learn mixes None
    # with dicts and lists; Categorical choices must be hashable, so here None mixes with tuples.
    params = {
        "parameter1": [None, ("option", "A"), ("option", "B")],
        "parameter2": [None, (1, 2)],
        "parameter3": [("a", 1)],
        "parameter4": ["str1", "str2"],
    }
    X_, y_ = make_blobs(random_state=0)
    # scikit-learn wraps a LogisticRegression: any classifier shows the columns, a DummyClassifier fastest
    tuner = grid(_MetaEstimator(DummyClassifier()), params, validation=3).fit(X_, y_)
    for name in params:
        assert tuner.cv_results_[f"param_{name}"].dtype == object


def test_search_with_estimators_issue_29157():
    # test_search_with_estimators_issue_29157: a column of estimators is object dtype
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"numeric_1": [1, 2, 3, 4, 5], "object_1": ["a", "a", "a", "a", "a"],
                       "target": [1.0, 4.1, 2.0, 3.0, 1.0]})
    X_, y_ = df.drop("target", axis=1), df["target"]
    enc = ColumnTransformer([("enc", OneHotEncoder(sparse_output=False), ["object_1"])], remainder="passthrough")
    pipe = Pipeline([("enc", enc), ("regressor", LinearRegression())])
    tuner = grid(pipe, {"enc__enc": [OneHotEncoder(sparse_output=False), OrdinalEncoder()]}, validation=2)
    tuner.fit(X_, y_)
    assert tuner.cv_results_["param_enc__enc"].dtype == object


def test_cv_results_multi_size_array():
    # test_cv_results_multi_size_array: parameters that are arrays of different sizes. An array is no
    # Categorical choice (unhashable): the space chooses the number of knots and to_params builds them.
    n_features = 10
    X_, y_ = make_classification(n_features=n_features, random_state=0)

    def knots(config):
        return {"splinetransformer__knots":
                np.linspace(0, np.pi * 2, config["n_knots"]).reshape((-1, n_features))}

    pipe = make_pipeline(SplineTransformer(extrapolation="periodic"), LogisticRegression())
    space = Space(n_knots=Categorical([n_features * i for i in [10, 11, 12]]), to_params=knots)
    tuner = grid(pipe, space).fit(X_, y_)
    assert [p["splinetransformer__knots"].shape for p in tuner.cv_results_["params"]] == [(10, 10), (11, 10), (12, 10)]
    assert tuner.cv_results_["param_n_knots"].shape == (3,)


def _array_api_combinations():
    from sklearn.utils._array_api import yield_namespace_device_dtype_combinations

    return list(yield_namespace_device_dtype_combinations())


@pytest.mark.parametrize("array_namespace, device_name, dtype_name", _array_api_combinations())
@pytest.mark.parametrize("search", ["grid", "random"])
def test_array_api_search_cv_classifier(search, array_namespace, device_name, dtype_name):
    # test_array_api_search_cv_classifier (namespaces that are not installed are skipped, as there)
    from sklearn.utils._testing import _array_api_for_tests

    xp, device = _array_api_for_tests(array_namespace, device_name, dtype_name)
    X_np = np.arange(100).reshape((10, 10)).astype(dtype_name)
    X_xp = xp.asarray(X_np, device=device)
    y_xp = xp.asarray(np.array([0] * 5 + [1] * 5), device=device)
    with config_context(array_api_dispatch=True):
        tuner = SEARCHES[search](LinearDiscriminantAnalysis(), {"tol": [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7]},
                                 validation=2, error_score="raise")
        tuner.fit(X_xp, y_xp)
        tuner.score(X_xp, y_xp)


# ====================================================================== scikit-learn's _yield_masked_array_for_each_param
class _FooBar(ClassifierMixin, BaseEstimator):
    def __init__(self, foo=None, bar=None):
        self.foo = foo
        self.bar = bar

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def _param_columns(space, candidates):
    """cv_results_ of exactly these candidates (a custom strategy), on a tiny problem."""
    tuner = Tuner(_FooBar(), space, strategy=fixed_candidates(candidates), n_trials=None, validation=2)
    return tuner.fit(X, y).cv_results_


_ONE_HOT, _ORDINAL = OneHotEncoder(), OrdinalEncoder()
_MASKED_TUPLES = np.ma.MaskedArray(np.empty(2), mask=True, dtype=object)
_MASKED_TUPLES[0] = (1, 2)
_MASKED_TUPLES[1] = (3, 4)


@pytest.mark.parametrize("space, candidates, expected", [
    pytest.param(Space(foo=Categorical([1, 2])), [{"foo": 1}, {"foo": 2}],
                 [("param_foo", np.ma.MaskedArray(np.array([1, 2])))],
                 id="simple numeric, single param"),
    pytest.param(Space(foo=Categorical([1, 2, 3]), bar=Categorical([3, 4]).when(foo=one_of(1, 2))),
                 [{"foo": 1, "bar": 3}, {"foo": 2, "bar": 4}, {"foo": 3}],
                 [("param_foo", np.ma.MaskedArray(np.array([1, 2, 3]))),
                  ("param_bar", np.ma.MaskedArray(np.array([3, 4, 0]), mask=[False, False, True]))],
                 id="simple numeric, one param is missing in one round"),
    pytest.param(Space(foo=Categorical([(1, 2), (3, 4)])), [{"foo": (1, 2)}, {"foo": (3, 4)}],
                 [("param_foo", _MASKED_TUPLES)], id="lists tuples"),
    pytest.param(Space(foo=Categorical([_ORDINAL, _ONE_HOT])), [{"foo": _ORDINAL}, {"foo": _ONE_HOT}],
                 [("param_foo", np.ma.MaskedArray([_ORDINAL, _ONE_HOT], dtype=object))], id="estimators"),
])
def test_yield_masked_array_for_each_param(space, candidates, expected):
    # test_yield_masked_array_for_each_param, through cv_results_ (the "lists of different lengths" case
    # cannot arise: a list is no Categorical choice)
    cv_results = _param_columns(space, candidates)
    for key, value in expected:
        assert cv_results[key].dtype == value.dtype
        np.testing.assert_array_equal(cv_results[key], value)
        np.testing.assert_array_equal(cv_results[key].mask, value.mask)


@pytest.mark.slow
def test_yield_masked_array_no_runtime_warning():
    # test_yield_masked_array_no_runtime_warning: 1000 candidates build their columns without a RuntimeWarning
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        # one split (scikit-learn: 5 folds): the columns are the point, not the folds
        tuner = grid(_FooBar(), {"foo": list(range(1000))}, validation=[([0, 2], [1, 3])]).fit(X, y)
    assert len(tuner.cv_results_["param_foo"]) == 1000


# ====================================================================== scikit-learn's callbacks
def _callback_searches(estimator, scoring):
    # scikit-learn's random searches draw max_iter from randint(1, 4): the same three values
    return [
        grid(estimator(), {"max_iter": [1, 2, 3]}, validation=2, scoring=scoring),
        randomized(estimator(), {"max_iter": [1, 2, 3]}, n_iter=3, validation=2, scoring=scoring, random_state=42),
        halving(estimator(), {"max_iter": [1, 2, 3]}, grid=True, validation=2, aggressive=True, scoring=scoring),
        halving(estimator(), {"max_iter": [1, 2, 3]}, validation=2, aggressive=True, scoring=scoring,
                random_state=42),
    ]


def _callback_utils():
    from sklearn.callback.tests import _utils

    return _utils


def _fit_with_recording_callbacks(estimator_name, scoring, which, refit):
    u = _callback_utils()
    callbacks = [u.RecordingCallback(), u.RecordingAutoPropagatedCallback()]
    tuner = clone(_callback_searches(getattr(u, estimator_name), scoring)[which]).set_params(refit=refit)
    return tuner.set_callbacks(*callbacks).fit(X, y), callbacks


def _check_hook_counts(callback, n_tasks):
    assert callback.count_hooks("setup") == 1
    assert callback.count_hooks("on_fit_task_begin") == n_tasks
    assert callback.count_hooks("on_fit_task_end") == n_tasks
    assert callback.count_hooks("teardown") == 1


def _expected_tasks(tuner, refit):
    n_splits = tuner.n_splits_
    if tuner.strategy == "halving":
        # scikit-learn's n_iterations_ is len(n_candidates_), one entry per iteration (rung) run
        return 1 + (1 + refit) + len(tuner.n_candidates_) + sum(n * n_splits for n in tuner.n_candidates_)
    return 1 + (1 + refit) + 3 * n_splits


@pytest.mark.parametrize("refit", [True, False])
@pytest.mark.parametrize("which", range(4), ids=["grid", "random", "halving-grid", "halving-random"])
def test_search_callbacks_no_propagation(which, refit):
    # test_search_callbacks_no_propagation
    tuner, callbacks = _fit_with_recording_callbacks("NoCallbackEstimator", "accuracy", which, refit)
    for callback in callbacks:
        _check_hook_counts(callback, _expected_tasks(tuner, refit))


@pytest.mark.parametrize("refit", [True, False])
@pytest.mark.parametrize("which", range(4), ids=["grid", "random", "halving-grid", "halving-random"])
def test_search_callbacks_propagation(which, refit):
    # test_search_callbacks_propagation: an auto-propagated callback also sees the inner estimators' tasks
    tuner, callbacks = _fit_with_recording_callbacks("MaxIterEstimator", "r2", which, refit)
    search_tasks = _expected_tasks(tuner, refit)
    inner = sum(p["max_iter"] for p in tuner.cv_results_["params"] for _ in range(tuner.n_splits_))
    refit_inner = tuner.best_estimator_.n_iter_ if refit else 0
    _check_hook_counts(callbacks[0], search_tasks)
    _check_hook_counts(callbacks[1], search_tasks + inner + refit_inner)


def test_search_callbacks_receive_sample_weight():
    # test_search_callbacks_receive_sample_weight
    u = _callback_utils()
    callback = u.RecordingCallback()
    tuner = grid(u.MaxIterEstimator(), {"max_iter": [1, 2, 3]}, validation=2, scoring="accuracy")
    sample_weight = np.random.RandomState(0).randint(0, 5, size=y.shape[0])
    tuner.set_callbacks(callback).fit(X, y, sample_weight=sample_weight)
    evaluations = [e for e in callback.record if e["context"].task_name == "candidate-split-evaluation"]
    refits = [e for e in callback.record if e["context"].task_name == "refit-with-best-params"]
    assert evaluations
    assert refits
    for entry in evaluations:
        assert "sample_weight" in entry["kwargs"]["metadata"]
    for entry in refits:
        assert_array_equal(entry["kwargs"]["metadata"]["sample_weight"], sample_weight)


@pytest.mark.parametrize("which", range(4), ids=["grid", "random", "halving-grid", "halving-random"])
def test_search_callbacks_receive_search_instance(which):
    # test_search_callbacks_receive_search_instance
    u = _callback_utils()
    callback = u.RecordingCallback()
    tuner = clone(_callback_searches(u.MaxIterEstimator, "r2")[which]).set_callbacks(callback).fit(X, y)
    for entry in callback.record:
        assert entry["estimator"] is tuner


def test_search_callbacks_with_partial_fit_failures():
    # test_search_callbacks_with_partial_fit_failures
    u = _callback_utils()

    class MayFailClassifier(ClassifierMixin, BaseEstimator):
        def __init__(self, fail=False):
            self.fail = fail

        def fit(self, X, y):
            self.classes_ = np.unique(y)
            if self.fail:
                raise RuntimeError("MayFailClassifier.fit failed")
            return self

        def predict(self, X):
            return np.zeros(len(X), dtype=int)

    callback = u.RecordingCallback()
    tuner = grid(MayFailClassifier(), {"fail": [False, True]}, validation=2, refit=False, error_score=0.0)
    tuner.set_callbacks(callback)
    with pytest.warns(FitFailedWarning, match="2 fits failed out of a total of 4."):
        tuner.fit(X, y)
    assert callback.count_hooks("on_fit_task_begin") == 1 + 1 + 4
    assert callback.count_hooks("on_fit_task_end") == 1 + 1 + 4
