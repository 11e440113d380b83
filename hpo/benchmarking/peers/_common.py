"""What the peer adapters share: which libraries each needs, lazy imports with an install hint, small helpers."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from ...spaces import Space

__all__ = ["PEERS", "require", "require_peer", "seed_from", "ordered"]

#: Peer name -> (the Python modules it needs, the pip requirement to suggest).
PEERS: dict[str, tuple[tuple[str, ...], str]] = {
    "optuna_tpe": (("optuna",), "pip install 'hpo[peers]'"),
    "optuna_gp": (("optuna", "torch"), "pip install 'hpo[peers]' torch"),
    "skopt_gp": (("skopt",), "pip install 'hpo[peers]'"),
    "hyperopt_tpe": (("hyperopt",), "pip install 'hpo[peers]'"),
    "botorch_logei": (("botorch", "torch"), "pip install botorch"),
    "botorch_noiseless": (("botorch", "torch"), "pip install botorch"),
    "smac_hpo": (("smac",), "pip install 'hpo[smac]'"),
    "sklearn_random": ((), ""),
    "sklearn_halving": ((), ""),
}

_PACKAGE_OF = {"optuna": "optuna", "torch": "torch", "skopt": "scikit-optimize", "hyperopt": "hyperopt",
               "botorch": "botorch", "smac": "smac"}


def require(module: str, who: str, hint: str = "pip install 'hpo[peers]'") -> Any:
    """Import ``module`` or raise an ImportError that says what to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{who} needs {_PACKAGE_OF.get(module, module)} ({type(exc).__name__}: {exc}): {hint}"
        ) from exc


def require_peer(name: str) -> None:
    """Import every module the peer ``name`` needs (``PEERS``), or raise an ImportError with its install hint."""
    modules, hint = PEERS[name]
    for module in modules:
        require(module, name, hint)


def seed_from(rng: np.random.Generator) -> int:
    """A 31-bit int seed drawn from ``rng`` (what RandomState-based libraries accept)."""
    return int(rng.integers(0, 2**31 - 1))


def ordered(space: Space, config: dict) -> dict:
    """``config`` with its keys in the space's declaration order."""
    return {name: config[name] for name in space.names if name in config}
