"""Small multiples: one compact chart per facet (ward, team) on one calendar, with one legend.

:func:`plot_facets` draws them on a new figure. :class:`LiveFacets` redraws them into kept
figures, one per grid shape, for a page that shows many in a row (the collaborative overview):
a new 3 x 4 grid costs its twelve Axes and every tick of them (about two fifths of the drawing
time, measured on the example collaborative), and the kept one's SVG is byte for byte the new
one's.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from spc.errors import SPCError
from spc.plotting._axes import legend_handles, set_date_ticks, x_numeric
from spc.plotting._chart import (
    LEGEND_ROW_IN,
    default_title,
    draw_chart,
    icon_keys,
    short_label,
    variation_types,
)
from spc.plotting._icons import icon_places
from spc.plotting._layout import COMPACT_ICON_IN, ICON_PAD_IN
from spc.plotting._live import clear_axes
from spc.plotting._style import STYLE_RC
from spc.text.labels import facet_title, period_of, split_facets, y_axis_label


def _grid_shape(n: int, ncols: int | None) -> tuple[int, int]:
    if ncols is None:
        ncols = n if n <= 3 else 4 if n <= 16 else min(8, math.ceil(math.sqrt(n * 1.6)))
    ncols = max(1, min(ncols, n))
    return math.ceil(n / ncols), ncols


class _Grid(NamedTuple):
    """The shape and size of a small-multiples figure: what a kept figure must match."""

    nrows: int
    ncols: int
    big: bool
    figsize: tuple[float, float]
    sharey: bool
    gridspec: tuple[tuple[str, float], ...]

    def rc(self) -> dict[str, Any]:
        """The house style with the panel text sizes."""
        return {
            **STYLE_RC,
            "axes.titlesize": 7.5 if self.big else 8.5,
            "xtick.labelsize": 6 if self.big else 7,
            "ytick.labelsize": 6 if self.big else 7,
        }

    def make(self, pyplot: bool) -> tuple[Figure, np.ndarray]:
        """A new figure of this grid and its Axes (rows x columns); ``pyplot``: a pyplot
        figure (shown inline in a notebook), else one of its own that is never shown."""
        kw = {"sharey": self.sharey, "squeeze": False, "gridspec_kw": dict(self.gridspec)}
        with mpl.rc_context(self.rc()):
            if pyplot:
                import matplotlib.pyplot as plt

                return plt.subplots(self.nrows, self.ncols, figsize=self.figsize, **kw)
            fig = Figure(figsize=self.figsize)
            FigureCanvasAgg(fig)
            return fig, fig.subplots(self.nrows, self.ncols, **kw)


def _grid(n: int, ncols: int | None, sharey: bool, panel_size: tuple[float, float] | None) -> _Grid:
    nrows, ncols = _grid_shape(n, ncols)
    big = n > 16
    pw, ph = panel_size or ((2.0, 1.5) if big else (2.6, 1.9))
    legend_rows = 2  # at most 8 (12) labels: point categories, lines, annotations
    bottom_in = 0.45 + legend_rows * LEGEND_ROW_IN
    top_in, left_in, right_in = 0.85, 0.75, 0.15  # suptitle, then panel titles + icons
    width, height = pw * ncols, ph * nrows + top_in + bottom_in
    # Fixed margins, not a layout engine: measuring every panel's texts costs seconds.
    gridspec = {
        "left": left_in / width,
        "right": 1 - right_in / width,
        "top": 1 - top_in / height,
        "bottom": bottom_in / height,
        "wspace": 0.28 if not sharey else 0.12,
        "hspace": 0.45,
    }
    return _Grid(nrows, ncols, big, (width, height), sharey, tuple(gridspec.items()))


def plot_facets(
    res: Any,
    ncols: int | None = None,
    sharey: bool = False,
    *,
    title: str | None = None,
    ylab: str | None = None,
    units: str | None = None,
    annotations: Any = None,
    icons: bool | str = True,
    centre_labels: bool | None = None,
    panel_size: tuple[float, float] | None = None,
) -> Figure:
    """Small multiples: one panel per facet (ward/team) with a shared legend; returns the Figure.

    ``ncols`` defaults to 4 up to 16 panels, then about sqrt(1.6 n) (8 at 40 wards).
    ``sharey=True`` puts every panel on one y scale (for comparing levels, not just patterns).
    Panel size defaults to 2.6 x 1.9 inches (2.0 x 1.5 above 16 panels). ``icons="page"``
    leaves the panels' Making Data Count icons for a page to set in (``facets_html``):
    ``fig._spc_icons`` lists ``(key, x, y, size)`` in inches from the figure's bottom left.

    >>> fig = spc.plot_facets(res, ncols=4)     # doctest: +SKIP
    """
    _check_icons(icons)
    groups = split_facets(res.data, res.options)
    grid = _grid(len(groups), ncols, sharey, panel_size)
    fig, axes = grid.make(pyplot=True)
    return _draw(
        fig, axes, grid, res, groups, title=title, ylab=ylab, units=units,
        annotations=annotations, icons=icons, centre_labels=centre_labels,
    )  # fmt: skip


class LiveFacets:
    """Small multiples redrawn into kept figures, one per grid shape (see the module notes);
    :meth:`draw` takes :func:`plot_facets`'s arguments. The figure returned is reused by the
    next :meth:`draw` of its shape: save it first (it is not pyplot's, and never needs
    closing).

    >>> live = LiveFacets()                                              # doctest: +SKIP
    >>> svgs = [inline_svg(live.draw(res), alt, close=False) for res in results]  # doctest: +SKIP
    """

    def __init__(self) -> None:
        # by grid and whether x holds dates (a date axis keeps its date units)
        self._kept: dict[tuple[_Grid, bool], tuple[Figure, np.ndarray]] = {}

    def draw(
        self,
        res: Any,
        ncols: int | None = None,
        sharey: bool = False,
        *,
        panel_size: tuple[float, float] | None = None,
        **options: Any,
    ) -> Figure:
        """Draw ``res`` as :func:`plot_facets` would, into this object's figure of its grid."""
        _check_icons(options.get("icons", True))
        groups = split_facets(res.data, res.options)
        grid = _grid(len(groups), ncols, sharey, panel_size)
        key = (grid, bool(pd.api.types.is_datetime64_any_dtype(res.data["x"])))
        kept = self._kept.get(key)
        if kept is None:
            kept = self._kept[key] = grid.make(pyplot=False)
        else:
            _clear(*kept)
        return _draw(*kept, grid, res, groups, kept=True, **options)


