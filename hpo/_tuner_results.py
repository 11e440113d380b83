"""The fitted Tuner's result attributes: ``cv_results_`` columns, the best row, and the resource's attributes.

What scikit-learn's searches give after ``fit``, built from the trials of a
search (:class:`~hpo.Tuner` sets them).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .spaces import Space
from .strategies import SuccessiveHalving
from .trial import OK, budget_rank

__all__ = ["cv_results", "best_index", "resource_attributes", "metric_names", "param_column", "rank"]


def cv_results(trials: list, space: Space, metrics: list[str], n_splits: int, *, error_score: Any,
               return_train_score: bool, resource: Any = None, max_resource: int | None = None) -> dict:
    """``cv_results_``: one row per trial, in scikit-learn's layout (see :class:`~hpo.Tuner`).

    ``error_score`` fills the scores of a failed trial that has none (NaN
    with ``"raise"``); a resource adds its parameter at the amount each trial
    trained with, and scikit-learn's halving columns ``iter`` and
    ``n_resources``.
    """
    n = len(trials)
    amounts = [max_resource if t.budget is None else int(round(t.budget)) for t in trials]
    error_score = np.nan if error_score == "raise" else float(error_score)
    out: dict[str, Any] = {}

    def column(key: str, failed: float = np.nan) -> np.ndarray:
        """``key`` of each trial's metrics; ``failed`` for a failed trial without it (its scores)."""
        return np.array([t.metrics.get(key, np.nan if t.status == OK else failed) for t in trials], dtype=float)

    out["mean_fit_time"] = column("fit_time")
    out["std_fit_time"] = np.array([np.std(t.metrics["fit_times"]) if "fit_times" in t.metrics else np.nan
                                    for t in trials])
    out["mean_score_time"] = column("score_time")
    out["std_score_time"] = np.array([np.std(t.metrics["score_times"]) if "score_times" in t.metrics else np.nan
                                      for t in trials])
    for name in space.names:
        rows = [i for i, t in enumerate(trials) if name in t.config]
        out[f"param_{name}"] = param_column([trials[i].config[name] for i in rows], rows, n)
    # a parameter resource is a parameter of each candidate at the amount it was trained with (scikit-learn)
    extra = [{} if resource is None else resource.params(a) for a in amounts]
    for name in sorted({k for e in extra for k in e} - set(space.names)):
        out[f"param_{name}"] = param_column([e[name] for e in extra], list(range(n)), n)
    out["params"] = [{**space.to_params(t.config), **e} for t, e in zip(trials, extra)]
    sets = ["test", "train"] if return_train_score else ["test"]
    ok = np.array([t.status == OK for t in trials], dtype=bool)
    top = None
    if any(t.budget is not None for t in trials):  # the best is chosen among the largest budget reached
        reached = [budget_rank(t.budget) for t in trials if t.status == OK]
        top = np.array([t.status == OK and budget_rank(t.budget) == max(reached)
                        for t in trials], dtype=bool) if reached else None
    for metric in metrics:
        for which in sets:
            splits = np.column_stack([column(f"split{k}_{which}_{metric}", error_score)
                                      for k in range(n_splits)]) \
                if n else np.empty((0, n_splits))
            for k in range(n_splits):
                out[f"split{k}_{which}_{metric}"] = splits[:, k]
            with np.errstate(all="ignore"):
                out[f"mean_{which}_{metric}"] = splits.mean(axis=1) if n else np.empty(0)
                out[f"std_{which}_{metric}"] = splits.std(axis=1) if n else np.empty(0)
        out[f"rank_test_{metric}"] = rank(out[f"mean_test_{metric}"], ok, top)
    out["status"] = np.array([t.status for t in trials], dtype=object)
    out["budget"] = np.array([np.nan if t.budget is None else t.budget for t in trials], dtype=float)
    if max_resource is not None:  # scikit-learn's halving columns
        out["iter"] = np.array([int(t.candidate.info.get("rung", 0)) for t in trials], dtype=np.int64)
        out["n_resources"] = np.array(amounts, dtype=np.int64)
    return out

