"""Parallel speed-up of ``hpo.Tuner(n_jobs=2)`` over ``n_jobs=1`` on a CPU-bound estimator.

A random forest (100 trees, ``n_jobs=1`` inside) tuned over depth, leaf size
and the fraction of features, on scikit-learn's digits (1,797 x 64; holdout
validation of 20 %), ``--trials`` trials per search. Each repeat ``r`` runs
the same search (``random_state=r``) with ``n_jobs=1`` and ``n_jobs=2`` one
after the other, and checks that both find the same ``best_params_``.

Reported, as medians over ``--repeats`` (and again over the repeats during
which no other process used the machine, when some did):

* wall time of ``Tuner.fit`` (search + refit of the best on all rows), and of
  the search alone (``fit`` minus ``refit_time_``; the refit is serial);
* the speed-up n_jobs=1 / n_jobs=2 for both;
* a reference in the same run: the same fits (the n_jobs=1 search's
  configurations on the same split) with no search engine, all submitted at
  once to the same loky pool (each to the first free worker), against their
  serial time (the sum of the n_jobs=1 trial durations): the speed-up this
  machine gives these tasks;
* worker utilisation (sum of trial durations measured in the workers) /
  (2 x wall), and the cost of telling trials in the order they were asked
  (head-of-line waiting), estimated by replaying the measured trial durations
  through the engine's in-order schedule and through a greedy "next trial to
  the first free worker" schedule;
* the cores other processes used meanwhile (from /proc/stat minus this
  process tree's CPU time): the machine may be shared, and the script waits
  (``--wait-idle``) for it to go idle before each repeat.

joblib's loky worker pool is reused across searches, but only while its
workers have been idle for less than 10 s (loky's default timeout, which
``hpo.executors.make_executor`` keeps): an n_jobs=1 search of 15 s lets it
lapse. So the pool is warmed (untimed: both workers started and the trial's
modules imported) right before each timed n_jobs=2 search. The start-up is
reported separately: the first (cold) search against the same search run
again, and the start of a fresh pool (spawn + imports) measured directly.

Usage::

    python benchmarks/bench_parallel.py               # 16 trials, 5 repeats (~3 minutes on 2 cores)
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


def _tree_cpu() -> dict[int, float]:
    """CPU seconds used so far by this process and each of its descendants (the loky workers), by pid,
    including descendants that have exited."""
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
            # utime + stime, and cutime + cstime: the CPU of its children that exited (and were reaped)
            cpu[int(entry)] = (int(rest[11]) + int(rest[12]) + int(rest[13]) + int(rest[14])) / _TICK
    except OSError:
        return {}
    mine, frontier = {os.getpid()}, [os.getpid()]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in mine:
                mine.add(child)
                frontier.append(child)
    return {pid: cpu.get(pid, 0.0) for pid in mine}


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
        # per process, so that a worker that exits meanwhile (loky's idle timeout) does not
        # take its whole past CPU time out of the sum
        used = sum(cpu - self._mine.get(pid, 0.0) for pid, cpu in mine.items())
        self.others = max(0.0, (busy - self._busy) - used) / wall
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


def run_reference(X, y, train, val, configs: list[dict], n_jobs: int) -> dict:
    """The same fits with no search engine, all submitted at once to the loky pool the
    engine uses (each goes to the first free worker): what this machine gives these
    tasks. Its serial counterpart is the sum of the trial durations of the n_jobs=1 search.

    (Not ``joblib.Parallel``: it needs joblib's memmapping flavour of the loky pool and
    fails on the plain reusable pool hpo has started; see BENCHMARKS.md.)
    """
    executor = make_executor(n_jobs)
    start = time.perf_counter()
    with LoadGauge() as gauge:
        futures = [executor.submit(_fit_score, X, y, train, val, c) for c in configs]
        for f in futures:
            f.result()
    return {"wall": time.perf_counter() - start, "others": gauge.others}


def _ping(delay: float) -> int:
    import hpo.evaluation  # noqa: F401  (what a worker imports to run its first trial)
    import sklearn.ensemble  # noqa: F401

    time.sleep(delay)
    return os.getpid()


def warm_pool(n_jobs: int, delay: float = 0.3) -> float:
    """Make sure the pool's workers are up and have imported the trial's modules; seconds taken."""
    start = time.perf_counter()
    executor = make_executor(n_jobs)
    for f in [executor.submit(_ping, delay) for _ in range(n_jobs)]:
        f.result()
    return time.perf_counter() - start


def pool_start_cost(n_jobs: int, delay: float = 0.5) -> float:
    """Seconds to start a fresh pool of ``n_jobs`` workers and import the trial's modules in each."""
    make_executor(n_jobs).shutdown(wait=True)
    start = time.perf_counter()
    executor = make_executor(n_jobs)
    pids = {f.result() for f in [executor.submit(_ping, delay) for _ in range(n_jobs)]}
    wall = time.perf_counter() - start
    return wall - delay * (n_jobs // len(pids))


def wait_idle(limit: float, threshold: float = 0.1) -> bool:
    """Wait (at most ``limit`` seconds) until other processes use under ``threshold`` cores."""
    deadline = time.perf_counter() + limit
    while True:
        busy, _ = _machine_busy()
        time.sleep(1.0)
        if math.isnan(busy) or _machine_busy()[0] - busy < threshold:
            return True
        if time.perf_counter() >= deadline:
            return False


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
    parser.add_argument("--wait-idle", type=float, default=10.0, metavar="S",
                        help="before each repeat, wait up to S seconds for other processes to go idle (default 10)")
    args = parser.parse_args(argv)
    if args.quick:
        args.trials, args.repeats = 8, 3

    X, y = load_digits(return_X_y=True)
    print(f"python {platform.python_version()}, numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
          f"joblib {joblib.__version__}, hpo {hpo.__version__}; {os.cpu_count()} cores")
    print(f"RandomForestClassifier(n_estimators=100, n_jobs=1) on digits {X.shape}, holdout 0.2, "
          f"{args.trials} trials per search, {args.repeats} timed repeats (random_state 0..{args.repeats - 1})")

    # ---- worker start-up: the first n_jobs=2 search starts the loky pool; the same
    # search run again finds it warm. Neither is among the timed repeats.
    wait_idle(args.wait_idle)
    cold = run_tuner(X, y, N_JOBS, args.trials, seed=0)
    warm = run_tuner(X, y, N_JOBS, args.trials, seed=0)
    print(f"\nworker start-up: first n_jobs={N_JOBS} search (cold loky pool) {cold['wall']:.2f} s, the same "
          f"search again (warm pool) {warm['wall']:.2f} s, difference {cold['wall'] - warm['wall']:.2f} s "
          f"(other processes used {cold['others']:.2f} / {warm['others']:.2f} cores)")
    print("the pool is reused by later searches while its workers have been idle under 10 s (loky's default "
          "timeout); each timed n_jobs=2 search below starts on a pool warmed just before (untimed)")

    rows = []
    for r in range(args.repeats):
        idle = wait_idle(args.wait_idle)
        one = run_tuner(X, y, 1, args.trials, seed=r)
        # loky stops workers idle for 10 s (its default timeout, which hpo keeps): the n_jobs=1
        # search above outlasts that, so the pool is warmed again, untimed, before each search
        warm_pool(N_JOBS)
        two = run_tuner(X, y, N_JOBS, args.trials, seed=r)
        (train, val), = make_splits(0.2, X, y, classifier=True, random_state=r)
        ref = run_reference(X, y, train, val, one["configs"], N_JOBS)
        others = max(one["others"], two["others"], ref["others"])
        rows.append({"one": one, "two": two, "ref": ref, "others": others})
        print(f"  repeat {r}: n_jobs=1 {one['wall']:6.2f} s, n_jobs={N_JOBS} {two['wall']:6.2f} s "
              f"({one['wall'] / two['wall']:.2f}x); no-engine reference {one['busy']:6.2f} / {ref['wall']:6.2f} s "
              f"({one['busy'] / ref['wall']:.2f}x); other processes used up to {others:.2f} cores"
              f"{'' if idle else ' (did not go idle)'}; same best_params_: "
              f"{one['best_params'] == two['best_params']}", flush=True)
    start_cost = pool_start_cost(N_JOBS)
    make_executor(N_JOBS).shutdown(wait=True)

    same = all(x["one"]["best_params"] == x["two"]["best_params"] for x in rows)
    same_configs = all(x["one"]["configs"] == x["two"]["configs"] for x in rows)
    clean = [x for x in rows if x["others"] < 0.15]

    def summary(subset: list[dict], title: str) -> None:
        wall1, wall2 = [x["one"]["wall"] for x in subset], [x["two"]["wall"] for x in subset]
        s1, s2 = [x["one"]["search"] for x in subset], [x["two"]["search"] for x in subset]
        busy1, busy2 = [x["one"]["busy"] for x in subset], [x["two"]["busy"] for x in subset]
        ref2 = [x["ref"]["wall"] for x in subset]
        print()
        head = f"{title:<42} {'n_jobs=1':>9} {'n_jobs=2':>9} {'speed-up':>9}"
        print(head)
        print("-" * len(head))
        print(f"{'Tuner.fit wall (search + refit), s':<42} {med(wall1):>9.2f} {med(wall2):>9.2f} "
              f"{med([a / b for a, b in zip(wall1, wall2)]):>8.2f}x")
        print(f"{'search only (fit - refit_time_), s':<42} {med(s1):>9.2f} {med(s2):>9.2f} "
              f"{med([a / b for a, b in zip(s1, s2)]):>8.2f}x")
        print(f"{'reference: same fits, no engine, s':<42} {med(busy1):>9.2f} {med(ref2):>9.2f} "
              f"{med([a / b for a, b in zip(busy1, ref2)]):>8.2f}x")
        print(f"{'sum of trial durations (in workers), s':<42} {med(busy1):>9.2f} {med(busy2):>9.2f} "
              f"{'':>9}")
        util2 = [x["two"]["busy"] / (N_JOBS * x["two"]["search"]) for x in subset]
        in_order = [makespan_in_order(x["two"]["durations"], N_JOBS) for x in subset]
        greedy = [makespan_greedy(x["two"]["durations"], N_JOBS) for x in subset]
        hol = [a / b for a, b in zip(in_order, greedy)]
        print(f"  per-trial slowdown with both cores busy (trial durations n_jobs=2 / n_jobs=1): "
              f"{med([b / a for a, b in zip(busy1, busy2)]):.2f}x")
        print(f"  worker utilisation at n_jobs=2 (trial durations / (2 x search wall)): {med(util2):.0%}")
        print(f"  head-of-line waiting (trials told in asked order), replayed from the measured durations: "
              f"in-order {med(in_order):.2f} s vs greedy {med(greedy):.2f} s, {(med(hol) - 1) * 100:.1f} % longer "
              f"(worst repeat {(max(hol) - 1) * 100:.1f} %)")

    summary(rows, f"all {len(rows)} repeats (median)")
    if clean and len(clean) < len(rows):
        summary(clean, f"{len(clean)} repeats with the machine idle (median)")
    print()
    print(f"refit of the best on all rows (serial, part of Tuner.fit): median {med([x['one']['refit'] for x in rows]):.2f} s")
    print(f"worker start-up measured directly (fresh pool of {N_JOBS}, imports of the trial's modules): "
          f"{start_cost:.2f} s, paid once per process")
    print(f"repeats with other processes under 0.15 cores throughout: {len(clean)} of {len(rows)}")
    print(f"same best_params_ for n_jobs=1 and n_jobs=2 (same random_state): {same} "
          f"(same trials in the same order: {same_configs})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
