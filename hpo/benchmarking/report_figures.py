"""The benchmark report's figures: convergence as regret, the distribution of final scores, coarse-to-fine's
ranges per round (matplotlib without pyplot; each takes a :class:`~hpo.benchmarking.report.Summary`)."""

from __future__ import annotations

import contextlib
import math
import warnings
from typing import Any, Iterator

import numpy as np

from ..analysis.styles import line_styles, plain_log_axis

__all__ = ["convergence_figure", "edf_figure", "ranges_figure", "regret_curves", "median_box_sides",
           "plot_convergence", "plot_ranges"]


@contextlib.contextmanager
def quiet_nan() -> Iterator[None]:
    """Medians and percentiles of columns that may hold only NaN (no run reached a budget): NaN, no warning."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def median_box_sides(runs: list) -> np.ndarray:
    """Per round, the median box side over the runs that reached that round."""
    longest = max(len(r) for r in runs)
    table = np.full((len(runs), longest), np.nan)
    for i, r in enumerate(runs):
        table[i, :len(r)] = r
    with quiet_nan():
        return np.nanmedian(table, axis=0)


def ranges_figure(s: Any):
    """How the box of a range-narrowing strategy shrank: median box side per round, one line per problem,
    on a log axis with plain labels (0.5, not 5x10^-1) and integer rounds. A :class:`matplotlib.figure.Figure`."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    contenders = sorted({c for _, c in s.box_sides})
    fig = Figure(figsize=(6 * len(contenders), 4), layout="constrained")
    axes = fig.subplots(1, len(contenders), squeeze=False)[0]
    for ax, c in zip(axes, contenders):
        for p in s.problems:
            runs = s.box_sides.get((p, c))
            if runs:
                med = median_box_sides(runs)
                ax.plot(np.arange(len(med)), med, marker="o", markersize=3, label=p)
        ax.set_yscale("log")
        plain_log_axis(ax.yaxis)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("round (0 = the whole space)")
        ax.set_ylabel("box side (fraction of the space)")
        ax.set_title(f"{c}: ranges per round (median over seeds)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return fig


def plot_ranges(s: Any, path: str) -> None:
    """Write :func:`ranges_figure` to ``path``."""
    ranges_figure(s).savefig(path, dpi=90)


def regret_curves(s: Any, problem: str) -> tuple[dict, float]:
    """Per contender, the runs' regret (best loss so far minus the known optimum, or minus the best loss any
    run found), and the floor a log axis draws zero regret at (a third of the smallest positive regret)."""
    out = {c: s.curves[(problem, c)] - s.target[problem] for c in s.contenders if (problem, c) in s.curves}
    positive = np.concatenate([r[np.isfinite(r) & (r > 0)] for r in out.values()] or [np.empty(0)])
    if positive.size:
        floor = float(positive.min()) / 3.0
    else:
        floor = 1e-6 * max(1.0, abs(float(s.target[problem])))
    return out, floor


def convergence_figure(s: Any, problems: list[str]):
    """Median regret with a 25-75% band per strategy, one panel per problem, one legend for the figure.

    Regret is the best loss so far minus the known optimum (or minus the best loss any run found, for
    problems without one), on a log axis, so that the differences at the end of the runs show; zero regret
    (a run that reached the best) is drawn on a dotted floor line. Strategies differ in colour, dash and
    marker, so that tied curves stay visible. A :class:`matplotlib.figure.Figure`.
    """
    from matplotlib.figure import Figure  # no pyplot: the user's backend and figure registry stay untouched
    from matplotlib.lines import Line2D

    n = len(problems)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(5 * cols, 3.4 * rows + 0.5), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    x = np.arange(1, s.n_trials + 1)
    styles = line_styles(s.contenders)
    every = max(1, s.n_trials // 6)
    zero = False
    for ax, p in zip(axes.ravel(), problems):
        regrets, floor = regret_curves(s, p)
        if not any(np.isfinite(r).any() for r in regrets.values()):  # every trial of every run failed
            ax.text(0.5, 0.5, "no run found a finite loss", ha="center", va="center", transform=ax.transAxes)
            ax.set_title(p)
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        for c, regret in regrets.items():
            y = np.maximum(regret, floor)
            with quiet_nan():
                med = np.nanmedian(y, axis=0)
                lo, hi = np.nanpercentile(y, 25, axis=0), np.nanpercentile(y, 75, axis=0)
            st = styles[c]
            ax.plot(x, med, color=st["color"], ls=st["ls"], marker=st["marker"], ms=4, lw=1.6,
                    markevery=(int(st["offset"] * every), every), label=c)
            ax.fill_between(x, lo, hi, color=st["color"], alpha=0.12, lw=0)
        ax.set_yscale("log")
        if any(np.any(r <= 0) for r in regrets.values()):  # some run reached the best: show where zero is drawn
            zero = True
            ax.axhline(floor, color="grey", lw=0.8, ls=":")
            ax.set_ylim(bottom=floor / 1.6)
        plain_log_axis(ax.yaxis)
        ax.set_ylabel("regret (best loss − " + ("optimum)" if s.known_optimum[p] else "best found)"))
        ax.set_title(p)
        ax.set_xlabel("evaluations")
        ax.grid(alpha=0.3)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    handles = [Line2D([], [], color=styles[c]["color"], ls=styles[c]["ls"], marker=styles[c]["marker"], ms=4,
                      label=c) for c in s.contenders]
    if zero:
        handles.append(Line2D([], [], color="grey", lw=0.8, ls=":", label="zero regret (drawn at the floor)"))
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 5), fontsize=8)
    return fig


def edf_figure(s: Any):
    """The empirical distribution of each strategy's final normalized scores over the (problem, seed) pairs
    every strategy ran: a curve further right found better configurations more often."""
    from ..analysis.plots import plot_edf

    _, scores = s.paired()
    groups = {c: scores[:, j] for j, c in enumerate(s.contenders) if np.isfinite(scores[:, j]).any()}
    return plot_edf(groups, xlabel="final score (0 = median random configuration, 100 = optimum)",
                    higher_is_better=True)


def plot_convergence(s: Any, path: str, problems: list[str]) -> None:
    """Write :func:`convergence_figure` to ``path``."""
    convergence_figure(s, problems).savefig(path, dpi=90)
