"""Grid search over ``space.grid()``, in a seeded shuffled order or the declared order."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from .._constraints import Options, check_options
from ..spaces import Space
from .base import Strategy

__all__ = ["GridSearch"]


class GridSearch(Strategy):
    """Every configuration of the space's grid, once; finished when exhausted.

    Parameters
    ----------
    space : Space
    seed : int, Generator or None
        Seeds the shuffled order.
    resolution : int or mapping of name to int, default 5
        Points per continuous dimension (see :meth:`Space.grid`).
    values : mapping of name to list, optional
        Explicit grid values for some parameters.
    order : {"shuffled", "declared"}, default "shuffled"
        A seeded random order (a search cut short by ``n_trials`` or a timeout
        still covers the whole grid evenly) or the grid's own order.
    max_size : int, default 1,000,000
        A larger grid is an error.

    Examples
    --------
    >>> from hpo import Space, Float, Categorical
    >>> from hpo.strategies import GridSearch
    >>> space = Space(x=Float(0, 1), kernel=Categorical(["linear", "rbf"]))
    >>> strategy = GridSearch(space, resolution=3, order="declared")
    >>> strategy.max_trials
    6
    >>> [c.config for c in strategy.ask(2)]
    [{'x': 0.0, 'kernel': 'linear'}, {'x': 0.0, 'kernel': 'rbf'}]
    """

    name = "grid"
    enumerates = True
    _constraints = {"order": [Options(["shuffled", "declared"])]}

    def __init__(
        self,
        space: Space,
        *,
        seed=None,
        resolution: int | Mapping[str, int] = 5,
        values: Mapping[str, Sequence[Any]] | None = None,
        order: str = "shuffled",
        max_size: int = 1_000_000,
    ) -> None:
        super().__init__(space, seed=seed)
        check_options(self._constraints, order=order)
        self.grid = self.space.grid(resolution=resolution, values=values, max_size=max_size)
        self.order = order
        self._permutation = self.rng.permutation(len(self.grid)) if order == "shuffled" else None
        self._next = 0

    @property
    def finished(self) -> bool:
        return self._next >= len(self.grid)

    @property
    def max_trials(self) -> int:
        return len(self.grid)

    def _ask(self, n: int) -> list[dict]:
        stop = min(self._next + n, len(self.grid))
        positions = range(self._next, stop)
        self._next = stop
        if self._permutation is None:
            return [self.grid[i] for i in positions]
        return [self.grid[int(self._permutation[i])] for i in positions]
