"""Scoring an estimator configuration on held-out validation data (holdout or CV).

The validation part is carved out of the data given to ``fit``; no test set
ever reaches a search. Splits are made once per search, so every candidate
is scored on the same rows.
"""

from __future__ import annotations

import inspect
import numbers
import time
import warnings
from collections.abc import Mapping
from typing import Any, Callable

import numpy as np
from sklearn import config_context, get_config
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring, get_scorer
from sklearn.model_selection import (
    GroupKFold,
    GroupShuffleSplit,
    ShuffleSplit,
    StratifiedShuffleSplit,
    check_cv,
)
from sklearn.utils import _safe_indexing
from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping, process_routing

from ._callbacks import NO_TASK, NO_TRIAL
from ._constraints import Interval, check_options
from ._paused import PausedModels
from ._rows import fit_params_for, num_samples, subset
from ._scalars import unwrap_scalar
from .resources import Resource
from .spaces import Space
from .strategies.base import config_key

__all__ = [
    "make_splits", "make_scorers", "EstimatorObjective", "configured", "accepts_sample_weight", "ScorerRouter",
    "routing_splitter", "routing_enabled", "primary_metric", "warn_small_validation",
]


#: What ``validation`` accepts as a number (an object with ``split``, or pairs, is a splitter).
_constraints = {"validation": [Interval(float, 0, 1, closed="neither"), Interval(int, 2)]}