def best_index(refit: Any, result: Any, cv_results: dict, metric: str) -> int:
    """``best_index_``: the row of the search's best trial, or the one a callable ``refit`` picks.

    With no finite score every row ranks first, and the first is the best,
    as in scikit-learn.
    """
    if not callable(refit):
        if result.n_ok:
            return result.trials.index(result.best_trial)
        return int(np.argmin(cv_results[f"rank_test_{metric}"]))
    index = refit(cv_results)
    if isinstance(index, (bool, np.bool_)) or not isinstance(index, numbers.Integral):
        raise TypeError(f"best_index_ returned by refit={refit!r} is not an integer: {index!r}")
    if not 0 <= index < len(result.trials):
        raise IndexError(f"best_index_ index out of range: refit={refit!r} returned {index}, and "
                         f"cv_results_ has {len(result.trials)} rows")
    return int(index)

def resource_attributes(cv_results: dict, strategy: Any) -> dict:
    """The attributes of a search with a resource, by name: ``n_resources_`` and ``n_candidates_`` (per
    ``iter`` with ``strategy="halving"``: the largest amount used and how many trials ran; with several
    brackets or asynchronous rungs, whose ``iter`` mixes amounts, per amount: each amount used and how many
    trials ran with it), and with ``strategy="halving"`` scikit-learn's ``n_iterations_``,
    ``n_required_iterations_``, ``n_possible_iterations_`` and ``n_remaining_candidates_`` (one round of
    rungs, as its searches)."""
    amounts = cv_results["n_resources"]
    if isinstance(strategy, SuccessiveHalving):
        iters = cv_results["iter"]
        levels = sorted(set(iters.tolist()))
        n_resources = [int(amounts[iters == i].max()) for i in levels]
        n_candidates = [int(np.sum(iters == i)) for i in levels]
    else:
        n_resources = sorted({int(a) for a in amounts})
        n_candidates = [int(np.sum(amounts == a)) for a in n_resources]
    out: dict[str, Any] = {"n_resources_": n_resources, "n_candidates_": n_candidates}
    if not isinstance(strategy, SuccessiveHalving) or not n_candidates:
        return out
    out["n_iterations_"] = len(n_resources)  # the rungs run (all of the plan unless the search was cut)
    out["n_required_iterations_"] = 1 + int(np.floor(np.log(strategy.sizes[0]) / np.log(strategy.eta) + 1e-9))
    out["n_possible_iterations_"] = len(strategy.budgets)  # the rungs from min_resources_ to max_resources_
    out["n_remaining_candidates_"] = int(np.ceil(n_candidates[-1] / strategy.eta))
    return out


def metric_names(trials: list, scorers: dict, scoring: Any) -> list[str]:
    """The metrics of ``cv_results_``: the scorers' names, or those a callable scorer returned."""
    if len(scorers) > 1 or not callable(scoring):
        return list(scorers)
    for t in trials:
        names = [k[len("split0_test_"):] for k in t.metrics if k.startswith("split0_test_")]
        if t.status == OK and names:
            return names
    return list(scorers)


def param_column(values: list, rows: list[int], n: int) -> np.ma.MaskedArray:
    """A ``param_<name>`` column, masked where inactive, with the values' own dtype when they share one
    (as scikit-learn's ``_yield_masked_array_for_each_param``: strings and sequences are objects)."""
    try:
        array = np.array(values)
    except ValueError:  # sequences of different lengths
        dtype = np.dtype(object)
    else:
        dtype = array.dtype if values and array.dtype.kind != "U" and array.ndim == 1 else np.dtype(object)
    column = np.ma.MaskedArray(np.empty(n, dtype=dtype), mask=True)
    for i, value in zip(rows, values):
        column[i] = value
    return column


def rank(scores: np.ndarray, ok: np.ndarray, top: np.ndarray | None = None) -> np.ndarray:
    """Rank 1 for the highest score; NaN scores and trials that are not ok (whatever
    their ``error_score``) rank last, so the best trial always has rank 1. With ``top``
    (the ok trials at the largest budget reached), those rank before every other."""
    from scipy.stats import rankdata

    if len(scores) == 0:
        return np.empty(0, dtype=np.int32)
    filled = np.where(np.isnan(scores) | ~ok, -np.inf, scores)
    if top is None or top.all():
        return rankdata(-filled, method="min").astype(np.int32)
    ranks = np.empty(len(scores), dtype=np.int32)
    ranks[top] = rankdata(-filled[top], method="min")
    ranks[~top] = rankdata(-filled[~top], method="min") + int(top.sum())
    return ranks
