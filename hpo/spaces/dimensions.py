"""Dimensions: ``Float``, ``Int`` and ``Categorical``.

A dimension is a small immutable value type. It knows how to map its values to
and from the unit interval (log-aware), how to list grid points, and how to
check a value. Checks that need the parameter's name or the other parameters
(references, conditions) are done by :class:`~hpo.spaces.Space` when the
dimension gets its name, so that every error names the parameter.

Unit encoding (one column per dimension)
----------------------------------------
* ``Float``: ``u`` is the position in ``[low, high]``, on the log scale when
  ``log=True``.
* ``Int``: the range is cut into ``high - low + 1`` bins of equal width (on the
  log scale over ``[low - 0.5, high + 0.5]`` when ``log=True``); a value encodes
  to the centre of its bin, so uniform ``u`` gives uniform (or log-uniform)
  integers with both ends reachable.
* ``Categorical``: ``k`` equal bins, choice ``i`` encodes to ``(i + 0.5) / k``.

Bounds given by :func:`~hpo.spaces.ref` are resolved row by row, so ``u`` is
always relative to the range that holds for that configuration: every point
of the unit box decodes to a valid configuration.

A decoded ``Float`` is rounded to 13 significant digits (of the value on a log
scale, of the larger of the value and the low bound on a linear one), far finer
than any hyperparameter needs but coarser than the float error of the
transforms. So ``decode(encode(c))`` gives back exactly a float that is a short
decimal (``0.02``, ``7.0``, the ends of the range; magnitudes down to about
1e-9), and with it every condition on that value (``at_least(0.02)``) and
every ``Int`` range that takes its bound from it; a decoded value survives
any number of round trips unchanged.
"""

from __future__ import annotations

import copy
import itertools
import keyword
import math
import numbers
from typing import Any, Hashable, Sequence

import numpy as np

from .._scalars import plain_scalar
from .conditions import Predicate, Ref, typed_key, as_predicate, predicate_from_dict, same_number

__all__ = ["Dimension", "Float", "Int", "Categorical"]


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


_PLAIN_KEY_TYPES = frozenset({str, int, type(None)})  # their typed key is the value (a float's is tagged)
_FLOAT_DIGITS = 13
_EXACT_INT = 2**53  # the largest integer magnitude float64 holds exactly (Int bounds stay within it)


_POWERS_OF_TEN = np.array([float(10**k) for k in range(309)])  # correctly rounded (exact up to 1e22)


def _snap(v: np.ndarray, scale: Any) -> np.ndarray:
    """``v`` rounded to ``_FLOAT_DIGITS`` significant digits of ``scale`` (NaN and 0 scale: unchanged)."""
    with np.errstate(all="ignore"):
        p = (_FLOAT_DIGITS - 1) - np.floor(np.log10(scale))
        ok = np.abs(p) < len(_POWERS_OF_TEN)  # False for NaN and infinite p too
        k = np.where(ok, p, 0).astype(np.int64)
        f = _POWERS_OF_TEN[np.abs(k)]
        out = np.where(k >= 0, np.round(v * f) / f, np.round(v / f) * f)
    return np.where(ok & np.isfinite(out), out, v)


def _hashable_hint(value: Any) -> str:
    """A hashable spelling of an unhashable choice, for the error message."""
    if isinstance(value, dict):
        return repr(tuple(sorted(value.items(), key=repr)))
    if isinstance(value, (list, np.ndarray)):
        return repr(tuple(np.asarray(value).tolist()) if isinstance(value, np.ndarray) else tuple(value))
    return "'name'"


def encode_value(value: Any) -> Any:
    """A JSON-compatible form of a plain value (tuples are tagged)."""
    if isinstance(value, tuple):
        return {"tuple": [encode_value(v) for v in value]}
    return plain_scalar(value)


def decode_value(value: Any) -> Any:
    """Inverse of :func:`encode_value`."""
    if isinstance(value, dict) and set(value) == {"tuple"}:
        return tuple(decode_value(v) for v in value["tuple"])
    if isinstance(value, list):  # JSON may turn a tuple into a list
        return tuple(decode_value(v) for v in value)
    return value


