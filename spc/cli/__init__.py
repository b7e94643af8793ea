"""The ``safety-spc`` command line (also ``python -m spc.cli``).

One module per group of commands, each with a ``register(subparsers)`` function: ``data``
(``template``, ``validate``, ``measures``), ``render`` (``render``, and ``demo`` through
``register_demo``), ``digest`` and ``notebooks``.
This module only dispatches.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from spc._version import __version__
from spc.cli.data import register as register_data
from spc.cli.digest import register as register_digest
from spc.cli.notebooks import register as register_notebooks
from spc.cli.render import register as register_render
from spc.cli.render import register_demo


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="safety-spc",
        description="SPC charts and reports for patient safety collaboratives.",
    )
    parser.add_argument("--version", action="version", version=f"safety-spc {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    register_demo(subparsers)
    register_data(subparsers)  # template, validate, measures
    register_render(subparsers)
    register_digest(subparsers)
    register_notebooks(subparsers)
    return parser


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
