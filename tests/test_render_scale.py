"""Driver-side steps of a render that must not grow with the number of teams squared (found by
``benchmarks/bench_scale.py`` on a 1,000-team collaborative): the reports' input hashes, the
render state saved as reports finish, and the verdicts written into a collaborative summary."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spc.render.batch as batch
from spc._files import write_atomic
from spc.data.chart_settings import ChartSettings
from spc.engine.result import _apply_verdicts
from spc.render.batch import STATE_FILE, RenderInterrupted, RenderTask, TaskOutcome, run_tasks
from spc.render.plan import TEAM_NOTEBOOK, RenderConfig, render_tasks
from spc.report import example_files


def _config(paths: list[Path], teams: list[str], out: Path) -> RenderConfig:
    return RenderConfig(
        paths=paths,
        teams=teams,
        settings_files=[],
        settings=ChartSettings(),
        out=out,
        measures=None,
        rules="anhoej",
        targets=None,
        workers=1,
        formats=("html",),
        force=False,
        dask_scheduler=None,
        progress=False,
        team_notebook=TEAM_NOTEBOOK,
        overview_notebook=None,
        timeout=60,
    )


def test_report_hashes_read_the_data_files_once_not_once_per_team(tmp_path, monkeypatch):
    paths = []
    for src in example_files():
        paths.append(tmp_path / src.name)
        paths[-1].write_bytes(src.read_bytes())
    teams = [f"T{i}" for i in range(40)]
    reads: list[str] = []
    read_bytes = pathlib.Path.read_bytes

    def counting(self):
        if self in paths:
            reads.append(self.name)
        return read_bytes(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", counting)
    tasks = render_tasks(_config(paths, teams, tmp_path / "out"), teams, teams)
    monkeypatch.undo()
    assert sorted(reads) == sorted(p.name for p in paths)  # each file once, for 40 reports
    hashes = [t.input_hash for t in tasks]
    assert len(set(hashes)) == len(teams)  # each report's own parameters count
    # a change to any data file changes every report's hash, so every report renders again
    paths[1].write_bytes(paths[1].read_bytes() + b"\n")
    again = [
        t.input_hash for t in render_tasks(_config(paths, teams, tmp_path / "out"), teams, teams)
    ]
    assert not set(again) & set(hashes)


def _tasks_for(n: int) -> list[RenderTask]:
    return [
        RenderTask(f"T{i}", "nb.ipynb", {}, f"teams/t{i}.ipynb", f"teams/t{i}.html", f"T{i}", "h")
        for i in range(n)
    ]


def _fake_execute(task: RenderTask, out_dir: str) -> TaskOutcome:
    write_atomic(Path(out_dir) / task.html, "<p>page</p>")
    write_atomic(Path(out_dir) / task.ipynb, "{}")
    return TaskOutcome(task.name, "rendered", 0.0, "", task.ipynb, task.html)


def test_render_state_is_saved_in_batches_and_complete_at_the_end(tmp_path, monkeypatch):
    saves = []
    save = batch._save_state
    monkeypatch.setattr(batch, "execute_task", _fake_execute)
    monkeypatch.setattr(batch, "_save_state", lambda out, state: saves.append(save(out, state)))
    outcomes = run_tasks(_tasks_for(300), tmp_path, workers=1)
    assert {o.status for o in outcomes} == {"rendered"}
    assert len(saves) < 10  # not once per report (300 saves of up to 300 entries)
    state = json.loads((tmp_path / STATE_FILE).read_text())["tasks"]
    assert len(state) == 300 and all(e["hash"] == "h" for e in state.values())
    again = run_tasks(_tasks_for(300), tmp_path, workers=1)  # the resume path
    assert {o.status for o in again} == {"unchanged"}


def test_a_stopped_render_records_what_finished(tmp_path, monkeypatch):
    def execute(task: RenderTask, out_dir: str) -> TaskOutcome:
        if task.name == "T7":
            raise KeyboardInterrupt
        if task.name == "T3":
            time.sleep(0.05)  # a save falls due while the render runs
        return _fake_execute(task, out_dir)

    monkeypatch.setattr(batch, "execute_task", execute)
    with pytest.raises(RenderInterrupted):
        run_tasks(_tasks_for(10), tmp_path, workers=1, save_interval=0.01)
    state = json.loads((tmp_path / STATE_FILE).read_text())["tasks"]
    assert sorted(e["name"] for e in state.values()) == [f"T{i}" for i in range(7)]
    monkeypatch.setattr(batch, "execute_task", _fake_execute)
    again = run_tasks(_tasks_for(10), tmp_path, workers=1)
    assert [o.status for o in again] == ["unchanged"] * 7 + ["rendered"] * 3


def test_verdicts_go_on_each_facets_last_row_only():
    summary = pd.DataFrame(
        {
            "team": ["A", "A", "B", "C", "C"],
            "site": [1, 1, 1, 2, 2],
            "part": [1, 2, 1, 1, 2],
            "variation_type": ["common_cause"] * 5,
        }
    )
    verdicts = pd.DataFrame(
        {
            "team": ["A", "B", "C"],
            "site": [1, 1, 2],
            "variation_type": ["special_cause_improvement", None, "special_cause_concern"],
        }
    )
    _apply_verdicts(summary, verdicts, ["team", "site"])
    assert summary["variation_type"].tolist() == [
        "common_cause",
        "special_cause_improvement",
        "common_cause",  # no verdict (None): the point type stays
        "common_cause",
        "special_cause_concern",
    ]
    one = pd.DataFrame({"part": [1, 2], "variation_type": ["common_cause"] * 2})
    _apply_verdicts(one, pd.DataFrame({"variation_type": ["unstable"]}), [])
    assert one["variation_type"].tolist() == ["common_cause", "unstable"]


def test_verdicts_for_thousands_of_facets_in_well_under_a_second():
    n = 20_000
    summary = pd.DataFrame(
        {"team": np.repeat([f"W{i:05d}" for i in range(n)], 2), "part": np.tile([1, 2], n)}
    )
    summary["variation_type"] = "common_cause"
    verdicts = pd.DataFrame({"team": [f"W{i:05d}" for i in range(n)], "variation_type": "unstable"})
    start = time.perf_counter()
    _apply_verdicts(summary, verdicts, ["team"])
    assert time.perf_counter() - start < 1.0  # was about 8 s (one iloc assignment per row)
    assert (summary["variation_type"].iloc[1::2] == "unstable").all()
    assert (summary["variation_type"].iloc[::2] == "common_cause").all()


def test_a_kernel_driving_worker_loads_neither_pandas_nor_matplotlib() -> None:
    """A Dask worker only drives its kernel and writes pages (papermill, nbconvert): the
    kernel does the charts. Importing the engine there cost each worker 0.9 s of a core at
    every render (a local pool's worker runs the cells itself and imports them once, in its
    shell; ``import spc`` loads its API lazily, ``spc._files`` pandas only when used,
    and ``spc.cli``, which a spawned worker imports first as the ``safety-spc`` script does,
    its commands only when it builds its parser)."""
    code = (
        "import sys, papermill, spc, spc.cli\n"
        "import spc.render.batch, spc.render.workers, spc.render.warm\n"
        "from spc.render.pages import _exporter\n"
        "_exporter()\n"
        "print(sorted(m for m in ('pandas', 'matplotlib', 'spc.engine', 'spc.report')"
        " if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    # the API is still all there, loaded on first use
    import spc

    assert callable(spc.qic) and "qic" in dir(spc) and spc.RULES


@pytest.mark.parametrize("name", ["team_report.ipynb", "collaborative_overview.ipynb"])
def test_declared_parameters_are_what_papermill_finds(name, tmp_path) -> None:
    """The driver reads a notebook's parameters with ``ast`` (no papermill import before the
    workers start): the same names as papermill's own inspection, also for a parameters cell
    that ``ast`` cannot read (papermill then reads it)."""
    import papermill

    from spc.render.plan import declared_parameters

    notebook = TEAM_NOTEBOOK.parent / name
    assert declared_parameters(notebook) == set(papermill.inspect_notebook(str(notebook)))
    nb = json.loads(notebook.read_text())
    cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    cell["source"] = ["%matplotlib inline\n", "ward: str = 'A'  # a ward\n", "n = 3\n"]
    (tmp_path / name).write_text(json.dumps(nb))
    assert declared_parameters(tmp_path / name) == {"ward", "n"}
