"""How scikit-learn's searches are spelled with ``hpo.Tuner`` in the parity tests.

``GridSearchCV(est, {"a": [...], "b": [...]}, cv=k)``
    ``grid(est, {"a": [...], "b": [...]}, validation=k)``: a Space of
    ``Categorical`` dimensions in the dict's order, ``strategy="grid"`` with
    ``order="declared"``, ``n_trials=None`` (the whole grid). hpo's declared
    order runs the *last declared* parameter fastest; ``ParameterGrid`` sorts
    the names and runs the *alphabetically last* one fastest. The two agree
    when the names are declared in alphabetical order (as every multi-parameter
    grid here is, where rows are compared by position).
``RandomizedSearchCV(est, dists, n_iter=n, cv=k)``
    ``randomized(est, space, n_iter=n, validation=k)``: ``strategy="random"``.
    A list becomes a ``Categorical``, a scipy distribution a ``Float`` or
    ``Int`` range. hpo never evaluates a configuration twice, so a finite
    space ends the search early (as ``ParameterSampler`` does for lists).
``HalvingGridSearchCV`` / ``HalvingRandomSearchCV``
    ``halving(est, space, factor=..., grid=...)``: ``strategy="halving"``
    with ``eta=factor``; the grid version samples with the grid strategy in
    declared order and starts every grid point (``n_candidates`` = the grid's
    size), as ``HalvingGridSearchCV`` does.

scikit-learn's ``cv`` defaults to 5 folds; the Tuner's ``validation``
defaults to a 20% holdout, so every helper passes ``validation=5`` unless a
test says otherwise.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.svm import LinearSVC

from hpo import Categorical, Float, Space, Strategy, Tuner

__all__ = [
    "as_space", "grid", "randomized", "halving", "SEARCHES",
    "MockClassifier", "LinearSVCNoScore", "BrokenClassifier", "FailingClassifier",
    "FastClassifier", "SometimesFailClassifier", "X4", "y4",
    "fixed_candidates", "HPO_COLUMNS", "check_cv_results_keys", "check_cv_results_array_types",
    "RBF_OR_POLY", "RBF_OR_POLY_RANDOM", "RBF_OR_POLY_PARAM_KEYS", "SCORE_KEYS_3_FOLDS", "check_rbf_or_poly_masks",
]

#: Columns of hpo's ``cv_results_`` that scikit-learn's searches do not have (the trial's status and budget).
HPO_COLUMNS = ("status", "budget")

# The four-sample problem of scikit-learn's search tests.
X4 = np.array([[-1, -1], [-2, -1], [1, 1], [2, 1]])
y4 = np.array([1, 1, 2, 2])


def as_space(params: Mapping[str, Any] | Space) -> Space:
    """A Space from scikit-learn's ``{name: [choices] or distribution}`` (in the dict's order), or the Space given."""
    if isinstance(params, Space):
        return params
    return Space(dict(params))  # lists, ranges and arrays are read as Categorical by Space itself


def grid(estimator: Any, params: Mapping[str, Any] | Space, *, validation: Any = 5, **kwargs: Any) -> Tuner:
    """``GridSearchCV(estimator, params, cv=validation, **kwargs)`` as a Tuner."""
    options = dict(kwargs.pop("strategy_options", None) or {})
    options.setdefault("order", "declared")
    return Tuner(estimator, as_space(params), strategy="grid", n_trials=None, validation=validation,
                 strategy_options=options, **kwargs)


def randomized(estimator: Any, params: Mapping[str, Any] | Space, n_iter: int = 10, *, validation: Any = 5,
               **kwargs: Any) -> Tuner:
    """``RandomizedSearchCV(estimator, params, n_iter=n_iter, cv=validation, **kwargs)`` as a Tuner."""
    return Tuner(estimator, as_space(params), strategy="random", n_trials=n_iter, validation=validation, **kwargs)


def halving(estimator: Any, params: Mapping[str, Any] | Space, *, grid: bool = False, factor: float = 3,
            n_candidates: Any = None, aggressive: bool = False, validation: Any = 5, **kwargs: Any) -> Tuner:
    """``HalvingGridSearchCV`` (``grid=True``) or ``HalvingRandomSearchCV`` as a Tuner.

    ``n_candidates`` None is scikit-learn's default: every grid point for the
    grid version, ``"exhaust"`` for the random one.
    """
    space = as_space(params)
    options: dict[str, Any] = {"eta": factor, "aggressive": aggressive}
    if grid:
        options["sampler"] = "grid"
        options["sampler_options"] = {"order": "declared"}
        options["n_candidates"] = len(space.grid()) if n_candidates is None else n_candidates
    else:
        options["n_candidates"] = "exhaust" if n_candidates is None else n_candidates
    return Tuner(estimator, space, strategy="halving", n_trials=None, validation=validation,
                 strategy_options=options, **kwargs)


# The two plain searches, for tests that scikit-learn runs with GridSearchCV and RandomizedSearchCV.
SEARCHES = {"grid": grid, "random": randomized}


# --------------------------------------------------------------- estimators
class MockClassifier(ClassifierMixin, BaseEstimator):
    """Scores 1 when ``foo_param > 1``, else 0; ``transform`` adds ``foo_param``; predictions are row counts."""

    def __init__(self, foo_param=0):
        self.foo_param = foo_param

    def fit(self, X, y):
        if len(X) != len(y):
            raise AssertionError("X and y differ in length")
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return X.shape[0]

    predict_proba = predict_log_proba = decision_function = predict

    def transform(self, X):
        return X + self.foo_param

    def inverse_transform(self, X):
        return X - self.foo_param

    def score(self, X=None, y=None):
        return 1.0 if self.foo_param > 1 else 0.0

    def get_params(self, deep=False):
        return {"foo_param": self.foo_param}

    def set_params(self, **params):
        self.foo_param = params["foo_param"]
        return self


class LinearSVCNoScore(LinearSVC):
    """A LinearSVC without a ``score`` method."""

    @property
    def score(self):
        raise AttributeError


class BrokenClassifier(BaseEstimator):
    """Refuses a second ``fit``; ``fit`` returns None."""

    def __init__(self, parameter=None):
        self.parameter = parameter

    def fit(self, X, y):
        assert not hasattr(self, "has_been_fit_"), "fitted twice"
        self.has_been_fit_ = True

    def predict(self, X):
        return np.zeros(X.shape[0])


class FailingClassifier(BaseEstimator):
    """``fit`` raises ``ValueError`` when ``parameter`` is in ``failing`` (2 by default); ``fit`` returns None."""

    FAILING_PARAMETER = 2

    def __init__(self, parameter=None, failing=(2,)):
        self.parameter = parameter
        self.failing = failing

    def fit(self, X, y=None):
        if self.parameter in self.failing:
            raise ValueError("Failing classifier failed as required")

    def predict(self, X):
        return np.zeros(X.shape[0])

    def score(self, X=None, Y=None):
        return 0.0


_LETTERS = [chr(c) for c in range(ord("a"), ord("z") + 1)]


class FastClassifier(DummyClassifier):
    """A DummyClassifier that takes any of the parameters ``a`` ... ``z`` and ignores them.

    As scikit-learn's own test estimator: the letters are declared
    ``"no_validation"`` and ``get_params`` reports them as ``"whatever"``.
    """

    _parameter_constraints: dict = {
        **DummyClassifier._parameter_constraints, **{letter: "no_validation" for letter in _LETTERS},
    }

    def __init__(self, strategy="stratified", random_state=None, constant=None, **ignored):
        super().__init__(strategy=strategy, random_state=random_state, constant=constant)

    def get_params(self, deep=False):
        params = super().get_params(deep=deep)
        params.update({letter: "whatever" for letter in _LETTERS})
        return params


class SometimesFailClassifier(DummyClassifier):
    """A DummyClassifier whose ``fit`` or ``predict`` raises on demand; ``n_estimators`` and ``a`` do nothing."""

    def __init__(self, strategy="stratified", random_state=None, constant=None, n_estimators=10,
                 fail_fit=False, fail_predict=False, a=0):
        self.fail_fit = fail_fit
        self.fail_predict = fail_predict
        self.n_estimators = n_estimators
        self.a = a
        super().__init__(strategy=strategy, random_state=random_state, constant=constant)

    def fit(self, X, y):
        if self.fail_fit:
            raise Exception("fitting failed")
        return super().fit(X, y)

    def predict(self, X):
        if self.fail_predict:
            raise Exception("predict failed")
        return super().predict(X)


# --------------------------------------------------------------- strategies
def fixed_candidates(*batches: list[dict]) -> type[Strategy]:
    """A Strategy class that asks exactly these configurations, batch after batch (a custom ``_run_search``).

    A batch is only asked once every candidate of the previous one was told.
    """

    class FixedCandidates(Strategy):
        name = "fixed_candidates"

        def __init__(self, space: Space, *, seed: Any = None) -> None:
            super().__init__(space, seed=seed)
            self.batches = [list(b) for b in batches]
            self._batch = 0
            self._position = 0

        @property
        def finished(self) -> bool:
            return self._batch >= len(self.batches)

        @property
        def max_trials(self) -> int:
            return sum(len(b) for b in self.batches)

        def _ask(self, n: int) -> list[dict]:
            if self.pending and self._position == len(self.batches[self._batch]):
                return []  # wait for the batch to be told
            batch = self.batches[self._batch]
            out = batch[self._position:self._position + n]
            self._position += len(out)
            return out

        def _tell(self, trial: Any) -> None:
            if not self.pending and self._position == len(self.batches[self._batch]):
                self._batch += 1
                self._position = 0

    return FixedCandidates


# ------------------------------------------------------------- cv_results_
def check_cv_results_keys(cv_results: dict, param_keys: tuple, score_keys: tuple, n_candidates: int,
                          extra_keys: tuple = ()) -> None:
    """Exactly these columns (plus ``params`` and hpo's own), each of ``n_candidates`` rows."""
    expected = sorted(param_keys + score_keys + extra_keys + HPO_COLUMNS + ("params",))
    assert sorted(cv_results) == expected
    for key in param_keys + score_keys:
        assert cv_results[key].shape == (n_candidates,), key


def check_cv_results_array_types(tuner: Tuner, param_keys: tuple, score_keys: tuple,
                                 expected_kinds: dict | None) -> None:
    """param_ columns are masked arrays (of ``expected_kinds``, if given); scores plain float64; ranks int32."""
    cv_results = tuner.cv_results_
    assert all(isinstance(cv_results[key], np.ma.MaskedArray) for key in param_keys)
    if expected_kinds is not None:
        assert {key: cv_results[key].dtype.kind for key in param_keys} == expected_kinds
    assert not any(isinstance(cv_results[key], np.ma.MaskedArray) for key in score_keys)
    assert all(cv_results[key].dtype == np.float64 for key in score_keys if not key.startswith("rank"))
    for name in (tuner.scorer_ if tuner.multimetric_ else ["score"]):
        assert cv_results[f"rank_test_{name}"].dtype == np.int32


# ------------------------------------------------- scikit-learn's rbf-or-poly spaces
#: scikit-learn's [{"kernel": ["rbf"], "C": [1, 10], "gamma": [0.1, 1]}, {"kernel": ["poly"], "degree": [1, 2]}]
RBF_OR_POLY = Space(
    kernel=Categorical(["rbf", "poly"]),
    C=Categorical([1, 10]).when(kernel="rbf"),
    gamma=Categorical([0.1, 1]).when(kernel="rbf"),
    degree=Categorical([1, 2]).when(kernel="poly"),
)
#: scikit-learn's [{"kernel": ["rbf"], "C": expon(scale=10), "gamma": expon(scale=0.1)},
#: {"kernel": ["poly"], "degree": [2, 3]}], the exponential distributions as log-uniform ranges
RBF_OR_POLY_RANDOM = Space(
    kernel=Categorical(["rbf", "poly"]),
    C=Float(1e-2, 1e2, log=True).when(kernel="rbf"),
    gamma=Float(1e-3, 1.0, log=True).when(kernel="rbf"),
    degree=Categorical([2, 3]).when(kernel="poly"),
)
RBF_OR_POLY_PARAM_KEYS = ("param_C", "param_degree", "param_gamma", "param_kernel")
#: The score and time columns of a 3-fold search with return_train_score=True.
SCORE_KEYS_3_FOLDS = (
    "mean_test_score", "mean_train_score", "rank_test_score",
    "split0_test_score", "split1_test_score", "split2_test_score",
    "split0_train_score", "split1_train_score", "split2_train_score",
    "std_test_score", "std_train_score", "mean_fit_time", "std_fit_time", "mean_score_time", "std_score_time",
)


def check_rbf_or_poly_masks(cv_results: dict, n_candidates: int, n_poly: int | None = None,
                            n_rbf: int | None = None) -> None:
    """C and gamma are masked exactly on the poly rows, degree exactly on the rbf rows."""
    poly = [cv_results["param_C"].mask[i] and cv_results["param_gamma"].mask[i]
            and not cv_results["param_degree"].mask[i]
            for i in range(n_candidates) if cv_results["param_kernel"][i] == "poly"]
    rbf = [not cv_results["param_C"].mask[i] and not cv_results["param_gamma"].mask[i]
           and cv_results["param_degree"].mask[i]
           for i in range(n_candidates) if cv_results["param_kernel"][i] == "rbf"]
    assert all(poly)
    assert all(rbf)
    if n_poly is not None:
        assert len(poly) == n_poly
        assert len(rbf) == n_rbf
