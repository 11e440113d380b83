"""Do small budgets pay? Measured as a multi-fidelity search goes, and the adaptation that follows (``adapt``).

Successive halving, Hyperband and ASHA assume that a small budget ranks
configurations about as a large one would, for a fraction of the cost. Both
can fail: the first rounds of boosting or the first epochs favour fast
learners that later lose (the ranks *mislead*), and a fit on a few hundred
rows costs far more than its share of rows (fixed costs: binning, scoring
the validation part that never shrinks, per-iteration overhead). Then a
user who picks ``"asha"`` ends up worse than random search.

:class:`FidelityMonitor` measures, from the trials a strategy is told, at
each rung ``k`` (a budget of :func:`~hpo.strategies.halving.rung_budgets`):

* **how well rung k ranks candidates for rung k+1**: the Spearman
  correlation of the losses at ``k`` and ``k+1`` of the configurations that
  were evaluated at both (the promoted ones). Promoted configurations are the
  best of their rung, a restricted range, which lowers their correlation;
  the correlation the whole rung would show is estimated with Thorndike's
  correction for range restriction (case II), from how much the promoted
  configurations' normal scores at rung ``k`` vary against the whole rung's;
* **what a trial costs at rung k**: the median duration of its trials
  (``finished - started``), told apart into fits from scratch and
  continuations of a paused model (a trial whose ``metrics`` has
  ``resumed_from > 0``), or, without measured times, the resource units
  trained (``metrics["resource_units"]``) or else the budget.

**The rule** (:meth:`FidelityMonitor.verdict`). The losses of consecutive
rungs are modelled as a chain of standard bivariate normals with the
measured (corrected) correlations, each given the benefit of the doubt
(``confidence`` standard errors above the measured value); a pair not
measured yet (fewer than ``min_pairs`` configurations at both rungs) takes
the correlation of the nearest measured pair below it, so that a rung's
correlation with the full budget is the product of those from it up (a
rung's ranks must survive every rung above it). For each start rung ``k``
from the current one up, one round of successive halving (``eta**(S-k)``
configurations at ``k``, the best ``1/eta`` promoted rung by rung to the full
budget ``S``) is simulated (a fixed Monte Carlo, its own seed); its cost is
the measured cost per rung (a promotion costs a continuation where there
are any; a rung not measured yet costs the rung below's, scaled by the
budget). For the same compute (``eta`` rounds of the most expensive start),
the expected best full-budget value of as many rounds as that compute buys
is compared across start rungs; starting at ``S`` is random search at the
full budget. When a higher start rung wins, new configurations start there
from then on; the start never goes down again. No verdict is given before
the start rung's pair holds ``min_pairs`` configurations evaluated at both.

Every decision depends only on the trials told and their order, so with
costs from resource units or budgets (``adapt="ranks"``) the same seed gives
the same trials (one worker, ``tell_order="asked"``). Measured times
(``adapt=True``) vary from run to run, and so may the decisions.
"""

from __future__ import annotations

import functools
import math
import statistics
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from .._constraints import Options, check_options
from ..trial import OK, Trial

__all__ = ["FidelityMonitor", "Verdict", "SmallBudgetWarning", "check_adapt"]


class SmallBudgetWarning(UserWarning):
    """A multi-fidelity strategy gave up its smallest budget(s): they did not pay on this problem.

    Examples
    --------
    Budget 1 ranks configurations at random here, so ASHA ends up sampling at the full budget only:

    >>> import warnings
    >>> import hpo
    >>> def objective(config, budget):
    ...     x = config["x"]
    ...     return (x * 1000) % 1 if budget == 1 else (x - 0.3) ** 2
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     result = hpo.optimize(objective, hpo.Space(x=hpo.Float(0, 1)), "asha", n_trials=60, seed=0,
    ...                           strategy_options={"min_budget": 1, "max_budget": 9, "adapt": "ranks"})
    >>> [w.category.__name__ for w in caught]
    ['SmallBudgetWarning']
    >>> result.strategy_instance.adaptations[0]["to_budget"]
    9
    """