def make_splits(
    validation: Any,
    X: Any,
    y: Any = None,
    groups: Any = None,
    *,
    classifier: bool = False,
    random_state: int | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (train, validation) index pairs every candidate is scored on.

    Parameters
    ----------
    validation : float, int or splitter
        A float in (0, 1): one holdout of that fraction (stratified for
        classifiers, group-aware with ``groups``). An int >= 2: that many
        folds (stratified for classifiers, ``GroupKFold`` with ``groups``).
        Any scikit-learn splitter (an object with ``split``) or iterable of
        (train, validation) pairs: used as given.

    Raises
    ------
    ValueError
        For an ``X`` without rows, a splitter that gives no split, a split
        without training or validation rows, or a splitter whose
        ``get_n_splits`` disagrees with what its ``split`` gave (as
        scikit-learn's searches check).
    """
    n_samples = num_samples(X)
    if n_samples == 0:
        shape = f" (shape={X.shape})" if hasattr(X, "shape") else ""
        raise ValueError(
            f"Found array with 0 sample(s){shape} while a minimum of 2 is required: X is empty (n_samples=0), "
            "so there is nothing to train and validate candidates on"
        )
    if isinstance(validation, numbers.Real) and not isinstance(validation, bool):
        check_options(_constraints, validation=validation)
    if isinstance(validation, numbers.Real) and not isinstance(validation, numbers.Integral):
        if groups is not None:
            splitter: Any = GroupShuffleSplit(n_splits=1, test_size=validation, random_state=random_state)
        elif classifier and y is not None and _can_stratify(y, validation):
            splitter = StratifiedShuffleSplit(n_splits=1, test_size=validation, random_state=random_state)
        else:
            splitter = ShuffleSplit(n_splits=1, test_size=validation, random_state=random_state)
    elif isinstance(validation, numbers.Integral) and not isinstance(validation, bool):
        if groups is not None:
            splitter = GroupKFold(n_splits=int(validation))
        else:
            splitter = check_cv(int(validation), y, classifier=classifier)
    elif not isinstance(validation, str) and (hasattr(validation, "split") or hasattr(validation, "__iter__")):
        splitter = check_cv(validation, y, classifier=classifier)
    else:
        raise TypeError(
            "validation must be a fraction in (0, 1), a number of folds, or a scikit-learn "
            f"splitter; got {validation!r}"
        )
    splits = [(np.asarray(tr), np.asarray(va)) for tr, va in splitter.split(X, y, groups)]
    if not splits:
        raise ValueError(f"the validation splitter {splitter!r} gave no split")
    if hasattr(splitter, "get_n_splits"):
        n_splits = splitter.get_n_splits(X, y, groups=groups)
        if n_splits != len(splits):
            raise ValueError(
                f"cv.split and cv.get_n_splits return inconsistent results. Expected {n_splits} splits, got "
                f"{len(splits)} (validation={validation!r}: its get_n_splits() says {n_splits}, its split() "
                f"gave {len(splits)})"
            )
    for train, val in splits:
        if len(train) == 0 or len(val) == 0:
            raise ValueError(
                f"a validation split left no training or no validation rows (n_samples={num_samples(X)}, "
                f"validation={validation!r})"
            )
    return splits


def warn_small_validation(splits: list, y: Any, classifier: bool) -> None:
    """Warn when a single holdout has too few rows to rank candidates (fewer than 100, or 10 of a class)."""
    if len(splits) != 1:
        return
    val = splits[0][1]
    few = [f"{len(val)} rows"] if len(val) < 100 else []
    if classifier and y is not None:
        y_val = np.asarray(_safe_indexing(y, val))
        if y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = y_val.ravel()
        if y_val.ndim == 1 and len(y_val):
            labels, counts = np.unique(y_val, return_counts=True)
            if counts.min() < 10:
                label = labels[np.argmin(counts)]
                few.append(f"{counts.min()} of class {label.item() if isinstance(label, np.generic) else label!r}")
    if few:
        warnings.warn(
            f"the validation holdout has only {' and '.join(few)}: too few to rank candidates reliably "
            "(fewer than 100 rows, or 10 of a class); a lucky split can make a poor candidate the best. "
            "Use cross-validation folds instead: validation=5",
            UserWarning, stacklevel=3,
        )


def _can_stratify(y: Any, fraction: float) -> bool:
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:  # a column vector holds the same classes as its ravel
        y = y.ravel()
    if y.ndim != 1:
        return False
    _, counts = np.unique(y, return_counts=True)
    n = len(y)
    n_val = int(np.ceil(fraction * n))
    if counts.min() < 2 or n_val < len(counts) or n - n_val < len(counts):
        warnings.warn(
            "the holdout split cannot be stratified (a class has fewer than 2 members, or there are "
            "more classes than rows on one side); using a plain shuffled split",
            UserWarning,
            stacklevel=4,
        )
        return False
    return True


def make_scorers(estimator: Any, scoring: Any) -> tuple[dict[str, Callable], bool]:
    """Scorers by name, and whether there are several (multi-metric).

    A single metric is named ``"score"``, as in scikit-learn's ``cv_results_``.
    """
    if scoring is None or isinstance(scoring, str) or callable(scoring):
        return {"score": check_scoring(estimator, scoring=scoring)}, False
    if isinstance(scoring, (list, tuple, set, frozenset)):
        names = list(scoring)
        if not names or not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
            raise ValueError(f"scoring as a list must hold distinct scorer names, got {scoring!r}")
        return {n: get_scorer(n) for n in names}, True
    if isinstance(scoring, Mapping):
        if not scoring:
            raise ValueError("scoring as a dict must not be empty")
        return {str(k): check_scoring(estimator, scoring=v) for k, v in scoring.items()}, True
    raise TypeError(f"scoring must be None, a name, a callable, a list or a dict; got {scoring!r}")


def primary_metric(scoring: Any, refit: Any, scorers: Mapping[str, Callable], multimetric: bool) -> str | None:
    """The metric a search with ``scoring`` and ``refit`` optimizes and chooses the best by.

    As :class:`~hpo.Tuner` reads its ``scoring`` and ``refit`` (and
    :func:`hpo.analysis.seed_robustness` re-scores a Tuner's configurations
    with it): one metric is ``"score"`` (a ``refit`` that names another is
    warned about, as scikit-learn takes any); with several, the one
    ``refit`` names (``refit=True`` is an error), else the first. ``None``:
    the first metric a callable scorer returns (a callable may give
    several, known only from its first result).

    Parameters
    ----------
    scoring, refit
        The search's ``scoring`` and ``refit``.
    scorers, multimetric
        What :func:`make_scorers` made of ``scoring``.

    Raises
    ------
    ValueError
        With several scorers, for ``refit=True`` or a name that is none of them.
    """
    if not multimetric:
        if callable(scoring):  # its metrics are known from its first result, as in scikit-learn
            return refit if isinstance(refit, str) else "score" if refit is True else None
        if isinstance(refit, str) and refit != scoring:  # scikit-learn takes any refit
            what = f"scoring={scoring!r}" if scoring is not None else "the estimator's score"
            warnings.warn(
                f"refit={refit!r} names a metric, but the search has one metric, {what}: the best is "
                "chosen by it (as scikit-learn's searches do with a single metric and any refit)",
                UserWarning, stacklevel=3,
            )
        return "score"
    if refit is True:
        raise ValueError(
            "with several scorers, refit must name the one that chooses the best "
            f"(one of {list(scorers)}), or be False"
        )
    if isinstance(refit, str):
        if refit not in scorers:
            raise ValueError(f"refit={refit!r} is not one of the scorers {list(scorers)}")
        return refit
    return next(iter(scorers))


def accepts_sample_weight(scorer: Callable) -> bool:
    """Whether a scorer takes ``sample_weight``: scikit-learn (metadata routing off) then passes it one."""
    accept = getattr(scorer, "_accept_sample_weight", None)
    if callable(accept):
        try:
            return bool(accept())
        except Exception:
            return False
    try:
        return "sample_weight" in inspect.signature(scorer).parameters
    except (TypeError, ValueError):
        return False


def routing_enabled() -> bool:
    """Whether scikit-learn's metadata routing is on (``sklearn.set_config(enable_metadata_routing=True)``)."""
    return bool(get_config().get("enable_metadata_routing", False))


class ScorerRouter:
    """The scorers of a search as one metadata router, as scikit-learn's multi-metric scorer routes.

    Each scorer is a child under its name (``score`` to ``score``), so that
    metadata requested by a scorer (``scorer.set_score_request(...)``)
    reaches it under the scorer's own parameter names.
    """

    def __init__(self, scorers: Mapping[str, Callable]) -> None:
        self.scorers = dict(scorers)

    def get_metadata_routing(self) -> MetadataRouter:
        router = MetadataRouter(owner=self)
        for name, scorer in self.scorers.items():
            router.add(**{name: scorer}, method_mapping=MethodMapping().add(caller="score", callee="score"))
        return router

    def route(self, params: Mapping[str, Any]) -> dict[str, dict]:
        """The parameters of each scorer's call, by scorer name (routing must be on when ``params`` are given)."""
        if not params:
            return {name: {} for name in self.scorers}
        routed = process_routing(self, "score", **params)
        return {name: dict(routed[name].score) for name in self.scorers}

    def __repr__(self) -> str:
        return f"ScorerRouter({list(self.scorers)})"


def routing_splitter(validation: Any) -> Any:
    """What a search's ``validation`` is to metadata routing: a splitter as given; for a fraction or a
    number of folds, a splitter that requests ``groups`` (hpo makes those group-aware when given groups)."""
    if isinstance(validation, numbers.Real):
        return GroupKFold()
    return validation


def configured(estimator: Any, params: Mapping[str, Any]) -> Any:
    """A clone of ``estimator`` with ``params`` set.

    The values are cloned too (``clone(params, safe=False)``, as scikit-learn's
    searches do): an estimator among a Space's choices, a Pipeline step, is
    never fitted in place nor shared between candidates or with the best
    estimator.
    """
    return clone(estimator).set_params(**clone(dict(params), safe=False))


class EstimatorObjective:
    """``objective(config, budget=None) -> dict``: fit on each training part, score on its validation part.

    The value (to maximize) is the mean validation score of the primary
    metric, as the user's scorer gives it. Per-split scores and times come
    back as metrics named as in scikit-learn's ``cv_results_``
    (``split0_test_score``, ``fit_time``...). A fit or score that raises
    leaves the times spent until then on the exception (``hpo_metrics``,
    recorded on the failed trial), and where it arose: ``failed_in`` is
    ``"fit"`` or ``"score"`` (a scorer raised on a fitted model, which
    scikit-learn reports as "Scoring failed", not as a failed fit). Picklable, so that worker processes can
    run it.

    Parameter values are cloned for every fit (:func:`configured`). With a
    pairwise estimator (a precomputed kernel or distance matrix) both axes of
    ``X`` are split, as in scikit-learn. A ``sample_weight`` fit parameter
    also weights the validation scores of the scorers that take one, as in
    scikit-learn's searches. A scorer (the only one) that returns a dict
    gives several metrics; ``primary`` names the one whose mean is the value
    (None: the first).

    With a ``resource`` (:mod:`hpo.resources`), ``budget`` is the amount of
    it to train with (None: ``max_resource``), and the metrics also hold
    ``n_resources`` (the amount), ``resource_units`` (the units trained by
    this evaluation, summed over the splits: less than ``n_resources`` per
    split when a paused model continued) and ``resumed_from`` (the amount
    it continued from, 0 for a fit from scratch). Paused models live in
    :attr:`paused` (bounded; see :mod:`hpo.resources`); a pickled copy
    starts with none.

    :attr:`tasks` (None, or set by the Tuner when scikit-learn callbacks
    watch the fit: :mod:`hpo._callbacks`) begins and ends a callback task
    for each split of a trial and for the refit.
    """

    def __init__(
        self,
        estimator: Any,
        space: Space,
        X: Any,
        y: Any,
        splits: list[tuple[np.ndarray, np.ndarray]],
        scorers: dict[str, Callable],
        primary: str | None,
        fit_params: Mapping[str, Any] | None = None,
        return_train_score: bool = False,
        *,
        resource: Resource | None = None,
        min_resource: int | None = None,
        max_resource: int | None = None,
        random_state: Any = None,
        score_params: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.estimator = estimator
        self.space = space
        self.X = X
        self.y = y
        self.splits = splits
        self.scorers = scorers
        self.primary = primary
        self.fit_params = dict(fit_params or {})
        self.return_train_score = return_train_score
        if score_params is None:  # no metadata routing: sample_weight to the scorers that take one
            weights = self.fit_params.get("sample_weight")
            score_params = {name: {"sample_weight": weights} if weights is not None and accepts_sample_weight(scorer)
                            else {} for name, scorer in scorers.items()}
        self.score_params = {name: dict(score_params.get(name, {})) for name in scorers}
        self._sklearn_config = get_config()
        self.resource = resource
        self.min_resource = min_resource
        self.max_resource = max_resource
        self._setup = None
        if resource is not None:
            if min_resource is None or max_resource is None:
                raise ValueError("a resource needs min_resource and max_resource (see hpo.resources.resolve_resource)")
            self._setup = resource.setup(X, y, splits, is_classifier(estimator), random_state)
        #: Paused models of candidates that may be promoted (continuing resources only).
        self.paused = PausedModels(resource.max_paused if resource is not None and resource.continues else 0)
        #: The last exception raised by a fit or a score in this process (for ``error_score="raise"``).
        self.last_error: BaseException | None = None
        #: scikit-learn callbacks' tasks of the search (:class:`hpo._callbacks.TunerTasks`), or None.
        self.tasks: Any = None

    def __call__(self, config: dict, budget: Any = None) -> dict:
        try:
            with config_context(**self._sklearn_config):
                return self._evaluate(config, budget)
        except Exception as exc:
            self.last_error = exc
            raise

    def amount(self, budget: Any) -> int | None:
        """The amount of resource for ``budget`` (rounded to an int; None: ``max_resource``)."""
        if self.resource is None:
            if budget is not None:
                raise ValueError(
                    f"the candidate has a budget ({budget!r}) but the search has no resource: "
                    "give the Tuner resource='n_samples', 'epochs' or an integer estimator parameter"
                )
            return None
        if budget is None:
            return int(self.max_resource)
        if isinstance(budget, bool) or not isinstance(budget, numbers.Real) or not np.isfinite(budget):
            raise TypeError(f"a budget must be a number or None, got {budget!r}")
        amount = int(round(float(budget)))
        if not self.min_resource <= amount <= self.max_resource:
            raise ValueError(
                f"budget {budget!r} is outside the resource range [{self.min_resource}, {self.max_resource}] "
                f"({self.resource.name})"
            )
        return amount

    def _evaluate(self, config: dict, budget: Any = None) -> dict:
        params = self.space.to_params(config)
        amount = self.amount(budget)
        n = num_samples(self.X)
        metrics: dict[str, Any] = {}
        fit_times: list[float] = []
        score_times: list[float] = []
        tests: dict[str, list[float]] = {}
        key = config_key(config)
        keep = self.paused.max_paused > 0 and self.resource.continues_exactly(  # type: ignore[union-attr]
            configured(self.estimator, params), len(self.splits[0][0]))
        paused = self.paused.take(key, amount) if keep else None
        done, states = paused if paused is not None else (0, None)
        models, spent = [], 0
        timing, start = None, 0.0  # the list of times being measured, and since when
        stage = "fit"  # where an error arises: fitting, or scoring a fitted model
        tasks = self.tasks.trial() if self.tasks is not None else NO_TRIAL  # callbacks' task per split
        try:
            for k, (train, val) in enumerate(self.splits):
                timing, start, stage = fit_times, time.perf_counter(), "fit"
                if self.resource is None:
                    est = configured(self.estimator, params)
                    X_train, y_train = subset(est, self.X, self.y, train)
                    train_params = fit_params_for(self.fit_params, train, n)
                    with tasks.fitting(k, est, (X_train, y_train, train_params)):
                        if y_train is None:
                            est.fit(X_train, **train_params)
                        else:
                            est.fit(X_train, y_train, **train_params)
                    rows = train
                else:
                    fresh = None if states is not None else configured(self.estimator, params)
                    rows = self.resource.train_rows(train, amount, self._setup, k)
                    target = fresh if fresh is not None else states[k]
                    with tasks.fitting(k, target, lambda: (*subset(target, self.X, self.y, rows),
                                                           fit_params_for(self.fit_params, rows, n))):
                        est, units = self.resource.fit(
                            fresh, self.X, self.y, train, amount, self.fit_params, n, self._setup, k,
                            state=None if states is None else states[k], done=done,
                        )
                    spent += units
                fit_times.append(time.perf_counter() - start)
                models.append(est)
                timing, start, stage = score_times, time.perf_counter(), "score"
                X_val, y_val = subset(est, self.X, self.y, val, rows)
                for name, score in self._scores(est, X_val, y_val, val, n).items():
                    tests.setdefault(name, []).append(score)
                    metrics[f"split{k}_test_{name}"] = score
                score_times.append(time.perf_counter() - start)
                timing = None
                if self.return_train_score:  # on the rows the model was fitted on
                    X_fit, y_fit = subset(est, self.X, self.y, rows)
                    for name, score in self._scores(est, X_fit, y_fit, rows, n).items():
                        metrics[f"split{k}_train_{name}"] = score
                tasks.end_split()
        except Exception as exc:
            tasks.fail()
            if timing is not None:  # the time spent until the error, as scikit-learn records it
                timing.append(time.perf_counter() - start)
                if timing is fit_times:
                    score_times.append(0.0)
            _attach_metrics(exc, {**_times(fit_times, score_times), "failed_in": stage})
            raise
        metrics.update(_times(fit_times, score_times))
        primary = self._primary(list(tests))
        mean = float(np.mean(tests[primary]))
        if self.return_train_score:  # the mean training score of the primary metric, for the log lines
            metrics["train_value"] = float(np.mean([metrics[f"split{k}_train_{primary}"]
                                                    for k in range(len(self.splits))]))
        if self.resource is not None:
            metrics["n_resources"] = amount
            metrics["resource_units"] = spent
            metrics["resumed_from"] = done
            if self.paused.max_paused > 0:
                self.paused.note(amount, mean)
                if keep and amount < self.max_resource:
                    self.paused.put(key, amount, models, mean)
        return {"value": mean, **metrics}

    def _scores(self, est: Any, X: Any, y: Any, rows: np.ndarray, n: int) -> dict[str, float]:
        """Every metric of ``est`` on ``(X, y)``, the rows ``rows`` of the data (for their sample weights)."""
        out: dict[str, float] = {}
        for name, scorer in self.scorers.items():
            kwargs = fit_params_for(self.score_params[name], rows, n)
            score = scorer(est, X, **kwargs) if y is None else scorer(est, X, y, **kwargs)
            if isinstance(score, Mapping) and len(self.scorers) == 1:  # a callable giving several metrics
                if not score:
                    raise ValueError(f"the scorer {scorer!r} returned an empty dict")
                out.update({str(key): _number(value, scorer) for key, value in score.items()})
            else:
                out[name] = _number(score, scorer)
        return out

    def _primary(self, names: list[str]) -> str:
        """The metric whose mean is the value."""
        if self.primary is None:
            return names[0]
        if self.primary in names:
            return self.primary
        if names == ["score"]:  # one metric: any refit chooses by it, as in scikit-learn
            return "score"
        if self.primary == "score":
            raise ValueError(
                f"the scorer returned several metrics {names}: refit must name the one that chooses the "
                "best (or be a callable, or False)"
            )
        raise ValueError(f"refit={self.primary!r} is not one of the metrics the scorer returned: {names}")

    def refit(self, params: Mapping[str, Any], X: Any, y: Any, fit_params: Mapping[str, Any],
              amount: int | None = None) -> Any:
        """A model with ``params`` fitted on all of ``X`` (with a resource: ``amount`` of it, default ``max_resource``)."""
        est = configured(self.estimator, params)
        task = self.tasks.refit() if self.tasks is not None else NO_TASK
        with task.fitting(est, (X, y, fit_params)):
            if self.resource is not None:
                est = self.resource.refit(est, X, y, self.max_resource if amount is None else amount, fit_params)
            elif y is None:
                est.fit(X, **fit_params)
            else:
                est.fit(X, y, **fit_params)
        task.end()
        return est  # not what fit returned: some estimators return None


def _times(fit_times: list[float], score_times: list[float]) -> dict:
    return {
        "fit_time": float(np.mean(fit_times)) if fit_times else 0.0,
        "score_time": float(np.mean(score_times)) if score_times else 0.0,
        "fit_times": list(fit_times),
        "score_times": list(score_times),
    }


def _attach_metrics(exc: BaseException, metrics: dict) -> None:
    """Leave ``metrics`` on an exception for :func:`hpo.engine.evaluate` to record on the failed trial."""
    try:
        exc.hpo_metrics = metrics  # type: ignore[attr-defined]
    except AttributeError:  # an exception type that takes no attribute: the trial is failed without times
        pass


def _number(score: Any, scorer: Callable) -> float:
    score = unwrap_scalar(score)  # a numpy, 0-d or 1-element array, a tensor: as scikit-learn's _score unwraps it
    if not isinstance(score, numbers.Real):
        raise TypeError(f"scorer {scorer!r} returned {type(score).__name__} {score!r}, not a number")
    return float(score)


def classifier_like(estimator: Any) -> bool:
    """Whether splits should be stratified for this estimator."""
    return is_classifier(estimator)
