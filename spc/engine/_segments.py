"""Vectorised helpers over *segments*: contiguous blocks of rows (one facet x part each).

Every SPC calculation in safety-spc is done for all wards and phases at once. Rows are sorted
so that each facet x part is a contiguous block, labelled by an integer ``seg`` array
(0 .. nseg-1, non-decreasing). These helpers compute per-segment statistics with
``np.bincount`` and friends, so no Python loop runs per ward or per point.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def seg_sum(values: np.ndarray, seg: np.ndarray, nseg: int, mask: np.ndarray) -> np.ndarray:
    """Sum of ``values[mask]`` per segment, ignoring NaN (R's ``sum(na.rm = TRUE)``)."""
    keep = mask & ~np.isnan(values)
    return np.bincount(seg[keep], weights=values[keep], minlength=nseg)


def seg_count(seg: np.ndarray, nseg: int, mask: np.ndarray) -> np.ndarray:
    """Number of True ``mask`` rows per segment."""
    return np.bincount(seg[mask], minlength=nseg)


def seg_nanmean(values: np.ndarray, seg: np.ndarray, nseg: int, mask: np.ndarray) -> np.ndarray:
    """Mean of the non-missing ``values[mask]`` per segment; NaN for an empty segment."""
    keep = mask & ~np.isnan(values)
    total = np.bincount(seg[keep], weights=values[keep], minlength=nseg)
    count = np.bincount(seg[keep], minlength=nseg)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / count


def seg_nanmedian(values: np.ndarray, seg: np.ndarray, nseg: int, mask: np.ndarray) -> np.ndarray:
    """Median of the non-missing ``values[mask]`` per segment; NaN for an empty segment."""
    keep = mask & ~np.isnan(values)
    out = np.full(nseg, np.nan)
    if keep.any():
        med = pd.Series(values[keep]).groupby(seg[keep], sort=True).median()
        out[med.index.to_numpy()] = med.to_numpy()
    return out


def seg_sample_sd(values: np.ndarray, seg: np.ndarray, nseg: int, mask: np.ndarray) -> np.ndarray:
    """Sample SD (n - 1) of ``values[mask]`` per segment, NaN if any value is missing or n < 2.

    Mirrors R's ``sd(x)`` without ``na.rm``, as qicharts2 uses it for Laney's funnel sigma.
    """
    count = seg_count(seg, nseg, mask)
    has_nan = seg_count(seg, nseg, mask & np.isnan(values)) > 0
    mean = seg_nanmean(values, seg, nseg, mask)
    keep = mask & ~np.isnan(values)
    dev2 = (values[keep] - mean[seg[keep]]) ** 2
    ss = np.bincount(seg[keep], weights=dev2, minlength=nseg)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(ss / (count - 1))
    sd[(count < 2) | has_nan] = np.nan
    return sd


def consecutive_diffs(
    values: np.ndarray, seg: np.ndarray, mask: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Absolute differences between consecutive ``mask`` rows of the same segment.

    Returns ``(diffs, diff_seg, later_row)``: each difference, its segment, and the row index
    of the later point of the pair. A difference touching a NaN value is NaN (no bridging over
    missing values); rows outside ``mask`` are skipped, so excluded points are bridged.
    """
    rows = np.flatnonzero(mask)
    same = seg[rows[1:]] == seg[rows[:-1]]
    diffs = np.abs(np.diff(values[rows]))[same]
    return diffs, seg[rows[1:]][same], rows[1:][same]


def average_moving_range(
    values: np.ndarray,
    seg: np.ndarray,
    nseg: int,
    mask: np.ndarray,
    *,
    screen: bool,
    screen_factor: float = 3.267,
) -> np.ndarray:
    """Average moving range per segment over consecutive ``mask`` rows.

    With ``screen`` (Nelson 1982, as qicharts2's ``qic.screenedmr`` and NHSRplotthedots'
    ``screen_outliers``), moving ranges not strictly below ``screen_factor`` times the average
    are dropped once and the average is recomputed. A constant series therefore has no moving
    range left and gives NaN, exactly as both R packages do.
    """
    diffs, dseg, _ = consecutive_diffs(values, seg, mask)
    all_rows = np.ones(diffs.shape, dtype=bool)
    amr = seg_nanmean(diffs, dseg, nseg, all_rows)
    if screen:
        with np.errstate(invalid="ignore"):
            kept = diffs < screen_factor * amr[dseg]
        amr = seg_nanmean(diffs, dseg, nseg, kept)
    return amr


def group_starts(keys: list[np.ndarray]) -> np.ndarray:
    """Boolean array: True on the first row and wherever any of the (sorted) ``keys`` changes.

    >>> group_starts([np.array([1, 1, 2, 2]), np.array([5, 6, 6, 6])]).tolist()
    [True, True, True, False]
    """
    size = len(keys[0]) if keys else 0
    new = np.zeros(size, dtype=bool)
    if size:
        new[0] = True
    for k in keys:
        new[1:] |= k[1:] != k[:-1]
    return new


def starts_of_runs(keys: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Boolean array: True where a new run of equal ``keys`` starts (or a new segment)."""
    return group_starts([keys, seg])


def run_lengths(keys: np.ndarray, seg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Label runs of equal consecutive ``keys`` within segments.

    Returns ``(run_id, length)``: the run each element belongs to, and each run's length.
    """
    run_id = np.cumsum(starts_of_runs(keys, seg)) - 1
    length = np.bincount(run_id) if keys.size else np.zeros(0, dtype=np.int64)
    return run_id, length


def first_row_of_segment(seg: np.ndarray) -> np.ndarray:
    """Boolean array: True on the first row of each segment."""
    first = np.ones(seg.shape, dtype=bool)
    first[1:] = seg[1:] != seg[:-1]
    return first


def mark_spans(size: int, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Boolean array of ``size`` with rows ``start[k] .. stop[k]`` (inclusive) set True."""
    delta = np.zeros(size + 1, dtype=np.int64)
    np.add.at(delta, start, 1)
    np.add.at(delta, stop + 1, -1)
    return np.cumsum(delta[:-1]) > 0
