"""Reading data files (CSV, Excel) into raw tables: header row and coded cells, nothing checked.

A file that cannot be read is reported (``spc.data.problems``) instead of raising, so every
problem in every file can be listed at once: missing files, folders where a file is expected,
text that is neither UTF-8 nor Windows-1252, UTF-16 and binary files, workbooks saved with a
``.csv`` name, Excel formulas saved without a calculated value. Text that was read but changed
on the way (rows in a second encoding) is read correctly and reported as a warning.

Each column is stored coded: ``codes[i]`` indexes ``values`` (the distinct cells, as read) and
``-1`` marks a blank cell. A 50 MB file has a few thousand distinct cells per column, so the
checks parse each distinct cell once instead of every cell (``spc.data.cells``).

Tables read cleanly are cached by path, size and modification time, for a warm kernel that
renders one report after another from the same files.

Example::

    >>> from pathlib import Path; import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "w.csv"
    >>> _ = path.write_text("ward,month\\nA,2024-04\\nA,2024-05\\n")
    >>> table = read_table(path, ValidationReport())
    >>> table.header, table.rownums.tolist(), table.column_values(0).tolist()
    (['ward', 'month'], [2, 3], ['A', 'A'])
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spc.data.problems import ERROR, WARNING, ValidationReport
from spc.data.templates import DATA_SHEET

__all__ = [
    "Column",
    "Table",
    "normalise_name",
    "read_table",
    "read_table_cached",
]

#: File types read as data (``.xls`` is reported with a fix, not read).
DATA_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls")
_SAVE_AS_CSV = "in Excel use File > Save As > 'CSV UTF-8 (Comma delimited) (*.csv)'"


def normalise_name(name: Any) -> str:
    """A header as a column name: lower case, spaces and dashes as underscores."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower()) if name is not None else ""


@dataclass(frozen=True)
class Column:
    """One column's cells: ``values[codes[i]]`` is row i's cell as read; ``codes[i] == -1``
    when the cell is blank (empty, or only spaces)."""

    codes: np.ndarray
    values: list[Any]

    def take(self, index: np.ndarray) -> Column:
        return Column(self.codes[index], self.values)


@dataclass(frozen=True)
class Table:
    """A file's header and its non-blank rows, as read.

    ``rownums`` are the rows as a spreadsheet numbers them (header = 1); ``columns`` has one
    :class:`Column` per header position. ``sheet`` is the Excel sheet read, ``sheets`` the
    first row of every other sheet (to say where data are when this sheet is not it).
    ``line_breaks`` lists (row, position) of cells holding a line break (CSV only).
    """

    label: str
    header: list[str]
    rownums: np.ndarray
    columns: list[Column]
    sheet: str | None = None
    sheets: dict[str, list[str]] = field(default_factory=dict)
    digest: str = ""

    def __len__(self) -> int:
        return len(self.rownums)

    def take(self, index: np.ndarray) -> Table:
        """The rows at ``index`` (positions or a boolean mask), as a new table."""
        return replace(
            self, rownums=self.rownums[index], columns=[c.take(index) for c in self.columns]
        )

    def column_values(self, pos: int) -> np.ndarray:
        """Column ``pos`` as an object array of raw cells (None where blank)."""
        col = self.columns[pos]
        lookup = np.array([*col.values, None], dtype=object)
        return lookup[col.codes]  # -1 picks the trailing None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _factorize(cells: list[Any]) -> Column:
    """Code a list of cells of any type (Excel gives numbers, dates and text in one column).

    Keys include the type, so ``1``, ``1.0`` and ``True`` stay distinct cells with their own
    messages. A Python loop, used only where the cells already came one by one from openpyxl
    or the csv module; CSV files normally come coded from pandas (:func:`_from_categories`).
    """
    index: dict[tuple[type, Any], int] = {}
    values: list[Any] = []
    codes = np.empty(len(cells), dtype=np.int32)
    for i, v in enumerate(cells):
        if _blank(v):
            codes[i] = -1
            continue
        key = (type(v), v)
        j = index.get(key)
        if j is None:
            j = index[key] = len(values)
            values.append(v)
        codes[i] = j
    return Column(codes, values)


def _from_categories(series: pd.Series) -> Column:
    cats = list(series.cat.categories)
    blank = np.array([not str(c).strip() for c in cats] + [True], dtype=bool)
    codes = series.cat.codes.to_numpy().astype(np.int32)
    codes = np.where(blank[codes], -1, codes).astype(np.int32)
    return Column(codes, cats)


