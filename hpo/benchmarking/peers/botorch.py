"""BoTorch's reference GP recipe (log-EI) as an hpo strategy (``botorch_logei``, ``botorch_noiseless``)."""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..._constraints import Interval, check_options
from ...spaces import Space
from ...strategies.base import Strategy
from ...trial import OK, Candidate, Trial
from ._common import require_peer, seed_from

__all__ = ["BotorchStrategy"]


class BotorchStrategy(Strategy):
    """BoTorch's "vanilla" Bayesian optimization over the space's unit encoding: the reference GP recipe.

    What BoTorch's documentation builds by default, unchanged: a
    ``SingleTaskGP`` (RBF kernel with one length scale per column and the
    dimension-scaled log-normal length-scale prior of Hvarfner et al. 2024,
    a Gaussian likelihood whose noise is fitted, outcomes standardized),
    fitted by ``fit_gpytorch_mll``, and log expected improvement
    (``LogExpectedImprovement``; ``qLogExpectedImprovement`` with the running
    candidates as ``X_pending`` when there are some or ``n > 1``) maximized by
    ``optimize_acqf`` (``num_restarts=10, raw_samples=512``). The initial
    design is a scrambled Sobol sample of the size hpo's ``"bayes"`` uses
    (:func:`~hpo.strategies.bayes.default_n_initial`), so that the two differ
    in the model and the acquisition only.

    BoTorch knows no conditions, integers or categoricals here: it searches
    the unit box of :meth:`Space.encode` (every column continuous) and a
    point decodes through :meth:`Space.decode`, which rounds integers, picks
    a categorical's choice by its bin, ignores inactive columns and resolves
    dependent ranges. A failed or pruned trial is told at the worst loss seen.

    Parameters
    ----------
    space : Space
    seed : int, Generator or None
        Seeds ``self.rng``; every ask runs under a forked torch RNG seeded
        from it, so runs repeat and torch's global RNG is left alone.
    n_initial : int, optional
        Size of the Sobol design (at least 2: a GP needs two points); default as hpo's ``"bayes"``.
    noise_variance : float, optional
        None (default) fits the noise, as BoTorch does unless told otherwise;
        a number fixes it (in standardized units: ``1e-6`` tells the model the
        observations are exact, the usual setting for deterministic test
        functions).
    num_restarts, raw_samples : int, default 10 and 512
        ``optimize_acqf``'s settings.
    """

    name = "botorch"
    _constraints = {
        "noise_variance": [Interval(float, 0, closed="neither"), None],
        "n_initial": [Interval(int, 2), None],  # a GP needs two points
    }

    def __init__(self, space: Space, *, seed=None, n_initial: int | None = None,
                 noise_variance: float | None = None, num_restarts: int = 10, raw_samples: int = 512) -> None:
        super().__init__(space, seed=seed)
        require_peer("botorch_noiseless" if noise_variance is not None else "botorch_logei")
        from scipy.stats import qmc

        from ...strategies.bayes import default_n_initial

        check_options(self._constraints, noise_variance=noise_variance, n_initial=n_initial)
        self.n_initial = default_n_initial(space) if n_initial is None else int(n_initial)
        self.noise_variance = noise_variance
        self.num_restarts = int(num_restarts)
        self.raw_samples = int(raw_samples)
        self._design = qmc.Sobol(len(space), scramble=True, seed=seed_from(self.rng))
        self._units: dict[int, np.ndarray] = {}  # candidate id -> the unit point asked

    def _ask(self, n: int) -> list[Candidate]:
        told = self.trials
        if self._n_asked + n <= self.n_initial or sum(t.status == OK for t in told) < 2:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # scipy: "balance properties ... n a power of 2"
                U = self._design.random(n)
        else:
            U = self._from_model(told, n)
        out = []
        for i, u in enumerate(U):
            self._units[self._n_asked + i] = u  # Strategy.ask numbers the candidates from _n_asked
            out.append(Candidate(self.space.decode(u[None, :])[0], None, 0, {}))
        return out

    def _from_model(self, told: list[Trial], n: int) -> np.ndarray:
        import torch
        from botorch.acquisition import LogExpectedImprovement, qLogExpectedImprovement
        from botorch.fit import fit_gpytorch_mll
        from botorch.models import SingleTaskGP
        from botorch.models.transforms import Standardize
        from botorch.optim import optimize_acqf
        from gpytorch.mlls import ExactMarginalLogLikelihood

        ok = [float(t.loss) for t in told if t.status == OK and t.loss is not None and math.isfinite(t.loss)]
        worst = max(ok)
        y = np.array([float(t.loss) if t.status == OK and t.loss is not None and math.isfinite(t.loss) else worst
                      for t in told])
        missing = [t.candidate for t in told if t.candidate.id not in self._units]
        if missing:  # trials this strategy did not propose (told from a store): their encodings
            for c, u in zip(missing, self.space.encode([c.config for c in missing])):
                self._units[c.id] = u
        X = np.vstack([self._units[t.candidate.id] for t in told])
        pending = [self._units[c] for c in self.pending]
        d = X.shape[1]
        with torch.random.fork_rng(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # input-scaling notes, optimizer restarts
            torch.manual_seed(seed_from(self.rng))
            tX = torch.tensor(X, dtype=torch.double)
            tY = torch.tensor(-y, dtype=torch.double).unsqueeze(-1)  # BoTorch maximizes
            extra = {}
            if self.noise_variance is not None:  # fixed, in standardized units
                scale = float(np.var(y)) if np.var(y) > 0 else 1.0
                extra["train_Yvar"] = torch.full_like(tY, self.noise_variance * scale)
            model = SingleTaskGP(tX, tY, outcome_transform=Standardize(m=1), **extra)
            fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
            best = tY.max()
            if n == 1 and not pending:
                acq = LogExpectedImprovement(model, best_f=best)
            else:
                X_pending = torch.tensor(np.array(pending), dtype=torch.double) if pending else None
                acq = qLogExpectedImprovement(model, best_f=best, X_pending=X_pending)
            bounds = torch.stack([torch.zeros(d, dtype=torch.double), torch.ones(d, dtype=torch.double)])
            x, _ = optimize_acqf(acq, bounds=bounds, q=n, num_restarts=self.num_restarts,
                                 raw_samples=self.raw_samples)
        return np.clip(x.detach().numpy().reshape(n, d), 0.0, 1.0)
