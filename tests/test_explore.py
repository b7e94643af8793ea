"""spc.interactive (the explorer): the pure functions, and the widgets driven programmatically."""

import json

import pandas as pd
import pytest

import spc
import spc.data.examples
from spc.errors import SPCError
from spc.interactive import (
    CHANGES_COLUMNS,
    ExploreSettings,
    changes_frame,
    chart_note,
    compute,
    default_settings,
    explore,
    qic_overrides,
    static_view,
    what_if,
    write_changes,
    write_settings,
)

TEAM, MEASURE = "AVN-ELM", "falls_per_1000_obd"


@pytest.fixture(scope="module")
def box(example_data, tmp_path_factory):
    return explore(example_data, TEAM, MEASURE, export_dir=tmp_path_factory.mktemp("exports"))


# ------------------------------------------------------------------ pure functions
def test_default_settings_follow_catalogue_and_change_log(example_data):
    s = default_settings(example_data, TEAM, MEASURE)
    assert (s.chart, s.improvement, s.rules) == ("u", "decrease", "anhoej")
    # the change log's changes are judged by the chart (as in the reports): no phase is forced
    assert s.phase_starts == []
    assert s.notes[pd.Timestamp("2022-09-01")].startswith("PDSA 1:")
    assert default_settings(example_data, TEAM, "vte_risk_assessment_percent").target == 95.0
    with pytest.raises(SPCError, match="not in the data"):
        default_settings(example_data, "NOPE")


@pytest.mark.parametrize(
    ("measure", "chart", "expected"),
    [
        ("falls_per_1000_obd", "u", None),
        ("falls_per_1000_obd", "run", None),
        ("falls_per_1000_obd", "p", "is a rate"),
        ("falls_per_1000_obd", "c", "raw counts"),
        ("falls_per_1000_obd", "t", "between rare events"),
        ("falls_per_1000_obd", "s", "several measurements"),
        ("vte_risk_assessment_percent", "u", "is a proportion"),
        ("days_between_falls_with_harm", "u", "cannot be drawn"),
        ("days_between_falls_with_harm", "i", "too narrow"),
    ],
)
def test_chart_note(measure, chart, expected):
    note = chart_note(measure, chart)
    assert note is None if expected is None else expected in note


def test_qic_overrides_apply_every_setting():
    s = ExploreSettings(
        TEAM,
        MEASURE,
        "i",
        rules="ihi",
        baseline=12,
        target=5.0,
        phase_starts=[pd.Timestamp("2023-01-01")],
        exclude=[pd.Timestamp("2022-01-01")],
        improvement="neutral",
    )
    kw = qic_overrides(s, MEASURE)
    choice = kw.pop("settings").choice(TEAM, MEASURE)
    assert kw == {
        "chart": "i",
        "rules": "ihi",
        "improvement": "neutral",
        "target": 5.0,
        "phases": True,
    }
    assert choice.baseline == 12 and choice.target == 5.0
    assert choice.phases == (pd.Timestamp("2023-01-01"),)
    assert choice.exclude == (pd.Timestamp("2022-01-01"),)
    assert qic_overrides(ExploreSettings(TEAM, MEASURE, "c"), MEASURE)["n"] is None


def test_compute_labels_and_settings_change_the_result(example_data):
    base = compute(example_data, default_settings(example_data, TEAM, MEASURE))
    assert base.ok and base.title.startswith("Inpatient falls per 1,000 occupied bed days")
    # the verdict first, as in the reports: PDSA 1 confirmed, new limits from it
    assert base.caption.startswith("Since PDSA 1 (Sep 2022) inpatient falls per 1,000")
    assert base.result.data["part"].max() == 2
    more = compute(
        example_data,
        default_settings(
            example_data,
            TEAM,
            MEASURE,
            phase_starts=[pd.Timestamp("2023-06-01")],
            exclude=[pd.Timestamp("2022-01-01")],
        ),
    )
    assert more.result.data["part"].max() == 3  # a phase the fellow insists on
    assert not more.result.data.set_index("x").loc[pd.Timestamp("2022-01-01"), "include"]
    bad = compute(
        example_data,
        default_settings(example_data, TEAM, "days_between_falls_with_harm", chart="u"),
    )
    assert not bad.ok and "denominator" in bad.error and "cannot be drawn" in bad.note


