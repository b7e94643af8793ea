"""Charts, tested without human eyes: what was drawn (artists, their data, labels), that the
plotted values equal the computed frame, deterministic files, and a few baseline images.

Baseline images live in tests/baseline_images; regenerate them after a deliberate change of
the house style with ``SPC_UPDATE_BASELINES=1 pytest tests/test_plotting.py -k baseline``
and look at them before committing.
"""

from __future__ import annotations

import contextlib
import html
import io
import os
import re
import threading
import warnings
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.testing.compare import compare_images

import spc
from spc.engine.mdc import ASSURANCE_ICONS, VARIATION_ICONS
from spc.plotting import draw_icon, funnel, plot, plot_facets, save
from spc.report.grid import summary_grid, summary_grid_html
from spc.text.icons import ASSURANCE_ICON_TEXT, VARIATION_ICON_TEXT, icon_svg
from spc.text.labels import fmt_num

pytestmark = pytest.mark.filterwarnings("ignore::spc.SPCWarning")
BASELINES = Path(__file__).parent / "baseline_images"
TOLERANCE = 2  # RMS, as plotnine uses: same fonts (DejaVu ships with matplotlib), same DPI


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def ward_frame(chart: str, seed: int = 4) -> pd.DataFrame:
    """36 months with a drop from month 25, so most charts show signals."""
    rng = np.random.default_rng(seed)
    months = pd.date_range("2021-04-01", periods=36, freq="MS")
    rows = 4 if chart in ("xbar", "s") else 1
    month = np.repeat(months, rows)
    n = rng.integers(600, 900, month.size).astype(float)
    late = np.repeat(np.arange(36) >= 24, rows)
    if chart in ("p", "pp"):
        y = rng.binomial(n.astype(int), np.where(late, 0.12, 0.2)).astype(float)
    elif chart in ("t", "g"):
        y = rng.exponential(np.where(late, 40, 15)).round(1) + 1
    elif chart in ("u", "up", "c"):
        y = rng.poisson(n * np.where(late, 0.003, 0.007)).astype(float)
    else:
        y = rng.normal(np.where(late, 42, 50), 4).round(2)
    return pd.DataFrame({"month": month, "y": y, "n": n})


def result(chart: str, **kwargs) -> spc.QICResult:
    n = "n" if chart in ("u", "up", "p", "pp", "ip") else None
    return spc.qic(
        ward_frame(chart),
        x="month",
        y="y",
        n=n,
        chart=chart,
        multiply=100 if chart in ("p", "pp") else 1,
        **kwargs,
    )


def title(ax) -> str:
    return ax.get_title(loc="left") or ax.get_title()


def lines(ax, gid: str) -> list:
    return [ln for ln in ax.get_lines() if ln.get_gid() == gid]


def drawn_y(ax, gid: str) -> np.ndarray:
    """Finite y values of the lines with ``gid`` (limits are drawn as steps: 2 per point)."""
    ys = np.concatenate([ln.get_ydata().astype(float) for ln in lines(ax, gid)] or [[]])
    return np.unique(np.round(ys[np.isfinite(ys)], 9))


def marked_x(ax, prefix: str) -> np.ndarray:
    xs = [ln.get_xdata() for ln in ax.get_lines() if str(ln.get_gid()).startswith(prefix)]
    return np.sort(np.concatenate(xs)) if xs else np.array([])


@pytest.mark.parametrize("chart", sorted(spc.CHARTS))
def test_what_is_drawn_for_every_chart_type(chart: str) -> None:
    res = result(chart, improvement="decrease", target=None)
    d = res.data
    ax = plot(res)
    # centre line and limits: the plotted values are the frame's values
    assert np.allclose(drawn_y(ax, "cl"), np.unique(np.round(d["cl"].dropna(), 9)))
    for gid in ("ucl", "lcl"):
        expected = np.unique(np.round(d[gid].dropna(), 9))
        assert np.allclose(drawn_y(ax, gid), expected), gid
        if chart == "run":
            assert lines(ax, gid) == []
    # every point is drawn once, as a marker of its category
    n_points = int(np.isfinite(d["y"]).sum())
    marker_points = sum(
        len(ln.get_xdata()) for ln in ax.get_lines() if str(ln.get_gid()).startswith("points:")
    )
    assert marker_points == len(d) and n_points <= len(d)
    # points outside the limits carry the diamond, run signals the square
    outside = d[[c for c in d if c in ("rule_sigma",)]].any(axis=1).to_numpy()
    assert len(marked_x(ax, "points:outside")) == int(outside.sum())
    for ln in ax.get_lines():
        gid = str(ln.get_gid())
        if gid.startswith("points:outside"):
            assert ln.get_marker() == "D"
        elif gid.startswith("points:run"):
            assert ln.get_marker() == "s"
        elif gid.startswith("points:common"):
            assert ln.get_marker() == "o"
    assert title(ax) and ax.get_xlabel() and ax.get_ylabel()


