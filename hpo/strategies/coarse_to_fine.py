"""Coarse-to-fine search: rounds of (quasi-)random sampling in a box that narrows around the best.

The practitioner's classic as a strategy: sample the space, keep the best
configurations, narrow every range around them, sample again, and repeat;
widen again when a round finds nothing better. Everything happens on the
space's unit encoding (:meth:`hpo.spaces.Space.encode` / ``decode``), where
each column is one parameter on its own scale (log for log dimensions).
"""

from __future__ import annotations

import math
import numbers
from collections import deque
from typing import Any

import numpy as np

from .._constraints import N_TRIALS, Interval, Options, check_options
from ..spaces import Categorical, Int, Space
from ..spaces.conditions import Ref
from .base import Candidate, Strategy, Trial, config_key
from .random_search import RandomSearch, SobolSearch
from .registry import register

__all__ = ["CoarseToFine"]

_SAMPLERS = {"random": RandomSearch, "sobol": SobolSearch}
#: Consecutive duplicate draws in the round's box after which it widens in place.
_BOX_MISSES = 500
#: Consecutive duplicate draws in the whole space after which it counts as exhausted (as ``RandomSearch``).
_SPACE_MISSES = 10_000
#: Unit points drawn at a time once a round's first draw is used up.
_CHUNK = 64


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _plain_number(value: Any) -> int | float | None:
    """A budget as a plain int (when whole and given as an integer) or float."""
    if value is None:
        return None
    return int(value) if _is_int(value) else float(value)


