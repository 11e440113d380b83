"""Sessions of a stored study: which processes are alive (this host: the pid and its start; another host:
the last sign of life), and the heartbeat a running session writes."""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time

from .connection import StorageError
from .sqlite import SQLiteStorage

__all__ = ["STALE_AFTER", "TOUCH_EVERY", "Heartbeat", "pid_token", "session_status", "is_alive", "HOST"]

#: A session on another host counts as dead when it wrote nothing for this long (seconds).
STALE_AFTER = 3600.0
#: How often (seconds) a session records that it is alive (``last_seen``; what tells a session on another host dead).
TOUCH_EVERY = 10.0



class Heartbeat:
    """A session's sign of life while it runs: ``last_seen`` written every ``TOUCH_EVERY`` seconds.

    From a daemon thread (the storage serializes its threads), so that a
    session whose trials all run longer than ``STALE_AFTER`` (claiming
    nothing meanwhile) is not taken for dead by a process on another host,
    which would run its trials again. A process that dies stops beating with
    it. A write that fails (the database locked for long) is skipped: the
    next beat tries again.
    """

    def __init__(self, storage: SQLiteStorage, session_id: str) -> None:
        self._storage, self._session_id = storage, session_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="hpo-session-heartbeat", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(TOUCH_EVERY):
            try:
                with self._storage.write() as w:
                    w.touch_session(self._session_id, time.time())
            except (sqlite3.Error, StorageError):
                pass

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def pid_token(pid: int) -> str | None:
    """Something that tells this process from a later one with the same pid ("" when unknown); None: no such process.

    On Linux, the process's start time (``/proc/PID/stat``); a zombie counts as dead.
    Elsewhere on POSIX, whether ``kill(pid, 0)`` finds it. Windows: unknown ("").
    """
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
        if fields[0] in ("Z", "X"):
            return None
        return fields[19]
    except FileNotFoundError:
        if os.path.isdir("/proc/self"):
            return None
    except (OSError, IndexError):
        pass
    if os.name == "posix":
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
    return ""


HOST = socket.gethostname()


def session_status(session: dict, now: float | None = None) -> str:
    """How a stored session ended (``"finished"``, ``"stopped"``, ``"interrupted"``, ``"error"``, ``"died"``), or
    ``"running"``.

    A session that never recorded its end is ``"running"`` only while its
    process may still be alive: on this host, while its pid is that process;
    on another, while it wrote within ``STALE_AFTER`` seconds. Otherwise it
    is ``"died"`` (killed, perhaps while it ran nothing, so that no other
    process has marked it yet). A read: nothing is written.
    """
    if session["ended"] is not None:
        return session["end_reason"] or "ended"
    return "running" if is_alive(session, time.time() if now is None else now) else "died"


def is_alive(session: dict, now: float) -> bool:
    """Whether a session may still be running its trials."""
    if session["ended"] is not None:
        return False
    if session["host"] == HOST:
        token = pid_token(session["pid"])
        if token is None:
            return False
        return not (token and session["pid_token"] and token != session["pid_token"])
    return now - session["last_seen"] < STALE_AFTER
