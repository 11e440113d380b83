"""One number from what objectives and scorers return: numpy scalars, 0-d or 1-element arrays, tensors."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = ["plain_scalar", "unwrap_scalar"]


def plain_scalar(value: Any) -> Any:
    """A numpy scalar as the plain Python value (``np.int64(2)`` is ``2``, ``np.bool_(True)`` is ``True``);
    anything else unchanged. Configurations, bounds, choices and condition values hold plain values."""
    return value.item() if isinstance(value, np.generic) else value


def unwrap_scalar(value: Any) -> Any:
    """``value.item()`` for a numpy scalar or array, a torch or other tensor holding one number (as
    scikit-learn's ``_score`` and Optuna unwrap them); anything else, and any array of several numbers,
    unchanged (the caller refuses what is not a number, naming it)."""
    if isinstance(value, numbers.Real) and type(value) in (int, float, bool):
        return value
    item = getattr(value, "item", None)
    if item is None or not callable(item) or isinstance(value, (str, bytes)):
        return value
    try:
        out = item()
    except (ValueError, TypeError, RuntimeError):  # several elements
        return value
    return out if isinstance(out, numbers.Number) else value
