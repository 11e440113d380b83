"""Budgets as training resources: what a candidate's budget means to the scikit-learn objective.

A multi-fidelity strategy (``"halving"``, ``"hyperband"``, ``"asha"``) gives
each candidate a budget between a minimum and a maximum. :class:`~hpo.Tuner`
turns a budget into training work through a *resource*
(``Tuner(..., resource=..., min_resource=..., max_resource=...)``):

``"n_samples"`` (:class:`Samples`)
    Fit on a stratified (for classifiers), seeded subsample of each training
    part; the validation part never shrinks, so scores at every budget are
    comparable. Subsamples are nested: the rows of a smaller budget are
    among those of a larger one. The model is fitted from scratch at every
    budget. Default range: scikit-learn's ``"smallest"`` (2 rows per
    class per split for classifiers, ``2 * n_splits`` otherwise) to every
    row of the smallest training part.
any integer estimator parameter (:class:`EstimatorParam`)
    ``"max_iter"``, ``"n_estimators"``, ``"clf__n_estimators"`` of a
    Pipeline... set to the budget. Where refitting with ``warm_start``
    continues *exactly* where the smaller fit stopped (the ``n_estimators``
    of scikit-learn's ensembles, ``max_iter`` of the histogram gradient
    boosting models), a promoted candidate continues from its paused model
    and trains only the extra stages. Elsewhere (``max_iter`` of an MLP, SGD
    or a linear model, whose ``warm_start`` restarts the solver or the
    learning-rate schedule) it is fitted from scratch; ``warm_start=True``
    forces continuation. Default range: 1 to the parameter's value on the
    estimator given.
``"epochs"`` (:class:`Epochs`)
    For estimators with ``partial_fit`` (SGDClassifier, MLPClassifier,
    ..., or a Pipeline whose last step has it: the steps before it are
    fitted once on the training part): ``budget`` passes of ``partial_fit``
    over the training part; a promoted candidate resumes from its paused
    model. ``max_resource`` is required (how many epochs the full budget
    is); the minimum defaults to 1.

A bad resource (an unknown parameter, a parameter that is not an integer,
``min_resource > max_resource``, an estimator without ``partial_fit`` for
``"epochs"``) is a ``ValueError`` naming it before any model is fitted.

Paused models and their memory
------------------------------
Continuation needs the fitted models of candidates that may still be
promoted. The objective keeps at most ``max_paused`` candidates (default
32), each with one fitted model per validation split: the memory held is at
most ``max_paused * n_splits`` models (for an MLP of 512x512 hidden units
with Adam, about 6 MB each). When full, the candidate whose score ranks
worst among every score seen at its own budget is dropped, since successive
halving promotes the best of each rung; a model at the full budget is never
kept. A promoted candidate whose model was dropped is fitted again from
scratch: the same score, more compute. ``max_paused=0`` turns continuation
off. :meth:`PausedModels.nbytes` estimates the memory held.

Paused models live in the process that fitted them: continuation is
complete with ``n_jobs=1`` (the default) or threads. With ``n_jobs > 1`` the
Tuner evaluates in worker processes, each with its own copy of the objective
(a pickled objective starts with no paused model): a promoted candidate
continues only if it runs in the worker that paused it, and is fitted from
scratch otherwise; each worker keeps up to ``max_paused`` candidates. The
scores are the same either way (a continued fit equals a fit from scratch
for every continuation used here; ``warm_start=True`` is the user's word for
it), only the compute differs, so the same seed still gives the same trials.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.base import is_classifier
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing

from ._constraints import Interval, Options, Satisfies, check_options
from ._paused import PausedModels
from ._rows import fit_params_for, nested_order, num_samples, subset
from .strategies import Strategy, strategy_class

__all__ = [
    "Resource", "Samples", "EstimatorParam", "Epochs", "PausedModels", "make_resource",
    "resolve_resource", "strategy_takes_budgets", "strategy_needs_budgets", "nested_order", "subset",
    "fit_params_for",
]


def _whole(value: Any) -> bool:
    """A real number (not a bool) with an integer value of at least 1 (``10.0``)."""
    return (isinstance(value, numbers.Real) and not isinstance(value, bool) and float(value).is_integer()
            and value >= 1)


_AMOUNT = [Interval(int, 1), Satisfies(_whole, "a positive whole number (10.0)"), None]
#: The options of the resources, checked with :func:`hpo._constraints.check_options`.
_constraints = {
    "min_resource": _AMOUNT,
    "max_resource": _AMOUNT,
    "param": [Satisfies(lambda v: isinstance(v, str) and bool(v), "a parameter name")],
    "warm_start": [Options({"auto", True, False})],
    "max_paused": [Interval(int, 0)],
}


def _check_count(value: Any, name: str) -> int | None:
    """``min_resource`` or ``max_resource`` checked, as an int (None stays None)."""
    check_options(_constraints, **{name: value})
    return None if value is None else int(value)


# ============================================================================ resources
class Resource:
    """What a budget means to :class:`~hpo.evaluation.EstimatorObjective`: a base class.

    Subclasses validate themselves against the estimator (:meth:`validate`),
    resolve the budget range (:meth:`limits`), and fit one model at an
    amount of the resource (:meth:`fit`), possibly continuing a paused one.

    Attributes
    ----------
    name : str
        The resource as ``cv_results_`` and error messages name it.
    continues : bool
        Whether a promoted candidate may continue from its paused model.
    max_paused : int
        How many paused candidates the objective keeps (continuing resources).
    """

    name: str = ""
    continues: bool = False
    max_paused: int = 0

    def continues_exactly(self, estimator: Any, n_train: int) -> bool:
        """Whether a paused model of ``estimator`` (as configured for one candidate) continues exactly on
        promotion; True unless the resource says otherwise (an estimator that stops early on its own)."""
        return True

    def validate(self, estimator: Any, space: Any) -> None:
        """Raise ``ValueError`` naming the problem if this resource cannot drive ``estimator``."""

    def default_limits(self, estimator: Any, X: Any, y: Any, splits: list,
                       classifier: bool) -> tuple[int | None, int | None]:
        """The default ``(min_resource, max_resource)`` (None: must be given)."""
        return 1, None

    def limits(self, estimator: Any, X: Any, y: Any, splits: list, classifier: bool,
               min_resource: Any = None, max_resource: Any = None) -> tuple[int, int]:
        """The ``(min, max)`` amounts: checked integers with ``1 <= min <= max``."""
        low = _check_count(min_resource, "min_resource")
        high = _check_count(max_resource, "max_resource")
        d_low, d_high = self.default_limits(estimator, X, y, splits, classifier)
        if high is None:
            if d_high is None:
                raise ValueError(f"resource={self.name!r} needs max_resource (the amount of the full budget)")
            high = d_high
        if low is None:
            low = min(d_low if d_low is not None else 1, high)
        if low > high:
            raise ValueError(f"min_resource={low} is larger than max_resource={high} (resource={self.name!r})")
        return int(low), int(high)

    def setup(self, X: Any, y: Any, splits: list, classifier: bool, random_state: Any) -> Any:
        """Per-search data the fits need (picklable); None by default."""
        return None

    def train_rows(self, rows: np.ndarray, amount: int, setup: Any, split: int) -> np.ndarray:
        """The rows of the training part ``rows`` that a fit with ``amount`` of the resource uses (all by default).

        The columns of a precomputed kernel that the validation part is scored with.
        """
        return rows

    def fit(self, estimator: Any, X: Any, y: Any, rows: np.ndarray, amount: int, fit_params: Mapping,
            n_samples: int, setup: Any, split: int, state: Any = None, done: int = 0) -> tuple[Any, int]:
        """Fit ``estimator`` (configured, unfitted) on ``rows`` with ``amount`` of the resource.

        ``state`` is the candidate's paused model at ``done < amount`` (or
        None); returns the fitted model and the resource units spent.
        """
        raise NotImplementedError

    def params(self, amount: int) -> dict:
        """The estimator parameters a fit with ``amount`` of the resource sets (none by default): a
        candidate's parameters with these reproduce the model it was scored with."""
        return {}

    def refit(self, estimator: Any, X: Any, y: Any, amount: int, fit_params: Mapping) -> Any:
        """Fit ``estimator`` on all of ``X`` with ``amount`` of the resource (the final refit)."""
        n = num_samples(X)
        rows = np.arange(n)
        setup = self.setup(X, y, [(rows, rows)], is_classifier(estimator), 0)
        est, _ = self.fit(estimator, X, y, rows, amount, fit_params, n, setup, 0)
        return est

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


