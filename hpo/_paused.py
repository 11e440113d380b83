"""Paused models: the fitted models of candidates that may be promoted, kept within a bound.

A continuing resource (:mod:`hpo.resources`) pauses a candidate's models at
its budget; a promoted candidate continues from them. See the notes of
:mod:`hpo.resources` for what is kept and what it costs.
"""

from __future__ import annotations

import bisect
import itertools
import threading
from typing import Any

import numpy as np

__all__ = ["PausedModels"]


class PausedModels:
    """The fitted models of candidates that may be promoted, bounded to ``max_paused`` candidates.

    Keyed by configuration; each entry holds the amount of resource reached
    and one model per validation split. When full, the entry whose score
    ranks worst among all the scores seen at its own amount is dropped
    (the newest first among equals: successive halving promotes the earliest
    of equal scores). Thread-safe; pickles empty (a worker
    process starts with no paused model).
    """

    def __init__(self, max_paused: int) -> None:
        self.max_paused = int(max_paused)
        self._entries: dict[Any, tuple[int, list, float, int]] = {}
        self._scores: dict[int, list[float]] = {}
        self._lock = threading.Lock()
        self._clock = itertools.count()
        #: How many entries were dropped to stay within ``max_paused``.
        self.dropped = 0

    def take(self, key: Any, amount: int) -> tuple[int, list] | None:
        """Remove and return ``(done, models)`` of ``key`` if it paused at ``done <= amount``."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] > amount:
                return None
            del self._entries[key]
            return entry[0], entry[1]

    def peek(self, key: Any) -> tuple[int, list] | None:
        """``(amount, models)`` paused for ``key``, left in place (None if there is none)."""
        with self._lock:
            entry = self._entries.get(key)
            return None if entry is None else (entry[0], entry[1])

    def note(self, amount: int, score: float) -> None:
        """Record a score seen at ``amount`` (the ranking that decides what to drop)."""
        if not np.isfinite(score):
            return
        with self._lock:
            bisect.insort(self._scores.setdefault(amount, []), float(score))

    def put(self, key: Any, amount: int, models: list, score: float) -> None:
        """Keep ``models`` of ``key`` paused at ``amount`` (dropping the worst-ranked entry when full)."""
        if self.max_paused <= 0:
            return
        with self._lock:
            self._entries[key] = (amount, models, float(score) if np.isfinite(score) else -np.inf,
                                  next(self._clock))
            while len(self._entries) > self.max_paused:
                worst = max(self._entries, key=self._badness)
                del self._entries[worst]
                self.dropped += 1

    def _badness(self, key: Any) -> tuple[float, int]:
        amount, _, score, tick = self._entries[key]
        seen = self._scores.get(amount, [])
        better = len(seen) - bisect.bisect_right(seen, score)
        return (better / max(1, len(seen)), tick)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Any) -> bool:
        return key in self._entries

    def amounts(self) -> dict:
        """``{key: amount}`` of the paused entries."""
        with self._lock:
            return {k: v[0] for k, v in self._entries.items()}

    def nbytes(self) -> int:
        """An estimate of the memory held: the bytes of every numpy array reachable from the models."""
        with self._lock:
            models = [m for entry in self._entries.values() for m in entry[1]]
        return _nbytes(models, set())

    def __getstate__(self) -> dict:
        return {"max_paused": self.max_paused}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["max_paused"])


def _nbytes(obj: Any, seen: set) -> int:
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return int(obj.nbytes)
    if isinstance(obj, (list, tuple, set)):
        return sum(_nbytes(o, seen) for o in obj)
    if isinstance(obj, dict):
        return sum(_nbytes(o, seen) for o in obj.values())
    state = getattr(obj, "__dict__", None)
    if isinstance(state, dict):
        return sum(_nbytes(o, seen) for o in state.values())
    return 0
