"""The fault battery: kill, crash, hang, share and corrupt hpo's searches, and count what was lost or left behind.

Every row runs hpo in fresh Python processes (as a user's script runs), does the fault to it, and checks
the outcome from outside. One table, one row per fault:

* **SIGKILL then resume**: a search with ``storage=`` (SQLite) of a write-heavy trivial objective
  (5,000 trials with ``"random"``; 100 with ``"bayes"``, whose Gaussian process would take hours at
  5,000) is killed with SIGKILL at 10 random moments (after a random number of stored trials, plus a
  random 0-30 ms: in an evaluation, a write, a callback), restarted each time, then run to its end.
  *lost*: trials reported finished (a callback runs after the trial is stored) and missing or
  different in the file; *repeated*: finished trials that ran again; *trials*: the final count
  (all ok, numbered 0..n-1); *left alive*: worker processes of a killed search still running 10 s
  after the kill.
* **processes on one study**: 1, 4 and 8 processes start together on one study of 2,000 trials.
  *lost*: trials a process reported finished that are missing; *repeated*: trials reported by two
  processes; *errors*: "database is locked" (or any traceback) on their stderr.
* **worker faults** (``n_jobs=2``, 12 trials, 2 of them faulty): ``os._exit(3)``; a segfault
  (``ctypes.string_at(0)``); a 50 GB allocation (made safe on a shared machine: the objective first
  caps its own address space with ``resource.setrlimit(RLIMIT_AS)`` at 2 GB above what it uses, so
  the allocation fails with ``MemoryError`` instead of swapping the machine); a hang (``sleep(1000)``
  and a child process ``sleep 1000``) with ``trial_timeout=1``; and Ctrl-C (SIGINT) while two
  evaluations hang. *failed*: failed trials (faulty ones); *left alive*: processes that ran a faulty
  evaluation or that it started, still running when the search returned, or 5 s after the
  interpreter exited; *exit*: seconds from the search's return to the interpreter's exit.
* **Dask**: a ``LocalCluster(n_workers=2, processes=True)`` with its default settings; an objective
  that calls ``os._exit(1)`` on 2 of 30 trials, and a search during which both of the cluster's
  original workers are killed (SIGKILL; the nannies restart them), both with ``storage=``.
  *trials*: the trials in the result and in the file (equal, none left "running").
* **files**: a study file corrupted (4 KB of random bytes in its middle), truncated (to half),
  foreign (another application's SQLite database), empty (0 bytes), read-only (``chmod 444``) and in
  a read-only directory (``chmod 555``), opened with ``hpo.load_study`` and ``hpo studies``.
  *errors*: what the user is told; *file*: whether the file (and its folder) is byte-identical
  afterwards (sha256). Running as root, permission bits do not stop writes: the read-only rows then
  check only that reading writes nothing.

*verdict*: "ok" when the row reads 0 lost, 0 repeated, 0 left alive, the search finished (or, for
files, a clear error and the file unchanged); else what broke.

Usage::

    python benchmarks/bench_faults.py            # every row (~15 minutes on 2 cores)
    python benchmarks/bench_faults.py --quick    # fewer trials and kills (~4 minutes)
    python benchmarks/bench_faults.py --only worker,files
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

ROWS = ("sigkill", "processes", "worker", "dask", "files")

# ----------------------------------------------------------------------------- helpers
_SEARCH = textwrap.dedent('''
    import json, os, sys, time
    import hpo

    db, study, strategy, n_trials, n_jobs, go = sys.argv[1:7]
    space = hpo.Space(x=hpo.Float(-5.0, 5.0), y=hpo.Float(-5.0, 5.0))

    def objective(config):  # trivial: the writes are the work
        return {"value": config["x"] ** 2 + config["y"] ** 2, "pid": os.getpid()}

    def report(result, trial):  # runs after the trial is stored
        print(json.dumps({"number": trial.number, "value": trial.value, "pid": trial.metrics.get("pid")}),
              flush=True)

    while go != "-" and not os.path.exists(go):  # start together
        time.sleep(0.01)
    options = {"n_initial": 10} if strategy == "bayes" else None
    result = hpo.optimize(objective, space, strategy, n_trials=int(n_trials), seed=0, n_jobs=int(n_jobs),
                          storage=db, study=study, callbacks=[report], strategy_options=options)
    print(json.dumps({"end": len(result.trials)}), flush=True)
''')


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie does not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _python(script: str, *args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_as_in_a_terminal, **popen)


def _as_in_a_terminal() -> None:
    """In the child before it runs Python: SIGINT at its default, as in a terminal (a shell's background job starts
    with SIGINT ignored, and Python then never raises KeyboardInterrupt: Ctrl-C could not be tested)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _reports(lines):
    """The JSON reports among ``lines`` (read as they come: ``lines`` may be a pipe)."""
    for line in lines:
        if line.startswith("{"):
            try:
                yield json.loads(line)
            except ValueError:  # a line cut by the kill
                pass


