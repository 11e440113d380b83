"""Rows of the training data: counting them, cutting ``X``, ``y`` and sample-aligned parameters to rows, nested orders.

Shared by the scikit-learn objective (:mod:`hpo.evaluation`) and the
resources that train on fewer rows (:mod:`hpo.resources`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.utils import _safe_indexing, get_tags

__all__ = ["num_samples", "fit_params_for", "subset", "nested_order"]


def num_samples(X: Any) -> int:
    """The number of rows of ``X`` (its first axis)."""
    return X.shape[0] if hasattr(X, "shape") else len(X)


def fit_params_for(fit_params: Mapping[str, Any], indices: np.ndarray, n_samples: int) -> dict:
    """Fit (or score) parameters with sample-aligned arrays (such as ``sample_weight``) cut to ``indices``."""
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


def _pairwise(estimator: Any) -> bool:
    try:
        return bool(get_tags(estimator).input_tags.pairwise)
    except Exception:  # an object that is no scikit-learn estimator: rows only
        return False


def subset(estimator: Any, X: Any, y: Any, rows: np.ndarray, cols: np.ndarray | None = None) -> tuple[Any, Any]:
    """``X`` and ``y`` at ``rows``, as scikit-learn's ``_safe_split``.

    For a pairwise estimator (a precomputed kernel or distance matrix:
    ``SVC(kernel="precomputed")``, ``metric="precomputed"``) ``X`` is square
    and its columns are cut too: to ``rows`` for a training part, to the
    training rows ``cols`` for a part scored by a model fitted on them.
    """
    y_sub = None if y is None else _safe_indexing(y, rows)
    if not _pairwise(estimator):
        return _safe_indexing(X, rows), y_sub
    if not hasattr(X, "shape") or len(X.shape) != 2 or X.shape[0] != X.shape[1]:
        raise ValueError(
            f"{type(estimator).__name__} takes a precomputed kernel or distance matrix, which must be square; "
            f"got X of shape {getattr(X, 'shape', None)}"
        )
    return _safe_indexing(_safe_indexing(X, rows), rows if cols is None else cols, axis=1), y_sub


def nested_order(y: Any, rng: np.random.Generator, stratify: bool = True) -> np.ndarray:
    """A seeded order of the positions ``0..len(y)-1`` whose every prefix is (nearly) stratified.

    Positions are shuffled; with ``stratify`` the ``r``-th member (in
    shuffled order) of a class of ``n_c`` members gets the key
    ``(r + 0.5) / n_c`` and positions are taken by key, so that a prefix of
    ``b`` positions holds about ``b * n_c / n`` of each class. Prefixes are
    nested by construction.
    """
    n = len(y)
    perm = rng.permutation(n)
    if not stratify:
        return perm
    y = np.asarray(y)
    keys = np.empty(n)
    for label in np.unique(y):
        members = perm[y[perm] == label]
        keys[members] = (np.arange(len(members)) + 0.5) / len(members)
    return perm[np.argsort(keys[perm], kind="stable")]
