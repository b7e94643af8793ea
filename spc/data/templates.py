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

This module is the single source of truth for the schemas; ``spc.data.template_files``
writes them as the CSV and Excel files in ``templates/`` (a test checks they are identical).

Example::

    >>> get_template("events").required
    ['ward', 'date', 'event_type', 'severity']
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from spc.errors import SPCError

__all__ = [
    "TEMPLATES",
    "ColumnSpec",
    "TemplateSpec",
    "get_template",
    "template_names",
]

#: Value of the team column that marks the example row of a template; the loader skips it.
EXAMPLE_MARKER = "EXAMPLE"

#: Name of the data sheet in the Excel templates (the loader reads this sheet).
DATA_SHEET = "data"


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
