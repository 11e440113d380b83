"""Shared helpers of the analysis modules: reading a Result out of what the user holds."""

from __future__ import annotations

import math
from typing import Any

from ..result import Result
from ..strategies.base import config_key
from ..trial import OK, Trial, budget_rank

__all__ = ["as_result", "full_budget", "auto_budget", "ok_trials_at_budget", "top_trials",
           "AUTO_MIN_TRIALS", "line_styles", "plain_log_axis", "plain_number"]


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


#: Dashes and markers that, with the colour, tell apart curves that coincide (ties).
_DASHES = ["-", "--", "-.", ":"]
_MARKERS = ["o", "s", "^", "v", "D", "P", "X", "*"]


def line_styles(labels: list) -> dict:
    """Per label, matplotlib line keywords (``color``, ``ls``, ``marker``) that differ in colour, dash and
    marker, so that two curves drawn on top of each other both stay visible; and ``offset`` in [0, 1), to
    stagger their markers (``markevery``)."""
    import matplotlib

    colors = matplotlib.colormaps["tab10"]
    n = max(1, len(labels))
    return {c: {"color": colors(i % 10), "ls": _DASHES[i % len(_DASHES)], "marker": _MARKERS[i % len(_MARKERS)],
                "offset": i / n}
            for i, c in enumerate(labels)}


def plain_log_axis(axis: Any) -> None:
    """Plain decimal labels (0.5, 20, 1e-05 when tiny) on a matplotlib log ``axis`` (``ax.xaxis`` or
    ``ax.yaxis``): on the major ticks, and, when the range drawn is shorter than about a decade and a half,
    on the minor ticks at 2, 3 and 5 (matplotlib's default writes 5x10^-1 there); decided when drawn."""
    from matplotlib.ticker import FuncFormatter

    def minor(v: float, _pos: Any) -> str:
        lo, hi = sorted(axis.get_view_interval())
        if not (lo > 0 and hi / lo < 30) or v <= 0:
            return ""
        mantissa = v / 10 ** math.floor(math.log10(v) + 1e-9)
        return plain_number(v) if any(abs(mantissa - m) < 1e-6 for m in (2.0, 3.0, 5.0)) else ""

    axis.set_major_formatter(FuncFormatter(lambda v, _pos: plain_number(v)))
    axis.set_minor_formatter(FuncFormatter(minor))


def plain_number(v: float) -> str:
    """A tick label without exponent between 1e-4 and 1e6 (1000, 0.001), else short (1e-05)."""
    return f"{v:.6g}" if v == 0 or 1e-4 <= abs(v) < 1e6 else f"{v:.3g}"
