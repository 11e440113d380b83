"""The strategy conformance battery, shipped: ``check_strategy(MyStrategy, **options)`` runs every check.

A strategy (:class:`hpo.strategies.Strategy`) promises a protocol: valid
candidates, the same seed gives the same candidates, failed and pruned trials
are told and the search goes on, candidates still running are not proposed
again, a finite space ends the search cleanly, and a strategy that takes
budgets keeps them in range and promotes upwards. :func:`check_strategy`
checks all of it on a continuous, a mixed, a conditional and a finite space
(:data:`SPACES`) and raises ``AssertionError`` naming the check that failed::

    from hpo.testing import check_strategy
    check_strategy(MyStrategy, my_option=3)

In a pytest suite, :mod:`hpo.testing.pytest_strategies` gives one test per
check (``strategy_checks`` to parametrize a test, or ``StrategyTests`` to
subclass). pytest is imported only there.
"""

from .checks import CHECK_IDS, Check, check_strategy, strategy_checks
from .spaces import SPACES, conditional_space, continuous_space, finite_space, loss_of, mixed_space

__all__ = ["check_strategy", "strategy_checks", "Check", "CHECK_IDS", "SPACES", "continuous_space", "mixed_space",
           "conditional_space", "finite_space", "loss_of"]
