"""Shared helpers of the analysis modules: reading a Result out of what the user holds."""

from __future__ import annotations

import math
from typing import Any

from ..result import Result
from ..strategies.base import config_key
from ..trial import OK, Trial, budget_rank

__all__ = ["as_result", "full_budget", "auto_budget", "ok_trials_at_budget", "top_trials", "AUTO_MIN_TRIALS"]


def as_result(obj: Any) -> Result:
    """The :class:`~hpo.Result` of a Result, a fitted :class:`~hpo.Tuner`, or an object with ``result_``.

    Raises
    ------
    TypeError
        For anything else (an unfitted Tuner says so).
    """
    if isinstance(obj, Result):
        return obj
    result = getattr(obj, "result_", None)
    if isinstance(result, Result):
        return result
    if hasattr(obj, "fit") and hasattr(obj, "space") and hasattr(obj, "estimator"):
        raise TypeError(f"this {type(obj).__name__} is not fitted yet: call fit() before analysing it")
    raise TypeError(f"expected a hpo Result or a fitted Tuner, got {type(obj).__name__}")


def full_budget(result: Result) -> float | None:
    """The largest budget an ok trial reached (``None``, the full budget, is the largest)."""
    ranks = [budget_rank(t.budget) for t in result.trials if t.status == OK]
    if not ranks:
        return None
    top = max(ranks)
    return None if top == math.inf else top


#: ``budget="auto"`` takes the largest budget with at least this many ok trials.
AUTO_MIN_TRIALS = 10


def auto_budget(result: Result) -> float | None:
    """The largest budget at least ``AUTO_MIN_TRIALS`` ok trials reached, else the one most reached."""
    counts: dict[float, int] = {}
    for t in result.trials:
        if t.status == OK:
            counts[budget_rank(t.budget)] = counts.get(budget_rank(t.budget), 0) + 1
    if not counts:
        return None
    enough = [b for b, n in counts.items() if n >= AUTO_MIN_TRIALS]
    rank = max(enough) if enough else max(counts, key=lambda b: (counts[b], b))
    return None if rank == math.inf else rank


def ok_trials_at_budget(result: Result, budget: Any = "max") -> list[Trial]:
    """The ok trials evaluated at ``budget``.

    Parameters
    ----------
    budget : "max", "auto", "all", None or float
        ``"max"``: the largest budget reached (so that no trial is judged against
        rivals scored on more data, as ``Result.best_trial`` does); ``"auto"``:
        the largest budget at least ``AUTO_MIN_TRIALS`` ok trials reached (else
        the one most reached), for a multi-fidelity search whose top rung holds
        a handful; ``"all"``: every ok trial; otherwise that exact budget.
    """
    ok = [t for t in result.trials if t.status == OK]
    if isinstance(budget, str):
        if budget == "all":
            return ok
        if budget == "auto":
            budget = auto_budget(result)
        elif budget != "max":
            raise ValueError(f"budget must be 'max', 'auto', 'all', None or a number, got {budget!r}")
        else:
            budget = full_budget(result)
    return [t for t in ok if budget_rank(t.budget) == budget_rank(budget)]


def top_trials(result: Result, k: int, budget: Any = "max") -> list[Trial]:
    """The ``k`` best ok trials at ``budget`` (lowest loss first), one per distinct configuration.

    With ``budget="ranked"``: every ok trial, those at larger budgets first (a
    configuration appears once, at the largest budget it reached), so that the
    first is ``Result.best_trial`` and a multi-fidelity search still gives ``k``.
    """
    seen: set = set()
    out: list[Trial] = []
    if budget == "ranked":
        pool = sorted((t for t in result.trials if t.status == OK),
                      key=lambda t: (-budget_rank(t.budget), t.loss, t.number))
    else:
        pool = sorted(ok_trials_at_budget(result, budget), key=lambda t: (t.loss, t.number))
    for t in pool:
        key = config_key(t.config)
        if key in seen:
            continue
        seen.add(key)
        out.append(t)
        if len(out) == k:
            break
    return out
