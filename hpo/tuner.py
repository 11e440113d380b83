"""``Tuner``: a scikit-learn meta-estimator that searches a Space with any strategy."""

from __future__ import annotations

import functools
import numbers
import os
import re
import time
import types
import warnings
from collections.abc import Mapping
from copy import deepcopy
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.exceptions import FitFailedWarning
from sklearn.utils import _safe_indexing, check_random_state, get_tags, indexable
from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping, process_routing
from sklearn.utils.validation import check_is_fitted

from . import _callbacks
from .engine import AllTrialsFailedError, RepeatedFailureError, SearchLoop, TrialFailedError, run_study
from .evaluation import (
    EstimatorObjective,
    ScorerRouter,
    accepts_sample_weight,
    classifier_like,
    make_scorers,
    make_splits,
    routing_enabled,
    routing_splitter,
)
from .resources import resolve_resource
from .spaces import Space
from .strategies import Strategy, SuccessiveHalving, make_strategy, plan_options
from .trial import FAILED, OK

__all__ = ["Tuner"]


def _estimator_has(attr: str):
    """The check of :func:`_available_if`: the best (or the given) estimator has ``attr``, and ``refit`` is on."""

    def check(self: "Tuner") -> bool:
        if self.refit is False:
            raise AttributeError(
                f"This Tuner instance was initialized with `refit=False`. {attr} is available only after "
                "refitting on the best parameters (refit=True); best_params_ holds them"
            )
        if hasattr(self, "best_estimator_"):
            getattr(self.best_estimator_, attr)
            return True
        getattr(self.estimator, attr)
        return True

    return check


class _AvailableIf:
    """scikit-learn's ``available_if``, whose AttributeError also says why (``refit=False``).

    ``hasattr(tuner, "predict")`` is False when the check fails; the error
    reads "This 'Tuner' has no attribute 'predict': <why>", with the check's
    own error as its cause, as scikit-learn's searches give it.
    """

    def __init__(self, fn: Any, check: Any) -> None:
        self.fn = fn
        self.check = check
        functools.update_wrapper(self, fn)

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self.fn
        try:
            self.check(obj)
        except Exception as exc:
            raise AttributeError(f"This {type(obj).__name__!r} has no attribute {self.fn.__name__!r}: {exc}") from exc
        return types.MethodType(self.fn, obj)


def _available_if(check: Any):
    """Decorate a delegating method: present only while ``check(self)`` passes."""
    return lambda fn: _AvailableIf(fn, check)


