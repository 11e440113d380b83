"""What a search tells its user (issue 19, section 3): failures, one sign, verbosity, small holdouts."""

from __future__ import annotations

import json
import logging
import sqlite3
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.svm import SVC

import hpo
from hpo import Float, Space, Tuner
from hpo.cli import main

from .test_tuner import FragileClassifier, FragileError

C_UNIT = Space(C=Float(0.01, 1.0))
SMALL_HOLDOUT = "ignore:the validation holdout has only"


@pytest.fixture(scope="module")
def clf_data():
    return make_classification(n_samples=150, n_features=6, n_informative=4, random_state=0)


class TwoWaysToFail(ClassifierMixin, BaseEstimator):
    """Raises a ``FragileError`` (its message quoting C) above C=0.5, an ``ArithmeticError`` below 0.1."""

    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X, y):
        if self.C > 0.5:
            raise FragileError(f"C={self.C} is above the limit")
        if self.C < 0.1:
            raise ArithmeticError("too small")
        self.model_ = LogisticRegression(C=self.C).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)


# ------------------------------------------------------------------ failures
@pytest.mark.filterwarnings(SMALL_HOLDOUT)
def test_failed_trials_are_summed_up_in_one_fit_failed_warning(clf_data):
    X, y = clf_data
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tuner = Tuner(TwoWaysToFail(), C_UNIT, n_trials=20, validation=3, random_state=0).fit(X, y)
    status = tuner.cv_results_["status"]
    Cs = np.array([p["C"] for p in tuner.cv_results_["params"]])
    above, below = int(np.sum(Cs > 0.5)), int(np.sum(Cs < 0.1))
    assert above > below > 0 and np.sum(status == "failed") == above + below
    failures = [w for w in caught if issubclass(w.category, FitFailedWarning)]
    assert len(failures) == 1
    text = str(failures[0].message)
    n = above + below  # scikit-learn counts fits: every split of a failed trial is scored error_score
    assert text.startswith(f"\n{3 * n} fits failed out of a total of 60 ({n} of 20 trials x 3 splits")
    # the FragileErrors quote their C, but are one error raised at one place: the most common, first
    first, second = text.split("-" * 80)[1:]
    assert first.startswith(f"\n{3 * above} fits failed with the following error:\nTraceback")
    assert "FragileError: C=" in first and "ArithmeticError: too small" in second
    assert second.startswith(f"\n{3 * below} fits failed with the following error") and "error_score='raise'" in text
    assert failures[0].filename == __file__  # points at the caller's fit


@pytest.mark.filterwarnings(SMALL_HOLDOUT)
def test_no_warning_when_nothing_fails(clf_data):
    X, y = clf_data
    with warnings.catch_warnings():
        warnings.simplefilter("error", FitFailedWarning)
        warnings.filterwarnings("error", message=".*NaN or infinite")
        Tuner(LogisticRegression(), C_UNIT, n_trials=3, validation=3, random_state=0).fit(X, y)


def raises_above_half(estimator, X, y):
    if estimator.C > 0.5:
        raise ZeroDivisionError("the scorer divided by zero")
    return estimator.score(X, y)


@pytest.mark.filterwarnings(SMALL_HOLDOUT)
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_a_scorer_that_raises_is_scoring_failed_not_a_failed_fit(clf_data, n_jobs):
    """scikit-learn warns "Scoring failed" (a UserWarning) when a scorer raises on a fitted model; the fit
    succeeded, so it is no FitFailedWarning and no "fits failed" count."""
    X, y = clf_data
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tuner = Tuner(LogisticRegression(), C_UNIT, n_trials=12, validation=3, random_state=0, n_jobs=n_jobs,
                      scoring=raises_above_half, fail_fast=None).fit(X, y)
    above = np.array([p["C"] > 0.5 for p in tuner.cv_results_["params"]])
    assert above.any() and (~above).any()
    assert (tuner.cv_results_["status"][above] == "failed").all()
    assert [t.metrics["failed_in"] for t in tuner.trials_ if t.status == "failed"] == ["score"] * above.sum()
    assert not any(issubclass(w.category, FitFailedWarning) for w in caught)
    scoring = [str(w.message) for w in caught if "Scoring failed" in str(w.message)]
    assert len(scoring) == 1
    assert scoring[0].startswith(f"\nScoring failed: {3 * above.sum()} scores of fitted models raised "
                                 f"({above.sum()} of 12 trials x 3 splits")
    assert f"{3 * above.sum()} scores of fitted models failed with the following error" in scoring[0]
    assert "ZeroDivisionError: the scorer divided by zero" in scoring[0]
    assert tuner.best_params_["C"] <= 0.5


