"""Contract tests run over every chart type in ``spc.CHARTS`` (one set of test bodies)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import spc
import spc.engine.rules

REQUIRED = [
    "x",
    "y_sum",
    "y_length",
    "y_mean",
    "y_sd",
    "n",
    "y",
    "cl",
    "lcl",
    "ucl",
    "lcl_95",
    "ucl_95",
    "target",
    "part",
    "xx",
    "baseline",
    "include",
    "n_obs",
    "n_useful",
    "longest_run",
    "longest_run_max",
    "n_crossings",
    "n_crossings_min",
    "runs_signal",
    "sigma_signal",
    "signal",
    "special_cause_type",
    "point_type",
    "short_group_warning",
]
RULE_SETS = list(spc.RULES)


def ward_data(chart: str, seed: int = 1) -> pd.DataFrame:
    """Two wards x 30 months; several rows per month for xbar/s; positive y for t."""
    rng = np.random.default_rng(seed)
    months = pd.date_range("2022-01-01", periods=30, freq="MS")
    rows_per = 4 if chart in ("xbar", "s") else 1
    wards = np.repeat(["Ward A", "Ward B"], 30 * rows_per)
    month = np.tile(np.repeat(months, rows_per), 2)
    size = wards.size
    n = rng.integers(500, 900, size).astype(float)
    if chart in ("p", "pp"):
        y = rng.binomial(n.astype(int), 0.2).astype(float)
    elif chart in ("t", "g"):
        y = rng.exponential(20, size).round(1) + 0.5
    elif chart in ("xbar", "s", "i", "ip", "mr", "run"):
        y = rng.normal(50, 5, size).round(2)
    else:
        y = rng.poisson(n * 0.006).astype(float)
    return pd.DataFrame({"ward": wards, "month": month, "y": y, "n": n})


def compute(chart: str, df: pd.DataFrame | None = None, **kwargs) -> spc.QICResult:
    df = ward_data(chart) if df is None else df
    n = "n" if chart in ("u", "up", "p", "pp", "ip") else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spc.SPCWarning)
        return spc.qic(df, x="month", y="y", n=n, chart=chart, facet="ward", **kwargs)


@pytest.mark.parametrize("chart", sorted(spc.CHARTS))
@pytest.mark.parametrize("rules", RULE_SETS)
def test_columns_rows_and_types(chart: str, rules: str) -> None:
    res = compute(chart, rules=rules, improvement="increase")
    d = res.data
    assert [c for c in REQUIRED if c not in d.columns] == []
    assert "ward" in d.columns
    assert len(d) == 60  # 2 wards x 30 subgroups, whatever the rows per subgroup
    rule_cols = [c for c in d.columns if c.startswith("rule_")]
    assert [c.removeprefix("rule_") for c in rule_cols] == list(spc.RULES[rules].rule_names)
    for col in [*rule_cols, "signal", "sigma_signal", "runs_signal", "baseline", "include"]:
        assert d[col].dtype == bool, col
    assert (d["signal"] == d[rule_cols].any(axis=1)).all()
    assert set(d["point_type"]) <= set(spc.engine.rules.POINT_TYPES)
    assert ((d["point_type"] != "common_cause") <= d["signal"]).all()


@pytest.mark.parametrize("chart", sorted(spc.CHARTS))
def test_limits_are_ordered_where_defined(chart: str) -> None:
    d = compute(chart).data
    defined = d[["lcl", "cl", "ucl"]].notna().all(axis=1)
    if chart == "run":
        assert not defined.any()
        return
    assert defined.sum() > 0
    sub = d[defined]
    assert (sub["lcl"] <= sub["ucl"]).all()
    assert (sub["lcl"] <= sub["lcl_95"] + 1e-12).all()
    assert (sub["ucl_95"] <= sub["ucl"] + 1e-12).all()
    if chart != "g":  # the G chart draws the median, which can sit below a clipped lcl of 0
        assert ((sub["lcl"] <= sub["cl"] + 1e-12) & (sub["cl"] <= sub["ucl"] + 1e-12)).all()


@pytest.mark.parametrize("chart", sorted(spc.CHARTS))
def test_input_is_not_mutated(chart: str) -> None:
    df = ward_data(chart)
    before = df.copy(deep=True)
    compute(chart, df)
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize("chart", sorted(spc.CHARTS))
def test_part_only_changes_its_own_phase(chart: str) -> None:
    whole = compute(chart).data
    split = compute(chart, part=[pd.Timestamp("2023-07-01")]).data
    early = whole["x"] < pd.Timestamp("2023-07-01")
    assert (split.loc[early, "part"] == 1).all() and (split.loc[~early, "part"] == 2).all()
    # Phase 1 has the same points, but its own centre and limits now come from 18 points
    # instead of 30, so only the phase-2 rows may differ from phase 2's own recalculation.
    phase2_alone = compute(
        chart, df=ward_data(chart)[lambda f: f["month"] >= pd.Timestamp("2023-07-01")]
    ).data
    cols = ["y", "cl", "lcl", "ucl"]
    got = split.loc[~early, cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, phase2_alone[cols], check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("chart", sorted(spc.CHARTS))
def test_freeze_fixes_centre_and_limits_on_the_baseline(chart: str) -> None:
    frozen = compute(chart, freeze=12).data
    assert frozen["baseline"].sum() == 24  # 12 per ward
    baseline_only = compute(
        chart, df=ward_data(chart)[lambda f: f["month"] < pd.Timestamp("2023-01-01")]
    ).data
    for ward in ("Ward A", "Ward B"):
        got = frozen.loc[frozen["ward"] == ward, "cl"].to_numpy()
        want = baseline_only.loc[baseline_only["ward"] == ward, "cl"].to_numpy()
        if chart == "mr":
            continue  # MR points of the baseline include no cross-boundary range: same check
        np.testing.assert_allclose(got[:12], want, rtol=1e-12)
        np.testing.assert_allclose(got[12:], want[0], rtol=1e-12)  # extended unchanged


@pytest.mark.parametrize("chart", sorted(spc.CHARTS))
def test_result_does_not_depend_on_row_order_or_index(chart: str) -> None:
    df = ward_data(chart)
    shuffled = df.sample(frac=1, random_state=3)
    shuffled.index = [f"row{i}" for i in range(len(df))]
    a, b = compute(chart, df).data, compute(chart, shuffled).data
    if chart in ("xbar", "s"):  # several rows per subgroup: sums may round differently
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
    else:
        pd.testing.assert_frame_equal(a, b)


def test_summary_has_one_row_per_facet_and_part() -> None:
    res = compute(
        "u",
        part={"Ward A": [pd.Timestamp("2023-01-01")]},
        target=5,
        improvement="decrease",
        multiply=1000,
    )
    s = res.summary()
    assert s[["ward", "part"]].values.tolist() == [["Ward A", 1], ["Ward A", 2], ["Ward B", 1]]
    assert s["n"].tolist() == [12, 18, 30]
    assert s["assurance_type"].isna().tolist() == [True, False, False]
    assert set(s["variation_type"]) <= set(spc.engine.rules.POINT_TYPES)


def test_repr_html_shows_summary() -> None:
    html = compute("c")._repr_html_()
    assert "<table" in html and "c chart" in html
