"""Bounds and plateaus (issue 21): where do "bayes" and its peers spend a search on a box's faces and flat regions?

Problems (cheap, deterministic; built for this benchmark, not around one seed):

- ``shelf_face2`` (2 floats): the loss falls towards the face ``x0 = 0`` and is
  flat (0.3) for ``x0 <= 0.1``, along all of ``x1``; a deeper basin (-0.09)
  lies far from it, at (0.75, 0.75), 0.3 wide. Reached: best below 0.2.
- ``svm_saturation3`` (SVM-like, gamma and C log-scaled, tol irrelevant): the
  error saturates at exactly 0.6 (the majority class) when ``gamma * C`` is too
  small or gamma too large, about half of the box; a narrow valley inside,
  quantized to 1/150 like a CV error. Reached: best below 0.05.
- ``reg_flat4`` (regularization alpha, learning rate, width, dropout): the CV
  loss saturates at the lower bound of alpha (no regularization: flat, 0.1
  worse than the best), jumps to a flat underfit plateau for large alpha, and is
  flat and bad for too small learning rates; the best alpha is a narrow interior
  dip. Reached: best below 0.15.
- ``shelf_face6`` (6 floats): a shelf (0.25) flat along the face region
  ``x5 >= 0.9`` and along every other parameter; the loss rises away from it
  towards a broad deeper basin (-0.11, 0.6 wide) far from the face. Reached: best below 0.15.
- ``dt_breast_cancer`` and ``svm_wine``: two of the scikit-learn suite's
  5-fold CV tasks (a decision tree's plateau of stumps; an SVM whose error
  saturates for large gamma).

Per run (``hpo.optimize(..., n_trials=50)``): the share of *model* proposals
(trials after the initial design, ``default_n_initial(space)`` for every
contender) on a face (a float's unit coordinate within 1e-3 of 0 or 1, or an
integer at its lowest or highest value) and the share whose loss exactly ties
(relative 1e-12) a loss observed before it (an already-flat region); the best
loss at 16, 32 and 50; whether the far/better basin was reached.

Usage::

    python benchmarks/bench_bounds.py                                    # bayes, seeds 0-9
    python benchmarks/bench_bounds.py --contenders bayes random skopt_gp optuna_tpe --out /tmp/bounds.jsonl
    python benchmarks/bench_bounds.py --seeds 100 120 --options '{"patience": null}' --label nopat
    python benchmarks/bench_bounds.py --summary /tmp/bounds.jsonl        # the table of a stored run
    python benchmarks/bench_bounds.py --suite synthetic --seeds 100 110  # the suite's mean normalized score

``--suite NAME`` runs "bayes" (with ``--options``) on a ``hpo bench`` suite's
problems over any seeds (``hpo bench`` numbers its seeds from 0) and prints the
mean normalized score at ``--n-trials`` (Bayesmark-style, as ``hpo bench``'s
report: 0 = the median of the suite's 32 reference random configurations,
100 = the known optimum), per problem and overall.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections import defaultdict

import numpy as np

import hpo
from hpo.benchmarking import Problem, make_contender, make_problem
from hpo.benchmarking.runner import REFERENCE_SAMPLES
from hpo.benchmarking.suites import suite_problems
from hpo.spaces import Float, Int
from hpo.strategies.bayes import default_n_initial

CHECKPOINTS = (16, 32, 50)


# ------------------------------------------------------------------ problems
def _shelf_face2(c: dict, budget=None) -> float:
    x0, x1 = c["x0"], c["x1"]
    shelf = 0.3 + 0.7 * max(0.0, x0 - 0.1) / 0.9
    r2 = (x0 - 0.75) ** 2 + (x1 - 0.75) ** 2
    return shelf - 0.9 * _bump(r2, 0.3)


def _svm_saturation3(c: dict, budget=None) -> float:
    u, v = math.log10(c["gamma"]), math.log10(c["C"])
    if u + v < -3.0 or u > -0.5:
        return 0.6
    g = 0.02 + 0.08 * ((u + 2.5) / 0.7) ** 2 + 0.05 * ((v - 1.5) / 2.0) ** 2
    return round(min(0.6, g) * 150) / 150


def _reg_flat4(c: dict, budget=None) -> float:
    a, lr = math.log10(c["alpha"]), math.log10(c["lr"])
    if lr < -3.0:
        return 0.8  # not trained within the epochs: flat
    if a >= 0.0:
        return 1.0  # every weight shrunk to zero: flat
    if a < -1.0:
        h = 0.1 * (1.0 - max(0.0, 1.0 - (a + 2.0) ** 2) ** 2)  # exactly 0.1 for alpha <= 1e-3
    else:
        h = 0.1 + 0.9 * (a + 1.0)
    base = 0.1 + 0.1 * (lr + 1.5) ** 2 / 2.25 + 0.02 * (math.log2(c["width"]) - 7.0) ** 2 / 4.0 \
        + 0.1 * (c["dropout"] - 0.2) ** 2
    return base + h


def _bump(r2: float, radius: float) -> float:
    """1 at the centre, exactly 0 beyond ``radius`` (so the shelf stays exactly flat)."""
    return max(0.0, 1.0 - r2 / radius ** 2) ** 2


_C6 = np.array([0.3, 0.6, 0.4, 0.7, 0.35, 0.2])


def _shelf_face6(c: dict, budget=None) -> float:
    x = np.array([c[f"x{i}"] for i in range(6)])
    shelf = 0.25 + 0.5 * max(0.0, 0.9 - x[5]) / 0.9
    return float(shelf - 0.75 * _bump(float(((x - _C6) ** 2).sum()), 0.6))


def _problems() -> dict:
    return {
        "shelf_face2": (Problem("shelf_face2", hpo.Space(x0=Float(0, 1), x1=Float(0, 1)), _shelf_face2), 0.2),
        "svm_saturation3": (Problem("svm_saturation3", hpo.Space(
            gamma=Float(1e-5, 1e1, log=True), C=Float(1e-2, 1e3, log=True), tol=Float(1e-5, 1e-1, log=True)),
            _svm_saturation3), 0.05),
        "reg_flat4": (Problem("reg_flat4", hpo.Space(
            alpha=Float(1e-6, 1e2, log=True), lr=Float(1e-4, 1.0, log=True), width=Int(8, 256, log=True),
            dropout=Float(0.0, 0.8)), _reg_flat4), 0.15),
        "shelf_face6": (Problem("shelf_face6", hpo.Space(**{f"x{i}": Float(0, 1) for i in range(6)}),
                                _shelf_face6), 0.15),
        "dt_breast_cancer": (None, 0.07),
        "svm_wine": (None, 0.02),
    }


PROBLEMS = list(_problems())


def get_problem(name: str) -> tuple[Problem, float]:
    problem, reached = _problems()[name]
    return (problem if problem is not None else make_problem(name)), reached


# ---------------------------------------------------------------- measuring
def on_face(space: hpo.Space, configs: list) -> np.ndarray:
    """Per configuration: a float within 1e-3 of a bound (unit scale), or an integer at a bound."""
    U = space.encode(configs)
    out = np.zeros(len(configs), dtype=bool)
    for j, name in enumerate(space.names):
        dim = space[name]
        if isinstance(dim, Int):
            vals = np.array([c.get(name) for c in configs], dtype=object)
            out |= np.array([v is not None and v in (dim.low, dim.high) for v in vals])
        elif isinstance(dim, Float):
            u = U[:, j]
            out |= (u >= 0) & ((u <= 1e-3) | (u >= 1 - 1e-3))
    return out


def ties(losses: list) -> np.ndarray:
    """Per trial: its loss equals (relative 1e-12) a loss observed before it."""
    out = np.zeros(len(losses), dtype=bool)
    seen: list = []
    for i, y in enumerate(losses):
        if y is None:
            continue
        out[i] = any(abs(y - s) <= 1e-12 * max(1.0, abs(s)) for s in seen)
        seen.append(y)
    return out


def run(problem_name: str, contender: str, seed: int, n_trials: int, options: dict | None = None) -> dict:
    problem, reached = get_problem(problem_name)
    c = make_contender(contender)
    opts = {**c.options, **(options or {})}
    start = time.perf_counter()
    result = hpo.optimize(problem.objective, problem.space, c.strategy, n_trials=n_trials, seed=seed,
                          strategy_options=opts or None)
    wall = time.perf_counter() - start
    trials = result.trials
    configs = [t.candidate.config for t in trials]
    losses = [t.loss if t.loss is not None and math.isfinite(t.loss) else None for t in trials]
    n0 = default_n_initial(problem.space)
    face = on_face(problem.space, configs)[n0:]
    tie = ties(losses)[n0:]
    best = np.minimum.accumulate([np.inf if y is None else y for y in losses])
    return {"problem": problem_name, "contender": contender, "seed": seed, "n_trials": n_trials,
            "face_share": float(face.mean()) if len(face) else 0.0,
            "tie_share": float(tie.mean()) if len(tie) else 0.0,
            "best": {k: float(best[min(k, len(best)) - 1]) for k in CHECKPOINTS if len(best)},
            "reached": bool(best[-1] < reached), "wall": wall, "losses": losses}


def summarize(rows: list) -> str:
    groups: dict = defaultdict(list)
    for r in rows:
        groups[(r["problem"], r.get("label") or r["contender"])].append(r)
    lines = ["| problem | contender | runs | on a face | tied | best @16 | @32 | @50 (mean) | reached |",
             "|---|---|---|---|---|---|---|---|---|"]
    for (p, c), rs in groups.items():
        face = np.mean([r["face_share"] for r in rs])
        tie = np.mean([r["tie_share"] for r in rs])
        b = {k: np.mean([r["best"][str(k)] if str(k) in r["best"] else r["best"][k] for r in rs])
             for k in CHECKPOINTS}
        lines.append(f"| {p} | {c} | {len(rs)} | {face:.0%} | {tie:.0%} | {b[16]:.4g} | {b[32]:.4g} | "
                     f"{b[50]:.4g} | {sum(r['reached'] for r in rs)}/{len(rs)} |")
    # over all problems, per contender
    by_c: dict = defaultdict(list)
    for r in rows:
        by_c[r.get("label") or r["contender"]].append(r)
    lines.append("")
    lines.append("| contender | runs | on a face | tied | reached |")
    lines.append("|---|---|---|---|---|")
    for c, rs in by_c.items():
        lines.append(f"| {c} | {len(rs)} | {np.mean([r['face_share'] for r in rs]):.0%} | "
                     f"{np.mean([r['tie_share'] for r in rs]):.0%} | {sum(r['reached'] for r in rs)}/{len(rs)} |")
    return "\n".join(lines)


def suite_scores(suite: str, seeds: range, n_trials: int, options: dict | None) -> str:
    """Mean normalized score of "bayes" per problem of a suite and overall (optimum known, else the best run)."""
    lines = ["| problem | mean score | mean best |", "|---|---|---|"]
    allscores = []
    for name in suite_problems(suite):
        problem = make_problem(name)
        # the 0 of hpo bench's normalized score: the median loss of the same random configurations
        reference = problem.space.sample(REFERENCE_SAMPLES, seed=np.random.default_rng(12345))
        ref = float(np.median([problem.objective(c, None) for c in reference]))
        bests = []
        for seed in seeds:
            result = hpo.optimize(problem.objective, problem.space, "bayes", n_trials=n_trials, seed=seed,
                                  strategy_options=options)
            bests.append(min(t.loss for t in result.trials if t.loss is not None))
        target = problem.optimum if problem.optimum is not None else min(bests)
        scores = 100.0 * (ref - np.array(bests)) / (ref - target)
        allscores.extend(scores)
        lines.append(f"| {name} | {scores.mean():.1f} | {np.mean(bests):.5g} |")
    lines.append(f"| **mean** | **{np.mean(allscores):.2f}** | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problems", nargs="+", default=PROBLEMS, choices=PROBLEMS)
    parser.add_argument("--contenders", nargs="+", default=["bayes"])
    parser.add_argument("--seeds", type=int, nargs=2, default=(0, 10), metavar=("FIRST", "STOP"))
    parser.add_argument("--n-trials", type=int, default=50)
    parser.add_argument("--options", default=None, help="JSON strategy options (for every contender)")
    parser.add_argument("--label", default=None, help="a name for this variant in the table")
    parser.add_argument("--out", default=None, help="append the rows to this JSONL file")
    parser.add_argument("--summary", default=None, help="print the table of a JSONL file and stop")
    parser.add_argument("--suite", default=None, help="score bayes on this hpo bench suite instead")
    args = parser.parse_args()
    if args.summary:
        with open(args.summary) as f:
            print(summarize([json.loads(line) for line in f]))
        return
    options = json.loads(args.options) if args.options else None
    if args.suite:
        print(suite_scores(args.suite, range(*args.seeds), args.n_trials, options))
        return
    rows = []
    for contender in args.contenders:
        for problem in args.problems:
            for seed in range(*args.seeds):
                row = run(problem, contender, seed, args.n_trials, options)
                row["label"] = args.label or contender
                rows.append(row)
                if args.out:
                    with open(args.out, "a") as f:
                        f.write(json.dumps(row) + "\n")
    print(summarize(rows))


if __name__ == "__main__":
    main()
