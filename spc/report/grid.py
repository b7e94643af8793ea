"""The collaborative's team x measure grid: latest value, variation and assurance icons.

Two renderings of one table (``spc.report.content.collaborative_summary``): a styled pandas
DataFrame for notebooks and an HTML string for reports. Icons are inline SVG
(``spc.text.icons``), so the HTML
needs no image files and no script; every text is escaped. Computation only: no matplotlib.

>>> grid = summary_grid(collaborative_summary(data))          # doctest: +SKIP
>>> html = summary_grid_html(collaborative_summary(data))     # doctest: +SKIP
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import pandas as pd

from spc.data.catalogue import load_catalogue
from spc.engine.mdc import assurance_icon
from spc.text.icons import icon_svg
from spc.text.labels import fmt_num


def _cell(row: Mapping[str, Any], icon_size: int) -> str:
    icons = icon_svg(row["variation"], size=icon_size)
    if isinstance(row.get("assurance"), str):
        icons += icon_svg(assurance_icon(row["assurance"]), size=icon_size)
    value = f'<span class="spc-value">{html.escape(fmt_num(row["latest_value"]))}</span> {icons}'
    verdict = row.get("verdict")
    if isinstance(verdict, str) and verdict:
        # the verdict's sentence on hover and for screen readers, as the caption starts
        return f'<span title="{html.escape(verdict, quote=True)}">{value}</span>'
    return value


def summary_grid(summary: pd.DataFrame, icon_size: int = 22) -> pd.io.formats.style.Styler:
    """Team x measure grid (rows teams, columns measure titles) as a styled DataFrame.

    Each cell holds the latest value and its icons as HTML, so the Styler renders them in
    notebooks; the index and header texts are escaped by the Styler.
    """
    cells = summary.assign(cell=[_cell(r, icon_size) for r in summary.to_dict("records")])
    grid = cells.pivot_table(
        index="team", columns="title", values="cell", aggfunc="first", sort=False
    ).fillna("-")
    grid = grid[list(dict.fromkeys(summary["title"]))]
    grid.index.name, grid.columns.name = "Team", None
    return (
        grid.style.format(escape=None)
        .format_index(escape="html", axis=0)
        .format_index(escape="html", axis=1)
        .set_table_attributes('class="spc-grid"')
    )


#: Topic headings of the grid (other topics are written out from their id).
TOPIC_TITLES = {
    "falls": "Falls",
    "pressure_ulcers": "Pressure ulcers",
    "vte": "Venous thromboembolism (VTE)",
    "harm_free_care": "Harm-free care",
}


def _catalogue_order(measures: list[str]) -> list[str]:
    """``measures`` in catalogue order (the headline measure of each topic first); measures the
    catalogue does not know keep their order at the end."""
    order = {m: i for i, m in enumerate(load_catalogue())}
    return sorted(measures, key=lambda m: order.get(m, len(order)))


def _topic_of(measure_id: str) -> str:
    """The catalogue topic of a measure, or "" for a measure the catalogue does not know."""
    m = load_catalogue().get(measure_id)
    return m.topic if m is not None else ""


def summary_grid_html(summary: pd.DataFrame, icon_size: int = 22, by_topic: bool = True) -> str:
    """The same grid as self-contained, escaped HTML: with ``by_topic`` (and measures of more
    than one topic) one table per topic under its heading, so that a collaborative's fifteen
    measures fit a page (and a printed PDF) instead of one table too wide for either."""
    measures = _catalogue_order(list(dict.fromkeys(summary["measure"])))
    groups: dict[str, list[str]] = {}
    for m in measures:
        groups.setdefault(_topic_of(m) if by_topic else "", []).append(m)
    # every cell from the summary's records once (a .loc per cell took 24 s at 1,000 teams)
    cells = {(r["team"], r["measure"]): _cell(r, icon_size) for r in summary.to_dict("records")}
    teams = sorted(summary["team"].unique())
    titles = dict(zip(summary["measure"], summary["title"], strict=False))
    if len(groups) == 1:
        return _grid_table(cells, teams, titles, measures)
    return "".join(
        f'<h3 class="spc-grid-topic">'
        f"{html.escape(TOPIC_TITLES.get(topic, topic.replace('_', ' ').capitalize()))}</h3>"
        f"{_grid_table(cells, teams, titles, ids)}"
        for topic, ids in groups.items()
    )


def _grid_table(
    cells: Mapping[tuple[Any, str], str],
    teams: list[Any],
    titles: Mapping[str, str],
    measures: list[str],
) -> str:
    """One table: a row per team, a column per measure (``-`` where a team has no chart)."""
    head = "".join(f"<th>{html.escape(titles[m])}</th>" for m in measures)
    body = []
    for team in teams:
        row = "".join(
            f"<td>{cells[team, m]}</td>" if (team, m) in cells else "<td>-</td>" for m in measures
        )
        body.append(f"<tr><th>{html.escape(str(team))}</th>{row}</tr>")
    return (
        '<table class="spc-grid"><thead><tr><th>Team</th>'
        f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
