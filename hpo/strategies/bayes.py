"""Bayesian optimization, the strategy: an initial design, then proposals from a Gaussian process.

The model and its proposals (features, loss transform, Gaussian process,
log-EI, L-BFGS-B refinement, pending candidates as fantasies) are
:class:`~hpo.strategies.bayes_model.BayesianProposer`'s (see
:mod:`hpo.strategies.bayes_model`). What the strategy adds:

- **Initial design.** User-given configurations first (``initial_configs``),
  then a scrambled Sobol design of ``n_initial`` points.
- **Stagnation.** After a proposal that did not improve on the best loss
  (``patience``), the next one is ranked by a humbler model whose
  length scales are capped (``explore_lengthscale``), so a search stuck
  refining one basin's floor looks past it along every parameter; while
  such proposals do not pay, they come less often (up to 4x the patience).
- **Finishing a basin.** After a proposal that improved on the best, once
  there are ``exploit_after`` (10) observations per parameter, the next
  proposal is the posterior mean's minimum: one greedy step, which takes
  a well-modelled basin's floor to its last digits where expected
  improvement would first look elsewhere.
- **Leaving plateaus.** After a trial whose loss exactly tied a loss told
  before (a flat region: a saturated CV error, a shelf along a face of the
  box), the next proposal avoids the bounding boxes of groups of tied
  observations (:meth:`BayesianProposer.ranked`, ``avoid_plateaus``), where
  expected improvement would otherwise keep sampling the flat region's
  unexplored corners.
- **No repeats.** A configuration is never proposed twice; a finite space
  ends the search when every configuration was asked.
- **Cost guard** (``cost_guard``; on in ``"auto"``, the default strategy of
  ``hpo.optimize`` and the Tuner): when model proposals cost more than a
  share of the evaluation time, only some proposals come from the model
  (:mod:`hpo.strategies.cost_guard`).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .._constraints import Interval, Options, check_options
from ..executors.cores import limit_threads
from ..spaces import Space
from ..trial import OK, Candidate, Trial
from .base import Strategy, config_key
from .cost_guard import CostGuard
from .bayes_model import INACTIVE_FEATURE, MIN_GAP, PI_MARGIN, BayesianProposer, transform_losses  # noqa: F401
from .random_search import SobolSearch
from .registry import register

__all__ = ["AutoStrategy", "BayesianOptimization", "BayesianProposer", "default_n_initial", "transform_losses"]

#: How far exploring backs off: the patience in force grows to at most this multiple of ``patience``.
MAX_WAIT = 4


def default_n_initial(space: Space) -> int:
    """The size of the initial Sobol design: twice the number of parameters, between 5 and 10."""
    return int(min(max(2 * len(space), 5), 10))


@register
class BayesianOptimization(Strategy):
    """Bayesian optimization: a Gaussian process with log-EI, for expensive objectives.

    Starts with user-given configurations (``initial_configs``), then a
    scrambled Sobol design of ``n_initial`` points, then proposes from the
    model (see :class:`BayesianProposer` and the module docstring). ``ask(n)``
    returns ``n`` distinct candidates that account for those still running.
    Never proposes a configuration twice; a finite space ends the search when
    every configuration was asked.

    Parameters
    ----------
    space : Space
    seed : int, Generator or None
    n_initial : int, optional
        Size of the initial design; default ``min(max(2 * len(space), 5), 10)``.
    initial_configs : sequence of dict, optional
        Configurations to evaluate first (known good defaults); each must be
        valid in the space.
    acquisition : {"log_ei", "pi", "lcb"}, default "log_ei"
    xi, kappa, n_candidates, n_refine, max_fit_points, max_model_points, incumbent
        See :class:`BayesianProposer` (``incumbent="model"``: on noisy fits the
        acquisition improves on the model's best mean, not the lowest loss).
    budget : float, optional
        The budget given to every candidate (None: the full budget).
    fit_budget : "largest" or "all", default "largest"
        Which trials the model learns from when they have different budgets:
        those at the largest budget with at least ``min_budget_points``
        results (BOHB-style), or all of them together. As the sampler of
        ``"asha"``, ``"hyperband"`` or ``"halving"``, only budgets whose
        results rank configurations as the next budget does (measured rank
        correlation at least ``RANKS_WELL``, see
        :meth:`~hpo.strategies.multifidelity.MultiFidelity.ranks_well`) and
        the full budget count; until one has ``min_budget_points`` results,
        proposals come from the quasi-random design.
    min_budget_points : int, default 10
        A model fitted on fewer points at a larger budget steers a
        multi-fidelity search (``"asha"`` or ``"hyperband"`` with
        ``sampler="auto"``) worse than one fitted on many at a smaller
        budget: with 3, the 80-trial ASHA searches of
        ``examples/tune_training_loop.py`` beat the random sampler on 4 of 8
        seeds; with 10, on 8 of 8 (BENCHMARKS.md, "Your own training loop").
    patience : "auto", int or None, default "auto"
        After this many model proposals in a row that did not improve on the
        best loss, the next proposal is made by a humbler model (length scales
        capped at ``explore_lengthscale``, see :meth:`BayesianProposer.ranked`),
        to leave a local optimum. Exploring that does not pay backs off: after
        an exploring proposal that did not improve, the patience in force
        doubles (up to ``MAX_WAIT`` times ``patience``); one that improved
        resets it. "auto" is 1 (after a proposal that did not improve, the
        next explores) for ``log_ei`` and ``lcb``, and None for ``pi``, which
        weighs no size of improvement, so that to the humbler model every
        unexplored point looks like a coin flip. None never explores.
    explore_lengthscale : float, default 0.3
        See :class:`BayesianProposer`.
    exploit_after : float or None, default 10
        After a proposal that improved on the best loss, once there are at
        least this many observations per parameter, the next proposal is the
        minimum of the posterior mean (one greedy step per improvement). Ten
        per parameter is Loeppky et al. (2009)'s rule of thumb for a Gaussian
        process that predicts well; before that a greedy step trusts a model
        that has not earned it (measured in BENCHMARKS.md, "A greedy step
        once the model has its points").
        None never takes greedy steps.
    cost_guard : float or None, default None
        The largest share of the evaluation time that model proposals may
        cost, per trial on average: past it, only one proposal in ``k`` comes
        from the model, the others from the Sobol stream, with ``k`` the
        smallest power of two that keeps within the share, judged after 64
        evaluations and each time their number doubles
        (:class:`~hpo.strategies.cost_guard.CostGuard`;
        the first switch is warned once with a
        :class:`~hpo.strategies.cost_guard.SlowSuggestionWarning`). The guard
        reads the clock, so a seed replays the same trials only until it first
        switches. None (the default of ``"bayes"``) never switches; ``"auto"``,
        the default strategy of ``hpo.optimize`` and the Tuner, sets 0.1.

    Attributes
    ----------
    proposer : BayesianProposer
    n_model_proposals : int
        Candidates that came from the model (not from the initial design).
    n_greedy_proposals : int
        Those of them that were greedy steps (``exploit_after``).
    noise_share, noise_sd : float or None
        The model's estimate of the losses' noise at its last fit (see
        :class:`BayesianProposer`): the share of the losses' variance it puts
        down to noise, and roughly its standard deviation in the loss's units.
        None before the model's first fit.
    cost_guard : CostGuard or None
        The cost guard (``cost_guard=`` given), with its decisions in ``changes``.

    Examples
    --------
    >>> import hpo
    >>> space = hpo.Space(x=hpo.Float(0, 1))
    >>> result = hpo.optimize(lambda c: (c["x"] - 0.3) ** 2, space, "bayes", n_trials=12, seed=0)
    >>> round(result.best_config["x"], 2), result.strategy_instance.n_model_proposals
    (0.3, 7)

    Known good settings go first:

    >>> from hpo.strategies import BayesianOptimization
    >>> BayesianOptimization(space, seed=0, initial_configs=[{"x": 0.5}]).ask(1)[0].config
    {'x': 0.5}
    """

    name = "bayes"
    distinct = True
    _constraints = {
        "exploit_after": [None, Interval(float, 0, closed="neither")],
        "patience": [Options(["auto"]), None, Interval(int, 1)],
        "n_initial": [Interval(int, 1)],
        "fit_budget": [Options(["largest", "all"])],
        "budget": [Interval(float, 0, closed="neither"), None],
        "min_budget_points": [Interval(int, 1)],
        "cost_guard": [None, Interval(float, 0, closed="neither")],
    }

    def __init__(
        self,
        space: Space,
        *,
        seed: int | np.random.Generator | None = None,
        n_initial: int | None = None,
        initial_configs: Sequence[Mapping[str, Any]] | None = None,
        acquisition: str = "log_ei",
        xi: float | None = None,
        kappa: float = 2.0,
        n_candidates: int = 1024,
        n_refine: int = 5,
        max_fit_points: int = 100,
        max_model_points: int = 500,
        budget: float | None = None,
        fit_budget: str = "largest",
        min_budget_points: int = 10,
        patience: int | str | None = "auto",
        explore_lengthscale: float = 0.3,
        exploit_after: float | None = 10.0,
        cost_guard: float | None = None,
        incumbent: str = "observed",
    ) -> None:
        super().__init__(space, seed=seed)
        if n_initial is None:
            n_initial = default_n_initial(space)
        check_options(self._constraints, exploit_after=exploit_after, patience=patience, n_initial=n_initial,
                      fit_budget=fit_budget, budget=budget, min_budget_points=min_budget_points,
                      cost_guard=cost_guard)
        self.cost_guard = None if cost_guard is None else CostGuard(cost_guard, self.name)
        self.proposer = BayesianProposer(
            space, acquisition=acquisition, xi=xi, kappa=kappa, n_candidates=n_candidates, n_refine=n_refine,
            max_fit_points=max_fit_points, max_model_points=max_model_points,
            explore_lengthscale=explore_lengthscale, incumbent=incumbent,
        )
        self.n_initial = int(n_initial)
        self.budget = budget
        self.fit_budget = fit_budget
        self.min_budget_points = int(min_budget_points)
        self._initial: deque = deque(self._check_initial(initial_configs))
        self._design = SobolSearch(space, seed=self.rng)
        self._unit: dict[int, np.ndarray] = {}  # candidate id -> canonical unit point
        self.n_model_proposals = 0
        if patience == "auto":
            patience = None if acquisition == "pi" else 1
        self.patience = patience
        self._stale = 0
        self._wait = patience  # the patience in force: doubles (up to MAX_WAIT) while exploring does not pay
        self._exploring: set = set()  # keys of the configurations the humbler model proposed
        self._best_loss = math.inf
        self._observed: list[Trial] = []
        self.exploit_after = None if exploit_after is None else float(exploit_after)
        self.n_greedy_proposals = 0
        self._greedy_due = False  # the last trial told improved on the best: a greedy step may follow
        self._losses_told: set = set()
        self._tied = False  # the last trial told had exactly the loss of one told before: avoid plateaus
        # Set by a multi-fidelity strategy (MultiFidelity.ranks_well): whether results at a budget may steer the
        # model. None: every budget may.
        self.budget_filter: Callable[[Any], bool] | None = None

    def _check_initial(self, configs: Sequence[Mapping[str, Any]] | None) -> list[dict]:
        if configs is None:
            return []
        if isinstance(configs, Mapping):
            raise TypeError("initial_configs must be a list of configurations, got one dict")
        out = []
        for i, config in enumerate(configs):
            try:
                self.space.validate(config)
            except (ValueError, TypeError) as exc:
                raise ValueError(f"initial_configs[{i}] is not a valid configuration: {exc}") from None
            out.append({name: config[name] for name in self.space.names if name in config})  # the space's order
        return out

    # ------------------------------------------------------------ protocol
    def _ask(self, n: int) -> list:
        # One BLAS thread: the matrices are small, and threads waiting on each other cost 5x on a busy machine.
        with limit_threads(1, "blas"):
            return self._ask_unthreaded(n)

    def _ask_unthreaded(self, n: int) -> list:
        out: list = []
        model_ready = False
        while len(out) < n and not self.finished:
            config = None
            while self._initial and config is None:
                c = self._initial.popleft()
                config = c if not self._is_seen(c) else None
            if config is None and (self._n_asked + len(out) >= self.n_initial or not self._initial):
                if self._n_asked + len(out) >= self.n_initial and (
                        self.cost_guard is None or self.cost_guard.model_turn()):
                    started = time.perf_counter()
                    if not model_ready:
                        model_ready = self._fit_model(out)
                    if model_ready:
                        config = self._propose()
                        if config is not None:
                            self.n_model_proposals += 1
                            if self.cost_guard is not None:
                                self.cost_guard.record_proposal(time.perf_counter() - started)
            if config is None:
                config = self._from_design()
            if config is None:
                self._exhausted = True
                break
            self._mark_seen(config)
            if model_ready:
                self.proposer.add_fantasy(self.space.encode([config]))
            out.append(config)
        return [Candidate(c, self.budget) for c in out]

    def _from_design(self) -> dict | None:
        for _ in range(10_000):
            got = self._design.ask(1) if not self._design.finished else []
            if not got:
                return self._random_unseen()
            config = got[0].config
            if not self._is_seen(config):
                return config
        return self._random_unseen()

    def _random_unseen(self) -> dict | None:
        for _ in range(64):
            for config in self.space.decode(self.rng.random((64, len(self.space)))):
                if not self._is_seen(config):
                    return config
        return None

    def observe(self, trial: Trial) -> None:
        """Learn from another evaluation of a configuration told already (a promotion to a larger budget).

        Hyperband, successive halving and ASHA call it with ``sampler="bayes"``
        (BOHB-style): with ``fit_budget="largest"`` the model then fits on the
        largest budget that has ``min_budget_points`` results.
        """
        self._observed.append(trial)

    @property
    def noise_share(self) -> float | None:
        return self.proposer.noise_share

    @property
    def noise_sd(self) -> float | None:
        return self.proposer.noise_sd

    def _tell(self, trial: Trial) -> None:
        if self.cost_guard is not None:
            timed = trial.started is not None and trial.finished is not None
            self.cost_guard.record_evaluation(trial.finished - trial.started if timed else None)
        improved = False
        if trial.status == OK and trial.loss is not None and trial.loss < self._best_loss:
            improved = trial.loss < self._best_loss - 1e-12 * max(1.0, abs(self._best_loss))
            self._best_loss = trial.loss
        key = config_key(trial.candidate.config)
        if self.patience is not None and key in self._exploring:
            self._exploring.discard(key)
            self._wait = self.patience if improved else min(2 * self._wait, MAX_WAIT * self.patience)
        if improved:
            self._stale = 0
        elif self._n_asked > self.n_initial:
            self._stale += 1
        self._greedy_due = improved
        if trial.status == OK and trial.loss is not None:
            self._tied = trial.loss in self._losses_told
            self._losses_told.add(trial.loss)

    # --------------------------------------------------------------- model
    def _observations(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Unit points and losses the model learns from (failed and pruned at the worst loss)."""
        trials = self.trials + self._observed
        if self.fit_budget == "largest":
            by_budget: dict = {}
            for t in trials:
                by_budget.setdefault(t.candidate.budget, []).append(t)
            ranked = sorted(by_budget, key=lambda b: math.inf if b is None else b, reverse=True)
            for b in ranked:
                if (sum(t.status == OK for t in by_budget[b]) >= self.min_budget_points
                        and (self.budget_filter is None or self.budget_filter(b))):
                    trials = by_budget[b]
                    break
            else:
                if self.budget_filter is not None:
                    return None  # no budget that ranks well has enough results yet: design points meanwhile
        ok = [t.loss for t in trials if t.status == OK and t.loss is not None and math.isfinite(t.loss)]
        if len(ok) < 1 or len(trials) < 2:
            return None
        worst = max(ok)
        losses = np.array([t.loss if (t.status == OK and t.loss is not None and math.isfinite(t.loss))
                           else worst for t in trials])
        return self._units_of(trials), losses

    def _units_of(self, trials: list) -> np.ndarray:
        """Unit rows of the trials' configurations, encoded once per candidate (in one batch)."""
        missing = {t.candidate.id: t.candidate.config for t in trials if t.candidate.id not in self._unit}
        if missing:
            for key, row in zip(missing, self.space.encode(list(missing.values()))):
                self._unit[key] = row
        return np.vstack([self._unit[t.candidate.id] for t in trials])

    def _fit_model(self, batch: list) -> bool:
        data = self._observations()
        if data is None:
            return False
        self.proposer.fit(*data, self.rng)
        running = [c.config for c in self.pending.values()] + batch
        if running:
            self.proposer.add_fantasy(self.space.encode(running))
        return True

    def _propose(self) -> dict | None:
        explore = self.patience is not None and self._stale >= self._wait
        if explore:
            self._stale = 0
        exploit = (not explore and self._greedy_due and self.exploit_after is not None
                   and self.n_model_proposals > 0
                   and len(self.trials) >= self.exploit_after * len(self.space))
        if exploit:
            self._greedy_due = False  # one greedy step per improvement, even within one ask(n)
        U, _ = self.proposer.ranked(self.rng, explore=explore, exploit=exploit, avoid_plateaus=self._tied)
        # decode lazily, best first, until an unseen configuration turns up
        for start in range(0, min(len(U), 256), 16):
            for config in self.space.decode(U[start:start + 16]):
                key = config_key(config)
                if key not in self._seen:  # (not self._is_seen: the key serves below too)
                    if explore:
                        self._exploring.add(key)
                    self.n_greedy_proposals += exploit
                    return config
        return None


@register
class AutoStrategy(BayesianOptimization):
    """The default strategy of ``hpo.optimize`` and the Tuner: Bayesian optimization with its cost guard.

    ``"auto"`` is :class:`BayesianOptimization` with ``cost_guard=0.1``: when
    model proposals cost more than a tenth of the evaluation time (a cheap
    objective, a long search), only some proposals come from the model, the
    others from its Sobol stream, and the switch is warned once. Every option
    of ``"bayes"`` is taken. Pick another strategy for a finite space you want
    enumerated (``"grid"``), thousands of very cheap trials (``"random"``,
    ``"sobol"``), or budgets (``"asha"``, ``"hyperband"``, ``"halving"``).

    Examples
    --------
    >>> import hpo
    >>> result = hpo.optimize(lambda c: (c["x"] - 0.3) ** 2, hpo.Space(x=hpo.Float(0, 1)), n_trials=12, seed=0)
    >>> result.strategy, round(result.best_config["x"], 2)
    ('auto', 0.3)
    """

    name = "auto"

    def __init__(self, space: Space, *, cost_guard: float | None = 0.1, **options: Any) -> None:
        super().__init__(space, cost_guard=cost_guard, **options)
