"""The stored runs of one ``n_trials`` gathered as arrays (:class:`Summary`): best-so-far curves, normalized
scores, paired ranks and the leader's tests; what the report (:mod:`hpo.benchmarking.report`) writes out."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from .report_figures import quiet_nan
from .store import RunStore

__all__ = ["Summary", "summarize", "best_so_far", "box_side", "holm", "NOTHING_BELOW"]


def best_so_far(losses: list) -> np.ndarray:
    """Running minimum of the losses (NaN until the first ok trial; failed trials carry it)."""
    out = np.full(len(losses), np.nan)
    best = math.inf
    for i, v in enumerate(losses):
        if v is not None and v < best:
            best = v
        out[i] = best if best < math.inf else np.nan
    return out


def _full_budget_losses(row: dict) -> list:
    """Losses of the trials at the run's full budget (smaller budgets do not compete for best)."""
    budgets = row["budgets"]
    if not budgets or all(b is None for b in budgets):
        return row["losses"]
    top = max((b for b in budgets if b is not None), default=None)
    return [v if (b is None or b == top) else None for v, b in zip(row["losses"], budgets)]


#: How far below the worst score of its pair (and below 0) a run that found nothing scores.
NOTHING_BELOW = 1.0


def _no_result_scores_last(row: list) -> list:
    """A run that found nothing (every trial failed, or the run crashed: NaN) where others of its pair have a
    score scores ``NOTHING_BELOW`` below the worst of them and below a median random configuration (0): it
    loses its pair, in ranks (strictly: no tie with the worst run that found something), means and tests.
    Where every score is NaN (the problem's scale is undefined, or all failed) they stay NaN."""
    finite = [v for v in row if math.isfinite(v)]
    if not finite:
        return row
    worst = min(0.0, min(finite)) - NOTHING_BELOW
    return [v if math.isfinite(v) else worst for v in row]


