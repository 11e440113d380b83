"""Hyperopt's TPE with its own ``fmin`` loop as a contender (``hyperopt_tpe``); hyperopt is imported lazily."""

from __future__ import annotations

import math
import time
import warnings
from typing import Any

import numpy as np

from ...boundary import call_mode, evaluate
from ...spaces import Categorical, Int, Space
from ...trial import OK, Candidate
from ..contenders import Contender, RunTrace
from ..problem import Problem
from ._common import ordered, require

__all__ = ["HyperoptContender"]

_BRANCH = "\x00branch"
_MAX_BRANCHES = 256


class HyperoptContender(Contender):
    """Hyperopt's TPE (``fmin(algo=tpe.suggest)``) with its own loop.

    The space becomes a Hyperopt space: floats ``hp.uniform`` /
    ``hp.loguniform``, integers ``hp.quniform`` / ``hp.qloguniform`` over
    ``[low - 0.5, high + 0.5]`` (rounded and clipped, so both ends are as
    likely as any other value), categoricals ``hp.choice`` over their
    indices. Conditions on categorical parents become nested ``hp.choice``
    branches (a child lives inside the branches of the choices that make it
    active), which is how Hyperopt's TPE models conditional spaces.

    Where Hyperopt's nesting cannot express the space (a condition on a
    numeric parent, such as ``n_layers=at_least(2)``; a range that depends
    on another parameter, ``ref``; or more than 256 branches), it searches
    the unit box instead: one ``hp.uniform(0, 1)`` per column, decoded by
    :meth:`Space.decode` (always a valid configuration). Then TPE models
    every column, including those of inactive parameters.

    Evaluations go through hpo's evaluation boundary
    (:func:`hpo.engine.evaluate`): errors, NaN and infinite values are failed
    trials (``STATUS_FAIL`` for Hyperopt, None in the trace), and
    ``eval_seconds`` times the objective alone.
    """

    name = "hyperopt_tpe"

    def __init__(self, name: str = "hyperopt_tpe", algo_options: dict | None = None) -> None:
        self.name = name
        self.algo_options = dict(algo_options or {})
        require("hyperopt", name)

    # -- the space ------------------------------------------------------------
    @staticmethod
    def nestable(space: Space) -> bool:
        """Whether Hyperopt's nested choices express the space (else: the unit box)."""
        for dim in space.dims.values():
            if getattr(dim, "refs", None):
                return False
            for parent in dim.conditions:
                if not isinstance(space[parent], Categorical):
                    return False
        return True

    def hp_space(self, space: Space) -> tuple[Any, bool]:
        """The Hyperopt space, and whether it is nested (True) or the unit box (False)."""
        from hyperopt import hp

        if self.nestable(space):
            builder = _NestedSpace(space, hp)
            try:
                return builder.build(0, {}, ""), True
            except _TooManyBranches:
                pass
        return {f"u{j}": hp.uniform(f"u{j}", 0.0, 1.0) for j in range(len(space))}, False

    @staticmethod
    def to_config(space: Space, sample: dict, nested: bool) -> dict:
        """The configuration of a sample Hyperopt drew from :meth:`hp_space`."""
        if not nested:
            u = np.array([[float(sample[f"u{j}"]) for j in range(len(space))]])
            return space.decode(u)[0]
        flat: dict = {}
        _flatten(sample, flat)
        config = {}
        for name, v in flat.items():
            dim = space[name]
            if isinstance(dim, Categorical):
                config[name] = dim.choices[int(v)]
            elif isinstance(dim, Int):
                config[name] = int(min(max(round(float(v)), dim.low), dim.high))
            else:
                config[name] = float(min(max(float(v), dim.low), dim.high))
        return ordered(space, config)

    # -- the run --------------------------------------------------------------
    def run(self, problem: Problem, n_trials: int, seed: int) -> RunTrace:
        from hyperopt import STATUS_FAIL, STATUS_OK, Trials, fmin, tpe
        from hyperopt.exceptions import AllTrialsFailed

        space = problem.space
        hp_space, nested = self.hp_space(space)
        pass_budget = call_mode(problem.objective)  # objective(config, trial) gets a handle without stop rule
        losses: list = []
        eval_seconds: list = []
        configs: list = []

        def fn(sample: dict) -> dict:
            config = self.to_config(space, sample, nested)
            candidate = Candidate(config, None, len(losses), {})
            t0 = time.perf_counter()
            outcome = evaluate(problem.objective, candidate, pass_budget)
            status, value, error = outcome.status, outcome.value, outcome.error
            eval_seconds.append(time.perf_counter() - t0)
            configs.append(config)
            if status == OK:
                losses.append(float(value))
                return {"status": STATUS_OK, "loss": float(value)}
            losses.append(None)
            return {"status": STATUS_FAIL, "error": error}

        algo = tpe.suggest
        if self.algo_options:
            import functools

            algo = functools.partial(tpe.suggest, **self.algo_options)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fmin(fn, hp_space, algo=algo, max_evals=int(n_trials), trials=Trials(),
                     rstate=np.random.default_rng(seed), show_progressbar=False, return_argmin=False)
            except AllTrialsFailed:
                pass
        wall = time.perf_counter() - start
        ok = [i for i, v in enumerate(losses) if v is not None]
        best = configs[min(ok, key=lambda i: losses[i])] if ok else None
        return RunTrace(losses=losses, budgets=[None] * len(losses), eval_seconds=eval_seconds,
                        wall_seconds=wall, best_config=best, extra={"nested_space": nested})


