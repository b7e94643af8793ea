"""Signal rules: hand-built vectors (empty, shorter than the window, exactly the window, runs
at the start and the end) and hypothesis properties against brute-force restatements."""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spc
from spc.engine.patterns import (
    k_of_m_points,
    shift_points,
    trend_points,
    two_in_three_points,
)
from spc.engine.patterns import runs_test_limits as _runs_test_limits
from spc.engine.runs import crossings_min, longest_run_max, runs_analysis


def seg0(size: int) -> np.ndarray:
    return np.zeros(size, dtype=np.int64)


# ------------------------------------------------------------------ hand-built vectors


@pytest.mark.parametrize(
    ("side", "length", "ties", "expected"),
    [
        ([], 7, "break", []),
        ([1] * 6, 7, "break", [0] * 6),  # shorter than the window
        ([1] * 7, 7, "break", [1] * 7),  # exactly the window
        ([1] * 7 + [-1, 1], 7, "break", [1] * 7 + [0, 0]),  # run at the very start
        ([-1, 1] + [-1] * 7, 7, "break", [0, 0] + [1] * 7),  # run at the very end
        ([1] * 6 + [0] + [1] * 3, 7, "break", [0] * 10),  # on the mean breaks (MDC case 22)
        ([1] * 6 + [0] + [1] * 3, 7, "skip", [1] * 6 + [0] + [1] * 3),  # IHI: skipped
        ([1, 1, 1, np.nan, 1, 1, 1, 1], 7, "break", [0] * 8),  # missing breaks (MDC)
        ([-1] * 12, 7, "break", [1] * 12),  # every point of a longer run
    ],
)
def test_shift_vectors(side, length, ties, expected) -> None:
    side = np.array(side, dtype=float)
    got = shift_points(side, seg0(side.size), length, ties, "break")
    assert got.astype(int).tolist() == expected


def test_shift_never_spans_a_segment_boundary() -> None:
    side = np.ones(10)
    seg = np.array([0] * 5 + [1] * 5)
    assert not shift_points(side, seg, 7, "break", "break").any()


@pytest.mark.parametrize(
    ("y", "expected"),
    [
        ([], []),
        ([1, 2, 3, 4, 5, 6], [0] * 6),  # 6 points (5 moves) is not a 7-point trend
        ([1, 2, 3, 4, 5, 6, 7], [1] * 7),
        ([1, 2, 3, 4, 5, 6, 7, 3], [1] * 7 + [0]),  # at the start
        ([9, 1, 2, 3, 4, 5, 6, 7], [0] + [1] * 7),  # at the end
        ([1, 2, 3, 3, 4, 5, 6, 7], [0] * 8),  # a tie breaks an MDC trend
        ([7, 6, 5, 4, 3, 2, 1], [1] * 7),
    ],
)
def test_trend_vectors_mdc(y, expected) -> None:
    y = np.array(y, dtype=float)
    flag, _ = trend_points(y, seg0(y.size), 7, "break", "break", mdc_labels=True)
    assert flag.astype(int).tolist() == expected


def test_trend_direction_labels_follow_nhsrplotthedots() -> None:
    # up 7 then down 7 sharing the peak: the peak is labelled by the next step (decreasing)
    y = np.array([1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1], dtype=float)
    flag, direction = trend_points(y, seg0(13), 7, "break", "break", mdc_labels=True)
    assert flag.all()
    assert direction.tolist() == [1] * 6 + [-1] * 7


def test_ihi_trend_skips_ties() -> None:
    y = np.array([1, 2, 2, 3, 4, 5, 1], dtype=float)  # 5 distinct rising values with a tie
    flag, direction = trend_points(y, seg0(7), 5, "skip", "skip", mdc_labels=False)
    assert flag.astype(int).tolist() == [1, 1, 1, 1, 1, 1, 0]
    assert direction[:6].tolist() == [1] * 6


