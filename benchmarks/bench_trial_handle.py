"""The cost of ``trial.report(step, value)`` + ``trial.should_stop()`` in a training loop, with a study in SQLite.

A search over an objective ``objective(config, trial)`` whose "training
loop" does a trivial amount of work per step (one multiply-add on floats:
the cheapest step a real loop could have), run twice in the same process:
once without the two calls (the reference) and once with them after every
step. Both searches store their trials in an SQLite study (the curve of
every trial is written with it). The figure is the extra time per step, in
microseconds and as a ratio to the reference step, for:

- ``asha`` (a rung's pause rule, :class:`hpo.stopping.PauseAt`);
- ``median`` (the median rule, :class:`hpo.stopping.MedianRule`, with medians
  of earlier runs at every step);

measured inside the objective (the loop alone) and end to end (the whole
search's wall time, storage writes of the curves included). Each figure is
the median over ``--repeats`` runs.

Usage::

    python benchmarks/bench_trial_handle.py                 # 2,000 steps x 20 trials, 5 repeats
    python benchmarks/bench_trial_handle.py --steps 500 --trials 10 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time

import hpo
from hpo import Float, Space

SPACE = Space(x=Float(0.0, 1.0))


def make_objective(steps: int, report: bool):
    """The training loop: ``steps`` trivial steps, with or without report + should_stop after each."""

    def objective(config, trial):
        x = config["x"]
        loss = 1.0
        start = time.perf_counter()
        if report:
            for step in range(1, steps + 1):
                loss = loss * 0.999 + x * 1e-3
                trial.report(step, loss)
                if trial.should_stop():
                    break
        else:
            for step in range(1, steps + 1):
                loss = loss * 0.999 + x * 1e-3
        return {"value": loss, "loop_seconds": time.perf_counter() - start, "steps_run": step}

    return objective


def run(strategy: str, options: dict, steps: int, trials: int, report: bool, seed: int) -> tuple[float, float, int]:
    """(seconds in the loops, seconds of the whole search, steps run) of one stored search."""
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "bench.db")
        start = time.perf_counter()
        result = hpo.optimize(make_objective(steps, report), SPACE, strategy, n_trials=trials, seed=seed,
                              storage=db, study="bench", strategy_options=options)
        wall = time.perf_counter() - start
    done = [t for t in result.trials if t.metrics]
    return (sum(t.metrics["loop_seconds"] for t in done), wall, sum(t.metrics["steps_run"] for t in done))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000, help="steps of a full run (default 2000)")
    parser.add_argument("--trials", type=int, default=20, help="trials per search (default 20)")
    parser.add_argument("--repeats", type=int, default=5, help="searches per figure (default 5)")
    args = parser.parse_args(argv)
    steps = args.steps
    cases = {
        # every trial runs the same steps in both searches: a rung candidate's pause rule (PauseAt(steps)) is
        # checked at every step and fires at the last one; a promoted candidate has no rule (full budget)
        "asha": ("asha", {"min_budget": steps, "max_budget": steps * 10, "eta": 10}),
        "median": ("median", {"max_budget": steps, "n_startup": 1_000_000}),  # the rule is checked, never fires
    }
    print(f"python {platform.python_version()}, hpo {hpo.__version__}, {sys.platform}; {steps} steps x "
          f"{args.trials} trials, median of {args.repeats}")
    print("| strategy | plain step (us) | report + should_stop (us per step) | ratio to a plain step | "
          "end to end, with SQLite (us per step) |")
    print("|---|---|---|---|---|")
    for name, (strategy, options) in cases.items():
        plain_loop, plain_wall, with_loop, with_wall = [], [], [], []
        for seed in range(args.repeats):
            loop, wall, n = run(strategy, options, steps, args.trials, False, seed)
            plain_loop.append(loop / n)
            plain_wall.append(wall / n)
            loop, wall, n = run(strategy, options, steps, args.trials, True, seed)
            with_loop.append(loop / n)
            with_wall.append(wall / n)
        step = statistics.median(plain_loop)
        extra = statistics.median(w - p for w, p in zip(with_loop, plain_loop))
        extra_wall = statistics.median(w - p for w, p in zip(with_wall, plain_wall))
        print(f"| {name} | {step * 1e6:.3f} | {extra * 1e6:.3f} | {extra / step:.1f}x | {extra_wall * 1e6:.3f} |")


if __name__ == "__main__":
    main()
