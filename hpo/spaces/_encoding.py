"""The unit-box encoding of a Space: encode/decode, ``INACTIVE``, dependent ranges, sampling.

One encoding serves every strategy: a configuration is a row in the unit box
with one column per parameter in declaration order, :data:`INACTIVE` for
inactive parameters, and a dependent range encoded relative to the range that
holds for that row, so every point of the box decodes to a valid
configuration. A mixin of :class:`~hpo.spaces.Space`.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import math
import operator
from collections.abc import Mapping
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from .conditions import Ref
from .dimensions import Categorical, Dimension, Int, _Numeric

__all__ = ["INACTIVE", "UnitEncoding"]

#: The value every inactive parameter takes in the unit encoding. Which
#: parameters are active is decided from the parents, never from this marker;
#: it is a fixed, neutral point so that models compare branches consistently.
INACTIVE = 0.5


class UnitEncoding:
    """Encoding, decoding, snapping and sampling configurations (a mixin of ``Space``)."""

    _dims: dict[str, Dimension]
    _names: list[str]
    _index: dict[str, int]
    _order: list[str]
    _static: dict[str, tuple[float, float] | None]
    _tables: dict[tuple[str, str], np.ndarray]

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
        with ``map(itemgetter(name), group)`` rather than a ``get`` per
        parameter and configuration (speed: BENCHMARKS.md, "Search space:
        sampling and encoding"). Also returns the rows with unknown names.
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

    Building many configuration dicts (or the lists that read them) otherwise
    sets off collections that walk every live object (speed: BENCHMARKS.md,
    "Search space: sampling and encoding"). The dicts hold plain values, so they form no cycles.
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
    builds the dicts faster than ``dict(zip(names, row))``, the main cost of
    decoding many configurations (speed: BENCHMARKS.md, "Search space:
    sampling and encoding"). Names enter the code only as ``repr`` string literals.
    """
    targets = ", ".join(f"_{j}" for j in range(len(names))) + ","
    display = ", ".join(f"{name!r}: _{j}" for j, name in enumerate(names))
    source = f"def build(columns):\n    return [{{{display}}} for {targets} in zip(*columns)]\n"
    namespace: dict[str, Any] = {}
    exec(source, namespace)  # noqa: S102 - the names are string literals
    return namespace["build"]



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


