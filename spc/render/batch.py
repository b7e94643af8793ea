"""Execute many parameterised notebooks with papermill: in parallel, fault-isolated, resumable.

Design (measured on 2 cores; see ``benchmarks/bench_render.py``): one long-lived driver, one
worker process per core, each worker reusing a warm kernel through the ``safety-spc-warm``
papermill engine, and nbconvert's Python API reused in-process for HTML. Each task writes its
outputs atomically; one task's failure (an exception in a cell, a timeout, a dead kernel) is
recorded and never stops the others; an unchanged task (same inputs hash) is skipped.
With a Dask scheduler address, tasks run on that cluster instead of local processes.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spc._files import write_atomic
from spc.render.pages import failure_page, notebook_html

STATE_FILE = ".render-state.json"
KERNEL_NAME = "python3"


@dataclass(frozen=True)
class RenderTask:
    """One notebook to execute: where from, with which parameters, to which outputs.

    ``ipynb`` and ``html`` are paths relative to the output folder. ``input_hash`` identifies
    everything the output depends on, for skipping unchanged work.
    """

    name: str
    notebook: str
    parameters: dict[str, Any]
    ipynb: str
    html: str
    title: str
    input_hash: str = ""
    timeout: float = 600.0
    cwd: str = "."


@dataclass
class TaskOutcome:
    """What happened to a task: ``status`` is rendered, failed or unchanged."""

    name: str
    status: str
    seconds: float = 0.0
    error: str = ""
    ipynb: str | None = None
    html: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def hash_inputs(*parts: Any, files: Iterable[Path] = ()) -> str:
    """SHA-256 over JSON-serialisable ``parts`` and the bytes of ``files``."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(json.dumps(part, sort_keys=True, default=str).encode())
    for path in files:
        digest.update(str(path).encode())
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def _error_text(exc: BaseException) -> str:
    """A short, readable account of a notebook failure."""
    ename = getattr(exc, "ename", None)
    evalue = getattr(exc, "evalue", None)
    if ename:
        cell = getattr(exc, "cell_index", None)
        where = f" (in notebook cell {cell + 1})" if cell is not None else ""
        return f"{ename}: {evalue}{where}"
    return f"{type(exc).__name__}: {exc}"


def execute_task(task: RenderTask, out_dir: str) -> TaskOutcome:
    """Execute one notebook on this worker's warm kernel and write its outputs atomically.

    Runs in a worker process (or a Dask worker). Never raises for a notebook failure: the
    executed notebook with the error is kept and a failure page is written instead.
    """
    import papermill

    import spc.render.warm

    out = Path(out_dir)
    ipynb_path = out / task.ipynb
    html_path = out / task.html
    ipynb_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_ipynb = ipynb_path.with_name(f".{ipynb_path.stem}.partial.ipynb")
    start = time.perf_counter()
    try:
        nb = papermill.execute_notebook(
            task.notebook,
            str(tmp_ipynb),
            parameters=task.parameters,
            engine_name=spc.render.warm.ENGINE_NAME,
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            request_save_on_cell_execute=False,
            execution_timeout=task.timeout,
            cwd=task.cwd,
        )
        html = notebook_html(nb, task.title)
    except Exception as exc:
        # PapermillExecutionError (a cell raised), nbclient's CellTimeoutError and
        # DeadKernelError, or a kernel that would not start: all are this task's failure.
        error = _error_text(exc)
        kept = None
        if tmp_ipynb.exists():
            tmp_ipynb.replace(ipynb_path)
            kept = ipynb_path.name
        write_atomic(html_path, failure_page(task.name, error, kept))
        return TaskOutcome(
            task.name,
            "failed",
            time.perf_counter() - start,
            error,
            task.ipynb if kept else None,
            task.html,
        )
    write_atomic(html_path, html)
    tmp_ipynb.replace(ipynb_path)
    return TaskOutcome(
        task.name, "rendered", time.perf_counter() - start, "", task.ipynb, task.html
    )


