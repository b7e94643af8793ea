"""What a team report and the collaborative overview say, as data (no drawing here).

The notebooks in ``notebooks/`` call these functions and ``spc.report.display`` to show the
result, so the notebooks stay thin and everything here is tested. The batch renderer
(``safety-spc render``) uses the same functions for ``summary.csv`` and the index page, so the
numbers in every output agree.

>>> data = load_team(example_files(), "AVN-ELM")                      # doctest: +SKIP
>>> report = build_team_report(data, "AVN-ELM", measures=["falls_per_1000_obd"])  # doctest: +SKIP
>>> report.sections[0].headline                                       # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spc.chart_types import chart_type
from spc.data.catalogue import get_measure, load_catalogue
from spc.data.chart_settings import ChartSettings, MeasureChoice, as_chart_settings
from spc.data.examples import example_files
from spc.data.tidy import load
from spc.engine.mdc import variation_icon
from spc.engine.measure_chart import chart_measure
from spc.engine.result import QICResult
from spc.engine.rules import RULES
from spc.errors import IgnoredSettingWarning, SPCError, SPCWarning
from spc.text.icons import ASSURANCE_TYPE_TEXT, POINT_TYPE_TEXT
from spc.text.labels import fmt_num, period_of
from spc.text.verdicts import verdict_sentence

DEFAULT_RULES = "anhoej"
#: A measure needs at least this many points in a team's series to be charted.
MIN_POINTS = 2


def data_files(
    data_paths: Sequence[str | Path] | None, change_log: str | Path | None
) -> list[Path]:
    """The files to load: ``data_paths`` (empty = the example collaborative) plus the log."""
    paths = [Path(p) for p in data_paths] if data_paths else example_files()
    if change_log:
        log = Path(change_log)
        if log not in paths:
            paths.append(log)
    return paths


def load_team(
    data_paths: Sequence[str | Path] | None, team: str, change_log: str | Path | None = None
) -> pd.DataFrame:
    """Load and validate only ``team``'s rows, so other teams' data errors never stop it.

    Raises :class:`spc.DataValidationError` naming file, row and column for this team's errors.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SPCWarning)
        frame = load(data_files(data_paths, change_log), teams=[str(team)], warn=False)
    if frame.empty or str(team) not in set(frame["team"]):
        raise SPCError(
            f"team {team!r} has no rows in the data files; check the team code as written in "
            "the 'ward' (or 'team') column"
        )
    return frame


