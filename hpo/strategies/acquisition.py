"""Acquisition functions for minimization, with gradients in the posterior mean and deviation.

Each function takes the posterior mean ``mu`` and standard deviation ``sigma``
(arrays) and returns the value to MAXIMIZE and its partial derivatives with
respect to ``mu`` and ``sigma``, so that a caller chains them with the
gradients of the model.

Expected improvement is computed on the log scale (``log_ei``) following Ament
et al. (2023), "Unexpected improvements to expected improvement": plain EI
underflows to exactly zero far from the incumbent, which leaves an optimizer
with a flat landscape; log-EI stays finite and informative everywhere.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erfcx, log_ndtr, ndtr

__all__ = ["log_ei", "probability_of_improvement", "lower_confidence_bound", "ACQUISITIONS"]

_C1 = 0.5 * math.log(2.0 * math.pi)
_C2 = 0.5 * math.log(math.pi / 2.0)
_INV_SQRT_EPS = 1.0 / math.sqrt(np.finfo(float).eps)


def _log1mexp(x: np.ndarray) -> np.ndarray:
    """``log(1 - exp(x))`` for x < 0, accurately."""
    return np.where(x > -math.log(2.0), np.log(-np.expm1(x)), np.log1p(-np.exp(x)))


def log_h(z: np.ndarray) -> np.ndarray:
    """``log(phi(z) + z * Phi(z))``, stable for very negative z."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    mid = z > -1.0
    zm = z[mid]
    out[mid] = np.log(np.exp(-0.5 * zm * zm - _C1) + zm * ndtr(zm))
    low = ~mid
    zl = z[low]
    with np.errstate(divide="ignore", invalid="ignore"):
        tail = -0.5 * zl * zl - _C1 + _log1mexp(np.log(erfcx(-zl / math.sqrt(2.0)) * np.abs(zl)) + _C2)
    far = zl <= -_INV_SQRT_EPS
    tail[far] = -0.5 * zl[far] ** 2 - _C1 - 2.0 * np.log(np.abs(zl[far]))
    out[low] = tail
    return out


def log_ei(mu: np.ndarray, sigma: np.ndarray, best: float, xi: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log expected improvement below ``best``: value, d/dmu, d/dsigma."""
    z = (best - xi - mu) / sigma
    lh = log_h(z)
    dlh = np.exp(log_ndtr(z) - lh)  # d log h / dz = Phi(z) / h(z)
    value = lh + np.log(sigma)
    d_mu = -dlh / sigma
    d_sigma = (1.0 - dlh * z) / sigma
    return value, d_mu, d_sigma


def probability_of_improvement(mu: np.ndarray, sigma: np.ndarray, best: float, xi: float = 0.0
                               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log probability of improving on ``best`` by more than ``xi``: value, d/dmu, d/dsigma."""
    z = (best - xi - mu) / sigma
    value = log_ndtr(z)
    ratio = np.exp(-0.5 * z * z - _C1 - value)  # phi(z) / Phi(z)
    return value, -ratio / sigma, -ratio * z / sigma


def lower_confidence_bound(mu: np.ndarray, sigma: np.ndarray, best: float, kappa: float = 2.0
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Negative lower confidence bound ``-(mu - kappa * sigma)``: value, d/dmu, d/dsigma."""
    return -(mu - kappa * sigma), -np.ones_like(mu), np.full_like(sigma, kappa)


ACQUISITIONS = {
    "log_ei": log_ei,
    "pi": probability_of_improvement,
    "lcb": lower_confidence_bound,
}
