"""Peers: other libraries' optimizers as benchmark contenders (the optional extra ``hpo[peers]``).

Importing this module registers every adapter by name, whether or not its
library is installed; the libraries themselves are imported lazily, so this
module imports with none of them. A contender whose library is missing
raises ``ImportError`` (naming the package to install) when it is made:
``make_contender("optuna_tpe")``.

========================  ===========================================  ==========================
name                      what runs                                    needs
========================  ===========================================  ==========================
``optuna_tpe``            :class:`OptunaStrategy` (``TPESampler``)     optuna
``optuna_gp``             :class:`OptunaStrategy` (``GPSampler``)      optuna, torch
``skopt_gp``              :class:`SkoptStrategy` (GP ``Optimizer``)    scikit-optimize
``hyperopt_tpe``          :class:`HyperoptContender` (``fmin``, TPE)   hyperopt
``botorch_logei``         :class:`BotorchStrategy` (BoTorch's          botorch (and torch)
                          defaults, log-EI)
``botorch_noiseless``     :class:`BotorchStrategy`, the observations   botorch (and torch)
                          told noise-free (``noise_variance=1e-6``)
``sklearn_random``        :class:`SklearnSearchContender`              scikit-learn (always there)
                          (``RandomizedSearchCV``)
``sklearn_halving``       :class:`SklearnSearchContender`              scikit-learn
                          (``HalvingRandomSearchCV``)
========================  ===========================================  ==========================

The peers that speak ask/tell (Optuna, scikit-optimize, BoTorch) are hpo
:class:`~hpo.strategies.Strategy` subclasses, so they run through
``hpo.optimize`` like hpo's own strategies and are timed by the same loop.
Hyperopt and scikit-learn's searches drive their own loops and implement
:meth:`~hpo.benchmarking.contenders.Contender.run` directly.
"""

from __future__ import annotations

import importlib
import math
import time
import warnings
from typing import Any, Callable

import numpy as np

from ..engine import call_mode, evaluate
from ..spaces import Categorical, Float, Int, Space
from ..strategies.base import Strategy
from ..trial import OK, PRUNED, Candidate, Trial
from .contenders import Contender, RunTrace, StrategyContender, register_contender
from .problem import Problem

__all__ = [
    "OptunaStrategy", "SkoptStrategy", "BotorchStrategy", "HyperoptContender", "SklearnSearchContender",
    "PEERS", "SKLEARN_TAGS",
]

#: Peer name -> (the Python modules it needs, the pip requirement to suggest).
PEERS: dict[str, tuple[tuple[str, ...], str]] = {
    "optuna_tpe": (("optuna",), "pip install 'hpo[peers]'"),
    "optuna_gp": (("optuna", "torch"), "pip install 'hpo[peers]' torch"),
    "skopt_gp": (("skopt",), "pip install 'hpo[peers]'"),
    "hyperopt_tpe": (("hyperopt",), "pip install 'hpo[peers]'"),
    "botorch_logei": (("botorch", "torch"), "pip install botorch"),
    "botorch_noiseless": (("botorch", "torch"), "pip install botorch"),
    "sklearn_random": ((), ""),
    "sklearn_halving": ((), ""),
}

#: The tags a problem needs for scikit-learn's own searches to run it.
SKLEARN_TAGS = ("estimator", "X_train", "y_train", "scoring", "cv")

_PACKAGE_OF = {"optuna": "optuna", "torch": "torch", "skopt": "scikit-optimize", "hyperopt": "hyperopt",
               "botorch": "botorch"}


def _require(module: str, who: str, hint: str = "pip install 'hpo[peers]'") -> Any:
    """Import ``module`` or raise an ImportError that says what to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{who} needs {_PACKAGE_OF.get(module, module)} ({type(exc).__name__}: {exc}): {hint}"
        ) from exc


def _require_peer(name: str) -> None:
    """Import every module the peer ``name`` needs (``PEERS``), or raise an ImportError with its install hint."""
    modules, hint = PEERS[name]
    for module in modules:
        _require(module, name, hint)


def _seed_from(rng: np.random.Generator) -> int:
    """A 31-bit int seed drawn from ``rng`` (what RandomState-based libraries accept)."""
    return int(rng.integers(0, 2**31 - 1))


def _ordered(space: Space, config: dict) -> dict:
    """``config`` with its keys in the space's declaration order."""
    return {name: config[name] for name in space.names if name in config}


def _primitive_choices(choices: tuple) -> bool:
    """Whether Optuna can take these choices as they are (plain values, distinct under ``==``)."""
    if not all(c is None or type(c) in (bool, int, float, str) for c in choices):
        return False
    return len(set(choices)) == len(choices)  # True == 1 == 1.0 would be merged


