"""The synthetic example collaborative: shape, realism, reproducibility, load_example."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd
import pytest

import spc
import spc._resources
import spc.data.examples
from spc.errors import SPCError

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "example"


def _rates(example_data: pd.DataFrame, measure: str) -> pd.DataFrame:
    return example_data[example_data.measure == measure]


def test_twelve_teams_four_trusts_36_months(example_data):
    falls = _rates(example_data, "falls_per_1000_obd")
    assert falls["team"].nunique() == 12 and falls["trust"].nunique() == 4
    months = falls.groupby("team")["period"].agg(["min", "max", "count"])
    assert (months["max"] == pd.Timestamp("2024-03-01")).all()
    assert months.loc["CRH-ASH", "count"] == 24  # the late joiner
    assert months.loc["CRH-ASH", "min"] == pd.Timestamp("2022-04-01")
    full = months.drop("CRH-ASH")
    assert (full["min"] == pd.Timestamp("2021-04-01")).all()
    # a few missing months, reported as gaps
    assert months["count"].sum() == 11 * 36 + 24 - 4
    gaps = [w.message for w in example_data.attrs["report"].warnings if w.message.startswith("gap")]
    assert any("'AVN-OAK'" in g and "2021-10, 2021-11" in g for g in gaps)
    assert example_data.attrs["report"].ok


def test_all_catalogue_measures_present(example_data):
    assert set(example_data["measure"]) == set(spc.measures().index)


def test_rates_are_realistic(example_data):
    def pooled(measure: str) -> float:
        r = _rates(example_data, measure)
        m = spc.measures().loc[measure, "multiplier"]
        return r["numerator"].sum() / r["denominator"].sum() * m

    assert 4 < pooled("falls_per_1000_obd") < 8  # national about 6.6
    assert 0.1 < pooled("falls_harm_per_1000_obd") < 0.5
    assert 0.8 < pooled("pu_cat2plus_per_1000_obd") < 2.5
    assert 88 < pooled("vte_risk_assessment_percent") < 97
    assert 88 < pooled("harm_free_percent") < 97
    obd = _rates(example_data, "falls_per_1000_obd")["denominator"]
    assert obd.between(550, 950).all()  # 26-30 beds, 86-97 % occupied


def _before_after(example_data: pd.DataFrame, team: str) -> float:
    r = _rates(example_data, "falls_per_1000_obd")
    r = r[r.team == team]
    before = r[r.period < "2022-08-01"]
    after = r[r.period >= "2023-04-01"]
    return (after.numerator.sum() / after.denominator.sum()) / (
        before.numerator.sum() / before.denominator.sum()
    )


def test_improvement_programme_has_varied_effects(example_data):
    assert _before_after(example_data, "AVN-ELM") < 0.7  # strong
    assert _before_after(example_data, "CRH-ELM") < 0.7  # strong
    assert 0.7 < _before_after(example_data, "AVN-ASH") < 1.3  # no effect
    assert _before_after(example_data, "DNM-OAK") > 1.3  # deteriorates


def test_change_log_marks_phase_starts_around_month_18(example_data):
    starts = example_data[example_data.phase_start & (example_data.measure == "falls_per_1000_obd")]
    assert 8 <= starts["team"].nunique() <= 10
    month = (starts["period"].dt.year - 2021) * 12 + starts["period"].dt.month - 4
    assert month.between(16, 24).all()
    assert example_data["annotation"].notna().any()


def test_events_match_monthly_counts():
    events = pd.read_csv(EXAMPLE / "events.csv", parse_dates=["date"])
    monthly = pd.concat(
        [pd.read_csv(p, parse_dates=["month"]) for p in sorted(EXAMPLE.glob("ward-monthly-*.csv"))]
        + [pd.read_excel(EXAMPLE / "ward-monthly-cresthaven.xlsx", "data")]
    )
    harm = events[
        (events.event_type == "fall") & events.severity.isin(["moderate", "severe", "death"])
    ]
    got = harm.groupby([harm.ward, harm.date.dt.to_period("M").dt.to_timestamp()]).size()
    want = monthly.set_index(["ward", "month"])[
        ["falls_moderate", "falls_severe", "falls_death"]
    ].sum(axis=1)
    want = want[want > 0]
    got.index.names = want.index.names
    pd.testing.assert_series_equal(
        got.sort_index(), want.sort_index().astype(got.dtype), check_names=False
    )


def test_data_are_labelled_synthetic():
    readme = (EXAMPLE / "README.md").read_text()
    assert "SYNTHETIC" in readme and "generate.py" in readme and "seed" in readme
    manifest = pd.read_csv(EXAMPLE / "manifest.csv")
    assert list(manifest.columns) == ["name", "description", "source", "used_by"]
    files = {
        str(p.relative_to(EXAMPLE))
        for p in EXAMPLE.rglob("*")
        if p.is_file()
        and p.name not in ("README.md", "manifest.csv", "generate.py")
        and "__pycache__" not in p.parts
    }
    assert files == set(manifest["name"])
    assert manifest["description"].str.contains("SYNTHETIC").sum() >= 8


def test_generate_reproduces_the_committed_files(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("generate", EXAMPLE / "generate.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "generate", module)  # dataclasses need the module
    spec.loader.exec_module(module)
    module.main(tmp_path)
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert len(made) == 9
    for rel in made:
        assert (tmp_path / rel).read_bytes() == (EXAMPLE / rel).read_bytes(), rel


def test_load_example_single_file_and_errors():
    ev = spc.load_example("events.csv")
    assert set(ev["measure"]) == {
        "days_between_falls_with_harm",
        "days_between_pu_cat2plus",
        "days_between_pu_cat3plus",
        "days_between_hat",
    }
    with pytest.raises(SPCError, match=r"unknown example 'nope'"):
        spc.load_example("nope")


def test_example_dir_not_found_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(spc.data.examples.EXAMPLE_ENV, str(tmp_path))
    monkeypatch.setattr(spc._resources, "_package_dir", lambda: tmp_path / "site" / "spc")
    with pytest.raises(SPCError, match=r"example data folder data/example was not found"):
        spc.load_example()


def test_example_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(spc.data.examples.EXAMPLE_ENV, str(EXAMPLE))
    assert spc.data.examples.example_dir() == EXAMPLE
