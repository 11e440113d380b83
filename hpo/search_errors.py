"""The exceptions a search raises or listens for: a callback's ``StopSearch``, and the errors that end a
search whose trials fail (each holds the :class:`~hpo.result.Result` so far, nothing computed is lost)."""

from __future__ import annotations

from .result import Result
from .trial import Trial

__all__ = ["StopSearch", "SearchInterrupted", "AllTrialsFailedError", "TrialFailedError", "RepeatedFailureError"]


class StopSearch(Exception):
    """Raised by a callback to end the search after the running trials finish.

    Examples
    --------
    >>> from hpo import optimize, Space, Float, StopSearch
    >>> def stop_after_three(result, trial):
    ...     if len(result) >= 3:
    ...         raise StopSearch
    >>> result = optimize(lambda c: c["x"], Space(x=Float(0.0, 1.0)), n_trials=20, seed=0,
    ...                   callbacks=[stop_after_three])
    >>> len(result)
    3
    """


class SearchInterrupted(KeyboardInterrupt):
    """Ctrl-C ended a search. ``.result`` holds its finished trials.

    The search stops at once (running evaluations are killed, a stored
    study's running trials are marked abandoned and run again on resume), and
    the interrupt goes on, as from scikit-learn's searches and Optuna: a
    script stops, and a search inside another (nested cross-validation) does
    not go on with a cut-short result. A ``KeyboardInterrupt``, so
    ``except KeyboardInterrupt as stop: stop.result`` keeps the trials.

    Examples
    --------
    >>> from hpo import optimize, Space, Float, SearchInterrupted
    >>> def impatient(config):  # stands for a Ctrl-C during the fourth trial
    ...     if impatient.calls == 3:
    ...         raise KeyboardInterrupt
    ...     impatient.calls += 1
    ...     return config["x"]
    >>> impatient.calls = 0
    >>> try:
    ...     optimize(impatient, Space(x=Float(0.0, 1.0)), n_trials=10, seed=0)
    ... except KeyboardInterrupt as stop:
    ...     print(type(stop).__name__, len(stop.result), stop.result.interrupted)
    SearchInterrupted 3 True
    """

    def __init__(self, message: str, result: Result) -> None:
        super().__init__(message)
        self.result = result


class AllTrialsFailedError(ValueError):
    """Every trial of a search failed (a ValueError, as in scikit-learn). ``.result`` holds the trials.

    Examples
    --------
    >>> from hpo import optimize, Space, Float, AllTrialsFailedError
    >>> def broken(config):
    ...     raise ValueError("no data")
    >>> try:
    ...     optimize(broken, Space(x=Float(0.0, 1.0)), n_trials=3, seed=0)
    ... except AllTrialsFailedError as error:
    ...     print(len(error.result), error.result.trials[0].error)
    3 ValueError: no data
    """

    def __init__(self, message: str, result: Result) -> None:
        super().__init__(message)
        self.result = result


class TrialFailedError(RuntimeError):
    """A trial failed and the search was asked to raise (``on_error="raise"``). ``.result`` holds the trials.

    Examples
    --------
    >>> from hpo import optimize, Space, Float, TrialFailedError
    >>> def broken(config):
    ...     raise ValueError("no data")
    >>> try:
    ...     optimize(broken, Space(x=Float(0.0, 1.0)), n_trials=3, seed=0, on_error="raise")
    ... except TrialFailedError as error:
    ...     print(len(error.result), error.result.trials[0].error)
    1 ValueError: no data
    """

    def __init__(self, message: str, result: Result) -> None:
        super().__init__(message)
        self.result = result


class RepeatedFailureError(TrialFailedError):
    """The first ``fail_fast`` trials of a search (or every trial of a shorter one) failed with one and
    the same error. ``.result`` holds the trials, ``.trial`` the last failed one, ``.count`` how many
    failed so, ``.every`` whether every trial of the search failed (else it stopped after ``fail_fast``).

    Examples
    --------
    >>> from hpo import optimize, Space, Float, RepeatedFailureError
    >>> def broken(config):
    ...     raise ValueError("no data")
    >>> try:
    ...     optimize(broken, Space(x=Float(0.0, 1.0)), n_trials=10, seed=0, fail_fast=3)
    ... except RepeatedFailureError as error:
    ...     print(error.count, error.every, error.trial.error)
    3 False ValueError: no data
    """

    def __init__(self, message: str, result: Result, trial: Trial, every: bool = False, count: int = 0) -> None:
        super().__init__(message, result)
        self.trial = trial
        self.every = every
        self.count = count
