"""Multi-fidelity strategies: successive halving, Hyperband, and asynchronous successive halving (ASHA).

Most configurations are bad, and a small budget (a few epochs, a few trees,
a fraction of the rows) tells. These strategies try many configurations at a
small budget and give larger budgets only to the best: a candidate carries
its budget (:class:`~hpo.trial.Candidate`), the objective trains with it
(``objective(config, budget)``; :mod:`hpo.resources` for the scikit-learn
objective), and :class:`~hpo.result.Result` chooses the best only among the
trials at the largest budget reached.

Budgets form rungs anchored at the top: ``max_budget``,
``max_budget / eta``, ``max_budget / eta**2``... down to the last that is
not below ``min_budget`` (:func:`rung_budgets`; whole numbers when both
ends are), so the last rung always trains with ``max_budget``.

``"halving"`` (:class:`SuccessiveHalving`)
    One round of successive halving, as scikit-learn's
    ``HalvingRandomSearchCV``: ``n_candidates`` at the first rung, the best
    ``ceil(n / eta)`` of each finished rung promoted to the next;
    ``aggressive`` adds rungs at the smallest budget when there are more
    candidates than the budgets can halve. Synchronous: a rung waits until
    all its candidates are told.
``"hyperband"`` (:class:`Hyperband`)
    Brackets of successive halving that trade many configurations at a
    small budget against few at a large one, cycled until the search stops
    (or ``n_brackets``). With several workers, a new bracket starts while
    the running ones wait for a rung to fill, so no worker idles.
``"asha"`` (:class:`ASHA`)
    Asynchronous successive halving (Li et al., 2020): whenever a worker is
    free, promote a configuration that is in the top ``1/eta`` of the
    trials finished in its rung and not promoted yet (highest rung first),
    else start a new configuration at the smallest budget. Never waits.

When small budgets do not pay: the ``adapt`` option
---------------------------------------------------
Each strategy measures, as it goes, how well each rung ranks its promoted
configurations for the next rung and what a trial costs at each rung
(``strategy.fidelity``, :class:`~hpo.strategies.fidelity.FidelityMonitor`).
With ``adapt`` (on by default in ``"asha"`` and ``"hyperband"``), each time a
new pair of results (one configuration at two consecutive rungs) comes in, it
estimates, for every start rung from the current one up to the full budget,
the best full-budget result the same compute would buy, and when a higher
start rung wins, new configurations start there from then on (ASHA) or the
brackets that start below it are skipped (Hyperband); the start never goes
down again, and at the top the search is random search at the full budget.
``adapt=True`` uses measured trial times (so runs of the same seed may
differ); ``"ranks"`` uses resource units or budgets as costs (same seed, same
trials); False never adapts. ``strategy.adaptations`` records each decision
(when, from and to which budget, the figures), ``strategy.adaptation_summary()``
adds what each rung measured; the first decision is warned
(:class:`~hpo.strategies.fidelity.SmallBudgetWarning`) and each is logged to
the ``"hpo"`` logger. Successive halving measures but never adapts (its one
round has fixed rungs). See :mod:`hpo.strategies.fidelity`.

Where new configurations come from: the ``sampler`` option
---------------------------------------------------------
Each strategy draws new configurations from a *sampler*, any registered
strategy (``"random"`` by default, ``"sobol"``, ``"auto"``...; options in
``sampler_options``). The sampler is asked for configurations (budgets it
may give are ignored) and told each one's *first* trial (at the smallest
budget it ran, with that budget on the trial's candidate) as soon as it
finishes, so that a model-based sampler learns from the cheap results. A
sampler that also defines ``observe(trial)`` is given every later trial of
its configurations (the promotions, at larger budgets): a budget-aware
model (BOHB) fits on the largest budget with enough results, as ``"auto"``
and ``"bayes"`` do (``min_budget_points``, 10), but here only on budgets
that rank well: the full budget, and a smaller rung once the
configurations promoted from it are measured to rank at the next rung as
they did there (:meth:`~hpo.strategies.multifidelity.MultiFidelity.ranks_well`);
until one has enough results, proposals come from the quasi-random design.

Why ``"random"`` stays the default (BENCHMARKS.md, "Your own training
loop"): with ``sampler="auto"`` asha and hyperband found better full-budget
losses at equal epochs on hand-written training loops, but on a held-out
task whose small budgets mislead (gradient boosting by trees: 9 trees rank
configurations for 27 about as a coin would) a model fitted on the small
budgets steered the search to configurations that only look good
there: worse than random search on 6 (asha) and 7 (hyperband) of 7 seeds. Fitting only on budgets that
rank well (``ranks_well``) turned that around for hyperband and kept the gains on the training loops
(BENCHMARKS.md, "Fourth run"); the default stays ``"random"`` until the rest of that suite is measured.
"""

