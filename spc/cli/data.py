"""``safety-spc template``, ``validate`` and ``measures``: the data layer's commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from spc.data.templates import TEMPLATES
from spc.errors import SPCError, did_you_mean

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``template``, ``validate`` and ``measures`` subcommands to the CLI."""
    t = subparsers.add_parser(
        "template",
        help="write a data-entry template (CSV or Excel)",
        description="Write a data-entry template. NAME is one of: " + ", ".join(TEMPLATES),
    )
    t.add_argument("name", nargs="?", metavar="NAME", help="template name")
    t.add_argument(
        "--format",
        choices=("xlsx", "csv"),
        default=None,
        help="file format (default: from -o's suffix, else xlsx)",
    )
    t.add_argument("-o", "--output", metavar="PATH", help="where to write (default NAME.FORMAT)")
    t.add_argument("--list", action="store_true", help="list the templates and exit")
    t.add_argument("--force", action="store_true", help="overwrite an existing file")
    t.add_argument(
        "--all",
        action="store_true",
        help="write every template as CSV and XLSX into the folder -o (default "
        "templates), overwriting: regenerates the repository's templates/",
    )
    t.set_defaults(func=_cli_template)

    v = subparsers.add_parser(
        "validate",
        help="check data files and print a report (writes nothing)",
        description="Check data files against the templates. Prints every problem with file, "
        "row and column; exits 1 when there are errors. Nothing is written. A folder is read "
        "as its data files (other files in it are skipped with a note).",
    )
    v.add_argument("files", nargs="+", metavar="FILE_OR_FOLDER")
    v.add_argument(
        "--month-first",
        action="store_true",
        help="read 04/01/2024 as 1 April (US order); default is day first",
    )
    v.add_argument(
        "--measures", metavar="TOML", action="append", help="extra measures file (may be repeated)"
    )
    v.set_defaults(func=_cli_validate)

    m = subparsers.add_parser("measures", help="list the measures catalogue")
    m.add_argument(
        "--measures", metavar="TOML", action="append", help="extra measures file (may be repeated)"
    )
    m.add_argument("--topic", help="only this topic (falls, pressure_ulcers, vte, ...)")
    m.set_defaults(func=_cli_measures)


def _cli_template(args: argparse.Namespace) -> int:
    from spc.data.template_files import write_all_templates, write_template

    if args.all:
        for p in write_all_templates(args.output or "templates"):
            print(f"wrote {p}")
        return 0
    if args.list or not args.name:
        for spec in TEMPLATES.values():
            print(f"{spec.name:20s} {spec.title} (one row = {spec.row_is})")
        if not args.list:
            print(
                "\nusage: safety-spc template NAME [--format xlsx|csv] [-o PATH]", file=sys.stderr
            )
            return 2
        return 0
    if args.name not in TEMPLATES:
        hint = did_you_mean(args.name, TEMPLATES)
        print(
            f"error: unknown template {args.name!r}{hint}; choose one of {', '.join(TEMPLATES)}",
            file=sys.stderr,
        )
        return 2
    try:
        path = write_template(args.name, args.output, args.format, overwrite=args.force)
    except SPCError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


def _measures_files_problem(paths: list[str] | None) -> str | None:
    """Why a --measures path cannot be a measures file (checked before reading it)."""
    for extra in paths or []:
        if Path(extra).is_dir():
            return f"--measures {extra} is a folder, not a TOML file"
    return None


def _cli_validate(args: argparse.Namespace) -> int:
    from spc.data.tidy import validate  # pandas: imported only by the commands that need it

    problem = _measures_files_problem(args.measures)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    try:
        report = validate(args.files, dayfirst=not args.month_first, measures_file=args.measures)
    except SPCError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(report)
    return 0 if report.ok else 1


def _cli_measures(args: argparse.Namespace) -> int:
    import pandas as pd

    from spc.data.catalogue import measures

    problem = _measures_files_problem(args.measures)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    try:
        table = measures(args.measures)
    except SPCError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.topic:
        table = table[table["topic"] == args.topic]
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        print(table[["title", "topic", "type", "chart", "improvement", "target"]].to_string())
    return 0
