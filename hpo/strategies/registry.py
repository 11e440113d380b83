"""Strategies by name: ``make_strategy("random", space, seed=0)``."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from ..spaces import Space
from .base import Strategy
from .grid_search import GridSearch
from .random_search import RandomSearch, SobolSearch

__all__ = ["register", "available_strategies", "get_strategy_class", "strategy_class", "make_strategy",
           "plan_options"]

_STRATEGIES: dict[str, type[Strategy]] = {}


def register(cls: type[Strategy]) -> type[Strategy]:
    """Register a strategy class under ``cls.name`` (usable as a class decorator).

    A registered strategy is selectable by name everywhere and runs the shared
    conformance tests.

    Examples
    --------
    The usual form is a class decorator (see :class:`~hpo.Strategy` for a
    whole strategy)::

        @register
        class Midpoint(Strategy):
            name = "midpoint"
            ...

    ``register`` returns the class; registering a class again changes nothing,
    and a name taken by another class is refused:

    >>> from hpo import register
    >>> from hpo.strategies import RandomSearch
    >>> register(RandomSearch) is RandomSearch
    True
    >>> class Other(RandomSearch):
    ...     name = "random"
    >>> register(Other)
    Traceback (most recent call last):
    ...
    ValueError: a strategy named 'random' is registered already: RandomSearch
    """
    if not (isinstance(cls, type) and issubclass(cls, Strategy)) or not cls.name:
        raise TypeError(f"register() takes a Strategy subclass with a name, got {cls!r}")
    known = _STRATEGIES.get(cls.name)
    if known is not None and known is not cls:
        raise ValueError(f"a strategy named {cls.name!r} is registered already: {known.__name__}")
    _STRATEGIES[cls.name] = cls
    return cls


for _cls in (GridSearch, RandomSearch, SobolSearch):
    register(_cls)


def available_strategies() -> list[str]:
    """The registered strategy names.

    Examples
    --------
    >>> from hpo import available_strategies
    >>> {"grid", "random", "bayes", "hyperband"} <= set(available_strategies())
    True
    """
    return sorted(_STRATEGIES)


def get_strategy_class(name: str) -> type[Strategy]:
    """The class registered as ``name``; an unknown name lists the known ones.

    Examples
    --------
    >>> from hpo.strategies import get_strategy_class
    >>> get_strategy_class("random")
    <class 'hpo.strategies.random_search.RandomSearch'>
    >>> get_strategy_class("randon")
    Traceback (most recent call last):
    ...
    ValueError: unknown strategy 'randon'; known: ['asha', 'auto', 'bayes', ...]
    """
    try:
        return _STRATEGIES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown strategy {name!r}; known: {available_strategies()}") from None


def strategy_class(strategy: str | Strategy | type[Strategy]) -> type[Strategy]:
    """The class of a strategy given by name, class or instance (an unknown name is a ``ValueError``).

    Examples
    --------
    >>> from hpo import Space, Float
    >>> from hpo.strategies import RandomSearch, strategy_class
    >>> strategy_class("sobol").__name__
    'SobolSearch'
    >>> strategy_class(RandomSearch(Space(x=Float(0, 1)))) is strategy_class(RandomSearch) is RandomSearch
    True
    """
    if isinstance(strategy, Strategy):
        return type(strategy)
    if isinstance(strategy, type) and issubclass(strategy, Strategy):
        return strategy
    return get_strategy_class(strategy)  # type: ignore[arg-type]


def make_strategy(
    strategy: str | Strategy | type[Strategy],
    space: Space,
    *,
    seed: int | np.random.Generator | None = None,
    options: dict[str, Any] | None = None,
) -> Strategy:
    """A strategy instance from a name, a class or an instance (used as is).

    Options are the strategy's keyword arguments; an unknown option is an
    error that lists the strategy's options.

    Examples
    --------
    >>> from hpo import Space, Float
    >>> from hpo.strategies import make_strategy
    >>> space = Space(x=Float(0, 1))
    >>> strategy = make_strategy("grid", space, seed=0, options={"resolution": 3})
    >>> strategy.max_trials
    3
    >>> make_strategy("grid", space, options={"resolutoin": 3})
    Traceback (most recent call last):
    ...
    ValueError: strategy 'grid' has no option 'resolutoin'; its options: ['resolution', 'values', 'order', 'max_size']
    """
    options = dict(options or {})
    if isinstance(strategy, Strategy):
        if options:
            raise ValueError("strategy options go with a strategy name or class, not an instance")
        if strategy.space != space:
            raise ValueError("the strategy instance was built for another space")
        return strategy
    cls = strategy_class(strategy)
    params = inspect.signature(cls.__init__).parameters
    accepted = [p for p in params if p not in ("self", "space", "seed")]
    takes_kwargs = any(p.kind is p.VAR_KEYWORD for p in params.values())
    for key in options:
        if key not in accepted and not takes_kwargs:
            raise ValueError(f"strategy {cls.name!r} has no option {key!r}; its options: {accepted}")
    return cls(space, seed=seed, **options)


def plan_options(
    strategy: str | Strategy | type[Strategy], options: dict[str, Any] | None, n_trials: int | None
) -> dict[str, Any] | None:
    """``options`` with the search's ``n_trials`` added for a strategy that plans to it.

    A strategy class with ``plans_n_trials`` (``"halving"``, ``"hyperband"``,
    ``"asha"``: their best candidates reach the full budget within
    ``n_trials``; ``"coarse_to_fine"``: its last round ends there) is told the
    search's ``n_trials`` unless ``options`` give one
    (:meth:`Strategy.plan_options`: explicit options win). Other strategies,
    instances (built already) and ``n_trials=None`` leave ``options`` as they are.

    Examples
    --------
    >>> from hpo.strategies import plan_options
    >>> plan_options("halving", {"max_budget": 9}, 30)
    {'max_budget': 9, 'n_trials': 30}
    >>> plan_options("halving", {"n_trials": 10}, 30)  # explicit options win
    {'n_trials': 10}
    >>> plan_options("random", {}, 30)
    {}
    """
    if n_trials is None or isinstance(strategy, Strategy):
        return options
    cls = strategy_class(strategy)
    if not cls.plans_n_trials or (options and "n_trials" in options):
        return options
    planned = cls.plan_options(dict(options or {}), int(n_trials))
    return options if planned == (options or {}) else planned
