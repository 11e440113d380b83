"""hpo's process pool and the faults it survives: a worker that dies, an evaluation past its time limit."""

from __future__ import annotations

import os
import threading
import time

import pytest

from hpo import Float, Space, optimize
from hpo.executors import ProcessPool, TrialTimeoutError, WorkerDiedError, reusable_pool

SPACE = Space(x=Float(-5.0, 5.0))


def _slow_or_fast(config):
    if config["x"] > 3.0:
        time.sleep(120)  # stands for an evaluation that never ends
    return {"value": config["x"] ** 2, "pid": os.getpid()}


def _dies(config):
    if config["x"] > 3.0:
        os._exit(3)
    if config["x"] < -4.0:
        import ctypes

        ctypes.string_at(0)  # a segfault
    return {"value": config["x"] ** 2, "pid": os.getpid()}


def _expected(n_trials, seed):
    configs = [t.config for t in optimize(lambda c: 0.0, SPACE, "random", n_trials=n_trials, seed=seed).trials]
    return [c["x"] > 3.0 for c in configs], [c["x"] < -4.0 for c in configs]


@pytest.mark.slow
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_an_evaluation_past_trial_timeout_is_stopped_and_failed_and_the_search_goes_on(n_jobs):
    seed = 11  # the last trial hangs (so that the test does not wait for its worker to be replaced)
    hangs, _ = _expected(6, seed)
    assert hangs == [False] * 5 + [True]
    result = optimize(_slow_or_fast, SPACE, "random", n_trials=6, seed=seed, n_jobs=n_jobs, trial_timeout=1.0)
    assert len(result) == 6
    for trial, hang in zip(result.trials, hangs):
        if hang:
            assert trial.status == "failed"
            assert trial.error.startswith("TrialTimeoutError: the evaluation ran past its time limit of 1 s")
        else:
            assert trial.status == "ok" and trial.metrics["pid"] != os.getpid()
    assert result.best_value == min(t.value for t in result.trials if t.status == "ok")


@pytest.mark.slow
def test_a_worker_that_dies_fails_only_its_trial():
    seed = 1288  # trial 8 exits, trial 9 segfaults
    exits, segfaults = _expected(10, seed)
    assert exits.index(True) == 8 and segfaults.index(True) == 9
    result = optimize(_dies, SPACE, "random", n_trials=10, seed=seed, n_jobs=2)
    assert len(result) == 10
    for trial, exit_, segv in zip(result.trials, exits, segfaults):
        if exit_:
            assert trial.status == "failed" and trial.error == (
                "WorkerDiedError: the worker process running this evaluation died (exit code 3)")
        elif segv:
            assert trial.status == "failed" and "died (killed by signal SIGSEGV)" in trial.error
        else:
            assert trial.status == "ok"


def _sleep_then(value, seconds, *ignored):
    time.sleep(seconds)
    return value


@pytest.mark.slow
def test_the_pool_keeps_other_tasks_alive_and_reports_errors_by_type():
    pool = reusable_pool(2)  # warm from the searches above
    with pytest.raises(ZeroDivisionError):
        pool.submit(lambda: 1 / 0).result(timeout=120)
    with pytest.raises(RuntimeError, match="cannot be sent back"):
        pool.submit(threading.Lock).result(timeout=120)
    big = list(range(100_000))
    ref = pool.share(big)
    assert pool.submit(len, ref).result(timeout=120) == 100_000
    assert pool.submit(sum, ref).result(timeout=120) == sum(big)
    pool.unshare(ref)
    slow = pool.submit(_sleep_then, 42, 1.0)
    crash = pool.submit(os._exit, 7)
    late = pool.submit_with_timeout(0.5, _sleep_then, 1, 60)  # runs after the crash, on the new worker
    assert slow.result(timeout=120) == 42
    with pytest.raises(WorkerDiedError, match="exit code 7"):
        crash.result(timeout=120)
    with pytest.raises(TrialTimeoutError, match="time limit of 0.5 s"):
        late.result(timeout=120)