def load_collaborative(
    data_paths: Sequence[str | Path] | None,
    change_log: str | Path | None = None,
    teams: Sequence[str] | None = None,
    as_of: str | None = None,
) -> pd.DataFrame:
    """Load and validate every team's data, or only ``teams``' (raises naming file, row and
    column on errors); with ``as_of`` (``"2024-03"``) as the data stood at that month's end."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SPCWarning)
        data = load(data_files(data_paths, change_log), warn=False, teams=teams or None)
    if as_of:
        from spc.report.digest import as_of as snapshot

        data = snapshot(data, as_of)
    return data


def check_rules(rules: str) -> None:
    """Raise :class:`SPCError` unless ``rules`` names a rule set (``spc.RULES``)."""
    if rules not in RULES:
        raise SPCError(f"rules must be one of {', '.join(RULES)} (got {rules!r})")


def _month(value: str | None) -> pd.Timestamp | None:
    if value in (None, ""):
        return None
    try:
        return pd.Timestamp(str(value))
    except ValueError:
        raise SPCError(f"period must be a month like 2024-03 (got {value!r})") from None


def filter_period(data: pd.DataFrame, start: str | None, end: str | None) -> pd.DataFrame:
    """Rows with ``start <= period`` and ``period`` before the end of month ``end``."""
    first, last = _month(start), _month(end)
    keep = pd.Series(True, index=data.index)
    if first is not None:
        keep &= data["period"] >= first
    if last is not None:
        keep &= data["period"] < last + pd.offsets.MonthBegin(1)
    return data[keep]


def available_measures(data: pd.DataFrame, measures: Sequence[str] | None = None) -> list[str]:
    """Measure ids to chart, in catalogue order: ``measures`` if given (each must exist in the
    catalogue), otherwise every catalogue measure with at least two values in ``data``."""
    catalogue = load_catalogue()
    counts = data[data["value"].notna()].groupby("measure").size()
    if measures:
        for m in measures:
            get_measure(m)  # raises with the nearest id for a typo
        wanted = list(measures)
    else:
        wanted = list(catalogue)
    return [m for m in wanted if counts.get(m, 0) >= MIN_POINTS]


@dataclass
class MeasureSection:
    """One measure of a team report: the chart result and what to say about it."""

    measure: str
    title: str
    unit: str
    definition: str
    result: QICResult
    caption: str
    headline: str
    latest: dict[str, Any]
    annotations: pd.DataFrame | None = None


@dataclass
class TeamReport:
    """Everything a team report shows, in order."""

    team: str
    trust: str
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    rules: str
    sections: list[MeasureSection]
    data_warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    #: the team's rows the charts were computed from and the chart settings applied (the
    #: explorer under each chart of an interactive report opens on them)
    data: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    settings: ChartSettings | None = field(default=None, repr=False, compare=False)

    @property
    def methods(self) -> str:
        return methods_note(self.rules)


def latest_reading(res: QICResult) -> dict[str, Any]:
    """The latest point of a single-series result and its verdicts: ``point_type`` is the
    latest point's own, ``variation_type`` the chart's verdict (``res.verdicts``, else the
    summary's) and ``verdict`` its sentence."""
    d = res.data
    # single values by column, not a row of the frame (a Series of mixed types per call)
    last = {c: d[c].iat[-1] for c in ("x", "y", "cl", "lcl", "ucl", "part", "point_type")}
    last["target"] = d["target"].iat[-1]
    summary = res.summary()
    assurance = summary["assurance_type"].iat[-1]
    variation_type = str(summary["variation_type"].iat[-1])
    current = d["signal"][(d["part"] == last["part"]).to_numpy()]
    verdict = res.verdicts.iloc[-1] if res.verdicts is not None and len(res.verdicts) else None
    return {
        "period": last["x"],
        "value": float(last["y"]),
        "centre": float(last["cl"]),
        "lcl": float(last["lcl"]),
        "ucl": float(last["ucl"]),
        "signals": int(current.sum()),
        "point_type": str(last["point_type"]),
        "variation_type": variation_type,
        "variation": variation_icon(variation_type, res.options.get("improvement")),
        "verdict": (
            verdict_sentence(verdict, res.options, period_of(d["x"])) if verdict is not None else ""
        ),
        "assurance": None if pd.isna(assurance) else str(assurance),
        "target": None if pd.isna(last["target"]) else float(last["target"]),
    }


def headline(title: str, unit: str, latest: Mapping[str, Any]) -> str:
    """The verdict first, then the latest value and centre and (with a target) assurance."""
    when = pd.Timestamp(latest["period"]).strftime("%b %Y")
    verdict = latest.get("verdict") or (
        f"{title}: {POINT_TYPE_TEXT.get(latest.get('variation_type', ''), '')}."
    )
    text = (
        f"{verdict} Latest: {fmt_num(latest['value'])} {unit} in {when}; centre line "
        f"{fmt_num(latest['centre'])}"
    )
    if latest.get("assurance"):
        text += f"; against the target of {fmt_num(latest['target'])}, "
        text += ASSURANCE_TYPE_TEXT[latest["assurance"]]
    return text + "."


def _one_caption(res: QICResult) -> str:
    from spc.text.describe import describe

    caption = describe(res)
    if isinstance(caption, Mapping):
        caption = " ".join(caption.values())
    return str(caption)


def _annotations(rows: pd.DataFrame, measure_id: str) -> pd.DataFrame | None:
    """Change-log entries (date, text) attached to this measure's rows, for the chart."""
    if "annotation" not in rows:
        return None
    notes = rows[(rows["measure"] == measure_id) & rows["annotation"].notna()]
    if notes.empty:
        return None
    return notes[["period", "annotation"]].rename(columns={"period": "date", "annotation": "text"})


def _plain_note(
    warning: IgnoredSettingWarning, title: str, measure_id: str, choice: MeasureChoice | None
) -> str:
    """A setting the engine did not apply, as a sentence for the report's readers, naming the
    measure."""
    message = str(warning)
    return message if measure_id in message else f"{title}: {message}"


def build_team_report(
    data: pd.DataFrame,
    team: str,
    measures: Sequence[str] | None = None,
    start: str | None = None,
    end: str | None = None,
    rules: str = DEFAULT_RULES,
    targets: Mapping[str, float] | None = None,
    settings: ChartSettings | str | Path | None = None,
) -> TeamReport:
    """Compute every chart of ``team``'s report (catalogue chart per measure, change-log
    phases) and the words that go with them.

    ``targets`` override the catalogue's targets by measure id for every team; ``settings``
    (a :class:`~spc.data.chart_settings.ChartSettings` or the path of a chart settings file saved
    from the explorer) applies the team's own baseline, exclusions and targets.
    """
    check_rules(rules)
    targets = dict(targets or {})
    for m in targets:
        get_measure(m)
    settings = as_chart_settings(settings)
    rows = filter_period(data[data["team"] == team], start, end)
    wanted = available_measures(rows, measures)
    # each measure's rows once (its chart and its change-log notes read only them)
    by_measure = dict(tuple(rows[rows["measure"].isin(wanted)].groupby("measure", sort=False)))
    skipped = [m for m in (measures or []) if m not in wanted]
    sections = []
    notes: list[str] = []
    for m_id in wanted:
        m = get_measure(m_id)
        overrides: dict[str, Any] = {"rules": rules}
        if m_id in targets:
            overrides["target"] = targets[m_id]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SPCWarning)
            res = chart_measure(by_measure[m_id], m_id, team=team, settings=settings, **overrides)
        # Trial limits are stated in the caption; what was not applied belongs in the report.
        notes += [
            _plain_note(w.message, m.title, m_id, settings.choice(team, m_id))
            for w in caught
            if isinstance(w.message, IgnoredSettingWarning)
        ]
        latest = latest_reading(res)
        sections.append(
            MeasureSection(
                measure=m_id,
                title=m.title,
                unit=m.unit,
                definition=m.definition,
                result=res,
                caption=_one_caption(res),
                headline=headline(m.title, m.unit, latest),
                latest=latest,
                annotations=_annotations(by_measure[m_id], m_id),
            )
        )
    report = data.attrs.get("report")
    notes = ([str(p) for p in report.warnings] if report is not None else []) + notes
    trust = str(rows["trust"].iloc[0]) if "trust" in rows and len(rows) else ""
    return TeamReport(
        team,
        trust,
        _month(start),
        _month(end),
        rules,
        sections,
        notes,
        skipped,
        data=rows,
        settings=settings,
    )


