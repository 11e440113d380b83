"""``Space``: named dimensions and their conditions, with one unit encoding for everyone.

The class is put together from one module per job: :mod:`._checks` (building
and validating), :mod:`._encoding` (the unit box, :data:`INACTIVE`) and
:mod:`._serialize` (``to_dict``/``from_dict``, which never load code).
"""

from __future__ import annotations

import keyword
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Callable, Iterator, Sequence

from ._checks import SpaceChecks, merge_dimensions
from ._encoding import INACTIVE, UnitEncoding
from ._serialize import SpaceSerialization, callable_name
from .sklearn_forms import not_a_space
from .dimensions import Dimension, Float, Int
from .grid import Grid

__all__ = ["Space", "INACTIVE", "as_space"]


class Space(SpaceChecks, UnitEncoding, SpaceSerialization):
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
        merged = merge_dimensions(dims, kw_dims, to_params)
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
    def dependency_order(self) -> list[str]:
        """Parameter names with every parent before its children (ties in declaration order).

        The order in which conditions and references are resolved: a strategy
        that decides parameters one at a time (as a tree of choices) walks it.
        """
        return list(self._order)

    @property
    def mapping(self) -> Callable[[dict], dict] | None:
        """The ``to_params`` mapping given (a :class:`~hpo.spaces.Pack`, a function), or None for identity.

        A space read from a stored description holds a stored function as a
        :class:`~hpo.spaces.mapping.FunctionByName`. :meth:`to_params` applies it.
        """
        return self._to_params

    def widest_range(self, name: str) -> tuple[float, float]:
        """The smallest and largest value numeric parameter ``name`` can take, whatever its parents hold."""
        dim = self[name]
        rng = self._static[name]
        if rng is None:
            raise TypeError(f"{name} is {type(dim).__name__}, which has no range")
        return rng

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
        to_params = "" if self._to_params is None else f"to_params={callable_name(self._to_params)},"
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

    # ---------------------------------------------------------------- params
    def to_params(self, config: Mapping[str, Any]) -> dict:
        """Estimator parameters for a configuration (identity without ``to_params``)."""
        if self._to_params is None:
            return dict(config)
        params = self._to_params(dict(config))
        if not isinstance(params, Mapping):
            raise TypeError(
                f"to_params {callable_name(self._to_params)} must return a dict, got {type(params).__name__}"
            )
        return dict(params)

    # ------------------------------------------------------------------ grid
    def grid(
        self,
        resolution: int | Mapping[str, int] = 5,
        *,
        values: Mapping[str, Sequence[Any]] | None = None,
        max_size: int = 1_000_000,
    ) -> Grid:
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


def as_space(space: Any) -> "Space":
    """``space`` as a Space: a Space as given, a mapping (of dimensions, or scikit-learn's lists and
    distributions) built into one; anything else a TypeError (:func:`~hpo.spaces.sklearn_forms.not_a_space`)."""
    if isinstance(space, Mapping):
        space = Space(space)
    if not isinstance(space, Space):
        raise not_a_space(space)
    return space
