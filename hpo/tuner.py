"""``Tuner``: a scikit-learn meta-estimator that searches a Space with any strategy."""

from __future__ import annotations

import inspect
import numbers
import time
import warnings
from collections.abc import Mapping
from copy import deepcopy
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.utils import check_random_state, get_tags, indexable
from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping, process_routing

from . import _callbacks
from ._constraints import N_TRIALS, Interval, Options, Satisfies, accepts, check_options
from ._tuner_delegation import BestEstimatorDelegation
from ._tuner_keywords import unknown_keyword_message
from ._tuner_failures import all_failed_message, raise_estimator_error, raise_fit_error, scored, warn_failures
from ._tuner_results import best_index, cv_results, metric_names, resource_attributes
from .engine import AllTrialsFailedError, SearchInterrupted, SearchLoop, TrialFailedError, run_study
from .evaluation import (
    EstimatorObjective,
    ScorerRouter,
    accepts_sample_weight,
    classifier_like,
    make_scorers,
    make_splits,
    routing_enabled,
    routing_splitter,
    primary_metric,
    warn_small_validation,
)
from .executors.joblib_context import joblib_context
from .resources import resolve_resource
from .spaces import Space
from .spaces.space import as_space
from .storage import StudyMismatchError, data_fingerprint
from .strategies import Strategy, make_strategy, plan_options

__all__ = ["Tuner"]


