"""The explorer without widgets: the same verdict, chart, caption and summary as plain output,
for headless runs (papermill, HTML export) where widgets would be blank."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from spc.interactive.panels import summary_html
from spc.interactive.state import ExploreOutcome, compute, default_settings, draw, load_data
from spc.interactive.words import summary_words

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.figure import Figure

__all__ = ["SUMMARY_COLUMNS", "StaticView", "show_static", "static_view", "summary_table"]


@dataclass
class StaticView:
    """What the headless notebook shows: the figure, caption, summary and notes.

    ``summary`` is the result's summary with the columns a fellow reads (machine names, for
    code); ``table`` the same in words, as shown (``spc.interactive.words.summary_words``).
    """

    outcome: ExploreOutcome
    figure: Figure | None
    summary: pd.DataFrame | None
    table: pd.DataFrame | None = None


SUMMARY_COLUMNS = (
    "part",
    "n",
    "cl",
    "a_lcl",
    "a_ucl",
    "longest_run",
    "longest_run_max",
    "n_crossings",
    "n_crossings_min",
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "variation_type",
    "assurance_type",
)


def summary_table(outcome: ExploreOutcome) -> pd.DataFrame | None:
    """The result's summary with the columns a fellow reads (one row per phase)."""
    if outcome.result is None:
        return None
    s = outcome.result.summary()
    return s[[c for c in SUMMARY_COLUMNS if c in s.columns]]


def static_view(
    data: pd.DataFrame | None = None,
    team: str | None = None,
    measure: str | None = None,
    *,
    title: str | None = None,
    **settings: Any,
) -> StaticView:
    """Compute and draw the chart the explorer would show, without widgets; ``title`` replaces
    the chart's title (two charts side by side need different ones); ``settings`` are fields of
    :class:`~spc.interactive.state.ExploreSettings` (``chart``, ``rules``, ``baseline`` ...)."""
    data = load_data(data)
    s = default_settings(data, team, measure, **settings)
    outcome = compute(data, s)
    if title is not None and outcome.ok:
        outcome.title = title
    fig = draw(outcome) if outcome.ok else None
    return StaticView(outcome, fig, summary_table(outcome), summary_words(outcome.result))


def show_static(
    data: pd.DataFrame | None = None,
    team: str | None = None,
    measure: str | None = None,
    *,
    title: str | None = None,
    **settings: Any,
) -> StaticView:
    """Display the verdict, the chart as a plain image, its caption and the summary in words
    (for papermill and HTML hand-outs).

    Plain matplotlib image output and Markdown, no widget state, so an exported HTML page has
    real images that work offline.
    """
    from IPython.display import HTML, Markdown, display

    from spc.plotting import close

    view = static_view(data, team, measure, title=title, **settings)
    o = view.outcome
    if o.verdict:  # the verdict first, as in the reports and the explorer
        display(Markdown(f"**{o.verdict}**"))
    if view.figure is not None:
        display(view.figure)
        close(view.figure)  # displayed once; stops the inline backend showing it again
    display(Markdown(_notes_markdown(o)))
    if view.table is not None:
        display(HTML(summary_html(view.table)))
    return view


def _notes_markdown(o: ExploreOutcome) -> str:
    parts = []
    if o.error:
        parts.append(f"**This chart cannot be drawn:** {o.error}")
    if o.details or o.caption:
        parts.append(o.details if o.verdict else o.caption)
    if o.note:
        parts.append(f"**Note on the chart type:** {o.note}")
    for w in o.warnings:
        parts.append(f"*{w}*")
    return "\n\n".join(parts)