def test_what_if_signals_only_for_extreme_values(example_data):
    s = default_settings(example_data, TEAM, MEASURE)
    high, usual = what_if(example_data, s, 40.0), what_if(example_data, s, 5.0)
    assert high.signal and high.point_type == "special_cause_concern"
    assert "rule_sigma" in high.rules and high.message.startswith("Yes: 40 in Apr 2024")
    assert not usual.signal and usual.message.startswith("No: 5 in Apr 2024")
    # days between events: the next event is `value` days after the last one
    ev = what_if(
        example_data, default_settings(example_data, TEAM, "days_between_falls_with_harm"), 30
    )
    assert ev.x > example_data.loc[
        example_data["measure"] == "days_between_falls_with_harm", "period"
    ].max() - pd.Timedelta(days=3650)
    with pytest.raises(SPCError, match="0 or more"):
        what_if(example_data, s, -1)


def test_changes_frame_and_files_round_trip(example_data, tmp_path):
    s = default_settings(example_data, TEAM, MEASURE)
    frame = changes_frame(s)
    assert tuple(frame.columns) == CHANGES_COLUMNS
    assert frame["new_phase"].tolist() == ["yes", "no", "no"]  # as the change log says
    assert frame["cycle"].iloc[0] == "PDSA 1" and (frame["measure"] == MEASURE).all()
    path = write_changes(s, tmp_path / "change_log.csv")
    other = default_settings(example_data, "AVN-OAK", MEASURE)
    write_changes(other, path)
    write_changes(  # replaces
        default_settings(example_data, TEAM, MEASURE, phase_starts=[], marked=[]), path
    )
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert set(back["team"]) == {TEAM, "AVN-OAK"}
    assert (back.loc[back["team"] == TEAM, "new_phase"] == "no").all()
    # the file is a valid change log: the loader accepts it with the example example_data
    folder = spc.data.examples.example_dir()
    files = [folder / f for f in spc.data.examples.EXAMPLE_FILES if f != "changes.csv"] + [path]
    loaded = spc.load(files, warn=False)
    assert (
        not loaded.loc[(loaded["team"] == TEAM) & (loaded["measure"] == MEASURE), "phase_start"]
        .fillna(False)
        .astype(bool)
        .any()
    )


def test_settings_file_round_trip_and_reopen(example_data, tmp_path):
    path = tmp_path / "chart_settings.json"
    chosen = default_settings(
        example_data, TEAM, MEASURE, baseline=12, target=5.5, exclude=[pd.Timestamp("2022-02-01")]
    )
    write_settings(chosen, path)
    # the catalogue's own target is not stored: a later catalogue change still applies
    write_settings(default_settings(example_data, TEAM, "harm_free_percent", baseline=10), path)
    write_settings(default_settings(example_data, "AVN-OAK", MEASURE, target=7), path)
    assert json.loads(path.read_text()) == {
        "AVN-ELM": {
            "falls_per_1000_obd": {"baseline": 12, "exclude": ["2022-02-01"], "target": 5.5},
            "harm_free_percent": {"baseline": 10},
        },
        "AVN-OAK": {"falls_per_1000_obd": {"target": 7.0}},
    }
    reopened = default_settings(example_data, TEAM, MEASURE, chart_settings=path)
    assert (reopened.baseline, reopened.exclude, reopened.target) == (
        12,
        [pd.Timestamp("2022-02-01")],
        5.5,
    )
    assert default_settings(example_data, TEAM, "harm_free_percent", path).target == 95.0
    # back to the defaults removes the entry (and the team when it has none left)
    write_settings(default_settings(example_data, "AVN-OAK", MEASURE), path)
    assert set(json.loads(path.read_text())) == {"AVN-ELM"}


