"""The cell checks of a table's rows, column by column: every distinct cell parsed once.

A ward-monthly file of 6,000 wards x 60 months has 360,000 rows but only a few thousand
distinct cells per column (60 months, bed days between 500 and 900, ...). Each distinct cell
is parsed and checked once with the parsers of ``spc.data.problems``; numpy then spreads the
result over the rows (``values[codes]``), and only rows with a problem are visited one by one
to report it. The messages are the ones a row-by-row check gives, in the same order: by row,
then by column as in the file, then the severity and numerator/denominator checks.

Example::

    >>> from spc.data.read import Column, Table
    >>> import numpy as np
    >>> col = Column(np.array([0, 1, 0]), ["700", "n/a"])
    >>> parsed = _parse_unique(col.values, "count", "occupied_bed_days", True, True)
    >>> parsed.values, parsed.errors[1][0]
    ([700.0, None], "not a number: 'n/a'")
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from spc.chart_types import chart_type
from spc.data.problems import ERROR, NOTE, WARNING, ValidationReport, parse_date, parse_number
from spc.data.read import Table, normalise_name
from spc.data.templates import EVENT_SEVERITIES, EXAMPLE_MARKER, TemplateSpec

__all__ = ["EXPOSURE_COLUMNS", "Parsed", "clean_name", "parse_rows"]

#: Columns that count exposure (bed days, admissions, patients): zero is an error there.
EXPOSURE_COLUMNS = frozenset(
    {"occupied_bed_days", "admissions", "vte_ra_den", "prophylaxis_den", "patients_surveyed"}
)
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}
_DATE_FIX = (
    "write it as DD/MM/YYYY (e.g. 01/04/2024) or YYYY-MM-DD (2024-04-01), or format the cell "
    "as a date"
)
_LINE_BREAK = re.compile(r"\s*[\r\n]+\s*")
#: A leading apostrophe before these is the spreadsheet-formula guard this toolkit writes
#: into CSV files (``spc._files.csv_text``); reading removes it again.
_GUARDED = re.compile(r"^'(?=[=+\-@\t\r])")


def clean_name(value: Any) -> str:
    """A team or trust name as used everywhere: line breaks inside the cell become one space,
    spaces at either end go, and the formula guard apostrophe is removed.

    >>> clean_name(" Ward\\nA ")
    'Ward A'
    >>> clean_name("'=HYPERLINK(1)")
    '=HYPERLINK(1)'
    """
    text = _LINE_BREAK.sub(" ", str(value)).strip()
    return _GUARDED.sub("", text)


@dataclass
class Parsed:
    """A file's rows after the cell checks: ``frame`` has one row per data row with the parsed
    value of each template column present (NaN/NaT/None where blank or unreadable), ``_row``
    (the spreadsheet row) and ``_ok`` (no error in the row)."""

    kind: str
    label: str
    present: set[str]
    frame: pd.DataFrame

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts (None for missing values), for the small event and change logs."""
        frame = self.frame.astype(object).where(self.frame.notna(), None)
        return frame.to_dict("records")


@dataclass
class _Unique:
    """What each distinct cell of a column parses to; ``errors`` by cell index."""

    values: list[Any]
    errors: dict[int, tuple[str, str]] = field(default_factory=dict)


def _parse_unique(
    cells: list[Any], kind: str, name: str, zero_bad: bool, dayfirst: bool
) -> _Unique:
    """Parse every distinct cell of one column; ``errors[i]`` is (message, fix) of cell i.
    ``zero_bad``: 0 is an error (exposure columns and denominators)."""
    out = _Unique([None] * len(cells))
    for i, value in enumerate(cells):
        if kind == "text":
            out.values[i] = _GUARDED.sub("", str(value).strip())
        elif kind in ("month", "date"):
            ts, msg = parse_date(value, dayfirst=dayfirst)
            if msg:
                out.errors[i] = (msg, _DATE_FIX)
            elif ts is not None:
                out.values[i] = ts.to_period("M").to_timestamp() if kind == "month" else ts
        elif kind in ("count", "amount"):
            num, msg = parse_number(value)
            out.values[i] = num
            if msg:
                fix = f"enter a number in {name}, or leave the cell blank if the value is not known"
                out.errors[i] = (msg, fix)
            elif num is not None and num < 0:
                noun = "count" if kind == "count" else "value"
                out.errors[i] = (
                    f"negative {noun} ({num:g})",
                    f"{name} cannot be below 0: correct the figure",
                )
            elif kind == "count" and num is not None and not float(num).is_integer():
                out.errors[i] = (
                    f"not a whole number ({num:g})",
                    f"{name} is a count: enter a whole number",
                )
            elif num == 0 and zero_bad:
                out.errors[i] = (
                    f"zero denominator: {name} is 0",
                    "if there was nothing to measure that month leave the cell blank; "
                    "if the ward was closed, delete the row",
                )
    return out