class Dimension:
    """Base class of the dimensions. Use :class:`Float`, :class:`Int`, :class:`Categorical`.

    Examples
    --------
    >>> from hpo import Float
    >>> from hpo.spaces import Dimension
    >>> momentum = Float(0.0, 0.9).when(solver="sgd")
    >>> isinstance(momentum, Dimension)
    True
    >>> momentum
    Float(0.0, 0.9).when(solver='sgd')
    >>> momentum.parents
    ['solver']
    """

    kind: str = ""

    def __init__(self) -> None:
        self.conditions: dict[str, Predicate] = {}

    # -- conditions ---------------------------------------------------------
    def when(self, **conditions: Any) -> "Dimension":
        """A copy of this dimension that is active only when every condition holds.

        Each keyword names a parent parameter; its value is a plain value
        (equality) or a predicate: ``one_of(...)``, ``at_least(x)``,
        ``at_most(x)``, ``greater_than(x)``, ``less_than(x)``.
        """
        if not conditions:
            raise ValueError("when() needs at least one condition, e.g. when(solver='sgd')")
        new = copy.copy(self)
        new.conditions = dict(self.conditions)
        for parent, value in conditions.items():
            if parent in new.conditions:
                raise ValueError(f"a condition on {parent!r} is given twice")
            new.conditions[parent] = as_predicate(value)
        return new

    @property
    def refs(self) -> list[str]:
        """Names of the parameters this dimension's range depends on."""
        return []

    @property
    def parents(self) -> list[str]:
        """Every parameter this one depends on (conditions first, then references)."""
        out = list(self.conditions)
        out += [r for r in self.refs if r not in out]
        return out

    # -- encoding: overridden ------------------------------------------------
    def check_value(self, value: Any, low: Any = None, high: Any = None) -> str | None:
        """A message if ``value`` is not valid for this dimension, else None."""
        raise NotImplementedError  # pragma: no cover - abstract

    # -- value type ----------------------------------------------------------
    def _args(self) -> tuple:
        raise NotImplementedError  # pragma: no cover - abstract

    def _key(self) -> tuple:
        return (type(self).__name__, self._args(), tuple(sorted(self.conditions.items(), key=lambda kv: kv[0])))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dimension) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _repr_args(self) -> str:
        raise NotImplementedError  # pragma: no cover - abstract

    def __repr__(self) -> str:
        text = f"{type(self).__name__}({self._repr_args()})"
        if self.conditions:
            if all(k.isidentifier() and not keyword.iskeyword(k) for k in self.conditions):
                text += ".when(" + ", ".join(f"{k}={v!r}" for k, v in self.conditions.items()) + ")"
            else:  # parents such as 'model.C' cannot be keywords
                text += ".when(**{" + ", ".join(f"{k!r}: {v!r}" for k, v in self.conditions.items()) + "})"
        return text

    def to_dict(self) -> dict:
        """A JSON-compatible description (see :meth:`Space.to_dict`)."""
        d = {"type": self.kind, **self._dict_args()}
        if self.conditions:
            d["when"] = {parent: _predicate_to_dict(pred) for parent, pred in self.conditions.items()}
        return d

    def _dict_args(self) -> dict:
        raise NotImplementedError  # pragma: no cover - abstract

    @staticmethod
    def from_dict(d: dict) -> "Dimension":
        """Inverse of :meth:`to_dict`."""
        kind = d.get("type")
        needs = {"float": ("low", "high"), "int": ("low", "high"), "categorical": ("choices",)}
        if kind not in needs:
            raise ValueError(f"unknown dimension type {kind!r}; known: 'float', 'int', 'categorical'")
        missing = [key for key in needs[kind] if key not in d]
        if missing:
            raise ValueError(f"a {kind} dimension needs {' and '.join(map(repr, needs[kind]))}; "
                             f"{', '.join(map(repr, missing))} missing in {d!r}")
        if kind == "categorical":
            if isinstance(d["choices"], (str, bytes)) or not isinstance(d["choices"], (list, tuple)):
                raise ValueError(f"'choices' must be a list, got {d['choices']!r}")
            dim: Dimension = Categorical([decode_value(c) for c in d["choices"]])
        else:
            cls = Float if kind == "float" else Int
            dim = cls(_bound_from(d["low"]), _bound_from(d["high"]), log=d.get("log", False))
        for parent, pd in d.get("when", {}).items():
            pd = dict(pd)
            if "value" in pd:
                pd["value"] = decode_value(pd["value"])
            if "values" in pd:
                pd["values"] = [decode_value(v) for v in pd["values"]]
            dim.conditions[parent] = predicate_from_dict(pd)
        return dim


