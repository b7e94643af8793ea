"""The axes of a chart: x positions and date ticks, the y range and format (with an upper limit
drawn off the scale when it would squash the data), and change-log annotations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.transforms import ScaledTranslation

from spc.errors import SPCError
from spc.plotting._style import COLOURS
from spc.text.labels import fmt_num, unit_label


def x_numeric(rows: pd.DataFrame) -> tuple[np.ndarray, str]:
    """Numeric x positions for the rows of one facet and the kind: ``date``, ``number`` or
    ``category`` (categories are placed at ``xx`` = 1, 2, ...)."""
    x = rows["x"]
    if pd.api.types.is_datetime64_any_dtype(x):
        if getattr(x.dt, "tz", None) is not None:
            x = x.dt.tz_localize(None)
        return mdates.date2num(x.to_numpy()), "date"
    if pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x):
        return x.to_numpy(dtype=float), "number"
    pos = rows["xx"].to_numpy(dtype=float) if "xx" in rows else np.arange(1.0, len(rows) + 1)
    return pos, "category"


def step_xy(xs: np.ndarray, vals: np.ndarray, spacing: float) -> tuple[np.ndarray, np.ndarray]:
    """Step coordinates: each point owns ``[left, right]`` reaching halfway to its neighbours and
    0.4 of a spacing beyond the ends of the phase (so phases are separated by a gap)."""
    m = len(xs)
    if m == 1:
        left, right = xs - 0.4 * spacing, xs + 0.4 * spacing
    else:
        mids = (xs[:-1] + xs[1:]) / 2
        left = np.r_[xs[0] - 0.4 * (xs[1] - xs[0]), mids]
        right = np.r_[mids, xs[-1] + 0.4 * (xs[-1] - xs[-2])]
    return np.column_stack([left, right]).ravel(), np.repeat(vals, 2)


def set_date_ticks(ax: Axes, xs: np.ndarray, period: str | None, compact: bool) -> None:
    """Readable date ticks for weekly, monthly, quarterly and yearly data."""
    max_ticks = 4 if compact else 10
    span_days = float(np.nanmax(xs) - np.nanmin(xs)) if len(xs) else 0.0
    if period == "month":
        months = max(span_days / 30.4, 1)
        step = next((s for s in (1, 2, 3, 4, 6, 12, 24) if months / s <= max_ticks), 36)
        if step >= 12:
            loc = mdates.YearLocator(step // 12)
        else:
            loc = mdates.MonthLocator(bymonth=range(1, 13, step))
        fmt: ticker.Formatter = mdates.ConciseDateFormatter(loc, show_offset=False)
    elif period == "quarter":
        quarters = max(span_days / 91.3, 1)
        step = next((s for s in (1, 2, 4, 8) if quarters / s <= max_ticks), 12)
        if step >= 4:
            loc = mdates.YearLocator(step // 4)
        else:
            loc = mdates.MonthLocator(bymonth=range(1, 13, 3 * step))

        def _q(v: float, _pos: int | None = None) -> str:
            d = mdates.num2date(v)
            return f"Q{(d.month - 1) // 3 + 1}\n{d.year}"

        fmt = ticker.FuncFormatter(_q)
    elif span_days > 120:
        # Days or weeks over many months (e.g. the event dates of a T chart): month or year
        # ticks as for monthly data, so compact panels do not crowd.
        months = span_days / 30.4
        step = next((s for s in (1, 2, 3, 4, 6, 12, 24) if months / s <= max_ticks), 36)
        loc = (
            mdates.YearLocator(step // 12)
            if step >= 12
            else mdates.MonthLocator(bymonth=range(1, 13, step))
        )
        fmt = mdates.ConciseDateFormatter(loc, show_offset=False)
    else:
        loc = mdates.AutoDateLocator(minticks=3, maxticks=max_ticks)
        fmt = mdates.ConciseDateFormatter(loc, show_offset=False)
    ax.xaxis.set_major_locator(OncePerView(loc))
    ax.xaxis.set_major_formatter(fmt)


class OncePerView(ticker.Locator):
    """A date locator whose ticks are worked out once per view of the axis.

    matplotlib asks an axis for its ticks three times in every save (to draw them, to size the
    spine, to place the axis label), and a calendar locator works them out with dateutil's
    rules each time: the slowest part of drawing a date axis. The ticks depend on the view
    alone, so they are kept until it changes.
    """

    def __init__(self, locator: ticker.Locator) -> None:
        self.locator = locator
        self._kept: tuple[tuple[float, float], np.ndarray] | None = None

    def set_axis(self, axis: Any) -> None:
        super().set_axis(axis)
        self.locator.set_axis(axis)

    def __call__(self) -> np.ndarray:
        view = tuple(float(v) for v in self.axis.get_view_interval())
        if self._kept is None or self._kept[0] != view:
            self._kept = (view, np.asarray(self.locator()))
        return self._kept[1].copy()

    def tick_values(self, vmin: float, vmax: float) -> Any:
        return self.locator.tick_values(vmin, vmax)

    def nonsingular(self, v0: float, v1: float) -> tuple[float, float]:
        return self.locator.nonsingular(v0, v1)

    def view_limits(self, vmin: float, vmax: float) -> tuple[float, float]:
        return self.locator.view_limits(vmin, vmax)


#: An upper limit this many times above everything else is drawn off the scale (labelled).
OFF_SCALE_FACTOR = 2.5


def y_axis(
    ax: Axes, rows: pd.DataFrame, options: Mapping[str, Any], compact: bool = False
) -> float | None:
    """Y range (no negative space for quantities that cannot be negative) and tick format;
    returns the upper limit when it is drawn off the scale, else None."""
    vals = _finite(rows, ("y", "cl", "lcl", "ucl", "target"))
    if len(vals) and vals.min() >= 0:
        lo, hi = ax.get_ylim()
        if lo < 0:
            # rates, counts and proportions cannot be negative: do not show negative space
            ax.set_ylim(0, hi)
    off_scale = _upper_limit_off_scale(ax, rows, compact)
    if unit_label(options) == "%":
        ax.yaxis.set_major_formatter(ticker.PercentFormatter(xmax=100, decimals=None))
    else:
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _p: f"{v:,.4g}"))
    return off_scale


def _finite(rows: pd.DataFrame, columns: tuple[str, ...]) -> np.ndarray:
    """The finite values of those of ``columns`` that ``rows`` has, as one float array."""
    arrays = [rows[c].to_numpy(float) for c in columns if c in rows]
    values = np.concatenate(arrays) if arrays else np.empty(0)
    return values[np.isfinite(values)]


def _upper_limit_off_scale(ax: Axes, rows: pd.DataFrame, compact: bool) -> float | None:
    """With few points (a T chart of rare events, a u chart month with tiny bed days) the upper
    limit can be many times the data, squashing them into the bottom of the chart. Then the
    y axis stops above the data; a compact panel writes the limit at its top (a full chart says
    it in the legend). Returns the highest upper limit when it is off the scale, else None."""
    if "ucl" not in rows:
        return None
    ucl = rows["ucl"].to_numpy(float)
    others = _finite(rows, ("y", "cl", "lcl", "target"))
    if not np.isfinite(ucl).any() or not len(others) or others.max() <= 0:
        return None
    top = others.max()
    highest = float(np.nanmax(ucl))
    if highest <= OFF_SCALE_FACTOR * top:
        return None
    lo, _hi = ax.get_ylim()
    ax.set_ylim(lo, 1.3 * top)
    if compact:
        ax.text(
            0.99,
            0.98,
            f"\u2191 upper limit {fmt_num(highest)}",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=6,
            color=COLOURS["limit"],
            gid="ucl_off_scale",
        )
    return highest


def _annotation_rows(
    ann: Any, rows: pd.DataFrame, options: Mapping[str, Any]
) -> list[tuple[Any, str]]:
    if isinstance(ann, pd.DataFrame):
        frame = ann
        for col in options.get("facet") or []:
            if col in frame.columns and col in rows.columns:
                frame = frame[frame[col] == rows[col].iloc[0]]
        xcol = next(
            (c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])),
            "x" if "x" in frame.columns else frame.columns[0],
        )
        facets = set(options.get("facet") or [])
        tcol = next(
            (
                c
                for c in frame.columns
                if c != xcol
                and c not in facets
                and not pd.api.types.is_numeric_dtype(frame[c])
                and not pd.api.types.is_datetime64_any_dtype(frame[c])
            ),
            None,
        )
        if tcol is None:
            raise SPCError("annotations need a text column (e.g. 'change') next to the x column")
        return list(zip(frame[xcol], frame[tcol].astype(str), strict=True))
    return [(x, str(t)) for x, t in ann]


def annotate(
    ax: Axes, rows: pd.DataFrame, options: Mapping[str, Any], ann: Any, kind: str, compact: bool
) -> dict[str, Any]:
    """Numbered markers at the top of the plot, with the texts in the legend."""
    items = _annotation_rows(ann, rows, options)
    if kind == "date":
        items = sorted(((pd.Timestamp(x), t) for x, t in items), key=lambda it: it[0])
    handles: dict[str, Any] = {}
    if not items:
        return handles
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + 0.12 * (hi - lo))  # headroom so numbers do not sit on the data
    at = np.array([mdates.date2num(x) if kind == "date" else float(x) for x, _t in items])
    size = 6.5 if compact else 7.5
    # One artist for all the dotted lines, one for all the circles, a plain text per number:
    # an annotation with a box per note measured and drew each box apart (with the legend's
    # mathtext numbers, a seventh of a report chart's time for three notes). Added as artists:
    # they do not change the data limits.
    along_top = ax.get_xaxis_transform()  # x in data, y in axes fraction
    ax.add_artist(
        Line2D(
            np.repeat(at, 3),
            np.tile([0.0, 1.0, np.nan], len(at)),
            transform=along_top,
            color=COLOURS["annotation"],
            linewidth=0.7,
            linestyle=":",
            gid="annotation_line",
            zorder=1,
        )
    )
    # the circles' centres: just inside the top of the plot, in points below it
    centre = along_top + ScaledTranslation(0, -(size + 1.5) / 72, ax.figure.dpi_scale_trans)
    circles = Line2D(
        at,
        np.ones(len(at)),
        transform=centre,
        linestyle="none",
        marker="o",
        markersize=1.55 * size,
        markerfacecolor=COLOURS["annotation"],
        markeredgecolor="none",
        gid="annotation_marker",
        zorder=5,
        clip_on=False,
    )
    ax.add_artist(circles)
    for i, ((_x, text), xv) in enumerate(zip(items, at, strict=True), start=1):
        ax.text(
            xv,
            1.0,
            str(i),
            transform=centre,
            ha="center",
            va="center_baseline",
            fontsize=size - 0.5 if i > 9 else size,
            color="white",
            fontweight="bold",
            gid="annotation",
            zorder=6,
            clip_on=False,
        )
        handles[f"{i}. {text}"] = NoteHandle(i)
    return handles


class NoteHandle(Line2D):
    """The legend entry of change note ``number``: its number in the note colour, as on the
    chart. The number becomes a marker (mathtext, a millisecond and a half to parse) only when
    matplotlib draws the legend; a page's HTML legend reads ``number``."""

    def __init__(self, number: int) -> None:
        super().__init__([], [], linestyle="none", markersize=6.5, color=COLOURS["annotation"])
        self.number = number

    def for_legend(self) -> Line2D:
        """The handle with its number as the marker (for matplotlib's legend)."""
        self.set_marker(f"${self.number}$")
        return self


def legend_handles(handles: Any) -> list[Any]:
    """``handles`` ready for matplotlib's legend (change notes get their numbers drawn)."""
    return [h.for_legend() if isinstance(h, NoteHandle) else h for h in handles]
