"""Helpers for the teaching notebooks in ``notebooks/teaching``: folded answers, a slider that
steps through shift sizes, the words that say what one simulated example shows, and the rare
events comparison over many simulated wards.

Everything a notebook's prose quotes is computed here or in the notebook's cells, so the words
stay true of the notebook's own output. The figures are drawn by ``spc.plotting.teaching``.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from spc.engine.pipeline import qic
from spc.engine.rules import RULES
from spc.engine.simulate import START, monthly_counts, simulate_events, simulate_process
from spc.engine.verdict import MIN_EVENTS_PER_SUBGROUP, confirmations
from spc.errors import SPCWarning
from spc.interactive.state import figure_bytes
from spc.plotting.teaching import funnel_chart, shift_example

__all__ = [
    "RARE_EVENT_CHARTS",
    "answer",
    "funnel_chart",
    "rare_event_table",
    "shift_example",
    "shift_signals",
    "shift_slider",
    "shift_words",
    "show",
]


def show(obj: Any) -> None:
    """Display a figure (or the figure of an Axes) here, in order with the cell's other output,
    and close it so the inline backend does not show it again at the end of the cell."""
    from IPython.display import display

    from spc.plotting import close

    fig = obj if hasattr(obj, "savefig") else obj.figure
    display(fig)
    close(fig)


def answer(text: str) -> Any:
    """An exercise's answer folded in ``<details>`` (closed in JupyterLab, also after running
    the notebook, and in the HTML hand-outs), as Markdown to ``display``."""
    from IPython.display import Markdown

    return Markdown(f"<details><summary>Show the answer</summary>\n\n{text}\n\n</details>")


def shift_signals(
    shift: float, seed: int = 7, baseline: int = 12, after: int = 12
) -> dict[str, bool]:
    """Whether the example series of :func:`spc.plotting.teaching.shift_example` (the same
    simulation) signals under each rule set, by rule set name."""
    df = simulate_process(
        n_points=baseline + after, mean=10, sd=1, shift=shift, shift_at=baseline, seed=seed
    )
    out = {}
    for rules in ("anhoej", "ihi"):
        res = qic(df, x="month", y="value", chart="run", freeze=baseline, rules=rules)
        out[rules] = bool(res.data["signal"].to_numpy(bool)[baseline:].any())
    return out


def shift_words(table: pd.DataFrame, shift: float, seed: int = 7) -> str:
    """What the example at ``shift`` shows and how often each rule set signalled that shift in
    the simulations of ``table`` (:func:`spc.engine.simulate.detection_table`), in one
    paragraph: the example is one series, the table many."""
    signals = shift_signals(shift, seed=seed)
    label = {name: rs.label.split(" (")[0] for name, rs in RULES.items()}
    example = "; ".join(
        f"{label[r]}: {'a signal' if hit else 'no signal'}" for r, hit in signals.items()
    )
    rows = table[np.isclose(table["shift"], shift)]
    sims = "; ".join(
        f"{label.get(r.rules, r.rules)} signalled in {r.detected:.0%}"
        + ("" if pd.isna(r.median_months) else f", typically after {r.median_months:g} months")
        for r in rows.itertuples()
    )
    what = "false alarms: nothing changed" if shift == 0 else f"a shift of {shift:g} SD"
    n = int(rows["n_simulations"].iloc[0]) if len(rows) else 0
    return (
        f"This example ({what}): {example}. Across {n} simulated series with the same shift: "
        f"{sims}. One series can be lucky or unlucky; the percentages are what to expect."
    )


def shift_slider(table: pd.DataFrame, seed: int = 7) -> Any:
    """A slider for shift size showing an example series and how often each rule set detects it.

    ``table`` is :func:`spc.engine.simulate.detection_table`'s output; the slider steps through
    its shifts. The words say what the example shows as well as the simulations' rates, so they
    never contradict the picture. Returns an ipywidgets box (``.controls["shift"]`` is the
    slider, ``.text`` the words).
    """
    import ipywidgets as w

    shifts = sorted(table["shift"].unique())
    slider = w.SelectionSlider(
        options=[(f"{s:g} SD", s) for s in shifts],
        value=shifts[0],
        description="Shift size",
        continuous_update=False,
    )
    image = w.Image(format="png", layout=w.Layout(width="100%", max_width="880px"))
    text = w.HTML()

    def update(_change: Any = None) -> None:
        s = slider.value
        image.value = figure_bytes(shift_example(s, seed=seed), "png", close=True)
        text.value = f"<p>{html.escape(shift_words(table, s, seed=seed))}</p>"

    slider.observe(update, names="value")
    update()
    box = w.VBox([slider, image, text])
    box.controls = {"shift": slider}
    box.text = text
    return box


#: The ways of charting rare events that :func:`rare_event_table` compares, in its order.
RARE_EVENT_CHARTS = {
    "u_runs": "U chart, run rules read every month (as charts were often read)",
    "u_toolkit": "U chart as safety-spc reads it (too few events: only a month beyond the limits)",
    "u_judged": "U chart, the change logged and judged against its baseline (as the reports do)",
    "t": "T chart of days between events (run rules from 10 events)",
}


def _wards(
    n: int, rate: float, factor: float, n_days: int, change_day: int, bed_days: float, seed: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    months, gaps = [], []
    for i in range(n):
        ev = simulate_events(rate, n_days, factor, change_day, seed=seed)
        months.append(
            monthly_counts(ev, bed_days=bed_days, n_months=round(n_days / 30.4375)).assign(sim=i)
        )
        gaps.append(ev.assign(sim=i))
    return pd.concat(months, ignore_index=True), pd.concat(gaps, ignore_index=True)


def rare_event_table(
    rates: Sequence[float] = (4.0, 24.0),
    factor: float = 0.4,
    n_simulations: int = 200,
    n_days: int = 1095,
    change_day: int = 548,
    bed_days: float = 800.0,
    seed: int = 2024,
) -> pd.DataFrame:
    """How often each way of charting rare events shows improvement, with a real change (the
    rate multiplied by ``factor`` from ``change_day``) and with none, over simulated wards.

    For each rate (events a year) and each way in :data:`RARE_EVENT_CHARTS`: ``with_change``
    and ``no_change`` are the shares of wards whose chart marks a point after the change day as
    improvement; ``events_before`` and ``events_after`` the average events per ward before and
    after it (with the change). The same simulated wards are charted every way.

    >>> t = rare_event_table(rates=(4,), n_simulations=10)
    >>> t["chart"].tolist()
    ['u_runs', 'u_toolkit', 'u_judged', 't']
    """
    rng = np.random.default_rng(seed)
    change = pd.Timestamp(START) + pd.Timedelta(days=change_day)
    rows = []
    for rate in rates:
        shown: dict[str, dict[float, float]] = {k: {} for k in RARE_EVENT_CHARTS}
        counts = (np.nan, np.nan)
        for f in (factor, 1.0):
            months, gaps = _wards(n_simulations, rate, f, n_days, change_day, bed_days, rng)
            if f == factor:  # events a ward has before and after the change, on average
                after = months["month"] >= change.to_period("M").to_timestamp()
                counts = (
                    float(months.loc[~after, "events"].sum()) / n_simulations,
                    float(months.loc[after, "events"].sum()) / n_simulations,
                )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SPCWarning)  # short phases are expected here
                u = dict(x="month", y="events", n="bed_days", chart="u", multiply=1000)
                charts = {
                    "u_runs": qic(months, **u, facet="sim", improvement="decrease"),
                    "u_toolkit": qic(
                        months,
                        **u,
                        facet="sim",
                        improvement="decrease",
                        min_events=MIN_EVENTS_PER_SUBGROUP,
                    ),
                    "u_judged": qic(
                        months,
                        **u,
                        facet="sim",
                        improvement="decrease",
                        min_events=MIN_EVENTS_PER_SUBGROUP,
                        judge_from=change.to_period("M").to_timestamp(),
                    ),
                    "t": qic(
                        gaps,
                        x="date",
                        y="days_between",
                        chart="t",
                        facet="sim",
                        improvement="increase",
                        min_events=MIN_EVENTS_PER_SUBGROUP,
                    ),
                }
            for name, res in charts.items():
                d = res.data
                hit = (d["x"] >= change) & (d["point_type"] == "special_cause_improvement")
                per_ward = hit.groupby(d["sim"]).any()
                if name == "u_judged":  # or a confirmed fall in level since the change
                    lower = {k for k, (_x, sign, _z) in confirmations(res).items() if sign < 0}
                    per_ward = per_ward | per_ward.index.isin(list(lower))
                shown[name][f] = float(per_ward.sum()) / n_simulations
        for name in RARE_EVENT_CHARTS:
            rows.append(
                {
                    "rate": float(rate),
                    "chart": name,
                    "with_change": shown[name][factor],
                    "no_change": shown[name][1.0],
                    "events_before": counts[0],
                    "events_after": counts[1],
                    "n_simulations": n_simulations,
                }
            )
    return pd.DataFrame(rows)
