"""hpo's ``ProcessPool``: worker processes that each run one task, robust to a task that kills its worker.

Each worker process runs one evaluation at a time, so that a worker that dies
(a segfault, ``os._exit``, the out-of-memory killer) fails only the
evaluation it was running, and an evaluation that runs past its time limit is
stopped by killing its worker (with its process group); a fresh worker takes
its place either way. (joblib's loky pool, used before, marks itself broken
and fails every running task when one worker dies.)
"""

from __future__ import annotations

import concurrent.futures as cf
import itertools
import multiprocessing.util
import os
import pickle
import signal
import threading
import time
import uuid
import weakref
from collections import deque
from concurrent.futures import Future
from multiprocessing.connection import wait as wait_for_connections
from typing import Any, Callable

from .._constraints import Interval, check_options
from .cores import _omp_threads, _thread_env
from .pool_worker import Shared, worker_main

__all__ = ["ProcessPool", "WorkerDiedError", "TrialTimeoutError", "reusable_pool", "IDLE_WORKER_SECONDS"]

#: Worker processes that die before they are ready, in a row, after which a pool gives up.
_MAX_START_FAILURES = 3
#: Seconds a worker may take to load a timed task (imports, data) before the task's own time limit starts.
_LOAD_SECONDS = 120.0

#: Pools not shut down yet, stopped when the process that made them ends (:func:`_stop_live_pools_at_exit`).
_LIVE_POOLS: "weakref.WeakSet[ProcessPool]" = weakref.WeakSet()


def _stop_live_pools(*_: Any) -> None:
    for pool in list(_LIVE_POOLS):
        if pool._owner != os.getpid():  # a forked child's copy of its parent's pool: not its to stop
            continue
        pool.shutdown(wait=False, kill_workers=True)
        for w in list(pool._workers):
            _kill(w.process)


def _stop_live_pools_at_exit(*_: Any) -> None:
    """Stop the live pools when this process ends, before multiprocessing's exit joins its children (idle
    workers wait for work for ever): a multiprocessing finalizer of priority >= 0 runs first, at interpreter
    exit and also when a *child* process ends (a joblib/loky worker running a Tuner with ``n_jobs=2`` in
    ``cross_val_score(..., n_jobs=2)``), which runs no ``atexit`` handler (the program never ended)."""
    multiprocessing.util.Finalize(None, _stop_live_pools, exitpriority=100)


_stop_live_pools_at_exit()
multiprocessing.util.register_after_fork(_stop_live_pools_at_exit, _stop_live_pools_at_exit)


class WorkerDiedError(RuntimeError):
    """The worker process running an evaluation died (a crash, ``os._exit``, killed by the system)."""


class TrialTimeoutError(RuntimeError):
    """An evaluation ran past its time limit and was stopped."""


class _Task:
    __slots__ = ("id", "future", "payload", "keys", "timeout", "started")

    def __init__(self, task_id: int, future: Future, payload: bytes, keys: list[str], timeout: float | None) -> None:
        self.id = task_id
        self.future = future
        self.payload = payload
        self.keys = keys
        self.timeout = timeout
        self.started = False  # its future was marked running (it stays so if the task goes back to the queue)

    def drop(self) -> None:
        """The task will not run: cancel its future (one marked running already fails as cancelled)."""
        if not self.future.cancel() and not self.future.done():
            self.future.set_exception(cf.CancelledError("the task was cancelled before it ran"))


class _Worker:
    __slots__ = ("process", "conn", "lifeline", "ready", "task", "deadline", "loading", "sent")

    def __init__(self, process: Any, conn: Any, lifeline: Any) -> None:
        self.process = process
        self.conn = conn
        self.lifeline = lifeline  # the worker ends itself (and its children) when this closes: the pool is gone
        self.ready = False
        self.task: _Task | None = None
        self.deadline: float | None = None
        self.loading = False  # a timed task sent, not started yet: its time limit starts when it does
        self.sent: set[str] = set()


