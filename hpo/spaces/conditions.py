"""Declarative conditions and references between parameters.

A condition says when a child parameter is active: ``.when(n_layers=at_least(2))``.
A reference says that a bound of a numeric range is another parameter's value:
``Int(8, ref("units_0"))``. Both are small immutable value types so that every
strategy can reason about them (a grid enumerates only valid configurations, a
model encodes inactive values consistently) and so that a space round-trips
through JSON.

Each predicate evaluates on one value (``holds``) and vectorized on a numpy
array of a numeric parent's values (``mask``).
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Hashable

import numpy as np

from .._scalars import plain_scalar

__all__ = [
    "Predicate",
    "Equals",
    "OneOf",
    "AtLeast",
    "AtMost",
    "GreaterThan",
    "LessThan",
    "Ref",
    "ref",
    "one_of",
    "at_least",
    "at_most",
    "greater_than",
    "less_than",
    "as_predicate",
]


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


class Predicate:
    """A test on a parent's value. Subclasses are small immutable value types.

    Build one with :func:`~hpo.spaces.one_of`, :func:`~hpo.spaces.at_least`,
    :func:`~hpo.spaces.at_most`, :func:`~hpo.spaces.greater_than`,
    :func:`~hpo.spaces.less_than`, or a plain value (:class:`Equals`).

    Examples
    --------
    >>> import numpy as np
    >>> from hpo import at_least
    >>> from hpo.spaces import Predicate
    >>> two_or_more = at_least(2)
    >>> isinstance(two_or_more, Predicate)
    True
    >>> two_or_more.holds(3), two_or_more.holds(1)
    (True, False)
    >>> two_or_more.mask(np.array([1.0, 2.0, 3.0]))
    array([False,  True,  True])
    """

    op: str = ""

    def holds(self, value: Any) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def mask(self, values: np.ndarray) -> np.ndarray:
        """Vectorized ``holds`` over a float array of numeric parent values."""
        raise NotImplementedError  # pragma: no cover - abstract

    def thresholds(self) -> list[float]:
        """Numeric points where the predicate may change its answer."""
        return []

    def to_dict(self) -> dict:
        raise NotImplementedError  # pragma: no cover - abstract

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._key() == other._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._key()))

    def _key(self) -> tuple:
        raise NotImplementedError  # pragma: no cover - abstract


class Equals(Predicate):
    """The parent equals ``value``. A plain value in ``.when(p=value)`` means this.

    Examples
    --------
    >>> from hpo import Float
    >>> from hpo.spaces import Equals
    >>> Float(0.0, 0.9).when(solver="sgd").conditions["solver"] == Equals("sgd")
    True
    >>> Equals("sgd").holds("sgd"), Equals(1).holds(True)
    (True, False)
    """

    op = "equals"

    def __init__(self, value: Hashable) -> None:
        try:
            hash(value)
        except TypeError:
            raise TypeError(f"a condition value must be hashable, got {value!r}") from None
        self.value = plain_scalar(value)  # np.int64(2) is 2

    def holds(self, value: Any) -> bool:
        return _same(value, self.value)

    def mask(self, values: np.ndarray) -> np.ndarray:
        if not _is_number(self.value):
            return np.zeros(values.shape, dtype=bool)
        return values == float(self.value)

    def thresholds(self) -> list[float]:
        return [float(self.value)] if _is_number(self.value) else []

    def to_dict(self) -> dict:
        return {"op": self.op, "value": self.value}

    def _key(self) -> tuple:
        return (typed_key(self.value),)

    def __repr__(self) -> str:
        return repr(self.value)


class OneOf(Predicate):
    """The parent takes one of ``values``.

    Examples
    --------
    >>> from hpo import one_of
    >>> from hpo.spaces import OneOf
    >>> one_of("adam", "sgd") == OneOf("sgd", "adam")
    True
    >>> OneOf("adam", "sgd").holds("lbfgs")
    False
    """

    op = "one_of"

    def __init__(self, *values: Hashable) -> None:
        if len(values) == 1 and isinstance(values[0], (list, set, frozenset)):
            values = tuple(values[0])
        if not values:
            raise ValueError("one_of() needs at least one value")
        for v in values:
            try:
                hash(v)
            except TypeError:
                raise TypeError(f"one_of() values must be hashable, got {v!r}") from None
        self.values = tuple(plain_scalar(v) for v in values)

    def holds(self, value: Any) -> bool:
        return any(_same(value, v) for v in self.values)

    def mask(self, values: np.ndarray) -> np.ndarray:
        numbers_ = [float(v) for v in self.values if _is_number(v)]
        if not numbers_:
            return np.zeros(values.shape, dtype=bool)
        return np.isin(values, numbers_)

    def thresholds(self) -> list[float]:
        return [float(v) for v in self.values if _is_number(v)]

    def to_dict(self) -> dict:
        return {"op": self.op, "values": list(self.values)}

    def _key(self) -> tuple:
        return tuple(sorted((repr(typed_key(v)) for v in self.values)))

    def __repr__(self) -> str:
        return "one_of(" + ", ".join(repr(v) for v in self.values) + ")"


class _Comparison(Predicate):
    """A comparison of a numeric parent with a threshold."""

    symbol = ""

    def __init__(self, threshold: float) -> None:
        if not _is_number(threshold) or not math.isfinite(float(threshold)):
            raise ValueError(f"{self.op}() needs a finite number, got {threshold!r}")
        self.threshold = plain_scalar(threshold)

    def holds(self, value: Any) -> bool:
        if not _is_number(value):
            return False
        return bool(self._compare(np.float64(value), float(self.threshold)))

    def mask(self, values: np.ndarray) -> np.ndarray:
        return self._compare(values, float(self.threshold))

    def _compare(self, a, b):  # pragma: no cover - abstract
        raise NotImplementedError

    def thresholds(self) -> list[float]:
        return [float(self.threshold)]

    def to_dict(self) -> dict:
        return {"op": self.op, "value": self.threshold}

    def _key(self) -> tuple:
        return (float(self.threshold),)

    def __repr__(self) -> str:
        return f"{self.op}({self.threshold!r})"


class AtLeast(_Comparison):
    """The parent is >= the threshold.

    Examples
    --------
    >>> from hpo import at_least
    >>> from hpo.spaces import AtLeast
    >>> at_least(2) == AtLeast(2)
    True
    >>> [AtLeast(2).holds(n) for n in (1, 2, 3)]
    [False, True, True]
    """

    op = "at_least"

    def _compare(self, a, b):
        return a >= b


class AtMost(_Comparison):
    """The parent is <= the threshold.

    Examples
    --------
    >>> from hpo import at_most
    >>> from hpo.spaces import AtMost
    >>> at_most(2) == AtMost(2)
    True
    >>> [AtMost(2).holds(n) for n in (1, 2, 3)]
    [True, True, False]
    """

    op = "at_most"

    def _compare(self, a, b):
        return a <= b


class GreaterThan(_Comparison):
    """The parent is > the threshold.

    Examples
    --------
    >>> from hpo import greater_than
    >>> from hpo.spaces import GreaterThan
    >>> greater_than(0.5) == GreaterThan(0.5)
    True
    >>> [GreaterThan(0.5).holds(x) for x in (0.25, 0.5, 0.75)]
    [False, False, True]
    """

    op = "greater_than"

    def _compare(self, a, b):
        return a > b


class LessThan(_Comparison):
    """The parent is < the threshold.

    Examples
    --------
    >>> from hpo import less_than
    >>> from hpo.spaces import LessThan
    >>> less_than(0.5) == LessThan(0.5)
    True
    >>> [LessThan(0.5).holds(x) for x in (0.25, 0.5, 0.75)]
    [True, False, False]
    """

    op = "less_than"

    def _compare(self, a, b):
        return a < b


def one_of(*values: Hashable) -> OneOf:
    """Active when the parent takes one of ``values``: ``.when(solver=one_of("adam", "sgd"))``.

    Examples
    --------
    >>> from hpo import Space, Categorical, Float, one_of
    >>> space = Space(
    ...     solver=Categorical(["adam", "sgd", "lbfgs"]),
    ...     lr=Float(1e-4, 1e-1, log=True).when(solver=one_of("adam", "sgd")),
    ... )
    >>> space.is_active("lr", {"solver": "sgd"}), space.is_active("lr", {"solver": "lbfgs"})
    (True, False)
    """
    return OneOf(*values)


def at_least(threshold: float) -> AtLeast:
    """Active when the parent is >= ``threshold``: ``.when(n_layers=at_least(2))``.

    Examples
    --------
    >>> from hpo import Space, Int, at_least
    >>> space = Space(n_layers=Int(1, 3), units_1=Int(8, 64).when(n_layers=at_least(2)))
    >>> [space.is_active("units_1", {"n_layers": n}) for n in (1, 2, 3)]
    [False, True, True]
    """
    return AtLeast(threshold)


def at_most(threshold: float) -> AtMost:
    """Active when the parent is <= ``threshold``.

    Examples
    --------
    >>> from hpo import Space, Int, Categorical, at_most
    >>> space = Space(depth=Int(1, 8), splitter=Categorical(["best", "random"]).when(depth=at_most(4)))
    >>> [space.is_active("splitter", {"depth": d}) for d in (1, 4, 8)]
    [True, True, False]
    """
    return AtMost(threshold)


def greater_than(threshold: float) -> GreaterThan:
    """Active when the parent is > ``threshold``.

    Examples
    --------
    >>> from hpo import Space, Float, greater_than
    >>> space = Space(l1_ratio=Float(0.0, 1.0), tol=Float(1e-6, 1e-2, log=True).when(l1_ratio=greater_than(0.5)))
    >>> [space.is_active("tol", {"l1_ratio": r}) for r in (0.25, 0.5, 0.75)]
    [False, False, True]
    """
    return GreaterThan(threshold)


def less_than(threshold: float) -> LessThan:
    """Active when the parent is < ``threshold``.

    Examples
    --------
    >>> from hpo import Space, Float, less_than
    >>> space = Space(l1_ratio=Float(0.0, 1.0), tol=Float(1e-6, 1e-2, log=True).when(l1_ratio=less_than(0.5)))
    >>> [space.is_active("tol", {"l1_ratio": r}) for r in (0.25, 0.5, 0.75)]
    [True, False, False]
    """
    return LessThan(threshold)


_PREDICATES = {cls.op: cls for cls in (Equals, OneOf, AtLeast, AtMost, GreaterThan, LessThan)}


def as_predicate(value: Any) -> Predicate:
    """A predicate as given, or equality with a plain value."""
    if isinstance(value, Predicate):
        return value
    if isinstance(value, (list, set, frozenset)):
        raise TypeError(
            f"a condition value {value!r} is a {type(value).__name__}; "
            "use one_of(...) for several values"
        )
    return Equals(value)


def predicate_from_dict(d: dict) -> Predicate:
    """Inverse of ``Predicate.to_dict``."""
    op = d.get("op")
    if op not in _PREDICATES:
        raise ValueError(f"unknown condition op {op!r}; known: {sorted(_PREDICATES)}")
    if op == "one_of":
        return OneOf(*d["values"])
    return _PREDICATES[op](d["value"])


class Ref:
    """A range bound that is another parameter's value: ``Int(8, ref("units_0"))``.

    Build one with :func:`~hpo.spaces.ref`.

    Examples
    --------
    >>> from hpo import Int, ref
    >>> from hpo.spaces import Ref
    >>> ref("units_0") == Ref("units_0")
    True
    >>> Int(8, ref("units_0")).refs
    ['units_0']
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"ref() needs a parameter name, got {name!r}")
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ref) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("ref", self.name))

    def __repr__(self) -> str:
        return f"ref({self.name!r})"


