"""Reading data files (CSV, Excel) into raw tables: header row and values, nothing checked.

A file that cannot be read is reported (``spc.data.problems``) instead of raising, so every
problem in every file can be listed at once. Tables read cleanly are cached by path, size and
modification time, for a warm kernel that renders one report after another from the same files.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spc.data.problems import ERROR, ValidationReport
from spc.data.templates import DATA_SHEET

__all__ = ["Table", "normalise_name", "read_table", "read_table_cached"]


@dataclass
class Table:
    """A file's header and its non-blank rows, as read."""

    label: str
    header: list[str]
    rows: list[tuple[int, list[Any]]]  # (spreadsheet row number, values)


def normalise_name(name: Any) -> str:
    """A header as a column name: lower case, spaces and dashes as underscores."""
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


def read_table(path: Path, report: ValidationReport) -> Table | None:
    """The file as a :class:`Table`, or None after reporting why it cannot be read."""
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
    return Table(label, header, rows)


#: Raw tables already read in this process, keyed by (path, mtime, size). A warm kernel
#: renders one report after another from the same files; re-reading an unchanged workbook
#: for every team would dominate. Only clean reads are cached (problems are re-reported).
_TABLE_CACHE: dict[tuple[str, int, int], Table] = {}
_TABLE_CACHE_SIZE = 64


def read_table_cached(path: Path, report: ValidationReport) -> Table | None:
    """:func:`read_table`, from the cache when the file has not changed."""
    try:
        st = path.stat()
    except OSError:
        return read_table(path, report)
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    table = _TABLE_CACHE.get(key)
    if table is None:
        before = len(report.problems)
        table = read_table(path, report)
        if table is None or len(report.problems) != before:
            return table
        if len(_TABLE_CACHE) >= _TABLE_CACHE_SIZE:
            _TABLE_CACHE.clear()
        _TABLE_CACHE[key] = table
    # callers may replace .rows (team filter): hand out a copy of the row list
    return Table(table.label, list(table.header), list(table.rows))
