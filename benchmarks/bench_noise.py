"""Bayes on noisy losses: the incumbent from the model (``NOISY``) against the lowest observed loss.

Each synthetic problem of the suite gets Gaussian noise of ``noise`` times the
interquartile range of its values at 500 uniform points; bayes runs 50 trials
with ``incumbent="model"`` (on noisy fits, the best posterior mean at an
evaluated point, when the fitted noise share is at least ``NOISY``) and with
the default ``incumbent="observed"`` (the lowest loss). The figure is the *true* (noise-free)
value of the configuration with the best observed loss at 16, 32 and 50 trials,
paired by problem and seed. One JSON line per run; ``--summary FILE`` prints the
paired counts and per-problem medians.

Usage::

    python benchmarks/bench_noise.py 0.1,0.3 0 10 results.jsonl      # noise levels, seeds 0-9
    python benchmarks/bench_noise.py --summary results.jsonl
"""
import collections
import json
import sys

import numpy as np
from joblib import Parallel, delayed
from scipy.stats import binomtest

PROBLEMS = ["branin", "six_hump_camel", "hartmann3", "hartmann6", "rosenbrock5", "ackley5", "levy5",
            "styblinski_tang5", "michalewicz5", "mixed_conditional"]
CHECKPOINTS = (16, 32, 50)


def one(name: str, seed: int, noise_rel: float, variant: str, n_trials: int = 50) -> dict:
    """One run: the true value of the best observed configuration at each checkpoint."""
    import os

    os.environ["OMP_NUM_THREADS"] = "1"
    import hpo
    from hpo.benchmarking.problem import make_problem
    from hpo.strategies.base import config_key

    problem = make_problem(name)
    values = np.array([problem(c) for c in problem.space.sample(500, np.random.default_rng(12345))])
    sd = noise_rel * float(np.percentile(values, 75) - np.percentile(values, 25))
    noise = np.random.default_rng(seed + 1000)
    true: dict = {}

    def objective(config):
        value = problem(config)
        true[config_key(config)] = value
        return value + (noise.normal(0.0, sd) if sd else 0.0)

    result = hpo.optimize(objective, problem.space, "bayes", n_trials=n_trials, seed=seed,
                          strategy_options={"incumbent": variant})
    best = {}
    for k in CHECKPOINTS:
        ok = [t for t in result.trials if t.number < k and t.status == "ok"]
        best[k] = true[config_key(min(ok, key=lambda t: t.loss).config)]
    return {"problem": name, "seed": seed, "noise": noise_rel, "variant": variant, "best": best,
            "share": result.strategy_instance.noise_share}


def summary(path: str) -> None:
    """Paired counts (model better / worse than observed, sign-test p) and per-problem medians (model / observed)."""
    rows = [json.loads(line) for line in open(path)]
    by: dict = collections.defaultdict(dict)
    for r in rows:
        by[(r["problem"], r["seed"], r["noise"])][r["variant"]] = r
    for level in sorted({r["noise"] for r in rows}):
        pairs = {key: v for key, v in by.items() if key[2] == level and len(v) == 2}
        for k in map(str, CHECKPOINTS):
            better = worse = 0
            per: dict = collections.defaultdict(list)
            for (problem, _, _), v in pairs.items():
                a, b = v["observed"]["best"][k], v["model"]["best"][k]
                per[problem].append((b, a))
                better += b < a - 1e-12
                worse += b > a + 1e-12
            p = binomtest(better, better + worse).pvalue if better + worse else 1.0
            medians = " ".join(f"{name}: {np.median([x[0] for x in xs]):.3g} / {np.median([x[1] for x in xs]):.3g};"
                               for name, xs in sorted(per.items()))
            print(f"noise {level} @{k}: model better {better}, worse {worse} (sign test p = {p:.2g}). {medians}")
        shares = np.array([v["model"]["share"] for v in pairs.values()])
        print(f"  noise {level}: fitted noise share median {np.median(shares):.3g}, "
              f"at least NOISY (0.05) in {np.mean(shares >= 0.05):.0%} of the runs")


if __name__ == "__main__":
    if sys.argv[1] == "--summary":
        summary(sys.argv[2])
        sys.exit(0)
    levels = [float(x) for x in sys.argv[1].split(",")]
    seeds = range(int(sys.argv[2]), int(sys.argv[3]))
    jobs = [(n, s, z, v) for z in levels for n in PROBLEMS for s in seeds for v in ("observed", "model")]
    with open(sys.argv[4], "w") as out:
        for row in Parallel(n_jobs=2, return_as="generator")(delayed(one)(*j) for j in jobs):
            out.write(json.dumps(row) + "\n")
            out.flush()
