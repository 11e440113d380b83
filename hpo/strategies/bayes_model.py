"""The model half of Bayesian optimization: features, loss transform, and :class:`BayesianProposer`.

How one proposal is made (:class:`BayesianProposer`; the strategy around it is
:class:`hpo.strategies.bayes.BayesianOptimization`):

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
   model away from them instead of forgetting them. A configuration evaluated
   more than once enters once, at the mean of its losses (:func:`merge_repeats`).
3. **Model.** :class:`~hpo.strategies.gaussian_process.GaussianProcess`, Matern
   5/2 with a length scale per parameter, MAP hyperparameters, warm-started.
   Beyond ``max_fit_points`` observations the hyperparameters are fitted on a
   subset (the best half and a random half), and beyond ``max_model_points``
   the posterior is conditioned on a subset too, so a long search stays cheap.
   The fitted noise variance is reported (``noise_share``: its share of the
   transformed losses' variance; ``noise_sd``: roughly, in the loss's units).
   With ``incumbent="model"``, where the noise is large (``noise_share >=
   NOISY``, 5%; a smooth function's fit stays under 2%), the incumbent the
   acquisition improves on is the best posterior mean at an evaluated point
   rather than the lowest loss, which may be a lucky draw. It is not the
   default: on noisy synthetic functions it did not find better
   configurations (BENCHMARKS.md, "Noisy losses").
4. **Acquisition.** Log expected improvement (default), probability of
   improvement or a lower confidence bound, maximized over a candidate set
   (uniform points of the box plus perturbations of the best configurations)
   and refined by L-BFGS-B with analytic gradients over the numeric
   parameters that decide no other parameter's activity, from the best
   candidates. Integers are rounded and categoricals kept on their choices
   before the final comparison, so a proposal is always a point the space
   holds; every point of the box decodes to a valid configuration, so
   dependent ranges are respected.
5. **Pending candidates** (asked, not yet told; and earlier picks of the same
   ``ask(n)``) enter as fantasies at the model's mean ("kriging believer"),
   which flattens the acquisition around them: a batch is spread out.
6. **Plateaus** (``ranked(avoid_plateaus=True)``, which the strategy asks for
   after a proposal whose loss exactly tied one seen before). A loss that
   saturates (a CV error at its majority-class value, a regularization strong
   or weak enough that nothing changes, a face of the box along which nothing
   varies) returns *exactly* the same value at many points. A stationary
   Gaussian process cannot represent such a flat region: a point predicted
   at the incumbent's level keeps an expected improvement of about 0.4 sigma,
   and sigma is largest at the region's unexplored corners and faces, so a
   search whose best loss is a shelf goes on sampling the shelf. With
   ``avoid_plateaus``, candidates inside the bounding box of
   ``PLATEAU_MIN_TIES`` or more observations with one exactly equal loss are
   ranked last, unless that box covers more than ``PLATEAU_MAX_VOLUME`` of the
   numeric parameters' box (an L-shaped or scattered group tells nothing of
   where the flat region is). Measured in BENCHMARKS.md, "Bounds and plateaus
   (issue 21)".
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import minimize

from .._constraints import Interval, Options, check_options
from ..spaces import Categorical, Space
from .acquisition import ACQUISITIONS
from .gaussian_process import GaussianProcess, sqdist

__all__ = ["BayesianProposer", "merge_repeats", "transform_losses", "INACTIVE_FEATURE", "MIN_GAP", "NOISY", "PI_MARGIN",
           "PLATEAU_MIN_TIES", "PLATEAU_MAX_VOLUME"]

#: The feature value of an inactive numeric parameter (outside the unit box).
INACTIVE_FEATURE = -0.5
#: The least distance (in the unit box) between a proposal and a running candidate, where possible.
MIN_GAP = 0.01
#: The default improvement margin of probability of improvement (standardized units).
PI_MARGIN = 0.1
#: Observations with one exactly equal loss that make a plateau (see ``ranked(avoid_plateaus=True)``).
PLATEAU_MIN_TIES = 3
#: The largest share of the numeric box a plateau's bounding box may cover and still be avoided.
PLATEAU_MAX_VOLUME = 0.5
#: The fitted noise share (noise variance over the variance of the transformed losses) from which, with
#: ``incumbent="model"``, the acquisition improves on the model's best mean at an evaluated point.
NOISY = 0.05


def merge_repeats(U: np.ndarray, A: np.ndarray, losses: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One row per distinct canonical point, at the mean of its losses (first occurrences, in order).

    A configuration evaluated more than once (a resumed study, a repeated
    initial configuration, several budgets fitted together) would otherwise
    enter the Gaussian process as coinciding rows with different targets,
    which only a large noise variance can explain; their mean is the better
    estimate and leaves the noise to what varies between configurations.

    Examples
    --------
    >>> import numpy as np
    >>> U = np.array([[0.1], [0.5], [0.1]])
    >>> U2, A2, y2 = merge_repeats(U, np.ones((3, 1), bool), np.array([1.0, 3.0, 2.0]))
    >>> U2.ravel().tolist(), y2.tolist()
    ([0.1, 0.5], [1.5, 3.0])
    """
    if len(U) < 2:
        return U, A, losses
    _, first, inverse, counts = np.unique(U, axis=0, return_index=True, return_inverse=True, return_counts=True)
    if counts.max() == 1:
        return U, A, losses
    inverse = inverse.ravel()
    means = np.bincount(inverse, weights=losses) / counts
    keep = np.sort(first)
    return U[keep], A[keep], means[inverse[keep]]


