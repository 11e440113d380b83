"""Strategies: grid, random, sobol (more register themselves by name)."""

from .base import Candidate, Strategy, Trial
from .grid_search import GridSearch
from .random_search import RandomSearch, SobolSearch
from .registry import available_strategies, get_strategy_class, make_strategy, register

__all__ = [
    "Strategy", "Candidate", "Trial", "GridSearch", "RandomSearch", "SobolSearch",
    "register", "available_strategies", "get_strategy_class", "make_strategy",
]
