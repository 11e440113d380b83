"""The benchmark report: Markdown tables and convergence plots, rebuilt from the store alone."""

from __future__ import annotations

import math
import os
from collections import defaultdict

import numpy as np

from .report_figures import (  # noqa: F401  (importable from here as before)
    convergence_figure, edf_figure, median_box_sides, plot_convergence, plot_ranges, quiet_nan, ranges_figure,
    regret_curves,
)
from .store import RunStore
from .summary import (  # noqa: F401  (importable from here as before)
    NOTHING_BELOW, Summary, _full_budget_losses, _no_result_scores_last, best_so_far, box_side, holm, summarize,
)

__all__ = ["Summary", "summarize", "build_report", "best_so_far"]


def _round_picks(n_rounds: int) -> tuple[int, int | None, int]:
    """The rounds the ranges table shows: round 1 (the first narrowing), a middle round strictly between it
    and the last (``None`` when there is none), and the last round (rounds count from 0, the whole space)."""
    last = max(0, n_rounds - 1)
    first = min(1, last)
    mid = (first + last) // 2
    return first, (mid if first < mid < last else None), last


def ranges_table(s: Summary) -> str:
    """Per problem and range-narrowing contender: rounds, and the median box side at round 1, a middle round
    (its number in brackets; "–" when no round lies between round 1 and the last) and the last round."""
    lines = ["| problem | contender | rounds (median) | box side in round 1 | middle round | last round |",
             "|---|---|---|---|---|---|"]
    for (p, c), runs in sorted(s.box_sides.items()):
        med = median_box_sides(runs)
        n_rounds = int(np.median([len(r) for r in runs]))
        first, mid, last = _round_picks(n_rounds)
        middle = "–" if mid is None else f"{med[mid]:.3f} (round {mid})"
        lines.append(f"| {p} | {c} | {n_rounds} | {med[first]:.3f} | {middle} | {med[last]:.3f} (round {last}) |")
    return "\n".join(lines)


def _checkpoints(n_trials: int) -> list[int]:
    points = [n for n in (10, 25, 50, 100, 200, 500) if n < n_trials] + [n_trials]
    return points[-4:]


# Numbers at one precision per kind: ranks 2 decimals, scores 1, seconds 3, p-values 3 significant digits
# (or "< 0.001"),
# losses at one number of decimals per table (see _decimals).
def _missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _rank(x: float) -> str:
    return "-" if _missing(x) else f"{x:.2f}"


def _score(x: float) -> str:
    return "-" if _missing(x) else f"{x:.1f}"


def _secs(x: float) -> str:
    return "-" if _missing(x) else f"{x:.3f}"


def _pvalue(p: float) -> str:
    if _missing(p):
        return "-"
    return "< 0.001" if p < 0.001 else f"{p:#.3g}"


def _p_is(p: float, relation: str = "=") -> str:
    """``p = 0.0312`` (or ``p ≤ ...`` with ``relation="≤"``) in a sentence; ``p < 0.001`` below that."""
    shown = _pvalue(p)
    return f"p {shown}" if shown.startswith("<") else f"p {relation} {shown}"


def _decimals(values) -> int:
    """One number of decimals for a table's ``values``: enough for 4 significant digits on the largest and 3
    on the smallest non-zero one (0.398 next to 32.990), at most 6."""
    finite = np.abs(np.asarray([v for v in values if not _missing(v)], dtype=float))
    finite = finite[np.isfinite(finite) & (finite > 0)]
    if not finite.size:
        return 3
    need = max(3 - math.floor(math.log10(float(finite.max()))), 2 - math.floor(math.log10(float(finite.min()))))
    return int(min(6, max(0, need)))


def _loss(x: float, decimals: int) -> str:
    return "-" if _missing(x) else f"{x:.{decimals}f}"


def _median(values) -> float:
    values = [v for v in values if not _missing(v)]
    return float(np.median(values)) if values else math.nan


