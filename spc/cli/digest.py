"""``safety-spc digest``: what changed in the collaborative between two months, in the terminal.

Renders no reports: the data are loaded once, judged as they stood at the end of each month
(``spc.report.digest.as_of``) and the digest of ``spc.report.digest`` is printed as text (or
CSV). ``safety-spc render`` writes the same digest next to ``index.html`` after each render.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from spc.errors import SPCError, SPCWarning


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``safety-spc digest`` to the command line."""
    p = subparsers.add_parser(
        "digest",
        help="print what changed between two months (new signals, ended signals, overdue data)",
        description="Judge the collaborative as it stood at the end of --from and of --to and "
        "print what changed: new special-cause signals, signals that ended, assurance against "
        "targets, teams whose latest month is overdue, new gaps. Concerns first, then "
        "improvements, then the rest. Without --data, the synthetic example collaborative.",
    )
    p.add_argument("--data", nargs="+", metavar="PATH", help="data files or folders")
    p.add_argument("--from", dest="start", required=True, metavar="YYYY-MM", help="earlier month")
    p.add_argument("--to", dest="end", required=True, metavar="YYYY-MM", help="later month")
    p.add_argument("--measures", nargs="+", metavar="ID", help="only these measure ids")
    p.add_argument("--rules", default="anhoej", help="signal rules (default anhoej)")
    p.add_argument("--format", choices=("text", "csv"), default="text", help="output format")
    p.set_defaults(func=_cli_digest)


def _cli_digest(args: argparse.Namespace) -> int:
    from spc.report.content import check_rules, collaborative_summary, load_collaborative
    from spc.report.digest import as_of, data_checks, digest, digest_text

    try:
        check_rules(args.rules)
        data = load_collaborative(args.data, None)
        frames = {}
        for month in (args.start, args.end):
            snapshot = as_of(data, month)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SPCWarning)
                frames[month] = (
                    collaborative_summary(snapshot, args.measures, args.rules),
                    data_checks(snapshot, month),
                )
    except SPCError as exc:
        print(f"safety-spc digest: {exc}", file=sys.stderr)
        return 2
    (before, checks_before), (after, checks_after) = frames[args.start], frames[args.end]
    result = digest(before, after, checks_before, checks_after)
    if args.format == "csv":
        result.to_csv(sys.stdout, index=False)
    else:
        sys.stdout.write(digest_text(result, f"What changed from {args.start} to {args.end}"))
    return 0
