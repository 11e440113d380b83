"""``Result``: the trials of a search, the best one, and exports."""

from __future__ import annotations

import bisect
import csv
import json
import math
from typing import Any, Iterator

from .spaces import Space
from .trial import FAILED, OK, PRUNED, Trial, budget_rank, loss_sign

__all__ = ["Result"]


def _number(trial: Trial) -> int:
    return trial.number


class Result:
    """The outcome of a search.

    The best trial is the ok trial with the lowest loss among those evaluated
    at the largest budget reached (``None``, the full budget, is the largest),
    so a candidate is never judged against rivals scored on more data.

    Attributes
    ----------
    space : Space
    direction : {"minimize", "maximize"}
    strategy : str
        The strategy's name.
    trials : list of Trial
        In trial-number order.
    interrupted : bool
        The search was ended by Ctrl-C; the trials that finished are kept.
    inner_threads : int or None
        The OpenMP and BLAS threads each parallel worker of this search was
        limited to (``cores // n_jobs``, at least 1, unless ``OMP_NUM_THREADS``
        says otherwise); None when hpo set no limit (evaluations in this
        process one at a time, a user's executor, a Dask cluster) and for a
        result rebuilt from storage.
    strategy_instance : Strategy or None
        The strategy object that proposed the trials, in its state at the end
        of the search (for example ``ranges_`` of ``"coarse_to_fine"``);
        None for a result rebuilt from storage.

    Examples
    --------
    >>> from hpo import optimize, Space, Int
    >>> result = optimize(lambda c: (c["n"] - 2) ** 2, Space(n=Int(0, 4)), "grid")
    >>> result
    Result(grid: 5 trials, 5 ok, 0 failed, best min value 0)
    >>> result.best_config, result.best_value, result.best_trial.status
    ({'n': 2}, 0.0, 'ok')
    >>> sorted(result.to_records()[0])
    ['budget', 'duration', 'error', 'finished', 'number', 'param_n', 'started', 'status', 'value']
    """

    def __init__(self, space: Space, direction: str = "minimize", strategy: str = "") -> None:
        self.space = space
        self.direction = direction
        self.strategy = strategy
        self.trials: list[Trial] = []
        self.interrupted = False
        self.inner_threads: int | None = None
        self.strategy_instance: Any = None
        self._best_by_budget: dict[float, Trial] = {}

    def add(self, trial: Trial) -> None:
        """Append a finished trial (kept in number order)."""
        if self.trials and trial.number < self.trials[-1].number:  # out of order: insert, do not re-sort
            bisect.insort(self.trials, trial, key=_number)
        else:
            self.trials.append(trial)
        if trial.status == OK:
            rank = budget_rank(trial.budget)
            best = self._best_by_budget.get(rank)
            if best is None or trial.loss < best.loss:  # type: ignore[operator]
                self._best_by_budget[rank] = trial

    # ------------------------------------------------------------- best
    @property
    def best_trial(self) -> Trial:
        """The best ok trial; ``ValueError`` when no trial succeeded."""
        if not self._best_by_budget:
            raise ValueError(self.no_best_reason())
        return self._best_by_budget[max(self._best_by_budget)]

    def no_best_reason(self) -> str:
        """Why there is no best trial, in words: no trial has finished, all failed (the first one's error), or
        none succeeded (pruned). What :attr:`best_trial` raises, and what a search whose trials all failed says."""
        if not self.trials:
            return "no trial has finished"
        first = next((t for t in self.trials if t.status == FAILED), None)
        if first is not None:
            hint = ""
            if "object has no attribute 'suggest_" in (first.error or ""):
                hint = (" (the objective takes an Optuna-style trial: hpo calls objective(config) with the "
                        "configuration as a dict, its values drawn from the Space; read config['name'])")
            elif len(budgets := {t.budget for t in self.trials}) == 1 and None not in budgets:
                hint = (f" (every trial ran at budget {budgets.pop():g}: a multi-fidelity search starts small, and an "
                        "objective that fails or returns NaN at small budgets leaves it nothing to promote; check it "
                        "there, or raise min_budget)")
            return f"all {len(self.trials)} trials failed; the first, trial {first.number}, with {first.error}{hint}"
        return f"no trial succeeded ({len(self.trials)} pruned)"

    @property
    def best_config(self) -> dict:
        """The best configuration."""
        return dict(self.best_trial.config)

    @property
    def best_params(self) -> dict:
        """The best configuration mapped to estimator parameters (``space.to_params``)."""
        return self.space.to_params(self.best_trial.config)

    @property
    def best_value(self) -> float:
        """The best objective value, in the objective's own direction."""
        return self.best_trial.value  # type: ignore[return-value]

    # ------------------------------------------------------------ counts
    def __len__(self) -> int:
        return len(self.trials)

    def __iter__(self) -> Iterator[Trial]:
        return iter(self.trials)

    @property
    def n_ok(self) -> int:
        return sum(t.status == OK for t in self.trials)

    @property
    def n_failed(self) -> int:
        return sum(t.status == FAILED for t in self.trials)

    @property
    def n_pruned(self) -> int:
        return sum(t.status == PRUNED for t in self.trials)

    def best_so_far(self) -> list[float]:
        """The best value after each trial in number order (NaN until one is ok)."""
        out, best = [], math.nan
        sign = loss_sign(self.direction)
        for t in self.trials:
            if t.status == OK and (math.isnan(best) or sign * t.value < sign * best):  # type: ignore[operator]
                best = t.value  # type: ignore[assignment]
            out.append(best)
        return out

    # ------------------------------------------------------------ export
    def to_records(self) -> list[dict]:
        """One flat dict per trial: number, status, value, budget, error, times,
        ``param_<name>`` for every parameter (None when inactive), ``metric_<key>``."""
        names = self.space.names
        return [t.to_record(names) for t in self.trials]

    def to_dataframe(self):
        """The records as a pandas DataFrame (needs pandas: ``pip install hpo[pandas]``)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("Result.to_dataframe() needs pandas: pip install 'hpo[pandas]'") from None
        return pd.DataFrame.from_records(self.to_records())

    def to_csv(self, path: str) -> None:
        """Write the records as CSV (tuple and dict values as JSON)."""
        records = self.to_records()
        columns: dict[str, None] = {}
        for r in records:
            columns.update(dict.fromkeys(r))
        with open(path, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(columns))
            writer.writeheader()
            for r in records:
                writer.writerow({k: _cell(v) for k, v in r.items()})

    def __repr__(self) -> str:
        text = f"Result({self.strategy or 'search'}: {len(self.trials)} trials, {self.n_ok} ok, {self.n_failed} failed"
        if self._best_by_budget:
            text += f", best {self.direction[:3]} value {self.best_value:.6g}"
        return text + (", interrupted)" if self.interrupted else ")")


def _cell(value: Any) -> Any:
    if isinstance(value, (tuple, list, dict)):
        return json.dumps(value)
    return value
