"""A chart as the HTML reports show it: the chart as inline SVG with its Making Data Count
icons set into it, and its legend as an HTML list under it; small multiples likewise, with
each panel's icons set in (their legend stays in the figure).

Measured on the report chart (issue 14, ``benchmarks/bench_plot.py``): matplotlib's legend
(an offset box laid out and measured on every save) cost a fifth of a chart's time and the two
icons (about forty artists) a tenth. On a page neither needs matplotlib: the legend as a list
wraps to any width and is read as text by screen readers (as the explorer shows it), and the
icons are the overview grid's SVG (``icon_svg_body``), placed where the chart left room for
them. A chart drawn for a file (``spc.save``, the explorer's PNG export) keeps both inside the
image.
"""

from __future__ import annotations

import html

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from spc.plotting._inline import inline_svg
from spc.plotting._legend import legend_html
from spc.text.icons import icon_svg_body, icon_text

__all__ = ["chart_html", "facets_html"]

_POINTS_PER_INCH = 72  # matplotlib's SVG user unit is the point
_ICON_BOX = 100  # icon_svg_body draws in a 100 x 100 box


def _icons_svg(height: float, icons: list[tuple[str, float, float, float]]) -> str:
    """``icons`` recorded by a drawing with ``icons="page"`` (``(key, x, y, size)`` in inches
    from the bottom left of a figure ``height`` inches high) as SVG groups in the figure's own
    coordinates (points from the top left). Groups, not nested ``<svg>`` elements: a page
    tool that finds a chart by its closing tag (``spc.render.pages``) must find the chart's."""
    parts = []
    for key, x, y, size in icons:
        scale = size * _POINTS_PER_INCH / _ICON_BOX
        left, top = x * _POINTS_PER_INCH, (height - y - size) * _POINTS_PER_INCH
        parts.append(
            f'<g class="spc-icon" transform="translate({left:.2f} {top:.2f}) scale({scale:.4f})"'
            f' role="img" aria-label="{html.escape(icon_text(key))}">{icon_svg_body(key)}</g>'
        )
    return "".join(parts)


def _with_icons(svg: str, height: float, icons: list[tuple[str, float, float, float]]) -> str:
    """``svg`` (a figure ``height`` inches high) with ``icons`` set in before its end."""
    if not icons:
        return svg
    end = svg.rindex("</svg>")
    return svg[:end] + _icons_svg(height, icons) + svg[end:]


def facets_html(fig: Figure, description: str, close: bool = True) -> str:
    """Small multiples drawn with ``icons="page"`` (``plot_facets``, ``LiveFacets``) as an
    inline SVG (:func:`inline_svg`, described by ``description``) with each panel's icons set
    into it as SVG; ``close`` closes the figure (not a kept one's).

    >>> page += facets_html(spc.plot_facets(res, icons="page"), "Falls by ward")  # doctest: +SKIP
    """
    svg = inline_svg(fig, description, close=close)
    return _with_icons(svg, fig.get_figheight(), getattr(fig, "_spc_icons", []))


def chart_html(ax: Axes, description: str) -> str:
    """The chart drawn into ``ax`` by ``spc.plotting.plot`` (best with ``legend=False,
    icons="page"``) as ``<figure class="spc-chart">``: the inline SVG (:func:`inline_svg`,
    described by ``description``) with its icons, and the legend as an HTML list under it.
    The figure is left open (a reused ``LiveChart``'s).

    >>> ax = LiveChart((8, 4)).draw(res, legend=False, icons="page")   # doctest: +SKIP
    >>> page += chart_html(ax, "Falls per 1,000 bed days, Elm ward")   # doctest: +SKIP
    """
    svg = inline_svg(ax.figure, description, close=False)
    svg = _with_icons(svg, ax.figure.get_figheight(), getattr(ax, "_spc_icons", []))
    legend = legend_html(ax) if ax.get_legend() is None and not ax.figure.legends else ""
    style = f"margin:0;max-width:{ax.figure.get_figwidth() * _POINTS_PER_INCH:g}pt"
    return f'<figure class="spc-chart" style="{style}">{svg}{legend}</figure>'
