"""The ``hpo`` command."""

from __future__ import annotations

import argparse
import json
import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``hpo`` console script."""
    from . import __version__
    from .strategies import available_strategies, get_strategy_class

    parser = argparse.ArgumentParser(prog="hpo", description="Hyperparameter optimization.")
    parser.add_argument("--version", action="version", version=f"hpo {__version__}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("strategies", help="list the registered strategies")
    show = sub.add_parser("space", help="check a space saved as JSON (Space.to_dict) and print it")
    show.add_argument("path", help="a JSON file written from Space.to_dict()")
    args = parser.parse_args(argv)

    if args.command == "strategies":
        for name in available_strategies():
            doc = (get_strategy_class(name).__doc__ or "").strip().splitlines()[0]
            print(f"{name:12s} {doc}")
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
    parser.print_help()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
