"""Peers (Optuna, scikit-optimize, Hyperopt, SMAC3, scikit-learn's searches) as benchmark contenders."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier

import hpo
from hpo import Categorical, Float, Int, Pack, Space, at_least, at_most, greater_than, one_of, ref
from hpo.benchmarking import RunTrace, available_contenders, make_contender
from hpo.benchmarking.peers import (
    BotorchStrategy,
    HyperoptContender,
    OptunaStrategy,
    SklearnSearchContender,
    SkoptStrategy,
    SmacStrategy,
    _halving_rows,
    _LogUniformInt,
)
from hpo.benchmarking.problem import Problem
from hpo.evaluation import EstimatorObjective, make_scorers
from hpo.testing import strategy_checks
from hpo.trial import FAILED, OK, PRUNED, Trial

PEER_NAMES = ["optuna_tpe", "optuna_gp", "skopt_gp", "hyperopt_tpe", "botorch_logei", "botorch_noiseless",
              "smac_hpo", "sklearn_random", "sklearn_halving"]


# ----------------------------------------------------------------------------- fixtures
def mlp_space() -> Space:
    """README's MLP-like space (conditions on an Int, dependent ranges), with awkward choices added."""
    return Space(
        n_layers=Int(1, 4),
        units_0=Int(8, 512, log=True),
        units_1=Int(8, ref("units_0"), log=True).when(n_layers=at_least(2)),
        units_2=Int(8, ref("units_1"), log=True).when(n_layers=at_least(3)),
        units_3=Int(8, ref("units_2"), log=True).when(n_layers=at_least(4)),
        solver=Categorical(["adam", "sgd"]),
        momentum=Float(0.0, 0.99).when(solver="sgd"),
        alpha=Float(1e-6, 1e-1, log=True),
        activation=Categorical(["relu", "tanh", None, (1, 2), True, 1]).when(solver=one_of("adam", "sgd")),
        to_params=Pack("hidden_layer_sizes", ["units_0", "units_1", "units_2", "units_3"], drop=["n_layers"]),
    )


def mlp_loss(config: dict) -> float:
    width = sum(config.get(f"units_{i}", 0) for i in range(4))
    return (
        (math.log10(config["alpha"]) + 3) ** 2
        + abs(math.log2(width) - 7)
        + config.get("momentum", 0.5)
        + (0.0 if config["solver"] == "adam" else 0.3)
    )


BOWL = Space(x=Float(-5, 5), y=Float(-5, 5))


def bowl(config: dict) -> float:
    return (config["x"] - 1.0) ** 2 + (config["y"] + 2.0) ** 2


def configs_of(result) -> list:
    return [t.config for t in result.trials]


def trial_of(candidate, status: str, loss: float | None = None, number: int = 0) -> Trial:
    return Trial(number, candidate, status, loss, loss if status == OK else None)


def median_best(strategy, seeds, n_trials=40, options=None) -> float:
    return float(np.median([
        hpo.optimize(bowl, BOWL, strategy, n_trials=n_trials, seed=s, strategy_options=options).best_value
        for s in seeds
    ]))


@pytest.fixture(scope="module")
def random_median() -> float:
    """Random search's median best loss on the bowl after 40 trials, over 9 seeds."""
    return median_best("random", range(100, 109))


# The GP peers are slow per tell (a GP fit each): tests give them skopt's cheaper settings.
FAST_SKOPT = {"acq_func": "EI", "n_initial_points": 5, "optimizer_options": {"acq_optimizer": "sampling"}}

FAST_BOTORCH = {"num_restarts": 2, "raw_samples": 64}

# SMAC's initial design is min(10 per parameter, n_trials / 4) Sobol points (n_trials 100 when not planned by a
# search): the battery's ask/tell checks plan 20, so that its random forest proposes after the first 5.
SMAC_OPTIONS = {"n_trials": 20}

