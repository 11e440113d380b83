"""Hypothesis strategies that generate random *valid* search spaces, and helpers.

A generated space mixes:

* ``Float`` and ``Int`` dimensions, linear and log;
* ``Categorical`` dimensions whose choices mix str, int, float, bool, None and
  tuples, including ``True`` next to ``1``, ``False`` next to ``0`` and
  ``(True,)`` next to ``(1,)``;
* conditions of every predicate kind (plain value, ``one_of``, ``at_least``,
  ``at_most``, ``greater_than``, ``less_than``), one or two parents per child,
  on parents that are themselves conditional (chains);
* dependent ranges through ``ref`` (a child whose range depends on an earlier
  numeric parameter, collapsing to one value at the parent's edge);
* names declared in a shuffled order (the space must sort out the dependency
  order itself), given as keywords or as a mapping, plain, ``clf__``-style or
  not identifiers at all (``model.p0``);
* sometimes a ``Pack`` as ``to_params``.

Every space drawn here must build without error: a rejection is a bug in the
space (a valid space refused), and the strategy is written to never draw an
invalid one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import reject
from hypothesis import strategies as st

from hpo import Categorical, Float, Int, Pack, Space, at_least, at_most, greater_than, less_than, one_of, ref

#: Choices for categoricals: values of every hashable kind, with pairs that are
#: equal in Python but different choices here (True/1, False/0, (True,)/(1,)).
CHOICE_POOL: list[Any] = [
    "a", "b", "relu", "", 0, 1, 2, -3, 2.5, 1e-3, True, False, None,
    (1, "x"), (), (True,), (1,), ("a", (2, None)),
]

PLAIN_TYPES = (int, float, str, bool, type(None))


def typed_key(value: Any) -> Any:
    """A key that keeps apart values Python calls equal (True/1, 0/False, 1/1.0)."""
    if isinstance(value, tuple):
        return ("tuple", tuple(typed_key(v) for v in value))
    return (type(value).__name__, value)


def config_key(config: dict) -> tuple:
    """A hashable, type-aware key of a configuration (to test distinctness)."""
    return tuple(sorted((k, typed_key(v)) for k, v in config.items()))


def assert_plain(value: Any, where: str = "") -> None:
    """Fail unless ``value`` is a plain Python value (no numpy scalars), tuples recursively."""
    if isinstance(value, tuple):
        for v in value:
            assert_plain(v, where)
        return
    assert type(value) in PLAIN_TYPES, f"{where}: {value!r} is a {type(value).__module__}.{type(value).__name__}"


def assert_config_plain(config: dict) -> None:
    assert type(config) is dict, f"a configuration is a {type(config).__name__}, not a dict"
    for k, v in config.items():
        assert type(k) is str
        assert_plain(v, k)


def assert_same_config(a: dict, b: dict, space: Space, rel: float = 1e-9) -> None:
    """Equal active names; ints, categoricals exactly (type included); floats to rounding."""
    assert list(a) == list(b) or set(a) == set(b), f"active names differ: {sorted(a)} vs {sorted(b)}"
    assert set(a) == set(b), f"active names differ: {sorted(a)} vs {sorted(b)}"
    for name in a:
        dim = space[name]
        if isinstance(dim, Float):
            scale = max(abs(a[name]), 1.0) if not dim.log else abs(a[name])
            assert math.isclose(a[name], b[name], rel_tol=rel, abs_tol=rel * scale), (name, a[name], b[name])
        else:
            assert typed_key(a[name]) == typed_key(b[name]), (name, a[name], b[name])


# ----------------------------------------------------------------- strategies
def _predicate_for(draw, info: dict):
    """A predicate on a parent described by ``info`` that holds for some of its values."""
    kind = info["kind"]
    if kind == "cat":
        choices = info["choices"]
        numeric = [c for c in choices if isinstance(c, (int, float)) and not isinstance(c, bool)]
        options = ["equals", "one_of"] + (["at_least", "at_most", "greater_than", "less_than"] if numeric else [])
        op = draw(st.sampled_from(options))
        if op == "equals":
            return draw(st.sampled_from(choices))
        if op == "one_of":
            subset = draw(st.lists(st.sampled_from(choices), min_size=1, max_size=len(choices), unique_by=typed_key))
            return one_of(*subset)
        t = draw(st.sampled_from(numeric))
        if op == "at_least":
            return at_least(t)
        if op == "at_most":
            return at_most(t)
        # strict comparisons: a threshold a little off a choice, so that the choice passes
        if op == "greater_than":
            return greater_than(t - 0.5)
        return less_than(t + 0.5)
    lo, hi = info["lo"], info["hi"]
    if kind == "int":
        lo, hi = int(lo), int(hi)
        op = draw(st.sampled_from(["equals", "one_of", "at_least", "at_most", "greater_than", "less_than"]))
        if op == "equals":
            return draw(st.integers(lo, hi))
        if op == "one_of":
            top = min(hi, lo + 10)
            return one_of(*draw(st.lists(st.integers(lo, top), min_size=1, max_size=3, unique=True)))
        if op == "at_least":
            return at_least(draw(st.integers(lo, hi)))
        if op == "at_most":
            return at_most(draw(st.integers(lo, hi)))
        # strict comparisons: a threshold just below (above) a value the parent takes
        v = draw(st.integers(lo, hi))
        step = draw(st.sampled_from([1, 0.5]))
        if op == "greater_than":
            return greater_than(v - step)
        return less_than(v + step)
    # float parent: a threshold strictly inside the range, so both sides are likely
    frac = draw(st.sampled_from([0.25, 0.5, 0.75]))
    if info["log"]:
        t = float(np.exp(np.log(lo) + frac * (np.log(hi) - np.log(lo))))
        t = float(f"{t:.3g}")
    else:
        t = float(f"{lo + frac * (hi - lo):.3g}")
    t = min(max(t, np.nextafter(lo, np.inf)), np.nextafter(hi, -np.inf))
    op = draw(st.sampled_from([at_least, at_most, greater_than, less_than]))
    return op(t)


@st.composite
def space_definitions(draw, max_dims: int = 6, refs: bool = True, conditions: bool = True) -> dict:
    """A dict of name -> Dimension (in declaration order) plus ``to_params``, for ``Space``.

    Returns ``{"dims": {...}, "to_params": ..., "as_mapping": bool, "order": [...]}``.
    """
    n = draw(st.integers(1, max_dims))
    prefix = draw(st.sampled_from(["p", "clf__p", "model.p"]))
    infos: dict[str, dict] = {}
    dims: dict[str, Any] = {}
    for i in range(n):
        name = f"{prefix}{i}"
        numeric_parents = [p for p, inf in infos.items() if inf["kind"] in ("int", "float")]
        use_ref = refs and numeric_parents and draw(st.integers(0, 3)) == 0
        conds: dict[str, Any] = {}
        if use_ref:
            parent = draw(st.sampled_from(numeric_parents))
            pinfo = infos[parent]
            plo, phi = pinfo["lo"], pinfo["hi"]
            kind = draw(st.sampled_from(["int", "float"]))
            side = draw(st.sampled_from(["high", "low"]))
            gap = draw(st.sampled_from([0, 0, 1, 3]))  # 0: the range collapses at the parent's edge
            if kind == "int":
                if side == "high":  # Int(L, ref(parent)) with L <= floor(plo)
                    low = math.floor(plo) - gap
                    log = low >= 1 and draw(st.booleans())
                    dim = Int(low, ref(parent), log=log)
                    lo, hi = low, math.floor(phi)
                else:  # Int(ref(parent), H) with H >= ceil(phi)
                    high = math.ceil(phi) + gap
                    log = plo >= 1 and draw(st.booleans())
                    dim = Int(ref(parent), high, log=log)
                    lo, hi = math.ceil(plo), high
            else:
                if side == "high":
                    low = float(plo) - gap * 0.5 if not (plo > 0 and gap == 3) else float(plo) / 2
                    log = low > 0 and draw(st.booleans())
                    dim = Float(low, ref(parent), log=log)
                    lo, hi = low, float(phi)
                else:
                    high = float(phi) + gap * 0.5
                    log = plo > 0 and draw(st.booleans())
                    dim = Float(ref(parent), high, log=log)
                    lo, hi = float(plo), high
            # Active only where the parent is: copy its conditions (a chain), maybe add one on it.
            conds.update(pinfo["conds"])
            info = {"kind": kind, "lo": lo, "hi": hi, "log": log}
        else:
            kind = draw(st.sampled_from(["float", "flog", "int", "ilog", "cat"]))
            if kind == "float":
                low = draw(st.sampled_from([-100.0, -1.0, 0.0, 0.5, 3.0]))
                width = draw(st.sampled_from([0.5, 1.0, 10.0, 1000.0]))
                dim = Float(low, low + width)
                info = {"kind": "float", "lo": low, "hi": low + width, "log": False}
            elif kind == "flog":
                low = draw(st.sampled_from([1e-6, 1e-3, 0.1, 1.0, 16.0]))
                factor = draw(st.sampled_from([2.0, 10.0, 1e3, 1e6]))
                dim = Float(low, low * factor, log=True)
                info = {"kind": "float", "lo": low, "hi": low * factor, "log": True}
            elif kind == "int":
                low = draw(st.integers(-20, 20))
                high = low + draw(st.sampled_from([1, 2, 3, 7, 50, 10_000]))
                dim = Int(low, high)
                info = {"kind": "int", "lo": low, "hi": high, "log": False}
            elif kind == "ilog":
                low = draw(st.sampled_from([1, 2, 8]))
                high = low + draw(st.sampled_from([1, 5, 100, 5000]))
                dim = Int(low, high, log=True)
                info = {"kind": "int", "lo": low, "hi": high, "log": True}
            else:
                choices = draw(st.lists(st.sampled_from(CHOICE_POOL), min_size=1, max_size=5, unique_by=typed_key))
                if draw(st.integers(0, 2)) == 0:  # often the twins Python calls equal, side by side
                    twins = draw(st.sampled_from([(True, 1), (0, False), ((True,), (1,))]))
                    choices += [v for v in twins if typed_key(v) not in {typed_key(c) for c in choices}]
                dim = Categorical(choices)
                info = {"kind": "cat", "choices": choices}
        if conditions and infos and draw(st.integers(0, 2)) > 0:
            candidates = [p for p in infos if p not in conds]
            if candidates:
                parents = draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=2, unique=True))
                for parent in parents:
                    conds[parent] = _predicate_for(draw, infos[parent])
        if conds:
            dim = dim.when(**conds)
        info["conds"] = dict(conds)
        infos[name] = info
        dims[name] = dim
    # Declaration order is not dependency order: the space must order itself.
    order = draw(st.permutations(list(dims)))
    dims = {name: dims[name] for name in order}
    to_params = None
    int_names = [name for name in order if isinstance(dims[name], Int)]
    if int_names and draw(st.integers(0, 3)) == 0:
        to_params = Pack("packed", int_names[:3], drop=int_names[3:4])
    return {"dims": dims, "to_params": to_params, "as_mapping": draw(st.booleans()), "order": order}


def build(definition: dict) -> Space:
    """The Space of a drawn definition (keywords or mapping, as drawn)."""
    if definition["as_mapping"]:
        return Space(definition["dims"], to_params=definition["to_params"])
    return Space(**definition["dims"], to_params=definition["to_params"])


@st.composite
def spaces(draw, max_dims: int = 6, refs: bool = True, conditions: bool = True) -> Space:
    """A random valid Space (see :func:`space_definitions`).

    A threshold is drawn from a parent's declared bounds; when the parent's
    range depends on another parameter, its reachable range can be narrower,
    and the space rightly refuses a condition that never holds. Such draws are
    rejected (the refusal itself is tested in test_conditions.py).
    """
    definition = draw(space_definitions(max_dims=max_dims, refs=refs, conditions=conditions))
    try:
        return build(definition)
    except ValueError as exc:
        if "never holds" in str(exc):
            reject()
        raise


def unit_points(d: int, max_rows: int = 8):
    """Arrays of points in the unit box (edges 0 and 1 included), shape (n, d)."""
    coordinate = st.one_of(
        st.sampled_from([0.0, 1.0, 0.5, 1e-12, 1 - 1e-12]),
        st.floats(0.0, 1.0, allow_nan=False),
    )
    return st.lists(st.lists(coordinate, min_size=d, max_size=d), min_size=1, max_size=max_rows).map(
        lambda rows: np.array(rows, dtype=float)
    )
