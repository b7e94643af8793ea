"""Signal rules: small pure functions over arrays, combined per rule set in one place.

Every rule works on all facets and parts at once (``seg`` labels each facet x part; no rule
spans a part boundary) and gives a boolean flag per point and the direction of the signal (+1
above/increasing, -1 below/decreasing). A :class:`RuleSet` is an ordered tuple of
:class:`Rule` (name, kind, words, signal labels: every fact about a rule, kept here only) and
one function computing their flags; the first rule that flags a point (its precedence) names
the point's ``special_cause_type`` and, with the improvement direction, its ``point_type``.

Where tools disagree (run length, trend length, what a point on the centre line or a tie
does), the choice is an explicit field of :class:`RuleOptions`, and each rule set in
:data:`RULES` documents its values:

============== ============ ============ =============================== ====================
rule set       shift        trend        point on centre / tie           missing value
============== ============ ============ =============================== ====================
anhoej         runs analysis (longest run > round(log2 n)+3; crossings < qbinom(.05, n-1, .5))
ihi            6 points     5 points     skipped (neither make nor break) skipped
mdc            7 points     7 points     breaks the run / the trend      breaks
western_elec.  8 points     -            breaks                          skipped
============== ============ ============ =============================== ====================
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import pandas as pd

from spc.engine._segments import mark_spans, run_lengths, seg_count
from spc.engine.limits import ChartLimits
from spc.engine.runs import RunsAnalysis
from spc.errors import SPCError


@dataclass(frozen=True)
class RuleOptions:
    """The parameters on which rule sets differ.

    ``shift_length``: points in a row on one side of the centre line that make a shift.
    ``trend_length``: points in a row each higher (or lower) than the last that make a trend.
    ``ties``: ``"skip"`` ignores points on the centre line (shift) and repeated values (trend),
    ``"break"`` lets them end the run or trend. ``missing``: ``"skip"`` or ``"break"`` for
    missing values inside a series.
    """

    shift_length: int = 7
    trend_length: int = 7
    ties: str = "break"
    missing: str = "break"

    def validated(self) -> RuleOptions:
        """Return self after checking every field, raising :class:`SPCError` otherwise."""
        for name in ("shift_length", "trend_length"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or value < 2:
                raise SPCError(f"{name} must be a whole number >= 2 (got {value!r})")
        for name in ("ties", "missing"):
            value = getattr(self, name)
            if value not in ("skip", "break"):
                raise SPCError(f"{name} must be 'skip' or 'break' (got {value!r})")
        return self


@dataclass
class RuleInput(ChartLimits):
    """Per-point arrays the rules read: the chart's lines on the plotted scale (after
    ``multiply``, see :class:`spc.engine.limits.ChartLimits`) plus the context below."""

    include: np.ndarray
    seg: np.ndarray
    nseg: int
    runs: RunsAnalysis
    runs_allowed: bool
    method: str
    sigma_signal: np.ndarray


@dataclass
class RuleResult:
    """One rule's verdict: ``flag`` per point, signal ``direction`` (+1/-1, 0 where unflagged)."""

    name: str
    flag: np.ndarray
    direction: np.ndarray
    label_high: str
    label_low: str


# ----------------------------------------------------------------------------- building blocks


def _side(y: np.ndarray, cl: np.ndarray) -> np.ndarray:
    """sign(y - cl): +1, -1, 0 on the line, NaN where y or cl is missing."""
    with np.errstate(invalid="ignore"):
        return np.sign(y - cl)


