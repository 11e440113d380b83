"""The default strategy's cost guard: wall time and quality of ``"auto"`` against ``"bayes"`` and ``"random"``.

An objective that sleeps ``t`` seconds and returns a synthetic function's value
(Hartmann-6 by default) is minimized by ``"auto"`` (Bayesian optimization with
``cost_guard=0.1``), ``"bayes"`` (no guard) and ``"random"``, for several ``t``
and seeds. For each it reports the wall time, the share of it spent in model
proposals (the strategy's ``cost_guard.model_seconds`` where there is a guard;
for bayes, the wall time minus the evaluations), the guard's final ``every``
and when it first switched, and the best value. Ratios are within one run.

Usage::

    python benchmarks/bench_cost_guard.py                          # t = 0, 0.001, 0.01, 0.1; 3 seeds
    python benchmarks/bench_cost_guard.py --sleeps 0 0.001 --trials 300 --seeds 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import hpo  # noqa: E402
from hpo.benchmarking.problem import make_problem  # noqa: E402


def run(problem_name: str, strategy: str, sleep: float, n_trials: int, seed: int) -> dict:
    problem = make_problem(problem_name)
    evaluating = [0.0]

    def objective(config):
        started = time.perf_counter()
        if sleep:
            time.sleep(sleep)
        value = problem(config)
        evaluating[0] += time.perf_counter() - started
        return value

    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = hpo.optimize(objective, problem.space, strategy, n_trials=n_trials, seed=seed)
    wall = time.perf_counter() - started
    s = result.strategy_instance
    guard = getattr(s, "cost_guard", None)
    return {
        "wall": wall, "evaluating": evaluating[0], "best": result.best_value,
        "every": guard.every if guard else None,
        "switched_at": guard.changes[0]["told"] if guard and guard.changes else None,
        "model_proposals": getattr(s, "n_model_proposals", None),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problem", default="hartmann6")
    parser.add_argument("--sleeps", type=float, nargs="+", default=[0.0, 0.001, 0.01, 0.1])
    parser.add_argument("--trials", type=int, nargs="+", default=[300, 300, 200, 100],
                        help="trials per sleep (one value for all, or one per sleep)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--strategies", nargs="+", default=["auto", "bayes", "random"])
    args = parser.parse_args()
    trials = args.trials if len(args.trials) == len(args.sleeps) else args.trials[:1] * len(args.sleeps)
    print(f"{args.problem}; medians over seeds 0-{args.seeds - 1}; overhead = (wall - evaluating) / wall")
    print("| evaluation | trials | strategy | wall s | overhead | wall / random | best | guard every | switched at |")
    print("|---|---|---|---|---|---|---|---|---|")
    for sleep, n in zip(args.sleeps, trials):
        rows = {name: [run(args.problem, name, sleep, n, seed) for seed in range(args.seeds)]
                for name in args.strategies}
        base = statistics.median(r["wall"] for r in rows.get("random", rows[args.strategies[0]]))
        for name, rs in rows.items():
            wall = statistics.median(r["wall"] for r in rs)
            overhead = statistics.median((r["wall"] - r["evaluating"]) / r["wall"] for r in rs)
            best = statistics.median(r["best"] for r in rs)
            every = [r["every"] for r in rs]
            switched = [r["switched_at"] for r in rs]
            print(f"| {sleep * 1000:g} ms | {n} | {name} | {wall:.2f} | {overhead:.0%} | {wall / base:.1f}x | "
                  f"{best:.4g} | {every if every[0] is not None else '-'} | "
                  f"{switched if every[0] is not None else '-'} |", flush=True)


if __name__ == "__main__":
    main()