def check_adapt(adapt: Any) -> bool | str:
    """The ``adapt`` option checked: True, False or ``"ranks"``."""
    check_options({"adapt": [Options([True, False, "ranks"])]}, adapt=adapt)
    return adapt


def _expected_max(n: float) -> float:
    """The expected maximum of ``n`` (a real, >= 1) standard normal draws (Blom's approximation)."""
    n = max(1.0, n)
    return float(stats.norm.ppf((n - 0.375) / (n + 0.25)))


@functools.lru_cache(maxsize=512)
def _survivors(n: int, eta: float, rhos: tuple) -> np.ndarray:
    """The full-budget value (in standard deviations, higher is better) of the configuration a round of successive
    halving returns: ``n`` configurations at the first rung, the best ``1/eta`` promoted rung by rung, the values of
    consecutive rungs standard bivariate normal of correlations ``rhos`` (a Markov chain, so the first rung's
    correlation with the full budget is their product). A fixed Monte Carlo estimate (its own seed, not the
    strategy's stream): ``_REPLICATES`` values."""
    rng = np.random.default_rng(20)
    x = rng.standard_normal((_REPLICATES, n))
    for rho in rhos:
        m = max(1, int(round(x.shape[1] / eta)))
        if m < x.shape[1]:
            x = np.take_along_axis(x, np.argpartition(-x, m - 1, axis=1)[:, :m], axis=1)
        x = rho * x + math.sqrt(max(0.0, 1.0 - rho * rho)) * rng.standard_normal(x.shape)
    return x.max(axis=1)


def _expected_best(values: np.ndarray, k: float) -> float:
    """The expected maximum of ``k`` (a real, >= 1) draws from the sample ``values``: its quantile at Blom's
    ``(k - 0.375) / (k + 0.25)``, as :func:`_expected_max` takes the standard normal's."""
    k = max(1.0, k)
    return float(np.quantile(values, (k - 0.375) / (k + 0.25)))


_REPLICATES = 10_000


def _normal_scores(values: list[float]) -> np.ndarray:
    """Blom normal scores of ``values``' ranks (ties share their mean rank)."""
    ranks = stats.rankdata(values)
    return stats.norm.ppf((ranks - 0.375) / (len(values) + 0.25))


@dataclass(frozen=True)
class Verdict:
    """Whether starting at a rung pays, and the figures behind it.

    Attributes
    ----------
    level : int
        The rung judged (0: the smallest budget).
    pays : bool
    rho : float
        Its estimated rank correlation with the full budget.
    value_here, value_next : float
        The expected best full-budget value (in standard deviations) of starting at this rung / at the best rung
        above it, for the same compute.
    cost_ratio : float
        What a configuration started here costs until it is promoted or dropped, against one started at the next
        rung (``(cost_b + cost_{b+1} / eta) / scratch_{b+1}``).
    best_level : int
        The start rung with the best expected value (``level`` when it pays).
    """

    level: int
    pays: bool
    rho: float
    value_here: float
    value_next: float
    cost_ratio: float
    best_level: int


