"""Your own training loop (issue 20): small epochs first, with ``objective(config, trial)``, against random search and Optuna.

Three training loops that are not a scikit-learn estimator's own ``fit``,
each an ``objective(config, trial)`` that reports the validation loss after
every epoch, asks ``trial.should_stop()`` and saves its state when a rung
pauses it (``trial.save``), so that a promoted candidate continues
(``trial.load()``, ``trial.done``):

``mlp_digits``
    A numpy MLP (one ReLU layer, softmax) trained by hand with minibatch SGD
    and momentum on ``load_digits`` (70 / 30 stratified split); the
    validation loss is the cross-entropy. 27 epochs at most.
``sgd_partial_fit``
    ``SGDClassifier(loss="log_loss")`` by epochs of ``partial_fit`` driven by
    the loop, on a 20,000-row ``make_classification`` (16,000 to train,
    4,000 to validate, standardized); validation log-loss. 27 epochs at most.
``crossing_curves``
    A synthetic learning-curve problem whose curves cross: a larger
    effective step (learning rate, smaller batch) learns faster but settles
    on a higher noise floor, a wide unregularized model fits faster and then
    overfits; AR(1) noise from epoch to epoch, carried in the state. An
    epoch costs 1 ms (``--epoch-seconds``, slept). 81 epochs at most.

The search spaces and maximum epochs were fixed before anything was tuned
or measured (the commit that added them holds no figures).

Contenders, per problem and seed (``--seeds``, default 10), one process, one
BLAS thread, in this order:

- ``random``: hpo's random search, 50 trials (``--random-trials``) at the
  full budget; its best validation loss is the *target*, its epochs
  (50 x max epochs) the budget ``E`` of every other contender.
- ``asha``, ``hyperband`` (hpo, eta = 3, ``min_budget=1``, the random
  sampler, their default): paused runs continue from their saved state.
- ``asha_auto``, ``hyperband_auto`` (third run): the same with
  ``sampler="auto"`` (BOHB-style: Bayesian optimization fitted on the
  largest budget with at least 10 results).
- ``asha_3rungs``, ``hyperband_3rungs`` (first two runs; ``*_3rungs_auto``
  in the third, with ``sampler="auto"``): the second attempt, fixed with the
  first before any full run: ``min_budget`` a ninth of the most epochs
  (3 of 27, 9 of 81), so that fewer decisions rest on one epoch's ranks.
- ``median`` (hpo's median rule: every run at the full budget, pruned when
  worse than the median of completed runs at that epoch; random sampler).
- ``optuna_tpe_hyperband``, ``optuna_tpe_median``: Optuna's ``TPESampler``
  with ``HyperbandPruner(min_resource=1, max_resource=max epochs,
  reduction_factor=3)`` or ``MedianPruner()`` (defaults), an Optuna loop with
  ``trial.report`` / ``trial.should_prune`` around the same training loop
  (Optuna continues nothing: a trial runs until pruned or done).
- ``asha_restart``, ``hyperband_restart``, ``asha_auto_restart``,
  ``hyperband_auto_restart`` (the third run kept only the last two): the same search
  (same seed, as many trials) with an objective that ignores ``trial.load()``
  and trains every rung from scratch.

hpo's strategies with the random sampler draw configurations from the same
seeded stream as random search (a paired design: random search's 50 are the
first that they try); ``"auto"`` starts from a Sobol design, Optuna's TPE
draws its own.

Every contender stops once it has trained ``E`` epochs (checked after each
trial). Epochs are counted by the training loop itself (a counter in the
objective, one per epoch trained): a continued run counts only the epochs it
added, a pruned run the epochs it trained; for hpo's searches the count is
checked against each trial's stored learning curve.

Tables:

**A. Epochs to reach random search's best**: per seed, the epochs a
contender trained until its first full-budget run at or below the target;
the ratio ``E / that`` (a seed that never reaches it within ``E`` counts
as 0); medians over seeds.

**B. Best validation loss at equal epochs**: the best full-budget
validation loss among the runs finished within ``E / 3`` and ``E`` epochs.

**C. Pause and continue against restart per rung**: epochs, wall and CPU
time of the same searches, and whether they found the same best.

**D. How well the loss at a rung ranks configurations** (why a problem is hard).

The raw runs go to ``benchmarks/results/training_loops.jsonl.gz`` (one JSON
line per problem and seed, gzip-compressed); a rerun reuses the rows kept there with the same
settings and only prints the tables. Without Optuna installed its rows are
skipped, with a message.

Usage::

    python benchmarks/bench_training_loops.py                  # 10 seeds, 3 problems
    python benchmarks/bench_training_loops.py --quick          # 2 seeds, 10 random trials (own jsonl)
    python benchmarks/bench_training_loops.py --problems mlp_digits --seeds 3
    python benchmarks/bench_training_loops.py --report --seeds 8   # only the tables of the kept seeds 0-7
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
import warnings
import zlib
from typing import Any, Callable

import numpy as np

import hpo
from hpo import Categorical, Float, Int, Space
from hpo.engine import StopSearch


# ============================================================================ the training loops
class LoopProblem:
    """A training loop: a search space, the most epochs, a fresh state and one epoch of training.

    ``init(config, seed)`` makes the state (the model and whatever the loop
    carries: optimizer state, random generator); ``epoch(state, config)``
    trains one epoch in place and returns the validation loss.
    """

    name: str = ""
    max_epochs: int = 0
    space: Space

    def init(self, config: dict, seed: int) -> Any:
        raise NotImplementedError

    def epoch(self, state: Any, config: dict) -> float:
        raise NotImplementedError


def _finite(loss: float, worst: float) -> float:
    """A diverged run's loss (NaN, infinite or huge) as ``worst``: a very bad, finite value."""
    return float(loss) if math.isfinite(loss) and loss < worst else worst


