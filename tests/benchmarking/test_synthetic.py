"""The synthetic suite: each formula at its known minimizer, bounds, problem objects, mixed_conditional."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from scipy.optimize import minimize, minimize_scalar
from threadpoolctl import threadpool_limits

from hpo.benchmarking import synthetic
from hpo.benchmarking.problem import Problem, available_problems, make_problem
from hpo.benchmarking.synthetic import (
    FUNCTIONS,
    MIXED_CONDITIONAL_BRANCH_OPTIMA,
    MIXED_CONDITIONAL_OPTIMUM,
    SUITE,
    mixed_conditional,
)
from hpo.spaces import Float

VECTOR_PROBLEMS = [name for name in SUITE if name != "mixed_conditional"]

# Written out here, independently of the module, from Surjanovic & Bingham's
# Virtual Library of Simulation Experiments (https://www.sfu.ca/~ssurjano/):
# domain, printed minimizers, printed minimum and how many digits it is printed to.
PI = math.pi
DOCUMENTED = {
    "branin": ([(-5, 10), (0, 15)], [(-PI, 12.275), (PI, 2.275), (9.42478, 2.475)], 0.397887, 1e-6),
    "six_hump_camel": ([(-3, 3), (-2, 2)], [(0.0898, -0.7126), (-0.0898, 0.7126)], -1.0316284535, 1e-6),
    "hartmann3": ([(0, 1)] * 3, [(0.114614, 0.555649, 0.852547)], -3.86278, 1e-5),
    "hartmann6": (
        [(0, 1)] * 6, [(0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573)], -3.32237, 1e-5,
    ),
    "rosenbrock5": ([(-5, 10)] * 5, [(1.0,) * 5], 0.0, 1e-12),
    "ackley5": ([(-32.768, 32.768)] * 5, [(0.0,) * 5], 0.0, 1e-12),
    "levy5": ([(-10, 10)] * 5, [(1.0,) * 5], 0.0, 1e-12),
    "styblinski_tang5": ([(-5, 5)] * 5, [(-2.903534,) * 5], -39.16616570377142 * 5, 1e-6),
    "michalewicz5": ([(0, PI)] * 5, [(2.202906, 1.570796, 1.284992, 1.923058, 1.720470)], -4.687658, 1e-6),
}


@pytest.fixture(autouse=True)
def _one_blas_thread():
    # L-BFGS-B calls BLAS on tiny vectors: threads only add overhead (much of it on a busy machine)
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _uniform(name: str, n: int, seed: int) -> np.ndarray:
    bounds = np.array(DOCUMENTED[name][0], dtype=float)
    rng = np.random.default_rng(seed)
    return bounds[:, 0] + rng.random((n, len(bounds))) * (bounds[:, 1] - bounds[:, 0])


def _config(x) -> dict:
    return {f"x{i}": float(v) for i, v in enumerate(x)}


# ----------------------------------------------------------------- formulas
def test_suite_names_and_order():
    assert SUITE == [
        "branin", "six_hump_camel", "hartmann3", "hartmann6", "rosenbrock5", "ackley5",
        "levy5", "styblinski_tang5", "michalewicz5", "mixed_conditional",
    ]
    assert sorted(FUNCTIONS) == sorted(VECTOR_PROBLEMS)


@pytest.mark.parametrize("name", VECTOR_PROBLEMS)
def test_documented_minimizers_give_documented_minimum(name):
    _, minimizers, value, tol = DOCUMENTED[name]
    fn = FUNCTIONS[name]
    for x in minimizers:
        assert fn(np.array(x)) == pytest.approx(value, abs=tol)
    # the stored optimum is the documented one, to the digits it is documented to
    assert fn.optimum == pytest.approx(value, abs=tol)


@pytest.mark.parametrize("name", VECTOR_PROBLEMS)
def test_refined_minimizers_give_the_optimum_exactly(name):
    fn = FUNCTIONS[name]
    _, documented, _, _ = DOCUMENTED[name]
    assert len(fn.minimizers) == len(documented)
    for x, x_doc in zip(fn.minimizers, documented):
        assert fn(np.array(x)) == pytest.approx(fn.optimum, abs=1e-12, rel=1e-13)
        # the refined minimizer is the documented one, to its printed digits
        np.testing.assert_allclose(x, x_doc, atol=1e-4)


@pytest.mark.parametrize("name", VECTOR_PROBLEMS)
def test_minimizers_are_local_minima(name):
    """A bounded local search from each minimizer finds nothing lower."""
    fn = FUNCTIONS[name]
    for x in fn.minimizers:
        result = minimize(lambda z: float(fn(z)), np.array(x), method="L-BFGS-B", bounds=fn.bounds)
        assert result.fun >= fn.optimum - 1e-9


def test_michalewicz5_global_minimum_numerically():
    """Michalewicz is separable: a dense 1-D search per coordinate gives the global minimum."""
    fn = FUNCTIONS["michalewicz5"]
    grid = np.linspace(0.0, math.pi, 100_001)
    total, xs = 0.0, []
    for i in range(1, 6):
        def g(x, i=i):
            return -np.sin(x) * np.sin(i * x**2 / math.pi) ** 20
        k = int(np.argmin(g(grid)))
        res = minimize_scalar(g, bounds=(grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]),
                              method="bounded", options={"xatol": 1e-12})
        total += float(res.fun)
        xs.append(res.x)
    assert total == pytest.approx(-4.687658, abs=1e-6)
    assert total == pytest.approx(fn.optimum, abs=1e-9)
    np.testing.assert_allclose(xs, fn.minimizers[0], atol=1e-6)
    # and a local search started near the documented point converges to it
    start = np.array(DOCUMENTED["michalewicz5"][1][0]) + 1e-3
    res = minimize(lambda z: float(fn(z)), start, method="L-BFGS-B", bounds=fn.bounds)
    assert res.fun == pytest.approx(-4.687658, abs=1e-5)


@pytest.mark.parametrize("name", VECTOR_PROBLEMS)
def test_random_points_never_beat_the_optimum(name):
    fn = FUNCTIONS[name]
    X = _uniform(name, 1000, seed=sum(map(ord, name)))
    values = fn(X)
    assert values.shape == (1000,)
    assert np.all(np.isfinite(values))
    assert values.min() >= fn.optimum - 1e-9
    # nor do the corners of the box
    corners = np.array(np.meshgrid(*[list(b) for b in fn.bounds])).reshape(fn.dim, -1).T
    assert fn(corners).min() >= fn.optimum - 1e-9


@pytest.mark.parametrize("name", VECTOR_PROBLEMS)
def test_vectorized_agrees_with_scalar(name):
    fn = FUNCTIONS[name]
    X = _uniform(name, 50, seed=1)
    batch = fn(X)
    one_by_one = np.array([fn(x) for x in X])
    np.testing.assert_allclose(batch, one_by_one, rtol=1e-13, atol=1e-13)
    assert isinstance(fn(X[0]), float)
    assert fn(X[:0]).shape == (0,)
    with pytest.raises(ValueError, match="coordinates"):
        fn(np.zeros(fn.dim + 1))


@pytest.mark.parametrize("name", VECTOR_PROBLEMS)
def test_domain_matches_documentation(name):
    fn = FUNCTIONS[name]
    np.testing.assert_allclose(fn.bounds, DOCUMENTED[name][0])


def test_formulas_at_a_few_reference_points():
    """Values away from the optimum, worked out by hand, pin each formula down."""
    # Branin at the origin: (-6)^2 + 10 (1 - t) + 10, t = 1 / (8 pi)
    assert synthetic.branin([0.0, 0.0]) == pytest.approx(36 + 10 * (1 - 1 / (8 * PI)) + 10)
    assert synthetic.six_hump_camel([1.0, 1.0]) == pytest.approx((4 - 2.1 + 1 / 3) + 1 + 0)
    assert synthetic.rosenbrock([0.0, 0.0, 0.0]) == pytest.approx(2.0)
    assert synthetic.rosenbrock([1.0, 2.0]) == pytest.approx(100.0)
    assert synthetic.styblinski_tang([1.0, -1.0]) == pytest.approx(0.5 * ((1 - 16 + 5) + (1 - 16 - 5)))
    assert synthetic.levy([1.0, 5.0]) == pytest.approx(1.0 + math.sin(4 * PI) ** 2 + 0, abs=1e-12)
    # Ackley with every coordinate 1: r = 1 and mean cos(2 pi) = 1
    assert synthetic.ackley([1.0] * 4) == pytest.approx(-20 * math.exp(-0.2) - math.e + 20 + math.e)
    assert synthetic.michalewicz([PI / 2]) == pytest.approx(-math.sin(PI / 4) ** 20)
    # Hartmann at a far corner is tiny but negative
    assert -0.1 < synthetic.hartmann3([1.0, 0.0, 0.0]) < 0


# ----------------------------------------------------------------- problems
def test_every_suite_problem_is_registered():
    known = available_problems()
    for name in SUITE:
        assert name in known
        problem = make_problem(name)
        assert isinstance(problem, Problem)
        assert problem.name == name
        assert problem.kind == "synthetic"
        assert problem.description
        assert not problem.multifidelity


@pytest.mark.parametrize("name", VECTOR_PROBLEMS)
def test_problem_space_and_objective(name):
    fn = FUNCTIONS[name]
    problem = make_problem(name)
    assert problem.optimum == fn.optimum
    space = problem.space
    assert space.names == [f"x{i}" for i in range(fn.dim)]
    for i, (lo, hi) in enumerate(DOCUMENTED[name][0]):
        dim = space[f"x{i}"]
        assert isinstance(dim, Float) and not dim.log and not dim.conditions
        assert (dim.low, dim.high) == pytest.approx((lo, hi))
    configs = space.sample(20, seed=3)
    for config in configs:
        loss = problem(config)
        assert isinstance(loss, float)
        assert loss == problem.objective(config, None) == problem.objective(config, 7)
        assert loss == pytest.approx(float(fn(np.array([config[k] for k in space.names]))), rel=1e-15)
        assert loss >= problem.optimum - 1e-9
    for x in fn.minimizers:
        config = _config(x)
        assert config in space
        assert problem(config) == pytest.approx(problem.optimum, abs=1e-12, rel=1e-13)
    # the objective pickles, for process-based executors
    again = pickle.loads(pickle.dumps(problem.objective))
    assert again(configs[0], None) == problem(configs[0])


# ---------------------------------------------------------- mixed_conditional
def test_mixed_conditional_optimum_is_valid_and_known():
    problem = make_problem("mixed_conditional")
    best, value = MIXED_CONDITIONAL_OPTIMUM
    assert value == 0.0 == problem.optimum
    assert best in problem.space
    assert problem(best) == pytest.approx(0.0, abs=1e-12)
    assert problem.objective(best, None) == problem(best)
    # the minimizer stated in the module's comment
    assert best["branch"] == "c" and best["n_layers"] == 2
    assert best["lr"] == pytest.approx(10**-3.25)
    assert best["scale"] == pytest.approx(10**0.3)
    assert best["shift"] == pytest.approx(0.5 * 10**0.3)


def test_mixed_conditional_space_has_every_kind_of_dimension():
    space = make_problem("mixed_conditional").space
    assert space.conditional
    assert space["lr"].log and (space["lr"].low, space["lr"].high) == (1e-5, 1.0)
    kinds = {type(space[n]).__name__ for n in space.names}
    assert kinds == {"Float", "Int", "Categorical"}
    assert space["shift"].refs == ["scale"]  # a dependent range
    assert set(space.children("branch")) == {"momentum", "weight_decay", "scale", "shift"}


@pytest.mark.parametrize("branch", ["a", "b", "c"])
def test_mixed_conditional_branch_optima(branch):
    problem = make_problem("mixed_conditional")
    space = problem.space
    config, value = MIXED_CONDITIONAL_BRANCH_OPTIMA[branch]
    assert config["branch"] == branch
    assert config in space
    assert problem(config) == pytest.approx(value, abs=1e-12)
    assert value >= problem.optimum
    # the optimum sits well inside every range (no grid lands on it by taking an end point)
    u = space.encode([config])[0]
    active = space.active_mask(u[None, :])[0]
    for name, uj, act in zip(space.names, u, active):
        if act and name not in ("branch", "n_layers"):
            assert 0.05 < uj < 0.95, (name, uj)
    n_layers = space["n_layers"]
    assert n_layers.low < config["n_layers"] < n_layers.high
    # and it is a strict local minimum: any small move of one parameter costs something
    for name in config:
        if name == "branch":
            continue
        moves = [config[name] - 1, config[name] + 1] if name == "n_layers" else [
            config[name] * (1 - 1e-3), config[name] * (1 + 1e-3)]
        for v in moves:
            moved = {**config, name: v}
            assert moved in space
            assert problem(moved) > value + 1e-12, (name, v)


# Each branch's continuous parameters in natural coordinates (log10 for log scales;
# shift as a fraction of its dependent range [-1, scale]), with their bounds.
_BRANCH_COORDS = {
    "a": ([(-5, 0), (0, 0.99)], lambda z: {"lr": 10.0 ** z[0], "momentum": z[1]}),
    "b": ([(-5, 0), (-6, -1)], lambda z: {"lr": 10.0 ** z[0], "weight_decay": 10.0 ** z[1]}),
    "c": ([(-5, 0), (-1, 1), (0, 1)], lambda z: {
        "lr": 10.0 ** z[0], "scale": 10.0 ** z[1], "shift": -1.0 + z[2] * (10.0 ** z[1] + 1.0)}),
}


@pytest.mark.parametrize("branch", ["a", "b", "c"])
def test_mixed_conditional_branch_minimum_numerically(branch):
    """For every depth, local searches over the branch's continuous parameters find nothing lower."""
    space = make_problem("mixed_conditional").space
    _, value = MIXED_CONDITIONAL_BRANCH_OPTIMA[branch]
    bounds, to_config = _BRANCH_COORDS[branch]
    lo, hi = np.array(bounds, dtype=float).T
    rng = np.random.default_rng(0)
    best = math.inf
    for n_layers in range(1, 9):
        def loss(z, n_layers=n_layers):
            return mixed_conditional({"n_layers": n_layers, "branch": branch, **to_config(z)})
        for _ in range(4):
            res = minimize(loss, lo + rng.random(len(lo)) * (hi - lo), method="L-BFGS-B", bounds=bounds)
            assert res.fun >= value - 1e-9
            assert {"n_layers": n_layers, "branch": branch, **to_config(res.x)} in space
            best = min(best, res.fun)
    assert best == pytest.approx(value, abs=1e-6)


