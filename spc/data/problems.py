"""Validation results for data files: problems, the report that collects them, and cell parsers.

Every problem names the file, the row as the user sees it in Excel or a spreadsheet (the header
is row 1, the first data row is row 2) and the column, says what is wrong and how to fix it.
Loading collects *all* problems before raising one :class:`DataValidationError`.

Example::

    >>> parse_date("01/04/2024")
    (Timestamp('2024-04-01 00:00:00'), None)
    >>> parse_date("01/04/24")[1]
    "ambiguous date '01/04/24': a two-digit year can be read several ways"
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from spc.errors import SPCError

__all__ = [
    "DataValidationError",
    "Problem",
    "ValidationReport",
    "parse_date",
    "parse_number",
]

ERROR = "error"
WARNING = "warning"
NOTE = "note"


@dataclass(frozen=True)
class Problem:
    """One finding: ``severity`` is ``"error"``, ``"warning"`` or ``"note"``.

    ``row`` is the spreadsheet row number (header = 1) or None for whole-file problems;
    ``column`` the column name as written in the file, or None; ``sheet`` the Excel sheet the
    rows are on (None for CSV files).
    """

    severity: str
    file: str
    message: str
    fix: str = ""
    row: int | None = None
    column: str | None = None
    sheet: str | None = None

    @property
    def location(self) -> str:
        """``file, sheet 's', row N, column 'c'`` (the parts that are known)."""
        parts = [self.file]
        if self.sheet is not None:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}"
        if self.fix:
            text += f". Fix: {self.fix}"
        return text


class ValidationReport:
    """All problems found in a set of files, in the order found.

    ``report.ok`` is True when there are no errors (warnings and notes allowed);
    ``str(report)`` is the printable report; ``report.to_frame()`` a DataFrame of problems.
    """

    def __init__(self, files: list[str] | None = None) -> None:
        self.files: list[str] = list(files or [])
        self.problems: list[Problem] = []
        #: the sheet read from each Excel file (by file label): its problems name the sheet
        self.sheets: dict[str, str] = {}

    def add(
        self,
        severity: str,
        file: str,
        message: str,
        fix: str = "",
        row: int | None = None,
        column: str | None = None,
        sheet: str | None = None,
    ) -> None:
        """Record a problem; a problem in an Excel file's rows names the sheet read."""
        if sheet is None and (row is not None or column is not None):
            sheet = self.sheets.get(file)
        self.problems.append(Problem(severity, file, message, fix, row, column, sheet))

    def __deepcopy__(self, memo: dict[int, Any]) -> ValidationReport:
        # pandas deep-copies DataFrame.attrs on every operation; the report travels in
        # frame.attrs["report"] and is only ever read, so sharing it is safe and fast.
        return self

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop loading."""
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        """Problems that deserve attention but do not stop loading (gaps, small denominators)."""
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def notes(self) -> list[Problem]:
        """Informational findings (e.g. the template's example row was skipped)."""
        return [p for p in self.problems if p.severity == NOTE]

    @property
    def ok(self) -> bool:
        """True when there are no errors."""
        return not self.errors

    def to_frame(self) -> pd.DataFrame:
        """Problems as a DataFrame: severity, file, sheet, row, column, message, fix."""
        cols = ["severity", "file", "sheet", "row", "column", "message", "fix"]
        return pd.DataFrame([{c: getattr(p, c) for c in cols} for p in self.problems], columns=cols)

    def summary_line(self) -> str:
        """One line: how many files, errors and warnings."""
        return (
            f"Checked {len(self.files)} file(s): {len(self.errors)} error(s), "
            f"{len(self.warnings)} warning(s)"
        )

    def __str__(self) -> str:
        lines = [self.summary_line()]
        labels = {ERROR: "ERROR  ", WARNING: "WARNING", NOTE: "NOTE   "}
        order = {f: i for i, f in enumerate(dict.fromkeys(p.file for p in self.problems))}
        ranked = sorted(self.problems, key=lambda p: (order[p.file], p.row or 0))
        for p in ranked:
            lines.append(f"{labels[p.severity]} {p}")
        if self.errors:
            lines.append("Nothing was loaded: fix the errors above and run the check again.")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ValidationReport: {self.summary_line()}>"


class DataValidationError(SPCError):
    """Data files have errors. ``.problems`` lists every error; ``.report`` has warnings too."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        self.problems = report.errors
        super().__init__(str(report))


# ------------------------------------------------------------------------------- cell parsers

_MONTHS = {
    m.lower(): i
    for i, names in enumerate(
        zip(
            ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
            [
                "january",
                "february",
                "march",
                "april",
                "may",
                "june",
                "july",
                "august",
                "september",
                "october",
                "november",
                "december",
            ],
            strict=True,
        ),
        start=1,
    )
    for m in names
} | {"sept": 9}

_TIME = r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?"
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME + r"$")
_ISO_SLASH = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})" + _TIME + r"$")
_YM = re.compile(r"^(\d{4})-(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})" + _TIME + r"$")
_NUMERIC_YY = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{2})$")
_MY = re.compile(r"^(\d{1,2})/(\d{4})$")
_NAMED_MY = re.compile(r"^([A-Za-z]+)[ -]+(\d{4})$")
_NAMED_MYY = re.compile(r"^([A-Za-z]+)[ -]+(\d{2})$")
_NAMED_DMY = re.compile(r"^(\d{1,2})[ -]+([A-Za-z]+)[ -]+(\d{4})" + _TIME + r"$")

_HOW = "write it as DD/MM/YYYY (e.g. 01/04/2024) or YYYY-MM-DD (2024-04-01)"


def _make(y: int, m: int, d: int, time: tuple[str | None, ...] = ()) -> pd.Timestamp | None:
    try:
        hh, mm, ss = (int(t) if t else 0 for t in ([*list(time), None, None, None])[:3])
        return pd.Timestamp(dt.datetime(y, m, d, hh, mm, ss))
    except ValueError:
        return None


def parse_date(value: Any, dayfirst: bool = True) -> tuple[pd.Timestamp | None, str | None]:
    """Parse one date cell; return ``(timestamp, None)`` or ``(None, message)``.

    Blank cells give ``(None, None)``. Excel date cells, ISO dates (``2024-04-01``, with an
    optional time), ``2024-04``, day-first ``01/04/2024`` (or month-first with
    ``dayfirst=False``), ``04/2024``, ``Apr 2024``, ``1 April 2024`` are read. Two-digit years
    and ``Apr-24`` are reported as ambiguous, never guessed; a month-first date such as
    ``04/13/2024`` in a day-first file is reported.

    >>> parse_date("2024-04")[0]
    Timestamp('2024-04-01 00:00:00')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None, None
    if isinstance(value, pd.Timestamp):
        return value, None
    if isinstance(value, dt.datetime):
        return pd.Timestamp(value), None
    if isinstance(value, dt.date):
        return pd.Timestamp(value.year, value.month, value.day), None
    if isinstance(value, bool | int | float):
        return None, (
            f"{value!r} is a number, not a date (an Excel date stored as a number?); format "
            f"the cell as a date, or {_HOW}"
        )
    text = str(value).strip()
    if not text:
        return None, None
    if _PLAIN_NUMBER.match(text):
        return parse_date(float(text) if "." in text else int(text))
    for pattern in (_ISO, _ISO_SLASH):
        mt = pattern.match(text)
        if mt:
            y, mo, d = (int(g) for g in mt.groups()[:3])
            ts = _make(y, mo, d, mt.groups()[3:])
            return (ts, None) if ts is not None else (None, f"{text!r} is not a real date")
    mt = _YM.match(text)
    if mt:
        ts = _make(int(mt[1]), int(mt[2]), 1)
        return (ts, None) if ts is not None else (None, f"{text!r} is not a real month")
    mt = _NUMERIC.match(text)
    if mt:
        a, b, y = int(mt[1]), int(mt[3]), int(mt[4])
        time = mt.groups()[4:]
        d, mo = (a, b) if dayfirst else (b, a)
        ts = _make(y, mo, d, time)
        if ts is not None:
            return ts, None
        if _make(y, d, mo) is not None:  # valid the other way round
            order = "day-first (DD/MM/YYYY)" if dayfirst else "month-first (MM/DD/YYYY)"
            other = "dayfirst=False (--month-first)" if dayfirst else "dayfirst=True"
            return None, (
                f"{text!r} is not a valid {order} date (there is no month {mo}); if this file "
                f"uses the other order throughout, load it with {other}"
            )
        return None, f"{text!r} is not a real date"
    mt = _NUMERIC_YY.match(text)
    if mt:
        return None, f"ambiguous date {text!r}: a two-digit year can be read several ways"
    mt = _MY.match(text)
    if mt:
        ts = _make(int(mt[2]), int(mt[1]), 1)
        return (ts, None) if ts is not None else (None, f"{text!r} is not a real month")
    mt = _NAMED_MY.match(text)
    if mt and mt[1].lower() in _MONTHS:
        return _make(int(mt[2]), _MONTHS[mt[1].lower()], 1), None
    mt = _NAMED_MYY.match(text)
    if mt and mt[1].lower() in _MONTHS:
        return None, (
            f"ambiguous date {text!r}: '{mt[2]}' could be a day or a two-digit year; write "
            f"{mt[1]} 20{mt[2]} for the month"
        )
    mt = _NAMED_DMY.match(text)
    if mt and mt[2].lower() in _MONTHS:
        ts = _make(int(mt[3]), _MONTHS[mt[2].lower()], int(mt[1]), mt.groups()[3:])
        return (ts, None) if ts is not None else (None, f"{text!r} is not a real date")
    return None, f"unparseable date {text!r}"


_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_number(value: Any) -> tuple[float | None, str | None]:
    """Parse one numeric cell; return ``(number, None)``, ``(None, None)`` if blank, or
    ``(None, message)``.

    Accepts numbers, numeric text and thousands separators (``1,234``); rejects text such as
    ``n/a`` or ``5 falls``.

    >>> parse_number("1,234")
    (1234.0, None)
    """
    if value is None:
        return None, None
    if isinstance(value, bool):
        return None, f"not a number: {value!r}"
    if isinstance(value, int | float):
        if isinstance(value, float) and math.isnan(value):
            return None, None
        if not math.isfinite(value):
            return None, f"not a number: {value!r}"
        return float(value), None
    if isinstance(value, dt.date | dt.datetime):
        return None, f"not a number: a date ({value:%d/%m/%Y}) in a numeric column"
    text = str(value).strip()
    if not text:
        return None, None
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    if _PLAIN_NUMBER.match(text):
        return float(text), None
    return None, f"not a number: {str(value).strip()!r}"
