"""The tidy frame's rows: catalogue measures from checked monthly rows, days between events,
and the change log placed on the points it annotates.

Monthly measures are whole-column arithmetic (a numerator and a denominator per row, for
every row of a file at once); the event and change logs are short and read row by row.

Example::

    >>> import spc
    >>> df = spc.load_example()
    >>> df.loc[df["measure"].str.startswith("days_between"), "denominator"].isna().all()
    np.True_
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd

from spc.data.catalogue import Measure
from spc.data.cells import Parsed
from spc.data.checks import Schema
from spc.data.problems import ERROR, NOTE, WARNING, ValidationReport
from spc.errors import did_you_mean

__all__ = ["ROW_COLUMNS", "apply_changes", "event_rows", "monthly_rows", "report_no_figures"]

#: Columns of the measure rows, before the change log adds annotation and phase_start.
ROW_COLUMNS = [
    "team", "trust", "period", "measure", "numerator", "denominator", "value", "file", "row",
]  # fmt: skip


def _rows_text(rows: np.ndarray) -> str:
    return ", ".join(str(r) for r in rows[:8].tolist()) + (" ..." if len(rows) > 8 else "")


def _summed(frame: pd.DataFrame, cols: tuple[str, ...]) -> np.ndarray:
    """Row sums of ``cols``; NaN where any of them is blank."""
    if not cols:
        return np.full(len(frame), np.nan)
    return frame[list(cols)].to_numpy(dtype=float).sum(axis=1)


def monthly_rows(p: Parsed, schema: Schema, report: ValidationReport) -> list[dict[str, Any]]:
    """One set of columns (:data:`ROW_COLUMNS`, as arrays) per catalogue measure of a monthly
    file: the rows that passed the checks (and are not duplicates), with numerator,
    denominator and value; ``pd.DataFrame(columns)`` is the measure's rows of the tidy frame
    (built only by ``load``: ``validate`` needs only the checks). Warns about measures whose
    columns are partly there, small denominators and blank cells in a column a team otherwise
    fills in."""
    spec = schema.spec
    team_col, date_col = spec.team_column, spec.date_column
    frame = p.frame
    used = frame[frame["_ok"].to_numpy() & ~frame["_duplicate"].to_numpy()]
    team = used[team_col].to_numpy(dtype=object)
    trust = used["trust"].to_numpy(dtype=object) if "trust" in used else np.full(len(used), None)
    rows = used["_row"].to_numpy()
    all_teams = frame[team_col].value_counts() if team_col in frame else pd.Series(dtype=int)
    out = []
    for m in schema.measures:
        cols = (*m.numerator, *m.denominator)
        if not set(cols) <= p.present:
            if any(c in p.present for c in m.numerator):
                lacking = ", ".join(c for c in cols if c not in p.present)
                report.add(
                    WARNING,
                    p.label,
                    f"measure {m.id!r} not computed: the file has no column {lacking}",
                    "add the column(s) to compute this measure",
                )
            continue
        num = _summed(used, m.numerator)
        den = _summed(used, m.denominator)
        with np.errstate(divide="ignore", invalid="ignore"):
            if not m.denominator:
                value = num * m.multiplier
            else:
                value = np.where(den > 0, num / den * m.multiplier, np.nan)
        blank = np.isnan(num) | (np.isnan(den) if m.denominator else False)
        if m.min_denominator is not None:
            with np.errstate(invalid="ignore"):
                small = rows[(den > 0) & (den < m.min_denominator)]
            if len(small):
                report.add(
                    WARNING,
                    p.label,
                    f"small denominator for {m.id}: {len(small)} row(s) below "
                    f"{m.min_denominator:g} (rows {_rows_text(small)}); limits will be wide",
                    "read single points with care; consider a run chart or quarterly totals",
                    row=int(small[0]),
                    column=" + ".join(m.denominator),
                )
        if blank.any():
            blank_rows = pd.Series(rows[blank]).groupby(team[blank], sort=False)
            for name, team_rows in blank_rows:
                team_rows = team_rows.to_numpy()
                if len(team_rows) < all_teams.get(name, 0):  # some months filled in: a gap
                    report.add(
                        WARNING,
                        p.label,
                        f"gap: {m.id} for {team_col} {name!r} is blank in "
                        f"{len(team_rows)} row(s) (rows {', '.join(map(str, team_rows[:8]))})",
                        "fill in the missing figures if they exist",
                        row=int(team_rows[0]),
                    )
        out.append(
            {
                "team": team,
                "trust": trust,
                "period": used[date_col].to_numpy(),
                "measure": m.id,
                "numerator": num,
                "denominator": den if m.denominator else np.nan,
                "value": value,
                "file": p.label,
                "row": rows,
            }
        )
    return out


def report_no_figures(
    parsed: list[Parsed],
    schemas: dict[str, Schema],
    measures: list[dict[str, Any]],
    report: ValidationReport,
) -> None:
    """Warn about teams whose monthly rows hold no figure at all (``measures``: the columns
    :func:`monthly_rows` made): a report for them would show nothing, and saying "0 measures,
    no gaps" would hide why."""
    with_values: set[Any] = set()
    for columns in measures:
        with_values.update(pd.unique(columns["team"][~np.isnan(columns["value"])]))
    for p in parsed:
        if p.kind not in ("ward-monthly", "safety-thermometer"):
            continue
        team_col = schemas[p.kind].spec.team_column
        used = p.frame[p.frame["_ok"] & ~p.frame["_duplicate"]]
        if team_col not in used or not len(used):
            continue
        teams = used[team_col].to_numpy(dtype=object)
        empty = ~pd.Series(teams).isin(with_values).to_numpy()
        if not empty.any():
            continue
        rows = used["_row"].to_numpy()[empty]
        for name, team_rows in pd.Series(rows).groupby(teams[empty], sort=False):
            team_rows = team_rows.to_numpy()
            report.add(
                WARNING,
                p.label,
                f"no figures for {team_col} {name!r}: every measure is blank in its "
                f"{len(team_rows)} row(s) (rows {_rows_text(team_rows)}), so its charts "
                "would be empty",
                "fill in the figures for this ward, or leave it out of the files",
                row=int(team_rows[0]),
            )