STRATEGY_PEERS = [
    pytest.param("optuna", OptunaStrategy, {"sampler": "tpe"}, id="optuna_tpe"),
    pytest.param("optuna_gp", OptunaStrategy, {"sampler": "gp"}, id="optuna_gp"),
    pytest.param("skopt", SkoptStrategy, FAST_SKOPT, id="skopt_gp"),
    pytest.param("botorch", BotorchStrategy, FAST_BOTORCH, id="botorch_logei"),
    pytest.param("smac", SmacStrategy, SMAC_OPTIONS, id="smac_hpo"),
]


def need(module: str) -> None:
    if module == "optuna_gp":
        pytest.importorskip("optuna")
        pytest.importorskip("torch")
    else:
        pytest.importorskip(module)


# ----------------------------------------------------------------------------- registration
def test_every_peer_is_registered():
    assert set(PEER_NAMES) <= set(available_contenders())


def test_module_imports_and_peers_fail_clearly_without_the_libraries():
    # A fresh interpreter in which optuna, skopt and hyperopt cannot be imported (torch is
    # left alone: scipy looks it up in sys.modules, and optuna_gp fails on optuna first).
    code = textwrap.dedent("""
        import sys
        for m in ("optuna", "skopt", "hyperopt", "botorch", "smac"):
            sys.modules[m] = None
        from hpo.benchmarking import available_contenders, make_contender
        import hpo.benchmarking.peers
        names = set(available_contenders())
        assert {"optuna_tpe", "optuna_gp", "skopt_gp", "hyperopt_tpe", "botorch_logei", "smac_hpo"} <= names, names
        for name, package in [("optuna_tpe", "optuna"), ("optuna_gp", "optuna"),
                              ("skopt_gp", "scikit-optimize"), ("hyperopt_tpe", "hyperopt"),
                              ("botorch_logei", "botorch"), ("botorch_noiseless", "botorch"), ("smac_hpo", "smac")]:
            try:
                make_contender(name)
            except ImportError as exc:
                assert name in str(exc) and package in str(exc) and "pip install" in str(exc), str(exc)
            else:
                raise AssertionError(name + " was made without its library")
        make_contender("sklearn_random")
        make_contender("sklearn_halving")
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_optuna_gp_without_torch_says_so():
    pytest.importorskip("optuna")
    try:
        import torch  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("torch is installed")
    with pytest.raises(ImportError, match=r"optuna_gp needs torch.*pip install"):
        make_contender("optuna_gp")
    with pytest.raises(ImportError, match=r"optuna_gp needs torch"):
        OptunaStrategy(BOWL, seed=0, sampler="gp")


def test_strategy_peers_missing_library_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(ImportError, match=r"optuna_tpe needs optuna.*pip install 'hpo\[peers\]'"):
        OptunaStrategy(BOWL, seed=0)
    monkeypatch.setitem(sys.modules, "skopt", None)
    with pytest.raises(ImportError, match=r"skopt_gp needs scikit-optimize"):
        SkoptStrategy(BOWL, seed=0)
    monkeypatch.setitem(sys.modules, "smac", None)
    with pytest.raises(ImportError, match=r"smac_hpo needs smac.*pip install 'hpo\[smac\]'"):
        SmacStrategy(BOWL, seed=0)


# ----------------------------------------------------------------------------- ask/tell peers
# The conformance battery (hpo.testing) on each peer strategy: the checks of the protocol that the
# peers' libraries keep (they may repeat a configuration of a finite space, which hpo's never do).
PEER_CHECKS = [
    "candidates_are_valid[conditional]", "full_search_is_valid[conditional]",
    "same_seed_same_candidates[conditional]", "other_seed_other_candidates", "numpy_generator_seed_is_used",
    "pending_candidates_are_distinct_and_told_in_any_order", "parallel_runs_are_reproducible",
    "failed_nan_and_pruned_trials_do_not_stop_the_search", "failures_before_any_success",
    "failed_and_pruned_trials_can_be_told", "ask_rejects_a_bad_n",
]
# The GP peers fit a model on every tell, SMAC a forest and a local search every eighth: a third of the
# battery's trials. SMAC passes the whole battery (finite spaces too: SMAC's ConfigurationSpaceExhausted
# ends the search), but the checks left out here take it 10-20 seconds each.
PEER_TRIALS = {"optuna": 1.0, "optuna_gp": 0.3, "skopt": 0.3, "botorch": 0.3, "smac": 0.3}


@pytest.mark.parametrize("module, cls, options", STRATEGY_PEERS)
@pytest.mark.parametrize("check_id", PEER_CHECKS)
def test_conformance(module, cls, options, check_id):
    need(module)
    (check,) = strategy_checks(cls, checks=[check_id], trials=PEER_TRIALS[module], **options)
    check()


@pytest.mark.parametrize("module, cls, options", STRATEGY_PEERS)
def test_valid_configurations_on_a_conditional_space_with_dependent_ranges(module, cls, options):
    need(module)
    space = mlp_space()  # with awkward choices: None, a tuple, True and 1
    result = hpo.optimize(mlp_loss, space, cls, n_trials=12, seed=0, strategy_options=options)
    assert len(result.trials) == 12 and all(t.status == OK for t in result.trials)
    for config in configs_of(result):
        space.validate(config)


def test_optuna_sees_the_conditional_structure():
    pytest.importorskip("optuna")
    strategy = OptunaStrategy(mlp_space(), seed=0)
    for c in strategy.ask(5):
        params = strategy._open[c.info["optuna_trial"]].params
        assert set(params) == set(c.config)  # only the active parameters were suggested
        choice = params.get("activation")
        if choice is not None:  # tuple, None, True and 1 go through their indices
            assert isinstance(choice, int) and 0 <= choice < 6


def test_optuna_tells_optuna_the_states():
    optuna = pytest.importorskip("optuna")
    strategy = OptunaStrategy(BOWL, seed=0)
    a, b, c = strategy.ask(3)
    strategy.tell(trial_of(c, PRUNED))
    strategy.tell(trial_of(a, OK, 1.5))
    strategy.tell(trial_of(b, FAILED))
    states = {t.number: t.state for t in strategy._study.trials}
    numbers = [x.info["optuna_trial"] for x in (a, b, c)]
    TS = optuna.trial.TrialState
    assert [states[n] for n in numbers] == [TS.COMPLETE, TS.FAIL, TS.PRUNED]
    assert strategy._study.best_value == 1.5


def test_optuna_contender_runs_a_problem():
    pytest.importorskip("optuna")
    contender = make_contender("optuna_tpe")
    problem = Problem("bowl", BOWL, lambda config, budget: bowl(config), optimum=0.0)
    trace = contender.run(problem, 15, seed=0)
    assert isinstance(trace, RunTrace) and len(trace.losses) == 15
    assert trace.best_config is not None and bowl(trace.best_config) == min(trace.losses)


def test_skopt_contender_runs_with_its_defaults():
    pytest.importorskip("skopt")
    contender = make_contender("skopt_gp")
    problem = Problem("bowl", BOWL, lambda config, budget: bowl(config), optimum=0.0)
    trace = contender.run(problem, 12, seed=0)  # 10 random points, then 2 from the GP
    assert len(trace.losses) == 12 and all(v is not None for v in trace.losses)


def test_optuna_tpe_beats_random_search_on_a_bowl(random_median):
    pytest.importorskip("optuna")
    tpe = median_best(OptunaStrategy, range(5))
    assert tpe < 0.5 * random_median, (tpe, random_median)


@pytest.mark.slow
def test_optuna_gp_beats_random_search_on_a_bowl(random_median):
    pytest.importorskip("optuna")
    pytest.importorskip("torch")
    gp = median_best(OptunaStrategy, range(3), options={"sampler": "gp"})
    assert gp < 0.25 * random_median, (gp, random_median)


@pytest.mark.slow
def test_skopt_gp_beats_random_search_on_a_bowl(random_median):
    pytest.importorskip("skopt")
    gp = median_best(SkoptStrategy, [0], options={"acq_func": "EI", "optimizer_options": {"acq_optimizer": "sampling"}})
    assert gp < 0.25 * random_median, (gp, random_median)


@pytest.mark.parametrize("module, cls, options", [("skopt", SkoptStrategy, FAST_SKOPT),
                                                   ("botorch", BotorchStrategy, FAST_BOTORCH),
                                                   ("smac", SmacStrategy, {})])
def test_a_peer_is_a_backend_for_a_tuner(module, cls, options):
    pytest.importorskip(module)
    X, y = load_iris(return_X_y=True)
    space = Space(n_neighbors=Int(1, 30), weights=Categorical(["uniform", "distance"]))
    tuner = hpo.Tuner(KNeighborsClassifier(), space, strategy=cls, strategy_options=options,
                      n_trials=8, validation=StratifiedKFold(3, shuffle=True, random_state=0), random_state=0).fit(X, y)
    assert isinstance(tuner.strategy_, cls)
    assert len(tuner.cv_results_["params"]) == 8
    space.validate(tuner.best_params_)
    assert tuner.best_score_ == max(tuner.cv_results_["mean_test_score"])
    assert tuner.predict(X[:5]).shape == (5,)


def test_botorch_noiseless_fixes_the_noise_and_checks_it():
    pytest.importorskip("botorch")
    with pytest.raises(ValueError, match="noise_variance.*-1"):
        BotorchStrategy(BOWL, noise_variance=-1)
    with pytest.raises(ValueError, match="n_initial"):
        BotorchStrategy(BOWL, n_initial=1)
    contender = make_contender("botorch_noiseless")
    assert contender.options == {"noise_variance": 1e-6}
    problem = Problem("bowl", BOWL, lambda config, budget: bowl(config), optimum=0.0)
    trace = contender.run(problem, 10, seed=0)
    assert len(trace.losses) == 10 and all(v is not None for v in trace.losses)


@pytest.mark.slow
def test_botorch_beats_random_search_on_a_bowl(random_median):
    pytest.importorskip("botorch")
    gp = median_best(BotorchStrategy, [0], options=FAST_BOTORCH)
    assert gp < 0.25 * random_median, (gp, random_median)


# ----------------------------------------------------------------------------- SMAC3
def test_smac_sees_the_conditional_structure():
    pytest.importorskip("smac")
    strategy = SmacStrategy(mlp_space(), seed=0)
    configspace = strategy._smac.scenario.configspace
    # activation's one_of("adam", "sgd") holds for every choice of solver: unconditional
    assert sorted(str(c) for c in configspace.conditions) == [
        "momentum | solver == 1",  # choice indices: "sgd" is choice 1
        "units_1 | n_layers in {2, 3, 4}",
        "units_2 | n_layers in {3, 4}",
        "units_3 | n_layers == 4",
    ]
    hp = configspace["units_1"]  # a dependent range: its position in the range that holds
    assert (hp.lower, hp.upper, hp.log) == (0.0, 1.0, False)
    hp = configspace["units_0"]
    assert (hp.lower, hp.upper, hp.log) == (8, 512, True)
    assert list(configspace["activation"].choices) == list(range(6))  # None, a tuple, True and 1: indices
    for c in strategy.ask(8):  # SMAC's active parameters are hpo's
        assert set(dict(strategy._infos[c.info["smac_trial"]].config)) == set(c.config)
        mlp_space().validate(c.config)


def test_smac_says_the_conditions_configspace_can_and_leaves_out_the_others():
    pytest.importorskip("smac")
    space = Space(
        big=Int(1, 10_000),
        rate=Float(0.0, 1.0),
        top=Int(8, 64),
        a=Float(0.0, 1.0).when(big=at_least(500)),       # an Int of 10000 values compared: not said
        b=Float(0.0, 1.0).when(big=one_of(7, 9)),        # equality on it: said
        c=Float(0.0, 1.0).when(rate=at_least(0.25)),     # a Float, closed: > or ==
        d=Float(0.0, 1.0).when(rate=greater_than(0.25), top=at_most(16)),  # two parents: their conjunction
        e=Int(1, ref("top")),
        f=Float(0.0, 1.0).when(e=at_least(3)),           # a parent with a dependent range: not said
        g=Float(0.0, 1.0).when(rate=at_least(0.0)),      # always holds: unconditional
    )
    strategy = SmacStrategy(space, seed=0)
    said = sorted(str(c) for c in strategy._smac.scenario.configspace.conditions)
    assert said == sorted([
        "b | big in {7, 9}",
        "(c | rate > 0.25 || c | rate == 0.25)",
        "(d | rate > 0.25 && d | top in {8, 9, 10, 11, 12, 13, 14, 15, 16})",
    ])
    result = hpo.optimize(lambda config: config["rate"] + config.get("f", 0.0), space, SmacStrategy, n_trials=12,
                          seed=0)
    for t in result.trials:  # hpo decides the activity of the parameters ConfigSpace could not condition
        space.validate(t.config)


@pytest.mark.slow
@pytest.mark.parametrize("check_id", ["finite_space_ends_the_search_cleanly[finite]",
                                      "ask_after_finished_returns_nothing[finite]"])
def test_smac_ends_the_search_when_it_finds_no_new_configuration(check_id):
    # SMAC raises ConfigurationSpaceExhaustedException when a finite space is all proposed: finished
    pytest.importorskip("smac")
    (check,) = strategy_checks(SmacStrategy, checks=[check_id])
    check()


def test_smac_tells_smac_the_states():
    pytest.importorskip("smac")
    from smac.runhistory.enumerations import StatusType

    strategy = SmacStrategy(BOWL, seed=0)
    a, b, c, d = strategy.ask(4)
    strategy.tell(trial_of(c, PRUNED))  # no loss yet: held (running for SMAC) until the first one
    assert strategy._smac.runhistory.finished == 0
    strategy.tell(trial_of(a, OK, 1.5))
    strategy.tell(trial_of(d, OK, 0.5))
    strategy.tell(trial_of(b, FAILED))
    told = {strategy._smac.runhistory.get_config(k.config_id)["x"]: (v.status, v.cost)
            for k, v in strategy._smac.runhistory.items()}
    statuses = sorted((s.name, cost) for s, cost in told.values())
    assert statuses == [("CRASHED", 1.5), ("SUCCESS", 0.5), ("SUCCESS", 1.5), ("TIMEOUT", 1.5)]
    assert strategy._smac.runhistory.finished == 4


def test_smac_writes_nothing(tmp_path, monkeypatch):
    pytest.importorskip("smac")
    monkeypatch.chdir(tmp_path)
    result = hpo.optimize(bowl, BOWL, SmacStrategy, n_trials=10, seed=0)
    assert len(result.trials) == 10
    assert list(tmp_path.iterdir()) == []  # no smac3_output/
    assert not result.strategy_instance._smac.scenario.output_directory.exists()
    assert result.strategy_instance._smac.scenario.n_trials == 10  # planned by the search


def test_smac_checks_its_options():
    pytest.importorskip("smac")
    with pytest.raises(ValueError, match="n_trials"):
        SmacStrategy(BOWL, n_trials=0)
    with pytest.raises(ValueError, match="facade_options.*seed"):
        SmacStrategy(BOWL, facade_options={"seed": 3})


@pytest.mark.slow
def test_smac_contender_runs_a_problem():
    pytest.importorskip("smac")
    contender = make_contender("smac_hpo")
    problem = Problem("bowl", BOWL, lambda config, budget: bowl(config), optimum=0.0)
    trace = contender.run(problem, 12, seed=0)  # 3 Sobol points (12 / 4), then the forest
    assert isinstance(trace, RunTrace) and len(trace.losses) == 12 and all(v is not None for v in trace.losses)
    assert trace.best_config is not None and bowl(trace.best_config) == min(trace.losses)


@pytest.mark.slow
def test_smac_proposes_what_its_own_loop_does(tmp_path):
    # The adapter is SMAC's optimization loop, not a variant of it: with the same seed and the same
    # ConfigSpace, SMAC's own ``optimize`` evaluates the same points (its forest is weak on this
    # smooth 2-d bowl, behind random search at 40 trials over 3 seeds: SMAC's, not the adapter's).
    pytest.importorskip("smac")
    from ConfigSpace import ConfigurationSpace
    from smac import HyperparameterOptimizationFacade, Scenario

    from hpo.benchmarking.peers._common import seed_from

    scenario = Scenario(ConfigurationSpace({"x": (-5.0, 5.0), "y": (-5.0, 5.0)}), deterministic=True, n_trials=12,
                        seed=seed_from(np.random.default_rng(1)), output_directory=tmp_path / "smac")
    facade = HyperparameterOptimizationFacade(scenario, lambda config, seed=0: bowl(dict(config)),
                                              overwrite=True, logging_level=40)
    facade.optimize()
    own = [(facade.runhistory.get_config(k.config_id)["x"], v.cost) for k, v in facade.runhistory.items()]
    result = hpo.optimize(bowl, BOWL, SmacStrategy, n_trials=12, seed=1)
    ours = [(t.config["x"], t.loss) for t in result.trials]
    assert np.allclose(ours, own, rtol=1e-12, atol=0), (ours, own)


# ----------------------------------------------------------------------------- Hyperopt
def conditional_categorical_space() -> Space:
    return Space(
        kind=Categorical(["a", "b", "c"]),
        x=Float(0.0, 1.0).when(kind=one_of("a", "b")),
        y=Int(1, 100, log=True).when(kind="c"),
        z=Categorical([True, 1, None, (2, 3)]).when(kind="a"),
        w=Float(1e-3, 1.0, log=True).when(z=one_of(True, (2, 3))),
        n=Int(-3, 3),
    )


def categorical_loss(config: dict) -> float:
    return config.get("x", 0.5) + config.get("y", 0) / 100 + config.get("w", 0.0) + abs(config["n"]) / 10


def test_hyperopt_nests_conditions_on_categoricals():
    pytest.importorskip("hyperopt")
    space = conditional_categorical_space()
    contender = HyperoptContender()
    assert contender.nestable(space) and not contender.nestable(mlp_space())
    problem = Problem("cond", space, lambda config, budget: categorical_loss(config))
    trace = contender.run(problem, 30, seed=0)
    assert trace.extra["nested_space"] is True
    assert len(trace.losses) == 30 and len(trace.eval_seconds) == 30 and trace.budgets == [None] * 30
    assert all(v is not None for v in trace.losses)
    space.validate(trace.best_config)
    assert categorical_loss(trace.best_config) == min(trace.losses)
    assert trace.wall_seconds >= sum(trace.eval_seconds) > 0


def test_hyperopt_nested_configurations_are_valid_and_cover_the_branches():
    hyperopt = pytest.importorskip("hyperopt")
    space = conditional_categorical_space()
    hp_space, nested = HyperoptContender().hp_space(space)
    assert nested
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(200):
        config = HyperoptContender.to_config(space, hyperopt.pyll.stochastic.sample(hp_space, rng=rng), True)
        space.validate(config)
        seen.add((config["kind"], config.get("z", "-"), config["n"]))
    assert {k for k, _, _ in seen} == {"a", "b", "c"}
    assert {z for k, z, _ in seen if k == "a"} == {True, 1, None, (2, 3)}
    assert {n for _, _, n in seen} == set(range(-3, 4))  # both ends of an Int reachable


def test_hyperopt_falls_back_to_the_unit_box_and_survives_failures():
    pytest.importorskip("hyperopt")
    space = mlp_space()

    def objective(config, budget):
        if config["n_layers"] >= 3:
            raise ValueError("too deep")
        return mlp_loss(config)

    problem = Problem("mlp", space, objective)
    trace = make_contender("hyperopt_tpe").run(problem, 25, seed=0)
    assert trace.extra["nested_space"] is False
    assert len(trace.losses) == 25
    assert None in trace.losses and any(v is not None for v in trace.losses)
    space.validate(trace.best_config)
    assert trace.best_config["n_layers"] < 3
    again = make_contender("hyperopt_tpe").run(problem, 25, seed=0)
    assert again.losses == trace.losses and again.best_config == trace.best_config


def test_hyperopt_every_trial_failing():
    pytest.importorskip("hyperopt")

    def objective(config, budget):
        raise RuntimeError("always")

    trace = HyperoptContender().run(Problem("bad", BOWL, objective), 5, seed=0)
    assert trace.losses == [None] * 5 and trace.best_config is None


# ----------------------------------------------------------------------------- scikit-learn
KNN_SPACE = Space(
    n_neighbors=Int(1, 40, log=True),
    weights=Categorical(["uniform", "distance"]),
    p=Float(1.0, 2.5),
    leaf_size=Int(5, 50),
)


@pytest.fixture(scope="module")
def knn_problem() -> Problem:
    """A tiny sklearn problem built as the sklearn suite builds its own: loss = 1 - mean CV accuracy."""
    X, y = load_iris(return_X_y=True)
    estimator = KNeighborsClassifier()
    folds = list(StratifiedKFold(n_splits=3, shuffle=True, random_state=0).split(X, y))
    scorers, _ = make_scorers(estimator, "accuracy")
    evaluator = EstimatorObjective(estimator, KNN_SPACE, X, y, folds, scorers, "score")

    def objective(config, budget=None):
        return 1.0 - evaluator(config)["value"]

    tags = {"estimator": estimator, "X_train": X, "y_train": y, "scoring": "accuracy", "cv": folds,
            "loss_offset": 1.0}
    return Problem("knn_iris_tiny", KNN_SPACE, objective, kind="sklearn", tags=tags)


def test_sklearn_random_matches_the_problems_loss(knn_problem):
    contender = make_contender("sklearn_random")
    assert contender.supports(knn_problem)
    trace = contender.run(knn_problem, 12, seed=0)
    assert len(trace.losses) == 12 and all(v is not None for v in trace.losses)
    assert len(trace.eval_seconds) == 12 and all(s > 0 for s in trace.eval_seconds)
    assert trace.budgets == [None] * 12
    KNN_SPACE.validate(trace.best_config)
    assert knn_problem.objective(trace.best_config) == pytest.approx(min(trace.losses), abs=1e-12)
    again = contender.run(knn_problem, 12, seed=0)
    assert again.losses == trace.losses and again.best_config == trace.best_config


def test_sklearn_halving_runs_within_the_trial_budget(knn_problem):
    contender = make_contender("sklearn_halving")
    assert contender.supports(knn_problem)
    # 150 rows, 3 folds x 3 classes: rungs of at least 18 rows, so at most 2 rungs (18 * 9 > 150);
    # 15 candidates + the best 5 = 20 evaluations, on 50 then all 150 rows.
    assert contender.halving_plan(20, 150, 18) == (15, 50, 20)
    trace = contender.run(knn_problem, 20, seed=0)
    assert len(trace.losses) == len(trace.budgets) == len(trace.eval_seconds) == 20
    assert all(v is not None for v in trace.losses)
    assert trace.budgets == [50] * 15 + [150] * 5
    KNN_SPACE.validate(trace.best_config)
    top = [v for v, b in zip(trace.losses, trace.budgets) if b == 150]
    assert knn_problem.objective(trace.best_config) == pytest.approx(min(top), abs=1e-12)


def test_halving_plan():
    contender = SklearnSearchContender("sklearn_halving", halving=True)
    # enough rows for every rung: 9 + 3 + 1 = 13 rows (10 candidates would need 10 + 4 + 2 = 16)
    assert contender.halving_plan(15, 353, 10) == (9, 39, 13)
    assert _halving_rows(9, 3) == 13 and _halving_rows(10, 3) == 16
    # 142 rows, rungs of at least 30: 2 rungs; the last uses 141 = 47 * 3 rows, not 90 as "exhaust" would
    c, r0, rows = contender.halving_plan(50, 142, 30)
    assert (c, r0, rows) == (37, 47, 50) and _halving_rows(37, 3, 2) == 50
    # fewer rows than the smallest rung: one rung on all of them
    assert contender.halving_plan(5, 10, 30) == (5, 10, 5)


def test_sklearn_contenders_refuse_what_param_distributions_cannot_say(knn_problem):
    contender = SklearnSearchContender("sklearn_random")
    no_tags = Problem("bare", KNN_SPACE, knn_problem.objective)
    conditional = Problem("cond", mlp_space(), knn_problem.objective, tags=knn_problem.tags)
    packed = Problem("packed", Space(units_0=Int(8, 64), to_params=Pack("hidden_layer_sizes", ["units_0"])),
                     knn_problem.objective, tags=knn_problem.tags)
    assert "no scikit-learn task" in contender.why_unsupported(no_tags)
    assert "conditions or dependent ranges" in contender.why_unsupported(conditional)
    assert "to_params" in contender.why_unsupported(packed)
    assert not any(contender.supports(p) for p in (no_tags, conditional, packed))
    with pytest.raises(ValueError, match="sklearn_random cannot run 'cond': its space has conditions"):
        contender.run(conditional, 5, seed=0)


def test_param_distributions_sample_the_space():
    space = Space(lr=Float(1e-4, 1e-1, log=True), frac=Float(0.2, 0.4), width=Int(1, 1000, log=True),
                  depth=Int(2, 4), kind=Categorical(["a", None, (1, 2)]))
    dists = SklearnSearchContender.param_distributions(space)
    rng = np.random.RandomState(0)
    lr = dists["lr"].rvs(size=4000, random_state=rng)
    assert lr.min() >= 1e-4 and lr.max() <= 1e-1
    assert 0.4 < np.mean(np.log10(lr) < -2.5) < 0.6  # log-uniform: half below the log midpoint
    frac = dists["frac"].rvs(size=1000, random_state=rng)
    assert frac.min() >= 0.2 and frac.max() <= 0.4
    width = dists["width"].rvs(size=4000, random_state=rng)
    assert width.dtype.kind == "i" and width.min() == 1 and width.max() == 1000
    assert 0.4 < np.mean(width <= 31) < 0.6  # log-uniform ints: half up to about sqrt(1000)
    assert isinstance(_LogUniformInt(1, 5).rvs(random_state=0), int)
    assert set(dists["depth"].rvs(size=200, random_state=rng)) == {2, 3, 4}
    assert dists["kind"] == ["a", None, (1, 2)]


def test_sklearn_halving_halves_on_the_problems_own_resource():
    from hpo.benchmarking import make_contender, make_problem

    halving = make_contender("sklearn_halving")
    hgb = make_problem("hgb_breast_cancer_iters")
    assert halving.supports(hgb) and halving.supports(make_problem("svm_digits_samples"))
    assert make_contender("sklearn_random").supports(hgb)
    trace = halving.run(hgb, 13, seed=0)  # 9 + 3 + 1 fits, by max_iter (5-200), not by rows
    assert trace.budgets == [22] * 9 + [66] * 3 + [198]
    best = min((i for i, b in enumerate(trace.budgets) if b == 198), key=lambda i: trace.losses[i])
    assert trace.best_config is not None and best == 12
