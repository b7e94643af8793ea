"""Two questions a chart of a ward's data is asked beyond its limits, answered over arrays.

1. **Are there enough events for run rules?** A chart of counts with under about one event per
   subgroup is mostly zeros; zeros sit below any positive centre line, so runs "below the line"
   signal on stable processes (qicharts2's vignette on rare events; Wheeler, "Working with rare
   events", Quality Digest 2011; Benneyan 2001 on g charts). :func:`too_few_events` marks such
   segments so that only points outside the limits signal there.
2. **Has the process changed since a change was made?** :func:`change_z` compares the points
   judged against a baseline (``judge_from``) with that baseline: the weighted mean of the points
   since the change against the baseline's centre, in standard errors of the difference (each
   point weighted by its own sigma from the chart, so a U chart compares pooled rates, a P chart
   pooled proportions, an I chart means, a T chart transformed times). It is the Shewhart idea
   applied to a phase mean rather than a point, as in Wheeler's analysis of means, with the
   baseline's own uncertainty included; ``spc.engine.verdict`` decides from it (docs/verdicts.md).

Both are pure functions of the chart's arrays on the plotted scale, for every facet and phase at
once.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

from spc.chart_types import ChartType
from spc.engine._segments import seg_count, seg_nanmean, seg_sum
from spc.engine.limits import T_POWER

__all__ = ["MIN_EVENT_POINTS", "change_z", "too_few_events"]

#: A T or G chart (one point per event) needs this many events in its baseline for run rules:
#: the smallest series for which Anhøj's and the IHI run rules are tabulated (Perla, Provost &
#: Murray 2011; Anhøj & Olesen 2014).
MIN_EVENT_POINTS = 10

#: Chart kinds whose points can be compared phase against phase by :func:`change_z`.
_LEVEL_KINDS = ("count", "rate", "proportion", "continuous", "event")
#: Charts whose sigma is estimated from the baseline's own spread (moving ranges, subgroup SDs),
#: not given by a Poisson or binomial model: their z is a t statistic (see :func:`change_z`).
_ESTIMATED_SIGMA = ("i", "ip", "xbar", "t", "up", "pp")
#: Degrees of freedom per moving range of a sigma estimated from the average moving range
#: (about 0.62 (k - 1) for k points; Nelson 1990, Wheeler & Chambers 1992).
_MR_DF = 0.62


def too_few_events(
    kind: ChartType,
    y_sum: np.ndarray,
    n: np.ndarray,
    seg: np.ndarray,
    nseg: int,
    base: np.ndarray,
    min_events: float | None,
) -> np.ndarray:
    """True for every row of a segment whose baseline has too few events for run rules.

    Counts and rates: fewer than ``min_events`` events per subgroup on average. Proportions: the
    rarer of events and non-events (a 97 % compliance audit of 20 patients has 0.6 misses a
    month). T and G charts, where each point is an event: fewer than :data:`MIN_EVENT_POINTS`
    events. ``base`` marks the baseline points (included, not judged); ``None`` turns the check
    off.

    >>> from spc.chart_types import chart_type
    >>> y = np.array([0., 1, 0, 0, 2, 0])
    >>> too_few_events(chart_type("c"), y, np.full(6, np.nan), np.zeros(6, int), 1,
    ...                np.ones(6, bool), 1.0).all()
    np.True_
    """
    size = y_sum.size
    if min_events is None or kind.kind not in ("count", "rate", "proportion", "event"):
        return np.zeros(size, dtype=bool)
    if kind.kind == "event":
        rare = seg_count(seg, nseg, base & np.isfinite(y_sum)) < MIN_EVENT_POINTS
        return rare[seg]
    events = seg_nanmean(y_sum, seg, nseg, base)
    if kind.kind == "proportion":
        with np.errstate(invalid="ignore"):
            events = np.fmin(events, seg_nanmean(n - y_sum, seg, nseg, base))
    with np.errstate(invalid="ignore"):
        rare = ~(events >= min_events)  # a segment without baseline events is rare too
    return rare[seg]


def _level_scale(
    kind: ChartType, y: np.ndarray, cl: np.ndarray, sigma: np.ndarray, multiply: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(y, cl, sigma)`` on the scale where the chart's limits are symmetric: as plotted, or
    for the T chart the transformed times y^(1/3.6) (Nelson 1994)."""
    if kind.name != "t":
        return y, cl, sigma
    with np.errstate(invalid="ignore"):
        y_t = (y / multiply) ** (1 / T_POWER)
        cl_t = (cl / multiply) ** (1 / T_POWER)
        one_up = ((cl + sigma) / multiply) ** (1 / T_POWER)
    return y_t, cl_t, one_up - cl_t


