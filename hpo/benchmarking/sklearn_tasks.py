"""The ``sklearn`` suite: Bayesmark-style tuning tasks on scikit-learn's bundled data sets.

Every task is a model family (kNN, SVM, decision tree, random forest, L1 and
L2 linear models, MLP) on one of scikit-learn's bundled data sets (iris, wine,
breast_cancer, digits, diabetes), with the search space a practitioner would
use (log scales where they belong; the ranges follow Bayesmark's, see
``bayesmark/sklearn_funcs.py``). Every combination is registered lazily
(data load inside the factory) as ``"<model>_<dataset>"``: ``knn_iris``,
``svm_wine``, ``dt_breast_cancer``, ``rf_digits``, ``lasso_wine``
(L1), ``linear_diabetes`` (L2), ``mlp_digits``...

The protocol, fixed per problem so that losses compare across strategies and
seeds:

* the data set is split once into 80% training and 20% test rows
  (``random_state=0``, stratified for classifiers); features are
  standardized with the statistics of the training rows (Bayesmark
  standardizes too), and so is the regression target;
* ``objective(config, budget)`` (``budget`` is ignored) is the mean loss of
  5 fixed folds (shuffled ``StratifiedKFold``/``KFold``, ``random_state=0``)
  of the training rows, computed by :class:`hpo.evaluation.EstimatorObjective`,
  the tuner's own evaluation path;
* ``test_loss(config)`` fits on all training rows and scores the test rows
  once, through the same path.

The test rows live only inside ``test_loss``; ``problem.tags`` holds what a
peer needs to run the same task with the same folds (for example
scikit-learn's ``RandomizedSearchCV(tags["estimator"], ..., scoring=tags["scoring"],
cv=tags["cv"]).fit(tags["X_train"], tags["y_train"])``; its loss is
``tags["loss_offset"] - score``).

Losses: ``error`` is ``1 - accuracy``, ``log_loss`` the mean negative
log-likelihood, ``mse`` the mean squared error of the standardized target
(about ``1 - R^2``). kNN, SVM and tree models use ``error`` (their class
probabilities are 0 or 1 too often for a log loss to mean much); linear
models and MLPs use ``log_loss``; every regressor ``mse``.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from sklearn import datasets as _datasets
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from ..evaluation import EstimatorObjective, make_scorers, make_splits
from ..executors.cores import limit_threads
from ..spaces import Categorical, Float, Int, Pack, Space, at_least, ref
from .problem import Problem, register_problem

__all__ = [
    "DATASETS", "MODELS", "LOSSES", "SUITE", "QUICK", "DataSplit", "load_split",
    "make_sklearn_problem", "problem_names", "measure_eval_seconds", "mlp_space", "cv_splits", "cv_problem",
    "split_arrays", "tree_space",
]

#: Data set name -> (task, loader). Task is "classification" or "regression".
DATASETS: dict[str, tuple[str, Callable]] = {
    "iris": ("classification", _datasets.load_iris),
    "wine": ("classification", _datasets.load_wine),
    "breast_cancer": ("classification", _datasets.load_breast_cancer),
    "digits": ("classification", _datasets.load_digits),
    "diabetes": ("regression", _datasets.load_diabetes),
}

#: Loss name -> (scikit-learn scoring, offset, text): ``loss = offset - score``.
LOSSES: dict[str, tuple[str, float, str]] = {
    "error": ("accuracy", 1.0, "error (1 - accuracy)"),
    "log_loss": ("neg_log_loss", 0.0, "log-loss"),
    "mse": ("neg_mean_squared_error", 0.0, "mean squared error of the standardized target"),
}

TEST_SIZE = 0.2
N_FOLDS = 5
SEED = 0


# ---------------------------------------------------------------------------- data
@dataclass(frozen=True)
class DataSplit:
    """A data set's fixed 80/20 split (standardized with the training rows' statistics).

    ``train_index`` and ``test_index`` are the rows of the original data set.
    """

    name: str
    task: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    train_index: np.ndarray
    test_index: np.ndarray

    @property
    def classification(self) -> bool:
        return self.task == "classification"


@functools.lru_cache(maxsize=None)
def _load_raw(name: str) -> tuple[np.ndarray, np.ndarray]:
    X, y = DATASETS[name][1](return_X_y=True)
    return np.asarray(X, dtype=float), np.asarray(y)


def load_split(name: str) -> DataSplit:
    """The fixed split of data set ``name``: 80% training, 20% test (``random_state=0``).

    Stratified for classifiers. Features are standardized with the mean and
    scale of the training rows; the regression target too (so that losses
    read about the same on every task).
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; known: {sorted(DATASETS)}")
    X, y = _load_raw(name)
    return split_arrays(name, DATASETS[name][0], X, y)


