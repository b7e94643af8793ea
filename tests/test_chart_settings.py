"""Chart settings (each team's baseline, exclusions, target): file checks and how every output
applies them the same way."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from spc.data.chart_settings import (
    ChartSettings,
    MeasureChoice,
    read_chart_settings,
    write_chart_settings,
)
from spc.engine.measure_chart import chart_measure
from spc.errors import SPCError, SPCWarning
from spc.report import build_team_report, collaborative_summary, sustained_improvement

TEAM, MEASURE = "AVN-ELM", "falls_per_1000_obd"
AUG_2022 = pd.Timestamp("2022-08-01")


def _write(tmp_path, content) -> object:
    path = tmp_path / "chart_settings.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


# ------------------------------------------------------------------------------ the file
def test_every_problem_is_reported_at_once_naming_team_measure_and_field(tmp_path):
    path = _write(
        tmp_path,
        {
            TEAM: {
                "falls_per_1000_bd": {"baseline": 12},
                MEASURE: {
                    "baseline": 0,
                    "exclude": ["01/08/2022", 5],
                    "target": "5",
                    "basline": 12,
                },
                "harm_free_percent": {"baseline": 1.5, "exclude": "2022-08-01", "target": True},
            },
            "AVN-OAK": [1, 2],
        },
    )
    with pytest.raises(SPCError) as err:
        read_chart_settings(path)
    msg = str(err.value)
    expected = [
        "chart_settings.json, team 'AVN-ELM', measure 'falls_per_1000_bd': not a measure id "
        "(did you mean 'falls_per_1000_obd'?)",
        "measure 'falls_per_1000_obd', field 'baseline': 0 is not a whole number",
        "field 'exclude': '01/08/2022' is not a date written YYYY-MM-DD",
        "field 'exclude': 5 is not a date",
        "field 'target': '5' is not a number",
        "field 'basline': unknown field (did you mean 'baseline'?)",
        "measure 'harm_free_percent', field 'baseline': 1.5 is not a whole number",
        "measure 'harm_free_percent', field 'exclude': must be a list of dates",
        "measure 'harm_free_percent', field 'target': True is not a number",
        "team 'AVN-OAK': expected an object keyed by measure id",
    ]
    for text in expected:
        assert text in msg, text


@pytest.mark.parametrize(
    "content, where",
    [
        ('{"AVN-ELM": {"falls_per_1000_obd": {"baseline": 12,}}}', "line 1, column 52"),
        ('{\n  "AVN-ELM": {\n    "falls_per_1000_obd": {"target": 5}\n  }\n', "line 5, column 1"),
    ],
)
def test_invalid_json_names_line_and_column(tmp_path, content, where):
    with pytest.raises(SPCError, match=f"chart_settings.json, {where}: not valid JSON"):
        read_chart_settings(_write(tmp_path, content))


def test_non_finite_target_and_missing_file(tmp_path):
    with pytest.raises(SPCError, match="field 'target': nan is not a number"):
        read_chart_settings(_write(tmp_path, '{"W1": {"falls_per_1000_obd": {"target": NaN}}}'))
    with pytest.raises(SPCError, match="chart settings file not found"):
        read_chart_settings(tmp_path / "nope.json")
    assert not read_chart_settings(_write(tmp_path, ""))  # an empty file: no choices


def test_unknown_team_is_named_with_the_nearest(tmp_path):
    settings = read_chart_settings(_write(tmp_path, {"AVN-ELN": {MEASURE: {"baseline": 12}}}))
    with pytest.raises(
        SPCError,
        match=r"team 'AVN-ELN': not in the data files \(did you mean "
        r"'AVN-ELM'\?\)",
    ):
        settings.check_teams(["AVN-ELM", "AVN-OAK"])


def test_write_keeps_other_entries_and_is_readable(tmp_path):
    path = tmp_path / "s.json"
    write_chart_settings(path, TEAM, MEASURE, MeasureChoice(baseline=12, exclude=(AUG_2022,)))
    write_chart_settings(path, "AVN-OAK", MEASURE, MeasureChoice(target=6))
    write_chart_settings(path, TEAM, MEASURE, MeasureChoice(baseline=18))  # replaces
    back = read_chart_settings(path)
    assert back.choice(TEAM, MEASURE) == MeasureChoice(baseline=18)
    assert back.choice("AVN-OAK", MEASURE) == MeasureChoice(target=6.0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]  # no temporary files left


# ------------------------------------------------------------------------ the engine
def test_team_settings_equal_the_same_qic_arguments(example_data):
    """A team's baseline is judged exactly as qic(judge_from=) judges it, its exclusions and
    target are qic's exclude and target."""
    settings = ChartSettings({TEAM: {MEASURE: MeasureChoice(12, (AUG_2022,), 5.0)}})
    thirteenth = pd.Timestamp("2022-04-01")  # the example starts in April 2021
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SPCWarning)
        got = chart_measure(
            example_data, MEASURE, team=TEAM, settings=settings, rules="mdc", phases=False
        )
        judged = chart_measure(
            example_data,
            MEASURE,
            team=TEAM,
            rules="mdc",
            judge_from=thirteenth,
            exclude=[AUG_2022],
            target=5.0,
        )
    v = got.verdicts.iloc[0]
    assert v["change_x"] == thirteenth and v["baseline_points"] == 12
    d = got.data
    assert not d.loc[d["x"] == AUG_2022, "include"].item() and (d["target"] == 5.0).all()
    if v["change_state"] == "confirmed":  # new limits from the 13th point
        assert d.loc[d["x"] >= thirteenth, "part"].nunique() == 1
        assert d.loc[d["x"] < thirteenth, "part"].max() == 1
        assert d.loc[d["x"] >= thirteenth, "part"].iloc[0] == 2
    else:
        pd.testing.assert_frame_equal(got.data, judged.data)


