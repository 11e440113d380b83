"""Successive halving, Hyperband and ASHA on budgets: epochs of an SGD classifier on digits.

Most configurations are bad, and a few epochs tell: each multi-fidelity
search trains many configurations for 2 epochs of ``partial_fit`` and only the
best for longer, up to 50; a promoted candidate resumes from its paused model
instead of starting over. Random search trains every configuration for the
full 50 epochs. ``cv_results_`` reads like scikit-learn's halving searches
(``iter``, ``n_resources``), and the best is chosen only among the candidates
trained for the full budget.

The test set is held back before any search and scored once, at the end.

Run: python examples/tune_halving.py
"""

from __future__ import annotations

import time
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split

from hpo import Categorical, Float, Space, Tuner, one_of

warnings.simplefilter("ignore", ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X = X / 16.0  # a fixed scaling of the pixel intensities, nothing learned from the data
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)

space = Space(
    loss=Categorical(["hinge", "log_loss", "modified_huber"]),
    alpha=Float(1e-6, 1e-1, log=True),
    learning_rate=Categorical(["optimal", "constant", "adaptive"]),
    eta0=Float(1e-4, 1.0, log=True).when(learning_rate=one_of("constant", "adaptive")),
)

searches = {
    # one round: 27 configurations at 2 epochs, the best 9 at 6, 3 at 17, 1 at 50
    "halving": dict(strategy="halving", n_trials=None),
    # brackets of halving, from many-and-short to few-and-long, while trials are left
    "hyperband": dict(strategy="hyperband", n_trials=80),
    # asynchronous: promotes as soon as a rung allows (no worker ever waits for a rung)
    "asha": dict(strategy="asha", n_trials=80),
    # the reference: every configuration for the full 50 epochs
    "random": dict(strategy="random", n_trials=20),
}

tuners, epochs_of = {}, {}
for name, options in searches.items():
    start = time.perf_counter()
    tuner = Tuner(SGDClassifier(random_state=0), space, resource="epochs", min_resource=1, max_resource=50,
                  validation=0.25, random_state=0, **options)
    tuner.fit(X_train, y_train)
    tuners[name] = tuner
    epochs = sum(t.metrics["resource_units"] for t in tuner.trials_)  # continued candidates count their extra epochs
    epochs_of[name] = epochs
    print(f"{name:>9}: best validation accuracy {tuner.best_score_:.4f} after {len(tuner.trials_)} trials, "
          f"{epochs} epochs trained in all, {time.perf_counter() - start:.1f} s")

res = tuners["halving"].cv_results_
print(f"halving: {tuners['halving'].n_candidates_} trials at {tuners['halving'].n_resources_} epochs; "
      "cv_results_ (iter, n_resources, mean_test_score) of its last rungs:")
for i in range(len(res["iter"]) - 4, len(res["iter"])):
    print(f"  iter {res['iter'][i]}  n_resources {res['n_resources'][i]:>2}  score {res['mean_test_score'][i]:.4f}")

top = max(tuner.best_score_ for tuner in tuners.values())
leaders = [name for name, tuner in tuners.items() if tuner.best_score_ == top]
winner = min(leaders, key=epochs_of.get)  # on a tie, the search that trained the fewest epochs
if len(leaders) > 1:
    print(f"a tie at validation accuracy {top:.4f} between {', '.join(leaders)}; "
          f"{winner} got there with the fewest epochs ({epochs_of[winner]})")
else:
    print(f"winner: {winner}")
# the only look at the test set: once, for the winner, refitted on all of X_train for 50 epochs
print(f"test accuracy of {winner}'s best model: {tuners[winner].score(X_test, y_test):.4f}")
