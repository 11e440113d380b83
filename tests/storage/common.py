"""Helpers shared by the storage tests."""

from __future__ import annotations

import math
import socket
import sqlite3
import subprocess
import sys

from hpo import Categorical, Float, Int, Space

SPACE = Space(x=Float(-5.0, 5.0), y=Float(1e-3, 10.0, log=True), n=Int(1, 8), k=Categorical(["a", "b", (1, 2)]))


def bowl(config: dict, budget: float | None = None) -> float:
    """A deterministic loss on SPACE (a budget, when a strategy gives one, lowers it a little)."""
    loss = (config["x"] - 1.0) ** 2 + math.log(config["y"]) ** 2 + config["n"] / 8 + (config["k"] == "b")
    return loss + (0.0 if budget is None else 1.0 / float(budget))


def facts(result) -> list[tuple]:
    """What must be equal between two runs of one study: number, configuration, budget, status, value."""
    return [(t.number, t.config, t.budget, t.status, t.value) for t in result.trials]


def add_session(db: str, sid: str, pid: int, token: str | None, *, host: str | None = None, last_seen: float = 0.0,
                running_trial: int | None = None) -> None:
    """Store a session of process ``pid`` on study 1 of ``db`` (this host by default), that has not ended;
    with ``running_trial``, that trial looks as if the session were running it now."""
    con = sqlite3.connect(db)
    con.execute("INSERT INTO sessions (id, study_id, host, pid, pid_token, versions, started, last_seen) "
                "VALUES (?, 1, ?, ?, ?, '{}', 0, ?)", (sid, host or socket.gethostname(), pid, token, last_seen))
    if running_trial is not None:
        con.execute("UPDATE trials SET state='running', session=?, tell_seq=NULL, value=NULL, loss=NULL "
                    "WHERE number=?", (sid, running_trial))
    con.commit()
    con.close()


def dead_pid() -> int:
    """The pid of a process that has ended."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid
