"""Option constraints declared as a table, checked in one place (as scikit-learn's ``_parameter_constraints``).

A class (or function) declares what each option accepts::

    _constraints = {
        "n_trials": [Interval(int, 1), None],
        "eta": [Interval(float, 1, closed="neither")],
        "sampler": [Options({"random", "sobol"})],
    }

and checks the values it was given with :func:`check_options`, which raises a
``ValueError`` naming the option, what it accepts and the value it got:
``n_trials must be a positive int or None, got 0``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Union

__all__ = ["Interval", "Options", "Satisfies", "Constraint", "check_options", "accepts", "N_TRIALS"]


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


class Interval:
    """An int or a finite real number in ``[low, high]`` (either end open or absent).

    Parameters
    ----------
    kind : {int, float}
        ``int`` accepts integers only (not bool); ``float`` any finite real number (not bool).
    low, high : float or None
        The bounds; ``None`` is unbounded on that side.
    closed : {"left", "right", "both", "neither"}, default "left"
        Which of the bounds belong to the interval.
    unit : str, default ""
        Words said after the description ("seconds" gives "a positive number of seconds").
    """

    def __init__(self, kind: type, low: float | None = None, high: float | None = None, *,
                 closed: str = "left", unit: str = "") -> None:
        if kind not in (int, float):
            raise ValueError(f"Interval kind must be int or float, got {kind!r}")
        if closed not in ("left", "right", "both", "neither"):
            raise ValueError(f"Interval closed must be 'left', 'right', 'both' or 'neither', got {closed!r}")
        self.kind, self.low, self.high, self.closed, self.unit = kind, low, high, closed, unit

    def accepts(self, value: Any) -> bool:
        if self.kind is int and not _is_int(value):
            return False
        if not _is_real(value) or not math.isfinite(value):
            return False
        if self.low is not None:
            if value < self.low or (value == self.low and self.closed in ("right", "neither")):
                return False
        if self.high is not None:
            if value > self.high or (value == self.high and self.closed in ("left", "neither")):
                return False
        return True

    def describe(self) -> str:
        noun = "int" if self.kind is int else "number"
        low_in = self.closed in ("left", "both")
        high_in = self.closed in ("right", "both")
        if self.high is None and self.low is not None:
            if (self.kind is int and self.low == 1 and low_in) or (self.low == 0 and not low_in):
                text = f"a positive {noun}"
            elif self.low == 0 and low_in:
                text = f"a non-negative {noun}"
            else:
                text = f"{'an' if noun == 'int' else 'a'} {noun} {'>=' if low_in else '>'} {self.low}"
        elif self.low is None and self.high is None:
            text = f"{'an' if noun == 'int' else 'a'} {noun}"
        elif self.low is None:
            text = f"{'an' if noun == 'int' else 'a'} {noun} {'<=' if high_in else '<'} {self.high}"
        else:
            text = (f"{'an' if noun == 'int' else 'a'} {noun} in {'[' if low_in else '('}{self.low}, "
                    f"{self.high}{']' if high_in else ')'}")
        return f"{text} of {self.unit}" if self.unit else text


class Options:
    """One of a fixed set of values (compared with ``==``; bools never stand for 0 or 1)."""

    def __init__(self, values: Iterable[Any]) -> None:
        self.values = tuple(values)

    def accepts(self, value: Any) -> bool:
        return any(value == v and isinstance(value, bool) == isinstance(v, bool) for v in self.values)

    def describe(self) -> str:
        shown = sorted(self.values, key=repr)
        if len(shown) == 1:
            return repr(shown[0])
        return "one of " + ", ".join(repr(v) for v in shown)


class Satisfies:
    """Any value for which ``test(value)`` is true, described in words (``Satisfies(callable, "callable")``)."""

    def __init__(self, test: Callable[[Any], bool], description: str) -> None:
        self.test, self.description = test, description

    def accepts(self, value: Any) -> bool:
        return bool(self.test(value))

    def describe(self) -> str:
        return self.description


#: One accepted form of an option: an Interval, Options, Satisfies, a type (any instance), or None (None itself).
Constraint = Union[Interval, Options, Satisfies, type, None]


def _accepts(constraint: Constraint, value: Any) -> bool:
    if constraint is None:
        return value is None
    if isinstance(constraint, type):
        return isinstance(value, constraint) and not (isinstance(value, bool) and constraint is not bool)
    return constraint.accepts(value)


def _describe(constraint: Constraint) -> str:
    if constraint is None:
        return "None"
    if isinstance(constraint, type):
        return {str: "a string", bool: "a bool", dict: "a dict", list: "a list"}.get(
            constraint, f"a {constraint.__name__}")
    return constraint.describe()


def accepts(constraints: Sequence[Constraint], value: Any) -> bool:
    """Whether ``value`` satisfies at least one of ``constraints``."""
    return any(_accepts(c, value) for c in constraints)


def check_options(table: Mapping[str, Sequence[Constraint]], /, **values: Any) -> None:
    """Raise ``ValueError`` for the first value that satisfies none of its constraints.

    Parameters
    ----------
    table : mapping of str to list of constraints
        What each option accepts (any one of its constraints).
    **values
        The options to check, by name; a name missing from ``table`` is a
        ``KeyError`` (a programming error: declare every option checked).

    Raises
    ------
    ValueError
        ``"<name> must be <what it accepts>, got <value!r>"``.
    """
    for name, value in values.items():
        constraints = table[name]
        if not accepts(constraints, value):
            wanted = [_describe(c) for c in constraints]
            text = wanted[0] if len(wanted) == 1 else ", ".join(wanted[:-1]) + " or " + wanted[-1]
            raise ValueError(f"{name} must be {text}, got {value!r}")


#: The one declaration of what ``n_trials`` accepts, wherever a search takes it (engine, Tuner, benchmarks).
N_TRIALS: list[Constraint] = [Interval(int, 1), None]
