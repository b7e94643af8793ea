"""``safety-spc demo`` and ``safety-spc render``: reports for every team and the overview.

The renderer (``spc.render.collaborative``) is imported only when a command runs, so the other
commands start quickly.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from spc.errors import SPCError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from spc.render.collaborative import RenderResult

__all__ = ["print_table", "register", "register_demo"]


def register_demo(subparsers: argparse._SubParsersAction) -> None:
    """Add ``safety-spc demo`` to the command line."""
    demo = subparsers.add_parser(
        "demo", help="render the synthetic example collaborative's reports into reports/"
    )
    demo.add_argument("--out", default="reports", help="output folder (default reports)")
    demo.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    demo.set_defaults(func=_run_demo)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``safety-spc render`` to the command line."""
    p = subparsers.add_parser(
        "render",
        help="render a report for every team and the collaborative overview",
        description="Run the team report notebook for every team and the overview notebook, "
        "in parallel, and write HTML (without code), executed notebooks, index.html and "
        "summary.csv. Without --data, the synthetic example collaborative is used.",
    )
    p.add_argument(
        "--data",
        nargs="+",
        metavar="PATH",
        help="data files (CSV/XLSX templates), or folders of them (other files are skipped)",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--teams", nargs="+", metavar="TEAM", help="only these teams")
    p.add_argument("--measures", nargs="+", metavar="ID", help="only these measure ids")
    p.add_argument(
        "--rules", default=None, help="signal rules: anhoej, ihi, mdc or western_electric"
    )
    p.add_argument("--change-log", metavar="PATH", help="change/PDSA log CSV")
    p.add_argument(
        "--chart-settings",
        metavar="PATH",
        help="chart settings JSON saved from the explorer (each team's baseline, "
        "excluded points and target)",
    )
    p.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="MEASURE=VALUE",
        help="target for a measure for every team, overriding the catalogue, e.g. "
        "--target falls_per_1000_obd=5 (repeatable)",
    )
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument(
        "--format",
        default="html,ipynb",
        help="comma-separated: html, ipynb, pdf (default html,ipynb)",
    )
    p.add_argument(
        "--dask-scheduler",
        metavar="ADDRESS",
        help="run on an existing Dask cluster, e.g. tcp://host:8786",
    )
    p.add_argument("--force", action="store_true", help="re-render even unchanged reports")
    p.add_argument(
        "--no-overview", action="store_true", help="team reports only (no collaborative overview)"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--as-of",
        metavar="YYYY-MM",
        help="render the collaborative as it stood at the end of this month (the digest of "
        "what changed then compares two months, e.g. a render --as-of 2024-02 and then 2024-03)",
    )
    p.set_defaults(func=_cli_render)


def _parse_targets(items: Sequence[str]) -> dict[str, float]:
    """``["falls_per_1000_obd=5"]`` -> ``{"falls_per_1000_obd": 5.0}``, raising on bad items."""
    targets = {}
    for item in items:
        measure_id, sep, value = item.partition("=")
        try:
            if not sep or not measure_id.strip():
                raise ValueError
            targets[measure_id.strip()] = float(value)
        except ValueError:
            raise SPCError(
                f"--target {item!r}: write MEASURE=NUMBER, e.g. --target falls_per_1000_obd=5"
            ) from None
    return targets


def _preload(workers: int, dask_scheduler: str | None = None) -> None:
    """Start loading what the workers import at once, on the core that is otherwise idle
    while this process imports the renderer and checks the data (it renders nothing)."""
    if workers > 1 and not dask_scheduler:
        from spc.render.workers import preload

        preload()


def _cli_render(args: argparse.Namespace) -> int:
    _preload(args.workers, args.dask_scheduler)
    from spc.data.problems import DataValidationError
    from spc.render.batch import RenderInterrupted
    from spc.render.collaborative import render_collaborative
    from spc.report.content import DEFAULT_RULES

    try:
        targets = _parse_targets(args.target)
        result = render_collaborative(
            args.data,
            args.out,
            teams=args.teams,
            measures=args.measures,
            rules=args.rules or DEFAULT_RULES,
            change_log=args.change_log,
            targets=targets,
            chart_settings=args.chart_settings,
            workers=args.workers,
            formats=[f.strip() for f in args.format.split(",") if f.strip()],
            force=args.force,
            dask_scheduler=args.dask_scheduler,
            progress=not args.no_progress,
            overview=not args.no_overview,
            as_of=args.as_of,
        )
    except (SPCError, DataValidationError) as exc:
        print(f"safety-spc render: {exc}", file=sys.stderr)
        return 2
    except RenderInterrupted as stop:
        return _interrupted(stop)
    _print_notes(result)
    print_table(result)
    return result.exit_code


def _interrupted(stop: Any) -> int:
    """After Ctrl-C: what finished, where the index is, exit status 130."""
    result = stop.result
    if result is None:
        print("\nsafety-spc render: interrupted (Ctrl-C)", file=sys.stderr)
        return 130
    done = [o for o in result.outcomes if o.status in ("rendered", "unchanged", "failed")]
    print_table(result)
    print(
        f"\nsafety-spc render: interrupted (Ctrl-C); {len(done)} of {len(result.outcomes)} "
        "report(s) finished and index.html lists them. Run the same command again to render "
        "the rest (finished reports are not rendered again).",
        file=sys.stderr,
    )
    return 130


def _print_notes(result: RenderResult) -> None:
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)


def _run_demo(args: argparse.Namespace) -> int:
    _preload(args.workers)
    from spc.render.batch import RenderInterrupted
    from spc.render.collaborative import render_collaborative

    print("Rendering the synthetic example collaborative (12 wards, 36 months)...")
    try:
        result = render_collaborative(None, args.out, workers=args.workers)
    except SPCError as exc:
        print(f"safety-spc demo: {exc}", file=sys.stderr)
        return 2
    except RenderInterrupted as stop:
        return _interrupted(stop)
    print_table(result)
    return result.exit_code


def print_table(result: RenderResult) -> None:
    """The final table: what was rendered, what warned and what failed."""
    rows = [
        (
            o.name,
            o.status,
            f"{o.seconds:.1f}s",
            (o.error or "; ".join(o.extra.get("data_errors", [])) or o.extra.get("pdf", ""))[:90],
        )
        for o in result.outcomes
    ]
    width = max(len(r[0]) for r in rows) if rows else 10
    print(f"\n{'report':<{width}}  {'status':<10} {'time':>6}  message")
    for name, status, secs, msg in rows:
        print(f"{name:<{width}}  {status:<10} {secs:>6}  {msg}")
    counts = Counter(o.status for o in result.outcomes)
    print("\n" + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    if result.kept:
        print(
            f"{len(result.kept)} team page(s) from earlier renders kept and listed in the index "
            "(not in --teams this time); the overview and summary.csv cover them too"
        )
    if result.digest is not None:
        print(result.digest.line())
    print(f"Open {(result.out_dir / 'index.html').resolve()}")