def _stored(db: str, study: str) -> list:
    from hpo.storage import SQLiteStorage

    store = SQLiteStorage(db)
    try:
        return store.trial_rows(study)
    finally:
        store.close()


def _row(fault, setup, *, trials="", lost="", repeated="", failed="", errors="", left="", exit_s="", file="",
         verdict="ok") -> dict:
    return dict(fault=fault, setup=setup, trials=trials, lost=lost, repeated=repeated, failed=failed, errors=errors,
                left=left, exit=exit_s, file=file, verdict=verdict)


def _verdict(problems: list[str]) -> str:
    return "ok" if not problems else "; ".join(problems)


def _wait_gone(pids, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while True:
        alive = [p for p in pids if _alive(p)]
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.1)


def _kill_all(pids) -> None:
    for pid in pids:
        if _alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


# ----------------------------------------------------------------------------- SIGKILL then resume
def sigkill_row(folder: str, strategy: str, n_jobs: int, n_trials: int, kills: int, seed: int = 0) -> dict:
    """Kill a durable search ``kills`` times at random moments, resume it each time, and count the damage."""
    rng = random.Random(seed)
    db, study = os.path.join(folder, f"kill-{strategy}-{n_jobs}.db"), "s"
    reported: dict[int, float] = {}
    repeated: set[int] = set()
    left: list[int] = []
    for k in range(kills + 1):
        proc = _python(_SEARCH, db, study, strategy, str(n_trials), str(n_jobs), "-")
        seen_here: set[int] = set()
        pids: set[int] = set()
        remaining = n_trials - len(reported)
        target = None if k == kills else rng.randint(1, max(1, 2 * remaining // (kills - k + 1)))
        for r in _reports(proc.stdout):
            if "number" not in r:
                continue
            if r["number"] in reported and r["number"] not in seen_here:
                repeated.add(r["number"])
            seen_here.add(r["number"])
            reported[r["number"]] = r["value"]
            if r["pid"] is not None and r["pid"] != proc.pid:
                pids.add(r["pid"])
            if target is not None and len(seen_here) >= target:
                time.sleep(rng.uniform(0.0, 0.03))
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait(timeout=600)
        err = proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
        if target is None and proc.returncode != 0:
            return _row("SIGKILL then resume", f"{strategy}, n_jobs={n_jobs}", errors=err.strip().splitlines()[-1],
                        verdict="the resumed search failed")
        left += _wait_gone(pids, 10.0)
    rows = _stored(db, study)
    stored = {r.number: r.value for r in rows}
    lost = [n for n, v in reported.items() if stored.get(n) != v]
    problems = []
    if lost:
        problems.append(f"{len(lost)} lost")
    if repeated:
        problems.append(f"{len(repeated)} repeated")
    if [r.number for r in rows] != list(range(n_trials)) or {r.state for r in rows} != {"ok"}:
        problems.append("final trials not 0..n-1 all ok")
    if left:
        problems.append(f"{len(left)} workers left")
        _kill_all(left)
    return _row("SIGKILL then resume", f"{strategy}, n_jobs={n_jobs}, {kills} kills", trials=len(rows),
                lost=len(lost), repeated=len(repeated), left=len(left) if n_jobs > 1 else "-",
                verdict=_verdict(problems))


# ----------------------------------------------------------------------------- processes on one study
def processes_row(folder: str, n_processes: int, n_trials: int) -> dict:
    db, go = os.path.join(folder, f"shared-{n_processes}.db"), os.path.join(folder, f"go-{n_processes}")
    procs = [_python(_SEARCH, db, "s", "random", str(n_trials), "1", go) for _ in range(n_processes)]
    time.sleep(1.0)
    open(go, "w").close()
    outs = [p.communicate(timeout=900) for p in procs]
    numbers = [r["number"] for out, _ in outs for r in _reports(out.splitlines()) if "number" in r]
    locked = sum(err.count("database is locked") for _, err in outs)
    tracebacks = sum(err.count("Traceback") for _, err in outs)
    rows = _stored(db, "s")
    stored = {r.number for r in rows if r.state == "ok"}
    lost = len(set(numbers) - stored)
    repeated = len(numbers) - len(set(numbers))
    problems = [f"{p.returncode} exit code" for p in procs if p.returncode != 0]
    if lost:
        problems.append(f"{lost} lost")
    if repeated:
        problems.append(f"{repeated} repeated")
    if locked or tracebacks:
        problems.append(f"{locked} locked, {tracebacks} tracebacks")
    if sorted(stored) != list(range(n_trials)):
        problems.append(f"{len(stored)} of {n_trials} stored")
    return _row("processes on one study", f"{n_processes} process{'es' if n_processes > 1 else ''}, {n_trials} trials", trials=len(rows), lost=lost,
                repeated=repeated, errors=f"{locked} locked", verdict=_verdict(problems))


# ----------------------------------------------------------------------------- worker faults
_WORKER = textwrap.dedent('''
    import json, os, subprocess, sys, time, warnings
    import hpo
    from hpo.executors import reusable_pool

    fault, folder = sys.argv[1], sys.argv[2]
    space = hpo.Space(x=hpo.Float(-5.0, 5.0))
    # random search: the faulty configurations are known in advance (an adaptive strategy's depend on n_jobs)
    xs = [t.config["x"] for t in hpo.optimize(lambda c: 0.0, space, "random", n_trials=12, seed=0).trials]
    faulty = set(sorted(xs)[:2])

    def tell(*pids):  # the processes a faulty evaluation leaves: the parent checks they are gone
        open(os.path.join(folder, "-".join(map(str, pids))), "w").close()

    def objective(config):
        if config["x"] not in faulty:
            time.sleep(0.05)
            return {"value": config["x"], "pid": os.getpid()}
        tell(os.getpid())
        if fault == "os._exit":
            os._exit(3)
        if fault == "segfault":
            import ctypes
            ctypes.string_at(0)
        if fault == "50 GB":
            import resource
            used = os.sysconf("SC_PAGE_SIZE") * int(open("/proc/self/statm").read().split()[0])
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            resource.setrlimit(resource.RLIMIT_AS, (used + 2 * 1024 ** 3, hard))
            try:
                bytearray(50 * 1024 ** 3)
            finally:
                resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        if fault in ("hang", "ctrl-c"):
            child = subprocess.Popen(["sleep", "1000"])
            tell(os.getpid(), child.pid)
            time.sleep(1000)
        return config["x"]

    warnings.simplefilter("ignore")
    timeout = 1.0 if fault == "hang" else None
    try:
        result = hpo.optimize(objective, space, "random", n_trials=12, seed=0, n_jobs=2, trial_timeout=timeout)
    except KeyboardInterrupt as stop:  # Ctrl-C goes on as hpo.SearchInterrupted, holding the finished trials
        result = stop.result
    busy = [w.process.pid for w in reusable_pool(2)._workers if w.task is not None]
    print(json.dumps({"returned": time.time(), "statuses": [t.status for t in result.trials],
                      "errors": sorted({(t.error or "").split(":")[0] for t in result.trials if t.error}),
                      "interrupted": result.interrupted, "busy": busy,
                      "pids": sorted({t.metrics.get("pid") for t in result.trials if t.metrics.get("pid")})}),
          flush=True)
''')


def _pids_in(folder: str) -> list[int]:
    return [int(p) for name in os.listdir(folder) for p in name.split("-")]


def worker_row(folder: str, fault: str) -> dict:
    sub = tempfile.mkdtemp(dir=folder)
    proc = _python(_WORKER, fault, sub)
    try:
        if fault == "ctrl-c":
            deadline = time.monotonic() + 300
            while not any("-" in name for name in os.listdir(sub)) and time.monotonic() < deadline \
                    and proc.poll() is None:
                time.sleep(0.05)  # a faulty evaluation hangs, with its child
            time.sleep(0.5)
            proc.send_signal(signal.SIGINT)
        watchdog = threading.Timer(600, proc.kill)  # a search that never returns is a row, not a hung battery
        watchdog.start()
        line = proc.stdout.readline()
        watchdog.cancel()
        if not line:
            proc.wait(timeout=60)
            return _row("worker fault", fault, errors=proc.stderr.read().strip().splitlines()[-1][:80],
                        verdict="the search did not return")
        report = json.loads(line)
        # a hanging evaluation's worker and child must be gone when the search returns; a worker that survived
        # its fault (MemoryError) is an idle worker of the pool, which must be gone when the interpreter exits
        left_at_return = [p for p in _pids_in(sub) if _alive(p)] if fault in ("hang", "ctrl-c") else []
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        exited = time.time()
        left_after_exit = _wait_gone(_pids_in(sub) + report["pids"], 5.0)
    finally:
        proc.kill()
        _kill_all(_pids_in(sub))
        proc.communicate()
    failed = report["statuses"].count("failed")
    expected_failed = 0 if fault == "ctrl-c" else 2
    problems = []
    if fault == "ctrl-c":
        if not report["interrupted"]:
            problems.append("not interrupted")
    elif len(report["statuses"]) != 12:
        problems.append(f"{len(report['statuses'])} of 12 trials")
    if failed != expected_failed:
        problems.append(f"{failed} failed")
    left = sorted(set(left_at_return) | set(left_after_exit) | set(report["busy"]))
    if left:
        problems.append(f"{len(left)} processes left alive")
    exit_s = exited - report["returned"]
    if exit_s > 10:
        problems.append(f"exit after {exit_s:.0f} s")
    setup = "n_jobs=2, trial_timeout=1" if fault == "hang" else "n_jobs=2"
    return _row("worker " + fault, setup, trials=len(report["statuses"]), failed=failed,
                errors=", ".join(report["errors"]) or "-", left=len(left), exit_s=f"{exit_s:.1f}",
                verdict=_verdict(problems))


# ----------------------------------------------------------------------------- Dask
_DASK = textwrap.dedent('''
    import json, os, signal, sys, time, warnings
    import distributed, hpo
    from hpo.storage import SQLiteStorage

    how, db = sys.argv[1], sys.argv[2]
    if __name__ == "__main__":
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=60)
        client = distributed.Client(cluster)
        space = hpo.Space(x=hpo.Float(0.0, 1.0))
        xs = [t.config["x"] for t in hpo.optimize(lambda c: 0.0, space, "random", n_trials=30, seed=0).trials]
        faulty = set(sorted(xs)[:2]) if how == "os._exit" else set()
        first = set(client.run(os.getpid).values())

        def objective(config):
            time.sleep(0.1)
            if config["x"] in faulty:
                os._exit(1)
            return config["x"]

        def kill_the_workers(result, trial):
            if how == "kill workers" and len(result) == 5:
                for pid in first:
                    os.kill(pid, signal.SIGKILL)

        try:
            result = hpo.optimize(objective, space, "random", n_trials=30, seed=0, executor=client, storage=db,
                                  study="s",
                                  callbacks=[kill_the_workers])
            out = {"statuses": [t.status for t in result.trials],
                   "errors": sorted({(t.error or "").split(":")[0] for t in result.trials if t.error})}
        except Exception as exc:
            out = {"raised": f"{type(exc).__name__}: {exc}".splitlines()[0][:100]}
        store = SQLiteStorage(db)
        out["stored"] = [r.state for r in store.trial_rows("s")]
        store.close()
        print(json.dumps(out), flush=True)
        client.close()
        cluster.close()
''')


def dask_row(folder: str, how: str) -> dict:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return _row("Dask", how, verdict="skipped: distributed is not installed")
    db = os.path.join(folder, f"dask-{how.replace(' ', '-')}.db")
    proc = _python(_DASK, how, db)
    try:
        out, err = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return _row("Dask", how, errors="no result in 300 s", verdict="the search hung")
    reports = list(_reports(out.splitlines()))
    if not reports:
        return _row("Dask", how, errors=(err.strip().splitlines() or ["?"])[-1][:80], verdict="the script failed")
    report = reports[-1]
    if "raised" in report:
        return _row("Dask", how, errors=report["raised"], trials=f"{len(report['stored'])} stored",
                    verdict="the search raised")
    statuses = report["statuses"]
    failed = statuses.count("failed")
    problems = []
    if len(statuses) != 30:
        problems.append(f"{len(statuses)} of 30 trials")
    if report["stored"] != statuses:
        problems.append("the file differs from the result")
    expected = 2 if how == "os._exit" else 0
    if failed > expected:
        problems.append(f"{failed} failed")
    return _row("Dask worker death", f"LocalCluster(2), {how}", trials=f"{len(statuses)} ({len(report['stored'])} stored)",
                failed=failed, errors=", ".join(report["errors"]) or "-", verdict=_verdict(problems))


# ----------------------------------------------------------------------------- files
def _sha(folder: str) -> dict:
    """The sha256 of every file in ``folder``."""
    out = {}
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as f:
            out[name] = hashlib.sha256(f.read()).hexdigest()
    return out


def _load(path: str) -> str:
    """What ``hpo.load_study`` says of ``path``."""
    import hpo

    try:
        return f"loaded {len(hpo.load_study(path, 's').trials)} trials"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".splitlines()[0]


def _make_study(path: str) -> None:
    import hpo

    hpo.optimize(lambda c: c["x"] ** 2, hpo.Space(x=hpo.Float(-1.0, 1.0)), n_trials=5, seed=0, storage=path,
                 study="s")


def file_row(folder: str, kind: str) -> dict:
    sub = tempfile.mkdtemp(dir=folder)
    path = os.path.join(sub, "study.db")
    if kind in ("corrupted", "truncated", "read-only", "read-only folder"):
        _make_study(path)
        for extra in ("-wal", "-shm"):
            if os.path.exists(path + extra):
                os.remove(path + extra)
        size = os.path.getsize(path)
        if kind == "corrupted":
            with open(path, "r+b") as f:
                f.seek(size // 2)
                f.write(random.Random(0).randbytes(4096))
        elif kind == "truncated":
            with open(path, "r+b") as f:
                f.truncate(size // 2)
        elif kind == "read-only":
            os.chmod(path, 0o444)
    elif kind == "foreign":
        db = sqlite3.connect(path)
        db.execute("create table customers (id integer primary key, name text)")
        db.execute("insert into customers (name) values ('Ada')")
        db.commit()
        db.close()
    elif kind == "empty":
        open(path, "w").close()
    if kind == "read-only folder":
        os.chmod(sub, 0o555)
    before = _sha(sub)
    texts = []
    try:
        texts.append("load_study: " + _load(path))
        cli = subprocess.run([sys.executable, "-m", "hpo", "studies", path], capture_output=True, text=True,
                             timeout=120)
        if cli.returncode == 0:
            said = "lists the study" if " s " in f" {cli.stdout} " else (cli.stdout.strip().splitlines() or [""])[0]
        else:
            said = (cli.stderr.strip().splitlines() or [""])[-1]
        texts.append(f"hpo studies (exit {cli.returncode}): {said}")
        after = _sha(sub)
    finally:
        os.chmod(sub, 0o755)
    unchanged = after == before
    problems = [] if unchanged else [f"the file changed ({', '.join(sorted(set(after) ^ set(before))) or 'content'})"]
    if kind in ("read-only", "read-only folder") and not texts[0].startswith("load_study: loaded"):
        problems.append("a valid study was not readable")
    note = " (as root)" if kind.startswith("read-only") and os.geteuid() == 0 else ""
    texts = [t.replace(path, "FILE")[:110] for t in texts]
    return _row("file", kind + note, errors=" / ".join(texts), file="unchanged" if unchanged else "CHANGED",
                verdict=_verdict(problems))


# ----------------------------------------------------------------------------- the table
def run(only=ROWS, quick: bool = False, folder: str | None = None) -> list[dict]:
    """Run the battery (the groups in ``only``) and return its rows."""
    own = folder is None
    folder = folder or tempfile.mkdtemp(prefix="hpo-faults-")
    rows: list[dict] = []
    try:
        if "sigkill" in only:
            kills = 3 if quick else 10
            for strategy, n_trials in (("random", 1000 if quick else 5000), ("bayes", 40 if quick else 100)):
                for n_jobs in (1, 2):
                    rows.append(sigkill_row(folder, strategy, n_jobs, n_trials, kills))
                    print(_line(rows[-1]), file=sys.stderr, flush=True)
        if "processes" in only:
            for n in (1, 4, 8):
                rows.append(processes_row(folder, n, 500 if quick else 2000))
                print(_line(rows[-1]), file=sys.stderr, flush=True)
        if "worker" in only:
            for fault in ("os._exit", "segfault", "50 GB", "hang", "ctrl-c"):
                rows.append(worker_row(folder, fault))
                print(_line(rows[-1]), file=sys.stderr, flush=True)
        if "dask" in only:
            for how in ("os._exit", "kill workers"):
                rows.append(dask_row(folder, how))
                print(_line(rows[-1]), file=sys.stderr, flush=True)
        if "files" in only:
            for kind in ("corrupted", "truncated", "foreign", "empty", "read-only", "read-only folder"):
                rows.append(file_row(folder, kind))
                print(_line(rows[-1]), file=sys.stderr, flush=True)
    finally:
        if own:
            for root, dirs, _ in os.walk(folder):
                for d in dirs:
                    os.chmod(os.path.join(root, d), 0o755)
            shutil.rmtree(folder, ignore_errors=True)
    return rows


_COLUMNS = ("fault", "setup", "trials", "lost", "repeated", "failed", "errors", "left", "exit", "file", "verdict")
_HEADERS = ("fault", "setup", "trials", "lost", "repeated", "failed", "errors / what the user is told",
            "left alive", "exit (s)", "file", "verdict")


def _line(row: dict) -> str:
    return "| " + " | ".join(str(row[c]).replace("|", "/") for c in _COLUMNS) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer trials and kills (~4 minutes)")
    parser.add_argument("--only", default=",".join(ROWS), help=f"comma-separated groups of rows: {', '.join(ROWS)}")
    args = parser.parse_args()
    only = tuple(args.only.split(","))
    unknown = set(only) - set(ROWS)
    if unknown:
        parser.error(f"unknown groups {sorted(unknown)}; choose from {', '.join(ROWS)}")
    import hpo

    print(f"# hpo {hpo.__version__}, Python {platform.python_version()}, {os.cpu_count()} cores, "
          f"{'quick' if args.quick else 'full'} battery", flush=True)
    rows = run(only, quick=args.quick)
    print("| " + " | ".join(_HEADERS) + " |")
    print("|" + "---|" * len(_HEADERS))
    for row in rows:
        print(_line(row))


if __name__ == "__main__":
    main()
