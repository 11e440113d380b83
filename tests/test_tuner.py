"""``hpo.Tuner``: the scikit-learn meta-estimator.

The recording estimators below log the rows they are fitted on (the row id
sits in column 0 of X and is dropped before the real model sees the data),
and a recording scorer logs the rows it scores: together they show which rows
trained and which validated every candidate.
"""

from __future__ import annotations

import inspect
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.datasets import make_classification, make_regression
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import get_scorer
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    PredefinedSplit,
    ShuffleSplit,
    StratifiedKFold,
    StratifiedShuffleSplit,
)
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from hpo import Categorical, Float, Int, Pack, Space, Tuner, at_least

from .common import make_mlp_space

# ---------------------------------------------------------------- helpers
FIT_LOG: list[dict] = []
SCORE_LOG: list[np.ndarray] = []


@pytest.fixture(autouse=True)
def _clear_logs():
    FIT_LOG.clear()
    SCORE_LOG.clear()
    yield
    FIT_LOG.clear()
    SCORE_LOG.clear()


class _Recorder(BaseEstimator):
    """Fits ``make_model()`` on X[:, 1:] and logs the row ids X[:, 0] and the sample weights it got."""

    def __init__(self, C: float = 1.0):
        self.C = C

    def fit(self, X, y, sample_weight=None):
        X = np.asarray(X, dtype=float)
        FIT_LOG.append({
            "rows": X[:, 0].astype(int).copy(),
            "C": self.C,
            "sample_weight": None if sample_weight is None else np.asarray(sample_weight).copy(),
        })
        self.model_ = self.make_model().fit(X[:, 1:], y, sample_weight=sample_weight)
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        return self.model_.predict(np.asarray(X, dtype=float)[:, 1:])


class RecordingClassifier(ClassifierMixin, _Recorder):
    def make_model(self):
        return LogisticRegression(C=self.C)

    def fit(self, X, y, sample_weight=None):
        super().fit(X, y, sample_weight)
        self.classes_ = self.model_.classes_
        return self


class RecordingRegressor(RegressorMixin, _Recorder):
    def make_model(self):
        return Ridge(alpha=1.0 / self.C)


def recording_scorer(estimator, X, y):
    """Accuracy (or R^2), logging the rows scored."""
    SCORE_LOG.append(np.asarray(X)[:, 0].astype(int).copy())
    return estimator.score(X, y)


class FragileError(ValueError):
    pass


class FragileClassifier(ClassifierMixin, BaseEstimator):
    """A logistic regression whose fit raises :class:`FragileError` for C above ``limit``."""

    def __init__(self, C: float = 1.0, limit: float = np.inf):
        self.C = C
        self.limit = limit

    def fit(self, X, y):
        if self.C > self.limit:
            raise FragileError(f"C={self.C} is above the limit {self.limit}")
        self.model_ = LogisticRegression(C=self.C).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)


def with_ids(X):
    """X with the row id as column 0."""
    return np.column_stack([np.arange(len(X)), X])


def fit_rows(k):
    return FIT_LOG[k]["rows"]


