"""The words and numbers of a report page, without its markup or the drawing inside charts.

A chart counts by what a reader (or screen reader) is told about it: an ``<img>``'s ``alt`` or
an inline ``<svg>``'s ``aria-label``; what is drawn inside the chart (tick labels, legend) is
the chart's, tested in tests/test_plotting.py. Used to check that faster charts leave every
report's content as it was (tests/test_report_content.py).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: elements whose contents are not the page's words
_SKIP = {"style", "script", "svg", "head"}


class _Words(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "img":
            self.parts.append(f"\n[chart: {found.get('alt') or ''}]\n")
        elif tag == "svg" and not self.skip and found.get("role") == "img":
            self.parts.append(f"\n[chart: {found.get('aria-label') or ''}]\n")
        if tag in _SKIP:
            self.skip += 1
        if tag in ("p", "h1", "h2", "h3", "li", "tr", "br", "div"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        if tag in ("td", "th"):
            self.parts.append(" | ")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def page_text(html: str) -> str:
    """The visible words of ``html`` (a page or a fragment), one block a line, spaces
    collapsed."""
    parser = _Words()
    parser.feed(html)
    parser.close()
    lines = (re.sub(r"\s+", " ", line).strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)