class Tuner(_callbacks.CallbackSupportMixin, MetaEstimatorMixin, BaseEstimator):
    """Tune any scikit-learn estimator (or Pipeline) over a :class:`~hpo.Space`.

    Candidates are fitted on the training part of the data given to ``fit``
    and scored on a validation part carved out of it (a holdout fraction or
    cross-validation). There is no way to pass a test set: hold one back
    yourself (``train_test_split``) and score it once, after the search.

    Parameters
    ----------
    estimator : estimator
        Cloned for every fit.
    space : Space or mapping of name to dimension
        Names are the estimator's parameters (``clf__C`` in a Pipeline), or
        mapped to them by the space's ``to_params``.
    strategy : str, Strategy class, default "random"
        A registered strategy name (``hpo.available_strategies()``).
    n_trials : int or None, default 50
        How many configurations to try (trials: a multi-fidelity strategy
        evaluates a configuration once per budget it reaches); ``None`` runs
        a finite strategy (grid, halving) to its end.
    validation : float, int or splitter, default 0.2
        A fraction for one holdout split (stratified for classifiers,
        group-aware with ``groups``), a number of CV folds, or a scikit-learn
        splitter.
    scoring : str, callable, list or dict, optional
        As in scikit-learn; ``None`` uses the estimator's ``score``. A
        callable may return a dict of several metrics. A ``sample_weight``
        given to ``fit`` weights the validation scores of the scorers that
        take one, as in scikit-learn's searches (the others are warned about).
    refit : bool, str or callable, default True
        Refit the best configuration on all of ``X``. With several scorers,
        the name of the one that chooses the best (it is also the one the
        search optimizes; with ``refit=False`` or a callable the first scorer
        is); with one, any value but False refits by it (a name other than
        ``scoring``'s is warned about), as in scikit-learn. A callable ``refit(cv_results_) -> int`` chooses ``best_index_``
        itself, as in scikit-learn (``best_score_`` is then not set).
    n_jobs : int, optional
        Parallel trials (processes); ``None`` is 1.
    random_state : int, RandomState or None
        Seeds the strategy and the validation split.
    error_score : "raise" or float, default nan
        The score recorded for a configuration whose fit fails (the trial is
        failed and the search goes on), or ``"raise"`` to stop at once.
        Failed trials are summed up at the end of ``fit`` in a
        ``FitFailedWarning`` with the most common error.
    fail_fast : int or None, default 5
        When the first ``fail_fast`` trials all fail with one and the same
        error (a typo, a misconfigured estimator), stop the search and raise
        that error; a search of fewer trials that all fail with one error
        raises it too. ``None`` runs every trial whatever fails.
    return_train_score : bool, default False
    verbose : int, default 0
        0 silent; 1 a progress bar with the best score so far; 2 one line per
        trial (number, status, score and the best so far, time, parameters)
        through the ``"hpo"`` logger, visible without any logging setup
        (:mod:`hpo.progress`); 3 adds the traceback of each failed trial.
    strategy_options : dict, optional
        Keyword options of the strategy (``{"resolution": 10}`` for grid).
    timeout : float, optional
        Seconds after which no new trial starts.
    trial_timeout : float, optional
        Seconds after which a fit is stopped and its trial recorded as
        failed (fits then run in worker processes, even with ``n_jobs=1``).
    storage : str or storage object, optional
        Make the search durable (``"results.db"`` or ``"sqlite:///results.db"``):
        trials are stored as they finish, and fitting again with the same
        ``study`` resumes the search (``n_trials`` is the study's total).
        The study records a fingerprint of ``X``, ``y`` and ``groups`` and
        refuses other data. Give ``random_state`` too, so that a resume
        scores on the same validation split.
    study : str, optional
        The study's name in ``storage`` (default ``"default"``).
    resource : str or hpo.resources.Resource, optional
        What a candidate's budget trains with (:mod:`hpo.resources`):
        ``"n_samples"`` (a stratified, seeded subsample of each training
        part; the validation part never shrinks), an integer estimator
        parameter (``"max_iter"``, ``"n_estimators"``; continued with
        ``warm_start`` where that is exact), or ``"epochs"`` of
        ``partial_fit`` (continued from the paused model). Defaults to
        ``"n_samples"`` for a strategy that gives budgets (``"halving"``,
        ``"hyperband"``, ``"asha"``), else none; a strategy without budgets
        trains every candidate at ``max_resource``. Checked before any fit.
    min_resource, max_resource : int, optional
        The budget range, given to the strategy as ``min_budget`` and
        ``max_budget``. Defaults: ``"n_samples"`` from scikit-learn's
        ``"smallest"`` to every row of the smallest training part; a
        parameter from 1 to its value on ``estimator``; ``"epochs"`` from 1,
        and ``max_resource`` is required.

    Attributes
    ----------
    best_params_ : dict
        Estimator parameters of the best configuration (after ``to_params``;
        with a parameter resource, also the amount it trained with), its
        ``cv_results_["params"]`` row: ``best_estimator_`` is refitted with them.
    best_config_ : dict
        The best configuration as the space holds it.
    best_score_ : float
        Its mean validation score (not set with a callable ``refit``).
    best_index_ : int
        Its row in ``cv_results_``.
    best_estimator_ : estimator
        Refitted on all of ``X`` (with ``refit``).
    cv_results_ : dict of arrays
        One row per trial, in scikit-learn's layout: ``params``,
        ``param_<name>`` (masked where inactive), ``split<k>_test_<metric>``,
        ``mean_test_<metric>``, ``std_test_<metric>``, ``rank_test_<metric>``,
        fit and score times (of a failed trial: the time spent until it
        failed), and hpo's ``status`` and ``budget``. A ``param_<name>``
        column has the values' own dtype when they share one (int64,
        float64...), else object, as in scikit-learn. With a
        resource also ``iter`` (the rung of a successive-halving strategy, 0
        otherwise) and ``n_resources`` (the amount trained with), as in
        scikit-learn's halving searches; trials at the largest budget reached
        rank first (the best is chosen among them). A parameter resource
        (``resource="max_iter"``) is in ``params`` and has its
        ``param_<name>`` column, at the amount each trial trained with. A
        trial whose score is NaN or infinite keeps its split scores and
        times and ranks last. ``pandas.DataFrame`` reads it.
    strategy_ : Strategy
        The strategy that ran the search, in its final state (``ranges_`` and
        ``rounds_`` of ``"coarse_to_fine"``, the fitted model of ``"bayes"``).
    resource_ : Resource or None
        The resource in use.
    min_resources_, max_resources_ : int
        Its range (with a resource).
    n_resources_, n_candidates_ : list of int
        Per ``iter``: the largest amount used and how many trials ran (with a resource).
    n_iterations_, n_required_iterations_, n_possible_iterations_, n_remaining_candidates_ : int
        scikit-learn's halving attributes, with ``strategy="halving"``: the
        rungs run, the rungs needed to bring the first rung's candidates
        below ``eta``, the rungs between ``min_resources_`` and
        ``max_resources_``, and ``ceil(n_candidates_[-1] / eta)``.
    scorer_ : scorer or dict of scorers
    multimetric_ : bool
    refit_time_ : float
    n_splits_ : int
    trials_ : list of Trial
    result_ : Result
    """

    def __init__(
        self,
        estimator: Any,
        space: Space | Mapping,
        strategy: str | type[Strategy] = "random",
        n_trials: int | None = 50,
        *,
        validation: Any = 0.2,
        scoring: Any = None,
        refit: bool | str = True,
        n_jobs: int | None = None,
        random_state: Any = None,
        error_score: Any = np.nan,
        fail_fast: int | None = 5,
        return_train_score: bool = False,
        verbose: int = 0,
        strategy_options: dict | None = None,
        timeout: float | None = None,
        trial_timeout: float | None = None,
        storage: Any = None,
        study: str | None = None,
        resource: Any = None,
        min_resource: int | None = None,
        max_resource: int | None = None,
    ) -> None:
        self.estimator = estimator
        self.space = space
        self.strategy = strategy
        self.n_trials = n_trials
        self.validation = validation
        self.scoring = scoring
        self.refit = refit
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.error_score = error_score
        self.fail_fast = fail_fast
        self.return_train_score = return_train_score
        self.verbose = verbose
        self.strategy_options = strategy_options
        self.timeout = timeout
        self.trial_timeout = trial_timeout
        self.storage = storage
        self.study = study
        self.resource = resource
        self.min_resource = min_resource
        self.max_resource = max_resource

    # ------------------------------------------------------------------ fit
    @_callbacks.fit_with_callbacks  # with scikit-learn callbacks: their teardown, however fit ends
    def fit(self, X: Any, y: Any = None, *, groups: Any = None, **fit_params: Any) -> "Tuner":
        """Search the space, then refit the best configuration on all of ``X`` (with ``refit``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data only: the validation part is carved out of it.
        y : array-like, optional
        groups : array-like, optional
            Group labels for a group-aware holdout or group folds.
        **fit_params
            Passed to the estimator's ``fit``; sample-aligned arrays are cut
            to each training part (and to each validation part for the
            scorers). With scikit-learn's metadata routing on, routed as its
            searches route them (with ``groups``): to the estimator's
            ``fit``, the splitter and the scorers, each taking what it
            requested (:meth:`get_metadata_routing`).
        """
        for attr in [a for a in vars(self) if a.endswith("_") and not a.startswith("_")]:
            delattr(self, attr)  # nothing of an earlier fit outlives this one (best_estimator_ of refit=True)
        space = self._check_params()
        scorers, multimetric = make_scorers(self.estimator, self.scoring)
        primary = self._primary_metric(scorers, multimetric)
        if y is None and get_tags(self.estimator).target_tags.required:
            raise ValueError(
                f"This {type(self.estimator).__name__} estimator requires y to be passed, but the target y is None."
            )
        estimator_params, groups, score_params = self._route(fit_params, groups, scorers)  # metadata routing
        X, y, groups = indexable(X, y, groups)  # sparse matrices become CSR, array-likes arrays
        tasks = _callbacks.start(self, X, y, fit_params)  # scikit-learn callbacks' root task (None: no callbacks)
        seed = self._seed()
        classifier = classifier_like(self.estimator)
        splits = make_splits(self.validation, X, y, groups, classifier=classifier, random_state=seed)
        _warn_small_validation(splits, y, classifier)
        if score_params is None and estimator_params.get("sample_weight") is not None:
            for name, scorer in scorers.items():
                if not accepts_sample_weight(scorer):
                    warnings.warn(
                        f"The scoring {name}={scorer!r} does not support sample_weight, which may lead to "
                        "statistically incorrect results when fitting with sample_weight: its validation scores "
                        "are unweighted", UserWarning, stacklevel=2,
                    )
        resource, min_r, max_r, options = resolve_resource(
            self.estimator, space, self.strategy, self.strategy_options, self.resource, self.min_resource,
            self.max_resource, X, y, splits, classifier,
        )
        options = plan_options(self.strategy, options, self.n_trials)  # halving & co. plan to end within n_trials
        objective = EstimatorObjective(
            self.estimator, space, X, y, splits, scorers, primary, estimator_params, self.return_train_score,
            resource=resource, min_resource=min_r, max_resource=max_r, random_state=seed, score_params=score_params,
        )
        strategy = make_strategy(
            deepcopy(self.strategy) if isinstance(self.strategy, Strategy) else self.strategy,
            space, seed=seed, options=options,
        )
        if resource is not None and strategy.max_trials and self.n_trials and self.n_trials < strategy.max_trials:
            warnings.warn(
                f"n_trials={self.n_trials} stops strategy {strategy.name!r} before the end of its plan "
                f"({strategy.max_trials} evaluations at most); pass n_trials=None to run it through",
                UserWarning, stacklevel=2,
            )
        loop_options = dict(
            n_trials=self.n_trials, timeout=self.timeout, n_jobs=self.n_jobs, direction="maximize",
            progress=self.verbose == 1, verbose=self.verbose, value_name=primary or "score",
            callbacks=[_raise_fit_error] if self.error_score == "raise" else [],
            trial_timeout=self.trial_timeout, fail_fast=self.fail_fast,
        )
        if tasks is not None:
            loop_options["on_submit"] = tasks.search(objective, strategy, len(splits))
        if self.storage is None:
            if self.study is not None:
                raise ValueError(f"study={self.study!r} needs storage= (a path such as 'results.db')")
            run = SearchLoop(objective, strategy, **loop_options).run
        else:
            run = self._stored_search(objective, space, options, seed, X, y, groups, loop_options)
        try:
            result = run()
        except AllTrialsFailedError as exc:
            self.result_ = exc.result
            self.trials_ = exc.result.trials
            if not any(_scored(t) for t in exc.result.trials):
                raise ValueError(_all_failed_message(exc.result.trials, len(splits))) from exc
            result = exc.result  # some fits succeeded, their scores not finite: the search completes (scikit-learn)
        except TrialFailedError as exc:  # error_score="raise", or fail_fast
            self.result_ = exc.result
            self.trials_ = exc.result.trials
            _raise_estimator_error(objective, exc, len(splits))
        except ValueError as exc:
            from .storage import StudyMismatchError

            if isinstance(exc, StudyMismatchError) and "direction: 'minimize' in the study" in str(exc):
                raise StudyMismatchError(
                    f"{exc}\nThis is a Tuner study stored by an earlier hpo, which minimized minus the validation "
                    "score; a Tuner now stores the score itself and maximizes it, so it does not resume that "
                    "study (its sign would flip). Give another study name; hpo show and hpo export still read it."
                ) from None
            raise
        if tasks is not None:
            tasks.end_search()
        self.result_ = result
        self.strategy_ = result.strategy_instance
        self.trials_ = result.trials
        self.scorer_ = scorers if multimetric else scorers["score"]  # a callable as given, whatever it returns
        metrics = _metric_names(result.trials, scorers, self.scoring)
        self.multimetric_ = multimetric = multimetric or metrics != ["score"]
        self.n_splits_ = len(splits)
        self.resource_ = resource
        self.cv_results_ = self._cv_results(result, space, metrics, len(splits), resource, max_r)
        self._metric = primary if primary in metrics else metrics[0]
        self._warn_failures(result.trials, metrics)
        if resource is not None:
            self.min_resources_, self.max_resources_ = min_r, max_r
            iters = self.cv_results_["iter"]
            levels = sorted(set(iters.tolist()))
            self.n_resources_ = [int(self.cv_results_["n_resources"][iters == i].max()) for i in levels]
            self.n_candidates_ = [int(np.sum(iters == i)) for i in levels]
            self._set_iterations(self.strategy_)
        if self.refit is not False or not multimetric:
            self.best_index_ = self._best_index(result)
            best = result.trials[self.best_index_]
            self.best_config_ = dict(best.config)
            self.best_params_ = dict(self.cv_results_["params"][self.best_index_])  # with a parameter resource's amount
            if not callable(self.refit):
                self.best_score_ = float(self.cv_results_[f"mean_test_{self._metric}"][self.best_index_])
            if resource is not None and self.cv_results_["n_resources"][self.best_index_] < max_r:
                warnings.warn(
                    f"no candidate reached the full budget ({resource.name}={max_r}) before the search stopped: "
                    f"the best was trained with {self.cv_results_['n_resources'][self.best_index_]}, and "
                    f"best_estimator_ is refitted with {max_r}; give a larger n_trials (or n_trials=None) or "
                    "timeout, or fewer n_candidates", UserWarning, stacklevel=2,
                )
        if self.refit is not False:
            start = time.perf_counter()
            amount = None if resource is None else int(self.cv_results_["n_resources"][self.best_index_])
            self.best_estimator_ = objective.refit(self.best_params_, X, y, estimator_params, amount)
            self.refit_time_ = time.perf_counter() - start
            if hasattr(self.best_estimator_, "feature_names_in_"):
                self.feature_names_in_ = self.best_estimator_.feature_names_in_
        n_features = getattr(self.best_estimator_, "n_features_in_", None) if self.refit is not False else None
        if n_features is None and hasattr(X, "shape") and len(X.shape) == 2:
            n_features = X.shape[1]
        if n_features is not None:
            self.n_features_in_ = n_features
        if tasks is not None:
            tasks.end()
        return self

    def _best_index(self, result) -> int:
        """The row of the best trial: the search's best, or the one a callable ``refit`` picks."""
        if not callable(self.refit):
            if result.n_ok:
                return result.trials.index(result.best_trial)
            # no finite score: every row ranks first, and the first is the best, as in scikit-learn
            return int(np.argmin(self.cv_results_[f"rank_test_{self._metric}"]))
        index = self.refit(self.cv_results_)
        if isinstance(index, (bool, np.bool_)) or not isinstance(index, numbers.Integral):
            raise TypeError(f"best_index_ returned by refit={self.refit!r} is not an integer: {index!r}")
        if not 0 <= index < len(result.trials):
            raise IndexError(f"best_index_ index out of range: refit={self.refit!r} returned {index}, and "
                             f"cv_results_ has {len(result.trials)} rows")
        return int(index)

    def _warn_failures(self, trials: list, metrics: list[str]) -> None:
        """scikit-learn's warnings at the end of a search: the failed fits (``FitFailedWarning``, with the
        most common error first), and non-finite scores (a ``UserWarning`` per kind, test and train)."""
        k = self.n_splits_
        failed = [t for t in trials if t.status == FAILED and not _scored(t)]
        if failed:
            warnings.warn(
                f"\n{len(failed) * k} fits failed out of a total of {len(trials) * k} ({len(failed)} of "
                f"{len(trials)} trials x {k} splits: a trial stops at its first failing fit, and every split of "
                "a failed trial is scored error_score).\nThe score on these train-test partitions for these "
                f"parameters will be set to {self.error_score}; such a trial is never chosen as the best.\n"
                "If these failures are not expected, you can try to debug them by setting error_score='raise'."
                f"\n\nBelow are more details about the failures:\n{_failure_details(failed, k)}",
                FitFailedWarning, stacklevel=3,
            )
        kinds = ["test", "train"] if self.return_train_score else ["test"]
        for kind in kinds:
            bad = [t.number for i, t in enumerate(trials) if (t.status == OK or _scored(t)) and not all(
                np.isfinite(self.cv_results_[f"mean_{kind}_{m}"][i]) for m in metrics)]
            if bad:
                warnings.warn(
                    f"One or more of the {kind} scores are non-finite: {len(bad)} of {len(trials)} trials have a "
                    f"NaN or infinite mean {kind} score (trials {bad[:10]}{'...' if len(bad) > 10 else ''})"
                    + ("; such a trial ranks last and is chosen as the best only when no score is finite (its fits "
                       "succeeded: it is no fit failure; hpo's trial log records it as failed, so that strategies "
                       "take it as the worst)" if kind == "test" else ""),
                    UserWarning, stacklevel=3,
                )

    def _stored_search(self, objective, space, options, seed, X, y, groups, loop_options):
        """The search as a stored study (``storage=``): resumed when it exists, checked against these data."""
        from functools import partial

        from .storage import data_fingerprint

        if self.random_state is None:
            warnings.warn(
                "storage= with random_state=None: a resumed study may score on another validation split "
                "than its stored trials; set random_state", UserWarning, stacklevel=3,
            )
        return partial(
            run_study, objective, space, self.strategy, storage=self.storage, study=self.study, seed=seed,
            strategy_options=options, data=data_fingerprint(X, y, groups), **loop_options,
        )

    def _check_params(self) -> Space:
        space = self.space
        if isinstance(space, Mapping):
            space = Space(space)
        if not isinstance(space, Space):
            raise TypeError(f"space must be a Space or a dict of dimensions, got {type(space).__name__}")
        if not hasattr(self.estimator, "fit"):
            raise TypeError(f"estimator must have a fit method, got {self.estimator!r}")
        self._check_names(space)
        n = self.n_trials
        if n is not None and (not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1):
            raise ValueError(f"n_trials must be a positive int or None, got {n!r}")
        if not (self.error_score == "raise" or isinstance(self.error_score, numbers.Real)):
            raise ValueError(f"error_score must be 'raise' or a number, got {self.error_score!r}")
        if not (isinstance(self.refit, (bool, str)) or callable(self.refit)):
            raise TypeError(f"refit must be a bool, a scorer name or a callable, got {self.refit!r}")
        if self.fail_fast is not None and (
            not isinstance(self.fail_fast, numbers.Integral) or isinstance(self.fail_fast, bool) or self.fail_fast < 1
        ):
            raise ValueError(f"fail_fast must be a positive int or None, got {self.fail_fast!r}")
        return space

    def _check_names(self, space: Space) -> None:
        """Check the parameter names of a few configurations as a search will set them.

        ``set_params`` is the judge, as in scikit-learn: an estimator whose
        ``get_params`` lists only the arguments given (CatBoost) still takes
        its other parameters, and a Pipeline step chosen by the space takes
        its own parameters (``clf`` and ``clf__C``). A name that
        ``get_params(deep=True)`` lists, with no name under it, needs no
        call; the others are set on a clone, outer names first. A name
        refused is a ``ValueError`` naming it, before any fit.
        """
        listed = self.estimator.get_params(deep=True)
        for config in space.sample(32, seed=0):
            params = space.to_params(config)
            est, valid = None, listed
            for name in sorted(params, key=lambda k: k.count("__")):
                if name in valid and not any(other.startswith(name + "__") for other in params):
                    continue
                est = clone(self.estimator) if est is None else est
                try:
                    est.set_params(**{name: clone(params[name], safe=False)})
                except Exception as exc:
                    owners = [p for p in params if name.startswith(p + "__")]
                    where = f" with {', '.join(f'{p}={params[p]!r}' for p in owners)}" if owners else ""
                    raise ValueError(
                        f"space parameter {name!r} is not a parameter of {type(self.estimator).__name__}{where}: "
                        f"set_params refused it ({type(exc).__name__}: {exc})"
                    ) from None
                valid = est.get_params(deep=True)

    def _primary_metric(self, scorers: dict, multimetric: bool) -> str | None:
        """The metric the search optimizes; None: the first the scorer returns (a callable may give several)."""
        if not multimetric:
            if callable(self.scoring):  # its metrics are known from its first result, as in scikit-learn
                return self.refit if isinstance(self.refit, str) else "score" if self.refit is True else None
            if isinstance(self.refit, str) and self.refit != self.scoring:  # scikit-learn takes any refit
                what = f"scoring={self.scoring!r}" if self.scoring is not None else "the estimator's score"
                warnings.warn(
                    f"refit={self.refit!r} names a metric, but the search has one metric, {what}: the best is "
                    "chosen by it (as scikit-learn's searches do with a single metric and any refit)",
                    UserWarning, stacklevel=3,
                )
            return "score"
        if self.refit is True:
            raise ValueError(
                "with several scorers, refit must name the one that chooses the best "
                f"(one of {list(scorers)}), or be False"
            )
        if isinstance(self.refit, str):
            if self.refit not in scorers:
                raise ValueError(f"refit={self.refit!r} is not one of the scorers {list(scorers)}")
            return self.refit
        return next(iter(scorers))

    def _route(self, fit_params: dict, groups: Any, scorers: dict) -> tuple[dict, Any, dict | None]:
        """``(fit parameters of the estimator, groups, parameters of each scorer)``.

        With scikit-learn's metadata routing on, ``fit``'s parameters (and
        ``groups``) are routed as its searches route them: to the
        estimator's ``fit``, the splitter's ``split`` and the scorers, each
        taking what it requested (else scikit-learn's error). Off, they go
        to the estimator's ``fit`` as given, and the scorers' parameters
        are None (``sample_weight`` reaches the scorers that take one).
        """
        if not routing_enabled():
            return fit_params, groups, None
        params = dict(fit_params) if groups is None else {**fit_params, "groups": groups}
        routed = process_routing(self, "fit", **params)
        return (dict(routed.estimator.fit), routed.splitter.split.get("groups"),
                ScorerRouter(scorers).route(routed.scorer.score))

    def _set_iterations(self, strategy: Strategy) -> None:
        """scikit-learn's ``n_iterations_``, ``n_required_iterations_``, ``n_possible_iterations_`` and
        ``n_remaining_candidates_``, for ``strategy="halving"`` (one round of rungs, as its searches)."""
        if not isinstance(strategy, SuccessiveHalving) or not self.n_candidates_:
            return
        self.n_iterations_ = len(self.n_resources_)  # the rungs run (all of the plan unless the search was cut)
        self.n_required_iterations_ = 1 + int(np.floor(np.log(strategy.sizes[0]) / np.log(strategy.eta) + 1e-9))
        self.n_possible_iterations_ = len(strategy.budgets)  # the rungs from min_resources_ to max_resources_
        self.n_remaining_candidates_ = int(np.ceil(self.n_candidates_[-1] / strategy.eta))

    def _seed(self) -> int | None:
        if self.random_state is None:
            return None
        if isinstance(self.random_state, numbers.Integral):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _cv_results(self, result, space: Space, metrics: list[str], n_splits: int, resource: Any = None,
                    max_resource: int | None = None) -> dict:
        trials = result.trials
        n = len(trials)
        amounts = [max_resource if t.budget is None else int(round(t.budget)) for t in trials]
        error_score = np.nan if self.error_score == "raise" else float(self.error_score)
        out: dict[str, Any] = {}

        def column(key: str, failed: float = np.nan) -> np.ndarray:
            """``key`` of each trial's metrics; ``failed`` for a failed trial without it (its scores)."""
            return np.array([t.metrics.get(key, np.nan if t.status == OK else failed) for t in trials], dtype=float)

        out["mean_fit_time"] = column("fit_time")
        out["std_fit_time"] = np.array([np.std(t.metrics["fit_times"]) if "fit_times" in t.metrics else np.nan
                                        for t in trials])
        out["mean_score_time"] = column("score_time")
        out["std_score_time"] = np.array([np.std(t.metrics["score_times"]) if "score_times" in t.metrics else np.nan
                                          for t in trials])
        for name in space.names:
            rows = [i for i, t in enumerate(trials) if name in t.config]
            out[f"param_{name}"] = _param_column([trials[i].config[name] for i in rows], rows, n)
        # a parameter resource is a parameter of each candidate at the amount it was trained with (scikit-learn)
        extra = [{} if resource is None else resource.params(a) for a in amounts]
        for name in sorted({k for e in extra for k in e} - set(space.names)):
            out[f"param_{name}"] = _param_column([e[name] for e in extra], list(range(n)), n)
        out["params"] = [{**space.to_params(t.config), **e} for t, e in zip(trials, extra)]
        sets = ["test", "train"] if self.return_train_score else ["test"]
        ok = np.array([t.status == OK for t in trials], dtype=bool)
        top = None
        if any(t.budget is not None for t in trials):  # the best is chosen among the largest budget reached
            reached = [np.inf if t.budget is None else t.budget for t in trials if t.status == OK]
            top = np.array([t.status == OK and (np.inf if t.budget is None else t.budget) == max(reached)
                            for t in trials], dtype=bool) if reached else None
        for metric in metrics:
            for which in sets:
                splits = np.column_stack([column(f"split{k}_{which}_{metric}", error_score)
                                          for k in range(n_splits)]) \
                    if n else np.empty((0, n_splits))
                for k in range(n_splits):
                    out[f"split{k}_{which}_{metric}"] = splits[:, k]
                with np.errstate(all="ignore"):
                    out[f"mean_{which}_{metric}"] = splits.mean(axis=1) if n else np.empty(0)
                    out[f"std_{which}_{metric}"] = splits.std(axis=1) if n else np.empty(0)
            out[f"rank_test_{metric}"] = _rank(out[f"mean_test_{metric}"], ok, top)
        out["status"] = np.array([t.status for t in trials], dtype=object)
        out["budget"] = np.array([np.nan if t.budget is None else t.budget for t in trials], dtype=float)
        if max_resource is not None:  # scikit-learn's halving columns
            out["iter"] = np.array([int(t.candidate.info.get("rung", 0)) for t in trials], dtype=np.int64)
            out["n_resources"] = np.array(amounts, dtype=np.int64)
        return out

    # ----------------------------------------------------------- delegation
    def _check_refitted(self, method: str) -> None:
        check_is_fitted(self)
        if self.refit is False:
            raise AttributeError(f"{method} is not available: this Tuner was fitted with refit=False")

    @_available_if(_estimator_has("predict"))
    def predict(self, X: Any) -> Any:
        """Predict with the best estimator."""
        self._check_refitted("predict")
        return self.best_estimator_.predict(X)

    @_available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X: Any) -> Any:
        """Class probabilities from the best estimator."""
        self._check_refitted("predict_proba")
        return self.best_estimator_.predict_proba(X)

    @_available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X: Any) -> Any:
        """Log class probabilities from the best estimator."""
        self._check_refitted("predict_log_proba")
        return self.best_estimator_.predict_log_proba(X)

    @_available_if(_estimator_has("decision_function"))
    def decision_function(self, X: Any) -> Any:
        """Decision function of the best estimator."""
        self._check_refitted("decision_function")
        return self.best_estimator_.decision_function(X)

    @_available_if(_estimator_has("transform"))
    def transform(self, X: Any) -> Any:
        """Transform with the best estimator."""
        self._check_refitted("transform")
        return self.best_estimator_.transform(X)

    @_available_if(_estimator_has("inverse_transform"))
    def inverse_transform(self, X: Any) -> Any:
        """Inverse transform with the best estimator."""
        self._check_refitted("inverse_transform")
        return self.best_estimator_.inverse_transform(X)

    @_available_if(_estimator_has("score_samples"))
    def score_samples(self, X: Any) -> Any:
        """Score samples with the best estimator."""
        self._check_refitted("score_samples")
        return self.best_estimator_.score_samples(X)

    def score(self, X: Any, y: Any = None, **params: Any) -> float:
        """The refit metric of the best estimator on (X, y) (its ``score`` without ``scoring``).

        ``params`` go to the scorer, with scikit-learn's metadata routing on
        only (``sklearn.set_config(enable_metadata_routing=True)``), as in
        its searches.
        """
        self._check_refitted("score")
        if params and not routing_enabled():
            raise ValueError(
                f"Passing extra keyword arguments to {type(self).__name__}.score is only supported if "
                "enable_metadata_routing=True, which you can set using `sklearn.set_config`. See the User Guide "
                "<https://scikit-learn.org/stable/metadata_routing.html> for more details. Extra parameters "
                f"passed are: {set(params)}"
            )
        scorers = self.scorer_ if isinstance(self.scorer_, dict) else {"score": self.scorer_}
        name = self._metric if isinstance(self.scorer_, dict) else "score"
        kwargs = ScorerRouter(scorers).route(process_routing(self, "score", **params).scorer.score)[name] \
            if params else {}
        scorer = scorers[name]
        value = scorer(self.best_estimator_, X, **kwargs) if y is None else scorer(self.best_estimator_, X, y, **kwargs)
        return float(value[self._metric] if isinstance(value, Mapping) else value)

    def get_metadata_routing(self) -> MetadataRouter:
        """How ``fit`` and ``score`` route metadata (scikit-learn's metadata routing), as its searches do.

        ``fit``'s parameters go to the estimator's ``fit``, the splitter's
        ``split`` (a fraction or number of folds takes ``groups``) and the
        scorers; ``score``'s to the scorers.
        """
        router = MetadataRouter(owner=self)
        router.add(estimator=self.estimator, method_mapping=MethodMapping().add(caller="fit", callee="fit"))
        scorers, _ = make_scorers(self.estimator, self.scoring)
        router.add(scorer=ScorerRouter(scorers),
                   method_mapping=MethodMapping().add(caller="score", callee="score").add(caller="fit", callee="score"))
        router.add(splitter=routing_splitter(self.validation),
                   method_mapping=MethodMapping().add(caller="fit", callee="split"))
        return router

    @property
    def classes_(self) -> np.ndarray:
        """Class labels of the best estimator."""
        self._check_refitted("classes_")
        return self.best_estimator_.classes_

    def _sk_visual_block_(self):
        """The HTML repr shows ``best_estimator_`` once fitted (else ``estimator``), as scikit-learn's searches."""
        try:
            from sklearn.utils._repr_html.estimator import _VisualBlock
        except ImportError:  # scikit-learn < 1.7
            from sklearn.utils._estimator_html_repr import _VisualBlock

        if hasattr(self, "best_estimator_"):
            key, estimator = "best_estimator_", self.best_estimator_
        else:
            key, estimator = "estimator", self.estimator
        return _VisualBlock("parallel", [estimator], names=[f"{key}: {type(estimator).__name__}"],
                            name_details=[str(estimator)])

    def __sklearn_tags__(self):
        from sklearn.utils import get_tags

        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = deepcopy(inner.classifier_tags)
        tags.regressor_tags = deepcopy(inner.regressor_tags)
        tags.transformer_tags = deepcopy(inner.transformer_tags)
        tags.input_tags.pairwise = inner.input_tags.pairwise
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.target_tags = deepcopy(inner.target_tags)
        return tags


