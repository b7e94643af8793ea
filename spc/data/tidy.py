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

import itertools
import os
import warnings
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spc.data.catalogue import Measure, load_catalogue
from spc.data.checks import (
    MONTHLY,
    Parsed,
    Schema,
    check_duplicates_and_gaps,
    check_header,
    detect_kind,
    keep_teams,
    parse_rows,
    template_schemas,
)
from spc.data.problems import ERROR, NOTE, WARNING, DataValidationError, ValidationReport
from spc.data.read import normalise_name, read_table, read_table_cached
from spc.data.templates import EXAMPLE_MARKER
from spc.errors import DataWarning, SPCError, did_you_mean

__all__ = ["LONG_COLUMNS", "load", "team_names", "validate"]

#: Columns of the tidy frame returned by :func:`load`, in order.
LONG_COLUMNS = [
    "team", "trust", "period", "measure", "numerator", "denominator", "value",
    "annotation", "phase_start", "file", "row",
]  # fmt: skip


PathLike = str | os.PathLike[str]


# -------------------------------------------------------------------------------- tidy output


def _monthly_rows(p: Parsed, schema: Schema, report: ValidationReport) -> list[dict[str, Any]]:
    spec = schema.spec
    out = []
    for m in schema.measures:
        cols = (*m.numerator, *m.denominator)
        have = [c for c in cols if c in p.present]
        if len(have) < len(cols):
            if any(c in p.present for c in m.numerator):
                lacking = ", ".join(c for c in cols if c not in p.present)
                report.add(
                    WARNING,
                    p.label,
                    f"measure {m.id!r} not computed: the file has no column {lacking}",
                    "add the column(s) to compute this measure",
                )
            continue
        small: list[int] = []
        blanks: dict[str, list[int]] = defaultdict(list)
        for rec in p.records:
            if rec.get("_duplicate") or not rec["_ok"]:
                continue
            nums = [rec.get(c) for c in m.numerator]
            dens = [rec.get(c) for c in m.denominator]
            num = np.nan if any(v is None for v in nums) else float(sum(nums))
            den = np.nan if any(v is None for v in dens) else float(sum(dens))
            if not m.denominator:
                den = np.nan
                value = num * m.multiplier
            else:
                value = num / den * m.multiplier if den and den > 0 else np.nan
            if np.isnan(num) or (m.denominator and np.isnan(den)):
                blanks[rec[spec.team_column]].append(rec["_row"])
            if m.min_denominator is not None and 0 < den < m.min_denominator:
                small.append(rec["_row"])
            out.append(
                {
                    "team": rec[spec.team_column],
                    "trust": rec.get("trust"),
                    "period": rec[spec.date_column],
                    "measure": m.id,
                    "numerator": num,
                    "denominator": den,
                    "value": value,
                    "file": p.label,
                    "row": rec["_row"],
                }
            )
        if small:
            rows = ", ".join(str(r) for r in small[:8]) + (" ..." if len(small) > 8 else "")
            report.add(
                WARNING,
                p.label,
                f"small denominator for {m.id}: {len(small)} row(s) below "
                f"{m.min_denominator:g} (rows {rows}); limits will be wide",
                "read single points with care; consider a run chart or quarterly totals",
                row=small[0],
                column=" + ".join(m.denominator),
            )
        for team, rows_ in blanks.items():
            n_team = sum(1 for r in p.records if r[spec.team_column] == team)
            if len(rows_) < n_team:  # some months filled in, some blank: a gap
                report.add(
                    WARNING,
                    p.label,
                    f"gap: {m.id} for {spec.team_column} {team!r} is blank in "
                    f"{len(rows_)} row(s) (rows {', '.join(map(str, rows_[:8]))})",
                    "fill in the missing figures if they exist",
                    row=rows_[0],
                )
    return out


