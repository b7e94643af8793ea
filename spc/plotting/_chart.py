"""Single SPC charts, drawn only from the result frame (small multiples: ``_facets``).

Artists carry a ``gid`` naming their role so tests (and users) can find them:
``data`` (the data line, one per phase), ``cl``, ``lcl``, ``ucl``, ``lcl_95``, ``ucl_95``,
``target`` (one line per phase, plus one dashed line per phase extended beyond a frozen
baseline), ``points:<category>:<colour key>`` for point markers (``common``, ``excluded``,
``outside``, ``run``), ``cl_label`` (centre value text), ``annotation`` (numbered markers).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from spc.chart_types import CHART_TYPES
from spc.engine.mdc import latest_assurance, variation_icon
from spc.engine.rules import rule_columns
from spc.errors import SPCError
from spc.plotting._axes import (
    annotate,
    legend_handles,
    set_date_ticks,
    step_xy,
    x_numeric,
    y_axis,
)
from spc.plotting._icons import add_icons, icon_places
from spc.plotting._layout import (
    AXIS_BOTTOM_IN,
    COMPACT_ICON_IN,
    HANDLE_LENGTH,
    ICON_IN,
    ICON_PAD_IN,
    LEFT_IN,
    RIGHT_IN,
    TITLE_LINE_IN,
    TOP_IN,
    centre_label,
    fit_title,
    legend_columns,
)
from spc.plotting._style import COLOURS, FIGSIZE, MARKERS, STYLE_RC
from spc.text.labels import (
    chart_name,
    facet_title,
    fmt_num,
    humanise,
    measure_label,
    period_of,
    split_facets,
    unit_label,
    y_axis_label,
)

_SIGNAL_LABEL = {"outside": "outside limits", "run": "run signal"}
_COLOUR_LABEL = {
    "improvement": "Improvement",
    "concern": "Concern",
    "neutral": "Special cause",
}


# --------------------------------------------------------------------------- point categories
def point_categories(rows: pd.DataFrame, options: Mapping[str, Any]) -> pd.DataFrame:
    """Category (``common``/``excluded``/``outside``/``run``) and colour key of every point.

    The colour key is ``common_cause``, ``improvement``, ``concern`` or ``neutral``: Making Data
    Count colours when ``options["improvement"]`` is ``"increase"``/``"decrease"``, otherwise
    every signal is ``neutral`` (purple).
    """
    cat, colour = _point_categories(rows, options)
    return pd.DataFrame({"category": cat, "colour": colour}, index=rows.index)


def _point_categories(
    rows: pd.DataFrame, options: Mapping[str, Any]
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`point_categories` as two arrays (category, colour key): a chart draws with them."""
    m = len(rows)
    include = rows["include"].to_numpy(bool) if "include" in rows else np.ones(m, bool)
    signal = _flags(rows, "signal") if "signal" in rows else np.zeros(m, bool)
    outside = np.zeros(m, bool)
    for col in rule_columns("outside") & set(rows.columns):
        outside |= _flags(rows, col)
    cat = np.where(
        ~include,
        "excluded",
        np.where(signal & outside, "outside", np.where(signal, "run", "common")),
    )
    colour = np.full(m, "common_cause", dtype=object)
    mdc = options.get("improvement") in ("increase", "decrease")
    pt = rows["point_type"].astype(str).to_numpy() if "point_type" in rows else np.full(m, "")
    sig_rows = np.isin(cat, ("outside", "run"))
    colour[sig_rows] = "neutral"
    if mdc:
        colour[sig_rows & (pt == "special_cause_improvement")] = "improvement"
        colour[sig_rows & (pt == "special_cause_concern")] = "concern"
    return cat, colour


def _flags(rows: pd.DataFrame, column: str) -> np.ndarray:
    """A column of true/false flags (missing: false) as a boolean array."""
    values = rows[column]
    if values.dtype == bool:  # the usual case: no missing values to fill
        return values.to_numpy()
    return values.fillna(False).to_numpy(bool)


