"""``benchmarks/bench_training_loops.py``: its loops, searches and tables run and give sane numbers (issue 20)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from .common import load_benchmark


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("bench_training_loops")


@pytest.fixture(scope="module")
def seed_row(bench):
    """Every contender once on the crossing curves, epochs free, 8 random trials (E = 648 epochs)."""
    return bench.one_seed(bench.CrossingCurves(epoch_seconds=0), 0, 8, optuna=bench.have_optuna())


@pytest.mark.slow  # the seed_row fixture: every contender once (a few seconds)
def test_epochs_are_counted_in_the_loop_and_agree_with_the_stored_curves(bench, seed_row):
    E = seed_row["E"]
    assert E == 8 * 81  # random search: every trial at the full budget
    for name, run in seed_row["runs"].items():
        assert run["epochs"] == sum(r[0] for r in run["rows"]), name
        assert all(r[0] >= 0 for r in run["rows"]), name
        if "curve_mismatch" in run:  # hpo's runs: each trial's curve holds exactly the epochs it trained
            assert run["curve_mismatch"] == 0, name
            if not name.endswith("_restart") and "auto" not in name:  # every promoted run continued from its state
                assert run["restarted"] == 0, name  # (the model-based sampler promotes more: max_states may drop some)
    for name in bench.CONTENDERS:
        if name in seed_row["runs"]:  # stopped once E epochs are trained, within one more trial
            assert E <= seed_row["runs"][name]["epochs"] < E + 81, name


@pytest.mark.slow  # the seed_row fixture: every contender once (a few seconds)
def test_continuing_trains_fewer_epochs_than_restarting_and_finds_the_same_best(bench, seed_row):
    for name in bench.RESTARTED:
        cont, rest = seed_row["runs"][name], seed_row["runs"][f"{name}_restart"]
        assert rest["n_trials"] == cont["n_trials"]
        assert rest["epochs"] > cont["epochs"]
        if "auto" not in name:  # the random sampler replays exactly; "auto"'s cost guard reads the clock
            assert rest["best"] == cont["best"] and math.isfinite(cont["best"])


@pytest.mark.slow  # the seed_row fixture: every contender once (a few seconds)
def test_the_second_attempt_starts_at_a_ninth_of_the_most_epochs(bench, seed_row):
    assert seed_row["options"]["asha"]["min_budget"] == 1
    assert seed_row["options"]["asha_3rungs_auto"] == {"min_budget": 9, "max_budget": 81, "sampler": "auto"}
    assert bench._min_budget(bench.MLPDigits.__new__(bench.MLPDigits), 1 / 9) == 3


def test_the_mlp_learns_and_a_diverging_run_gets_a_finite_worst_loss(bench):
    problem = bench.MLPDigits()
    config = {"lr": 0.1, "hidden": 32, "l2": 1e-4, "momentum": 0.9, "batch": 64}
    state = problem.init(config, 0)
    losses = [problem.epoch(state, config) for _ in range(3)]
    assert losses[-1] < losses[0] < math.log(10) + 0.5
    wild = {"lr": 1.0, "hidden": 128, "l2": 1e-6, "momentum": 0.95, "batch": 16}
    state = problem.init(wild, 0)
    assert all(0 < problem.epoch(state, wild) <= 10.0 for _ in range(3))


def test_reach_and_best_read_the_log(bench):
    rows = [(1, False, 0.5, 0, 0), (27, True, 0.3, 0, 0), (27, True, 0.2, 0, 0)]
    assert bench._reach(rows, 0.3)["epochs"] == 28
    assert bench._reach(rows, 0.1) is None
    assert bench._best(rows, within=28) == 0.3
    assert bench._best(rows) == 0.2


def test_main_prints_the_tables_and_reuses_kept_rows(bench, tmp_path, capsys, monkeypatch):
    out = tmp_path / "runs.jsonl"
    argv = ["--problems", "crossing_curves", "--epoch-seconds", "0", "--seeds", "1", "--random-trials", "2",
            "--out", str(out)]
    monkeypatch.setattr(bench, "have_optuna", lambda: False)
    assert bench.main(argv) == 0
    printed = capsys.readouterr()
    assert "optuna is not installed" in printed.err
    for heading in ("### A.", "### B.", "### C.", "### D."):
        assert heading in printed.out
    assert "| crossing_curves | 162 |" in printed.out and "optuna_tpe" not in printed.out.split("### B.")[0]
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row.get("part") for row in lines] == ["ranks", None]

    def no_run(*args, **kwargs):
        raise AssertionError("a kept row was run again")

    monkeypatch.setattr(bench, "one_seed", no_run)
    monkeypatch.setattr(bench, "rank_quality", no_run)
    assert bench.main(argv) == 0
    assert capsys.readouterr().out.split("(")[0] == printed.out.split("(")[0]
    assert len(out.read_text().splitlines()) == 2
    # --report runs nothing: a seed not kept is left out
    assert bench.main(argv + ["--seeds", "3", "--report"]) == 0
    assert "| crossing_curves | 162 |" in capsys.readouterr().out
    assert len(out.read_text().splitlines()) == 2
    # a .gz file is written and read back compressed
    gz = tmp_path / "runs.jsonl.gz"
    monkeypatch.undo()
    monkeypatch.setattr(bench, "have_optuna", lambda: False)
    assert bench.main(argv[:-1] + [str(gz)]) == 0
    first = capsys.readouterr().out
    monkeypatch.setattr(bench, "one_seed", no_run)
    monkeypatch.setattr(bench, "rank_quality", no_run)
    assert bench.main(argv[:-1] + [str(gz), "--report"]) == 0
    assert capsys.readouterr().out.split("(")[0] == first.split("(")[0]
    assert gz.read_bytes()[:2] == b"\x1f\x8b"


def test_rank_quality_is_a_correlation_per_rung(bench):
    q = bench.rank_quality(bench.CrossingCurves(epoch_seconds=0), n_configs=30)
    assert q["budgets"] == [1, 3, 9, 27, 81]
    assert np.allclose(q["spearman"][-1], 1.0) and all(-1 <= v <= 1 for v in q["spearman"])
    assert q["kept"][-1] == 1.0
