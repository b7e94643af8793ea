"""Signal rules: the pattern detectors of ``spc.engine.patterns`` combined per rule set, here
and only here.

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

import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from spc.engine._segments import seg_count
from spc.engine.limits import ChartLimits
from spc.engine.patterns import (
    k_of_m_points,
    runs_test_limits,
    shift_points,
    side_of_centre,
    trend_points,
    two_in_three_points,
)
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
    """One rule's verdict: ``flag`` per point, signal ``direction`` (+1/-1, 0 where unflagged)
    and the rule's ``kind`` (:data:`RULE_KINDS`)."""

    name: str
    flag: np.ndarray
    direction: np.ndarray
    label_high: str
    label_low: str
    kind: str = "outside"


# ----------------------------------------------------------------------------- building blocks


def number_of_runs_points(ri: RuleInput) -> np.ndarray:
    """IHI rule: useful points of a part with too few or too many runs (exact runs test)."""
    side = ri.runs.side
    useful = side != 0
    above = seg_count(ri.seg, ri.nseg, useful & (side > 0))
    below = seg_count(ri.seg, ri.nseg, useful & (side < 0))
    runs = ri.runs.n_crossings + 1
    signal = np.zeros(ri.nseg, dtype=bool)
    for s in np.flatnonzero(ri.runs.n_useful >= 10):
        low, high = runs_test_limits(int(above[s]), int(below[s]))
        signal[s] = runs[s] < low or runs[s] > high
    return useful & signal[ri.seg]


# ---------------------------------------------------------------------------------- rule sets

#: What kind of evidence a rule gives: a point beyond the limits (``outside``), a sustained run
#: on one side of the centre line (``run``: a long run, a shift), a sustained ``trend``, another
#: non-random ``pattern`` of a few points (2 of 3 near a limit, 4 of 5 beyond 1 sigma), or a
#: ``phase`` signal: too few crossings of the centre line, too few or too many runs. A phase
#: signal belongs to the whole phase (Anhøj & Olesen 2014): it says the phase is not one stable
#: process, not which way anything moved, so it never makes a point an improvement or a concern.
RULE_KINDS = ("outside", "run", "trend", "pattern", "phase")
#: Kinds whose flags are about single points (and carry a direction): all but ``phase``.
POINT_KINDS = ("outside", "run", "trend", "pattern")
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


def _shift_rule(
    ri: RuleInput, side: np.ndarray, opts: RuleOptions
) -> tuple[np.ndarray, np.ndarray]:
    """``shift_length`` included points in a row on one side of the centre line."""
    flag, _ = _on_included(
        ri,
        lambda idx: (
            shift_points(side[idx], ri.seg[idx], opts.shift_length, opts.ties, opts.missing),
            side[idx],
        ),
    )
    return flag, np.where(flag, side, 0.0)


def _trend_rule(
    ri: RuleInput, opts: RuleOptions, *, mdc_labels: bool
) -> tuple[np.ndarray, np.ndarray]:
    """``trend_length`` included points each higher (or lower) than the last."""
    return _on_included(
        ri,
        lambda idx: trend_points(
            ri.y[idx],
            ri.seg[idx],
            opts.trend_length,
            opts.ties,
            opts.missing,
            mdc_labels=mdc_labels,
        ),
    )


def anhoej_rules(ri: RuleInput, opts: RuleOptions) -> RuleFlags:
    """Anhøj: 3-sigma points, then unusually long runs, then too few crossings (qicharts2)."""
    side = ri.runs.side
    useful = side != 0
    allowed = ri.runs_allowed
    if ri.method == "anhoej":
        long_run = useful & (ri.runs.run_length > ri.runs.longest_run_max[ri.seg])
        with np.errstate(invalid="ignore"):
            few = useful & (ri.runs.n_crossings < ri.runs.n_crossings_min)[ri.seg]
    else:
        # Best and cut box judge crossings and the longest run jointly: one verdict about the
        # phase, so it is a phase signal and no point is marked as being in a long run.
        long_run = np.zeros(side.size, dtype=bool)
        few = useful & ri.runs.runs_signal[ri.seg]
    long_run &= allowed
    few &= allowed
    return {
        "sigma": _sigma_rule(ri),
        "long_run": (long_run, np.where(long_run, side, 0.0)),
        "few_crossings": (few, np.where(few, side, 0.0)),
    }