def _raise_fit_error(result, trial) -> None:
    """``error_score="raise"``: stop the search at a trial whose fit or score raised (a score that is not
    finite raises nothing, as in scikit-learn)."""
    if trial.status == FAILED and not _scored(trial):
        raise TrialFailedError(f"trial {trial.number} failed with {trial.error}\n{trial.traceback or ''}", result)


def _raise_estimator_error(objective: EstimatorObjective, exc: TrialFailedError, n_splits: int) -> None:
    """``error_score="raise"`` or ``fail_fast``: raise the estimator's own exception, as scikit-learn does.

    With one worker the objective ran in this process and kept it; a trial
    that ran in a worker process is run again here to raise it. A failure that
    was no exception (a NaN score), or that does not recur, raises ``exc``.
    With ``fail_fast``, a note says what happened (Python 3.11+).
    """
    error = objective.last_error
    if error is None:
        failed = exc.trial if isinstance(exc, RepeatedFailureError) else \
            next(t for t in reversed(exc.result.trials) if t.status == FAILED and not _scored(t))
        if failed.traceback is not None:
            try:
                objective(failed.config, failed.budget)
            except Exception as again:
                error = again
    if error is None:
        raise exc
    if isinstance(exc, RepeatedFailureError) and hasattr(error, "add_note"):
        n = exc.count
        fits = f"{n * n_splits} fits failed ({n} trials x {n_splits} splits)"
        head = (f"All the {fits}" if exc.every else f"The first {fits}, so the search stopped (fail_fast={n})")
        error.add_note(
            f"hpo.Tuner: {head}. It is very likely that your model is misconfigured. {n * n_splits} fits failed "
            f"with the following error:\n{_clip(exc.trial.error or '')}\nThis is that error, raised; "
            "Tuner(fail_fast=None) runs every trial whatever fails."
        )
    raise error from None


