"""Small multiples: one compact chart per facet (ward, team) on one calendar, with one legend."""

from __future__ import annotations

import math
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from spc.plotting._axes import legend_handles, set_date_ticks, x_numeric
from spc.plotting._chart import (
    LEGEND_ROW_IN,
    default_title,
    draw_chart,
    short_label,
    variation_types,
)
from spc.plotting._style import STYLE_RC
from spc.text.labels import facet_title, period_of, split_facets, y_axis_label


def _grid_shape(n: int, ncols: int | None) -> tuple[int, int]:
    if ncols is None:
        ncols = n if n <= 3 else 4 if n <= 16 else min(8, math.ceil(math.sqrt(n * 1.6)))
    ncols = max(1, min(ncols, n))
    return math.ceil(n / ncols), ncols


def plot_facets(
    res: Any,
    ncols: int | None = None,
    sharey: bool = False,
    *,
    title: str | None = None,
    ylab: str | None = None,
    units: str | None = None,
    annotations: Any = None,
    icons: bool = True,
    centre_labels: bool | None = None,
    panel_size: tuple[float, float] | None = None,
) -> Figure:
    """Small multiples: one panel per facet (ward/team) with a shared legend; returns the Figure.

    ``ncols`` defaults to 4 up to 16 panels, then about sqrt(1.6 n) (8 at 40 wards).
    ``sharey=True`` puts every panel on one y scale (for comparing levels, not just patterns).
    Panel size defaults to 2.6 x 1.9 inches (2.0 x 1.5 above 16 panels).

    >>> fig = spc.plot_facets(res, ncols=4)     # doctest: +SKIP
    """
    groups = split_facets(res.data, res.options)
    verdicts = variation_types(res)
    options = dict(res.options)
    if units is not None:
        options["units"] = units
    n = len(groups)
    nrows, ncols = _grid_shape(n, ncols)
    big = n > 16
    pw, ph = panel_size or ((2.0, 1.5) if big else (2.6, 1.9))
    if centre_labels is None:
        centre_labels = not big
    import matplotlib.pyplot as plt

    with mpl.rc_context(
        {
            **STYLE_RC,
            "axes.titlesize": 7.5 if big else 8.5,
            "xtick.labelsize": 6 if big else 7,
            "ytick.labelsize": 6 if big else 7,
        }
    ):
        ncol_legend = 4 if not big else 6
        legend_rows = 2  # at most 8 (12) labels: point categories, lines, annotations
        bottom_in = 0.45 + legend_rows * LEGEND_ROW_IN
        top_in, left_in, right_in = 0.85, 0.75, 0.15  # suptitle, then panel titles + icons
        width, height = pw * ncols, ph * nrows + top_in + bottom_in
        # Fixed margins, not a layout engine: measuring every panel's texts costs seconds.
        fig, axes = plt.subplots(
            nrows,
            ncols,
            figsize=(width, height),
            sharey=sharey,
            squeeze=False,
            gridspec_kw={
                "left": left_in / width,
                "right": 1 - right_in / width,
                "top": 1 - top_in / height,
                "bottom": bottom_in / height,
                "wspace": 0.28 if not sharey else 0.12,
                "hspace": 0.45,
            },
        )
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
                    icons=icons,
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
        for ax in flat[n:]:
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