def _parse_choices(cells: list[Any], name: str, choices: tuple[str, ...]) -> _Unique:
    from spc.errors import did_you_mean

    out = _Unique([None] * len(cells))
    for i, value in enumerate(cells):
        text = normalise_name(value)
        if name == "new_phase" and text in _YES | _NO:
            out.values[i] = text in _YES
        elif text in choices:
            out.values[i] = text
        else:
            out.errors[i] = (
                f"{value!r} is not an allowed value{did_you_mean(text, choices)}",
                f"choose one of {', '.join(choices)}",
            )
    return out


def _spread(values: list[Any], codes: np.ndarray, kind: str) -> np.ndarray:
    """``values[codes]`` as a column: float for numbers, datetime64 for dates, else object."""
    if kind in ("count", "amount"):
        lookup = np.array([np.nan if v is None else v for v in values] + [np.nan], dtype=float)
    elif kind in ("month", "date"):
        lookup = np.array(
            [np.datetime64("NaT") if v is None else v.to_datetime64() for v in values]
            + [np.datetime64("NaT")],
            dtype="datetime64[ns]",
        )
    else:
        lookup = np.empty(len(values) + 1, dtype=object)
        lookup[:-1] = values
    return lookup[codes]


class _Errors:
    """Errors found column by column, reported in the order a row-by-row check finds them."""

    def __init__(self) -> None:
        self.items: list[tuple[int, int, str, str, str]] = []

    def add(self, index: int, stage: int, message: str, fix: str, column: str) -> None:
        self.items.append((index, stage, message, fix, column))

    def report(self, table: Table, report: ValidationReport) -> None:
        self.items.sort(key=lambda item: (item[0], item[1]))
        for index, _, message, fix, column in self.items:
            report.add(
                ERROR, table.label, message, fix, row=int(table.rownums[index]), column=column
            )


def parse_rows(
    table: Table,
    spec: TemplateSpec,
    columns: dict[str, Any],
    positions: dict[int, str],
    dayfirst: bool,
    report: ValidationReport,
    custom_denominators: set[str],
    ratio_pairs: list[tuple[tuple[str, ...], tuple[str, ...]]],
) -> Parsed:
    """Check every cell of the columns at ``positions`` (``columns``: name -> ColumnSpec) and
    return the parsed rows; problems go to ``report`` with file, row and column."""
    label = table.label
    present = set(positions.values())
    original = {name: table.header[pos] for pos, name in positions.items()}
    team_pos = next((pos for pos, n in positions.items() if n == spec.team_column), None)
    keep = np.ones(len(table), dtype=bool)
    if team_pos is not None:
        col = table.columns[team_pos]
        example = np.array(
            [isinstance(v, str) and v.strip() == EXAMPLE_MARKER for v in col.values] + [False]
        )
        skipped = example[col.codes]
        if skipped.any():
            first_example = int(table.rownums[np.argmax(skipped)])
            keep = ~skipped
    if not keep.all():
        table = table.take(keep)
    errors = _Errors()
    bad = np.zeros(len(table), dtype=bool)
    data: dict[str, Any] = {}
    for stage, (pos, name) in enumerate(positions.items()):
        col_spec = columns[name]
        col = table.columns[pos]
        codes = col.codes
        if col_spec.kind == "choice":
            parsed = _parse_choices(col.values, name, col_spec.choices)
        else:
            zero = name in EXPOSURE_COLUMNS or name in custom_denominators
            parsed = _parse_unique(col.values, col_spec.kind, name, zero, dayfirst)
        if col_spec.kind == "text" and name in (spec.team_column, "trust"):
            parsed.values = _clean_names(col.values, table, codes, name, original[name], report)
        data[name] = _spread(parsed.values, codes, col_spec.kind)
        if col_spec.required:
            blank_rows = np.flatnonzero(codes < 0)
            for i in blank_rows:
                errors.add(
                    int(i),
                    stage,
                    f"missing value in required column {name!r}",
                    f"fill in the {name} for this row, or delete the row",
                    original[name],
                )
            bad[blank_rows] = True
        if parsed.errors:
            is_error = np.zeros(len(col.values) + 1, dtype=bool)
            is_error[list(parsed.errors)] = True
            rows = np.flatnonzero(is_error[codes])
            for i in rows:
                message, fix = parsed.errors[int(codes[i])]
                errors.add(int(i), stage, message, fix, original[name])
            bad[rows] = True
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(table)))
    stage = len(positions)
    if spec.name == "events" and {"event_type", "severity"} <= present:
        bad |= _check_severities(frame, errors, stage, original)
    bad |= _check_ratios(frame, present, ratio_pairs, errors, stage + 1, original)
    errors.report(table, report)
    if not keep.all():
        report.add(
            NOTE,
            label,
            f"template example row skipped ({spec.team_column} is {EXAMPLE_MARKER})",
            "delete it when you no longer need it",
            row=first_example,
            column=original.get(spec.team_column),
        )
    frame["_row"] = table.rownums
    frame["_ok"] = ~bad
    if len(frame) == 0:
        report.add(
            WARNING,
            label,
            "no data rows: the file has the column names but no data"
            + (" (only the template's example row)" if not keep.all() else ""),
            f"fill in the rows below the header (one row is {spec.row_is})",
        )
    return Parsed(spec.name, label, present, frame)


