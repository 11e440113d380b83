"""The worker side of hpo's ``ProcessPool``: the loop each worker process runs (receive a task, run it,
send its result back), and the placeholder of an object sent to each worker once.

A worker leads a process group of its own, so that the pool can kill it whole (with what a task
started), and ends itself when the pool's process dies (its lifeline closes).
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
import traceback
from typing import Any

__all__ = ["Shared", "worker_main"]


class Shared:
    """A placeholder for an object sent to each worker once (see :meth:`ProcessPool.share`)."""

    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        self.key = key

    def __reduce__(self) -> Any:
        return (Shared, (self.key,))

    def __repr__(self) -> str:
        return f"<shared {self.key[:8]}>"


def _end_with_the_pool(lifeline: Any) -> None:
    """In a worker: wait until the pool's end of ``lifeline`` closes (its process died), then end this process group.

    A worker that is busy when its pool's process is killed would otherwise
    run its task to the end (an hour's training, a hang) before it noticed.
    """
    try:
        lifeline.recv_bytes()
    except (EOFError, OSError):
        pass
    if hasattr(os, "killpg") and os.getpgrp() == os.getpid():
        os.killpg(os.getpid(), signal.SIGKILL)
    os._exit(1)


def worker_main(conn: Any, lifeline: Any) -> None:
    """A worker process: receive a task, run it, send its result back; until told to stop or the parent goes."""
    import cloudpickle

    if hasattr(os, "setpgid"):
        os.setpgid(0, 0)  # lead a process group of our own: the pool kills it whole, with what a task started
    threading.Thread(target=_end_with_the_pool, args=(lifeline,), name="hpo-lifeline", daemon=True).start()
    cache: dict[str, Any] = {}
    try:
        conn.send_bytes(cloudpickle.dumps(("ready", os.getpid())))
    except OSError:  # the pool was shut down while this worker started
        return
    while True:
        try:
            message = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        if message is None:
            return
        _, task_id, drops, shares, payload, timed = message
        for key in drops:
            cache.pop(key, None)
        try:
            for key, data in shares:
                cache[key] = cloudpickle.loads(data)
            fn, args, kwargs = cloudpickle.loads(payload)
            args = [cache[a.key] if isinstance(a, Shared) else a for a in args]
            kwargs = {k: cache[v.key] if isinstance(v, Shared) else v for k, v in kwargs.items()}
            if timed:  # loaded: the task's time limit starts now, not with the imports its unpickling did
                conn.send_bytes(cloudpickle.dumps(("started", task_id)))
            reply = (task_id, True, fn(*args, **kwargs))
        except KeyboardInterrupt:  # the task's own (a worker leads its own process group: no terminal Ctrl-C)
            reply = (task_id, False, RuntimeError(
                "KeyboardInterrupt raised in a worker process (not a Ctrl-C of the search: worker processes do "
                f"not get the terminal's); an error of this task:\n{traceback.format_exc()}"))
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
            reply = (task_id, False, exc)
        try:
            data = cloudpickle.dumps(reply)
        except Exception as exc:
            what = "result" if reply[1] else f"exception {reply[2]!r}"
            data = cloudpickle.dumps((task_id, False, RuntimeError(
                f"the task's {what} cannot be sent back to the search process: {exc!r}\n{traceback.format_exc()}")))
        try:
            conn.send_bytes(data)
        except (EOFError, OSError):
            return
