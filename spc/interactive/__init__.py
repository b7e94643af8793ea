"""The interactive explorer and teaching widgets, for JupyterLab.

``explore()`` (``app``) is the widget; everything it computes is a plain function over an
:class:`ExploreSettings` (``state``: settings, compute, what-if; ``words``: notes, warnings and
the summary in people's words; ``panels``: their HTML; ``exports``: change log and chart
settings files; ``static``: the same view without widgets), tested without widgets;
``layout`` places the widgets. ``teaching`` has the teaching notebooks' helpers (folded answers,
the shift slider and its words, the rare-events comparison).

>>> box = spc.explore(team="AVN-ELM", measure="falls_per_1000_obd")   # doctest: +SKIP
"""

from spc.interactive.app import explore
from spc.interactive.exports import changes_frame, write_changes, write_settings
from spc.interactive.state import (
    CHANGES_COLUMNS,
    SETTINGS_FILE,
    ExploreOutcome,
    ExploreSettings,
    WhatIf,
    chart_note,
    compute,
    default_settings,
    draw,
    qic_overrides,
    what_if,
)
from spc.interactive.static import StaticView, show_static, static_view
from spc.interactive.teaching import funnel_chart, shift_example, shift_slider

__all__ = [
    "CHANGES_COLUMNS",
    "SETTINGS_FILE",
    "ExploreOutcome",
    "ExploreSettings",
    "StaticView",
    "WhatIf",
    "changes_frame",
    "chart_note",
    "compute",
    "default_settings",
    "draw",
    "explore",
    "funnel_chart",
    "qic_overrides",
    "shift_example",
    "shift_slider",
    "show_static",
    "static_view",
    "what_if",
    "write_changes",
    "write_settings",
]