def methods_note(rules: str) -> str:
    """Plain-English methods note: which rules, what a signal means and does not mean."""
    return (
        f"Signals were judged with {RULES[rules].methods} "
        "A signal (special cause variation) means something has changed the process and is worth "
        "understanding: it may be the change the team made, or something else. It does not by "
        "itself mean the team did well or badly, and one unusual month is not a trend. Without "
        "signals, the ups and downs are common cause variation: noise in a stable process, which "
        "only a redesign of the process will change. Limits describe what the process does, not "
        "what it should do; targets are shown separately. Rates use the catalogue's denominators "
        "(occupied bed days, admissions, patients surveyed). Each change in a team's change log "
        "is judged against the team's baseline, the months before its first change: the "
        "baseline's centre and limits are extended over the later months, and a change is "
        "confirmed when the level since differs from the baseline by more than chance allows "
        "(new limits then start at the change). Charts of events too rare for run rules (under "
        "one a month) are read only for months beyond the limits; see docs/verdicts.md."
    )


def team_charts(
    data: pd.DataFrame,
    measures: Sequence[str] | None = None,
    rules: str = DEFAULT_RULES,
    targets: Mapping[str, float] | None = None,
    settings: ChartSettings | str | Path | None = None,
) -> dict[str, QICResult]:
    """Each measure's chart with one facet per team, as the overview and ``summary.csv`` show
    them: catalogue chart, change-log phases, ``targets`` by measure id for every team and each
    team's own ``settings`` (baseline, exclusions, target). Keyed by measure id."""
    check_rules(rules)
    targets = dict(targets or {})
    settings = as_chart_settings(settings)
    charts = {}
    for m_id in available_measures(data, measures):
        overrides: dict[str, Any] = {"rules": rules, "facet": "team"}
        if m_id in targets:
            overrides["target"] = targets[m_id]
        with warnings.catch_warnings():  # trial limits are stated in each panel's data
            warnings.simplefilter("ignore", SPCWarning)
            charts[m_id] = chart_measure(data, m_id, settings=settings, **overrides)
    return charts


