"""Execute many parameterised notebooks with papermill: in parallel, fault-isolated, resumable.

Design (measured on 2 cores; see ``benchmarks/bench_render.py``): one long-lived driver, one
worker process per core, forked from a fork server that has imported what they need, each
running its notebooks' cells in its own IPython shell (the ``safety-spc-inprocess`` papermill
engine, ``spc.render.inprocess``), and nbconvert's Python API reused in-process for HTML.
With one worker the driver runs the notebooks on a warm kernel (``safety-spc-warm``). Each
task writes its outputs atomically; one task's failure (an exception in a cell, a timeout, a
worker or kernel that dies) is recorded and never stops the others; an unchanged task (same
inputs hash, its outputs still there) is skipped. With a Dask scheduler address, tasks run on
that cluster instead (``spc.render.dask_run``), on warm kernels.

Ctrl-C stops within seconds: the workers are killed, not waited for (``spc.render.workers``),
temporary files are removed, and :class:`RenderInterrupted` carries the outcomes of the tasks
that finished, so the caller can still write an index of them.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spc._files import write_atomic
from spc.render.output import is_current, remove_partials
from spc.render.pages import failure_page, notebook_html
from spc.render.workers import KERNEL_NAME, in_pool_worker, start_pool, stop_pool

__all__ = [
    "KERNEL_NAME",
    "STATE_FILE",
    "RenderInterrupted",
    "RenderTask",
    "TaskOutcome",
    "execute_task",
    "hash_inputs",
    "load_state",
    "run_tasks",
    "start_pool",
]

STATE_FILE = ".render-state.json"


@dataclass(frozen=True)
class RenderTask:
    """One notebook to execute: where from, with which parameters, to which outputs.

    ``ipynb`` and ``html`` are paths relative to the output folder. ``input_hash`` identifies
    everything the output depends on, for skipping unchanged work. ``token`` is the render's
    hold on the output folder (``spc.render.output``): a task finishing after its render
    stopped writes nothing.
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
    token: str = ""


