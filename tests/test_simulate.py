"""spc.engine.simulate: seeded, shaped as documented, and statistically sensible."""

import numpy as np
import pandas as pd
import pytest

from spc.engine import simulate
from spc.errors import SPCError


def test_simulate_process_is_seeded_and_shifts():
    a = simulate.simulate_process(n_points=20, n_series=3, seed=5)
    b = simulate.simulate_process(n_points=20, n_series=3, seed=5)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == ["series", "month", "value"]
    assert a["month"].iloc[0] == pd.Timestamp("2022-04-01")
    big = simulate.simulate_process(n_points=400, mean=10, shift=5, shift_at=200, seed=1)
    jump = big["value"].iloc[200:].mean() - big["value"].iloc[:200].mean()
    assert jump == pytest.approx(5, abs=0.4)


def test_simulate_process_poisson_counts_and_errors():
    p = simulate.simulate_process(n_points=50, mean=3, kind="poisson", seed=2)
    assert (p["value"] == p["value"].round()).all() and (p["value"] >= 0).all()
    with pytest.raises(SPCError, match="kind must be"):
        simulate.simulate_process(kind="binomial")
    with pytest.raises(SPCError, match="Poisson mean cannot be negative"):
        simulate.simulate_process(mean=1, kind="poisson", shift=-5, shift_at=1)


def test_simulate_ward_effect_lowers_rate():
    w = simulate.simulate_ward(n_months=200, rate_per_1000=6, effect=0.5, effect_at=100, seed=3)
    before, after = w["rate"].iloc[:100].mean(), w["rate"].iloc[100:].mean()
    assert after / before == pytest.approx(0.5, abs=0.12)
    assert np.allclose(w["rate"], w["falls"] / w["bed_days"] * 1000)


def test_month_on_month_and_rag():
    mm = simulate.month_on_month([4, 5, 5, 2])
    assert mm["direction"].tolist() == ["", "up", "same", "down"]
    assert mm["pct_change"].iloc[1] == pytest.approx(25)
    assert simulate.rag_ratings([9, 10, 10.5, 12], target=10).tolist() == [
        "green",
        "green",
        "amber",
        "red",
    ]
    assert simulate.rag_ratings([96, 90], target=95, improvement="increase").tolist() == [
        "green",
        "amber",
    ]
    with pytest.raises(SPCError, match="improvement must be"):
        simulate.rag_ratings([1], target=1, improvement="neutral")


def test_detection_table_false_alarms_low_and_power_grows():
    t = simulate.detection_table(
        shifts=(0, 3), rule_sets=("anhoej", "ihi"), n_simulations=60, seed=1
    )
    d = t.set_index(["shift", "rules"])["detected"]
    assert d[(3.0, "anhoej")] > 0.9 and d[(3.0, "ihi")] > 0.9
    assert d[(0.0, "anhoej")] < 0.4
    # IHI's several rules raise more false alarms than Anhøj's (the notebook's teaching point)
    assert d[(0.0, "ihi")] > d[(0.0, "anhoej")]
    assert t["n_simulations"].eq(60).all()


def test_events_and_monthly_counts_agree():
    ev = simulate.simulate_events(rate_per_year=24, n_days=730, factor=0.25, change_day=365, seed=4)
    assert (ev["days_between"] > 0).all() and ev["date"].is_monotonic_increasing
    gaps = ev.groupby("after_change")["days_between"].mean()
    assert gaps[True] > 2 * gaps[False]
    mc = simulate.monthly_counts(ev, n_months=24)
    assert len(mc) == 24 and mc["events"].sum() == len(ev)


def test_league_table_ranks_each_year():
    lt = simulate.league_table(n_teams=6, n_years=3, seed=0)
    assert lt.groupby("year")["rank"].apply(sorted).map(list).eq([[1, 2, 3, 4, 5, 6]] * 3).all()
    assert lt.groupby("team")["bed_days"].nunique().eq(1).all()


def test_limit_spread_narrows_with_longer_baseline():
    s = simulate.limit_spread((6, 20), n_simulations=80, seed=2).set_index("baseline")
    width = s["ucl_high"] - s["ucl_low"]
    assert width[20] < width[6]
    assert s["ucl_mean"].between(12.5, 13.5).all()
    with pytest.raises(SPCError, match="baseline lengths"):
        simulate.limit_spread((1,), n_simulations=5)


def test_rare_event_detection_u_chart_invents_improvement():
    none = simulate.rare_event_detection(n_simulations=40, factor=1.0, seed=3).set_index("chart")
    # with near-zero counts the u chart flags "improvement" in wards where nothing changed
    assert none.loc["u", "detected"] > none.loc["t", "detected"]