@pytest.fixture(scope="module")
def clf_data():
    X, y = make_classification(n_samples=120, n_features=6, n_informative=4, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def imbalanced():
    """120 rows, classes 0/1/2 with 60/40/20 members, row ids in column 0."""
    X, _ = make_classification(n_samples=120, n_features=5, random_state=1)
    y = np.repeat([0, 1, 2], [60, 40, 20])
    y = np.random.default_rng(3).permutation(y)
    return with_ids(X), y


C_SPACE = Space(C=Float(1e-2, 1e2, log=True))


# ----------------------------------------------------------- validation splits
def test_holdout_is_stratified_for_classifiers(imbalanced):
    X, y = imbalanced
    tuner = Tuner(RecordingClassifier(), C_SPACE, n_trials=3, validation=0.25,
                  scoring=recording_scorer, random_state=0).fit(X, y)
    assert tuner.n_splits_ == 1
    assert len(SCORE_LOG) == 3
    for k, val in enumerate(SCORE_LOG):
        train = fit_rows(k)
        assert_array_equal(np.bincount(y[val]), [15, 10, 5])  # 25% of each class
        assert_array_equal(np.bincount(y[train]), [45, 30, 15])
        assert not set(train) & set(val)
        assert_array_equal(np.sort(np.concatenate([train, val])), np.arange(len(y)))
        assert_array_equal(val, SCORE_LOG[0])  # every candidate on the same rows
        assert_array_equal(train, fit_rows(0))


def test_holdout_is_the_seeded_stratified_split(imbalanced):
    X, y = imbalanced
    Tuner(RecordingClassifier(), C_SPACE, n_trials=2, validation=0.3,
          scoring=recording_scorer, random_state=7).fit(X, y)
    (train, val), = StratifiedShuffleSplit(n_splits=1, test_size=0.3, random_state=7).split(X, y)
    assert_array_equal(np.sort(SCORE_LOG[0]), np.sort(val))
    assert_array_equal(np.sort(fit_rows(0)), np.sort(train))


def test_holdout_is_group_aware(imbalanced):
    X, y = imbalanced
    groups = np.repeat(np.arange(24), 5)
    tuner = Tuner(RecordingClassifier(), C_SPACE, n_trials=3, validation=0.25,
                  scoring=recording_scorer, random_state=0).fit(X, y, groups=groups)
    assert tuner.n_splits_ == 1
    for k, val in enumerate(SCORE_LOG):
        train = fit_rows(k)
        assert not set(groups[train]) & set(groups[val]), "a group is on both sides"
        assert len(set(groups[val])) == 6  # a quarter of the 24 groups
        assert_array_equal(np.sort(np.concatenate([train, val])), np.arange(len(y)))
        assert_array_equal(val, SCORE_LOG[0])


def test_int_is_group_kfold_with_groups(imbalanced):
    X, y = imbalanced
    groups = np.repeat(np.arange(24), 5)
    tuner = Tuner(RecordingClassifier(), C_SPACE, n_trials=2, validation=4,
                  scoring=recording_scorer).fit(X, y, groups=groups)
    assert tuner.n_splits_ == 4
    for k, val in enumerate(SCORE_LOG):
        assert not set(groups[fit_rows(k)]) & set(groups[val])
    expected = [va for _, va in GroupKFold(n_splits=4).split(X, y, groups)]
    for k in range(4):
        assert_array_equal(np.sort(SCORE_LOG[k]), np.sort(expected[k]))


def test_int_is_stratified_kfold_for_classifiers(imbalanced):
    X, y = imbalanced
    tuner = Tuner(RecordingClassifier(), C_SPACE, n_trials=3, validation=3,
                  scoring=recording_scorer, random_state=0).fit(X, y)
    assert tuner.n_splits_ == 3
    expected = list(StratifiedKFold(n_splits=3).split(X, y))
    assert len(SCORE_LOG) == 3 * 3
    for k, val in enumerate(SCORE_LOG):
        train, want = expected[k % 3]
        assert_array_equal(val, want)  # the same folds for every candidate
        assert_array_equal(fit_rows(k), train)
    assert {f"split{k}_test_score" for k in range(3)} <= set(tuner.cv_results_)
    assert "split3_test_score" not in tuner.cv_results_
    folds = np.column_stack([tuner.cv_results_[f"split{k}_test_score"] for k in range(3)])
    assert_allclose(tuner.cv_results_["mean_test_score"], folds.mean(axis=1))
    assert_allclose(tuner.cv_results_["std_test_score"], folds.std(axis=1))


def test_int_is_kfold_for_regressors():
    X, y = make_regression(n_samples=60, n_features=4, noise=1.0, random_state=0)
    X = with_ids(X)
    tuner = Tuner(RecordingRegressor(), C_SPACE, n_trials=2, validation=5,
                  scoring=recording_scorer).fit(X, y)
    assert tuner.n_splits_ == 5
    expected = list(KFold(n_splits=5).split(X))
    for k, val in enumerate(SCORE_LOG):
        assert_array_equal(val, expected[k % 5][1])
        assert_array_equal(fit_rows(k), expected[k % 5][0])


@pytest.mark.parametrize("splitter", [
    ShuffleSplit(n_splits=2, test_size=0.3, random_state=5),
    KFold(n_splits=3, shuffle=True, random_state=11),
    PredefinedSplit(np.repeat([0, 1, -1], 40)),
])
def test_a_splitter_is_used_as_given(imbalanced, splitter):
    X, y = imbalanced
    tuner = Tuner(RecordingClassifier(), C_SPACE, n_trials=2, validation=splitter,
                  scoring=recording_scorer, random_state=0).fit(X, y)
    expected = list(splitter.split(X, y))
    assert tuner.n_splits_ == len(expected)
    assert len(SCORE_LOG) == 2 * len(expected)
    for k, val in enumerate(SCORE_LOG):
        train, want = expected[k % len(expected)]
        assert_array_equal(val, want)
        assert_array_equal(fit_rows(k), train)


def test_an_iterable_of_splits_is_used_as_given(imbalanced):
    X, y = imbalanced
    splits = [(np.arange(0, 80), np.arange(80, 120)), (np.arange(40, 120), np.arange(0, 40))]
    tuner = Tuner(RecordingClassifier(), C_SPACE, n_trials=2, validation=splits,
                  scoring=recording_scorer).fit(X, y)
    assert tuner.n_splits_ == 2
    for k, val in enumerate(SCORE_LOG):
        assert_array_equal(val, splits[k % 2][1])
        assert_array_equal(fit_rows(k), splits[k % 2][0])


@pytest.mark.parametrize("validation", [0.2, 3])
def test_validation_rows_never_fit_a_candidate_and_refit_uses_all(imbalanced, validation):
    X, y = imbalanced
    tuner = Tuner(RecordingClassifier(), C_SPACE, n_trials=4, validation=validation,
                  scoring=recording_scorer, random_state=0).fit(X, y)
    n_fits = 4 * tuner.n_splits_
    assert len(FIT_LOG) == n_fits + 1  # the candidates' fits, then the refit
    for k in range(n_fits):
        assert not set(fit_rows(k)) & set(SCORE_LOG[k])
    assert_array_equal(fit_rows(-1), np.arange(len(y)))
    assert FIT_LOG[-1]["C"] == tuner.best_params_["C"]
    assert tuner.refit_time_ >= 0
    assert_array_equal(tuner.predict(X), tuner.best_estimator_.predict(X))


def test_sample_weight_is_cut_to_each_training_part(imbalanced):
    X, y = imbalanced
    weights = np.arange(len(y)) + 1.0
    tuner = Tuner(RecordingClassifier(), C_SPACE, n_trials=3, validation=3,
                  scoring=recording_scorer, random_state=0).fit(X, y, sample_weight=weights)
    for k in range(3 * 3):
        assert len(FIT_LOG[k]["sample_weight"]) == len(fit_rows(k)) < len(y)
        assert_array_equal(FIT_LOG[k]["sample_weight"], fit_rows(k) + 1.0)  # each row its own weight
    assert_array_equal(FIT_LOG[-1]["sample_weight"], weights)
    assert tuner.n_splits_ == 3


# ------------------------------------------------------------- best_* and cv_results_
def test_best_attributes_agree_with_cv_results(clf_data):
    X, y = clf_data
    # log loss: continuous scores, so the best is unique
    tuner = Tuner(LogisticRegression(), C_SPACE, n_trials=6, validation=3, random_state=0,
                  scoring="neg_log_loss").fit(X, y)
    res = tuner.cv_results_
    i = tuner.best_index_
    assert i == np.argmax(res["mean_test_score"]) and i != 0
    assert res["rank_test_score"][i] == 1
    assert sorted(res["rank_test_score"]) == [1, 2, 3, 4, 5, 6]
    assert tuner.best_score_ == res["mean_test_score"][i] == np.max(res["mean_test_score"])
    assert tuner.best_params_ == res["params"][i] == {"C": res["param_C"][i]}
    assert tuner.best_config_ == tuner.trials_[i].config
    assert tuner.best_estimator_.C == tuner.best_params_["C"]
    assert_array_equal(tuner.best_estimator_.coef_, LogisticRegression(C=tuner.best_params_["C"]).fit(X, y).coef_)
    assert list(res["status"]) == ["ok"] * 6
    assert len(tuner.trials_) == 6
    assert [t.config for t in tuner.trials_] == res["params"]
    assert_allclose([t.value for t in tuner.trials_], res["mean_test_score"])  # the score, maximized
    assert tuner.result_.direction == "maximize" and tuner.result_.best_value == tuner.best_score_
    for key in ("mean_fit_time", "std_fit_time", "mean_score_time", "std_score_time"):
        assert res[key].shape == (6,) and np.all(res[key] >= 0)
    assert tuner.scorer_(tuner.best_estimator_, X, y) == tuner.score(X, y)
    assert tuner.n_features_in_ == X.shape[1]


def test_cv_results_read_as_a_dataframe(clf_data):
    pd = pytest.importorskip("pandas")
    X, y = clf_data
    tuner = Tuner(LogisticRegression(), C_SPACE, n_trials=5, validation=2, random_state=0).fit(X, y)
    df = pd.DataFrame(tuner.cv_results_)
    assert len(df) == 5
    for col in ("params", "param_C", "split0_test_score", "split1_test_score", "mean_test_score",
                "std_test_score", "rank_test_score", "mean_fit_time", "mean_score_time", "status"):
        assert col in df.columns
    assert df.loc[df["rank_test_score"] == 1, "params"].iloc[0] == tuner.best_params_
    assert_allclose(df["param_C"].astype(float), [p["C"] for p in tuner.cv_results_["params"]])


def test_inactive_parameters_are_masked():
    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    space = Space(
        kernel=Categorical(["linear", "rbf"]),
        gamma=Float(1e-3, 1e1, log=True).when(kernel="rbf"),
        C=Float(1e-2, 1e2, log=True),
    )
    tuner = Tuner(SVC(), space, n_trials=10, random_state=0).fit(X, y)
    res = tuner.cv_results_
    rbf = np.array([p["kernel"] == "rbf" for p in res["params"]])
    assert rbf.any() and (~rbf).any(), "the seed should try both kernels"
    assert isinstance(res["param_gamma"], np.ma.MaskedArray)
    assert_array_equal(res["param_gamma"].mask, ~rbf)
    assert not res["param_C"].mask.any() and not res["param_kernel"].mask.any()
    assert all(("gamma" in p) == r for p, r in zip(res["params"], rbf))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_to_params_maps_the_mlp_space(clf_data):
    X, y = clf_data
    tuner = Tuner(MLPClassifier(max_iter=5, random_state=0), make_mlp_space(), n_trials=4,
                  random_state=1).fit(X, y)
    best, config = tuner.best_params_, tuner.best_config_
    assert set(best) <= {"hidden_layer_sizes", "solver", "momentum", "alpha", "activation"}
    sizes = best["hidden_layer_sizes"]
    assert isinstance(sizes, tuple) and len(sizes) == config["n_layers"]
    assert sizes == tuple(config[f"units_{i}"] for i in range(config["n_layers"]))
    assert list(sizes) == sorted(sizes, reverse=True)  # each layer at most as wide as the one before
    assert tuner.best_estimator_.hidden_layer_sizes == sizes
    assert [c.shape[1] for c in tuner.best_estimator_.coefs_[:-1]] == list(sizes)
    res = tuner.cv_results_
    n_layers = np.array(res["param_n_layers"], dtype=int)
    assert_array_equal(res["param_units_3"].mask, n_layers < 4)
    assert_array_equal(res["param_units_1"].mask, n_layers < 2)
    assert all(len(p["hidden_layer_sizes"]) == n for p, n in zip(res["params"], n_layers))
    assert res["params"][tuner.best_index_] == best


def test_return_train_score():
    X, y = make_classification(n_samples=100, n_features=5, flip_y=0.2, random_state=0)
    space = Space(max_depth=Int(8, 30))
    tuner = Tuner(DecisionTreeClassifier(random_state=0), space, n_trials=3, validation=2,
                  return_train_score=True, random_state=0).fit(X, y)
    res = tuner.cv_results_
    for k in range(2):
        assert_allclose(res[f"split{k}_train_score"], 1.0)  # deep trees learn their training rows
    assert_allclose(res["mean_train_score"], 1.0)
    assert_allclose(res["std_train_score"], 0.0)
    assert np.all(res["mean_test_score"] < 1.0)
    plain = Tuner(DecisionTreeClassifier(random_state=0), space, n_trials=3, validation=2,
                  random_state=0).fit(X, y)
    assert not any("train" in key for key in plain.cv_results_)
    assert_allclose(plain.cv_results_["mean_test_score"], res["mean_test_score"])


def test_several_scorers_with_refit_by_name(clf_data):
    X, y = clf_data
    tuner = Tuner(LogisticRegression(), C_SPACE, n_trials=5, validation=2, random_state=0,
                  scoring=["accuracy", "neg_log_loss"], refit="neg_log_loss").fit(X, y)
    res = tuner.cv_results_
    assert tuner.multimetric_
    for name in ("accuracy", "neg_log_loss"):
        for key in (f"split0_test_{name}", f"split1_test_{name}", f"mean_test_{name}",
                    f"std_test_{name}", f"rank_test_{name}"):
            assert res[key].shape == (5,)
    assert "mean_test_score" not in res
    i = tuner.best_index_
    assert res["rank_test_neg_log_loss"][i] == 1
    assert tuner.best_score_ == res["mean_test_neg_log_loss"][i] == res["mean_test_neg_log_loss"].max()
    assert tuner.best_params_ == res["params"][i]
    assert set(tuner.scorer_) == {"accuracy", "neg_log_loss"}
    assert tuner.score(X, y) == pytest.approx(get_scorer("neg_log_loss")(tuner.best_estimator_, X, y))
    assert tuner.score(X, y) < 0


def test_several_scorers_as_a_dict_with_refit_false(clf_data):
    X, y = clf_data
    scoring = {"acc": "accuracy", "ba": get_scorer("balanced_accuracy")}
    tuner = Tuner(LogisticRegression(), C_SPACE, n_trials=3, random_state=0,
                  scoring=scoring, refit=False).fit(X, y)
    assert {"mean_test_acc", "mean_test_ba", "rank_test_ba"} <= set(tuner.cv_results_)
    for attr in ("best_estimator_", "best_index_", "best_params_", "best_score_"):
        assert not hasattr(tuner, attr)


def test_several_scorers_need_refit_to_name_one(clf_data):
    X, y = clf_data
    tuner = Tuner(LogisticRegression(), C_SPACE, n_trials=2, scoring=["accuracy", "f1"])
    with pytest.raises(ValueError, match="refit must name"):
        tuner.fit(X, y)
    with pytest.raises(ValueError, match="'recall'.*not one of the scorers"):
        tuner.set_params(refit="recall").fit(X, y)
    # one metric: any refit chooses by it, as scikit-learn's searches do (issue 19: it was refused), with a word
    # when refit names another metric than scoring
    with pytest.warns(UserWarning, match="refit='accuracy' names a metric, but the search has one metric, "
                                         "scoring='f1': the best is chosen by it"):
        tuner = Tuner(LogisticRegression(), C_SPACE, n_trials=2, scoring="f1", refit="accuracy").fit(X, y)
    assert tuner.best_score_ == tuner.cv_results_["mean_test_score"].max() and not tuner.multimetric_


# ----------------------------------------------------------- pipelines and delegation
def test_pipeline_with_step_parameters_and_delegation(clf_data):
    X, y = clf_data
    pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    space = Space({"clf__C": Float(1e-3, 1e2, log=True), "clf__fit_intercept": Categorical([True, False])})
    tuner = Tuner(pipe, space, n_trials=4, random_state=0).fit(X, y)
    assert set(tuner.best_params_) == {"clf__C", "clf__fit_intercept"}
    best = tuner.best_estimator_
    assert isinstance(best, Pipeline) and best is not pipe
    assert best.named_steps["clf"].C == tuner.best_params_["clf__C"]
    assert pipe.named_steps["clf"].C == 1.0  # the given estimator is never fitted or changed
    assert not hasattr(pipe.named_steps["clf"], "coef_")
    assert_array_equal(tuner.predict(X), best.predict(X))
    assert_array_equal(tuner.predict_proba(X), best.predict_proba(X))
    assert_array_equal(tuner.predict_log_proba(X), best.predict_log_proba(X))
    assert_array_equal(tuner.decision_function(X), best.decision_function(X))
    assert_array_equal(tuner.classes_, np.unique(y))
    assert tuner.score(X, y) == best.score(X, y)
    assert not hasattr(tuner, "transform")  # the pipeline ends in a classifier


def test_transform_delegates():
    X, _ = make_regression(n_samples=60, n_features=5, random_state=0)
    tuner = Tuner(PCA(), Space(n_components=Int(1, 4)), n_trials=3, random_state=0).fit(X)
    best = tuner.best_estimator_
    assert_array_equal(tuner.transform(X), best.transform(X))
    assert_array_equal(tuner.inverse_transform(best.transform(X)), best.inverse_transform(best.transform(X)))
    assert tuner.score(X) == best.score(X)
    assert not hasattr(tuner, "predict")


def test_methods_the_estimator_lacks_are_absent(clf_data):
    X, y = clf_data
    tuner = Tuner(Ridge(), Space(alpha=Float(0.1, 10.0)), n_trials=2, random_state=0)
    for method in ("predict_proba", "decision_function", "transform"):
        assert not hasattr(tuner, method)
    tuner.fit(X, y.astype(float))
    for method in ("predict_proba", "decision_function", "transform"):
        assert not hasattr(tuner, method)
        with pytest.raises(AttributeError):
            getattr(tuner, method)
    assert hasattr(tuner, "predict")
    assert hasattr(Tuner(SVC(), Space(C=Float(0.1, 1.0))), "decision_function")
    assert not hasattr(Tuner(SVC(), Space(C=Float(0.1, 1.0))), "predict_proba")  # probability=False
    assert hasattr(Tuner(SVC(probability=True), Space(C=Float(0.1, 1.0))), "predict_proba")


def test_refit_false_leaves_no_best_estimator(clf_data):
    X, y = clf_data
    tuner = Tuner(LogisticRegression(), C_SPACE, n_trials=3, random_state=0, refit=False).fit(X, y)
    assert not hasattr(tuner, "best_estimator_")
    assert not hasattr(tuner, "refit_time_")
    assert tuner.best_params_ == tuner.cv_results_["params"][tuner.best_index_]  # still known
    for method in ("predict", "predict_proba", "decision_function", "score"):
        with pytest.raises(AttributeError, match="refit=False"):
            getattr(tuner, method)(X) if method != "score" else tuner.score(X, y)


def test_a_new_fit_forgets_the_previous_one(clf_data):
    X, y = clf_data
    tuner = Tuner(LogisticRegression(), C_SPACE, n_trials=3, random_state=0).fit(X, y)
    assert hasattr(tuner, "best_estimator_")
    tuner.set_params(refit=False, n_trials=2).fit(X, y)
    assert not hasattr(tuner, "best_estimator_")
    assert len(tuner.trials_) == 2 and len(tuner.cv_results_["params"]) == 2


def test_predict_before_fit_raises_not_fitted(clf_data):
    X, _ = clf_data
    with pytest.raises(NotFittedError):
        Tuner(LogisticRegression(), C_SPACE).predict(X)


# -------------------------------------------------------------- parameters
def test_get_params_set_params_and_clone(clf_data):
    X, y = clf_data
    tuner = Tuner(LogisticRegression(), C_SPACE, "sobol", 7, validation=3, scoring="accuracy",
                  random_state=3, error_score=-1.0, strategy_options={})
    params = tuner.get_params(deep=False)
    assert params["strategy"] == "sobol" and params["n_trials"] == 7 and params["validation"] == 3
    assert params["space"] is C_SPACE and params["error_score"] == -1.0
    deep = tuner.get_params(deep=True)
    assert deep["estimator__C"] == 1.0
    twin = clone(tuner)
    assert twin is not tuner
    assert twin.get_params(deep=False).keys() == params.keys()
    for key, value in twin.get_params(deep=False).items():
        if key in ("estimator", "space"):
            continue
        assert value == params[key], key
    assert twin.space == C_SPACE
    assert tuner.set_params(n_trials=2, estimator__max_iter=50) is tuner
    assert tuner.n_trials == 2 and tuner.estimator.max_iter == 50
    tuner.fit(X, y)
    assert len(tuner.trials_) == 2 and tuner.best_estimator_.max_iter == 50
    fresh = clone(tuner)
    assert not hasattr(fresh, "best_estimator_") and not hasattr(fresh, "cv_results_")
    assert fresh.get_params()["estimator__max_iter"] == 50


def test_parameters_are_not_validated_in_init():
    tuner = Tuner("not an estimator", "not a space", strategy="nope", n_trials=-3, validation=7.5,
                  error_score="skip", refit=12)
    assert tuner.n_trials == -3 and tuner.validation == 7.5 and tuner.error_score == "skip"


def test_unknown_space_parameter_is_named_at_fit(clf_data):
    X, y = clf_data
    tuner = Tuner(LogisticRegression(), Space(C=Float(0.1, 1.0), gama=Float(0.1, 1.0)), n_trials=2)
    with pytest.raises(ValueError, match="'gama'"):
        tuner.fit(X, y)
    pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    with pytest.raises(ValueError, match="'C'"):  # a pipeline needs clf__C
        Tuner(pipe, C_SPACE, n_trials=2).fit(X, y)


def test_unknown_mapped_parameter_is_named_at_fit(clf_data):
    X, y = clf_data
    space = Space(n_layers=Int(1, 2), units_0=Int(8, 16),
                  units_1=Int(8, 16).when(n_layers=at_least(2)),
                  to_params=Pack("hidden_layers", ["units_0", "units_1"], drop=["n_layers"]))
    with pytest.raises(ValueError, match="'hidden_layers'"):
        Tuner(MLPClassifier(), space, n_trials=2).fit(X, y)


@pytest.mark.parametrize("n_trials", [0, -1, 2.5, "3", True])
def test_bad_n_trials_raise_at_fit(clf_data, n_trials):
    X, y = clf_data
    tuner = Tuner(LogisticRegression(), C_SPACE, n_trials=n_trials)
    with pytest.raises(ValueError, match="n_trials"):
        tuner.fit(X, y)


@pytest.mark.parametrize("error_score", ["skip", None, "nan", [0.0]])
def test_bad_error_score_raises_at_fit(clf_data, error_score):
    X, y = clf_data
    with pytest.raises(ValueError, match="error_score"):
        Tuner(LogisticRegression(), C_SPACE, n_trials=2, error_score=error_score).fit(X, y)


@pytest.mark.parametrize("validation", [0, 1, 1.5, 0.0, 1.0, -0.2])
def test_bad_validation_raises_at_fit(clf_data, validation):
    X, y = clf_data
    with pytest.raises(ValueError, match="validation"):
        Tuner(LogisticRegression(), C_SPACE, n_trials=2, validation=validation).fit(X, y)


def test_y_required_but_missing(clf_data):
    X, _ = clf_data
    with pytest.raises(ValueError, match="requires y to be passed"):
        Tuner(LogisticRegression(), C_SPACE, n_trials=2).fit(X)


def test_sparse_and_list_inputs(clf_data):
    sparse = pytest.importorskip("scipy.sparse")
    X, y = clf_data
    for data in (sparse.coo_matrix(X), sparse.csr_array(X), X.tolist()):
        tuner = Tuner(LogisticRegression(), C_SPACE, n_trials=2, random_state=0).fit(data, list(y))
        assert tuner.predict(data).shape == (len(y),)
        assert tuner.n_features_in_ == X.shape[1]


def test_dataframe_input_keeps_feature_names(clf_data):
    pd = pytest.importorskip("pandas")
    X, y = clf_data
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    tuner = Tuner(LogisticRegression(), C_SPACE, n_trials=2, validation=3, random_state=0).fit(df, pd.Series(y))
    assert list(tuner.feature_names_in_) == list(df.columns)
    assert_array_equal(tuner.predict(df), tuner.best_estimator_.predict(df))


# -------------------------------------------------------------- failing configurations
C_UNIT = Space(C=Float(0.01, 1.0))


def test_failing_configurations_become_failed_trials(clf_data):
    X, y = clf_data
    tuner = Tuner(FragileClassifier(limit=0.5), C_UNIT, n_trials=10, validation=2,
                  random_state=0).fit(X, y)
    res = tuner.cv_results_
    failed = np.array([p["C"] > 0.5 for p in res["params"]])
    assert failed.any() and (~failed).any(), "the seed should try both sides of the limit"
    assert list(res["status"]) == ["failed" if f else "ok" for f in failed]
    assert [t.status for t in tuner.trials_] == list(res["status"])
    assert all("FragileError" in t.error for t, f in zip(tuner.trials_, failed) if f)
    for key in ("split0_test_score", "split1_test_score", "mean_test_score"):
        assert np.isnan(res[key][failed]).all()
        assert not np.isnan(res[key][~failed]).any()
    assert np.all(res["rank_test_score"][failed] > res["rank_test_score"][~failed].max())
    assert tuner.best_params_["C"] <= 0.5
    assert res["rank_test_score"][tuner.best_index_] == 1


def test_numeric_error_score_fills_the_scores_but_never_wins(clf_data):
    X, y = clf_data
    # an error score above every real score still ranks a failed trial last
    tuner = Tuner(FragileClassifier(limit=0.5), C_UNIT, n_trials=10, validation=2,
                  random_state=0, error_score=2.0).fit(X, y)
    res = tuner.cv_results_
    failed = res["status"] == "failed"
    assert failed.any()
    assert_allclose(res["split0_test_score"][failed], 2.0)
    assert_allclose(res["mean_test_score"][failed], 2.0)
    assert res["rank_test_score"][tuner.best_index_] == 1
    assert np.all(res["rank_test_score"][failed] > res["rank_test_score"][~failed].max())
    assert tuner.best_score_ < 2.0


def test_error_score_raise_raises_the_estimators_error(clf_data):
    X, y = clf_data
    tuner = Tuner(FragileClassifier(limit=0.5), C_UNIT, n_trials=10, random_state=0, error_score="raise")
    with pytest.raises(FragileError, match="above the limit"):
        tuner.fit(X, y)
    assert not hasattr(tuner, "best_estimator_")


def test_all_trials_failing_with_one_error_raise_it_though_each_message_quotes_its_own_value(clf_data):
    X, y = clf_data
    tuner = Tuner(FragileClassifier(limit=-1.0), C_UNIT, n_trials=3, random_state=0)
    with pytest.raises(FragileError, match=r"C=.* is above the limit") as info:
        tuner.fit(X, y)
    if sys.version_info >= (3, 11):
        assert "All the 3 fits failed (3 trials x 1 splits)" in "\n".join(info.value.__notes__)
    assert [t.status for t in tuner.trials_] == ["failed"] * 3
    assert not hasattr(tuner, "best_estimator_")


# -------------------------------------------------------------- reproducibility
def test_same_random_state_same_results(clf_data):
    X, y = clf_data
    runs = [Tuner(LogisticRegression(), C_SPACE, n_trials=5, random_state=42).fit(X, y) for _ in range(2)]
    a, b = (r.cv_results_ for r in runs)
    assert a["params"] == b["params"]
    assert_array_equal(a["mean_test_score"], b["mean_test_score"])
    assert_array_equal(a["split0_test_score"], b["split0_test_score"])
    other = Tuner(LogisticRegression(), C_SPACE, n_trials=5, random_state=43).fit(X, y)
    assert other.cv_results_["params"] != a["params"]


def test_random_state_instance_is_accepted(clf_data):
    X, y = clf_data
    a = Tuner(LogisticRegression(), C_SPACE, n_trials=3, random_state=np.random.RandomState(0)).fit(X, y)
    b = Tuner(LogisticRegression(), C_SPACE, n_trials=3, random_state=np.random.RandomState(0)).fit(X, y)
    assert a.cv_results_["params"] == b.cv_results_["params"]


@pytest.mark.slow
def test_two_workers_give_the_same_trials_as_one(clf_data):
    # a non-adaptive strategy: an adaptive one (the default) proposes while other trials run, so its
    # trials depend on n_jobs (the same n_jobs and seed give the same trials: the next test)
    X, y = clf_data
    results = {}
    for n_jobs in (1, 2):
        tuner = Tuner(LogisticRegression(), C_SPACE, strategy="random", n_trials=6, validation=3, random_state=0,
                      n_jobs=n_jobs).fit(X, y)
        results[n_jobs] = tuner
    one, two = results[1].cv_results_, results[2].cv_results_
    assert one["params"] == two["params"]
    for k in range(3):
        assert_allclose(one[f"split{k}_test_score"], two[f"split{k}_test_score"], rtol=1e-12)
    assert results[1].best_index_ == results[2].best_index_
    assert results[1].best_params_ == results[2].best_params_


def test_the_default_strategy_with_two_workers_gives_the_same_trials_twice(clf_data):
    X, y = clf_data
    runs = [Tuner(LogisticRegression(), C_SPACE, n_trials=8, validation=3, random_state=0, n_jobs=2).fit(X, y)
            for _ in range(2)]
    assert runs[0].strategy_.name == "auto" and runs[0].strategy_.n_model_proposals > 0
    assert runs[0].cv_results_["params"] == runs[1].cv_results_["params"]


@pytest.mark.slow
def test_error_score_raise_with_two_workers(clf_data):
    X, y = clf_data
    tuner = Tuner(FragileClassifier(limit=0.5), C_UNIT, n_trials=10, random_state=0,
                  error_score="raise", n_jobs=2)
    with pytest.raises(FragileError, match="above the limit"):
        tuner.fit(X, y)


# -------------------------------------------------------------- strategies
def test_grid_strategy_with_options(clf_data):
    X, y = clf_data
    tuner = Tuner(LogisticRegression(), C_SPACE, "grid", None, strategy_options={"resolution": 4},
                  random_state=0).fit(X, y)
    assert_allclose(sorted(p["C"] for p in tuner.cv_results_["params"]), np.logspace(-2, 2, 4))


def test_no_test_set_can_be_handed_to_fit():
    import inspect

    params = inspect.signature(Tuner.fit).parameters
    assert list(params) == ["self", "X", "y", "groups", "fit_params"]
    assert not any("test" in name for name in inspect.signature(Tuner).parameters)


def test_convergence_warnings_surface_from_trials(clf_data):
    # warnings of candidate fits reach the caller (n_jobs=1), so a user can filter them
    X, y = clf_data
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Tuner(MLPClassifier(max_iter=1, hidden_layer_sizes=(4,)), Space(alpha=Float(1e-4, 1e-2, log=True)),
              n_trials=2, random_state=0).fit(X, y)
    assert any(issubclass(w.category, ConvergenceWarning) for w in caught)


def test_strategy_is_exposed_with_its_state(clf_data):
    # coarse-to-fine's ranges per round are reachable from the Tuner: the box shrank around the best C
    X, y = clf_data
    tuner = Tuner(LogisticRegression(), C_SPACE, "coarse_to_fine", 40, random_state=0).fit(X, y)
    ranges = [r["C"] for r in tuner.strategy_.ranges_]
    assert tuner.strategy_.name == "coarse_to_fine" and len(ranges) >= 3
    assert_allclose(ranges[0], (1e-2, 1e2))
    assert any(high / low < 1e4 / 10 for low, high in ranges[1:])
    assert all(low <= tuner.best_params_["C"] <= high for low, high in ranges[-1:])
    assert tuner.strategy_ is tuner.result_.strategy_instance


@pytest.mark.parametrize(("keyword", "value", "names"), [
    ("cv", 5, "validation="),
    ("n_iter", 10, "n_trials="),
    ("param_distributions", {"C": [1.0]}, "the space"),
    ("factor", 2, '"eta"'),
    ("n_trial", 10, "did you mean 'n_trials'"),
])
def test_a_scikit_learn_keyword_is_told_the_tuners_name(keyword, value, names):
    with pytest.raises(TypeError, match=f"unexpected keyword argument '{keyword}'") as error:
        Tuner(LogisticRegression(), C_SPACE, **{keyword: value})
    assert names in str(error.value)


def test_checking_keywords_leaves_the_signature_get_params_clone_and_pickle_alone():
    import pickle

    tuner = Tuner(LogisticRegression(), C_SPACE, n_trials=3, validation=4)
    assert set(tuner.get_params(deep=False)) == set(inspect.signature(Tuner.__init__).parameters) - {"self"}
    assert set(inspect.signature(Tuner).parameters) == set(tuner.get_params(deep=False))   # not (*args, **kwargs)
    for copy in (clone(tuner), pickle.loads(pickle.dumps(tuner))):
        assert (copy.n_trials, copy.validation) == (3, 4)


def test_a_subclass_with_a_parameter_of_its_own_constructs_clones_and_fits():
    class NotedTuner(Tuner):
        def __init__(self, estimator, space, strategy="auto", n_trials=50, *, note="", **kwargs):
            super().__init__(estimator, space, strategy, n_trials, **kwargs)
            self.note = note

        def get_params(self, deep=True):
            return {**super().get_params(deep), "note": self.note}

    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    tuner = NotedTuner(LogisticRegression(), Space(C=Float(0.1, 10.0)), "random", 3, note="x", random_state=0)
    assert clone(tuner).note == "x" and "note" in inspect.signature(NotedTuner).parameters
    assert tuner.fit(X, y).best_params_ and len(tuner.trials_) == 3

    class StrictTuner(Tuner):
        def __init__(self, estimator, space, strategy="auto", n_trials=50, *, note=""):
            super().__init__(estimator, space, strategy, n_trials)
            self.note = note

    assert StrictTuner(LogisticRegression(), {"C": [1.0]}, note="y").note == "y"
    with pytest.raises(TypeError, match="StrictTuner .*'cv'"):
        StrictTuner(LogisticRegression(), {"C": [1.0]}, cv=5)


def test_a_grid_larger_than_n_trials_is_warned_about():
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    grid = {"C": [0.01, 0.1, 1.0, 10.0], "fit_intercept": [True, False]}
    with pytest.warns(UserWarning, match=r"n_trials=5 runs 5 of the grid's 8 configurations .* n_trials=None"):
        Tuner(LogisticRegression(), grid, "grid", n_trials=5, validation=3).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Tuner(LogisticRegression(), grid, "grid", n_trials=None, validation=3).fit(X, y)


def test_a_typo_in_a_rarely_active_conditional_parameter_is_caught_before_any_fit():
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    space = Space(
        solver=Categorical(["lbfgs", "liblinear", "newton-cg", "sag", "saga"]),
        C=Categorical([0.01, 0.1, 1.0, 10.0, 100.0]),
        tol=Categorical([1e-5, 1e-4, 1e-3, 1e-2]),
        l1_ratoi=Float(0.0, 1.0).when(solver="saga", C=1.0, tol=1e-3),  # active in 1 of 100 configurations
    )
    fits = []

    class Counting(LogisticRegression):
        def fit(self, X, y, **kw):
            fits.append(1)
            return super().fit(X, y, **kw)

    with pytest.raises(ValueError, match="space parameter 'l1_ratoi' is not a parameter of Counting"):
        Tuner(Counting(), space, "random", n_trials=10).fit(X, y)
    assert fits == []
