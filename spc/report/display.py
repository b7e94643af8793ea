"""Show a team report or the collaborative overview in a notebook (IPython display).

The thin notebooks call these functions; what they show comes from ``spc.report``. All user
text is HTML-escaped here. Charts are inline SVG in the HTML outputs (no widget state, no
image files), so the exported HTML works offline and prints sharp; with ``interactive=True``
the team report adds the explorer under each chart for use in JupyterLab. Each page is a
sequence of HTML blocks (:func:`team_report_blocks`, :func:`overview_blocks`), so a page can
also be built without a notebook.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from spc.data.chart_settings import ChartSettings, as_chart_settings
from spc.report.content import (
    DEFAULT_RULES,
    MeasureSection,
    TeamReport,
    funnel_measures,
    summarise_charts,
    sustained_improvement,
    team_charts,
)

esc = html.escape

_STYLE = """<style>
.spc-report h1 { color: #005eb8; margin-bottom: .2rem; }
.spc-report .spc-sub { color: #425563; margin-top: 0; }
.spc-report .spc-headline { font-weight: bold; }
.spc-report .spc-caption { max-width: 60rem; }
.spc-report .spc-note { background: #fff9c4; border-left: 4px solid #ffb81c; padding: .5rem 1rem; }
.spc-report table { border-collapse: collapse; }
.spc-report th, .spc-report td { border: 1px solid #aeb7bd; padding: .25rem .5rem; }
.spc-report .spc-grid td, .spc-report .spc-grid tbody th { white-space: nowrap; }
.spc-report .spc-grid thead th { vertical-align: bottom; }
</style>"""


#: This thread's kept figures: a report draws many charts of a few sizes (``LiveChart``,
#: ``LiveFacets``).
_REUSED = threading.local()


def _display(obj: Any) -> None:
    from IPython.display import display

    display(obj)


def _html(text: str) -> None:
    from IPython.display import HTML

    _display(HTML(f'<div class="spc-report">{text}</div>'))


def figure_html(fig: Any, alt: str, close: bool = True) -> str:
    """A figure (small multiples, a funnel plot) as an inline ``<svg role="img">`` whose
    ``aria-label`` is ``alt`` (what a screen reader reads, as an image's alt text); the figure
    is closed unless ``close`` is false (a kept figure's). SVG rather than PNG: about half the
    time to encode, a third of the bytes, sharp at any zoom and in a printed PDF."""
    from spc.plotting import inline_svg

    return inline_svg(fig, alt, close=close)


def small_multiples_html(res: Any, title: str, alt: str) -> str:
    """A measure's small multiples (one panel per team) as :func:`figure_html` shows them,
    drawn into this thread's kept figures (``spc.plotting.LiveFacets``): the overview draws
    one per measure, nearly all of one grid shape, and a kept grid keeps its Axes and ticks
    (the SVG is byte for byte that of a new figure; two fifths less time). The panels' icons
    are the grid's SVG, set into the page (a tenth less time again)."""
    from spc.plotting import LiveFacets, facets_html

    live = _kept("facets", LiveFacets)
    return facets_html(live.draw(res, title=title, icons="page"), alt, close=False)


def funnel_html(latest: pd.DataFrame, alt: str, **options: Any) -> str:
    """A funnel plot of ``latest`` (``spc.plotting.funnel``'s arguments) as
    :func:`figure_html` shows it, drawn into this thread's kept figure: the overview draws one
    per measure (the SVG is byte for byte that of a new figure)."""
    from spc.plotting import LiveChart

    live = _kept("funnel", LiveChart)
    return figure_html(live.draw_funnel(latest, **options).figure, alt, close=False)


def _kept(name: str, make: Callable[[], Any]) -> Any:
    """This thread's kept figure ``name`` (see ``_REUSED``), made by ``make`` on first use."""
    live = getattr(_REUSED, name, None)
    if live is None:
        live = make()
        setattr(_REUSED, name, live)
    return live


def _period_text(report: TeamReport) -> str:
    if not report.sections:
        return ""
    first = min(s.result.data["x"].min() for s in report.sections)
    last = max(s.result.data["x"].max() for s in report.sections)
    return f"{pd.Timestamp(first):%B %Y} to {pd.Timestamp(last):%B %Y}"


def header_html(report: TeamReport) -> str:
    """Team, trust, period and what the report contains (escaped)."""
    trust = f"{esc(report.trust)} &middot; " if report.trust else ""
    return (
        f"{_STYLE}<h1>Patient safety measures: {esc(report.team)}</h1>"
        f'<p class="spc-sub">{trust}{esc(_period_text(report))} &middot; '
        f"{len(report.sections)} measures</p>"
        "<p>Each chart shows this team's own data over time. The question it answers is "
        "whether the process has changed, not how the team compares with others.</p>"
    )


def section_html(section: MeasureSection) -> tuple[str, str]:
    """(heading + headline, caption) HTML for one measure."""
    top = (
        f'<h2 id="{esc(section.measure, quote=True)}">{esc(section.title)}</h2>'
        f'<p class="spc-headline">{esc(section.headline)}</p>'
        f"<p><i>{esc(section.definition)}</i></p>"
    )
    return top, f'<p class="spc-caption">{esc(section.caption)}</p>'


def annotations_for(section: MeasureSection) -> pd.DataFrame | None:
    """The change-log entries of a section as (date, text) rows for the chart, or None."""
    notes = section.annotations
    return notes if notes is not None and len(notes) else None


#: How a report draws a section's chart: the legend and icons are set into the page
#: (``spc.plotting.chart_html``), not drawn by matplotlib.
CHART_OPTIONS: dict[str, Any] = {"legend": False, "icons": "page"}


def section_chart_html(section: MeasureSection) -> str:
    """The section's chart as the page shows it (``spc.plotting.chart_html``), drawn into
    this thread's reused figure (``spc.plotting.LiveChart``): a team report draws many charts
    of one size, and a kept figure reuses its axes, ticks and text measurements (the SVG is
    byte for byte that of a new figure; a third less time)."""
    from spc.plotting import LiveChart, chart_html
    from spc.plotting._style import PAGE_FIGSIZE

    live = _kept("chart", lambda: LiveChart(PAGE_FIGSIZE))
    ax = live.draw(section.result, annotations=annotations_for(section), **CHART_OPTIONS)
    return chart_html(ax, f"{section.title}. {section.caption}")


def section_blocks(section: MeasureSection) -> list[str]:
    """One measure's HTML blocks: heading with headline, the chart, the caption."""
    top, caption = section_html(section)
    return [top, section_chart_html(section), caption]


def _skipped_html(report: TeamReport) -> str:
    if not report.skipped:
        return ""
    return (
        f'<p class="spc-note">Not shown (no data for this team): '
        f"{esc(', '.join(report.skipped))}.</p>"
    )


def team_report_blocks(report: TeamReport) -> Iterator[str]:
    """The HTML of a team report in the pieces the notebook shows, one cell output each: the
    header (with the measures not shown), one piece per measure (heading, chart, caption:
    :func:`section_blocks`), then the data warnings with the methods. Each chart is drawn as
    its piece comes; ``"".join`` gives the page's content.

    A piece per measure rather than per block: a rendered notebook carries a third of the
    outputs, each a message the kernel sends and the renderer checks."""
    yield header_html(report) + _skipped_html(report)
    for section in report.sections:
        yield "".join(section_blocks(section))
    yield data_warnings_html(report.data_warnings) + _methods_html(report)


def _methods_html(report: TeamReport) -> str:
    return f"<h2>Methods</h2><p>{esc(report.methods)}</p>"


def show_team_report(report: TeamReport, interactive: bool = False) -> None:
    """Display a team report (:func:`team_report_blocks`); with ``interactive`` the explorer
    under each chart, for JupyterLab."""
    if not interactive:
        for block in team_report_blocks(report):
            _html(block)
        return
    from spc.interactive import explore

    _html(header_html(report))
    if report.skipped:
        _html(_skipped_html(report))
    for section in report.sections:
        for block in section_blocks(section):
            _html(block)
        _display(
            explore(
                report.data,
                report.team,
                section.measure,
                rules=report.rules,
                chart_settings=report.settings,
            )
        )
    _html(data_warnings_html(report.data_warnings) + _methods_html(report))


def data_warnings_html(warnings: Sequence[str]) -> str:
    """The validation warnings (gaps, small denominators) as an escaped list."""
    if not warnings:
        return "<h2>Data quality</h2><p>The data checks found no gaps or small denominators.</p>"
    items = "".join(f"<li>{esc(w)}</li>" for w in warnings)
    return (
        '<h2>Data quality</h2><p class="spc-note">The data checks raised these warnings. '
        "Charts are still drawn, but read them with these in mind.</p>"
        f"<ul>{items}</ul>"
    )


def grid_html(summary: pd.DataFrame) -> str:
    """Team x measure grid of latest value with variation and assurance icons (escaped)."""
    from spc.report.grid import summary_grid_html

    return f'{_STYLE}<div class="spc-report">{summary_grid_html(summary)}</div>'


def show_overview(
    data: pd.DataFrame,
    measures: Sequence[str] | None = None,
    rules: str = DEFAULT_RULES,
    funnel_period: str | None = None,
    targets: Mapping[str, float] | None = None,
    settings: ChartSettings | str | Path | None = None,
) -> None:
    """Display the collaborative overview: grid, small multiples per measure, funnel plots for
    the latest period, and which teams show sustained improvement since their first change
    (:func:`overview_blocks`).

    ``targets`` (by measure id) and each team's chart ``settings`` are applied as in the team
    reports, so the grid, the small multiples and the reports agree."""
    for block in overview_blocks(data, measures, rules, funnel_period, targets, settings):
        _html(block)


#: Above this many teams a measure's small multiples would be panels too small to read (and
#: minutes to draw: 1,000 teams x 17 measures); the overview then counts the verdicts instead
#: and each chart stays in its team's report.
SMALL_MULTIPLES_MAX_TEAMS = 60


def _verdict_counts_html(rows: pd.DataFrame) -> str:
    """How many teams have each verdict on one measure (in the grid's words), for an overview
    of more teams than small multiples can show."""
    from spc.text.verdicts import VARIATION_TYPE_WORDS

    counts = rows["variation_type"].value_counts()
    order = [v for v in VARIATION_TYPE_WORDS if v in counts.index]
    counts = counts.reindex(order + [v for v in counts.index if v not in order])
    items = "".join(
        f"<li>{esc(VARIATION_TYPE_WORDS.get(v, str(v)))}: {int(n)} team{'s' if n != 1 else ''}</li>"
        for v, n in counts.items()
    )
    return (
        f"<p>{len(rows)} teams chart this measure: too many for one small chart per team "
        f"(the overview draws them for up to {SMALL_MULTIPLES_MAX_TEAMS} teams). Each team's "
        "chart is in its report, and its verdict in the grid above. The verdicts:</p>"
        f"<ul>{items}</ul>"
    )


def overview_blocks(
    data: pd.DataFrame,
    measures: Sequence[str] | None = None,
    rules: str = DEFAULT_RULES,
    funnel_period: str | None = None,
    targets: Mapping[str, float] | None = None,
    settings: ChartSettings | str | Path | None = None,
) -> Iterator[str]:
    """The HTML blocks of the collaborative overview in order (see :func:`show_overview`),
    each chart drawn as its block comes."""
    from spc.data.catalogue import get_measure
    from spc.text.labels import humanise

    settings = as_chart_settings(settings)
    charts = team_charts(data, measures, rules, targets, settings)  # computed once, shown twice
    summary = summarise_charts(charts)
    chosen = list(dict.fromkeys(summary["measure"]))
    teams = summary["team"].nunique()
    yield (
        f'{_STYLE}<h1>Collaborative overview</h1><p class="spc-sub">{teams} teams &middot; '
        f"{len(chosen)} measures</p><p>The grid shows each team's latest value with its "
        "variation icon (has the process changed?) and, where there is a target, its assurance "
        "icon (will it meet the target?). It is not a league table: compare each team with its "
        "own past, and use the funnel plots below to see which differences are larger than "
        "chance.</p>"
    )
    yield grid_html(summary)
    for m_id in chosen:
        m = get_measure(m_id)
        yield f"<h2>{esc(m.title)}</h2>"
        rows = summary[summary["measure"] == m_id]
        if len(rows) > SMALL_MULTIPLES_MAX_TEAMS:
            yield _verdict_counts_html(rows)
            continue
        yield small_multiples_html(
            charts[m_id], m.title, f"{m.title}: one small chart per team, {m.unit}"
        )
    funnel_ids = funnel_measures(chosen)
    if funnel_ids:
        yield (
            "<h2>Funnel plots: the latest month</h2><p>Each dot is a team; the funnels show "
            "how far a team can be from the collaborative's average by chance alone (95% "
            "and 99.8% limits). Teams outside the 99.8% funnel are worth a conversation, "
            "not a ranking.</p>"
        )
    for m_id in funnel_ids:
        m = get_measure(m_id)
        rows = data[(data["measure"] == m_id) & data["value"].notna()]
        month = pd.Timestamp(funnel_period) if funnel_period else rows["period"].max()
        latest = rows[rows["period"] == month]
        if latest["team"].nunique() < 3:
            continue
        yield funnel_html(
            latest,
            f"Funnel plot of {m.title} by team, {month:%B %Y}",
            y="numerator",
            n="denominator",
            label="team",
            chart=m.chart,
            multiply=m.multiplier,
            title=f"{m.title}, {month:%B %Y}",
            units=m.unit,
            improvement=m.improvement,
            xlab=f"Denominator: {humanise(' + '.join(m.denominator))}",
        )
    sustained = sustained_improvement(data, chosen, rules, settings=settings, charts=charts)
    if len(sustained):
        table = sustained[
            ["team", "title", "first_change", "change", "points_after", "verdict"]
        ].rename(
            columns={
                "team": "Team",
                "title": "Measure",
                "first_change": "Change from",
                "change": "Change",
                "points_after": "Months since",
                "verdict": "Verdict",
            }
        )
        yield (
            "<h2>Sustained improvement since each team's first change</h2>"
            "<p>Each team's first change for a measure's topic is judged against the months "
            "before it (its baseline). A sustained improvement is a level since the change "
            "that is better than the baseline by more than chance allows, not a single good "
            "month; measures with too few events are not judged this way.</p>"
            + table.to_html(index=False, escape=True, border=0)
        )
