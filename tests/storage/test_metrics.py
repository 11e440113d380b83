"""Extra metrics in a study file: what cannot be stored as given never costs a trial its value."""

from __future__ import annotations

import json
import math
import os
import warnings

import numpy as np
import pytest

from hpo import Float, Space, optimize
from hpo.cli import main
from hpo.storage import SQLiteStorage, load_study
from hpo.storage.record import MAX_METRICS_BYTES, MAX_REPR_CHARS, metrics_to_json

SPACE = Space(x=Float(0.0, 1.0))


def test_a_metric_json_cannot_hold_is_stored_as_its_repr_with_one_warning(tmp_path):
    db = str(tmp_path / "r.db")

    def objective(config):
        cycle: dict = {"x": config["x"]}
        cycle["self"] = cycle
        return {"value": config["x"], "cycle": cycle, "keys": {(1, 2): 3}, "ok": [1, 2]}

    with pytest.warns(RuntimeWarning) as caught:
        result = optimize(objective, SPACE, n_trials=4, seed=0, storage=db, study="s")
    messages = [str(w.message) for w in caught if "metric" in str(w.message)]
    assert len(messages) == 1, messages
    assert "metric 'cycle' cannot be stored as JSON (ValueError: Circular reference detected)" in messages[0]
    assert "metric 'keys' cannot be stored as JSON (TypeError: keys must be str" in messages[0]
    assert len(result) == 4 and result.trials[0].metrics["cycle"]["self"] is result.trials[0].metrics["cycle"]
    stored = load_study(db, "s")
    assert [t.status for t in stored.trials] == ["ok"] * 4  # none left "running"
    assert [t.value for t in stored.trials] == [t.value for t in result.trials]
    first = stored.trials[0].metrics
    assert first["cycle"].startswith("{'self': {'self': ") and "'x': 0." in first["cycle"]
    assert len(first["cycle"]) <= MAX_REPR_CHARS and first["keys"] == "{(1, 2): 3}" and first["ok"] == [1, 2]


def test_metrics_over_the_size_limit_are_not_stored_and_the_message_names_them(tmp_path):
    db = str(tmp_path / "r.db")
    big = "x" * (MAX_METRICS_BYTES // 2)

    def objective(config):
        return {"value": config["x"], "a": big, "b": big + "b", "c": big + "cc", "small": 1.5}

    with pytest.warns(RuntimeWarning, match=r"metric 'c' takes 500,004 bytes as JSON, over the limit of 1,000,000 "
                                            r"bytes for a trial's metrics; .* metric 'b' takes 500,003 bytes"):
        optimize(objective, SPACE, n_trials=3, seed=0, storage=db, study="s")
    assert os.path.getsize(db) < 3 * MAX_METRICS_BYTES
    for t in load_study(db, "s").trials:
        assert t.metrics["a"] == big and t.metrics["small"] == 1.5
        assert t.metrics["b"] == ("<not stored: 500,003 bytes of JSON; a trial's metrics are stored up to "
                                  "1,000,000 bytes>")
        assert t.metrics["c"].startswith("<not stored: 500,004 bytes")


def test_an_array_too_large_to_store_is_not_encoded_to_learn_so():
    from hpo.storage.record import metrics_to_json

    class Huge(np.ndarray):  # an array that fails if it is encoded (tolist): it took 5 s a trial for 24 MB
        def tolist(self):
            raise AssertionError("encoded")

    huge = np.zeros(MAX_METRICS_BYTES, dtype=np.float32).view(Huge)
    text, problems = metrics_to_json({"preds": huge, "small": np.arange(3)})
    assert problems == {"preds": "an array of 1,000,000 elements, over the limit of 1,000,000 bytes of JSON for a "
                                 "trial's metrics; stored as a note saying so"}
    assert '"small": [0, 1, 2]' in text and "<not stored: an array of 1,000,000 elements" in text


def test_nan_and_infinities_in_metrics_round_trip_and_export_as_strict_json(tmp_path, capsys):
    db = str(tmp_path / "r.db")

    def objective(config):
        return {"value": config["x"], "nan": float("nan"), "inf": -np.inf, "list": [1.0, math.nan],
                "array": np.array([np.inf, 2.0])}

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # all of these are stored as they are
        optimize(objective, SPACE, n_trials=2, seed=0, storage=db, study="s")
    metrics = load_study(db, "s").trials[0].metrics
    assert math.isnan(metrics["nan"]) and metrics["inf"] == -math.inf and math.isnan(metrics["list"][1])
    assert metrics["array"] == [math.inf, 2.0]
    assert main(["export", db, "s", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(f"{c} is not JSON"))
    assert data["trials"][0]["metric_nan"] is None and data["trials"][0]["metric_list"] == [1.0, None]


def test_metrics_to_json_keeps_everything_it_can():
    class Loud:
        def __repr__(self):
            raise RuntimeError("no repr")

    text, problems = metrics_to_json({"n": np.float32(1.5), 3: "int key", "loud": Loud(), "deep": [[[[[[1]]]]]]})
    back = json.loads(text)
    assert back.pop("loud").startswith("<Loud instance at ")
    assert back == {"n": 1.5, "3": "int key", "deep": [[[[[[1]]]]]]}
    assert list(problems) == ["loud"]


def test_a_trial_stored_without_its_metrics_keeps_the_study_usable(tmp_path):
    db = str(tmp_path / "r.db")
    with pytest.warns(RuntimeWarning, match="metric 'huge'"):
        optimize(lambda c: {"value": c["x"], "huge": np.zeros(200_000)}, SPACE, n_trials=2, seed=0, storage=db,
                 study="s")
    resumed = optimize(lambda c: c["x"], SPACE, n_trials=4, seed=0, storage=db, study="s")
    assert len(resumed) == 4 and SQLiteStorage(db).summaries()[0]["ok"] == 4


def test_a_metrics_warning_made_an_error_comes_after_the_trial_is_stored(tmp_path):
    # under -W error (or pytest's filterwarnings = error) the warning was raised before the write: the evaluated
    # trial was lost, and every resume evaluated it again and stopped at the same place
    import warnings

    db = str(tmp_path / "r.db")

    def objective(config):
        return {"value": config["x"], "blob": "x" * (2 * MAX_METRICS_BYTES)}

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(RuntimeWarning, match="metric 'blob' takes"):
            optimize(objective, SPACE, n_trials=3, seed=0, storage=db, study="s")
    stored = load_study(db, "s").trials
    assert [t.status for t in stored][:1] == ["ok"] and stored[0].metrics["blob"].startswith("<not stored")
    again = optimize(objective, SPACE, n_trials=3, seed=0, storage=db, study="s")  # warned once per session
    assert [t.number for t in again.trials] == [0, 1, 2] and all(t.status == "ok" for t in again.trials)
