"""Functional-ANOVA importance: exact on known trees, right on functions of known structure."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.tree import DecisionTreeRegressor

import hpo
from hpo import Categorical, Float, Int, Space
from hpo.analysis import ImportanceTable, importance
from hpo.analysis.fanova import _measures, tree_anova

from .conftest import halving_result


def _grid(n: int = 100) -> np.ndarray:
    g = (np.arange(n) + 0.5) / n
    a, b = np.meshgrid(g, g)
    return np.column_stack([a.ravel(), b.ravel()])


# ------------------------------------------------------------ exact, one tree
def test_additive_step_function_decomposes_exactly():
    X = _grid()
    y = (X[:, 0] > 0.5) + 2.0 * (X[:, 1] > 0.25)
    tree = DecisionTreeRegressor().fit(X, y)
    variance, main, inter = tree_anova(tree, _measures(Space(a=Float(0, 1), b=Float(0, 1))), [(0, 1)])
    # Var(1[a>.5]) = 1/4; Var(2 * 1[b>.25]) = 4 * 3/16 = 3/4; no interaction
    assert variance == pytest.approx(1.0)
    assert main == pytest.approx([0.25, 0.75])
    assert inter[(0, 1)] == pytest.approx(0.0, abs=1e-12)


def test_a_product_is_one_third_each_and_one_third_interaction():
    X = _grid()
    y = ((X[:, 0] > 0.5) & (X[:, 1] > 0.5)).astype(float)
    tree = DecisionTreeRegressor().fit(X, y)
    variance, main, inter = tree_anova(tree, _measures(Space(a=Float(0, 1), b=Float(0, 1))), [(0, 1)])
    assert variance == pytest.approx(3 / 16)
    assert main / variance == pytest.approx([1 / 3, 1 / 3])
    assert inter[(0, 1)] / variance == pytest.approx(1 / 3)


def test_integers_are_point_masses_not_intervals():
    # Only n=1 and n=3 were seen: the tree's threshold falls on the centre of n=2's bin. Each of the
    # four integers has probability 1/4 and n=2 goes left (as its encoding would in the tree),
    # so the variance is exactly that of a fair coin; an interval measure would give 0.234.
    space = Space(n=Int(1, 4))
    X = space.encode([{"n": 1}, {"n": 3}] * 5)
    y = (X[:, 0] > 0.5).astype(float)
    tree = DecisionTreeRegressor().fit(X, y)
    assert tree.tree_.threshold[0] == pytest.approx(space.encode([{"n": 2}])[0, 0])
    variance, main, _ = tree_anova(tree, _measures(space))
    assert variance == pytest.approx(0.25)
    assert main[0] == pytest.approx(0.25)


def test_log_integers_weigh_each_value_by_its_log_bin():
    space = Space(n=Int(1, 100, log=True))
    m = _measures(space)[0]
    centres = space.encode([{"n": v} for v in (1, 2, 10, 100)])[:, 0]
    weight = {v: m.cdf(c) - m.cdf(np.nextafter(c, -1)) for v, c in zip((1, 2, 10, 100), centres)}
    # log-uniform over the integers' bins: P(n=1) = log(1.5/0.5) / log(100.5/0.5)
    assert weight[1] == pytest.approx(np.log(3) / np.log(201), rel=1e-3)
    assert weight[1] > weight[2] > weight[10] > weight[100] > 0


# ------------------------------------------------------------ known structure
def test_dominant_dimension_first_and_ignored_dimensions_near_zero():
    space = Space(**{f"x{i}": Float(0, 1) for i in range(5)})
    result = hpo.optimize(lambda c: 10 * (c["x2"] - 0.3) ** 2 + 0.5 * c["x4"], space, n_trials=120, seed=1)
    table = importance(result)
    assert table.names[:2] == ["x2", "x4"]
    assert table["x2"] > 0.7
    for name in ("x0", "x1", "x3"):
        assert table[name] < 0.02
    assert table.explained == pytest.approx(1.0, abs=0.05)  # additive: main effects explain nearly all


def test_log_dimension_is_measured_log_uniformly():
    # 1[lr > 0.01] is a fair coin on the log scale of [1e-4, 1] (and would be 99% on a linear one),
    # so it matters exactly as much as the fair coin 1[x > 0.5].
    space = Space(lr=Float(1e-4, 1.0, log=True), x=Float(0, 1))
    result = hpo.optimize(lambda c: float(c["lr"] > 0.01) + float(c["x"] > 0.5), space, n_trials=150, seed=0)
    table = importance(result)
    assert table["lr"] == pytest.approx(0.5, abs=0.08)
    assert table["x"] == pytest.approx(0.5, abs=0.08)


def test_categorical_that_matters_ranks_first():
    space = Space(model=Categorical(["svm", "tree", "knn"]), c=Float(0, 1), unused=Int(1, 10))
    values = {"svm": 0.0, "tree": 2.0, "knn": 0.5}
    result = hpo.optimize(lambda cfg: values[cfg["model"]] + 0.2 * cfg["c"], space, n_trials=90, seed=0)
    table = importance(result)
    assert table.names == ["model", "c", "unused"]
    assert table["model"] > 0.9
    assert table["unused"] < 0.01


def test_pure_interaction_has_small_main_effects_and_a_large_pair_effect():
    space = Space(a=Float(0, 1), b=Float(0, 1), c=Float(0, 1))
    result = hpo.optimize(lambda cfg: float((cfg["a"] > 0.5) != (cfg["b"] > 0.5)), space, n_trials=200, seed=0)
    table = importance(result, interactions=True)
    assert max(table.importance) < 0.1  # a split-count importance would call a and b important
    a, b, share, _ = table.interactions[0]
    assert {a, b} == {"a", "b"}
    assert share > 0.5


def _conditional_result() -> hpo.Result:
    space = Space(kind=Categorical(["a", "b"]), x=Float(0, 1).when(kind="a"), z=Float(0, 1))
    return hpo.optimize(lambda c: 10.0 * (c["x"] > 0.5) if c["kind"] == "a" else 5.0, space, n_trials=200, seed=0)


def test_conditional_child_counts_only_where_active():
    # Over the space: kind a or b with probability 1/2; under a the loss is 0 or 10 (x), under b it is 5.
    # Both branches average 5, so kind has no main effect; x's main effect is 1/4 * 25 = 6.25 of the
    # total 12.5, and the other half is the kind x x interaction.
    table = importance(_conditional_result(), interactions=True)
    assert table.names[0] == "x"
    assert table["x"] == pytest.approx(0.5, abs=0.05)
    assert table["kind"] < 0.03
    assert table["z"] < 0.01
    assert table.active[table.names.index("x")] == pytest.approx(0.5, abs=0.03)
    assert table.active[table.names.index("kind")] == 1.0
    top = table.interactions[0]
    assert {top[0], top[1]} == {"kind", "x"} and top[2] == pytest.approx(0.5, abs=0.05)


def test_the_inactive_marker_is_not_taken_as_a_value(monkeypatch):
    # The same study with the encoding's fixed 0.5 marker handed to the forest: the forest routes the
    # b rows with x <= 0.5 and extrapolates, x's importance inflates to about 0.9. Shows what the fill fixes.
    from hpo.analysis import fanova

    monkeypatch.setattr(fanova, "unit_features", lambda space, configs, rng: space.encode(configs))
    naive = importance(_conditional_result())
    assert naive["x"] > 0.7


def test_mlp_style_conditional_space_runs_and_ignores_unused_layers():
    from tests.common import make_mlp_space

    space = make_mlp_space()

    def objective(c):
        return (np.log10(c["alpha"]) + 3) ** 2 + (0.5 if c["solver"] == "sgd" else 0.0)

    table = importance(hpo.optimize(objective, space, n_trials=120, seed=0))
    assert table.names[0] == "alpha"
    assert set(table.names) == set(space.names)
    for name in ("units_1", "units_2", "units_3", "momentum", "activation"):
        assert table[name] < 0.03


# ------------------------------------------------------------ inputs and API
def test_a_fitted_tuner_is_read_through_its_result():
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier

    X, y = load_iris(return_X_y=True)
    tuner = hpo.Tuner(DecisionTreeClassifier(random_state=0),
                      Space(max_depth=Int(1, 6), min_samples_leaf=Int(1, 30)), n_trials=20, random_state=0)
    with pytest.raises(TypeError, match="not fitted"):
        importance(tuner)
    table = importance(tuner.fit(X, y))
    assert set(table.names) == {"max_depth", "min_samples_leaf"} and table.n_trials == 20


def test_multifidelity_uses_the_largest_budget_unless_told():
    result = halving_result(n=30)  # 30 trials at budget 1, 10 at 3, 3 at 9
    with pytest.raises(ValueError, match="at least 5 ok trials at the largest budget"):
        importance(result)
    assert importance(result, budget="all").n_trials == 43
    table = importance(result, budget=3.0)
    assert table.n_trials == 10 and table.budget == 3.0
    assert importance(halving_result(n=60)).n_trials == 6  # 6 reach budget 9
    auto = importance(result, budget="auto")  # the largest budget with at least 10 ok trials
    assert auto.budget == 3.0 and auto.n_trials == 10
    assert importance(halving_result(n=24), budget="auto").budget == 1.0  # 24, 8, 2: only budget 1 has 10


def test_same_seed_same_table_and_extra_trees(mixed_result):
    a = importance(mixed_result, seed=3)
    b = importance(mixed_result, seed=3)
    assert a.names == b.names and np.array_equal(a.importance, b.importance)
    c = importance(mixed_result, forest="extra_trees", n_trees=16)
    assert c.per_tree.shape == (16, 5) and c.names[0] == "lr"


def test_table_api(mixed_result):
    table = importance(mixed_result, interactions=True)
    assert isinstance(table, ImportanceTable)
    assert list(table.importance) == sorted(table.importance, reverse=True)
    assert [row[0] for row in table] == table.names
    records = table.to_records()
    assert records[0]["name"] == "lr" and set(records[0]) == {"name", "importance", "std", "active"}
    assert (table.std >= 0).all() and table.per_tree.shape == (64, 5)
    md = table.to_markdown()
    assert md.startswith("| parameter | importance |") and "| lr |" in md and " x " in md
    assert "lr" in str(table)
    with pytest.raises(KeyError, match="unknown parameter"):
        table["nope"]
    assert len(table.to_dataframe()) == 5


def test_errors_are_clear(mixed_result):
    space = Space(x=Float(0, 1))
    few = hpo.optimize(lambda c: c["x"], space, n_trials=4, seed=0)
    with pytest.raises(ValueError, match=r"^importance needs at least 5 ok trials; this search has 4$"):
        importance(few)  # no budgets: no hint about them
    flat = hpo.optimize(lambda c: 1.0, space, n_trials=8, seed=0)
    with pytest.raises(ValueError, match="same loss"):
        importance(flat)
    with pytest.raises(ValueError, match="forest must be"):
        importance(mixed_result, forest="boosting")
    with pytest.raises(TypeError, match="Result or a fitted Tuner"):
        importance([1, 2, 3])
    with pytest.raises(ValueError, match="n_trees"):
        importance(mixed_result, n_trees=0)


def test_a_conditional_int_child_gets_its_share_not_its_parents():
    # inactive rows were filled with uniform draws between the Int's points, where the measure has no mass:
    # `degree` came out first (0.47) for a true share of 0.10, and its parent `kernel` (0.34) fell to 0.15
    import math

    from hpo import Int, one_of

    space = Space(kernel=Categorical(["rbf", "poly", "lin"]), degree=Int(2, 5).when(kernel="poly"),
                  gamma=Float(1e-4, 10, log=True).when(kernel=one_of("rbf", "poly")), C=Float(1e-3, 1e3, log=True))

    def loss(c):
        v = abs(math.log10(c["C"])) + ((c["degree"] - 3) ** 2 if c["kernel"] == "poly" else 0)
        return v + (0.5 * abs(math.log10(c["gamma"]) + 1) if "gamma" in c else 0)

    table = importance(hpo.optimize(loss, space, "random", n_trials=300, seed=1))
    share = dict(zip(table.names, table.importance))
    # Monte Carlo over space.sample (100,000 draws): kernel 0.336, degree 0.102
    assert table.names[0] in ("kernel", "C") and share["kernel"] > 2 * share["degree"]
    assert abs(share["degree"] - 0.102) < 0.05 and abs(share["kernel"] - 0.336) < 0.08


@pytest.mark.parametrize("scale", [1e300, 1e-300])
def test_importance_does_not_depend_on_the_scale_of_the_losses(scale):
    # near 1e300 the squares overflowed (NaN importance); near 1e-300 the trees made no split
    space = Space(x=Float(0, 1), y=Float(0, 1))
    plain = importance(hpo.optimize(lambda c: 1 + c["x"] + 0.1 * c["y"], space, "random", n_trials=20, seed=0))
    scaled = importance(hpo.optimize(lambda c: scale * (1 + c["x"] + 0.1 * c["y"]), space, "random", n_trials=20,
                                     seed=0))
    assert scaled.names == plain.names == ["x", "y"]
    np.testing.assert_allclose(scaled.importance, plain.importance, atol=0.02)