def _predicate_to_dict(pred: Predicate) -> dict:
    d = pred.to_dict()
    if "value" in d:
        d["value"] = encode_value(d["value"])
    if "values" in d:
        d["values"] = [encode_value(v) for v in d["values"]]
    return d


def _bound_to(b: Any) -> Any:
    return {"ref": b.name} if isinstance(b, Ref) else plain_scalar(b)


def _bound_from(b: Any) -> Any:
    return Ref(b["ref"]) if isinstance(b, dict) else b


class _Numeric(Dimension):
    """Shared behaviour of Float and Int: bounds (numbers or references) and log scale."""

    def __init__(self, low: float | Ref, high: float | Ref, log: bool = False) -> None:
        super().__init__()
        self.low = plain_scalar(low)
        self.high = plain_scalar(high)
        self.log = bool(log) if isinstance(log, (bool, np.bool_)) else log  # anything else: a definition error

    @property
    def refs(self) -> list[str]:
        return [b.name for b in (self.low, self.high) if isinstance(b, Ref)]

    def _args(self) -> tuple:
        return (self.low, self.high, self.log)

    def _repr_args(self) -> str:
        text = f"{self.low!r}, {self.high!r}"
        return text + ("" if self.log is False else f", log={self.log!r}")

    def _dict_args(self) -> dict:
        return {"low": _bound_to(self.low), "high": _bound_to(self.high), "log": self.log}

    def definition_errors(self) -> list[str]:
        """Problems visible from this dimension alone (bounds, log scale)."""
        errors = [] if isinstance(self.log, bool) else [f"log must be True or False, got {self.log!r}"]
        for side, b in (("low", self.low), ("high", self.high)):
            if isinstance(b, Ref):
                continue
            if not _is_number(b):
                errors.append(f"{side} must be a number or ref(...), got {b!r}")
            elif not math.isfinite(b):
                errors.append(f"{side} must be finite, got {b!r}")
            elif isinstance(self, Int) and not isinstance(b, numbers.Integral):
                errors.append(f"Int bounds must be integers, got {side}={b!r}")
            elif isinstance(self, Int) and abs(b) > _EXACT_INT:
                errors.append(f"Int bounds must lie within +-2**53 (the unit-cube encoding is float64 and would "
                              f"round them), got {side}={b!r}; for a seed, Int(0, 2**31 - 1) is plenty")
        if errors:
            return errors
        static_low = None if isinstance(self.low, Ref) else self.low
        static_high = None if isinstance(self.high, Ref) else self.high
        if static_low is not None and static_high is not None and static_low >= static_high:
            errors.append(f"low ({static_low!r}) must be less than high ({static_high!r})"
                          + (f"; for one value, write Categorical([{static_low!r}])" if static_low == static_high else ""))
        elif (static_low is not None and static_high is not None and not self.log
              and not math.isfinite(static_high - static_low)):
            errors.append(f"the range [{static_low!r}, {static_high!r}] is wider than a float64 can hold "
                          "(high - low overflows); narrow it, or use log=True for a positive range")
        if self.log and static_low is not None and static_low <= 0:
            errors.append(f"log=True needs low > 0, got low={static_low!r}")
        if self.log and static_high is not None and static_high <= 0:
            errors.append(f"log=True needs high > 0, got high={static_high!r}")
        return errors

    def resolve(self, low: Any, high: Any) -> tuple[Any, Any]:
        """Bounds arrays for this dimension, given the parents' values for refs."""
        return low, high

    # Vectorized transforms: ``low`` and ``high`` are scalars or arrays of the rows' bounds.
    def from_unit(self, u: np.ndarray, low: Any, high: Any) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover - abstract

    def to_unit(self, v: np.ndarray, low: Any, high: Any) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover - abstract

    def grid_values(self, low: float, high: float, resolution: int) -> list:
        raise NotImplementedError  # pragma: no cover - abstract


