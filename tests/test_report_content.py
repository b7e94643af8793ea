"""The reports say what they said before their charts got faster (issue 14).

``tests/fixtures/report_text`` holds the words and numbers of the example collaborative's
reports as rendered before the speed work (``tests/report_text.py`` reads a page the way a
reader does: text, plus each chart's alt text or aria-label, without markup or what is drawn
inside the chart), the ``summary.csv`` and the ``changes.csv`` of a first render. A change of
content must be deliberate: regenerate the fixtures and say so.
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from report_text import page_text

from spc._files import csv_text
from spc.report import build_team_report, collaborative_summary, load_collaborative, load_team
from spc.report.display import overview_blocks, team_report_blocks

FIXTURES = Path(__file__).parent / "fixtures" / "report_text"
HASHES = json.loads((FIXTURES / "hashes.json").read_text())
TEAMS = sorted(t for t in HASHES if t != "overview")


def _team_text(team: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = build_team_report(load_team(None, team), team)
        return page_text("".join(team_report_blocks(report)))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_team_report_says_what_it_said() -> None:
    assert _team_text("AVN-ELM") + "\n" == (FIXTURES / "AVN-ELM.txt").read_text()


def test_the_summary_is_unchanged(example_data) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        summary = collaborative_summary(load_collaborative(None))
    # the fixture is summary.csv as a render wrote it (line ends as the file has them). Every
    # text and the shape of every number as written; the numbers themselves to 1e-12: numpy's
    # powers (a T chart's transform) differ in the last bits from one processor to another
    text = csv_text(summary).replace("\r\n", "\n")
    expected = (FIXTURES / "summary.csv").read_text()
    number = re.compile(r"-?\d+\.\d+(?:e-?\d+)?")
    assert number.sub("#", text) == number.sub("#", expected)
    got, want = (np.array(number.findall(t), float) for t in (text, expected))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


@pytest.mark.slow
def test_every_team_report_and_the_overview_say_what_they_said() -> None:
    assert _team_text("CRH-OAK") + "\n" == (FIXTURES / "CRH-OAK.txt").read_text()
    changed = [team for team in TEAMS if _digest(_team_text(team)) != HASHES[team]]
    assert changed == []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        overview = page_text("".join(overview_blocks(load_collaborative(None))))
    assert overview + "\n" == (FIXTURES / "overview.txt").read_text()
    assert _digest(overview) == HASHES["overview"]


def regenerate() -> None:
    """Rewrite the fixtures from the reports as they are now: run
    ``python tests/test_report_content.py`` after a deliberate change of content, read the
    ``git diff`` of tests/fixtures/report_text and say in the commit what changed and why."""
    hashes = {team: _digest(_team_text(team)) for team in TEAMS}
    for team in ("AVN-ELM", "CRH-OAK"):
        (FIXTURES / f"{team}.txt").write_text(_team_text(team) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load_collaborative(None)
        overview = page_text("".join(overview_blocks(data)))
        summary = csv_text(collaborative_summary(data))
    (FIXTURES / "overview.txt").write_text(overview + "\n")
    (FIXTURES / "summary.csv").write_bytes(summary.encode())  # CRLF, as render writes it
    hashes["overview"] = HASHES.get("overview", "")
    (FIXTURES / "hashes.json").write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    regenerate()
