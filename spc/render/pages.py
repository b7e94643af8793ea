"""HTML for the batch renderer: notebook -> report page, the index, failure pages.

Every piece of user text (team names, measure titles, error messages) goes through
:func:`html.escape`; every page carries a Content-Security-Policy that forbids script, so a
report opens offline and a hostile team name can never run code.
"""

from __future__ import annotations

import copy
import hashlib
import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).parent / "templates"
#: Cells tagged so are left out of the HTML reports (kept in the executed notebooks).
HIDDEN_TAG = "report-hidden"
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:"


def slugify(name: str) -> str:
    """A file-name-safe, deterministic slug for any team name.

    ASCII letters, digits and dashes only (no dots, slashes or spaces), plus a short hash of
    the exact name so that names differing only in punctuation or case never collide.

    >>> slugify("St Mary's / Ward 7")
    'st-mary-s-ward-7-54a5ca03'
    """
    ascii_name = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:48].strip("-") or "team"
    digest = hashlib.sha1(str(name).encode("utf-8")).hexdigest()[:8]
    return f"{stem}-{digest}"


#: What nbconvert's HTMLExporter marks with BeautifulSoup after exporting, done here with a
#: pattern (see ``_exporter``): cells' input and output areas focusable, images without alt
#: text described.
_FOCUSABLE = re.compile(
    r'(<div class="[^"]*\b(?:jp-OutputArea-output|jp-Cell-inputWrapper)\b[^"]*"[^>]*)>'
)
_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt=)([^>]*?)(/?)>")
_NO_ALT = "No description has been provided for this image"


@lru_cache(maxsize=1)
def _exporter() -> Any:
    """One nbconvert HTMLExporter per process, reused (2 s per standalone nbconvert call).

    It exports as nbconvert's does, without the last step: HTMLExporter parses the finished
    page with BeautifulSoup and writes it out again to make output areas focusable and give
    images alt text. For a report, most of that page is JupyterLab's style sheet: the parse
    was a fifth of a page's time outside the kernel. The two edits are made with patterns
    instead (``tests/test_render_pages.py`` checks the page is the one nbconvert writes)."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
    from traitlets.config import Config

    class ReportExporter(HTMLExporter):  # type: ignore[misc]
        def from_notebook_node(
            self, nb: Any, resources: dict[str, Any] | None = None, **kw: Any
        ) -> tuple[str, dict[str, Any]]:
            # HTMLExporter.from_notebook_node (nbconvert 7) up to its BeautifulSoup pass
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
            )
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            body, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            body = _IMG_WITHOUT_ALT.sub(lambda m: f'<img{m[1]} alt="{_NO_ALT}"{m[2]}>', body)
            return _FOCUSABLE.sub(r'\1 tabindex="0">', body), resources

    config = Config()
    # notes for people running the notebook (how to call papermill) are not for readers
    config.TagRemovePreprocessor.remove_cell_tags = {HIDDEN_TAG}
    exporter = ReportExporter(
        config=config,
        template_name="safety_report",
        extra_template_basedirs=[str(TEMPLATES)],
    )
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.embed_images = True
    return exporter


_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
_SVG_SLOT = re.compile(r'<span data-spc-svg="(\d+)"></span>')


def notebook_html(nb: Any, title: str) -> str:
    """An executed notebook as a self-contained HTML page without code cells.

    The charts' inline SVG is set aside while nbconvert exports and put back after: the
    template engine need not scan a few hundred SVG elements per chart (and nbconvert's own
    exporter parsed and re-serialised them all with BeautifulSoup, most of the export).
    """
    charts: list[str] = []

    def set_aside(match: re.Match[str]) -> str:
        charts.append(match[0])
        return f'<span data-spc-svg="{len(charts) - 1}"></span>'

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        for output in cell.get("outputs", ()):
            data = output.get("data", {})
            text = data.get("text/html")
            if text is not None:
                data["text/html"] = _SVG.sub(set_aside, "".join(text))
    body, _ = _exporter().from_notebook_node(nb, resources={"metadata": {"name": title}})
    return _SVG_SLOT.sub(lambda m: charts[int(m[1])], body) if charts else body


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: Arial, Helvetica, sans-serif; margin: 2rem auto; max-width: 72rem;
       color: #231f20; line-height: 1.45; padding: 0 1rem; }}
h1 {{ color: #005eb8; }} table {{ border-collapse: collapse; margin: 1rem 0; }}
th, td {{ border: 1px solid #aeb7bd; padding: .35rem .6rem; text-align: left; }}
th {{ background: #e8edee; }} .failed {{ color: #a00; font-weight: bold; }}
.warned, .no-data, .interrupted {{ color: #7a4b00; }} .kept {{ color: #425563; }}
.ok {{ color: #007f3b; }} pre {{ white-space: pre-wrap; }}
.note {{ background: #fff9c4; padding: .6rem 1rem; border-left: 4px solid #ffb81c; }}
.spc-grid td, .spc-grid tbody th {{ white-space: nowrap; }}
.spc-grid thead th {{ vertical-align: bottom; }}
</style></head><body>
{body}
</body></html>
"""


