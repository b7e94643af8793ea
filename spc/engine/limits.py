"""Centre lines and control limits, one function per chart type, picked from :data:`CHARTS`.

Each function takes a :class:`ChartInput` (arrays over every facet x part at once, see
``spc.engine._segments``) and returns :class:`ChartLimits` on the chart's own scale, before
``multiply``. Formulas follow qicharts2 0.8.1 (``R/helper.functions.R``) exactly, including its
rounded textbook constants, and cite their source. ``rules="mdc"`` switches the I chart to
NHS Making Data Count's constants (mean +/- 2.66 average moving range).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from spc.chart_types import CHART_TYPES, chart_type
from spc.engine._segments import (
    average_moving_range,
    consecutive_diffs,
    first_row_of_segment,
    seg_count,
    seg_nanmean,
    seg_nanmedian,
    seg_sample_sd,
    seg_sum,
)

D2 = 1.128  # bias correction for moving ranges of two (Montgomery, Table VI)
D4 = 3.267  # upper limit factor for moving ranges of two
MDC_LIMIT = 2.66  # Making Data Count: 3 / 1.128, rounded as NHSRplotthedots does
MDC_NEAR = 2 * (MDC_LIMIT / 3)  # 2-sigma "near" limits, written as NHSRplotthedots does
T_POWER = 3.6  # Nelson's transformation of exponential times between events


@dataclass
class ChartInput:
    """Per-subgroup arrays for one chart computation (all rows of all facets and parts).

    ``seg`` labels each facet x part (contiguous, sorted); ``base`` marks points used for the
    centre line and sigma (baseline and not excluded). ``n`` is NaN when the chart has no
    denominator. ``fixed_cl`` is the user's ``cl=`` or None. ``categorical`` is True when x is
    a category (funnel-style charts), ``mdc`` when Making Data Count constants are wanted.
    """

    seg: np.ndarray
    nseg: int
    base: np.ndarray
    y: np.ndarray
    n: np.ndarray
    y_sum: np.ndarray
    y_length: np.ndarray
    y_mean: np.ndarray
    y_sd: np.ndarray
    has_n: bool
    fixed_cl: float | None
    screen: bool
    categorical: bool
    mdc: bool = False


@dataclass
class ChartLimits:
    """Output of a chart function, on the chart's scale before ``multiply``.

    ``y`` is the plotted value (the chart may replace the input y: C uses the sum, S the SD,
    MR the moving range). ``zone1``/``zone2`` are the unclipped 1- and 2-sigma bands used by
    the Western Electric rules (NaN for charts without sigma).
    """

    y: np.ndarray
    cl: np.ndarray
    lcl: np.ndarray
    ucl: np.ndarray
    lcl_95: np.ndarray
    ucl_95: np.ndarray
    zone1_lo: np.ndarray
    zone1_hi: np.ndarray
    zone2_lo: np.ndarray
    zone2_hi: np.ndarray


def _nan(size: int) -> np.ndarray:
    return np.full(size, np.nan)


def _centre(ci: ChartInput, computed: Callable[[], np.ndarray]) -> np.ndarray:
    """Per-segment centre: the user's fixed ``cl`` if given, otherwise ``computed()``."""
    if ci.fixed_cl is not None:
        return np.full(ci.nseg, float(ci.fixed_cl))
    return computed()


def _symmetric(y: np.ndarray, cl: np.ndarray, sigma: np.ndarray) -> ChartLimits:
    """Limits cl +/- 3 sigma and cl +/- 2 sigma, with 1- and 2-sigma zones."""
    return ChartLimits(
        y=y,
        cl=cl,
        lcl=cl - 3 * sigma,
        ucl=cl + 3 * sigma,
        lcl_95=cl - 2 * sigma,
        ucl_95=cl + 2 * sigma,
        zone1_lo=cl - sigma,
        zone1_hi=cl + sigma,
        zone2_lo=cl - 2 * sigma,
        zone2_hi=cl + 2 * sigma,
    )


