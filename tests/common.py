"""Spaces and helpers shared by several test packages."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from hpo import Categorical, Float, Int, Pack, Space, at_least, one_of, ref


def make_mlp_space() -> Space:
    """The MLP space of the DSL issue, exactly as written there."""
    return Space(
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


def load_benchmark(name: str) -> ModuleType:
    """The script ``benchmarks/<name>.py`` as a module (the scripts are not a package)."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
