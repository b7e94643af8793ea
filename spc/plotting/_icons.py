"""Making Data Count icons drawn with matplotlib patches (no image files).

The designs match :func:`spc.text.icons.icon_svg` (same ring colours, letters and mini run of dots).
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Circle
from matplotlib.transforms import Affine2D, ScaledTranslation, Transform

from spc.engine.mdc import VARIATION_ICONS
from spc.text.icons import MDC_COLOURS, icon_colour, icon_dots, icon_letter, icon_ring_dashed


def draw_icon(ax: Axes, key: str, transform: Transform | None = None, scale: float = 1.0) -> Axes:
    """Draw icon ``key`` (e.g. ``"improvement_low"``, ``"pass"``) in a unit box.

    Without ``transform`` the icon fills ``ax`` (its frame and ticks are switched off). With a
    ``transform`` (unit box -> display), the icon is drawn into ``ax`` at that place, unclipped,
    and ``scale`` shrinks the letters to match; this is how charts place icons without paying
    for extra Axes.
    """
    # Placed into a chart, the icon's parts are added as artists only: adding them as patches and
    # lines would also measure their outlines for the data limits (a tenth of a chart's
    # drawing time), which an icon outside the data never changes.
    placed = transform is not None
    add = ax.add_artist if placed else None
    if transform is None:
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal", anchor="C")
        ax.set_axis_off()
        ax.set_gid(f"icon:{key}")
        transform = ax.transData
    colour = icon_colour(key)
    common = dict(transform=transform, clip_on=False, zorder=6)
    ring = Circle(
        (0.5, 0.5),
        0.44,
        facecolor="white",
        edgecolor=colour,
        linewidth=2.2 * scale,
        linestyle=(0, (3, 2)) if icon_ring_dashed(key) else "-",
        gid=f"icon:{key}",
        **common,
    )
    (add or ax.add_patch)(ring)
    letter = icon_letter(key)
    if key in VARIATION_ICONS:
        dots = icon_dots(key)
        (add or ax.add_line)(
            Line2D(
                [d[0] for d in dots],
                [d[1] for d in dots],
                color=MDC_COLOURS["common_cause"],
                linewidth=0.7 * scale,
                **common,
            )
        )
        if placed:
            # one marker line per fill colour, not a patch per dot: the icon's size in inches
            # is known (``scale``), so the dots' diameter is too (0.09 of 0.42 inch at 1)
            for hi in (False, True):
                xs = [x for x, _y, h in dots if h == hi]
                ys = [y for _x, y, h in dots if h == hi]
                if xs:
                    ax.add_artist(
                        Line2D(
                            xs,
                            ys,
                            linestyle="none",
                            marker="o",
                            markersize=0.09 * 0.42 * 72 * scale,
                            markerfacecolor=colour if hi else MDC_COLOURS["common_cause"],
                            markeredgewidth=0,
                            **common,
                        )
                    )
        else:
            for x, y, hi in dots:
                fill = colour if hi else MDC_COLOURS["common_cause"]
                ax.add_patch(Circle((x, y), 0.045, facecolor=fill, edgecolor="none", **common))
        if letter:
            ax.text(
                0.5,
                0.76 if letter == "H" else 0.24,
                letter,
                ha="center",
                va="center",
                fontsize=7.5 * scale,
                fontweight="bold",
                color=colour,
                **common,
            )
    else:
        (add or ax.add_line)(
            Line2D(
                [0.2, 0.8],
                [0.3, 0.3],
                color=MDC_COLOURS["target"],
                linewidth=1.0 * scale,
                linestyle=(0, (3, 2)),
                **common,
            )
        )
        ax.text(
            0.5,
            0.56,
            letter,
            ha="center",
            va="center",
            fontsize=11 * scale,
            fontweight="bold",
            color=colour,
            **common,
        )
    return ax


def icon_places(
    ax: Axes, count: int, size: float = 0.42, pad: float = 0.03
) -> list[tuple[float, float]]:
    """Where ``count`` icons of ``size`` inches go in a row just above the top-right corner of
    ``ax``: the bottom-left corner of each, in inches from the figure's bottom-left (once the
    figure is laid out), left to right."""
    pos = ax.get_position()
    width, height = ax.figure.get_size_inches()
    right, top = pos.x1 * width, pos.y1 * height
    return [(right - (count - j) * size - (count - 1 - j) * pad, top + pad) for j in range(count)]


def add_icons(ax: Axes, keys: list[str], size: float = 0.42, pad: float = 0.03) -> list[str]:
    """Place icons in a row just above the top-right corner of ``ax``; return their keys.

    ``size`` and ``pad`` are in inches, anchored to the axes corner, so the icons stay round and
    in place whatever the layout does. They sit outside the data area, so they never hide
    points, and the (left-aligned) title keeps the left side. Drawn straight into ``ax`` (no
    inset Axes: those cost a fifth of a chart's drawing time).
    """
    corner = ax.figure.dpi_scale_trans + ScaledTranslation(1.0, 1.0, ax.transAxes)
    k = len(keys)
    for j, key in enumerate(keys):  # left to right: variation, then assurance
        x0 = -(k - j) * size - (k - 1 - j) * pad
        place = Affine2D().scale(size).translate(x0, pad) + corner
        draw_icon(ax, key, transform=place, scale=size / 0.42)
    return list(keys)
