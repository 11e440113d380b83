"""Bayesian optimization in parallel batches: ``ask(4)`` against sequential ``ask(1)`` at equal trials (issue 21).

Every variant drives a strategy directly through the Strategy protocol
(``ask(n)`` -> candidates, evaluate in this process, ``tell`` a Trial), so the
batches are deterministic (same seed, same trials) whatever the machine:

- ``bayes_seq``: ``ask(1)``, evaluate, tell, repeat;
- ``bayes_batch4``: synchronous batches: ``ask(4)``, evaluate all four, tell
  all four (in the order asked), repeat (what ``n_jobs=4`` with
  ``tell_order="asked"`` does when evaluations take equal time);
- ``bayes_async4``: four in flight: ``ask(4)``, then repeatedly tell the
  oldest pending candidate and ``ask(1)``, so every ask sees three candidates
  still running (the fantasies of the model);
- ``random_batch4``: random search in batches of four (the same trials as
  sequential random search).

Runs go through ``hpo.benchmarking.run_benchmark`` into ``DIR/runs.db``
(rerunning resumes); the report is computed from the store: at each
checkpoint, the mean rank and mean normalized score per variant (as
``benchmarks/bayes_figures.py``: 0 = the median random evaluation, 100 = the
optimum or the best value any run found), the median best per problem, and
paired comparisons over (problem, seed): mean difference of normalized
scores, wins/ties/losses, and the two-sided Wilcoxon signed-rank p-value.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_batches.py benchmarks/results/batches_50      # run + report
    python benchmarks/bench_batches.py benchmarks/results/batches_50 --report-only
    OMP_NUM_THREADS=1 python benchmarks/bench_batches.py /tmp/b --problems branin --seeds 1    # one quick run
    OMP_NUM_THREADS=1 python benchmarks/bench_batches.py benchmarks/results/batches_diag \\
        --problems ackley5,michalewicz5,styblinski_tang5,hartmann6,levy5 --first-seed 100 --checkpoints 32 50 \\
        --variants bayes_seq,bayes_batch4,bayes_seq_nopatience,bayes_batch4_nopatience    # is it the stagnation rule?
    OMP_NUM_THREADS=1 python benchmarks/bench_batches.py benchmarks/results/batches_50 \
        --variants optuna_gp_seq,optuna_gp_batch4      # what batching costs the reference, in the same store
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import deque
from typing import Any

import numpy as np
from scipy import stats

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bayes_figures import at, median_table, only, rank_table  # noqa: E402

from hpo.benchmarking import Contender, RunTrace, register_contender, run_benchmark, summarize  # noqa: E402
from hpo.benchmarking.peers.optuna import OptunaStrategy  # noqa: E402
from hpo.benchmarking.report import Summary  # noqa: E402
from hpo.benchmarking.store import RunStore  # noqa: E402
from hpo.benchmarking.synthetic import SUITE as SYNTHETIC  # noqa: E402
from hpo.strategies import make_strategy  # noqa: E402
from hpo.trial import FAILED, OK, Candidate, Trial  # noqa: E402

#: Cheap cross-validated scikit-learn tasks (about 0.02-0.06 s per evaluation), with continuous losses (MSE).
SKLEARN = ["svm_diabetes", "bm_dt_diabetes_mse", "bm_knn_synth_reg_mse"]
CHECKPOINTS = [16, 32, 50]


def _evaluate(problem: Any, candidate: Candidate) -> Trial:
    """One evaluation as the engine's boundary records it: an error is a failed trial."""
    start = time.time()
    try:
        value = float(problem.objective(candidate.config, candidate.budget))
    except Exception as exc:  # a failing configuration is a fact of the search
        return Trial(candidate.id, candidate, FAILED, error=f"{type(exc).__name__}: {exc}",
                     started=start, finished=time.time())
    return Trial(candidate.id, candidate, OK, value=value, loss=value, started=start, finished=time.time())


