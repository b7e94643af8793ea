"""Load and validate data files in the template formats into one tidy long frame.

``spc.load(paths)`` reads CSV or Excel files that follow the templates in ``spc.data.templates``
(``ward-monthly``, ``safety-thermometer``, ``events``, ``changes``), checks every cell, and
returns one row per team, period and measure:

=============  =====================================================================
team           ward or team (the template's ``ward`` / ``team`` column)
trust          trust or organisation (missing when the file has no ``trust`` column)
period         first of the month for monthly measures; the event date for days-between
measure        catalogue id (see :func:`spc.measures`)
numerator      summed numerator columns; for days-between measures the days
denominator    summed denominator columns (NaN when the measure has none)
value          numerator / denominator * multiplier, in the measure's unit
annotation     change-log text for this point ("PDSA 1: ..."), else missing
phase_start    True where the change log says a new phase starts
file, row      where the numbers came from (file name, spreadsheet row)
=============  =====================================================================

Days-between series are derived from the event log: for each ward, the days since the
previous qualifying event (the first event of each ward starts the clock and has no value,
so it is not a row).

Problems are collected across all files and raised together as one
:class:`~spc.data.problems.DataValidationError`; warnings (gaps, small denominators) travel in
``frame.attrs["report"]``. ``spc.validate(paths)`` returns the report without raising.

Example::

    >>> import spc
    >>> df = spc.load(["ward-monthly.csv", "changes.csv"])      # doctest: +SKIP
    >>> df.attrs["report"].warnings                              # doctest: +SKIP
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from spc.data.catalogue import load_catalogue
from spc.data.cells import clean_name
from spc.data.checks import (
    MONTHLY,
    Parsed,
    check_duplicates_and_gaps,
    check_header,
    check_rows,
    detect_kind,
    keep_teams,
    template_schemas,
    unknown_template,
)
from spc.data.files import as_path_list, expand_paths
from spc.data.measure_rows import (
    ROW_COLUMNS,
    apply_changes,
    event_rows,
    monthly_rows,
    report_no_figures,
)
from spc.data.problems import ERROR, NOTE, DataValidationError, ValidationReport
from spc.data.read import normalise_name, read_table_cached
from spc.data.templates import EXAMPLE_MARKER
from spc.errors import DataWarning, SPCError

__all__ = ["LONG_COLUMNS", "data_files", "load", "team_names", "validate"]

#: Columns of the tidy frame returned by :func:`load`, in order.
LONG_COLUMNS = [
    "team", "trust", "period", "measure", "numerator", "denominator", "value",
    "annotation", "phase_start", "file", "row",
]  # fmt: skip


PathLike = str | os.PathLike[str]


def _read_all(
    paths: PathLike | Sequence[PathLike],
    *,
    dayfirst: bool,
    kind: str | dict[str, str] | None,
    schemas: dict,
    report: ValidationReport,
    teams: Sequence[str] | None,
) -> list[Parsed]:
    """Read and check every file (folders opened); parsed rows of the template files."""
    path_list = as_path_list(paths)
    if not path_list:
        raise SPCError("no files given: pass a path or a list of paths")
    files = expand_paths(path_list, report)
    report.files = [str(p) for p, _ in files]
    parsed: list[Parsed] = []
    seen: dict[str, str] = {}
    folders = {folder: 0 for _, folder in files if folder is not None}
    for path, from_folder in files:
        table = read_table_cached(path, report)
        if table is None:
            if from_folder is not None:
                folders[from_folder] += 1  # its error says what is wrong with it
            continue
        k = kind.get(str(path), kind.get(path.name)) if isinstance(kind, dict) else kind
        if k is None:
            k = detect_kind(table, schemas)
        if k is None:
            if from_folder is not None:
                report.add(
                    NOTE,
                    table.label,
                    "skipped: not in a template format (its column names match no template)",
                )
                report.files.remove(str(path))
            else:
                unknown_template(table, schemas, report)
            continue
        if k not in schemas:
            raise SPCError(f"unknown kind {k!r}: choose one of {', '.join(schemas)}")
        if table.digest in seen:
            report.add(
                ERROR,
                table.label,
                f"the file has the same content as {seen[table.digest]}: the same data given twice",
                "give each file once (check the file names: one may be a copy)",
            )
            continue
        seen[table.digest] = table.label
        if from_folder is not None:
            folders[from_folder] += 1
        positions = check_header(table, schemas[k], report)
        if teams is not None:
            table = keep_teams(table, positions, schemas[k].spec.team_column, teams)
        parsed.append(check_rows(table, schemas[k], positions, dayfirst, report))
    for folder, found in folders.items():
        if not found:
            report.add(
                ERROR,
                folder.name + "/",
                "none of the data files in the folder follows a template",
                "put the data files in the template formats (safety-spc template --list) in "
                "the folder, or give the files themselves",
            )
    return parsed


def _run(
    paths: PathLike | Sequence[PathLike],
    *,
    dayfirst: bool,
    kind: str | dict[str, str] | None,
    measures_file: PathLike | Sequence[PathLike] | None,
    teams: Sequence[str] | None = None,
    build: bool = True,
) -> tuple[pd.DataFrame | None, ValidationReport]:
    """Read, check and (with ``build``) assemble the tidy frame; ``validate`` builds only
    what the checks need."""
    catalogue = load_catalogue(measures_file)
    schemas = template_schemas(catalogue)
    report = ValidationReport()
    parsed = _read_all(
        paths, dayfirst=dayfirst, kind=kind, schemas=schemas, report=report, teams=teams
    )
    check_duplicates_and_gaps(parsed, report)
    measures = []
    for p in parsed:
        if p.kind in MONTHLY:
            measures += monthly_rows(p, schemas[p.kind], report)
    report_no_figures(parsed, schemas, measures, report)
    events = event_rows([p for p in parsed if p.kind == "events"], catalogue, report)
    changes = [p for p in parsed if p.kind == "changes"]
    if not build and not changes:
        return None, report
    frames = [pd.DataFrame(columns) for columns in measures]
    if events:
        frames.append(pd.DataFrame(events, columns=ROW_COLUMNS))
    frames = [f for f in frames if len(f)]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ROW_COLUMNS)
    frame = apply_changes(frame, changes, catalogue, report)
    if not report.ok or not build:
        return None, report
    frame = frame[LONG_COLUMNS]
    frame["period"] = pd.to_datetime(frame["period"]).astype("datetime64[us]")
    for c in ("numerator", "denominator", "value"):
        frame[c] = frame[c].astype(float)
    frame["row"] = frame["row"].astype(int)
    frame["phase_start"] = frame["phase_start"].astype(bool)
    frame = frame.sort_values(["measure", "team", "period"], kind="stable").reset_index(drop=True)
    frame.attrs["report"] = report
    return frame, report


def data_files(
    paths: PathLike | Sequence[PathLike], measures_file: PathLike | Sequence[PathLike] | None = None
) -> tuple[list[Path], ValidationReport]:
    """The template files to read for ``paths``: folders opened, files given twice once, and
    files in a folder that follow no template left out. The report has a note for each file
    skipped (and errors for what cannot be read); nothing is checked beyond the header.

    >>> files, report = data_files("data/example")          # doctest: +SKIP
    >>> [n.message for n in report.notes][:1]               # doctest: +SKIP
    ['skipped: not a data file (.py)']
    """
    schemas = template_schemas(load_catalogue(measures_file))
    report = ValidationReport()
    out = []
    for path, from_folder in expand_paths(as_path_list(paths), report):
        if from_folder is not None:
            table = read_table_cached(path, report)
            if table is not None and detect_kind(table, schemas) is None:
                report.add(
                    NOTE,
                    table.label,
                    "skipped: not in a template format (its column names match no template)",
                )
                continue
        out.append(path)
    return out, report


def team_names(paths: PathLike | Sequence[PathLike]) -> list[str]:
    """Every team (ward) named in the data files, sorted, even when the files have errors.

    Only the team column of each recognised file is read; nothing is validated. The batch
    renderer uses it to give every team a report page, including teams whose data fail.
    """
    schemas = template_schemas(load_catalogue())
    names: set[str] = set()
    for path, _ in expand_paths(as_path_list(paths), ValidationReport()):
        table = read_table_cached(path, ValidationReport())
        kind = detect_kind(table, schemas) if table is not None else None
        if kind is None or kind == "changes":
            continue
        team_column = schemas[kind].spec.team_column
        header = [normalise_name(h) for h in table.header]
        if team_column not in header:
            continue
        col = table.columns[header.index(team_column)]
        used = np.unique(col.codes[col.codes >= 0])
        names |= {clean_name(col.values[i]) for i in used}
    names.discard(EXAMPLE_MARKER)
    names.discard("")
    return sorted(names)


def validate(
    paths: PathLike | Sequence[PathLike],
    *,
    dayfirst: bool = True,
    kind: str | dict[str, str] | None = None,
    measures_file: PathLike | Sequence[PathLike] | None = None,
    teams: Sequence[str] | None = None,
) -> ValidationReport:
    """Check data files (or folders of them) and return a
    :class:`~spc.data.problems.ValidationReport`; never raises for problems in the data.

    >>> print(spc.validate("ward-monthly.csv"))      # doctest: +SKIP
    Checked 1 file(s): 0 error(s), 1 warning(s)
    """
    return _run(
        paths, dayfirst=dayfirst, kind=kind, measures_file=measures_file, teams=teams, build=False
    )[1]


def load(
    paths: PathLike | Sequence[PathLike],
    *,
    dayfirst: bool = True,
    kind: str | dict[str, str] | None = None,
    measures_file: PathLike | Sequence[PathLike] | None = None,
    warn: bool = True,
    teams: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read CSV/XLSX files in the template formats into one tidy long frame (see module doc).

    ``paths`` is one path or a list (data files, event logs and change logs together, or
    folders of them: each folder's data files are read and anything else skipped). The
    template of each file is recognised from its column names, or given with ``kind`` (a
    template name, or ``{path: name}``). Dates are read day first (01/04/2024 is 1 April
    2024) unless ``dayfirst=False``. ``measures_file`` adds or overrides catalogue measures.
    ``teams`` reads (and validates) only those teams' rows, as a team's report does.

    Raises :class:`~spc.data.problems.DataValidationError` listing every error in every file.
    Warnings (gaps, small denominators) are in ``frame.attrs["report"]``; with ``warn=True``
    one :class:`~spc.errors.SPCWarning` says how many there are.

    >>> df = spc.load(["ward-monthly.xlsx", "events.csv", "changes.csv"])   # doctest: +SKIP
    >>> df.query("measure == 'falls_per_1000_obd'").head()                 # doctest: +SKIP
    """
    frame, report = _run(
        paths, dayfirst=dayfirst, kind=kind, measures_file=measures_file, teams=teams
    )
    if frame is None:
        raise DataValidationError(report)
    if warn and report.warnings:
        warnings.warn(
            f"{len(report.warnings)} data warning(s) (gaps or small denominators); see "
            "frame.attrs['report'] or run safety-spc validate",
            DataWarning,
            stacklevel=2,
        )
    return frame
