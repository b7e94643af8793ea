"""The verdict a team acts on: what a chart says about each ward's latest state, and why.

A verdict is one row per facet (ward) with a ``variation_type`` (a point type, ``unstable`` or
``too_few_events``), the ``basis`` it rests on and the numbers the caption quotes. It is decided
in this order (docs/verdicts.md gives the reasons and the simulations behind every threshold):

1. **too few events**: where the run rules were off for lack of events (``min_events``), only a
   point outside the limits signals; otherwise the verdict is ``too_few_events``;
2. **the latest point's own signal**: outside the limits, in a long run or shift, a trend or
   another point pattern, in that pattern's direction;
3. **a confirmed change**: the latest point belongs to the points since a change whose level
   differs from the baseline before it by more than :data:`Z_CONFIRM` standard errors
   (``change_z``): improvement or concern in that direction;
4. **a phase signal** (too few crossings, too few or many runs): ``unstable``, never a direction;
5. otherwise common cause.

>>> import spc
>>> res = spc.chart_measure(spc.load_example(), "falls_per_1000_obd", team="AVN-ELM")
>>> res.verdicts[["variation_type", "basis", "change_state"]].iloc[0].tolist()
['special_cause_improvement', 'change', 'confirmed']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from spc.chart_types import chart_type
from spc.engine.result import QICResult
from spc.engine.rules import RULES

__all__ = [
    "MIN_BASELINE_POINTS",
    "MIN_EVENTS_PER_SUBGROUP",
    "MIN_NEW_PHASE_POINTS",
    "VERDICT_COLUMNS",
    "Z_CONFIRM",
    "ChangeRecord",
    "confirmations",
    "verdicts",
]

#: The level of the points since a change must differ from the baseline by more than this many
#: standard errors of the difference (two-sided, looked at every month) to confirm the change.
#: Set by simulation (benchmarks/bench_verdicts.py, docs/verdicts.md): stable wards stay under
#: 10 % false alarms over 18 monthly looks, and a 40 % cut in a falls rate of 5 a month is
#: shown within a year in about two wards out of three (3 standard errors: about one in two).
Z_CONFIRM = 2.5
#: A change is judged against a baseline of at least this many points (Anhøj's and the IHI run
#: rules start at 10 useful observations; Perla, Provost & Murray 2011).
MIN_BASELINE_POINTS = 10
#: Count, rate and proportion charts need this many events per subgroup on average for run
#: rules (qicharts2 vignette on rare events; Wheeler 2011); below it only points outside the
#: limits signal. Checked by simulation in benchmarks/bench_verdicts.py.
MIN_EVENTS_PER_SUBGROUP = 1.0
#: New limits start at a confirmed change only once this many points follow it; until then the
#: baseline's limits stay extended (fewer points give limits that say nothing).
MIN_NEW_PHASE_POINTS = 6

#: Columns of :func:`verdicts` after the facet columns.
VERDICT_COLUMNS = [
    "variation_type",
    "basis",
    "since",
    "latest_x",
    "points",
    "events",
    "change_state",
    "change_x",
    "change_label",
    "confirmed_x",
    "baseline_first_x",
    "baseline_last_x",
    "baseline_points",
    "baseline_centre",
    "centre_since",
    "points_since",
    "better_side",
    "worse_side",
    "z",
    "current_run",
    "run_needed",
]


@dataclass
class ChangeRecord:
    """What happened to one facet's change: judged from ``x`` against the points before it.

    ``state``: ``pending`` (judged, not confirmed), ``confirmed`` (the level since differs
    beyond :data:`Z_CONFIRM`; ``direction`` +1 higher, -1 lower; new limits from ``x`` once
    :data:`MIN_NEW_PHASE_POINTS` follow), or ``short_baseline`` (too few points before it to
    judge). ``label`` is the change log's text at ``x``.
    """

    x: Any
    label: str | None = None
    state: str = "pending"
    confirmed_x: Any = None
    direction: int = 0
    z: float = float("nan")
    baseline_points: int = 0


def confirmations(res: QICResult, z_limit: float = Z_CONFIRM) -> dict[Any, tuple[Any, int, float]]:
    """``{facet key: (x of confirmation, direction, z)}`` for every facet whose judged points
    reach ``|change_z| > z_limit`` (the first such point), skipping stretches with too few
    events. Facet key as in :func:`facet_key` (None without facets)."""
    d = res.data
    if "change_z" not in d or not d["judged"].any():
        return {}
    z = d["change_z"].to_numpy(float)
    hit = d["judged"].to_numpy(bool) & (np.abs(np.nan_to_num(z)) > z_limit)
    if "too_few_events" in d:
        hit &= ~d["too_few_events"].to_numpy(bool)
    out: dict[Any, tuple[Any, int, float]] = {}
    keys = facet_key(d, res.facets)
    for row in np.flatnonzero(hit):
        key = keys[row]
        if key not in out:
            out[key] = (d["x"].iloc[row], int(np.sign(z[row])), float(z[row]))
    return out


def facet_key(d: pd.DataFrame, facets: Sequence[str]) -> list[Any]:
    """Per row: the facet value (one facet), a tuple (several) or None (no facet)."""
    if not facets:
        return [None] * len(d)
    if len(facets) == 1:
        return d[facets[0]].tolist()
    return list(zip(*(d[f].tolist() for f in facets), strict=True))


def _rule_kinds(res: QICResult) -> dict[str, str]:
    rule_set = RULES.get(str(res.options.get("rules", "anhoej")))
    return {r.column: r.kind for r in rule_set.rules} if rule_set else {}


def _run_needed(res: QICResult, last: pd.Series) -> float:
    """Points in a row on one side that the rule set needs for a run signal here."""
    rules = str(res.options.get("rules", "anhoej"))
    if rules == "anhoej":
        limit = last.get("longest_run_max")
        return float(limit) + 1 if pd.notna(limit) else float("nan")
    opts = res.options.get("rule_options")
    return float(getattr(opts, "shift_length", np.nan))


def _current_run(rows: pd.DataFrame) -> int:
    """Length of the latest run of included points on one side of the centre line, counting
    back from the last point (points on the line are skipped, as in the runs analysis)."""
    side = np.sign(rows["y"].to_numpy(float) - rows["cl"].to_numpy(float))
    side = side[rows["include"].to_numpy(bool) & np.isfinite(side) & (side != 0)]
    if side.size == 0:
        return 0
    change = np.flatnonzero(side[::-1] != side[-1])
    return int(change[0]) if change.size else int(side.size)


def _events(res: QICResult, rows: pd.DataFrame) -> float:
    kind = chart_type(str(res.options.get("chart", "run")))
    if kind.one_point_per_event:
        return float(len(rows))
    if kind.kind in ("count", "rate", "proportion"):
        return float(np.nansum(rows["y_sum"].to_numpy(float)))
    return float("nan")


def _centre_since(res: QICResult, rows: pd.DataFrame) -> float:
    """The centre line the points since a change would have on their own (plotted scale)."""
    if rows.empty:
        return float("nan")
    kind = chart_type(str(res.options.get("chart", "run")))
    mult = float(res.options.get("multiply") or 1)
    inc = rows[rows["include"].astype(bool)]
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind.kind in ("rate", "proportion"):
            return float(np.nansum(inc["y_sum"]) / np.nansum(inc["n"]) * mult)
        if kind.name == "t":
            y = inc["y"].to_numpy(float) / mult
            return float(np.nanmean(y ** (1 / 3.6)) ** 3.6 * mult)
        if kind.name == "run":
            return float(np.nanmedian(inc["y"]))
        return float(np.nanmean(inc["y"]))


def _deciding_rule(row: pd.Series, kinds: Mapping[str, str]) -> str:
    for column, kind in kinds.items():
        if kind != "phase" and bool(row.get(column, False)):
            return kind
    return "outside"


def _since(rows: pd.DataFrame) -> Any:
    """x of the first point of the unbroken stretch of point signals ending at the last point."""
    signal = rows["signal"].to_numpy(bool)
    if not signal[-1]:
        return None
    breaks = np.flatnonzero(~signal)
    start = int(breaks[-1]) + 1 if breaks.size else 0
    return rows["x"].iloc[start]


def _direction_type(direction: int, improvement: str | None) -> str:
    if improvement in ("increase", "decrease"):
        better = 1 if improvement == "increase" else -1
        return "special_cause_improvement" if direction == better else "special_cause_concern"
    return "special_cause_neutral_high" if direction > 0 else "special_cause_neutral_low"


def verdicts(
    res: QICResult, changes: Mapping[Any, Sequence[ChangeRecord]] | None = None
) -> pd.DataFrame:
    """One verdict per facet of ``res`` (see the module docstring); ``changes`` are the change
    records, oldest first, by facet key that ``spc.chart_measure`` judged (None: none)."""
    d = res.data
    facets = res.facets
    changes = dict(changes or {})
    kinds = _rule_kinds(res)
    improvement = res.options.get("improvement")
    keys = facet_key(d, facets)
    order = list(dict.fromkeys(keys))  # facets in frame order (None when there are none)
    position = {k: i for i, k in enumerate(order)}
    groups = pd.Series(range(len(d))).groupby(np.array([position[k] for k in keys]), sort=True)
    out = []
    for i, idx in groups.indices.items():
        rows = d.iloc[idx]
        key = order[i]
        out.append(_one(res, rows, key, changes.get(key), kinds, improvement))
    frame = pd.DataFrame(out)
    if facets:
        key_values = order
        for i, f in enumerate(facets):
            frame.insert(
                i, f, [k[i] if isinstance(k, tuple) and len(facets) > 1 else k for k in key_values]
            )
    return frame[[*facets, *VERDICT_COLUMNS]]


def _one(
    res: QICResult,
    rows: pd.DataFrame,
    key: Any,
    records: Sequence[ChangeRecord] | None,
    kinds: Mapping[str, str],
    improvement: str | None,
) -> dict[str, Any]:
    last = rows.iloc[-1]
    phase = rows[rows["part"] == last["part"]]
    stretch = phase[phase["judged"] == last["judged"]]
    # the confirmed change that the current phase starts with (or, still within the baseline's
    # phase while too few points follow it, contains)
    confirmed = [r for r in records or () if r.state == "confirmed" and r.x >= phase["x"].iloc[0]]
    change = confirmed[-1] if confirmed else (records[-1] if records else None)
    info: dict[str, Any] = dict.fromkeys(VERDICT_COLUMNS)
    info.update(
        latest_x=last["x"],
        points=len(rows),
        events=_events(res, rows),
        change_state="none",
        current_run=_current_run(stretch),
        run_needed=_run_needed(res, last),
    )
    since_change = rows.iloc[0:0]
    if change is not None:
        info.update(
            change_state=change.state,
            change_x=change.x,
            change_label=change.label,
            confirmed_x=change.confirmed_x,
            z=change.z,
            baseline_points=change.baseline_points,
        )
        since_change = rows[rows["x"] >= change.x]
        prior = rows[rows["x"] < change.x]
        before = prior[prior["part"] == prior["part"].iloc[-1]] if len(prior) else prior
        if change.state != "short_baseline" and len(before) and len(since_change):
            judged_rows = since_change[since_change["judged"].astype(bool)]
            centre = judged_rows["cl"].iloc[0] if len(judged_rows) else before["cl"].iloc[-1]
            side = np.sign(since_change["y"].to_numpy(float) - centre)
            better = 1 if improvement != "decrease" else -1
            info.update(
                baseline_first_x=before["x"].iloc[0],
                baseline_last_x=before["x"].iloc[-1],
                baseline_points=len(before),
                baseline_centre=float(centre),
                centre_since=_centre_since(res, since_change),
                points_since=len(since_change),
                better_side=int((side == better).sum()),
                worse_side=int((side == -better).sum()),
            )
            if change.state == "pending" and len(judged_rows):
                info["z"] = float(judged_rows["change_z"].iloc[-1])

    point_type = str(last["point_type"])
    rare = bool(last.get("too_few_events", False))
    if point_type != "common_cause":
        basis = _deciding_rule(last, kinds)
        info.update(variation_type=point_type, basis=basis, since=_since(stretch))
    elif rare:
        info.update(variation_type="too_few_events", basis="too_few_events")
    elif confirmed and len(since_change):
        info.update(
            variation_type=_direction_type(change.direction, improvement),
            basis="change",
            since=change.x,
        )
    elif bool(last.get("phase_signal", False)):
        info.update(variation_type="unstable", basis="phase", since=stretch["x"].iloc[0])
    else:
        info.update(variation_type="common_cause", basis="none")
    return info
