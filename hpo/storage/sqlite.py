"""``SQLiteStorage``: studies and their trials in one SQLite file (standard library ``sqlite3``, WAL).

Layout: ``studies`` (one row per study: its record and the counter of its
log), ``trials`` (one row per trial number: the candidate as asked, its
place in the log of asks and tells, and its outcome once finished; a finished
row is never changed again), ``curves`` (the values a trial reported with
``trial.report``, as JSON ``[[step, value], ...]``, written with its outcome;
a file made before this table existed gains it when opened for writing, and
readers of such a file find no curves), ``sessions`` (each process that
worked on a study: host, pid, versions, when it started, was last seen and
ended).

Every write is one short ``BEGIN IMMEDIATE`` transaction: several processes
share a file, each waiting its turn (busy timeout, then retries), so no
"database is locked" reaches the user.
"""

from __future__ import annotations

import contextlib
import copy
import os
import sqlite3
import threading
from typing import Any, Iterator, Sequence

from ..trial import Trial
from .connection import (
    ReadOnlyDatabase,
    StorageError,
    is_locked_error,
    is_readonly_error,
    open_database,
    retry_locked,
    sqlite_path,
)
from .record import (
    ABANDONED,
    FINISHED_STATES,
    RUNNING,
    DamagedRecord,
    StudyRecord,
    TrialRow,
    trial_row,
    config_to_json,
    from_json,
    metrics_to_json,
    to_json,
)

__all__ = ["SQLiteStorage", "StudyRow"]

