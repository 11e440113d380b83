"""Conditions (``.when``) and references (``ref``): semantics, vectorization, definition errors."""

from __future__ import annotations

import re

import numpy as np
import pytest

from hpo import Categorical, Float, Int, Space, at_least, at_most, greater_than, less_than, one_of, ref
from hpo.spaces import Equals, OneOf

# ---------------------------------------------------------------- predicates
PREDICATE_TABLE = [
    # predicate, values where it holds, values where it does not
    (at_least(2), [2, 3, 2.0, 2.5, 10**9], [1, 1.999, -3, "2", None, True, (2,)]),
    (at_most(2), [2, 1, -5, 1.5], [3, 2.001, "1", None, False]),
    (greater_than(2), [3, 2.001], [2, 2.0, 1, "3", None]),
    (less_than(2), [1, 1.999, -7], [2, 2.0, 3, "1", None, True]),
    (one_of("adam", "sgd"), ["adam", "sgd"], ["lbfgs", None, 1]),
    (one_of(1, None, (1, "x")), [1, 1.0, None, (1, "x")], [True, 2, (True, "x"), "1"]),
    (Equals(True), [True], [1, 1.0, False, "True"]),
    (Equals(1), [1, 1.0], [True, 2, "1"]),
    (Equals(0), [0, 0.0], [False, None]),
    (Equals(None), [None], [0, False, ""]),
    (Equals((True,)), [(True,)], [(1,)]),
]


@pytest.mark.parametrize("predicate, yes, no", PREDICATE_TABLE)
def test_predicate_holds(predicate, yes, no):
    for v in yes:
        assert predicate.holds(v) is True, (predicate, v)
    for v in no:
        assert predicate.holds(v) is False, (predicate, v)


@pytest.mark.parametrize(
    "predicate",
    [at_least(2), at_most(2), greater_than(2), less_than(2), one_of(1, 3), Equals(2), at_least(2.5), Equals(2.5)],
)
def test_predicate_mask_agrees_with_holds(predicate):
    values = np.array([-1.0, 0.0, 1.0, 2.0, 2.5, 3.0, 4.0])
    np.testing.assert_array_equal(predicate.mask(values), [predicate.holds(float(v)) for v in values])


def test_predicate_values_and_reprs():
    assert at_least(2) == at_least(2) and hash(at_least(2)) == hash(at_least(2.0))
    assert at_least(2) != at_most(2)
    assert one_of("a", "b") == one_of("a", "b")
    assert one_of(["a", "b"]) == one_of("a", "b")  # a list given as the only argument
    assert isinstance(one_of("a"), OneOf)
    assert Equals(1) != Equals(True)
    assert repr(at_least(2)) == "at_least(2)"
    assert repr(at_most(0.5)) == "at_most(0.5)"
    assert repr(greater_than(1e-3)) == "greater_than(0.001)"
    assert repr(less_than(-1)) == "less_than(-1)"
    assert repr(one_of("adam", "sgd")) == "one_of('adam', 'sgd')"
    assert repr(Equals("sgd")) == "'sgd'"
    assert repr(ref("units_0")) == "ref('units_0')"


@pytest.mark.parametrize("factory", [at_least, at_most, greater_than, less_than])
@pytest.mark.parametrize("bad", ["2", None, True, float("nan"), float("inf"), (1,)])
def test_comparisons_need_a_finite_number(factory, bad):
    with pytest.raises(ValueError, match=re.escape(f"{factory.__name__}() needs a finite number, got {bad!r}")):
        factory(bad)


def test_bad_predicate_arguments():
    with pytest.raises(ValueError, match=r"one_of\(\) needs at least one value"):
        one_of()
    with pytest.raises(TypeError, match=r"one_of\(\) values must be hashable, got \[1\]"):
        one_of("a", [1])
    with pytest.raises(TypeError, match=r"ref\(\) needs a parameter name, got 3"):
        ref(3)
    with pytest.raises(TypeError, match=r"ref\(\) needs a parameter name, got ''"):
        ref("")


# --------------------------------------------------- conditions in a space
def _activity(space, configs, name):
    return np.array([name in c for c in configs])


def test_inactive_parameters_are_absent_not_defaulted():
    space = Space(
        solver=Categorical(["adam", "sgd"]),
        momentum=Float(0.0, 0.99).when(solver="sgd"),
        nesterov=Categorical([True, False]).when(solver="sgd"),
    )
    configs = space.sample(200, seed=0)
    for c in configs:
        if c["solver"] == "adam":
            assert c == {"solver": "adam"}
        else:
            assert set(c) == {"solver", "momentum", "nesterov"}