def test_export_loaded_with_the_original_change_log_shows_each_note_once(example_data, tmp_path):
    """A fellow's export repeats the team's notes; the report loads both files."""
    s = default_settings(example_data, TEAM, MEASURE)
    path = write_changes(s, tmp_path / "change_log.csv")
    folder = spc.data.examples.example_dir()
    loaded = spc.load([folder / f for f in spc.data.examples.EXAMPLE_FILES] + [path], warn=False)
    series = loaded[(loaded["team"] == TEAM) & (loaded["measure"] == MEASURE)]
    notes = series["annotation"].dropna()
    assert len(notes) and all(len(set(n.split("; "))) == len(n.split("; ")) for n in notes)
    original = example_data[(example_data["team"] == TEAM) & (example_data["measure"] == MEASURE)]
    assert notes.tolist() == original["annotation"].dropna().tolist()


def test_static_view_draws_labelled_chart(example_data):
    import matplotlib.pyplot as plt

    view = static_view(example_data, TEAM, MEASURE, rules="mdc")
    ax = view.figure.axes[0]
    title = ax.get_title(loc="left") or ax.get_title()
    assert title.endswith(TEAM) and "per 1,000" in ax.get_ylabel().lower()
    assert ax.get_xlabel()
    assert {"part", "cl", "variation_type"} <= set(view.summary.columns)
    plt.close(view.figure)


# ------------------------------------------------------------------ widgets
def test_widget_controls_update_chart_caption_and_summary(box):
    c = box.controls
    png, caption = box.image, box.explorer.caption.value
    assert png.startswith(b"\x89PNG")
    c["chart"].value = "p"
    assert box.outcome.result.options["chart"] == "p" and box.image != png
    assert "is a rate" in box.explorer.note.value
    c["chart"].value = "u"
    c["rules"].value = "mdc"
    assert box.outcome.result.options["rules"] == "mdc"
    assert "rule_two_in_three" in box.outcome.result.data.columns
    c["target"].value = "4.5"
    assert box.settings.target == 4.5 and (box.outcome.result.data["target"] == 4.5).all()
    c["improvement"].value = "neutral"
    assert box.outcome.result.options["improvement"] == "neutral"
    c["baseline"].value = 12
    assert box.settings.baseline == 12
    c["exclude"].value = (c["exclude"].options[3][1],)
    assert (~box.outcome.result.data["include"]).sum() == 1
    assert box.explorer.caption.value != caption and "<table" in box.explorer.summary.value


def test_widget_phases_add_remove(box):
    c = box.controls
    c["team"].value = "DNM-OAK"
    # the move to temporary accommodation is a confirmed change: new limits from Dec 2022
    assert box.settings.team == "DNM-OAK" and box.outcome.result.data["part"].max() == 2
    c["phase_pick"].value = pd.Timestamp("2021-10-01")
    c["phase_note"].value = "PDSA 0: new rota"
    c["phase_add"].click()
    assert box.outcome.result.data["part"].max() == 3
    assert "new rota" in box.settings.notes[pd.Timestamp("2021-10-01")]
    c["phases"].value = (pd.Timestamp("2021-10-01"),)
    c["phase_remove"].click()
    assert box.outcome.result.data["part"].max() == 2


def test_widget_measure_what_if_and_exports(box):
    c = box.controls
    c["measure"].value = "vte_risk_assessment_percent"
    assert box.outcome.result.options["chart"] == "p" and box.settings.target == 95.0
    c["whatif_value"].value = 50.0
    c["whatif_go"].click()
    assert box.explorer.last_whatif.signal and "Yes:" in box.explorer.whatif_out.value
    c["export_png"].click()
    assert box.explorer.last_export.read_bytes().startswith(b"\x89PNG")
    c["export_svg"].click()
    assert b"<svg" in box.explorer.last_export.read_bytes()
    c["export_changes"].click()
    assert box.explorer.last_export.name == "change_log.csv"
    c["baseline"].value = 12
    c["target"].value = "90"
    c["export_settings"].click()
    saved = box.explorer.last_export
    assert saved.name == "chart_settings.json"
    team = box.settings.team
    assert json.loads(saved.read_text()) == {
        team: {"vte_risk_assessment_percent": {"baseline": 12, "target": 90.0}}
    }
    # a new explorer on the same export folder starts from what was saved
    again = explore(box.data, team, "vte_risk_assessment_percent", export_dir=saved.parent)
    assert again.settings.baseline == 12 and again.controls["target"].value == "90"
    assert again.outcome.result.data["baseline"].sum() == 12


