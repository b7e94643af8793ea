"""The batch renderer's local worker processes: they live exactly as long as their driver.

Each worker runs its reports' notebooks in its own IPython shell (``spc.render.inprocess``):
one process per core, no Jupyter kernel beside it. Workers are forked from a fork server
(:func:`preload`) that imports papermill, nbconvert, pandas, matplotlib and spc once, while
the driver checks the data; where there is no fork server (Windows) they are spawned.

* Ctrl-C is the driver's to handle: workers start with SIGINT ignored (a terminal sends it to
  the whole process group), so no worker prints a traceback and the driver decides what stops.
* A worker whose driver disappears (killed with SIGKILL, say) notices within half a second,
  kills any kernel it started and exits, so nothing keeps writing into the output folder;
  the fork server then exits too.
* :func:`stop_pool` stops the workers at once (SIGKILL) instead of waiting for their current
  reports, then kills any kernels they started and removes the kernels' temporary folders.

Example::

    >>> pool = start_pool(2)                 # doctest: +SKIP
    >>> stop_pool(pool)                      # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

__all__ = ["KERNEL_NAME", "in_pool_worker", "preload", "start_pool", "stop_pool", "warm_up"]

KERNEL_NAME = "python3"
_in_pool_worker = False
#: How often a worker checks that its driver is still there (seconds).
PARENT_POLL = 0.5


def _stop_now(*_: Any) -> None:
    """Kill this worker's kernels and exit without running anything else."""
    try:
        if "spc.render.warm" in sys.modules:  # only a worker that started kernels has any
            sys.modules["spc.render.warm"].kill_all()
    finally:
        os._exit(1)


def _gone(pid: int) -> bool:
    """True once process ``pid`` has exited (a zombie, not yet reaped, counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    except OSError:  # no /proc (macOS): ask the process itself
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def _watch_driver(driver: int) -> None:
    """A worker forked by the fork server is the server's child, not the driver's: it watches
    the driver itself (the server lives while any worker does, so waiting for it would
    wait forever)."""
    while True:
        time.sleep(PARENT_POLL)
        if _gone(driver):
            _stop_now()


def _worker_init(driver: int) -> None:
    """In each worker: shut kernels down at a normal exit, stop at once on SIGTERM or when
    the driver is gone, and leave Ctrl-C to the driver."""
    from multiprocessing import util

    from spc.render.warm import shutdown_all

    global _in_pool_worker
    _in_pool_worker = True
    gc.enable()  # off in the fork server it came from (``spc.render.preload``)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_now)
    util.Finalize(None, shutdown_all, exitpriority=10)
    threading.Thread(
        target=_watch_driver, args=(driver,), name="spc-watch-driver", daemon=True
    ).start()


def in_pool_worker() -> bool:
    """True in a worker of :func:`start_pool` (its notebooks run in its own shell)."""
    return _in_pool_worker


def warm_up() -> float:
    """Import papermill, nbconvert and what a report needs, and set up this worker's shell;
    returns the seconds taken.

    Submitted once per worker before the real tasks, so the start-up cost overlaps with the
    driver's own work (reading and checking the data).
    """
    start = time.perf_counter()
    import papermill  # noqa: F401 - the import is the point

    from spc.render.inprocess import get_shell
    from spc.render.pages import _exporter

    get_shell()
    _exporter()
    return time.perf_counter() - start


#: What the fork server imports (and so every worker it forks has): see that module.
PRELOAD = ["spc.render.preload"]


_fork_server_failed = False


def _context() -> Any:
    """Workers are forked from a fork server that has imported :data:`PRELOAD` (where the
    system has one: Linux, macOS, and it started), else spawned afresh."""
    if "forkserver" in multiprocessing.get_all_start_methods() and not _fork_server_failed:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def _start_fork_server() -> None:
    """Start the fork server (once per driver); on failure workers are spawned instead."""
    global _fork_server_failed
    from multiprocessing import connection, forkserver

    chosen = connection.arbitrary_address
    if sys.version_info < (3, 12) and sys.platform.startswith("linux"):
        # Python 3.11 puts the server's socket file in a temporary folder: a long TMPDIR
        # makes its path too long for a socket, and a driver killed outright leaves the
        # folder behind. An abstract socket (a name starting with NUL, no file), which is
        # what Python 3.12 uses on Linux, has neither problem.
        connection.arbitrary_address = lambda family: (  # type: ignore[assignment]
            f"\0spc-workers-{os.getpid()}" if family == "AF_UNIX" else chosen(family)
        )
    try:
        with _sigint_ignored():
            forkserver.ensure_running()
    except OSError:
        _fork_server_failed = True
    finally:
        connection.arbitrary_address = chosen


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT while starting processes: they start with it ignored (an ignored signal
    stays ignored in a new program), so a Ctrl-C during their start-up cannot print a
    traceback from them; the driver handles it."""
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
    try:
        yield
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)


def preload() -> None:
    """Start the fork server now, so that it imports what the workers need while the driver
    checks the data (on 2 cores the second one is otherwise idle then). It renders nothing
    and writes nothing; it exits with the driver."""
    if _context().get_start_method() == "forkserver":
        _start_fork_server()


def start_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool of ``workers`` whose workers are already warming up.

    Forked from the fork server of :func:`preload` (started here if it is not running yet),
    the workers start in a thread: forking waits until the server has imported everything,
    and the driver has its own work meanwhile.
    """
    preload()
    context = _context()
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_worker_init,
        initargs=(os.getpid(),),
    )
    if context.get_start_method() == "forkserver":
        # The server ignores SIGINT and its children start with its signal dispositions. A
        # daemon thread: a driver stopped (Ctrl-C) while the server still imports exits at
        # once; workers forked meanwhile see it gone and exit too.
        threading.Thread(
            target=_start_workers,
            args=(pool, workers),
            name="spc-start-workers",
            daemon=True,
        ).start()
    else:
        with _sigint_ignored():
            _start_workers(pool, workers)
    return pool


def _start_workers(pool: ProcessPoolExecutor, workers: int) -> None:
    try:
        for _ in range(workers):
            pool.submit(warm_up)  # each submit starts a worker, until there are enough
    except RuntimeError:
        pass  # the pool was stopped (Ctrl-C) before its workers had started


def worker_pids(pool: ProcessPoolExecutor) -> list[int]:
    """The pids of the pool's worker processes (for cleaning up after them)."""
    processes = getattr(pool, "_processes", None) or {}
    return [p.pid for p in processes.values() if p.pid is not None]


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop every worker now (their unfinished reports are abandoned), kill the kernels they
    started and remove the kernels' folders."""
    from spc.render.kernel_dirs import kill_kernels_of

    processes = list((getattr(pool, "_processes", None) or {}).values())
    pids = [p.pid for p in processes if p.pid is not None]
    for process in processes:
        try:
            process.kill()
        except (OSError, ValueError):
            pass  # already gone
    for process in processes:
        process.join(timeout=5)
    pool.shutdown(wait=True, cancel_futures=True)
    kill_kernels_of(pids)
