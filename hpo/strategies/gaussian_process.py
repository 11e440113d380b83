"""A small Gaussian process for Bayesian optimization, on numpy and scipy.

Matern 5/2 kernel with one length scale per *group* of input columns (a
categorical's one-hot columns share one), a signal variance and a noise
variance. Hyperparameters are fitted by maximizing the marginal likelihood
plus log-normal priors (MAP) with L-BFGS-B and analytic gradients, warm-started
from the previous fit. The priors keep a handful of points from producing
absurd length scales: the length-scale prior is the dimension-scaled one of
Hvarfner et al. (2024, "Vanilla Bayesian optimization performs great in high
dimensions"), ``l ~ LogNormal(sqrt(2) + log(d) / 2, sqrt(3))`` on the unit box.

The length-scale prior is a density of the length scale itself, as in
BoTorch, where Hvarfner et al. measured it; the optimizer works on logarithms
``t``, so the objective carries the density of ``l = exp(t)``,
``N(t; mu, s) / l``. The ``1 / l`` moves the MAP pull from the LogNormal's
median ``exp(mu)`` to its mode ``exp(mu - s**2)``: for d = 5, a length scale of
0.46 rather than 9.2 box widths. (Without it, as this module had it at first,
the model believed most parameters barely mattered after 50 points and
refined one basin of a multimodal function; BENCHMARKS.md has the figures
before and after.)

Why not scikit-learn's ``GaussianProcessRegressor``: it has no priors (only
bounds), no shared length scale for a group of columns, restarts from scratch
on every fit, and gives no gradient of the predictive variance, which the
acquisition's local refinement needs. Written here it costs a few milliseconds
per fit at a hundred observations.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from scipy.linalg import cho_solve, cholesky, solve_triangular
from scipy.optimize import minimize

__all__ = ["GaussianProcess", "sqdist"]

_SQRT5 = math.sqrt(5.0)
_JITTER = 1e-8


def _matern52(r: np.ndarray) -> np.ndarray:
    s = _SQRT5 * r
    return (1.0 + s + s * s / 3.0) * np.exp(-s)


def sqdist(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances between rows (clipped at 0)."""
    d = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2.0 * (A @ B.T)
    return np.maximum(d, 0.0)


