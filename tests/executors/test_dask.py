"""Trials on a Dask cluster (a LocalCluster of 2 worker processes, as CI runs it)."""

from __future__ import annotations

import os
import time

import pytest

from hpo import Float, Int, Space, optimize
from hpo.storage import load_study

distributed = pytest.importorskip("distributed")

SPACE = Space(x=Float(-5.0, 5.0), n=Int(1, 10))


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=40)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _square(config):
    return {"value": config["x"] ** 2 + config["n"], "pid": os.getpid()}


@pytest.mark.slow
def test_trials_run_on_the_cluster_workers(client):
    # a non-adaptive strategy: Dask tells trials as they complete, so an adaptive one would differ from serial
    result = optimize(_square, SPACE, "random", n_trials=16, seed=0, executor=client)
    serial = optimize(_square, SPACE, "random", n_trials=16, seed=0)
    assert sorted((t.number, tuple(t.config.items()), t.value) for t in result.trials) == [
        (t.number, tuple(t.config.items()), t.value) for t in serial.trials]
    pids = {t.metrics["pid"] for t in result.trials}
    assert os.getpid() not in pids and len(pids) == 2, "both workers should have run trials"


@pytest.mark.slow
def test_a_tuner_runs_its_fits_on_the_cluster_given_as_executor(client):
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression

    from hpo import Tuner

    X, y = load_breast_cancer(return_X_y=True)
    on_workers = set(client.run(os.getpid).values())
    seen = []

    def pid_scorer(estimator, X, y):
        seen.append(None)
        return float(os.getpid() in on_workers)  # scored where it was fitted

    space = Space(C=Float(1e-3, 1e2, log=True))
    tuner = Tuner(LogisticRegression(max_iter=200), space, "random", n_trials=8, validation=3, random_state=0,
                  scoring={"where": pid_scorer, "accuracy": "accuracy"}, refit="accuracy", executor=client).fit(X, y)
    assert list(tuner.cv_results_["mean_test_where"]) == [1.0] * 8, "every fit ran on a worker"
    assert seen == [], "no fit was scored in this process"
    local = Tuner(LogisticRegression(max_iter=200), space, "random", n_trials=8, validation=3, random_state=0).fit(X, y)
    assert list(tuner.cv_results_["mean_test_accuracy"]) == list(local.cv_results_["mean_test_score"])
    assert tuner.best_params_ == local.best_params_


@pytest.mark.slow
def test_a_tuner_follows_joblibs_dask_backend_as_scikit_learns_searches_do(client):
    # `with parallel_backend("dask"): search.fit(X, y)` puts scikit-learn's fits on the cluster; the Tuner's
    # ran in this process
    from joblib import parallel_backend
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    from hpo import Tuner

    X, y = load_iris(return_X_y=True)
    on_workers = set(client.run(os.getpid).values())

    def pid_scorer(estimator, X, y):
        return float(os.getpid() in on_workers)

    def tuner():
        return Tuner(LogisticRegression(max_iter=300), Space(C=Float(1e-2, 1e2, log=True)), "random", n_trials=4,
                     validation=3, random_state=0, scoring=pid_scorer)

    with parallel_backend("dask"):
        on_dask = tuner().fit(X, y)
    assert list(on_dask.cv_results_["mean_test_score"]) == [1.0] * 4, "every fit ran on a worker"
    assert list(tuner().fit(X, y).cv_results_["mean_test_score"]) == [0.0] * 4, "outside the context: here"


@pytest.mark.slow
def test_a_free_worker_gets_a_new_candidate_without_waiting_for_a_slow_trial(client):
    space = Space(x=Float(0.0, 1.0))
    told = []

    def slow_first(config):  # trial 0 is slow, every later one fast
        time.sleep(3.0 if config["x"] == first_x else 0.02)
        return config["x"]

    first_x = optimize(lambda c: 0.0, space, n_trials=1, seed=3).trials[0].config["x"]
    result = optimize(slow_first, space, n_trials=12, seed=3, executor=client,
                      callbacks=[lambda r, t: told.append(t.number)])
    assert len(result) == 12
    assert told.index(0) >= 2, f"the free worker waited for the slow trial: told in the order {told}"
    assert [t.number for t in result.trials] == list(range(12))
    told.clear()
    optimize(slow_first, space, n_trials=4, seed=3, executor=client, tell_order="asked",
             callbacks=[lambda r, t: told.append(t.number)])
    assert told == [0, 1, 2, 3]


