"""Rerun the model-sampled multi-fidelity searches of bench_training_loops against its stored third run.

The third run of ``bench_training_loops.py`` (settings ``multi_fidelity_sampler``) holds, per problem and
seed, every contender at the same epoch budget ``E``: random search, asha and hyperband with the random
sampler and with ``sampler="auto"``, and Optuna's TPE with its pruners. This script runs only the
``sampler="auto"`` searches again with the code as it is now (a change to what the model learns from) at the
stored ``E`` and options, and prints their best full-budget validation loss within ``E`` beside the stored
rows: the same search before the change, the random sampler, and Optuna. Nothing else is run, so the figure
costs two searches per seed instead of twelve.

Usage::

    python benchmarks/bench_sampler_rule.py --problems mlp_digits,crossing_curves --seeds 10 \
        --out benchmarks/results/sampler_rule.jsonl

Rows already in ``--out`` are reused.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_training_loops as loops  # noqa: E402

RERUN = ["asha_auto", "hyperband_auto"]
STORED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "training_loops.jsonl.gz")


def stored_rows(path: str) -> dict:
    """(problem, seed) -> the third run's row (the one with ``multi_fidelity_sampler`` in its settings)."""
    out = {}
    with gzip.open(path, "rt") as f:
        for line in f:
            row = json.loads(line)
            if "runs" in row and row.get("settings", {}).get("multi_fidelity_sampler"):
                out[(row["problem"], row["seed"])] = row
    return out


def _wtl(ours: list[float], theirs: list[float]) -> str:
    w = sum(a < b - 1e-12 for a, b in zip(ours, theirs))
    lo = sum(a > b + 1e-12 for a, b in zip(ours, theirs))
    return f"{w}/{len(ours) - w - lo}/{lo}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", default="mlp_digits,crossing_curves")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--stored", default=STORED)
    parser.add_argument("--out", default="benchmarks/results/sampler_rule.jsonl")
    args = parser.parse_args(argv)
    stored = stored_rows(args.stored)
    done = {}
    if os.path.exists(args.out):
        with open(args.out) as f:
            for line in f:
                row = json.loads(line)
                done[(row["problem"], row["seed"])] = row
    from threadpoolctl import threadpool_limits

    names = args.problems.split(",")
    with threadpool_limits(1):
        for seed in range(args.seeds):
            for name in names:
                if (name, seed) in done:
                    continue
                before = stored[(name, seed)]
                problem = loops.PROBLEMS[name](epoch_seconds=0.001) if name == "crossing_curves" \
                    else loops.PROBLEMS[name]()
                started = time.time()
                row = {"problem": name, "seed": seed, "E": before["E"], "runs": {}}
                for contender in RERUN:
                    strategy, _, extra = loops.MULTI_FIDELITY[contender]
                    # the stored options lack the sampler where "auto" was the default when they were run
                    options = {**before["options"][contender], **extra}
                    run = loops.run_hpo(problem, strategy, seed, n_trials=10**7, cap=before["E"], options=options)
                    row["runs"][contender] = {"best": run["best"], "n_trials": run["n_trials"],
                                              "epochs": run["epochs"]}
                with open(args.out, "a") as f:
                    f.write(json.dumps(row) + "\n")
                done[(name, seed)] = row
                print(f"{name} seed {seed}: {time.time() - started:.0f} s", file=sys.stderr)
    print("| problem | search | best @E before (median) | after | after vs before W/T/L | vs random sampler | "
          "vs Optuna TPE+Hyperband | vs TPE+Median |")
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        seeds = [s for s in range(args.seeds) if (name, s) in done]
        for contender in RERUN:
            after = [done[(name, s)]["runs"][contender]["best"] for s in seeds]
            old = [stored[(name, s)]["runs"][contender]["best"] for s in seeds]
            plain = [stored[(name, s)]["runs"][contender.replace("_auto", "")]["best"] for s in seeds]
            hb = [stored[(name, s)]["runs"]["optuna_tpe_hyperband"]["best"] for s in seeds]
            med = [stored[(name, s)]["runs"]["optuna_tpe_median"]["best"] for s in seeds]
            print(f"| {name} | {contender} | {statistics.median(old):.4f} | {statistics.median(after):.4f} | "
                  f"{_wtl(after, old)} | {_wtl(after, plain)} ({statistics.median(plain):.4f}) | "
                  f"{_wtl(after, hb)} ({statistics.median(hb):.4f}) | {_wtl(after, med)} ({statistics.median(med):.4f}) |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
