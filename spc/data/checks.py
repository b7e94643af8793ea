"""Checks of the tables read from data files: which template, the header, duplicates and gaps.

Each check reports what it finds to a :class:`~spc.data.problems.ValidationReport`, naming the
file, the spreadsheet row and the column and saying how to fix it; nothing raises for bad data.
The template schemas (``spc.data.templates``) say what each column holds; catalogue measures
(``spc.data.catalogue``) add the extra columns they name. The cell checks are in
``spc.data.cells``.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from spc.chart_types import chart_type
from spc.data.catalogue import Measure
from spc.data.cells import Parsed, clean_name, parse_rows, ratio_pairs
from spc.data.problems import ERROR, WARNING, ValidationReport
from spc.data.read import Table, normalise_name
from spc.data.templates import DATA_SHEET, TEMPLATES, ColumnSpec, TemplateSpec

__all__ = [
    "MONTHLY",
    "Parsed",
    "Schema",
    "check_duplicates_and_gaps",
    "check_header",
    "check_rows",
    "detect_kind",
    "keep_teams",
    "template_schemas",
    "unknown_template",
]

MONTHLY = ("ward-monthly", "safety-thermometer")


@dataclass
class Schema:
    """A template's columns plus the extra columns its catalogue measures name."""

    spec: TemplateSpec
    columns: dict[str, ColumnSpec]
    measures: list[Measure] = field(default_factory=list)


def template_schemas(catalogue: dict[str, Measure]) -> dict[str, Schema]:
    """Template columns plus any extra columns named by catalogue measures of that source."""
    out = {}
    for name, spec in TEMPLATES.items():
        cols = {c.name: c for c in spec.columns}
        ms = [m for m in catalogue.values() if m.source == name]
        for m in ms:
            kind = chart_type(m.chart).catalogue_column
            for col in (*m.numerator, *m.denominator):
                cols.setdefault(col, ColumnSpec(col, kind, f"used by measure {m.id}", 0))
        out[name] = Schema(spec, cols, ms)
    return out


def detect_kind_of_header(header: Sequence[str], schemas: dict[str, Schema]) -> str | None:
    """The template whose column names the header shares most (at least 2, no tie)."""
    names = {normalise_name(h) for h in header}
    scores = {k: len(names & set(s.columns)) for k, s in schemas.items()}
    best = max(scores.values())
    winners = [k for k, v in scores.items() if v == best]
    if best < 2 or len(winners) > 1:
        return None
    return winners[0]


def detect_kind(table: Table, schemas: dict[str, Schema]) -> str | None:
    """The template ``table`` follows, from its column names, or None."""
    return detect_kind_of_header(table.header, schemas)


_SEPARATORS = {";": "semicolons (;)", "\t": "tabs", "|": "vertical bars (|)"}


def unknown_template(
    table: Table, schemas: dict[str, Schema], report: ValidationReport, severity: str = ERROR
) -> None:
    """Report that ``table`` follows no template, saying what was found and what to do: a
    file separated by semicolons or tabs, data on another sheet of a workbook, or the column
    names that were read."""
    label = table.label
    named = [h for h in table.header if h]
    for sep, words in _SEPARATORS.items():
        if named and sep in named[0] and len(named) <= 2:
            parts = named[0].split(sep)
            kind = detect_kind_of_header(parts, schemas)
            looks = f" (they are the {kind} template's)" if kind else ""
            report.add(
                severity,
                label,
                f"the columns are separated by {words}, not commas, so the whole row was read "
                f"as one column: {', '.join(map(repr, parts[:4]))}{looks}",
                "save it from Excel as 'CSV UTF-8 (Comma delimited)'; where a comma is the "
                "decimal mark, set the list separator to a comma first (or use the .xlsx "
                "template)",
                row=1,
            )
            return
    sheet_note = ""
    if table.sheet is not None:
        matching = {
            name: kind
            for name, header in table.sheets.items()
            if (kind := detect_kind_of_header(header, schemas))
        }
        if matching:
            name, kind = next(iter(matching.items()))
            report.add(
                severity,
                label,
                f"sheet {table.sheet!r}, the sheet read, has no template column names; sheet "
                f"{name!r} has the columns of the {kind} template",
                f"rename sheet {name!r} to {DATA_SHEET!r} (the sheet read first), or move it "
                "to the front",
                row=1,
                sheet=table.sheet,
            )
            return
        sheets = ", ".join(repr(s) for s in [table.sheet, *table.sheets])
        sheet_note = f" (read sheet {table.sheet!r}; the workbook's sheets: {sheets})"
    found = ", ".join(repr(h) for h in named[:6]) + (" ..." if len(named) > 6 else "")
    report.add(
        severity,
        label,
        "cannot tell which template this file follows from its column names"
        + (f" (found {found})" if named else "")
        + sheet_note,
        "use the column names of a template (safety-spc template --list), or pass "
        "kind='ward-monthly' (or another template name)",
        row=1,
        sheet=table.sheet,
    )


