"""A search space for scikit-learn's MLPClassifier, with conditional layers.

The number of layers decides which layer sizes exist (``units_2`` only with at
least 3 layers), each layer is at most as wide as the one before (a range that
depends on another value), ``momentum`` exists only for the ``sgd`` solver, and
``Pack`` turns the flat configuration into ``hidden_layer_sizes=(64, 32)``.

    python examples/mlp_space.py
"""

from __future__ import annotations

import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from hpo import Categorical, Float, Int, Pack, Space, at_least, one_of, ref

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


def main() -> None:
    print(space)
    print()
    configs = space.sample(5, seed=0)
    for config in configs:
        print("configuration:", config)
        print("  parameters: ", space.to_params(config))

    # One of them (the first with the adam solver), as an estimator, trained briefly
    # and scored on a validation split of the digits.
    params = space.to_params(next(c for c in configs if c["solver"] == "adam"))
    X, y = load_digits(return_X_y=True)
    X_train, X_valid, y_train, y_valid = train_test_split(X / 16.0, y, test_size=0.25, random_state=0)
    model = MLPClassifier(**params, max_iter=15, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    print()
    print(f"MLPClassifier({params})")
    print(f"  validation accuracy after {model.n_iter_} iterations: {model.score(X_valid, y_valid):.3f}")

    # Encoding for a model-based strategy: one row per configuration in the unit box.
    U = space.encode(configs)
    print()
    print(f"encoded shape: {U.shape}, round trip equal: {space.decode(U) == configs}")

    grid = space.grid(resolution=3)
    print(f"len(space.grid(resolution=3)) = {len(grid)} valid, distinct configurations")


if __name__ == "__main__":
    main()
