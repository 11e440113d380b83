"""Random and quasi-random (scrambled Sobol) search through the space's unit encoding."""

from __future__ import annotations

import inspect
import warnings
from collections import deque

import numpy as np
from scipy.stats import qmc

from ..spaces import Space
from .base import Strategy

__all__ = ["RandomSearch", "SobolSearch"]


class _UnitStreamSearch(Strategy):
    """Candidates decoded from a stream of points of the unit box, without duplicates.

    The stream is drawn in fixed-size chunks, so the same seed gives the same
    candidates whatever ``n`` each ``ask`` uses. A finite space (no float
    ranges) ends the search once every configuration was asked; a space where
    ``max_misses`` draws in a row were all duplicates counts as exhausted too.
    """

    chunk = 64
    distinct = True

    def __init__(self, space: Space, *, seed=None, max_misses: int = 10_000) -> None:
        super().__init__(space, seed=seed)
        self.max_misses = int(max_misses)
        self._buffer: deque = deque()

    def draw(self, k: int) -> np.ndarray:
        """The next ``k`` points of the unit box from this strategy's stream (neither decoded nor de-duplicated)."""
        raise NotImplementedError

    def _ask(self, n: int) -> list[dict]:
        out: list[dict] = []
        misses = 0
        while len(out) < n and not self.finished:
            if not self._buffer:
                self._buffer.extend(self.space.decode(self.draw(self.chunk)))
            config = self._buffer.popleft()
            if self._is_seen(config):
                misses += 1
                if misses >= self.max_misses:
                    self._exhausted = True
                continue
            misses = 0
            self._mark_seen(config)
            out.append(config)
        return out


class RandomSearch(_UnitStreamSearch):
    """Uniform random search (log-uniform on log dimensions), never repeating a configuration.

    Parameters
    ----------
    space : Space
    seed : int, Generator or None
    max_misses : int, default 10,000
        Consecutive duplicate draws after which the space counts as exhausted.

    Examples
    --------
    >>> from hpo import Space, Float, Int
    >>> from hpo.strategies import RandomSearch
    >>> space = Space(lr=Float(1e-4, 1e-1, log=True), depth=Int(1, 3))
    >>> [(round(c.config["lr"], 5), c.config["depth"]) for c in RandomSearch(space, seed=0).ask(3)]
    [(0.00814, 1), (0.00013, 1), (0.02753, 3)]

    A finite space ends the search once every configuration was asked:

    >>> strategy = RandomSearch(Space(depth=Int(1, 3)), seed=0)
    >>> sorted(c.config["depth"] for c in strategy.ask(10)), strategy.finished
    ([1, 2, 3], True)
    """

    name = "random"

    def draw(self, k: int) -> np.ndarray:
        return self.rng.random((k, len(self.space)))


class SobolSearch(_UnitStreamSearch):
    """Quasi-random search: a scrambled Sobol sequence (``scipy.stats.qmc``) mapped through the space.

    Fills the unit box more evenly than random points; conditions and
    dependent ranges are respected because every point decodes to a valid
    configuration.

    Parameters
    ----------
    space : Space
    seed : int, Generator or None
        Seeds the scrambling.
    max_misses : int, default 10,000

    Examples
    --------
    Eight points on ``[0, 1]``, one in each eighth of it:

    >>> from hpo import Space, Float
    >>> from hpo.strategies import SobolSearch
    >>> strategy = SobolSearch(Space(x=Float(0, 1)), seed=0)
    >>> sorted(int(c.config["x"] * 8) for c in strategy.ask(8))
    [0, 1, 2, 3, 4, 5, 6, 7]
    """

    name = "sobol"

    def __init__(self, space: Space, *, seed=None, max_misses: int = 10_000) -> None:
        super().__init__(space, seed=seed, max_misses=max_misses)
        d = len(space)
        if "rng" in inspect.signature(qmc.Sobol).parameters:
            self._sobol = qmc.Sobol(d, scramble=True, rng=self.rng)
        else:  # scipy < 1.15
            self._sobol = qmc.Sobol(d, scramble=True, seed=self.rng)

    def draw(self, k: int) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # chunks are powers of two; the warning is about n
            return self._sobol.random(k)
