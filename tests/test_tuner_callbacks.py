"""scikit-learn's fit callbacks (``sklearn.callback``) on ``hpo.Tuner``: its task tree, propagation, workers, resume.

scikit-learn's own search tests of callbacks run in ``tests/sklearn_parity``;
these check what is the Tuner's own: trials running in hpo's worker
processes, halving's rungs, failed trials, resumed studies, and that a fit
without callbacks builds nothing.
"""

from __future__ import annotations

import pickle
import re
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from hpo import Categorical, Float, Space, Tuner

pytest.importorskip("sklearn.callback")  # scikit-learn >= 1.9

from sklearn.callback import ProgressBar, ScoringMonitor  # noqa: E402
from sklearn.callback._callback_context import CallbackContext, get_context_path  # noqa: E402
from sklearn.callback.tests._utils import RecordingAutoPropagatedCallback, RecordingCallback  # noqa: E402

X, y = make_classification(n_samples=90, n_features=4, random_state=0)
SPACE = Space(C=Float(1e-2, 1e2, log=True))


def _tuner(n_jobs=1, **kwargs):
    options = dict(n_trials=4, validation=3, random_state=0, n_jobs=n_jobs)
    options.update(kwargs)
    return Tuner(LogisticRegression(max_iter=15), SPACE, **options)


def _paths(callback, hook="on_fit_task_begin"):
    """The task paths ``((estimator_name, task_name, task_id), ...)`` the callback saw begin (or end)."""
    return [tuple((c.estimator_name, c.task_name, c.task_id) for c in get_context_path(r["context"]))
            for r in callback.record if r["name"] == hook]


def _balanced(callback):
    assert callback.count_hooks("setup") == callback.count_hooks("teardown") == 1
    assert sorted(_paths(callback)) == sorted(_paths(callback, "on_fit_task_end"))


