"""The evaluation engine: ``hpo.optimize`` and its loop."""

from __future__ import annotations

import math
import os
import time
import warnings

import numpy as np
import pytest

from hpo import (
    AllTrialsFailedError,
    Categorical,
    Float,
    Int,
    Space,
    StopSearch,
    Strategy,
    TrialFailedError,
    TrialPruned,
    optimize,
)
from hpo.engine import SearchLoop, current_candidate, evaluate, takes_budget
from hpo.strategies import make_strategy
from hpo.trial import Candidate

SPACE = Space(x=Float(-5.0, 5.0), y=Float(1e-3, 10.0, log=True), k=Categorical(["a", "b"]))


def bowl(config):
    return (config["x"] - 1.0) ** 2 + math.log(config["y"]) ** 2 + (config["k"] == "b")


def test_minimize_finds_a_good_point_and_reports_the_best():
    result = optimize(bowl, SPACE, "random", n_trials=300, seed=0)
    assert len(result) == 300
    values = [t.value for t in result.trials]
    assert result.best_value == min(values)
    assert result.best_config == result.trials[int(np.argmin(values))].config
    assert result.best_value < 0.5
    assert result.best_params == result.best_config  # no to_params: identity


def test_maximize_converts_at_the_boundary():
    result = optimize(lambda c: -bowl(c), SPACE, n_trials=100, seed=0, direction="maximize")
    values = [t.value for t in result.trials]
    assert result.best_value == max(values)
    assert all(t.loss == -t.value for t in result.trials)
    curve = result.best_so_far()
    assert curve == sorted(curve) and curve[-1] == max(values)


def test_objective_with_budget_gets_none_for_the_full_budget():
    seen = []

    def objective(config, budget):
        seen.append(budget)
        return config["x"]

    optimize(objective, SPACE, n_trials=5, seed=0)
    assert seen == [None] * 5
    assert takes_budget(objective) and not takes_budget(bowl)


def test_dict_results_carry_extra_metrics():
    result = optimize(lambda c: {"value": c["x"], "train_loss": 1.5, "n": np.int64(3)}, SPACE, n_trials=4, seed=0)
    trial = result.trials[0]
    assert trial.value == trial.config["x"]
    assert trial.metrics == {"train_loss": 1.5, "n": 3} and type(trial.metrics["n"]) is int
    assert result.to_records()[0]["metric_train_loss"] == 1.5


@pytest.mark.parametrize(
    "returned, message",
    [
        ({"accuracy": 0.9}, "must put the value to optimize under 'value'"),
        ("0.5", "must return a number or a dict"),
        (True, "must return a number or a dict"),
        (math.nan, "returned nan"),
        (math.inf, "returned inf"),
    ],
)
def test_bad_return_values_fail_the_trial_with_a_reason(returned, message):
    outcome = evaluate(lambda c: returned, Candidate({"x": 0.0}), False)
    assert outcome.status == "failed" and message in outcome.error


def test_errors_are_caught_and_the_search_goes_on():
    def objective(config):
        if config["k"] == "b":
            raise ValueError(f"no b please (x={config['x']:.2f})")
        return bowl(config)

    result = optimize(objective, SPACE, n_trials=40, seed=1)
    failed = [t for t in result.trials if t.status == "failed"]
    assert 5 < len(failed) < 35 and len(result.trials) == 40
    assert all(t.error.startswith("ValueError: no b please") for t in failed)
    assert all("Traceback" in t.traceback and t.loss is None for t in failed)
    assert result.best_config["k"] == "a"


def test_all_failing_is_an_error_that_shows_the_first_exception_and_keeps_the_trials():
    def objective(config):
        raise KeyError("missing column")

    with pytest.raises(AllTrialsFailedError, match=r"all 6 trials failed.*trial 0.*KeyError: 'missing column'") as info:
        optimize(objective, SPACE, n_trials=6, seed=0)
    assert len(info.value.result.trials) == 6
    assert isinstance(info.value, ValueError)