def _check_icons(icons: object) -> None:
    if isinstance(icons, str) and icons != "page":
        raise SPCError(f"icons={icons!r}: give True, False or 'page'")


def _clear(fig: Figure, axes: np.ndarray) -> None:
    """Empty a kept small-multiples figure for its next drawing."""
    for ax in axes.ravel():
        clear_axes(ax)
        ax.set_title("", loc="left")
        ax.tick_params(labelbottom=True)
        ax.set_visible(True)
    fig.legends.clear()
    fig.texts.clear()
    fig._suptitle = fig._supylabel = None  # made again by suptitle and supylabel


def _draw(
    fig: Figure,
    axes: np.ndarray,
    grid: _Grid,
    res: Any,
    groups: list[tuple[Any, Any]],
    *,
    title: str | None = None,
    ylab: str | None = None,
    units: str | None = None,
    annotations: Any = None,
    icons: bool | str = True,
    centre_labels: bool | None = None,
    kept: bool = False,
) -> Figure:
    """Draw the facets ``groups`` of ``res`` into the empty panels ``axes`` of ``fig``
    (``kept``: a figure that will be drawn into again)."""
    verdicts = variation_types(res)
    options = dict(res.options)
    if units is not None:
        options["units"] = units
    n, ncols = len(groups), grid.ncols
    width, height = grid.figsize
    if centre_labels is None:
        centre_labels = not grid.big
    with mpl.rc_context(grid.rc()):
        ncol_legend = 4 if not grid.big else 6
        handles: dict[str, Any] = {}
        flat = axes.ravel()
        xmin, xmax = np.inf, -np.inf
        for ax, (key, rows) in zip(flat, groups, strict=False):
            handles.update(
                draw_chart(
                    ax,
                    rows,
                    options,
                    facet=key,
                    centre_labels=centre_labels,
                    annotations=annotations,
                    icons=bool(icons) and icons != "page",
                    compact=True,
                    variation=verdicts.get(key),
                )
            )
            # y given: matplotlib would otherwise measure every tick of the panel to place the
            # title (a fifth of the drawing time); nothing sits above a panel but its icons,
            # at the right
            ax.set_title(facet_title(key), loc="left", y=1.0)
            # panels have no axis labels of their own (the figure's y label is shared): fixed
            # coordinates spare measuring every panel's tick labels to place empty labels
            ax.xaxis.set_label_coords(0.5, 0.0)
            ax.yaxis.set_label_coords(0.0, 0.5)
            lo, hi = ax.get_xlim()
            xmin, xmax = min(xmin, lo), max(xmax, hi)
        # the page draws the icons (as the overview grid's SVG) where the panels left room
        fig._spc_icons = []
        if icons == "page":
            for ax, (key, rows) in zip(flat, groups, strict=False):
                keys = icon_keys(rows, options, verdicts.get(key))
                places = icon_places(ax, len(keys), COMPACT_ICON_IN, ICON_PAD_IN)
                fig._spc_icons += [
                    (k, x, y, COMPACT_ICON_IN) for k, (x, y) in zip(keys, places, strict=True)
                ]
        for ax in flat[n:]:
            if kept:  # hidden: a later drawing may need the panel again
                ax.set_visible(False)
            else:
                ax.remove()
        kinds = {x_numeric(rows)[1] for _, rows in groups}
        if kinds == {"date"}:
            # one calendar for every panel: same limits, same ticks
            period = period_of(res.data["x"])
            for i, ax in enumerate(flat[:n]):
                ax.set_xlim(xmin, xmax)
                set_date_ticks(ax, np.array([xmin, xmax]), period, compact=True)
                # tick labels only where no panel sits below (bottom row or above a gap)
                if i + ncols < n:
                    ax.tick_params(labelbottom=False)
        fig.supylabel(
            ylab if ylab is not None else y_axis_label(options), fontsize=9, x=0.12 / width
        )
        fig.suptitle(
            title if title is not None else default_title(options, None),
            x=0.01,
            y=1 - 0.12 / height,
            ha="left",
            va="top",
            fontsize=11,
            fontweight="bold",
        )
        if handles:
            labels = [short_label(label) for label in handles]
            fig.legend(
                legend_handles(handles.values()),
                labels,
                loc="lower center",
                ncol=min(ncol_legend, len(handles)),
                bbox_to_anchor=(0.5, 0.02 / height),
            )
    return fig
