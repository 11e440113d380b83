"""Plots of the parameters: importance, slices, parallel coordinates, contour, coarse-to-fine ranges."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from .._constraints import Interval, check_options
from ..spaces import Categorical, Space
from ..spaces.conditions import Ref
from ..trial import OK
from ._common import as_result, ok_trials_at_budget
from .styles import plain_number
from ._figures import INACTIVE_Y, axes_of, log_axis, metric_name, new_figure, panel_grid, tick_label, trial_values

if TYPE_CHECKING:  # matplotlib is an extra, imported when a plot is drawn
    from matplotlib.figure import Figure

__all__ = ["plot_importance", "plot_slices", "plot_parallel_coordinates", "plot_contour", "plot_ranges",
           "ranges_from_result"]


# ------------------------------------------------------------- importance
def plot_importance(table: Any, *, ax: Any = None, top: int | None = 20) -> Figure:
    """Horizontal bars of each parameter's importance, with its spread across trees.

    Parameters
    ----------
    table : ImportanceTable, Result or fitted Tuner
        A search is analysed with :func:`hpo.analysis.importance` first.
    ax : matplotlib Axes, optional
    top : int, optional
        Show only the most important ``top`` parameters (default 20).

    Examples
    --------
    >>> from hpo import Space, Float, optimize
    >>> from hpo.analysis import importance, plot_importance
    >>> space = Space(x=Float(0, 1), noise=Float(0, 1))
    >>> result = optimize(lambda c: c["x"] ** 2, space, n_trials=20, seed=0)
    >>> fig = plot_importance(importance(result, n_trees=16))
    >>> [label.get_text() for label in fig.axes[0].get_yticklabels()]  # most important first
    ['x', 'noise']
    """
    from .fanova import ImportanceTable, importance

    if not isinstance(table, ImportanceTable):
        table = importance(table)
    check_options({"top": [Interval(int, 1), None]}, top=top)
    k = len(table) if top is None else min(top, len(table))
    fig, ax = axes_of(ax, 6.4, max(2.0, 0.9 + 0.35 * k))
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
def plot_slices(search: Any, params: Sequence[str] | None = None, *, cols: int = 3, seed: int = 0) -> Figure:
    """The value of every trial against each hyperparameter (where it is active).

    Log dimensions get a log x axis; categoricals are shown as categories
    (jittered). Colour: trial number (later trials darker, with a colour
    bar); a red star marks the best trial.

    Parameters
    ----------
    search : Result or fitted Tuner
    params : list of str, optional
        Which parameters (default: all).
    cols : int, default 3
        Panels per row.
    seed : int, default 0
        Seeds the jitter of categorical values.

    Examples
    --------
    >>> from hpo import Space, Float, Categorical, optimize
    >>> from hpo.analysis import plot_slices
    >>> space = Space(x=Float(1e-3, 1, log=True), kernel=Categorical(["rbf", "poly"]))
    >>> result = optimize(lambda c: c["x"] + (c["kernel"] == "poly"), space, n_trials=8, seed=0)
    >>> fig = plot_slices(result)
    >>> [ax.get_title() for ax in fig.axes[:2]], fig.axes[0].get_xscale()
    (['x', 'kernel'], 'log')
    """
    result = as_result(search)
    space = result.space
    names = list(params) if params is not None else space.names
    for n in names:
        space[n]  # a KeyError naming the known parameters
    trials = ok_trials_at_budget(result)
    if not trials:
        raise ValueError("plot_slices needs at least one ok trial")
    values, label, maximize = trial_values(search, trials)
    numbers = np.array([t.number for t in trials], dtype=float)
    best = int(np.argmax(values) if maximize else np.argmin(values))
    rng = np.random.default_rng(seed)
    fig, axes = panel_grid(len(names), cols)
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
            ax.set_xticks(np.arange(len(dim.choices)), [tick_label(c) for c in dim.choices],
                          rotation=30 if len(dim.choices) > 3 else 0)
            ax.set_xlim(-0.6, len(dim.choices) - 0.4)
            best_x = float(dim.index_of(trials[best].config[name])) if name in trials[best].config else None
        else:
            x = np.asarray(raw, dtype=float)
            if dim.log:
                log_axis(ax, "x")
            best_x = trials[best].config.get(name)
        ax.scatter(x, values[rows_a], c=numbers[rows_a], cmap=cmap, norm=norm, s=16, alpha=0.8,
                   edgecolors="none")
        if best_x is not None:
            ax.scatter([best_x], [values[best]], marker="*", s=180, color="red", edgecolors="black", zorder=3,
                       label="best")
    fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), ax=list(axes), label="trial number",
                 shrink=0.9, aspect=30)
    fig.suptitle(f"slices: {label} against each parameter (colour: trial number, red star: the best)", fontsize=11)
    return fig


# ------------------------------------------------------- parallel coordinates
def plot_parallel_coordinates(search: Any, params: Sequence[str] | None = None, *,
                              top: float | None = None) -> Figure:
    """Each trial as a line across one vertical axis per hyperparameter, coloured by its value.

    Axes are the space's unit scale (log-aware; categoricals at their bins),
    labelled with values; an inactive parameter is drawn in a band below its
    axis. The last axis is the value, named by its metric (the Tuner's scorer,
    ``accuracy``; ``loss`` for a minimized objective). The best trials are drawn on top.

    Parameters
    ----------
    search : Result or fitted Tuner
    params : list of str, optional
        Which parameters (default: all, in the space's order).
    top : float, optional
        Draw only the best ``top`` fraction of the trials (0 to 1).

    Examples
    --------
    >>> from hpo import Space, Float, Int, optimize
    >>> from hpo.analysis import plot_parallel_coordinates
    >>> space = Space(x=Float(0, 1), n=Int(1, 5))
    >>> result = optimize(lambda c: c["x"] * c["n"], space, n_trials=8, seed=0)
    >>> fig = plot_parallel_coordinates(result, top=0.5)
    >>> fig.axes[0].get_title()
    'parallel coordinates (4 trials; unit scale, log-aware)'
    >>> [label.get_text() for label in fig.axes[0].get_xticklabels()]
    ['x', 'n', 'loss']
    """
    result = as_result(search)
    space = result.space
    names = list(params) if params is not None else space.names
    cols = [space.names.index(n) for n in names]
    trials = ok_trials_at_budget(result)
    if not trials:
        raise ValueError("plot_parallel_coordinates needs at least one ok trial")
    values, label, maximize = trial_values(search, trials)
    order = np.argsort(-values if maximize else values, kind="stable")  # best first
    if top is not None:
        if not 0 < top <= 1:
            raise ValueError(f"top must be a fraction in (0, 1], got {top!r}")
        order = order[: max(1, int(math.ceil(top * len(order))))]
    trials = [trials[i] for i in order]
    values = values[order]
    U = space.encode([t.config for t in trials])[:, cols]
    inactive = np.array([[n not in t.config for n in names] for t in trials], dtype=bool).reshape(U.shape)
    U[inactive] = INACTIVE_Y
    vmin, vmax = float(np.min(values)), float(np.max(values))
    scaled = (values - vmin) / (vmax - vmin) if vmax > vmin else np.full(len(values), 0.5)
    Y = np.column_stack([U, scaled])
    import matplotlib
    from matplotlib.collections import LineCollection

    fig = new_figure(max(6.0, 1.4 * (len(names) + 1)), 4.8)
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
            ax.text(j + 0.04, y, text, fontsize=7, va="center", ha="left", zorder=5,
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7})
        if inactive[:, j].any():
            ax.text(j + 0.04, INACTIVE_Y, "inactive", fontsize=7, va="center", style="italic", color="grey")
    ax.axvline(len(names), color="black", lw=0.8)
    for y, v in ((0.0, vmin), (0.5, (vmin + vmax) / 2), (1.0, vmax)) if vmax > vmin else ((0.5, vmin),):
        ax.text(len(names) + 0.04, y, f"{v:.4g}", fontsize=7, va="center", ha="left", zorder=5,
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85})
    metric = metric_name(search)
    ax.set_xticks(x, [*names, metric], rotation=20 if len(names) > 5 else 0)
    ax.set_xlim(-0.2, len(names) + 0.6)
    ax.set_ylim(INACTIVE_Y - 0.08, 1.05)
    ax.set_yticks([])
    fig.colorbar(lines, ax=ax, label=label)
    ax.set_title(f"parallel coordinates ({len(trials)} trials; unit scale, log-aware)")
    return fig


def _axis_labels(space: Space, name: str) -> list[tuple[float, str]]:
    dim = space[name]
    if isinstance(dim, Categorical):
        k = len(dim.choices)
        if k > 12:
            return [(0.5 / k, tick_label(dim.choices[0])), (1 - 0.5 / k, tick_label(dim.choices[-1]))]
        return [((i + 0.5) / k, tick_label(c)) for i, c in enumerate(dim.choices)]
    lo = "ref " + dim.low.name if isinstance(dim.low, Ref) else f"{dim.low:.4g}"
    hi = "ref " + dim.high.name if isinstance(dim.high, Ref) else f"{dim.high:.4g}"
    labels = [(0.0, lo), (1.0, hi)]
    if not (isinstance(dim.low, Ref) or isinstance(dim.high, Ref)):
        mid = dim.from_unit(np.array(0.5), dim.low, dim.high)
        labels.append((0.5, f"{float(mid):.4g}" + (" (log)" if dim.log else "")))
    return labels


# ---------------------------------------------------------------- contour
def _unit_ticks(space: Space, name: str) -> tuple[list, list]:
    """Tick positions on the unit scale of ``name`` and their labels in its own values (round values: decades
    on a log scale)."""
    dim = space[name]
    if isinstance(dim, Categorical):
        k = len(dim.choices)
        shown = range(k) if k <= 12 else (0, k - 1)
        return [(i + 0.5) / k for i in shown], [tick_label(dim.choices[i]) for i in shown]
    if isinstance(dim.low, Ref) or isinstance(dim.high, Ref):
        return [0.0, 0.5, 1.0], ["low", "middle", "high"]  # a dependent range: relative to the range that holds
    from matplotlib.ticker import LogLocator, MaxNLocator

    low, high = float(dim.low), float(dim.high)
    locator = LogLocator(numticks=7) if dim.log else MaxNLocator(6, integer=not isinstance(dim.low, float))
    values = [v for v in locator.tick_values(low, high) if low <= v <= high]
    if len(values) < 2:
        values = [low, high]
    u = dim.to_unit(np.asarray(values, dtype=float), low, high)
    return [float(x) for x in u], [plain_number(v) for v in values]


def plot_contour(search: Any, params: Sequence[str] | None = None, *, ax: Any = None, levels: int = 12,
                 resolution: int = 100) -> Figure:
    """The value over two hyperparameters: a filled contour interpolated between the trials, the trials as dots.

    By default the two most important parameters (fANOVA, :func:`hpo.analysis.importance`;
    the first two of the space when there are too few trials to rank them). Both axes
    are the space's unit scale (log-aware; categoricals at their bins, dependent
    ranges relative to the range that holds), labelled with values. Only the trials
    where both parameters are active are used; outside their convex hull nothing
    is interpolated. A red star marks the best trial.

    Parameters
    ----------
    search : Result or fitted Tuner
    params : (str, str), optional
        The two parameters (x, y).
    ax : matplotlib Axes, optional
    levels : int, default 12
        Contour levels.
    resolution : int, default 100
        Grid points per axis of the interpolation.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from hpo import Space, Float, optimize
    >>> from hpo.analysis import plot_contour
    >>> space = Space(x=Float(0, 1), y=Float(1e-3, 1, log=True))
    >>> result = optimize(lambda c: (c["x"] - 0.3) ** 2 + c["y"], space, n_trials=8, seed=0)
    >>> ax = plot_contour(result, ["x", "y"]).axes[0]
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('x', 'y (log scale)')
    >>> ax.get_title()
    'objective value over x and y (8 trials)'
    """
    result = as_result(search)
    space = result.space
    ok = ok_trials_at_budget(result)
    if not ok:
        raise ValueError(f"nothing to plot: {result.no_best_reason()}")
    if params is None:
        if len(space.names) < 2:
            raise ValueError("a contour plot needs a space of at least two parameters")
        try:
            from .fanova import importance

            ranked = list(importance(search, budget="max").names)
        except ValueError:  # too few trials to rank the parameters
            ranked = list(space.names)
        params = contour_pair(ranked, ok)
    params = list(params)
    if len(params) != 2 or params[0] == params[1]:
        raise ValueError(f"params must name two different parameters, got {params!r}")
    for n in params:
        space[n]  # a KeyError naming the known parameters
    trials = [t for t in ok if all(n in t.config for n in params)]
    if not trials:
        raise ValueError(f"no ok trial has both {params[0]} and {params[1]} active")
    values, label, maximize = trial_values(search, trials)
    cols = [space.names.index(n) for n in params]
    U = space.encode([t.config for t in trials])[:, cols]
    fig, ax = axes_of(ax, 6.4, 5.0)
    import matplotlib

    cmap = matplotlib.colormaps["viridis" if maximize else "viridis_r"]
    mappable = None
    if len(trials) >= 4:
        from scipy.interpolate import griddata

        g = np.linspace(0.0, 1.0, resolution)
        GX, GY = np.meshgrid(g, g)
        try:
            Z = griddata(U, values, (GX, GY), method="linear")
        except Exception:  # all trials on a line (qhull): no surface, the dots still show
            Z = None
        if Z is not None and np.isfinite(Z).any():
            mappable = ax.contourf(GX, GY, Z, levels=levels, cmap=cmap, alpha=0.85)
    dots = ax.scatter(U[:, 0], U[:, 1], c=values, cmap=cmap, s=18, edgecolors="black", linewidths=0.5, zorder=3)
    best = int(np.argmax(values) if maximize else np.argmin(values))
    ax.scatter([U[best, 0]], [U[best, 1]], marker="*", s=220, color="red", edgecolors="black", zorder=4,
               label=f"best (trial {trials[best].number})")
    fig.colorbar(mappable if mappable is not None else dots, ax=ax, label=label)
    for name, set_ticks, set_label in ((params[0], ax.set_xticks, ax.set_xlabel),
                                       (params[1], ax.set_yticks, ax.set_ylabel)):
        ticks, labels = _unit_ticks(space, name)
        set_ticks(ticks, labels)
        dim = space[name]
        set_label(name + (" (log scale)" if getattr(dim, "log", False) else ""))
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=8, loc="best")
    ax.set_title(f"{label} over {params[0]} and {params[1]} ({len(trials)} trials)", fontsize=10)
    return fig


# ----------------------------------------------------------------- ranges
def ranges_from_result(result: Any) -> list[dict]:
    """Per round, the span of the values sampled in it (trials whose candidates carry ``info["round"]``).

    What a coarse-to-fine result shows without its strategy: for each round and
    parameter, ``(min, max)`` of the values tried, or the list of choices tried.

    Examples
    --------
    >>> from hpo import Space, Float, Categorical, optimize
    >>> from hpo.analysis import ranges_from_result
    >>> space = Space(x=Float(0, 1), kernel=Categorical(["rbf", "poly"]))
    >>> def objective(config):
    ...     return (config["x"] - 0.3) ** 2 + (config["kernel"] == "poly")
    >>> result = optimize(objective, space, "coarse_to_fine", n_trials=12, seed=0)
    >>> rounds = ranges_from_result(result)
    >>> [r["kernel"] for r in rounds]
    [['rbf', 'poly'], ['rbf']]
    >>> [tuple(round(v, 1) for v in r["x"]) for r in rounds]
    [(0.1, 0.9), (0.2, 0.5)]
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
                title: str = "ranges per round") -> Figure:
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

    Examples
    --------
    >>> from hpo.analysis import plot_ranges
    >>> ranges = [{"x": (0.0, 1.0), "kernel": ["rbf", "poly"]},  # round 0
    ...           {"x": (0.2, 0.5), "kernel": ["rbf"]}]  # round 1
    >>> fig = plot_ranges(ranges)
    >>> [ax.get_title() for ax in fig.axes], fig.axes[0].get_xlabel()
    (['x', 'kernel'], 'round')

    A coarse-to-fine result gives its rounds with :func:`ranges_from_result`:
    ``plot_ranges(ranges_from_result(result), result=result)``.
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
    fig, axes = panel_grid(len(names), cols, 4.0, 3.0)
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
            ax.set_yticks(range(len(choices)), [tick_label(c) for c in choices])
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
            log_axis(ax, "y")
    fig.suptitle(title + (" (dots: trials of the round)" if by_round else ""), fontsize=11)
    return fig


def _key(value: Any) -> tuple:
    return (type(value).__name__, value)


def contour_pair(ranked: list[str], trials: list) -> list[str]:
    """The first pair in order of importance ((1st, 2nd), (1st, 3rd), (2nd, 3rd), (1st, 4th)...) with at
    least 3 trials where both are active (parameters of two branches never are); else the pair with most."""
    pairs = [[ranked[i], ranked[j]] for j in range(1, len(ranked)) for i in range(j)]
    together = [sum(a in t.config and b in t.config for t in trials) for a, b in pairs]
    enough = [pair for pair, n in zip(pairs, together) if n >= 3]
    return enough[0] if enough else pairs[int(np.argmax(together))]
