"""``hpo studies DB``, ``hpo show DB STUDY`` and ``hpo export DB STUDY``: read a study storage."""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import math
import sys
import time
from typing import Any, TextIO

from .._cli_common import printable, quiet_to_params_warning

__all__ = ["add_parsers", "run"]


def _at_least_one(text: str) -> int:
    """argparse type of ``--top``: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_parsers(sub: Any) -> None:
    """Add the storage subcommands to the ``hpo`` parser's subparsers."""
    studies = sub.add_parser("studies", help="list the studies of a storage (SQLite file)")
    studies.add_argument("db", help="the study storage (an SQLite file or sqlite:/// URL)")
    show = sub.add_parser("show", help="print a study's record and its best trials")
    show.add_argument("db", help="the study storage (an SQLite file or sqlite:/// URL)")
    show.add_argument("study", help="the study's name (hpo studies DB lists them)")
    show.add_argument("--top", type=_at_least_one, default=10, help="how many best trials to print (default 10)")
    export = sub.add_parser("export", help="write a study's trials as CSV or JSON")
    export.add_argument("db", help="the study storage (an SQLite file or sqlite:/// URL)")
    export.add_argument("study", help="the study's name")
    export.add_argument("--format", choices=("csv", "json"), default="csv", help="csv (default) or json")
    export.add_argument("--out", default=None, help="a file to write (default: standard output)")


def run(args: argparse.Namespace) -> int:
    """Run ``hpo studies|show|export``; 0 on success, 2 with a message on stderr otherwise.

    The file is opened read-only: nothing in it, or beside it, changes.
    """
    from .connection import sqlite_path
    from .sqlite import SQLiteStorage

    try:
        with SQLiteStorage(sqlite_path(args.db), readonly=True) as store, quiet_to_params_warning():
            if args.command == "studies":
                _studies(store, sys.stdout)
            elif args.command == "show":
                _show(store, args.study, args.top, sys.stdout)
            else:
                _export(store, args.study, args.format, args.out)
    except BrokenPipeError:
        raise  # the reader of standard output went away: hpo.cli.main ends quietly
    except KeyError as exc:
        print(f"hpo {args.command}: {printable(exc.args[0])}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:  # no such file, not a study storage (StorageError), a bad URL
        print(f"hpo {args.command}: {printable(str(exc))}", file=sys.stderr)
        return 2
    return 0


def _time(t: float | None) -> str:
    return "-" if t is None else datetime.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S")


def _number(v: Any) -> str:
    return "-" if v is None else f"{v:.6g}"


def _studies(store: Any, out: TextIO) -> None:
    rows = store.summaries()
    if not rows:
        print(f"no studies in {printable(store.path)}", file=out)
        return
    header = ("study", "strategy", "trials", "ok", "failed", "pruned", "running", "abandoned", "best value",
              "created", "ended")
    table = [header]
    for r in rows:
        gone = _running_without_process(store, r["name"]) if r["running"] else 0
        table.append((printable(r["name"]), printable(r["strategy"]), str(r["trials"]), str(r["ok"]), str(r["failed"]),
                      str(r["pruned"]), str(r["running"] - gone), str(r["abandoned"] + gone),
                      _number(r["best_value"]), _time(r["created"]), _time(r["ended"])))
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip(), file=out)


def _running_without_process(store: Any, name: str, sessions: list | None = None) -> int:
    """How many trials of study ``name`` are stored as running by a session whose process is gone.

    They are shown as abandoned, which the next process on the study makes them (this is a read).
    """
    from .sessions import session_status

    sessions = store.sessions(name) if sessions is None else sessions
    gone = {s["id"] for s in sessions if session_status(s) != "running"}
    return sum(r.session in gone for r in store.trial_rows(name, ["running"])) if gone else 0


