"""hpo: hyperparameter optimization with a search-space DSL, interchangeable strategies,
and a scikit-learn tuner."""

from .spaces import (
    Categorical,
    Float,
    Int,
    Pack,
    Space,
    at_least,
    at_most,
    greater_than,
    less_than,
    one_of,
    ref,
)

from ._version import __version__  # noqa: F401

__all__ = [
    "Space", "Float", "Int", "Categorical", "Pack",
    "ref", "one_of", "at_least", "at_most", "greater_than", "less_than",
]

from .engine import (  # noqa: E402
    AllTrialsFailedError,
    RepeatedFailureError,
    SearchInterrupted,
    StopSearch,
    TrialFailedError,
    TrialPruned,
    optimize,
)
from .executors import ProcessPool  # noqa: E402
from .handle import TrialHandle  # noqa: E402
from .result import Result  # noqa: E402
from .storage import load_study  # noqa: E402
from .strategies import Strategy, available_strategies, register  # noqa: E402
from .trial import Candidate, Trial  # noqa: E402
from .tuner import Tuner  # noqa: E402
from . import analysis  # noqa: E402  (hpo.analysis.importance, ...; matplotlib only when a plot is drawn)

__all__ += [
    "optimize", "Tuner", "Result", "Trial", "Candidate", "Strategy", "register", "available_strategies",
    "TrialPruned", "StopSearch", "SearchInterrupted", "AllTrialsFailedError", "TrialFailedError", "RepeatedFailureError",
    "ProcessPool", "load_study", "TrialHandle",
]
