"""``hpo studies DB``, ``hpo show DB STUDY`` and ``hpo export DB STUDY``: read a study storage."""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import sys
from typing import Any, TextIO

__all__ = ["add_parsers", "run"]

_COMMANDS = ("studies", "show", "export")


def add_parsers(sub: Any) -> None:
    """Add the storage subcommands to the ``hpo`` parser's subparsers."""
    studies = sub.add_parser("studies", help="list the studies of a storage (SQLite file)")
    studies.add_argument("db", help="the study storage (an SQLite file or sqlite:/// URL)")
    show = sub.add_parser("show", help="print a study's record and its best trials")
    show.add_argument("db", help="the study storage (an SQLite file or sqlite:/// URL)")
    show.add_argument("study", help="the study's name (hpo studies DB lists them)")
    show.add_argument("--top", type=int, default=10, help="how many best trials to print (default 10)")
    export = sub.add_parser("export", help="write a study's trials as CSV or JSON")
    export.add_argument("db", help="the study storage (an SQLite file or sqlite:/// URL)")
    export.add_argument("study", help="the study's name")
    export.add_argument("--format", choices=("csv", "json"), default="csv", help="csv (default) or json")
    export.add_argument("--out", default=None, help="a file to write (default: standard output)")


def run(args: argparse.Namespace) -> int:
    """Run ``hpo studies|show|export``; 0 on success, 2 with a message on stderr otherwise."""
    from .connection import sqlite_path
    from .sqlite import SQLiteStorage

    try:
        path = sqlite_path(args.db)
        if not os.path.isfile(path):  # reading never creates a file
            raise FileNotFoundError(f"{args.db}: no such file")
        with SQLiteStorage(path) as store:
            if args.command == "studies":
                _studies(store, sys.stdout)
            elif args.command == "show":
                _show(store, args.study, args.top, sys.stdout)
            else:
                _export(store, args.study, args.format, args.out)
    except KeyError as exc:
        print(f"hpo {args.command}: {exc.args[0]}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:  # no such file, not a study storage (StorageError), a bad URL
        print(f"hpo {args.command}: {exc}", file=sys.stderr)
        return 2
    return 0


def _time(t: float | None) -> str:
    return "-" if t is None else datetime.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S")


def _number(v: Any) -> str:
    return "-" if v is None else f"{v:.6g}"


def _studies(store: Any, out: TextIO) -> None:
    rows = store.summaries()
    if not rows:
        print(f"no studies in {store.path}", file=out)
        return
    header = ("study", "strategy", "trials", "ok", "failed", "pruned", "running", "abandoned", "best value",
              "created", "ended")
    table = [header] + [
        (r["name"], r["strategy"], str(r["trials"]), str(r["ok"]), str(r["failed"]), str(r["pruned"]),
         str(r["running"]), str(r["abandoned"]), _number(r["best_value"]), _time(r["created"]), _time(r["ended"]))
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip(), file=out)


def _show(store: Any, name: str, top: int, out: TextIO) -> None:
    from . import load_study

    record = store.get_study(name)
    if record is None:
        raise KeyError(f"no study named {name!r} in {store.path}; studies: {store.study_names()}")
    result = load_study(store, name)
    rows = store.trial_rows(name)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.state] = counts.get(r.state, 0) + 1
    sessions = store.sessions(name)
    print(f"study      {record.name}  ({store.path})", file=out)
    print(f"direction  {record.direction}", file=out)
    options = "" if not record.strategy_options else " " + json.dumps(record.strategy_options)
    print(f"strategy   {record.strategy}{options}", file=out)
    print(f"seed       {record.seed}", file=out)
    print(f"created    {_time(record.created)}", file=out)
    print(f"ended      {_time(record.ended)}", file=out)
    print("versions   " + ", ".join(f"{k} {v}" for k, v in record.versions.items()), file=out)
    if record.data is not None:
        data = record.data
        shapes = ", ".join(f"{k.split('_')[0]} {tuple(data[k])}" for k in ("X_shape", "y_shape", "groups_shape")
                           if data.get(k))
        print(f"data       {shapes}, hash {data.get('hash')}", file=out)
    print("trials     " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) + f" ({len(rows)} in all)",
          file=out)
    rerun = sum(r.attempts > 1 for r in rows)
    if rerun:
        print(f"           {rerun} run again after their process died or stopped", file=out)
    ends = {}
    for s in sessions:
        ends[s["end_reason"] or "running"] = ends.get(s["end_reason"] or "running", 0) + 1
    print(f"sessions   {len(sessions)} (" + ", ".join(f"{n} {k}" for k, n in sorted(ends.items())) + ")", file=out)
    for change in record.attrs.get("changes", []):
        print(f"changed    at trial {change['at_trial']}: " + "; ".join(change["differences"]), file=out)
    print("space", file=out)
    for line in repr(result.space).splitlines()[1:-1]:
        print(f"  {line.strip()}", file=out)
    ok = sorted((t for t in result.trials if t.status == "ok"), key=lambda t: (-_budget(t.budget), t.loss))
    if not ok:
        print("no trial succeeded yet", file=out)
        return
    print(f"best {min(top, len(ok))} trials ({record.direction}; largest budget first)", file=out)
    for t in ok[:top]:
        budget = "" if t.budget is None else f"  budget {t.budget:g}"
        config = ", ".join(f"{k}={v!r}" for k, v in t.config.items())
        print(f"  #{t.number:<5} {t.value:<12.6g}{budget}  {config}", file=out)


def _budget(b: Any) -> float:
    return float("inf") if b is None else float(b)


def _export(store: Any, name: str, fmt: str, out_path: str | None) -> None:
    from . import load_study

    record = store.get_study(name)
    if record is None:
        raise KeyError(f"no study named {name!r} in {store.path}; studies: {store.study_names()}")
    result = load_study(store, name)
    records = result.to_records()
    stream = open(out_path, "w", newline="") if out_path else sys.stdout
    try:
        if fmt == "json":
            json.dump({"study": record.to_dict(), "trials": records}, stream, indent=1, default=_plain)
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


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return repr(value)
