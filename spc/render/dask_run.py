"""Running the batch renderer's tasks on a Dask cluster (``--dask-scheduler``).

* An unreachable scheduler is one line within seconds (:func:`connect`), before any work.
* A task whose worker dies (Dask gives up with ``KilledWorker`` after the scheduler's own
  ``allowed-failures`` retries) is submitted again up to :data:`ATTEMPTS` times in all, then
  marked failed with a message saying so; the other tasks go on.
* When no worker is connected for ``no_worker_timeout`` seconds, the tasks not yet finished
  are marked failed with a message saying to start workers, instead of waiting for ever.

Example::

    >>> client = connect("tcp://127.0.0.1:8786", timeout=2)     # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from spc.errors import SPCError

__all__ = ["ATTEMPTS", "NO_WORKER_TIMEOUT", "connect", "run_on_dask"]

#: Times a task is tried in all when its worker keeps dying.
ATTEMPTS = 2
#: Seconds without any connected worker before the remaining tasks are marked failed.
NO_WORKER_TIMEOUT = 60.0
_POLL = 0.2


def connect(address: str, timeout: float = 5) -> Any:
    """A Dask client connected to ``address``, or :class:`SPCError` in one line."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise SPCError(
            "--dask-scheduler needs the distributed package: pip install safety-spc[dask]"
        ) from None
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SPCError(
            f"cannot reach the Dask scheduler at {address} within {timeout:g} s ({reason}); "
            "check the address and that the scheduler is running"
        ) from None


def run_on_dask(
    client: Any,
    tasks: Sequence[Any],
    out_dir: str,
    execute: Callable[..., Any],
    finish: Callable[[Any, Any], None],
    failed: Callable[[Any, str], Any],
    *,
    attempts: int = ATTEMPTS,
    no_worker_timeout: float = NO_WORKER_TIMEOUT,
) -> None:
    """Run ``execute(task, out_dir)`` for each task on the cluster; ``finish(outcome, task)``
    as each ends, ``failed(task, message)`` makes the outcome of a task that could not run."""
    from distributed import KilledWorker

    futures: dict[Any, tuple[Any, int]] = {}

    def submit(task: Any, attempt: int) -> None:
        key = f"spc-{task.ipynb}-{attempt}-{time.monotonic_ns()}"
        future = client.submit(execute, task, out_dir, pure=False, key=key, retries=0)
        futures[future] = (task, attempt)

    for task in tasks:
        submit(task, 1)
    last_worker = time.monotonic()
    last_check = 0.0
    try:
        while futures:
            done = [f for f in futures if f.done()]
            for future in done:
                task, attempt = futures.pop(future)
                if future.status == "finished":
                    finish(future.result(), task)
                    continue
                exc = _exception(future)
                if isinstance(exc, KilledWorker) and attempt < attempts:
                    submit(task, attempt + 1)
                    continue
                if isinstance(exc, KilledWorker):
                    message = (
                        f"the Dask worker rendering this report died {attempt} time(s) "
                        "(KilledWorker): the report may use more memory than a worker has, "
                        "or the worker crashes; see the workers' logs"
                    )
                else:
                    message = f"the Dask task did not finish: {type(exc).__name__}: {exc}"
                finish(failed(task, message), task)
            now = time.monotonic()
            if futures and now - last_check > 1.0:
                last_check = now
                if _worker_count(client):
                    last_worker = now
                elif now - last_worker > no_worker_timeout:
                    message = (
                        f"no Dask worker was connected to the scheduler for "
                        f"{no_worker_timeout:g} s; start workers (dask worker ADDRESS) and "
                        "render again"
                    )
                    client.cancel(list(futures))
                    for task, _ in list(futures.values()):
                        finish(failed(task, message), task)
                    futures.clear()
            if not done:
                time.sleep(_POLL)
    except BaseException:
        # Ctrl-C (or a lost scheduler): nothing more is started; the caller cleans up. Reports
        # that finished while we were told to stop are recorded: their pages are written.
        for future, (task, _) in list(futures.items()):
            try:
                if future.status == "finished":
                    finish(future.result(timeout=5), task)
                    del futures[future]
            except BaseException:
                break  # a second Ctrl-C, or the scheduler gone: stop recording
        if futures:
            try:
                client.cancel(list(futures))
            except Exception:
                pass  # the scheduler may be gone
        raise


def _exception(future: Any) -> BaseException:
    try:
        return future.exception(timeout=5)
    except BaseException as exc:  # cancelled or lost: the exception is the reason
        return exc


def _worker_count(client: Any) -> int:
    try:
        return len(client.scheduler_info(n_workers=-1).get("workers", {}))
    except Exception:
        return 0


def stop_kernels(client: Any, now: bool = False) -> None:
    """Shut the warm kernels on every worker down (``now``: kill them, stopping the reports
    they run), then disconnect."""
    from spc.render.warm import kill_all, shutdown_all

    try:
        client.run(kill_all if now else shutdown_all, wait=True)
    except Exception:
        pass  # workers or scheduler gone: nothing left to stop
    finally:
        client.close(timeout=5)