def summary_table(s: Summary) -> str:
    """The overall table: mean rank, normalized score, Wilcoxon p against the leader, costs."""
    ranks = s.mean_ranks()
    test = s.wilcoxon()
    pairs, scores = s.paired()
    lines = [
        f"| strategy | mean rank | median score | mean score | p vs {test['leader']} | median wall s | median overhead s |",
        "|---|---|---|---|---|---|---|",
    ]
    order = s.order()
    for j, c in sorted(enumerate(s.contenders), key=lambda jc: order.index(jc[1])):
        col = scores[:, j] if scores.size else np.empty(0)
        walls = [w for p in s.problems for w in s.wall.get((p, c), [])]
        overheads = [o for p in s.problems for o in s.overhead.get((p, c), [])]
        p_value = "leader" if c == test["leader"] else _pvalue(test["p"].get(c, math.nan))
        with quiet_nan():
            median, mean = (float(f(col)) if col.size else math.nan for f in (np.nanmedian, np.nanmean))
        lines.append(
            f"| {c} | {_rank(ranks[c])} | {_score(median)} | {_score(mean)} | {p_value} | "
            f"{_secs(_median(walls))} | {_secs(_median(overheads))} |"
        )
    lines.append("")
    lines.append(
        f"Over {len(pairs)} (problem, seed) pairs. Score: 0 = the median loss of one random "
        "configuration, 100 = the known optimum (or the best loss any run found). Rank 1 = best final "
        "loss. p: two-sided Wilcoxon signed-rank test on paired scores, Holm-adjusted for the leader's "
        "comparisons with the others."
    )
    return "\n".join(lines)


def _problem_scores(s: Summary, problem: str) -> dict:
    """Median final normalized score of each contender that ran ``problem``."""
    out = {}
    for c in s.contenders:
        curve = s.curves.get((problem, c))
        if curve is not None:
            with quiet_nan():
                out[c] = float(np.nanmedian(s.normalized(problem, curve[:, -1])))
    return out


