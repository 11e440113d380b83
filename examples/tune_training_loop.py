"""Tune your own training loop: a numpy MLP trained by hand on the digits, with ASHA and the median rule.

The objective takes a ``trial``: it reports the validation loss after every
epoch, asks ``trial.should_stop()`` and, when a rung pauses it, saves its
weights, so that a promoted candidate continues where it stopped instead of
training again from scratch. Random search at the full budget is the
reference: the script prints each strategy's best validation loss and the
epochs it trained in all, and draws the learning curves (with matplotlib).

    python examples/tune_training_loop.py        # under a minute on 2 cores
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import hpo
from hpo import Categorical, Float, Int, Space

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
MAX_EPOCHS = 27

space = Space(
    lr=Float(1e-3, 1.0, log=True),
    hidden=Int(8, 128, log=True),
    l2=Float(1e-6, 1e-1, log=True),
    momentum=Float(0.0, 0.95),
    batch=Categorical([16, 64, 256]),
)


def make_model(config: dict, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    h = config["hidden"]
    return {"W1": rng.normal(0, np.sqrt(2 / 64), (64, h)), "b1": np.zeros(h),
            "W2": rng.normal(0, np.sqrt(1 / h), (h, 10)), "b2": np.zeros(10),
            "velocity": None, "rng": rng}


def forward(model: dict, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    hidden = np.maximum(X @ model["W1"] + model["b1"], 0.0)
    logits = hidden @ model["W2"] + model["b2"]
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    return hidden, p / p.sum(axis=1, keepdims=True)


def train_one_epoch(model: dict, config: dict) -> float:
    """One pass of minibatch SGD with momentum; returns the validation loss (cross-entropy)."""
    names = ("W1", "b1", "W2", "b2")
    if model["velocity"] is None:
        model["velocity"] = {k: np.zeros_like(model[k]) for k in names}
    order = model["rng"].permutation(len(X_train))
    for start in range(0, len(order), config["batch"]):
        rows = order[start:start + config["batch"]]
        xb, yb = X_train[rows], y_train[rows]
        hidden, p = forward(model, xb)
        p[np.arange(len(rows)), yb] -= 1.0
        d_logits = p / len(rows)
        d_hidden = (d_logits @ model["W2"].T) * (hidden > 0)
        grads = {"W2": hidden.T @ d_logits + config["l2"] * model["W2"], "b2": d_logits.sum(0),
                 "W1": xb.T @ d_hidden + config["l2"] * model["W1"], "b1": d_hidden.sum(0)}
        for k in names:
            v = model["velocity"][k] = config["momentum"] * model["velocity"][k] - config["lr"] * grads[k]
            model[k] += v
    _, p = forward(model, X_val)
    loss = float(-np.mean(np.log(p[np.arange(len(y_val)), y_val] + 1e-12)))
    return loss if np.isfinite(loss) else 1e3  # a diverged run is simply very bad


def objective(config: dict, trial: hpo.TrialHandle) -> float:
    model = trial.load() or make_model(config)          # a promoted candidate continues from its paused state
    budget = MAX_EPOCHS if trial.budget is None else int(trial.budget)
    loss = np.inf
    for epoch in range(trial.done + 1, budget + 1):
        loss = train_one_epoch(model, config)
        trial.report(epoch, loss)                         # the learning curve, stored with the trial
        if trial.should_stop():                           # a rung pauses it (asha), or it is losing (median)
            trial.save(model)
            break
    return loss


def epochs_trained(result: hpo.Result) -> int:
    return sum(len(t.intermediate) for t in result.trials)


if __name__ == "__main__":
    searches = {
        "random (full budget)": dict(strategy="random", n_trials=20, strategy_options=None),
        "asha": dict(strategy="asha", n_trials=80, strategy_options={"min_budget": 1, "max_budget": MAX_EPOCHS}),
        "median": dict(strategy="median", n_trials=40, strategy_options={"max_budget": MAX_EPOCHS, "min_steps": 3}),
    }
    results = {}
    print(f"{'strategy':<22} {'trials':>6} {'pruned':>6} {'epochs trained':>15} {'best val loss':>14}")
    for name, kw in searches.items():
        result = hpo.optimize(objective, space, seed=0, **kw)
        results[name] = result
        print(f"{name:<22} {len(result):>6} {result.n_pruned:>6} {epochs_trained(result):>15} "
              f"{result.best_value:>14.4f}")
    best = results["asha"].best_trial
    print(f"asha's best: {best.config} (trial {best.number}, {best.budget} epochs)")
    try:
        from hpo.analysis import plot_learning_curves

        for name in ("asha", "median"):
            path = f"learning_curves_{name}.png"
            plot_learning_curves(results[name]).savefig(path)
            print(f"learning curves: {path}")
    except ImportError:
        print('plots need matplotlib: pip install "hpo[plot]"')
