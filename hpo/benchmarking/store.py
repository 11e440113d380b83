"""The benchmark's SQLite store: one row per finished run, written as runs finish.

A rerun reads it to skip finished runs; an interrupted benchmark resumes
from it; the report is rebuilt from it alone.

The ``rounds`` column (coarse-to-fine's ranges per round) came later: a store
written before it gains the column at its first run that has rounds to
keep, and reading never changes the file: the report opens it read-only
(``RunStore(path, readonly=True)``).
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any, Iterator

from ..storage.connection import ReadOnlyDatabase, StorageError, open_database

__all__ = ["RunStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    problem TEXT NOT NULL,
    contender TEXT NOT NULL,
    seed INTEGER NOT NULL,
    n_trials INTEGER NOT NULL,
    losses TEXT NOT NULL,
    budgets TEXT NOT NULL,
    eval_seconds TEXT NOT NULL,
    wall_seconds REAL NOT NULL,
    best_config TEXT,
    test_loss REAL,
    error TEXT,
    finished_at REAL NOT NULL,
    rounds TEXT,
    PRIMARY KEY (problem, contender, seed, n_trials)
);
CREATE TABLE IF NOT EXISTS problems (
    problem TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    optimum REAL,
    reference_losses TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_APPLICATION_ID = 0x68706F62  # "hpob": marks a file as an hpo benchmark store


class RunStore:
    """An SQLite file of benchmark runs (``DIR/runs.db``).

    A file that is not an hpo benchmark store is an error; nothing in it is
    changed. With ``readonly=True`` an existing store is read without any
    write to it or beside it (the report), and the ``add``/``set`` methods
    are a :class:`~hpo.storage.StorageError`.
    """

    def __init__(self, path: str, *, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        self._db: sqlite3.Connection | None = None
        self._reader: ReadOnlyDatabase | None = None
        if readonly:
            self._reader = ReadOnlyDatabase(path, application_id=_APPLICATION_ID, what="an hpo benchmark store")
        else:
            # checks the header before any write (a foreign or damaged file is a ValueError); WAL, busy timeout;
            # autocommit mode: each statement below is its own transaction
            self._db = open_database(path, application_id=_APPLICATION_ID, what="an hpo benchmark store",
                                     schema=_SCHEMA)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
        if self._reader is not None:
            self._reader.close()

    def __enter__(self) -> "RunStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _query(self, sql: str, args: tuple = ()) -> tuple[list[str], list[tuple]]:
        """The column names and rows of a read."""

        def read(db: sqlite3.Connection) -> tuple[list[str], list[tuple]]:
            cursor = db.execute(sql, args)
            return [c[0] for c in cursor.description or ()], cursor.fetchall()

        return self._reader.read(read) if self._reader is not None else read(self._writer())

    def _writer(self) -> sqlite3.Connection:
        if self._db is None:
            raise StorageError(f"{self.path}: opened read-only")
        return self._db

    # ------------------------------------------------------------- runs
    def done(self) -> set[tuple[str, str, int, int]]:
        """Keys (problem, contender, seed, n_trials) of runs that finished without error."""
        _, rows = self._query("SELECT problem, contender, seed, n_trials FROM runs WHERE error IS NULL")
        return {tuple(r) for r in rows}  # type: ignore[misc]

    def add_run(self, row: dict) -> None:
        """Store one run (replacing an earlier failed attempt at the same key)."""
        values = {
            "problem": row["problem"], "contender": row["contender"], "seed": int(row["seed"]),
            "n_trials": int(row["n_trials"]),
            "losses": json.dumps(row.get("losses", [])), "budgets": json.dumps(row.get("budgets", [])),
            "eval_seconds": json.dumps(row.get("eval_seconds", [])),
            "wall_seconds": float(row.get("wall_seconds", 0.0)),
            "best_config": None if row.get("best_config") is None
            else json.dumps(row["best_config"], default=_json_default),
            "test_loss": row.get("test_loss"), "error": row.get("error"), "finished_at": time.time(),
        }
        if row.get("rounds") is not None:
            values["rounds"] = json.dumps(row["rounds"], default=_json_default)
            if "rounds" not in self._columns():  # a store from before the column
                self._writer().execute("ALTER TABLE runs ADD COLUMN rounds TEXT")
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        self._writer().execute(f"INSERT OR REPLACE INTO runs ({names}) VALUES ({marks})", tuple(values.values()))
        self._writer().commit()

    def _columns(self) -> set[str]:
        return {r[1] for r in self._query("PRAGMA table_info(runs)")[1]}

    def runs(self, n_trials: int | None = None) -> Iterator[dict]:
        """Every stored run without error (optionally of one ``n_trials``)."""
        names, rows = self._select("*", "error IS NULL", n_trials)
        for values in rows:
            row = dict(zip(names, values))
            for key in ("losses", "budgets", "eval_seconds"):
                row[key] = json.loads(row[key])
            row["best_config"] = None if row["best_config"] is None else json.loads(row["best_config"])
            row["rounds"] = None if row.get("rounds") is None else json.loads(row["rounds"])
            yield row

    def trial_counts(self) -> list[int]:
        """The ``n_trials`` of the stored runs without error, sorted (one query; :meth:`runs` parses every run)."""
        _, rows = self._query("SELECT DISTINCT n_trials FROM runs WHERE error IS NULL ORDER BY n_trials")
        return [int(r[0]) for r in rows]

    def errors(self, n_trials: int | None = None) -> list[dict]:
        """Runs that ended in an error (optionally of one ``n_trials``): problem, contender, seed, n_trials, error."""
        names, rows = self._select("problem, contender, seed, n_trials, error", "error IS NOT NULL", n_trials)
        return [dict(zip(names, r)) for r in rows]

    def _select(self, columns: str, where: str, n_trials: int | None) -> tuple[list[str], list[tuple]]:
        """``columns`` of the runs ``where`` holds (and of one ``n_trials``), in (problem, contender, seed) order."""
        query, args = f"SELECT {columns} FROM runs WHERE {where}", ()
        if n_trials is not None:
            query, args = query + " AND n_trials = ?", (n_trials,)
        return self._query(query + " ORDER BY problem, contender, seed", args)

    # --------------------------------------------------------- problems
    def reference(self, problem: str) -> dict | None:
        _, rows = self._query("SELECT kind, optimum, reference_losses FROM problems WHERE problem = ?", (problem,))
        if not rows:
            return None
        row = rows[0]
        return {"kind": row[0], "optimum": row[1], "reference_losses": json.loads(row[2])}

    def set_reference(self, problem: str, kind: str, optimum: float | None, losses: list) -> None:
        self._writer().execute(
            "INSERT OR REPLACE INTO problems VALUES (?,?,?,?)", (problem, kind, optimum, json.dumps(losses))
        )
        self._writer().commit()

    def set_meta(self, key: str, value: Any) -> None:
        self._writer().execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))
        self._writer().commit()

    def meta(self) -> dict:
        return {k: json.loads(v) for k, v in self._query("SELECT key, value FROM meta")[1]}


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot store {value!r} as JSON")
