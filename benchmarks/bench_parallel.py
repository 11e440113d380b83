"""Parallel speed-up of ``hpo.Tuner(n_jobs=2)`` over ``n_jobs=1`` on a CPU-bound estimator.

A random forest (100 trees, ``n_jobs=1`` inside) tuned over depth, leaf size
and the fraction of features, on scikit-learn's digits (1,797 x 64; holdout
validation of 20 %), ``--trials`` trials per search. Each repeat ``r`` runs
the same search (``random_state=r``) with ``n_jobs=1`` and ``n_jobs=2`` one
after the other, and checks that both find the same ``best_params_``.

Reported, as medians over ``--repeats``:

* wall time of ``Tuner.fit`` (search + refit of the best on all rows), and of
  the search alone (``fit`` minus ``refit_time_``; the refit is serial);
* the speed-up n_jobs=1 / n_jobs=2 for both;
* a reference in the same run: the same fits (the n_jobs=1 search's
  configurations on the same split) run with no search engine, in a loop and
  all submitted at once to the same loky pool (each to the first free worker):
  the speed-up this machine gives these tasks;
* worker busy time (sum of trial durations measured in the workers) / (2 x wall),
  and the cost of telling trials in the order they were asked (head-of-line
  waiting), estimated by replaying the measured trial durations through the
  engine's in-order schedule and through a greedy "next trial to the first
  free worker" schedule.

joblib's loky worker pool is reused across searches, so one untimed n_jobs=2
search warms it before the timed repeats; its time, and the cold start of the
pool measured first, are reported separately.

Usage::

    python benchmarks/bench_parallel.py               # 16 trials, 5 repeats (~2 minutes on 2 cores)
    python benchmarks/bench_parallel.py --quick       # 8 trials, 3 repeats
    python benchmarks/bench_parallel.py --trials 24 --repeats 7
"""

from __future__ import annotations

import argparse
import heapq
import math
import os
import platform
import statistics
import sys
import time

import joblib
import numpy as np
import sklearn
from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier

import hpo
from hpo import Float, Int, Space, Tuner
from hpo.evaluation import make_splits  # the reference fits use the tuner's holdout split
from hpo.executors import make_executor  # the reference uses the engine's own worker pool

N_JOBS = 2


def make_estimator() -> RandomForestClassifier:
    return RandomForestClassifier(n_estimators=100, n_jobs=1, random_state=0)


def make_space() -> Space:
    return Space(max_depth=Int(2, 20), min_samples_leaf=Int(1, 10), max_features=Float(0.1, 1.0))


# ------------------------------------------------------------- load gauge
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _machine_busy() -> tuple[float, float]:
    """Busy and steal CPU seconds of the whole machine so far (Linux /proc/stat)."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return math.nan, math.nan
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    steal = fields[7] if len(fields) > 7 else 0
    return (sum(fields[:8]) - idle - steal) / _TICK, steal / _TICK


def _tree_cpu() -> float:
    """CPU seconds used so far by this process and its descendants (the loky workers)."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    try:
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    rest = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry)] = int(rest[1])
            cpu[int(entry)] = (int(rest[11]) + int(rest[12])) / _TICK
    except OSError:
        return math.nan
    mine, frontier = {os.getpid()}, [os.getpid()]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in mine:
                mine.add(child)
                frontier.append(child)
    return sum(cpu.get(pid, 0.0) for pid in mine)


class LoadGauge:
    """Cores used by *other* processes (and stolen by the hypervisor) while a block ran."""

    def __enter__(self) -> "LoadGauge":
        self._wall = time.perf_counter()
        self._busy, self._steal = _machine_busy()
        self._mine = _tree_cpu()
        return self

    def __exit__(self, *exc) -> None:
        wall = time.perf_counter() - self._wall
        busy, steal = _machine_busy()
        mine = _tree_cpu()
        self.others = max(0.0, (busy - self._busy) - (mine - self._mine)) / wall
        self.steal = (steal - self._steal) / wall


