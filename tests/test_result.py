"""``Result``: best trial selection and exports."""

from __future__ import annotations

import csv
import json

import pytest

from hpo import Categorical, Float, Int, Space, optimize
from hpo.result import Result
from hpo.trial import FAILED, OK, PRUNED, Candidate, Trial

SPACE = Space(
    kernel=Categorical(["linear", "rbf"]),
    gamma=Float(1e-3, 1.0, log=True).when(kernel="rbf"),
    shape=Categorical([(1, 2), None]),
    depth=Int(1, 5),
)


def trial(number, loss, budget=None, status=OK, config=None):
    config = config or {"kernel": "linear", "shape": None, "depth": 1}
    return Trial(number, Candidate(config, budget), status, value=loss, loss=loss, started=1.0, finished=2.5)


def test_best_is_chosen_among_the_largest_budget():
    r = Result(SPACE)
    r.add(trial(0, 0.1, budget=1))
    r.add(trial(1, 0.5, budget=9))
    r.add(trial(2, 0.3, budget=9))
    assert r.best_trial.number == 2
    r.add(trial(3, 0.9, budget=None))
    assert r.best_trial.number == 3  # None is the full budget
    r.add(trial(4, None, budget=None, status=FAILED))
    assert r.best_trial.number == 3


def test_no_best_without_an_ok_trial():
    r = Result(SPACE)
    with pytest.raises(ValueError, match="no trial has finished"):
        r.best_trial
    r.add(Trial(0, Candidate({"kernel": "linear", "shape": None, "depth": 1}), FAILED, error="OSError: disk"))
    with pytest.raises(ValueError, match="all 1 trials failed.*OSError: disk"):
        r.best_value


def test_trials_stay_in_number_order():
    r = Result(SPACE)
    for n in (2, 0, 1):
        r.add(trial(n, float(n)))
    assert [t.number for t in r.trials] == [0, 1, 2]


def _result():
    return optimize(lambda c: c["depth"] + c.get("gamma", 0.0), SPACE, n_trials=12, seed=0)


def test_records_have_every_parameter_and_none_when_inactive():
    records = _result().to_records()
    assert len(records) == 12
    for rec in records:
        assert {"number", "status", "value", "budget", "error", "started", "finished", "duration"} <= set(rec)
        assert {"param_kernel", "param_gamma", "param_shape", "param_depth"} <= set(rec)
        assert (rec["param_gamma"] is None) == (rec["param_kernel"] == "linear")


def test_dataframe_export():
    pd = pytest.importorskip("pandas")
    df = _result().to_dataframe()
    assert isinstance(df, pd.DataFrame) and len(df) == 12
    assert df["status"].eq("ok").all()
    assert df.loc[df["param_kernel"] == "linear", "param_gamma"].isna().all()


def test_csv_export_round_trips_values(tmp_path):
    result = _result()
    path = tmp_path / "trials.csv"
    result.to_csv(str(path))
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 12
    for row, t in zip(rows, result.trials):
        assert int(row["number"]) == t.number and float(row["value"]) == pytest.approx(t.value)
        shape = t.config["shape"]
        assert row["param_shape"] == (json.dumps(shape) if shape is not None else "")


def test_repr_mentions_counts_and_best():
    text = repr(_result())
    assert "12 trials" in text and "best min value" in text


def test_why_there_is_no_best_trial_is_public():
    r = Result(SPACE)
    assert r.no_best_reason() == "no trial has finished"
    r.add(trial(0, None, status=PRUNED))
    assert r.no_best_reason() == "no trial succeeded (1 pruned)"
    r = Result(SPACE)
    r.add(Trial(3, Candidate({"kernel": "linear", "shape": None, "depth": 1}), FAILED, error="ValueError: bad"))
    assert r.no_best_reason() == "all 1 trials failed; the first, trial 3, with ValueError: bad"
    with pytest.raises(ValueError, match=r"the first, trial 3, with ValueError: bad"):
        r.best_trial
