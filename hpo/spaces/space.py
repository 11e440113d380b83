"""``Space``: named dimensions, their conditions, and one unit encoding for everyone."""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import keyword
import math
import operator
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from .conditions import Equals, OneOf, Predicate, Ref
from .dimensions import Categorical, Dimension, Float, Int, _Numeric
from .mapping import FunctionByName, Pack

if TYPE_CHECKING:  # pragma: no cover
    from .grid import Grid

__all__ = ["Space", "INACTIVE"]

#: The value every inactive parameter takes in the unit encoding. Which
#: parameters are active is decided from the parents, never from this marker;
#: it is a fixed, neutral point so that models compare branches consistently.
INACTIVE = 0.5

_INT_ENUMERATION_LIMIT = 100_000

Seed = "int | np.random.Generator | None"


class Space:
    """A search space: named dimensions plus declarative conditions.

    Parameters
    ----------
    dims : mapping of str to Dimension, optional
        Dimensions by name, for names that are not Python identifiers
        (``{"clf__C": Float(1e-3, 1e3, log=True)}``). May be combined with
        keyword dimensions.
    to_params : callable or Pack, optional
        Turns a configuration into estimator parameters, for example
        ``Pack("hidden_layer_sizes", ["units_0", "units_1"], drop=["n_layers"])``.
        Identity when not given.
    **kw_dims : Dimension
        Dimensions by name; declaration order is kept.

    Notes
    -----
    A configuration is a plain ``dict`` of the *active* parameters only. The
    unit encoding (:meth:`encode`, :meth:`decode`) has one column per
    dimension in declaration order; inactive entries hold :data:`INACTIVE`.
    Dependent ranges are encoded relative to the range that holds for that
    configuration, so every point of the unit box decodes to a valid
    configuration.

    Examples
    --------
    >>> from hpo import Space, Float, Int, Categorical, at_least, ref
    >>> space = Space(
    ...     n_layers=Int(1, 3),
    ...     units_0=Int(8, 256, log=True),
    ...     units_1=Int(8, ref("units_0"), log=True).when(n_layers=at_least(2)),
    ...     solver=Categorical(["adam", "sgd"]),
    ... )
    >>> config = space.sample(1, seed=0)[0]
    >>> config in space
    True
    """

    def __init__(
        self,
        dims: Mapping[str, Dimension] | None = None,
        /,
        *,
        to_params: Callable[[dict], dict] | None = None,
        **kw_dims: Dimension,
    ) -> None:
        merged: dict[str, Dimension] = {}
        if dims is not None:
            if not isinstance(dims, Mapping):
                raise TypeError(f"Space() takes a mapping of name to dimension, got {type(dims).__name__}")
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
            if not isinstance(dim, Dimension):
                hint = " (use Categorical([...]) for a list of choices)" if isinstance(dim, (list, tuple)) else ""
                raise TypeError(f"{name}: expected a Float, Int or Categorical, got {dim!r}{hint}")
        if to_params is not None and not callable(to_params):
            raise TypeError(f"to_params must be callable, got {to_params!r}")
        if isinstance(to_params, Pack):  # a typo here would only show inside the estimator
            for name in (*to_params.names, *to_params.drop):
                if name not in merged:
                    raise ValueError(f"to_params {to_params!r} names unknown parameter {name!r}; known: {list(merged)}")
        self._dims = merged
        self._names = list(merged)
        self._index = {name: j for j, name in enumerate(self._names)}
        self._to_params = to_params
        self._check_definitions()
        self._order = self._topological_order()
        self._static = {}
        for name in self._order:
            self._static[name] = self._static_range(name)
        self._check_references()
        self._check_conditions()
        self._tables = self._condition_tables()

    # ------------------------------------------------------------------ basics
    @property
    def names(self) -> list[str]:
        """Parameter names in declaration order (the columns of the encoding)."""
        return list(self._names)

    @property
    def dims(self) -> Mapping[str, Dimension]:
        """Read-only mapping of name to dimension, in declaration order."""
        return MappingProxyType(self._dims)

    def __len__(self) -> int:
        return len(self._names)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __getitem__(self, name: str) -> Dimension:
        try:
            return self._dims[name]
        except KeyError:
            raise KeyError(f"unknown parameter {name!r}; known: {self._names}") from None

    def __contains__(self, item: object) -> bool:
        """``config in space``: whether a configuration is valid (a name: whether it is declared)."""
        if isinstance(item, str):
            return item in self._dims
        try:
            self.validate(item)  # type: ignore[arg-type]
        except (ValueError, TypeError):
            return False
        return True

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Space)
            and self._names == other._names
            and all(self._dims[n] == other._dims[n] for n in self._names)
            and self._to_params == other._to_params
        )

    def __hash__(self) -> int:
        return hash(tuple((n, self._dims[n]) for n in self._names))

    def __repr__(self) -> str:
        to_params = "" if self._to_params is None else f"to_params={_callable_name(self._to_params)},"
        if all(name.isidentifier() and not keyword.iskeyword(name) for name in self._names):
            lines = [f"    {name}={self._dims[name]!r}," for name in self._names]
            lines += [f"    {to_params}"] if to_params else []
            return "Space(\n" + "\n".join(lines) + "\n)"
        # names such as 'model.C' cannot be keywords: show the mapping form, still valid Python
        lines = [f"    {name!r}: {self._dims[name]!r}," for name in self._names]
        return "Space({\n" + "\n".join(lines) + "\n}" + (f", {to_params[:-1]}" if to_params else "") + ")"

    @property
    def conditional(self) -> bool:
        """Whether any parameter is conditional."""
        return any(d.conditions for d in self._dims.values())

    @property
    def is_finite(self) -> bool:
        """Whether the space holds finitely many configurations (no float ranges)."""
        return all(not isinstance(d, Float) or self._static[n][0] == self._static[n][1]
                   for n, d in self._dims.items())

    def parents(self, name: str) -> list[str]:
        """The parameters ``name`` depends on (by condition or reference)."""
        return self[name].parents

    def children(self, name: str) -> list[str]:
        """The parameters that depend on ``name``."""
        self[name]
        return [n for n in self._names if name in self._dims[n].parents]

    # ------------------------------------------------------------- definition
    def _check_definitions(self) -> None:
        for name, dim in self._dims.items():
            errors = dim.definition_errors()  # type: ignore[attr-defined]
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

    # ---------------------------------------------------------------- decode
    def _columns(self, U: np.ndarray) -> tuple[dict, dict]:
        """Decode a unit array column by column, parents first.

        Returns native values (floats for numeric dims, choice indices for
        categoricals) and activity masks, both keyed by name.
        """
        n = U.shape[0]
        values: dict[str, np.ndarray] = {}
        active: dict[str, np.ndarray] = {}
        with np.errstate(all="ignore"):
            for name in self._order:
                dim = self._dims[name]
                act = self._activity(name, values, active, n)
                u = U[:, self._index[name]]
                if isinstance(dim, Categorical):
                    vals = dim.from_unit(u)
                else:
                    low, high = self._bounds(name, values, active, act)
                    vals = np.where(act, dim.from_unit(u, low, high), np.nan)
                values[name] = vals
                active[name] = act
        return values, active

    def _activity(self, name: str, values: dict, active: dict, n: int) -> np.ndarray:
        act = np.ones(n, dtype=bool)
        for parent, pred in self._dims[name].conditions.items():
            table = self._tables.get((name, parent))
            holds = table[values[parent]] if table is not None else pred.mask(values[parent])
            act &= active[parent] & holds
        return act

    def _bounds(self, name: str, values: dict, active: dict, act: np.ndarray) -> tuple[Any, Any]:
        dim = self._dims[name]
        assert isinstance(dim, _Numeric)
        if not dim.refs:
            return dim.low, dim.high
        low = values[dim.low.name] if isinstance(dim.low, Ref) else dim.low
        high = values[dim.high.name] if isinstance(dim.high, Ref) else dim.high
        low, high = dim.resolve(np.asarray(low, dtype=float), np.asarray(high, dtype=float))
        empty = act & ~(low <= high)
        if empty.any():
            i = int(np.flatnonzero(empty)[0])
            lo = low if np.ndim(low) == 0 else low[i]
            hi = high if np.ndim(high) == 0 else high[i]
            parents = ", ".join(f"{r}={_show(values[r][i])}" for r in dim.refs)
            raise ValueError(
                f"{name}: the range [{_show(lo)}, {_show(hi)}] is empty when {parents} "
                f"(declared {dim!r})"
            )
        # Rows where the child is inactive may carry a parent's NaN: give them the static range.
        lo_s, hi_s = self._static[name]
        low = np.where(act, low, lo_s) if np.ndim(low) else low
        high = np.where(act, high, hi_s) if np.ndim(high) else high
        return low, high

    def _configs(self, values: dict, active: dict, n: int) -> list[dict]:
        """Plain-Python configuration dicts from decoded columns."""
        A = np.column_stack([active[name] for name in self._names])
        out: list[dict] = [None] * n  # type: ignore[list-item]
        conditional = np.array([bool(self._dims[name].conditions) for name in self._names])
        if A[:, conditional].all():
            patterns, inverse = np.ones((1, len(self._names)), dtype=bool), np.zeros(n, dtype=np.int64)
        else:
            codes = _pattern_codes(A[:, conditional])
            _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
            patterns = A[first]
        dicts: list[dict] = []
        order = []
        for p, pattern in enumerate(patterns):
            rows = np.flatnonzero(inverse == p) if len(patterns) > 1 else np.arange(n)
            names = tuple(self._names[j] for j in np.flatnonzero(pattern))
            columns = [self._plain_column(name, values[name][rows]) for name in names]
            if len(patterns) == 1:
                return _dict_builder(names)(columns)
            dicts += _dict_builder(names)(columns)
            order.append(rows)
        # back to the rows' order
        out[:] = map(dicts.__getitem__, np.argsort(np.concatenate(order), kind="stable").tolist())
        return out

    def _plain_column(self, name: str, column: np.ndarray) -> list:
        dim = self._dims[name]
        if isinstance(dim, Categorical):
            return dim.values_of(column)
        if isinstance(dim, Int):
            return column.astype(np.int64).tolist()
        return column.tolist()

    def decode(self, U: np.ndarray | Sequence[Sequence[float]]) -> list[dict]:
        """Configurations from points of the unit box (one row each).

        Values outside ``[0, 1]`` are clipped; entries of inactive parameters
        are ignored. Every row decodes to a valid configuration.

        Parameters
        ----------
        U : array of shape (n, len(space))

        Returns
        -------
        list of dict
        """
        U = self._check_unit(U)
        values, active = self._columns(U)
        with _gc_paused():
            return self._configs(values, active, U.shape[0])

    def active_mask(self, U: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
        """Which parameters are active at each point of the unit box: bool array (n, d)."""
        U = self._check_unit(U)
        _, active = self._columns(U)
        return np.column_stack([active[name] for name in self._names])

    def snap(self, U: np.ndarray | Sequence[Sequence[float]]) -> tuple[np.ndarray, np.ndarray]:
        """The canonical unit point of the configuration each row decodes to, and its activity.

        ``snap(U)[0]`` equals ``encode(decode(U))`` up to the rounding of floats,
        without building configurations: integers and categoricals move to the
        centre of their bins, inactive parameters to :data:`INACTIVE`, float
        columns stay as given (clipped to ``[0, 1]``). Model-based strategies
        use it to compare candidates as the space will see them.

        Returns
        -------
        U : float array (n, d)
        active : bool array (n, d)
        """
        U = self._check_unit(U)
        values, active = self._columns(U)
        out = np.array(U, dtype=float)
        with np.errstate(all="ignore"):
            for name in self._order:
                dim = self._dims[name]
                j, act = self._index[name], active[name]
                if isinstance(dim, Categorical):
                    out[:, j] = dim.to_unit(values[name])
                elif isinstance(dim, Int):
                    low, high = self._bounds(name, values, active, act)
                    out[:, j] = dim.to_unit(np.where(act, values[name], low), low, high)
                elif dim.refs:  # a dependent range can be tiny or one value: re-encode the decoded value
                    low, high = self._bounds(name, values, active, act)
                    out[:, j] = dim.to_unit(np.where(act, values[name], low), low, high)
                out[:, j] = np.where(act, out[:, j], INACTIVE)
        return out, np.column_stack([active[name] for name in self._names]) if self._names else np.ones((len(U), 0), bool)

    def _check_unit(self, U: Any) -> np.ndarray:
        U = np.asarray(U, dtype=float)
        if U.ndim == 1 and len(self._names) > 0 and U.shape[0] == len(self._names):
            U = U[None, :]
        if U.ndim != 2 or U.shape[1] != len(self._names):
            raise ValueError(
                f"expected an array of shape (n, {len(self._names)}) for parameters {self._names}, "
                f"got shape {U.shape}"
            )
        if np.isnan(U).any():
            raise ValueError("the unit array holds NaN")
        return np.clip(U, 0.0, 1.0)

    def sample(self, n: int = 1, seed: int | np.random.Generator | None = None) -> list[dict]:
        """``n`` random configurations (log dimensions log-uniform), each valid.

        Parameters
        ----------
        n : int
            How many.
        seed : int, numpy Generator or None
            An int or ``None`` starts a new Generator; a Generator is used (and advanced).
        """
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
            raise ValueError(f"n must be a non-negative int, got {n!r}")
        rng = np.random.default_rng(seed)
        return self.decode(rng.random((int(n), len(self._names))))

    # ---------------------------------------------------------------- encode
    def encode(self, configs: Iterable[Mapping[str, Any]]) -> np.ndarray:
        """Points of the unit box for valid configurations: float array (n, d).

        Each column is one parameter in declaration order, on its own unit
        scale (log-aware; integers and categoricals at the centre of their
        bins); inactive parameters hold :data:`INACTIVE`. Invalid
        configurations raise the error :meth:`validate` gives.
        """
        configs = list(configs)
        n = len(configs)
        d = len(self._names)
        U = np.full((n, d), INACTIVE)
        if n == 0:
            return U
        if not set(map(type, configs)) <= {dict}:  # (the fast check; the loop names the culprit)
            for i, c in enumerate(configs):
                if not isinstance(c, Mapping):
                    raise TypeError(f"configuration #{i}: expected a dict, got {type(c).__name__}")
        with _gc_paused():
            parts, unknown_rows = self._gather(configs)
        values: dict[str, np.ndarray] = {}
        active: dict[str, np.ndarray] = {}
        with np.errstate(all="ignore"):
            for name in self._order:
                dim = self._dims[name]
                present = np.zeros(n, dtype=bool)
                for rows, _ in parts[name]:
                    present[rows] = True
                act = self._activity(name, values, active, n)
                if not np.array_equal(present, act):
                    self._raise_first_invalid(configs, np.flatnonzero(present != act))
                if isinstance(dim, Categorical):
                    idx = np.zeros(n, dtype=np.int64)
                    for rows, given in parts[name]:
                        idx[rows] = dim.indices_of(given)
                    if (idx < 0).any():
                        self._raise_first_invalid(configs, np.flatnonzero(idx < 0))
                    values[name] = idx
                    u = dim.to_unit(idx)
                else:
                    vals = np.full(n, np.nan)
                    for rows, given in parts[name]:
                        if not _numeric_types_ok(dim, given):
                            self._raise_first_invalid(configs, rows)
                        vals[rows] = given
                    low, high = self._bounds(name, values, active, act)
                    bad = act & ~((vals >= low) & (vals <= high))
                    if bad.any():
                        self._raise_first_invalid(configs, np.flatnonzero(bad))
                    values[name] = vals
                    u = dim.to_unit(vals, low, high)
                active[name] = act
                U[:, self._index[name]] = np.where(act, u, INACTIVE)
        if len(unknown_rows):
            self._raise_first_invalid(configs, unknown_rows)
        return U

    def _gather(self, configs: list) -> tuple[dict[str, list], np.ndarray]:
        """The given values by parameter, read row by row: ``{name: [(rows, values), ...]}``.

        Configurations with the same keys (in the same order) are read together
        with ``map(itemgetter(name), group)``, several times faster than a
        ``get`` per parameter and configuration in a comprehension. Also returns
        the rows with unknown names.
        """
        n = len(configs)
        # one label per distinct key tuple (the row of its first appearance), in one pass
        code_of: dict[tuple, int] = {}
        codes = np.fromiter(map(code_of.setdefault, map(tuple, configs), itertools.count()), dtype=np.int64,
                            count=n)
        by_code = np.argsort(codes, kind="stable")
        sorted_codes = codes[by_code]
        parts: dict[str, list] = {name: [] for name in self._names}
        unknown = []
        for pattern, p in code_of.items():
            rows = by_code[np.searchsorted(sorted_codes, p):np.searchsorted(sorted_codes, p, side="right")]
            if any(k not in self._dims for k in pattern):
                unknown.append(rows)
                continue
            if not pattern:
                continue
            group = list(map(configs.__getitem__, rows.tolist()))
            for name in pattern:
                parts[name].append((rows, list(map(operator.itemgetter(name), group))))
        unknown_rows = np.sort(np.concatenate(unknown)) if unknown else np.zeros(0, dtype=np.int64)
        return parts, unknown_rows

    def _raise_first_invalid(self, configs: list, rows: np.ndarray) -> None:
        for i in rows.tolist():
            try:
                self.validate(configs[i])
            except (ValueError, TypeError) as exc:
                raise type(exc)(f"configuration #{i}: {exc}") from None
        raise ValueError(f"configuration #{int(rows[0])} is not valid in this space")  # pragma: no cover

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

    # ---------------------------------------------------------------- params
    def to_params(self, config: Mapping[str, Any]) -> dict:
        """Estimator parameters for a configuration (identity without ``to_params``)."""
        if self._to_params is None:
            return dict(config)
        params = self._to_params(dict(config))
        if not isinstance(params, Mapping):
            raise TypeError(
                f"to_params {_callable_name(self._to_params)} must return a dict, got {type(params).__name__}"
            )
        return dict(params)

    # ------------------------------------------------------------------ grid
    def grid(
        self,
        resolution: int | Mapping[str, int] = 5,
        *,
        values: Mapping[str, Sequence[Any]] | None = None,
        max_size: int = 1_000_000,
    ) -> "Grid":
        """Every valid, distinct configuration of a grid over the space.

        Parameters
        ----------
        resolution : int or mapping of name to int, default 5
            Points per continuous dimension (log-spaced for log dimensions);
            integer ranges with at most ``max(resolution, 10)`` values are enumerated whole.
        values : mapping of name to list, optional
            Explicit grid values for some parameters (checked against the space).
        max_size : int, default 1,000,000
            A grid larger than this raises ``ValueError`` before anything is built.

        Returns
        -------
        Grid
            A sized, indexable iterable of configurations.
        """
        from .grid import Grid

        return Grid(self, resolution=resolution, values=values, max_size=max_size)

    def cardinality(self, max_size: int = 1_000_000) -> int | None:
        """How many configurations a finite space holds (None for float ranges or beyond ``max_size``)."""
        if not self.is_finite:
            return None
        # a resolution that enumerates every Int range whole (the grid refuses ranges over max_size)
        widest = max(
            (int(self._static[n][1] - self._static[n][0]) + 1 for n, d in self._dims.items() if isinstance(d, Int)),
            default=1,
        )
        try:
            return len(self.grid(resolution=widest, max_size=max_size))
        except ValueError:
            return None

    # ------------------------------------------------------------ serialize
    def to_dict(self) -> dict:
        """A JSON-compatible description; :meth:`from_dict` gives an equal space back."""
        return {
            "parameters": [{"name": n, **self._dims[n].to_dict()} for n in self._names],
            "to_params": _to_params_to_dict(self._to_params),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, to_params: Callable[[dict], dict] | None = None) -> "Space":
        """Inverse of :meth:`to_dict`; never imports or calls anything the description names.

        Parameters
        ----------
        d : mapping
            A description written by :meth:`to_dict` (a JSON file, a study's record).
        to_params : callable, optional
            The mapping to use. A stored :class:`Pack` is rebuilt from the
            description; a stored *function* is kept by name only (a
            :class:`~hpo.spaces.mapping.FunctionByName` that raises when
            called), since importing what a file names could run any code:
            pass the function here to map configurations.
        """
        if not isinstance(d, Mapping) or "parameters" not in d:
            raise ValueError("a space description needs a 'parameters' list")
        dims = {}
        for p in d["parameters"]:
            p = dict(p)
            name = p.pop("name")
            dims[name] = Dimension.from_dict(p)
        stored = _to_params_from_dict(d.get("to_params"))
        return cls(dims, to_params=stored if to_params is None else to_params)


# ---------------------------------------------------------------- helpers
def _pattern_codes(A: np.ndarray) -> np.ndarray:
    """An integer per row that is equal for equal rows of a bool array."""
    n, d = A.shape
    codes = np.zeros(n, dtype=np.int64)
    for start in range(0, d, 62):
        block = A[:, start:start + 62].astype(np.int64)
        word = (block << np.arange(block.shape[1], dtype=np.int64)).sum(axis=1)
        if start == 0:
            codes = word
        else:  # combine with the earlier words through their ranks (stays below n**2)
            _, codes = np.unique(codes * (n + 1) + np.unique(word, return_inverse=True)[1], return_inverse=True)
    return codes


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while many acyclic containers are made.

    Building 100,000 configuration dicts (or the lists that read them) otherwise
    sets off collections that walk every live object, a fifth of the time of
    ``sample`` or ``encode``. The dicts hold plain values, so they form no cycles.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@functools.lru_cache(maxsize=1024)
def _dict_builder(names: tuple[str, ...]) -> Callable[[list], list[dict]]:
    """A function turning columns (one list per name) into a list of dicts with these keys.

    Generated code with a dict display (``{'a': _0, 'b': _1}`` in a comprehension)
    builds the dicts about a third faster than ``dict(zip(names, row))``: it is
    the main cost of decoding many configurations. Names enter the code only as
    ``repr`` string literals.
    """
    targets = ", ".join(f"_{j}" for j in range(len(names))) + ","
    display = ", ".join(f"{name!r}: _{j}" for j, name in enumerate(names))
    source = f"def build(columns):\n    return [{{{display}}} for {targets} in zip(*columns)]\n"
    namespace: dict[str, Any] = {}
    exec(source, namespace)  # noqa: S102 - the names are string literals
    return namespace["build"]


def _safe_holds(pred: Predicate, value: Any) -> bool:
    try:
        return bool(pred.holds(value))
    except TypeError:
        return False


def _numeric_types_ok(dim: Dimension, given: list) -> bool:
    types = set(map(type, given))
    allowed = {int} if isinstance(dim, Int) else {int, float}
    if types <= allowed:
        return all(map(math.isfinite, given)) if float in types else True
    return all(dim.check_value(v, -math.inf, math.inf) is None for v in given)


def _show(value: Any) -> str:
    value = value.item() if isinstance(value, (np.generic, np.ndarray)) else value  # 0-d arrays too
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


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


def _callable_name(fn: Any) -> str:
    if isinstance(fn, Pack):
        return repr(fn)
    if isinstance(fn, FunctionByName):
        return fn.name
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", None)
    return f"{module}:{qualname}" if module and qualname else repr(fn)


def _to_params_to_dict(fn: Any) -> Any:
    if fn is None:
        return None
    if isinstance(fn, Pack):
        return {"pack": fn.to_dict()}
    return {"function": _callable_name(fn)}


def _to_params_from_dict(d: Any) -> Any:
    """The stored mapping: None, a Pack (declarative), or a function's name (never imported)."""
    if d is None:
        return None
    if isinstance(d, Mapping) and isinstance(d.get("pack"), Mapping):
        return Pack.from_dict(d["pack"])
    if isinstance(d, Mapping) and isinstance(d.get("function"), str) and d["function"]:
        return FunctionByName(d["function"])
    raise ValueError(f"a space's to_params is stored as {{'pack': {{...}}}} or {{'function': 'module:name'}}, got {d!r}")
