"""``safety-spc render``: a report for every team plus the collaborative overview.

The driver validates the data once, checks the notebook parameters with
``papermill.inspect_notebook`` before anything starts, runs ``notebooks/team_report.ipynb``
for every team and ``notebooks/collaborative_overview.ipynb`` once (``spc.render.batch``),
and writes ``index.html`` and ``summary.csv``. Teams whose own rows have data errors still get
a page saying what is wrong; they are left out of the overview and the summary.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from spc._files import write_atomic
from spc._version import __version__
from spc.data.catalogue import get_measure
from spc.data.chart_settings import ChartSettings, read_chart_settings
from spc.data.tidy import team_names, validate
from spc.engine.rules import RULES
from spc.errors import SPCError, SPCWarning
from spc.render.batch import RenderTask, TaskOutcome, hash_inputs, run_tasks, start_pool
from spc.render.pages import PageEntry, index_page, slugify
from spc.report.content import DEFAULT_RULES, collaborative_summary, data_files, load_collaborative

PACKAGE_DIR = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = PACKAGE_DIR.parent / "notebooks"
TEAM_NOTEBOOK = NOTEBOOK_DIR / "team_report.ipynb"
OVERVIEW_NOTEBOOK = NOTEBOOK_DIR / "collaborative_overview.ipynb"
FORMATS = ("html", "ipynb", "pdf")


@dataclass
class RenderResult:
    """What a render produced: per-task outcomes, the summary table, where to look."""

    out_dir: Path
    outcomes: list[TaskOutcome]
    summary: pd.DataFrame
    excluded_teams: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[TaskOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def _source_hash() -> str:
    """Hash of the spc package source: a code change re-renders everything."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(PACKAGE_DIR.rglob("*.py")) + sorted(PACKAGE_DIR.rglob("*.toml")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def check_parameters(notebook: Path, parameters: dict[str, Any]) -> None:
    """Raise before any work starts if a parameter is not declared in the notebook.

    papermill only warns about unknown parameters; a typo would silently render defaults.
    """
    import papermill

    declared = set(papermill.inspect_notebook(str(notebook)))
    unknown = sorted(set(parameters) - declared)
    if unknown:
        raise SPCError(
            f"{notebook.name} has no parameter(s) {', '.join(unknown)}; it declares "
            f"{', '.join(sorted(declared))}"
        )


def _broken_teams(paths: list[Path], teams: list[str]) -> dict[str, list[str]]:
    """Teams whose own rows have data errors, with the messages (called when a load of every
    team failed; each team is then validated on its own rows)."""
    report = validate(paths)
    broken = {}
    for team in teams:
        own = validate(paths, teams=[team])
        if not own.ok:
            broken[team] = [str(p) for p in own.errors]
    if not broken:  # errors not tied to any team's rows (e.g. an unreadable file)
        raise SPCError("the data files have errors that affect every team:\n" + str(report))
    return broken


