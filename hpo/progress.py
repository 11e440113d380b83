"""What a running search tells its user: one log line per trial (``verbose >= 2``).

The lines go to the ``"hpo"`` logger at level INFO, as records an
application can route, filter or silence like any other. hpo adds no handler
for good: while a search with ``verbose >= 2`` runs,

- the ``"hpo"`` logger's level is INFO if it was not set (``NOTSET``), so the
  lines asked for pass; a level set by the application is kept;
- if no handler is configured for ``"hpo"`` nor any logger above it (no
  ``logging.basicConfig``, the usual case in a script or a notebook), a
  handler writing to standard error is attached to ``"hpo"``.

Both are undone when the search ends. (Optuna attaches its own handler to its
logger for good instead; scikit-learn prints.)
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from .trial import FAILED, OK

__all__ = ["TrialLines", "LOGGER_NAME"]

LOGGER_NAME = "hpo"


class TrialLines:
    """A context that logs each finished trial (``verbose >= 2``; with tracebacks of failures at 3).

    Parameters
    ----------
    verbose : int
        Below 2 nothing is logged.
    value_name : str
        What the value is called in a line (``"score"`` for a Tuner).
    """

    def __init__(self, verbose: int, value_name: str = "value") -> None:
        self.verbose = int(verbose or 0)
        self.value_name = value_name
        self.logger = logging.getLogger(LOGGER_NAME)
        self._handler: logging.Handler | None = None
        self._level: int | None = None

    def __enter__(self) -> "TrialLines":
        if self.verbose < 2:
            return self
        if self.logger.level == logging.NOTSET:
            self._level = self.logger.level
            self.logger.setLevel(logging.INFO)
        if not self.logger.hasHandlers():
            self._handler = logging.StreamHandler(sys.stderr)
            self._handler.setFormatter(logging.Formatter("[hpo] %(message)s"))
            self.logger.addHandler(self._handler)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._handler is not None:
            self.logger.removeHandler(self._handler)
            self._handler = None
        if self._level is not None:
            self.logger.setLevel(self._level)
            self._level = None

    def trial(self, trial: Any, result: Any) -> None:
        """Log one finished trial: number, status, value and the best so far, time, budget, parameters."""
        if self.verbose < 2:
            return
        head = f"trial {trial.number} {trial.status}"
        if trial.budget is not None:
            head += f" at budget {trial.budget:g}"
        if trial.status == OK:
            best = result.best_trial
            head += f", {self.value_name} {trial.value:.6g} (best {best.value:.6g}, trial {best.number})"
            if isinstance(trial.metrics.get("train_value"), float):  # a Tuner's return_train_score
                head += f", train {trial.metrics['train_value']:.6g}"
        elif trial.error:
            head += f", {_clip(trial.error.splitlines()[0], 160)}"
        if trial.duration is not None:
            head += f", {trial.duration:.3g} s"
        config = ", ".join(f"{k}={_short(v)}" for k, v in trial.config.items())
        text = f"{head}: {config}" if config else head
        if self.verbose >= 3 and trial.status == FAILED and trial.traceback:
            text += "\n" + trial.traceback.rstrip()
        self.logger.info(text)


def _short(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else _clip(repr(value), 60)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
