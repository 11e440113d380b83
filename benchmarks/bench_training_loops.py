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
  sampler): paused runs continue from their saved state.
- ``median`` (hpo's median rule: every run at the full budget, pruned when
  worse than the median of completed runs at that epoch; random sampler).
- ``optuna_tpe_hyperband``, ``optuna_tpe_median``: Optuna's ``TPESampler``
  with ``HyperbandPruner(min_resource=1, max_resource=max epochs,
  reduction_factor=3)`` or ``MedianPruner()`` (defaults), an Optuna loop with
  ``trial.report`` / ``trial.should_prune`` around the same training loop
  (Optuna continues nothing: a trial runs until pruned or done).
- ``asha_restart``, ``hyperband_restart``: the same asha / hyperband search
  (same seed, as many trials) with an objective that ignores ``trial.load()``
  and trains every rung from scratch.

Every contender stops once it has trained ``E`` epochs (checked after each
trial). Epochs are counted as trained: a continued run counts only the
epochs it added, a pruned run the epochs it reported.

Tables:

**A. Epochs to reach random search's best**: per seed, the epochs a
contender trained until its first full-budget run at or below the target;
the ratio ``E / that`` (a seed that never reaches it within ``E`` counts
as 0); medians over seeds.

**B. Best validation loss at equal epochs**: the best full-budget
validation loss among the runs finished within ``E / 3`` and ``E`` epochs.

**C. Pause and continue against restart per rung**: epochs, wall and CPU
time of the same searches, and whether they found the same best.

Usage::

    python benchmarks/bench_training_loops.py                  # 10 seeds, 3 problems
    python benchmarks/bench_training_loops.py --quick          # 2 seeds, 10 random trials
    python benchmarks/bench_training_loops.py --problems mlp_digits --seeds 3
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
