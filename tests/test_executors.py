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
    configs = [t.config for t in optimize(lambda c: 0.0, SPACE, n_trials=n_trials, seed=seed).trials]
    return [c["x"] > 3.0 for c in configs], [c["x"] < -4.0 for c in configs]


@pytest.mark.slow
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_an_evaluation_past_trial_timeout_is_stopped_and_failed_and_the_search_goes_on(n_jobs):
    seed = 11  # the last trial hangs (so that the test does not wait for its worker to be replaced)
    hangs, _ = _expected(6, seed)
    assert hangs == [False] * 5 + [True]
    result = optimize(_slow_or_fast, SPACE, n_trials=6, seed=seed, n_jobs=n_jobs, trial_timeout=1.0)
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
    result = optimize(_dies, SPACE, n_trials=10, seed=seed, n_jobs=2)
    assert len(result) == 10
    for trial, exit_, segv in zip(result.trials, exits, segfaults):
        if exit_:
            assert trial.status == "failed" and trial.error == (
                "WorkerDiedError: the worker process running this evaluation died (exit code 3)")
        elif segv:
            assert trial.status == "failed" and "died (killed by signal SIGSEGV)" in trial.error
        else:
            assert trial.status == "ok"


def _sleep_then(value, seconds):
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
    with pytest.raises(ValueError, match="trial_timeout cannot stop a thread"):
        optimize(lambda c: 0.0, SPACE, n_trials=2, n_jobs=2, backend="threads", trial_timeout=1)
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
        result = optimize(lambda c: c["x"] ** 2, SPACE, n_trials=12, seed=0, executor=pool, tell_order="completed")
    serial = optimize(lambda c: c["x"] ** 2, SPACE, n_trials=12, seed=0)
    assert [(t.number, t.config, t.value) for t in result.trials] == [(t.number, t.config, t.value)
                                                                      for t in serial.trials]
