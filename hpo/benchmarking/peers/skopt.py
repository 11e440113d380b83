"""scikit-optimize's GP ``Optimizer`` as an hpo strategy (``skopt_gp``); skopt is imported lazily."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ...spaces import Categorical, Space
from ...strategies.base import Strategy
from ...trial import OK, Candidate, Trial
from ..._scalars import plain_scalar
from ...executors.cores import limit_threads
from ._common import require, seed_from

__all__ = ["SkoptStrategy"]


class SkoptStrategy(Strategy):
    """scikit-optimize's Bayesian ``Optimizer`` (a Gaussian process) over the space's unit encoding.

    scikit-optimize knows no conditions, so it searches the unit box of
    :meth:`Space.encode`: one ``Real(0, 1)`` per numeric column and a
    ``Categorical`` of choice indices per categorical column (one-hot for the
    GP); a point decodes through :meth:`Space.decode`, which always gives a
    valid configuration (the columns of inactive parameters are ignored, and
    a dependent range is relative to the range that holds). The GP sees every
    column, inactive ones included.

    Candidates still running are handled with a constant liar: the next
    points come from a copy of the optimizer told the running points at the
    best loss seen (skopt's ``cl_min``). A failed or pruned trial is told at
    the worst loss seen so far (so the GP steers away from it and never
    proposes it again); failures before any trial succeeded are held back and
    told at the first loss.

    Parameters
    ----------
    space : Space
    seed : int, Generator or None
        Seeds ``self.rng``; skopt's ``random_state`` is an int drawn from it.
    acq_func : str, default "gp_hedge"
        skopt's acquisition function ("gp_hedge", "EI", "LCB", "PI").
    n_initial_points : int, default 10
        Random points before the GP takes over.
    optimizer_options : dict, optional
        Extra keyword arguments of ``skopt.Optimizer``.
    """

    name = "skopt_gp"

    def __init__(self, space: Space, *, seed=None, acq_func: str = "gp_hedge", n_initial_points: int = 10,
                 optimizer_options: dict | None = None) -> None:
        super().__init__(space, seed=seed)
        require("skopt", "skopt_gp")
        from skopt.space import Categorical as SkCategorical
        from skopt.space import Real

        self._k = []  # choices per column (0: numeric)
        dims = []
        for name in space.names:
            dim = space[name]
            if isinstance(dim, Categorical) and len(dim.choices) > 1:
                dims.append(SkCategorical(list(range(len(dim.choices))), name=name))
                self._k.append(len(dim.choices))
            else:
                dims.append(Real(0.0, 1.0, name=name))
                self._k.append(0)
        options = dict(optimizer_options or {})
        options.setdefault("initial_point_generator", "random")
        self._kwargs = dict(dimensions=dims, base_estimator="GP", acq_func=acq_func,
                            n_initial_points=int(n_initial_points), **options)
        self._opt = self._make(seed_from(self.rng))
        self._points: dict[int, list] = {}  # candidate key -> the skopt point asked
        self._held: list[list] = []         # failed points waiting for a first loss
        self._worst: float | None = None
        self._next_key = 0

    def _make(self, random_state: int) -> Any:
        import skopt

        return skopt.Optimizer(random_state=random_state, **self._kwargs)

    def _decode(self, x: list) -> dict:
        u = np.array([(v + 0.5) / k if k else v for v, k in zip(x, self._k)], dtype=float)
        return self.space.decode(u[None, :])[0]

    def _ask(self, n: int) -> list[Candidate]:
        outstanding = list(self._points.values()) + self._held
        with warnings.catch_warnings(), limit_threads(1, "blas"):  # a GP's tiny matrices: waking threads costs more
            warnings.simplefilter("ignore")  # repeated points, GP convergence notes
            if not self._opt.yi:  # nothing told yet: skopt draws random initial points
                xs = [self._opt.ask() for _ in range(n)]
            elif not outstanding and n == 1:
                xs = [self._opt.ask()]
            else:
                xs = self._ask_with_lies(outstanding, n)
        out = []
        for x in xs:
            x = [plain_scalar(v) for v in x]
            key = self._next_key
            self._next_key += 1
            self._points[key] = x
            out.append(Candidate(self._decode(x), None, 0, {"skopt_point": key}))
        return out

    def _ask_with_lies(self, outstanding: list, n: int) -> list:
        """Points from a copy of the optimizer told the running points at the best loss (constant liar)."""
        # A fresh optimizer told the facts and the lies at once: one GP fit (skopt's
        # ``Optimizer.copy`` would fit once for the facts and again for the lies).
        opt = self._make(seed_from(self.rng))
        lie = float(np.min(self._opt.yi))
        opt.tell(list(self._opt.Xi) + outstanding, list(self._opt.yi) + [lie] * len(outstanding))
        xs = []
        for i in range(n):
            x = opt.ask()
            xs.append(x)
            if i + 1 < n:
                opt.tell(x, lie)
        return xs

    def _tell(self, trial: Trial) -> None:
        x = self._points.pop(trial.candidate.info["skopt_point"])
        with warnings.catch_warnings(), limit_threads(1, "blas"):  # a GP's tiny matrices: waking threads costs more
            warnings.simplefilter("ignore")
            if trial.status == OK:
                loss = float(trial.loss)
                self._worst = loss if self._worst is None else max(self._worst, loss)
                xs, ys = [x] + self._held, [loss] + [self._worst] * len(self._held)
                self._held = []
                self._opt.tell(xs, ys)
            elif self._worst is None:
                self._held.append(x)
            else:
                self._opt.tell(x, self._worst)
