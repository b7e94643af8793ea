"""A chart's legend as HTML: the same entries as the legend under a chart, each with a small
inline SVG of its line or marker, for pages that lay the legend out themselves (the explorer
shows it beside the chart, where it wraps to any width and screen readers read it as text).
"""

from __future__ import annotations

import html
from typing import Any

from matplotlib.axes import Axes
from matplotlib.colors import to_hex

__all__ = ["legend_html", "legend_items"]

_W, _H = 26, 14


def legend_items(ax: Axes) -> list[tuple[str, Any]]:
    """``[(label, handle), ...]`` of the chart drawn into ``ax`` by ``spc.plotting.plot``
    (whether or not a legend was drawn); empty for other axes."""
    return list(getattr(ax, "_spc_legend", []))


def _colour(value: Any) -> str:
    try:
        return to_hex(value)
    except (ValueError, TypeError):
        return "none"


def _dashes(style: Any) -> str:
    if style in ("-", "solid"):
        return ""
    if style in (":", "dotted"):
        return ' stroke-dasharray="1.5 2"'
    return ' stroke-dasharray="4 2"'


def swatch_svg(handle: Any) -> str:
    """A small SVG of a legend handle (a Line2D): its line and its marker, coloured as drawn."""
    parts = []
    style = handle.get_linestyle()
    if style not in ("None", "none", "", " "):
        width = max(float(handle.get_linewidth()), 0.8)
        parts.append(
            f'<line x1="1" y1="{_H / 2}" x2="{_W - 1}" y2="{_H / 2}" '
            f'stroke="{_colour(handle.get_color())}" stroke-width="{width:.1f}"'
            f"{_dashes(style)}/>"
        )
    number = getattr(handle, "number", None)  # a change note's (``_axes.NoteHandle``)
    marker = f"${number}$" if number is not None else str(handle.get_marker())
    face, edge = _colour(handle.get_markerfacecolor()), _colour(handle.get_markeredgecolor())
    cx, cy, r = _W / 2, _H / 2, 4.2
    shape = {
        "o": f'<circle cx="{cx}" cy="{cy}" r="{r:.1f}"',
        "s": f'<rect x="{cx - r:.1f}" y="{cy - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}"',
        "D": f'<rect x="{cx - r * 0.8:.1f}" y="{cy - r * 0.8:.1f}" width="{1.6 * r:.1f}" '
        f'height="{1.6 * r:.1f}" transform="rotate(45 {cx} {cy})"',
    }.get(marker)
    if shape:
        parts.append(f'{shape} fill="{face}" stroke="{edge}" stroke-width="0.9"/>')
    elif marker.startswith("$") and marker.endswith("$"):  # a numbered change-log marker
        parts.append(
            f'<text x="{cx}" y="{cy + 4}" text-anchor="middle" font-size="11" '
            f'font-weight="bold" fill="{_colour(handle.get_color())}">'
            f"{html.escape(marker.strip('$'))}</text>"
        )
    return (
        f'<svg width="{_W}" height="{_H}" viewBox="0 0 {_W} {_H}" aria-hidden="true" '
        f'focusable="false">{"".join(parts)}</svg>'
    )


def legend_html(ax: Axes) -> str:
    """The chart's legend as an HTML list (class ``spc-legend``): swatch and words per entry."""
    items = "".join(
        f'<li style="display:inline-flex;align-items:center;gap:4px;margin:0 14px 2px 0">'
        f"{swatch_svg(h)}<span>{html.escape(label)}</span></li>"
        for label, h in legend_items(ax)
    )
    if not items:
        return ""
    return (
        '<ul class="spc-legend" aria-label="Legend" style="list-style:none;padding:0;'
        f'margin:2px 0 6px 0;font-size:12px;line-height:1.5">{items}</ul>'
    )