def test_an_optuna_style_objective_is_told_what_hpo_passes_it():
    def objective(trial):  # written for Optuna
        return trial.suggest_float("x", 0.0, 1.0) ** 2

    with pytest.raises(AllTrialsFailedError, match=r"'dict' object has no attribute 'suggest_float' "
                                                   r"\(the objective takes an Optuna-style trial: hpo calls "
                                                   r"objective\(config\) with the configuration as a dict"):
        optimize(objective, SPACE, n_trials=3, seed=0)


def test_an_objective_requiring_arguments_hpo_never_passes_is_refused_before_any_trial():
    calls = []

    def three(config, budget, data):
        calls.append(config)

    def keyword(config, *, data):
        calls.append(config)

    for objective, names in ((three, "data"), (keyword, "data")):
        with pytest.raises(TypeError, match=f"requires the arguments {names}, which hpo never passes"):
            optimize(objective, SPACE, n_trials=3, seed=0)
    assert calls == []

    def with_defaults(config, budget=None, data=2, *, scale=1.0, **extra):
        return scale * config["x"] ** 2 + data

    assert len(optimize(with_defaults, SPACE, n_trials=3, seed=0).trials) == 3


@pytest.mark.parametrize(("seed", "error"), [("a", TypeError), (1.5, TypeError), (True, TypeError),
                                             ([1, 2], TypeError), (-1, ValueError)])
def test_a_bad_seed_is_named_before_any_trial(seed, error, tmp_path):
    for storage in (None, str(tmp_path / "s.db")):
        with pytest.raises(error, match=r"seed must be a non-negative int, a numpy Generator or None, got "):
            optimize(lambda c: 0.0, SPACE, n_trials=2, seed=seed, storage=storage)
    assert not (tmp_path / "s.db").exists()


def test_sys_exit_in_an_objective_fails_its_trial_inline_as_in_a_worker_process():
    import sys

    def objective(config):
        if config["x"] > 2.0:
            sys.exit(0)  # argparse or click inside a training script's main()
        return config["x"] ** 2

    result = optimize(objective, SPACE, "random", n_trials=12, seed=0)
    failed = [t for t in result.trials if t.status == "failed"]
    assert len(result) == 12 and failed and all(t.config["x"] > 2.0 for t in failed)
    assert failed[0].error == "SystemExit: 0" and "sys.exit(0)" in failed[0].traceback


def test_on_error_raise_stops_at_the_first_failure():
    calls = []

    def objective(config):
        calls.append(config)
        if len(calls) == 3:
            raise RuntimeError("third")
        return 0.0

    with pytest.raises(TrialFailedError, match="trial 2 failed with RuntimeError: third") as info:
        optimize(objective, SPACE, n_trials=10, seed=0, on_error="raise")
    assert len(info.value.result.trials) == 3 and len(calls) == 3


def test_pruned_trials_are_neither_ok_nor_failed():
    def objective(config):
        if config["x"] < 0:
            raise TrialPruned("x negative")
        return config["x"]

    result = optimize(objective, SPACE, n_trials=30, seed=0)
    pruned = [t for t in result.trials if t.status == "pruned"]
    assert pruned and result.n_pruned == len(pruned) and result.n_failed == 0
    assert all(t.error == "pruned: x negative" for t in pruned)
    assert result.best_value >= 0


def test_keyboard_interrupt_goes_on_holding_the_finished_trials():
    # it ended the search and returned: a script went on to its next search, and a search nested in another
    # (cross_val_score of a Tuner) gave a score from a cut-short search
    from hpo import SearchInterrupted

    calls = []

    def objective(config):
        calls.append(1)
        if len(calls) == 8:
            raise KeyboardInterrupt
        return bowl(config)

    with pytest.raises(KeyboardInterrupt, match=r"search interrupted: 7 finished trials kept in this exception's "
                                                r"\.result$") as stop:
        optimize(objective, SPACE, n_trials=100, seed=0)
    assert isinstance(stop.value, SearchInterrupted)
    result = stop.value.result
    assert result.interrupted and len(result.trials) == 7 and len(calls) == 8
    assert result.best_value == min(t.value for t in result.trials)