def headline(s: Summary, alpha: float = 0.05) -> str:
    """One paragraph written from the numbers: who won, by how much, where it lost, and whether the
    differences are significant (two-sided Wilcoxon signed-rank test on paired scores, at ``alpha``)."""
    ranks = s.mean_ranks()
    pairs, scores = s.paired()
    if not pairs or all(math.isnan(r) for r in ranks.values()):
        return "No (problem, seed) pair was run by every strategy: no winner can be named."
    test = s.wilcoxon()
    leader = test["leader"]
    if len(s.contenders) == 1:
        return f"Only {leader} ran ({len(pairs)} (problem, seed) pairs): nothing to compare."
    second = s.order()[1]
    used = sorted({p for p, _ in pairs})
    n_problems = f"{len(used)} problem{'s' if len(used) != 1 else ''}"
    if len(used) < len(s.problems):  # the comparison holds only where every strategy ran
        n_problems += (f" (left out, not run by every strategy: "
                       f"{', '.join(p for p in s.problems if p not in used)})")
    with quiet_nan():  # a contender without a finite score: NaN, shown as such
        mean_score = {c: float(np.nanmean(scores[:, j])) for j, c in enumerate(s.contenders)}
        median_score = {c: float(np.nanmedian(scores[:, j])) for j, c in enumerate(s.contenders)}
    scores_text = (f"mean score {_score(mean_score[leader])} against {_score(mean_score[second])} "
                   f"(median {_score(median_score[leader])} against {_score(median_score[second])}; 100 = the optimum, "
                   "or the best loss any run found)")
    if _rank(ranks[leader]) != _rank(ranks[second]):
        first = (f"{leader} won over {len(pairs)} (problem, seed) pairs of {n_problems}: mean rank "
                 f"{_rank(ranks[leader])} of {len(s.contenders)} against {_rank(ranks[second])} for the runner-up, "
                 f"{second}; {scores_text}.")
    elif _score(mean_score[leader]) != _score(mean_score[second]):
        first = (f"{leader} and {second} tied on mean rank ({_rank(ranks[leader])} of {len(s.contenders)}) over "
                 f"{len(pairs)} (problem, seed) pairs of {n_problems}; {leader} leads on the "
                 f"{scores_text}.")
    else:
        first = (f"{leader} and {second} tied over {len(pairs)} (problem, seed) pairs of {n_problems}: "
                 f"mean rank {_rank(ranks[leader])} of {len(s.contenders)} and {scores_text}; {leader} is listed "
                 "first by name only.")
    text = [first]
    crashed = {c: sum(len(v) for (p, k), v in s.crashed.items() if k == c and p in used) for c in s.contenders}
    if any(crashed.values()):
        text.append("Runs that crashed count as runs that found nothing (last of their pair): "
                    + ", ".join(f"{n} of {c}" for c, n in crashed.items() if n) + " (see \"Runs that failed\").")
    lost = []
    for p in used:
        by = _problem_scores(s, p)
        if leader not in by or math.isnan(by[leader]):
            continue
        rivals = {c: v for c, v in by.items() if c != leader and not math.isnan(v)}
        if rivals:
            best = max(rivals, key=rivals.get)
            if rivals[best] > by[leader] + 0.05:  # beyond the rounding of the scores shown
                lost.append(f"{p} (to {best}: {_score(rivals[best])} against {_score(by[leader])})")
    if lost:
        text.append(f"It lost, on the median score over seeds, on {len(lost)} of {len(used)} problems: "
                    + "; ".join(lost) + ".")
    else:
        text.append("No other strategy beat it on any problem's median score over seeds.")
    sig = {c: p for c, p in test["p"].items() if p < alpha}
    not_sig = {c: p for c, p in test["p"].items() if p >= alpha}
    if not test["p"]:
        text.append(f"With {len(pairs)} (problem, seed) pair{'s' if len(pairs) != 1 else ''}, no Wilcoxon test "
                    "can be made: run more seeds to tell the strategies apart.")
    elif not not_sig:
        text.append(f"The differences are significant against every other strategy "
                    f"(Wilcoxon, Holm-adjusted, {_p_is(max(sig.values()), '≤')}, at the {alpha:.0%} level).")
    else:
        part = ", ".join(f"{c} ({_p_is(p)})" for c, p in sorted(not_sig.items(), key=lambda cp: cp[1]))
        line = f"The difference is not significant at the {alpha:.0%} level against {part}"
        if len(test["p"]) > 1:
            line += " (Wilcoxon p, Holm-adjusted for the leader's several comparisons)"
        if sig:
            line += "; it is against " + ", ".join(f"{c} ({_p_is(p)})" for c, p in
                                                   sorted(sig.items(), key=lambda cp: cp[1]))
        if len(pairs) < 6:
            line += f"; with {len(pairs)} pairs, no Wilcoxon test can reach p < 0.05"
        text.append(line + ".")
    return " ".join(text)