def drive(strategy: Any, problem: Any, n_trials: int, batch: int = 1,
          in_flight: bool = False) -> tuple[list[Trial], list[tuple[int, float, float]]]:
    """Run ``n_trials`` evaluations of ``problem`` with ``strategy``; the trials in the order told, and the asks.

    ``in_flight=False``: ask ``batch`` candidates, evaluate and tell all of them, repeat.
    ``in_flight=True``: ask ``batch``, then tell the oldest and ask one, so that ``batch - 1`` are always pending.
    The asks are ``(trials told before, wall seconds, CPU seconds of this process)`` per ``ask`` call (the
    CPU seconds are the wall time on an idle core: hpo's "bayes" asks on one thread).
    """
    told: list[Trial] = []
    asks: list[tuple[int, float]] = []
    queue: deque = deque()
    n_asked = 0

    def ask(k: int) -> int:
        nonlocal n_asked
        k = min(k, n_trials - n_asked)
        if k <= 0:
            return 0
        start, cpu = time.perf_counter(), time.process_time()
        got = strategy.ask(k)
        asks.append((len(told), time.perf_counter() - start, time.process_time() - cpu))
        queue.extend(got)
        n_asked += len(got)
        return len(got)

    while len(told) < n_trials:
        if not queue and not ask(batch):
            break  # the strategy is finished (a finite space)
        if in_flight:
            trial = _evaluate(problem, queue.popleft())
            strategy.tell(trial)
            told.append(trial)
            ask(1)
        else:
            while queue:
                trial = _evaluate(problem, queue.popleft())
                strategy.tell(trial)
                told.append(trial)
    return told, asks


class DrivenContender(Contender):
    """A strategy driven by :func:`drive` (batches of ``batch``, synchronous or ``in_flight``).

    With ``asks_log`` (a path), each run appends its ask timings there as a JSON line.
    """

    def __init__(self, name: str, strategy: Any, options: dict | None = None, batch: int = 1,
                 in_flight: bool = False, asks_log: str | None = None) -> None:
        self.name = name
        self.strategy = strategy
        self.options = options or {}
        self.batch = batch
        self.in_flight = in_flight
        self.asks_log = asks_log

    def run(self, problem: Any, n_trials: int, seed: int) -> RunTrace:
        start = time.perf_counter()
        strategy = make_strategy(self.strategy, problem.space, seed=seed, options=self.options or None)
        trials, asks = drive(strategy, problem, n_trials, self.batch, self.in_flight)
        wall = time.perf_counter() - start
        ok = [t for t in trials if t.status == OK]
        if self.asks_log is not None:
            with open(self.asks_log, "a") as fh:
                fh.write(json.dumps({"problem": problem.name, "contender": self.name, "seed": seed,
                                     "n_trials": n_trials, "d": len(problem.space), "asks": asks}) + "\n")
        return RunTrace(
            losses=[t.loss for t in trials],
            budgets=[None] * len(trials),
            eval_seconds=[t.finished - t.started for t in trials],
            wall_seconds=wall,
            best_config=min(ok, key=lambda t: t.loss).config if ok else None,
        )


VARIANTS = {
    "bayes_seq": dict(strategy="bayes", batch=1),
    "bayes_batch4": dict(strategy="bayes", batch=4),
    "bayes_async4": dict(strategy="bayes", batch=4, in_flight=True),
    "random_batch4": dict(strategy="random", batch=4),
}
#: Diagnostics (not run by default): the same without the stagnation rule (``patience=None``); and the
#: reference, Optuna's GPSampler (which conditions on running trials), driven the same way, sequentially and
#: in synchronous batches of four: how much does batching cost a peer?
DIAGNOSTICS = {
    "optuna_gp_seq": dict(strategy=OptunaStrategy, batch=1, options={"sampler": "gp"}),
    "optuna_gp_batch4": dict(strategy=OptunaStrategy, batch=4, options={"sampler": "gp"}),
    "bayes_seq_nopatience": dict(strategy="bayes", batch=1, options={"patience": None}),
    "bayes_batch4_nopatience": dict(strategy="bayes", batch=4, options={"patience": None}),
}
#: The paired comparisons the report prints (those whose variants are in the store).
PAIRS = [("bayes_batch4", "bayes_seq"), ("bayes_async4", "bayes_seq"), ("bayes_batch4", "random_batch4"),
         ("bayes_seq", "random_batch4"), ("bayes_batch4_nopatience", "bayes_seq_nopatience"),
         ("bayes_seq_nopatience", "bayes_seq"), ("bayes_batch4_nopatience", "bayes_batch4"),
         ("optuna_gp_batch4", "optuna_gp_seq"), ("bayes_batch4", "optuna_gp_batch4")]