def split_arrays(name: str, task: str, X: np.ndarray, y: np.ndarray) -> DataSplit:
    """The fixed 80/20 split of the data ``X, y`` (a generated data set's), as :func:`load_split` makes it.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from hpo.benchmarking.sklearn_tasks import split_arrays
    >>> X, y = make_regression(n_samples=50, n_features=3, random_state=0)
    >>> split = split_arrays("small", "regression", X, y)
    >>> split.X_train.shape, split.X_test.shape, round(float(split.y_train.std()), 6)
    ((40, 3), (10, 3), 1.0)
    """
    if task not in ("classification", "regression"):
        raise ValueError(f"task must be 'classification' or 'regression', got {task!r}")
    X, y = np.array(X, dtype=float), np.array(y)
    rows = np.arange(len(y))
    train, test = train_test_split(
        rows, test_size=TEST_SIZE, random_state=SEED, stratify=y if task == "classification" else None
    )
    train, test = np.sort(train), np.sort(test)
    scaler = StandardScaler().fit(X[train])
    X = scaler.transform(X)
    if task == "regression":
        y = y.astype(float)
        mean, std = y[train].mean(), y[train].std()
        y = (y - mean) / std
    return DataSplit(name, task, X[train], y[train], X[test], y[test], train, test)


# ---------------------------------------------------------------------------- models
# Each model: task -> (estimator, space, loss name). Estimators are seeded
# (random_state=0) so that the objective is deterministic.

def _knn(task: str) -> tuple[Any, Space, str]:
    est = KNeighborsClassifier() if task == "classification" else KNeighborsRegressor()
    space = Space(
        n_neighbors=Int(1, 25),
        p=Int(1, 4),
        weights=Categorical(["uniform", "distance"]),
    )
    return est, space, "error" if task == "classification" else "mse"


def _svm(task: str) -> tuple[Any, Space, str]:
    dims = dict(
        C=Float(1e-2, 1e3, log=True),
        gamma=Float(1e-5, 1e1, log=True),
        tol=Float(1e-5, 1e-1, log=True),
    )
    if task == "classification":
        return SVC(), Space(**dims), "error"
    return SVR(), Space(**dims, epsilon=Float(1e-3, 1.0, log=True)), "mse"


def tree_space() -> Space:
    """Bayesmark's decision-tree and random-forest space: the depth, and the splitting rules as fractions.

    Examples
    --------
    >>> from hpo.benchmarking.sklearn_tasks import tree_space
    >>> space = tree_space()
    >>> space.names[:3], (space["min_samples_leaf"].low, space["min_samples_leaf"].high)
    (['max_depth', 'min_samples_split', 'min_samples_leaf'], (0.01, 0.49))
    """
    return Space(
        max_depth=Int(1, 15),
        min_samples_split=Float(0.01, 0.99),
        min_samples_leaf=Float(0.01, 0.49),
        min_weight_fraction_leaf=Float(0.01, 0.49),
        max_features=Float(0.01, 0.99),
        min_impurity_decrease=Float(0.0, 0.5),
    )


def _dt(task: str) -> tuple[Any, Space, str]:
    if task == "classification":
        return DecisionTreeClassifier(random_state=SEED), tree_space(), "error"
    return DecisionTreeRegressor(random_state=SEED), tree_space(), "mse"


#: Random forests are fixed at 10 trees (as in Bayesmark), to keep an evaluation cheap.
RF_N_ESTIMATORS = 10


def _rf(task: str) -> tuple[Any, Space, str]:
    if task == "classification":
        est: Any = RandomForestClassifier(n_estimators=RF_N_ESTIMATORS, random_state=SEED)
        return est, tree_space(), "error"
    est = RandomForestRegressor(n_estimators=RF_N_ESTIMATORS, random_state=SEED)
    return est, tree_space(), "mse"


