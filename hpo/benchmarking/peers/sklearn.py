"""scikit-learn's own searches (RandomizedSearchCV, HalvingRandomSearchCV) as contenders."""

from __future__ import annotations

import math
import time
import warnings
from typing import Any

import numpy as np

from ...executors.cores import limit_threads
from ...spaces import Categorical, Float, Int, Space
from ..contenders import Contender, RunTrace
from ..problem import Problem
from ..._scalars import plain_scalar

__all__ = ["SklearnSearchContender", "SKLEARN_TAGS"]

#: The tags a problem needs for scikit-learn's own searches to run it.
SKLEARN_TAGS = ("estimator", "X_train", "y_train", "scoring", "cv")


class _LogUniformInt:
    """Log-uniform integers in ``[low, high]`` with both ends reachable (as hpo's ``Int(log=True)``).

    Draws ``floor(exp(U(log(low - 0.5), log(high + 0.5))) + 0.5)``: each
    integer gets the log-width of its bin. Has the ``rvs`` that
    scikit-learn's ``ParameterSampler`` calls.
    """

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = int(low), int(high)

    def rvs(self, size=None, random_state=None):
        from sklearn.utils import check_random_state

        rng = check_random_state(random_state)
        a, b = math.log(self.low - 0.5), math.log(self.high + 0.5)
        v = np.clip(np.floor(np.exp(rng.uniform(a, b, size=size)) + 0.5), self.low, self.high).astype(np.int64)
        return int(v) if size is None else v

    def __repr__(self) -> str:
        return f"_LogUniformInt({self.low}, {self.high})"