def test_a_pool_that_was_shut_down_takes_no_task():
    pool = ProcessPool(1)
    pool.shutdown(wait=True, kill_workers=True)
    assert not pool.alive
    with pytest.raises(RuntimeError, match="shut down"):
        pool.submit(len, [])


@pytest.mark.slow
def test_searches_made_with_n_jobs_share_warm_workers():
    a = optimize(lambda c: {"value": c["x"], "pid": os.getpid()}, SPACE, n_trials=6, seed=0, n_jobs=2)
    b = optimize(lambda c: {"value": c["x"], "pid": os.getpid()}, SPACE, n_trials=6, seed=1, n_jobs=2)
    assert {t.metrics["pid"] for t in b.trials} <= {t.metrics["pid"] for t in a.trials} | set(
        w.process.pid for w in reusable_pool(2)._workers)
    assert reusable_pool(2) is reusable_pool(2)


def test_threads_cannot_take_a_trial_timeout_and_bad_values_are_errors():
    for n_jobs in (1, 2):  # with n_jobs=1 the trials ran in a worker process, though threads were asked for
        with pytest.raises(ValueError, match="trial_timeout cannot stop a thread"):
            optimize(lambda c: 0.0, SPACE, n_trials=2, n_jobs=n_jobs, backend="threads", trial_timeout=1)
    for bad in (0, -1, "1", True):
        with pytest.raises(ValueError, match="trial_timeout must be a positive number"):
            optimize(lambda c: 0.0, SPACE, n_trials=2, trial_timeout=bad)
    with pytest.raises(ValueError, match="n_workers must be a positive int"):
        ProcessPool(0)
    with pytest.raises(TypeError, match="executor must have a submit method"):
        optimize(lambda c: 0.0, SPACE, n_trials=2, executor=object())
    with pytest.raises(ValueError, match="tell_order must be"):
        optimize(lambda c: 0.0, SPACE, n_trials=2, tell_order="random")


def test_a_user_executor_and_completed_order():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(3) as pool:
        result = optimize(lambda c: c["x"] ** 2, SPACE, "random", n_trials=12, seed=0, executor=pool,
                          tell_order="completed")
    serial = optimize(lambda c: c["x"] ** 2, SPACE, "random", n_trials=12, seed=0)
    assert [(t.number, t.config, t.value) for t in result.trials] == [(t.number, t.config, t.value)
                                                                      for t in serial.trials]


# ------------------------------------------------ workers end with their evaluation, their search, their interpreter
def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, killed and waiting for its parent to read its status, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:  # pragma: no cover - no /proc
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _pids_in(folder) -> list[int]:
    """The pids an objective wrote as file names ``<worker pid>-<child pid>`` in ``folder``."""
    return [int(p) for name in os.listdir(folder) for p in name.split("-")]


def _hangs_with_a_child(folder: str) -> str:
    """Source of an objective that, for x < 0, starts a child process, writes both pids into ``folder``, and hangs."""
    return f'''
import os, subprocess, time

def objective(config):
    if config["x"] < 0:
        child = subprocess.Popen(["sleep", "1000"])
        open(os.path.join({folder!r}, f"{{os.getpid()}}-{{child.pid}}"), "w").close()
        time.sleep(1000)
    return config["x"]
'''


def _run_script(source: str):
    import subprocess
    import sys

    return subprocess.Popen([sys.executable, "-c", source], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_as_in_a_terminal)