def _clip_low(limits: ChartLimits, low: float = 0.0) -> ChartLimits:
    """Clip finite lower limits at ``low`` (counts and rates cannot be negative)."""
    for name in ("lcl", "lcl_95"):
        values = getattr(limits, name)
        with np.errstate(invalid="ignore"):
            values[np.isfinite(values) & (values < low)] = low
    return limits


def _clip_high(limits: ChartLimits, high: float = 1.0) -> ChartLimits:
    """Clip finite upper limits at ``high`` (a proportion cannot exceed 1)."""
    for name in ("ucl", "ucl_95"):
        values = getattr(limits, name)
        with np.errstate(invalid="ignore"):
            values[np.isfinite(values) & (values > high)] = high
    return limits


def run_limits(ci: ChartInput) -> ChartLimits:
    """Run chart: centre = median of the baseline points; no limits."""
    cl = _centre(ci, lambda: seg_nanmedian(ci.y, ci.seg, ci.nseg, ci.base))[ci.seg]
    size = ci.y.size
    return ChartLimits(ci.y, cl, *(_nan(size) for _ in range(8)))


def i_limits(ci: ChartInput) -> ChartLimits:
    """I chart (individuals): cl = mean, sigma = average moving range / d2 (Montgomery 6.33).

    Moving ranges are taken between consecutive baseline points (an excluded point is bridged,
    a missing one breaks the pair) and screened for outliers when ``screen`` is set.
    With ``mdc`` the Making Data Count constants are used: mean +/- 2.66 AMR and near limits
    mean +/- 1.7733 AMR.
    """
    cl_seg = _centre(ci, lambda: seg_nanmean(ci.y, ci.seg, ci.nseg, ci.base))
    amr = average_moving_range(ci.y, ci.seg, ci.nseg, ci.base, screen=ci.screen)[ci.seg]
    cl = cl_seg[ci.seg]
    if ci.mdc:
        sigma = amr * MDC_LIMIT / 3
        out = _symmetric(ci.y, cl, sigma)
        out.lcl, out.ucl = cl - MDC_LIMIT * amr, cl + MDC_LIMIT * amr
        out.lcl_95, out.ucl_95 = cl - MDC_NEAR * amr, cl + MDC_NEAR * amr
        return out
    return _symmetric(ci.y, cl, amr / D2)


def mr_limits(ci: ChartInput) -> ChartLimits:
    """Moving-range chart: y = |y_i - y_(i-1)| within each part; ucl = D4 * mean MR.

    Moving ranges use every point of the part (the first point of each part has none);
    only baseline points enter the centre line, and there is no screening (qicharts2 qic.mr).
    """
    mr = np.full(ci.y.size, np.nan)
    all_rows = np.ones(ci.y.size, dtype=bool)
    diffs, _, later = consecutive_diffs(ci.y, ci.seg, all_rows)
    mr[later] = diffs
    cl = _centre(ci, lambda: seg_nanmean(mr, ci.seg, ci.nseg, ci.base))[ci.seg]
    zeros = np.zeros(ci.y.size)
    return ChartLimits(
        y=mr,
        cl=cl,
        lcl=zeros.copy(),
        ucl=D4 * cl,
        lcl_95=zeros.copy(),
        ucl_95=(D4 / 3) * 2 * cl,
        zone1_lo=_nan(mr.size),
        zone1_hi=_nan(mr.size),
        zone2_lo=_nan(mr.size),
        zone2_hi=_nan(mr.size),
    )


def _lgamma(values: np.ndarray) -> np.ndarray:
    # Few distinct subgroup sizes: evaluate math.lgamma on the unique values only.
    uniq, inverse = np.unique(values, return_inverse=True)
    return np.array([math.lgamma(v) for v in uniq])[inverse].reshape(values.shape)


