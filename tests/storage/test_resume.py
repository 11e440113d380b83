"""Resuming a stored study: the strategy continues its stream, n_trials is the study's total."""

from __future__ import annotations

import inspect
import sqlite3
import warnings

import numpy as np
import pytest

import hpo
from hpo import Categorical, Float, Space, optimize
from hpo.storage import InMemoryStorage, SQLiteStorage, StudyMismatchError, load_study
from hpo.strategies import available_strategies, get_strategy_class

from .common import SPACE, add_session, bowl, dead_pid, facts


def _quick_options(strategy: str, n_trials: int = 12) -> dict | None:
    """A short initial design for model-based strategies, so that the resume lands in the model-based phase;
    for a strategy that plans to its ``n_trials``, the whole search's, so that a run stopped early (as a kill
    would stop it) follows the same plan."""
    cls = get_strategy_class(strategy)
    params = inspect.signature(cls.__init__).parameters
    options = {"n_initial": 4} if "n_initial" in params else {}
    if cls.plans_n_trials:
        options["n_trials"] = n_trials
    return options or None


@pytest.mark.parametrize("strategy", available_strategies())
def test_a_resumed_study_gives_the_trials_of_an_uninterrupted_one(tmp_path, strategy):
    db = str(tmp_path / "r.db")
    options = _quick_options(strategy)
    whole = optimize(bowl, SPACE, strategy, n_trials=12, seed=3, strategy_options=options)
    first = optimize(bowl, SPACE, strategy, n_trials=6, seed=3, storage=db, study="s", strategy_options=options)
    assert facts(first) == facts(whole)[:6]
    resumed = optimize(bowl, SPACE, strategy, n_trials=12, seed=3, storage=db, study="s", strategy_options=options)
    assert facts(resumed) == facts(whole), "the resumed strategy did not continue its stream"
    assert facts(load_study(db, "s")) == facts(whole)


def test_n_trials_is_the_total_of_the_study_and_a_finished_study_runs_nothing(tmp_path):
    db = str(tmp_path / "r.db")
    calls = []

    def objective(config):
        calls.append(config)
        return bowl(config)

    optimize(objective, SPACE, n_trials=5, seed=0, storage=db, study="s")
    again = optimize(objective, SPACE, n_trials=5, seed=0, storage=db, study="s")
    assert len(calls) == 5 and len(again) == 5
    more = optimize(objective, SPACE, n_trials=8, seed=0, storage=db, study="s")
    assert len(calls) == 8 and [t.number for t in more.trials] == list(range(8))
    assert len({repr(c) for c in calls}) == 8, "a resumed study repeated a candidate"


def test_a_study_without_a_seed_draws_one_and_every_resume_uses_it(tmp_path):
    db = str(tmp_path / "r.db")
    optimize(bowl, SPACE, n_trials=4, storage=db, study="s")
    seed = SQLiteStorage(db).get_study("s").seed
    assert isinstance(seed, int)
    resumed = optimize(bowl, SPACE, n_trials=10, storage=db, study="s")
    whole = optimize(bowl, SPACE, n_trials=10, seed=seed)
    assert facts(resumed) == facts(whole)


def test_a_numpy_generator_seed_is_turned_into_a_stored_int(tmp_path):
    db = str(tmp_path / "r.db")
    a = optimize(bowl, SPACE, n_trials=4, seed=np.random.default_rng(5), storage=db, study="s")
    b = optimize(bowl, SPACE, n_trials=8, seed=np.random.default_rng(5), storage=db, study="s")
    assert facts(b)[:4] == facts(a)


def test_ctrl_c_marks_the_running_trial_abandoned_and_the_resume_runs_it_again(tmp_path):
    db = str(tmp_path / "r.db")
    calls = []

    def flaky(config):
        calls.append(config)
        if len(calls) == 6:
            raise KeyboardInterrupt
        return bowl(config)

    with pytest.raises(KeyboardInterrupt, match=r"interrupted: 5 finished trials kept .*\(the study keeps them: run "
                                                r"it again to resume\)") as stop:
        optimize(flaky, SPACE, n_trials=12, seed=1, storage=db, study="s")
    interrupted = stop.value.result
    assert interrupted.interrupted and len(interrupted) == 5
    rows = SQLiteStorage(db).trial_rows("s")
    assert [(r.number, r.state) for r in rows][5:] == [(5, "abandoned")]
    resumed = optimize(flaky, SPACE, n_trials=12, seed=1, storage=db, study="s")
    assert calls[6] == calls[5], "the abandoned trial was not the first one run again"
    assert facts(resumed) == facts(optimize(bowl, SPACE, n_trials=12, seed=1))
    row = SQLiteStorage(db).trial_rows("s")[5]
    assert row.state == "ok" and row.attempts == 2