def event_rows(
    events: list[Parsed], catalogue: dict[str, Measure], report: ValidationReport
) -> list[dict[str, Any]]:
    """Days between qualifying events, for each ward and days-between measure."""
    recs = [dict(r, _file=p.label) for p in events for r in p.records() if r["_ok"]]
    if not recs:
        return []
    out = []
    for m in (m for m in catalogue.values() if m.source == "events"):
        chosen = [
            r for r in recs if r["event_type"] == m.event_type and r["severity"] in m.severities
        ]
        by_team: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in chosen:
            by_team[r["ward"]].append(r)
        for team, rs in by_team.items():
            rs.sort(key=lambda r: r["date"])
            same = 0
            for prev, cur in itertools.pairwise(rs):
                days = (cur["date"] - prev["date"]).total_seconds() / 86400
                same = same + 1 if days == 0 else 0
                if days == 0:
                    days = 0.5
                    report.add(
                        WARNING,
                        cur["_file"],
                        f"two {m.id} events for ward {team!r} at {cur['date']:%d/%m/%Y %H:%M} "
                        f"(rows {prev['_row']} and {cur['_row']}): counted as 0.5 days apart "
                        f"(the point is drawn {same} minute(s) later so each event has its "
                        "own x)",
                        "add the time of day to the dates if it is known",
                        row=cur["_row"],
                        column="date",
                    )
                out.append(
                    {
                        "team": team,
                        "trust": cur.get("trust"),
                        "period": cur["date"] + pd.Timedelta(minutes=same),
                        "measure": m.id,
                        "numerator": days,
                        "denominator": np.nan,
                        "value": days,
                        "file": cur["_file"],
                        "row": cur["_row"],
                    }
                )
    return out


def apply_changes(
    frame: pd.DataFrame,
    changes: list[Parsed],
    catalogue: dict[str, Measure],
    report: ValidationReport,
) -> pd.DataFrame:
    """Add ``annotation`` and ``phase_start``: each change on the first point of its team's
    measures on or after its date (see ``docs/data.md``)."""
    frame["annotation"] = pd.Series([None] * len(frame), dtype=object, index=frame.index)
    frame["phase_start"] = False
    if not changes:
        return frame
    teams = sorted(frame["team"].unique())
    topics = sorted({m.topic for m in catalogue.values()})
    # Each (team, measure) series' row positions, in date order, indexed once: a change is
    # then placed with one binary search per measure instead of scans of the whole frame.
    periods = pd.to_datetime(frame["period"]).to_numpy(dtype="datetime64[ns]")
    series = {
        key: rows[np.argsort(periods[rows], kind="stable")]
        for key, rows in frame.groupby(["team", "measure"], sort=False).indices.items()
    }
    annotations: list[str | None] = [None] * len(frame)
    phase_start = np.zeros(len(frame), dtype=bool)
    for p in changes:
        for rec in p.records():
            team, when = rec["team"], rec["date"]
            if frame.empty or not rec["_ok"]:
                continue
            if team not in teams:
                hint = did_you_mean(team, teams)
                report.add(
                    ERROR,
                    p.label,
                    f"team {team!r} is not in the data files{hint}",
                    "spell the team exactly as in the ward column of the data files",
                    row=rec["_row"],
                    column="team",
                )
                continue
            target = rec.get("measure")
            if target and target not in catalogue and target not in topics:
                hint = did_you_mean(target, [*catalogue, *topics])
                report.add(
                    ERROR,
                    p.label,
                    f"{target!r} is not a measure id or topic{hint}",
                    f"use a topic ({', '.join(topics)}), a measure id, or leave it blank",
                    row=rec["_row"],
                    column="measure",
                )
                continue
            ids = [mid for mid, m in catalogue.items() if not target or target in (mid, m.topic)]
            text = f"{rec['cycle']}: {rec['change']}" if rec.get("cycle") else rec["change"]
            placed = False
            for mid in ids:
                rows = series.get((team, mid))
                if rows is None:
                    continue
                start = (
                    when.to_period("M").to_timestamp()
                    if catalogue[mid].source != "events"
                    else when
                )
                pos = np.searchsorted(periods[rows], np.datetime64(start, "ns"), side="left")
                if pos == len(rows):
                    continue
                row = rows[pos]  # the first point on or after the change
                old = annotations[row]
                if old is None:
                    annotations[row] = text
                elif text not in old.split("; "):
                    # The same note from two files (e.g. the team's changes.csv and the
                    # explorer's exported change log, which repeats it) is shown once.
                    annotations[row] = f"{old}; {text}"
                if rec.get("new_phase"):
                    phase_start[row] = True
                placed = True
            if not placed:
                report.add(
                    NOTE,
                    p.label,
                    f"change for {team!r} on {when:%d/%m/%Y} is after the last data point of "
                    "its measures, so it is not shown on any chart yet",
                    row=rec["_row"],
                    column="date",
                )
    frame["annotation"] = pd.Series(annotations, dtype=object, index=frame.index)
    frame["phase_start"] = phase_start
    return frame