def _lasso(task: str) -> tuple[Any, Space, str]:
    # L1: LogisticRegression with l1_ratio=1 (saga: liblinear is binary-only in
    # scikit-learn >= 1.8, and `penalty` is deprecated); Lasso for regression.
    if task == "classification":
        est: Any = LogisticRegression(l1_ratio=1.0, solver="saga", max_iter=200, random_state=SEED)
        space = Space(
            C=Float(1e-2, 1e2, log=True),
            tol=Float(1e-4, 1e-1, log=True),
            class_weight=Categorical([None, "balanced"]),
        )
        return est, space, "log_loss"
    est = Lasso(random_state=SEED)
    space = Space(
        alpha=Float(1e-5, 1e1, log=True),
        fit_intercept=Categorical([True, False]),
        max_iter=Int(10, 5000, log=True),
        tol=Float(1e-5, 1e-1, log=True),
        selection=Categorical(["cyclic", "random"]),
    )
    return est, space, "mse"


def _linear(task: str) -> tuple[Any, Space, str]:
    # L2: LogisticRegression with l1_ratio=0 (lbfgs); Ridge for regression.
    if task == "classification":
        est: Any = LogisticRegression(l1_ratio=0.0, max_iter=500, random_state=SEED)
        space = Space(
            C=Float(1e-3, 1e3, log=True),
            tol=Float(1e-5, 1e-1, log=True),
            class_weight=Categorical([None, "balanced"]),
        )
        return est, space, "log_loss"
    est = Ridge(random_state=SEED)
    space = Space(
        alpha=Float(1e-3, 1e3, log=True),
        fit_intercept=Categorical([True, False]),
        solver=Categorical(["svd", "cholesky", "lsqr", "sparse_cg", "sag", "saga"]),
        tol=Float(1e-5, 1e-1, log=True),
    )
    return est, space, "mse"


#: Epochs of an MLP evaluation: small, so that an evaluation stays cheap.
MLP_MAX_ITER = 20


def mlp_space() -> Space:
    """The conditional MLP space: 1-3 layers, each no wider than the one before it."""
    return Space(
        n_layers=Int(1, 3),
        units_0=Int(16, 128, log=True),
        units_1=Int(16, ref("units_0"), log=True).when(n_layers=at_least(2)),
        units_2=Int(16, ref("units_1"), log=True).when(n_layers=at_least(3)),
        activation=Categorical(["relu", "tanh"]),
        solver=Categorical(["adam", "sgd"]),
        momentum=Float(0.0, 0.99).when(solver="sgd"),
        alpha=Float(1e-6, 1e-1, log=True),
        learning_rate_init=Float(1e-4, 1e-1, log=True),
        to_params=Pack("hidden_layer_sizes", ["units_0", "units_1", "units_2"], drop=["n_layers"]),
    )


def _mlp(task: str) -> tuple[Any, Space, str]:
    if task == "classification":
        est: Any = MLPClassifier(max_iter=MLP_MAX_ITER, random_state=SEED)
        return est, mlp_space(), "log_loss"
    return MLPRegressor(max_iter=MLP_MAX_ITER, random_state=SEED), mlp_space(), "mse"


#: Model name -> (label, builder(task) -> (estimator, space, loss)).
MODELS: dict[str, tuple[str, Callable[[str], tuple[Any, Space, str]]]] = {
    "knn": ("k-nearest neighbours", _knn),
    "svm": ("RBF support vector machine", _svm),
    "dt": ("decision tree", _dt),
    "rf": (f"random forest ({RF_N_ESTIMATORS} trees)", _rf),
    "lasso": ("L1-regularized linear model (LogisticRegression l1_ratio=1 / Lasso)", _lasso),
    "linear": ("L2-regularized linear model (LogisticRegression l1_ratio=0 / Ridge)", _linear),
    "mlp": (f"multi-layer perceptron ({MLP_MAX_ITER} epochs)", _mlp),
}


