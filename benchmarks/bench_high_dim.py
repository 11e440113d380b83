"""Bayesian optimization with 20 to 40 parameters: quality against random search and TPE, and suggestion cost (issue 21).

Problems (registered here, not in the suites):

- ``levy20``, ``levy40``: Levy on [-10, 10]^d, minimum 0 at (1, ..., 1);
- ``pipeline30``: a 30-parameter pipeline-like space (a model choice among
  three branches with their own conditional parameters, log and linear
  floats, integers, categoricals, a conditional PCA fraction, and four
  parameters that do not matter) with a cheap closed-form loss that has the
  structure of a real one: a few parameters matter a lot, learning rate and
  number of trees trade off, C and gamma interact, and the branch that is
  easiest to get right is not the best one (see :func:`pipeline30`).

Contenders: ``bayes``, ``random`` and ``optuna_tpe`` (Optuna's TPESampler,
its defaults), each driven sequentially through the Strategy protocol
(``ask(1)``, evaluate, ``tell``) by ``benchmarks/bench_batches.py``'s
``drive``, which times every ``ask``. Runs go through
``hpo.benchmarking.run_benchmark`` into ``DIR/runs.db`` (rerunning resumes);
the ask timings go to ``DIR/asks.jsonl``. The report: mean rank and mean
normalized score, median best per problem at each checkpoint, and the
median seconds per ask of each contender by dimension (over the asks made
with at least 50 trials told, and the last ask of each run).

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_high_dim.py benchmarks/results/high_dim_100     # run + report
    python benchmarks/bench_high_dim.py benchmarks/results/high_dim_100 --report-only
    OMP_NUM_THREADS=1 python benchmarks/bench_high_dim.py - --breakdown --first-seed 100   # where an ask's time goes
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections import defaultdict
from typing import Any, Mapping

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_batches import drive, register_variants  # noqa: E402
from bench_batches import report as batch_report  # noqa: E402

from hpo import Categorical, Float, Int, Space  # noqa: E402
from hpo.benchmarking import Problem, register_problem, run_benchmark  # noqa: E402
from hpo.benchmarking.synthetic import levy  # noqa: E402
from hpo.strategies import make_strategy  # noqa: E402

CHECKPOINTS = [25, 50, 100]
PROBLEMS = ["levy20", "levy40", "pipeline30"]


class _Levy:
    """``objective(config, budget)`` of Levy over ``x0 .. x{d-1}`` (a class, so that it pickles)."""

    def __init__(self, dim: int) -> None:
        self.keys = [f"x{i}" for i in range(dim)]

    def __call__(self, config: Mapping[str, Any], budget: Any = None) -> float:
        return float(levy(np.array([config[k] for k in self.keys], dtype=float)))


def make_levy(dim: int) -> Problem:
    """Levy-``dim`` on [-10, 10]^dim."""
    space = Space({f"x{i}": Float(-10.0, 10.0) for i in range(dim)})
    return Problem(f"levy{dim}", space, _Levy(dim), optimum=0.0, kind="synthetic",
                   description=f"Levy in {dim} dimensions, minimum 0 at (1, ..., 1)", tags={"dimension": dim})


def pipeline30_space() -> Space:
    """The 30 parameters of ``pipeline30``."""
    return Space(
        model=Categorical(["gbm", "svm", "mlp"]),
        scaler=Categorical(["none", "standard", "robust"]),
        pca=Categorical([False, True]),
        pca_fraction=Float(0.05, 1.0).when(pca=True),
        select_fraction=Float(0.05, 1.0),
        class_weight=Categorical(["none", "balanced"]),
        early_stopping=Categorical([False, True]),
        n_threads=Int(1, 16),                       # does not matter
        cache_mb=Float(1.0, 1000.0, log=True),      # does not matter
        tol=Float(1e-6, 1e-2, log=True),            # does not matter
        gbm_lr=Float(1e-3, 1.0, log=True).when(model="gbm"),
        gbm_n_estimators=Int(10, 2000, log=True).when(model="gbm"),
        gbm_max_depth=Int(1, 12).when(model="gbm"),
        gbm_subsample=Float(0.3, 1.0).when(model="gbm"),
        gbm_colsample=Float(0.3, 1.0).when(model="gbm"),
        gbm_min_child_weight=Float(1e-2, 1e2, log=True).when(model="gbm"),
        gbm_reg_alpha=Float(1e-8, 10.0, log=True).when(model="gbm"),
        gbm_reg_lambda=Float(1e-8, 10.0, log=True).when(model="gbm"),
        svm_C=Float(1e-3, 1e3, log=True).when(model="svm"),
        svm_gamma=Float(1e-5, 10.0, log=True).when(model="svm"),
        svm_kernel=Categorical(["rbf", "poly", "sigmoid"]).when(model="svm"),
        svm_shrinking=Categorical([False, True]).when(model="svm"),  # does not matter
        mlp_lr=Float(1e-5, 1.0, log=True).when(model="mlp"),
        mlp_alpha=Float(1e-7, 1.0, log=True).when(model="mlp"),
        mlp_layers=Int(1, 4).when(model="mlp"),
        mlp_width=Int(8, 1024, log=True).when(model="mlp"),
        mlp_batch_size=Int(16, 512, log=True).when(model="mlp"),
        mlp_momentum=Float(0.0, 0.99).when(model="mlp"),
        mlp_dropout=Float(0.0, 0.7).when(model="mlp"),
        mlp_activation=Categorical(["relu", "tanh", "logistic"]).when(model="mlp"),
    )


_MODEL_OFFSET = {"gbm": 0.0, "svm": 0.06, "mlp": 0.03}
_SCALER = {"none": 0.25, "standard": 0.0, "robust": 0.02}  # what the scaler costs the svm and the mlp
_KERNEL = {"rbf": 0.0, "poly": 0.15, "sigmoid": 0.4}
_ACTIVATION = {"relu": 0.0, "tanh": 0.03, "logistic": 0.1}


def pipeline30(config: Mapping[str, Any], budget: Any = None) -> float:
    """The loss of ``pipeline30`` (lower is better, at least 0).

    Shared by every branch: a feature-selection fraction best near 0.6
    (quadratic), a PCA that costs unless it keeps most components, a small
    gain from balanced class weights and from early stopping; ``n_threads``,
    ``cache_mb``, ``tol`` and ``svm_shrinking`` do not matter. Per branch (an
    offset: gbm 0, mlp 0.03, svm 0.06):

    - gbm: a valley ``log10(lr) + 0.8 log10(n_estimators) = 0.8`` (more
      trees want a smaller rate) with a weak preference for about 300 trees,
      a best depth of 6, subsampling near 0.8, small effects of the others;
    - svm: needs a scaler; ``log10 C`` best at ``1 + 0.5 (log10 gamma + 2)``
      (C and gamma interact), gamma best near 1e-2, the rbf kernel;
    - mlp: needs a scaler; ``log10 lr`` best at ``-3 + 0.5 (log10 batch - 2)``,
      width near 256 and 2 layers, some dropout, relu.
    """
    shared = (0.5 * (config["select_fraction"] - 0.6) ** 2
              + (0.3 * (1.0 - config["pca_fraction"]) ** 2 - 0.005 if config["pca"] else 0.0)
              + (-0.01 if config["class_weight"] == "balanced" else 0.0)
              + (-0.005 if config["early_stopping"] else 0.0) + 0.02)
    model = config["model"]
    if model == "gbm":
        t, m = math.log10(config["gbm_lr"]), math.log10(config["gbm_n_estimators"])
        loss = (0.5 * (t + 0.8 * m - 0.8) ** 2 + 0.05 * (m - 2.5) ** 2
                + 0.01 * (config["gbm_max_depth"] - 6) ** 2
                + 0.3 * (config["gbm_subsample"] - 0.8) ** 2 + 0.1 * (config["gbm_colsample"] - 0.7) ** 2
                + 0.005 * (math.log10(config["gbm_min_child_weight"]) - 0.0) ** 2
                + 0.002 * (math.log10(config["gbm_reg_alpha"]) + 4.0) ** 2
                + 0.002 * (math.log10(config["gbm_reg_lambda"]) + 2.0) ** 2)
    elif model == "svm":
        c, g = math.log10(config["svm_C"]), math.log10(config["svm_gamma"])
        loss = (_SCALER[config["scaler"]] + 0.2 * (c - 1.0 - 0.5 * (g + 2.0)) ** 2 + 0.1 * (g + 2.0) ** 2
                + _KERNEL[config["svm_kernel"]])
    else:
        t, b = math.log10(config["mlp_lr"]), math.log10(config["mlp_batch_size"])
        loss = (_SCALER[config["scaler"]] + 0.3 * (t + 3.0 - 0.5 * (b - 2.0)) ** 2
                + 0.02 * (math.log10(config["mlp_alpha"]) + 4.0) ** 2
                + 0.02 * (config["mlp_layers"] - 2) ** 2 + 0.1 * (math.log10(config["mlp_width"]) - 2.4) ** 2
                + 0.1 * (config["mlp_dropout"] - 0.2) ** 2 + 0.05 * (config["mlp_momentum"] - 0.9) ** 2
                + _ACTIVATION[config["mlp_activation"]])
    return _MODEL_OFFSET[model] + shared + loss


def make_pipeline30() -> Problem:
    """The ``pipeline30`` problem (its optimum is not given: 100 of the normalized score is the best found)."""
    return Problem("pipeline30", pipeline30_space(), pipeline30, kind="synthetic",
                   description="a 30-parameter pipeline-like conditional space with a structured closed-form loss")


for _dim in (20, 40):
    register_problem(f"levy{_dim}", lambda dim=_dim: make_levy(dim))
register_problem("pipeline30", make_pipeline30)


def _ask_times(path: str) -> dict:
    """(contender, problem, d) -> wall and CPU seconds of the asks with at least 50 trials told ("late", "late_cpu")
    and of the last ask of each run ("last", "last_cpu")."""
    out: dict = defaultdict(lambda: defaultdict(list))
    if not os.path.exists(path):
        return out
    with open(path) as fh:
        for line in fh:
            row = json.loads(line)
            asks = row["asks"]
            key = (row["contender"], row["problem"], row["d"])
            out[key]["late"] += [wall for told, wall, _ in asks if told >= 50]
            out[key]["late_cpu"] += [cpu for told, _, cpu in asks if told >= 50]
            out[key]["last"].append(asks[-1][1])
            out[key]["last_cpu"].append(asks[-1][2])
    return out


def report(out_dir: str, checkpoints: list[int]) -> None:
    """Print the tables of a finished (or partial) run directory, then the ask timings."""
    batch_report(out_dir, checkpoints, [("bayes", "optuna_tpe"), ("bayes", "random"), ("optuna_tpe", "random")])
    times = _ask_times(os.path.join(out_dir, "asks.jsonl"))
    print("Seconds per ask, wall (CPU of the process in brackets): median and 90th percentile of the asks with "
          "50 to 99 trials told, median of the last ask (99 told):\n")
    print("| contender | problem | d | asks 50-99: median | asks 50-99: 90th pct | last ask: median | runs |")
    print("|---|---|---|---|---|---|---|")
    for (c, p, d), v in sorted(times.items(), key=lambda kv: (kv[0][2], kv[0][1], kv[0][0])):
        late, cpu = (np.array(v[k]) if v[k] else np.array([math.nan]) for k in ("late", "late_cpu"))
        print(f"| {c} | {p} | {d} | {np.median(late):.3f} ({np.median(cpu):.3f}) | {np.percentile(late, 90):.3f} "
              f"({np.percentile(cpu, 90):.3f}) | {np.median(v['last']):.3f} ({np.median(v['last_cpu']):.3f}) | "
              f"{len(v['last'])} |")


#: The parts of a "bayes" ask that the breakdown reports (function names in the profile).
_PARTS = {"fit (hyperparameters and posterior)": "fit", "candidate set": "_candidates",
          "refinement (L-BFGS-B)": "_refine", "ranking (all of the proposal)": "_ranked"}


def breakdown(dims: list[int], seed: int, n_trials: int, last: int = 20) -> None:
    """Where a "bayes" ask's time goes on Levy-d: cProfile over the ``last`` asks of one run of ``n_trials``."""
    import cProfile
    import pstats

    print(f"Where the time of a bayes ask goes (cProfile, the last {last} asks of {n_trials}, seed {seed}; "
          "shares of the ask):\n")
    print("| d | CPU s per ask (unprofiled) | " + " | ".join(_PARTS) + " |")
    print("|---|---|" + "---|" * len(_PARTS))
    for d in dims:
        problem = make_levy(d)
        strategy = make_strategy("bayes", problem.space, seed=seed)
        drive(strategy, problem, n_trials - 2 * last)
        _, asks = drive(strategy, problem, last)  # unprofiled asks, for the CPU seconds
        profiler = cProfile.Profile()
        profiler.enable()
        _, profiled = drive(strategy, problem, last)
        profiler.disable()
        total = sum(wall for _, wall, _ in profiled)
        stats = pstats.Stats(profiler).stats
        shares = []
        for name in _PARTS.values():
            cum = sum(v[3] for (path, _, func), v in stats.items() if func == name and "bayes_model" in path)
            shares.append(f"{100 * cum / total:.0f}%")
        cpu = float(np.median([c for _, _, c in asks]))
        print(f"| {d} | {cpu:.3f} | " + " | ".join(shares) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir")
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    parser.add_argument("--contenders", default="bayes,random,optuna_tpe")
    parser.add_argument("--seeds", type=int, default=10, help="seeds first..first+k-1 (default 10)")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--checkpoints", type=int, nargs="+", default=CHECKPOINTS)
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--breakdown", action="store_true",
                        help="only profile bayes's asks on Levy-20 and Levy-40 (seed --first-seed)")
    args = parser.parse_args()
    if args.breakdown:
        breakdown([20, 40], args.first_seed, args.trials)
        return
    if not args.report_only:
        contenders = args.contenders.split(",")
        strategies = {"bayes": "bayes", "random": "random"}
        if "optuna_tpe" in contenders:
            from hpo.benchmarking.peers import OptunaStrategy

            strategies["optuna_tpe"] = OptunaStrategy
        os.makedirs(args.dir, exist_ok=True)
        register_variants({c: dict(strategy=strategies[c], options={"sampler": "tpe"} if c == "optuna_tpe" else None)
                           for c in contenders}, asks_log=os.path.join(args.dir, "asks.jsonl"))
        started = time.perf_counter()
        run_benchmark(args.dir, problems=args.problems.split(","), strategies=contenders, n_trials=args.trials,
                      seeds=list(range(args.first_seed, args.first_seed + args.seeds)), n_jobs=1, log=print).close()
        print(f"# {time.perf_counter() - started:.0f} s, load {os.getloadavg()[0]:.1f}\n")
    report(args.dir, args.checkpoints)


if __name__ == "__main__":
    main()
