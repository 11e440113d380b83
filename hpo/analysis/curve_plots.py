"""Plots of a search's course: convergence, empirical distributions (EDF), value against budget, learning curves."""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from ..strategies.base import config_key
from ..trial import OK, PRUNED, loss_sign
from ._common import as_result, full_budget
from ._figures import axes_of, log_axis, series_of, shown_value, shows_scores
from .styles import line_styles, plain_number

if TYPE_CHECKING:  # matplotlib is an extra, imported when a plot is drawn
    from matplotlib.figure import Figure

__all__ = ["plot_convergence", "plot_edf", "plot_budgets", "plot_learning_curves"]


# ------------------------------------------------------------ convergence
def plot_convergence(searches: Any, *, ax: Any = None, label: str | None = None, band: tuple = (25, 75),
                     log: bool = False) -> Figure:
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

    Raises
    ------
    ValueError
        No search given, or a search (a group) with no ok trial to plot (the message says why: every
        trial failed, with the first error, or none finished).

    Examples
    --------
    >>> from hpo import Space, Float, optimize
    >>> from hpo.analysis import plot_convergence
    >>> result = optimize(lambda c: (c["x"] - 0.3) ** 2, Space(x=Float(0, 1)), n_trials=8, seed=0)
    >>> fig = plot_convergence(result)
    >>> ax = fig.axes[0]
    >>> ax.get_title(), ax.get_xlabel(), ax.get_ylabel()
    ('convergence', 'trials evaluated', 'best objective value')
    >>> fig.savefig("convergence.png")  # doctest: +SKIP
    """
    fig, ax = axes_of(ax)
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
        series = [series_of(s) for s in group]
        if all(np.isnan(s.values).all() for s in series):  # an empty figure would say nothing of why
            raise ValueError(f"nothing to plot{f' for {name!r}' if name else ''}: " + (
                _why_empty(group[0]) if len(group) == 1 else f"none of its {len(group)} searches has an ok trial"))
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
        log_axis(ax, "y")
    ax.set_xlabel("trials evaluated")  # a count (trial number k is the (k + 1)-th evaluated)
    ax.set_ylabel("best " + ylabel)
    ax.set_title("convergence")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def _why_empty(search: Any) -> str:
    result = as_result(search)
    if any(t.status == OK for t in result.trials):
        return "no ok trial at the search's full budget"
    return result.no_best_reason()


# --------------------------------------------------------------------- EDF
def _edf_samples(item: Any) -> tuple[np.ndarray, str | None, bool | None]:
    """The values of one group of :func:`plot_edf`: numbers as given, or the plotted values of the ok trials
    of each search (at its largest budget), with their label and direction."""
    items = list(item) if isinstance(item, (list, tuple)) else [item]
    numbers = isinstance(item, np.ndarray) or (
        bool(items) and all(isinstance(x, (int, float, np.integer, np.floating)) for x in items))
    if numbers:
        return np.asarray(item, dtype=float).ravel(), None, None
    series = [series_of(x) for x in items]
    values = np.concatenate([s.values for s in series]) if series else np.empty(0)
    return values, series[0].label if series else None, series[0].maximize if series else None


def plot_edf(groups: Any, *, ax: Any = None, xlabel: str | None = None, higher_is_better: bool | None = None,
             log: bool = False) -> Figure:
    """Empirical distribution functions: for each group, the share of values at or below each value.

    As Optuna's ``plot_edf``: with searches, the values of all their ok trials
    (at the largest budget), so that a strategy whose curve rises further
    toward the better end found good configurations more often. With
    numbers (a benchmark's final scores of each strategy, say), their
    distribution. Groups differ in colour, dash and marker, so that equal
    distributions stay visible.

    Parameters
    ----------
    groups : mapping of label to searches or numbers, a search, or a list of searches
        A search is a Result or a fitted Tuner; numbers are an array or list.
    ax : matplotlib Axes, optional
    xlabel : str, optional
        Default: the searches' value ("loss", "validation score"...), or "value".
    higher_is_better : bool, optional
        Says which end is better in the title; taken from the searches by default.
    log : bool, default False
        Log scale for the values.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from hpo.analysis import plot_edf
    >>> final_losses = {"random": [0.31, 0.22, 0.5], "bayes": [0.12, 0.2, 0.15]}
    >>> fig = plot_edf(final_losses, xlabel="final loss", higher_is_better=False)
    >>> fig.axes[0].get_title()
    'empirical distribution (better: further left)'
    >>> [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    ['random (3)', 'bayes (3)']
    """
    if not isinstance(groups, Mapping):
        groups = {"": groups}
    if not groups:
        raise ValueError("plot_edf needs at least one group")
    samples, label, better = {}, None, higher_is_better
    for name, item in groups.items():
        values, lab, maximize = _edf_samples(item)
        values = values[np.isfinite(values)]
        if not values.size:
            raise ValueError(f"group {name!r} has no finite value (no ok trial)")
        samples[str(name)] = np.sort(values)
        label = label or lab
        better = maximize if better is None else better
    fig, ax = axes_of(ax)
    styles = line_styles(list(samples))
    for name, values in samples.items():
        y = np.arange(1, len(values) + 1) / len(values)
        st = styles[name]
        every = max(1, len(values) // 6)
        ax.step(np.concatenate([[values[0]], values]), np.concatenate([[0.0], y]), where="post", color=st["color"],
                ls=st["ls"], lw=1.6, label=f"{name} ({len(values)})" if name else None)
        ax.plot(values, y, ls="none", marker=st["marker"], ms=4, color=st["color"],
                markevery=(int(st["offset"] * every), every))
    if log:
        log_axis(ax, "x")
    ax.set_xlabel(xlabel or label or "value")
    ax.set_ylabel("share of values ≤ x")
    ax.set_ylim(-0.02, 1.02)
    where = "" if better is None else (" (better: further right)" if better else " (better: further left)")
    ax.set_title("empirical distribution" + where, fontsize=10)
    ax.grid(alpha=0.3)
    if any(samples) and list(samples) != [""]:
        ax.legend(fontsize=8)
    return fig


# ---------------------------------------------------------------- budgets
def plot_budgets(search: Any, *, ax: Any = None, max_lines: int = 200) -> Figure:
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
        When every trial ran at the full budget (not a multi-fidelity search), or all at one budget (the
        median rule's searches).

    Examples
    --------
    >>> from hpo import Space, Float, optimize
    >>> from hpo.analysis import plot_budgets
    >>> def objective(config, budget):  # budget: epochs, say; more of it, a lower loss
    ...     return (config["x"] - 0.3) ** 2 + 1 / budget
    >>> result = optimize(objective, Space(x=Float(0, 1)), "halving", n_trials=12, seed=0,
    ...                   strategy_options={"min_budget": 1, "max_budget": 9})
    >>> fig = plot_budgets(result)
    >>> fig.axes[0].get_xlabel(), fig.axes[0].get_title()
    ('budget', 'value against budget (8 configurations)')
    """
    result = as_result(search)
    trials = [t for t in result.trials if t.status == OK]
    budgets = sorted({t.budget for t in trials if t.budget is not None})
    if not budgets:
        raise ValueError("not a multi-fidelity search: every trial ran at the full budget")
    if len(budgets) == 1 and not any(t.budget is None for t in trials):
        raise ValueError(f"every trial ran at one budget ({plain_number(float(budgets[0]))}): nothing to plot "
                         "against the budget")
    full_x = budgets[-1] * (2.0 if budgets[-1] / budgets[0] >= 10 else 1.15)
    has_full = any(t.budget is None for t in trials)
    tuner = shows_scores(search)
    groups: dict[tuple, list] = {}
    for t in trials:
        groups.setdefault(config_key(t.config), []).append(t)
    top = max(full_x if has_full else -math.inf, budgets[-1])

    def bx(b: float | None) -> float:
        return full_x if b is None else float(b)

    ranked = sorted(groups.values(), key=lambda g: (-max(bx(t.budget) for t in g), min(t.loss for t in g)))
    fig, ax = axes_of(ax)
    import matplotlib

    reached = [g for g in ranked if max(bx(t.budget) for t in g) == top]
    highlight = {id(g): i for i, g in enumerate(reached[:10])}
    colors = matplotlib.colormaps["tab10"]
    lines = {}
    for g in ranked[:max_lines][::-1]:  # the best drawn last, on top
        ordered = sorted(g, key=lambda t: bx(t.budget))
        x = [bx(t.budget) for t in ordered]
        y = [shown_value(t, tuner) for t in ordered]
        if id(g) in highlight:
            lines[highlight[id(g)]] = ax.plot(x, y, "-o", color=colors(highlight[id(g)]), lw=1.8, ms=4, zorder=3,
                                              label=f"trial {ordered[-1].number}")[0]
        else:
            ax.plot(x, y, "-o", color="grey", alpha=0.35, lw=0.8, ms=2.5)
    if budgets[-1] / budgets[0] >= 10:
        log_axis(ax, "x")
    if len(budgets) <= 8:  # the rungs themselves as ticks (1, 3, 9, 27)
        ax.set_xticks(budgets, [plain_number(float(b)) for b in budgets])
        ax.minorticks_off()
    if has_full:
        ax.axvline(full_x, color="black", lw=0.5, ls=":")
        ax.text(full_x, 1.0, " full", transform=ax.get_xaxis_transform(), fontsize=8, va="top")
    ax.set_xlabel("budget")
    ax.set_ylabel("validation score" if tuner else "objective value")
    ax.set_title(f"value against budget ({len(groups)} configurations)")
    ax.grid(alpha=0.3)
    if lines:  # best first
        ax.legend(handles=[lines[i] for i in sorted(lines)], fontsize=7, ncol=2, title="best at the largest budget",
                  title_fontsize=7)
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


def plot_learning_curves(search: Any, *, ax: Any = None, max_lines: int = 300, log: bool = False) -> Figure:
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

    Examples
    --------
    >>> from hpo import Space, Float, optimize
    >>> from hpo.analysis import plot_learning_curves
    >>> def objective(config, trial):
    ...     for epoch in range(1, 4):
    ...         trial.report(epoch, config["x"] / epoch)  # the loss after each epoch
    ...     return config["x"] / 3
    >>> result = optimize(objective, Space(x=Float(0, 1)), n_trials=4, seed=0)
    >>> plot_learning_curves(result).axes[0].get_title()
    'learning curves (4 configurations, 0 pruned trials)'
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
    sign = loss_sign(result.direction)

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
    fig, ax = axes_of(ax)
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
        log_axis(ax, "y")
    ax.set_xlabel("step")
    ax.set_ylabel("reported value" + (" (maximized)" if result.direction == "maximize" else ""))
    ax.set_title(f"learning curves ({len(groups)} configurations, {result.n_pruned} pruned trials)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig
