"""Opening hpo's SQLite files safely, shared by the study storage and the benchmark store.

An hpo database carries an ``application_id`` in its header. A file that is
not SQLite, an SQLite file of another application, or a damaged file is an
error that names the path, and nothing in it is changed: every check runs
before the first write. Writers take the lock up front (``BEGIN IMMEDIATE``)
and wait for it (a busy timeout plus retries with back-off), so that several
processes can share one file without "database is locked" reaching the user.

Readers (:class:`ReadOnlyDatabase`: ``hpo studies|show|export|plot|report``,
``hpo.load_study``, ``hpo bench report``) never write: not the file, not its
journal mode, and no ``-wal`` / ``-shm`` file is left beside it. SQLite's
``mode=ro`` alone creates those two files for a WAL database (and fails in a
read-only directory), so a file with nothing waiting beside it (no ``-wal``
holding changes, no ``-journal``) is read as ``immutable``, and a read that
saw the file or its ``-wal`` change under it (a writer started) is read again
through ``mode=ro``, as is a file with changes waiting in a ``-wal``.
"""

from __future__ import annotations

import os
import pathlib
import random
import re
import sqlite3
import time
from typing import Any, Callable, TypeVar

__all__ = ["StorageError", "open_database", "ReadOnlyDatabase", "retry_locked", "is_locked_error", "sqlite_path"]

T = TypeVar("T")

#: How long one statement waits for a lock inside SQLite (its busy handler), in seconds.
BUSY_TIMEOUT = 10.0
#: How long :func:`retry_locked` keeps retrying an operation that found the database locked.
LOCK_PATIENCE = 600.0


class StorageError(ValueError):
    """A storage file that cannot be used (not SQLite, another application's, damaged, locked for too long).

    Examples
    --------
    >>> from hpo.storage import SQLiteStorage, StorageError
    >>> with open("notes.txt", "w") as f:
    ...     _ = f.write("not a database")
    >>> try:
    ...     SQLiteStorage("notes.txt")
    ... except StorageError as error:
    ...     print(error)
    notes.txt is not an SQLite database (file is not a database); not touching it
    """


def _damaged(path: Any, problems: list) -> StorageError:
    """The error for a file whose SQLite ``quick_check`` found ``problems``, in one line (SQLite's rows hold newlines)."""
    found = "; ".join(line.strip() for row in problems for line in str(row[0]).splitlines() if line.strip())
    return StorageError(f"{path} is damaged (SQLite quick_check: {found}); not touching it")


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
    if not url.strip():
        raise ValueError(f"storage={url!r} names no file (SQLite would keep the study in a temporary database, "
                         "deleted when the search ends, so nothing would resume); give a file path such as "
                         "'results.db', or storage=None for a search that is not stored")
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]+)://", url)  # two letters at least: not a drive letter
    if scheme:
        raise ValueError(
            f"storage {url!r} is a {scheme.group(1)} URL: hpo stores studies in SQLite only (a file path, or "
            "sqlite:///relative.db / sqlite:////absolute.db); to run trials on several machines, use Dask")
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
    check: Callable[[sqlite3.Connection], None] | None = None,
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
    check : callable, optional
        ``check(connection)`` on an existing file of ours, before anything is
        written to it (its schema version, say); it raises :class:`StorageError`
        to refuse the file.

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
    if not memory:
        _check_writable(path)
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
            if "not a database" in str(exc):
                raise StorageError(f"{path} is not an SQLite database ({exc}); not touching it") from None
            raise StorageError(f"{path}: damaged or unreadable ({exc}); not touching it") from None
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
                raise _damaged(path, problems)
        if exists and app_id == application_id and check is not None:
            retry_locked(lambda: check(db), path)
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
        if is_readonly_error(exc):
            raise StorageError(f"{path}: cannot write to it ({exc})") from None
        raise StorageError(f"{path} is not {what}, or it is damaged ({exc}); not touching it") from None
    return db


