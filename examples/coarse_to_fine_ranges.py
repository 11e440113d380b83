"""Coarse-to-fine search on an SVC, and a plot of how its ranges shrank round by round.

The strategy samples the space, keeps the best configurations, narrows every
range around them (on the log scale for C and gamma) and samples again; a
round that finds nothing better widens the ranges again. ``strategy.ranges_``
holds the ranges of every round, ``strategy.rounds_`` what each round did.

The objective scores each configuration on a fixed validation split carved
out of the training part; the test part is scored once, at the end, for the
best configuration only.

Run: python examples/coarse_to_fine_ranges.py [--trials 60] [--out coarse_to_fine_ranges.png]
"""

from __future__ import annotations

import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

import hpo  # noqa: E402
from hpo import Categorical, Float, Space  # noqa: E402
from hpo.strategies.coarse_to_fine import CoarseToFine  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--trials", type=int, default=60)
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--out", default="coarse_to_fine_ranges.png")
args = parser.parse_args()

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
X_fit, X_val, y_fit, y_val = train_test_split(X_train, y_train, test_size=0.25, stratify=y_train, random_state=0)

space = Space(
    C=Float(1e-2, 1e4, log=True),
    gamma=Float(1e-6, 1e1, log=True),
    class_weight=Categorical([None, "balanced"]),
)


def objective(config: dict) -> float:
    """Validation error of an SVC (the test rows are never seen here)."""
    model = SVC(**config).fit(X_fit, y_fit)
    return 1.0 - model.score(X_val, y_val)


# An instance (rather than the name "coarse_to_fine") so that its ranges can be read afterwards;
# n_trials lets it plan rounds that end exactly there.
strategy = CoarseToFine(space, seed=args.seed, n_trials=args.trials)
result = hpo.optimize(objective, space, strategy)
best = result.best_config
print(f"{len(result.trials)} trials in {len(strategy.rounds_)} rounds; best validation error "
      f"{result.best_value:.4f} at {best}")
for info, ranges in zip(strategy.rounds_, strategy.ranges_):
    shown = ", ".join(f"{k}=[{v[0]:.3g}, {v[1]:.3g}]" if isinstance(v, tuple) else f"{k}={v}"
                      for k, v in ranges.items())
    print(f"  round {info['round']} ({info['action']:>7}, {info['size']} trials): {shown}")
test_error = 1.0 - SVC(**best).fit(X_train, y_train).score(X_test, y_test)
print(f"test error of the best configuration, refitted on all training rows: {test_error:.4f}")

# One panel per numeric parameter: the range of each round (bar), its trials (dots, by loss), the best (star).
rounds = np.array([t.candidate.info["round"] for t in result.trials])
losses = np.array([t.value if t.value is not None else np.nan for t in result.trials])
numeric = [name for name in space.names if not isinstance(space[name], Categorical)]
fig, axes = plt.subplots(1, len(numeric), figsize=(5.5 * len(numeric), 4.2), squeeze=False)
for ax, name in zip(axes[0], numeric):
    for r, ranges in enumerate(strategy.ranges_):
        low, high = ranges[name]
        colour = "tab:orange" if strategy.rounds_[r]["action"] == "widen" else "tab:blue"
        ax.plot([r, r], [low, high], lw=8, alpha=0.3, color=colour, solid_capstyle="butt")
    values = np.array([t.config[name] for t in result.trials], dtype=float)
    dots = ax.scatter(rounds + 0.15, values, c=losses, cmap="viridis_r", s=14, zorder=3)
    ax.scatter([rounds[result.best_trial.number] + 0.15], [best[name]], marker="*", s=160, color="red", zorder=4)
    if space[name].log:
        ax.set_yscale("log")
    ax.set_xlabel("round (blue: narrowed, orange: widened)")
    ax.set_ylabel(name)
    ax.set_title(f"{name}: range per round")
    ax.grid(alpha=0.3)
fig.colorbar(dots, ax=axes[0].tolist(), label="validation error")
fig.suptitle("coarse-to-fine: ranges per round; red star = best")
fig.savefig(args.out, dpi=90, bbox_inches="tight")
print(f"plot: {args.out}")