class ProcessPool:
    """Worker processes that each run one task at a time, robust to a task that kills its worker.

    Parameters
    ----------
    n_workers : int
        How many processes (started at once, in the background).
    env : mapping, optional
        Environment variables of the workers. By default the variables that
        limit OpenMP and BLAS threads (``OMP_NUM_THREADS``,
        ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``...) are set to
        ``cores // n_workers`` (at least 1), except
        those set in this process's environment already (as joblib does):
        so that the workers' threads do not oversubscribe the cores.
    idle_timeout : float, optional
        Workers idle for this many seconds exit; the next task starts them
        again. None: they live until :meth:`shutdown`.

    Notes
    -----
    * A task whose worker dies fails with :class:`WorkerDiedError`; a task
      given a ``timeout`` (:meth:`submit_with_timeout`) that runs past it fails
      with :class:`TrialTimeoutError` and its worker is killed, as is a
      running task given to :meth:`cancel`. Other tasks are not affected and
      a new worker replaces the lost one.
    * Each worker leads its own process group: killing a worker (SIGKILL)
      ends the processes its task started too (a ``subprocess``, joblib's
      workers), unless one of them left the group (``setsid``). A worker
      also ends itself and its group when the pool's process dies. A
      terminal's Ctrl-C reaches the search process only, which stops the
      workers (see :func:`hpo.optimize`).
    * Functions and arguments travel with cloudpickle (lambdas and functions
      of ``__main__`` work, without an ``if __name__ == "__main__"`` guard).
      :meth:`share` sends a large object (the objective and its data) to
      each worker once instead of with every task.
    * :attr:`inner_threads` is the OpenMP thread limit of each worker (its
      ``OMP_NUM_THREADS``; None if neither ``env`` nor this process sets it).
    * Workers start with the pool. Starting one costs a Python process
      importing hpo (one to a few seconds): searches made with ``n_jobs``
      share a pool per worker count (:func:`reusable_pool`, workers idle for
      5 minutes exit), and a pool passed as ``executor=`` serves any number
      of searches.

    Examples
    --------
    >>> from hpo import ProcessPool, optimize, Space, Int
    >>> with ProcessPool(1) as pool:
    ...     print(pool.submit(pow, 2, 10).result())
    ...     result = optimize(lambda c: c["n"] ** 2, Space(n=Int(0, 3)), "grid", executor=pool)
    1024
    >>> result.best_config
    {'n': 0}
    """

    _constraints = {"n_workers": [Interval(int, 1)]}

    def __init__(self, n_workers: int, *, env: dict | None = None, idle_timeout: float | None = None) -> None:
        check_options(self._constraints, n_workers=n_workers)
        n_workers = int(n_workers)
        from joblib.externals.loky.backend.context import get_context

        self._ctx = get_context("loky")  # spawn-like, and does not re-import the user's __main__
        self._owner = os.getpid()
        if env is None:
            env = _thread_env(n_workers)
        self._env = dict(env)
        self.inner_threads: int | None = _omp_threads(self._env) or _omp_threads(os.environ)
        self.n_workers = n_workers
        self._lock = threading.Lock()
        self._queue: deque[_Task] = deque()
        self._workers: list[_Worker] = []
        self._shared: dict[str, bytes] = {}
        self._dropped: set[str] = set()
        self._ids = itertools.count()
        self._shutdown = False
        self._kill = False
        self._broken: str | None = None
        self._start_failures = 0
        self._idle_timeout = idle_timeout
        self._last_busy = time.monotonic()
        self._wake_r, self._wake_w = self._ctx.Pipe(duplex=False)
        for _ in range(n_workers):
            self._workers.append(self._start_worker())
        self._thread = threading.Thread(target=self._manage, name="hpo-process-pool", daemon=True)
        self._thread.start()
        _LIVE_POOLS.add(self)

    # ------------------------------------------------------------- public API
    def share(self, obj: Any) -> Shared:
        """Pickle ``obj`` once; the returned placeholder, given as an argument, stands for it in the workers.

        Each worker receives it with its first task that uses it and keeps it
        until :meth:`unshare`.
        """
        import cloudpickle

        key = uuid.uuid4().hex
        data = cloudpickle.dumps(obj)
        with self._lock:
            self._shared[key] = data
        return Shared(key)

    def unshare(self, ref: Shared) -> None:
        """Forget a shared object (workers drop it with their next task)."""
        with self._lock:
            self._shared.pop(ref.key, None)
            self._dropped.add(ref.key)

    def submit(self, fn: Callable, *args: Any, **kwargs: Any) -> Future:
        """Run ``fn(*args, **kwargs)`` in a worker process."""
        return self.submit_with_timeout(None, fn, *args, **kwargs)

    def submit_with_timeout(self, timeout: float | None, fn: Callable, *args: Any, **kwargs: Any) -> Future:
        """Like :meth:`submit`; a task running longer than ``timeout`` seconds is stopped (its worker killed)."""
        import cloudpickle

        future: Future = Future()
        try:
            payload = cloudpickle.dumps((fn, args, kwargs))
        except Exception as exc:
            future.set_exception(exc)
            return future
        keys = [a.key for a in (*args, *kwargs.values()) if isinstance(a, Shared)]
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot submit to a ProcessPool that was shut down")
            if self._broken is not None:
                future.set_exception(RuntimeError(self._broken))
                return future
            missing = [k for k in keys if k not in self._shared]
            if missing:
                raise ValueError("a shared argument was unshared already")
            self._queue.append(_Task(next(self._ids), future, payload, keys, timeout))
            while len(self._workers) < self.n_workers:  # idle workers had exited: start them again
                self._workers.append(self._start_worker())
        self._wake()
        return future

    def shutdown(self, wait: bool = True, *, kill_workers: bool = False, cancel_futures: bool = False) -> None:
        """Stop the pool: running tasks finish (or, with ``kill_workers``, are killed and fail)."""
        with self._lock:
            self._shutdown = True
            self._kill = self._kill or kill_workers
            if cancel_futures or kill_workers:
                while self._queue:
                    self._queue.popleft().drop()
        self._wake()
        if wait and threading.current_thread() is not self._thread:
            self._thread.join()

    def cancel(self, future: Future) -> bool:
        """Cancel a task of this pool: a waiting one does not start, a running one is stopped at once.

        A running task's worker is killed (with the processes it started)
        and replaced; its future fails with ``concurrent.futures.CancelledError``.
        Returns whether the task was waiting or running (False: done already,
        or not a task of this pool).
        """
        with self._lock:
            for task in self._queue:
                if task.future is future:
                    self._queue.remove(task)
                    task.drop()
                    return True
            for w in self._workers:
                if w.task is not None and w.task.future is future:
                    self._lost(w, cf.CancelledError("the evaluation was cancelled and its worker process killed"))
                    return True
        return False

    def __enter__(self) -> "ProcessPool":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown(wait=True)

    def __repr__(self) -> str:
        return f"ProcessPool({self.n_workers})"

    # ------------------------------------------------------------ the manager
    def _wake(self) -> None:
        try:
            self._wake_w.send_bytes(b"")
        except OSError:  # pragma: no cover - the manager has exited
            pass

    def _start_worker(self) -> _Worker:
        parent, child = self._ctx.Pipe(duplex=True)
        lifeline_r, lifeline_w = self._ctx.Pipe(duplex=False)
        process = self._ctx.Process(target=worker_main, args=(child, lifeline_r), env=self._env)
        process.start()
        child.close()
        lifeline_r.close()
        return _Worker(process, parent, lifeline_w)

    def _manage(self) -> None:
        try:
            while True:
                with self._lock:
                    if self._kill:
                        self._kill_workers("the pool was shut down")
                        break
                    self._dispatch()
                    idle = not self._queue and all(w.task is None for w in self._workers)
                    if self._shutdown and idle:
                        break
                    if not idle:
                        self._last_busy = time.monotonic()
                    elif self._idle_timeout is not None and self._workers and \
                            time.monotonic() - self._last_busy >= self._idle_timeout:
                        self._retire_workers()
                    waitables: list = [self._wake_r]
                    for w in self._workers:
                        waitables += [w.conn, w.process.sentinel]
                    deadlines = [w.deadline for w in self._workers if w.deadline is not None]
                    if idle and self._idle_timeout is not None and self._workers:
                        deadlines.append(self._last_busy + self._idle_timeout)
                timeout = None if not deadlines else max(0.0, min(deadlines) - time.monotonic())
                ready = set(wait_for_connections(waitables, timeout))
                with self._lock:
                    if self._wake_r in ready:
                        while self._wake_r.poll():
                            self._wake_r.recv_bytes()
                    for w in list(self._workers):
                        if w.conn in ready:
                            self._receive(w)
                        elif w.process.sentinel in ready and not w.conn.poll():
                            self._lost(w, None)
                    now = time.monotonic()
                    for w in list(self._workers):
                        if w.deadline is not None and now >= w.deadline and w.task is not None:
                            self._lost(w, TrialTimeoutError(
                                f"the evaluation ran past its time limit of {w.task.timeout:g} s and was stopped (its worker "
                                f"process was killed{f'; loading it took {_LOAD_SECONDS:g} s more' if w.loading else ''})"))
        except BaseException as exc:  # pragma: no cover - a bug here must not hang the caller
            with self._lock:
                self._broken = f"the process pool's manager failed: {exc!r}"
                self._kill_workers(self._broken)
            raise
        finally:
            self._close_workers()

    def _dispatch(self) -> None:
        for w in self._workers:
            if not self._queue:
                return
            if not w.ready or w.task is not None:
                continue
            task = self._queue.popleft()
            if not task.started and not task.future.set_running_or_notify_cancel():
                continue
            task.started = True
            drops = [k for k in w.sent if k in self._dropped]
            w.sent.difference_update(drops)
            shares = [(k, self._shared[k]) for k in task.keys if k not in w.sent]
            try:
                w.conn.send_bytes(pickle.dumps(("task", task.id, drops, shares, task.payload, task.timeout is not None)))
            except OSError:  # it died just now: give the task to another worker
                self._queue.appendleft(task)
                self._lost(w, None)
                continue
            w.sent.update(k for k, _ in shares)
            w.task, w.loading = task, task.timeout is not None  # the limit starts when the task has loaded
            w.deadline = None if task.timeout is None else time.monotonic() + _LOAD_SECONDS + task.timeout

    def _receive(self, w: _Worker) -> None:
        import cloudpickle

        try:
            message = cloudpickle.loads(w.conn.recv_bytes())
        except (EOFError, OSError):
            self._lost(w, None)
            return
        except Exception as exc:  # a result that cannot be unpickled here
            message = (w.task.id if w.task else -1, False, RuntimeError(f"cannot read the worker's result: {exc!r}"))
        if message[0] == "ready":
            w.ready = True
            self._start_failures = 0
            return
        if message[0] == "started":  # a timed task is loaded: its time limit starts now
            if w.task is not None and w.task.id == message[1] and w.loading:
                w.loading, w.deadline = False, time.monotonic() + w.task.timeout
            return
        task_id, ok, value = message
        task = w.task
        w.task, w.deadline, w.loading = None, None, False
        if task is None or task.id != task_id:  # pragma: no cover - protocol error
            return
        if ok:
            task.future.set_result(value)
        else:
            task.future.set_exception(value)

    def _lost(self, w: _Worker, error: BaseException | None) -> None:
        """Worker ``w`` died (``error`` None) or must be killed (``error``): fail its task, start another."""
        _kill(w.process)  # dead or not: what its task started dies with it
        w.process.join(timeout=5)
        code = w.process.exitcode
        task = w.task
        w.task = None
        if task is not None:
            if error is None:
                error = WorkerDiedError(f"the worker process running this evaluation died ({_exit_text(code)})")
            task.future.set_exception(error)
        _close(w)
        self._workers.remove(w)
        if not w.ready:
            self._start_failures += 1
            if self._start_failures >= _MAX_START_FAILURES:
                self._broken = f"hpo's worker processes cannot start ({_exit_text(code)}, {self._start_failures} times)"
                while self._queue:
                    task = self._queue.popleft()
                    if not task.future.done():
                        task.future.set_exception(RuntimeError(self._broken))
                return
        if not self._shutdown or self._queue or any(x.task for x in self._workers):
            self._workers.append(self._start_worker())

    def _kill_workers(self, reason: str) -> None:
        for w in self._workers:
            _kill(w.process)
            if w.task is not None:
                w.task.future.set_exception(RuntimeError(reason))
                w.task = None
        while self._queue:
            self._queue.popleft().drop()

    def _retire_workers(self) -> None:
        """Idle for ``idle_timeout``: let the workers exit (the next task starts new ones)."""
        for w in self._workers:
            try:
                w.conn.send_bytes(pickle.dumps(None))
            except OSError:
                pass
        for w in self._workers:
            _stop(w)
        self._workers = []

    @property
    def alive(self) -> bool:
        """False once the pool is shut down (or broken): it takes no more tasks."""
        return not self._shutdown and self._broken is None and self._thread.is_alive()

    def _close_workers(self) -> None:
        with self._lock:
            workers = list(self._workers)
        for w in workers:
            try:
                w.conn.send_bytes(pickle.dumps(None))
            except OSError:
                pass
        for w in workers:
            _stop(w)
        _LIVE_POOLS.discard(self)


