"""Several processes on one study, and a search process killed with SIGKILL then resumed."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from hpo import optimize
from hpo.storage import SQLiteStorage

from .common import SPACE, bowl, facts

_SCRIPT = textwrap.dedent('''
    import json, os, sys, time
    import hpo
    from tests.storage.common import SPACE, bowl

    db, study, n_trials, n_jobs, pause, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), \\
        float(sys.argv[5]), sys.argv[6]

    def objective(config):
        time.sleep(pause)
        return bowl(config)

    def report(result, trial):  # after the trial is stored: what the parent may rely on
        print(json.dumps({"number": trial.number, "value": trial.value}), flush=True)

    if go != "-":
        open(f"{go}.ready.{os.getpid()}", "w").close()  # imported hpo: ready to start
    while go != "-" and not os.path.exists(go):  # start together
        time.sleep(0.01)
    result = hpo.optimize(objective, SPACE, "random", n_trials=n_trials, seed=0, n_jobs=n_jobs,
                          storage=db, study=study, callbacks=[report])
    print(json.dumps({"end": len(result.trials)}), flush=True)
''')


def _start(tmp_path, db, study, n_trials, n_jobs=1, pause=0.0, go="-"):
    script = tmp_path / "search.py"
    script.write_text(_SCRIPT)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen(
        [sys.executable, str(script), str(db), study, str(n_trials), str(n_jobs), str(pause), str(go)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def _reports(lines):
    return [json.loads(line) for line in lines if line.startswith("{")]


@pytest.mark.slow
def test_four_processes_share_one_study_without_losing_or_repeating_a_trial(tmp_path):
    db, go = tmp_path / "shared.db", tmp_path / "go"
    SQLiteStorage(str(db)).close()
    # 40 ms a trial: about 10 s of work each, so a process that opens the study a few seconds late (a loaded CI
    # machine) still finds trials left
    procs = [_start(tmp_path, db, "shared", 1000, pause=0.04, go=go) for _ in range(4)]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("go.ready.*"))) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)  # every process has imported hpo: a slow start must not leave one without trials
    go.write_text("")
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err
    finished = [[r["number"] for r in _reports(out.splitlines()) if "number" in r] for out, _ in outs]
    assert all(finished), f"a process ran no trial: {[len(f) for f in finished]}"
    numbers = [n for f in finished for n in f]
    assert sorted(numbers) == list(range(1000)), "a trial was lost or counted twice"
    stored = SQLiteStorage(str(db)).trial_rows("shared")
    assert [r.number for r in stored] == list(range(1000)) and {r.state for r in stored} == {"ok"}
    assert all(r.attempts == 1 for r in stored)
    # one logical strategy: the shared study asked exactly what one process alone would have
    alone = optimize(bowl, SPACE, "random", n_trials=1000, seed=0)
    assert [(r.number, r.config, r.value) for r in stored] == [(t.number, t.config, t.value) for t in alone.trials]
    sessions = SQLiteStorage(str(db)).sessions("shared")
    assert len(sessions) == 4 and all(s["end_reason"] == "finished" for s in sessions)


@pytest.mark.slow
@pytest.mark.parametrize("n_jobs, kills", [(1, 3), (2, 1)])
def test_sigkill_at_random_points_then_resume_loses_no_finished_trial(tmp_path, n_jobs, kills):
    db = tmp_path / "killed.db"
    n_trials = 40
    rng = random.Random(n_jobs)
    reported: dict[int, float] = {}
    for _ in range(kills):
        proc = _start(tmp_path, db, "s", n_trials, n_jobs=n_jobs, pause=0.02)
        target = len(reported) + rng.randint(3, 8)
        for line in proc.stdout:
            for r in _reports([line]):
                if "number" in r:
                    reported[r["number"]] = r["value"]
            if len(reported) >= target:
                time.sleep(rng.uniform(0.0, 0.03))  # land anywhere: in an evaluation, a write, a callback
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        proc.stdout.close()
        proc.stderr.close()
        assert proc.returncode == -signal.SIGKILL
        stored = {t.number: t.value for t in SQLiteStorage(str(db)).trials("s")}
        missing = {n: v for n, v in reported.items() if stored.get(n) != v}
        assert not missing, f"trials reported finished but not stored: {missing}"
    assert len(reported) < n_trials
    proc = _start(tmp_path, db, "s", n_trials, n_jobs=n_jobs)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    store = SQLiteStorage(str(db))
    rows = store.trial_rows("s")
    assert [r.number for r in rows] == list(range(n_trials)) and {r.state for r in rows} == {"ok"}
    assert any(r.attempts > 1 for r in rows), "no trial was running at a kill (kill points too early?)"
    assert {s["end_reason"] for s in store.sessions("s")} == {"died", "finished"}
    assert all(store.trials("s")[n].value == v for n, v in reported.items())
    alone = optimize(bowl, SPACE, "random", n_trials=n_trials, seed=0)
    assert facts(_result(store)) == facts(alone), "the resumed study differs from an uninterrupted search"


def _result(store):
    from hpo.storage import load_study

    return load_study(store, "s")
