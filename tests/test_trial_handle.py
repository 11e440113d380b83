"""``objective(config, trial)``: report, should_stop, save and load, in every runner; curves, pruning, states."""

from __future__ import annotations

import math
import os
import pickle
import sqlite3
import subprocess
import sys
import threading

import pytest

import hpo
from hpo import Float, Space, TrialHandle, TrialPruned, optimize
from hpo.engine import call_mode, evaluate
from hpo.handle import _Spec
from hpo.states import FolderStates, MemoryStates, states_folder
from hpo.stopping import MedianRule, PauseAt
from hpo.strategies import make_strategy
from hpo.trial import Candidate, Trial

SPACE = Space(lr=Float(1e-3, 1.0, log=True))
ASHA = {"min_budget": 1, "max_budget": 9}


def training(config: dict, trial) -> dict:
    """A run that trains ``w`` epoch by epoch; it pauses at its rung, saving ``w``, and says what it saw."""
    w = trial.load()
    loaded = w is not None
    w = 0.0 if w is None else w
    stops, loss = [], None
    for epoch in range(trial.done + 1, trial.budget + 1):
        w += config["lr"]
        loss = (1.0 - min(w, 1.0)) + 0.01 / epoch
        trial.report(epoch, loss)
        if trial.should_stop():
            stops.append(epoch)
            trial.save(w)
            break
    return {"value": loss, "done": trial.done, "loaded": loaded, "stops": stops, "pid": os.getpid(),
            "number": trial.number}


def check_asha_run(result: hpo.Result, max_budget: int = 9) -> None:
    """Paused runs stopped at their budget, promoted runs continued from their state, curves were kept."""
    trials = result.trials
    assert all(t.status == "ok" for t in trials)
    for t in trials:
        m = t.metrics
        assert m["number"] == t.number
        assert m["stops"] == ([t.budget] if t.budget < max_budget else []), (t.number, t.budget, m)
        first = m["done"] + 1
        assert [s for s, _ in t.intermediate] == list(range(first, t.budget + 1))
        assert t.last_step == t.budget and t.last_value == t.value
    continued = [t for t in trials if t.metrics["done"] > 0]
    assert continued, "no promoted run continued from its paused state"
    for t in continued:
        assert t.metrics["loaded"]
        earlier = [p for p in trials if p.config == t.config and p.number < t.number]
        assert earlier and t.metrics["done"] == max(p.budget for p in earlier)
    assert result.best_trial.budget == max_budget


# ------------------------------------------------------------------ the call
def test_an_objective_gets_a_handle_only_when_its_second_parameter_is_named_trial():
    def plain(config):
        return 0.0

    def with_budget(config, budget):
        return 0.0

    def with_trial(config, trial):
        return 0.0

    assert call_mode(plain) is False and call_mode(with_budget) is True and call_mode(with_trial) == "trial"
    assert call_mode(lambda config, *rest: 0.0) is True
    seen = []
    optimize(lambda config, budget: seen.append(budget) or 0.0, SPACE, "asha", n_trials=6, seed=0,
             strategy_options=ASHA)
    assert set(seen) <= {1, 3, 9} and 1 in seen, "objective(config, budget) gets the budget as before"
    handles = []
    optimize(lambda config, trial: handles.append(trial) or 0.0, SPACE, "random", n_trials=3, seed=0)
    assert all(isinstance(h, TrialHandle) for h in handles)
    assert [h.number for h in handles] == [0, 1, 2] and all(h.budget is None and h.done == 0 for h in handles)
    result = optimize(plain, SPACE, "random", n_trials=3, seed=0)
    assert all(t.intermediate == [] and "intermediate" not in t.to_record() for t in result.trials)


def test_should_stop_is_always_false_without_a_multi_fidelity_strategy():
    def objective(config, trial):
        answers = []
        for step in range(1, 6):
            trial.report(step, config["lr"] * step)
            answers.append(trial.should_stop())
        return {"value": config["lr"], "answers": answers}

    for strategy in ("random", "sobol", "bayes"):
        result = optimize(objective, SPACE, strategy, n_trials=4, seed=0)
        assert all(t.metrics["answers"] == [False] * 5 for t in result.trials), strategy
        assert all(t.status == "ok" and len(t.intermediate) == 5 for t in result.trials)


