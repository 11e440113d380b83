"""The battery every registered strategy passes (hpo.testing): a new strategy inherits it by being registered."""

from __future__ import annotations

import inspect

import pytest

import hpo
from hpo.strategies import available_strategies, get_strategy_class, plan_options
from hpo.testing.pytest_strategies import strategy_checks

STRATEGIES = available_strategies()


@pytest.mark.parametrize("check", [c for name in STRATEGIES for c in strategy_checks(get_strategy_class(name))])
def test_conformance(check):
    check()


@pytest.fixture(params=STRATEGIES)
def strategy_name(request) -> str:
    return request.param


def test_strategy_is_reachable_from_the_public_api(strategy_name):
    assert strategy_name in hpo.available_strategies()


def test_takes_budget_is_declared_by_the_strategies_that_take_budget_options(strategy_name):
    cls = get_strategy_class(strategy_name)
    params = inspect.signature(cls.__init__).parameters
    assert cls.takes_budget == ("min_budget" in params and "max_budget" in params)


def test_plans_n_trials_is_declared_by_the_strategies_that_take_n_trials(strategy_name):
    cls = get_strategy_class(strategy_name)
    assert cls.plans_n_trials == ("n_trials" in inspect.signature(cls.__init__).parameters)
    planned = plan_options(strategy_name, None, 40)
    assert planned == ({"n_trials": 40} if cls.plans_n_trials else None)
