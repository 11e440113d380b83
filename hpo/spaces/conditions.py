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
    """A test on a parent's value. Subclasses are small immutable value types."""

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
    """The parent equals ``value``. A plain value in ``.when(p=value)`` means this."""

    op = "equals"

    def __init__(self, value: Hashable) -> None:
        try:
            hash(value)
        except TypeError:
            raise TypeError(f"a condition value must be hashable, got {value!r}") from None
        self.value = value

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
        return (_typed_key(self.value),)

    def __repr__(self) -> str:
        return repr(self.value)


class OneOf(Predicate):
    """The parent takes one of ``values``."""

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
        self.values = tuple(values)

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
        return tuple(sorted((repr(_typed_key(v)) for v in self.values)))

    def __repr__(self) -> str:
        return "one_of(" + ", ".join(repr(v) for v in self.values) + ")"


class _Comparison(Predicate):
    """A comparison of a numeric parent with a threshold."""

    symbol = ""

    def __init__(self, threshold: float) -> None:
        if not _is_number(threshold) or not math.isfinite(float(threshold)):
            raise ValueError(f"{self.op}() needs a finite number, got {threshold!r}")
        self.threshold = threshold.item() if isinstance(threshold, np.generic) else threshold

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
    """The parent is >= the threshold."""

    op = "at_least"

    def _compare(self, a, b):
        return a >= b


class AtMost(_Comparison):
    """The parent is <= the threshold."""

    op = "at_most"

    def _compare(self, a, b):
        return a <= b


class GreaterThan(_Comparison):
    """The parent is > the threshold."""

    op = "greater_than"

    def _compare(self, a, b):
        return a > b


class LessThan(_Comparison):
    """The parent is < the threshold."""

    op = "less_than"

    def _compare(self, a, b):
        return a < b


def one_of(*values: Hashable) -> OneOf:
    """Active when the parent takes one of ``values``: ``.when(solver=one_of("adam", "sgd"))``."""
    return OneOf(*values)


def at_least(threshold: float) -> AtLeast:
    """Active when the parent is >= ``threshold``: ``.when(n_layers=at_least(2))``."""
    return AtLeast(threshold)


def at_most(threshold: float) -> AtMost:
    """Active when the parent is <= ``threshold``."""
    return AtMost(threshold)


def greater_than(threshold: float) -> GreaterThan:
    """Active when the parent is > ``threshold``."""
    return GreaterThan(threshold)


def less_than(threshold: float) -> LessThan:
    """Active when the parent is < ``threshold``."""
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
    """A range bound that is another parameter's value: ``Int(8, ref("units_0"))``."""

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
    """A bound that takes the value of parameter ``name`` (declared, so the space knows its order)."""
    return Ref(name)


def _typed_key(value: Any) -> Any:
    """A dictionary key that keeps ``True`` apart from ``1`` (they hash equal in Python)."""
    if isinstance(value, (bool, np.bool_)):
        return ("__bool__", bool(value))
    if isinstance(value, tuple):
        return tuple(_typed_key(v) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _same(a: Any, b: Any) -> bool:
    try:
        return _typed_key(a) == _typed_key(b)
    except Exception:  # values that cannot be compared are not equal
        return False
