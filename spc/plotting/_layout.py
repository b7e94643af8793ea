"""Where the texts of a single chart go: legend columns that fit the figure, a title that
wraps rather than running under the icons, and centre-line values that keep clear of the
points. Text widths come from the font's metrics (the same on every backend, cached), so laying
out a chart measures nothing twice and needs no layout engine.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from spc.plotting._style import COLOURS, STYLE_RC
from spc.text.labels import fmt_num

__all__ = ["centre_label", "fit_title", "legend_columns", "text_width_in"]

#: Fixed margins in inches for a single chart on its own figure (``_chart._fixed_layout``). A
#: layout engine would measure every text twice per save (3-5x the drawing time of the chart
#: itself); these fit the house style: tick labels of up to 6 characters, a title of one or two
#: lines (``TITLE_LINE_IN`` more for the second) and the MDC icons.
LEFT_IN, RIGHT_IN, TOP_IN, AXIS_BOTTOM_IN = 0.85, 0.25, 0.62, 0.62
TITLE_LINE_IN = 0.18
#: The legend's handle length in font sizes (``plot`` sets it; other spacings are rc defaults).
HANDLE_LENGTH = 1.8
#: Size of a Making Data Count icon and the gap between icons, inches (``_icons.add_icons``);
#: a small-multiples panel's icons are smaller.
ICON_IN, ICON_PAD_IN = 0.42, 0.03
COMPACT_ICON_IN = 0.26


@functools.lru_cache(maxsize=2048)
def text_width_in(text: str, size: float, weight: str = "normal") -> float:
    """Width of ``text`` in inches in the house font at ``size`` points (font metrics, the same
    on every backend; cached)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(family=STYLE_RC["font.family"], size=size, weight=weight)
    width, _h, _d = text_to_path.get_text_width_height_descent(text, prop, ismath=False)
    return width / 72


def legend_columns(fig: Figure, labels: Sequence[str], max_columns: int = 4) -> int:
    """The most columns (up to ``max_columns``) for a legend of ``labels`` under the chart that
    still fits the figure's width, from the widths of the labels as drawn; columns fill top to
    bottom as matplotlib fills them."""
    size = float(mpl.rcParams["legend.fontsize"])
    em = size / 72
    widths = [text_width_in(label, size) for label in labels]
    handle = (HANDLE_LENGTH + float(mpl.rcParams["legend.handletextpad"])) * em
    spacing = float(mpl.rcParams["legend.columnspacing"]) * em
    # the legend's own padding, and a margin for hinting (drawn text is a little wider than
    # the font's metrics say) so that a legend never reaches the figure's edge
    room = fig.get_figwidth() - 2 * (float(mpl.rcParams["legend.borderpad"]) + 0.5) * em - 0.3
    for ncol in range(min(max_columns, len(labels)), 1, -1):
        rows, large = divmod(len(labels), ncol)
        per_column = [rows + 1] * large + [rows] * (ncol - large)
        total, start = -spacing, 0
        for count in per_column:
            total += spacing + handle + max(widths[start : start + count], default=0.0)
            start += count
        if total <= room:
            return ncol
    return 1


def fit_title(ax: Axes, title: str, icons: int = 0) -> str:
    """``title`` wrapped onto a second line where it would run under the ``icons`` (count of
    Making Data Count icons at the top right) or off the axes; never cut."""
    fig = ax.figure
    width = fig.get_figwidth() - LEFT_IN - RIGHT_IN
    room = width - (icons * (ICON_IN + ICON_PAD_IN) + 0.1 if icons else 0.0)
    size = float(mpl.rcParams["axes.titlesize"])
    if "\n" in title or text_width_in(title, size) <= room:
        return title
    words = title.split(" ")
    # the longest first line that fits; the rest goes on the second line
    for cut in range(len(words) - 1, 0, -1):
        head = " ".join(words[:cut])
        if text_width_in(head, size) <= room:
            return head + "\n" + " ".join(words[cut:])
    return title


def centre_label(
    ax: Axes, right: float, value: float, xs: np.ndarray, y: np.ndarray, compact: bool
) -> None:
    """The centre value at the right end of its phase, just above the line, or below it where
    a point would be under the text (in points, from the laid-out axes); with points on both
    sides, on the side they cover least, on a white box."""
    text = fmt_num(value)
    size = 6.5 if compact else 7.5
    fig = ax.figure
    pos = ax.get_position()
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    # points (1/72 inch) per data unit
    sx = pos.width * fig.get_figwidth() * 72 / ((x1 - x0) or 1.0)
    sy = pos.height * fig.get_figheight() * 72 / ((y1 - y0) or 1.0)
    width, height, gap, radius = text_width_in(text, size) * 72, size, 2.0, 3.5
    near = np.isfinite(y) & ((xs - right) * sx + radius >= -width)
    depth = {}
    for side, (lo, hi) in {"above": (gap, gap + height), "below": (-gap - height, -gap)}.items():
        dy = (y[near] - value) * sy
        overlap = np.minimum(dy + radius, hi) - np.maximum(dy - radius, lo)
        depth[side] = float(np.clip(overlap, 0, None).sum())
    side = "above" if depth["above"] == 0 or depth["above"] <= depth["below"] else "below"
    crowded = depth[side] > 0
    ax.annotate(
        text,
        xy=(right, value),
        xytext=(0, gap if side == "above" else -gap),
        textcoords="offset points",
        ha="right",
        va="bottom" if side == "above" else "top",
        fontsize=size,
        color=COLOURS["cl"],
        gid="cl_label",
        zorder=4,
        **({"bbox": _LABEL_BOX} if crowded else {}),
    )


#: A white box behind a centre label that has points on both sides of the line near it.
_LABEL_BOX = {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8}