from __future__ import annotations

import math
from typing import Any

from .._constraints import Interval, Options, check_options
from ..spaces import Space
from ..trial import Candidate, Trial
from .multifidelity import MultiFidelity
from .registry import register
from .rungs import Bracket, rung_budgets

__all__ = ["SuccessiveHalving", "Hyperband", "ASHA", "rung_budgets"]


@register
class SuccessiveHalving(MultiFidelity):
    """Successive halving: many candidates at a small budget, the best ``1/eta`` promoted rung by rung.

    Like scikit-learn's ``HalvingRandomSearchCV``: the first rung evaluates
    ``n_candidates`` configurations; when a rung has finished, the best
    ``ceil(n / eta)`` of its ``n`` candidates (failed ones never) are
    evaluated again at ``eta`` times the budget, up to ``max_budget``. The
    search ends after the last rung; the best is chosen among the candidates
    at the largest budget reached. The rungs are the top
    ``1 + floor(log_eta(n_candidates))`` budgets of :func:`rung_budgets`
    (all of them when there are more candidates than they can halve).

    Parameters
    ----------
    space : Space
    seed : int, Generator or None
    eta : float, default 3
        The halving factor (scikit-learn's ``factor``).
    min_budget, max_budget : float, default 1 and 81
        The budget range (the Tuner sets them from its resource).
    n_candidates : int or "exhaust", default "exhaust"
        Configurations at the first rung; "exhaust": as many as the
        smallest budget divides the largest (``eta**(rungs - 1)``), so that
        one candidate reaches ``max_budget``; with ``n_trials``, fewer when
        that plan would not fit (the rungs then start at a larger budget).
        At most the size of a finite space.
    aggressive : bool, default False
        With more candidates than the rungs can halve to one, add rungs at
        the smallest budget that eliminate them first (scikit-learn's
        ``aggressive_elimination``); otherwise the last rung holds several.
    n_trials : int, optional
        The search's trial limit (``hpo.optimize`` and the Tuner pass theirs):
        an ``"exhaust"`` plan is sized to end within it at ``max_budget``.
    sampler : str, Strategy class or instance, default "random"
        Where configurations come from (see the module notes).
    sampler_options : dict, optional
        Options of the sampler.

    Attributes
    ----------
    rungs : list
        The budget of each rung.
    sizes : list of int
        The planned number of candidates of each rung.

    Examples
    --------
    >>> import hpo
    >>> from hpo.strategies import SuccessiveHalving
    >>> space = hpo.Space(x=hpo.Float(0, 1))
    >>> strategy = SuccessiveHalving(space, seed=0, min_budget=1, max_budget=9)
    >>> strategy.rungs, strategy.sizes
    ([1, 3, 9], [9, 3, 1])
    >>> def objective(config, budget):  # a loss that improves with the budget
    ...     return (config["x"] - 0.3) ** 2 + 1 / budget
    >>> result = hpo.optimize(objective, space, "halving", seed=0,
    ...                       strategy_options={"min_budget": 1, "max_budget": 9})
    >>> [t.budget for t in result.trials]
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3, 9]
    """

    name = "halving"
    _constraints = {"aggressive": [bool], "n_candidates": [Interval(int, 1), Options(["exhaust"])]}

    def __init__(self, space: Space, *, seed=None, eta: float = 3, min_budget: float = 1, max_budget: float = 81,
                 n_candidates: int | str = "exhaust", aggressive: bool = False, n_trials: int | None = None,
                 sampler: Any = "random", sampler_options: dict | None = None) -> None:
        super().__init__(space, seed=seed, eta=eta, min_budget=min_budget, max_budget=max_budget,
                         n_trials=n_trials, sampler=sampler, sampler_options=sampler_options)
        check_options(self._constraints, aggressive=aggressive, n_candidates=n_candidates)
        n_possible = len(self.budgets)
        if n_candidates == "exhaust":
            n = int(math.floor(eta ** (n_possible - 1) + 1e-9))
        else:
            n = int(n_candidates)
        if self.sampler.max_trials is not None:
            n = max(1, min(n, self.sampler.max_trials))  # a finite space holds no more
        self.n_candidates = n_candidates
        self.aggressive = aggressive
        if n_candidates == "exhaust" and self.n_trials is not None:
            # fewer first-rung candidates, so that the plan fits in n_trials and still ends at max_budget
            while n > 1 and sum(self._plan(n)[1]) > self.n_trials:
                n -= 1
        self.rungs, self.sizes = self._plan(n)
        self._bracket = Bracket(0, self.rungs, n, self._keep)  # a method, not a lambda: the strategy pickles

    def _keep(self, size: int) -> int:
        return math.ceil(size / self.eta)

    def _plan(self, n: int) -> tuple[list, list[int]]:
        """The rung budgets and planned rung sizes for ``n`` candidates at the first rung."""
        n_possible = len(self.budgets)
        n_required = 1 + int(math.floor(math.log(n) / math.log(self.eta) + 1e-9))
        n_rungs = n_required if self.aggressive else min(n_required, n_possible)
        if n_rungs <= n_possible:
            rungs = self.budgets[n_possible - n_rungs:]
        else:
            rungs = [self.budgets[0]] * (n_rungs - n_possible) + self.budgets
        sizes = [n]
        for _ in rungs[1:]:
            sizes.append(math.ceil(sizes[-1] / self.eta))
        return rungs, sizes

    @property
    def finished(self) -> bool:
        return self._bracket.done

    @property
    def max_trials(self) -> int:
        return sum(self.sizes)

    def _ask(self, n: int) -> list[Candidate]:
        taken = self._bracket.take(n, self._draw, self._sampler_exhausted)
        self._forget(self._bracket)
        return [Candidate(e.config, budget, 0, {"bracket": 0, "rung": rung, "entry": e.id})
                for e, rung, budget in taken]

    def _tell(self, trial: Trial) -> None:
        entry = self._entries[trial.candidate.info["entry"]]
        self._report(entry, trial)
        self._bracket.record(entry, self._loss(trial), trial.candidate.id)
        self._forget(self._bracket)
        self._watch(entry, trial)  # measured only: one round of fixed rungs never adapts


