"""Phases, baselines and exclusions: which subgroups make up each facet x phase segment, which
are baseline points, and which are left out of the calculations.

Arguments that may be given per facet (``part``, ``freeze``, ``exclude``, ``target``: a value
or a dict keyed by facet value) are spread to the subgroups here, and x values given by the user
(phase starts, exclusions) are matched to the x column's type with a clear error when they
cannot be.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from spc.engine._segments import first_row_of_segment
from spc.engine.prepare import Subgroups
from spc.errors import IgnoredSettingWarning, SPCError

__all__ = [
    "PartSpec",
    "Segments",
    "as_list",
    "facet_keys",
    "included",
    "per_facet_values",
    "segments",
]

PartSpec = Sequence[Any] | Mapping[Any, Sequence[Any]] | str | None
# Warnings raised in a step called by qic() point at qic's caller.
_CALLER = 3


@dataclass
class Segments:
    """Phase numbers, positions, baseline and judged points of every subgroup.

    ``seg`` numbers each facet x phase (contiguous, 0 .. nseg-1): the points that share a centre
    line and limits. ``rule_seg`` numbers the stretches the runs analysis and rules judge on
    their own: the facet x phase, split where ``judge_from`` starts judging later points
    against the baseline before them (``judged``).
    """

    part_no: np.ndarray
    xx: np.ndarray
    seg: np.ndarray
    nseg: int
    baseline: np.ndarray
    judged: np.ndarray
    rule_seg: np.ndarray
    nrule_seg: int


JudgeSpec = Any | Mapping[Any, Any] | None


def segments(
    sub: Subgroups,
    part: PartSpec,
    freeze: int | Mapping[Any, int] | None,
    keys: np.ndarray,
    judge_from: JudgeSpec = None,
) -> Segments:
    """Phases from ``part``, the facet x phase segments, the baseline from ``freeze`` (the
    first points of each phase) and the points ``judge_from`` judges against the points of
    their phase before it."""
    size = sub.x.size
    part_no = _phase_numbers(sub, part, keys)
    xx = _positions(sub.facet_id)
    seg_new = first_row_of_segment(sub.facet_id)
    seg_new[1:] |= part_no[1:] != part_no[:-1]
    seg = np.cumsum(seg_new) - 1
    nseg = int(seg[-1]) + 1
    position_in_part = _positions(seg)
    if freeze is None:
        baseline = np.ones(size, dtype=bool)
    else:
        limit = per_facet_values(freeze, keys, "freeze")
        if isinstance(freeze, Mapping):
            limit[np.isnan(limit)] = np.inf  # facets not named keep every point as baseline
        # Within each phase (NHSRplotthedots' fix_after_n_points; without phases this is
        # qicharts2's freeze): a baseline and phases work together under every rule set.
        baseline = position_in_part <= limit
    judged = _judged(sub, judge_from, keys, seg)
    baseline &= ~judged
    rule_new = seg_new.copy()
    rule_new[1:] |= judged[1:] & ~judged[:-1]
    rule_seg = np.cumsum(rule_new) - 1
    return Segments(
        part_no, xx, seg, nseg, baseline, judged, rule_seg, int(rule_seg[-1]) + 1 if size else 0
    )


def _judged(sub: Subgroups, judge_from: JudgeSpec, keys: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """True from the first subgroup on or after each facet's ``judge_from`` value to the end of
    its phase; a value at a phase's first point would leave no baseline and is refused."""
    size = sub.x.size
    if judge_from is None:
        return np.zeros(size, dtype=bool)
    if isinstance(judge_from, Mapping):
        start = _facet_starts(
            sub, {k: as_list(v)[:1] for k, v in judge_from.items()}, keys, "judge_from"
        )
    else:
        values = _normalise_x_values(as_list(judge_from), sub.x, "judge_from")
        start = _starts_from_values(sub.x, sub.facet_id, values[:1], sub.categorical)
    # a hash lookup (pandas), not np.isin: on object keys numpy compares every row with every
    # name, a quarter of a second per chart at a thousand teams
    named = (
        pd.Series(keys, dtype=object).isin(list(judge_from)).to_numpy()
        if isinstance(judge_from, Mapping)
        else np.ones(size, bool)
    )
    unjudged = set(keys[named].tolist()) - set(keys[start].tolist())
    if unjudged:
        names = ", ".join(sorted(map(str, unjudged))[:5])
        warnings.warn(
            IgnoredSettingWarning(
                f"judge_from matches no point after the first of {names}: nothing is judged "
                "against a baseline there",
                setting="judge_from",
            ),
            stacklevel=_CALLER + 1,
        )
    phase_first = first_row_of_segment(seg)
    if (start & phase_first).any():
        raise SPCError(
            f"judge_from {sub.x[start & phase_first][0]} is the first point of its phase, so "
            "there is no baseline before it to judge against; pick a later point"
        )
    # running count of judging starts within each phase: judged once the phase's start is past
    csum = np.cumsum(start)
    seg_start = np.flatnonzero(phase_first)
    offset = np.repeat(csum[seg_start] - start[seg_start], np.diff(np.append(seg_start, size)))
    return (csum - offset) > 0


