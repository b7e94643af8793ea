"""Charts people can read: SPC charts, small multiples, funnel plots and MDC icons.

This package is the only part of safety-spc that imports matplotlib, and it does so lazily:
``import spc`` neither loads matplotlib nor touches ``rcParams``. Every drawing function applies
the house style through ``matplotlib.rc_context``, so global settings are left as they were.

>>> ax = spc.plot(res, annotations=change_log)     # doctest: +SKIP
>>> spc.save(ax, "falls.svg")                      # doctest: +SKIP
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "LiveChart",
    "LiveFacets",
    "chart_html",
    "close",
    "draw_icon",
    "facets_html",
    "funnel",
    "inline_svg",
    "legend_html",
    "plot",
    "plot_facets",
    "save",
]


def __getattr__(name: str) -> Any:
    # ``LiveChart`` and ``LiveFacets`` import matplotlib, so they are loaded only when asked for
    if name == "LiveChart":
        from spc.plotting._live import LiveChart

        return LiveChart
    if name == "LiveFacets":
        from spc.plotting._facets import LiveFacets

        return LiveFacets
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def plot(res: Any, ax: Axes | None = None, **options: Any) -> Axes:
    """Draw one SPC chart of a result and return the Axes (see ``spc.plotting._chart.plot``)."""
    from spc.plotting._chart import plot as _plot

    return _plot(res, ax=ax, **options)


def plot_facets(res: Any, ncols: int | None = None, sharey: bool = False, **options: Any) -> Figure:
    """Small multiples, one panel per facet, shared legend (see ``_facets.plot_facets``)."""
    from spc.plotting._facets import plot_facets as _pf

    return _pf(res, ncols=ncols, sharey=sharey, **options)


def funnel(df: Any, y: str, n: str, label: str, ax: Axes | None = None, **options: Any) -> Axes:
    """Funnel plot of teams' rates or proportions (see ``spc.plotting._funnel.funnel``)."""
    from spc.plotting._funnel import funnel as _funnel

    return _funnel(df, y, n, label, ax=ax, **options)


def legend_html(ax: Axes) -> str:
    """The legend of a chart drawn by :func:`plot` as an HTML list with a small SVG per entry
    (see ``spc.plotting._legend``), for pages that place the legend themselves."""
    from spc.plotting._legend import legend_html as _legend_html

    return _legend_html(ax)


def chart_html(ax: Axes, description: str) -> str:
    """A chart drawn by :func:`plot` (with ``legend=False, icons="page"``) as the reports show
    it: inline SVG with its icons, the legend as an HTML list under it (see ``_html``)."""
    from spc.plotting._html import chart_html as _chart_html

    return _chart_html(ax, description)


def facets_html(fig: Figure, description: str, close: bool = True) -> str:
    """Small multiples drawn with ``icons="page"`` as the reports show them: inline SVG with
    each panel's icons (see ``_html``); ``close`` closes the figure (not a kept one's)."""
    from spc.plotting._html import facets_html as _facets_html

    return _facets_html(fig, description, close)


def draw_icon(ax: Axes, key: str) -> Axes:
    """Draw a Making Data Count icon (``"common_cause"``, ``"pass"`` ...) into ``ax``."""
    from spc.plotting._icons import draw_icon as _draw

    return _draw(ax, key)


def save(
    obj: Axes | Figure,
    path: str | os.PathLike[str] | io.IOBase,
    format: str | None = None,
    dpi: float = 100,
    title: str | None = None,
    description: str | None = None,
    close: bool = False,
    fast: bool = False,
) -> None:
    """Save a chart as PNG or SVG with deterministic bytes and embedded title/description.

    The figure keeps its size (no ``bbox_inches="tight"``), the SVG hash salt is fixed and the
    date stamp omitted, so the same input gives byte-identical SVG. ``title`` and
    ``description`` (e.g. the :func:`spc.describe` caption) go into the file's metadata for
    screen readers and search; by default the axes title is used. ``close=True`` closes the
    figure afterwards (recommended in batch loops); ``fast=True`` compresses a PNG less (for
    images redrawn as a control moves).

    >>> spc.save(ax, "falls.svg", description=spc.describe(res))   # doctest: +SKIP
    """
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from spc.plotting._style import STYLE_RC

    fig = obj if hasattr(obj, "savefig") else obj.figure
    fmt = format or (
        Path(os.fspath(path)).suffix.lstrip(".").lower()
        if not isinstance(path, io.IOBase)
        else "png"
    )
    if title is None:
        axes_titles = [a.get_title(loc="left") or a.get_title() for a in fig.axes]
        sup = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""
        title = sup or next((t for t in axes_titles if t), None)
    metadata: dict[str, Any] = {}
    if fmt == "svg":
        metadata = {"Date": None}
        if title:
            metadata["Title"] = title
        if description:
            metadata["Description"] = description
    elif fmt == "png":
        if title:
            metadata["Title"] = title
        if description:
            metadata["Description"] = description
    elif fmt == "pdf":
        metadata = {"CreationDate": None, "ModDate": None}
    extra: dict[str, Any] = {"pil_kwargs": {"compress_level": 1}} if fast and fmt == "png" else {}
    with mpl.rc_context({"svg.hashsalt": STYLE_RC["svg.hashsalt"]}):
        fig.savefig(path, format=fmt, dpi=dpi, metadata=metadata or None, **extra)
    if close:
        plt.close(fig)


def close(obj: Axes | Figure) -> None:
    """Close the figure of ``obj`` (a Figure or Axes), e.g. once a notebook has displayed it."""
    import matplotlib.pyplot as plt

    plt.close(obj if hasattr(obj, "savefig") else obj.figure)


def inline_svg(obj: Axes | Figure, description: str, close: bool = True) -> str:
    """A chart as an ``<svg role="img" aria-label=description>`` element for an HTML page:
    text as text, ids unique to the chart, deterministic bytes (see ``_inline``); the reports
    show their charts this way."""
    from spc.plotting._inline import inline_svg as _inline_svg

    return _inline_svg(obj if hasattr(obj, "savefig") else obj.figure, description, close)
