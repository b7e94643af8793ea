"""Renders that stop cleanly (issue 12): Ctrl-C, a killed driver, two renders into one folder,
an output folder that is read-only or a file, a stray file among the data, Dask workers that
die or never come, an unreachable scheduler.

The Ctrl-C and kill tests run the real command (``python -m spc.cli render``) in a
subprocess with its own temporary folder (TMPDIR), so the kernels' folders it leaves (or
not) are its own; every process it started is recorded with psutil before it is stopped.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from spc.cli import main
from spc.render.batch import RenderTask, run_tasks
from spc.render.pages import slugify

NOTEBOOK = str(Path(__file__).parent / "notebooks" / "tiny_report.ipynb")
EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "example"
MEASURE = ["--measures", "falls_per_1000_obd"]


def _sigint_as_in_a_terminal() -> None:
    """A command a shell script runs in the background (``make test &``) starts with SIGINT
    ignored, and Python then never turns Ctrl-C into KeyboardInterrupt: the render under test
    starts with SIGINT as a terminal gives it, whatever started the tests."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_render(out: Path, tmp: Path, *args: str) -> subprocess.Popen:
    tmp.mkdir(exist_ok=True)
    env = dict(os.environ, TMPDIR=str(tmp))
    return subprocess.Popen(
        [sys.executable, "-m", "spc.cli", "render", "--out", str(out), "--no-progress", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=_sigint_as_in_a_terminal,
    )


def wait_for_pages(out: Path, proc: subprocess.Popen, n: int = 1, limit: float = 180) -> None:
    """Until ``n`` team pages exist (the render is well under way)."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if len(list(out.glob("teams/*.html"))) >= n:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    raise AssertionError("no team page within the time limit")


def wait_for_recorded(out: Path, proc: subprocess.Popen, limit: float = 180) -> None:
    """Until the driver has recorded a finished report in its state file. A page on disk is
    not enough: a worker writes it a moment before the driver hears the task finished, and
    Ctrl-C in that moment leaves a page that the next render simply renders again."""
    start = time.monotonic()
    state = out / ".render-state.json"
    while time.monotonic() - start < limit:
        try:
            tasks = json.loads(state.read_text())["tasks"]
        except (OSError, ValueError, KeyError):
            tasks = {}
        if any(e.get("status") == "rendered" for e in tasks.values()):
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    raise AssertionError("no report recorded within the time limit")


def descendants(proc: subprocess.Popen) -> list[psutil.Process]:
    return psutil.Process(proc.pid).children(recursive=True)


def all_gone(processes: list[psutil.Process], limit: float = 10) -> list[psutil.Process]:
    """The processes still running after ``limit`` seconds (zombies count as gone)."""
    start = time.monotonic()
    while True:
        alive = []
        for p in processes:
            try:
                if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(p)
            except psutil.NoSuchProcess:
                pass
        if not alive or time.monotonic() - start > limit:
            return alive
        time.sleep(0.1)


def leftovers(out: Path) -> list[str]:
    """Temporary files of interrupted writes left in the output folder."""
    return [p.name for p in out.rglob(".*") if ".partial" in p.name or p.name.endswith(".tmp")]


def snapshot(out: Path) -> dict[str, float]:
    return {str(p): p.stat().st_mtime for p in out.rglob("*") if p.is_file()}


# ------------------------------------------------------------------------------- Ctrl-C


@pytest.mark.slow
def test_ctrl_c_stops_in_seconds_writes_the_index_and_leaves_nothing(tmp_path) -> None:
    out, tmp = tmp_path / "reports", tmp_path / "tmp"
    # every measure: a render of one measure can finish before the Ctrl-C arrives
    proc = start_render(out, tmp, "--workers", "2")
    wait_for_recorded(out, proc)
    started = descendants(proc)
    assert len(started) >= 3  # the fork server and two workers
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert time.monotonic() - sent < 10
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr + stdout
    assert "interrupted (Ctrl-C)" in stderr and "index.html lists them" in stderr
    assert all_gone(started) == []
    assert [p.name for p in tmp.iterdir()] == []  # no kernel folders, connection files
    assert leftovers(out) == []
    index = (out / "index.html").read_text()
    finished = json.loads((out / ".render-state.json").read_text())["tasks"]
    done = [e["name"] for e in finished.values() if e.get("status") == "rendered"]
    assert done, "at least one report finished before Ctrl-C"
    for name in done:
        assert name in index
    assert "interrupted" in index
    # what was recorded is what is on disk: no page written after the interrupt
    for entry in finished.values():
        assert (out / entry["html"]).is_file()


# -------------------------------------------------------------------------- killed driver


@pytest.mark.slow
def test_killing_the_driver_stops_its_workers(tmp_path) -> None:
    out, tmp = tmp_path / "reports", tmp_path / "tmp"
    proc = start_render(out, tmp, *MEASURE, "--workers", "2")
    wait_for_pages(out, proc)
    started = descendants(proc)
    commands = [" ".join(p.cmdline()) for p in started]
    assert sum("multiprocessing" in c for c in commands) >= 3  # fork server, 2 workers
    assert not any("ipykernel" in c for c in commands)  # they run the notebooks themselves
    proc.kill()
    proc.communicate(timeout=30)
    assert all_gone(started, limit=10) == []
    before = snapshot(out)
    time.sleep(3)
    assert snapshot(out) == before  # nothing keeps writing into --out
    assert [p.name for p in tmp.iterdir()] == []
    # the folder is free again: a new render takes it, and cleans what the killed one left
    assert main(["render", "--out", str(out), "--no-progress", "--teams", "AVN-ELM",
                 "--no-overview", "--workers", "1", *MEASURE]) == 0  # fmt: skip
    assert leftovers(out) == []


def test_only_the_fork_server_ends_at_once_at_exit() -> None:
    """``spc.render.preload`` makes the fork server end at once (``os._exit(0)``) when the
    driver has gone, and collects no cycles; imported anywhere else it leaves the process's
    collection on and its exit alone: its status, and the exit work (here a message)."""
    code = (
        "import atexit, gc, sys; atexit.register(print, 'exit work ran'); "
        "import spc.render.preload; assert gc.isenabled(); sys.exit(3)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 3, done.stderr
    assert "exit work ran" in done.stdout


# ------------------------------------------------------------------ the output folder


@pytest.mark.slow
def test_two_renders_into_one_folder(tmp_path, capsys) -> None:
    out, tmp = tmp_path / "reports", tmp_path / "tmp"
    first = start_render(out, tmp, "--workers", "2")  # every measure: still running below
    wait_for_pages(out, first)
    status = main(["render", "--out", str(out), "--no-progress", *MEASURE])
    err = capsys.readouterr().err
    assert status == 2
    assert f"another safety-spc render (process {first.pid}) is writing into {out}" in err
    assert len(err.strip().splitlines()) == 1
    first.send_signal(signal.SIGINT)
    stdout, stderr = first.communicate(timeout=30)
    assert first.returncode == 130, stdout + stderr
    assert "Traceback" not in stderr


def test_out_that_is_a_file(tmp_path, capsys) -> None:
    target = tmp_path / "reports"
    target.write_text("not a folder")
    assert main(["render", "--out", str(target), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        f"safety-spc render: --out {target} is a file, not a folder: give a folder for the reports"
    )
    assert target.read_text() == "not a folder"


def _without_root_override(argv: list[str]) -> list[str]:
    """``argv`` run by root without the capabilities that let root write anywhere, so a
    read-only folder is read-only for it too (util-linux ``setpriv``)."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root and util-linux setpriv is not installed")
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}", *argv]


