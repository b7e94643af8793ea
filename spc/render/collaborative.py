"""``safety-spc render``: a report for every team plus the collaborative overview.

Everything a user can get wrong is refused before any worker starts, in one message: the
arguments, the output folder (a file, read-only, or in use by another render), an unreachable
Dask scheduler, and data errors that would stop every report (a file that follows no template,
one that cannot be read). Then the driver checks the notebook parameters with
``papermill.inspect_notebook``, runs ``notebooks/team_report.ipynb`` for every team and
``notebooks/collaborative_overview.ipynb`` once (``spc.render.batch``), and writes
``index.html`` and ``summary.csv`` (``spc.render.site``). Teams whose own rows have data errors
still get a page saying what is wrong; teams whose rows hold no figures get a page saying so;
both are left out of the overview and the summary. Ctrl-C stops within seconds and still
writes the index of what finished (:class:`~spc.render.batch.RenderInterrupted`). The
notebooks are the ones that ship with the package (``spc._resources``), so an installed wheel
renders outside any clone. The command line is ``spc.cli.render``.
"""

from __future__ import annotations

import signal
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from spc._files import write_atomic
from spc.data.catalogue import get_measure
from spc.data.chart_settings import ChartSettings, read_chart_settings
from spc.data.problems import DataValidationError
from spc.data.tidy import data_files as template_files
from spc.data.tidy import team_names, validate
from spc.errors import SPCError, SPCWarning
from spc.render.batch import (
    RenderInterrupted,
    RenderTask,
    TaskOutcome,
    load_state,
    run_tasks,
)
from spc.render.changes import Digest, digest_baseline, digest_html, write_digest
from spc.render.output import OutputFolder
from spc.render.pages import no_data_page, slugify
from spc.render.plan import (
    OVERVIEW_NOTEBOOK,
    TEAM_NOTEBOOK,
    RenderConfig,
    check_notebooks,
    check_parameters,
    render_tasks,
)
from spc.render.site import (
    OVERVIEW_TASK,
    earlier_pages,
    finish_formats,
    kept_entry,
    write_index,
    write_summary,
)
from spc.render.site import to_pdf as _to_pdf
from spc.render.workers import preload, start_pool, stop_pool
from spc.report.content import (
    DEFAULT_RULES,
    check_rules,
    collaborative_summary,
    data_files,
    load_collaborative,
)
from spc.report.digest import as_of as as_of_month
from spc.report.digest import month_text

__all__ = [
    "FORMATS",
    "OVERVIEW_NOTEBOOK",
    "TEAM_NOTEBOOK",
    "RenderConfig",
    "RenderResult",
    "_to_pdf",
    "check_parameters",
    "render_collaborative",
]

FORMATS = ("html", "ipynb", "pdf")


