"""The explorer's state and everything it computes, as plain functions (no widgets).

An :class:`ExploreSettings` is what the controls decide for one team and one measure; from it
:func:`compute` makes the chart (:class:`ExploreOutcome`), :func:`what_if` answers "would this
next value signal?", and :func:`draw` draws the chart. :func:`default_settings` starts from what
the reports show: the catalogue, the change log and the team's chart settings. Tested without
ipywidgets; the widgets (``spc.interactive.app``) only wire controls to these functions.

>>> s = default_settings(spc.load_example(), "AVN-ELM", "falls_per_1000_obd")   # doctest: +SKIP
>>> compute(spc.load_example(), s).caption[:40]                                  # doctest: +SKIP
'Inpatient falls per 1,000 occupied bed d'
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from spc.chart_types import CHART_TYPES, chart_type
from spc.data.catalogue import measures
from spc.data.chart_settings import ChartSettings, MeasureChoice, as_chart_settings
from spc.data.examples import load_example
from spc.data.tidy import load
from spc.engine.measure_chart import chart_measure
from spc.engine.rules import RULE_TEXT
from spc.errors import SPCError
from spc.text.describe import describe
from spc.text.labels import chart_name, fmt_num, fmt_x, period_of

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.figure import Figure

    from spc.engine.result import QICResult

__all__ = [
    "CHANGES_COLUMNS",
    "DEFAULT_PHASE_NOTE",
    "SETTINGS_FILE",
    "ExploreOutcome",
    "ExploreSettings",
    "WhatIf",
    "annotations_of",
    "chart_note",
    "compute",
    "default_settings",
    "draw",
    "figure_bytes",
    "load_data",
    "measures_of",
    "periods_of",
    "qic_overrides",
    "teams_of",
    "what_if",
]

#: The file name the explorer's export tab writes the chart settings to.
SETTINGS_FILE = "chart_settings.json"

#: Columns of the ``changes`` template (``templates/changes.csv``), in order.
CHANGES_COLUMNS = ("team", "date", "change", "cycle", "measure", "new_phase")

#: Text put in the change log for a phase start the fellow added without a note.
DEFAULT_PHASE_NOTE = "New phase (set in the explorer)"


# ---------------------------------------------------------------------------- settings
@dataclass
class ExploreSettings:
    """Everything the explorer's controls decide, for one team and one measure.

    ``phase_starts`` and ``exclude`` are x values (period timestamps) of the team's series;
    ``phase_starts`` are phases the fellow insists on (new limits whatever the data say; the
    change log's changes are judged against the baseline anyway, as in the reports);
    ``baseline`` is the number of points that form the baseline the later points are judged
    against (None: the points before the team's first change);
    ``target`` is in the plotted unit (95 means 95 %); ``notes`` maps x values to change-log
    text (from the data's change log plus notes added here).
    """

    team: str
    measure: str
    chart: str
    rules: str = "anhoej"
    phase_starts: list[pd.Timestamp] = field(default_factory=list)
    baseline: int | None = None
    exclude: list[pd.Timestamp] = field(default_factory=list)
    target: float | None = None
    improvement: str = "neutral"
    notes: dict[pd.Timestamp, str] = field(default_factory=dict)
    #: change-log notes marked ``new_phase = yes`` (kept so the change-log export says so)
    marked: list[pd.Timestamp] = field(default_factory=list)

    def choice(self) -> MeasureChoice:
        """The baseline, phases, exclusions and target as a chart settings entry (what the
        reports apply for this team and measure)."""
        return MeasureChoice(
            baseline=self.baseline or None,
            exclude=tuple(sorted(pd.Timestamp(x) for x in self.exclude)),
            target=self.target,
            phases=tuple(sorted(pd.Timestamp(x) for x in self.phase_starts)),
        )


def _catalogue_row(measure: str, extra: Any = None) -> pd.Series:
    cat = measures(extra)
    if measure not in cat.index:
        raise SPCError(f"{measure!r} is not in the measures catalogue")
    return cat.loc[measure]


def _series_rows(data: pd.DataFrame, team: str, measure: str) -> pd.DataFrame:
    """The rows of one team and measure that are charted (value present), by period."""
    rows = data[(data["team"] == team) & (data["measure"] == measure)]
    return rows[rows["value"].notna()].sort_values("period").reset_index(drop=True)


def teams_of(data: pd.DataFrame) -> list[str]:
    """Team codes in the data, sorted."""
    return sorted(data["team"].dropna().astype(str).unique())


def measures_of(data: pd.DataFrame, team: str) -> list[str]:
    """Measure ids with at least 2 charted values for ``team``, in catalogue order."""
    have = data[(data["team"] == team) & data["value"].notna()].groupby("measure").size()
    have = have[have >= 2]
    order = [m for m in measures().index if m in have.index]
    return order + sorted(m for m in have.index if m not in order)


def periods_of(data: pd.DataFrame, team: str, measure: str) -> list[pd.Timestamp]:
    """The x values (periods or event dates) of one team's series, in order."""
    return list(_series_rows(data, team, measure)["period"])


def default_settings(
    data: pd.DataFrame,
    team: str | None = None,
    measure: str | None = None,
    chart_settings: ChartSettings | str | os.PathLike[str] | None = None,
    **changes: Any,
) -> ExploreSettings:
    """Settings as the catalogue, the change log and the chart settings give them (what the
    batch report shows).

    ``team`` defaults to the first team, ``measure`` to the team's first measure. Notes come
    from the data's change log (``annotation`` column); the team's baseline, phases,
    exclusions and target from ``chart_settings`` (a
    :class:`~spc.data.chart_settings.ChartSettings` or a file path). Keyword ``changes`` replace
    fields (e.g. ``chart="i"``).

    >>> import spc
    >>> s = default_settings(spc.load_example(), "AVN-ELM", "falls_per_1000_obd")
    >>> s.chart, s.improvement
    ('u', 'decrease')
    """
    teams = teams_of(data)
    if not teams:
        raise SPCError("the data hold no teams")
    team = team or teams[0]
    if team not in teams:
        raise SPCError(f"team {team!r} is not in the data; teams: {', '.join(teams)}")
    available = measures_of(data, team)
    measure = measure or (available[0] if available else None)
    if measure is None or measure not in available:
        raise SPCError(
            f"team {team!r} has no charted values for measure {measure!r}; "
            f"measures: {', '.join(available)}"
        )
    m = _catalogue_row(measure)
    rows = _series_rows(data, team, measure)
    marked: list[pd.Timestamp] = []
    if "phase_start" in rows:
        flagged = rows.loc[rows["phase_start"].fillna(False).astype(bool), "period"]
        marked = [pd.Timestamp(p) for p in flagged if p != rows["period"].min()]
    notes: dict[pd.Timestamp, str] = {}
    if "annotation" in rows:
        for p, text in zip(rows["period"], rows["annotation"], strict=True):
            if isinstance(text, str) and text.strip():
                notes[pd.Timestamp(p)] = text.strip()
    target = None if pd.isna(m["target"]) else float(m["target"])
    chosen = as_chart_settings(chart_settings).choice(team, measure) or MeasureChoice()
    periods = set(rows["period"])
    settings = ExploreSettings(
        team=team,
        measure=measure,
        chart=str(m["chart"]),
        phase_starts=[x for x in chosen.phases if x in periods],
        baseline=chosen.baseline,
        exclude=[x for x in chosen.exclude if x in periods],
        target=target if chosen.target is None else chosen.target,
        improvement=str(m["improvement"] or "neutral"),
        notes=notes,
        marked=marked,
    )
    return replace(settings, **changes)


# ---------------------------------------------------------------------------- chart choice
def chart_note(measure: str | Mapping[str, Any], chart: str) -> str | None:
    """A plain-English note when ``chart`` is a questionable choice for the measure, else None.

    ``measure`` is a catalogue id or row (``spc.measures().loc[id]``).

    >>> chart_note("falls_per_1000_obd", "p")[:31]
    'A P chart is for proportions (a'
    >>> chart_note("falls_per_1000_obd", "u") is None
    True
    """
    m = _catalogue_row(measure) if isinstance(measure, str) else measure
    default = str(m["chart"])
    title = str(m["title"])
    events = str(m.get("source")) == "events"
    kind = CHART_TYPES.get(chart)
    default_kind = chart_type(default).kind
    if chart == default or kind is None or not kind.has_limits:  # a run chart always works
        return None
    if events:
        if kind.needs_n or kind.kind == "count":
            return (
                f"A {chart.upper()} chart needs counts and denominators, but {title.lower()} "
                "are days between events with no denominator, so it cannot be drawn. Use the "
                "T chart (or a run chart)."
            )
        if chart in ("i", "ip") or kind.one_point_per_event:
            return (
                f"The T chart transforms the days so their skew does not distort the limits; "
                f"an {chart.upper()} chart of raw days between events has limits that are "
                "too narrow at the bottom and too wide at the top."
            )
    if kind.kind == "proportion" and default_kind == "rate":
        return (
            f"A P chart is for proportions (a part of a whole, such as patients assessed "
            f"out of patients admitted), but {title.lower()} is a rate: events per unit of "
            "exposure, not a part of it. Use a U chart, which is built for rates."
        )
    if kind.kind == "rate" and default_kind == "proportion":
        return (
            f"A U chart is for rates, but {title.lower()} is a proportion (each counted "
            "patient or fall is one of the denominator). Use a P chart: its limits use the "
            "binomial spread, which a U chart overstates."
        )
    if kind.kind == "count" and chart_type(default).needs_n:
        return (
            "A C chart plots raw counts and assumes the same exposure every month. Bed days "
            "and admissions vary, so the counts are not comparable; the rate chart (U or P) "
            "allows for that."
        )
    if kind.one_point_per_event:
        return (
            f"T and G charts are for time or cases between rare events (one point per "
            f"event); {title.lower()} is a monthly value, so use the {default.upper()} chart."
        )
    if chart in ("xbar", "s"):
        return (
            "X-bar and S charts need several measurements in each subgroup; here each month "
            "has one value, so the S chart is empty and the X-bar limits are not meaningful."
        )
    if kind.kind == "moving_range":
        return "A moving range chart shows month-to-month change; read it next to the I chart."
    if chart in ("i", "ip") and chart_type(default).needs_n:
        return (
            f"An I chart works for most data but ignores the denominators; the "
            f"{default.upper()} chart uses them and is usually the better choice."
        )
    if chart in ("pp", "up"):
        return (
            "Laney's P' and U' charts are for very large denominators, where ordinary limits "
            "are too narrow; with ward-sized numbers the ordinary chart is usually right."
        )
    return None


def qic_overrides(settings: ExploreSettings, measure: str | Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments for :func:`spc.chart_measure` that apply ``settings``.

    The baseline, phases, exclusions and target go in as the team's chart settings
    (:class:`~spc.data.chart_settings.ChartSettings`), exactly as a saved chart settings file
    reaches the reports, so the explorer judges the change log the way the reports do; the
    target is always passed, so a blank target means no target (not the catalogue's). A C
    chart of a rate measure charts the monthly counts.

    >>> s = ExploreSettings(team="W1", measure="falls_per_1000_obd", chart="c", baseline=12)
    >>> kw = qic_overrides(s, "falls_per_1000_obd")
    >>> kw["n"], kw["multiply"], kw["settings"].choice("W1", "falls_per_1000_obd").baseline
    (None, 1, 12)
    """
    m = _catalogue_row(measure) if isinstance(measure, str) else measure
    kwargs: dict[str, Any] = {
        "chart": settings.chart,
        "rules": settings.rules,
        "improvement": settings.improvement,
        "target": settings.target,
        "settings": ChartSettings({settings.team: {settings.measure: settings.choice()}}),
    }
    counts = CHART_TYPES.get(settings.chart)
    if (
        counts
        and counts.kind == "count"
        and str(m.get("source")) != "events"
        and m.get("denominator")
    ):
        # charting counts: the numerator as it is, no denominator and no multiplier
        kwargs.update(n=None, multiply=1)
    return kwargs


# ---------------------------------------------------------------------------- computing
@dataclass
class ExploreOutcome:
    """The chart for the current settings: result, texts, and anything to tell the user."""

    settings: ExploreSettings
    result: QICResult | None
    title: str = ""
    caption: str = ""
    note: str | None = None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when a chart could be computed."""
        return self.result is not None


def compute(data: pd.DataFrame, settings: ExploreSettings) -> ExploreOutcome:
    """Compute the chart for ``settings``; never raises for bad choices, it explains them.

    Warnings from the engine (trial limits, an ignored baseline) are collected as text; an
    impossible combination gives ``error`` and ``result=None``.
    """

    m = _catalogue_row(settings.measure)
    note = chart_note(m, settings.chart)
    kwargs = qic_overrides(settings, m)
    caught: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            res = chart_measure(data, settings.measure, team=settings.team, **kwargs)
        caught = list(dict.fromkeys(str(w.message) for w in got))
    except SPCError as exc:
        return ExploreOutcome(settings, None, note=note, error=str(exc))
    if kwargs.get("n", "x") is None:  # a count chart of a rate measure shows counts
        res.options.update(label=str(m["title"]).split(" per ")[0], units="count per month")
    title = f"{res.options['label']}: {chart_name(res.options)} - {settings.team}"
    caption = describe(res)
    caption = caption if isinstance(caption, str) else " ".join(caption.values())
    return ExploreOutcome(settings, res, title=title, caption=caption, note=note, warnings=caught)


def annotations_of(settings: ExploreSettings) -> list[tuple[pd.Timestamp, str]]:
    """Change-log notes to draw on the chart, in date order."""
    return sorted(settings.notes.items(), key=lambda kv: kv[0])


def draw(outcome: ExploreOutcome, ax: Any = None) -> Figure:
    """Draw the outcome's chart (title, axis labels with units, change-log markers).

    Returns the matplotlib Figure (a pyplot figure, so close it when done).
    """
    from spc.plotting import plot

    if outcome.result is None:
        raise SPCError(outcome.error or "no chart to draw")
    xs = set(outcome.result.data["x"])
    # short labels: the legend sits under the chart and long change texts would be cut off
    ann = [
        (x, t if len(t) <= 34 else t[:33].rstrip() + "…")
        for x, t in annotations_of(outcome.settings)
        if x in xs
    ]
    ax = plot(outcome.result, ax=ax, title=outcome.title, annotations=ann or None)
    return ax.figure


def figure_bytes(
    fig: Figure, fmt: str = "png", caption: str | None = None, close: bool = False
) -> bytes:
    """The figure as PNG or SVG bytes (deterministic; caption embedded as the description);
    ``close=True`` closes the figure afterwards."""
    from spc.plotting import save

    buf = io.BytesIO()
    save(fig, buf, format=fmt, description=caption, close=close)
    return buf.getvalue()


# ---------------------------------------------------------------------------- what-if
@dataclass
class WhatIf:
    """The answer to "would this next value signal?"."""

    value: float
    x: pd.Timestamp
    signal: bool
    rules: list[str]
    point_type: str
    message: str
    result: QICResult | None = None
    new_signals_elsewhere: int = 0


def _next_row(rows: pd.DataFrame, m: Mapping[str, Any], value: float) -> dict[str, Any]:
    """A hypothetical next row of the tidy frame for ``value`` (in the plotted unit)."""
    last = rows.iloc[-1]
    if str(m.get("source")) == "events":
        # days-between measures: the next event happens ``value`` days after the last one
        x = pd.Timestamp(last["period"]) + pd.Timedelta(days=float(value))
        return {
            **last.to_dict(),
            "period": x,
            "numerator": value,
            "denominator": np.nan,
            "value": value,
            "annotation": "",
            "phase_start": False,
        }
    x = pd.Timestamp(last["period"]) + pd.DateOffset(months=1)
    if m.get("denominator"):
        # a typical month's exposure (median of the last 12) carries the hypothetical rate
        den = float(rows["denominator"].tail(12).median())
        num = float(value) * den / float(m["multiplier"] or 1)
    else:
        den, num = np.nan, float(value)
    return {
        **last.to_dict(),
        "period": x,
        "numerator": num,
        "denominator": den,
        "value": value,
        "annotation": "",
        "phase_start": False,
    }


def what_if(data: pd.DataFrame, settings: ExploreSettings, value: float) -> WhatIf:
    """Would a next value of ``value`` (in the chart's unit) be a signal, with these settings?

    The value is added as the next month (for days-between measures: the next event, ``value``
    days after the last), with a typical month's denominator, and the chart recomputed.

    >>> w = what_if(df, settings, 25.0)      # doctest: +SKIP
    >>> w.signal, w.message                  # doctest: +SKIP
    (True, 'Yes: 25 in Apr 2024 would be a signal (concern): outside the control limits.')
    """
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise SPCError(f"the what-if value must be a number of 0 or more (got {value!r})")
    m = _catalogue_row(settings.measure)
    rows = _series_rows(data, settings.team, settings.measure)
    if rows.empty:
        raise SPCError(f"team {settings.team!r} has no {settings.measure} data")
    new = _next_row(rows, m, value)
    before = compute(data, settings)
    after = compute(pd.concat([data, pd.DataFrame([new])], ignore_index=True), settings)
    if after.result is None:
        raise SPCError(after.error or "the chart could not be computed")
    d = after.result.data
    last = d.iloc[-1]
    # event dates are days, whatever their typical spacing
    period = "day" if str(m.get("source")) == "events" else period_of(d["x"])
    when = fmt_x(last["x"], period)
    fired = [c for c in d.columns if c.startswith("rule_") and bool(last[c])]
    signal = bool(last["signal"])
    kind = str(last["point_type"])
    elsewhere = 0
    if before.result is not None:
        old = before.result.data["signal"].to_numpy(bool)
        elsewhere = int(d["signal"].to_numpy(bool)[: len(old)].sum() - old.sum())
    shown = fmt_num(value)
    if signal:
        side = {"special_cause_improvement": "improvement", "special_cause_concern": "concern"}
        label = side.get(kind, "special cause")
        reasons = "; ".join(dict.fromkeys(RULE_TEXT.get(r, r) for r in fired))
        msg = f"Yes: {shown} in {when} would be a signal ({label}): {reasons}."
    else:
        lim = ""
        if pd.notna(last.get("lcl")) and pd.notna(last.get("ucl")):
            lim = f", inside the limits {fmt_num(last['lcl'])} to {fmt_num(last['ucl'])}"
        msg = f"No: {shown} in {when} would be common cause variation{lim}."
    if elsewhere > 0:
        msg += (
            f" It would also make {elsewhere} earlier point(s) part of a signal "
            "(e.g. completing a run)."
        )
    return WhatIf(
        value=value,
        x=pd.Timestamp(last["x"]),
        signal=signal,
        rules=fired,
        point_type=kind,
        message=msg,
        result=after.result,
        new_signals_elsewhere=max(elsewhere, 0),
    )


# ---------------------------------------------------------------------------- data
def load_data(data: pd.DataFrame | str | os.PathLike[str] | Sequence[Any] | None) -> pd.DataFrame:
    """The tidy frame to explore: ``data`` itself, loaded from path(s) (a comma-separated
    string, a folder or a list), or the example collaborative for None."""
    if data is None:
        return load_example()
    if isinstance(data, pd.DataFrame):
        return data
    return load(_paths(data), warn=False)


def _paths(spec: str | os.PathLike[str] | Sequence[Any]) -> list[Path]:
    """Paths from a comma-separated string or a list; ``spc.load`` opens folders (their
    template files; a manifest or README in them is skipped with a note)."""
    items = (
        [s.strip() for s in spec.split(",")]
        if isinstance(spec, str)
        else ([spec] if isinstance(spec, os.PathLike) else list(spec))
    )
    return [Path(item) for item in items if str(item)]
