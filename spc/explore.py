"""Interactive explorer for improvement fellows: one ward, one measure, every setting live.

``explore()`` returns an ipywidgets box with controls for the data file, team, measure, chart
type, rule set, phase starts, baseline length, exclusions, target and improvement direction; the
chart, its plain-English caption and the summary update as the controls change. A what-if panel
answers "would next month's value be a signal?", and export buttons save the chart (PNG/SVG),
the phase starts and change notes as a change log in the ``changes`` template format, and the
team's baseline, excluded points and target as a chart settings file
(:mod:`spc.chart_settings`), which the reports take as ``change_log`` and ``chart_settings``.
So what a fellow decides here is what the collaborative report shows; reopened, the explorer
starts from the choices already saved there.

Everything that is not wiring is a plain function over an :class:`ExploreSettings` and is tested
without widgets: :func:`default_settings`, :func:`chart_note`, :func:`qic_overrides`,
:func:`compute`, :func:`what_if`, :func:`changes_frame`, :func:`write_changes`,
:func:`write_settings`, :func:`draw`. ipywidgets and matplotlib are imported only inside the
functions that need them, so ``import spc`` stays light. ``show_static`` draws the same chart as
a plain image, for headless runs (papermill, HTML export) where widgets would be blank.

>>> box = spc.explore(team="AVN-ELM", measure="falls_per_1000_obd")   # doctest: +SKIP
>>> box.controls["chart"].value = "i"                                  # doctest: +SKIP
>>> box.outcome.result.options["chart"]                                # doctest: +SKIP
'i'
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

from spc._files import write_atomic
from spc.data.chart_settings import ChartSettings, MeasureChoice, as_chart_settings
from spc.data.chart_settings import write_chart_settings as _write_chart_settings
from spc.engine.rules import RULES
from spc.errors import SPCError
from spc.text.labels import chart_name, fmt_num, fmt_x, period_of

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.figure import Figure

    from spc.engine.result import QICResult

__all__ = [
    "CHANGES_COLUMNS",
    "ExploreOutcome",
    "ExploreSettings",
    "StaticView",
    "WhatIf",
    "changes_frame",
    "chart_note",
    "compute",
    "default_settings",
    "draw",
    "explore",
    "funnel_chart",
    "qic_overrides",
    "shift_example",
    "shift_slider",
    "show_static",
    "static_view",
    "what_if",
    "write_changes",
    "write_settings",
]

#: The file name the explorer's export tab writes the chart settings to.
SETTINGS_FILE = "chart_settings.json"

#: Columns of the ``changes`` template (``templates/changes.csv``), in order.
CHANGES_COLUMNS = ("team", "date", "change", "cycle", "measure", "new_phase")

#: Text put in the change log for a phase start the fellow added without a note.
DEFAULT_PHASE_NOTE = "New phase (set in the explorer)"

RATE_CHARTS = {"u", "up"}
PROPORTION_CHARTS = {"p", "pp"}
NEEDS_N = RATE_CHARTS | PROPORTION_CHARTS


# ---------------------------------------------------------------------------- settings
@dataclass
class ExploreSettings:
    """Everything the explorer's controls decide, for one team and one measure.

    ``phase_starts`` and ``exclude`` are x values (period timestamps) of the team's series;
    ``baseline`` is the number of points the centre and limits are frozen on (None: all);
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


