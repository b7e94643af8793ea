"""``spc.qic``: run and control charts for many wards at once, qicharts2-style.

The pipeline is a row of named steps, each over every facet and phase at once:

1. :func:`_check_data`: arguments, columns and values, every message naming the column and rows;
2. ``prepare.aggregate``: one row per facet and subgroup;
3. ``phases.segments``: phases (parts), baseline points and the facet x part segments;
4. ``phases.included``: exclusions; :func:`_zero_denominators`: points with ``n = 0``;
5. :func:`_limits`: centre and limits from the chart's function (``spc.engine.limits``), on
   the plotted scale;
6. :func:`_signals`: runs analysis (``spc.engine.runs``) and the rule set (``spc.engine.rules``);
7. :func:`_short_phases`, :func:`_frame`: trial limits and the tidy result frame.

The result is a :class:`~spc.engine.result.QICResult`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from spc.chart_types import ChartType, chart_type
from spc.engine.change import change_z, too_few_events
from spc.engine.limits import ChartInput, ChartLimits, get_chart, segment_sizes
from spc.engine.phases import (
    JudgeSpec,
    PartSpec,
    Segments,
    as_list,
    facet_keys,
    included,
    per_facet_values,
    segments,
)
from spc.engine.prepare import (
    AGG_FUNCTIONS,
    Subgroups,
    aggregate,
    check_not_negative,
    duplicated_subgroups,
    numeric_column,
    require_columns,
    rows_text,
)
from spc.engine.result import QICResult
from spc.engine.rules import (
    IMPROVEMENT_DIRECTIONS,
    RuleInput,
    RuleOptions,
    RuleResult,
    RuleSet,
    classify,
    get_rule_set,
)
from spc.engine.runs import RUNS_METHODS, RunsAnalysis, longest_run_max, runs_analysis
from spc.errors import DataWarning, SPCError, TrialLimitsWarning

__all__ = ["SHORT_GROUP_THRESHOLD", "ZERO_N_MODES", "qic"]

#: Phases shorter than this many points have trial limits (NHSRplotthedots' threshold, 13).
SHORT_GROUP_THRESHOLD = 13
ZERO_N_MODES = ("missing", "qicharts2")
#: The lines of a chart, scaled by ``multiply`` (``ChartLimits`` fields).
LINES = (
    "y",
    "cl",
    "lcl",
    "ucl",
    "lcl_95",
    "ucl_95",
    "zone1_lo",
    "zone1_hi",
    "zone2_lo",
    "zone2_hi",
)

# Warnings raised in a step called by qic() point at qic's caller.
_CALLER = 3


def _validate_options(
    chart: str,
    rules: str,
    method: str,
    agg: str,
    improvement: str | None,
    multiply: float,
    freeze: int | Mapping[Any, int] | None,
    zero_n: str,
) -> None:
    get_chart(chart)
    if method not in RUNS_METHODS:
        raise SPCError(f"method must be one of {', '.join(RUNS_METHODS)} (got {method!r})")
    if agg not in AGG_FUNCTIONS:
        raise SPCError(f"agg must be one of {', '.join(AGG_FUNCTIONS)} (got {agg!r})")
    if improvement is not None and improvement not in IMPROVEMENT_DIRECTIONS:
        raise SPCError(
            f"improvement must be one of {', '.join(IMPROVEMENT_DIRECTIONS)} or None "
            f"(got {improvement!r})"
        )
    if not isinstance(multiply, int | float) or not np.isfinite(multiply) or multiply <= 0:
        raise SPCError(f"multiply must be a positive number (got {multiply!r})")
    for value in freeze.values() if isinstance(freeze, Mapping) else [freeze]:
        if value is not None and (not isinstance(value, int | np.integer) or value < 1):
            raise SPCError(
                f"freeze must be a whole number of baseline points >= 1, or a dict of them by "
                f"facet (got {value!r})"
            )
    if zero_n not in ZERO_N_MODES:
        raise SPCError(f"zero_n must be one of {', '.join(ZERO_N_MODES)} (got {zero_n!r})")


def qic(
    data: pd.DataFrame,
    x: str,
    y: str,
    n: str | None = None,
    chart: str = "run",
    facet: str | Sequence[str] | None = None,
    part: PartSpec = None,
    freeze: int | Mapping[Any, int] | None = None,
    exclude: Sequence[Any] | Mapping[Any, Sequence[Any]] | None = None,
    multiply: float = 1,
    target: float | Mapping[Any, float] | None = None,
    cl: float | None = None,
    method: str = "anhoej",
    agg: str = "mean",
    y_neg: bool = True,
    x_period: str | None = None,
    screen_mr: bool = True,
    rules: str = "anhoej",
    improvement: str | None = None,
    *,
    shift_length: int | None = None,
    trend_length: int | None = None,
    ties: str | None = None,
    zero_n: str = "missing",
    judge_from: JudgeSpec = None,
    min_events: float | None = None,
) -> QICResult:
    """Compute a run or control chart for every facet (ward, team) at once.

    Parameters
    ----------
    data : DataFrame with one row per observation (or per subgroup).
    x, y, n : column names of the subgroup (date, number or label), the value (count or
        measurement) and the optional denominator (bed days, admissions, patients).
    chart : one of run, i, ip, mr, xbar, s, t, p, pp, c, u, up, g.
    facet : column name (or list of names) to compute separately, e.g. ``"ward"``.
    part : x values at which a new phase starts (a phase starts at the first subgroup on or
        after each value), a dict of such lists keyed by facet value, or the name of a column
        whose changes start a new phase.
    freeze : number of baseline points (per facet) for centre and limits, or a dict of such
        numbers keyed by facet value. With phases it counts within each phase, as
        NHSRplotthedots' ``fix_after_n_points`` does (qicharts2 ignores it when ``part`` is
        given: leave it out to reproduce that). The runs analysis spans the whole phase.
    exclude : x values (or a dict by facet) left out of the calculations but still shown.
    multiply : multiplier for y, centre and limits (1000 for rates per 1,000 bed days).
    target : a number, or a dict of numbers keyed by facet value.
    cl : a fixed centre line instead of the computed one.
    method : runs analysis method: anhoej, bestbox or cutbox.
    agg : how several rows with the same x combine when there is no n: mean, median, sum, sd.
    y_neg : False clips negative lower limits to 0 when no y is negative.
    x_period : floor dates to week, month, quarter or year before aggregating.
    screen_mr : drop moving ranges above 3.267 x their average before estimating sigma.
    rules : signal rule set: anhoej, ihi, mdc or western_electric (see ``spc.engine.rules``).
    improvement : increase, decrease or neutral: turns signals into improvement/concern.
    shift_length, trend_length, ties : override the rule set's defaults (``spc.engine.rules``).
    zero_n : a point with n = 0 is shown as missing with a warning (``"missing"``, default) or,
        as qicharts2 does, as an infinite rate whose count enters the centre (``"qicharts2"``).
    judge_from : an x value (or a dict of them by facet) from which the points of its phase are
        judged against a baseline made of the phase's earlier points: centre and limits come
        from the points before it and are extended; runs and rules restart there, the run
        limit counting the baseline's points too (as with ``freeze``), and the ``change_z``
        column says how far the points since lie from the baseline (``spc.engine.change``).
        Phase signals (too few crossings, too few runs) are not judged against a baseline.
        Not in qicharts2 or NHSRplotthedots; not with ``freeze``.
    min_events : for count, rate and proportion charts, segments whose baseline averages fewer
        events than this per subgroup (for proportions, the rarer of events and non-events),
        and T and G charts with fewer than 10 events, are marked ``too_few_events``: only points
        outside the limits signal there, as runs of zero months mislead. None (default, as the
        R packages) applies every rule everywhere.

    Returns
    -------
    QICResult with ``.data`` (one row per facet and x) and ``.summary()``.

    Example
    -------
    >>> import pandas as pd, spc
    >>> df = pd.DataFrame({"month": pd.date_range("2024-01-01", periods=24, freq="MS"),
    ...                    "falls": [5, 7, 4, 6, 8, 5, 6, 4, 7, 5, 6, 9] * 2,
    ...                    "bed_days": [800] * 24})
    >>> res = spc.qic(df, x="month", y="falls", n="bed_days", chart="u", multiply=1000)
    >>> float(round(res.data["cl"].iloc[0], 3))
    7.5
    """
    if not isinstance(data, pd.DataFrame):
        raise SPCError(f"data must be a pandas DataFrame (got {type(data).__name__})")
    _validate_options(chart, rules, method, agg, improvement, multiply, freeze, zero_n)
    rule_set, rule_options = get_rule_set(
        rules,
        shift_length=shift_length,
        trend_length=trend_length,
        ties=ties,
    )
    kind = chart_type(chart)
    facets = as_list(facet)
    part_column = part if isinstance(part, str) else None
    y_values, n_values = _check_data(data, x, y, n, kind, facets, part_column, rules)
    sub = aggregate(
        data,
        x=x,
        y_values=y_values,
        n_values=n_values,
        facets=facets,
        agg=agg,
        x_period=x_period,
        part_column=part_column,
    )
    keys = facet_keys(sub, facets)
    is_mdc = rules == "mdc"
    if judge_from is not None and freeze is not None:
        raise SPCError(
            "give either freeze (a number of baseline points) or judge_from (the x from which "
            "points are judged against the baseline before it), not both"
        )
    seg = segments(sub, part, freeze, keys, judge_from)
    include = included(sub, exclude, keys)
    y_work, y_sum = _zero_denominators(sub, y, n, zero_n)
    chart_input = ChartInput(
        seg=seg.seg,
        nseg=seg.nseg,
        base=seg.baseline & include,
        y=y_work,
        n=sub.n,
        y_sum=y_sum,
        y_length=sub.y_length,
        y_mean=sub.y_mean,
        y_sd=sub.y_sd,
        has_n=n is not None,
        fixed_cl=cl,
        screen=screen_mr,
        categorical=sub.categorical,
        mdc=is_mdc,
    )
    plotted, sigma_signal = _limits(chart, chart_input, multiply, y_neg)
    rare = too_few_events(kind, y_sum, sub.n, seg.seg, seg.nseg, seg.baseline & include, min_events)
    runs_allowed = (not sub.categorical and kind.runs_rules) & ~rare
    runs, rule_results = _signals(
        plotted, sigma_signal, include, seg, runs_allowed, method, rule_set, rule_options
    )
    short = _short_phases(kind, seg)
    z = change_z(
        kind, plotted["y"], plotted["cl"], plotted["zone1_hi"], multiply, seg.seg, seg.nseg,
        seg.baseline, seg.judged, include,
    )  # fmt: skip
    frame = _frame(
        sub, facets, plotted, sigma_signal, seg, include, runs, runs_allowed, rule_results,
        improvement, short, per_facet_values(target, keys, "target"), rare, z,
    )  # fmt: skip
    options = {
        "x": x,
        "y": y,
        "n": n,
        "chart": chart,
        "facet": facets,
        "part": part,
        "freeze": freeze,
        "exclude": exclude,
        "multiply": multiply,
        "target": target,
        "cl": cl,
        "method": method,
        "agg": agg,
        "y_neg": y_neg,
        "x_period": x_period,
        "screen_mr": screen_mr,
        "rules": rules,
        "improvement": improvement,
        "rule_options": rule_options,
        "rule_names": [r.name for r in rule_results],
        "zero_n": zero_n,
        "judge_from": judge_from,
        "min_events": min_events,
    }
    return QICResult(frame, options)


# ---------------------------------------------------------------------------- 1. the data


def _check_data(
    data: pd.DataFrame,
    x: str,
    y: str,
    n: str | None,
    kind: ChartType,
    facets: list[str],
    part_column: str | None,
    rules: str,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Check the columns and values for this chart; return y and n as float arrays."""
    require_columns(
        data,
        {"x": x, "y": y, "n": n, "part": part_column}
        | {f"facet[{i}]": f for i, f in enumerate(facets)},
    )
    chart = kind.name
    if kind.needs_n and n is None:
        raise SPCError(f"a {chart} chart needs a denominator: pass n= (e.g. n='bed_days')")
    if data.empty:
        raise SPCError("data has no rows")
    for f in facets:
        empty = data[f].isna().to_numpy()
        if empty.any():
            raise SPCError(
                f"facet column {f!r} is empty at {rows_text(data.index[empty])}; "
                "fill in the ward/team for every row."
            )
    y_values = numeric_column(data, y)
    n_values = numeric_column(data, n) if n is not None else None
    if kind.negative_y_is_error:
        check_not_negative(y_values, data, y, "counts")
    if n_values is not None:
        check_not_negative(n_values, data, n, "denominators")
    if kind.kind == "proportion" and n_values is not None:
        with np.errstate(invalid="ignore"):
            over = y_values > n_values
        if over.any():
            raise SPCError(
                f"column {y!r} is larger than {n!r} at {rows_text(data.index[over])}; "
                "a proportion's numerator cannot exceed its denominator."
            )
    if kind.y_must_be_positive:
        with np.errstate(invalid="ignore"):
            bad = y_values <= 0
        if bad.any():
            title = kind.title[:1].lower() + kind.title[1:]  # "t chart (time between events)"
            raise SPCError(
                f"column {y!r} must be greater than zero for a {title} "
                f"but is not at {rows_text(data.index[bad])}."
            )
    # NHSRplotthedots' I chart, like any chart of single events, needs one row per x.
    if (rules == "mdc" and chart == "i") or kind.one_point_per_event:
        dup = duplicated_subgroups(data, x, facets)
        if len(dup):
            where = "ward/facet and x" if facets else "x"
            raise SPCError(
                f"duplicate rows found in {x!r}: each {where} must appear once "
                f"({rows_text(dup)}); remove or combine the duplicates."
            )
    return y_values, n_values


