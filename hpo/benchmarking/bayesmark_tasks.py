"""The ``bayesmark`` suite: cross-validated tuning tasks in the style of Bayesmark (issue 21).

Bayesmark (Uber's benchmark of black-box optimizers on scikit-learn tasks,
``bayesmark/sklearn_funcs.py``) tunes 9 model families, each with its own
fixed search space, on small data sets, by the mean loss of a 5-fold cross
validation. This module builds the same kind of tasks with hpo's sklearn
protocol (:func:`hpo.benchmarking.sklearn_tasks.cv_problem`: a fixed 80/20
split, the 20% held back for ``test_loss``, 5 fixed CV folds of the 80%,
features and regression targets standardized with the training rows'
statistics, every evaluation on one thread).

The families and their spaces (Bayesmark's ranges and log scales; Bayesmark's
"logit" ranges are linear here, hpo has no logit scale):

* ``knn``: k-nearest neighbours, ``n_neighbors`` 1-25, ``p`` 1-4;
* ``svm``: RBF SVC / SVR, ``C`` 1-1e3, ``gamma`` 1e-4-1e-3, ``tol`` 1e-5-1e-1
  (log); on log-loss tasks the SVC's probabilities are Platt's, as Bayesmark's
  ``probability=True`` (``CalibratedClassifierCV(SVC(), ensemble=False)``);
* ``dt``, ``rf``: decision tree, random forest of 10 trees, ``max_depth``
  1-15, fractions ``min_samples_split`` 0.01-0.99, ``min_samples_leaf`` and
  ``min_weight_fraction_leaf`` 0.01-0.49, ``max_features`` 0.01-0.99,
  ``min_impurity_decrease`` 0-0.5;
* ``mlp_adam``, ``mlp_sgd``: one hidden layer of 50-200 units, ``alpha``
  1e-5-10, ``batch_size`` 10-250, ``learning_rate_init`` 1e-5-0.1, ``tol``
  1e-5-0.1, ``validation_fraction`` 0.1-0.9 (``early_stopping=True``); adam
  adds ``beta_1`` 0.5-0.99, ``beta_2`` 0.9-(1-1e-6), ``epsilon`` 1e-9-1e-6;
  sgd (``invscaling``, Nesterov) adds ``power_t`` 0.1-0.9 and ``momentum``
  0.001-0.999 (and ``tanh`` for regression, as Bayesmark). Training stops
  at :data:`MLP_MAX_ITER` epochs (Bayesmark: 200) to keep an evaluation cheap;
* ``ada``: AdaBoost, ``n_estimators`` 10-100, ``learning_rate`` 1e-4-10 (log);
* ``lasso``: L1 logistic regression (liblinear, one-vs-rest), ``C`` and
  ``intercept_scaling`` 1e-2-1e2 (log); ``Lasso`` for regression, ``alpha``
  1e-2-1e2 (log), ``fit_intercept``, ``max_iter`` 10-5000 (log), ``tol``
  1e-5-0.1 (log), ``positive``;
* ``linear``: L2 logistic regression (liblinear, one-vs-rest), as lasso;
  ``Ridge`` for regression, ``alpha``, ``fit_intercept``, ``max_iter``,
  ``tol`` 1e-4-0.1. (Bayesmark's ``normalize`` is gone from scikit-learn.)

Data sets: iris, wine, breast_cancer, digits (classification), diabetes
(regression), and two generated ones, ``synth_clf`` (``make_classification``,
600 rows, 20 features, 3 classes) and ``synth_reg`` (``make_regression``, 600
rows, 20 features, noise), with fixed seeds (:data:`GENERATED`). Losses:
``error``, ``log_loss`` (classification), ``mse`` (regression, of the
standardized target). Every family x data set x loss is registered lazily as
``"bm_<family>_<dataset>_<loss>"`` (:func:`problem_names`).

The suite (:data:`SUITE`, 27 tasks: every family 3 times, at least once on
a regression and on a classification task, every data set at least twice,
log-loss only where the model's probabilities are not all 0 or 1) was chosen
on coverage and evaluation cost and FIXED on 2026-12-07, before any strategy
was run on it (see BENCHMARKS.md, "The bayesmark suite (issue 21)"). Run it with
``hpo bench --suite bayesmark --out bench-bm``.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import AdaBoostClassifier, AdaBoostRegressor, RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import Lasso, LogisticRegression, Ridge
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.svm import SVC, SVR
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from ..spaces import Categorical, Float, Int, Space
from .problem import Problem, register_problem
from .sklearn_tasks import DATASETS, SEED, DataSplit, cv_problem, load_split, split_arrays, tree_space

__all__ = ["FAMILIES", "GENERATED", "DATASET_TASKS", "SUITE", "MLP_MAX_ITER", "load_data",
           "make_bayesmark_problem", "problem_names"]

#: Generated data set name -> (task, generator, its arguments); seeded, so every build gives the same rows.
GENERATED: dict[str, tuple[str, Callable, dict]] = {
    "synth_clf": ("classification", make_classification,
                  dict(n_samples=600, n_features=20, n_informative=8, n_redundant=4, n_classes=3,
                       flip_y=0.05, random_state=SEED)),
    "synth_reg": ("regression", make_regression,
                  dict(n_samples=600, n_features=20, n_informative=10, noise=50.0, random_state=SEED)),
}

#: Data set name -> task ("classification" or "regression"): the bundled ones and the generated ones.
DATASET_TASKS: dict[str, str] = {**{name: DATASETS[name][0] for name in DATASETS},
                                 **{name: task for name, (task, _, _) in GENERATED.items()}}


def load_data(name: str) -> DataSplit:
    """The fixed 80/20 split of data set ``name``: a bundled one or a generated one (:data:`GENERATED`).

    Examples
    --------
    >>> from hpo.benchmarking.bayesmark_tasks import load_data
    >>> split = load_data("synth_reg")
    >>> split.task, split.X_train.shape, split.X_test.shape
    ('regression', (480, 20), (120, 20))
    """
    if name in GENERATED:
        task, generate, kwargs = GENERATED[name]
        X, y = generate(**kwargs)
        return split_arrays(name, task, X, y)
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; known: {sorted(DATASET_TASKS)}")
    return load_split(name)


# ---------------------------------------------------------------------------- families
# Each family: (task, loss) -> (estimator, space). Estimators are seeded (random_state=0)
# so that an objective is deterministic.

def _inner(config: dict) -> dict:
    """Parameters of the estimator a meta-estimator wraps (its ``estimator``)."""
    return {f"estimator__{name}": value for name, value in config.items()}


def _knn(task: str, loss: str) -> tuple[Any, Space]:
    est = KNeighborsClassifier() if task == "classification" else KNeighborsRegressor()
    return est, Space(n_neighbors=Int(1, 25), p=Int(1, 4))


def _svm(task: str, loss: str) -> tuple[Any, Space]:
    dims = dict(C=Float(1.0, 1e3, log=True), gamma=Float(1e-4, 1e-3, log=True), tol=Float(1e-5, 1e-1, log=True))
    if task == "regression":
        return SVR(), Space(**dims)
    if loss == "error":
        return SVC(), Space(**dims)
    # Platt scaling where a probability is scored, as SVC(probability=True) (deprecated in scikit-learn 1.9):
    # sigmoids fitted on 5 internal folds, then the SVC on every row.
    est = CalibratedClassifierCV(SVC(), method="sigmoid", ensemble=False)
    return est, Space(**dims, to_params=_inner)


def _dt(task: str, loss: str) -> tuple[Any, Space]:
    cls = DecisionTreeClassifier if task == "classification" else DecisionTreeRegressor
    return cls(random_state=SEED), tree_space()


def _rf(task: str, loss: str) -> tuple[Any, Space]:
    cls = RandomForestClassifier if task == "classification" else RandomForestRegressor
    return cls(n_estimators=10, random_state=SEED), tree_space()


#: Epochs at most of an MLP evaluation (Bayesmark: scikit-learn's default, 200), to keep an evaluation cheap.
MLP_MAX_ITER = 50


def _mlp_dims() -> dict:
    return dict(
        hidden_layer_sizes=Int(50, 200),  # one hidden layer of this many units
        alpha=Float(1e-5, 1e1, log=True),
        batch_size=Int(10, 250),
        learning_rate_init=Float(1e-5, 1e-1, log=True),
        tol=Float(1e-5, 1e-1, log=True),
        validation_fraction=Float(0.1, 0.9),
    )


def _mlp_adam(task: str, loss: str) -> tuple[Any, Space]:
    cls = MLPClassifier if task == "classification" else MLPRegressor
    est = cls(solver="adam", early_stopping=True, max_iter=MLP_MAX_ITER, random_state=SEED)
    space = Space(**_mlp_dims(), beta_1=Float(0.5, 0.99), beta_2=Float(0.9, 1.0 - 1e-6),
                  epsilon=Float(1e-9, 1e-6, log=True))
    return est, space


def _mlp_sgd(task: str, loss: str) -> tuple[Any, Space]:
    fixed = dict(solver="sgd", early_stopping=True, learning_rate="invscaling", nesterovs_momentum=True,
                 max_iter=MLP_MAX_ITER, random_state=SEED)
    # Bayesmark's regressor uses tanh: relu regressions diverge too often.
    est = MLPClassifier(**fixed) if task == "classification" else MLPRegressor(activation="tanh", **fixed)
    space = Space(**_mlp_dims(), power_t=Float(0.1, 0.9), momentum=Float(0.001, 0.999))
    return est, space


def _ada(task: str, loss: str) -> tuple[Any, Space]:
    cls = AdaBoostClassifier if task == "classification" else AdaBoostRegressor
    return cls(random_state=SEED), Space(n_estimators=Int(10, 100), learning_rate=Float(1e-4, 1e1, log=True))




def _logistic(l1_ratio: float) -> tuple[Any, Space]:
    # liblinear, one-vs-rest as Bayesmark (liblinear is binary-only since scikit-learn 1.8).
    est = OneVsRestClassifier(LogisticRegression(solver="liblinear", l1_ratio=l1_ratio, random_state=SEED))
    space = Space(C=Float(1e-2, 1e2, log=True), intercept_scaling=Float(1e-2, 1e2, log=True),
                  to_params=_inner)
    return est, space


def _lasso(task: str, loss: str) -> tuple[Any, Space]:
    if task == "classification":
        return _logistic(1.0)
    space = Space(alpha=Float(1e-2, 1e2, log=True), fit_intercept=Categorical([True, False]),
                  max_iter=Int(10, 5000, log=True), tol=Float(1e-5, 1e-1, log=True),
                  positive=Categorical([True, False]))
    return Lasso(random_state=SEED), space


def _linear(task: str, loss: str) -> tuple[Any, Space]:
    if task == "classification":
        return _logistic(0.0)
    space = Space(alpha=Float(1e-2, 1e2, log=True), fit_intercept=Categorical([True, False]),
                  max_iter=Int(10, 5000, log=True), tol=Float(1e-4, 1e-1, log=True))
    return Ridge(solver="auto", random_state=SEED), space


#: Family name -> (label, builder(task, loss) -> (estimator, space)): Bayesmark's 9 model families.
FAMILIES: dict[str, tuple[str, Callable[[str, str], tuple[Any, Space]]]] = {
    "knn": ("k-nearest neighbours", _knn),
    "svm": ("RBF support vector machine", _svm),
    "dt": ("decision tree", _dt),
    "rf": ("random forest (10 trees)", _rf),
    "mlp_adam": (f"one-layer MLP, adam, early stopping, at most {MLP_MAX_ITER} epochs", _mlp_adam),
    "mlp_sgd": (f"one-layer MLP, SGD with Nesterov momentum, early stopping, at most {MLP_MAX_ITER} epochs",
                _mlp_sgd),
    "ada": ("AdaBoost", _ada),
    "lasso": ("L1-regularized linear model (liblinear one-vs-rest LogisticRegression / Lasso)", _lasso),
    "linear": ("L2-regularized linear model (liblinear one-vs-rest LogisticRegression / Ridge)", _linear),
}

_LOSSES_BY_TASK = {"classification": ("error", "log_loss"), "regression": ("mse",)}


def make_bayesmark_problem(family: str, dataset: str, loss: str) -> Problem:
    """The task ``"bm_<family>_<dataset>_<loss>"``: 5-fold CV loss of the training 80%.

    Parameters
    ----------
    family : str
        A key of :data:`FAMILIES`.
    dataset : str
        A key of :data:`DATASET_TASKS`.
    loss : str
        ``"error"`` or ``"log_loss"`` for a classification data set, ``"mse"`` for a regression one.

    Examples
    --------
    >>> from hpo.benchmarking.bayesmark_tasks import make_bayesmark_problem
    >>> problem = make_bayesmark_problem("ada", "wine", "error")
    >>> problem.name, problem.space.names
    ('bm_ada_wine_error', ['n_estimators', 'learning_rate'])
    >>> round(problem({"n_estimators": 50, "learning_rate": 1.0}), 3)
    0.077
    """
    if family not in FAMILIES:
        raise ValueError(f"unknown model family {family!r}; known: {sorted(FAMILIES)}")
    if dataset not in DATASET_TASKS:
        raise ValueError(f"unknown data set {dataset!r}; known: {sorted(DATASET_TASKS)}")
    task = DATASET_TASKS[dataset]
    if loss not in _LOSSES_BY_TASK[task]:
        raise ValueError(f"loss {loss!r} does not fit {task} data set {dataset!r}; use one of {_LOSSES_BY_TASK[task]}")
    label, build = FAMILIES[family]
    est, space = build(task, loss)
    return cv_problem(f"bm_{family}_{dataset}_{loss}", est, space, loss, load_data(dataset), label,
                      tags={"model": family, "suite": "bayesmark"})


def _combinations() -> list[tuple[str, str, str]]:
    return [(f, d, loss) for f in FAMILIES for d in DATASET_TASKS for loss in _LOSSES_BY_TASK[DATASET_TASKS[d]]]


def problem_names() -> list[str]:
    """Every task this module registers (every family x data set x loss), ``"bm_<family>_<dataset>_<loss>"``.

    Examples
    --------
    >>> from hpo.benchmarking.bayesmark_tasks import problem_names
    >>> names = problem_names()
    >>> len(names), names[0], "bm_linear_synth_reg_mse" in names
    (108, 'bm_knn_iris_error', True)
    """
    return [f"bm_{f}_{d}_{loss}" for f, d, loss in _combinations()]


for _family, _dataset, _loss in _combinations():
    register_problem(f"bm_{_family}_{_dataset}_{_loss}",
                     functools.partial(make_bayesmark_problem, _family, _dataset, _loss))
del _family, _dataset, _loss

# ---------------------------------------------------------------------------- the suite
#: The ``bayesmark`` suite, FIXED on 2026-12-07 before any strategy ran on it: 27 tasks, every family 3 times
#: (once on a regression data set), 10 error, 8 log-loss and 9 MSE tasks, every data set at least twice.
#: CPU seconds of one evaluation (median of random configurations, seeds 0 and 1): median task 0.17 s,
#: mean 0.29 s, AdaBoost the dearest (about 1 s); per task in BENCHMARKS.md, measured with
#:   python benchmarks/bench_bayesmark_cost.py
SUITE: list[str] = [
    "bm_knn_wine_error", "bm_knn_breast_cancer_error", "bm_knn_synth_reg_mse",
    "bm_svm_digits_error", "bm_svm_breast_cancer_log_loss", "bm_svm_diabetes_mse",
    "bm_dt_iris_error", "bm_dt_synth_clf_error", "bm_dt_diabetes_mse",
    "bm_rf_wine_log_loss", "bm_rf_breast_cancer_error", "bm_rf_diabetes_mse",
    "bm_mlp_adam_wine_log_loss", "bm_mlp_adam_synth_clf_error", "bm_mlp_adam_synth_reg_mse",
    "bm_mlp_sgd_iris_log_loss", "bm_mlp_sgd_breast_cancer_error", "bm_mlp_sgd_diabetes_mse",
    "bm_ada_iris_error", "bm_ada_wine_log_loss", "bm_ada_diabetes_mse",
    "bm_lasso_wine_error", "bm_lasso_synth_clf_log_loss", "bm_lasso_diabetes_mse",
    "bm_linear_breast_cancer_log_loss", "bm_linear_digits_log_loss", "bm_linear_synth_reg_mse",
]
