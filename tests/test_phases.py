"""Phases (part), baselines (freeze), exclusions and aggregation, in safety-spc's x-value terms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import spc

pytestmark = pytest.mark.filterwarnings("ignore::spc.SPCWarning")


def monthly(values, start="2023-01-01", ward=None) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "month": pd.date_range(start, periods=len(values), freq="MS"),
            "y": np.asarray(values, float),
        }
    )
    if ward is not None:
        df.insert(0, "ward", ward)
    return df


def test_a_phase_starts_at_the_first_point_on_or_after_its_date() -> None:
    df = monthly(range(12)).drop(index=5)  # June is missing
    res = spc.qic(df, x="month", y="y", chart="i", part=["2023-06-15"])
    assert res.data["part"].tolist() == [1] * 5 + [2] * 6  # July starts phase 2
    res = spc.qic(df, x="month", y="y", chart="i", part=["2023-06-01"])
    assert res.data["part"].tolist() == [1] * 5 + [2] * 6


def test_part_dates_outside_the_series_are_ignored() -> None:
    res = spc.qic(monthly(range(6)), x="month", y="y", chart="i", part=["2022-01-01", "2030-01-01"])
    assert (res.data["part"] == 1).all()


def test_part_per_facet_and_from_a_column() -> None:
    df = pd.concat([monthly(range(8), ward="A"), monthly(range(8), ward="B")])
    res = spc.qic(
        df, x="month", y="y", chart="run", facet="ward", part={"B": [pd.Timestamp("2023-05-01")]}
    )
    assert res.data["part"].tolist() == [1] * 8 + [1] * 4 + [2] * 4
    df["phase"] = np.where(df["month"] >= "2023-03-01", "after", "before")
    res = spc.qic(df, x="month", y="y", chart="run", facet="ward", part="phase")
    assert res.data["part"].tolist() == ([1] * 2 + [2] * 6) * 2


def test_categorical_x_needs_exact_part_labels() -> None:
    df = pd.DataFrame({"unit": list("abcdef"), "y": [1.0, 2, 3, 4, 5, 6]})
    res = spc.qic(df, x="unit", y="y", chart="i", part=["d"])
    assert res.data["part"].tolist() == [1, 1, 1, 2, 2, 2]
    assert not res.data["runs_signal"].any()  # no runs analysis without an order


def test_exclude_leaves_a_point_out_but_shows_it() -> None:
    values = [10, 11, 9, 10, 50, 10, 11, 9, 10, 10, 11, 9]
    res = spc.qic(monthly(values), x="month", y="y", chart="i", exclude=["2023-05-01"])
    d = res.data
    assert d["include"].tolist() == [True] * 4 + [False] + [True] * 7
    assert d["cl"].iloc[0] == pytest.approx(np.mean([v for v in values if v != 50]))
    assert d["sigma_signal"].iloc[4]  # still judged against the limits
    assert d["n_obs"].iloc[0] == 11


def test_exclude_per_facet() -> None:
    df = pd.concat([monthly([1, 2, 3, 4], ward="A"), monthly([1, 2, 3, 4], ward="B")])
    res = spc.qic(df, x="month", y="y", chart="i", facet="ward", exclude={"A": ["2023-02-01"]})
    assert res.data["include"].tolist() == [True, False, True, True] + [True] * 4


def test_freeze_is_per_facet_and_extends_the_limits() -> None:
    df = pd.concat([monthly([5, 6] * 3 + [9] * 10, ward="A"), monthly([1, 2] * 8, ward="B")])
    res = spc.qic(df, x="month", y="y", chart="i", facet="ward", freeze=6)
    d = res.data
    assert d["baseline"].tolist() == ([True] * 6 + [False] * 10) * 2
    assert (d.loc[d["ward"] == "A", "cl"] == 5.5).all()
    # the runs analysis uses every point against the frozen centre: 11 in a row above it
    assert d.loc[d["ward"] == "A", "rule_long_run"].iloc[5:].all()
    assert d.loc[d["ward"] == "A", "longest_run"].iloc[0] == 11


def test_mdc_freeze_applies_within_each_phase() -> None:
    values = list(range(20)) + [30 + v % 3 for v in range(20)]
    res = spc.qic(
        monthly(values), x="month", y="y", chart="i", rules="mdc", part=["2024-09-01"], freeze=12
    )
    d = res.data
    assert d["baseline"].tolist() == ([True] * 12 + [False] * 8) * 2
    assert d["cl"].iloc[0] == pytest.approx(np.mean(values[:12]))
    assert d["cl"].iloc[-1] == pytest.approx(np.mean(values[20:32]))


def test_x_period_and_agg() -> None:
    days = pd.date_range("2024-01-01", periods=90, freq="D")
    df = pd.DataFrame({"day": days, "y": np.arange(90.0)})
    res = spc.qic(df, x="day", y="y", chart="run", x_period="month", agg="sum")
    assert res.data["x"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-01-01",
        "2024-02-01",
        "2024-03-01",
    ]
    assert res.data["y"].tolist() == [sum(range(31)), sum(range(31, 60)), sum(range(60, 90))]
    weeks = spc.qic(df, x="day", y="y", chart="run", x_period="week").data["x"]
    assert (weeks.dt.day_of_week == 0).all()  # weeks start on Monday, as R's cut.Date


def test_target_dict_and_fixed_centre() -> None:
    df = pd.concat([monthly([5, 6, 7, 6], ward="A"), monthly([1, 2, 3, 2], ward="B")])
    res = spc.qic(df, x="month", y="y", chart="i", facet="ward", target={"A": 4}, cl=3)
    assert res.data["target"].fillna(-1).tolist() == [4] * 4 + [-1] * 4
    assert (res.data["cl"] == 3).all()


def test_two_facets_keep_their_names() -> None:
    df = pd.concat(
        [
            monthly(range(4), ward="A").assign(trust="T1"),
            monthly(range(4), ward="B").assign(trust="T2"),
        ]
    )
    res = spc.qic(
        df,
        x="month",
        y="y",
        chart="run",
        facet=["trust", "ward"],
        part={("T2", "B"): ["2023-03-01"]},
    )
    assert list(res.data.columns[:2]) == ["trust", "ward"]
    assert res.data["part"].tolist() == [1, 1, 1, 1, 1, 1, 2, 2]