class _TooManyBranches(Exception):
    pass


class _NestedSpace:
    """Builds a Hyperopt space with one nested ``hp.choice`` level per categorical that conditions others.

    Level ``j`` decides the ``j``-th such categorical (parents first); a
    parameter sits at the first level where all its condition parents are
    decided, inside the branch of the choices that make it active. Labels
    carry the branch path, so that they are unique.
    """

    def __init__(self, space: Space, hp: Any) -> None:
        self.space = space
        self.hp = hp
        cond_parents = {p for dim in space.dims.values() for p in dim.conditions}
        self.deciders = [n for n in space.dependency_order if n in cond_parents]
        self.level = {}
        for name in space.names:
            parents = space[name].conditions
            self.level[name] = 1 + max((self.deciders.index(p) for p in parents), default=-1)
        self.n_branches = 0

    def build(self, level: int, context: dict, path: str) -> dict:
        node: dict = {}
        for name in self.space.dependency_order:
            if name in self.deciders or self.level[name] != level:
                continue
            if self.space.is_active(name, context):
                node[name] = self._leaf(name, f"{name}{path}")
        if level < len(self.deciders):
            decider = self.deciders[level]
            dim = self.space[decider]
            if self.space.is_active(decider, context):
                branches = []
                for i, choice in enumerate(dim.choices):
                    self.n_branches += 1
                    if self.n_branches > _MAX_BRANCHES:
                        raise _TooManyBranches
                    sub = self.build(level + 1, {**context, decider: choice}, f"{path}|{decider}={i}")
                    branches.append({decider: i, **sub})
                node[f"{_BRANCH}{level}"] = self.hp.choice(f"{decider}{path}", branches)
            else:
                node.update(self.build(level + 1, context, path))
        return node

    def _leaf(self, name: str, label: str) -> Any:
        hp = self.hp
        dim = self.space[name]
        if isinstance(dim, Categorical):
            return hp.choice(label, list(range(len(dim.choices))))
        low, high = float(dim.low), float(dim.high)
        if isinstance(dim, Int):
            if dim.log:
                return hp.qloguniform(label, math.log(low - 0.5), math.log(high + 0.5), 1)
            return hp.quniform(label, low - 0.5, high + 0.5, 1)
        if dim.log:
            return hp.loguniform(label, math.log(low), math.log(high))
        return hp.uniform(label, low, high)


def _flatten(sample: Any, out: dict) -> None:
    for key, value in sample.items():
        if isinstance(key, str) and key.startswith(_BRANCH):
            _flatten(value, out)
        else:
            out[key] = value