def _event_rows(
    events: list[Parsed], catalogue: dict[str, Measure], report: ValidationReport
) -> list[dict[str, Any]]:
    recs = [dict(r, _file=p.label) for p in events for r in p.records if r["_ok"]]
    if not recs:
        return []
    out = []
    for m in (m for m in catalogue.values() if m.source == "events"):
        chosen = [
            r for r in recs if r["event_type"] == m.event_type and r["severity"] in m.severities
        ]
        by_team: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in chosen:
            by_team[r["ward"]].append(r)
        for team, rs in by_team.items():
            rs.sort(key=lambda r: r["date"])
            same = 0
            for prev, cur in itertools.pairwise(rs):
                days = (cur["date"] - prev["date"]).total_seconds() / 86400
                same = same + 1 if days == 0 else 0
                if days == 0:
                    days = 0.5
                    report.add(
                        WARNING,
                        cur["_file"],
                        f"two {m.id} events for ward {team!r} at {cur['date']:%d/%m/%Y %H:%M} "
                        f"(rows {prev['_row']} and {cur['_row']}): counted as 0.5 days apart "
                        f"(the point is drawn {same} minute(s) later so each event has its "
                        "own x)",
                        "add the time of day to the dates if it is known",
                        row=cur["_row"],
                        column="date",
                    )
                out.append(
                    {
                        "team": team,
                        "trust": cur.get("trust"),
                        "period": cur["date"] + pd.Timedelta(minutes=same),
                        "measure": m.id,
                        "numerator": days,
                        "denominator": np.nan,
                        "value": days,
                        "file": cur["_file"],
                        "row": cur["_row"],
                    }
                )
    return out


def _apply_changes(
    frame: pd.DataFrame,
    changes: list[Parsed],
    catalogue: dict[str, Measure],
    report: ValidationReport,
) -> pd.DataFrame:
    frame["annotation"] = pd.Series([None] * len(frame), dtype=object, index=frame.index)
    frame["phase_start"] = False
    if not changes:
        return frame
    teams = sorted(frame["team"].unique())
    topics = sorted({m.topic for m in catalogue.values()})
    # Each (team, measure) series' row positions, in date order, indexed once: a change is
    # then placed with one binary search per measure instead of scans of the whole frame.
    periods = pd.to_datetime(frame["period"]).to_numpy(dtype="datetime64[ns]")
    series = {
        key: rows[np.argsort(periods[rows], kind="stable")]
        for key, rows in frame.groupby(["team", "measure"], sort=False).indices.items()
    }
    annotations: list[str | None] = [None] * len(frame)
    phase_start = np.zeros(len(frame), dtype=bool)
    for p in changes:
        for rec in p.records:
            team, when = rec["team"], rec["date"]
            if frame.empty or not rec["_ok"]:
                continue
            if team not in teams:
                hint = did_you_mean(team, teams)
                report.add(
                    ERROR,
                    p.label,
                    f"team {team!r} is not in the data files{hint}",
                    "spell the team exactly as in the ward column of the data files",
                    row=rec["_row"],
                    column="team",
                )
                continue
            target = rec.get("measure")
            if target and target not in catalogue and target not in topics:
                options = [*catalogue, *topics]
                hint = did_you_mean(target, options)
                report.add(
                    ERROR,
                    p.label,
                    f"{target!r} is not a measure id or topic{hint}",
                    f"use a topic ({', '.join(topics)}), a measure id, or leave it blank",
                    row=rec["_row"],
                    column="measure",
                )
                continue
            ids = [mid for mid, m in catalogue.items() if not target or target in (mid, m.topic)]
            text = f"{rec['cycle']}: {rec['change']}" if rec.get("cycle") else rec["change"]
            placed = False
            for mid in ids:
                rows = series.get((team, mid))
                if rows is None:
                    continue
                start = (
                    when.to_period("M").to_timestamp()
                    if catalogue[mid].source != "events"
                    else when
                )
                pos = np.searchsorted(periods[rows], np.datetime64(start, "ns"), side="left")
                if pos == len(rows):
                    continue
                row = rows[pos]  # the first point on or after the change
                old = annotations[row]
                if old is None:
                    annotations[row] = text
                elif text not in old.split("; "):
                    # The same note from two files (e.g. the team's changes.csv and the
                    # explorer's exported change log, which repeats it) is shown once.
                    annotations[row] = f"{old}; {text}"
                if rec.get("new_phase"):
                    phase_start[row] = True
                placed = True
            if not placed:
                report.add(
                    NOTE,
                    p.label,
                    f"change for {team!r} on {when:%d/%m/%Y} is after the last data point of "
                    "its measures, so it is not shown on any chart yet",
                    row=rec["_row"],
                    column="date",
                )
    frame["annotation"] = pd.Series(annotations, dtype=object, index=frame.index)
    frame["phase_start"] = phase_start
    return frame


