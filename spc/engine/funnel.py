"""Funnel plot limits for comparing teams' rates or proportions at one period.

A funnel plot shows each team's rate against its denominator (its "precision") with control
limits around the collaborative's overall rate that narrow as the denominator grows. It is the
SPC alternative to league tables: only teams outside the limits differ by more than chance.

Limits (Spiegelhalter 2005, *Funnel plots for comparing institutional performance*,
Stat Med 24:1185-1202):

* ``method="exact"`` (default): Poisson (``chart="u"``) or binomial (``chart="p"``) quantiles,
  with Spiegelhalter's interpolation between the discrete steps so the funnel is smooth.
* ``method="normal"``: ``target +/- z * sqrt(target / n)`` (u) or
  ``target +/- z * sqrt(target * (1 - target) / n)`` (p), as in qicharts2's funnel charts.

No matplotlib here; the drawing is ``spc.plotting.funnel``.

>>> lim = funnel_limits(0.005, [1000, 4000], chart="u", level=0.998, method="normal")
>>> [round(float(v), 5) for v in lim.upper]
[0.01191, 0.00845]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from spc.chart_types import CHART_TYPES
from spc.errors import SPCError

__all__ = ["FunnelLimits", "funnel_data", "funnel_limits"]

#: Default two-sided coverage of the inner ("warning", ~2 SD) and outer ("control", ~3 SD) limits.
DEFAULT_LEVELS: tuple[float, float] = (0.95, 0.998)


@dataclass(frozen=True)
class FunnelLimits:
    """Lower and upper limits (on the rate/proportion scale, *before* ``multiply``) at ``n``."""

    n: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    level: float


def _poisson_cdf_table(lam: float, kmax: int) -> np.ndarray:
    # CDF of Poisson(lam) at 0..kmax, summed in log space so large lam does not underflow.
    k = np.arange(kmax + 1, dtype=float)
    lgam = np.array([math.lgamma(v + 1.0) for v in k])
    logpmf = k * math.log(lam) - lam - lgam if lam > 0 else np.where(k == 0, 0.0, -np.inf)
    return np.minimum(np.cumsum(np.exp(logpmf)), 1.0)


def _binom_cdf_table(p: float, n: int) -> np.ndarray:
    k = np.arange(n + 1, dtype=float)
    if p <= 0:
        return np.ones(n + 1)
    if p >= 1:
        out = np.zeros(n + 1)
        out[-1] = 1.0
        return out
    lgam = np.array([math.lgamma(v + 1.0) for v in k])
    logpmf = math.lgamma(n + 1.0) - lgam - lgam[::-1] + k * math.log(p) + (n - k) * math.log1p(-p)
    return np.minimum(np.cumsum(np.exp(logpmf)), 1.0)


def _interp_quantile(cdf: np.ndarray, prob: float) -> float:
    """Spiegelhalter's interpolated quantile: r_p - alpha, where r_p is the smallest count with
    F(r_p) >= prob and alpha = (F(r_p) - prob) / (F(r_p) - F(r_p - 1))."""
    r = int(np.searchsorted(cdf, prob - 1e-15, side="left"))
    r = min(r, len(cdf) - 1)
    f_r = cdf[r]
    f_prev = cdf[r - 1] if r > 0 else 0.0
    alpha = (f_r - prob) / (f_r - f_prev) if f_r > f_prev else 0.0
    return max(r - alpha, 0.0)


def funnel_limits(
    target: float,
    n: Iterable[float],
    chart: str = "u",
    level: float = 0.998,
    method: str = "exact",
) -> FunnelLimits:
    """Funnel limits around ``target`` (a rate per unit of n, or a proportion 0..1) at each ``n``.

    ``level`` is the two-sided coverage (0.95 -> 2.5% and 97.5% quantiles). Lower limits are
    clipped at 0 and proportions at 1.
    """
    chart = _check_chart(chart)
    if method not in ("exact", "normal"):
        raise SPCError(f"method must be 'exact' or 'normal' (got {method!r})")
    if not 0 < level < 1:
        raise SPCError(f"level must be between 0 and 1 (got {level!r})")
    nn = np.asarray(list(n), dtype=float)
    lo = np.full(nn.shape, np.nan)
    hi = np.full(nn.shape, np.nan)
    p_lo, p_hi = (1 - level) / 2, 1 - (1 - level) / 2
    if method == "normal":
        z = NormalDist().inv_cdf(p_hi)
        var = target / nn if chart == "u" else target * (1 - target) / nn
        sd = np.sqrt(np.where(nn > 0, var, np.nan))
        lo, hi = target - z * sd, target + z * sd
    else:
        for i, ni in enumerate(nn):
            if not ni > 0:
                continue
            if chart == "u":
                lam = target * ni
                kmax = int(lam + 12 * math.sqrt(lam) + 30)
                cdf = _poisson_cdf_table(lam, kmax)
                denom = ni
            else:
                m = round(ni)
                if m < 1:
                    continue
                cdf = _binom_cdf_table(target, m)
                denom = m
            lo[i] = _interp_quantile(cdf, p_lo) / denom
            hi[i] = _interp_quantile(cdf, p_hi) / denom
    lo = np.clip(lo, 0, None)
    if chart == "p":
        hi = np.clip(hi, None, 1)
    return FunnelLimits(n=nn, lower=lo, upper=hi, level=level)


def _check_chart(chart: str) -> str:
    """The funnel family of ``chart`` (``"u"`` or ``"p"``, from the chart-type table), also
    accepting ``"rate"`` and ``"proportion"``."""
    aliases = {"rate": "u", "proportion": "p"} | {
        name: t.funnel for name, t in CHART_TYPES.items() if t.funnel is not None
    }
    if chart not in aliases:
        raise SPCError(
            f"chart must be 'u' (rates) or 'p' (proportions) for a funnel plot (got {chart!r})"
        )
    return aliases[chart]


def funnel_data(
    df: pd.DataFrame,
    y: str,
    n: str,
    label: str,
    chart: str = "u",
    multiply: float = 1,
    target: float | None = None,
    levels: Sequence[float] = DEFAULT_LEVELS,
    method: str = "exact",
) -> pd.DataFrame:
    """One row per team: ``label``, ``y`` (events), ``n``, ``value`` (rate x multiply), the
    limits at each team's n for every level (``lower_95``, ``upper_95``, ``lower_99.8``, ...),
    ``target`` (x multiply) and ``outlier``: ``"high"``/``"low"`` beyond the widest level,
    ``"warning high"``/``"warning low"`` beyond the narrowest only, else ``""``.

    Rows with the same label are summed (so a long frame for one period can be passed as is).
    ``target`` defaults to the pooled rate ``sum(y) / sum(n)``, before ``multiply``.

    >>> df = pd.DataFrame({"ward": ["A", "B"], "falls": [2, 40], "bed_days": [900, 1000]})
    >>> funnel_data(df, "falls", "bed_days", "ward", multiply=1000)["outlier"].tolist()
    ['low', 'high']
    """
    chart = _check_chart(chart)
    for col in (y, n, label):
        if col not in df.columns:
            raise SPCError(f"column {col!r} not found in the funnel data (have {list(df.columns)})")
    agg = df.groupby(label, sort=False, observed=True)[[y, n]].sum(min_count=1).reset_index()
    agg = agg.rename(columns={label: "label", y: "y", n: "n"})
    if (agg["n"] <= 0).any() or agg["n"].isna().any():
        bad = agg.loc[(agg["n"] <= 0) | agg["n"].isna(), "label"].tolist()
        raise SPCError(f"denominator {n!r} must be positive for every team; check {bad}")
    if chart == "p" and (agg["y"] > agg["n"]).any():
        bad = agg.loc[agg["y"] > agg["n"], "label"].tolist()
        raise SPCError(f"numerator {y!r} exceeds denominator {n!r} for {bad} (a proportion)")
    theta = float(agg["y"].sum() / agg["n"].sum()) if target is None else float(target)
    agg["value"] = agg["y"] / agg["n"] * multiply
    agg["target"] = theta * multiply
    levels = sorted(levels)
    agg["outlier"] = ""
    for lev in levels:
        lim = funnel_limits(theta, agg["n"], chart=chart, level=lev, method=method)
        tag = _level_tag(lev)
        agg[f"lower_{tag}"] = lim.lower * multiply
        agg[f"upper_{tag}"] = lim.upper * multiply
    inner, outer = _level_tag(levels[0]), _level_tag(levels[-1])
    warn_hi = agg["value"] > agg[f"upper_{inner}"]
    warn_lo = agg["value"] < agg[f"lower_{inner}"]
    agg.loc[warn_hi, "outlier"] = "warning high"
    agg.loc[warn_lo, "outlier"] = "warning low"
    agg.loc[agg["value"] > agg[f"upper_{outer}"], "outlier"] = "high"
    agg.loc[agg["value"] < agg[f"lower_{outer}"], "outlier"] = "low"
    return agg


def _level_tag(level: float) -> str:
    """``0.95 -> '95'``, ``0.998 -> '99.8'``."""
    pct = level * 100
    return f"{pct:g}"