#: Seconds a reusable pool's workers stay up without work (as joblib's reusable executor, so that back-to-back
#: searches do not start their workers again).
IDLE_WORKER_SECONDS = 300.0
_REUSABLE: dict[tuple, ProcessPool] = {}
_REUSABLE_LOCK = threading.Lock()


def reusable_pool(n_workers: int) -> ProcessPool:
    """The process pool of ``n_workers`` that searches made with ``n_jobs`` share.

    One per worker count (and thread settings), created on first use; its
    workers exit after :data:`IDLE_WORKER_SECONDS` without work and start
    again with the next task. A search interrupted by Ctrl-C kills its
    workers, and the next search gets a new pool.
    """
    env = _thread_env(n_workers)
    key = (n_workers, tuple(sorted(env.items())))
    with _REUSABLE_LOCK:
        pool = _REUSABLE.get(key)
        if pool is None or not pool.alive:
            pool = _REUSABLE[key] = ProcessPool(n_workers, env=env, idle_timeout=IDLE_WORKER_SECONDS)
        return pool


def _kill(process: Any) -> None:
    """End a worker process and the processes its task started (its process group) with SIGKILL, at once.

    Only before the process is reaped (``join``, ``is_alive``): its pid then
    still names it and its group. A worker that has not made its own group
    yet (still starting) has started nothing: it alone is killed.
    """
    pid = process.pid
    if pid is None or getattr(process._popen, "returncode", None) is not None:
        return  # never started, or reaped already: the pid may name another process now
    if not hasattr(os, "killpg"):  # pragma: no cover - Windows
        process.terminate()
        return
    try:
        os.killpg(pid, signal.SIGKILL)
        return
    except ProcessLookupError:  # no group of its own yet
        pass
    except PermissionError:  # pragma: no cover - a group of the same number that is not ours
        pass
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:  # pragma: no cover - gone already
        pass


def _close(w: _Worker) -> None:
    """Close the pool's ends of a worker's pipes (its lifeline last: closing it ends a worker still there)."""
    for conn in (w.conn, w.lifeline):
        try:
            conn.close()
        except OSError:  # pragma: no cover
            pass


def _stop(w: _Worker) -> None:
    """Wait briefly for a worker told to exit, kill it if it does not, and close its pipes."""
    w.process.join(timeout=2)
    if w.process.exitcode is None:
        _kill(w.process)
        w.process.join(timeout=2)
    _close(w)


def _exit_text(code: int | None) -> str:
    if code is None:
        return "exit code unknown"
    if code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"
