"""Where evaluations run: in this process, in threads, in hpo's worker processes, or on a Dask cluster.

An executor here is anything with ``submit(fn, *args) -> Future`` (the
``concurrent.futures`` protocol). :class:`ProcessPool` is hpo's own: each
worker process runs one evaluation at a time, so that a worker that dies
(a segfault, ``os._exit``, the out-of-memory killer) fails only the
evaluation it was running, and an evaluation that runs past its time limit is
stopped by killing its worker; a fresh worker takes its place either way.
(joblib's loky pool, used before, marks itself broken and fails every running
task when one worker dies.)

The engine does not talk to executors directly but through a *runner*
(:func:`make_runner`), which ships the objective to the workers once and
knows how to wait for the first of several evaluations, so that one loop
serves all of them.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import itertools
import os
import pickle
import signal
import threading
import time
import traceback
import uuid
import weakref
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from multiprocessing.connection import wait as wait_for_connections
from typing import Any, Callable, Sequence

__all__ = [
    "InlineExecutor", "ProcessPool", "WorkerDiedError", "TrialTimeoutError", "make_executor", "effective_n_jobs",
    "make_runner", "is_dask_client", "reusable_pool", "IDLE_WORKER_SECONDS",
]

#: Threads that BLAS libraries may use inside each worker: the cores shared out among the workers.
_BLAS_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                     "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
#: Worker processes that die before they are ready, in a row, after which a pool gives up.
_MAX_START_FAILURES = 3

#: Pools not shut down yet, stopped at interpreter exit: registered after multiprocessing's own exit
#: handler (imported above), this one runs first, so that handler does not wait for idle workers.
_LIVE_POOLS: "weakref.WeakSet[ProcessPool]" = weakref.WeakSet()


def _stop_live_pools() -> None:
    for pool in list(_LIVE_POOLS):
        pool.shutdown(wait=False, kill_workers=True)
        for w in list(pool._workers):
            _kill(w.process)


atexit.register(_stop_live_pools)


class WorkerDiedError(RuntimeError):
    """The worker process running an evaluation died (a crash, ``os._exit``, killed by the system)."""


class TrialTimeoutError(RuntimeError):
    """An evaluation ran past its time limit and was stopped."""


class InlineExecutor:
    """Runs each call at once in this process (``n_jobs=1``): no pickling, no overhead."""

    def submit(self, fn: Callable, *args: Any) -> Future:
        future: Future = Future()
        future.set_result(fn(*args))
        return future

    def shutdown(self, wait: bool = True, **_: Any) -> None:
        pass


def effective_n_jobs(n_jobs: int | None) -> int:
    """``n_jobs`` as scikit-learn reads it: None is 1, -1 all cores, -2 all but one."""
    if n_jobs is None:
        return 1
    if not isinstance(n_jobs, int) or isinstance(n_jobs, bool) or n_jobs == 0:
        raise ValueError(f"n_jobs must be a non-zero int or None, got {n_jobs!r}")
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return n_jobs


def make_executor(n_jobs: int, backend: str = "processes") -> Any:
    """An executor for ``n_jobs`` workers.

    ``backend="processes"``: the :func:`reusable_pool` of ``n_jobs`` workers
    (each worker's BLAS threads limited so that the workers do not
    oversubscribe the cores; shut it down only to stop its workers early);
    ``"threads"``: a thread pool, for objectives that release the GIL.
    """
    if backend not in ("processes", "threads"):
        raise ValueError(f"backend must be 'processes' or 'threads', got {backend!r}")
    if n_jobs == 1:
        return InlineExecutor()
    if backend == "threads":
        return ThreadPoolExecutor(max_workers=n_jobs)
    return reusable_pool(n_jobs)


# ===================================================================== the pool
class _Shared:
    """A placeholder for an object sent to each worker once (see :meth:`ProcessPool.share`)."""

    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        self.key = key

    def __reduce__(self) -> Any:
        return (_Shared, (self.key,))

    def __repr__(self) -> str:
        return f"<shared {self.key[:8]}>"


class _Task:
    __slots__ = ("id", "future", "payload", "keys", "timeout")

    def __init__(self, task_id: int, future: Future, payload: bytes, keys: list[str], timeout: float | None) -> None:
        self.id = task_id
        self.future = future
        self.payload = payload
        self.keys = keys
        self.timeout = timeout


class _Worker:
    __slots__ = ("process", "conn", "ready", "task", "deadline", "sent")

    def __init__(self, process: Any, conn: Any) -> None:
        self.process = process
        self.conn = conn
        self.ready = False
        self.task: _Task | None = None
        self.deadline: float | None = None
        self.sent: set[str] = set()


class ProcessPool:
    """Worker processes that each run one task at a time, robust to a task that kills its worker.

    Parameters
    ----------
    n_workers : int
        How many processes (started at once, in the background).
    env : mapping, optional
        Environment variables of the workers. By default the BLAS thread
        variables (``OMP_NUM_THREADS``...) are set to ``cores // n_workers``
        unless they are set already.
    idle_timeout : float, optional
        Workers idle for this many seconds exit; the next task starts them
        again. None: they live until :meth:`shutdown`.

    Notes
    -----
    * A task whose worker dies fails with :class:`WorkerDiedError`; a task
      given a ``timeout`` (:meth:`submit_with_timeout`) that runs past it fails
      with :class:`TrialTimeoutError` and its worker is killed. Other tasks
      are not affected and a new worker replaces the lost one.
    * Functions and arguments travel with cloudpickle (lambdas and functions
      of ``__main__`` work, without an ``if __name__ == "__main__"`` guard).
      :meth:`share` sends a large object (the objective and its data) to
      each worker once instead of with every task.
    * Workers start with the pool. Starting one costs a Python process
      importing hpo (one to a few seconds): searches made with ``n_jobs``
      share a pool per worker count (:func:`reusable_pool`, workers idle for
      5 minutes exit), and a pool passed as ``executor=`` serves any number
      of searches.
    """

    def __init__(self, n_workers: int, *, env: dict | None = None, idle_timeout: float | None = None) -> None:
        if not isinstance(n_workers, int) or isinstance(n_workers, bool) or n_workers < 1:
            raise ValueError(f"n_workers must be a positive int, got {n_workers!r}")
        from joblib.externals.loky.backend.context import get_context

        self._ctx = get_context("loky")  # spawn-like, and does not re-import the user's __main__
        if env is None:
            threads = str(max(1, (os.cpu_count() or 1) // n_workers))
            env = {var: os.environ.get(var, threads) for var in _BLAS_THREAD_VARS}
        self._env = dict(env)
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
    def share(self, obj: Any) -> _Shared:
        """Pickle ``obj`` once; the returned placeholder, given as an argument, stands for it in the workers.

        Each worker receives it with its first task that uses it and keeps it
        until :meth:`unshare`.
        """
        import cloudpickle

        key = uuid.uuid4().hex
        data = cloudpickle.dumps(obj)
        with self._lock:
            self._shared[key] = data
        return _Shared(key)

    def unshare(self, ref: _Shared) -> None:
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
        keys = [a.key for a in (*args, *kwargs.values()) if isinstance(a, _Shared)]
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
                    self._queue.popleft().future.cancel()
        self._wake()
        if wait and threading.current_thread() is not self._thread:
            self._thread.join()

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
        process = self._ctx.Process(target=_worker_main, args=(child,), env=self._env)
        process.start()
        child.close()
        return _Worker(process, parent)

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
                                f"the evaluation ran past its time limit of {w.task.timeout:g} s and was stopped "
                                "(its worker process was killed)"))
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
            if not task.future.set_running_or_notify_cancel():
                continue
            drops = [k for k in w.sent if k in self._dropped]
            w.sent.difference_update(drops)
            shares = [(k, self._shared[k]) for k in task.keys if k not in w.sent]
            try:
                w.conn.send_bytes(pickle.dumps(("task", task.id, drops, shares, task.payload)))
            except OSError:  # it died just now: give the task to another worker
                task.future = _requeue(task.future)
                self._queue.appendleft(task)
                self._lost(w, None)
                continue
            w.sent.update(k for k, _ in shares)
            w.task = task
            w.deadline = None if task.timeout is None else time.monotonic() + task.timeout

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
        task_id, ok, value = message
        task = w.task
        w.task, w.deadline = None, None
        if task is None or task.id != task_id:  # pragma: no cover - protocol error
            return
        if ok:
            task.future.set_result(value)
        else:
            task.future.set_exception(value)

    def _lost(self, w: _Worker, error: BaseException | None) -> None:
        """Worker ``w`` died (``error`` None) or must be killed (``error``): fail its task, start another."""
        if error is not None or w.process.is_alive():
            _kill(w.process)
        w.process.join(timeout=5)
        code = w.process.exitcode
        task = w.task
        if task is not None:
            if error is None:
                error = WorkerDiedError(f"the worker process running this evaluation died ({_exit_text(code)})")
            task.future.set_exception(error)
        try:
            w.conn.close()
        except OSError:  # pragma: no cover
            pass
        self._workers.remove(w)
        if not w.ready:
            self._start_failures += 1
            if self._start_failures >= _MAX_START_FAILURES:
                self._broken = f"hpo's worker processes cannot start ({_exit_text(code)}, {self._start_failures} times)"
                while self._queue:
                    self._queue.popleft().future.set_exception(RuntimeError(self._broken))
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
            self._queue.popleft().future.cancel()

    def _retire_workers(self) -> None:
        """Idle for ``idle_timeout``: let the workers exit (the next task starts new ones)."""
        for w in self._workers:
            try:
                w.conn.send_bytes(pickle.dumps(None))
            except OSError:
                pass
        for w in self._workers:
            w.process.join(timeout=2)
            if w.process.is_alive():
                _kill(w.process)
            try:
                w.conn.close()
            except OSError:  # pragma: no cover
                pass
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
            w.process.join(timeout=2)
            if w.process.is_alive():
                _kill(w.process)
                w.process.join(timeout=2)
            try:
                w.conn.close()
            except OSError:  # pragma: no cover
                pass
        _LIVE_POOLS.discard(self)


#: Seconds a reusable pool's workers stay up without work (as joblib's reusable executor, so that back-to-back
#: searches do not start their workers again).
IDLE_WORKER_SECONDS = 300.0
_REUSABLE: dict[tuple, ProcessPool] = {}
_REUSABLE_LOCK = threading.Lock()


def reusable_pool(n_workers: int) -> ProcessPool:
    """The process pool of ``n_workers`` that searches made with ``n_jobs`` share.

    One per worker count (and BLAS settings), created on first use; its
    workers exit after :data:`IDLE_WORKER_SECONDS` without work and start
    again with the next task. A search interrupted by Ctrl-C kills its
    workers, and the next search gets a new pool.
    """
    threads = str(max(1, (os.cpu_count() or 1) // n_workers))
    env = {var: os.environ.get(var, threads) for var in _BLAS_THREAD_VARS}
    key = (n_workers, tuple(sorted(env.items())))
    with _REUSABLE_LOCK:
        pool = _REUSABLE.get(key)
        if pool is None or not pool.alive:
            pool = _REUSABLE[key] = ProcessPool(n_workers, env=env, idle_timeout=IDLE_WORKER_SECONDS)
        return pool


def _requeue(future: Future) -> Future:
    """A future already marked running cannot be re-run: give the caller's future a fresh pending twin."""
    twin: Future = Future()
    twin.add_done_callback(lambda f: _copy_outcome(f, future))
    return twin


