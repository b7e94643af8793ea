"""``chart_measure``: the catalogue's chart for one measure, the one place where the measures
catalogue (``spc.data.catalogue``) meets the engine (``spc.engine.pipeline.qic``).

The catalogue sets the chart type, multiplier, target and improvement direction; a team's chart
settings (``spc.data.chart_settings``) its own baseline, phases, exclusions and target. The
change log in the tidy frame says when a team changed its way of working, and each change is
judged against the team's baseline before it (docs/verdicts.md):

* the points before the team's first change for the measure's topic are its **baseline**: the
  centre and limits are computed from them and extended, and the later points are judged
  against them (``qic(judge_from=...)``), however the change was logged;
* when the level since the change differs from the baseline by more than
  :data:`~spc.engine.verdict.Z_CONFIRM` standard errors, the change is **confirmed**: new
  limits start at the change (once :data:`~spc.engine.verdict.MIN_NEW_PHASE_POINTS` follow)
  and the next change marked ``new_phase = yes`` is judged against them in turn;
* phases a fellow sets in the chart settings start new limits whatever the data say.

The verdicts (``res.verdicts``, ``spc.engine.verdict``) say what the chart means for each team.

>>> import spc
>>> df = spc.load_example()
>>> res = spc.chart_measure(df, "falls_per_1000_obd", team="AVN-ELM")
>>> res.options["chart"]
'u'
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spc.data.catalogue import get_measure
from spc.data.chart_settings import ChartSettings
from spc.data.tidy import load
from spc.engine.pipeline import qic
from spc.engine.result import QICResult
from spc.engine.verdict import (
    MIN_BASELINE_POINTS,
    MIN_EVENTS_PER_SUBGROUP,
    MIN_NEW_PHASE_POINTS,
    ChangeRecord,
    confirmations,
    verdicts,
)
from spc.errors import IgnoredSettingWarning, SPCError, did_you_mean

__all__ = ["MIN_PHASE_POINTS", "chart_measure"]


#: A phase a fellow sets is applied only if the phases on both sides keep this many points:
#: fewer give limits that say nothing (a T chart of 3 events), so it is only annotated.
MIN_PHASE_POINTS = 6
#: Arguments that, given to ``chart_measure``, replace its own judging of the change log.
_EXPLICIT = ("part", "freeze", "judge_from")


def _long_enough_phases(periods: pd.Series, starts: list[Any]) -> list[Any]:
    """The phase starts that leave at least ``MIN_PHASE_POINTS`` points in every phase."""
    if not starts:
        return []  # most teams: nothing to check (this runs once per team and measure)
    values = np.sort(pd.to_datetime(periods).to_numpy())
    kept: list[Any] = []
    previous = 0
    for start in sorted(starts):
        at = int(np.searchsorted(values, np.datetime64(start, "ns")))
        if at - previous >= MIN_PHASE_POINTS:
            kept.append(start)
            previous = at
    # the last phase must be long enough too: drop trailing starts until it is
    while (
        kept
        and len(values) - int(np.searchsorted(values, np.datetime64(kept[-1], "ns")))
        < MIN_PHASE_POINTS
    ):
        kept.pop()
    return kept


def chart_measure(
    data: pd.DataFrame | str | Path | Sequence[str | Path],
    measure_id: str,
    team: str | Sequence[str] | None = None,
    *,
    extra: str | Path | Sequence[str | Path] | None = None,
    phases: bool = True,
    settings: ChartSettings | None = None,
    **overrides: Any,
) -> QICResult:
    """Compute the catalogue's chart for ``measure_id`` with :func:`spc.qic`, judge each team's
    changes against its baseline, and return the QICResult with its ``verdicts``.

    ``data`` is the tidy frame from :func:`spc.load` (or paths to load). ``team`` picks one
    team (or a list); with several teams the chart is faceted by team. The catalogue sets the
    chart type, multiplier, target and improvement direction; with ``phases=True`` each team's
    change log sets its baseline and confirmed phases (see the module docstring; ``False``
    leaves the change log out); ``settings`` (a :class:`spc.data.chart_settings.ChartSettings`,
    e.g. saved from the explorer) applies each team's own baseline, phases, exclusions and
    target. Any ``**overrides`` are passed to :func:`spc.qic` and win (e.g. ``chart="run"``),
    except that a team's own target beats an overriding one; ``part``, ``freeze`` or
    ``judge_from`` among them replace all judging of baselines and changes.

    >>> import spc
    >>> df = spc.load_example()
    >>> res = chart_measure(df, "falls_per_1000_obd", team="AVN-ELM")
    >>> res.options["chart"], len(res.data), res.verdicts["change_state"].iloc[0]
    ('u', 36, 'confirmed')
    """
    if not isinstance(data, pd.DataFrame):
        data = load(data, measures_file=extra)
    m = get_measure(measure_id, extra)
    rows = _measure_rows(data, measure_id, team)
    teams = [str(t) for t in dict.fromkeys(rows["team"])]
    facet = "team" if len(teams) > 1 else None

    kwargs: dict[str, Any] = {
        "x": "period",
        "chart": m.chart,
        "improvement": m.improvement,
        "facet": facet,
        "min_events": MIN_EVENTS_PER_SUBGROUP,
    }
    if m.denominator and m.source != "events":
        kwargs.update(y="numerator", n="denominator", multiply=m.multiplier)
    else:
        kwargs.update(y="value")
    if m.target is not None:
        kwargs["target"] = m.target
    kwargs.update(overrides)
    choices = {t: settings.choice(t, measure_id) for t in teams} if settings else {}
    if settings:
        # A team's own exclusions and target win over the catalogue and a collaborative-wide
        # target, but not over explicit keyword overrides of the caller.
        spans = {str(t): (g.min(), g.max()) for t, g in rows.groupby("team", sort=False)["period"]}
        base = kwargs.get("target")
        chosen = settings.qic_kwargs(
            measure_id,
            spans,
            faceted=facet is not None,
            base_target=base if isinstance(base, int | float) else None,
        )
        kwargs.update({k: v for k, v in chosen.items() if k == "target" or k not in overrides})
    if any(k in overrides for k in _EXPLICIT):
        res, records = qic(rows, **kwargs), {}
    else:
        res, records = _judge_changes(rows, kwargs, teams, choices, measure_id, phases)
    res.verdicts = verdicts(res, records)
    res._summary = None  # the summary's verdict column reads the verdicts
    # What is measured, in people's words, for titles, axis labels and captions.
    res.options.update(
        measure=m.id, label=m.title, units=m.unit, topic=m.topic, definition=m.definition
    )
    return res


def _measure_rows(
    data: pd.DataFrame, measure_id: str, team: str | Sequence[str] | None
) -> pd.DataFrame:
    """The charted rows (value present) of ``measure_id`` and ``team``, by team and period."""
    missing = [c for c in ("team", "period", "measure", "value") if c not in data.columns]
    if missing:
        raise SPCError(
            f"data is missing column(s) {', '.join(missing)}: pass the frame returned by "
            "spc.load() or spc.load_example()"
        )
    rows = data[data["measure"] == measure_id]
    if rows.empty:
        present = sorted(data["measure"].unique())
        raise SPCError(
            f"the data hold no rows for measure {measure_id!r}{did_you_mean(measure_id, present)}; "
            f"measures present: {', '.join(present)}"
        )
    if team is not None:
        wanted = [team] if isinstance(team, str) else list(team)
        known = sorted(rows["team"].unique())
        for t in wanted:
            if t not in known:
                raise SPCError(
                    f"team {t!r} has no {measure_id} data{did_you_mean(t, known)}; teams: "
                    f"{', '.join(known)}"
                )
        rows = rows[rows["team"].isin(wanted)]
    return rows[rows["value"].notna()].sort_values(["team", "period"]).reset_index(drop=True)


@dataclass
class _Candidate:
    """A change that may be judged: where its points start, its text, its ``new_phase``."""

    x: Any
    label: str | None
    new_phase: bool


@dataclass
class _TeamPlan:
    """One team's phases (set by the fellow, then confirmed changes), the changes still to
    judge, the change being judged and what happened to each."""

    periods: np.ndarray
    parts: list[Any]
    candidates: list[_Candidate]
    judging: ChangeRecord | None = None
    records: list[ChangeRecord] = field(default_factory=list)

    def points_between(self, first: Any, stop: Any = None) -> int:
        """Points from ``first`` up to (not including) ``stop``, or to the end."""
        lo = np.searchsorted(self.periods, np.datetime64(first, "ns"), side="left")
        if stop is None:
            return int(self.periods.size - lo)
        hi = np.searchsorted(self.periods, np.datetime64(stop, "ns"), side="left")
        return int(hi - lo)

    def phase_start(self, x: Any) -> Any:
        started = [p for p in self.parts if p <= x]
        return max(started) if started else self.periods[0]

    def next_change(self, after: Any | None) -> None:
        """Judge the next candidate after ``after`` that has a baseline of enough points in
        its phase (the first candidate at all, or later ones marked ``new_phase``); changes
        with too short a baseline are recorded as such."""
        self.judging = None
        while self.candidates:
            c = self.candidates[0]
            if after is not None and (c.x <= after or not c.new_phase):
                self.candidates.pop(0)
                continue
            self.candidates.pop(0)
            before = self.points_between(self.phase_start(c.x), c.x)
            record = ChangeRecord(c.x, c.label, baseline_points=before)
            self.records.append(record)
            if before >= MIN_BASELINE_POINTS and self.points_between(c.x) > 0:
                self.judging = record
                return
            record.state = "short_baseline"
            after = c.x if after is not None else None


def _plans(
    rows: pd.DataFrame,
    teams: list[str],
    choices: dict[str, Any],
    measure_id: str,
    change_log: bool,
) -> dict[str, _TeamPlan]:
    """Each team's phases and the changes to judge, from its settings and (with
    ``change_log``) the change log."""
    plans = {}
    skipped: list[str] = []
    team = rows["team"].astype(str).to_numpy()
    period = pd.to_datetime(rows["period"]).to_numpy(dtype="datetime64[ns]")
    empty = np.full(len(rows), None, dtype=object)
    notes = rows["annotation"].to_numpy(dtype=object) if "annotation" in rows else empty
    flags = (
        rows["phase_start"].fillna(False).to_numpy(dtype=bool)
        if "phase_start" in rows
        else np.zeros(len(rows), dtype=bool)
    )
    if not change_log:
        notes, flags = empty, np.zeros(len(rows), dtype=bool)
    # rows with a change note (text that is not blank), for every row at once
    text = pd.Series(notes, dtype=object)
    is_text = text.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    blank = text.where(is_text, "").str.strip().str.len().to_numpy() == 0
    noted = np.flatnonzero(is_text & ~blank)
    bounds = np.flatnonzero(np.r_[True, team[1:] != team[:-1]])  # rows are sorted by team
    for lo, hi in zip(bounds, np.append(bounds[1:], len(team)), strict=True):
        t, periods = team[lo], period[lo:hi]
        choice = choices.get(t)
        insisted = [pd.Timestamp(p) for p in (choice.phases if choice else ())]
        kept = _long_enough_phases(pd.Series(periods), insisted) if insisted else []
        skipped += [f"{t} {p:%d/%m/%Y}" for p in insisted if p not in kept]
        mine = noted[(noted > lo) & (noted < hi)]  # a note on the first point has no baseline
        candidates = [_Candidate(pd.Timestamp(period[i]), notes[i], bool(flags[i])) for i in mine]
        if choice is not None and choice.baseline is not None:
            first: list[_Candidate] = []
            if choice.baseline < hi - lo:
                x = pd.Timestamp(periods[choice.baseline])
                first = [_Candidate(x, f"after a baseline of {choice.baseline} points", True)]
            later = [c for c in candidates if c.new_phase and first and c.x > first[0].x]
            candidates = first + later
        plan = _TeamPlan(periods, list(kept), candidates)
        plan.next_change(None)
        plans[t] = plan
    if skipped:
        warnings.warn(
            IgnoredSettingWarning(
                f"{measure_id}: phase start(s) not applied because a phase would have fewer "
                f"than {MIN_PHASE_POINTS} points: {', '.join(skipped)}",
                setting="phases",
            ),
            stacklevel=4,
        )
    return plans


def _judge_changes(
    rows: pd.DataFrame,
    kwargs: dict[str, Any],
    teams: list[str],
    choices: dict[str, Any],
    measure_id: str,
    change_log: bool,
) -> tuple[QICResult, dict[Any, list[ChangeRecord]]]:
    """The chart with each team's changes judged (module docstring); the change records."""
    plans = _plans(rows, teams, choices, measure_id, change_log)
    faceted = kwargs.get("facet") is not None
    while True:
        parts = {t: sorted(p.parts) for t, p in plans.items() if p.parts}
        judge = {t: p.judging.x for t, p in plans.items() if p.judging is not None}
        res = qic(
            rows,
            **kwargs,
            part=(parts or None) if faceted else parts.get(teams[0]),
            judge_from=(judge or None) if faceted else judge.get(teams[0]),
        )
        found = confirmations(res)
        progressed = False
        z_last = _last_z(res, faceted)
        for t, plan in plans.items():
            record = plan.judging
            if record is None:
                continue
            key = t if faceted else None
            if key not in found:
                record.state, record.z = "pending", z_last.get(key, float("nan"))
                continue
            record.state = "confirmed"
            record.confirmed_x, record.direction, record.z = found[key]
            if plan.points_between(record.x) >= MIN_NEW_PHASE_POINTS:
                plan.parts.append(record.x)
                plan.next_change(record.x)
                progressed = True
            else:
                plan.judging = None  # confirmed: the baseline's limits stay extended for now
        if not progressed:
            break
    records = {(t if faceted else None): p.records for t, p in plans.items() if p.records}
    return res, records


def _last_z(res: QICResult, faceted: bool) -> dict[Any, float]:
    d = res.data
    judged = d[d["judged"].astype(bool)]
    if judged.empty:
        return {}
    if not faceted:
        return {None: float(judged["change_z"].iloc[-1])}
    return judged.groupby(res.facets[0], sort=False)["change_z"].last().to_dict()