def test_callbacks_see_every_trial_in_order_and_can_stop_the_search():
    seen = []

    def callback(result, trial):
        seen.append(trial.number)
        assert result.trials[-1] is trial
        if len(result.trials) == 5:
            raise StopSearch

    result = optimize(bowl, SPACE, n_trials=50, seed=0, callbacks=[callback])
    assert seen == [0, 1, 2, 3, 4] and len(result.trials) == 5


def test_timeout_stops_asking():
    def slow(config):
        time.sleep(0.05)
        return bowl(config)

    start = time.monotonic()
    result = optimize(slow, SPACE, n_trials=10_000, timeout=0.3, seed=0)
    assert 2 <= len(result.trials) < 50
    assert time.monotonic() - start < 5


def test_open_ended_search_needs_a_limit_but_a_grid_does_not():
    with pytest.raises(ValueError, match="give n_trials or timeout"):
        optimize(bowl, SPACE, "random")
    result = optimize(bowl, SPACE, "grid", strategy_options={"resolution": 3})
    assert len(result.trials) == 3 * 3 * 2


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_trials": 0}, "n_trials must be a positive int"),
        ({"n_trials": 2.5}, "n_trials must be a positive int"),
        ({"n_trials": 3, "timeout": -1}, "timeout must be a positive number"),
        ({"n_trials": 3, "direction": "max"}, "direction must be 'minimize' or 'maximize'"),
        ({"n_trials": 3, "on_error": "ignore"}, "on_error must be"),
        ({"n_trials": 3, "n_jobs": 0}, "n_jobs must be a non-zero int"),
        ({"n_trials": 3, "backend": "gpu", "n_jobs": 2}, "backend must be"),
    ],
)
def test_bad_arguments_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        optimize(bowl, SPACE, **kwargs)


def test_a_space_may_be_given_as_a_dict_and_callbacks_must_be_callable():
    result = optimize(lambda c: c["clf__C"], {"clf__C": Float(1e-3, 1e3, log=True)}, n_trials=3, seed=0)
    assert "clf__C" in result.best_config
    with pytest.raises(TypeError, match="callbacks must be callable"):
        optimize(bowl, SPACE, n_trials=2, callbacks=[42])


def test_progress_bar_runs(capsys):
    result = optimize(bowl, SPACE, n_trials=5, seed=0, progress=True)
    assert len(result.trials) == 5
    assert "5/5" in capsys.readouterr().err


def _pid_objective(config):
    return {"value": bowl(config), "pid": os.getpid()}


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["random", "sobol", "grid"])
def test_processes_give_the_same_trials_as_one_worker(strategy):
    kwargs = dict(n_trials=12, seed=4, strategy_options={"resolution": 3} if strategy == "grid" else None)
    serial = optimize(_pid_objective, SPACE, strategy, n_jobs=1, **kwargs)
    parallel = optimize(_pid_objective, SPACE, strategy, n_jobs=2, **kwargs)
    assert [t.config for t in serial.trials] == [t.config for t in parallel.trials]
    assert [t.value for t in serial.trials] == [t.value for t in parallel.trials]
    assert {t.metrics["pid"] for t in serial.trials} == {os.getpid()}
    assert os.getpid() not in {t.metrics["pid"] for t in parallel.trials}


def test_threads_give_the_same_trials_as_one_worker():
    serial = optimize(bowl, SPACE, "sobol", n_trials=16, seed=2)
    threaded = optimize(bowl, SPACE, "sobol", n_trials=16, seed=2, n_jobs=2, backend="threads")
    assert [(t.number, t.config, t.value) for t in serial.trials] == [
        (t.number, t.config, t.value) for t in threaded.trials
    ]


def test_trials_record_times():
    result = optimize(lambda c: time.sleep(0.01) or c["x"], SPACE, n_trials=3, seed=0)
    for t in result.trials:
        assert t.started <= t.finished and t.duration >= 0.009