class MLPDigits(LoopProblem):
    """A numpy MLP trained by hand with minibatch SGD and momentum on the digits; cross-entropy."""

    name = "mlp_digits"
    max_epochs = 27

    def __init__(self) -> None:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        X, y = load_digits(return_X_y=True)
        X = X / 16.0
        self.X, self.X_val, self.y, self.y_val = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
        self.space = Space(
            lr=Float(1e-3, 1.0, log=True),
            hidden=Int(8, 128, log=True),
            l2=Float(1e-6, 1e-1, log=True),
            momentum=Float(0.0, 0.95),
            batch=Categorical([16, 64, 256]),
        )

    def init(self, config: dict, seed: int) -> dict:
        rng = np.random.default_rng(seed)
        h = config["hidden"]
        params = {"W1": rng.normal(0, np.sqrt(2 / 64), (64, h)), "b1": np.zeros(h),
                  "W2": rng.normal(0, np.sqrt(1 / h), (h, 10)), "b2": np.zeros(10)}
        return {"params": params, "velocity": {k: np.zeros_like(v) for k, v in params.items()}, "rng": rng}

    @staticmethod
    def _forward(params: dict, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        hidden = np.maximum(X @ params["W1"] + params["b1"], 0.0)
        logits = hidden @ params["W2"] + params["b2"]
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return hidden, p / p.sum(axis=1, keepdims=True)

    def epoch(self, state: dict, config: dict) -> float:
        params, velocity = state["params"], state["velocity"]
        X, y, batch = self.X, self.y, config["batch"]
        lr, l2, momentum = config["lr"], config["l2"], config["momentum"]
        order = state["rng"].permutation(len(X))
        with np.errstate(all="ignore"):  # a diverging run overflows: its loss is then the worst
            for start in range(0, len(order), batch):
                rows = order[start:start + batch]
                xb, yb = X[rows], y[rows]
                hidden, p = self._forward(params, xb)
                p[np.arange(len(rows)), yb] -= 1.0
                d_logits = p / len(rows)
                d_hidden = (d_logits @ params["W2"].T) * (hidden > 0)
                grads = {"W2": hidden.T @ d_logits + l2 * params["W2"], "b2": d_logits.sum(0),
                         "W1": xb.T @ d_hidden + l2 * params["W1"], "b1": d_hidden.sum(0)}
                for k, g in grads.items():
                    v = velocity[k]
                    v *= momentum
                    v -= lr * g
                    params[k] += v
            _, p = self._forward(params, self.X_val)
            loss = -np.mean(np.log(p[np.arange(len(self.y_val)), self.y_val] + 1e-12))
        return _finite(loss, 10.0)


class SGDPartialFit(LoopProblem):
    """``SGDClassifier(loss="log_loss")`` by epochs of ``partial_fit`` on 20,000 rows; validation log-loss."""

    name = "sgd_partial_fit"
    max_epochs = 27

    def __init__(self) -> None:
        from sklearn.datasets import make_classification
        from sklearn.preprocessing import StandardScaler

        X, y = make_classification(n_samples=20_000, n_features=20, n_informative=10, n_redundant=5,
                                   n_clusters_per_class=3, class_sep=0.8, flip_y=0.05, random_state=0)
        scaler = StandardScaler().fit(X[:16_000])
        self.X, self.X_val = scaler.transform(X[:16_000]), scaler.transform(X[16_000:])
        self.y, self.y_val = y[:16_000], y[16_000:]
        self.space = Space(
            alpha=Float(1e-7, 1e-1, log=True),
            learning_rate=Categorical(["constant", "invscaling", "optimal"]),
            eta0=Float(1e-5, 1.0, log=True),    # the initial step of "constant" and "invscaling"
            power_t=Float(0.1, 0.9),            # the decay of "invscaling"
            average=Categorical([False, True]),
        )

    def init(self, config: dict, seed: int) -> Any:
        from sklearn.linear_model import SGDClassifier

        return SGDClassifier(loss="log_loss", alpha=config["alpha"], learning_rate=config["learning_rate"],
                             eta0=config["eta0"], power_t=config["power_t"], average=config["average"],
                             random_state=seed)

    def epoch(self, state: Any, config: dict) -> float:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            state.partial_fit(self.X, self.y, classes=np.array([0, 1]))
            p = state.predict_proba(self.X_val)[:, 1]
        p = np.clip(p, 1e-15, 1 - 1e-15)
        loss = -np.mean(np.where(self.y_val == 1, np.log(p), np.log(1 - p)))
        return _finite(loss, 10.0)


class CrossingCurves(LoopProblem):
    """Synthetic learning curves that cross; an epoch costs ``epoch_seconds`` (slept).

    With the effective step ``u = lr * sqrt(128 / batch)``, a run learns at
    rate ``k = u / 2`` per epoch toward a floor made of the model's capacity
    (``0.08 + 0.4 / sqrt(width)``), the noise of its steps
    (``0.3 u / (1 + u)``) and its regularization (``2 * l2``); a wide,
    unregularized model overfits as it trains
    (``0.15 sqrt(width / 512) / (1 + l2 / 1e-4)``, rising a third as fast);
    AR(1) noise (0.7, standard deviation ``0.005 + 0.02 u / (1 + u)``) from
    epoch to epoch. Fast runs lead early and settle higher: early ranks
    mislead.
    """

    name = "crossing_curves"
    max_epochs = 81

    def __init__(self, epoch_seconds: float = 1e-3) -> None:
        self.epoch_seconds = epoch_seconds
        self.space = Space(
            lr=Float(1e-3, 1.0, log=True),
            batch=Categorical([32, 128, 512]),
            width=Int(16, 512, log=True),
            l2=Float(1e-6, 1e-1, log=True),
        )

    def init(self, config: dict, seed: int) -> dict:
        key = zlib.crc32(json.dumps(config, sort_keys=True).encode())
        return {"t": 0, "noise": 0.0, "rng": np.random.default_rng([seed, key])}

    def epoch(self, state: dict, config: dict) -> float:
        state["t"] += 1
        t = state["t"]
        u = config["lr"] * math.sqrt(128 / config["batch"])
        k = u / 2
        floor = 0.08 + 0.4 / math.sqrt(config["width"]) + 0.3 * u / (1 + u) + 2 * config["l2"]
        overfit = 0.15 * math.sqrt(config["width"] / 512) / (1 + config["l2"] / 1e-4)
        mean = floor + (1 - floor) * math.exp(-k * t) + overfit * (1 - math.exp(-k * t / 3))
        sd = 0.005 + 0.02 * u / (1 + u)
        state["noise"] = 0.7 * state["noise"] + sd * float(state["rng"].standard_normal())
        if self.epoch_seconds > 0:
            time.sleep(self.epoch_seconds)
        return mean + state["noise"]


PROBLEMS: dict[str, Callable[..., LoopProblem]] = {
    "mlp_digits": MLPDigits,
    "sgd_partial_fit": SGDPartialFit,
    "crossing_curves": CrossingCurves,
}


# ============================================================================ the searches
def make_objective(problem: LoopProblem, seed: int, resume: bool = True,
                   counter: list | None = None) -> Callable:
    """The training loop as ``objective(config, trial)``.

    ``resume=False``: the objective ignores ``trial.load()`` and trains every
    run from its first epoch (restart per rung); it pauses at its rung all
    the same. ``counter``: a one-item list the loop adds one to after every
    epoch it trains (the epochs actually trained, counted in the loop
    itself). Returns the last validation loss, ``started_at`` (the epoch the
    run continued from, 0: from scratch) and ``trained`` (epochs this call).
    """
    top = problem.max_epochs
    counter = counter if counter is not None else [0]

    def objective(config: dict, trial: hpo.TrialHandle) -> dict:
        budget = top if trial.budget is None else int(trial.budget)
        state = trial.load() if resume else None
        done = trial.done if state is not None else 0
        if state is None:
            state = problem.init(config, seed)
        loss = math.inf
        trained = 0
        for epoch in range(done + 1, budget + 1):
            loss = problem.epoch(state, config)
            counter[0] += 1
            trained += 1
            trial.report(epoch, loss)
            if trial.should_stop():
                if resume:
                    trial.save(state)
                break
        return {"value": loss, "started_at": done, "trained": trained}

    return objective


class _Log:
    """Per finished trial (in order): epochs trained, whether it is a full-budget run, its loss, wall and CPU
    seconds since the search started; stops the search at ``cap`` epochs or ``max_trials`` trials.

    The epochs come from ``counter``, the count the training loop itself keeps
    (:func:`make_objective`): a trial's epochs are what the counter grew by
    since the previous trial finished.
    """

    def __init__(self, counter: list, cap: float | None = None, max_trials: int | None = None) -> None:
        self.counter = counter
        self.cap = cap
        self.max_trials = max_trials
        self.rows: list[tuple[int, bool, float | None, float, float]] = []
        self.epochs = 0
        self.start()

    def start(self) -> None:
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()

    def add(self, full: bool, loss: float | None) -> bool:
        """Record a finished trial; whether the search should stop now."""
        epochs = self.counter[0] - self.epochs
        self.epochs = self.counter[0]
        self.rows.append((epochs, full, loss, time.perf_counter() - self.wall0, time.process_time() - self.cpu0))
        return ((self.cap is not None and self.epochs >= self.cap)
                or (self.max_trials is not None and len(self.rows) >= self.max_trials))

    def summary(self) -> dict:
        return {"rows": self.rows, "epochs": self.epochs, "n_trials": len(self.rows),
                "wall": time.perf_counter() - self.wall0, "cpu": time.process_time() - self.cpu0}


def run_hpo(problem: LoopProblem, strategy: str, seed: int, *, n_trials: int, resume: bool = True,
            cap: float | None = None, max_trials: int | None = None, options: dict | None = None) -> dict:
    """One hpo search over the training loop, until ``n_trials``, ``cap`` epochs or ``max_trials`` trials.

    Besides the log: ``restarted`` (promoted runs that trained from scratch
    although the search continues paused runs: their state had been dropped)
    and ``curve_mismatch`` (trials whose stored learning curve does not hold
    exactly the epochs the loop trained: 0 unless hpo loses or repeats reports).
    """
    counter = [0]
    log = _Log(counter, cap, max_trials)
    top = problem.max_epochs
    restarted, mismatch = [0], [0]

    def record(result: hpo.Result, trial: hpo.Trial) -> None:
        full = trial.status == "ok" and trial.budget in (None, top)
        promoted = trial.candidate.info.get("rung", 0) > 0
        if promoted and trial.status == "ok" and trial.metrics.get("started_at", 0) == 0:
            restarted[0] += 1  # a promoted run that trained from scratch (its state was not kept)
        before = log.epochs
        stop = log.add(full, trial.value if trial.status == "ok" else None)
        if len(trial.intermediate) != log.epochs - before:
            mismatch[0] += 1
        if stop:
            raise StopSearch

    log.start()
    result = hpo.optimize(make_objective(problem, seed, resume, counter), problem.space, strategy,
                          n_trials=n_trials, seed=seed, callbacks=[record], strategy_options=options)
    out = log.summary()
    out["restarted"] = restarted[0]
    out["curve_mismatch"] = mismatch[0]
    out["best"] = _best(out["rows"])
    out["n_result_trials"] = len(result)
    return out


def _suggest(trial: Any, space: Space) -> dict:
    """An Optuna trial's configuration of ``space`` (plain Float, Int and Categorical dimensions)."""
    config = {}
    for name, dim in space.dims.items():
        if isinstance(dim, Categorical):
            config[name] = trial.suggest_categorical(name, list(dim.choices))
        elif isinstance(dim, Int):
            config[name] = trial.suggest_int(name, dim.low, dim.high, log=dim.log)
        else:
            config[name] = trial.suggest_float(name, dim.low, dim.high, log=dim.log)
    return config


def run_optuna(problem: LoopProblem, pruner: str, seed: int, *, cap: float) -> dict:
    """Optuna's TPESampler with ``HyperbandPruner`` or ``MedianPruner`` over the same loop, until ``cap`` epochs.

    The Optuna way: each trial trains from its first epoch, reports the
    validation loss after each (``trial.report``) and stops when
    ``trial.should_prune()`` says so; a pruned trial trained the epochs it reported.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    top = problem.max_epochs
    if pruner == "hyperband":
        chosen: Any = optuna.pruners.HyperbandPruner(min_resource=1, max_resource=top, reduction_factor=3)
    elif pruner == "median":
        chosen = optuna.pruners.MedianPruner()
    else:
        raise ValueError(f"pruner must be 'hyperband' or 'median', got {pruner!r}")
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed), pruner=chosen)
    counter = [0]
    log = _Log(counter, cap)

    def objective(trial: Any) -> float:
        config = _suggest(trial, problem.space)
        state = problem.init(config, seed)
        loss = math.inf
        for epoch in range(1, top + 1):
            loss = problem.epoch(state, config)
            counter[0] += 1
            trial.report(loss, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return loss

    def record(study: Any, trial: Any) -> None:
        complete = trial.state == optuna.trial.TrialState.COMPLETE
        if log.add(complete, trial.value if complete else None):
            study.stop()

    log.start()
    study.optimize(objective, callbacks=[record])
    out = log.summary()
    out["best"] = _best(out["rows"])
    return out


def _best(rows: list, within: float = math.inf) -> float:
    """The best full-budget loss among the trials finished within ``within`` epochs (inf: none)."""
    best, spent = math.inf, 0
    for epochs, full, loss, _, _ in rows:
        spent += epochs
        if spent > within:
            break
        if full and loss is not None and loss < best:
            best = loss
    return best


def _reach(rows: list, target: float) -> dict | None:
    """Epochs, wall and CPU seconds until the first full-budget trial at or below ``target`` (None: never)."""
    spent = 0
    for epochs, full, loss, wall, cpu in rows:
        spent += epochs
        if full and loss is not None and loss <= target + 1e-12:
            return {"epochs": spent, "wall": wall, "cpu": cpu, "loss": loss}
    return None


def rank_quality(problem: LoopProblem, n_configs: int = 100, eta: int = 3) -> dict:
    """How well the loss at each rung ranks configurations, from ``n_configs`` random ones (seed 123) trained once.

    Per rung (eta = 3, from 1 epoch): the Spearman correlation of the losses
    there with the losses at the last epoch, and the share of the 10 best at
    the last epoch that are in the top third at that rung (those a rung would
    promote).
    """
    from scipy import stats

    from hpo.strategies.halving import rung_budgets

    budgets = rung_budgets(1, problem.max_epochs, eta)
    losses = np.zeros((n_configs, len(budgets)))
    for i, config in enumerate(problem.space.sample(n_configs, seed=123)):
        state = problem.init(config, 0)
        curve = [problem.epoch(state, config) for _ in range(problem.max_epochs)]
        losses[i] = [curve[b - 1] for b in budgets]
    best = set(np.argsort(losses[:, -1], kind="stable")[:10])
    kept = []
    for j in range(len(budgets)):
        top = set(np.argsort(losses[:, j], kind="stable")[: n_configs // eta])
        kept.append(len(best & top) / len(best))
    return {"budgets": budgets, "kept": kept,
            "spearman": [float(stats.spearmanr(losses[:, j], losses[:, -1]).statistic) for j in range(len(budgets))]}


# ============================================================================ one seed
#: hpo's multi-fidelity contenders: strategy and how its smallest budget follows from the most epochs.
#: ``*_3rungs`` is the second attempt, fixed with the first before any full run: start at 1/9 of the most
#: epochs (three rungs, eta = 3) so that fewer decisions rest on one epoch's ranks.
#: The third run (settings ``multi_fidelity_sampler``) asks whether a model-based sampler pays: ``*_auto`` draw new
#: configurations from ``sampler="auto"`` (BOHB-style: the GP fitted on the largest budget with >= 10 results); the
#: 3-rung second attempt is run with it too, and the pause-and-continue check (``RESTARTED``) on it.
MULTI_FIDELITY = {"asha": ("asha", 1), "hyperband": ("hyperband", 1),
                  "asha_auto": ("asha", 1, {"sampler": "auto"}), "hyperband_auto": ("hyperband", 1, {"sampler": "auto"}),
                  "asha_3rungs_auto": ("asha", 1 / 9, {"sampler": "auto"}),
                  "hyperband_3rungs_auto": ("hyperband", 1 / 9, {"sampler": "auto"})}
OPTUNA = ["optuna_tpe_hyperband", "optuna_tpe_median"]
CONTENDERS = list(MULTI_FIDELITY) + ["median"] + OPTUNA
TARGETED = list(MULTI_FIDELITY)  # the contenders held to the ">= 3x fewer epochs" target
#: Pause and continue against restart: the random-sampler searches replay exactly (same best); the ``_auto`` ones
#: diverge once the cost guard judges (it reads the clock). The third run's rows hold only the ``_auto`` pairs.
RESTARTED = ["asha", "hyperband", "asha_auto", "hyperband_auto"]


def have_optuna() -> bool:
    """Whether Optuna, the peer, is installed (its rows are skipped, with a message, when it is not)."""
    import importlib.util

    return importlib.util.find_spec("optuna") is not None


def _min_budget(problem: LoopProblem, share: float) -> int:
    return 1 if share >= 1 else max(1, int(round(problem.max_epochs * share)))


def one_seed(problem: LoopProblem, seed: int, random_trials: int, optuna: bool = True) -> dict:
    """Every contender on ``problem`` with ``seed`` (Optuna's only if ``optuna``)."""
    top = problem.max_epochs
    big = 10**7  # n_trials that never binds: the searches stop at the epoch budget
    random = run_hpo(problem, "random", seed, n_trials=random_trials)
    cap = random["epochs"]
    runs: dict[str, dict] = {"random": random}
    options = {}
    for name, (strategy, share, *extra) in MULTI_FIDELITY.items():
        options[name] = {"min_budget": _min_budget(problem, share), "max_budget": top, **(extra[0] if extra else {})}
        runs[name] = run_hpo(problem, strategy, seed, n_trials=big, cap=cap, options=options[name])
    runs["median"] = run_hpo(problem, "median", seed, n_trials=big, cap=cap, options={"max_budget": top})
    if optuna:
        runs["optuna_tpe_hyperband"] = run_optuna(problem, "hyperband", seed, cap=cap)
        runs["optuna_tpe_median"] = run_optuna(problem, "median", seed, cap=cap)
    for name in RESTARTED:  # the same search, as many trials, every rung from scratch
        runs[f"{name}_restart"] = run_hpo(problem, MULTI_FIDELITY[name][0], seed, n_trials=big, resume=False,
                                          max_trials=runs[name]["n_trials"], options=options[name])
    return {"problem": problem.name, "seed": seed, "max_epochs": top, "random_trials": random_trials,
            "E": cap, "options": options, "runs": runs}


# ============================================================================ the tables
def _median(xs: list) -> float:
    return float(statistics.median(xs)) if xs else math.nan


def _fmt(x: float, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, float) and math.isinf(x):
        return "none"
    return f"{x:.{digits}g}"


def _wtl(ours: list[float], theirs: list[float]) -> str:
    w = sum(a < b - 1e-12 for a, b in zip(ours, theirs))
    t = sum(abs(a - b) <= 1e-12 or (math.isinf(a) and math.isinf(b)) for a, b in zip(ours, theirs))
    return f"{w}/{t}/{len(ours) - w - t}"


def table_a(rows: list[dict], target_ratio: float = 3.0) -> list[str]:
    lines = ["### A. Epochs to reach the validation loss of random search's best full-budget run", "",
             "Per seed: random search's best validation loss over its full-budget trials is the target, its "
             "epochs `E` the reference; a contender's epochs (and wall, CPU seconds) until its first full-budget "
             "run at or below the target. Ratios `E / epochs` (random's whole run over the contender's "
             "time to reach), medians over seeds; a seed that never reached the target within `E` epochs "
             "counts as 0. *vs random's time-to-best*: random search's epochs up to its best trial "
             "(stricter). *at the target exactly*: seeds where the run that reached it has random's best loss "
             "itself (hpo's searches draw configurations from the same seeded stream as random search, so "
             "random's 50 are among the first they try: a paired design; Optuna's TPE draws its own).", "",
             f"| problem | E (epochs) | target (median) | contender | reached | at the target exactly | epochs ratio "
             f"| >= {target_ratio:g}x | wall ratio | CPU ratio | epochs ratio vs random's time-to-best |",
             "|---|---:|---:|---|---:|---:|---:|---|---:|---:|---:|"]
    for name in _problems(rows):
        rs = [r for r in rows if r["problem"] == name]
        targets = [r["runs"]["random"]["best"] for r in rs]
        for c in CONTENDERS:
            if any(c not in r["runs"] for r in rs):
                continue  # Optuna's, when it is not installed
            ratios: dict[str, list] = {"e": [], "w": [], "c": [], "tb": []}
            n = exact = 0
            for r, target in zip(rs, targets):
                rnd = r["runs"]["random"]
                got = _reach(r["runs"][c]["rows"], target)
                if got is None:
                    for v in ratios.values():
                        v.append(0.0)
                    continue
                n += 1
                exact += got["loss"] == target
                to_best = _reach(rnd["rows"], target)
                ratios["e"].append(rnd["epochs"] / got["epochs"])
                ratios["w"].append(rnd["wall"] / max(got["wall"], 1e-9))
                ratios["c"].append(rnd["cpu"] / max(got["cpu"], 1e-9))
                ratios["tb"].append(to_best["epochs"] / got["epochs"])
            med = _median(ratios["e"])
            met = ("yes" if med >= target_ratio else "**no**") if c in TARGETED else ""
            lines.append(f"| {name} | {rs[0]['E']} | {_fmt(_median(targets), 4)} | {c} | {n}/{len(rs)} | {exact}/{len(rs)} | "
                         f"{_fmt(med)}x | {met} | {_fmt(_median(ratios['w']))}x | {_fmt(_median(ratios['c']))}x | "
                         f"{_fmt(_median(ratios['tb']))}x |")
    return lines


def table_b(rows: list[dict]) -> list[str]:
    lines = ["### B. Best validation loss at equal epochs", "",
             "The best full-budget validation loss among the runs finished within `E / 3` and `E` epochs "
             "(medians over seeds; `none`: no full-budget run in that budget on most seeds). W/T/L: seeds "
             "where the contender's best is lower / equal / higher than Optuna's (TPE + HyperbandPruner; "
             "TPE + MedianPruner) at `E / 3` and at `E`.", "",
             "| problem | contender | best at E/3 | best at E | vs optuna_tpe_hyperband (E/3; E) "
             "| vs optuna_tpe_median (E/3; E) |",
             "|---|---|---:|---:|---:|---:|"]
    for name in _problems(rows):
        rs = [r for r in rows if r["problem"] == name]

        def best(c: str, share: float) -> list[float]:
            return [_best(r["runs"][c]["rows"], r["E"] * share) for r in rs]

        for c in ["random"] + CONTENDERS:
            if any(c not in r["runs"] for r in rs):
                continue  # Optuna's, when it is not installed
            cells = []
            for ref in OPTUNA:
                if c in OPTUNA or c == "random":
                    cells.append("")
                elif any(ref not in r["runs"] for r in rs):
                    cells.append("n/a (no optuna)")
                else:
                    cells.append("; ".join(_wtl(best(c, s), best(ref, s)) for s in (1 / 3, 1.0)))
            third = _fmt(_median(best(c, 1 / 3)), 4) if c != "random" else ""
            lines.append(f"| {name} | {c} | {third} | {_fmt(_median(best(c, 1.0)), 4)} | {cells[0]} | {cells[1]} |")
    return lines


def table_c(rows: list[dict]) -> list[str]:
    lines = ["### C. Pause and continue against restart per rung", "",
             "The same search (same seed, as many trials) with the objective that continues from "
             "`trial.load()` and with one that ignores it and trains every rung from scratch. Medians over "
             "seeds of the epochs trained, wall and CPU seconds, and their ratios restart / continue "
             "(per seed); *same best*: seeds where both found the same best full-budget loss; *started "
             "over*: promoted runs of the continuing search whose state had been dropped (`max_states`), "
             "summed over seeds.", "",
             "| problem | strategy | trials | epochs continue | epochs restart | ratio | wall s continue "
             "| wall s restart | ratio | CPU ratio | same best | started over |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name in _problems(rows):
        rs = [r for r in rows if r["problem"] == name]
        for c in RESTARTED:
            if any(f"{c}_restart" not in r["runs"] for r in rs):
                continue  # not run in the rows kept (the third run restarted only the _auto searches)
            cont = [r["runs"][c] for r in rs]
            rest = [r["runs"][f"{c}_restart"] for r in rs]
            same = sum(a["best"] == b["best"] for a, b in zip(cont, rest))
            lines.append(
                f"| {name} | {c} | {_fmt(_median([a['n_trials'] for a in cont]))} | "
                f"{_fmt(_median([a['epochs'] for a in cont]), 5)} | {_fmt(_median([b['epochs'] for b in rest]), 5)} | "
                f"{_fmt(_median([b['epochs'] / a['epochs'] for a, b in zip(cont, rest)]))}x | "
                f"{_fmt(_median([a['wall'] for a in cont]))} | {_fmt(_median([b['wall'] for b in rest]))} | "
                f"{_fmt(_median([b['wall'] / a['wall'] for a, b in zip(cont, rest)]))}x | "
                f"{_fmt(_median([b['cpu'] / a['cpu'] for a, b in zip(cont, rest)]))}x | {same}/{len(rs)} | "
                f"{sum(a['restarted'] for a in cont)} |")
    return lines


def table_d(quality: list[dict]) -> list[str]:
    lines = ["### D. How well the loss at a rung ranks configurations", "",
             "100 random configurations (seed 123) trained for the most epochs once. Per rung (eta = 3, from 1 "
             "epoch): the Spearman correlation of their validation losses there with those at the last epoch, "
             "and how many of the 10 best at the last epoch are in the top third at that rung (the part a rung "
             "promotes).", "",
             "| problem | rungs (epochs) | Spearman with the last epoch | 10 best at the last epoch in a rung's top third |",
             "|---|---|---|---|"]
    for q in quality:
        lines.append(f"| {q['problem']} | {q['budgets']} | {', '.join(f'{v:.2f}' for v in q['spearman'][:-1])} | "
                     f"{', '.join(f'{round(v * 10)}/10' for v in q['kept'][:-1])} |")
    return lines


def _problems(rows: list[dict]) -> list[str]:
    return [p for p in PROBLEMS if any(r["problem"] == p for r in rows)]


def counts_check(rows: list[dict]) -> str:
    """One line: whether every hpo trial's stored curve holds exactly the epochs its loop trained."""
    runs = [run for r in rows for run in r["runs"].values() if "curve_mismatch" in run]
    bad = sum(run["curve_mismatch"] for run in runs)
    trials = sum(run["n_trials"] for run in runs)
    return (f"Epoch counts: {trials} hpo trials in {len(runs)} searches; the loop's own counter and the trial's "
            f"stored learning curve disagree on {bad}.")


def summarize(rows: list[dict], quality: list[dict]) -> str:
    return "\n".join(table_a(rows) + [""] + table_b(rows) + [""] + table_c(rows) + [""] + table_d(quality)
                     + ["", counts_check(rows)])


# ============================================================================ main
def _open(path: str, mode: str) -> Any:
    """A text file, gzip-compressed when ``path`` ends in ``.gz`` (appending adds a gzip member)."""
    if path.endswith(".gz"):
        import gzip

        return gzip.open(path, mode + "t", encoding="utf-8")
    return open(path, mode, encoding="utf-8")


def _load(path: str, settings: dict) -> tuple[dict, dict]:
    """The rows of ``path`` (JSON lines) made with ``settings``: per (problem, seed), and rank rows per problem."""
    runs: dict = {}
    ranks: dict = {}
    if not os.path.exists(path):
        return runs, ranks
    with _open(path, "r") as f:
        for line in f:
            row = json.loads(line)
            if row.get("settings") != settings:
                continue
            if row.get("part") == "ranks":
                ranks[row["problem"]] = row
            else:
                runs[(row["problem"], row["seed"])] = row
    return runs, ranks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", default=",".join(PROBLEMS), help="comma-separated: " + ", ".join(PROBLEMS))
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--random-trials", type=int, default=50)
    parser.add_argument("--epoch-seconds", type=float, default=1e-3, help="the cost of a crossing_curves epoch")
    parser.add_argument("--quick", action="store_true", help="2 seeds, 10 random trials")
    parser.add_argument("--report", action="store_true",
                        help="run nothing: print the tables of the seeds kept in --out (those below --seeds)")
    parser.add_argument("--out", default=None,
                        help="the raw runs, a JSON line per (problem, seed); rows already there with the same "
                             "settings are reused, not run again (default benchmarks/results/training_loops.jsonl.gz, "
                             "with --quick training_loops_quick.jsonl; a name ending in .gz is gzip-compressed; "
                             "'none': keep nothing)")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.random_trials = min(args.seeds, 2), min(args.random_trials, 10)
    if args.out is None:
        args.out = "benchmarks/results/training_loops_quick.jsonl" if args.quick \
            else "benchmarks/results/training_loops.jsonl.gz"
    out = None if args.out == "none" else args.out
    names = [p for p in args.problems.split(",") if p]
    unknown = [p for p in names if p not in PROBLEMS]
    if unknown:
        parser.error(f"unknown problem(s) {unknown}; choose from {list(PROBLEMS)}")
    from threadpoolctl import threadpool_limits

    optuna = have_optuna()
    if not optuna:
        print("# optuna is not installed: its rows (TPESampler with HyperbandPruner / MedianPruner) are skipped; "
              "pip install optuna (or hpo[peers]) to compare with it", file=sys.stderr)
    # multi-fidelity sampler: rows made before asha and hyperband sampled with "auto" by default have no such key
    settings = {"random_trials": args.random_trials, "epoch_seconds": args.epoch_seconds, "optuna": optuna,
                "multi_fidelity_sampler": "auto, min_budget_points=10"}
    print(f"# bench_training_loops: python {platform.python_version()}, numpy {np.__version__}, "
          f"hpo {hpo.__version__}, {os.cpu_count()} cores, load {os.getloadavg()}; {args.seeds} seeds, "
          f"{args.random_trials} random trials", file=sys.stderr)
    done, ranks = _load(out, settings) if out else ({}, {})
    if out:
        os.makedirs(os.path.dirname(out) or ".", exist_ok=True)

    def keep(row: dict) -> None:
        if out:
            with _open(out, "a") as f:
                f.write(json.dumps({**row, "settings": settings}) + "\n")

    problems = {name: PROBLEMS[name](epoch_seconds=args.epoch_seconds) if name == "crossing_curves"
                else PROBLEMS[name]() for name in names}
    if args.report and out is None:
        parser.error("--report reads the kept runs: give --out a file")
    rows, quality = [], []
    start = time.time()
    with threadpool_limits(1):
        for name, problem in problems.items():
            if name not in ranks and args.report:
                parser.error(f"--report: no kept ranks of {name} in {out}")
            if name not in ranks:
                ranks[name] = {"part": "ranks", "problem": name, **rank_quality(problem)}
                keep(ranks[name])
            quality.append(ranks[name])
        for seed in range(args.seeds):  # seed by seed: every problem has as many seeds at any time
            for name, problem in problems.items():
                if (name, seed) not in done and args.report:
                    continue
                if (name, seed) not in done:
                    t = time.time()
                    row = one_seed(problem, seed, args.random_trials, optuna)
                    row["seconds"], row["load"] = time.time() - t, os.getloadavg()
                    keep(row)
                    done[(name, seed)] = row
                    print(f"{name} seed {seed}: {row['seconds']:.0f} s, load {row['load'][0]:.1f}", file=sys.stderr)
                rows.append(done[(name, seed)])
    print(summarize(rows, quality))
    print(f"\n({time.time() - start:.0f} s in all)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
