"""Tune an MLP on the digits data over a conditional space.

The number of layers decides which per-layer sizes exist (each layer at most
as wide as the one before), momentum exists only for SGD, and ``Pack`` turns
``n_layers`` and ``units_i`` into MLPClassifier's ``hidden_layer_sizes``.
The test set is held back before the search and scored once, at the end.

Run: python examples/tune_mlp.py
"""

from __future__ import annotations

import time
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from hpo import Categorical, Float, Int, Pack, Space, Tuner, at_least, one_of, ref

# max_iter is kept small so that the example runs in well under a minute; most
# candidates stop before they converge, which is what this warning says
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X = X / 16.0  # pixel intensities 0..16 -> 0..1: a fixed scaling, nothing learned from the data
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)

space = Space(
    n_layers=Int(1, 4),
    units_0=Int(8, 512, log=True),
    units_1=Int(8, ref("units_0"), log=True).when(n_layers=at_least(2)),
    units_2=Int(8, ref("units_1"), log=True).when(n_layers=at_least(3)),
    units_3=Int(8, ref("units_2"), log=True).when(n_layers=at_least(4)),
    solver=Categorical(["adam", "sgd"]),
    momentum=Float(0.0, 0.99).when(solver="sgd"),
    alpha=Float(1e-6, 1e-1, log=True),
    activation=Categorical(["relu", "tanh"]).when(solver=one_of("adam", "sgd")),
    to_params=Pack("hidden_layer_sizes", ["units_0", "units_1", "units_2", "units_3"], drop=["n_layers"]),
)

start = time.perf_counter()
# n_jobs=1: the trials run in this process, where the warning filter above applies
tuner = Tuner(
    MLPClassifier(max_iter=20, random_state=0),
    space,
    strategy="random",
    n_trials=12,
    validation=0.2,
    random_state=0,
)
tuner.fit(X_train, y_train)

print(f"{len(tuner.trials_)} trials in {time.perf_counter() - start:.1f} s")
order = tuner.cv_results_["rank_test_score"].argsort()
for i in order[:3]:
    print(f"  rank {tuner.cv_results_['rank_test_score'][i]}: validation accuracy "
          f"{tuner.cv_results_['mean_test_score'][i]:.4f}  {tuner.cv_results_['params'][i]}")
print(f"best validation accuracy: {tuner.best_score_:.4f}")
print("best configuration (as the space holds it):", tuner.best_config_)
print("best MLPClassifier parameters:")
for name, value in sorted(tuner.best_params_.items()):
    print(f"  {name} = {value!r}")
# the only look at the test set: once, after the search, with the refitted best MLP
print(f"test accuracy: {tuner.score(X_test, y_test):.4f}")