def test_ctrl_c_while_a_trial_is_stored_leaves_it_to_run_again_and_the_resume_ends(tmp_path, monkeypatch):
    # the trial left "running" under a session that had ended, and a resume waited for it for ever
    import hpo.storage.sqlite as sqlite_module

    db = str(tmp_path / "r.db")
    finish = sqlite_module._Writer.finish_trial

    def interrupted_while_storing(self, study_id, trial, *args, **kwargs):
        if trial.number == 5:
            raise KeyboardInterrupt  # Ctrl-C inside the write: it rolls back
        return finish(self, study_id, trial, *args, **kwargs)

    monkeypatch.setattr(sqlite_module._Writer, "finish_trial", interrupted_while_storing)
    with pytest.raises(KeyboardInterrupt, match="interrupted"):
        optimize(bowl, SPACE, n_trials=12, seed=1, storage=db, study="s")
    rows = SQLiteStorage(db).trial_rows("s")
    assert [(r.number, r.state) for r in rows][5:] == [(5, "abandoned")]
    monkeypatch.setattr(sqlite_module._Writer, "finish_trial", finish)
    resumed = optimize(bowl, SPACE, n_trials=12, seed=1, storage=db, study="s", timeout=120)
    assert facts(resumed) == facts(optimize(bowl, SPACE, n_trials=12, seed=1))


def test_a_trial_left_running_by_a_session_that_ended_is_run_again(tmp_path):
    db = str(tmp_path / "r.db")
    optimize(bowl, SPACE, n_trials=6, seed=1, storage=db, study="s")
    con = sqlite3.connect(db)  # as an earlier hpo left it: the session ended, its trial still "running"
    con.execute("UPDATE trials SET state = 'running', tell_seq = NULL, value = NULL, loss = NULL WHERE number = 5")
    con.commit()
    con.close()
    resumed = optimize(bowl, SPACE, n_trials=12, seed=1, storage=db, study="s", timeout=120)
    assert facts(resumed) == facts(optimize(bowl, SPACE, n_trials=12, seed=1))


@pytest.mark.parametrize(
    "change, message",
    [
        ({"space": Space(x=Float(-5.0, 6.0))}, r"space: parameter 'x' is Float\(-5\.0, 5\.0\) in the study, "
                                                r"Float\(-5\.0, 6\.0\) now"),
        ({"strategy": "sobol"}, r"strategy: 'random' in the study, 'sobol' now"),
        ({"seed": 1}, r"seed: 0 in the study, 1 now"),
        ({"direction": "maximize"}, r"direction: 'minimize' in the study, 'maximize' now"),
        ({"strategy_options": {"max_misses": 5}}, r"strategy options: max_misses: '\(unset\)' -> 5"),
    ],
)
def test_resuming_with_other_settings_is_an_error_naming_the_difference(tmp_path, change, message):
    db = str(tmp_path / "r.db")
    space = Space(x=Float(-5.0, 5.0))
    optimize(lambda c: c["x"] ** 2, space, "random", n_trials=3, seed=0, storage=db, study="s")
    kwargs = {"space": space, "strategy": "random", "seed": 0, **change}
    with pytest.raises(StudyMismatchError, match=f"study 's' in .*r.db was created with other settings:\n  - {message}"):
        optimize(lambda c: c["x"] ** 2, kwargs.pop("space"), kwargs.pop("strategy"), n_trials=6,
                 storage=db, study="s", **kwargs)
    assert len(load_study(db, "s")) == 3, "a refused resume changed the study"


def test_categorical_choices_of_another_type_are_another_space_but_bounds_written_as_floats_are_not(tmp_path):
    db = str(tmp_path / "r.db")
    optimize(lambda c: c["k"], Space(k=Categorical([1, 2, 3, 4]), x=Float(0, 1)), "random", n_trials=2, seed=0,
             storage=db, study="s")
    with pytest.raises(StudyMismatchError, match=r"'k' is Categorical\(\[1, 2, 3, 4\]\) in the study, "
                                                  r"Categorical\(\[1\.0, 2\.0, 3\.0, 4\.0\]\) now"):
        optimize(lambda c: c["k"], Space(k=Categorical([1.0, 2.0, 3.0, 4.0]), x=Float(0, 1)), "random",
                 n_trials=4, seed=0, storage=db, study="s")
    again = optimize(lambda c: c["k"], Space(k=Categorical([1, 2, 3, 4]), x=Float(0.0, 1.0)), "random",
                     n_trials=4, seed=0, storage=db, study="s")  # Float(0, 1) is Float(0.0, 1.0)
    assert len(again) == 4 and all(isinstance(t.config["k"], int) for t in again.trials)