def c4(size: np.ndarray) -> np.ndarray:
    """Exact bias constant c4(n) = sqrt(2/(n-1)) * Gamma(n/2) / Gamma((n-1)/2); NaN for n <= 1."""
    size = np.where(size > 1, size, np.nan).astype(float)
    safe = np.where(np.isnan(size), 2.0, size)
    value = np.sqrt(2 / (safe - 1)) * np.exp(_lgamma(safe / 2) - _lgamma((safe - 1) / 2))
    return np.where(np.isnan(size), np.nan, value)


def _pooled_sd(ci: ChartInput) -> np.ndarray:
    """Per-segment sigma estimate for Xbar and S charts (Montgomery 6.29 / 6.31).

    Pooled SD when subgroup sizes vary anywhere in the part (baseline or not), otherwise the
    mean of the subgroup SDs, as qicharts2 decides it.
    """
    seg, nseg, base = ci.seg, ci.nseg, ci.base
    every = np.ones(seg.size, dtype=bool)
    # Sizes vary when the per-segment minimum and maximum differ.
    size_min = np.full(nseg, np.inf)
    size_max = np.full(nseg, -np.inf)
    np.minimum.at(size_min, seg, ci.y_length)
    np.maximum.at(size_max, seg, ci.y_length)
    varying = size_min != size_max
    weights = ci.y_length - 1
    pooled_num = seg_sum(weights * ci.y_sd**2, seg, nseg, base)
    pooled_den = np.bincount(seg[base], weights=weights[base], minlength=nseg)
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = np.sqrt(pooled_num / pooled_den)
    mean_sd = seg_nanmean(ci.y_sd, seg, nseg, base & every)
    return np.where(varying, pooled, mean_sd)


def xbar_limits(ci: ChartInput) -> ChartLimits:
    """Xbar chart: cl = size-weighted grand mean; limits cl +/- A3(n_i) * sigma (exact c4)."""

    def grand_mean() -> np.ndarray:
        weighted = seg_sum(ci.y_length * ci.y_mean, ci.seg, ci.nseg, ci.base)
        size = seg_sum(ci.y_length.astype(float), ci.seg, ci.nseg, ci.base)
        with np.errstate(invalid="ignore", divide="ignore"):
            return weighted / size

    cl = _centre(ci, grand_mean)[ci.seg]
    sd = _pooled_sd(ci)[ci.seg]
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = sd / (c4(ci.y_length) * np.sqrt(ci.y_length))
    return _symmetric(ci.y, cl, sigma)


def s_limits(ci: ChartInput) -> ChartLimits:
    """S chart: y = subgroup SD; cl = pooled or mean SD; limits B3(n_i) * cl, B4(n_i) * cl."""
    cl = _centre(ci, lambda: _pooled_sd(ci))[ci.seg]
    c4n = c4(ci.y_length)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.sqrt(1 - c4n**2) / c4n  # c5 / c4
    sigma = cl * ratio
    out = _symmetric(ci.y_sd.copy(), cl, sigma)
    out.lcl = np.maximum(0, 1 - 3 * ratio) * cl
    out.lcl_95 = np.maximum(0, 1 - 2 * ratio) * cl
    out.ucl = (1 + 3 * ratio) * cl
    out.ucl_95 = (1 + 2 * ratio) * cl
    return out


def c_limits(ci: ChartInput) -> ChartLimits:
    """C chart (counts): y = count, cl = mean count, sigma = sqrt(cl) (Montgomery 7.17)."""
    y = ci.y_sum.copy()
    cl = _centre(ci, lambda: seg_nanmean(y, ci.seg, ci.nseg, ci.base))[ci.seg]
    return _clip_low(_symmetric(y, cl, np.sqrt(cl)))


def _pooled_rate(ci: ChartInput) -> np.ndarray:
    """Per-segment sum(count) / sum(denominator) over the baseline points."""
    num = seg_sum(ci.y_sum, ci.seg, ci.nseg, ci.base)
    den = seg_sum(ci.n, ci.seg, ci.nseg, ci.base)
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