def _copy_outcome(source: Future, target: Future) -> None:
    if source.cancelled():
        target.cancel()
    elif source.exception() is not None:
        target.set_exception(source.exception())
    else:
        target.set_result(source.result())


def _kill(process: Any) -> None:
    try:
        process.kill()
    except (OSError, ValueError, AttributeError):  # pragma: no cover - gone already
        pass


def _exit_text(code: int | None) -> str:
    if code is None:
        return "exit code unknown"
    if code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _worker_main(conn: Any) -> None:
    """A worker process: receive a task, run it, send its result back; until told to stop or the parent goes."""
    import cloudpickle

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
        _, task_id, drops, shares, payload = message
        for key in drops:
            cache.pop(key, None)
        try:
            for key, data in shares:
                cache[key] = cloudpickle.loads(data)
            fn, args, kwargs = cloudpickle.loads(payload)
            args = [cache[a.key] if isinstance(a, _Shared) else a for a in args]
            kwargs = {k: cache[v.key] if isinstance(v, _Shared) else v for k, v in kwargs.items()}
            reply = (task_id, True, fn(*args, **kwargs))
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


# ===================================================================== runners
def is_dask_client(obj: Any) -> bool:
    """Whether ``obj`` is a Dask distributed ``Client`` (without importing Dask)."""
    return type(obj).__module__.split(".")[0] == "distributed" and hasattr(obj, "scatter") and hasattr(obj, "submit")