def test_mixed_conditional_random_configs_and_branches():
    problem = make_problem("mixed_conditional")
    configs = problem.space.sample(1000, seed=11)
    losses = np.array([problem(c) for c in configs])
    assert np.all(np.isfinite(losses))
    assert losses.min() >= problem.optimum - 1e-9
    # every branch is reachable, with exactly its own children
    children = {"a": {"momentum"}, "b": {"weight_decay"}, "c": {"scale", "shift"}}
    seen = set()
    for c in configs:
        seen.add(c["branch"])
        assert set(c) == {"lr", "n_layers", "branch"} | children[c["branch"]]
        if c["branch"] == "c":
            assert -1.0 <= c["shift"] <= c["scale"]
    assert seen == {"a", "b", "c"}
    for branch in "abc":
        in_branch = losses[[c["branch"] == branch for c in configs]]
        assert in_branch.min() >= MIXED_CONDITIONAL_BRANCH_OPTIMA[branch][1] - 1e-9


@pytest.mark.parametrize("resolution", [3, 4, 5, 6, 7, 9])
def test_mixed_conditional_grid_does_not_hit_the_optimum(resolution):
    problem = make_problem("mixed_conditional")
    grid = problem.space.grid(resolution=resolution)
    assert min(problem(c) for c in grid) > problem.optimum + 1e-3