@pytest.mark.filterwarnings(SMALL_HOLDOUT)
def test_a_fit_that_raises_is_marked_failed_in_fit(clf_data):
    X, y = clf_data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tuner = Tuner(TwoWaysToFail(), C_UNIT, n_trials=8, validation=3, random_state=0, fail_fast=None).fit(X, y)
    failed = [t for t in tuner.trials_ if t.status == "failed"]
    assert failed and all(t.metrics["failed_in"] == "fit" for t in failed)


def test_every_scorer_raising_says_scores_failed_not_fits(clf_data):
    X, y = clf_data
    def always(estimator, X, y):
        raise ZeroDivisionError("no score")
    tuner = Tuner(LogisticRegression(), C_UNIT, n_trials=4, validation=3, random_state=0, scoring=always,
                  fail_fast=None)
    with pytest.raises(ValueError, match=r"(?s)All the 4 trials of the search failed: 0 fits and 12 scores of "
                                         r"fitted models.*12 scores of fitted models failed with the following "
                                         r"error:\nTraceback.*ZeroDivisionError: no score"):
        tuner.fit(X, y)
    with pytest.raises(ZeroDivisionError, match="no score") as info:  # fail_fast=5: the scorer's own error
        tuner.set_params(fail_fast=2, n_trials=10).fit(X, y)
    if sys.version_info >= (3, 11):
        assert "The first 6 scores of fitted models failed (2 trials x 3 splits), so the search stopped" in \
            "\n".join(info.value.__notes__)


def nan_above_half(estimator, X, y):
    return np.nan if estimator.C > 0.5 else estimator.score(X, y)


@pytest.mark.filterwarnings(SMALL_HOLDOUT)
def test_non_finite_scores_are_warned_once(clf_data):
    X, y = clf_data
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tuner = Tuner(LogisticRegression(), C_UNIT, n_trials=12, validation=3, random_state=0,
                      scoring=nan_above_half).fit(X, y)
    nan = np.array([p["C"] > 0.5 for p in tuner.cv_results_["params"]])
    assert nan.any() and (~nan).any()
    warned = [w for w in caught if "scores are non-finite" in str(w.message)]
    assert len(warned) == 1
    assert str(warned[0].message).startswith(f"One or more of the test scores are non-finite: {nan.sum()} of 12 trials")
    assert not any(issubclass(w.category, FitFailedWarning) for w in caught)  # nothing raised
    assert np.isnan(tuner.cv_results_["mean_test_score"][nan]).all()
    assert tuner.best_params_["C"] <= 0.5 and np.isfinite(tuner.best_score_)


def test_a_typo_that_fails_every_fit_stops_after_fail_fast_trials(clf_data):
    X, y = clf_data
    tuner = Tuner(SVC(kernel="rbff"), C_UNIT, n_trials=200, validation=3, random_state=0)
    with pytest.raises(ValueError, match="The 'kernel' parameter of SVC must be") as info:
        tuner.fit(X, y)
    assert len(tuner.trials_) == 5, "the first 5 trials failed with one error: the search stops"
    notes = "\n".join(getattr(info.value, "__notes__", []))
    if sys.version_info >= (3, 11):
        assert "The first 15 fits failed (5 trials x 3 splits), so the search stopped (fail_fast=5)" in notes
        assert "misconfigured" in notes and "fail_fast=None" in notes
    with pytest.raises(ValueError, match="The 'kernel' parameter"):
        tuner.set_params(fail_fast=2).fit(X, y)
    assert len(tuner.trials_) == 2


def test_fail_fast_none_runs_every_trial(clf_data):
    X, y = clf_data
    tuner = Tuner(SVC(kernel="rbff"), C_UNIT, n_trials=7, validation=3, random_state=0, fail_fast=None)
    with pytest.raises(ValueError, match=r"(?s)All the 7 trials of the search failed: all the 21 fits.*"
                                         r"21 fits failed with the following error:\nTraceback.*"
                                         r"InvalidParameterError: The 'kernel' parameter"):
        tuner.fit(X, y)
    assert len(tuner.trials_) == 7