def _as_in_a_terminal() -> None:
    """In the child before it runs Python: SIGINT at its default, as in a terminal (a shell's background job, such as
    a CI runner's, starts with SIGINT ignored, and Python then never raises KeyboardInterrupt)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _kill_leftovers(pids) -> None:
    """A failing test must not leave hanging processes behind."""
    import signal

    for pid in pids:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
def test_a_timed_out_evaluation_ends_its_worker_and_the_processes_it_started_and_the_interpreter_exits(tmp_path):
    # seed 0: trial 0 returns, trials 1 and 2 hang (one on each worker) for 1000 s, as does a child each starts
    script = _hangs_with_a_child(str(tmp_path)) + '''
import json, hpo
from hpo.executors import reusable_pool
result = hpo.optimize(objective, hpo.Space(x=hpo.Float(-1, 1)), "random", n_trials=3, seed=0, n_jobs=2, trial_timeout=1)
busy = [w.process.pid for w in reusable_pool(2)._workers if w.task is not None]
print(json.dumps({"errors": [t.error for t in result.trials], "busy": busy}), flush=True)
'''
    proc = _run_script(script)
    try:
        line = proc.stdout.readline()  # the search returned
        alive_after_search = [p for p in _pids_in(tmp_path) if _alive(p)]
        proc.wait(timeout=30)  # a hang detector: the evaluations sleep for 1000 s
    finally:
        proc.kill()
        _kill_leftovers(_pids_in(tmp_path))
    assert proc.returncode == 0, proc.stderr.read()
    import json

    report = json.loads(line)
    assert report["errors"][0] is None and all(e.startswith("TrialTimeoutError") for e in report["errors"][1:])
    assert report["busy"] == []
    assert len(_pids_in(tmp_path)) == 4  # two workers, two children
    assert alive_after_search == [], "the timed-out workers or their children outlived the search"


@pytest.mark.slow
def test_ctrl_c_keeps_the_finished_trials_and_ends_the_running_evaluations_and_their_children(tmp_path):
    import signal

    script = _hangs_with_a_child(str(tmp_path)) + '''
import json, warnings, hpo
warnings.simplefilter("ignore")
try:
    hpo.optimize(objective, hpo.Space(x=hpo.Float(-1, 1)), "random", n_trials=8, seed=0, n_jobs=2)
except KeyboardInterrupt as stop:
    result = stop.result
def running(pid):  # not gone, not a zombie
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
hung = [int(p) for name in os.listdir(%r) for p in name.split("-")]
print(json.dumps({"interrupted": result.interrupted, "statuses": [t.status for t in result.trials],
                  "running_at_return": [p for p in hung if running(p)]}), flush=True)
''' % str(tmp_path)
    proc = _run_script(script)
    try:
        deadline = time.monotonic() + 300
        while len(os.listdir(tmp_path)) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)  # both workers run a hanging evaluation
        assert len(os.listdir(tmp_path)) == 2, proc.stderr.read() if proc.poll() is not None else "no hang started"
        proc.send_signal(signal.SIGINT)  # what Ctrl-C in a terminal sends the search process
        out, err = proc.communicate(timeout=30)  # a hang detector: the evaluations sleep for 1000 s
        alive = [p for p in _pids_in(tmp_path) if _alive(p)]
    finally:
        proc.kill()
        _kill_leftovers(_pids_in(tmp_path))
    assert proc.returncode == 0, err
    import json

    # both hanging evaluations and their children ended before the search returned, not only by the interpreter's exit
    assert json.loads(out) == {"interrupted": True, "statuses": ["ok"], "running_at_return": []}
    assert alive == [], "workers or their children outlived the interrupted search"


def _hang_and_tell(folder):
    open(os.path.join(folder, str(os.getpid())), "w").close()
    time.sleep(1000)


@pytest.mark.slow
def test_a_stopped_search_stops_its_running_evaluations_on_a_pool_of_its_caller(tmp_path):
    from hpo import TrialFailedError

    def objective(config):
        if config["x"] > 0:
            while len(os.listdir(tmp_path)) < 1:
                time.sleep(0.01)  # fail once the other evaluation hangs
            raise ValueError("a bad configuration")
        _hang_and_tell(str(tmp_path))

    seed = 8  # trial 0 hangs, trial 1 fails
    assert [c.config["x"] > 0 for c in optimize(lambda c: 0.0, SPACE, n_trials=2, seed=seed).trials] == [False, True]
    pool = ProcessPool(2)
    try:
        with pytest.raises(TrialFailedError, match="a bad configuration"):
            optimize(objective, SPACE, n_trials=2, seed=seed, executor=pool, on_error="raise", tell_order="completed")
        assert [w.task for w in pool._workers] == [None, None]
        assert [p for p in _pids_in(tmp_path) if _alive(p)] == []
        assert pool.submit(len, "abc").result(timeout=120) == 3  # a fresh worker took the killed one's place
    finally:
        _kill_leftovers(_pids_in(tmp_path))
        pool.shutdown(wait=False, kill_workers=True)


@pytest.mark.slow
def test_workers_end_with_the_process_of_their_pool_even_when_busy(tmp_path):
    import signal

    script = f'''
import os, sys, time
from hpo.executors import ProcessPool, reusable_pool

def _hang_and_tell(folder):
    open(os.path.join(folder, str(os.getpid())), "w").close()
    time.sleep(1000)

own = ProcessPool(1)
shared = reusable_pool(1)
a = own.submit(_hang_and_tell, {str(tmp_path)!r})
b = shared.submit(_hang_and_tell, {str(tmp_path)!r})
while len(os.listdir({str(tmp_path)!r})) < 2:
    time.sleep(0.05)
print("busy", flush=True)
if sys.argv[1:] == ["exit"]:
    sys.exit(0)  # the interpreter exits with two busy pools
time.sleep(1000)
'''
    for how in ("exit", "sigkill"):
        for name in os.listdir(tmp_path):
            os.remove(tmp_path / name)
        import subprocess
        import sys

        proc = subprocess.Popen([sys.executable, "-c", script, how], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        try:
            assert proc.stdout.readline() == "busy\n", proc.stderr.read()
            if how == "sigkill":
                proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)  # a hang detector: the tasks sleep for 1000 s
            deadline = time.monotonic() + 30
            while any(_alive(p) for p in _pids_in(tmp_path)) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert [p for p in _pids_in(tmp_path) if _alive(p)] == [], f"workers outlived their pool ({how})"
        finally:
            proc.kill()
            _kill_leftovers(_pids_in(tmp_path))  # first: a leftover worker holds the pipes communicate reads
            proc.communicate()


@pytest.mark.slow
def test_cancel_drops_a_waiting_task_and_stops_a_running_one(tmp_path):
    import concurrent.futures as cf

    pool = ProcessPool(1)
    try:
        running = pool.submit(_hang_and_tell, str(tmp_path))
        waiting = pool.submit(len, "abc")
        assert pool.cancel(waiting) and waiting.cancelled()
        while not os.listdir(tmp_path):
            time.sleep(0.05)
        assert pool.cancel(running)
        with pytest.raises(cf.CancelledError, match="cancelled and its worker process killed"):
            running.result(timeout=60)
        assert [p for p in _pids_in(tmp_path) if _alive(p)] == []
        done = pool.submit(len, "ab")
        assert done.result(timeout=120) == 2 and not pool.cancel(done)
    finally:
        _kill_leftovers(_pids_in(tmp_path))
        pool.shutdown(wait=False, kill_workers=True)


# ------------------------------------------------------------------ threads inside parallel workers
def _thread_limits(config):
    import sklearn.ensemble  # noqa: F401 - loads scikit-learn's OpenMP runtime
    import threadpoolctl
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

    apis = {d["user_api"]: d["num_threads"] for d in threadpoolctl.threadpool_info()}
    return {"value": config["x"], "openmp": apis["openmp"], "blas": apis["blas"],
            "sklearn_openmp": _openmp_effective_n_threads()}


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["processes", "threads"])
def test_each_parallel_worker_uses_the_cores_shared_out_and_the_result_says_how_many(monkeypatch, backend):
    import joblib
    import threadpoolctl

    from hpo.executors import _THREAD_VARS

    for var in _THREAD_VARS:  # the user's own settings would win
        monkeypatch.delenv(var, raising=False)
    expected = max(1, joblib.cpu_count() // 2)
    blas_before = [d["num_threads"] for d in threadpoolctl.threadpool_info() if d["user_api"] == "blas"]
    result = optimize(_thread_limits, SPACE, n_trials=4, seed=0, n_jobs=2, backend=backend)
    assert result.inner_threads == expected
    for trial in result.trials:
        assert (trial.metrics["openmp"], trial.metrics["blas"], trial.metrics["sklearn_openmp"]) == (
            expected, expected, expected), trial.metrics
    assert [d["num_threads"] for d in threadpoolctl.threadpool_info() if d["user_api"] == "blas"] == blas_before
    assert optimize(_thread_limits, SPACE, n_trials=1, seed=0).inner_threads is None  # in process: no limit


@pytest.mark.slow
def test_the_users_omp_num_threads_wins_as_in_joblib(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    result = optimize(_thread_limits, SPACE, n_trials=2, seed=0, n_jobs=2)
    assert result.inner_threads == 3 and {t.metrics["sklearn_openmp"] for t in result.trials} == {3}


def test_every_runner_is_a_runner():
    from concurrent.futures import ThreadPoolExecutor

    from hpo.executors import DaskRunner, InlineExecutor, Runner, make_runner

    with ThreadPoolExecutor(2) as threads:
        runners = [make_runner(None, 1, "processes", None), make_runner(InlineExecutor(), 2, "processes", None),
                   make_runner(None, 2, "threads", None), make_runner(threads, 2, "processes", None),
                   make_runner(reusable_pool(2), 2, "processes", None), DaskRunner(client=None)]
        assert [type(r).__name__ for r in runners] == [
            "InlineRunner", "InlineRunner", "ThreadsRunner", "FuturesRunner", "PoolRunner", "DaskRunner"]
        assert all(isinstance(r, Runner) for r in runners)
        runners[2].close()
    assert not isinstance(object(), Runner)


class _SlowToLoad:
    """An argument whose unpickling takes ``seconds`` (as importing a heavy module or reading data would)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __reduce__(self):
        return (_load_slowly, (self.seconds,))


