"""``Problem``: what a benchmark run optimizes, and the registry of problems by name."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

from ..spaces import Space

__all__ = ["Problem", "register_problem", "make_problem", "available_problems"]


def takes_seed(factory: Callable[..., Problem]) -> bool:
    """Whether a problem factory takes a ``seed`` keyword (or any keyword)."""
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):  # a builtin or C callable without a signature: called without one
        return False
    return any(p.name == "seed" and p.kind != p.POSITIONAL_ONLY or p.kind == p.VAR_KEYWORD for p in parameters)


@dataclass
class Problem:
    """A benchmark problem: a space and a loss to minimize.

    Attributes
    ----------
    name : str
    space : Space
    objective : callable
        ``objective(config, budget) -> loss`` (lower is better); ``budget``
        is None for the full budget. For machine-learning problems it sees
        the training split only (its validation folds are carved out of it).
    optimum : float or None
        The known minimum of the loss, where there is one.
    max_budget, min_budget : float or None
        The budget range of a multi-fidelity problem (None: no budget).
    test_loss : callable or None
        ``test_loss(config) -> loss`` on the held-back test split: fits on
        all training data and scores the test rows. Called once per run,
        for the final best only, after the search.
    kind : {"synthetic", "sklearn", "multifidelity"}
    description : str
    budget_unit : str
        What the budget counts ("epochs", "max_iter", "n_samples"...).

    Examples
    --------
    >>> from hpo import Space, Float
    >>> from hpo.benchmarking import Problem
    >>> problem = Problem("square", Space(x=Float(-1, 1)), lambda config, budget: config["x"] ** 2,
    ...                   optimum=0.0, description="x squared on [-1, 1]")
    >>> problem({"x": 0.5}), problem.multifidelity
    (0.25, False)
    """

    name: str
    space: Space
    objective: Callable[[dict, Any], float]
    optimum: float | None = None
    max_budget: float | None = None
    min_budget: float | None = None
    test_loss: Callable[[dict], float] | None = None
    kind: str = "synthetic"
    description: str = ""
    budget_unit: str = ""
    tags: dict = field(default_factory=dict)

    def __call__(self, config: dict, budget: Any = None) -> float:
        return self.objective(config, budget)

    @property
    def multifidelity(self) -> bool:
        return self.max_budget is not None


_PROBLEMS: dict[str, Callable[[], Problem]] = {}


def register_problem(name: str, factory: Callable[..., Problem]) -> None:
    """Register a problem factory (problems are built lazily: data loads only when used).

    A factory that takes a ``seed`` keyword is given each benchmark run's seed
    (a noisy problem then draws its noise from it, and a run repeats with its
    seed); it is called without one for the problem's reference evaluations
    and definition. Other factories take no argument.

    Examples
    --------
    >>> from hpo import Space, Float
    >>> from hpo.benchmarking import Problem, register_problem, make_problem
    >>> def shifted_square():  # called by make_problem, each time
    ...     space = Space(x=Float(-1, 1))
    ...     return Problem("shifted_square", space, lambda config, budget: (config["x"] - 0.5) ** 2, optimum=0.0)
    >>> register_problem("shifted_square", shifted_square)
    >>> make_problem("shifted_square")({"x": 0.0})
    0.25
    """
    if name in _PROBLEMS and _PROBLEMS[name] is not factory:
        raise ValueError(f"a problem named {name!r} is registered already")
    _PROBLEMS[name] = factory


def problem_factory(name: str) -> Callable[[], Problem] | None:
    """The factory registered as ``name`` (None: none), for a worker process that must register it too."""
    return _PROBLEMS.get(name)


def available_problems() -> list[str]:
    """Every registered problem name.

    The built-in problems register when ``hpo.benchmarking`` is imported (its
    ``__init__`` imports the suites), which any import of this module does first.

    Examples
    --------
    >>> from hpo.benchmarking import available_problems
    >>> "branin" in available_problems(), "svm_wine" in available_problems()
    (True, True)
    """
    return sorted(_PROBLEMS)


def make_problem(name: str, seed: int | None = None) -> Problem:
    """The problem registered as ``name``; an unknown name lists the known ones.

    ``seed`` (a run's seed) is passed to a factory that takes a ``seed`` keyword, and ignored by others.

    Examples
    --------
    >>> import math
    >>> from hpo.benchmarking import make_problem
    >>> problem = make_problem("branin")
    >>> problem.kind, problem.space.names, round(problem.optimum, 4)
    ('synthetic', ['x0', 'x1'], 0.3979)
    >>> round(problem({"x0": math.pi, "x1": 2.275}), 4)  # at a minimizer
    0.3979
    """
    try:
        factory = _PROBLEMS[name]
    except KeyError:
        raise ValueError(f"unknown problem {name!r}; known: {sorted(_PROBLEMS)}. A problem of your own: register "
                         "it (hpo.benchmarking.register_problem) in a module, and pass --import MODULE to hpo bench "
                         "(or call hpo.benchmarking.run_benchmark from your script)") from None
    problem = factory(seed=seed) if seed is not None and takes_seed(factory) else factory()
    if problem.name != name:
        raise ValueError(f"problem factory for {name!r} built a problem named {problem.name!r}")
    return problem