# --------------------------------------------------------- 4. exclusions, zero denominators


def included(
    sub: Subgroups, exclude: Sequence[Any] | Mapping[Any, Sequence[Any]] | None, keys: np.ndarray
) -> np.ndarray:
    """False for the subgroups ``exclude`` names (warning when a value matches nothing)."""
    include = np.ones(sub.x.size, dtype=bool)
    if exclude is None:
        return include
    if isinstance(exclude, Mapping):
        for name, rows in _per_facet(exclude, keys, "exclude").items():
            values = _normalise_x_values(as_list(exclude[name]), sub.x, "exclude")
            include &= ~(rows & np.isin(sub.x, values))
        return include
    values = _normalise_x_values(as_list(exclude), sub.x, "exclude")
    include &= ~np.isin(sub.x, values)
    unmatched = [v for v in values if not np.isin(v, sub.x)]
    if unmatched:
        warnings.warn(
            IgnoredSettingWarning(
                f"exclude value(s) {', '.join(map(str, unmatched[:5]))} match no x value "
                "and exclude nothing",
                setting="exclude",
            ),
            stacklevel=_CALLER,
        )
    return include


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray | pd.Index):
        return [value]
    return list(value)


def _normalise_x_values(values: Sequence[Any], x: np.ndarray, arg: str) -> np.ndarray:
    """Convert user x values (part starts, exclusions) to the dtype of the x column."""
    if np.issubdtype(x.dtype, np.datetime64):
        numbers = [
            v for v in values if isinstance(v, int | float | np.number) and not isinstance(v, bool)
        ]
        if numbers:  # pandas would read 10 as 10 ns after 1970 and match nothing
            raise SPCError(
                f"{arg} values must be dates like the x column (got {numbers[0]!r}); pass the "
                f"x values themselves, e.g. {arg}=[pd.Timestamp('2024-04-01')]"
            )
        try:
            return pd.to_datetime(pd.Series(list(values))).to_numpy(dtype=x.dtype)
        except (ValueError, TypeError) as exc:
            raise SPCError(f"{arg} values must be dates like the x column: {exc}") from None
    if np.issubdtype(x.dtype, np.number):
        try:
            return np.asarray(values, dtype=float)
        except (ValueError, TypeError):
            raise SPCError(f"{arg} values must be numbers like the x column") from None
    return np.asarray([str(v) for v in values], dtype=object)


def facet_keys(sub: Subgroups, facets: Sequence[str]) -> np.ndarray:
    """One hashable key per row: the facet value, or a tuple for two or more facets."""
    if not facets:
        return np.zeros(sub.x.size, dtype=object)
    if len(facets) == 1:
        return sub.facet_values[facets[0]]
    keys = np.empty(sub.x.size, dtype=object)
    keys[:] = list(zip(*(sub.facet_values[f] for f in facets), strict=True))
    return keys


def _per_facet(spec: Mapping[Any, Any], keys: np.ndarray, arg: str) -> dict[Any, np.ndarray]:
    """Rows of each facet named in a per-facet dict, raising for unknown facet values."""
    # one pass over the rows (a thousand wards' dicts stay fast), then a mask per named facet
    rows_of = _rows_by_facet(spec, keys, arg)
    out = {}
    for name in spec:
        mask = np.zeros(keys.size, dtype=bool)
        mask[rows_of[name]] = True
        out[name] = mask
    return out