@dataclass
class RenderResult:
    """What a render produced: per-task outcomes, the summary table, where to look.

    ``notes`` say what was skipped in the data folders; ``kept`` are the teams whose pages
    from earlier renders stay listed in the index (not in ``--teams`` this time);
    ``interrupted`` is True when Ctrl-C stopped the render (the index lists what finished).
    """

    out_dir: Path
    outcomes: list[TaskOutcome]
    summary: pd.DataFrame
    excluded_teams: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    interrupted: bool = False
    kept: list[str] = field(default_factory=list)
    digest: Digest | None = None

    @property
    def failed(self) -> list[TaskOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        return 1 if self.failed else 0


def _broken_teams(paths: list[Path], teams: list[str]) -> dict[str, list[str]]:
    """Teams whose own rows have data errors, with the messages (called when a load of every
    team failed; each team is then validated on its own rows)."""
    broken = {}
    for team in teams:
        own = validate(paths, teams=[team])
        if not own.ok:
            broken[team] = [str(p) for p in own.errors]
    if not broken:  # errors not tied to any team's rows (e.g. a change log naming no team)
        report = validate(paths)
        raise SPCError("the data files have errors that affect every team:\n" + str(report))
    return broken


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
    no_worker_timeout: float | None = None,
    as_of: str | None = None,
) -> RenderResult:
    """Render every team's report and the overview into ``out_dir``; see the module doc.

    ``as_of`` (``"2024-03"``) renders the collaborative as it stood at the end of that month.
    Each render writes the digest of what changed since the previous one into the folder
    (``spc.render.changes``).

    Raises :class:`SPCError` (nothing started, nothing written) for mistakes a user can fix,
    and :class:`~spc.render.batch.RenderInterrupted` (with ``.result``) after Ctrl-C.
    ``data_paths`` may name folders: their template files are read, the rest skipped.
    """
    bad_formats = sorted(set(formats) - set(FORMATS))
    if bad_formats:
        raise SPCError(
            f"unknown format(s) {', '.join(bad_formats)}; choose from {', '.join(FORMATS)}"
        )
    out = Path(out_dir)
    if as_of:
        as_of = month_text(as_of)  # "2024-3" or a bad month: refused before anything starts
    if out.exists() and not out.is_dir():
        raise SPCError(f"--out {out} is a file, not a folder: give a folder for the reports")
    if workers > 1 and not dask_scheduler:
        preload()  # what the workers import loads on the idle core while the data are checked
    # Mistakes in the arguments and the data are refused before any worker starts or
    # anything is written.
    paths, all_teams, selected, settings_files, settings, notes = _check_arguments(
        data_paths, teams, measures, rules, change_log, targets, chart_settings
    )
    client = None
    if dask_scheduler:
        from spc.render.dask_run import connect

        client = connect(dask_scheduler)  # an unreachable scheduler: one line, in seconds
    try:
        with OutputFolder(out) as folder:
            config = RenderConfig(
                paths=paths,
                teams=selected,
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
                token=folder.token,
                notes=tuple(notes),
                as_of=as_of,
            )
            return _render(config, all_teams, folder, client, no_worker_timeout)
    finally:
        if client is not None:
            from spc.render.dask_run import stop_kernels

            stop_kernels(client)


def _check_file_argument(option: str, path: str | Path | None) -> None:
    if path and Path(path).is_dir():
        raise SPCError(f"{option} {path} is a folder, not a file: give the file itself")


def _check_arguments(
    data_paths: Sequence[str | Path] | None,
    teams: Sequence[str] | None,
    measures: Sequence[str] | None,
    rules: str,
    change_log: str | Path | None,
    targets: dict[str, float] | None,
    chart_settings: str | Path | None,
) -> tuple[list[Path], list[str], list[str], list[Path], ChartSettings, list[str]]:
    """The data files, every team in them, the teams to render, the chart settings file (if
    any) and its settings, and notes on what was skipped in data folders, after checking
    every name the user typed and the data files themselves; raises :class:`SPCError`
    naming the mistake."""
    check_rules(rules)
    _check_file_argument("--change-log", change_log)
    _check_file_argument("--chart-settings", chart_settings)
    given = [p.resolve() for p in data_files(data_paths, change_log)]
    paths, found = template_files(given)
    if not found.ok:
        raise SPCError("the data paths cannot be read:\n" + "\n".join(map(str, found.errors)))
    notes = [str(n) for n in found.notes]
    # Errors in the files themselves (not in any team's rows) would fail every report: say
    # so once, naming the file, before anything starts.
    whole_files = validate(paths, teams=[])
    if not whole_files.ok:
        raise SPCError(
            "the data files have errors that stop every report, so nothing was rendered:\n"
            + "\n".join(f"  {p}" for p in whole_files.errors)
        )
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
    if not all_teams:
        raise SPCError(
            "the data files have no data rows (only column names, or the template's example "
            "row): fill in the teams' rows and render again"
        )
    selected = list(all_teams)
    if teams:
        missing = sorted(set(teams) - set(all_teams))
        if missing:
            raise SPCError(
                f"team(s) {', '.join(missing)} are not in the data; teams: {', '.join(all_teams)}"
            )
        selected = [t for t in all_teams if t in set(teams)]
    return paths, all_teams, selected, settings_files, settings, notes