def run_tuner(X, y, n_jobs: int, n_trials: int, seed: int) -> dict:
    tuner = Tuner(make_estimator(), make_space(), n_trials=n_trials, random_state=seed, n_jobs=n_jobs)
    start = time.perf_counter()
    with LoadGauge() as gauge:
        tuner.fit(X, y)
    wall = time.perf_counter() - start
    trials = tuner.result_.trials
    durations = [t.finished - t.started for t in trials]
    return {
        "wall": wall,
        "search": wall - tuner.refit_time_,
        "refit": tuner.refit_time_,
        "best_params": tuner.best_params_,
        "configs": [t.config for t in trials],
        "durations": durations,
        "busy": sum(durations),
        "others": gauge.others,
        "steal": gauge.steal,
    }


def _fit_score(X, y, train, val, params: dict) -> float:
    est = make_estimator().set_params(**params)
    est.fit(X[train], y[train])
    return est.score(X[val], y[val])


def run_reference(X, y, train, val, configs: list[dict], n_jobs: int) -> float:
    """Wall time of the same fits with no search engine: in a loop (n_jobs=1), or all
    submitted at once to the same loky pool the engine uses, each going to the
    first free worker (n_jobs > 1).

    (Not ``joblib.Parallel``: it needs joblib's memmapping flavour of the loky
    pool and fails on the plain reusable pool hpo has started; see BENCHMARKS.md.)
    """
    start = time.perf_counter()
    if n_jobs == 1:
        for c in configs:
            _fit_score(X, y, train, val, c)
    else:
        executor = make_executor(n_jobs)
        futures = [executor.submit(_fit_score, X, y, train, val, c) for c in configs]
        for f in futures:
            f.result()
    return time.perf_counter() - start


def makespan_in_order(durations: list[float], workers: int) -> float:
    """The engine's schedule: trials are told in asked order, and a new trial is
    submitted only after the oldest running one is told (head-of-line waiting)."""
    finish: list[float] = []
    now = 0.0  # time at which the engine pops the next head
    free_at = [0.0] * workers
    pending: list[int] = []
    nxt = 0
    while nxt < len(durations) or pending:
        while nxt < len(durations) and len(pending) < workers:
            w = min(range(workers), key=lambda k: free_at[k])
            start = max(now, free_at[w])
            free_at[w] = start + durations[nxt]
            finish.append(free_at[w])
            pending.append(nxt)
            nxt += 1
        head = pending.pop(0)
        now = max(now, finish[head])
    return max(finish) if finish else 0.0


def makespan_greedy(durations: list[float], workers: int) -> float:
    """Each trial, in asked order, goes to the first worker that is free."""
    heap = [0.0] * workers
    for d in durations:
        heapq.heappush(heap, heapq.heappop(heap) + d)
    return max(heap) if heap else 0.0