def _to_pdf(html_path: Path) -> str | None:
    """Print an HTML report to PDF with headless Chromium; return an error text or None."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        return "PDF needs Chromium (Debian package 'chromium'); HTML was written"
    pdf = html_path.with_suffix(".pdf")
    tmp = pdf.with_name(f".{pdf.stem}.partial.pdf")
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-pdf-header-footer",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--print-to-pdf={tmp}",
        html_path.resolve().as_uri(),
    ]
    try:
        result = subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    except subprocess.TimeoutExpired:
        tmp.unlink(missing_ok=True)
        return "PDF export failed: Chromium did not finish within 120 s; HTML was written"
    if result.returncode != 0 or not tmp.exists():
        tmp.unlink(missing_ok=True)  # never leave a half-written PDF behind
        return f"PDF export failed: {result.stderr.decode(errors='replace')[-300:]}"
    tmp.replace(pdf)
    return None


def render_collaborative(
    data_paths: Sequence[str | Path] | None,
    out_dir: str | Path,
    *,
    teams: Sequence[str] | None = None,
    measures: Sequence[str] | None = None,
    rules: str = DEFAULT_RULES,
    change_log: str | Path | None = None,
    targets: dict[str, float] | None = None,
    chart_settings: str | Path | None = None,
    workers: int = 2,
    formats: Sequence[str] = ("html", "ipynb"),
    force: bool = False,
    dask_scheduler: str | None = None,
    progress: bool = True,
    team_notebook: Path = TEAM_NOTEBOOK,
    overview_notebook: Path = OVERVIEW_NOTEBOOK,
    timeout: float = 600,
    overview: bool = True,
) -> RenderResult:
    """Render every team's report and the overview into ``out_dir``; see the module doc."""
    bad_formats = sorted(set(formats) - set(FORMATS))
    if bad_formats:
        raise SPCError(
            f"unknown format(s) {', '.join(bad_formats)}; choose from {', '.join(FORMATS)}"
        )
    out = Path(out_dir)
    # Mistakes in the arguments are refused before any worker starts or anything is written.
    paths, all_teams, settings_files, settings = _check_arguments(
        data_paths, teams, measures, rules, change_log, targets, chart_settings
    )
    # Workers start (spawn, imports, kernel) while this process reads and checks the data.
    pool = (
        start_pool(workers, str(team_notebook.parent))
        if workers > 1 and not dask_scheduler
        else None
    )
    try:
        return _render(
            paths,
            all_teams,
            settings_files,
            settings,
            out,
            measures,
            rules,
            targets,
            workers,
            formats,
            force,
            dask_scheduler,
            progress,
            team_notebook,
            overview_notebook if overview else None,
            timeout,
            pool,
        )
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _check_arguments(
    data_paths: Sequence[str | Path] | None,
    teams: Sequence[str] | None,
    measures: Sequence[str] | None,
    rules: str,
    change_log: str | Path | None,
    targets: dict[str, float] | None,
    chart_settings: str | Path | None,
) -> tuple[list[Path], list[str], list[Path], ChartSettings]:
    """The data files, the teams to render, the chart settings file (if any) and its
    settings, after checking every name the user typed; raises :class:`SPCError` naming the
    mistake."""
    if rules not in RULES:
        raise SPCError(f"rules must be one of {', '.join(RULES)} (got {rules!r})")
    paths = [p.resolve() for p in data_files(data_paths, change_log)]
    all_teams = team_names(paths)
    for measure_id in [*(measures or []), *(targets or {})]:
        get_measure(measure_id)  # a typo fails here, naming the nearest id, not in every report
    settings_files: list[Path] = []
    settings = ChartSettings()
    if chart_settings:
        settings_path = Path(chart_settings).resolve()
        settings = read_chart_settings(settings_path)  # read once: the driver uses it too
        settings.check_teams(all_teams)
        settings_files.append(settings_path)
    if teams:
        missing = sorted(set(teams) - set(all_teams))
        if missing:
            raise SPCError(
                f"team(s) {', '.join(missing)} are not in the data; teams: {', '.join(all_teams)}"
            )
        all_teams = [t for t in all_teams if t in set(teams)]
    if not all_teams:
        raise SPCError("the data files name no teams; check the 'ward'/'team' column")
    return paths, all_teams, settings_files, settings


def _render(
    paths: list[Path],
    all_teams: list[str],
    settings_files: list[Path],
    settings: ChartSettings,
    out: Path,
    measures: Sequence[str] | None,
    rules: str,
    targets: dict[str, float] | None,
    workers: int,
    formats: Sequence[str],
    force: bool,
    dask_scheduler: str | None,
    progress: bool,
    team_notebook: Path,
    overview_notebook: Path | None,
    timeout: float,
    pool: Any,
) -> RenderResult:
    from spc.data.problems import DataValidationError

    try:  # one load validates everything; only when it fails is each team checked alone
        data: pd.DataFrame | None = load_collaborative(paths)
        broken: dict[str, list[str]] = {}
    except DataValidationError:
        data, broken = None, _broken_teams(paths, all_teams)
    good = [t for t in all_teams if t not in broken]

    common = {
        "data_paths": [str(p) for p in paths],
        "measures": list(measures or []),
        "rules": rules,
        "change_log": "",
        "targets": dict(targets or {}),
        "chart_settings": str(settings_files[0]) if settings_files else "",
    }
    team_params = {**common, "team": "", "period_start": "", "period_end": "", "interactive": False}
    overview_params = {**common, "teams": good, "funnel_period": ""}
    check_parameters(team_notebook, team_params)
    if overview_notebook is not None:
        check_parameters(overview_notebook, overview_params)

    source = _source_hash()
    tasks = []
    if good and overview_notebook is not None:  # first: the longest task, to overlap
        tasks.append(
            RenderTask(
                name="Collaborative overview",
                notebook=str(overview_notebook),
                parameters=overview_params,
                ipynb="overview.ipynb",
                html="overview.html",
                title="Collaborative overview",
                input_hash=hash_inputs(
                    overview_params, source, files=[overview_notebook, *paths, *settings_files]
                ),
                timeout=timeout,
                cwd=str(overview_notebook.parent),
            )
        )
    for team in all_teams:
        slug = slugify(team)
        params = {**team_params, "team": team}
        tasks.append(
            RenderTask(
                name=team,
                notebook=str(team_notebook),
                parameters=params,
                ipynb=f"teams/{slug}.ipynb",
                html=f"teams/{slug}.html",
                title=f"Patient safety measures: {team}",
                input_hash=hash_inputs(
                    params, source, files=[team_notebook, *paths, *settings_files]
                ),
                timeout=timeout,
                cwd=str(team_notebook.parent),
            )
        )
    summary = pd.DataFrame()
    if good:
        if data is None:
            data = load_collaborative(paths, teams=good)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SPCWarning)
            summary = collaborative_summary(
                data[data["team"].isin(good)], measures, rules, targets, settings
            )

    per_team = summary.groupby("team").size().to_dict() if len(summary) else {}
    bar = _progress(sum(per_team.get(t, 1) for t in all_teams) + (1 if good else 0), progress)

    def done(outcome: TaskOutcome) -> None:
        if bar is not None:
            bar.update(per_team.get(outcome.name, 1))
            bar.set_postfix_str(f"{outcome.name[:20]}: {outcome.status}")

    outcomes = run_tasks(
        tasks,
        out,
        workers=workers,
        force=force,
        dask_scheduler=dask_scheduler,
        on_done=done,
        pool=pool,
    )
    if bar is not None:
        bar.close()
    for outcome in outcomes:
        if outcome.name in broken and outcome.status == "failed":
            outcome.extra["data_errors"] = broken[outcome.name]
    if "pdf" in formats:
        for outcome in outcomes:
            if outcome.status in ("rendered", "unchanged") and outcome.html:
                error = _to_pdf(out / outcome.html)
                if error:
                    outcome.extra["pdf"] = error
    if "ipynb" not in formats:
        for outcome in outcomes:
            if outcome.status != "failed" and outcome.ipynb:
                (out / outcome.ipynb).unlink(missing_ok=True)
                outcome.ipynb = None
    write_atomic(out / "summary.csv", summary.to_csv(index=False))
    _write_index(out, outcomes, summary, broken)
    return RenderResult(out, outcomes, summary, sorted(broken))


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="chart", desc="Rendering", file=sys.stderr)