def test_mixed_conditional_is_not_separable():
    """The best learning rate depends on the depth and on the branch."""
    def best_log_lr(config):
        res = minimize_scalar(lambda t: mixed_conditional({**config, "lr": 10.0**t}),
                              bounds=(-5, 0), method="bounded", options={"xatol": 1e-10})
        return res.x

    best_c, _ = MIXED_CONDITIONAL_BRANCH_OPTIMA["c"]
    t2 = best_log_lr(best_c)
    t6 = best_log_lr({**best_c, "n_layers": 6})
    t_scaled = best_log_lr({**best_c, "scale": 5.0, "shift": 2.5})
    assert t2 == pytest.approx(-3.25, abs=1e-6)
    assert abs(t2 - t6) > 0.3 and abs(t2 - t_scaled) > 0.1
    best_a, _ = MIXED_CONDITIONAL_BRANCH_OPTIMA["a"]
    assert abs(best_log_lr(best_a) - best_log_lr({**best_a, "momentum": 0.5})) > 0.3
    bests = {b: math.log10(MIXED_CONDITIONAL_BRANCH_OPTIMA[b][0]["lr"]) for b in "abc"}
    assert len({round(t, 3) for t in bests.values()}) == 3


def test_mixed_conditional_rejects_an_unknown_branch():
    with pytest.raises(ValueError, match="branch"):
        mixed_conditional({"lr": 1e-3, "n_layers": 2, "branch": "z"})