def med(values: list[float]) -> float:
    return statistics.median(values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=16, help="trials per search (default 16)")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats, random_state 0..repeats-1 (default 5)")
    parser.add_argument("--quick", action="store_true", help="8 trials, 3 repeats")
    args = parser.parse_args(argv)
    if args.quick:
        args.trials, args.repeats = 8, 3

    X, y = load_digits(return_X_y=True)
    print(f"python {platform.python_version()}, numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
          f"joblib {joblib.__version__}, hpo {hpo.__version__}; {os.cpu_count()} cores")
    print(f"RandomForestClassifier(n_estimators=100, n_jobs=1) on digits {X.shape}, holdout 0.2, "
          f"{args.trials} trials per search, {args.repeats} timed repeats (random_state 0..{args.repeats - 1})")

    # ---- worker start-up: the first n_jobs=2 search starts the loky pool; the same
    # search run again finds it warm. Neither is in the timed repeats.
    cold = run_tuner(X, y, N_JOBS, args.trials, seed=0)
    warm = run_tuner(X, y, N_JOBS, args.trials, seed=0)
    print(f"\nworker start-up: first n_jobs={N_JOBS} search (cold loky pool) {cold['wall']:.2f} s, the same "
          f"search again (warm pool) {warm['wall']:.2f} s -> one-off start-up ~{cold['wall'] - warm['wall']:.2f} s "
          f"(paid once per process: later searches reuse the pool; the timed repeats below all run warm)")

    rows = []
    for r in range(args.repeats):
        one = run_tuner(X, y, 1, args.trials, seed=r)
        two = run_tuner(X, y, N_JOBS, args.trials, seed=r)
        (train, val), = make_splits(0.2, X, y, classifier=True, random_state=r)
        ref1 = run_reference(X, y, train, val, one["configs"], 1)
        ref2 = run_reference(X, y, train, val, one["configs"], N_JOBS)
        rows.append((r, one, two, ref1, ref2))
        print(f"  repeat {r}: n_jobs=1 {one['wall']:6.2f} s, n_jobs={N_JOBS} {two['wall']:6.2f} s "
              f"({one['wall'] / two['wall']:.2f}x); no-engine reference {ref1:6.2f} / {ref2:6.2f} s "
              f"({ref1 / ref2:.2f}x); other processes used {one['others']:.2f} / {two['others']:.2f} cores, "
              f"steal {one['steal']:.2f} / {two['steal']:.2f}; same best_params_: "
              f"{one['best_params'] == two['best_params']}", flush=True)
    make_executor(N_JOBS).shutdown(wait=True)

    same = all(one["best_params"] == two["best_params"] for _, one, two, _, _ in rows)
    same_configs = all(one["configs"] == two["configs"] for _, one, two, _, _ in rows)
    wall1, wall2 = [x[1]["wall"] for x in rows], [x[2]["wall"] for x in rows]
    s1, s2 = [x[1]["search"] for x in rows], [x[2]["search"] for x in rows]
    j1, j2 = [x[3] for x in rows], [x[4] for x in rows]
    busy1, busy2 = [x[1]["busy"] for x in rows], [x[2]["busy"] for x in rows]
    util2 = [x[2]["busy"] / (N_JOBS * x[2]["search"]) for x in rows]
    in_order = [makespan_in_order(x[2]["durations"], N_JOBS) for x in rows]
    greedy = [makespan_greedy(x[2]["durations"], N_JOBS) for x in rows]
    hol = [a / b for a, b in zip(in_order, greedy)]
    others = [x[k]["others"] for x in rows for k in (1, 2)]
    speed_search = med([a / b for a, b in zip(s1, s2)])
    speed_ref = med([a / b for a, b in zip(j1, j2)])

    print()
    head = f"{'median of ' + str(args.repeats) + ' repeats':<40} {'n_jobs=1':>9} {'n_jobs=2':>9} {'speed-up':>9}"
    print(head)
    print("-" * len(head))
    print(f"{'Tuner.fit wall (search + refit), s':<40} {med(wall1):>9.2f} {med(wall2):>9.2f} "
          f"{med([a / b for a, b in zip(wall1, wall2)]):>8.2f}x")
    print(f"{'search only (fit - refit_time_), s':<40} {med(s1):>9.2f} {med(s2):>9.2f} {speed_search:>8.2f}x")
    print(f"{'reference: same fits, no engine, s':<40} {med(j1):>9.2f} {med(j2):>9.2f} {speed_ref:>8.2f}x")
    print(f"{'sum of trial durations (in workers), s':<40} {med(busy1):>9.2f} {med(busy2):>9.2f}")
    print()
    print(f"search speed-up / reference speed-up: {speed_search / speed_ref:.2f}")
    print(f"per-trial slowdown with both cores busy (trial durations n_jobs=2 / n_jobs=1): "
          f"{med([b / a for a, b in zip(busy1, busy2)]):.2f}x")
    print(f"worker utilisation at n_jobs=2 (trial durations / (2 x search wall)): {med(util2):.0%}")
    print(f"head-of-line waiting (trials told in asked order), replayed from the measured durations: "
          f"in-order {med(in_order):.2f} s vs greedy {med(greedy):.2f} s, i.e. {(med(hol) - 1) * 100:.1f} % longer "
          f"(worst repeat {(max(hol) - 1) * 100:.1f} %)")
    print(f"refit of the best on all rows (serial, in Tuner.fit): median {med([x[1]['refit'] for x in rows]):.2f} s")
    print(f"other processes on the machine during the timed searches: median {med(others):.2f} cores, "
          f"max {max(others):.2f}" + ("  <-- the machine was not idle: speed-ups are understated"
                                       if med(others) > 0.2 else ""))
    print(f"same best_params_ for n_jobs=1 and n_jobs=2 (same random_state): {same} "
          f"(same trials in the same order: {same_configs})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