# ---------------------------------------------- report, stop, save, load: runners
def test_asha_pauses_runs_at_their_rung_and_promoted_runs_continue_inline():
    result = optimize(training, SPACE, "asha", n_trials=30, seed=0, strategy_options=ASHA)
    check_asha_run(result)
    assert {t.metrics["pid"] for t in result.trials} == {os.getpid()}


@pytest.mark.parametrize("strategy", ["asha", "hyperband"])
def test_raising_trial_pruned_at_a_rung_pauses_the_run_as_returning_does(strategy):
    def optuna_habit(config, trial):  # Optuna's idiom: `if trial.should_stop(): raise TrialPruned()`
        w = trial.load() or 0.0
        for epoch in range(trial.done + 1, trial.budget + 1):
            w += config["lr"]
            trial.report(epoch, (1.0 - min(w, 1.0)) + 0.01 / epoch)
            if trial.should_stop():
                trial.save(w)
                raise TrialPruned()
        return (1.0 - min(w, 1.0)) + 0.01 / trial.budget

    def returning(config, trial):
        return training(config, trial)["value"]

    raised, returned = (optimize(f, SPACE, strategy, n_trials=30, seed=0, strategy_options=ASHA)
                        for f in (optuna_habit, returning))
    assert [t.status for t in raised.trials] == ["ok"] * 30
    assert [(t.config, t.budget, t.value, t.intermediate) for t in raised.trials] == \
        [(t.config, t.budget, t.value, t.intermediate) for t in returned.trials]
    assert max(t.budget for t in raised.trials) == 9 and raised.best_trial.budget == 9


def test_a_run_that_continued_its_saved_state_is_marked_resumed_from():
    result = optimize(training, SPACE, "asha", n_trials=30, seed=0, strategy_options=ASHA)
    for t in result.trials:  # ``done``: the step the run started from; a fresh run is not marked
        assert t.metrics.get("resumed_from", 0) == t.metrics["done"], (t.number, t.metrics)
    assert any("resumed_from" in t.metrics for t in result.trials)
    scratch, continued = result.strategy_instance.fidelity.cost(1)
    assert continued is not None, "the strategy counts continuations apart from fits from scratch"


@pytest.mark.parametrize("strategy, options", [
    ("halving", {"min_budget": 1, "max_budget": 9}),
    ("hyperband", {"min_budget": 1, "max_budget": 9, "n_brackets": 2}),
])
def test_halving_and_hyperband_give_the_same_rung_rule(strategy, options):
    result = optimize(training, SPACE, strategy, n_trials=40, seed=1, strategy_options=options)
    check_asha_run(result)


@pytest.mark.slow
def test_asha_with_two_worker_processes_sends_states_with_the_promoted_candidates():
    result = optimize(training, SPACE, "asha", n_trials=30, seed=0, n_jobs=2, strategy_options=ASHA)
    check_asha_run(result)
    assert os.getpid() not in {t.metrics["pid"] for t in result.trials}
    again = optimize(training, SPACE, "asha", n_trials=30, seed=0, n_jobs=2, strategy_options=ASHA)
    assert [(t.config, t.budget, t.value) for t in again.trials] == [(t.config, t.budget, t.value)
                                                                     for t in result.trials]


def test_asha_with_threads():
    result = optimize(training, SPACE, "asha", n_trials=30, seed=0, n_jobs=2, backend="threads",
                      strategy_options=ASHA)
    check_asha_run(result)


@pytest.mark.slow
def test_asha_on_dask_continues_promoted_runs_on_the_workers():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=":0", silence_logs=40)
    try:
        with distributed.Client(cluster) as client:
            result = optimize(training, SPACE, "asha", n_trials=30, seed=0, executor=client,
                              tell_order="asked", strategy_options=ASHA)
    finally:
        cluster.close()
    check_asha_run(result)


def test_without_room_for_states_a_promoted_run_starts_over(tmp_path):
    result = optimize(training, SPACE, "asha", n_trials=30, seed=0, strategy_options=ASHA, max_states=0)
    assert all(t.metrics["done"] == 0 and not t.metrics["loaded"] for t in result.trials)
    promoted = [t for t in result.trials if t.budget > 1]
    assert promoted and all([s for s, _ in t.intermediate] == list(range(1, t.budget + 1)) for t in promoted)
    with pytest.raises(ValueError, match="max_states must be a non-negative int, got -1"):
        optimize(training, SPACE, "asha", n_trials=3, strategy_options=ASHA, max_states=-1)
    with pytest.raises(ValueError, match="max_states"):
        optimize(training, SPACE, "asha", n_trials=3, strategy_options=ASHA, max_states=1.5,
                 storage=str(tmp_path / "s.db"))
    assert not os.listdir(tmp_path), "the storage was touched before the bad option was named"


