"""The base of successive halving, Hyperband and ASHA (:class:`MultiFidelity`): rungs, plan, sampler, adaptation.

It holds the budget range and its rungs, the trial plan (``n_trials``), the
sampler of new configurations, and the adaptation of the start rung.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

from .._constraints import N_TRIALS, check_options
from ..spaces import Space
from ..stopping import pause_at
from ..trial import OK, Candidate, Trial
from .base import Strategy
from .fidelity import FidelityMonitor, SmallBudgetWarning, Verdict, check_adapt
from .registry import make_strategy
from .rungs import Bracket, Entry, rung_budgets

__all__ = ["MultiFidelity", "RANKS_WELL", "TRUST_PAIRS"]

#: The corrected rank correlation with the next rung from which a rung's results steer a model-based sampler.
RANKS_WELL = 0.5
#: Configurations measured at a rung and the next before the rung's results may steer a model-based sampler.
TRUST_PAIRS = 10


class MultiFidelity(Strategy):
    """The budget range, ``eta``, the trial plan and the sampler shared by the multi-fidelity strategies."""

    plans_n_trials = True
    takes_budget = True
    _constraints = {"n_trials": N_TRIALS}

    def __init__(self, space: Space, *, seed=None, eta: float = 3, min_budget: float = 1, max_budget: float = 81,
                 n_trials: int | None = None, sampler: Any = "random", sampler_options: dict | None = None,
                 adapt: bool | str = False) -> None:
        super().__init__(space, seed=seed)
        self.adapt = check_adapt(adapt)
        check_options(MultiFidelity._constraints, n_trials=n_trials)
        self.n_trials = None if n_trials is None else int(n_trials)
        self.eta = eta
        self.min_budget = min_budget
        self.max_budget = max_budget
        self.budgets = rung_budgets(min_budget, max_budget, eta)
        if len(self.budgets) == 1:  # halving then runs one candidate ("exhaust"), ASHA a random search
            warnings.warn(
                f"{self.name!r}: min_budget={min_budget!r} and max_budget={max_budget!r} (a Tuner's min_resource and "
                f"max_resource) with eta={eta!r} leave one budget, {self.budgets[0]!r}: every candidate trains at it "
                f"and none is stopped early. Give a min_budget (min_resource) of at most max_budget / eta "
                f"({max_budget / eta:g}) for a multi-fidelity search, or use "
                "a strategy without budgets (\"bayes\", \"random\")", UserWarning, stacklevel=3,
            )
        # The sampler shares this strategy's Generator: one seeded stream for everything.
        self.sampler = make_strategy(sampler, self.space, seed=self.rng, options=sampler_options)
        self._observe = getattr(self.sampler, "observe", None)
        if hasattr(self.sampler, "budget_filter"):  # a model-based sampler learns only from budgets that rank well
            self.sampler.budget_filter = self.ranks_well
        self._entries: dict[int, Entry] = {}
        self._n_entries = 0
        self.fidelity = FidelityMonitor(self.budgets, eta, times=adapt != "ranks")
        self.adaptations: list[dict] = []
        self._start_level = 0  # the rung new configurations start at (raised by the adaptation, never lowered)
        self._released: list[dict] = []  # configurations whose run ended (see take_released)

    def ranks_well(self, budget: Any) -> bool:
        """Whether results at ``budget`` may steer a model-based sampler: the full budget (and any budget that is
        no rung) always; a smaller rung once the configurations promoted from it rank at the next rung as they did
        there (Spearman correlation, corrected to the whole rung, at least ``RANKS_WELL`` two standard errors below
        the measured one, over at least ``TRUST_PAIRS`` configurations), and no measured pair of rungs above it ranks
        otherwise (measured below ``RANKS_WELL``; :meth:`~hpo.strategies.fidelity.FidelityMonitor.agreement`).

        A model fitted on a budget whose ranks are a coin toss steers the search to configurations that only look
        good there: worse than drawing them at random (BENCHMARKS.md, "Your own training loop").
        """
        level = self.fidelity.level_of(budget)
        if level is None or level == len(self.budgets) - 1:
            return True
        got = self.fidelity.rank_correlation(level)
        here = self.fidelity.agreement(level, sds=2.0)
        if here is None or here < RANKS_WELL or got[2] < TRUST_PAIRS:
            return False
        above = (self.fidelity.agreement(k) for k in range(level + 1, len(self.budgets) - 1))
        return all(r is None or r >= RANKS_WELL for r in above)

    def _sampler_exhausted(self) -> bool:
        return self.sampler.finished

    def _draw(self, m: int) -> list[Entry]:
        """Up to ``m`` new configurations from the sampler."""
        if m <= 0 or self.sampler.finished:
            return []
        out = []
        for c in self.sampler.ask(m):
            entry = Entry(self._n_entries, dict(c.config), c)
            self._n_entries += 1
            self._entries[entry.id] = entry
            out.append(entry)
        return out

    def _forget(self, bracket: Bracket) -> None:
        """Drop the entries whose run in ``bracket`` ended."""
        for entry in bracket.ended:
            self._entries.pop(entry.id, None)
            self._released.append(entry.config)
        bracket.ended.clear()

    def _stop_rule(self, proposal: Candidate) -> Any:
        """A candidate below the full budget pauses at its rung (``trial.should_stop()``, :mod:`hpo.stopping`)."""
        return pause_at(proposal.budget, self.max_budget)

    @property
    def ends_by_itself(self) -> bool:
        # a finite plan (halving, n_brackets, max_candidates, n_trials), or a sampler that comes to its end (a
        # finite space, or a user's sampler with a finished of its own), as MedianStopping asks its sampler
        return self.max_trials is not None or self.sampler.ends_by_itself

    def take_released(self) -> list[dict]:
        out, self._released = self._released, []
        return out

    def _report(self, entry: Entry, trial: Trial) -> None:
        """Tell the sampler the first trial of its configuration; ``observe`` the later ones."""
        if not entry.told:
            entry.told = True
            self.sampler.tell(self._as_sampler_trial(entry, trial))
        elif self._observe is not None:
            self._observe(self._as_sampler_trial(entry, trial))

    @staticmethod
    def _as_sampler_trial(entry: Entry, trial: Trial) -> Trial:
        return trial.told_as(entry.origin)

    @staticmethod
    def _loss(trial: Trial) -> float | None:
        return trial.loss if trial.status == OK and trial.loss is not None else None

    # ------------------------------------------------ the adaptation (hpo.strategies.fidelity)
    @property
    def start_budget(self) -> float:
        """The budget new configurations start at: ``min`` of the rungs, raised by the adaptation."""
        return self.budgets[self._start_level]

    def adaptation_summary(self) -> dict:
        """What the adaptation measured and decided, as plain data.

        Returns
        -------
        dict
            ``adapt`` (the option), ``start_budget`` (in force now), ``adaptations`` (each decision, as in
            :attr:`adaptations`) and ``rungs`` (per rung: budget, ok trials, cost, rank correlation with the next
            rung, :meth:`~hpo.strategies.fidelity.FidelityMonitor.summary`).
        """
        return {"adapt": self.adapt, "start_budget": self.start_budget, "adaptations": list(self.adaptations),
                **self.fidelity.summary()}

    def _watch(self, entry: Entry, trial: Trial) -> None:
        """Measure the trial; with ``adapt``, give up the start rung while it does not pay (judged on each new pair)."""
        if not self.fidelity.record(entry.id, trial) or not self.adapt:
            return
        verdict = self.fidelity.verdict(self._start_level)
        if verdict is not None and not verdict.pays:
            self._give_up(verdict)

    def _give_up(self, verdict: Verdict) -> None:
        """New configurations start at the verdict's best rung from now on; recorded, logged, and warned the first
        time."""
        self._start_level = verdict.best_level
        top = self._start_level == len(self.budgets) - 1
        record = {"told": len(self.trials), "trial": self.trials[-1].number, "from_budget": self.budgets[verdict.level],
                  "to_budget": self.start_budget, "rho": verdict.rho, "cost_ratio": verdict.cost_ratio,
                  "value_here": verdict.value_here, "value_next": verdict.value_next, "full_budget_only": top}
        self.adaptations.append(record)
        what = "samples at the full budget only" if top else f"starts new configurations at budget {self.start_budget:g}"
        ranks = (f"rank configurations about {verdict.rho:.2f} as the full budget does" if verdict.rho > 0.005 else
                 "do not rank configurations as the full budget does (estimated rank correlation 0 or below)")
        message = (f"{self.name}: budget {record['from_budget']:g} does not pay: its results {ranks}, and a start "
                   f"there costs {verdict.cost_ratio:.2f} of one at the next rung, so for the same compute starting "
                   f"there is expected to find a best {verdict.value_here:.2f} standard deviations better than a "
                   f"random configuration, against {verdict.value_next:.2f} starting higher (more is better); "
                   f"after {record['told']} trials it {what}")
        logging.getLogger("hpo").info(message)
        if len(self.adaptations) == 1:
            warnings.warn(message + " (strategy.adaptations has the figures; adapt=False turns this off)",
                          SmallBudgetWarning, stacklevel=2)
