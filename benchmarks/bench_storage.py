"""What durability costs: the engine's time per trial with SQLite storage against none, and a resume.

A trivial objective (so that only the engine's own work is timed) is searched
with random search for ``--trials`` trials, without storage (the reference)
and with ``storage="DIR/bench.db"`` (a fresh study each time), one after the
other in each repeat; then the stored study is resumed (re-opened, its log
replayed into a fresh strategy, nothing evaluated). Reported as medians over
``--repeats``: microseconds per trial for both, their difference (what
storage adds per trial: two short write transactions), and the resume time
per stored trial. Also: 4 processes sharing one study (``--processes``),
trials per second in all against one process alone, with the trivial
objective (the storage's lock is all there is to do) and with one that waits
20 ms (sleeps: the processes do not compete for the cores).

Usage::

    python benchmarks/bench_storage.py                  # 2000 trials, 5 repeats (~1 minute)
    python benchmarks/bench_storage.py --trials 5000 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

import hpo
from hpo import Float, Space

SPACE = Space(x=Float(-5.0, 5.0), y=Float(-5.0, 5.0))


def trivial(config: dict) -> float:
    return (config["x"] - 1.0) ** 2 + config["y"]


_WORKER = textwrap.dedent('''
    import sys, time
    import hpo
    from hpo import Float, Space
    space = Space(x=Float(-5.0, 5.0), y=Float(-5.0, 5.0))
    db, n, go, ready, pause = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5])
    import os
    open(ready, "w").close()
    while not os.path.exists(go):
        time.sleep(0.005)
    start = time.time()
    hpo.optimize(lambda c: time.sleep(pause) or (c["x"] - 1.0) ** 2 + c["y"], space, n_trials=n, seed=0,
                 storage=db, study="shared")
    print(start, time.time())
''')


def _shared_rate(directory: str, n_trials: int, n_processes: int, pause: float = 0.0) -> float:
    """Trials per second of ``n_processes`` processes on one study (from the first search's start to the last's end)."""
    db, go, script = (os.path.join(directory, f) for f in ("shared.db", "go", "worker.py"))
    for path in (db, go):
        if os.path.exists(path):
            os.remove(path)
    with open(script, "w") as f:
        f.write(_WORKER)
    hpo.storage.SQLiteStorage(db).close()
    ready = [os.path.join(directory, f"ready{i}") for i in range(n_processes)]
    for path in ready:
        if os.path.exists(path):
            os.remove(path)
    procs = [subprocess.Popen([sys.executable, script, db, str(n_trials), go, r, str(pause)],
                              stdout=subprocess.PIPE, text=True) for r in ready]
    while not all(os.path.exists(r) for r in ready):  # every process has imported hpo
        time.sleep(0.01)
    open(go, "w").close()
    spans = [tuple(map(float, p.communicate()[0].split())) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    wall = max(end for _, end in spans) - min(start for start, _ in spans)  # the searches, not the exits
    assert len(hpo.load_study(db, "shared")) == n_trials
    return n_trials / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--processes", type=int, default=4)
    args = parser.parse_args()
    print(f"hpo {hpo.__version__}, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
          f"{os.cpu_count()} cores")
    rows = []
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "bench.db")
        for r in range(args.repeats):
            t0 = time.perf_counter()
            hpo.optimize(trivial, SPACE, n_trials=args.trials, seed=r)
            plain = (time.perf_counter() - t0) / args.trials
            t0 = time.perf_counter()
            hpo.optimize(trivial, SPACE, n_trials=args.trials, seed=r, storage=db, study=f"s{r}")
            stored = (time.perf_counter() - t0) / args.trials
            t0 = time.perf_counter()
            resumed = hpo.optimize(trivial, SPACE, n_trials=args.trials, seed=r, storage=db, study=f"s{r}")
            resume = (time.perf_counter() - t0) / args.trials
            assert len(resumed) == args.trials
            rows.append((plain, stored, resume))
            print(f"repeat {r}: no storage {plain * 1e6:6.0f} us/trial, SQLite {stored * 1e6:6.0f} us/trial, "
                  f"resume {resume * 1e6:5.0f} us per stored trial")
        med = statistics.median
        one = _shared_rate(d, args.trials // 2, 1)
        many = _shared_rate(d, args.trials // 2, args.processes)
        one_slow = _shared_rate(d, 200, 1, pause=0.02)
        many_slow = _shared_rate(d, 200, args.processes, pause=0.02)
    print(f"\nmedian over {args.repeats} repeats of {args.trials} trials:")
    print(f"  no storage:  {med(r[0] for r in rows) * 1e6:6.0f} us/trial")
    print(f"  SQLite:      {med(r[1] for r in rows) * 1e6:6.0f} us/trial "
          f"(+{med(r[1] - r[0] for r in rows) * 1e6:.0f} us/trial for storage)")
    print(f"  resume:      {med(r[2] for r in rows) * 1e6:6.0f} us per stored trial (open, replay, nothing evaluated)")
    print(f"  one study, trivial objective: 1 process {one:.0f} trials/s, {args.processes} processes {many:.0f} "
          f"trials/s in all (the write lock is the bottleneck: a trial is two transactions)")
    print(f"  one study, an objective that waits 20 ms: 1 process {one_slow:.1f} trials/s, {args.processes} "
          f"processes {many_slow:.1f} trials/s in all (x{many_slow / one_slow:.2f})")


if __name__ == "__main__":
    main()