def _make_table(
    label: str, columns: list[Column], empty: _Unreadable | None = None, **kw: Any
) -> Table:
    """The header is the first row; rows where every cell is blank are dropped (they are not
    data, and the row numbers of the others keep counting them). Raises :class:`_Unreadable`
    for an empty file (``empty``, when given, says it better) or a blank first row."""
    n = len(columns[0].codes) if columns else 0
    filled = np.zeros(n, dtype=bool)
    for col in columns:
        filled |= col.codes >= 0
    if not filled.any():
        raise empty or _Unreadable("empty file: no header row", "start from a template")
    if not filled[0]:
        raise _Unreadable(
            "the first row is blank: the header must be on row 1",
            "delete the blank rows above the column names",
            row=1,
        )
    header = [str(c.values[c.codes[0]]).strip() if c.codes[0] >= 0 else "" for c in columns]
    body = [Column(c.codes[1:], c.values) for c in columns]
    keep = filled[1:]
    table = Table(label, header, np.arange(2, n + 1), body, **kw)
    return table if keep.all() else table.take(keep)


# ------------------------------------------------------------------------------ CSV decoding


class _Unreadable(Exception):
    """The file cannot be read: ``message`` and ``fix`` say why and what to do."""

    def __init__(self, message: str, fix: str, row: int | None = None) -> None:
        super().__init__(message)
        self.message, self.fix, self.row = message, fix, row


_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)
_MAGIC = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another zip file", "rename it to .xlsx"),
    (
        b"\xd0\xcf\x11\xe0",
        "an old-style Excel workbook (.xls)",
        "open it in Excel and " + _SAVE_AS_CSV,
    ),
    (b"%PDF", "a PDF document", "export the data from the spreadsheet as CSV instead"),
)