def _load_slowly(seconds: float) -> "_SlowToLoad":
    time.sleep(seconds)
    return _SlowToLoad(seconds)


def test_a_trial_timeout_counts_the_evaluation_not_the_loading_of_its_task():
    with ProcessPool(1) as pool:
        loaded = pool.submit_with_timeout(0.5, _sleep_then, 7, 0.0, _SlowToLoad(1.5))
        assert loaded.result(timeout=120) == 7  # 1.5 s to load, then instant: within its 0.5 s
        slow = pool.submit_with_timeout(0.5, _sleep_then, 8, 5.0, _SlowToLoad(0.0))
        with pytest.raises(TrialTimeoutError, match="time limit of 0.5 s"):
            slow.result(timeout=120)


def test_an_objective_that_cannot_be_pickled_is_named_with_what_to_do():
    lock = threading.Lock()

    def objective(config):
        with lock:  # stands for a connection or an open file
            return config["x"] ** 2

    with pytest.raises(TypeError, match=r"the objective cannot be sent to hpo's worker processes .*cannot pickle "
                                        r"'_thread.lock' object. Run it with n_jobs=1"):
        optimize(objective, SPACE, "random", n_trials=4, seed=0, n_jobs=2)
    assert len(optimize(objective, SPACE, "random", n_trials=4, seed=0, n_jobs=2, backend="threads")) == 4


