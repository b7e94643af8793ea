"""The synthetic example collaborative: 4 trusts x 3 wards, 36 months (``data/example``).

The files ship inside the package (``spc/_bundled/data/example`` in a wheel) and are found
with ``importlib.resources`` (see ``spc._resources``); in a clone or an editable install they
are the repository's ``data/example``. ``SAFETY_SPC_EXAMPLE_DIR`` points elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from spc._resources import resource_candidates
from spc.data.tidy import load
from spc.errors import SPCError

__all__ = ["EXAMPLE_ENV", "EXAMPLE_FILES", "example_dir", "example_files", "load_example"]

EXAMPLE_ENV = "SAFETY_SPC_EXAMPLE_DIR"
#: Files of the example collaborative, in load order (``messy/`` is kept apart on purpose).
EXAMPLE_FILES = (
    "ward-monthly-avonmere.csv",
    "ward-monthly-brackley.csv",
    "ward-monthly-cresthaven.xlsx",
    "ward-monthly-dunmoor.csv",
    "safety-thermometer.csv",
    "events.csv",
    "changes.csv",
)


def example_dir() -> Path:
    """Folder of the synthetic example collaborative.

    ``SAFETY_SPC_EXAMPLE_DIR`` when it is set and holds the example, otherwise the copy that
    ships with the package (``data/example`` of the repository in a clone or an editable
    install); raises :class:`SPCError` naming the places looked at when none has it.
    """
    env = os.environ.get(EXAMPLE_ENV)
    candidates = [Path(env)] if env else []
    candidates += resource_candidates("data/example")
    for c in candidates:
        if (c / "README.md").exists():
            return c
    raise SPCError(
        "the example data folder data/example was not found (looked in "
        f"{', '.join(str(c) for c in candidates)}); reinstall safety-spc, or set {EXAMPLE_ENV} "
        "to a folder holding the example files"
    )


def load_example(name: str = "collaborative") -> pd.DataFrame:
    """Load the SYNTHETIC example collaborative (12 wards, 36 months) as a tidy frame.

    ``name="collaborative"`` loads every file in :data:`EXAMPLE_FILES`; the name of one file
    (e.g. ``"events.csv"``) loads just that file. The example has gaps on purpose, so no
    warning is emitted; the report is in ``frame.attrs["report"]``.

    >>> import spc
    >>> df = spc.load_example()
    >>> df["team"].nunique()
    12
    """
    folder = example_dir()
    if name == "collaborative":
        return load([folder / f for f in EXAMPLE_FILES], warn=False)
    if name in EXAMPLE_FILES:
        return load(folder / name, warn=False)
    raise SPCError(
        f"unknown example {name!r}: choose 'collaborative' or one of {', '.join(EXAMPLE_FILES)}"
    )


def example_files() -> list[Path]:
    """Paths of the synthetic example collaborative's data files (change log included)."""
    folder = example_dir()
    return [folder / name for name in EXAMPLE_FILES]