#: "hpos" in the file header: an hpo study storage.
APPLICATION_ID = 0x68706F73
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS studies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    direction TEXT NOT NULL,
    space TEXT NOT NULL,
    strategy TEXT NOT NULL,
    strategy_options TEXT NOT NULL,
    seed TEXT,
    versions TEXT NOT NULL,
    data TEXT,
    created REAL NOT NULL,
    ended REAL,
    attrs TEXT NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,
    epoch_seq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS trials (
    study_id INTEGER NOT NULL REFERENCES studies(id),
    number INTEGER NOT NULL,
    state TEXT NOT NULL,
    config TEXT NOT NULL,
    budget,
    info TEXT NOT NULL,
    ask_seq INTEGER NOT NULL,
    ask_n INTEGER NOT NULL,
    tell_seq INTEGER,
    value,
    loss,
    error TEXT,
    traceback TEXT,
    started REAL,
    finished REAL,
    metrics TEXT,
    session TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (study_id, number)
);
CREATE INDEX IF NOT EXISTS trials_by_ask ON trials (study_id, ask_seq);
CREATE INDEX IF NOT EXISTS trials_by_tell ON trials (study_id, tell_seq);
CREATE INDEX IF NOT EXISTS trials_by_state ON trials (study_id, state);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    study_id INTEGER NOT NULL REFERENCES studies(id),
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    pid_token TEXT,
    versions TEXT NOT NULL,
    started REAL NOT NULL,
    last_seen REAL NOT NULL,
    ended REAL,
    end_reason TEXT
);
CREATE INDEX IF NOT EXISTS sessions_by_study ON sessions (study_id);
CREATE TABLE IF NOT EXISTS curves (
    study_id INTEGER NOT NULL REFERENCES studies(id),
    number INTEGER NOT NULL,
    points TEXT NOT NULL,
    PRIMARY KEY (study_id, number)
)
"""

_TRIAL_COLUMNS = ("number, state, config, budget, info, ask_seq, ask_n, tell_seq, value, loss, error, "
                  "traceback, started, finished, metrics, session, attempts")
#: The trials with their curves (a file written before the ``curves`` table: without).
_WITH_CURVES = ", ".join(f"t.{c}" for c in _TRIAL_COLUMNS.split(", ")) + (
    ", c.points FROM trials t LEFT JOIN curves c ON c.study_id = t.study_id AND c.number = t.number")
_WITHOUT_CURVES = ", ".join(f"t.{c}" for c in _TRIAL_COLUMNS.split(", ")) + ", NULL FROM trials t"


def _has_curves(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'curves'").fetchone() is not None


class StudyRow:
    """A study as stored: its id, record, log counter and the start of its current settings."""

    def __init__(self, study_id: int, record: StudyRecord, seq: int, epoch_seq: int) -> None:
        self.id = study_id
        self.record = record
        self.seq = seq
        self.epoch_seq = epoch_seq


class SQLiteStorage:
    """Studies stored in an SQLite file.

    Parameters
    ----------
    path : str
        A file path or an ``sqlite:///relative.db`` / ``sqlite:////absolute.db``
        URL. A missing file is created; a file that is not an hpo storage (not
        SQLite, another application's database, a benchmark store, damaged) is
        a :class:`StorageError` and nothing in it is changed.
    readonly : bool, default False
        Open an existing file for reading only (what ``hpo.load_study`` and
        the ``hpo`` commands that read do): nothing in the file or its
        directory is written, a file in a read-only directory can be read,
        and :meth:`write` is a :class:`StorageError`.

    Notes
    -----
    One object may be used from several threads (a lock serializes them);
    several processes each open their own. SQLite's locking needs a local
    file system: for more machines, run one search process and let Dask spread
    the evaluations.

    Examples
    --------
    >>> import hpo
    >>> from hpo.storage import SQLiteStorage
    >>> space = hpo.Space(x=hpo.Float(0, 1))
    >>> result = hpo.optimize(lambda c: (c["x"] - 0.3) ** 2, space, "random", n_trials=5, seed=0,
    ...                       storage="study.db", study="demo")
    >>> storage = SQLiteStorage("study.db", readonly=True)
    >>> storage.study_names(), len(storage.trials("demo"))
    (['demo'], 5)
    >>> storage.close()

    The same search again resumes the study: ``n_trials`` is its total.

    >>> result = hpo.optimize(lambda c: (c["x"] - 0.3) ** 2, space, "random", n_trials=8, seed=0,
    ...                       storage="sqlite:///study.db", study="demo")
    >>> len(result.trials)
    8
    """

    def __init__(self, path: str, *, readonly: bool = False) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"storage must be a path, an sqlite:/// URL or a storage object, got {path!r}")
        self.path = sqlite_path(os.fspath(path))
        # the file itself, whatever the working directory later (an objective that changes it, a reconnection)
        self.file = self.path if self.path == ":memory:" else os.path.abspath(self.path)
        self.readonly = bool(readonly)
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = None
        self._reader: ReadOnlyDatabase | None = None
        if self.readonly:
            self._open_reader()
        else:
            self._connect()

    # -------------------------------------------------------------- connection
    def _connect(self) -> sqlite3.Connection:
        if self.readonly:
            raise StorageError(f"{self.path}: opened read-only; open SQLiteStorage(path) to write to it")
        if self._db is None:
            self._db = open_database(
                self._where(), application_id=APPLICATION_ID, what="an hpo study storage", schema=_SCHEMA,
                check_integrity=True, check_same_thread=False, busy_timeout=0.0, check=self._check_schema,
            )
            version = self._read(lambda db: db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone())
            if version is None:
                with self.write() as w:
                    w.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        return self._db

    def _where(self) -> str:
        """The path to open: as given while the working directory is the one it was given in (messages name
        it so), else the absolute path."""
        if self.file == ":memory:" or os.path.abspath(self.path) == self.file:
            return self.path
        return self.file

    def _check_schema(self, db: sqlite3.Connection) -> None:
        """Refuse an existing file of a newer schema before anything is written to it."""
        has_meta = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
        version = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() if has_meta else None
        if version is not None:
            self._check_version(version[0])

    def _open_reader(self) -> ReadOnlyDatabase:
        if self._reader is None:
            reader = ReadOnlyDatabase(self._where(), application_id=APPLICATION_ID, what="an hpo study storage",
                                      check_integrity=True, check_same_thread=False)
            try:
                version = reader.read(lambda db: db.execute(
                    "SELECT value FROM meta WHERE key='schema_version'").fetchone())
                if version is not None:
                    self._check_version(version[0])
            except BaseException:
                reader.close()
                raise
            self._reader = reader
        return self._reader

    def _check_version(self, version: Any) -> None:
        try:
            number = int(version)
        except (TypeError, ValueError):
            self.close()
            raise StorageError(f"{self.path} is damaged: its storage schema version is {version!r}, not a whole "
                               "number; not touching it") from None
        if number > SCHEMA_VERSION:
            self.close()
            raise StorageError(
                f"{self.path} was written by a newer hpo (storage schema {version}, this hpo reads "
                f"{SCHEMA_VERSION}); upgrade hpo to use it"
            )

    def close(self) -> None:
        """Close the connection (it reopens on the next use)."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    def __enter__(self) -> "SQLiteStorage":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r}{', readonly=True' if self.readonly else ''})"

    def __getstate__(self) -> dict:  # a copy (sklearn's clone, pickling) reopens the file
        return {"path": self.path, "file": self.file, "readonly": self.readonly}

    def __setstate__(self, state: dict) -> None:
        self.path = state["path"]
        self.file = state.get("file", self.path)
        self.readonly = state.get("readonly", False)
        self._lock = threading.RLock()
        self._db = None
        self._reader = None

    def __deepcopy__(self, memo: dict) -> "SQLiteStorage":
        new = copy.copy(self)
        new.__setstate__(self.__getstate__())
        return new

    def _read(self, fn: Any) -> Any:
        """Run a read (retried while the file is locked, e.g. during a WAL recovery)."""
        with self._lock:
            try:
                if self.readonly:
                    return self._open_reader().read(fn)
                db = self._connect()
                try:
                    return retry_locked(lambda: fn(db), self.path)
                except sqlite3.DatabaseError as exc:
                    raise StorageError(f"{self.path}: {exc}") from None
            except DamagedRecord as exc:
                raise self._damaged(exc) from None

    def _damaged(self, exc: DamagedRecord) -> StorageError:
        return StorageError(f"{self.path} is damaged: {exc}; not touching it")

    @contextlib.contextmanager
    def write(self) -> Iterator["_Writer"]:
        """A write transaction (``BEGIN IMMEDIATE``: waits for the file's write lock, then holds it).

        Commits when the block ends, rolls back on an exception. Keep it
        short: other processes wait for it.
        """
        with self._lock:
            db = self._connect()
            try:
                retry_locked(lambda: db.execute("BEGIN IMMEDIATE"), self.path)
            except sqlite3.DatabaseError as exc:
                raise StorageError(f"{self.path}: {exc}") from None
            try:
                yield _Writer(db)
            except BaseException as exc:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                if is_readonly_error(exc):
                    raise StorageError(f"{self.path}: cannot write to it ({exc})") from None
                if isinstance(exc, DamagedRecord):
                    raise self._damaged(exc) from None
                raise
            try:
                retry_locked(lambda: db.execute("COMMIT"), self.path)
            except sqlite3.DatabaseError as exc:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                if is_locked_error(exc):
                    raise
                raise StorageError(f"{self.path}: {exc}") from None

    # ----------------------------------------------------------------- reading
    def study_names(self) -> list[str]:
        """The names of the stored studies, oldest first."""
        return [r[0] for r in self._read(lambda db: db.execute("SELECT name FROM studies ORDER BY id").fetchall())]

    def get_study(self, name: str) -> StudyRecord | None:
        """The record of study ``name`` (None when there is none)."""
        row = self._read(lambda db: _Writer(db).study(name))
        return None if row is None else row.record

    def trial_rows(self, name: str, states: Sequence[str] | None = None) -> list[TrialRow]:
        """The trials of study ``name`` in number order (all, or those in ``states``)."""

        def read(db: sqlite3.Connection) -> list[TrialRow]:
            study = _Writer(db).study(name)
            if study is None:
                raise KeyError(name)
            query = f"SELECT {_WITH_CURVES if _has_curves(db) else _WITHOUT_CURVES} WHERE t.study_id = ?"
            args: list = [study.id]
            if states is not None:
                query += f" AND t.state IN ({','.join('?' * len(states))})"
                args += list(states)
            return [trial_row(r) for r in db.execute(query + " ORDER BY t.number", args)]

        try:
            return self._read(read)
        except KeyError:
            raise KeyError(f"no study named {name!r} in {self.path}; studies: {self.study_names()}") from None

    def trials(self, name: str) -> list[Trial]:
        """The finished trials of study ``name``, in number order."""
        return [r.to_trial() for r in self.trial_rows(name, FINISHED_STATES)]

    def summaries(self) -> list[dict]:
        """One dict per study: name, strategy, direction, counts by state, best value, created, ended."""

        def read(db: sqlite3.Connection) -> list[dict]:
            out = []
            for sid, name, strategy, direction, created, ended in db.execute(
                "SELECT id, name, strategy, direction, created, ended FROM studies ORDER BY id"
            ).fetchall():
                counts = dict(db.execute("SELECT state, count(*) FROM trials WHERE study_id = ? GROUP BY state",
                                         (sid,)).fetchall())
                best = db.execute(  # as Result.best_trial: the lowest loss at the largest budget (None the full one)
                    "SELECT value FROM trials WHERE study_id = ? AND state = 'ok' "
                    "ORDER BY budget IS NULL DESC, budget DESC, loss, number LIMIT 1", (sid,)
                ).fetchone()
                out.append({"name": name, "strategy": strategy, "direction": direction,
                            "trials": sum(counts.values()), **{s: counts.get(s, 0) for s in
                                                               (*FINISHED_STATES, RUNNING, ABANDONED)},
                            "best_value": None if best is None else best[0], "created": created, "ended": ended})
            return out

        return self._read(read)

    def sessions(self, name: str) -> list[dict]:
        """The processes that worked on study ``name``, in the order they started."""

        def read(db: sqlite3.Connection) -> list[dict]:
            study = _Writer(db).study(name)
            if study is None:
                raise KeyError(f"no study named {name!r} in {self.path}")
            return [_session(r) for r in db.execute(
                "SELECT id, host, pid, pid_token, versions, started, last_seen, ended, end_reason FROM sessions "
                "WHERE study_id = ? ORDER BY started", (study.id,))]

        return self._read(read)


class _Writer:
    """The statements of one write transaction (see :meth:`SQLiteStorage.write`)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    # ---------------------------------------------------------------- studies
    def study(self, name: str) -> StudyRow | None:
        r = self.db.execute(
            "SELECT id, name, direction, space, strategy, strategy_options, seed, versions, data, created, ended, "
            "attrs, seq, epoch_seq FROM studies WHERE name = ?", (name,)
        ).fetchone()
        if r is None:
            return None
        try:
            record = StudyRecord(
                name=r[1], direction=r[2], space=from_json(r[3]), strategy=r[4], strategy_options=from_json(r[5]),
                seed=from_json(r[6]), versions=from_json(r[7]), data=from_json(r[8]), created=r[9], ended=r[10],
                attrs=from_json(r[11]),
            )
        except (TypeError, ValueError, RecursionError) as exc:
            raise DamagedRecord(f"study {name!r}: its record does not read ({type(exc).__name__}: {exc})") from None
        return StudyRow(r[0], record, r[12], r[13])

    def create_study(self, record: StudyRecord) -> StudyRow:
        cursor = self.db.execute(
            "INSERT INTO studies (name, direction, space, strategy, strategy_options, seed, versions, data, created, "
            "ended, attrs) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (record.name, record.direction, to_json(record.space), record.strategy,
             to_json(record.strategy_options), to_json(record.seed), to_json(record.versions),
             None if record.data is None else to_json(record.data), record.created, record.ended,
             to_json(record.attrs)),
        )
        return StudyRow(int(cursor.lastrowid), record, 0, 0)  # type: ignore[arg-type]

    def replace_settings(self, study_id: int, record: StudyRecord, epoch_seq: int) -> None:
        """New settings for a study resumed with ``on_mismatch="continue"`` (trials asked up to ``epoch_seq``
        were asked under the old ones)."""
        self.db.execute(
            "UPDATE studies SET direction=?, space=?, strategy=?, strategy_options=?, seed=?, data=?, attrs=?, "
            "epoch_seq=? WHERE id=?",
            (record.direction, to_json(record.space), record.strategy, to_json(record.strategy_options),
             to_json(record.seed), None if record.data is None else to_json(record.data), to_json(record.attrs),
             epoch_seq, study_id),
        )

    def set_ended(self, study_id: int, ended: float | None) -> None:
        self.db.execute("UPDATE studies SET ended = ? WHERE id = ?", (ended, study_id))

    def next_seq(self, study_id: int) -> int:
        self.db.execute("UPDATE studies SET seq = seq + 1 WHERE id = ?", (study_id,))
        return int(self.db.execute("SELECT seq FROM studies WHERE id = ?", (study_id,)).fetchone()[0])

    # ----------------------------------------------------------------- trials
    def rows_since(self, study_id: int, seq: int) -> list[TrialRow]:
        """Trials asked or told after ``seq`` (each once), in number order."""
        rows = self.db.execute(
            f"SELECT {_WITH_CURVES} WHERE t.study_id = ? AND t.ask_seq > ? UNION "
            f"SELECT {_WITH_CURVES} WHERE t.study_id = ? AND t.tell_seq > ? ORDER BY 1",
            (study_id, seq, study_id, seq),
        ).fetchall()
        return [trial_row(r) for r in rows]

    def n_trials(self, study_id: int) -> int:
        """How many trials the study has asked (numbers run 0..n-1 without gaps; a primary-key lookup)."""
        last = self.db.execute("SELECT max(number) FROM trials WHERE study_id = ?", (study_id,)).fetchone()[0]
        return 0 if last is None else int(last) + 1

    def n_finished(self, study_id: int) -> int:
        return int(self.db.execute(
            "SELECT count(*) FROM trials WHERE study_id = ? AND tell_seq IS NOT NULL", (study_id,)).fetchone()[0])

    def insert_trial(self, study_id: int, number: int, config: dict, budget: Any, info: dict, ask_seq: int,
                     ask_n: int, session: str) -> None:
        self.db.execute(
            "INSERT INTO trials (study_id, number, state, config, budget, info, ask_seq, ask_n, session) "
            "VALUES (?,?,?,?,?,?,?,?,?)",
            (study_id, number, RUNNING, config_to_json(config), budget, to_json(dict(info)), ask_seq, ask_n,
             session),
        )

    def finish_trial(self, study_id: int, trial: Trial, tell_seq: int, metrics: str | None = None) -> bool:
        """Record the outcome of a trial that is not finished yet; False (nothing written) when it is.

        ``metrics``: the trial's metrics as JSON text (:func:`~hpo.storage.record.metrics_to_json`, which
        makes it from ``trial.metrics`` when not given).
        """
        if metrics is None:
            metrics = metrics_to_json(trial.metrics)[0]
        cursor = self.db.execute(
            "UPDATE trials SET state=?, tell_seq=?, value=?, loss=?, error=?, traceback=?, started=?, finished=?, "
            "metrics=? WHERE study_id=? AND number=? AND tell_seq IS NULL",
            (trial.status, tell_seq, trial.value, trial.loss, trial.error, trial.traceback, trial.started,
             trial.finished, metrics, study_id, trial.number),
        )
        if cursor.rowcount == 1 and trial.intermediate:
            self.db.execute("INSERT OR REPLACE INTO curves (study_id, number, points) VALUES (?,?,?)",
                            (study_id, trial.number, to_json([[s, v] for s, v in trial.intermediate])))
        return cursor.rowcount == 1

    def running_sessions(self, study_id: int, exclude: str) -> list[dict]:
        """The sessions (other than ``exclude``) that hold running trials of the study."""
        return [_session(r) for r in self.db.execute(
            "SELECT id, host, pid, pid_token, versions, started, last_seen, ended, end_reason FROM sessions "
            "WHERE id IN (SELECT DISTINCT session FROM trials WHERE study_id = ? AND state = ? AND session != ?)",
            (study_id, RUNNING, exclude))]

    def open_sessions(self, study_id: int, exclude: str) -> list[dict]:
        """The sessions (other than ``exclude``) of the study that have not ended."""
        return [_session(r) for r in self.db.execute(
            "SELECT id, host, pid, pid_token, versions, started, last_seen, ended, end_reason FROM sessions "
            "WHERE study_id = ? AND ended IS NULL AND id != ?", (study_id, exclude))]

    def abandon_sessions(self, study_id: int, sessions: Sequence[str], now: float, reason: str) -> int:
        """Mark the running trials of ``sessions`` abandoned (to be run again) and end those sessions."""
        n = 0
        for sid in sessions:
            n += self.db.execute("UPDATE trials SET state = ? WHERE study_id = ? AND session = ? AND state = ?",
                                 (ABANDONED, study_id, sid, RUNNING)).rowcount
            self.db.execute("UPDATE sessions SET ended = ?, end_reason = ? WHERE id = ? AND ended IS NULL",
                            (now, reason, sid))
        return n

    def abandon_orphans(self, study_id: int) -> int:
        """Mark abandoned the running trials of sessions that have ended (none should hold one)."""
        return self.db.execute(
            "UPDATE trials SET state = ? WHERE study_id = ? AND state = ? AND session IN "
            "(SELECT id FROM sessions WHERE ended IS NOT NULL)", (ABANDONED, study_id, RUNNING)).rowcount

    def abandon_numbers(self, study_id: int, session: str, numbers: Sequence[int]) -> None:
        self.db.executemany(
            "UPDATE trials SET state = ? WHERE study_id = ? AND number = ? AND session = ? AND state = ?",
            [(ABANDONED, study_id, n, session, RUNNING) for n in numbers],
        )

    def take_abandoned(self, study_id: int, session: str, k: int) -> list[tuple[int, int]]:
        """Claim up to ``k`` abandoned trials (lowest numbers first) for ``session``.

        Returns ``(number, attempts)`` pairs, ``attempts`` counting the one starting now.
        """
        rows = self.db.execute(
            "SELECT number, attempts FROM trials WHERE study_id = ? AND state = ? ORDER BY number LIMIT ?",
            (study_id, ABANDONED, k)).fetchall()
        if not rows:
            return []
        self.db.executemany(
            "UPDATE trials SET state = ?, session = ?, attempts = attempts + 1 WHERE study_id = ? AND number = ?",
            [(RUNNING, session, study_id, n) for n, _ in rows],
        )
        return [(int(n), int(a) + 1) for n, a in rows]

    def n_abandoned(self, study_id: int) -> int:
        return int(self.db.execute("SELECT count(*) FROM trials WHERE study_id = ? AND state = ?",
                                   (study_id, ABANDONED)).fetchone()[0])

    # --------------------------------------------------------------- sessions
    def add_session(self, session: dict, study_id: int) -> None:
        self.db.execute(
            "INSERT INTO sessions (id, study_id, host, pid, pid_token, versions, started, last_seen) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (session["id"], study_id, session["host"], session["pid"], session["pid_token"],
             to_json(session["versions"]), session["started"], session["started"]),
        )

    def touch_session(self, session_id: str, now: float) -> None:
        self.db.execute("UPDATE sessions SET last_seen = ? WHERE id = ?", (now, session_id))

    def end_session(self, session_id: str, now: float, reason: str) -> None:
        self.db.execute("UPDATE sessions SET ended = ?, last_seen = ?, end_reason = ? WHERE id = ?",
                        (now, now, reason, session_id))


def _session(r: tuple) -> dict:
    return {"id": r[0], "host": r[1], "pid": r[2], "pid_token": r[3], "versions": from_json(r[4]),
            "started": r[5], "last_seen": r[6], "ended": r[7], "end_reason": r[8]}