def test_faceted_settings_apply_per_team_only(example_data):
    settings = ChartSettings(
        {
            TEAM: {MEASURE: MeasureChoice(baseline=12, exclude=(AUG_2022,), target=5.0)},
            "AVN-OAK": {MEASURE: MeasureChoice(exclude=(pd.Timestamp("2031-01-01"),))},
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SPCWarning)
        res = chart_measure(
            example_data,
            MEASURE,
            facet="team",
            settings=settings,
            rules="mdc",
            target=8.0,
        )
        plain = chart_measure(example_data, MEASURE, facet="team", rules="mdc", target=8.0)
    d, p = res.data, plain.data
    elm, others = d["team"] == TEAM, d["team"] != TEAM
    assert res.verdicts.set_index("team").loc[TEAM, "baseline_points"] == 12
    assert (d.loc[elm, "target"] == 5.0).all()
    assert not d.loc[elm & (d["x"] == AUG_2022), "include"].item()
    # other teams are exactly as without settings (their target is the overriding 8)
    pd.testing.assert_frame_equal(
        d[others].reset_index(drop=True), p[others].reset_index(drop=True)
    )
    assert (d.loc[others, "target"] == 8.0).all()


def test_team_report_summary_and_overview_agree(example_data):
    settings = ChartSettings({TEAM: {MEASURE: MeasureChoice(12, (AUG_2022,), 5.0)}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SPCWarning)
        report = build_team_report(
            example_data[example_data["team"] == TEAM],
            TEAM,
            [MEASURE],
            rules="mdc",
            settings=settings,
        )
        summary = collaborative_summary(example_data, [MEASURE], rules="mdc", settings=settings)
    section = report.sections[0]
    row = summary[summary["team"] == TEAM].iloc[0]
    last = section.result.data.iloc[-1]
    assert np.isclose(row["centre"], last["cl"]) and np.isclose(row["ucl"], last["ucl"])
    assert row["target"] == 5.0 == section.latest["target"]
    assert row["variation_type"] == section.latest["variation_type"]
    assert row["verdict"] == section.latest["verdict"] and section.caption.startswith(
        row["verdict"]
    )
    assert "after a baseline of 12 points" in section.caption
    assert "Aug 2022" in section.caption or "August 2022" in section.caption


def test_a_baseline_with_change_log_phases_is_applied(example_data):
    """Every rule set: a team's baseline is the reference for judging, never ignored."""
    settings = ChartSettings({TEAM: {MEASURE: MeasureChoice(baseline=12)}})
    report = build_team_report(
        example_data[example_data["team"] == TEAM], TEAM, [MEASURE], settings=settings
    )
    v = report.sections[0].result.verdicts.iloc[0]
    assert v["baseline_points"] == 12 and v["change_x"] == pd.Timestamp("2022-04-01")
    assert not any("not applied" in n for n in report.data_warnings)


def test_sustained_improvement_leaves_excluded_points_out_of_the_baseline(example_data):
    team = "BRK-OAK"
    rows = example_data[example_data["team"] == team]
    first = rows.loc[rows["phase_start"].fillna(False).astype(bool), "period"].min()
    before = rows[(rows["measure"] == MEASURE) & (rows["period"] < first)]
    settings = ChartSettings({team: {MEASURE: MeasureChoice(exclude=(before["period"].iloc[3],))}})
    plain = sustained_improvement(rows, [MEASURE]).iloc[0]
    chosen = sustained_improvement(rows, [MEASURE], settings=settings).iloc[0]
    assert plain["points_before"] == chosen["points_before"] == len(before)
    assert plain["first_change"] == chosen["first_change"] == f"{first:%Y-%m-%d}"
    res_plain = chart_measure(rows, MEASURE, team=team)
    res_chosen = chart_measure(rows, MEASURE, team=team, settings=settings)
    # the excluded baseline month moves the baseline centre, so the verdict's numbers follow
    assert (
        res_plain.verdicts["baseline_centre"].item()
        != res_chosen.verdicts["baseline_centre"].item()
    )