def page(title: str, body_html: str) -> str:
    """A complete page around already-escaped ``body_html``; ``title`` is escaped here."""
    return _PAGE.format(csp=CSP, title=html.escape(title), body=body_html)


@dataclass
class PageEntry:
    """One rendered (or failed) report, as the index lists it."""

    team: str
    status: str  # rendered, unchanged, failed, no data, interrupted, kept
    html_path: str | None
    ipynb_path: str | None
    messages: list[str] = field(default_factory=list)


def failure_page(team: str, error: str, ipynb_name: str | None) -> str:
    """A page saying plainly that this team's report failed, why, and where to debug it."""
    kept = (
        f"<p>The executed notebook with the error is kept for debugging: "
        f'<a href="{html.escape(ipynb_name)}">{html.escape(ipynb_name)}</a>.</p>'
        if ipynb_name
        else ""
    )
    body = (
        f"<h1>Report for {html.escape(team)} could not be produced</h1>"
        f'<p class="failed">The report failed. The other teams\' reports are not affected.</p>'
        f"<pre>{html.escape(error)}</pre>{kept}"
        "<p>Fix the problem in the data (see the message) and run the render again.</p>"
    )
    return page(f"Report failed: {team}", body)


def no_data_page(team: str, message: str) -> str:
    """A page saying plainly that a team's data hold no figures, so there is no report."""
    body = (
        f"<h1>No report for {html.escape(team)}: no data</h1>"
        f'<p class="warned">{html.escape(message)}</p>'
        "<p>Fill in the team's figures in the data files and run the render again.</p>"
    )
    return page(f"No data: {team}", body)


def index_page(
    title: str,
    entries: Iterable[PageEntry],
    overview_html: str | None,
    grid_html: str | None,
    notes: Iterable[str] = (),
    top_html: str = "",
) -> str:
    """The collaborative's index: what changed (``top_html``, already escaped), the overview
    grid and one line per team report."""
    rows = []
    for e in entries:
        link = (
            f'<a href="{html.escape(e.html_path)}">{html.escape(e.team)}</a>'
            if e.html_path
            else html.escape(e.team)
        )
        nb = f'<a href="{html.escape(e.ipynb_path)}">notebook</a>' if e.ipynb_path else ""
        messages = "<br>".join(html.escape(m) for m in e.messages)
        rows.append(
            f'<tr><td>{link}</td><td class="{html.escape(e.status.replace(" ", "-"))}">'
            f"{html.escape(e.status)}"
            f"</td><td>{messages}</td><td>{nb}</td></tr>"
        )
    overview = (
        f'<p><a href="{html.escape(overview_html)}">Collaborative overview</a>: every team and '
        "measure, small multiples and funnel plots.</p>"
        if overview_html
        else ""
    )
    note_html = "".join(f'<p class="note">{html.escape(n)}</p>' for n in notes)
    body = (
        f"<h1>{html.escape(title)}</h1>{note_html}"
        + (
            f'<section class="changes">{top_html}<p><a href="changes.html">What changed</a> '
            "(also changes.csv and changes.txt)</p></section>"
            if top_html
            else ""
        )
        + f"{overview}{grid_html or ''}"
        "<h2>Team reports</h2>"
        "<table><thead><tr><th>Team</th><th>Status</th><th>Messages</th><th>Debug</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
        "<p>Charts show variation within each team over time. They are for learning, not "
        "for ranking teams against each other.</p>"
    )
    return page(title, body)
