"""A one-page report of a search: the record, the best trials, importance, robustness and the plots.

Markdown (plots as PNG files next to the page) or HTML (a single file: the
plots are embedded). Without matplotlib the report is written without plots,
and says how to get them.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import json
import math
import os
import re
import tempfile
from typing import Any, Mapping

from .._constraints import Interval, Options, check_options
from ._common import as_result, full_budget, top_trials
from ._figures import metric_name, shown_value, shows_scores

__all__ = ["write_report", "load_stored_study", "report_format"]

_PLOT_TITLES = {
    "convergence": "Convergence",
    "importance": "Importance",
    "slices": "Slices",
    "parallel_coordinates": "Parallel coordinates",
    "contour": "Contour of the two most important parameters",
    "budgets": "Value against budget",
    "learning_curves": "Learning curves",
    "ranges": "Ranges per round",
}


#: What each plot shows, for the alt text of its image (read by screen readers, shown when it does not load).
_PLOT_ALTS = {
    "convergence": "Convergence plot: every trial's value and the best value so far, against the trial number.",
    "importance": "Bar chart: the share of the loss variance each hyperparameter explains (fANOVA).",
    "slices": "Scatter plots: each trial's value against each hyperparameter, coloured by trial number.",
    "parallel_coordinates": "Parallel coordinates: each trial as a line across its hyperparameters and its value.",
    "contour": "Contour plot: the value interpolated over the two most important hyperparameters, trials as dots.",
    "budgets": "Line plot: each configuration's value against the budget it was evaluated at.",
    "learning_curves": "Learning curves: the value each run reported against its step.",
    "ranges": "Ranges per round: the range of each hyperparameter in each coarse-to-fine round.",
}


# ------------------------------------------------------------------ blocks
# A report is a list of blocks rendered to Markdown or HTML:
# ("h", level, text) ("p", text) ("warn", text) ("table", header, rows) ("code", text) ("img", title, path)


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.6g}"
    if isinstance(v, (dict, list, tuple)):
        return json.dumps(v, default=str)
    return str(v)


def _when(v: Any) -> str:
    if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 1e9:  # seconds since the epoch
        return _dt.datetime.fromtimestamp(v).isoformat(timespec="seconds")
    return _fmt(v)


def _record_blocks(record: Mapping[str, Any]) -> list:
    rows, nested = [], []
    for key, value in record.items():
        if key == "space" or value in ({}, [], None):
            continue  # the space is shown as a Space
        if isinstance(value, Mapping) and len(value) <= 8 and all(
                not isinstance(v, (Mapping, list, tuple)) for v in value.values()):
            rows.append([str(key), ", ".join(f"{k}={_fmt(v)}" for k, v in value.items())])
        elif isinstance(value, Mapping) or (isinstance(value, (list, tuple))
                                            and len(json.dumps(value, default=str)) > 80):
            nested.append((key, value))
        else:
            rows.append([str(key), _when(value) if any(w in key for w in ("time", "start", "end", "created"))
                         else _fmt(value)])
    blocks: list = [("h", 2, "Record")]
    if rows:
        blocks.append(("table", ["field", "value"], rows))
    for key, value in nested:
        blocks += [("p", f"{key}:"), ("code", json.dumps(value, indent=2, default=str, sort_keys=True))]
    return blocks


def _best_blocks(search: Any, result: Any, top: int) -> list:
    tuner = shows_scores(search)
    trials = top_trials(result, top, budget="ranked")
    budget = full_budget(result)
    names = result.space.names
    header = ["rank", "trial", f"validation {metric_name(search)}" if tuner else "value"]
    header += ["budget"] if budget is not None else []
    header += names
    rows = []
    for i, t in enumerate(trials):
        row = [str(i + 1), str(t.number), _fmt(shown_value(t, tuner))]
        row += [_fmt(t.budget)] if budget is not None else []
        row += [_fmt(t.config.get(n)) for n in names]
        rows.append(row)
    text = f"The {len(trials)} best distinct configurations"
    if budget is not None:
        text += (f", those that reached the largest budget ({budget:g}) first, each at the largest budget "
                 "it reached")
    text += "; a blank cell is an inactive parameter."
    return [("h", 2, "Best trials"), ("p", text), ("table", header, rows)]


def _importance_blocks(table: Any) -> list:
    blocks: list = [("h", 2, "Importance")]
    if isinstance(table, str):
        return blocks + [("p", f"Not computed: {table}")]
    rows = [[n, f"{i:.3f}", f"{s:.3f}", f"{a:.2f}"]
            for n, i, s, a in zip(table.names, table.importance, table.std, table.active)]
    blocks.append(("table", ["parameter", "importance", "std across trees", "active"], rows))
    blocks.append(("p", (
        f"Functional ANOVA on a {table.per_tree.shape[0]}-tree random forest fitted on {table.n_trials} trials: "
        "the share of the loss variance over the space that each parameter's main effect explains "
        f"(together {table.explained:.0%}; the rest is interactions)"
        + ("" if table.budget is None else f", from the trials at budget {table.budget:g}")
        + ". 'active': how often a conditional "
        "parameter is active; its main effect counts only there."
    )))
    if table.interactions:
        rows = [[f"{a} x {b}", f"{m:.3f}", f"{s:.3f}"] for a, b, m, s in table.interactions[:10]]
        blocks.append(("table", ["interaction", "importance", "std across trees"], rows))
    return blocks


def _robustness_blocks(rob: Any) -> list:
    blocks: list = [("h", 2, "Seed robustness")]
    if rob.warning:
        blocks.append(("warn", rob.warning))
    header = ["search rank", "trial", "configuration", f"search {rob.value_name}",
              f"mean over {len(rob.seeds)} seeds", "std", "worst", "best", "wins"]
    rows = []
    for i, r in enumerate(rob.to_records()):
        config = ", ".join(f"{k}={_fmt(v)}" for k, v in r["config"].items())
        at = "" if rob.search_budget[i] is None else f" (budget {rob.search_budget[i]:g})"
        rows.append([str(i + 1), str(r["trial"]), config, _fmt(r["search"]) + at, _fmt(r["mean"]),
                     f"{r['std']:.2g}", _fmt(r["worst"]), _fmt(r["best"]), str(r["wins"])])
    blocks.append(("table", header, rows))
    blocks.append(("p", f"Each of the seeds {rob.seeds} changes {rob.what}. {rob.verdict}"))
    if rob.errors:
        blocks.append(("p", f"{len(rob.errors)} evaluations failed; the first: {rob.errors[0]}"))
    return blocks


def _summary_blocks(search: Any, result: Any) -> list:
    lines = [
        f"Strategy `{result.strategy or '?'}`, direction {result.direction}: {len(result.trials)} trials, "
        f"{result.n_ok} ok, {result.n_failed} failed, {result.n_pruned} pruned"
        + (" (interrupted)." if result.interrupted else ".")
    ]
    if result.n_ok:
        best = result.best_trial
        shown = (f"validation {metric_name(search)} {-best.loss:.6g}" if shows_scores(search)
                 else f"value {best.value:.6g}")
        lines.append(f"Best {shown} (trial {best.number}"
                     + (f", budget {best.budget:g}" if best.budget is not None else "") + "): "
                     + ", ".join(f"{k}={_fmt(v)}" for k, v in best.config.items()) + ".")
    lines += _model_lines(getattr(result, "strategy_instance", None))
    blocks: list = [("h", 2, "Summary")] + [("p", line) for line in lines]
    blocks += [("p", "Space:"), ("code", repr(result.space))]
    failed = [t for t in result.trials if t.status == "failed"]
    if failed:
        errors: dict[str, int] = {}
        for t in failed:
            first = (t.error or "?").splitlines()[0][:200]
            errors[first] = errors.get(first, 0) + 1
        rows = [[e, str(n)] for e, n in sorted(errors.items(), key=lambda x: -x[1])[:10]]
        blocks += [("p", "Failed trials by error:"), ("table", ["error", "trials"], rows)]
    return blocks


def _model_lines(strategy: Any) -> list[str]:
    """What a model-based strategy estimated and decided: the noise of the losses, the cost guard's switches."""
    lines = []
    share = getattr(strategy, "noise_share", None)
    if share is not None:
        lines.append(f"The model puts {share:.1%} of the losses' variance down to noise (about "
                     f"{strategy.noise_sd:.3g} as a standard deviation in the loss's units) at its last fit.")
    guard = getattr(strategy, "cost_guard", None)
    for change in getattr(guard, "changes", []):
        lines.append(f"Cost guard, after {change['told']} trials: a model proposal cost {change['proposal_seconds']:.3g} s "
                     f"against {change['evaluation_seconds']:.3g} s per evaluation; from then on one proposal in "
                     f"{change['every']} came from the model.")
    return lines


