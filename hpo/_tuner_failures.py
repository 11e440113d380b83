"""How a Tuner reports failed fits: scikit-learn's warnings and messages, and the estimator's own error raised.

A failed trial is a fit or a score that raised (scored ``error_score``) or a
score that is not finite (kept, ranked last). At the end of a search the
failures are summed up as scikit-learn's searches do: fits that raised in a
``FitFailedWarning``, scorers that raised on a fitted model in a "Scoring
failed" ``UserWarning`` (the trial's ``failed_in`` metric tells them apart); with
``error_score="raise"`` or ``fail_fast`` the estimator's own exception is
raised.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.exceptions import FitFailedWarning

from .engine import RepeatedFailureError, TrialFailedError
from .trial import FAILED, OK

__all__ = ["raise_fit_error", "raise_estimator_error", "all_failed_message", "warn_failures", "scored"]


def raise_fit_error(result, trial) -> None:
    """``error_score="raise"``: stop the search at a trial whose fit or score raised (a score that is not
    finite raises nothing, as in scikit-learn)."""
    if trial.status == FAILED and not scored(trial):
        raise TrialFailedError(f"trial {trial.number} failed with {trial.error}\n{trial.traceback or ''}", result)


def raise_estimator_error(objective: Any, exc: TrialFailedError, n_splits: int) -> None:
    """``error_score="raise"`` or ``fail_fast``: raise the estimator's own exception, as scikit-learn does.

    With one worker the objective ran in this process and kept it; a trial
    that ran in a worker process is run again here to raise it. A failure that
    was no exception (a NaN score), or that does not recur, raises ``exc``.
    With ``fail_fast``, a note says what happened (Python 3.11+).
    """
    error = objective.last_error
    if error is None:
        failed = exc.trial if isinstance(exc, RepeatedFailureError) else \
            next(t for t in reversed(exc.result.trials) if t.status == FAILED and not scored(t))
        if failed.traceback is not None:
            try:
                objective(failed.config, failed.budget)
            except Exception as again:
                error = again
    if error is None:
        raise exc
    if isinstance(exc, RepeatedFailureError) and hasattr(error, "add_note"):
        n = exc.count
        what = _what_failed(exc.trial)
        fits = f"{n * n_splits} {what} ({n} trials x {n_splits} splits)"
        head = (f"All the {fits}" if exc.every else f"The first {fits}, so the search stopped (fail_fast={n})")
        error.add_note(
            f"hpo.Tuner: {head}. It is very likely that your model is misconfigured. {n * n_splits} {what} "
            f"with the following error:\n{_clip(exc.trial.error or '')}\nThis is that error, raised; "
            "Tuner(fail_fast=None) runs every trial whatever fails."
        )
    raise error from None


def all_failed_message(trials: list, n_splits: int) -> str:
    """Every trial failed, not all with one error: how many fits with which error, as scikit-learn says it."""
    n = len(trials)
    scoring = sum(_in_scoring(t) for t in trials)
    if scoring == 0:
        what = f"all the {n * n_splits} fits ({n} trials x {n_splits} splits; a trial stops at its first failing fit)"
    else:
        what = (f"{(n - scoring) * n_splits} fits and {scoring * n_splits} scores of fitted models ({n} trials x "
                f"{n_splits} splits; a trial stops at its first failing fit or score)")
    return (
        f"All the {n} trials of the search failed: {what}.\nIt is very likely that your model is misconfigured.\n"
        "You can try to debug the error by setting error_score='raise'.\n\n"
        f"Below are more details about the failures:\n{_failure_details(trials, n_splits)}"
    )


def _failure_details(trials: list, n_splits: int) -> str:
    """scikit-learn's list of errors with their counts of fits, most common first, each with a traceback."""
    out = []
    for text, count, example in _error_groups(trials)[:5]:
        out.append(f"{'-' * 80}\n{count * n_splits} {_what_failed(example)} with the following error:\n"
                   f"{_clip(example.traceback or text)}")
    return "\n".join(out)


