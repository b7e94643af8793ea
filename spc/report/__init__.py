"""Reports: what a team report and the collaborative overview say (``content``), how a notebook
shows them (``display``) and the collaborative's team x measure grid (``grid``).

The notebooks in ``notebooks/`` import from here and stay thin; the batch renderer
(``spc.render``) uses the same functions, so every output agrees.

>>> data = load_team(None, "AVN-ELM")                                   # doctest: +SKIP
>>> show_team_report(build_team_report(data, "AVN-ELM"))                # doctest: +SKIP
"""

from spc.report.content import (
    DEFAULT_RULES,
    MeasureSection,
    TeamReport,
    available_measures,
    build_team_report,
    collaborative_summary,
    data_files,
    example_files,
    filter_period,
    load_collaborative,
    load_team,
    methods_note,
    summarise_charts,
    sustained_improvement,
    team_charts,
)
from spc.report.display import show_overview, show_team_report
from spc.report.grid import summary_grid, summary_grid_html

__all__ = [
    "DEFAULT_RULES",
    "MeasureSection",
    "TeamReport",
    "available_measures",
    "build_team_report",
    "collaborative_summary",
    "data_files",
    "example_files",
    "filter_period",
    "load_collaborative",
    "load_team",
    "methods_note",
    "show_overview",
    "show_team_report",
    "summarise_charts",
    "summary_grid",
    "summary_grid_html",
    "sustained_improvement",
    "team_charts",
]