def check_header(table: Table, schema: Schema, report: ValidationReport) -> dict[int, str]:
    """Map header positions to template columns; report missing/misspelled/duplicate ones."""
    label = table.label
    known = schema.columns
    positions: dict[int, str] = {}
    seen: dict[str, str] = {}
    unknown: list[tuple[int, str]] = []
    for pos, raw in enumerate(table.header):
        name = normalise_name(raw)
        if not name:
            if np.any(table.columns[pos].codes >= 0):
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
        match = difflib.get_close_matches(normalise_name(raw), absent, n=1, cutoff=0.75)
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


def check_rows(
    table: Table,
    schema: Schema,
    positions: dict[int, str],
    dayfirst: bool,
    report: ValidationReport,
) -> Parsed:
    """Every cell of the template's columns checked (``spc.data.cells.parse_rows``)."""
    template_cols = set(schema.spec.column_names)
    custom = {d for m in schema.measures for d in m.denominator if d not in template_cols}
    pairs = ratio_pairs(schema.columns, schema.measures)
    return parse_rows(
        table, schema.spec, schema.columns, positions, dayfirst, report, custom, pairs
    )


def check_duplicates_and_gaps(parsed: list[Parsed], report: ValidationReport) -> None:
    """The same team and month twice is an error (within a file and across files, naming the
    first row); months missing between a team's first and last are a gap warning."""
    for kind in MONTHLY:
        spec = TEMPLATES[kind]
        files = [p for p in parsed if p.kind == kind]
        for p in files:
            p.frame["_duplicate"] = False
        parts = []
        for order, p in enumerate(files):
            f = p.frame
            if spec.team_column not in f or spec.date_column not in f:
                continue
            valid = f[spec.team_column].notna() & f[spec.date_column].notna()
            parts.append(
                pd.DataFrame(
                    {
                        "team": f.loc[valid, spec.team_column].to_numpy(dtype=object),
                        "month": f.loc[valid, spec.date_column].to_numpy(),
                        "file": order,
                        "row": f.loc[valid, "_row"].to_numpy(),
                        "index": np.flatnonzero(valid.to_numpy()),
                    }
                )
            )
        if not parts:
            continue
        rows = pd.concat(parts, ignore_index=True)
        dup = rows.duplicated(["team", "month"], keep="first").to_numpy()
        if dup.any():
            firsts = rows[~dup][["team", "month", "file", "row"]]
            dups = rows[dup].merge(
                firsts, on=["team", "month"], how="left", suffixes=("", "_first"), sort=False
            )
            for team, month, f, row, index, f0, r0 in dups.itertuples(index=False, name=None):
                p = files[f]
                where = f"row {r0}" if files[f0].label == p.label else f"{files[f0].label} row {r0}"
                report.add(
                    ERROR,
                    p.label,
                    f"duplicate row for {spec.team_column} {team!r}, month "
                    f"{pd.Timestamp(month):%Y-%m} (also {where})",
                    f"keep one row per {spec.team_column} and month: delete or correct one",
                    row=int(row),
                    column=spec.date_column,
                )
                p.frame.iloc[index, p.frame.columns.get_loc("_duplicate")] = True
        _report_gaps(rows[~dup], files, spec, kind, report)


def _report_gaps(
    rows: pd.DataFrame, files: list[Parsed], spec: TemplateSpec, kind: str, report: ValidationReport
) -> None:
    groups = rows.groupby("team", sort=False)
    first, last, count = groups["month"].min(), groups["month"].max(), groups["month"].size()
    span = ((last.dt.year - first.dt.year) * 12 + (last.dt.month - first.dt.month) + 1).to_numpy()
    gappy = first.index[span > count.to_numpy()]
    if not len(gappy):
        return
    positions = groups.indices
    months, file_order = rows["month"].to_numpy(), rows["file"].to_numpy()
    for team in gappy:
        at = positions[team]
        got = set(months[at])
        full = pd.date_range(first[team], last[team], freq="MS")
        missing = [m for m in full if m.to_datetime64() not in got]
        shown = ", ".join(f"{m:%Y-%m}" for m in missing[:6])
        more = f" and {len(missing) - 6} more" if len(missing) > 6 else ""
        labels = list(dict.fromkeys(files[f].label for f in pd.unique(file_order[at])))
        report.add(
            WARNING,
            ", ".join(labels),
            f"gap: {spec.team_column} {team!r} has no {kind} row for {shown}{more}",
            "add the missing month(s) if the data exist; charts show a gap otherwise",
            column=spec.date_column,
        )


def keep_teams(
    table: Table, positions: dict[int, str], team_column: str, teams: Sequence[str]
) -> Table:
    """Only the rows of ``teams``: other teams' rows are neither read nor validated, so one
    team's report is never stopped by another team's data errors."""
    team_pos = next((pos for pos, name in positions.items() if name == team_column), None)
    if team_pos is None:
        return table
    wanted = {str(t).strip() for t in teams}
    col = table.columns[team_pos]
    hit = np.array([clean_name(v) in wanted for v in col.values] + [False], dtype=bool)
    return table.take(hit[col.codes])