class Float(_Numeric):
    """A real-valued parameter in ``[low, high]``; ``log=True`` samples log-uniformly.

    Parameters
    ----------
    low, high : float or ref
        The range, inclusive. Either bound may be ``ref("other")``: the value of
        another numeric parameter (the range then depends on it).
    log : bool, default False
        Sample and encode on the log scale (for learning rates, penalties).

    Examples
    --------
    >>> from hpo import Space, Float
    >>> space = Space(lr=Float(1e-4, 1e-1, log=True))
    >>> [config["lr"] for config in space.grid(resolution=4)]
    [0.0001, 0.001, 0.01, 0.1]
    >>> all(1e-4 <= config["lr"] <= 1e-1 for config in space.sample(5, seed=0))
    True
    """

    kind = "float"

    def from_unit(self, u: np.ndarray, low: Any, high: Any) -> np.ndarray:
        low = np.asarray(low, dtype=float)
        high = np.asarray(high, dtype=float)
        if self.log:
            a, b = np.log(low), np.log(high)
            v = np.exp(a + u * (b - a))
            v = _snap(v, np.abs(v))
        else:
            v = low + u * (high - low)
            v = _snap(v, np.maximum(np.abs(v), np.abs(low)))  # the size of the transforms' error
        return np.clip(v, low, high)

    def to_unit(self, v: np.ndarray, low: Any, high: Any) -> np.ndarray:
        low = np.asarray(low, dtype=float)
        high = np.asarray(high, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.log:
                a, b = np.log(low), np.log(high)
                u = (np.log(v) - a) / (b - a)
            else:
                u = (v - low) / (high - low)
        return np.where(high > low, u, 0.5)

    def grid_values(self, low: float, high: float, resolution: int) -> list:
        if low == high or resolution == 1:
            return [float(low)] if low == high else [float(self.from_unit(np.array(0.5), low, high))]
        u = np.linspace(0.0, 1.0, resolution)
        values = self.from_unit(u, low, high)
        values[0], values[-1] = low, high
        return [float(v) for v in dict.fromkeys(values.tolist())]

    def check_value(self, value: Any, low: Any = None, high: Any = None) -> str | None:
        low = self.low if low is None else low
        high = self.high if high is None else high
        if not _is_number(value):
            return f"expected a number, got {type(value).__name__} {value!r}"
        if not math.isfinite(value):
            return f"expected a finite number, got {value!r}"
        if not (low <= value <= high):
            return f"{value!r} is outside [{low!r}, {high!r}]"
        return None


#: Integer ranges with at most this many values (or ``resolution``, if larger) are
#: enumerated whole in a grid: ``n_layers=Int(1, 4)`` gives 1, 2, 3 and 4 at any resolution.
SMALL_INT_RANGE = 10


class Int(_Numeric):
    """An integer parameter in ``[low, high]`` (inclusive); ``log=True`` for log-uniform.

    Parameters
    ----------
    low, high : int or ref
        The range, both ends included. Either bound may be ``ref("other")``.
    log : bool, default False
        Log-uniform over the integers (both ends reachable); needs ``low >= 1``.

    Examples
    --------
    >>> from hpo import Space, Int
    >>> [config["n_layers"] for config in Space(n_layers=Int(1, 4)).grid()]
    [1, 2, 3, 4]
    >>> [config["units"] for config in Space(units=Int(8, 256, log=True)).grid(resolution=4)]
    [8, 25, 81, 256]
    """

    kind = "int"

    def resolve(self, low: Any, high: Any) -> tuple[Any, Any]:
        # A bound taken from a Float parent rounds inwards.
        return np.ceil(low), np.floor(high)

    def from_unit(self, u: np.ndarray, low: Any, high: Any) -> np.ndarray:
        low = np.asarray(low, dtype=float)
        high = np.asarray(high, dtype=float)
        if self.log:
            a, b = np.log(low - 0.5), np.log(high + 0.5)
            v = np.floor(np.exp(a + u * (b - a)) + 0.5)
        else:
            v = low + np.floor(u * (high - low + 1.0))
        return np.clip(v, low, high)

    def to_unit(self, v: np.ndarray, low: Any, high: Any) -> np.ndarray:
        low = np.asarray(low, dtype=float)
        high = np.asarray(high, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.log:
                a, b = np.log(low - 0.5), np.log(high + 0.5)
                centre = 0.5 * (np.log(v - 0.5) + np.log(v + 0.5))
                return (centre - a) / (b - a)
            return (v - low + 0.5) / (high - low + 1.0)

    def grid_values(self, low: float, high: float, resolution: int) -> list:
        low, high = int(low), int(high)
        if high - low + 1 <= max(resolution, SMALL_INT_RANGE):
            return list(range(low, high + 1))
        if resolution == 1:
            return [int(self.from_unit(np.array(0.5), low, high))]
        if self.log:
            points = np.geomspace(low, high, resolution)
        else:
            points = np.linspace(low, high, resolution)
        values = np.clip(np.floor(points + 0.5), low, high).astype(np.int64).tolist()
        return list(dict.fromkeys(values))

    def check_value(self, value: Any, low: Any = None, high: Any = None) -> str | None:
        low = self.low if low is None else low
        high = self.high if high is None else high
        if not isinstance(value, numbers.Integral) or isinstance(value, (bool, np.bool_)):
            return f"expected an int, got {type(value).__name__} {value!r}"
        if not (low <= value <= high):
            return f"{value!r} is outside [{low!r}, {high!r}]"
        return None


class Categorical(Dimension):
    """A choice among ``choices``: any hashable values (str, int, float, bool, None, tuples).

    ``True`` and ``1`` are different choices here, unlike in a Python set.

    Examples
    --------
    >>> from hpo import Space, Categorical
    >>> space = Space(solver=Categorical(["adam", "sgd"]), shuffle=Categorical([True, False]))
    >>> for config in space.grid():
    ...     print(config)
    {'solver': 'adam', 'shuffle': True}
    {'solver': 'adam', 'shuffle': False}
    {'solver': 'sgd', 'shuffle': True}
    {'solver': 'sgd', 'shuffle': False}
    """

    kind = "categorical"

    def __init__(self, choices: Sequence[Hashable]) -> None:
        super().__init__()
        if isinstance(choices, (str, bytes)) or not hasattr(choices, "__iter__"):
            raise TypeError(f"Categorical choices must be a list or tuple of values, got {choices!r}")
        if isinstance(choices, (set, frozenset)):
            raise TypeError(f"Categorical choices must be ordered (a list or tuple), got a set {choices!r}: its "
                            "order changes from one run to the next, so one seed would not give the same trials")
        self.choices = tuple(plain_scalar(c) for c in choices)
        self._index: dict[Any, int] = {}
        self._by_id: dict[int, int] = {}  # the choice objects themselves, as decode hands them out
        self._bool_index = {c: i for i, c in reversed(list(enumerate(self.choices))) if isinstance(c, bool)}
        self._choice_array = np.empty(len(self.choices), dtype=object)
        for i, c in enumerate(self.choices):
            self._choice_array[i] = c
            self._by_id.setdefault(id(c), i)
            try:
                self._index.setdefault(typed_key(c), i)
            except TypeError:
                pass  # reported by definition_errors

    def definition_errors(self) -> list[str]:
        if not self.choices:
            return ["Categorical needs at least one choice"]
        errors = []
        seen: set = set()
        for c in self.choices:
            try:
                key = typed_key(c)
                hash(key)
            except TypeError:
                errors.append(f"choice {c!r} is not hashable; a dict or list as a value: choose among names or "
                              f"tuples (e.g. {_hashable_hint(c)}) and build the value in the space's to_params")
                continue
            if isinstance(c, float) and not math.isfinite(c):
                errors.append(f"choice {c!r} is not a finite number")
            if key in seen:
                errors.append(f"choice {c!r} is given twice")
            seen.add(key)
        return errors

    def index_of(self, value: Any) -> int:
        """The index of ``value`` among the choices, or -1."""
        try:
            return self._index.get(typed_key(value), -1)
        except TypeError:
            return -1

    def indices_of(self, values: Sequence[Any]) -> np.ndarray:
        """``index_of`` over a list of values, as an int array (-1 where not a choice).

        str, int and None values are looked up as they are (their typed key is
        the value), as are bools among bools; otherwise values that are
        the choice objects themselves (as :meth:`values_of` gives them) are
        found by identity, and the rest one by one.
        """
        n = len(values)
        types = set(map(type, values))
        if types <= _PLAIN_KEY_TYPES:  # the typed key of these is the value itself
            return np.fromiter(map(self._index.get, values, itertools.repeat(-1)), dtype=np.int64, count=n)
        if types <= {bool}:
            return np.fromiter(map(self._bool_index.get, values, itertools.repeat(-1)), dtype=np.int64, count=n)
        idx = np.fromiter(map(self._by_id.get, map(id, values), itertools.repeat(-1)), dtype=np.int64, count=n)
        misses = np.flatnonzero(idx < 0)
        if len(misses):
            rest = [values[i] for i in misses.tolist()]
            if set(map(type, rest)) <= _PLAIN_KEY_TYPES:
                idx[misses] = list(map(self._index.get, rest, itertools.repeat(-1)))
            else:
                idx[misses] = [self.index_of(v) for v in rest]
        return idx

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        k = len(self.choices)
        return np.clip(np.floor(u * k), 0, k - 1).astype(np.int64)

    def to_unit(self, idx: np.ndarray) -> np.ndarray:
        return (np.asarray(idx, dtype=float) + 0.5) / len(self.choices)

    def values_of(self, idx: np.ndarray) -> list:
        """The choices at indices ``idx`` as a list of plain values."""
        return self._choice_array[idx].tolist()

    def check_value(self, value: Any, low: Any = None, high: Any = None) -> str | None:
        if self.index_of(value) < 0:
            twin = next((c for c in self.choices if same_number(c, value)), None)
            if twin is not None:  # 1 given, 1.0 a choice: other settings for an estimator (max_features)
                return (f"{value!r} ({type(value).__name__}) is not one of {list(self.choices)!r}: "
                        f"{twin!r} ({type(twin).__name__}) is, and a choice keeps its type")
            return f"{value!r} is not one of {list(self.choices)!r}"
        return None

    def _args(self) -> tuple:  # 1 and 1.0 are other choices here: they reach the objective as other types
        return tuple((type(c).__name__, typed_key(c)) for c in self.choices)

    def _repr_args(self) -> str:
        return repr(list(self.choices))

    def _dict_args(self) -> dict:
        return {"choices": [encode_value(c) for c in self.choices]}

    # ``_by_id`` holds ids of this object's own choices: a copy made by pickling
    # (or deepcopy) has new choice objects, so it rebuilds the table.
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        del state["_by_id"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._by_id = {}
        for i, c in enumerate(self.choices):
            self._by_id.setdefault(id(c), i)

    def __copy__(self) -> "Categorical":
        new = Categorical(self.choices)
        new.conditions = dict(self.conditions)
        return new