class GaussianProcess:
    """Gaussian-process regression with a Matern 5/2 ARD kernel on grouped columns.

    Parameters
    ----------
    groups : int array of shape (p,)
        ``groups[c]`` is the length-scale index of input column ``c`` (0 .. k-1).
    lengthscale_bounds : (float, float), default (0.01, 100)
    signal_bounds : (float, float), default (0.05, 20)
        Bounds of the signal variance (the targets should be standardized).
    noise_bounds : (float, float), default (1e-6, 0.5)
        Bounds of the noise variance.

    Attributes
    ----------
    theta : array (k + 2,)
        Log length scales, log signal variance, log noise variance.
    X, y : arrays
        The data the posterior is conditioned on.
    """

    def __init__(
        self,
        groups: np.ndarray,
        *,
        lengthscale_bounds: tuple[float, float] = (1e-2, 1e2),
        signal_bounds: tuple[float, float] = (5e-2, 20.0),
        noise_bounds: tuple[float, float] = (1e-6, 0.5),
    ) -> None:
        self.groups = np.asarray(groups, dtype=np.int64)
        self.k = int(self.groups.max()) + 1 if len(self.groups) else 0
        self._onehot = np.zeros((self.k, len(self.groups)))
        self._onehot[self.groups, np.arange(len(self.groups))] = 1.0
        k = self.k
        self._ls_mu = math.sqrt(2.0) + 0.5 * math.log(max(k, 1))
        self._ls_sd = math.sqrt(3.0)
        self._noise_mu, self._noise_sd = math.log(1e-3), 3.0
        self.bounds = (
            [tuple(np.log(lengthscale_bounds))] * k
            + [tuple(np.log(signal_bounds)), tuple(np.log(noise_bounds))]
        )
        # the length-scale prior's mode, unit signal, small noise
        self.theta = np.concatenate([np.full(k, self.lengthscale_mode), [0.0, math.log(1e-3)]])
        self.theta = np.clip(self.theta, [b[0] for b in self.bounds], [b[1] for b in self.bounds])
        self.X = np.zeros((0, len(self.groups)))
        self.y = np.zeros(0)

    # ------------------------------------------------------------ parameters
    @property
    def lengthscale_mode(self) -> float:
        """The logarithm of the length-scale prior's mode, ``mu - s**2``: where the prior alone pulls."""
        return self._ls_mu - self._ls_sd ** 2

    @property
    def lengthscales(self) -> np.ndarray:
        return np.exp(self.theta[: self.k])

    @property
    def signal(self) -> float:
        return float(np.exp(self.theta[self.k]))

    @property
    def noise(self) -> float:
        return float(np.exp(self.theta[self.k + 1]))

    def _log_prior(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Log prior density (up to a constant) and its gradient in ``theta``.

        A length scale ``l = exp(t)`` has the LogNormal density
        ``N(t; mu, s) / l``, whose ``- t`` puts the optimum of the prior alone at
        the mode ``mu - s**2`` (see the module docstring). The signal and noise
        priors are densities of the log variances, centred where they pull:
        a unit signal and a noise variance of 1e-3. (Densities of the variances
        would pull the noise to its lower bound: better on the synthetic
        functions at 100 evaluations, worse on the scikit-learn tasks, whose
        cross-validated losses are noisy; BENCHMARKS.md has the figures.)
        """
        k = self.k
        g = np.zeros_like(theta)
        dl = theta[:k] - self._ls_mu
        lp = -0.5 * float(dl @ dl) / self._ls_sd ** 2
        g[:k] = -dl / self._ls_sd ** 2
        # signal variance ~ LogNormal(0, 1); noise variance ~ LogNormal(log 1e-3, 3)
        lp += -0.5 * theta[k] ** 2
        g[k] = -theta[k]
        dn = theta[k + 1] - self._noise_mu
        lp += -0.5 * dn ** 2 / self._noise_sd ** 2
        g[k + 1] = -dn / self._noise_sd ** 2
        # the length-scale density is of the values, not of their logarithms: log(1 / l) = -t
        lp -= float(theta[:k].sum())
        g[:k] -= 1.0
        return lp, g

    # ------------------------------------------------------------------ fit
    def fit(self, X: np.ndarray, y: np.ndarray, *, optimize: bool = True, restarts: int = 0,
            rng: np.random.Generator | None = None) -> "GaussianProcess":
        """Fit the hyperparameters (MAP, warm-started from the current ones) and condition on ``(X, y)``.

        Parameters
        ----------
        X : array (n, p)
        y : array (n,)
            Targets, best standardized.
        optimize : bool, default True
            False keeps the current hyperparameters (only conditions).
        restarts : int, default 0
            Extra starts drawn around the prior, for small data sets.
        rng : Generator, optional
            For the restarts.
        """
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        if optimize and len(y) >= 2:
            D = self._group_distances(X)
            lo = np.array([b[0] for b in self.bounds])
            hi = np.array([b[1] for b in self.bounds])
            starts = [self.theta]
            rng = rng if rng is not None else np.random.default_rng(0)
            for _ in range(restarts):
                t = np.concatenate([rng.normal(self._ls_mu - 1.0, 1.0, self.k), [0.0, math.log(1e-3)]])
                starts.append(np.clip(t, lo, hi))
            best = (np.inf, self.theta)
            for t0 in starts:
                try:
                    res = minimize(self._neg_log_posterior, t0, args=(D, y), jac=True, method="L-BFGS-B",
                                   bounds=self.bounds, options={"maxiter": 200})
                except np.linalg.LinAlgError:  # pragma: no cover - the jitter makes this rare
                    continue
                if np.isfinite(res.fun) and res.fun < best[0]:
                    best = (float(res.fun), res.x)
            self.theta = np.clip(best[1], lo, hi)
        self.condition(X, y)
        return self

    def _group_distances(self, X: np.ndarray) -> np.ndarray:
        """Squared distances per length-scale group: array (k, n, n)."""
        n = len(X)
        D = np.zeros((self.k, n, n))
        for c, g in enumerate(self.groups):
            diff = X[:, c, None] - X[None, :, c]
            D[g] += diff * diff
        return D

    def _neg_log_posterior(self, theta: np.ndarray, D: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        k = self.k
        n = len(y)
        ls2 = np.exp(2.0 * theta[:k])
        s2 = math.exp(theta[k])
        noise = math.exp(theta[k + 1])
        scaled = D / ls2[:, None, None]
        r = np.sqrt(scaled.sum(0))
        e = np.exp(-_SQRT5 * r)
        Ks = s2 * (1.0 + _SQRT5 * r + 5.0 / 3.0 * r * r) * e
        K = Ks + (noise + _JITTER) * np.eye(n)
        try:
            L = cholesky(K, lower=True, check_finite=False)
        except np.linalg.LinAlgError:
            return 1e25, np.zeros_like(theta)
        alpha = cho_solve((L, True), y, check_finite=False)
        nll = 0.5 * float(y @ alpha) + float(np.log(np.diag(L)).sum()) + 0.5 * n * math.log(2 * math.pi)
        Kinv = cho_solve((L, True), np.eye(n), check_finite=False)
        W = np.outer(alpha, alpha) - Kinv
        grad = np.empty_like(theta)
        # dK/dlog(l_j) = s2 * 5/3 * (1 + sqrt5 r) exp(-sqrt5 r) * D_j / l_j^2
        common = (W * (s2 * 5.0 / 3.0 * (1.0 + _SQRT5 * r) * e)).ravel()
        grad[:k] = -0.5 * (scaled.reshape(k, -1) @ common)
        grad[k] = -0.5 * float((W * Ks).sum())
        grad[k + 1] = -0.5 * noise * float(np.trace(W))
        lp, glp = self._log_prior(theta)
        return nll - lp, grad - glp

    def condition(self, X: np.ndarray, y: np.ndarray) -> "GaussianProcess":
        """Condition the posterior on ``(X, y)`` with the current hyperparameters."""
        self.X = np.asarray(X, dtype=float)
        self.y = np.asarray(y, dtype=float)
        self._scale = 1.0 / self.lengthscales[self.groups]
        self._Xs = self.X * self._scale
        n = len(self.y)
        K = self.signal * _matern52(np.sqrt(sqdist(self._Xs, self._Xs))) + (self.noise + _JITTER) * np.eye(n)
        self._L = cholesky(K, lower=True, check_finite=False) if n else np.zeros((0, 0))
        self._alpha = cho_solve((self._L, True), self.y, check_finite=False) if n else np.zeros(0)
        return self

    @contextmanager
    def capped_lengthscales(self, cap: float) -> Iterator["GaussianProcess"]:
        """Within the block, the posterior with every length scale at most ``cap``; restored after.

        A humbler model: it expects the function to vary within ``cap`` of the
        data along every parameter, including those the fitted length scales
        had written off, so its uncertainty away from the data is larger.
        """
        saved = (self.theta, self._scale, self._Xs, self._L, self._alpha)
        self.theta = self.theta.copy()
        self.theta[: self.k] = np.minimum(self.theta[: self.k], math.log(cap))
        self.condition(self.X, self.y)
        try:
            yield self
        finally:
            self.theta, self._scale, self._Xs, self._L, self._alpha = saved

    # -------------------------------------------------------------- predict
    def predict(self, Xq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and variance (of the latent function) at the rows of ``Xq``."""
        Xq = np.asarray(Xq, dtype=float)
        if len(self.y) == 0:
            return np.zeros(len(Xq)), np.full(len(Xq), self.signal)
        Kq = self.signal * _matern52(np.sqrt(sqdist(Xq * self._scale, self._Xs)))
        mean = Kq @ self._alpha
        V = solve_triangular(self._L, Kq.T, lower=True, check_finite=False)
        var = np.maximum(self.signal - (V * V).sum(0), 1e-12)
        return mean, var

    def predict_with_gradient(self, Xq: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Mean, variance and their gradients with respect to the columns of ``Xq``.

        Returns
        -------
        mean, var : arrays (m,)
        dmean, dvar : arrays (m, p)
        """
        Xq = np.asarray(Xq, dtype=float)
        Xqs = Xq * self._scale
        r = np.sqrt(sqdist(Xqs, self._Xs))
        e = np.exp(-_SQRT5 * r)
        Kq = self.signal * (1.0 + _SQRT5 * r + 5.0 / 3.0 * r * r) * e
        # dk/dx_c = -s2 * 5/3 (1 + sqrt5 r) exp(-sqrt5 r) (x_c - X_c) / l_c^2
        G = -self.signal * 5.0 / 3.0 * (1.0 + _SQRT5 * r) * e  # (m, n)
        mean = Kq @ self._alpha
        V = cho_solve((self._L, True), Kq.T, check_finite=False)  # K^-1 k, (n, m)
        var = np.maximum(self.signal - (Kq * V.T).sum(1), 1e-12)
        s2 = self._scale ** 2
        # sum_i G_mi * w_i * (x_mc - X_ic) = x_mc * (G w)_m - (G diag(w) X)_mc
        Ga = G * self._alpha[None, :]
        dmean = (Xq * Ga.sum(1)[:, None] - Ga @ self.X) * s2
        GV = G * V.T
        dvar = -2.0 * (Xq * GV.sum(1)[:, None] - GV @ self.X) * s2
        return mean, var, dmean, dvar