def _fit(est: Any, X: Any, y: Any, fit_params: Mapping) -> Any:
    """``est`` fitted (itself, whatever its ``fit`` returns: some return None)."""
    if y is None:
        est.fit(X, **fit_params)
    else:
        est.fit(X, y, **fit_params)
    return est


class Samples(Resource):
    """The budget is a number of training rows (``resource="n_samples"``).

    A stratified (for classifiers with a 1-d target), seeded subsample of
    each training part, nested across budgets; the validation part is
    never subsampled. Fitted from scratch at every budget.
    """

    name = "n_samples"

    def default_limits(self, estimator: Any, X: Any, y: Any, splits: list,
                       classifier: bool) -> tuple[int | None, int | None]:
        n_train = min(len(train) for train, _ in splits)
        smallest = 2 * len(splits)
        if classifier and y is not None:
            smallest *= len(np.unique(np.asarray(y)))  # scikit-learn's "smallest"
        return min(smallest, n_train), n_train

    def limits(self, estimator: Any, X: Any, y: Any, splits: list, classifier: bool,
               min_resource: Any = None, max_resource: Any = None) -> tuple[int, int]:
        low, high = super().limits(estimator, X, y, splits, classifier, min_resource, max_resource)
        n_train = min(len(train) for train, _ in splits)
        if high > n_train:
            raise ValueError(
                f"max_resource={high} rows is more than the {n_train} training rows of the smallest "
                "training part (resource='n_samples')"
            )
        return low, high

    def setup(self, X: Any, y: Any, splits: list, classifier: bool, random_state: Any) -> Any:
        rng = np.random.default_rng(random_state)
        orders = []
        for train, _ in splits:
            y_train = None if y is None else np.asarray(_safe_indexing(y, train))
            stratify = classifier and y_train is not None and y_train.ndim == 1
            orders.append(np.asarray(train)[nested_order(np.zeros(len(train)) if y_train is None else y_train,
                                                         rng, stratify)])
        return orders

    def train_rows(self, rows: np.ndarray, amount: int, setup: Any, split: int) -> np.ndarray:
        return np.sort(setup[split][:amount])

    def fit(self, estimator: Any, X: Any, y: Any, rows: np.ndarray, amount: int, fit_params: Mapping,
            n_samples: int, setup: Any, split: int, state: Any = None, done: int = 0) -> tuple[Any, int]:
        chosen = self.train_rows(rows, amount, setup, split)
        X_sub, y_sub = subset(estimator, X, y, chosen)
        return _fit(estimator, X_sub, y_sub, fit_params_for(fit_params, chosen, n_samples)), int(amount)

    def refit(self, estimator: Any, X: Any, y: Any, amount: int, fit_params: Mapping) -> Any:
        return _fit(estimator, X, y, fit_params)  # every row, as scikit-learn's halving searches refit


