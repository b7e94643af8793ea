"""Checks of the tables read from data files: header, every cell, ratios, duplicates and gaps.

Each check reports what it finds to a :class:`~spc.data.problems.ValidationReport`, naming the
file, the spreadsheet row and the column and saying how to fix it; nothing raises for bad data.
The template schemas (``spc.data.templates``) say what each column holds; catalogue measures
(``spc.data.catalogue``) add the extra columns they name.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from spc.chart_types import chart_type
from spc.data.catalogue import Measure
from spc.data.problems import (
    ERROR,
    NOTE,
    WARNING,
    ValidationReport,
    parse_date,
    parse_number,
)
from spc.data.read import Table, normalise_name
from spc.data.templates import (
    EVENT_SEVERITIES,
    EXAMPLE_MARKER,
    TEMPLATES,
    ColumnSpec,
    TemplateSpec,
)
from spc.errors import did_you_mean

__all__ = [
    "MONTHLY",
    "Parsed",
    "Schema",
    "check_duplicates_and_gaps",
    "check_header",
    "detect_kind",
    "keep_teams",
    "parse_rows",
    "template_schemas",
]

#: Columns that count exposure (bed days, admissions, patients): zero is an error there.
EXPOSURE_COLUMNS = frozenset(
    {"occupied_bed_days", "admissions", "vte_ra_den", "prophylaxis_den", "patients_surveyed"}
)
MONTHLY = ("ward-monthly", "safety-thermometer")
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}


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


def detect_kind(table: Table, schemas: dict[str, Schema]) -> str | None:
    names = {normalise_name(h) for h in table.header}
    scores = {k: len(names & set(s.columns)) for k, s in schemas.items()}
    best = max(scores.values())
    winners = [k for k, v in scores.items() if v == best]
    if best < 2 or len(winners) > 1:
        return None
    return winners[0]


# --------------------------------------------------------------------------------- validation


@dataclass
class Parsed:
    """A file's rows after the cell checks: one record per row, ``_ok`` when it passed."""

    kind: str
    label: str
    present: set[str]
    records: list[dict[str, Any]]  # one per valid row: column -> parsed value, plus _row


def check_header(table: Table, schema: Schema, report: ValidationReport) -> dict[int, str] | None:
    """Map header positions to template columns; report missing/misspelled/duplicate ones."""
    label = table.label
    known = schema.columns
    positions: dict[int, str] = {}
    seen: dict[str, str] = {}
    unknown: list[tuple[int, str]] = []
    for pos, raw in enumerate(table.header):
        name = normalise_name(raw)
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


def parse_rows(
    table: Table,
    schema: Schema,
    positions: dict[int, str],
    dayfirst: bool,
    report: ValidationReport,
) -> Parsed:
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
                text = normalise_name(value)
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
    return Parsed(spec.name, label, present, records)


def _custom_denominators(schema: Schema) -> set[str]:
    template_cols = set(schema.spec.column_names)
    return {d for m in schema.measures for d in m.denominator if d not in template_cols}


def _check_ratios(
    rec: dict[str, Any],
    schema: Schema,
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
        proportion = chart_type(m.chart).kind == "proportion"
        if proportion and m.denominator and (m.numerator, m.denominator) not in pairs:
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


def check_duplicates_and_gaps(parsed: list[Parsed], report: ValidationReport) -> None:
    for kind in MONTHLY:
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


def keep_teams(
    table: Table, positions: dict[int, str], team_column: str, teams: Sequence[str]
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
