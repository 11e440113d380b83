"""Strategies: the protocol (:class:`Strategy`), the registry, and the built-in strategies, each by name."""

from .base import Candidate, Strategy, Trial
from .grid_search import GridSearch
from .random_search import RandomSearch, SobolSearch
from .registry import available_strategies, get_strategy_class, make_strategy, plan_options, register, strategy_class
from .bayes import AutoStrategy, BayesianOptimization  # noqa: E402  (registers "bayes", "auto")
from .cost_guard import CostGuard, SlowSuggestionWarning  # noqa: E402  (the cost guard of "auto")
from .coarse_to_fine import CoarseToFine  # noqa: E402  (registers "coarse_to_fine")
from .halving import ASHA, Hyperband, SuccessiveHalving  # noqa: E402  (registers "halving", "hyperband", "asha")
from .median import MedianStopping  # noqa: E402  (registers "median")
from .fidelity import FidelityMonitor, SmallBudgetWarning  # noqa: E402  (the adaptation of asha and hyperband)

__all__ = [
    "Strategy", "Candidate", "Trial", "GridSearch", "RandomSearch", "SobolSearch", "CoarseToFine",
    "BayesianOptimization", "AutoStrategy", "CostGuard", "SlowSuggestionWarning", "SuccessiveHalving", "Hyperband", "ASHA", "MedianStopping",
    "register", "available_strategies", "get_strategy_class", "strategy_class", "make_strategy", "plan_options",
    "FidelityMonitor", "SmallBudgetWarning",
]