@dataclass
class TaskOutcome:
    """What happened to a task: ``status`` is rendered, failed, unchanged, interrupted (the
    render stopped before it finished), no data or kept (a page of an earlier render)."""

    name: str
    status: str
    seconds: float = 0.0
    error: str = ""
    ipynb: str | None = None
    html: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class RenderInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a render; ``outcomes`` are every task's (interrupted where unfinished)
    and ``result`` is set by the caller once the index is written."""

    def __init__(self, outcomes: list[TaskOutcome]) -> None:
        super().__init__("render interrupted")
        self.outcomes = outcomes
        self.result: Any = None


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
    """Execute one notebook (in this worker's shell, or on a warm kernel where tasks run in
    threads or in the driver) and write its outputs atomically.

    Runs in a worker process (or a Dask worker). Never raises for a notebook failure: the
    executed notebook with the error is kept and a failure page is written instead.
    """
    import papermill

    if in_pool_worker():  # a process pool runs its tasks in the worker's main thread
        from spc.render.inprocess import ENGINE_NAME as engine
    else:  # the driver itself, or a Dask worker's thread: a warm kernel
        from spc.render.warm import ENGINE_NAME as engine

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
            engine_name=engine,
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
        if not is_current(out, task.token):
            return _abandoned(task, tmp_ipynb, start)
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
    if not is_current(out, task.token):
        return _abandoned(task, tmp_ipynb, start)
    write_atomic(html_path, html)
    tmp_ipynb.replace(ipynb_path)
    return TaskOutcome(
        task.name, "rendered", time.perf_counter() - start, "", task.ipynb, task.html
    )


def _abandoned(task: RenderTask, tmp_ipynb: Path, start: float) -> TaskOutcome:
    """The render this task belongs to has stopped: write nothing, leave nothing."""
    tmp_ipynb.unlink(missing_ok=True)
    return TaskOutcome(
        task.name, "interrupted", time.perf_counter() - start, "the render was stopped"
    )


# ------------------------------------------------------------------------------------ state


def load_state(out: Path) -> dict[str, dict[str, Any]]:
    """What earlier renders into ``out`` recorded, by ipynb path: ``hash`` of the inputs of
    the outputs there, and ``name``, ``status``, ``html``, ``ipynb``, ``messages``."""
    try:
        raw = json.loads((out / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict):
        return {}
    tasks = raw.get("tasks") if raw.get("version") == 2 else None
    if tasks is None:  # first format: {ipynb: hash}
        tasks = {k: {"hash": v} for k, v in raw.items() if isinstance(v, str)}
    return {k: v for k, v in tasks.items() if isinstance(v, dict)}


def _save_state(out: Path, state: dict[str, dict[str, Any]]) -> None:
    text = json.dumps({"version": 2, "tasks": state}, indent=1, sort_keys=True)
    write_atomic(out / STATE_FILE, text)


#: Seconds between two saves of the render state while tasks finish.
STATE_SAVE_INTERVAL = 2.0


class _StateSaver:
    """Saves the render state when tasks finish, at most every ``interval`` seconds, and on
    :meth:`flush`. Each save writes every task's entry: saving after each task was quadratic
    (35 s of a 1,000-team render's driver; tasks finishing faster than it saves would wait
    on it). The first finished task is saved at once. A render killed outright loses at
    most ``interval`` seconds of records: those reports render again next time."""

    def __init__(self, out: Path, state: dict[str, dict[str, Any]], interval: float) -> None:
        self.out, self.state, self.interval = out, state, interval
        self.dirty = False
        self.last = -math.inf

    def changed(self) -> None:
        self.dirty = True
        if time.monotonic() - self.last >= self.interval:
            self.flush()

    def flush(self) -> None:
        if self.dirty:
            _save_state(self.out, self.state)
            self.dirty = False
        self.last = time.monotonic()


def _is_unchanged(
    task: RenderTask, out: Path, state: dict[str, dict[str, Any]], need_ipynb: bool
) -> bool:
    entry = state.get(task.ipynb, {})
    return (
        bool(task.input_hash)
        and entry.get("hash") == task.input_hash
        and (out / task.html).is_file()
        and (not need_ipynb or (out / task.ipynb).is_file())
    )


# -------------------------------------------------------------------------------------- run


def run_tasks(
    tasks: Sequence[RenderTask],
    out_dir: Path,
    *,
    workers: int = 1,
    force: bool = False,
    dask_scheduler: str | None = None,
    dask_client: Any = None,
    on_done: Callable[[TaskOutcome], None] | None = None,
    pool: ProcessPoolExecutor | None = None,
    need_ipynb: bool = True,
    on_stop: Callable[[], None] | None = None,
    no_worker_timeout: float | None = None,
    save_interval: float = STATE_SAVE_INTERVAL,
) -> list[TaskOutcome]:
    """Execute ``tasks`` (skipping unchanged ones unless ``force``) and return the outcomes
    in the order of ``tasks``. ``on_done`` is called as each task finishes (progress bars).

    ``pool`` is an already started pool (see :func:`start_pool`); it is shut down here.
    ``need_ipynb``: an unchanged task must still have its executed notebook (False when the
    notebooks are not kept, so ``--format html`` resumes too). ``on_stop`` is called first
    when Ctrl-C stops the run (the output folder's token is retired there, so Dask tasks
    still running write nothing). The state of finished tasks is saved every
    ``save_interval`` seconds and when the run ends or stops, so a stopped render resumes.
    Raises :class:`RenderInterrupted` after cleaning up.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    state = load_state(out_dir)
    saver = _StateSaver(out_dir, state, save_interval)
    outcomes: dict[str, TaskOutcome] = {}
    todo = []
    for task in tasks:
        if not force and _is_unchanged(task, out_dir, state, need_ipynb):
            outcomes[task.name] = TaskOutcome(
                task.name, "unchanged", 0.0, "", task.ipynb, task.html
            )
            if on_done:
                on_done(outcomes[task.name])
        else:
            todo.append(task)

    def finish(outcome: TaskOutcome, task: RenderTask) -> None:
        outcomes[task.name] = outcome
        if outcome.status == "failed" and outcome.html is None:
            # the task never ran to the end (its Dask worker kept dying): say so on its page
            write_atomic(out_dir / task.html, failure_page(task.name, outcome.error, None))
            outcome.html = task.html
        if outcome.status in ("rendered", "failed"):
            entry = {"name": task.name, "status": outcome.status, "html": outcome.html}
            entry |= {"ipynb": outcome.ipynb, "error": outcome.error}
            if outcome.status == "rendered":
                entry["hash"] = task.input_hash
            state[task.ipynb] = entry
        # saved as tasks finish (and when the run ends), so a stopped run resumes
        saver.changed()
        if on_done:
            on_done(outcome)

    pools = _Pools(pool)
    try:
        if dask_scheduler or dask_client is not None:
            _run_dask(todo, out_dir, finish, dask_scheduler, dask_client, no_worker_timeout)
        elif pool is None and (workers <= 1 or len(todo) <= 1):
            _run_here(todo, out_dir, finish)
        else:
            if pool is None:
                pools.start(min(workers, len(todo)))
            _run_pool(pools, todo, out_dir, finish)
    except KeyboardInterrupt:
        saver.flush()
        if on_stop is not None:
            on_stop()
        pools.stop()
        remove_partials(out_dir)
        for task in tasks:
            if task.name not in outcomes:
                outcomes[task.name] = TaskOutcome(
                    task.name, "interrupted", 0.0, "the render was stopped before this report"
                )
        raise RenderInterrupted([outcomes[t.name] for t in tasks]) from None
    finally:
        saver.flush()  # what finished is recorded, whatever stopped the run
        pools.stop()  # an error other than Ctrl-C: do not leave workers behind
    remove_partials(out_dir)
    return [outcomes[t.name] for t in tasks]


def _run_here(todo: list[RenderTask], out_dir: Path, finish: Callable) -> None:
    """In this process, one after another (one worker, or one task)."""
    from spc.render.warm import kill_all, shutdown_all

    try:
        for task in todo:
            finish(execute_task(task, str(out_dir)), task)
    except BaseException:
        kill_all()  # Ctrl-C mid-notebook: do not wait for a busy kernel
        raise
    shutdown_all()


