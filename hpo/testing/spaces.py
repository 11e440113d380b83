"""The spaces the conformance battery runs a strategy on (continuous, mixed, conditional, finite) and its losses."""

from __future__ import annotations

import zlib
from typing import Any, Callable

from ..spaces import Categorical, Float, Int, Pack, Space, at_least, one_of, ref

__all__ = ["continuous_space", "mixed_space", "conditional_space", "finite_space", "SPACES", "loss_of"]


def continuous_space() -> Space:
    """Two floats, one on a log scale.

    Examples
    --------
    >>> from hpo.testing import continuous_space
    >>> space = continuous_space()
    >>> space.names
    ['x', 'y']
    >>> config = space.sample(1, seed=0)[0]
    >>> round(config["x"], 3), round(config["y"], 4)
    (1.37, 0.012)
    """
    return Space(x=Float(-5.0, 5.0), y=Float(1e-3, 10.0, log=True))


def mixed_space() -> Space:
    """Floats and ints (linear and log) and a categorical of awkward choices (``1``, ``True``, ``None``, a tuple).

    Examples
    --------
    >>> from hpo.testing import mixed_space
    >>> space = mixed_space()
    >>> space.names
    ['lr', 'frac', 'width', 'depth', 'kind']
    >>> space.sample(1, seed=0)[0] in space
    True
    """
    return Space(
        lr=Float(1e-5, 1e-1, log=True),
        frac=Float(0.0, 1.0),
        width=Int(1, 1024, log=True),
        depth=Int(1, 6),
        kind=Categorical(["a", 1, True, None, (2, 3)]),
    )


def conditional_space() -> Space:
    """An MLP-like space: conditions on an int and on a categorical, chained; ranges that depend on a parent.

    Examples
    --------
    >>> from hpo.testing import conditional_space
    >>> space = conditional_space()
    >>> len(space.names)
    10
    >>> config = space.sample(1, seed=0)[0]  # the active parameters only
    >>> config["n_layers"], "units_2" in config, "units_3" in config
    (3, True, False)
    """
    return Space(
        n_layers=Int(1, 4),
        units_0=Int(8, 512, log=True),
        units_1=Int(8, ref("units_0"), log=True).when(n_layers=at_least(2)),
        units_2=Int(8, ref("units_1"), log=True).when(n_layers=at_least(3)),
        units_3=Int(8, ref("units_2"), log=True).when(n_layers=at_least(4)),
        solver=Categorical(["adam", "sgd", "lbfgs"]),
        momentum=Float(0.0, 0.99).when(solver="sgd"),
        nesterov=Categorical([True, False]).when(momentum=at_least(0.5)),
        alpha=Float(1e-6, 1e-1, log=True),
        activation=Categorical(["relu", "tanh", None, (1, 2)]).when(solver=one_of("adam", "sgd")),
        to_params=Pack("hidden_layer_sizes", ["units_0", "units_1", "units_2", "units_3"], drop=["n_layers"]),
    )


def finite_space() -> Space:
    """Eight configurations: 2 (linear branch) + 2 * 3 (rbf branch: shrinking x gamma).

    Examples
    --------
    >>> from hpo.testing import finite_space
    >>> grid = finite_space().grid()
    >>> len(grid), sum(config["kernel"] == "rbf" for config in grid)
    (8, 6)
    """
    return Space(
        kernel=Categorical(["linear", "rbf"]),
        shrinking=Categorical([True, False]),
        gamma=Int(1, 3).when(kernel="rbf"),
    )


#: The battery's spaces by name, each a function that builds a fresh one.
SPACES: dict[str, Callable[[], Space]] = {
    "continuous": continuous_space,
    "mixed": mixed_space,
    "conditional": conditional_space,
    "finite": finite_space,
}


def loss_of(config: dict[str, Any], budget: float | None = None) -> float:
    """A deterministic loss in [0, 1) defined on every space (the same in every process); a budget is ignored.

    Examples
    --------
    >>> from hpo.testing import loss_of
    >>> loss = loss_of({"x": 1.0, "y": 0.5})
    >>> 0 <= loss < 1, loss == loss_of({"y": 0.5, "x": 1.0}) == loss_of({"x": 1.0, "y": 0.5}, budget=3)
    (True, True)
    """
    text = repr(sorted(config.items(), key=lambda kv: kv[0]))
    return (zlib.crc32(text.encode()) % 997) / 997.0
