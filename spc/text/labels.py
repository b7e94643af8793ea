"""Human-readable names, units and number formats shared by plots, captions and tables.

Pure functions over ``res.options`` (see ``docs/result-frame.md``); no matplotlib here, so
captions and tables can be produced without a plotting backend.

>>> unit_label({"chart": "u", "multiply": 1000, "n": "bed_days"})
'per 1,000 bed days'
>>> fmt_num(5.2371)
'5.24'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from spc.chart_types import CHART_TYPES


def humanise(name: object) -> str:
    """Turn a column name such as ``"bed_days"`` into ``"bed days"``."""
    if name is None:
        return ""
    return str(name).replace("_", " ").strip()


def _singular(words: str) -> str:
    # "bed days" -> "bed day": only the last word, and only a plain trailing "s".
    if words.endswith("s") and not words.endswith("ss"):
        return words[:-1]
    return words


def fmt_int(value: float) -> str:
    """Format a whole number with thousands separators: ``1000 -> '1,000'``."""
    return f"{value:,.0f}"


def unit_label(options: Mapping[str, Any]) -> str:
    """Units of the plotted ``y`` implied by the chart type, ``multiply`` and ``n``.

    An explicit ``options["units"]`` wins. Returns ``""`` when nothing sensible can be said.

    >>> unit_label({"chart": "p", "multiply": 100})
    '%'
    """
    if options.get("units"):
        return str(options["units"])
    kind = CHART_TYPES.get(str(options.get("chart") or "run"))
    mult = options.get("multiply") or 1
    n_name = humanise(options.get("n"))
    if kind is not None and kind.kind == "proportion":
        if mult == 100:
            return "%"
        if mult == 1:
            return "proportion"
        return f"per {fmt_int(mult)} {n_name or 'cases'}"
    if kind is not None and kind.kind == "rate":
        unit = n_name or "units"
        if mult == 1:
            return f"per {_singular(unit)}"
        return f"per {fmt_int(mult)} {unit}"
    if kind is not None and kind.unit:
        return kind.unit
    if mult not in (1, None):
        return f"x {fmt_int(mult)}"
    return ""


def measure_label(options: Mapping[str, Any]) -> str:
    """What is measured, e.g. ``"falls"`` or ``"moving range of falls"``.

    A catalogue measure's title (``options["label"]``, set by ``spc.chart_measure``) wins.
    """
    if options.get("label"):
        return str(options["label"])
    y = humanise(options.get("y")) or "value"
    kind = CHART_TYPES.get(str(options.get("chart") or "run"))
    return kind.y_words.format(y=y) if kind is not None else y


def y_axis_label(options: Mapping[str, Any]) -> str:
    """Y axis label with units: ``"falls (per 1,000 bed days)"``."""
    unit = unit_label(options)
    if options.get("label") and unit:
        # the title already says what is measured: the axis gives the unit, wrapped
        import textwrap

        return textwrap.fill(unit[:1].upper() + unit[1:], 38)
    label = measure_label(options)
    label = label[:1].upper() + label[1:]
    return f"{label} ({unit})" if unit else label


def chart_name(options: Mapping[str, Any]) -> str:
    """Long name of the chart type, e.g. ``"U chart"``."""
    chart = str(options.get("chart") or "run")
    kind = CHART_TYPES.get(chart)
    return kind.title if kind is not None else f"{chart} chart"


def fmt_num(value: float | None) -> str:
    """Format a centre or limit for people: 3 significant figures, thousands separators.

    >>> fmt_num(1234.5), fmt_num(12.345), fmt_num(0.012345), fmt_num(float("nan"))
    ('1,234', '12.3', '0.0123', '-')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    v = float(value)
    if v == 0:
        return "0"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) < 1e-3:
        return f"{v:.2e}"
    # 3 significant figures, no trailing zeros: 4.0 -> '4', 6.754 -> '6.75'.
    return f"{v:.3g}"


def period_of(x: pd.Series) -> str | None:
    """Guess the period of a date series: ``"week"``, ``"month"``, ``"quarter"``, ``"year"``,
    ``"day"`` or ``None`` (not dates, or fewer than two distinct dates).

    >>> period_of(pd.Series(pd.date_range("2024-01-01", periods=6, freq="MS")))
    'month'
    >>> period_of(pd.Series(pd.to_datetime(["2024-01-03", "2024-02-20", "2024-04-02"])))
    'day'
    """
    if not pd.api.types.is_datetime64_any_dtype(x):
        return None
    if getattr(x.dt, "tz", None) is not None:
        x = x.dt.tz_localize(None)  # wall-clock dates, as a reader sees them
    # numpy on the distinct dates (sorted): called for every chart, caption and summary, so
    # no pandas date accessors (a few milliseconds each)
    values = x.to_numpy()
    uniq = np.unique(values[~np.isnat(values)])
    if len(uniq) < 2:
        return None
    step = float(np.median(np.diff(uniq) / np.timedelta64(1, "s"))) / 86400.0
    days = uniq.astype("datetime64[D]")
    months = uniq.astype("datetime64[M]")
    day_of_month = (days - months.astype("datetime64[D]")).astype(np.int64)
    month_end = ((days + 1).astype("datetime64[M]") != months).all()
    # Periods are aligned (every week on one weekday, every month on one day of the month);
    # irregular dates such as the events of a T or G chart are days, whatever their spacing.
    same_day_of_month = bool((day_of_month == day_of_month[0]).all() or month_end)
    if step < 3:
        return "day"
    if step < 15:
        weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday (Monday = 0)
        return "week" if (weekday == weekday[0]).all() else "day"
    if not same_day_of_month:
        return "day"
    if step < 45:
        return "month"
    if step < 120:
        return "quarter"
    return "year"


def fmt_x(value: object, period: str | None = None) -> str:
    """Format one subgroup label for text: ``Mar 2024``, ``Q1 2024``, ``week of 4 Mar 2024``."""
    if isinstance(value, pd.Timestamp | pd.DatetimeTZDtype) or hasattr(value, "strftime"):
        ts = pd.Timestamp(value)
        if period == "month":
            return ts.strftime("%b %Y")
        if period == "quarter":
            return f"Q{ts.quarter} {ts.year}"
        if period == "year":
            return str(ts.year)
        if period == "week":
            return f"week of {ts.day} {ts.strftime('%b %Y')}"
        return f"{ts.day} {ts.strftime('%b %Y')}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def facet_columns(data: pd.DataFrame, options: Mapping[str, Any]) -> list[str]:
    """The facet columns of a result frame (``options["facet"]``, as a list, present in data)."""
    facet = options.get("facet")
    if facet is None:
        return []
    if isinstance(facet, str):
        facet = [facet]
    return [f for f in facet if f in data.columns]


def split_facets(data: pd.DataFrame, options: Mapping[str, Any]) -> list[tuple[Any, pd.DataFrame]]:
    """``[(key, rows), ...]`` in frame order; key is a scalar for one facet column, a tuple for
    several, and ``None`` when the result has no facets."""
    cols = facet_columns(data, options)
    if not cols:
        return [(None, data)]
    by = cols[0] if len(cols) == 1 else cols
    return [(key, rows) for key, rows in data.groupby(by, sort=False, observed=True)]


def facet_title(key: object) -> str:
    """Display text of a facet key (tuples joined with ' / ')."""
    if key is None:
        return ""
    if isinstance(key, tuple):
        return " / ".join(str(k) for k in key)
    return str(key)