# ============================================================================ Optuna
class OptunaStrategy(Strategy):
    """Optuna's TPE or GP sampler as an hpo strategy, through Optuna's ask-and-tell interface.

    Each ``ask`` opens an Optuna trial per candidate and suggests the
    parameters define-by-run: parents first, only the active ones, so that a
    conditional space is conditional for Optuna too (TPE models each
    parameter from the trials where it was active); a range that depends on
    another parameter (``ref``) is resolved from the values suggested before
    it. Categorical choices that Optuna cannot store (tuples, or values equal
    under ``==`` such as ``True`` and ``1``) are suggested as their indices.
    Candidates still running are Optuna trials in the RUNNING state (TPE's
    constant liar takes them into account). A failed trial is told as
    ``TrialState.FAIL``, a pruned one as ``TrialState.PRUNED``.

    Optuna's logging is lowered to warnings when a strategy is made.

    Parameters
    ----------
    space : Space
    seed : int, Generator or None
        Seeds ``self.rng``; the sampler's seed is an int drawn from it.
    sampler : {"tpe", "gp"}, default "tpe"
        ``optuna.samplers.TPESampler`` or ``optuna.samplers.GPSampler``
        (the latter needs PyTorch).
    sampler_options : dict, optional
        Extra keyword arguments of the sampler (``n_startup_trials``...).
    """

    name = "optuna"

    def __init__(self, space: Space, *, seed=None, sampler: str = "tpe",
                 sampler_options: dict | None = None) -> None:
        super().__init__(space, seed=seed)
        if sampler not in ("tpe", "gp"):
            raise ValueError(f"sampler must be 'tpe' or 'gp', got {sampler!r}")
        who = f"optuna_{sampler}"
        optuna = _require("optuna", who)
        if sampler == "gp":
            _require("torch", who, PEERS["optuna_gp"][1])
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.name = who
        self.sampler_name = sampler
        options = dict(sampler_options or {})
        options.setdefault("seed", _seed_from(self.rng))
        if sampler == "gp":  # parameters outside the GP's (intersection) space are sampled at random
            options.setdefault("warn_independent_sampling", False)  # on a conditional space: every trial
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            cls = optuna.samplers.TPESampler if sampler == "tpe" else optuna.samplers.GPSampler
            self._sampler = cls(**options)
            self._study = optuna.create_study(direction="minimize", sampler=self._sampler)
        self._TrialState = optuna.trial.TrialState
        self._open: dict[int, Any] = {}  # optuna trial number -> optuna Trial, per candidate asked
        self._as_index = {
            name: isinstance(dim, Categorical) and not _primitive_choices(dim.choices)
            for name, dim in space.dims.items()
        }

    def _ask(self, n: int) -> list[Candidate]:
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Optuna's notes on independent sampling, experimental features
            for _ in range(n):
                trial = self._study.ask()
                config = self._suggest(trial)
                self._open[trial.number] = trial
                out.append(Candidate(config, None, 0, {"optuna_trial": trial.number}))
        return out

    def _suggest(self, trial: Any) -> dict:
        config: dict = {}
        for name in self.space._order:
            dim = self.space[name]
            if not self.space.is_active(name, config):
                continue
            if isinstance(dim, Categorical):
                if self._as_index[name]:
                    i = trial.suggest_categorical(name, list(range(len(dim.choices))))
                    config[name] = dim.choices[i]
                else:
                    config[name] = trial.suggest_categorical(name, list(dim.choices))
            elif isinstance(dim, Int):
                low, high = self.space.bounds(name, config)
                config[name] = int(trial.suggest_int(name, low, high, log=dim.log))
            else:
                low, high = self.space.bounds(name, config)
                config[name] = float(trial.suggest_float(name, low, high, log=dim.log))
        return _ordered(self.space, config)

    def _tell(self, trial: Trial) -> None:
        optuna_trial = self._open.pop(trial.candidate.info["optuna_trial"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if trial.status == OK:
                self._study.tell(optuna_trial, float(trial.loss))
            elif trial.status == PRUNED:
                self._study.tell(optuna_trial, state=self._TrialState.PRUNED)
            else:
                self._study.tell(optuna_trial, state=self._TrialState.FAIL)


# ============================================================================ scikit-optimize
class SkoptStrategy(Strategy):
    """scikit-optimize's Bayesian ``Optimizer`` (a Gaussian process) over the space's unit encoding.

    scikit-optimize knows no conditions, so it searches the unit box of
    :meth:`Space.encode`: one ``Real(0, 1)`` per numeric column and a
    ``Categorical`` of choice indices per categorical column (one-hot for the
    GP); a point decodes through :meth:`Space.decode`, which always gives a
    valid configuration (the columns of inactive parameters are ignored, and
    a dependent range is relative to the range that holds). The GP sees every
    column, inactive ones included.

    Candidates still running are handled with a constant liar: the next
    points come from a copy of the optimizer told the running points at the
    best loss seen (skopt's ``cl_min``). A failed or pruned trial is told at
    the worst loss seen so far (so the GP steers away from it and never
    proposes it again); failures before any trial succeeded are held back and
    told at the first loss.

    Parameters
    ----------
    space : Space
    seed : int, Generator or None
        Seeds ``self.rng``; skopt's ``random_state`` is an int drawn from it.
    acq_func : str, default "gp_hedge"
        skopt's acquisition function ("gp_hedge", "EI", "LCB", "PI").
    n_initial_points : int, default 10
        Random points before the GP takes over.
    optimizer_options : dict, optional
        Extra keyword arguments of ``skopt.Optimizer``.
    """

    name = "skopt_gp"

    def __init__(self, space: Space, *, seed=None, acq_func: str = "gp_hedge", n_initial_points: int = 10,
                 optimizer_options: dict | None = None) -> None:
        super().__init__(space, seed=seed)
        _require("skopt", "skopt_gp")
        from skopt.space import Categorical as SkCategorical
        from skopt.space import Real

        self._k = []  # choices per column (0: numeric)
        dims = []
        for name in space.names:
            dim = space[name]
            if isinstance(dim, Categorical) and len(dim.choices) > 1:
                dims.append(SkCategorical(list(range(len(dim.choices))), name=name))
                self._k.append(len(dim.choices))
            else:
                dims.append(Real(0.0, 1.0, name=name))
                self._k.append(0)
        options = dict(optimizer_options or {})
        options.setdefault("initial_point_generator", "random")
        self._kwargs = dict(dimensions=dims, base_estimator="GP", acq_func=acq_func,
                            n_initial_points=int(n_initial_points), **options)
        self._opt = self._make(_seed_from(self.rng))
        self._points: dict[int, list] = {}  # candidate key -> the skopt point asked
        self._held: list[list] = []         # failed points waiting for a first loss
        self._worst: float | None = None
        self._next_key = 0

    def _make(self, random_state: int) -> Any:
        import skopt

        return skopt.Optimizer(random_state=random_state, **self._kwargs)

    def _decode(self, x: list) -> dict:
        u = np.array([(v + 0.5) / k if k else v for v, k in zip(x, self._k)], dtype=float)
        return self.space.decode(u[None, :])[0]

    def _ask(self, n: int) -> list[Candidate]:
        outstanding = list(self._points.values()) + self._held
        with warnings.catch_warnings(), _one_blas_thread():
            warnings.simplefilter("ignore")  # repeated points, GP convergence notes
            if not self._opt.yi:  # nothing told yet: skopt draws random initial points
                xs = [self._opt.ask() for _ in range(n)]
            elif not outstanding and n == 1:
                xs = [self._opt.ask()]
            else:
                xs = self._ask_with_lies(outstanding, n)
        out = []
        for x in xs:
            x = [_plain(v) for v in x]
            key = self._next_key
            self._next_key += 1
            self._points[key] = x
            out.append(Candidate(self._decode(x), None, 0, {"skopt_point": key}))
        return out

    def _ask_with_lies(self, outstanding: list, n: int) -> list:
        """Points from a copy of the optimizer told the running points at the best loss (constant liar)."""
        # A fresh optimizer told the facts and the lies at once: one GP fit (skopt's
        # ``Optimizer.copy`` would fit once for the facts and again for the lies).
        opt = self._make(_seed_from(self.rng))
        lie = float(np.min(self._opt.yi))
        opt.tell(list(self._opt.Xi) + outstanding, list(self._opt.yi) + [lie] * len(outstanding))
        xs = []
        for i in range(n):
            x = opt.ask()
            xs.append(x)
            if i + 1 < n:
                opt.tell(x, lie)
        return xs

    def _tell(self, trial: Trial) -> None:
        x = self._points.pop(trial.candidate.info["skopt_point"])
        with warnings.catch_warnings(), _one_blas_thread():
            warnings.simplefilter("ignore")
            if trial.status == OK:
                loss = float(trial.loss)
                self._worst = loss if self._worst is None else max(self._worst, loss)
                xs, ys = [x] + self._held, [loss] + [self._worst] * len(self._held)
                self._held = []
                self._opt.tell(xs, ys)
            elif self._worst is None:
                self._held.append(x)
            else:
                self._opt.tell(x, self._worst)


# ============================================================================ BoTorch
class BotorchStrategy(Strategy):
    """BoTorch's "vanilla" Bayesian optimization over the space's unit encoding: the reference GP recipe.

    What BoTorch's documentation builds by default, unchanged: a
    ``SingleTaskGP`` (RBF kernel with one length scale per column and the
    dimension-scaled log-normal length-scale prior of Hvarfner et al. 2024,
    a Gaussian likelihood whose noise is fitted, outcomes standardized),
    fitted by ``fit_gpytorch_mll``, and log expected improvement
    (``LogExpectedImprovement``; ``qLogExpectedImprovement`` with the running
    candidates as ``X_pending`` when there are some or ``n > 1``) maximized by
    ``optimize_acqf`` (``num_restarts=10, raw_samples=512``). The initial
    design is a scrambled Sobol sample of the size hpo's ``"bayes"`` uses
    (:func:`~hpo.strategies.bayes.default_n_initial`), so that the two differ
    in the model and the acquisition only.

    BoTorch knows no conditions, integers or categoricals here: it searches
    the unit box of :meth:`Space.encode` (every column continuous) and a
    point decodes through :meth:`Space.decode`, which rounds integers, picks
    a categorical's choice by its bin, ignores inactive columns and resolves
    dependent ranges. A failed or pruned trial is told at the worst loss seen.

    Parameters
    ----------
    space : Space
    seed : int, Generator or None
        Seeds ``self.rng``; every ask runs under a forked torch RNG seeded
        from it, so runs repeat and torch's global RNG is left alone.
    n_initial : int, optional
        Size of the Sobol design; default as hpo's ``"bayes"``.
    noise_variance : float, optional
        None (default) fits the noise, as BoTorch does unless told otherwise;
        a number fixes it (in standardized units: ``1e-6`` tells the model the
        observations are exact, the usual setting for deterministic test
        functions).
    num_restarts, raw_samples : int, default 10 and 512
        ``optimize_acqf``'s settings.
    """

    name = "botorch"

    def __init__(self, space: Space, *, seed=None, n_initial: int | None = None,
                 noise_variance: float | None = None, num_restarts: int = 10, raw_samples: int = 512) -> None:
        super().__init__(space, seed=seed)
        _require_peer("botorch_noiseless" if noise_variance is not None else "botorch_logei")
        from scipy.stats import qmc

        from ..strategies.bayes import default_n_initial

        if noise_variance is not None and (isinstance(noise_variance, bool)
                                           or not isinstance(noise_variance, (int, float))
                                           or not math.isfinite(noise_variance) or noise_variance <= 0):
            raise ValueError(f"noise_variance must be a positive number or None, got {noise_variance!r}")
        self.n_initial = default_n_initial(space) if n_initial is None else int(n_initial)
        if self.n_initial < 2:
            raise ValueError(f"n_initial must be at least 2 (a GP needs two points), got {n_initial!r}")
        self.noise_variance = noise_variance
        self.num_restarts = int(num_restarts)
        self.raw_samples = int(raw_samples)
        self._design = qmc.Sobol(len(space), scramble=True, seed=_seed_from(self.rng))
        self._units: dict[int, np.ndarray] = {}  # candidate id -> the unit point asked

    def _ask(self, n: int) -> list[Candidate]:
        told = self.trials
        if self._n_asked + n <= self.n_initial or sum(t.status == OK for t in told) < 2:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # scipy: "balance properties ... n a power of 2"
                U = self._design.random(n)
        else:
            U = self._from_model(told, n)
        out = []
        for i, u in enumerate(U):
            self._units[self._n_asked + i] = u  # Strategy.ask numbers the candidates from _n_asked
            out.append(Candidate(self.space.decode(u[None, :])[0], None, 0, {}))
        return out

    def _from_model(self, told: list[Trial], n: int) -> np.ndarray:
        import torch
        from botorch.acquisition import LogExpectedImprovement, qLogExpectedImprovement
        from botorch.fit import fit_gpytorch_mll
        from botorch.models import SingleTaskGP
        from botorch.models.transforms import Standardize
        from botorch.optim import optimize_acqf
        from gpytorch.mlls import ExactMarginalLogLikelihood

        ok = [float(t.loss) for t in told if t.status == OK and t.loss is not None and math.isfinite(t.loss)]
        worst = max(ok)
        y = np.array([float(t.loss) if t.status == OK and t.loss is not None and math.isfinite(t.loss) else worst
                      for t in told])
        missing = [t.candidate for t in told if t.candidate.id not in self._units]
        if missing:  # trials this strategy did not propose (told from a store): their encodings
            for c, u in zip(missing, self.space.encode([c.config for c in missing])):
                self._units[c.id] = u
        X = np.vstack([self._units[t.candidate.id] for t in told])
        pending = [self._units[c] for c in self.pending]
        d = X.shape[1]
        with torch.random.fork_rng(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # input-scaling notes, optimizer restarts
            torch.manual_seed(_seed_from(self.rng))
            tX = torch.tensor(X, dtype=torch.double)
            tY = torch.tensor(-y, dtype=torch.double).unsqueeze(-1)  # BoTorch maximizes
            extra = {}
            if self.noise_variance is not None:  # fixed, in standardized units
                scale = float(np.var(y)) if np.var(y) > 0 else 1.0
                extra["train_Yvar"] = torch.full_like(tY, self.noise_variance * scale)
            model = SingleTaskGP(tX, tY, outcome_transform=Standardize(m=1), **extra)
            fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
            best = tY.max()
            if n == 1 and not pending:
                acq = LogExpectedImprovement(model, best_f=best)
            else:
                X_pending = torch.tensor(np.array(pending), dtype=torch.double) if pending else None
                acq = qLogExpectedImprovement(model, best_f=best, X_pending=X_pending)
            bounds = torch.stack([torch.zeros(d, dtype=torch.double), torch.ones(d, dtype=torch.double)])
            x, _ = optimize_acqf(acq, bounds=bounds, q=n, num_restarts=self.num_restarts,
                                 raw_samples=self.raw_samples)
        return np.clip(x.detach().numpy().reshape(n, d), 0.0, 1.0)


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _one_blas_thread() -> Any:
    """A context with BLAS limited to one thread: a GP's matrices are tiny, and threads waking
    for each small product cost skopt several times its own run time (measured 3x on 2 cores)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


# ============================================================================ Hyperopt
_BRANCH = "\x00branch"
_MAX_BRANCHES = 256


class HyperoptContender(Contender):
    """Hyperopt's TPE (``fmin(algo=tpe.suggest)``) with its own loop.

    The space becomes a Hyperopt space: floats ``hp.uniform`` /
    ``hp.loguniform``, integers ``hp.quniform`` / ``hp.qloguniform`` over
    ``[low - 0.5, high + 0.5]`` (rounded and clipped, so both ends are as
    likely as any other value), categoricals ``hp.choice`` over their
    indices. Conditions on categorical parents become nested ``hp.choice``
    branches (a child lives inside the branches of the choices that make it
    active), which is how Hyperopt's TPE models conditional spaces.

    Where Hyperopt's nesting cannot express the space (a condition on a
    numeric parent, such as ``n_layers=at_least(2)``; a range that depends
    on another parameter, ``ref``; or more than 256 branches), it searches
    the unit box instead: one ``hp.uniform(0, 1)`` per column, decoded by
    :meth:`Space.decode` (always a valid configuration). Then TPE models
    every column, including those of inactive parameters.

    Evaluations go through hpo's evaluation boundary
    (:func:`hpo.engine.evaluate`): errors, NaN and infinite values are failed
    trials (``STATUS_FAIL`` for Hyperopt, None in the trace), and
    ``eval_seconds`` times the objective alone.
    """

    name = "hyperopt_tpe"

    def __init__(self, name: str = "hyperopt_tpe", algo_options: dict | None = None) -> None:
        self.name = name
        self.algo_options = dict(algo_options or {})
        _require("hyperopt", name)

    # -- the space ------------------------------------------------------------
    @staticmethod
    def nestable(space: Space) -> bool:
        """Whether Hyperopt's nested choices express the space (else: the unit box)."""
        for dim in space.dims.values():
            if getattr(dim, "refs", None):
                return False
            for parent in dim.conditions:
                if not isinstance(space[parent], Categorical):
                    return False
        return True

    def hp_space(self, space: Space) -> tuple[Any, bool]:
        """The Hyperopt space, and whether it is nested (True) or the unit box (False)."""
        from hyperopt import hp

        if self.nestable(space):
            builder = _NestedSpace(space, hp)
            try:
                return builder.build(0, {}, ""), True
            except _TooManyBranches:
                pass
        return {f"u{j}": hp.uniform(f"u{j}", 0.0, 1.0) for j in range(len(space))}, False

    @staticmethod
    def to_config(space: Space, sample: dict, nested: bool) -> dict:
        """The configuration of a sample Hyperopt drew from :meth:`hp_space`."""
        if not nested:
            u = np.array([[float(sample[f"u{j}"]) for j in range(len(space))]])
            return space.decode(u)[0]
        flat: dict = {}
        _flatten(sample, flat)
        config = {}
        for name, v in flat.items():
            dim = space[name]
            if isinstance(dim, Categorical):
                config[name] = dim.choices[int(v)]
            elif isinstance(dim, Int):
                config[name] = int(min(max(round(float(v)), dim.low), dim.high))
            else:
                config[name] = float(min(max(float(v), dim.low), dim.high))
        return _ordered(space, config)

    # -- the run --------------------------------------------------------------
    def run(self, problem: Problem, n_trials: int, seed: int) -> RunTrace:
        from hyperopt import STATUS_FAIL, STATUS_OK, Trials, fmin, tpe
        from hyperopt.exceptions import AllTrialsFailed

        space = problem.space
        hp_space, nested = self.hp_space(space)
        pass_budget = call_mode(problem.objective)  # objective(config, trial) gets a handle without stop rule
        losses: list = []
        eval_seconds: list = []
        configs: list = []

        def fn(sample: dict) -> dict:
            config = self.to_config(space, sample, nested)
            candidate = Candidate(config, None, len(losses), {})
            t0 = time.perf_counter()
            status, value, error, *_ = evaluate(problem.objective, candidate, pass_budget)
            eval_seconds.append(time.perf_counter() - t0)
            configs.append(config)
            if status == OK:
                losses.append(float(value))
                return {"status": STATUS_OK, "loss": float(value)}
            losses.append(None)
            return {"status": STATUS_FAIL, "error": error}

        algo = tpe.suggest
        if self.algo_options:
            import functools

            algo = functools.partial(tpe.suggest, **self.algo_options)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fmin(fn, hp_space, algo=algo, max_evals=int(n_trials), trials=Trials(),
                     rstate=np.random.default_rng(seed), show_progressbar=False, return_argmin=False)
            except AllTrialsFailed:
                pass
        wall = time.perf_counter() - start
        ok = [i for i, v in enumerate(losses) if v is not None]
        best = configs[min(ok, key=lambda i: losses[i])] if ok else None
        return RunTrace(losses=losses, budgets=[None] * len(losses), eval_seconds=eval_seconds,
                        wall_seconds=wall, best_config=best, extra={"nested_space": nested})


class _TooManyBranches(Exception):
    pass


class _NestedSpace:
    """Builds a Hyperopt space with one nested ``hp.choice`` level per categorical that conditions others.

    Level ``j`` decides the ``j``-th such categorical (parents first); a
    parameter sits at the first level where all its condition parents are
    decided, inside the branch of the choices that make it active. Labels
    carry the branch path, so that they are unique.
    """

    def __init__(self, space: Space, hp: Any) -> None:
        self.space = space
        self.hp = hp
        cond_parents = {p for dim in space.dims.values() for p in dim.conditions}
        self.deciders = [n for n in space._order if n in cond_parents]
        self.level = {}
        for name in space.names:
            parents = space[name].conditions
            self.level[name] = 1 + max((self.deciders.index(p) for p in parents), default=-1)
        self.n_branches = 0

    def build(self, level: int, context: dict, path: str) -> dict:
        node: dict = {}
        for name in self.space._order:
            if name in self.deciders or self.level[name] != level:
                continue
            if self.space.is_active(name, context):
                node[name] = self._leaf(name, f"{name}{path}")
        if level < len(self.deciders):
            decider = self.deciders[level]
            dim = self.space[decider]
            if self.space.is_active(decider, context):
                branches = []
                for i, choice in enumerate(dim.choices):
                    self.n_branches += 1
                    if self.n_branches > _MAX_BRANCHES:
                        raise _TooManyBranches
                    sub = self.build(level + 1, {**context, decider: choice}, f"{path}|{decider}={i}")
                    branches.append({decider: i, **sub})
                node[f"{_BRANCH}{level}"] = self.hp.choice(f"{decider}{path}", branches)
            else:
                node.update(self.build(level + 1, context, path))
        return node

    def _leaf(self, name: str, label: str) -> Any:
        hp = self.hp
        dim = self.space[name]
        if isinstance(dim, Categorical):
            return hp.choice(label, list(range(len(dim.choices))))
        low, high = float(dim.low), float(dim.high)
        if isinstance(dim, Int):
            if dim.log:
                return hp.qloguniform(label, math.log(low - 0.5), math.log(high + 0.5), 1)
            return hp.quniform(label, low - 0.5, high + 0.5, 1)
        if dim.log:
            return hp.loguniform(label, math.log(low), math.log(high))
        return hp.uniform(label, low, high)


def _flatten(sample: Any, out: dict) -> None:
    for key, value in sample.items():
        if isinstance(key, str) and key.startswith(_BRANCH):
            _flatten(value, out)
        else:
            out[key] = value


# ============================================================================ scikit-learn
class _LogUniformInt:
    """Log-uniform integers in ``[low, high]`` with both ends reachable (as hpo's ``Int(log=True)``).

    Draws ``floor(exp(U(log(low - 0.5), log(high + 0.5))) + 0.5)``: each
    integer gets the log-width of its bin. Has the ``rvs`` that
    scikit-learn's ``ParameterSampler`` calls.
    """

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = int(low), int(high)

    def rvs(self, size=None, random_state=None):
        from sklearn.utils import check_random_state

        rng = check_random_state(random_state)
        a, b = math.log(self.low - 0.5), math.log(self.high + 0.5)
        v = np.clip(np.floor(np.exp(rng.uniform(a, b, size=size)) + 0.5), self.low, self.high).astype(np.int64)
        return int(v) if size is None else v

    def __repr__(self) -> str:
        return f"_LogUniformInt({self.low}, {self.high})"


class SklearnSearchContender(Contender):
    """scikit-learn's ``RandomizedSearchCV`` or ``HalvingRandomSearchCV`` on a problem's own data and folds.

    Runs problems whose ``tags`` hold ``estimator``, ``X_train``, ``y_train``,
    ``scoring`` and ``cv`` (the ``sklearn`` suite's do), with the same
    estimator, scorer and CV folds as the problem's objective; the loss of a
    row of ``cv_results_`` is ``tags.get("loss_offset", 0) - mean_test_score``,
    the problem's own loss. Spaces with conditions, dependent ranges or a
    ``to_params`` mapping are not supported (scikit-learn's
    ``param_distributions`` cannot say them). Distributions: floats
    ``scipy.stats.uniform`` / ``loguniform``, integers ``scipy.stats.randint``
    or a log-uniform integer sampler, categoricals a list of the choices.
    A fit that fails scores NaN (``error_score=np.nan``): a failed trial.

    ``RandomizedSearchCV`` evaluates ``n_iter = n_trials`` candidates.
    ``HalvingRandomSearchCV`` (``factor=3``) gets the largest
    ``n_candidates`` whose rungs add up to at most ``n_trials`` evaluations
    (:meth:`halving_plan`), and a ``min_resources`` that makes its last rung
    use all the resource but the remainder of a division by
    ``3**(rungs - 1)`` (what ``min_resources="exhaust"`` aims at; "exhaust"
    itself falls short when the data cannot feed every rung the candidates
    would need, ending at a third of the rows or less). Its resource is the
    problem's: ``tags["budget_param"]`` (an estimator parameter such as
    ``max_iter`` or ``epochs``, from the problem's ``min_budget`` to its
    ``max_budget``, refitted from scratch at every rung, as scikit-learn
    does), or training rows (``"n_samples"``) when that is None. Each row's
    budget is its ``n_resources``. Halving by rows subsamples the validation
    folds too, so the last rung's losses are close to, not always exactly,
    the problem's loss (exactly it when the rows divide). The best
    configuration is the best of the last rung.

    ``eval_seconds`` of a row is ``(mean_fit_time + mean_score_time) * n_splits``. The search runs on
    one thread (BLAS and OpenMP limited to 1), as the problems' own objectives do.
    """

    def __init__(self, name: str, halving: bool = False, factor: int = 3) -> None:
        self.name = name
        self.halving = bool(halving)
        self.factor = factor

    def supports(self, problem: Problem) -> bool:
        tags = getattr(problem, "tags", None) or {}
        if not all(tags.get(k) is not None for k in SKLEARN_TAGS):
            return False
        if self.halving and tags.get("budget_param") is not None and getattr(problem, "max_budget", None) is None:
            return False  # halving by an estimator parameter needs the problem's budget range
        space = problem.space
        if getattr(space, "_to_params", None) is not None:
            return False
        return not any(dim.conditions or getattr(dim, "refs", None) for dim in space.dims.values())

    @staticmethod
    def param_distributions(space: Space) -> dict:
        """scikit-learn ``param_distributions`` for an unconditional space without references."""
        from scipy import stats

        out: dict = {}
        for name in space.names:
            dim = space[name]
            if dim.conditions or getattr(dim, "refs", None):
                raise ValueError(f"{name}: scikit-learn's searches take no conditions or dependent ranges")
            if isinstance(dim, Categorical):
                out[name] = list(dim.choices)
            elif isinstance(dim, Int):
                low, high = int(dim.low), int(dim.high)
                out[name] = _LogUniformInt(low, high) if dim.log else stats.randint(low, high + 1)
            elif dim.log:
                out[name] = stats.loguniform(float(dim.low), float(dim.high))
            else:
                out[name] = stats.uniform(float(dim.low), float(dim.high) - float(dim.low))
        return out

    def halving_plan(self, n_trials: int, n_samples: int, smallest: int) -> tuple[int, int, int]:
        """``(n_candidates, min_resources, rows)`` of the successive halving to run.

        The most candidates whose rungs add up to at most ``n_trials`` rows,
        with as many rungs as the candidates need (``1 + floor(log3(c))``)
        and the data allows (the first rung has at least ``smallest`` rows,
        scikit-learn's own floor: 2 per CV split, times the classes), and
        ``min_resources`` such that the last rung uses all ``n_samples`` but
        the remainder of a division by ``3**(rungs - 1)``.
        """
        f = self.factor
        smallest = max(1, min(int(smallest), int(n_samples)))
        n_possible = 1 + math.floor(math.log(n_samples // smallest, f))
        plan = (1, smallest, 1)
        for c in range(1, int(n_trials) + 1):
            n_iterations = min(1 + math.floor(math.log(c, f)), n_possible)  # as scikit-learn computes them
            rows = _halving_rows(c, f, n_iterations)
            if rows <= n_trials:
                plan = (c, max(smallest, n_samples // f ** (n_iterations - 1)), rows)
        return plan

    def _config(self, space: Space, params: dict) -> dict:
        config = {}
        for name in space.names:
            dim = space[name]
            v = _plain(params[name])
            if isinstance(dim, Int):
                v = int(min(max(int(v), dim.low), dim.high))
            elif isinstance(dim, Float):
                v = float(min(max(float(v), dim.low), dim.high))
            config[name] = v
        return config

    def run(self, problem: Problem, n_trials: int, seed: int) -> RunTrace:
        if not self.supports(problem):
            raise ValueError(
                f"{self.name} needs a problem with tags {list(SKLEARN_TAGS)} and a space without "
                f"conditions, dependent ranges or to_params; {problem.name!r} is not one"
            )
        from sklearn.base import clone
        from sklearn.exceptions import ConvergenceWarning, FitFailedWarning

        tags = problem.tags
        space = problem.space
        common = dict(
            scoring=tags["scoring"], cv=tags["cv"], refit=False, error_score=np.nan,
            random_state=seed, n_jobs=1,
        )
        dists = self.param_distributions(space)
        if self.halving:
            from sklearn.base import is_classifier
            from sklearn.experimental import enable_halving_search_cv  # noqa: F401
            from sklearn.model_selection import HalvingRandomSearchCV, check_cv

            estimator = tags["estimator"]
            X, y = tags["X_train"], tags["y_train"]
            param = tags.get("budget_param")
            if param is None:  # halving by training rows
                n_samples = X.shape[0] if hasattr(X, "shape") else len(X)
                n_splits = check_cv(tags["cv"], y, classifier=is_classifier(estimator)).get_n_splits(X, y)
                smallest = 2 * n_splits * (len(np.unique(y)) if is_classifier(estimator) else 1)
                n_candidates, min_resources, _ = self.halving_plan(n_trials, n_samples, smallest)
                extra: dict = {"resource": "n_samples"}
            else:  # halving by the estimator parameter the problem's budget sets (max_iter, epochs)
                top = int(problem.max_budget)
                n_candidates, min_resources, _ = self.halving_plan(n_trials, top, int(problem.min_budget or 1))
                extra = {"resource": param, "max_resources": top}
            search: Any = HalvingRandomSearchCV(
                clone(estimator), dists, n_candidates=n_candidates, factor=self.factor,
                min_resources=min_resources, **extra, **common,
            )
        else:
            from sklearn.model_selection import RandomizedSearchCV

            search = RandomizedSearchCV(clone(tags["estimator"]), dists, n_iter=int(n_trials), **common)
        from .sklearn_tasks import _one_thread

        start = time.perf_counter()
        with warnings.catch_warnings(), _one_thread():  # one thread, as the problems' own objectives run
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", FitFailedWarning)
            warnings.simplefilter("ignore", UserWarning)  # non-finite scores, small grids
            search.fit(tags["X_train"], tags["y_train"])
        wall = time.perf_counter() - start
        res = search.cv_results_
        offset = float(tags.get("loss_offset", 0.0))
        scores = np.asarray(res["mean_test_score"], dtype=float)
        losses = [offset - s if math.isfinite(s) else None for s in scores.tolist()]
        n_splits = int(search.n_splits_)
        eval_seconds = ((np.asarray(res["mean_fit_time"]) + np.asarray(res["mean_score_time"])) * n_splits).tolist()
        if self.halving:
            budgets = [int(b) for b in res["n_resources"]]
            last = max(res["iter"])
            rows = [i for i in range(len(losses)) if res["iter"][i] == last and losses[i] is not None]
        else:
            budgets = [None] * len(losses)
            rows = [i for i in range(len(losses)) if losses[i] is not None]
        best = self._config(space, res["params"][min(rows, key=lambda i: losses[i])]) if rows else None
        return RunTrace(losses=losses, budgets=budgets, eval_seconds=eval_seconds, wall_seconds=wall,
                        best_config=best, extra={"n_splits": n_splits})


def _halving_rows(n_candidates: int, factor: float, n_iterations: int | None = None) -> int:
    """Rows of ``cv_results_`` of successive halving from ``n_candidates`` (default: every rung it needs)."""
    if n_iterations is None:
        n_iterations = 1 + math.floor(math.log(n_candidates, factor))  # as scikit-learn computes it
    rows, c = 0, n_candidates
    for _ in range(n_iterations):
        rows += c
        c = math.ceil(c / factor)
    return rows


# ============================================================================ registration
def _strategy_peer(name: str, strategy: type, options: dict | None = None) -> Callable[[], Contender]:
    """A factory for the peer ``name`` that runs as an hpo strategy; it checks the peer's imports first."""
    def factory() -> Contender:
        _require_peer(name)
        return StrategyContender(name, strategy=strategy, options=options)

    return factory


def _hyperopt_contender() -> Contender:
    return HyperoptContender("hyperopt_tpe")


register_contender("optuna_tpe", _strategy_peer("optuna_tpe", OptunaStrategy, {"sampler": "tpe"}))
register_contender("optuna_gp", _strategy_peer("optuna_gp", OptunaStrategy, {"sampler": "gp"}))
register_contender("skopt_gp", _strategy_peer("skopt_gp", SkoptStrategy))
register_contender("hyperopt_tpe", _hyperopt_contender)
register_contender("botorch_logei", _strategy_peer("botorch_logei", BotorchStrategy))
register_contender("botorch_noiseless", _strategy_peer("botorch_noiseless", BotorchStrategy, {"noise_variance": 1e-6}))
register_contender("sklearn_random", lambda: SklearnSearchContender("sklearn_random"))
register_contender("sklearn_halving", lambda: SklearnSearchContender("sklearn_halving", halving=True))
