"""The ``synthetic`` benchmark suite: closed-form test functions with known optima.

Nine classic functions of global optimization plus one mixed and conditional
function of this project's design (``mixed_conditional``), each registered as a
:class:`~hpo.benchmarking.problem.Problem` at import time. The names, in suite
order, are in :data:`SUITE`.

The classic functions, their domains, minimizers and minima follow the
standard reference: S. Surjanovic and D. Bingham, *Virtual Library of
Simulation Experiments: Test Functions and Datasets*,
https://www.sfu.ca/~ssurjano/optimization.html (abbreviated "VLSE" below).
Where the VLSE gives a minimum rounded to a few digits, :attr:`optimum` holds
the value of the formula at the minimizer refined to machine precision (a
root of the analytic gradient, started at the VLSE's minimizer), so that a
regret ``loss - optimum`` is never negative; the rounded VLSE value is given
next to it.

Every function takes an array whose last axis holds the coordinates: a vector
``x`` of shape ``(d,)`` gives a float (a numpy float64, which is a ``float``),
and an array of shape ``(n, d)`` gives the ``n`` values at once.

>>> round(float(branin([np.pi, 2.275])), 6)
0.397887
>>> branin(np.array([[np.pi, 2.275], [0.0, 0.0]])).round(3)
array([ 0.398, 55.602])
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from .._constraints import Options, check_options
from ..spaces import Categorical, Float, Int, Space, ref
from .problem import Problem, register_problem

__all__ = [
    "SUITE",
    "FUNCTIONS",
    "SyntheticFunction",
    "branin",
    "six_hump_camel",
    "hartmann3",
    "hartmann6",
    "rosenbrock",
    "ackley",
    "levy",
    "styblinski_tang",
    "michalewicz",
    "mixed_conditional",
    "mixed_conditional_space",
    "MIXED_CONDITIONAL_OPTIMUM",
    "MIXED_CONDITIONAL_BRANCH_OPTIMA",
    "make_branin",
    "make_six_hump_camel",
    "make_hartmann3",
    "make_hartmann6",
    "make_rosenbrock5",
    "make_ackley5",
    "make_levy5",
    "make_styblinski_tang5",
    "make_michalewicz5",
    "make_mixed_conditional",
]


def _as_points(x: Any, dim: int | None = None) -> np.ndarray:
    """``x`` as a float array with the coordinates on the last axis (checked against ``dim``)."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 0:
        raise ValueError("expected a vector of coordinates (or an (n, d) array), got a scalar")
    if dim is not None and x.shape[-1] != dim:
        raise ValueError(f"expected {dim} coordinates on the last axis, got shape {x.shape}")
    return x


# ---------------------------------------------------------------- functions
# Branin (VLSE "Branin Function"), the usual constants; x1 in [-5, 10], x2 in [0, 15].
_BRANIN_B = 5.1 / (4.0 * math.pi**2)
_BRANIN_C = 5.0 / math.pi
_BRANIN_T = 1.0 / (8.0 * math.pi)


def branin(x: Any) -> Any:
    """Branin: three global minima, 0.397887 (= 10 / (8 pi)) at (-pi, 12.275), (pi, 2.275), (3 pi, 2.475)."""
    x = _as_points(x, 2)
    x1, x2 = x[..., 0], x[..., 1]
    return (
        (x2 - _BRANIN_B * x1**2 + _BRANIN_C * x1 - 6.0) ** 2
        + 10.0 * (1.0 - _BRANIN_T) * np.cos(x1)
        + 10.0
    )


def six_hump_camel(x: Any) -> Any:
    """Six-hump camel: two global minima, -1.0316284535 at (+-0.0898, -+0.7126); x1 in [-3, 3], x2 in [-2, 2]."""
    x = _as_points(x, 2)
    x1, x2 = x[..., 0], x[..., 1]
    return (4.0 - 2.1 * x1**2 + x1**4 / 3.0) * x1**2 + x1 * x2 + (-4.0 + 4.0 * x2**2) * x2**2