def ref(name: str) -> Ref:
    """A bound that takes the value of parameter ``name`` (declared, so the space knows its order).

    Examples
    --------
    >>> from hpo import Space, Int, ref
    >>> space = Space(units_0=Int(8, 256), units_1=Int(8, ref("units_0")))
    >>> space.bounds("units_1", {"units_0": 32})
    (8, 32)
    >>> all(c["units_1"] <= c["units_0"] for c in space.sample(20, seed=0))
    True
    """
    return Ref(name)


def typed_key(value: Any) -> Any:
    """A dictionary key that keeps ``True``, ``1`` and ``1.0`` apart (they hash equal in Python, and reach an
    estimator as other settings: ``max_features=1`` is one feature, ``1.0`` all of them)."""
    if isinstance(value, (bool, np.bool_)):
        return ("__bool__", bool(value))
    if isinstance(value, tuple):
        return tuple(typed_key(v) for v in value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return ("__float__", value)
    return value


def _same(a: Any, b: Any) -> bool:
    """Whether a condition's value ``b`` is met by ``a``: equal and of one kind (a bool is no number here),
    numbers compared by value (``when(n=2)`` on an ``Int`` is met by 2 and 2.0)."""
    try:
        return typed_key(a) == typed_key(b) or same_number(a, b)
    except Exception:  # values that cannot be compared are not equal
        return False


def same_number(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` are equal numbers (not bools), whatever their types (1 and 1.0)."""
    numbers = (int, float, np.integer, np.floating)
    return (isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, (bool, np.bool_))
            and not isinstance(b, (bool, np.bool_)) and bool(a == b))
