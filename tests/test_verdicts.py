"""Verdicts a team can trust (docs/verdicts.md): judged by simulation with fixed seeds, on the
example collaborative against its generator's plan, and rule by rule.

The full simulation with its figures is ``benchmarks/bench_verdicts.py``; these tests keep the
same claims true at a size the suite can afford.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spc
from spc.engine.change import change_z, t_to_z, too_few_events
from spc.engine.measure_chart import chart_measure
from spc.engine.simulate_collaborative import WardPlan, simulate_collaborative, write_collaborative
from spc.engine.verdict import MIN_NEW_PHASE_POINTS, Z_CONFIRM
from spc.report import collaborative_summary, sustained_improvement
from spc.text.verdicts import verdict_sentence

pytestmark = pytest.mark.filterwarnings("ignore::spc.SPCWarning")

SPECIAL = {
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
    "unstable",
}
MONTHS = pd.date_range("2021-04-01", periods=36, freq="MS")


def tidy_series(counts: np.ndarray, exposure: np.ndarray, measure: str) -> pd.DataFrame:
    """A tidy frame (as spc.load returns) of one measure for many teams: one row per team and
    month; ``counts`` and ``exposure`` are (teams, months)."""
    teams, months = counts.shape
    m = spc.data.catalogue.get_measure(measure)
    return pd.DataFrame(
        {
            "team": np.repeat([f"W{i:03d}" for i in range(teams)], months),
            "trust": "T",
            "period": np.tile(MONTHS[:months], teams),
            "measure": measure,
            "numerator": counts.ravel().astype(float),
            "denominator": exposure.ravel().astype(float),
            "value": counts.ravel() / exposure.ravel() * m.multiplier,
            "annotation": None,
            "phase_start": False,
        }
    )


# --------------------------------------------------------------------- rare events (issue 11)
@pytest.mark.parametrize("events_per_month", [0.1, 0.3, 0.5])
def test_a_stable_rare_event_process_rarely_gets_a_special_cause_verdict(events_per_month):
    """200 stable Poisson series at 0.1-0.5 events a month: at most 10 % special cause (before
    the rare-event check, up to 97 % did: runs of zero months read as improvement)."""
    rng = np.random.default_rng(11)
    exposure = rng.uniform(780, 880, (200, 36))
    counts = rng.poisson(events_per_month * exposure / 830)
    data = tidy_series(counts, exposure, "falls_harm_per_1000_obd")
    verdicts = chart_measure(data, "falls_harm_per_1000_obd").verdicts
    assert (verdicts["variation_type"].isin(SPECIAL)).mean() <= 0.10
    assert (verdicts["variation_type"] == "too_few_events").mean() > 0.8


def test_with_a_change_logged_rare_events_still_rarely_signal():
    rng = np.random.default_rng(12)
    exposure = rng.uniform(780, 880, (200, 36))
    counts = rng.poisson(0.3 * exposure / 830)
    data = tidy_series(counts, exposure, "falls_harm_per_1000_obd")
    data.loc[data["period"] == MONTHS[18], "annotation"] = "PDSA 1: huddles"
    verdicts = chart_measure(data, "falls_harm_per_1000_obd").verdicts
    assert (verdicts["change_state"] == "pending").mean() > 0.9
    assert (verdicts["variation_type"].isin(SPECIAL)).mean() <= 0.10


def test_too_few_events_per_chart_kind():
    kind = spc.chart_types.chart_type
    seg, base = np.zeros(20, int), np.ones(20, bool)
    few = np.r_[np.zeros(15), np.ones(5)]  # 0.25 a month
    assert too_few_events(kind("u"), few, np.full(20, 800.0), seg, 1, base, 1.0).all()
    assert not too_few_events(kind("u"), few + 2, np.full(20, 800.0), seg, 1, base, 1.0).any()
    # proportions: the rarer of events and non-events (97 % of 20: 0.6 misses a month)
    hits = np.full(20, 19.4)
    assert too_few_events(kind("p"), hits, np.full(20, 20.0), seg, 1, base, 1.0).all()
    # T chart: one point per event, 10 needed
    assert too_few_events(kind("t"), np.ones(9), np.ones(9), np.zeros(9, int), 1, base[:9], 1).all()
    assert not too_few_events(kind("i"), few, few, seg, 1, base, 1.0).any()
    assert not too_few_events(kind("u"), few, np.full(20, 800.0), seg, 1, base, None).any()


# ---------------------------------------------------- judging a change against its baseline
def _simulated(plans: list[WardPlan], months: int, seed: int, tmp_path) -> pd.DataFrame:
    frames = simulate_collaborative(plans, months=months, seed=seed)
    data = spc.load(write_collaborative(frames, tmp_path), warn=False)
    return data


@pytest.mark.slow
def test_a_real_cut_is_shown_however_the_change_was_logged(tmp_path):
    """About 5 falls a month cut by 40 %: shown as improvement 12 months after the change in at
    least half the wards, logged as a note or as a new phase (it was 0-17 %)."""
    plans = [
        WardPlan(f"{arm}-{i:02d}", "OAK", 18, arm, "falls", 0.6)
        for arm in ("note", "phase")
        for i in range(40)
    ]
    v = chart_measure(_simulated(plans, 30, 5, tmp_path), "falls_per_1000_obd").verdicts
    v["arm"] = v["team"].str.split("-").str[0]
    shown = v.groupby("arm")["variation_type"].apply(
        lambda s: (s == "special_cause_improvement").mean()
    )
    assert (shown >= 0.5).all(), shown


@pytest.mark.slow
def test_stable_wards_with_a_logged_change_rarely_alarm(tmp_path):
    plans = [WardPlan(f"S-{i:03d}", "OAK", 18, "note", "falls") for i in range(120)]
    v = chart_measure(_simulated(plans, 36, 6, tmp_path), "falls_per_1000_obd").verdicts
    assert (v["variation_type"].isin(SPECIAL)).mean() <= 0.10


def test_the_change_is_judged_against_the_baseline_before_it(example_data):
    res = chart_measure(example_data, "falls_per_1000_obd", team="AVN-ASH")
    d, v = res.data, res.verdicts.iloc[0]
    change = pd.Timestamp("2022-10-01")  # PDSA 1 (logged 4 Oct 2022 with new_phase = yes)
    assert v["change_x"] == change and v["change_state"] == "pending"
    before, after = d[d["x"] < change], d[d["x"] >= change]
    assert before["baseline"].all() and not after["baseline"].any() and after["judged"].all()
    # the baseline's centre and limits are extended over the judged points
    assert (after["cl"] == before["cl"].iloc[-1]).all()
    assert after["change_z"].notna().all() and before["change_z"].isna().all()
    # no phase signal is judged against a centre taken from other points
    assert not after["phase_signal"].any()
    assert v["variation_type"] == "common_cause"
    assert verdict_sentence(v, res.options).startswith("No signal yet: 18 months since PDSA 1")


def test_a_confirmed_change_gets_new_limits_and_keeps_its_verdict(example_data):
    res = chart_measure(example_data, "falls_per_1000_obd", team="AVN-ELM")
    d, v = res.data, res.verdicts.iloc[0]
    assert v["change_state"] == "confirmed" and v["basis"] == "change"
    assert v["variation_type"] == "special_cause_improvement"
    assert d.loc[d["x"] >= v["change_x"], "part"].eq(2).all()
    assert abs(v["z"]) > Z_CONFIRM
    # confirmed with at least MIN_NEW_PHASE_POINTS points since the change
    assert (d["x"] >= v["change_x"]).sum() >= MIN_NEW_PHASE_POINTS
    assert v["confirmed_x"] >= d.loc[d["x"] >= v["change_x"], "x"].iloc[MIN_NEW_PHASE_POINTS - 1]


def test_the_team_question_comes_first(example_data):
    res = chart_measure(example_data, "falls_per_1000_obd", team="AVN-ELM")
    caption = res.describe()
    assert caption.startswith(
        "Since PDSA 1 (Sep 2022) inpatient falls per 1,000 occupied bed days have been below "
        "the baseline of 9.12: 18 of 19 months below, averaging 5.3: improvement"
    )
    rare = chart_measure(example_data, "falls_harm_per_1000_obd", team="AVN-ELM").describe()
    assert rare.startswith("Too few events to judge: 8 events in 36 months")
    assert "Days between falls with harm" in rare


def test_a_change_without_a_measure_counts_for_every_topic(example_data):
    """DNM-OAK's ward move (no measure in the change log) is its baseline's end for falls."""
    v = chart_measure(example_data, "falls_per_1000_obd", team="DNM-OAK").verdicts.iloc[0]
    assert v["change_label"].startswith("Ward moved") and v["change_state"] == "confirmed"
    assert v["variation_type"] == "special_cause_concern"


def test_a_change_for_another_topic_is_not_judged(example_data):
    """BRK-ASH changed only its VTE assessment: its falls chart has no change to judge."""
    v = chart_measure(example_data, "falls_per_1000_obd", team="BRK-ASH").verdicts.iloc[0]
    assert v["change_state"] == "none"
    table = sustained_improvement(example_data, ["falls_per_1000_obd"])
    assert "BRK-ASH" not in set(table["team"])


def test_a_signal_that_has_ended_is_history_not_common_cause(example_data):
    """BRK-ASH's falls had a long run in 2022 that ended: the caption says the latest point does
    not signal and its caveat speaks of the past signal, not of common cause variation."""
    text = chart_measure(example_data, "falls_per_1000_obd", team="BRK-ASH").describe()
    assert text.startswith(
        "No signal now: the latest month shows common cause variation; the signal from Mar 2022 "
        "has ended."
    )
    assert "the latest point does not signal" in text
    assert "the signal from Mar 2022 shows the process was different then" in text
    assert "this is common cause variation" not in text


# ------------------------------------------------------------------ the example's verdicts
@pytest.fixture(scope="module")
def example_summary(example_data) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return collaborative_summary(example_data).set_index(["team", "measure"])


IMPROVED = ["AVN-ELM", "AVN-OAK", "BRK-ELM", "BRK-OAK", "CRH-ELM"]  # of the 7 designed
NO_EFFECT = ["AVN-ASH", "CRH-OAK", "DNM-ASH", "BRK-ASH"]
FALLS = [m for m, e in spc.data.catalogue.load_catalogue().items() if e.topic == "falls"]


@pytest.mark.parametrize("team", IMPROVED)
def test_example_falls_improvements_are_shown(example_summary, team):
    assert example_summary.loc[(team, "falls_per_1000_obd"), "variation_type"] == (
        "special_cause_improvement"
    )


def test_example_deterioration_is_shown(example_summary):
    row = example_summary.loc[("DNM-OAK", "falls_per_1000_obd")]
    assert row["variation_type"] == "special_cause_concern" and row["variation"] == "concern_high"


def test_example_no_effect_teams_are_not_flagged_on_falls(example_summary):
    flagged = [
        (t, m)
        for t in NO_EFFECT
        for m in FALLS
        if (t, m) in example_summary.index
        and example_summary.loc[(t, m), "variation_type"] in SPECIAL
    ]
    assert len({t for t, _ in flagged}) <= 1, flagged


def test_example_vte_prompts_are_shown(example_summary):
    for team in ("BRK-ASH", "BRK-ELM", "BRK-OAK", "CRH-ASH"):
        assert example_summary.loc[(team, "vte_risk_assessment_percent"), "variation_type"] == (
            "special_cause_improvement"
        )


def test_summary_csv_columns_carry_the_verdict(example_summary):
    row = example_summary.loc[("AVN-ELM", "falls_per_1000_obd")]
    assert row["verdict"].startswith("Since PDSA 1") and row["change_state"] == "confirmed"
    assert row["variation"] == "improvement_low"
    rare = example_summary.loc[("AVN-ELM", "falls_harm_per_1000_obd")]
    assert rare["variation_type"] == "too_few_events" and rare["variation"] == "too_few_events"


# ------------------------------------------------------------- honest run signals (issue 11)
@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0, 100, allow_nan=False), min_size=12, max_size=40),
    st.sampled_from(["anhoej", "ihi"]),
)
def test_a_phase_signal_never_makes_a_point_improvement_or_concern(values, rules):
    df = pd.DataFrame({"x": range(len(values)), "y": values})
    res = spc.qic(df, x="x", y="y", chart="i", rules=rules, improvement="decrease")
    d = res.data
    phase_cols = [c for c in ("rule_few_crossings", "rule_runs") if c in d]
    point_cols = [c for c in d if c.startswith("rule_") and c not in phase_cols]
    only_phase = d[phase_cols].any(axis=1) & ~d[point_cols].any(axis=1)
    assert (d.loc[only_phase, "point_type"] == "common_cause").all()
    assert not d.loc[only_phase, "signal"].any()
    assert d.loc[only_phase, "phase_signal"].all()
    last = res.summary()["variation_type"].iloc[-1]
    if d["point_type"].iloc[-1] == "common_cause" and d["phase_signal"].iloc[-1]:
        assert last == "unstable"


def test_few_crossings_alone_is_unstable_with_no_direction(example_data):
    res = chart_measure(example_data, "vte_risk_assessment_percent", team="CRH-OAK")
    v = res.verdicts.iloc[0]
    assert v["variation_type"] == "unstable" and v["basis"] == "phase"
    assert res.data["phase_signal"].all() and not res.data["signal"].any()
    assert res.describe().startswith("Unstable:")


# --------------------------------------------------------------------- the level test
@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(1, 50, allow_nan=False), min_size=24, max_size=24),
    st.floats(0.5, 20),
)
def test_level_test_mirrors_and_scales(values, scale):
    """Reflecting the points about the centre negates z; rescaling an I chart changes nothing."""
    kind = spc.chart_types.chart_type("i")
    y = np.asarray(values)
    judged = np.arange(24) >= 12
    cl = np.full(24, y[:12].mean())
    sd = max(np.abs(np.diff(y[:12])).mean() / 1.128, 1e-6)
    args = (np.zeros(24, int), 1, ~judged, judged, np.ones(24, bool))
    z = change_z(kind, y, cl, cl + sd, 1, *args)
    mirrored = change_z(kind, 2 * cl - y, cl, cl + sd, 1, *args)
    scaled = change_z(kind, y * scale, cl * scale, (cl + sd) * scale, 1, *args)
    assert np.allclose(z[judged], -mirrored[judged], atol=1e-9)
    assert np.allclose(z[judged], scaled[judged], rtol=1e-6, atol=1e-9)
    assert np.isnan(z[~judged]).all()


def test_t_to_z_matches_known_quantiles():
    z = t_to_z(np.array([2.228, 12.706, -2.086]), np.array([10.0, 1.0, 20.0]))
    assert np.allclose(z, [1.96, 1.96, -1.96], atol=2e-3)


def test_level_test_of_a_u_chart_is_the_two_sample_rate_comparison():
    """Pooled rate since the change against the baseline's, with Poisson error at the level
    both share (the conditional test of two Poisson rates)."""
    kind = spc.chart_types.chart_type("u")
    n = np.full(24, 1000.0)
    counts = np.r_[np.full(12, 8.0), np.full(12, 4.0)]
    y = counts / n * 1000
    judged = np.arange(24) >= 12
    cl = np.full(24, 8.0)
    sigma = np.sqrt(8.0 / 1000 / n) * 1000
    z = change_z(kind, y, cl, cl + sigma, 1000, np.zeros(24, int), 1, ~judged, judged,
                 np.ones(24, bool))  # fmt: skip
    a, b = counts[12:].sum(), counts[:12].sum()
    expected = (a - (a + b) / 2) / np.sqrt((a + b) / 4)  # equal exposure: p = 1/2
    assert z[-1] == pytest.approx(expected, rel=1e-9)


def test_a_rare_event_verdict_names_its_last_point_beyond_the_limits(example_data):
    """'Only a month beyond the limits would be a signal' must not read as if none had been:
    DNM-OAK's falls with harm went beyond the limits in Jan 2024."""
    res = chart_measure(example_data, "falls_harm_per_1000_obd", team="DNM-OAK")
    v = res.verdicts.iloc[0]
    d = res.data
    beyond = d.loc[d["signal"].astype(bool) & (d["part"] == d["part"].iloc[-1]), "x"]
    assert v["basis"] == "too_few_events" and v["earlier_signal_x"] == beyond.max()
    assert "would be a signal. The last month beyond the limits was Jan 2024." in res.describe()


def test_a_rare_percentage_counts_its_rarer_outcome():
    """A percentage near 100 % is rare on its other side: 96 % harm-free of about 26 surveyed a
    month is one harm a month. The verdict counts the rarer outcome and says so."""
    rng = np.random.default_rng(5)
    n = rng.integers(20, 30, 36)
    harmed = rng.binomial(n, 0.03)
    free = (n - harmed)[None, :]
    res = chart_measure(
        tidy_series(free, n[None, :], "harm_free_new_percent"), "harm_free_new_percent"
    )
    v = res.verdicts.iloc[0]
    assert v["events"] == harmed.sum() and v["events_of"] == n.sum()
    assert res.describe().startswith(
        f"Too few events to judge: {harmed.sum()} of {n.sum():,} on the rarer side in 36 months"
    )
