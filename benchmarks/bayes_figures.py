"""The figures of the Bayesian-optimization issue, read from `hpo bench` result directories.

For each checkpoint (a number of evaluations, at most the runs' length): the
mean rank of every contender over (problem, seed) pairs, its mean normalized
score (Bayesmark-style: 0 = the median random evaluation, 100 = the optimum or
the best value any run found), and its median best-so-far per problem. Then
"bayes" against random search with twice the budget (from a run of random
search with twice the evaluations, ``--random2x DIR``, or from the same run at
half the checkpoint), the evaluations "bayes" needs to a regret below 1e-3 on
Branin, and the mean best on Hartmann-6. ``--contenders a,b,c`` keeps only
those contenders (the normalized score's 100 stays the best value any run in
the store found).

Usage::

    python benchmarks/bayes_figures.py benchmarks/results/bayes_synthetic_100 --checkpoints 50 100 \\
        --random2x benchmarks/results/bayes_synthetic_random200
    python benchmarks/bayes_figures.py benchmarks/results/bayes_sklearn_50 --checkpoints 32 50 \\
        --random2x benchmarks/results/bayes_sklearn_random100
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os

import numpy as np

from hpo.benchmarking.report import Summary, summarize
from hpo.benchmarking.store import RunStore


def at(summary: Summary, k: int) -> Summary:
    """The summary as if every run had stopped after ``k`` evaluations."""
    return dataclasses.replace(summary, n_trials=k, curves={key: c[:, :k] for key, c in summary.curves.items()})


def _load(path: str) -> Summary:
    with RunStore(os.path.join(path, "runs.db")) as store:
        return summarize(store)


def only(summary: Summary, contenders: list[str]) -> Summary:
    """The summary restricted to ``contenders`` (in that order)."""
    missing = [c for c in contenders if c not in summary.contenders]
    if missing:
        raise SystemExit(f"--contenders: {missing} not in the store (it has {summary.contenders})")
    return dataclasses.replace(summary, contenders=list(contenders),
                               curves={k: c for k, c in summary.curves.items() if k[1] in contenders})


def rank_table(s: Summary) -> str:
    ranks = s.mean_ranks()
    lines = [f"At {s.n_trials} evaluations:", "", "| contender | mean rank | mean normalized score |", "|---|---|---|"]
    for c in sorted(s.contenders, key=lambda c: ranks[c]):
        scores = np.concatenate([s.normalized(p, s.final(p, c)) for p in s.problems if (p, c) in s.curves])
        lines.append(f"| {c} | {ranks[c]:.2f} | {np.nanmean(scores):.1f} |")
    return "\n".join(lines)


def median_table(s: Summary) -> str:
    lines = ["| problem | " + " | ".join(s.contenders) + " |", "|---" * (len(s.contenders) + 1) + "|"]
    for p in s.problems:
        cells = []
        finals = {c: np.median(s.final(p, c)) for c in s.contenders if (p, c) in s.curves}
        best = min(finals.values())
        for c in s.contenders:
            v = finals.get(c, math.nan)
            cell = f"{v:.4g}"
            cells.append(f"**{cell}**" if v == best else cell)
        lines.append(f"| {p} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def against_random_2x(s: Summary, k: int, random_2k: Summary) -> str:
    """Per problem: median best of bayes at k against random search at 2k; and the (problem, seed) wins."""
    lines = [f"bayes at {k} evaluations against random search at {2 * k}:", "",
             "| problem | bayes (median) | random x2 (median) | bayes better or equal (seeds) |", "|---|---|---|---|"]
    wins = total = 0
    scores: dict[str, list] = {"bayes": [], "random": []}
    for p in s.problems:
        if (p, "bayes") not in s.curves or (p, "random") not in random_2k.curves:
            continue
        a = s.curves[(p, "bayes")][:, k - 1]
        b = random_2k.curves[(p, "random")][:, 2 * k - 1]
        n = min(len(a), len(b))
        w = int(np.sum(a[:n] <= b[:n]))
        wins += w
        total += n
        scores["bayes"].append(s.normalized(p, a))
        scores["random"].append(s.normalized(p, b))  # on this store's scale: 100 = the best any run here found
        lines.append(f"| {p} | {np.median(a):.4g} | {np.median(b):.4g} | {w}/{n} |")
    lines.append(f"| all | | | {wins}/{total} |")
    if total:
        mean = {c: float(np.nanmean(np.concatenate(v))) for c, v in scores.items()}
        lines += ["", f"Mean normalized score over the suite: bayes at {k} {mean['bayes']:.1f}, "
                      f"random search at {2 * k} {mean['random']:.1f}."]
    return "\n".join(lines)


def branin_and_hartmann(s: Summary) -> str:
    lines = []
    if "branin" in s.problems:
        lines += ["Branin, evaluations to a regret below 1e-3 (runs that never got there count as n + 1):", "",
                  "| contender | mean | median | runs that got there |", "|---|---|---|---|"]
        opt = s.target["branin"]
        for c in s.contenders:
            curve = s.curves.get(("branin", c))
            if curve is None:
                continue
            hit = curve - opt < 1e-3
            firsts = np.where(hit.any(1), hit.argmax(1) + 1, curve.shape[1] + 1)
            lines.append(f"| {c} | {firsts.mean():.1f} | {np.median(firsts):.0f} | {hit.any(1).sum()}/{len(firsts)} |")
        lines.append("")
    if "hartmann6" in s.problems:
        lines += [f"Hartmann-6, best after {s.n_trials} evaluations:", "", "| contender | mean | median | worst |",
                  "|---|---|---|---|"]
        for c in s.contenders:
            f = s.final("hartmann6", c)
            if len(f):
                lines.append(f"| {c} | {f.mean():.4f} | {np.median(f):.4f} | {f.max():.4f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir")
    parser.add_argument("--checkpoints", type=int, nargs="+", required=True)
    parser.add_argument("--random2x", default=None, help="a run directory of random search with 2x the evaluations")
    parser.add_argument("--contenders", default=None, help="comma-separated contenders to keep (default: all)")
    args = parser.parse_args()
    full = _load(args.dir)
    if args.contenders:
        full = only(full, args.contenders.split(","))
    twice = _load(args.random2x) if args.random2x else None
    for k in args.checkpoints:
        s = at(full, k)
        print(rank_table(s), "\n")
        print(median_table(s), "\n")
        if twice is not None:
            print(against_random_2x(s, k, twice), "\n")
        elif k % 2 == 0 and k // 2 >= 1:
            print(against_random_2x(at(full, k // 2), k // 2, s), "\n")
        print(branin_and_hartmann(s), "\n")


if __name__ == "__main__":
    main()
