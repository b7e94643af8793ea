"""The ``safety-spc`` command line (also ``python -m spc.cli``).

One module per group of commands, each with a ``register(subparsers)`` function: ``data``
(``template``, ``validate``, ``measures``), ``render`` (``render``, and ``demo`` through
``register_demo``), ``digest`` and ``notebooks``.
This module dispatches, and makes sure no command ever ends in a Python traceback: Ctrl-C is
one line and exit status 130; an error of ours (a bug) is one line saying where the full
traceback was written, exit status 70.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import traceback
from collections.abc import Sequence

from spc._version import __version__


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand registered."""
    # The commands' modules (pandas, the engine) load here, not with this module: a render's
    # worker processes start by importing the ``safety-spc`` script (multiprocessing's spawn),
    # so what it imports at the top, every worker pays for (0.8 s of a core each).
    from spc.cli.data import register as register_data
    from spc.cli.digest import register as register_digest
    from spc.cli.notebooks import register as register_notebooks
    from spc.cli.render import register as register_render
    from spc.cli.render import register_demo

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
    try:
        parser = build_parser()
    except KeyboardInterrupt:  # Ctrl-C while the commands load: no traceback either
        print("\nsafety-spc: interrupted (Ctrl-C)", file=sys.stderr)
        return 130
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
    except KeyboardInterrupt:
        print(f"\nsafety-spc {args.command}: interrupted (Ctrl-C)", file=sys.stderr)
        return 130
    except MemoryError:
        print(
            f"safety-spc {args.command}: ran out of memory; close other programs or check "
            "fewer files at a time",
            file=sys.stderr,
        )
        return 1
    except OSError as exc:
        # the disk filled up, a folder became unwritable mid-way: the system's words suffice
        where = f" ({exc.filename})" if exc.filename else ""
        log = _write_log(str(args.command), exc)
        print(
            f"safety-spc {args.command}: {exc.strerror or exc}{where}"
            + (f"; details in {log}" if log else ""),
            file=sys.stderr,
        )
        return 1
    except Exception as exc:
        return internal_error(str(args.command), exc)
    return status


def _write_log(command: str, exc: BaseException) -> str | None:
    """Write ``exc``'s traceback to a new log file; its path, or None if it cannot be."""
    detail = "".join(traceback.format_exception(exc))
    try:
        fd, log = tempfile.mkstemp(prefix="safety-spc-error-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"safety-spc {__version__} {command}, {dt.datetime.now():%Y-%m-%d %H:%M:%S}\n")
            fh.write(f"argv: {sys.argv!r}\n\n{detail}")
    except OSError:
        return None
    return log


def internal_error(command: str, exc: BaseException) -> int:
    """Report an unexpected error in one line and write the traceback to a log file."""
    log = _write_log(command, exc)
    where = f"the full log is in {log}" if log else "the log could not be written"
    first = str(exc).splitlines()[0] if str(exc) else ""
    print(
        f"safety-spc {command}: internal error ({type(exc).__name__}: {first[:200]}); this is "
        f"a bug in safety-spc, not in your data. {where[0].upper()}{where[1:]}: please send it "
        "with a note of what you ran.",
        file=sys.stderr,
    )
    return 70


if __name__ == "__main__":
    sys.exit(main())
