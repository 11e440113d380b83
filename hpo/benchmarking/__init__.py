"""Benchmark suites: problems, contenders (hpo's strategies and peers), the runner and the report.

``hpo bench`` is the command-line front; see :func:`run_benchmark` and
:func:`build_report` for the Python one.
"""

from . import peers  # noqa: F401  (registers the peer contenders; their libraries load lazily)
from .contenders import Contender, RunTrace, StrategyContender, available_contenders, make_contender, register_contender
from .problem import Problem, available_problems, make_problem, register_problem
from .report import build_report, summarize
from .runner import run_benchmark
from .suites import SUITE_DEFAULTS, SUITES, available_suites, suite_problems

__all__ = [
    "Problem", "register_problem", "make_problem", "available_problems",
    "Contender", "StrategyContender", "RunTrace", "register_contender", "make_contender", "available_contenders",
    "run_benchmark", "build_report", "summarize", "SUITES", "SUITE_DEFAULTS", "available_suites", "suite_problems",
]
