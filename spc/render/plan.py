"""What a render will do, before it does anything: its configuration (``RenderConfig``), the
notebook parameters every report gets, and its tasks, each with the hash of everything its
output depends on (``spc.render.batch`` skips the unchanged ones).

Checked before any worker starts: every parameter the render passes must be declared by the
notebook it goes to (:func:`check_notebooks`); papermill would only warn, and a typo would
silently render the defaults.
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spc._resources import resource_dir
from spc._version import __version__
from spc.data.chart_settings import ChartSettings
from spc.errors import SPCError
from spc.render.batch import RenderTask, hash_inputs
from spc.render.pages import slugify
from spc.render.site import OVERVIEW_TASK

__all__ = [
    "OVERVIEW_NOTEBOOK",
    "TEAM_NOTEBOOK",
    "RenderConfig",
    "check_notebooks",
    "check_parameters",
    "declared_parameters",
    "render_tasks",
]

PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: The notebooks that ship with the package (``spc._resources``): an installed wheel renders
#: outside any clone.
NOTEBOOK_DIR = resource_dir("notebooks")
TEAM_NOTEBOOK = NOTEBOOK_DIR / "team_report.ipynb"
OVERVIEW_NOTEBOOK = NOTEBOOK_DIR / "collaborative_overview.ipynb"


@dataclass(frozen=True)
class RenderConfig:
    """Everything one render needs, after the arguments have been checked.

    ``paths``: the data files (change log included, folders opened); ``teams``: the teams to
    render; ``settings_files``/``settings``: the chart settings file (if any) and what it
    holds; ``overview_notebook``: None for team reports only.
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
    token: str = ""
    notes: tuple[str, ...] = ()
    as_of: str | None = None

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


def _source_hash() -> str:
    """Hash of the spc package source: a code change re-renders everything."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(PACKAGE_DIR.rglob("*.py")) + sorted(PACKAGE_DIR.rglob("*.toml")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def declared_parameters(notebook: Path) -> set[str]:
    """The names the notebook's cell tagged ``parameters`` assigns: what
    ``papermill.inspect_notebook`` lists, read with ``ast`` (importing papermill took the
    driver half a second before its workers could start). Code ``ast`` cannot read (a
    magic), or no such cell, is left to papermill."""
    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
        cell = next(
            c
            for c in nb["cells"]
            if c["cell_type"] == "code" and "parameters" in c.get("metadata", {}).get("tags", [])
        )
        source = cell["source"]
        tree = ast.parse(source if isinstance(source, str) else "".join(source))
    except (OSError, ValueError, KeyError, TypeError, StopIteration, SyntaxError):
        import papermill

        return set(papermill.inspect_notebook(str(notebook)))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        else:
            continue
        names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def check_parameters(notebook: Path, parameters: dict[str, Any]) -> None:
    """Raise before any work starts if a parameter is not declared in the notebook.

    papermill only warns about unknown parameters; a typo would silently render defaults.
    """
    declared = declared_parameters(notebook)
    unknown = sorted(set(parameters) - declared)
    if unknown:
        raise SPCError(
            f"{notebook.name} has no parameter(s) {', '.join(unknown)}; it declares "
            f"{', '.join(sorted(declared))}"
        )


def team_parameters(config: RenderConfig) -> dict[str, Any]:
    """A team report's parameters, but for ``team``."""
    return {
        **config.parameters(),
        "team": "",
        "period_start": "",
        "period_end": config.as_of or "",
        "interactive": False,
    }


def overview_parameters(config: RenderConfig, covered: list[str]) -> dict[str, Any]:
    """The overview's parameters for the ``covered`` teams."""
    extra = {"teams": covered, "funnel_period": "", "as_of": config.as_of or ""}
    return {**config.parameters(), **extra}


def check_notebooks(config: RenderConfig) -> None:
    """Refuse before anything starts if a notebook does not declare every parameter the
    render passes (``check_parameters``)."""
    check_parameters(config.team_notebook, team_parameters(config))
    if config.overview_notebook is not None:
        check_parameters(config.overview_notebook, overview_parameters(config, []))


def render_tasks(config: RenderConfig, teams: list[str], covered: list[str]) -> list[RenderTask]:
    """The overview of the ``covered`` teams (first: the longest task, to overlap) and one
    report per team in ``teams``, each with the hash of everything its output depends on
    (the notebooks' parameters are checked before: ``check_notebooks``)."""
    team_params = team_parameters(config)
    overview_params = overview_parameters(config, covered)
    overview = config.overview_notebook
    inputs = [*config.paths, *config.settings_files]
    source = _source_hash()
    # the files are hashed once, not once per report: per report it read and hashed the whole
    # collaborative's data (23 s of a 1,000-team render's driver, growing with teams squared)
    team_files = hash_inputs(files=[config.team_notebook, *inputs])
    tasks = []
    if covered and overview is not None:
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
                token=config.token,
            )
        )
    notebook = config.team_notebook
    for team in teams:
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
                input_hash=hash_inputs(params, source, team_files),
                timeout=config.timeout,
                cwd=str(notebook.parent),
                token=config.token,
            )
        )
    return tasks
