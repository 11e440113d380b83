"""Building a Space and checking configurations: definitions, dependency order, references, conditions.

The checks that run when a :class:`~hpo.spaces.Space` is built (a bad space is
a ``ValueError`` naming the parameter) and those that judge one configuration
(:meth:`validate`, :meth:`is_active`, :meth:`bounds`), as a mixin of ``Space``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Sequence

import numpy as np

from .conditions import Equals, OneOf, Predicate, Ref
from .dimensions import Categorical, Dimension, Int, _Numeric
from .mapping import Pack
from .sklearn_forms import as_dimension, not_a_space

_INT_ENUMERATION_LIMIT = 100_000


def merge_dimensions(dims: Any, kw_dims: Mapping[str, Any], to_params: Any) -> dict[str, Dimension]:
    """The dimensions given to ``Space(dims, **kw_dims)`` as one dict, each name and value checked."""
    merged: dict[str, Dimension] = {}
    if dims is not None:
        if not isinstance(dims, Mapping):
            raise not_a_space(dims, "Space() takes a mapping of name to dimension")
        merged.update(dims)
    for name, dim in kw_dims.items():
        if name in merged:
            raise ValueError(f"parameter {name!r} is given twice")
        merged[name] = dim
    if not merged:
        raise ValueError("a Space needs at least one parameter")
    for name, dim in merged.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"parameter names must be non-empty strings, got {name!r}")
        dim = merged[name] = as_dimension(name, dim)  # scikit-learn's lists and scipy.stats distributions
        if not isinstance(dim, Dimension):
            raise TypeError(f"{name}: expected a Float, Int or Categorical (or a list of choices), got {dim!r}")
    if to_params is not None and not callable(to_params):
        raise TypeError(f"to_params must be callable, got {to_params!r}")
    if isinstance(to_params, Pack):  # a typo here would only show inside the estimator
        for name in (*to_params.names, *to_params.drop):
            if name not in merged:
                raise ValueError(f"to_params {to_params!r} names unknown parameter {name!r}; known: {list(merged)}")
        if to_params.target in merged and to_params.target not in (*to_params.names, *to_params.drop):
            raise ValueError(f"to_params {to_params!r} packs into {to_params.target!r}, which is also a parameter of "
                             "the space: its value would be overwritten; rename the parameter, or pack it too")
    return merged


class SpaceChecks:
    """The checks of a space's definition and of configurations (a mixin of ``Space``)."""

    _dims: dict[str, Dimension]
    _names: list[str]
    _order: list[str]
    _static: dict[str, tuple[float, float] | None]

    # ------------------------------------------------------------- definition
    def _check_definitions(self) -> None:
        for name, dim in self._dims.items():
            errors = [] if getattr(self, "_lenient", False) else dim.definition_errors()  # type: ignore[attr-defined]
            if errors:
                raise ValueError(f"{name} = {dim!r}: {errors[0]}")
            for parent in dim.parents:
                if parent == name:
                    raise ValueError(f"{name} depends on itself")
                if parent not in self._dims:
                    what = "a condition" if parent in dim.conditions else "ref()"
                    raise ValueError(
                        f"{name}: {what} names unknown parameter {parent!r}; known: {self._names}"
                    )

    def _topological_order(self) -> list[str]:
        """Parents first, ties in declaration order; a cycle is an error naming it."""
        remaining = {n: set(self._dims[n].parents) for n in self._names}
        order: list[str] = []
        while remaining:
            ready = [n for n in self._names if n in remaining and not remaining[n]]
            if not ready:
                raise ValueError(f"the parameters {_cycle(remaining)} depend on each other in a cycle")
            for n in ready:
                del remaining[n]
                order.append(n)
            for deps in remaining.values():
                deps.difference_update(ready)
        return order

    def _static_range(self, name: str) -> tuple[float, float] | None:
        """The smallest and largest value a numeric parameter can ever take."""
        dim = self._dims[name]
        if not isinstance(dim, _Numeric):
            return None
        lows, highs = [], []
        for bound, out in ((dim.low, lows), (dim.high, highs)):
            if isinstance(bound, Ref):
                rng = self._static.get(bound.name)
                if rng is None:
                    raise ValueError(
                        f"{name}: ref({bound.name!r}) must name a Float or Int parameter, "
                        f"got {self._dims[bound.name]!r}"
                    )
                out.extend(rng)
            else:
                out.append(float(bound))
        lo, hi = min(lows), max(highs)
        if isinstance(dim, Int):
            lo, hi = math.ceil(lo), math.floor(hi)
        if hi < lo or max(highs) < min(lows):
            raise ValueError(f"{name} = {dim!r}: the range is empty for every value of its parents")
        if dim.log and lo <= 0:
            raise ValueError(
                f"{name} = {dim!r}: log=True needs low > 0, but the low bound can be {lo!r}"
            )
        if isinstance(dim, Int) and dim.log and lo < 1:
            raise ValueError(f"{name} = {dim!r}: log=True needs low >= 1 for an Int")
        return (lo, hi)

    def _check_references(self) -> None:
        for name, dim in self._dims.items():
            for parent in dim.refs:
                if not self._active_implies(name, parent):
                    raise ValueError(
                        f"{name} takes its range from {parent}, but {name} can be active when "
                        f"{parent} is not; give {name} the conditions of {parent}"
                    )

    def _check_conditions(self) -> None:
        if getattr(self, "_lenient", False):  # a stored space read back (Space.from_dict(strict=False))
            return
        for name, dim in self._dims.items():
            for parent, pred in dim.conditions.items():
                pdim = self._dims[parent]
                problem = self._never_holds(parent, pdim, pred)
                if problem:
                    raise ValueError(f"{name}: condition {parent}={pred!r} {problem}")

    def _never_holds(self, parent: str, pdim: Dimension, pred: Predicate) -> str | None:
        if isinstance(pdim, Categorical):
            wanted = pred.values if isinstance(pred, OneOf) else (pred.value,) if isinstance(pred, Equals) else None
            if wanted is not None:
                bad = [v for v in wanted if pdim.index_of(v) < 0]
                if bad:
                    return f"names {bad[0]!r}, which {parent} never takes (choices: {list(pdim.choices)!r})"
                return None
            try:
                if not any(pred.holds(c) for c in pdim.choices):
                    return f"holds for none of {parent}'s choices {list(pdim.choices)!r}"
            except TypeError:
                return f"cannot compare {parent}'s choices {list(pdim.choices)!r}"
            return None
        lo, hi = self._static[parent]
        is_int = isinstance(pdim, Int)
        if isinstance(pred, (Equals, OneOf)):
            values = pred.values if isinstance(pred, OneOf) else (pred.value,)
            for v in values:
                ok = (isinstance(v, (int, float)) and not isinstance(v, bool) and lo <= v <= hi
                      and (not is_int or float(v).is_integer()))
                if not ok:
                    return f"names {v!r}, which {parent} never takes (range [{lo}, {hi}])"
            if not is_int:  # a continuous parent equals one value with probability 0
                return (f"asks a Float to equal a value, which sampling hits with probability 0; use at_most(...) "
                        f"or at_least(...) for a range of {parent}, or make {parent} a Categorical")
            return None
        if not any(pred.holds(v) for v in self._test_points(parent, [pred])):
            return f"never holds: {parent} lies in [{lo}, {hi}]"
        return None

    def _test_points(self, name: str, preds: Sequence[Predicate]) -> list:
        """Values of ``name`` at which threshold predicates change their answers."""
        dim = self._dims[name]
        if isinstance(dim, Categorical):
            return list(dim.choices)
        lo, hi = self._static[name]
        if isinstance(dim, Int) and hi - lo <= _INT_ENUMERATION_LIMIT:
            return list(range(int(lo), int(hi) + 1))
        points = {lo, hi}
        for pred in preds:
            for t in pred.thresholds():
                points.update({t, np.nextafter(t, -np.inf), np.nextafter(t, np.inf), t - 1, t + 1})
        inside = sorted(p for p in points if lo <= p <= hi)
        inside += [(a + b) / 2 for a, b in zip(inside, inside[1:])]
        if isinstance(dim, Int):
            inside = sorted({v for p in inside for v in (math.floor(p), math.ceil(p)) if lo <= v <= hi})
        return inside

    def _active_implies(self, child: str, parent: str) -> bool:
        """Whether ``child`` being active guarantees that ``parent`` is active."""
        pdim = self._dims[parent]
        cdim = self._dims[child]
        if not pdim.conditions or parent in cdim.conditions:
            return True
        if all(self._implied(cdim, q, pred) for q, pred in pdim.conditions.items()):
            return True
        return any(self._active_implies(r, parent) for r in cdim.conditions)

    def _implied(self, cdim: Dimension, q: str, pred: Predicate) -> bool:
        cpred = cdim.conditions.get(q)
        if cpred is None:
            return False
        return all(pred.holds(v) for v in self._test_points(q, [cpred, pred]) if cpred.holds(v))

    def _condition_tables(self) -> dict[tuple[str, str], np.ndarray]:
        """For conditions on categorical parents: whether each choice satisfies them."""
        tables = {}
        for name, dim in self._dims.items():
            for parent, pred in dim.conditions.items():
                pdim = self._dims[parent]
                if isinstance(pdim, Categorical):
                    tables[(name, parent)] = np.array([_safe_holds(pred, c) for c in pdim.choices])
        return tables

    # -------------------------------------------------------------- validate
    def validate(self, config: Mapping[str, Any]) -> None:
        """Raise an error naming the parameter if ``config`` is not valid.

        Checks unknown names, active parameters that are missing, inactive
        ones that are present, types, and ranges (dependent ranges included).
        """
        if not isinstance(config, Mapping):
            raise TypeError(f"a configuration is a dict, got {type(config).__name__}")
        for key in config:
            if key not in self._dims:
                raise ValueError(f"unknown parameter {key!r}; known: {self._names}")
        for name in self._order:
            dim = self._dims[name]
            reason = self._inactive_reason(name, config)
            if reason is None and name not in config:
                raise ValueError(f"{name}: missing, but it is active")
            if reason is not None:
                if name in config:
                    raise ValueError(f"{name}: present, but it is inactive ({reason})")
                continue
            value = config[name]
            low, high = self.bounds(name, config) if isinstance(dim, _Numeric) else (None, None)
            message = dim.check_value(value, low, high)  # type: ignore[arg-type]
            if message:
                raise ValueError(f"{name}: {message}")

    def is_active(self, name: str, config: Mapping[str, Any]) -> bool:
        """Whether ``name`` is active given its parents' values in a (partial) configuration.

        A parent missing from ``config`` counts as inactive, and so makes its children inactive.
        """
        self[name]
        return self._inactive_reason(name, config) is None

    def bounds(self, name: str, config: Mapping[str, Any]) -> tuple[Any, Any]:
        """The range of numeric parameter ``name`` for a (partial) configuration.

        References are resolved from ``config`` (which must hold those parents);
        an Int's bounds taken from a Float parent round inwards.
        """
        dim = self[name]
        if not isinstance(dim, _Numeric):
            raise TypeError(f"{name} is {type(dim).__name__}, which has no range")
        low = config[dim.low.name] if isinstance(dim.low, Ref) else dim.low
        high = config[dim.high.name] if isinstance(dim.high, Ref) else dim.high
        if isinstance(dim, Int):
            return math.ceil(low), math.floor(high)
        return low, high

    def _inactive_reason(self, name: str, config: Mapping[str, Any]) -> str | None:
        for parent, pred in self._dims[name].conditions.items():
            if parent not in config:
                return f"{parent} is inactive"
            if not _safe_holds(pred, config[parent]):
                return f"needs {parent}={pred!r}, got {config[parent]!r}"
        return None



def _safe_holds(pred: Predicate, value: Any) -> bool:
    try:
        return bool(pred.holds(value))
    except TypeError:
        return False



def _cycle(remaining: dict[str, set[str]]) -> str:
    start = next(iter(remaining))
    path = [start]
    node = start
    while True:
        node = next(iter(remaining[node]))
        if node in path:
            cycle = path[path.index(node):] + [node]
            return " -> ".join(cycle)
        path.append(node)


