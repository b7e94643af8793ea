"""Load and validate data files in the template formats into one tidy long frame.

``spc.load(paths)`` reads CSV or Excel files that follow the templates in ``spc.templates``
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

import argparse
import csv
import difflib
import itertools
import os
import re
import sys
import warnings
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spc.data.catalogue import Measure, load_catalogue
from spc.data.problems import (
    ERROR,
    NOTE,
    WARNING,
    DataValidationError,
    ValidationReport,
    parse_date,
    parse_number,
)
from spc.data.templates import (
    DATA_SHEET,
    EVENT_SEVERITIES,
    EXAMPLE_MARKER,
    TEMPLATES,
    ColumnSpec,
    TemplateSpec,
)
from spc.errors import SPCError, SPCWarning, did_you_mean

__all__ = ["LONG_COLUMNS", "example_dir", "load", "load_example", "validate"]

#: Columns of the tidy frame returned by :func:`load`, in order.
LONG_COLUMNS = [
    "team", "trust", "period", "measure", "numerator", "denominator", "value",
    "annotation", "phase_start", "file", "row",
]  # fmt: skip

#: Columns that count exposure (bed days, admissions, patients): zero is an error there.
EXPOSURE_COLUMNS = frozenset(
    {"occupied_bed_days", "admissions", "vte_ra_den", "prophylaxis_den", "patients_surveyed"}
)
_MONTHLY = ("ward-monthly", "safety-thermometer")
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}

PathLike = str | os.PathLike[str]


# ------------------------------------------------------------------------------ reading files


@dataclass
class _Table:
    label: str
    header: list[str]
    rows: list[tuple[int, list[Any]]]  # (spreadsheet row number, values)


def _normalise(name: Any) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower()) if name is not None else ""


def _read_csv(path: Path, label: str) -> list[list[Any]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    return list(csv.reader(text.splitlines()))


def _read_xlsx(path: Path, label: str, report: ValidationReport) -> list[list[Any]] | None:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for corrupt files
        report.add(
            ERROR,
            label,
            f"cannot be opened as an Excel workbook ({type(exc).__name__})",
            "save it again from Excel as .xlsx, or export the data sheet as CSV",
        )
        return None
    try:
        names = wb.sheetnames
        if DATA_SHEET in names:
            ws = wb[DATA_SHEET]
        else:
            others = [n for n in names if n.lower() != "readme"]
            ws = wb[others[0] if others else names[0]]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def _read_table(path: Path, report: ValidationReport) -> _Table | None:
    label = path.name
    if not path.exists():
        report.add(ERROR, label, f"file not found ({path})", "check the path and the file name")
        return None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        grid: list[list[Any]] | None = _read_csv(path, label)
    elif suffix in (".xlsx", ".xlsm"):
        grid = _read_xlsx(path, label, report)
    elif suffix == ".xls":
        report.add(
            ERROR,
            label,
            "old-style .xls workbooks are not read",
            "open it in Excel and save as .xlsx (Excel Workbook) or CSV",
        )
        return None
    else:
        report.add(
            ERROR,
            label,
            f"unsupported file type {suffix or '(none)'!r}",
            "use the .csv or .xlsx templates (safety-spc template --list)",
        )
        return None
    if grid is None:
        return None
    while grid and all(v is None or str(v).strip() == "" for v in grid[0]):
        grid.pop(0)
        report.add(
            ERROR,
            label,
            "the first row is blank: the header must be on row 1",
            "delete the blank rows above the column names",
            row=1,
        )
        return None
    if not grid:
        report.add(ERROR, label, "empty file: no header row", "start from a template")
        return None
    width = max(len(r) for r in grid)
    header = ["" if v is None else str(v).strip() for v in grid[0]]
    header += [""] * (width - len(header))
    rows = []
    for i, values in enumerate(grid[1:], start=2):
        values = list(values)[: len(header)] + [None] * max(0, len(header) - len(values))
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        rows.append((i, values))
    return _Table(label, header, rows)


#: Raw tables already read in this process, keyed by (path, mtime, size). A warm kernel
#: renders one report after another from the same files; re-reading an unchanged workbook
#: for every team would dominate. Only clean reads are cached (problems are re-reported).
_TABLE_CACHE: dict[tuple[str, int, int], _Table] = {}
_TABLE_CACHE_SIZE = 64


def _read_table_cached(path: Path, report: ValidationReport) -> _Table | None:
    try:
        st = path.stat()
    except OSError:
        return _read_table(path, report)
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    table = _TABLE_CACHE.get(key)
    if table is None:
        before = len(report.problems)
        table = _read_table(path, report)
        if table is None or len(report.problems) != before:
            return table
        if len(_TABLE_CACHE) >= _TABLE_CACHE_SIZE:
            _TABLE_CACHE.clear()
        _TABLE_CACHE[key] = table
    # callers may replace .rows (team filter): hand out a copy of the row list
    return _Table(table.label, list(table.header), list(table.rows))


# --------------------------------------------------------------------------- template schemas


@dataclass
class _Schema:
    spec: TemplateSpec
    columns: dict[str, ColumnSpec]
    measures: list[Measure] = field(default_factory=list)


def _schemas(catalogue: dict[str, Measure]) -> dict[str, _Schema]:
    """Template columns plus any extra columns named by catalogue measures of that source."""
    out = {}
    for name, spec in TEMPLATES.items():
        cols = {c.name: c for c in spec.columns}
        ms = [m for m in catalogue.values() if m.source == name]
        for m in ms:
            kind = "amount" if m.chart in ("i", "ip", "run", "xbar", "s", "mr") else "count"
            for col in (*m.numerator, *m.denominator):
                cols.setdefault(col, ColumnSpec(col, kind, f"used by measure {m.id}", 0))
        out[name] = _Schema(spec, cols, ms)
    return out


def _detect_kind(table: _Table, schemas: dict[str, _Schema]) -> str | None:
    names = {_normalise(h) for h in table.header}
    scores = {k: len(names & set(s.columns)) for k, s in schemas.items()}
    best = max(scores.values())
    winners = [k for k, v in scores.items() if v == best]
    if best < 2 or len(winners) > 1:
        return None
    return winners[0]


# --------------------------------------------------------------------------------- validation


@dataclass
class _Parsed:
    kind: str
    label: str
    present: set[str]
    records: list[dict[str, Any]]  # one per valid row: column -> parsed value, plus _row


def _check_header(
    table: _Table, schema: _Schema, report: ValidationReport
) -> dict[int, str] | None:
    """Map header positions to template columns; report missing/misspelled/duplicate ones."""
    label = table.label
    known = schema.columns
    positions: dict[int, str] = {}
    seen: dict[str, str] = {}
    unknown: list[tuple[int, str]] = []
    for pos, raw in enumerate(table.header):
        name = _normalise(raw)
        if not name:
            if any(v is not None and str(v).strip() for _, vals in table.rows for v in [vals[pos]]):
                report.add(
                    ERROR,
                    label,
                    f"column {pos + 1} has data but no name in the header",
                    "type the column name in row 1, or delete the column",
                    row=1,
                )
            continue
        if name in known:
            if name in seen:
                report.add(
                    ERROR,
                    label,
                    f"duplicate column {raw!r} (also {seen[name]!r})",
                    "keep one of the two columns",
                    row=1,
                    column=raw,
                )
                continue
            seen[name] = raw
            positions[pos] = name
        else:
            unknown.append((pos, raw))
    absent = [c for c in known if c not in seen]
    claimed: set[str] = set()
    for _pos, raw in unknown:
        match = difflib.get_close_matches(_normalise(raw), absent, n=1, cutoff=0.75)
        if match:
            claimed.add(match[0])
            kind = "required " if known[match[0]].required else ""
            report.add(
                ERROR,
                label,
                f"unknown column {raw!r} (did you mean the {kind}column {match[0]!r}?)",
                f"rename the header to {match[0]!r}",
                row=1,
                column=raw,
            )
        else:
            report.add(
                WARNING,
                label,
                f"column {raw!r} is not part of the {schema.spec.name} template and is ignored",
                "delete it or rename it to a template column if it holds data you need",
                row=1,
                column=raw,
            )
    for col in schema.spec.required:
        if col not in seen and col not in claimed:
            report.add(
                ERROR,
                label,
                f"missing required column {col!r}",
                f"add a column headed {col!r} (see safety-spc template {schema.spec.name})",
                row=1,
            )
    return positions


def _parse_rows(
    table: _Table,
    schema: _Schema,
    positions: dict[int, str],
    dayfirst: bool,
    report: ValidationReport,
) -> _Parsed:
    spec = schema.spec
    label = table.label
    present = set(positions.values())
    original = {name: table.header[pos] for pos, name in positions.items()}
    records = []
    skipped_example = []
    for rownum, values in table.rows:
        cells = {name: values[pos] for pos, name in positions.items()}
        team_raw = cells.get(spec.team_column)
        if isinstance(team_raw, str) and team_raw.strip() == EXAMPLE_MARKER:
            skipped_example.append(rownum)
            continue
        rec: dict[str, Any] = {"_row": rownum}
        ok = True

        def err(col: str, msg: str, fix: str, _row: int = rownum) -> None:
            report.add(ERROR, label, msg, fix, row=_row, column=original.get(col, col))

        for name, value in cells.items():
            col = schema.columns[name]
            blank = value is None or (isinstance(value, str) and not value.strip())
            if blank:
                if col.required:
                    err(
                        name,
                        f"missing value in required column {name!r}",
                        f"fill in the {name} for this row, or delete the row",
                    )
                    ok = False
                rec[name] = None
                continue
            if col.kind == "text":
                rec[name] = str(value).strip()
            elif col.kind in ("month", "date"):
                ts, msg = parse_date(value, dayfirst=dayfirst)
                if msg:
                    fix = (
                        "write it as DD/MM/YYYY (e.g. 01/04/2024) or YYYY-MM-DD "
                        "(2024-04-01), or format the cell as a date"
                    )
                    err(name, msg, fix)
                    ok = False
                    rec[name] = None
                else:
                    rec[name] = ts.to_period("M").to_timestamp() if col.kind == "month" else ts
            elif col.kind in ("count", "amount"):
                num, msg = parse_number(value)
                if msg:
                    err(
                        name,
                        msg,
                        f"enter a number in {name}, or leave the cell blank if "
                        "the value is not known",
                    )
                    ok = False
                elif num is not None and num < 0:
                    noun = "count" if col.kind == "count" else "value"
                    err(
                        name,
                        f"negative {noun} ({num:g})",
                        f"{name} cannot be below 0: correct the figure",
                    )
                    ok = False
                elif col.kind == "count" and num is not None and not float(num).is_integer():
                    err(
                        name,
                        f"not a whole number ({num:g})",
                        f"{name} is a count: enter a whole number",
                    )
                    ok = False
                elif num == 0 and name in EXPOSURE_COLUMNS | _custom_denominators(schema):
                    err(
                        name,
                        f"zero denominator: {name} is 0",
                        "if there was nothing to measure that month leave the cell blank; "
                        "if the ward was closed, delete the row",
                    )
                    ok = False
                rec[name] = num
            elif col.kind == "choice":
                text = _normalise(value)
                if name == "new_phase":
                    if text in _YES | _NO:
                        rec[name] = text in _YES
                        continue
                if text not in col.choices:
                    hint = did_you_mean(text, col.choices)
                    err(
                        name,
                        f"{value!r} is not an allowed value{hint}",
                        f"choose one of {', '.join(col.choices)}",
                    )
                    ok = False
                    rec[name] = None
                else:
                    rec[name] = text
        if spec.name == "events" and rec.get("event_type") and rec.get("severity"):
            allowed = EVENT_SEVERITIES[rec["event_type"]]
            if rec["severity"] not in allowed:
                err(
                    "severity",
                    f"{rec['severity']!r} is not a severity of {rec['event_type']}",
                    f"for {rec['event_type']} choose one of {', '.join(allowed)}",
                )
                ok = False
        ok &= _check_ratios(rec, schema, label, original, report)
        rec["_ok"] = ok
        records.append(rec)
    if skipped_example:
        report.add(
            NOTE,
            label,
            f"template example row skipped ({spec.team_column} is {EXAMPLE_MARKER})",
            "delete it when you no longer need it",
            row=skipped_example[0],
            column=original.get(spec.team_column),
        )
    return _Parsed(spec.name, label, present, records)


def _custom_denominators(schema: _Schema) -> set[str]:
    template_cols = set(schema.spec.column_names)
    return {d for m in schema.measures for d in m.denominator if d not in template_cols}


def _check_ratios(
    rec: dict[str, Any],
    schema: _Schema,
    label: str,
    original: dict[str, str],
    report: ValidationReport,
) -> bool:
    """numerator <= denominator for template pairs and for proportion measures."""
    ok = True
    pairs: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    for col in schema.columns.values():
        if col.at_most:
            pairs.append(((col.name,), (col.at_most,)))
    for m in schema.measures:
        if m.chart in ("p", "pp") and m.denominator and (m.numerator, m.denominator) not in pairs:
            pairs.append((m.numerator, m.denominator))
    for num_cols, den_cols in pairs:
        nums = [rec.get(c) for c in num_cols]
        dens = [rec.get(c) for c in den_cols]
        if any(v is None for v in nums + dens):
            continue
        num, den = sum(nums), sum(dens)
        if num > den:
            ntxt, dtxt = " + ".join(num_cols), " + ".join(den_cols)
            report.add(
                ERROR,
                label,
                f"numerator larger than denominator: {ntxt} ({num:g}) is more than "
                f"{dtxt} ({den:g})",
                f"{ntxt} counts part of {dtxt}, so it cannot be larger: check both cells",
                row=rec["_row"],
                column=original.get(num_cols[0], num_cols[0]),
            )
            ok = False
    return ok


def _check_duplicates_and_gaps(parsed: list[_Parsed], report: ValidationReport) -> None:
    for kind in _MONTHLY:
        spec = TEMPLATES[kind]
        seen: dict[tuple[str, pd.Timestamp], tuple[str, int]] = {}
        months: dict[str, set[pd.Timestamp]] = defaultdict(set)
        team_files: dict[str, list[str]] = defaultdict(list)
        for p in (p for p in parsed if p.kind == kind):
            for rec in p.records:
                team, month = rec.get(spec.team_column), rec.get(spec.date_column)
                if team is None or month is None:
                    continue
                key = (team, month)
                if key in seen:
                    f0, r0 = seen[key]
                    where = f"row {r0}" if f0 == p.label else f"{f0} row {r0}"
                    report.add(
                        ERROR,
                        p.label,
                        f"duplicate row for {spec.team_column} {team!r}, month "
                        f"{month:%Y-%m} (also {where})",
                        f"keep one row per {spec.team_column} and month: delete or correct one",
                        row=rec["_row"],
                        column=spec.date_column,
                    )
                    rec["_duplicate"] = True
                else:
                    seen[key] = (p.label, rec["_row"])
                    months[team].add(month)
                    if p.label not in team_files[team]:
                        team_files[team].append(p.label)
        for team, got in months.items():
            full = pd.date_range(min(got), max(got), freq="MS")
            missing = [m for m in full if m not in got]
            if missing:
                shown = ", ".join(f"{m:%Y-%m}" for m in missing[:6])
                more = f" and {len(missing) - 6} more" if len(missing) > 6 else ""
                report.add(
                    WARNING,
                    ", ".join(team_files[team]),
                    f"gap: {spec.team_column} {team!r} has no {kind} row for {shown}{more}",
                    "add the missing month(s) if the data exist; charts show a gap otherwise",
                    column=spec.date_column,
                )


# -------------------------------------------------------------------------------- tidy output


def _monthly_rows(p: _Parsed, schema: _Schema, report: ValidationReport) -> list[dict[str, Any]]:
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
    events: list[_Parsed], catalogue: dict[str, Measure], report: ValidationReport
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
    changes: list[_Parsed],
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


def _keep_teams(
    table: _Table, positions: dict[int, str], team_column: str, teams: Sequence[str]
) -> None:
    """Keep only the rows of ``teams``: other teams' rows are neither read nor validated,
    so one team's report is never stopped by another team's data errors."""
    team_pos = next((pos for pos, name in positions.items() if name == team_column), None)
    if team_pos is None:
        return
    wanted = {str(t).strip() for t in teams}
    table.rows = [
        (rownum, values)
        for rownum, values in table.rows
        if team_pos < len(values) and str(values[team_pos]).strip() in wanted
    ]


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
    schemas = _schemas(catalogue)
    report = ValidationReport([str(p) for p in path_list])
    parsed: list[_Parsed] = []
    for path in path_list:
        table = _read_table_cached(path, report)
        if table is None:
            continue
        k = kind.get(str(path), kind.get(path.name)) if isinstance(kind, dict) else kind
        if k is None:
            k = _detect_kind(table, schemas)
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
        positions = _check_header(table, schemas[k], report)
        if positions is None:
            continue
        if teams is not None:
            _keep_teams(table, positions, schemas[k].spec.team_column, teams)
        parsed.append(_parse_rows(table, schemas[k], positions, dayfirst, report))
    _check_duplicates_and_gaps(parsed, report)
    rows: list[dict[str, Any]] = []
    for p in parsed:
        if p.kind in _MONTHLY:
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
    schemas = _schemas(load_catalogue())
    names: set[str] = set()
    for path in path_list:
        table = _read_table(path, ValidationReport())
        kind = _detect_kind(table, schemas) if table is not None else None
        if kind is None or kind == "changes":
            continue
        team_column = schemas[kind].spec.team_column
        header = [_normalise(h) for h in table.header]
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
            SPCWarning,
            stacklevel=2,
        )
    return frame


# ------------------------------------------------------------------------------- example data

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
    """Folder of the synthetic example collaborative (``data/example`` in the repository).

    Found next to the package source, or from the ``SAFETY_SPC_EXAMPLE_DIR`` environment
    variable; raises :class:`SPCError` when neither exists.
    """
    env = os.environ.get(EXAMPLE_ENV)
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[2] / "data" / "example")
    for c in candidates:
        if (c / "README.md").exists():
            return c
    raise SPCError(
        "the example data folder data/example was not found (looked in "
        f"{', '.join(str(c) for c in candidates)}): it ships with the source repository, not "
        f"with the installed package; clone the repository or set {EXAMPLE_ENV}"
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


# ------------------------------------------------------------------------------- command line


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``template``, ``validate`` and ``measures`` subcommands to the CLI."""
    t = subparsers.add_parser(
        "template",
        help="write a data-entry template (CSV or Excel)",
        description="Write a data-entry template. NAME is one of: " + ", ".join(TEMPLATES),
    )
    t.add_argument("name", nargs="?", metavar="NAME", help="template name")
    t.add_argument(
        "--format",
        choices=("xlsx", "csv"),
        default=None,
        help="file format (default: from -o's suffix, else xlsx)",
    )
    t.add_argument("-o", "--output", metavar="PATH", help="where to write (default NAME.FORMAT)")
    t.add_argument("--list", action="store_true", help="list the templates and exit")
    t.add_argument("--force", action="store_true", help="overwrite an existing file")
    t.add_argument(
        "--all",
        action="store_true",
        help="write every template as CSV and XLSX into the folder -o (default "
        "templates), overwriting: regenerates the repository's templates/",
    )
    t.set_defaults(func=_cli_template)

    v = subparsers.add_parser(
        "validate",
        help="check data files and print a report (writes nothing)",
        description="Check data files against the templates. Prints every problem with file, "
        "row and column; exits 1 when there are errors. Nothing is written.",
    )
    v.add_argument("files", nargs="+", metavar="FILE")
    v.add_argument(
        "--month-first",
        action="store_true",
        help="read 04/01/2024 as 1 April (US order); default is day first",
    )
    v.add_argument(
        "--measures", metavar="TOML", action="append", help="extra measures file (may be repeated)"
    )
    v.set_defaults(func=_cli_validate)

    m = subparsers.add_parser("measures", help="list the measures catalogue")
    m.add_argument(
        "--measures", metavar="TOML", action="append", help="extra measures file (may be repeated)"
    )
    m.add_argument("--topic", help="only this topic (falls, pressure_ulcers, vte, ...)")
    m.set_defaults(func=_cli_measures)