def collaborative_summary(
    data: pd.DataFrame,
    measures: Sequence[str] | None = None,
    rules: str = DEFAULT_RULES,
    targets: Mapping[str, float] | None = None,
    settings: ChartSettings | str | Path | None = None,
) -> pd.DataFrame:
    """One row per team and measure: latest period and value, centre, limits, signals in the
    current phase, variation and assurance (the ``summary.csv`` of a render)."""
    return summarise_charts(team_charts(data, measures, rules, targets, settings))


def summarise_charts(charts: Mapping[str, QICResult]) -> pd.DataFrame:
    """The rows of :func:`collaborative_summary` from charts already computed by
    :func:`team_charts`.

    Column by column for all teams of a measure at once (a thousand teams' rows are built in
    a second, not a row at a time); only the verdict's sentence is written team by team."""
    frames = [_summary_rows(m_id, res) for m_id, res in charts.items()]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    out = out.reindex(columns=_SUMMARY_COLUMNS)
    return out.sort_values(["team", "measure"], kind="stable").reset_index(drop=True)


_SUMMARY_COLUMNS = [
    "team",
    "measure",
    "title",
    "unit",
    "latest_period",
    "latest_value",
    "centre",
    "lcl",
    "ucl",
    "target",
    "signals",
    "point_type",
    "variation_type",
    "variation",
    "assurance",
    "verdict",
    "since",
    "change_state",
]


def _summary_rows(m_id: str, res: QICResult) -> pd.DataFrame:
    """One measure's summary rows, one per team (in the chart's team order)."""
    m = get_measure(m_id)
    d = res.data
    current = d.groupby("team", sort=False)["part"].transform("max") == d["part"]
    signals = d[current].groupby("team", sort=False)["signal"].sum()
    last = d.groupby("team", sort=False).tail(1)
    teams = last["team"].tolist()
    summary = res.summary()
    assurance = summary.groupby("team", sort=False)["assurance_type"].last().reindex(teams)
    variation = summary.groupby("team", sort=False)["variation_type"].last().reindex(teams)
    point_type = last["point_type"].astype(str).to_numpy()
    v_type = np.where(variation.isna().to_numpy(), point_type, variation.astype(str).to_numpy())
    verdicts = _verdict_rows(res)
    period = period_of(d["x"])
    found = [verdicts.get(t) for t in teams]
    return pd.DataFrame(
        {
            "team": teams,
            "measure": m_id,
            "title": m.title,
            "unit": m.unit,
            "latest_period": pd.to_datetime(last["x"]).dt.strftime("%Y-%m-%d").to_numpy(),
            "latest_value": last["y"].to_numpy(),
            "centre": last["cl"].to_numpy(),
            "lcl": last["lcl"].to_numpy(),
            "ucl": last["ucl"].to_numpy(),
            "target": last["target"].to_numpy(),
            "signals": signals.reindex(teams, fill_value=0).astype(int).to_numpy(),
            "point_type": point_type,
            "variation_type": v_type,
            "variation": [variation_icon(v, m.improvement) for v in v_type],
            "assurance": [None if pd.isna(a) else a for a in assurance],
            "verdict": [
                verdict_sentence(v, res.options, period) if v is not None else "" for v in found
            ],
            "since": [
                pd.Timestamp(v["since"]).strftime("%Y-%m-%d")
                if v is not None and isinstance(v["since"], pd.Timestamp)
                else ""
                for v in found
            ],
            "change_state": [v["change_state"] if v is not None else "none" for v in found],
        }
    )