def _run(
    paths: PathLike | Sequence[PathLike],
    *,
    dayfirst: bool,
    kind: str | dict[str, str] | None,
    measures_file: PathLike | Sequence[PathLike] | None,
    teams: Sequence[str] | None = None,
) -> tuple[pd.DataFrame | None, ValidationReport]:
    path_list = [Path(paths)] if isinstance(paths, str | os.PathLike) else [Path(p) for p in paths]
    if not path_list:
        raise SPCError("no files given: pass a path or a list of paths")
    catalogue = load_catalogue(measures_file)
    schemas = template_schemas(catalogue)
    report = ValidationReport([str(p) for p in path_list])
    parsed: list[Parsed] = []
    for path in path_list:
        table = read_table_cached(path, report)
        if table is None:
            continue
        k = kind.get(str(path), kind.get(path.name)) if isinstance(kind, dict) else kind
        if k is None:
            k = detect_kind(table, schemas)
        if k is None:
            report.add(
                ERROR,
                table.label,
                "cannot tell which template this file follows from its column names",
                "use the column names of a template (safety-spc template --list), or pass "
                "kind='ward-monthly' (or another template name)",
                row=1,
            )
            continue
        if k not in schemas:
            raise SPCError(f"unknown kind {k!r}: choose one of {', '.join(schemas)}")
        positions = check_header(table, schemas[k], report)
        if positions is None:
            continue
        if teams is not None:
            keep_teams(table, positions, schemas[k].spec.team_column, teams)
        parsed.append(parse_rows(table, schemas[k], positions, dayfirst, report))
    check_duplicates_and_gaps(parsed, report)
    rows: list[dict[str, Any]] = []
    for p in parsed:
        if p.kind in MONTHLY:
            rows += _monthly_rows(p, schemas[p.kind], report)
    rows += _event_rows([p for p in parsed if p.kind == "events"], catalogue, report)
    frame = pd.DataFrame(
        rows, columns=[c for c in LONG_COLUMNS if c not in ("annotation", "phase_start")]
    )
    frame = _apply_changes(frame, [p for p in parsed if p.kind == "changes"], catalogue, report)
    if not report.ok:
        return None, report
    frame = frame[LONG_COLUMNS]
    frame["period"] = pd.to_datetime(frame["period"])
    for c in ("numerator", "denominator", "value"):
        frame[c] = frame[c].astype(float)
    frame["row"] = frame["row"].astype(int)
    frame["phase_start"] = frame["phase_start"].astype(bool)
    frame = frame.sort_values(["measure", "team", "period"], kind="stable").reset_index(drop=True)
    frame.attrs["report"] = report
    return frame, report


def team_names(paths: PathLike | Sequence[PathLike]) -> list[str]:
    """Every team (ward) named in the data files, sorted, even when the files have errors.

    Only the team column of each recognised file is read; nothing is validated. The batch
    renderer uses it to give every team a report page, including teams whose data fail.
    """
    path_list = [Path(paths)] if isinstance(paths, str | os.PathLike) else [Path(p) for p in paths]
    schemas = template_schemas(load_catalogue())
    names: set[str] = set()
    for path in path_list:
        table = read_table(path, ValidationReport())
        kind = detect_kind(table, schemas) if table is not None else None
        if kind is None or kind == "changes":
            continue
        team_column = schemas[kind].spec.team_column
        header = [normalise_name(h) for h in table.header]
        if team_column not in header:
            continue
        pos = header.index(team_column)
        names |= {
            str(v).strip()
            for _, v in ((r, vals[pos]) for r, vals in table.rows)
            if v is not None and str(v).strip() and str(v).strip() != EXAMPLE_MARKER
        }
    return sorted(names)


def validate(
    paths: PathLike | Sequence[PathLike],
    *,
    dayfirst: bool = True,
    kind: str | dict[str, str] | None = None,
    measures_file: PathLike | Sequence[PathLike] | None = None,
    teams: Sequence[str] | None = None,
) -> ValidationReport:
    """Check data files and return a :class:`~spc.data.problems.ValidationReport`; never raises
    for problems in the data.

    >>> print(spc.validate("ward-monthly.csv"))      # doctest: +SKIP
    Checked 1 file(s): 0 error(s), 1 warning(s)
    """
    return _run(paths, dayfirst=dayfirst, kind=kind, measures_file=measures_file, teams=teams)[1]


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

    ``paths`` is one path or a list (data files, event logs and change logs together). The
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
