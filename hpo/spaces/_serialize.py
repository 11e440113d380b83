"""Serialization of a Space: ``to_dict``/``from_dict``, and the rule that reading one never loads code.

A stored function ``to_params`` comes back as a
:class:`~hpo.spaces.mapping.FunctionByName` (its name only; calling it says to
pass ``to_params=``); a :class:`~hpo.spaces.mapping.Pack` is rebuilt from its
description. Nothing a description names is imported or called.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable, TypeVar

from .dimensions import Dimension
from .mapping import FunctionByName, Pack

_S = TypeVar("_S")


class SpaceSerialization:
    """``to_dict`` and ``from_dict`` (a mixin of ``Space``)."""

    _dims: dict[str, Dimension]
    _names: list[str]
    _to_params: Any

    def to_dict(self) -> dict:
        """A JSON-compatible description; :meth:`from_dict` gives an equal space back."""
        return {
            "parameters": [{"name": n, **self._dims[n].to_dict()} for n in self._names],
            "to_params": _to_params_to_dict(self._to_params),
        }

    @classmethod
    def from_dict(cls: type[_S], d: Mapping[str, Any], *,
                  to_params: Callable[[dict], dict] | None = None, strict: bool = True) -> _S:
        """Inverse of :meth:`to_dict`; never imports or calls anything the description names.

        Parameters
        ----------
        d : mapping
            A description written by :meth:`to_dict` (a JSON file, a study's record).
        to_params : callable, optional
            The mapping to use. A stored :class:`Pack` is rebuilt from the
            description; a stored *function* is kept by name only (a
            :class:`~hpo.spaces.mapping.FunctionByName` that raises when
            called), since importing what a file names could run any code:
            pass the function here to map configurations.
        strict : bool, default True
            Apply the rules of a new definition. ``False`` reads a stored space
            as it was accepted when it was stored: the rules a later hpo added
            (a condition on a Float's value, a range too wide to sample, a
            choice that no longer matches a condition) do not lock its trials
            out; the space's structure (names, parents, no cycle) is checked.
        """
        if not isinstance(d, Mapping) or "parameters" not in d:
            raise ValueError("a space description needs a 'parameters' list")
        if not isinstance(d["parameters"], (list, tuple)):
            raise ValueError(f"a space description's 'parameters' must be a list of dicts (each with its 'name'), "
                             f"got a {type(d['parameters']).__name__}")
        dims = {}
        for i, p in enumerate(d["parameters"]):
            if not isinstance(p, Mapping) or "name" not in p:
                raise ValueError(f"parameters[{i}] must be a dict with a 'name', got {p!r}")
            p = dict(p)
            name = p.pop("name")
            try:
                dims[name] = Dimension.from_dict(p)
            except (ValueError, TypeError) as exc:
                raise type(exc)(f"parameter {name!r}: {exc}") from None
        stored = _to_params_from_dict(d.get("to_params"))
        mapping = stored if to_params is None else to_params
        if strict:
            return cls(dims, to_params=mapping)  # type: ignore[call-arg]
        space = cls.__new__(cls)
        space._lenient = True  # read by SpaceChecks before the policy checks
        space.__init__(dims, to_params=mapping)  # type: ignore[misc]
        return space


def callable_name(fn: Any) -> str:
    """How a mapping is shown and stored: a Pack's repr, else ``module:qualname``."""
    if isinstance(fn, Pack):
        return repr(fn)
    if isinstance(fn, FunctionByName):
        return fn.name
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", None)
    return f"{module}:{qualname}" if module and qualname else repr(fn)


def _to_params_to_dict(fn: Any) -> Any:
    if fn is None:
        return None
    if isinstance(fn, Pack):
        return {"pack": fn.to_dict()}
    return {"function": callable_name(fn)}


def _to_params_from_dict(d: Any) -> Any:
    """The stored mapping: None, a Pack (declarative), or a function's name (never imported)."""
    if d is None:
        return None
    if isinstance(d, Mapping) and isinstance(d.get("pack"), Mapping):
        return Pack.from_dict(d["pack"])
    if isinstance(d, Mapping) and isinstance(d.get("function"), str) and d["function"]:
        return FunctionByName(d["function"])
    raise ValueError(f"a space's to_params is stored as {{'pack': {{...}}}} or {{'function': 'module:name'}}, got {d!r}")

