"""``"median"``: every configuration at the full budget, stopped early when it is worse than the median.

The median stopping rule (Golovin et al., 2017; Optuna's ``MedianPruner``)
for objectives that report their learning curve, ``objective(config,
trial)``: each candidate carries, as its stop rule
(:class:`hpo.stopping.MedianRule`), the median of the values that the
completed runs told before it reported at each step; ``trial.should_stop()``
says yes once the run's best value so far is worse than that median at its
last reported step, and the trial ends as ``pruned``. The rule is decided
when the candidate is asked, so that the same seed gives the same trials.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._constraints import Interval, check_options
from ..spaces import Space
from ..stopping import MedianRule
from ..trial import OK, Candidate, Trial
from .base import Strategy
from .registry import make_strategy, register

__all__ = ["MedianStopping"]


@register
class MedianStopping(Strategy):
    """New configurations from a sampler, each run at ``max_budget`` and stopped when worse than the median.

    Parameters
    ----------
    space : Space
    seed : int, Generator or None
    max_budget : float, optional
        Every candidate's budget (``trial.budget``: the epochs of a full run).
        None: candidates carry no budget and the objective decides how long a
        full run is.
    min_steps : float, default 0
        Warm-up: no run is stopped at a step below this.
    n_startup : int, default 5
        No run is stopped until this many runs have completed (as Optuna's
        ``n_startup_trials``).
    sampler : str, Strategy class or instance, default "random"
        Where configurations come from (any registered strategy; it is told
        every trial, a pruned one as pruned).
    sampler_options : dict, optional
        Options of the sampler.

    Notes
    -----
    A step's median is taken over the completed (ok) runs that reported a
    value at that very step, as Optuna's ``MedianPruner``; a step no
    completed run reported never stops a run. With an objective that does
    not take a ``trial``, this is the sampler at ``max_budget``.

    Examples
    --------
    >>> import hpo
    >>> def objective(config, trial):  # a parameter named `trial` gets a handle
    ...     for step in range(1, 11):
    ...         loss = (config["x"] - 0.3) ** 2 + 1 / step
    ...         trial.report(step, loss)
    ...         if trial.should_stop():  # worse than the median of the completed runs at this step
    ...             break
    ...     return loss
    >>> result = hpo.optimize(objective, hpo.Space(x=hpo.Float(0, 1)), "median", n_trials=20, seed=0,
    ...                       strategy_options={"max_budget": 10})
    >>> result.n_ok, result.n_pruned
    (11, 9)
    """

    name = "median"
    _constraints = {
        "max_budget": [Interval(float, 0, closed="neither"), None],
        "min_steps": [Interval(float, 0)],
        "n_startup": [Interval(int, 0)],
    }

    def __init__(self, space: Space, *, seed=None, max_budget: float | None = None, min_steps: float = 0,
                 n_startup: int = 5, sampler: Any = "random", sampler_options: dict | None = None) -> None:
        super().__init__(space, seed=seed)
        check_options(self._constraints, max_budget=max_budget, min_steps=min_steps, n_startup=n_startup)
        self.max_budget = max_budget
        self.min_steps = min_steps
        self.n_startup = int(n_startup)
        # The sampler shares this strategy's Generator: one seeded stream for everything.
        self.sampler = make_strategy(sampler, self.space, seed=self.rng, options=sampler_options)
        self._origin: dict[int, Candidate] = {}  # candidate id -> the sampler's candidate
        self._values: dict[Any, list[float]] = {}  # step -> values completed runs reported there
        self._n_complete = 0
        self._rule: MedianRule | None = None  # for the next candidates (None: recompute)

    @property
    def finished(self) -> bool:
        return self.sampler.finished

    @property
    def max_trials(self) -> int | None:
        return self.sampler.max_trials

    @property
    def ends_by_itself(self) -> bool:
        return self.sampler.ends_by_itself

    @property
    def space_size(self) -> int | None:
        return self.sampler.space_size

    def _current_rule(self) -> MedianRule | None:
        if self._n_complete < max(1, self.n_startup):
            return None
        if self._rule is None:
            medians = {step: float(np.median(v)) for step, v in self._values.items()}
            self._rule = MedianRule(medians, self.min_steps, self._n_complete)
        return self._rule

    def _ask(self, n: int) -> list[Candidate]:
        rule = self._current_rule()
        out = []
        for c in self.sampler.ask(n):
            candidate = Candidate(dict(c.config), self.max_budget, 0, {}, rule)
            self._origin[self._n_asked + len(out)] = c
            out.append(candidate)
        return out

    def _tell(self, trial: Trial) -> None:
        origin = self._origin.pop(trial.candidate.id, None)
        if origin is not None:
            self.sampler.tell(trial.told_as(origin))
        if trial.status == OK and trial.intermediate:
            for step, value in trial.intermediate:
                self._values.setdefault(step, []).append(float(value))
            self._n_complete += 1
            self._rule = None