def _catalogue_row(measure: str, extra: Any = None) -> pd.Series:
    from spc.data.catalogue import measures

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
    from spc.data.catalogue import measures

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

    ``team`` defaults to the first team, ``measure`` to the team's first measure. Phase starts
    and notes come from the data's change log (``phase_start``, ``annotation`` columns); the
    team's baseline, exclusions and target from ``chart_settings`` (a
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
    starts: list[pd.Timestamp] = []
    if "phase_start" in rows:
        flagged = rows.loc[rows["phase_start"].fillna(False).astype(bool), "period"]
        # the first point already starts phase 1, as in spc.chart_measure
        starts = [pd.Timestamp(p) for p in flagged if p != rows["period"].min()]
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
        phase_starts=starts,
        baseline=chosen.baseline,
        exclude=[x for x in chosen.exclude if x in periods],
        target=target if chosen.target is None else chosen.target,
        improvement=str(m["improvement"] or "neutral"),
        notes=notes,
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
    if chart == default or chart == "run":
        return None
    if events:
        if chart in NEEDS_N or chart == "c":
            return (
                f"A {chart.upper()} chart needs counts and denominators, but {title.lower()} "
                "are days between events with no denominator, so it cannot be drawn. Use the "
                "T chart (or a run chart)."
            )
        if chart in ("i", "ip", "g"):
            return (
                f"The T chart transforms the days so their skew does not distort the limits; "
                f"an {chart.upper()} chart of raw days between events has limits that are "
                "too narrow at the bottom and too wide at the top."
            )
    if chart in PROPORTION_CHARTS and default in RATE_CHARTS:
        return (
            f"A P chart is for proportions (a part of a whole, such as patients assessed "
            f"out of patients admitted), but {title.lower()} is a rate: events per unit of "
            "exposure, not a part of it. Use a U chart, which is built for rates."
        )
    if chart in RATE_CHARTS and default in PROPORTION_CHARTS:
        return (
            f"A U chart is for rates, but {title.lower()} is a proportion (each counted "
            "patient or fall is one of the denominator). Use a P chart: its limits use the "
            "binomial spread, which a U chart overstates."
        )
    if chart == "c" and default in NEEDS_N:
        return (
            "A C chart plots raw counts and assumes the same exposure every month. Bed days "
            "and admissions vary, so the counts are not comparable; the rate chart (U or P) "
            "allows for that."
        )
    if chart in ("t", "g"):
        return (
            f"T and G charts are for time or cases between rare events (one point per "
            f"event); {title.lower()} is a monthly value, so use the {default.upper()} chart."
        )
    if chart in ("xbar", "s"):
        return (
            "X-bar and S charts need several measurements in each subgroup; here each month "
            "has one value, so the S chart is empty and the X-bar limits are not meaningful."
        )
    if chart == "mr":
        return "A moving range chart shows month-to-month change; read it next to the I chart."
    if chart in ("i", "ip") and default in NEEDS_N:
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

    Phases come only from ``settings.phase_starts`` (``phases=False``), so removing a phase here
    removes it from the chart. A C chart of a rate measure charts the monthly counts.

    >>> s = ExploreSettings(team="W1", measure="falls_per_1000_obd", chart="c", baseline=12)
    >>> kw = qic_overrides(s, "falls_per_1000_obd")
    >>> kw["n"], kw["multiply"], kw["freeze"]
    (None, 1, 12)
    """
    m = _catalogue_row(measure) if isinstance(measure, str) else measure
    kwargs: dict[str, Any] = {
        "phases": False,
        "chart": settings.chart,
        "rules": settings.rules,
        "improvement": settings.improvement,
        "target": settings.target,
        "part": sorted(settings.phase_starts) or None,
        "freeze": settings.baseline or None,
        "exclude": sorted(settings.exclude) or None,
    }
    if settings.chart == "c" and str(m.get("source")) != "events" and m.get("denominator"):
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
    from spc.engine.measure_chart import chart_measure
    from spc.text.describe import describe

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


def figure_bytes(fig: Figure, fmt: str = "png", caption: str | None = None) -> bytes:
    """The figure as PNG or SVG bytes (deterministic; caption embedded as the description)."""
    from spc.plotting import save

    buf = io.BytesIO()
    save(fig, buf, format=fmt, description=caption)
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
    from spc.engine.rules import RULE_TEXT

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


# ---------------------------------------------------------------------------- export
def _split_note(text: str) -> tuple[str, str]:
    """``"PDSA 1: Bay tagging"`` -> ``("PDSA 1", "Bay tagging")``; no prefix -> ``("", text)``."""
    head, sep, rest = text.partition(": ")
    if sep and len(head) <= 20:
        return head.strip(), rest.strip()
    return "", text.strip()


def changes_frame(settings: ExploreSettings) -> pd.DataFrame:
    """The phase starts and change notes as rows of the ``changes`` template.

    One row per note (a point's notes joined with ``; `` are split again) and one per phase
    start without a note. ``measure`` is the measure id, so the phases apply to this measure
    only; ``new_phase`` is ``yes`` on the first row at each phase start.

    >>> s = ExploreSettings("W1", "falls_per_1000_obd", "u",
    ...                     phase_starts=[pd.Timestamp("2024-04-01")])
    >>> changes_frame(s)[["date", "change", "new_phase"]].values.tolist()
    [['2024-04-01', 'New phase (set in the explorer)', 'yes']]
    """
    starts = {pd.Timestamp(p) for p in settings.phase_starts}
    rows = []
    for x in sorted(set(settings.notes) | starts):
        texts = [t for t in settings.notes.get(x, "").split("; ") if t.strip()]
        if not texts:
            texts = [DEFAULT_PHASE_NOTE]
        for i, text in enumerate(texts):
            cycle, change = _split_note(text)
            rows.append(
                {
                    "team": settings.team,
                    "date": pd.Timestamp(x).strftime("%Y-%m-%d"),
                    "change": change,
                    "cycle": cycle,
                    "measure": settings.measure,
                    "new_phase": "yes" if x in starts and i == 0 else "no",
                }
            )
    return pd.DataFrame(rows, columns=list(CHANGES_COLUMNS))


def write_changes(settings: ExploreSettings, path: str | os.PathLike[str]) -> Path:
    """Write (or update) a change-log CSV in the ``changes`` template format.

    Rows of other teams or measures already in the file are kept; this team and measure's rows
    are replaced, so one file can collect a fellow's decisions across measures.
    """
    path = Path(path)
    new = changes_frame(settings)
    if path.exists():
        old = pd.read_csv(path, dtype=str, keep_default_na=False)
        keep = ~((old["team"] == settings.team) & (old["measure"] == settings.measure))
        new = pd.concat([old[keep], new], ignore_index=True)
    new = new.sort_values(["team", "date", "measure"], kind="stable")
    return write_atomic(path, new.to_csv(index=False, columns=list(CHANGES_COLUMNS)))


def write_settings(settings: ExploreSettings, path: str | os.PathLike[str]) -> Path:
    """Write (or update) this team and measure's baseline, exclusions and target in a chart
    settings file (:mod:`spc.chart_settings`), atomically.

    Other teams' and measures' entries already in the file are kept. A target equal to the
    catalogue's is not stored, so a later change to the catalogue still applies; settings with
    nothing of their own remove the entry.
    """
    catalogue_target = _catalogue_row(settings.measure)["target"]
    own_target = settings.target
    if (
        own_target is not None
        and not pd.isna(catalogue_target)
        and np.isclose(own_target, float(catalogue_target))
    ):
        own_target = None
    choice = MeasureChoice(
        baseline=settings.baseline or None,
        exclude=tuple(sorted(pd.Timestamp(x) for x in settings.exclude)),
        target=own_target,
    )
    return _write_chart_settings(path, settings.team, settings.measure, choice)


# ---------------------------------------------------------------------------- static view
@dataclass
class StaticView:
    """What the headless notebook shows: the figure, caption, summary and notes."""

    outcome: ExploreOutcome
    figure: Figure | None
    summary: pd.DataFrame | None


SUMMARY_COLUMNS = (
    "part",
    "n",
    "cl",
    "a_lcl",
    "a_ucl",
    "longest_run",
    "longest_run_max",
    "n_crossings",
    "n_crossings_min",
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "variation_type",
    "assurance_type",
)


def summary_table(outcome: ExploreOutcome) -> pd.DataFrame | None:
    """The result's summary with the columns a fellow reads (one row per phase)."""
    if outcome.result is None:
        return None
    s = outcome.result.summary()
    return s[[c for c in SUMMARY_COLUMNS if c in s.columns]]


def static_view(
    data: pd.DataFrame | None = None,
    team: str | None = None,
    measure: str | None = None,
    **settings: Any,
) -> StaticView:
    """Compute and draw the chart the explorer would show, without widgets."""
    data = _load_data(data)
    s = default_settings(data, team, measure, **settings)
    outcome = compute(data, s)
    fig = draw(outcome) if outcome.ok else None
    return StaticView(outcome, fig, summary_table(outcome))


def show_static(
    data: pd.DataFrame | None = None,
    team: str | None = None,
    measure: str | None = None,
    **settings: Any,
) -> StaticView:
    """Display the chart as a plain image with its caption and summary (for papermill/HTML).

    Plain matplotlib image output and Markdown, no widget state, so an exported HTML page has
    real images that work offline.
    """
    import matplotlib.pyplot as plt
    from IPython.display import Markdown, display

    view = static_view(data, team, measure, **settings)
    o = view.outcome
    if view.figure is not None:
        display(view.figure)
        plt.close(view.figure)  # displayed once; stops the inline backend showing it again
    display(Markdown(_notes_markdown(o)))
    if view.summary is not None:
        display(view.summary)
    return view


def _notes_markdown(o: ExploreOutcome) -> str:
    parts = []
    if o.error:
        parts.append(f"**This chart cannot be drawn:** {o.error}")
    if o.caption:
        parts.append(o.caption)
    if o.note:
        parts.append(f"**Note on the chart type:** {o.note}")
    for w in o.warnings:
        parts.append(f"*{w}*")
    return "\n\n".join(parts)


# ---------------------------------------------------------------------------- widgets
def _load_data(data: pd.DataFrame | str | os.PathLike[str] | Sequence[Any] | None) -> pd.DataFrame:
    from spc.data.examples import load_example
    from spc.data.tidy import load

    if data is None:
        return load_example()
    if isinstance(data, pd.DataFrame):
        return data
    return load(_paths(data), warn=False)


def _paths(spec: str | os.PathLike[str] | Sequence[Any]) -> list[Path]:
    """Paths from a comma-separated string, a folder (its CSV/XLSX files) or a list."""
    items = (
        [s.strip() for s in spec.split(",")]
        if isinstance(spec, str)
        else ([spec] if isinstance(spec, os.PathLike) else list(spec))
    )
    out: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            out.extend(sorted(q for q in p.iterdir() if q.suffix.lower() in (".csv", ".xlsx")))
        elif str(item):
            out.append(p)
    return out


def _html_escape(text: str) -> str:
    import html

    return html.escape(text)


def _period_options(periods: Sequence[pd.Timestamp]) -> list[tuple[str, pd.Timestamp]]:
    period = period_of(pd.Series(pd.to_datetime(list(periods)))) if len(periods) else None
    return [(fmt_x(p, period), pd.Timestamp(p)) for p in periods]


def explore(
    data: pd.DataFrame | str | os.PathLike[str] | Sequence[Any] | None = None,
    team: str | None = None,
    measure: str | None = None,
    *,
    export_dir: str | os.PathLike[str] = "explorer-exports",
    chart_settings: ChartSettings | str | os.PathLike[str] | None = None,
    **kwargs: Any,
) -> Any:
    """An interactive explorer (an ipywidgets ``VBox``) for one team and measure at a time.

    ``data`` is a tidy frame from :func:`spc.load`, path(s) to load, or None for the example
    collaborative. ``kwargs`` set initial settings (``chart``, ``rules``, ``baseline``,
    ``target``, ``improvement``, ``phase_starts``, ``exclude``). Exports go to ``export_dir``.
    Each team's saved baseline, exclusions and target are read from ``chart_settings`` (default:
    ``export_dir/chart_settings.json`` if it exists), so the explorer reopens where the fellow
    left off and shows what the reports show.

    The returned box has ``.controls`` (name -> widget), ``.settings``, ``.outcome`` (the current
    :class:`ExploreOutcome`), ``.image`` (PNG bytes shown), ``.data`` and ``.refresh()``.
    """
    export_dir = Path(export_dir)
    if chart_settings is None and (export_dir / SETTINGS_FILE).is_file():
        chart_settings = export_dir / SETTINGS_FILE
    return _Explorer(data, team, measure, export_dir, as_chart_settings(chart_settings), kwargs).box


class _Explorer:
    """Wires widgets to the pure functions above; holds no logic of its own."""

    def __init__(
        self,
        data: Any,
        team: str | None,
        measure: str | None,
        export_dir: Path,
        chart_settings: ChartSettings,
        initial: dict[str, Any],
    ) -> None:
        import ipywidgets as w

        self.w = w
        self.export_dir = export_dir
        self.chart_settings = chart_settings
        self.source_label = (
            "(example collaborative)"
            if data is None
            else ("(data passed in)" if isinstance(data, pd.DataFrame) else str(data))
        )
        self.data = _load_data(data)
        self.settings = default_settings(self.data, team, measure, chart_settings, **initial)
        self._busy = False
        wide = w.Layout(width="320px")
        style = {"description_width": "110px"}
        c: dict[str, Any] = {}
        c["data_path"] = w.Text(
            value=self.source_label,
            description="Data file(s)",
            layout=wide,
            style=style,
            tooltip="Comma-separated CSV/XLSX paths or a folder",
        )
        c["load"] = w.Button(description="Load data", icon="upload")
        c["team"] = w.Dropdown(description="Team / ward", layout=wide, style=style)
        c["measure"] = w.Dropdown(description="Measure", layout=wide, style=style)
        c["chart"] = w.Dropdown(
            description="Chart type",
            layout=wide,
            style=style,
            options=[(f"{k} - {chart_name({'chart': k})}", k) for k in _chart_keys()],
        )
        c["rules"] = w.Dropdown(
            description="Rule set",
            layout=wide,
            style=style,
            options=[(rs.label, name) for name, rs in RULES.items()],
        )
        c["improvement"] = w.Dropdown(
            description="Better is",
            layout=wide,
            style=style,
            options=[
                ("lower (decrease)", "decrease"),
                ("higher (increase)", "increase"),
                ("neither (neutral)", "neutral"),
            ],
        )
        c["target"] = w.Text(
            description="Target", layout=wide, style=style, placeholder="blank for none"
        )
        c["baseline"] = w.BoundedIntText(
            description="Baseline points",
            min=0,
            max=1000,
            layout=wide,
            style=style,
            tooltip="0 = use every point for centre and limits",
        )
        c["phase_pick"] = w.Dropdown(description="Phase from", layout=wide, style=style)
        c["phase_note"] = w.Text(
            description="What changed",
            layout=wide,
            style=style,
            placeholder="e.g. PDSA 2: bay tagging",
        )
        c["phase_add"] = w.Button(description="Add phase start", icon="plus")
        c["phases"] = w.SelectMultiple(description="Phase starts", layout=wide, style=style, rows=4)
        c["phase_remove"] = w.Button(description="Remove selected", icon="minus")
        c["exclude"] = w.SelectMultiple(
            description="Exclude points", layout=wide, style=style, rows=5
        )
        c["whatif_value"] = w.FloatText(description="Next value", layout=wide, style=style)
        c["whatif_go"] = w.Button(description="Would it signal?", icon="question")
        c["export_name"] = w.Text(description="File name", layout=wide, style=style)
        c["export_png"] = w.Button(description="Chart PNG", icon="download")
        c["export_svg"] = w.Button(description="Chart SVG", icon="download")
        c["export_changes"] = w.Button(description="Change log CSV", icon="download")
        c["export_settings"] = w.Button(
            description="Chart settings JSON",
            icon="download",
            tooltip="baseline, excluded points and target, for the reports (--chart-settings)",
        )
        self.controls = c
        self.note = w.HTML()
        self.chart = w.Image(format="png", layout=w.Layout(max_width="820px"))
        self.caption = w.HTML()
        self.summary = w.HTML()
        self.whatif_out = w.HTML()
        self.export_out = w.HTML()
        self.outcome: ExploreOutcome | None = None
        self.image = b""

        left = w.VBox(
            [
                w.HTML("<b>Data</b>"),
                c["data_path"],
                c["load"],
                c["team"],
                c["measure"],
                w.HTML("<b>Chart</b>"),
                c["chart"],
                c["rules"],
                c["improvement"],
                c["target"],
                c["baseline"],
                w.HTML("<b>Phases (PDSA changes)</b>"),
                c["phase_pick"],
                c["phase_note"],
                c["phase_add"],
                c["phases"],
                c["phase_remove"],
                w.HTML("<b>Points left out of the calculations</b>"),
                c["exclude"],
            ],
            layout=w.Layout(width="340px"),
        )
        right = w.VBox([self.note, self.chart, self.caption, self.summary])
        whatif = w.VBox(
            [
                w.HTML(
                    "Add a hypothetical next value (in the chart's unit) and see "
                    "whether it would signal."
                ),
                w.HBox([c["whatif_value"], c["whatif_go"]]),
                self.whatif_out,
            ]
        )
        export = w.VBox(
            [
                w.HTML(
                    f"Files are written to <code>{_html_escape(str(export_dir))}"
                    "</code>. The change log and targets files are what the team "
                    "report reads as <code>change_log</code> and "
                    "<code>targets</code>."
                ),
                c["export_name"],
                w.HBox(
                    [c["export_png"], c["export_svg"], c["export_changes"], c["export_settings"]]
                ),
                self.export_out,
            ]
        )
        tabs = w.Tab(children=[whatif, export])
        tabs.set_title(0, "What if?")
        tabs.set_title(1, "Export")
        self.box = w.VBox([w.HBox([left, right]), tabs])
        # the handles tests and notebooks use
        self.box.controls = c
        self.box.refresh = self.refresh
        self.box.explorer = self

        self._sync_controls()
        for name in ("chart", "rules", "improvement", "target", "baseline", "exclude"):
            c[name].observe(self._on_setting, names="value")
        c["team"].observe(self._on_team, names="value")
        c["measure"].observe(self._on_measure, names="value")
        c["load"].on_click(self._on_load)
        c["phase_add"].on_click(self._on_phase_add)
        c["phase_remove"].on_click(self._on_phase_remove)
        c["whatif_go"].on_click(self._on_whatif)
        c["export_png"].on_click(lambda _b: self._export("png"))
        c["export_svg"].on_click(lambda _b: self._export("svg"))
        c["export_changes"].on_click(lambda _b: self._export("changes"))
        c["export_settings"].on_click(lambda _b: self._export("settings"))
        self.refresh()

    # --- state <-> widgets
    def _sync_controls(self) -> None:
        """Put the settings into the widgets without triggering recomputation."""
        s, c = self.settings, self.controls
        self._busy = True
        try:
            c["team"].options = teams_of(self.data)
            c["team"].value = s.team
            from spc.data.catalogue import measures

            cat = measures()
            c["measure"].options = [
                (f"{cat.loc[m, 'title']}" if m in cat.index else m, m)
                for m in measures_of(self.data, s.team)
            ]
            c["measure"].value = s.measure
            c["chart"].value = s.chart
            c["rules"].value = s.rules
            c["improvement"].value = s.improvement
            c["target"].value = "" if s.target is None else fmt_num(s.target).replace(",", "")
            periods = periods_of(self.data, s.team, s.measure)
            opts = _period_options(periods)
            c["baseline"].max = len(periods)
            c["baseline"].value = s.baseline or 0
            c["phase_pick"].options = opts[1:]  # the first point already starts phase 1
            c["exclude"].options = opts
            c["exclude"].value = tuple(p for p in s.exclude if p in set(periods))
            self._sync_phases()
            c["export_name"].value = f"{s.team}_{s.measure}"
        finally:
            self._busy = False

    def _sync_phases(self) -> None:
        periods = periods_of(self.data, self.settings.team, self.settings.measure)
        label = dict((v, k) for k, v in _period_options(periods))
        self.controls["phases"].options = [
            (label.get(p, str(p)), p) for p in sorted(self.settings.phase_starts)
        ]

    def _read_controls(self) -> None:
        c = self.controls
        target_text = c["target"].value.strip().replace(",", "")
        try:
            target = float(target_text) if target_text else None
        except ValueError:
            target = self.settings.target
            self.note.value = (
                f"<p style='color:#8a1538'>'{_html_escape(target_text)}' is not a "
                "number; the target is unchanged.</p>"
            )
        self.settings = replace(
            self.settings,
            chart=c["chart"].value,
            rules=c["rules"].value,
            improvement=c["improvement"].value,
            target=target,
            baseline=c["baseline"].value or None,
            exclude=list(c["exclude"].value),
        )

    # --- events
    def _on_setting(self, _change: Any) -> None:
        if self._busy:
            return
        self._read_controls()
        self.refresh()

    def _on_team(self, change: Any) -> None:
        if self._busy:
            return
        team = change["new"]
        keep = (
            self.settings.measure if self.settings.measure in measures_of(self.data, team) else None
        )
        self.settings = default_settings(self.data, team, keep, self.chart_settings)
        self._sync_controls()
        self.refresh()

    def _on_measure(self, change: Any) -> None:
        if self._busy:
            return
        self.settings = default_settings(
            self.data, self.settings.team, change["new"], self.chart_settings
        )
        self._sync_controls()
        self.refresh()

    def _on_load(self, _b: Any) -> None:
        from spc.data.problems import DataValidationError

        spec = self.controls["data_path"].value.strip()
        try:
            data = _load_data(None if spec in ("", "(example collaborative)") else spec)
            settings = default_settings(data, chart_settings=self.chart_settings)
        except (DataValidationError, SPCError, OSError) as exc:
            self.note.value = (
                "<p style='color:#8a1538'><b>The data could not be loaded.</b> "
                f"{_html_escape(str(exc))}</p>"
            )
            return
        self.data, self.settings = data, settings
        self._sync_controls()
        self.refresh()

    def _on_phase_add(self, _b: Any) -> None:
        x = self.controls["phase_pick"].value
        if x is None:
            return
        starts = sorted(set(self.settings.phase_starts) | {x})
        notes = dict(self.settings.notes)
        text = self.controls["phase_note"].value.strip()
        if text:
            notes[x] = "; ".join(t for t in (notes.get(x, ""), text) if t)
        self.settings = replace(self.settings, phase_starts=starts, notes=notes)
        self.controls["phase_note"].value = ""
        self._sync_phases()
        self.refresh()

    def _on_phase_remove(self, _b: Any) -> None:
        gone = set(self.controls["phases"].value)
        self.settings = replace(
            self.settings, phase_starts=[p for p in self.settings.phase_starts if p not in gone]
        )
        self._sync_phases()
        self.refresh()

    def _on_whatif(self, _b: Any) -> None:
        try:
            ans = what_if(self.data, self.settings, self.controls["whatif_value"].value)
        except SPCError as exc:
            self.whatif_out.value = f"<p>{_html_escape(str(exc))}</p>"
            return
        colour = "#8a1538" if ans.signal else "#231f20"
        self.whatif_out.value = f"<p style='color:{colour}'>{_html_escape(ans.message)}</p>"
        self.last_whatif = ans

    def _export(self, kind: str) -> Path | None:
        name = self.controls["export_name"].value.strip() or "chart"
        name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
        self.export_dir.mkdir(parents=True, exist_ok=True)
        try:
            if kind in ("png", "svg"):
                if self.outcome is None or not self.outcome.ok:
                    raise SPCError("there is no chart to save")
                import matplotlib.pyplot as plt

                fig = draw(self.outcome)
                path = self.export_dir / f"{name}.{kind}"
                path.write_bytes(figure_bytes(fig, kind, self.outcome.caption))
                plt.close(fig)
            elif kind == "changes":
                path = write_changes(self.settings, self.export_dir / "change_log.csv")
            else:
                path = write_settings(self.settings, self.export_dir / SETTINGS_FILE)
                self.chart_settings = as_chart_settings(path)
        except (SPCError, OSError) as exc:
            self.export_out.value = f"<p>Not saved: {_html_escape(str(exc))}</p>"
            return None
        self.export_out.value = f"<p>Saved <code>{_html_escape(str(path))}</code></p>"
        self.last_export = path
        return path

    # --- output
    def refresh(self) -> ExploreOutcome:
        """Recompute the chart, caption and summary from the current settings."""
        import matplotlib.pyplot as plt

        o = compute(self.data, self.settings)
        self.outcome = o
        self.box.outcome = o
        self.box.settings = self.settings
        self.box.data = self.data
        notes = []
        if o.error:
            notes.append(f"<b>This chart cannot be drawn:</b> {_html_escape(o.error)}")
        if o.note:
            notes.append(f"<b>Note on the chart type:</b> {_html_escape(o.note)}")
        notes.extend(f"<i>{_html_escape(m)}</i>" for m in o.warnings)
        self.note.value = "".join(f"<p>{n}</p>" for n in notes)
        if o.ok:
            fig = draw(o)
            self.image = figure_bytes(fig, "png")
            plt.close(fig)
            self.chart.value = self.image
            self.caption.value = f"<p style='max-width:800px'>{_html_escape(o.caption)}</p>"
            table = summary_table(o)
            self.summary.value = (
                ""
                if table is None
                else table.to_html(index=False, na_rep="", float_format="{:.3g}".format)
            )
        else:
            self.image = b""
            self.chart.value = b""
            self.caption.value = ""
            self.summary.value = ""
        self.box.image = self.image
        return o


def _chart_keys() -> list[str]:
    from spc.engine.limits import CHARTS

    return list(CHARTS)


# ---------------------------------------------------------------------------- teaching helpers
def shift_example(shift: float, seed: int = 7, baseline: int = 12, after: int = 12) -> Figure:
    """Two run charts of one simulated series with a sustained shift, Anhøj vs IHI rules.

    The series has ``baseline`` stable points (mean 10, SD 1), then ``after`` points shifted
    by ``shift`` SDs; the median is frozen on the baseline. Returns the Figure.
    """
    import matplotlib.pyplot as plt

    from spc.engine.pipeline import qic
    from spc.engine.simulate import simulate_process
    from spc.plotting import plot

    df = simulate_process(
        n_points=baseline + after, mean=10, sd=1, shift=shift, shift_at=baseline, seed=seed
    )
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True, layout="constrained")
    for ax, rules in zip(axes, ("anhoej", "ihi"), strict=True):
        res = qic(df, x="month", y="value", chart="run", freeze=baseline, rules=rules)
        res.options.update(y="simulated measure", units="units")
        plot(
            res,
            ax=ax,
            title=f"{RULES[rules].label}: shift of {shift:g} SD",
            icons=False,
            legend=False,
        )
        ax.axvline(df["month"].iloc[baseline], color="#005EB8", linestyle="--", linewidth=1)
    return fig


