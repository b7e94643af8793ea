"""Teaching helpers for the notebooks in ``notebooks/teaching``: a slider that steps through
shift sizes, showing an example series and how often each rule set detects the shift.

The figures themselves (``shift_example``, ``funnel_chart``) are drawn by ``spc.plotting``.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from spc.engine.rules import RULES
from spc.interactive.state import figure_bytes
from spc.plotting.teaching import funnel_chart, shift_example

__all__ = ["funnel_chart", "shift_example", "shift_slider"]


def shift_slider(table: pd.DataFrame, seed: int = 7) -> Any:
    """A slider for shift size showing an example series and how often each rule set detects it.

    ``table`` is :func:`spc.engine.simulate.detection_table`'s output; the slider steps through its
    shifts. Returns an ipywidgets box (``.controls["shift"]`` is the slider).
    """
    import ipywidgets as w

    shifts = sorted(table["shift"].unique())
    slider = w.SelectionSlider(
        options=[(f"{s:g} SD", s) for s in shifts],
        value=shifts[0],
        description="Shift size",
        continuous_update=False,
    )
    image = w.Image(format="png")
    text = w.HTML()

    def update(_change: Any = None) -> None:
        s = slider.value
        image.value = figure_bytes(shift_example(s, seed=seed), "png", close=True)
        rows = table[table["shift"] == s]
        label = {name: rs.label for name, rs in RULES.items()}
        items = "".join(
            f"<li>{html.escape(label.get(r.rules, r.rules))}: signalled in "
            f"{r.detected:.0%} of simulations"
            + ("" if pd.isna(r.median_months) else f", typically after {r.median_months:g} months")
            + "</li>"
            for r in rows.itertuples()
        )
        what = "false alarms (there is no real change)" if s == 0 else "detection"
        text.value = f"<p>{what.capitalize()}:</p><ul>{items}</ul>"

    slider.observe(update, names="value")
    update()
    box = w.VBox([slider, image, text])
    box.controls = {"shift": slider}
    box.text = text
    return box