def test_plotted_data_equal_the_computed_frame() -> None:
    res = result("u", part=[pd.Timestamp("2023-04-01")], improvement="decrease")
    ax = plot(res)
    data_lines = lines(ax, "data")
    assert len(data_lines) == 2  # one line per phase, with a gap between phases
    plotted = np.concatenate([ln.get_ydata() for ln in data_lines]).astype(float)
    np.testing.assert_array_equal(plotted, res.data["y"].to_numpy())
    dates = np.concatenate([ln.get_xdata() for ln in data_lines]).astype(float)
    np.testing.assert_allclose(dates, matplotlib.dates.date2num(res.data["x"]))


def test_signals_use_shape_and_colour() -> None:
    res = result("u", improvement="decrease", rules="ihi")  # the drop makes a shift
    ax = plot(res)
    d = res.data
    improved = d["point_type"] == "special_cause_improvement"
    assert improved.any()
    blue = [ln for ln in ax.get_lines() if str(ln.get_gid()).endswith(":improvement")]
    assert sum(len(ln.get_xdata()) for ln in blue) == int(improved.sum())
    assert all(ln.get_marker() in ("D", "s") for ln in blue)  # never colour alone


def test_excluded_points_are_hollow_and_frozen_limits_dashed() -> None:
    res = result("i", exclude=[pd.Timestamp("2021-09-01")], freeze=12)
    ax = plot(res)
    (hollow,) = [ln for ln in ax.get_lines() if str(ln.get_gid()).startswith("points:excluded")]
    assert hollow.get_markerfacecolor() in ("white", (1.0, 1.0, 1.0, 1.0))
    styles = [ln.get_linestyle() for ln in lines(ax, "ucl")]
    assert styles[0] == "-" and any(s != "-" for s in styles[1:])  # solid, then dashed


def test_annotations_are_numbered_and_in_the_legend() -> None:
    res = result("u")
    notes = pd.DataFrame(
        {
            "date": pd.to_datetime(["2022-01-01", "2023-04-01"]),
            "text": ["PDSA 1: huddles", "PDSA 2: bay tagging"],
        }
    )
    ax = plot(res, annotations=notes)
    numbers = [t.get_text() for t in ax.texts if t.get_gid() == "annotation"]
    assert numbers == ["1", "2"]
    legend = ax.figure.legends[0]
    assert "1. PDSA 1: huddles" in [t.get_text() for t in legend.get_texts()]


def test_a_page_chart_has_its_icons_in_the_svg_and_its_legend_as_html() -> None:
    """``icons="page"`` + ``chart_html`` (the reports): the same icons and legend entries as a
    chart drawn for a file, but the icons are SVG groups set where the chart left room for them
    (inside the image, above the plot's top-right corner) and the legend is an HTML list."""
    from spc.plotting import chart_html

    res = result("p", target=15.0, improvement="decrease")
    notes = [(pd.Timestamp("2023-04-01"), "PDSA 1: <bay> tagging")]
    ax = plot(res, legend=False, icons="page", annotations=notes, figsize=(8, 4))
    assert ax.figure.legends == [] and not [p for p in ax.patches if p.get_gid()]
    page = chart_html(ax, "A p chart")
    svg = page[page.index("<svg") : page.index("</svg>") + len("</svg>")]
    assert page.count("<svg") == page.count("</svg>")
    labels = re.findall(r'<g class="spc-icon" transform="translate\(([\d.]+) ([\d.]+)\) '
                        r'scale\(([\d.]+)\)" role="img" aria-label="([^"]*)"', svg)  # fmt: skip
    keys = spc.mdc_icons(res)["icon"].tolist()
    texts = VARIATION_ICON_TEXT | ASSURANCE_ICON_TEXT
    assert [label for *_, label in labels] == [texts[k] for k in keys] and len(keys) == 2
    plot_top = (1 - ax.get_position().y1) * 4 * 72  # points from the image's top
    for left, top, scale, _ in labels:
        size = float(scale) * 100
        assert 0 <= float(left) and float(left) + size <= 8 * 72  # inside the image
        assert 0 <= float(top) and float(top) + size <= plot_top + 0.1  # above the plot
    legend = page[page.index('<ul class="spc-legend"') :]
    drawn = plot(res, annotations=notes)  # the same chart for a file: legend by matplotlib
    assert [t.get_text() for t in drawn.figure.legends[0].get_texts()] == [
        html.unescape(text) for text in re.findall(r"<span>([^<]*)</span>", legend)
    ]
    assert "1. PDSA 1: &lt;bay&gt; tagging" in legend
    with pytest.raises(spc.SPCError, match="icons='pages'"):
        plot(res, icons="pages")


