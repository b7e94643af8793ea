"""Where the folders that ship with safety-spc are: the notebooks and the example data.

The repository keeps ``notebooks/`` and ``data/example/`` at the top, where people look. A
built wheel carries copies inside the package, under ``spc/_bundled/`` (``setup.py`` copies them
at build time; nothing is committed twice). At run time they are found with
``importlib.resources``: the bundled copy when there is one (an installed wheel), otherwise the
repository's folder next to the package (a clone or an editable install).

>>> resource_dir("notebooks").joinpath("team_report.ipynb").is_file()
True
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from spc.errors import SPCError

__all__ = ["BUNDLED", "resource_candidates", "resource_dir"]

#: The folders a wheel carries, as paths relative to the repository (and to ``spc/_bundled``).
BUNDLED = ("notebooks", "data/example")


def _package_dir() -> Path:
    """The installed ``spc`` package folder."""
    root = resources.files("spc")
    if not isinstance(root, Path):  # pragma: no cover - zip imports are not supported
        raise SPCError("safety-spc must be installed as files on disk, not inside a zip archive")
    return root


def resource_candidates(name: str) -> list[Path]:
    """Where folder ``name`` (one of :data:`BUNDLED`) may be, in the order looked at."""
    package = _package_dir()
    return [package / "_bundled" / name, package.parent / name]


def resource_dir(name: str) -> Path:
    """The folder ``name`` (``"notebooks"`` or ``"data/example"``) that ships with safety-spc.

    Raises :class:`SPCError` naming the places looked at when it is in none of them.
    """
    if name not in BUNDLED:
        raise SPCError(f"unknown resource folder {name!r}; choose one of {', '.join(BUNDLED)}")
    candidates = resource_candidates(name)
    for folder in candidates:
        if folder.is_dir():
            return folder
    raise SPCError(
        f"the {name} folder of safety-spc was not found (looked in "
        f"{', '.join(str(c) for c in candidates)}); reinstall the package"
    )
