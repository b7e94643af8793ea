"""``safety-spc render``: a report for every team plus the collaborative overview.

The driver validates the data once, checks the notebook parameters with
``papermill.inspect_notebook`` before anything starts, runs ``notebooks/team_report.ipynb``
for every team and ``notebooks/collaborative_overview.ipynb`` once (``spc.render.batch``),
and writes ``index.html`` and ``summary.csv``. Teams whose own rows have data errors still get
a page saying what is wrong; they are left out of the overview and the summary. The notebooks
are the ones that ship with the package (``spc._resources``), so an installed wheel renders
outside any clone. The command line is ``spc.cli.render``.
"""

from __future__ import annotations

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
from spc._resources import resource_dir
from spc._version import __version__
from spc.data.catalogue import get_measure
from spc.data.chart_settings import ChartSettings, read_chart_settings
from spc.data.problems import DataValidationError
from spc.data.tidy import team_names, validate
from spc.errors import SPCError, SPCWarning
from spc.render.batch import RenderTask, TaskOutcome, hash_inputs, run_tasks, start_pool
from spc.render.pages import PageEntry, index_page, slugify
from spc.report.content import (
    DEFAULT_RULES,
    check_rules,
    collaborative_summary,
    data_files,
    load_collaborative,
)
from spc.report.display import grid_html

__all__ = [
    "FORMATS",
    "OVERVIEW_NOTEBOOK",
    "TEAM_NOTEBOOK",
    "RenderConfig",
    "RenderResult",
    "check_parameters",
    "render_collaborative",
]

PACKAGE_DIR = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = resource_dir("notebooks")
TEAM_NOTEBOOK = NOTEBOOK_DIR / "team_report.ipynb"
OVERVIEW_NOTEBOOK = NOTEBOOK_DIR / "collaborative_overview.ipynb"
FORMATS = ("html", "ipynb", "pdf")
OVERVIEW_TASK = "Collaborative overview"


@dataclass(frozen=True)
class RenderConfig:
    """Everything one render needs, after the arguments have been checked.

    ``paths``: the data files (change log included); ``teams``: the teams to render;
    ``settings_files``/``settings``: the chart settings file (if any) and what it holds;
    ``overview_notebook``: None for team reports only.
    """

    paths: list[Path]
    teams: list[str]
    settings_files: list[Path]
    settings: ChartSettings
    out: Path
    measures: Sequence[str] | None
    rules: str
    targets: dict[str, float] | None
    workers: int
    formats: Sequence[str]
    force: bool
    dask_scheduler: str | None
    progress: bool
    team_notebook: Path
    overview_notebook: Path | None
    timeout: float

    def parameters(self) -> dict[str, Any]:
        """The notebook parameters every report shares."""
        return {
            "data_paths": [str(p) for p in self.paths],
            "measures": list(self.measures or []),
            "rules": self.rules,
            "change_log": "",
            "targets": dict(self.targets or {}),
            "chart_settings": str(self.settings_files[0]) if self.settings_files else "",
        }


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
    config = RenderConfig(
        paths=paths,
        teams=all_teams,
        settings_files=settings_files,
        settings=settings,
        out=out,
        measures=measures,
        rules=rules,
        targets=targets,
        workers=workers,
        formats=formats,
        force=force,
        dask_scheduler=dask_scheduler,
        progress=progress,
        team_notebook=team_notebook,
        overview_notebook=overview_notebook if overview else None,
        timeout=timeout,
    )
    try:
        return _render(config, pool)
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
    check_rules(rules)
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


def _render(config: RenderConfig, pool: Any) -> RenderResult:
    """Load and check the data, run every report, then write summary.csv and index.html."""
    try:  # one load validates everything; only when it fails is each team checked alone
        data: pd.DataFrame | None = load_collaborative(config.paths)
        broken: dict[str, list[str]] = {}
    except DataValidationError:
        data, broken = None, _broken_teams(config.paths, config.teams)
    good = [t for t in config.teams if t not in broken]
    tasks = _tasks(config, good)
    summary = pd.DataFrame()
    if good:
        if data is None:
            data = load_collaborative(config.paths, teams=good)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SPCWarning)
            summary = collaborative_summary(
                data[data["team"].isin(good)],
                config.measures,
                config.rules,
                config.targets,
                config.settings,
            )
    outcomes = _run(config, tasks, summary, good, pool)
    for outcome in outcomes:
        if outcome.name in broken and outcome.status == "failed":
            outcome.extra["data_errors"] = broken[outcome.name]
    _finish_formats(config, outcomes)
    write_atomic(config.out / "summary.csv", summary.to_csv(index=False))
    _write_index(config.out, outcomes, summary, broken)
    return RenderResult(config.out, outcomes, summary, sorted(broken))


