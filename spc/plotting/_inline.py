"""A chart as an ``<svg>`` element to write straight into an HTML page (the reports).

Measured on the team report (issue 14): encoding a chart as PNG cost more than drawing it, most
of it rasterising text and compressing pixels; SVG with text kept as text (``svg.fonttype``
none) costs about half as much, is a third of the bytes of a base64 PNG, and stays sharp at any
zoom and in a printed PDF. What makes it fit for a page:

* ``role="img"`` and ``aria-label`` carry the description a screen reader reads (as an
  ``<img>``'s alt text did);
* ids are made unique to the chart (a page holds many charts, and matplotlib numbers its ids
  afresh in each) and ids nothing refers to are dropped; the hash salt is fixed, so the same
  chart gives the same bytes;
* text is drawn in DejaVu Sans where a reader has it (the font the chart was laid out with) and
  otherwise in Verdana or Arial, which are close in width;
* the chart scales down to the page's width, as the images did.

Saving measures every text of the chart (tick labels, titles, the centre values) to lay it out.
The SVG backend measures with the font's unhinted metrics, which depend only on the text and
the font, but matplotlib keeps those measurements per renderer, and every save makes a new
renderer: a page of charts measured "2023" and "Apr" afresh in every chart (an eighth of a
report chart's time). While a chart is saved here, text sizes come from one cache kept across
saves (:func:`_text_sizes_kept`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import io
import re
import threading
from collections.abc import Iterator
from typing import Any

import matplotlib as mpl
from matplotlib.backends.backend_svg import RendererSVG
from matplotlib.font_manager import findfont
from matplotlib.textpath import TextToPath

from spc.plotting._style import STYLE_RC

__all__ = ["inline_svg"]

#: A reader's browser may not have DejaVu Sans: fall back to fonts of about its width.
FONT_STACK = "'DejaVu Sans', Verdana, Arial, sans-serif"
_FONT = re.compile(r"font-family: 'DejaVu Sans'")
_ID = re.compile(r' id="([^"]*)"')
_REF = re.compile(r'(url\(#|href="#)([^)"]+)')
_ROOT = re.compile(r"<svg [^>]*>")


def inline_svg(fig: Any, description: str, close: bool = True) -> str:
    """``fig`` as an ``<svg role="img">`` element for an HTML page, described by
    ``description`` (escaped here); ``close`` closes the figure afterwards."""
    buf = io.StringIO()
    rc = {"svg.fonttype": "none", "svg.hashsalt": STYLE_RC["svg.hashsalt"]}
    metadata = {"Date": None, "Creator": None, "Format": None, "Type": None}
    with mpl.rc_context(rc), _text_sizes_kept():
        fig.savefig(buf, format="svg", metadata=metadata)
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg ") :]  # no XML declaration or doctype inside HTML
    # a prefix from the chart's own bytes: deterministic, and different for different charts
    prefix = "c" + hashlib.sha1(text.encode()).hexdigest()[:8] + "-"
    used = {m[2] for m in _REF.finditer(text)}
    text = _ID.sub(lambda m: f' id="{prefix}{m[1]}"' if m[1] in used else "", text)
    text = _REF.sub(lambda m: m[1] + prefix + m[2], text)
    text = _FONT.sub(f"font-family: {FONT_STACK}", text)
    root = _ROOT.search(text)
    assert root is not None  # matplotlib always writes one
    tag = root[0][:-1] + (
        f' role="img" aria-label="{html.escape(description, quote=True)}" '
        'style="max-width: 100%; height: auto">'
    )
    return text[: root.start()] + tag + text[root.end() :].rstrip()


_MEASURE = RendererSVG.get_text_width_height_descent
_TEXT_TO_PATH = TextToPath()
_kept_lock = threading.Lock()
_kept_depth = 0


@functools.lru_cache(maxsize=8192)
def _text_size(text: str, prop: Any, font_file: str) -> tuple[float, float, float]:
    """Width, height and descent in points of plain ``text`` in the font ``prop`` (a copy:
    font properties hash by value) found in ``font_file``, as the SVG backend measures it."""
    return _TEXT_TO_PATH.get_text_width_height_descent(text, prop, False)


def _measure_kept(self: RendererSVG, s: str, prop: Any, ismath: Any) -> Any:
    if ismath:  # mathematics and TeX: measured by their own machinery, as before
        return _MEASURE(self, s, prop, ismath)
    # the file in the key: a family name ("sans-serif") may find another font once the
    # settings change
    return _text_size(s, prop.copy(), findfont(prop))


@contextlib.contextmanager
def _text_sizes_kept() -> Iterator[None]:
    """For the time of a save, the SVG renderer measures plain text from one cache kept across
    saves. Counted under a lock, so nested saves and saves in several threads put matplotlib's
    own method back once, when the last of them ends."""
    global _kept_depth
    with _kept_lock:
        _kept_depth += 1
        RendererSVG.get_text_width_height_descent = _measure_kept  # type: ignore[method-assign]
    try:
        yield
    finally:
        with _kept_lock:
            _kept_depth -= 1
            if _kept_depth == 0:
                RendererSVG.get_text_width_height_descent = _MEASURE  # type: ignore[method-assign]