def test_page_small_multiples_have_each_panels_icons_where_matplotlib_draws_them() -> None:
    """``plot_facets(icons="page")`` + ``facets_html`` (the overview): every panel's icons, in
    order, as SVG groups exactly where the same figure drawn for a file has them."""
    from spc.plotting import facets_html

    data = spc.load_example()
    res = spc.chart_measure(data, "falls_per_1000_obd")
    drawn = plot_facets(res)  # for a file: icons drawn by matplotlib
    dpi = drawn.dpi
    expected = []
    for ax in drawn.axes:
        for ring in (p for p in ax.patches if (p.get_gid() or "").startswith("icon:")):
            box = ring.get_data_transform()  # the icon's 0-1 box, without the circle's own
            (x0, y0), (x1, _y1) = box.transform([(0, 0), (1, 1)]) / dpi
            expected.append((ring.get_gid().removeprefix("icon:"), x0, y0, x1 - x0))
    plt.close(drawn)
    fig = plot_facets(res, icons="page")
    assert not [p for ax in fig.axes for p in ax.patches if p.get_gid()]  # none drawn
    assert len(expected) >= len(fig.axes) >= 12
    assert [k for k, *_ in fig._spc_icons] == [k for k, *_ in expected]
    assert np.allclose([place for _, *place in fig._spc_icons], [p for _, *p in expected])
    page = facets_html(fig, "Falls by team")
    texts = VARIATION_ICON_TEXT | ASSURANCE_ICON_TEXT
    labels = re.findall(r'<g class="spc-icon" [^>]* aria-label="([^"]*)"', page)
    assert labels == [html.escape(texts[k]) for k, *_ in expected]
    assert page.count("<svg") == 1 and page.rstrip().endswith("</svg>")
    with pytest.raises(spc.SPCError, match="icons='pages'"):
        plot_facets(res, icons="pages")


def test_target_line_and_mdc_icons() -> None:
    res = result("p", target=15.0, improvement="decrease")
    ax = plot(res)
    assert np.allclose(drawn_y(ax, "target"), [15.0])
    icons = [
        p.get_gid().removeprefix("icon:")
        for p in ax.patches
        if (p.get_gid() or "").startswith("icon:")
    ]
    assert icons == spc.mdc_icons(res)["icon"].tolist()  # variation, then assurance
    assert not ax.child_axes  # drawn into the chart itself, no extra Axes


def test_catalogue_titles_and_units(tmp_path) -> None:
    data = spc.load_example()
    res = spc.chart_measure(data, "falls_per_1000_obd", team="AVN-ELM")
    ax = plot(res)
    assert title(ax).startswith("Inpatient falls per 1,000 occupied bed days: U chart")
    assert ax.get_ylabel().replace("\n", " ") == "Falls per 1,000 occupied bed days"


def test_svg_is_byte_identical_and_png_deterministic() -> None:
    outs = []
    for _ in range(2):
        for fmt in ("svg", "png"):
            buf = io.BytesIO()
            save(plot(result("u", improvement="decrease")), buf, format=fmt, close=True)
            outs.append(buf.getvalue())
    assert outs[0] == outs[2] and outs[1] == outs[3]
    assert b"<title>" in outs[0] or b"dc:title" in outs[0]


