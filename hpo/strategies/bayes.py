"""Bayesian optimization: a Gaussian process on the space's unit encoding, log-EI, L-BFGS-B refinement.

How one proposal is made (:class:`BayesianProposer`):

1. **Features.** Each configuration's canonical unit point (``Space.snap``:
   integers and categoricals at their bin centres) becomes a feature vector:
   numeric parameters keep their unit value (log-aware through the encoding),
   categoricals become one-hot columns sharing one length scale. An inactive
   parameter of a conditional space gets a fixed value outside the box (-0.5;
   all-zero one-hot for a categorical), the same for every configuration in
   which it is inactive, so configurations of one branch compare equal on it
   and configurations of different branches are far apart on it.
2. **Targets.** Losses are standardized and Yeo-Johnson transformed
   (Yeo-Johnson with the maximum-likelihood lambda), so heavy tails and outliers do not dominate the
   fit; failed and pruned trials count as the worst loss seen, which steers the
   model away from them instead of forgetting them.
3. **Model.** :class:`~hpo.strategies.gaussian_process.GaussianProcess`, Matern
   5/2 with a length scale per parameter, MAP hyperparameters, warm-started.
   Beyond ``max_fit_points`` observations the hyperparameters are fitted on a
   subset (the best half and a random half), and beyond ``max_model_points``
   the posterior is conditioned on a subset too, so a long search stays cheap.
4. **Acquisition.** Log expected improvement (default), probability of
   improvement or a lower confidence bound, maximized over a candidate set
   (uniform points of the box plus perturbations of the best configurations)
   and refined by L-BFGS-B with analytic gradients over the numeric
   parameters that decide no other parameter's activity, from the best
   candidates. Integers are rounded and categoricals kept on their choices
   before the final comparison, so a proposal is always a point the space
   holds; every point of the box decodes to a valid configuration, so
   dependent ranges are respected.
5. **Stagnation.** After a proposal that did not improve on the best loss
   (``patience``), the next one is ranked by a humbler model whose
   length scales are capped (``explore_lengthscale``), so a search stuck
   refining one basin's floor looks past it along every parameter; while
   such proposals do not pay, they come less often (up to 4x the patience).
   **Finishing a basin.** After a proposal that improved on the best, once
   there are ``exploit_after`` (10) observations per parameter, the next
   proposal is the posterior mean's minimum: one greedy step, which takes
   a well-modelled basin's floor to its last digits where expected
   improvement would first look elsewhere.
6. **Pending candidates** (asked, not yet told; and earlier picks of the same
   ``ask(n)``) enter as fantasies at the model's mean ("kriging believer"),
   which flattens the acquisition around them: a batch is spread out.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy.optimize import minimize
from threadpoolctl import ThreadpoolController

from ..spaces import Categorical, Space
from ..trial import OK, Candidate, Trial
from .acquisition import ACQUISITIONS
from .base import Strategy, config_key
from .gaussian_process import GaussianProcess, sqdist
from .random_search import SobolSearch
from .registry import register

__all__ = ["BayesianOptimization", "BayesianProposer", "default_n_initial"]

#: The feature value of an inactive numeric parameter (outside the unit box).
INACTIVE_FEATURE = -0.5
#: The least distance (in the unit box) between a proposal and a running candidate, where possible.
MIN_GAP = 0.01
#: The default improvement margin of probability of improvement (standardized units).
PI_MARGIN = 0.1
#: How far exploring backs off: the patience in force grows to at most this multiple of ``patience``.
MAX_WAIT = 4


def default_n_initial(space: Space) -> int:
    """The size of the initial Sobol design: twice the number of parameters, between 5 and 10."""
    return int(min(max(2 * len(space), 5), 10))


def transform_losses(losses: np.ndarray) -> np.ndarray:
    """Robustly scaled, tails compressed, Yeo-Johnson transformed, standardized; order kept.

    Losses are centred on the median and scaled by the interquartile range;
    beyond 3 such units the tails grow only logarithmically, so one diverged
    run (a loss of 1e6 among losses near 1) cannot squash the others together;
    then a Yeo-Johnson transform makes the rest closer to normal.
    """
    y = np.asarray(losses, dtype=float)
    if len(y) < 2 or not np.all(np.isfinite(y)) or np.ptp(y) <= 0:
        return np.zeros_like(y)
    q25, median, q75 = np.percentile(y, [25, 50, 75])
    scale = (q75 - q25) / 1.349
    if not scale > 0:
        scale = y.std()
    z = (y - median) / scale
    z = np.where(z > 3.0, 3.0 + np.log1p(np.maximum(z - 3.0, 0.0)), z)
    z = np.where(z < -3.0, -3.0 - np.log1p(np.maximum(-z - 3.0, 0.0)), z)
    if len(z) >= 5:
        t = _yeo_johnson(z)
        if np.all(np.isfinite(t)) and t.std() > 0:
            z = t
    return (z - z.mean()) / z.std()


_LAMBDAS = np.round(np.linspace(-3.0, 3.0, 61), 10)


def _yeo_johnson(z: np.ndarray) -> np.ndarray:
    """The Yeo-Johnson transform with the maximum-likelihood lambda of a grid (step 0.1).

    The same likelihood as ``scipy.stats.yeojohnson``, maximized over a grid in
    one vectorized pass: scipy's scalar search costs about 100 ms at 200 points.
    """
    lam = _LAMBDAS[:, None]
    pos = z >= 0
    with np.errstate(all="ignore"):
        a = np.log1p(np.abs(z))[None, :]
        up = np.where(lam == 0, a, np.expm1(lam * a) / np.where(lam == 0, 1.0, lam))
        down = np.where(lam == 2, -a, -np.expm1((2.0 - lam) * a) / np.where(lam == 2, 1.0, 2.0 - lam))
        T = np.where(pos[None, :], up, down)
        llf = -0.5 * len(z) * np.log(T.var(axis=1)) + (_LAMBDAS - 1.0) * float((np.sign(z) * a[0]).sum())
    llf = np.where(np.isfinite(llf), llf, -np.inf)
    return T[int(np.argmax(llf))]


class _Features:
    """Feature vectors for the model from canonical unit points and activity."""

    def __init__(self, space: Space) -> None:
        self.space = space
        groups: list[int] = []
        self.numeric_col: dict[int, int] = {}  # parameter index -> feature column
        self.onehot: dict[int, tuple[int, int]] = {}  # parameter index -> (first column, k)
        for j, name in enumerate(space.names):
            dim = space[name]
            if isinstance(dim, Categorical):
                k = len(dim.choices)
                self.onehot[j] = (len(groups), k)
                groups += [j] * k
            else:
                self.numeric_col[j] = len(groups)
                groups.append(j)
        self.groups = np.array(groups, dtype=np.int64)
        # numeric parameters whose value decides no other's activity: free in the refinement
        deciders = {p for name in space.names for p in space[name].conditions}
        self.free = np.array([j for j, name in enumerate(space.names)
                              if j in self.numeric_col and name not in deciders], dtype=np.int64)
        self.free_cols = np.array([self.numeric_col[j] for j in self.free], dtype=np.int64)

    def __call__(self, U: np.ndarray, A: np.ndarray) -> np.ndarray:
        F = np.zeros((len(U), len(self.groups)))
        for j, c in self.numeric_col.items():
            F[:, c] = np.where(A[:, j], U[:, j], INACTIVE_FEATURE)
        for j, (c, k) in self.onehot.items():
            idx = np.clip(np.floor(U[:, j] * k).astype(np.int64), 0, k - 1)
            rows = np.flatnonzero(A[:, j])
            F[rows, c + idx[rows]] = 1.0
        return F


class BayesianProposer:
    """Proposes configurations from observations with a Gaussian process and an acquisition function.

    The model half of :class:`BayesianOptimization`, usable on its own (for
    example inside Hyperband, fitted on the trials of one budget).

    Parameters
    ----------
    space : Space
    acquisition : {"log_ei", "pi", "lcb"}, default "log_ei"
    xi : float, optional
        Improvement margin of ``log_ei`` and ``pi``, in standardized units.
        Default 0 for ``log_ei`` and ``PI_MARGIN`` (0.1) for ``pi``: probability
        of improvement weighs no size of improvement, so without a margin a
        point a hair down the slope from the incumbent always wins and the
        search creeps (Hartmann-6 at 50 evaluations, seeds 100-109: a mean
        normalized score of 65 with no margin, 98 with 0.1).
    kappa : float, default 2.0
        Exploration weight of ``lcb``.
    n_candidates : int, default 1024
        Size of the candidate set the acquisition is first maximized over.
    n_refine : int, default 5
        Best candidates refined by L-BFGS-B.
    max_fit_points, max_model_points : int, default 100 and 500
        Observations used to fit the hyperparameters and to condition the
        posterior (subsets beyond them: the best half, a random half).
    explore_lengthscale : float, default 0.3
        The cap on every length scale (in the unit box) of the model behind
        an exploring proposal (``ranked(explore=True)``).
    """

    def __init__(
        self,
        space: Space,
        *,
        acquisition: str = "log_ei",
        xi: float | None = None,
        kappa: float = 2.0,
        n_candidates: int = 1024,
        n_refine: int = 5,
        max_fit_points: int = 100,
        max_model_points: int = 500,
        explore_lengthscale: float = 0.3,
    ) -> None:
        if acquisition not in ACQUISITIONS:
            raise ValueError(f"acquisition must be one of {sorted(ACQUISITIONS)}, got {acquisition!r}")
        for option, value, least in (("n_candidates", n_candidates, 16), ("n_refine", n_refine, 0),
                                     ("max_fit_points", max_fit_points, 10),
                                     ("max_model_points", max_model_points, 10)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < least:
                raise ValueError(f"{option} must be an int >= {least}, got {value!r}")
        if xi is None:
            xi = PI_MARGIN if acquisition == "pi" else 0.0
        for option, value in (("xi", xi), ("kappa", kappa)):
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise ValueError(f"{option} must be a finite number >= 0, got {value!r}")
        if (not isinstance(explore_lengthscale, (int, float)) or isinstance(explore_lengthscale, bool)
                or not math.isfinite(explore_lengthscale) or explore_lengthscale <= 0):
            raise ValueError(f"explore_lengthscale must be a finite number > 0, got {explore_lengthscale!r}")
        self.space = space
        self.explore_lengthscale = float(explore_lengthscale)
        self.acquisition = acquisition
        self.xi = float(xi)
        self.kappa = float(kappa)
        self.n_candidates = int(n_candidates)
        self.n_refine = int(n_refine)
        self.max_fit_points = int(max_fit_points)
        self.max_model_points = int(max_model_points)
        self.features = _Features(space)
        self.gp = GaussianProcess(self.features.groups)
        self._n_fits = 0
        self._exploiting = False

    # ------------------------------------------------------------------ fit
    def fit(self, U: np.ndarray, losses: np.ndarray, rng: np.random.Generator) -> "BayesianProposer":
        """Fit the model to canonical unit points ``U`` and their losses (lower is better)."""
        U, A = self.space.snap(U)
        y = transform_losses(losses)
        F = self.features(U, A)
        n = len(y)
        fit_rows = self._subset(y, self.max_fit_points, rng)
        restarts = 2 if n <= 30 else 0
        self.gp.fit(F[fit_rows], y[fit_rows], restarts=restarts, rng=rng)
        model_rows = self._subset(y, self.max_model_points, rng)
        if len(model_rows) != len(fit_rows) or not np.array_equal(model_rows, fit_rows):
            self.gp.condition(F[model_rows], y[model_rows])
        self._n_fits += 1
        self._U, self._y = U[model_rows], y[model_rows]
        self._best = float(y.min())
        self._top = U[np.argsort(y, kind="stable")[: max(1, min(5, n))]]
        self._running = np.zeros((0, U.shape[1]))
        return self

    @staticmethod
    def _subset(y: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
        n = len(y)
        if n <= size:
            return np.arange(n)
        order = np.argsort(y, kind="stable")
        best = order[: size // 2]
        rest = rng.choice(order[size // 2:], size - len(best), replace=False)
        return np.sort(np.concatenate([best, rest]))

    def add_fantasy(self, U: np.ndarray) -> None:
        """Condition on points still being evaluated, at the model's mean (kriging believer)."""
        U, A = self.space.snap(np.atleast_2d(U))
        self._running = np.vstack([self._running, U])
        F = self.features(U, A)
        mean, _ = self.gp.predict(F)
        self.gp.condition(np.vstack([self.gp.X, F]), np.concatenate([self.gp.y, mean]))
        # a believed value below the incumbent is the new incumbent, or the point would stay attractive
        self._best = min(self._best, float(mean.min()))

    # ------------------------------------------------------------- propose
    def _acq(self, F: np.ndarray) -> np.ndarray:
        mean, var = self.gp.predict(F)
        return self._acq_from(mean, np.sqrt(var))[0]

    def _acq_from(self, mean, sigma):
        if self._exploiting:
            return ACQUISITIONS["lcb"](mean, sigma, self._best, 0.0)  # the posterior mean alone
        fn = ACQUISITIONS[self.acquisition]
        extra = self.kappa if self.acquisition == "lcb" else self.xi
        return fn(mean, sigma, self._best, extra)

    def _candidates(self, rng: np.random.Generator) -> np.ndarray:
        d = len(self.space)
        n_uniform = self.n_candidates // 2
        C = [rng.random((n_uniform, d))]
        per = max(1, (self.n_candidates - n_uniform) // len(self._top))
        p_change = max(1.0 / d, 0.2)
        for top in self._top:
            P = np.repeat(top[None, :], per, axis=0)
            change = rng.random((per, d)) < p_change
            change[np.arange(per), rng.integers(0, d, per)] = True
            scale = rng.choice([0.01, 0.05, 0.2], size=(per, 1))
            P = np.where(change, P + rng.normal(0.0, 1.0, (per, d)) * scale, P)
            # categoricals that change jump to a random choice
            for j in self.features.onehot:
                P[:, j] = np.where(change[:, j], rng.random(per), top[j])
            C.append(P)
        return np.clip(np.vstack(C), 0.0, 1.0)

    def ranked(self, rng: np.random.Generator, *, explore: bool = False,
               exploit: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Canonical unit points, best acquisition first, and their acquisition values.

        ``exploit=True`` ranks by the posterior mean alone (lowest first; the
        values are minus the mean): a greedy step.

        ``explore=True`` ranks with a humbler model: every length scale capped
        at ``explore_lengthscale`` (the fitted model is restored afterwards).
        A model fitted on points crowded into one basin often gives some
        parameters very long length scales, believing they do not matter, and
        then refines the basin's floor forever (Hartmann-6's boundary optimum
        at x0 = x3 = 0, for example); the capped model expects variation along
        every parameter within that distance, so the acquisition looks past
        the basin, near the good points rather than in the empty corners that
        a search over uniform points alone would pick.
        """
        if explore and exploit:
            raise ValueError("a ranking explores or exploits, not both")
        if explore:
            with self.gp.capped_lengthscales(self.explore_lengthscale):
                return self._ranked(rng)
        if exploit:
            self._exploiting = True
            try:
                return self._ranked(rng)
            finally:
                self._exploiting = False
        return self._ranked(rng)

    def _ranked(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        U, A = self.space.snap(self._candidates(rng))
        F = self.features(U, A)
        acq = self._acq(F)
        if self.n_refine and len(self.features.free):
            R = self._refine(U, A, F, acq)
            if len(R):
                RU, RA = self.space.snap(R)
                U = np.vstack([U, RU])
                acq = np.concatenate([acq, self._acq(self.features(RU, RA))])
        if len(self._running):
            # the believer alone lets a batch crowd the incumbent's basin: keep MIN_GAP from running points
            near = (sqdist(U, self._running).min(1) < MIN_GAP ** 2)
            acq = np.where(near, -np.inf, acq)
        order = np.argsort(-acq, kind="stable")
        return U[order], acq[order]

    def _refine(self, U: np.ndarray, A: np.ndarray, F: np.ndarray, acq: np.ndarray) -> np.ndarray:
        """L-BFGS-B on the free numeric columns, from the best distinct candidates."""
        order = np.argsort(-acq, kind="stable")
        starts: list[int] = []
        for i in order:
            if not any(np.array_equal(U[i], U[s]) for s in starts):
                starts.append(int(i))
            if len(starts) == self.n_refine:
                break
        free, cols = self.features.free, self.features.free_cols
        S = np.array(starts)
        mask = A[S][:, free]  # which free parameters are active in each start
        if not mask.any():
            return np.zeros((0, U.shape[1]))
        F0 = F[S].copy()
        x0 = F0[:, cols][mask]

        def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
            Fx = F0.copy()
            block = Fx[:, cols]
            block[mask] = x
            Fx[:, cols] = block
            mean, var, dmean, dvar = self.gp.predict_with_gradient(Fx)
            sigma = np.sqrt(var)
            value, d_mu, d_sigma = self._acq_from(mean, sigma)
            grad = d_mu[:, None] * dmean + (d_sigma / (2.0 * sigma))[:, None] * dvar
            return -float(value.sum()), -grad[:, cols][mask]

        with np.errstate(all="ignore"):
            res = minimize(objective, x0, jac=True, method="L-BFGS-B", bounds=[(0.0, 1.0)] * len(x0),
                           options={"maxiter": 100})
        X = U[S].copy()
        block = X[:, free]
        block[mask] = np.clip(res.x, 0.0, 1.0)
        X[:, free] = block
        return X


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
    xi, kappa, n_candidates, n_refine, max_fit_points, max_model_points
        See :class:`BayesianProposer`.
    budget : float, optional
        The budget given to every candidate (None: the full budget).
    fit_budget : "largest" or "all", default "largest"
        Which trials the model learns from when they have different budgets:
        those at the largest budget with at least ``min_budget_points``
        results (BOHB-style), or all of them together.
    min_budget_points : int, default 3
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
        that has not earned it (on Ackley-5 at 50 evaluations, greedy steps
        from the start cost 14 points of normalized score). On Branin it
        saves about 1.5 of the 30 evaluations to a regret of 1e-3 (80 seeds).
        None never takes greedy steps.

    Attributes
    ----------
    proposer : BayesianProposer
    n_model_proposals : int
        Candidates that came from the model (not from the initial design).
    n_greedy_proposals : int
        Those of them that were greedy steps (``exploit_after``).
    """

    name = "bayes"

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
        min_budget_points: int = 3,
        patience: int | str | None = "auto",
        explore_lengthscale: float = 0.3,
        exploit_after: float | None = 10.0,
    ) -> None:
        super().__init__(space, seed=seed)
        if exploit_after is not None and (not isinstance(exploit_after, (int, float)) or isinstance(exploit_after, bool)
                                          or not math.isfinite(exploit_after) or exploit_after <= 0):
            raise ValueError(f"exploit_after must be None or a finite number > 0, got {exploit_after!r}")
        if patience not in ("auto", None) and (not isinstance(patience, (int, np.integer))
                                               or isinstance(patience, bool) or patience < 1):
            raise ValueError(f"patience must be 'auto', None or an int >= 1, got {patience!r}")
        if n_initial is None:
            n_initial = default_n_initial(space)
        if not isinstance(n_initial, (int, np.integer)) or isinstance(n_initial, bool) or n_initial < 1:
            raise ValueError(f"n_initial must be an int >= 1, got {n_initial!r}")
        if fit_budget not in ("largest", "all"):
            raise ValueError(f"fit_budget must be 'largest' or 'all', got {fit_budget!r}")
        if budget is not None and (not isinstance(budget, (int, float)) or isinstance(budget, bool)
                                   or not budget > 0 or not math.isfinite(budget)):
            raise ValueError(f"budget must be a positive number or None, got {budget!r}")
        if not isinstance(min_budget_points, (int, np.integer)) or min_budget_points < 1:
            raise ValueError(f"min_budget_points must be an int >= 1, got {min_budget_points!r}")
        self.proposer = BayesianProposer(
            space, acquisition=acquisition, xi=xi, kappa=kappa, n_candidates=n_candidates, n_refine=n_refine,
            max_fit_points=max_fit_points, max_model_points=max_model_points,
            explore_lengthscale=explore_lengthscale,
        )
        self.n_initial = int(n_initial)
        self.budget = budget
        self.fit_budget = fit_budget
        self.min_budget_points = int(min_budget_points)
        self._initial: deque = deque(self._check_initial(initial_configs))
        self._design = SobolSearch(space, seed=self.rng)
        self._seen: set = set()
        self._unit: dict[int, np.ndarray] = {}  # candidate id -> canonical unit point
        self._cardinality = space.cardinality() if space.is_finite else None
        self._exhausted = False
        self.n_model_proposals = 0
        self._blas: ThreadpoolController | None = None
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
            out.append(dict(config))
        return out

    # ------------------------------------------------------------ protocol
    @property
    def finished(self) -> bool:
        return self._exhausted or (self._cardinality is not None and len(self._seen) >= self._cardinality)

    @property
    def max_trials(self) -> int | None:
        return self._cardinality

    @property
    def space_size(self) -> int | None:
        return self._cardinality

    def __getstate__(self) -> dict:
        # the BLAS controller holds C function pointers; it is made again on the next ask
        return {**self.__dict__, "_blas": None}

    def _ask(self, n: int) -> list:
        # One BLAS thread: the matrices are small, and threads waiting on each other cost 5x on a busy machine.
        if self._blas is None:
            self._blas = ThreadpoolController()
        with self._blas.limit(limits=1, user_api="blas"):
            return self._ask_unthreaded(n)

    def _ask_unthreaded(self, n: int) -> list:
        out: list = []
        model_ready = False
        while len(out) < n and not self.finished:
            config = None
            while self._initial and config is None:
                c = self._initial.popleft()
                config = c if config_key(c) not in self._seen else None
            if config is None and (self._n_asked + len(out) >= self.n_initial or not self._initial):
                if not model_ready and self._n_asked + len(out) >= self.n_initial:
                    model_ready = self._fit_model(out)
                if model_ready:
                    config = self._propose()
                    if config is not None:
                        self.n_model_proposals += 1
            if config is None:
                config = self._from_design()
            if config is None:
                self._exhausted = True
                break
            self._seen.add(config_key(config))
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
            if config_key(config) not in self._seen:
                return config
        return self._random_unseen()

    def _random_unseen(self) -> dict | None:
        for _ in range(64):
            for config in self.space.decode(self.rng.random((64, len(self.space)))):
                if config_key(config) not in self._seen:
                    return config
        return None

    def observe(self, trial: Trial) -> None:
        """Learn from another evaluation of a configuration told already (a promotion to a larger budget).

        Hyperband, successive halving and ASHA call it with ``sampler="bayes"``
        (BOHB-style): with ``fit_budget="largest"`` the model then fits on the
        largest budget that has ``min_budget_points`` results.
        """
        self._observed.append(trial)

    def _tell(self, trial: Trial) -> None:
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
                if sum(t.status == OK for t in by_budget[b]) >= self.min_budget_points:
                    trials = by_budget[b]
                    break
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
        U, _ = self.proposer.ranked(self.rng, explore=explore, exploit=exploit)
        # decode lazily, best first, until an unseen configuration turns up
        for start in range(0, min(len(U), 256), 16):
            for config in self.space.decode(U[start:start + 16]):
                key = config_key(config)
                if key not in self._seen:
                    if explore:
                        self._exploring.add(key)
                    self.n_greedy_proposals += exploit
                    return config
        return None