def _write_index(
    out: Path, outcomes: list[TaskOutcome], summary: pd.DataFrame, broken: dict[str, list[str]]
) -> None:
    from spc.report.display import grid_html

    entries = []
    overview_html = None
    for o in outcomes:
        if o.name == "Collaborative overview":
            overview_html = o.html if o.status != "failed" else None
            if o.status == "failed":
                entries.append(PageEntry(o.name, "failed", o.html, o.ipynb, [o.error]))
            continue
        messages = list(o.extra.get("data_errors", [])) or ([o.error] if o.error else [])
        if "pdf" in o.extra:
            messages.append(o.extra["pdf"])
        entries.append(PageEntry(o.name, o.status, o.html, o.ipynb, messages))
    notes = (
        ["All example data in this collaborative are synthetic."] if _is_example(summary) else []
    )
    if broken:
        notes.append(
            f"{len(broken)} team(s) have data errors and are left out of the overview "
            f"and summary until fixed: {', '.join(sorted(broken))}."
        )
    grid = grid_html(summary) if len(summary) else None
    write_atomic(
        out / "index.html",
        index_page("Patient safety collaborative reports", entries, overview_html, grid, notes),
    )


def _is_example(summary: pd.DataFrame) -> bool:
    return len(summary) > 0 and set(summary["team"]) <= {
        f"{t}-{w}" for t in ("AVN", "BRK", "CRH", "DNM") for w in ("ASH", "ELM", "OAK")
    }


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
    counts = pd.Series([o.status for o in result.outcomes]).value_counts().to_dict()
    print("\n" + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    print(f"Open {(result.out_dir / 'index.html').resolve()}")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``safety-spc render`` to the command line."""
    p = subparsers.add_parser(
        "render",
        help="render a report for every team and the collaborative overview",
        description="Run the team report notebook for every team and the overview notebook, "
        "in parallel, and write HTML (without code), executed notebooks, index.html and "
        "summary.csv. Without --data, the synthetic example collaborative is used.",
    )
    p.add_argument("--data", nargs="+", metavar="PATH", help="data files (CSV/XLSX templates)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--teams", nargs="+", metavar="TEAM", help="only these teams")
    p.add_argument("--measures", nargs="+", metavar="ID", help="only these measure ids")
    p.add_argument(
        "--rules", default=DEFAULT_RULES, help="signal rules: anhoej, ihi, mdc or western_electric"
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


def _cli_render(args: argparse.Namespace) -> int:
    from spc.data.problems import DataValidationError

    try:
        targets = _parse_targets(args.target)
        result = render_collaborative(
            args.data,
            args.out,
            teams=args.teams,
            measures=args.measures,
            rules=args.rules,
            change_log=args.change_log,
            targets=targets,
            chart_settings=args.chart_settings,
            workers=args.workers,
            formats=[f.strip() for f in args.format.split(",") if f.strip()],
            force=args.force,
            dask_scheduler=args.dask_scheduler,
            progress=not args.no_progress,
            overview=not args.no_overview,
        )
    except (SPCError, DataValidationError) as exc:
        print(f"safety-spc render: {exc}", file=sys.stderr)
        return 2
    print_table(result)
    return result.exit_code
