"""After a search: which hyperparameters mattered, is the winner robust, and a report to read.

Tunes an SVC on digits (a conditional space: ``coef0`` exists only for the
sigmoid kernel), then

1. ranks the hyperparameters by functional-ANOVA importance,
2. re-scores the best configurations under other validation splits,
3. writes a one-page HTML report with the plots,
4. shows how a coarse-to-fine search narrowed its ranges, round by round.

    python examples/analysis_demo.py [OUT_DIR]     # needs matplotlib: pip install "hpo[plot]"

The same report from a stored study: ``hpo report results.db STUDY --out page.html``.
"""

from __future__ import annotations

import os
import sys

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC

import hpo
from hpo import Categorical, Float, Space


def main(out_dir: str = "hpo-analysis-demo") -> None:
    os.makedirs(out_dir, exist_ok=True)
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X[:900], y[:900], test_size=0.25, stratify=y[:900],
                                                        random_state=0)
    space = Space(
        C=Float(1e-2, 1e3, log=True),
        gamma=Float(1e-5, 1e-1, log=True),
        kernel=Categorical(["rbf", "sigmoid"]),
        coef0=Float(-1.0, 1.0).when(kernel="sigmoid"),
    )
    tuner = hpo.Tuner(SVC(), space, "sobol", n_trials=40, validation=0.25, random_state=0).fit(X_train, y_train)
    print(f"best {tuner.best_params_}, validation accuracy {tuner.best_score_:.3f}, "
          f"test accuracy {tuner.score(X_test, y_test):.3f}\n")

    # 1. Which hyperparameters mattered? (gamma, on its log scale, and C most; coef0 counts only for sigmoid)
    table = hpo.analysis.importance(tuner, interactions=True)
    print(table, "\n")

    # 2. Does the winner stay the winner under other seeds (validation split, SVC's random_state)?
    robustness = hpo.analysis.seed_robustness(tuner, X_train, y_train, n_seeds=3, top_k=3)
    print(robustness, "\n")

    # 3. One page with the record, the best trials, both tables and the plots (embedded in the HTML).
    page = os.path.join(out_dir, "svc_report.html")
    hpo.analysis.write_report(tuner, page, importance_table=table, robustness=robustness,
                              record={"name": "svc on digits", "strategy": "sobol", "seed": 0})
    print(f"report: {page}")

    # 4. Coarse-to-fine: the ranges of every round, with the trials each round sampled.
    def branin(c: dict) -> float:
        x, z = c["x"], c["z"]
        return (z - 5.1 / (4 * np.pi**2) * x**2 + 5 / np.pi * x - 6) ** 2 + 10 * (1 - 1 / (8 * np.pi)) * np.cos(x) + 10

    box = Space(x=Float(-5, 10), z=Float(0, 15))
    strategy = hpo.strategies.get_strategy_class("coarse_to_fine")(box, seed=0, n_trials=60)
    result = hpo.optimize(branin, box, strategy, n_trials=60)
    path = os.path.join(out_dir, "coarse_to_fine_ranges.png")
    hpo.analysis.plot_ranges(strategy, result=result).savefig(path)
    print(f"ranges: {path} (best {result.best_value:.4f}; the optimum is 0.3979)")


if __name__ == "__main__":
    main(*sys.argv[1:])