@pytest.mark.slow
def test_a_dask_search_is_stored_and_resumed(client, tmp_path):
    db = str(tmp_path / "dask.db")
    optimize(_square, SPACE, "random", n_trials=6, seed=1, executor=client, storage=db, study="d")
    resumed = optimize(_square, SPACE, "random", n_trials=10, seed=1, executor=client, storage=db, study="d")
    assert [t.number for t in resumed.trials] == list(range(10))
    serial = optimize(_square, SPACE, "random", n_trials=10, seed=1)
    assert [t.config for t in load_study(db, "d").trials] == [t.config for t in serial.trials]


@pytest.mark.slow
def test_trial_timeout_on_dask_fails_the_trial_and_goes_on(client):
    def objective(config):
        if config["n"] == 10:
            time.sleep(4.0)
        return config["x"]

    result = optimize(objective, SPACE, n_trials=12, seed=5, executor=client, trial_timeout=1.0)
    late = [t for t in result.trials if t.config["n"] == 10]
    assert late and all(t.status == "failed" and t.error.startswith("TrialTimeoutError") for t in late)
    assert all(t.status == "ok" for t in result.trials if t.config["n"] != 10)


def _loss(config, budget=None):
    return config["x"] ** 2 + config["n"] + (0.0 if budget is None else 1.0 / budget)


@pytest.mark.slow
def test_every_strategy_runs_asynchronously_on_the_cluster(client):
    import inspect

    from hpo.strategies import available_strategies, get_strategy_class

    for name in available_strategies():
        params = inspect.signature(get_strategy_class(name).__init__).parameters
        options = {"n_initial": 3} if "n_initial" in params else None
        result = optimize(_loss, SPACE, name, n_trials=10, seed=0, executor=client, strategy_options=options)
        assert [t.number for t in result.trials] == list(range(len(result.trials))), name
        assert len(result) == min(10, get_strategy_class(name)(SPACE, seed=0).max_trials or 10), name
        assert all(t.status == "ok" and t.config in SPACE for t in result.trials), name


# ------------------------------------------------------------------ workers that die
@pytest.fixture
def fragile_client():
    """A cluster of its own (its workers get killed) that retries an evaluation once when its worker dies."""
    import dask

    # allowed-failures=1: an evaluation whose worker died runs once more, then fails (Dask's default is 3);
    # lost-worker-timeout: the cluster retires a worker that is not back this long after it died (restarts are
    # slow on a loaded CI machine); worker-saturation=1.0: the scheduler gives a worker an evaluation only when
    # it has a free thread (the default 1.1 assigns 2 to a 1-thread worker, and an evaluation queued behind one
    # that kills its worker is counted by Dask a suspect of that death although it never ran: with the crashing
    # evaluation retried on the other worker, a healthy one then failed 2 of ~5 loaded runs). README's Dask
    # section says so to users whose objectives may crash their workers.
    with dask.config.set({"distributed.scheduler.allowed-failures": 1, "distributed.deploy.lost-worker-timeout": "120s",
                          "distributed.scheduler.worker-saturation": 1.0}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=":0", silence_logs=50)
        with distributed.Client(cluster) as c:
            yield c
        cluster.close()


def _stored_statuses(db, study):
    return [(t.number, t.status) for t in load_study(db, study).trials]


@pytest.mark.slow
def test_an_evaluation_that_kills_its_worker_fails_only_its_trial_and_the_search_finishes(fragile_client, tmp_path):
    space = Space(x=Float(0.0, 1.0))
    xs = [t.config["x"] for t in optimize(lambda c: 0.0, space, n_trials=30, seed=0).trials]
    deadly = set(sorted(xs)[:2])  # 2 of 30 trials end their worker process

    def objective(config):
        time.sleep(0.05)
        if config["x"] in deadly:
            os._exit(1)
        return config["x"]

    db = str(tmp_path / "dask.db")
    result = optimize(objective, space, n_trials=30, seed=0, executor=fragile_client, storage=db, study="s")
    assert [t.number for t in result.trials] == list(range(30))
    for trial in result.trials:
        if trial.config["x"] in deadly:
            assert trial.status == "failed" and trial.error.startswith(
                "WorkerDiedError: the Dask worker running this evaluation died, on each of the 2 workers"), trial.error
        else:
            assert trial.status == "ok", trial.error
    assert _stored_statuses(db, "s") == [(t.number, t.status) for t in result.trials]
    assert len(optimize(objective, space, n_trials=32, seed=0, executor=fragile_client, storage=db, study="s")) == 32