def test_widget_load_reports_errors_kindly(box, tmp_path):
    c = box.controls
    c["data_path"].value = str(tmp_path / "missing.csv")
    c["load"].click()
    assert "could not be loaded" in box.explorer.note.value
    c["data_path"].value = str(spc.data.examples.example_dir() / "ward-monthly-avonmere.csv")
    c["load"].click()
    assert set(c["team"].options) == {"AVN-ASH", "AVN-ELM", "AVN-OAK"}
    assert box.outcome.ok


# ------------------------------------------------------------------ words, layout, round trip
def test_outcome_leads_with_the_reports_verdict(example_data):
    from spc.report.content import build_team_report

    o = compute(example_data, default_settings(example_data, TEAM, MEASURE))
    report = build_team_report(example_data, TEAM, [MEASURE], None, None, "anhoej", {}, None)
    # the same sentence as the report's caption starts with, and the icon of its verdict
    assert o.verdict and report.sections[0].caption.startswith(o.verdict)
    assert o.caption == f"{o.verdict} {o.details}"
    assert o.icons == ["improvement_low"]


def test_summary_in_words_has_no_raw_names_or_missing_values(example_data):
    from spc.interactive.panels import summary_html
    from spc.interactive.words import summary_words

    for team in ("AVN-ELM", "DNM-ASH", "DNM-OAK"):
        o = compute(example_data, default_settings(example_data, team, MEASURE))
        table = summary_words(o.result)
        html = summary_html(table)
        for raw in ("a_lcl", "n_crossings", "longest_run_max", "<NA>", "nan", "None", "_"):
            assert raw not in html.replace("spc-summary", "")
        assert table.index[0] == "Points" and all(
            c.endswith("Mar 2024") for c in table.columns[-1:]
        )
    ash = summary_words(
        compute(example_data, default_settings(example_data, "DNM-ASH", MEASURE)).result
    )
    assert list(ash.columns) == [
        "Baseline, Apr 2021 to Aug 2022",
        "Judged against the baseline, Sep 2022 to Mar 2024",
    ]
    assert ash.loc["Longest run on one side"].iloc[0] == "5 (8 or more would signal)"


def test_warnings_are_in_plain_words():
    from spc.errors import DataWarning, IgnoredSettingWarning, TrialLimitsWarning
    from spc.interactive.words import plain_warnings

    texts = plain_warnings(
        [
            TrialLimitsWarning(
                "1 phase(s) have fewer than 12 points: their limits are trial limits, to be "
                "revised as data accumulate (short_group_warning column)."
            ),
            IgnoredSettingWarning(
                "falls_per_1000_obd: phase start(s) not applied because a phase would have "
                "fewer than 6 points: AVN-ELM 01/02/2024",
                setting="phases",
            ),
            DataWarning("2 point(s) have a count in 'y' but 'n' = 0 (x = ...)"),
            DeprecationWarning("not about the chart"),
        ]
    )
    assert texts[0].startswith("1 phase has fewer than 12 points, so its limits are trial")
    assert "(Feb 2024)" in texts[1] and "2 points have events but a denominator of 0" in texts[2]
    assert len(texts) == 3
    assert not any("column" in t or "_" in t for t in texts)


def test_what_if_explains_limits_that_differ_from_the_captions(example_data):
    s = default_settings(example_data, TEAM, MEASURE)
    high = what_if(example_data, s, 40.0)
    assert "The caption's limits (0 to 13.2) are those of the latest point, Mar 2024" in (
        high.message
    )
    assert "centre 5.3 becomes" in high.message
    same = what_if(example_data, s, 5.0)
    assert same.message == "No: 5 in Apr 2024 would be common cause variation, inside its " + (
        "limits 0 to 13.2."
    )


