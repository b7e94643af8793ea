"""Each deliberate difference from qicharts2 / NHSRplotthedots listed in docs/deviations.md."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import spc

pytestmark = pytest.mark.filterwarnings("ignore:.*trial limits:spc.SPCWarning")


def test_deviations_page_lists_every_tested_choice() -> None:
    from pathlib import Path

    text = (Path(__file__).parents[1] / "docs" / "deviations.md").read_text()
    for phrase in (
        'zero_n="qicharts2"',
        "screen_mr=False",
        "short_group_warning",
        "missing value where TRUE/FALSE needed",
    ):
        assert phrase in text


def test_mdc_missing_value_that_crashes_nhsrplotthedots_is_computed() -> None:
    # 7-point window whose non-missing steps all rise: ptd_spc evaluates if (NA) and stops.
    y = [5, 6, 4, 5, 1, 2, 3, np.nan, 5, 6, 7, 4, 5, 6, 5, 4, 6, 5]
    df = pd.DataFrame({"month": pd.date_range("2023-01-01", periods=len(y), freq="MS"), "y": y})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spc.SPCWarning)
        res = spc.qic(df, x="month", y="y", chart="i", rules="mdc", improvement="increase")
    d = res.data
    assert len(d) == len(y)
    assert d.loc[7, "point_type"] == "common_cause" and not d.loc[7, "signal"]
    assert not d["rule_trend"].iloc[4:11].all()  # the gap breaks the trend


def test_t_and_g_charts_refuse_duplicate_events() -> None:
    df = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-02-01"]),
            "days": [3.0, 4.0, 5.0],
        }
    )
    with pytest.raises(spc.SPCError, match="duplicate rows found in 'date'"):
        spc.qic(df, x="date", y="days", chart="t")


def test_screening_is_an_argument_not_a_global() -> None:
    y = [5.0, 5.2, 4.9, 5.1, 9.0, 5.0, 5.1, 4.8, 5.2, 5.0, 4.9, 5.1, 5.0]
    df = pd.DataFrame({"i": range(len(y)), "y": y})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spc.SPCWarning)
        screened = spc.qic(df, x="i", y="y", chart="i").data["ucl"].iloc[0]
        unscreened = spc.qic(df, x="i", y="y", chart="i", screen_mr=False).data["ucl"].iloc[0]
    assert screened < unscreened
