"""The benchmark's SQLite store: one row per finished run, written as runs finish.

A rerun reads it to skip finished runs; an interrupted benchmark resumes
from it; the report is rebuilt from it alone.

The ``rounds`` column (coarse-to-fine's ranges per round) came later: a store
written before it gains the column at its first run that has rounds to
keep, and reading never changes the file.
"""

from __future__ import annotations

import json
import time
from typing import Any, Iterator

from ..storage.connection import open_database

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
    changed.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        # checks the header before any write (a foreign or damaged file is a ValueError); WAL, busy timeout;
        # autocommit mode: each statement below is its own transaction
        self._db = open_database(path, application_id=_APPLICATION_ID, what="an hpo benchmark store", schema=_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "RunStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------- runs
    def done(self) -> set[tuple[str, str, int, int]]:
        """Keys (problem, contender, seed, n_trials) of runs that finished without error."""
        rows = self._db.execute("SELECT problem, contender, seed, n_trials FROM runs WHERE error IS NULL")
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
                self._db.execute("ALTER TABLE runs ADD COLUMN rounds TEXT")
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        self._db.execute(f"INSERT OR REPLACE INTO runs ({names}) VALUES ({marks})", tuple(values.values()))
        self._db.commit()

    def _columns(self) -> set[str]:
        return {r[1] for r in self._db.execute("PRAGMA table_info(runs)")}

    def runs(self, n_trials: int | None = None) -> Iterator[dict]:
        """Every stored run without error (optionally of one ``n_trials``)."""
        query = "SELECT * FROM runs WHERE error IS NULL"
        args: tuple = ()
        if n_trials is not None:
            query += " AND n_trials = ?"
            args = (n_trials,)
        cursor = self._db.execute(query + " ORDER BY problem, contender, seed", args)
        names = [c[0] for c in cursor.description]
        for values in cursor:
            row = dict(zip(names, values))
            for key in ("losses", "budgets", "eval_seconds"):
                row[key] = json.loads(row[key])
            row["best_config"] = None if row["best_config"] is None else json.loads(row["best_config"])
            row["rounds"] = None if row.get("rounds") is None else json.loads(row["rounds"])
            yield row

    def errors(self) -> list[dict]:
        """Runs that ended in an error: problem, contender, seed, error."""
        cursor = self._db.execute("SELECT problem, contender, seed, error FROM runs WHERE error IS NOT NULL")
        return [dict(zip(("problem", "contender", "seed", "error"), r)) for r in cursor]

    # --------------------------------------------------------- problems
    def reference(self, problem: str) -> dict | None:
        row = self._db.execute(
            "SELECT kind, optimum, reference_losses FROM problems WHERE problem = ?", (problem,)
        ).fetchone()
        if row is None:
            return None
        return {"kind": row[0], "optimum": row[1], "reference_losses": json.loads(row[2])}

    def set_reference(self, problem: str, kind: str, optimum: float | None, losses: list) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO problems VALUES (?,?,?,?)", (problem, kind, optimum, json.dumps(losses))
        )
        self._db.commit()

    def set_meta(self, key: str, value: Any) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))
        self._db.commit()

    def meta(self) -> dict:
        return {k: json.loads(v) for k, v in self._db.execute("SELECT key, value FROM meta")}


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot store {value!r} as JSON")
