"""Which files to read: paths as given, folders opened, the same file given twice said once.

``safety-spc validate DIR``, ``safety-spc render --data DIR``, ``spc.load(DIR)`` and the
explorer's "Data file(s)" box all accept a folder: its data files (``.csv``, ``.xlsx``,
``.xlsm``, ``.xls``) are read, and everything else in it (a README, a script, a sub-folder,
Excel's ``~$`` lock files) is skipped with a note. A data file in a folder that follows no
template (a manifest, say) is skipped with a note by the loader; named on its own, it is an
error. Nothing is searched recursively.

Example::

    >>> import tempfile; from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.csv").write_text("ward,month\\n"); _ = (folder / "notes.md").write_text("")
    >>> report = ValidationReport()
    >>> [(p.name, f == folder) for p, f in expand_paths([folder], report)]
    [('a.csv', True)]
    >>> report.notes[0].message
    'skipped: not a data file (.md)'
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from spc.data.problems import ERROR, NOTE, WARNING, ValidationReport
from spc.data.read import DATA_SUFFIXES

__all__ = ["as_path_list", "expand_paths"]

PathLike = str | os.PathLike[str]


def as_path_list(paths: PathLike | Sequence[PathLike]) -> list[Path]:
    """One path or a sequence of paths as a list of :class:`Path`."""
    if isinstance(paths, str | os.PathLike):
        return [Path(paths)]
    return [Path(p) for p in paths]


def _folder_files(folder: Path, report: ValidationReport) -> list[Path]:
    found = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name.lower()):
        if entry.name.startswith("."):
            continue  # hidden files (.DS_Store, .git) are nobody's data
        if entry.name.startswith("~$"):
            report.add(
                NOTE,
                entry.name,
                "skipped: Excel's lock file (the workbook is open in Excel)",
                "close the workbook in Excel",
            )
        elif entry.is_dir():
            report.add(
                NOTE,
                entry.name + "/",
                f"skipped: a sub-folder of {folder.name}/ (sub-folders are not read)",
                "give the sub-folder itself to read the files in it",
            )
        elif entry.suffix.lower() in DATA_SUFFIXES:
            found.append(entry)
        else:
            report.add(
                NOTE,
                entry.name,
                f"skipped: not a data file ({entry.suffix or 'no extension'})",
            )
    if not found:
        report.add(
            ERROR,
            folder.name + "/",
            "the folder holds no data files (.csv or .xlsx)",
            "give the folder that holds the data files, or the files themselves",
        )
    return found


def expand_paths(paths: Sequence[Path], report: ValidationReport) -> list[tuple[Path, Path | None]]:
    """The files to read, each with the folder it was found in (None when given itself).

    A folder gives its data files (notes for what is skipped); a file given twice (also by
    being in a folder given too) is read once, with a warning.
    """
    out: list[tuple[Path, Path | None]] = []
    seen: dict[Path, str] = {}
    for path in paths:
        if path.is_dir():
            candidates: list[tuple[Path, Path | None]] = [
                (p, path) for p in _folder_files(path, report)
            ]
        else:
            candidates = [(path, None)]
        for file, from_folder in candidates:
            try:
                key = file.resolve()
            except OSError:
                key = file.absolute()
            if key in seen:
                if from_folder is None:
                    also = "" if seen[key] == str(file) else f", also as {seen[key]}"
                    report.add(
                        WARNING,
                        file.name,
                        f"the same file is given twice ({file}{also}); it is read once",
                        "give each file once",
                    )
                continue
            seen[key] = str(file)
            out.append((file, from_folder))
    return out