def _robust_scale(losses: np.ndarray) -> float:
    """The spread of losses as :func:`transform_losses` measures it (interquartile range / 1.349, else std)."""
    q25, q75 = np.percentile(losses, [25, 75])
    scale = (q75 - q25) / 1.349
    return float(scale if scale > 0 else np.std(losses))

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
    z = (y - np.percentile(y, 50)) / _robust_scale(y)  # percentile, not median: the same bits as before
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


def _tie_groups(losses: np.ndarray) -> np.ndarray:
    """Per observation, the id of its group of exactly equal losses (-1: a loss no other observation has)."""
    _, inverse, counts = np.unique(losses, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    return np.where(counts[inverse] >= 2, inverse, -1)


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
        search creeps (measured in BENCHMARKS.md, "Probability of
        improvement's margin").
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
    incumbent : {"observed", "model"}, default "observed"
        What the acquisition improves on: the lowest loss, or, with
        ``"model"``, on a noisy fit (``noise_share >= NOISY``) the model's
        best posterior mean at an evaluated point.

    Attributes
    ----------
    noise_share : float or None
        The last fit's noise variance as a share of the transformed losses'
        variance (0 to 0.5, the noise bound; None before the first fit).
    noise_sd : float or None
        That noise as a standard deviation in the loss's own units, roughly
        (``sqrt(noise_share)`` times the losses' interquartile range / 1.349).
    incumbent : float
        What the acquisition improves on, in the model's standardized units:
        the lowest transformed loss, or (``incumbent="model"``) the best
        posterior mean at an evaluated point when the fit is noisy; lowered
        by pending fantasies.
    """

    _constraints = {
        "acquisition": [Options(ACQUISITIONS)],
        "n_candidates": [Interval(int, 16)],
        "n_refine": [Interval(int, 0)],
        "max_fit_points": [Interval(int, 10)],
        "max_model_points": [Interval(int, 10)],
        "xi": [Interval(float, 0)],
        "kappa": [Interval(float, 0)],
        "explore_lengthscale": [Interval(float, 0, closed="neither")],
        "incumbent": [Options(["observed", "model"])],
    }

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
        incumbent: str = "observed",
    ) -> None:
        if xi is None:
            xi = PI_MARGIN if acquisition == "pi" else 0.0
        check_options(self._constraints, acquisition=acquisition, n_candidates=n_candidates, n_refine=n_refine,
                      max_fit_points=max_fit_points, max_model_points=max_model_points, xi=xi, kappa=kappa,
                      explore_lengthscale=explore_lengthscale, incumbent=incumbent)
        self.incumbent_rule = incumbent
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
        self._exploiting = False
        self._plateaus: list[tuple[np.ndarray, np.ndarray]] = []
        self.noise_share: float | None = None
        self.noise_sd: float | None = None

    # ------------------------------------------------------------------ fit
    def fit(self, U: np.ndarray, losses: np.ndarray, rng: np.random.Generator) -> "BayesianProposer":
        """Fit the model to canonical unit points ``U`` and their losses (lower is better)."""
        U, A = self.space.snap(U)
        U, A, losses = merge_repeats(U, A, np.asarray(losses, dtype=float))
        y = transform_losses(losses)
        F = self.features(U, A)
        n = len(y)
        fit_rows = self._subset(y, self.max_fit_points, rng)
        restarts = 2 if n <= 30 else 0
        self.gp.fit(F[fit_rows], y[fit_rows], restarts=restarts, rng=rng)
        model_rows = self._subset(y, self.max_model_points, rng)
        if len(model_rows) != len(fit_rows) or not np.array_equal(model_rows, fit_rows):
            self.gp.condition(F[model_rows], y[model_rows])
        self._U, self._y = U[model_rows], y[model_rows]
        self._plateaus = self._plateau_boxes(F, losses)
        self.noise_share = float(self.gp.noise) if np.ptp(y) > 0 else 0.0
        self.noise_sd = math.sqrt(self.noise_share) * _robust_scale(losses)
        self._best = float(y.min())
        if self.incumbent_rule == "model" and self.noise_share >= NOISY:
            # a noisy fit: the lowest observation is partly luck; improve on what the model believes instead
            mean, _ = self.gp.predict(F[model_rows])
            self._best = float(mean.min())
        self._top = U[np.argsort(y, kind="stable")[: max(1, min(5, n))]]
        self._running = np.zeros((0, U.shape[1]))
        return self

    def _plateau_boxes(self, F: np.ndarray, losses: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Feature-space bounding boxes of the groups of tied losses small enough to avoid."""
        groups = _tie_groups(losses)
        ids, counts = np.unique(groups[groups >= 0], return_counts=True)
        cols = np.array(sorted(self.features.numeric_col.values()), dtype=np.int64)
        boxes = []
        for g in ids[counts >= PLATEAU_MIN_TIES]:
            G = F[groups == g]
            lo, hi = G.min(0), G.max(0)
            if float(np.prod(np.clip(hi[cols] - lo[cols], 0.0, 1.0))) <= PLATEAU_MAX_VOLUME:
                boxes.append((lo, hi))
        return boxes

    def _on_plateau(self, F: np.ndarray) -> np.ndarray:
        """Which feature rows lie inside a plateau's bounding box."""
        out = np.zeros(len(F), dtype=bool)
        for lo, hi in self._plateaus:
            out |= np.all((F >= lo - 1e-9) & (F <= hi + 1e-9), axis=1)
        return out

    @property
    def incumbent(self) -> float:
        return self._best

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

    def ranked(self, rng: np.random.Generator, *, explore: bool = False, exploit: bool = False,
               avoid_plateaus: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Canonical unit points, best acquisition first, and their acquisition values.

        ``avoid_plateaus=True`` ranks last (acquisition ``-inf``) the points
        inside the bounding box of ``PLATEAU_MIN_TIES`` or more observations
        whose losses are exactly equal, where that box is small enough (see
        the module docstring, item 6); where every candidate is inside one,
        the ranking is left as it is.

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
                return self._ranked(rng, avoid_plateaus)
        if exploit:
            self._exploiting = True
            try:
                return self._ranked(rng, avoid_plateaus)
            finally:
                self._exploiting = False
        return self._ranked(rng, avoid_plateaus)

    def _ranked(self, rng: np.random.Generator, avoid_plateaus: bool = False) -> tuple[np.ndarray, np.ndarray]:
        U, A = self.space.snap(self._candidates(rng))
        F = self.features(U, A)
        acq = self._acq(F)
        flat = self._on_plateau(F) if avoid_plateaus else np.zeros(len(F), dtype=bool)
        avoid = bool(flat.any() and not flat.all())
        if avoid:
            acq = np.where(flat, -np.inf, acq)
        if self.n_refine and len(self.features.free):
            R = self._refine(U, A, F, acq)
            if len(R):
                RU, RA = self.space.snap(R)
                U = np.vstack([U, RU])
                RF = self.features(RU, RA)
                racq = self._acq(RF)
                if avoid:
                    racq = np.where(self._on_plateau(RF), -np.inf, racq)
                acq = np.concatenate([acq, racq])
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
