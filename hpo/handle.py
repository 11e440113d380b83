"""``TrialHandle``: what an objective ``objective(config, trial)`` gets to report, stop, save and load.

The handle lives in the process that runs the objective (this one, a
thread, one of hpo's worker processes, a Dask worker). Everything it needs
comes with the evaluation (:class:`_Spec`: the trial's number, the sign of
the search's direction, a saved state to continue from) and with the
candidate (its budget and :attr:`~hpo.Candidate.stop_rule`); what it
gathers (the reported curve, a saved state, why it stopped) goes back with
the evaluation's outcome. No call talks to the search process.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from ._scalars import unwrap_scalar
from .stopping import StopRule
from .trial import Candidate

__all__ = ["TrialHandle"]


#: Exact types of a step or value that need no conversion (the common case, checked first).
_PLAIN = frozenset({int, float})


def _checked(step: Any, value: Any) -> tuple[Any, float]:
    """``step`` and ``value`` of a report as plain Python numbers; a TypeError naming what is not a number."""
    step, value = unwrap_scalar(step), unwrap_scalar(value)  # a tensor's loss, a numpy step
    if isinstance(step, bool) or not isinstance(step, numbers.Real):
        raise TypeError(f"trial.report(step={step!r}, ...): the step must be a number, got {type(step).__name__}")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"trial.report(step={step!r}, value={value!r}): the value must be a number, got "
                        f"{type(value).__name__}")
    return (step.item() if hasattr(step, "item") else step), float(value)


class _Spec:
    """What an evaluation of ``objective(config, trial)`` needs besides its candidate (sent with it).

    ``sign`` is the search's :func:`hpo.trial.loss_sign` (the loop computes it once from its direction):
    the handle ranks reported values as losses, ``sign * value``.
    """

    __slots__ = ("number", "sign", "state", "done")

    def __init__(self, number: int, sign: float = 1.0, state: bytes | None = None, done: float = 0) -> None:
        self.number = number
        self.sign = sign
        self.state = state
        self.done = done

    def __reduce__(self) -> Any:
        return (_Spec, (self.number, self.sign, self.state, self.done))


class TrialHandle:
    """The running trial, as an objective ``objective(config, trial)`` sees it.

    An objective whose second parameter is named ``trial`` gets one (the
    names ``budget`` or any other keep ``objective(config, budget)``).

    Attributes
    ----------
    config : dict
        The configuration (as the first argument).
    number : int
        The trial's number in the search (-1 for a handle made outside a search).
    budget : float or None
        The candidate's budget (epochs, say) from a multi-fidelity strategy; None
        when the strategy gives none.
    done : float
        The step the state that :meth:`load` returns had reached (the last step
        reported before :meth:`save`); 0 when there is no state to continue from
        (a fresh run, or a state that was dropped: then the run starts over).

    Notes
    -----
    A typical loop::

        def objective(config, trial):
            model = trial.load() or make_model(config)
            for epoch in range(trial.done + 1, trial.budget + 1):
                loss = train_one_epoch(model, config)
                trial.report(epoch, loss)
                if trial.should_stop():
                    trial.save(model)
                    break
            return loss

    Examples
    --------
    >>> from hpo import optimize, Space, Int
    >>> def objective(config, trial):
    ...     for epoch in range(1, 4):
    ...         trial.report(epoch, config["n"] / epoch)
    ...     return config["n"] / 3
    >>> result = optimize(objective, Space(n=Int(1, 2)), "grid")
    >>> trial = min(result.trials, key=lambda t: t.config["n"])
    >>> trial.intermediate, trial.last_step
    ([(1, 1.0), (2, 0.5), (3, 0.333...)], 3)
    """

    __slots__ = ("config", "number", "budget", "done", "_rule", "_sign", "_state", "_loaded", "_has_loaded",
                 "_steps", "_values", "_best", "_saved", "_stopped_at", "_paused_at", "_why")

    def __init__(self, candidate: Candidate, spec: _Spec | None = None) -> None:
        spec = spec if spec is not None else _Spec(-1)
        self.config = candidate.config
        self.number = spec.number
        self.budget = candidate.budget
        self.done = spec.done if spec.state is not None else 0
        self._rule: StopRule | None = candidate.stop_rule
        self._sign = spec.sign
        self._state = spec.state
        self._loaded: Any = None
        self._has_loaded = False
        self._steps: list = []
        self._values: list = []
        self._best = math.inf  # the best value so far, as a loss
        self._saved: tuple[bytes, float] | None = None  # the pickled state, and the step it had reached
        self._stopped_at: Any = None  # the step at which should_stop() last said yes (a prune rule)
        self._paused_at: Any = None  # the step at which should_stop() last said yes (a pause rule: a rung)
        self._why: str | None = None

    # ------------------------------------------------------------ report
    def report(self, step: float, value: float) -> None:
        """Record the value at ``step`` (an epoch, an iteration): the trial's learning curve.

        Steps must increase. The curve is stored with the trial
        (:attr:`hpo.Trial.intermediate`) and decides :meth:`should_stop`.

        Raises
        ------
        ValueError
            A step that is not larger than the previous one, or a value that
            is NaN or infinite (the trial then fails and the search goes on).
        TypeError
            A step or value that is not a real number.
        """
        if not (type(step) in _PLAIN and type(value) in _PLAIN):  # numpy numbers, or not numbers at all
            step, value = _checked(step, value)
        steps = self._steps
        if steps and not step > steps[-1]:
            raise ValueError(f"trial.report(step={step!r}): steps must increase, but the previous report was at "
                             f"step {steps[-1]!r} (the step comes first: report(step, value), where Optuna's "
                             "is report(value, step))")
        if not (-math.inf < value < math.inf and -math.inf < step < math.inf):  # False for NaN too
            raise ValueError(f"trial.report(step={step!r}, value={value!r}): "
                             f"{'the value' if not -math.inf < value < math.inf else 'the step'} is not finite")
        steps.append(step)
        self._values.append(float(value))
        loss = self._sign * value
        if loss < self._best:
            self._best = loss

    def should_stop(self) -> bool:
        """Whether the strategy's rule says this run should stop after its last report.

        Rung strategies (``"halving"``, ``"hyperband"``, ``"asha"``): True once a
        reported step reaches the candidate's budget when that is below the full
        budget (the run pauses at its rung: save its state, return its value; it
        is an ok trial there, valued at its last report, even when it raises
        :class:`hpo.TrialPruned` there as Optuna's idiom does). ``"median"``: True when the best value so far is
        worse than the median of earlier runs at the last step (return or raise
        :class:`hpo.TrialPruned`: either way the trial is recorded as pruned).
        Any other strategy: always False. Answered here, from the candidate's
        rule (:mod:`hpo.stopping`): no message to the search process.
        """
        rule = self._rule
        if rule is None or not self._steps:
            return False
        step = self._steps[-1]
        if rule.stop(step, self._best, self._sign):
            if rule.pauses:
                self._paused_at = step
            else:
                self._stopped_at = step
            return True
        return False

    # -------------------------------------------------------- save, load
    def save(self, state: Any) -> None:
        """Keep ``state`` (a model, optimizer state, anything cloudpickle can pickle) for a later promotion.

        A run paused at a rung below the full budget that is promoted gets it
        back from :meth:`load` in whichever process runs it next, with
        :attr:`done` set to the last step reported before this call. A later
        call replaces the state. Elsewhere (a full-budget or pruned run, a
        strategy without rungs) the state is not kept.

        Raises
        ------
        TypeError
            The state cannot be pickled (the message names its type and the error).
        """
        import cloudpickle

        try:
            data = cloudpickle.dumps(state)
        except Exception as exc:
            culprit = ""
            if isinstance(state, dict):  # name the entry that cannot go (a generator, a DataLoader's iterator)
                for key, value in state.items():
                    try:
                        cloudpickle.dumps(value)
                    except Exception:
                        culprit = f" (its entry {key!r}, a {type(value).__module__}.{type(value).__qualname__})"
                        break
            raise TypeError(f"trial.save(state): the state, a {type(state).__module__}.{type(state).__qualname__}, "
                            f"cannot be pickled (cloudpickle){culprit}: {type(exc).__name__}: {exc}") from exc
        self._saved = (data, self._steps[-1] if self._steps else self.done)

    def load(self) -> Any:
        """The state saved by this configuration's previous (paused) run, or None when there is none."""
        if self._state is None:
            return None
        if not self._has_loaded:
            import cloudpickle

            self._loaded = cloudpickle.loads(self._state)
            self._has_loaded = True
        return self._loaded

    # ------------------------------------------------------------ read
    @property
    def steps(self) -> list:
        """The steps reported so far."""
        return list(self._steps)

    @property
    def values(self) -> list:
        """The values reported so far."""
        return list(self._values)

    def __repr__(self) -> str:
        return (f"TrialHandle(number={self.number}, budget={self.budget!r}, done={self.done!r}, "
                f"reported={len(self._steps)})")

    # ------------------------------------------------------- to the engine
    def _pruned(self) -> str | None:
        """The message of a run its prune rule stopped at its last report (None: not pruned)."""
        if self._stopped_at is None or not self._steps or self._stopped_at != self._steps[-1]:
            return None
        return self._rule.describe(self._stopped_at, self._best, self._sign)  # type: ignore[union-attr]

    def _paused_value(self) -> float | None:
        """The last reported value of a run its pause rule stopped at its last report (None: not paused)."""
        if self._paused_at is None or not self._steps or self._paused_at != self._steps[-1]:
            return None
        return self._values[-1]

    def _outcome(self) -> dict:
        """What goes back to the search process: the curve, a state worth keeping (a paused run's), and the step a
        run that loaded its saved state continued from (``resumed_from``; 0: it started over)."""
        keep = self._saved is not None and self._rule is not None and self._rule.pauses
        state, done = self._saved if keep else (None, 0)  # type: ignore[misc]
        resumed = self.done if self._has_loaded and self._state is not None else 0
        return {"curve": list(zip(self._steps, self._values)), "state": state, "done": done, "resumed_from": resumed}