def test_reports_note_names_what_the_reports_do_not_follow():
    from spc.interactive.words import reports_note

    assert reports_note("anhoej", "u", "u") is None
    note = reports_note("mdc", "i", "u")
    assert "--rules mdc" in note and "catalogue's U chart" in note


def test_everything_decided_comes_back_when_reopened(example_data, tmp_path):
    """Baseline, phases, exclusions, target and change notes come back from the export folder,
    and the reports' loader reads the same files."""
    folder = tmp_path / "exports"
    box = explore(None, "DNM-ASH", MEASURE, export_dir=folder)
    c = box.controls
    c["baseline"].value = 14
    c["exclude"].value = (pd.Timestamp("2021-06-01"),)
    c["target"].value = "3.5"
    c["phase_pick"].value = pd.Timestamp("2023-06-01")
    c["phase_note"].value = "PDSA 4: new falls lead"
    c["phase_add"].click()
    c["export_settings"].click()
    c["export_changes"].click()
    before = box.outcome.result.data
    again = explore(None, "DNM-ASH", MEASURE, export_dir=folder)
    s = again.settings
    assert (s.baseline, s.exclude, s.target) == (14, [pd.Timestamp("2021-06-01")], 3.5)
    assert s.phase_starts == [pd.Timestamp("2023-06-01")]
    assert s.notes[pd.Timestamp("2023-06-01")] == "PDSA 4: new falls lead"
    after = again.outcome.result.data
    pd.testing.assert_series_equal(before["cl"], after["cl"])
    assert "1 phase start" in again.explorer.out["export_help"].value
    assert "differs" not in again.explorer.out["export_help"].value
    # and the report, given both files as the command line gives them, draws the same chart
    from spc.report.content import build_team_report, load_team

    data = load_team(None, "DNM-ASH", folder / "change_log.csv")
    report = build_team_report(data, "DNM-ASH", [MEASURE], settings=folder / "chart_settings.json")
    section = report.sections[0].result.data
    for column in ("cl", "ucl", "include", "part", "target"):
        pd.testing.assert_series_equal(before[column], section[column], check_names=False)
    assert report.sections[0].caption.startswith(box.outcome.verdict)


def test_saved_message_cleared_on_team_switch_and_typed_fields_wait_for_enter(tmp_path):
    box = explore(None, TEAM, MEASURE, export_dir=tmp_path)
    c = box.controls
    assert not c["target"].continuous_update and not c["baseline"].continuous_update
    c["export_png"].click()
    assert box.explorer.export_out.value.startswith("<p>Saved the chart as PNG")
    c["team"].value = "DNM-OAK"
    assert box.explorer.export_out.value == "" and box.explorer.whatif_out.value == ""
    c["rules"].value = "mdc"
    assert "--rules mdc" in box.explorer.out["rules_hint"].value
    assert "--rules mdc" in box.explorer.out["export_help"].value
    help_text = box.explorer.out["export_help"].value
    assert "chart_settings.json" in help_text and "--chart-settings" in help_text
    assert "change_log.csv" in help_text and "--change-log" in help_text


def test_live_chart_has_html_legend_and_verdict(example_data, tmp_path):
    box = explore(example_data, TEAM, MEASURE, export_dir=tmp_path)
    legend = box.explorer.legend.value
    assert (
        legend.startswith('<ul class="spc-legend"') and "1. PDSA 1: Falls safety huddle" in legend
    )
    assert "<svg" in legend and "Centre line" in legend
    verdict = box.explorer.verdict.value
    assert 'class="spc-verdict"' in verdict and html_escape(box.outcome.verdict) in verdict
    assert "Special cause variation: improvement (lower)" in verdict  # the icon's words


def html_escape(text: str) -> str:
    import html

    return html.escape(text)
