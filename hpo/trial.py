"""The facts of a search: ``Candidate`` (what to try, with how much budget) and ``Trial``."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

__all__ = ["Candidate", "Trial", "OK", "FAILED", "PRUNED", "STATUSES", "DIRECTIONS", "loss_sign", "budget_rank"]

OK = "ok"
FAILED = "failed"
PRUNED = "pruned"
STATUSES = (OK, FAILED, PRUNED)

#: The two ways a search may read its objective's value.
DIRECTIONS = ("minimize", "maximize")


def budget_rank(budget: Any) -> float:
    """A budget as a number to compare: ``None`` (the full budget, no budget given) ranks above every number."""
    return math.inf if budget is None else float(budget)


def loss_sign(direction: str) -> float:
    """The one sign between a value and the loss a strategy minimizes: ``loss = loss_sign(direction) * value``.

    ``1.0`` for ``"minimize"``, ``-1.0`` for ``"maximize"``; the same factor
    turns a loss back into the value the user asked for (``value = sign * loss``).
    Every conversion between values and losses goes through this function.

    Examples
    --------
    >>> loss_sign("maximize") * 0.93
    -0.93
    """
    if direction == "minimize":
        return 1.0
    if direction == "maximize":
        return -1.0
    raise ValueError(f"direction must be 'minimize' or 'maximize', got {direction!r}")


@dataclass(frozen=True)
class Candidate:
    """A configuration to evaluate, with a budget (``None`` = the full budget).

    Attributes
    ----------
    config : dict
        The configuration (active parameters only).
    budget : float or None
        The resource to spend (epochs, samples, trees...), ``None`` for full.
    id : int
        Unique within the strategy that asked it.
    info : mapping
        The strategy's own bookkeeping (a rung, a bracket); never read by the engine.
    stop_rule : hpo.stopping.StopRule or None
        When ``trial.should_stop()`` says yes for an objective ``objective(config, trial)``:
        decided by the strategy when it asks the candidate, and sent with it to
        the process that runs the objective (:mod:`hpo.stopping`). None: never.
        Not stored (a resumed study's strategy decides it again).

    Examples
    --------
    >>> from hpo import Space, Float
    >>> from hpo.strategies import RandomSearch
    >>> strategy = RandomSearch(Space(x=Float(0.0, 1.0)), seed=0)
    >>> candidates = strategy.ask(2)
    >>> [(c.id, c.budget, list(c.config)) for c in candidates]
    [(0, None, ['x']), (1, None, ['x'])]
    """

    config: dict
    budget: float | None = None
    id: int = 0
    info: Mapping[str, Any] = field(default_factory=dict)
    stop_rule: Any = field(default=None, compare=False)


@dataclass
class Trial:
    """One evaluated candidate: an append-only fact.

    Attributes
    ----------
    number : int
        Position in the search, in the order candidates were asked.
    candidate : Candidate
    status : {"ok", "failed", "pruned"}
    value : float or None
        The objective's value as returned (the loss when minimizing).
    loss : float or None
        The value converted to minimization (``-value`` when maximizing);
        what strategies minimize. None unless the trial is ok.
    error : str or None
        ``"ExceptionType: message"`` of a failed trial.
    traceback : str or None
    started, finished : float or None
        Wall-clock times (seconds since the epoch) around the evaluation.
    metrics : dict
        Extra metrics the objective returned.
    intermediate : list of (step, value)
        The values an objective ``objective(config, trial)`` reported with
        ``trial.report(step, value)``, in the objective's own direction (empty
        otherwise). A pruned trial's last step and value are its last entry
        (:attr:`last_step`, :attr:`last_value`).

    Examples
    --------
    >>> from hpo import optimize, Space, Int
    >>> result = optimize(lambda c: {"value": c["n"] ** 2, "cost": c["n"]}, Space(n=Int(0, 2)), "grid")
    >>> trial = min(result.trials, key=lambda t: t.config["n"])
    >>> trial.status, trial.config, trial.value, trial.metrics
    ('ok', {'n': 0}, 0.0, {'cost': 0})
    """

    number: int
    candidate: Candidate
    status: str
    value: float | None = None
    loss: float | None = None
    error: str | None = None
    traceback: str | None = None
    started: float | None = None
    finished: float | None = None
    metrics: dict = field(default_factory=dict)
    intermediate: list = field(default_factory=list)

    @property
    def config(self) -> dict:
        return self.candidate.config

    @property
    def budget(self) -> float | None:
        return self.candidate.budget

    @property
    def ok(self) -> bool:
        return self.status == OK

    @property
    def raised_at(self) -> str | None:
        """``file:line`` where a failed trial's error was raised (its traceback's last frame), else None."""
        frames = re.findall(r'File "([^"]+)", line (\d+)', self.traceback or "")
        return f"{os.path.basename(frames[-1][0])}:{frames[-1][1]}" if frames else None

    @property
    def error_kind(self) -> Any:
        """What makes two failures one error: the exception type and where it was raised, whatever
        values the message quotes (``"The 'C' parameter ... Got -1.7"``); the whole text without a traceback."""
        text = self.error or "unknown error"
        where = self.raised_at
        return (text.split(":", 1)[0], where) if where else text

    @property
    def duration(self) -> float | None:
        if self.started is None or self.finished is None:
            return None
        return self.finished - self.started

    @property
    def last_step(self) -> float | None:
        """The last step the objective reported (None when it reported none)."""
        return self.intermediate[-1][0] if self.intermediate else None

    @property
    def last_value(self) -> float | None:
        """The value reported at :attr:`last_step` (None when it reported none)."""
        return self.intermediate[-1][1] if self.intermediate else None

    def told_as(self, origin: Candidate) -> "Trial":
        """This trial's outcome as a trial of ``origin`` at this trial's budget (a strategy that wraps a sampler
        tells it what became of the candidate it proposed); metrics and reported values are copies."""
        return replace(self, candidate=replace(origin, budget=self.budget), metrics=dict(self.metrics),
                       intermediate=list(self.intermediate))

    def to_record(self, names: list[str] | None = None) -> dict:
        """A flat dict: fixed columns, ``param_<name>`` per parameter, ``metric_<key>`` per metric; a trial with
        reported values also has ``last_step``, ``last_value`` and ``intermediate`` (a list of ``[step, value]``)."""
        record = {
            "number": self.number,
            "status": self.status,
            "value": self.value,
            "budget": self.budget,
            "error": self.error,
            "started": self.started,
            "finished": self.finished,
            "duration": self.duration,
        }
        for name in names if names is not None else self.config:
            record[f"param_{name}"] = self.config.get(name)
        for key, v in self.metrics.items():
            record[f"metric_{key}"] = v
        if self.intermediate:
            record["last_step"] = self.last_step
            record["last_value"] = self.last_value
            record["intermediate"] = [[s, v] for s, v in self.intermediate]
        return record