@register
class CoarseToFine(Strategy):
    """Rounds of (quasi-)random sampling inside ranges that narrow around the best configurations.

    Round 0 samples the whole space. After each round, the configurations
    told so far (those at the rounds' budget, see Budgets) are ranked by loss,
    and every parameter's range becomes the span of the best ``keep`` fraction
    of them (at least ``min_keep``), widened by ``margin`` times that span on
    each side, at least ``min_width`` wide and clipped to the original space.
    Categorical parameters keep the choices that appear among the best (at
    least one). A round that does not improve on the best loss found before it
    widens every numeric range ``widen`` times instead (around its centre,
    inside the space) and gives categorical parameters all their choices
    back, rather than converging on noise; once the ranges are the whole
    space, the next round narrows again from all the results. Ranges that
    hold no configuration not yet asked (a small discrete box) widen in
    place the same way. The best configuration found so far
    is always inside the next round's ranges: it is among the best kept when
    ranges narrow, and widening only grows them.

    **Scales and the unit encoding.** Ranges live on the space's unit
    encoding, so a log dimension narrows on the log scale (``1e-4`` and
    ``1e-2`` give a range centred on ``1e-3``, not on ``5e-3``) and an integer
    on the scale of its bins.

    **Conditional parameters** are narrowed from the configurations in which
    they were active, ranked among themselves (the ``keep`` fraction of those);
    a parameter that was never active keeps its range. Inactive entries of the
    encoding are never read.

    **Dependent ranges** (``Int(8, ref("units_0"))``) are encoded relative to
    the range their parents give them in each configuration: ``u = 0`` is the
    row's low bound, ``u = 1`` its high bound. Narrowing them on the unit scale
    therefore narrows their *relative position* inside the parent-given range
    ("close to ``units_0``"), never an absolute interval, so every sampled
    point decodes to a valid configuration whatever the parents' values, and
    the range can never become empty or contradict a parent.
    :attr:`ranges_` reports such a parameter as the span of values it can take
    over its parents' current ranges.

    **Budgets.** Without ``min_budget`` every candidate has the full budget
    (``None``). With ``min_budget`` and ``max_budget``, rounds sample at
    ``min_budget`` (few epochs, few trees, a fraction of the rows: what the
    budget means is the objective's business; choose one that ranks
    configurations roughly as the full budget does), and ranges narrow from
    the results at that budget only, where losses compare. After every
    round, the ``n_promote`` best configurations at ``min_budget`` that were
    not yet scored at ``max_budget`` are (so when a round improves on the
    best, its new best is re-scored at the full budget before the next
    round). With ``n_trials``, the last round samples at ``max_budget`` after
    those promotions. So the chosen best (``Result.best_trial``: the lowest
    loss at the largest budget) is always scored at the full budget, against
    rivals scored at the same budget, wherever the search stops.

    **Rounds.** Given ``n_trials`` (``hpo.optimize`` and the Tuner pass the
    search's own, :func:`hpo.strategies.plan_options`, unless the options give
    one, or an ``n_initial`` larger than it), it plans ``n_rounds`` rounds that end exactly there
    (the first round ``n_initial`` candidates, the others equal shares of the
    rest; promotions to the full budget come out of the last round's share),
    proposes no more than ``n_trials`` candidates and reports that as
    :attr:`max_trials` (so ``hpo.optimize`` needs no ``n_trials`` of its own).
    Without it, rounds go on (``n_initial``, then ``round_size`` each) until
    the engine stops asking, so the first ``k`` trials of a search are the
    same whatever its length. A round starts when every candidate of the
    previous one has been told: with several workers, the last trials of a
    round finish before the next round is asked, and the trials are the same
    for one worker or many.

    Parameters
    ----------
    space : Space
    seed : int, Generator or None
        Seeds ``self.rng``, the only source of randomness (the sampler's stream).
    n_trials : int, optional
        The search's length. Plans the rounds so that the last one ends at
        ``n_trials``; None: rounds without end (see Rounds).
    n_rounds : int, optional
        Rounds in a search of ``n_trials``, the last at the full budget (needs
        ``n_trials``). Default ``1 + round((n_trials - n_initial) / round_size)``:
        3 rounds for 30 trials, 10 for 100 (on a space of up to 5 parameters).
    n_initial : int, optional
        Candidates of round 0, sampled over the whole space. Default
        ``max(10, 2 * len(space))`` (at most ``n_trials``).
    round_size : int, optional
        Candidates of each later round (default 10). With ``n_trials``, only
        sets the default ``n_rounds``: the rounds after the first share the
        rest of ``n_trials`` equally.
    keep : float, default 0.1
        Fraction of the configurations told so far (per parameter: of those in
        which it was active) whose values span the next ranges.
    min_keep : int, default 3
        At least this many configurations span a range (fewer only when fewer were told).
    margin : float, default 0.1
        The kept span is widened by this fraction of itself on each side.
    min_width : float, default 0.01
        Smallest width of a numeric range, as a fraction of the parameter's
        whole unit (log) scale, so that a range never collapses to a point.
    widen : float, default 1.5
        A round without improvement multiplies every numeric range's width by
        this (and restores all categorical choices).
    sampler : {"sobol", "random"}, default "sobol"
        Scrambled Sobol points (``SobolSearch``'s stream) or uniform random
        points (``RandomSearch``'s), mapped into each round's ranges.
    min_budget, max_budget : int or float, optional
        The reduced budget rounds sample at, and the full budget of the
        promoted configurations (and of the last round, with ``n_trials``);
        both or neither, ``0 < min_budget < max_budget``. Given to candidates
        as given (ints stay ints).
    n_promote : int, optional
        With budgets: how many of the best configurations at ``min_budget``
        are always scored at ``max_budget`` too (default 2).

    Attributes
    ----------
    ranges_ : list of dict
        One entry per round started: parameter name to ``(low, high)`` in
        value space (ints for Int parameters) or the list of kept choices.
    widths_ : list of dict
        One entry per round started: parameter name to the fraction of its
        original range the round's box spans, on the unit scale the search
        uses (log for log parameters; relative to the parents' range for a
        dependent one), or the fraction of the choices kept for a
        categorical. 1.0 everywhere is the whole space; comparable across
        parameters and problems, which is what the benchmark report plots.
    rounds_ : list of dict
        One entry per round started: ``round``, ``size`` (new candidates
        planned), ``budget`` (of its new candidates), ``action``: ``"initial"``, ``"narrow"``
        (the previous round improved the best, it was the first, or the
        ranges were the whole space already) or ``"widen"``; ``promoted``:
        how many configurations it re-scored at the full budget; ``dry``: how
        many times its ranges held no configuration not yet asked and widened
        in place (as after a round without improvement; :attr:`ranges_` shows
        the widest, which holds every candidate of the round).
    best_loss_ : float
        The lowest loss told at the rounds' budget so far (``inf`` before any).

    Notes
    -----
    Candidates carry ``info={"round": r}`` (and ``"promoted": True`` for a
    re-scoring at the full budget), so the trials of a result say which round
    they belong to.

    Examples
    --------
    >>> import hpo
    >>> space = hpo.Space(x=hpo.Float(0, 1))
    >>> result = hpo.optimize(lambda c: (c["x"] - 0.3) ** 2, space, "coarse_to_fine", n_trials=30, seed=0)
    >>> strategy = result.strategy_instance
    >>> [r["action"] for r in strategy.rounds_]
    ['initial', 'narrow', 'narrow']
    >>> [round(w["x"], 2) for w in strategy.widths_]  # the share of the range each round samples
    [1.0, 0.15, 0.03]
    >>> low, high = strategy.ranges_[-1]["x"]
    >>> low < 0.3 < high
    True
    """

    name = "coarse_to_fine"
    plans_n_trials = True
    takes_budget = True
    _constraints = {
        "n_trials": N_TRIALS,
        **{name: [Interval(int, 1), None] for name in ("n_rounds", "n_initial", "round_size", "n_promote")},
        "min_keep": [Interval(int, 1)],
        "keep": [Interval(float, 0, 1, closed="right")],
        "margin": [Interval(float, 0)],
        "min_width": [Interval(float, 0, 1, closed="right")],
        "widen": [Interval(float, 1, closed="neither")],
        "sampler": [Options(_SAMPLERS)],
        "min_budget": [Interval(float, 0, closed="neither"), None],
        "max_budget": [Interval(float, 0, closed="neither"), None],
    }

    def __init__(
        self,
        space: Space,
        *,
        seed: int | np.random.Generator | None = None,
        n_trials: int | None = None,
        n_rounds: int | None = None,
        n_initial: int | None = None,
        round_size: int | None = None,
        keep: float = 0.1,
        min_keep: int = 3,
        margin: float = 0.1,
        min_width: float = 0.01,
        widen: float = 1.5,
        sampler: str = "sobol",
        min_budget: float | None = None,
        max_budget: float | None = None,
        n_promote: int | None = None,
    ) -> None:
        super().__init__(space, seed=seed)
        self._check_options(n_trials, n_rounds, n_initial, round_size, keep, min_keep, margin, min_width,
                            widen, sampler, min_budget, max_budget, n_promote)
        self.n_trials = n_trials
        self.keep = float(keep)
        self.min_keep = int(min_keep)
        self.margin = float(margin)
        self.min_width = float(min_width)
        self.widen = float(widen)
        self.sampler = sampler
        self.min_budget = _plain_number(min_budget)
        self.max_budget = _plain_number(max_budget)
        self._budgets = min_budget is not None
        self.round_size = 10 if round_size is None else round_size
        self.n_initial = max(10, 2 * len(space)) if n_initial is None else n_initial
        self.n_rounds = n_rounds
        self._sizes: list[int] | None = None
        if n_trials is not None:
            self.n_initial = min(self.n_initial, n_trials)
            rest = n_trials - self.n_initial
            if n_rounds is None:
                self.n_rounds = 1 + (max(1, round(rest / self.round_size)) if rest else 0)
            elif n_rounds == 1 and rest:
                self.n_initial, rest = n_trials, 0
            elif rest < n_rounds - 1:
                raise ValueError(
                    f"n_rounds={n_rounds!r} needs at least {n_rounds - 1} trials after n_initial={self.n_initial}, "
                    f"but n_trials={n_trials!r} leaves {rest}"
                )
            k = self.n_rounds - 1
            self._sizes = [self.n_initial, *(rest // k + (i < rest % k) for i in range(k))]
        self.n_promote = 2 if n_promote is None else n_promote

        self._stream = _SAMPLERS[sampler](space, seed=self.rng)  # shares self.rng
        d = len(space)
        self._categorical = np.array([isinstance(space[n], Categorical) for n in space.names], dtype=bool)
        self._n_choices = {j: len(space[n].choices) for j, n in enumerate(space.names) if self._categorical[j]}
        # The box: numeric columns [lo, hi] of the unit scale; categorical columns: kept choice indices.
        self._lo = np.zeros(d)
        self._hi = np.ones(d)
        self._kept = {j: np.arange(k) for j, k in self._n_choices.items()}
        # Trials told at the rounds' budget: unit encodings, activity, losses.
        self._U = np.empty((0, d))
        self._A = np.empty((0, d), dtype=bool)
        self._loss = np.empty(0)
        self._configs: list[dict] = []
        self.best_loss_ = math.inf
        self._round_best_before = math.inf
        # The current round.
        self._round = -1
        self._size = 0
        self._sampled = 0
        self._recorded = False
        self._round_ok: list[Trial] = []
        self._budget: float | None = None
        self._final = False
        self._to_final = False
        self._buffer: deque = deque()
        self._promote: deque = deque()
        self._promoted: set = set()
        self._misses = 0
        self._seen: set = set()  # (configuration key, budget) pairs asked
        self._seen_per_budget: dict = {}
        self.ranges_: list[dict] = []
        self.widths_: list[dict] = []
        self.rounds_: list[dict] = []
        self._start_round("initial")

    # ------------------------------------------------------------ options
    @classmethod
    def _check_options(cls, n_trials, n_rounds, n_initial, round_size, keep, min_keep, margin, min_width, widen,
                       sampler, min_budget, max_budget, n_promote) -> None:
        check_options(cls._constraints, n_trials=n_trials, n_rounds=n_rounds, n_initial=n_initial,
                      round_size=round_size, min_keep=min_keep, n_promote=n_promote, keep=keep, margin=margin,
                      min_width=min_width, widen=widen, sampler=sampler, min_budget=min_budget,
                      max_budget=max_budget)
        # how the options go together
        if n_trials is None:
            if n_rounds is not None:
                raise ValueError(f"n_rounds={n_rounds!r} needs n_trials (without it, rounds go on: see round_size)")
        else:
            if round_size is not None and n_rounds is not None:
                raise ValueError(
                    f"give n_rounds or round_size, not both (got n_rounds={n_rounds!r}, round_size={round_size!r})"
                )
            if n_initial is not None and n_initial > n_trials:
                raise ValueError(f"n_initial={n_initial!r} is more than n_trials={n_trials!r}")
        if (min_budget is None) != (max_budget is None):
            raise ValueError(
                f"min_budget and max_budget go together, got min_budget={min_budget!r}, max_budget={max_budget!r}"
            )
        if min_budget is not None:
            if not max_budget > min_budget:
                raise ValueError(f"max_budget must be a number > min_budget={min_budget!r}, got {max_budget!r}")
        elif n_promote is not None:
            raise ValueError(f"n_promote={n_promote!r} needs min_budget and max_budget")

    @classmethod
    def plan_options(cls, options: dict[str, Any], n_trials: int) -> dict[str, Any]:
        """The options with the search's ``n_trials`` (rounds planned to end there), unless an explicit
        ``n_initial`` is larger: then the rounds go on until the search stops, as without planning."""
        n_initial = options.get("n_initial")
        if _is_int(n_initial) and n_initial > n_trials:
            return options
        return super().plan_options(options, n_trials)

    # ------------------------------------------------------------ protocol
    @property
    def finished(self) -> bool:
        if self._exhausted:
            return True
        return self.n_trials is not None and self._n_asked >= self.n_trials

    @property
    def ends_by_itself(self) -> bool:
        return self.max_trials is not None  # without n_trials, rounds go on without end (in an infinite space)

    @property
    def max_trials(self) -> int | None:
        # a finite space: each configuration once (with budgets: once per budget)
        cardinality = None if self._cardinality is None else self._cardinality * (2 if self._budgets else 1)
        limits = [m for m in (self.n_trials, cardinality) if m is not None]
        return min(limits) if limits else None

    @property
    def space_size(self) -> int | None:
        return self._cardinality

    def _ask(self, n: int) -> list[Candidate]:
        out: list[Candidate] = []
        while len(out) < n and not self._exhausted:
            if self.n_trials is not None and self._n_asked + len(out) >= self.n_trials:
                break
            if self._promote:
                config = self._promote.popleft()
                self._mark_seen_at(config, self.max_budget)
                out.append(Candidate(config, self.max_budget, 0, {"round": self._round, "promoted": True}))
                continue
            if self._sampled < self._size:
                config = self._next_config()
                if config is None:  # nothing new at this budget, even in the whole space
                    if self._budgets and not self._final:
                        self._size, self._to_final = self._sampled, True  # on to the full budget
                        continue
                    self._exhausted = True
                    break
                out.append(Candidate(config, self._budget, 0, {"round": self._round}))
                self._sampled += 1
                continue
            if self.pending or out:
                break  # the round's results decide what comes next: wait for them
            if not self._recorded:
                self._record_round()
                if self._budgets and not self._final:
                    self._queue_promotions()
                continue
            self._end_round()
        return out

    def _tell(self, trial: Trial) -> None:
        info = trial.candidate.info
        if trial.ok and info.get("round") == self._round and not info.get("promoted"):
            self._round_ok.append(trial)

    # ------------------------------------------------------------ rounds
    def _start_round(self, action: str) -> None:
        self._round += 1
        r = self._round
        self._final = self._final or self._to_final
        if self._sizes is not None:
            self._final = self._final or r >= len(self._sizes) - 1
            self._size = max(0, self.n_trials - self._n_asked) if self._final else self._sizes[r]
        else:
            self._size = self.n_initial if r == 0 else self.round_size
        self._budget = None
        if self._budgets:
            self._budget = self.max_budget if self._final else self.min_budget
        self._sampled = 0
        self._recorded = False
        self._round_ok = []
        self._round_best_before = self.best_loss_
        self._misses = 0
        self._buffer.clear()
        self.ranges_.append(self._value_ranges())
        self.widths_.append(self._unit_widths())
        self.rounds_.append({"round": r, "size": self._size, "budget": self._budget, "action": action,
                             "promoted": 0, "dry": 0})
        if self._final and self._budgets:
            self._queue_promotions()
            if self._sizes is not None:  # a planned last round: its promotions come out of its share
                self._size = max(0, self._size - len(self._promote))

    def _record_round(self) -> None:
        """Add the round's ok trials (at the rounds' sampling budget) to the data ranges narrow from."""
        self._recorded = True
        trials = [] if (self._final and self._budgets) else self._round_ok
        if trials:
            configs = [t.config for t in trials]
            U = self.space.encode(configs)
            self._U = np.vstack([self._U, U])
            self._A = np.vstack([self._A, self.space.active_mask(U)])
            self._loss = np.concatenate([self._loss, [t.loss for t in trials]])
            self._configs += configs
            self.best_loss_ = float(self._loss.min())

    def _queue_promotions(self) -> None:
        """The ``n_promote`` best configurations at the reduced budget, if not yet scored at the full one."""
        for i in np.argsort(self._loss, kind="stable")[: self.n_promote].tolist():
            key = config_key(self._configs[i])
            if key not in self._promoted:
                self._promoted.add(key)
                self._promote.append(self._configs[i])
                self.rounds_[-1]["promoted"] += 1

    def _end_round(self) -> None:
        """Narrow (or widen) the box from the results so far and start the next round."""
        if self._sizes is not None and self._final:  # the planned rounds are over
            self._exhausted = True
            return
        improved = self.best_loss_ < self._round_best_before
        if self._round == 0 or improved or self._is_whole_space():
            self._narrow()
            action = "narrow"
        else:
            self._widen()
            action = "widen"
        self._start_round(action)

    def _narrow(self) -> None:
        """Ranges spanning the best ``keep`` fraction (per parameter: of the rows where it was active)."""
        if not len(self._loss):
            return
        order = np.argsort(self._loss, kind="stable")
        U, A = self._U[order], self._A[order]
        n_active = A.sum(axis=0)
        n_keep = np.minimum(n_active, np.maximum(self.min_keep, np.ceil(self.keep * n_active)))
        rank = np.cumsum(A, axis=0)  # 1-based rank among the rows where the column is active
        elite = A & (rank <= n_keep)
        has = n_active > 0
        num = has & ~self._categorical
        a = np.where(elite, U, np.inf).min(axis=0)
        b = np.where(elite, U, -np.inf).max(axis=0)
        span = b - a
        lo = np.clip(a - self.margin * span, 0.0, 1.0)
        hi = np.clip(b + self.margin * span, 0.0, 1.0)
        lo, hi = self._at_least_min_width(lo, hi)
        self._lo = np.where(num, lo, self._lo)
        self._hi = np.where(num, hi, self._hi)
        for j, k in self._n_choices.items():
            if has[j]:
                idx = np.clip(np.floor(U[elite[:, j], j] * k), 0, k - 1).astype(np.int64)
                self._kept[j] = np.unique(idx)

    def _at_least_min_width(self, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ranges narrower than ``min_width`` grow to it around their centre, shifted inside [0, 1]."""
        short = hi - lo < self.min_width
        centre = 0.5 * (lo + hi)
        new_lo = np.clip(centre - 0.5 * self.min_width, 0.0, 1.0 - self.min_width)
        return np.where(short, new_lo, lo), np.where(short, new_lo + self.min_width, hi)

    def _is_whole_space(self) -> bool:
        num = ~self._categorical
        return bool(np.all(self._lo[num] == 0.0) and np.all(self._hi[num] == 1.0)
                    and all(len(kept) == self._n_choices[j] for j, kept in self._kept.items()))

    def _widen(self) -> None:
        """Every numeric range ``widen`` times wider (inside [0, 1], containing the old one); all choices back."""
        width = np.minimum(1.0, (self._hi - self._lo) * self.widen)
        centre = 0.5 * (self._lo + self._hi)
        lo = np.clip(centre - 0.5 * width, 0.0, 1.0 - width)
        self._lo, self._hi = lo, lo + width
        self._kept = {j: np.arange(k) for j, k in self._n_choices.items()}

    # ------------------------------------------------------------ sampling
    def _next_config(self) -> dict | None:
        """The next new configuration at this round's budget, or None when there is none."""
        while True:
            if self._space_exhausted():
                return None
            if not self._buffer:
                k = self._size if self._misses == 0 and self._sampled == 0 else _CHUNK
                self._buffer.extend(self.space.decode(self._draw(max(k, 1))))
            config = self._buffer.popleft()
            if (config_key(config), self._budget) in self._seen:
                self._misses += 1
                whole = self._is_whole_space()
                if self._misses >= (_SPACE_MISSES if whole else _BOX_MISSES):
                    if whole:
                        return None
                    # no new configuration left in the box: it widens in place (a superset, so
                    # the round's earlier candidates stay inside the ranges it reports)
                    self._widen()
                    self._misses = 0
                    self._buffer.clear()
                    self.ranges_[-1] = self._value_ranges()
                    self.widths_[-1] = self._unit_widths()
                    self.rounds_[-1]["dry"] += 1
                continue
            self._misses = 0
            self._mark_seen_at(config, self._budget)
            return config

    def _mark_seen_at(self, config: dict, budget: Any) -> None:
        self._seen.add((config_key(config), budget))
        self._seen_per_budget[budget] = self._seen_per_budget.get(budget, 0) + 1

    def _space_exhausted(self) -> bool:
        return self._cardinality is not None and self._seen_per_budget.get(self._budget, 0) >= self._cardinality

    def _draw(self, k: int) -> np.ndarray:
        """``k`` points of the unit box inside the current ranges."""
        R = self._stream.draw(k)
        U = self._lo + (self._hi - self._lo) * R
        for j, kept in self._kept.items():
            pick = kept[np.minimum((R[:, j] * len(kept)).astype(np.int64), len(kept) - 1)]
            U[:, j] = (pick + 0.5) / self._n_choices[j]
        return U

    # ------------------------------------------------------------ reporting
    def _value_ranges(self) -> dict:
        """The current box in value space: ``(low, high)`` per numeric parameter, kept choices per categorical.

        A dependent range reports the values it can take over its parents' current ranges.
        """
        out: dict[str, Any] = {}
        extent: dict[str, tuple[float, float]] = {}
        for j, name in self._parents_first():
            dim = self.space[name]
            if isinstance(dim, Categorical):
                out[name] = [dim.choices[i] for i in self._kept[j].tolist()]
                continue
            lows = extent[dim.low.name] if isinstance(dim.low, Ref) else (dim.low, dim.low)
            highs = extent[dim.high.name] if isinstance(dim.high, Ref) else (dim.high, dim.high)
            # the bounds at the parents' smallest values, and at their largest (transforms grow with both)
            low_b, high_b = dim.resolve(np.array(lows, dtype=float), np.array(highs, dtype=float))
            high_b = np.maximum(high_b, low_b)
            u_hi = np.nextafter(self._hi[j], 0.0) if isinstance(dim, Int) else self._hi[j]  # draws stay below hi
            v_lo = float(dim.from_unit(np.array(self._lo[j]), low_b[0], high_b[0]))
            v_hi = float(dim.from_unit(np.array(u_hi), low_b[1], high_b[1]))
            extent[name] = (v_lo, v_hi)
            out[name] = (int(v_lo), int(v_hi)) if isinstance(dim, Int) else (v_lo, v_hi)
        return {name: out[name] for name in self.space.names}

    def _unit_widths(self) -> dict:
        """The current box as fractions of the whole space: unit-scale width, or share of choices kept."""
        out: dict[str, float] = {}
        for j, name in enumerate(self.space.names):
            if j in self._kept:
                out[name] = len(self._kept[j]) / self._n_choices[j]
            else:
                out[name] = float(self._hi[j] - self._lo[j])
        return out

    def _parents_first(self) -> list[tuple[int, str]]:
        done: dict[str, int] = {}
        names = self.space.names
        while len(done) < len(names):
            for j, name in enumerate(names):
                if name not in done and all(p in done for p in self.space.parents(name)):
                    done[name] = j
        return [(j, name) for name, j in done.items()]
