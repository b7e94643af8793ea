"""Figures for the teaching notebooks: the same simulated shift judged by two rule sets, a
titled funnel plot of teams, a plain series as a board paper shows it, detection by shift size,
how baselines move the limits, and the Making Data Count icons. matplotlib is imported only when
a figure is drawn."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from spc.engine.pipeline import qic
from spc.engine.rules import RULES
from spc.engine.simulate import simulate_process

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.figure import Figure

__all__ = [
    "ICON_NAMES",
    "detection_chart",
    "funnel_chart",
    "icon_gallery",
    "limit_spread_chart",
    "series_chart",
    "shift_example",
]


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


def series_chart(x: Any, y: Any, title: str, xlab: str, ylab: str) -> Figure:
    """A plain line chart of one series (no centre line or limits): what a board paper shows."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from spc.plotting._style import COLOURS, STYLE_RC

    with mpl.rc_context(STYLE_RC):
        fig, ax = plt.subplots(figsize=(8, 3.5), layout="constrained")
        ax.plot(x, y, marker="o", color=COLOURS["data"])
        ax.set(title=title, xlabel=xlab, ylabel=ylab)
    return fig


def detection_chart(table: pd.DataFrame) -> Figure:
    """Share of simulated series with a signal by shift size, one line per rule set
    (:func:`spc.engine.simulate.detection_table`); marker shapes differ as well as colours."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from spc.plotting._style import STYLE_RC

    styles = {"anhoej": ("o", "#005EB8", "-"), "ihi": ("s", "#DE1B1B", "--")}
    with mpl.rc_context(STYLE_RC):
        fig, ax = plt.subplots(figsize=(7, 3.8), layout="constrained")
        for rules, rows in table.groupby("rules", sort=False):
            marker, colour, line = styles.get(str(rules), ("D", "#361475", ":"))
            ax.plot(
                rows["shift"],
                rows["detected"] * 100,
                marker=marker,
                color=colour,
                linestyle=line,
                label=RULES[str(rules)].label if rules in RULES else str(rules),
            )
        ax.set(
            title="Share of simulated series with a signal within 24 months",
            xlabel="Size of the sustained shift (standard deviations)",
            ylabel="Series with a signal (%)",
            ylim=(0, 102),
        )
        ax.legend(title="Rule set", loc="lower right")
    return fig


def limit_spread_chart(spread: pd.DataFrame, true_ucl: float = 13.0) -> Figure:
    """The upper limit estimated from baselines of different lengths (5th to 95th percentile
    over simulations, :func:`spc.engine.simulate.limit_spread`) against the true one."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from spc.plotting._style import STYLE_RC

    with mpl.rc_context(STYLE_RC):
        fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
        ax.errorbar(
            spread["baseline"],
            spread["ucl_mean"],
            yerr=[spread["ucl_mean"] - spread["ucl_low"], spread["ucl_high"] - spread["ucl_mean"]],
            fmt="o",
            capsize=6,
            color="#005EB8",
            label="estimated upper limit (5th to 95th percentile)",
        )
        ax.axhline(true_ucl, color="#DE1B1B", linestyle="--", label="true upper limit")
        ax.set(
            title="Upper control limit estimated from baselines of different lengths",
            xlabel="Baseline length (points)",
            ylabel="Upper limit (units of the measure)",
            xticks=list(spread["baseline"]),
        )
        ax.legend(loc="upper right")
    return fig


#: Short names under each icon in :func:`icon_gallery` (the full words are in spc.text.icons).
ICON_NAMES = {
    "common_cause": "Common cause",
    "improvement_high": "Improvement\n(higher)",
    "improvement_low": "Improvement\n(lower)",
    "concern_high": "Concern\n(higher)",
    "concern_low": "Concern\n(lower)",
    "neutral_high": "Special cause,\nneither (higher)",
    "neutral_low": "Special cause,\nneither (lower)",
    "unstable": "Unstable\n(safety-spc)",
    "too_few_events": "Too few events\n(safety-spc)",
    "pass": "Target: will\nbe met",
    "fail": "Target: will\nbe missed",
    "inconsistent": "Target: hit\nand miss",
}


def icon_gallery() -> Figure:
    """Every Making Data Count icon the reports use, with its name: the variation icons (and
    safety-spc's two extra verdicts) in the top row, the assurance icons below."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from spc.engine.mdc import ASSURANCE_ICONS, VARIATION_ICONS
    from spc.plotting._icons import draw_icon
    from spc.plotting._style import STYLE_RC

    rows = [list(VARIATION_ICONS), list(ASSURANCE_ICONS)]
    width = max(map(len, rows))
    with mpl.rc_context(STYLE_RC):
        fig, axes = plt.subplots(2, width, figsize=(1.15 * width, 3.2))
        fig.subplots_adjust(left=0.01, right=0.99, top=0.86, bottom=0.18, hspace=0.9)
        for r, keys in enumerate(rows):
            for c in range(width):
                ax = axes[r][c]
                if c >= len(keys):
                    ax.set_axis_off()
                    continue
                draw_icon(ax, keys[c])
                ax.set_title(ICON_NAMES.get(keys[c], keys[c]), fontsize=7, y=-0.62, loc="center")
        fig.suptitle(
            "Making Data Count icons: variation (top row) and assurance against a target",
            fontsize=10,
        )
    return fig
