"""The data-entry templates as files: CSV text and Excel workbooks, byte-for-byte reproducible.

The schemas are ``spc.data.templates``; this module only writes them out (with an example row,
a README sheet and cell validation in Excel). The committed files in ``templates/`` are written
by :func:`write_all_templates` and a test checks they are identical.

Example::

    >>> from spc.data.template_files import write_template
    >>> write_template("ward-monthly", "falls.xlsx")           # doctest: +SKIP
    PosixPath('falls.xlsx')
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from spc.data.templates import DATA_SHEET, EXAMPLE_MARKER, TEMPLATES, TemplateSpec, get_template
from spc.errors import SPCError

__all__ = ["template_csv", "template_workbook", "write_all_templates", "write_template"]

_MAX_VALIDATED_ROW = 5000
_FIXED_TIME = (2024, 1, 1, 0, 0, 0)


def _example_frame(spec: TemplateSpec) -> pd.DataFrame:
    return pd.DataFrame([{c.name: c.example for c in spec.columns}], columns=spec.column_names)


def _csv_cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp | dt.datetime):
        value = value.date() if (value.hour, value.minute, value.second) == (0, 0, 0) else value
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def template_csv(name: str, data: pd.DataFrame | None = None) -> str:
    """Text of the CSV template ``name``: the header plus the example row, or ``data``'s rows.

    Dates are written as ISO ``YYYY-MM-DD`` so the file reads the same everywhere.

    >>> template_csv("changes").splitlines()[0]
    'team,date,change,cycle,measure,new_phase'
    """
    import csv

    spec = get_template(name)
    frame = _example_frame(spec) if data is None else data.reindex(columns=spec.column_names)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(spec.column_names)
    for row in frame.itertuples(index=False):
        writer.writerow([_csv_cell(v) for v in row])
    return buf.getvalue()


def _column_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def _readme_rows(spec: TemplateSpec) -> list[list[str]]:
    rows = [
        [f"safety-spc template: {spec.name}"],
        [spec.title],
        [""],
        [f"Fill in the '{DATA_SHEET}' sheet: one row is {spec.row_is}."],
        [
            "Row 2 is an example: overwrite it or delete it (rows whose "
            f"{spec.team_column} is {EXAMPLE_MARKER} are skipped when loading)."
        ],
        ["Leave a cell blank when the value is not known; do not type 0 for 'not known'."],
        ["Dates are day first (01/04/2024 is 1 April 2024); ISO dates (2024-04-01) also work."],
        [
            "Aggregate counts only: never enter patient names, NHS numbers or other "
            "patient-identifiable information."
        ],
        ["Check the file with:  safety-spc validate FILE"],
        [""],
        ["column", "required", "what to enter", "allowed values"],
    ]
    allowed = {
        "text": "text",
        "month": "a date",
        "date": "a date",
        "count": "whole number, 0 or more",
        "amount": "number, 0 or more",
    }
    for c in spec.columns:
        values = ", ".join(c.choices) if c.kind == "choice" else allowed[c.kind]
        if c.at_most:
            values += f"; not more than {c.at_most}"
        rows.append([c.name, "yes" if c.required else "no", c.description, values])
    return rows


def _build_workbook(spec: TemplateSpec, frame: pd.DataFrame, example: bool) -> object:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    readme = wb.active
    readme.title = "README"
    for row in _readme_rows(spec):
        readme.append(row)
    readme["A1"].font = Font(bold=True, size=14)
    header_row = len(_readme_rows(spec)) - len(spec.columns)
    for cell in readme[header_row]:
        cell.font = Font(bold=True)
    readme.column_dimensions["A"].width = 26
    readme.column_dimensions["B"].width = 10
    readme.column_dimensions["C"].width = 80
    readme.column_dimensions["D"].width = 40

    ws = wb.create_sheet(DATA_SHEET)
    ws.append(spec.column_names)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font = bold
        cell.fill = fill
    ws.freeze_panes = "A2"
    for values in frame.itertuples(index=False):
        ws.append([_xlsx_cell(v) for v in values])
    last = _MAX_VALIDATED_ROW
    for i, c in enumerate(spec.columns, start=1):
        letter = _column_letter(i)
        ws.column_dimensions[letter].width = max(12, len(c.name) + 2)
        rng = f"{letter}2:{letter}{last}"
        if c.kind in ("month", "date"):
            fmt = "mmm yyyy" if c.kind == "month" else "dd/mm/yyyy"
            for row in range(2, ws.max_row + 1):
                ws[f"{letter}{row}"].number_format = fmt
            dv = DataValidation(
                type="date",
                operator="greaterThan",
                formula1="DATE(1990,1,1)",
                allow_blank=not c.required,
                errorTitle="Not a date",
                error=f"{c.name}: enter a date, day first (e.g. 01/04/2024).",
            )
        elif c.kind == "count":
            dv = DataValidation(
                type="whole",
                operator="greaterThanOrEqual",
                formula1="0",
                allow_blank=True,
                errorTitle="Not a whole number",
                error=f"{c.name}: enter a whole number, 0 or more, or leave blank.",
            )
        elif c.kind == "amount":
            dv = DataValidation(
                type="decimal",
                operator="greaterThanOrEqual",
                formula1="0",
                allow_blank=True,
                errorTitle="Not a number",
                error=f"{c.name}: enter a number, 0 or more, or leave blank.",
            )
        elif c.kind == "choice":
            dv = DataValidation(
                type="list",
                formula1='"' + ",".join(c.choices) + '"',
                allow_blank=not c.required,
                errorTitle="Not an allowed value",
                error=f"{c.name}: choose one of {', '.join(c.choices)}.",
            )
        else:
            continue
        dv.showErrorMessage = True
        dv.promptTitle = c.name
        dv.prompt = c.description[:250]
        dv.showInputMessage = True
        ws.add_data_validation(dv)
        dv.add(rng)
    if example:
        for cell in ws[2]:
            cell.font = Font(italic=True, color="808080")
    wb.active = 0
    fixed = dt.datetime(*_FIXED_TIME)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "safety-spc"
    wb.properties.title = f"safety-spc template: {spec.name}"
    return wb


def _xlsx_cell(value: object) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def template_workbook(name: str, data: pd.DataFrame | None = None) -> bytes:
    """Bytes of the Excel template ``name`` (README sheet, ``data`` sheet with validation).

    With ``data`` the data sheet holds those rows instead of the example row. The bytes are
    deterministic (fixed timestamps), so the committed templates can be compared byte for byte.
    """
    from openpyxl.writer.excel import ExcelWriter

    spec = get_template(name)
    example = data is None
    frame = _example_frame(spec) if example else data.reindex(columns=spec.column_names)
    wb = _build_workbook(spec, frame, example)
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    # rewrite with fixed entry timestamps so the bytes do not depend on the clock
    out = io.BytesIO()
    with (
        zipfile.ZipFile(raw) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def write_template(
    name: str,
    path: str | Path | None = None,
    fmt: str | None = None,
    *,
    data: pd.DataFrame | None = None,
    overwrite: bool = False,
) -> Path:
    """Write template ``name`` as ``fmt`` (``"xlsx"`` or ``"csv"``) to ``path``; return the path.

    ``path`` defaults to ``<name>.<fmt>`` in the current folder; ``fmt`` defaults to the
    suffix of ``path``, else ``xlsx``. An existing file is not overwritten unless
    ``overwrite=True``. With ``data`` the rows of that frame are written instead of the
    example row (used to make the example collaborative's files).

    >>> write_template("events", "/tmp/events.csv", overwrite=True)    # doctest: +SKIP
    PosixPath('/tmp/events.csv')
    """
    get_template(name)
    if fmt is None:
        suffix = Path(path).suffix.lower().lstrip(".") if path is not None else ""
        fmt = suffix if suffix in ("csv", "xlsx") else "xlsx"
    if fmt not in ("csv", "xlsx"):
        raise SPCError(f"format {fmt!r} is not supported: use 'xlsx' or 'csv'")
    target = Path(path) if path is not None else Path(f"{name}.{fmt}")
    if target.exists() and not overwrite:
        raise SPCError(
            f"{target} already exists: choose another path with -o, or remove the file first"
        )
    if fmt == "csv":
        payload = template_csv(name, data).encode("utf-8")
    else:
        payload = template_workbook(name, data)
    target.write_bytes(payload)
    return target


def write_all_templates(folder: str | Path, formats: Sequence[str] = ("csv", "xlsx")) -> list[Path]:
    """Write every template in every format into ``folder`` (used for ``templates/``)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_template(n, folder / f"{n}.{f}", f, overwrite=True)
        for n in TEMPLATES
        for f in formats
    ]
