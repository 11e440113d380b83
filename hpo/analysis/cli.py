"""``hpo plot DB STUDY --out DIR`` and ``hpo report DB STUDY``: the analysis of a stored study."""

from __future__ import annotations

import argparse
import re
import sys

__all__ = ["add_parsers", "run"]


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the ``plot`` and ``report`` subcommands to the ``hpo`` parser."""
    plot = sub.add_parser("plot", help="write the plots of a stored study as PNG files (needs hpo[plot])")
    plot.add_argument("db", help="the study storage (an SQLite file or sqlite:/// URL)")
    plot.add_argument("study", help="the study's name")
    plot.add_argument("--out", default=None, help="output directory (default: STUDY-plots)")
    report = sub.add_parser("report", help="write a one-page Markdown or HTML report of a stored study")
    report.add_argument("db", help="the study storage (an SQLite file or sqlite:/// URL)")
    report.add_argument("study", help="the study's name")
    report.add_argument("--out", default=None,
                        help="the page to write, .md or .html (default: STUDY-report.md, or .html with --format html)")
    report.add_argument("--format", choices=["md", "html"], default=None,
                        help="md or html (default: from --out, else md)")
    report.add_argument("--no-plots", action="store_true", help="tables only")


def _file_name(study: str) -> str:
    """A file-name stem from a study name: letters (of any script), digits and ``._-``, at most 100 of them
    (ASCII only made 研究 and 実験, or 'svm α' and 'svm β', one name: the second report overwrote the first)."""
    return re.sub(r"[^\w.-]+", "_", study).strip("_")[:100].strip("_") or "study"


def run(args: argparse.Namespace) -> int:
    """Run ``hpo plot`` or ``hpo report``; the exit status (2 with a message on stderr on bad input)."""
    from .._cli_common import printable, quiet_to_params_warning
    from .report import load_stored_study, report_format

    name = f"hpo {args.command}"
    try:
        if args.command == "report":
            fmt = report_format(args.out, args.format) if args.out else (args.format or "md")
            out = args.out or f"{_file_name(args.study)}-report.{fmt}"
        with quiet_to_params_warning():
            result, record = load_stored_study(args.db, args.study)
    except KeyError as exc:
        print(f"{name}: {printable(exc.args[0])}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:  # a missing file, not a study storage (StorageError), a bad URL or suffix
        print(f"{name}: {printable(str(exc))}", file=sys.stderr)
        return 2
    if args.command == "plot":
        from .plots import save_plots

        out = args.out or f"{_file_name(args.study)}-plots"
        try:
            files = save_plots(result, out)
        except ImportError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:
            print(f"{name}: cannot write the plots to {printable(out)}: {exc}", file=sys.stderr)
            return 2
        for what, why in files.skipped.items():
            print(f"{name}: no {'' if what == 'all' else what + ' '}plot: {why}", file=sys.stderr)
        for path in files.paths.values():
            print(f"plot: {printable(path)}")
        return 0 if files.paths else 1
    from .report import write_report

    try:
        write_report(result, out, record=record, plots=not args.no_plots, fmt=fmt)
    except OSError as exc:
        print(f"{name}: cannot write {printable(out)}: {exc}", file=sys.stderr)
        return 2
    print(f"report: {printable(out)}")
    return 0
