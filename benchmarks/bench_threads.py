"""Threads inside parallel workers: ``Tuner(HistGradientBoostingClassifier, n_jobs=2)`` with its workers' OpenMP
and BLAS threads capped (hpo's default) and uncapped, with and without busy neighbours.

A ``HistGradientBoostingClassifier(max_iter=100)`` (OpenMP inside) is tuned over its learning rate and
number of leaves on a 5,000 x 20 ``make_classification``, 12 trials, ``n_jobs=2``, holdout validation,
refit on all rows. Each repeat runs, back to back and in the same conditions:

* **capped** (hpo's default): each of the 2 worker processes may use ``cores // 2`` threads
  (``result.inner_threads``; 1 on 2 cores);
* **uncapped**: the workers may use every core (their ``OMP_NUM_THREADS``... set to the cores, as
  without hpo's cap: 2 workers x all cores threads);
* **all 1**: capped workers, and the refit in this process limited to 1 thread too (what
  ``OMP_NUM_THREADS=1`` for the whole program gives).

once on the machine as it is ("quiet") and once next to 2 busy-loop processes started by this script
("busy neighbours": on 2 cores, two other processes that want a core each). Reported: medians over the
repeats of the wall time of the search (``fit`` minus ``refit_time_``: what the cap is about), of the
refit, and of the whole ``fit``; the ratio uncapped / capped (and all 1 / capped) of each repeat's
times, median. The machine may be shared: the cores other processes used meanwhile are reported too
(the neighbours started here are not counted there).

Usage::

    python benchmarks/bench_threads.py              # 3 repeats (~6 minutes on 2 cores)
    python benchmarks/bench_threads.py --quick      # 1 repeat
    python benchmarks/bench_threads.py --repeats 5
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import sys
import time

import joblib
import sklearn
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

import hpo
from hpo import Float, Int, Space, Tuner

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_parallel import LoadGauge  # noqa: E402 - cores used by other processes meanwhile

N_JOBS = 2
N_TRIALS = 12
#: The variables that set a worker process's OpenMP and BLAS threads (hpo.executors sets the same).
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
SETUPS = ("capped", "uncapped", "all 1")


def _busy_loop() -> None:
    while True:
        pass


def _search(setup: str, X, y, seed: int) -> tuple[float, float, int | None]:
    """One Tuner.fit in ``setup``: (search seconds, refit seconds, inner threads of the workers)."""
    saved = {var: os.environ.get(var) for var in THREAD_VARS}
    try:
        if setup == "uncapped":  # a worker pool of its own, whose workers may use every core
            os.environ.update({var: str(joblib.cpu_count()) for var in THREAD_VARS})
        tuner = Tuner(HistGradientBoostingClassifier(max_iter=100, random_state=0),
                      Space(learning_rate=Float(0.01, 0.3, log=True), max_leaf_nodes=Int(8, 64)),
                      n_trials=N_TRIALS, n_jobs=N_JOBS, random_state=seed)
        start = time.perf_counter()
        if setup == "all 1":
            with threadpool_limits(1):
                tuner.fit(X, y)
        else:
            tuner.fit(X, y)
        wall = time.perf_counter() - start
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value
    return wall - tuner.refit_time_, tuner.refit_time_, tuner.result_.inner_threads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1 repeat")
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    X, y = make_classification(n_samples=5000, n_features=20, n_informative=10, random_state=0)
    print(f"# hpo {hpo.__version__}, scikit-learn {sklearn.__version__}, Python {platform.python_version()}, "
          f"{joblib.cpu_count()} cores; {N_TRIALS} trials, n_jobs={N_JOBS}, {repeats} repeats", flush=True)
    for setup in SETUPS:  # untimed: start both worker pools, import what a trial needs
        _search(setup, X, y, seed=-1 % 2**31)
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    inner: dict[str, int | None] = {}
    others: dict[str, list[float]] = {"quiet": [], "busy neighbours": []}
    for repeat in range(repeats):
        for load in ("quiet", "busy neighbours"):
            neighbours = []
            if load == "busy neighbours":
                ctx = multiprocessing.get_context("spawn")
                neighbours = [ctx.Process(target=_busy_loop, daemon=True) for _ in range(2)]
                for p in neighbours:
                    p.start()
                time.sleep(1.0)  # let them start spinning
            try:
                with LoadGauge() as gauge:
                    for setup in SETUPS:
                        search, refit, inner[setup] = _search(setup, X, y, seed=repeat)
                        times.setdefault((load, setup), []).append((search, refit))
                        print(f"  repeat {repeat} {load:15s} {setup:9s} search {search:6.2f} s  refit {refit:6.2f} s",
                              flush=True)
            finally:
                for p in neighbours:
                    p.kill()
                    p.join()
            others[load].append(gauge.others)
    print(f"\ninner threads of each worker: capped {inner['capped']}, uncapped {inner['uncapped']}\n")
    print("| load | workers | search (s) | refit (s) | fit (s) | search vs capped | fit vs capped |")
    print("|---|---|---|---|---|---|---|")
    for load in ("quiet", "busy neighbours"):
        base = times[(load, "capped")]
        for setup in SETUPS:
            rows = times[(load, setup)]
            search = statistics.median(s for s, _ in rows)
            refit = statistics.median(r for _, r in rows)
            fit = statistics.median(s + r for s, r in rows)
            vs_search = statistics.median(s / b for (s, _), (b, _) in zip(rows, base))
            vs_fit = statistics.median((s + r) / (bs + br) for (s, r), (bs, br) in zip(rows, base))
            print(f"| {load} | {setup} | {search:.2f} | {refit:.2f} | {fit:.2f} | {vs_search:.2f} | {vs_fit:.2f} |")
    print(f"\ncores used by other processes meanwhile (median): quiet {statistics.median(others['quiet']):.2f}, "
          f"busy neighbours {statistics.median(others['busy neighbours']):.2f} (the 2 neighbours not counted)")


if __name__ == "__main__":
    main()
