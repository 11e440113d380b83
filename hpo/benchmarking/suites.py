"""The benchmark suites: named lists of problems, with defaults for a run."""

from __future__ import annotations

from . import bayesmark_tasks, multifidelity, sklearn_tasks, synthetic

__all__ = ["SUITES", "SUITE_DEFAULTS", "suite_problems", "available_suites"]

SUITES: dict[str, list[str]] = {
    "quick": ["branin", "hartmann3", "mixed_conditional", *sklearn_tasks.QUICK],
    "synthetic": list(synthetic.SUITE),
    "sklearn": list(sklearn_tasks.SUITE),
    "multifidelity": list(multifidelity.SUITE),
    "bayesmark": list(bayesmark_tasks.SUITE),
}

#: Defaults of `hpo bench` per suite: strategies, evaluations per run, seeds.
SUITE_DEFAULTS: dict[str, dict] = {
    "quick": {"strategies": ["random", "sobol", "grid", "coarse_to_fine", "bayes"], "trials": 30, "seeds": 5},
    "synthetic": {"strategies": ["random", "sobol", "grid", "coarse_to_fine", "bayes"], "trials": 100, "seeds": 10},
    "sklearn": {"strategies": ["random", "sobol", "grid", "coarse_to_fine", "bayes"], "trials": 50, "seeds": 10},
    "multifidelity": {"strategies": ["random", "sobol"], "trials": 50, "seeds": 10},
    "bayesmark": {"strategies": ["random", "sobol", "bayes"], "trials": 50, "seeds": 10},
}


def available_suites() -> list[str]:
    """The names of the benchmark suites (the keys of ``SUITES``).

    Examples
    --------
    >>> from hpo.benchmarking import available_suites
    >>> available_suites()
    ['quick', 'synthetic', 'sklearn', 'multifidelity', 'bayesmark']
    """
    return list(SUITES)


def suite_problems(name: str) -> list[str]:
    """The problems of a suite; an unknown name lists the known ones.

    Examples
    --------
    >>> from hpo.benchmarking import suite_problems
    >>> suite_problems("quick")
    ['branin', 'hartmann3', 'mixed_conditional', 'knn_iris', 'svm_wine']
    """
    try:
        return list(SUITES[name])
    except KeyError:
        raise ValueError(f"unknown suite {name!r}; known: {available_suites()}") from None