class InlineRunner:
    """Evaluations in this process, one at a time: the handle is the outcome itself."""

    hard_timeout = True
    owned = True

    def start(self, evaluate: Callable, objective: Callable, pass_budget: bool | str) -> None:
        self._evaluate, self._objective, self._pass_budget = evaluate, objective, pass_budget

    def slots(self) -> int:
        return 1

    def submit(self, candidate: Any, spec: Any = None) -> Any:
        return self._evaluate(self._objective, candidate, self._pass_budget, spec)

    def result(self, handle: Any) -> tuple:
        return handle

    def wait_any(self, handles: Sequence, timeout: float | None) -> list:
        return list(handles)

    def cancel(self, handle: Any) -> None:
        pass

    def close(self, interrupted: bool = False) -> None:
        pass


class FuturesRunner:
    """Evaluations through a ``concurrent.futures`` executor (threads, a user's executor, a ProcessPool)."""

    hard_timeout = False

    def __init__(self, executor: Any, n_slots: int, owned: bool) -> None:
        self.executor = executor
        self.n_slots = n_slots
        self.owned = owned

    def start(self, evaluate: Callable, objective: Callable, pass_budget: bool | str) -> None:
        self._evaluate, self._objective, self._pass_budget = evaluate, objective, pass_budget

    def slots(self) -> int:
        return self.n_slots

    def submit(self, candidate: Any, spec: Any = None) -> Any:
        return self.executor.submit(self._evaluate, self._objective, candidate, self._pass_budget, spec)

    def result(self, handle: Any) -> tuple:
        return handle.result()

    def wait_any(self, handles: Sequence, timeout: float | None) -> list:
        done, _ = cf.wait(handles, timeout=timeout, return_when=cf.FIRST_COMPLETED)
        return [h for h in handles if h in done]

    def cancel(self, handle: Any) -> None:
        handle.cancel()

    def close(self, interrupted: bool = False) -> None:
        if not self.owned:
            return
        if isinstance(self.executor, ProcessPool):
            self.executor.shutdown(wait=not interrupted, kill_workers=interrupted)
        else:
            self.executor.shutdown(wait=False)