# ------------------------------------------------------------------ the median rule
def curve_objective(config, trial):
    """Runs whose curves never cross: a larger ``lr`` is worse at every step."""
    loss = None
    for step in range(1, 11):
        loss = config["lr"] + 1.0 / step
        trial.report(step, loss)
        if trial.should_stop():
            raise TrialPruned()
    return loss


def test_the_median_rule_prunes_a_run_worse_than_the_median_of_earlier_runs():
    strategy = make_strategy("median", SPACE, seed=0, options={"max_budget": 10, "n_startup": 3})
    for i, lr in enumerate([0.1, 0.2, 0.3]):
        [c] = strategy.ask(1)
        assert c.stop_rule is None, "no rule before n_startup runs completed"
        curve = [(s, lr + 1.0 / s) for s in range(1, 11)]
        strategy.tell(Trial(i, c, "ok", curve[-1][1], curve[-1][1], intermediate=curve))
    [c] = strategy.ask(1)
    rule = c.stop_rule
    assert isinstance(rule, MedianRule) and rule.medians[1] == pytest.approx(1.2) and c.budget == 10
    worse = Candidate({"lr": 0.25}, 10, c.id, {}, rule)
    better = Candidate({"lr": 0.15}, 10, c.id, {}, rule)
    outcome = evaluate(curve_objective, worse, "trial", _Spec(3))
    assert outcome.status == "pruned" and outcome.value is None
    assert "pruned at step 1" in outcome.error and "median 1.2 of 3 earlier runs" in outcome.error
    assert outcome.extra["curve"] == [(1, 1.25)]
    outcome = evaluate(curve_objective, better, "trial", _Spec(3))
    assert outcome.status == "ok" and outcome.value == pytest.approx(0.25) and len(outcome.extra["curve"]) == 10

    def returns_after_stop(config, trial):  # no TrialPruned: returning after should_stop() prunes too
        for step in range(1, 11):
            trial.report(step, config["lr"] + 1.0 / step)
            if trial.should_stop():
                break
        return 0.0

    outcome = evaluate(returns_after_stop, worse, "trial", _Spec(3))
    assert outcome.status == "pruned" and "median" in outcome.error
    maximize = evaluate(curve_objective, worse, "trial", _Spec(3, sign=-1.0))
    assert maximize.status == "ok", "maximizing, a larger value is better than the median"


def test_a_median_search_records_pruned_trials_with_their_last_step_and_value():
    result = optimize(curve_objective, SPACE, "median", n_trials=30, seed=0,
                      strategy_options={"max_budget": 10, "min_steps": 2})
    pruned = [t for t in result.trials if t.status == "pruned"]
    assert len(pruned) >= 5 and result.n_ok >= 5
    for t in pruned:
        assert t.last_step >= 2 and t.last_step < 10 and t.value is None
        assert t.last_value == pytest.approx(t.config["lr"] + 1.0 / t.last_step)
        record = t.to_record()
        assert record["last_step"] == t.last_step and record["intermediate"][-1] == [t.last_step, t.last_value]
    assert result.best_trial.status == "ok" and len(result.best_trial.intermediate) == 10
    assert result.best_value == min(t.value for t in result.trials if t.status == "ok")
    again = optimize(curve_objective, SPACE, "median", n_trials=30, seed=0,
                     strategy_options={"max_budget": 10, "min_steps": 2})
    assert [(t.config, t.status, t.intermediate) for t in again.trials] == [
        (t.config, t.status, t.intermediate) for t in result.trials]
    frame = result.to_dataframe()
    assert {"last_step", "last_value", "intermediate"} <= set(frame.columns)


def test_bad_median_options_are_named():
    for options, name in [({"min_steps": -1}, "min_steps"), ({"n_startup": 1.5}, "n_startup"),
                          ({"max_budget": 0}, "max_budget")]:
        with pytest.raises(ValueError, match=name):
            make_strategy("median", SPACE, seed=0, options=options)


