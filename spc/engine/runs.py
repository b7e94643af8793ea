"""Runs analysis on the centre line: longest run and number of crossings (Anhøj rules).

For each facet x part, the *useful* observations are the included points that are not missing
and not exactly on the centre line (points on the line are dropped, so a run continues across
them). Anhøj's rules signal non-random variation when the longest run is longer than
``round(log2(n_useful)) + 3`` (Schilling 2012) or the number of crossings is below the 5th
percentile of Binomial(n_useful - 1, 0.5) (Chen 2010). The experimental *best box* and *cut box*
methods (Anhøj & Wentzel-Larsen 2020, doi:10.1371/journal.pone.0233920) use the paper's
tabulated limits for 10 <= n_useful <= 100 and fall back to Anhøj's rules elsewhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from spc.engine._segments import run_lengths, seg_count
from spc.errors import SPCError

RUNS_METHODS = ("anhoej", "bestbox", "cutbox")

# Best-box and cut-box limits for n_useful = 10..100 (Anhøj & Wentzel-Larsen 2020, Table 1):
# cb/lb are the crossings lower bound and longest-run upper bound of the best box, and
# cbord/lbord the border values of the cut box (-1 where the paper gives none).
_BOX_N0 = 10
_CB = (
    "2 3 3 3 3 4 5 5 5 5 6 7 6 6 6 6 9 9 9 10 11 11 11 11 11 12 13 14 13 15 15 15 14 14 17 17 "
    "17 17 19 19 19 19 19 21 21 21 21 23 23 23 23 23 25 25 26 26 27 27 27 28 29 29 29 30 30 31 "
    "31 31 32 33 33 33 34 33 35 35 35 35 37 37 38 37 39 39 39 39 39 41 41 42 41"
)
_LB = (
    "6 7 6 6 6 7 8 7 7 7 7 8 7 7 7 7 9 8 8 8 10 9 8 8 8 8 9 10 8 11 9 9 8 8 10 9 9 9 12 10 9 9 "
    "9 11 10 9 9 12 10 10 9 9 11 10 11 10 12 10 10 11 14 11 10 11 10 12 11 10 11 13 11 10 11 10 "
    "11 11 10 10 12 11 12 10 13 11 11 10 10 12 11 12 10"
)
_CBORD = (
    "3 4 - - - 6 6 - 6 6 - - 7 7 7 - 10 10 11 - 12 14 - 12 13 - 15 - - - - 17 - - - - 19 20 20 "
    "21 - 21 21 23 23 - 23 25 24 26 - 24 27 27 27 27 29 - 29 29 30 31 30 31 - 32 34 33 33 37 35 "
    "- 36 36 - 38 36 38 38 39 - 39 41 40 42 - 41 42 44 43 42"
)
_LBORD = (
    "5 6 - - - 6 7 - 6 5 - - 6 6 6 - 7 7 7 - 9 8 - 7 7 - 8 - - - - 8 - - - - 8 7 11 9 - 8 7 9 "
    "8 - 8 11 9 8 - 8 9 9 10 9 10 - 8 8 13 9 9 10 - 9 8 9 8 11 9 - 10 7 - 8 9 8 10 9 - 9 12 10 "
    "8 - 8 9 9 10 9"
)


def _table(text: str) -> np.ndarray:
    return np.array([-1 if v == "-" else int(v) for v in text.split()], dtype=np.int64)


BOX_CB, BOX_LB, BOX_CBORD, BOX_LBORD = map(_table, (_CB, _LB, _CBORD, _LBORD))


@lru_cache(maxsize=4096)
def _qbinom_half(trials: int, p: float = 0.05) -> int:
    """Smallest k with P(Binomial(trials, 1/2) <= k) >= p (R's ``qbinom(p, trials, 0.5)``)."""
    if trials <= 0:
        return 0
    # log pmf via lgamma keeps this exact enough for any realistic series length.
    log_half = trials * math.log(0.5)
    lg_n = math.lgamma(trials + 1)
    cdf = 0.0
    for k in range(trials + 1):
        cdf += math.exp(lg_n - math.lgamma(k + 1) - math.lgamma(trials - k + 1) + log_half)
        if cdf >= p * (1 - 64 * 2.220446049250313e-16):
            return k
    return trials


def crossings_min(n_useful: np.ndarray) -> np.ndarray:
    """Anhøj's lower limit for the number of crossings: ``qbinom(0.05, n_useful - 1, 0.5)``."""
    out = np.full(n_useful.shape, np.nan)
    ok = n_useful > 0
    uniq, inverse = np.unique(n_useful[ok], return_inverse=True)
    out[ok] = np.array([_qbinom_half(int(u) - 1) for u in uniq], dtype=float)[inverse]
    return out


def longest_run_max(n_useful: np.ndarray) -> np.ndarray:
    """Anhøj's upper limit for the longest run: ``round(log2(n_useful)) + 3`` (Schilling)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.round(np.log2(n_useful.astype(float))) + 3
    out[n_useful <= 0] = np.nan
    return out


@dataclass
class RunsAnalysis:
    """Per-segment runs statistics and per-point run membership.

    Segment arrays (length nseg): ``n_obs``, ``n_useful``, ``longest_run``,
    ``longest_run_max``, ``n_crossings``, ``n_crossings_min``, ``runs_signal``.
    Point arrays (length of the data): ``side`` (-1/0/+1 relative to the centre, 0 for points
    that are not useful) and ``run_length`` (length of the run the point belongs to, 0 if not
    useful).
    """

    n_obs: np.ndarray
    n_useful: np.ndarray
    longest_run: np.ndarray
    longest_run_max: np.ndarray
    n_crossings: np.ndarray
    n_crossings_min: np.ndarray
    runs_signal: np.ndarray
    side: np.ndarray
    run_length: np.ndarray


def _box_signal(
    n_useful: np.ndarray, crossings: np.ndarray, longest: np.ndarray, method: str
) -> np.ndarray:
    """Best-box / cut-box decision for segments with 10 <= n_useful <= 100."""
    idx = (n_useful - _BOX_N0).astype(np.int64)
    cb, lb = BOX_CB[idx], BOX_LB[idx]
    inside_best = (crossings >= cb) & (longest <= lb)
    if method == "bestbox":
        return ~inside_best
    cbord, lbord = BOX_CBORD[idx], BOX_LBORD[idx]
    has_border = cbord >= 0
    no_signal_cut = (
        ((crossings >= cb + 1) & (longest <= lb - 1))
        | ((crossings == cb) & (longest <= lbord))
        | ((crossings >= cbord) & (longest <= lb))
    )
    return np.where(has_border, ~no_signal_cut, ~inside_best)


def runs_analysis(
    y: np.ndarray,
    cl: np.ndarray,
    include: np.ndarray,
    seg: np.ndarray,
    nseg: int,
    method: str = "anhoej",
) -> RunsAnalysis:
    """Anhøj runs analysis for every segment at once.

    ``y`` and ``cl`` are per point; ``include`` marks points not excluded. An infinite y counts
    as above the line (qicharts2 does the same for a count over a zero denominator).

    Example
    -------
    >>> import numpy as np
    >>> y = np.array([1., 2, 3, 4, 5, 6, 7, 8, 9, 10])
    >>> r = runs_analysis(y, np.full(10, 5.5), np.ones(10, bool), np.zeros(10, int), 1)
    >>> int(r.longest_run[0]), int(r.n_crossings[0])
    (5, 1)
    """
    if method not in RUNS_METHODS:
        raise SPCError(f"unknown runs method {method!r}; valid methods are: {RUNS_METHODS}")
    with np.errstate(invalid="ignore"):
        side = np.sign(y - cl)
    useful = include & ~np.isnan(side) & (side != 0)
    n_obs = seg_count(seg, nseg, include)
    n_useful = seg_count(seg, nseg, useful)

    idx = np.flatnonzero(useful)
    run_id, lengths = run_lengths(side[idx], seg[idx])
    run_seg = np.zeros(lengths.size, dtype=np.int64)
    if idx.size:
        run_seg[run_id] = seg[idx]
    n_runs = np.bincount(run_seg, minlength=nseg)
    longest = np.zeros(nseg)
    np.maximum.at(longest, run_seg, lengths.astype(float))

    empty = n_useful == 0
    longest[empty] = np.nan
    crossings = np.where(empty, np.nan, np.maximum(n_runs - 1, 0).astype(float))
    lr_max = longest_run_max(n_useful)
    nc_min = crossings_min(n_useful)
    with np.errstate(invalid="ignore"):
        signal = (longest > lr_max) | (crossings < nc_min)
    if method != "anhoej":
        boxed = (n_useful >= _BOX_N0) & (n_useful <= _BOX_N0 + BOX_CB.size - 1)
        if boxed.any():
            signal[boxed] = _box_signal(n_useful[boxed], crossings[boxed], longest[boxed], method)
    signal[empty] = False

    point_side = np.where(useful, side, 0.0)
    point_run = np.zeros(y.size, dtype=np.int64)
    point_run[idx] = lengths[run_id]
    return RunsAnalysis(
        n_obs=n_obs,
        n_useful=n_useful,
        longest_run=longest,
        longest_run_max=lr_max,
        n_crossings=crossings,
        n_crossings_min=nc_min,
        runs_signal=signal,
        side=point_side,
        run_length=point_run,
    )