def _tasks(config: RenderConfig, good: list[str]) -> list[RenderTask]:
    """The overview (first: the longest task, to overlap) and one report per team, each with
    the hash of everything its output depends on; parameters are checked against each
    notebook before anything runs."""
    common = config.parameters()
    team_params = {**common, "team": "", "period_start": "", "period_end": "", "interactive": False}
    overview_params = {**common, "teams": good, "funnel_period": ""}
    check_parameters(config.team_notebook, team_params)
    overview = config.overview_notebook
    if overview is not None:
        check_parameters(overview, overview_params)
    inputs = [*config.paths, *config.settings_files]
    source = _source_hash()
    tasks = []
    if good and overview is not None:
        tasks.append(
            RenderTask(
                name=OVERVIEW_TASK,
                notebook=str(overview),
                parameters=overview_params,
                ipynb="overview.ipynb",
                html="overview.html",
                title=OVERVIEW_TASK,
                input_hash=hash_inputs(overview_params, source, files=[overview, *inputs]),
                timeout=config.timeout,
                cwd=str(overview.parent),
            )
        )
    notebook = config.team_notebook
    for team in config.teams:
        slug = slugify(team)
        params = {**team_params, "team": team}
        tasks.append(
            RenderTask(
                name=team,
                notebook=str(notebook),
                parameters=params,
                ipynb=f"teams/{slug}.ipynb",
                html=f"teams/{slug}.html",
                title=f"Patient safety measures: {team}",
                input_hash=hash_inputs(params, source, files=[notebook, *inputs]),
                timeout=config.timeout,
                cwd=str(notebook.parent),
            )
        )
    return tasks


def _run(
    config: RenderConfig,
    tasks: list[RenderTask],
    summary: pd.DataFrame,
    good: list[str],
    pool: Any,
) -> list[TaskOutcome]:
    """Run the tasks with a progress bar counted in charts (a team's measures)."""
    per_team = summary.groupby("team").size().to_dict() if len(summary) else {}
    total = sum(per_team.get(t, 1) for t in config.teams) + (1 if good else 0)
    bar = _progress(total, config.progress)

    def done(outcome: TaskOutcome) -> None:
        if bar is not None:
            bar.update(per_team.get(outcome.name, 1))
            bar.set_postfix_str(f"{outcome.name[:20]}: {outcome.status}")

    outcomes = run_tasks(
        tasks,
        config.out,
        workers=config.workers,
        force=config.force,
        dask_scheduler=config.dask_scheduler,
        on_done=done,
        pool=pool,
    )
    if bar is not None:
        bar.close()
    return outcomes


def _finish_formats(config: RenderConfig, outcomes: list[TaskOutcome]) -> None:
    """PDFs of the pages when asked for; executed notebooks removed when not."""
    out = config.out
    if "pdf" in config.formats:
        for outcome in outcomes:
            if outcome.status in ("rendered", "unchanged") and outcome.html:
                error = _to_pdf(out / outcome.html)
                if error:
                    outcome.extra["pdf"] = error
    if "ipynb" not in config.formats:
        for outcome in outcomes:
            if outcome.status != "failed" and outcome.ipynb:
                (out / outcome.ipynb).unlink(missing_ok=True)
                outcome.ipynb = None


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="chart", desc="Rendering", file=sys.stderr)


def _write_index(
    out: Path, outcomes: list[TaskOutcome], summary: pd.DataFrame, broken: dict[str, list[str]]
) -> None:
    entries = []
    overview_html = None
    for o in outcomes:
        if o.name == OVERVIEW_TASK:
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