def _clean_names(
    cells: list[Any],
    table: Table,
    codes: np.ndarray,
    name: str,
    header: str,
    report: ValidationReport,
) -> list[Any]:
    """Team and trust names with line breaks or spaces at either end are read cleaned, with a
    warning naming the rows: otherwise 'Ward b ' and 'Ward b' would merge unnoticed."""
    cleaned = [clean_name(v) for v in cells]
    by_clean: dict[str, list[int]] = {}
    for i, c in enumerate(cleaned):
        by_clean.setdefault(c, []).append(i)
    for i, (raw, clean) in enumerate(zip(cells, cleaned, strict=True)):
        raw_text = str(raw)
        if _GUARDED.sub("", raw_text) == clean:  # as written, or only the formula guard
            continue
        rows = table.rownums[codes == i]
        if not len(rows):
            continue
        shown = ", ".join(map(str, rows[:8].tolist())) + (" ..." if len(rows) > 8 else "")
        breaks = "\n" in raw_text or "\r" in raw_text
        what = "a line break inside the cell" if breaks else "spaces at the start or end"
        others = [j for j in by_clean[clean] if j != i and np.any(codes == j)]
        same = f"; it is the same {name} as the rows spelt {cells[others[0]]!r}" if others else ""
        report.add(
            WARNING,
            table.label,
            f"{name} {raw_text!r} has {what}: read as {clean!r} in {len(rows)} row(s) "
            f"(rows {shown}){same}",
            f"spell the {name} the same way in every row, without line breaks or extra spaces",
            row=int(rows[0]),
            column=header,
        )
    return cleaned


def _check_severities(
    frame: pd.DataFrame, errors: _Errors, stage: int, original: dict[str, str]
) -> np.ndarray:
    """Each event's severity must be one of its event type's (a fall is not 'category_3')."""
    bad = np.zeros(len(frame), dtype=bool)
    etype, sev = frame["event_type"], frame["severity"]
    both = etype.notna() & sev.notna()
    for (t, s), rows in frame[both].groupby(["event_type", "severity"]).groups.items():
        allowed = EVENT_SEVERITIES[t]
        if s in allowed:
            continue
        for i in rows:
            errors.add(
                int(i),
                stage,
                f"{s!r} is not a severity of {t}",
                f"for {t} choose one of {', '.join(allowed)}",
                original.get("severity", "severity"),
            )
            bad[i] = True
    return bad


def _check_ratios(
    frame: pd.DataFrame,
    present: set[str],
    pairs: list[tuple[tuple[str, ...], tuple[str, ...]]],
    errors: _Errors,
    stage: int,
    original: dict[str, str],
) -> np.ndarray:
    """numerator <= denominator for template pairs and for proportion measures."""
    bad = np.zeros(len(frame), dtype=bool)
    for k, (num_cols, den_cols) in enumerate(pairs):
        if not set(num_cols + den_cols) <= present:
            continue
        num = frame[list(num_cols)].to_numpy(dtype=float).sum(axis=1)  # NaN if any is blank
        den = frame[list(den_cols)].to_numpy(dtype=float).sum(axis=1)
        with np.errstate(invalid="ignore"):
            rows = np.flatnonzero(num > den)
        ntxt, dtxt = " + ".join(num_cols), " + ".join(den_cols)
        for i in rows:
            errors.add(
                int(i),
                stage + k,
                f"numerator larger than denominator: {ntxt} ({num[i]:g}) is more than "
                f"{dtxt} ({den[i]:g})",
                f"{ntxt} counts part of {dtxt}, so it cannot be larger: check both cells",
                original.get(num_cols[0], num_cols[0]),
            )
        bad[rows] = True
    return bad


def ratio_pairs(
    columns: dict[str, Any], measures: list[Any]
) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """The (numerator columns, denominator columns) a row must keep in order."""
    pairs: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    for col in columns.values():
        if col.at_most:
            pairs.append(((col.name,), (col.at_most,)))
    for m in measures:
        proportion = chart_type(m.chart).kind == "proportion"
        if proportion and m.denominator and (m.numerator, m.denominator) not in pairs:
            pairs.append((m.numerator, m.denominator))
    return pairs