# --------------------------------------------------------------------------- the chart
def _own_figure(figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    import matplotlib.pyplot as plt  # lazy: importing spc must not import pyplot

    fig, ax = plt.subplots(figsize=figsize)
    return fig, ax


def _select_facet(res: Any, facet: object) -> tuple[pd.DataFrame, object]:
    groups = split_facets(res.data, res.options)
    if facet is None:
        if len(groups) > 1:
            names = ", ".join(repr(k) for k, _ in groups[:5]) + (", ..." if len(groups) > 5 else "")
            raise SPCError(
                f"the result has {len(groups)} facets ({names}); "
                "pass facet=<one of them> to plot one, or use spc.plot_facets(res) for all"
            )
        return groups[0][1], groups[0][0]
    for key, rows in groups:
        if key == facet or facet_title(key) == str(facet):
            return rows, key
    raise SPCError(f"facet {facet!r} not found; have {[k for k, _ in groups]}")


def variation_types(res: Any) -> dict[Any, str]:
    """Each facet's verdict (the summary's ``variation_type`` on its last row), by facet key
    (None without facets); empty for results without a summary."""
    summary_fn = getattr(res, "summary", None)
    if not callable(summary_fn):
        return {}
    summary = summary_fn()
    facets = [f for f in getattr(res, "facets", []) if f in summary]
    if not facets:
        return {None: str(summary["variation_type"].iloc[-1])} if len(summary) else {}
    last = summary.groupby(facets, sort=False).tail(1)
    keys = (
        last[facets[0]] if len(facets) == 1 else list(zip(*(last[f] for f in facets), strict=True))
    )
    return dict(zip(keys, last["variation_type"].astype(str), strict=True))


def plot(
    res: Any,
    ax: Axes | None = None,
    *,
    facet: object = None,
    title: str | None = None,
    ylab: str | None = None,
    xlab: str | None = None,
    units: str | None = None,
    show_95: bool = False,
    centre_labels: bool = True,
    annotations: pd.DataFrame | Sequence[tuple[Any, str]] | None = None,
    icons: bool | str = True,
    legend: bool = True,
    caption: bool = False,
    figsize: tuple[float, float] = FIGSIZE,
    own_layout: bool | None = None,
    **line_kw: Any,
) -> Axes:
    """Draw one SPC chart of a ``QICResult`` and return its Axes.

    Parameters
    ----------
    res : QICResult (or anything with ``.data`` and ``.options``, see docs/result-frame.md)
    ax : Axes to draw into; by default a new figure of ``figsize`` inches (8 x 4.5) is made.
        (Not ``plt.gca()``: batch rendering would otherwise draw charts over each other.)
    facet : which facet to draw when the result is faceted (else use :func:`plot_facets`).
    title, ylab, xlab, units : override the texts derived from ``res.options``; ``units`` is
        the y unit such as ``"per 1,000 bed days"`` or ``"%"``.
    show_95 : also draw the 2-sigma ("near") limits, dotted.
    centre_labels : write the centre value at the end of each phase.
    annotations : change/PDSA log: a DataFrame with a date/x column and a text column (the first
        datetime and first text columns are used; rows for other facets are skipped when the
        facet column is present), or ``[(x, text), ...]``. Drawn as numbered markers with a
        legend.
    icons : add Making Data Count variation/assurance icons above the top-right corner (only
        when ``improvement`` is set, as in MDC). ``"page"`` (on an own layout): leave their
        room but do not draw them; ``ax._spc_icons`` lists ``(key, x, y, size)`` in inches
        from the figure's bottom left, for a page to place them (``chart_html``).
    legend : add the legend (below the chart on an own figure, at the right otherwise).
    caption : write the :func:`spc.describe` caption under the chart.
    own_layout : lay the figure out as a chart of its own (legend under the chart, fixed
        margins, icons above the corner); by default only when ``ax`` is None. ``LiveChart``
        redraws into one Axes this way.
    **line_kw : passed to the data line (e.g. ``linewidth``).

    Example
    -------
    >>> ax = spc.plot(res, annotations=log)      # doctest: +SKIP
    >>> spc.save(ax, "falls.png")                # doctest: +SKIP
    """
    if isinstance(icons, str) and icons != "page":
        raise SPCError(f"icons={icons!r}: give True, False or 'page'")
    rows, key = _select_facet(res, facet)
    options = dict(res.options)
    if units is not None:
        options["units"] = units
    variation = variation_types(res).get(key)
    with mpl.rc_context(STYLE_RC):
        own = ax is None if own_layout is None else own_layout
        if ax is None:
            _fig, ax = _own_figure(figsize)
        # On an own figure the icons are placed after the layout is fixed (they are sized in
        # inches from the axes position).
        handles = draw_chart(
            ax,
            rows,
            options,
            facet=key,
            show_95=show_95,
            centre_labels=centre_labels,
            annotations=annotations,
            icons=bool(icons) and not own,
            compact=False,
            place_labels=not own,
            variation=variation,
            **line_kw,
        )
        # y given: matplotlib would otherwise lift the title above the icon insets, off the
        # figure; the icons sit at the right and the title at the left, so they never meet.
        title_text = title if title is not None else default_title(options, key)
        title_lines = 1
        if own:
            # wrapped, not hidden: the icons take the top right corner
            keys = icon_keys(rows, options, variation) if icons else []
            title_text = fit_title(ax, title_text, len(keys))
            title_lines = title_text.count("\n") + 1
        ax.set_title(title_text, y=1.0, pad=8)
        ax.set_ylabel(ylab if ylab is not None else y_axis_label(options))
        ax.set_xlabel(xlab if xlab is not None else _x_label(rows, options))
        caption_text = _caption_text(ax, res, key) if caption else ""
        # kept for ``legend_html`` (a legend outside the image, as the explorer and the
        # reports show it): whole texts, as an HTML list wraps (matplotlib's legend cuts them)
        ax._spc_legend = list(handles.items())
        legend_rows = 0
        if legend and handles:
            labels = [short_label(label) for label in handles]
            hs = legend_handles(handles.values())
            if own:
                ncol = legend_columns(ax.figure, labels)
                legend_rows = math.ceil(len(labels) / ncol)
                caption_in = _CAPTION_LINE_IN * caption_text.count("\n") + (
                    _CAPTION_LINE_IN + 0.05 if caption_text else 0.0
                )
                ax.figure.legend(
                    hs,
                    labels,
                    loc="lower center",
                    ncol=ncol,
                    handlelength=HANDLE_LENGTH,
                    bbox_to_anchor=(0.5, caption_in / ax.figure.get_figheight()),
                )
            else:
                ax.legend(hs, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        if own:
            _fixed_layout(ax, legend_rows, caption_text, title_lines)
            for args in getattr(ax, "_spc_centre_labels", []):
                centre_label(ax, *args)
            ax._spc_centre_labels = []
            ax._spc_icons = []
            if icons == "page":  # the page embeds them (``chart_html``): where they go
                places = icon_places(ax, len(keys), ICON_IN, ICON_PAD_IN)
                ax._spc_icons = [(k, x, y, ICON_IN) for k, (x, y) in zip(keys, places, strict=True)]
            elif icons:
                add_icons(ax, keys, size=ICON_IN, pad=ICON_PAD_IN)
        if caption_text:
            ax.figure.text(
                0.01, 0.005, caption_text, fontsize=7, va="bottom", ha="left", gid="caption"
            )
    return ax


# Heights in inches of a legend row and a caption line under a chart on its own figure (the
# margins are in ``_layout``).
LEGEND_ROW_IN, _CAPTION_LINE_IN = 0.19, 0.125
_LABEL_MAX = 58


def short_label(label: str) -> str:
    """Legend labels at most ``_LABEL_MAX`` characters (long change notes are cut)."""
    return label if len(label) <= _LABEL_MAX else label[: _LABEL_MAX - 1].rstrip() + "\u2026"


def icon_keys(rows: pd.DataFrame, options: Mapping[str, Any], variation: Any = None) -> list[str]:
    """The Making Data Count icons of a chart, left to right: variation (from the facet's
    verdict ``variation``, else the latest point's type), then assurance against the target.
    Empty without a direction of improvement (as in MDC)."""
    improvement = options.get("improvement")
    if improvement not in ("increase", "decrease") or "point_type" not in rows:
        return []
    keys = [
        variation_icon(variation or rows["point_type"].iloc[-1], improvement),
        latest_assurance(rows, improvement),
    ]
    return [k for k in keys if k]


def _fixed_layout(ax: Axes, legend_rows: int, caption_text: str, title_lines: int = 1) -> None:
    fig = ax.figure
    width, height = fig.get_size_inches()
    bottom = AXIS_BOTTOM_IN + legend_rows * LEGEND_ROW_IN + (0.08 if legend_rows else 0.0)
    if caption_text:
        bottom += _CAPTION_LINE_IN * (caption_text.count("\n") + 1) + 0.08
    bottom = min(bottom, 0.6 * height)  # a very long legend must not squash the chart away
    top = TOP_IN + TITLE_LINE_IN * (title_lines - 1)
    fig.subplots_adjust(
        left=LEFT_IN / width,
        right=1 - RIGHT_IN / width,
        top=1 - top / height,
        bottom=bottom / height,
    )


def _caption_text(ax: Axes, res: Any, key: object) -> str:
    import textwrap

    from spc.text.describe import describe

    text = describe(res)
    if isinstance(text, dict):
        text = text[key]
    return textwrap.fill(text, int(ax.figure.get_size_inches()[0] * 15))


def default_title(options: Mapping[str, Any], key: object) -> str:
    what = measure_label(options)
    what = what[:1].upper() + what[1:]
    unit = unit_label(options)
    if unit and unit.startswith("per ") and not options.get("label"):
        what = f"{what} {unit}"
    title = f"{what}: {chart_name(options)}"
    if key is not None:
        title += f" - {facet_title(key)}"
    return title


def _x_label(rows: pd.DataFrame, options: Mapping[str, Any]) -> str:
    period = period_of(rows["x"])
    kind = CHART_TYPES.get(str(options.get("chart")))
    if period == "day" and kind is not None and kind.one_point_per_event:
        return "Date of event"
    if period:
        return period.capitalize() + ("" if period == "day" else " (start)")
    return humanise(options.get("x")).capitalize() or "Subgroup"


def draw_chart(
    ax: Axes,
    rows: pd.DataFrame,
    options: Mapping[str, Any],
    *,
    facet: object = None,
    show_95: bool = False,
    centre_labels: bool = True,
    annotations: Any = None,
    icons: bool = True,
    compact: bool = False,
    variation: str | None = None,
    place_labels: bool = True,
    **line_kw: Any,
) -> dict[str, Any]:
    """Draw the rows of one facet into ``ax``; return ``{legend label: handle}`` of what was
    drawn. Reads only the result-frame columns; used by :func:`plot` and :func:`plot_facets`.
    ``variation`` is the facet's verdict (``variation_type``) for its icon; by default the
    latest point's type. ``place_labels=False`` leaves the centre values for the caller to place
    once the figure is laid out (``ax._spc_centre_labels``, as :func:`plot` does)."""
    rows = rows.reset_index(drop=True)
    xs, kind = x_numeric(rows)
    y = rows["y"].to_numpy(float)
    parts = rows["part"].to_numpy() if "part" in rows else np.ones(len(rows), int)
    diffs = np.diff(np.unique(xs))
    spacing = float(np.median(diffs)) if len(diffs) else 1.0
    ms = 3.2 if compact else 5.0
    lw = 0.9 if compact else 1.3
    handles: dict[str, Any] = {}
    # the lines' columns as arrays once (pandas selections per phase and line cost more than
    # the drawing of a small-multiples panel)
    lines = {
        c: rows[c].to_numpy(float)
        for c in ("cl", "ucl", "lcl", "ucl_95", "lcl_95", "target")
        if c in rows
    }

    def drawn(column: str) -> bool:
        return column in lines and not np.isnan(lines[column]).all()

    # a baseline frozen by freeze or judged from a change: solid over it, dashed beyond
    baseline = rows["baseline"].to_numpy(bool) if "baseline" in rows else None
    frozen = baseline is not None and not baseline.all()
    line_roles = [("cl", COLOURS["cl"], "-", 1.0 * lw, "Centre line")]
    if drawn("ucl") or drawn("lcl"):
        line_roles += [
            ("ucl", COLOURS["limit"], "-", 0.8 * lw, "Control limits (3 sigma)"),
            ("lcl", COLOURS["limit"], "-", 0.8 * lw, "Control limits (3 sigma)"),
        ]
    if show_95 and "ucl_95" in rows:
        line_roles += [
            ("ucl_95", COLOURS["limit95"], ":", 0.8 * lw, "2-sigma limits"),
            ("lcl_95", COLOURS["limit95"], ":", 0.8 * lw, "2-sigma limits"),
        ]
    if drawn("target"):
        line_roles.append(("target", COLOURS["target"], (0, (5, 2)), 0.9 * lw, "Target"))

    data_kw = dict(color=COLOURS["data"], linewidth=0.9 * lw, zorder=2)
    data_kw.update(line_kw)
    centre_label_at: list[tuple[float, float, np.ndarray]] = []
    phase_signal = _flags(rows, "phase_signal") if "phase_signal" in rows else None
    for p in pd.unique(parts):
        sel = parts == p
        pxs = xs[sel]
        ax.plot(pxs, y[sel], gid="data", **data_kw)
        base_mask = np.ones(sel.sum(), bool)
        if frozen:
            b = baseline[sel]
            if b.any():
                last_b = np.flatnonzero(b)[-1]
                base_mask = np.arange(len(b)) <= last_b
        for role, colour, ls, width, label in line_roles:
            sx, sy = step_xy(pxs, lines[role][sel], spacing)
            bm = np.repeat(base_mask, 2)
            ext = ~bm
            # Frozen limits: solid over the baseline, dashed where they are extended.
            (h,) = ax.plot(
                sx[bm], sy[bm], color=colour, linestyle=ls, linewidth=width, gid=role, zorder=1.5
            )
            handles.setdefault(label, h)
            if ext.any():
                # start the dashed extension where the solid part ended
                ex_x = np.r_[sx[bm][-1:], sx[ext]]
                ex_y = np.r_[sy[bm][-1:], sy[ext]] if role == "target" else np.r_[np.nan, sy[ext]]
                (h2,) = ax.plot(
                    ex_x,
                    ex_y,
                    color=colour,
                    linewidth=width,
                    gid=role,
                    linestyle=(0, (4, 2.5)) if ls == "-" else ls,
                    zorder=1.5,
                )
                if role in ("cl", "ucl"):
                    handles.setdefault("Frozen baseline, extended", h2)
        if phase_signal is not None and phase_signal[sel].any():
            handles.setdefault(
                PHASE_SIGNAL_LABEL, _phase_signal_line(ax, rows, sel, pxs, spacing, lw)
            )
        if centre_labels and "cl" in lines:
            cl_vals = lines["cl"][sel]
            cl_vals = cl_vals[~np.isnan(cl_vals)]
            if len(cl_vals):
                right = pxs[-1] + (0.4 * (pxs[-1] - pxs[-2]) if len(pxs) > 1 else 0.4 * spacing)
                centre_label_at.append((right, float(cl_vals[-1]), sel))

    categories, colours = _point_categories(rows, options)
    for cat, col in sorted(set(zip(categories.tolist(), colours.tolist(), strict=True))):
        idx = np.flatnonzero((categories == cat) & (colours == col))
        face = COLOURS[col] if cat != "excluded" else "white"
        edge = COLOURS["edge"] if cat in ("outside", "run") else COLOURS["data"]
        size = ms * (1.35 if cat == "outside" else 1.15 if cat == "run" else 1.0)
        (h,) = ax.plot(
            xs[idx],
            y[idx],
            linestyle="none",
            marker=MARKERS[cat],
            markersize=size,
            markerfacecolor=face,
            markeredgecolor=edge,
            markeredgewidth=0.6 if cat != "excluded" else 0.9,
            gid=f"points:{cat}:{col}",
            zorder=3,
        )
        handles[_point_label(cat, col)] = h

    if kind == "date":
        ax.xaxis_date()
        set_date_ticks(ax, xs, period_of(rows["x"]), compact)
    elif kind == "category":
        labels = rows["x"].astype(str).tolist()
        step = max(1, math.ceil(len(labels) / (6 if compact else 20)))
        ax.set_xticks(
            xs[::step],
            labels[::step],
            rotation=45 if len(labels) > 8 else 0,
            ha="right" if len(labels) > 8 else "center",
        )
    pad = 0.6 * spacing
    if len(xs):
        ax.set_xlim(np.nanmin(xs) - pad, np.nanmax(xs) + pad)
    off_scale = y_axis(ax, rows, options, compact)
    if off_scale is not None and not compact:
        # said in the legend, where it cannot collide with annotation markers or points
        limits = "Control limits (3 sigma)"
        note = f"Control limits (3 sigma; upper up to {fmt_num(off_scale)}, off scale)"
        handles = {(note if k == limits else k): h for k, h in handles.items()}
    if annotations is not None:
        handles.update(annotate(ax, rows, options, annotations, kind, compact))
    pending = [(right, value, xs[sel], y[sel], compact) for right, value, sel in centre_label_at]
    if place_labels:  # the y range is final now
        for args in pending:
            centre_label(ax, *args)
    else:  # once the figure is laid out (``plot``), so the labels' sizes are known
        ax._spc_centre_labels = pending
    if icons:
        _icons(ax, rows, options, facet, compact, variation)
    return handles


#: Legend text of a phase drawn as a whole because of a phase signal (too few crossings).
PHASE_SIGNAL_LABEL = "Unstable phase: too few crossings (no direction)"


def _phase_signal_line(
    ax: Axes, rows: pd.DataFrame, sel: np.ndarray, pxs: np.ndarray, spacing: float, lw: float
) -> Any:
    """The centre line of the points in a phase signal, dashed and purple (as qicharts2 marks
    a runs signal on the centre line): the signal belongs to the phase, not to any point."""
    flagged = rows.loc[sel, "phase_signal"].to_numpy(bool)
    vals = np.where(flagged, rows.loc[sel, "cl"].to_numpy(float), np.nan)
    sx, sy = step_xy(pxs, vals, spacing)
    (h,) = ax.plot(
        sx,
        sy,
        color=COLOURS["neutral"],
        linestyle=(0, (5, 2)),
        linewidth=1.6 * lw,
        gid="cl_phase_signal",
        zorder=1.6,
    )
    return h


def _point_label(cat: str, col: str) -> str:
    if cat == "common":
        return "Common cause"
    if cat == "excluded":
        return "Excluded from calculations"
    return f"{_COLOUR_LABEL[col]}: {_SIGNAL_LABEL[cat]}"


def _icons(
    ax: Axes,
    rows: pd.DataFrame,
    options: Mapping[str, Any],
    facet: object,
    compact: bool,
    variation: str | None = None,
) -> None:
    keys = icon_keys(rows, options, variation)
    if keys:
        add_icons(ax, keys, size=COMPACT_ICON_IN if compact else ICON_IN, pad=ICON_PAD_IN)
