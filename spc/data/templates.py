"""Data-entry templates: the column schemas that :func:`spc.load` reads, as CSV and Excel files.

There are four templates, one per kind of file a collaborative keeps:

``ward-monthly``
    one row per ward and month: occupied bed days, admissions, falls by harm level, pressure
    ulcers by category, VTE risk assessment, prophylaxis, hospital-acquired thrombosis.
``safety-thermometer``
    one row per ward and monthly survey: patients surveyed, harm-free, each harm.
``events``
    one row per harm event (ward, date, event type, severity), for days-between (T) charts.
``changes``
    the PDSA / change log (team, date, change, cycle): chart annotations and phase starts.

This module is the single source of truth for the schemas: the committed files in
``templates/`` are written by :func:`write_template` and a test checks they are identical.

Example::

    >>> from spc.data.templates import write_template
    >>> write_template("ward-monthly", "falls.xlsx")           # doctest: +SKIP
    PosixPath('falls.xlsx')
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from spc.errors import SPCError

__all__ = [
    "TEMPLATES",
    "ColumnSpec",
    "TemplateSpec",
    "get_template",
    "template_csv",
    "template_names",
    "template_workbook",
    "write_template",
]

#: Value of the team column that marks the example row of a template; the loader skips it.
EXAMPLE_MARKER = "EXAMPLE"

#: Name of the data sheet in the Excel templates (the loader reads this sheet).
DATA_SHEET = "data"

_MAX_VALIDATED_ROW = 5000
_FIXED_TIME = (2024, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a template.

    ``kind`` is one of ``text``, ``month`` (any date in the month; stored as the first of the
    month), ``date``, ``count`` (whole number >= 0), ``amount`` (number >= 0) or ``choice``
    (one of ``choices``). ``at_most`` names a column this one may not exceed (numerator <=
    denominator).
    """

    name: str
    kind: str
    description: str
    example: object
    required: bool = False
    choices: tuple[str, ...] = ()
    at_most: str | None = None


