"""``hpo.Tuner`` around the gradient-boosting libraries users tune most: CatBoost, LightGBM, XGBoost.

Each runs where it is installed (``pip install catboost lightgbm xgboost``;
only LightGBM, 4 MB, is in the ``test`` extra: CatBoost's wheel is ~100 MB
and XGBoost's ~130 MB plus ~470 MB of NCCL). The Tuner must give the same
validation scores as ``GridSearchCV`` on the same grid and folds.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV

from hpo import Categorical, Float, Space, Tuner

pytestmark = pytest.mark.filterwarnings("ignore:the validation holdout has only")


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=200, n_features=6, n_informative=4, random_state=0)


def _same_as_grid_search(estimator, grid, X, y):
    tuner = Tuner(estimator, Space({k: Categorical(v) for k, v in grid.items()}), "grid", None,
                  validation=3).fit(X, y)
    search = GridSearchCV(estimator, grid, cv=3).fit(X, y)
    theirs = {tuple(sorted(p.items())): s for p, s in zip(search.cv_results_["params"],
                                                          search.cv_results_["mean_test_score"])}
    ours = {tuple(sorted(p.items())): s for p, s in zip(tuner.cv_results_["params"],
                                                        tuner.cv_results_["mean_test_score"])}
    assert ours == theirs
    assert tuner.best_score_ == search.best_score_
    for name, value in tuner.best_params_.items():
        assert tuner.best_estimator_.get_params()[name] == value
    return tuner


def test_catboost_tunes_parameters_its_get_params_does_not_list(data):
    catboost = pytest.importorskip("catboost")
    X, y = data
    est = catboost.CatBoostClassifier(iterations=20, verbose=0, random_seed=0, thread_count=1,
                                      allow_writing_files=False)
    assert "learning_rate" not in est.get_params(deep=True)  # only the arguments given
    _same_as_grid_search(est, {"learning_rate": [0.05, 0.3], "depth": [2, 4]}, X, y)
    tuner = Tuner(est, Space(learning_rate=Float(0.01, 0.3, log=True)), n_trials=2, validation=3,
                  random_state=0).fit(X, y)
    assert tuner.best_estimator_.get_params()["learning_rate"] == tuner.best_params_["learning_rate"]


def test_lightgbm(data):
    lightgbm = pytest.importorskip("lightgbm")
    X, y = data
    est = lightgbm.LGBMClassifier(n_estimators=20, verbose=-1, n_jobs=1, random_state=0)
    _same_as_grid_search(est, {"learning_rate": [0.01, 0.3], "num_leaves": [3, 15]}, X, y)


def test_xgboost(data):
    xgboost = pytest.importorskip("xgboost")
    X, y = data
    est = xgboost.XGBClassifier(n_estimators=20, n_jobs=1, random_state=0)
    tuner = _same_as_grid_search(est, {"learning_rate": [0.05, 0.3], "max_depth": [2, 4]}, X, y)
    assert np.isfinite(tuner.cv_results_["mean_test_score"]).all()