@dataclass
class Summary:
    """Everything the report shows, as arrays, for one ``n_trials``."""

    n_trials: int
    problems: list            # problem names
    contenders: list          # contender names
    kinds: dict               # problem -> kind
    curves: dict              # (problem, contender) -> array (n_seeds, n_trials) of best-so-far
    seeds: dict               # (problem, contender) -> list of seeds
    reference: dict           # problem -> median loss of a random configuration
    target: dict              # problem -> known optimum or best loss any run found
    known_optimum: dict       # problem -> bool
    test_losses: dict         # (problem, contender) -> list
    wall: dict                # (problem, contender) -> list of seconds
    overhead: dict            # (problem, contender) -> list of seconds
    box_sides: dict = field(default_factory=dict)  # (problem, contender) -> per run, per round: box side
    crashed: dict = field(default_factory=dict)    # (problem, contender) -> seeds of runs that crashed

    def normalized(self, problem: str, losses: np.ndarray) -> np.ndarray:
        """Bayesmark-style score: 0 = median random evaluation, 100 = the optimum (or best found)."""
        ref, target = self.reference[problem], self.target[problem]
        if not (math.isfinite(ref) and math.isfinite(target)) or ref <= target:
            return np.full(np.shape(losses), np.nan)
        return 100.0 * (ref - np.asarray(losses, dtype=float)) / (ref - target)

    def final(self, problem: str, contender: str) -> np.ndarray:
        curve = self.curves.get((problem, contender))
        return np.empty(0) if curve is None else curve[:, -1]

    def paired(self) -> tuple[list, np.ndarray]:
        """(problem, seed) pairs every contender ran, and their final normalized scores (pairs x contenders)."""
        common = None
        for p in self.problems:
            for c in self.contenders:
                keys = {(p, s) for s in self.seeds.get((p, c), [])}
                if (p, c) not in self.seeds:
                    continue
                common = keys if common is None else common | keys
        pairs = []
        rows = []
        for p, s in sorted(common or []):
            row = []
            for c in self.contenders:
                seeds = self.seeds.get((p, c), [])
                if s not in seeds:
                    break
                value = self.final(p, c)[seeds.index(s)]
                row.append(self.normalized(p, np.array([value]))[0])
            else:
                pairs.append((p, s))
                rows.append(_no_result_scores_last(row))
        return pairs, np.array(rows, dtype=float).reshape(len(rows), len(self.contenders))

    def mean_ranks(self) -> dict:
        """Mean rank of each contender over (problem, seed) pairs by final best (1 = best)."""
        pairs, scores = self.paired()
        if scores.size == 0:
            return {c: math.nan for c in self.contenders}
        rows = []
        for (p, s), row in zip(pairs, scores):
            if np.isnan(row).all():  # no score scale on this problem (no reference): rank the final losses
                losses = [self.final(p, c)[self.seeds[(p, c)].index(s)] for c in self.contenders]
                row = -np.asarray(losses, dtype=float)
            rows.append(stats.rankdata(-np.where(np.isnan(row), -np.inf, row)))
        return dict(zip(self.contenders, np.vstack(rows).mean(axis=0)))

    def order(self) -> list[str]:
        """The contenders best first: by mean rank, a tie broken by the mean normalized score, then the name."""
        ranks = self.mean_ranks()
        _, scores = self.paired()
        with quiet_nan():
            means = dict(zip(self.contenders, np.nanmean(scores, axis=0))) if scores.size else {}
        return sorted(self.contenders, key=lambda c: (math.inf if math.isnan(ranks[c]) else ranks[c],
                                                      -np.nan_to_num(means.get(c, np.nan), nan=-math.inf), c))

    def wilcoxon(self) -> dict:
        """Two-sided Wilcoxon signed-rank p-value of the leader (first of :meth:`order`) against each other;
        none with fewer than 2 pairs. ``p`` is Holm-adjusted for the leader's several comparisons (with
        more than two contenders, a raw p below 0.05 somewhere is likely by chance); ``raw`` unadjusted."""
        leader = self.order()[0]
        _, scores = self.paired()
        out = {}
        li = self.contenders.index(leader)
        for j, c in enumerate(self.contenders):
            if c == leader or scores.shape[0] < 2:
                continue
            a, b = scores[:, li], scores[:, j]
            ok = ~(np.isnan(a) | np.isnan(b))
            d = a[ok] - b[ok]
            if d.size < 2 or np.all(d == 0):
                out[c] = 1.0
            else:
                out[c] = float(stats.wilcoxon(a[ok], b[ok]).pvalue)
        return {"leader": leader, "p": holm(out), "raw": out}


def holm(p: dict) -> dict:
    """Holm-Bonferroni adjusted p-values of several tests (step-down: the k-th smallest of m times
    ``m - k + 1``, made monotone, at most 1).

    >>> holm({"a": 0.01, "b": 0.04, "c": 0.03})
    {'a': 0.03, 'b': 0.06, 'c': 0.06}
    """
    names = sorted(p, key=p.get)
    m, out, running = len(names), {}, 0.0
    for k, name in enumerate(names):
        running = max(running, min(1.0, (m - k) * p[name]))
        out[name] = running
    return {name: out[name] for name in p}