class PoolRunner(FuturesRunner):
    """Evaluations in a :class:`ProcessPool`: the objective is sent to each worker once; time limits are hard.

    ``owned``: the pool is shut down at the end. ``kill_on_interrupt``: a
    Ctrl-C kills its workers (the running evaluations stop at once).
    """

    hard_timeout = True

    def __init__(self, pool: ProcessPool, owned: bool, trial_timeout: float | None,
                 kill_on_interrupt: bool = False) -> None:
        super().__init__(pool, pool.n_workers, owned)
        self.trial_timeout = trial_timeout
        self.kill_on_interrupt = kill_on_interrupt
        self._shared: _Shared | None = None

    def start(self, evaluate: Callable, objective: Callable, pass_budget: bool | str) -> None:
        super().start(evaluate, objective, pass_budget)
        self._shared = self.executor.share(objective)

    def submit(self, candidate: Any, spec: Any = None) -> Any:
        return self.executor.submit_with_timeout(
            self.trial_timeout, self._evaluate, self._shared, candidate, self._pass_budget, spec)

    def close(self, interrupted: bool = False) -> None:
        if self._shared is not None and not self.owned:
            self.executor.unshare(self._shared)
        if interrupted and self.kill_on_interrupt:
            self.executor.shutdown(wait=False, kill_workers=True)
        super().close(interrupted)


