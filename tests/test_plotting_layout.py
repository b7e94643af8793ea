"""Charts as the explorer and its PNG export show them: nothing cut or hidden.

The legend fits the figure, the title wraps rather than running under the Making Data Count
icons, the centre value keeps clear of the points, the HTML legend matches the drawn one, and a
chart redrawn in a kept figure (``LiveChart``) is pixel for pixel the chart drawn afresh.
"""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from spc.interactive import compute, default_settings, draw
from spc.interactive.state import LIVE_FIGSIZE, plot_options
from spc.plotting import LiveChart, legend_html
from spc.plotting._legend import legend_items

CASES = [
    ("AVN-ELM", "falls_per_1000_obd", {}),
    ("DNM-ASH", "falls_per_1000_obd", {}),
    ("DNM-OAK", "vte_risk_assessment_percent", {"target": 97.5}),
    ("BRK-OAK", "days_between_falls_with_harm", {}),
    ("AVN-ELM", "falls_per_1000_obd", {"rules": "mdc", "chart": "i"}),
    ("AVN-ELM", "falls_per_1000_obd", {"chart": "run", "judge_changes": False}),
]


@pytest.fixture(params=CASES, ids=lambda c: "-".join([c[0], c[1], *map(str, c[2].values())]))
def exported(request, example_data):
    team, measure, extra = request.param
    outcome = compute(example_data, default_settings(example_data, team, measure, **extra))
    fig = draw(outcome)
    fig.canvas.draw()
    yield fig
    plt.close(fig)


def test_legend_fits_the_figure(exported):
    fig = exported
    box = fig.bbox
    for legend in fig.legends:
        extent = legend.get_window_extent()
        assert extent.x0 >= box.x0 - 0.5 and extent.x1 <= box.x1 + 0.5, "legend cut at a side"
        assert extent.y0 >= box.y0 - 0.5


def test_title_clear_of_the_icons_and_inside(exported):
    fig = exported
    ax = fig.axes[0]
    title = ax.title if ax.title.get_text() else ax._left_title
    extent = title.get_window_extent()
    assert extent.x1 <= fig.bbox.x1 and extent.y1 <= fig.bbox.y1
    icons = [p.get_window_extent() for p in ax.patches if str(p.get_gid()).startswith("icon:")]
    for icon in icons:
        overlaps = extent.x1 > icon.x0 and extent.y1 > icon.y0 and extent.y0 < icon.y1
        assert not overlaps, f"the title {title.get_text()!r} runs under an icon"


def test_centre_values_clear_of_the_points(exported):
    fig = exported
    ax = fig.axes[0]
    points = np.vstack(
        [
            ax.transData.transform(np.column_stack(line.get_data()).astype(float))
            for line in ax.lines
            if str(line.get_gid()).startswith("points:")
        ]
    )
    radius = 3.5 * fig.dpi / 72
    for label in (t for t in ax.texts if t.get_gid() == "cl_label"):
        if label.get_bbox_patch() is not None:
            continue  # points on both sides: drawn on a white box
        box = label.get_window_extent()
        inside = (
            (points[:, 0] + radius > box.x0)
            & (points[:, 0] - radius < box.x1)
            & (points[:, 1] + radius > box.y0)
            & (points[:, 1] - radius < box.y1)
        )
        assert not inside.any(), f"centre value {label.get_text()} covers a point"


def test_long_title_wraps_instead_of_hiding_the_team(example_data):
    outcome = compute(
        example_data,
        default_settings(example_data, "AVN-ELM", "falls_harm_per_1000_obd", target=0.5),
    )
    fig = draw(outcome)
    ax = fig.axes[0]
    title = ax.get_title(loc="left") or ax.get_title()
    assert "\n" in title and title.endswith("AVN-ELM")
    plt.close(fig)


def test_html_legend_matches_the_drawn_legend(example_data):
    outcome = compute(example_data, default_settings(example_data, "AVN-ELM", "falls_per_1000_obd"))
    fig = draw(outcome)
    drawn = [t.get_text() for t in fig.legends[0].get_texts()]
    ax = fig.axes[0]
    assert [label for label, _ in legend_items(ax)] == drawn
    html = legend_html(ax)
    assert html.count("<li ") == len(drawn) and html.count("<svg") == len(drawn)
    assert 'fill="#fab428"' in html  # the concern point's orange diamond
    plt.close(fig)


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_live_chart_redraws_exactly_as_a_fresh_chart(example_data):
    from spc.interactive.state import figure_bytes

    live = LiveChart(LIVE_FIGSIZE)
    for team, measure, extra in [*CASES, *CASES[:2]]:
        outcome = compute(example_data, default_settings(example_data, team, measure, **extra))
        live.draw(outcome.result, legend=False, icons=False, **plot_options(outcome))
        fresh = draw(outcome, legend=False, icons=False, figsize=LIVE_FIGSIZE)
        expected = _pixels(figure_bytes(fresh, "png", close=True))
        np.testing.assert_array_equal(_pixels(live.png()), expected)
