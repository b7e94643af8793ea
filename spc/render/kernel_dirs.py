"""Where a warm kernel keeps its connection file and sockets, and how the driver cleans up
after kernels whose workers were stopped or killed: light enough for the driver to import
while it stops (no jupyter_client).

Each kernel's folder is ``<tmp>/spc-kernel-<worker pid>-*`` and holds ``kernel.pid``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from pathlib import Path

__all__ = ["KERNEL_DIR_PREFIX", "clean_stale_kernel_dirs", "kill_kernel_dir", "kill_kernels_of"]

KERNEL_DIR_PREFIX = "spc-kernel-"


def _kernel_pid(folder: Path) -> int | None:
    """The pid in a kernel folder, if that process is still this folder's kernel (its command
    line names the folder's connection file, so a reused pid is never killed)."""
    try:
        pid = int((folder / "kernel.pid").read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if str(folder).encode() in cmdline else None


def kill_kernel_dir(folder: Path) -> None:
    pid = _kernel_pid(folder)
    if pid is not None:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kill_kernels_of(worker_pids: list[int]) -> None:
    """Stop the kernels that the given (dead or dying) worker processes started, and remove
    their folders. The driver calls it after stopping its workers."""
    root = Path(tempfile.gettempdir())
    for pid in worker_pids:
        for folder in root.glob(f"{KERNEL_DIR_PREFIX}{pid}-*"):
            kill_kernel_dir(folder)


def clean_stale_kernel_dirs() -> None:
    """Remove the kernel folders of worker processes that no longer exist (a worker killed
    with SIGKILL cannot clean up after itself; its kernel exits when it sees its parent go)."""
    root = Path(tempfile.gettempdir())
    for folder in root.glob(f"{KERNEL_DIR_PREFIX}*-*"):
        owner = folder.name[len(KERNEL_DIR_PREFIX) :].split("-", 1)[0]
        if owner.isdigit() and not _alive(int(owner)):
            kill_kernel_dir(folder)