@pytest.mark.filterwarnings(SMALL_HOLDOUT)
def test_a_short_search_failing_every_trial_with_one_error_raises_it(clf_data):
    X, y = clf_data
    tuner = Tuner(SVC(kernel="rbff"), C_UNIT, n_trials=3, random_state=0)
    with pytest.raises(ValueError, match="The 'kernel' parameter of SVC must be"):
        tuner.fit(X, y)
    assert len(tuner.trials_) == 3


@pytest.mark.filterwarnings(SMALL_HOLDOUT, "ignore::sklearn.exceptions.FitFailedWarning")
def test_failures_of_several_kinds_never_stop_the_search(clf_data):
    X, y = clf_data
    tuner = Tuner(TwoWaysToFail(), C_UNIT, strategy="random", n_trials=12, random_state=43)
    tuner.fit(X, y)
    assert list(tuner.cv_results_["status"][:5]) == ["failed"] * 5, "this seed starts with 5 failures"
    errors = [t.error.split(":")[0] for t in tuner.trials_[:2]]
    assert errors == ["FragileError", "ArithmeticError"], "of two kinds from the start"
    assert len(tuner.trials_) == 12 and "ok" in tuner.cv_results_["status"]


def test_failures_whose_messages_quote_their_values_are_one_error_for_fail_fast(clf_data):
    # every C of the space is above the limit (a range typo): each message quotes its own C
    X, y = clf_data
    tuner = Tuner(FragileClassifier(limit=0.0), C_UNIT, strategy="random", n_trials=50, random_state=0)
    with pytest.raises(FragileError, match="is above the limit 0.0"):
        tuner.fit(X, y)
    assert len(tuner.trials_) == 5 and len({t.error for t in tuner.trials_}) == 5


@pytest.mark.parametrize("fail_fast", [0, -1, 2.0, True, "5"])
def test_bad_fail_fast_is_named(clf_data, fail_fast):
    X, y = clf_data
    with pytest.raises(ValueError, match="fail_fast must be a positive int or None"):
        Tuner(LogisticRegression(), C_UNIT, n_trials=2, fail_fast=fail_fast).fit(X, y)


def test_optimize_takes_fail_fast_too():
    def typo(config):
        return config["z"]  # a KeyError, every time

    with pytest.raises(hpo.RepeatedFailureError, match=r"(?s)the first 4 trials failed.*KeyError: 'z'") as info:
        hpo.optimize(typo, C_UNIT, n_trials=50, seed=0, fail_fast=4)
    assert len(info.value.result.trials) == 4 and info.value.trial.number == 3
    with pytest.raises(hpo.AllTrialsFailedError):  # off by default: an objective may fail over a region
        hpo.optimize(typo, C_UNIT, n_trials=8, seed=0)


def test_fail_fast_counts_one_error_raised_at_one_place_whatever_values_it_quotes():
    def out_of_range(config):
        raise ValueError(f"learning rate {config['C']} is out of range")

    with pytest.raises(hpo.RepeatedFailureError, match="the first 5 trials failed with the same error"):
        hpo.optimize(out_of_range, C_UNIT, n_trials=40, seed=0, fail_fast=5)

    def two_places(config):
        if config["C"] > 0.5:
            raise ValueError(f"C={config['C']} too large")
        raise ValueError(f"C={config['C']} too small")

    with pytest.raises(hpo.AllTrialsFailedError) as info:  # two errors: the search is not stopped
        hpo.optimize(two_places, C_UNIT, n_trials=12, seed=0, fail_fast=5)
    assert len(info.value.result.trials) == 12


# ------------------------------------------------------------------ one sign
@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """A Tuner fitted with storage, and its study file."""
    X, y = load_iris(return_X_y=True)
    path = str(tmp_path_factory.mktemp("sign") / "r.db")
    tuner = Tuner(LogisticRegression(max_iter=500), Space(C=Float(1e-3, 1e2, log=True)), n_trials=6,
                  validation=3, random_state=0, storage=path, study="iris").fit(X, y)
    return tuner, path, (X, y)


