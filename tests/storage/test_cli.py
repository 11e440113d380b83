"""``hpo studies``, ``hpo show`` and ``hpo export``."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
import time

import pytest

from hpo import Float, Space, optimize
from hpo.analysis import write_report
from hpo.cli import EXIT_BROKEN_PIPE, main
from hpo.storage import SQLiteStorage, load_study
from hpo.storage.sessions import STALE_AFTER

from .common import SPACE, add_session, bowl, dead_pid


@pytest.fixture
def db(tmp_path):
    path = str(tmp_path / "r.db")

    def objective(config):
        if config["k"] == "b":
            raise ValueError("no b")
        return bowl(config)

    optimize(objective, SPACE, n_trials=12, seed=0, storage=path, study="first")
    optimize(bowl, SPACE, "sobol", n_trials=4, seed=1, storage=path, study="second",
             strategy_options={"max_misses": 100})
    return path


def test_studies_lists_every_study_with_counts(db, capsys):
    assert main(["studies", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:8] == ["study", "strategy", "trials", "ok", "failed", "pruned", "running", "abandoned"]
    first = lines[1].split()
    assert first[:3] == ["first", "auto", "12"] and int(first[3]) + int(first[4]) == 12
    assert lines[2].split()[:4] == ["second", "sobol", "4", "4"]


def test_studies_shows_the_best_at_the_largest_budget_as_load_study_does(tmp_path, capsys):
    path = str(tmp_path / "b.db")

    def loss(config, budget):  # small budgets look better: the lowest loss overall is no best
        return config["x"] ** 2 + budget / 10

    optimize(loss, Space(x=Float(-1, 1)), "halving", seed=0, storage=path, study="s",
             strategy_options={"min_budget": 1, "max_budget": 9})
    study = load_study(path, "s")
    assert study.best_trial.budget == 9 and min(t.value for t in study.trials) < study.best_value
    assert main(["studies", path]) == 0
    row = capsys.readouterr().out.splitlines()[1].split()
    assert float(row[8]) == pytest.approx(study.best_value, rel=1e-5)


def test_show_prints_the_record_and_the_best_trials(db, capsys):
    assert main(["show", db, "second", "--top", "2"]) == 0
    out = capsys.readouterr().out
    assert "strategy   sobol {\"max_misses\": 100}" in out and "seed       1" in out
    assert "versions   python" in out and "scikit-learn" in out
    assert "trials     4 ok (4 in all)" in out and "sessions   1 (1 finished)" in out
    assert "x=Float(-5.0, 5.0)" in out
    best = [line for line in out.splitlines() if line.startswith("  #")]
    assert len(best) == 2 and float(best[0].split()[1]) <= float(best[1].split()[1])


@pytest.mark.parametrize("top", ["0", "-1", "ten"])
def test_show_top_must_be_a_whole_number_of_at_least_one(db, capsys, top):
    with pytest.raises(SystemExit) as exit_:
        main(["show", db, "first", "--top", top])
    assert exit_.value.code == 2 and "argument --top:" in capsys.readouterr().err


def test_export_csv_and_json(db, capsys, tmp_path):
    assert main(["export", db, "first"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [int(r["number"]) for r in rows] == list(range(12))
    assert {r["status"] for r in rows} <= {"ok", "failed"} and "param_x" in rows[0]
    out = tmp_path / "second.json"
    assert main(["export", db, "second", "--format", "json", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["study"]["name"] == "second" and data["study"]["strategy"] == "sobol"
    assert [t["number"] for t in data["trials"]] == [0, 1, 2, 3]


def test_errors_name_the_file_or_the_study_and_create_nothing(db, tmp_path, capsys):
    missing = tmp_path / "missing.db"
    assert main(["studies", str(missing)]) == 2
    assert "missing.db: no such file" in capsys.readouterr().err
    assert not missing.exists()
    assert main(["show", db, "nope"]) == 2
    err = capsys.readouterr().err
    assert "no study named 'nope'" in err and "studies: ['first', 'second']" in err
    foreign = tmp_path / "foreign.db"
    foreign.write_bytes(b"hello" * 1000)
    assert main(["export", str(foreign), "x"]) == 2
    assert "not an SQLite database" in capsys.readouterr().err


# ------------------------------------------------------------ issue 18
def test_sessions_whose_process_is_gone_are_not_shown_running(tmp_path, capsys):
    db = str(tmp_path / "r.db")
    optimize(bowl, SPACE, n_trials=5, seed=0, storage=db, study="s")
    add_session(db, "killed while idle", dead_pid(), "1", last_seen=time.time())
    add_session(db, "silent elsewhere", 1, "1", host="another-host", last_seen=time.time() - 2 * STALE_AFTER,
                running_trial=4)
    add_session(db, "alive elsewhere", 1, "1", host="another-host", last_seen=time.time())
    assert main(["show", db, "s"]) == 0
    out = capsys.readouterr().out
    assert "sessions   4 (2 died, 1 finished, 1 running)" in out
    assert "trials     1 abandoned, 4 ok (5 in all)" in out  # the trial of the silent session runs again
    assert main(["studies", db]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[2:8] == ["5", "4", "0", "0", "0", "1"]
    optimize(bowl, SPACE, n_trials=6, seed=0, storage=db, study="s")  # a new session ends the dead ones
    ends = {s["id"]: s["end_reason"] for s in SQLiteStorage(db).sessions("s")}
    assert ends["killed while idle"] == ends["silent elsewhere"] == "died" and ends["alive elsewhere"] is None


def test_a_session_ended_by_an_error_is_shown_as_error_not_finished(tmp_path, capsys):
    import threading

    from hpo import RepeatedFailureError

    db = str(tmp_path / "r.db")
    lock = threading.Lock()  # an objective hpo's worker processes cannot receive
    with pytest.raises(TypeError, match="cannot be pickled"):
        optimize(lambda c: bowl(c) + lock.locked(), SPACE, n_trials=4, n_jobs=2, seed=0, storage=db, study="s")

    def broken(config):
        raise ValueError("no data")

    with pytest.raises(RepeatedFailureError):
        optimize(broken, SPACE, n_trials=8, seed=0, storage=db, study="s", fail_fast=3)
    assert [s["end_reason"] for s in SQLiteStorage(db).sessions("s")] == ["error", "error"]
    assert main(["show", db, "s"]) == 0
    assert "sessions   2 (2 error)" in capsys.readouterr().out


def test_a_study_name_is_at_most_200_characters_and_a_long_stored_one_still_reports(tmp_path, monkeypatch, capsys):
    db = str(tmp_path / "r.db")
    with pytest.raises(ValueError, match="study: a study name is at most 200 characters, got one of 100,000"):
        optimize(bowl, SPACE, n_trials=2, storage=db, study="n" * 100_000)
    optimize(bowl, SPACE, n_trials=2, seed=0, storage=db, study="n" * 200)
    con = sqlite3.connect(db)  # as an older hpo let it be
    con.execute("UPDATE studies SET name = ?", ("n" * 100_000,))
    con.commit()
    con.close()
    monkeypatch.chdir(tmp_path)
    assert main(["report", db, "n" * 100_000, "--no-plots"]) == 0
    assert (tmp_path / ("n" * 100 + "-report.md")).exists()
    assert main(["report", db, "n" * 100_000, "--no-plots", "--out", "no/such/" + "d" * 300 + "/r.md"]) == 2
    assert "hpo report: cannot write no/such/ddd" in capsys.readouterr().err


def test_control_characters_in_names_are_escaped(tmp_path, capsys):
    db = str(tmp_path / "r.db")
    name = "evil\x1b[2J\nstudy"
    space = Space({"a\x07b": Float(0.0, 1.0), "ok": Float(0.0, 1.0)})
    optimize(lambda c: c["ok"], space, n_trials=3, seed=0, storage=db, study=name)
    for argv in (["studies", db], ["show", db, name], ["show", db, "nope\x1b"]):
        main(argv)
        out, err = capsys.readouterr()
        assert "\x1b" not in out + err and "\x07" not in out + err, argv
    assert main(["show", db, name]) == 0
    out = capsys.readouterr().out
    assert out.startswith("study      'evil\\x1b[2J\\nstudy'  (") and "'a\\x07b': Float(0.0, 1.0)," in out
    assert "'a\\x07b'=0." in out


def test_a_report_goes_to_md_or_html_only(tmp_path, capsys):
    db = str(tmp_path / "r.db")
    optimize(bowl, SPACE, n_trials=3, seed=0, storage=db, study="s")
    for out, fmt in (("x.pdf", None), ("x", None), ("x.md", "html")):
        argv = ["report", db, "s", "--no-plots", "--out", str(tmp_path / out)] + (["--format", fmt] if fmt else [])
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"hpo report: {tmp_path / out}: ") and ("(.md, .markdown)" in err or "'html'" in err)
        assert not (tmp_path / out).exists()
    with pytest.raises(ValueError, match=r"x\.pdf: a report page is Markdown \(\.md, \.markdown\) or HTML"):
        write_report(load_study(db, "s"), str(tmp_path / "x.pdf"))
    assert main(["report", db, "s", "--no-plots", "--out", str(tmp_path / "x.markdown")]) == 0


def test_export_into_a_closed_pipe_ends_quietly(tmp_path):
    db = str(tmp_path / "r.db")
    optimize(bowl, SPACE, n_trials=3, seed=0, storage=db, study="s")
    proc = subprocess.Popen([sys.executable, "-m", "hpo", "export", db, "s"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the first line (as `| head -0`)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == EXIT_BROKEN_PIPE == 141
    assert err == ""


def test_show_lists_each_configuration_once_at_its_largest_budget(tmp_path, capsys):
    db = str(tmp_path / "r.db")
    optimize(lambda c, budget: c["x"] + 1 / budget, SPACE, "asha", n_trials=30, seed=0, storage=db, study="s",
             strategy_options={"min_budget": 1, "max_budget": 9})
    assert main(["show", db, "s", "--top", "10"]) == 0
    out = capsys.readouterr().out
    rows = out.split("distinct configurations")[1].splitlines()[1:]
    configs = [row.split("  ")[-1] for row in rows]
    assert len(rows) == 10 and len(set(configs)) == 10, out
    budgets = [float(row.split("budget ")[1].split()[0]) for row in rows]
    assert budgets == sorted(budgets, reverse=True) and budgets[0] == 9
