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
import math
import os
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


def time_hpo(space: Space, strategy: str, n_trials: int, seed: int,
             options: dict | None = None) -> tuple[float, float]:
    """Trials per wall second and per CPU second of one ``hpo.optimize`` run (space built outside)."""
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    result = hpo.optimize(_objective, space, strategy=strategy, n_trials=n_trials, seed=seed,
                          strategy_options=options)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if len(result.trials) != n_trials:
        raise RuntimeError(f"{strategy}: expected {n_trials} trials, got {len(result.trials)}")
    return n_trials / elapsed, n_trials / cpu


def time_optuna(objective: Callable, n_trials: int, seed: int) -> tuple[float, float]:
    """Trials per wall second and per CPU second of one Optuna RandomSampler study (in memory)."""
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    study.optimize(objective, n_trials=n_trials)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if len(study.trials) != n_trials:
        raise RuntimeError(f"optuna: expected {n_trials} trials, got {len(study.trials)}")
    return n_trials / elapsed, n_trials / cpu


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (Linux /proc/stat; NaN elsewhere)."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return math.nan
    return (sum(fields[:8]) - fields[3] - fields[4] - fields[7]) / os.sysconf("SC_CLK_TCK")


class Cell:
    """The runs of one table cell: trials/s of hpo (and of the reference), and the
    cores other processes used meanwhile (a check that the machine was idle)."""

    def __init__(self) -> None:
        self.hpo: list[float] = []
        self.hpo_cpu: list[float] = []
        self.ref: list[float] = []
        self.ref_cpu: list[float] = []
        self.others: list[float] = []

    def run(self, hpo_fn: Callable[[int], tuple[float, float]],
            ref_fn: Callable[[int], tuple[float, float]] | None, repeats: int) -> "Cell":
        # hpo and the reference alternate seed by seed, so that a change of load on the
        # machine hits both alike and the per-seed ratio stays fair
        for seed in range(repeats):
            wall, busy, mine = time.perf_counter(), machine_busy(), time.process_time()
            rate, cpu_rate = hpo_fn(seed)
            self.hpo.append(rate)
            self.hpo_cpu.append(cpu_rate)
            if ref_fn is not None:
                rate, cpu_rate = ref_fn(seed)
                self.ref.append(rate)
                self.ref_cpu.append(cpu_rate)
            wall = time.perf_counter() - wall
            self.others.append(max(0.0, (machine_busy() - busy) - (time.process_time() - mine)) / wall)
        return self

    @property
    def ratio(self) -> float:
        return statistics.median(h / r for h, r in zip(self.hpo, self.ref))


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
            ref = (lambda s: time_optuna(optuna_objective, n, s)) if use_optuna else None
            rows.append((label, "random", n, Cell().run(lambda s: time_hpo(space, "random", n, s), ref, args.repeats)))
        n = min(1000, max(args.trials))
        for strategy, options in (("sobol", None), ("grid", {"resolution": GRID_RESOLUTION[label]})):
            cell = Cell().run(lambda s: time_hpo(space, strategy, n, s, options), None, args.repeats)
            rows.append((label, strategy, n, cell))

    head = f"{'space':<12} {'strategy':<8} {'trials':>7} {'hpo trials/s':>13} {'(min-max)':>15} {'per CPU-s':>10}"
    if use_optuna:
        head += f" {'optuna trials/s':>16} {'per CPU-s':>10} {'hpo/optuna':>11}"
    head += f" {'other load':>11}"
    print()
    print(head)
    print("-" * len(head))
    for label, strategy, n, cell in rows:
        line = (f"{label:<12} {strategy:<8} {n:>7,} {statistics.median(cell.hpo):>13,.0f} "
                f"{f'{min(cell.hpo):,.0f}-{max(cell.hpo):,.0f}':>15} {statistics.median(cell.hpo_cpu):>10,.0f}")
        if use_optuna:
            if cell.ref:
                line += (f" {statistics.median(cell.ref):>16,.0f} {statistics.median(cell.ref_cpu):>10,.0f}"
                         f" {cell.ratio:>10.1f}x")
            else:
                line += f" {'':>16} {'':>10} {'':>11}"
        line += f" {statistics.median(cell.others):>11.2f}"
        print(line)
    print()
    print("trials/s: per wall-clock second (the figure); per CPU-s: per second of this process's CPU time "
          "(less sensitive to other load on the machine).")
    if use_optuna:
        print("hpo/optuna: median of the per-seed ratios of trials/s (hpo and optuna alternate seed by seed).")
    print("other load: cores used by other processes during the cell (median over runs); "
          "near 0 means the machine was otherwise idle.")
    print("grid: shuffled order, resolution 20 on the small space (1,200 points) and 2 on the "
          "10-d space (2,304 points); building the grid is part of the timed search.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