def test_on_mismatch_continue_goes_on_with_the_new_strategy_and_keeps_the_trials(tmp_path):
    db = str(tmp_path / "r.db")
    space = Space(x=Float(-5.0, 5.0))
    optimize(lambda c: c["x"] ** 2, space, "random", n_trials=4, seed=0, storage=db, study="s")
    with pytest.warns(RuntimeWarning, match="going on with other settings"):
        result = optimize(lambda c: c["x"] ** 2, space, "sobol", n_trials=9, seed=2, storage=db, study="s",
                          on_mismatch="continue")
    assert len(result) == 9
    record = SQLiteStorage(db).get_study("s")
    assert record.strategy == "sobol" and record.seed == 2
    assert record.attrs["changes"][0]["before"]["strategy"] == "random"
    again = optimize(lambda c: c["x"] ** 2, space, "sobol", n_trials=12, seed=2, storage=db, study="s")
    assert [t.config for t in again.trials][:9] == [t.config for t in result.trials]
    assert len(again) == 12


def test_a_wider_space_may_continue_and_old_trials_outside_it_are_kept(tmp_path):
    db = str(tmp_path / "r.db")
    optimize(lambda c: c["x"] ** 2, Space(x=Float(0.0, 1.0)), n_trials=4, seed=0, storage=db, study="s")
    with pytest.warns(RuntimeWarning):
        result = optimize(lambda c: c["x"] ** 2, Space(x=Float(-1.0, 1.0)), n_trials=8, seed=0, storage=db,
                          study="s", on_mismatch="continue")
    assert len(result) == 8 and result.best_value == min(t.value for t in result.trials)


def test_a_strategy_instance_cannot_be_stored_and_study_needs_storage(tmp_path):
    from hpo.strategies import make_strategy

    with pytest.raises(TypeError, match="as a name or a class"):
        optimize(bowl, SPACE, make_strategy("random", SPACE, seed=0), n_trials=3, storage=str(tmp_path / "r.db"))
    with pytest.raises(ValueError, match="study='s' needs storage="):
        optimize(bowl, SPACE, n_trials=3, study="s")


def test_bad_strategy_options_fail_before_the_storage_is_created(tmp_path):
    db = tmp_path / "r.db"
    with pytest.raises(ValueError, match="has no option 'nope'"):
        optimize(bowl, SPACE, "random", n_trials=3, storage=str(db), strategy_options={"nope": 1})
    assert not db.exists()


def test_sqlite_urls_and_storage_objects_work_and_a_default_study_name(tmp_path):
    path = tmp_path / "u.db"
    optimize(bowl, SPACE, n_trials=3, seed=0, storage=f"sqlite:///{path}")
    with SQLiteStorage(str(path)) as store:
        assert store.study_names() == ["default"]
        optimize(bowl, SPACE, n_trials=5, seed=0, storage=store)
        assert len(store.trials("default")) == 5


def test_in_memory_storage_resumes_within_the_process():
    store = InMemoryStorage()
    optimize(bowl, SPACE, n_trials=4, seed=0, storage=store, study="a")
    resumed = optimize(bowl, SPACE, n_trials=9, seed=0, storage=store, study="a")
    assert facts(resumed) == facts(optimize(bowl, SPACE, n_trials=9, seed=0))


def test_the_study_record_says_how_to_reproduce_it(tmp_path):
    db = str(tmp_path / "r.db")
    optimize(bowl, SPACE, "grid", n_trials=5, seed=7, storage=db, study="s", strategy_options={"resolution": 3})
    record = SQLiteStorage(db).get_study("s")
    assert Space.from_dict(record.space) == SPACE
    assert record.strategy == "grid" and record.strategy_options == {"resolution": 3} and record.seed == 7
    assert set(record.versions) >= {"hpo", "numpy", "scipy", "scikit-learn", "python"}
    assert record.versions["hpo"] == hpo.__version__
    assert record.created is not None and record.ended is not None and record.ended >= record.created


