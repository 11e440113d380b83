"""The ``multifidelity`` suite: scikit-learn tasks whose cost grows with a budget.

A multi-fidelity strategy (successive halving, Hyperband...) evaluates many
configurations cheaply and a few at the full budget; these problems give it
a budget to spend:

* ``sgd_digits_epochs``: ``SGDClassifier`` on digits, budget = epochs of
  ``partial_fit`` (1 to 50); loss: error (1 - accuracy);
* ``mlp_digits_epochs``: ``MLPClassifier`` on digits with the conditional
  layer space, budget = epochs of ``partial_fit`` (1 to 30); loss: log-loss;
* ``hgb_breast_cancer_iters``: ``HistGradientBoostingClassifier`` on
  breast_cancer (``early_stopping=False``), budget = boosting iterations
  ``max_iter`` (5 to 200); loss: log-loss;
* ``svm_digits_samples``: ``SVC`` on digits, budget = training rows (100 to
  every row of the fitting part), a nested, stratified, seeded subsample:
  the rows of a smaller budget are among those of a larger one; loss: error.

Three more problems on generated data are registered but are not in the suite
(:data:`EXTRA`): tasks on which the multi-fidelity strategies' adaptation
(``adapt``, issue 20) is checked; the last two were fixed before that adaptation
was designed and were never used to tune it.

* ``hgb_synth_samples``: ``HistGradientBoostingClassifier`` (50 iterations,
  ``early_stopping=False``) on a 20,000-row ``make_classification``, budget =
  training rows (400 to 12,800: rungs 474 / 1,422 / 4,267 / 12,800); the
  validation part is 20% of the training rows; loss: error;
* ``sgd_synth_epochs`` (held out): ``SGDClassifier`` by epochs of
  ``partial_fit`` (1 to 27) on a harder 30,000-row, 5-class, 50-feature
  ``make_classification``; loss: error;
* ``gb_synth_trees`` (held out): ``GradientBoostingClassifier`` by
  ``n_estimators`` (3 to 81) on a 6,000-row ``make_classification``; loss:
  log-loss.

The protocol, fixed per problem (so that losses compare across budgets,
strategies and seeds): the data set's fixed 80/20 split of
:func:`hpo.benchmarking.sklearn_tasks.load_split` (:func:`load_data`, which
also builds the generated data sets); a fixed, stratified holdout of 25% of
the training rows (20% for ``hgb_synth_samples``) (``random_state=0``) is the validation
part, on which every budget is scored (it never shrinks); the model is fit
on the other 75% (or, for ``n_samples``, on the budget's subsample of it),
from scratch and seeded, so that a given budget always gives the same loss,
and the loss at ``b`` epochs is the loss a longer run passes through after
``b`` epochs. ``objective(config, None)`` is the full budget (``max_budget``).
``test_loss(config)`` fits on every training row at the full budget (for
``n_samples``: all of them) and scores the held-back 20% once. Every
evaluation runs through :class:`hpo.evaluation.EstimatorObjective`, on one
thread.

``problem.tags`` holds what a peer needs to run the full-budget task as the
sklearn suite's tags do (``estimator`` at the full budget, ``X_train``,
``y_train``, ``scoring``, ``loss_offset``, ``cv`` = the one (fitting part,
validation part) pair), plus ``budget_param``: the estimator parameter the
budget sets (``epochs`` of :class:`PartialFitEpochs`, ``max_iter``), or None
when the budget counts training rows (then ``subsample_order`` holds the
rows in the order budgets take them).
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import make_classification
from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier
from sklearn.linear_model import SGDClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC
from sklearn.utils.validation import check_is_fitted

from .._constraints import Interval, check_options
from ..evaluation import EstimatorObjective, make_scorers, make_splits
from ..spaces import Categorical, Float, Int, Space, one_of
from .problem import Problem, register_problem
from .sklearn_tasks import LOSSES, SEED, DataSplit, _Loss, _TestLoss, load_split, mlp_space, split_arrays

__all__ = ["SUITE", "EXTRA", "PartialFitEpochs", "make_multifidelity_problem", "problem_names",
           "stratified_order", "load_data", "VALIDATION_FRACTION"]

#: The share of the training rows held out to score every budget on.
VALIDATION_FRACTION = 0.25


class PartialFitEpochs(ClassifierMixin, BaseEstimator):
    """Train ``estimator`` from scratch for ``epochs`` passes of ``partial_fit``.

    Parameters other than ``estimator``, ``epochs`` and ``classes`` given to
    :meth:`set_params` are passed on to the wrapped estimator, so that a
    search space names the wrapped estimator's parameters directly.

    Parameters
    ----------
    estimator : classifier with ``partial_fit``
    epochs : int
    classes : array-like, optional
        Every class label (given to the first ``partial_fit``); the labels of
        ``y`` in ``fit`` when not given.
    """

    _constraints = {"epochs": [Interval(float, 1)]}  # checked at fit (scikit-learn sets params without checks)

    def __init__(self, estimator: Any = None, epochs: int = 1, classes: Any = None) -> None:
        self.estimator = estimator
        self.epochs = epochs
        self.classes = classes

    def set_params(self, **params: Any) -> "PartialFitEpochs":
        own = {k: v for k, v in params.items() if k in ("estimator", "epochs", "classes")}
        inner = {k: v for k, v in params.items() if k not in own}
        super().set_params(**own)
        if inner:
            self.estimator.set_params(**inner)
        return self

    def fit(self, X: Any, y: Any) -> "PartialFitEpochs":
        check_options(self._constraints, epochs=self.epochs)
        epochs = int(self.epochs)
        classes = np.unique(y) if self.classes is None else np.asarray(self.classes)
        est = clone(self.estimator)
        for _ in range(epochs):
            est.partial_fit(X, y, classes=classes)
        self.estimator_ = est
        self.classes_ = est.classes_
        self.n_features_in_ = getattr(est, "n_features_in_", np.shape(X)[1])
        return self

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X)

    def decision_function(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        return self.estimator_.decision_function(X)


def stratified_order(y: Any, seed: int = SEED) -> np.ndarray:
    """An order of the rows whose every prefix is (nearly) stratified.

    Rows are shuffled (seeded); the ``r``-th row of a class of ``n_c`` rows
    gets the key ``(r + 0.5) / n_c``, and rows are taken by key, so that a
    prefix of ``b`` rows holds about ``b * n_c / n`` rows of each class.
    """
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(y))
    keys = np.empty(len(y))
    for label in np.unique(y):
        members = perm[y[perm] == label]  # in shuffled order
        keys[members] = (np.arange(len(members)) + 0.5) / len(members)
    return perm[np.argsort(keys[perm], kind="stable")]


def _check_budget(budget: Any, low: float, high: float, unit: str) -> int:
    if budget is None:
        return int(high)
    if isinstance(budget, bool) or not isinstance(budget, (int, float, np.integer, np.floating)):
        raise TypeError(f"the budget ({unit}) must be a number or None, got {budget!r}")
    if not math.isfinite(budget) or budget < low * (1 - 1e-6) or budget > high * (1 + 1e-6):
        raise ValueError(f"the budget ({unit}) must lie in [{low:g}, {high:g}], got {budget!r}")
    return int(min(high, max(low, round(float(budget)))))


class _BudgetLoss:
    """``loss(config, budget)``: validation loss at a budget (None: the full budget)."""

    def __init__(self, estimator: Any, space: Space, X: Any, y: Any, fit_rows: np.ndarray,
                 val_rows: np.ndarray, scorers: dict, offset: float, unit: str, param: str | None,
                 min_budget: int, max_budget: int, order: np.ndarray | None = None) -> None:
        self.estimator = estimator
        self.space = space
        self.X = X
        self.y = y
        self.fit_rows = fit_rows
        self.val_rows = val_rows
        self.scorers = scorers
        self.offset = offset
        self.unit = unit
        self.param = param
        self.min_budget = min_budget
        self.max_budget = max_budget
        self.order = order

    def __call__(self, config: dict, budget: Any = None) -> float:
        b = _check_budget(budget, self.min_budget, self.max_budget, self.unit)
        if self.param is None:  # the budget is a number of training rows
            est = self.estimator
            fit_rows = np.sort(self.order[:b])
        else:
            est = clone(self.estimator).set_params(**{self.param: b})
            fit_rows = self.fit_rows
        evaluator = EstimatorObjective(est, self.space, self.X, self.y, [(fit_rows, self.val_rows)],
                                       self.scorers, "score")
        return _Loss(evaluator, self.offset)(config)


# ---------------------------------------------------------------------------- the tasks
def _sgd(classes: np.ndarray) -> tuple[Any, Space, str, str, str | None, int, int]:
    space = Space(
        loss=Categorical(["hinge", "log_loss", "modified_huber"]),
        penalty=Categorical(["l2", "l1", "elasticnet"]),
        l1_ratio=Float(0.0, 1.0).when(penalty="elasticnet"),
        alpha=Float(1e-6, 1e-1, log=True),
        learning_rate=Categorical(["optimal", "invscaling", "constant", "adaptive"]),
        eta0=Float(1e-4, 1.0, log=True).when(learning_rate=one_of("invscaling", "constant", "adaptive")),
    )
    est = PartialFitEpochs(SGDClassifier(random_state=SEED), epochs=50, classes=classes)
    return est, space, "error", "epochs", "epochs", 1, 50


def _mlp(classes: np.ndarray) -> tuple[Any, Space, str, str, str | None, int, int]:
    est = PartialFitEpochs(MLPClassifier(random_state=SEED), epochs=30, classes=classes)
    return est, mlp_space(), "log_loss", "epochs", "epochs", 1, 30


def _hgb(classes: np.ndarray) -> tuple[Any, Space, str, str, str | None, int, int]:
    space = Space(
        learning_rate=Float(1e-2, 1.0, log=True),
        max_leaf_nodes=Int(4, 64, log=True),
        min_samples_leaf=Int(2, 64, log=True),
        l2_regularization=Float(1e-8, 1e1, log=True),
        max_features=Float(0.1, 1.0),
    )
    est = HistGradientBoostingClassifier(max_iter=200, early_stopping=False, random_state=SEED)
    return est, space, "log_loss", "max_iter", "max_iter", 5, 200


def _svm(classes: np.ndarray) -> tuple[Any, Space, str, str, str | None, int, int]:
    space = Space(
        C=Float(1e-2, 1e3, log=True),
        gamma=Float(1e-5, 1e1, log=True),
        tol=Float(1e-5, 1e-1, log=True),
    )
    return SVC(random_state=SEED), space, "error", "n_samples", None, 100, -1  # -1: every fitting row


def _hgb_synth(classes: np.ndarray) -> tuple[Any, Space, str, str, str | None, int, int]:
    space = _hgb(classes)[1]
    est = HistGradientBoostingClassifier(max_iter=50, early_stopping=False, random_state=SEED)
    return est, space, "error", "n_samples", None, 400, -1  # rungs 474, 1422, 4267, 12800


def _sgd_synth(classes: np.ndarray) -> tuple[Any, Space, str, str, str | None, int, int]:
    est, space = _sgd(classes)[:2]
    return clone(est).set_params(epochs=27), space, "error", "epochs", "epochs", 1, 27


def _gb_synth(classes: np.ndarray) -> tuple[Any, Space, str, str, str | None, int, int]:
    space = Space(
        learning_rate=Float(1e-2, 1.0, log=True),
        max_depth=Int(1, 6),
        min_samples_leaf=Int(1, 64, log=True),
        subsample=Float(0.5, 1.0),
        max_features=Float(0.1, 1.0),
    )
    est = GradientBoostingClassifier(n_estimators=81, random_state=SEED)
    return est, space, "log_loss", "n_estimators", "n_estimators", 3, 81


#: Generated data set name -> ``make_classification`` keywords.
GENERATED: dict[str, dict] = {
    "synth_hgb": dict(n_samples=20_000, n_features=20, n_informative=10, n_redundant=5, n_clusters_per_class=2,
                      flip_y=0.03, random_state=0),
    "synth_sgd": dict(n_samples=30_000, n_features=50, n_informative=20, n_redundant=10, n_classes=5,
                      n_clusters_per_class=2, flip_y=0.05, class_sep=0.8, random_state=1),
    "synth_gb": dict(n_samples=6_000, n_features=20, n_informative=6, n_redundant=4, n_clusters_per_class=2,
                     flip_y=0.05, random_state=2),
}


@functools.lru_cache(maxsize=None)
def load_data(name: str) -> DataSplit:
    """The fixed 80/20 split of data set ``name``: a bundled one (:func:`~hpo.benchmarking.sklearn_tasks.load_split`)
    or a generated one (:data:`GENERATED`), split and standardized the same way."""
    if name not in GENERATED:
        return load_split(name)
    X, y = make_classification(**GENERATED[name])
    return split_arrays(name, "classification", X, y)


#: Problem name -> (data set, label, builder(classes) -> (estimator, space, loss, unit,
#: estimator parameter or None for rows, min budget, max budget)).
TASKS: dict[str, tuple[str, str, Callable]] = {
    "sgd_digits_epochs": ("digits", "SGDClassifier by epochs of partial_fit", _sgd),
    "mlp_digits_epochs": ("digits", "MLPClassifier (1-3 layers) by epochs of partial_fit", _mlp),
    "hgb_breast_cancer_iters": ("breast_cancer", "HistGradientBoostingClassifier by boosting iterations", _hgb),
    "svm_digits_samples": ("digits", "RBF SVC by training rows (a nested stratified subsample)", _svm),
    "hgb_synth_samples": ("synth_hgb", "HistGradientBoostingClassifier (50 iterations) by training rows", _hgb_synth),
    "sgd_synth_epochs": ("synth_sgd", "SGDClassifier by epochs of partial_fit", _sgd_synth),
    "gb_synth_trees": ("synth_gb", "GradientBoostingClassifier by n_estimators", _gb_synth),
}

#: The validation share of the training rows, where it is not :data:`VALIDATION_FRACTION`.
_VALIDATION = {"hgb_synth_samples": 0.2}


def make_multifidelity_problem(name: str) -> Problem:
    """The multi-fidelity problem ``name`` (a key of :data:`TASKS`)."""
    if name not in TASKS:
        raise ValueError(f"unknown multi-fidelity problem {name!r}; known: {sorted(TASKS)}")
    dataset, label, build = TASKS[name]
    split = load_data(dataset)
    classes = np.unique(split.y_train)
    est, space, loss, unit, param, min_budget, max_budget = build(classes)
    (fit_rows, val_rows), = make_splits(_VALIDATION.get(name, VALIDATION_FRACTION), split.X_train, split.y_train,
                                        classifier=True, random_state=SEED)
    fit_rows, val_rows = np.sort(fit_rows), np.sort(val_rows)
    order = None
    if param is None:
        order = fit_rows[stratified_order(split.y_train[fit_rows])]
        max_budget = len(fit_rows)
    scoring, offset, loss_text = LOSSES[loss]
    scorers, _ = make_scorers(est, scoring)
    objective = _BudgetLoss(est, space, split.X_train, split.y_train, fit_rows, val_rows, scorers, offset,
                            unit, param, min_budget, max_budget, order)
    full = est if param is None else clone(est).set_params(**{param: max_budget})
    description = (
        f"{label} on {dataset}: budget {min_budget}-{max_budget} {unit}; loss: {loss_text} on a fixed "
        f"holdout of {len(val_rows)} training rows (the same at every budget), fit on the other "
        f"{len(fit_rows)}; test loss at the full budget, fit on all {len(split.y_train)} training rows, "
        f"on the held-back 20%"
    )
    tags = {
        "dataset": dataset,
        "loss": loss,
        "estimator": clone(full),
        "X_train": split.X_train,
        "y_train": split.y_train,
        "scoring": scoring,
        "loss_offset": offset,
        "cv": [(fit_rows, val_rows)],
        "budget_param": param,
    }
    if order is not None:
        tags["subsample_order"] = order
    return Problem(
        name=name,
        space=space,
        objective=objective,
        optimum=None,
        max_budget=float(max_budget),
        min_budget=float(min_budget),
        test_loss=_TestLoss(full, space, split, scorers, offset),
        kind="multifidelity",
        description=description,
        budget_unit=unit,
        tags=tags,
    )


def problem_names() -> list[str]:
    """Every problem this module registers."""
    return list(TASKS)


for _name in TASKS:
    register_problem(_name, functools.partial(make_multifidelity_problem, _name))
del _name

# CPU seconds of one evaluation at the full budget (one thread), median over 7
# sampled configurations, measured as for the sklearn suite
# (``measure_eval_seconds(problem_names(), 7)`` of ``sklearn_tasks``):
#
#   sgd_digits_epochs          0.623
#   mlp_digits_epochs          0.343
#   hgb_breast_cancer_iters    0.179
#   svm_digits_samples         0.098
#
# A minimum-budget evaluation costs about min/max of that (the SVC less than
# linearly in its rows).

#: The ``multifidelity`` suite.
SUITE: list[str] = ["sgd_digits_epochs", "mlp_digits_epochs", "hgb_breast_cancer_iters", "svm_digits_samples"]

#: Registered, not in the suite: the tasks the adaptation of issue 20 is checked on (see the module notes).
EXTRA: list[str] = ["hgb_synth_samples", "sgd_synth_epochs", "gb_synth_trees"]
