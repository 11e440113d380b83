"""Insight into a finished search: hyperparameter importance, seed robustness, plots, a report.

Everything here reads a :class:`~hpo.Result` (or a fitted :class:`~hpo.Tuner`).
The plots need matplotlib (``pip install "hpo[plot]"``; imported only when a
plot is drawn), the rest does not.

- :func:`importance`: functional ANOVA on a random-forest surrogate (``fanova``).
- :func:`seed_robustness`: the best configurations re-scored under other seeds (``robustness``).
- ``plot_*`` and :func:`save_plots`: convergence, importance, slices, parallel
  coordinates, coarse-to-fine ranges, value against budget, learning curves (``plots``).
- :func:`write_report`: one Markdown or HTML page (``report``).
"""

from .fanova import ImportanceTable, importance
from .plots import (
    PlotFiles,
    plot_budgets,
    plot_convergence,
    plot_importance,
    plot_learning_curves,
    plot_parallel_coordinates,
    plot_ranges,
    plot_slices,
    ranges_from_result,
    save_plots,
)
from .report import write_report
from .robustness import SeedRobustness, seed_robustness

__all__ = [
    "importance", "ImportanceTable", "seed_robustness", "SeedRobustness",
    "plot_convergence", "plot_importance", "plot_slices", "plot_parallel_coordinates", "plot_ranges",
    "plot_budgets", "plot_learning_curves", "ranges_from_result", "save_plots", "PlotFiles", "write_report",
]
