"""The strategy protocol: ``ask(n) -> list[Candidate]``, ``tell(trial)``, ``finished``.

A strategy decides *what* to try next and *with how much budget*. It never
fits a model, splits data, times, catches errors or writes storage: the engine
does that for every strategy. A strategy minimizes ``trial.loss``; it copes with
candidates that are asked but not yet told (``pending``), so that parallel and
asynchronous execution work. All its randomness comes from ``self.rng``, one
seeded ``numpy.random.Generator``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from ..spaces import Space
from ..spaces.conditions import typed_key
from ..trial import OK, STATUSES, Candidate, Trial

__all__ = ["Strategy", "Candidate", "Trial", "config_key"]


#: The most configurations a strategy counts in a finite space (see ``Strategy._cardinality``).
COUNT_LIMIT = 10_000


def config_key(config: Mapping[str, Any]) -> tuple:
    """A hashable key for a configuration (for spotting duplicates), whatever the order of its names;
    ``True`` and ``1`` stay apart, and list or dict values (a stored study's packed values) are keyed too."""
    return tuple(sorted((name, _value_key(value)) for name, value in config.items()))  # any key order: one key


def user_defined(strategy: Any) -> bool:
    """Whether ``strategy`` is of a class defined outside hpo (a user's): its proposals are validated and its
    ``max_trials`` caps the search (hpo's own strategies are held to both by their tests)."""
    return type(strategy).__module__.split(".")[0] != "hpo"


def _value_key(value: Any) -> Any:
    if isinstance(value, list):
        return ("__list__", tuple(_value_key(v) for v in value))
    if isinstance(value, dict):
        return ("__dict__", config_key(value))
    return typed_key(value)


class Strategy:
    """Base class of every strategy.

    Subclasses implement :meth:`_ask` (and optionally :meth:`_tell`,
    :attr:`finished`, :attr:`max_trials`), and are registered by name with
    :func:`hpo.strategies.register`.

    Parameters
    ----------
    space : Space
        The search space.
    seed : int, numpy Generator or None
        Seeds ``self.rng``, the strategy's only source of randomness.

    Attributes
    ----------
    space : Space
    rng : numpy.random.Generator
    pending : dict of int to Candidate
        Candidates asked and not yet told, by id.
    trials : list of Trial
        Trials told, in the order they were told.

    Examples
    --------
    A strategy proposes configurations in :meth:`_ask`; a class runs as it is,
    and :func:`~hpo.register` makes its name usable everywhere.

    >>> from hpo import Strategy, Space, Float, optimize
    >>> class Midpoint(Strategy):
    ...     name = "midpoint"
    ...     def _ask(self, n):
    ...         return [{"x": 0.5} for _ in range(n)]
    >>> result = optimize(lambda c: c["x"], Space(x=Float(0.0, 1.0)), Midpoint, n_trials=2)
    >>> result
    Result(midpoint: 2 trials, 2 ok, 0 failed, best min value 0.5)
    """

    name: ClassVar[str] = ""
    #: True for a strategy that plans its search to end within the search's ``n_trials``: it takes an
    #: ``n_trials`` option, which ``hpo.optimize`` and the Tuner fill in from their own when not given
    #: (:func:`hpo.strategies.plan_options`).
    plans_n_trials: ClassVar[bool] = False
    #: True for a strategy that takes ``min_budget`` and ``max_budget`` options and gives its candidates
    #: budgets in that range (the Tuner then sets them from its resource, :mod:`hpo.resources`).
    takes_budget: ClassVar[bool] = False
    #: True for a strategy that never proposes a configuration twice: it records each one it proposes
    #: (:meth:`_mark_seen`), and by default it is :attr:`finished` when a finite space has none left
    #: (or when it set ``self._exhausted``), with :attr:`max_trials` and :attr:`space_size` the
    #: space's number of configurations.
    distinct: ClassVar[bool] = False
    #: True for a strategy that runs a fixed list of configurations in its own order (a grid): the search
    #: warns that ``n_trials`` below :attr:`max_trials` runs only the first ones, and an end before
    #: ``n_trials`` is the list's end, which that warning already announced.
    enumerates: ClassVar[bool] = False

    def __init__(self, space: Space, *, seed: int | np.random.Generator | None = None) -> None:
        if isinstance(space, Mapping):
            space = Space(space)
        if not isinstance(space, Space):
            raise TypeError(f"a strategy needs a Space, got {type(space).__name__}")
        self.space = space
        self.rng = np.random.default_rng(seed)
        self.pending: dict[int, Candidate] = {}
        self.trials: list[Trial] = []
        self._n_asked = 0
        self._seen: set = set()  # keys of the configurations proposed (strategies that de-duplicate)
        self._exhausted = False  # set by a strategy that found no new configuration to propose

    @classmethod
    def plan_options(cls, options: dict[str, Any], n_trials: int) -> dict[str, Any]:
        """For a :attr:`plans_n_trials` strategy: its ``options`` (which give no ``n_trials``) planned for a
        search of ``n_trials`` (:func:`hpo.strategies.plan_options`). The default adds ``n_trials``."""
        return {**options, "n_trials": int(n_trials)}

    # ------------------------------------------------------------ protocol
    def ask(self, n: int = 1) -> list[Candidate]:
        """Up to ``n`` new candidates; fewer (even none) when the strategy must wait or is done."""
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ValueError(f"ask(n) needs a positive int, got {n!r}")
        if self.finished:
            return []
        proposals = self._ask(int(n))
        out = []
        own = user_defined(self)
        for p in proposals[:n]:
            if isinstance(p, Candidate):
                candidate = Candidate(p.config, p.budget, self._n_asked, p.info, self._stop_rule(p))
            else:  # a plain configuration: one Candidate, built once
                candidate = Candidate(p, None, self._n_asked, {})
            if own:
                try:
                    self.space.validate(candidate.config)
                except (ValueError, TypeError) as exc:
                    raise ValueError(f"strategy {self.name!r} ({type(self).__name__}) proposed {candidate.config!r}, "
                                     f"which is not a configuration of its space: {exc}") from None
            self._n_asked += 1
            self.pending[candidate.id] = candidate
            out.append(candidate)
        return out

    def tell(self, trial: Trial) -> None:
        """Record a finished trial of a candidate this strategy asked."""
        cid = trial.candidate.id
        if cid not in self.pending:
            raise ValueError(
                f"trial {trial.number} is of candidate {cid}, which {type(self).__name__} "
                "did not ask or was told already"
            )
        if trial.status not in STATUSES:
            raise ValueError(f"trial {trial.number}: status must be one of {list(STATUSES)}, got {trial.status!r}")
        if trial.status == OK and not (isinstance(trial.loss, numbers.Real) and math.isfinite(trial.loss)):
            raise ValueError(
                f"trial {trial.number} is ok but its loss is {trial.loss!r}: a strategy minimizes the loss, so give "
                "Trial(..., loss=value) (minus the value when maximizing; hpo.trial.loss_sign)"
            )
        del self.pending[cid]
        self.trials.append(trial)
        self._tell(trial)

    @property
    def finished(self) -> bool:
        """True when the strategy has nothing more to propose (a :attr:`distinct` one: no new configuration)."""
        return self.distinct and self._no_config_left

    @property
    def max_trials(self) -> int | None:
        """How many candidates the strategy can propose at most (None: no limit)."""
        return self._cardinality if self.distinct else None

    @property
    def ends_by_itself(self) -> bool:
        """Whether the strategy comes to :attr:`finished` by itself (a finite plan or space), so that a search
        needs neither ``n_trials`` nor a timeout. Default: a known :attr:`max_trials`, or a ``finished`` of the
        strategy's own (a user's strategy that says when it is done)."""
        return self.max_trials is not None or type(self).finished is not Strategy.finished

    @property
    def space_size(self) -> int | None:
        """For a strategy that samples a finite space without repeating a configuration (and so ends when
        none is left), the number of configurations; None otherwise. A search asking for more trials than
        this is warned (:class:`hpo.loop.SearchLoop`), as scikit-learn's random search warns."""
        return self._cardinality if self.distinct else None

    # ------------------------------------------------------- de-duplication
    @property
    def _cardinality(self) -> int | None:
        """The number of configurations of a finite space (None: infinitely many), computed once."""
        try:
            return self.__dict__["_space_cardinality"]
        except KeyError:
            # counted up to COUNT_LIMIT only (enumerating a conditional space costs about 10 us a configuration);
            # a larger space is treated as unbounded: the samplers notice exhaustion by failing to draw
            size = self.space.cardinality(max_size=COUNT_LIMIT) if self.space.is_finite else None
            self.__dict__["_space_cardinality"] = size
            return size

    def _is_seen(self, config: Mapping[str, Any]) -> bool:
        """Whether ``config`` was proposed already (:meth:`_mark_seen`)."""
        return config_key(config) in self._seen

    def _mark_seen(self, config: Mapping[str, Any]) -> None:
        """Record ``config`` as proposed."""
        self._seen.add(config_key(config))

    @property
    def _no_config_left(self) -> bool:
        """No new configuration to propose: marked exhausted, or every configuration of a finite space seen."""
        return self._exhausted or (self._cardinality is not None and len(self._seen) >= self._cardinality)

    # -------------------------------------------------------------- hooks
    def _ask(self, n: int) -> list[Candidate | dict]:
        raise NotImplementedError

    def _tell(self, trial: Trial) -> None:
        """React to a finished trial; the default does nothing."""

    def _stop_rule(self, proposal: Candidate) -> Any:
        """The stop rule of a candidate being asked (:mod:`hpo.stopping`): by default the proposal's own."""
        return proposal.stop_rule

    def take_released(self) -> list[dict]:
        """The configurations whose runs this strategy will not continue, since the last call.

        A run paused at a rung saves its state (``trial.save``) for its
        promotion; when the strategy knows that no later candidate of that
        configuration will come, the search drops the state at once (else it
        goes when the search ends, or when ``max_states`` is reached). The
        default releases nothing.
        """
        return []

    def __repr__(self) -> str:
        return f"{type(self).__name__}(asked={self._n_asked}, told={len(self.trials)}, pending={len(self.pending)})"