def shift_slider(table: pd.DataFrame, seed: int = 7) -> Any:
    """A slider for shift size showing an example series and how often each rule set detects it.

    ``table`` is :func:`spc.engine.simulate.detection_table`'s output; the slider steps through its
    shifts. Returns an ipywidgets box (``.controls["shift"]`` is the slider).
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt

    shifts = sorted(table["shift"].unique())
    slider = w.SelectionSlider(
        options=[(f"{s:g} SD", s) for s in shifts],
        value=shifts[0],
        description="Shift size",
        continuous_update=False,
    )
    image = w.Image(format="png")
    text = w.HTML()

    def update(_change: Any = None) -> None:
        s = slider.value
        fig = shift_example(s, seed=seed)
        image.value = figure_bytes(fig, "png")
        plt.close(fig)
        rows = table[table["shift"] == s]
        label = {name: rs.label for name, rs in RULES.items()}
        items = "".join(
            f"<li>{_html_escape(label.get(r.rules, r.rules))}: signalled in "
            f"{r.detected:.0%} of simulations"
            + ("" if pd.isna(r.median_months) else f", typically after {r.median_months:g} months")
            + "</li>"
            for r in rows.itertuples()
        )
        what = "false alarms (there is no real change)" if s == 0 else "detection"
        text.value = f"<p>{what.capitalize()}:</p><ul>{items}</ul>"

    slider.observe(update, names="value")
    update()
    box = w.VBox([slider, image, text])
    box.controls = {"shift": slider}
    box.text = text
    return box


def funnel_chart(
    df: pd.DataFrame,
    y: str,
    n: str,
    label: str,
    chart: str = "u",
    multiply: float = 1,
    title: str = "Funnel plot",
    ylab: str = "Rate",
    xlab: str = "Denominator",
) -> Figure:
    """A funnel plot of teams (``spc.plotting.funnel``), titled and labelled."""
    import matplotlib.pyplot as plt

    from spc.plotting import funnel

    fig, ax = plt.subplots(figsize=(8, 4.8))
    fig.subplots_adjust(left=0.1, right=0.97, top=0.9, bottom=0.22)
    funnel(df, y, n, label, ax=ax, chart=chart, multiply=multiply)
    ax.set_title(title)
    ax.set_ylabel(ylab)
    ax.set_xlabel(xlab)
    return fig