# ---------------------------------------------------------------------------- objectives
class _Loss:
    """``loss(config, budget=None)``: ``offset - score`` of an :class:`EstimatorObjective`.

    Picklable (worker processes run it). An evaluation runs on one thread
    (BLAS and OpenMP limited to 1): the engine's workers are the
    parallelism, and an evaluation's cost then does not swing with the load
    of the machine (OpenMP's many short parallel regions, as in histogram
    gradient boosting, slow down many times when other processes hold the
    cores: BENCHMARKS.md, "Threads inside parallel workers"). Convergence
    warnings of a short training budget are expected and silenced, and so is
    an MLP's note that its ``batch_size`` exceeds its rows (it takes them all).
    """

    def __init__(self, evaluator: EstimatorObjective, offset: float) -> None:
        self.evaluator = evaluator
        self.offset = float(offset)

    def __call__(self, config: dict, budget: Any = None) -> float:
        with warnings.catch_warnings(), limit_threads(1):
            warnings.simplefilter("ignore", ConvergenceWarning)
            # an MLP whose batch_size exceeds its (early-stopping) fitting rows takes them all: expected
            warnings.filterwarnings("ignore", message="Got `batch_size` less than 1 or larger", category=UserWarning)
            out = self.evaluator(config)
        return self.offset - float(out["value"])  # the value is the mean validation score


class _TestLoss:
    """``test_loss(config)``: fit on all training rows, score the test rows once.

    Runs through :class:`EstimatorObjective` too, with one split: (every
    training row, every test row).
    """

    def __init__(self, estimator: Any, space: Space, split: DataSplit, scorers: dict, offset: float) -> None:
        X = np.concatenate([split.X_train, split.X_test])
        y = np.concatenate([split.y_train, split.y_test])
        n_train = len(split.y_train)
        halves = [(np.arange(n_train), np.arange(n_train, len(y)))]
        self.loss = _Loss(EstimatorObjective(estimator, space, X, y, halves, scorers, "score"), offset)

    def __call__(self, config: dict) -> float:
        return self.loss(config)


def cv_splits(split: DataSplit) -> list[tuple[np.ndarray, np.ndarray]]:
    """The 5 fixed folds of the training rows (shuffled, ``random_state=0``; stratified for classifiers)."""
    cls = StratifiedKFold if split.classification else KFold
    splitter = cls(n_splits=N_FOLDS, shuffle=True, random_state=SEED)
    return make_splits(splitter, split.X_train, split.y_train, classifier=split.classification)


def make_sklearn_problem(model: str, dataset: str) -> Problem:
    """The problem ``"<model>_<dataset>"``: 5-fold CV loss on the training 80%.

    Parameters
    ----------
    model : str
        A key of :data:`MODELS`.
    dataset : str
        A key of :data:`DATASETS`.
    """
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; known: {sorted(MODELS)}")
    split = load_split(dataset)
    label, build = MODELS[model]
    est, space, loss = build(split.task)
    return cv_problem(f"{model}_{dataset}", est, space, loss, split, label, tags={"model": model})


