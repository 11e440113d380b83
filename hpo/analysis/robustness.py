"""Seed robustness: does the winner of a search stay the winner under other seeds?

A search scores every candidate under one seed: one validation split, one
``random_state`` of the estimator. The best few candidates are often within
that seed's noise of each other. :func:`seed_robustness` re-scores them under
other seeds and says whether the winner keeps winning.
"""

from __future__ import annotations

import copy
import math
import numbers
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold

from .._constraints import Interval, check_options
from ..boundary import Outcome, evaluate
from ..evaluation import EstimatorObjective, classifier_like, make_scorers, make_splits, primary_metric
from ..executors import effective_n_jobs, make_runner
from ..result import Result
from ..trial import OK, Candidate, loss_sign
from ._common import as_result, top_trials

__all__ = ["seed_robustness", "SeedRobustness"]

#: What the options of :func:`seed_robustness` accept.
_constraints = {"top_k": [Interval(int, 1)], "n_seeds": [Interval(int, 1)]}


@dataclass(frozen=True)
class SeedRobustness:
    """The best configurations of a search, re-scored under other seeds.

    Row 0 is the search's winner; rows are in the search's order (best first).
    Losses are minimized (for a Tuner: minus the validation score).

    Attributes
    ----------
    configs : list of dict
    trial_numbers : list of int
        The trial of each configuration in the search.
    search_loss : ndarray of shape (k,)
        The loss each configuration had in the search (at the largest budget it reached).
    search_budget : list of float or None
        That budget (``None``: the full budget).
    seeds : list of int
        The new seeds (none is the search's own).
    losses : ndarray of shape (k, n_seeds)
        The loss of each configuration under each seed (NaN where it failed).
    errors : list of str
        ``"trial N, seed S: error"`` for each failed evaluation.
    what : str
        What a seed changed (``"the validation split and the estimator's random_state"``...).
    value_name : str
        What the displayed values are: ``"loss"``, ``"value"`` (a Result's
        objective, in its direction) or ``"validation score"`` (a Tuner's).
    sign : float
        Displayed value = ``sign * loss`` (-1 for a score or a maximized objective).

    Examples
    --------
    >>> from hpo import Space, Float, optimize
    >>> from hpo.analysis import seed_robustness
    >>> result = optimize(lambda c: c["x"] ** 2, Space(x=Float(-1, 1)), n_trials=8, seed=0)
    >>> rob = seed_robustness(result, objective=lambda c, seed: c["x"] ** 2 + 0.01 * seed,
    ...                       seeds=[1, 2, 3], top_k=3)
    >>> rob.seeds, rob.value_name, rob.wins.tolist()
    ([1, 2, 3], 'value', [3, 0, 0])
    >>> rob.winner_stays, rob.warning
    (True, None)
    """

    configs: list[dict]
    trial_numbers: list[int]
    search_loss: np.ndarray
    search_budget: list
    seeds: list[int]
    losses: np.ndarray
    errors: list[str]
    what: str
    value_name: str = "loss"
    sign: float = 1.0

    @property
    def mean(self) -> np.ndarray:
        """Mean loss of each configuration over the new seeds."""
        with np.errstate(all="ignore"):
            return np.array([np.nanmean(r) if np.isfinite(r).any() else np.nan for r in self.losses])

    @property
    def std(self) -> np.ndarray:
        """Standard deviation of each configuration's loss over the new seeds."""
        return np.array([np.nanstd(r) if np.isfinite(r).any() else np.nan for r in self.losses])

    @property
    def wins(self) -> np.ndarray:
        """On how many of the new seeds each configuration has the lowest loss (ties count for each)."""
        L = np.where(np.isfinite(self.losses), self.losses, np.inf)
        best = L.min(axis=0)
        return ((L == best[None, :]) & np.isfinite(best)[None, :]).sum(axis=1)

    @property
    def measured(self) -> bool:
        """Whether any configuration was scored on any new seed (every re-scoring may fail)."""
        return bool(np.isfinite(self.losses).any())

    @property
    def _best_mean(self) -> str:
        return f"{'highest' if self.sign < 0 else 'lowest'} mean {self.value_name}"

    @property
    def best_by_mean(self) -> int:
        """The row with the lowest mean loss over the new seeds."""
        m = np.where(np.isnan(self.mean), np.inf, self.mean)
        return int(np.argmin(m))

    @property
    def winner_stays(self) -> bool:
        """Whether the search's winner also has the lowest mean loss over the new seeds (False when nothing
        could be scored there)."""
        return self.measured and (len(self.configs) == 1 or self.best_by_mean == 0)

    @property
    def wins_once(self) -> bool:
        """The search's winner wins on one seed only (the search's own), none of the new ones."""
        return self.measured and len(self.configs) > 1 and int(self.wins[0]) == 0

    @property
    def verdict(self) -> str:
        """One sentence: whether the search's winner keeps the lowest mean loss over the new seeds (or ties it)."""
        winner = self.trial_numbers[0]
        if not self.measured:
            return (f"No configuration could be scored on the new seeds ({len(self.errors)} errors): nothing is "
                    "known about the winner's robustness.")
        if not self.winner_stays:
            return "The search's winner does not stay the winner."
        tied = [self.trial_numbers[i] for i in range(1, len(self.configs)) if self.mean[i] == self.mean[0]]
        if tied:
            others = ", ".join(str(t) for t in tied)
            return (f"The search's winner (trial {winner}) ties trial{'s' if len(tied) > 1 else ''} {others} "
                    f"for the {self._best_mean} over the seeds.")
        return f"The search's winner (trial {winner}) stays the winner on the mean over the seeds."

    @property
    def warning(self) -> str | None:
        """A sentence for the report when the winner is not robust, else None."""
        if not self.measured:
            return f"Every re-scoring failed; the first error: {self.errors[0]}" if self.errors else None
        if len(self.configs) < 2:
            return None
        n = len(self.seeds)
        other = self.trial_numbers[self.best_by_mean]
        if self.wins_once:
            return (
                f"The search's best configuration (trial {self.trial_numbers[0]}) wins on one seed only, the "
                f"search's own: it is best on none of {n} other seeds, where trial {other} has the "
                f"{self._best_mean}. Its lead does not hold on other seeds."
            )
        if not self.winner_stays:
            return (
                f"The search's best configuration (trial {self.trial_numbers[0]}) wins on {int(self.wins[0])} of "
                f"{n} other seeds, but trial {other} has a {'higher' if self.sign < 0 else 'lower'} mean "
                f"{self.value_name} over them."
            )
        return None

    def to_records(self) -> list[dict]:
        """One dict per configuration, values as displayed (``sign * loss``): ``trial``, ``config``,
        ``search``, ``mean``, ``std``, ``worst``, ``best``, ``wins`` and ``seed_<s>`` per seed."""
        out = []
        for i, (n, c) in enumerate(zip(self.trial_numbers, self.configs)):
            row = self.sign * self.losses[i]
            finite = np.isfinite(row).any()
            out.append({
                "trial": n, "config": c, "search": float(self.sign * self.search_loss[i]),
                "mean": float(self.sign * self.mean[i]), "std": float(self.std[i]),
                "worst": float(self.sign * np.nanmax(self.losses[i])) if finite else math.nan,
                "best": float(self.sign * np.nanmin(self.losses[i])) if finite else math.nan,
                "wins": int(self.wins[i]), **{f"seed_{s}": float(v) for s, v in zip(self.seeds, row)},
            })
        return out

    def to_markdown(self) -> str:
        """A Markdown table, the verdict and the warning."""
        v = self.value_name
        lines = [
            f"| search rank | trial | configuration | search {v} | mean over {len(self.seeds)} seeds | std | "
            "worst | best | wins |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for i, r in enumerate(self.to_records()):
            config = ", ".join(f"{k}={_short(x)}" for k, x in r["config"].items())
            lines.append(
                f"| {i + 1} | {r['trial']} | {config} | {r['search']:.4g}{_at(self.search_budget[i])} | {r['mean']:.4g} | "
                f"{r['std']:.2g} | {r['worst']:.4g} | {r['best']:.4g} | {r['wins']} |"
            )
        lines += ["", f"Seeds {self.seeds}; each seed changes {self.what}."]
        if self.winner_stays:
            lines.append(self.verdict)
        if self.warning:
            lines += ["", f"**Warning:** {self.warning}"]
        if self.errors:
            lines += ["", f"{len(self.errors)} evaluations failed; the first: {self.errors[0]}"]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_markdown()


def _at(budget: Any) -> str:
    return "" if budget is None else f" (budget {budget:g})"


def _short(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return repr(v) if isinstance(v, str) else str(v)


# ------------------------------------------------------------------ seeding
def _reseeded(estimator: Any, seed: int) -> tuple[Any, bool]:
    """A clone of ``estimator`` with every ``random_state`` parameter (also nested) set to ``seed``."""
    keys = [k for k in estimator.get_params(deep=True) if k == "random_state" or k.endswith("__random_state")]
    est = clone(estimator)
    if keys:
        est.set_params(**{k: seed for k in keys})
    return est, bool(keys)


def _splits_for_seed(validation: Any, X: Any, y: Any, groups: Any, classifier: bool,
                     seed: int) -> tuple[list, bool]:
    """The validation splits of the Tuner's ``validation`` under ``seed``; and whether the seed changed them."""
    if isinstance(validation, numbers.Integral) and not isinstance(validation, bool):
        n = int(validation)
        if groups is not None:
            splitter: Any = GroupKFold(n_splits=n, shuffle=True, random_state=seed)
        elif classifier and y is not None:
            splitter = StratifiedKFold(n_splits=n, shuffle=True, random_state=seed)
        else:
            splitter = KFold(n_splits=n, shuffle=True, random_state=seed)
        return make_splits(splitter, X, y, groups, classifier=classifier), True
    if isinstance(validation, numbers.Real) and not isinstance(validation, bool):
        return make_splits(validation, X, y, groups, classifier=classifier, random_state=seed), True
    if hasattr(validation, "split") and hasattr(validation, "random_state") and getattr(validation, "shuffle", True):
        splitter = copy.copy(validation)
        splitter.random_state = seed
        return make_splits(splitter, X, y, groups, classifier=classifier), True
    return make_splits(validation, X, y, groups, classifier=classifier), False


class _Seeded:
    """``objective(config)``: a user objective ``objective(config, seed)`` at a fixed seed (its value as returned)."""

    def __init__(self, objective: Callable, seed: int) -> None:
        self.objective = objective
        self.seed = seed

    def __call__(self, config: dict) -> Any:
        return self.objective(dict(config), self.seed)


def _evaluate_at_seed(objectives: list[Callable], candidate: Candidate, pass_budget: bool, spec: Any = None) -> tuple:
    """:func:`hpo.engine.evaluate` of the objective of the candidate's seed (its index: ``candidate.info["seed"]``).

    What a runner of :mod:`hpo.executors` calls, with the objectives of
    every seed shipped to its workers once.
    """
    return evaluate(objectives[candidate.info["seed"]], candidate, pass_budget, spec)


def _run(objectives: list[Callable], candidates: list[Candidate], n_jobs: int | None) -> list[tuple]:
    """The outcomes of ``candidates`` (in their order), evaluated through a runner of ``n_jobs`` as a search's.

    A worker that dies fails its evaluation only (the outcome of a failed
    evaluation, as the engine records it).
    """
    runner = make_runner(None, effective_n_jobs(n_jobs), "processes", None)
    runner.start(_evaluate_at_seed, objectives, False)
    outcomes: list[Any] = [None] * len(candidates)
    waiting = list(range(len(candidates)))
    pending: dict[int, Any] = {}
    interrupted = False
    try:
        while waiting or pending:
            while waiting and len(pending) < runner.slots():
                k = waiting.pop(0)
                pending[k] = runner.submit(candidates[k])
            done = {id(h) for h in runner.wait_any(list(pending.values()), None)}
            for k in [k for k, h in pending.items() if id(h) in done]:
                try:
                    outcomes[k] = runner.result(pending.pop(k))
                except KeyboardInterrupt:
                    raise
                except BaseException as exc:  # the worker died, or the executor failed
                    now = time.time()
                    outcomes[k] = Outcome.failed(exc, now)
    except KeyboardInterrupt:
        interrupted = True  # Ctrl-C also kills a pool hpo made, as in a search
        raise
    finally:
        for handle in pending.values():  # a stop on an error or Ctrl-C: what runs is stopped where it can be
            runner.cancel(handle)
        runner.close(interrupted=interrupted)
    return outcomes


def seed_robustness(
    search: Any,
    X: Any = None,
    y: Any = None,
    *,
    n_seeds: int = 5,
    top_k: int = 5,
    objective: Callable[[dict, int], Any] | None = None,
    seeds: list[int] | None = None,
    groups: Any = None,
    fit_params: dict | None = None,
    random_state: int | np.random.Generator | None = 0,
    n_jobs: int | None = 1,
) -> SeedRobustness:
    """Re-score the ``top_k`` best configurations of a search under ``n_seeds`` other seeds.

    Parameters
    ----------
    search : fitted Tuner or Result
        With a fitted :class:`~hpo.Tuner`, each seed sets every
        ``random_state`` parameter of the estimator (also inside a Pipeline)
        and re-draws the validation split: a holdout fraction is split again,
        an int number of folds becomes shuffled (stratified, or group) folds,
        a splitter with ``shuffle`` and ``random_state`` gets the seed (a
        splitter without one keeps its split, and ``what`` says so).
        A :class:`~hpo.Result` has no estimator: pass ``objective``.
    X, y : array-like
        For a Tuner: the training data it was fitted on (a Tuner, like
        scikit-learn's searches, does not keep it).
    n_seeds : int, default 5
    top_k : int, default 5
        How many of the best distinct configurations to re-score: the best at
        the largest budget reached, then (a multi-fidelity search has few
        there) the best at the next budgets.
    objective : callable ``objective(config, seed)``, optional
        Needed for a Result (and used instead of the Tuner's estimator when
        given): returns the value in the search's direction (a number or a
        dict with ``"value"``), as the searched objective did, for that seed.
    seeds : list of int, optional
        The seeds to use (instead of ``n_seeds`` drawn from ``random_state``).
    groups : array-like, optional
        Group labels, when the Tuner was fitted with them.
    fit_params : dict, optional
        Passed to the estimator's ``fit``, as to the Tuner's.
    random_state : int or numpy Generator, default 0
        Draws the seeds.
    n_jobs : int, default 1
        Evaluations in parallel, in hpo's worker processes as a search's
        ``n_jobs`` (-1: every core); each evaluation goes through the
        search's evaluation boundary (:func:`hpo.engine.evaluate`), so an
        error fails that evaluation only.

    Returns
    -------
    SeedRobustness
        Per configuration: the search's loss, the loss under each seed, mean,
        spread and wins; ``winner_stays`` and a ``warning`` when the search's
        winner wins on its own seed only.

    Raises
    ------
    TypeError
        A Result without ``objective``, or a Tuner without ``X``.

    Notes
    -----
    The configurations are re-scored at the full budget (for a Tuner with a
    ``resource``: at its ``max_resource``), so a multi-fidelity search's
    winner is compared with its rivals on equal terms.

    Examples
    --------
    >>> from hpo import Space, Float, optimize
    >>> from hpo.analysis import seed_robustness
    >>> result = optimize(lambda c: c["x"] ** 2, Space(x=Float(-1, 1)), n_trials=8, seed=0)
    >>> def objective(config, seed):  # the value under another seed
    ...     return config["x"] ** 2 + 0.01 * seed
    >>> rob = seed_robustness(result, objective=objective, n_seeds=3, top_k=2)
    >>> rob.losses.shape, rob.winner_stays
    ((2, 3), True)
    """
    result = as_result(search)
    check_options(_constraints, top_k=top_k)
    if seeds is None:
        check_options(_constraints, n_seeds=n_seeds)
        own = getattr(search, "random_state", None)
        rng = np.random.default_rng(random_state)
        drawn: list[int] = []
        while len(drawn) < n_seeds:
            s = int(rng.integers(2**31 - 1))
            if s not in drawn and s != own:
                drawn.append(s)
        seeds = drawn
    else:
        seeds = [int(s) for s in seeds]
        if not seeds:
            raise ValueError("seeds must not be empty")
    top = top_trials(result, top_k, budget="ranked")
    if not top:
        raise ValueError(f"the search has no ok trial to re-score ({result!r})")
    objectives, what = _objectives(search, result, seeds, X, y, objective, groups, fit_params)
    if objective is None:  # a Tuner: the value of its objective is the validation score, maximized
        value_name, direction = "validation score", "maximize"
    else:  # the user's objective gives the value in the search's direction
        value_name, direction = "value", result.direction
    sign = loss_sign(direction)  # the one conversion of the values evaluated into losses (and back, to display)
    tasks = [(i, j) for j in range(len(seeds)) for i in range(len(top))]
    outcomes = _run(objectives, [Candidate(top[i].config, info={"seed": j}) for i, j in tasks], n_jobs)
    losses = np.full((len(top), len(seeds)), np.nan)
    errors = []
    for (i, j), outcome in zip(tasks, outcomes):
        if outcome.status == OK:
            losses[i, j] = sign * outcome.value
        else:  # a failing configuration is recorded, as in a search
            errors.append(f"trial {top[i].number}, seed {seeds[j]}: {outcome.error}")
    return SeedRobustness(
        configs=[dict(t.config) for t in top],
        trial_numbers=[t.number for t in top],
        search_loss=np.array([t.loss for t in top], dtype=float),
        search_budget=[t.budget for t in top],
        seeds=list(seeds),
        losses=losses,
        errors=errors,
        what=what,
        value_name=value_name,
        sign=sign,
    )


def _objectives(search: Any, result: Result, seeds: list[int], X: Any, y: Any, objective: Callable | None,
                groups: Any, fit_params: dict | None) -> tuple[list[Callable], str]:
    if objective is not None:
        if not callable(objective):
            raise TypeError(f"objective must be callable as objective(config, seed), got {objective!r}")
        return [_Seeded(objective, s) for s in seeds], "the seed given to the objective"
    if isinstance(search, Result) or not hasattr(search, "estimator"):
        raise TypeError(
            "a Result holds no estimator to refit: pass objective=, a callable objective(config, seed) "
            "that scores a configuration under a seed (or pass the fitted Tuner and its training data)"
        )
    if X is None:
        raise TypeError(
            "a Tuner does not keep its training data: pass the X (and y) it was fitted on, "
            "seed_robustness(tuner, X, y)"
        )
    from sklearn.utils import indexable

    X, y, groups = indexable(X, y, groups)
    scorers, multimetric = make_scorers(search.estimator, search.scoring)
    primary = primary_metric(search.scoring, search.refit, scorers, multimetric)
    classifier = classifier_like(search.estimator)
    out = []
    reseeded = split_changes = False
    resource = getattr(search, "resource_", None)  # a multi-fidelity Tuner: re-score at its max_resource
    for s in seeds:
        estimator, reseeded = _reseeded(search.estimator, s)
        splits, split_changes = _splits_for_seed(search.validation, X, y, groups, classifier, s)
        extra = {} if resource is None else {
            "resource": resource, "min_resource": search.min_resources_, "max_resource": search.max_resources_,
            "random_state": s,
        }
        out.append(EstimatorObjective(estimator, result.space, X, y, splits, scorers, primary, fit_params, **extra))
    parts = (["the validation split"] if split_changes else []) + (["the estimator's random_state"] if reseeded else [])
    if not parts:
        raise ValueError(
            f"nothing to vary: {type(search.estimator).__name__} has no random_state and the validation "
            f"splitter {search.validation!r} takes no seed"
        )
    what = " and ".join(parts)
    if not split_changes:
        what += " (the validation splitter takes no seed: its split is fixed)"
    return out, what