@pytest.mark.parametrize(
    "predicate, expected",
    [
        (at_least(6), lambda k: k >= 6),
        (at_most(3), lambda k: k <= 3),
        (greater_than(6), lambda k: k > 6),
        (less_than(3), lambda k: k < 3),
        (greater_than(4.5), lambda k: k >= 5),
        (one_of(1, 4, 9), lambda k: k in (1, 4, 9)),
        (7, lambda k: k == 7),
    ],
)
def test_every_predicate_kind_on_an_int_parent(predicate, expected):
    space = Space(k=Int(0, 9), child=Float(0.0, 1.0).when(k=predicate))
    configs = space.sample(500, seed=1)
    for c in configs:
        assert ("child" in c) == expected(c["k"]), c
    assert any("child" in c for c in configs) and not all("child" in c for c in configs)
    U = space.encode(configs)
    np.testing.assert_array_equal(space.active_mask(U)[:, 1], [expected(c["k"]) for c in configs])


@pytest.mark.parametrize(
    "predicate, expected",
    [
        (at_least(1e-2), lambda v: v >= 1e-2),
        (at_most(1e-3), lambda v: v <= 1e-3),
        (greater_than(0.05), lambda v: v > 0.05),
        (less_than(1e-4), lambda v: v < 1e-4),
    ],
)
def test_comparisons_on_a_log_float_parent(predicate, expected):
    space = Space(lr=Float(1e-6, 1.0, log=True), warmup=Int(0, 10).when(lr=predicate))
    for c in space.sample(500, seed=2):
        assert ("warmup" in c) == expected(c["lr"])


def test_conditions_on_a_categorical_parent_of_mixed_choices():
    space = Space(
        c=Categorical([1, True, 2, "x", None, (1,), 3.5]),
        eq_one=Int(0, 1).when(c=1),
        eq_true=Int(0, 1).when(c=True),
        is_none=Int(0, 1).when(c=None),
        is_tuple=Int(0, 1).when(c=(1,)),
        big=Int(0, 1).when(c=at_least(2)),
        some=Int(0, 1).when(c=one_of("x", None, 3.5)),
    )
    from .strategies_for_spaces import typed_key

    seen = set()
    for cfg in space.sample(400, seed=3):
        v = cfg["c"]
        seen.add(typed_key(v))
        assert ("eq_one" in cfg) == (typed_key(v) == typed_key(1))
        assert ("eq_true" in cfg) == (v is True)
        assert ("is_none" in cfg) == (v is None)
        assert ("is_tuple" in cfg) == (v == (1,) and type(v[0]) is int)
        assert ("big" in cfg) == (v in (2, 3.5) and type(v) is not bool)
        assert ("some" in cfg) == (v in ("x", 3.5) or v is None)
    assert len(seen) == 7


def test_several_keywords_must_all_hold():
    space = Space(
        solver=Categorical(["adam", "sgd"]),
        n=Int(1, 4),
        lr=Float(1e-4, 1.0, log=True),
        child=Int(0, 3).when(solver="sgd", n=at_least(3), lr=less_than(1e-2)),
    )
    configs = space.sample(2000, seed=4)
    for c in configs:
        assert ("child" in c) == (c["solver"] == "sgd" and c["n"] >= 3 and c["lr"] < 1e-2)
    assert sum("child" in c for c in configs) > 50


def test_a_child_of_a_conditional_parent_is_active_only_when_the_parent_is():
    space = Space(
        booster=Categorical(["gbtree", "gblinear", "dart"]),
        max_depth=Int(1, 10).when(booster=one_of("gbtree", "dart")),
        # depends on a conditional parent; the predicate alone would hold for "absent"
        deep_bonus=Float(0.0, 1.0).when(max_depth=at_least(6)),
        # a chain of three
        deep_extra=Categorical(["a", "b"]).when(deep_bonus=less_than(0.5)),
    )
    for c in space.sample(2000, seed=5):
        has_depth = c["booster"] != "gblinear"
        assert ("max_depth" in c) == has_depth
        assert ("deep_bonus" in c) == (has_depth and c["max_depth"] >= 6)
        assert ("deep_extra" in c) == ("deep_bonus" in c and c["deep_bonus"] < 0.5)
    # a parent absent means the child is absent, also through validate
    with pytest.raises(ValueError, match=r"^deep_bonus: present, but it is inactive \(max_depth is inactive\)"):
        space.validate({"booster": "gblinear", "deep_bonus": 0.3})