def cv_problem(name: str, estimator: Any, space: Space, loss: str, split: DataSplit, label: str,
               tags: dict | None = None) -> Problem:
    """A problem of the sklearn protocol: the mean loss of the 5 fixed CV folds of ``split``'s training rows.

    The test rows enter only ``test_loss`` (fit on every training row, score
    the test rows once). Every evaluation runs through
    :class:`hpo.evaluation.EstimatorObjective` on one thread.

    Parameters
    ----------
    name : str
        The problem's name.
    estimator : scikit-learn estimator
        Configured with ``space.to_params(config)`` at each evaluation.
    space : Space
    loss : str
        A key of :data:`LOSSES`.
    split : DataSplit
        The data (:func:`load_split`, :func:`split_arrays`).
    label : str
        What the model is, for the description.
    tags : dict, optional
        More tags (the model's name...), merged into the problem's.

    Examples
    --------
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from hpo import Space, Int
    >>> from hpo.benchmarking.sklearn_tasks import cv_problem, load_split
    >>> problem = cv_problem("knn_k_iris", KNeighborsClassifier(), Space(n_neighbors=Int(1, 25)), "error",
    ...                      load_split("iris"), "k-nearest neighbours")
    >>> problem.kind, problem.tags["loss"], round(problem({"n_neighbors": 5}), 4)
    ('sklearn', 'error', 0.0667)
    """
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; known: {sorted(LOSSES)}")
    scoring, offset, loss_text = LOSSES[loss]
    scorers, _ = make_scorers(estimator, scoring)
    folds = cv_splits(split)
    objective = _Loss(
        EstimatorObjective(estimator, space, split.X_train, split.y_train, folds, scorers, "score"), offset
    )
    n_classes = f", {len(np.unique(split.y_train))} classes" if split.classification else ""
    description = (
        f"{label} on {split.name} ({len(split.y_train)} training rows x {split.X_train.shape[1]} "
        f"features{n_classes}); loss: {loss_text}, mean of {N_FOLDS} fixed CV folds of the training "
        f"80%; test loss on the held-back 20%"
    )
    return Problem(
        name=name,
        space=space,
        objective=objective,
        optimum=None,
        test_loss=_TestLoss(estimator, space, split, scorers, offset),
        kind="sklearn",
        description=description,
        tags={
            "dataset": split.name,
            "task": split.task,
            "loss": loss,
            "estimator": clone(estimator),
            "X_train": split.X_train,
            "y_train": split.y_train,
            "scoring": scoring,
            "loss_offset": offset,
            "cv": folds,
            **(tags or {}),
        },
    )


def _combinations() -> list[tuple[str, str]]:
    # Every model family has a classifier and a regressor: every pair is sensible.
    return [(m, d) for m in MODELS for d in DATASETS]


def problem_names() -> list[str]:
    """Every problem this module registers."""
    return [f"{m}_{d}" for m, d in _combinations()]


for _model, _dataset in _combinations():
    register_problem(f"{_model}_{_dataset}", functools.partial(make_sklearn_problem, _model, _dataset))
del _model, _dataset


# ---------------------------------------------------------------------------- suites
# CPU seconds of one evaluation (one configuration: 5 CV fits and scores, on
# one thread), median over 7 sampled configurations, on a 2-core machine
# (scikit-learn 1.9.1), measured with
#   python -c "from hpo.benchmarking.sklearn_tasks import *; print(measure_eval_seconds(problem_names(), 7))"
# (* = in SUITE):
#
#   model              iris           wine  breast_cancer         digits       diabetes
#   knn              0.020*         0.020          0.100          1.524          0.033
#   svm              0.023          0.027*         0.064          0.801          0.040*
#   dt               0.021          0.021          0.028*         0.024          0.011
#   rf               0.166          0.167          0.164*         0.186          0.128*
#   lasso            0.062          0.050          0.080*         0.525          0.012
#   linear           0.060          0.063          0.052          0.063*         0.016
#   mlp              0.124*         0.119*         0.234          0.657          0.234
#
# knn_digits is dear when p is 3 or 4 (a general Minkowski metric in 64
# dimensions); dt/rf on digits keep Bayesmark's ranges, where most of the space
# (min_impurity_decrease > ~0.1, large leaves) predicts one class of ten.

#: The ``sklearn`` suite: every model family and every data set, one evaluation ~0.3 s or less.
SUITE: list[str] = [
    "knn_iris", "mlp_iris", "svm_wine", "mlp_wine", "dt_breast_cancer", "lasso_breast_cancer",
    "rf_breast_cancer", "linear_digits", "svm_diabetes", "rf_diabetes",
]

#: The cheapest problems, for the under-a-minute quick suite.
QUICK: list[str] = ["knn_iris", "svm_wine"]


def measure_eval_seconds(names: list[str], n_configs: int = 5, seed: int = 0) -> dict[str, float]:
    """Median seconds of one evaluation at the full budget per problem (``n_configs`` sampled configurations).

    CPU seconds of this process: an evaluation runs on one thread, so this is
    its wall time on an idle core, and a busy machine does not inflate it.
    """
    import time

    from .problem import make_problem

    out = {}
    for name in names:
        problem = make_problem(name)
        times = []
        for config in problem.space.sample(n_configs, seed=seed):
            start = time.process_time()
            try:
                problem.objective(config, None)
            except Exception:  # a failing configuration still costs its time
                pass
            times.append(time.process_time() - start)
        out[name] = float(np.median(times))
    return out