@pytest.mark.slow
@pytest.mark.parametrize("where", ["read-only folder", "inside a read-only folder"])
def test_read_only_out_is_one_line_and_nothing_starts(tmp_path, where) -> None:
    readonly = tmp_path / "ro"
    readonly.mkdir()
    readonly.chmod(0o555)
    try:
        out = readonly if where == "read-only folder" else readonly / "reports"
        argv = [sys.executable, "-m", "spc.cli", "render", "--out", str(out), "--no-progress",
                *MEASURE]  # fmt: skip
        if os.geteuid() == 0:
            argv = _without_root_override(argv)
        run = subprocess.run(argv, capture_output=True, text=True, check=False)
        assert run.returncode == 2, run.stderr
        assert "Traceback" not in run.stderr
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and "permission denied" in lines[0]
        assert str(out) in lines[0] and "choose a folder you may write to" in lines[0]
        assert list(readonly.iterdir()) == []
    finally:
        readonly.chmod(0o755)


# --------------------------------------------------------------------- a stray data file


def test_a_stray_file_is_refused_before_any_worker_starts(tmp_path, capsys, monkeypatch) -> None:
    def no_workers(*args, **kwargs):
        raise AssertionError("a worker pool was started")

    monkeypatch.setattr("spc.render.collaborative.start_pool", no_workers)
    out = tmp_path / "reports"
    stray = [str(p) for p in sorted(EXAMPLE.glob("*.csv"))]  # picks up manifest.csv
    status = main(["render", "--data", *stray, "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert status == 2
    assert "stop every report, so nothing was rendered" in err
    assert "manifest.csv, row 1: cannot tell which template" in err
    assert "found 'name', 'description', 'source', 'used_by'" in err
    assert not out.exists()


def test_header_only_data_is_an_error_for_a_render(tmp_path, capsys) -> None:
    from spc.data.template_files import write_template

    data = write_template("ward-monthly", tmp_path / "ward-monthly.csv")
    status = main(["render", "--data", str(data), "--out", str(tmp_path / "r"), "--no-progress"])
    assert status == 2
    assert "the data files have no data rows" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_a_folder_as_change_log_is_one_line(tmp_path, capsys) -> None:
    status = main(["render", "--change-log", str(tmp_path), "--out", str(tmp_path / "r"),
                   "--no-progress"])  # fmt: skip
    assert status == 2
    assert "--change-log" in capsys.readouterr().err


# ------------------------------------------------------------------------------------ Dask


def make_tasks(teams: list[str], **flags: bool) -> list[RenderTask]:
    return [
        RenderTask(
            name=team,
            notebook=NOTEBOOK,
            parameters={"team": team, "kill_worker": flags.get(team, False)},
            ipynb=f"teams/{slugify(team)}.ipynb",
            html=f"teams/{slugify(team)}.html",
            title=team,
            input_hash=f"hash-{team}",
        )
        for team in teams
    ]


@pytest.mark.slow
def test_dask_worker_killed_repeatedly_fails_that_report_only(tmp_path) -> None:
    dask = pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    # the scheduler gives up on a task at the first worker death; we retry it once more
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
            processes=True,
        ) as cluster,
    ):
        outcomes = run_tasks(
            make_tasks(["A", "B", "Crasher"], Crasher=True),
            tmp_path,
            dask_scheduler=cluster.scheduler_address,
        )
    status = {o.name: o.status for o in outcomes}
    assert status == {"A": "rendered", "B": "rendered", "Crasher": "failed"}
    crasher = outcomes[2]
    assert "died 2 time(s) (KilledWorker)" in crasher.error
    assert "KilledWorker" in (tmp_path / crasher.html).read_text()  # a page says why
    assert leftovers(tmp_path) == []


@pytest.mark.slow
def test_dask_without_workers_times_out_with_a_message(tmp_path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=0, host="127.0.0.1", dashboard_address=None, processes=True
    ) as cluster:
        start = time.monotonic()
        outcomes = run_tasks(
            make_tasks(["A", "B"]),
            tmp_path,
            dask_scheduler=cluster.scheduler_address,
            no_worker_timeout=3,
        )
        assert time.monotonic() - start < 30
    assert [o.status for o in outcomes] == ["failed", "failed"]
    assert "no Dask worker was connected to the scheduler for 3 s" in outcomes[0].error


@pytest.mark.slow
def test_unreachable_dask_scheduler_is_one_line_in_seconds(tmp_path, capsys) -> None:
    pytest.importorskip("distributed")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    status = main(["render", "--out", str(tmp_path / "r"), "--no-progress",
                   "--dask-scheduler", f"tcp://127.0.0.1:{port}"])  # fmt: skip
    assert time.monotonic() - start < 20
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in err
    assert not (tmp_path / "r").exists()
