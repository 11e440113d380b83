"""Optuna's TPE and GP samplers as an hpo strategy (``optuna_tpe``, ``optuna_gp``); optuna is imported lazily."""

from __future__ import annotations

import warnings
from typing import Any

from ..._constraints import Options, check_options
from ...spaces import Categorical, Int, Space
from ...strategies.base import Strategy
from ...trial import OK, PRUNED, Candidate, Trial
from ._common import PEERS, ordered, require, seed_from

__all__ = ["OptunaStrategy"]


def _primitive_choices(choices: tuple) -> bool:
    """Whether Optuna can take these choices as they are (plain values, distinct under ``==``)."""
    if not all(c is None or type(c) in (bool, int, float, str) for c in choices):
        return False
    return len(set(choices)) == len(choices)  # True == 1 == 1.0 would be merged


class OptunaStrategy(Strategy):
    """Optuna's TPE or GP sampler as an hpo strategy, through Optuna's ask-and-tell interface.

    Each ``ask`` opens an Optuna trial per candidate and suggests the
    parameters define-by-run: parents first, only the active ones, so that a
    conditional space is conditional for Optuna too (TPE models each
    parameter from the trials where it was active); a range that depends on
    another parameter (``ref``) is resolved from the values suggested before
    it. Categorical choices that Optuna cannot store (tuples, or values equal
    under ``==`` such as ``True`` and ``1``) are suggested as their indices.
    Candidates still running are Optuna trials in the RUNNING state (TPE's
    constant liar takes them into account). A failed trial is told as
    ``TrialState.FAIL``, a pruned one as ``TrialState.PRUNED``.

    Optuna's logging is lowered to warnings when a strategy is made.

    Parameters
    ----------
    space : Space
    seed : int, Generator or None
        Seeds ``self.rng``; the sampler's seed is an int drawn from it.
    sampler : {"tpe", "gp"}, default "tpe"
        ``optuna.samplers.TPESampler`` or ``optuna.samplers.GPSampler``
        (the latter needs PyTorch).
    sampler_options : dict, optional
        Extra keyword arguments of the sampler (``n_startup_trials``...).
    """

    name = "optuna"
    _constraints = {"sampler": [Options({"tpe", "gp"})]}

    def __init__(self, space: Space, *, seed=None, sampler: str = "tpe",
                 sampler_options: dict | None = None) -> None:
        super().__init__(space, seed=seed)
        check_options(self._constraints, sampler=sampler)
        who = f"optuna_{sampler}"
        optuna = require("optuna", who)
        if sampler == "gp":
            require("torch", who, PEERS["optuna_gp"][1])
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.name = who
        options = dict(sampler_options or {})
        options.setdefault("seed", seed_from(self.rng))
        if sampler == "gp":  # parameters outside the GP's (intersection) space are sampled at random
            options.setdefault("warn_independent_sampling", False)  # on a conditional space: every trial
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            cls = optuna.samplers.TPESampler if sampler == "tpe" else optuna.samplers.GPSampler
            self._sampler = cls(**options)
            self._study = optuna.create_study(direction="minimize", sampler=self._sampler)
        self._TrialState = optuna.trial.TrialState
        self._open: dict[int, Any] = {}  # optuna trial number -> optuna Trial, per candidate asked
        self._as_index = {
            name: isinstance(dim, Categorical) and not _primitive_choices(dim.choices)
            for name, dim in space.dims.items()
        }

    def _ask(self, n: int) -> list[Candidate]:
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Optuna's notes on independent sampling, experimental features
            for _ in range(n):
                trial = self._study.ask()
                config = self._suggest(trial)
                self._open[trial.number] = trial
                out.append(Candidate(config, None, 0, {"optuna_trial": trial.number}))
        return out

    def _suggest(self, trial: Any) -> dict:
        config: dict = {}
        for name in self.space.dependency_order:
            dim = self.space[name]
            if not self.space.is_active(name, config):
                continue
            if isinstance(dim, Categorical):
                if self._as_index[name]:
                    i = trial.suggest_categorical(name, list(range(len(dim.choices))))
                    config[name] = dim.choices[i]
                else:
                    config[name] = trial.suggest_categorical(name, list(dim.choices))
            elif isinstance(dim, Int):
                low, high = self.space.bounds(name, config)
                config[name] = int(trial.suggest_int(name, low, high, log=dim.log))
            else:
                low, high = self.space.bounds(name, config)
                config[name] = float(trial.suggest_float(name, low, high, log=dim.log))
        return ordered(self.space, config)

    def _tell(self, trial: Trial) -> None:
        optuna_trial = self._open.pop(trial.candidate.info["optuna_trial"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if trial.status == OK:
                self._study.tell(optuna_trial, float(trial.loss))
            elif trial.status == PRUNED:
                self._study.tell(optuna_trial, state=self._TrialState.PRUNED)
            else:
                self._study.tell(optuna_trial, state=self._TrialState.FAIL)