def _owner(estimator: Any, name: str) -> tuple[Any, str, str]:
    """The object that owns parameter ``name`` (a step for ``step__param``), its own name, and the prefix."""
    if "__" not in name:
        return estimator, name, ""
    prefix, _, own = name.rpartition("__")
    return estimator.get_params(deep=True)[prefix], own, prefix + "__"


def _integer_param(owner: Any, param: str, value: Any) -> bool | None:
    """Whether the parameter takes integers: from scikit-learn's constraints, else its value (None: unknown)."""
    constraints = getattr(type(owner), "_parameter_constraints", {}).get(param)
    if isinstance(constraints, str):  # "no_validation": the class says nothing about the type
        constraints = None
    if constraints:
        for c in constraints:
            kind = getattr(c, "type", c)
            if kind in (int, numbers.Integral) or kind == "int":
                return True
        return False
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Integral):
        return True
    return None


def _exact_warm_start(owner: Any, param: str) -> bool:
    """Whether refitting ``owner`` with ``warm_start=True`` and a larger ``param`` adds exactly the missing stages."""
    from sklearn.ensemble import BaseEnsemble, HistGradientBoostingClassifier, HistGradientBoostingRegressor

    if "warm_start" not in owner.get_params(deep=False):
        return False
    if param == "n_estimators" and isinstance(owner, BaseEnsemble):
        return True  # forests, extra trees, gradient boosting, bagging, isolation forest
    return param == "max_iter" and isinstance(owner, (HistGradientBoostingClassifier, HistGradientBoostingRegressor))


