"""Drawing benchmark: one 60-point u chart with signals and annotations, and 12 small
multiples, drawn and saved as PNG; ratio against a bare matplotlib line plot of the same
points saved the same way, measured in the same run (median of 7 rounds).

Goal: a single chart under 3x the bare plot. Run: ``make bench`` or
``python benchmarks/bench_plot.py``.
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
from spc.plotting import plot, plot_facets, save

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


def median_time(func) -> float:
    func()  # warm-up: font cache, imports
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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

    def ours() -> None:
        save(plot(one, annotations=notes), io.BytesIO(), format="png", close=True)

    def bare() -> None:
        fig, ax = plt.subplots(figsize=(8, 4.5))
        ax.plot(one.data["x"], one.data["y"], marker="o")
        fig.savefig(io.BytesIO(), format="png", dpi=100)
        plt.close(fig)

    def facets() -> None:
        save(plot_facets(many), io.BytesIO(), format="png", close=True)

    t_ours, t_bare, t_facets = median_time(ours), median_time(bare), median_time(facets)
    print(f"plot benchmark (median of {ROUNDS}, PNG at 100 dpi)")
    print(f"  bare matplotlib line plot, 60 points:           {t_bare * 1000:7.1f} ms")
    print(
        f"  spc.plot u chart, signals + 3 annotations:      {t_ours * 1000:7.1f} ms"
        f"  ({t_ours / t_bare:.2f}x bare; goal < 3x)"
    )
    print(
        f"  spc.plot_facets, 12 wards x 60 months:          {t_facets * 1000:7.1f} ms"
        f"  ({t_facets / t_bare:.2f}x bare)"
    )


if __name__ == "__main__":
    main()
