"""The ``hpo`` command."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import sys

__all__ = ["main"]


def _bench_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hpo bench",
        description="Compare strategies on a benchmark suite over many seeds; `hpo bench report DIR` "
        "rebuilds the report of a finished or interrupted run.",
    )
    parser.add_argument("--suite", default="quick", help="quick, synthetic, sklearn, multifidelity or bayesmark (default quick)")
    parser.add_argument("--problems", default=None, help="comma-separated problem names (instead of the suite's)")
    parser.add_argument("--strategies", default=None, help="comma-separated strategies and peers (default: the suite's)")
    parser.add_argument("--trials", type=int, default=None, help="evaluations per run (default: the suite's)")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per strategy and problem (default: the suite's)")
    parser.add_argument("--jobs", type=int, default=-1, help="runs in parallel (default -1: all cores)")
    parser.add_argument("--out", default="hpo-bench", help="output directory (default hpo-bench); rerun to resume")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--import", dest="imports", action="append", default=[], metavar="MODULE",
                        help="import this module first (repeatable): where your own problems and strategies are "
                             "registered (register_problem, register_contender, @hpo.register); the current "
                             "directory is searched")
    parser.add_argument("--storage", default=None,
                        help="an SQLite study storage keeping every trial of hpo's strategies as it finishes "
                             "(a run cut short resumes mid-way; hpo studies/show read it)")
    return parser


def bench(argv: list[str]) -> int:
    """``hpo bench ...`` and ``hpo bench report DIR``."""
    from .benchmarking import SUITE_DEFAULTS, build_report, run_benchmark, summarize, suite_problems
    from .benchmarking.report import summary_table
    from .benchmarking.store import RunStore

    if argv[:1] == ["report"]:
        rp = argparse.ArgumentParser(prog="hpo bench report", description="Rebuild the report of a benchmark directory.")
        rp.add_argument("dir")
        rp.add_argument("--trials", type=int, default=None, help="which n_trials to report (default: the largest)")
        rp.add_argument("--out", default=None, help="where to write the report and its figures (default: DIR; "
                                                    "the benchmark's store is only read)")
        args = rp.parse_args(argv[1:])
        to = args.out or args.dir
        try:
            build_report(args.dir, args.trials, to=to)
            with RunStore(os.path.join(args.dir, "runs.db"), readonly=True) as store:
                summary = summarize(store, args.trials)
        except (FileNotFoundError, ValueError) as exc:
            print(f"hpo bench report: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:  # a read-only benchmark folder, a full disk
            print(f"hpo bench report: cannot write the report in {to}: {exc}"
                  + ("" if args.out else "; --out DIR writes it elsewhere"), file=sys.stderr)
            return 2
        _print_bench_outcome(summary, to)
        return 0
    args = _bench_parser().parse_args(argv)
    if args.imports and "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # a module beside the user, as `python -m` finds it
    for module in args.imports:
        try:
            importlib.import_module(module)
        except Exception as exc:  # the user's module: whatever it raises, say which one and stop
            print(f"hpo bench: --import {module}: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 2
    try:
        suite_problems(args.suite)
    except ValueError as exc:
        print(f"hpo bench: {exc}", file=sys.stderr)
        return 2
    defaults = SUITE_DEFAULTS[args.suite]
    strategies = args.strategies.split(",") if args.strategies else defaults["strategies"]
    problems = args.problems.split(",") if args.problems else None
    trials = args.trials if args.trials is not None else defaults["trials"]
    seeds = args.seeds if args.seeds is not None else defaults["seeds"]
    from .executors import effective_n_jobs

    try:
        jobs = effective_n_jobs(args.jobs)
        store = run_benchmark(
            args.out, suite=None if problems else args.suite, problems=problems, strategies=strategies,
            n_trials=trials, seeds=seeds, n_jobs=jobs, progress=not args.no_progress, storage=args.storage,
            log=lambda msg: print(f"hpo bench: {msg}", file=sys.stderr),
        )
    except (ValueError, ImportError) as exc:
        print(f"hpo bench: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"hpo bench: interrupted; the finished runs are kept in {os.path.join(args.out, 'runs.db')}: "
              "run the same command again to go on", file=sys.stderr)
        return 130
    with store:
        summary = summarize(store, trials)
    try:
        build_report(args.out, trials)
    except OSError as exc:  # the runs are stored: say how to get the report
        print(f"hpo bench: the runs are stored in {os.path.join(args.out, 'runs.db')}, but the report could not be "
              f"written: {exc}; `hpo bench report {args.out} --out DIR` writes it elsewhere", file=sys.stderr)
        return 2
    print(f"{len(summary.problems)} problems x {len(summary.contenders)} strategies x {seeds} seeds, "
          f"{trials} evaluations each\n")
    print(summary_table(summary) + "\n")
    _print_bench_outcome(summary, args.out)
    return 0


def _print_bench_outcome(summary, out_dir: str) -> None:
    """The benchmark's outcome in a few lines (the report's opening paragraph), then the files written."""
    import textwrap

    from .benchmarking.report import headline

    print(textwrap.fill(headline(summary), width=100))
    print(f"\nreport: {os.path.join(out_dir, 'report.md')}")
    for png in sorted(f for f in os.listdir(out_dir) if f.endswith(".png")):
        print(f"plot:   {os.path.join(out_dir, png)}")


#: The exit status when the reader of standard output goes away (``hpo export ... | head``): 128 + SIGPIPE,
#: what the shell reports for a Unix tool that SIGPIPE ended.
EXIT_BROKEN_PIPE = 141


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``hpo`` console script.

    When the reader of standard output goes away (``hpo export DB STUDY | head``),
    the command stops quietly, as Unix tools do, with status
    :data:`EXIT_BROKEN_PIPE` (141).
    """
    try:
        status = _main(argv)
        sys.stdout.flush()  # inside the try: output still buffered may meet the closed pipe here
        return status
    except BrokenPipeError:
        # Python would report the closed pipe again when it flushes standard output at exit:
        # point the descriptor at /dev/null (as the Python docs advise for SIGPIPE).
        try:
            fd = sys.stdout.fileno()
        except (AttributeError, OSError, ValueError):  # not a real file (a test's capture)
            return EXIT_BROKEN_PIPE
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
        return EXIT_BROKEN_PIPE