def test_two_in_three_flags_only_close_points() -> None:
    side = np.array([1, 1, 1, -1, 1, 1, -1, 1], dtype=float)
    close = np.array([1, 0, 1, 0, 0, 0, 0, 0], dtype=bool)
    flag, direction = two_in_three_points(side, close, seg0(8))
    assert flag.astype(int).tolist() == [1, 0, 1, 0, 0, 0, 0, 0]
    assert direction[:3].tolist() == [1, 0, 1]


def test_two_in_three_needs_all_three_on_one_side() -> None:
    side = np.array([1, -1, 1], dtype=float)  # MDC case 07, months 18-20
    close = np.array([1, 0, 1], dtype=bool)
    assert not two_in_three_points(side, close, seg0(3))[0].any()


def test_k_of_m_window_with_two_of_three() -> None:
    # Western Electric rule 2; the pyshewhart bug ([0,0,2.5,2.5,0,0], 2 sigma = 2) must fire
    y = np.array([0, 0, 2.5, 2.5, 0, 0])
    flag, direction = k_of_m_points(y > 2, y < -2, seg0(6), 2, 3)
    assert flag.astype(int).tolist() == [0, 0, 1, 1, 0, 0]
    assert direction.tolist() == [0, 0, 1, 1, 0, 0]


def exact_qbinom_half(trials: int, p: Fraction = Fraction(5, 100)) -> int:
    """Smallest k with P(Binomial(trials, 1/2) <= k) >= p, in exact fractions."""
    total = Fraction(0)
    for k in range(trials + 1):
        total += Fraction(math.comb(trials, k), 2**trials)
        if total >= p:
            return k
    return trials


def test_crossings_min_is_the_binomial_quantile() -> None:
    n = np.arange(1, 121)
    expected = [exact_qbinom_half(max(int(v) - 1, 0)) for v in n]
    assert crossings_min(n).astype(int).tolist() == expected
    # Anhøj's published table: 20 useful points need at least 6 crossings, 30 need 10
    assert crossings_min(np.array([20, 30])).tolist() == [6, 10]


def test_longest_run_max_matches_the_published_table() -> None:
    n = np.arange(1, 41)
    assert longest_run_max(n)[:24].astype(int).tolist() == [
        3,
        4,
        5,
        5,
        5,
        6,
        6,
        6,
        6,
        6,
        6,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        8,
        8,
    ]
    assert (longest_run_max(np.arange(23, 46)) == 8).all()


def test_runs_analysis_drops_points_on_the_line_and_merges_runs() -> None:
    y = np.array([2, 2, 1, 2, 0, 0], dtype=float)  # + + (on line) + - -
    r = runs_analysis(y, np.ones(6), np.ones(6, bool), seg0(6), 1)
    assert (int(r.n_useful[0]), int(r.longest_run[0]), int(r.n_crossings[0])) == (5, 3, 1)


def test_runs_test_limits_for_ten_and_ten() -> None:
    # Swed & Eisenhart (1943) critical values for n1 = n2 = 10 at 5% two-sided are 6 and 16:
    # 6 or fewer runs, or 16 or more, signal; 7 to 15 do not.
    assert _runs_test_limits(10, 10) == (7, 15)


# --------------------------------------------------------- brute-force restatements


def brute_shift(side: list[float], length: int) -> list[int]:
    out = [0] * len(side)
    for end in range(length - 1, len(side)):
        window = side[end - length + 1 : end + 1]
        if window[0] in (1, -1) and all(v == window[0] for v in window):
            for k in range(end - length + 1, end + 1):
                out[k] = 1
    return out


def brute_trend(y: list[float], length: int) -> list[int]:
    out = [0] * len(y)
    for end in range(length - 1, len(y)):
        steps = [y[k + 1] - y[k] for k in range(end - length + 1, end)]
        if all(s > 0 for s in steps) or all(s < 0 for s in steps):
            for k in range(end - length + 1, end + 1):
                out[k] = 1
    return out


def brute_k_of_m(hits: list[bool], k: int, m: int) -> list[int]:
    out = [0] * len(hits)
    for start in range(len(hits) - m + 1):
        if sum(hits[start : start + m]) >= k:
            for j in range(start, start + m):
                out[j] |= int(hits[j])
    return out


