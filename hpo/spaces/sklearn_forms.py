"""scikit-learn's ways of writing a search space, read as dimensions.

``RandomizedSearchCV(param_distributions=...)`` and ``GridSearchCV(param_grid=...)``
take a dict of lists of values and of ``scipy.stats`` distributions. A
:class:`~hpo.spaces.Space` (and so ``Tuner`` and ``optimize``) reads the same
dict, so that a search written for scikit-learn runs here unchanged:

* a list (or a ``range``, or a 1-d numpy array) of values is ``Categorical(values)``;
* ``scipy.stats.uniform(loc, scale)`` is ``Float(loc, loc + scale)``;
* ``scipy.stats.loguniform(a, b)`` (also spelled ``reciprocal``) is
  ``Float(a, b, log=True)``;
* ``scipy.stats.randint(low, high)`` is ``Int(low, high - 1)`` (scipy's
  ``high`` is exclusive), and so is any discrete distribution that gives each
  integer of its support the same chance (``bernoulli(0.5)`` is ``Int(0, 1)``).

Every other distribution is refused with the bounded dimension to write
instead: hpo searches a box (the unit cube of a model, a grid, a narrowing
range), so a distribution's *shape* (``expon``, ``norm``) has no place in it,
only its range. A tuple is refused too: scikit-learn reads ``(1, 10)`` as two
choices, scikit-optimize's ``BayesSearchCV`` as a range.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .dimensions import Categorical, Dimension, Float, Int

__all__ = ["as_dimension"]


def as_dimension(name: str, value: Any) -> Any:
    """``value`` as a dimension when it is one of scikit-learn's forms, else ``value`` unchanged.

    Parameters
    ----------
    name : str
        The parameter's name, for the errors.
    value : Any
        A dimension, a list, range or 1-d array of choices, or a frozen
        ``scipy.stats`` distribution.

    Returns
    -------
    Dimension or the value as given (the caller reports what is not a dimension).

    Raises
    ------
    TypeError
        For a tuple, or a frozen distribution other than uniform,
        loguniform and a uniform discrete one (randint); the message names
        the parameter and the dimension to write instead.
    ValueError
        For an array of choices that is not 1-d.
    """
    if isinstance(value, Dimension):
        return value
    if isinstance(value, (list, range)):
        return Categorical(list(value))
    if isinstance(value, np.ndarray):
        if value.ndim != 1:
            raise ValueError(f"{name}: an array of choices must be 1-d, got shape {value.shape}")
        return Categorical(value.tolist())
    if isinstance(value, tuple):
        raise TypeError(
            f"{name}: a tuple {value!r} is ambiguous (scikit-learn reads it as choices, scikit-optimize "
            "as a range): write a list or Categorical([...]) for choices, Float(low, high) or "
            "Int(low, high) for a range"
        )
    if _is_frozen_distribution(value):
        return _from_distribution(name, value)
    return value


def _is_frozen_distribution(value: Any) -> bool:
    return hasattr(value, "rvs") and hasattr(value, "dist") and hasattr(value, "support")


def _from_distribution(name: str, frozen: Any) -> Dimension:
    kind = getattr(frozen.dist, "name", type(frozen.dist).__name__)
    low, high = (float(b) for b in frozen.support())
    discrete = hasattr(frozen.dist, "pmf")
    if kind == "uniform" and math.isnan(low):  # scale 0 (scipy's support is nan there, its samples loc)
        given = {**dict(zip(("loc", "scale"), frozen.args)), **frozen.kwds}
        if float(given.get("scale", 1.0)) == 0.0:
            low = high = float(given.get("loc", 0.0))
    if math.isnan(low) or math.isnan(high):
        raise ValueError(f"{name}: scipy.stats.{kind} with the parameters {frozen.args or ''}{frozen.kwds or ''} is "
                         "no valid distribution (scipy gives it no support)")
    if low == high:  # randint(1, 2), uniform(3, 0), any one-point law: one value
        return Categorical([int(low) if discrete else low])
    if kind == "uniform":
        return Float(low, high)
    if kind in ("loguniform", "reciprocal") and frozen.kwds.get("loc", 0) == 0:
        return Float(low, high, log=True)
    if kind == "randint" or _uniform_over_few_integers(frozen, low, high):  # bernoulli(0.5) too
        return Int(int(low), int(high))
    raise TypeError(f"{name}: scipy.stats.{kind} is not a range hpo can search: {_instead(frozen, low, high)}")


def _uniform_over_few_integers(frozen: Any, low: float, high: float) -> bool:
    """A discrete distribution that gives each integer of a small finite support the same chance."""
    if not hasattr(frozen.dist, "pmf") or not (math.isfinite(low) and math.isfinite(high)) or high - low > 10_000:
        return False
    pmf = frozen.pmf(np.arange(low, high + 1))
    return bool(np.allclose(pmf, pmf[0], rtol=1e-9, atol=0.0))


def _instead(frozen: Any, low: float, high: float) -> str:
    """What to write for a distribution hpo does not read: a bounded dimension over most of its mass."""
    discrete = hasattr(frozen.dist, "pmf")
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = (float(q) for q in frozen.ppf([0.001, 0.999]))
        where = "covers its central 99.8%"
    else:
        where = "covers its support"
    log = low > 0 and high / low >= 100
    if discrete:
        dim = f"Int({int(low)}, {int(high)}{', log=True' if log else ''})"
    else:
        dim = f"Float({low:.3g}, {high:.3g}{', log=True' if log else ''})"
    return (f"give a bounded dimension such as {dim}, which {where} "
            "(uniform, loguniform and randint are read as Float, Float(log=True) and Int)")


def not_a_space(value: Any, expected: str = "space must be a Space or a dict of dimensions") -> TypeError:
    """The error for a space that is neither a Space nor a mapping (``expected`` says what was).

    scikit-learn's list of dicts (several grids) gets the way to write it here.
    """
    message = f"{expected}, got {type(value).__name__}"
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, dict) for v in value):
        message += (
            ": scikit-learn's list of several grids is one Space here, with a choice that tells them "
            "apart and the parameters of each made conditional on it, e.g. "
            "Space(kernel=['linear', 'rbf'], C=Float(0.1, 100, log=True), "
            "gamma=Float(1e-4, 1, log=True).when(kernel='rbf'))"
        )
    return TypeError(message)