# ------------------------------------------------------------------ render
def _md_cell(text: str) -> str:
    """Text for a Markdown table cell: ``|`` and HTML's ``<``, ``>`` and ``&`` escaped (a value ``<i>`` is text)."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
            .replace("\n", " "))


def _render_md(blocks: list, base: str) -> str:
    out = []
    for b in blocks:
        kind = b[0]
        if kind == "h":
            out += ["#" * b[1] + " " + b[2], ""]
        elif kind == "p":
            out += [b[1], ""]
        elif kind == "warn":
            out += [f"> **Warning:** {b[1]}", ""]
        elif kind == "code":
            out += ["```", b[1], "```", ""]
        elif kind == "table":
            out.append("| " + " | ".join(_md_cell(h) for h in b[1]) + " |")
            out.append("|" + "---|" * len(b[1]))
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b[2]]
            out.append("")
        elif kind == "img":
            rel = os.path.relpath(b[2], base).replace(os.sep, "/")
            out += [f"![{b[1]}]({rel})", ""]
    return "\n".join(out)


_CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1em;font-size:0.9em}td,th{border:1px solid #ccc;padding:3px 8px;
text-align:left}th{background:#f3f3f3}pre{background:#f6f6f6;padding:0.6em;overflow-x:auto;font-size:0.85em}
.warn{background:#fff3cd;border:1px solid #e0c36a;padding:0.6em 1em}
img{max-width:100%;height:auto;border:1px solid #eee}
code{background:#f3f3f3;padding:0 0.25em;border-radius:3px;font-size:0.92em}.scroll{overflow-x:auto}"""