def test_inline_svg_text_sizes_kept_across_saves_change_no_byte(monkeypatch) -> None:
    """``inline_svg`` measures text from a cache kept across saves: every chart's SVG is byte
    for byte what matplotlib's own measuring gives (charts of several kinds, small multiples
    and a text with mathematics), and matplotlib's method is back after every save, whether
    saves run one after another, overlap in threads or fail."""
    from matplotlib.backends.backend_svg import RendererSVG

    from spc.plotting import _inline, inline_svg

    own = RendererSVG.get_text_width_height_descent

    def charts() -> list:
        res = spc.qic(
            pd.concat([ward_frame("u").assign(w=w) for w in "AB"]),
            x="month", y="y", n="n", chart="u", facet="w",
        )  # fmt: skip
        ax = plot(result("p", target=15.0, improvement="decrease"), title="p chart, $\\alpha$")
        return [plot(result("c")).figure, ax.figure, plot_facets(res)]

    kept = [inline_svg(fig, "chart") for fig in charts()]
    assert RendererSVG.get_text_width_height_descent is own
    monkeypatch.setattr(_inline, "_text_sizes_kept", contextlib.nullcontext)
    measured = [inline_svg(fig, "chart") for fig in charts()]
    assert kept == measured
    monkeypatch.undo()
    # saves overlapping in threads (matplotlib itself does not draw safely in threads, so the
    # saves are stood in for by their measuring contexts): back once the last one ends
    inside = threading.Barrier(4)

    def save() -> bool:
        with _inline._text_sizes_kept():
            inside.wait()
            swapped = RendererSVG.get_text_width_height_descent is not own
            inside.wait()
        return swapped

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(lambda _: save(), range(4)))
    assert RendererSVG.get_text_width_height_descent is own
    broken = plot(result("c")).figure
    broken.savefig = None  # saving fails
    with pytest.raises(TypeError):
        inline_svg(broken, "chart")
    assert RendererSVG.get_text_width_height_descent is own
    plt.close(broken)


def test_date_ticks_are_worked_out_once_per_view() -> None:
    """``OncePerView``: the ticks of the calendar locator it wraps, for every view, worked out
    once per view in a save (matplotlib asks three times) and again when the view changes."""
    import matplotlib.dates as mdates

    from spc.plotting._axes import OncePerView

    calls = []

    class Counted(mdates.MonthLocator):
        def __call__(self):
            calls.append(tuple(self.axis.get_view_interval()))
            return super().__call__()

    ax = plot(result("u"))  # a monthly chart: its x axis holds dates
    inner = Counted(bymonth=range(1, 13, 3))
    ax.xaxis.set_major_locator(OncePerView(inner))
    reference = mdates.MonthLocator(bymonth=range(1, 13, 3))
    reference.set_axis(ax.xaxis)
    views = [("2021-01-01", "2023-12-31"), ("2021-06-15", "2022-02-01"), ("2022-01", "2026-01")]
    for lo, hi in views:
        ax.set_xlim(pd.Timestamp(lo), pd.Timestamp(hi))
        calls.clear()
        save(ax, io.StringIO(), format="svg", close=False)
        assert len(set(calls)) == len(calls) == 1  # once, for this view
        assert np.array_equal(ax.xaxis.get_major_locator()(), reference())
    plt.close(ax.figure)


def test_kept_small_multiples_match_new_ones_shared_y_and_categories() -> None:
    """``LiveFacets`` beyond the overview's grids: panels on one y scale, a chart of
    categories (no dates) after charts of months and back, and fewer panels than the grid
    holds; every SVG byte for byte a new figure's."""
    from spc.plotting import LiveFacets, inline_svg

    def faceted(wards: int, seed: int) -> object:
        frames = [ward_frame("u", seed=seed + k).assign(ward=f"W{k}") for k in range(wards)]
        return spc.qic(pd.concat(frames), x="month", y="y", n="n", chart="u", facet="ward")

    months = [faceted(4, 0), faceted(3, 10), faceted(4, 20)]
    units = [f"Unit {i:02d}" for i in range(12)]
    sites = pd.concat(
        [ward_frame("c", seed=k).head(12).assign(unit=units, site=s) for k, s in enumerate("ABC")]
    )
    categories = spc.qic(sites, x="unit", y="y", chart="c", facet="site")  # 3 panels, as months[1]
    live = LiveFacets()
    for res, options in [
        (months[0], {}),
        (months[1], {"sharey": True}),
        (categories, {}),
        (months[2], {}),
        (months[0], {"sharey": True}),
        (months[1], {}),
        (categories, {"icons": "page"}),
    ]:
        fresh = inline_svg(plot_facets(res, **options), "panels", close=True)
        assert inline_svg(live.draw(res, **options), "panels", close=False) == fresh, options


