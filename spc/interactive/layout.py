"""The explorer's widgets and how they are laid out (no behaviour: ``spc.interactive.app``
wires them to the state functions)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from spc.chart_types import CHART_TYPES
from spc.engine.rules import RULES
from spc.text.labels import chart_name

__all__ = ["build_controls", "build_layout", "build_outputs"]


def build_controls(source_label: str) -> dict[str, Any]:
    """The named input widgets: data, chart settings, phases, what-if and export controls."""
    import ipywidgets as w

    wide = w.Layout(width="320px")
    style = {"description_width": "110px"}
    c: dict[str, Any] = {}
    c["data_path"] = w.Text(
        value=source_label,
        description="Data file(s)",
        layout=wide,
        style=style,
        tooltip="Comma-separated CSV/XLSX paths or a folder",
    )
    c["load"] = w.Button(description="Load data", icon="upload")
    c["team"] = w.Dropdown(description="Team / ward", layout=wide, style=style)
    c["measure"] = w.Dropdown(description="Measure", layout=wide, style=style)
    c["chart"] = w.Dropdown(
        description="Chart type",
        layout=wide,
        style=style,
        options=[(f"{k} - {chart_name({'chart': k})}", k) for k in CHART_TYPES],
    )
    c["rules"] = w.Dropdown(
        description="Rule set",
        layout=wide,
        style=style,
        options=[(rs.label, name) for name, rs in RULES.items()],
    )
    c["improvement"] = w.Dropdown(
        description="Better is",
        layout=wide,
        style=style,
        options=[
            ("lower (decrease)", "decrease"),
            ("higher (increase)", "increase"),
            ("neither (neutral)", "neutral"),
        ],
    )
    c["target"] = w.Text(
        description="Target", layout=wide, style=style, placeholder="blank for none"
    )
    c["baseline"] = w.BoundedIntText(
        description="Baseline points",
        min=0,
        max=1000,
        layout=wide,
        style=style,
        tooltip="0 = use every point for centre and limits",
    )
    c["phase_pick"] = w.Dropdown(description="Phase from", layout=wide, style=style)
    c["phase_note"] = w.Text(
        description="What changed",
        layout=wide,
        style=style,
        placeholder="e.g. PDSA 2: bay tagging",
    )
    c["phase_add"] = w.Button(description="Add phase start", icon="plus")
    c["phases"] = w.SelectMultiple(description="Phase starts", layout=wide, style=style, rows=4)
    c["phase_remove"] = w.Button(description="Remove selected", icon="minus")
    c["exclude"] = w.SelectMultiple(description="Exclude points", layout=wide, style=style, rows=5)
    c["whatif_value"] = w.FloatText(description="Next value", layout=wide, style=style)
    c["whatif_go"] = w.Button(description="Would it signal?", icon="question")
    c["export_name"] = w.Text(description="File name", layout=wide, style=style)
    c["export_png"] = w.Button(description="Chart PNG", icon="download")
    c["export_svg"] = w.Button(description="Chart SVG", icon="download")
    c["export_changes"] = w.Button(description="Change log CSV", icon="download")
    c["export_settings"] = w.Button(
        description="Chart settings JSON",
        icon="download",
        tooltip="baseline, excluded points and target, for the reports (--chart-settings)",
    )
    return c


def build_outputs() -> dict[str, Any]:
    """The output widgets: notes, the chart image, caption, summary, what-if and export
    messages."""
    import ipywidgets as w

    return {
        "note": w.HTML(),
        "chart": w.Image(format="png", layout=w.Layout(max_width="820px")),
        "caption": w.HTML(),
        "summary": w.HTML(),
        "whatif_out": w.HTML(),
        "export_out": w.HTML(),
    }


def build_layout(c: dict[str, Any], out: dict[str, Any], export_dir: Path) -> Any:
    """Controls on the left, the chart and its words on the right, what-if and export tabs."""
    import ipywidgets as w

    left = w.VBox(
        [
            w.HTML("<b>Data</b>"),
            c["data_path"],
            c["load"],
            c["team"],
            c["measure"],
            w.HTML("<b>Chart</b>"),
            c["chart"],
            c["rules"],
            c["improvement"],
            c["target"],
            c["baseline"],
            w.HTML("<b>Phases (PDSA changes)</b>"),
            c["phase_pick"],
            c["phase_note"],
            c["phase_add"],
            c["phases"],
            c["phase_remove"],
            w.HTML("<b>Points left out of the calculations</b>"),
            c["exclude"],
        ],
        layout=w.Layout(width="340px"),
    )
    right = w.VBox([out["note"], out["chart"], out["caption"], out["summary"]])
    whatif = w.VBox(
        [
            w.HTML(
                "Add a hypothetical next value (in the chart's unit) and see "
                "whether it would signal."
            ),
            w.HBox([c["whatif_value"], c["whatif_go"]]),
            out["whatif_out"],
        ]
    )
    export = w.VBox(
        [
            w.HTML(
                f"Files are written to <code>{html.escape(str(export_dir))}"
                "</code>. The change log and targets files are what the team "
                "report reads as <code>change_log</code> and "
                "<code>targets</code>."
            ),
            c["export_name"],
            w.HBox([c["export_png"], c["export_svg"], c["export_changes"], c["export_settings"]]),
            out["export_out"],
        ]
    )
    tabs = w.Tab(children=[whatif, export])
    tabs.set_title(0, "What if?")
    tabs.set_title(1, "Export")
    return w.VBox([w.HBox([left, right]), tabs])
