"""The cost guard of Bayesian optimization: model proposals kept to a share of the evaluation time.

A Gaussian process's proposal costs milliseconds to a few tenths of a second,
growing with the observations; an objective may take a microsecond. As the
default strategy, ``"auto"`` (Bayesian optimization with ``cost_guard=0.1``)
must not make a cheap objective's long search crawl. :class:`CostGuard` times
each model proposal and each evaluation and judges at fixed points of the
search: after ``first_check`` (64) evaluations, and each time their number
doubles (128, 256, ...). When the median model proposal costs more than
``share`` of the median evaluation, only one proposal in ``every`` comes from
the model (the others from the strategy's Sobol stream, at no model cost),
with ``every`` the smallest power of two that keeps the model's cost per
trial within the share (at most ``MAX_EVERY``). ``every`` goes back down when
evaluations grow slower. The first switch is logged and warned once
(:class:`SlowSuggestionWarning`) and every change recorded in ``changes``.

The guard reads the clock, so a seed replays the same trials only until its
first switch. The fixed judging points and powers of two keep that rare: a
search shorter than ``first_check`` never switches, and an objective far
cheaper or far dearer than the model gets the same decisions on a loaded
machine as on an idle one; only one whose cost is near the threshold may
switch in one run and not in the next. ``strategy="bayes"`` (no guard)
replays exactly whatever the timings.
"""

from __future__ import annotations

import logging
import math
import statistics
import warnings
from collections import deque

__all__ = ["CostGuard", "SlowSuggestionWarning", "FIRST_CHECK", "MAX_EVERY"]

#: The guard first judges after this many evaluations, then each time their number doubles.
FIRST_CHECK = 64
#: At most one proposal in this many comes from the model when it is too slow (a power of two).
MAX_EVERY = 64


class SlowSuggestionWarning(UserWarning):
    """The model's proposals cost more than their share of the evaluation time: fewer come from it.

    Examples
    --------
    A microsecond objective: Bayesian optimization's proposals cost far more
    than a tenth of that, so the default strategy proposes from the model only
    now and then (the first switch is warned). By default the guard first
    judges after 64 evaluations; here after 16:

    >>> import warnings
    >>> import hpo
    >>> space = hpo.Space(x=hpo.Float(0, 1), y=hpo.Float(0, 1))
    >>> strategy = hpo.strategies.AutoStrategy(space, seed=0)
    >>> strategy.cost_guard.first_check = 16
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     result = hpo.optimize(lambda c: c["x"] + c["y"], space, strategy, n_trials=30)
    >>> [w.category.__name__ for w in caught]
    ['SlowSuggestionWarning']
    >>> strategy.cost_guard.every > 1
    True
    """


class CostGuard:
    """Times model proposals and evaluations; says how often the model may propose.

    Parameters
    ----------
    share : float
        The largest share of an evaluation's time a model proposal may cost,
        on average per trial (0.1: a tenth).
    name : str
        The strategy's name, for the message.
    first_check : int, default ``FIRST_CHECK`` (64)
        The guard judges after this many evaluations, then each time their
        number doubles.

    Attributes
    ----------
    every : int
        One proposal in ``every`` comes from the model (1: all of them).
    model_seconds : float
        The time model proposals have taken so far.
    next_check : int
        The number of evaluations at which the guard judges next.
    changes : list of dict
        Each change of ``every``: after how many evaluations (``told``), the
        median model proposal and evaluation in seconds, and the new ``every``.

    Examples
    --------
    >>> guard = CostGuard(0.1, first_check=8)
    >>> for _ in range(8):
    ...     guard.record_proposal(0.02)
    ...     guard.record_evaluation(0.01)
    >>> guard.every  # 0.02 s of model per 0.01 s evaluation: one proposal in 32 keeps it under a tenth
    32
    >>> guard.next_check
    16
    >>> [guard.model_turn() for _ in range(3)]
    [False, False, False]
    """

    def __init__(self, share: float, name: str = "bayes", first_check: int = FIRST_CHECK) -> None:
        self.share = float(share)
        self.name = name
        self.first_check = int(first_check)
        self._checked_at = 0  # the number of evaluations at the last judgement
        self.model_seconds = 0.0
        self.every = 1
        self.changes: list[dict] = []
        self._proposals: deque = deque(maxlen=10)
        self._evaluations: deque = deque(maxlen=32)
        self._told = 0
        self._since_model = 0

    def record_proposal(self, seconds: float) -> None:
        """A model proposal took ``seconds`` (its share of the fit included)."""
        self._proposals.append(float(seconds))
        self.model_seconds += float(seconds)
        self._since_model = 0

    def record_evaluation(self, seconds: float | None) -> None:
        """An evaluation took ``seconds`` (None: not timed, e.g. a trial replayed from a study)."""
        self._told += 1
        if seconds is not None and math.isfinite(seconds) and seconds >= 0:
            self._evaluations.append(float(seconds))
        if self._told >= self.next_check:
            self._checked_at = self._told
            self._reassess()

    @property
    def next_check(self) -> int:
        return self.first_check if not self._checked_at else 2 * self._checked_at

    def model_turn(self) -> bool:
        """Whether the next proposal comes from the model (always, until the guard switches)."""
        if self.every == 1:
            return True
        self._since_model += 1
        return self._since_model >= self.every

    def _reassess(self) -> None:
        if not self._proposals or not self._evaluations:
            return
        proposal = statistics.median(self._proposals)
        evaluation = max(statistics.median(self._evaluations), 1e-9)
        ratio = proposal / (self.share * evaluation)
        every = 1 if ratio <= 1 else int(min(2 ** math.ceil(math.log2(ratio)), MAX_EVERY))
        if every == self.every:
            return
        self.every = every
        self.changes.append({"told": self._told, "proposal_seconds": proposal, "evaluation_seconds": evaluation,
                             "every": every})
        message = (f"{self.name}: a model proposal costs {proposal:.3g} s against {evaluation:.3g} s per evaluation; "
                   + (f"after {self._told} evaluations one proposal in {every} comes from the model, the others "
                      f"from the Sobol stream, "
                      + (f"keeping the model to {self.share:.0%} of the evaluation time" if every < MAX_EVERY else
                         f"the most it backs off (the model still costs {proposal / every / evaluation:.0%} of "
                         "the evaluation time; 'random' or 'sobol' suit so cheap an objective)")
                      if every > 1 else f"after {self._told} evaluations every proposal comes from the model again"))
        logging.getLogger("hpo").info(message)
        if len(self.changes) == 1:
            warnings.warn(message + " (strategy.cost_guard.changes has the figures; strategy='bayes' or "
                          "cost_guard=None turns this off)", SlowSuggestionWarning, stacklevel=2)
