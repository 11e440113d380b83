"""Plots of a finished search (matplotlib, the optional extra ``hpo[plot]``).

Every function builds a :class:`matplotlib.figure.Figure` directly, without
``pyplot``: no global backend or figure registry is touched, figures are not
kept alive by matplotlib, and ``fig.savefig("x.png")`` renders with Agg on any
machine (a Jupyter notebook still displays a returned figure). Functions that
draw a single panel also take ``ax=`` to draw into an existing Axes.

What is plotted is the objective's value in its own direction; for a fitted
:class:`~hpo.Tuner`, the validation score (higher is better). Losses from a
multi-fidelity search are taken at the largest budget reached (lower budgets
do not compete for best), except in :func:`plot_budgets`.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from ..result import Result
from ..spaces import Categorical, Space
from ..spaces.conditions import Ref
from ..trial import OK, PRUNED
from ._common import as_result, config_key, full_budget, ok_trials_at_budget

__all__ = [
    "plot_convergence", "plot_importance", "plot_slices", "plot_parallel_coordinates", "plot_ranges",
    "plot_budgets", "plot_learning_curves", "ranges_from_result", "save_plots", "PlotFiles",
]

_INSTALL = 'pip install "hpo[plot]"'
_INACTIVE_Y = -0.12
_DPI = 100


def _figure_class():
    """``matplotlib.figure.Figure``, or an ImportError naming the extra to install."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(f"hpo's plots need matplotlib: {_INSTALL}") from exc
    return Figure


def _new_figure(width: float, height: float):
    Figure = _figure_class()
    return Figure(figsize=(width, height), layout="constrained")


def _axes(ax: Any, width: float = 6.4, height: float = 4.0):
    if ax is not None:
        return ax.figure, ax
    fig = _new_figure(width, height)
    return fig, fig.add_subplot()


def _grid(n: int, cols: int = 3, width: float = 4.2, height: float = 3.2):
    cols = max(1, min(cols, n))
    rows = math.ceil(n / cols)
    fig = _new_figure(width * cols, height * rows)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


# --------------------------------------------------------------- values
@dataclass
class _Series:
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


def _shows_scores(obj: Any) -> bool:
    """Whether the values of ``obj`` are minus validation scores: a fitted Tuner, or a Result (a stored
    study) whose ok trials carry the metrics of :class:`hpo.evaluation.EstimatorObjective`, whose
    value is minus the mean validation score."""
    if not isinstance(obj, Result):
        return hasattr(obj, "estimator") and hasattr(obj, "result_")
    ok = [t for t in obj.trials if t.status == OK]
    return bool(ok) and all(
        "fit_time" in t.metrics and any(k.startswith("split0_test_") for k in t.metrics) for t in ok
    )


def _series(obj: Any) -> _Series:
    result = as_result(obj)
    top = full_budget(result)
    tuner = _shows_scores(obj)
    values = np.full(len(result.trials), np.nan)
    for i, t in enumerate(result.trials):
        if t.status == OK and t.budget == top:
            values[i] = -t.loss if tuner else t.value  # type: ignore[operator]
    if tuner:
        label = "validation score"
        maximize = True
    else:
        label = "objective value" + (" (maximized)" if result.direction == "maximize" else "")
        maximize = result.direction == "maximize"
    if top is not None:
        label += f" at budget {top:g}"
    return _Series(values, maximize, label)


def _trial_values(obj: Any, trials: list) -> tuple[np.ndarray, str, bool]:
    s = _series(obj)
    tuner = _shows_scores(obj)
    values = np.array([-t.loss if tuner else t.value for t in trials], dtype=float)
    return values, s.label, s.maximize


