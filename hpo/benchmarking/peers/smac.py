"""SMAC3's hyperparameter-optimization facade as an hpo strategy (``smac_hpo``); smac is imported lazily."""

from __future__ import annotations

import logging
import math
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from ...spaces import Categorical, Float, Int, Space
from ...spaces.conditions import AtLeast, AtMost, Equals, GreaterThan, LessThan, OneOf, Predicate
from ...strategies.base import Strategy
from ...trial import OK, PRUNED, Candidate, Trial
from ..._scalars import plain_scalar
from ._common import PEERS, ordered, require, seed_from

__all__ = ["SmacStrategy"]

#: An Int parent with at most this many values has its conditions written as the list of values that hold.
_ENUMERABLE_INTS = 256


class SmacStrategy(Strategy):
    """SMAC3's ``HyperparameterOptimizationFacade`` (a random forest, EI, local and random search).

    Runs SMAC (``smac>=2``) through its ask-and-tell interface with the
    facade's defaults, untuned: a Sobol initial design of
    ``min(10 * d, n_trials / 4)`` configurations, a random forest on
    log-scaled costs, expected improvement maximized by local and random
    search, a configuration drawn at random with probability 0.2, and the
    model retrained after every eighth configuration (the forest predicts on
    all cores, SMAC's default). With the same seed it proposes exactly what
    SMAC's own ``optimize`` loop evaluates. SMAC's scenario is deterministic (one
    evaluation per configuration, as every hpo strategy assumes), and SMAC
    writes nothing: its output directory is a temporary one, removed when the
    strategy is made, and the run history is never saved.

    The space becomes a ConfigSpace: a ``Float`` or ``Int`` keeps its range
    and ``log``; a ``Categorical`` is a categorical of its choice indices (so
    any choice works: ``None``, a tuple, ``True`` next to ``1``). A condition
    becomes a ConfigSpace condition (several parents: their conjunction) when
    ConfigSpace can say it exactly: any predicate on a categorical parent or on
    an ``Int`` of at most 256 values (the values where it holds),
    ``one_of``/equality on a ``Float``, and comparisons on a ``Float``
    (``at_least`` as "greater than or equal"). What it cannot say, the child
    keeps unconditional for SMAC (SMAC sees its value always, hpo drops it when
    it is inactive): a condition on a parameter with a dependent range, or a
    comparison on an ``Int`` of more than 256 values. A parameter with a
    dependent range (``ref``), which ConfigSpace has no way to express, is a
    ``Float`` in [0, 1] for SMAC: its position in the range that holds for
    the configuration, mapped with the parameter's scale (as hpo's unit
    encoding does).

    A failed trial is told as SMAC's ``CRASHED``, a pruned one as ``TIMEOUT``
    (stopped before it finished, which SMAC's model leaves out), both at the
    worst loss seen so far: SMAC's default crash cost, infinity, makes its
    random forest fail on ``NaN`` targets. Failures before any trial succeeded
    stay SMAC's running trials until the first loss, and are told at it (as
    the scikit-optimize peer does). Candidates still running are SMAC's
    running trials (SMAC never proposes them again). When SMAC finds no new
    configuration (a finite space, all proposed), the strategy is
    :attr:`finished`. A candidate's budget is ``None``: the facade is not
    multi-fidelity.

    Parameters
    ----------
    space : Space
    seed : int, Generator or None
        Seeds ``self.rng``; SMAC's ``seed`` is an int drawn from it.
    n_trials : int, default 100
        SMAC's ``Scenario.n_trials``, which sizes its initial design; ``hpo.optimize``,
        the Tuner and the benchmark runner fill in their own.
    facade_options : dict, optional
        Extra keyword arguments of SMAC's ``Scenario`` (not ``configspace``,
        ``seed``, ``n_trials``, ``output_directory``).
    """

    name = "smac_hpo"
    plans_n_trials = True

    def __init__(self, space: Space, *, seed=None, n_trials: int = 100, facade_options: dict | None = None) -> None:
        super().__init__(space, seed=seed)
        if isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer)) or n_trials < 1:
            raise ValueError(f"n_trials must be a positive int, got {n_trials!r}")
        options = dict(facade_options or {})
        taken = {"configspace", "seed", "n_trials", "output_directory"} & set(options)
        if taken:
            raise ValueError(f"facade_options may not set {sorted(taken)}: SmacStrategy sets them")
        smac = require("smac", "smac_hpo", PEERS["smac_hpo"][1])
        from smac.main.exceptions import ConfigurationSpaceExhaustedException
        from smac.runhistory.dataclasses import TrialValue
        from smac.runhistory.enumerations import StatusType

        self._StatusType, self._TrialValue = StatusType, TrialValue
        self._positions = {name for name in space.names if _is_position(space, name)}
        configspace = _configspace(space, self._positions)
        options.setdefault("deterministic", True)
        with tempfile.TemporaryDirectory(prefix="hpo-smac-") as tmp, _quiet():
            scenario = smac.Scenario(configspace, seed=seed_from(self.rng), n_trials=int(n_trials),
                                     output_directory=tmp, **options)
            self._smac = smac.HyperparameterOptimizationFacade(scenario, None, logging_level=False, overwrite=True)
        self._Exhausted = ConfigurationSpaceExhaustedException
        self._held: list[tuple[Any, Any]] = []  # failed or pruned trials waiting for a first loss
        self._worst: float | None = None
        self._infos: dict[int, Any] = {}  # candidate key -> SMAC's TrialInfo
        self._next_key = 0

    @property
    def finished(self) -> bool:
        """True once SMAC found no new configuration to propose (a finite space, all of it proposed)."""
        return self._exhausted

    def _ask(self, n: int) -> list[Candidate]:
        out = []
        with _quiet():
            for _ in range(n):
                try:
                    info = self._smac.ask()
                except self._Exhausted:  # SMAC's generator is closed: no candidate ever again
                    self._exhausted = True
                    break
                key = self._next_key
                self._next_key += 1
                self._infos[key] = info
                out.append(Candidate(self._decode(dict(info.config)), None, 0, {"smac_trial": key}))
        return out

    def _decode(self, values: dict) -> dict:
        """The hpo configuration of SMAC's values: the active parameters, in the space's order."""
        config: dict = {}
        for name in self.space.dependency_order:
            if not self.space.is_active(name, config):
                continue
            dim = self.space[name]
            value = values.get(name)
            if value is None:  # not reached while the conditions are translated exactly; the middle
                value = 0.5 if name in self._positions else _middle(self.space, name)
            if isinstance(dim, Categorical):
                config[name] = dim.choices[int(value)]
            elif name in self._positions:
                low, high = self.space.bounds(name, config)
                v = dim.from_unit(np.array(float(value)), low, high)
                config[name] = int(v) if isinstance(dim, Int) else float(v)
            else:
                config[name] = int(value) if isinstance(dim, Int) else float(value)
        return ordered(self.space, {k: plain_scalar(v) for k, v in config.items()})

    def _tell(self, trial: Trial) -> None:
        info = self._infos.pop(trial.candidate.info["smac_trial"])
        status = {OK: self._StatusType.SUCCESS, PRUNED: self._StatusType.TIMEOUT}.get(
            trial.status, self._StatusType.CRASHED)
        if trial.status == OK:
            loss = float(trial.loss)
            self._worst = loss if self._worst is None else max(self._worst, loss)
            told = [(info, loss, status)] + [(i, self._worst, s) for i, s in self._held]
            self._held = []
        elif self._worst is None:  # no loss yet to tell it at: SMAC keeps it as running until then
            self._held.append((info, status))
            return
        else:
            told = [(info, self._worst, status)]
        with _quiet():
            for i, cost, s in told:
                self._smac.tell(i, self._TrialValue(cost=cost, status=s), save=False)