def _show(store: Any, name: str, top: int, out: TextIO) -> None:
    from ..strategies.base import config_key
    from ..trial import budget_rank
    from . import load_study
    from .sessions import session_status

    record = store.get_study(name)
    if record is None:
        raise KeyError(f"no study named {name!r} in {store.path}; studies: {store.study_names()}")
    result = load_study(store, name)
    rows = store.trial_rows(name)
    sessions = store.sessions(name)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.state] = counts.get(r.state, 0) + 1
    gone = _running_without_process(store, name, sessions) if counts.get("running") else 0
    if gone:
        counts["running"] -= gone
        counts["abandoned"] = counts.get("abandoned", 0) + gone
    counts = {state: n for state, n in counts.items() if n}
    print(f"study      {printable(record.name)}  ({printable(store.path)})", file=out)
    print(f"direction  {printable(record.direction)}", file=out)
    options = "" if not record.strategy_options else " " + json.dumps(record.strategy_options)
    print(f"strategy   {printable(record.strategy)}{options}", file=out)
    print(f"seed       {printable(record.seed)}", file=out)
    print(f"created    {_time(record.created)}", file=out)
    print(f"ended      {_time(record.ended)}", file=out)
    print("versions   " + ", ".join(f"{printable(k)} {printable(v)}" for k, v in record.versions.items()), file=out)
    if record.data is not None:
        data = record.data
        shapes = ", ".join(f"{k.split('_')[0]} {tuple(data[k])}" for k in ("X_shape", "y_shape", "groups_shape")
                           if data.get(k))
        print(f"data       {shapes}, hash {printable(data.get('hash'))}", file=out)
    print("trials     " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) + f" ({len(rows)} in all)",
          file=out)
    rerun = sum(r.attempts > 1 for r in rows)
    if rerun:
        print(f"           {rerun} run again after their process died or stopped", file=out)
    ends: dict[str, int] = {}
    now = time.time()
    for s in sessions:
        status = session_status(s, now)
        ends[status] = ends.get(status, 0) + 1
    print(f"sessions   {len(sessions)} (" + ", ".join(f"{n} {printable(k)}" for k, n in sorted(ends.items())) + ")",
          file=out)
    for change in record.attrs.get("changes", []):
        print(f"changed    at trial {change['at_trial']}: " + "; ".join(map(printable, change["differences"])),
              file=out)
    print("space", file=out)
    lines = repr(result.space).splitlines()
    if lines[-1].startswith("}, to_params="):  # the mapping form ends with its to_params
        lines.insert(-1, lines[-1][len("}, "):-1] + ",")
    for line in lines[1:-1]:
        print(f"  {printable(line.strip())}", file=out)
    ok = sorted((t for t in result.trials if t.status == "ok"), key=lambda t: (-budget_rank(t.budget), t.loss))
    if not ok:
        print("no trial succeeded yet", file=out)
        return
    seen: set = set()
    keys = [config_key(t.config) for t in ok]
    best = [t for t, key in zip(ok, keys) if not (key in seen or seen.add(key))]  # each at its largest budget
    print(f"best {min(top, len(best))} distinct configurations ({printable(record.direction)}; largest budget first)",
          file=out)
    for t in best[:top]:
        budget = "" if t.budget is None else f"  budget {t.budget:g}"
        config = ", ".join(f"{printable(k)}={v!r}" for k, v in t.config.items())
        print(f"  #{t.number:<5} {t.value:<12.6g}{budget}  {config}", file=out)


def _export(store: Any, name: str, fmt: str, out_path: str | None) -> None:
    from . import load_study

    record = store.get_study(name)
    if record is None:
        raise KeyError(f"no study named {name!r} in {store.path}; studies: {store.study_names()}")
    result = load_study(store, name)
    records = result.to_records()
    stream = open(out_path, "w", newline="") if out_path else sys.stdout
    try:
        if fmt == "json":  # standard JSON: NaN and infinities (in metrics, say) become null
            json.dump(_strict({"study": record.to_dict(), "trials": records}), stream, indent=1, default=_plain,
                      allow_nan=False)
            stream.write("\n")
        else:
            columns: dict[str, None] = {}
            for r in records:
                columns.update(dict.fromkeys(r))
            writer = csv.DictWriter(stream, fieldnames=list(columns), lineterminator="\n")
            writer.writeheader()
            for r in records:
                writer.writerow({k: json.dumps(v) if isinstance(v, (tuple, list, dict)) else v for k, v in r.items()})
    finally:
        if out_path:
            stream.close()


def _strict(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by None (JSON has no such numbers)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return _strict(value.item())
    return repr(value)
