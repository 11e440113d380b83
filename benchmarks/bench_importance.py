"""Cost and accuracy of ``hpo.analysis.importance`` (fANOVA on a random forest).

A 10-parameter mixed space (floats, log floats, a log int, a categorical and a
conditional child) and a loss with known structure: three parameters carry
the variance (one on a log scale; variances of the main effects 1.42, 0.20,
0.17 and, for the conditional child ``depth``, 0.04), the other six are ignored. For 50, 200 and 1,000 random-search trials it reports
the time to fit the forest (the reference), the time of the exact
decomposition of its trees (main effects, and main effects plus the 28 pairs
among the 8 largest), each as a ratio to the fit, and whether the four
parameters that matter rank first, with the largest importance an ignored one
gets. Medians over ``--repeats`` seeds.

Usage::

    python benchmarks/bench_importance.py            # 50, 200, 1000 trials, 3 repeats
    python benchmarks/bench_importance.py --quick    # 50, 200 trials, 1 repeat
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import hpo
from hpo import Categorical, Float, Int, Space
from hpo.analysis import fanova
from hpo.analysis.fanova import _measures, tree_anova

SPACE = Space(
    lr=Float(1e-5, 1e-1, log=True),
    model=Categorical(["a", "b", "c"]),
    depth=Float(0, 1).when(model="a"),
    **{f"ignored_float_{i}": Float(0, 1) for i in range(3)},
    ignored_log=Float(1e-3, 1e3, log=True),
    ignored_int=Int(1, 512, log=True),
    ignored_cat=Categorical(["x", "y", "z", "w"]),
    momentum=Float(0, 1),
)
MATTER = {"lr", "model", "momentum", "depth"}


def loss(c: dict) -> float:
    base = {"a": 0.0, "b": 1.0, "c": 0.6}[c["model"]] + (2.0 * c["depth"] if c["model"] == "a" else 1.0)
    return (np.log10(c["lr"]) + 3) ** 2 + base + 6.0 * (c["momentum"] - 0.5) ** 2


def one(n: int, seed: int) -> dict:
    result = hpo.optimize(loss, SPACE, n_trials=n, seed=seed)
    trials = [t for t in result.trials if t.ok]
    rng = np.random.default_rng(seed)
    X = fanova.unit_features(SPACE, [t.config for t in trials], rng)
    y = np.array([t.loss for t in trials])
    forest = fanova._make_forest("random_forest", 64, seed)
    start = time.perf_counter()
    forest.fit(X, y)
    fit = time.perf_counter() - start
    measures = _measures(SPACE)
    start = time.perf_counter()
    for tree in forest.estimators_:
        tree_anova(tree, measures)
    main = time.perf_counter() - start
    pairs = [(i, j) for i in range(8) for j in range(i + 1, 8)]
    start = time.perf_counter()
    for tree in forest.estimators_:
        tree_anova(tree, measures, pairs)
    with_pairs = time.perf_counter() - start
    table = hpo.analysis.importance(result, seed=seed)
    ignored = max(table[name] for name in SPACE.names if name not in MATTER)
    return {"fit": fit, "main": main, "pairs": with_pairs, "found": set(table.names[:4]) == MATTER,
            "ignored": ignored}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, nargs="+", default=[50, 200, 1000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.trials, args.repeats = [50, 200], 1
    print("| trials | forest fit s (reference) | main effects s | x fit | + 28 pairs s | x fit | "
          "top 4 right | largest ignored |")
    print("|---|---|---|---|---|---|---|---|")
    for n in args.trials:
        runs = [one(n, seed) for seed in range(args.repeats)]
        fit = statistics.median(r["fit"] for r in runs)
        main_s = statistics.median(r["main"] for r in runs)
        pairs = statistics.median(r["pairs"] for r in runs)
        print(f"| {n} | {fit:.3f} | {main_s:.3f} | {main_s / fit:.2f} | {pairs:.3f} | {pairs / fit:.2f} | "
              f"{sum(r['found'] for r in runs)}/{len(runs)} | {max(r['ignored'] for r in runs):.3f} |")


if __name__ == "__main__":
    main()
