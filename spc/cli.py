"""The ``safety-spc`` command line.

Each group of subcommands lives next to the code it drives and registers itself here through a
``register(subparsers)`` function, so this module stays a thin dispatcher.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from spc._version import __version__
from spc.io import register as _register_data


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="safety-spc",
        description="SPC charts and reports for patient safety collaboratives.",
    )
    parser.add_argument("--version", action="version", version=f"safety-spc {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    _register_demo(subparsers)
    _register_data(subparsers)
    return parser


def _register_demo(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser("demo", help="compute the example charts and print a summary")
    demo.set_defaults(func=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from spc.demo import run_demo

    return run_demo()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``safety-spc`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
