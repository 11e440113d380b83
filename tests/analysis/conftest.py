"""Shared searches for the analysis tests (built once per session: they are only read)."""

from __future__ import annotations

import numpy as np
import pytest

import hpo
from hpo import Candidate, Categorical, Float, Int, Space, Trial
from hpo.trial import OK


def mixed_objective(config: dict) -> float:
    """Log-scaled rate dominates; a conditional child and a small int effect; ``noise`` is ignored."""
    kind_term = config["x"] if config["kind"] == "a" else 0.5
    return (np.log10(config["lr"]) + 3) ** 2 + kind_term + 0.01 * config["n"]


def mixed_space() -> Space:
    return Space(
        kind=Categorical(["a", "b", "c"]),
        x=Float(0, 1).when(kind="a"),
        lr=Float(1e-5, 1e-1, log=True),
        n=Int(1, 64, log=True),
        noise=Float(0, 1),
    )


def small_objective(config: dict) -> float:
    return (np.log10(config["lr"]) + 2) ** 2 + (0.3 if config["opt"] == "sgd" else 0.0)


def small_space() -> Space:
    return Space(lr=Float(1e-4, 1.0, log=True), opt=Categorical(["adam", "sgd"]))


@pytest.fixture(scope="session")
def mixed_result() -> hpo.Result:
    return hpo.optimize(mixed_objective, mixed_space(), "random", n_trials=60, seed=0)  # spread out, to analyse


def halving_result(n: int = 18, eta: int = 3, seed: int = 0) -> hpo.Result:
    """A successive-halving-like search built by hand: ``n`` configurations at budget 1, the best
    third promoted to budget 3, the best third of those to budget 9."""
    space = Space(lr=Float(1e-4, 1e-1, log=True), depth=Int(1, 6))

    def loss(config: dict, budget: float) -> float:
        return (np.log10(config["lr"]) + 2) ** 2 + 3.0 / budget + 0.05 * config["depth"]

    result = hpo.Result(space, strategy="handmade_halving")
    configs = space.sample(n, seed=seed)
    number = 0
    for budget in (1.0, 3.0, 9.0):
        scored = []
        for config in configs:
            value = loss(config, budget)
            result.add(Trial(number, Candidate(config, budget, number, {"rung": budget}), OK, value, value))
            number += 1
            scored.append((value, config))
        scored.sort(key=lambda vc: vc[0])
        configs = [c for _, c in scored[: max(1, len(scored) // eta)]]
    return result


@pytest.fixture(scope="session")
def multifidelity_result() -> hpo.Result:
    return halving_result()


def assert_png(path) -> None:
    """A non-empty, valid PNG that is not a blank canvas."""
    from matplotlib.image import imread

    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    image = imread(str(path))
    assert image.ndim == 3 and image.shape[0] >= 50 and image.shape[1] >= 50
    assert image[..., :3].std() > 0.02  # something is drawn
