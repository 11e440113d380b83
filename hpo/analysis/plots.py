"""Plots of a finished search (matplotlib, the optional extra ``hpo[plot]``), and ``save_plots`` to write them all.

The figures live by kind in :mod:`~hpo.analysis.curve_plots` (convergence,
EDF, budgets, learning curves) and :mod:`~hpo.analysis.parameter_plots`
(importance, slices, parallel coordinates, contour, ranges); every ``plot_*``
is importable from here and from :mod:`hpo.analysis`.

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

import os
from dataclasses import dataclass, field
from typing import Any

from ._common import as_result, ok_trials_at_budget
from ._figures import DPI, figure_class
from .curve_plots import plot_budgets, plot_convergence, plot_edf, plot_learning_curves
from .parameter_plots import (contour_pair, plot_contour, plot_importance, plot_parallel_coordinates, plot_ranges,
                              plot_slices, ranges_from_result)

__all__ = [
    "plot_convergence", "plot_importance", "plot_slices", "plot_parallel_coordinates", "plot_ranges",
    "plot_budgets", "plot_learning_curves", "plot_contour", "plot_edf", "ranges_from_result", "save_plots",
    "PlotFiles",
]


# -------------------------------------------------------------- all of them
def _auto_importance(search: Any):
    from .fanova import importance

    return importance(search, budget="auto")


@dataclass
class PlotFiles:
    """What :func:`save_plots` wrote: ``paths`` (name to file) and ``skipped`` (name to the reason).

    Examples
    --------
    >>> from hpo.analysis import PlotFiles
    >>> files = PlotFiles(paths={"convergence": "plots/convergence.png"},
    ...                   skipped={"budgets": "not a multi-fidelity search"})
    >>> for name, path in files.paths.items():
    ...     print(name, path)
    convergence plots/convergence.png
    """

    paths: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def save_plots(
    search: Any,
    out_dir: str,
    *,
    importance_table: Any = None,
    ranges: Any = None,
    prefix: str = "",
    dpi: int = DPI,
) -> PlotFiles:
    """Write every plot that applies to ``search`` as PNG files in ``out_dir``.

    ``convergence``, ``importance`` (computed with ``budget="auto"`` unless
    ``importance_table`` is given; needs 5 ok trials), ``slices``, ``parallel_coordinates``,
    ``contour`` (the two most important parameters; spaces of two or more),
    ``budgets`` (multi-fidelity searches only), ``learning_curves`` (when
    trials reported values: ``objective(config, trial)``) and ``ranges``
    (given ``ranges``, or trials with ``info["round"]`` as coarse-to-fine gives them).

    Returns
    -------
    PlotFiles
        The paths written and, for plots that do not apply, why.

    Examples
    --------
    >>> from hpo import Space, Float, optimize
    >>> from hpo.analysis import save_plots
    >>> result = optimize(lambda c: (c["x"] - 0.3) ** 2, Space(x=Float(0, 1)), n_trials=6, seed=0)
    >>> files = save_plots(result, "plots", dpi=30)
    >>> sorted(files.paths)
    ['convergence', 'importance', 'parallel_coordinates', 'slices']
    >>> files.skipped["budgets"]
    'not a multi-fidelity search: every trial ran at the full budget'
    """
    figure_class()  # the ImportError naming the extra, before anything is computed
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
        try:
            fig.savefig(path, dpi=dpi)
        except (ValueError, OverflowError) as exc:  # matplotlib cannot lay out values near the float range's ends
            out.skipped[name] = f"matplotlib could not draw it ({type(exc).__name__}: {exc})"
            return
        out.paths[name] = path

    if not result.n_ok:
        out.skipped["all"] = result.no_best_reason()
        return out
    write("convergence", lambda: plot_convergence(search))
    table, why = importance_table, None
    if table is None:
        try:
            table = _auto_importance(search)
        except ValueError as exc:
            why = str(exc)

    def importance_plot():
        if table is None:
            raise ValueError(why)
        return plot_importance(table)

    write("importance", importance_plot)
    write("slices", lambda: plot_slices(search))
    write("parallel_coordinates", lambda: plot_parallel_coordinates(search))
    if len(result.space.names) >= 2:
        write("contour", lambda: plot_contour(search, None if table is None else contour_pair(
            list(table.names), ok_trials_at_budget(result))))
    write("budgets", lambda: plot_budgets(search))
    if any(t.intermediate for t in result.trials):  # only a search whose objective reported values has curves
        write("learning_curves", lambda: plot_learning_curves(search))
    if ranges is not None:
        write("ranges", lambda: plot_ranges(ranges, result.space, result=result))
    else:
        write("ranges", lambda: plot_ranges(ranges_from_result(result), result.space, result=result,
                                            title="span of the values sampled in each round"))
    return out