def _breaking_keys(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Keys for run detection where every invalid element is unique, so it breaks any run."""
    unique_breakers = 10.0 + np.arange(values.size, dtype=float)
    return np.where(valid, values, unique_breakers)


def shift_points(
    side: np.ndarray, seg: np.ndarray, length: int, ties: str, missing: str
) -> np.ndarray:
    """Points in a run of at least ``length`` consecutive points on one side of the centre.

    ``side`` is sign(y - cl) per point (NaN for missing). Points on the line (0) and missing
    points are skipped or break the run, per ``ties`` and ``missing``.

    >>> side = np.array([1., 1, 1, 0, 1, 1, 1, -1])
    >>> shift_points(side, np.zeros(8, int), 6, "skip", "skip").astype(int).tolist()
    [1, 1, 1, 0, 1, 1, 1, 0]
    >>> shift_points(side, np.zeros(8, int), 6, "break", "skip").any()
    np.False_
    """
    drop = np.zeros(side.size, dtype=bool)
    if ties == "skip":
        drop |= side == 0
    if missing == "skip":
        drop |= np.isnan(side)
    keep = np.flatnonzero(~drop)
    s = side[keep]
    valid = np.abs(s) == 1
    run_id, lengths = run_lengths(_breaking_keys(s, valid), seg[keep])
    flag = np.zeros(side.size, dtype=bool)
    flag[keep] = valid & (lengths[run_id] >= length)
    return flag


def trend_points(
    y: np.ndarray, seg: np.ndarray, length: int, ties: str, missing: str, *, mdc_labels: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Points in a trend of at least ``length`` points, each strictly above (below) the last.

    Returns ``(flag, direction)``. With ``ties="skip"`` a repeated value neither makes nor
    breaks a trend (IHI); with ``"break"`` it ends it (Making Data Count). ``mdc_labels``
    reproduces NHSRplotthedots' direction label exactly: the sign of the step to the next point
    when that point is also in a trend, else of the step from the previous point, where a zero
    step counts as decreasing.
    """
    size = y.size
    flag = np.zeros(size, dtype=bool)
    direction = np.zeros(size)
    missing_mask = np.isnan(y)
    keep_mask = ~missing_mask if missing == "skip" else np.ones(size, dtype=bool)
    if ties == "skip":
        prev_same = np.zeros(size, dtype=bool)
        kept_idx = np.flatnonzero(keep_mask)
        same = (y[kept_idx][1:] == y[kept_idx][:-1]) & (seg[kept_idx][1:] == seg[kept_idx][:-1])
        prev_same[kept_idx[1:][same]] = True
        keep_mask &= ~prev_same
    pos = np.flatnonzero(keep_mask)
    if pos.size < 2:
        return flag, direction
    ys, ss = y[pos], seg[pos]
    with np.errstate(invalid="ignore"):
        step = np.sign(np.diff(ys))
    same_seg = ss[1:] == ss[:-1]
    valid = same_seg & (np.abs(step) == 1)
    run_id, lengths = run_lengths(_breaking_keys(step, valid), ss[1:])
    is_trend_step = valid & (lengths[run_id] >= length - 1)
    if not is_trend_step.any():
        return flag, direction
    # Each trend run of steps k..m covers kept points k..m+1.
    first_step = np.ones(step.size, dtype=bool)
    first_step[1:] = run_id[1:] != run_id[:-1]
    last_step = np.ones(step.size, dtype=bool)
    last_step[:-1] = run_id[1:] != run_id[:-1]
    starts = np.flatnonzero(is_trend_step & first_step)
    stops = np.flatnonzero(is_trend_step & last_step) + 1
    flag = mark_spans(size, pos[starts], pos[stops])
    if mdc_labels:
        nxt = np.zeros(size, dtype=bool)
        nxt[:-1] = flag[1:] & (seg[1:] == seg[:-1])
        with np.errstate(invalid="ignore"):
            fwd = np.zeros(size)
            fwd[:-1] = np.sign(y[1:] - y[:-1])
            back = np.zeros(size)
            back[1:] = np.where(seg[1:] == seg[:-1], np.sign(y[1:] - y[:-1]), 0)
        chosen = np.where(nxt, fwd, back)
        direction = np.where(flag, np.where(chosen == 1, 1.0, -1.0), 0.0)
    else:
        # Later trend wins at a shared turning point: interior points take their run's sign.
        signs = step[starts]
        delta = np.zeros(size + 1)
        np.add.at(delta, pos[starts], signs)
        np.add.at(delta, pos[stops] + 1, -signs)
        direction = np.cumsum(delta[:-1])
        direction[pos[starts]] = signs
        direction = np.where(flag, np.sign(direction), 0.0)
    return flag, direction


def _window_sums(values: np.ndarray, seg: np.ndarray, width: int) -> np.ndarray:
    """Sum of ``values`` over each window of ``width`` points starting at every point.

    Windows that would cross a segment boundary or the end get NaN.
    """
    size = values.size
    out = np.full(size, np.nan)
    if size < width:
        return out
    csum = np.concatenate(([0.0], np.cumsum(values, dtype=float)))
    sums = csum[width:] - csum[:-width]
    inside = seg[width - 1 :] == seg[: size - width + 1]
    out[: size - width + 1] = np.where(inside, sums, np.nan)
    return out


def _in_fired_window(fired_start: np.ndarray, width: int) -> np.ndarray:
    """True for each point covered by some window (of ``width``) whose start fired."""
    size = fired_start.size
    csum = np.concatenate(([0], np.cumsum(fired_start.astype(np.int64))))
    idx = np.arange(size)
    lo = np.maximum(idx - width + 1, 0)
    return (csum[idx + 1] - csum[lo]) > 0


def k_of_m_points(
    hit_high: np.ndarray, hit_low: np.ndarray, seg: np.ndarray, k: int, m: int
) -> tuple[np.ndarray, np.ndarray]:
    """Points that are hits in a window of ``m`` consecutive points with >= ``k`` hits on a side.

    Used for the Western Electric zone rules; returns ``(flag, direction)``.
    """
    flag = np.zeros(hit_high.size, dtype=bool)
    direction = np.zeros(hit_high.size)
    for hits, sign in ((hit_high, 1.0), (hit_low, -1.0)):
        with np.errstate(invalid="ignore"):
            fired = _window_sums(hits.astype(float), seg, m) >= k
        point = hits & _in_fired_window(fired, m)
        flag |= point
        direction[point] = sign
    return flag, direction


def two_in_three_points(
    side: np.ndarray, close: np.ndarray, seg: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Making Data Count's 2-of-3 rule: close points in a 3-window that fires.

    A window fires when at least two of its three points are close to a limit (between the
    near and the process limit) and all three are strictly on the same side of the mean; only
    the close points are flagged (NHSRplotthedots ``ptd_two_in_three``).
    """
    with np.errstate(invalid="ignore"):
        side_sum = _window_sums(side, seg, 3)
        close_sum = _window_sums(close.astype(float), seg, 3)
        fired = (close_sum >= 2) & (np.abs(side_sum) == 3)
    flag = close & _in_fired_window(fired, 3)
    direction = np.where(flag, side, 0.0)
    return flag, np.nan_to_num(direction)


@lru_cache(maxsize=4096)
def _runs_test_limits(above: int, below: int, alpha: float = 0.05) -> tuple[int, int]:
    """Exact two-sided runs test (Swed & Eisenhart 1943): (fewest, most) runs not signalling.

    Returns the smallest r with P(R <= r) > alpha/2 and the largest r with P(R >= r) > alpha/2
    for ``above`` points above and ``below`` points below the median.
    """
    total = above + below
    if above == 0 or below == 0:
        return 1, 1
    log_denominator = math.log(math.comb(total, above))
    probs = {}
    for runs in range(2, total + 1):
        k = runs // 2
        if runs % 2 == 0:
            ways = 2 * math.comb(above - 1, k - 1) * math.comb(below - 1, k - 1)
        else:
            ways = math.comb(above - 1, k - 1) * math.comb(below - 1, k) + math.comb(
                above - 1, k
            ) * math.comb(below - 1, k - 1)
        if ways:
            probs[runs] = math.exp(math.log(ways) - log_denominator)
    cumulative, low = 0.0, 2
    for runs in sorted(probs):
        cumulative += probs[runs]
        if cumulative > alpha / 2:
            low = runs
            break
    cumulative, high = 0.0, total
    for runs in sorted(probs, reverse=True):
        cumulative += probs[runs]
        if cumulative > alpha / 2:
            high = runs
            break
    return low, high


def number_of_runs_points(ri: RuleInput) -> np.ndarray:
    """IHI rule: useful points of a part with too few or too many runs (exact runs test)."""
    side = ri.runs.side
    useful = side != 0
    above = seg_count(ri.seg, ri.nseg, useful & (side > 0))
    below = seg_count(ri.seg, ri.nseg, useful & (side < 0))
    runs = ri.runs.n_crossings + 1
    signal = np.zeros(ri.nseg, dtype=bool)
    for s in np.flatnonzero(ri.runs.n_useful >= 10):
        low, high = _runs_test_limits(int(above[s]), int(below[s]))
        signal[s] = runs[s] < low or runs[s] > high
    return useful & signal[ri.seg]


# ---------------------------------------------------------------------------------- rule sets

#: What kind of evidence a rule gives: a point beyond the limits (``outside``), a sustained run
#: on one side of the centre line (``run``: a long run, too few crossings, a shift), a sustained
#: ``trend``, or another non-random ``pattern`` (2 of 3 near a limit, too few or many runs...)
#: that does not by itself show a sustained change.
RULE_KINDS = ("outside", "run", "trend", "pattern")
_OUTSIDE_TEXT = "outside the control limits"
_SHIFT_TEXT = "in a shift (a run of points on one side of the centre line)"
_TREND_TEXT = "in a trend (points steadily rising or falling)"


@dataclass(frozen=True)
class Rule:
    """One rule of a rule set: its name (result column ``rule_<name>``), its kind (one of
    :data:`RULE_KINDS`), what a flagged point is in words a ward team would use, and the
    ``special_cause_type`` labels of points it flags above (increasing) and below (decreasing);
    the labels may name ``{shift_length}`` and ``{trend_length}`` of the options in use."""

    name: str
    kind: str
    text: str
    label_high: str
    label_low: str

    @property
    def column(self) -> str:
        """The result frame's column for this rule."""
        return f"rule_{self.name}"


RuleFlags = dict[str, tuple[np.ndarray, np.ndarray]]


def _sigma_rule(ri: RuleInput) -> tuple[np.ndarray, np.ndarray]:
    direction = np.where(ri.sigma_signal, np.where(ri.y > ri.cl, 1.0, -1.0), 0.0)
    return ri.sigma_signal.copy(), direction


def _on_included(ri: RuleInput, func: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]):
    """Run a sequence rule on the included points only (excluded points neither make nor break
    a run) and scatter the result back to every row."""
    idx = np.flatnonzero(ri.include)
    flag_sub, dir_sub = func(idx)
    flag = np.zeros(ri.y.size, dtype=bool)
    direction = np.zeros(ri.y.size)
    flag[idx] = flag_sub
    direction[idx] = dir_sub
    return flag, direction


def anhoej_rules(ri: RuleInput, opts: RuleOptions) -> RuleFlags:
    """Anhøj: 3-sigma points, then unusually long runs, then too few crossings (qicharts2)."""
    side = ri.runs.side
    useful = side != 0
    allowed = ri.runs_allowed
    if ri.method == "anhoej":
        long_run = useful & (ri.runs.run_length > ri.runs.longest_run_max[ri.seg])
        with np.errstate(invalid="ignore"):
            few = useful & (ri.runs.n_crossings < ri.runs.n_crossings_min)[ri.seg]
    else:  # best/cut box judge crossings and longest run jointly
        long_run = few = useful & ri.runs.runs_signal[ri.seg]
    long_run &= allowed
    few &= allowed
    return {
        "sigma": _sigma_rule(ri),
        "long_run": (long_run, np.where(long_run, side, 0.0)),
        "few_crossings": (few, np.where(few, side, 0.0)),
    }


def ihi_rules(ri: RuleInput, opts: RuleOptions) -> RuleFlags:
    """IHI run-chart rules: astronomical point, shift, trend, too few or too many runs."""
    side = _side(ri.y, ri.cl)
    shift, shift_dir = _on_included(
        ri,
        lambda idx: (
            shift_points(side[idx], ri.seg[idx], opts.shift_length, opts.ties, opts.missing),
            side[idx],
        ),
    )
    trend = _on_included(
        ri,
        lambda idx: trend_points(
            ri.y[idx], ri.seg[idx], opts.trend_length, opts.ties, opts.missing, mdc_labels=False
        ),
    )
    runs = number_of_runs_points(ri) & ri.runs_allowed
    return {
        "astronomical": _sigma_rule(ri),
        "shift": (shift, np.where(shift, shift_dir, 0.0)),
        "trend": trend,
        "runs": (runs, np.where(runs, ri.runs.side, 0.0)),
    }


def mdc_rules(ri: RuleInput, opts: RuleOptions) -> RuleFlags:
    """NHS Making Data Count as NHSRplotthedots implements it.

    Precedence: outside the process limits > trend > 2 of 3 close to a limit > shift.
    """
    side = _side(ri.y, ri.cl)
    with np.errstate(invalid="ignore"):
        outside = (ri.y > ri.ucl) | (ri.y < ri.lcl)
        close = ~outside & ((ri.y < ri.lcl_95) | (ri.y > ri.ucl_95))
    outside_dir = np.where(outside, np.where(side == 1, 1.0, -1.0), 0.0)
    trend = _on_included(
        ri,
        lambda idx: trend_points(
            ri.y[idx], ri.seg[idx], opts.trend_length, opts.ties, opts.missing, mdc_labels=True
        ),
    )
    two3 = _on_included(ri, lambda idx: two_in_three_points(side[idx], close[idx], ri.seg[idx]))
    shift, _ = _on_included(
        ri,
        lambda idx: (
            shift_points(side[idx], ri.seg[idx], opts.shift_length, opts.ties, opts.missing),
            side[idx],
        ),
    )
    return {
        "outside": (outside, outside_dir),
        "trend": trend,
        "two_in_three": two3,
        "shift": (shift, np.where(shift, side, 0.0)),
    }


def western_electric_rules(ri: RuleInput, opts: RuleOptions) -> RuleFlags:
    """Western Electric: 1 beyond 3 sigma; 2 of 3 beyond 2 sigma; 4 of 5 beyond 1 sigma (same
    side); ``shift_length`` (8) in a row on one side of the centre line."""
    side = _side(ri.y, ri.cl)

    def zones(idx: np.ndarray, lo: np.ndarray, hi: np.ndarray, k: int, m: int):
        with np.errstate(invalid="ignore"):
            return k_of_m_points(ri.y[idx] > hi[idx], ri.y[idx] < lo[idx], ri.seg[idx], k, m)

    we4, _ = _on_included(
        ri,
        lambda idx: (
            shift_points(side[idx], ri.seg[idx], opts.shift_length, opts.ties, opts.missing),
            side[idx],
        ),
    )
    return {
        "we1": _sigma_rule(ri),
        "we2": _on_included(ri, lambda idx: zones(idx, ri.zone2_lo, ri.zone2_hi, 2, 3)),
        "we3": _on_included(ri, lambda idx: zones(idx, ri.zone1_lo, ri.zone1_hi, 4, 5)),
        "we4": (we4, np.where(we4, side, 0.0)),
    }


@dataclass(frozen=True)
class RuleSet:
    """A named rule set: what it is called in menus (``label``), its function, its default
    options, its rules in precedence order and the methods sentence reports print for it.

    The rules carry every other fact about the set (names, kinds, words, signal labels);
    captions, charts, the explorer and the reports read them from here.
    """

    name: str
    label: str
    func: Callable[[RuleInput, RuleOptions], RuleFlags]
    options: RuleOptions
    rules: tuple[Rule, ...]
    methods: str

    @property
    def rule_names(self) -> tuple[str, ...]:
        """The rules' names in precedence order."""
        return tuple(r.name for r in self.rules)

    def columns(self, *kinds: str) -> list[str]:
        """Result-frame columns of this set's rules of ``kinds`` (all rules without kinds)."""
        return [r.column for r in self.rules if not kinds or r.kind in kinds]

    def apply(self, ri: RuleInput, opts: RuleOptions) -> list[RuleResult]:
        """Every rule's verdict on ``ri``, in precedence order, labelled for ``opts``."""
        flags = self.func(ri, opts)
        lengths = {"shift_length": opts.shift_length, "trend_length": opts.trend_length}
        return [
            RuleResult(
                r.name,
                *flags[r.name],
                r.label_high.format(**lengths),
                r.label_low.format(**lengths),
            )
            for r in self.rules
        ]


#: The rule sets by name, with their rules and the values of their options.
RULES: dict[str, RuleSet] = {
    "anhoej": RuleSet(
        "anhoej",
        "Anhøj (runs analysis; default)",
        anhoej_rules,
        RuleOptions(7, 7, "skip", "skip"),
        (
            Rule("sigma", "outside", _OUTSIDE_TEXT, "Above UCL", "Below LCL"),
            Rule(
                "long_run",
                "run",
                "in an unusually long run on one side of the centre line",
                "Long run above CL",
                "Long run below CL",
            ),
            Rule(
                "few_crossings",
                "run",
                "in a phase that crosses the centre line too few times",
                "Few crossings (above CL)",
                "Few crossings (below CL)",
            ),
        ),
        "Anhøj's rules (as in qicharts2): a run on one side of the centre line longer than "
        "expected, or fewer crossings of it than expected, signals a shift; on control charts "
        "a point outside the 3-sigma limits is also a signal.",
    ),
    "ihi": RuleSet(
        "ihi",
        "IHI (shift 6, trend 5, runs)",
        ihi_rules,
        RuleOptions(6, 5, "skip", "skip"),
        (
            Rule("astronomical", "outside", _OUTSIDE_TEXT, "Above UCL", "Below LCL"),
            Rule(
                "shift",
                "run",
                _SHIFT_TEXT,
                "Shift: {shift_length}+ points above CL",
                "Shift: {shift_length}+ points below CL",
            ),
            Rule("trend", "trend", _TREND_TEXT, "Trend (increasing)", "Trend (decreasing)"),
            Rule(
                "runs",
                "pattern",
                "in a phase with too few or too many runs",
                "Too few or many runs (above CL)",
                "Too few or many runs (below CL)",
            ),
        ),
        "the IHI run chart rules: a shift of 6 or more points on one side of the median, a "
        "trend of 5 or more points all going up or down, too few or too many runs, or an "
        "astronomical point outside the control limits.",
    ),
    "mdc": RuleSet(
        "mdc",
        "Making Data Count (NHS)",
        mdc_rules,
        RuleOptions(7, 7, "break", "break"),
        (
            Rule("outside", "outside", _OUTSIDE_TEXT, "Above UCL", "Below LCL"),
            Rule(
                "trend",
                "trend",
                _TREND_TEXT,
                "{trend_length} Point Trend (Increasing)",
                "{trend_length} Point Trend (Decreasing)",
            ),
            Rule(
                "two_in_three",
                "pattern",
                "two out of three points close to a limit (beyond 2 sigma)",
                "2 in 3 Above CL",
                "2 in 3 Below CL",
            ),
            Rule(
                "shift",
                "run",
                _SHIFT_TEXT,
                "{shift_length} Points Above CL",
                "{shift_length} Points Below CL",
            ),
        ),
        "NHS Making Data Count: a point outside the process limits, 7 points in a row rising or "
        "falling, 2 of 3 points close to a limit, or 7 points in a row on one side of the mean.",
    ),
    "western_electric": RuleSet(
        "western_electric",
        "Western Electric",
        western_electric_rules,
        RuleOptions(8, 6, "break", "skip"),
        (
            Rule("we1", "outside", _OUTSIDE_TEXT, "Above UCL", "Below LCL"),
            Rule(
                "we2",
                "pattern",
                "two out of three points beyond 2 sigma on one side",
                "2 of 3 beyond 2 sigma (high)",
                "2 of 3 beyond 2 sigma (low)",
            ),
            Rule(
                "we3",
                "pattern",
                "four out of five points beyond 1 sigma on one side",
                "4 of 5 beyond 1 sigma (high)",
                "4 of 5 beyond 1 sigma (low)",
            ),
            Rule(
                "we4",
                "run",
                "in a run of eight points on one side of the centre line",
                "{shift_length} in a row above CL",
                "{shift_length} in a row below CL",
            ),
        ),
        "the Western Electric rules: a point beyond 3 sigma, 2 of 3 beyond 2 sigma, 4 of 5 "
        "beyond 1 sigma on the same side, or 8 points in a row on one side of the centre line.",
    ),
}


def rule_columns(*kinds: str) -> frozenset[str]:
    """Result-frame columns, over every rule set, of the rules of ``kinds`` (e.g. every column
    meaning "outside the 3-sigma limits").

    >>> sorted(rule_columns("outside"))
    ['rule_astronomical', 'rule_outside', 'rule_sigma', 'rule_we1']
    """
    return frozenset(c for rs in RULES.values() for c in rs.columns(*kinds))


#: What each rule column means, in words a ward team would use (from every rule set's rules).
RULE_TEXT: dict[str, str] = {r.column: r.text for rs in RULES.values() for r in rs.rules}


def get_rule_set(name: str, **overrides: object) -> tuple[RuleSet, RuleOptions]:
    """Return the rule set ``name`` and its options with any non-None ``overrides`` applied."""
    try:
        rule_set = RULES[name]
    except (KeyError, TypeError):
        valid = ", ".join(RULES)
        raise SPCError(f"unknown rules {name!r}; valid rule sets are: {valid}") from None
    changes = {k: v for k, v in overrides.items() if v is not None}
    return rule_set, replace(rule_set.options, **changes).validated()


def __getattr__(name: str) -> object:
    # ``PRESETS`` was this dict's first name; ``RULES`` is the one to use.
    if name == "PRESETS":
        warnings.warn(
            "spc.engine.rules.PRESETS is deprecated; use RULES", DeprecationWarning, stacklevel=2
        )
        return RULES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


POINT_TYPES = (
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
)
IMPROVEMENT_DIRECTIONS = ("increase", "decrease", "neutral")


def classify(
    results: list[RuleResult], improvement: str | None
) -> tuple[np.ndarray, pd.Categorical, pd.Categorical]:
    """Combine rules in precedence order into ``(signal, special_cause_type, point_type)``.

    The first rule (in list order) that flags a point names it. Its direction, times +1 for
    ``increase`` or -1 for ``decrease``, makes it an improvement (>0) or a concern (<0); with
    ``neutral`` (or no direction) it is ``special_cause_neutral_high``/``_low``. The two labels
    are returned as pandas Categoricals (integer codes: fast and small for 100,000s of rows).
    """
    size = results[0].flag.size if results else 0
    labels = ["Common Cause"]
    for rule in results:
        labels += [rule.label_high, rule.label_low]
    label_code = np.zeros(size, dtype=np.int16)
    direction = np.zeros(size, dtype=np.int8)
    decided = np.zeros(size, dtype=bool)
    for k, rule in enumerate(results):
        new = rule.flag & ~decided
        high = rule.direction > 0
        label_code[new & high] = 1 + 2 * k
        label_code[new & ~high] = 2 + 2 * k
        direction[new] = np.where(high[new], 1, -1)
        decided |= new
    # Two rules may share a label text (e.g. "Above UCL"): map codes onto unique categories.
    unique_labels = list(dict.fromkeys(labels))
    remap = np.array([unique_labels.index(v) for v in labels], dtype=np.int16)
    cause = pd.Categorical.from_codes(remap[label_code], categories=unique_labels)
    type_code = np.zeros(size, dtype=np.int8)  # index into POINT_TYPES
    if improvement in ("increase", "decrease"):
        value = direction * (1 if improvement == "increase" else -1)
        type_code[value > 0] = 1
        type_code[value < 0] = 2
    else:
        type_code[decided & (direction > 0)] = 3
        type_code[decided & (direction < 0)] = 4
    point_type = pd.Categorical.from_codes(type_code, categories=list(POINT_TYPES))
    return decided, cause, point_type