def _first_line(doc: str | None) -> str:
    """The first line of a docstring as plain text: reStructuredText's ``literal`` and `role` markup removed."""
    line = (doc or "").strip().splitlines()[0] if (doc or "").strip() else ""
    line = re.sub(r"``([^`]+)``", r"\1", line)
    return re.sub(r"(?::\w+:)?`([^`]+)`", r"\1", line)


def _main(argv: list[str] | None) -> int:
    from . import __version__

    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["bench"]:
        return bench(argv[1:])
    from .strategies import available_strategies, get_strategy_class

    parser = argparse.ArgumentParser(prog="hpo", description="Hyperparameter optimization.")
    parser.add_argument("--version", action="version", version=f"hpo {__version__}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("strategies", help="list the registered strategies")
    sub.add_parser("bench", help="run a benchmark suite (hpo bench --help)", add_help=False)
    show = sub.add_parser("space", help="check a space saved as JSON (Space.to_dict) and print it")
    show.add_argument("path", help="a JSON file written from Space.to_dict()")
    from .analysis.cli import add_parsers as _add_analysis_parsers, run as _run_analysis

    _add_analysis_parsers(sub)  # hpo plot DB STUDY, hpo report DB STUDY
    from .storage.cli import add_parsers as _add_storage_parsers, run as _run_storage

    _add_storage_parsers(sub)  # hpo studies DB, hpo show DB STUDY, hpo export DB STUDY
    args = parser.parse_args(argv)

    if args.command == "strategies":
        names = available_strategies()
        width = max(len(n) for n in names)
        for name in names:
            print(f"{name:<{width}}  {_first_line(get_strategy_class(name).__doc__)}")
        return 0
    if args.command == "space":
        from .spaces import Space

        try:
            with open(args.path) as f:
                space = Space.from_dict(json.load(f))
        except (OSError, ValueError, TypeError, KeyError) as exc:
            print(f"hpo space: {args.path}: {exc}", file=sys.stderr)
            return 2
        print(space)
        return 0
    if args.command in ("plot", "report"):
        return _run_analysis(args)
    if args.command in ("studies", "show", "export"):
        return _run_storage(args)
    parser.print_help()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