# ------------------------------------------------------------------ bad use
def test_bad_reports_fail_the_trial_with_a_message_naming_the_steps_and_the_value():
    def backwards(config, trial):
        trial.report(3, 0.5)
        trial.report(2, 0.4)
        return 0.0

    def not_finite(config, trial):
        trial.report(1, 0.5)
        trial.report(2, math.nan)
        return 0.0

    def not_a_number(config, trial):
        trial.report(1, "0.5")
        return 0.0

    for objective, message, curve in [
        (backwards, "trial.report(step=2): steps must increase, but the previous report was at step 3 (the step "
                    "comes first", [(3, 0.5)]),
        (not_finite, "trial.report(step=2, value=nan): the value is not finite", [(1, 0.5)]),
        (not_a_number, "trial.report(step=1, value='0.5'): the value must be a number, got str", []),
    ]:
        outcome = evaluate(objective, Candidate({"lr": 0.1}), "trial")
        assert outcome.status == "failed" and message in outcome.error and outcome.extra["curve"] == curve
    with pytest.raises(hpo.AllTrialsFailedError, match=r"steps must increase"):
        optimize(backwards, SPACE, "random", n_trials=2, seed=0)


def test_a_non_finite_report_fails_its_trial_and_the_search_goes_on():
    def objective(config, trial):
        trial.report(1, config["lr"])
        trial.report(2, math.inf if config["lr"] > 0.05 else config["lr"] / 2)
        return config["lr"]

    result = optimize(objective, SPACE, "random", n_trials=12, seed=0)
    failed = [t for t in result.trials if t.status == "failed"]
    assert failed and result.n_ok and len(result) == 12
    assert all("trial.report(step=2, value=inf): the value is not finite" in t.error for t in failed)
    assert all(t.intermediate == [(1, t.config["lr"])] for t in failed), "the curve up to the failure is kept"


def test_an_unpicklable_state_is_named():
    def objective(config, trial):
        trial.report(1, 0.5)
        trial.save({"epoch": 1, "batches": (b for b in range(3))})
        return 0.5

    outcome = evaluate(objective, Candidate({"lr": 0.1}, 1, 0, {}, PauseAt(1)), "trial", _Spec(0))
    assert outcome.status == "failed"
    assert ("trial.save(state): the state, a builtins.dict, cannot be pickled (cloudpickle) (its entry 'batches', "
            "a builtins.generator)") in outcome.error


def test_load_without_a_state_is_none_and_steps_and_values_read_back():
    handle = TrialHandle(Candidate({"lr": 0.1}, 5))
    assert handle.load() is None and handle.done == 0 and handle.budget == 5 and handle.config == {"lr": 0.1}
    handle.report(1, 0.9)
    handle.report(2.5, 0.7)
    assert handle.steps == [1, 2.5] and handle.values == [0.9, 0.7]
    import numpy as np

    handle.report(np.int64(3), np.float32(0.5))
    assert type(handle.steps[-1]) is int and type(handle.values[-1]) is float
    with pytest.raises(TypeError, match="the step must be a number, got bool"):
        handle.report(True, 0.1)
    state = pickle.dumps([1, 2, 3])
    resumed = TrialHandle(Candidate({"lr": 0.1}, 9, 0, {}, PauseAt(9)), _Spec(4, 1.0, state, 3))
    assert resumed.done == 3 and resumed.load() == [1, 2, 3] and resumed.number == 4


# ------------------------------------------------------------------ storage
def test_curves_are_stored_with_the_trials_and_read_back(tmp_path):
    db = str(tmp_path / "curves.db")
    result = optimize(curve_objective, SPACE, "median", n_trials=20, seed=0, storage=db, study="m",
                      strategy_options={"max_budget": 10, "min_steps": 2})
    loaded = hpo.load_study(db, "m")
    assert [(t.status, t.intermediate) for t in loaded.trials] == [(t.status, t.intermediate) for t in result.trials]
    assert any(t.status == "pruned" for t in loaded.trials)
    # resuming replays the curves to the strategy: its median rule is the one it had
    more = optimize(curve_objective, SPACE, "median", n_trials=30, seed=0, storage=db, study="m",
                    strategy_options={"max_budget": 10, "min_steps": 2})
    alone = optimize(curve_objective, SPACE, "median", n_trials=30, seed=0,
                     strategy_options={"max_budget": 10, "min_steps": 2})
    assert [(t.config, t.status, t.intermediate) for t in more.trials] == [
        (t.config, t.status, t.intermediate) for t in alone.trials]


