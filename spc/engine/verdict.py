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

from spc.chart_types import ChartType, chart_type
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
#: A change is confirmed only once this many points follow it, and new limits then start at it:
#: a sustained change rather than one unusual month (which the rule for points outside the
#: limits catches), and enough points for limits that say something.
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
    "earlier_signal_x",
    "events_of",
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


def confirmations(
    res: QICResult, z_limit: float = Z_CONFIRM, min_points: int = MIN_NEW_PHASE_POINTS
) -> dict[Any, tuple[Any, int, float]]:
    """``{facet key: (x of confirmation, direction, z)}`` for every facet whose judged points
    reach ``|change_z| > z_limit`` (the first such point with at least ``min_points`` judged
    points up to it: a sustained change, not one unusual month), skipping stretches with too
    few events. Facet key as in :func:`facet_key` (None without facets)."""
    d = res.data
    if "change_z" not in d or not d["judged"].any():
        return {}
    z = d["change_z"].to_numpy(float)
    keys = facet_key(d, res.facets)
    judged = d["judged"].to_numpy(bool) & d["include"].to_numpy(bool)
    position, _ = pd.factorize(pd.Series(keys, dtype=object), use_na_sentinel=False)
    counted = pd.Series(judged.astype(int)).groupby(position).cumsum().to_numpy()
    hit = judged & (counted >= min_points) & (np.abs(np.nan_to_num(z)) > z_limit)
    if "too_few_events" in d:
        hit &= ~d["too_few_events"].to_numpy(bool)
    out: dict[Any, tuple[Any, int, float]] = {}
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


class _Columns:
    """The result frame's columns as numpy arrays, read once; a facet is a slice of them (rows
    are contiguous per facet), so judging a thousand wards costs no pandas call per ward."""

    def __init__(self, d: pd.DataFrame, kinds: Mapping[str, str]) -> None:
        size = len(d)

        def get(name: str, dtype: Any, default: Any) -> np.ndarray:
            if name in d:
                return d[name].to_numpy(dtype=dtype)
            return np.full(size, default, dtype=dtype)

        self.x = d["x"].to_numpy()
        self.y = get("y", float, np.nan)
        self.cl = get("cl", float, np.nan)
        self.n = get("n", float, np.nan)
        self.y_sum = get("y_sum", float, np.nan)
        self.include = get("include", bool, True)
        self.part = get("part", np.int64, 1)
        self.judged = get("judged", bool, False)
        self.signal = get("signal", bool, False)
        self.rare = get("too_few_events", bool, False)
        self.phase_signal = get("phase_signal", bool, False)
        self.change_z = get("change_z", float, np.nan)
        self.longest_run_max = get("longest_run_max", float, np.nan)
        self.point_type = d["point_type"].astype(str).to_numpy()
        self.rules = {c: d[c].to_numpy(dtype=bool) for c in kinds if c in d}


def _run_needed(res: QICResult, longest_run_max: float) -> float:
    """Points in a row on one side that the rule set needs for a run signal here."""
    if str(res.options.get("rules", "anhoej")) == "anhoej":
        return longest_run_max + 1 if np.isfinite(longest_run_max) else float("nan")
    opts = res.options.get("rule_options")
    return float(getattr(opts, "shift_length", np.nan))


def _current_run(y: np.ndarray, cl: np.ndarray, include: np.ndarray) -> int:
    """Length of the latest run of included points on one side of the centre line, counting
    back from the last point (points on the line are skipped, as in the runs analysis)."""
    with np.errstate(invalid="ignore"):
        side = np.sign(y - cl)
    side = side[include & np.isfinite(side) & (side != 0)]
    if side.size == 0:
        return 0
    change = np.flatnonzero(side[::-1] != side[-1])
    return int(change[0]) if change.size else int(side.size)


def _centre_since(kind: ChartType, mult: float, c: _Columns, rows: np.ndarray) -> float:
    """The centre line the points ``rows`` would have on their own (plotted scale)."""
    inc = rows[c.include[rows]]
    if inc.size == 0:
        return float("nan")
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind.kind in ("rate", "proportion"):
            return float(np.nansum(c.y_sum[inc]) / np.nansum(c.n[inc]) * mult)
        if kind.name == "t":
            return float(np.nanmean((c.y[inc] / mult) ** (1 / 3.6)) ** 3.6 * mult)
        if kind.name == "run":
            return float(np.nanmedian(c.y[inc]))
        return float(np.nanmean(c.y[inc]))


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
    cols = _Columns(d, kinds)
    keys = facet_key(d, facets)
    starts = np.flatnonzero([i == 0 or keys[i] != keys[i - 1] for i in range(len(keys))])
    stops = np.append(starts[1:], len(keys))
    out = []
    for lo, hi in zip(starts, stops, strict=True):
        key = keys[lo]
        out.append(_one(res, cols, lo, hi, changes.get(key), kinds))
    frame = pd.DataFrame(out, columns=VERDICT_COLUMNS)
    for i, f in enumerate(facets):
        frame.insert(i, f, [keys[lo][i] if len(facets) > 1 else keys[lo] for lo in starts])
    return frame[[*facets, *VERDICT_COLUMNS]]


