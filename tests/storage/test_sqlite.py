"""The SQLite file itself: what it accepts, what it refuses (without touching it), copies."""

from __future__ import annotations

import copy
import pickle
import re
import time
import sqlite3

import pytest

from hpo import Float, Space, optimize
from hpo.benchmarking.store import RunStore
from hpo.storage import InMemoryStorage, SQLiteStorage, StorageError
from hpo.storage.connection import sqlite_path

from .common import SPACE, bowl


def _search(db, n=3, study="s"):
    return optimize(bowl, SPACE, n_trials=n, seed=0, storage=str(db), study=study)


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path):
    db = tmp_path / "r.db"
    db.write_bytes(b"not a database, but precious" * 200)
    before = db.read_bytes()
    with pytest.raises(StorageError, match=r"r\.db is not an SQLite database \(file is not a database\); not touching"):
        _search(db)
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.db"]


def test_another_applications_database_is_refused_and_left_alone(tmp_path):
    db = tmp_path / "app.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE users (name TEXT)")
    con.execute("INSERT INTO users VALUES ('ada')")
    con.commit()
    con.close()
    before = db.read_bytes()
    with pytest.raises(StorageError, match=r"app\.db is not an hpo study storage \(an SQLite file of another "
                                           r"application: application_id 0x0, 1 tables and indexes\)"):
        _search(db)
    assert db.read_bytes() == before


def test_a_benchmark_store_is_not_a_study_storage_and_back(tmp_path):
    bench = tmp_path / "runs.db"
    RunStore(str(bench)).close()
    with pytest.raises(StorageError, match="not an hpo study storage"):
        _search(bench)
    studies = tmp_path / "studies.db"
    _search(studies)
    with pytest.raises(ValueError, match="not an hpo benchmark store"):
        RunStore(str(studies))


def test_a_damaged_file_is_a_clear_error(tmp_path):
    db = tmp_path / "r.db"
    _search(db, n=40)
    con = sqlite3.connect(db)  # fold the WAL into the file, so that the damage below hits the data
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = bytearray(db.read_bytes())
    assert len(data) >= 3 * 4096
    data[4096 + 100: 3 * 4096] = b"\xff" * (2 * 4096 - 100)  # pages 2-3: scribbled over
    db.write_bytes(bytes(data))
    before = db.read_bytes()
    with pytest.raises(StorageError, match=r"r\.db (is damaged|is not an hpo study storage, or it is damaged)"):
        _search(db, n=41)
    assert db.read_bytes() == before


def test_a_truncated_file_is_called_damaged_by_a_search_as_by_the_cli(tmp_path):
    db = tmp_path / "r.db"
    _search(db, n=60)
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2 + 100])
    before = db.read_bytes()
    with pytest.raises(StorageError, match=r"r\.db(: damaged or unreadable| is damaged)") as info:
        _search(db, n=61)
    assert "not an SQLite database" not in str(info.value)
    assert db.read_bytes() == before


def test_a_file_written_by_a_newer_hpo_is_refused(tmp_path):
    db = tmp_path / "r.db"
    _search(db)
    con = sqlite3.connect(db)
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    with pytest.raises(StorageError, match="written by a newer hpo \\(storage schema 99"):
        SQLiteStorage(str(db))


def test_a_newer_file_is_refused_before_anything_is_written_to_it(tmp_path):
    # the refusal came after the journal mode was switched to WAL and this schema's missing tables were created
    db = tmp_path / "r.db"
    _search(db)
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=DELETE")
    con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    con.execute("DROP TABLE curves")  # a table this hpo would add to a file that lacks it
    con.commit()
    con.close()
    before = db.read_bytes()
    with pytest.raises(StorageError, match="newer hpo"):
        _search(db, n=4)
    assert db.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["r.db"]


_DAMAGE = {
    "schema version": ("UPDATE meta SET value = '1.5' WHERE key = 'schema_version'",
                       "its storage schema version is '1.5', not a whole number"),
    "config a list": ("UPDATE trials SET config = '[1, 2]' WHERE number = 1", "trial 1: its config holds a list"),
    "config no JSON": ("UPDATE trials SET config = '{oops' WHERE number = 1", "trial 1: its config is not JSON"),
    "metrics nested deep": ("UPDATE trials SET metrics = '" + "[" * 100_000 + "]" * 100_000 + "' WHERE number = 1",
                            "trial 1: its metrics is not JSON \\(RecursionError"),
    "loss text": ("UPDATE trials SET value = 'abc', loss = 'abc' WHERE number = 1", "trial 1: its value is 'abc'"),
    "state unknown": ("UPDATE trials SET state = 'done' WHERE number = 1", "trial 1: its state is 'done'"),
    "curve no pairs": ("UPDATE curves SET points = '[1, 2]'", "trial 0: its intermediate values are not \\(step, value\\) pairs"),
}