@dataclass(frozen=True)
class TemplateSpec:
    """A template: its name, what one row is, the team column and its columns."""

    name: str
    title: str
    row_is: str
    team_column: str
    date_column: str
    columns: tuple[ColumnSpec, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        """Column names in template order."""
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        """Names of the columns that must be present."""
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> ColumnSpec:
        """The :class:`ColumnSpec` called ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


_EX_MONTH = dt.date(2024, 4, 1)
_EX_DATE = dt.date(2024, 4, 3)

FALL_SEVERITIES = ("no_harm", "low", "moderate", "severe", "death")
PU_SEVERITIES = ("category_2", "category_3", "category_4", "unstageable", "dti")
VTE_SEVERITIES = ("dvt", "pe", "other")
#: Allowed severities for each event type of the events template.
EVENT_SEVERITIES: dict[str, tuple[str, ...]] = {
    "fall": FALL_SEVERITIES,
    "pressure_ulcer": PU_SEVERITIES,
    "vte": VTE_SEVERITIES,
}


def _count(name: str, description: str, example: int, **kw: object) -> ColumnSpec:
    return ColumnSpec(name, "count", description, example, **kw)  # type: ignore[arg-type]


_TRUST = ColumnSpec("trust", "text", "Trust or organisation (optional).", "Example Trust")
_WARD = ColumnSpec(
    "ward",
    "text",
    "Ward or team, spelt the same way in every row and every file.",
    EXAMPLE_MARKER,
    required=True,
)
_MONTH = ColumnSpec(
    "month",
    "month",
    "Month of the return: any date in the month, e.g. 01/04/2024 (day first) or 2024-04.",
    _EX_MONTH,
    required=True,
)

WARD_MONTHLY = TemplateSpec(
    name="ward-monthly",
    title="Monthly ward return: falls, pressure ulcers, VTE",
    row_is="one ward in one month",
    team_column="ward",
    date_column="month",
    columns=(
        _TRUST,
        _WARD,
        _MONTH,
        _count(
            "occupied_bed_days",
            "Occupied bed days in the month (midnight census).",
            780,
            required=True,
        ),
        _count("admissions", "Admissions to the ward in the month.", 130),
        _count("falls_total", "All inpatient falls, with or without harm.", 5),
        _count("falls_no_harm", "Falls graded no harm.", 3),
        _count("falls_low", "Falls graded low harm.", 2),
        _count("falls_moderate", "Falls graded moderate harm.", 0),
        _count("falls_severe", "Falls graded severe harm.", 0),
        _count("falls_death", "Falls resulting in death.", 0),
        ColumnSpec(
            "enhanced_obs_hours",
            "amount",
            "Hours of enhanced (one-to-one) observation in the month.",
            96.5,
        ),
        _count("pu_new_cat2", "New category 2 pressure ulcers developed in our care.", 1),
        _count("pu_new_cat3", "New category 3 pressure ulcers developed in our care.", 0),
        _count("pu_new_cat4", "New category 4 pressure ulcers developed in our care.", 0),
        _count("pu_new_unstageable", "New unstageable pressure ulcers developed in our care.", 0),
        _count("pu_new_dti", "New deep tissue injuries developed in our care.", 0),
        _count(
            "pu_present_on_admission", "Pressure ulcers present on admission (any category).", 2
        ),
        _count("masd_reported", "Moisture-associated skin damage reported.", 1),
        _count(
            "vte_ra_num",
            "Admitted patients aged 16+ risk-assessed for VTE within 14 hours.",
            118,
            at_most="vte_ra_den",
        ),
        _count("vte_ra_den", "All admitted patients aged 16+.", 124),
        _count(
            "prophylaxis_num",
            "Audited patients on risk-appropriate thromboprophylaxis (or correctly none).",
            18,
            at_most="prophylaxis_den",
        ),
        _count("prophylaxis_den", "Patients audited for thromboprophylaxis.", 20),
        _count("hat_total", "Hospital-acquired thromboses (VTE in admission or 90 days after).", 0),
        _count("major_bleeds", "Major bleeds in patients on thromboprophylaxis.", 0),
    ),
)

SAFETY_THERMOMETER = TemplateSpec(
    name="safety-thermometer",
    title="Safety Thermometer style survey summary",
    row_is="one ward's monthly point-prevalence survey",
    team_column="ward",
    date_column="month",
    columns=(
        _TRUST,
        _WARD,
        ColumnSpec(
            "month",
            "month",
            "Month of the survey: the survey date or any date in that month.",
            _EX_MONTH,
            required=True,
        ),
        _count("patients_surveyed", "Patients surveyed on the survey day.", 24, required=True),
        _count(
            "harm_free",
            "Patients with none of the four harms (old or new).",
            22,
            at_most="patients_surveyed",
        ),
        _count(
            "harm_free_new",
            "Patients with none of the four harms that started in our care.",
            23,
            at_most="patients_surveyed",
        ),
        _count(
            "patients_new_pu",
            "Patients with a new category 2-4 pressure ulcer.",
            1,
            at_most="patients_surveyed",
        ),
        _count(
            "patients_old_pu",
            "Patients with a pressure ulcer present on admission.",
            1,
            at_most="patients_surveyed",
        ),
        _count(
            "patients_fall_harm",
            "Patients with a fall with harm in the previous 72 hours.",
            0,
            at_most="patients_surveyed",
        ),
        _count(
            "patients_catheter_uti",
            "Patients with a urinary catheter and a urinary infection.",
            0,
            at_most="patients_surveyed",
        ),
        _count(
            "patients_new_vte",
            "Patients treated for a VTE that started after admission.",
            0,
            at_most="patients_surveyed",
        ),
    ),
)

EVENTS = TemplateSpec(
    name="events",
    title="Event log for days-between charts",
    row_is="one harm event",
    team_column="ward",
    date_column="date",
    columns=(
        _TRUST,
        _WARD,
        ColumnSpec(
            "date",
            "date",
            "Date of the event, day first (03/04/2024) or 2024-04-03. Time is optional.",
            _EX_DATE,
            required=True,
        ),
        ColumnSpec(
            "event_type",
            "choice",
            "What happened: fall, pressure_ulcer or vte.",
            "fall",
            required=True,
            choices=tuple(EVENT_SEVERITIES),
        ),
        ColumnSpec(
            "severity",
            "choice",
            "fall: no_harm, low, moderate, severe, death; pressure_ulcer: category_2, "
            "category_3, category_4, unstageable, dti; vte: dvt, pe, other.",
            "moderate",
            required=True,
            choices=tuple(dict.fromkeys(s for v in EVENT_SEVERITIES.values() for s in v)),
        ),
    ),
)

CHANGES = TemplateSpec(
    name="changes",
    title="PDSA / change log",
    row_is="one change tested or made",
    team_column="team",
    date_column="date",
    columns=(
        ColumnSpec(
            "team",
            "text",
            "Ward or team, spelt exactly as in the data files.",
            EXAMPLE_MARKER,
            required=True,
        ),
        ColumnSpec(
            "date",
            "date",
            "Date the change started, day first (03/04/2024) or 2024-04-03.",
            _EX_DATE,
            required=True,
        ),
        ColumnSpec(
            "change",
            "text",
            "What was changed, in a few words (no patient details).",
            "Lying and standing BP on admission",
            required=True,
        ),
        ColumnSpec("cycle", "text", "PDSA cycle or stage, e.g. PDSA 1.", "PDSA 1"),
        ColumnSpec(
            "measure",
            "text",
            "Measure id or topic (falls, pressure_ulcers, vte, harm_free_care) the change "
            "aims at; blank means all of the team's measures.",
            "falls",
        ),
        ColumnSpec(
            "new_phase",
            "choice",
            "yes if charts should start a new phase (new centre line and limits) here.",
            "no",
            choices=("yes", "no"),
        ),
    ),
)

#: All templates by name.
TEMPLATES: dict[str, TemplateSpec] = {
    t.name: t for t in (WARD_MONTHLY, SAFETY_THERMOMETER, EVENTS, CHANGES)
}


def template_names() -> list[str]:
    """Names of the available templates, e.g. ``['ward-monthly', ...]``."""
    return list(TEMPLATES)


def get_template(name: str) -> TemplateSpec:
    """The :class:`TemplateSpec` called ``name``; unknown names raise :class:`SPCError`."""
    try:
        return TEMPLATES[name]
    except KeyError:
        raise SPCError(f"unknown template {name!r}: choose one of {', '.join(TEMPLATES)}") from None


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
