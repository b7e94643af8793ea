"""Making Data Count icons drawn with matplotlib patches (no image files).

The designs match :func:`spc.icons.icon_svg` (same ring colours, letters and mini run of dots).
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Circle

from spc.icons import (
    ASSURANCE_TEXT,
    MDC_COLOURS,
    VARIATION_ICONS,
    VARIATION_TEXT,
    icon_colour,
    icon_dots,
    icon_letter,
)


def draw_icon(ax: Axes, key: str) -> Axes:
    """Draw icon ``key`` (e.g. ``"improvement_low"``, ``"pass"``) filling ``ax`` (unit box).

    ``ax`` is usually a small inset axes; its frame and ticks are switched off.
    """
    colour = icon_colour(key)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal", anchor="C")
    ax.set_axis_off()
    ax.set_gid(f"icon:{key}")
    ax.add_patch(Circle((0.5, 0.5), 0.44, facecolor="white", edgecolor=colour, linewidth=2.2))
    letter = icon_letter(key)
    if key in VARIATION_ICONS:
        dots = icon_dots(key)
        xs = [d[0] for d in dots]
        ys = [d[1] for d in dots]
        ax.add_line(Line2D(xs, ys, color=MDC_COLOURS["common_cause"], linewidth=0.7))
        for x, y, hi in dots:
            fill = colour if hi else MDC_COLOURS["common_cause"]
            ax.add_patch(Circle((x, y), 0.045, facecolor=fill, edgecolor="none"))
        if letter:
            ax.text(
                0.5,
                0.72 if letter == "H" else 0.17,
                letter,
                ha="center",
                va="center",
                fontsize=6,
                fontweight="bold",
                color=colour,
            )
    else:
        ax.add_line(
            Line2D(
                [0.2, 0.8],
                [0.3, 0.3],
                color=MDC_COLOURS["target"],
                linewidth=1.0,
                linestyle=(0, (3, 2)),
            )
        )
        ax.text(
            0.5,
            0.56,
            letter,
            ha="center",
            va="center",
            fontsize=11,
            fontweight="bold",
            color=colour,
        )
    return ax


def add_icons(ax: Axes, keys: list[str], size: float = 0.42, pad: float = 0.02) -> list[Axes]:
    """Place icons in a row just above the top-right corner of ``ax``.

    ``size`` is the icon height in inches (before layout); they sit outside the data area, so they
    never hide points, and the (left-aligned) title keeps the left side.
    """
    fig = ax.figure
    w_in, h_in = fig.get_size_inches()
    pos = ax.get_position()
    ax_w, ax_h = max(pos.width * w_in, 1e-3), max(pos.height * h_in, 1e-3)
    h = size / ax_h
    w = size / ax_w
    out = []
    for i, key in enumerate(reversed(keys)):
        x0 = 1.0 - (i + 1) * w - i * pad
        inset = ax.inset_axes((x0, 1.0 + pad, w, h))
        draw_icon(inset, key)
        out.append(inset)
    return out


def icon_description(key: str) -> str:
    """Words for an icon, used as legend/alt text."""
    return VARIATION_TEXT.get(key) or ASSURANCE_TEXT.get(key) or key