def _cli_template(args: argparse.Namespace) -> int:
    from spc.data.templates import write_all_templates, write_template

    if args.all:
        for p in write_all_templates(args.output or "templates"):
            print(f"wrote {p}")
        return 0
    if args.list or not args.name:
        for spec in TEMPLATES.values():
            print(f"{spec.name:20s} {spec.title} (one row = {spec.row_is})")
        if not args.list:
            print(
                "\nusage: safety-spc template NAME [--format xlsx|csv] [-o PATH]", file=sys.stderr
            )
            return 2
        return 0
    if args.name not in TEMPLATES:
        hint = did_you_mean(args.name, TEMPLATES)
        print(
            f"error: unknown template {args.name!r}{hint}; choose one of {', '.join(TEMPLATES)}",
            file=sys.stderr,
        )
        return 2
    try:
        path = write_template(args.name, args.output, args.format, overwrite=args.force)
    except SPCError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


def _cli_validate(args: argparse.Namespace) -> int:
    try:
        report = validate(args.files, dayfirst=not args.month_first, measures_file=args.measures)
    except SPCError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(report)
    return 0 if report.ok else 1


def _cli_measures(args: argparse.Namespace) -> int:
    from spc.data.catalogue import measures

    try:
        table = measures(args.measures)
    except SPCError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.topic:
        table = table[table["topic"] == args.topic]
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        print(table[["title", "topic", "type", "chart", "improvement", "target"]].to_string())
    return 0
