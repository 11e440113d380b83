"""Does the exploring step pay on Hartmann-6? "bayes" with ``patience=None`` against its default, per seed.

For every seed, one search with the fitted model alone (``patience=None``) and
one with the default exploring step (``patience=1``, length scales capped at
``explore_lengthscale=0.3`` after a proposal that did not improve). Prints, at
each checkpoint, the mean best and how many seeds are above -3.0 (far from
both minima: a face of the box, as the face x0 = 0 whose optimum is -2.84),
above -3.1, and not yet in the global basin (above -3.3; the other local
minimum is -3.203), then the seeds on which either search ends above -3.0.

Usage::

    python benchmarks/bench_explore.py                       # seeds 0-119, 80 evaluations
    python benchmarks/bench_explore.py --seeds 0 20 --n-trials 50
"""

from __future__ import annotations

import argparse

import numpy as np

import hpo
from hpo.benchmarking import make_problem

THRESHOLDS = (-3.0, -3.1, -3.3)


def best_so_far(seed: int, n_trials: int, **options) -> np.ndarray:
    """The best Hartmann-6 value after each evaluation of one "bayes" search."""
    problem = make_problem("hartmann6")
    result = hpo.optimize(lambda c: problem.objective(c, None), problem.space, "bayes", n_trials=n_trials,
                          seed=seed, strategy_options=options)
    return np.minimum.accumulate([t.value for t in result.trials])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs=2, default=(0, 120), metavar=("FIRST", "STOP"))
    parser.add_argument("--n-trials", type=int, default=80)
    parser.add_argument("--checkpoints", type=int, nargs="+", default=(30, 40, 50, 60, 70, 80))
    args = parser.parse_args()
    seeds = range(*args.seeds)
    alone = np.array([best_so_far(s, args.n_trials, patience=None) for s in seeds])
    exploring = np.array([best_so_far(s, args.n_trials) for s in seeds])
    print(f"Hartmann-6, seeds {args.seeds[0]}-{args.seeds[1] - 1}: model alone / exploring (default)\n")
    print("| evaluations | mean best | " + " | ".join(f"seeds above {t}" for t in THRESHOLDS) + " |")
    print("|---" * (2 + len(THRESHOLDS)) + "|")
    for k in (c for c in args.checkpoints if c <= args.n_trials):
        a, b = alone[:, k - 1], exploring[:, k - 1]
        counts = " | ".join(f"{np.sum(a > t)} / {np.sum(b > t)}" for t in THRESHOLDS)
        print(f"| {k} | {a.mean():.3f} / {b.mean():.3f} | {counts} |")
    far = [(s, a, b) for s, a, b in zip(seeds, alone[:, -1], exploring[:, -1]) if max(a, b) > -3.0]
    print("\nseeds on which either ends above -3.0 (seed: alone / exploring):",
          ", ".join(f"{s}: {a:.3f} / {b:.3f}" for s, a, b in far) or "none")


if __name__ == "__main__":
    main()