sides = st.lists(st.sampled_from([-1.0, 0.0, 1.0]), max_size=40)
values = st.lists(st.integers(0, 6).map(float), max_size=40)


@given(sides, st.integers(2, 9))
def test_shift_equals_brute_force(side, length) -> None:
    got = shift_points(np.array(side), seg0(len(side)), length, "break", "break")
    assert got.astype(int).tolist() == brute_shift(side, length)


@given(values, st.integers(2, 8))
def test_trend_equals_brute_force(y, length) -> None:
    got, _ = trend_points(np.array(y), seg0(len(y)), length, "break", "break", mdc_labels=True)
    assert got.astype(int).tolist() == brute_trend(y, length)


@given(st.lists(st.booleans(), max_size=40), st.integers(1, 5), st.integers(1, 6))
def test_k_of_m_equals_brute_force(hits, k, m) -> None:
    flag, _ = k_of_m_points(np.array(hits, bool), np.zeros(len(hits), bool), seg0(len(hits)), k, m)
    assert flag.astype(int).tolist() == brute_k_of_m(hits, k, m)


@given(values, st.integers(2, 8))
def test_reversing_a_series_mirrors_trends(y, length) -> None:
    y = np.array(y)
    flag, direction = trend_points(y, seg0(y.size), length, "break", "break", mdc_labels=False)
    rflag, rdirection = trend_points(
        y[::-1], seg0(y.size), length, "break", "break", mdc_labels=False
    )
    assert (rflag[::-1] == flag).all()
    # inside a trend (same step sign before and after) a rising trend read backwards falls
    if y.size >= 3:
        before, after = np.sign(np.diff(y))[:-1], np.sign(np.diff(y))[1:]
        inside = np.zeros(y.size, dtype=bool)
        inside[1:-1] = flag[1:-1] & (before == after) & (before != 0)
        assert (rdirection[::-1][inside] == -direction[inside]).all()


def i_chart(values: list[int], rules: str, shift: float = 0.0, index=None):
    df = pd.DataFrame(
        {"t": np.arange(len(values)), "y": np.array(values, float) + shift}, index=index
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spc.SPCWarning)
        return spc.qic(df, x="t", y="y", chart="i", rules=rules, improvement="increase").data


series = st.lists(st.integers(0, 30), min_size=3, max_size=40)


@settings(max_examples=60, deadline=None)
@given(series, st.integers(-50, 50), st.sampled_from(list(spc.RULES)))
def test_adding_a_constant_shifts_lines_and_keeps_signals(values, constant, rules) -> None:
    a = i_chart(values, rules)
    b = i_chart(values, rules, shift=constant)
    for col in ("cl", "lcl", "ucl", "lcl_95", "ucl_95"):
        np.testing.assert_allclose(b[col], a[col] + constant, rtol=1e-9, atol=1e-9)
    rule_cols = [c for c in a.columns if c.startswith("rule_")] + ["signal", "point_type"]
    pd.testing.assert_frame_equal(a[rule_cols], b[rule_cols])


@settings(max_examples=40, deadline=None)
@given(series, st.sampled_from(list(spc.RULES)))
def test_rules_do_not_depend_on_index_labels(values, rules) -> None:
    a = i_chart(values, rules)
    b = i_chart(values, rules, index=[f"label {i}" for i in range(len(values))][::-1])
    pd.testing.assert_frame_equal(a, b)


@settings(max_examples=40, deadline=None)
@given(series)
def test_i_chart_limits_are_symmetric(values) -> None:
    d = i_chart(values, "anhoej")
    np.testing.assert_allclose(d["ucl"] - d["cl"], d["cl"] - d["lcl"], rtol=1e-9, atol=1e-9)


def test_a_constant_series_signals_nothing() -> None:
    for rules in spc.RULES:
        assert not i_chart([5] * 20, rules)["signal"].any()