def _all_failed_message(trials: list, n_splits: int) -> str:
    """Every trial failed, not all with one error: how many fits with which error, as scikit-learn says it."""
    n = len(trials)
    return (
        f"All the {n} trials of the search failed: all the {n * n_splits} fits ({n} trials x {n_splits} splits; "
        "a trial stops at its first failing fit).\nIt is very likely that your model is misconfigured.\n"
        "You can try to debug the error by setting error_score='raise'.\n\n"
        f"Below are more details about the failures:\n{_failure_details(trials, n_splits)}"
    )


def _failure_details(trials: list, n_splits: int) -> str:
    """scikit-learn's list of errors with their counts of fits, most common first, each with a traceback."""
    out = []
    for text, count, example in _error_groups(trials)[:5]:
        out.append(f"{'-' * 80}\n{count * n_splits} fits failed with the following error:\n"
                   f"{_clip(example.traceback or text)}")
    return "\n".join(out)


def _error_groups(trials: list) -> list[tuple[str, int, Any]]:
    """Failed trials by error, most common first: ``(text, count, a trial)``.

    One exception type raised at one place (the last frame of its traceback)
    is one error, whatever values its message quotes; the text is the first
    such message.
    """
    groups: dict[Any, list] = {}
    for t in trials:
        text = t.error or "unknown error"
        where = _raised_at(t.traceback)
        key = (text.split(":", 1)[0], where) if where else text
        entry = groups.setdefault(key, [text, 0, set(), where, t])
        entry[1] += 1
        entry[2].add(text)
    out = []
    for text, n, texts, where, example in groups.values():
        if len(texts) > 1:
            text += f"\n(and {len(texts) - 1} other messages of the same error, raised at {where})"
        out.append((text, n, example))
    return sorted(out, key=lambda e: -e[1])