def _error_groups(trials: list) -> list[tuple[str, int, Any]]:
    """Failed trials by error, most common first: ``(text, count, a trial)``.

    One exception type raised at one place (the last frame of its traceback)
    is one error, whatever values its message quotes; the text is the first
    such message.
    """
    groups: dict[Any, list] = {}
    for t in trials:
        text = t.error or "unknown error"
        entry = groups.setdefault(t.error_kind, [text, 0, set(), t.raised_at, t])
        entry[1] += 1
        entry[2].add(text)
    out = []
    for text, n, texts, where, example in groups.values():
        if len(texts) > 1:
            text += f"\n(and {len(texts) - 1} other messages of the same error, raised at {where})"
        out.append((text, n, example))
    return sorted(out, key=lambda e: -e[1])


def _clip(text: str, limit: int = 2000) -> str:
    return text if len(text) <= limit else text[:limit] + " [...]"


def _in_scoring(trial) -> bool:
    """Whether a failed trial's error was raised by a scorer, its fit having succeeded."""
    return trial.metrics.get("failed_in") == "score"


def _what_failed(trial) -> str:
    return "scores of fitted models failed" if _in_scoring(trial) else "fits failed"


def scored(trial) -> bool:
    """Whether a failed trial was scored (its optimized score was not finite) rather than raising."""
    return any(k.startswith("split0_test_") for k in trial.metrics)


def warn_failures(trials: list, cv_results: dict, metrics: list[str], n_splits: int, error_score: Any,
                  return_train_score: bool) -> None:
    """scikit-learn's warnings at the end of a search: the failed fits (``FitFailedWarning``, with the
    most common error first), and non-finite scores (a ``UserWarning`` per kind, test and train)."""
    k = n_splits
    raised = [t for t in trials if t.status == FAILED and not scored(t)]
    failed = [t for t in raised if not _in_scoring(t)]
    if failed:
        warnings.warn(
            f"\n{len(failed) * k} fits failed out of a total of {len(trials) * k} ({len(failed)} of "
            f"{len(trials)} trials x {k} splits: a trial stops at its first failing fit, and every split of "
            "a failed trial is scored error_score).\nThe score on these train-test partitions for these "
            f"parameters will be set to {error_score}; such a trial is never chosen as the best.\n"
            "If these failures are not expected, you can try to debug them by setting error_score='raise'."
            f"\n\nBelow are more details about the failures:\n{_failure_details(failed, k)}",
            FitFailedWarning, stacklevel=3,
        )
    scoring = [t for t in raised if _in_scoring(t)]
    if scoring:  # scikit-learn: "Scoring failed", a UserWarning (the fits succeeded: no FitFailedWarning)
        warnings.warn(
            f"\nScoring failed: {len(scoring) * k} scores of fitted models raised ({len(scoring)} of {len(trials)} "
            f"trials x {k} splits: a trial stops at its first failing score). The score on these train-test "
            f"partitions for these parameters will be set to {error_score}; such a trial is never chosen as the "
            "best.\nIf these failures are not expected, you can try to debug them by setting error_score='raise'."
            f"\n\nBelow are more details about the failures:\n{_failure_details(scoring, k)}",
            UserWarning, stacklevel=3,
        )
    kinds = ["test", "train"] if return_train_score else ["test"]
    for kind in kinds:
        bad = [t.number for i, t in enumerate(trials) if (t.status == OK or scored(t)) and not all(
            np.isfinite(cv_results[f"mean_{kind}_{m}"][i]) for m in metrics)]
        if bad:
            warnings.warn(
                f"One or more of the {kind} scores are non-finite: {len(bad)} of {len(trials)} trials have a "
                f"NaN or infinite mean {kind} score (trials {bad[:10]}{'...' if len(bad) > 10 else ''})"
                + ("; such a trial ranks last and is chosen as the best only when no score is finite (its fits "
                   "succeeded: it is no fit failure; hpo's trial log records it as failed, so that strategies "
                   "take it as the worst)" if kind == "test" else ""),
                UserWarning, stacklevel=3,
            )