def _check_text(raw: bytes) -> None:
    """Raise :class:`_Unreadable` for UTF-16/32 text, workbooks and binary files."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            raise _Unreadable(
                f"the file is {name} text (Excel's 'Unicode Text'), not a CSV this tool reads",
                _SAVE_AS_CSV,
            )
    for magic, what, fix in _MAGIC:
        if raw.startswith(magic):
            raise _Unreadable(f"the file is {what} with a .csv name, not a CSV file", fix)
    head = raw[:8192]
    if b"\x00" in head:
        # UTF-16 without a byte-order mark has a zero byte beside almost every ASCII letter
        zeros = head.count(b"\x00")
        if zeros > len(head) // 3 and (
            head[1::2].count(0) > len(head) // 3 or head[::2].count(0) > len(head) // 3
        ):
            raise _Unreadable(
                "the file looks like UTF-16 text (a zero byte beside every letter), not a "
                "CSV this tool reads",
                _SAVE_AS_CSV,
            )
        raise _Unreadable(
            "the file holds binary data (zero bytes), not comma-separated text",
            "check it is the right file; export the data from the spreadsheet as CSV",
        )
    control = sum(head.count(bytes([b])) for b in (*range(0, 9), 11, 12, *range(14, 32), 127))
    if control > max(8, len(head) // 100):
        raise _Unreadable(
            f"the file holds binary data ({control} control bytes in its first "
            f"{len(head)} bytes), not comma-separated text",
            "check it is the right file; export the data from the spreadsheet as CSV",
        )


def _decode(raw: bytes) -> tuple[bytes, list[int]]:
    """UTF-8 bytes of the file, and the 1-based lines read as Windows-1252 in a file that is
    otherwise UTF-8 (a mixed file: a row pasted from another program).

    UTF-8 (with or without a byte-order mark) and Windows-1252 (what Excel's plain 'CSV
    (Comma delimited)' writes) are read as they are; in a mixed file each line is read in the
    encoding it is valid in, so 'Élodie' stays 'Élodie' in both kinds of line.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        raw.decode("utf-8")
        return raw, []
    except UnicodeDecodeError:
        pass
    lines = raw.split(b"\n")
    utf8_lines, cp_lines = 0, []
    out = []
    for number, line in enumerate(lines, start=1):
        if line.isascii():
            out.append(line)
            continue
        try:
            line.decode("utf-8")
            utf8_lines += 1
            out.append(line)
            continue
        except UnicodeDecodeError:
            pass
        try:
            text = line.decode("cp1252")
        except UnicodeDecodeError as exc:
            byte = line[exc.start]
            raise _Unreadable(
                f"line {number} holds byte 0x{byte:02X}, which is neither UTF-8 nor "
                "Windows-1252 text (the encodings spreadsheets save CSV in)",
                _SAVE_AS_CSV,
            ) from None
        cp_lines.append(number)
        out.append(text.encode("utf-8"))
    return b"\n".join(out), (cp_lines if utf8_lines else [])


def _records_start_lines(text: str) -> list[int]:
    """The line on which each CSV record starts (quoted cells may hold line breaks)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    starts, line = [], 1
    for _ in reader:
        starts.append(line)
        line = reader.line_num + 1
    return starts


def _read_csv(path: Path, label: str, raw: bytes, report: ValidationReport) -> Table:
    _check_text(raw)
    data, mixed = _decode(raw)
    try:
        # every cell as text, coded per column by pandas' C parser (fast, little memory);
        # blank lines stay as rows so the row numbers are the spreadsheet's
        frame = pd.read_csv(
            io.BytesIO(data),
            header=None,
            dtype="category",
            na_filter=False,
            keep_default_na=False,
            skip_blank_lines=False,
            encoding="utf-8",
        )
        columns = [_from_categories(frame[c]) for c in frame.columns]
        del frame
    except (pd.errors.EmptyDataError, pd.errors.ParserError):
        # a blank first line or rows longer than the first: the csv module copes with both
        grid = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
        width = max((len(r) for r in grid), default=0)
        columns = [_factorize([r[i] if i < len(r) else None for r in grid]) for i in range(width)]
    table = _make_table(label, columns, digest=_digest(raw))
    if mixed:
        starts = _records_start_lines(data.decode("utf-8"))
        rows = sorted({_row_of_line(line, starts) for line in mixed})
        shown = ", ".join(map(str, rows[:8])) + (" ..." if len(rows) > 8 else "")
        report.add(
            WARNING,
            label,
            f"mixed text encodings: {len(rows)} row(s) (rows {shown}) are Windows-1252 "
            "(ANSI) text in a UTF-8 file; each row was read in its own encoding, so check "
            "the names in these rows (accented letters such as 'É')",
            "save the whole file once as 'CSV UTF-8 (Comma delimited)'",
            row=rows[0],
        )
    return table


def _row_of_line(line: int, starts: list[int]) -> int:
    """Spreadsheet row of the record holding physical ``line``."""
    return int(np.searchsorted(starts, line, side="right"))


def _digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


# ----------------------------------------------------------------------------------- Excel


def _is_formula(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith("=") and len(value) > 1
    return type(value).__name__ in ("ArrayFormula", "DataTableFormula")


def _sheet_rows(path: Path, sheet: str | None, data_only: bool) -> tuple[str, list, dict]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=data_only)
    try:
        sheets = [ws for ws in wb.worksheets if hasattr(ws, "iter_rows")]
        if not sheets:
            raise _Unreadable("the workbook has no worksheets", "save the data on a worksheet")
        names = [ws.title for ws in sheets]
        if sheet is None:
            if DATA_SHEET in names:
                sheet = DATA_SHEET
            else:
                others = [n for n in names if n.lower() != "readme"]
                sheet = others[0] if others else names[0]
        ws = sheets[names.index(sheet)]
        grid = [list(r) for r in ws.iter_rows(values_only=True)]
        headers = {}
        if data_only is False:
            for other in sheets:
                if other.title != sheet:
                    first = next(other.iter_rows(max_row=1, values_only=True), ())
                    headers[other.title] = ["" if _blank(v) else str(v).strip() for v in first]
        return sheet, grid, headers
    finally:
        wb.close()


def _read_xlsx(path: Path, label: str, raw: bytes, report: ValidationReport) -> Table | None:
    try:
        sheet, grid, others = _sheet_rows(path, None, data_only=False)
        formulas = [
            (i, j) for i, row in enumerate(grid) for j, v in enumerate(row) if _is_formula(v)
        ]
        if formulas:
            # Formulas: the values are the ones Excel calculated and stored with the file.
            formula_grid = grid
            _, grid, _ = _sheet_rows(path, sheet, data_only=True)
    except _Unreadable:
        raise
    except Exception as exc:  # openpyxl raises several types for corrupt files
        report.add(
            ERROR,
            label,
            f"cannot be opened as an Excel workbook ({type(exc).__name__})",
            "save it again from Excel as .xlsx, or export the data sheet as CSV",
        )
        return None
    width = max((len(r) for r in grid), default=0)
    columns = [_factorize([r[j] if j < len(r) else None for r in grid]) for j in range(width)]
    elsewhere = [name for name, header in others.items() if any(header)]
    empty = (
        _Unreadable(
            f"sheet {sheet!r}, the sheet read, is empty; the workbook's other sheet(s) "
            f"{', '.join(map(repr, elsewhere))} hold something",
            f"rename the sheet with the data to {DATA_SHEET!r}, or move it to the front",
        )
        if elsewhere
        else None
    )
    table = _make_table(label, columns, empty, sheet=sheet, sheets=others, digest=_digest(raw))
    if formulas and _report_uncalculated(table, formula_grid, grid, formulas, report):
        return None  # those cells would read as blank: nothing of this file is checked
    return table


def _report_uncalculated(
    table: Table, formula_grid: list, grid: list, formulas: list, report: ValidationReport
) -> bool:
    """One error per column whose formulas were saved without a calculated value (scripts
    and some tools write formulas only; Excel calculates them when it saves). True if any."""
    by_column: dict[int, list[tuple[int, str]]] = {}
    for i, j in formulas:
        value = grid[i][j] if j < len(grid[i]) else None
        if value is None:
            by_column.setdefault(j, []).append((i + 1, str(formula_grid[i][j])))
    for j, cells in by_column.items():
        rows = [r for r, _ in cells]
        shown = ", ".join(map(str, rows[:8])) + (" ..." if len(rows) > 8 else "")
        name = table.header[j] if j < len(table.header) and table.header[j] else None
        report.add(
            ERROR,
            table.label,
            f"{len(rows)} formula cell(s) have no calculated value (e.g. {cells[0][1]!r}; "
            f"rows {shown}): the file was saved by a program that does not calculate "
            "formulas, so these cells would be read as blank",
            "open the file in Excel (or LibreOffice) and save it, so the values are stored "
            "with the formulas; or type the values in",
            row=rows[0],
            column=name or _column_letter(j),
            sheet=table.sheet,
        )
    return bool(by_column)


def _column_letter(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j + 1)


# ------------------------------------------------------------------------------------ files


def read_table(path: Path, report: ValidationReport) -> Table | None:
    """The file as a :class:`Table`, or None after reporting why it cannot be read."""
    label = path.name
    suffix = path.suffix.lower()
    try:
        if path.is_dir():
            raise _Unreadable(
                "is a folder, not a file", "give the data files in it, or the folder itself"
            )
        if not path.exists():
            raise _Unreadable(f"file not found ({path})", "check the path and the file name")
        if suffix == ".xls":
            raise _Unreadable(
                "old-style .xls workbooks are not read",
                "open it in Excel and save as .xlsx (Excel Workbook) or CSV",
            )
        if suffix not in DATA_SUFFIXES:
            raise _Unreadable(
                f"unsupported file type {suffix or '(none)'!r}",
                "use the .csv or .xlsx templates (safety-spc template --list)",
            )
        raw = path.read_bytes()
        if suffix == ".csv":
            return _read_csv(path, label, raw, report)
        table = _read_xlsx(path, label, raw, report)
        if table is not None and table.sheet is not None:
            report.sheets[label] = table.sheet
        return table
    except _Unreadable as exc:
        report.add(ERROR, label, exc.message, exc.fix, row=exc.row)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        report.add(
            ERROR,
            label,
            f"cannot be read ({reason.lower()})",
            "check the file is there, that you may read it, and that no program has it locked",
        )
    return None


#: Raw tables already read in this process, keyed by (path, mtime, size). A warm kernel
#: renders one report after another from the same files; re-reading an unchanged workbook
#: for every team would dominate. Only clean reads are cached (problems are re-reported).
_TABLE_CACHE: dict[tuple[str, int, int], Table] = {}
_TABLE_CACHE_SIZE = 64


def read_table_cached(path: Path, report: ValidationReport) -> Table | None:
    """:func:`read_table`, from the cache when the file has not changed.

    Tables are never changed in place (filters make new ones), so the cached one is shared.
    """
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
    elif table.sheet is not None:
        report.sheets[table.label] = table.sheet
    return table
