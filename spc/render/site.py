"""What a render leaves in the output folder besides the reports: index.html, summary.csv,
PDFs, and the pages of teams that had nothing to render.

The index lists every team page in the folder. A render of some teams only (``--teams``)
into a folder that holds earlier pages keeps those pages listed ("kept", with when and why),
and the overview and ``summary.csv`` cover every team with a page, so nothing in the folder
is left unlisted and no table shrinks to the teams of the last run.

Example::

    >>> entry = kept_entry({"name": "W1", "html": "teams/w1.html", "status": "rendered"}, True)
    >>> entry.status, entry.messages
    ('kept', ['rendered by an earlier run (not in --teams this time)'])
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from spc._files import csv_text, write_atomic
from spc.render.batch import TaskOutcome
from spc.render.pages import PageEntry, index_page
from spc.report.display import grid_html

__all__ = ["earlier_pages", "finish_formats", "kept_entry", "to_pdf", "write_index"]

OVERVIEW_TASK = "Collaborative overview"


def earlier_pages(out: Path, state: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Team pages earlier renders left in ``out`` (still on disk), by team name."""
    pages = {}
    for entry in state.values():
        name, html = entry.get("name"), entry.get("html")
        if name and name != OVERVIEW_TASK and html and (out / html).is_file():
            pages[name] = entry
    return pages


def kept_entry(entry: dict[str, Any], in_data: bool) -> PageEntry:
    """The index line of a page kept from an earlier render."""
    why = (
        f"{entry.get('status', 'rendered')} by an earlier run (not in --teams this time)"
        if in_data
        else "not in the current data files; this page is from an earlier run"
    )
    messages = [why] + ([entry["error"]] if entry.get("error") else [])
    ipynb = entry.get("ipynb")
    return PageEntry(entry["name"], "kept", entry.get("html"), ipynb, messages)


def write_index(
    out: Path,
    outcomes: list[TaskOutcome],
    summary: pd.DataFrame,
    broken: dict[str, list[str]],
    kept: Sequence[PageEntry] = (),
    notes: Iterable[str] = (),
    changes_html: str = "",
) -> None:
    """index.html: what changed, the overview grid, one line per team report (this run's, then
    kept ones)."""
    entries = []
    overview_html = None
    for o in outcomes:
        if o.name == OVERVIEW_TASK:
            overview_html = o.html if o.status not in ("failed", "interrupted") else None
            if o.status in ("failed", "interrupted"):
                entries.append(PageEntry(o.name, o.status, o.html, o.ipynb, [o.error]))
            continue
        messages = list(o.extra.get("data_errors", [])) or ([o.error] if o.error else [])
        if "pdf" in o.extra:
            messages.append(o.extra["pdf"])
        html = o.html if o.status != "interrupted" else None
        entries.append(PageEntry(o.name, o.status, html, o.ipynb, messages))
    entries += list(kept)
    all_notes = list(notes)
    if _is_example(summary):
        all_notes.insert(0, "All example data in this collaborative are synthetic.")
    if broken:
        all_notes.append(
            f"{len(broken)} team(s) have data errors and are left out of the overview "
            f"and summary until fixed: {', '.join(sorted(broken))}."
        )
    grid = grid_html(summary) if len(summary) else None
    write_atomic(
        out / "index.html",
        index_page(
            "Patient safety collaborative reports",
            entries,
            overview_html,
            grid,
            all_notes,
            changes_html,
        ),
    )


def write_summary(out: Path, summary: pd.DataFrame) -> None:
    """summary.csv, with spreadsheet formulas in text cells neutralised (``csv_text``)."""
    write_atomic(out / "summary.csv", csv_text(summary))


def _is_example(summary: pd.DataFrame) -> bool:
    return len(summary) > 0 and set(summary["team"]) <= {
        f"{t}-{w}" for t in ("AVN", "BRK", "CRH", "DNM") for w in ("ASH", "ELM", "OAK")
    }


def to_pdf(html_path: Path) -> str | None:
    """Print an HTML report to PDF with headless Chromium; return an error text or None."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        return "PDF needs Chromium (Debian package 'chromium'); HTML was written"
    pdf = html_path.with_suffix(".pdf")
    tmp = pdf.with_name(f".{pdf.stem}.partial.pdf")
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-pdf-header-footer",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--print-to-pdf={tmp}",
        html_path.resolve().as_uri(),
    ]
    try:
        result = subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    except subprocess.TimeoutExpired:
        tmp.unlink(missing_ok=True)
        return "PDF export failed: Chromium did not finish within 120 s; HTML was written"
    if result.returncode != 0 or not tmp.exists():
        tmp.unlink(missing_ok=True)  # never leave a half-written PDF behind
        return f"PDF export failed: {result.stderr.decode(errors='replace')[-300:]}"
    tmp.replace(pdf)
    return None


def finish_formats(out: Path, formats: Sequence[str], outcomes: list[TaskOutcome]) -> None:
    """PDFs of the pages when asked for (an unchanged page keeps a PDF newer than it);
    executed notebooks removed when not asked for."""
    if "pdf" in formats:
        for outcome in outcomes:
            if outcome.status in ("rendered", "unchanged") and outcome.html:
                html, pdf = out / outcome.html, (out / outcome.html).with_suffix(".pdf")
                if outcome.status == "unchanged" and pdf.is_file():
                    if pdf.stat().st_mtime >= html.stat().st_mtime:
                        continue
                error = to_pdf(html)
                if error:
                    outcome.extra["pdf"] = error
    if "ipynb" not in formats:
        for outcome in outcomes:
            if outcome.status not in ("failed", "interrupted") and outcome.ipynb:
                (out / outcome.ipynb).unlink(missing_ok=True)
                outcome.ipynb = None
