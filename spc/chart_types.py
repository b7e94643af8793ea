"""The one table of chart types: what every part of safety-spc needs to know about each chart.

The engine's limit functions (``spc.engine.limits.CHARTS``) are keyed by this table; the data
checks, the catalogue, the labels, the captions, the explorer's advice, the funnel plots and the
reports read the facts below from it and keep no lists of their own. Adding a chart type means
a row here and a limits function in ``spc.engine.limits`` (see ``docs/architecture.md``).

``kind`` says what the plotted value is:

==============  ==========================================================================
count           a count of events per subgroup (C chart)
rate            a count per unit of a denominator, e.g. falls per 1,000 bed days (U, U')
proportion      a part of a whole, e.g. patients assessed of patients admitted (P, P')
event           one point per rare event: time or cases since the previous one (T, G)
continuous      a measurement, or any value without a denominator (run, I, I', X-bar, S)
moving_range    the difference between consecutive values (MR)
==============  ==========================================================================

>>> CHART_TYPES["u"].title, CHART_TYPES["u"].needs_n
('U chart', True)
>>> sorted(name for name, t in CHART_TYPES.items() if t.kind == "event")
['g', 't']
"""

from __future__ import annotations

from dataclasses import dataclass

from spc.errors import SPCError

__all__ = ["CHART_KINDS", "CHART_TYPES", "ChartType", "chart_type", "charts_where"]

#: The kinds of plotted value (see the module docstring).
CHART_KINDS = ("count", "rate", "proportion", "event", "continuous", "moving_range")


@dataclass(frozen=True)
class ChartType:
    """One chart type and everything the library knows about it.

    ``title``: the long name in titles and captions. ``kind``: what the plotted value is (one
    of :data:`CHART_KINDS`). ``negative_y_is_error``: y counts events, so a negative value is a
    data error. ``has_limits``: control limits are drawn (all but the run chart). ``runs_rules``:
    the runs analysis and run-type rules apply (not to the moving range, whose points overlap).
    ``catalogue_column``: the kind of data column (``count`` or ``amount``) a catalogue
    measure with this chart reads from a template. ``funnel``: the funnel-plot family (``"u"``
    for rates, ``"p"`` for proportions), or None when a funnel plot does not apply.
    ``y_must_be_positive``: a y of zero or less is a data error (a time between events).
    ``unit``: the unit of y when the chart type fixes it. ``y_words``: what is plotted, from
    the y column's words (``"moving range of {y}"``). ``centre_word``: the centre line in
    captions. ``warn_when_mostly_zero``: captions warn that rules mislead when most points are
    zero; the G chart is the chart for rare events itself and is deliberately left out (as are
    T and the continuous charts), so its captions never suggest charting time between events.
    """

    name: str
    title: str
    kind: str
    negative_y_is_error: bool = False
    has_limits: bool = True
    runs_rules: bool = True
    catalogue_column: str = "count"
    funnel: str | None = None
    y_must_be_positive: bool = False
    unit: str | None = None
    y_words: str = "{y}"
    centre_word: str = "mean"
    warn_when_mostly_zero: bool = False

    @property
    def needs_n(self) -> bool:
        """The chart needs a denominator ``n`` (rates and proportions)."""
        return self.kind in ("rate", "proportion")

    @property
    def one_point_per_event(self) -> bool:
        """Each point is one event on its own date (T and G charts), not a period."""
        return self.kind == "event"


#: Every chart type, in the order the engine documents them.
CHART_TYPES: dict[str, ChartType] = {
    t.name: t
    for t in (
        ChartType(
            "run",
            "run chart",
            "continuous",
            has_limits=False,
            catalogue_column="amount",
            centre_word="median",
        ),
        ChartType("i", "I chart (XmR)", "continuous", catalogue_column="amount"),
        ChartType("ip", "I' chart (Laney)", "continuous", catalogue_column="amount"),
        ChartType(
            "mr",
            "moving range chart",
            "moving_range",
            runs_rules=False,
            catalogue_column="amount",
            y_words="moving range of {y}",
        ),
        ChartType(
            "xbar", "X-bar chart", "continuous", catalogue_column="amount", y_words="mean {y}"
        ),
        ChartType(
            "s",
            "S chart",
            "continuous",
            catalogue_column="amount",
            y_words="standard deviation of {y}",
        ),
        ChartType(
            "t",
            "T chart (time between events)",
            "event",
            y_must_be_positive=True,
            unit="days between events",
        ),
        ChartType(
            "p",
            "P chart",
            "proportion",
            negative_y_is_error=True,
            funnel="p",
            warn_when_mostly_zero=True,
        ),
        ChartType(
            "pp",
            "P' chart (Laney)",
            "proportion",
            negative_y_is_error=True,
            funnel="p",
            warn_when_mostly_zero=True,
        ),
        ChartType(
            "c",
            "C chart",
            "count",
            negative_y_is_error=True,
            unit="count",
            warn_when_mostly_zero=True,
        ),
        ChartType(
            "u",
            "U chart",
            "rate",
            negative_y_is_error=True,
            funnel="u",
            warn_when_mostly_zero=True,
        ),
        ChartType(
            "up",
            "U' chart (Laney)",
            "rate",
            negative_y_is_error=True,
            funnel="u",
            warn_when_mostly_zero=True,
        ),
        ChartType(
            "g",
            "G chart (opportunities between events)",
            "event",
            negative_y_is_error=True,
            unit="opportunities between events",
        ),
    )
}


def chart_type(name: str) -> ChartType:
    """The :class:`ChartType` called ``name``; unknown names raise listing the valid ones."""
    try:
        return CHART_TYPES[name]
    except (KeyError, TypeError):
        valid = ", ".join(sorted(CHART_TYPES))
        raise SPCError(f"unknown chart {name!r}; valid charts are: {valid}") from None


def charts_where(**facts: object) -> frozenset[str]:
    """Names of the chart types whose attributes equal ``facts``.

    >>> sorted(charts_where(needs_n=True))
    ['p', 'pp', 'u', 'up']
    """
    return frozenset(
        name
        for name, t in CHART_TYPES.items()
        if all(getattr(t, key) == value for key, value in facts.items())
    )
