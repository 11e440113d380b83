"""Hyperparameter importance: functional ANOVA on a random-forest surrogate.

The method of Hutter, Hoos and Leyton-Brown (2014, "An efficient approach for
assessing hyperparameter importance"): fit a forest of regression trees to the
losses of a search, then decompose each tree's prediction function exactly
into main effects (and, optionally, pairwise interactions) over the space.

Which measure the variance is taken over
----------------------------------------
The unit box of :meth:`hpo.Space.encode` under the space's own sampling
distribution: uniform in the unit coordinate of every parameter. That is
log-uniform for log dimensions (the encoding is log-aware), each choice
equally likely for a categorical, and each integer with the probability of
its bin for an ``Int`` (integers and categoricals are point masses at the
centres of their bins, so a tree threshold that falls inside a bin is never
mistaken for a value between two integers). Every point of the unit box
decodes to a valid configuration, also with conditions and dependent
ranges, so the measure is a product measure and the decomposition is exact.

Conditional parameters
----------------------
An inactive parameter has no value: the objective cannot depend on it, so in
the unit box its coordinate is free. The encoding stores a fixed marker
(:data:`hpo.spaces.INACTIVE`, 0.5) there; handing that to the forest would
tell it that every configuration with ``solver="adam"`` has ``momentum``
at the middle of its range, and the forest would then extrapolate the
``adam`` losses to ``sgd`` points near that value (and vice versa). Instead
each inactive coordinate is filled with a uniform draw, which is exactly what a
uniform sample of the unit box holds there. The forest thus sees that the loss
does not change with an inactive coordinate, and a parameter's marginal varies
only through the part of the space where it is active. Consequences, for
reading the table:

* a conditional parameter's main effect counts only where it is active: for a
  child active with probability ``p`` (the ``active`` column), it is ``p**2``
  times the variance of its effect inside its branch; the rest of its effect
  is an interaction with its parent, which ``interactions=True`` reports;
* a parent whose branches have the same mean loss has no main effect even
  when its children matter: that, too, shows as an interaction.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from .._constraints import Interval, check_options
from ..spaces import Categorical, Int, Space
from ._common import as_result, ok_trials_at_budget

__all__ = ["importance", "ImportanceTable", "tree_anova"]

#: What the options of :func:`importance` accept.
_constraints = {"n_trees": [Interval(int, 1)]}

#: Integer ranges with more values than this are treated as continuous.
_MAX_ATOMS = 10_000
#: Resolution of the grid on which integer bins are measured.
_ATOM_GRID = 2**16
#: Pairwise interactions are computed among at most this many parameters (the most important).
MAX_INTERACTION_PARAMS = 8


@dataclass(frozen=True)
class ImportanceTable:
    """Main-effect importance of each parameter, most important first.

    Attributes
    ----------
    names : list of str
        Parameter names, sorted by decreasing mean importance.
    importance : ndarray
        Mean over trees of the fraction of the loss variance that the
        parameter's main effect explains (0 to 1).
    std : ndarray
        Standard deviation of that fraction across the trees.
    active : ndarray
        The probability that the parameter is active under the space's
        sampling distribution (1 for unconditional parameters).
    per_tree : ndarray of shape (n_trees, n_params)
        Each tree's fractions, columns in ``names`` order (NaN rows: trees that
        predict a constant).
    n_trials : int
        How many trials the forest was fitted on.
    budget : float or None
        The budget of those trials (``None``: the full budget, or mixed with ``budget="all"``).
    interactions : list of (str, str, float, float) or None
        Pairwise interaction effects ``(a, b, mean, std)``, largest first, when asked for.

    Examples
    --------
    >>> from hpo import Space, Float, optimize
    >>> from hpo.analysis import importance
    >>> space = Space(x=Float(0, 1), noise=Float(0, 1))
    >>> result = optimize(lambda c: c["x"] ** 2, space, n_trials=20, seed=0)
    >>> table = importance(result, n_trees=16)
    >>> table.names, table.n_trials
    (['x', 'noise'], 20)
    >>> table["x"] > 0.9 > table["noise"]
    True
    """

    names: list[str]
    importance: np.ndarray
    std: np.ndarray
    active: np.ndarray
    per_tree: np.ndarray
    n_trials: int
    budget: float | None = None
    interactions: list[tuple[str, str, float, float]] | None = field(default=None)

    def __len__(self) -> int:
        return len(self.names)

    def __iter__(self) -> Iterator[tuple[str, float, float]]:
        """Rows ``(name, importance, std)``, most important first."""
        return iter(zip(self.names, self.importance.tolist(), self.std.tolist()))

    def __getitem__(self, name: str) -> float:
        """The mean importance of ``name``."""
        try:
            return float(self.importance[self.names.index(name)])
        except ValueError:
            raise KeyError(f"unknown parameter {name!r}; known: {self.names}") from None

    @property
    def explained(self) -> float:
        """The share of the variance the main effects explain together (the rest is interactions)."""
        return float(np.sum(self.importance))

    def to_records(self) -> list[dict]:
        """One dict per parameter: ``name``, ``importance``, ``std``, ``active``."""
        return [
            {"name": n, "importance": float(i), "std": float(s), "active": float(a)}
            for n, i, s, a in zip(self.names, self.importance, self.std, self.active)
        ]

    def to_dataframe(self):
        """The records as a pandas DataFrame (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("ImportanceTable.to_dataframe() needs pandas: pip install 'hpo[pandas]'") from None
        return pd.DataFrame.from_records(self.to_records())

    def to_markdown(self) -> str:
        """A Markdown table, with the interactions below when computed."""
        lines = ["| parameter | importance | std across trees | active |", "|---|---|---|---|"]
        for n, i, s, a in zip(self.names, self.importance, self.std, self.active):
            lines.append(f"| {n} | {i:.3f} | {s:.3f} | {a:.2f} |")
        lines.append("")
        lines.append(
            f"Main effects explain {self.explained:.0%} of the loss variance over the space "
            f"(functional ANOVA on a {self.per_tree.shape[0]}-tree forest fitted on {self.n_trials} trials"
            + ("" if self.budget is None else f" at budget {self.budget:g}") + ")."
        )
        if self.interactions:
            lines += ["", "| interaction | importance | std across trees |", "|---|---|---|"]
            lines += [f"| {a} x {b} | {m:.3f} | {s:.3f} |" for a, b, m, s in self.interactions]
        return "\n".join(lines)

    def __str__(self) -> str:
        width = max(len("parameter"), *(len(n) for n in self.names))
        lines = [f"{'parameter':<{width}}  importance    std  active"]
        for n, i, s, a in zip(self.names, self.importance, self.std, self.active):
            lines.append(f"{n:<{width}}  {i:10.3f}  {s:5.3f}  {a:6.2f}")
        if self.interactions:
            lines.append("")
            lines += [f"{a} x {b}: {m:.3f} ({s:.3f})" for a, b, m, s in self.interactions]
        return "\n".join(lines)


# --------------------------------------------------------------------- measure
class _Measure:
    """The probability measure of one unit coordinate: uniform, or point masses (atoms)."""

    def __init__(self, atoms: np.ndarray | None = None, weights: np.ndarray | None = None) -> None:
        self.atoms = atoms
        if atoms is not None:
            order = np.argsort(atoms)
            self.atoms = np.asarray(atoms, dtype=float)[order]
            w = np.asarray(weights, dtype=float)[order]
            self._cum = np.concatenate([[0.0], np.cumsum(w / w.sum())])

    def cdf(self, t: np.ndarray) -> np.ndarray:
        """The measure of ``(-inf, t]``."""
        t = np.asarray(t, dtype=float)
        if self.atoms is None:
            return np.clip(t, 0.0, 1.0)
        return self._cum[np.searchsorted(self.atoms, t, side="right")]

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` draws from the measure."""
        if self.atoms is None:
            return rng.random(n)
        return rng.choice(self.atoms, size=n, p=np.diff(self._cum))


def _measures(space: Space) -> list[_Measure]:
    out = []
    for name in space.names:
        dim = space[name]
        if isinstance(dim, Categorical):
            k = len(dim.choices)
            out.append(_Measure(dim.to_unit(np.arange(k)), np.full(k, 1.0 / k)))
        elif isinstance(dim, Int) and not dim.refs and dim.high - dim.low + 1 <= _MAX_ATOMS:
            u = (np.arange(_ATOM_GRID) + 0.5) / _ATOM_GRID
            values, counts = np.unique(dim.from_unit(u, dim.low, dim.high), return_counts=True)
            out.append(_Measure(dim.to_unit(values, dim.low, dim.high), counts))
        else:  # Float, or an Int with a dependent or very large range
            out.append(_Measure())
    return out


# ------------------------------------------------------------------ one tree
def _leaf_boxes(tree: Any, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]:
    """Leaves of a fitted sklearn tree as boxes ``(lo, hi]``, their values, and each feature's thresholds."""
    t = tree.tree_
    left, right, feature, threshold = t.children_left, t.children_right, t.feature, t.threshold
    n = t.node_count
    lo = np.full((n, d), -np.inf)
    hi = np.full((n, d), np.inf)
    for node in range(n):  # children always come after their parent
        a, b = left[node], right[node]
        if a == -1:
            continue
        f, thr = feature[node], threshold[node]
        lo[a], hi[a] = lo[node], hi[node]
        lo[b], hi[b] = lo[node], hi[node]
        hi[a, f] = thr
        lo[b, f] = thr
    leaves = left == -1
    internal = ~leaves
    thresholds = [np.unique(threshold[internal & (feature == j)]) for j in range(d)]
    return lo[leaves], hi[leaves], t.value[leaves, 0, 0].astype(float), thresholds


def tree_anova(
    tree: Any, measures: list[_Measure], pairs: list[tuple[int, int]] = ()
) -> tuple[float, np.ndarray, dict[tuple[int, int], float]]:
    """Exact functional ANOVA of one fitted regression tree.

    Parameters
    ----------
    tree : sklearn ``DecisionTreeRegressor`` (fitted)
    measures : list of _Measure
        The probability measure of each input coordinate.
    pairs : list of (int, int)
        Pairs of features whose interaction effect to compute.

    Returns
    -------
    variance : float
        The variance of the tree's prediction under the product measure.
    main : ndarray
        The variance of each feature's main effect (its marginal).
    interaction : dict
        The variance of each pair's interaction effect (pair marginal minus both main effects).
    """
    d = len(measures)
    lo, hi, value, thresholds = _leaf_boxes(tree, d)
    meas = np.column_stack([measures[j].cdf(hi[:, j]) - measures[j].cdf(lo[:, j]) for j in range(d)])
    vol = np.prod(meas, axis=1)
    mean = float(np.sum(value * vol))
    variance = float(np.sum(vol * (value - mean) ** 2))
    main = np.zeros(d)
    cells: dict[int, tuple] = {}
    for j in range(d):
        T = thresholds[j]
        if len(T) == 0:
            continue
        others = np.prod(np.delete(meas, j, axis=1), axis=1)
        start = np.searchsorted(T, lo[:, j], side="right")
        end = np.searchsorted(T, hi[:, j], side="left") + 1
        diff = np.zeros(len(T) + 2)
        np.add.at(diff, start, value * others)
        np.add.at(diff, end, -value * others)
        marginal = np.cumsum(diff)[: len(T) + 1]
        edges = np.concatenate([[-np.inf], T, [np.inf]])
        w = measures[j].cdf(edges[1:]) - measures[j].cdf(edges[:-1])
        main[j] = float(np.sum(w * (marginal - mean) ** 2))
        cells[j] = (start, end, w)
    interaction: dict[tuple[int, int], float] = {}
    for i, j in pairs:
        if i not in cells or j not in cells:
            interaction[(i, j)] = 0.0
            continue
        (si, ei, wi), (sj, ej, wj) = cells[i], cells[j]
        x = value * np.prod(np.delete(meas, [i, j], axis=1), axis=1)
        diff2 = np.zeros((len(wi) + 1, len(wj) + 1))
        np.add.at(diff2, (si, sj), x)
        np.add.at(diff2, (si, ej), -x)
        np.add.at(diff2, (ei, sj), -x)
        np.add.at(diff2, (ei, ej), x)
        marginal2 = np.cumsum(np.cumsum(diff2, axis=0), axis=1)[: len(wi), : len(wj)]
        total = float(np.sum(wi[:, None] * wj[None, :] * (marginal2 - mean) ** 2))
        interaction[(i, j)] = max(0.0, total - main[i] - main[j])
    return variance, main, interaction


# ------------------------------------------------------------------ the table
def _make_forest(forest: Any, n_trees: int, random_state: int) -> Any:
    from sklearn.base import clone
    from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor

    if forest == "random_forest":
        return RandomForestRegressor(n_estimators=n_trees, max_features=1.0, random_state=random_state, n_jobs=1)
    if forest == "extra_trees":
        return ExtraTreesRegressor(n_estimators=n_trees, max_features=1.0, random_state=random_state, n_jobs=1)
    if isinstance(forest, str):
        raise ValueError(f"forest must be 'random_forest', 'extra_trees' or a forest regressor, got {forest!r}")
    if not hasattr(forest, "fit"):
        raise TypeError(f"forest must be a scikit-learn forest regressor, got {forest!r}")
    est = clone(forest)
    if "random_state" in est.get_params() and est.get_params()["random_state"] is None:
        est.set_params(random_state=random_state)
    return est


def unit_features(space: Space, configs: list[dict], rng: np.random.Generator) -> np.ndarray:
    """The unit encoding of ``configs`` with each inactive entry replaced by a draw from its coordinate's
    measure (uniform for a Float; one of the points of an Int or a Categorical).

    See the module's notes: an inactive parameter has no value, and such a
    draw is what a sample of the measure the decomposition integrates over
    holds there. (Uniform draws for an Int or a Categorical put the inactive
    rows between its points, where the measure has no mass: the trees' values
    there, learnt from the active branch, were then counted as the child's
    effect, several times its true share.)
    """
    U = space.encode(configs)
    names = space.names
    inactive = np.array([[name not in c for name in names] for c in configs], dtype=bool).reshape(U.shape)
    if inactive.any():
        for j, measure in enumerate(_measures(space)):
            rows = inactive[:, j]
            if rows.any():
                U[rows, j] = measure.sample(int(rows.sum()), rng)
    return U


def active_probability(space: Space, rng: np.random.Generator, n: int = 4096) -> np.ndarray:
    """The probability that each parameter is active under the space's sampling distribution."""
    if not space.conditional:
        return np.ones(len(space))
    return space.active_mask(rng.random((n, len(space)))).mean(axis=0)


def importance(
    result: Any,
    *,
    budget: Any = "max",
    forest: Any = "random_forest",
    n_trees: int = 64,
    interactions: bool = False,
    seed: int | np.random.Generator | None = 0,
) -> ImportanceTable:
    """Functional-ANOVA importance of each hyperparameter, from a finished search.

    A forest of regression trees is fitted to the losses of the ok trials over
    the space's unit encoding; each tree's prediction is decomposed exactly
    (Hutter et al., 2014) into the variance of each parameter's main effect,
    as a fraction of the tree's total variance. The table gives the mean over
    trees and the spread across them.

    Parameters
    ----------
    result : Result or fitted Tuner
    budget : "max", "auto", "all" or float, default "max"
        Which trials: those at the largest budget reached (a multi-fidelity
        search's lower rungs are a different function); ``"auto"``: the
        largest budget that at least 10 ok trials reached (else the one most
        reached: what the report uses); every ok trial; or one budget.
    forest : "random_forest", "extra_trees" or a scikit-learn forest regressor
        The surrogate. The defaults use every feature at each split
        (``max_features=1.0``) and ``n_trees`` trees.
    n_trees : int, default 64
    interactions : bool, default False
        Also compute pairwise interaction effects among the (up to
        ``MAX_INTERACTION_PARAMS``) parameters with the largest main effects.
    seed : int or numpy Generator, default 0
        Seeds the forest and the fill of inactive coordinates.

    Returns
    -------
    ImportanceTable

    Raises
    ------
    ValueError
        With fewer than 5 ok trials at the budget, or when every loss is equal.

    Notes
    -----
    The variance is taken over the space's own sampling distribution in the
    unit box (log-uniform for log dimensions, each choice equally likely,
    integers and categoricals as point masses). Inactive parameters carry no
    value: their coordinates are filled with uniform draws before the forest
    sees them, so a conditional parameter's main effect only counts where it
    is active. See the module documentation for what that means for reading
    the table.

    Examples
    --------
    >>> import hpo
    >>> space = hpo.Space(x=hpo.Float(0, 1), noise=hpo.Float(0, 1))
    >>> result = hpo.optimize(lambda c: c["x"] ** 2, space, n_trials=60, seed=0)
    >>> table = hpo.analysis.importance(result)
    >>> table.names[0]
    'x'
    """
    result = as_result(result)
    check_options(_constraints, n_trees=n_trees)
    space = result.space
    trials = ok_trials_at_budget(result, budget)
    if len(trials) < 5:
        budgeted = len({t.budget for t in result.trials if t.status == "ok"}) > 1
        where = ("" if budget == "all" or (budget in ("max", "auto") and not budgeted) else
                 " at the largest budget (try budget='auto')" if budget == "max" else
                 " at the budget budget='auto' chose" if budget == "auto" else f" at budget {budget!r}")
        raise ValueError(f"importance needs at least 5 ok trials{where}; this search has {len(trials)}")
    y = np.array([t.loss for t in trials], dtype=float)
    if np.ptp(y) == 0:
        raise ValueError(f"all {len(trials)} ok trials have the same loss {y[0]:g}: nothing to explain")
    # shares of variance do not depend on the losses' scale; the trees' arithmetic does (1e300 overflows when
    # squared, 1e-300 leaves no split): standardized, without overflow
    y = y / np.max(np.abs(y))
    y = (y - y.mean()) / y.std()
    rng = np.random.default_rng(seed)
    X = unit_features(space, [t.config for t in trials], rng)
    model = _make_forest(forest, n_trees, int(rng.integers(2**31 - 1)))
    model.fit(X, y)
    trees = getattr(model, "estimators_", None)
    if not trees or not all(hasattr(t, "tree_") for t in np.ravel(trees)):
        raise TypeError(f"forest {type(model).__name__} has no fitted regression trees in estimators_")
    trees = list(np.ravel(trees))
    measures = _measures(space)
    d = len(space)
    names = space.names
    fractions = np.full((len(trees), d), np.nan)
    for k, tree in enumerate(trees):
        variance, main, _ = tree_anova(tree, measures)
        if variance > 0:
            fractions[k] = main / variance
    valid = ~np.isnan(fractions).any(axis=1)
    if not valid.any():
        raise ValueError("every tree of the forest predicts a constant: nothing to explain")
    mean = fractions[valid].mean(axis=0)
    std = fractions[valid].std(axis=0)
    order = sorted(range(d), key=lambda j: (-mean[j], j))
    pairs_out = None
    if interactions:
        top = sorted(order[:MAX_INTERACTION_PARAMS])
        pairs = list(itertools.combinations(top, 2))
        inter = np.full((len(trees), len(pairs)), np.nan)
        for k, tree in enumerate(trees):
            variance, _, pair_var = tree_anova(tree, measures, pairs)
            if variance > 0:
                inter[k] = [pair_var[p] / variance for p in pairs]
        ok = ~np.isnan(inter[:, 0]) if pairs else np.zeros(0, dtype=bool)
        pairs_out = sorted(
            ((names[i], names[j], float(inter[ok, m].mean()), float(inter[ok, m].std()))
             for m, (i, j) in enumerate(pairs)),
            key=lambda row: -row[2],
        )
    budgets = {t.budget for t in trials}
    return ImportanceTable(
        names=[names[j] for j in order],
        importance=mean[order],
        std=std[order],
        active=active_probability(space, rng)[order],
        per_tree=fractions[:, order],
        n_trials=len(trials),
        budget=budgets.pop() if len(budgets) == 1 else None,
        interactions=pairs_out,
    )