# --------------------------------------------------------- 4. zero denominators


def _zero_denominators(
    sub: Subgroups, y: str, n: str | None, zero_n: str
) -> tuple[np.ndarray, np.ndarray]:
    """y and the subgroup sums with points of ``n = 0`` made missing (``zero_n="missing"``) or
    kept as infinite rates (``"qicharts2"``); a warning names the points with a count."""
    y_work = sub.y.copy()
    y_sum = sub.y_sum.copy()
    if n is None:
        return y_work, y_sum
    zero = sub.n == 0
    if zero.any():
        positive = zero & (np.nan_to_num(sub.y_sum) > 0)
        if zero_n == "missing":
            y_work[zero] = np.nan
            y_sum[positive] = np.nan
        if positive.any():
            labels = ", ".join(str(v) for v in sub.x[positive][:5])
            warnings.warn(
                f"{int(positive.sum())} point(s) have a count in {y!r} but {n!r} = 0 "
                f"(x = {labels}); "
                + (
                    "they are shown as missing and left out of the centre line."
                    if zero_n == "missing"
                    else "they are infinite rates (qicharts2)."
                ),
                DataWarning,
                stacklevel=_CALLER,
            )
    return y_work, y_sum


# ------------------------------------------------------------------------ 5. centre, limits


def _limits(
    chart: str, chart_input: ChartInput, multiply: float, y_neg: bool
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The chart's lines on the plotted scale (times ``multiply``, infinite limits missing)
    and which points lie outside the 3-sigma limits."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        limits: ChartLimits = get_chart(chart)(chart_input)
    plotted = {name: getattr(limits, name) * multiply for name in LINES}
    for name in ("lcl", "ucl", "lcl_95", "ucl_95"):
        plotted[name][~np.isfinite(plotted[name])] = np.nan
    with np.errstate(invalid="ignore"):
        sigma_signal = (plotted["y"] > plotted["ucl"]) | (plotted["y"] < plotted["lcl"])
        if not y_neg and np.nanmin(plotted["y"]) >= 0:
            for name in ("lcl", "lcl_95"):
                plotted[name][plotted[name] < 0] = 0.0
    return plotted, sigma_signal


# ----------------------------------------------------------------------------- 6. signals


def _signals(
    plotted: dict[str, np.ndarray],
    sigma_signal: np.ndarray,
    include: np.ndarray,
    seg: Segments,
    runs_allowed: np.ndarray,
    method: str,
    rule_set: RuleSet,
    rule_options: RuleOptions,
) -> tuple[RunsAnalysis, list[RuleResult]]:
    """The runs analysis around the centre line, then every rule of the rule set, on each
    stretch judged on its own (``seg.rule_seg``).

    Where ``runs_allowed`` is False (a funnel's categories, the moving range chart, too few
    events) only points outside the limits signal. Points judged against a baseline have the
    run limit of the whole phase (baseline and judged points, as ``freeze`` gives) and no phase
    signal: the crossings of a centre line taken from other points say nothing about the
    judged points' own stability.
    """
    rs, nrs = seg.rule_seg, seg.nrule_seg
    runs = runs_analysis(plotted["y"], plotted["cl"], include, rs, nrs, method)
    if seg.judged.any():
        _judged_run_limits(runs, seg)
    rule_input = RuleInput(
        **plotted,
        include=include,
        seg=rs,
        nseg=nrs,
        runs=runs,
        runs_allowed=runs_allowed,
        method=method,
        sigma_signal=sigma_signal,
    )
    results = rule_set.apply(rule_input, rule_options)
    for r in results:
        if r.kind == "phase":
            r.flag &= runs_allowed & ~seg.judged
        elif r.kind != "outside":
            r.flag &= runs_allowed
        r.direction = np.where(r.flag, r.direction, 0.0)
    return runs, results


def _judged_run_limits(runs: RunsAnalysis, seg: Segments) -> None:
    """Run limits of judged stretches from the useful points of their whole phase."""
    first = np.flatnonzero(np.r_[True, seg.rule_seg[1:] != seg.rule_seg[:-1]])
    phase_of = seg.seg[first]
    judged = seg.judged[first]
    phase_useful = np.bincount(phase_of, weights=runs.n_useful, minlength=seg.nseg)
    limit = longest_run_max(phase_useful[phase_of])
    runs.longest_run_max = np.where(judged, limit, runs.longest_run_max)
    runs.n_crossings_min = np.where(judged, np.nan, runs.n_crossings_min)
    with np.errstate(invalid="ignore"):
        runs.runs_signal = np.where(
            judged, runs.longest_run > runs.longest_run_max, runs.runs_signal
        )


# ------------------------------------------------------------------------ 7. result frame


def _short_phases(kind: ChartType, seg: Segments) -> np.ndarray:
    """True for points of a phase shorter than :data:`SHORT_GROUP_THRESHOLD` (a warning says
    how many phases have trial limits)."""
    group_size = segment_sizes(seg.seg, seg.nseg)
    short = group_size[seg.seg] < SHORT_GROUP_THRESHOLD
    if kind.has_limits and short.any():
        n_short = int((group_size < SHORT_GROUP_THRESHOLD).sum())
        warnings.warn(
            f"{n_short} phase(s) have fewer than {SHORT_GROUP_THRESHOLD} points: their limits "
            "are trial limits, to be revised as data accumulate (short_group_warning column).",
            TrialLimitsWarning,
            stacklevel=_CALLER,
        )
    return short


def _frame(
    sub: Subgroups,
    facets: list[str],
    plotted: dict[str, np.ndarray],
    sigma_signal: np.ndarray,
    seg: Segments,
    include: np.ndarray,
    runs: RunsAnalysis,
    runs_allowed: np.ndarray,
    rule_results: list[RuleResult],
    improvement: str | None,
    short: np.ndarray,
    target: np.ndarray,
    rare: np.ndarray,
    z: np.ndarray,
) -> pd.DataFrame:
    """The tidy result frame (columns in ``docs/result-frame.md`` order)."""
    s = seg.rule_seg
    signal, cause, point_type, phase_flags = classify(rule_results, improvement)
    # a phase signal belongs to every point of the stretch it was found in
    phase_signal = (np.bincount(s, weights=phase_flags.astype(float), minlength=seg.nrule_seg) > 0)[
        s
    ]
    columns: dict[str, Any] = {f: sub.facet_values[f] for f in facets}
    columns |= {
        "x": sub.x,
        "y_sum": sub.y_sum,
        "y_length": sub.y_length,
        "y_mean": sub.y_mean,
        "y_sd": sub.y_sd,
        "n": sub.n,
        "y": plotted["y"],
        "cl": plotted["cl"],
        "lcl": plotted["lcl"],
        "ucl": plotted["ucl"],
        "lcl_95": plotted["lcl_95"],
        "ucl_95": plotted["ucl_95"],
        "target": target,
        "part": seg.part_no,
        "xx": seg.xx,
        "baseline": seg.baseline,
        "include": include,
        "n_obs": runs.n_obs[s],
        "n_useful": runs.n_useful[s],
        "longest_run": runs.longest_run[s],
        "longest_run_max": runs.longest_run_max[s],
        "n_crossings": runs.n_crossings[s],
        "n_crossings_min": runs.n_crossings_min[s],
        "runs_signal": runs.runs_signal[s] & runs_allowed,
        "sigma_signal": sigma_signal,
    }
    for result in rule_results:
        columns[f"rule_{result.name}"] = result.flag
    columns |= {
        "signal": signal,
        "special_cause_type": cause,
        "point_type": point_type,
        "short_group_warning": short,
        "judged": seg.judged,
        "change_z": z,
        "phase_signal": phase_signal,
        "too_few_events": rare,
    }
    return pd.DataFrame(columns)