@pytest.mark.parametrize("case", sorted(_DAMAGE))
def test_a_damaged_field_names_the_file_the_trial_and_the_column(tmp_path, case, capsys):
    from hpo import load_study
    from hpo.cli import main

    db = tmp_path / "r.db"
    optimize(lambda c, trial: [trial.report(1, c["x"]), c["x"]][1], Space(x=Float(0, 1)), "asha", n_trials=3,
             seed=0, storage=str(db), study="s", strategy_options={"min_budget": 1, "max_budget": 3})
    sql, said = _DAMAGE[case]
    con = sqlite3.connect(db)
    con.execute(sql)
    con.commit()
    con.close()
    message = f"r\\.db is damaged: {said}"
    if case != "state unknown":  # (reading a study reads its finished trials only)
        with pytest.raises(StorageError, match=message):
            load_study(str(db), "s")
        assert main(["show", str(db), "s"]) == 2  # one line, no traceback
        assert re.search(message, capsys.readouterr().err)
    with pytest.raises(StorageError, match=message):
        optimize(lambda c, trial: c["x"], Space(x=Float(0, 1)), "asha", n_trials=6, seed=0, storage=str(db),
                 study="s", strategy_options={"min_budget": 1, "max_budget": 3}, on_mismatch="continue")
    if case != "schema version":  # the refused resume's session ended, not left to look as if it died
        ends = sqlite3.connect(db).execute("SELECT end_reason FROM sessions ORDER BY started").fetchall()
        assert ends == [("finished",), ("error",)]


def test_an_empty_path_and_a_missing_directory_are_refused_naming_them(tmp_path, monkeypatch):
    # SQLite reads "" as a temporary database deleted on closing: the study was run, then lost
    monkeypatch.chdir(tmp_path)
    ran = []
    with pytest.raises(ValueError, match="storage='' names no file"):
        optimize(lambda c: ran.append(c) or 0.0, Space(x=Float(0, 1)), n_trials=2, seed=0, storage="", study="s")
    missing = tmp_path / "no_such_dir" / "r.db"
    with pytest.raises(StorageError, match=f"its directory {re.escape(str(missing.parent))} does not exist"):
        optimize(lambda c: ran.append(c) or 0.0, Space(x=Float(0, 1)), n_trials=2, seed=0, storage=str(missing))
    assert ran == [] and list(tmp_path.iterdir()) == []


def test_an_empty_file_becomes_a_storage(tmp_path):
    db = tmp_path / "r.db"
    db.write_bytes(b"")
    assert len(_search(db)) == 3
    empty_sqlite = tmp_path / "e.db"
    sqlite3.connect(empty_sqlite).execute("PRAGMA user_version=0").connection.close()
    assert len(_search(empty_sqlite)) == 3


def test_sqlite_urls():
    assert sqlite_path("sqlite:///results.db") == "results.db"
    assert sqlite_path("sqlite:////tmp/results.db") == "/tmp/results.db"
    assert sqlite_path("plain/path.db") == "plain/path.db"
    for bad in ("sqlite://results.db", "sqlite:///"):
        with pytest.raises(ValueError, match="SQLite URL"):
            sqlite_path(bad)
    assert sqlite_path("C://results.db") == "C://results.db"  # a drive letter is no scheme
    for url in ("postgresql://user@localhost/hpo", "mysql+pymysql://db/hpo", "redis://localhost"):
        with pytest.raises(ValueError, match=re.escape(f"is a {url.split(':')[0]} URL: hpo stores studies in SQLite only")):
            sqlite_path(url)


def test_a_database_url_other_than_sqlite_is_refused_before_anything_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ran = []
    with pytest.raises(ValueError, match="is a postgresql URL"):
        optimize(lambda c: ran.append(c) or 0.0, Space(x=Float(0, 1)), n_trials=2, seed=0,
                 storage="postgresql://user@localhost/hpo")
    assert ran == [] and list(tmp_path.iterdir()) == []


def test_a_directory_or_a_bad_type_is_refused(tmp_path):
    with pytest.raises(StorageError, match="is a directory"):
        SQLiteStorage(str(tmp_path))
    with pytest.raises(TypeError, match="storage must be a path"):
        optimize(bowl, SPACE, n_trials=3, storage=42)


def test_copies_reopen_the_file_and_in_memory_storage_is_shared_not_pickled(tmp_path):
    db = tmp_path / "r.db"
    _search(db)
    store = SQLiteStorage(str(db))
    for other in (copy.deepcopy(store), pickle.loads(pickle.dumps(store))):
        assert other is not store and other.path == store.path
        assert len(other.trials("s")) == 3
    memory = InMemoryStorage()
    assert copy.deepcopy(memory) is memory
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(memory)


def test_summaries_and_unknown_studies(tmp_path):
    db = tmp_path / "r.db"
    _search(db, n=4, study="a")
    _search(db, n=2, study="b")
    store = SQLiteStorage(str(db))
    assert store.study_names() == ["a", "b"]
    rows = {r["name"]: r for r in store.summaries()}
    assert rows["a"]["trials"] == rows["a"]["ok"] == 4 and rows["a"]["running"] == 0
    assert rows["a"]["best_value"] == min(t.value for t in store.trials("a"))
    with pytest.raises(KeyError, match=r"no study named 'c' in .*r\.db; studies: \['a', 'b'\]"):
        store.trial_rows("c")


def test_a_session_shows_it_is_alive_while_a_long_trial_runs(tmp_path, monkeypatch):
    # A session on another host is judged dead by its last sign of life; one whose trials all run long
    # claims nothing meanwhile, and must still write one, or another host's process runs its trials again.
    import hpo.storage.sessions as sessions_module

    monkeypatch.setattr(sessions_module, "TOUCH_EVERY", 0.1)
    db = str(tmp_path / "long.db")
    seen = []

    def last_seen():
        con = sqlite3.connect(db)
        try:
            return con.execute("SELECT last_seen FROM sessions").fetchone()[0]
        finally:
            con.close()

    def long_trial(config):
        seen.append(last_seen())
        time.sleep(1.0)  # ten beats
        seen.append(last_seen())
        return config["x"]

    optimize(long_trial, Space(x=Float(0.0, 1.0)), n_trials=1, seed=0, storage=db, study="s")
    assert seen[1] - seen[0] >= 0.5, seen