class SklearnSearchContender(Contender):
    """scikit-learn's ``RandomizedSearchCV`` or ``HalvingRandomSearchCV`` on a problem's own data and folds.

    Runs problems whose ``tags`` hold ``estimator``, ``X_train``, ``y_train``,
    ``scoring`` and ``cv`` (the ``sklearn`` suite's do), with the same
    estimator, scorer and CV folds as the problem's objective; the loss of a
    row of ``cv_results_`` is ``tags.get("loss_offset", 0) - mean_test_score``,
    the problem's own loss. Spaces with conditions, dependent ranges or a
    ``to_params`` mapping are not supported (scikit-learn's
    ``param_distributions`` cannot say them). Distributions: floats
    ``scipy.stats.uniform`` / ``loguniform``, integers ``scipy.stats.randint``
    or a log-uniform integer sampler, categoricals a list of the choices.
    A fit that fails scores NaN (``error_score=np.nan``): a failed trial.

    ``RandomizedSearchCV`` evaluates ``n_iter = n_trials`` candidates.
    ``HalvingRandomSearchCV`` (``factor=3``) gets the largest
    ``n_candidates`` whose rungs add up to at most ``n_trials`` evaluations
    (:meth:`halving_plan`), and a ``min_resources`` that makes its last rung
    use all the resource but the remainder of a division by
    ``3**(rungs - 1)`` (what ``min_resources="exhaust"`` aims at; "exhaust"
    itself falls short when the data cannot feed every rung the candidates
    would need, ending at a third of the rows or less). Its resource is the
    problem's: ``tags["budget_param"]`` (an estimator parameter such as
    ``max_iter`` or ``epochs``, from the problem's ``min_budget`` to its
    ``max_budget``, refitted from scratch at every rung, as scikit-learn
    does), or training rows (``"n_samples"``) when that is None. Each row's
    budget is its ``n_resources``. Halving by rows subsamples the validation
    folds too, so the last rung's losses are close to, not always exactly,
    the problem's loss (exactly it when the rows divide). The best
    configuration is the best of the last rung.

    ``eval_seconds`` of a row is ``(mean_fit_time + mean_score_time) * n_splits``. The search runs on
    one thread (BLAS and OpenMP limited to 1), as the problems' own objectives do.
    """

    def __init__(self, name: str, halving: bool = False, factor: int = 3) -> None:
        self.name = name
        self.halving = bool(halving)
        self.factor = factor

    def why_unsupported(self, problem: Problem) -> str | None:
        tags = getattr(problem, "tags", None) or {}
        if not all(tags.get(k) is not None for k in SKLEARN_TAGS):
            return "scikit-learn's searches tune an estimator: the problem is no scikit-learn task"
        if self.halving and tags.get("budget_param") is not None and getattr(problem, "max_budget", None) is None:
            return "halving by an estimator parameter needs the problem's budget range"
        space = problem.space
        if any(dim.conditions or getattr(dim, "refs", None) for dim in space.dims.values()):
            return "its space has conditions or dependent ranges, which param_distributions cannot say"
        if space.mapping is not None:
            return "its space maps names to the estimator's (to_params), which param_distributions cannot say"
        return None

    @staticmethod
    def param_distributions(space: Space) -> dict:
        """scikit-learn ``param_distributions`` for an unconditional space without references."""
        from scipy import stats

        out: dict = {}
        for name in space.names:
            dim = space[name]
            if dim.conditions or getattr(dim, "refs", None):
                raise ValueError(f"{name}: scikit-learn's searches take no conditions or dependent ranges")
            if isinstance(dim, Categorical):
                out[name] = list(dim.choices)
            elif isinstance(dim, Int):
                low, high = int(dim.low), int(dim.high)
                out[name] = _LogUniformInt(low, high) if dim.log else stats.randint(low, high + 1)
            elif dim.log:
                out[name] = stats.loguniform(float(dim.low), float(dim.high))
            else:
                out[name] = stats.uniform(float(dim.low), float(dim.high) - float(dim.low))
        return out

    def halving_plan(self, n_trials: int, n_samples: int, smallest: int) -> tuple[int, int, int]:
        """``(n_candidates, min_resources, rows)`` of the successive halving to run.

        The most candidates whose rungs add up to at most ``n_trials`` rows,
        with as many rungs as the candidates need (``1 + floor(log3(c))``)
        and the data allows (the first rung has at least ``smallest`` rows,
        scikit-learn's own floor: 2 per CV split, times the classes), and
        ``min_resources`` such that the last rung uses all ``n_samples`` but
        the remainder of a division by ``3**(rungs - 1)``.
        """
        f = self.factor
        smallest = max(1, min(int(smallest), int(n_samples)))
        n_possible = 1 + math.floor(math.log(n_samples // smallest, f))
        plan = (1, smallest, 1)
        for c in range(1, int(n_trials) + 1):
            n_iterations = min(1 + math.floor(math.log(c, f)), n_possible)  # as scikit-learn computes them
            rows = _halving_rows(c, f, n_iterations)
            if rows <= n_trials:
                plan = (c, max(smallest, n_samples // f ** (n_iterations - 1)), rows)
        return plan

    def _config(self, space: Space, params: dict) -> dict:
        config = {}
        for name in space.names:
            dim = space[name]
            v = plain_scalar(params[name])
            if isinstance(dim, Int):
                v = int(min(max(int(v), dim.low), dim.high))
            elif isinstance(dim, Float):
                v = float(min(max(float(v), dim.low), dim.high))
            config[name] = v
        return config

    def run(self, problem: Problem, n_trials: int, seed: int) -> RunTrace:
        why = self.why_unsupported(problem)
        if why is not None:
            raise ValueError(f"{self.name} cannot run {problem.name!r}: {why}")
        from sklearn.base import clone
        from sklearn.exceptions import ConvergenceWarning, FitFailedWarning

        tags = problem.tags
        space = problem.space
        common = dict(
            scoring=tags["scoring"], cv=tags["cv"], refit=False, error_score=np.nan,
            random_state=seed, n_jobs=1,
        )
        dists = self.param_distributions(space)
        if self.halving:
            from sklearn.base import is_classifier
            from sklearn.experimental import enable_halving_search_cv  # noqa: F401
            from sklearn.model_selection import HalvingRandomSearchCV, check_cv

            estimator = tags["estimator"]
            X, y = tags["X_train"], tags["y_train"]
            param = tags.get("budget_param")
            if param is None:  # halving by training rows
                n_samples = X.shape[0] if hasattr(X, "shape") else len(X)
                n_splits = check_cv(tags["cv"], y, classifier=is_classifier(estimator)).get_n_splits(X, y)
                smallest = 2 * n_splits * (len(np.unique(y)) if is_classifier(estimator) else 1)
                n_candidates, min_resources, _ = self.halving_plan(n_trials, n_samples, smallest)
                extra: dict = {"resource": "n_samples"}
            else:  # halving by the estimator parameter the problem's budget sets (max_iter, epochs)
                top = int(problem.max_budget)
                n_candidates, min_resources, _ = self.halving_plan(n_trials, top, int(problem.min_budget or 1))
                extra = {"resource": param, "max_resources": top}
            search: Any = HalvingRandomSearchCV(
                clone(estimator), dists, n_candidates=n_candidates, factor=self.factor,
                min_resources=min_resources, **extra, **common,
            )
        else:
            from sklearn.model_selection import RandomizedSearchCV

            search = RandomizedSearchCV(clone(tags["estimator"]), dists, n_iter=int(n_trials), **common)
        start = time.perf_counter()
        with warnings.catch_warnings(), limit_threads(1):  # one thread, as the problems' own objectives run
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", FitFailedWarning)
            warnings.simplefilter("ignore", UserWarning)  # non-finite scores, small grids
            search.fit(tags["X_train"], tags["y_train"])
        wall = time.perf_counter() - start
        res = search.cv_results_
        offset = float(tags.get("loss_offset", 0.0))
        scores = np.asarray(res["mean_test_score"], dtype=float)
        losses = [offset - s if math.isfinite(s) else None for s in scores.tolist()]
        n_splits = int(search.n_splits_)
        eval_seconds = ((np.asarray(res["mean_fit_time"]) + np.asarray(res["mean_score_time"])) * n_splits).tolist()
        if self.halving:
            budgets = [int(b) for b in res["n_resources"]]
            last = max(res["iter"])
            rows = [i for i in range(len(losses)) if res["iter"][i] == last and losses[i] is not None]
        else:
            budgets = [None] * len(losses)
            rows = [i for i in range(len(losses)) if losses[i] is not None]
        best = self._config(space, res["params"][min(rows, key=lambda i: losses[i])]) if rows else None
        return RunTrace(losses=losses, budgets=budgets, eval_seconds=eval_seconds, wall_seconds=wall,
                        best_config=best, extra={"n_splits": n_splits})


def _halving_rows(n_candidates: int, factor: float, n_iterations: int | None = None) -> int:
    """Rows of ``cv_results_`` of successive halving from ``n_candidates`` (default: every rung it needs)."""
    if n_iterations is None:
        n_iterations = 1 + math.floor(math.log(n_candidates, factor))  # as scikit-learn computes it
    rows, c = 0, n_candidates
    for _ in range(n_iterations):
        rows += c
        c = math.ceil(c / factor)
    return rows
