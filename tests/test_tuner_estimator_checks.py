"""scikit-learn's estimator checks, run against ``hpo.Tuner`` around tiny estimators.

Every check runs and must pass, with no expected failure: the Tuner passes
every check that ``GridSearchCV`` passes around the same estimators (the last
test compares the lists of checks).
"""

from __future__ import annotations

import pytest

from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_dtype_object, parametrize_with_checks

from hpo import Float, Space, Tuner


def _tuners(**kwargs):
    return [
        Tuner(LogisticRegression(), Space(C=Float(1e-2, 1e2, log=True)), n_trials=3, random_state=0, **kwargs),
        Tuner(Ridge(), Space(alpha=Float(1e-3, 1e3, log=True)), n_trials=3, random_state=0, **kwargs),
        Tuner(
            Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())]),
            Space({"clf__C": Float(1e-2, 1e2, log=True)}),
            n_trials=3,
            random_state=0,
            **kwargs,
        ),
    ]


@parametrize_with_checks(_tuners())
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("tuner", _tuners(error_score="raise"), ids=["logistic", "ridge", "pipeline"])
def test_check_dtype_object_passes_with_error_score_raise(tuner):
    # the estimator's own TypeError comes out of fit, as the check demands
    check_dtype_object(type(tuner).__name__, tuner)


def _check_names(estimator) -> set[str]:
    estimator_checks = pytest.importorskip("sklearn.utils.estimator_checks")
    if not hasattr(estimator_checks, "_yield_all_checks"):  # pragma: no cover - a private helper of scikit-learn
        pytest.skip("this scikit-learn does not list its checks through _yield_all_checks")
    checks = estimator_checks._yield_all_checks(estimator, legacy=True)
    return {getattr(check, "func", check).__name__ for check in checks}


@pytest.mark.parametrize("index", [0, 1, 2], ids=["logistic", "ridge", "pipeline"])
def test_the_tuner_gets_every_check_grid_search_cv_gets(index):
    # scikit-learn chooses the checks from the tags: the Tuner's must select every check GridSearchCV's
    # do (which the test above then runs and passes), except the array API ones that GridSearchCV skips
    # here (SCIPY_ARRAY_API unset) and that the Tuner does not claim (its fits run on numpy)
    tuner = _tuners()[index]
    search = GridSearchCV(tuner.estimator, {next(iter(tuner.space.names)): [0.1, 1.0]})
    theirs = {name for name in _check_names(search) if "array_api" not in name}
    assert theirs <= _check_names(tuner)