def versions_table(versions: dict) -> str:
    """The versions that decide the numbers, as a Markdown table."""
    lines = ["| package | version |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in versions.items()]
    return "\n".join(lines)


def problem_table(s: Summary, problem: str) -> str:
    """Median (25th-75th percentile) best-so-far loss at several budgets, per strategy."""
    points = _checkpoints(s.n_trials)
    has_test = any((problem, c) in s.test_losses for c in s.contenders)
    header = "| strategy | runs | " + " | ".join(f"best @{n}" for n in points) + " | score @end |"
    header += " test loss |" if has_test else ""
    header += " wall s | overhead s |"
    sep = "|---" * (len(points) + 5 + int(has_test)) + "|"
    lines = [header, sep]
    shown = [v for c in s.contenders if (problem, c) in s.curves
             for v in s.curves[(problem, c)][:, [n - 1 for n in points]].ravel()]
    shown += [v for c in s.contenders for v in s.test_losses.get((problem, c), [])]
    decimals = _decimals(shown)
    for c in s.contenders:
        curve = s.curves.get((problem, c))
        if curve is None:
            continue
        cells = []
        for n in points:
            col = curve[:, n - 1]
            with quiet_nan():
                med, lo, hi = np.nanmedian(col), np.nanpercentile(col, 25), np.nanpercentile(col, 75)
            cells.append(f"{_loss(med, decimals)} ({_loss(lo, decimals)}–{_loss(hi, decimals)})")
        score = _problem_scores(s, problem)[c]
        crashed = len(s.crashed.get((problem, c), []))
        runs = f"{len(curve)}" + (f" ({crashed} crashed)" if crashed else "")
        row = f"| {c} | {runs} | " + " | ".join(cells) + f" | {_score(score)} |"
        if has_test:
            row += f" {_loss(_median(s.test_losses.get((problem, c), [])), decimals)} |"
        row += f" {_secs(_median(s.wall.get((problem, c), [])))} | {_secs(_median(s.overhead.get((problem, c), [])))} |"
        lines.append(row)
    return "\n".join(lines)


def _span(seeds: list) -> str:
    """``0-9`` for consecutive seeds, else the list."""
    if seeds and list(seeds) == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}–{seeds[-1]}" if len(seeds) > 1 else str(seeds[0])
    return ", ".join(str(x) for x in seeds)


