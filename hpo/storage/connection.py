"""Opening hpo's SQLite files safely, shared by the study storage and the benchmark store.

An hpo database carries an ``application_id`` in its header. A file that is
not SQLite, an SQLite file of another application, or a damaged file is an
error that names the path, and nothing in it is changed: every check runs
before the first write. Writers take the lock up front (``BEGIN IMMEDIATE``)
and wait for it (a busy timeout plus retries with back-off), so that several
processes can share one file without "database is locked" reaching the user.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from typing import Callable, TypeVar

__all__ = ["StorageError", "open_database", "retry_locked", "is_locked_error", "sqlite_path"]

T = TypeVar("T")

#: How long one statement waits for a lock inside SQLite (its busy handler), in seconds.
BUSY_TIMEOUT = 10.0
#: How long :func:`retry_locked` keeps retrying an operation that found the database locked.
LOCK_PATIENCE = 600.0


class StorageError(ValueError):
    """A storage file that cannot be used (not SQLite, another application's, damaged, locked for too long)."""


def sqlite_path(url: str) -> str:
    """The file path of ``url``: a plain path, or an ``sqlite:///relative`` / ``sqlite:////absolute`` URL."""
    if url.startswith("sqlite:"):
        rest = url[len("sqlite:"):]
        if not rest.startswith("///"):
            raise ValueError(f"an SQLite URL is sqlite:///relative/path or sqlite:////absolute/path, got {url!r}")
        path = rest[3:]
        if not path:
            raise ValueError(f"the SQLite URL {url!r} names no file")
        return path
    return url


def is_locked_error(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite's "database is locked" / "busy" (worth waiting for and retrying)."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def retry_locked(operation: Callable[[], T], path: str, patience: float = LOCK_PATIENCE) -> T:
    """Run ``operation``, retrying with jittered back-off while the database is locked.

    The operation must be safe to run again (a read, or a transaction that
    rolled back). After ``patience`` seconds the lock error becomes a
    :class:`StorageError` naming ``path``.
    """
    deadline = time.monotonic() + patience
    delay = 0.0002
    while True:
        try:
            return operation()
        except sqlite3.OperationalError as exc:
            if not is_locked_error(exc):
                raise
            if time.monotonic() >= deadline:
                raise StorageError(
                    f"{path}: the database stayed locked by another process for more than {patience:.0f} s ({exc})"
                ) from None
            time.sleep(delay * (0.5 + random.random()))  # jittered: waiters do not wake together
            delay = min(delay * 1.5, 0.05)


def open_database(
    path: str,
    *,
    application_id: int,
    what: str,
    schema: str,
    check_integrity: bool = False,
    check_same_thread: bool = True,
    busy_timeout: float = BUSY_TIMEOUT,
) -> sqlite3.Connection:
    """Open (or create) the hpo SQLite file ``path`` of the kind ``application_id``.

    Parameters
    ----------
    path : str
        A file path, or ``":memory:"``.
    application_id : int
        The 32-bit id written in the header of files of this kind.
    what : str
        What the file is, for messages ("an hpo study storage").
    schema : str
        ``CREATE ... IF NOT EXISTS`` statements, run once the file is known to be ours.
    check_integrity : bool
        Run SQLite's ``quick_check`` on an existing file (a damaged file is an error here,
        not in the middle of a search).
    busy_timeout : float
        How long SQLite itself waits for a lock (its busy handler sleeps in steps of
        up to 100 ms). 0 leaves all waiting to :func:`retry_locked`, whose short
        jittered sleeps hand a lock that is held for a millisecond from process to
        process much faster (several processes writing a study after every trial).

    Returns
    -------
    sqlite3.Connection
        In autocommit mode (``isolation_level=None``): callers open their
        transactions explicitly (``BEGIN IMMEDIATE`` for writes). WAL journal,
        ``synchronous=NORMAL`` (a committed transaction survives the process
        being killed; only a power loss may take the last ones).

    Raises
    ------
    StorageError
        The file is not SQLite, belongs to another application, is damaged,
        or was written by a newer schema. Nothing in it is changed.
    """
    memory = path == ":memory:"
    exists = not memory and os.path.exists(path) and os.path.getsize(path) > 0
    if not memory and os.path.isdir(path):
        raise StorageError(f"{path} is a directory, not {what}")
    try:
        db = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None, check_same_thread=check_same_thread)
    except sqlite3.Error as exc:
        raise StorageError(f"{path}: cannot open {what} ({exc})") from None
    try:
        try:
            app_id, n_objects = retry_locked(lambda: _header(db), path)
        except sqlite3.DatabaseError as exc:
            if is_locked_error(exc):
                raise
            raise StorageError(f"{path} is not an SQLite database ({exc}); not touching it") from None
        if exists and app_id != application_id:
            if app_id == 0 and n_objects == 0:
                pass  # an empty SQLite file (created by a tool): ours to fill
            else:
                raise StorageError(
                    f"{path} is not {what} (an SQLite file of another application: application_id "
                    f"{app_id:#x}, {n_objects} tables and indexes); not touching it"
                )
        if exists and check_integrity:
            problems = retry_locked(lambda: db.execute("PRAGMA quick_check(5)").fetchall(), path)
            if [r[0] for r in problems] != ["ok"]:
                raise StorageError(
                    f"{path} is damaged (SQLite quick_check: {'; '.join(str(r[0]) for r in problems)}); "
                    "not touching it"
                )
        if not memory:
            retry_locked(lambda: db.execute("PRAGMA journal_mode=WAL").fetchone(), path)
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")

        def create() -> None:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(f"PRAGMA application_id={int(application_id)}")
                _run_script(db, schema)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

        if app_id != application_id or not exists:
            retry_locked(create, path)
        else:
            _run_script_if_missing(db, schema, path)
    except StorageError:
        db.close()
        raise
    except sqlite3.DatabaseError as exc:
        db.close()
        raise StorageError(f"{path} is not {what}, or it is damaged ({exc}); not touching it") from None
    return db


def _header(db: sqlite3.Connection) -> tuple[int, int]:
    app_id = db.execute("PRAGMA application_id").fetchone()[0]
    n_objects = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    return int(app_id), int(n_objects)


def _statements(schema: str) -> list[str]:
    return [s.strip() for s in schema.split(";") if s.strip()]


def _run_script(db: sqlite3.Connection, schema: str) -> None:
    # one statement at a time: executescript() would COMMIT the open transaction first
    for statement in _statements(schema):
        db.execute(statement)


def _run_script_if_missing(db: sqlite3.Connection, schema: str, path: str) -> None:
    """Create tables or indexes that an older file of ours lacks (no write when none is missing)."""
    existing = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    missing = []
    for statement in _statements(schema):
        words = statement.replace("(", " ").split()
        upper = [w.upper() for w in words]
        if "EXISTS" in upper:
            name = words[upper.index("EXISTS") + 1]
            if name not in existing:
                missing.append(statement)
    if missing:

        def create() -> None:
            db.execute("BEGIN IMMEDIATE")
            try:
                for statement in missing:
                    db.execute(statement)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

        retry_locked(create, path)