def _binomial_sigma(ci: ChartInput, cl: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt(cl * (1 - cl) / ci.n)


def _poisson_sigma(ci: ChartInput, cl: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt(cl / ci.n)


def u_limits(ci: ChartInput) -> ChartLimits:
    """U chart (rates): cl = sum(count)/sum(n), sigma_i = sqrt(cl / n_i) (Montgomery 7.19)."""
    cl = _centre(ci, lambda: _pooled_rate(ci))[ci.seg]
    return _clip_low(_symmetric(ci.y, cl, _poisson_sigma(ci, cl)))


def p_limits(ci: ChartInput) -> ChartLimits:
    """P chart (proportions): sigma_i = sqrt(cl (1 - cl) / n_i); limits clipped to [0, 1]."""
    cl = _centre(ci, lambda: _pooled_rate(ci))[ci.seg]
    return _clip_high(_clip_low(_symmetric(ci.y, cl, _binomial_sigma(ci, cl))))


def _laney_sigma_z(ci: ChartInput, cl: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Laney's between-subgroup factor sigma_z per point (Laney 2002).

    z_i = (y_i - cl) / sigma_i over the baseline points; sigma_z = screened average moving
    range of z / d2, or the sample SD of z when x is categorical (funnel data, no order).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (ci.y - cl) / sigma
    if ci.categorical:
        sigma_z = seg_sample_sd(z, ci.seg, ci.nseg, ci.base)
    else:
        sigma_z = average_moving_range(z, ci.seg, ci.nseg, ci.base, screen=ci.screen) / D2
    return sigma_z[ci.seg]


def up_limits(ci: ChartInput) -> ChartLimits:
    """U' chart (Laney): U chart sigma inflated by the between-subgroup factor sigma_z."""
    cl = _centre(ci, lambda: _pooled_rate(ci))[ci.seg]
    sigma = _poisson_sigma(ci, cl)
    return _clip_low(_symmetric(ci.y, cl, sigma * _laney_sigma_z(ci, cl, sigma)))


def pp_limits(ci: ChartInput) -> ChartLimits:
    """P' chart (Laney): P chart sigma inflated by sigma_z; limits clipped to [0, 1]."""
    cl = _centre(ci, lambda: _pooled_rate(ci))[ci.seg]
    sigma = _binomial_sigma(ci, cl)
    out = _symmetric(ci.y, cl, sigma * _laney_sigma_z(ci, cl, sigma))
    return _clip_high(_clip_low(out))


def t_limits(ci: ChartInput) -> ChartLimits:
    """T chart (time between rare events): I chart on y^(1/3.6), back-transformed (Nelson 1994).

    Negative transformed limits have no back-transform (R gives NaN): the lower limit becomes
    0, the lower 2-sigma limit stays missing, as in qicharts2.
    """
    transformed = ChartInput(**{**ci.__dict__, "y": ci.y ** (1 / T_POWER)})
    work = i_limits(transformed)

    def back(values: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return np.where(values < 0, np.nan, np.abs(values) ** T_POWER)

    lcl = back(work.lcl)
    lcl[np.isnan(lcl) | (lcl < 0)] = 0.0
    return ChartLimits(
        y=back(work.y),
        cl=back(work.cl),
        lcl=lcl,
        ucl=back(work.ucl),
        lcl_95=back(work.lcl_95),
        ucl_95=back(work.ucl_95),
        zone1_lo=back(work.zone1_lo),
        zone1_hi=back(work.zone1_hi),
        zone2_lo=back(work.zone2_lo),
        zone2_hi=back(work.zone2_hi),
    )


def g_limits(ci: ChartInput) -> ChartLimits:
    """G chart (opportunities between rare events): geometric limits m +/- 3 sqrt(m(m+1)).

    m is the mean of the baseline (Montgomery p. 319). The centre line shown is the median, as
    qicharts2 draws it, or 0.693 * cl (the theoretical median) when ``cl`` is given.
    """
    mean = _centre(ci, lambda: seg_nanmean(ci.y, ci.seg, ci.nseg, ci.base))[ci.seg]
    out = _symmetric(ci.y, mean, np.sqrt(mean * (mean + 1)))
    for name in ("lcl", "lcl_95"):
        values = getattr(out, name)
        values[values < 0] = 0.0
    if ci.fixed_cl is not None:
        out.cl = 0.693 * mean
    else:
        out.cl = seg_nanmedian(ci.y, ci.seg, ci.nseg, ci.base)[ci.seg]
    return out


def ip_limits(ci: ChartInput) -> ChartLimits:
    """I' chart (Taylor's normalised individuals) for large, varying denominators.

    cl = sum(y_i n_i) / sum(n_i) over the baseline; s_i = sqrt(pi/2) |y_i - y_(i-1)| /
    sqrt(1/n_(i-1) + 1/n_i) over every point of the part, screened at 3.2665 * mean(s);
    sigma_i = mean(s) / sqrt(n_i). Without n, n is the number of values in the subgroup.
    """
    n = ci.n if ci.has_n else ci.y_length.astype(float)
    seg, nseg = ci.seg, ci.nseg

    def weighted_mean() -> np.ndarray:
        num = seg_sum(ci.y * n, seg, nseg, ci.base)
        den = seg_sum(n, seg, nseg, ci.base)
        with np.errstate(invalid="ignore", divide="ignore"):
            return num / den

    cl = _centre(ci, weighted_mean)[seg]
    every = np.ones(seg.size, dtype=bool)
    rows = np.flatnonzero(every)
    pair = seg[rows[1:]] == seg[rows[:-1]]
    with np.errstate(invalid="ignore", divide="ignore"):
        s = (math.sqrt(math.pi / 2) * np.abs(np.diff(ci.y)) / np.sqrt(1 / n[:-1] + 1 / n[1:]))[pair]
    s_seg = seg[1:][pair]
    all_s = np.ones(s.size, dtype=bool)
    mean_s = seg_nanmean(s, s_seg, nseg, all_s)
    if ci.screen:
        with np.errstate(invalid="ignore"):
            mean_s = seg_nanmean(s, s_seg, nseg, s < 3.2665 * mean_s[s_seg])
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = mean_s[seg] * np.sqrt(1 / n)
    return _symmetric(ci.y, cl, sigma)


ChartFunction = Callable[[ChartInput], ChartLimits]

#: Registry of limits functions, one per chart type of ``spc.chart_types.CHART_TYPES`` (the
#: table of what each chart is); unknown names raise listing these keys.
CHARTS: dict[str, ChartFunction] = {
    "run": run_limits,
    "i": i_limits,
    "ip": ip_limits,
    "mr": mr_limits,
    "xbar": xbar_limits,
    "s": s_limits,
    "t": t_limits,
    "p": p_limits,
    "pp": pp_limits,
    "c": c_limits,
    "u": u_limits,
    "up": up_limits,
    "g": g_limits,
}
if set(CHARTS) != set(CHART_TYPES):  # pragma: no cover - a programming error, caught on import
    raise RuntimeError("spc.engine.limits.CHARTS and spc.chart_types.CHART_TYPES disagree")


def get_chart(name: str) -> ChartFunction:
    """Return the limits function for chart ``name``, or raise listing the valid names."""
    return CHARTS[chart_type(name).name]


def segment_sizes(seg: np.ndarray, nseg: int) -> np.ndarray:
    """Number of rows per segment (used for short-group warnings)."""
    return seg_count(seg, nseg, np.ones(seg.size, dtype=bool))


__all__ = [
    "CHARTS",
    "ChartInput",
    "ChartLimits",
    "c4",
    "first_row_of_segment",
    "get_chart",
]
