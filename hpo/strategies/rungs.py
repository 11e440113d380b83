"""The rungs of the multi-fidelity strategies: budgets (:func:`rung_budgets`) and one round of halving (:class:`Bracket`).

:class:`Entry` is a configuration on its way up the rungs.
"""

from __future__ import annotations

import math
import numbers
from collections import deque
from typing import Any, Callable

from .._constraints import Interval, check_options
from ..trial import Candidate

__all__ = ["rung_budgets", "Entry", "Bracket"]


#: What :func:`rung_budgets` accepts.
_constraints = {
    "min_budget": [Interval(float, 0, closed="neither")],
    "max_budget": [Interval(float, 0, closed="neither")],
    "eta": [Interval(float, 1, closed="neither")],
}


def _whole(value: Any) -> bool:
    return isinstance(value, numbers.Integral) or float(value).is_integer()


def rung_budgets(min_budget: float, max_budget: float, eta: float) -> list:
    """The budgets of the rungs, smallest first: ``max_budget * eta**-k`` down to ``min_budget``.

    Whole numbers (ints) when both ends are; the last is always ``max_budget``.

    >>> rung_budgets(1, 81, 3)
    [1, 3, 9, 27, 81]
    >>> rung_budgets(5, 200, 3)
    [7, 22, 67, 200]
    """
    check_options(_constraints, min_budget=min_budget, max_budget=max_budget, eta=eta)
    if min_budget > max_budget:
        raise ValueError(f"min_budget={min_budget!r} is larger than max_budget={max_budget!r}")
    k = int(math.floor(math.log(max_budget / min_budget) / math.log(eta) + 1e-9))
    raw = [max_budget / eta ** (k - i) for i in range(k + 1)]
    if _whole(min_budget) and _whole(max_budget):
        out: list = []
        for b in raw[:-1] + [max_budget]:
            v = max(int(min_budget), int(round(b)))
            if not out or v > out[-1]:
                out.append(v)
        return out
    return [float(b) for b in raw[:-1]] + [float(max_budget)]


class Entry:
    """A configuration on its way up the rungs (and the sampler's candidate it came from)."""

    __slots__ = ("id", "config", "origin", "told")

    def __init__(self, id: int, config: dict, origin: Candidate) -> None:
        self.id = id
        self.config = config
        self.origin = origin
        self.told = False


class Bracket:
    """One round of successive halving: rungs of budgets, each keeping the best ``keep(n)`` of ``n``.

    Rung 0 draws its entries lazily (so that a model-based sampler sees the
    latest results); a rung is complete when nothing of it is left to ask or
    running, and then promotes the best ok entries (failed ones never).
    """

    def __init__(self, index: int, budgets: list, n0: int, keep: Callable[[int], int]) -> None:
        self.index = index
        self.budgets = list(budgets)
        self.n0 = int(n0)
        self.keep = keep
        self.rung = 0
        self.drawn = 0
        self.closed = self.n0 <= 0  # rung 0 gets no more entries
        self.queue: deque = deque()
        self.results: list = []
        self.running = 0
        self.sizes: list[int] = []
        self.done = self.closed
        self.taken = 0  # candidates asked from this bracket (counted by its strategy)
        self.ended: list[Entry] = []  # entries whose run ended (drained by the strategy)

    @property
    def waiting(self) -> bool:
        """Nothing to ask now, but trials of the current rung are running."""
        if self.done:
            return False
        if self.rung == 0:
            return self.closed and self.running > 0
        return not self.queue and self.running > 0

    def take(self, k: int, draw: Callable[[int], list], exhausted: Callable[[], bool]) -> list:
        """Up to ``k`` ``(entry, rung, budget)`` to ask now."""
        out: list = []
        while len(out) < k and not self.done:
            rung = self.rung
            if rung == 0:
                if self.closed:
                    break
                m = min(k - len(out), self.n0 - self.drawn)
                items = draw(m)
                self.drawn += len(items)
                if self.drawn >= self.n0 or (len(items) < m and exhausted()):
                    self.closed = True
            else:
                items = [self.queue.popleft() for _ in range(min(k - len(out), len(self.queue)))]
            self.running += len(items)
            out += [(e, rung, self.budgets[rung]) for e in items]
            self._advance()  # rung 0 may have closed with every trial told already
            if not items and self.rung == rung:
                break
        return out

    def record(self, entry: Entry, loss: float | None, asked: int) -> None:
        """A trial of the current rung finished (``asked``: its candidate's position in the ask order)."""
        self.running -= 1
        # ties go to the candidate asked first, whatever order the trials are told in
        self.results.append((math.inf if loss is None else float(loss), asked, entry))
        self._advance()

    def _complete(self) -> bool:
        if self.running:
            return False
        return self.closed if self.rung == 0 else not self.queue

    def _advance(self) -> None:
        ended = self.ended
        while not self.done and self._complete():
            ranked = sorted(r for r in self.results if math.isfinite(r[0]))
            promoted = [e for _, _, e in ranked[: self.keep(len(self.results))]]
            keep_ids = {e.id for e in promoted}
            self.sizes.append(len(self.results))
            self.rung += 1
            if self.rung >= len(self.budgets):
                promoted, keep_ids = [], set()
            ended += [e for _, _, e in self.results if e.id not in keep_ids]
            self.results = []
            if not promoted:
                self.done = True
            else:
                self.queue = deque(promoted)
