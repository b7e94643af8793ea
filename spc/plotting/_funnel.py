"""Funnel plots: teams' rates or proportions at one period against their denominators.

The statistics are :func:`spc.engine.funnel.funnel_data`; this module only draws them. Teams are
dots (shape and colour change beyond the limits), the funnels are the 95% (dashed) and 99.8%
(solid) limits around the collaborative's pooled rate, and teams outside the 99.8% funnel are
labelled. It is the alternative to a league table: it shows which differences exceed chance.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib as mpl
import numpy as np
import pandas as pd

from spc.engine.funnel import DEFAULT_LEVELS, _level_tag, funnel_data, funnel_limits
from spc.plotting._style import COLOURS, FIGSIZE, STYLE_RC
from spc.text.labels import humanise

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: (marker, colour key, legend label) per outlier category; shape and colour both change.
_STYLE = {
    "": ("o", "data", "Within the funnels (chance)"),
    "warning high": ("^", "neutral", "Above the 95% funnel"),
    "warning low": ("v", "neutral", "Below the 95% funnel"),
    "high": ("^", "concern", "Above the 99.8% funnel"),
    "low": ("v", "improvement", "Below the 99.8% funnel"),
}


def _colours(improvement: str | None) -> dict[str, str]:
    """Outlier colour keys: MDC improvement/concern when a direction is known, else neutral."""
    if improvement == "increase":
        return {"high": "improvement", "low": "concern"}
    if improvement == "decrease":
        return {"high": "concern", "low": "improvement"}
    return {"high": "neutral", "low": "neutral"}


def funnel_margins(fig: Figure) -> None:
    """The fixed margins of a funnel plot on a figure of its own (room for the axis labels
    and the legend under it; no layout engine)."""
    width, height = fig.get_size_inches()
    fig.subplots_adjust(
        left=0.85 / width, right=1 - 0.25 / width, top=1 - 0.5 / height, bottom=1.05 / height
    )


def funnel(
    df: pd.DataFrame,
    y: str,
    n: str,
    label: str,
    ax: Axes | None = None,
    *,
    chart: str = "u",
    multiply: float = 1,
    target: float | None = None,
    levels: Sequence[float] = DEFAULT_LEVELS,
    method: str = "exact",
    improvement: str | None = None,
    title: str | None = None,
    units: str | None = None,
    xlab: str | None = None,
    label_outliers: bool = True,
    figsize: tuple[float, float] = FIGSIZE,
) -> Axes:
    """Draw a funnel plot of ``df`` (one row per team, or rows summed per ``label``).

    ``y`` is the count (events), ``n`` the denominator, ``label`` the team column; ``chart``
    is ``"u"`` for rates or ``"p"`` for proportions, ``multiply`` scales the plotted values
    (1000 for per 1,000 bed days, 100 for %). ``improvement`` colours outliers as MDC
    improvement/concern; without it they are neutral. Returns the Axes.

    >>> ax = spc.plotting.funnel(latest, "numerator", "denominator", "team",
    ...                          chart="u", multiply=1000)             # doctest: +SKIP
    """
    data = funnel_data(
        df, y, n, label, chart=chart, multiply=multiply, target=target, levels=levels, method=method
    )
    theta = float(data["target"].iloc[0]) / multiply
    colours = _colours(improvement)
    with mpl.rc_context(STYLE_RC):
        if ax is None:
            import matplotlib.pyplot as plt

            fig, ax = plt.subplots(figsize=figsize)
            funnel_margins(fig)
        lo_n, hi_n = float(data["n"].min()), float(data["n"].max())
        grid = np.geomspace(max(lo_n * 0.85, 1e-9), hi_n * 1.1, 120)
        for lev in sorted(levels):
            lim = funnel_limits(theta, grid, chart=chart, level=lev, method=method)
            style = "--" if lev < max(levels) else "-"
            tag = _level_tag(lev)
            for bound, label in ((lim.upper, f"{tag}% limits"), (lim.lower, None)):
                ax.plot(
                    grid,
                    bound * multiply,
                    color=COLOURS["limit"],
                    linestyle=style,
                    linewidth=1.0,
                    gid=f"funnel_{tag}",
                    label=label,
                )
        ax.axhline(
            theta * multiply,
            color=COLOURS["cl"],
            linewidth=1.0,
            gid="target",
            label="Collaborative rate",
        )
        for category, (marker, colour_key, text) in _STYLE.items():
            rows = data[data["outlier"] == category]
            if rows.empty:
                continue
            key = colours.get(category, colour_key) if category in ("high", "low") else colour_key
            ax.plot(
                rows["n"],
                rows["value"],
                linestyle="none",
                marker=marker,
                markersize=6.5 if category else 5.5,
                markerfacecolor=COLOURS[key],
                markeredgecolor=COLOURS["edge"] if category else COLOURS[key],
                markeredgewidth=0.6,
                gid=f"teams:{category or 'within'}",
                label=text,
            )
        if label_outliers:
            outliers = data[data["outlier"].isin(["high", "low"])].reset_index(drop=True)
            for i, row in outliers.iterrows():
                dy = 8 if row["outlier"] == "high" else -12
                ax.annotate(
                    str(row["label"]),
                    xy=(row["n"], row["value"]),
                    xytext=(4, dy + (i % 2) * 6),
                    textcoords="offset points",
                    fontsize=7.5,
                    gid="outlier_label",
                )
        log_x = hi_n / max(lo_n, 1e-9) > 10  # a log axis only pays off over a decade or more
        if log_x:
            ax.set_xscale("log")
        unit = units or (
            "%"
            if chart == "p" and multiply == 100
            else f"per {multiply:,g} {humanise(n)}"
            if multiply != 1
            else ""
        )
        ax.set_ylabel(unit[:1].upper() + unit[1:] if unit else humanise(y))
        ax.set_xlabel((xlab or f"Denominator: {humanise(n)}") + (" (log scale)" if log_x else ""))
        ax.set_title(title or f"Funnel plot: {humanise(y)}", y=1.0, pad=8)
        ax.figure.legend(loc="lower center", ncol=3, handlelength=1.8)
    return ax