# --------------------------------------------------------------------- the task tree, in workers too
@pytest.mark.parametrize("n_jobs", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_one_task_per_trial_and_split_wherever_trials_run(n_jobs):
    callback = RecordingCallback()
    tuner = _tuner(n_jobs).set_callbacks(callback).fit(X, y)
    _balanced(callback)
    evaluations = [p for p in _paths(callback) if p[-1][1] == "candidate-split-evaluation"]
    assert {p[:2] for p in evaluations} == {(("Tuner", "fit", 0), ("Tuner", "search", 0))}
    # task_id = trial x n_splits + split: each row of cv_results_ has its 3 splits
    assert sorted(p[-1][2] for p in evaluations) == list(range(4 * 3))
    assert len(tuner.cv_results_["params"]) == 4
    assert ("Tuner", "refit-with-best-params", 1) in [p[-1] for p in _paths(callback)]
    # every hook gets the Tuner (in a worker, its copy)
    assert all(r["estimator"] is tuner for r in callback.record if r["context"].task_name != "candidate-split-evaluation")
    assert all(isinstance(r["estimator"], Tuner) for r in callback.record)
    assert all(r["estimator"] is tuner for r in callback.record) == (n_jobs == 1)


@pytest.mark.slow
def test_auto_propagated_callback_reaches_the_fits_in_worker_processes():
    # LogisticRegression (lbfgs) supports callbacks: each split's fit, run in hpo's worker processes,
    # hangs its own tasks (one per lbfgs iteration) below the split's task, and they reach this process
    callback = RecordingAutoPropagatedCallback()
    _tuner(n_jobs=2).set_callbacks(callback).fit(X, y)
    _balanced(callback)
    # each fit's root task is merged with the Tuner's task it runs for (trial x split, or the refit)
    roots = [r["context"] for r in callback.record
             if r["name"] == "on_fit_task_begin" and r["context"].estimator_name == "LogisticRegression"
             and r["context"].task_name == "fit"]
    assert sorted(c.task_id for c in roots if c.source_task_name == "candidate-split-evaluation") == list(range(12))
    assert [(c.source_task_name, c.parent.task_name) for c in roots if c.parent.task_name == "fit"] == \
        [("refit-with-best-params", "fit")]
    iterations = [p for p in _paths(callback) if p[-1][1] == "lbfgs-iter"]
    assert {p[2][2] for p in iterations if p[1][1] == "search"} == set(range(12))


def _scoring_monitor_logs(n_jobs):
    monitor = ScoringMonitor(scoring="accuracy")
    Tuner(LogisticRegression(max_iter=15).set_callbacks(monitor), SPACE, n_trials=4, validation=3,
          random_state=0, n_jobs=n_jobs).fit(X, y)
    [log] = monitor.get_logs(select="all")
    return log


@pytest.mark.slow
def test_scoring_monitor_of_the_estimator_logs_the_same_at_any_n_jobs():
    # a ScoringMonitor on the estimator (not propagated) sees the Tuner's tree above its own: each score
    # is filed under its trial x split (or the refit), whichever process fitted it
    one, two = _scoring_monitor_logs(1), _scoring_monitor_logs(2)
    assert one.estimator_name == two.estimator_name == "Tuner"
    assert [r["task_id_path"] for r in one.data] == [r["task_id_path"] for r in two.data]
    assert_allclose([r["accuracy"] for r in one.data], [r["accuracy"] for r in two.data])
    parents = {r["task_id_path"][:3] for r in one.data if r["task_id_path"][:2] == (0, 0)}
    assert parents == {(0, 0, task) for task in range(4 * 3)}
    assert any(r["task_id_path"][:2] == (0, 1) for r in one.data)  # the refit's iterations


@pytest.mark.parametrize("n_jobs", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_progress_bar(n_jobs, capsys):
    pytest.importorskip("rich")
    _tuner(n_jobs, n_trials=3).set_callbacks(ProgressBar()).fit(X, y)
    out = capsys.readouterr().out
    assert re.search(r"Tuner - fit", out) and re.search(r"Tuner - search", out)
    # one bar per split's fit (sent from the workers with n_jobs=2), all complete
    fits = re.findall(r"candidate-split-evaluation \| LogisticRegression - fit #(\d+) +\S+ +100%", out)
    assert sorted(map(int, fits)) == list(range(3 * 3))
    assert re.search(r"refit-with-best-params \| LogisticRegression - fit", out)


# --------------------------------------------------------------------- halving's rungs
@pytest.mark.slow
def test_halving_rungs_are_tasks_around_their_trials():
    callback = RecordingCallback()
    tuner = Tuner(LogisticRegression(max_iter=15), Space(C=Categorical([0.01, 0.1, 1.0, 10.0])), strategy="halving",
                  n_trials=None, validation=2, random_state=0, n_jobs=2,
                  strategy_options={"eta": 2, "n_candidates": 4}).set_callbacks(callback).fit(X, y)
    _balanced(callback)
    iters = tuner.cv_results_["iter"]
    events = [(r["name"], tuple(c.task_id for c in get_context_path(r["context"])[2:]), r["context"].task_name)
              for r in callback.record]
    rungs = sorted({e[1][0] for e in events if e[2] == "halving-iteration"})
    assert rungs == sorted(set(iters.tolist())) == [0, 1, 2]
    for rung in rungs:
        begin = events.index(("on_fit_task_begin", (rung,), "halving-iteration"))
        end = events.index(("on_fit_task_end", (rung,), "halving-iteration"))
        inside = [i for i, e in enumerate(events) if e[2] == "candidate-split-evaluation" and e[1][0] == rung]
        assert len(inside) == 2 * 2 * np.sum(iters == rung)  # begin and end, 2 splits per trial
        assert begin < min(inside) and max(inside) < end
        # each evaluation's task_id names its cv_results_ row (trial x 2 + split), of this rung
        assert {iters[e[1][1] // 2] for e in events if e[2] == "candidate-split-evaluation" and e[1][0] == rung} \
            == {rung}


# --------------------------------------------------------------------- failures, resume, no callbacks
class _FailsAtC(ClassifierMixin, BaseEstimator):
    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X, y):
        if self.C > 1:
            raise ValueError("C too large")
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def test_failed_trial_ends_its_task_and_skips_its_later_splits():
    callback = RecordingCallback()
    tuner = Tuner(_FailsAtC(), Space(C=Categorical([0.5, 2.0])), strategy="grid", n_trials=None, validation=3,
                  fail_fast=None, strategy_options={"order": "declared"}).set_callbacks(callback)
    with pytest.warns(FitFailedWarning, match="fits failed"):
        tuner.fit(X, y)
    _balanced(callback)
    leaves = sorted(p[-1][1:] for p in _paths(callback) if p[-1][1].startswith("candidate-split"))
    # trial 0 fits its 3 splits; trial 1 fails at its first and skips the other two
    assert leaves == [("candidate-split-evaluation", k) for k in range(4)] + \
        [("candidate-split-skipped", 4), ("candidate-split-skipped", 5)]


def test_fit_that_raises_still_tears_callbacks_down():
    callback = RecordingCallback()
    tuner = Tuner(_FailsAtC(), Space(C=Categorical([2.0, 3.0])), strategy="grid", n_trials=None, validation=2,
                  fail_fast=None).set_callbacks(callback)
    with pytest.raises(ValueError, match="All the 2 trials of the search failed"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tuner.fit(X, y)
    assert callback.count_hooks("setup") == callback.count_hooks("teardown") == 1
    assert not hasattr(tuner, "_callback_fit_ctx")


def test_a_resumed_study_gives_tasks_to_the_trials_it_runs(tmp_path):
    storage = str(tmp_path / "study.db")
    _tuner(n_trials=3, storage=storage).fit(X, y)
    callback = RecordingCallback()
    tuner = _tuner(n_trials=5, storage=storage).set_callbacks(callback).fit(X, y)
    _balanced(callback)
    assert len(tuner.cv_results_["params"]) == 5
    evaluations = [p[-1][2] for p in _paths(callback) if p[-1][1] == "candidate-split-evaluation"]
    assert sorted(evaluations) == list(range(3 * 3, 5 * 3))  # the stored trials 0-2 are not fitted again
    assert [t.number for t in tuner.trials_] == [0, 1, 2, 3, 4]


def test_without_callbacks_no_context_is_made(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a callback context was made without callbacks")

    monkeypatch.setattr(CallbackContext, "_from_estimator", classmethod(refuse))
    monkeypatch.setattr(CallbackContext, "_from_parent", classmethod(refuse))
    space = Space(C=Categorical([0.5, 1.0]))
    tuner = Tuner(_FailsAtC(), space, strategy="grid", n_trials=None, validation=2)
    assert tuner.fit.__func__ is Tuner.fit  # no teardown wrapper either
    tuner.fit(X, y)
    with pytest.raises(AssertionError, match="without callbacks"):
        Tuner(_FailsAtC(), space, strategy="grid", n_trials=None, validation=2).set_callbacks(
            RecordingCallback()).fit(X, y)


def test_tuner_with_callbacks_pickles_and_fits_again():
    # as scikit-learn's callback pickle tests: before and after fit, and fitted again after a round trip
    tuner = Tuner(LogisticRegression(max_iter=15).set_callbacks(ScoringMonitor(scoring="accuracy")), SPACE,
                  n_trials=2, validation=2, random_state=0).set_callbacks(ScoringMonitor(scoring="accuracy"))
    tuner = pickle.loads(pickle.dumps(tuner)).fit(X, y)
    assert not hasattr(tuner, "_callback_fit_ctx")
    assert len(tuner.estimator._skl_callbacks[0].get_logs(select="all")) == 1
    again = pickle.loads(pickle.dumps(tuner)).fit(X, y)
    logs = again.estimator._skl_callbacks[0].get_logs(select="all")
    assert len(logs) == 2  # the log it was pickled with, and its own run
    assert [r["task_id_path"] for r in logs[0].data] == [r["task_id_path"] for r in logs[1].data]


def test_tuner_inside_a_pipeline_with_callbacks():
    # a Pipeline propagates its callbacks to the Tuner, whose tree hangs below the Pipeline's step
    callback = RecordingAutoPropagatedCallback()
    pipe = Pipeline([("scale", StandardScaler()), ("tune", _tuner(n_trials=2))]).set_callbacks(callback).fit(X, y)
    _balanced(callback)
    tops = {p[:3] for p in _paths(callback) if len(p) >= 3 and p[1][0] == "Tuner"}
    # the Tuner's root is the Pipeline's step 1; below it the search and the refit (merged with its fit)
    assert {top[1] for top in tops} == {("Tuner", "fit", 1)}
    assert {top[2] for top in tops} == {("Tuner", "search", 0), ("LogisticRegression", "fit", 1)}
    splits = {p[3][2] for p in _paths(callback) if len(p) >= 4 and p[2] == ("Tuner", "search", 0)}
    assert splits == set(range(2 * 3)) and pipe[-1].best_estimator_.n_iter_[0] > 0


class _Unpicklable(RecordingCallback):
    def __getstate__(self):
        raise TypeError("not this one")


def test_a_callback_that_cannot_reach_the_workers_is_named_before_any_fit():
    callback = _Unpicklable()
    with pytest.raises(TypeError, match=r"the callback .*_Unpicklable.* of Tuner cannot be sent to hpo's worker "
                                        r"processes .*not this one"):
        _tuner(n_jobs=2).set_callbacks(callback).fit(X, y)
    assert callback.record == []  # not even set up
    _tuner(n_jobs=1).set_callbacks(callback).fit(X, y)  # in this process it need not pickle
    _balanced(callback)
