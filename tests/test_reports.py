"""Team reports, the collaborative overview and ``safety-spc render``, end to end.

The render runs on a copy of the synthetic example collaborative plus two extra teams: one
whose data have an error in one row (its report must fail on its own, with a page saying
why) and one with a hostile name (it must render as text, never run as script).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import warnings
from pathlib import Path

import pandas as pd
import papermill
import pytest

import spc
import spc.engine.mdc
from spc.render.collaborative import (
    OVERVIEW_NOTEBOOK,
    TEAM_NOTEBOOK,
    _to_pdf,
    check_parameters,
    render_collaborative,
)
from spc.render.pages import slugify
from spc.report import (
    build_team_report,
    collaborative_summary,
    example_files,
    load_collaborative,
    load_team,
    methods_note,
    sustained_improvement,
)

REPO = Path(__file__).resolve().parents[1]
MEASURES = ["falls_per_1000_obd", "vte_risk_assessment_percent"]
#: a team name that is script in a page and a formula in a spreadsheet
HOSTILE = '=HYPERLINK("https://evil.example","<script>alert(1)</script>")'
#: what a kernel must never print into a report (IPython's shared history database did)
KERNEL_NOISE = (
    "ERROR!",
    "History logging",
    "Session/line number",
    "Traceback",
    'data-mime-type="application/vnd.jupyter.stderr"',
)
BROKEN = "BROKEN-1"

TEAM_PARAMETERS = {
    "data_paths",
    "team",
    "measures",
    "period_start",
    "period_end",
    "rules",
    "change_log",
    "targets",
    "chart_settings",
    "interactive",
}
OVERVIEW_PARAMETERS = {
    "data_paths",
    "measures",
    "rules",
    "change_log",
    "teams",
    "targets",
    "chart_settings",
    "funnel_period",
    "as_of",
}


# ------------------------------------------------------------------------------ notebooks


@pytest.mark.parametrize(
    ("notebook", "expected"),
    [(TEAM_NOTEBOOK, TEAM_PARAMETERS), (OVERVIEW_NOTEBOOK, OVERVIEW_PARAMETERS)],
)
def test_notebook_parameters_are_the_documented_set(notebook, expected) -> None:
    params = papermill.inspect_notebook(str(notebook))
    assert set(params) == expected
    assert all(p["help"] for p in params.values())  # every parameter has a help comment


def test_every_notebook_is_stored_without_outputs() -> None:
    for path in sorted((REPO / "notebooks").rglob("*.ipynb")) + sorted(
        (REPO / "tests" / "notebooks").rglob("*.ipynb")
    ):
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell.get("outputs") == [], f"{path.name} has committed outputs"
                assert cell.get("execution_count") is None, f"{path.name} has execution counts"


def test_unknown_parameters_are_refused_before_anything_runs() -> None:
    with pytest.raises(spc.SPCError, match="has no parameter"):
        check_parameters(TEAM_NOTEBOOK, {"team": "A", "ward": "B"})


# ----------------------------------------------------------------------------- report layer


@pytest.fixture(scope="module")
def elm() -> pd.DataFrame:
    return load_team(None, "AVN-ELM")


def test_team_report_sections(elm) -> None:
    report = build_team_report(
        elm, "AVN-ELM", MEASURES, rules="mdc", targets={"falls_per_1000_obd": 4}
    )
    assert [s.measure for s in report.sections] == MEASURES
    falls = report.sections[0]
    # the verdict first: PDSA 1 against the baseline before it
    assert falls.headline.startswith("Since PDSA 1 (Sep 2022) inpatient falls per 1,000")
    assert falls.headline.startswith(falls.latest["verdict"])
    assert "Latest: " in falls.headline and "against the target of 4" in falls.headline
    assert falls.latest["assurance"] in ("consistent_pass", "consistent_fail", "inconsistent")
    assert falls.caption and "what it does not mean" in falls.caption.lower()
    assert falls.annotations is not None and "PDSA" in " ".join(falls.annotations["text"])
    assert report.trust == "Avonmere" and report.rules == "mdc"
    assert "Making Data Count" in report.methods


def test_report_charts_from_the_reused_figure_match_new_figures() -> None:
    """Charts of a team report are drawn into one kept figure for speed: each chart's SVG must
    be byte for byte what a new figure gives, whatever chart came before it (every measure of
    two teams, so every chart type in the catalogue follows another)."""
    from spc.plotting import chart_html, close, plot
    from spc.plotting._style import PAGE_FIGSIZE
    from spc.report.display import CHART_OPTIONS, annotations_for, section_blocks

    for team in ("DNM-OAK", "CRH-ASH"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            report = build_team_report(load_team(None, team), team)
        assert len(report.sections) >= 15
        for section in report.sections:
            alt = f"{section.title}. {section.caption}"
            ax = plot(
                section.result,
                annotations=annotations_for(section),
                figsize=PAGE_FIGSIZE,
                **CHART_OPTIONS,
            )
            fresh = chart_html(ax, alt)
            close(ax)
            assert section_blocks(section)[1] == fresh, (team, section.measure)


def test_overview_small_multiples_from_kept_figures_match_new_figures() -> None:
    """The overview draws every measure's small multiples into kept figures, one per grid
    shape (``LiveFacets``): each figure's SVG must be byte for byte a new figure's, whatever
    came before it. Every measure in catalogue order, then backwards; with one team fewer on
    some measures, so a 3 x 4 grid is kept with a hidden panel, then filled again; and with
    four teams, so a second grid shape is kept beside the first."""
    from spc.data.catalogue import get_measure
    from spc.plotting import facets_html, plot_facets
    from spc.report.content import team_charts
    from spc.report.display import small_multiples_html

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load_collaborative(None)
        teams = sorted(data["team"].unique())
        assert len(teams) == 12
        charts = team_charts(data, None, "anhoej", None, None)
        eleven = team_charts(data[data["team"] != teams[0]], None, "anhoej", None, None)
        four = team_charts(data[data["team"].isin(teams[:4])], None, "anhoej", None, None)
    assert len(charts) >= 15
    results = list(charts.items())
    sequence = [*results, *reversed(results)]
    sequence[3::4] = [(m, eleven[m]) for m, _ in sequence[3::4]]
    sequence[5::6] = [(m, four[m]) for m, _ in sequence[5::6]]
    for m_id, res in sequence:
        title = get_measure(m_id).title
        fresh = facets_html(plot_facets(res, title=title, icons="page"), "alt", close=True)
        kept = small_multiples_html(res, title, "alt")
        assert kept == fresh, m_id


def test_interactive_team_report_opens_the_explorer_on_each_measure(elm, monkeypatch) -> None:
    """``show_team_report(interactive=True)`` (the notebook's ``interactive`` parameter) shows
    each chart with an explorer opened on that team, measure, rule set and chart settings."""
    from spc.report import display

    shown: list = []
    monkeypatch.setattr(display, "_display", shown.append)
    report = build_team_report(elm, "AVN-ELM", MEASURES, rules="mdc")
    display.show_team_report(report, interactive=True)
    boxes = [o for o in shown if hasattr(o, "outcome")]
    assert len(boxes) == len(MEASURES)
    assert [b.controls["measure"].value for b in boxes] == MEASURES
    assert {b.controls["team"].value for b in boxes} == {"AVN-ELM"}
    assert {b.settings.rules for b in boxes} == {"mdc"}


def test_an_overview_of_more_teams_than_small_multiples_can_show_counts_verdicts(
    monkeypatch,
) -> None:
    """Above SMALL_MULTIPLES_MAX_TEAMS teams (1,000 in a region) the overview draws no small
    multiples (unreadable panels, minutes of drawing) but counts each measure's verdicts in
    the grid's words; the grid and funnel plots stay."""
    from spc.report import display

    monkeypatch.setattr(display, "SMALL_MULTIPLES_MAX_TEAMS", 5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = spc.load_example()
        blocks = list(
            display.overview_blocks(data, ["falls_per_1000_obd", "pu_cat2plus_per_1000_obd"])
        )
        summary = collaborative_summary(data, ["falls_per_1000_obd"])
    page = "".join(blocks)
    assert ": one small chart per team," not in page  # no small multiples (their alt text)
    assert page.count("12 teams chart this measure") == 2
    words = spc.text.verdicts.VARIATION_TYPE_WORDS
    expected = summary["variation_type"].value_counts()
    falls = page[page.index("Inpatient falls per 1,000") :]
    for v, n in expected.items():
        assert f"<li>{words[v]}: {n} team" in falls
    assert "Funnel plot of" in page and 'class="spc-grid"' in page


def test_team_report_period_and_unknown_measures(elm) -> None:
    report = build_team_report(
        elm, "AVN-ELM", ["falls_per_1000_obd"], start="2023-01", end="2023-06"
    )
    x = report.sections[0].result.data["x"]
    assert x.min() == pd.Timestamp("2023-01-01") and x.max() == pd.Timestamp("2023-06-01")
    with pytest.raises(spc.SPCError, match="falls_per_1000_obd"):
        build_team_report(elm, "AVN-ELM", ["falls_per_1000"])
    with pytest.raises(spc.SPCError, match="rules must be one of"):
        build_team_report(elm, "AVN-ELM", rules="nelson")


def test_load_team_ignores_other_teams_errors(tmp_path) -> None:
    paths = _data_with_extra_teams(tmp_path)
    data = load_team(paths, "AVN-ELM")
    assert set(data["team"]) == {"AVN-ELM"}
    with pytest.raises(spc.DataValidationError, match=r"row \d+, column 'falls_low'"):
        load_team(paths, BROKEN)
    with pytest.raises(spc.SPCError, match="team 'NOPE' has no rows"):
        load_team(paths, "NOPE")


def test_methods_note_says_what_a_signal_does_not_mean() -> None:
    for rules in spc.RULES:
        text = methods_note(rules)
        assert "does not by itself mean" in text and "common cause" in text


def test_collaborative_summary_and_sustained_improvement() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spc.SPCWarning)
        data = load_collaborative(None)
    summary = collaborative_summary(data, MEASURES)
    assert len(summary) == 24 and summary["team"].nunique() == 12
    assert set(summary["variation"]) <= set(spc.engine.mdc.VARIATION_ICONS)
    vte = summary[summary["measure"] == "vte_risk_assessment_percent"]
    assert vte["assurance"].notna().all()  # the catalogue's 95% standard
    sustained = sustained_improvement(data, MEASURES)
    assert set(sustained["verdict"]) <= {
        "sustained improvement",
        "no sustained change yet",
        "concern",
        "too early to tell",
    }
    # the synthetic design: AVN-ELM's falls fell strongly after its PDSA cycles
    row = sustained[
        (sustained["team"] == "AVN-ELM") & (sustained["measure"] == "falls_per_1000_obd")
    ]
    assert row["verdict"].item() == "sustained improvement"


# ---------------------------------------------------------------------- papermill execution


@pytest.mark.slow
def test_team_report_notebook_executes(tmp_path) -> None:
    out = tmp_path / "team.ipynb"
    nb = papermill.execute_notebook(
        str(TEAM_NOTEBOOK),
        str(out),
        kernel_name="python3",
        progress_bar=False,
        parameters={"team": "CRH-OAK", "measures": MEASURES},
        cwd=str(TEAM_NOTEBOOK.parent),
    )
    html = "".join(
        o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", [])
    )
    # charts are inline SVG, described for screen readers by their aria-label
    charts = re.findall(r'<svg [^>]*role="img" aria-label="([^"]+)" style="max-width', html)
    assert len(charts) == 2 and "<img" not in html
    assert "Patient safety measures: CRH-OAK" in html and "Methods" in html


@pytest.mark.slow
def test_overview_notebook_executes(tmp_path) -> None:
    nb = papermill.execute_notebook(
        str(OVERVIEW_NOTEBOOK),
        str(tmp_path / "overview.ipynb"),
        kernel_name="python3",
        progress_bar=False,
        parameters={"measures": MEASURES},
        cwd=str(OVERVIEW_NOTEBOOK.parent),
    )
    html = "".join(
        o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", [])
    )
    assert "Collaborative overview" in html and "Funnel plots" in html
    charts = re.findall(r'<svg [^>]*role="img" aria-label="([^"]+)" style="max-width', html)
    assert len(charts) >= 4  # 2 small-multiple figures + 2 funnels
    assert "Sustained improvement" in html


# ------------------------------------------------------------------------- batch rendering


def _data_with_extra_teams(folder: Path) -> list[Path]:
    """The example files plus a file with a hostile-named team and a team with a bad row."""
    paths = []
    for path in example_files():
        target = folder / path.name
        shutil.copy(path, target)
        paths.append(target)
    with open(example_files()[0], newline="") as fh:
        rows = list(csv.DictReader(fh))
    extra = []
    for new_name, source in ((HOSTILE, "AVN-ELM"), (BROKEN, "AVN-OAK")):
        for r in rows:
            if r["ward"] == source:
                extra.append({**r, "ward": new_name, "trust": "Extra"})
    broken_rows = [r for r in extra if r["ward"] == BROKEN]
    broken_rows[3]["falls_low"] = "-1"
    extra_path = folder / "ward-monthly-extra.csv"
    with open(extra_path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(extra)
    paths.insert(1, extra_path)
    return paths


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("render")
    paths = _data_with_extra_teams(folder)
    out = folder / "reports"
    result = render_collaborative(
        paths, out, teams=["AVN-ELM", HOSTILE, BROKEN], measures=MEASURES, workers=2, progress=False
    )
    return paths, out, result


@pytest.mark.slow
def test_render_writes_every_page_and_isolates_the_broken_team(rendered) -> None:
    _, out, result = rendered
    status = {o.name: o.status for o in result.outcomes}
    assert status == {
        "AVN-ELM": "rendered",
        HOSTILE: "rendered",
        BROKEN: "failed",
        "Collaborative overview": "rendered",
    }
    assert result.exit_code == 1 and result.excluded_teams == [BROKEN]
    failure = (out / "teams" / f"{slugify(BROKEN)}.html").read_text()
    assert "could not be produced" in failure and "falls_low" in failure
    assert (out / "teams" / f"{slugify(BROKEN)}.ipynb").is_file()  # kept for debugging
    index = (out / "index.html").read_text()
    assert "failed" in index and "ward-monthly-extra.csv" in index and "falls_low" in index
    assert "overview.html" in index


@pytest.mark.slow
def test_summary_csv_has_the_good_teams_only(rendered) -> None:
    _, out, _ = rendered
    summary = pd.read_csv(out / "summary.csv")
    # the formula is neutralised for spreadsheets (OWASP): a leading apostrophe
    assert set(summary["team"]) == {"AVN-ELM", "'" + HOSTILE}
    assert "\n\"'=HYPERLINK(" in (out / "summary.csv").read_text()  # quoted: it has quotes
    assert (summary["latest_value"] >= 0).all()  # numbers stay numbers
    assert set(summary["measure"]) == set(MEASURES)
    assert {"latest_value", "centre", "signals", "variation", "assurance"} <= set(summary)


@pytest.mark.slow
def test_no_kernel_noise_in_any_rendered_page(rendered) -> None:
    _, out, _ = rendered
    pages = sorted(out.rglob("*.html"))
    assert len(pages) >= 5  # index, overview and the three teams' pages
    for page in pages:
        text = page.read_text()
        for noise in KERNEL_NOISE:
            assert noise not in text, f"{noise!r} in {page.relative_to(out)}"


@pytest.mark.slow
def test_every_chart_reaches_the_page_whole(rendered) -> None:
    """The export sets each chart's SVG aside and puts it back (``pages.notebook_html``): the
    page holds every chart of the notebook byte for byte, and every SVG element is closed
    (a nested ``<svg>`` once cut a chart short and the HTML parser dropped its end tag)."""
    _, out, _ = rendered
    page = (out / "teams" / f"{slugify('AVN-ELM')}.html").read_text()
    nb = json.loads((out / "teams" / f"{slugify('AVN-ELM')}.ipynb").read_text())
    outputs = ["".join(o["data"]["text/html"]) for c in nb["cells"] for o in c.get("outputs", [])
               if "text/html" in o.get("data", {})]  # fmt: skip
    charts = [re.search(r"<svg xmlns:xlink.*?</svg>(?=<ul|</figure>)", o, re.S) for o in outputs]
    charts = [m[0] for m in charts if m]
    assert len(charts) >= len(MEASURES)
    for chart in charts:
        assert chart in page
        assert chart.count("<svg") == chart.count("</svg>") == 1  # icons are groups, not <svg>
    assert page.count("<svg") == page.count("</svg>")


@pytest.mark.slow
def test_how_to_run_notes_are_not_in_the_html_reports(rendered) -> None:
    _, out, _ = rendered
    page = (out / "teams" / f"{slugify('AVN-ELM')}.html").read_text()
    assert "papermill notebooks/team_report.ipynb" not in page
    nb = json.loads((out / "teams" / f"{slugify('AVN-ELM')}.ipynb").read_text())
    assert "papermill" in "".join(nb["cells"][0]["source"])  # still in the notebook


@pytest.mark.slow
def test_hostile_team_name_is_text(rendered) -> None:
    _, out, _ = rendered
    page = (out / "teams" / f"{slugify(HOSTILE)}.html").read_text()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in (out / "index.html").read_text()


@pytest.mark.slow
def test_rerun_without_changes_renders_nothing(rendered) -> None:
    paths, out, _ = rendered
    again = render_collaborative(
        paths, out, teams=["AVN-ELM", HOSTILE, BROKEN], measures=MEASURES, workers=1, progress=False
    )
    status = {o.name: o.status for o in again.outcomes}
    assert status == {
        "AVN-ELM": "unchanged",
        HOSTILE: "unchanged",
        BROKEN: "failed",
        "Collaborative overview": "unchanged",
    }


@pytest.mark.slow
def test_reports_in_a_real_browser(rendered) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    browser_path = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser_path is None:
        pytest.skip("Debian's chromium is not installed (make test installs it as root)")
    _, out, _ = rendered
    pages = [
        out / "index.html",
        out / "changes.html",
        out / "overview.html",
        out / "teams" / f"{slugify(HOSTILE)}.html",
        out / "teams" / f"{slugify('AVN-ELM')}.html",
    ]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=browser_path,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        try:
            for path in pages:
                page = browser.new_page()
                dialogs: list[str] = []
                requests: list[str] = []
                page.on("dialog", lambda d, seen=dialogs: (seen.append(d.message), d.dismiss()))
                page.on("request", lambda r, seen=requests: seen.append(r.url))
                page.goto(path.as_uri(), wait_until="load")
                images = page.evaluate(
                    "Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)"
                )
                assert all(images), f"{path.name}: an image did not load"
                # charts are inline SVG: drawn at a readable size, each with its description
                charts = page.evaluate(
                    "Array.from(document.querySelectorAll('svg[role=img]'))"
                    ".filter(s => s.getBoundingClientRect().width > 200)"
                    ".map(s => s.getBoundingClientRect().height > 100 && "
                    "s.getAttribute('aria-label').length > 20)"
                )
                assert all(charts), f"{path.name}: a chart is not shown or not described"
                if path.name not in ("index.html", "changes.html"):
                    assert len(charts) >= 2, f"{path.name}: expected charts"
                ran = page.evaluate(
                    "typeof window.alert === 'function' && "
                    "document.querySelectorAll('script').length"
                )
                assert dialogs == [], f"{path.name}: a script ran ({dialogs})"
                assert ran == 0, f"{path.name}: has script elements"
                external = [u for u in requests if not u.startswith(("file:", "data:"))]
                assert external == [], f"{path.name} loads {external}"
                page.close()
        finally:
            browser.close()


@pytest.mark.slow
def test_pdf_export_with_chromium(rendered, tmp_path) -> None:
    if (shutil.which("chromium") or shutil.which("chromium-browser")) is None:
        pytest.skip("Debian's chromium is not installed (make test installs it as root)")
    _, out, _ = rendered
    html = tmp_path / "report.html"
    shutil.copy(out / "teams" / f"{slugify('AVN-ELM')}.html", html)
    assert _to_pdf(html) is None
    pdf = (tmp_path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert pdf.count(b"/Type /Page") + pdf.count(b"/Type/Page") >= 2  # pages, not a blank sheet
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "report.pdf"]


def _fake_chromium(folder: Path, body: str) -> None:
    script = folder / "chromium"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)


def test_pdf_export_failure_leaves_no_partial_pdf(tmp_path, monkeypatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # A browser that starts writing the PDF, then crashes.
    _fake_chromium(
        bin_dir,
        'for a in "$@"; do case "$a" in --print-to-pdf=*) '
        'echo "%PDF-1.4 trunc" > "${a#--print-to-pdf=}";; esac; done\n'
        'echo "renderer crashed" >&2\nexit 1\n',
    )
    monkeypatch.setenv("PATH", str(bin_dir))
    html = tmp_path / "report.html"
    html.write_text("<p>report</p>")
    error = _to_pdf(html)
    assert error is not None and "PDF export failed" in error and "renderer crashed" in error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "report.html"]


def test_pdf_export_without_chromium_says_what_to_install(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    html = tmp_path / "report.html"
    html.write_text("<p>report</p>")
    assert "Debian package 'chromium'" in _to_pdf(html)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_cli_render_refuses_unknown_team_and_format(tmp_path, capsys) -> None:
    from spc.cli import main

    assert main(["render", "--out", str(tmp_path / "r"), "--teams", "NOPE", "--no-progress"]) == 2
    assert "team(s) NOPE are not in the data" in capsys.readouterr().err
    assert main(["render", "--out", str(tmp_path / "r"), "--format", "docx", "--no-progress"]) == 2
    assert "unknown format(s) docx" in capsys.readouterr().err
    assert main(["render", "--out", str(tmp_path / "r"), "--rules", "nhs", "--no-progress"]) == 2
    assert "rules must be one of anhoej, ihi, mdc, western_electric" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()  # nothing written


def test_cli_render_refuses_bad_chart_settings_and_targets(tmp_path, capsys) -> None:
    from spc.cli import main

    settings = tmp_path / "chart_settings.json"
    settings.write_text(json.dumps({"AVN-ELN": {"falls_per_1000_obd": {"baseline": 12}}}))
    out = tmp_path / "r"
    assert (
        main(["render", "--out", str(out), "--chart-settings", str(settings), "--no-progress"]) == 2
    )
    assert (
        "team 'AVN-ELN': not in the data files (did you mean 'AVN-ELM'?)" in capsys.readouterr().err
    )
    settings.write_text('{"AVN-ELM": {"falls_per_1000_obd": {"exclude": ["01/08/2022"]}}}')
    assert (
        main(["render", "--out", str(out), "--chart-settings", str(settings), "--no-progress"]) == 2
    )
    assert (
        "field 'exclude': '01/08/2022' is not a date written YYYY-MM-DD" in capsys.readouterr().err
    )
    assert (
        main(["render", "--out", str(out), "--target", "falls_per_1000_obd:5", "--no-progress"])
        == 2
    )
    assert "write MEASURE=NUMBER" in capsys.readouterr().err
    assert (
        main(["render", "--out", str(out), "--target", "falls_per_1000_bd=5", "--no-progress"]) == 2
    )
    assert "did you mean 'falls_per_1000_obd'" in capsys.readouterr().err
    assert not out.exists()  # nothing written


@pytest.mark.slow
def test_render_applies_chart_settings_everywhere_and_rerenders_when_they_change(tmp_path) -> None:
    settings = tmp_path / "chart_settings.json"
    settings.write_text(
        json.dumps(
            {
                "AVN-ELM": {
                    "falls_per_1000_obd": {"baseline": 12, "exclude": ["2022-08-01"], "target": 5.5}
                }
            }
        )
    )
    out = tmp_path / "reports"
    kwargs = dict(
        teams=["AVN-ELM", "AVN-OAK"],
        measures=["falls_per_1000_obd"],
        rules="mdc",
        workers=1,
        progress=False,
        chart_settings=settings,
        targets={"falls_per_1000_obd": 7},
    )
    result = render_collaborative(None, out, **kwargs)
    assert result.exit_code == 0
    summary = pd.read_csv(out / "summary.csv").set_index("team")
    assert summary.loc["AVN-ELM", "target"] == 5.5 and summary.loc["AVN-OAK", "target"] == 7
    page = (out / "teams" / f"{slugify('AVN-ELM')}.html").read_text()
    assert "after a baseline of 12 points" in page and "Aug 2022" in page
    # The overview's grid (computed in its kernel) says what the index's grid (from the frame
    # of summary.csv) says: same teams, values and icons (nbconvert re-serialises the markup).
    index_grid = _grid_readings(out / "index.html")
    assert summary["assurance"].notna().all()  # both teams have targets, so assurance icons
    assert len(index_grid) == 2 and all(len(labels) == 2 for _, _, labels in index_grid)
    assert _grid_readings(out / "overview.html") == index_grid
    again = render_collaborative(None, out, **kwargs)
    assert {o.status for o in again.outcomes} == {"unchanged"}
    settings.write_text(json.dumps({"AVN-ELM": {"falls_per_1000_obd": {"baseline": 18}}}))
    changed = render_collaborative(None, out, **kwargs)
    assert {o.status for o in changed.outcomes} == {"rendered"}
    page = (out / "teams" / f"{slugify('AVN-ELM')}.html").read_text()
    assert "after a baseline of 18 points" in page


def _grid_readings(page: Path) -> list[tuple[str, str, list[str]]]:
    """(team, latest value, icon labels) for each row of the page's team x measure grid."""
    grid = re.search(r'<table class="spc-grid">(.*?)</table>', page.read_text(), re.S)
    assert grid, f"{page.name} has no grid"
    rows = re.findall(r"<tr><th>(.*?)</th>(.*?)</tr>", grid.group(1), re.S)
    return [
        (
            team,
            "".join(re.findall(r'class="spc-value">(.*?)<', cells)),
            re.findall(r'aria-label="(.*?)"', cells),
        )
        for team, cells in rows
        if team != "Team"
    ]