def test_a_study_file_without_the_curves_table_is_read_without_writing(tmp_path):
    db = str(tmp_path / "old.db")
    optimize(lambda c: c["lr"], SPACE, "random", n_trials=3, seed=0, storage=db, study="old")
    con = sqlite3.connect(db)
    con.execute("DROP TABLE curves")
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    for suffix in ("-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    before = open(db, "rb").read()
    result = hpo.load_study(db, "old")
    assert len(result) == 3 and all(t.intermediate == [] for t in result.trials)
    assert open(db, "rb").read() == before and sorted(os.listdir(tmp_path)) == ["old.db"]
    # a search that writes to it adds the table
    optimize(curve_objective, SPACE, "random", n_trials=5, seed=0, storage=db, study="old")
    assert len(hpo.load_study(db, "old").trials[-1].intermediate) == 10


_CRASHING_SEARCH = r'''
import os, sys
import hpo
sys.path.insert(0, {tests!r})
from test_trial_handle import SPACE, ASHA, training

def objective(config, trial):
    if trial.done > 0:            # a promoted run that continues from its state: the process dies in it
        os._exit(3)
    return training(config, trial)

hpo.optimize(objective, SPACE, "asha", n_trials=30, seed=0, storage=sys.argv[1], study="crash",
             strategy_options=dict(ASHA, n_trials=30))
'''


@pytest.mark.slow
def test_a_killed_study_resumes_and_its_promoted_run_continues_from_the_saved_state(tmp_path):
    db = str(tmp_path / "crash.db")
    script = tmp_path / "search.py"
    script.write_text(_CRASHING_SEARCH.format(tests=os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.run([sys.executable, str(script), db], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr
    folder = states_folder(db, "crash")
    saved = [f for f in os.listdir(folder) if f.endswith(".state")]
    assert saved, "the paused runs' states were not kept beside the study"
    running = [r for r in hpo.storage.SQLiteStorage(db).trial_rows("crash") if r.state == "running"]
    assert len(running) == 1  # the promoted run the process died in
    result = optimize(training, SPACE, "asha", n_trials=30, seed=0, storage=db, study="crash",
                      strategy_options=dict(ASHA, n_trials=30))
    rerun = next(t for t in result.trials if t.number == running[0].number)
    assert rerun.metrics["loaded"] and rerun.metrics["done"] > 0, "the re-run started over"
    check_asha_run(result)
    assert not os.path.exists(os.path.dirname(folder)), "a finished study's states are removed"


def test_reading_a_study_never_loads_a_state(tmp_path, monkeypatch):
    db = str(tmp_path / "s.db")
    optimize(training, SPACE, "asha", n_trials=10, seed=0, storage=db, study="s",
             strategy_options=dict(ASHA, n_trials=30))
    assert os.listdir(states_folder(db, "s")), "states wait for the study to go on"

    def refuse(*args, **kwargs):
        raise AssertionError("a state was unpickled")

    import cloudpickle

    monkeypatch.setattr(cloudpickle, "loads", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    result = hpo.load_study(db, "s")
    assert len(result) == 10 and result.trials[0].intermediate


# ------------------------------------------------------------------ the states
def ranked_trials(*losses_by_budget):
    out = []
    for budget, losses in losses_by_budget:
        for loss in losses:
            out.append(Trial(len(out), Candidate({"lr": loss}, budget), "ok", loss, loss))
    return out


@pytest.mark.parametrize("kind", ["memory", "folder"])
def test_states_are_bounded_and_the_worst_ranked_goes_first(tmp_path, kind):
    store = MemoryStates(2) if kind == "memory" else FolderStates(str(tmp_path / "states"), 2)
    trials = ranked_trials((1, [0.1, 0.2, 0.3, 0.4]), (3, [0.05, 0.5]))
    for lr, budget, loss in [(0.1, 1, 0.1), (0.4, 1, 0.4), (0.05, 3, 0.05)]:
        store.put({"lr": lr}, pickle.dumps(lr), {"number": 0, "budget": budget, "loss": loss, "done": budget},
                  lambda: trials)
    assert len(store) == 2
    assert store.get({"lr": 0.4}) is None, "the worst of its rung is dropped first"
    state, meta = store.get({"lr": 0.05})
    assert pickle.loads(state) == 0.05 and meta["done"] == 3
    store.discard({"lr": 0.05})
    assert store.get({"lr": 0.05}) is None and len(store) == 1
    store.close(complete=True)
    assert len(store) == 0


@pytest.mark.parametrize("strategy", ["halving", "asha"])
def test_among_equal_losses_the_newest_state_goes_first(strategy):
    # the strategies promote the earliest of equal losses; the store dropped the oldest state among equals,
    # so with a discrete loss (accuracy) and a tight max_states every promotion started over
    restarts = []

    def objective(config, trial):
        model = trial.load()
        if model is None and trial.budget > 1:
            restarts.append(trial.number)
        model = model or {"steps": 0}
        for epoch in range(trial.done + 1, trial.budget + 1):
            model["steps"] += 1
            trial.report(epoch, 1.0)
            if trial.should_stop():
                trial.save(model)
                break
        return 1.0

    result = optimize(objective, SPACE, strategy, n_trials=13, seed=0, max_states=3,
                      strategy_options={"min_budget": 1, "max_budget": 9, "eta": 3})
    promoted = [t.number for t in result.trials if t.budget > 1]
    assert promoted and restarts == [], f"promotions {promoted} started over: {restarts}"


class _CountingTrials(list):
    """A search's trial list that counts the trials read by iterating over it."""

    read = 0

    def __iter__(self):
        for t in list.__iter__(self):
            type(self).read += 1
            yield t


def test_keeping_states_reads_each_trial_a_bounded_number_of_times(monkeypatch):
    # dropping the worst-ranked state ranked it against every trial of the search, read again after each
    # trial: a search of n trials did O(n**2) work (about 1 ms per trial at 1,500 trials, growing)
    original = hpo.Result.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.trials = _CountingTrials(self.trials)

    monkeypatch.setattr(hpo.Result, "__init__", init)
    monkeypatch.setattr(_CountingTrials, "read", 0)

    def objective(config, trial):
        model = trial.load() or {"steps": 0}
        for epoch in range(trial.done + 1, trial.budget + 1):
            model["steps"] += 1
            trial.report(epoch, config["lr"] + 1.0 / epoch)
            if trial.should_stop():
                trial.save(model)
                break
        return config["lr"] + 1.0 / trial.budget

    n = 400
    result = optimize(objective, SPACE, "asha", n_trials=n, seed=0, max_states=4,
                      strategy_options={"min_budget": 1, "max_budget": 27})
    assert len(result.trials) == n and isinstance(result.trials, _CountingTrials)
    assert _CountingTrials.read <= 3 * n, f"{_CountingTrials.read} trials read for {n} trials"


@pytest.mark.parametrize("kind", ["memory", "folder"])
def test_the_ranking_of_states_follows_trials_that_arrive_by_another_path(tmp_path, kind):
    # trials of a resumed study or of another process reach the search's list without passing by the store
    store = MemoryStates(1) if kind == "memory" else FolderStates(str(tmp_path / "states"), 1)
    trials = ranked_trials((1, [0.1, 0.2, 0.3]))
    store.put({"lr": 0.1}, b"a", {"number": 0, "budget": 1, "loss": 0.1, "done": 1}, lambda: trials)
    trials += ranked_trials((1, [0.01, 0.02, 0.03, 0.04]))  # now 0.1 ranks 5th of 7
    store.put({"lr": 0.02}, b"b", {"number": 4, "budget": 1, "loss": 0.02, "done": 1}, lambda: trials)
    assert store.get({"lr": 0.1}) is None and store.get({"lr": 0.02}) is not None
    store.put({"lr": 0.3}, b"c", {"number": 2, "budget": 1, "loss": 0.3, "done": 1}, lambda: trials)
    assert store.get({"lr": 0.3}) is None, "the worse of the two goes, by the ranks among all seven"


def test_halving_releases_the_configurations_it_will_not_promote():
    strategy = make_strategy("halving", SPACE, seed=0, options={"min_budget": 1, "max_budget": 9})
    candidates = strategy.ask(9)
    assert all(c.stop_rule == PauseAt(1) for c in candidates)
    for i, c in enumerate(candidates):
        strategy.tell(Trial(i, c, "ok", c.config["lr"], c.config["lr"]))
    released = strategy.take_released()
    assert len(released) == 6 and strategy.take_released() == []
    promoted = strategy.ask(3)
    assert {tuple(c.config.items()) for c in promoted}.isdisjoint({tuple(r.items()) for r in released})
    assert all(c.stop_rule == PauseAt(3) for c in promoted)
    top = make_strategy("asha", SPACE, seed=0, options={"min_budget": 9, "max_budget": 9}).ask(1)
    assert top[0].stop_rule is None, "a candidate at the full budget never pauses"


# ------------------------------------------------------------------ plots
def test_learning_curves_continue_across_rungs_and_pruned_runs_are_grey(tmp_path):
    pytest.importorskip("matplotlib")
    from hpo.analysis import plot_learning_curves, write_report

    result = optimize(training, SPACE, "asha", n_trials=30, seed=0, strategy_options=ASHA)
    fig = plot_learning_curves(result)
    lines = [line for line in fig.axes[0].get_lines() if len(line.get_xdata()) > 1]
    best = [line for line in lines if line.get_color() == "tab:red"]
    assert len(best) == 1 and list(best[0].get_xdata()) == list(range(1, 10)), "one line from step 1 to 9"
    median = optimize(curve_objective, SPACE, "median", n_trials=20, seed=0,
                      strategy_options={"max_budget": 10, "min_steps": 2})
    fig = plot_learning_curves(median)
    grey = [line for line in fig.axes[0].get_lines() if line.get_color() == "grey"]
    assert len(grey) == median.n_pruned > 0
    text = write_report(median, str(tmp_path / "report.md"))
    assert "## Plots" in text and "Learning curves" in text
    assert os.path.exists(tmp_path / "report_files" / "learning_curves.png")
    with pytest.raises(ValueError, match="no trial reported intermediate values"):
        plot_learning_curves(optimize(lambda c: c["lr"], SPACE, n_trials=3, seed=0))


# ------------------------------------------------------------------ the README
@pytest.mark.slow
def test_the_readme_training_loop_runs_as_written():
    import re

    readme = open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")).read()
    section = readme[readme.index("## Your own training loop"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    result = namespace["result"]
    assert len(result) == 100 and result.best_trial.budget == 30
    continued = [t for t in result.trials if t.budget > 1 and t.intermediate[0][0] > 1]
    assert continued, "promoted candidates continued from their paused state"
    assert sum(len(t.intermediate) for t in result.trials) < 100 * 30 / 5


def _loop(first: int, every: int):
    """A training loop whose steps count from ``first`` in strides of ``every``, saving its state at a pause."""
    def objective(config, trial):
        state = trial.load() or {"step": first - every}
        loss = config["x"]
        while state["step"] + every < trial.budget + first:
            state["step"] += every
            loss = config["x"] + 1 / (1 + state["step"])
            trial.report(state["step"], loss)
            if trial.should_stop():
                trial.save(state)
                break
        return loss
    return objective


@pytest.mark.parametrize("first, every, warned", [
    (1, 1, None), (0, 1, "reported steps up to 0 and returned before step 1, its budget, so it did not pause"),
    (50, 50, "paused at step 50, past its budget 10: a saved state continues only a promotion"),
])
def test_a_run_that_cannot_continue_at_its_promotion_is_warned_about_once(first, every, warned):
    import warnings

    budgets = {"min_budget": 10, "max_budget": 90} if every == 50 else {"min_budget": 1, "max_budget": 9}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = optimize(_loop(first, every), Space(x=Float(0.0, 1.0)), "asha", n_trials=20, seed=0,
                          strategy_options=budgets)
    messages = [str(w.message) for w in caught if "its promotions start over" in str(w.message)]
    assert result.n_ok == 20
    if warned is None:
        assert messages == [] and any(t.metrics.get("resumed_from", 0) > 0 for t in result.trials)
    else:
        assert len(messages) == 1 and warned in messages[0], messages


def test_a_loop_that_trains_past_its_budget_is_warned_about_once():
    # a fixed-epoch loop that reports but never reads the budget trained every trial to the end, silently
    import warnings

    def fixed_epochs(config, trial):
        for epoch in range(1, 10):
            trial.report(epoch, config["x"] + 1 / epoch)
        return config["x"] + 1 / 9

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimize(fixed_epochs, Space(x=Float(0.0, 1.0)), "halving", n_trials=None, seed=0,
                 strategy_options={"min_budget": 1, "max_budget": 9})
    messages = [str(w.message) for w in caught if "its promotions start over" in str(w.message)]
    assert len(messages) == 1 and "reported steps up to 9, past its budget 1, without pausing" in messages[0]