def _worker_init() -> None:
    """Shut this worker's warm kernels down when the worker process exits."""
    from multiprocessing import util

    from spc.render.warm import shutdown_all

    util.Finalize(None, shutdown_all, exitpriority=10)


def warm_up(cwd: str) -> float:
    """Import papermill/nbconvert and start this worker's kernel; returns the seconds taken.

    Submitted once per worker before the real tasks, so the start-up cost overlaps with the
    driver's own work (reading and checking the data).
    """
    start = time.perf_counter()
    import papermill  # noqa: F401 - the import is the point

    from spc.render.pages import _exporter
    from spc.render.warm import get_warm_kernel

    _exporter()
    get_warm_kernel(KERNEL_NAME, cwd)
    return time.perf_counter() - start


def start_pool(workers: int, cwd: str) -> ProcessPoolExecutor:
    """A process pool of ``workers`` whose workers are already warming up."""
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_init)
    for _ in range(workers):
        pool.submit(warm_up, cwd)
    return pool


def _load_state(out: Path) -> dict[str, str]:
    try:
        return json.loads((out / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}


def _is_unchanged(task: RenderTask, out: Path, state: dict[str, str]) -> bool:
    return (
        bool(task.input_hash)
        and state.get(task.ipynb) == task.input_hash
        and (out / task.ipynb).is_file()
        and (out / task.html).is_file()
    )


def run_tasks(
    tasks: Sequence[RenderTask],
    out_dir: Path,
    *,
    workers: int = 1,
    force: bool = False,
    dask_scheduler: str | None = None,
    on_done: Callable[[TaskOutcome], None] | None = None,
    pool: ProcessPoolExecutor | None = None,
) -> list[TaskOutcome]:
    """Execute ``tasks`` (skipping unchanged ones unless ``force``) and return the outcomes
    in the order of ``tasks``. ``on_done`` is called as each task finishes (progress bars).
    ``pool`` is an already started pool (see :func:`start_pool`); it is shut down here."""
    out_dir.mkdir(parents=True, exist_ok=True)
    state = _load_state(out_dir)
    outcomes: dict[str, TaskOutcome] = {}
    todo = []
    for task in tasks:
        if not force and _is_unchanged(task, out_dir, state):
            outcomes[task.name] = TaskOutcome(
                task.name, "unchanged", 0.0, "", task.ipynb, task.html
            )
            if on_done:
                on_done(outcomes[task.name])
        else:
            todo.append(task)

    def finish(outcome: TaskOutcome, task: RenderTask) -> None:
        outcomes[task.name] = outcome
        if outcome.status == "rendered":
            state[task.ipynb] = task.input_hash
        else:
            state.pop(task.ipynb, None)
        # saved after every task, so an interrupted run resumes where it stopped
        write_atomic(out_dir / STATE_FILE, json.dumps(state, indent=1, sort_keys=True))
        if on_done:
            on_done(outcome)

    if dask_scheduler:
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_completed

        with Client(dask_scheduler) as client:
            futures = {
                client.submit(execute_task, t, str(out_dir), pure=False, key=f"spc-{i}"): t
                for i, t in enumerate(todo)
            }
            for future in dask_completed(futures):
                finish(future.result(), futures[future])
            from spc.render.warm import shutdown_all

            client.run(shutdown_all)  # stop the workers' warm kernels before we disconnect
    elif pool is None and (workers <= 1 or len(todo) <= 1):
        try:
            for task in todo:
                finish(execute_task(task, str(out_dir)), task)
        finally:
            from spc.render.warm import shutdown_all

            shutdown_all()
    else:
        if pool is None:
            pool = start_pool(min(workers, len(todo)), todo[0].cwd)
        with pool:
            pending: dict[Future[TaskOutcome], RenderTask] = {
                pool.submit(execute_task, t, str(out_dir)): t for t in todo
            }
            for future in as_completed(pending):
                task = pending[future]
                try:
                    outcome = future.result()
                except Exception as exc:  # a crashed worker fails its own task only
                    outcome = TaskOutcome(task.name, "failed", 0.0, _error_text(exc))
                finish(outcome, task)
    return [outcomes[t.name] for t in tasks]