def register_variants(variants: dict, asks_log: str | None = None) -> None:
    """Register each variant (name -> DrivenContender keyword arguments) as a benchmark contender."""
    for name, kw in variants.items():
        register_contender(name, lambda name=name, kw=kw: DrivenContender(name, asks_log=asks_log, **kw))


def paired_table(s: Summary, pairs: list[tuple[str, str]]) -> str:
    """Per pair (a, b): over the (problem, seed) pairs, mean normalized score difference a - b, wins, Wilcoxon p."""
    lines = [f"Paired over (problem, seed) at {s.n_trials} evaluations (normalized scores; Wilcoxon signed-rank, "
             "two-sided):", "",
             "| a vs b | pairs | mean a - b | median a - b | a better / equal / worse | Wilcoxon p |",
             "|---|---|---|---|---|---|"]
    for a, b in pairs:
        _, scores = only(s, [a, b]).paired()
        ok = ~np.isnan(scores).any(axis=1)
        x, y = scores[ok, 0], scores[ok, 1]
        d = x - y
        better, equal = int(np.sum(d > 1e-9)), int(np.sum(np.abs(d) <= 1e-9))
        p = float(stats.wilcoxon(x, y).pvalue) if np.any(np.abs(d) > 1e-9) else 1.0
        lines.append(f"| {a} vs {b} | {len(d)} | {d.mean():+.1f} | {np.median(d):+.1f} | "
                     f"{better} / {equal} / {len(d) - better - equal} | {p:.3g} |")
    return "\n".join(lines)


def per_problem_table(s: Summary, pairs: list[tuple[str, str]]) -> str:
    """Per problem and pair (a, b): the mean normalized score difference a - b over the seeds."""
    lines = [f"Mean normalized score difference per problem at {s.n_trials} evaluations:", "",
             "| problem | " + " | ".join(f"{a} - {b}" for a, b in pairs) + " |", "|---" * (len(pairs) + 1) + "|"]
    for p in s.problems:
        cells = []
        for a, b in pairs:
            x, y = s.normalized(p, s.final(p, a)), s.normalized(p, s.final(p, b))
            cells.append(f"{np.mean(x - y):+.1f}" if len(x) == len(y) and len(x) else "-")
        lines.append(f"| {p} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def report(out_dir: str, checkpoints: list[int], pairs: list[tuple[str, str]]) -> None:
    """Print the tables of a finished (or partial) run directory."""
    with RunStore(os.path.join(out_dir, "runs.db"), readonly=True) as store:
        full = summarize(store)
        errors = store.errors()
    if errors:
        print(f"{len(errors)} runs failed (first: {errors[0]['error'].strip().splitlines()[-1]})\n")
    pairs = [(a, b) for a, b in pairs if a in full.contenders and b in full.contenders]
    for k in checkpoints:
        s = at(full, min(k, full.n_trials))
        print(rank_table(s), "\n")
        print(median_table(s), "\n")
        print(paired_table(s, pairs), "\n")
        print(per_problem_table(s, pairs[:2]), "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir")
    parser.add_argument("--problems", default=None,
                        help="comma-separated problems (default: the synthetic suite and " + ",".join(SKLEARN) + ")")
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0..k-1 (default 10)")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--checkpoints", type=int, nargs="+", default=CHECKPOINTS)
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help="comma-separated variants (default: %(default)s; diagnostics: " + ",".join(DIAGNOSTICS) + ")")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    problems = args.problems.split(",") if args.problems else SYNTHETIC + SKLEARN
    if not args.report_only:
        known = {**VARIANTS, **DIAGNOSTICS}
        chosen = args.variants.split(",")
        unknown = [v for v in chosen if v not in known]
        if unknown:
            raise SystemExit(f"--variants: unknown {unknown}; known: {list(known)}")
        register_variants({v: known[v] for v in chosen})
        started = time.perf_counter()
        run_benchmark(args.dir, problems=problems, strategies=chosen, n_trials=args.trials,
                      seeds=list(range(args.first_seed, args.first_seed + args.seeds)), n_jobs=1,
                      log=print).close()
        print(f"# {time.perf_counter() - started:.0f} s, load {os.getloadavg()[0]:.1f}\n")
    report(args.dir, args.checkpoints, PAIRS)


if __name__ == "__main__":
    main()
