"""Plain-English captions (``res.describe()``): what is measured, centre and limits, which
signals fired and since when, and what the chart does not mean."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import spc

pytestmark = pytest.mark.filterwarnings("ignore::spc.SPCWarning")


def monthly(values, ward=None, n=None) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "month": pd.date_range("2022-01-01", periods=len(values), freq="MS"),
            "falls": np.asarray(values, float),
        }
    )
    if n is not None:
        df["bed_days"] = n
    if ward is not None:
        df["ward"] = ward
    return df


STABLE = [5, 7, 4, 6, 8, 5, 6, 4, 7, 5, 6, 9, 5, 6, 7, 4, 6, 5, 7, 6, 5, 6, 4, 7]
SHIFTED = STABLE[:12] + [v - 3 for v in STABLE[12:]]


def test_common_cause_caption() -> None:
    res = spc.qic(
        monthly(STABLE, n=800), x="month", y="falls", n="bed_days", chart="u", multiply=1000
    )
    text = res.describe()
    assert text.startswith(
        "Falls (per 1,000 bed days), U chart: 24 monthly points from Jan 2022 to Dec 2023."
    )
    assert "No signals of special cause" in text
    assert "What it does not mean" in text and "noise" in text


def test_signal_caption_says_which_and_since_when() -> None:
    res = spc.qic(monthly(SHIFTED), x="month", y="falls", chart="i", improvement="decrease")
    text = res.describe()
    assert "unusually long run" in text and "Jan 2023" in text
    assert "not why" in text  # a signal is not an explanation
    assert "improvement" in text


def test_faceted_captions_are_per_ward_and_name_it() -> None:
    df = pd.concat([monthly(STABLE, ward="Ash"), monthly(SHIFTED, ward="Birch")])
    caps = spc.qic(df, x="month", y="falls", chart="i", facet="ward").describe()
    assert set(caps) == {"Ash", "Birch"}
    assert ", Birch:" in caps["Birch"] and "Ash" not in caps["Birch"]


def test_run_chart_caption_says_what_it_cannot_show() -> None:
    text = spc.qic(monthly(STABLE), x="month", y="falls", chart="run").describe()
    assert "median" in text.lower()
    assert "cannot show single unusual points" in text


def test_phases_and_targets_are_described() -> None:
    res = spc.qic(
        monthly(SHIFTED, n=800),
        x="month",
        y="falls",
        n="bed_days",
        chart="u",
        multiply=1000,
        part=["2023-01-01"],
        target=2.0,
        improvement="decrease",
    )
    text = res.describe()
    assert "2 phases" in text and "Jan 2023 (12 points)" in text
    assert "Target 2" in text


def test_event_charts_speak_of_events_not_days() -> None:
    """A T chart has one point per event on its date: not a daily series, and the dates are
    days (12 Mar 2024), not months."""
    dates = pd.to_datetime(
        [
            "2023-01-09",
            "2023-03-20",
            "2023-04-02",
            "2023-07-14",
            "2023-08-30",
            "2023-11-03",
            "2024-01-22",
            "2024-03-12",
        ]
    )
    df = pd.DataFrame({"date": dates, "days": np.r_[30, dates.to_series().diff().dt.days[1:]]})
    text = spc.describe(spc.qic(df, x="date", y="days", chart="t"))
    assert "8 points (one per event) from 9 Jan 2023 to 12 Mar 2024" in text
    assert "event-to-event ups and downs are noise" in text and "single events" in text
    assert "daily" not in text


def test_mostly_zero_counts_point_to_a_time_between_events_chart() -> None:
    months = pd.date_range("2022-04-01", periods=24, freq="MS")
    harms = np.zeros(24)
    harms[[3, 11, 19]] = 1
    rare = pd.DataFrame({"month": months, "harms": harms, "bed_days": 800.0})
    text = spc.describe(spc.qic(rare, x="month", y="harms", n="bed_days", chart="u"))
    assert "Most points (21 of 24) are zero" in text and "T or G chart" in text
    common = rare.assign(harms=np.arange(24) % 4 + 1.0)
    assert "are zero" not in spc.describe(
        spc.qic(common, x="month", y="harms", n="bed_days", chart="u")
    )
