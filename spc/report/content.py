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

    @property
    def methods(self) -> str:
        return methods_note(self.rules)


def latest_reading(res: QICResult) -> dict[str, Any]:
    """The latest point of a single-series result and its verdicts: ``point_type`` is the
    latest point's own, ``variation_type`` the chart's verdict (``res.verdicts``, else the
    summary's) and ``verdict`` its sentence."""
    d = res.data
    last = d.iloc[-1]
    summary = res.summary()
    assurance = summary["assurance_type"].iloc[-1]
    variation_type = str(summary["variation_type"].iloc[-1])
    current = d[d["part"] == last["part"]]
    verdict = res.verdicts.iloc[-1] if res.verdicts is not None and len(res.verdicts) else None
    return {
        "period": last["x"],
        "value": float(last["y"]),
        "centre": float(last["cl"]),
        "lcl": float(last["lcl"]),
        "ucl": float(last["ucl"]),
        "signals": int(current["signal"].sum()),
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
            res = chart_measure(rows, m_id, team=team, settings=settings, **overrides)
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
                annotations=_annotations(rows, m_id),
            )
        )
    report = data.attrs.get("report")
    notes = ([str(p) for p in report.warnings] if report is not None else []) + notes
    trust = str(rows["trust"].iloc[0]) if "trust" in rows and len(rows) else ""
    return TeamReport(team, trust, _month(start), _month(end), rules, sections, notes, skipped)


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
    :func:`team_charts`."""
    rows = []
    for m_id, res in charts.items():
        m = get_measure(m_id)
        d = res.data
        current = d.groupby("team", sort=False)["part"].transform("max") == d["part"]
        signals = d[current].groupby("team", sort=False)["signal"].sum()
        last = d.groupby("team", sort=False).tail(1).set_index("team")
        summary = res.summary()
        assurance = summary.groupby("team", sort=False)["assurance_type"].last()
        variation = summary.groupby("team", sort=False)["variation_type"].last()
        verdicts = _verdict_rows(res)
        period = period_of(d["x"])
        for team, row in last.iterrows():
            v_type = str(variation.get(team, row["point_type"]))
            v_row = verdicts.get(team)
            rows.append(
                {
                    "team": team,
                    "measure": m_id,
                    "title": m.title,
                    "unit": m.unit,
                    "latest_period": pd.Timestamp(row["x"]).strftime("%Y-%m-%d"),
                    "latest_value": row["y"],
                    "centre": row["cl"],
                    "lcl": row["lcl"],
                    "ucl": row["ucl"],
                    "target": row["target"],
                    "signals": int(signals.get(team, 0)),
                    "point_type": str(row["point_type"]),
                    "variation_type": v_type,
                    "variation": variation_icon(v_type, m.improvement),
                    "assurance": None if pd.isna(assurance.get(team)) else assurance.get(team),
                    "verdict": (
                        verdict_sentence(v_row, res.options, period) if v_row is not None else ""
                    ),
                    "since": (
                        pd.Timestamp(v_row["since"]).strftime("%Y-%m-%d")
                        if v_row is not None and isinstance(v_row["since"], pd.Timestamp)
                        else ""
                    ),
                    "change_state": v_row["change_state"] if v_row is not None else "none",
                }
            )
    columns = [
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
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["team", "measure"], kind="stable").reset_index(drop=True)


def _verdict_rows(res: QICResult) -> dict[Any, pd.Series]:
    """``res.verdicts`` rows by team (one team's chart: keyed by its team)."""
    v = res.verdicts
    if v is None or v.empty:
        return {}
    if "team" in v:
        return {t: row for t, (_, row) in zip(v["team"], v.iterrows(), strict=True)}
    return {res.data["team"].iloc[0] if "team" in res.data else None: v.iloc[0]}


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