def _raised_at(traceback: str | None) -> str | None:
    """``file:line`` of the last frame of a formatted traceback (where the error was raised)."""
    frames = re.findall(r'File "([^"]+)", line (\d+)', traceback or "")
    return f"{os.path.basename(frames[-1][0])}:{frames[-1][1]}" if frames else None


def _clip(text: str, limit: int = 2000) -> str:
    return text if len(text) <= limit else text[:limit] + " [...]"


def _scored(trial) -> bool:
    """Whether a failed trial was scored (its optimized score was not finite) rather than raising."""
    return any(k.startswith("split0_test_") for k in trial.metrics)


def _metric_names(trials: list, scorers: dict, scoring: Any) -> list[str]:
    """The metrics of ``cv_results_``: the scorers' names, or those a callable scorer returned."""
    if len(scorers) > 1 or not callable(scoring):
        return list(scorers)
    for t in trials:
        names = [k[len("split0_test_"):] for k in t.metrics if k.startswith("split0_test_")]
        if t.status == OK and names:
            return names
    return list(scorers)


def _param_column(values: list, rows: list[int], n: int) -> np.ma.MaskedArray:
    """A ``param_<name>`` column, masked where inactive, with the values' own dtype when they share one
    (as scikit-learn's ``_yield_masked_array_for_each_param``: strings and sequences are objects)."""
    try:
        array = np.array(values)
    except ValueError:  # sequences of different lengths
        dtype = np.dtype(object)
    else:
        dtype = array.dtype if values and array.dtype.kind != "U" and array.ndim == 1 else np.dtype(object)
    column = np.ma.MaskedArray(np.empty(n, dtype=dtype), mask=True)
    for i, value in zip(rows, values):
        column[i] = value
    return column


def _warn_small_validation(splits: list, y: Any, classifier: bool) -> None:
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


def _rank(scores: np.ndarray, ok: np.ndarray, top: np.ndarray | None = None) -> np.ndarray:
    """Rank 1 for the highest score; NaN scores and trials that are not ok (whatever
    their ``error_score``) rank last, so the best trial always has rank 1. With ``top``
    (the ok trials at the largest budget reached), those rank before every other."""
    from scipy.stats import rankdata

    if len(scores) == 0:
        return np.empty(0, dtype=np.int32)
    filled = np.where(np.isnan(scores) | ~ok, -np.inf, scores)
    if top is None or top.all():
        return rankdata(-filled, method="min").astype(np.int32)
    ranks = np.empty(len(scores), dtype=np.int32)
    ranks[top] = rankdata(-filled[top], method="min")
    ranks[~top] = rankdata(-filled[~top], method="min") + int(top.sum())
    return ranks
