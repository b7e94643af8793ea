"""A papermill engine that reuses one warm Jupyter kernel per worker (thread).

Starting a kernel, importing pandas/matplotlib/spc inside it and shutting it down costs about
1.7 s per report; executing a three-chart report costs a fraction of that. This engine keeps
one kernel alive per worker thread and, before each notebook, restores the kernel's fresh
state (``spc.render.kernel_state``), so every report is still a real, fully executed
notebook. Registered with papermill as ``safety-spc-warm`` (entry point and on import).

Kernels start with IPython's history database switched off: warm kernels restart their
execution count for every report, and a shared history database then prints "ERROR!
Session/line number was not unique in database. History logging moved to new session" into
the report. Each kernel keeps its connection file and sockets in one temporary folder named
after the worker process (``spc-kernel-<worker pid>-*``) with the kernel's pid in it, so a
kernel whose worker was killed is found, stopped and its folder removed
(``spc.render.kernel_dirs``, and by the next kernel a worker starts).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from jupyter_client.manager import KernelManager
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

from spc.render import kernel_state
from spc.render.kernel_dirs import (
    KERNEL_DIR_PREFIX,
    clean_stale_kernel_dirs,
    kill_kernel_dir,
)

ENGINE_NAME = "safety-spc-warm"
#: No history database: see the module docstring (it printed errors into reports).
KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False"]
#: Run as the kernel warms up: what a report imports, then the fresh state recorded.
_STARTUP_CODE = kernel_state.REPORT_IMPORTS + (
    "import spc.render.kernel_state as _spc_ks\n_spc_ks.snapshot()\ndel _spc_ks\n"
)


class WarmKernel:
    """A started kernel with its client, reused for many notebooks."""

    def __init__(self, kernel_name: str, cwd: str, start_timeout: float = 60) -> None:
        self.kernel_name = kernel_name
        clean_stale_kernel_dirs()
        # IPC sockets: local only, no TCP ports, no unencrypted-TCP warning. Each kernel needs
        # its own socket path prefix, or two workers' kernels collide. The connection file
        # goes beside them, so one folder holds everything the kernel leaves on disk.
        self._socket_dir = tempfile.mkdtemp(prefix=f"{KERNEL_DIR_PREFIX}{os.getpid()}-")
        self.km = KernelManager(
            kernel_name=kernel_name,
            transport="ipc",
            ip=os.path.join(self._socket_dir, "k"),
            connection_file=os.path.join(self._socket_dir, "kernel.json"),
        )
        try:
            self.km.start_kernel(cwd=cwd, extra_arguments=KERNEL_ARGUMENTS)
            pid = getattr(self.km.provisioner, "pid", None)
            Path(self._socket_dir, "kernel.pid").write_text(str(pid or ""))
            self.kc = self.km.client()
            self.kc.start_channels()
            self.kc.wait_for_ready(timeout=start_timeout)
            self.run(_STARTUP_CODE)
        except BaseException:
            self.kill()
            raise

    def run(self, code: str, timeout: float = 120) -> None:
        """Execute housekeeping code silently; raise RuntimeError if it fails."""
        reply = self.kc.execute_interactive(
            code, silent=True, store_history=False, timeout=timeout, output_hook=lambda m: None
        )
        content = reply["content"]
        if content["status"] != "ok":
            raise RuntimeError(
                f"warm kernel housekeeping failed: {content.get('ename')}: {content.get('evalue')}"
            )

    def reset(self, cwd: str) -> None:
        # no name may be bound here: the reset clears the namespace it runs in
        self.run(f"__import__('spc.render.kernel_state', fromlist=['reset']).reset({cwd!r})")

    def alive(self) -> bool:
        return self.km.is_alive()

    def shutdown(self) -> None:
        try:
            self.kc.stop_channels()
        finally:
            self.km.shutdown_kernel(now=True)
            shutil.rmtree(self._socket_dir, ignore_errors=True)

    def kill(self) -> None:
        """Stop the kernel at once (no messages) and remove its folder: for a worker that is
        being stopped, where a polite shutdown could wait on a busy kernel."""
        kill_kernel_dir(Path(self._socket_dir))


_local = threading.local()
_all_kernels: list[WarmKernel] = []
_lock = threading.Lock()


def get_warm_kernel(kernel_name: str, cwd: str, start_timeout: float = 60) -> WarmKernel:
    """This thread's warm kernel, started on first use (or again if it died)."""
    kernel: WarmKernel | None = getattr(_local, "kernel", None)
    if kernel is not None and (kernel.kernel_name != kernel_name or not kernel.alive()):
        discard_warm_kernel()
        kernel = None
    if kernel is None:
        kernel = WarmKernel(kernel_name, cwd, start_timeout)
        _local.kernel = kernel
        with _lock:
            _all_kernels.append(kernel)
    return kernel


def discard_warm_kernel() -> None:
    """Shut down this thread's kernel (after a timeout or a dead kernel)."""
    kernel: WarmKernel | None = getattr(_local, "kernel", None)
    _local.kernel = None
    if kernel is not None:
        with _lock:
            if kernel in _all_kernels:
                _all_kernels.remove(kernel)
        try:
            kernel.shutdown()
        except Exception:
            pass  # a dead kernel may fail to shut down; there is nothing left to keep


def kill_all() -> None:
    """Kill every warm kernel this process started, without waiting (a worker that must stop
    now: its driver is gone or asked it to stop)."""
    with _lock:
        kernels = list(_all_kernels)
        _all_kernels.clear()
    for kernel in kernels:
        kernel.kill()


def shutdown_all() -> None:
    """Shut down every warm kernel this process started (worker exit)."""
    with _lock:
        kernels = list(_all_kernels)
        _all_kernels.clear()
    for kernel in kernels:
        try:
            kernel.shutdown()
        except Exception:
            pass  # best effort at process exit
    _local.kernel = None


def _renumber(nb: Any) -> None:
    """Execution counts from 1, as a fresh kernel gives, so reports are reproducible."""
    count = 0
    for cell in nb.cells:
        if cell.get("cell_type") != "code" or cell.get("execution_count") is None:
            continue
        count += 1
        cell["execution_count"] = count
        for output in cell.get("outputs", []):
            if "execution_count" in output:
                output["execution_count"] = count


class WarmKernelEngine(NBClientEngine):
    """papermill engine: like the default nbclient engine, but on this worker's warm kernel."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: Any,
        kernel_name: str,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        start_timeout: float = 60,
        execution_timeout: float | None = None,
        **kwargs: Any,
    ) -> Any:
        # papermill changes the driver's directory, not the kernel's: we pass cwd ourselves.
        cwd = kwargs.pop("cwd", None) or os.getcwd()
        kwargs = remove_args(["input_path"], **kwargs)
        safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
        final_kwargs = merge_kwargs(
            safe_kwargs,
            timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        kernel = get_warm_kernel(kernel_name, cwd, start_timeout)
        kernel.reset(str(cwd))
        client = PapermillNotebookClient(nb_man, km=kernel.km, **final_kwargs)
        client.kc = kernel.kc
        try:
            nb = client.execute()
        except Exception:
            # A timeout or a dead kernel leaves the kernel in an unknown state: start afresh.
            discard_warm_kernel()
            raise
        _renumber(nb)
        return nb


papermill_engines.register(ENGINE_NAME, WarmKernelEngine)