def test_a_condition_may_name_a_parent_declared_later():
    space = Space(child=Float(0.0, 1.0).when(parent="on"), parent=Categorical(["on", "off"]))
    assert space.names == ["child", "parent"]
    for c in space.sample(100, seed=6):
        assert ("child" in c) == (c["parent"] == "on")


# ---------------------------------------------------- definition errors
@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Space(x=Int(0, 3).when(y=1)), "x: a condition names unknown parameter 'y'; known: ['x']"),
        (lambda: Space(a=Int(0, 3), x=Int(0, ref("b"))), "x: ref() names unknown parameter 'b'; known: ['a', 'x']"),
        (lambda: Space(x=Float(ref("lo"), 1.0)), "x: ref() names unknown parameter 'lo'"),
        (lambda: Space(x=Int(0, 3).when(x=1)), "x depends on itself"),
        (lambda: Space(x=Int(0, ref("x"))), "x depends on itself"),
        (
            lambda: Space(x=Int(0, 3).when(y=1), y=Int(0, 3).when(x=1)),
            "the parameters x -> y -> x depend on each other in a cycle",
        ),
        (
            lambda: Space(x=Int(0, ref("y")), y=Int(0, ref("x"))),
            "the parameters x -> y -> x depend on each other in a cycle",
        ),
        (
            lambda: Space(a=Int(0, 3).when(c=1), b=Int(0, ref("a")), c=Int(0, 3).when(b=at_least(1))),
            "depend on each other in a cycle",
        ),
    ],
)
def test_unknown_parents_and_cycles(make, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make()


def test_a_cycle_message_names_every_parameter_in_it():
    with pytest.raises(ValueError, match="cycle") as info:
        Space(
            ok=Int(0, 3),
            a=Int(0, 3).when(c=1),
            b=Int(0, 3).when(a=1),
            c=Int(0, 3).when(b=1),
        )
    text = str(info.value)
    assert all(name in text for name in ("a", "b", "c")) and "ok" not in text


@pytest.mark.parametrize(
    "parent, condition, message",
    [
        (Categorical(["adam", "sgd"]), "lbfgs", "x: condition p='lbfgs' names 'lbfgs', which p never takes (choices: ['adam', 'sgd'])"),
        (Categorical(["adam", "sgd"]), one_of("sgd", "lbfgs"), "x: condition p=one_of('sgd', 'lbfgs') names 'lbfgs', which p never takes"),
        (Categorical([1, 2]), True, "x: condition p=True names True, which p never takes (choices: [1, 2])"),
        (Categorical([True, 2]), 1, "x: condition p=1 names 1, which p never takes (choices: [True, 2])"),
        (Categorical(["a", "b"]), at_least(1), "x: condition p=at_least(1) holds for none of p's choices ['a', 'b']"),
        (Categorical([1, 2, 3]), greater_than(3), "x: condition p=greater_than(3) holds for none of p's choices [1, 2, 3]"),
        (Int(1, 4), 7, "x: condition p=7 names 7, which p never takes (range [1, 4])"),
        (Int(1, 4), 2.5, "x: condition p=2.5 names 2.5, which p never takes (range [1, 4])"),
        (Int(1, 4), True, "x: condition p=True names True, which p never takes (range [1, 4])"),
        (Int(1, 4), "2", "x: condition p='2' names '2', which p never takes (range [1, 4])"),
        (Int(1, 4), one_of(2, 9), "x: condition p=one_of(2, 9) names 9, which p never takes (range [1, 4])"),
        (Int(1, 4), at_least(5), "x: condition p=at_least(5) never holds: p lies in [1, 4]"),
        (Int(1, 4), at_most(0), "x: condition p=at_most(0) never holds: p lies in [1, 4]"),
        (Int(1, 4), greater_than(4), "x: condition p=greater_than(4) never holds: p lies in [1, 4]"),
        (Int(1, 4), less_than(1), "x: condition p=less_than(1) never holds: p lies in [1, 4]"),
        (Int(1, 4), greater_than(3.5), None),  # holds for 4: fine
        (Float(0.0, 1.0), greater_than(1.0), "x: condition p=greater_than(1.0) never holds: p lies in [0.0, 1.0]"),
        (Float(0.0, 1.0), at_least(1.0), None),  # holds at the upper end: fine
        (Float(0.0, 1.0), less_than(0.0), "x: condition p=less_than(0.0) never holds: p lies in [0.0, 1.0]"),
        (Float(1e-3, 1e-1, log=True), 0.5, "x: condition p=0.5 names 0.5, which p never takes"),
    ],
)
def test_a_condition_value_the_parent_never_takes(parent, condition, message):
    make = lambda: Space(p=parent, x=Float(0.0, 1.0).when(p=condition))  # noqa: E731
    if message is None:
        make()
        return
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        make()


def test_a_condition_on_a_parent_whose_range_depends_on_another():
    # b lies in [1, 10] overall (b <= a <= 10): at_least(10) can hold, at_least(11) cannot
    Space(a=Int(1, 10), b=Int(1, ref("a")), x=Float(0, 1).when(b=at_least(10)))
    with pytest.raises(ValueError, match=re.escape("x: condition b=at_least(11) never holds: b lies in [1, 10]")):
        Space(a=Int(1, 10), b=Int(1, ref("a")), x=Float(0, 1).when(b=at_least(11)))


# ------------------------------------------------------------ references
def test_ref_must_name_a_numeric_parameter():
    with pytest.raises(ValueError, match=re.escape("x: ref('c') must name a Float or Int parameter, got Categorical([1, 2])")):
        Space(c=Categorical([1, 2]), x=Int(0, ref("c")))


def test_a_ref_child_must_not_outlive_its_parent():
    with pytest.raises(
        ValueError,
        match=re.escape("b takes its range from a, but b can be active when a is not; give b the conditions of a"),
    ):
        Space(c=Categorical(["x", "y"]), a=Int(1, 10).when(c="x"), b=Int(0, ref("a")))
    # with the parent's condition (or one implying it) the space is fine
    Space(c=Categorical(["x", "y"]), a=Int(1, 10).when(c="x"), b=Int(0, ref("a")).when(c="x"))
    Space(n=Int(1, 4), a=Int(1, 10).when(n=at_least(2)), b=Int(0, ref("a")).when(n=at_least(3)))
    Space(n=Int(1, 4), a=Int(1, 10).when(n=at_least(2)), b=Int(0, ref("a")).when(a=at_least(5)))
    with pytest.raises(ValueError, match="b takes its range from a"):
        Space(n=Int(1, 4), a=Int(1, 10).when(n=at_least(2)), b=Int(0, ref("a")).when(n=at_least(1)))


def test_a_range_empty_for_every_parent_value_is_a_definition_error():
    with pytest.raises(ValueError, match=re.escape("b = Int(20, ref('a')): the range is empty for every value of its parents")):
        Space(a=Int(1, 10), b=Int(20, ref("a")))


def test_log_with_a_ref_that_can_reach_zero():
    with pytest.raises(ValueError, match=re.escape("b = Float(ref('a'), 10.0, log=True): log=True needs low > 0, but the low bound can be 0.0")):
        Space(a=Float(0.0, 1.0), b=Float(ref("a"), 10.0, log=True))


def test_the_ref_dependency_is_declared_so_order_does_not_matter():
    space = Space(units_1=Int(8, ref("units_0")), units_0=Int(8, 512, log=True))
    assert space.names == ["units_1", "units_0"]
    assert space.parents("units_1") == ["units_0"]
    assert space.children("units_0") == ["units_1"]
    for c in space.sample(300, seed=7):
        assert 8 <= c["units_1"] <= c["units_0"]
        assert list(c) == ["units_1", "units_0"]


def test_numpy_condition_values_are_plain_values_on_an_int_parent():
    space = Space(n=Int(1, 3), x=Float(0, 1).when(n=np.int64(2)), y=Float(0, 1).when(n=one_of(*np.arange(2, 4))))
    assert {c["n"]: ("x" in c, "y" in c) for c in space.grid(resolution=3)} == {
        1: (False, False), 2: (True, True), 3: (False, True)}


def test_equality_with_a_float_parent_is_refused_as_never_sampled():
    with pytest.raises(ValueError, match=r"^noise: condition dropout=0\.0 asks a Float to equal a value, which "
                                         r"sampling hits with probability 0; use at_most"):
        Space(dropout=Float(0.0, 0.5), noise=Float(0, 1).when(dropout=0.0))
    space = Space(dropout=Float(0.0, 0.5), noise=Float(0, 1).when(dropout=at_most(0.1)))  # what was meant
    assert any("noise" in c for c in space.sample(50, seed=0))