def _search_in_a_pool_worker(n_jobs):
    import warnings as w

    from hpo import Float, Space, optimize

    with w.catch_warnings(record=True) as caught:
        w.simplefilter("always")
        result = optimize(lambda c: c["x"], Space(x=Float(0.0, 1.0)), "random", n_trials=4, seed=0, n_jobs=n_jobs)
    return result.n_ok, [str(m.message) for m in caught if "daemonic" in str(m.message)]


def test_a_search_in_a_daemonic_process_runs_its_trials_there_with_a_warning():
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        n_ok, messages = pool.apply(_search_in_a_pool_worker, (2,))
    assert n_ok == 4 and len(messages) == 1 and "n_jobs=2 runs its trials one at a time here" in messages[0]


def _noisy(config):
    import warnings as w

    with w.catch_warnings(record=True) as shown:  # keeps the filters in force; records what they let through
        w.warn("hpo-test-noise from a worker", RuntimeWarning)
    return {"value": config["x"], "shown": len(shown), "pid": os.getpid()}


def test_the_search_process_warning_filters_hold_in_the_worker_processes():
    import warnings as w

    from hpo import Float, Space, optimize

    space = Space(x=Float(0.0, 1.0))
    with w.catch_warnings():
        w.filterwarnings("ignore", message="hpo-test-noise")
        quiet = optimize(_noisy, space, "random", n_trials=4, seed=0, n_jobs=2)
    with w.catch_warnings():
        w.simplefilter("always")  # and a warning let through is shown, as before
        loud = optimize(_noisy, space, "random", n_trials=4, seed=0, n_jobs=2)
    assert all(t.metrics["pid"] != os.getpid() for t in quiet.trials + loud.trials)  # in worker processes
    assert [t.metrics["shown"] for t in quiet.trials] == [0] * 4
    assert [t.metrics["shown"] for t in loud.trials] == [1] * 4


