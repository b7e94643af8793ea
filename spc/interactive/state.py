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

from spc.chart_types import CHART_TYPES
from spc.data.catalogue import measures
from spc.data.chart_settings import ChartSettings, MeasureChoice, as_chart_settings
from spc.data.examples import example_files, load_example
from spc.data.tidy import load
from spc.engine.mdc import latest_assurance, variation_icon
from spc.engine.measure_chart import chart_measure
from spc.engine.rules import RULE_TEXT
from spc.errors import SPCError
from spc.interactive.words import catalogue_row, chart_note, plain_warnings
from spc.text.describe import describe
from spc.text.labels import chart_name, fmt_num, fmt_x, period_of
from spc.text.verdicts import verdict_sentence

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
    "plot_options",
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
    #: False: the change log's changes are not judged (one set of limits over every point,
    #: unless a baseline or phases are set), as charts were drawn before a change was made
    judge_changes: bool = True

    def choice(self) -> MeasureChoice:
        """The baseline, phases, exclusions and target as a chart settings entry (what the
        reports apply for this team and measure)."""
        return MeasureChoice(
            baseline=self.baseline or None,
            exclude=tuple(sorted(pd.Timestamp(x) for x in self.exclude)),
            target=self.target,
            phases=tuple(sorted(pd.Timestamp(x) for x in self.phase_starts)),
        )


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
    m = catalogue_row(measure)
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
    m = catalogue_row(measure) if isinstance(measure, str) else measure
    kwargs: dict[str, Any] = {
        "chart": settings.chart,
        "rules": settings.rules,
        "improvement": settings.improvement,
        "target": settings.target,
        "settings": ChartSettings({settings.team: {settings.measure: settings.choice()}}),
        "phases": settings.judge_changes,
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
    """The chart for the current settings: result, texts, and anything to tell the user.

    ``verdict`` is the verdict sentence the reports lead with (``spc.text.verdicts``), the first
    sentence of ``caption``; ``details`` the rest of the caption; ``icons`` the Making Data
    Count icon keys (variation, then assurance) of the verdict; ``warnings`` are in plain words.
    """

    settings: ExploreSettings
    result: QICResult | None
    title: str = ""
    caption: str = ""
    note: str | None = None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    verdict: str = ""
    details: str = ""
    icons: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when a chart could be computed."""
        return self.result is not None


def _verdict_of(res: QICResult) -> tuple[str, list[str]]:
    """The verdict sentence and the icon keys of a one-team result."""
    improvement = res.options.get("improvement")
    if res.verdicts is not None and len(res.verdicts):
        v = res.verdicts.iloc[0]
        sentence = verdict_sentence(v, res.options, period_of(res.data["x"]))
        variation = str(v["variation_type"])
    else:
        sentence, variation = "", str(res.summary()["variation_type"].iloc[-1])
    keys = [variation_icon(variation, improvement) if improvement != "neutral" else None]
    if improvement in ("increase", "decrease"):
        keys.append(latest_assurance(res.data, improvement))
    return sentence, [k for k in keys if k]


def compute(data: pd.DataFrame, settings: ExploreSettings) -> ExploreOutcome:
    """Compute the chart for ``settings``; never raises for bad choices, it explains them.

    Warnings from the engine (trial limits, a phase start not used) are collected in plain
    words; an impossible combination gives ``error`` and ``result=None``.
    """

    m = catalogue_row(settings.measure)
    note = chart_note(m, settings.chart)
    kwargs = qic_overrides(settings, m)
    try:
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            res = chart_measure(data, settings.measure, team=settings.team, **kwargs)
    except SPCError as exc:
        return ExploreOutcome(settings, None, note=note, error=str(exc))
    caught = plain_warnings(w.message for w in got if isinstance(w.message, Warning))
    if kwargs.get("n", "x") is None:  # a count chart of a rate measure shows counts
        res.options.update(label=str(m["title"]).split(" per ")[0], units="count per month")
    title = f"{res.options['label']}: {chart_name(res.options)} - {settings.team}"
    caption = describe(res)
    caption = caption if isinstance(caption, str) else " ".join(caption.values())
    verdict, icons = _verdict_of(res)
    details = (
        caption[len(verdict) :].strip() if verdict and caption.startswith(verdict) else caption
    )
    return ExploreOutcome(
        settings,
        res,
        title=title,
        caption=caption,
        note=note,
        warnings=caught,
        verdict=verdict,
        details=details,
        icons=icons,
    )


def annotations_of(settings: ExploreSettings) -> list[tuple[pd.Timestamp, str]]:
    """Change-log notes to draw on the chart, in date order."""
    return sorted(settings.notes.items(), key=lambda kv: kv[0])


#: Size of the explorer's live chart, inches at 100 dpi: drawn at about the width it is shown
#: at on a laptop with JupyterLab's file browser open, so its text is not scaled down.
LIVE_FIGSIZE = (7.2, 4.0)


def plot_options(outcome: ExploreOutcome) -> dict[str, Any]:
    """Keyword arguments for :func:`spc.plotting.plot` that draw the outcome's chart: its title
    and the change-log notes on the chart's dates."""
    if outcome.result is None:
        raise SPCError(outcome.error or "no chart to draw")
    xs = set(outcome.result.data["x"])
    ann = [(x, t) for x, t in annotations_of(outcome.settings) if x in xs]
    return {"title": outcome.title, "annotations": ann or None}


def draw(
    outcome: ExploreOutcome,
    ax: Any = None,
    *,
    legend: bool = True,
    icons: bool = True,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Draw the outcome's chart (title, axis labels with units, change-log markers); with
    ``legend=False`` and ``icons=False`` the legend and the Making Data Count icons are left for
    the page to show (``spc.plotting.legend_html``, the verdict's icons), as the explorer does.

    Returns the matplotlib Figure (a pyplot figure, so close it when done).
    """
    from spc.plotting import plot

    extra = {"figsize": figsize} if figsize else {}
    options = plot_options(outcome)
    ax = plot(outcome.result, ax=ax, legend=legend, icons=icons, **options, **extra)
    return ax.figure


def figure_bytes(
    fig: Figure,
    fmt: str = "png",
    caption: str | None = None,
    close: bool = False,
    fast: bool = False,
) -> bytes:
    """The figure as PNG or SVG bytes (deterministic; caption embedded as the description);
    ``close=True`` closes the figure afterwards; ``fast=True`` compresses a PNG less (a few
    more kilobytes, a fifth of the time: for the explorer's live chart)."""
    from spc.plotting import save

    buf = io.BytesIO()
    save(fig, buf, format=fmt, description=caption, close=close, fast=fast)
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


def _limits_words(row: pd.Series) -> str:
    """'0 to 11.2' from a result row's limits ('' without limits)."""
    lo, hi = row.get("lcl"), row.get("ucl")
    if pd.isna(lo) and pd.isna(hi):
        return ""
    return f"{fmt_num(lo) if pd.notna(lo) else 'none'} to {fmt_num(hi) if pd.notna(hi) else 'none'}"


def _why_limits_differ(
    before: QICResult,
    new_row: pd.Series,
    m: Mapping[str, Any],
    new: Mapping[str, Any],
    period: str | None,
) -> str:
    """A sentence on why the hypothetical point's limits are not the latest point's (those in
    the caption), or '' when they are the same."""
    latest = before.data.iloc[-1]
    if _limits_words(latest) == _limits_words(new_row):
        return ""
    reasons = []
    denominator = m.get("denominator")
    needs_n = CHART_TYPES.get(str(before.options.get("chart")))
    latest_n = float(latest.get("n", np.nan))
    den = float(new["denominator"])
    if (
        denominator
        and needs_n is not None
        and needs_n.needs_n
        and np.isfinite(den)
        and not abs(den - latest_n) <= 0.02 * abs(latest_n)  # NaN: say it
    ):
        words = str(denominator).replace("_", " ")
        reasons.append(
            f"the limits of a {needs_n.title} depend on each month's {words}: the next month is "
            f"given {fmt_num(den)} (the median of the last 12 months), the latest had "
            f"{fmt_num(latest_n)}"
        )
    if fmt_num(latest.get("cl")) != fmt_num(new_row.get("cl")):
        reasons.append(
            "the new value joins the points the centre line and limits are worked out from "
            f"(centre {fmt_num(latest.get('cl'))} becomes {fmt_num(new_row.get('cl'))})"
        )
    if not reasons:
        reasons.append("each point has limits of its own")
    return (
        f" The caption's limits ({_limits_words(latest)}) are those of the latest point, "
        f"{fmt_x(latest['x'], period)}; they differ because " + "; and ".join(reasons) + "."
    )


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
    m = catalogue_row(settings.measure)
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
    limits = _limits_words(last)
    if signal:
        side = {"special_cause_improvement": "improvement", "special_cause_concern": "concern"}
        label = side.get(kind, "special cause")
        reasons = "; ".join(dict.fromkeys(RULE_TEXT.get(r, r) for r in fired))
        msg = f"Yes: {shown} in {when} would be a signal ({label}): {reasons}."
        if limits:
            msg += f" Its limits would be {limits}."
    else:
        inside = f", inside its limits {limits}" if limits else ""
        msg = f"No: {shown} in {when} would be common cause variation{inside}."
    if before.result is not None and limits:
        msg += _why_limits_differ(before.result, last, m, new, period)
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
def load_data(
    data: pd.DataFrame | str | os.PathLike[str] | Sequence[Any] | None,
    change_log: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """The tidy frame to explore: ``data`` itself, loaded from path(s) (a comma-separated
    string, a folder or a list), or the example collaborative for None; ``change_log`` (a
    change log CSV, such as the explorer's own export) is loaded with the files, as the reports
    load ``--change-log`` (not applied to a frame passed in)."""
    if isinstance(data, pd.DataFrame):
        return data
    paths = example_files() if data is None else _paths(data)
    if change_log is None:
        return load_example() if data is None else load(paths, warn=False)
    log = Path(change_log)
    return load([*paths, *([] if log in paths else [log])], warn=False)


def _paths(spec: str | os.PathLike[str] | Sequence[Any]) -> list[Path]:
    """Paths from a comma-separated string or a list; ``spc.load`` opens folders (their
    template files; a manifest or README in them is skipped with a note)."""
    items = (
        [s.strip() for s in spec.split(",")]
        if isinstance(spec, str)
        else ([spec] if isinstance(spec, os.PathLike) else list(spec))
    )
    return [Path(item) for item in items if str(item)]