def build_report(out_dir: str, n_trials: int | None = None, to: str | None = None) -> str:
    """Write ``report.md`` (and ``convergence_<kind>.png`` with matplotlib) in ``to`` (default ``out_dir``, the
    benchmark's directory, whose store is only read); return the Markdown.

    Examples
    --------
    >>> from hpo.benchmarking import run_benchmark, build_report
    >>> run_benchmark("bench", problems=["branin"], strategies=["random", "sobol"], n_trials=5, seeds=2).close()
    >>> text = build_report("bench")  # also written to bench/report.md
    >>> text.splitlines()[0]
    '# hpo benchmark: 5 evaluations per run'
    """
    path = os.path.join(out_dir, "runs.db")
    to = out_dir if to is None else to
    if not os.path.exists(path):
        raise FileNotFoundError(f"{out_dir} holds no benchmark store (runs.db); run `hpo bench` first")
    with RunStore(path, readonly=True) as store:
        s = summarize(store, n_trials)
        stored_meta = store.meta()
        meta = stored_meta.get("last_invocation", {})
        unsupported = stored_meta.get("unsupported", [])
        errors = store.errors(s.n_trials)
        trial_counts = store.trial_counts()
        failed_trials: dict[str, list[int]] = {}  # contender -> [failed trials, trials]
        found_nothing = []
        for run in store.runs(s.n_trials):
            losses = run["losses"]
            counts = failed_trials.setdefault(run["contender"], [0, 0])
            counts[0] += sum(loss is None for loss in losses)
            counts[1] += len(losses)
            if losses and all(loss is None for loss in losses):
                found_nothing.append(f"{run['contender']} on {run['problem']}, seed {run['seed']}")
    parts = [f"# hpo benchmark: {s.n_trials} evaluations per run", "", headline(s), ""]
    stored_seeds = sorted({seed for seeds in s.seeds.values() for seed in seeds})
    if meta:
        seeds = meta.get("seeds") or []
        line = (f"Suite `{meta.get('suite') or 'custom'}`, {len(seeds)} seeds ({_span(seeds)}), {meta.get('machine')}, "
                f"started {meta.get('started')}.")
        if stored_seeds != sorted(seeds) or meta.get("n_trials") not in (None, s.n_trials):
            line += (f" That was the last command; this report is of every run of {s.n_trials} evaluations the "
                     f"store holds: seeds {_span(stored_seeds)} (the runs of each strategy on each problem are "
                     "counted in its table below).")
        parts += [line, ""]
    if stored_meta.get("unchecked_runs") or (stored_meta and "definitions" not in stored_meta):
        parts += ["Some runs here were stored before the store recorded what made them (an earlier hpo): if hpo, "
                  "a peer or a problem changed since, this report mixes runs of both.", ""]
    other = [n for n in trial_counts if n != s.n_trials]
    if other:
        parts += [f"The store also holds runs of {', '.join(map(str, other))} evaluations: `hpo bench report "
                  f"{out_dir} --trials N` reports them.", ""]
    beyond = [p for p in s.problems if s.known_optimum[p] and any(
        np.nanmax(s.normalized(p, s.final(p, c)), initial=-np.inf) > 100.5 for c in s.contenders
        if (p, c) in s.curves)]
    if beyond:
        parts += [f"Scores above 100 on {', '.join(beyond)}: a run found a loss below the declared optimum, so "
                  "the optimum is wrong or the loss is noisy (a noisy loss rewards the luckiest evaluation).", ""]
    if meta.get("versions"):
        parts += [versions_table(meta["versions"]), ""]
    parts += ["## Summary", "", summary_table(s), ""]
    os.makedirs(to, exist_ok=True)
    plots = []
    by_kind: dict = defaultdict(list)
    for p in s.problems:
        by_kind[s.kinds.get(p) or "other"].append(p)
    try:
        import matplotlib  # noqa: F401

        for kind, problems in by_kind.items():
            png = os.path.join(to, f"convergence_{kind}.png")
            try:
                plot_convergence(s, png, problems)
            except (ValueError, OverflowError) as exc:  # one figure matplotlib cannot draw loses no report
                parts += [f"(The convergence plot of the {kind} problems could not be drawn: {exc}.)", ""]
                continue
            plots.append(png)
            parts += [f"![convergence: {kind}](convergence_{kind}.png)", ""]
        _, scores = s.paired()
        if scores.size and np.isfinite(scores).any():
            edf_figure(s).savefig(os.path.join(to, "edf.png"), dpi=90)
            parts += ["Distribution of the final scores over the (problem, seed) pairs: the share of runs that "
                      "ended at or below each score; a curve further right is better.", "",
                      "![empirical distribution of the final scores per strategy](edf.png)", ""]
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

            plot_ranges(s, os.path.join(to, "ranges.png"))
            parts += ["![ranges per round](ranges.png)", ""]
        except ImportError:
            pass
    parts += ["## Per problem", "",
              "Median (25th–75th percentile) of the best loss so far over the runs (seeds) stored for each "
              "strategy, `runs` of them (a crashed run has no loss and is left out of these medians); test "
              "loss is the held-back split, scored once for each run's final best.", ""]
    for p in s.problems:
        d = _decimals([s.target[p], s.reference[p]])
        opt = ("known optimum " if s.known_optimum[p] else "best found ") + _loss(s.target[p], d)
        parts += [f"### {p} ({s.kinds.get(p)}; {opt}; median random loss {_loss(s.reference[p], d)})", "",
                  problem_table(s, p), ""]
    if unsupported:
        parts += ["Not run (the peer cannot express the problem: conditions, dependent ranges or its "
                  "resource): " + ", ".join(f"{c} on {p}" for p, c in unsupported) + ".", ""]
    if any(failed for failed, _ in failed_trials.values()):
        parts += ["## Failed trials", "",
                  "Trials that failed (an error, or no finite loss), by contender: "
                  + ", ".join(f"{c} {f} of {n}" for c, (f, n) in failed_trials.items() if f) + "."
                  + (" Runs in which every trial failed (they found nothing: each ranks last of its pair): "
                     + "; ".join(found_nothing) + "." if found_nothing else ""), ""]
    if errors:
        parts += ["## Runs that failed", ""]
        parts += [f"- {e['contender']} on {e['problem']}, seed {e['seed']}: "
                  f"{(e['error'] or '').strip().splitlines()[-1]}" for e in errors]
        parts.append("")
    text = "\n".join(parts)
    with open(os.path.join(to, "report.md"), "w") as f:
        f.write(text)
    return text