def _inline(text: str) -> str:
    """HTML of a line of the report: escaped, with Markdown's `code` spans as <code> (as the Markdown page
    shows them)."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def _render_html(blocks: list, title: str) -> str:
    esc = html.escape
    out = ["<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
           "<meta name='viewport' content='width=device-width, initial-scale=1'>", f"<title>{esc(title)}</title>",
           f"<style>{_CSS}</style></head><body>"]
    for b in blocks:
        kind = b[0]
        if kind == "h":
            out.append(f"<h{b[1]}>{esc(b[2])}</h{b[1]}>")
        elif kind == "p":
            out.append(f"<p>{_inline(b[1])}</p>")
        elif kind == "warn":
            out.append(f"<p class='warn'><b>Warning:</b> {_inline(b[1])}</p>")
        elif kind == "code":
            out.append(f"<pre>{esc(b[1])}</pre>")
        elif kind == "table":
            out.append("<div class='scroll'><table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in b[1]) + "</tr>")
            out += ["<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in b[2]]
            out.append("</table></div>")
        elif kind == "img":
            with open(b[2], "rb") as f:
                data = base64.b64encode(f.read()).decode("ascii")
            out.append(f"<p><img alt=\"{esc(b[1])}\" src='data:image/png;base64,{data}'></p>")
    out.append("</body></html>")
    return "\n".join(out)


# ------------------------------------------------------------------ storage
def load_stored_study(storage: Any, study: str, *, to_params: Any = None) -> tuple[Any, dict]:
    """A stored study as ``(Result, record dict)``, for :func:`write_report` and the plots.

    Parameters
    ----------
    storage : str or storage object
        A path or ``sqlite:///`` URL of an hpo study storage (an existing
        file, opened read-only: nothing in it changes), or a storage object.
    study : str
    to_params : callable, optional
        As for :func:`hpo.load_study`, which also says what it raises.
    """
    from ..storage import load_study, open_storage

    store, owned = open_storage(storage, readonly=True)
    try:
        result = load_study(store, study, to_params=to_params)
        record = store.get_study(study)
    finally:
        if owned:
            store.close()
    return result, record.to_dict()


# -------------------------------------------------------------------- main
_SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
_constraints = {"fmt": [Options({"md", "html"}), None], "top": [Interval(int, 1)]}


def report_format(path: str, fmt: str | None = None) -> str:
    """The format of a report page written to ``path``: ``"md"`` or ``"html"``, from its suffix.

    Raises
    ------
    ValueError
        A suffix other than ``.md``, ``.markdown``, ``.html`` or ``.htm`` (a
        ``.pdf`` would hold Markdown), or a ``fmt`` that disagrees with it.
    """
    check_options(_constraints, fmt=fmt)
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix not in _SUFFIXES:
        raise ValueError(
            f"{path}: a report page is Markdown (.md, .markdown) or HTML (.html, .htm); "
            f"{'a name without suffix' if not suffix else repr(suffix)} is neither"
        )
    if fmt is not None and fmt != _SUFFIXES[suffix]:
        raise ValueError(f"{path}: the format {fmt!r} does not match the file's suffix {suffix!r}")
    return _SUFFIXES[suffix]


def write_report(
    search: Any,
    path: str,
    *,
    record: Mapping[str, Any] | None = None,
    importance_table: Any = None,
    robustness: Any = None,
    plots: bool = True,
    plots_dir: str | None = None,
    ranges: Any = None,
    top: int = 10,
    title: str | None = None,
    fmt: str | None = None,
) -> str:
    """Write a one-page report of a finished search; return its text.

    Parameters
    ----------
    search : Result or fitted Tuner
    path : str
        The page to write: ``.md`` / ``.markdown`` (Markdown) or ``.html`` /
        ``.htm`` (HTML); any other suffix is a ``ValueError``.
    record : mapping, optional
        The study record (name, strategy, seed, versions, times...), shown as a table.
    importance_table : ImportanceTable, optional
        Computed with :func:`hpo.analysis.importance` when not given.
    robustness : SeedRobustness, optional
        From :func:`hpo.analysis.seed_robustness`; its warning is shown at the top.
    plots : bool, default True
        Include the plots (needs matplotlib; without it the page says so).
    plots_dir : str, optional
        Where a Markdown page's PNG files go (default ``<page name>_files`` next
        to it). An HTML page embeds its plots and writes no other file.
    ranges : list of dict or strategy, optional
        Coarse-to-fine ranges per round, for the ranges plot.
    top : int, default 10
        Rows of the best-trials table.
    title : str, optional
    fmt : {"md", "html"}, optional
        The format; it must agree with the file's suffix (the default).

    Returns
    -------
    str
        The page's text.

    Examples
    --------
    >>> from hpo import Space, Float, optimize
    >>> from hpo.analysis import write_report
    >>> result = optimize(lambda c: (c["x"] - 0.3) ** 2, Space(x=Float(0, 1)), n_trials=8, seed=0)
    >>> text = write_report(result, "report.md", plots=False)  # plots=True adds the figures (matplotlib)
    >>> [line for line in text.splitlines() if line.startswith("#")]
    ['# hpo search (auto)', '## Summary', '## Best trials', '## Importance']
    """
    from .fanova import importance

    fmt = report_format(path, fmt)
    check_options(_constraints, top=top)
    result = as_result(search)
    study = None if record is None else record.get("name", record.get("study"))
    title = title or (f"hpo study {study}" if study else f"hpo search ({result.strategy or 'search'})")
    base = os.path.dirname(os.path.abspath(path))
    blocks: list = [("h", 1, title)]
    if robustness is not None and robustness.warning:
        blocks.append(("warn", robustness.warning))
    if record:
        blocks += _record_blocks(record)
    blocks += _summary_blocks(search, result)
    if result.n_ok:
        blocks += _best_blocks(search, result, top)
        if importance_table is None:
            try:
                importance_table = importance(search, budget="auto")
            except ValueError as exc:
                importance_table = str(exc)
        blocks += _importance_blocks(importance_table)
    if robustness is not None:
        blocks += _robustness_blocks(robustness)
    with tempfile.TemporaryDirectory() as tmp:
        if plots and result.n_ok:
            blocks += _plot_blocks(search, fmt, tmp, plots_dir or os.path.splitext(os.path.abspath(path))[0] + "_files",
                                   importance_table, ranges)
        text = _render_html(blocks, title) if fmt == "html" else _render_md(blocks, base)
    os.makedirs(base, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return text


def _plot_blocks(search: Any, fmt: str, tmp: str, plots_dir: str, table: Any, ranges: Any) -> list:
    from .fanova import ImportanceTable
    from .plots import save_plots

    blocks: list = [("h", 2, "Plots")]
    try:
        files = save_plots(search, tmp if fmt == "html" else plots_dir,
                           importance_table=table if isinstance(table, ImportanceTable) else None, ranges=ranges)
    except ImportError as exc:
        return blocks + [("p", f"No plots: {exc}")]
    for name, file in files.paths.items():
        blocks.append(("h", 3, _PLOT_TITLES.get(name, name)))
        blocks.append(("img", _PLOT_ALTS.get(name, _PLOT_TITLES.get(name, name)), file))
    skipped = {k: v for k, v in files.skipped.items() if k not in ("budgets", "ranges", "learning_curves")}
    for name, why in skipped.items():
        blocks.append(("p", f"{_PLOT_TITLES.get(name, name)}: not drawn ({why})."))
    return blocks