def test_importing_and_plotting_leave_rcparams_alone() -> None:
    before = dict(matplotlib.rcParams)
    plot(result("c"))
    plot_facets(
        spc.qic(
            pd.concat([ward_frame("u").assign(w=w) for w in "AB"]),
            x="month",
            y="y",
            n="n",
            chart="u",
            facet="w",
        )
    )
    after = dict(matplotlib.rcParams)
    assert {k for k in before if before[k] != after[k]} == set()


@pytest.mark.parametrize("wards", [12, 40])
def test_small_multiples(wards: int) -> None:
    frames = [ward_frame("u", seed=s).assign(ward=f"Ward {s:02d}") for s in range(wards)]
    res = spc.qic(
        pd.concat(frames), x="month", y="y", n="n", chart="u", facet="ward", improvement="decrease"
    )
    fig = plot_facets(res)
    titled = [a for a in fig.axes if title(a)]
    assert len(titled) == wards
    assert sorted(title(a) for a in titled)[0].startswith("Ward 00")
    assert len(fig.legends) == 1  # one shared legend


def _rare_events(seed: int, n_events: int) -> pd.DataFrame:
    """Irregular event dates (days between falls with harm) for one ward."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(90, n_events).round() + 1
    dates = pd.Timestamp("2021-04-03") + pd.to_timedelta(gaps.cumsum(), unit="D")
    return pd.DataFrame({"date": dates, "days": gaps})


def test_t_chart_of_few_events_keeps_the_data_readable() -> None:
    """Four events: the upper limit is many times the data. The y axis stops above the data
    and says where the limit is, instead of squashing the points onto the axis."""
    res = spc.qic(_rare_events(1, 4), x="date", y="days", chart="t")
    d = res.data
    assert d["ucl"].max() > 2.5 * d["y"].max()  # the situation this test is about
    ax = plot(res)
    assert ax.get_ylim()[1] < d["ucl"].max() and ax.get_ylim()[1] > d["y"].max()
    legend = [t.get_text() for lg in ax.figure.legends for t in lg.get_texts()]
    label = f"Control limits (3 sigma; upper up to {fmt_num(d['ucl'].max())}, off scale)"
    assert label in legend
    # small multiples: the panel says it (the shared legend cannot)
    fig = plot_facets(
        spc.qic(_rare_events(1, 4).assign(ward="W"), x="date", y="days", chart="t", facet="ward")
    )
    off = [t for a in fig.axes for t in a.texts if t.get_gid() == "ucl_off_scale"]
    assert len(off) == 1 and fmt_num(d["ucl"].max()) in off[0].get_text()
    assert np.allclose(drawn_y(ax, "ucl"), np.unique(np.round(d["ucl"].dropna(), 9)))
    assert ax.get_xlabel() == "Date of event"
    # many events: limits within reach, nothing off the scale
    ax = plot(spc.qic(_rare_events(1, 40), x="date", y="days", chart="t"))
    assert not [t for t in ax.texts if t.get_gid() == "ucl_off_scale"]


def test_small_multiples_of_event_dates_share_one_calendar() -> None:
    frames = [_rare_events(s, 4 + 2 * s).assign(ward=f"W{s}") for s in range(6)]
    res = spc.qic(pd.concat(frames), x="date", y="days", chart="t", facet="ward")
    fig = plot_facets(res, ncols=3)
    panels = [a for a in fig.axes if title(a)]
    assert len({a.get_xlim() for a in panels}) == 1
    ticks = {tuple(a.get_xticks()) for a in panels}
    assert len(ticks) == 1 and 2 <= len(next(iter(ticks))) <= 5  # same, few, readable ticks
    fig.canvas.draw()
    labels = [t.get_text() for t in panels[-1].get_xticklabels()]
    assert all(len(text) <= 4 for text in labels), labels  # years, not crowded months


def test_funnel_plot_marks_and_labels_outliers() -> None:
    df = pd.DataFrame(
        {
            "team": [f"T{i}" for i in range(10)] + ["High"],
            "falls": [5, 6, 4, 5, 7, 5, 6, 4, 5, 6, 30],
            "bed_days": [800, 900, 700, 850, 950, 800, 880, 760, 820, 900, 850],
        }
    )
    ax = funnel(df, "falls", "bed_days", "team", chart="u", multiply=1000, improvement="decrease")
    labels = [t.get_text() for t in ax.texts if t.get_gid() == "outlier_label"]
    assert labels == ["High"]
    (high,) = [ln for ln in ax.get_lines() if ln.get_gid() == "teams:high"]
    assert high.get_marker() == "^" and np.allclose(high.get_ydata(), [30 / 850 * 1000])
    assert lines(ax, "funnel_95") and lines(ax, "funnel_99.8")
    assert np.allclose(
        lines(ax, "target")[0].get_ydata(), df.falls.sum() / df.bed_days.sum() * 1000
    )


@pytest.mark.parametrize("key", VARIATION_ICONS + ASSURANCE_ICONS)
def test_every_icon_draws_and_is_valid_svg(key: str) -> None:
    _, ax = plt.subplots()
    draw_icon(ax, key)
    assert ax.patches or ax.lines or ax.collections
    ET.fromstring(icon_svg(key))  # well-formed XML


def test_summary_grid_escapes_team_names() -> None:
    summary = pd.DataFrame(
        {
            "team": ["<b>Ward</b>", "A&E"],
            "measure": ["m", "m"],
            "title": ["Falls", "Falls"],
            "latest_value": [3.14159, 2.0],
            "variation": ["common_cause", "improvement_low"],
            "assurance": [None, "consistent_pass"],
        }
    )
    html = summary_grid_html(summary)
    assert "&lt;b&gt;Ward&lt;/b&gt;" in html and "A&amp;E" in html and "<b>Ward" not in html
    assert html.count("<svg") == 3 and "3.14" in html
    styled = summary_grid(summary).to_html()
    assert "&lt;b&gt;Ward&lt;/b&gt;" in styled


def test_summary_grid_has_one_table_per_topic() -> None:
    measures = {
        "falls_per_1000_obd": "Falls per 1,000",
        "vte_risk_assessment_percent": "VTE risk assessed",
        "days_between_falls_with_harm": "Days between",
    }
    summary = pd.DataFrame(
        [
            {
                "team": t,
                "measure": m,
                "title": title,
                "latest_value": 1.0,
                "variation": "common_cause",
                "assurance": None,
            }
            for t in ("W1", "W2")
            for m, title in measures.items()
        ]
    )
    html = summary_grid_html(summary)
    assert html.count('<table class="spc-grid">') == 2
    assert (
        html.index(">Falls</h3>")
        < html.index("Falls per 1,000")
        < html.index("Days between")
        < html.index(">Venous thromboembolism (VTE)</h3>")
        < html.index("VTE risk assessed")
    )
    assert summary_grid_html(summary, by_topic=False).count("<table") == 1


# ----------------------------------------------------------------------- baseline images

BASELINE_CASES = {
    "u_phases_annotated": lambda: plot(
        result("u", part=[pd.Timestamp("2023-04-01")], improvement="decrease"),
        annotations=[(pd.Timestamp("2023-04-01"), "PDSA 1: bay tagging")],
    ),
    "p_target_icons": lambda: plot(result("p", target=15.0, improvement="decrease")),
    "run_chart": lambda: plot(result("run")),
}


@pytest.mark.parametrize("name", sorted(BASELINE_CASES))
def test_baseline_images(name: str, tmp_path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ax = BASELINE_CASES[name]()
    expected = BASELINES / f"{name}.png"
    actual = tmp_path / f"{name}.png"
    save(ax, actual, dpi=72, close=True)
    if os.environ.get("SPC_UPDATE_BASELINES"):
        BASELINES.mkdir(exist_ok=True)
        actual.replace(expected)
        pytest.skip(f"baseline {expected.name} written; look at it before committing")
    assert expected.is_file(), f"missing baseline {expected}; see the module docstring"
    assert compare_images(str(expected), str(actual), tol=TOLERANCE) is None