class _Pools:
    """The run's process pool, started again when a crashed worker broke it; :meth:`stop`
    stops whichever is current (Ctrl-C, an error, or after a normal shutdown: a no-op)."""

    def __init__(self, pool: ProcessPoolExecutor | None) -> None:
        self.pool = pool
        self.workers = pool._max_workers if pool is not None else 0  # type: ignore[attr-defined]

    def start(self, workers: int) -> ProcessPoolExecutor:
        self.workers = workers
        self.pool = start_pool(workers)
        return self.pool

    def restart(self) -> ProcessPoolExecutor:
        self.stop()
        return self.start(self.workers)

    def stop(self) -> None:
        if self.pool is not None:
            pool, self.pool = self.pool, None
            stop_pool(pool)


#: A report whose worker process dies (a crash, the out-of-memory killer) fails with this.
CRASHED = (
    "the worker process rendering this report died (it crashed, or the machine ran out of "
    "memory), also when the report ran alone: open the team's report notebook in JupyterLab "
    "to see where it stops"
)


#: Reports that kill their worker even alone, one after another, before the rest are given up.
GIVE_UP_AFTER = 3
KEEP_DYING = (
    f"not rendered: {GIVE_UP_AFTER} reports in a row killed the worker process running them, "
    "even alone, so the workers cannot run here (look for a crash or out-of-memory message "
    "from the system, or run a team's report notebook in JupyterLab)"
)


def _run_pool(pools: _Pools, todo: list[RenderTask], out_dir: Path, finish: Callable) -> None:
    """On the pool's workers. A worker that dies breaks the whole pool (every unfinished
    task's future fails): the pool is started again, and the tasks that may have been running
    (the first ``workers + 1`` unfinished ones: what the pool had handed out) run one at a
    time, so the one that kills its worker fails alone; the rest run in parallel again."""
    order = {t.name: k for k, t in enumerate(todo)}
    queue, suspects = list(todo), []
    crashed_in_a_row = 0
    while queue or suspects:
        if crashed_in_a_row >= GIVE_UP_AFTER:  # no worker survives anything: stop trying
            for task in [*suspects, *queue]:
                finish(TaskOutcome(task.name, "failed", 0.0, KEEP_DYING), task)
            break
        pool = pools.pool or pools.restart()  # none after a crash: started when needed
        alone = bool(suspects)
        batch = [suspects.pop(0)] if alone else queue
        if not alone:
            queue = []
        lost = _run_batch(pool, batch, out_dir, finish)
        crashed_in_a_row = crashed_in_a_row + 1 if alone and lost else 0
        if not lost:
            continue
        pools.stop()
        lost.sort(key=lambda t: order[t.name])
        if alone:
            finish(TaskOutcome(lost[0].name, "failed", 0.0, CRASHED), lost[0])
        else:
            handed_out = pools.workers + 1
            suspects, queue = lost[:handed_out], lost[handed_out:]
    if pools.pool is not None:
        pools.pool.shutdown(wait=True)
        pools.pool = None


def _run_batch(
    pool: ProcessPoolExecutor, batch: list[RenderTask], out_dir: Path, finish: Callable
) -> list[RenderTask]:
    """Run ``batch`` on ``pool``; the tasks lost to a broken pool (a worker died)."""
    pending: dict[Future[TaskOutcome], RenderTask] = {
        pool.submit(execute_task, t, str(out_dir)): t for t in batch
    }
    waiting, lost = set(pending), []
    while waiting:
        # wait() with a timeout, not as_completed(): Ctrl-C is then seen within a second
        done, waiting = wait(waiting, timeout=1.0, return_when=FIRST_COMPLETED)
        for future in done:
            task = pending[future]
            try:
                outcome = future.result()
            except BrokenProcessPool:
                lost.append(task)
                continue
            except Exception as exc:  # the task could not be sent or its result read
                outcome = TaskOutcome(task.name, "failed", 0.0, _error_text(exc))
            finish(outcome, task)
    return lost


def _run_dask(
    todo: list[RenderTask],
    out_dir: Path,
    finish: Callable,
    address: str | None,
    client: Any,
    no_worker_timeout: float | None,
) -> None:
    from spc.render.dask_run import NO_WORKER_TIMEOUT, connect, run_on_dask, stop_kernels

    own = client is None
    if own:
        client = connect(str(address))

    def failed(task: RenderTask, message: str) -> TaskOutcome:
        return TaskOutcome(task.name, "failed", 0.0, message, None, None)

    stopped = False
    try:
        run_on_dask(
            client,
            todo,
            str(out_dir),
            execute_task,
            finish,
            failed,
            no_worker_timeout=NO_WORKER_TIMEOUT if no_worker_timeout is None else no_worker_timeout,
        )
    except BaseException:
        stopped = True
        raise
    finally:
        if own:
            stop_kernels(client, now=stopped)
        elif stopped:  # the caller disconnects; stop the reports still running first
            from spc.render.warm import kill_all

            try:
                client.run(kill_all)
            except Exception:
                pass  # workers gone
