"""A study file is data: opening, showing, exporting, reporting or plotting one never imports or calls what it names."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

import hpo
from hpo import Float, Space, optimize
from hpo.cli import main
from hpo.storage import load_study

PLANTED = "planted_by_a_study_file"


def to_c(config: dict) -> dict:
    """A function mapping (module level, so that it has a name to store)."""
    return {"C": 10 ** config["log_c"]}


def _name_function(db: str, function: str) -> None:
    """Make the stored space of study "s" name ``function`` as its ``to_params`` (as a forged file would)."""
    con = sqlite3.connect(db)
    space = json.loads(con.execute("SELECT space FROM studies WHERE name = 's'").fetchone()[0])
    space["to_params"] = {"function": function}
    con.execute("UPDATE studies SET space = ? WHERE name = 's'", (json.dumps(space),))
    con.commit()
    con.close()


@pytest.fixture
def forged(tmp_path, monkeypatch):
    """A study whose space names ``subprocess:getoutput`` with a parameter named like a shell command,
    and a folder that also holds a planted module (importable from there, as ``python -m`` makes the cwd)."""
    marker = tmp_path / "pwned"
    command = f"touch {marker}"
    db = str(tmp_path / "r.db")
    optimize(lambda c: c[command], Space({command: Float(0.0, 1.0)}), n_trials=3, seed=0, storage=db, study="s")
    _name_function(db, "subprocess:getoutput")
    (tmp_path / f"{PLANTED}.py").write_text(
        f"open({str(marker)!r}, 'w').close()\ndef to_params(config):\n    return config\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return db, marker


def test_best_params_of_a_forged_study_runs_no_command(forged):
    db, marker = forged
    with pytest.warns(RuntimeWarning, match="subprocess:getoutput, which the file names but a study file never "
                                            "imports: best_params needs to_params="):
        result = load_study(db, "s")
    assert len(result) == 3 and result.best_config == dict(result.best_trial.config)
    with pytest.raises(ValueError, match="subprocess:getoutput, stored by name only"):
        result.best_params
    assert not marker.exists()


def test_no_read_path_imports_a_module_the_file_names(forged, capsys):
    db, marker = forged
    _name_function(db, f"{PLANTED}:to_params")
    with pytest.warns(RuntimeWarning, match="best_params needs to_params="):
        load_study(db, "s")
    for argv in (["studies", db], ["show", db, "s"], ["export", db, "s"], ["export", db, "s", "--format", "json"],
                 ["report", db, "s", "--no-plots", "--out", "r.md"], ["plot", db, "s", "--out", "plots"]):
        assert main(argv) == 0, argv
    out, err = capsys.readouterr()
    assert f"to_params={PLANTED}:to_params" in out  # hpo show names it
    assert "best_params needs to_params" not in err  # the commands print no mapped parameters: no warning
    assert PLANTED not in sys.modules and not marker.exists()


@pytest.mark.slow
def test_python_m_hpo_show_imports_nothing_beside_the_file(forged):
    db, marker = forged
    _name_function(db, f"{PLANTED}:to_params")
    for command in (["show", db, "s"], ["report", db, "s", "--no-plots", "--out", "r.md"]):
        done = subprocess.run([sys.executable, "-m", "hpo", *command], capture_output=True, text=True, timeout=120,
                              cwd=os.path.dirname(db), env={**os.environ, "PYTHONPATH": os.getcwd() + os.pathsep
                                                            + os.environ.get("PYTHONPATH", "")})
        assert done.returncode == 0, done.stderr
    assert not marker.exists()


def test_to_params_given_to_load_study_maps_the_best_configuration(tmp_path):
    db = str(tmp_path / "r.db")
    space = Space(log_c=Float(-3.0, 3.0), to_params=to_c)
    run = optimize(lambda c: (c["log_c"] - 1) ** 2, space, n_trials=6, seed=0, storage=db, study="s")
    assert hpo.load_study(db, "s", to_params=to_c).best_params == run.best_params == to_c(run.best_config)


def test_a_study_with_a_function_mapping_resumes_with_the_live_space(tmp_path):
    db = str(tmp_path / "r.db")
    space = Space(log_c=Float(-3.0, 3.0), to_params=to_c)
    objective = lambda c: (c["log_c"] - 1) ** 2  # noqa: E731
    optimize(objective, space, n_trials=4, seed=0, storage=db, study="s")
    resumed = optimize(objective, space, n_trials=7, seed=0, storage=db, study="s")
    assert [t.number for t in resumed.trials] == list(range(7))
    assert resumed.best_params == to_c(resumed.best_config)
    assert [t.value for t in resumed.trials] == [t.value for t in load_study(db, "s", to_params=to_c).trials]
