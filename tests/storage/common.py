"""Helpers shared by the storage tests."""

from __future__ import annotations

import math

from hpo import Categorical, Float, Int, Space

SPACE = Space(x=Float(-5.0, 5.0), y=Float(1e-3, 10.0, log=True), n=Int(1, 8), k=Categorical(["a", "b", (1, 2)]))


def bowl(config: dict, budget: float | None = None) -> float:
    """A deterministic loss on SPACE (a budget, when a strategy gives one, lowers it a little)."""
    loss = (config["x"] - 1.0) ** 2 + math.log(config["y"]) ** 2 + config["n"] / 8 + (config["k"] == "b")
    return loss + (0.0 if budget is None else 1.0 / float(budget))


def facts(result) -> list[tuple]:
    """What must be equal between two runs of one study: number, configuration, budget, status, value."""
    return [(t.number, t.config, t.budget, t.status, t.value) for t in result.trials]