def _interrupting(config):
    if config["x"] < 0.2:
        raise KeyboardInterrupt  # a library's own, in a worker: not the user's Ctrl-C
    return config["x"]


def test_a_keyboard_interrupt_raised_in_a_worker_fails_its_trial_not_the_search():
    result = optimize(_interrupting, SPACE, n_trials=20, seed=0, n_jobs=2)
    failed = [t for t in result.trials if t.status == "failed"]
    assert len(result) == 20 and not result.interrupted
    assert failed and all(t.config["x"] < 0.2 and "KeyboardInterrupt raised in a worker process" in t.error
                          for t in failed)


def test_limit_threads_limits_blas_until_restored():
    from threadpoolctl import threadpool_info

    from hpo.executors.cores import limit_threads

    def blas_threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    if not before:
        pytest.skip("no BLAS library with a thread pool is loaded")
    with limit_threads(1, "blas"):
        assert set(blas_threads()) == {1}
    assert blas_threads() == before
    limiter = limit_threads(1)  # at once, without a with block
    assert set(blas_threads()) == {1}
    limiter.restore_original_limits()
    assert blas_threads() == before


@pytest.mark.slow
def test_a_program_whose_joblib_workers_ran_parallel_searches_ends():
    # cross_val_score(Tuner(n_jobs=2), n_jobs=2): the scores came back, then the program never ended (a loky
    # worker runs no atexit handler, and multiprocessing's exit joined hpo's idle workers for ever)
    import subprocess
    import sys

    script = """
from sklearn.datasets import load_iris
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from hpo import Categorical, Space, Tuner
X, y = load_iris(return_X_y=True)
tuner = Tuner(KNeighborsClassifier(), Space(n_neighbors=Categorical([1, 5, 15])), "grid", n_trials=None,
              validation=3, n_jobs=2)
print(len(cross_val_score(tuner, X, y, cv=2, n_jobs=2)), flush=True)
"""
    try:
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=240)
    except subprocess.TimeoutExpired as exc:  # a hang detector, not a speed test
        pytest.fail(f"the program did not end; it printed {exc.stdout!r}")
    assert out.returncode == 0 and out.stdout.strip() == "2", out.stderr