def test_a_tuner_study_stores_the_score_and_maximizes_it(stored):
    tuner, path, _ = stored
    assert tuner.result_.direction == "maximize"
    assert [t.value for t in tuner.trials_] == list(tuner.cv_results_["mean_test_score"])
    assert tuner.result_.best_value == tuner.best_score_ > 0
    loaded = hpo.load_study(path, "iris")
    assert loaded.direction == "maximize" and loaded.best_value == tuner.best_score_


def test_the_cli_shows_the_score_with_its_own_sign(stored, capsys, tmp_path):
    tuner, path, _ = stored
    best = f"{tuner.best_score_:.6g}"
    assert main(["studies", path]) == 0
    row = capsys.readouterr().out.splitlines()[1].split()
    assert row[0] == "iris" and row[8] == best
    assert main(["show", path, "iris", "--top", "1"]) == 0
    out = capsys.readouterr().out
    assert "direction  maximize" in out
    assert out.splitlines()[-1].split()[:2] == [f"#{tuner.best_index_}", best]
    out_file = tmp_path / "trials.json"
    assert main(["export", path, "iris", "--format", "json", "--out", str(out_file)]) == 0
    exported = json.loads(out_file.read_text())
    assert exported["study"]["direction"] == "maximize"
    assert [r["value"] for r in exported["trials"]] == list(tuner.cv_results_["mean_test_score"])


def test_the_report_shows_the_score_with_its_own_sign(stored, tmp_path):
    tuner, path, _ = stored
    page = tmp_path / "page.md"
    assert main(["report", path, "iris", "--out", str(page)]) == 0
    text = page.read_text()
    assert f"Best validation score {tuner.best_score_:.6g}" in text and "direction maximize" in text
    from hpo import analysis

    analysis.write_report(tuner, str(tmp_path / "tuner.md"), plots=False)
    assert f"Best validation score {tuner.best_score_:.6g}" in (tmp_path / "tuner.md").read_text()


def test_seed_robustness_of_a_tuner_reads_scores(stored):
    from hpo import analysis

    tuner, _, (X, y) = stored
    rob = analysis.seed_robustness(tuner, X, y, n_seeds=2, top_k=2)
    records = rob.to_records()
    assert records[0]["search"] == pytest.approx(tuner.best_score_)
    assert all(0.5 < r["mean"] <= 1.0 for r in records), "validation accuracies, with their own sign"


def test_the_progress_bar_shows_the_best_score(capsys):
    X, y = load_iris(return_X_y=True)
    tuner = Tuner(LogisticRegression(max_iter=500), Space(C=Float(1e-2, 1e2, log=True)), n_trials=4,
                  validation=3, random_state=0, verbose=1).fit(X, y)
    err = capsys.readouterr().err
    assert f"best={tuner.best_score_:.6g}" in err and "best=-" not in err


def test_an_older_minimizing_tuner_study_is_not_resumed_with_a_flipped_sign(stored, tmp_path):
    tuner, path, (X, y) = stored
    old = str(tmp_path / "old.db")
    with sqlite3.connect(path) as src, sqlite3.connect(old) as dst:
        src.backup(dst)
    with sqlite3.connect(old) as db:  # as an earlier hpo stored it: minus the score, minimized
        db.execute("UPDATE studies SET direction = 'minimize'")
        db.execute("UPDATE trials SET value = -value")
    stored_values = [t.value for t in hpo.load_study(old, "iris").trials]
    resume = Tuner(LogisticRegression(max_iter=500), Space(C=Float(1e-3, 1e2, log=True)), n_trials=8,
                   validation=3, random_state=0, storage=old, study="iris")
    with pytest.raises(hpo.storage.StudyMismatchError,
                       match=r"(?s)direction: 'minimize' in the study, 'maximize' now.*earlier hpo.*another study name"):
        resume.fit(X, y)
    assert [t.value for t in hpo.load_study(old, "iris").trials] == stored_values  # nothing written


