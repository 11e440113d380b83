"""``Grid``: every valid, distinct configuration of a grid over a space."""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Mapping
from typing import Any, Iterator, Protocol, Sequence

from .._constraints import Interval, check_options
from .conditions import typed_key
from .._scalars import plain_scalar
from .dimensions import Categorical, Dimension, Float, _Numeric

__all__ = ["Grid"]


class _Space(Protocol):
    """What a grid reads of a :class:`~hpo.spaces.Space` (declared here: the space module imports this one)."""

    @property
    def names(self) -> list[str]: ...

    @property
    def dependency_order(self) -> list[str]: ...

    def __contains__(self, item: object) -> bool: ...

    def __getitem__(self, name: str) -> Dimension: ...

    def bounds(self, name: str, config: Mapping[str, Any]) -> tuple[Any, Any]: ...

    def is_active(self, name: str, config: Mapping[str, Any]) -> bool: ...

    def widest_range(self, name: str) -> tuple[float, float]: ...


#: What the grid's options accept (checked with :func:`hpo._constraints.check_options`).
_constraints = {
    "max_size": [Interval(int, 1)],
    "resolution": [Interval(int, 1)],
}


class Grid:
    """A sized, indexable iterable of the grid's configurations.

    The space splits into independent groups of parameters (linked by
    conditions or references); each group's valid partial configurations are
    enumerated once, and the grid is their product, so ``len`` is known before
    anything is yielded and ``grid[i]`` costs one lookup per group. Children
    appear only under parents that activate them, so no two configurations
    are equal. Build it with :meth:`Space.grid`.

    Examples
    --------
    >>> from hpo import Space, Int, Categorical, at_least
    >>> space = Space(n_layers=Int(1, 3), units_1=Categorical([32, 64]).when(n_layers=at_least(2)))
    >>> grid = space.grid()
    >>> grid
    <Grid of 5 configurations over ['n_layers', 'units_1']>
    >>> grid[1]
    {'n_layers': 2, 'units_1': 32}
    >>> for config in grid:
    ...     print(config)
    {'n_layers': 1}
    {'n_layers': 2, 'units_1': 32}
    {'n_layers': 2, 'units_1': 64}
    {'n_layers': 3, 'units_1': 32}
    {'n_layers': 3, 'units_1': 64}
    """

    def __init__(
        self,
        space: _Space,
        resolution: int | Mapping[str, int] = 5,
        values: Mapping[str, Sequence[Any]] | None = None,
        max_size: int = 1_000_000,
    ) -> None:
        self.space = space
        check_options(_constraints, max_size=max_size)
        self.max_size = int(max_size)
        self._resolution = self._check_resolution(resolution)
        self._values = self._check_values(values or {})
        self._groups = [self._enumerate(group) for group in self._components()]
        self._sizes = [len(g) for g in self._groups]
        size = math.prod(self._sizes)
        if size > self.max_size:
            raise ValueError(
                f"the grid has {size:,} configurations, over max_size={self.max_size:,}; "
                "lower the resolution, give explicit values, or raise max_size"
            )
        self._size = size

    # ----------------------------------------------------------- checks
    def _check_resolution(self, resolution: Any) -> dict[str, int]:
        names = self.space.names
        if isinstance(resolution, Mapping):
            for name in resolution:
                if name not in self.space:
                    raise ValueError(f"resolution names unknown parameter {name!r}; known: {names}")
            default = 5
            per = {f"resolution[{n!r}]": resolution.get(n, default) for n in names}
            check_options(dict.fromkeys(per, _constraints["resolution"]), **per)
            return {n: int(resolution.get(n, default)) for n in names}
        check_options(_constraints, resolution=resolution)
        return {n: int(resolution) for n in names}

    def _check_values(self, values: Mapping[str, Sequence[Any]]) -> dict[str, list]:
        out = {}
        for name, vals in values.items():
            if name not in self.space:
                raise ValueError(f"values names unknown parameter {name!r}; known: {self.space.names}")
            if isinstance(vals, (str, bytes)) or not hasattr(vals, "__iter__"):
                raise TypeError(f"values[{name!r}] must be a list of values, got {vals!r}")
            vals = [plain_scalar(v) for v in vals]  # configurations hold plain Python values
            if not vals:
                raise ValueError(f"values[{name!r}] is empty")
            dim = self.space[name]
            low, high = (None, None)
            if isinstance(dim, _Numeric):
                low, high = self.space.widest_range(name)
            for v in vals:
                message = dim.check_value(v, low, high)  # type: ignore[arg-type]
                if message:
                    raise ValueError(f"values[{name!r}]: {message}")
            distinct: dict = {}
            for v in vals:  # first occurrences, keeping True apart from 1
                distinct.setdefault(typed_key(v), v)
            out[name] = list(distinct.values())
        return out

    # ----------------------------------------------------- enumeration
    def _components(self) -> list[list[str]]:
        """Groups of parameters linked by conditions or references, each in dependency order."""
        space = self.space
        group = {n: n for n in space.names}

        def find(n: str) -> str:
            while group[n] != n:
                group[n] = group[group[n]]
                n = group[n]
            return n

        for n in space.names:
            for p in space[n].parents:
                group[find(n)] = find(p)
        members: dict[str, list[str]] = {}
        for n in space.dependency_order:
            members.setdefault(find(n), []).append(n)
        column = {n: j for j, n in enumerate(space.names)}
        first = {root: min(column[n] for n in ns) for root, ns in members.items()}
        return [members[root] for root in sorted(members, key=first.get)]

    def _points(self, name: str, partial: Mapping[str, Any]) -> list:
        dim = self.space[name]
        explicit = self._values.get(name)
        if isinstance(dim, Categorical):
            return explicit if explicit is not None else list(dim.choices)
        assert isinstance(dim, _Numeric)
        low, high = self.space.bounds(name, partial)
        if low > high:
            refs = ", ".join(f"{r}={partial[r]!r}" for r in dim.refs)
            raise ValueError(f"{name}: the range [{low}, {high}] is empty when {refs}")
        if explicit is not None:
            return [v for v in explicit if low <= v <= high]
        # Count before building: one dimension over the limit is a grid over the limit.
        if low == high:
            count = 1
        elif isinstance(dim, Float):
            count = self._resolution[name]
        else:
            count = min(self._resolution[name], int(high) - int(low) + 1)
        if count > self.max_size:
            raise ValueError(
                f"the grid has over max_size={self.max_size:,} configurations: {name} alone takes "
                f"{count:,} values; lower the resolution or raise max_size"
            )
        return dim.grid_values(low, high, self._resolution[name])

    def _enumerate(self, names: list[str]) -> list[dict]:
        out: list[dict] = []
        partial: dict[str, Any] = {}
        space = self.space

        def visit(k: int) -> None:
            if k == len(names):
                out.append(dict(partial))
                if len(out) > self.max_size:
                    raise ValueError(
                        f"the grid has over max_size={self.max_size:,} configurations "
                        f"in the parameters {names}; lower the resolution or raise max_size"
                    )
                return
            name = names[k]
            if not space.is_active(name, partial):
                visit(k + 1)
                return
            for v in self._points(name, partial):
                partial[name] = v
                visit(k + 1)
            partial.pop(name, None)

        visit(0)
        return out

    # --------------------------------------------------------- sequence
    def __len__(self) -> int:
        return self._size

    def _merge(self, parts: Sequence[dict]) -> dict:
        merged: dict[str, Any] = {}
        for part in parts:
            merged.update(part)
        if len(parts) == 1:
            return merged
        return {n: merged[n] for n in self.space.names if n in merged}

    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):  # as a list or range slices: a list of configurations
            return [self[j] for j in range(*i.indices(self._size))]
        if not isinstance(i, numbers.Integral):
            raise TypeError(f"grid indices are integers or slices, got {type(i).__name__}")
        if i < 0:
            i += self._size
        if not 0 <= i < self._size:
            raise IndexError(f"grid index {i} out of range for a grid of {self._size}")
        parts = []
        for group, size in zip(reversed(self._groups), reversed(self._sizes)):
            i, r = divmod(i, size)
            parts.append(group[r])
        return self._merge(parts[::-1])

    def __iter__(self) -> Iterator[dict]:
        for parts in itertools.product(*self._groups):
            yield self._merge(parts)

    def __repr__(self) -> str:
        return f"<Grid of {self._size:,} configurations over {self.space.names}>"