def test_failed_and_pruned_trials_and_metrics_round_trip(tmp_path):
    db = str(tmp_path / "r.db")

    def objective(config):
        if config["k"] == "b":
            raise ValueError("no b")
        if config["n"] > 6:
            raise hpo.TrialPruned("too many")
        return {"value": bowl(config), "extra": np.float32(1.5), "curve": np.arange(3)}

    result = optimize(objective, SPACE, n_trials=30, seed=0, storage=db, study="s")
    stored = load_study(db, "s")
    for a, b in zip(result.trials, stored.trials):
        assert (a.number, a.status, a.value, a.loss, a.error, a.config) == (b.number, b.status, b.value, b.loss,
                                                                              b.error, b.config)
        assert a.started == b.started and a.finished == b.finished
        if a.status == "ok":
            assert b.metrics == {"extra": 1.5, "curve": [0, 1, 2]}
    assert {t.status for t in stored.trials} == {"ok", "failed", "pruned"}
    assert any(isinstance(t.config["k"], tuple) for t in stored.trials), "tuples come back as tuples"


def _hand_trial_to(db, number, pid, token):
    """Make trial ``number`` look as if a session of process ``pid`` were running it right now."""
    add_session(db, "other", pid, token, running_trial=number)


@pytest.mark.parametrize("who", ["dead process", "reused pid"])
def test_a_trial_left_running_by_a_dead_process_is_run_again(tmp_path, who):
    import os

    from hpo.storage.sessions import pid_token as _pid_token

    db = str(tmp_path / "r.db")
    before = optimize(bowl, SPACE, n_trials=5, seed=0, storage=db, study="s")
    if who == "dead process":
        _hand_trial_to(db, 4, dead_pid(), "1")
    else:  # this very pid, but another process's start time: the pid was reused
        _hand_trial_to(db, 4, os.getpid(), str(int(_pid_token(os.getpid()) or 0) + 1))
    after = optimize(bowl, SPACE, n_trials=5, seed=0, storage=db, study="s")
    assert facts(after) == facts(before)
    store = SQLiteStorage(db)
    assert store.trial_rows("s")[4].attempts == 2
    assert {s["id"]: s["end_reason"] for s in store.sessions("s")}["other"] == "died"


def test_a_trial_running_in_a_live_process_is_not_taken(tmp_path):
    import os

    from hpo.storage.sessions import pid_token as _pid_token

    db = str(tmp_path / "r.db")
    optimize(bowl, SPACE, n_trials=5, seed=0, storage=db, study="s")
    _hand_trial_to(db, 4, os.getpid(), _pid_token(os.getpid()))
    result = optimize(bowl, SPACE, n_trials=5, seed=0, storage=db, study="s")
    assert [t.number for t in result.trials] == [0, 1, 2, 3]
    assert SQLiteStorage(db).trial_rows("s")[4].state == "running"


def test_a_trial_whose_process_died_three_times_is_failed_not_run_again(tmp_path):
    import sqlite3

    db = str(tmp_path / "r.db")
    optimize(bowl, SPACE, n_trials=5, seed=0, storage=db, study="s")
    _hand_trial_to(db, 2, dead_pid(), "1")
    con = sqlite3.connect(db)
    con.execute("UPDATE trials SET attempts = 3 WHERE number = 2")
    con.commit()
    con.close()
    calls = []
    result = optimize(lambda c: calls.append(c) or bowl(c), SPACE, n_trials=7, seed=0, storage=db, study="s")
    assert len(calls) == 2 and [t.number for t in result.trials] == list(range(7))
    failed = result.trials[2]
    assert failed.status == "failed" and failed.error.startswith("WorkerDiedError: the process running this "
                                                                 "trial died 3 times")
    resumed = optimize(bowl, SPACE, n_trials=9, seed=0, storage=db, study="s")  # the log replays cleanly
    assert facts(resumed)[:7] == facts(load_study(db, "s"))[:7] and len(resumed) == 9


def test_the_direction_cannot_change_even_with_continue(tmp_path):
    db = str(tmp_path / "r.db")
    optimize(bowl, SPACE, n_trials=3, seed=0, storage=db, study="s")
    with pytest.raises(StudyMismatchError, match="'minimize' in the study, 'maximize' now\\): its stored losses"):
        optimize(bowl, SPACE, n_trials=5, seed=0, storage=db, study="s", direction="maximize",
                 on_mismatch="continue")


def test_resuming_with_n_trials_below_the_stored_trials_says_that_none_run(tmp_path):
    db = str(tmp_path / "r.db")
    optimize(bowl, SPACE, n_trials=5, seed=0, storage=db, study="s")
    with pytest.warns(RuntimeWarning, match=r"study 's' already has 5 trials and n_trials=3 counts the study's "
                                            r"trials in total, so none run; give n_trials above 5 to run more"):
        again = optimize(bowl, SPACE, n_trials=3, seed=0, storage=db, study="s")
    assert len(again) == 5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(optimize(bowl, SPACE, n_trials=6, seed=0, storage=db, study="s")) == 6  # runs one: no warning


