"""The batch renderer on a tiny notebook: isolation, resumability, clean kernels, safety."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from spc._files import write_atomic
from spc.render.batch import (
    CRASHED,
    GIVE_UP_AFTER,
    KEEP_DYING,
    STATE_FILE,
    RenderTask,
    run_tasks,
)
from spc.render.pages import slugify

NOTEBOOK = str(Path(__file__).parent / "notebooks" / "tiny_report.ipynb")
HOSTILE = "<script>alert(1)</script>"


def make_tasks(teams: list[str], **params) -> list[RenderTask]:
    return [
        RenderTask(
            name=team,
            notebook=NOTEBOOK,
            parameters={"team": team, "fail": team == "Bad"} | params,
            ipynb=f"teams/{slugify(team)}.ipynb",
            html=f"teams/{slugify(team)}.html",
            title=team,
            input_hash=f"hash-{team}-{sorted(params.items())}",
        )
        for team in teams
    ]


@pytest.fixture(scope="module", params=[1, 2], ids=["kernel", "worker-shells"])
def rendered(request, tmp_path_factory) -> tuple[Path, list]:
    """One worker: the driver runs the notebooks on a warm kernel; two: each worker process
    runs them in its own shell (``spc.render.inprocess``)."""
    out = tmp_path_factory.mktemp("render")
    tasks = make_tasks(["Ward A", HOSTILE, "007", "Bad", "Ward B", "Ward C"])
    outcomes = run_tasks(tasks, out, workers=request.param)
    return out, outcomes


@pytest.mark.slow
def test_one_failure_does_not_stop_the_others(rendered) -> None:
    out, outcomes = rendered
    assert [o.status for o in outcomes] == ["rendered"] * 3 + ["failed"] + ["rendered"] * 2
    bad = outcomes[3]
    assert "ValueError: bad data for Bad" in bad.error
    page = (out / bad.html).read_text()
    assert "could not be produced" in page and "bad data for Bad" in page
    kept = json.loads((out / bad.ipynb).read_text())  # executed notebook kept for debugging
    assert any(o.get("ename") == "ValueError" for c in kept["cells"] for o in c.get("outputs", []))


@pytest.mark.slow
def test_each_report_starts_from_a_clean_kernel(rendered) -> None:
    out, outcomes = rendered
    for outcome in [*outcomes[:3], *outcomes[4:]]:
        page = (out / outcome.html).read_text()
        # no variable, environment variable or matplotlib setting left by the previous report
        assert re.search(r'id="?leak"?>clean</p>', page)
        assert re.search(r'id="?env"?>clean</p>', page)
        assert not re.search(r'id="?width"?>7(\.0)?</p>', page)
        # collecting cycles, though off in the fork server the worker was forked from
        assert re.search(r'id="?gc"?>True</p>', page)
        assert 'src="data:image/png;base64,' in page  # the inline figure, as in Jupyter
        nb = json.loads((out / outcome.ipynb).read_text())
        counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"]
        assert counts == list(range(1, len(counts) + 1))


@pytest.mark.slow
def test_team_names_are_escaped_and_strings_stay_strings(rendered) -> None:
    out, outcomes = rendered
    hostile = (out / outcomes[1].html).read_text()
    assert "<script" not in hostile and "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile
    assert "Content-Security-Policy" in hostile
    assert re.search(r'id="?team"?>007</p>', (out / outcomes[2].html).read_text())


@pytest.mark.slow
def test_no_partial_files_are_left(rendered) -> None:
    out, _ = rendered
    leftovers = [p.name for p in out.rglob("*") if p.name.startswith(".") and p.name != STATE_FILE]
    assert leftovers == []


@pytest.mark.slow
def test_rerun_without_changes_renders_nothing(rendered) -> None:
    out, _ = rendered
    again = run_tasks(make_tasks(["Ward A", HOSTILE, "007", "Bad", "Ward B", "Ward C"]), out)
    # unchanged reports are skipped; the failed one is retried (and fails again)
    assert [o.status for o in again] == ["unchanged"] * 3 + ["failed"] + ["unchanged"] * 2


def test_write_atomic_leaves_the_old_file_when_interrupted(tmp_path, monkeypatch) -> None:
    target = tmp_path / "report.html"
    write_atomic(target, "old")

    def broken_replace(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr("spc._files.os.replace", broken_replace)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new, but interrupted")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


@pytest.mark.slow
def test_two_worker_processes(tmp_path) -> None:
    outcomes = run_tasks(make_tasks(["A", "B", "Bad"]), tmp_path, workers=2)
    assert [o.status for o in outcomes] == ["rendered", "rendered", "failed"]


@pytest.mark.slow
def test_spawned_workers_where_there_is_no_fork_server(tmp_path, monkeypatch) -> None:
    """Windows has no fork server (and one that cannot start is given up): workers are then
    spawned afresh, and run the notebooks in their own shells all the same."""
    import spc.render.workers as workers

    monkeypatch.setattr(workers, "_fork_server_failed", True)
    assert workers._context().get_start_method() == "spawn"
    outcomes = run_tasks(make_tasks(["A", "B", "Bad"]), tmp_path, workers=2)
    assert [o.status for o in outcomes] == ["rendered", "rendered", "failed"]
    page = (tmp_path / outcomes[1].html).read_text()
    assert re.search(r'id="?team"?>B</p>', page) and re.search(r'id="?leak"?>clean</p>', page)


@pytest.mark.slow
def test_a_report_that_kills_its_worker_fails_alone(tmp_path) -> None:
    """A crash takes the worker process (and so the pool) down: the pool starts again and the
    suspects run one at a time, so only the crashing report fails, with a page saying why."""
    teams = ["A", "B", "Crasher", "C", "D", "E"]
    tasks = [
        RenderTask(
            **{**t.__dict__, "parameters": t.parameters | {"kill_worker": t.name == "Crasher"}}
        )
        for t in make_tasks(teams)
    ]
    outcomes = run_tasks(tasks, tmp_path, workers=2)
    status = {o.name: o.status for o in outcomes}
    assert status == dict.fromkeys(teams, "rendered") | {"Crasher": "failed"}
    crasher = outcomes[2]
    assert crasher.error == CRASHED
    assert "worker process rendering this report died" in (tmp_path / crasher.html).read_text()
    for outcome in outcomes:
        assert (tmp_path / outcome.html).is_file()
    assert [p.name for p in tmp_path.rglob(".*") if p.name != STATE_FILE] == []


@pytest.mark.slow
def test_workers_that_always_die_are_given_up(tmp_path) -> None:
    """Every report kills its worker: after GIVE_UP_AFTER crashes in a row, even alone, the
    rest fail with one message instead of a restart each."""
    tasks = [
        RenderTask(**{**t.__dict__, "parameters": t.parameters | {"kill_worker": True}})
        for t in make_tasks(["A", "B", "C", "D", "E", "F"])
    ]
    outcomes = run_tasks(tasks, tmp_path, workers=2)
    assert [o.status for o in outcomes] == ["failed"] * 6
    errors = [o.error for o in outcomes]
    assert errors == [CRASHED] * GIVE_UP_AFTER + [KEEP_DYING] * (6 - GIVE_UP_AFTER)
    assert all((tmp_path / o.html).is_file() for o in outcomes)  # each has a page saying why


@pytest.mark.slow
def test_a_cell_past_its_timeout_fails_that_report_only(tmp_path) -> None:
    slow = [
        RenderTask(**{**t.__dict__, "parameters": t.parameters | {"sleep": 30}, "timeout": 2})
        if t.name == "Slow"
        else t
        for t in make_tasks(["A", "Slow", "B"])
    ]
    start = time.monotonic()
    outcomes = run_tasks(slow, tmp_path, workers=2)
    assert time.monotonic() - start < 25
    assert [o.status for o in outcomes] == ["rendered", "failed", "rendered"]
    assert "CellTimeoutError" in outcomes[1].error
    assert "timed out" in (tmp_path / outcomes[1].html).read_text()


@pytest.mark.slow
def test_dask_local_cluster(tmp_path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        processes=True,
    ) as cluster:
        outcomes = run_tasks(
            make_tasks(["A", "Bad"]), tmp_path, dask_scheduler=cluster.scheduler_address
        )
    assert [o.status for o in outcomes] == ["rendered", "failed"]
    assert re.search(r'id="?team"?>A</p>', (tmp_path / outcomes[0].html).read_text())


@pytest.mark.slow
def test_papermill_command_line_with_the_warm_engine(tmp_path) -> None:
    """``papermill --engine safety-spc-warm`` (the entry point) runs a notebook; importing the
    entry point module before papermill must not be a circular import."""
    import subprocess
    import sys

    probe = subprocess.run(
        [sys.executable, "-c", "import spc.render.papermill_entry, papermill"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    papermill_exe = Path(sys.executable).parent / "papermill"
    out = tmp_path / "out.ipynb"
    run = subprocess.run(
        [
            str(papermill_exe),
            "--engine",
            "safety-spc-warm",
            NOTEBOOK,
            str(out),
            "-p",
            "team",
            "Ward C",
            "--no-progress-bar",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    nb = json.loads(out.read_text())
    html = "".join(
        str(o.get("data", {}).get("text/html", ""))
        for c in nb["cells"]
        for o in c.get("outputs", [])
    )
    assert "<p id=team>Ward C" in html
