"""The ``safety-spc`` command line.

Each group of subcommands lives next to the code it drives and registers itself here through a
``register(subparsers)`` function, so this module stays a thin dispatcher.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from spc._version import __version__
from spc.cli.data import register as _register_data


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
    _register_render(subparsers)
    return parser


def _register_demo(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser(
        "demo", help="render the synthetic example collaborative's reports into reports/"
    )
    demo.add_argument("--out", default="reports", help="output folder (default reports)")
    demo.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    demo.set_defaults(func=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from spc.render.collaborative import print_table, render_collaborative

    print("Rendering the synthetic example collaborative (12 wards, 36 months)...")
    result = render_collaborative(None, args.out, workers=args.workers)
    print_table(result)
    return result.exit_code


def _register_render(subparsers: argparse._SubParsersAction) -> None:
    from spc.render.collaborative import register

    register(subparsers)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``safety-spc`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``safety-spc validate ... | head``): that is not
        # an error of ours. Point stdout at devnull so the interpreter's final
        # flush cannot raise again, and exit as a shell would after SIGPIPE.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + 13
    return status


if __name__ == "__main__":
    sys.exit(main())
