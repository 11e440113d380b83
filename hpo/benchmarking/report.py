"""The benchmark report: Markdown tables and convergence plots, rebuilt from the store alone."""

from __future__ import annotations

import math
import os
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from .store import RunStore

__all__ = ["Summary", "summarize", "build_report", "best_so_far"]


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
                rows.append(row)
        return pairs, np.array(rows, dtype=float).reshape(len(rows), len(self.contenders))

    def mean_ranks(self) -> dict:
        """Mean rank of each contender over (problem, seed) pairs by final best (1 = best)."""
        _, scores = self.paired()
        if scores.size == 0:
            return {c: math.nan for c in self.contenders}
        filled = np.where(np.isnan(scores), -np.inf, scores)
        ranks = np.vstack([stats.rankdata(-row) for row in filled])
        return dict(zip(self.contenders, ranks.mean(axis=0)))

    def wilcoxon(self) -> dict:
        """Two-sided Wilcoxon signed-rank p-value of the leader (best mean rank) against each other."""
        ranks = self.mean_ranks()
        leader = min(ranks, key=lambda c: (math.inf if math.isnan(ranks[c]) else ranks[c]))
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
        return {"leader": leader, "p": out}


def summarize(store: RunStore, n_trials: int | None = None) -> Summary:
    """Gather the stored runs of one ``n_trials`` (the largest stored by default)."""
    rows = list(store.runs())
    if not rows:
        raise ValueError(f"{store.path} holds no finished run")
    if n_trials is None:
        n_trials = max(r["n_trials"] for r in rows)
    rows = [r for r in rows if r["n_trials"] == n_trials]
    if not rows:
        raise ValueError(f"{store.path} holds no run of {n_trials} trials")
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
            finals = [np.nanmin(np.vstack(curves[(p, c)])) for c in contenders if (p, c) in curves]
            found = [v for v in finals + ref_losses if v is not None and math.isfinite(v)]
            target[p], known[p] = (min(found) if found else math.nan), False
    return Summary(
        n_trials=n_trials, problems=problems, contenders=contenders, kinds=kinds,
        curves={k: np.vstack(v) for k, v in curves.items()}, seeds=dict(seeds), reference=reference,
        target=target, known_optimum=known, test_losses=dict(tests), wall=dict(wall), overhead=dict(overhead),
        box_sides=dict(box_sides),
    )


def box_side(widths: dict) -> float:
    """The side of a cube with the box's volume, as a fraction of the whole space (1 = no narrowing).

    The geometric mean of the per-parameter ``widths`` (fractions of each
    range on its unit scale, or of a categorical's choices kept).
    """
    values = np.array([float(v) for v in widths.values()], dtype=float)
    if values.size == 0:
        return math.nan
    return float(np.exp(np.mean(np.log(np.clip(values, 1e-12, 1.0)))))


def _median_box_sides(runs: list) -> np.ndarray:
    """Per round, the median box side over the runs that reached that round."""
    longest = max(len(r) for r in runs)
    table = np.full((len(runs), longest), np.nan)
    for i, r in enumerate(runs):
        table[i, :len(r)] = r
    return np.nanmedian(table, axis=0)


