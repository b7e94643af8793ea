"""The output folder of a render: checked before anything starts, held by one render at a time.

* ``--out`` that is a file, or a folder that cannot be created or written, is refused with one
  line before any worker starts (:class:`OutputFolder` raises :class:`~spc.errors.SPCError`).
* Two renders into one folder would overwrite each other's pages and index: the second is
  refused while the first runs (an advisory ``flock`` on ``.render.lock``, released by the
  system when the process ends however it ends, so a killed render never blocks the next).
* The lock file also holds a token of the render that owns the folder; a report finishing
  after its render stopped (a Dask task still running) checks it and writes nothing.
* Temporary files a stopped render left behind (``.*.partial.*``, ``.*.tmp``) are removed
  when a render takes the folder and when it stops.

Example::

    >>> import tempfile
    >>> with OutputFolder(tempfile.mkdtemp()) as folder:
    ...     folder.token != ""
    True
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import IO, Any

from spc.errors import SPCError

try:  # POSIX; on Windows two renders into one folder are not detected
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

__all__ = ["LOCK_FILE", "OutputFolder", "is_current", "remove_partials"]

LOCK_FILE = ".render.lock"
_PARTIAL_PATTERNS = (".*.partial.*", ".*.tmp")


def remove_partials(out: Path) -> list[Path]:
    """Remove the temporary files of interrupted writes under ``out``; returns them."""
    removed = []
    for pattern in _PARTIAL_PATTERNS:
        for path in out.rglob(pattern):
            if path.is_file():
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed.append(path)
    return removed


def is_current(out: str | Path, token: str) -> bool:
    """True while the render with ``token`` still owns ``out`` (an empty token: no check)."""
    if not token:
        return True
    try:
        return (Path(out) / LOCK_FILE).read_text().split()[1:2] == [token]
    except OSError:
        return False


class OutputFolder:
    """The output folder, checked and locked for this render (a context manager)."""

    def __init__(self, out: str | Path) -> None:
        self.path = Path(out)
        self.token = secrets.token_hex(8)
        self._fh: IO[str] | None = None
        self._check()
        self._lock()
        remove_partials(self.path)

    def _check(self) -> None:
        out = self.path
        if out.exists() and not out.is_dir():
            raise SPCError(f"--out {out} is a file, not a folder: give a folder for the reports")
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SPCError(
                f"cannot create the output folder {out} ({_reason(exc)}); choose a folder "
                "you may write to"
            ) from None

    def _lock(self) -> None:
        lock_path = self.path / LOCK_FILE
        try:
            fh = open(lock_path, "a+", encoding="utf-8")
        except OSError as exc:
            raise SPCError(
                f"cannot write into the output folder {self.path} ({_reason(exc)}); choose a "
                "folder you may write to"
            ) from None
        if fcntl is not None:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                fh.seek(0)
                owner = (fh.read().split() or ["?"])[0]
                fh.close()
                raise SPCError(
                    f"another safety-spc render (process {owner}) is writing into {self.path}; "
                    "wait for it to finish, or render into another folder"
                ) from None
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(f"{os.getpid()} {self.token}\n")
            fh.flush()
        except OSError as exc:
            fh.close()
            raise SPCError(
                f"cannot write into the output folder {self.path} ({_reason(exc)}); choose a "
                "folder you may write to"
            ) from None
        self._fh = fh

    def retire(self) -> None:
        """Keep the folder but retire this render's token: reports still running elsewhere
        (on Dask workers) write nothing after this."""
        if self._fh is None:
            return
        with contextlib.suppress(OSError):
            self._fh.seek(0)
            self._fh.truncate()
            self._fh.write(f"{os.getpid()} stopped\n")
            self._fh.flush()

    def release(self) -> None:
        """Give the folder up: reports still running elsewhere write nothing after this."""
        fh, self._fh = self._fh, None
        if fh is None:
            return
        with contextlib.suppress(OSError):
            fh.seek(0)
            fh.truncate()
            fh.flush()
        fh.close()  # closing releases the flock

    def __enter__(self) -> OutputFolder:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


def _reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()
