"""What a fitted Tuner does as its best estimator: ``predict``, ``transform``, ``score``... delegated to it.

Each delegated method is present (``hasattr``) only while the best estimator
(before ``fit``: the estimator given) has it and ``refit`` is on, with an
``AttributeError`` that says why otherwise, as scikit-learn's searches do.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.utils.metadata_routing import process_routing
from sklearn.utils.validation import check_is_fitted

from .evaluation import ScorerRouter, routing_enabled

__all__ = ["BestEstimatorDelegation"]


def _estimator_has(attr: str):
    """The check of :func:`_available_if`: the best (or the given) estimator has ``attr``, and ``refit`` is on."""

    def check(self: "BestEstimatorDelegation") -> bool:
        if self.refit is False:
            raise AttributeError(
                f"This Tuner instance was initialized with `refit=False`. {attr} is available only after "
                "refitting on the best parameters (refit=True); best_params_ holds them"
            )
        if hasattr(self, "best_estimator_"):
            getattr(self.best_estimator_, attr)
            return True
        getattr(self.estimator, attr)
        return True

    return check


class _AvailableIf:
    """scikit-learn's ``available_if``, whose AttributeError also says why (``refit=False``).

    ``hasattr(tuner, "predict")`` is False when the check fails; the error
    reads "This 'Tuner' has no attribute 'predict': <why>", with the check's
    own error as its cause, as scikit-learn's searches give it.
    """

    def __init__(self, fn: Any, check: Any) -> None:
        self.fn = fn
        self.check = check
        functools.update_wrapper(self, fn)

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self.fn
        try:
            self.check(obj)
        except Exception as exc:
            raise AttributeError(f"This {type(obj).__name__!r} has no attribute {self.fn.__name__!r}: {exc}") from exc
        return types.MethodType(self.fn, obj)


def _available_if(check: Any):
    """Decorate a delegating method: present only while ``check(self)`` passes."""
    return lambda fn: _AvailableIf(fn, check)


def _delegate(name: str, doc: str) -> _AvailableIf:
    """The method ``name(X)`` of the best estimator, present only while it has one and ``refit`` is on."""

    def method(self: Any, X: Any) -> Any:
        self._check_refitted(name)
        return getattr(self.best_estimator_, name)(X)

    method.__name__ = name
    method.__qualname__ = f"BestEstimatorDelegation.{name}"
    method.__doc__ = doc
    return _available_if(_estimator_has(name))(method)


class BestEstimatorDelegation:
    """The methods of a fitted search that its best estimator answers (a mixin of :class:`~hpo.Tuner`).

    Needs ``refit``, ``estimator``, and after ``fit`` ``best_estimator_``,
    ``scorer_`` and ``_metric`` (the refit metric).
    """

    def _check_refitted(self, method: str) -> None:
        check_is_fitted(self)
        if self.refit is False:
            raise AttributeError(f"{method} is not available: this Tuner was fitted with refit=False")

    predict = _delegate("predict", "Predict with the best estimator.")
    predict_proba = _delegate("predict_proba", "Class probabilities from the best estimator.")
    predict_log_proba = _delegate("predict_log_proba", "Log class probabilities from the best estimator.")
    decision_function = _delegate("decision_function", "Decision function of the best estimator.")
    transform = _delegate("transform", "Transform with the best estimator.")
    inverse_transform = _delegate("inverse_transform", "Inverse transform with the best estimator.")
    score_samples = _delegate("score_samples", "Score samples with the best estimator.")

    def score(self, X: Any, y: Any = None, **params: Any) -> float:
        """The refit metric of the best estimator on (X, y) (its ``score`` without ``scoring``).

        ``params`` go to the scorer, with scikit-learn's metadata routing on
        only (``sklearn.set_config(enable_metadata_routing=True)``), as in
        its searches.
        """
        self._check_refitted("score")
        if params and not routing_enabled():
            raise ValueError(
                f"Passing extra keyword arguments to {type(self).__name__}.score is only supported if "
                "enable_metadata_routing=True, which you can set using `sklearn.set_config`. See the User Guide "
                "<https://scikit-learn.org/stable/metadata_routing.html> for more details. Extra parameters "
                f"passed are: {set(params)}"
            )
        scorers = self.scorer_ if isinstance(self.scorer_, dict) else {"score": self.scorer_}
        name = self._metric if isinstance(self.scorer_, dict) else "score"
        kwargs = ScorerRouter(scorers).route(process_routing(self, "score", **params).scorer.score)[name] \
            if params else {}
        scorer = scorers[name]
        value = scorer(self.best_estimator_, X, **kwargs) if y is None else scorer(self.best_estimator_, X, y, **kwargs)
        return float(value[self._metric] if isinstance(value, Mapping) else value)

    @property
    def classes_(self) -> np.ndarray:
        """Class labels of the best estimator."""
        self._check_refitted("classes_")
        return self.best_estimator_.classes_
