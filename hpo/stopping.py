"""Stop rules: when ``trial.should_stop()`` says yes inside an objective ``objective(config, trial)``.

A strategy decides a candidate's rule when it is *asked* (from the trials
told before), and the rule travels with the candidate
(:attr:`hpo.Candidate.stop_rule`) to whatever process runs the objective:
``should_stop()`` is answered there, from the rule and the values the run
reported, with no message back to the search process. So it costs
microseconds, works the same inline, in threads, in hpo's worker processes
and on Dask, and the same seed gives the same trials.

Two kinds of rule:

- a *pause* (:class:`PauseAt`, given by ``"halving"``, ``"hyperband"`` and
  ``"asha"`` to a candidate whose budget is below the full budget): the run
  has reached its rung. It returns its value there and is an ``ok`` trial at
  that budget (raising :class:`hpo.TrialPruned` there, Optuna's idiom, is the
  same: ok, valued at its last report); a state it saves (``trial.save``) is
  kept for its promotion.
- a *prune* (:class:`MedianRule`, given by ``"median"``): the run is losing.
  Whether the objective then returns or raises :class:`hpo.TrialPruned`,
  the trial is recorded as ``pruned`` with the curve it reported.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Mapping

__all__ = ["StopRule", "PauseAt", "MedianRule", "pause_at"]


class StopRule:
    """A rule that says when a run should stop; small and picklable (it travels with its candidate).

    Subclasses implement :meth:`stop` and :meth:`describe`; ``pauses`` says
    whether stopping is a pause at a rung (the run is ok, its state kept for a
    promotion) or a prune (the run ends as ``pruned``).
    """

    pauses: ClassVar[bool] = False

    def stop(self, step: float, best_loss: float, sign: float) -> bool:
        """Whether to stop after a report at ``step``.

        ``best_loss`` is the best value reported so far as a loss (``sign *
        value``; ``sign`` is -1 when the search maximizes).
        """
        raise NotImplementedError

    def describe(self, step: float, best_loss: float, sign: float) -> str:
        """Why the run stopped at ``step`` (the pruned trial's message)."""
        return f"stopped at step {step!r}"


class PauseAt(StopRule):
    """Pause once a reported step reaches ``budget`` (a rung below the full budget)."""

    __slots__ = ("budget",)
    pauses = True

    def __init__(self, budget: float) -> None:
        self.budget = budget

    def stop(self, step: float, best_loss: float, sign: float) -> bool:
        return step >= self.budget

    def describe(self, step: float, best_loss: float, sign: float) -> str:
        return f"paused at step {step!r}, its budget {self.budget!r}"

    def __reduce__(self) -> Any:
        return (PauseAt, (self.budget,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PauseAt) and other.budget == self.budget

    def __hash__(self) -> int:
        return hash(("PauseAt", self.budget))

    def __repr__(self) -> str:
        return f"PauseAt({self.budget!r})"


def pause_at(budget: float | None, max_budget: float | None) -> PauseAt | None:
    """The rule of a rung candidate: :class:`PauseAt` when ``budget`` is below ``max_budget``, else None."""
    if budget is None or max_budget is None or not budget < max_budget:
        return None
    return PauseAt(budget)


class MedianRule(StopRule):
    """Prune a run whose best value so far is worse than the median of earlier runs at the same step.

    Optuna's ``MedianPruner``: at a reported step of at least ``min_steps``
    where earlier completed runs reported values, the run is pruned when its
    best value so far is worse than their median there.

    Parameters
    ----------
    medians : mapping of step to float
        The median, over the completed runs told before this candidate was
        asked, of the value each reported at that step (the objective's own
        direction).
    min_steps : float, default 0
        No stop at a step below this (warm-up).
    n_runs : int, default 0
        How many runs the medians come from (for the message).
    """

    __slots__ = ("medians", "min_steps", "n_runs")

    def __init__(self, medians: Mapping[float, float], min_steps: float = 0, n_runs: int = 0) -> None:
        self.medians = dict(medians)
        self.min_steps = min_steps
        self.n_runs = int(n_runs)

    def stop(self, step: float, best_loss: float, sign: float) -> bool:
        if step < self.min_steps:
            return False
        median = self.medians.get(step)
        return median is not None and best_loss > sign * median

    def describe(self, step: float, best_loss: float, sign: float) -> str:
        median = self.medians.get(step, math.nan)
        return (f"pruned at step {step!r}: its best value so far {sign * best_loss:.6g} is worse than the median "
                f"{median:.6g} of {self.n_runs} earlier runs at that step")

    def __reduce__(self) -> Any:
        return (MedianRule, (self.medians, self.min_steps, self.n_runs))

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, MedianRule) and other.medians == self.medians
                and other.min_steps == self.min_steps and other.n_runs == self.n_runs)

    def __hash__(self) -> int:
        return hash(("MedianRule", self.min_steps, self.n_runs, len(self.medians)))

    def __repr__(self) -> str:
        return f"MedianRule({len(self.medians)} steps, min_steps={self.min_steps!r}, n_runs={self.n_runs})"
