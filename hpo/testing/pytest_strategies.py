"""The conformance battery as pytest tests, one per check (this module imports pytest; the others do not).

Parametrize a test with :func:`strategy_checks` (as scikit-learn's
``parametrize_with_checks``)::

    import pytest
    from hpo.testing.pytest_strategies import strategy_checks

    @pytest.mark.parametrize("check", strategy_checks(MyStrategy, my_option=3))
    def test_my_strategy(check):
        check()

or subclass :class:`StrategyTests` (as Optuna's ``optuna.testing.pytest_samplers``)::

    class TestMyStrategy(StrategyTests):
        strategy = MyStrategy
        options = {"my_option": 3}
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import pytest

from .checks import CHECK_IDS
from .checks import strategy_checks as _checks

__all__ = ["strategy_checks", "StrategyTests"]


def strategy_checks(strategy: type, /, *, checks: Iterable[str] | None = None, trials: float = 1.0,
                    **options: Any) -> list:
    """One ``pytest.param`` per check of ``strategy`` (id ``<Strategy>-<check>[<space>]``); call it to run it.

    Parameters are those of :func:`hpo.testing.strategy_checks`.
    """
    label = getattr(strategy, "name", "") or strategy.__name__
    return [pytest.param(check, id=f"{label}-{check.id}")
            for check in _checks(strategy, checks=checks, trials=trials, **options)]


class StrategyTests:
    """Subclass it with ``strategy`` (the class) and ``options`` (a dict): pytest collects one test per check.

    Checks that do not apply to the strategy (the budget checks of a strategy
    that takes no budget) are skipped.
    """

    strategy: ClassVar[type]
    options: ClassVar[dict] = {}

    @pytest.mark.parametrize("check_id", CHECK_IDS)
    def test_conformance(self, check_id: str) -> None:
        checks = {c.id: c for c in _checks(self.strategy, **self.options)}
        if check_id not in checks:
            pytest.skip(f"{check_id} does not apply to {self.strategy.__name__}")
        checks[check_id]()