# ------------------------------------------------------------ convergence
def plot_convergence(searches: Any, *, ax: Any = None, label: str | None = None, band: tuple = (25, 75),
                     log: bool = False):
    """Best value so far against trials.

    Parameters
    ----------
    searches : Result, fitted Tuner, a list of them, or a dict of label to list
        One search: every ok trial as a dot and the best so far as a line.
        Several (one strategy over seeds): the median best so far and a band
        between the ``band`` percentiles. A dict: one median and band per label.
    ax : matplotlib Axes, optional
    label : str, optional
        Legend label of a single search or list.
    band : (float, float), default (25, 75)
    log : bool, default False
        Log scale for the values.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _axes(ax)
    if isinstance(searches, Mapping):
        groups = {str(k): list(v) if isinstance(v, (list, tuple)) else [v] for k, v in searches.items()}
    elif isinstance(searches, (list, tuple)):
        groups = {label or f"{len(searches)} searches": list(searches)}
    else:
        groups = {label or "": [searches]}
    if not groups or any(not g for g in groups.values()):
        raise ValueError("plot_convergence needs at least one search")
    ylabel = ""
    for name, group in groups.items():
        series = [_series(s) for s in group]
        ylabel = series[0].label
        if len(series) == 1:
            s = series[0]
            x = np.arange(1, len(s.values) + 1)
            ax.scatter(x, s.values, s=12, alpha=0.35, color="grey", label="trials" if len(groups) == 1 else None)
            ax.step(x, s.best_so_far(), where="post", lw=2, label=(name or "best so far"))
            continue
        n = max(len(s.values) for s in series)
        curves = np.full((len(series), n), np.nan)
        for i, s in enumerate(series):
            c = s.best_so_far()
            curves[i, : len(c)] = c
            if len(c) and len(c) < n:
                curves[i, len(c):] = c[-1]  # a search that ended early keeps its best
        x = np.arange(1, n + 1)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns before the first ok trial
            med = np.nanmedian(curves, axis=0)
            lo, hi = np.nanpercentile(curves, band[0], axis=0), np.nanpercentile(curves, band[1], axis=0)
        line = ax.plot(x, med, lw=2, label=f"{name} (median of {len(series)})")[0]
        ax.fill_between(x, lo, hi, alpha=0.2, color=line.get_color(), lw=0)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("trial")
    ax.set_ylabel("best " + ylabel)
    ax.set_title("convergence")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


# ------------------------------------------------------------- importance
def plot_importance(table: Any, *, ax: Any = None, top: int | None = 20):
    """Horizontal bars of each parameter's importance, with its spread across trees.

    Parameters
    ----------
    table : ImportanceTable, Result or fitted Tuner
        A search is analysed with :func:`hpo.analysis.importance` first.
    ax : matplotlib Axes, optional
    top : int, optional
        Show only the most important ``top`` parameters (default 20).
    """
    from .fanova import ImportanceTable, importance

    if not isinstance(table, ImportanceTable):
        table = importance(table)
    k = len(table) if top is None else min(top, len(table))
    fig, ax = _axes(ax, 6.4, max(2.0, 0.9 + 0.35 * k))
    y = np.arange(k)
    ax.barh(y, table.importance[:k], xerr=table.std[:k], color="tab:blue", alpha=0.8, capsize=3)
    ax.set_yticks(y, [f"{n}" + ("" if a >= 0.999 else f" (active {a:.0%})")
                      for n, a in zip(table.names[:k], table.active[:k])])
    ax.invert_yaxis()
    ax.set_xlim(0, max(0.05, float(np.max(table.importance[:k] + table.std[:k])) * 1.1))
    ax.set_xlabel("share of loss variance (main effect), ± std across trees")
    ax.set_title(f"importance (fANOVA, {table.n_trials} trials; main effects explain {table.explained:.0%})")
    ax.grid(axis="x", alpha=0.3)
    return fig


# ----------------------------------------------------------------- slices
def plot_slices(search: Any, params: Sequence[str] | None = None, *, cols: int = 3, seed: int = 0):
    """The value of every trial against each hyperparameter (where it is active).

    Log dimensions get a log x axis; categoricals are shown as categories
    (jittered). Colour: trial number (later trials darker); a red star marks
    the best trial.

    Parameters
    ----------
    search : Result or fitted Tuner
    params : list of str, optional
        Which parameters (default: all).
    cols : int, default 3
        Panels per row.
    seed : int, default 0
        Seeds the jitter of categorical values.
    """
    result = as_result(search)
    space = result.space
    names = list(params) if params is not None else space.names
    for n in names:
        space[n]  # a KeyError naming the known parameters
    trials = ok_trials_at_budget(result)
    if not trials:
        raise ValueError("plot_slices needs at least one ok trial")
    values, label, maximize = _trial_values(search, trials)
    numbers = np.array([t.number for t in trials], dtype=float)
    best = int(np.argmax(values) if maximize else np.argmin(values))
    rng = np.random.default_rng(seed)
    fig, axes = _grid(len(names), cols)
    import matplotlib

    cmap = matplotlib.colormaps["viridis_r"]
    norm = matplotlib.colors.Normalize(vmin=numbers.min(), vmax=max(numbers.max(), numbers.min() + 1))
    for ax, name in zip(axes, names):
        dim = space[name]
        rows = [i for i, t in enumerate(trials) if name in t.config]
        ax.set_title(f"{name}" + ("" if len(rows) == len(trials) else f" (active in {len(rows)}/{len(trials)})"),
                     fontsize=10)
        ax.set_ylabel(label if ax is axes[0] else "", fontsize=8)
        ax.grid(alpha=0.3)
        if not rows:
            ax.text(0.5, 0.5, "never active", ha="center", va="center", transform=ax.transAxes)
            continue
        rows_a = np.array(rows)
        raw = [trials[i].config[name] for i in rows]
        if isinstance(dim, Categorical):
            idx = dim.indices_of(raw).astype(float)
            x = idx + rng.uniform(-0.2, 0.2, len(idx))
            ax.set_xticks(np.arange(len(dim.choices)), [_label(c) for c in dim.choices],
                          rotation=30 if len(dim.choices) > 3 else 0)
            ax.set_xlim(-0.6, len(dim.choices) - 0.4)
            best_x = float(dim.index_of(trials[best].config[name])) if name in trials[best].config else None
        else:
            x = np.asarray(raw, dtype=float)
            if dim.log:
                _log_axis(ax, "x")
            best_x = trials[best].config.get(name)
        ax.scatter(x, values[rows_a], c=numbers[rows_a], cmap=cmap, norm=norm, s=16, alpha=0.8,
                   edgecolors="none")
        if best_x is not None:
            ax.scatter([best_x], [values[best]], marker="*", s=180, color="red", edgecolors="black", zorder=3,
                       label="best")
    fig.suptitle(f"slices: {label} against each parameter (colour: trial number)", fontsize=11)
    return fig


def _log_axis(ax: Any, which: str) -> None:
    """A log scale on ``ax``'s ``which`` axis ("x" or "y"), without labels on the minor ticks
    (they crowd a range shorter than a decade)."""
    from matplotlib.ticker import NullFormatter

    if which == "x":
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
    else:
        ax.set_yscale("log")
        ax.yaxis.set_minor_formatter(NullFormatter())


def _label(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 14 else text[:13] + "…"


# ------------------------------------------------------- parallel coordinates
def plot_parallel_coordinates(search: Any, params: Sequence[str] | None = None, *, top: float | None = None):
    """Each trial as a line across one vertical axis per hyperparameter, coloured by its value.

    Axes are the space's unit scale (log-aware; categoricals at their bins),
    labelled with values; an inactive parameter is drawn in a band below its
    axis. The last axis is the objective value. The best trials are drawn on top.

    Parameters
    ----------
    search : Result or fitted Tuner
    params : list of str, optional
        Which parameters (default: all, in the space's order).
    top : float, optional
        Draw only the best ``top`` fraction of the trials (0 to 1).
    """
    result = as_result(search)
    space = result.space
    names = list(params) if params is not None else space.names
    cols = [space.names.index(n) for n in names]
    trials = ok_trials_at_budget(result)
    if not trials:
        raise ValueError("plot_parallel_coordinates needs at least one ok trial")
    values, label, maximize = _trial_values(search, trials)
    order = np.argsort(-values if maximize else values, kind="stable")  # best first
    if top is not None:
        if not 0 < top <= 1:
            raise ValueError(f"top must be a fraction in (0, 1], got {top!r}")
        order = order[: max(1, int(math.ceil(top * len(order))))]
    trials = [trials[i] for i in order]
    values = values[order]
    U = space.encode([t.config for t in trials])[:, cols]
    inactive = np.array([[n not in t.config for n in names] for t in trials], dtype=bool).reshape(U.shape)
    U[inactive] = _INACTIVE_Y
    vmin, vmax = float(np.min(values)), float(np.max(values))
    scaled = (values - vmin) / (vmax - vmin) if vmax > vmin else np.full(len(values), 0.5)
    Y = np.column_stack([U, scaled])
    import matplotlib
    from matplotlib.collections import LineCollection

    fig = _new_figure(max(6.0, 1.4 * (len(names) + 1)), 4.8)
    ax = fig.add_subplot()
    x = np.arange(Y.shape[1])
    cmap = matplotlib.colormaps["viridis" if maximize else "viridis_r"]
    norm = matplotlib.colors.Normalize(vmin=vmin, vmax=vmax if vmax > vmin else vmin + 1)
    segments = [np.column_stack([x, row]) for row in Y[::-1]]  # worst first, best drawn last
    lines = LineCollection(segments, cmap=cmap, norm=norm, linewidths=1.2, alpha=0.7)
    lines.set_array(values[::-1])
    ax.add_collection(lines)
    for j, name in enumerate(names):
        ax.axvline(j, color="black", lw=0.8)
        for y, text in _axis_labels(space, name):
            ax.text(j + 0.04, y, text, fontsize=7, va="center", ha="left",
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7})
        if inactive[:, j].any():
            ax.text(j + 0.04, _INACTIVE_Y, "inactive", fontsize=7, va="center", style="italic", color="grey")
    ax.axvline(len(names), color="black", lw=0.8)
    ax.text(len(names) + 0.04, 0.0, f"{vmin:.4g}", fontsize=7, va="center")
    ax.text(len(names) + 0.04, 1.0, f"{vmax:.4g}", fontsize=7, va="center")
    ax.set_xticks(x, [*names, "value"], rotation=20 if len(names) > 5 else 0)
    ax.set_xlim(-0.2, len(names) + 0.6)
    ax.set_ylim(_INACTIVE_Y - 0.08, 1.05)
    ax.set_yticks([])
    fig.colorbar(lines, ax=ax, label=label)
    ax.set_title(f"parallel coordinates ({len(trials)} trials; unit scale, log-aware)")
    return fig


def _axis_labels(space: Space, name: str) -> list[tuple[float, str]]:
    dim = space[name]
    if isinstance(dim, Categorical):
        k = len(dim.choices)
        if k > 12:
            return [(0.5 / k, _label(dim.choices[0])), (1 - 0.5 / k, _label(dim.choices[-1]))]
        return [((i + 0.5) / k, _label(c)) for i, c in enumerate(dim.choices)]
    lo = "ref " + dim.low.name if isinstance(dim.low, Ref) else f"{dim.low:.4g}"
    hi = "ref " + dim.high.name if isinstance(dim.high, Ref) else f"{dim.high:.4g}"
    labels = [(0.0, lo), (1.0, hi)]
    if not (isinstance(dim.low, Ref) or isinstance(dim.high, Ref)):
        mid = dim.from_unit(np.array(0.5), dim.low, dim.high)
        labels.append((0.5, f"{float(mid):.4g}" + (" (log)" if dim.log else "")))
    return labels


# ----------------------------------------------------------------- ranges
def ranges_from_result(result: Any) -> list[dict]:
    """Per round, the span of the values sampled in it (trials whose candidates carry ``info["round"]``).

    What a coarse-to-fine result shows without its strategy: for each round and
    parameter, ``(min, max)`` of the values tried, or the list of choices tried.
    """
    result = as_result(result)
    rounds: dict[int, list] = {}
    for t in result.trials:
        r = t.candidate.info.get("round") if t.candidate.info else None
        if r is not None:
            rounds.setdefault(int(r), []).append(t.config)
    if not rounds:
        raise ValueError("the trials carry no round (info['round']): not a coarse-to-fine search")
    out = []
    for r in sorted(rounds):
        entry: dict[str, Any] = {}
        for name in result.space.names:
            vals = [c[name] for c in rounds[r] if name in c]
            dim = result.space[name]
            if isinstance(dim, Categorical):
                entry[name] = [c for c in dim.choices if dim.index_of(c) in set(dim.indices_of(vals).tolist())]
            elif vals:
                entry[name] = (min(vals), max(vals))
        out.append(entry)
    return out


def plot_ranges(ranges: Any, space: Space | None = None, *, result: Any = None, cols: int = 3,
                title: str = "ranges per round"):
    """How a coarse-to-fine search narrowed its ranges, round by round.

    Parameters
    ----------
    ranges : list of dict, or a strategy with ``ranges_``
        One dict per round: parameter name to ``(low, high)``, or to the list
        of kept choices of a categorical (the ``ranges_`` of the
        ``coarse_to_fine`` strategy).
    space : Space, optional
        For log axes (log dimensions) and the full list of choices; taken from
        the strategy or ``result`` when not given.
    result : Result or fitted Tuner, optional
        Overlays each round's trials (those with ``info["round"]``).
    cols : int, default 3
    title : str, default "ranges per round"
    """
    if hasattr(ranges, "ranges_"):
        space = space if space is not None else getattr(ranges, "space", None)
        ranges = ranges.ranges_
    if result is not None:
        result = as_result(result)
        space = space if space is not None else result.space
    ranges = list(ranges)
    if not ranges or not all(isinstance(r, Mapping) for r in ranges):
        raise ValueError("ranges must be a non-empty list of dicts (one per round): name -> (low, high) or choices")
    names = list(dict.fromkeys(n for r in ranges for n in r))
    if space is not None:
        names = [n for n in space.names if n in names] + [n for n in names if n not in space]
    by_round: dict[int, list] = {}
    if result is not None:
        for t in result.trials:
            r = t.candidate.info.get("round") if t.candidate.info else None
            if r is not None and t.status == OK:
                by_round.setdefault(int(r), []).append(t.config)
    fig, axes = _grid(len(names), cols, 4.0, 3.0)
    rounds = np.arange(len(ranges))
    for ax, name in zip(axes, names):
        dim = space[name] if space is not None and name in space else None
        entries = [r.get(name) for r in ranges]
        categorical = isinstance(dim, Categorical) or any(isinstance(e, (list, set)) for e in entries if e is not None)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("round")
        ax.set_xticks(rounds)
        ax.grid(alpha=0.3)
        if categorical:
            choices = list(dim.choices) if isinstance(dim, Categorical) else list(
                dict.fromkeys(c for e in entries if e is not None for c in e))
            pos = {_key(c): i for i, c in enumerate(choices)}
            for r, e in zip(rounds, entries):
                kept = {_key(c) for c in (e or [])}
                ax.scatter([r] * len(choices), range(len(choices)), s=60,
                           c=["tab:blue" if _key(c) in kept else "white" for c in choices],
                           edgecolors="tab:blue")
                for c in by_round.get(int(r), []):
                    if name in c and _key(c[name]) in pos:
                        ax.scatter([r + 0.25], [pos[_key(c[name])]], s=6, color="grey", alpha=0.5)
            ax.set_yticks(range(len(choices)), [_label(c) for c in choices])
            ax.set_ylim(-0.6, len(choices) - 0.4)
            continue
        for r, e in zip(rounds, entries):
            if e is None:
                continue
            low, high = float(e[0]), float(e[1])
            ax.vlines(r, low, high, lw=8, color="tab:blue", alpha=0.6)
            ax.plot([r - 0.15, r + 0.15], [low, low], color="tab:blue")
            ax.plot([r - 0.15, r + 0.15], [high, high], color="tab:blue")
            pts = [c[name] for c in by_round.get(int(r), []) if name in c]
            if pts:
                ax.scatter(np.full(len(pts), r + 0.25), pts, s=6, color="grey", alpha=0.5)
        log = bool(getattr(dim, "log", False))
        if dim is None:
            lows = [float(e[0]) for e in entries if e is not None]
            highs = [float(e[1]) for e in entries if e is not None]
            log = min(lows) > 0 and max(highs) / min(lows) > 1e3
        if log:
            _log_axis(ax, "y")
    fig.suptitle(title + (" (dots: trials of the round)" if by_round else ""), fontsize=11)
    return fig


def _key(value: Any) -> tuple:
    return (type(value).__name__, value)


# ---------------------------------------------------------------- budgets
def plot_budgets(search: Any, *, ax: Any = None, max_lines: int = 200):
    """Multi-fidelity: the value of each candidate against the budget it was evaluated at.

    Trials of the same configuration at several budgets are joined by a line;
    configurations that reached the largest budget are coloured, the others grey.

    Parameters
    ----------
    search : Result or fitted Tuner
    ax : matplotlib Axes, optional
    max_lines : int, default 200
        Draw at most this many configurations (those that reached the
        largest budgets first).

    Raises
    ------
    ValueError
        When every trial ran at the full budget (not a multi-fidelity search).
    """
    result = as_result(search)
    trials = [t for t in result.trials if t.status == OK]
    budgets = sorted({t.budget for t in trials if t.budget is not None})
    if not budgets:
        raise ValueError("not a multi-fidelity search: every trial ran at the full budget")
    full_x = budgets[-1] * (2.0 if budgets[-1] / budgets[0] >= 10 else 1.15)
    has_full = any(t.budget is None for t in trials)
    tuner = _shows_scores(search)
    groups: dict[tuple, list] = {}
    for t in trials:
        groups.setdefault(config_key(t.config), []).append(t)
    top = max(full_x if has_full else -math.inf, budgets[-1])

    def bx(b: float | None) -> float:
        return full_x if b is None else float(b)

    ranked = sorted(groups.values(), key=lambda g: (-max(bx(t.budget) for t in g), min(t.loss for t in g)))
    fig, ax = _axes(ax)
    import matplotlib

    reached = [g for g in ranked if max(bx(t.budget) for t in g) == top]
    highlight = {id(g): i for i, g in enumerate(reached[:10])}
    colors = matplotlib.colormaps["tab10"]
    for g in ranked[:max_lines][::-1]:
        ordered = sorted(g, key=lambda t: bx(t.budget))
        x = [bx(t.budget) for t in ordered]
        y = [-t.loss if tuner else t.value for t in ordered]
        if id(g) in highlight:
            ax.plot(x, y, "-o", color=colors(highlight[id(g)]), lw=1.8, ms=4, zorder=3,
                    label=f"trial {ordered[-1].number}")
        else:
            ax.plot(x, y, "-o", color="grey", alpha=0.35, lw=0.8, ms=2.5)
    if budgets[-1] / budgets[0] >= 10:
        ax.set_xscale("log")
    if has_full:
        ax.axvline(full_x, color="black", lw=0.5, ls=":")
        ax.text(full_x, 1.0, " full", transform=ax.get_xaxis_transform(), fontsize=8, va="top")
    ax.set_xlabel("budget")
    ax.set_ylabel("validation score" if tuner else "objective value")
    ax.set_title(f"value against budget ({len(groups)} configurations)")
    ax.grid(alpha=0.3)
    if reached:
        ax.legend(fontsize=7, ncol=2, title="best at the largest budget", title_fontsize=7)
    return fig


# -------------------------------------------------------- learning curves
def _curve_lines(trials: list) -> list[tuple[list, list]]:
    """One configuration's trials (in number order) as lines of (steps, values): a promoted run that continued
    from its paused state extends the line; one that started over (its first step not past the line's last)
    starts a new line."""
    lines: list[tuple[list, list]] = []
    for t in trials:
        if not t.intermediate:
            continue
        steps = [float(p[0]) for p in t.intermediate]
        values = [float(p[1]) for p in t.intermediate]
        if lines and steps[0] > lines[-1][0][-1]:
            lines[-1][0].extend(steps)
            lines[-1][1].extend(values)
        else:
            lines.append((steps, values))
    return lines


def plot_learning_curves(search: Any, *, ax: Any = None, max_lines: int = 300, log: bool = False):
    """Every run's reported curve (``trial.report(step, value)``): value against step.

    The trials of one configuration form one line: a run paused at a rung
    and promoted continues its line at the next rung (a dot marks each
    pause). Pruned runs are grey, runs paused and never promoted light
    blue, runs that reached the largest budget coloured, the best red.

    Parameters
    ----------
    search : Result or fitted Tuner
    ax : matplotlib Axes, optional
    max_lines : int, default 300
        Draw at most this many configurations (the best first).
    log : bool, default False
        Log scale for the values.

    Raises
    ------
    ValueError
        When no trial reported values (an objective without ``trial``).
    """
    result = as_result(search)
    groups: dict[tuple, list] = {}
    for t in result.trials:
        if t.intermediate:
            groups.setdefault(config_key(t.config), []).append(t)
    if not groups:
        raise ValueError("no trial reported intermediate values (an objective(config, trial) calls "
                         "trial.report(step, value))")
    top = full_budget(result)
    best = result.best_trial if result.n_ok else None
    sign = -1.0 if result.direction == "maximize" else 1.0

    def kind(g: list) -> str:
        last = g[-1]
        if best is not None and any(t is best for t in g):
            return "best"
        if last.status == PRUNED:
            return "pruned"
        if last.status != OK:
            return "failed"
        return "full" if last.budget == top else "paused"

    def order(g: list) -> tuple:
        last = g[-1]
        return ({"best": 0, "full": 1, "paused": 2, "pruned": 3, "failed": 4}[kind(g)],
                sign * (last.value if last.value is not None else (last.last_value or 0.0)))

    ranked = sorted(groups.values(), key=order)[:max_lines]
    style = {"best": dict(color="tab:red", lw=2.2, alpha=1.0, zorder=4),
             "full": dict(color="tab:blue", lw=1.2, alpha=0.8, zorder=3),
             "paused": dict(color="tab:cyan", lw=0.8, alpha=0.5, zorder=2),
             "pruned": dict(color="grey", lw=0.7, alpha=0.45, zorder=1),
             "failed": dict(color="tab:orange", lw=0.7, alpha=0.5, zorder=1, ls=":")}
    labels = {"best": f"best (trial {best.number})" if best is not None else "best",
              "full": "reached the largest budget", "paused": "paused, not promoted", "pruned": "pruned",
              "failed": "failed"}
    fig, ax = _axes(ax)
    shown: set = set()
    for g in ranked[::-1]:
        k = kind(g)
        for steps, values in _curve_lines(g):
            ax.plot(steps, values, marker="o" if len(steps) == 1 else None, ms=3,  # a run stopped at its first step
                    label=None if k in shown else labels[k], **style[k])
            shown.add(k)
        for t in g[:-1]:  # the pauses at the rungs the configuration went past
            if t.intermediate:
                ax.plot([t.intermediate[-1][0]], [t.intermediate[-1][1]], "o", ms=2.5, color=style[k]["color"],
                        alpha=style[k]["alpha"], zorder=style[k]["zorder"])
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("reported value" + (" (maximized)" if result.direction == "maximize" else ""))
    ax.set_title(f"learning curves ({len(groups)} configurations, {result.n_pruned} pruned trials)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


# -------------------------------------------------------------- all of them
def _auto_importance(search: Any):
    from .fanova import importance

    return importance(search, budget="auto")


@dataclass
class PlotFiles:
    """What :func:`save_plots` wrote: ``paths`` (name to file) and ``skipped`` (name to the reason)."""

    paths: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def save_plots(
    search: Any,
    out_dir: str,
    *,
    importance_table: Any = None,
    ranges: Any = None,
    prefix: str = "",
    dpi: int = _DPI,
) -> PlotFiles:
    """Write every plot that applies to ``search`` as PNG files in ``out_dir``.

    ``convergence``, ``importance`` (computed with ``budget="auto"`` unless
    ``importance_table`` is given; needs 5 ok trials), ``slices``, ``parallel_coordinates``,
    ``budgets`` (multi-fidelity searches only), ``learning_curves`` (when
    trials reported values: ``objective(config, trial)``) and ``ranges``
    (given ``ranges``, or trials with ``info["round"]`` as coarse-to-fine gives them).

    Returns
    -------
    PlotFiles
        The paths written and, for plots that do not apply, why.
    """
    _figure_class()  # the ImportError naming the extra, before anything is computed
    result = as_result(search)
    os.makedirs(out_dir, exist_ok=True)
    out = PlotFiles()

    def write(name: str, make) -> None:
        try:
            fig = make()
        except ValueError as exc:
            out.skipped[name] = str(exc)
            return
        path = os.path.join(out_dir, f"{prefix}{name}.png")
        fig.savefig(path, dpi=dpi)
        out.paths[name] = path

    if not result.n_ok:
        out.skipped["all"] = "no trial succeeded"
        return out
    write("convergence", lambda: plot_convergence(search))
    write("importance", lambda: plot_importance(importance_table if importance_table is not None
                                                else _auto_importance(search)))
    write("slices", lambda: plot_slices(search))
    write("parallel_coordinates", lambda: plot_parallel_coordinates(search))
    write("budgets", lambda: plot_budgets(search))
    if any(t.intermediate for t in result.trials):  # only a search whose objective reported values has curves
        write("learning_curves", lambda: plot_learning_curves(search))
    if ranges is not None:
        write("ranges", lambda: plot_ranges(ranges, result.space, result=result))
    else:
        write("ranges", lambda: plot_ranges(ranges_from_result(result), result.space, result=result,
                                            title="span of the values sampled in each round"))
    return out

