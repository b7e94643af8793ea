"""The measures catalogue, user override files, and chart_measure on the example data."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spc
from spc.chart_types import CHART_TYPES
from spc.data.catalogue import CatalogueError, get_measure, load_catalogue
from spc.data.templates import TEMPLATES
from spc.errors import SPCError, SPCWarning

REQUIRED_IDS = {
    "falls_per_1000_obd": ("falls", "u", "decrease"),
    "falls_harm_per_1000_obd": ("falls", "u", "decrease"),
    "days_between_falls_with_harm": ("falls", "t", "increase"),
    "pu_cat2plus_per_1000_obd": ("pressure_ulcers", "u", "decrease"),
    "pu_new_percent_surveyed": ("pressure_ulcers", "p", "decrease"),
    "days_between_pu_cat3plus": ("pressure_ulcers", "t", "increase"),
    "vte_risk_assessment_percent": ("vte", "p", "increase"),
    "thromboprophylaxis_percent": ("vte", "p", "increase"),
    "hat_per_1000_admissions": ("vte", "u", "decrease"),
    "harm_free_percent": ("harm_free_care", "p", "increase"),
}


# ------------------------------------------------------------------------------- catalogue


def test_catalogue_has_the_measures_the_issue_names():
    m = spc.measures()
    for mid, (topic, chart, improvement) in REQUIRED_IDS.items():
        assert (m.loc[mid, "topic"], m.loc[mid, "chart"], m.loc[mid, "improvement"]) == (
            topic,
            chart,
            improvement,
        ), mid


def test_one_balancing_measure_per_clinical_topic():
    m = spc.measures()
    for topic in ("falls", "pressure_ulcers", "vte"):
        assert (m[m.topic == topic]["type"] == "balancing").sum() >= 1, topic


def test_catalogue_frame_columns_and_types():
    m = spc.measures()
    assert m.index.name == "id" and m.index.is_unique
    for col in (
        "title",
        "topic",
        "type",
        "numerator",
        "denominator",
        "multiplier",
        "unit",
        "chart",
        "improvement",
        "target",
        "definition",
    ):
        assert col in m.columns
    assert set(m["type"]) <= {"outcome", "process", "balancing"}
    assert set(m["chart"]) <= set(CHART_TYPES)
    assert m.loc["vte_risk_assessment_percent", "target"] == 95
    assert m.loc["harm_free_percent", "target"] == 95
    assert m.loc["falls_per_1000_obd", "multiplier"] == 1000
    assert m.loc["falls_harm_per_1000_obd", "numerator"] == (
        "falls_moderate + falls_severe + falls_death"
    )
    # every definition is one plain sentence
    assert all(d.endswith(".") and d.count(". ") == 0 for d in m["definition"])


def test_shipped_measures_use_template_columns():
    for m in load_catalogue().values():
        if m.source == "events":
            assert m.event_type and m.severities
            continue
        cols = TEMPLATES[m.source].column_names
        for c in (*m.numerator, *m.denominator):
            assert c in cols, (m.id, c)


def test_get_measure_unknown_id_suggests():
    with pytest.raises(
        SPCError,
        match=r"unknown measure 'falls_per_1000' \(did you mean "
        r"'falls_per_1000_obd'\?\)",
    ):
        get_measure("falls_per_1000")


# ------------------------------------------------------------------------- override files


def test_override_changes_only_the_given_fields(tmp_path):
    f = tmp_path / "local.toml"
    f.write_text('[falls_per_1000_obd]\ntarget = 5.5\nchart = "i"\n')
    m = spc.measures(f)
    assert m.loc["falls_per_1000_obd", "target"] == 5.5
    assert m.loc["falls_per_1000_obd", "chart"] == "i"
    assert m.loc["falls_per_1000_obd", "denominator"] == "occupied_bed_days"


def test_new_measure_with_its_own_columns_loads(tmp_path):
    f = tmp_path / "local.toml"
    f.write_text(
        '[lsbp_percent]\ntitle = "Lying and standing BP"\ntopic = "falls"\ntype = "process"\n'
        'source = "ward-monthly"\nnumerator = "lsbp_num"\ndenominator = "lsbp_den"\n'
        'multiplier = 100\nunit = "%"\nchart = "p"\nimprovement = "increase"\n'
        'definition = "Patients aged 65+ with lying and standing BP recorded."\n'
    )
    data = tmp_path / "wm.csv"
    data.write_text(
        "ward,month,occupied_bed_days,lsbp_num,lsbp_den\nW1,2024-04,700,9,12\n"
        "W1,2024-05,700,13,12\n"
    )
    with pytest.raises(spc.DataValidationError, match=r"lsbp_num \(13\) is more than lsbp_den"):
        spc.load(data, measures_file=f)
    data.write_text("ward,month,occupied_bed_days,lsbp_num,lsbp_den\nW1,2024-04,700,9,12\n")
    df = spc.load(data, measures_file=f, warn=False)
    assert df.loc[df.measure == "lsbp_percent", "value"].item() == pytest.approx(75.0)


def test_bad_entries_name_file_entry_and_field_all_at_once(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text(
        '[falls_per_1000_obd]\nchart = "x"\ntarget = "high"\n\n'
        '[my_measure]\ntitle = "Mine"\ntopic = "falls"\ntype = "outcom"\nsource = "ward-monthly"\n'
        'numerator = "falls_total"\nunit = "n"\nchart = "u"\nimprovement = "down"\n'
        'definition = "x."\nmultipler = 10\n'
    )
    with pytest.raises(CatalogueError) as info:
        spc.measures(f)
    problems = info.value.problems
    text = "\n".join(problems)
    assert "bad.toml, entry 'falls_per_1000_obd', field 'chart': 'x' is not allowed" in text
    assert "bad.toml, entry 'falls_per_1000_obd', field 'target': 'high' must be a number" in text
    assert (
        "bad.toml, entry 'my_measure', field 'type': 'outcom' is not allowed "
        "(did you mean 'outcome'?)"
    ) in text
    assert "entry 'my_measure', field 'improvement': 'down' is not allowed" in text
    assert (
        "entry 'my_measure', field 'multipler': unknown field (did you mean 'multiplier'?)"
    ) in text
    assert "entry 'my_measure', field 'denominator': a u chart needs a denominator" in text
    assert len(problems) == 6


@pytest.mark.parametrize(
    ("toml", "match"),
    [
        ('[new]\ntitle = "t"\n', r"entry 'new', field 'topic': missing"),
        ("[falls_per_1000_obd]\nmultiplier = -1\n", r"field 'multiplier': -1 must be a positive"),
        ("[falls_per_1000_obd]\nnumerator = 3\n", r"field 'numerator': must be a column name"),
        ('[falls_per_1000_obd]\ntitle = ""\n', r"field 'title': must be non-empty text"),
        (
            '[days_between_falls_with_harm]\nseverities = ["modrate"]\n',
            r"field 'severities': 'modrate' is not a severity of fall "
            r"\(did you mean 'moderate'\?\)",
        ),
        (
            '[days_between_falls_with_harm]\nevent_type = "slip"\n',
            r"field 'event_type': 'slip' is not an event type",
        ),
        ("falls_per_1000_obd = 3\n", r"entry 'falls_per_1000_obd': expected a table"),
        ("[falls_per_1000_obd\n", r"bad.toml: not valid TOML"),
    ],
)
def test_each_catalogue_message(tmp_path, toml, match):
    f = tmp_path / "bad.toml"
    f.write_text(toml)
    with pytest.raises(CatalogueError, match=match):
        load_catalogue(f)


def test_missing_measures_file(tmp_path):
    with pytest.raises(SPCError, match=r"nope.toml: measures file not found"):
        load_catalogue(tmp_path / "nope.toml")


# ------------------------------------------------------------ chart_measure on example data


@pytest.mark.parametrize("mid", list(load_catalogue()))
def test_every_catalogue_measure_charts_on_the_example(example_data, mid):
    m = get_measure(mid)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SPCWarning)  # short phases give trial-limit warnings
        res = spc.chart_measure(example_data, mid)
    data = res.data
    assert res.options["chart"] == m.chart
    assert res.options["improvement"] == m.improvement
    assert "team" in data.columns  # faceted by team
    rows = example_data[(example_data.measure == mid) & example_data.value.notna()]
    assert len(data) == len(rows)
    assert set(data["team"]) == set(rows["team"])
    # the plotted value is the catalogue's value (rate x multiplier, %, days)
    merged = data.merge(rows, left_on=["team", "x"], right_on=["team", "period"])
    assert np.allclose(merged["y"], merged["value"])
    if m.chart != "run":
        assert data["cl"].notna().all()
    if m.target is not None:
        assert (data["target"] == m.target).all()


def test_u_chart_for_one_team_uses_numerator_and_denominator(example_data):
    res = spc.chart_measure(example_data, "falls_per_1000_obd", team="AVN-ELM", phases=False)
    data = res.data
    assert "team" not in data.columns and len(data) == 36
    assert res.options["multiply"] == 1000
    rows = example_data[
        (example_data.measure == "falls_per_1000_obd") & (example_data.team == "AVN-ELM")
    ]
    assert np.allclose(data["n"], rows["denominator"])
    cl = rows["numerator"].sum() / rows["denominator"].sum() * 1000
    assert data["cl"].iloc[0] == pytest.approx(cl)
    assert (data["part"] == 1).all()


def test_change_log_phases_split_the_chart(example_data):
    res = spc.chart_measure(example_data, "falls_per_1000_obd", team="AVN-ELM")
    data = res.data
    assert sorted(data["part"].unique()) == [1, 2]
    first_new = data.loc[data["part"] == 2, "x"].min()
    starts = example_data[
        (example_data.measure == "falls_per_1000_obd")
        & (example_data.team == "AVN-ELM")
        & example_data.phase_start
    ]
    assert first_new == starts["period"].item() == pd.Timestamp("2022-09-01")
    # the strong falls improvement shows in the new centre line
    cls = data.groupby("part")["cl"].first()
    assert cls[2] < 0.8 * cls[1]


def test_several_teams_facet_and_phases_per_team(example_data):
    teams = ["AVN-ELM", "DNM-OAK", "AVN-ASH"]
    res = spc.chart_measure(example_data, "falls_per_1000_obd", team=teams)
    parts = res.data.groupby("team")["part"].max()
    v = res.verdicts.set_index("team")
    # each team's first change judged against its own baseline: AVN-ELM's falls fell, DNM-OAK's
    # rose after the ward moved (a change with no measure counts for every topic); both are
    # confirmed and get new limits, AVN-ASH's change made no difference and keeps its baseline
    assert parts["AVN-ELM"] == 2 and parts["DNM-OAK"] == 2 and parts["AVN-ASH"] == 1
    assert v.loc["AVN-ELM", "variation_type"] == "special_cause_improvement"
    assert v.loc["DNM-OAK", "variation_type"] == "special_cause_concern"
    assert v.loc["AVN-ASH", "variation_type"] == "common_cause"
    assert v.loc["AVN-ASH", "change_state"] == "pending"
    judged = res.data[res.data["team"] == "AVN-ASH"]
    assert judged["judged"].sum() == 18 and (judged.loc[judged["judged"], "baseline"] == 0).all()


def test_late_joiner_has_a_shorter_series(example_data):
    res = spc.chart_measure(example_data, "falls_per_1000_obd", team="CRH-ASH", phases=False)
    assert len(res.data) == 24


def test_overrides_win(example_data):
    res = spc.chart_measure(
        example_data, "falls_per_1000_obd", team="AVN-ELM", chart="run", phases=False
    )
    assert res.options["chart"] == "run"
    assert res.data["ucl"].isna().all()


def test_chart_measure_unknown_team_suggests(example_data):
    with pytest.raises(
        SPCError,
        match=r"team 'AVN-ELN' has no falls_per_1000_obd data "
        r"\(did you mean 'AVN-ELM'\?\)",
    ):
        spc.chart_measure(example_data, "falls_per_1000_obd", team="AVN-ELN")


def test_chart_measure_measure_not_in_data(example_data):
    df = example_data[example_data.measure != "harm_free_percent"]
    with pytest.raises(SPCError, match=r"the data hold no rows for measure 'harm_free_percent'"):
        spc.chart_measure(df, "harm_free_percent")


def test_chart_measure_needs_the_tidy_frame():
    with pytest.raises(SPCError, match=r"data is missing column\(s\) team, period, measure"):
        spc.chart_measure(pd.DataFrame({"x": [1]}), "falls_per_1000_obd")


def test_chart_measure_accepts_paths(tmp_path):
    path = Path(tmp_path / "wm.csv")
    lines = ["ward,month,occupied_bed_days,falls_total"]
    lines += [f"W1,2023-{m:02d},700,{m % 4 + 2}" for m in range(1, 13)]
    path.write_text("\n".join(lines) + "\n")
    with pytest.warns(SPCWarning, match="trial limits"):  # 12 points < 13
        res = spc.chart_measure(path, "falls_per_1000_obd")
    assert len(res.data) == 12 and res.options["chart"] == "u"


def test_change_log_phases_need_enough_points_each_side() -> None:
    from spc.engine.measure_chart import _long_enough_phases

    periods = pd.Series(pd.date_range("2022-01-01", periods=20, freq="MS"))
    starts = [pd.Timestamp("2022-04-01"), pd.Timestamp("2022-08-01"), pd.Timestamp("2023-06-01")]
    # 3 points before April: dropped; Aug keeps 7 before and 13 after; Jun 2023 leaves 3 after
    assert _long_enough_phases(periods, starts) == [pd.Timestamp("2022-08-01")]


@pytest.mark.filterwarnings("ignore:.*trial limits:spc.SPCWarning")
def test_chart_measure_says_which_phase_starts_it_skipped() -> None:
    data = spc.load_example()
    team, measure = "AVN-ELM", "days_between_falls_with_harm"
    late = data.loc[(data["team"] == team) & (data["measure"] == measure), "period"].iloc[-3]
    choice = spc.data.chart_settings.MeasureChoice(phases=(late,))
    settings = spc.data.chart_settings.ChartSettings({team: {measure: choice}})
    with pytest.warns(spc.SPCWarning, match="phase start.* not applied .* fewer than 6 points"):
        res = spc.chart_measure(data, measure, team=team, settings=settings)
    assert res.data["part"].max() == 1  # 7 events: no phase long enough