@pytest.mark.slow
def test_a_search_survives_the_death_of_every_worker_it_started_with(fragile_client, tmp_path):
    import signal

    space = Space(x=Float(0.0, 1.0))
    first = set(fragile_client.run(os.getpid).values())

    def objective(config):
        time.sleep(0.3)
        return {"value": config["x"], "pid": os.getpid()}

    def kill_the_workers(result, trial):
        if len(result) == 3:
            for pid in first:
                os.kill(pid, signal.SIGKILL)  # the nannies start new workers

    db = str(tmp_path / "dask.db")
    result = optimize(objective, space, n_trials=16, seed=0, executor=fragile_client, storage=db, study="s",
                      callbacks=[kill_the_workers])
    assert [t.number for t in result.trials] == list(range(16))
    assert all(t.status == "ok" or t.error.startswith("WorkerDiedError") for t in result.trials)
    assert sum(t.status == "ok" for t in result.trials) >= 14  # at most the two running at the kill may fail
    assert {t.metrics["pid"] for t in result.trials if t.status == "ok"} - first, "no trial ran on a new worker"
    assert _stored_statuses(db, "s") == [(t.number, t.status) for t in result.trials]


def test_a_client_closed_mid_search_stops_it_and_the_running_trials_are_left_to_a_resume(tmp_path):
    import sqlite3
    import threading

    from hpo.executors import ExecutorLostError

    def objective(config):
        time.sleep(0.2)
        return config["x"] ** 2

    db = str(tmp_path / "closed.db")
    space = Space(x=Float(-1.0, 1.0))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0",
                                  silence_logs=50) as cluster:
        client = distributed.Client(cluster)
        threading.Timer(1.5, client.close).start()
        # before: the running trial was stored failed (FutureCancelledError), another stayed "running" for ever,
        # and the error came from hpo's clean-up (ClosedClientError: cannot send cancel-keys)
        with pytest.raises(ExecutorLostError, match="the Dask client was closed during the search"):
            optimize(objective, space, "random", n_trials=200, seed=0, executor=client, storage=db, study="s")
    with sqlite3.connect(db) as con:
        states = dict(con.execute("SELECT state, count(*) FROM trials GROUP BY state"))
    assert "failed" not in states and "running" not in states and states.get("abandoned", 0) >= 1, states
    done = states["ok"]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0",
                                  silence_logs=50) as cluster, distributed.Client(cluster) as again:
        result = optimize(objective, space, "random", n_trials=done + 3, seed=0, executor=again, storage=db,
                          study="s")
    assert len(result) == done + 3 and result.n_ok == done + 3


def test_a_cluster_left_without_workers_is_warned_about_once_and_a_closed_client_is_an_executor_lost(monkeypatch):
    import warnings

    from hpo.executors import ExecutorLostError
    from hpo.executors.dask import DaskRunner

    class Client:  # a cluster whose workers all died (a LocalCluster stops restarting them): no threads
        status = "running"
        workers: dict = {}

        def nthreads(self):
            return dict(self.workers)

    monkeypatch.setattr(DaskRunner, "NO_WORKERS_WARN", 0.05)
    client = Client()
    runner = DaskRunner(client)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert runner.slots() == 1  # it waits for workers: one slot, so that the search has something queued
        time.sleep(0.1)
        runner.slots(), runner.slots()
    said = [w for w in caught if "the Dask cluster has had no workers for 0.05 s: the search waits" in str(w.message)]
    assert len(said) == 1 and "no-workers-timeout" in str(said[0].message)
    client.workers = {"tcp://w": 2}
    assert runner.slots() == 2
    client.status = "closed"
    with pytest.raises(ExecutorLostError, match="the Dask client was closed during the search"):
        runner.slots()


def test_an_objective_that_cannot_be_pickled_is_named_as_such_on_dask(client):
    import threading

    lock = threading.Lock()

    def objective(config):
        with lock:
            return config["x"]

    with pytest.raises(TypeError, match="the objective cannot be sent to the Dask cluster: TypeError: cannot pickle "
                                        "'_thread.lock' object. Create what cannot be pickled"):
        optimize(objective, SPACE, n_trials=2, seed=0, executor=client)


def test_n_jobs_beside_a_dask_client_is_said_not_to_apply(client):
    with pytest.warns(UserWarning, match="n_jobs=3 does not apply to a Dask cluster: as many trials run at once as"):
        optimize(_square, SPACE, n_trials=2, seed=0, executor=client, n_jobs=3)
