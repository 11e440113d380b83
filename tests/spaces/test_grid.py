"""``Space.grid``: a sized iterable of every valid, distinct configuration."""

from __future__ import annotations


import numpy as np
import pytest

from hpo import Categorical, Float, Int, Space, at_least, greater_than, one_of, ref

from .strategies_for_spaces import assert_config_plain, config_key


def test_len_is_known_before_enumerating_and_matches_the_product():
    space = Space(
        x=Float(0.0, 1.0),
        lr=Float(1e-4, 1e-1, log=True),
        k=Int(1, 3),
        big=Int(0, 1000),
        c=Categorical(["a", "b", None]),
    )
    grid = space.grid(resolution=4)
    # floats at 4 points, Int(1, 3) whole (3 values), Int(0, 1000) at 4 points, 3 choices
    assert len(grid) == 4 * 4 * 3 * 4 * 3
    points = list(grid)
    assert len(points) == len(grid)
    assert len({config_key(c) for c in points}) == len(points)
    assert sorted({c["x"] for c in points}) == pytest.approx([0.0, 1 / 3, 2 / 3, 1.0])
    assert sorted({c["lr"] for c in points}) == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1], rel=1e-9)
    assert sorted({c["k"] for c in points}) == [1, 2, 3]
    assert sorted({c["big"] for c in points}) == [0, 333, 667, 1000]
    assert {c["c"] for c in points} == {"a", "b", None}


def test_grid_is_indexable_in_iteration_order():
    space = Space(a=Int(0, 2), c=Categorical(["x", "y"]), f=Float(0, 1).when(c="y"))
    grid = space.grid(resolution=3)
    points = list(grid)
    assert [grid[i] for i in range(len(grid))] == points
    assert grid[-1] == points[-1]
    with pytest.raises(IndexError, match="out of range"):
        grid[len(grid)]
    with pytest.raises(TypeError, match="integers"):
        grid["0"]
    assert "Grid of 12 configurations" in repr(grid)


def test_conditional_children_appear_only_under_active_parents():
    space = Space(
        kernel=Categorical(["linear", "rbf", "poly"]),
        gamma=Float(1e-3, 1.0, log=True).when(kernel=one_of("rbf", "poly")),
        degree=Int(2, 4).when(kernel="poly"),
        coef0=Float(0.0, 1.0).when(degree=at_least(3)),  # a chain: poly and degree >= 3
    )
    points = list(space.grid(resolution=3))
    linear = [c for c in points if c["kernel"] == "linear"]
    rbf = [c for c in points if c["kernel"] == "rbf"]
    poly = [c for c in points if c["kernel"] == "poly"]
    assert linear == [{"kernel": "linear"}]  # one configuration, no inactive children
    assert len(rbf) == 3 and all(set(c) == {"kernel", "gamma"} for c in rbf)
    # poly: 3 gammas x (degree 2 alone + degree 3, 4 each with 3 coef0)
    assert len(poly) == 3 * (1 + 2 * 3)
    assert all(("coef0" in c) == (c["degree"] >= 3) for c in poly)
    assert len(space.grid(resolution=3)) == 1 + 3 + 21
    for c in points:
        space.validate(c)


def test_the_mlp_grid(mlp_space):
    grid = mlp_space.grid(resolution=3)
    points = list(grid)
    assert len(points) == len(grid) > 0
    assert len({config_key(c) for c in points}) == len(points)
    for c in points:
        mlp_space.validate(c)
        assert_config_plain(c)
        n = c["n_layers"]
        assert [f"units_{i}" in c for i in range(4)] == [i < n for i in range(4)]
        for i in range(1, n):  # dependent ranges: each layer at most the one before
            assert 8 <= c[f"units_{i}"] <= c[f"units_{i - 1}"]
        assert ("momentum" in c) == (c["solver"] == "sgd")


def test_dependent_ranges_in_the_grid_and_collapse():
    space = Space(a=Int(1, 3), b=Int(ref("a"), 3), f=Float(1.0, ref("a")))
    points = list(space.grid(resolution=3))
    pairs = sorted({(c["a"], c["b"]) for c in points})
    assert pairs == [(1, 1), (1, 2), (1, 3), (2, 2), (2, 3), (3, 3)]
    # f in [1, a]: one value when a == 1 (the collapsed range), three otherwise
    assert sorted({c["f"] for c in points if c["a"] == 1}) == [1.0]
    assert sorted({c["f"] for c in points if c["a"] == 3}) == [1.0, 2.0, 3.0]
    assert len(points) == 3 * 1 + 2 * 3 + 1 * 3