def ihi_rules(ri: RuleInput, opts: RuleOptions) -> RuleFlags:
    """IHI run-chart rules: astronomical point, shift, trend, too few or too many runs."""
    side = side_of_centre(ri.y, ri.cl)
    runs = number_of_runs_points(ri) & ri.runs_allowed
    return {
        "astronomical": _sigma_rule(ri),
        "shift": _shift_rule(ri, side, opts),
        "trend": _trend_rule(ri, opts, mdc_labels=False),
        "runs": (runs, np.where(runs, ri.runs.side, 0.0)),
    }


def mdc_rules(ri: RuleInput, opts: RuleOptions) -> RuleFlags:
    """NHS Making Data Count as NHSRplotthedots implements it.

    Precedence: outside the process limits > trend > 2 of 3 close to a limit > shift.
    """
    side = side_of_centre(ri.y, ri.cl)
    with np.errstate(invalid="ignore"):
        outside = (ri.y > ri.ucl) | (ri.y < ri.lcl)
        close = ~outside & ((ri.y < ri.lcl_95) | (ri.y > ri.ucl_95))
    outside_dir = np.where(outside, np.where(side == 1, 1.0, -1.0), 0.0)
    two3 = _on_included(ri, lambda idx: two_in_three_points(side[idx], close[idx], ri.seg[idx]))
    return {
        "outside": (outside, outside_dir),
        "trend": _trend_rule(ri, opts, mdc_labels=True),
        "two_in_three": two3,
        "shift": _shift_rule(ri, side, opts),
    }


def western_electric_rules(ri: RuleInput, opts: RuleOptions) -> RuleFlags:
    """Western Electric: 1 beyond 3 sigma; 2 of 3 beyond 2 sigma; 4 of 5 beyond 1 sigma (same
    side); ``shift_length`` (8) in a row on one side of the centre line."""
    side = side_of_centre(ri.y, ri.cl)

    def zones(
        idx: np.ndarray, lo: np.ndarray, hi: np.ndarray, k: int, m: int
    ) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(invalid="ignore"):
            return k_of_m_points(ri.y[idx] > hi[idx], ri.y[idx] < lo[idx], ri.seg[idx], k, m)

    return {
        "we1": _sigma_rule(ri),
        "we2": _on_included(ri, lambda idx: zones(idx, ri.zone2_lo, ri.zone2_hi, 2, 3)),
        "we3": _on_included(ri, lambda idx: zones(idx, ri.zone1_lo, ri.zone1_hi, 4, 5)),
        "we4": _shift_rule(ri, side, opts),
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
                r.kind,
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
                "phase",
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
                "phase",
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
#: The verdicts a phase (and a chart's latest point) can have: a point type, or one of two
#: phase-level verdicts that are neither improvement nor concern: ``unstable`` (a phase signal
#: such as too few crossings, and no point signal at the latest point) and ``too_few_events``
#: (a chart of counts with under about one event per subgroup, where run rules mislead).
VARIATION_TYPES = (*POINT_TYPES, "unstable", "too_few_events")
IMPROVEMENT_DIRECTIONS = ("increase", "decrease", "neutral")


def classify(
    results: list[RuleResult], improvement: str | None
) -> tuple[np.ndarray, pd.Categorical, pd.Categorical, np.ndarray]:
    """Combine rules in precedence order into ``(signal, special_cause_type, point_type,
    phase_signal)``.

    Only point rules (kinds in :data:`POINT_KINDS`) name points: the first of them (in list
    order) that flags a point names it. Its direction, times +1 for ``increase`` or -1 for
    ``decrease``, makes it an improvement (>0) or a concern (<0); with ``neutral`` (or no
    direction) it is ``special_cause_neutral_high``/``_low``. A ``phase`` rule (too few
    crossings, too few or many runs) never names a point: its flags come back as
    ``phase_signal``, for the phase to be shown and read as a whole. The two labels are pandas
    Categoricals (integer codes: fast and small for 100,000s of rows).
    """
    size = results[0].flag.size if results else 0
    labels = ["Common Cause"]
    for rule in results:
        labels += [rule.label_high, rule.label_low]
    label_code = np.zeros(size, dtype=np.int16)
    direction = np.zeros(size, dtype=np.int8)
    decided = np.zeros(size, dtype=bool)
    phase_signal = np.zeros(size, dtype=bool)
    for k, rule in enumerate(results):
        if rule.kind not in POINT_KINDS:
            phase_signal |= rule.flag
            continue
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
    return decided, cause, point_type, phase_signal