def _verdict_rows(res: QICResult) -> dict[Any, dict[str, Any]]:
    """``res.verdicts`` rows (as dicts) by team (one team's chart: keyed by its team)."""
    v = res.verdicts
    if v is None or v.empty:
        return {}
    records = v.to_dict("records")  # one conversion, not a Series per team
    if "team" in v:
        return {row["team"]: row for row in records}
    return {res.data["team"].iloc[0] if "team" in res.data else None: records[0]}


def sustained_improvement(
    data: pd.DataFrame,
    measures: Sequence[str] | None = None,
    rules: str = DEFAULT_RULES,
    min_points: int = 6,
    settings: ChartSettings | str | Path | None = None,
    charts: Mapping[str, QICResult] | None = None,
) -> pd.DataFrame:
    """Which teams show sustained improvement since their first change for each measure's topic.

    One row per team and measure (with a direction of improvement) where the team logged a
    change for the measure's topic (a change without a measure counts for every topic): the
    change judged, the points before and after it, and the verdict. *Sustained improvement*
    means the level since the change is confirmed better than the baseline before it
    (``spc.engine.verdict``: not a single point, not a crossings signal) and the latest point
    is no concern; a measure with too few events is never called sustained. Fewer than
    ``min_points`` points after the change: too early to tell. ``charts`` are the measures'
    charts already computed by :func:`team_charts` (computed here otherwise).
    """
    charts = dict(charts) if charts is not None else {}
    rows = []
    for m_id in available_measures(data, measures):
        m = get_measure(m_id)
        if m.improvement not in ("increase", "decrease"):
            continue
        res = charts.get(m_id)
        if res is None:
            res = team_charts(data, [m_id], rules, None, settings).get(m_id)
        if res is None or res.verdicts is None:
            continue
        for _, v in _verdict_rows(res).items():
            if v["change_state"] in ("none", "short_baseline"):
                continue
            after = int(v["points_since"]) if pd.notna(v["points_since"]) else 0
            vt = v["variation_type"]
            if vt == "too_few_events":
                verdict = "too few events to judge"
            elif vt == "special_cause_concern":
                verdict = "concern"
            elif (v["change_state"] == "confirmed" and v["basis"] == "change") or (
                v["change_state"] == "confirmed" and vt == "special_cause_improvement"
            ):
                verdict = (
                    "sustained improvement"
                    if vt == "special_cause_improvement"
                    else "change confirmed, not an improvement"
                )
            elif after < min_points:
                verdict = "too early to tell"
            else:
                verdict = "no sustained change yet"
            rows.append(
                {
                    "team": v.get("team", res.data["team"].iloc[0] if "team" in res.data else ""),
                    "measure": m_id,
                    "title": m.title,
                    "first_change": pd.Timestamp(v["change_x"]).strftime("%Y-%m-%d"),
                    "change": v["change_label"] or "",
                    "points_before": int(v["baseline_points"] or 0),
                    "points_after": after,
                    "verdict": verdict,
                }
            )
    columns = [
        "team",
        "measure",
        "title",
        "first_change",
        "change",
        "points_before",
        "points_after",
        "verdict",
    ]
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["measure", "team"], kind="stable").reset_index(drop=True)


def funnel_measures(measures: Sequence[str]) -> list[str]:
    """Measures that suit a funnel plot (rates and proportions with a denominator)."""
    return [m for m in measures if chart_type(get_measure(m).chart).funnel is not None]


__all__ = [
    "DEFAULT_RULES",
    "MeasureSection",
    "TeamReport",
    "available_measures",
    "build_team_report",
    "collaborative_summary",
    "example_files",
    "filter_period",
    "load_team",
    "methods_note",
    "summarise_charts",
    "sustained_improvement",
    "team_charts",
]