def test_empty_dependent_range_in_the_grid_names_both_parameters():
    space = Space(a=Int(1, 10), b=Int(5, ref("a")))
    with pytest.raises(ValueError, match=r"b: the range \[5, 1\] is empty when a=1"):
        space.grid(resolution=3)


def test_explicit_values_per_dimension():
    space = Space(x=Float(0.0, 1.0), lr=Float(1e-5, 1.0, log=True), c=Categorical(["a", "b", "c"]))
    grid = space.grid(resolution=2, values={"lr": [1e-3, 1e-2, 1e-1], "c": ["a", "c"]})
    assert len(grid) == 2 * 3 * 2
    assert {c["lr"] for c in grid} == {1e-3, 1e-2, 1e-1}
    assert {c["c"] for c in grid} == {"a", "c"}
    # repeated explicit values are one grid point
    assert len(space.grid(resolution=1, values={"c": ["a", "a", "b"]})) == 2


def test_explicit_values_keep_true_apart_from_one():
    space = Space(c=Categorical([1, True, "x"]))
    assert len(space.grid()) == 3
    grid = space.grid(values={"c": [1, True]})
    assert len(grid) == 2
    assert sorted(config_key(c) for c in grid) == sorted([config_key({"c": 1}), config_key({"c": True})])


def test_explicit_numpy_values_come_out_as_plain_python():
    space = Space(x=Float(0.0, 1.0), k=Int(0, 10), c=Categorical([0.5, "a"]))
    grid = space.grid(values={"x": np.linspace(0.0, 1.0, 3), "k": np.arange(2, 5), "c": [np.float64(0.5)]})
    assert len(grid) == 3 * 3 * 1
    for c in grid:
        assert_config_plain(c)
        space.validate(c)


def test_explicit_values_are_checked():
    space = Space(x=Float(0.0, 1.0), k=Int(0, 10), c=Categorical(["a", "b"]))
    with pytest.raises(ValueError, match=r"values\['x'\]: 2.0 is outside \[0.0, 1.0\]"):
        space.grid(values={"x": [0.5, 2.0]})
    with pytest.raises(ValueError, match=r"values\['k'\]: expected an int, got float 1.5"):
        space.grid(values={"k": [1.5]})
    with pytest.raises(ValueError, match=r"values\['c'\]: 'z' is not one of"):
        space.grid(values={"c": ["z"]})
    with pytest.raises(ValueError, match="values names unknown parameter 'nope'"):
        space.grid(values={"nope": [1]})
    with pytest.raises(ValueError, match=r"values\['x'\] is empty"):
        space.grid(values={"x": []})


def test_resolution_per_dimension():
    space = Space(x=Float(0.0, 1.0), y=Float(0.0, 1.0), k=Int(0, 100))
    grid = space.grid(resolution={"x": 2, "y": 7})
    # unnamed dimensions take the default resolution (5)
    assert len(grid) == 2 * 7 * 5
    assert len({c["y"] for c in grid}) == 7
    with pytest.raises(ValueError, match="resolution names unknown parameter 'z'"):
        space.grid(resolution={"z": 3})


def test_resolution_one_is_the_middle():
    space = Space(x=Float(0.0, 2.0), lr=Float(1e-4, 1.0, log=True), k=Int(1, 99))
    assert list(space.grid(resolution=1)) == [{"x": 1.0, "lr": pytest.approx(1e-2), "k": 50}]


@pytest.mark.parametrize("resolution", [1, 3, 5])
def test_small_int_ranges_are_enumerated_whole_at_any_resolution(resolution):
    space = Space(n_layers=Int(1, 4), k=Int(1, 10), big=Int(1, 11))
    points = list(space.grid(resolution=resolution))
    assert sorted({c["n_layers"] for c in points}) == [1, 2, 3, 4]
    assert sorted({c["k"] for c in points}) == list(range(1, 11))
    assert len({c["big"] for c in points}) == resolution  # 11 values: more than 10, so resolution points


