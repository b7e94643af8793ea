"""Drawing benchmark: one 60-point u chart with signals and annotations, and 12 small
multiples; ratio against a bare matplotlib line plot of the same points saved the same way,
measured in the same run (median of 7 rounds).

Two ways a chart is saved in the product: as the reports draw it (``chart_html``: inline SVG
drawn into the one figure a report reuses, with its icons set into the SVG and its legend as an
HTML list, as ``spc.report.display`` does) and as a PNG file (``spc.save``, the explorer's
exports, legend and icons drawn by matplotlib). The bare plot is a new figure of the same
size, ``ax.plot`` with markers, saved the same way. Goal (issue 14): a report chart within
1.5x of the bare plot.

Run: ``make bench`` or ``python benchmarks/bench_plot.py``.
"""

from __future__ import annotations

import io
import statistics
import time
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import spc
from spc.plotting import LiveChart, chart_html, inline_svg, plot, plot_facets, save
from spc.plotting._style import PAGE_FIGSIZE
from spc.report.display import CHART_OPTIONS

ROUNDS = 7


def falls(seed: int, ward: str | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = rng.integers(600, 900, 60)
    rate = np.r_[np.full(36, 0.007), np.full(24, 0.004)]
    df = pd.DataFrame(
        {
            "month": pd.date_range("2019-01-01", periods=60, freq="MS"),
            "falls": rng.poisson(n * rate),
            "bed_days": n,
        }
    )
    return df.assign(ward=ward) if ward else df


def main() -> None:
    warnings.simplefilter("ignore", spc.SPCWarning)
    one = spc.qic(
        falls(3),
        x="month",
        y="falls",
        n="bed_days",
        chart="u",
        multiply=1000,
        part=[pd.Timestamp("2022-01-01")],
        improvement="decrease",
        target=4,
    )
    notes = [
        (pd.Timestamp("2021-06-01"), "PDSA 1: safety huddles"),
        (pd.Timestamp("2022-01-01"), "PDSA 2: bay tagging"),
        (pd.Timestamp("2022-09-01"), "PDSA 3: lying and standing blood pressure"),
    ]
    many = spc.qic(
        pd.concat([falls(s, f"Ward {s:02d}") for s in range(12)]),
        x="month",
        y="falls",
        n="bed_days",
        chart="u",
        multiply=1000,
        facet="ward",
        improvement="decrease",
    )

    live = LiveChart(PAGE_FIGSIZE)

    def report_chart() -> None:  # as spc.report.display.section_chart_html draws it
        chart_html(live.draw(one, annotations=notes, **CHART_OPTIONS), "A u chart")

    def bare_svg() -> None:
        fig, ax = plt.subplots(figsize=PAGE_FIGSIZE)
        ax.plot(one.data["x"], one.data["y"], marker="o")
        inline_svg(fig, "A line plot")

    def png_file() -> None:
        save(plot(one, annotations=notes), io.BytesIO(), format="png", close=True)

    def bare_png() -> None:
        fig, ax = plt.subplots(figsize=(8, 4.5))
        ax.plot(one.data["x"], one.data["y"], marker="o")
        fig.savefig(io.BytesIO(), format="png", dpi=100)
        plt.close(fig)

    def facets() -> None:
        inline_svg(plot_facets(many), "12 small charts")

    # interleaved so that a busy machine slows each alike
    names = ("bare_svg", "report_chart", "bare_png", "png_file", "facets")
    funcs = {n: f for n, f in locals().items() if n in names}
    for f in funcs.values():
        f()  # warm-up: font cache, imports
    times: dict[str, list[float]] = {n: [] for n in names}
    for _ in range(ROUNDS):
        for name in names:
            start = time.perf_counter()
            funcs[name]()
            times[name].append(time.perf_counter() - start)
    t = {n: statistics.median(v) for n, v in times.items()}
    print(f"plot benchmark (median of {ROUNDS} interleaved rounds)")
    print(f"  bare matplotlib line plot, 60 points, inline SVG:  {t['bare_svg'] * 1000:7.1f} ms")
    print(
        f"  report chart (u chart, signals, 3 notes, icons):    {t['report_chart'] * 1000:7.1f} ms"
        f"  ({t['report_chart'] / t['bare_svg']:.2f}x bare; goal <= 1.5x)"
    )
    print(f"  bare matplotlib line plot, PNG at 100 dpi:          {t['bare_png'] * 1000:7.1f} ms")
    print(
        f"  spc.plot + spc.save, PNG at 100 dpi:                {t['png_file'] * 1000:7.1f} ms"
        f"  ({t['png_file'] / t['bare_png']:.2f}x bare)"
    )
    print(
        f"  spc.plot_facets, 12 wards x 60 months, SVG:         {t['facets'] * 1000:7.1f} ms"
        f"  ({t['facets'] / t['bare_svg']:.2f}x bare)"
    )


if __name__ == "__main__":
    main()