def change_z(
    kind: ChartType,
    y: np.ndarray,
    cl: np.ndarray,
    zone1_hi: np.ndarray,
    multiply: float,
    seg: np.ndarray,
    nseg: int,
    base: np.ndarray,
    judged: np.ndarray,
    include: np.ndarray,
) -> np.ndarray:
    """For every judged point: how far the points judged so far lie from the baseline centre.

    z_k = (m_k - cl) / sqrt((1/W_k + 1/W_b) v(c_k) / v(cl)), where m_k is the mean of the judged
    points up to k weighted by w = 1/sigma^2 (sigma: the chart's own 1-sigma at each point,
    ``zone1_hi - cl``), W_k the sum of their weights, W_b that of the baseline points, and
    v(c_k)/v(cl) rescales the variance from the baseline's level to the level both periods share
    if nothing changed (c_k, the weighted mean of both): v(c) = c for counts and rates (Poisson),
    c(1 - c) for proportions, 1 otherwise. For a U chart that is the two-sample comparison of
    Poisson rates (the pooled rate since the change against the baseline rate); for a P chart of
    proportions; for an I chart of means. NaN for points not judged and for chart kinds without
    a symmetric sigma (run, moving range, S, G charts).

    Where sigma itself is estimated from the baseline's spread (I, I', X-bar, T and the Laney
    charts), z is a t statistic with about 0.62 (k - 1) degrees of freedom for a baseline of k
    points; it is returned on the normal scale (the z with the same tail probability), so one
    threshold means the same false-alarm rate for every chart.

    >>> from spc.chart_types import chart_type
    >>> y = np.r_[np.full(12, 10.0), np.full(6, 7.0)]
    >>> judged = np.arange(18) >= 12
    >>> z = change_z(chart_type("i"), y, np.full(18, 10.0), np.full(18, 11.0), 1,
    ...              np.zeros(18, int), 1, ~judged, judged, np.ones(18, bool))
    >>> round(float(z[-1]), 2)  # t = -6 on 6.8 degrees of freedom, on the normal scale
    -3.43
    """
    size = y.size
    out = np.full(size, np.nan)
    if not judged.any() or kind.kind not in _LEVEL_KINDS or kind.name in ("run", "s", "g"):
        return out
    y_l, cl_l, sigma_l = _level_scale(kind, y, cl, zone1_hi - cl, multiply)
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = 1.0 / sigma_l**2
    usable = include & np.isfinite(y_l) & np.isfinite(weight) & (weight > 0)
    base_weight = seg_sum(np.where(usable & base, weight, 0.0), seg, nseg, base)
    rows = np.flatnonzero(judged)
    w = np.where(usable[rows], weight[rows], 0.0)
    with np.errstate(invalid="ignore"):
        wy = np.where(usable[rows], weight[rows] * y_l[rows], 0.0)
    by_seg = pd.Series(seg[rows])
    w_cum = pd.Series(w).groupby(by_seg.to_numpy()).cumsum().to_numpy()
    wy_cum = pd.Series(wy).groupby(by_seg.to_numpy()).cumsum().to_numpy()
    w_base = base_weight[seg[rows]]
    centre = cl_l[rows]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = wy_cum / w_cum
        pooled = (w_base * centre + w_cum * mean) / (w_base + w_cum)
        ratio = _variance(kind, pooled, multiply) / _variance(kind, centre, multiply)
        z = (mean - centre) / np.sqrt((1 / w_cum + 1 / w_base) * ratio)
    if kind.name in _ESTIMATED_SIGMA:
        n_base = seg_count(seg, nseg, usable & base)[seg[rows]]
        z = t_to_z(z, _MR_DF * np.maximum(n_base - 1, 1))
    out[rows] = np.where(w_cum > 0, z, np.nan)
    return out


