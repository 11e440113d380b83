"""``Tuner(storage=..., study=...)``: a durable scikit-learn search, resumed, and checked against its data."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.neighbors import KNeighborsClassifier

from hpo import Categorical, Int, Space, Tuner
from hpo.storage import SQLiteStorage, StudyMismatchError

X, y = load_iris(return_X_y=True)
SPACE = Space(n_neighbors=Int(1, 30), weights=Categorical(["uniform", "distance"]))


def _tuner(db, n_trials, **kwargs):
    return Tuner(KNeighborsClassifier(), SPACE, n_trials=n_trials, random_state=0, storage=db, study="knn",
                 **kwargs)


def test_a_tuner_study_resumes_and_equals_an_uninterrupted_search(tmp_path):
    db = str(tmp_path / "t.db")
    whole = Tuner(KNeighborsClassifier(), SPACE, n_trials=12, random_state=0).fit(X, y)
    _tuner(db, 5).fit(X, y)
    resumed = _tuner(db, 12).fit(X, y)
    assert resumed.cv_results_["params"] == whole.cv_results_["params"]
    np.testing.assert_allclose(resumed.cv_results_["mean_test_score"], whole.cv_results_["mean_test_score"])
    assert resumed.best_params_ == whole.best_params_ and resumed.best_score_ == whole.best_score_
    record = SQLiteStorage(db).get_study("knn")
    assert record.data["X_shape"] == [150, 4] and record.data["y_shape"] == [150] and len(record.data["hash"]) == 40


def test_a_tuner_study_refuses_other_data_and_names_it(tmp_path):
    db = str(tmp_path / "t.db")
    _tuner(db, 3).fit(X, y)
    with pytest.raises(StudyMismatchError, match=r"data: X \(150, 4\), y \(150,\) hash \w+ in the study, "
                                                 r"X \(100, 4\), y \(100,\) hash \w+ now"):
        _tuner(db, 6).fit(X[:100], y[:100])
    with pytest.raises(StudyMismatchError, match="data: "):
        _tuner(db, 6).fit(X + 1.0, y)


def test_a_tuner_without_random_state_warns_with_storage(tmp_path):
    with pytest.warns(UserWarning, match="random_state=None"):
        Tuner(KNeighborsClassifier(), SPACE, n_trials=2, storage=str(tmp_path / "t.db")).fit(X, y)
    with pytest.raises(ValueError, match="needs storage="):
        Tuner(KNeighborsClassifier(), SPACE, n_trials=2, study="x").fit(X, y)


def test_the_tuner_clones_with_a_storage_parameter(tmp_path):
    from sklearn.base import clone

    tuner = _tuner(SQLiteStorage(str(tmp_path / "t.db")), 2)
    copy = clone(tuner)
    assert copy.storage is not tuner.storage and copy.storage.path == tuner.storage.path


def test_benchmark_runs_keep_their_trials_as_studies(tmp_path):
    from hpo.benchmarking import run_benchmark
    from hpo.storage import load_study

    db = str(tmp_path / "trials.db")
    with run_benchmark(str(tmp_path / "bench"), problems=["branin"], strategies=["random", "sobol"], n_trials=6,
                       seeds=[0, 1], storage=db, study="b") as store:
        runs = {(r["contender"], r["seed"]): r["losses"] for r in store.runs()}
    names = SQLiteStorage(db).study_names()
    assert sorted(names) == sorted(f"b/branin/{s}/seed={k}/n=6" for s in ("random", "sobol") for k in (0, 1))
    for (contender, seed), losses in runs.items():
        assert [t.loss for t in load_study(db, f"b/branin/{contender}/seed={seed}/n=6").trials] == losses


def test_a_stored_tuner_search_exposes_its_strategy(tmp_path):
    tuner = _tuner(str(tmp_path / "t.db"), 6, strategy="coarse_to_fine").fit(X, y)
    assert tuner.strategy_.name == "coarse_to_fine" and len(tuner.strategy_.trials) == 6
    assert set(tuner.strategy_.ranges_[0]) == {"n_neighbors", "weights"}