def _load(paths: list[Path], teams: list[str]) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The data of ``teams`` and the teams whose own rows have errors (with the messages)."""
    try:  # one load validates everything; only when it fails is each team checked alone
        return load_collaborative(paths), {}
    except DataValidationError:
        broken = _broken_teams(paths, teams)
        good = [t for t in teams if t not in broken]
        data = load_collaborative(paths, teams=good) if good else pd.DataFrame()
        return data, broken


def _render(
    config: RenderConfig,
    all_teams: list[str],
    folder: OutputFolder,
    client: Any,
    no_worker_timeout: float | None,
) -> RenderResult:
    """Load and check the data, run every report, then write summary.csv and index.html."""
    out = config.out
    earlier = earlier_pages(out, load_state(out))
    # pages of earlier renders stay listed, and the overview covers them (see spc.render.site)
    others = [t for t in earlier if t not in config.teams and t in all_teams]
    check_notebooks(config)
    # The data are checked (``_check_arguments``): the workers start now, so their kernels
    # warm up while the driver loads the data and hashes the inputs.
    pool = (
        start_pool(config.workers)
        if config.workers > 1
        and not config.dask_scheduler
        and len(config.teams) + (config.overview_notebook is not None) > 1
        else None
    )
    try:
        data, broken = _load(config.paths, [*config.teams, *others])
        if config.as_of:
            data = as_of_month(data, config.as_of)
        with_figures = set(data.loc[data["value"].notna(), "team"]) if len(data) else set()
        no_data = [t for t in config.teams if t not in broken and t not in with_figures]
        good = [t for t in config.teams if t not in broken and t not in no_data]
        if not good and not broken:
            raise SPCError(
                "the data files hold no figures for "
                + ("any team" if len(config.teams) > 1 else repr(config.teams[0]))
                + ": every measure is blank; fill in the figures and render again"
            )
        also = {t for t in others if t not in broken and t in with_figures}
        covered = [t for t in all_teams if t in set(good) | also]  # data order: a stable hash
        # teams with data errors still run: their notebook's page says which rows are wrong
        tasks = render_tasks(config, [t for t in config.teams if t not in no_data], covered)
    except BaseException:
        if pool is not None:
            stop_pool(pool)
        raise
    if pool is not None and len(tasks) <= 1:  # one report: rendered here (``run_tasks``)
        stop_pool(pool)
        pool = None
    shown = data[data["team"].isin(set(config.teams) | set(covered))]
    # The render's conclusions (summary.csv, the grid, the digest and what it compares with)
    # are drawn up in a thread while the workers render: the driver only waits on them, and
    # done before the run they kept both cores waiting (1 s, and 1 s more after it on a
    # first render's digest). Warnings are the reports' to show: ignored here, once for
    # both threads (``catch_warnings`` is not thread-safe).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SPCWarning)
        conclusions = ThreadPoolExecutor(1, thread_name_prefix="spc-conclusions")
        try:
            drawn_up = conclusions.submit(_conclusions, config, data, covered, shown)
            interrupted: RenderInterrupted | None = None
            try:
                outcomes = _run(config, tasks, data, good, pool, folder, client, no_worker_timeout)
            except RenderInterrupted as stop:
                interrupted, outcomes = stop, stop.outcomes
            pool = None  # run_tasks shut it down (or stopped it on Ctrl-C)
            summary, baseline = drawn_up.result()
        finally:
            conclusions.shutdown(wait=False, cancel_futures=True)
            if pool is not None:
                stop_pool(pool)
    with _no_interrupts():  # a second Ctrl-C must not leave the index half done
        outcomes += _no_data_outcomes(out, no_data, data)
        for outcome in outcomes:
            if outcome.name in broken and outcome.status == "failed":
                outcome.extra["data_errors"] = broken[outcome.name]
        if interrupted is None:
            finish_formats(out, config.formats, outcomes)
        links = {e["name"]: e["html"] for e in earlier.values()}
        links |= {o.name: o.html for o in outcomes if o.html and o.name != OVERVIEW_TASK}
        changes = write_digest(out, summary, shown, config.as_of, links, baseline)
        write_summary(out, summary)
        kept_teams = [t for t in earlier if t not in config.teams]
        kept = [kept_entry(earlier[t], t in all_teams) for t in kept_teams]
        write_index(out, outcomes, summary, broken, kept, changes_html=digest_html(changes, links))
        result = RenderResult(
            out,
            outcomes,
            summary,
            sorted(broken),
            list(config.notes),
            interrupted is not None,
            kept_teams,
            changes,
        )
    if interrupted is not None:
        interrupted.result = result
        raise interrupted
    return result


def _conclusions(
    config: RenderConfig, data: pd.DataFrame, covered: list[str], shown: pd.DataFrame
) -> tuple[pd.DataFrame, tuple[pd.DataFrame | None, dict[str, Any]]]:
    """The render's conclusions for the ``covered`` teams, and what the digest compares them
    with (``digest_baseline``: the previous render's, or the month before's on a first
    render). Runs in a thread beside the workers; SPC warnings are already ignored."""

    def summarise(rows: pd.DataFrame) -> pd.DataFrame:
        return collaborative_summary(
            rows, config.measures, config.rules, config.targets, config.settings
        )

    summary = summarise(data[data["team"].isin(covered)]) if covered else pd.DataFrame()
    return summary, digest_baseline(config.out, summary, shown, config.as_of, summarise)


@contextmanager
def _no_interrupts() -> Iterator[None]:
    """Ignore Ctrl-C while the index is written (a few milliseconds), from the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _no_data_outcomes(out: Path, teams: list[str], data: pd.DataFrame) -> list[TaskOutcome]:
    """A page for each team whose rows hold no figures, instead of an empty report."""
    outcomes = []
    for team in teams:
        rows = len(data[data["team"] == team]) if len(data) else 0
        message = (
            "every measure is blank in this team's rows of the data files"
            if rows
            else "this team's rows hold no figures for any measure in the data files"
        )
        html = f"teams/{slugify(team)}.html"
        write_atomic(out / html, no_data_page(team, message))
        outcomes.append(TaskOutcome(team, "no data", 0.0, message, None, html))
    return outcomes


