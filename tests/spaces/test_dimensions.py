"""Dimensions: ``Float``, ``Int``, ``Categorical``; their definition errors name the parameter."""

from __future__ import annotations

import re

import numpy as np
import pytest

from hpo import Categorical, Float, Int, Space, at_least, one_of, optimize, ref
from hpo.spaces import Dimension


# ------------------------------------------------------------ bad definitions
BEYOND = " (the unit-cube encoding is float64 and would round them), got {}; for a seed, Int(0, 2**31 - 1) is plenty"

@pytest.mark.parametrize(
    "dim, message",
    [
        # low >= high
        (Float(1.0, 1.0), "x = Float(1.0, 1.0): low (1.0) must be less than high (1.0); for one value, write "
                          "Categorical([1.0])"),
        (Float(2, 1), "x = Float(2, 1): low (2) must be less than high (1)"),
        (Int(3, 3), "x = Int(3, 3): low (3) must be less than high (3); for one value, write Categorical([3])"),
        # Int bounds beyond what float64 holds exactly
        (Int(0, 10**20), "x = Int(0, 100000000000000000000): Int bounds must lie within +-2**53" + BEYOND.format(
            "high=100000000000000000000")),
        (Int(-2**53 - 1, 0), "x = Int(-9007199254740993, 0): Int bounds must lie within +-2**53" + BEYOND.format(
            "low=-9007199254740993")),
        (Int(5, -5), "x = Int(5, -5): low (5) must be less than high (-5)"),
        (Float(1e-2, 1e-3, log=True), "x = Float(0.01, 0.001, log=True): low (0.01) must be less than high (0.001)"),
        # log with low <= 0
        (Float(0.0, 1.0, log=True), "x = Float(0.0, 1.0, log=True): log=True needs low > 0, got low=0.0"),
        (Float(-1, 1, log=True), "x = Float(-1, 1, log=True): log=True needs low > 0, got low=-1"),
        (Int(0, 10, log=True), "x = Int(0, 10, log=True): log=True needs low > 0, got low=0"),
        (Int(-4, 10, log=True), "x = Int(-4, 10, log=True): log=True needs low > 0, got low=-4"),
        # Int with non-integer bounds
        (Int(1.5, 10), "x = Int(1.5, 10): Int bounds must be integers, got low=1.5"),
        (Int(1, 10.5), "x = Int(1, 10.5): Int bounds must be integers, got high=10.5"),
        # non-finite bounds
        (Float(0.0, float("inf")), "x = Float(0.0, inf): high must be finite, got inf"),
        (Float(-np.inf, 0.0), "x = Float(-inf, 0.0): low must be finite, got -inf"),
        (Float(float("nan"), 1.0), "x = Float(nan, 1.0): low must be finite, got nan"),
        (Int(0, float("inf")), "x = Int(0, inf): high must be finite, got inf"),
        # not numbers at all
        (Float("0", 1), "x = Float('0', 1): low must be a number or ref(...), got '0'"),
        (Float(0, True), "x = Float(0, True): high must be a number or ref(...), got True"),
        (Int(None, 3), "x = Int(None, 3): low must be a number or ref(...), got None"),
        # empty or duplicate choices
        (Categorical([]), "x = Categorical([]): Categorical needs at least one choice"),
        (Categorical(["a", "b", "a"]), "x = Categorical(['a', 'b', 'a']): choice 'a' is given twice"),
        (Categorical([0.5, np.float64(0.5)]), "x = Categorical([0.5, 0.5]): choice 0.5 is given twice"),
        (Categorical([(1, "a"), (1, "a")]), "x = Categorical([(1, 'a'), (1, 'a')]): choice (1, 'a') is given twice"),
        (Categorical([None, None]), "x = Categorical([None, None]): choice None is given twice"),
        (Categorical([[1, 2]]), "x = Categorical([[1, 2]]): choice [1, 2] is not hashable; a dict or list as a value: "
                                "choose among names or tuples (e.g. (1, 2)) and build the value in the space's to_params"),
        (Categorical([float("nan")]), "x = Categorical([nan]): choice nan is not a finite number"),
    ],
)
def test_bad_dimension_raises_when_the_space_is_built_naming_the_parameter(dim, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        Space(ok=Float(0, 1), x=dim)
    # the same through a mapping (names that are not identifiers)
    with pytest.raises(ValueError, match=re.escape(message.replace("x = ", "clf__x = ", 1))):
        Space({"clf__x": dim})


def test_one_and_one_point_zero_are_two_choices_that_keep_their_types():
    # scikit-learn reads max_features=1 as one feature and 1.0 as all of them; the choices were refused as one
    space = Space(mf=Categorical([1, 1.0, "sqrt"]))
    drawn = {(type(c["mf"]).__name__, c["mf"]) for c in space.sample(40, seed=0)}
    assert drawn == {("int", 1), ("float", 1.0), ("str", "sqrt")}
    assert space["mf"].indices_of([1, 1.0, np.float64(1.0), np.int64(1), "sqrt", True]).tolist() == [0, 1, 1, 0, 2, -1]
    with pytest.raises(ValueError, match=r"mf: 2 \(int\) is not one of \[0.5, 2.0\]: 2.0 \(float\) is, and a choice "
                                         r"keeps its type"):
        Space(mf=Categorical([0.5, 2.0])).validate({"mf": 2})
    grid = [t.config["mf"] for t in optimize(lambda c: 0.0, space, "grid", n_trials=None).trials]
    assert sorted(map(repr, grid)) == ["'sqrt'", "1", "1.0"]


def test_bad_dimension_in_a_later_position_is_the_one_named():
    with pytest.raises(ValueError, match=r"^units_2 = Int\(8, 4\)"):
        Space(units_0=Int(8, 16), units_1=Int(8, 16), units_2=Int(8, 4))


def test_categorical_needs_a_sequence():
    with pytest.raises(TypeError, match="Categorical choices must be a list or tuple of values, got 'abc'"):
        Categorical("abc")
    with pytest.raises(TypeError, match="got 3"):
        Categorical(3)


def test_a_bare_value_is_not_a_dimension():
    # a list is Categorical (scikit-learn's form): tests/spaces/test_sklearn_forms.py
    with pytest.raises(TypeError, match="x: expected a Float, Int or Categorical .*got 3"):
        Space(x=3)


# -------------------------------------------------------------- value types
def test_dimensions_are_values():
    assert Float(0, 1) == Float(0.0, 1.0)
    assert hash(Float(0, 1)) == hash(Float(0.0, 1.0))
    assert Float(0, 1) != Float(0, 1, log=True)
    assert Float(1, 2) != Int(1, 2)
    assert Int(8, ref("a")) == Int(8, ref("a"))
    assert Int(8, ref("a")) != Int(8, ref("b"))
    assert Categorical(["a", "b"]) == Categorical(("a", "b"))
    assert Categorical(["a", "b"]) != Categorical(["b", "a"])
    assert Categorical([1]) != Categorical([True])
    assert Categorical([1, True]) != Categorical([True, 1])
    assert Float(0, 1).when(a=1) != Float(0, 1)
    assert Float(0, 1).when(a=1, b=at_least(2)) == Float(0, 1).when(b=at_least(2), a=1)
    assert len({Float(0, 1), Float(0.0, 1.0), Int(0, 1)}) == 2


def test_when_returns_a_new_dimension():
    base = Int(8, 64, log=True)
    child = base.when(n_layers=at_least(2))
    assert base.conditions == {}
    assert child.conditions == {"n_layers": at_least(2)}
    both = child.when(solver=one_of("adam", "sgd"))
    assert list(both.conditions) == ["n_layers", "solver"]
    assert list(child.conditions) == ["n_layers"]
    cat = Categorical(["a", "b"])
    assert cat.when(x=1).choices == ("a", "b") and cat.conditions == {}


def test_when_rejects_bad_use():
    with pytest.raises(ValueError, match=r"when\(\) needs at least one condition"):
        Float(0, 1).when()
    with pytest.raises(ValueError, match="a condition on 'a' is given twice"):
        Float(0, 1).when(a=1).when(a=2)
    with pytest.raises(TypeError, match=r"a condition value \['adam', 'sgd'\] is a list; use one_of"):
        Float(0, 1).when(solver=["adam", "sgd"])


def test_categorical_choices_of_every_hashable_kind():
    choices = ["a", 1, True, 0, False, 2.5, None, (1, "x"), (True,), (1,), ()]
    dim = Categorical(choices)
    assert dim.choices == tuple(choices)
    assert [dim.index_of(c) for c in choices] == list(range(len(choices)))
    assert dim.index_of(1.0) == -1  # another setting than 1 for an estimator (max_features), as True is
    assert dim.index_of("zzz") == -1
    assert dim.index_of([1]) == -1  # unhashable: not a choice, no crash
    space = Space(c=dim)
    assert {type(c["c"]) for c in space.sample(300, seed=0)} == {str, int, bool, float, type(None), tuple}


def test_numpy_values_in_definitions_become_plain():
    dim = Categorical([np.int64(3), np.str_("a"), np.float64(0.5), np.bool_(True)])
    assert [type(c) for c in dim.choices] == [int, str, float, bool]
    f = Float(np.float64(0.5), np.int64(2))
    assert (type(f.low), type(f.high)) == (float, int)


def test_dimension_repr():
    assert repr(Float(1e-6, 0.1, log=True)) == "Float(1e-06, 0.1, log=True)"
    assert repr(Int(8, ref("units_0"), log=True).when(n_layers=at_least(2))) == (
        "Int(8, ref('units_0'), log=True).when(n_layers=at_least(2))"
    )
    assert repr(Categorical(["relu", None, (1, 2)]).when(solver=one_of("adam", "sgd"), x=True)) == (
        "Categorical(['relu', None, (1, 2)]).when(solver=one_of('adam', 'sgd'), x=True)"
    )


@pytest.mark.parametrize(
    "dim",
    [
        Float(1e-6, 0.1, log=True),
        Float(ref("a"), 3.5),
        Int(8, ref("units_0"), log=True).when(n_layers=at_least(2)),
        Categorical(["a", 1, True, None, (1, ("x", False))]).when(b=one_of((1, 2), "z"), c=(True,)),
    ],
)
def test_dimension_dict_round_trip(dim):
    import json

    d = json.loads(json.dumps(dim.to_dict(), allow_nan=False))
    again = Dimension.from_dict(d)
    assert again == dim
    assert repr(again) == repr(dim)


def test_unknown_dimension_type_in_a_dict():
    with pytest.raises(ValueError, match="unknown dimension type 'complex'"):
        Dimension.from_dict({"type": "complex"})


@pytest.mark.parametrize("make, message", [
    (lambda: Float(1e-4, 1.0, log="false"), "log must be True or False, got 'false'"),
    (lambda: Int(1, 9, log=1), "log must be True or False, got 1"),
    (lambda: Float(-1e308, 1e308), r"the range \[-1e\+308, 1e\+308\] is wider than a float64 can hold"),
])
def test_a_log_that_is_not_a_bool_and_an_overflowing_range_are_definition_errors(make, message):
    with pytest.raises(ValueError, match=r"^x = .*: " + message):
        Space(x=make())


def test_wide_ranges_that_a_float64_holds_sample_inside_them():
    configs = Space(x=Float(-1e307, 1e307), y=Float(1e-300, 1e300, log=True)).sample(200, seed=0)
    xs = np.array([c["x"] for c in configs])
    assert np.isfinite(xs).all() and (xs < 0).any() and (xs > 0).any()
    assert np.log10([c["y"] for c in configs]).std() > 100  # spread over the decades


def test_a_set_of_choices_is_refused_as_unordered():
    with pytest.raises(TypeError, match="must be ordered .* one seed would not give the same trials"):
        Categorical({"adam", "sgd"})
    assert Categorical(c for c in ("adam", "sgd")).choices == ("adam", "sgd")  # an ordered iterable is fine