def test_a_tuner_study_resumed_on_other_data_goes_on_only_with_on_mismatch_continue(stored, tmp_path):
    _, path, (X, y) = stored
    copy = str(tmp_path / "copy.db")
    with sqlite3.connect(path) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    space = Space(C=Float(1e-3, 1e2, log=True))

    def resume(**options):
        return Tuner(LogisticRegression(max_iter=500), space, n_trials=8, validation=3, random_state=0,
                     storage=copy, study="iris", **options)

    with pytest.raises(hpo.storage.StudyMismatchError, match="on_mismatch='continue'"):
        resume().fit(X[:140], y[:140])
    assert len(hpo.load_study(copy, "iris").trials) == 6
    with pytest.warns(RuntimeWarning, match="going on with other settings"):
        tuner = resume(on_mismatch="continue").fit(X[:140], y[:140])
    assert len(tuner.trials_) == 8 and len(hpo.load_study(copy, "iris").trials) == 8
    with pytest.raises(ValueError, match="on_mismatch must be one of 'continue', 'error', got 'go'"):
        resume(on_mismatch="go").fit(X, y)


# ------------------------------------------------------------------ verbosity
@pytest.fixture
def hpo_logger():
    logger = logging.getLogger("hpo")
    assert logger.level == logging.NOTSET
    yield logger
    assert logger.level == logging.NOTSET, "a search must restore the level of the 'hpo' logger"


@pytest.mark.filterwarnings(SMALL_HOLDOUT, "ignore::sklearn.exceptions.FitFailedWarning")
def test_verbose_0_is_silent(clf_data, capfd, caplog, hpo_logger):
    X, y = clf_data
    with caplog.at_level(logging.DEBUG), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # warnings are not verbosity: they are seen at any level
        Tuner(FragileClassifier(limit=0.5), C_UNIT, n_trials=6, random_state=0, verbose=0).fit(X, y)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert not [r for r in caplog.records if r.name == "hpo"]


@pytest.mark.filterwarnings(SMALL_HOLDOUT, "ignore::sklearn.exceptions.FitFailedWarning")
def test_verbose_2_logs_one_line_per_trial(clf_data, caplog, capfd, hpo_logger):
    X, y = clf_data
    tuner = Tuner(FragileClassifier(limit=0.5), C_UNIT, n_trials=6, random_state=0, verbose=2).fit(X, y)
    lines = [r for r in caplog.records if r.name == "hpo"]
    assert len(lines) == 6 and all(r.levelno == logging.INFO for r in lines)
    best = None
    for r, t in zip(lines, tuner.trials_):
        text = r.getMessage()
        assert text.startswith(f"trial {t.number} {t.status}")
        assert f"C={t.config['C']:.6g}" in text and " s: " in text
        if t.ok:
            best = t if best is None or t.value > best.value else best
            assert f"score {t.value:.6g} (best {best.value:.6g}, trial {best.number})" in text
        else:
            assert "FragileError: C=" in text and "Traceback" not in text
    assert best.number == tuner.best_index_
    assert "it/s" not in capfd.readouterr().err  # lines instead of the bar


@pytest.mark.filterwarnings(SMALL_HOLDOUT, "ignore::sklearn.exceptions.FitFailedWarning")
def test_verbose_3_adds_the_tracebacks_of_failures(clf_data, caplog, hpo_logger):
    X, y = clf_data
    tuner = Tuner(FragileClassifier(limit=0.5), C_UNIT, n_trials=6, random_state=0, verbose=3).fit(X, y)
    lines = {r.getMessage().split()[1]: r.getMessage() for r in caplog.records if r.name == "hpo"}
    for t in tuner.trials_:
        assert ("Traceback (most recent call last)" in lines[str(t.number)]) == (not t.ok)


def test_optimize_verbose_2_logs_values(caplog, hpo_logger):
    result = hpo.optimize(lambda c: (c["C"] - 0.3) ** 2, C_UNIT, n_trials=3, seed=0, verbose=2)
    lines = [r.getMessage() for r in caplog.records if r.name == "hpo"]
    assert len(lines) == 3 and lines[0].startswith(f"trial 0 ok, value {result.trials[0].value:.6g}")


