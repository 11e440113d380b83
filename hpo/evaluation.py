"""Scoring an estimator configuration on held-out validation data (holdout or CV).

The validation part is carved out of the data given to ``fit``; no test set
ever reaches a search. Splits are made once per search, so every candidate
is scored on the same rows.
"""

from __future__ import annotations

import numbers
import time
import warnings
from collections.abc import Mapping
from typing import Any, Callable

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring, get_scorer
from sklearn.model_selection import (
    GroupKFold,
    GroupShuffleSplit,
    ShuffleSplit,
    StratifiedShuffleSplit,
    check_cv,
)
from sklearn.utils import _safe_indexing

from .spaces import Space

__all__ = ["make_splits", "make_scorers", "EstimatorObjective"]


def make_splits(
    validation: Any,
    X: Any,
    y: Any = None,
    groups: Any = None,
    *,
    classifier: bool = False,
    random_state: int | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (train, validation) index pairs every candidate is scored on.

    Parameters
    ----------
    validation : float, int or splitter
        A float in (0, 1): one holdout of that fraction (stratified for
        classifiers, group-aware with ``groups``). An int >= 2: that many
        folds (stratified for classifiers, ``GroupKFold`` with ``groups``).
        Any scikit-learn splitter (an object with ``split``) or iterable of
        (train, validation) pairs: used as given.
    """
    if isinstance(validation, numbers.Real) and not isinstance(validation, numbers.Integral):
        if not 0.0 < validation < 1.0:
            raise ValueError(f"validation as a fraction must lie in (0, 1), got {validation!r}")
        if groups is not None:
            splitter: Any = GroupShuffleSplit(n_splits=1, test_size=validation, random_state=random_state)
        elif classifier and y is not None and _can_stratify(y, validation):
            splitter = StratifiedShuffleSplit(n_splits=1, test_size=validation, random_state=random_state)
        else:
            splitter = ShuffleSplit(n_splits=1, test_size=validation, random_state=random_state)
    elif isinstance(validation, numbers.Integral) and not isinstance(validation, bool):
        if validation < 2:
            raise ValueError(f"validation as a number of folds must be >= 2, got {validation!r}")
        if groups is not None:
            splitter = GroupKFold(n_splits=int(validation))
        else:
            splitter = check_cv(int(validation), y, classifier=classifier)
    elif not isinstance(validation, str) and (hasattr(validation, "split") or hasattr(validation, "__iter__")):
        splitter = check_cv(validation, y, classifier=classifier)
    else:
        raise TypeError(
            "validation must be a fraction in (0, 1), a number of folds, or a scikit-learn "
            f"splitter; got {validation!r}"
        )
    splits = [(np.asarray(tr), np.asarray(va)) for tr, va in splitter.split(X, y, groups)]
    if not splits:
        raise ValueError(f"the validation splitter {splitter!r} gave no split")
    for train, val in splits:
        if len(train) == 0 or len(val) == 0:
            raise ValueError(
                f"a validation split left no training or no validation rows (n_samples={_num_samples(X)}, "
                f"validation={validation!r})"
            )
    return splits


def _can_stratify(y: Any, fraction: float) -> bool:
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:  # a column vector holds the same classes as its ravel
        y = y.ravel()
    if y.ndim != 1:
        return False
    _, counts = np.unique(y, return_counts=True)
    n = len(y)
    n_val = int(np.ceil(fraction * n))
    if counts.min() < 2 or n_val < len(counts) or n - n_val < len(counts):
        warnings.warn(
            "the holdout split cannot be stratified (a class has fewer than 2 members, or there are "
            "more classes than rows on one side); using a plain shuffled split",
            UserWarning,
            stacklevel=4,
        )
        return False
    return True


def _num_samples(X: Any) -> int:
    return X.shape[0] if hasattr(X, "shape") else len(X)


def make_scorers(estimator: Any, scoring: Any) -> tuple[dict[str, Callable], bool]:
    """Scorers by name, and whether there are several (multi-metric).

    A single metric is named ``"score"``, as in scikit-learn's ``cv_results_``.
    """
    if scoring is None or isinstance(scoring, str) or callable(scoring):
        return {"score": check_scoring(estimator, scoring=scoring)}, False
    if isinstance(scoring, (list, tuple, set, frozenset)):
        names = list(scoring)
        if not names or not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
            raise ValueError(f"scoring as a list must hold distinct scorer names, got {scoring!r}")
        return {n: get_scorer(n) for n in names}, True
    if isinstance(scoring, Mapping):
        if not scoring:
            raise ValueError("scoring as a dict must not be empty")
        return {str(k): check_scoring(estimator, scoring=v) for k, v in scoring.items()}, True
    raise TypeError(f"scoring must be None, a name, a callable, a list or a dict; got {scoring!r}")


def _fit_params_for(fit_params: Mapping[str, Any], indices: np.ndarray, n_samples: int) -> dict:
    """Fit parameters with sample-aligned arrays (such as ``sample_weight``) cut to ``indices``."""
    out = {}
    for key, value in fit_params.items():
        if not isinstance(value, (str, bytes)) and hasattr(value, "__len__") and _len(value) == n_samples:
            out[key] = _safe_indexing(value, indices)
        else:
            out[key] = value
    return out


def _len(value: Any) -> int | None:
    try:
        return value.shape[0] if hasattr(value, "shape") else len(value)
    except TypeError:
        return None


class EstimatorObjective:
    """``objective(config) -> dict``: fit on each training part, score on its validation part.

    The value (to minimize) is minus the mean validation score of the primary
    metric. Per-split scores and times come back as metrics named as in
    scikit-learn's ``cv_results_`` (``split0_test_score``, ``fit_time``...).
    Picklable, so that worker processes can run it.
    """

    def __init__(
        self,
        estimator: Any,
        space: Space,
        X: Any,
        y: Any,
        splits: list[tuple[np.ndarray, np.ndarray]],
        scorers: dict[str, Callable],
        primary: str,
        fit_params: Mapping[str, Any] | None = None,
        return_train_score: bool = False,
    ) -> None:
        self.estimator = estimator
        self.space = space
        self.X = X
        self.y = y
        self.splits = splits
        self.scorers = scorers
        self.primary = primary
        self.fit_params = dict(fit_params or {})
        self.return_train_score = return_train_score
        #: The last exception raised by a fit or a score in this process (for ``error_score="raise"``).
        self.last_error: BaseException | None = None

    def __call__(self, config: dict) -> dict:
        try:
            return self._evaluate(config)
        except Exception as exc:
            self.last_error = exc
            raise

    def _evaluate(self, config: dict) -> dict:
        params = self.space.to_params(config)
        n = _num_samples(self.X)
        metrics: dict[str, Any] = {}
        fit_times, score_times = [], []
        tests: dict[str, list[float]] = {name: [] for name in self.scorers}
        for k, (train, val) in enumerate(self.splits):
            est = clone(self.estimator).set_params(**params)
            X_train, y_train = _safe_indexing(self.X, train), _subset(self.y, train)
            X_val, y_val = _safe_indexing(self.X, val), _subset(self.y, val)
            start = time.perf_counter()
            if y_train is None:
                est.fit(X_train, **_fit_params_for(self.fit_params, train, n))
            else:
                est.fit(X_train, y_train, **_fit_params_for(self.fit_params, train, n))
            fit_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            for name, scorer in self.scorers.items():
                score = _score(scorer, est, X_val, y_val)
                tests[name].append(score)
                metrics[f"split{k}_test_{name}"] = score
            score_times.append(time.perf_counter() - start)
            if self.return_train_score:
                for name, scorer in self.scorers.items():
                    metrics[f"split{k}_train_{name}"] = _score(scorer, est, X_train, y_train)
        metrics["fit_time"] = float(np.mean(fit_times))
        metrics["score_time"] = float(np.mean(score_times))
        metrics["fit_times"] = fit_times
        metrics["score_times"] = score_times
        mean = float(np.mean(tests[self.primary]))
        return {"value": -mean, **metrics}


def _subset(y: Any, indices: np.ndarray) -> Any:
    return None if y is None else _safe_indexing(y, indices)


def _score(scorer: Callable, estimator: Any, X: Any, y: Any) -> float:
    score = scorer(estimator, X) if y is None else scorer(estimator, X, y)
    if isinstance(score, np.generic):
        score = score.item()
    if not isinstance(score, numbers.Real):
        raise TypeError(f"scorer {scorer!r} returned {type(score).__name__} {score!r}, not a number")
    return float(score)


def classifier_like(estimator: Any) -> bool:
    """Whether splits should be stratified for this estimator."""
    return is_classifier(estimator)