@pytest.mark.parametrize("strategy", ["random", "auto"])
def test_a_resumed_study_gives_estimator_choices_back_as_the_objects(tmp_path, strategy):
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    db = str(tmp_path / "r.db")
    space = Space(scaler=Categorical([StandardScaler(), MinMaxScaler()]), x=Float(0.0, 1.0))
    data = np.array([[0.0], [1.0], [3.0]])

    def objective(config):  # needs the estimator itself, not its repr
        return float(config["scaler"].fit_transform(data).max()) + config["x"]

    optimize(objective, space, strategy, n_trials=4, seed=0, storage=db, study="s")
    resumed = optimize(objective, space, strategy, n_trials=8, seed=0, storage=db, study="s")
    assert len(resumed) == 8 and all(t.status == "ok" for t in resumed.trials)
    assert all(isinstance(t.config["scaler"], (StandardScaler, MinMaxScaler)) for t in resumed.trials)
    assert type(resumed.best_trial.config["scaler"]) is MinMaxScaler  # max 1.0 < StandardScaler's 1.34
    # reading the study never builds objects: the stored form is the repr
    assert {t.config["scaler"] for t in load_study(db, "s").trials} == {"StandardScaler()", "MinMaxScaler()"}


def test_a_relative_storage_path_holds_when_the_objective_changes_the_working_directory(tmp_path, monkeypatch):
    # the paused runs' states went to <current directory>/results.db-states: promotions started over and
    # state files were left in the objective's run folders
    import os

    monkeypatch.chdir(tmp_path)
    started_over = []

    def objective(config, trial):
        run_dir = tmp_path / f"run_{trial.number}"  # a trainer that works in its own run folder
        run_dir.mkdir(exist_ok=True)
        os.chdir(run_dir)
        state = trial.load()
        if state is None and trial.budget > 1:
            started_over.append(trial.number)
        for step in range(trial.done + 1, trial.budget + 1):
            trial.report(step, (config["x"] - 0.3) ** 2 + 1 / step)
            if trial.should_stop():
                trial.save({"step": step})
                break
        return (config["x"] - 0.3) ** 2 + 1 / trial.budget

    result = optimize(objective, Space(x=Float(0, 1)), "asha", n_trials=30, seed=0, storage="results.db",
                      study="s", strategy_options={"min_budget": 1, "max_budget": 9})
    os.chdir(tmp_path)
    promoted = [t.number for t in result.trials if t.budget > 1]
    assert promoted and started_over == [], f"promotions {promoted}; started over: {started_over}"
    assert not list(tmp_path.glob("run_*/**/*.state")), "state files left in the run folders"
    assert len(load_study(str(tmp_path / "results.db"), "s")) == 30


def test_a_planned_search_says_how_to_run_more_and_an_unrecorded_plan_resumes(tmp_path):
    # "give n_trials above 12" was advised, then refused (the plan is an option); a study from before plans were
    # recorded could not be resumed with any n_trials
    db = str(tmp_path / "r.db")

    def objective(config, budget):
        return bowl(config) + 1.0 / budget

    options = {"min_budget": 1, "max_budget": 9}
    optimize(objective, SPACE, "asha", n_trials=12, seed=0, storage=db, study="s", strategy_options=options)
    with pytest.warns(RuntimeWarning, match=r"so none run; n_trials above 12 with on_mismatch='continue' runs more "
                                            r"\(strategy 'asha' planned its search for 12 trials"):
        optimize(objective, SPACE, "asha", n_trials=12, seed=0, storage=db, study="s", strategy_options=options)
    with pytest.raises(StudyMismatchError, match=r"n_trials: 12 -> 16\n\(strategy 'asha' plans its whole search "
                                                 r"for n_trials: more trials are another plan"):
        optimize(objective, SPACE, "asha", n_trials=16, seed=0, storage=db, study="s", strategy_options=options)
    with pytest.warns(RuntimeWarning, match="going on with other settings"):
        more = optimize(objective, SPACE, "asha", n_trials=16, seed=0, storage=db, study="s",
                        strategy_options=options, on_mismatch="continue")
    assert len(more) == 16
    with sqlite3.connect(db) as con:  # what an hpo from before plans were recorded stored
        con.execute("UPDATE studies SET strategy_options = ?", ('{"min_budget": 1, "max_budget": 9}',))
    resumed = optimize(objective, SPACE, "asha", n_trials=18, seed=0, storage=db, study="s",
                       strategy_options=options)
    assert len(resumed) == 18
