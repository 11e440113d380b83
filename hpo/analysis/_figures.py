"""What every plot shares: matplotlib figures made without ``pyplot``, the values of a search, axis helpers."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..result import Result
from ..trial import OK
from ._common import as_result, full_budget
from .styles import plain_log_axis

__all__ = ["INSTALL", "INACTIVE_Y", "DPI", "figure_class", "new_figure", "axes_of", "panel_grid", "Series",
           "shows_scores", "metric_name", "series_of", "trial_values", "log_axis", "tick_label"]

INSTALL = 'pip install "hpo[plot]"'
INACTIVE_Y = -0.12
DPI = 100


def figure_class():
    """``matplotlib.figure.Figure``, or an ImportError naming the extra to install."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(f"hpo's plots need matplotlib: {INSTALL}") from exc
    return Figure


def new_figure(width: float, height: float):
    Figure = figure_class()
    return Figure(figsize=(width, height), layout="constrained")


def axes_of(ax: Any, width: float = 6.4, height: float = 4.0):
    if ax is not None:
        return ax.figure, ax
    fig = new_figure(width, height)
    return fig, fig.add_subplot()


def panel_grid(n: int, cols: int = 3, width: float = 4.2, height: float = 3.2):
    cols = max(1, min(cols, n))
    rows = math.ceil(n / cols)
    fig = new_figure(width * cols, height * rows)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


# --------------------------------------------------------------- values
@dataclass
class Series:
    """The values of a search as plotted: direction-aware, one per trial (NaN when not ok or lower budget)."""

    values: np.ndarray
    maximize: bool
    label: str

    def best_so_far(self) -> np.ndarray:
        out = np.full(len(self.values), np.nan)
        best = np.nan
        for i, v in enumerate(self.values):
            if not np.isnan(v) and (np.isnan(best) or (v > best if self.maximize else v < best)):
                best = v
            out[i] = best
        return out


def shows_scores(obj: Any) -> bool:
    """Whether the values of ``obj`` are minus validation scores: a fitted Tuner, or a Result (a stored
    study) whose ok trials carry the metrics of :class:`hpo.evaluation.EstimatorObjective`, whose
    value is minus the mean validation score."""
    if not isinstance(obj, Result):
        return hasattr(obj, "estimator") and hasattr(obj, "result_")
    ok = [t for t in obj.trials if t.status == OK]
    return bool(ok) and all(
        "fit_time" in t.metrics and any(k.startswith("split0_test_") for k in t.metrics) for t in ok
    )


def metric_name(obj: Any) -> str:
    """What the plotted value is called, short: the Tuner's scorer (``accuracy``; ``score`` for the estimator's
    own ``score``), the metric a stored Tuner study recorded (of several, the one it ranked by), else ``loss``
    (minimized) or ``value`` (maximized)."""
    if shows_scores(obj):
        scoring = getattr(obj, "scoring", None)
        if isinstance(scoring, str):
            return scoring
        result = as_result(obj)
        ok = [t for t in result.trials if t.status == OK]
        names = sorted({k[len("split0_test_"):] for t in ok[:1] for k in t.metrics if k.startswith("split0_test_")})
        ranked_by = [name for name in names if all(math.isclose(_mean_score(t, name), -t.loss, rel_tol=1e-9,
                                                                abs_tol=1e-12) for t in ok)]
        return ranked_by[0] if len(ranked_by) == 1 else names[0] if len(names) == 1 else "score"
    return "value" if as_result(obj).direction == "maximize" else "loss"


def _mean_score(trial: Any, name: str) -> float:
    """The mean validation score of metric ``name`` over a Tuner trial's splits (its value, for the metric the
    search ranked by: with several metrics, the one whose mean is the trial's value is the one it ranked by)."""
    scores, k = [], 0
    while f"split{k}_test_{name}" in trial.metrics:
        scores.append(trial.metrics[f"split{k}_test_{name}"])
        k += 1
    return float(np.mean(scores))


def shown_value(trial: Any, tuner: bool) -> float | None:
    """The number a person reads for a trial: a Tuner's validation score (``-loss``), else the objective's value."""
    return -trial.loss if tuner else trial.value


def series_of(obj: Any) -> Series:
    result = as_result(obj)
    top = full_budget(result)
    tuner = shows_scores(obj)
    values = np.full(len(result.trials), np.nan)
    for i, t in enumerate(result.trials):
        if t.status == OK and t.budget == top:
            values[i] = shown_value(t, tuner)  # type: ignore[assignment]
    if tuner:
        label = f"validation {metric_name(obj)}"
        maximize = True
    else:
        label = "objective value" + (" (maximized)" if result.direction == "maximize" else "")
        maximize = result.direction == "maximize"
    if top is not None:
        label += f" at budget {top:g}"
    return Series(values, maximize, label)


def trial_values(obj: Any, trials: list) -> tuple[np.ndarray, str, bool]:
    s = series_of(obj)
    tuner = shows_scores(obj)
    values = np.array([shown_value(t, tuner) for t in trials], dtype=float)
    return values, s.label, s.maximize


def log_axis(ax: Any, which: str) -> None:
    """A log scale on ``ax``'s ``which`` axis ("x" or "y") with plain labels (0.5, not 5x10^-1).

    Values at or below 0 have no place on it: none above 0 is a ``ValueError`` (matplotlib drew empty axes),
    some is a warning that they are left out.
    """
    lo, hi = ax.dataLim.intervalx if which == "x" else ax.dataLim.intervaly
    if np.isfinite(hi) and hi <= 0:
        raise ValueError(f"log=True needs values above 0; the values here run from {lo:g} to {hi:g} (a maximized "
                         "score below 0, say): draw it with log=False")
    if np.isfinite(lo) and lo <= 0:
        warnings.warn(f"log=True: the values at or below 0 (down to {lo:g}) are left out of the plot", UserWarning,
                      stacklevel=3)
    if which == "x":
        ax.set_xscale("log")
        plain_log_axis(ax.xaxis)
    else:
        ax.set_yscale("log")
        plain_log_axis(ax.yaxis)


def tick_label(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 14 else text[:13] + "…"
