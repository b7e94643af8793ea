"""Figures for the teaching notebooks: the same simulated shift judged by two rule sets, and a
titled funnel plot of teams. matplotlib is imported only when a figure is drawn."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from spc.engine.pipeline import qic
from spc.engine.rules import RULES
from spc.engine.simulate import simulate_process

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.figure import Figure

__all__ = ["funnel_chart", "shift_example"]


def shift_example(shift: float, seed: int = 7, baseline: int = 12, after: int = 12) -> Figure:
    """Two run charts of one simulated series with a sustained shift, Anhøj vs IHI rules.

    The series has ``baseline`` stable points (mean 10, SD 1), then ``after`` points shifted
    by ``shift`` SDs; the median is frozen on the baseline. Returns the Figure.
    """
    import matplotlib.pyplot as plt

    from spc.plotting._chart import plot

    df = simulate_process(
        n_points=baseline + after, mean=10, sd=1, shift=shift, shift_at=baseline, seed=seed
    )
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True, layout="constrained")
    for ax, rules in zip(axes, ("anhoej", "ihi"), strict=True):
        res = qic(df, x="month", y="value", chart="run", freeze=baseline, rules=rules)
        res.options.update(y="simulated measure", units="units")
        plot(
            res,
            ax=ax,
            title=f"{RULES[rules].label}: shift of {shift:g} SD",
            icons=False,
            legend=False,
        )
        ax.axvline(df["month"].iloc[baseline], color="#005EB8", linestyle="--", linewidth=1)
    return fig


def funnel_chart(
    df: pd.DataFrame,
    y: str,
    n: str,
    label: str,
    chart: str = "u",
    multiply: float = 1,
    title: str = "Funnel plot",
    ylab: str = "Rate",
    xlab: str = "Denominator",
) -> Figure:
    """A funnel plot of teams (``spc.plotting.funnel``), titled and labelled."""
    import matplotlib.pyplot as plt

    from spc.plotting._funnel import funnel

    fig, ax = plt.subplots(figsize=(8, 4.8))
    fig.subplots_adjust(left=0.1, right=0.97, top=0.9, bottom=0.22)
    funnel(df, y, n, label, ax=ax, chart=chart, multiply=multiply)
    ax.set_title(title)
    ax.set_ylabel(ylab)
    ax.set_xlabel(xlab)
    return fig