def ranges_table(s: Summary) -> str:
    """Per problem and range-narrowing contender: rounds, and the median box side at a few of them."""
    lines = ["| problem | contender | rounds (median) | box side after round 1 | middle round | last round |",
             "|---|---|---|---|---|---|"]
    for (p, c), runs in sorted(s.box_sides.items()):
        med = _median_box_sides(runs)
        n_rounds = int(np.median([len(r) for r in runs]))
        picks = [med[min(1, len(med) - 1)], med[len(med) // 2], med[n_rounds - 1]]
        lines.append(f"| {p} | {c} | {n_rounds} | " + " | ".join(f"{v:.3f}" for v in picks) + " |")
    return "\n".join(lines)


def plot_ranges(s: Summary, path: str) -> None:
    """How the box of a range-narrowing strategy shrank: median box side per round, one line per problem."""
    from matplotlib.figure import Figure

    contenders = sorted({c for _, c in s.box_sides})
    fig = Figure(figsize=(6 * len(contenders), 4))
    axes = fig.subplots(1, len(contenders), squeeze=False)[0]
    for ax, c in zip(axes, contenders):
        for p in s.problems:
            runs = s.box_sides.get((p, c))
            if runs:
                med = _median_box_sides(runs)
                ax.plot(np.arange(len(med)), med, marker="o", markersize=3, label=p)
        ax.set_yscale("log")
        ax.set_xlabel("round")
        ax.set_ylabel("box side (fraction of the space)")
        ax.set_title(f"{c}: ranges per round (median over seeds)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def _checkpoints(n_trials: int) -> list[int]:
    points = [n for n in (10, 25, 50, 100, 200, 500) if n < n_trials] + [n_trials]
    return points[-4:]


def _fmt(x: float, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.{digits}g}"


def summary_table(s: Summary) -> str:
    """The overall table: mean rank, normalized score, Wilcoxon p against the leader, costs."""
    ranks = s.mean_ranks()
    test = s.wilcoxon()
    pairs, scores = s.paired()
    lines = [
        f"| strategy | mean rank | median score | mean score | p vs {test['leader']} | median wall s | median overhead s |",
        "|---|---|---|---|---|---|---|",
    ]
    for j, c in sorted(enumerate(s.contenders), key=lambda jc: ranks[jc[1]] if not math.isnan(ranks[jc[1]]) else 1e9):
        col = scores[:, j] if scores.size else np.empty(0)
        walls = [w for p in s.problems for w in s.wall.get((p, c), [])]
        overheads = [o for p in s.problems for o in s.overhead.get((p, c), [])]
        p_value = "leader" if c == test["leader"] else _fmt(test["p"].get(c, math.nan), 2)
        lines.append(
            f"| {c} | {_fmt(ranks[c], 3)} | {_fmt(float(np.nanmedian(col)) if col.size else math.nan, 3)} | "
            f"{_fmt(float(np.nanmean(col)) if col.size else math.nan, 3)} | {p_value} | "
            f"{_fmt(float(np.median(walls)) if walls else math.nan, 3)} | "
            f"{_fmt(float(np.median(overheads)) if overheads else math.nan, 3)} |"
        )
    lines.append("")
    lines.append(
        f"Over {len(pairs)} (problem, seed) pairs. Score: 0 = the median loss of one random "
        "configuration, 100 = the known optimum (or the best loss any run found). Rank 1 = best final "
        "loss. p: two-sided Wilcoxon signed-rank test on paired scores."
    )
    return "\n".join(lines)


def problem_table(s: Summary, problem: str) -> str:
    """Median (25th-75th percentile) best-so-far loss at several budgets, per strategy."""
    points = _checkpoints(s.n_trials)
    has_test = any((problem, c) in s.test_losses for c in s.contenders)
    header = "| strategy | " + " | ".join(f"best @{n}" for n in points) + " | score @end |"
    header += " test loss |" if has_test else ""
    header += " wall s | overhead s |"
    sep = "|---" * (len(points) + 4 + int(has_test)) + "|"
    lines = [header, sep]
    for c in s.contenders:
        curve = s.curves.get((problem, c))
        if curve is None:
            continue
        cells = []
        for n in points:
            col = curve[:, n - 1]
            med, lo, hi = np.nanmedian(col), np.nanpercentile(col, 25), np.nanpercentile(col, 75)
            cells.append(f"{_fmt(med)} ({_fmt(lo, 3)}–{_fmt(hi, 3)})")
        score = float(np.nanmedian(s.normalized(problem, curve[:, -1])))
        row = f"| {c} | " + " | ".join(cells) + f" | {_fmt(score, 3)} |"
        if has_test:
            tl = s.test_losses.get((problem, c), [])
            row += f" {_fmt(float(np.median(tl)) if tl else math.nan)} |"
        row += f" {_fmt(float(np.median(s.wall[(problem, c)])), 3)} | {_fmt(float(np.median(s.overhead[(problem, c)])), 3)} |"
        lines.append(row)
    return "\n".join(lines)


def plot_convergence(s: Summary, path: str, problems: list[str]) -> None:
    """Median best-so-far with a 25-75% band per strategy, one panel per problem."""
    from matplotlib.figure import Figure  # no pyplot: the user's backend and figure registry stay untouched

    n = len(problems)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(5 * cols, 3.6 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    x = np.arange(1, s.n_trials + 1)
    for ax, p in zip(axes.ravel(), problems):
        regret = s.known_optimum[p]
        for c in s.contenders:
            curve = s.curves.get((p, c))
            if curve is None:
                continue
            y = curve - s.target[p] if regret else curve
            med = np.nanmedian(y, axis=0)
            lo, hi = np.nanpercentile(y, 25, axis=0), np.nanpercentile(y, 75, axis=0)
            ax.plot(x, med, label=c)
            ax.fill_between(x, lo, hi, alpha=0.2)
        if regret:
            ax.set_yscale("log")
            ax.set_ylabel("regret (best loss - optimum)")
        else:
            ax.set_ylabel("best validation loss")
        ax.set_title(p)
        ax.set_xlabel("evaluations")
        ax.grid(alpha=0.3)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def build_report(out_dir: str, n_trials: int | None = None) -> str:
    """Write ``report.md`` (and ``convergence_<kind>.png`` with matplotlib) in ``out_dir``; return the Markdown."""
    path = os.path.join(out_dir, "runs.db")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{out_dir} holds no benchmark store (runs.db); run `hpo bench` first")
    with RunStore(path, readonly=True) as store:
        s = summarize(store, n_trials)
        stored_meta = store.meta()
        meta = stored_meta.get("last_invocation", {})
        unsupported = stored_meta.get("unsupported", [])
        errors = store.errors()
    parts = [f"# hpo benchmark: {s.n_trials} evaluations per run", ""]
    if meta:
        parts.append(
            f"Suite `{meta.get('suite')}`, seeds {meta.get('seeds')}, {meta.get('machine')}, Python "
            f"{meta.get('python')}, versions {meta.get('versions')}, started {meta.get('started')}."
        )
        parts.append("")
    parts += ["## Summary", "", summary_table(s), ""]
    plots = []
    by_kind: dict = defaultdict(list)
    for p in s.problems:
        by_kind[s.kinds.get(p) or "other"].append(p)
    try:
        import matplotlib  # noqa: F401

        for kind, problems in by_kind.items():
            png = os.path.join(out_dir, f"convergence_{kind}.png")
            plot_convergence(s, png, problems)
            plots.append(png)
            parts += [f"![convergence: {kind}](convergence_{kind}.png)", ""]
    except ImportError:
        parts += ["(Install matplotlib, `pip install 'hpo[plot]'`, for the convergence plots.)", ""]
    if s.box_sides:
        parts += ["## Ranges per round", "",
                  "How range-narrowing strategies shrank their box: the side of a cube with the box's "
                  "volume, as a fraction of the whole space on each parameter's own scale (log for log "
                  "parameters; share of choices kept for categoricals), median over seeds. 1 is the whole "
                  "space; a value that rises again is a round that widened after finding nothing better.",
                  "", ranges_table(s), ""]
        try:
            import matplotlib  # noqa: F401

            plot_ranges(s, os.path.join(out_dir, "ranges.png"))
            parts += ["![ranges per round](ranges.png)", ""]
        except ImportError:
            pass
    parts += ["## Per problem", "",
              "Median (25th–75th percentile) of the best loss so far over seeds; test loss is the "
              "held-back split, scored once for each run's final best.", ""]
    for p in s.problems:
        opt = f"known optimum {s.target[p]:.6g}" if s.known_optimum[p] else f"best found {_fmt(s.target[p])}"
        parts += [f"### {p} ({s.kinds.get(p)}; {opt}; median random loss {_fmt(s.reference[p])})", "",
                  problem_table(s, p), ""]
    if unsupported:
        parts += ["Not run (the peer cannot express the problem: conditions, dependent ranges or its "
                  "resource): " + ", ".join(f"{c} on {p}" for p, c in unsupported) + ".", ""]
    if errors:
        parts += ["## Runs that failed", ""]
        parts += [f"- {e['contender']} on {e['problem']}, seed {e['seed']}: "
                  f"{(e['error'] or '').strip().splitlines()[-1]}" for e in errors]
        parts.append("")
    text = "\n".join(parts)
    with open(os.path.join(out_dir, "report.md"), "w") as f:
        f.write(text)
    return text