def test_a_strategy_that_gives_budgets_needs_an_objective_that_takes_one():
    from hpo.strategies import RandomSearch

    class Budgeted(RandomSearch):
        name = "budgeted-test"

        def _ask(self, n):
            return [Candidate(c, budget=3) for c in super()._ask(n)]

    with pytest.raises(TypeError, match="define it as objective\\(config, budget\\)"):
        optimize(bowl, SPACE, Budgeted, n_trials=2, seed=0)
    budgets = []
    optimize(lambda c, b: budgets.append(b) or 0.0, SPACE, Budgeted, n_trials=2, seed=0)
    assert budgets == [3, 3]


def test_a_stuck_strategy_is_an_error_not_a_silent_stop():
    from hpo.strategies import RandomSearch

    class Stuck(RandomSearch):
        name = "stuck-test"

        def _ask(self, n):
            return []

    with pytest.raises(RuntimeError, match="proposed nothing while no trial was running"):
        optimize(bowl, SPACE, Stuck, n_trials=2, seed=0)


def test_int_space_results_are_plain_python():
    result = optimize(lambda c: c["n"], Space(n=Int(1, 50, log=True)), n_trials=10, seed=0)
    assert all(type(t.config["n"]) is int for t in result.trials)


def _square(v):
    return v * v


@pytest.mark.slow
def test_joblib_parallel_still_works_after_a_parallel_search():
    from joblib import Parallel, delayed

    optimize(_pid_objective, SPACE, n_trials=4, seed=0, n_jobs=2)
    assert Parallel(n_jobs=2)(delayed(_square)(i) for i in range(4)) == [0, 1, 4, 9]
    result = optimize(_pid_objective, SPACE, n_trials=4, seed=0, n_jobs=2)
    assert result.n_ok == 4


def _which_candidate(config):
    """An objective that reports the candidate it is evaluating (``current_candidate``), from wherever it runs."""
    candidate = current_candidate()
    return {"value": config["x"], "id": candidate.id, "same_config": candidate.config == config}