class FidelityMonitor:
    """Rank correlations between consecutive rungs and costs per rung, from the trials of a multi-fidelity search.

    Parameters
    ----------
    budgets : list
        The rung budgets, smallest first (:func:`~hpo.strategies.halving.rung_budgets`).
    eta : float
        The halving factor.
    times : bool, default True
        Costs from measured durations (``finished - started``), once their median is at least ``min_seconds``;
        else (and with False) from ``metrics["resource_units"]`` or the budget (deterministic).
    min_pairs : int, default 6
        Configurations evaluated at both rungs of a pair before that pair's correlation counts.
    confidence : float, default 2.0
        The benefit of the doubt: each measured correlation is taken this many standard errors (of Fisher's z)
        above its measured value before it is judged (0: as measured).
    min_seconds : float, default 0.002
        Trials shorter than this (on the median) are not timed: their duration is hpo's overhead and the clock's.

    Attributes
    ----------
    losses : list of dict
        Per rung: configuration (entry) -> its loss there (ok trials).

    Examples
    --------
    Four configurations evaluated at budgets 1 and 3 that rank the same at both:

    >>> from hpo.strategies import Candidate, FidelityMonitor, Trial
    >>> monitor = FidelityMonitor([1, 3, 9], eta=3, times=False)
    >>> for entry, losses in enumerate([(0.9, 0.8), (0.5, 0.4), (0.7, 0.6), (0.2, 0.3)]):
    ...     for budget, loss in zip((1, 3), losses):
    ...         trial = Trial(entry, Candidate({"x": entry}, budget=budget), "ok", value=loss, loss=loss)
    ...         _ = monitor.record(entry, trial)
    >>> spearman, corrected, n_pairs = monitor.rank_correlation(0)
    >>> round(spearman, 3), n_pairs, monitor.cost(1)  # costs: the budgets here (times=False)
    (1.0, 4, (3.0, None))
    """

    def __init__(self, budgets: list, eta: float, *, times: bool = True, min_pairs: int = 6,
                 confidence: float = 2.0, min_seconds: float = 0.002) -> None:
        self.budgets = list(budgets)
        self.eta = float(eta)
        self.times = bool(times)
        self.min_seconds = float(min_seconds)
        self.min_pairs = int(min_pairs)
        self.confidence = float(confidence)
        n = len(self.budgets)
        self.losses: list[dict] = [{} for _ in range(n)]
        # per kind of cost (measured seconds, resource units): per rung, the costs of fits from scratch and of
        # continuations
        self._costs = {kind: ([[] for _ in range(n)], [[] for _ in range(n)]) for kind in ("seconds", "units")}
        self._version = [0] * n  # per rung, bumped by each loss recorded (the key of _memo)
        self._memo: dict[int, tuple] = {}  # level (-1 - level) -> (versions of level, level + 1; rank_correlation (spread))

    # ---------------------------------------------------------------- input
    def level_of(self, budget: Any) -> int | None:
        """The rung of ``budget`` (None: not a rung budget)."""
        try:
            return self.budgets.index(budget)
        except ValueError:
            return None

    def record(self, entry: int, trial: Trial) -> bool:
        """Take one trial of configuration ``entry`` into account; True when it makes a new pair of rungs."""
        level = self.level_of(trial.budget)
        if level is None:
            return False
        metrics = trial.metrics if isinstance(trial.metrics, dict) else {}
        resumed = metrics.get("resumed_from")
        which = 1 if isinstance(resumed, (int, float)) and resumed > 0 else 0
        duration = trial.duration
        if duration is not None and math.isfinite(duration) and duration >= 0:
            self._costs["seconds"][which][level].append(float(duration))
        units = metrics.get("resource_units")
        ok = isinstance(units, (int, float)) and not isinstance(units, bool) and math.isfinite(units) and units > 0
        self._costs["units"][which][level].append(float(units) if ok else float(trial.budget))
        if trial.status != OK or trial.loss is None or not math.isfinite(trial.loss):
            return False
        self.losses[level][entry] = float(trial.loss)
        self._version[level] += 1
        return any(0 <= k < len(self.losses) and entry in self.losses[k] for k in (level - 1, level + 1))

    @property
    def uses_times(self) -> bool:
        """Whether costs are measured seconds: with ``times``, once the trials' median duration is at least
        ``min_seconds`` (shorter trials time hpo's own overhead and the clock, not the budget); else resource units
        (``metrics["resource_units"]``) or budgets."""
        if not self.times:
            return False
        seconds = [c for lists in self._costs["seconds"] for per_level in lists for c in per_level]
        return bool(seconds) and statistics.median(seconds) >= self.min_seconds

    # ---------------------------------------------------------------- figures
    def pairs(self, level: int) -> list[tuple[float, float]]:
        """``(loss at level, loss at level + 1)`` of the configurations evaluated at both, in entry order."""
        here, there = self.losses[level], self.losses[level + 1]
        return [(here[e], there[e]) for e in sorted(here.keys() & there.keys())]

    def rank_correlation(self, level: int) -> tuple[float, float, int] | None:
        """``(spearman, corrected, n_pairs)`` between rungs ``level`` and ``level + 1`` (None: fewer than 3 pairs or
        no spread). ``corrected`` is the correlation the whole rung would show (Thorndike's case II)."""
        key = (self._version[level], self._version[level + 1])
        memo = self._memo.get(level)
        if memo is not None and memo[0] == key:
            return memo[1]
        got = self._rank_correlation(level)
        self._memo[level] = (key, got)
        return got

    def _rank_correlation(self, level: int) -> tuple[float, float, int] | None:
        pairs = self.pairs(level)
        if len(pairs) < 3:
            return None
        x, y = zip(*pairs)
        if len(set(x)) < 2 or len(set(y)) < 2:
            return None
        r = float(stats.spearmanr(x, y).statistic)
        if not math.isfinite(r):
            return None
        return r, self._correct(level, r), len(pairs)

    def agreement(self, level: int, sds: float = 0.0) -> float | None:
        """The rank correlation between rungs ``level`` and ``level + 1``, corrected to the whole rung, taken ``sds``
        standard errors (of Fisher's z) below the measured one; None with fewer than ``min_pairs`` pairs."""
        got = self.rank_correlation(level)
        if got is None or got[2] < self.min_pairs:
            return None
        r, _, n_pairs = got
        r_low = math.tanh(math.atanh(max(-0.999, min(0.999, r))) - sds * 1.03 / math.sqrt(n_pairs - 2.5))
        return self._correct(level, r_low)

    def _correct(self, level: int, r: float) -> float:
        """Thorndike's case II: the correlation ``r`` of the promoted configurations, as the whole rung would show it."""
        u = self._restriction(level)
        return r / math.sqrt(u * (1.0 - r * r) + r * r) if abs(r) < 1 else r

    def _restriction(self, level: int) -> float:
        """How much the paired configurations' normal scores at ``level`` vary against the whole rung's (memoized)."""
        key = ("u", self._version[level], self._version[level + 1])
        memo = self._memo.get(-1 - level)
        if memo is not None and memo[0] == key:
            return memo[1]
        everyone = self.losses[level]
        ids = sorted(everyone)
        scores = dict(zip(ids, _normal_scores([everyone[e] for e in ids])))
        paired = [e for e in ids if e in self.losses[level + 1]]
        spread = float(np.var([scores[e] for e in paired])) / max(float(np.var(list(scores.values()))), 1e-12)
        u = min(1.0, max(spread, 0.05))
        self._memo[-1 - level] = (key, u)
        return u

    def cost(self, level: int) -> tuple[float | None, float | None]:
        """``(from scratch, continued)``: the median cost of a trial at ``level`` (None: no such trial yet)."""
        scratch, resumed = (lists[level] for lists in self._costs["seconds" if self.uses_times else "units"])
        return (statistics.median(scratch) if scratch else None, statistics.median(resumed) if resumed else None)

    def _scratch_cost(self, level: int) -> float | None:
        """A fit from scratch at ``level``: measured, or the rung below's plus a continuation's."""
        scratch, resumed = self.cost(level)
        if scratch is not None:
            return scratch
        if resumed is not None and level > 0:
            below = self._scratch_cost(level - 1)
            return None if below is None else below + resumed
        return None

    def _added_cost(self, level: int) -> float | None:
        """What a promotion to ``level`` costs: a continuation where there are any, else a fit from scratch."""
        scratch, resumed = self.cost(level)
        return resumed if resumed is not None else scratch

    def verdict(self, level: int) -> Verdict | None:
        """Whether starting configurations at rung ``level`` pays (None: not enough measured yet; see the module notes)."""
        top = len(self.budgets) - 1
        if level >= top:
            return None
        got = self.rank_correlation(level)
        if got is None or got[2] < self.min_pairs:
            return None
        rhos = self._pair_correlations(level)
        costs = self._bracket_costs(level)
        if costs is None or min(costs) <= 0:
            return None
        compute = self.eta * max(costs)
        values = []
        for k in range(level, top + 1):
            n = max(1, int(round(self.eta ** (top - k))))
            if k == top:  # random search at the full budget: standard normal draws
                values.append(_expected_max(compute / costs[k - level]))
                continue
            survivors = _survivors(n, self.eta, tuple(round(r, 2) for r in rhos[k - level:]))
            values.append(_expected_best(survivors, compute / costs[k - level]))
        best = level + int(np.argmax(values))  # ties: the lowest rung
        here, added, there = self._estimated_costs(level), self._added_cost(level + 1), self._estimated_costs(level + 1)
        added = there if added is None else added
        return Verdict(level, best == level, float(np.prod(rhos)), values[0], max(values[1:]),
                       (here + added / self.eta) / max(there, 1e-300), best)

    def _pair_correlations(self, level: int) -> list[float]:
        """Per pair of consecutive rungs from ``level`` up: the corrected rank correlation, given the benefit of the
        doubt (``confidence`` standard errors above the measured one); a pair with fewer than ``min_pairs``
        configurations takes the value of the nearest measured pair below it."""
        out: list[float] = []
        for k in range(level, len(self.budgets) - 1):
            got = self.rank_correlation(k)
            if got is None or got[2] < self.min_pairs:
                out.append(out[-1])
                continue
            r, _, n_pairs = got
            r_high = math.tanh(math.atanh(max(-0.999, min(0.999, r)))
                               + self.confidence * 1.03 / math.sqrt(n_pairs - 2.5))
            out.append(max(0.0, self._correct(k, r_high)))
        return out

    def _estimated_costs(self, level: int) -> float | None:
        """A fit from scratch at ``level``: measured, else the nearest measured rung below's, scaled by the budget."""
        for k in range(level, -1, -1):
            cost = self._scratch_cost(k)
            if cost is not None:
                return cost * float(self.budgets[level]) / float(self.budgets[k])
        return None

    def _bracket_costs(self, level: int) -> list[float] | None:
        """Per start rung ``k >= level``: the cost of one round of successive halving from ``k`` to the full budget
        (``eta**(top-k)`` configurations, the best ``1/eta`` promoted rung by rung; a promotion costs a continuation
        where there are any, else a fit from scratch). None: no cost measured at ``level``."""
        top = len(self.budgets) - 1
        if self._scratch_cost(level) is None:
            return None
        out = []
        for k in range(level, top + 1):
            n = max(1, int(round(self.eta ** (top - k))))
            total = n * self._estimated_costs(k)
            for j in range(k + 1, top + 1):
                n = max(1, int(round(n / self.eta)))
                added = self._added_cost(j)
                total += n * (self._estimated_costs(j) if added is None else added)
            out.append(total)
        return out

    def summary(self) -> dict:
        """Plain data: per rung, its budget, trials, cost, and its rank correlation with the next rung."""
        out = []
        for k, budget in enumerate(self.budgets):
            scratch, resumed = self.cost(k)
            corr = self.rank_correlation(k) if k + 1 < len(self.budgets) else None
            out.append({
                "budget": budget, "n_ok": len(self.losses[k]), "cost": scratch, "cost_continued": resumed,
                "spearman_next": None if corr is None else corr[0],
                "corrected_next": None if corr is None else corr[1],
                "pairs_next": 0 if corr is None else corr[2],
            })
        return {"rungs": out, "times": self.uses_times}