class Tuner(_callbacks.CallbackSupportMixin, BestEstimatorDelegation, MetaEstimatorMixin, BaseEstimator):
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
    strategy : str, Strategy class, default "auto"
        A registered strategy name (``hpo.available_strategies()``).
        ``"auto"`` is Bayesian optimization with its cost guard (see
        :class:`~hpo.strategies.AutoStrategy`; ``"bayes"`` without it);
        ``"random"`` for many cheap fits, ``"grid"`` to enumerate, ``"halving"``,
        ``"hyperband"`` or ``"asha"`` to spend small budgets on weak candidates.
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
        Parallel trials (processes); ``None`` is 1, or the ``n_jobs`` of a
        joblib ``parallel_backend``/``parallel_config`` context around ``fit``.
    executor : Dask Client, hpo.ProcessPool or concurrent.futures executor, optional
        Where the trials run instead of ``n_jobs``' processes: a
        ``distributed.Client`` runs them on a Dask cluster (the estimator and
        the data are sent to each worker once). Without one, a joblib
        ``parallel_backend("dask")`` context around ``fit`` gives its client,
        as it does to scikit-learn's searches, and another context its
        ``n_jobs`` to a Tuner whose ``n_jobs`` is None.
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
        failed (fits then run in worker processes, even with ``n_jobs=1``),
        counted from the trial's start in its worker (not the imports and
        data its worker loads first).
    storage : str or storage object, optional
        Make the search durable (``"results.db"`` or ``"sqlite:///results.db"``):
        trials are stored as they finish, and fitting again with the same
        ``study`` resumes the search (``n_trials`` is the study's total).
        The study records a fingerprint of ``X``, ``y`` and ``groups`` and
        refuses other data. Give ``random_state`` too, so that a resume
        scores on the same validation split.
    study : str, optional
        The study's name in ``storage`` (default ``"default"``).
    on_mismatch : {"error", "continue"}, default "error"
        Resuming a stored study with other settings (space, strategy, its
        options or ``n_trials`` plan, ``random_state``) or other data is a
        :class:`hpo.storage.StudyMismatchError` naming what differs;
        ``"continue"`` goes on with these settings and data, keeping the
        stored trials (warned about, and recorded in the study).
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
        With a resource: per ``iter`` of ``strategy="halving"``, the largest
        amount used and how many trials ran; with hyperband or asha (several
        brackets, asynchronous rungs: ``iter`` is a rung within its bracket),
        per amount: each amount used and how many trials ran with it.
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
    n_features_in_ : int
        Number of features seen by ``best_estimator_``; only when it is
        refitted and exposes it (as scikit-learn's searches).
    feature_names_in_ : ndarray of str
        Likewise, where ``best_estimator_`` saw named columns.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from hpo import Tuner, Space, Int, Categorical
    >>> X, y = load_iris(return_X_y=True)
    >>> space = Space(n_neighbors=Int(1, 15), weights=Categorical(["uniform", "distance"]))
    >>> tuner = Tuner(KNeighborsClassifier(), space, n_trials=5, validation=3, random_state=0)
    >>> tuner.fit(X, y)
    Tuner(...)
    >>> len(tuner.cv_results_["params"]), sorted(tuner.best_params_)
    (5, ['n_neighbors', 'weights'])
    >>> tuner.predict(X[:3])
    array([0, 0, 0])
    """

    #: What the options accept (checked by ``fit``, before any fit of the estimator).
    _constraints = {
        "n_trials": N_TRIALS,
        "error_score": [Options({"raise"}), Satisfies(lambda v: isinstance(v, numbers.Real), "a number")],
        "fail_fast": [Interval(int, 1), None],
        "on_mismatch": [Options({"error", "continue"})],
        "verbose": [Interval(int, 0), bool],
        "refit": [bool, str, Satisfies(callable, "a callable")],
    }

    def __new__(cls, *args: Any, **kwargs: Any) -> "Tuner":
        # Checked here rather than in ``__init__``, whose plain signature ``get_params`` reads.
        parameters = cls.__signature__.parameters
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
            return super().__new__(cls)  # a subclass taking **kwargs checks its own
        known = set(parameters)
        for name in kwargs:
            if name not in known:
                raise TypeError(unknown_keyword_message(name, known, cls.__name__))
        return super().__new__(cls)

    def __init__(
        self,
        estimator: Any,
        space: Space | Mapping,
        strategy: str | type[Strategy] = "auto",
        n_trials: int | None = 50,
        *,
        validation: Any = 0.2,
        scoring: Any = None,
        refit: bool | str = True,
        n_jobs: int | None = None,
        executor: Any = None,
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
        on_mismatch: str = "error",
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
        self.executor = executor
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
        self.on_mismatch = on_mismatch
        self.resource = resource
        self.min_resource = min_resource
        self.max_resource = max_resource

    # ``inspect.signature(Tuner)`` (help, IDEs, scikit-learn's checks) shows ``__init__``'s, not ``__new__``'s.
    __signature__ = inspect.Signature(list(inspect.signature(__init__).parameters.values())[1:])

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)  # a subclass's own __init__ (more parameters) is its signature
        cls.__signature__ = inspect.Signature(list(inspect.signature(cls.__init__).parameters.values())[1:])

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
        primary = primary_metric(self.scoring, self.refit, scorers, multimetric)
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
        warn_small_validation(splits, y, classifier)
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
            n_trials=self.n_trials, timeout=self.timeout, **self._where_trials_run(),
            direction="maximize", progress=self.verbose == 1, verbose=self.verbose, value_name=primary or "score",
            callbacks=[raise_fit_error] if self.error_score == "raise" else [],
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
            if not any(scored(t) for t in exc.result.trials):
                raise ValueError(all_failed_message(exc.result.trials, len(splits))) from exc
            result = exc.result  # some fits succeeded, their scores not finite: the search completes (scikit-learn)
        except TrialFailedError as exc:  # error_score="raise", or fail_fast
            self.result_ = exc.result
            self.trials_ = exc.result.trials
            raise_estimator_error(objective, exc, len(splits))
        except SearchInterrupted as exc:  # Ctrl-C: nothing refitted, the interrupt goes on (as scikit-learn's)
            self.result_, self.trials_, self.strategy_ = exc.result, exc.result.trials, exc.result.strategy_instance
            raise SearchInterrupted(f"fit interrupted: {len(exc.result)} finished trials kept in trials_ and result_ "
                                    "(nothing refitted)" + (": fit again to resume the study" if self.storage else ""),
                                    exc.result) from None
        except ValueError as exc:
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
        metrics = metric_names(result.trials, scorers, self.scoring)
        self.multimetric_ = multimetric = multimetric or metrics != ["score"]
        self.n_splits_ = len(splits)
        self.resource_ = resource
        self.cv_results_ = cv_results(result.trials, space, metrics, len(splits), error_score=self.error_score,
                                      return_train_score=self.return_train_score, resource=resource,
                                      max_resource=max_r)
        self._metric = primary if primary in metrics else metrics[0]
        warn_failures(result.trials, self.cv_results_, metrics, len(splits), self.error_score,
                      self.return_train_score)
        if resource is not None:
            self.min_resources_, self.max_resources_ = min_r, max_r
            for name, value in resource_attributes(self.cv_results_, self.strategy_).items():
                setattr(self, name, value)
        if self.refit is not False or not multimetric:
            self.best_index_ = best_index(self.refit, result, self.cv_results_, self._metric)
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
            if hasattr(self.best_estimator_, "n_features_in_"):  # as GridSearchCV: only from the refitted estimator
                self.n_features_in_ = self.best_estimator_.n_features_in_
        if tasks is not None:
            tasks.end()
        return self

    def _stored_search(self, objective, space, options, seed, X, y, groups, loop_options):
        """The search as a stored study (``storage=``): resumed when it exists, checked against these data."""
        from functools import partial

        if self.random_state is None:
            warnings.warn(
                "storage= with random_state=None: a resumed study may score on another validation split "
                "than its stored trials; set random_state", UserWarning, stacklevel=3,
            )
        return partial(
            run_study, objective, space, self.strategy, storage=self.storage, study=self.study, seed=seed,
            strategy_options=options, data=data_fingerprint(X, y, groups), on_mismatch=self.on_mismatch,
            **loop_options,
        )

    def _check_params(self) -> Space:
        space = as_space(self.space)
        if not hasattr(self.estimator, "fit"):
            raise TypeError(f"estimator must have a fit method, got {self.estimator!r}")
        self._check_names(space)
        check_options(self._constraints, n_trials=self.n_trials, error_score=self.error_score,
                      fail_fast=self.fail_fast, verbose=self.verbose, on_mismatch=self.on_mismatch)
        if not accepts(self._constraints["refit"], self.refit):
            raise TypeError(f"refit must be a bool, a scorer name or a callable, got {self.refit!r}")
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
        configs = space.sample(32, seed=0)
        missing = set(space.names).difference(*configs)  # conditional parameters these never activate
        if missing:  # one configuration that activates each, so that a typo there is caught too
            for config in space.sample(1024, seed=1):
                if missing & set(config):
                    configs.append(config)
                    missing -= set(config)
        for config in configs:
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

    def _where_trials_run(self) -> dict:
        """``executor`` and ``n_jobs``: the Tuner's own, else a joblib context's, as scikit-learn's searches
        follow ``parallel_backend("dask")`` and a context's ``n_jobs`` (:mod:`hpo.executors.joblib_context`)."""
        if self.executor is not None:
            return {"executor": self.executor, "n_jobs": self.n_jobs}
        client, n_jobs = joblib_context()
        if client is not None:
            return {"executor": client, "n_jobs": 1 if self.n_jobs is None else self.n_jobs}
        return {"executor": None, "n_jobs": n_jobs if self.n_jobs is None else self.n_jobs}

    def _seed(self) -> int | None:
        if self.random_state is None:
            return None
        if isinstance(self.random_state, numbers.Integral):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

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