def _run(
    config: RenderConfig,
    tasks: list[RenderTask],
    data: pd.DataFrame,
    good: list[str],
    pool: Any,
    folder: OutputFolder,
    client: Any,
    no_worker_timeout: float | None,
) -> list[TaskOutcome]:
    """Run the tasks with a progress bar counted in charts (a team's measures with figures)."""
    figures = data[data["value"].notna()]
    if config.measures:
        figures = figures[figures["measure"].isin(config.measures)]
    per_team = figures.groupby("team")["measure"].nunique().to_dict() if len(figures) else {}
    total = sum(per_team.get(t.name, 1) for t in tasks)
    bar = _progress(total, config.progress)

    def done(outcome: TaskOutcome) -> None:
        if bar is not None:
            bar.update(per_team.get(outcome.name, 1))
            bar.set_postfix_str(f"{outcome.name[:20]}: {outcome.status}")

    try:
        return run_tasks(
            tasks,
            config.out,
            workers=config.workers,
            force=config.force,
            dask_client=client,
            on_done=done,
            pool=pool,
            need_ipynb="ipynb" in config.formats,
            on_stop=folder.retire,
            no_worker_timeout=no_worker_timeout,
        )
    finally:
        if bar is not None:
            bar.close()


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="chart", desc="Rendering", file=sys.stderr)