@pytest.mark.slow
def test_verbose_2_lines_are_seen_without_any_logging_setup(tmp_path):
    script = textwrap.dedent("""
        import logging, warnings
        warnings.simplefilter("ignore")
        from sklearn.datasets import load_iris
        from sklearn.linear_model import LogisticRegression
        from hpo import Tuner, Space, Float
        X, y = load_iris(return_X_y=True)
        Tuner(LogisticRegression(max_iter=300), Space(C=Float(0.1, 10.0)), n_trials=3, validation=3,
              random_state=0, verbose=2).fit(X, y)
        logger = logging.getLogger("hpo")
        print(len(logger.handlers), logger.level)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("[hpo] trial")]
    assert [line.split()[2] for line in lines] == ["0", "1", "2"] and all("score 0." in line for line in lines)
    assert done.stdout.split() == ["0", "0"], "the handler and the level are removed after the search"


def test_bad_verbose_is_named():
    with pytest.raises(ValueError, match="verbose must be a non-negative int"):
        hpo.optimize(lambda c: c["C"], C_UNIT, n_trials=2, verbose=-1)


# ------------------------------------------------------------------ small validation parts
def test_a_tiny_holdout_is_warned_about():
    X, y = load_iris(return_X_y=True)
    with pytest.warns(UserWarning, match=r"the validation holdout has only 3 rows and 1 of class \d.*validation=5"):
        Tuner(LogisticRegression(max_iter=300), C_UNIT, n_trials=2, validation=0.02, random_state=0).fit(X, y)


def test_a_holdout_with_few_rows_of_a_class_is_warned_about():
    X, y = make_classification(n_samples=1000, weights=[0.96, 0.04], random_state=0)
    with pytest.warns(UserWarning, match=r"only \d of class 1"):
        Tuner(LogisticRegression(), C_UNIT, n_trials=2, validation=0.2, random_state=0).fit(X, y)


def test_a_small_regression_holdout_is_warned_about():
    X, y = make_regression(n_samples=200, n_features=3, random_state=0)
    with pytest.warns(UserWarning, match=r"only 40 rows"):
        Tuner(Ridge(), Space(alpha=Float(0.1, 10.0)), n_trials=2, validation=0.2, random_state=0).fit(X, y)


@pytest.mark.parametrize("validation", [0.2, 5])
def test_enough_validation_rows_or_folds_are_not_warned_about(validation):
    X, y = make_classification(n_samples=600, n_classes=3, n_informative=4, random_state=0)
    if validation == 5:
        X, y = X[:60], y[:60]  # folds: every row is scored once, however few
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="the validation holdout")
        Tuner(LogisticRegression(), C_UNIT, n_trials=2, validation=validation, random_state=0).fit(X, y)


class _CtrlCAtFit(ClassifierMixin, BaseEstimator):
    """Fits a logistic regression; the fit of the ``at``-th configuration (by C) is where the user presses Ctrl-C."""

    def __init__(self, C=1.0, at=0.0):
        self.C = C
        self.at = at

    def fit(self, X, y):
        if self.C >= self.at:
            raise KeyboardInterrupt
        self.model_ = LogisticRegression(C=self.C).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)


def test_ctrl_c_keeps_the_finished_trials_and_goes_on_as_from_scikit_learns_searches(clf_data):
    # fit returned with the best so far refitted: cross_val_score(Tuner(...)) printed a score of cut-short searches
    from sklearn.model_selection import cross_val_score

    X, y = clf_data
    at_once = Tuner(_CtrlCAtFit(at=0.0), C_UNIT, strategy="random", n_trials=10, validation=3, random_state=0)
    with pytest.raises(KeyboardInterrupt, match=r"fit interrupted: 0 finished trials kept in trials_ and result_ "
                                                r"\(nothing refitted\)$"):
        at_once.fit(X, y)
    assert at_once.trials_ == [] and not hasattr(at_once, "best_estimator_")
    later = Tuner(_CtrlCAtFit(at=0.9), C_UNIT, strategy="random", n_trials=10, validation=3, random_state=0)
    with pytest.raises(KeyboardInterrupt, match="fit interrupted") as stop:
        later.fit(X, y)  # interrupted at the first C >= 0.9: the trials before it stand
    assert stop.value.result is later.result_ and later.result_.interrupted and 0 < len(later.trials_) < 10
    assert all(t.config["C"] < 0.9 for t in later.trials_) and not hasattr(later, "best_estimator_")
    with pytest.raises(KeyboardInterrupt):
        cross_val_score(Tuner(_CtrlCAtFit(at=0.9), C_UNIT, strategy="random", n_trials=10, validation=3,
                              random_state=0), X, y, cv=3)
