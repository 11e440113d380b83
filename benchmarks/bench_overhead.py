"""Framework overhead: trials per second of a search with a trivial objective.

The objective does no work (``lambda c: c["x"]``), so the figure is the cost of
the search machinery itself: ask, evaluate (in this process, one worker),
tell, record. Random search at 1,000 and 10,000 trials on a small space
(2 floats, one of them log, and a 3-way categorical) and on a 10-dimensional
mixed space; sobol and grid at 1,000 trials for completeness. When Optuna is
installed, its ``RandomSampler`` (in-memory storage, logging at WARNING) runs
the equivalent space in the same process as the reference, and the table
gives the ratio hpo / optuna. Every figure is a median over ``--repeats``
runs with seeds 0, 1, ...

Usage::

    python benchmarks/bench_overhead.py              # 1,000 and 10,000 trials, 5 repeats
    python benchmarks/bench_overhead.py --quick      # 1,000 trials, 3 repeats
    python benchmarks/bench_overhead.py --trials 1000 5000 --repeats 7
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import time
from typing import Callable

import numpy as np

import hpo
from hpo import Categorical, Float, Int, Space

try:
    import optuna
except ImportError:  # the reference is optional
    optuna = None


# ------------------------------------------------------------------ spaces
def small_space() -> Space:
    return Space(x=Float(0, 1), y=Float(1e-3, 1, log=True), k=Categorical(["a", "b", "c"]))


def mixed10_space() -> Space:
    return Space(
        x=Float(0, 1),
        lr=Float(1e-5, 1e-1, log=True),
        alpha=Float(1e-6, 1.0, log=True),
        frac=Float(0.1, 0.9),
        depth=Int(1, 12),
        units=Int(8, 512, log=True),
        leaf=Int(1, 50),
        act=Categorical(["relu", "tanh", "logistic"]),
        solver=Categorical(["adam", "sgd", "lbfgs"]),
        shuffle=Categorical([True, False]),
    )


def optuna_small(trial) -> float:
    x = trial.suggest_float("x", 0.0, 1.0)
    trial.suggest_float("y", 1e-3, 1.0, log=True)
    trial.suggest_categorical("k", ["a", "b", "c"])
    return x


def optuna_mixed10(trial) -> float:
    x = trial.suggest_float("x", 0.0, 1.0)
    trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    trial.suggest_float("alpha", 1e-6, 1.0, log=True)
    trial.suggest_float("frac", 0.1, 0.9)
    trial.suggest_int("depth", 1, 12)
    trial.suggest_int("units", 8, 512, log=True)
    trial.suggest_int("leaf", 1, 50)
    trial.suggest_categorical("act", ["relu", "tanh", "logistic"])
    trial.suggest_categorical("solver", ["adam", "sgd", "lbfgs"])
    trial.suggest_categorical("shuffle", [True, False])
    return x


#: points per numeric dimension, so that each grid holds more than 1,000 configurations
GRID_RESOLUTION = {"small (3-d)": 20, "mixed 10-d": 2}

SPACES: dict[str, tuple[Callable[[], Space], Callable]] = {
    "small (3-d)": (small_space, optuna_small),
    "mixed 10-d": (mixed10_space, optuna_mixed10),
}


# ----------------------------------------------------------------- timing
def _objective(config: dict) -> float:
    return config["x"]


def time_hpo(space: Space, strategy: str, n_trials: int, seed: int, options: dict | None = None) -> float:
    """Trials per second of one ``hpo.optimize`` run (space built outside the timer)."""
    gc.collect()
    start = time.perf_counter()
    result = hpo.optimize(_objective, space, strategy=strategy, n_trials=n_trials, seed=seed,
                          strategy_options=options)
    elapsed = time.perf_counter() - start
    if len(result.trials) != n_trials:
        raise RuntimeError(f"{strategy}: expected {n_trials} trials, got {len(result.trials)}")
    return n_trials / elapsed


def time_optuna(objective: Callable, n_trials: int, seed: int) -> float:
    """Trials per second of one Optuna RandomSampler study (in-memory storage)."""
    gc.collect()
    start = time.perf_counter()
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    study.optimize(objective, n_trials=n_trials)
    elapsed = time.perf_counter() - start
    if len(study.trials) != n_trials:
        raise RuntimeError(f"optuna: expected {n_trials} trials, got {len(study.trials)}")
    return n_trials / elapsed


def median_rate(fn: Callable[[int], float], repeats: int) -> tuple[float, float, float]:
    rates = [fn(seed) for seed in range(repeats)]
    return statistics.median(rates), min(rates), max(rates)


# ------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, nargs="+", default=[1000, 10000],
                        help="trial counts for random search (default: 1000 10000)")
    parser.add_argument("--repeats", type=int, default=5, help="runs per cell, seeds 0..repeats-1 (default 5)")
    parser.add_argument("--quick", action="store_true", help="1,000 trials, 3 repeats")
    parser.add_argument("--no-optuna", action="store_true", help="skip the Optuna reference")
    args = parser.parse_args(argv)
    if args.quick:
        args.trials, args.repeats = [1000], 3
    use_optuna = optuna is not None and not args.no_optuna
    if use_optuna:
        optuna.logging.set_verbosity(optuna.logging.WARNING)

    print(f"python {platform.python_version()}, numpy {np.__version__}, hpo {hpo.__version__}, "
          f"optuna {optuna.__version__ if optuna else 'not installed'}; "
          f"median of {args.repeats} runs (seeds 0..{args.repeats - 1}), one worker, in memory")

    # warm-up: imports, first-call caches
    hpo.optimize(_objective, small_space(), strategy="random", n_trials=50, seed=0)
    if use_optuna:
        time_optuna(optuna_small, 20, 0)

    rows = []
    for label, (make_space, optuna_objective) in SPACES.items():
        space = make_space()
        for n in args.trials:
            med, lo, hi = median_rate(lambda s: time_hpo(space, "random", n, s), args.repeats)
            ref = None
            if use_optuna:
                ref = median_rate(lambda s: time_optuna(optuna_objective, n, s), args.repeats)
            rows.append((label, "random", n, (med, lo, hi), ref))
        n = min(1000, max(args.trials))
        for strategy, options in (("sobol", None), ("grid", {"resolution": GRID_RESOLUTION[label]})):
            med = median_rate(lambda s: time_hpo(space, strategy, n, s, options), args.repeats)
            rows.append((label, strategy, n, med, None))

    head = f"{'space':<12} {'strategy':<8} {'trials':>7} {'hpo trials/s':>13} {'(min-max)':>17}"
    if use_optuna:
        head += f" {'optuna trials/s':>16} {'hpo/optuna':>11}"
    print()
    print(head)
    print("-" * len(head))
    for label, strategy, n, (med, lo, hi), ref in rows:
        line = f"{label:<12} {strategy:<8} {n:>7,} {med:>13,.0f} {f'{lo:,.0f}-{hi:,.0f}':>17}"
        if use_optuna:
            if ref is None:
                line += f" {'':>16} {'':>11}"
            else:
                line += f" {ref[0]:>16,.0f} {med / ref[0]:>10.1f}x"
        print(line)
    print()
    print("grid: shuffled order, resolution 20 on the small space (1,200 points) and 2 on the "
          "10-d space (2,304 points); building the grid is part of the timed search.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
