"""The trial log a search runs through: the ``TrialLog`` protocol, and ``LocalLog`` (a search without storage).

A design decision: the trial log drives ask and tell
------------------------------------------------------
:class:`~hpo.loop.SearchLoop` never calls ``strategy.ask`` or
``strategy.tell`` itself. It asks its trial log for candidates
(:meth:`TrialLog.claim`) and gives the log each finished trial
(:meth:`TrialLog.finish`); the log asks and tells the strategy. Without
storage the log is :class:`LocalLog`, which passes both straight through.
With storage the log is the study (:class:`hpo.storage.Study`): it claims
candidates (trials that a dead process abandoned first, then new asks),
records every ask and tell in the study's file as it happens, inside the
storage's write lock, and replays the stored asks and tells to a fresh
strategy when a search resumes, so that the strategy continues its stream
where it stopped instead of repeating it. Because the log, not the loop,
owns the order of asks and tells, several processes can share one study:
each applies what the others appended before it asks or tells, so every
process holds a replica of one logical strategy, candidates are never
proposed twice and trial numbers are never reused. (The alternative, the
loop asking and the storage only recording, cannot keep those replicas in
step: an ask of one process would not be seen by another's strategy.)
"""

from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable

from .strategies import Strategy
from .trial import Candidate, Trial

__all__ = ["TrialLog", "LocalLog"]


@runtime_checkable
class TrialLog(Protocol):
    """What a search asks, runs and tells through: the strategy's asks and tells go through the log.

    The study is the trial log: with storage, :class:`hpo.storage.Study`
    claims candidates, records each ask and tell as it happens, and replays
    them to a strategy on resume (and to the strategies of other processes
    that share the study); without storage, :class:`LocalLog` passes asks and
    tells straight to the strategy. See the module's docstring for why the
    log, not the loop, drives ask and tell.

    A search calls :meth:`open` once, then :meth:`claim`, :meth:`take_synced`
    and :meth:`finish` as trials start and end, and :meth:`close` once at
    the end.
    """

    def open(self, strategy: Strategy) -> list[Trial]:
        """Start with ``strategy`` (fresh); return the trials finished earlier (a resumed study's), in number order."""
        ...

    def claim(self, room: int, limit: int | None) -> tuple[list[tuple[int, Candidate]], str]:
        """Up to ``room`` trials to run now, as ``(number, candidate)``, and why there are fewer than ``room``.

        ``limit`` is the search's ``n_trials`` (for a stored study: in
        total), None for no limit. The reason is ``""`` (none),
        ``"limit"`` (the trials are all asked), ``"finished"`` (the
        strategy is done), ``"wait"`` (the strategy waits for trials that
        other processes run) or ``"stuck"`` (it proposes nothing and nothing
        runs elsewhere).
        """
        ...

    def finish(self, trial: Trial) -> bool:
        """Record a finished trial and tell the strategy; False when the trial was finished elsewhere first (drop it)."""
        ...

    def take_synced(self) -> list[Trial]:
        """The trials other processes finished since the last call (to add to this search's result)."""
        ...

    def close(self, unfinished: Sequence[int] = (), reason: str = "finished") -> list[Trial]:
        """End the search: trials ``unfinished`` (numbers) did not end here; return trials synced meanwhile.

        ``reason`` is ``"finished"``, ``"stopped"`` (trials still ran), ``"interrupted"`` (Ctrl-C) or
        ``"error"`` (an exception ended the search: a repeated failure, an objective that cannot be sent).
        """
        ...


class LocalLog:
    """The log of a search without storage: asks and tells go straight to the strategy."""

    def __init__(self, strategy: Strategy) -> None:
        self.strategy = strategy
        self.n = 0

    def open(self, strategy: Strategy) -> list[Trial]:
        """Nothing was stored: no earlier trials."""
        return []

    def claim(self, room: int, limit: int | None) -> tuple[list[tuple[int, Candidate]], str]:
        if limit is not None:
            room = min(room, limit - self.n)
            if room <= 0:
                return [], "limit"
        if self.strategy.finished:
            return [], "finished"
        candidates = self.strategy.ask(room)
        if not candidates:
            return [], "finished" if self.strategy.finished else "stuck"
        out = list(zip(range(self.n, self.n + len(candidates)), candidates))
        self.n += len(candidates)
        return out, ""

    def finish(self, trial: Trial) -> bool:
        self.strategy.tell(trial)
        return True

    def take_synced(self) -> list[Trial]:
        return []

    def close(self, unfinished: Sequence[int] = (), reason: str = "finished") -> list[Trial]:
        """Nothing to record: no other process shares this search."""
        return []