def _starts_from_values(
    x: np.ndarray, facet_id: np.ndarray, starts: np.ndarray, categorical: bool
) -> np.ndarray:
    """True where a new phase starts: the first subgroup at or after each start value.

    For categorical x only exact matches count. The first subgroup of a facet never starts a
    new phase (it already starts phase 1).
    """
    first = first_row_of_segment(facet_id)
    if categorical:
        return np.isin(x, starts) & ~first
    starts = np.sort(starts)
    if np.issubdtype(x.dtype, np.datetime64):
        xv, sv = (
            x.astype("datetime64[ns]").astype(np.int64),
            starts.astype("datetime64[ns]").astype(np.int64),
        )
    else:
        xv, sv = x.astype(float), starts.astype(float)
    count_le = np.searchsorted(sv, xv, side="right")
    before = np.empty_like(count_le)
    before[0] = 0
    before[1:] = count_le[:-1]
    return (count_le > before) & ~first


def _facet_starts(
    sub: Subgroups, spec: Mapping[Any, list[Any]], keys: np.ndarray, arg: str
) -> np.ndarray:
    """True at the first subgroup on or after each x value of ``spec`` ({facet: [x, ...]}),
    within that facet's rows; a facet's first subgroup is never a start (it starts phase 1).

    One groupby and one conversion of all the values: a thousand wards' starts stay fast.
    """
    size = sub.x.size
    start = np.zeros(size, dtype=bool)
    rows_of = _rows_by_facet(spec, keys, arg)
    pairs = [(name, v) for name, values in spec.items() for v in values]
    if not pairs:
        return start
    values = _normalise_x_values([v for _, v in pairs], sub.x, arg)
    for (name, _), value in zip(pairs, values, strict=True):
        rows = rows_of[name]
        xs = sub.x[rows]
        if sub.categorical:
            hit = np.flatnonzero(xs == value)
            pos = int(hit[0]) if hit.size else len(rows)
        else:
            pos = int(np.searchsorted(xs, value, side="left"))
        if 0 < pos < len(rows):
            start[rows[pos]] = True
    return start


def _rows_by_facet(spec: Mapping[Any, Any], keys: np.ndarray, arg: str) -> dict[Any, np.ndarray]:
    """Row positions of each facet named in ``spec`` (rows are contiguous and sorted by x
    within a facet), raising for facet values not in the data."""
    rows_of = pd.Series(np.arange(keys.size)).groupby(pd.Series(keys, dtype=object)).indices
    for name in spec:
        if name not in rows_of:
            sample = ", ".join(map(repr, sorted(rows_of, key=str)[:8]))
            raise SPCError(
                f"{arg} names facet {name!r}, which is not in the data (facets: {sample})"
            )
    return rows_of


def _phase_numbers(sub: Subgroups, part: PartSpec, keys: np.ndarray) -> np.ndarray:
    """Phase (part) number 1, 2, ... for every subgroup."""
    size = sub.x.size
    first = first_row_of_segment(sub.facet_id)
    if part is None:
        new = np.zeros(size, dtype=bool)
    elif isinstance(part, str):
        labels = sub.part_label.astype(str)
        new = np.zeros(size, dtype=bool)
        new[1:] = labels[1:] != labels[:-1]
        new &= ~first
    elif isinstance(part, Mapping):
        new = _facet_starts(sub, {k: as_list(v) for k, v in part.items()}, keys, "part")
    else:
        values = _normalise_x_values(as_list(part), sub.x, "part")
        new = _starts_from_values(sub.x, sub.facet_id, values, sub.categorical)
    # cumulative count of phase starts within each facet
    csum = np.cumsum(new)
    facet_start = np.flatnonzero(first)
    offset = np.repeat(csum[facet_start] - new[facet_start], np.diff(np.append(facet_start, size)))
    return (csum - offset + 1).astype(np.int64)


def _positions(group: np.ndarray) -> np.ndarray:
    """1-based position of each row within its (contiguous) group."""
    first = first_row_of_segment(group)
    idx = np.arange(group.size)
    start = np.maximum.accumulate(np.where(first, idx, 0))
    return idx - start + 1


def per_facet_values(value: Any, keys: np.ndarray, arg: str, default: float = np.nan) -> np.ndarray:
    """A number or a dict {facet: number} spread to every row (missing facets get NaN)."""
    if value is None:
        return np.full(keys.size, default)
    if isinstance(value, Mapping):
        out = np.full(keys.size, np.nan)
        for name, rows in _per_facet(value, keys, arg).items():
            out[rows] = float(value[name])
        return out
    try:
        return np.full(keys.size, float(value))
    except (TypeError, ValueError):
        raise SPCError(f"{arg} must be a number or a dict of numbers by facet") from None
