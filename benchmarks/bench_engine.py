"""Engine benchmark: 2,000 wards x 60 months (120,000 rows) of falls and bed days.

Computes the faceted u chart with the Anhøj rules, and the Making Data Count rules on an
I chart of the rates, with ``spc.qic``; and, in the same run, a straightforward per-ward
``groupby().apply`` implementation of the same u chart as the baseline. Prints medians of 5
runs, the ratio, and peak memory (tracemalloc) of one ``spc.qic`` call.

Run: ``make bench`` or ``python benchmarks/bench_engine.py``.
"""

from __future__ import annotations

import itertools
import sys
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _timing import median_time

import spc

BENCH_FILE = (
    Path(__file__).resolve().parents[2] / "shared" / "refcases" / "bench" / ("falls_2000x60.csv.gz")
)
ROUNDS = 5


def load() -> pd.DataFrame:
    """The shared benchmark file, or the same recipe regenerated with numpy if it is absent."""
    if BENCH_FILE.is_file():
        return pd.read_csv(BENCH_FILE, parse_dates=["month"])
    print(f"note: {BENCH_FILE} not found; generating equivalent data", file=sys.stderr)
    rng = np.random.default_rng(20240601)
    wards = [f"W{i:04d}" for i in range(1, 2001)]
    months = pd.date_range("2019-01-01", periods=60, freq="MS")
    base = rng.uniform(3, 7, 2000) / 1000
    bed_days = np.round(rng.uniform(600, 900, 120000))
    rate = np.repeat(base, 60) * np.tile(np.where(np.arange(60) < 36, 1.0, 0.8), 2000)
    return pd.DataFrame(
        {
            "ward": np.repeat(wards, 60),
            "month": np.tile(months, 2000),
            "bed_days": bed_days,
            "falls": rng.poisson(bed_days * rate),
        }
    )


def per_ward_u_chart(one: pd.DataFrame) -> pd.DataFrame:
    """Baseline: the u chart and Anhøj runs analysis for one ward, written plainly."""
    one = one.sort_values("month")
    y = one["falls"].to_numpy() / one["bed_days"].to_numpy()
    cl = one["falls"].sum() / one["bed_days"].sum()
    sigma = np.sqrt(cl / one["bed_days"].to_numpy())
    side = np.sign(y - cl)
    side = side[side != 0]
    runs = 1 + int(np.sum(side[1:] != side[:-1]))
    longest, current = 1, 1
    for a, b in itertools.pairwise(side):
        current = current + 1 if a == b else 1
        longest = max(longest, current)
    return pd.DataFrame(
        {
            "y": y * 1000,
            "cl": cl * 1000,
            "ucl": (cl + 3 * sigma) * 1000,
            "lcl": np.maximum(cl - 3 * sigma, 0) * 1000,
            "longest_run": longest,
            "n_crossings": runs - 1,
        }
    )


def main() -> None:
    df = load()
    with_rates = df.assign(rate=df["falls"] / df["bed_days"] * 1000)
    warnings.simplefilter("ignore", spc.SPCWarning)

    def u_chart() -> None:
        spc.qic(
            df,
            x="month",
            y="falls",
            n="bed_days",
            chart="u",
            facet="ward",
            multiply=1000,
            rules="anhoej",
            improvement="decrease",
        )

    def mdc_chart() -> None:
        spc.qic(
            with_rates,
            x="month",
            y="rate",
            chart="i",
            facet="ward",
            rules="mdc",
            improvement="decrease",
        )

    def baseline() -> None:
        df.groupby("ward", group_keys=True)[["month", "falls", "bed_days"]].apply(per_ward_u_chart)

    u_time = median_time(u_chart, ROUNDS)
    mdc_time = median_time(mdc_chart, ROUNDS)
    base_time = median_time(baseline, 3)
    tracemalloc.start()
    u_chart()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"engine benchmark: {len(df):,} rows, {df['ward'].nunique():,} wards")
    print(f"  u chart + Anhøj (spc.qic)        median {u_time:8.3f} s")
    print(f"  I chart + MDC rules (spc.qic)    median {mdc_time:8.3f} s")
    print(f"  per-ward groupby().apply u chart median {base_time:8.3f} s (baseline)")
    print(f"  speed-up of spc.qic u chart over baseline: {base_time / u_time:6.1f}x")
    print(f"  peak traced memory of one u chart call: {peak / 2**20:6.1f} MiB")


if __name__ == "__main__":
    main()
