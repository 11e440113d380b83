"""``Space.encode`` / ``Space.decode``: the unit box, log-aware, one encoding for everyone."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hpo import Categorical, Float, Int, Space, at_least, at_most, greater_than, less_than, one_of, ref
from hpo.spaces import INACTIVE

from .strategies_for_spaces import assert_config_plain, assert_same_config, config_key


def test_columns_follow_declaration_order_and_scales():
    space = Space(
        c=Categorical(["a", "b", "c", "d"]),
        x=Float(-1.0, 3.0),
        lr=Float(1e-4, 1.0, log=True),
        k=Int(0, 9),
    )
    U = space.encode([{"c": "c", "x": 0.0, "lr": 1e-2, "k": 3}])
    # a categorical at the centre of its bin, a float linearly, a log float on the log scale,
    # an int at the centre of its bin
    np.testing.assert_allclose(U, [[2.5 / 4, 0.25, 0.5, 3.5 / 10]], atol=1e-12)


def test_log_encoding_is_linear_in_log():
    space = Space(lr=Float(1e-6, 1e-1, log=True))
    values = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1]
    U = space.encode([{"lr": v} for v in values])[:, 0]
    np.testing.assert_allclose(U, np.linspace(0, 1, 6), atol=1e-12)
    back = space.decode(np.linspace(0, 1, 6)[:, None])
    np.testing.assert_allclose([c["lr"] for c in back], values, rtol=1e-12)
    # the geometric midpoint of the range sits at 0.5
    assert space.decode([[0.5]])[0]["lr"] == pytest.approx(math.sqrt(1e-6 * 1e-1), rel=1e-12)


def test_log_int_encoding_uses_log_bins():
    space = Space(n=Int(1, 100, log=True))
    # u = 0.5 is the geometric middle of [0.5, 100.5]
    assert space.decode([[0.5]])[0]["n"] == round(math.sqrt(0.5 * 100.5))
    assert space.decode([[0.0]])[0]["n"] == 1
    assert space.decode([[1.0]])[0]["n"] == 100
    # a value encodes inside its own bin, so it comes back exactly
    for v in range(1, 101):
        assert space.decode(space.encode([{"n": v}]))[0]["n"] == v


def test_encode_empty_and_shapes():
    space = Space(x=Float(0, 1), c=Categorical(["a", "b"]))
    assert space.encode([]).shape == (0, 2)
    assert space.decode(np.zeros((0, 2))) == []
    # one row given as a flat vector
    assert space.decode([0.25, 0.75]) == space.decode([[0.25, 0.75]])
    with pytest.raises(ValueError, match=r"shape \(n, 2\) for parameters \['x', 'c'\], got shape \(3, 3\)"):
        space.decode(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="NaN"):
        space.decode([[np.nan, 0.5]])


def test_decode_clips_outside_the_box():
    space = Space(x=Float(2.0, 4.0), c=Categorical(["a", "b"]), k=Int(1, 8, log=True))
    assert space.decode([[-3.0, -1.0, -5.0]]) == [{"x": 2.0, "c": "a", "k": 1}]
    assert space.decode([[7.0, 2.0, 9.0]]) == [{"x": 4.0, "c": "b", "k": 8}]


def test_inactive_parameters_take_the_marker_and_are_ignored_on_decode():
    space = Space(
        kernel=Categorical(["linear", "rbf"]),
        gamma=Float(1e-4, 1.0, log=True).when(kernel="rbf"),
    )
    U = space.encode([{"kernel": "linear"}, {"kernel": "rbf", "gamma": 1e-4}])
    assert U[0, 1] == INACTIVE
    assert U[1, 1] == 0.0
    # whatever sits in an inactive column, the configuration is the same
    assert space.decode([[0.1, 0.0]]) == space.decode([[0.1, 0.9]]) == [{"kernel": "linear"}]
    np.testing.assert_array_equal(space.active_mask(U), [[True, False], [True, True]])


def test_round_trip_of_the_mlp_space(mlp_space):
    configs = mlp_space.sample(500, seed=3)
    back = mlp_space.decode(mlp_space.encode(configs))
    for c, b in zip(configs, back):
        assert_same_config(c, b, mlp_space)
        assert_config_plain(b)


def test_dependent_ranges_encode_relative_to_the_range_of_their_row():
    space = Space(hi=Int(10, 100), k=Int(10, ref("hi")))
    U = space.encode([{"hi": 10, "k": 10}, {"hi": 100, "k": 100}, {"hi": 100, "k": 10}])
    # a collapsed range sits in the middle; otherwise ends map to the ends' bins
    assert U[0, 1] == 0.5
    assert U[1, 1] == pytest.approx(90.5 / 91)
    assert U[2, 1] == pytest.approx(0.5 / 91)


def test_categorical_encoding_keeps_true_apart_from_one():
    space = Space(c=Categorical([1, True, 0, False, None, (1,), (True,)]))
    configs = [{"c": v} for v in [1, True, 0, False, None, (1,), (True,)]]
    U = space.encode(configs)
    assert len(set(U[:, 0].tolist())) == 7
    back = space.decode(U)
    assert [config_key(b) for b in back] == [config_key(c) for c in configs]


@pytest.mark.parametrize(
    "predicate, parent",
    [
        (at_least(0.02), 0.02),
        (at_most(0.02), 0.02),
        (at_least(0.3), 0.3),
        (at_least(7e-5), 7e-5),
        (at_most(0.7), 0.7),
    ],
)
def test_round_trip_keeps_a_child_whose_parent_sits_on_the_threshold(predicate, parent):
    """The set of active names comes back exactly, even at a threshold (log parent)."""
    space = Space(lr=Float(1e-6, 1.0, log=True), child=Int(0, 3).when(lr=predicate))
    config = {"lr": parent, "child": 2}
    assert config in space
    (back,) = space.decode(space.encode([config]))
    assert_same_config(back, config, space)


@pytest.mark.parametrize("value", [0.3, 0.7, 0.1, 0.9, 0.6])
def test_round_trip_at_a_threshold_of_a_linear_parent(value):
    space = Space(
        f=Float(0.1, 1.0),
        above=Int(0, 3).when(f=at_least(value)),
        below=Int(0, 3).when(f=at_most(value)),
    )
    config = {"f": value, "above": 1, "below": 2}
    assert config in space
    (back,) = space.decode(space.encode([config]))
    assert_same_config(back, config, space)


@pytest.mark.parametrize("f", [2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0])
def test_round_trip_of_an_int_whose_range_comes_from_a_float(f):
    """Ints come back exactly even when their bound is a float parent on an integer."""
    space = Space(f=Float(1.0, 10.0, log=True), k=Int(1, ref("f")))
    config = {"f": f, "k": int(f)}
    assert config in space
    (back,) = space.decode(space.encode([config]))
    assert_same_config(back, config, space)


def test_grid_points_round_trip_exactly():
    space = Space(
        f=Float(1.0, 16.0, log=True),
        k=Int(1, ref("f")),
        g=Float(0.0, 3.0),
        child=Categorical(["x", "y"]).when(g=greater_than(1.0), f=less_than(4.0)),
    )
    points = list(space.grid(resolution=5))
    for back, config in zip(space.decode(space.encode(points)), points):
        assert_same_config(back, config, space)


def test_encode_names_the_configuration_and_the_parameter():
    space = Space(x=Float(0, 1), c=Categorical(["a", "b"]), y=Int(0, 5).when(c="b"))
    good = {"x": 0.5, "c": "a"}
    cases = [
        ({"x": 1.5, "c": "a"}, r"configuration #1: x: 1.5 is outside \[0, 1\]"),
        ({"x": 0.5, "c": "z"}, r"configuration #1: c: 'z' is not one of \['a', 'b'\]"),
        ({"x": 0.5, "c": "a", "y": 1}, r"configuration #1: y: present, but it is inactive"),
        ({"x": 0.5, "c": "b"}, r"configuration #1: y: missing, but it is active"),
        ({"x": 0.5, "c": "a", "z": 1}, r"configuration #1: unknown parameter 'z'"),
        ({"x": "0.5", "c": "a"}, r"configuration #1: x: expected a number, got str '0.5'"),
        ({"x": 0.5, "c": "b", "y": 2.0}, r"configuration #1: y: expected an int, got float 2.0"),
        ({"x": True, "c": "a"}, r"configuration #1: x: expected a number, got bool True"),
    ]
    for bad, message in cases:
        with pytest.raises(ValueError, match=message):
            space.encode([good, bad])
    with pytest.raises(TypeError, match="configuration #0: expected a dict, got list"):
        space.encode([["x", 0.5]])


def test_encode_accepts_numpy_scalars_and_ints_for_floats():
    space = Space(x=Float(0, 10), k=Int(0, 10))
    U = space.encode([{"x": np.float64(2.5), "k": np.int64(3)}, {"x": 5, "k": 3}])
    np.testing.assert_allclose(U, [[0.25, 3.5 / 11], [0.5, 3.5 / 11]])


def test_a_pickled_or_copied_space_encodes_the_original_configurations():
    import copy
    import pickle

    space = Space(
        c=Categorical(["a", 1, True, None, (1, "x")]),
        d=Categorical([0, False, 2.5]).when(c=one_of("a", 1)),
        x=Float(1e-3, 1.0, log=True),
    )
    configs = space.sample(300, seed=8)
    U = space.encode(configs)
    for other in (pickle.loads(pickle.dumps(space)), copy.deepcopy(space)):
        assert other == space
        np.testing.assert_array_equal(other.encode(configs), U)
        assert other.decode(U) == space.decode(U)
        assert other.sample(50, seed=1) == space.sample(50, seed=1)
        np.testing.assert_array_equal(other.encode(other.decode(U)), space.encode(space.decode(U)))


def test_encode_finds_choices_given_as_equal_but_distinct_objects():
    """Configurations read back from JSON or a database hold new objects, not the choices."""
    import json

    space = Space(
        c=Categorical(["adam", "sgd", None, 3, 2.5, True, (1, "x")]),
        k=Int(0, 5),
    )
    configs = space.sample(200, seed=9)
    reloaded = [
        {k: tuple(v) if isinstance(v, list) else v for k, v in c.items()}
        for c in json.loads(json.dumps(configs))
    ]
    np.testing.assert_array_equal(space.encode(reloaded), space.encode(configs))
    # and equal-but-different values of another type are not taken for a choice
    with pytest.raises(ValueError, match=r"c: 1 is not one of"):
        space.encode([{"c": 1, "k": 0}])  # 1 is not True
    with pytest.raises(ValueError, match=r"c: \(True, 'x'\) is not one of"):
        space.encode([{"c": (True, "x"), "k": 0}])  # (True, 'x') is not (1, 'x')
    with pytest.raises(ValueError, match=r"c: 3.0 \(float\) is not one of .*: 3 \(int\) is"):
        space.encode([{"c": 3.0, "k": 0}])  # another setting for an estimator (max_features=3.0 is all features)
    assert space.encode([{"c": np.str_("sgd"), "k": 0}])[0, 0] == space.encode([{"c": "sgd", "k": 0}])[0, 0]


def test_the_garbage_collector_is_left_as_it_was():
    import gc

    space = Space(x=Float(0, 1), c=Categorical(["a", "b"]))
    was = gc.isenabled()
    try:
        for state in (True, False):
            (gc.enable if state else gc.disable)()
            space.encode(space.sample(10, seed=0))
            assert gc.isenabled() is state
            with pytest.raises(ValueError):
                space.encode([{"x": 0.5, "c": "a", "zz": 1}])
            assert gc.isenabled() is state
    finally:
        (gc.enable if was else gc.disable)()