# ----------------------------------------------------------------------------- the ConfigSpace
def _is_position(space: Space, name: str) -> bool:
    """Whether ``name`` is searched as its position in its range: a dependent range, or one of a single value."""
    dim = space[name]
    if isinstance(dim, Categorical):
        return False
    return bool(dim.refs) or not dim.low < dim.high


def _middle(space: Space, name: str) -> Any:
    dim = space[name]
    if isinstance(dim, Categorical):
        return len(dim.choices) // 2
    return dim.from_unit(np.array(0.5), dim.low, dim.high).item()


def _configspace(space: Space, positions: set[str]) -> Any:
    """The ConfigSpace of ``space`` (see :class:`SmacStrategy`)."""
    import ConfigSpace as cs

    hps = {}
    for name in space.names:
        dim = space[name]
        if isinstance(dim, Categorical):
            hps[name] = cs.CategoricalHyperparameter(name, list(range(len(dim.choices))))
        elif name in positions:
            hps[name] = cs.UniformFloatHyperparameter(name, 0.0, 1.0)
        elif isinstance(dim, Int):
            hps[name] = cs.UniformIntegerHyperparameter(name, int(dim.low), int(dim.high), log=dim.log)
        else:
            hps[name] = cs.UniformFloatHyperparameter(name, float(dim.low), float(dim.high), log=dim.log)
    configspace = cs.ConfigurationSpace()
    configspace.add(list(hps.values()))
    conditions = []
    for name in space.names:
        parts = []
        for parent, predicate in space[name].conditions.items():
            part = _condition(space, hps, name, parent, predicate, positions)
            if part is _UNSAYABLE:
                parts = []
                break
            if part is not None:
                parts.append(part)
        if parts:
            conditions.append(parts[0] if len(parts) == 1 else cs.AndConjunction(*parts))
    if conditions:
        configspace.add(conditions)
    return configspace