def _space_params(space: Any) -> set:
    names = set(space.names)
    if getattr(space, "mapping", None) is not None:
        for config in space.sample(16, seed=0):
            names.update(space.to_params(config))
    return names


class EstimatorParam(Resource):
    """The budget is an integer parameter of the estimator (``resource="max_iter"``...).

    Parameters
    ----------
    param : str
        The parameter (``"step__param"`` inside a Pipeline).
    warm_start : {"auto", True, False}, default "auto"
        Continue a promoted candidate from its paused model with
        ``warm_start``: "auto" where that continues exactly (``n_estimators``
        of scikit-learn's ensembles, ``max_iter`` of histogram gradient
        boosting); True wherever the estimator has ``warm_start``; False never.
    max_paused : int, default 32
        Paused candidates kept for continuation (see the module notes).
    """

    def __init__(self, param: str, warm_start: bool | str = "auto", max_paused: int = 32) -> None:
        check_options(_constraints, param=param, warm_start=warm_start, max_paused=max_paused)
        self.name = param
        self.warm_start = warm_start
        self.max_paused = int(max_paused)
        self.continues = False
        self._ws_param = ""

    def validate(self, estimator: Any, space: Any) -> None:
        valid = estimator.get_params(deep=True)
        if self.name not in valid:
            raise ValueError(
                f"resource {self.name!r} is neither 'n_samples', 'epochs' nor a parameter of "
                f"{type(estimator).__name__}; its parameters: {sorted(valid)}"
            )
        owner, param, prefix = _owner(estimator, self.name)
        integer = _integer_param(owner, param, valid[self.name])
        if integer is False:
            raise ValueError(
                f"resource {self.name!r} is not an integer parameter of {type(owner).__name__} "
                f"(its value: {valid[self.name]!r}); a budget must count something: iterations, estimators"
            )
        if space is not None and self.name in _space_params(space):
            raise ValueError(f"resource {self.name!r} is also a parameter of the search space; it cannot be both")
        if self.warm_start is True and "warm_start" not in owner.get_params(deep=False):
            raise ValueError(f"warm_start=True, but {type(owner).__name__} has no warm_start parameter")
        exact = self.warm_start is True or (self.warm_start == "auto" and _exact_warm_start(owner, param))
        self.continues = bool(exact) and self.max_paused > 0
        self._ws_param = prefix + "warm_start"

    def continues_exactly(self, estimator: Any, n_train: int) -> bool:
        """False when the configured estimator stops early on a validation split of its own (HistGradientBoosting's
        ``early_stopping``, "auto" above 10,000 rows; GradientBoosting's ``n_iter_no_change``): warm-started, it
        would stop elsewhere than a fresh fit, so a promotion refits from scratch."""
        owner = _owner(estimator, self.name)[0]
        params = owner.get_params(deep=False)
        early = params.get("early_stopping")
        if early is True or (early == "auto" and n_train > 10_000):
            return False
        return not (early is None and "validation_fraction" in params and params.get("n_iter_no_change") is not None)

    def default_limits(self, estimator: Any, X: Any, y: Any, splits: list,
                       classifier: bool) -> tuple[int | None, int | None]:
        value = estimator.get_params(deep=True)[self.name]
        if isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1:
            return 1, int(value)
        return 1, None

    def fit(self, estimator: Any, X: Any, y: Any, rows: np.ndarray, amount: int, fit_params: Mapping,
            n_samples: int, setup: Any, split: int, state: Any = None, done: int = 0) -> tuple[Any, int]:
        X_train, y_train = subset(state if state is not None else estimator, X, y, rows)
        params = fit_params_for(fit_params, rows, n_samples)
        if state is not None and done > 0:
            if done == amount:
                return state, 0
            state.set_params(**{self.name: int(amount), self._ws_param: True})
            return _fit(state, X_train, y_train, params), int(amount - done)
        estimator.set_params(**{self.name: int(amount)})
        return _fit(estimator, X_train, y_train, params), int(amount)

    def params(self, amount: int) -> dict:
        return {self.name: int(amount)}

    def refit(self, estimator: Any, X: Any, y: Any, amount: int, fit_params: Mapping) -> Any:
        return _fit(estimator.set_params(**self.params(amount)), X, y, fit_params)

    def __repr__(self) -> str:
        return f"EstimatorParam({self.name!r}, warm_start={self.warm_start!r}, max_paused={self.max_paused})"


