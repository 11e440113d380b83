"""``hpo studies``, ``hpo show`` and ``hpo export``."""

from __future__ import annotations

import csv
import io
import json

import pytest

from hpo import optimize
from hpo.cli import main

from .common import SPACE, bowl


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
    assert first[:3] == ["first", "random", "12"] and int(first[3]) + int(first[4]) == 12
    assert lines[2].split()[:4] == ["second", "sobol", "4", "4"]


def test_show_prints_the_record_and_the_best_trials(db, capsys):
    assert main(["show", db, "second", "--top", "2"]) == 0
    out = capsys.readouterr().out
    assert "strategy   sobol {\"max_misses\": 100}" in out and "seed       1" in out
    assert "versions   python" in out and "scikit-learn" in out
    assert "trials     4 ok (4 in all)" in out and "sessions   1 (1 finished)" in out
    assert "x=Float(-5.0, 5.0)" in out
    best = [line for line in out.splitlines() if line.startswith("  #")]
    assert len(best) == 2 and float(best[0].split()[1]) <= float(best[1].split()[1])


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
