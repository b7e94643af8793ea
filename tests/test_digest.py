"""The early-warning digest (issue 15): what changed between two months, for a lead."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from spc.cli import main
from spc.report import collaborative_summary
from spc.report.digest import SECTIONS, as_of, data_checks, digest, digest_text

pytestmark = pytest.mark.filterwarnings("ignore::spc.SPCWarning")
SIGNALS = {
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
    "unstable",
}


@pytest.fixture(scope="module")
def months(example_data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = {}
        for month in ("2024-02", "2024-03"):
            snap = as_of(example_data, month)
            out[month] = (collaborative_summary(snap), data_checks(snap, month))
        return out


def test_as_of_keeps_only_what_was_known_then(example_data):
    snap = as_of(example_data, "2024-02")
    assert snap["period"].max() < pd.Timestamp("2024-03-01")
    assert len(snap) < len(example_data)
    assert (example_data["period"] < pd.Timestamp("2024-03-01")).sum() == len(snap)


@pytest.mark.slow
def test_digest_lists_exactly_the_verdicts_that_changed(months):
    (before, cb), (after, ca) = months["2024-02"], months["2024-03"]
    got = digest(before, after, cb, ca)
    # independently: verdicts that became or stopped being a signal between the two months
    merged = before.merge(after, on=["team", "measure"], suffixes=("_b", "_a"))
    changed = merged[merged["variation_type_b"] != merged["variation_type_a"]]
    new = changed[changed["variation_type_a"].isin(SIGNALS)]
    ended = changed[
        changed["variation_type_b"].isin(SIGNALS) & ~changed["variation_type_a"].isin(SIGNALS)
    ]
    expected = {(t, m, "new signal") for t, m in zip(new["team"], new["measure"], strict=True)}
    expected |= {
        (t, m, "signal ended") for t, m in zip(ended["team"], ended["measure"], strict=True)
    }
    signals = got[got["kind"].isin(["new signal", "signal ended"])]
    assert set(zip(signals["team"], signals["measure"], signals["kind"], strict=True)) == expected
    assert len(expected) > 0
    # concerns first, then improvements, then the rest; never ranked within a section
    order = [SECTIONS.index(s) for s in got["section"]]
    assert order == sorted(order)
    for section, part in got.groupby("section"):
        teams = part["team"].tolist()
        assert teams == sorted(teams), section
    # each signal line carries the verdict sentence
    assert (signals["verdict"].str.len() > 20).all()


@pytest.mark.slow
def test_a_team_whose_last_month_is_missing_is_overdue(example_data, months):
    cut = example_data[
        ~((example_data["team"] == "AVN-ELM") & (example_data["period"] >= "2024-03-01"))
    ]
    snap = as_of(cut, "2024-03")
    checks = data_checks(snap, "2024-03")
    row = checks[(checks["team"] == "AVN-ELM") & (checks["kind"] == "overdue")]
    assert len(row) == 1 and "Feb 2024" in row["detail"].item()
    before, cb = months["2024-02"]
    out = digest(before, collaborative_summary(snap), cb, checks)
    assert "AVN-ELM" in set(out.loc[out["kind"].str.startswith("overdue"), "team"])
    assert "overdue (new)" in set(out["kind"])


@pytest.mark.slow
def test_unchanged_data_give_an_empty_digest_that_says_so(months):
    after, checks = months["2024-03"]
    out = digest(after, after, checks, checks)
    assert out.empty
    assert "Nothing changed" in digest_text(out)


@pytest.mark.slow
def test_digest_text_is_plain_and_grouped(months):
    (before, cb), (after, ca) = months["2024-02"], months["2024-03"]
    text = digest_text(digest(before, after, cb, ca), "What changed")
    assert text.startswith("What changed\n============")
    assert "Improvements" in text and "<" not in text


@pytest.mark.slow
def test_cli_digest_prints_the_digest(capsys):
    assert main(["digest", "--from", "2024-02", "--to", "2024-03"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("What changed from 2024-02 to 2024-03")
    assert main(["digest", "--from", "2024-02", "--to", "2024-13"]) == 2
    assert "month is written like 2024-03" in capsys.readouterr().err


# ------------------------------------------------------------------------- in a render
RENDER = dict(
    teams=["AVN-ELM", "DNM-OAK"],
    measures=["falls_per_1000_obd", "pu_cat2plus_per_1000_obd", "harm_free_new_percent"],
    workers=1,
    progress=False,
    overview=False,
)


@pytest.mark.slow
def test_render_writes_the_digest_of_what_changed_between_two_months(tmp_path, example_data):
    from spc._files import read_csv_text
    from spc.render.collaborative import render_collaborative

    out = tmp_path / "reports"
    first = render_collaborative(None, out, as_of="2024-02", **RENDER)
    # a first render says what changed in its latest month
    assert first.digest is not None and not first.digest.first
    assert (out / "changes.txt").read_text().startswith("What changed from 2024-01 to 2024-02")
    second = render_collaborative(None, out, as_of="2024-3", **RENDER)
    got = read_csv_text(out / "changes.csv")
    # independently: the two months' conclusions for the same teams and measures
    teams, measures = RENDER["teams"], RENDER["measures"]
    frames = [
        collaborative_summary(as_of(example_data[example_data["team"].isin(teams)], m), measures)
        for m in ("2024-02", "2024-03")
    ]
    expected = digest(
        frames[0],
        frames[1],
        data_checks(as_of(example_data[example_data["team"].isin(teams)], "2024-02"), "2024-02"),
        data_checks(as_of(example_data[example_data["team"].isin(teams)], "2024-03"), "2024-03"),
    )
    key = ["section", "kind", "team", "measure"]
    assert got[key].values.tolist() == expected[key].values.tolist()
    assert second.digest.line().startswith("What changed:")
    text = (out / "changes.txt").read_text()
    assert text.startswith("What changed from 2024-02 to 2024-03")
    page = (out / "changes.html").read_text()
    index = (out / "index.html").read_text()
    assert "What changed from 2024-02 to 2024-03" in page and "changes.html" in index
    for team in got["team"]:
        assert 'href="teams/' in page and team in page
    # a re-render with unchanged data: an empty digest that says so
    third = render_collaborative(None, out, as_of="2024-03", **RENDER)
    assert third.digest is not None and third.digest.frame.empty
    assert "Nothing changed" in (out / "changes.txt").read_text()
    assert "Nothing changed since the previous render" in (out / "index.html").read_text()


def test_data_checks_name_gaps_and_overdue_teams_from_the_monthly_returns():
    """Months missing inside a team's series are named (at most six, then a count); a team
    whose latest return is before the month asked about is overdue by that many months."""
    months = pd.date_range("2023-01-01", "2023-12-01", freq="MS")
    rows = [("A", m) for m in months if m.month not in (3, 4)]  # gap: Mar, Apr
    rows += [("B", m) for m in months[:10]]  # latest Oct: 2 months behind Dec
    rows += [("C", m) for m in months[::2]]  # every other month to Nov: five gaps
    rows += [("D", months[0]), ("D", months[-1])]  # ten gaps: six named, 4 more
    data = pd.DataFrame(
        [(t, m, "falls_per_1000_obd") for t, m in rows], columns=["team", "period", "measure"]
    )
    checks = data_checks(data, "2023-12").set_index(["team", "kind"])["detail"]
    assert checks["A", "gap"] == "no return for Mar 2023, Apr 2023"
    assert checks["B", "overdue"] == "latest month Oct 2023: 2 months behind Dec 2023"
    assert ("A", "overdue") not in checks.index and ("B", "gap") not in checks.index
    assert checks["C", "overdue"] == "latest month Nov 2023: 1 month behind Dec 2023"
    assert checks["C", "gap"].count("2023") == 5  # Feb, Apr, Jun, Aug, Oct
    assert checks["D", "gap"] == (
        "no return for Feb 2023, Mar 2023, Apr 2023, May 2023, Jun 2023, Jul 2023 and 4 more"
    )
