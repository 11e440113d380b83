"""Property-based tests over random valid spaces (see strategies_for_spaces.py)."""

from __future__ import annotations

import itertools
import json
import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import hpo
from hpo import Categorical, Float, Int, Space, at_least, at_most, ref
from hpo.spaces.dimensions import SMALL_INT_RANGE

from .strategies_for_spaces import (
    CHOICE_POOL,
    assert_config_plain,
    assert_same_config,
    build,
    config_key,
    space_definitions,
    spaces,
    typed_key,
    unit_points,
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(0, 2**32 - 1)


def _grid_or_skip(space: Space, resolution: int):
    try:
        return space.grid(resolution=resolution, max_size=5_000)
    except ValueError as exc:
        assume("max_size" not in str(exc))
        raise


@SETTINGS
@given(space_definitions())
def test_generated_spaces_build_and_keep_declaration_order(definition):
    space = build(definition)
    assert space.names == definition["order"]
    assert list(space) == definition["order"]
    assert len(space) == len(definition["order"])
    for name in definition["order"]:
        assert space[name] == definition["dims"][name]


@SETTINGS
@given(spaces(), seeds)
def test_every_sample_is_valid_and_plain(space, seed):
    configs = space.sample(40, seed=seed)
    assert len(configs) == 40
    for config in configs:
        assert_config_plain(config)
        space.validate(config)
        assert config in space
        assert set(config) <= set(space.names)


@SETTINGS
@given(spaces(), seeds)
def test_sampling_is_reproducible(space, seed):
    assert space.sample(10, seed=seed) == space.sample(10, seed=seed)
    rng = np.random.default_rng(seed)
    first, second = space.sample(5, seed=rng), space.sample(5, seed=rng)
    rng = np.random.default_rng(seed)
    assert space.sample(5, seed=rng) == first
    assert space.sample(5, seed=rng) == second


@SETTINGS
@given(spaces().flatmap(lambda s: st.tuples(st.just(s), unit_points(len(s)))))
def test_every_point_of_the_unit_box_decodes_to_a_valid_configuration(args):
    space, U = args
    configs = space.decode(U)
    assert len(configs) == U.shape[0]
    for config in configs:
        assert_config_plain(config)
        space.validate(config)


@SETTINGS
@given(spaces(), seeds)
def test_encode_decode_round_trip_of_samples(space, seed):
    configs = space.sample(30, seed=seed)
    U = space.encode(configs)
    assert U.shape == (30, len(space))
    assert U.dtype == np.float64
    assert np.isfinite(U).all()
    assert ((U >= 0.0) & (U <= 1.0)).all()
    back = space.decode(U)
    for c, b in zip(configs, back):
        assert_same_config(c, b, space)
    np.testing.assert_allclose(space.encode(back), U, atol=1e-9)


@SETTINGS
@given(spaces().flatmap(lambda s: st.tuples(st.just(s), unit_points(len(s)))))
def test_decode_encode_decode_is_decode(args):
    """A decoded configuration survives a second trip unchanged (edges of the box included)."""
    space, U = args
    configs = space.decode(U)
    again = space.decode(space.encode(configs))
    for c, b in zip(configs, again):
        assert_same_config(c, b, space)


@SETTINGS
@given(spaces().flatmap(lambda s: st.tuples(st.just(s), unit_points(len(s)))))
def test_snap_is_the_encoding_of_the_decoded_configuration(args):
    space, U = args
    snapped, active = space.snap(U)
    encoded = space.encode(space.decode(U))
    np.testing.assert_allclose(snapped, encoded, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(active, space.active_mask(U))
    # snapping is idempotent and decodes to the same configurations
    again, _ = space.snap(snapped)
    np.testing.assert_allclose(again, snapped, rtol=0, atol=1e-9)
    for a, b in zip(space.decode(snapped), space.decode(U)):
        assert_same_config(a, b, space)


@SETTINGS
@given(spaces(), seeds)
def test_inactive_columns_hold_the_marker(space, seed):
    configs = space.sample(20, seed=seed)
    U = space.encode(configs)
    mask = space.active_mask(U)
    for i, config in enumerate(configs):
        for j, name in enumerate(space.names):
            assert mask[i, j] == (name in config)
            if name not in config:
                assert U[i, j] == hpo.spaces.INACTIVE


@SETTINGS
@given(spaces(max_dims=5), st.integers(1, 3))
def test_grid_points_are_valid_distinct_and_counted(space, resolution):
    grid = _grid_or_skip(space, resolution)
    size = len(grid)  # known before anything is enumerated
    points = list(grid)
    assert len(points) == size
    assert size >= 1
    keys = [config_key(c) for c in points]
    assert len(set(keys)) == size, "the grid repeats a configuration"
    for config in points:
        assert_config_plain(config)
        space.validate(config)
    for i in sorted({0, size - 1, size // 2}):
        assert config_key(grid[i]) == keys[i]
    # grid points are valid configurations: they round-trip through the encoding exactly
    back = space.decode(space.encode(points))
    for c, b in zip(points, back):
        assert_same_config(c, b, space)


@SETTINGS
@given(spaces(max_dims=4, refs=False), st.integers(1, 3))
def test_grid_is_every_valid_combination_of_its_values(space, resolution):
    """Without dependent ranges, the grid is exactly the valid part of a product.

    Each parameter's grid values are taken from the grid; a brute-force product
    over (values or absent) filtered by ``validate`` must give the same set.
    """
    grid = _grid_or_skip(space, resolution)
    points = list(grid)
    per_name = {
        name: list({typed_key(c[name]): c[name] for c in points if name in c}.values()) for name in space.names
    }
    for name, dim in space.dims.items():
        if isinstance(dim, Categorical) and not dim.conditions:
            assert len(per_name[name]) == len(dim.choices)
        elif isinstance(dim, Float) and not dim.conditions:
            assert len(per_name[name]) == resolution
            if resolution > 1:
                assert min(per_name[name]) == dim.low and max(per_name[name]) == dim.high
        elif isinstance(dim, Int) and not dim.conditions:
            size = dim.high - dim.low + 1
            assert len(per_name[name]) == (size if size <= max(resolution, SMALL_INT_RANGE) else resolution)
    absent = object()
    expected = set()
    for combo in itertools.product(*[per_name[n] + [absent] for n in space.names]):
        config = {n: v for n, v in zip(space.names, combo) if v is not absent}
        if config in space:
            expected.add(config_key(config))
    assert {config_key(c) for c in points} == expected


@SETTINGS
@given(spaces(), seeds)
def test_json_round_trip(space, seed):
    text = json.dumps(space.to_dict(), allow_nan=False)
    again = Space.from_dict(json.loads(text))
    assert again == space
    assert again.names == space.names
    assert again.to_dict() == space.to_dict()
    assert json.dumps(again.to_dict(), allow_nan=False) == text
    assert again.sample(10, seed=seed) == space.sample(10, seed=seed)


@SETTINGS
@given(spaces())
def test_repr_is_readable_python(space):
    text = repr(space)
    assert text.startswith("Space(")
    for name in space.names:
        assert name in text
    namespace = {name: getattr(hpo, name) for name in hpo.__all__}
    assert eval(text, namespace) == space


@SETTINGS
@given(spaces(), seeds, st.data())
def test_validate_names_the_parameter(space, seed, data):
    config = space.sample(1, seed=seed)[0]
    name = data.draw(st.sampled_from(space.names))
    dim = space[name]
    if name in config:
        # an active parameter missing
        broken = {k: v for k, v in config.items() if k != name}
        with pytest.raises(ValueError, match=rf"^{re.escape(name)}: missing, but it is active"):
            space.validate(broken)
        assert broken not in space
        # a value of the wrong type or out of range
        if isinstance(dim, Categorical):
            bad = "__not_a_choice__"
            pattern = "is not one of"
        elif data.draw(st.booleans()):
            bad, pattern = "3", "expected a"
        else:
            top = space.widest_range(name)[1]  # the largest value the parameter can ever take
            bad = math.floor(top) + 1000 if isinstance(dim, Int) else top + abs(top) + 10.0
            pattern = "is outside"
        with pytest.raises(ValueError, match=rf"^{re.escape(name)}: .*{pattern}"):
            space.validate({**config, name: bad})
        with pytest.raises(ValueError, match=re.escape(name)):
            space.encode([config, {**config, name: bad}])
    else:
        # an inactive parameter present
        value = dim.choices[0] if isinstance(dim, Categorical) else space.widest_range(name)[0]
        with pytest.raises(ValueError, match=rf"^{re.escape(name)}: present, but it is inactive"):
            space.validate({**config, name: value})
    with pytest.raises(ValueError, match="unknown parameter 'not_a_parameter'"):
        space.validate({**config, "not_a_parameter": 1})
    assert {**config, "not_a_parameter": 1} not in space


@SETTINGS
@given(spaces(), seeds)
def test_to_params_of_samples(space, seed):
    for config in space.sample(5, seed=seed):
        params = space.to_params(config)
        assert isinstance(params, dict)
        if space.to_dict()["to_params"] is None:
            assert params == config
            assert params is not config
        else:
            pack = space.mapping
            assert params[pack.target] == tuple(config[n] for n in pack.names if n in config)
            assert not (set(pack.names) | set(pack.drop)) & set(params)


@st.composite
def float_ranges_and_short_decimals(draw):
    """A Float range and a value in it written with few digits (as a user or a threshold would)."""
    log = draw(st.booleans())
    if log:
        low = draw(st.sampled_from([1e-8, 1e-6, 1e-4, 0.01, 0.5, 1.0, 3.0, 100.0]))
        high = low * draw(st.sampled_from([2.0, 10.0, 16.0, 1e3, 1e6]))
    else:
        low = draw(st.sampled_from([-1000.0, -1.0, 0.0, 0.1, 1.0, 2.5]))
        high = low + draw(st.sampled_from([0.5, 1.0, 3.0, 9.0, 100.0, 1e4]))
    digits = draw(st.integers(1, 6))
    position = draw(st.floats(0.0, 1.0))
    raw = np.exp(np.log(low) + position * np.log(high / low)) if log else low + position * (high - low)
    value = float(f"{raw:.{digits}g}")
    if draw(st.booleans()):
        value = float(round(value))  # integer-valued floats: the bounds of Int ranges
    assume(low <= value <= high)
    # Short decimals of a sensible size: a value 1e-272 in [0, 0.5] is a valid configuration,
    # but no float encoding brings every such value back bit for bit (see the report).
    assume(value == 0.0 or abs(value) >= 1e-9)
    return low, high, log, value


@settings(max_examples=100, deadline=None)
@given(float_ranges_and_short_decimals())
def test_round_trip_is_exact_for_conditions_and_int_ranges_at_short_decimals(args):
    """Active names and ints come back exactly even when a float parent sits on a threshold
    (``at_least(v)`` with the value ``v``) or on an integer that bounds an ``Int`` child."""
    low, high, log, value = args
    space = Space(
        f=Float(low, high, log=log),
        ge=Int(0, 1).when(f=at_least(value)),
        le=Int(0, 1).when(f=at_most(value)),
        k=Int(math.floor(low), ref("f")),
    )
    config = {"f": value, "ge": 1, "le": 0, "k": math.floor(value)}
    assert config in space
    (back,) = space.decode(space.encode([config]))
    assert_same_config(back, config, space)


VALUE_POOL = CHOICE_POOL + [1.0, 0.0, 3, "c", (0,), (False,), np.int64(1), np.bool_(True), np.str_("a"), [1], {"a": 1}]


@SETTINGS
@given(
    st.lists(st.sampled_from(CHOICE_POOL), min_size=1, max_size=8, unique_by=typed_key),
    st.lists(st.sampled_from(VALUE_POOL), max_size=30),
    st.booleans(),
)
def test_vectorized_choice_lookup_agrees_with_one_by_one(choices, values, use_choice_objects):
    """``Categorical.indices_of`` (the encode fast paths) gives what ``index_of`` gives, value by value."""
    dim = Categorical(choices)
    if use_choice_objects:  # as decode hands them out: the very choice objects, mixed with others
        values = values + [dim.choices[i % len(choices)] for i in range(len(values))]
    expected = [dim.index_of(v) for v in values]
    assert dim.indices_of(values).tolist() == expected
    # and True is never taken for 1, nor (1,) for (True,)
    for v, i in zip(values, expected):
        if i >= 0:
            assert isinstance(dim.choices[i], (bool, np.bool_)) == isinstance(v, (bool, np.bool_))