def t_to_z(t: np.ndarray, df: np.ndarray) -> np.ndarray:
    """The normal deviate with the same two-sided tail probability as Student's ``t`` with
    ``df`` degrees of freedom (df may be fractional).

    >>> round(float(t_to_z(np.array([2.228]), np.array([10.0]))[0]), 2)  # t(10) 5 %
    1.96
    """
    t = np.asarray(t, dtype=float)
    df = np.broadcast_to(np.asarray(df, dtype=float), t.shape)
    out = np.full(t.shape, np.nan)
    ok = np.isfinite(t) & np.isfinite(df) & (df > 0)
    x = df[ok] / (df[ok] + t[ok] ** 2)
    tail = 0.5 * _betainc(df[ok] / 2, np.full(x.shape, 0.5), x)  # one-sided P(T > |t|)
    inv = np.vectorize(NormalDist().inv_cdf, otypes=[float])
    out[ok] = -np.sign(t[ok]) * inv(np.clip(tail, 1e-300, 0.5))
    return out


def _betainc(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Regularised incomplete beta I_x(a, b) for arrays, by its continued fraction (Lentz's
    method, as Numerical Recipes' ``betacf``), using the symmetry I_x(a, b) = 1 - I_1-x(b, a)
    where the fraction converges slowly."""
    a, b, x = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(a, b, x))
    out = np.where(x >= 1, 1.0, 0.0)
    inside = (x > 0) & (x < 1)
    flip = inside & (x >= (a + 1) / (a + b + 2))
    aa, bb, xx = np.where(flip, b, a), np.where(flip, a, b), np.where(flip, 1 - x, x)
    xx = np.where(inside, xx, 0.5)
    log_front = _lgamma(aa + bb) - _lgamma(aa) - _lgamma(bb) + aa * np.log(xx) + bb * np.log1p(-xx)
    value = np.exp(log_front) * _betacf(aa, bb, xx) / aa
    return np.where(inside, np.where(flip, 1 - value, value), out)


def _lgamma(v: np.ndarray) -> np.ndarray:
    return np.vectorize(math.lgamma, otypes=[float])(v)


def _betacf(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    tiny = 1e-300

    def guard(v: np.ndarray) -> np.ndarray:
        return np.where(np.abs(v) < tiny, tiny, v)

    c = np.ones_like(x)
    d = 1.0 / guard(1.0 - (a + b) * x / (a + 1))
    h = d.copy()
    for m in range(1, 300):
        m2 = 2 * m
        for num in (
            m * (b - m) * x / ((a + m2 - 1) * (a + m2)),
            -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1)),
        ):
            d = 1.0 / guard(1.0 + num * d)
            c = guard(1.0 + num / c)
            h = h * d * c
        if np.all(np.abs(d * c - 1.0) < 3e-14):
            break
    return h


def _variance(kind: ChartType, level: np.ndarray, multiply: float) -> np.ndarray:
    """How a point's variance depends on the process level (up to a constant): Poisson for
    counts and rates, binomial for proportions, constant for measurements."""
    if kind.kind in ("count", "rate"):
        return level / multiply
    if kind.kind == "proportion":
        p = level / multiply
        return p * (1 - p)
    return np.ones_like(level)