_UNSAYABLE = object()  # a condition ConfigSpace cannot say exactly: the child stays unconditional for SMAC


def _condition(space: Space, hps: dict, child: str, parent: str, predicate: Predicate, positions: set[str]) -> Any:
    """The ConfigSpace condition of ``predicate`` on ``parent``: a condition, None (always holds), or _UNSAYABLE."""
    dim = space[parent]
    c, p = hps[child], hps[parent]
    if parent in positions:
        return _UNSAYABLE
    if isinstance(dim, Categorical):
        return _where(c, p, [i for i, choice in enumerate(dim.choices) if predicate.holds(choice)],
                      len(dim.choices))
    low, high = dim.low, dim.high
    if isinstance(dim, Int) and high - low < _ENUMERABLE_INTS:
        return _where(c, p, [v for v in range(int(low), int(high) + 1) if predicate.holds(v)],
                      int(high) - int(low) + 1)
    if isinstance(predicate, (Equals, OneOf)):
        values = [predicate.value] if isinstance(predicate, Equals) else list(predicate.values)
        kept = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool) and low <= v <= high]
        return _where(c, p, [int(v) if isinstance(dim, Int) else float(v) for v in kept], math.inf)
    if isinstance(dim, Float) and isinstance(predicate, (AtLeast, AtMost, GreaterThan, LessThan)):
        return _comparison(c, p, predicate, float(low), float(high))
    return _UNSAYABLE


def _where(child: Any, parent: Any, values: list, n_values: float) -> Any:
    """Active when the parent takes one of ``values`` (of ``n_values`` it can take)."""
    import ConfigSpace as cs

    if not values:
        return _UNSAYABLE  # never active: ConfigSpace has no such condition
    if len(values) == n_values:
        return None
    if len(values) == 1:
        return cs.EqualsCondition(child, parent, values[0])
    return cs.InCondition(child, parent, values)


def _comparison(child: Any, parent: Any, predicate: Predicate, low: float, high: float) -> Any:
    """A comparison with a Float parent in [low, high]: greater/less than, or'ed with equality when closed."""
    import ConfigSpace as cs

    t = float(predicate.threshold)  # type: ignore[attr-defined]
    above = isinstance(predicate, (AtLeast, GreaterThan))
    closed = isinstance(predicate, (AtLeast, AtMost))
    holds_low, holds_high = predicate.holds(low), predicate.holds(high)
    if holds_low and holds_high:  # the threshold outside the range (or a closed one at its end)
        return None
    if not holds_low and not holds_high:
        return _UNSAYABLE
    # here low <= t <= high: a legal value of the parent
    strict = (cs.GreaterThanCondition if above else cs.LessThanCondition)(child, parent, t)
    return cs.OrConjunction(strict, cs.EqualsCondition(child, parent, t)) if closed else strict


@contextmanager
def _quiet() -> Iterator[None]:
    """SMAC's logs (below errors) and warnings silenced for the duration."""
    logger = logging.getLogger("smac")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
