"""Re-runs and partial runs of ``safety-spc render`` (issue 12): ``--format html`` resumes,
``--teams`` into a full folder keeps the other pages listed, a team without figures gets a
"no data" page instead of an empty report, and every CSV written is safe in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest

from spc._files import csv_text, read_csv_text
from spc.errors import SPCError
from spc.render.collaborative import render_collaborative
from spc.render.pages import slugify
from spc.report import example_files

MEASURES = ["falls_per_1000_obd"]


def example_copy(folder: Path, blank_team: str | None = None) -> list[Path]:
    """The example files; ``blank_team``'s figures emptied (bed days kept) if given."""
    paths = []
    for path in example_files():
        shutil.copy(path, folder / path.name)
        paths.append(folder / path.name)
    if blank_team:
        first = paths[0]
        with open(first, newline="") as fh:
            rows = list(csv.DictReader(fh))
        keep = {"trust", "ward", "month", "occupied_bed_days"}
        for r in rows:
            if r["ward"] == blank_team:
                r.update({k: "" for k in r if k not in keep})
        with open(first, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        # its events and changes would give it figures and phases: leave them out
        for name in ("events.csv", "safety-thermometer.csv", "changes.csv"):
            target = folder / name
            with open(target, newline="") as fh:
                rows = list(csv.DictReader(fh))
            team_col = "team" if name == "changes.csv" else "ward"
            with open(target, "w", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(r for r in rows if r[team_col] != blank_team)
    return paths


@pytest.mark.slow
def test_format_html_only_resumes(tmp_path) -> None:
    kwargs = dict(teams=["AVN-ELM"], measures=MEASURES, workers=1, progress=False)
    first = render_collaborative(None, tmp_path, formats=["html"], overview=False, **kwargs)
    assert [o.status for o in first.outcomes] == ["rendered"]
    assert not list(tmp_path.rglob("*.ipynb"))
    again = render_collaborative(None, tmp_path, formats=["html"], overview=False, **kwargs)
    assert [o.status for o in again.outcomes] == ["unchanged"]
    # asking for the notebooks too renders again (they were not kept)
    more = render_collaborative(None, tmp_path, formats=["html", "ipynb"], overview=False, **kwargs)
    assert [o.status for o in more.outcomes] == ["rendered"]


@pytest.mark.slow
def test_teams_into_a_full_folder_keeps_the_other_pages_listed(tmp_path) -> None:
    common = dict(measures=MEASURES, workers=2, progress=False)
    full = render_collaborative(None, tmp_path, teams=["AVN-ELM", "BRK-OAK", "DNM-ASH"], **common)
    assert full.exit_code == 0
    one = render_collaborative(None, tmp_path, teams=["AVN-ELM"], **common)
    assert {o.name: o.status for o in one.outcomes} == {
        "Collaborative overview": "unchanged",  # it covers the same three teams as before
        "AVN-ELM": "unchanged",
    }
    index = (tmp_path / "index.html").read_text()
    for team in ("AVN-ELM", "BRK-OAK", "DNM-ASH"):
        assert f'href="teams/{slugify(team)}.html"' in index
    assert index.count("rendered by an earlier run (not in --teams this time)") == 2
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert sorted(summary["team"]) == ["AVN-ELM", "BRK-OAK", "DNM-ASH"]  # did not shrink


@pytest.mark.slow
def test_a_team_without_figures_gets_a_no_data_page(tmp_path) -> None:
    paths = example_copy(tmp_path, blank_team="AVN-OAK")
    out = tmp_path / "reports"
    result = render_collaborative(
        paths,
        out,
        teams=["AVN-ELM", "AVN-OAK"],
        measures=MEASURES,
        workers=1,
        progress=False,
        overview=False,
    )
    status = {o.name: o.status for o in result.outcomes}
    assert status == {"AVN-ELM": "rendered", "AVN-OAK": "no data"}
    assert result.exit_code == 0
    page = (out / "teams" / f"{slugify('AVN-OAK')}.html").read_text()
    assert "No report for AVN-OAK: no data" in page and "blank" in page
    index = (out / "index.html").read_text()
    assert "no data" in index and "rendered, 0 measures" not in index
    assert set(pd.read_csv(out / "summary.csv")["team"]) == {"AVN-ELM"}
    with pytest.raises(SPCError, match="hold no figures for 'AVN-OAK'"):
        render_collaborative(paths, out, teams=["AVN-OAK"], progress=False, workers=1)


def test_every_csv_written_neutralises_formulas_and_keeps_numbers() -> None:
    frame = pd.DataFrame(
        {
            "team": ['=HYPERLINK("http://x","y")', "+44 20", "-1.5", "@SUM(A1)", "\tx", "W1"],
            "note": ["\r=1+1", "ok", "-", "a=b", None, "=1"],
            "value": [-1.5, 2.0, -3.0, 0.0, 1e-3, float("nan")],
        }
    )
    text = csv_text(frame)
    back = pd.read_csv(io.StringIO(text), keep_default_na=False)
    assert back["team"].tolist() == [
        '\'=HYPERLINK("http://x","y")',
        "'+44 20",
        "-1.5",  # a number written as text stays a number
        "'@SUM(A1)",
        "'\tx",
        "W1",
    ]
    assert back["note"].tolist()[:4] == ["'\r=1+1", "ok", "'-", "a=b"]
    values = pd.read_csv(io.StringIO(text))["value"]
    assert values.tolist()[:5] == [-1.5, 2.0, -3.0, 0.0, 0.001]  # numbers untouched


def test_the_explorers_change_log_round_trips_a_formula_team(tmp_path) -> None:
    """A change log the explorer writes is guarded for spreadsheets and read back intact
    (by the explorer when it adds to the file, and by spc.load)."""
    from spc.interactive.exports import write_changes
    from spc.interactive.state import ExploreSettings

    team = '=HYPERLINK("http://x","y")'
    settings = ExploreSettings(
        team, "falls_per_1000_obd", "u", phase_starts=[pd.Timestamp("2024-04-01")]
    )
    path = write_changes(settings, tmp_path / "change_log.csv")
    assert "\n\"'=HYPERLINK" in path.read_text()
    write_changes(settings, path)  # again: replaces its own rows, does not pile them up
    back = read_csv_text(path)
    assert back["team"].tolist() == [team]


@pytest.mark.slow
def test_render_with_a_folder_as_data(tmp_path, capsys) -> None:
    """``--data DIR`` reads the folder's template files and notes what it skipped (the example
    folder holds manifest.csv, generate.py, README.md and messy/); it used to say "the data
    files name no teams"."""
    from spc.cli import main

    folder = tmp_path / "example"
    shutil.copytree(example_files()[0].parent, folder)
    out = tmp_path / "reports"
    status = main(["render", "--data", str(folder), "--out", str(out), "--no-progress",
                   "--teams", "AVN-ELM", "--measures", *MEASURES, "--workers", "1",
                   "--no-overview"])  # fmt: skip
    printed = capsys.readouterr()
    assert status == 0, printed.err
    for skipped in ("manifest.csv", "generate.py", "README.md", "messy/"):
        assert f"note: {skipped}: skipped" in printed.err
    assert "AVN-ELM" in printed.out and "rendered" in printed.out
    assert (out / "teams" / f"{slugify('AVN-ELM')}.html").is_file()