def _one(
    res: QICResult,
    c: _Columns,
    lo: int,
    hi: int,
    records: Sequence[ChangeRecord] | None,
    kinds: Mapping[str, str],
) -> dict[str, Any]:
    improvement = res.options.get("improvement")
    kind = chart_type(str(res.options.get("chart", "run")))
    mult = float(res.options.get("multiply") or 1)
    rows = np.arange(lo, hi)
    last = hi - 1
    phase = rows[c.part[rows] == c.part[last]]
    stretch = phase[c.judged[phase] == c.judged[last]]
    # the confirmed change that the current phase starts with (or, still within the baseline's
    # phase, contains)
    phase_start = c.x[phase[0]]
    confirmed = [r for r in records or () if r.state == "confirmed" and r.x >= phase_start]
    change = confirmed[-1] if confirmed else (records[-1] if records else None)
    info: dict[str, Any] = dict.fromkeys(VERDICT_COLUMNS)
    if kind.one_point_per_event:
        events = float(hi - lo)
    elif kind.kind in ("count", "rate"):
        events = float(np.nansum(c.y_sum[rows]))
    elif kind.kind == "proportion":
        # the rarer outcome, as too_few_events judges it (the misses of a 97 % audit)
        events = float(np.nansum(c.y_sum[rows]))
        info["events_of"] = float(np.nansum(c.n[rows]))
        events = min(events, info["events_of"] - events)
    else:
        events = float("nan")
    info.update(
        latest_x=c.x[last],
        points=hi - lo,
        events=events,
        change_state="none",
        current_run=_current_run(c.y[stretch], c.cl[stretch], c.include[stretch]),
        run_needed=_run_needed(res, float(c.longest_run_max[last])),
    )
    since_change = rows[:0]
    if change is not None:
        info.update(
            change_state=change.state,
            change_x=change.x,
            change_label=change.label,
            confirmed_x=change.confirmed_x,
            z=change.z,
            baseline_points=change.baseline_points,
        )
        after = c.x[rows] >= np.datetime64(change.x, "ns") if _is_date(c.x) else None
        after = after if after is not None else c.x[rows] >= change.x
        since_change, prior = rows[after], rows[~after]
        before = prior[c.part[prior] == c.part[prior[-1]]] if prior.size else prior
        if change.state != "short_baseline" and before.size and since_change.size:
            judged_rows = since_change[c.judged[since_change]]
            centre = c.cl[judged_rows[0]] if judged_rows.size else c.cl[before[-1]]
            with np.errstate(invalid="ignore"):
                side = np.sign(c.y[since_change] - centre)
            better = 1 if improvement != "decrease" else -1
            info.update(
                baseline_first_x=c.x[before[0]],
                baseline_last_x=c.x[before[-1]],
                baseline_points=int(before.size),
                baseline_centre=float(centre),
                centre_since=_centre_since(kind, mult, c, since_change),
                points_since=int(since_change.size),
                better_side=int((side == better).sum()),
                worse_side=int((side == -better).sum()),
            )
            if change.state == "pending" and judged_rows.size:
                info["z"] = float(c.change_z[judged_rows[-1]])

    point_type = str(c.point_type[last])
    if point_type != "common_cause":
        basis = next(
            (
                k
                for col, k in kinds.items()
                if k != "phase" and col in c.rules and c.rules[col][last]
            ),
            "outside",
        )
        signal = c.signal[stretch]
        breaks = np.flatnonzero(~signal)
        first = stretch[int(breaks[-1]) + 1] if breaks.size else stretch[0]
        info.update(variation_type=point_type, basis=basis, since=c.x[first])
    elif c.rare[last]:
        info.update(variation_type="too_few_events", basis="too_few_events")
        # a point beyond the limits still signals on a rare-event chart: name the last one, so
        # the sentence does not read as if none had
        beyond = phase[c.signal[phase]]
        if beyond.size:
            info["earlier_signal_x"] = c.x[beyond[-1]]
    elif confirmed and since_change.size:
        info.update(
            variation_type=_direction_type(change.direction, improvement),
            basis="change",
            since=change.x,
        )
    elif c.phase_signal[last]:
        info.update(variation_type="unstable", basis="phase", since=c.x[stretch[0]])
    else:
        info.update(variation_type="common_cause", basis="none")
        # a point signal earlier in the phase that has ended: the verdict must not call the
        # whole phase common cause
        earlier = phase[c.signal[phase]]
        if earlier.size:
            info["earlier_signal_x"] = c.x[earlier[0]]
    for name in ("latest_x", "since", "baseline_first_x", "baseline_last_x", "earlier_signal_x"):
        if isinstance(info[name], np.datetime64):
            info[name] = pd.Timestamp(info[name])
    return info


def _is_date(x: np.ndarray) -> bool:
    return np.issubdtype(x.dtype, np.datetime64)