def is_readonly_error(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite's "attempt to write a readonly database" (a file or directory it cannot write)."""
    return isinstance(exc, sqlite3.OperationalError) and "readonly" in str(exc).lower()


def _check_writable(path: str) -> None:
    """A :class:`StorageError` naming ``path`` and the reason when it (or its directory) cannot be written."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise StorageError(
            f"{path}: cannot write to it: the file is read-only (reading it needs no write: hpo.load_study, "
            "hpo show)"
        )
    if not os.path.isdir(folder):
        raise StorageError(f"{path}: cannot create it: its directory {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise StorageError(
            f"{path}: cannot write to it: its directory {folder} is not writable (SQLite keeps its write-ahead "
            "log, the -wal and -shm files, beside the file)"
        )


class ReadOnlyDatabase:
    """An existing hpo SQLite file of the kind ``application_id``, opened for reading only.

    Nothing in the file's directory changes: no write, no journal mode
    switch, no table created, no ``-wal`` / ``-shm`` file left behind (see
    the module notes). A file in a read-only directory, or a read-only file,
    can be read.

    Parameters
    ----------
    path : str
        An existing file.
    application_id : int
        The id in the header of files of this kind.
    what : str
        What the file is, for messages ("an hpo study storage").
    check_integrity : bool
        Run SQLite's ``quick_check`` when opening.
    check_same_thread : bool
        As for :func:`sqlite3.connect`.

    Raises
    ------
    FileNotFoundError
        No such file.
    StorageError
        A directory, an empty file, not SQLite, an empty SQLite database or
        another application's, a damaged file, or one that cannot be read
        here. Nothing in it is changed.
    """

    def __init__(self, path: str, *, application_id: int, what: str, check_integrity: bool = False,
                 check_same_thread: bool = True) -> None:
        self.path = path
        self._application_id = application_id
        self._what = what
        self._check_integrity = check_integrity
        self._check_same_thread = check_same_thread
        self._db: sqlite3.Connection | None = None
        self._state: tuple | None = None  # the file as the immutable connection saw it; None: a live connection
        if os.path.isdir(path):
            raise StorageError(f"{path} is a directory, not {what}")
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path}: no such file")
        if os.path.getsize(path) == 0:
            raise StorageError(f"{path} is an empty file, not {what}; not touching it")
        self._open(live=self._needs_live())

    def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """``fn(connection)``, a read; run again through a live connection when the file changed meanwhile.

        SQLite errors become :class:`StorageError` naming the file.
        """
        if self._db is None:
            raise StorageError(f"{self.path}: closed")
        if self._state is not None:
            try:
                out = fn(self._db)
                if self._file_state() == self._state:
                    return out
            except sqlite3.DatabaseError as exc:
                if self._file_state() == self._state:
                    raise StorageError(f"{self.path}: {self._cannot_read(exc)}") from None
            self._open(live=True)  # a writer changed the file while it was read
        db = self._db
        assert db is not None
        try:
            return retry_locked(lambda: fn(db), self.path)
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"{self.path}: {self._cannot_read(exc)}") from None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # ------------------------------------------------------------- private
    def _needs_live(self) -> bool:
        """Whether changes wait beside the file (a -wal with frames, a rollback -journal): read them through SQLite."""
        wal = self.path + "-wal"
        return (os.path.exists(wal) and os.path.getsize(wal) > 0) or os.path.exists(self.path + "-journal")

    def _file_state(self) -> tuple:
        """What changes when anyone writes: the file's identity, size and time, and those of its -wal and -journal."""
        out: list = []
        for path in (self.path, self.path + "-wal", self.path + "-journal"):
            try:
                st = os.stat(path)
                out.append((st.st_ino, st.st_size, st.st_mtime_ns))
            except FileNotFoundError:
                out.append(None)
        return tuple(out)

    def _open(self, live: bool) -> None:
        self.close()
        state = None if live else self._file_state()
        uri = pathlib.Path(os.path.abspath(self.path)).as_uri() + "?mode=ro" + ("" if live else "&immutable=1")
        try:
            db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=self._check_same_thread)
        except sqlite3.Error as exc:
            raise StorageError(f"{self.path}: {self._cannot_read(exc)}") from None
        try:
            self._check(db)
        except sqlite3.DatabaseError as exc:
            db.close()
            if is_locked_error(exc):
                raise StorageError(f"{self.path}: locked by another process for too long ({exc})") from None
            if not live and self._file_state() != state:
                return self._open(live=True)
            if "not a database" in str(exc):
                raise StorageError(f"{self.path} is not an SQLite database ({exc}); not touching it") from None
            raise StorageError(f"{self.path}: {self._cannot_read(exc)}") from None
        except StorageError:
            db.close()
            raise
        if not live and self._file_state() != state:
            db.close()
            return self._open(live=True)
        self._db, self._state = db, state

    def _check(self, db: sqlite3.Connection) -> None:
        app_id, n_objects = retry_locked(lambda: _header(db), self.path)
        if app_id != self._application_id:
            if app_id == 0 and n_objects == 0:
                raise StorageError(f"{self.path} is an empty SQLite database, not {self._what}; not touching it")
            raise StorageError(
                f"{self.path} is not {self._what} (an SQLite file of another application: application_id "
                f"{app_id:#x}, {n_objects} tables and indexes); not touching it"
            )
        if self._check_integrity:
            problems = retry_locked(lambda: db.execute("PRAGMA quick_check(5)").fetchall(), self.path)
            if [r[0] for r in problems] != ["ok"]:
                raise _damaged(self.path, problems)

    def _cannot_read(self, exc: BaseException) -> str:
        """Why a read failed: a write-ahead log SQLite cannot read here, or a damaged file."""
        folder = os.path.dirname(os.path.abspath(self.path))
        if self._needs_live() and not os.access(folder, os.W_OK):
            return (f"cannot read it ({exc}): its write-ahead log {self.path}-wal holds changes not yet in the "
                    f"file, and SQLite needs a -shm file beside it to read them, which it cannot create in the "
                    f"read-only directory {folder}; open the study once where the directory is writable, or copy "
                    "the .db, -wal and -shm files together")
        return f"damaged or unreadable ({exc}); not touching it"

    def __enter__(self) -> "ReadOnlyDatabase":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


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