class Epochs(Resource):
    """The budget is a number of passes of ``partial_fit`` over the training part (``resource="epochs"``).

    The estimator, or the last step of a Pipeline, must have ``partial_fit``
    (the steps before it are fitted once, on the training part). Classifiers
    get every class label of the data on their first ``partial_fit``.

    Parameters
    ----------
    max_paused : int, default 32
        Paused candidates kept for continuation (see the module notes);
        0 fits every budget from scratch.
    """

    name = "epochs"

    def __init__(self, max_paused: int = 32) -> None:
        check_options(_constraints, max_paused=max_paused)
        self.max_paused = int(max_paused)
        self.continues = self.max_paused > 0

    def validate(self, estimator: Any, space: Any) -> None:
        final = estimator.steps[-1][1] if isinstance(estimator, Pipeline) else estimator
        if not hasattr(final, "partial_fit"):
            raise ValueError(
                f"resource='epochs' needs an estimator with partial_fit; {type(final).__name__} has none "
                "(use an integer parameter such as 'max_iter', or 'n_samples')"
            )

    def setup(self, X: Any, y: Any, splits: list, classifier: bool, random_state: Any) -> Any:
        if classifier and y is not None:
            return np.unique(np.asarray(y))
        return None

    def fit(self, estimator: Any, X: Any, y: Any, rows: np.ndarray, amount: int, fit_params: Mapping,
            n_samples: int, setup: Any, split: int, state: Any = None, done: int = 0) -> tuple[Any, int]:
        X_train, y_train = subset(state if state is not None else estimator, X, y, rows)
        params = dict(fit_params_for(fit_params, rows, n_samples))
        if state is not None and done > 0:
            est = state
        else:
            est, done = estimator, 0
            if isinstance(est, Pipeline) and len(est.steps) > 1:
                _fit(est[:-1], X_train, y_train, {})  # the steps before the learner, once
        if isinstance(est, Pipeline):
            final = est.steps[-1][1]
            Xt = est[:-1].transform(X_train) if len(est.steps) > 1 else X_train
        else:
            final, Xt = est, X_train
        if setup is not None and is_classifier(final):
            params["classes"] = setup
        for _ in range(int(amount) - int(done)):
            if y_train is None:
                final.partial_fit(Xt, **params)
            else:
                final.partial_fit(Xt, y_train, **params)
        return est, int(amount) - int(done)

    def refit(self, estimator: Any, X: Any, y: Any, amount: int, fit_params: Mapping) -> Any:
        n = num_samples(X)
        rows = np.arange(n)
        classes = self.setup(X, y, [(rows, rows)], is_classifier(estimator), None)
        est, _ = self.fit(estimator, X, y, rows, amount, fit_params, n, classes, 0)
        return est

    def __repr__(self) -> str:
        return f"Epochs(max_paused={self.max_paused})"


