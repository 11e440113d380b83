"""Tune an SVC on the digits data: grid vs random vs Sobol search at the same budget.

The test set is held back with ``train_test_split`` before any search starts;
each Tuner carves its validation rows out of the training part only. The test
set is scored once, at the very end, for the strategy that won on validation.

Run: python examples/tune_svc.py
"""

from __future__ import annotations

import time

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC

from hpo import Float, Space, Tuner

N_TRIALS = 25  # the grid below has 5 x 5 = 25 points

X, y = load_digits(return_X_y=True)
X = X / 16.0  # pixel intensities 0..16 -> 0..1: a fixed scaling, nothing learned from the data
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)

space = Space(
    C=Float(1e-1, 1e3, log=True),
    gamma=Float(1e-4, 1e0, log=True),
)

searches = {
    "grid": dict(strategy="grid", strategy_options={"resolution": 5}),
    "random": dict(strategy="random"),
    "sobol": dict(strategy="sobol"),
}

tuners = {}
for name, options in searches.items():
    start = time.perf_counter()
    # validation=0.25: a stratified holdout of 25% of X_train; the same random_state gives
    # every strategy the same validation rows, so their scores are comparable
    tuner = Tuner(SVC(), space, n_trials=N_TRIALS, validation=0.25, random_state=0, n_jobs=2, **options)
    tuner.fit(X_train, y_train)
    tuners[name] = tuner
    best = ", ".join(f"{k}={v:.4g}" for k, v in tuner.best_params_.items())
    print(f"{name:>6}: best validation accuracy {tuner.best_score_:.4f}  ({best})  "
          f"{len(tuner.trials_)} trials, {time.perf_counter() - start:.1f} s")

winner = max(tuners, key=lambda name: tuners[name].best_score_)
# the only look at the test set: once, for the winner, refitted on all of X_train
test_score = tuners[winner].score(X_test, y_test)
print(f"winner: {winner}; test accuracy of its best SVC: {test_score:.4f}")
