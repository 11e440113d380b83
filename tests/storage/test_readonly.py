"""Reading a study never writes: every read path leaves the file, and its directory, as they were."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from hpo import optimize
from hpo.benchmarking.report import build_report
from hpo.benchmarking.store import RunStore
from hpo.cli import main
from hpo.storage import SQLiteStorage, StorageError, load_study

from .common import SPACE, bowl

#: Every command that reads a study storage (``{db}``: its path).
READ_COMMANDS = {
    "studies": ["studies", "{db}"],
    "show": ["show", "{db}", "s"],
    "export": ["export", "{db}", "s"],
    "export-json": ["export", "{db}", "s", "--format", "json"],
    "report": ["report", "{db}", "s", "--no-plots", "--out", "{out}/r.md"],
    "plot": ["plot", "{db}", "s", "--out", "{out}/plots"],
}


def _snapshot(folder) -> dict:
    """Each file of ``folder`` with the sha256 of its bytes."""
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in sorted(os.listdir(folder))}


def _argv(command: str, db, out) -> list[str]:
    return [a.format(db=db, out=out) for a in READ_COMMANDS[command]]


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("study")
    optimize(bowl, SPACE, n_trials=40, seed=0, storage=str(folder / "r.db"), study="s")
    assert sorted(os.listdir(folder)) == ["r.db"]  # a closed study leaves no -wal / -shm
    return folder


@pytest.mark.parametrize("command", sorted(READ_COMMANDS))
def test_a_read_command_leaves_every_file_byte_identical(study_dir, command, tmp_path, capsys):
    before = _snapshot(study_dir)
    assert main(_argv(command, study_dir / "r.db", tmp_path)) == 0
    assert _snapshot(study_dir) == before  # same bytes, and no -wal / -shm left behind


def test_load_study_and_a_read_only_storage_leave_the_file_byte_identical(study_dir):
    before = _snapshot(study_dir)
    assert len(load_study(str(study_dir / "r.db"), "s")) == 40
    with SQLiteStorage(str(study_dir / "r.db"), readonly=True) as store:
        assert store.study_names() == ["s"] and len(store.trials("s")) == 40
        with pytest.raises(StorageError, match=r"r\.db: opened read-only"):
            with store.write():
                pass
    assert _snapshot(study_dir) == before


def test_a_study_being_written_is_read_with_its_latest_trials(tmp_path):
    db = str(tmp_path / "r.db")
    writer = SQLiteStorage(db)  # open, as a running search holds it: its trials are in the -wal
    optimize(bowl, SPACE, n_trials=5, seed=0, storage=writer, study="s")
    assert os.path.exists(db + "-wal")
    reader = SQLiteStorage(db, readonly=True)
    assert len(reader.trials("s")) == 5
    optimize(bowl, SPACE, n_trials=9, seed=0, storage=writer, study="s")
    assert len(reader.trials("s")) == 9
    reader.close()
    writer.close()


def test_a_file_written_while_an_idle_reader_holds_it_is_read_again(tmp_path):
    db = str(tmp_path / "r.db")
    optimize(bowl, SPACE, n_trials=3, seed=0, storage=db, study="s")
    reader = SQLiteStorage(db, readonly=True)  # no -wal: it reads the file as it is, and checks that it stays so
    assert len(reader.trials("s")) == 3
    optimize(bowl, SPACE, n_trials=6, seed=0, storage=db, study="s")
    assert len(reader.trials("s")) == 6
    reader.close()


# ------------------------------------------------------------- bad files
def _bad_file(kind: str, folder) -> str:
    path = folder / "bad.db"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "not sqlite":
        path.write_bytes(b"precious notes, not a database\n" * 300)
    elif kind == "empty sqlite":  # SQLite, no table: another tool made it
        sqlite3.connect(path).execute("PRAGMA user_version=7").connection.close()
    elif kind == "foreign":
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE users (name TEXT)")
        con.commit()
        con.close()
    else:
        optimize(bowl, SPACE, n_trials=60, seed=0, storage=str(path), study="s")
        data = path.read_bytes()
        assert len(data) >= 8 * 4096
        if kind == "truncated":
            path.write_bytes(data[: len(data) // 2 + 100])
        elif kind == "scribbled":  # 4 KB of noise in its middle: SQLite's quick_check reports lines of problems
            middle = len(data) // 2
            path.write_bytes(data[:middle] + random.Random(0).randbytes(4096) + data[middle + 4096:])
        else:  # damaged: pages 2-4 scribbled over
            path.write_bytes(data[:4096 + 100] + b"\xff" * (3 * 4096 - 100) + data[4 * 4096:])
    return str(path)


BAD = {
    "empty": r"bad\.db is an empty file, not an hpo study storage; not touching it",
    "not sqlite": r"bad\.db is not an SQLite database \(file is not a database\); not touching it",
    "empty sqlite": r"bad\.db is an empty SQLite database, not an hpo study storage; not touching it",
    "foreign": r"bad\.db is not an hpo study storage \(an SQLite file of another application",
    "truncated": r"bad\.db(: damaged or unreadable| is damaged)",
    "damaged": r"bad\.db(: damaged or unreadable| is damaged)",
    "scribbled": r"bad\.db(: damaged or unreadable| is damaged)",
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_bad_file_is_a_clear_error_on_every_read_path_and_stays_as_it_was(kind, tmp_path, capsys):
    folder = tmp_path / "f"
    folder.mkdir()
    path = _bad_file(kind, folder)
    before = _snapshot(folder)
    for command in READ_COMMANDS:
        assert main(_argv(command, path, tmp_path)) == 2, command
        err = capsys.readouterr().err
        assert err.startswith(f"hpo {READ_COMMANDS[command][0]}: ") and len(err.splitlines()) == 1, err
        assert "\\n" not in err and ": '" not in err, f"a message in one line of plain text, not a repr: {err}"
        assert re.search(BAD[kind], err), (command, err)
    with pytest.raises(StorageError, match=BAD[kind]):
        load_study(path, "s")
    assert _snapshot(folder) == before


def test_a_missing_file_is_not_created(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"missing\.db: no such file"):
        load_study(str(tmp_path / "missing.db"), "s")
    assert os.listdir(tmp_path) == []


def test_bench_report_reads_its_store_read_only(tmp_path):
    store = RunStore(str(tmp_path / "runs.db"))
    store.add_run({"problem": "p", "contender": "random", "seed": 0, "n_trials": 2, "losses": [2.0, 1.0],
                   "budgets": [None, None], "eval_seconds": [0.1, 0.1], "wall_seconds": 0.3})
    store.set_reference("p", "synthetic", 0.0, [2.0, 1.5])
    store.close()
    before = _snapshot(tmp_path)
    build_report(str(tmp_path), 2)
    after = _snapshot(tmp_path)
    assert {k: after[k] for k in before} == before and all(name.startswith(("report.md", "convergence", "edf"))
                                                           for name in set(after) - set(before))
    (tmp_path / "runs.db").write_bytes(b"")  # an empty store is an error, not a store to fill
    assert main(["bench", "report", str(tmp_path)]) == 2
    assert (tmp_path / "runs.db").read_bytes() == b""


# -------------------------------------------------- read-only files and folders
_AS_USER = textwrap.dedent('''
    import json, sys, warnings
    import hpo
    from hpo.storage import StorageError
    out = {}
    for name, db in json.loads(sys.argv[1]).items():
        try:
            out[name] = len(hpo.load_study(db, "s"))
        except (StorageError, OSError) as exc:
            out[name] = str(exc)
    try:
        hpo.optimize(lambda c: c["x"], hpo.Space(x=hpo.Float(0, 1)), n_trials=1, storage=sys.argv[2], study="s")
        out["write"] = "written"
    except StorageError as exc:
        out["write"] = str(exc)
    print(json.dumps(out))
''')


def _python_for_another_user() -> tuple[list[str], dict] | None:
    """How to run Python with hpo importable as a user whom file permissions bind (root ignores them)."""
    import site

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2]),
                                                        *site.getsitepackages()])}
    if os.geteuid() != 0:
        return [sys.executable], {}
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    for python in (os.path.realpath(sys.executable), shutil.which(version), f"/usr/bin/{version}",
                   f"/usr/local/bin/{version}"):
        if not python or not os.path.exists(python):
            continue
        try:
            done = subprocess.run([python, "-c", "import hpo"], user=65534, group=65534, capture_output=True,
                                  env=env, timeout=60)
        except (OSError, subprocess.SubprocessError):
            continue
        if done.returncode == 0:  # nobody can run it (the venv's own Python may sit in root's home)
            return [python], {"user": 65534, "group": 65534, "env": env}
    return None


@pytest.mark.slow
def test_a_study_in_a_read_only_folder_is_read_and_writing_to_it_is_a_clear_error():
    found = _python_for_another_user()
    if found is None:
        pytest.skip("running as root, which ignores file permissions, and no Python that an unprivileged user "
                    "can run imports hpo here: the read-only folder cannot be made")
    root = tempfile.mkdtemp(prefix="hpo-readonly-")
    try:
        clean, crashed, no_shm = (os.path.join(root, d) for d in ("clean", "crashed", "no_shm"))
        for d in (clean, crashed, no_shm):
            os.mkdir(d)
        optimize(bowl, SPACE, n_trials=4, seed=0, storage=os.path.join(clean, "r.db"), study="s")
        live = SQLiteStorage(os.path.join(root, "live.db"))  # a writer that died: its -wal and -shm stay
        optimize(bowl, SPACE, n_trials=5, seed=0, storage=live, study="s")
        for d in (crashed, no_shm):
            for suffix in ("", "-wal", "-shm"):
                shutil.copy(os.path.join(root, "live.db" + suffix), os.path.join(d, "r.db" + suffix))
        live.close()
        os.remove(os.path.join(no_shm, "r.db-shm"))
        dbs = {d: os.path.join(root, d, "r.db") for d in ("clean", "crashed", "no_shm")}
        for d in (root, clean, crashed, no_shm):
            os.chmod(d, 0o555)
        for path in (os.path.join(d, f) for d in (clean, crashed, no_shm) for f in os.listdir(d)):
            os.chmod(path, 0o444)
        before = {d: sorted(os.listdir(os.path.join(root, d))) for d in dbs}
        sums = {p: hashlib.sha256(open(p, "rb").read()).hexdigest() for p in dbs.values()}
        python, how = found
        run = subprocess.run([*python, "-c", _AS_USER, json.dumps(dbs), dbs["clean"]], capture_output=True,
                             text=True, timeout=120, **how)
        assert run.returncode == 0, run.stderr
        out = json.loads(run.stdout)
        assert out["clean"] == 4 and out["crashed"] == 5
        assert "r.db-wal holds changes not yet in the file" in out["no_shm"] and "no_shm/r.db" in out["no_shm"]
        assert out["write"].startswith(dbs["clean"] + ": cannot write to it: the file is read-only")
        assert {d: sorted(os.listdir(os.path.join(root, d))) for d in dbs} == before
        assert {p: hashlib.sha256(open(p, "rb").read()).hexdigest() for p in dbs.values()} == sums
    finally:
        for d, _, _ in os.walk(root):
            os.chmod(d, 0o755)
        shutil.rmtree(root)


@pytest.mark.parametrize("stored_when, parameter", [
    ({"x": {"op": "equals", "value": 0.5}}, None),  # a condition on a Float's value: refused since
    (None, {"name": "z", "type": "float", "low": -1e308, "high": 1e308, "log": False}),  # too wide to sample
])
def test_a_study_whose_space_a_later_hpo_refuses_is_still_read(tmp_path, capsys, stored_when, parameter):
    # an older hpo accepted these spaces; reading its study raised the definition rule's advice, and no command
    # gave the trials back
    from hpo import Float, Space

    db = str(tmp_path / "old.db")
    space = Space(x=Float(0.0, 1.0), y=Float(0.0, 1.0).when(x=at_most_half()))
    optimize(lambda c: c["x"], space, "random", n_trials=4, seed=0, storage=db, study="s")
    with sqlite3.connect(db) as con:  # what the older hpo wrote
        stored = json.loads(con.execute("SELECT space FROM studies").fetchone()[0])
        if stored_when is not None:
            stored["parameters"][1]["when"] = stored_when
        if parameter is not None:
            stored["parameters"].append(parameter)
        con.execute("UPDATE studies SET space = ?", (json.dumps(stored),))
    with pytest.raises(ValueError):
        Space.from_dict(stored)  # a new definition is still held to the rules
    result = load_study(db, "s")
    assert len(result) == 4 and result.best_value == min(t.value for t in result.trials)
    assert main(["export", db, "s", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["trials"]) == 4
    assert main(["show", db, "s"]) == 0


def at_most_half():
    from hpo import at_most

    return at_most(0.5)
