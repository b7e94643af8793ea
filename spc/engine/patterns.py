"""Pattern detectors for the signal rules: small pure functions over arrays, no rule-set
knowledge, each returning a boolean flag per point (and a direction where it has one).

Every detector works on all facets and parts at once (``seg`` labels each facet x part; no
pattern spans a part boundary). ``spc.engine.rules`` combines them into rule sets. Each is
tested with hand-built vectors (empty, shorter than the window, exactly the window, a run at
the very start and at the very end) and against brute-force restatements.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from spc.engine._segments import mark_spans, run_lengths

__all__ = [
    "k_of_m_points",
    "runs_test_limits",
    "shift_points",
    "side_of_centre",
    "trend_points",
    "two_in_three_points",
]


def side_of_centre(y: np.ndarray, cl: np.ndarray) -> np.ndarray:
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
def runs_test_limits(above: int, below: int, alpha: float = 0.05) -> tuple[int, int]:
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
