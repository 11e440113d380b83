"""Mappings from a configuration to estimator parameters (``Space(to_params=...)``)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

__all__ = ["Pack", "FunctionByName"]


class Pack:
    """Pack per-item parameters into one tuple-valued estimator parameter.

    ``Pack("hidden_layer_sizes", ["units_0", "units_1", "units_2"], drop=["n_layers"])``
    turns ``{"n_layers": 2, "units_0": 64, "units_1": 32, "alpha": 1e-4}`` into
    ``{"hidden_layer_sizes": (64, 32), "alpha": 1e-4}``: the active names among
    ``names`` are packed in that order, the ``drop`` names are removed, every
    other parameter passes through. Unlike a lambda, a ``Pack`` is saved with
    the space (``Space.to_dict``).

    Parameters
    ----------
    target : str
        The estimator parameter that receives the tuple.
    names : sequence of str
        The configuration names to pack, in order.
    drop : sequence of str, optional
        Configuration names that only steer the space (such as ``n_layers``).

    Examples
    --------
    >>> from hpo import Space, Int, Float, Pack, at_least
    >>> space = Space(
    ...     n_layers=Int(1, 2),
    ...     units_0=Int(8, 128),
    ...     units_1=Int(8, 128).when(n_layers=at_least(2)),
    ...     alpha=Float(1e-5, 1e-1, log=True),
    ...     to_params=Pack("hidden_layer_sizes", ["units_0", "units_1"], drop=["n_layers"]),
    ... )
    >>> space.to_params({"n_layers": 2, "units_0": 64, "units_1": 32, "alpha": 0.0001})
    {'alpha': 0.0001, 'hidden_layer_sizes': (64, 32)}
    >>> space.to_params({"n_layers": 1, "units_0": 64, "alpha": 0.0001})
    {'alpha': 0.0001, 'hidden_layer_sizes': (64,)}
    """

    def __init__(self, target: str, names: Sequence[str], drop: Sequence[str] = ()) -> None:
        if not isinstance(target, str) or not target:
            raise TypeError(f"Pack target must be a parameter name, got {target!r}")
        if isinstance(names, str) or not names:
            raise ValueError(f"Pack names must be a non-empty list of parameter names, got {names!r}")
        self.target = target
        self.names = tuple(names)
        self.drop = tuple(drop)

    def __call__(self, config: Mapping[str, Any]) -> dict:
        skip = set(self.names) | set(self.drop)
        params = {k: v for k, v in config.items() if k not in skip}
        params[self.target] = tuple(config[n] for n in self.names if n in config)
        return params

    def to_dict(self) -> dict:
        return {"target": self.target, "names": list(self.names), "drop": list(self.drop)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Pack":
        return cls(d["target"], d["names"], d.get("drop", ()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pack) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((self.target, self.names, self.drop))

    def __repr__(self) -> str:
        drop = f", drop={list(self.drop)!r}" if self.drop else ""
        return f"Pack({self.target!r}, {list(self.names)!r}{drop})"


class FunctionByName:
    """The ``to_params`` function of a space read back from a file: its name only, never imported or called.

    A space description (``Space.to_dict``, a study file) stores a function
    mapping as ``"module:qualname"``. Reading one never imports that module:
    a file is data, and importing a name it holds could run any code.
    Calling this stand-in raises a ``ValueError`` that says how to give the
    function (``Space.from_dict(d, to_params=fn)``,
    ``hpo.load_study(db, study, to_params=fn)``).

    Parameters
    ----------
    name : str
        ``"module:qualname"`` as stored.
    """

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"a stored to_params function is named by a non-empty str, got {name!r}")
        self.name = name

    def __call__(self, config: Mapping[str, Any]) -> dict:
        raise ValueError(
            f"this space maps configurations with the function {self.name}, stored by name only (reading a "
            "file never imports code): pass the function, e.g. hpo.load_study(db, study, to_params=fn) or "
            "Space.from_dict(d, to_params=fn)"
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FunctionByName) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("function", self.name))

    def __repr__(self) -> str:
        return f"FunctionByName({self.name!r})"