@register
class Hyperband(MultiFidelity):
    """Hyperband (Li et al., 2018): brackets of successive halving with different first budgets.

    With rung budgets ``b_0 < ... < b_S`` (:func:`rung_budgets`), bracket
    ``s`` (``S``, ``S-1``, ..., 0, then again) starts
    ``ceil((S + 1) / (s + 1) * eta**s)`` configurations at ``b_{S-s}`` and
    keeps the best ``floor(n / eta)`` of each finished rung up to
    ``b_S = max_budget``: bracket ``S`` is the most aggressive, bracket 0 is
    random search at the full budget. Brackets run in turn; when every
    running bracket waits for a rung to fill (several workers), the next one
    starts, so that no worker idles.

    Parameters
    ----------
    space : Space
    seed : int, Generator or None
    eta : float, default 3
    min_budget, max_budget : float, default 1 and 81
    n_brackets : int, optional
        Stop after this many brackets (None: cycle until the search stops).
    n_trials : int, optional
        The search's trial limit (``hpo.optimize`` and the Tuner pass theirs):
        brackets are opened only while their plan fits in what is left, the
        last one shrunk (fewer configurations, or a bracket that starts at a
        larger budget) so that it still ends at ``max_budget``.
    sampler : str, Strategy class or instance, default "random"
        Where configurations come from (see the module notes): ``"auto"``
        gives BOHB-style search (measured better on training loops whose
        small budgets rank well, worse where they mislead).
    sampler_options : dict, optional
    adapt : True, False or "ranks", default True
        When small budgets do not pay on this problem (they rank
        configurations poorly, or cost nearly as much as large ones), skip
        the brackets that start below the budget they pay from, down to
        bracket 0 (random search at the full budget); see the module notes.
        True: costs are measured trial times; ``"ranks"``: costs are
        resource units or budgets (same seed, same trials); False: never
        (still measured, in :attr:`fidelity`). The decisions are in
        :attr:`adaptations` (and logged, the first one warned).

    Examples
    --------
    Three brackets on budgets 1, 3 and 9: from the most aggressive to random search at the full budget.

    >>> import hpo
    >>> def objective(config, budget):
    ...     return (config["x"] - 0.3) ** 2 + 1 / budget
    >>> result = hpo.optimize(objective, hpo.Space(x=hpo.Float(0, 1)), "hyperband", n_trials=22, seed=0,
    ...                       strategy_options={"min_budget": 1, "max_budget": 9, "adapt": "ranks"})
    >>> brackets = {}
    >>> for trial in result.trials:
    ...     brackets.setdefault(trial.candidate.info["bracket"], []).append(trial.budget)
    >>> brackets
    {0: [1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3, 9], 1: [3, 3, 3, 3, 3, 9], 2: [9, 9, 9]}
    """

    name = "hyperband"
    _constraints = {"n_brackets": [Interval(int, 1), None]}

    def __init__(self, space: Space, *, seed=None, eta: float = 3, min_budget: float = 1, max_budget: float = 81,
                 n_brackets: int | None = None, n_trials: int | None = None, sampler: Any = "random",
                 sampler_options: dict | None = None, adapt: bool | str = True) -> None:
        super().__init__(space, seed=seed, eta=eta, min_budget=min_budget, max_budget=max_budget,
                         n_trials=n_trials, sampler=sampler, sampler_options=sampler_options, adapt=adapt)
        check_options(self._constraints, n_brackets=n_brackets)
        self.n_brackets = n_brackets
        self._active: list[Bracket] = []
        self._opened = 0
        self._position = 0                 # the next bracket's place in the cycle (ahead of _opened when adapting)
        self._taken = 0                    # candidates asked, over all brackets
        self._planned: dict[int, int] = {}  # bracket index -> its planned number of trials

    def bracket_plan(self, index: int) -> tuple[list, int]:
        """``(budgets, n0)`` of the ``index``-th bracket (0-based, cycling)."""
        S = len(self.budgets) - 1
        return self._bracket_of(S - index % (S + 1))

    def _bracket_of(self, s: int) -> tuple[list, int]:
        S = len(self.budgets) - 1
        n0 = int(math.ceil((S + 1) / (s + 1) * self.eta ** s - 1e-9))
        return self.budgets[S - s:], n0

    def _keep(self, size: int) -> int:
        return max(1, int(size // self.eta))

    def _cost(self, budgets: list, n0: int) -> int:
        """The planned trials of a bracket: ``n0``, then what each rung keeps."""
        total, n = 0, n0
        for _ in budgets:
            total += n
            n = self._keep(n)
        return total

    def _next_position(self) -> int:
        """The next bracket's place in the cycle, skipping brackets that start below :attr:`start_budget`."""
        S = len(self.budgets) - 1
        position = self._position
        while position % (S + 1) < self._start_level:  # bracket s = S - position % (S + 1) starts at rung S - s
            position += 1
        return position

    def _next_plan(self) -> tuple[list, int] | None:
        """The next bracket's ``(budgets, n0)``: with ``n_trials``, shrunk to fit what is left (None: nothing is)."""
        S = len(self.budgets) - 1
        budgets, n0 = self._bracket_of(S - self._next_position() % (S + 1))
        if self.n_trials is None:
            return budgets, n0
        owed = sum(self._planned[b.index] for b in self._active) - sum(b.taken for b in self._active)
        room = self.n_trials - self._taken - owed
        if room <= 0:
            return None
        if len(budgets) > room:  # too few trials left for its rungs: a bracket that starts higher
            budgets, n0 = self._bracket_of(room - 1)
        while n0 > 1 and self._cost(budgets, n0) > room:
            n0 -= 1
        return budgets, n0

    @property
    def max_trials(self) -> int | None:
        if self.n_brackets is None:
            return self.n_trials
        total = 0
        for i in range(self.n_brackets):
            total += self._cost(*self.bracket_plan(i))
        return total if self.n_trials is None else min(total, self.n_trials)

    def _may_open(self) -> bool:
        return ((self.n_brackets is None or self._opened < self.n_brackets) and not self.sampler.finished
                and self._next_plan() is not None)

    @property
    def finished(self) -> bool:
        return not self._active and not self._may_open()

    def _ask(self, n: int) -> list[Candidate]:
        taken: list = []
        for bracket in self._active:
            taken += self._take(bracket, n - len(taken))
            if len(taken) >= n:
                break
        self._active = [b for b in self._active if not b.done]
        while len(taken) < n and all(b.waiting for b in self._active) and self._may_open():
            budgets, n0 = self._next_plan()  # type: ignore[misc]
            bracket = Bracket(self._opened, budgets, n0, self._keep)
            self._planned[bracket.index] = self._cost(budgets, n0)
            self._opened += 1
            self._position = self._next_position() + 1
            self._active.append(bracket)
            got = self._take(bracket, n - len(taken))
            taken += got
            if bracket.done:
                self._active.remove(bracket)
        return taken

    def _take(self, bracket: Bracket, k: int) -> list[Candidate]:
        taken = bracket.take(k, self._draw, self._sampler_exhausted)
        bracket.taken += len(taken)
        self._taken += len(taken)
        self._forget(bracket)
        return [Candidate(e.config, budget, 0, {"bracket": bracket.index, "rung": rung, "entry": e.id})
                for e, rung, budget in taken]

    def _tell(self, trial: Trial) -> None:
        info = trial.candidate.info
        entry = self._entries[info["entry"]]
        self._report(entry, trial)
        bracket = next(b for b in self._active if b.index == info["bracket"])
        bracket.record(entry, self._loss(trial), trial.candidate.id)
        self._forget(bracket)
        if bracket.done:
            self._active.remove(bracket)
            self._planned.pop(bracket.index, None)
        self._watch(entry, trial)


@register
class ASHA(MultiFidelity):
    """Asynchronous successive halving (Li et al., 2020): promotes as soon as a rung allows, never waits.

    Whenever a candidate is asked: if some configuration is among the best
    ``floor(n_k / eta)`` of the ``n_k`` trials finished at rung ``k`` and
    was not promoted yet, it is promoted to rung ``k + 1`` (the highest such
    rung first); otherwise a new configuration starts at the smallest
    budget. Failed trials count in ``n_k`` but are never promoted. The
    search runs until it is stopped (``n_trials``, ``timeout``) or, with
    ``max_candidates`` or a finite space, until no configuration is left to
    start or promote.

    Parameters
    ----------
    space : Space
    seed : int, Generator or None
    eta : float, default 3
    min_budget, max_budget : float, default 1 and 81
    max_candidates : int, optional
        Start at most this many configurations.
    n_trials : int, optional
        The search's trial limit (``hpo.optimize`` and the Tuner pass theirs):
        the last trials take the best configuration so far up to
        ``max_budget`` (promoted without waiting for its rung to fill, and
        skipping rungs when fewer trials are left than rungs to climb), so
        that the search ends with a result at the full budget.
    sampler : str, Strategy class or instance, default "random"
        Where configurations come from (see the module notes): ``"auto"``
        gives BOHB-style search (measured better on training loops whose
        small budgets rank well, worse where they mislead).
    sampler_options : dict, optional
    adapt : True, False or "ranks", default True
        When small budgets do not pay on this problem (they rank
        configurations poorly, or cost nearly as much as large ones), start
        new configurations at the budget they pay from, up to the full budget
        (random search); see the module notes. True: costs are measured
        trial times; ``"ranks"``: costs are resource units or budgets (same
        seed, same trials); False: never (still measured, in
        :attr:`fidelity`). The decisions are in :attr:`adaptations` (and
        logged, the first one warned).

    Examples
    --------
    Driven by hand: three configurations at the smallest budget, then the best of them is promoted at once.

    >>> import hpo
    >>> from hpo.strategies import ASHA, Trial
    >>> def objective(config, budget):
    ...     return (config["x"] - 0.3) ** 2 + 1 / budget
    >>> strategy = ASHA(hpo.Space(x=hpo.Float(0, 1)), seed=0, min_budget=1, max_budget=9)
    >>> candidates = strategy.ask(3)
    >>> [c.budget for c in candidates]
    [1, 1, 1]
    >>> for number, candidate in enumerate(candidates):
    ...     loss = objective(candidate.config, candidate.budget)
    ...     strategy.tell(Trial(number, candidate, "ok", value=loss, loss=loss))
    >>> promoted = strategy.ask(1)[0]
    >>> best = min(candidates, key=lambda c: objective(c.config, 1))
    >>> promoted.budget, promoted.config == best.config
    (3, True)
    """

    name = "asha"
    _constraints = {"max_candidates": [Interval(int, 1), None]}

    def __init__(self, space: Space, *, seed=None, eta: float = 3, min_budget: float = 1, max_budget: float = 81,
                 max_candidates: int | None = None, n_trials: int | None = None, sampler: Any = "random",
                 sampler_options: dict | None = None, adapt: bool | str = True) -> None:
        super().__init__(space, seed=seed, eta=eta, min_budget=min_budget, max_budget=max_budget,
                         n_trials=n_trials, sampler=sampler, sampler_options=sampler_options, adapt=adapt)
        check_options(self._constraints, max_candidates=max_candidates)
        self.max_candidates = max_candidates
        R = len(self.budgets)
        self._ranked: list[list] = [[] for _ in range(R)]   # (loss, order, entry id) of ok trials, per rung
        self._n_done = [0] * R                              # finished trials per rung (failed included)
        self._promoted: list[set] = [set() for _ in range(R)]
        self._started = 0
        self._taken = 0                                     # candidates asked

    def _may_start(self) -> bool:
        return (self.max_candidates is None or self._started < self.max_candidates) and not self.sampler.finished

    def _promotable(self) -> tuple[int, int] | None:
        """``(entry id, rung)`` of the next promotion, highest rung first."""
        for k in range(len(self.budgets) - 2, -1, -1):
            n_top = int(self._n_done[k] // self.eta)
            for _, _, eid in self._ranked[k][:n_top]:
                if eid not in self._promoted[k]:
                    return eid, k
        return None

    def _endgame_rung(self) -> int | None:
        """With ``n_trials``: the rung the next step goes to when the trials left are only enough to take the
        best configuration so far up to ``max_budget`` (skipping rungs when fewer are left than rungs); else None."""
        reserve, left = self._reserve(), self._left()
        if reserve == 0 or left > reserve:
            return None
        return len(self.budgets) - int(left)

    def _climb(self) -> tuple[int, int] | None:
        """Nothing left to start nor promotable by the rule: ``(entry id, rung)`` of the best configuration of the
        highest rung below ``max_budget`` to take up, until a trial is ok there (a full-budget result); else None."""
        top = len(self.budgets) - 1
        if self._ranked[top]:
            return None
        return next(((eid, k) for k in range(top - 1, -1, -1) for _, _, eid in self._ranked[k]
                     if eid not in self._promoted[k]), None)

    @property
    def finished(self) -> bool:
        if self.pending:
            return False
        if self.n_trials is not None and self._taken >= self.n_trials:
            return True
        return not self._may_start() and self._promotable() is None and self._climb() is None

    @property
    def max_trials(self) -> int | None:
        most = None if self.max_candidates is None else self.max_candidates * len(self.budgets)
        if self.n_trials is None:
            return most
        return self.n_trials if most is None else min(most, self.n_trials)

    def _ask(self, n: int) -> list[Candidate]:
        out: list[Candidate] = []
        while len(out) < n and self._left() > 0:
            target = self._endgame_rung()
            if target is not None:  # one step at a time: wait for the running trials, then take the best up
                if self.pending or out:
                    break
                best = next(((eid, k) for k in range(target - 1, -1, -1) for _, _, eid in self._ranked[k]
                             if eid not in self._promoted[k]), None)
                step = self._promote(*best, to=target) if best is not None else self._start(1, target)
                if not step:
                    break
                out += step
                continue
            found = self._promotable()
            if found is None and not self._may_start() and not self.pending and not out:
                found = self._climb()  # nothing new to start: take the best up, one rung at a time
                if found is not None:
                    out += self._promote(*found)
                break
            if found is None:
                break
            out += self._promote(*found)
        m = min(n - len(out), self._left() - self._reserve())
        if m > 0 and self._endgame_rung() is None:
            out += self._start(m)
        return out

    def _left(self) -> float:
        return math.inf if self.n_trials is None else self.n_trials - self._taken

    def _reserve(self) -> int:
        """Trials kept back (with ``n_trials``) to take the best so far up to ``max_budget``."""
        if self.n_trials is None:
            return 0
        top = len(self.budgets) - 1
        return top - max((k for k in range(top + 1) if self._ranked[k]), default=-1)

    def _promote(self, eid: int, k: int, to: int | None = None) -> list[Candidate]:
        """Promote entry ``eid`` from rung ``k`` (to the next rung, or to rung ``to``)."""
        to = k + 1 if to is None else to
        self._promoted[k].add(eid)
        self._taken += 1
        return [Candidate(self._entries[eid].config, self.budgets[to], 0, {"rung": to, "entry": eid})]

    def _start(self, m: int, rung: int | None = None) -> list[Candidate]:
        """Up to ``m`` new configurations at ``rung`` (default: the start rung, :attr:`start_budget`)."""
        if not self._may_start():
            return []
        rung = self._start_level if rung is None else rung
        if self.max_candidates is not None:
            m = min(m, self.max_candidates - self._started)
        out = [Candidate(e.config, self.budgets[rung], 0, {"rung": rung, "entry": e.id}) for e in self._draw(m)]
        self._started += len(out)
        self._taken += len(out)
        return out

    def _tell(self, trial: Trial) -> None:
        info = trial.candidate.info
        entry = self._entries[info["entry"]]
        self._report(entry, trial)
        k = info["rung"]
        self._n_done[k] += 1
        loss = self._loss(trial)
        if loss is not None:
            ranked = self._ranked[k]
            item = (float(loss), trial.candidate.id, entry.id)  # ties go to the candidate asked first
            lo, hi = 0, len(ranked)
            while lo < hi:  # insort by (loss, order)
                mid = (lo + hi) // 2
                if ranked[mid] < item:
                    lo = mid + 1
                else:
                    hi = mid
            ranked.insert(lo, item)
        self._watch(entry, trial)