def make_resource(resource: str | Resource) -> Resource:
    """A :class:`Resource` from ``"n_samples"``, ``"epochs"``, a parameter name, or a Resource (used as is)."""
    if isinstance(resource, Resource):
        return resource
    if not isinstance(resource, str) or not resource:
        raise TypeError(f"resource must be 'n_samples', 'epochs', an estimator parameter or a Resource, got {resource!r}")
    if resource == "n_samples":
        return Samples()
    if resource == "epochs":
        return Epochs()
    return EstimatorParam(resource)


# ============================================================================ for the Tuner
def _strategy_class(strategy: Any) -> type | None:
    """The strategy class of a name, class or instance (None: not a strategy hpo knows)."""
    try:
        return strategy_class(strategy)
    except ValueError:
        return None


def strategy_takes_budgets(strategy: Any) -> bool:
    """Whether a strategy (name, class or instance) takes ``min_budget`` and ``max_budget`` options.

    Read from what the class declares: :attr:`hpo.strategies.Strategy.takes_budget`.
    """
    cls = _strategy_class(strategy)
    return cls is not None and bool(cls.takes_budget)


def strategy_needs_budgets(strategy: Any) -> bool:
    """Whether a strategy gives budgets by default: it takes budgets and its ``max_budget`` default is not None
    (``"halving"``, ``"hyperband"``, ``"asha"``; not a strategy whose budgets are an option)."""
    import inspect

    if not strategy_takes_budgets(strategy):
        return False
    param = inspect.signature(_strategy_class(strategy).__init__).parameters.get("max_budget")
    return param is not None and param.default is not None


def resolve_resource(
    estimator: Any, space: Any, strategy: Any, strategy_options: Mapping | None, resource: Any,
    min_resource: Any, max_resource: Any, X: Any, y: Any, splits: list, classifier: bool,
) -> tuple[Resource | None, int | None, int | None, dict | None]:
    """The Tuner's resource, its range and the strategy options, checked before any fit.

    A strategy that takes budgets (``min_budget``/``max_budget`` options)
    gets the resource's range as its budget range. The resource defaults to
    ``"n_samples"``, as in scikit-learn's halving searches, for a strategy
    that gives budgets by default (:func:`strategy_needs_budgets`), and to
    none otherwise. A strategy that gives no budget runs every candidate at
    ``max_resource``.

    Returns
    -------
    resource, min_resource, max_resource, strategy_options
        ``(None, None, None, options)`` when no resource is in play.
    """
    options = dict(strategy_options or {})
    budgets = strategy_takes_budgets(strategy)
    if resource is None:
        if not strategy_needs_budgets(strategy):
            for name, value in (("min_resource", min_resource), ("max_resource", max_resource)):
                if value is not None:
                    raise ValueError(f"{name} is given, but no resource: set resource= as well")
            return None, None, None, strategy_options
        resource = "n_samples"
    res = copy.copy(make_resource(resource))  # validate() binds it to this estimator: a private copy
    res.validate(estimator, space)
    low, high = res.limits(estimator, X, y, splits, classifier, min_resource, max_resource)
    if budgets and isinstance(strategy, Strategy):  # an instance carries its own budget range
        for key, value in (("min_budget", low), ("max_budget", high)):
            if getattr(strategy, key, value) != value:
                raise ValueError(
                    f"the strategy instance has {key}={getattr(strategy, key)!r}, but the resource range "
                    f"is [{low}, {high}]: build it with the same range, or pass the strategy by name"
                )
    elif budgets:
        for key, value in (("min_budget", low), ("max_budget", high)):
            if key in options and options[key] != value:
                raise ValueError(
                    f"strategy_options[{key!r}]={options[key]!r} disagrees with the resource range "
                    f"[{low}, {high}]: set min_resource and max_resource instead"
                )
            options[key] = value
    return res, low, high, options