# Hartmann 3-D and 6-D (VLSE "Hartmann 3-D Function", "Hartmann 6-D Function"), on [0, 1]^d.
_HARTMANN_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_HARTMANN3_A = np.array([
    [3.0, 10.0, 30.0],
    [0.1, 10.0, 35.0],
    [3.0, 10.0, 30.0],
    [0.1, 10.0, 35.0],
])
_HARTMANN3_P = 1e-4 * np.array([
    [3689.0, 1170.0, 2673.0],
    [4699.0, 4387.0, 7470.0],
    [1091.0, 8732.0, 5547.0],
    [381.0, 5743.0, 8828.0],
])
_HARTMANN6_A = np.array([
    [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
    [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
    [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
    [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
])
_HARTMANN6_P = 1e-4 * np.array([
    [1312.0, 1696.0, 5569.0, 124.0, 8283.0, 5886.0],
    [2329.0, 4135.0, 8307.0, 3736.0, 1004.0, 9991.0],
    [2348.0, 1451.0, 3522.0, 2883.0, 3047.0, 6650.0],
    [4047.0, 8828.0, 8732.0, 5743.0, 1091.0, 381.0],
])


def _hartmann(x: np.ndarray, A: np.ndarray, P: np.ndarray) -> Any:
    # x: (..., d) -> inner: (..., 4)
    inner = np.sum(A * (x[..., None, :] - P) ** 2, axis=-1)
    return -np.sum(_HARTMANN_ALPHA * np.exp(-inner), axis=-1)


def hartmann3(x: Any) -> Any:
    """Hartmann 3-D on [0, 1]^3: minimum -3.86278 at (0.114614, 0.555649, 0.852547)."""
    return _hartmann(_as_points(x, 3), _HARTMANN3_A, _HARTMANN3_P)


def hartmann6(x: Any) -> Any:
    """Hartmann 6-D on [0, 1]^6: minimum -3.32237 at (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573)."""
    return _hartmann(_as_points(x, 6), _HARTMANN6_A, _HARTMANN6_P)


def rosenbrock(x: Any) -> Any:
    """Rosenbrock (any d >= 2): minimum 0 at (1, ..., 1); VLSE domain [-5, 10]^d."""
    x = _as_points(x)
    head, tail = x[..., :-1], x[..., 1:]
    return np.sum(100.0 * (tail - head**2) ** 2 + (head - 1.0) ** 2, axis=-1)


def ackley(x: Any, a: float = 20.0, b: float = 0.2, c: float = 2.0 * math.pi) -> Any:
    """Ackley (any d): minimum 0 at the origin; VLSE domain [-32.768, 32.768]^d."""
    x = _as_points(x)
    return (
        -a * np.exp(-b * np.sqrt(np.mean(x**2, axis=-1)))
        - np.exp(np.mean(np.cos(c * x), axis=-1))
        + a
        + math.e
    )


def levy(x: Any) -> Any:
    """Levy (any d): minimum 0 at (1, ..., 1); VLSE domain [-10, 10]^d."""
    x = _as_points(x)
    w = 1.0 + (x - 1.0) / 4.0
    w_head, w_last = w[..., :-1], w[..., -1]
    return (
        np.sin(math.pi * w[..., 0]) ** 2
        + np.sum((w_head - 1.0) ** 2 * (1.0 + 10.0 * np.sin(math.pi * w_head + 1.0) ** 2), axis=-1)
        + (w_last - 1.0) ** 2 * (1.0 + np.sin(2.0 * math.pi * w_last) ** 2)
    )


# Styblinski-Tang: separable, each coordinate's minimizer is the root of 4x^3 - 32x + 5 near -2.9035.
_STYBLINSKI_TANG_X = -2.903534027771177
_STYBLINSKI_TANG_MIN_PER_DIM = -39.16616570377142


def styblinski_tang(x: Any) -> Any:
    """Styblinski-Tang (any d): minimum -39.16616570377142 d at x_i = -2.903534; VLSE domain [-5, 5]^d."""
    x = _as_points(x)
    return 0.5 * np.sum(x**4 - 16.0 * x**2 + 5.0 * x, axis=-1)


def michalewicz(x: Any, m: float = 10.0) -> Any:
    """Michalewicz (any d, steepness m=10): minimum -4.687658 for d=5 on [0, pi]^5 (VLSE)."""
    x = _as_points(x)
    i = np.arange(1, x.shape[-1] + 1, dtype=float)
    return -np.sum(np.sin(x) * np.sin(i * x**2 / math.pi) ** (2.0 * m), axis=-1)


# -------------------------------------------------------------- metadata
@dataclass(frozen=True)
class SyntheticFunction:
    """A closed-form test function with its domain and known optimum.

    Attributes
    ----------
    name : str
        The problem name it is registered under.
    function : callable
        ``function(x)``: a float for a vector ``x`` of length ``dim``, an array
        of ``n`` values for an ``(n, dim)`` array.
    bounds : tuple of (low, high)
        The domain, one pair per coordinate (a box).
    optimum : float
        The global minimum.
    minimizers : tuple of tuples
        Global minimizers, to machine precision (numerically refined where the
        reference gives rounded digits).
    reference_minimizers : tuple of tuples
        The minimizers as the reference (VLSE) prints them.
    reference_optimum : float
        The minimum as the reference prints it.
    description : str
    """

    name: str
    function: Callable[[Any], Any]
    bounds: tuple[tuple[float, float], ...]
    optimum: float
    minimizers: tuple[tuple[float, ...], ...]
    reference_minimizers: tuple[tuple[float, ...], ...]
    reference_optimum: float
    description: str = ""

    @property
    def dim(self) -> int:
        """The number of coordinates."""
        return len(self.bounds)

    def __call__(self, x: Any) -> Any:
        return self.function(_as_points(x, self.dim))

    def space(self) -> Space:
        """The domain as a space of ``Float`` parameters ``x0 .. x{dim-1}``."""
        return Space({f"x{i}": Float(float(lo), float(hi)) for i, (lo, hi) in enumerate(self.bounds)})

    def problem(self) -> Problem:
        """The benchmark problem: minimize the function over :meth:`space`."""
        return Problem(
            name=self.name,
            space=self.space(),
            objective=_VectorObjective(self.name, self.dim),
            optimum=self.optimum,
            kind="synthetic",
            description=self.description,
            tags={
                "dimension": self.dim,
                "minimizers": [{f"x{i}": v for i, v in enumerate(x)} for x in self.minimizers],
            },
        )


class _VectorObjective:
    """``objective(config, budget)`` of a synthetic function: the vector of x0..x{d-1}; budget ignored.

    A module-level class (not a lambda) so that it pickles for process-based executors.
    """

    def __init__(self, name: str, dim: int) -> None:
        self.name = name
        self.dim = dim
        self._keys = [f"x{i}" for i in range(dim)]

    def __call__(self, config: Mapping[str, Any], budget: Any = None) -> float:
        x = np.array([config[k] for k in self._keys], dtype=float)
        return float(FUNCTIONS[self.name](x))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, dim={self.dim})"


_PI = math.pi
FUNCTIONS: dict[str, SyntheticFunction] = {}


def _add(fn: SyntheticFunction) -> SyntheticFunction:
    FUNCTIONS[fn.name] = fn
    return fn


_add(SyntheticFunction(
    name="branin",
    function=branin,
    bounds=((-5.0, 10.0), (0.0, 15.0)),
    # at each minimizer the square vanishes and cos(x1) = -1: the minimum is 10 t = 10 / (8 pi)
    optimum=10.0 * _BRANIN_T,
    minimizers=(
        (-_PI, 12.275),
        (_PI, 2.275),
        (3.0 * _PI, 2.475),  # x2 = b x1^2 - c x1 + 6 = 11.475 - 15 + 6
    ),
    reference_minimizers=((-_PI, 12.275), (_PI, 2.275), (9.42478, 2.475)),
    reference_optimum=0.397887,
    description="Branin-Hoo, 2-D, three global minima (VLSE).",
))
_add(SyntheticFunction(
    name="six_hump_camel",
    function=six_hump_camel,
    bounds=((-3.0, 3.0), (-2.0, 2.0)),
    optimum=-1.0316284534898774,  # VLSE: -1.0316
    minimizers=(
        (0.08984201310031807, -0.7126564030207396),
        (-0.08984201310031807, 0.7126564030207396),
    ),
    reference_minimizers=((0.0898, -0.7126), (-0.0898, 0.7126)),
    reference_optimum=-1.0316284535,
    description="Six-hump camel, 2-D, two global minima among six local ones (VLSE).",
))
_add(SyntheticFunction(
    name="hartmann3",
    function=hartmann3,
    bounds=((0.0, 1.0),) * 3,
    optimum=-3.862779787332663,  # VLSE: -3.86278
    minimizers=((0.11458887665506896, 0.5556488946169301, 0.8525469846866774),),
    reference_minimizers=((0.114614, 0.555649, 0.852547),),
    reference_optimum=-3.86278,
    description="Hartmann 3-D on the unit cube, four local minima (VLSE).",
))
_add(SyntheticFunction(
    name="hartmann6",
    function=hartmann6,
    bounds=((0.0, 1.0),) * 6,
    optimum=-3.322368011415515,  # VLSE: -3.32237
    minimizers=((
        0.20168951100670543, 0.15001069182345797, 0.47687397422189703,
        0.2753324304940561, 0.31165161660011326, 0.6573005340656204,
    ),),
    reference_minimizers=((0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573),),
    reference_optimum=-3.32237,
    description="Hartmann 6-D on the unit hypercube, six local minima (VLSE).",
))
_add(SyntheticFunction(
    name="rosenbrock5",
    function=rosenbrock,
    bounds=((-5.0, 10.0),) * 5,
    optimum=0.0,
    minimizers=((1.0,) * 5,),
    reference_minimizers=((1.0,) * 5,),
    reference_optimum=0.0,
    description="Rosenbrock, 5-D: a long curved valley (VLSE).",
))
_add(SyntheticFunction(
    name="ackley5",
    function=ackley,
    bounds=((-32.768, 32.768),) * 5,
    optimum=0.0,
    minimizers=((0.0,) * 5,),
    reference_minimizers=((0.0,) * 5,),
    reference_optimum=0.0,
    description="Ackley, 5-D: a nearly flat outer region with many local minima (VLSE).",
))
_add(SyntheticFunction(
    name="levy5",
    function=levy,
    bounds=((-10.0, 10.0),) * 5,
    optimum=0.0,
    minimizers=((1.0,) * 5,),
    reference_minimizers=((1.0,) * 5,),
    reference_optimum=0.0,
    description="Levy, 5-D: many local minima (VLSE).",
))
_add(SyntheticFunction(
    name="styblinski_tang5",
    function=styblinski_tang,
    bounds=((-5.0, 5.0),) * 5,
    # the VLSE prints -39.16599 d, but its own minimizer -2.903534 gives -39.166166 d
    optimum=_STYBLINSKI_TANG_MIN_PER_DIM * 5,
    minimizers=((_STYBLINSKI_TANG_X,) * 5,),
    reference_minimizers=((-2.903534,) * 5,),
    reference_optimum=-39.166166 * 5,
    description="Styblinski-Tang, 5-D, separable, 2^5 local minima (VLSE).",
))
_add(SyntheticFunction(
    name="michalewicz5",
    function=michalewicz,
    bounds=((0.0, _PI),) * 5,
    # Michalewicz is separable: the minimizer is found coordinate by coordinate
    # (dense 1-D search and bounded refinement); the VLSE gives -4.687658 for d=5.
    optimum=-4.687658179088144,
    minimizers=((
        2.202905520186834, 1.5707963267948966, 1.2849915705402832,
        1.9230584698680722, 1.7204697725650733,
    ),),
    reference_minimizers=((2.202906, 1.570796, 1.284992, 1.923058, 1.720470),),
    reference_optimum=-4.687658,
    description="Michalewicz, 5-D, m=10: steep narrow valleys (VLSE).",
))


# ------------------------------------------------------ mixed_conditional
# The project's own mixed and conditional function. Parameters:
#
#   lr           Float(1e-5, 1, log=True)        t = log10(lr) in [-5, 0]
#   n_layers     Int(1, 8)                        L
#   branch       Categorical(["a", "b", "c"])
#   momentum     Float(0, 0.99)          when branch == "a"          m
#   weight_decay Float(1e-6, 0.1, log)   when branch == "b"          w = log10(weight_decay)
#   scale        Float(0.1, 10, log)     when branch == "c"          s = log10(scale)
#   shift        Float(-1, ref("scale")) when branch == "c"          (a range that depends on scale)
#
# Loss by branch (a constant plus weighted squares):
#
#   a: 0.3  + (t - log10(1 - m) + 1.0 + 0.3 L)^2 + 2 (m - 0.85)^2 + 0.05 (L - 3)^2
#        (the "effective step" lr / (1 - m) wants 10^(-1 - 0.3 L): lr and momentum trade off)
#   b: 0.15 + (t + 3.2 - 0.1 L)^2 + 0.5 (w - t + 1.5)^2 + 0.05 (L - 5)^2
#        (the best weight decay follows the learning rate)
#   c: 0.0  + (t + 3.2 - 0.5 s + 0.1 L)^2 + (s - 0.3)^2 + (shift - 0.5 scale)^2 + 0.05 (L - 2)^2
#        (the best lr follows scale and depth; the best shift is half the scale)
#
# Proof of the optimum: every square is >= 0, so each branch's loss is at least its
# constant, and it equals it exactly where every square vanishes. Solving the squares
# from the last to the first gives one point per branch, inside the domain and off
# every boundary (so none sits at the end of a range, where a grid would land on it):
#
#   a: L = 3, m = 0.85, t = log10(0.15) - 1.9 = -2.7239 (lr = 0.15 * 10^-1.9 ~ 1.8884e-3),   loss 0.3
#   b: L = 5, t = -2.7 (lr ~ 1.9953e-3), w = -4.2 (weight_decay ~ 6.3096e-5),               loss 0.15
#   c: L = 2, s = 0.3 (scale ~ 1.9953), shift = scale / 2 ~ 0.99763 (inside [-1, scale]),
#      t = -3.2 + 0.15 - 0.2 = -3.25 (lr ~ 5.6234e-4),                                        loss 0
#
# The global minimum is 0, uniquely at branch "c"'s point; "b" and "a" are
# deceptive branches with worse optima (0.15, 0.3) and their own best learning rates.
_MC_OFFSETS = {"a": 0.3, "b": 0.15, "c": 0.0}
_MC_CONSTRAINTS = {"branch": [Options(_MC_OFFSETS)]}


def mixed_conditional_space() -> Space:
    """The space of ``mixed_conditional`` (a fresh ``Space``)."""
    return Space(
        lr=Float(1e-5, 1.0, log=True),
        n_layers=Int(1, 8),
        branch=Categorical(["a", "b", "c"]),
        momentum=Float(0.0, 0.99).when(branch="a"),
        weight_decay=Float(1e-6, 1e-1, log=True).when(branch="b"),
        scale=Float(0.1, 10.0, log=True).when(branch="c"),
        shift=Float(-1.0, ref("scale")).when(branch="c"),
    )


def mixed_conditional(config: Mapping[str, Any]) -> float:
    """The ``mixed_conditional`` loss of a configuration (see the comment above for its form and optimum)."""
    t = math.log10(config["lr"])
    L = float(config["n_layers"])
    branch = config["branch"]
    check_options(_MC_CONSTRAINTS, branch=branch)
    if branch == "a":
        m = float(config["momentum"])
        loss = (
            (t - math.log10(1.0 - m) + 1.0 + 0.3 * L) ** 2
            + 2.0 * (m - 0.85) ** 2
            + 0.05 * (L - 3.0) ** 2
        )
    elif branch == "b":
        w = math.log10(config["weight_decay"])
        loss = (t + 3.2 - 0.1 * L) ** 2 + 0.5 * (w - t + 1.5) ** 2 + 0.05 * (L - 5.0) ** 2
    elif branch == "c":
        scale = float(config["scale"])
        s = math.log10(scale)
        loss = (
            (t + 3.2 - 0.5 * s + 0.1 * L) ** 2
            + (s - 0.3) ** 2
            + (float(config["shift"]) - 0.5 * scale) ** 2
            + 0.05 * (L - 2.0) ** 2
        )
    return _MC_OFFSETS[branch] + loss


#: The best configuration of each branch and its loss (see the proof above).
MIXED_CONDITIONAL_BRANCH_OPTIMA: dict[str, tuple[dict, float]] = {
    "a": ({"lr": 0.15 * 10.0**-1.9, "n_layers": 3, "branch": "a", "momentum": 0.85}, 0.3),
    "b": ({"lr": 10.0**-2.7, "n_layers": 5, "branch": "b", "weight_decay": 10.0**-4.2}, 0.15),
    "c": (
        {"lr": 10.0**-3.25, "n_layers": 2, "branch": "c", "scale": 10.0**0.3, "shift": 0.5 * 10.0**0.3},
        0.0,
    ),
}
#: The global minimizer of ``mixed_conditional`` and its loss (0).
MIXED_CONDITIONAL_OPTIMUM: tuple[dict, float] = MIXED_CONDITIONAL_BRANCH_OPTIMA["c"]


def _mixed_conditional_objective(config: Mapping[str, Any], budget: Any = None) -> float:
    return mixed_conditional(config)


def make_mixed_conditional() -> Problem:
    """The ``mixed_conditional`` problem: log float, int, a categorical branch, conditional children and a dependent range."""
    best, value = MIXED_CONDITIONAL_OPTIMUM
    return Problem(
        name="mixed_conditional",
        space=mixed_conditional_space(),
        objective=_mixed_conditional_objective,
        optimum=value,
        kind="synthetic",
        description=(
            "Mixed and conditional: a log-scale learning rate, an integer depth, a categorical "
            "branch with conditional children (one with a range that depends on another), "
            "interacting terms; global minimum 0 in branch 'c', deceptive branches at 0.15 and 0.3."
        ),
        tags={
            "minimizers": [dict(best)],
            "branch_optima": {k: (dict(c), v) for k, (c, v) in MIXED_CONDITIONAL_BRANCH_OPTIMA.items()},
        },
    )


# --------------------------------------------------------------- factories
def make_branin() -> Problem:
    """The ``branin`` problem (2-D)."""
    return FUNCTIONS["branin"].problem()


def make_six_hump_camel() -> Problem:
    """The ``six_hump_camel`` problem (2-D)."""
    return FUNCTIONS["six_hump_camel"].problem()


def make_hartmann3() -> Problem:
    """The ``hartmann3`` problem (3-D)."""
    return FUNCTIONS["hartmann3"].problem()


def make_hartmann6() -> Problem:
    """The ``hartmann6`` problem (6-D)."""
    return FUNCTIONS["hartmann6"].problem()


def make_rosenbrock5() -> Problem:
    """The ``rosenbrock5`` problem (5-D)."""
    return FUNCTIONS["rosenbrock5"].problem()


def make_ackley5() -> Problem:
    """The ``ackley5`` problem (5-D)."""
    return FUNCTIONS["ackley5"].problem()


def make_levy5() -> Problem:
    """The ``levy5`` problem (5-D)."""
    return FUNCTIONS["levy5"].problem()


def make_styblinski_tang5() -> Problem:
    """The ``styblinski_tang5`` problem (5-D)."""
    return FUNCTIONS["styblinski_tang5"].problem()


def make_michalewicz5() -> Problem:
    """The ``michalewicz5`` problem (5-D)."""
    return FUNCTIONS["michalewicz5"].problem()


_FACTORIES: dict[str, Callable[[], Problem]] = {
    "branin": make_branin,
    "six_hump_camel": make_six_hump_camel,
    "hartmann3": make_hartmann3,
    "hartmann6": make_hartmann6,
    "rosenbrock5": make_rosenbrock5,
    "ackley5": make_ackley5,
    "levy5": make_levy5,
    "styblinski_tang5": make_styblinski_tang5,
    "michalewicz5": make_michalewicz5,
    "mixed_conditional": make_mixed_conditional,
}

#: The problem names of the ``synthetic`` suite, in order.
SUITE: list[str] = list(_FACTORIES)

for _name, _factory in _FACTORIES.items():
    register_problem(_name, _factory)
del _name, _factory