def summarize(store: RunStore, n_trials: int | None = None) -> Summary:
    """Gather the stored runs of one ``n_trials`` (the largest stored by default).

    Examples
    --------
    >>> from hpo.benchmarking import run_benchmark, summarize
    >>> with run_benchmark("bench", problems=["branin"], strategies=["random", "sobol"], n_trials=5, seeds=2) as store:
    ...     summary = summarize(store)
    >>> summary.problems, summary.contenders, summary.n_trials
    (['branin'], ['random', 'sobol'], 5)
    >>> summary.curves["branin", "random"].shape  # best so far: one row per seed, one column per trial
    (2, 5)
    """
    stored = store.trial_counts()
    if not stored:
        raise ValueError(f"{store.path} holds no finished run")
    if n_trials is None:
        n_trials = stored[-1]
    rows = list(store.runs(n_trials))  # only these runs are parsed
    if not rows:
        raise ValueError(f"{store.path} holds no run of {n_trials} trials; it holds runs of {stored} trials")
    # a run that crashed found nothing: it takes part, last of its pair, as a run whose every trial failed (left
    # out, a contender that crashes on its hard seeds would be compared on its easy ones only)
    crashed: dict = defaultdict(list)
    for e in store.errors(n_trials):
        if not _unsupported_error(e["error"]):
            crashed[(e["problem"], e["contender"])].append(e["seed"])
            rows.append({"problem": e["problem"], "contender": e["contender"], "seed": e["seed"],
                         "losses": [None] * n_trials, "budgets": [], "crashed": True})
    curves: dict = defaultdict(list)
    seeds: dict = defaultdict(list)
    tests: dict = defaultdict(list)
    wall: dict = defaultdict(list)
    overhead: dict = defaultdict(list)
    box_sides: dict = defaultdict(list)
    problems: list = []
    contenders: list = []
    for r in rows:
        p, c = r["problem"], r["contender"]
        if p not in problems:
            problems.append(p)
        if c not in contenders:
            contenders.append(c)
        curve = best_so_far(_full_budget_losses(r))
        if len(curve) < n_trials:  # a strategy that ran out early keeps its best
            curve = np.concatenate([curve, np.full(n_trials - len(curve), curve[-1] if len(curve) else np.nan)])
        curves[(p, c)].append(curve[:n_trials])
        seeds[(p, c)].append(r["seed"])
        if r.get("crashed"):
            continue
        if r["test_loss"] is not None:
            tests[(p, c)].append(r["test_loss"])
        wall[(p, c)].append(r["wall_seconds"])
        overhead[(p, c)].append(max(0.0, r["wall_seconds"] - sum(r["eval_seconds"])))
        if r.get("rounds"):
            box_sides[(p, c)].append([box_side(entry["widths"]) for entry in r["rounds"]])
    kinds, reference, target, known = {}, {}, {}, {}
    for p in problems:
        ref = store.reference(p) or {"kind": "", "optimum": None, "reference_losses": []}
        kinds[p] = ref["kind"]
        ref_losses = [v for v in ref["reference_losses"] if v is not None]
        reference[p] = float(np.median(ref_losses)) if ref_losses else math.nan
        if ref["optimum"] is not None:
            target[p], known[p] = float(ref["optimum"]), True
        else:
            with quiet_nan():  # a problem on which every run failed has no final loss at all
                finals = [np.nanmin(np.vstack(curves[(p, c)])) for c in contenders if (p, c) in curves]
            found = [v for v in finals + ref_losses if v is not None and math.isfinite(v)]
            target[p], known[p] = (min(found) if found else math.nan), False
    return Summary(
        n_trials=n_trials, problems=problems, contenders=contenders, kinds=kinds,
        curves={k: np.vstack(v) for k, v in curves.items()}, seeds=dict(seeds), reference=reference,
        target=target, known_optimum=known, test_losses=dict(tests), wall=dict(wall), overhead=dict(overhead),
        box_sides=dict(box_sides), crashed=dict(crashed),
    )


def _unsupported_error(error: str | None) -> bool:
    """The error row of a pair the contender cannot run (a store written before such pairs were skipped)."""
    return bool(error) and " does not support problem " in error.strip().splitlines()[-1]


def box_side(widths: dict) -> float:
    """The side of a cube with the box's volume, as a fraction of the whole space (1 = no narrowing).

    The geometric mean of the per-parameter ``widths`` (fractions of each
    range on its unit scale, or of a categorical's choices kept).
    """
    values = np.array([float(v) for v in widths.values()], dtype=float)
    if values.size == 0:
        return math.nan
    return float(np.exp(np.mean(np.log(np.clip(values, 1e-12, 1.0)))))