@pytest.mark.parametrize("n_jobs", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_an_objective_knows_its_candidate_and_on_submit_comes_first(n_jobs):
    submitted = []

    def on_submit(number, candidate):
        assert current_candidate() is None  # in the search process, before the evaluation
        submitted.append((number, candidate.id))

    strategy = make_strategy("random", Space(x=Float(0.0, 1.0)), seed=0)
    result = SearchLoop(_which_candidate, strategy, n_trials=6, n_jobs=n_jobs, on_submit=on_submit).run()
    assert [t.metrics["id"] for t in result.trials] == [t.candidate.id for t in result.trials] == list(range(6))
    assert all(t.metrics["same_config"] for t in result.trials)
    assert submitted == [(n, n) for n in range(6)]
    assert current_candidate() is None  # reset after each evaluation
    evaluate(_which_candidate, Candidate({"x": 0.5}, id=7), pass_budget=False)
    assert current_candidate() is None
    with pytest.raises(TypeError, match="on_submit must be callable"):
        SearchLoop(bowl, make_strategy("random", SPACE, seed=0), n_trials=1, on_submit=3)


# ------------------------------------------------------------------ the drawn doors (issue 22)
def test_an_outcome_is_a_named_tuple_that_still_unpacks():
    from hpo.engine import Outcome

    outcome = evaluate(lambda c: {"value": 2.0, "seen": 1}, Candidate({"x": 0.0}), False)
    assert isinstance(outcome, Outcome) and isinstance(outcome, tuple)
    assert Outcome._fields == ("status", "value", "error", "traceback", "started", "finished", "metrics", "extra")
    assert (outcome.status, outcome.value, outcome.error, outcome.metrics, outcome.extra) == (
        "ok", 2.0, None, {"seen": 1}, None)
    assert outcome.started <= outcome.finished
    status, value, *_ = outcome  # positional consumers keep working
    assert (status, value) == ("ok", 2.0)
    failed = evaluate(lambda c: 1 / 0, Candidate({"x": 0.0}), False)
    assert failed.status == "failed" and failed.error.startswith("ZeroDivisionError") and "1 / 0" in failed.traceback


def test_the_local_log_and_a_stored_study_are_trial_logs():
    from hpo.storage import InMemoryStorage, Study, StudyRecord
    from hpo.trial_log import LocalLog, TrialLog

    log = LocalLog(make_strategy("random", SPACE, seed=0))
    assert isinstance(log, TrialLog)
    assert log.open(log.strategy) == [] and log.close([0], "finished") == []
    record = StudyRecord(name="s", direction="minimize", space=SPACE.to_dict(), strategy="random",
                         strategy_options={}, seed=1, versions={})
    assert isinstance(Study(InMemoryStorage(), record), TrialLog)


def test_every_search_option_is_declared_once_and_n_trials_is_the_shared_declaration():
    from hpo._constraints import N_TRIALS

    assert SearchLoop._constraints["n_trials"] is N_TRIALS
    strategy = make_strategy("random", SPACE, seed=0)
    with pytest.raises(ValueError, match=r"^timeout must be a positive number of seconds, inf or None, got True$"):
        SearchLoop(bowl, strategy, n_trials=2, timeout=True)
    with pytest.raises(ValueError, match=r"^verbose must be a non-negative int or a bool, got -1$"):
        SearchLoop(bowl, strategy, n_trials=2, verbose=-1)
    loop = SearchLoop(bowl, strategy, timeout=math.inf, n_trials=2, verbose=True)  # as before: accepted
    assert len(loop.run()) == 2


def test_the_loss_and_a_handles_sign_come_from_loss_sign():
    def objective(config, trial):
        trial.report(1, config["x"])
        return config["x"]

    strategy = make_strategy("random", SPACE, seed=0)
    loop = SearchLoop(objective, strategy, n_trials=3, direction="maximize")
    assert loop.sign == -1.0
    result = loop.run()
    assert all(t.loss == -t.value for t in result.trials)


def test_no_import_cycle_runs_through_the_engine_executors_or_storage():
    import ast
    import pathlib

    import hpo

    root = pathlib.Path(hpo.__file__).parent
    names = {}
    for path in root.rglob("*.py"):
        name = ".".join(("hpo",) + path.relative_to(root).with_suffix("").parts)
        names[name.removesuffix(".__init__")] = path
    edges: dict[str, set[str]] = {name: set() for name in names}
    for name, path in names.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
                module = ".".join(base + ([node.module] if node.module else []))
                for alias in node.names:
                    target = f"{module}.{alias.name}"
                    edges[name].add(target if target in names else module)
            elif isinstance(node, ast.Import):
                edges[name].update(alias.name for alias in node.names)
    edges = {name: {t for t in targets if t in names and t != name} for name, targets in edges.items()}

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            for t in edges[todo.pop()]:
                if t == goal:
                    return True
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
        return False

    ours = [n for n in names if n.split(".")[1:2] and n.split(".")[1] in (
        "engine", "loop", "boundary", "trial_log", "executors", "storage", "result", "trial", "handle", "progress",
        "states", "stopping", "_version")]
    assert [n for n in ours if reaches(n, n)] == []


class _Tensor:
    """A stand-in for a torch scalar tensor: a number only through ``.item()``."""

    def __init__(self, v):
        self.v, self.shape = v, ()

    def item(self):
        return self.v


@pytest.mark.parametrize("backend", ["inline", "threads"])
def test_an_objective_that_changes_its_config_leaves_the_recorded_trials_as_asked(backend):
    from sklearn.preprocessing import StandardScaler

    space = Space(x=Float(0.0, 1.0), scaler=Categorical([StandardScaler()]))

    def objective(config):
        x = config.pop("x")  # a common way to take one value out for oneself
        config["extra"] = 1
        config["scaler"].set_params(with_mean=False)  # and to change a chosen estimator
        return x

    kwargs = {} if backend == "inline" else {"n_jobs": 2, "backend": "threads"}
    result = optimize(objective, space, "random", n_trials=6, seed=0, **kwargs)
    assert all(set(t.config) == {"x", "scaler"} for t in result.trials)
    assert result.best_value == min(t.config["x"] for t in result.trials) == result.best_config["x"]
    assert space["scaler"].choices[0].with_mean is True  # the space's own estimator is untouched


def test_a_tensor_or_array_scalar_is_a_number_as_a_value_a_report_and_a_metric():
    def objective(config, trial):
        for step in range(1, int(trial.budget) + 1):
            trial.report(np.int64(step), _Tensor(config["x"] + 1 / step))
        return {"value": _Tensor(config["x"]), "acc": np.asarray(0.5), "size": _Tensor(3)}

    result = optimize(objective, Space(x=Float(0.0, 1.0)), "asha", n_trials=8, seed=0,
                      strategy_options={"min_budget": 1, "max_budget": 9})
    assert all(t.status == "ok" for t in result.trials), [t.error for t in result.trials]
    assert result.best_trial.metrics["acc"] == 0.5 and type(result.best_trial.metrics["size"]) is int
    assert optimize(lambda c: np.array([c["x"]]), Space(x=Float(0, 1)), "random", n_trials=2, seed=0).n_ok == 2
    with pytest.raises(AllTrialsFailedError, match="got ndarray"):
        optimize(lambda c: np.array([c["x"], 1.0]), Space(x=Float(0, 1)), "random", n_trials=2, seed=0)


def test_a_misnamed_trial_parameter_fails_with_a_hint_to_name_it_trial():
    def objective(config, t):  # meant a trial handle, gets the budget
        t.report(1, config["x"])
        return config["x"]

    with pytest.raises(AllTrialsFailedError, match="name it `trial` to get the trial handle"):
        optimize(objective, Space(x=Float(0.0, 1.0)), "asha", n_trials=3, seed=0)


def test_a_users_strategy_proposing_outside_its_space_is_stopped_naming_it():
    from hpo.strategies import Strategy

    class Sloppy(Strategy):
        name = "sloppy_test"

        def _ask(self, n):
            return [{"x": 46.4} for _ in range(n)]

    with pytest.raises(ValueError, match=r"strategy 'sloppy_test' \(Sloppy\) proposed \{'x': 46.4\}, which is not a "
                                         r"configuration of its space: x: 46.4 is outside \[-5, 5\]"):
        optimize(lambda c: c["x"], Space(x=Float(-5, 5)), Sloppy, n_trials=3, seed=0)


def test_a_users_strategy_ends_at_its_max_trials_and_one_that_says_when_it_is_done_needs_no_n_trials():
    from hpo.strategies import Strategy

    class SevenOnly(Strategy):  # declares max_trials but never says finished
        name = "seven_only_test"
        max_trials = 7

        def _ask(self, n):
            return self.space.sample(n, seed=self.rng)

    class DoneAfterFive(Strategy):  # says finished, declares no max_trials
        name = "done_after_five_test"

        @property
        def finished(self):
            return len(self.trials) + len(self.pending) >= 5

        def _ask(self, n):
            return self.space.sample(min(n, 5 - len(self.trials) - len(self.pending)), seed=self.rng)

    space = Space(x=Float(0.0, 1.0))
    assert len(optimize(lambda c: c["x"], space, SevenOnly, n_trials=None, seed=0)) == 7
    assert len(optimize(lambda c: c["x"], space, SevenOnly, n_trials=20, seed=0)) == 7
    assert len(optimize(lambda c: c["x"], space, DoneAfterFive, n_trials=None, seed=0)) == 5


def test_a_strategy_that_enumerates_a_list_is_warned_about_like_the_grid():
    class ThreeConfigs(Strategy):
        """A user's fixed list of configurations, run in its own order."""

        name = "three_configs"
        enumerates = True

        def _ask(self, n):
            start = len(self.trials) + len(self.pending)
            return [{"x": x} for x in (0.1, 0.5, 0.9)[start:start + n]]

        @property
        def max_trials(self):
            return 3

        @property
        def finished(self):
            return len(self.trials) >= 3

    with pytest.warns(UserWarning, match="n_trials=2 runs 2 of the three_configs's 3 configurations"):
        assert len(optimize(lambda c: c["x"], Space(x=Float(0, 1)), ThreeConfigs, n_trials=2)) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the list's end before n_trials is expected: no "finished after" warning
        assert len(optimize(lambda c: c["x"], Space(x=Float(0, 1)), ThreeConfigs, n_trials=5)) == 3