class DaskRunner:
    """Evaluations on a Dask cluster: the objective is scattered to every worker once.

    As many evaluations run at once as the cluster has worker threads
    (looked up again every few seconds, so a cluster that grows is used).
    A time limit is *soft* here: Dask cannot stop a running task, so a trial
    past ``trial_timeout`` is recorded as failed and its task cancelled, but
    the worker thread runs it to its end.
    """

    hard_timeout = False
    owned = False

    def __init__(self, client: Any) -> None:
        self.client = client
        self._slots = 0
        self._checked = -1e9

    def start(self, evaluate: Callable, objective: Callable, pass_budget: bool | str) -> None:
        self._evaluate, self._pass_budget = evaluate, pass_budget
        [self._objective] = self.client.scatter([objective], broadcast=True, hash=False)

    def slots(self) -> int:
        now = time.monotonic()
        if now - self._checked > 5.0:
            self._checked = now
            self._slots = max(1, sum(self.client.nthreads().values()))
        return self._slots

    def submit(self, candidate: Any, spec: Any = None) -> Any:
        return self.client.submit(self._evaluate, self._objective, candidate, self._pass_budget, spec, pure=False)

    def result(self, handle: Any) -> tuple:
        return handle.result()

    def wait_any(self, handles: Sequence, timeout: float | None) -> list:
        from distributed import wait

        try:
            wait(list(handles), timeout=timeout, return_when="FIRST_COMPLETED")
        except (TimeoutError, cf.TimeoutError):
            pass
        return [h for h in handles if h.done()]

    def cancel(self, handle: Any) -> None:
        handle.cancel()

    def close(self, interrupted: bool = False) -> None:
        try:
            self.client.cancel([self._objective])
        except Exception:  # pragma: no cover - the client is closing
            pass


def make_runner(executor: Any, n_jobs: int, backend: str, trial_timeout: float | None) -> Any:
    """The runner for a search: from the ``executor`` given, else from ``n_jobs`` and ``backend``.

    A ``trial_timeout`` needs evaluations that can be stopped: they run in
    worker processes (a :class:`ProcessPool`, of one worker when ``n_jobs=1``);
    with threads it is an error; on a Dask cluster it is soft (see
    :class:`DaskRunner`).
    """
    if executor is not None:
        if is_dask_client(executor):
            return DaskRunner(executor)
        if isinstance(executor, ProcessPool):
            return PoolRunner(executor, owned=False, trial_timeout=trial_timeout)
        if isinstance(executor, InlineExecutor):
            if trial_timeout is not None:
                raise ValueError("trial_timeout needs evaluations in worker processes, not an InlineExecutor")
            return InlineRunner()
        if not callable(getattr(executor, "submit", None)):
            raise TypeError(f"executor must have a submit method (concurrent.futures) or be a Dask Client, "
                            f"got {executor!r}")
        if trial_timeout is not None:
            raise ValueError(
                f"trial_timeout cannot stop an evaluation running in {type(executor).__name__}: use "
                "executor=hpo.ProcessPool(n), n_jobs with backend='processes', or a Dask Client")
        slots = getattr(executor, "_max_workers", None) or n_jobs
        return FuturesRunner(executor, int(slots), owned=False)
    if backend not in ("processes", "threads"):
        raise ValueError(f"backend must be 'processes' or 'threads', got {backend!r}")
    if trial_timeout is not None and backend == "threads" and n_jobs > 1:
        raise ValueError("trial_timeout cannot stop a thread: use backend='processes' (the default)")
    if n_jobs == 1 and trial_timeout is None:
        return InlineRunner()
    if backend == "threads" and n_jobs > 1:
        return FuturesRunner(ThreadPoolExecutor(max_workers=n_jobs), n_jobs, owned=True)
    return PoolRunner(reusable_pool(n_jobs), owned=False, trial_timeout=trial_timeout, kill_on_interrupt=True)