@pytest.mark.parametrize("resolution", [0, -1, -10])
def test_non_positive_resolution_is_an_error(resolution):
    space = Space(x=Float(0.0, 1.0))
    with pytest.raises(ValueError, match=rf"resolution must be a positive int, got {resolution}"):
        space.grid(resolution=resolution)
    with pytest.raises(ValueError, match=rf"resolution\['x'\] must be a positive int, got {resolution}"):
        space.grid(resolution={"x": resolution})


@pytest.mark.parametrize("resolution", [2.5, "3", None, True])
def test_non_integer_resolution_is_an_error(resolution):
    with pytest.raises(ValueError, match="resolution must be a positive int"):
        Space(x=Float(0.0, 1.0)).grid(resolution=resolution)


def test_a_grid_over_the_limit_raises_before_filling_memory():
    space = Space(**{f"x{i}": Float(0.0, 1.0) for i in range(12)})
    with pytest.raises(ValueError, match=r"the grid has 1,000,000,000,000 configurations, over max_size=1,000,000"):
        space.grid(resolution=10)
    with pytest.raises(ValueError, match="over max_size=100"):
        Space(x=Float(0, 1), y=Float(0, 1)).grid(resolution=11, max_size=100)
    assert len(Space(x=Float(0, 1), y=Float(0, 1)).grid(resolution=10, max_size=100)) == 100


def test_a_single_huge_conditional_group_stops_at_the_limit():
    # all parameters linked by conditions: one group, enumerated with a running count
    dims = {"root": Int(0, 9)}
    for i in range(8):
        dims[f"c{i}"] = Float(0.0, 1.0).when(root=greater_than(0))
    space = Space(dims)
    with pytest.raises(ValueError, match="over max_size=10,000"):
        space.grid(resolution=10, max_size=10_000)


@pytest.mark.parametrize(
    "space, resolution, name, count",
    [
        (Space(x=Float(0.0, 1.0)), 10**12, "x", "1,000,000,000,000"),
        (Space(a=Int(0, 3), x=Float(0.0, 1.0).when(a=at_least(1))), 10**9, "x", "1,000,000,000"),
        (Space(k=Int(0, 10**12)), 10**10, "k", "10,000,000,000"),
    ],
)
def test_a_huge_resolution_is_refused_before_anything_is_built(space, resolution, name, count):
    """Not after building a trillion points (a MemoryError, or minutes and gigabytes for 1e8):
    the limit is checked per dimension, before its values are made."""
    with pytest.raises(ValueError, match=rf"over max_size=1,000,000 configurations: {name} alone takes {count} values"):
        space.grid(resolution=resolution)


def test_huge_int_ranges_at_a_modest_resolution():
    space = Space(k=Int(0, 10**12), lk=Int(1, 10**12, log=True))
    points = list(space.grid(resolution=3))
    assert sorted({c["k"] for c in points}) == [0, 5 * 10**11, 10**12]
    assert sorted({c["lk"] for c in points}) == [1, 10**6, 10**12]


def test_cardinality_counts_large_int_ranges_exactly():
    assert Space(k=Int(0, 200_000)).cardinality() == 200_001
    assert Space(k=Int(0, 200_000), c=Categorical(["a", "b"])).cardinality() == 400_002
    assert Space(k=Int(0, 2_000_000)).cardinality() is None  # over max_size
    assert Space(k=Int(0, 2_000_000)).cardinality(max_size=3_000_000) == 2_000_001


def test_finite_spaces_count():
    space = Space(k=Int(1, 4), c=Categorical(["a", "b"]), d=Int(0, 2).when(c="b"))
    assert space.is_finite
    assert space.cardinality() == 4 * (1 + 3)
    assert not Space(x=Float(0, 1)).is_finite
    assert Space(x=Float(0, 1)).cardinality() is None


def test_grid_values_are_sorted_log_spaced_for_log_ints():
    space = Space(n=Int(1, 1000, log=True))
    values = [c["n"] for c in space.grid(resolution=4)]
    assert values == [1, 10, 100, 1000]
    assert all(type(v) is int for v in values)


def test_a_grid_slices_as_a_list_does():
    grid = Space(a=Int(1, 4), b=Categorical(["x", "y"])).grid(resolution=4)
    assert grid[0:3] == [grid[0], grid[1], grid[2]] and grid[-2:] == [grid[6], grid[7]]
    assert grid[::3] == list(grid)[::3] and grid[5:2] == []
