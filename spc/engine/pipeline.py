"""``spc.qic``: run and control charts for many wards at once, qicharts2-style.

The pipeline is: validate arguments and data -> aggregate to subgroups -> phases, baseline and
exclusions -> centre and limits (``spc.charts``) -> runs analysis (``spc.runs``) -> signal
rules (``spc.rules``) -> one tidy frame. Every step works on all facets and phases at once.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from spc.engine._segments import first_row_of_segment, group_starts, seg_nanmean
from spc.engine.limits import (
    CHARTS_NEEDING_N,
    CONTROL_CHARTS,
    COUNT_CHARTS,
    ChartInput,
    get_chart,
    segment_sizes,
)
from spc.engine.prepare import (
    AGG_FUNCTIONS,
    Subgroups,
    _rows_text,
    aggregate,
    check_not_negative,
    duplicated_subgroups,
    numeric_column,
    require_columns,
)
from spc.engine.rules import IMPROVEMENT_DIRECTIONS, RuleInput, classify, get_rule_set
from spc.engine.runs import RUNS_METHODS, runs_analysis
from spc.errors import SPCError, SPCWarning

#: Phases shorter than this many points have trial limits (NHSRplotthedots' threshold, 13).
SHORT_GROUP_THRESHOLD = 13
ZERO_N_MODES = ("missing", "qicharts2")

PartSpec = Sequence[Any] | Mapping[Any, Sequence[Any]] | str | None


@dataclass
class QICResult:
    """The result of :func:`qic`: a tidy frame plus the options it was computed with.

    ``data`` has one row per facet and x (columns documented in ``docs/result-frame.md``).
    """

    data: pd.DataFrame
    options: dict[str, Any] = field(default_factory=dict)
    _summary: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    @property
    def facets(self) -> list[str]:
        """The facet column names (empty list when there are none)."""
        return list(self.options.get("facet", []))

    def summary(self) -> pd.DataFrame:
        """One row per facet and part: centre, average limits, runs and signal counts.

        Includes ``variation_type`` (point type of the part's latest point) and
        ``assurance_type`` (only on each facet's last part, with a target and a direction).
        """
        if self._summary is None:
            self._summary = summarise(self)
        return self._summary.copy()

    def describe(self, **kwargs: Any) -> Any:
        """Plain-English reading of the chart for each facet (see ``spc.describe``)."""
        from spc.describe import describe

        return describe(self, **kwargs)

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Draw the chart with matplotlib and return the Axes (see ``spc.plotting.plot``)."""
        from spc.plotting import plot

        return plot(self, ax=ax, **kwargs)

    def _repr_html_(self) -> str:
        chart = self.options.get("chart", "")
        head = f"<p><b>safety-spc {chart} chart</b>: {len(self.data)} points</p>"
        return head + self.summary().to_html(index=False, na_rep="", float_format="{:.4g}".format)


def _as_list(value: Any) -> list[Any]:
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


def _facet_keys(sub: Subgroups, facets: Sequence[str]) -> np.ndarray:
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
    known = set(keys.tolist())
    out = {}
    for name in spec:
        if name not in known:
            sample = ", ".join(map(repr, sorted(known, key=str)[:8]))
            raise SPCError(
                f"{arg} names facet {name!r}, which is not in the data (facets: {sample})"
            )
        # elementwise, so a tuple key of two facets is not broadcast as an array
        out[name] = np.fromiter((k == name for k in keys), dtype=bool, count=keys.size)
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


def _phase_numbers(
    sub: Subgroups, part: PartSpec, facets: Sequence[str], keys: np.ndarray
) -> np.ndarray:
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
        new = np.zeros(size, dtype=bool)
        for name, rows in _per_facet(part, keys, "part").items():
            values = _normalise_x_values(_as_list(part[name]), sub.x, "part")
            new |= rows & _starts_from_values(sub.x, sub.facet_id, values, sub.categorical)
    else:
        values = _normalise_x_values(_as_list(part), sub.x, "part")
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


def _per_facet_values(
    value: Any, keys: np.ndarray, arg: str, default: float = np.nan
) -> np.ndarray:
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
        numbers keyed by facet value; qicharts2 ignores it when ``part`` is given; with
        ``rules="mdc"`` it applies within each phase (NHSRplotthedots' ``fix_after_n_points``).
    exclude : x values (or a dict by facet) left out of the calculations but still shown.
    multiply : multiplier for y, centre and limits (1000 for rates per 1,000 bed days).
    target : a number, or a dict of numbers keyed by facet value.
    cl : a fixed centre line instead of the computed one.
    method : runs analysis method: anhoej, bestbox or cutbox.
    agg : how several rows with the same x combine when there is no n: mean, median, sum, sd.
    y_neg : False clips negative lower limits to 0 when no y is negative.
    x_period : floor dates to week, month, quarter or year before aggregating.
    screen_mr : drop moving ranges above 3.267 x their average before estimating sigma.
    rules : signal rule set: anhoej, ihi, mdc or western_electric (see ``spc.rules``).
    improvement : increase, decrease or neutral: turns signals into improvement/concern.
    shift_length, trend_length, ties : override the rule set's preset (``spc.rules``).
    zero_n : a point with n = 0 is shown as missing with a warning (``"missing"``, default) or,
        as qicharts2 does, as an infinite rate whose count enters the centre (``"qicharts2"``).

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
    facets = _as_list(facet)
    part_column = part if isinstance(part, str) else None
    require_columns(
        data,
        {"x": x, "y": y, "n": n, "part": part_column}
        | {f"facet[{i}]": f for i, f in enumerate(facets)},
    )
    if chart in CHARTS_NEEDING_N and n is None:
        raise SPCError(f"a {chart} chart needs a denominator: pass n= (e.g. n='bed_days')")
    if data.empty:
        raise SPCError("data has no rows")
    for f in facets:
        empty = data[f].isna().to_numpy()
        if empty.any():
            raise SPCError(
                f"facet column {f!r} is empty at {_rows_text(data.index[empty])}; "
                "fill in the ward/team for every row."
            )

    y_values = numeric_column(data, y)
    n_values = numeric_column(data, n) if n is not None else None
    if chart in COUNT_CHARTS:
        check_not_negative(y_values, data, y, "counts")
    if n_values is not None:
        check_not_negative(n_values, data, n, "denominators")
    if chart in ("p", "pp") and n_values is not None:
        with np.errstate(invalid="ignore"):
            over = y_values > n_values
        if over.any():
            raise SPCError(
                f"column {y!r} is larger than {n!r} at {_rows_text(data.index[over])}; "
                "a proportion's numerator cannot exceed its denominator."
            )
    if chart == "t":
        with np.errstate(invalid="ignore"):
            bad = y_values <= 0
        if bad.any():
            raise SPCError(
                f"column {y!r} must be greater than zero for a t chart (time between events) "
                f"but is not at {_rows_text(data.index[bad])}."
            )
    if (rules == "mdc" and chart == "i") or chart in ("t", "g"):
        dup = duplicated_subgroups(data, x, facets)
        if len(dup):
            where = "ward/facet and x" if facets else "x"
            raise SPCError(
                f"duplicate rows found in {x!r}: each {where} must appear once "
                f"({_rows_text(dup)}); remove or combine the duplicates."
            )

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
    size = sub.x.size
    keys = _facet_keys(sub, facets)
    is_mdc = rules == "mdc"
    if part is not None and freeze is not None and not is_mdc:
        warnings.warn(
            "freeze is ignored when part is given (as in qicharts2); use rules='mdc' to fix "
            "limits within each phase",
            SPCWarning,
            stacklevel=2,
        )
        freeze = None
    part_no = _phase_numbers(sub, part, facets, keys)
    xx = _positions(sub.facet_id)
    seg_new = first_row_of_segment(sub.facet_id)
    seg_new[1:] |= part_no[1:] != part_no[:-1]
    seg = np.cumsum(seg_new) - 1
    nseg = int(seg[-1]) + 1
    position_in_part = _positions(seg)
    if freeze is None:
        baseline = np.ones(size, dtype=bool)
    else:
        limit = _per_facet_values(freeze, keys, "freeze")
        if isinstance(freeze, Mapping):
            limit[np.isnan(limit)] = np.inf  # facets not named keep every point as baseline
        baseline = (position_in_part if is_mdc else xx) <= limit

    include = np.ones(size, dtype=bool)
    if exclude is not None:
        if isinstance(exclude, Mapping):
            for name, rows in _per_facet(exclude, keys, "exclude").items():
                values = _normalise_x_values(_as_list(exclude[name]), sub.x, "exclude")
                include &= ~(rows & np.isin(sub.x, values))
        else:
            values = _normalise_x_values(_as_list(exclude), sub.x, "exclude")
            include &= ~np.isin(sub.x, values)
            unmatched = [v for v in values if not np.isin(v, sub.x)]
            if unmatched:
                warnings.warn(
                    f"exclude value(s) {', '.join(map(str, unmatched[:5]))} match no x value "
                    "and exclude nothing",
                    SPCWarning,
                    stacklevel=2,
                )

    y_work = sub.y.copy()
    y_sum = sub.y_sum.copy()
    if n is not None:
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
                    SPCWarning,
                    stacklevel=2,
                )

    chart_input = ChartInput(
        seg=seg,
        nseg=nseg,
        base=baseline & include,
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
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        limits = get_chart(chart)(chart_input)
    plotted = {
        name: getattr(limits, name) * multiply
        for name in (
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
    }
    for name in ("lcl", "ucl", "lcl_95", "ucl_95"):
        plotted[name][~np.isfinite(plotted[name])] = np.nan
    with np.errstate(invalid="ignore"):
        sigma_signal = (plotted["y"] > plotted["ucl"]) | (plotted["y"] < plotted["lcl"])
        if not y_neg and np.nanmin(plotted["y"]) >= 0:
            for name in ("lcl", "lcl_95"):
                plotted[name][plotted[name] < 0] = 0.0

    runs = runs_analysis(plotted["y"], plotted["cl"], include, seg, nseg, method)
    runs_allowed = not sub.categorical and chart != "mr"
    runs_signal = runs.runs_signal & runs_allowed

    rule_input = RuleInput(
        **plotted,
        include=include,
        seg=seg,
        nseg=nseg,
        runs=runs,
        runs_allowed=runs_allowed,
        method=method,
        sigma_signal=sigma_signal,
    )
    rule_results = rule_set.func(rule_input, rule_options)
    signal, cause, point_type = classify(rule_results, improvement)

    group_size = segment_sizes(seg, nseg)
    short = group_size[seg] < SHORT_GROUP_THRESHOLD
    if chart in CONTROL_CHARTS and short.any():
        n_short = int((group_size < SHORT_GROUP_THRESHOLD).sum())
        warnings.warn(
            f"{n_short} phase(s) have fewer than {SHORT_GROUP_THRESHOLD} points: their limits "
            "are trial limits, to be revised as data accumulate (short_group_warning column).",
            SPCWarning,
            stacklevel=2,
        )

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
        "target": _per_facet_values(target, keys, "target"),
        "part": part_no,
        "xx": xx,
        "baseline": baseline,
        "include": include,
        "n_obs": runs.n_obs[seg],
        "n_useful": runs.n_useful[seg],
        "longest_run": runs.longest_run[seg],
        "longest_run_max": runs.longest_run_max[seg],
        "n_crossings": runs.n_crossings[seg],
        "n_crossings_min": runs.n_crossings_min[seg],
        "runs_signal": runs_signal[seg],
        "sigma_signal": sigma_signal,
    }
    for result in rule_results:
        columns[f"rule_{result.name}"] = result.flag
    columns |= {
        "signal": signal,
        "special_cause_type": cause,
        "point_type": point_type,
        "short_group_warning": short,
    }
    frame = pd.DataFrame(columns)
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
    }
    return QICResult(frame, options)


def _assurance(latest: pd.DataFrame, improvement: str | None) -> pd.Series:
    """Making Data Count assurance from each facet's latest point and its limits."""
    out = pd.Series(pd.NA, index=latest.index, dtype="object")
    if improvement not in ("increase", "decrease"):
        return out
    target, lcl, ucl = latest["target"], latest["lcl"], latest["ucl"]
    above = target > ucl
    below = target < lcl
    out[:] = "inconsistent"
    good_if_above = "consistent_fail" if improvement == "increase" else "consistent_pass"
    good_if_below = "consistent_pass" if improvement == "increase" else "consistent_fail"
    out[above] = good_if_above
    out[below] = good_if_below
    return out


def summarise(res: QICResult) -> pd.DataFrame:
    """Summary of a :class:`QICResult`: one row per facet and part (see ``QICResult.summary``).

    Rows of ``res.data`` are contiguous per facet and part, so every statistic is a per-segment
    reduction with numpy (fast enough to call once per chart in a 40-team batch).
    """
    d = res.data
    facets = res.facets
    size = len(d)
    new = group_starts([d[key].to_numpy() for key in [*facets, "part"]])
    seg = np.cumsum(new) - 1
    nseg = int(seg[-1]) + 1 if size else 0
    first = np.flatnonzero(new)
    last = np.append(first[1:] - 1, size - 1) if size else first
    every = np.ones(size, dtype=bool)

    def col(name: str) -> np.ndarray:
        return d[name].to_numpy()

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(seg, weights=mask.astype(float), minlength=nseg).astype(np.int64)

    out = {k: col(k)[first] for k in facets}
    out |= {
        "part": col("part")[first],
        "n": np.bincount(seg, minlength=nseg),
        "n_obs": col("n_obs")[first],
        "n_useful": col("n_useful")[first],
        "longest_run": col("longest_run")[first],
        "longest_run_max": col("longest_run_max")[first],
        "n_crossings": col("n_crossings")[first],
        "n_crossings_min": col("n_crossings_min")[first],
        "runs_signal": col("runs_signal")[first],
    }
    for name, source in (
        ("a_lcl", "lcl"),
        ("a_lcl_95", "lcl_95"),
        ("cl", "cl"),
        ("a_ucl_95", "ucl_95"),
        ("a_ucl", "ucl"),
    ):
        out[name] = seg_nanmean(col(source).astype(float), seg, nseg, every)
    out["sigma_signal"] = count(col("sigma_signal"))
    for name in (c for c in d.columns if c.startswith("rule_")):
        out[name] = count(col(name))
    point_type = d["point_type"].astype(str).to_numpy()
    # common_cause counts every point that is not a special cause, as NHSRplotthedots does.
    out["common_cause"] = out["n"] - count(col("signal"))
    out["special_cause_improvement"] = count(point_type == "special_cause_improvement")
    out["special_cause_concern"] = count(point_type == "special_cause_concern")
    out["variation_type"] = point_type[last]
    assurance = np.full(nseg, None, dtype=object)
    if res.options.get("target") is not None and nseg:
        facet_last = np.ones(nseg, dtype=bool)  # the last part of each facet
        for key in facets:
            values = col(key)[first]
            facet_last[:-1] &= values[1:] == values[:-1]
        facet_last = ~facet_last
        facet_last[-1] = True
        latest = d.iloc[last[facet_last]]
        assurance[facet_last] = _assurance(latest, res.options.get("improvement")).to_numpy()
    out["assurance_type"] = pd.array(assurance, dtype="object")
    summary = pd.DataFrame(out)
    summary["assurance_type"] = summary["assurance_type"].where(
        summary["assurance_type"].notna(), pd.NA
    )
    return summary
