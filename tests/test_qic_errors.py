"""Every argument and data error of ``spc.qic``: one ``pytest.raises(match=...)`` per message,
plus the warnings (trial limits, zero denominators, freeze with part)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import spc
from spc import SPCError, SPCWarning

pytestmark = pytest.mark.filterwarnings("ignore:.*trial limits:spc.SPCWarning")


@pytest.fixture
def falls() -> pd.DataFrame:
    months = pd.date_range("2023-01-01", periods=24, freq="MS")
    rng = np.random.default_rng(5)
    return pd.DataFrame(
        {
            "ward": np.repeat(["Ash", "Birch"], 12),
            "month": np.tile(months[:12], 2),
            "falls": rng.poisson(5, 24),
            "bed_days": rng.integers(600, 900, 24),
        }
    )


def u(df: pd.DataFrame, **kwargs):
    args = {"x": "month", "y": "falls", "n": "bed_days", "chart": "u", "facet": "ward"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SPCWarning)
        return spc.qic(df, **(args | kwargs))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"chart": "xmr"}, r"unknown chart 'xmr'; valid charts are: c, g, i, ip, mr, p, pp"),
        ({"rules": "nelson"}, r"unknown rules 'nelson'; valid rule sets are: anhoej, ihi, mdc"),
        ({"method": "box"}, r"method must be one of anhoej, bestbox, cutbox"),
        ({"agg": "max"}, r"agg must be one of mean, median, sum, sd"),
        ({"improvement": "up"}, r"improvement must be one of increase, decrease, neutral"),
        ({"multiply": 0}, r"multiply must be a positive number"),
        ({"freeze": 0}, r"freeze must be a whole number of baseline points >= 1"),
        ({"zero_n": "inf"}, r"zero_n must be one of missing, qicharts2"),
        ({"shift_length": 1}, r"shift_length must be a whole number >= 2"),
        ({"ties": "maybe"}, r"ties must be 'skip' or 'break'"),
        ({"y": "fall"}, r"column 'fall' \(given as y=\) is not in the data; did you mean 'falls'"),
        ({"facet": "wards"}, r"column 'wards' \(given as facet\[0\]=\) .* did you mean 'ward'"),
        ({"n": None}, r"a u chart needs a denominator: pass n="),
        ({"target": {"Oak": 5}}, r"target names facet 'Oak', which is not in the data"),
        ({"part": {"Elm": ["2023-06-01"]}}, r"part names facet 'Elm'"),
        ({"exclude": {"Yew": ["2023-06-01"]}}, r"exclude names facet 'Yew'"),
        ({"target": "high"}, r"target must be a number or a dict of numbers by facet"),
        ({"part": ["not a date"]}, r"part values must be dates like the x column"),
        ({"x_period": "fortnight"}, r"x_period must be one of week, month, quarter, year"),
    ],
)
def test_argument_errors(falls, kwargs, message) -> None:
    with pytest.raises(SPCError, match=message):
        u(falls, **kwargs)


def test_data_must_be_a_dataframe() -> None:
    with pytest.raises(SPCError, match=r"data must be a pandas DataFrame \(got dict\)"):
        spc.qic({"a": [1]}, x="a", y="a")


def test_empty_data(falls) -> None:
    with pytest.raises(SPCError, match="data has no rows"):
        u(falls.iloc[:0])


def test_non_numeric_values_name_rows_and_values(falls) -> None:
    falls["falls"] = falls["falls"].astype(object)
    falls.loc[3, "falls"] = "three"
    with pytest.raises(SPCError, match=r"column 'falls' must be numeric .* row 3 \(e.g. 'three'\)"):
        u(falls)


def test_negative_counts(falls) -> None:
    falls.loc[5, "falls"] = -1
    with pytest.raises(SPCError, match=r"column 'falls' has negative counts at row 5"):
        u(falls)


def test_negative_denominators(falls) -> None:
    falls.loc[[2, 7], "bed_days"] = -10
    with pytest.raises(SPCError, match=r"'bed_days' has negative denominators at rows 2, 7"):
        u(falls)


def test_numerator_above_denominator_on_a_p_chart(falls) -> None:
    falls.loc[4, "falls"] = 10_000
    with pytest.raises(SPCError, match=r"'falls' is larger than 'bed_days' at row 4"):
        u(falls, chart="p")


def test_t_chart_needs_positive_times(falls) -> None:
    falls["falls"] += 1
    falls.loc[0, "falls"] = 0
    with pytest.raises(SPCError, match=r"greater than zero for a t chart .* row 0\."):
        u(falls, chart="t", n=None)


def test_duplicate_x_within_a_facet_for_mdc(falls) -> None:
    dup = pd.concat([falls, falls.iloc[[1]]])
    with pytest.raises(SPCError, match=r"duplicate rows found in 'month'.*rows 1, 1"):
        u(dup, chart="i", n=None, rules="mdc")


def test_empty_facet_and_empty_x(falls) -> None:
    falls.loc[6, "ward"] = None
    with pytest.raises(SPCError, match=r"facet column 'ward' is empty at row 6"):
        u(falls)
    falls.loc[6, "ward"] = "Ash"
    falls.loc[8, "month"] = pd.NaT
    with pytest.raises(SPCError, match=r"column 'month' \(x\) is empty at row 8"):
        u(falls)


def test_x_period_needs_dates(falls) -> None:
    falls["month"] = falls["month"].dt.strftime("%Y-%m")
    with pytest.raises(SPCError, match="x_period needs date x values"):
        u(falls, x_period="month")


def test_short_phases_warn_about_trial_limits(falls) -> None:
    with pytest.warns(SPCWarning, match=r"2 phase\(s\) have fewer than 13 points: .*trial limits"):
        spc.qic(falls, x="month", y="falls", n="bed_days", chart="u", facet="ward")


def test_freeze_with_part_applies_within_each_phase(falls) -> None:
    """A baseline and phases work together under every rule set (qicharts2 silently ignores
    freeze with part; NHSRplotthedots fixes the limits within each phase, as here)."""
    res = spc.qic(
        falls,
        x="month",
        y="falls",
        n="bed_days",
        chart="u",
        facet="ward",
        part=["2023-07-01"],
        freeze=6,
    )
    d = res.data
    per_phase = d.groupby(["ward", "part"])["baseline"].sum()
    assert (per_phase == 6).all()
    # the later points of each phase are judged against limits of its first six
    first = d[(d["part"] == 1)].groupby("ward")["cl"].nunique()
    assert (first == 1).all()


def test_judge_from_and_freeze_are_exclusive(falls) -> None:
    with pytest.raises(SPCError, match=r"either freeze .* or judge_from"):
        spc.qic(
            falls, x="month", y="falls", n="bed_days", chart="u", freeze=6, judge_from="2023-01-01"
        )


def test_judge_from_at_a_phase_start_is_refused(falls) -> None:
    with pytest.raises(SPCError, match="first point of its phase"):
        spc.qic(
            falls,
            x="month",
            y="falls",
            n="bed_days",
            chart="u",
            part=["2023-07-01"],
            judge_from="2023-07-01",
        )


def test_zero_denominator_is_a_missing_point_with_a_warning(falls) -> None:
    falls.loc[3, "bed_days"] = 0
    with pytest.warns(SPCWarning, match=r"1 point\(s\) have a count in 'falls' but 'bed_days' = 0"):
        res = spc.qic(falls, x="month", y="falls", n="bed_days", chart="u", facet="ward")
    row = res.data.iloc[3]
    assert np.isnan(row["y"]) and np.isnan(row["ucl"]) and not row["signal"]
    ash = falls[falls["ward"] == "Ash"].drop(index=3)
    assert res.data.loc[0, "cl"] == pytest.approx(ash["falls"].sum() / ash["bed_days"].sum())


def test_zero_denominator_qicharts2_compatible_mode(falls) -> None:
    falls.loc[3, "bed_days"] = 0
    with pytest.warns(SPCWarning, match="infinite rates"):
        res = spc.qic(
            falls, x="month", y="falls", n="bed_days", chart="u", facet="ward", zero_n="qicharts2"
        )
    assert np.isinf(res.data.loc[3, "y"])
    ash = falls[falls["ward"] == "Ash"]
    assert res.data.loc[0, "cl"] == pytest.approx(ash["falls"].sum() / ash["bed_days"].sum())


def test_positions_are_not_taken_for_dates(falls) -> None:
    with pytest.raises(
        SPCError,
        match=r"exclude values must be dates like the x column "
        r"\(got 10\); pass the x values themselves",
    ):
        u(falls, exclude=[10])


def test_exclusions_that_match_nothing_warn(falls) -> None:
    with pytest.warns(SPCWarning, match=r"exclude value\(s\) 2030-01-01.* match no x value"):
        spc.qic(
            falls,
            x="month",
            y="falls",
            n="bed_days",
            chart="u",
            facet="ward",
            exclude=["2030-01-01"],
        )
