"""Trials per minute on a Dask cluster of 2 worker processes against one local worker.

A CPU-bound objective (a pure-Python loop of fixed length, about 0.2 s on
one core, holding the GIL: it cannot use a second thread) is searched with
``hpo.optimize(..., strategy="random")``:

* **local**: ``n_jobs=1``, every evaluation in this process (the reference);
* **dask**: ``executor=client`` on ``LocalCluster(n_workers=2,
  threads_per_worker=1, processes=True)``, trials told as they complete
  (the default on Dask): a new candidate as soon as a worker is free;
* **pool** (for context): ``n_jobs=2``, hpo's own worker processes, trials
  told in asked order.

Each repeat runs the three searches back to back (the cluster and the pool
are started and warmed once, before the first repeat, untimed) and the
speed-up is the ratio of trials per minute within the repeat; the medians
over the repeats are reported. On 2 cores the ideal speed-up is 2. The
machine may be shared: each repeat first waits (up to ``--wait-idle``
seconds) for the cores to be idle, and reports how many cores other
processes used during it (machine busy time from ``psutil`` minus this
process and its children, the Dask workers included).

Usage::

    python benchmarks/bench_dask.py                 # 24 trials per search, 5 repeats (~2 minutes)
    python benchmarks/bench_dask.py --trials 40 --repeats 7 --wait-idle 120
    python benchmarks/bench_dask.py --work 8 --trials 16   # trials of about 0.6-1 s
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import statistics
import time

import hpo
from hpo import Float, Space

SPACE = Space(x=Float(-5.0, 5.0), y=Float(-5.0, 5.0))


def cpu_bound(config: dict, *, n: int = 2_000_000) -> float:
    """A fixed amount of pure-Python work (holds the GIL), then a smooth function of the configuration."""
    acc = 0
    for i in range(n):
        acc += i & 7
    return (config["x"] - 1.0) ** 2 + (config["y"] + 2.0) ** 2 + acc * 0.0


def _our_cpu(psutil) -> float:
    """CPU seconds of this process and all its descendants (the Dask nannies and workers, hpo's pool)."""
    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.Error:
            pass
    return total


def _machine_busy(psutil) -> float:
    t = psutil.cpu_times()
    return t.user + t.nice + t.system + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0) + getattr(t, "steal", 0.0)


def _wait_idle(psutil, max_wait: float) -> None:
    """Wait until other processes use less than a fifth of a core (sampled over 1 s), at most ``max_wait`` s."""
    deadline = time.monotonic() + max_wait
    while time.monotonic() < deadline:
        if psutil.cpu_percent(interval=1.0) * (os.cpu_count() or 1) / 100.0 < 0.2:
            return


def _rate(objective, n_trials: int, **kwargs) -> tuple[float, hpo.Result]:
    start = time.perf_counter()
    result = hpo.optimize(objective, SPACE, "random", n_trials=n_trials, seed=0, **kwargs)
    wall = time.perf_counter() - start
    assert len(result) == n_trials and result.n_ok == n_trials
    return 60.0 * n_trials / wall, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=24, help="trials per search (default 24)")
    parser.add_argument("--repeats", type=int, default=5, help="repeats (default 5)")
    parser.add_argument("--work", type=float, default=2.0,
                        help="the objective's loop length in millions (default 2: about 0.15-0.25 s a trial)")
    parser.add_argument("--wait-idle", type=float, default=60.0,
                        help="seconds to wait at most for idle cores before each repeat (default 60)")
    args = parser.parse_args()
    objective = functools.partial(cpu_bound, n=int(args.work * 1e6))

    import dask
    import distributed
    import psutil
    from distributed import Client, LocalCluster

    print(f"hpo {hpo.__version__}, dask {dask.__version__}, distributed {distributed.__version__}, "
          f"Python {platform.python_version()}, {os.cpu_count()} cores")
    t0 = time.perf_counter()
    one = objective({"x": 0.0, "y": 0.0})
    single = time.perf_counter() - t0
    print(f"one evaluation: {single:.3f} s in this process (value {one:.1f})")
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=40)
    client = Client(cluster)
    try:
        _rate(objective, 4, executor=client)  # warm: workers import hpo, the objective is shipped
        _rate(objective, 4, n_jobs=2)
        rows = []
        for r in range(args.repeats):
            _wait_idle(psutil, args.wait_idle)
            busy0, ours0, t0 = _machine_busy(psutil), _our_cpu(psutil), time.perf_counter()
            local, serial = _rate(objective, args.trials, n_jobs=1)
            on_dask, dask_result = _rate(objective, args.trials, executor=client)
            pool, _ = _rate(objective, args.trials, n_jobs=2)
            wall = time.perf_counter() - t0
            others = max(0.0, (_machine_busy(psutil) - busy0) - (_our_cpu(psutil) - ours0)) / wall
            same = sorted(t.value for t in serial.trials) == sorted(t.value for t in dask_result.trials)
            rows.append((local, on_dask, pool, others, same))
            print(f"repeat {r}: local {local:6.1f}  dask {on_dask:6.1f}  pool {pool:6.1f} trials/min  "
                  f"dask/local {on_dask / local:.2f}  pool/local {pool / local:.2f}  "
                  f"cores used by others {others:.2f}  same trials {same}")
    finally:
        client.close()
        cluster.close()
    med = statistics.median
    print(f"\nmedian over {args.repeats} repeats of {args.trials} trials:")
    print(f"  local (n_jobs=1):          {med(r[0] for r in rows):6.1f} trials/min")
    print(f"  dask (2 worker processes): {med(r[1] for r in rows):6.1f} trials/min   "
          f"speed-up {med(r[1] / r[0] for r in rows):.2f}")
    print(f"  hpo pool (n_jobs=2):       {med(r[2] for r in rows):6.1f} trials/min   "
          f"speed-up {med(r[2] / r[0] for r in rows):.2f}")
    print(f"  cores used by other processes during a repeat: median {med(r[3] for r in rows):.2f}, "
          f"max {max(r[3] for r in rows):.2f}")
    quiet = [r for r in rows if r[3] < 0.25]
    if quiet and len(quiet) < len(rows):
        print(f"  over the {len(quiet)} repeats with a quiet machine: dask speed-up "
              f"{med(r[1] / r[0] for r in quiet):.2f}, pool speed-up {med(r[2] / r[0] for r in quiet):.2f}")
    print(f"  same trials (random strategy) on dask as locally: {all(r[4] for r in rows)}")


if __name__ == "__main__":
    main()
